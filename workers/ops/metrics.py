"""Prometheus metrics, in one place, on a registry passed in (a fresh one per test)."""

from __future__ import annotations

from collections import Counter as Tally  # prometheus_client's Counter is the metric

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from workers.records import DeadLetter, Enriched, Outcome

# Stage times are sub-millisecond to tens of milliseconds; end to end includes
# broker round trips and queueing, so it reaches into seconds.
STAGE_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0)
E2E_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# Sources are whatever producers write: past this many, a source is counted as "other",
# so that a flood of distinct names cannot grow the metrics without end.
MAX_SOURCES = 100
OTHER_SOURCE = "other"


class Metrics:
    """newswire's metrics; `observe_*` methods keep label names in one place."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._sources: set[str] = set()
        self.stories_in = Counter(
            "newswire_stories_in_total", "Raw messages read from the raw topic", registry=registry
        )
        self.outcomes = Counter(
            "newswire_outcomes_total", "Outcomes emitted, by kind", ["kind"], registry=registry
        )
        self.dead_letters = Counter(
            "newswire_dead_letters_total", "Dead letters, by reason", ["reason"], registry=registry
        )
        self.removed = Counter(
            "newswire_lines_removed_total",
            "Pieces cleaning removed, by reason and source (the first MAX_SOURCES seen)",
            ["reason", "source"],
            registry=registry,
        )
        self.entities = Counter(
            "newswire_entities_total",
            "Entities tagged in emitted stories, by type",
            ["type"],
            registry=registry,
        )
        self.linked = Counter(
            "newswire_entity_mentions_total",
            "Mentions of gazetteer entities in emitted stories",
            ["id", "name"],
            registry=registry,
        )
        self.alerts = Counter(
            "newswire_alerts_total", "Alerts emitted, by watch", ["watch"], registry=registry
        )
        self.replays = Counter(
            "newswire_replays_total",
            "Messages seen again after a restart and not emitted twice",
            registry=registry,
        )
        self.produce_retries = Counter(
            "newswire_produce_retries_total",
            "Messages the broker refused and that were sent again, by topic",
            ["topic"],
            registry=registry,
        )
        self.stage_seconds = Histogram(
            "newswire_stage_seconds",
            "Time per pipeline stage",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=registry,
        )
        self.end_to_end = Histogram(
            "newswire_end_to_end_seconds",
            "From the raw message's timestamp to its outcome being acknowledged",
            buckets=E2E_BUCKETS,
            registry=registry,
        )
        self.lag = Gauge(
            "newswire_consumer_lag_messages",
            "Messages not yet read and committed, per topic partition",
            ["topic", "partition"],
            registry=registry,
        )
        self.stalled = Gauge(
            "newswire_stalled_partitions",
            "Assigned partitions with messages waiting and no committed progress for 2 minutes",
            registry=registry,
        )
        self.index_entries = Gauge(
            "newswire_dedupe_index_entries",
            "Entries in this worker's dedupe index",
            registry=registry,
        )
        self.story_entries = Gauge(
            "newswire_story_entries",
            "Entries in this worker's story table (stories, their index, their articles)",
            registry=registry,
        )
        self.open_stories = Gauge(
            "newswire_open_stories",
            "Stories within their window in this worker's story table (at the last sweep)",
            registry=registry,
        )
        self.story_size = Histogram(
            "newswire_story_articles_at_close",
            "Articles per story, counted when the story closes (its window passed)",
            buckets=(1, 2, 3, 5, 10, 20, 50, 100, 500),
            registry=registry,
        )
        self.breaking_alerts = Counter(
            "newswire_breaking_alerts",
            "Stories that reached the breaking threshold (one alert each)",
            registry=registry,
        )
        self.story_articles = Counter(
            "newswire_story_articles",
            "Outcomes given a story: an article opening one or joining one, a duplicate",
            ["how"],
            registry=registry,
        )

    def _source(self, source: str | None) -> str:
        """The source label: the source, "-" for none, "other" past MAX_SOURCES."""
        name = source or "-"
        if name not in self._sources:
            if len(self._sources) >= MAX_SOURCES:
                return OTHER_SOURCE
            self._sources.add(name)
        return name

    def observe_stage(self, stage: str, seconds: float) -> None:
        self.stage_seconds.labels(stage).observe(seconds)

    def observe_outcome(self, outcome: Outcome, end_to_end_seconds: float) -> None:
        self.outcomes.labels(outcome.kind).inc()
        self.end_to_end.observe(max(end_to_end_seconds, 0.0))
        if isinstance(outcome, DeadLetter):
            self.dead_letters.labels(outcome.error).inc()
        elif isinstance(outcome, Enriched):
            # Counted first and added once per label: a story has ~50 mentions, and
            # each labels() and inc() call takes a lock.
            source = self._source(outcome.source)
            for reason, n in Tally(piece.reason for piece in outcome.removed).items():
                self.removed.labels(reason, source).inc(n)
            for kind, n in Tally(entity.type for entity in outcome.entities).items():
                self.entities.labels(kind).inc(n)
            links = Tally(  # as many as the gazetteer has entities
                (e.canonical["id"], e.canonical["name"]) for e in outcome.entities if e.canonical
            )
            for (qid, name), n in links.items():
                self.linked.labels(qid, name).inc(n)


class SourceMetrics:
    """The metrics of `newswire sources`: per source (the file bounds their number)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.fetches = Counter(
            "newswire_source_fetches_total",
            "Polls of a source's document, by result (ok, not_modified, or the failure)",
            ["source", "result"],
            registry=registry,
        )
        self.refused = Counter(
            "newswire_source_refused_total",
            "Documents and pages refused, by source and reason (too_large, entities, ...)",
            ["source", "reason"],
            registry=registry,
        )
        self.sent = Counter(
            "newswire_source_items_sent_total",
            "Items sent to the raw topic, by source",
            ["source"],
            registry=registry,
        )
        self.skipped = Counter(
            "newswire_source_items_skipped_total",
            "Items not sent, by source and reason (no_text, robots)",
            ["source", "reason"],
            registry=registry,
        )
        self.failing = Gauge(
            "newswire_source_failures_in_a_row",
            "Polls of a source that failed in a row (0 when its last poll worked)",
            ["source"],
            registry=registry,
        )
        self.seen = Gauge(
            "newswire_source_seen_items", "Items in the ledger of items sent", registry=registry
        )
