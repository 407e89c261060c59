"""``scripts/test.sh --quick`` leaves out what is slow: every test that runs
the whole conformance corpus (marked by tests/conftest.py), and the big
property runs (marked in their modules)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _collected(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_the_quick_selection_leaves_out_every_corpus_test() -> None:
    quick = _collected("-m", "not slow", "tests/conformance", "tests/text/test_roundtrip_corpus.py")
    slow = _collected("-m", "slow", "tests/conformance", "tests/text/test_roundtrip_corpus.py")
    assert not set(quick) & set(slow)
    corpus_wide = [
        "tests/conformance/test_corpus_vm.py::test_corpus_compiles_and_runs_as_the_reference",
        "tests/conformance/test_pipeline.py::test_every_pipeline_case_scores_as_the_reference",
        "tests/conformance/test_corpus_traces.py::test_success_cases_match_results_and_traces",
    ]
    for test in corpus_wide:
        assert test in slow and test not in quick, test
    # the small tests of those modules stay in the quick run
    assert "tests/conformance/test_corpus_traces.py::test_unknown_phase_is_a_value_error" in quick


def test_the_quick_run_is_documented_and_wired() -> None:
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert '"--quick"' in script and '-m "not slow"' in script
    assert "scripts/test.sh --quick" in (ROOT / "README.md").read_text(encoding="utf-8")
