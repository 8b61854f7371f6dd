"""Talking to Kafka outside Faust (kafka-python): client settings, errors, topic creation."""

from __future__ import annotations

import logging
from typing import Any

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from workers.config import Settings
from workers.errors import BrokerError

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
