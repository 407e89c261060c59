"""``dslc run``: run a strategy on one event."""

from __future__ import annotations

import json
from typing import Any

import click

from dslc.cli.common import fail, fail_compile, json_object_argument
from dslc.diagnostics import CompileError
from dslc.sources import compile_file, read_source
from vm import ExecutionError, VerifyError, load, run, score
from vm.builtins import DEFAULT_REGISTRY, UnknownBuiltinError


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
    f"({', '.join(DEFAULT_REGISTRY.ids())}); --phase is then ignored.",
)
@click.option("--budget", type=click.IntRange(min=0), help="Stop after this many VM steps.")
@click.option(
    "--trace",
    is_flag=True,
    help="Also print the evaluation trace (source files only; uses the reference "
    "evaluator, as the dashboard's simulation does).",
)
def run_command(
    file: str,
    phase: str,
    fields_arg: str | None,
    data_arg: str | None,
    parent_arg: str | None,
    extends: str | None,
    budget: int | None,
    trace: bool,
) -> None:
    """Run FILE (source or .sbc image) on one event and print the result as JSON."""
    fields = json_object_argument(fields_arg, "--fields") or {}
    data = json_object_argument(data_arg, "--data") or {}
    parent = json_object_argument(parent_arg, "--parent")
    try:
        src = read_source(file)
        compiled = compile_file(src) if src.kind != "image" else None
    except CompileError as exc:
        fail_compile(exc)
    try:
        program = load(compiled.data if compiled else src.data or b"")
    except VerifyError as exc:
        fail(f"{file}: not a valid image: {exc}")
    out: dict[str, Any]
    try:
        if extends is not None:
            builtin = DEFAULT_REGISTRY.get(extends)
            s = score(program, fields=fields, data=data, parent=builtin, budget=budget)
            out = {"points": s.points, "case_name": s.case_name, "callback_data": s.callback_data}
        else:
            out = run(
                program, phase=phase, fields=fields, data=data, parent=parent, budget=budget
            ).as_dict()
    except UnknownBuiltinError as exc:
        fail(str(exc.args[0]) if exc.args else str(exc))
    except ExecutionError as exc:
        where = f" at node {exc.node_id}" if exc.node_id else ""
        fail(f"{file}: runtime error[{exc.code}]{where}: {exc.detail}")
    if trace:
        if compiled is None:
            fail("--trace needs a source file (an image carries no tree to trace)")
        from dslc.simulate import simulate

        sim = simulate(compiled.ast, phase, fields, data, parent)
        out["trace"] = sim.trace
    click.echo(json.dumps(out, indent=2, ensure_ascii=False, default=repr))


COMMANDS = [run_command]
