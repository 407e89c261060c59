"""Input limits checked before any work is done.

A file or option larger than ``max_source_bytes()`` is refused before it is
decoded or parsed, so a hostile input costs a ``stat`` or a ``len``, not a
parse. The limit is configurable with the environment variable
``DSLC_MAX_SOURCE_BYTES`` (a positive number of bytes) or per call (the
``limit`` parameter of ``dslc.jsontext.loads`` and ``dslc.sources.read_source``).

The default, 8 MiB, is far above any valid program (a program has at most
1000 nodes, a few hundred kilobytes of JSON at most) and leaves room for a
GAME record that carries a Blockly workspace (the store accepts 4 MiB of XML).
The node and depth limits themselves are the language's (``dslc.validate``);
each front end stops as soon as one of them is passed.
"""

from __future__ import annotations

import os

ENV_MAX_SOURCE_BYTES = "DSLC_MAX_SOURCE_BYTES"
DEFAULT_MAX_SOURCE_BYTES = 8 << 20

# Python refuses to convert integers of more than 4300 digits (a guard against
# quadratic conversion); JSON numbers that long are refused with a location
# instead of a ValueError. No valid literal comes near: the VM's integers
# are at most 255 bytes (about 614 digits).
MAX_INT_DIGITS = 4300


def max_source_bytes(limit: int | None = None) -> int:
    """``limit`` when given, else ``DSLC_MAX_SOURCE_BYTES`` when it is a
    positive integer, else the default."""
    if limit is not None:
        return limit
    raw = os.environ.get(ENV_MAX_SOURCE_BYTES, "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return DEFAULT_MAX_SOURCE_BYTES
