"""vm: the bytecode format, verifier and stack VM for scoring strategies.

Standard library only: an engine that runs published bytecode installs this
package and nothing else.

    program = vm.load(image)                       # raises vm.VerifyError
    res = vm.run(program, phase="full", fields=..., data=..., parent=None)
    res = await vm.run_async(program, phase=..., fields=async_source, ...)
    score = vm.score(program, fields=..., data=..., parent=builtin)

Arguments of the wrong shape are a TypeError naming the argument; any value
the host hands in (fields, data, parent) ends a run in a result or an
ExecutionError with a code (docs/bytecode.md, "The host's side").
"""

from __future__ import annotations

from vm.codecache import CodeCache, load
from vm.errors import ExecutionError, VerifyError
from vm.image import FORMAT_VERSION
from vm.machine import RunResult
from vm.pipeline import Score, score, score_async
from vm.program import Program
from vm.runner import run, run_async

__all__ = [
    "FORMAT_VERSION",
    "CodeCache",
    "ExecutionError",
    "Program",
    "RunResult",
    "Score",
    "VerifyError",
    "load",
    "run",
    "run_async",
    "score",
    "score_async",
]
