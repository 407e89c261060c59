"""DESIGN.md's import rules, checked on the source: who may import whom."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"grammar", "dslc", "vm", "store", "engine"}
ALLOWED: dict[str, set[str]] = {
    "grammar": set(),
    "vm": set(),
    # matplotlib: only in dslc/replay_plot.py, imported when a PNG is drawn
    "dslc": {"vm", "grammar", "lark", "pydantic", "click", "rich", "defusedxml", "matplotlib"},
    "store": {"dslc", "vm", "sqlalchemy", "psycopg", "alembic", "pydantic", "click", "rich"},
    # What a scoring service imports; nothing of ours imports it.
    "engine": {"vm", "dslc", "store"},
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


def _by_name_imports(path: Path) -> list[str]:
    """Calls that import a module named by a string: ``importlib.import_module``
    and ``__import__``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in ("import_module", "__import__"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} calls {name}")
    return found


@pytest.mark.parametrize("package", sorted(OURS))
def test_no_imports_by_name(package: str) -> None:
    """Every dependency is an import statement, visible to this test and mypy."""
    found = [
        hit for path in sorted((ROOT / package).rglob("*.py")) for hit in _by_name_imports(path)
    ]
    assert not found, "\n".join(found)


def test_the_store_reaches_the_toolchain_through_one_module() -> None:
    """``store/toolchain.py`` is the store's one door to ``dslc`` and ``vm``,
    and this test sees it (it once loaded them by name, invisibly)."""
    users = {
        path.relative_to(ROOT).as_posix(): imported_roots(path) & {"dslc", "vm"}
        for path in sorted((ROOT / "store").rglob("*.py"))
    }
    assert users["store/toolchain.py"] == {"dslc", "vm"}
    others = {
        path: roots for path, roots in users.items() if roots and path != "store/toolchain.py"
    }
    assert not others, f"import dslc/vm through store.toolchain instead: {others}"


def test_the_rules_cover_every_package() -> None:
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - {
        "tests",
        "benchmarks",
    }
    assert packages == OURS


def test_one_operator_table() -> None:
    """codegen, the optimizer and the reference evaluator read one map from
    the language's operators to the VM's (vm.opcodes)."""
    from dslc.ast import ARITH_OPS, COMPARE_OPS
    from vm.opcodes import ARITH_OPCODES, COMPARE_CODES, COMPARE_NAMES, OPINFO

    assert set(ARITH_OPCODES) == set(ARITH_OPS)
    assert all(op in OPINFO for op in ARITH_OPCODES.values())
    assert set(COMPARE_CODES) == set(COMPARE_OPS)
    assert [COMPARE_NAMES[i] for i in COMPARE_CODES.values()] == list(COMPARE_CODES)
    for path in ("dslc/codegen.py", "dslc/optimizer.py", "dslc/simulate.py"):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert "Op.ADD" not in text and "COMPARE_NAMES.index" not in text, path
