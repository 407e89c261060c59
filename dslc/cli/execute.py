"""``dslc run``: run a strategy on one event."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click
from click.core import ParameterSource

from dslc import codes
from dslc import json_output as output
from dslc.cli.common import fail, fail_compile, json_object_argument
from dslc.compiler import Compiled
from dslc.diagnostics import CompileError
from dslc.report import echo_diagnostics, explain_failure
from dslc.sources import (
    DSL_EXTEND,
    StrategySource,
    compile_source,
    kind_of,
    read_source,
    read_strategy,
)
from vm import ExecutionError, VerifyError, load, run, score
from vm.builtins import DEFAULT_REGISTRY, BuiltinStrategy, UnknownBuiltinError
from vm.runner import check_parent


@click.command("run")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--phase",
    type=click.Choice(["full", "pre", "post"]),
    default="full",
    show_default=True,
    help="Which phase to run.",
)
@click.option(
    "--fields",
    "fields_arg",
    metavar="JSON",
    help="Host fields as a JSON object (or @file.json), e.g. '{\"user.avg_time\": 3}'.",
)
@click.option(
    "--data", "data_arg", metavar="JSON", help="The event payload (JSON object or @file)."
)
@click.option(
    "--parent",
    "parent_arg",
    metavar="JSON",
    help='The parent result for --phase post: {"points", "case_name", "callback_data"}.',
)
@click.option(
    "--extends",
    metavar="BUILTIN",
    help="Score through the DSL_EXTEND pipeline with this parent built-in "
    f"({', '.join(DEFAULT_REGISTRY.ids())}). A strategy's own 'extends' (or a GAME "
    "record's parentStrategyId) is used without it; naming a different one is an error.",
)
@click.option("--budget", type=click.IntRange(min=0), help="Stop after this many VM steps.")
@click.option(
    "--trace",
    is_flag=True,
    help="Also print the evaluation trace (source files only; uses the reference "
    "evaluator, as the dashboard's simulation does). Through a parent: the pre "
    "phase's trace, the parent's result and the post phase's trace.",
)
@click.pass_context
def run_command(
    ctx: click.Context,
    file: str,
    phase: str,
    fields_arg: str | None,
    data_arg: str | None,
    parent_arg: str | None,
    extends: str | None,
    budget: int | None,
    trace: bool,
) -> None:
    """Run FILE (source or .sbc image) on one event and print the result as JSON.

    The output is always valid JSON: a result holding a non-finite number
    (NaN or an infinity from the input) is the error DSLC_RESULT_NOT_JSON.

    A strategy that extends a built-in (an 'extends' line, or a GAME record
    of type DSL_EXTEND) is scored through the pipeline as the engine does:
    pre phase, parent, post phase. --phase runs one phase alone instead.
    """
    fields = json_object_argument(fields_arg, "--fields") or {}
    data = json_object_argument(data_arg, "--data") or {}
    parent = json_object_argument(parent_arg, "--parent")
    try:
        check_parent(parent)  # the VM's own rule, checked before any work
    except TypeError as exc:
        fail(codes.USAGE, str(exc), "--parent")
    compiled = src = None
    try:
        if kind_of(file) == "image":
            image = read_source(file).data or b""
        else:
            src = read_strategy(file)
            compiled = compile_source(src)
            image = compiled.data
    except CompileError as exc:
        fail_compile(exc)
    phase_given = ctx.get_parameter_source("phase") is not ParameterSource.DEFAULT
    parent_id = _parent_to_run(file, src, extends, phase_given)
    try:
        program = load(image)
    except VerifyError as exc:
        fail(codes.IMAGE_INVALID, f"not a valid image: {exc}", file)
    if parent_id is None and not phase_given and (program.has_pre or program.has_post):
        fail(
            codes.USAGE,
            "the strategy has rules before or after a parent but names none (a bare JSON "
            "AST cannot): give --extends BUILTIN, or --phase to run one phase",
            file,
        )
    builtin = None
    if parent_id is not None:
        try:
            builtin = DEFAULT_REGISTRY.get(parent_id)
        except UnknownBuiltinError as exc:
            fail(codes.UNKNOWN_BUILTIN, str(exc.args[0]) if exc.args else str(exc), "--extends")
    out: dict[str, Any]
    try:
        if builtin is not None:
            s = score(program, fields=fields, data=data, parent=builtin, budget=budget)
            out = {"points": s.points, "case_name": s.case_name, "callback_data": s.callback_data}
        else:
            out = run(
                program, phase=phase, fields=fields, data=data, parent=parent, budget=budget
            ).as_dict()
    except ExecutionError as exc:
        _fail_runtime(exc, file, src, compiled, builtin, phase, fields, data, parent)
    except TypeError as exc:  # the VM's documented refusal of a wrongly shaped argument
        fail(codes.USAGE, str(exc), file)
    if parent_id is not None:
        out["extends"] = parent_id
    if trace:
        if compiled is None:
            fail(codes.USAGE, "--trace needs a source file (an image carries no tree to trace)")
        if builtin is not None:
            from dslc.pipeline_trace import simulate_pipeline

            out["trace"] = simulate_pipeline(compiled.ast, builtin, fields, data).trace()
        else:
            from dslc.simulate import simulate

            out["trace"] = simulate(compiled.ast, phase, fields, data, parent).trace
    try:
        click.echo(output.dumps(out))
    except output.NotJsonError as exc:
        fail(exc.code, str(exc), f"{file}:{exc.pointer or '/'}")  # the place in the result


def _fail_runtime(
    exc: ExecutionError,
    file: str,
    src: StrategySource | None,
    compiled: Compiled | None,
    builtin: BuiltinStrategy | None,
    phase: str,
    fields: dict[str, Any],
    data: dict[str, Any],
    parent: dict[str, Any] | None,
) -> NoReturn:
    """The failing node's line and caret (text) or JSON pointer, and the
    values it was given, when the source is at hand; else its node id."""
    if compiled is None or src is None:
        detail = f"{exc.detail} (node {exc.node_id})" if exc.node_id else exc.detail
        fail(exc.code, detail, file)
    diag = explain_failure(
        exc,
        compiled.ast,
        filename=src.filename,
        parent=builtin,
        phase=phase,
        fields=fields,
        data=data,
        parent_result=parent,
    )
    echo_diagnostics([diag], src.text)
    sys.exit(1)


def declared_parent(src: StrategySource | None) -> str | None:
    """The built-in a source says it extends: a text file's 'extends' line,
    or a GAME record's parentStrategyId (type DSL_EXTEND); None for an image."""
    if src is None or src.header.type != DSL_EXTEND:
        return None
    return src.header.parent or None


def _parent_to_run(
    file: str, src: StrategySource | None, extends: str | None, phase_given: bool
) -> str | None:
    """The built-in to score through, or None to run one phase."""
    own = declared_parent(src)
    if extends is not None:
        if phase_given:
            fail(
                codes.USAGE, "--extends scores the whole pipeline; leave out --phase (or --extends)"
            )
        if own is not None and _canonical(own) != _canonical(extends):
            fail(
                codes.USAGE,
                f"the strategy extends {own!r} but --extends names {extends!r}; "
                "leave --extends out, or change the file",
                file,
            )
        return extends
    if phase_given:
        return None  # one phase, as asked
    return own


def _canonical(builtin_id: str) -> str:
    return DEFAULT_REGISTRY.aliases().get(builtin_id, builtin_id)


COMMANDS = [run_command]
