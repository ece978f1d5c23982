"""Solver backends behind one protocol (see :mod:`cpq.solve.base`) and their registry.

Example:
    >>> from cpq.solve import get_backend
    >>> get_backend("sat").name
    'sat'
"""

from cpq.solve.base import (
    Backend,
    Capabilities,
    Core,
    Domains,
    EnumerationResult,
    SolveResult,
    SolverSession,
    SolveStatus,
)
from cpq.solve.registry import available_backends, backend_for, get_backend

__all__ = [
    "Backend",
    "Capabilities",
    "Core",
    "Domains",
    "EnumerationResult",
    "SolveResult",
    "SolveStatus",
    "SolverSession",
    "available_backends",
    "backend_for",
    "get_backend",
]
