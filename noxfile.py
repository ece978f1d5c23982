"""Developer tasks: ``nox -s lint typecheck tests``; ``nox -s long`` and ``nox -s bench`` for
the thorough property tests and the benchmarks (not part of CI's test run)."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

DEV = ["pytest>=8", "hypothesis>=6.100", "types-PyYAML", "mypy>=1.11", "ruff>=0.6"]


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", "cpq", "tests", "bench", "examples", "noxfile.py")
    session.run("ruff", "format", "--check", "cpq", "tests", "bench", "examples", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package."""
    session.install("-e", ".", *DEV)
    session.run("mypy", "--strict", "cpq")


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite with the CI hypothesis profile."""
    session.install("-e", ".", *DEV)
    session.run("pytest", "-q", *session.posargs, env={"HYPOTHESIS_PROFILE": "ci"})


@nox.session
def long(session: nox.Session) -> None:
    """Property tests with many more examples (minutes to hours)."""
    session.install("-e", ".", *DEV)
    session.run("pytest", "-q", *session.posargs, env={"HYPOTHESIS_PROFILE": "long"})


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks on the shipped rulesets and ../shared/benchmarks; results in bench/results/."""
    session.install("-e", ".[server]", "matplotlib", "httpx")
    session.run("python", "bench/run.py", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site strictly."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict")
