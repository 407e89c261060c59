"""Small programs and payloads shared by the store tests."""

from __future__ import annotations

from typing import Any


def full(points: int | float = 1, case: str = "Case") -> dict[str, Any]:
    """A DSL_FULL program that always assigns ``points``."""
    return {
        "type": "program",
        "rules": [
            {
                "type": "rule",
                "when": {"type": "literal", "value": True},
                "then": [
                    {
                        "type": "assign_points",
                        "value": {"type": "literal", "value": points},
                        "case_name": case,
                    }
                ],
            }
        ],
    }


def extend(factor: float = 2, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """A DSL_EXTEND program multiplying the parent's points by ``factor``."""
    program: dict[str, Any] = {
        "type": "program",
        "rules": [],
        "post_rules": [
            {
                "type": "rule",
                "when": {"type": "literal", "value": True},
                "then": [
                    {
                        "type": "set_points",
                        "value": {
                            "type": "arith",
                            "op": "*",
                            "left": {"type": "field", "path": "parent.points"},
                            "right": {"type": "literal", "value": factor},
                        },
                    }
                ],
            }
        ],
    }
    if overrides is not None:
        program["parent_variables"] = overrides
    return program


def broken() -> dict[str, Any]:
    """A program that does not compile (a field outside the sandbox)."""
    program = full()
    program["rules"][0]["when"] = {"type": "field", "path": "os.system"}
    return program


def create(name: str = "Bonus", points: int | float = 1, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"name": name, "astJson": full(points)}
    payload.update(extra)
    return payload
