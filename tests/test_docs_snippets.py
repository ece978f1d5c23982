"""Complete ruleset examples in docs/ load without problems (docs are code)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cpq.ruleset import check_ruleset

BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def _snippets() -> list[tuple[str, int, str]]:
    out = []
    for doc in sorted(Path(__file__).resolve().parent.parent.joinpath("docs").glob("*.md")):
        for i, m in enumerate(BLOCK.finditer(doc.read_text())):
            text = m.group(1)
            if re.search(r"^product:", text, re.M) and re.search(r"^cpq:", text, re.M):
                out.append((doc.name, i, text))
    return out


SNIPPETS = _snippets()


@pytest.mark.parametrize(
    ("doc", "index", "text"), SNIPPETS, ids=[f"{d}#{i}" for d, i, _ in SNIPPETS]
)
def test_doc_ruleset_snippet_loads(tmp_path: Path, doc: str, index: int, text: str) -> None:
    """Each complete ruleset in the docs loads with no error (includes resolved from rulesets/)."""
    if "include:" in text:
        pytest.skip("snippet includes a library file")
    path = tmp_path / "product.yaml"
    path.write_text(text)
    rs, issues = check_ruleset(path)
    errors = [str(i) for i in issues if i.severity == "error"]
    assert not errors, f"{doc} block {index}:\n" + "\n".join(errors)
    assert rs is not None
