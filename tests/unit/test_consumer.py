"""The worker's consumer (workers.app): it rewinds partitions the group never
committed, and the broker holds its empty fetches briefly."""

import asyncio
import inspect
from pathlib import Path
from types import SimpleNamespace

from aiokafka import AIOKafkaConsumer, TopicPartition

from workers.app import FETCH_WAIT_MS, ConsumerThread, RewindingConsumer, create_app
from workers.config import Settings

RAW0, RAW1, PREPARED = (TopicPartition("n.raw", 0), TopicPartition("n.raw", 1),
                        TopicPartition("n.prepared", 0))  # fmt: skip
CHANGELOG = TopicPartition("n-dedupe-index-changelog", 0)


class Thread:
    """The consumer thread's two seeks, as aiokafka reports them."""

    def __init__(self, committed: dict[TopicPartition, int | None]) -> None:
        self.committed = committed
        self.to_beginning: list[TopicPartition] = []

    async def seek_to_committed(self) -> dict[TopicPartition, int | None]:
        return self.committed

    async def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        self.to_beginning.extend(partitions)


def seek(committed: dict[TopicPartition, int | None]) -> tuple[dict, list[TopicPartition]]:
    consumer = object.__new__(RewindingConsumer)
    consumer._thread = thread = Thread(committed)
    consumer.app = SimpleNamespace(tables=SimpleNamespace(changelog_topics={CHANGELOG.topic}))
    return asyncio.run(consumer.seek_to_committed()), thread.to_beginning


def test_never_committed_stream_partitions_go_back_to_their_beginning():
    committed = {RAW0: None, RAW1: 0, PREPARED: 17, CHANGELOG: None}
    returned, rewound = seek(committed)
    assert returned == committed  # Faust's read and committed offsets, unchanged
    assert rewound == [RAW0, RAW1]  # offset 0 too: aiokafka seeks only above 0


def test_committed_partitions_are_left_where_aiokafka_put_them():
    assert seek({RAW0: 5, PREPARED: 1})[1] == []


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
