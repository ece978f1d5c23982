"""Rulesets: the YAML format, its loader and checks.

Example:
    >>> from cpq.ruleset import load_ruleset
    >>> load_ruleset("rulesets/pump").product.name
    'Centrifugal pump CP'
"""

from cpq.ruleset.dump import dump_ruleset
from cpq.ruleset.model import (
    ANY,
    Attribute,
    BomItem,
    Product,
    Rule,
    Ruleset,
    Table,
    Value,
)
from cpq.ruleset.resolve import check_ruleset, load_ruleset
from cpq.ruleset.schema import ruleset_json_schema

__all__ = [
    "ANY",
    "Attribute",
    "BomItem",
    "Product",
    "Rule",
    "Ruleset",
    "Table",
    "Value",
    "check_ruleset",
    "dump_ruleset",
    "load_ruleset",
    "ruleset_json_schema",
]
