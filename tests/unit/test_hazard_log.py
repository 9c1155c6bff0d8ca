"""Every test the hazard log names as evidence for a control exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "docs" / "clinical-safety" / "hazard-log.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test_")}


def test_every_named_test_exists() -> None:
    references = REFERENCE.findall(LOG.read_text(encoding="utf-8"))
    assert len(references) >= 20
    missing = [f"{path}::{name}" for path, name in references
               if not (ROOT / path).exists() or name not in defined_tests(ROOT / path)]
    assert missing == []


def test_every_hazard_has_controls_and_residual_risk() -> None:
    rows = [line for line in LOG.read_text(encoding="utf-8").splitlines()
            if re.match(r"\| H\d+ \|", line)]
    assert len(rows) >= 14
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 9, row[:40]
        assert cells[6] and cells[8], row[:40]
