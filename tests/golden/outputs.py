"""What the golden files hold: each example's stages as the CLI prints them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from dslc.cli import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent

# golden file suffix -> the command that prints it (FILE is the example)
COMMANDS: dict[str, tuple[str, ...]] = {
    ".ir": ("compile", "--quiet", "--emit", "ir"),
    ".optimized": ("compile", "--quiet", "--emit", "optimized"),
    ".asm": ("disasm",),
}


def examples() -> list[Path]:
    return sorted(EXAMPLES.glob("*.strat"))


def output(example: Path, suffix: str) -> str:
    """The command's standard output; an error is a failure, not a golden."""
    result = CliRunner().invoke(cli, [*COMMANDS[suffix], str(example)])
    if result.exit_code != 0:
        raise AssertionError(f"{example.name} {suffix}: {result.output}{result.stderr}")
    return result.stdout


def golden_path(example: Path, suffix: str) -> Path:
    return GOLDEN / f"{example.stem}{suffix}"
