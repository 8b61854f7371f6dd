"""Faust agents: thin wiring of topics, the dedupe table and the pure pipeline.

    news.raw ──prepare──► PREFIX.prepared (keyed by fingerprint) ──decide──► enriched
                                                                        ├─► duplicates
                                                                        └─► deadletter

`prepare` is stateless, so it scales with the raw topic's partitions. `decide`
reads the prepared topic, which is keyed like the index table, so every lookup
is local to its partition, whichever worker owns it. An outcome is sent and
acknowledged before the index records it, and offsets are committed only after
Faust flushes the producer: a crash can replay a message but not lose one, and
the index recognises most replays by their origin (see docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import logging
import time

import orjson
from aiokafka.partitioner import murmur2
from faust import StreamT, Table

from workers.app import Wiring
from workers.metrics import Metrics
from workers.pipeline.core import Pipeline
from workers.pipeline.dedupe import IndexEntry, expired
from workers.records import Origin, Prepared, Rejection, dead_letter, dumps

log = logging.getLogger(__name__)

SWEEP_SECONDS = 300.0  # how often each partition's index entries are checked for expiry
LAG_SECONDS = 5.0


def partition_of(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner gives `key` (murmur2, as the Java client)."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def register_agents(wiring: Wiring, pipeline: Pipeline, metrics: Metrics, partitions: int) -> None:
    """Attach the agents and timers to the app."""
    app, index = wiring.app, wiring.index
    outputs = {
        "enriched": wiring.enriched,
        "duplicate": wiring.duplicates,
        "rejected": wiring.deadletter,
    }
    last_sweep: dict[int, float] = {}

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
            key = event.key or prepared.key.encode()
            stored = index.get(key)
            entry = IndexEntry.from_dict(orjson.loads(stored)) if stored else None
            decision = pipeline.decide(prepared, entry)
            outcome = decision.outcome
            if outcome is None:
                metrics.replays.inc()
                log.info("replay of %s recognised; not emitted again", prepared.origin_ref)
            else:
                out_key = (outcome.id or prepared.origin_ref).encode()
                delivery = await outputs[outcome.kind].send(key=out_key, value=dumps(outcome))
                await delivery  # the index records only what the broker acknowledged
                metrics.observe_outcome(outcome, time.time() - prepared.received)
            index[key] = orjson.dumps(decision.entry.to_dict())
            partition = event.message.partition
            if time.monotonic() - last_sweep.get(partition, 0.0) > SWEEP_SECONDS:
                last_sweep[partition] = time.monotonic()
                _sweep(index, partition, partitions, pipeline, metrics)

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


def _sweep(
    index: Table, partition: int, partitions: int, pipeline: Pipeline, metrics: Metrics
) -> None:
    """Delete this partition's expired and surplus index entries (tombstones to the changelog)."""
    mine = [
        (key, float(orjson.loads(value)["first_seen"]))
        for key, value in index.items()
        if partition_of(key, partitions) == partition
    ]
    doomed = expired(mine, time.time(), pipeline.opts.dedupe)
    for key in doomed:
        del index[key]
    metrics.index_entries.set(len(index))
    if doomed:
        log.info(
            "dedupe index: partition %d dropped %d of %d entries", partition, len(doomed), len(mine)
        )
