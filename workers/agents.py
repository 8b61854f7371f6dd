"""Faust agents: thin wiring of topics, the dedupe table and the pure pipeline.

    PREFIX.raw ──prepare──► PREFIX.prepared ──decide──► PREFIX.enriched
    (N partitions)          (1 partition)          ├─► PREFIX.duplicates
                                                   └─► PREFIX.deadletter

`prepare` does the costly, stateless work (parse, clean, tag, MinHash) and scales
with the raw topic's partitions across workers. `decide` reads a single-partition
topic, so every dedupe decision is made in one place, in order, against one
index: a near duplicate is caught whichever raw partition its original came
through, with no race between partitions (docs/ARCHITECTURE.md). An outcome is
sent and acknowledged before the index records it, and offsets are committed
only after Faust flushes the producer: a crash can replay a message but not lose
one, and the index recognises replays by their origin.
"""

from __future__ import annotations

import logging
import time

from faust import StreamT, Table

from workers.app import Wiring
from workers.metrics import Metrics
from workers.pipeline.core import Pipeline
from workers.pipeline.dedupe import entry_time, expired
from workers.records import Origin, Prepared, Rejection, dead_letter, dumps

log = logging.getLogger(__name__)

SWEEP_SECONDS = 300.0  # how often each partition's index entries are checked for expiry
LAG_SECONDS = 5.0


def register_agents(wiring: Wiring, pipeline: Pipeline, metrics: Metrics) -> None:
    """Attach the agents and timers to the app."""
    app, index = wiring.app, wiring.index
    outputs = {
        "enriched": wiring.enriched,
        "duplicate": wiring.duplicates,
        "rejected": wiring.deadletter,
    }
    last_sweep = time.monotonic()

    @app.agent(wiring.raw, name="prepare")
    async def prepare(stream: StreamT[bytes]) -> None:
        async for event in stream.events():
            msg = event.message
            metrics.stories_in.inc()
            origin = Origin(msg.topic, msg.partition, msg.offset, msg.timestamp or time.time())
            value = event.value if event.value is not None else b""
            prepared = pipeline.prepare(value, event.key, origin)
            await wiring.prepared.send(key=prepared.key.encode(), value=prepared.to_bytes())

    @app.agent(wiring.prepared, name="decide")
    async def decide(stream: StreamT[bytes]) -> None:
        nonlocal last_sweep
        async for event in stream.events():
            try:
                prepared = Prepared.from_bytes(event.value)
            except (ValueError, KeyError, TypeError) as exc:
                # Not ours (or from an incompatible version): dead-letter it, never crash.
                msg = event.message
                origin = Origin(msg.topic, msg.partition, msg.offset, msg.timestamp or time.time())
                reason = Rejection("internal_error", f"undecodable prepared record: {exc!r}")
                letter = dead_letter(event.value or b"", event.key, origin, reason, time.time())
                prepared = Prepared(f"dl:{origin.ref}", origin.ref, origin.timestamp, letter)
            decision = pipeline.decide(prepared, lambda key: index.get(key.encode()))
            outcome = decision.outcome
            if outcome is None:
                metrics.replays.inc()
                log.info("replay of %s recognised; not emitted again", prepared.origin_ref)
            else:
                out_key = (outcome.id or prepared.origin_ref).encode()
                delivery = await outputs[outcome.kind].send(key=out_key, value=dumps(outcome))
                await delivery  # the index records only what the broker acknowledged
                metrics.observe_outcome(outcome, time.time() - prepared.received)
            for key, value in decision.writes.items():
                index[key.encode()] = value
            if time.monotonic() - last_sweep > SWEEP_SECONDS:
                last_sweep = time.monotonic()
                _sweep(index, pipeline, metrics)

    @app.timer(interval=LAG_SECONDS)
    async def report_lag() -> None:
        consumer = app.consumer
        committed = app.monitor.tp_committed_offsets
        for tp in consumer.assignment():
            if tp.topic not in (wiring.raw.get_topic_name(), wiring.prepared.get_topic_name()):
                continue
            done = committed.get(tp)
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            lag = highwater - (done + 1 if done is not None else 0)
            metrics.lag.labels(tp.topic, str(tp.partition)).set(max(lag, 0))


def _sweep(index: Table, pipeline: Pipeline, metrics: Metrics) -> None:
    """Delete expired and surplus index entries (tombstones go to the changelog)."""
    entries = [(key, entry_time(key.decode(), value)) for key, value in index.items()]
    doomed = expired(entries, time.time(), pipeline.opts.dedupe)
    for key in doomed:
        del index[key]
    metrics.index_entries.set(len(entries) - len(doomed))
    if doomed:
        log.info("dedupe index: dropped %d of %d entries", len(doomed), len(entries))
