"""The Faust app, its topics and its table, defined once from `Settings`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import cast

import aiokafka
import faust
from faust.topics import Topic
from faust.transport.consumer import RecordMap
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message, ProducerT, TransportT

from workers.config import DECIDE_PARTITIONS, Settings
from workers.stream.assignor import DeciderAwareAssignor
from workers.stream.broker import faust_credentials

log = logging.getLogger(__name__)

# The dedupe index (see workers.pipeline.dedupe for its keys).
INDEX_TABLE = "dedupe-index"
# Learned boilerplate: per source, its line counts (workers.pipeline.boilerplate).
LEARNED_TABLE = "learned-boilerplate"
# RocksDB for the table and the bucket store: 10 bloom bits per key (Faust's
# default of 3 lets about one lookup in six of an absent key read from disk), and
# memory bounded per store to a 16 MiB block cache plus two 16 MiB write buffers.
# Faust's defaults (a 2 GiB cache, three 64 MiB write buffers) took the worker of
# the million-story soak to ~650 MB RSS with 128 MiB caches; 64 MiB caches ended
# a 200,000-story soak at 561 MB, 16 MiB ones at 446 MB; the decision's cost did
# not change beyond this machine's noise (blocks not cached are in the OS page
# cache; docs/BENCHMARKS.md).
# Outcomes and prepared records are produced in batches of up to 512 KB after a
# linger of 5 ms: Faust's default of 16 KB and no linger is a request per handful.
PRODUCER_BATCH_BYTES = 512 * 1024
PRODUCER_LINGER_SECONDS = 0.005
ROCKSDB_OPTIONS = {
    "bloom_filter_size": 10,
    "block_cache_size": 16 * 1024**2,
    "write_buffer_size": 16 * 1024**2,
    "max_write_buffer_number": 2,
}
# Bytes fetched per partition and request. Faust's 1 MiB is ~200 prepared records
# (each carries its story), and the next fetch waits for those to be consumed: the
# decide agent spent two thirds of its time idle. Measured in docs/BENCHMARKS.md.
FETCH_BYTES = 8 * 1024**2
# How long the broker may hold a fetch that finds nothing new. aiokafka keeps one
# fetch in flight per broker, and a partition whose records are still buffered is
# left out of it; so once the raw partitions were drained, the fetch for the next
# prepared records waited behind one for the idle raw partitions, up to Faust's
# 1.5 s: a deciding worker sat idle 20-50% of the time. An idle worker now asks
# 20 times a second instead of once every 1.5 s (2.4% of a core instead of 1%).
FETCH_WAIT_MS = 50


class IdempotentProducer(faust_aiokafka.Producer):
    """Faust's aiokafka producer with idempotence on outside transactions too.

    Without it a batch the broker wrote but could not acknowledge (it went down
    mid-request) is sent again by the client and written twice: one outcome doubled.
    With it the broker drops the resent copy by its sequence number, and the client
    retries retriable errors (a broker restarting, a leader moving) until they pass
    instead of failing the send back to us after a timeout.
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        self._renewing = asyncio.Lock()

    def _settings_extra(self) -> dict[str, object]:
        return {**super()._settings_extra(), "acks": "all", "enable_idempotence": True}

    async def renew(self) -> None:
        """Replace the client with a new one (a new producer id).

        A batch the broker refuses for good (say, too large for the topic) still used
        its sequence numbers: the broker then refuses every later batch to that
        partition as out of order, forever. A new producer id starts the sequences
        afresh. The old client is stopped after, so sends still in it finish first.
        """
        async with self._renewing:
            old, self._producer = self._producer, self._new_producer()
            self.beacon.add(self._producer)
            await self._producer.start()
            if old is not None:
                await old.stop()


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """Faust's consumer thread, with the broker's wait for an empty fetch bounded."""

    def _create_worker_consumer(self, transport: TransportT) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # Faust passes 1500 and offers no setting; aiokafka reads it at start().
        consumer._fetch_max_wait_ms = FETCH_WAIT_MS
        return consumer


class RewindingConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer, corrected where a rebalance lost or reordered records
    (and running `ConsumerThread`). docs/ARCHITECTURE.md, "Rebalances", has the story.

    - **Never-committed partitions are rewound.** Records fetched while a rebalance
      holds the flow are dropped by Faust, which then seeks every partition back to its
      committed offset; aiokafka seeks only to committed offsets above 0, so on a
      partition never committed the dropped records were skipped for good. Such a
      partition goes back to its beginning (`auto_offset_reset="earliest"` started it
      there); what was read is read again, and a replay is recognised downstream.
    - **A fetch asks for the partitions active when it was asked for.** Faust hands
      aiokafka its live set of active partitions, which a rebalance empties while the
      fetch waits (up to 1 s), and aiokafka reads an empty set as "every partition": it
      then drained records of paused partitions and of changelogs under restore, which
      Faust dropped. A changelog's records were then never read: the new owner of the
      decision partition waited forever to finish restoring the dedupe table.
    - **A paused partition is not delivered.** A partition whose stream queue was full
      is delivered by Faust whether active or not; once recovery paused it, its records
      reached the agents before the table was restored. Pausing takes it off that list.
    - **Stream partitions are delivered in offset order, each offset once.** A batch
      fetched before a seek went on being delivered after it, and the delivery under
      way when the seek came wrote its offset over the one the seek had set: records
      from the committed offset were then dropped as already read (the new owner
      decided 2097, then 2109 onward, never 2098-2108, and the commit stuck at 2098),
      or taken for a gap in the log and acknowledged twice (commits then crept by
      two offsets a second). Here each raw and prepared partition expects its next
      offset (set by every seek, advanced by every delivery): an earlier record is
      skipped, a later one means records were skipped, so the partition is sought
      back to the one expected (once: if the log no longer holds it, the record is
      taken, with a warning).
    """

    _expected: dict[TP, int]  # next offset to deliver, per stream partition
    _gap_sought: dict[TP, int]  # the expected offset last sought back to, per partition

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._expected, self._gap_sought = {}, {}

    async def seek_to_committed(self) -> Mapping[TP, int]:
        committed = await super().seek_to_committed()
        never = [tp for tp, at in committed.items() if not at and self._is_stream(tp)]
        if never:
            await self._thread.seek_to_beginning(*never)
        for tp, at in committed.items():
            if at and self._is_stream(tp):
                self._expected[tp] = at
        for tp in never:
            self._expected.pop(tp, None)  # its first record, wherever the log begins
        return committed

    async def seek(self, partition: TP, offset: int) -> None:
        await super().seek(partition, offset)
        if self._is_stream(partition):
            self._expected[partition] = offset

    async def _getmany(self, active_partitions: set[TP] | None, timeout: float) -> RecordMap:
        wanted = None if active_partitions is None else set(active_partitions)
        return await super()._getmany(wanted, timeout)

    def pause_partitions(self, tps: Iterable[TP]) -> None:
        tps = set(tps)
        super().pause_partitions(tps)
        self._buffered_partitions.difference_update(tps)

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        self._buffered_partitions.difference_update(revoked)
        for tp in revoked:
            self._expected.pop(tp, None)
            self._gap_sought.pop(tp, None)
        await super().on_partitions_revoked(revoked)

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        sought: set[TP] = set()  # sought back in this batch: the rest of it is stale
        async for tp, message in super().getmany(timeout):
            if self._is_stream(tp) and (
                tp in sought or not await self._in_order(tp, message.offset, sought)
            ):
                continue
            yield tp, message

    async def _in_order(self, tp: TP, offset: int, sought: set[TP]) -> bool:
        """Whether this record of a stream partition is the next to deliver; when records
        before it were skipped, the partition is sought back to them."""
        expected = self._expected.get(tp)
        if expected is not None and offset < expected:
            return False  # delivered already
        if expected is not None and offset > expected:
            if self._gap_sought.get(tp) != expected:
                log.info(
                    "%s:%d: offset %d fetched where %d was expected; reading again from %d",
                    tp.topic, tp.partition, offset, expected, expected,
                )  # fmt: skip
                self._gap_sought[tp] = expected
                sought.add(tp)
                await self.seek(tp, expected)
                return False
            log.warning(
                "%s:%d: offsets %d-%d are no longer in the log; reading on from %d",
                tp.topic, tp.partition, expected, offset - 1, offset,
            )  # fmt: skip
        self._expected[tp] = offset + 1
        self._read_offset[tp] = offset  # what Faust checks next: neither old nor past a gap
        return True

    def _is_stream(self, tp: TP) -> bool:
        return tp.topic not in self.app.tables.changelog_topics

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    """Faust's aiokafka transport with the rewinding consumer."""

    Consumer = RewindingConsumer


class App(faust.App):
    """faust.App with the idempotent producer and the rewinding consumer."""

    def _new_producer(self) -> ProducerT:
        return IdempotentProducer(self.transport, loop=self.loop, beacon=self.beacon)

    def _new_transport(self) -> TransportT:
        return Transport(self.conf.broker_consumer, self)


@dataclass(frozen=True)
class Wiring:
    """The app and everything the agents read and write."""

    app: faust.App
    raw: Topic
    prepared: Topic
    enriched: Topic
    duplicates: Topic
    deadletter: Topic
    alerts: Topic
    index: faust.Table
    learned: faust.Table


def create_app(settings: Settings) -> Wiring:
    """Build the Faust app for these settings; no broker is contacted until it starts."""
    app = App(
        settings.app_id,
        broker=[f"kafka://{server}" for server in settings.kafka_bootstrap.split(",")],
        broker_credentials=faust_credentials(settings),
        store="rocksdb://" if settings.store == "rocksdb" else "memory://",
        datadir=str(settings.data_dir),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        processing_guarantee="at_least_once",  # exactly_once measured: docs/ARCHITECTURE.md
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_batch_size=PRODUCER_BATCH_BYTES,
        producer_linger=PRODUCER_LINGER_SECONDS,
        consumer_max_fetch_size=FETCH_BYTES,
        broker_session_timeout=settings.session_timeout_seconds,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_seconds / 4),
        # No standby copies of the table on other workers: a new owner restores it from
        # the changelog (bounded by retention). Standby recovery is where faust's
        # multi-worker hangs are reported (e.g. robinhood/faust#517).
        table_standby_replicas=0,
        PartitionAssignor=DeciderAwareAssignor,
        web_enabled=False,
        autodiscover=False,
        key_serializer="raw",
        value_serializer="raw",
    )
    topics = settings.topics
    assignor = cast(DeciderAwareAssignor, app.assignor)
    assignor.decision_topic, assignor.spread_topic = topics.prepared, topics.raw

    def topic(name: str, partitions: int = settings.partitions, internal: bool = False) -> Topic:
        return app.topic(
            name, key_type=bytes, value_type=bytes, partitions=partitions, internal=internal
        )

    def table(name: str, **configs: object) -> faust.Table:
        """A bytes-to-bytes table on RocksDB, in the decision partition."""
        return app.Table(
            name,
            default=None,
            key_type=bytes,
            value_type=bytes,
            partitions=DECIDE_PARTITIONS,
            options=dict(ROCKSDB_OPTIONS),  # a copy: Faust's store pops keys from it
            extra_topic_configs=configs or None,
        )

    retention_ms = int(settings.dedupe_retention_hours * 3600 * 1000)
    # The index's changelog forgets entries past retention too, so recovery stays bounded.
    index = table(INDEX_TABLE, **{"cleanup.policy": "compact,delete", "retention.ms": retention_ms})
    learned = table(LEARNED_TABLE)
    return Wiring(
        app=app,
        raw=topic(topics.raw),
        prepared=topic(topics.prepared, partitions=DECIDE_PARTITIONS, internal=True),
        enriched=topic(topics.enriched),
        duplicates=topic(topics.duplicates),
        deadletter=topic(topics.deadletter),
        alerts=topic(topics.alerts),
        index=index,
        learned=learned,
    )
