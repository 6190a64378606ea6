"""The REST API reaches the rules through `app/services/`, never through a view module."""

from __future__ import annotations

import ast
from pathlib import Path

import app.api

API_DIR = Path(app.api.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (functions included), relative ones resolved."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = ".".join(["app", "api"][: 3 - node.level] if node.level < 3 else [])
                base = f"{parent}.{base}".strip(".")
            names |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return names


def test_no_api_module_imports_a_view_module():
    modules = sorted(API_DIR.glob("*.py"))
    assert len(modules) > 5
    offenders = {
        path.name: views
        for path in modules
        if (views := sorted(n for n in _imported_modules(path) if n.startswith("app.views")))
    }
    assert offenders == {}


def test_the_check_sees_each_way_of_importing_a_view(tmp_path):
    sample = tmp_path / "sample.py"
    for line in ("import app.views.reviews", "from app.views import reviews",
                 "from app.views.cycle_common import lang", "from ..views import reviews",
                 "def f():\n    from app.views.base import x"):  # fmt: skip
        sample.write_text(line + "\n")
        assert any(n.startswith("app.views") for n in _imported_modules(sample)), line
