"""Golden files: what the compiler's middle stages print for each example.

``tests/golden/NAME.ir``, ``NAME.optimized`` and ``NAME.asm`` hold the
output of ``dslc compile examples/NAME.strat --emit ir``, ``--emit
optimized`` and ``dslc disasm``, so that a change in the checker, the
optimizer or the code generator shows up in review as a diff of these
files. ``test_golden`` fails when the output differs; after a deliberate
change, regenerate them with::

    .venv/bin/python -m tests.golden.regen

and read the diff before committing it.
"""
