"""Running ``dslc`` as a user does, in-process."""

from __future__ import annotations

from click.testing import CliRunner

from dslc.cli import cli


def dslc(*args: str, input: str | None = None) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``dslc ARGS``."""
    result = CliRunner().invoke(
        cli, list(args), input=input, prog_name="dslc", catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr
