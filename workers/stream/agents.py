"""Faust agents: thin wiring of topics, tables and the pure pipeline.

    PREFIX.raw ──prepare──► PREFIX.prepared ──decide──► PREFIX.enriched
    (N partitions)          (1 partition)          ├─► PREFIX.duplicates
                                                   ├─► PREFIX.deadletter
                                                   └─► PREFIX.alerts (watchlist)

`prepare` does the costly, stateless work (parse, clean, tag, MinHash) and scales
with the raw topic's partitions across workers. `decide` reads a single-partition
topic, so every dedupe decision is made in one place, in order, against one index:
a near duplicate is caught whichever raw partition its original came through, with
no race between partitions (docs/ARCHITECTURE.md). An outcome is sent and
acknowledged before the index records it, and offsets are committed only after the
broker has every message: a crash can replay a message but not lose one. A replay
is recognised by its origin: in the index, or, when the crash came between an
outcome and its index write, in the headers of the outcomes emitted since the first
message replayed (read once each time the decision partition is assigned).

`Agents` holds what the agents share between events; its methods read top to bottom
as what happens to a raw message (`prepare`), to a prepared one (`decide`, `answer`),
after each batch (`after_batch`), when the decision partition arrives
(`on_assigned`, `take_over`) and at each sweep (`sweep`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace

import orjson
from faust import StreamT
from faust.types import EventT, Message

from workers.errors import NewswireError
from workers.ops.metrics import Metrics
from workers.ops.web import Health
from workers.pipeline.core import Pipeline
from workers.records import (
    ORIGIN_HEADER,
    Alert,
    DuplicateNotice,
    Enriched,
    Origin,
    Outcome,
    Prepared,
    Rejection,
    dumps,
)
from workers.stories.assign import Story, Writes, story_id
from workers.stories.events import HotStories, breaking_alert, story_event
from workers.stories.stage import Storied, StoryStage
from workers.stream.app import Wiring
from workers.stream.buckets import BucketStore
from workers.stream.delivery import InFlight, Send, deliver
from workers.stream.lag import LAG_SECONDS, LagTimer
from workers.stream.tables import Index, Learned
from workers.stream.watchlist import WatchlistFile

log = logging.getLogger(__name__)

SWEEP_SECONDS = 300.0  # how often the index entries are checked for expiry
# Learned-boilerplate counts are written to their table at most this often (a
# source's counts are up to ~16 KB: not once per story); a crash forgets at most
# this much learning.
LEARNED_SAVE_SECONDS = 10.0
# Outcomes are looked up from this long before the first replayed message was
# prepared: clocks of the producing and deciding process may differ a little.
REPLAY_SCAN_MARGIN_SECONDS = 10.0
WATCHLIST_CHECK_SECONDS = 5.0  # how often the watchlist file is checked for changes
STORY_SEND_SECONDS = 1.0  # how often held-back story states are looked at


class Agents:
    """The agents and timers of one worker, and the state they share.

    `buckets` holds the index's LSH buckets, derived from the table
    (workers/stream/buckets.py); `emitted_since(t)` returns the origins of outcomes
    emitted since epoch time t; `stories` gives each outcome its story; enriched stories
    a watch of `watchlist` matches also go to the alerts topic; a partition stalled for
    `stall_restart_seconds` (0: never) stops the worker; `health` is what /healthz and
    /readyz report, kept current by the lag timer.
    """

    def __init__(
        self,
        wiring: Wiring,
        pipeline: Pipeline,
        buckets: BucketStore,
        metrics: Metrics,
        emitted_since: Callable[[float], set[str]],
        stories: StoryStage,
        stall_restart_seconds: float = 0.0,
        watchlist: WatchlistFile | None = None,
        health: Health | None = None,
    ) -> None:
        self.wiring = wiring
        self.pipeline = pipeline
        self.stories = stories
        self.metrics = metrics
        self.emitted_since = emitted_since
        self.watchlist = watchlist
        self.health = health
        self.index = Index(wiring.index, buckets, wiring.story_table)
        self.learned = Learned(wiring.learned)
        self.outputs = {
            "enriched": wiring.enriched,
            "duplicate": wiring.duplicates,
            "rejected": wiring.deadletter,
        }
        topics = (wiring.raw.get_topic_name(), wiring.prepared.get_topic_name())
        self.lag = LagTimer(wiring.app, topics, metrics, stall_restart_seconds, health)
        self.last_sweep = self.last_save = time.monotonic()
        # The decision partition was (re)assigned: before the next decision, take over.
        self.taking_over = True
        # Origins answered since the first record of this assignment was prepared.
        self.emitted: set[str] = set()
        # Stories whose state went out in the last `update_seconds` (monotonic time), and
        # those changed since, held back until it passes.
        self.story_sent: dict[str, float] = {}
        self.waiting_stories: dict[str, Story] = {}
        self.hot = HotStories()  # for /stories

    def register(self) -> None:
        """Attach the agents and timers to the app."""
        app = self.wiring.app
        app.on_partitions_assigned.connect(self.on_assigned)
        app.agent(self.wiring.raw, name="prepare")(self.prepare)
        app.agent(self.wiring.prepared, name="decide")(self.decide)
        app.timer(interval=LAG_SECONDS)(self.lag.tick)
        app.timer(interval=STORY_SEND_SECONDS)(self.send_stories)
        if self.watchlist is not None:
            app.timer(interval=WATCHLIST_CHECK_SECONDS)(self.reread_watchlist)

    # What happens to a raw message.

    async def prepare(self, stream: StreamT[bytes]) -> None:
        async with InFlight(stream, self.metrics).flushing() as batch:
            async for event in stream.noack().events():
                self.metrics.stories_in.inc()
                value = event.value if event.value is not None else b""
                prepared = self.pipeline.prepare(value, event.key, _origin(event.message))
                topic = self.wiring.prepared
                await batch.add(event, [Send(topic, prepared.key.encode(), prepared.to_bytes())])

    # What happens to a prepared one.

    async def decide(self, stream: StreamT[bytes]) -> None:
        async with InFlight(stream, self.metrics, after=self.after_batch).flushing() as batch:
            async for event in stream.noack().events():
                if self.taking_over:
                    await batch.flush()
                    await self.take_over(event.message.timestamp)
                await self.answer(event, batch)
                if time.monotonic() - self.last_sweep > SWEEP_SECONDS:
                    await batch.flush()
                    await self.sweep()

    async def answer(self, event: EventT, batch: InFlight) -> None:
        """Decide one prepared record; its outcome and alerts join the batch, and its index
        writes and metrics wait for their acknowledgement."""
        prepared = _prepared(event, self.pipeline)
        decision = self.pipeline.decide(prepared, self.index.lookup, self.learned.load)
        started = time.perf_counter()
        # A story's clock is its articles' arrival: a catch-up does not make old news
        # look like a burst.
        storied = self.stories.apply(prepared, decision, self.index.lookup, prepared.received)
        self.metrics.observe_stage("stories", time.perf_counter() - started)
        self.pipeline.learn(storied.decision, self.learned.load)
        outcome: Outcome | None = storied.decision.outcome
        origin = prepared.origin_ref
        # Alerts go with their story; after a crash, those not found in the scan again.
        alerts, alert_writes = self.alerts(outcome, origin)
        decision = replace(storied.decision, writes=storied.decision.writes | alert_writes)
        self.index.pending.update(decision.writes)
        if origin in self.emitted:
            outcome = None
        sends = [self.alert_send(alert, origin) for alert in alerts]
        sends += self.story_sends(storied, origin)
        if outcome is None:
            self.metrics.replays.inc()
            log.debug("replay of %s recognised; not emitted again", origin)
        else:
            headers = [(ORIGIN_HEADER, origin.encode())]
            key = (outcome.id or origin).encode()
            sends.insert(0, Send(self.outputs[outcome.kind], key, dumps(outcome), headers))
        watched = [alert.watch for alert in alerts]

        def written() -> None:
            self.index.record(decision.writes)

        def counted() -> None:
            if outcome is not None:
                self.metrics.observe_outcome(outcome, time.time() - prepared.received)
            if isinstance(outcome, Enriched | DuplicateNotice) and outcome.story_id:
                self.metrics.story_articles.labels(_how(outcome)).inc()
            for name in watched:
                self.metrics.alerts.labels(name).inc()

        await batch.add(event, sends, written, counted)

    def story_sends(self, storied: Storied, origin: str) -> list[Send]:
        """The story's state, unless sent within the last `update_seconds` (then it waits
        for `send_stories`); the breaking-news alert the first time it breaks."""
        story, opts = storied.story, self.stories.opts
        if story is None:
            return []
        self.hot.add(story)
        sends = []
        if storied.breaking and f"{origin}#breaking" not in self.emitted:
            self.metrics.breaking_alerts.inc()
            alert = breaking_alert(story, time.time(), opts)
            headers = [(ORIGIN_HEADER, f"{origin}#breaking".encode())]
            sends.append(Send(self.wiring.alerts, story.id.encode(), dumps(alert), headers))
        last = self.story_sent.get(story.id)
        if storied.breaking or last is None or time.monotonic() - last >= opts.update_seconds:
            self.story_sent[story.id] = time.monotonic()
            self.waiting_stories.pop(story.id, None)
            sends.append(self.story_send(story))
        else:
            self.waiting_stories[story.id] = story
        return sends

    def story_send(self, story: Story, closed: bool = False) -> Send:
        state = story_event(story, time.time(), self.stories.opts, closed)
        return Send(self.wiring.stories, story.id.encode(), dumps(state))

    async def send_stories(self) -> None:
        """Every second: the states held back by `update_seconds` whose time has come, and
        the top stories for /stories."""
        if self.health is not None:
            self.health.stories = orjson.dumps({"stories": self.hot.top(time.time())})
        now, every = time.monotonic(), self.stories.opts.update_seconds
        for sid, sent in list(self.story_sent.items()):  # bounded: the last few seconds'
            if now - sent >= every and sid not in self.waiting_stories:
                del self.story_sent[sid]
        due = [s for sid, s in self.waiting_stories.items() if now - self.story_sent[sid] >= every]
        for story in due:  # taken before the send, which the agent does not wait for
            self.story_sent[story.id] = now
            del self.waiting_stories[story.id]
        if due:
            await deliver([self.story_send(story) for story in due], self.metrics)

    def alerts(self, outcome: Outcome | None, origin: str) -> tuple[list[Alert], Writes]:
        """The alerts of an enriched article not already emitted (by a run before a crash),
        and the writes that remember a `per: story` watch's alert (kept for a replay too)."""
        if self.watchlist is None or not isinstance(outcome, Enriched):
            return [], {}
        watches = self.watchlist.watches
        found, writes = self.stories.alerts(outcome, watches, self.index.lookup, time.time())
        fresh = [alert for alert in found if _alert_origin(origin, alert) not in self.emitted]
        return fresh, writes

    def alert_send(self, alert: Alert, origin: str) -> Send:
        headers = [(ORIGIN_HEADER, _alert_origin(origin, alert).encode())]
        return Send(self.wiring.alerts, alert.key.encode(), dumps(alert), headers)

    # After each batch's outcomes are acknowledged.

    def after_batch(self) -> None:
        """Mark the index; now and then, save what was learned."""
        self.index.mark()
        if time.monotonic() - self.last_save >= LEARNED_SAVE_SECONDS:
            self.last_save = time.monotonic()
            self.learned.save(self.pipeline.learner.take_changed())

    # When the decision partition arrives.

    async def on_assigned(self, sender: object, assigned: set[object], **kwargs: object) -> None:
        prepared = self.wiring.prepared.get_topic_name()
        if any(getattr(tp, "topic", None) == prepared for tp in assigned):
            self.taking_over = True

    async def take_over(self, first: float | None) -> None:
        """Before the first decision of an assignment: forget what another worker may have
        changed since, find what was answered since `first` was prepared, and bring the
        buckets in line with the table."""
        self.taking_over = False
        self.index.pending.clear()  # written, or left from an earlier assignment
        self.pipeline.learner.forget()  # the table may hold another worker's counts
        self.emitted = await self.scan(first)
        await self.index.reconcile(self.pipeline.deduper, self.stories.opts)

    async def scan(self, first: float | None) -> set[str]:
        """Origins already answered since the first message of this assignment was prepared."""
        since = (first or time.time()) - REPLAY_SCAN_MARGIN_SECONDS
        try:
            origins = await asyncio.to_thread(self.emitted_since, since)
        except NewswireError as exc:
            log.warning("could not read recent outcomes (%s); replays may be emitted twice", exc)
            return set()
        log.info("%d outcomes emitted since the replayed messages were prepared", len(origins))
        return origins

    # At each sweep, and on the timers.

    async def sweep(self) -> None:
        """Expired index entries and buckets out, stories past their window closed, sources
        silent for 30 days forgotten."""
        self.last_sweep = time.monotonic()
        self.index.sweep(self.pipeline, self.metrics)
        closed = self.index.sweep_stories(self.stories.opts, self.metrics)
        if closed:
            await deliver([self.story_send(story, closed=True) for story in closed], self.metrics)
        self.learned.sweep()

    async def reread_watchlist(self) -> None:
        assert self.watchlist is not None
        self.watchlist.refresh()


def _how(outcome: Enriched | DuplicateNotice) -> str:
    """How an outcome came into its story: a duplicate, or an article that opened it (the
    story's id is derived from its first article's) or joined it."""
    if isinstance(outcome, DuplicateNotice):
        return "duplicate"
    return "opened" if outcome.story_id == story_id(outcome.id) else "joined"


def _alert_origin(origin: str, alert: Alert) -> str:
    """The origin header of an alert: its story's origin and the watch."""
    return f"{origin}#{alert.watch}"


def _prepared(event: EventT, pipeline: Pipeline) -> Prepared:
    """The prepared record of an event; anything undecodable becomes a dead-letter candidate."""
    try:
        return Prepared.from_bytes(event.value)
    except (ValueError, KeyError, TypeError) as exc:  # not ours, or an incompatible version
        reason = Rejection("internal_error", f"undecodable prepared record: {exc!r}")
        return pipeline.reject(event.value or b"", event.key, _origin(event.message), reason)


def _origin(message: Message) -> Origin:
    """Where a Kafka message came from; its timestamp, or now when it has none."""
    timestamp = message.timestamp or time.time()
    return Origin(message.topic, message.partition, message.offset, timestamp)
