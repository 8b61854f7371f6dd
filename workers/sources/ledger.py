"""The items already sent, kept where a restart finds them: a compacted Kafka topic.

An item is marked only after the broker acknowledged the raw story, so a crash
between the two resends that one item (the worker's dedupe drops the copy) and
never loses one. The topic has one partition, read by a consumer group: the copy
of `newswire sources` that holds the partition polls, any other stands by and
takes over when it leaves, after it has drained (the rebalance waits for that).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition

log = logging.getLogger(__name__)


class SeenSet:
    """Item keys with the time each was sent, bounded by age and by count (oldest go)."""

    def __init__(self, max_entries: int, max_age: float) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        self._keys: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: str) -> bool:
        at = self._keys.get(key)
        return at is not None and at > time.time() - self.max_age

    def add(self, key: str, at: float) -> None:
        self._keys[key] = at
        self._keys.move_to_end(key)
        while len(self._keys) > self.max_entries:
            self._keys.popitem(last=False)

    def clear(self) -> None:
        self._keys.clear()


class Ledger(ConsumerRebalanceListener):
    """The seen set, loaded from and written to `topic`; `ready` once this copy may poll."""

    def __init__(
        self,
        config: dict[str, object],
        producer: AIOKafkaProducer,
        topic: str,
        group: str,
        seen: SeenSet,
        on_ready: Callable[[], None],
        on_revoked: Callable[[], Awaitable[None]],
    ) -> None:
        self.topic = topic
        self.seen = seen
        self._on_ready = on_ready
        self._on_revoked = on_revoked
        self._partition = TopicPartition(topic, 0)
        self._end: int | None = None  # while loading: the offset the load reads up to
        self._consumer = AIOKafkaConsumer(
            **config,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=10_000,
            heartbeat_interval_ms=2_000,
        )
        self._producer = producer

    async def start(self) -> None:
        await self._consumer.start()
        self._consumer.subscribe([self.topic], listener=self)

    async def stop(self) -> None:
        await self._consumer.stop()

    async def mark(self, key: str, source: str) -> None:
        """Record `key` as sent (waits for the broker's acknowledgement)."""
        at = time.time()
        value = orjson.dumps({"at": at, "source": source})
        await self._producer.send_and_wait(self.topic, value=value, key=key.encode())
        self.seen.add(key, at)

    async def run(self) -> None:
        """Read the topic for as long as this copy holds it: the load, then its own marks."""
        while True:
            batches = await self._consumer.getmany(timeout_ms=1000)
            for records in batches.values():
                for record in records:
                    self._load(record.key, record.value)
            if await self._loaded():
                log.info("ledger %s: %d items already sent; polling", self.topic, len(self.seen))
                self._end = None
                self._on_ready()

    async def _loaded(self) -> bool:
        """Whether a load in progress has read to the end it started with."""
        if self._end is None or self._partition not in self._consumer.assignment():
            return False
        return await self._consumer.position(self._partition) >= self._end

    def _load(self, key: bytes | None, value: bytes | None) -> None:
        try:
            at = float(orjson.loads(value or b"{}").get("at", 0.0))
        except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
            return  # not ours: a stray record in the topic
        if key:
            self.seen.add(key.decode("utf-8", "replace"), at)

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        if self._partition in revoked:
            log.info("ledger %s: handing over; finishing the items in flight", self.topic)
            await self._on_revoked()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        if self._partition not in assigned:
            log.info("ledger %s held by another copy of newswire sources: standing by", self.topic)
            return
        self.seen.clear()
        await self._consumer.seek_to_beginning(self._partition)
        self._end = (await self._consumer.end_offsets([self._partition]))[self._partition]
        log.info("ledger %s: reading %d records of items sent", self.topic, self._end)
