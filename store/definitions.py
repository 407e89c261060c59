"""What makes a definition acceptable, beyond its payload's shape: its
parent is a registered built-in whose variables it overrides, and its source
compiles. ``prepare`` checks both and returns the image, so the service
stores only programs that the engine can run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from store import cache, toolchain
from store.errors import InvalidDefinition
from store.models import StrategyType

# Store-level diagnostic codes (the compiler's own are in ``dslc.codes``).
PARENT_FORBIDDEN = "DSLC_STORE_PARENT_FORBIDDEN"
PARENT_REQUIRED = "DSLC_STORE_PARENT_REQUIRED"
PARENT_UNKNOWN = "DSLC_STORE_PARENT_UNKNOWN"
PARENT_VARIABLE_UNKNOWN = "DSLC_STORE_PARENT_VARIABLE_UNKNOWN"
PARENT_VARIABLES_WITHOUT_PARENT = "DSLC_STORE_PARENT_VARIABLES_WITHOUT_PARENT"
SOURCE_MISMATCH = "DSLC_STORE_SOURCE_MISMATCH"
PROGRAM_MISSING = "DSLC_STORE_PROGRAM_MISSING"
TYPE_NOT_AUTHORED = "DSLC_STORE_TYPE_NOT_AUTHORED"

# The ids of GAME's strategy registry (``register_strategy`` in GAME's
# ``app/engine``), what GAME resolves ``parentStrategyId`` with. The VM
# implements ``default`` and ``constantEffortStrategy``; a DSL_EXTEND row
# naming one of the others is stored, and runs in GAME's engine with GAME's
# own parent instance (``engine.game.DslStrategy``).
GAME_BUILTIN_IDS = (
    "constantEffortStrategy",
    "default",
    "getis_ord_gi_star",
    "greencrowdStrategy",
    "greengageStrategy",
    "socio_bee",
)


def canonical_parent(parent: str | None) -> str | None:
    """The id GAME's registry knows a parent by (``constantEffort`` ->
    ``constantEffortStrategy``); unknown names are returned as given."""
    if parent is None:
        return None
    return toolchain.builtin_registry().aliases().get(parent, parent)


def runs_in_game_only(parent: str | None) -> bool:
    """A GAME built-in that this project's VM does not implement."""
    return parent in GAME_BUILTIN_IDS and parent not in toolchain.builtin_registry()


@dataclass(frozen=True, slots=True)
class Prepared:
    """A checked definition and its compiled image."""

    type: str
    parentStrategyId: str | None
    astJson: dict[str, Any]
    sourceText: str | None
    image: bytes


def prepare(
    name: str,
    type_: str | None,
    parent: str | None,
    ast: dict[str, Any] | None,
    source_text: str | None,
) -> Prepared:
    """Check and compile a definition; raise ``InvalidDefinition`` otherwise.

    With ``sourceText`` the text is the source of truth: ``astJson`` is
    derived from it, and so are the type and parent (its ``extends`` line)
    when not given; given ones must agree. Without text, no type means
    DSL_FULL.
    """
    filename = f"{name}.strat" if source_text is not None else f"{name}.json"
    if source_text is not None:
        derived = toolchain.text_to_json(source_text, filename)
        if ast is not None and cache.canonical_json(ast) != cache.canonical_json(derived):
            _refuse(
                f"{name!r} is inconsistent",
                SOURCE_MISMATCH,
                "astJson is not the program that sourceText describes; send one of them",
                "/astJson",
            )
        ast = derived
        type_, parent = _from_header(name, type_, parent, toolchain.text_header(source_text))
    # Stored as GAME's registry id, which is what GAME resolves.
    parent = canonical_parent(parent)
    type_ = type_ or StrategyType.DSL_FULL.value
    if type_ not in (StrategyType.DSL_FULL, StrategyType.DSL_EXTEND):
        _refuse(
            f"{name!r} has type {type_}",
            TYPE_NOT_AUTHORED,
            "only DSL_FULL and DSL_EXTEND strategies are stored and compiled here",
            "/type",
        )
    ast = require_program(name, None, ast)
    check_parent(name, type_, parent, ast)
    image = toolchain.compile_program(ast, source_text, filename)
    return Prepared(
        type=type_,
        parentStrategyId=parent,
        astJson=ast,
        sourceText=source_text,
        image=image,
    )


def require_program(name: str, version: int | None, ast: dict[str, Any] | None) -> dict[str, Any]:
    """The program, or a clear refusal for a row without one (GAME's editor
    saves drafts before they have a program)."""
    if ast is None:
        which = f" version {version}" if version is not None else ""
        _refuse(
            f"{name!r}{which} has no program",
            PROGRAM_MISSING,
            "astJson is empty (a draft saved without a program): give it one "
            "(astJson or sourceText) before publishing or running it",
            "/astJson",
        )
    return ast


def _from_header(
    name: str, type_: str | None, parent: str | None, header: dict[str, Any]
) -> tuple[str, str | None]:
    text_type = str(header.get("type") or StrategyType.DSL_FULL.value)
    text_parent = header.get("parent")
    if type_ is not None and type_ != text_type:
        _refuse(
            f"{name!r} is inconsistent",
            SOURCE_MISMATCH,
            f"type is {type_} but the text makes it {text_type}"
            + (f" (extends {text_parent})" if text_parent else " (no extends line)"),
            "/type",
        )
    if parent is not None and canonical_parent(parent) != canonical_parent(text_parent):
        _refuse(
            f"{name!r} is inconsistent",
            SOURCE_MISMATCH,
            f"parentStrategyId is {parent!r} but the text "
            + (f"extends {text_parent!r}" if text_parent else "has no extends line"),
            "/parentStrategyId",
        )
    return text_type, text_parent


def check_parent(name: str, type_: str, parent: str | None, ast: dict[str, Any]) -> None:
    """DSL_FULL has no parent; DSL_EXTEND names a registered built-in and
    overrides only variables that built-in has."""
    overrides = ast.get("parent_variables") or {}
    if type_ == StrategyType.DSL_FULL:
        if parent is not None:
            _refuse(
                f"{name!r} cannot have a parent",
                PARENT_FORBIDDEN,
                f"a DSL_FULL strategy has no parent, got parentStrategyId {parent!r}",
                "/parentStrategyId",
            )
        if overrides:
            _refuse(
                f"{name!r} overrides parent variables without a parent",
                PARENT_VARIABLES_WITHOUT_PARENT,
                "parent_variables only apply to a DSL_EXTEND strategy",
                "/astJson/parent_variables",
            )
        return
    if not parent:
        _refuse(
            f"{name!r} needs a parent",
            PARENT_REQUIRED,
            "a DSL_EXTEND strategy needs parentStrategyId naming a built-in",
            "/parentStrategyId",
        )
    registry = toolchain.builtin_registry()
    if runs_in_game_only(parent):
        # GAME's own built-in: its variables are GAME's to check.
        return
    if parent not in registry:
        known = ", ".join(dict.fromkeys([*registry.ids(), *GAME_BUILTIN_IDS]))
        _refuse(
            f"{name!r} extends an unknown strategy",
            PARENT_UNKNOWN,
            f"parentStrategyId {parent!r} is not a built-in of GAME's registry (known: {known})",
            "/parentStrategyId",
        )
    if not isinstance(overrides, dict):
        return  # the compiler reports a malformed parent_variables
    allowed = registry.get(parent).default_variables()
    diagnostics = [
        {
            "code": PARENT_VARIABLE_UNKNOWN,
            "severity": "error",
            "message": f"built-in {parent!r} has no variable {key!r} "
            f"(it has: {', '.join(sorted(allowed))})",
            "pointer": f"/astJson/parent_variables/{_escape(key)}",
        }
        for key in overrides
        if key not in allowed
    ]
    if diagnostics:
        raise InvalidDefinition(f"{name!r} overrides unknown parent variables", diagnostics)


def _refuse(summary: str, code: str, message: str, pointer: str) -> NoReturn:
    diagnostic = {"code": code, "severity": "error", "message": message, "pointer": pointer}
    raise InvalidDefinition(summary, [diagnostic])


def _escape(key: str) -> str:
    # RFC 6901: "~" and "/" inside a reference token.
    return key.replace("~", "~0").replace("/", "~1")
