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

CORPUS_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "corpus.jsonl"


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
