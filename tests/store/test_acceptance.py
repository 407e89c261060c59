"""Issue 8 sections 5 and 6 at the store's API: anything a database would
refuse is ``InvalidPayload`` (never a database error), Python-built hostile
values are clear errors, and ``dslc check`` accepts exactly what the store
accepts (one set of rules: ``dslc.accept``)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dslc import codes
from dslc.diagnostics import CompileError
from dslc.sources import compile_source, read_strategy
from store.errors import InvalidDefinition, InvalidPayload, NotFound, StoreError
from store.loader import StrategyLoader
from store.service import StrategyService
from tests.store import programs

REALM = "accept"


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"type": "literal", "value": True}
    for _ in range(levels):
        value = {"type": "not", "arg": value}
    return {"type": "program", "rules": [{"type": "rule", "when": value, "then": []}]}


def test_a_python_built_ast_nested_100000_deep(service: StrategyService) -> None:
    with pytest.raises(InvalidPayload, match=codes.JSON_TOO_DEEP):
        service.create(REALM, {"name": "deep", "astJson": _deep(100_000)})
    assert service.list(REALM) == []


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b"])
@pytest.mark.parametrize(
    "field", ["astJson", "sourceText", "description", "name", "createdBy", "blocklyXml"]
)
def test_what_a_database_refuses_is_an_invalid_payload(
    service: StrategyService, field: str, bad: str
) -> None:
    payload: dict[str, Any] = {"name": "n", "astJson": programs.full(case="Case")}
    if field == "astJson":
        payload["astJson"]["rules"][0]["then"][0]["case_name"] = bad
    elif field == "sourceText":
        payload = {"name": "n", "sourceText": f"strategy n\n# {bad}\notherwise stop\n"}
    else:
        payload[field] = bad
    # On Postgres, U+0000 would reach the server as a raw DatabaseError.
    with pytest.raises(InvalidPayload) as info:
        service.create(REALM, payload)
    assert field in str(info.value)
    assert service.list(REALM) == []


def test_a_key_with_nul_is_refused_with_its_pointer(service: StrategyService) -> None:
    ast = programs.extend(overrides={"variable_\x00": 1})
    with pytest.raises(InvalidPayload, match=f"{codes.STRING_NUL} at /parent_variables/"):
        service.create(
            REALM,
            {"name": "k", "type": "DSL_EXTEND", "parentStrategyId": "default", "astJson": ast},
        )


def test_an_update_is_checked_the_same_way(service: StrategyService) -> None:
    row = service.create(REALM, {"name": "u", "astJson": programs.full()})
    with pytest.raises(InvalidPayload):
        service.update(REALM, row.id, {"description": "x\x00"})
    assert service.get(REALM, row.id).description is None


@pytest.mark.parametrize("status", [5, None.__class__, ["DRAFT"]])
def test_list_with_a_status_that_is_not_a_string(service: StrategyService, status: Any) -> None:
    with pytest.raises(InvalidPayload, match="invalid status"):
        service.list(REALM, status=status)


@pytest.mark.parametrize("ref", [None, 5, b"custom:x", ["default"]])
def test_load_with_a_reference_that_is_not_a_string(loader: StrategyLoader, ref: Any) -> None:
    with pytest.raises(InvalidPayload, match="a strategy id is a string"):
        loader.load(ref)


@pytest.mark.parametrize("version", [2**31, 10**20, 10**400])
def test_versions_no_row_can_have_are_not_found(service: StrategyService, version: int) -> None:
    service.create(REALM, {"name": "v", "astJson": programs.full()})
    with pytest.raises(NotFound):
        service.find(REALM, "v", version)
    with pytest.raises(NotFound):
        service.rollback(REALM, "v", version)


@pytest.mark.parametrize("version", [0, -1, True, "1", 1.0])
def test_versions_that_are_not_positive_integers(service: StrategyService, version: Any) -> None:
    with pytest.raises(InvalidPayload):
        service.rollback(REALM, "v", version)


@pytest.mark.parametrize("name", [None, 5, ["x"]])
def test_names_that_are_not_strings(service: StrategyService, name: Any) -> None:
    with pytest.raises(InvalidPayload):
        service.find(REALM, name)
    with pytest.raises(InvalidPayload):
        service.versions(REALM, name)


# -- section 6: dslc check accepts exactly what the store accepts ------------

TEXTS = {
    "typo": ("extends defualt\nafter parent\n rule r when data.a then set points to 1\n"),
    "dunder": 'extends "__class__"\nafter parent\n rule r when data.a then set points to 1\n',
    "no such variable": "extends default\nparent variables\n variable_nope = 1\n",
    "variables without extends": "parent variables\n variable_a = 1\notherwise stop\n",
    "nul": 'otherwise award 1 points as "a\\u0000"\n',
    "nul in a comment": "# \x00\notherwise stop\n",
    "surrogate": 'otherwise award 1 points as "\\udfff"\n',
    "fine": "extends default\nparent variables\n variable_bonus_points = 2\n",
    "alias": "extends constantEffort\n",
    "game's own built-in": "extends socio_bee\nparent variables\n variable_anything = 1\n",
}


def _check(tmp_path: Path, name: str, text: str) -> set[str]:
    path = tmp_path / f"{name.replace(' ', '_')}.strat"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        compile_source(read_strategy(path))
    except CompileError as exc:
        return {d.code for d in exc.errors}
    return set()


def _store(service: StrategyService, name: str, text: str) -> set[str]:
    try:
        service.create(REALM, {"name": name.replace(" ", "_"), "sourceText": text})
    except InvalidDefinition as exc:
        return {str(d["code"]) for d in exc.diagnostics if d.get("severity") == "error"}
    except StoreError as exc:
        return {type(exc).__name__}
    return set()


@pytest.mark.parametrize("case", sorted(TEXTS))
def test_check_and_the_store_agree(service: StrategyService, tmp_path: Path, case: str) -> None:
    text = f"strategy s\n{TEXTS[case]}"
    checked = _check(tmp_path, case, text)
    stored = _store(service, case, text)
    assert (checked == set()) == (stored == set()), (checked, stored)
    if case == "fine" or case == "alias" or case == "game's own built-in":
        assert checked == set()
    elif stored != {"InvalidPayload"}:
        assert checked == stored  # the same codes, from the same rules


def test_the_typo_gets_did_you_mean(tmp_path: Path) -> None:
    path = tmp_path / "t.strat"
    path.write_text("strategy t\nextends defualt\n", encoding="utf-8")
    with pytest.raises(CompileError) as info:
        compile_source(read_strategy(path))
    (diag,) = info.value.errors
    assert diag.code == codes.PARENT_UNKNOWN and diag.hint == "did you mean 'default'?"
    assert (diag.start, diag.end) == (len("strategy t\n"), len("strategy t\nextends defualt"))


def test_a_json_record_gets_the_same_parent_rules(tmp_path: Path) -> None:
    record = {
        "type": "DSL_EXTEND",
        "parentStrategyId": "defualt",
        "astJson": programs.extend(overrides={"variable_nope": 1}),
    }
    path = tmp_path / "r.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(CompileError) as info:
        compile_source(read_strategy(path))
    assert [(d.code, d.pointer) for d in info.value.errors] == [
        (codes.PARENT_UNKNOWN, "/parentStrategyId")
    ]
    record["parentStrategyId"] = "default"
    path.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(CompileError) as info:
        compile_source(read_strategy(path))
    assert [(d.code, d.pointer) for d in info.value.errors] == [
        (codes.PARENT_VARIABLE_UNKNOWN, "/astJson/parent_variables/variable_nope")
    ]


PARENTS = st.sampled_from(
    [None, "default", "defualt", "constantEffort", "socio_bee", "__class__", "Default"]
)
VARIABLES = st.dictionaries(
    st.sampled_from(["variable_bonus_points", "variable_nope", "variable_x", "variable_"]),
    st.one_of(st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False), st.text()),
    max_size=2,
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(parent=PARENTS, variables=VARIABLES, case=st.text(max_size=4))
def test_check_accepts_exactly_what_the_store_accepts(
    service: StrategyService,
    tmp_path_factory: pytest.TempPathFactory,
    parent: str | None,
    variables: dict[str, Any],
    case: str,
) -> None:
    from dslc.text.words import quote_string

    lines = ["strategy s"]
    if parent is not None:
        lines.append(f"extends {quote_string(parent)}")
    if variables:
        lines.append("parent variables")
        lines.extend(
            f"  {k} = {quote_string(v) if isinstance(v, str) else repr(v)}"
            for k, v in copy.deepcopy(variables).items()
        )
    section = "after parent" if parent is not None else ""
    lines.append(f"{section}\n rule r when data.a then set case name to {quote_string(case)}")
    text = "\n".join(lines) + "\n"
    checked = _check(tmp_path_factory.mktemp("h"), "h", text)
    stored = _store(service, f"h{abs(hash(text))}", text)
    assert (checked == set()) == (stored == set()), (text, checked, stored)
