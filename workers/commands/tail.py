"""`newswire tail`: print outcome events as they arrive, readably or as JSON lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

import orjson
from kafka import KafkaConsumer

from workers.config import Settings
from workers.stream.broker import client_config, talking_to

SNIPPET = 90


SHORT = {"PERSON": "PER", "ORGANIZATION": "ORG", "LOCATION": "LOC", "PERCENT": "%"}


def format_event(value: bytes) -> str:
    """One line per event: what happened to which story, and why."""
    try:
        event = orjson.loads(value)
    except orjson.JSONDecodeError:
        return f"? not JSON ({len(value)} bytes)"
    kind = event.get("kind") if isinstance(event, dict) else None
    if kind == "enriched":
        text = event.get("headline") or event["body"].split("\n", 1)[0]
        names = ", ".join(
            f"{e['text']} ({SHORT.get(e['type'], e['type'])})" for e in event["entities"][:8]
        )
        more = len(event["entities"]) - 8
        return (
            f"+ enriched  {event['id']}  [{event['language']}] {_cut(text)}\n"
            f"    entities: {names or '-'}{f' (+{more})' if more > 0 else ''}"
            f"  | removed: {len(event['removed'])}  | cluster {event['cluster_id']}"
            f"{_story(event)}"
        )
    if kind == "duplicate":
        return (
            f"= duplicate {event['id']}  of {event['duplicate_of']}"
            f"  ({event['match']}, similarity {event['similarity']:.2f}){_story(event)}"
        )
    if kind == "story":
        sources = ", ".join(event["sources"][:3]) + (", ..." if event["source_count"] > 3 else "")
        return (
            f"* story     {event['story_id']}  {event['status']}: {event['articles']} articles, "
            f"{event['source_count']} sources ({sources}), {event['articles_last_hour']} "
            f"in the last hour, {'/'.join(sorted(event['languages']))}\n"
            f"    {_cut(event['headline'])}"
        )
    if kind == "breaking":
        return (
            f"! BREAKING  {event['story_id']}  {event['reason']}: {_cut(event['headline'])}\n"
            f"    sources: {', '.join(event['sources'])}  | {', '.join(event['languages'])}"
        )
    if kind == "rejected":
        return (
            f"x rejected  {event.get('id', '-')}  {event['error']}: {_cut(event['message'])}"
            f"  (from {event['topic']}:{event['partition']}:{event['offset']})"
        )
    if kind == "alert":
        return (
            f"! alert     {event['story_id']}  watch {event['watch']}: {_cut(event['reason'])}\n"
            f"    {_cut(event.get('headline') or (event['snippets'] or [''])[0])}"
        )
    return f"? {_cut(value.decode('utf-8', 'replace'))}"


def _story(event: dict) -> str:
    return f"  | story {event['story_id']}" if event.get("story_id") else ""


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def tail(
    settings: Settings,
    topics: list[str],
    out: TextIO,
    as_json: bool = False,
    from_beginning: bool = False,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Follow `topics` until interrupted (or `stop()` says so)."""
    with talking_to(settings):
        consumer = KafkaConsumer(
            *topics,
            **client_config(settings, "tail"),
            group_id=None,
            auto_offset_reset="earliest" if from_beginning else "latest",
        )
    try:
        while not stop():
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    value = record.value or b""
                    text = value.decode("utf-8", "replace") if as_json else format_event(value)
                    out.write(text + "\n")
                out.flush()
    finally:
        consumer.close()
