#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite on two workers.
# Extra arguments go to pytest, e.g. scripts/test.sh -m "not slow" -k corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
