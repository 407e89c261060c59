"""The one strategy reader (``dslc.sources``): every input kind to one typed
result, used alike by ``dslc`` commands and the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslc import codes, sources
from dslc.cli import cli
from dslc.diagnostics import CompileError
from dslc.sources import Header, NotAStrategy, StrategySource
from store import toolchain
from store.errors import InvalidPayload, NotStrategies

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PROGRAM = json.loads((EXAMPLES / "speed_bonus.json").read_text(encoding="utf-8"))


def _write(path: Path, value: object) -> Path:
    path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")
    return path


def test_a_bare_program(tmp_path: Path) -> None:
    src = sources.read_strategy(_write(tmp_path / "bonus.json", PROGRAM))
    assert (src.kind, src.ast, src.text, src.record) == ("json", PROGRAM, None, {})
    assert src.header == Header("DSL_FULL", None, PROGRAM.get("id"))
    assert src.name == (PROGRAM.get("id") or "bonus")


def test_a_game_record(tmp_path: Path) -> None:
    record = {
        "name": "Weekend",
        "type": "DSL_EXTEND",
        "parentStrategyId": "default",
        "description": "x",
        "astJson": PROGRAM,
    }
    src = sources.read_strategy(_write(tmp_path / "rec.json", record))
    assert (src.kind, src.ast, src.text) == ("record", PROGRAM, None)
    assert src.header == Header("DSL_EXTEND", "default", "Weekend")
    assert src.record == {k: v for k, v in record.items() if k != "astJson"}


def test_a_text_program_with_a_byte_order_mark(tmp_path: Path) -> None:
    text = (
        "strategy Fast\nextends default\n\n"
        "after parent\n    rule r when true then set points to 1\n"
    )
    path = tmp_path / "fast.strat"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    src = sources.read_strategy(path)
    assert (src.kind, src.text, src.ast) == ("text", text, None)
    assert src.header == Header("DSL_EXTEND", "default", "Fast")
    assert src.program_json()["type"] == "program"


def test_a_list_of_records_and_an_events_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "export.json", [{"name": "A", "astJson": PROGRAM}, PROGRAM])
    first, second = sources.read_strategies(path)
    assert (first.kind, first.where, second.kind, second.where) == (
        "record",
        f"{path}[0]",
        "json",
        f"{path}[1]",
    )
    with pytest.raises(CompileError) as many:
        sources.read_strategy(path)
    assert many.value.diagnostics[0].code == codes.NOT_A_STRATEGY
    assert "holds 2 strategies" in many.value.diagnostics[0].message

    events = _write(tmp_path / "events.json", [{"fields": {}, "data": {}}])
    with pytest.raises(NotAStrategy) as skipped:
        sources.read_strategies(events)
    assert "events" in skipped.value.reason
    with pytest.raises(NotStrategies):
        toolchain.read_strategies(events)


def test_errors_are_located(tmp_path: Path) -> None:
    with pytest.raises(CompileError) as bad:
        sources.read_strategy(_write(tmp_path / "bad.json", '{\n  "type": }'))
    (diag,) = bad.value.diagnostics
    assert (diag.code, diag.filename, diag.start) == (
        codes.JSON_SYNTAX,
        str(tmp_path / "bad.json"),
        12,
    )
    assert bad.value.render().startswith(f"{tmp_path / 'bad.json'}:2:11: error[DSLC_JSON_SYNTAX]")

    with pytest.raises(CompileError) as shape:
        sources.read_strategies(_write(tmp_path / "s.json", [{"name": "A", "astJson": [1]}]))
    assert (shape.value.diagnostics[0].pointer, shape.value.diagnostics[0].code) == (
        "/0/astJson",
        codes.NODE_NOT_OBJECT,
    )

    # The store gets the same diagnostics, as its own error type.
    with pytest.raises(InvalidPayload) as stored:
        toolchain.read_strategy(tmp_path / "bad.json")
    assert "bad.json:2:11: error[DSLC_JSON_SYNTAX]" in str(stored.value)
    assert stored.value.errors[0]["line"] == 2


def test_an_unknown_suffix_is_sniffed() -> None:
    assert sources.parse_strategy("<stdin>", json.dumps(PROGRAM)).kind == "json"
    assert (
        sources.parse_strategy("<stdin>", 'rule r when true then award 1 points as "A"\n').kind
        == "text"
    )


def test_another_input_kind_plugs_in_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_xml(filename: str, text: str) -> list[StrategySource]:
        return [StrategySource(filename, "xml", Header(name="x"), ast=PROGRAM, where=filename)]

    monkeypatch.setitem(sources.READERS, ".xml", read_xml)
    path = _write(tmp_path / "w.xml", "<xml/>")
    assert sources.read_strategy(path).kind == "xml"
    # ... and every command reads it.
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 0, result.output


def test_check_compile_and_run_read_a_record(tmp_path: Path) -> None:
    """One reader: a GAME record compiles to the bytes of its program."""
    program = _write(tmp_path / "p.json", PROGRAM)
    record = _write(tmp_path / "r.json", {"name": "R", "astJson": PROGRAM})
    runner = CliRunner()
    assert runner.invoke(cli, ["check", str(record)]).exit_code == 0
    outputs = []
    for path in (program, record):
        out = tmp_path / f"{path.stem}.sbc"
        assert runner.invoke(cli, ["compile", str(path), "-o", str(out)]).exit_code == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert sources.compile_source(sources.read_strategy(record)).data == outputs[0]
