"""What a stored strategy must satisfy beyond the language: one set of rules
for ``dslc check``/``dslc compile`` and the store (through its toolchain
facade), so a strategy that passes CI is never refused at ``store create``.

Two kinds of rule, each with a stable code and a location:

- **The parent** (``parent_problems``): a DSL_FULL strategy has no parent
  and no ``parent_variables``; a DSL_EXTEND strategy names a known built-in
  (with "did you mean" for a near miss) and overrides only variables that
  built-in has, when its variables are known.
- **Storable values** (``value_problems``): every string of a document, keys
  included, is free of U+0000 (Postgres refuses it in ``text`` and ``jsonb``)
  and of lone surrogates (no UTF-8 encoding holds one); every number is
  finite (JSON has no NaN or infinity); the nesting stays within what any
  JSON reader can take back. Python-built input is walked without recursion.

The known parents are GAME's registry (its ``app/engine`` strategies). The
ones this project's VM runs (``vm.builtins.DEFAULT_REGISTRY``) have their
variables checked; the others are GAME's own, run by GAME, and only their
names are checked here.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping

from dslc import codes
from dslc.ast import Loc
from dslc.diagnostics import Diagnostic, Severity
from dslc.validate import child_pointer, quote
from vm.builtins import DEFAULT_REGISTRY

DSL_FULL = "DSL_FULL"
DSL_EXTEND = "DSL_EXTEND"

# GAME's registry ids for built-in strategies a DSL_EXTEND may name.
GAME_BUILTINS: tuple[str, ...] = (
    "default",
    "constantEffortStrategy",
    "getis_ord_gi_star",
    "greencrowdStrategy",
    "greengageStrategy",
    "socio_bee",
)

# A program has at most 1000 nodes of a few values each; a record adds its
# columns. Far above that, a walk stops (a hostile document costs this many
# steps, not its size).
MAX_JSON_VALUES = 200_000
# A program nests at most 32 levels of nodes, each a few JSON levels deep; a
# record adds two. Far above that, nothing valid is lost, and a hostile
# document is refused before a recursive encoder sees it.
MAX_JSON_DEPTH = 512


def known_parents() -> tuple[str, ...]:
    """Every name a DSL_EXTEND may give as its parent (ids and aliases)."""
    names = list(GAME_BUILTINS)
    names.extend(n for n in DEFAULT_REGISTRY.names() if n not in names)
    return tuple(names)


def parent_variables_of(parent: str) -> tuple[str, ...] | None:
    """The variables of a built-in this project runs, or None when only GAME
    knows them."""
    if parent not in DEFAULT_REGISTRY:
        return None
    return tuple(DEFAULT_REGISTRY.get(parent).default_variables())


def parent_problems(
    type_: str,
    parent: str | None,
    overrides: Mapping[str, object] | None,
    *,
    parent_loc: Loc,
    variable_loc: Callable[[str], Loc],
    filename: str | None = None,
) -> list[Diagnostic]:
    """The parent rules. ``parent_loc`` locates the parent's name (or where
    it would go); ``variable_loc(key)`` an override."""

    def error(code: str, message: str, loc: Loc, hint: str | None = None) -> Diagnostic:
        return Diagnostic(
            code,
            message,
            pointer=loc.pointer,
            start=loc.start,
            end=loc.end,
            hint=hint,
            filename=filename,
        )

    overrides = overrides or {}
    if type_ != DSL_EXTEND:
        out = []
        if parent is not None:
            out.append(
                error(
                    codes.PARENT_FORBIDDEN,
                    f"a DSL_FULL strategy has no parent, got {quote(parent)}",
                    parent_loc,
                )
            )
        if overrides:
            out.append(
                error(
                    codes.PARENT_VARIABLES_WITHOUT_PARENT,
                    "parent variables apply only to a strategy that extends a built-in",
                    variable_loc(next(iter(overrides))),
                    hint="add 'extends default' (or another built-in), or remove them",
                )
            )
        return out
    if not parent:
        return [
            error(
                codes.PARENT_REQUIRED,
                "a DSL_EXTEND strategy needs a parent built-in",
                parent_loc,
                hint=f"one of: {', '.join(GAME_BUILTINS)}",
            )
        ]
    known = known_parents()
    if not isinstance(parent, str) or parent not in known:
        close = difflib.get_close_matches(str(parent), known, n=1, cutoff=0.6)
        if not close:
            lowered = {k.lower(): k for k in known}
            close = [lowered[str(parent).lower()]] if str(parent).lower() in lowered else []
        return [
            error(
                codes.PARENT_UNKNOWN,
                f"{quote(parent)} is not a built-in of GAME's registry "
                f"(known: {', '.join(GAME_BUILTINS)})",
                parent_loc,
                hint=f"did you mean {close[0]!r}?" if close else None,
            )
        ]
    allowed = parent_variables_of(parent)
    if allowed is None:
        return []
    return [
        error(
            codes.PARENT_VARIABLE_UNKNOWN,
            f"built-in {parent!r} has no variable {quote(key)}",
            variable_loc(key),
            hint=_variable_hint(key, allowed),
        )
        for key in overrides
        if key not in allowed
    ]


def unread_parent_variables(
    parent: str | None,
    overrides: Mapping[str, object] | None,
    *,
    variable_loc: Callable[[str], Loc],
    filename: str | None = None,
) -> list[Diagnostic]:
    """Warnings (``DSLC_PARENT_VARIABLE_UNREAD``) for overrides of variables
    the parent has but never reads (``unread_variables`` of a built-in in
    ``vm.builtins``): accepted, as GAME accepts them, but they change nothing."""
    if not parent or not overrides or parent not in DEFAULT_REGISTRY:
        return []
    unread: frozenset[str] = getattr(DEFAULT_REGISTRY.get(parent), "unread_variables", frozenset())
    out = []
    for key in overrides:
        if key in unread:
            loc = variable_loc(key)
            out.append(
                Diagnostic(
                    codes.PARENT_VARIABLE_UNREAD,
                    f"built-in {parent!r} never reads {key!r}: overriding it changes nothing",
                    Severity.WARNING,
                    pointer=loc.pointer,
                    start=loc.start,
                    end=loc.end,
                    hint="remove it",
                    filename=filename,
                )
            )
    return out


def _variable_hint(key: str, allowed: tuple[str, ...]) -> str:
    # Every name starts with "variable_": compare what follows.
    prefix = "variable_"
    stems = {name.removeprefix(prefix): name for name in allowed}
    close = difflib.get_close_matches(key.removeprefix(prefix), list(stems), n=1, cutoff=0.6)
    if close:
        return f"did you mean {stems[close[0]]!r}?"
    return f"it has: {', '.join(sorted(allowed))}"


def value_problems(
    value: object, pointer: str = "", *, filename: str | None = None, limit: int = 20
) -> list[Diagnostic]:
    """Strings with U+0000 or a lone surrogate, non-finite numbers, values
    that are not JSON, and nesting deeper than ``MAX_JSON_DEPTH``, each
    with its JSON pointer (at most ``limit`` of them)."""
    out: list[Diagnostic] = []

    def add(code: str, message: str, where: str) -> None:
        out.append(Diagnostic(code, message, pointer=where, filename=filename))

    stack: list[tuple[object, str, int]] = [(value, pointer, 0)]
    seen = 0
    while stack and len(out) < limit:
        item, where, depth = stack.pop()
        seen += 1
        if seen > MAX_JSON_VALUES:
            add(
                codes.SOURCE_TOO_LARGE,
                f"the document has more than {MAX_JSON_VALUES} values",
                pointer,
            )
            break
        if isinstance(item, str):
            problem = string_problem(item)
            if problem is not None:
                add(problem[0], f"the string {problem[1]}", where)
        elif isinstance(item, bool) or item is None or isinstance(item, int):
            continue
        elif isinstance(item, float):
            if not math.isfinite(item):
                add(codes.LITERAL_NOT_FINITE, f"a number must be finite, not {item!r}", where)
        elif isinstance(item, dict | list):
            if depth >= MAX_JSON_DEPTH:
                add(
                    codes.JSON_TOO_DEEP,
                    f"the document nests more than {MAX_JSON_DEPTH} levels deep",
                    where,
                )
                continue
            if isinstance(item, dict):
                for key in reversed(list(item)):
                    child = child_pointer(where, key) if isinstance(key, str) else where
                    if not isinstance(key, str):
                        add(
                            codes.NODE_NOT_OBJECT,
                            f"an object key must be a string, not {quote(key)}",
                            where,
                        )
                        continue
                    problem = string_problem(key)
                    if problem is not None:
                        add(problem[0], f"the key {problem[1]}", child)
                    stack.append((item[key], child, depth + 1))
            else:
                for index in reversed(range(len(item))):
                    stack.append((item[index], child_pointer(where, index), depth + 1))
        else:
            add(codes.NODE_NOT_OBJECT, f"{quote(item)} is not a JSON value", where)
    return out


def string_problem(text: str) -> tuple[str, str] | None:
    """(code, what is wrong) for a string no store can hold, else None."""
    if "\x00" in text:
        return codes.STRING_NUL, "contains U+0000, which databases refuse"
    if _has_surrogate(text):
        return codes.STRING_NOT_UNICODE, "contains a lone surrogate (not valid Unicode)"
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
