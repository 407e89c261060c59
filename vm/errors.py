"""Errors raised by the vm package."""

from __future__ import annotations


class VerifyError(Exception):
    """An image is malformed, tampered with, truncated or unsafe to run.

    ``offset`` is the code offset of the offending instruction when the
    problem is in the code, else None.
    """

    def __init__(self, message: str, offset: int | None = None) -> None:
        self.offset = offset
        where = f" at code offset {offset}" if offset is not None else ""
        super().__init__(f"{message}{where}")


class ExecutionError(Exception):
    """A runtime failure of a strategy, with a stable code and the node id."""

    def __init__(
        self,
        code: str,
        node_id: str | None,
        message: str = "",
        operands: tuple[object, ...] = (),
    ) -> None:
        self.code = code
        self.node_id = node_id
        self.detail = message
        # The values the failing operation was given (operands of a compare
        # or an arithmetic, the value of a statement), when known.
        self.operands = operands
        where = f" at node {node_id}" if node_id else ""
        super().__init__(f"{code}{where}" + (f": {message}" if message else ""))


# Runtime error codes (LANGUAGE.md section 5).
COMPARE_TYPE_MISMATCH = "DSL_COMPARE_TYPE_MISMATCH"
ARITH_TYPE_MISMATCH = "DSL_ARITH_TYPE_MISMATCH"
ARITH_DIV_BY_ZERO = "DSL_ARITH_DIV_BY_ZERO"
ARITH_OUT_OF_RANGE = "DSL_ARITH_OUT_OF_RANGE"
ASSIGN_POINTS_NOT_NUMBER = "DSL_ASSIGN_POINTS_NOT_NUMBER"
SET_POINTS_NOT_NUMBER = "DSL_SET_POINTS_NOT_NUMBER"
SET_CASE_NAME_NOT_STRING = "DSL_SET_CASE_NAME_NOT_STRING"
LIMIT_EXCEEDED = "DSL_LIMIT_EXCEEDED"
# Not in LANGUAGE.md's table: the host's side of the contract (docs/bytecode.md).
HOST_VALUE_ERROR = "DSL_HOST_VALUE_ERROR"  # a host value's method raised in an operation
INTERNAL = "DSL_INTERNAL"  # a bug in the VM (an opcode without a handler): never expected
