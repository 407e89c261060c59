"""The DSL_EXTEND pipeline (LANGUAGE.md section 4) on the reference
evaluator, with a trace for each phase.

``dslc run --trace`` shows what the dashboard's simulation would: the pre
phase's trace, the parent built-in's result, and the post phase's trace.
The VM's ``vm.score`` computes the same result without any trace; the
order of the steps here is the same as ``vm.pipeline.score``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dslc.ast import Program
from dslc.simulate import TraceEntry, simulate
from vm.builtins import BuiltinError, BuiltinStrategy, ParentResult, resolve_variables
from vm.errors import ExecutionError
from vm.host import getter_of


@dataclass(slots=True)
class PipelineSimulation:
    points: object
    case_name: str | None
    callback_data: dict[str, object]
    # Phase name ("pre", "post") to its trace; a phase that did not run is absent.
    traces: dict[str, list[TraceEntry]] = field(default_factory=dict)
    # The parent's normalised result, when the parent ran.
    parent: dict[str, object] | None = None

    def trace(self) -> dict[str, object]:
        """The trace as ``dslc run --trace`` prints it."""
        return {
            "pre": self.traces.get("pre"),
            "parent": self.parent,
            "post": self.traces.get("post"),
        }


class _Fields:
    """Each field read once, whoever asks (a phase or the parent)."""

    def __init__(self, source: object) -> None:
        self._get = getter_of(source)
        self._seen: dict[str, object] = {}

    def get(self, path: str) -> object:
        if path not in self._seen:
            self._seen[path] = self._get(path)
        return self._seen[path]


def simulate_pipeline(
    program: Program,
    parent: BuiltinStrategy,
    fields: object = None,
    data: Mapping[str, object] | None = None,
    *,
    sink: list[TraceEntry] | None = None,
) -> PipelineSimulation:
    """Score ``program`` (ids filled, validated) through its parent built-in,
    tracing the pre and post phases. Raises ``vm.ExecutionError`` as
    ``vm.score`` does. ``sink`` collects every phase's entries as they
    happen (see ``simulate``)."""
    source = _Fields(fields)
    event = dict(data or {})
    traces: dict[str, list[TraceEntry]] = {}
    parent_data: Mapping[str, object] = event
    if program.pre_rules:
        mark = len(sink) if sink is not None else 0
        pre = simulate(program, "pre", source, event, sink=sink)
        traces["pre"] = (pre.trace or [])[mark:]  # a copy: the sink grows on
        if pre.vetoed:
            return PipelineSimulation(0, pre.case_name, pre.callback_data, traces)
        parent_data = pre.working_data
    variables = resolve_variables(parent, program.parent_variables)
    try:
        result = ParentResult.normalise(parent.calculate_points(source, parent_data, variables))
    except BuiltinError as exc:
        raise ExecutionError(exc.code, exc.node_id, exc.detail) from None
    parent_out: dict[str, object] = {
        "points": result.points,
        "case_name": result.case_name,
        "callback_data": dict(result.callback_data),
    }
    if not program.post_rules:
        return PipelineSimulation(
            result.points, result.case_name, dict(result.callback_data), traces, parent_out
        )
    mark = len(sink) if sink is not None else 0
    post = simulate(program, "post", source, parent_data, parent_out, sink=sink)
    traces["post"] = (post.trace or [])[mark:]
    return PipelineSimulation(post.points, post.case_name, post.callback_data, traces, parent_out)
