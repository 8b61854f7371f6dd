"""A real Apache Kafka for the session; per test: own topics, consumer group, state dir, workers."""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka.partitioner import murmur2
from kafka import KafkaConsumer, KafkaProducer

from workers.config import Settings
from workers.ops.processes import Worker, worker_env
from workers.stream.broker import ensure_topics

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "deploy" / "kafka"))
from chaos import uncommitted  # noqa: E402
from launcher import LocalKafka, free_port  # noqa: E402

NEWSWIRE = str(Path(sys.executable).parent / "newswire")


def partition_of(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner gives `key` (murmur2, as the Java client)."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in item.nodeid:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """The broker: NEWSWIRE_KAFKA_BOOTSTRAP if set, else our launcher on a free port."""
    external = os.environ.get("NEWSWIRE_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return
    with LocalKafka() as kafka:
        yield kafka.bootstrap


@pytest.fixture
def env(kafka_bootstrap: str, tmp_path: Path) -> dict[str, str]:
    """Environment for one test's newswire processes: its own topics, group and state."""
    prefix = f"t{uuid.uuid4().hex[:12]}"
    values = worker_env(
        kafka_bootstrap,
        prefix,
        tmp_path / "state",
        NEWSWIRE_MAX_BODY_BYTES="20000",
        NEWSWIRE_SESSION_TIMEOUT_SECONDS="8",
    )
    ensure_topics(settings_of(values))
    return values


def settings_of(env: dict[str, str]) -> Settings:
    return Settings.from_env(env)


class WorkerPool:
    """The workers one test starts, sharing its environment and state dir."""

    def __init__(self, env: dict[str, str], tmp_path: Path) -> None:
        self.env = env
        self.tmp_path = tmp_path
        self.started: list[Worker] = []

    def start(self, name: str = "w0", **extra: str) -> Worker:
        """Start a worker (`extra`: more environment); workers with different names keep
        their state apart."""
        env = {
            **self.env,
            "NEWSWIRE_DATA_DIR": str(self.tmp_path / f"state-{name}"),
            "NEWSWIRE_METRICS_PORT": str(free_port()),
            **extra,
        }
        worker = Worker(env, self.tmp_path / f"{name}-{len(self.started)}.log").start()
        self.started.append(worker)
        return worker


@pytest.fixture
def workers(env: dict[str, str], tmp_path: Path) -> Iterator[WorkerPool]:
    """Start workers with `workers.start()`; all are stopped (logs shown on failure) after."""
    pool = WorkerPool(env, tmp_path)
    yield pool
    for worker in pool.started:
        worker.stop()
    for worker in pool.started:
        print(f"--- {worker.log} ---\n{worker.log.read_text(errors='replace')[-4000:]}")


@pytest.fixture
def send(env: dict[str, str]) -> Callable[[list[tuple[bytes, bytes]]], None]:
    """Produce (key, value) pairs to this test's raw topic, acknowledged."""

    def send_all(messages: list[tuple[bytes, bytes]]) -> None:
        producer = KafkaProducer(bootstrap_servers=env["NEWSWIRE_KAFKA_BOOTSTRAP"], acks="all")
        try:
            for key, value in messages:
                producer.send(settings_of(env).topics.raw, key=key, value=value)
            producer.flush()
        finally:
            producer.close()

    return send_all


@pytest.fixture
def wait_committed(env: dict[str, str]) -> Callable[[], None]:
    """Block until the worker group has committed every raw and prepared offset."""

    def wait(timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not uncommitted(settings_of(env)):
                return
            time.sleep(0.5)
        raise AssertionError("the worker did not commit its offsets in time")

    return wait


class Outcomes:
    """Reads every outcome topic of one test from the beginning."""

    def __init__(self, env: dict[str, str]) -> None:
        t = settings_of(env).topics
        self.events: list[dict[str, Any]] = []
        self.consumer = KafkaConsumer(
            t.enriched,
            t.duplicates,
            t.deadletter,
            bootstrap_servers=env["NEWSWIRE_KAFKA_BOOTSTRAP"],
            group_id=None,
            auto_offset_reset="earliest",
        )

    def poll(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for records in self.consumer.poll(timeout_ms=200).values():
                for record in records:
                    event = orjson.loads(record.value)
                    event["_topic"] = record.topic
                    event["_key"] = record.key
                    self.events.append(event)

    def wait_for(self, count: int, timeout: float = 90.0) -> list[dict[str, Any]]:
        """Block until at least `count` events arrived in all (fail after `timeout`)."""
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            self.poll(0.5)
        assert len(self.events) >= count, f"only {len(self.events)} of {count} outcomes arrived"
        return self.events

    def close(self) -> None:
        self.consumer.close()


@pytest.fixture
def outcomes(env: dict[str, str]) -> Iterator[Outcomes]:
    reader = Outcomes(env)
    yield reader
    reader.close()
