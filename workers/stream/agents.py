"""Faust agents: thin wiring of topics, the dedupe table and the pure pipeline.

    PREFIX.raw ──prepare──► PREFIX.prepared ──decide──► PREFIX.enriched
    (N partitions)          (1 partition)          ├─► PREFIX.duplicates
                                                   ├─► PREFIX.deadletter
                                                   └─► PREFIX.alerts (watchlist)

`prepare` does the costly, stateless work (parse, clean, tag, MinHash) and scales
with the raw topic's partitions across workers. `decide` reads a single-partition
topic, so every dedupe decision is made in one place, in order, against one
index: a near duplicate is caught whichever raw partition its original came
through, with no race between partitions (docs/ARCHITECTURE.md). An outcome is
sent and acknowledged before the index records it, and offsets are committed
only after Faust flushes the producer: a crash can replay a message but not lose
one. A replay is recognised by its origin: in the index, or, when the crash came
between an outcome and its index write, in the headers of the outcomes emitted
since the first message replayed (read once each time the decision partition
is assigned).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import struct
import time
from collections.abc import Callable, Iterator
from functools import partial

from aiokafka.errors import IllegalStateError
from faust import StreamT, Table
from faust.types import TP, ConsumerT, EventT, Message

from workers.errors import NewswireError
from workers.ops.health import ProgressWatch
from workers.ops.memory import resident_bytes, trim_heap
from workers.ops.metrics import Metrics
from workers.ops.web import Health
from workers.pipeline.core import Pipeline
from workers.pipeline.dedupe import BAND_PREFIX, Deduper, entry_time, expired
from workers.pipeline.watch import alerts_for
from workers.records import (
    ORIGIN_HEADER,
    Alert,
    Enriched,
    Origin,
    Outcome,
    Prepared,
    Rejection,
    dumps,
)
from workers.stream.app import Wiring
from workers.stream.buckets import TOKEN_KEY, BucketStore, new_token, stories_oldest_first
from workers.stream.delivery import InFlight, Send
from workers.stream.watchlist import WatchlistFile

log = logging.getLogger(__name__)

SWEEP_SECONDS = 300.0  # how often the index entries are checked for expiry
# Learned-boilerplate counts are written to their table at most this often (a
# source's counts are up to ~16 KB: not once per story); a crash forgets at most
# this much learning. A source with no story for LEARNED_RETENTION_SECONDS is dropped.
LEARNED_SAVE_SECONDS = 10.0
LEARNED_RETENTION_SECONDS = 30 * 86400.0
# Outcomes are looked up from this long before the first replayed message was
# prepared: clocks of the producing and deciding process may differ a little.
REPLAY_SCAN_MARGIN_SECONDS = 10.0
LAG_SECONDS = 5.0
WATCHLIST_CHECK_SECONDS = 5.0  # how often the watchlist file is checked for changes


def register_agents(
    wiring: Wiring,
    pipeline: Pipeline,
    buckets: BucketStore,
    metrics: Metrics,
    emitted_since: Callable[[float], set[str]],
    stall_restart_seconds: float = 0.0,
    watchlist: WatchlistFile | None = None,
    health: Health | None = None,
) -> None:
    """Attach the agents and timers to the app.

    `buckets` holds the index's LSH buckets, derived from the table (workers/stream/buckets.py);
    enriched stories a watch of `watchlist` matches also go to the alerts topic;
    `emitted_since(t)` returns the origins of outcomes emitted since epoch time t;
    a partition stalled for `stall_restart_seconds` (0: never) stops the worker;
    `health` is what /healthz and /readyz report, kept current by the lag timer.
    """
    app, index, learned = wiring.app, wiring.index, wiring.learned
    outputs = {
        "enriched": wiring.enriched,
        "duplicate": wiring.duplicates,
        "rejected": wiring.deadletter,
    }
    last_sweep = last_save = time.monotonic()
    needs_scan = True
    emitted: set[str] = set()

    @app.on_partitions_assigned.connect
    async def on_assigned(sender: object, assigned: set[object], **kwargs: object) -> None:
        nonlocal needs_scan
        if any(getattr(tp, "topic", None) == wiring.prepared.get_topic_name() for tp in assigned):
            needs_scan = True

    @app.agent(wiring.raw, name="prepare")
    async def prepare(stream: StreamT[bytes]) -> None:
        async with InFlight(stream, metrics).flushing() as batch:
            async for event in stream.noack().events():
                metrics.stories_in.inc()
                value = event.value if event.value is not None else b""
                prepared = pipeline.prepare(value, event.key, _origin(event.message))
                sends = [Send(wiring.prepared, prepared.key.encode(), prepared.to_bytes())]
                await batch.add(event, sends)

    def after_batch() -> None:
        """Once a batch's outcomes are acknowledged: mark the index; now and then, save
        what was learned."""
        nonlocal last_save
        _mark(index, buckets)
        if time.monotonic() - last_save >= LEARNED_SAVE_SECONDS:
            last_save = time.monotonic()
            _save_learned(learned, pipeline.learner.take_changed())

    @app.agent(wiring.prepared, name="decide")
    async def decide(stream: StreamT[bytes]) -> None:
        async with InFlight(stream, metrics, after=after_batch).flushing() as batch:
            await _decide(stream, batch)

    async def _decide(stream: StreamT[bytes], batch: InFlight) -> None:
        nonlocal last_sweep, needs_scan, emitted
        # Index writes not yet in the table (their outcomes are in flight): decisions
        # see them first, so each decision sees every one before it.
        pending: dict[str, bytes] = {}
        lookup = partial(_lookup, pending, index, buckets)
        load = partial(_load_learned, learned)
        async for event in stream.noack().events():
            if needs_scan:
                needs_scan = False
                await batch.flush()
                pending.clear()  # written, or left from an earlier assignment
                pipeline.learner.forget()  # the table may hold another worker's counts
                emitted = await _scan(emitted_since, event.message.timestamp)
                await _reconcile(index, buckets, pipeline.deduper)
            prepared = _prepared(event, pipeline)
            decision = pipeline.decide(prepared, lookup, load)
            pending.update(decision.writes)
            outcome = decision.outcome
            # Alerts go with their story; after a crash, those not found in the scan again.
            alerts = _alerts(outcome, watchlist, emitted, prepared.origin_ref)
            if prepared.origin_ref in emitted:
                outcome = None
            if outcome is None:
                metrics.replays.inc()
                log.debug("replay of %s recognised; not emitted again", prepared.origin_ref)
                sends = []
            else:
                headers = [(ORIGIN_HEADER, prepared.origin_ref.encode())]
                key = (outcome.id or prepared.origin_ref).encode()
                sends = [Send(outputs[outcome.kind], key, dumps(outcome), headers)]
            sends += [_alert_send(wiring, alert, prepared.origin_ref) for alert in alerts]
            watched = [alert.watch for alert in alerts]
            written = partial(_record, index, buckets, pending, decision.writes)
            counted = partial(_count, metrics, outcome, prepared.received, watched)
            await batch.add(event, sends, written, counted)
            if time.monotonic() - last_sweep > SWEEP_SECONDS:
                last_sweep = time.monotonic()
                await batch.flush()
                _sweep(index, buckets, pipeline, metrics)
                _sweep_learned(learned)

    if watchlist is not None:

        @app.timer(interval=WATCHLIST_CHECK_SECONDS)
        async def reread_watchlist() -> None:
            watchlist.refresh()

    watch = ProgressWatch()

    @app.timer(interval=LAG_SECONDS)
    async def report_lag() -> None:
        if health is not None:
            health.beat = time.monotonic()
            health.ready = not app.rebalancing
        consumer = app.consumer
        committed = app.monitor.tp_committed_offsets
        mine = [
            tp
            for tp in consumer.assignment()
            if tp.topic in (wiring.raw.get_topic_name(), wiring.prepared.get_topic_name())
        ]
        # The watch holds the partitions given a lag sample below: a partition a
        # rebalance took away leaves both (its lag is another worker's now), and the
        # watch forgets its stall.
        for tp in watch.keep_only(mine):
            metrics.lag.remove(tp.topic, str(tp.partition))
        stalled = 0
        for tp in mine:
            offsets = await _offsets(consumer, tp)
            if offsets is None:
                continue
            highwater, position = offsets
            done = committed.get(tp)
            # Committed by this process, or at least read: after a restart an idle,
            # caught-up partition has no commit of ours but its position is at the end.
            read = max(position or 0, done + 1 if done is not None else 0)
            lag = max(highwater - read, 0)
            metrics.lag.labels(tp.topic, str(tp.partition)).set(lag)
            idle = watch.observe(tp, read, lag, time.monotonic())
            if not watch.stalled(idle):
                continue
            stalled += 1
            if watch.newly_stalled(tp, idle):
                log.warning("%s:%d: %d messages waiting, no progress", tp.topic, tp.partition, lag)
            if 0 < stall_restart_seconds <= idle:
                log.error(
                    "%s:%d: no progress for %.0f s; stopping so that the supervisor restarts "
                    "this worker (uncommitted messages are read again and recognised)",
                    tp.topic, tp.partition, idle,
                )  # fmt: skip
                os.kill(os.getpid(), signal.SIGTERM)
                break
        metrics.stalled.set(stalled)


async def _offsets(consumer: ConsumerT, tp: TP) -> tuple[int, int | None] | None:
    """A partition's high-water mark and read position; None if it has none yet, or if a
    rebalance took it away while the timer looked (aiokafka asserts on an unassigned
    partition, and an exception in a Faust timer crashes the worker)."""
    try:
        if tp not in consumer.assignment():
            return None
        highwater = consumer.highwater(tp)
        if highwater is None:
            return None
        return highwater, await consumer.position(tp)
    except (AssertionError, IllegalStateError):
        return None


def _record(
    index: Table, buckets: BucketStore, pending: dict[str, bytes], writes: dict[str, bytes]
) -> None:
    """Once a decision's outcome is acknowledged: write its index entries.

    Buckets first: whatever a crash cuts short, every story in the table is in its
    buckets (a bucket member with no story is skipped at lookup).
    """
    buckets.apply({k: v for k, v in writes.items() if k.startswith(BAND_PREFIX)})
    for key, value in writes.items():
        if not key.startswith(BAND_PREFIX):
            index[key.encode()] = value
        if pending.get(key) is value:  # no later decision has written it since
            del pending[key]


def _count(metrics: Metrics, outcome: Outcome | None, received: float, watched: list[str]) -> None:
    """Once acknowledged: the outcome and its alerts in the metrics."""
    if outcome is not None:
        metrics.observe_outcome(outcome, time.time() - received)
    for name in watched:
        metrics.alerts.labels(name).inc()


def _alerts(
    outcome: Outcome | None, watchlist: WatchlistFile | None, emitted: set[str], origin: str
) -> list[Alert]:
    """The alerts of an enriched story not already emitted (by a run before a crash)."""
    if watchlist is None or not isinstance(outcome, Enriched):
        return []
    found = alerts_for(outcome, watchlist.watches, time.time())
    return [alert for alert in found if _alert_origin(origin, alert) not in emitted]


def _alert_origin(origin: str, alert: Alert) -> str:
    """The origin header of an alert: its story's origin and the watch."""
    return f"{origin}#{alert.watch}"


def _alert_send(wiring: Wiring, alert: Alert, origin: str) -> Send:
    headers = [(ORIGIN_HEADER, _alert_origin(origin, alert).encode())]
    return Send(wiring.alerts, f"{alert.story_id}:{alert.watch}".encode(), dumps(alert), headers)


def _load_learned(learned: Table, source: str) -> bytes | None:
    """A source's stored line counts (after the 8-byte time they were saved)."""
    value = learned.get(source.encode())
    return value[8:] if value else None


def _save_learned(learned: Table, changed: dict[str, bytes]) -> None:
    now = struct.pack("<d", time.time())
    for source, counts in changed.items():
        learned[source.encode()] = now + counts


def _sweep_learned(learned: Table) -> None:
    """Forget the sources with no story for LEARNED_RETENTION_SECONDS."""
    since = time.time() - LEARNED_RETENTION_SECONDS
    stale = [key for key, value in learned.items() if struct.unpack("<d", value[:8])[0] < since]
    for key in stale:
        del learned[key]
    if stale:
        log.info("learned boilerplate: forgot %d sources with no story for 30 days", len(stale))


def _mark(index: Table, buckets: BucketStore) -> None:
    """After a batch's writes: the same new token in the buckets, then in the table."""
    token = new_token()
    buckets.mark(token)
    index[TOKEN_KEY.encode()] = token


async def _reconcile(index: Table, buckets: BucketStore, deduper: Deduper) -> None:
    """Rebuild the buckets from the table's stories unless both hold the same token."""
    token = index.get(TOKEN_KEY.encode())
    if token is not None and token == buckets.token:
        return
    started = time.monotonic()
    stories = stories_oldest_first(index.items())
    log.info("dedupe index: rebuilding the near-duplicate buckets of %d stories", len(stories))
    for done in buckets.rebuild(deduper, stories, index.get):
        log.info("dedupe index: %d of %d stories in their buckets", done, len(stories))
        await asyncio.sleep(0)  # heartbeats and metrics go on
    _mark(index, buckets)
    log.info("dedupe index: buckets rebuilt in %.1f s", time.monotonic() - started)


def _lookup(
    pending: dict[str, bytes], index: Table, buckets: BucketStore, key: str
) -> bytes | None:
    """The index as the batch sees it: its own writes first, then the buckets or the table."""
    if key in pending:
        return pending[key]
    return buckets.get(key) if key.startswith(BAND_PREFIX) else index.get(key.encode())


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


async def _scan(emitted_since: Callable[[float], set[str]], first: float | None) -> set[str]:
    """Origins already answered since the first message of this assignment was prepared."""
    since = (first or time.time()) - REPLAY_SCAN_MARGIN_SECONDS
    try:
        origins = await asyncio.to_thread(emitted_since, since)
    except NewswireError as exc:
        log.warning("could not read recent outcomes (%s); replays may be emitted twice", exc)
        return set()
    log.info("%d outcomes emitted since the replayed messages were prepared", len(origins))
    return origins


def _sweep(index: Table, buckets: BucketStore, pipeline: Pipeline, metrics: Metrics) -> None:
    """Delete expired and surplus index entries (tombstones go to the changelog), then
    the buckets whose every member is gone."""
    token = TOKEN_KEY.encode()

    def entries() -> Iterator[tuple[bytes, float]]:
        for key, value in index.items():
            if not key.startswith(token):
                yield key, entry_time(key.decode(), value)

    doomed, oldest, left = expired(entries, time.time(), pipeline.opts.dedupe)
    for key in doomed:
        del index[key]
    # A bucket's time is its newest member's: older than every story kept, it holds none.
    dropped, kept = buckets.sweep(oldest)
    metrics.index_entries.set(left)
    returned = trim_heap()  # what the sweep and the 5 minutes before it freed
    if doomed or dropped:
        log.info(
            "dedupe index: dropped %d of %d entries, %d of %d buckets; %.0f MB of freed "
            "memory returned to the system, %.0f MB resident",
            len(doomed), len(doomed) + left, dropped, dropped + kept, returned / 2**20,
            resident_bytes() / 2**20,
        )  # fmt: skip
