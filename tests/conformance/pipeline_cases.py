"""Reading ``pipeline.jsonl`` cases: the field values they feed, and how a
result is judged against the record, deviations applied
(``shared/conformance/README.md``, LANGUAGE.md section 7)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from tests.support import same
from vm.builtins import DEFAULT_REGISTRY

# The stable codes a case marked ``unexpected_exception`` may fail with: a
# reference crash (a null compared, a zero maximum divided by, an overflow)
# is one of the VM's own runtime errors here.
CRASH_CODES = frozenset(
    {
        "DSL_ARITH_OUT_OF_RANGE",
        "DSL_ARITH_TYPE_MISMATCH",
        "DSL_ARITH_DIV_BY_ZERO",
        "DSL_COMPARE_TYPE_MISMATCH",
    }
)


def case_fields(case: dict[str, Any]) -> dict[str, object]:
    """The analytics values plus the three event ids, by field path."""
    return {**case["fields"], **case["ids"]}


def judge(case: dict[str, Any], got: tuple[object, ...] | None, code: str | None) -> str | None:
    """None when ``got`` (a public result) or ``code`` (an error's code)
    agrees with the record, else what is wrong."""
    deviation = case.get("deviation")
    expect = case["expect"]
    if deviation == "non_numeric_arith":
        ok = code == "DSL_ARITH_TYPE_MISMATCH"
        return None if ok else f"want DSL_ARITH_TYPE_MISMATCH, got {got or code}"
    if deviation == "unexpected_exception":
        ok = code in CRASH_CODES
        return None if ok else f"want one of {sorted(CRASH_CODES)}, got {got or code}"
    if deviation == "non_numeric_points" and code is not None:
        # The reference carried a boolean on as points; a stable code instead
        # is allowed.
        return None if code.startswith("DSL") else f"unstable code {code!r}"
    if "error" in expect:
        want = expect["error"]["code"]
        if code is None:
            return f"want error {want}, got {got}"
        if want is not None and code != want:
            return f"want error {want}, got {code}"
        return None
    if code is not None:
        return f"want {expect['result']}, got error {code}"
    want_result = expect["result"]
    assert got is not None
    return None if same(list(got), want_result) else f"want {want_result}, got {list(got)}"


class AsyncWrappedBuiltin:
    """A project built-in dressed as GAME's kind of parent: an async
    ``calculate_points(externalGameId, externalTaskId, externalUserId,
    data)``, ``variable_*`` attributes and ``set_variables``, reading its own
    analytics (``values``, by field path) instead of the pipeline's cache."""

    def __init__(self, builtin_id: str, values: Mapping[str, object]) -> None:
        self._builtin = DEFAULT_REGISTRY.get(builtin_id)
        self._values = values
        self.calls: list[tuple[object, ...]] = []
        for name, value in self._builtin.default_variables().items():
            setattr(self, name, value)

    def set_variables(self, new_variables: Mapping[str, object]) -> list[str]:
        changed = []
        for name, value in new_variables.items():
            if hasattr(self, name):
                setattr(self, name, value)
                changed.append(name)
        return changed

    async def calculate_points(
        self,
        externalGameId: object = None,
        externalTaskId: object = None,
        externalUserId: object = None,
        data: Mapping[str, object] | None = None,
    ) -> tuple[object, ...]:
        self.calls.append((externalGameId, externalTaskId, externalUserId, dict(data or {})))
        variables = {k: v for k, v in vars(self).items() if k.startswith("variable_")}
        await asyncio.sleep(0)  # a real parent awaits its queries
        result = self._builtin.calculate_points(self._values, data or {}, variables)
        return result.points, result.case_name
