"""Talking to Kafka outside Faust: reachability checks and topic creation (kafka-python)."""

from __future__ import annotations

import logging

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from workers.config import Settings
from workers.errors import BrokerError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 10_000


def admin(settings: Settings) -> KafkaAdminClient:
    """An admin client, or a `BrokerError` that says why the broker cannot be used."""
    try:
        return KafkaAdminClient(
            bootstrap_servers=settings.kafka_bootstrap.split(","),
            client_id=f"{settings.app_id}-admin",
            bootstrap_timeout_ms=CONNECT_TIMEOUT_MS,
            request_timeout_ms=CONNECT_TIMEOUT_MS,
        )
    except KafkaError as exc:
        raise BrokerError(settings.kafka_bootstrap, _reason(exc)) from None


def ensure_topics(settings: Settings) -> list[str]:
    """Create newswire's public topics if missing (Faust creates its internal ones)."""
    t = settings.topics
    wanted = [t.raw, t.enriched, t.duplicates, t.deadletter, t.alerts]
    client = admin(settings)
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
        raise BrokerError(settings.kafka_bootstrap, _reason(exc)) from None
    finally:
        client.close()


def _reason(exc: KafkaError) -> str:
    name = type(exc).__name__
    if name == "NoBrokersAvailable":
        return "no broker answered (is Kafka running there? is the address right?)"
    return f"{name}: {exc}"
