"""The event types on newswire's topics, (de)serialised with orjson.

Each outcome carries ``kind`` so a consumer of any topic (or of the offline
``newswire process`` output) can tell them apart. The JSON Schemas in
``schemas/`` are the contract; these classes are the one place that builds them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

OutcomeKind = Literal["enriched", "duplicate", "rejected"]
# Kafka header on every outcome: the raw message it answers (topic:partition:offset).
# Not part of the JSON contract; the worker reads it back to recognise replays.
ORIGIN_HEADER = "newswire-origin"


def utc_iso(epoch_seconds: float) -> str:
    """RFC 3339 UTC timestamp with milliseconds."""
    return (
        datetime.fromtimestamp(epoch_seconds, tz=UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


@dataclass(frozen=True)
class Origin:
    """Where a raw message came from; `ref` names it uniquely, so a replay is recognised."""

    topic: str
    partition: int
    offset: int
    timestamp: float  # epoch seconds: broker/producer timestamp, or read time offline

    @property
    def ref(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"


@dataclass(frozen=True)
class RawStory:
    """A validated raw story (value on ``news.raw``)."""

    id: str
    body: str
    source: str | None = None
    headline: str | None = None
    url: str | None = None
    language: str | None = None
    published_at: str | None = None
    content_type: str = "text/plain"


@dataclass(frozen=True)
class Removed:
    """One piece cleaning took out, and why (``rule:<name>``, ``repeat``, ``html``)."""

    text: str
    reason: str


# Entity and EntityGroup are built about 100 times a story, and a frozen dataclass
# takes three times as long to build (each field set through object.__setattr__):
# these two are not frozen, and nothing changes them once built.
@dataclass
class Entity:
    """A mention in the cleaned body: ``body[start:end] == text``."""

    text: str
    type: str
    start: int
    end: int
    canonical: dict[str, str] | None = None


@dataclass
class EntityGroup:
    """All mentions of one entity in a story, and how central it is (salience 0 to 1)."""

    key: str  # the canonical id, or TYPE:name for an entity the gazetteer does not know
    name: str
    type: str
    count: int
    offsets: list[list[int]]  # [start, end] of each mention in the body
    in_headline: bool
    in_lead: bool
    salience: float
    canonical: dict[str, str] | None = None


@dataclass(frozen=True)
class Enriched:
    id: str
    body: str
    language: str
    removed: list[Removed]
    cluster_id: str
    entities: list[Entity]
    fingerprint: str
    received_at: str
    emitted_at: str
    processing_seconds: float
    source: str | None = None
    headline: str | None = None
    url: str | None = None
    published_at: str | None = None
    content_type: str = "text/plain"
    dateline: str | None = None
    credit: str | None = None
    entity_groups: list[EntityGroup] = field(default_factory=list)
    story_id: str | None = None  # the event this article is about (workers/stories)
    kind: Literal["enriched"] = "enriched"


@dataclass(frozen=True)
class DuplicateNotice:
    id: str
    duplicate_of: str
    cluster_id: str
    match: Literal["exact", "near"]
    similarity: float
    received_at: str
    emitted_at: str
    source: str | None = None
    headline: str | None = None
    story_id: str | None = None  # its canonical's story
    kind: Literal["duplicate"] = "duplicate"


@dataclass(frozen=True)
class DeadLetter:
    """A raw message newswire could not accept, kept losslessly (base64) with the reason."""

    error: str
    message: str
    original_base64: str
    original_size: int
    topic: str
    partition: int
    offset: int
    received_at: str
    emitted_at: str
    key_base64: str | None = None
    id: str | None = None
    kind: Literal["rejected"] = "rejected"

    @property
    def original(self) -> bytes:
        return base64.b64decode(self.original_base64)


Outcome = Enriched | DuplicateNotice | DeadLetter


@dataclass(frozen=True)
class Alert:
    """A story a watch matched (value on ``PREFIX.alerts``): which watch, and why."""

    watch: str
    story_id: str
    reason: str
    emitted_at: str
    headline: str | None = None
    cluster_id: str | None = None
    entities: list[Entity] = field(default_factory=list)
    snippets: list[str] = field(default_factory=list)
    per: Literal["article", "story"] = "article"
    event_story_id: str | None = None  # the article's story (docs/STORIES.md)
    stale: bool = False  # old news: the article is older than the stale setting
    kind: Literal["alert"] = "alert"

    @property
    def key(self) -> str:
        """Its key on the alerts topic: one alert per article, or per story, and watch."""
        subject = self.event_story_id if self.per == "story" else self.story_id
        return f"{subject}:{self.watch}"


@dataclass(frozen=True)
class StoryEvent:
    """A story's state (value on ``PREFIX.stories``, keyed by its id; compacted): sent when
    it changes, at most once every few seconds a story, and once more when it closes."""

    story_id: str
    status: Literal["developing", "breaking", "closed"]
    first_seen: str
    last_updated: str
    articles: int
    articles_last_hour: int
    source_count: int
    sources: list[str]  # the first few
    languages: dict[str, int]
    headline: str
    top_entities: list[dict[str, Any]]  # {"id", "name", "articles"}, most named first
    emitted_at: str
    breaking_at: str | None = None
    kind: Literal["story"] = "story"


@dataclass(frozen=True)
class BreakingAlert:
    """A story reached its breaking threshold (value on ``PREFIX.alerts``, key: its id):
    once a story."""

    story_id: str
    headline: str
    reason: str
    source_count: int
    sources: list[str]
    languages: list[str]
    top_entities: list[dict[str, Any]]
    first_seen: str
    emitted_at: str
    stale: bool = False  # it broke longer ago than the stale setting (a catch-up)
    kind: Literal["breaking"] = "breaking"


@dataclass(frozen=True)
class Rejection:
    """Why a raw message was refused: ``code`` is the dead letter's ``error`` and a metric label."""

    code: str
    message: str
    story_id: str | None = None


def dead_letter(
    raw: bytes, key: bytes | None, origin: Origin, rejection: Rejection, now: float
) -> DeadLetter:
    return DeadLetter(
        error=rejection.code,
        message=rejection.message,
        original_base64=base64.b64encode(raw).decode("ascii"),
        original_size=len(raw),
        topic=origin.topic,
        partition=origin.partition,
        offset=origin.offset,
        received_at=utc_iso(origin.timestamp),
        emitted_at=utc_iso(now),
        key_base64=base64.b64encode(key).decode("ascii") if key is not None else None,
        id=rejection.story_id,
    )


def _plain(event: Outcome | Alert | StoryEvent | BreakingAlert) -> dict[str, Any]:
    """An event as JSON-ready data; absent optional fields are left out rather than null.

    Nested records are left to orjson, which serialises dataclasses natively (far
    faster than `dataclasses.asdict`); the one optional nested field is an entity's
    (or entity group's) `canonical`.
    """
    data = {k: v for k, v in vars(event).items() if v is not None}
    for name in ("entities", "entity_groups"):
        if name in data:
            data[name] = [e if e.canonical is not None else _unlinked(e) for e in data[name]]
    return data


def _unlinked(record: Entity | EntityGroup) -> dict[str, Any]:
    """A record whose `canonical` is None, without it (its one optional field): a copy
    of its fields less one costs half a filtered copy, and a story has ~100 of them."""
    data = vars(record).copy()
    del data["canonical"]
    return data


def dumps(event: Outcome | Alert | StoryEvent | BreakingAlert) -> bytes:
    """Serialise an outcome."""
    return orjson.dumps(_plain(event))


def loads(data: bytes) -> Outcome:
    """Parse an outcome serialised by `dumps` (used by the internal topic and tools)."""
    return outcome_from_dict(orjson.loads(data))


def outcome_from_dict(obj: dict[str, Any]) -> Outcome:
    obj = dict(obj)
    kind = obj.pop("kind")
    if kind == "enriched":
        obj["removed"] = [Removed(**r) for r in obj["removed"]]
        obj["entities"] = [Entity(**e) for e in obj["entities"]]
        obj["entity_groups"] = [EntityGroup(**g) for g in obj.get("entity_groups", ())]
        return Enriched(**obj)
    if kind == "duplicate":
        return DuplicateNotice(**obj)
    if kind == "rejected":
        return DeadLetter(**obj)
    raise ValueError(f"unknown outcome kind {kind!r}")


@dataclass(frozen=True)
class Prepared:
    """A candidate outcome from the stateless stages, before dedupe decides.

    `key` is what the dedupe state is keyed on (the fingerprint, or the origin for a
    dead letter), so it is also the key of the internal topic between the two agents.
    """

    key: str
    origin_ref: str
    received: float  # the raw message's timestamp, epoch seconds: end-to-end time starts here
    event: Enriched | DeadLetter
    signature: str | None = None  # MinHash values, base64; None when too short to compare
    shingles: int = 0  # distinct word shingles the signature summarises

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {
                "key": self.key,
                "origin_ref": self.origin_ref,
                "received": self.received,
                "event": _plain(self.event),
                "signature": self.signature,
                "shingles": self.shingles,
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Prepared:
        obj = orjson.loads(data)
        event = outcome_from_dict(obj["event"])
        if isinstance(event, DuplicateNotice):
            raise ValueError("a prepared candidate is never a duplicate notice")
        return cls(
            obj["key"], obj["origin_ref"], obj["received"], event, obj["signature"], obj["shingles"]
        )
