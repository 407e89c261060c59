"""examples/: imported into a fresh store, published, and scored with
samples/events.json through the CLI.

The expected results were worked out by hand from the .strat files and the
built-ins they extend (vm/builtins.py); each event's label says why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from store.cli import store_group

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SAMPLES = Path(__file__).resolve().parents[2] / "samples"

# (strategy name, points, case name, callback data), in the file's order. The
# points are compared with their JSON type: after-parent rules start from the
# built-in's points as a decimal number, so a pass-through 11 becomes 11.0.
EXPECTED: list[tuple[str, int | float, str | None, dict[str, Any]]] = [
    ("default_v0_0_2", 1, "BasicEngagement", {}),
    ("default_v0_0_2", 15, "PeakPerformerBonus", {}),
    ("constant_effort_v0_0_1", 28, "ConstantEffortReward", {}),
    ("recompensa_completar_tarea", 5, "FirstCompletion", {}),
    ("recompensa_completar_tarea", 2, "TaskCompleted", {}),
    ("bonus_por_velocidad", 10, "SpeedBonus", {}),
    ("bonus_por_velocidad", 0, None, {}),
    ("tiered_reward", 10, "Silver", {}),
    ("tiered_reward", 5, "Streak", {"tier": "none"}),
    ("early_bird", 0, "ClosedAtNight", {"reason": "closed\tbefore 6:00"}),
    ("early_bird", 15, "EarlyBird", {"base_points": 10}),
    ("early_bird", 50.0, "ConstantEffortReward", {}),
    ("bonus_extiende_default", 16.5, "WeekendBonus", {}),
    ("bonus_extiende_default", 11.0, "PerformanceBonus", {}),
]

STRATEGIES = {
    "constant_effort": "constant_effort_v0_0_1",
    "default": "default_v0_0_2",
    "early_bird": "early_bird",
    "first_completion": "recompensa_completar_tarea",
    "speed_bonus": "bonus_por_velocidad",
    "tiered_reward": "tiered_reward",
    "weekend_bonus": "bonus_extiende_default",
}


def _run(*args: str) -> Result:
    return CliRunner().invoke(store_group, list(args), catch_exceptions=False)


def test_examples_import_publish_and_score(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'examples.db'}"
    assert _run("init", "--db", db).exit_code == 0

    imported = _run("import", str(EXAMPLES), "--publish", "--db", db)
    assert imported.exit_code == 0, imported.output
    lines = imported.stdout.splitlines()
    # Skipped: each example's JSON twin, and its strategy tests (NAME.test.json).
    skipped = 2 * len(STRATEGIES)
    assert lines[-1] == f"{len(STRATEGIES)} imported, 0 failed, {skipped} skipped"
    assert sum("strategy tests" in line for line in lines) == len(STRATEGIES)
    for stem, name in STRATEGIES.items():
        assert any(
            line.startswith(f"created, published: '{name}' version 1 (PUBLISHED)")
            and line.endswith(f"<- {EXAMPLES / stem}.strat")
            for line in lines
        ), name
        assert (
            f"skipped: {EXAMPLES / stem}.json: '{name}' is imported from "
            f"{EXAMPLES / stem}.strat (the JSON is the same program converted)"
        ) in lines

    again = _run("import", str(EXAMPLES), "--publish", "--db", db)
    assert again.exit_code == 0
    assert again.stdout.count("unchanged: ") == len(STRATEGIES)

    scored = _run("score", "--events", str(SAMPLES / "events.json"), "--db", db)
    assert scored.exit_code == 0, scored.output
    results = [json.loads(line) for line in scored.stdout.splitlines()]
    events = json.loads((SAMPLES / "events.json").read_text(encoding="utf-8"))
    assert [r["label"] for r in results] == [e["label"] for e in events]
    assert all(r["strategy"].startswith("custom:") and r["version"] == 1 for r in results)
    got = [
        (r["name"], type(r["points"]).__name__, r["points"], r["case_name"], r["callback_data"])
        for r in results
    ]
    want = [(n, type(p).__name__, p, c, cb) for n, p, c, cb in EXPECTED]
    assert got == want
