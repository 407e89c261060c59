"""The pipeline from a surface AST to image bytes, and its stages on demand.

    AST --fill_ids--> AST --validate--> AST --check--> IR --optimize--> IR
        --generate--> Image --encode--> bytes

Each stage is a function of the previous one's output (DESIGN.md); the CLI's
``--emit`` options call them one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

from dslc import ast as A
from dslc import codes
from dslc import ir as I
from dslc.checker import check
from dslc.codegen import CodegenLimitError, generate
from dslc.diagnostics import CompileError, Diagnostic, DiagnosticBag
from dslc.ids import fill_ids
from dslc.optimizer import optimize
from dslc.validate import MAX_DEPTH, MAX_NODES, validate
from vm.image import Image, encode

LIMIT_CODE = codes.PROGRAM_TOO_LARGE


@dataclass(frozen=True, slots=True)
class Compiled:
    """Everything a compilation produced, for tools that show the stages."""

    ast: A.Program
    ir: I.IRProgram
    optimized: I.IRProgram
    image: Image
    data: bytes
    diagnostics: list[Diagnostic]


def compile_stages(
    program: A.Program,
    *,
    strict_types: bool,
    filename: str | None = None,
    source: str | None = None,
    prior: list[Diagnostic] | None = None,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> Compiled:
    """Run every stage after the front end. Raises CompileError listing all
    diagnostics when any of them is an error."""
    bag = DiagnosticBag(filename)
    bag.extend(prior or [])
    program = fill_ids(program)
    bag.extend(validate(program, max_depth=max_depth, max_nodes=max_nodes))
    if bag.has_errors:
        raise CompileError(bag.items, source)
    ir = check(program, bag, strict=strict_types)
    if bag.has_errors:
        raise CompileError(bag.items, source)
    optimized = optimize(ir)
    try:
        image = generate(optimized)
        data = encode(image)
    except (CodegenLimitError, ValueError) as exc:
        bag.error(LIMIT_CODE, str(exc), node_id=program.id, loc=program.loc)
        raise CompileError(bag.items, source) from None
    return Compiled(program, ir, optimized, image, data, list(bag.items))


def compile_program(
    program: A.Program,
    *,
    strict_types: bool,
    filename: str | None = None,
    source: str | None = None,
) -> bytes:
    return compile_stages(program, strict_types=strict_types, filename=filename, source=source).data


def load_json_program(
    ast: object, filename: str | None = None, *, max_depth: int = MAX_DEPTH
) -> tuple[A.Program, list[Diagnostic]]:
    """The JSON front end; raises CompileError when the input is not a program."""
    from dslc.json_loader import load_json

    program, diags = load_json(ast, filename=filename, max_depth=max_depth)
    if program is None or any(d.is_error for d in diags):
        raise CompileError(diags)
    return program, diags


def compile_json_stages(
    ast: object,
    filename: str | None = None,
    *,
    max_nodes: int = MAX_NODES,
    max_depth: int = MAX_DEPTH,
) -> Compiled:
    program, diags = load_json_program(ast, filename, max_depth=max_depth)
    return compile_stages(
        program,
        strict_types=False,
        filename=filename,
        prior=diags,
        max_depth=max_depth,
        max_nodes=max_nodes,
    )


def compile_json(
    ast: object,
    filename: str | None = None,
    *,
    max_nodes: int = MAX_NODES,
    max_depth: int = MAX_DEPTH,
) -> bytes:
    """Compile a GAME JSON AST (a dict, as parsed from JSON) to image bytes.

    Raises CompileError whose ``diagnostics`` each have ``code``, ``message``,
    ``node_id`` and ``pointer``. Certain type errors are warnings for JSON
    input (the reference engine accepts such programs), compiled to the
    runtime checks that raise the right code.

    ``max_nodes`` and ``max_depth`` are the reference's limits (1000 nodes,
    nesting depth 32) unless the host configures its own (GAME reads them
    from its configuration); ValueError when they are not integers from 1
    to 100000 and 256."""
    return compile_json_stages(ast, filename, max_nodes=max_nodes, max_depth=max_depth).data
