"""The drop-in for GAME's stored-strategy class (``app/engine/dsl_strategy.py``).

GAME switches by changing one import::

    from engine.game import DslStrategy

``DslStrategy(definition, interpreter, analytics_service, *,
parent_strategy=None, observer=None)`` keeps GAME's constructor and
contract: ``await calculate_points(externalGameId, externalTaskId,
externalUserId, data)`` returns ``(points, case_name)`` or ``(points,
case_name, callback_data)``, ``(0, None)`` when the definition has no AST.
DSL_FULL runs the program; with a ``parent_strategy`` the DSL_EXTEND
pipeline runs (``vm.score_async``), the parent being GAME's own async
built-in instance or one of this project's built-ins.

What differs inside: the program is compiled once per process and strategy
version, fields are fetched from ``analytics_service`` only when the
program first needs them (once per event), and the ``interpreter`` argument
is accepted and ignored.
"""

from __future__ import annotations

import contextlib
import copy
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, ClassVar, Final

import vm
from dslc.simulate import simulate
from engine.errors import (
    DslError,
    DslExecutionError,
    DslLimitExceededError,
    DslValidationError,
    exception_class,
    from_execution_error,
    use_exceptions,
)
from engine.fields import EventFields
from engine.programs import PROGRAMS, Compiled, CompileFailed, ast_hash
from engine.validation import validate_ast
from vm.builtins import DEFAULT_REGISTRY, BuiltinStrategy, ParentResult
from vm.pipeline import apply_variables, is_host_parent

__all__ = [
    "DslError",
    "DslExecutionError",
    "DslLimitExceededError",
    "DslStrategy",
    "DslValidationError",
    "use_exceptions",
    "validate_ast",
]

# GAME memoises the hash of PUBLISHED definitions (immutable per version);
# drafts are edited in place, so theirs is recomputed.
_HASHES: OrderedDict[tuple[str, object], str] = OrderedDict()
_HASHES_MAX: Final = 512
_HASHES_LOCK: Final = threading.Lock()


def _hash_of(definition: Any) -> str:
    ast = definition.astJson
    if getattr(definition, "status", None) != "PUBLISHED":
        return ast_hash(ast)
    key = (str(definition.id), definition.version)
    with _HASHES_LOCK:
        cached = _HASHES.get(key)
        if cached is not None:
            _HASHES.move_to_end(key)
            return cached
    value = ast_hash(ast)
    with _HASHES_LOCK:
        _HASHES[key] = value
        if len(_HASHES) > _HASHES_MAX:
            _HASHES.popitem(last=False)
    return value


class DslStrategy:
    """A stored strategy, scored by the compiled VM (see the module doc)."""

    # The fraction of calls whose trace the observer receives. A trace costs
    # a second, traced run (the reference evaluator), so it is sampled.
    trace_sample_rate: ClassVar[float] = 0.0
    # An optional cap on VM steps per phase (defence in depth; the compile
    # limits already bound every run). Exceeding it raises the limit class.
    step_budget: ClassVar[int | None] = None

    def __init__(
        self,
        definition: Any,
        interpreter: Any,
        analytics_service: Any,
        *,
        parent_strategy: Any = None,
        observer: Any = None,
        trace_sample_rate: float | None = None,
    ) -> None:
        self.debug = False
        self.strategy_name = definition.name
        self.strategy_description = definition.description
        self.strategy_name_slug = definition.name
        self.strategy_version = str(definition.version)
        self.variable_basic_points = 1
        self.variable_bonus_points = 1
        self._definition = definition
        self._interpreter = interpreter  # accepted for GAME's signature; unused
        self._analytics = analytics_service
        self._parent_strategy = parent_strategy
        self._observer = observer
        if trace_sample_rate is not None:
            if not 0.0 <= trace_sample_rate <= 1.0:
                raise ValueError("trace_sample_rate must be between 0 and 1")
            self.trace_sample_rate = trace_sample_rate  # type: ignore[misc]
        self.hash_version = _hash_of(definition)

    def get_strategy_id(self) -> str:
        return f"custom:{self._definition.id}"

    # GAME's BaseStrategy accessors, which its services call on any strategy.

    def get_strategy_name(self) -> str:
        return str(self.strategy_name)

    def get_strategy_description(self) -> str | None:
        return self.strategy_description

    def get_strategy_name_slug(self) -> str:
        return str(self.strategy_name_slug)

    def get_strategy_version(self) -> str:
        return self.strategy_version

    def get_variables(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k.startswith("variable_")}

    def get_strategy(self) -> dict[str, Any]:
        return {
            "name": self.get_strategy_name(),
            "description": self.get_strategy_description(),
            "name_slug": self.get_strategy_name_slug(),
            "version": self.get_strategy_version(),
            "variables": self.get_variables(),
            "hash_version": self.hash_version,
        }

    def _compiled(self) -> Compiled:
        d = self._definition
        key = (str(d.id), d.version, self.hash_version)
        try:
            return PROGRAMS.get(key, d.astJson)
        except CompileFailed as exc:
            raise exc.failure.build() from None

    async def calculate_points(
        self,
        externalGameId: str | None = None,
        externalTaskId: str | None = None,
        externalUserId: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> tuple[Any, ...]:
        """Score one event: ``(points, case_name[, callback_data])``."""
        if self._definition.astJson is None:
            return 0, None
        start = time.perf_counter()
        status = "ok"
        error_code: str | None = None
        result: tuple[Any, ...] | None = None
        trace: list[dict[str, Any]] | None = None
        traced = self.trace_sample_rate > 0 and random.random() < self.trace_sample_rate
        try:
            result, trace = await self._score(
                externalGameId, externalTaskId, externalUserId, data, traced
            )
            return result
        except BaseException as exc:
            status, error_code = _status_of(exc)
            raise
        finally:
            if self._observer is not None:
                await self._observe(
                    externalGameId,
                    externalTaskId,
                    externalUserId,
                    status,
                    error_code,
                    result,
                    (time.perf_counter() - start) * 1000.0,
                    trace,
                )

    async def _score(
        self,
        game: str | None,
        task: str | None,
        user: str | None,
        data: dict[str, Any] | None,
        traced: bool,
    ) -> tuple[tuple[Any, ...], list[dict[str, Any]] | None]:
        compiled = self._compiled()
        fields = EventFields(self._analytics, game, task, user, record=traced)
        event = dict(data or {})
        parent = _parent(self._parent_strategy)
        recorder: list[ParentResult] = []
        if traced and parent is not None:
            parent = _recording(parent, recorder)
        try:
            score = await vm.score_async(
                compiled.program,
                fields=fields,
                data=event,
                parent=parent,
                budget=self.step_budget,
                ids={"externalGameId": game, "externalTaskId": task, "externalUserId": user},
            )
        except vm.ExecutionError as exc:
            raise from_execution_error(exc, compiled.nodes()).build() from None
        trace = None
        if traced:
            trace = _trace(compiled, fields.values, event, parent is not None, recorder)
        return score.as_public(), trace

    async def _observe(
        self,
        game: str | None,
        task: str | None,
        user: str | None,
        status: str,
        error_code: str | None,
        result: tuple[Any, ...] | None,
        duration_ms: float,
        trace: list[dict[str, Any]] | None,
    ) -> None:
        d = self._definition
        points, case_name = (result[0], result[1]) if result is not None else (None, None)
        # An observer that raises never breaks scoring (GAME's contract).
        with contextlib.suppress(Exception):
            await self._observer.record(
                strategyId=str(d.id),
                strategyVersion=d.version,
                strategyType=d.type,
                realmId=d.realmId,
                externalGameId=game,
                externalTaskId=task,
                externalUserId=user,
                status=status,
                errorCode=error_code,
                points=(
                    float(points)
                    if isinstance(points, int | float) and not isinstance(points, bool)
                    else None
                ),
                caseName=case_name,
                durationMs=duration_ms,
                nodesExecuted=len(trace) if trace is not None else 0,
                trace=trace,
                parentStrategyId=d.parentStrategyId,
            )


def _status_of(exc: BaseException) -> tuple[str, str]:
    code = getattr(exc, "code", None)
    if isinstance(exc, exception_class("limit")):
        return "limit", code or "DSL_LIMIT_EXCEEDED"
    if isinstance(exc, exception_class("execution") | exception_class("validation")):
        return "error", code or type(exc).__name__
    return "error", "DSL_UNEXPECTED"


def _parent(parent: Any) -> Any:
    # A registered id names one of this project's built-ins.
    if isinstance(parent, str):
        return DEFAULT_REGISTRY.get(parent)
    return parent


# -- traced re-runs ------------------------------------------------------------


class _RecordingBuiltin:
    """A project built-in that remembers the result it returned."""

    def __init__(self, inner: BuiltinStrategy, box: list[ParentResult]) -> None:
        self.id = inner.id
        self._inner = inner
        self._box = box

    def default_variables(self) -> dict[str, object]:
        return self._inner.default_variables()

    def calculate_points(
        self, fields: Any, data: Mapping[str, object], variables: Mapping[str, object]
    ) -> ParentResult:
        result = ParentResult.normalise(self._inner.calculate_points(fields, data, variables))
        # The async driver may rerun a built-in after a field arrives; the
        # last run is the one that counted.
        self._box[:] = [result]
        return result


class _RecordingHostParent:
    """A host parent that remembers its result; a copy copies the parent,
    so overrides never reach the shared instance."""

    def __init__(self, inner: Any, box: list[ParentResult]) -> None:
        self._inner = inner
        self._box = box

    def __copy__(self) -> _RecordingHostParent:
        return _RecordingHostParent(copy.copy(self._inner), self._box)

    def set_variables(self, overrides: Mapping[str, object]) -> None:
        apply_variables(self._inner, overrides)

    async def calculate_points(self, **kwargs: Any) -> object:
        raw = await self._inner.calculate_points(**kwargs)
        self._box[:] = [ParentResult.normalise(raw)]
        return raw


def _recording(parent: Any, box: list[ParentResult]) -> Any:
    if is_host_parent(parent):
        return _RecordingHostParent(parent, box)
    return _RecordingBuiltin(parent, box)


def _trace(
    compiled: Compiled,
    values: Mapping[str, object],
    event: Mapping[str, object],
    extend: bool,
    recorder: list[ParentResult],
) -> list[dict[str, Any]]:
    """The reference evaluator's trace of the run that just succeeded,
    replayed from the field values it used (no query is made again)."""
    program = compiled.surface()
    if not extend:
        return [dict(e) for e in simulate(program, "full", values, event).trace or ()]
    out: list[dict[str, Any]] = []
    parent_data: Mapping[str, object] = event
    if program.pre_rules:
        pre = simulate(program, "pre", values, event)
        out.extend(dict(e) for e in pre.trace or ())
        if pre.vetoed:
            return out
        parent_data = pre.working_data
    if program.post_rules and recorder:
        p = recorder[-1]
        parent = {"points": p.points, "case_name": p.case_name, "callback_data": p.callback_data}
        post = simulate(program, "post", values, parent_data, parent)
        out.extend(dict(e) for e in post.trace or ())
    return out
