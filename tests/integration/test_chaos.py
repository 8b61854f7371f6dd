"""`make chaos`, small: every fault scenario on its own broker, each raw message ends as
exactly one outcome (the full run, 50,000 stories a scenario, is `make chaos`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "deploy" / "kafka"))
from chaos import SCENARIOS, run_scenario  # noqa: E402
from launcher import LocalKafka  # noqa: E402

STORIES = 800


@pytest.fixture(scope="module")
def chaos_kafka() -> Iterator[LocalKafka]:
    """A broker of its own: the broker scenario stops and restarts it."""
    with LocalKafka() as kafka:
        yield kafka


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_no_message_is_lost_or_doubled(chaos_kafka, tmp_path, scenario):
    result = run_scenario(scenario, chaos_kafka, chaos_kafka.bootstrap, STORIES, tmp_path)
    tally = result.tally
    assert tally.sent == STORIES
    assert (tally.missing, tally.doubled) == (0, 0), tally.examples()
    assert tally.by_topic["enriched"] > STORIES // 2
    assert tally.by_topic["duplicates"] > STORIES // 10
    assert tally.by_topic["rejected"] >= 1
