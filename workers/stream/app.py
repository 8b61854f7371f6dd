"""The Faust app, its topics and its table, defined once from `Settings`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import cast

import faust
from faust.topics import Topic
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import ProducerT, TransportT

from workers.config import DECIDE_PARTITIONS, Settings
from workers.stream.assignor import DeciderAwareAssignor
from workers.stream.broker import faust_credentials
from workers.stream.consumer import Transport

# The dedupe index (see workers.pipeline.dedupe for its keys).
INDEX_TABLE = "dedupe-index"
# Learned boilerplate: per source, its line counts (workers.pipeline.boilerplate).
LEARNED_TABLE = "learned-boilerplate"
# Stories: their summaries, the inverted index, the articles' stories (workers.stories).
STORIES_TABLE = "stories"
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
# Records a fetch hands Faust, and an agent's queue: Faust's drain loop waits on a full
# queue, so a batch of thousands of raw records held the decision partition's next
# records back for seconds in a catch-up (docs/ARCHITECTURE.md, "One decision
# partition"; with the consumer's decision-first fetch).
POLL_RECORDS = 500
STREAM_BUFFER = 1024


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
    stories: Topic
    index: faust.Table
    learned: faust.Table
    story_table: faust.Table


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
        broker_max_poll_records=POLL_RECORDS,
        stream_buffer_maxsize=STREAM_BUFFER,
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
    window_ms = int(settings.story_window_hours * 3600 * 1000)
    story_table = table(
        STORIES_TABLE, **{"cleanup.policy": "compact,delete", "retention.ms": window_ms}
    )
    return Wiring(
        app=app,
        raw=topic(topics.raw),
        prepared=topic(topics.prepared, partitions=DECIDE_PARTITIONS, internal=True),
        enriched=topic(topics.enriched),
        duplicates=topic(topics.duplicates),
        deadletter=topic(topics.deadletter),
        alerts=topic(topics.alerts),
        stories=topic(topics.stories),
        index=index,
        learned=learned,
        story_table=story_table,
    )
