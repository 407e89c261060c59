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
from store.toolchain import codes

# Store-level diagnostic codes (the compiler's own are in ``dslc.codes``).
# The parent rules are dslc's (``dslc.accept``), shared with ``dslc check``.
PARENT_FORBIDDEN = codes.PARENT_FORBIDDEN
PARENT_REQUIRED = codes.PARENT_REQUIRED
PARENT_UNKNOWN = codes.PARENT_UNKNOWN
PARENT_VARIABLE_UNKNOWN = codes.PARENT_VARIABLE_UNKNOWN
PARENT_VARIABLES_WITHOUT_PARENT = codes.PARENT_VARIABLES_WITHOUT_PARENT
SOURCE_MISMATCH = "DSLC_STORE_SOURCE_MISMATCH"
PROGRAM_MISSING = "DSLC_STORE_PROGRAM_MISSING"
TYPE_NOT_AUTHORED = "DSLC_STORE_TYPE_NOT_AUTHORED"

# The ids of GAME's strategy registry (``register_strategy`` in GAME's
# ``app/engine``), what GAME resolves ``parentStrategyId`` with. The VM
# implements ``default`` and ``constantEffortStrategy``; a DSL_EXTEND row
# naming one of the others is stored, and runs in GAME's engine with GAME's
# own parent instance (``engine.game.DslStrategy``).
GAME_BUILTIN_IDS = tuple(sorted(toolchain.GAME_BUILTINS))


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
    image: bytes | None = None
    if source_text is not None:
        # One parse gives the JSON AST and the image (a hostile text is
        # refused once, before any tree is built: dslc.text.syntax).
        derived, image = toolchain.compile_text_source(source_text, filename)
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
    if image is None:
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
    """DSL_FULL has no parent; DSL_EXTEND names a known built-in and
    overrides only variables that built-in has: ``dslc.accept``'s rules, the
    ones ``dslc check`` applies."""
    diagnostics = toolchain.parent_problems(type_, parent, ast.get("parent_variables"))
    if diagnostics:
        summary = {
            PARENT_FORBIDDEN: f"{name!r} cannot have a parent",
            PARENT_REQUIRED: f"{name!r} needs a parent",
            PARENT_UNKNOWN: f"{name!r} extends an unknown strategy",
            PARENT_VARIABLE_UNKNOWN: f"{name!r} overrides unknown parent variables",
            PARENT_VARIABLES_WITHOUT_PARENT: f"{name!r} has parent variables but no parent",
        }.get(str(diagnostics[0]["code"]), f"{name!r} has an unacceptable parent")
        raise InvalidDefinition(summary, diagnostics)


def _refuse(summary: str, code: str, message: str, pointer: str) -> NoReturn:
    diagnostic = {"code": code, "severity": "error", "message": message, "pointer": pointer}
    raise InvalidDefinition(summary, [diagnostic])


def _escape(key: str) -> str:
    # RFC 6901: "~" and "/" inside a reference token.
    return key.replace("~", "~0").replace("/", "~1")
