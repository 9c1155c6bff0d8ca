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


# Records, their versions, wrapped keys, sharing and the outbox: written by one module only.
RECORD_MODELS = {"RecordRow", "VersionRow", "WrapRow", "OutboxRow", "ReaderRow",
                 "ReaderClockRow", "ErasedPersonRow"}
RECORD_TABLES = ("records", "versions", "wraps", "sync_outbox", "readers", "reader_clocks",
                 "erased_people")
WRITERS = {"insert", "update", "delete", "upsert"}


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
        {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def _aliases(tree: ast.AST) -> set[str]:
    """Names bound to a record model's table (``_RECORDS = table(RecordRow)``)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets = [t for tgt in node.targets
                       for t in (tgt.elts if isinstance(tgt, ast.Tuple) else [tgt])]
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for target, value in zip(targets, values, strict=False):
                if isinstance(target, ast.Name) and _names(value) & RECORD_MODELS:
                    out.add(target.id)
    return out


def record_writes(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    models = RECORD_MODELS | _aliases(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func.id if isinstance(node.func, ast.Name) else \
            node.func.attr if isinstance(node.func, ast.Attribute) else ""
        if func in RECORD_MODELS:
            found.append(f"{path.name}:{node.lineno} builds a {func}")
        elif func in WRITERS and node.args and _names(node.args[0]) & models:
            found.append(f"{path.name}:{node.lineno} {func}s {sorted(_names(node.args[0]) & models)}")
        for arg in node.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and any(
                    f"{verb} {t}" in arg.value.upper().replace('"', "")
                    for verb in ("INSERT INTO", "UPDATE", "DELETE FROM")
                    for t in (t.upper() for t in RECORD_TABLES)):
                found.append(f"{path.name}:{node.lineno} writes in SQL text")
    return found


def test_only_the_records_module_writes_records() -> None:
    core = Path(peerdesk.__file__).parent
    only = core / "store" / "records.py"
    writes = {str(p.relative_to(core)): record_writes(p) for p in core.rglob("*.py")
              if p != only and "migrations" not in p.parts}
    assert {k: v for k, v in writes.items() if v} == {}
    assert record_writes(only)  # the check does see writes where they are
