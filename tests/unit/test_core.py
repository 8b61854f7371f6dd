"""The whole pipeline, pure: every outcome is schema-valid and entity offsets hold."""

import orjson
import pytest

from workers.pipeline.core import Pipeline, PipelineOptions
from workers.pipeline.dedupe import MemoryIndex
from workers.pipeline.parse import ParseOptions
from workers.records import DeadLetter, DuplicateNotice, Enriched, Origin, Prepared, dumps, loads

PIPELINE = Pipeline(PipelineOptions(parse=ParseOptions(max_bytes=10_000)))


def origin(offset):
    return Origin("news.raw", 0, offset, 1_800_000_000.0)


def run(data, index=None, offset=0):
    index = index if index is not None else MemoryIndex(1000)
    prepared = PIPELINE.prepare(data, b"k", origin(offset))
    decision = PIPELINE.decide(prepared, index.get)
    index.apply(decision.writes)
    return prepared, decision


def story(**fields):
    return orjson.dumps(
        {"id": "s1", "body": "Presiden Joko Widodo tiba di Seoul pada Senin.", **fields}
    )


def test_new_story_is_enriched_and_schema_valid(check_event):
    prepared, decision = run(story(source="wire", headline="Jokowi ke Seoul"))
    event = decision.outcome
    assert isinstance(event, Enriched)
    assert event.cluster_id and event.emitted_at
    assert {e.text for e in event.entities} >= {"Joko Widodo", "Seoul"}
    check_event(orjson.loads(dumps(event)))
    assert prepared.key == event.fingerprint


def test_copy_is_a_duplicate_notice_of_the_first(check_event):
    index = MemoryIndex(1000)
    _, first = run(story(), index)
    _, second = run(
        orjson.dumps({"id": "s2", "body": "PRESIDEN Joko Widodo tiba di  Seoul pada Senin."}),
        index,
        1,
    )
    notice = second.outcome
    assert isinstance(notice, DuplicateNotice)
    assert (notice.duplicate_of, notice.match, notice.similarity) == ("s1", "exact", 1.0)
    assert notice.cluster_id == first.outcome.cluster_id
    check_event(orjson.loads(dumps(notice)))


def test_replayed_message_emits_nothing():
    index = MemoryIndex(1000)
    run(story(), index)
    _, again = run(story(), index, 0)
    assert again.outcome is None


def test_bad_input_becomes_a_dead_letter_with_the_original_bytes(check_event):
    data = b'{"id": "x", "body": 12}\xff'
    prepared, decision = run(data)
    letter = decision.outcome
    assert isinstance(letter, DeadLetter)
    assert letter.original == data
    assert (letter.topic, letter.partition, letter.offset) == ("news.raw", 0, 0)
    assert prepared.key == "dl:news.raw:0:0"
    check_event(orjson.loads(dumps(letter)))


def test_all_boilerplate_story_is_rejected_as_no_content():
    _, decision = run(orjson.dumps({"id": "a", "body": "ADVERTISEMENT\nBaca juga: Apa saja"}))
    assert decision.outcome.error == "no_content"


def test_a_bug_in_a_stage_becomes_an_internal_error_dead_letter(monkeypatch):
    def boom(*args):
        raise RuntimeError("stage exploded")

    monkeypatch.setattr("workers.pipeline.core.group_entities", boom)
    _, decision = run(story())
    assert decision.outcome.error == "internal_error"
    assert "stage exploded" in decision.outcome.message


def test_stage_times_are_observed():
    seen = []
    Pipeline(PipelineOptions(), observe=lambda stage, s: seen.append(stage)).prepare(
        story(), None, origin(0)
    )
    assert seen == ["parse", "clean", "language", "entities", "signature"]


@pytest.mark.parametrize("data", [story(), b"not json"])
def test_prepared_round_trips_through_bytes(data):
    prepared = PIPELINE.prepare(data, None, origin(3))
    assert Prepared.from_bytes(prepared.to_bytes()) == prepared


def test_outcome_round_trips():
    _, decision = run(story())
    assert loads(dumps(decision.outcome)) == decision.outcome
