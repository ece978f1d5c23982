"""The documentation site builds with mkdocs --strict (no broken links or missing pages)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_mkdocs_builds_strictly(tmp_path: Path) -> None:
    """Every page in the nav exists and every relative link resolves."""
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
