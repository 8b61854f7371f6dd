"""The per-story time bound: a runaway stage is stopped and its story dead-lettered."""

import re
import time

import orjson
import pytest

from workers.pipeline.core import Pipeline, PipelineOptions
from workers.pipeline.timebound import StoryTimeout, time_bound
from workers.records import Origin, dumps

ORIGIN = Origin("news.raw", 0, 7, 1_800_000_000.0)


def test_a_runaway_regex_is_interrupted():
    started = time.monotonic()
    with pytest.raises(StoryTimeout), time_bound(0.2):
        re.match(r"(a+)+$", "a" * 40 + "!")  # exponential backtracking
    assert time.monotonic() - started < 5


def test_a_block_that_finishes_in_time_is_untouched():
    with time_bound(5.0):
        total = sum(range(1000))
    assert total == 499500
    time.sleep(0.01)  # no late alarm fires after the block


def test_a_story_over_the_bound_is_dead_lettered_with_timeout(check_event):
    pipeline = Pipeline(PipelineOptions(story_timeout_seconds=0.001))
    body = "Gubernur Jawa Barat Ridwan Kamil meresmikan jembatan di Bandung. " * 3000
    raw = orjson.dumps({"id": "slow-1", "body": body})
    prepared = pipeline.prepare(raw, b"slow-1", ORIGIN)
    outcome = pipeline.decide(prepared, lambda key: None).outcome
    event = orjson.loads(dumps(outcome))
    check_event(event)
    assert event["kind"] == "rejected"
    assert event["error"] == "timeout"
    assert event["original_base64"]


def test_the_default_bound_leaves_ordinary_stories_alone():
    pipeline = Pipeline(PipelineOptions())
    raw = orjson.dumps({"id": "ok-1", "body": "Harga beras naik di Jakarta pada Senin."})
    prepared = pipeline.prepare(raw, b"ok-1", ORIGIN)
    assert pipeline.decide(prepared, lambda key: None).outcome.kind == "enriched"


def test_a_library_that_catches_exception_does_not_swallow_the_timeout():
    def library_call() -> str:
        try:
            while True:  # a stage stuck inside a library's try block (trafilatura has them)
                pass
        except Exception:
            return "swallowed"

    with pytest.raises(StoryTimeout), time_bound(0.2):
        library_call()
