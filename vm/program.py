"""A loaded program: a verified image bound for execution (``vm.bind``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vm.bind import Bound, bind
from vm.errors import VerifyError
from vm.host import MISSING
from vm.image import Scalar, decode
from vm.opcodes import PARENT_ATTRS, PHASES, Op
from vm.verify import VerifiedImage, verify

_BOUND = frozenset({"code", "node_ids", "runs", "empty_slots", "phases"})


@dataclass(frozen=True, slots=True)
class PhaseCode:
    entry: int  # bound instruction index of the first instruction
    first_run: int  # length of the straight-line run at the entry
    max_steps: int  # the longest path, in image instructions


class Program:
    """A verified program. Create it with ``vm.load(image_bytes)``.

    The stack VM's bound code (``code``, ``node_ids``, ``runs``,
    ``empty_slots``, ``phases``) is built on first use: an engine whose
    events all run translated (vm.translate) never binds."""

    __slots__ = (
        "_source",
        "code",
        "empty_slots",
        "field_index",
        "fields",
        "has_post",
        "has_pre",
        "image",
        "max_steps",
        "node_ids",
        "parent_variables",
        "phases",
        "program_id",
        "runs",
        "translated",
        "translated_async",
        "verified",
    )

    _source: bytes  # the image bytes of a program restored from a code cache

    def __init__(self, verified: VerifiedImage) -> None:
        image = verified.image
        self.verified = verified
        self.image = image
        self.program_id = image.program_id
        self.fields: tuple[str, ...] = image.fields
        self.field_index = {path: i for i, path in enumerate(image.fields)}
        self.has_pre = image.has_pre
        self.has_post = image.has_post
        self.parent_variables: dict[str, Scalar] | None = (
            dict(image.parent_variables) if image.parent_variables is not None else None
        )
        # The longest path of each phase, in image instructions (a budget at
        # least this large cannot be exceeded).
        self.max_steps: dict[str, int] = {
            phase: verified.sections[phase].max_steps for phase in PHASES
        }
        # Per phase, the translated function (vm.translate) once first run,
        # or None when the translator declined: the VM runs those.
        self.translated: dict[str, Any] = {}
        self.translated_async: dict[str, Any] = {}

    @classmethod
    def restored(
        cls,
        image: bytes,
        meta: tuple[Any, ...],
        translations: dict[tuple[str, bool], Any],
    ) -> Program:
        """A program from a code cache entry (vm.codecache): its facts and
        translated functions as signed, its image decoded and verified only
        if the stack VM is ever needed."""
        program_id, fields, has_pre, has_post, parent_variables, max_steps = meta
        self = cls.__new__(cls)
        self._source = image
        self.program_id = program_id
        self.fields = tuple(fields)
        self.field_index = {path: i for i, path in enumerate(self.fields)}
        self.has_pre = has_pre
        self.has_post = has_post
        self.parent_variables = None if parent_variables is None else dict(parent_variables)
        self.max_steps = dict(max_steps)
        self.translated = {}
        self.translated_async = {}
        for (phase, is_async), translated in translations.items():
            (self.translated_async if is_async else self.translated)[phase] = translated
        return self

    def __getattr__(self, name: str) -> Any:
        # Only reached for a slot not set yet: the VM's bound code, or the
        # verified image of a program restored from a code cache.
        if name in _BOUND:
            self._bind()
            return object.__getattribute__(self, name)
        if name in ("verified", "image"):
            verified = verify_image(object.__getattribute__(self, "_source"))
            self.verified = verified
            self.image = verified.image
            return object.__getattribute__(self, name)
        raise AttributeError(f"'vm.Program' object has no attribute {name!r}")

    def _bind(self) -> None:
        verified = self.verified
        image = verified.image
        instrs = verified.instructions
        index_of = verified.index_of
        original_nodes: list[str | None] = [None] * len(instrs)
        for offset, node_id in image.node_table:
            original_nodes[index_of[offset]] = node_id
        code, nodes, new_index, runs, n_memos = bind(instrs, image, original_nodes, index_of)
        phases: dict[str, PhaseCode] = {}
        for phase in PHASES:
            facts = verified.sections[phase]
            entry = new_index[index_of[facts.start]]
            phases[phase] = PhaseCode(entry, runs[entry], facts.max_steps)
        self.code: list[Bound] = code
        self.node_ids: list[str | None] = nodes
        self.runs: list[int] = runs
        # field slots, then memo slots (vm.bind)
        self.empty_slots: list[object] = [MISSING] * (len(image.fields) + n_memos)
        self.phases: dict[str, PhaseCode] = phases  # last: it marks the binding done

    def fields_read(self, phase: str) -> frozenset[str]:
        """Every field path the phase may read (host fields, ``data.*`` and
        ``parent.*``), for hosts that want to plan or prefetch."""
        facts = self.verified.sections[phase]
        out: set[str] = set()
        for ins in self.verified.instructions:
            if not facts.start <= ins.offset < facts.end:
                continue
            if ins.op is Op.FIELD:
                out.add(self.fields[ins.args[0]])
            elif ins.op is Op.DATA:
                out.add("data." + str(self.image.constants[ins.args[0]]))
            elif ins.op is Op.PARENT:
                out.add("parent." + PARENT_ATTRS[ins.args[0]])
        return frozenset(out)

    def __repr__(self) -> str:
        return f"<vm.Program {self.program_id!r}: {len(self.verified.instructions)} instructions>"


def verify_image(image: bytes) -> VerifiedImage:
    """Decode and verify an image. Raises VerifyError, never crashes."""
    try:
        return verify(decode(image))
    except VerifyError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, OverflowError) as exc:
        # Defence in depth: the decoder and verifier are meant to catch
        # everything; an escape here is a bug, but still a clean refusal.
        raise VerifyError(f"malformed image ({type(exc).__name__})") from exc


def load(image: bytes) -> Program:
    """Decode and verify an image (binding for the VM waits for its first
    use), without a code cache. Raises VerifyError, never crashes."""
    return Program(verify_image(image))
