"""The VM against the reference evaluator, on random programs and inputs.

``dslc.simulate`` walks the surface AST as LANGUAGE.md section 2 describes
and is pinned to the reference engine by the corpus traces. The compiled
path (checker, optimizer, code generator, VM) must agree with it on every
program, well typed or not: the same result (points' int/float type
included) or the same error code at the same node.

Programs are generated directly as surface ASTs, with every node type,
every statement in each section that allows it, else-if chains, else,
default, pre and post rules, field paths from the catalogue and ``data.*``
keys, and random (often ill-typed) literals and inputs. ``DSLC_PROPERTY_EXAMPLES``
raises the number of examples for a longer soak run.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import vm
from dslc import codes
from dslc.ast import (
    Program,
)
from dslc.compiler import compile_program
from dslc.diagnostics import CompileError
from dslc.ids import fill_ids
from dslc.simulate import simulate
from tests.asts import inputs, programs
from tests.support import same
from vm.opcodes import PHASES

EXAMPLES = int(os.environ.get("DSLC_PROPERTY_EXAMPLES", "200"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- comparing outcomes ---------------------------------------------------------


def outcome(run: Callable[[], Any]) -> tuple[object, ...]:
    try:
        r = run()
    except vm.ExecutionError as exc:
        return ("error", exc.code, exc.node_id)
    return ("ok", r.points, r.case_name, r.callback_data, r.working_data, r.vetoed)


def compile_or_reject(program: Program) -> bytes:
    """The image, or the example is discarded if it breaks a static limit
    (a random program may be too big; nothing else may fail to compile)."""
    try:
        return compile_program(program, strict_types=False)
    except CompileError as exc:
        limits = {codes.NODE_LIMIT, codes.DEPTH_LIMIT, "DSLC_PROGRAM_TOO_LARGE"}
        assume(not {d.code for d in exc.errors} <= limits)
        raise


# -- properties -------------------------------------------------------------------


@PROPERTY
@given(program=programs(), events=st.lists(inputs(), min_size=1, max_size=3))
def test_vm_agrees_with_the_reference_evaluator(
    program: Program,
    events: list[tuple[dict[str, object], dict[str, object], dict[str, object]]],
) -> None:
    compiled = vm.load(compile_or_reject(program))
    filled = fill_ids(program)
    for fields, data, parent in events:
        for phase in PHASES:
            data_before = copy.deepcopy(data)
            want = outcome(lambda: simulate(filled, phase, fields, data, parent, trace=False))  # noqa: B023
            got = outcome(lambda: vm.run(compiled, phase, fields, data, parent))  # noqa: B023
            assert same(got, want), f"phase {phase}: vm {got!r} != reference {want!r}"
            # Neither side may write through to the caller's event data.
            assert same(data, data_before)


# Half the examples: compiling is cheap, drawing a program is what costs, and
# the hash-seed test below covers the likelier source of nondeterminism.
@settings(PROPERTY, max_examples=max(1, EXAMPLES // 2))
@given(program=programs())
def test_compiling_is_deterministic(program: Program) -> None:
    image = compile_or_reject(program)
    assert compile_program(program, strict_types=False) == image
    assert compile_program(copy.deepcopy(program), strict_types=False) == image


_HASH_SCRIPT = """
import hashlib, json, sys
import dslc
h = hashlib.sha256()
for ast in json.load(sys.stdin):
    h.update(dslc.compile_json(ast))
print(h.hexdigest())
"""


def test_images_do_not_depend_on_the_hash_seed(corpus_records: list[dict[str, Any]]) -> None:
    """Set and dict iteration orders of strings change with PYTHONHASHSEED; an
    image that depended on them would differ between engine processes (and
    the bytecode cache would never hit)."""
    asts = [r["ast"] for r in corpus_records if r["valid"]][:150]
    payload = json.dumps(asts)
    root = Path(__file__).resolve().parents[2]
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-c", _HASH_SCRIPT],
            input=payload,
            capture_output=True,
            text=True,
            cwd=root,
            env=env,
            check=True,
        )
        digests.add(proc.stdout.strip())
    assert len(digests) == 1
