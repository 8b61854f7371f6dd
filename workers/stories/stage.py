"""The story stage: after the dedupe decision, every outcome gets its story.

An enriched article joins (or opens) a story; a duplicate joins its canonical's story,
its outlet counted as a source; a dead letter and a replay have none. The writes go
with the decision's, so the worker applies them once the outcome is acknowledged, as
it does the dedupe index's: a replay recognised downstream still records its story,
and the `sa:` entry keeps it from counting twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

import orjson

from workers.config import Settings
from workers.pipeline.core import Decision
from workers.pipeline.watch import Watch, alerts_for
from workers.records import Alert, DuplicateNotice, Enriched, Prepared
from workers.stories.assign import WATCHED, Lookup, Story, StoryIndex, StoryOptions, Writes
from workers.stories.evidence import Evidence, evidence

# Gazetteer names are looked for in the headline and the body's first characters: the
# lead names the event's actors; the whole body cost twice as much for little more.
LINKED_CHARS = 1500


class StoryStage:
    """`linked(text)`: the canonical ids of the gazetteer names in a text (the pipeline's
    `EntityTagger.linked_ids`), evidence beside the tagged entities."""

    def __init__(
        self, opts: StoryOptions | None = None, linked: Callable[[str], set[str]] | None = None
    ) -> None:
        self.index = StoryIndex(opts)
        self.opts = self.index.opts
        self.linked = linked

    @classmethod
    def from_settings(
        cls, settings: Settings, linked: Callable[[str], set[str]] | None = None
    ) -> StoryStage:
        opts = StoryOptions(
            window_seconds=settings.story_window_hours * 3600.0,
            min_similarity=settings.story_min_similarity,
            max_entries=settings.story_max_entries,
            breaking_sources=settings.breaking_sources,
            breaking_minutes=settings.breaking_minutes,
            update_seconds=settings.story_update_seconds,
            stale_seconds=settings.alert_stale_minutes * 60.0,
        )
        return cls(opts, linked)

    def evidence(self, article: Enriched) -> Evidence:
        lead = f"{article.headline or ''}\n{article.body[:LINKED_CHARS]}"
        ids = self.linked(lead) if self.linked else ()
        return evidence(article, ids)

    def apply(self, prepared: Prepared, decision: Decision, lookup: Lookup, now: float) -> Storied:
        """The decision with its outcome's `story_id` set and the story's writes added."""
        outcome, event = decision.outcome, prepared.event
        if not isinstance(event, Enriched):
            return Storied(decision)
        if isinstance(outcome, Enriched):
            found = self.index.assign(lookup, outcome.id, self.evidence(outcome), now)
        elif isinstance(outcome, DuplicateNotice):
            ev = Evidence({}, event.language, event.source or "", event.headline or "")
            found = self.index.join(lookup, outcome.id, outcome.duplicate_of, ev, now)
            if found is None:  # the canonical's story has passed its window
                return Storied(decision)
        else:
            return Storied(decision)
        storied = replace(
            decision,
            outcome=replace(outcome, story_id=found.story.id),
            writes=decision.writes | found.writes,
        )
        return Storied(storied, found.story if found.writes else None, found.breaking)

    def alerts(
        self, article: Enriched, watches: Iterable[Watch], lookup: Lookup, now: float
    ) -> tuple[list[Alert], Writes]:
        """The watch alerts of an enriched article, and the writes that remember them: a
        `per: story` watch alerts on the first article of a story it matches, and
        `sw:<story>#<watch>` keeps a later article, or a replay, from alerting again (each
        matching article renews it, so that it lasts as long as the story). An alert on
        an article older than `stale_seconds` is marked stale."""
        alerts: list[Alert] = []
        writes: Writes = {}
        stale = 0 < self.opts.stale_seconds < now - _written(article)
        for alert in alerts_for(article, watches, now, stale):
            if alert.per == "story" and article.story_id:
                key = f"{WATCHED}{article.story_id}#{alert.watch}"
                writes[key] = orjson.dumps([article.story_id, now])
                if lookup(key) is not None:
                    continue
            alerts.append(alert)
        return alerts, writes


def _written(article: Enriched) -> float:
    """When the article was written, as far as we know: its published_at, else when it
    reached the raw topic."""
    for stamp in (article.published_at, article.received_at):
        try:
            return datetime.fromisoformat(stamp).timestamp()
        except (TypeError, ValueError):  # none, or not a time
            continue
    return math.inf


@dataclass(frozen=True)
class Storied:
    """A decision with its story: `story`, when this decision changed it (None for a
    replay or no story), and whether it just became breaking news."""

    decision: Decision
    story: Story | None = None
    breaking: bool = False
