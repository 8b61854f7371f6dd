"""Talking to Kafka outside Faust (kafka-python): client settings, errors, topic creation."""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import faust
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from workers.config import DECIDE_PARTITIONS, Settings
from workers.errors import BrokerError
from workers.records import ORIGIN_HEADER

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 10_000


def client_config(settings: Settings, role: str) -> dict[str, Any]:
    """The settings every kafka-python client of newswire shares; `role` names it to the broker."""
    config: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap.split(","),
        "client_id": f"{settings.app_id}-{role}",
        "bootstrap_timeout_ms": CONNECT_TIMEOUT_MS,
        "security_protocol": settings.kafka_security_protocol,
        "ssl_context": ssl_context(settings),
    }
    if settings.kafka_security_protocol.startswith("SASL_"):
        config |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": settings.kafka_sasl_password,
        }
    return config


def aio_client_config(settings: Settings, role: str) -> dict[str, Any]:
    """The same settings for an aiokafka client (`newswire sources` is asyncio)."""
    config = client_config(settings, role)
    del config["bootstrap_timeout_ms"]
    return config


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context for SSL and SASL_SSL (system CAs unless a CA file is set), else None."""
    if not settings.kafka_security_protocol.endswith("SSL"):
        return None
    context = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    if settings.kafka_ssl_certfile is not None:
        context.load_cert_chain(settings.kafka_ssl_certfile, settings.kafka_ssl_keyfile)
    return context


def faust_credentials(settings: Settings) -> faust.SASLCredentials | faust.SSLCredentials | None:
    """The same security settings, in the form Faust (aiokafka) takes them."""
    context = ssl_context(settings)
    if settings.kafka_security_protocol.startswith("SASL_"):
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=settings.kafka_sasl_password,
            mechanism=settings.kafka_sasl_mechanism,
            ssl_context=context,
        )
    return faust.SSLCredentials(context) if context is not None else None


class _Refusals(logging.Handler):
    """Keeps what kafka-python logs of a refused login or an unverifiable certificate: it
    raises only a bootstrap timeout for both."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.login = self.certificate = False

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.login |= "AuthenticationFailed" in message
        self.certificate |= "CERTIFICATE_VERIFY_FAILED" in message


@contextmanager
def talking_to(settings: Settings) -> Iterator[None]:
    """Turn a kafka-python error in the block into a `BrokerError` that says in words why."""
    watch = _Refusals()
    logger = logging.getLogger("kafka")
    saved = logger.level, logger.propagate
    if logger.getEffectiveLevel() > logging.WARNING:  # silenced: hear them, pass none on
        logger.setLevel(logging.WARNING)
        logger.propagate = False
    logger.addHandler(watch)
    try:
        yield
    except KafkaError as exc:
        name = type(exc).__name__
        login = f"login of {settings.kafka_sasl_username!r} ({settings.kafka_sasl_mechanism})"
        sasl = settings.kafka_security_protocol.startswith("SASL_")
        if watch.login or "AuthenticationFailed" in name:
            reason = f"{login} refused: check the user and password"
        elif watch.certificate:
            reason = (
                "the broker's TLS certificate could not be verified "
                "(NEWSWIRE_KAFKA_SSL_CAFILE names the CA that signed it)"
            )
        elif name in ("NoBrokersAvailable", "KafkaTimeoutError", "KafkaConnectionError"):
            # A refused login often shows only as a dropped connection.
            reason = "no broker answered (is Kafka running there? is the address right?)"
            if sasl:
                reason += f", or the {login} was refused (are the user and password right?)"
        else:
            reason = f"{name}: {exc}"
        raise BrokerError(settings.kafka_bootstrap, reason) from None
    finally:
        logger.removeHandler(watch)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def ensure_topics(settings: Settings, ledger: bool = False) -> list[str]:
    """Create newswire's topics if missing, the internal `prepared` one too (and with
    `ledger`, the ledger of `newswire sources`).

    Faust would create `prepared` itself, but on a fresh deployment its consumer can
    join the group first: the topic is then left out of the assignment ("Ignoring
    missing topic") and no story is decided (none in 3 minutes, at the start of a
    million-story soak). The tables' changelogs Faust creates in time.
    """
    t = settings.topics
    public = (t.raw, t.enriched, t.duplicates, t.deadletter, t.alerts, t.stories)
    wanted = {name: settings.partitions for name in public} | {t.prepared: DECIDE_PARTITIONS}
    # A story's state replaces its earlier ones: only the latest is kept.
    configs = {t.stories: {"cleanup.policy": "compact"}}
    if ledger:  # one partition: the copy of `newswire sources` that holds it polls
        wanted[t.sources_seen] = 1
        retention = int(settings.sources_seen_days * 86_400_000)
        configs[t.sources_seen] = {
            "cleanup.policy": "compact,delete",
            "retention.ms": str(retention),
        }
    with talking_to(settings):
        client = KafkaAdminClient(
            **client_config(settings, "admin"), request_timeout_ms=CONNECT_TIMEOUT_MS
        )
        try:
            existing = set(client.list_topics())
            missing = [name for name in wanted if name not in existing]
            if missing:
                spec = {
                    name: {
                        "num_partitions": wanted[name],
                        "replication_factor": settings.replication_factor,
                        "configs": configs.get(name, {}),
                    }
                    for name in missing
                }
                client.create_topics(spec, raise_errors=False, wait_for_metadata=True)
                log.info("created topics %s", ", ".join(missing))
            return missing
        finally:
            client.close()


def emitted_origins(settings: Settings, since: float, timeout: float = 60.0) -> set[str]:
    """Origins of the outcomes (and alerts: ``origin#watch``) emitted since `since` (epoch
    seconds), read from their headers.

    After a crash, messages whose outcome went out but whose index entry did not
    are replayed; their origins are here, so they are not emitted twice.
    """
    with talking_to(settings):
        consumer = KafkaConsumer(
            **client_config(settings, "replay-scan"), group_id=None, enable_auto_commit=False
        )
        try:
            return _origins_since(consumer, settings, since, timeout)
        finally:
            consumer.close()


def _origins_since(
    consumer: KafkaConsumer, settings: Settings, since: float, timeout: float
) -> set[str]:
    t = settings.topics
    tps = [
        TopicPartition(topic, p)
        for topic in (t.enriched, t.duplicates, t.deadletter, t.alerts)
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
