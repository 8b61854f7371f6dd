"""What the world sees of a story: its state on `PREFIX.stories`, one breaking-news
alert on `PREFIX.alerts` when enough outlets report it within a short time, and the
stories growing fastest in the last hour (the worker's `/stories`, `newswire top`)."""

from __future__ import annotations

from workers.records import BreakingAlert, StoryEvent, utc_iso
from workers.stories.assign import Story, StoryOptions

SOURCES_SHOWN = 10
ENTITIES_SHOWN = 10
HOT_KEPT = 1000  # stories changed in the last hour, kept to rank
HOT_SHOWN = 10


def story_event(story: Story, now: float, opts: StoryOptions, closed: bool = False) -> StoryEvent:
    """The story's state now; `closed` once its window has passed."""
    status = "closed" if closed else "breaking" if story.breaking_at is not None else "developing"
    return StoryEvent(
        story_id=story.id,
        status=status,
        first_seen=utc_iso(story.first_seen),
        last_updated=utc_iso(story.last_seen),
        articles=story.articles,
        articles_last_hour=story.last_hour(now),
        source_count=story.source_count,
        sources=list(story.sources)[:SOURCES_SHOWN],
        languages=dict(story.languages),
        headline=story.headline,
        top_entities=top_entities(story),
        emitted_at=utc_iso(now),
        breaking_at=utc_iso(story.breaking_at) if story.breaking_at is not None else None,
    )


def breaking_alert(story: Story, now: float, opts: StoryOptions) -> BreakingAlert:
    """The alert of a story that broke (at `story.breaking_at`, by its articles' arrival
    times), sent `now`: stale if that was long ago, as in a catch-up after an outage."""
    broke = story.breaking_at if story.breaking_at is not None else now
    recent = story.sources_since(broke - opts.breaking_minutes * 60)
    reason = f"{len(recent)} sources within {opts.breaking_minutes:g} minutes"
    return BreakingAlert(
        story_id=story.id,
        headline=story.headline,
        reason=reason,
        source_count=story.source_count,
        sources=list(story.sources)[:SOURCES_SHOWN],
        languages=sorted(story.languages),
        top_entities=top_entities(story),
        first_seen=utc_iso(story.first_seen),
        emitted_at=utc_iso(now),
        stale=0 < opts.stale_seconds < now - broke,
    )


def top_entities(story: Story) -> list[dict[str, object]]:
    counted = sorted(story.entities.items(), key=lambda kv: (-kv[1][1], kv[0]))
    return [{"id": qid, "name": name, "articles": n} for qid, (name, n) in counted][:ENTITIES_SHOWN]


class HotStories:
    """The stories changed in the last hour (at most HOT_KEPT, the least recent dropped
    first), ranked by their articles of the last hour."""

    def __init__(self) -> None:
        self.stories: dict[str, Story] = {}

    def add(self, story: Story) -> None:
        self.stories.pop(story.id, None)
        self.stories[story.id] = story  # insertion order: least recently changed first
        if len(self.stories) > HOT_KEPT:
            del self.stories[next(iter(self.stories))]

    def top(self, now: float, shown: int = HOT_SHOWN) -> list[dict[str, object]]:
        """The stories with the most articles in the last hour: size, sources, growth."""
        for sid in [sid for sid, s in self.stories.items() if now - s.last_seen > 3600]:
            del self.stories[sid]
        ranked = sorted(self.stories.values(), key=lambda s: (-s.last_hour(now), -s.last_seen))
        return [
            {
                "story_id": s.id,
                "headline": s.headline,
                "articles": s.articles,
                "articles_last_hour": s.last_hour(now),
                "source_count": s.source_count,
                "languages": sorted(s.languages),
                "breaking": s.breaking_at is not None,
            }
            for s in ranked[:shown]
        ]
