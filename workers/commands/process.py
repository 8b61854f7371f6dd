"""`newswire process`: the whole pipeline over JSON lines, no Kafka, one outcome per line."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import BinaryIO

from workers.pipeline.core import Pipeline
from workers.pipeline.dedupe import MemoryIndex
from workers.pipeline.watch import Watch
from workers.records import Enriched, Origin, dumps
from workers.stories.assign import Story
from workers.stories.events import breaking_alert, story_event
from workers.stories.stage import StoryStage

SAVE_EVERY = 1000  # lines between saves of the learned-boilerplate counts


def process_lines(
    lines: Iterable[bytes],
    out: BinaryIO,
    pipeline: Pipeline,
    source: str = "stdin",
    stories: StoryStage | None = None,
    watches: Sequence[Watch] = (),
    alerts: BinaryIO | None = None,
    story_states: BinaryIO | None = None,
) -> Counter[str]:
    """Write one outcome per non-blank input line, in order; return counts by kind.

    The dedupe index, the stories and the learned boilerplate live for the whole run, so
    a later copy of a story is caught, articles about one event share a story (`stories`,
    by default from the default settings) and an outlet's recurring line is learned.
    Enriched stories that `watches` match give alerts, written to `alerts`, as are the
    breaking-news alerts of stories; the last state of each story goes to `story_states`
    at the end (each as `PREFIX.stories` would hold it).
    """
    opts = pipeline.opts.dedupe
    index = MemoryIndex(opts.max_entries * (1 + opts.near.bands))  # a story and its buckets
    # Learned-boilerplate counts of sources out of the learner's memory, serialised
    # (a few KB a source), as the worker keeps them in its table.
    learned: dict[str, bytes] = {}
    counts: Counter[str] = Counter()
    stories = stories or StoryStage(linked=pipeline.entities.linked_ids)
    latest: dict[str, Story] = {}  # each story's last state
    for number, line in enumerate(lines, 1):
        line = line.rstrip(b"\r\n")
        if not line.strip():
            continue
        prepared = pipeline.prepare(line, None, Origin(source, 0, number, time.time()))
        decision = pipeline.decide(prepared, index.get, learned.get)
        storied = stories.apply(prepared, decision, index.get, time.time())
        decision = storied.decision
        pipeline.learn(decision, learned.get)
        index.apply(decision.writes)
        if storied.story is not None:
            latest[storied.story.id] = storied.story
        if alerts is not None and storied.breaking and storied.story is not None:
            alerts.write(dumps(breaking_alert(storied.story, time.time(), stories.opts)) + b"\n")
            counts["breaking"] += 1
        if number % SAVE_EVERY == 0:
            learned.update(pipeline.learner.take_changed())
        if decision.outcome is not None:  # a replay needs a repeated origin: never offline
            out.write(dumps(decision.outcome) + b"\n")
            counts[decision.outcome.kind] += 1
        if alerts is not None and isinstance(decision.outcome, Enriched):
            found, writes = stories.alerts(decision.outcome, watches, index.get, time.time())
            index.apply(writes)
            for alert in found:
                alerts.write(dumps(alert) + b"\n")
                counts["alert"] += 1
    if story_states is not None:
        for story in latest.values():
            story_states.write(dumps(story_event(story, time.time(), stories.opts)) + b"\n")
    counts["story"] = len(latest)
    return counts
