"""One diagnostic model for every stage and both front ends.

A diagnostic is a value: a stable code, a severity, a message, a location
(node id and JSON pointer for JSON input; a character span in a named file
for text input) and an optional hint. Stages collect diagnostics into a
``DiagnosticBag`` (capped, so a hostile input cannot produce millions) and
the public API raises ``CompileError`` carrying all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from dslc.ast import Loc

MAX_DIAGNOSTICS = 100


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    HINT = "hint"  # advice: never fails a check, even with --warnings-as-errors


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    severity: Severity = Severity.ERROR
    node_id: str | None = None
    pointer: str | None = None
    start: int = -1
    end: int = -1
    hint: str | None = None
    filename: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
        }
        for key in ("node_id", "pointer", "hint", "filename"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.start >= 0:
            out["start"] = self.start
            out["end"] = self.end
        return out


def line_col(source: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    offset = max(0, min(offset, len(source)))
    line = source.count("\n", 0, offset) + 1
    line_start = source.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


def render(diag: Diagnostic, source: str | None = None) -> str:
    """Render like a modern compiler.

    Text input: ``file:line:col: error[CODE]: message``, then the source
    line with carets under the span, then ``hint: ...``. JSON input: the
    location is the file, the JSON pointer and the node id.
    """
    sev = diag.severity.value
    if source is not None and diag.start >= 0:
        line, col = line_col(source, diag.start)
        where = f"{diag.filename or '<input>'}:{line}:{col}"
        head = f"{where}: {sev}[{diag.code}]: {diag.message}"
        line_start = source.rfind("\n", 0, diag.start) + 1
        line_end = source.find("\n", diag.start)
        if line_end < 0:
            line_end = len(source)
        text = source[line_start:line_end]
        width = max(1, min(diag.end, line_end) - diag.start) if diag.end > diag.start else 1
        text, at, width = _window(text, col - 1, width)
        gutter = f"{line:>4} | "
        caret = " " * (len(gutter) + at) + "^" * width
        out = [head, gutter + text.expandtabs(1), caret]
    else:
        parts = [diag.filename] if diag.filename else []
        if diag.pointer is not None:
            parts.append(diag.pointer or "/")
        where = ":".join(parts)
        node = f" (node {diag.node_id})" if diag.node_id else ""
        prefix = f"{where}: " if where else ""
        out = [f"{prefix}{sev}[{diag.code}]: {diag.message}{node}"]
    if diag.hint:
        out.append(f"  hint: {diag.hint}")
    return "\n".join(out)


# A source line longer than this is shown as a window around the column: a
# hostile megabyte on one line must not be printed whole.
MAX_SHOWN = 120


def _window(text: str, at: int, width: int) -> tuple[str, int, int]:
    """The part of a long line around offset ``at`` (with ``...`` where it
    was cut), the caret's offset in it and its width."""
    if len(text) <= MAX_SHOWN:
        return text, at, width
    start = max(0, at - MAX_SHOWN // 3)
    end = min(len(text), start + MAX_SHOWN)
    shown = ("..." if start > 0 else "") + text[start:end] + ("..." if end < len(text) else "")
    offset = at - start + (3 if start > 0 else 0)
    return shown, offset, max(1, min(width, end - at))


class DiagnosticBag:
    """Collects diagnostics up to a cap; later ones are counted, not kept."""

    def __init__(self, filename: str | None = None, cap: int = MAX_DIAGNOSTICS) -> None:
        self.filename = filename
        self.cap = cap
        self.items: list[Diagnostic] = []
        self.dropped = 0

    def add(self, diag: Diagnostic) -> None:
        if len(self.items) >= self.cap:
            self.dropped += 1
            return
        if self.filename is not None and diag.filename is None:
            diag = Diagnostic(
                code=diag.code,
                message=diag.message,
                severity=diag.severity,
                node_id=diag.node_id,
                pointer=diag.pointer,
                start=diag.start,
                end=diag.end,
                hint=diag.hint,
                filename=self.filename,
            )
        self.items.append(diag)

    def error(
        self,
        code: str,
        message: str,
        *,
        node_id: str | None = None,
        loc: Loc | None = None,
        hint: str | None = None,
    ) -> None:
        self._emit(Severity.ERROR, code, message, node_id, loc, hint)

    def warning(
        self,
        code: str,
        message: str,
        *,
        node_id: str | None = None,
        loc: Loc | None = None,
        hint: str | None = None,
    ) -> None:
        self._emit(Severity.WARNING, code, message, node_id, loc, hint)

    def hint(
        self,
        code: str,
        message: str,
        *,
        node_id: str | None = None,
        loc: Loc | None = None,
        hint: str | None = None,
    ) -> None:
        self._emit(Severity.HINT, code, message, node_id, loc, hint)

    def _emit(
        self,
        severity: Severity,
        code: str,
        message: str,
        node_id: str | None,
        loc: Loc | None,
        hint: str | None,
    ) -> None:
        self.add(
            Diagnostic(
                code=code,
                message=message,
                severity=severity,
                node_id=node_id,
                pointer=loc.pointer if loc else None,
                start=loc.start if loc else -1,
                end=loc.end if loc else -1,
                hint=hint,
            )
        )

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        for d in diags:
            self.add(d)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class CompileError(Exception):
    """A program did not compile. ``diagnostics`` holds every error found
    (and the warnings collected before them)."""

    def __init__(self, diagnostics: list[Diagnostic], source: str | None = None) -> None:
        self.diagnostics = diagnostics
        self.source = source
        errors = [d for d in diagnostics if d.is_error]
        first = errors[0] if errors else (diagnostics[0] if diagnostics else None)
        summary = f"{first.code}: {first.message}" if first else "compile error"
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(summary + more)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    def render(self) -> str:
        return "\n".join(render(d, self.source) for d in self.diagnostics)
