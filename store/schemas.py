"""Pydantic schemas at the service boundary: create, update and read.

Field names are the reference engine's column names. Payloads are validated
here, before any SQL runs, so a malformed request is a clear
``InvalidPayload`` that leaves the database untouched. Rules that need the
compiler or the built-in registry (does it compile? is the parent a
registered built-in?) live in ``store.definitions``.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from store import toolchain
from store.errors import InvalidPayload
from store.models import StrategyStatus, StrategyType

MAX_NAME = 200
MAX_TEXT = 1 << 20  # source text and descriptions: 1 MiB
MAX_XML = 4 << 20  # Blockly workspaces are verbose
MAX_AST_BYTES = 1 << 20

AuthoredType = Literal["DSL_FULL", "DSL_EXTEND"]


def _storable(value: str) -> str:
    # Postgres refuses U+0000 in text and jsonb (SQLite would store it), and
    # no encoding holds a lone surrogate: refused here, before any SQL, on
    # both backends alike.
    if "\x00" in value:
        raise ValueError("must not contain U+0000 (databases refuse it)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (it has a lone surrogate)") from None
    return value


def _check_name(value: str) -> str:
    if value != value.strip():
        raise ValueError("must not start or end with whitespace")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _check_ast(value: dict[str, Any]) -> dict[str, Any]:
    # What a database would refuse (U+0000, lone surrogates, NaN and
    # infinities) and nesting too deep to encode, found without recursion:
    # dslc's rules (``dslc.accept``), the ones ``dslc check`` applies.
    problems = toolchain.value_problems(value, "")
    if problems:
        first = problems[0]
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        where = str(first.get("pointer") or "/")
        where = where if len(where) <= 120 else where[:120] + "..."
        raise ValueError(
            f"must be plain JSON: {first['code']} at {where}: {first['message']}{more}"
        )
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"must be plain JSON ({exc})") from exc
    if len(text.encode("utf-8")) > MAX_AST_BYTES:
        raise ValueError(f"is larger than {MAX_AST_BYTES} bytes")
    return value


Name = Annotated[
    str,
    Field(min_length=1, max_length=MAX_NAME),
    AfterValidator(_storable),
    AfterValidator(_check_name),
]
RealmId = Annotated[
    str, Field(min_length=1, max_length=255), AfterValidator(_storable), AfterValidator(_check_name)
]
ShortText = Annotated[str, Field(max_length=255), AfterValidator(_storable)]
LongText = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_storable)]
XmlText = Annotated[str, Field(max_length=MAX_XML), AfterValidator(_storable)]
AstJson = Annotated[dict[str, Any], AfterValidator(_check_ast)]

_REALM = TypeAdapter(RealmId)
M = TypeVar("M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StrategyCreate(_Strict):
    """A new strategy family: version 1, DRAFT.

    Give the program as ``astJson`` (the GAME JSON AST) or as ``sourceText``
    (the text language, converted to ``astJson`` on save), or both when they
    agree.
    """

    name: Name
    # None: from the text's ``extends`` line, else DSL_FULL.
    type: AuthoredType | None = None
    description: LongText | None = None
    parentStrategyId: ShortText | None = None
    astJson: AstJson | None = None
    sourceText: LongText | None = None
    blocklyXml: XmlText | None = None
    createdBy: ShortText | None = None
    experimentTag: ShortText | None = None
    apiKey_used: ShortText | None = None
    oauth_user_id: ShortText | None = None

    @model_validator(mode="after")
    def _shape(self) -> StrategyCreate:
        if self.astJson is None and self.sourceText is None:
            raise ValueError("give the program as astJson or sourceText")
        if self.sourceText is None:
            check_parent_shape(self.type or StrategyType.DSL_FULL, self.parentStrategyId)
        return self


class StrategyUpdate(_Strict):
    """A patch: only the fields present are changed (``null`` clears).

    The name is the family's identity and cannot change; create a new
    strategy instead.
    """

    type: AuthoredType | None = None
    description: LongText | None = None
    parentStrategyId: ShortText | None = None
    astJson: AstJson | None = None
    sourceText: LongText | None = None
    blocklyXml: XmlText | None = None
    experimentTag: ShortText | None = None
    createdBy: ShortText | None = None
    apiKey_used: ShortText | None = None
    oauth_user_id: ShortText | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> StrategyUpdate:
        if not self.model_fields_set:
            raise ValueError("an update needs at least one field")
        if "type" in self.model_fields_set and self.type is None:
            raise ValueError("type cannot be null")
        if (
            "astJson" in self.model_fields_set
            and self.astJson is None
            and ("sourceText" not in self.model_fields_set or self.sourceText is None)
        ):
            raise ValueError("astJson cannot be cleared unless sourceText replaces it")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class StrategyRead(BaseModel):
    """One stored version, as the reference engine's read schema shows it."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: uuid.UUID
    # GAME's columns are nullable: rows GAME (or SQL by hand) wrote may lack
    # timestamps, a realm or a program, and must still list and show.
    created_at: datetime | None
    updated_at: datetime | None
    apiKey_used: str | None
    oauth_user_id: str | None
    realmId: str | None
    name: str
    description: str | None
    type: StrategyType
    parentStrategyId: str | None
    astJson: dict[str, Any] | None
    blocklyXml: str | None
    version: int
    status: StrategyStatus
    createdBy: str | None
    publishedAt: datetime | None
    experimentTag: str | None
    sourceText: str | None

    @property
    def strategy_ref(self) -> str:
        """How games and tasks refer to this definition: ``custom:<uuid>``."""
        return f"custom:{self.id}"


def check_parent_shape(type_: str, parent: str | None) -> None:
    """The part of the parent rule that needs no registry."""
    if type_ == StrategyType.DSL_FULL and parent is not None:
        raise ValueError("a DSL_FULL strategy cannot have a parentStrategyId")
    if type_ == StrategyType.DSL_EXTEND and not parent:
        raise ValueError("a DSL_EXTEND strategy needs a parentStrategyId (a built-in id)")


def parse(model: type[M], payload: M | dict[str, Any]) -> M:
    """Validate a payload (a dict or an instance) into ``model``."""
    if isinstance(payload, model):
        return payload
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise InvalidPayload(
            _one_line(model.__name__, exc), [dict(e) for e in exc.errors()]
        ) from exc


def realm(value: object) -> str:
    try:
        return _REALM.validate_python(value)
    except ValidationError as exc:
        raise InvalidPayload(_one_line("realmId", exc), [dict(e) for e in exc.errors()]) from exc


def _one_line(what: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or what
        parts.append(f"{loc}: {err['msg']}")
    return f"invalid {what}: " + "; ".join(parts)
