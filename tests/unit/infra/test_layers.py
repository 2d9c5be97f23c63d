"""The top of the layers, which import-linter cannot see: each handler file imports the FC glue only."""

from __future__ import annotations

import ast
from pathlib import Path

FUNCTIONS = Path(__file__).resolve().parents[3] / "functions"


def _imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_every_handler_imports_only_the_fc_glue() -> None:
    handlers = sorted(FUNCTIONS.glob("*/index.py"))
    assert [h.parent.name for h in handlers] == ["callback", "reconcile", "submit"]
    for handler in handlers:
        ours = {m for m in _imported_modules(handler) if m.split(".")[0] == "scene_select"}
        assert ours == {"scene_select.cloud.fc.handlers"}, handler
        assert _imported_modules(handler) - ours <= {"typing"}, handler
