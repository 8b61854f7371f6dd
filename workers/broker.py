"""Talking to Kafka outside Faust (kafka-python): client settings, errors, topic creation."""

from __future__ import annotations

import logging
import time
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from workers.config import Settings
from workers.errors import BrokerError
from workers.records import ORIGIN_HEADER

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 10_000


def client_config(settings: Settings, role: str) -> dict[str, Any]:
    """The settings every kafka-python client of newswire shares; `role` names it to the broker."""
    return {
        "bootstrap_servers": settings.kafka_bootstrap.split(","),
        "client_id": f"{settings.app_id}-{role}",
        "bootstrap_timeout_ms": CONNECT_TIMEOUT_MS,
    }


def broker_error(settings: Settings, exc: KafkaError) -> BrokerError:
    """A `BrokerError` that says in words why Kafka could not be used."""
    name = type(exc).__name__
    if name in ("NoBrokersAvailable", "KafkaTimeoutError", "KafkaConnectionError"):
        reason = "no broker answered (is Kafka running there? is the address right?)"
    else:
        reason = f"{name}: {exc}"
    return BrokerError(settings.kafka_bootstrap, reason)


def ensure_topics(settings: Settings) -> list[str]:
    """Create newswire's public topics if missing (Faust creates its internal ones)."""
    t = settings.topics
    wanted = [t.raw, t.enriched, t.duplicates, t.deadletter, t.alerts]
    try:
        client = KafkaAdminClient(
            **client_config(settings, "admin"), request_timeout_ms=CONNECT_TIMEOUT_MS
        )
    except KafkaError as exc:
        raise broker_error(settings, exc) from None
    try:
        existing = set(client.list_topics())
        missing = [name for name in wanted if name not in existing]
        if missing:
            spec = {
                name: {
                    "num_partitions": settings.partitions,
                    "replication_factor": settings.replication_factor,
                }
                for name in missing
            }
            client.create_topics(spec, raise_errors=False, wait_for_metadata=True)
            log.info("created topics %s", ", ".join(missing))
        return missing
    except KafkaError as exc:
        raise broker_error(settings, exc) from None
    finally:
        client.close()


def emitted_origins(settings: Settings, since: float, timeout: float = 60.0) -> set[str]:
    """Origins of the outcomes emitted since `since` (epoch seconds), read from their headers.

    After a crash, messages whose outcome went out but whose index entry did not
    are replayed; their origins are here, so they are not emitted twice.
    """
    t = settings.topics
    consumer = KafkaConsumer(
        **client_config(settings, "replay-scan"), group_id=None, enable_auto_commit=False
    )
    try:
        tps = [
            TopicPartition(topic, p)
            for topic in (t.enriched, t.duplicates, t.deadletter)
            for p in consumer.partitions_for_topic(topic) or ()
        ]
        consumer.assign(tps)
        starts = consumer.offsets_for_times({tp: int(since * 1000) for tp in tps})
        ends = consumer.end_offsets(tps)
        for tp in tps:
            consumer.seek(tp, starts[tp].offset if starts.get(tp) else ends[tp])
        origins: set[str] = set()
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise BrokerError(settings.kafka_bootstrap, "reading recent outcomes timed out")
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    origins.update(v.decode() for k, v in record.headers if k == ORIGIN_HEADER)
        return origins
    except KafkaError as exc:
        raise broker_error(settings, exc) from None
    finally:
        consumer.close()
