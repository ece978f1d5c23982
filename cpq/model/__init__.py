"""The constraint model: compile a ruleset to a solver-neutral IR, and check configurations.

Example:
    >>> from cpq.model import compile_model, check_values
    >>> from cpq.model.demo import demo_ruleset
    >>> rs = demo_ruleset()
    >>> len(compile_model(rs).constraints) > 0
    True
"""

from cpq.model.compile import compile_model
from cpq.model.evaluate import Value, Values, check_values, violated_rules
from cpq.model.ir import ConstraintModel
from cpq.model.lint import semantic_lint

__all__ = [
    "ConstraintModel",
    "Value",
    "Values",
    "check_values",
    "compile_model",
    "semantic_lint",
    "violated_rules",
]
