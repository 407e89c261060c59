"""``dslc disasm`` and ``dslc verify``."""

from __future__ import annotations

import sys

import click

from dslc import codes
from dslc.cli.common import fail, fail_compile
from dslc.diagnostics import CompileError
from dslc.report import echo_error
from dslc.sources import compile_source, kind_of, read_source, read_strategy
from vm.disasm import disassemble
from vm.errors import VerifyError
from vm.image import Image, decode
from vm.verify import verify


def _image_of(path: str) -> Image:
    try:
        if kind_of(path) != "image":
            return compile_source(read_strategy(path)).image
        data = read_source(path).data
    except CompileError as exc:
        fail_compile(exc)
    assert data is not None
    try:
        image = decode(data)
        verify(image)
    except VerifyError as exc:
        fail(codes.IMAGE_INVALID, f"not a valid image: {exc}", path)
    return image


@click.command("disasm")
@click.argument("file", type=click.Path(dir_okay=False))
def disasm_command(file: str) -> None:
    """Print the bytecode of FILE (an .sbc image, or a source compiled first)."""
    click.echo(disassemble(_image_of(file)))


@click.command("verify")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def verify_command(files: tuple[str, ...]) -> None:
    """Check that each image FILE is well formed and safe to run."""
    bad = 0
    for path in files:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            echo_error(codes.FILE_UNREADABLE, f"cannot read: {exc.strerror}", path)
            bad += 1
            continue
        try:
            facts = verify(decode(data))
        except VerifyError as exc:
            echo_error(codes.IMAGE_INVALID, str(exc), path)
            bad += 1
            continue
        steps = ", ".join(f"{p} {s.max_steps}" for p, s in facts.sections.items())
        click.echo(f"{path}: ok ({len(data)} bytes; longest path in steps: {steps})")
    if bad:
        sys.exit(1)


COMMANDS = [disasm_command, verify_command]
