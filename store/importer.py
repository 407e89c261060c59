"""Import GAME strategy files: template/export records, bare programs and
text-language sources.

Accepted files:

- ``.strat``: a text-language program. It becomes the strategy named by its
  ``strategy NAME`` line (else after the file), with the type and parent of
  its ``extends`` line; the text is stored as ``sourceText`` and the service
  derives ``astJson`` from it. Description, Blockly XML and experiment tag
  are not in the text, so an import leaves them as they are.

Anything else is read as JSON:

- a record, as GAME's templates and exports are: ``{"id", "name",
  "description", "type", "parentStrategyId", "astJson", "blocklyXml"}``
  (other columns of an export, such as ``version`` or ``realmId``, are
  ignored: versions are this store's to assign);
- a list of such records;
- a bare program ``{"type": "program", ...}``: a DSL_FULL strategy named
  after the program's ``id``, else after the file.

A ``.xml`` file is a Blockly workspace as GAME's dashboard saves it: the
strategy named after the file, its ``astJson`` read from the blocks and the
XML stored as ``blocklyXml`` (DSL_EXTEND when it has pre or post rules or
parent variables; such a workspace does not name its parent, so import it
with ``dslc store create --parent``).

A strategy stored without ``blocklyXml`` gets one written from its program
when GAME's blocks can carry it (``StrategyService``); a record without one
is then the same as the stored row when the rest agrees.

Directories are scanned for ``*.json``, ``*.strat`` and ``*.xml`` files. Skipped, and
reported in ``ImportReport.skipped``:

- a JSON record named like a ``.strat`` file of the same directory: it is
  that text converted to JSON (``examples/`` keeps both), and importing both
  would store the text and then overwrite it with its conversion;
- a file of events for ``dslc store score --events`` (a list of objects
  with ``fields``/``data``), which may sit next to the strategies it scores.

Importing is idempotent: a file whose content equals the family's newest
version changes nothing; a different one becomes a new draft (or patches the
newest draft), following the versioning rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from store import cache, definitions, toolchain
from store.errors import ImmutableVersion, InvalidPayload, NotFound, NotStrategies, StoreError
from store.schemas import StrategyRead
from store.service import StrategyService

Action = Literal["created", "updated", "unchanged"]

TEXT_SUFFIX = ".strat"
BLOCKLY_SUFFIX = ".xml"
_SCANNED_SUFFIXES = (".json", TEXT_SUFFIX, BLOCKLY_SUFFIX)

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

    def compared_fields(self) -> tuple[str, ...]:
        """The columns this record speaks for: compared on re-import and
        written on update (absent ones are cleared, as in GAME's exports)."""
        return _PROGRAM_FIELDS + _TEXT_FIELDS


class TextRecord(GameRecord):
    """A ``.strat`` file: the program only."""

    def compared_fields(self) -> tuple[str, ...]:
        # The text has no description, Blockly XML or experiment tag: keep
        # whatever the dashboard set rather than clearing it on every change.
        return _PROGRAM_FIELDS


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


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file or record deliberately not imported, and why."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass(slots=True)
class ImportReport:
    outcomes: list[ImportOutcome]
    failures: list[ImportFailure]
    skipped: list[Skipped]


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files to import: the given files, and the ``*.json`` and ``*.strat``
    files of directories."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.suffix.lower() in _SCANNED_SUFFIXES and p.is_file()
                )
            )
        else:
            found.append(path)
    return found


def is_text(path: Path) -> bool:
    return path.suffix.lower() == TEXT_SUFFIX


def read_records(path: Path) -> list[GameRecord]:
    """The records in one file, in file order, read by the reader every
    ``dslc`` command uses (``store.toolchain.read_strategies``)."""
    return [_record(src) for src in toolchain.read_strategies(path)]


def read_text_record(path: Path) -> TextRecord:
    """A ``.strat`` file as a record: named by its ``strategy`` line, else the file."""
    (record,) = read_records(path)
    assert isinstance(record, TextRecord)
    return record


def _record(src: toolchain.StrategySource) -> GameRecord:
    if src.kind == "text":
        # Type and parent are spelled out (the service would derive the same)
        # so that re-importing compares them with the stored row.
        return TextRecord(
            name=src.name,
            type=src.header.type,
            parentStrategyId=src.header.parent,
            sourceText=src.text,
        )
    if src.kind == "blockly":
        return GameRecord(
            name=src.name, type=src.header.type, astJson=src.ast, blocklyXml=src.blockly_xml
        )
    if src.kind != "record":
        # A bare program: a DSL_FULL strategy named after its id, else the file.
        return GameRecord(name=src.name, type="DSL_FULL", astJson=src.ast)
    item = {**src.record, "astJson": src.ast, "sourceText": src.text}
    try:
        return GameRecord.model_validate(item)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidPayload(f"{src.where}: not a GAME strategy record: {problems}") from exc


def import_paths(
    service: StrategyService,
    realm_id: str,
    paths: Iterable[str | Path],
    *,
    publish: bool = False,
    created_by: str | None = None,
) -> tuple[list[ImportOutcome], list[ImportFailure]]:
    """Import every record of every file; a failing file does not stop the rest."""
    report = import_files(service, realm_id, paths, publish=publish, created_by=created_by)
    return report.outcomes, report.failures


def import_files(
    service: StrategyService,
    realm_id: str,
    paths: Iterable[str | Path],
    *,
    publish: bool = False,
    created_by: str | None = None,
) -> ImportReport:
    """``import_paths``, also telling what was skipped (JSON twins of
    ``.strat`` files, events files)."""
    report = ImportReport(outcomes=[], failures=[], skipped=[])
    # Every file is read before any is imported: a JSON file may come before
    # the .strat file that makes it a twin. Results stay in file order.
    read: list[tuple[Path, list[GameRecord] | StoreError]] = []
    for path in expand(paths):
        try:
            read.append((path, read_records(path)))
        except StoreError as exc:
            read.append((path, exc))
    texts = {
        (path.parent.resolve(), records[0].name): str(path)
        for path, records in read
        if is_text(path) and isinstance(records, list)
    }
    for path, records in read:
        if isinstance(records, NotStrategies):
            report.skipped.append(Skipped(str(path), records.reason))
            continue
        if isinstance(records, StoreError):
            report.failures.append(ImportFailure(str(path), records))
            continue
        for source, record in _labelled(path, records):
            twin = None if is_text(path) else texts.get((path.parent.resolve(), record.name))
            if twin is not None:
                report.skipped.append(
                    Skipped(
                        source,
                        f"{record.name!r} is imported from {twin} "
                        "(the JSON is the same program converted)",
                    )
                )
                continue
            try:
                report.outcomes.append(
                    import_record(service, realm_id, record, source, publish, created_by)
                )
            except StoreError as exc:
                report.failures.append(ImportFailure(source, exc))
    return report


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
    compared = record.compared_fields()
    fields = record.model_dump(include=set(compared), exclude_none=True)
    try:
        existing = service.versions(realm_id, record.name)
    except NotFound:
        existing = []
    if not existing:
        payload = {"name": record.name, "createdBy": record.createdBy or created_by, **fields}
        row = service.create(realm_id, payload)
        action: Action = "created"
    else:
        row, action = _update_family(service, realm_id, existing, fields, compared)
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
    compared: tuple[str, ...],
) -> tuple[StrategyRead, Action]:
    newest = versions[0]
    if _same(newest, fields, compared):
        return newest, "unchanged"
    base = next((v for v in versions if v.status in ("DRAFT", "PUBLISHED")), None)
    if base is None:
        raise ImmutableVersion(
            f"every version of {newest.name!r} is archived; "
            "roll back to one before importing a new version"
        )
    changes = {key: fields.get(key) for key in compared}
    if changes["sourceText"] is None:
        changes.pop("sourceText")
    elif changes["astJson"] is None:
        # Text without a JSON program: the service derives astJson from it.
        changes.pop("astJson")
    return service.update(realm_id, base.id, changes), "updated"


def _same(row: StrategyRead, fields: dict[str, Any], compared: tuple[str, ...]) -> bool:
    current = row.model_dump(include=set(compared), mode="json")
    wanted = {key: fields.get(key) for key in compared}
    if "parentStrategyId" in wanted:
        # Stored as GAME's registry id: ``constantEffort`` is the same parent.
        wanted["parentStrategyId"] = definitions.canonical_parent(wanted["parentStrategyId"])
    if "blocklyXml" in wanted and wanted["blocklyXml"] is None:
        # A record without a workspace: the stored one was written from the
        # program, which is compared.
        current.pop("blocklyXml")
        wanted.pop("blocklyXml")
    if wanted["sourceText"] is None:
        # A record without text matches a row written as text when the
        # programs agree: the text is extra, not a difference.
        current.pop("sourceText")
        wanted.pop("sourceText")
    elif wanted["astJson"] is None:
        # The stored astJson was derived from the stored text: equal texts
        # mean equal programs.
        current.pop("astJson")
        wanted.pop("astJson")
    return cache.canonical_json(current) == cache.canonical_json(wanted)
