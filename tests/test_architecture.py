"""DESIGN.md's import rules, checked on the source: who may import whom."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"grammar", "dslc", "vm", "store"}
ALLOWED: dict[str, set[str]] = {
    "grammar": set(),
    "vm": set(),
    "dslc": {"vm", "grammar", "lark", "pydantic", "click", "rich"},
    "store": {"dslc", "vm", "sqlalchemy", "psycopg", "alembic", "pydantic", "click", "rich"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_import_only_what_design_allows(package: str) -> None:
    stdlib = sys.stdlib_module_names | {"__future__"}
    bad: list[str] = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for root in imported_roots(path):
            if root in stdlib or root == package:
                continue
            if root not in ALLOWED[package]:
                bad.append(f"{path.relative_to(ROOT)} imports {root}")
    assert not bad, "\n".join(bad)


def test_the_rules_cover_every_package() -> None:
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - {
        "tests",
        "benchmarks",
    }
    assert packages == OURS
