"""``dslc run`` prints valid JSON (RFC 8259) or fails with
DSLC_RESULT_NOT_JSON and the place of the value: never ``NaN`` or
``Infinity``, which Python's json module writes and no parser accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli.support import dslc


def _refuse(token: str) -> Any:
    raise AssertionError(f"not JSON: {token}")


def strict_loads(text: str) -> Any:
    return json.loads(text, parse_constant=_refuse)


def _field(path: str) -> dict[str, object]:
    return {"type": "field", "path": path}


PROGRAM = {
    "type": "program",
    "rules": [
        {
            "type": "rule",
            "when": _field("data.flag"),
            "then": [
                {"type": "set_callback_data", "key": "seen", "value": _field("data.y")},
                {"type": "assign_points", "value": _field("data.x"), "case_name": "r"},
            ],
        }
    ],
    "default": {
        "type": "assign_points",
        "value": {"type": "literal", "value": 1},
        "case_name": "d",
    },
}


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("run") / "p.json"
    path.write_text(json.dumps(PROGRAM), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("data", "pointer"),
    [
        ('{"flag": 1, "x": 1e400}', "/points"),
        ('{"flag": 1, "x": -1e400}', "/points"),
        ('{"flag": 1, "x": 2, "y": 1e999}', "/callback_data/seen"),
        ('{"flag": 1, "x": 2, "y": [1, {"a/b": -1e999}]}', "/callback_data/seen/1/a~1b"),
    ],
)
def test_a_non_finite_number_in_the_result_is_an_error_naming_its_place(
    program: str, data: str, pointer: str
) -> None:
    code, out, err = dslc("run", program, "--data", data)
    assert code == 1 and out == ""
    # dslc's one error style: the place (file and JSON pointer), then the code
    assert f"{program}:{pointer}: error[DSLC_RESULT_NOT_JSON]:" in err


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused_when_read(program: str, word: str) -> None:
    # Not JSON (Python's parser reads them): refused with their place.
    code, out, err = dslc("run", program, "--data", f'{{"flag": 1, "x": {word}}}')
    assert code == 1 and out == ""
    assert "--data: " in err and "DSLC_JSON_SYNTAX" in err and "column 18" in err


def test_the_trace_is_checked_too(program: str) -> None:
    code, out, err = dslc("run", program, "--data", '{"flag": 1e400, "x": 1}', "--trace")
    assert code == 1 and out == ""
    assert f"{program}:/trace/" in err and "error[DSLC_RESULT_NOT_JSON]" in err


def test_a_finite_result_is_printed(program: str) -> None:
    code, out, _ = dslc("run", program, "--data", '{"flag": 1, "x": 1e300, "y": [1.5]}')
    assert code == 0
    result = strict_loads(out)
    assert (result["points"], result["callback_data"]) == (1e300, {"seen": [1.5]})


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=5,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({"flag": json_values, "x": json_values, "y": json_values}))
def test_output_is_always_valid_json_or_a_coded_error(program: str, data: dict[str, Any]) -> None:
    # json.dumps writes NaN/Infinity tokens, which --data refuses (not JSON);
    # written as 1e999 and -1e999, an infinity reaches the program.
    text = json.dumps(data).replace("-Infinity", "-1e999").replace("Infinity", "1e999")
    code, out, err = dslc("run", program, "--data", text)
    if code == 0:
        strict_loads(out)
    else:
        assert code == 1 and out == ""
        assert (
            "error[DSLC_RESULT_NOT_JSON]" in err
            or "error[DSL_" in err
            or ("NaN" in text and "DSLC_JSON_SYNTAX" in err)
        ), err


@pytest.mark.parametrize("parent", ['{"callback_data": [1]}', '{"callback_data": "ab"}'])
def test_a_parent_of_the_wrong_shape_is_an_error_naming_it(program: str, parent: str) -> None:
    """Issue 8: this reached exit status 70 (an internal error)."""
    code, out, err = dslc("run", program, "--phase", "post", "--parent", parent)
    assert code == 1 and out == ""
    assert "--parent: error[DSLC_USAGE]: parent['callback_data'] must be a mapping or None" in err
