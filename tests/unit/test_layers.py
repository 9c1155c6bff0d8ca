"""The core never imports Qt or the UI (import-linter checks it too, in `make test`)."""

from __future__ import annotations

import ast
from pathlib import Path

import peerdesk

FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "ui")


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_never_imports_qt_or_ui() -> None:
    core = Path(peerdesk.__file__).parent
    offenders = {str(p.relative_to(core)): sorted(imported_roots(p) & set(FORBIDDEN))
                 for p in core.rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(offenders) > 10  # the walk really saw the package
