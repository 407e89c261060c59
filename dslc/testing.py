"""Strategy tests: a designer pins expected outcomes next to a strategy, and
``dslc test`` checks them, with rule coverage.

A test file is JSON, named after its strategy (``tiered_reward.test.json``
beside ``tiered_reward.strat``, ``.json`` or ``.xml``), or naming it::

    {
      "strategy": "tiered_reward.strat",          # optional: else the sibling
      "cases": [
        {
          "name": "gold for the fastest",
          "fields": {"user.avg_time": 5, "all.avg_time": 20},
          "data": {"is_weekend": true},            # optional
          "expect": {"points": 20, "case_name": "Gold"}
        },
        {"name": "a null average", "fields": {"user.avg_time": null},
         "expect": {"error": "DSL_COMPARE_TYPE_MISMATCH"}}
      ]
    }

A case scores its event as the engine would: the ``full`` phase for a
DSL_FULL strategy, the pipeline through the strategy's parent built-in for
a DSL_EXTEND one (``fields`` also answer the parent's analytics). With
``"phase": "pre" | "post" | "full"`` it runs that one phase instead (give
``"parent": {"points", "case_name", "callback_data"}`` for ``post``).
``expect`` compares only the keys it names: ``points`` (by value: 5 and 5.0
are equal, ``true`` is not a number), ``case_name``, ``callback_data``,
``working_data``, ``vetoed``, or ``error`` (a runtime error code).

Coverage: every case is also run through the reference evaluator with its
trace, and each rule's outcomes are collected: ``match``, each
``elseif:<i>``, ``else`` when the rule has one, else ``skip`` (its
condition was false and nothing ran). A rule or outcome no case reached is
reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dslc import ast as A
from dslc import codes
from dslc.compiler import Compiled
from dslc.diagnostics import CompileError, Diagnostic, Severity, line_col
from dslc.sources import (
    DSL_EXTEND,
    SOURCE_SUFFIXES,
    StrategySource,
    compile_source,
    read_strategy,
)
from dslc.walk import walk

TEST_SUFFIX = ".test.json"
MAX_TEST_FILE_BYTES = 8 << 20
_EXPECT_KEYS = ("points", "case_name", "callback_data", "working_data", "vetoed", "error")
_CASE_KEYS = frozenset({"name", "fields", "data", "parent", "phase", "expect"})
_PHASES = ("full", "pre", "post")


class TestFileError(CompileError):
    """A test file that cannot be read or does not have the documented shape."""


def _refuse(filename: str, pointer: str, message: str) -> TestFileError:
    diag = Diagnostic(
        code=codes.TEST_FILE_INVALID,
        severity=Severity.ERROR,
        message=message,
        filename=filename,
        pointer=pointer or "/",
    )
    return TestFileError([diag])


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    fields: dict[str, Any]
    data: dict[str, Any]
    parent: dict[str, Any] | None
    phase: str | None
    expect: dict[str, Any]
    pointer: str


@dataclass(frozen=True, slots=True)
class TestFile:
    path: Path
    strategy: Path
    cases: tuple[Case, ...]


@dataclass(slots=True)
class CaseResult:
    case: Case
    got: dict[str, Any]
    failures: list[str]  # the expectation keys that differ

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(slots=True)
class Coverage:
    """Per rule (by id), the outcomes it may have and those the cases took."""

    possible: dict[str, tuple[str, ...]] = field(default_factory=dict)
    taken: dict[str, set[str]] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)  # rule id -> "file:line"

    def missing(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for rule, outcomes in self.possible.items():
            left = [o for o in outcomes if o not in self.taken.get(rule, set())]
            if left:
                out[rule] = left
        return out

    def counts(self) -> tuple[int, int]:
        total = sum(len(o) for o in self.possible.values())
        return total - sum(len(m) for m in self.missing().values()), total


@dataclass(slots=True)
class FileResult:
    test_file: TestFile
    results: list[CaseResult]
    coverage: Coverage


# -- reading test files --------------------------------------------------------


def find_test_files(paths: Iterable[str | Path]) -> list[Path]:
    """The test files named, found under directories (walked as ``dslc
    check`` walks them: dslc.walk), or beside the strategies named."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            unreadable: list[OSError] = []
            found.extend(walk([path], (TEST_SUFFIX,), unreadable))
            if unreadable:
                bad = unreadable[0]
                raise _refuse(
                    str(bad.filename or path), "", f"cannot read the folder: {bad.strerror}"
                )
        elif path.name.endswith(TEST_SUFFIX):
            found.append(path)
        else:
            sibling = path.with_name(path.name.split(".")[0] + TEST_SUFFIX)
            if not sibling.is_file():
                raise _refuse(str(path), "", f"no test file {sibling.name} beside {path.name}")
            found.append(sibling)
    seen: set[Path] = set()
    unique = []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def read_test_file(path: Path) -> TestFile:
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _refuse(name, "", f"cannot read the test file: {exc.strerror}") from None
    if len(raw) > MAX_TEST_FILE_BYTES:
        raise _refuse(name, "", f"the test file is larger than {MAX_TEST_FILE_BYTES} bytes")
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _refuse(name, "", "the test file is not UTF-8") from None
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise _refuse(name, "", f"the test file is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise _refuse(name, "", "a test file is an object with 'cases'")
    unknown = sorted(set(document) - {"strategy", "cases"})
    if unknown:
        raise _refuse(name, f"/{unknown[0]}", f"unknown key {unknown[0]!r}")
    strategy = _strategy_path(path, document.get("strategy"))
    cases = document.get("cases")
    if not isinstance(cases, list) or not cases:
        raise _refuse(name, "/cases", "'cases' must be a non-empty list")
    return TestFile(path, strategy, tuple(_case(name, c, i) for i, c in enumerate(cases)))


def _strategy_path(path: Path, named: object) -> Path:
    if named is not None:
        if not isinstance(named, str) or not named:
            raise _refuse(str(path), "/strategy", "'strategy' must be a file name")
        target = path.parent / named
        if not target.is_file():
            raise _refuse(str(path), "/strategy", f"the strategy {named!r} does not exist")
        return target
    stem = path.name[: -len(TEST_SUFFIX)]
    for suffix in SOURCE_SUFFIXES:
        candidate = path.with_name(stem + suffix)
        if candidate.is_file():
            return candidate
    raise _refuse(str(path), "", f"no strategy {stem}.strat/.json/.xml beside the test file")


def _case(filename: str, raw: object, i: int) -> Case:
    at = f"/cases/{i}"
    if not isinstance(raw, dict):
        raise _refuse(filename, at, "a case is an object")
    unknown = sorted(set(raw) - _CASE_KEYS)
    if unknown:
        raise _refuse(filename, f"{at}/{unknown[0]}", f"unknown key {unknown[0]!r} in a case")
    name = raw.get("name", f"case {i}")
    if not isinstance(name, str):
        raise _refuse(filename, f"{at}/name", "'name' must be a string")
    objects: dict[str, dict[str, Any] | None] = {}
    for key in ("fields", "data", "parent"):
        value = raw.get(key)
        if value is not None and not isinstance(value, dict):
            raise _refuse(filename, f"{at}/{key}", f"'{key}' must be an object")
        objects[key] = value
    phase = raw.get("phase")
    if phase is not None and phase not in _PHASES:
        raise _refuse(filename, f"{at}/phase", f"'phase' must be one of {', '.join(_PHASES)}")
    if objects["parent"] is not None and phase != "post":
        raise _refuse(filename, f"{at}/parent", '\'parent\' goes with "phase": "post"')
    expect = raw.get("expect")
    if not isinstance(expect, dict) or not expect:
        raise _refuse(filename, f"{at}/expect", "'expect' must be a non-empty object")
    bad = sorted(set(expect) - set(_EXPECT_KEYS))
    if bad:
        raise _refuse(
            filename,
            f"{at}/expect/{bad[0]}",
            f"unknown expectation {bad[0]!r} (one of {', '.join(_EXPECT_KEYS)})",
        )
    if "error" in expect and len(expect) > 1:
        raise _refuse(filename, f"{at}/expect", "'error' is expected alone")
    return Case(
        name,
        objects["fields"] or {},
        objects["data"] or {},
        objects["parent"],
        phase,
        expect,
        at,
    )


# -- running ---------------------------------------------------------------------


def run_file(test_file: TestFile) -> FileResult:
    """Run every case of a test file. Raises CompileError when the strategy
    does not compile (or a built-in it names is unknown)."""
    src = read_strategy(test_file.strategy)
    compiled = compile_source(src)
    coverage = _possible_outcomes(compiled, src)
    results = [_run_case(compiled, src, case, coverage) for case in test_file.cases]
    return FileResult(test_file, results, coverage)


def _parent_of(src: StrategySource) -> Any:
    from vm.builtins import DEFAULT_REGISTRY, UnknownBuiltinError

    if src.header.type != DSL_EXTEND or not src.header.parent:
        return None
    try:
        return DEFAULT_REGISTRY.get(src.header.parent)
    except UnknownBuiltinError:
        raise _refuse(
            src.filename, "", f"the strategy extends {src.header.parent!r}, not a built-in"
        ) from None


def _run_case(
    compiled: Compiled, src: StrategySource, case: Case, coverage: Coverage
) -> CaseResult:
    import vm
    from dslc.pipeline_trace import simulate_pipeline
    from dslc.simulate import simulate

    program = vm.load(compiled.data)
    parent = None if case.phase is not None else _parent_of(src)
    got: dict[str, Any]
    try:
        if parent is not None:
            s = vm.score(program, fields=case.fields, data=case.data, parent=parent)
            got = {"points": s.points, "case_name": s.case_name, "callback_data": s.callback_data}
        else:
            r = vm.run(
                program,
                phase=case.phase or "full",
                fields=case.fields,
                data=case.data,
                parent=case.parent,
            )
            got = r.as_dict()
    except vm.ExecutionError as exc:
        got = {"error": exc.code, "node_id": exc.node_id}
    # Coverage from the reference evaluator's trace (it agrees with the VM).
    try:
        if parent is not None:
            traces = simulate_pipeline(compiled.ast, parent, case.fields, case.data).traces
            entries = [e for phase in traces.values() for e in phase]
        else:
            sim = simulate(compiled.ast, case.phase or "full", case.fields, case.data, case.parent)
            entries = list(sim.trace or [])
    except vm.ExecutionError:
        entries = []
    for entry in entries:
        if entry.get("type") == "rule" and "branch" in entry:
            coverage.taken.setdefault(str(entry["nodeId"]), set()).add(str(entry["branch"]))
    return CaseResult(case, got, _compare(case.expect, got))


def _compare(expect: dict[str, Any], got: dict[str, Any]) -> list[str]:
    if "error" in expect:
        return [] if got.get("error") == expect["error"] else ["error"]
    if "error" in got:
        return list(expect)
    return [key for key in expect if not _equal(key, expect[key], got.get(key))]


def _equal(key: str, want: object, got: object) -> bool:
    if key == "points":
        if isinstance(want, bool) or isinstance(got, bool):
            return want is got
        return isinstance(want, int | float) and isinstance(got, int | float) and want == got
    return bool(want == got)


def _possible_outcomes(compiled: Compiled, src: StrategySource) -> Coverage:
    coverage = Coverage()
    program = compiled.ast
    for section in (program.rules, program.pre_rules, program.post_rules):
        for rule in section or ():
            outcomes = ["match", *(f"elseif:{i}" for i in range(len(rule.else_ifs)))]
            outcomes.append("else" if rule.else_ is not None else "skip")
            coverage.possible[rule.id] = tuple(outcomes)
            coverage.where[rule.id] = _where(src, rule)
    return coverage


def _where(src: StrategySource, rule: A.Rule) -> str:
    if src.text is not None and rule.loc.start >= 0:
        line, _col = line_col(src.text, rule.loc.start)
        return f"{src.filename}:{line}"
    if rule.loc.pointer:
        return f"{src.filename}:{rule.loc.pointer}"
    return src.filename


# -- reporting -----------------------------------------------------------------


def diff_lines(case_result: CaseResult) -> list[str]:
    """``- expected`` / ``+ got`` lines for each failing expectation."""
    out = []
    for key in case_result.failures:
        want = case_result.case.expect.get(key)
        got = case_result.got.get(key)
        out.append(f"    - {key}: {json.dumps(want, ensure_ascii=False, default=repr)}")
        out.append(f"    + {key}: {json.dumps(got, ensure_ascii=False, default=repr)}")
    if "error" in case_result.got and "error" not in case_result.failures:
        out.append(f"    (the run failed: {case_result.got['error']})")
    return out


def junit_xml(files: list[FileResult]) -> str:
    """The results as JUnit XML (one testsuite per test file)."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites")
    for fr in files:
        failed = sum(1 for r in fr.results if not r.passed)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=str(fr.test_file.path),
            tests=str(len(fr.results)),
            failures=str(failed),
        )
        for r in fr.results:
            case = ET.SubElement(
                suite, "testcase", name=r.case.name, classname=fr.test_file.strategy.name
            )
            if not r.passed:
                failure = ET.SubElement(case, "failure", message=f"{', '.join(r.failures)} differ")
                failure.text = "\n".join(diff_lines(r))
    return ET.tostring(root, encoding="unicode")


def as_json(files: list[FileResult]) -> dict[str, Any]:
    out = []
    for fr in files:
        covered, total = fr.coverage.counts()
        out.append(
            {
                "file": str(fr.test_file.path),
                "strategy": str(fr.test_file.strategy),
                "cases": [
                    {
                        "name": r.case.name,
                        "passed": r.passed,
                        "failures": r.failures,
                        "expected": r.case.expect,
                        "got": r.got,
                    }
                    for r in fr.results
                ],
                "coverage": {
                    "covered": covered,
                    "total": total,
                    "missing": fr.coverage.missing(),
                },
            }
        )
    return {"files": out}
