#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite on two workers: ruff, mypy,
# then pytest. Extra arguments go to pytest, e.g. scripts/test.sh -k corpus.
#
#   scripts/test.sh --quick [PYTEST ARGS]   the inner loop: ruff, then pytest
#       without the tests marked slow (whole-corpus runs, the big property
#       runs) and with fewer hypothesis examples; no mypy. CI runs the full suite.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
if [[ "${1:-}" == "--quick" ]]; then
  quick=1
  shift
fi
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
if [[ $quick == 1 ]]; then
  export DSLC_QUICK=1 DSLC_PROPERTY_EXAMPLES="${DSLC_PROPERTY_EXAMPLES:-20}"
  exec .venv/bin/python -m pytest -n 2 -p no:cacheprovider -m "not slow" "$@"
fi
.venv/bin/mypy
exec .venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
