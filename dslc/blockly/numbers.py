"""Numbers as GAME's dashboard sees them: JavaScript doubles.

A number block's field holds a JavaScript number; the dashboard's generator
turns it into JSON with ``JSON.stringify``, and the store parses that JSON in
Python. So ``"2.0"`` comes back as the integer 2, ``"1.5"`` as a float, an
integer beyond 2^53 rounded, and ``1e21`` as a float (JavaScript writes it in
exponent form). These functions model that path exactly, in both directions.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

# JavaScript's ``Number()`` accepts more (hex, "Infinity", surrounding
# whitespace); the dashboard only ever stores decimal text, so anything else
# is refused rather than guessed at.
DECIMAL_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

# ``Number.prototype.toString`` switches to exponent form from 1e21 on, and
# ``JSON.stringify`` writes what it does: Python then reads a float.
_JS_EXPONENT_FROM = 1e21


class NotANumber(ValueError):
    """The text is not a finite decimal number."""


def json_value(number: float) -> int | float:
    """The value Python reads from ``JSON.stringify(number)``."""
    if not math.isfinite(number):
        raise NotANumber("not a finite number")
    if number.is_integer() and abs(number) < _JS_EXPONENT_FROM:
        # JavaScript prints the shortest digits that identify the double and
        # pads with zeros (2**60 prints as 1152921504606847000), which is what
        # Python's repr gives before the exponent is applied.
        return int(Decimal(repr(number)))
    return number


def parse_number(text: str) -> int | float:
    """A number field's text as the dashboard's generator turns it into JSON.

    Empty text is 0 (Blockly's number field reads ``Number("" || 0)``).
    Raises NotANumber for anything that is not a finite decimal number.
    """
    stripped = text.strip()
    if stripped == "":
        return 0
    if not DECIMAL_RE.fullmatch(stripped):
        raise NotANumber("not a decimal number")
    return json_value(float(stripped))


def js_text(value: int | float) -> str:
    """``String(value)`` in JavaScript, for a value that is a double exactly.

    This is the text Blockly writes for a number field.
    """
    number = float(value)
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    digits, exponent = _shortest_digits(abs(number))
    k = len(digits)
    n = exponent + k  # the value is 0.DIGITS * 10**n
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def _shortest_digits(number: float) -> tuple[str, int]:
    """The shortest decimal digits identifying ``number`` (> 0) and the
    exponent of their last digit (Python's repr finds the same digits as
    JavaScript's algorithm)."""
    _, digits, exponent = Decimal(repr(number)).as_tuple()
    text = "".join(map(str, digits))
    stripped = text.rstrip("0")
    assert isinstance(exponent, int)
    return stripped, exponent + (len(text) - len(stripped))


def survives(value: int | float) -> bool:
    """Whether a number block can carry ``value``: written as Blockly writes
    it and read back, it is the same value of the same type."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    try:
        number = float(value)
    except OverflowError:
        return False
    back = json_value(number)
    # -0.0 is integral: it reads back as the integer 0, a different type; a
    # float that comes back as a float is non-integral, so its sign survives.
    return type(back) is type(value) and back == value
