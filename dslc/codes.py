"""Stable diagnostic codes. One registry: every code any stage emits is here.

The five codes the reference engine gives are kept as they are (``DSL_*``);
codes of this project are ``DSLC_*``. Codes are never renamed or reused: tools
and CI configurations match on them. Add new ones at the end of their group.
"""

from __future__ import annotations

# -- kept from the reference engine ------------------------------------------
FIELD_PATH_NOT_ALLOWED = "DSL_FIELD_PATH_NOT_ALLOWED"
PARENT_FIELD_OUTSIDE_POST = "DSL_PARENT_FIELD_OUTSIDE_POST"
FUNC_NAME_NOT_ALLOWED = "DSL_FUNC_NAME_NOT_ALLOWED"
FUNC_ARITY_MISMATCH = "DSL_FUNC_ARITY_MISMATCH"
ARITH_OP_NOT_ALLOWED = "DSL_ARITH_OP_NOT_ALLOWED"

# -- checker: types certain at compile time (warnings for JSON, errors for text)
TYPE_COMPARE = "DSLC_TYPE_COMPARE"
TYPE_ARITH = "DSLC_TYPE_ARITH"
TYPE_ASSIGN_POINTS = "DSLC_TYPE_ASSIGN_POINTS"
TYPE_SET_POINTS = "DSLC_TYPE_SET_POINTS"
TYPE_SET_CASE_NAME = "DSLC_TYPE_SET_CASE_NAME"
DIV_BY_ZERO = "DSLC_DIV_BY_ZERO"
OUT_OF_RANGE = "DSLC_OUT_OF_RANGE"
UNREACHABLE = "DSLC_UNREACHABLE"
