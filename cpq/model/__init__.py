"""The constraint model: compile a ruleset to a solver-neutral IR, and check assignments.

Example:
    >>> from cpq.model.ir import BoolConst
    >>> BoolConst(True).value
    True
"""
