"""Write a reproducible event log for ``dslc replay`` / ``dslc diff``.

    python samples/generate_events.py                 # samples/events-default.jsonl
    python samples/generate_events.py -n 500 -o x.jsonl --seed 7

Events for GAME's default strategy (``examples/default.strat``): the
analytics fields it reads and the event's three ids, drawn from a fixed
seed, so the same arguments always give the same file (byte for byte).
The mix is made so that every rule of the default strategy fires on a
good share of the events; about 1 in 200 events has a null average (a
runtime error, as in a real log with a player's first event).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

DEFAULT_COUNT = 20_000
DEFAULT_SEED = 20_261_130
DEFAULT_OUT = Path(__file__).with_name("events-default.jsonl")


def event(rng: random.Random, index: int) -> dict[str, object]:
    user = rng.randrange(1, 400)
    task = rng.randrange(1, 60)
    all_avg = round(rng.uniform(15, 45), 2)
    user_avg = round(max(1.0, rng.gauss(all_avg, 10)), 2)
    last = round(rng.uniform(0, 40), 2)
    new_last = round(max(0.0, last + rng.gauss(5, 25)), 2)
    fields: dict[str, object] = {
        "task.measurements_count": rng.choice((1, 1, *range(2, 200))),
        "user.measurements_count": rng.choice((1, 2, *range(3, 120))),
        "user.avg_time": None if rng.random() < 0.005 else user_avg,
        "all.avg_time": all_avg,
        "user.last_window_diff": last,
        "user.new_last_window_diff": new_last,
    }
    return {
        "fields": fields,
        "ids": {
            "externalGameId": "game-1",
            "externalTaskId": f"task-{task}",
            "externalUserId": f"user-{user}",
        },
        "label": f"event {index}",
    }


def write(path: Path, count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED) -> Path:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for i in range(count):
            out.write(json.dumps(event(rng, i + 1), separators=(",", ":")) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    write(args.out, args.count, args.seed)
    print(f"wrote {args.count} events to {args.out}")


if __name__ == "__main__":
    main()
