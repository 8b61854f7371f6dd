"""Stories on a real broker: one event's articles in one story, its count exact across a
kill -9 of the worker in the middle of them (read back from the story table's
changelog, where the worker keeps it)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import orjson
from conftest import settings_of
from kafka import KafkaConsumer

from workers.stories.assign import STORY, story_id

FIXTURES = orjson.loads((Path(__file__).parents[1] / "fixtures" / "stories.json").read_bytes())
SEOUL_ID, SEOUL_EN = FIXTURES["event"]["id"], FIXTURES["event"]["en"]
UNRELATED = FIXTURES["unrelated"]


def article(story: dict, **fields: str) -> tuple[bytes, bytes]:
    value = {**story, **fields}
    return value["id"].encode(), orjson.dumps(value)


def latest(env: dict[str, str], topic: str, key: bytes) -> dict:
    """The latest value of `key` on `topic`."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=env["NEWSWIRE_KAFKA_BOOTSTRAP"],
        group_id=None,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    found = None
    try:
        for record in consumer:
            if record.key == key and record.value is not None:
                found = orjson.loads(record.value)
    finally:
        consumer.close()
    assert found is not None, f"no {key!r} on {topic}"
    return found


def test_a_storys_count_is_exact_across_a_kill_9(env, workers, send, outcomes, check_event):
    first = workers.start()
    reprint = {**SEOUL_EN, "id": "reprint", "source": "reprint.example"}  # an exact copy
    send([article(SEOUL_EN), article(UNRELATED[0]), article(SEOUL_ID), article(reprint)])
    outcomes.wait_for(4)
    time.sleep(0.5)  # likely before the next offset commit: replays must be recognised
    first.kill()

    workers.start()
    later = [
        {**SEOUL_EN, "id": "wire-followup", "source": "other.example",
         "headline": "Seoul protests to Moscow over Russia-North Korea defence pact"},
        {**SEOUL_ID, "id": "id-copy", "source": "koran.example"},
    ]  # fmt: skip
    send([article(story) for story in [*later, UNRELATED[2]]])
    outcomes.wait_for(7, timeout=120)
    outcomes.poll(8)  # replayed messages, if any, would show up by now
    events = outcomes.events
    for event in events:
        check_event({k: v for k, v in event.items() if not k.startswith("_")})
    assert Counter(e["id"] for e in events) == dict.fromkeys(
        [SEOUL_EN["id"], SEOUL_ID["id"], "reprint", "wire-followup", "id-copy",
         UNRELATED[0]["id"], UNRELATED[2]["id"]], 1
    )  # fmt: skip
    # The story is named after whichever of the two was decided first: they come through
    # different raw partitions.
    sid = next(e["story_id"] for e in events if e["id"] == SEOUL_EN["id"])
    assert sid in (story_id(SEOUL_EN["id"]), story_id(SEOUL_ID["id"]))
    event_ids = {e["id"] for e in events if e["story_id"] == sid}
    assert event_ids == {SEOUL_EN["id"], SEOUL_ID["id"], "reprint", "wire-followup", "id-copy"}
    table = f"{settings_of(env).app_id}-stories-changelog"
    summary = latest(env, table, (STORY + sid).encode())
    assert summary["articles"] == 5  # each once, whatever was replayed
    assert summary["source_count"] == 5
    assert set(summary["languages"]) >= {"en"} and len(summary["languages"]) == 2
    # What the world sees: the story's latest state (held back at most a few seconds),
    # breaking news (three sources within the hour: default settings), and one alert.
    state = latest(env, settings_of(env).topics.stories, sid.encode())
    check_event(state)
    assert (state["articles"], state["source_count"], state["status"]) == (5, 5, "breaking")
    alert = latest(env, settings_of(env).topics.alerts, sid.encode())
    check_event(alert)
    assert alert["kind"] == "breaking"
