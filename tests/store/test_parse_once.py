"""Issue 8 section 4: the store parses a text program once, and refuses a
hostile one before building any tree."""

from __future__ import annotations

import pytest

from dslc import codes
from dslc.text import compile as text_compile
from store.errors import InvalidDefinition, InvalidPayload
from store.service import StrategyService

EXAMPLE = 'strategy once\notherwise award 1 points as "x"\n'


def test_a_text_program_is_parsed_once(
    service: StrategyService, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = text_compile.parse_built

    def counting(source: str, filename: str | None = None) -> object:
        calls.append(source)
        return real(source, filename)

    monkeypatch.setattr(text_compile, "parse_built", counting)
    from dslc.text import convert, parse

    monkeypatch.setattr(parse, "parse_built", counting)
    monkeypatch.setattr(convert, "parse_text", lambda *a: pytest.fail("parsed twice"))
    row = service.create("once", {"name": "once", "sourceText": EXAMPLE})
    assert len(calls) == 1
    assert row.astJson["default"]["case_name"] == "x"


def test_a_hostile_text_is_refused_with_the_node_limit(service: StrategyService) -> None:
    source = "strategy h\nrule r when " + " and ".join(["data.a"] * 80_000) + " then stop\n"
    with pytest.raises((InvalidDefinition, InvalidPayload)) as info:
        service.create("once", {"name": "h", "sourceText": source})
    assert codes.NODE_LIMIT in str(info.value) or "1048576" in str(info.value)
