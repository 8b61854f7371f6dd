"""The worker's consumer (workers.stream.consumer): it rewinds partitions the group never
committed, fetches only the partitions active when asked (the decision partition's
first), delivers no paused partition,
delivers each stream partition in offset order whatever a seek does to a batch, and the
broker holds its empty fetches briefly."""

import asyncio
import inspect
import logging
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.transport import consumer as faust_consumer

from workers.config import Settings
from workers.stream.app import create_app
from workers.stream.consumer import FETCH_WAIT_MS, ConsumerThread, RebalanceSafeConsumer

RAW0, RAW1, PREPARED = (TopicPartition("n.raw", 0), TopicPartition("n.raw", 1),
                        TopicPartition("n.prepared", 0))  # fmt: skip
CHANGELOG = TopicPartition("n-dedupe-index-changelog", 0)


class Thread:
    """The consumer thread as the consumer calls it: seeks and fetches, recorded."""

    def __init__(self, committed: dict[TopicPartition, int | None] | None = None) -> None:
        self.committed = committed or {}
        self.to_beginning: list[TopicPartition] = []
        self.seeks: list[tuple[TopicPartition, int]] = []
        self.fetched_for: list[set[TopicPartition] | None] = []
        self.buffered: dict[TopicPartition, list[int]] = {}  # what aiokafka holds

    async def seek_to_committed(self) -> dict[TopicPartition, int | None]:
        return self.committed

    async def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        self.to_beginning.extend(partitions)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.seeks.append((partition, offset))

    async def getmany(self, active: set[TopicPartition] | None, timeout: float) -> dict:
        self.fetched_for.append(active)
        return {tp: self.buffered.pop(tp) for tp in list(self.buffered) if tp in active}


def consumer(thread: Thread | None = None) -> RebalanceSafeConsumer:
    """The consumer's own state only: no app, no broker."""
    consumer = object.__new__(RebalanceSafeConsumer)
    consumer._thread = thread or Thread()
    consumer.app = SimpleNamespace(
        tables=SimpleNamespace(changelog_topics={CHANGELOG.topic}),
        assignor=SimpleNamespace(decision_topic=PREPARED.topic),
    )
    consumer._expected, consumer._gap_sought = {}, {}
    consumer._read_offset = defaultdict(lambda: None)
    consumer._active_partitions, consumer._paused_partitions = set(), set()
    consumer._buffered_partitions = set()
    consumer.log = SimpleNamespace(dev=lambda *args: None)
    return consumer


def seek(committed: dict[TopicPartition, int | None]) -> tuple[dict, list[TopicPartition]]:
    thread = Thread(committed)
    return asyncio.run(consumer(thread).seek_to_committed()), thread.to_beginning


def deliver(
    monkeypatch: pytest.MonkeyPatch, c: RebalanceSafeConsumer, *batches: list[tuple]
) -> list[tuple[TopicPartition, int]]:
    """Run the consumer's getmany over batches of (partition, offset) as Faust would
    fetch them; what it delivers, in order."""
    pending = list(batches)

    async def fetched(self: object, timeout: float):
        for tp, offset in pending.pop(0):
            yield tp, SimpleNamespace(offset=offset)

    monkeypatch.setattr(faust_consumer.Consumer, "getmany", fetched)

    async def run() -> list[tuple[TopicPartition, int]]:
        out = []
        while pending:
            async for tp, message in c.getmany(timeout=1.0):
                assert c._read_offset[tp] in (None, message.offset)  # Faust's check passes
                out.append((tp, message.offset))
        return out

    return asyncio.run(run())


def test_never_committed_stream_partitions_go_back_to_their_beginning():
    committed = {RAW0: None, RAW1: 0, PREPARED: 17, CHANGELOG: None}
    returned, rewound = seek(committed)
    assert returned == committed  # Faust's read and committed offsets, unchanged
    assert rewound == [RAW0, RAW1]  # offset 0 too: aiokafka seeks only above 0


def test_committed_partitions_are_left_where_aiokafka_put_them():
    assert seek({RAW0: 5, PREPARED: 1})[1] == []


def test_a_seek_sets_the_next_offset_of_each_stream_partition():
    thread = Thread({RAW0: 5, RAW1: None, PREPARED: 17, CHANGELOG: 3})
    c = consumer(thread)
    c._expected[RAW1] = 40
    asyncio.run(c.seek_to_committed())
    assert c._expected == {RAW0: 5, PREPARED: 17}  # RAW1 from its beginning, wherever it is


def test_records_are_delivered_in_order_once(monkeypatch):
    c = consumer()
    c._expected[PREPARED] = 10
    batches = [(PREPARED, 10), (PREPARED, 11), (PREPARED, 11), (PREPARED, 9), (PREPARED, 12)]
    assert deliver(monkeypatch, c, batches) == [(PREPARED, 10), (PREPARED, 11), (PREPARED, 12)]
    assert c._expected[PREPARED] == 13


def test_a_batch_fetched_before_a_seek_back_is_not_delivered_past_it(monkeypatch):
    """The handover: recovery seeks the decision partition back to its committed 2098
    while a batch fetched from 2109 is being delivered. Before, 2109 onward went out, the
    records from 2098 were then dropped as already read, and 2098-2108 got no outcome."""
    c = consumer()
    c._expected[PREPARED] = 2098  # the seek
    stale = [(PREPARED, 2109), (PREPARED, 2110), (RAW0, 7)]
    again = [(PREPARED, offset) for offset in range(2098, 2111)]
    delivered = deliver(monkeypatch, c, stale, again)
    assert c._thread.seeks == [(PREPARED, 2098)]  # sought back once, the rest of it skipped
    assert delivered == [(RAW0, 7), *again]  # every offset, in order, once


def test_a_second_gap_at_the_same_offset_is_taken_as_records_gone_from_the_log(monkeypatch, caplog):
    c = consumer()
    c._expected[RAW0] = 100
    with caplog.at_level(logging.WARNING):
        delivered = deliver(monkeypatch, c, [(RAW0, 150)], [(RAW0, 150), (RAW0, 151)])
    assert c._thread.seeks == [(RAW0, 100)]
    assert delivered == [(RAW0, 150), (RAW0, 151)]
    assert "offsets 100-149 are no longer in the log" in caplog.text


def test_changelog_records_pass_as_faust_delivers_them(monkeypatch):
    c = consumer()
    batch = [(CHANGELOG, 5), (CHANGELOG, 9), (CHANGELOG, 2)]  # compacted: gaps are normal
    assert deliver(monkeypatch, c, batch) == batch
    assert c._thread.seeks == []


def test_a_fetch_asks_for_the_partitions_active_when_it_was_asked_for():
    """aiokafka reads an empty set as every partition: Faust's live set, emptied by a
    rebalance while the fetch waited, drained the changelogs under restore."""
    c = consumer()
    active = {RAW0, PREPARED}
    asyncio.run(c._getmany(active_partitions=active, timeout=1.0))
    active.clear()  # a rebalance pauses everything while the fetch waits
    assert c._thread.fetched_for == [{PREPARED}, {RAW0, PREPARED}]


def test_the_decision_partitions_records_are_fetched_first():
    """aiokafka hands out buffered records partition by partition in the order they were
    fetched, so a catch-up's raw records (megabytes a partition) came before the first
    prepared ones: nothing was decided until nearly everything was prepared."""
    thread = Thread()
    thread.buffered = {RAW0: [1, 2], RAW1: [3], PREPARED: [7]}
    c = consumer(thread)
    records = asyncio.run(c._getmany(active_partitions={RAW0, RAW1, PREPARED}, timeout=1.0))
    assert list(records) == [PREPARED, RAW0, RAW1]
    assert thread.fetched_for == [{PREPARED}, {RAW0, RAW1}]
    thread.fetched_for.clear()
    thread.buffered = {RAW0: [3]}  # no decision record buffered: one wait for any
    asyncio.run(c._getmany(active_partitions={RAW0, PREPARED}, timeout=1.0))
    assert thread.fetched_for == [{PREPARED}, {RAW0, PREPARED}]
    thread.fetched_for.clear()
    asyncio.run(c._getmany(active_partitions={RAW0}, timeout=1.0))  # not the decider
    asyncio.run(c._getmany(active_partitions={PREPARED}, timeout=1.0))  # only the decider
    assert thread.fetched_for == [{RAW0}, {PREPARED}]  # never an empty set: "every one"


def test_a_paused_partition_is_no_longer_delivered_for_a_full_queue():
    c = consumer()
    c._buffered_partitions.update({RAW0, PREPARED})  # their agents' queues were full
    c.pause_partitions([PREPARED])  # recovery
    assert c._buffered_partitions == {RAW0}
    assert PREPARED in c._paused_partitions


def test_the_broker_holds_an_empty_fetch_briefly(tmp_path: Path):
    """Faust asks for 1.5 s; a fetch for idle partitions then delayed the next prepared
    records by up to that much."""

    async def created() -> AIOKafkaConsumer:
        env = {"NEWSWIRE_KAFKA_BOOTSTRAP": "127.0.0.1:1", "NEWSWIRE_DATA_DIR": str(tmp_path)}
        app = create_app(Settings.from_env(env)).app
        thread = app.consumer._thread
        assert isinstance(thread, ConsumerThread)
        consumer = thread._create_worker_consumer(app.transport)
        await consumer.stop()
        return consumer

    assert asyncio.run(created())._fetch_max_wait_ms == FETCH_WAIT_MS <= 100
    # aiokafka hands the attribute to its fetcher when it starts
    assert "fetch_max_wait_ms=self._fetch_max_wait_ms" in inspect.getsource(AIOKafkaConsumer.start)
