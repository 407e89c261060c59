"""The pipeline from a front end's program to image bytes, and its stages
on demand.

    input --front end (dslc.frontend: ids filled, validated once)--> Front
        --check--> IR --optimize--> IR --generate--> Image --encode--> bytes

Each stage is a function of the previous one's output (DESIGN.md); the CLI's
``--emit`` options show them one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

from dslc import ast as A
from dslc import codes
from dslc import ir as I
from dslc.analysis import analyse
from dslc.checker import check
from dslc.codegen import CodegenLimitError, generate
from dslc.diagnostics import CompileError, Diagnostic, DiagnosticBag
from dslc.frontend import Front, ast_front, json_front
from dslc.optimizer import optimize
from dslc.validate import MAX_DEPTH, MAX_NODES
from vm.errors import VerifyError
from vm.image import Image, encode
from vm.verify import certify

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


def compile_front(front: Front) -> Compiled:
    """The back end: check, optimize, generate and encode a program that a
    front end (``dslc.frontend``) has filled and validated. Raises
    CompileError listing all diagnostics when any of them is an error."""
    bag = DiagnosticBag(front.filename)
    bag.extend(front.diagnostics)
    program = front.program
    ir = check(program, bag, strict=front.strict_types, vocabulary=front.vocabulary)
    if bag.has_errors:
        raise CompileError(bag.items, front.source)
    # Warnings about what the program cannot do (dslc.analysis): here, so
    # that check, compile and the store see the same ones.
    analyse(program, bag)
    optimized = optimize(ir)
    try:
        # The certificate (vm.cost) is what the verifier computes from the
        # code, so vm.load accepts exactly what the compiler states.
        image = certify(generate(optimized))
        data = encode(image)
    except UnicodeEncodeError:
        # A Python-built program with a lone surrogate in a string: no UTF-8
        # image holds it (files and text refuse it earlier, located).
        bag.error(
            codes.STRING_NOT_UNICODE,
            "a string has a lone surrogate (not valid Unicode)",
            node_id=program.id,
            loc=program.loc,
        )
        raise CompileError(bag.items, front.source) from None
    except (CodegenLimitError, ValueError, VerifyError) as exc:
        bag.error(LIMIT_CODE, str(exc), node_id=program.id, loc=program.loc)
        raise CompileError(bag.items, front.source) from None
    return Compiled(program, ir, optimized, image, data, list(bag.items))


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
    """Every stage for a surface AST built in Python (``ast_front``)."""
    front = ast_front(
        program,
        strict_types=strict_types,
        filename=filename,
        source=source,
        prior=prior or (),
        max_depth=max_depth,
        max_nodes=max_nodes,
    )
    return compile_front(front)


def compile_program(
    program: A.Program,
    *,
    strict_types: bool,
    filename: str | None = None,
    source: str | None = None,
) -> bytes:
    return compile_stages(program, strict_types=strict_types, filename=filename, source=source).data


def compile_json_stages(
    ast: object,
    filename: str | None = None,
    *,
    max_nodes: int = MAX_NODES,
    max_depth: int = MAX_DEPTH,
) -> Compiled:
    """Every stage for a GAME JSON AST (``json_front``)."""
    return compile_front(json_front(ast, filename, max_depth=max_depth, max_nodes=max_nodes))


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
