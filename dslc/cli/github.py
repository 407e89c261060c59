"""Diagnostics as GitHub Actions workflow commands (``dslc check --format
github``): each becomes an ``::error`` or ``::warning`` annotation on the
file, line and column, shown inline on a pull request's diff."""

from __future__ import annotations

from dslc.diagnostics import Diagnostic, line_col


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diag: Diagnostic, path: str, source: str | None) -> str:
    """One workflow command line for ``diag`` found in ``path``."""
    # GitHub's levels: a hint (dslc.analysis) is a notice
    level = {"error": "error", "warning": "warning"}.get(diag.severity.value, "notice")
    props = [f"file={_escape_property(diag.filename or path)}"]
    if source is not None and diag.start >= 0:
        line, col = line_col(source, diag.start)
        props += [f"line={line}", f"col={col}"]
        if diag.end > diag.start:
            end_line, end_col = line_col(source, diag.end)
            props += [f"endLine={end_line}", f"endColumn={end_col}"]
    props.append(f"title={_escape_property(diag.code)}")
    where = []
    if diag.pointer:
        where.append(diag.pointer)
    if diag.node_id:
        where.append(f"node {diag.node_id}")
    message = diag.message + (f" ({', '.join(where)})" if where else "")
    if diag.hint:
        message += f"\nhint: {diag.hint}"
    return f"::{level} {','.join(props)}::{_escape_data(message)}"
