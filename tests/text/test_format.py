"""The formatter: one canonical layout, comments kept, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest

from dslc.diagnostics import CompileError
from dslc.text import format_text

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.strat"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_are_formatted_and_formatting_is_idempotent(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert format_text(source) == source
    squashed = " ".join(
        line.strip() for line in source.splitlines() if not line.strip().startswith("#")
    )
    once = format_text(squashed)
    assert format_text(once) == once


def test_a_messy_file_in_the_canonical_layout() -> None:
    messy = (
        "# Weekend bonus\n"
        "\n"
        "strategy   weekend   extends default\n"
        "parent variables variable_basic_points=2   # two\n"
        'after parent rule "post" when data.is_weekend then\n'
        '  set points to parent.points*1.50 set case name to "Weekend"  # renamed\n'
        "  # the other days\n"
        "  else when ((parent.case_name == null)) then stop\n"
    )
    assert format_text(messy) == (
        "# Weekend bonus\n"
        "\n"
        "strategy weekend\n"
        "extends default\n"
        "\n"
        "parent variables\n"
        "    variable_basic_points = 2  # two\n"
        "\n"
        "after parent\n"
        "    rule post\n"
        "        when data.is_weekend then\n"
        "            set points to parent.points * 1.5\n"
        '            set case name to "Weekend"  # renamed\n'
        "        # the other days\n"
        "        else when parent.case_name == null then\n"
        "            stop\n"
    )


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("data.a and data.b or data.c", "(data.a and data.b) or data.c"),
        ("not data.x > 1", "not (data.x > 1)"),
        ("not not data.x", "not not data.x"),
        ("all(data.a, data.b)", "data.a and data.b"),
        ("any(data.a)", "any(data.a)"),
        ("(data.a and data.b) and data.c", "(data.a and data.b) and data.c"),
        ("((data.x))", "data.x"),
        ("data.x - (1 - 2) > (3 * 4) + 5", "data.x - (1 - 2) > 3 * 4 + 5"),
        ("(data.x + 1) * 2 > - 5", "(data.x + 1) * 2 > -5"),
        ("data.x > 1.50", "data.x > 1.5"),
        ("data.x > 1e3", "data.x > 1000.0"),
        ("data.x > 1E-7", "data.x > 1e-07"),
        ("data.x > 007", "data.x > 7"),
        ('data.s == "caf\\u00e9\\/"', 'data.s == "café/"'),
        ('field("user.avg_time") > 0', "user.avg_time > 0"),
        ("min(data.x,2)>=max(1,int(data.y))", "min(data.x, 2) >= max(1, int(data.y))"),
    ],
)
def test_canonical_forms(written: str, canonical: str) -> None:
    assert format_text(f"rule r when {written} then stop") == (
        f"rule r\n    when {canonical} then\n        stop\n"
    )


def test_names_are_quoted_only_when_they_must_be() -> None:
    source = 'strategy "s1"\nrule "plain" when true then set callback "with space" to 1\n'
    assert format_text(source) == (
        'strategy s1\n\nrule plain\n    when true then\n        set callback "with space" to 1\n'
    )


def test_a_long_condition_is_split_before_each_operator() -> None:
    cond = " and ".join(f"user.measurements_count > {i}" for i in range(5))
    out = format_text(
        f"rule r when {cond} then stop else when {cond.replace('and', 'or')} then stop"
    )
    assert out == (
        "rule r\n"
        "    when user.measurements_count > 0\n"
        "     and user.measurements_count > 1\n"
        "     and user.measurements_count > 2\n"
        "     and user.measurements_count > 3\n"
        "     and user.measurements_count > 4\n"
        "    then\n"
        "        stop\n"
        "    else when user.measurements_count > 0\n"
        "           or user.measurements_count > 1\n"
        "           or user.measurements_count > 2\n"
        "           or user.measurements_count > 3\n"
        "           or user.measurements_count > 4\n"
        "    then\n"
        "        stop\n"
    )
    assert format_text(out) == out


def test_sections_and_blank_lines() -> None:
    source = (
        "extends default before parent after parent rule a when true then stop "
        "rule b when true then stop"
    )
    assert format_text(source) == (
        "extends default\n"
        "\n"
        "before parent\n"
        "\n"
        "after parent\n"
        "    rule a\n"
        "        when true then\n"
        "            stop\n"
        "\n"
        "    rule b\n"
        "        when true then\n"
        "            stop\n"
    )


def test_comments_move_with_what_they_describe() -> None:
    source = (
        "rule a  # first\n"
        "    when data.x  # the flag\n"
        "     and data.y then\n"
        "        # why we stop\n"
        "        stop\n"
        "    else\n"
        "        stop  # done\n"
        "# about b\n"
        "rule b\n"
        "    when true then\n"
        "        stop\n"
        "\n"
        "# trailing remarks\n"
    )
    assert format_text(source) == (
        "rule a  # first\n"
        "    when data.x and data.y then  # the flag\n"
        "        # why we stop\n"
        "        stop\n"
        "    else\n"
        "        stop  # done\n"
        "\n"
        "# about b\n"
        "rule b\n"
        "    when true then\n"
        "        stop\n"
        "\n"
        "# trailing remarks\n"
    )


def test_a_comment_inside_a_condition_goes_above_it() -> None:
    source = "rule a\n    when data.x\n    # inside\n     and data.y then\n        stop\n"
    out = format_text(source)
    assert out == "rule a\n    # inside\n    when data.x and data.y then\n        stop\n"
    assert format_text(out) == out


def test_empty_and_comment_only_files() -> None:
    assert format_text("") == ""
    assert format_text("\n\n   \n") == ""
    assert format_text("# just a note\n\n\n# another\n") == "# just a note\n\n# another\n"


def test_a_file_that_does_not_parse_is_not_formatted() -> None:
    with pytest.raises(CompileError):
        format_text("rule r when x = 1 then stop")


def test_semantic_errors_do_not_stop_the_formatter() -> None:
    assert format_text('rule r when user.avg_tme>1 then veto as "V"') == (
        'rule r\n    when user.avg_tme > 1 then\n        veto as "V"\n'
    )


def test_windows_line_endings_and_a_byte_order_mark() -> None:
    source = "\ufeff# note\r\nrule r\r\n    when data.x > 1 then  # why\r\n        stop\r\n"
    assert format_text(source) == (
        "# note\nrule r\n    when data.x > 1 then  # why\n        stop\n"
    )
