"""Start-up benchmark: how long ``dslc --help`` and ``dslc check FILE``
take in a fresh interpreter, next to a bare ``python -c pass`` and to
``import store`` with its database layer (what the CLI used to load for every
command).

    python -m benchmarks.bench_startup [--runs N]

Each command runs ``--runs`` times, interleaved, in new processes; the
medians are printed side by side with their ratio to the bare interpreter.
Target: ``dslc --help`` and ``dslc check`` on one file well under 0.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = "from dslc.cli import main; import sys; sys.argv[0] = 'dslc'; main()"

COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "dslc --help": [sys.executable, "-c", CLI, "--help"],
    "dslc check examples/default.json": [
        sys.executable,
        "-c",
        CLI,
        "check",
        "examples/default.json",
    ],
    "dslc check examples/default.strat": [
        sys.executable,
        "-c",
        CLI,
        "check",
        "examples/default.strat",
    ],
    "import store.service (SQLAlchemy, alembic)": [
        sys.executable,
        "-c",
        "import store.service, store.migrate",
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per command")
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, argv in COMMANDS.items():  # interleaved: the load is shared
            start = time.perf_counter()
            subprocess.run(argv, cwd=ROOT, capture_output=True, check=True)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["python -c pass"])
    print(f"{'command':<45} {'median':>9} {'vs python -c pass':>18}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:<45} {med * 1000:>7.0f} ms {med / base:>17.1f}x")


if __name__ == "__main__":
    main()
