"""Import GAME strategy files: template/export records and bare programs.

Accepted file contents (JSON):

- a record, as GAME's templates and exports are: ``{"id", "name",
  "description", "type", "parentStrategyId", "astJson", "blocklyXml"}``
  (other columns of an export, such as ``version`` or ``realmId``, are
  ignored: versions are this store's to assign);
- a list of such records;
- a bare program ``{"type": "program", ...}``: a DSL_FULL strategy named
  after the program's ``id``, else after the file.

Importing is idempotent: a file whose content equals the family's newest
version changes nothing; a different one becomes a new draft (or patches the
newest draft), following the versioning rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from store.errors import ImmutableVersion, InvalidPayload, NotFound, StoreError
from store.schemas import StrategyRead
from store.service import StrategyService

Action = Literal["created", "updated", "unchanged"]

_PROGRAM_FIELDS = ("type", "parentStrategyId", "astJson", "sourceText")
_TEXT_FIELDS = ("description", "blocklyXml", "experimentTag")


class GameRecord(BaseModel):
    """One strategy as GAME exports it (unknown columns are ignored)."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    name: str
    description: str | None = None
    type: str = "DSL_FULL"
    parentStrategyId: str | None = None
    astJson: dict[str, Any] | None = None
    sourceText: str | None = None
    blocklyXml: str | None = None
    experimentTag: str | None = None
    createdBy: str | None = None


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    source: str
    action: Action
    strategy: StrategyRead
    published: bool


@dataclass(frozen=True, slots=True)
class ImportFailure:
    source: str
    error: StoreError

    def __str__(self) -> str:
        return f"{self.source}: {self.error}"


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files to import: the given files, and the ``*.json`` files of directories."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.glob("*.json") if p.is_file()))
        else:
            found.append(path)
    return found


def read_records(path: Path) -> list[GameRecord]:
    """The records in one file, in file order."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidPayload(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidPayload(f"{path} is not a JSON document: {exc}") from exc
    items = document if isinstance(document, list) else [document]
    records = []
    for index, item in enumerate(items):
        where = f"{path}[{index}]" if isinstance(document, list) else str(path)
        records.append(_record(item, path, where))
    return records


def _record(item: object, path: Path, where: str) -> GameRecord:
    if not isinstance(item, dict):
        raise InvalidPayload(f"{where}: expected a strategy record or a program object")
    if item.get("type") == "program":
        program_id = item.get("id")
        name = program_id if isinstance(program_id, str) and program_id else path.stem
        item = {"name": name, "type": "DSL_FULL", "astJson": item}
    try:
        return GameRecord.model_validate(item)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidPayload(f"{where}: not a GAME strategy record: {problems}") from exc


def import_paths(
    service: StrategyService,
    realm_id: str,
    paths: Iterable[str | Path],
    *,
    publish: bool = False,
    created_by: str | None = None,
) -> tuple[list[ImportOutcome], list[ImportFailure]]:
    """Import every record of every file; a failing file does not stop the rest."""
    outcomes: list[ImportOutcome] = []
    failures: list[ImportFailure] = []
    for path in expand(paths):
        try:
            records = read_records(path)
        except StoreError as exc:
            failures.append(ImportFailure(str(path), exc))
            continue
        for source, record in _labelled(path, records):
            try:
                outcomes.append(
                    import_record(service, realm_id, record, source, publish, created_by)
                )
            except StoreError as exc:
                failures.append(ImportFailure(source, exc))
    return outcomes, failures


def _labelled(path: Path, records: list[GameRecord]) -> Iterator[tuple[str, GameRecord]]:
    for index, record in enumerate(records):
        yield (str(path) if len(records) == 1 else f"{path}[{index}]"), record


def import_record(
    service: StrategyService,
    realm_id: str,
    record: GameRecord,
    source: str,
    publish: bool = False,
    created_by: str | None = None,
) -> ImportOutcome:
    fields = record.model_dump(include=set(_PROGRAM_FIELDS + _TEXT_FIELDS), exclude_none=True)
    try:
        existing = service.versions(realm_id, record.name)
    except NotFound:
        existing = []
    if not existing:
        payload = {"name": record.name, "createdBy": record.createdBy or created_by, **fields}
        row = service.create(realm_id, payload)
        action: Action = "created"
    else:
        row, action = _update_family(service, realm_id, existing, fields)
    published = False
    if publish and row.status != "PUBLISHED":
        row = service.publish(realm_id, row.id)
        published = True
    return ImportOutcome(source=source, action=action, strategy=row, published=published)


def _update_family(
    service: StrategyService,
    realm_id: str,
    versions: list[StrategyRead],
    fields: dict[str, Any],
) -> tuple[StrategyRead, Action]:
    newest = versions[0]
    if _same(newest, fields):
        return newest, "unchanged"
    base = next((v for v in versions if v.status in ("DRAFT", "PUBLISHED")), None)
    if base is None:
        raise ImmutableVersion(
            f"every version of {newest.name!r} is archived; "
            "roll back to one before importing a new version"
        )
    changes = {key: fields.get(key) for key in _PROGRAM_FIELDS + _TEXT_FIELDS}
    if changes["sourceText"] is None:
        changes.pop("sourceText")
    return service.update(realm_id, base.id, changes), "updated"


def _same(row: StrategyRead, fields: dict[str, Any]) -> bool:
    current = row.model_dump(include=set(_PROGRAM_FIELDS + _TEXT_FIELDS), mode="json")
    wanted = {key: fields.get(key) for key in _PROGRAM_FIELDS + _TEXT_FIELDS}
    if wanted["sourceText"] is None:
        # A record without text matches a row written as text when the
        # programs agree: the text is extra, not a difference.
        current.pop("sourceText")
        wanted.pop("sourceText")
    return _canonical(current) == _canonical(wanted)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
