"""Replay benchmark: events per second through ``dslc.replay.replay``
(reading and checking each JSON line, scoring, summarising) next to the
same events scored with ``vm.score`` alone from already-parsed dicts.

    python -m benchmarks.bench_replay [--events N] [--repeat N]

The log is ``samples/generate_events.py``'s (GAME's default strategy,
``examples/default.strat``), written to a temporary file. Both sides run in
one process, side by side; medians of ``--repeat`` runs. Read the ratio:
what the log reading and the summary cost on top of scoring (and
next to ``json.loads`` of each line, which no replay can skip).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import vm
from dslc import replay as R
from dslc.sources import compile_source, read_strategy

ROOT = Path(__file__).resolve().parents[1]


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "generate_events", ROOT / "samples" / "generate_events.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    program = vm.load(compile_source(read_strategy(ROOT / "examples" / "default.strat")).data)
    scorer = R.scorer_for(program)
    with tempfile.TemporaryDirectory() as tmp:
        log = _generator().write(Path(tmp) / "events.jsonl", args.events)
        parsed = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        events = [{**e["fields"], **e["ids"]} for e in parsed]
        raw = log.read_bytes().splitlines()
        replay_times, score_times, json_times = [], [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            summary = R.replay(R.read_events(log), scorer)
            replay_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            for fields in events:
                with contextlib.suppress(vm.ExecutionError):
                    vm.score(program, fields=fields, data={})
            score_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            for line in raw:
                json.loads(line)
            json_times.append(time.perf_counter() - start)
    assert summary.events == args.events
    replay_s, score_s = statistics.median(replay_times), statistics.median(score_times)
    json_s = statistics.median(json_times)
    print(f"events: {args.events}, median of {args.repeat} runs")
    print(
        f"dslc replay (read + check + score + summary): {args.events / replay_s:>10,.0f} events/s"
    )
    print(f"vm.score alone on parsed dicts:               {args.events / score_s:>10,.0f} events/s")
    print(f"json.loads of each line alone:                {args.events / json_s:>10,.0f} events/s")
    print(f"ratio replay / (score + json.loads): {replay_s / (score_s + json_s):.2f}x the time")
    print(f"ratio replay / score alone: {replay_s / score_s:.2f}x the time")


if __name__ == "__main__":
    main()
