"""dslc.analysis: one test per warning, with its code and location."""

from __future__ import annotations

import json
from pathlib import Path

from dslc.diagnostics import Diagnostic, Severity, line_col
from dslc.sources import compile_source, read_strategy
from dslc.text.compile import compile_text_stages


def _found(source: str) -> list[tuple[str, str, int, int]]:
    """(severity, code, line, column) of every analysis diagnostic."""
    compiled = compile_text_stages(source, "t.strat")
    return [_where(d, source) for d in compiled.diagnostics if d.code.startswith(_CODES)]


_CODES = (
    "DSLC_CONDITION_ALWAYS",
    "DSLC_BRANCH_SHADOWED",
    "DSLC_RULE_UNREACHABLE",
    "DSLC_DATA_KEY_UNWRITTEN",
)


def _where(d: Diagnostic, source: str) -> tuple[str, str, int, int]:
    line, col = line_col(source, d.start)
    return (d.severity.value, d.code, line, col)


def _messages(source: str) -> list[str]:
    compiled = compile_text_stages(source, "t.strat")
    return [d.message for d in compiled.diagnostics if d.code.startswith(_CODES)]


SHADOWED = """strategy s
rule tiers
    when user.avg_time < 10 then
        award 2 points as "Fast"
    else when user.avg_time < 5 then
        award 3 points as "Faster"
    else when user.avg_time >= 10 and user.avg_time <= 20 then
        award 1 points as "Ok"
    else when user.avg_time == 15 then
        award 1 points as "Never"
otherwise award 0 points as "none"
"""


def test_a_branch_shadowed_by_an_earlier_one() -> None:
    assert _found(SHADOWED) == [
        ("warning", "DSLC_BRANCH_SHADOWED", 5, 15),
        ("warning", "DSLC_BRANCH_SHADOWED", 9, 15),
    ]
    first = _messages(SHADOWED)[0]
    assert first == (
        "this branch of rule 'tiers' never runs: whenever user.avg_time < 5 holds, "
        "an earlier branch on user.avg_time holds first"
    )


def test_branches_that_are_not_covered_are_not_reported() -> None:
    source = """strategy s
rule tiers
    when user.avg_time < 5 then
        award 3 points as "Faster"
    else when user.avg_time <= 5 then
        award 2 points as "Edge"
    else when all.avg_time < 5 then
        award 1 points as "Other field"
"""
    assert _found(source) == []


def test_conditions_always_true_or_false() -> None:
    source = """strategy s
rule never
    when user.avg_time < 5 and user.avg_time > 10 then
        award 1 points as "A"
rule literal
    when 1 > 2 or user.avg_time > 3 then
        award 2 points as "B"
rule always
    when not (2 > 3) then
        award 3 points as "C"
"""
    assert _found(source) == [
        ("warning", "DSLC_CONDITION_ALWAYS_FALSE", 3, 10),
        ("warning", "DSLC_CONDITION_ALWAYS_FALSE", 6, 10),
        ("warning", "DSLC_CONDITION_ALWAYS_TRUE", 9, 10),
    ]
    assert _messages(source)[0] == (
        "the condition (user.avg_time < 5 and user.avg_time > 10) is always false"
    )


def test_a_bare_true_rule_condition_is_meant() -> None:
    source = """strategy s
rule always
    when true then
        set callback seen to 1
"""
    assert _found(source) == []


def test_rules_after_a_rule_that_always_decides() -> None:
    source = """strategy s
rule split
    when user.avg_time < 5 then
        award 1 points as "A"
    else
        award 2 points as "B"
rule later
    when user.avg_time > 1 then
        award 3 points as "C"
otherwise award 0 points as "none"
"""
    assert _found(source) == [
        ("warning", "DSLC_RULE_UNREACHABLE", 7, 1),
        ("warning", "DSLC_RULE_UNREACHABLE", 10, 11),
    ]
    assert _messages(source)[0] == "rule 'later' never runs: rule 'split' before it always decides"


def test_a_rule_that_does_not_always_halt_decides_nothing() -> None:
    source = """strategy s
rule split
    when user.avg_time < 5 then
        award 1 points as "A"
    else
        set callback slow to 1
rule later
    when user.avg_time > 1 then
        award 3 points as "C"
"""
    assert _found(source) == []


def test_a_post_rule_reading_data_no_pre_rule_writes_is_a_hint() -> None:
    source = """strategy s
extends default
before parent
    rule mark
        when data.x > 1 then
            set data bonus to 2
after parent
    rule use
        when data.bonsu > 1 then
            set points to parent.points * data.bonus
"""
    assert _found(source) == [("hint", "DSLC_DATA_KEY_UNWRITTEN", 9, 14)]
    compiled = compile_text_stages(source, "t.strat")
    assert not any(d.severity is Severity.WARNING for d in compiled.diagnostics)


def test_a_post_rule_reading_event_data_without_pre_writes_is_fine() -> None:
    source = """strategy s
extends default
before parent
    rule look
        when data.hour < 6 then
            set data early to true
after parent
    rule use
        when data.hour < 9 then
            set points to parent.points + 1
"""
    assert _found(source) == []  # data.hour: read by a pre rule, so the event has it
    no_pre = """strategy s
extends default
after parent
    rule use
        when data.is_weekend then
            set points to parent.points * 2
"""
    assert _found(no_pre) == []


def test_an_override_of_a_variable_the_parent_never_reads(tmp_path: Path) -> None:
    source = """strategy s
extends constantEffort
parent variables
    variable_max_points = 50
    variable_bonus_points = 25
after parent
    rule use
        when parent.points > 1 then
            set points to parent.points
"""
    path = tmp_path / "s.strat"
    path.write_text(source, encoding="utf-8")
    compiled = compile_source(read_strategy(path))
    found = [
        (d.severity.value, d.code, *line_col(source, d.start), d.message)
        for d in compiled.diagnostics
        if d.code == "DSLC_PARENT_VARIABLE_UNREAD"
    ]
    assert found == [
        (
            "warning",
            "DSLC_PARENT_VARIABLE_UNREAD",
            5,
            5,
            "built-in 'constantEffort' never reads 'variable_bonus_points': "
            "overriding it changes nothing",
        )
    ]


def test_an_unread_override_in_a_game_record_is_located_by_pointer(tmp_path: Path) -> None:
    record = {
        "name": "r",
        "type": "DSL_EXTEND",
        "parentStrategyId": "constantEffortStrategy",
        "astJson": {
            "type": "program",
            "rules": [],
            "parent_variables": {"variable_basic_points": 3},
        },
    }
    path = tmp_path / "r.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    compiled = compile_source(read_strategy(path))
    [warning] = [d for d in compiled.diagnostics if d.code == "DSLC_PARENT_VARIABLE_UNREAD"]
    assert warning.severity is Severity.WARNING
    assert warning.pointer == "/astJson/parent_variables/variable_basic_points"
