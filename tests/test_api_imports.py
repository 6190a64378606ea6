"""The REST API reaches the rules through `app/services/`, never through a view module
(and the services, which it imports, do not either)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import app.api
import app.services

PACKAGES = {"app.api": app.api, "app.services": app.services}


def _imported_modules(path: Path, package: str = "app.api") -> set[str]:
    """Every module a file imports, at any depth (functions included), relative ones resolved."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = ".".join(package.split(".")[: 3 - node.level] if node.level < 3 else [])
                base = f"{parent}.{base}".strip(".")
            names |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return names


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_api_or_service_module_imports_a_view_module(package):
    modules = sorted(Path(PACKAGES[package].__file__).parent.glob("*.py"))
    assert len(modules) > 5
    imported = {path.name: _imported_modules(path, package) for path in modules}
    offenders = {
        name: sorted(n for n in names if n.startswith("app.views"))
        for name, names in imported.items()
        if any(n.startswith("app.views") for n in names)
    }
    assert offenders == {}


def test_the_check_sees_each_way_of_importing_a_view(tmp_path):
    sample = tmp_path / "sample.py"
    for line in ("import app.views.reviews", "from app.views import reviews",
                 "from app.views.cycle_common import lang", "from ..views import reviews",
                 "def f():\n    from app.views.base import x"):  # fmt: skip
        sample.write_text(line + "\n")
        assert any(n.startswith("app.views") for n in _imported_modules(sample)), line
