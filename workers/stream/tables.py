"""What the decide agent reads and writes in its two tables: the dedupe index (with its
buckets in the bucket store, workers/stream/buckets.py) and the learned boilerplate.

The index's writes of a decision are applied only once its outcome is acknowledged;
until then later decisions see them through `pending` (the overlay `lookup` reads
first). Buckets go before the table, and after each batch the same fresh token goes to
both, so that whatever a crash cuts short, every story in the table is in its buckets.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
from collections.abc import Iterator

from faust import Table

from workers.ops.memory import resident_bytes, trim_heap
from workers.ops.metrics import Metrics
from workers.pipeline.core import Pipeline
from workers.pipeline.dedupe import BAND_PREFIX, DedupeOptions, Deduper, entry_time, expired
from workers.stories import assign
from workers.stories.assign import StoryOptions
from workers.stream.buckets import TOKEN_KEY, BucketStore, new_token, stories_oldest_first

log = logging.getLogger(__name__)

# A source with no story for this long is dropped from the learned boilerplate.
LEARNED_RETENTION_SECONDS = 30 * 86400.0
# The story table holds the summaries and the articles' stories; the posting lists
# (`sx:`), derivable from the summaries, live beside the buckets in the local store, so
# that an article's dozen of them are not a dozen changelog messages.
STORY_PREFIXES = (assign.STORY, assign.ARTICLE, assign.WATCHED)
LOCAL_PREFIXES = (BAND_PREFIX, assign.FEATURE)


class Index:
    """The decide step's state as the agent sees it: the dedupe table, the bucket store,
    the story table (its keys by prefix), and the writes of decisions whose outcomes are
    still in flight."""

    def __init__(self, table: Table, buckets: BucketStore, stories: Table) -> None:
        self.table = table
        self.buckets = buckets
        self.stories = stories
        self.pending: dict[str, bytes] = {}

    def lookup(self, key: str) -> bytes | None:
        """The state as the batch sees it: its own writes first, then the store of the key."""
        if key in self.pending:
            return self.pending[key]
        if key.startswith(LOCAL_PREFIXES):
            return self.buckets.get(key)
        if key.startswith(STORY_PREFIXES):
            return self.stories.get(key.encode())
        return self.table.get(key.encode())

    def record(self, writes: dict[str, bytes]) -> None:
        """Once a decision's outcome is acknowledged: write its entries. Stories first: a
        replay the index recognises has its story; then buckets, then the dedupe table."""
        for key, value in writes.items():
            if key.startswith(STORY_PREFIXES):
                self.stories[key.encode()] = value
        self.buckets.apply({k: v for k, v in writes.items() if k.startswith(LOCAL_PREFIXES)})
        for key, value in writes.items():
            if not key.startswith((*LOCAL_PREFIXES, *STORY_PREFIXES)):
                self.table[key.encode()] = value
            if self.pending.get(key) is value:  # no later decision has written it since
                del self.pending[key]

    def mark(self) -> None:
        """After a batch's writes: the same new token in the buckets, then in the table."""
        token = new_token()
        self.buckets.mark(token)
        self.table[TOKEN_KEY.encode()] = token

    async def reconcile(self, deduper: Deduper, story_opts: StoryOptions) -> None:
        """Rebuild the buckets and the story postings from the tables unless the table and
        the local store hold the same token."""
        token = self.table.get(TOKEN_KEY.encode())
        if token is not None and token == self.buckets.token:
            return
        started = time.monotonic()
        stories = stories_oldest_first(self.table.items())
        log.info("dedupe index: rebuilding the near-duplicate buckets of %d stories", len(stories))
        for done in self.buckets.rebuild(deduper, stories, self.table.get):
            log.info("dedupe index: %d of %d stories in their buckets", done, len(stories))
            await asyncio.sleep(0)  # heartbeats and metrics go on
        summaries = [
            assign.Story.from_bytes(value)
            for key, value in self.stories.items()
            if key.startswith(assign.STORY.encode())
        ]
        self.buckets.apply(assign.postings_of(summaries, story_opts))
        log.info("stories: the postings of %d stories rebuilt", len(summaries))
        self.mark()
        log.info("dedupe index: buckets rebuilt in %.1f s", time.monotonic() - started)

    def sweep_stories(self, opts: StoryOptions, metrics: Metrics) -> list[assign.Story]:
        """Delete the story entries past the window, then the oldest beyond the bound; the
        stories deleted, now closed."""

        summaries = 0

        def entries() -> Iterator[tuple[bytes, float]]:
            nonlocal summaries
            summaries = 0
            for key, value in self.stories.items():
                summaries += key.startswith(assign.STORY.encode())
                yield key, assign.entry_time(key.decode(), value)

        bound = DedupeOptions(retention_seconds=opts.window_seconds, max_entries=opts.max_entries)
        doomed, _, left = expired(entries, time.time(), bound)
        closed = []
        for key in doomed:
            if key.startswith(assign.STORY.encode()):
                closed.append(assign.Story.from_bytes(self.stories[key]))
                metrics.story_size.observe(closed[-1].articles)
            del self.stories[key]
        since = time.time() - opts.window_seconds
        self.buckets.sweep_keys(
            assign.FEATURE, lambda value: assign.entry_time(assign.FEATURE, value) < since
        )
        metrics.story_entries.set(left)
        metrics.open_stories.set(summaries - len(closed))
        if doomed:
            log.info(
                "stories: %d closed; %d of %d entries dropped",
                len(closed), len(doomed), len(doomed) + left,
            )  # fmt: skip
        return closed

    def sweep(self, pipeline: Pipeline, metrics: Metrics) -> None:
        """Delete expired and surplus entries (tombstones go to the changelog), then the
        buckets whose every member is gone."""
        token = TOKEN_KEY.encode()

        def entries() -> Iterator[tuple[bytes, float]]:
            for key, value in self.table.items():
                if not key.startswith(token):
                    yield key, entry_time(key.decode(), value)

        doomed, oldest, left = expired(entries, time.time(), pipeline.opts.dedupe)
        for key in doomed:
            del self.table[key]
        # A bucket's time is its newest member's: older than every story kept, it holds none.
        dropped, kept = self.buckets.sweep(oldest)
        metrics.index_entries.set(left)
        returned = trim_heap()  # what the sweep and the 5 minutes before it freed
        if doomed or dropped:
            log.info(
                "dedupe index: dropped %d of %d entries, %d of %d buckets; %.0f MB of freed "
                "memory returned to the system, %.0f MB resident",
                len(doomed), len(doomed) + left, dropped, dropped + kept, returned / 2**20,
                resident_bytes() / 2**20,
            )  # fmt: skip


class Learned:
    """The learned-boilerplate table: per source, its line counts after the 8-byte time
    they were saved."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def load(self, source: str) -> bytes | None:
        value = self.table.get(source.encode())
        return value[8:] if value else None

    def save(self, changed: dict[str, bytes]) -> None:
        now = struct.pack("<d", time.time())
        for source, counts in changed.items():
            self.table[source.encode()] = now + counts

    def sweep(self) -> None:
        """Forget the sources with no story for LEARNED_RETENTION_SECONDS."""
        since = time.time() - LEARNED_RETENTION_SECONDS
        stale = [k for k, v in self.table.items() if struct.unpack("<d", v[:8])[0] < since]
        for key in stale:
            del self.table[key]
        if stale:
            log.info("learned boilerplate: forgot %d sources with no story for 30 days", len(stale))
