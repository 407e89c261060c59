"""How every command reports a failure: one style, one module.

Every error is one line ``[WHERE: ]error[CODE]: message`` on stderr, where
WHERE is ``file:line:col`` for text, ``file:/json/pointer`` for JSON, or a
file or option name; a diagnostic with its source at hand adds the source
line with a caret under the span, and a ``hint:`` line. Compile
diagnostics (``dslc.diagnostics.render``), runtime errors, command-line
misuse and the store's refusals all go through here, so ``dslc check``,
``dslc run`` and ``dslc store create`` read alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import click

from dslc import ast as A
from dslc import codes
from dslc.diagnostics import Diagnostic, line_col, render
from vm.builtins import BuiltinStrategy
from vm.errors import ExecutionError

USAGE = codes.USAGE


def error_line(code: str, message: str, where: str | None = None) -> str:
    """``[WHERE: ]error[CODE]: message``: what every failure without a
    source span looks like."""
    prefix = f"{where}: " if where else ""
    return f"{prefix}error[{code}]: {message}"


def echo_error(code: str, message: str, where: str | None = None) -> None:
    click.echo(click.style(error_line(code, message, where), fg="red", bold=True), err=True)


def echo_diagnostics(
    diags: Sequence[Diagnostic], source: str | None, *, color: bool | None = None
) -> None:
    """Diagnostics on stderr, errors in red and warnings in yellow (on a terminal)."""
    for d in diags:
        text = render(d, source)
        first, _, rest = text.partition("\n")
        style = {"fg": "red", "bold": True} if d.is_error else {"fg": "yellow"}
        click.echo(
            click.style(first, **style) + ("\n" + rest if rest else ""), err=True, color=color
        )


def diagnostic_json(diag: Diagnostic, source: str | None) -> dict[str, object]:
    """A diagnostic as ``check --format json`` gives it: offsets for tools,
    and the 1-based line and column people (and editors) use."""
    out = diag.to_dict()
    if source is not None and diag.start >= 0:
        out["line"], out["column"] = line_col(source, diag.start)
        out["end_line"], out["end_column"] = line_col(source, max(diag.start, diag.end))
    return out


def with_filename(diags: Sequence[Diagnostic], filename: str) -> list[Diagnostic]:
    """The diagnostics located in FILENAME (the file a user named, when a
    library compiled it under another name)."""
    return [dataclasses.replace(d, filename=filename) for d in diags]


# -- runtime errors ----------------------------------------------------------------


def runtime_diagnostic(
    code: str,
    node_id: str | None,
    detail: str,
    *,
    program: A.Program | None = None,
    filename: str | None = None,
    trace: Sequence[dict[str, Any]] = (),
) -> Diagnostic:
    """A runtime failure as a diagnostic located at the failing node (a span
    in a text source, a JSON pointer in a JSON one), with the values the
    node was given (read from the trace up to the failure) as its hint."""
    node = find_node(program, node_id) if program is not None and node_id else None
    loc = getattr(node, "loc", None)
    node_type = str(getattr(node, "type", ""))
    values = operand_values(node_id, trace, node_type) if node_id else []
    hint = "values: " + ", ".join(values) if values else None
    return Diagnostic(
        code=code,
        message=detail or "the strategy failed",
        node_id=node_id,
        pointer=loc.pointer if loc is not None else None,
        start=loc.start if loc is not None else -1,
        end=loc.end if loc is not None else -1,
        hint=hint,
        filename=filename,
    )


def find_node(program: A.Program, node_id: str) -> object | None:
    """The node of PROGRAM (ids filled) whose id is NODE_ID, if any."""
    for node in _walk(program):
        if getattr(node, "id", None) == node_id:
            return node
    return None


def _walk(node: object) -> Iterator[object]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple | list):
            stack.extend(reversed(item))
            continue
        if not dataclasses.is_dataclass(item) or isinstance(item, type):
            continue
        yield item
        for f in dataclasses.fields(item):
            if f.name not in ("loc", "id", "type"):
                value = getattr(item, f.name)
                if isinstance(value, tuple | list) or dataclasses.is_dataclass(value):
                    stack.append(value)


def operand_values(node_id: str, trace: Sequence[dict[str, Any]], node_type: str = "") -> list[str]:
    """``left (field) = null``-style descriptions of the direct children of
    NODE_ID (of type NODE_TYPE) that the trace recorded: its operands."""
    out: list[str] = []
    prefix = node_id + "."
    for entry in trace:
        child = str(entry.get("nodeId", ""))
        rest = child[len(prefix) :] if child.startswith(prefix) else None
        if rest is None or rest.count(".") != 1:
            continue
        kind, _, index = rest.partition(".")
        out.append(f"{_position(node_type, index)} {kind} = {_show(entry.get('value'))}")
    return out


def _position(node_type: str, index: str) -> str:
    if node_type in ("compare", "arith"):
        return {"0": "left", "1": "right"}.get(index, index)
    if node_type == "func_call":
        return f"argument {int(index) + 1}"
    return "the"  # a statement's value


def _show(value: object) -> str:
    import json

    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    kind = "null" if value is None else type(value).__name__
    text = text if len(text) <= 60 else text[:57] + "..."
    return text if value is None else f"{text} ({kind})"


# -- click's own errors ------------------------------------------------------------


class StyledClickError(click.ClickException):
    """A click error (bad option, missing argument, unreadable file) shown in
    the one style: the usage line, then ``error[CODE]: message``."""

    def __init__(self, original: click.ClickException) -> None:
        super().__init__(original.format_message())
        self.original = original

    def show(self, file: Any = None) -> None:
        show_click_error(self.original)


class StyledUsageError(StyledClickError):
    exit_code = click.UsageError.exit_code


def styled(exc: click.ClickException) -> click.ClickException:
    """EXC to be shown in the one style (kept as it is when it already is:
    a StyledClickError, or another package's error carrying ``dslc_code``)."""
    if isinstance(exc, StyledClickError) or getattr(exc, "dslc_code", None):
        return exc
    return StyledUsageError(exc) if isinstance(exc, click.UsageError) else StyledClickError(exc)


def show_click_error(exc: click.ClickException) -> None:
    code = getattr(exc, "dslc_code", None) or (
        codes.FILE_UNREADABLE if isinstance(exc, click.FileError) else USAGE
    )
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        ctx = exc.ctx
        click.echo(ctx.get_usage(), err=True)
        if ctx.command.get_help_option(ctx) is not None:
            names = ctx.help_option_names[0] if ctx.help_option_names else "--help"
            click.echo(f"Try '{ctx.command_path} {names}' for help.", err=True)
    echo_error(code, exc.format_message())


def explain_failure(
    exc: ExecutionError,
    program: A.Program,
    *,
    filename: str | None,
    parent: BuiltinStrategy | None = None,
    phase: str = "full",
    fields: object = None,
    data: Mapping[str, object] | None = None,
    parent_result: Mapping[str, object] | None = None,
) -> Diagnostic:
    """EXC (raised by the VM running PROGRAM) located at its node, with the
    values the node was given. The reference evaluator fails at the same
    node with the same code; its trace up to the failure holds the values.
    PARENT scores through the pipeline; else PHASE runs alone."""
    from dslc.pipeline_trace import simulate_pipeline
    from dslc.simulate import simulate

    sink: list[dict[str, Any]] = []
    try:
        if parent is not None:
            simulate_pipeline(program, parent, fields, data, sink=sink)
        else:
            simulate(program, phase, fields, data, parent_result, sink=sink)
    except ExecutionError:
        pass  # expected: the same failure, with the trace kept in the sink
    return runtime_diagnostic(
        exc.code, exc.node_id, exc.detail, program=program, filename=filename, trace=sink
    )
