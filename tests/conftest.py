"""Fixtures shared by every test package.

``corpus_records`` is the reference engine's conformance corpus
(``shared/conformance/corpus.jsonl``, beside this repository). When the file is
missing the tests that use it are skipped, unless ``DSLC_REQUIRE_SHARED=1``
(set in CI) turns the absence into a failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# Shared machines are noisy: no per-example deadline anywhere. In CI the
# examples are derandomized, so a landing never depends on the draw; local
# runs keep exploring new inputs.
settings.register_profile("dslc", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("dslc"), derandomize=True)
# scripts/test.sh --quick: a few examples per property (tests that set their
# own max_examples are marked slow instead, and left out of the quick run).
settings.register_profile("quick", parent=settings.get_profile("dslc"), max_examples=15)
if os.environ.get("DSLC_QUICK") == "1":
    settings.load_profile("quick")
else:
    settings.load_profile("ci" if os.environ.get("CI") else "dslc")

# Tests that run the whole conformance corpus are slow by nature.
CORPUS_FIXTURES = {"corpus_records", "pipeline_records"}


@pytest.hookimpl(tryfirst=True)  # before -m "not slow" deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if CORPUS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


CORPUS_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "corpus.jsonl"


def require_shared(path: Path, what: str) -> None:
    """Skip the calling test when PATH (data beside the repository, in
    ../shared) is missing; fail instead under DSLC_REQUIRE_SHARED=1 (CI),
    saying what is missing and where it was looked for."""
    if path.exists():
        return
    reason = f"{what} not found at {path}"
    if os.environ.get("DSLC_REQUIRE_SHARED") == "1":
        pytest.fail(reason + " (DSLC_REQUIRE_SHARED=1: the shared data is required)")
    pytest.skip(reason)


def load_corpus(path: Path = CORPUS_PATH) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def corpus_records() -> list[dict[str, Any]]:
    if not CORPUS_PATH.is_file():
        reason = f"conformance corpus not found at {CORPUS_PATH}"
        if os.environ.get("DSLC_REQUIRE_SHARED") == "1":
            pytest.fail(reason + " (DSLC_REQUIRE_SHARED=1)")
        pytest.skip(reason)
    return load_corpus()


PIPELINE_PATH = CORPUS_PATH.with_name("pipeline.jsonl")


@pytest.fixture(scope="session")
def pipeline_records() -> list[dict[str, Any]]:
    """The DSL_EXTEND pipeline records (``shared/conformance/pipeline.jsonl``),
    skipped or required exactly like ``corpus_records``."""
    if not PIPELINE_PATH.is_file():
        reason = f"pipeline conformance records not found at {PIPELINE_PATH}"
        if os.environ.get("DSLC_REQUIRE_SHARED") == "1":
            pytest.fail(reason + " (DSLC_REQUIRE_SHARED=1)")
        pytest.skip(reason)
    return load_corpus(PIPELINE_PATH)
