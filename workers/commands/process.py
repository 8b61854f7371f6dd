"""`newswire process`: the whole pipeline over JSON lines, no Kafka, one outcome per line."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import BinaryIO

from workers.pipeline.core import Pipeline
from workers.pipeline.dedupe import MemoryIndex
from workers.pipeline.watch import Watch, alerts_for
from workers.records import Enriched, Origin, dumps
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
) -> Counter[str]:
    """Write one outcome per non-blank input line, in order; return counts by kind.

    The dedupe index, the stories and the learned boilerplate live for the whole run, so
    a later copy of a story is caught, articles about one event share a story (`stories`,
    by default from the default settings) and an outlet's recurring line is learned.
    Enriched stories that `watches` match give alerts, written to `alerts`.
    """
    opts = pipeline.opts.dedupe
    index = MemoryIndex(opts.max_entries * (1 + opts.near.bands))  # a story and its buckets
    # Learned-boilerplate counts of sources out of the learner's memory, serialised
    # (a few KB a source), as the worker keeps them in its table.
    learned: dict[str, bytes] = {}
    counts: Counter[str] = Counter()
    stories = stories or StoryStage(linked=pipeline.entities.linked_ids)
    for number, line in enumerate(lines, 1):
        line = line.rstrip(b"\r\n")
        if not line.strip():
            continue
        prepared = pipeline.prepare(line, None, Origin(source, 0, number, time.time()))
        decision = pipeline.decide(prepared, index.get, learned.get)
        decision = stories.apply(prepared, decision, index.get, time.time())
        index.apply(decision.writes)
        if number % SAVE_EVERY == 0:
            learned.update(pipeline.learner.take_changed())
        if decision.outcome is not None:  # a replay needs a repeated origin: never offline
            out.write(dumps(decision.outcome) + b"\n")
            counts[decision.outcome.kind] += 1
        if alerts is not None and isinstance(decision.outcome, Enriched):
            for alert in alerts_for(decision.outcome, watches, time.time()):
                alerts.write(dumps(alert) + b"\n")
                counts["alert"] += 1
    return counts
