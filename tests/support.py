"""Helpers every test package shares."""

from __future__ import annotations

import math


def same(a: object, b: object) -> bool:
    """Equality that keeps apart what the language keeps apart: 2 and 2.0,
    1 and True, 0.0 and -0.0, recursively through dicts, lists and tuples."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        assert isinstance(b, list | tuple)
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        assert isinstance(b, float)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return a == b
