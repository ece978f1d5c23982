"""Finding a backend by name, importing its solver library only when it is asked for.

``get_backend("auto")`` returns the backend for the interactive path (``sat`` when python-sat is
installed, else ``cpsat``, else ``pyconstraint``); :func:`backend_for` applies the per-operation
policy ("which backend serves which operation").

Example:
    >>> get_backend("sat").name
    'sat'
    >>> backend_for("options").name
    'sat'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Literal, TypeAlias

from cpq.errors import BackendUnavailableError
from cpq.solve.base import Backend

__all__ = [
    "BACKENDS",
    "BackendName",
    "Operation",
    "available_backends",
    "backend_for",
    "get_backend",
]

BackendName: TypeAlias = Literal["auto", "sat", "cpsat", "pyconstraint"]
Operation: TypeAlias = Literal[
    "check", "options", "explain", "repair", "complete", "optimize", "count", "enumerate", "lint"
]

# name -> (module, class, the library it needs, install hint)
BACKENDS: dict[str, tuple[str, str, str, str]] = {
    "sat": (
        "cpq.solve.sat",
        "SatBackend",
        "pysat",
        "the sat backend needs python-sat: pip install 'python-sat>=1.9.dev17'",
    ),
    "cpsat": (
        "cpq.solve.cpsat",
        "CpSatBackend",
        "ortools",
        "the cpsat backend needs OR-Tools: pip install ortools",
    ),
    "pyconstraint": (
        "cpq.solve.pyconstraint",
        "PyConstraintBackend",
        "constraint",
        "the pyconstraint backend needs python-constraint2: pip install python-constraint2",
    ),
}
"""The known backends, by name."""

_POLICY: dict[str, tuple[str, ...]] = {
    # interactive operations: one warm incremental solver
    "check": ("sat", "cpsat", "pyconstraint"),
    "options": ("sat", "cpsat", "pyconstraint"),
    "explain": ("sat", "cpsat", "pyconstraint"),
    "repair": ("sat", "cpsat", "pyconstraint"),
    "complete": ("sat", "cpsat", "pyconstraint"),
    "lint": ("sat", "cpsat", "pyconstraint"),
    # optimisation and counting by enumeration
    "optimize": ("cpsat", "sat", "pyconstraint"),
    "count": ("cpsat", "sat", "pyconstraint"),
    "enumerate": ("sat", "cpsat", "pyconstraint"),
}

_cache: dict[str, Backend] = {}


def _load(name: str) -> Backend:
    if name in _cache:
        return _cache[name]
    if name not in BACKENDS:
        known = ", ".join(["auto", *BACKENDS])
        raise ValueError(f"unknown backend {name!r}; known backends: {known}")
    module_name, class_name, library, hint = BACKENDS[name]
    try:
        importlib.import_module(library)
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (exc.name == library or exc.name.startswith(library + ".")):
            raise BackendUnavailableError(hint) from exc
        if exc.name == module_name:
            raise BackendUnavailableError(
                f"the {name} backend is not part of this installation"
            ) from exc
        raise
    factory: Callable[[], Backend] = getattr(module, class_name)
    backend = factory()
    _cache[name] = backend
    return backend


def available_backends() -> list[str]:
    """The names of the backends that can be loaded here.

    Example:
        >>> "sat" in available_backends()
        True
    """
    out = []
    for name in BACKENDS:
        try:
            _load(name)
        except BackendUnavailableError:
            continue
        out.append(name)
    return out


def get_backend(name: BackendName | str = "auto") -> Backend:
    """The backend called ``name``; ``auto`` picks the interactive default.

    Raises:
        BackendUnavailableError: the backend's solver library is not installed (the message
            says how to install it).
        ValueError: no backend has that name.

    Example:
        >>> get_backend("auto").capabilities.supports("cores")
        True
    """
    if name == "auto":
        return backend_for("options")
    return _load(name)


def backend_for(operation: Operation | str, preferred: BackendName | str = "auto") -> Backend:
    """The backend that serves ``operation``: ``preferred`` unless it is ``auto``.

    Raises:
        BackendUnavailableError: no backend for the operation can be loaded.

    Example:
        >>> backend_for("check", "sat").name
        'sat'
    """
    if preferred != "auto":
        return _load(preferred)
    errors: list[str] = []
    for name in _POLICY.get(operation, ("sat", "cpsat", "pyconstraint")):
        try:
            return _load(name)
        except BackendUnavailableError as exc:
            errors.append(str(exc))
    raise BackendUnavailableError("no solver backend is installed: " + "; ".join(errors))
