"""`newswire sources FILE`: poll feeds, news sitemaps and wire endpoints into PREFIX.raw.

Runs until SIGTERM or Ctrl-C, re-reading FILE when it changes (a file that no
longer parses is refused with a log line; the sources read before go on).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path
from typing import TextIO

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from prometheus_client import CollectorRegistry, start_http_server

from workers.config import Settings
from workers.errors import BrokerError
from workers.ops.metrics import SourceMetrics
from workers.ops.reload import ReloadableFile
from workers.sources import documents
from workers.sources.fetch import Fetcher, FetchError
from workers.sources.ledger import Ledger, SeenSet
from workers.sources.poller import Poller
from workers.sources.spec import Spec, parse_sources
from workers.sources.xml import Refused
from workers.stream.broker import aio_client_config, ensure_topics

log = logging.getLogger(__name__)

RECHECK_SECONDS = 5.0  # how often the sources file is checked for changes


class SourcesFile(ReloadableFile[Spec]):
    """The sources in force, from `path` (`workers.ops.reload`)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, parse_sources, "FILE", "sources", "sources")

    @property
    def specs(self) -> tuple[Spec, ...]:
        return self.entries


def run_sources(settings: Settings, path: Path) -> int:
    """Poll the sources in `path` until stopped."""
    sources = SourcesFile(path)
    ensure_topics(settings, ledger=True)
    metrics = SourceMetrics(CollectorRegistry())
    if settings.metrics_port:
        start_http_server(settings.metrics_port, settings.metrics_host, metrics.registry)
    try:
        asyncio.run(_poll(settings, sources, metrics))
    except KafkaError as exc:
        raise BrokerError(settings.kafka_bootstrap, f"{type(exc).__name__}: {exc}") from None
    return 0


async def _poll(settings: Settings, sources: SourcesFile, metrics: SourceMetrics) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    config = aio_client_config(settings, "sources")
    producer = AIOKafkaProducer(
        **config,
        acks="all",
        enable_idempotence=True,
        max_request_size=max(settings.max_body_bytes * 2, 1_048_576),
    )
    fetcher = Fetcher.from_settings(settings)
    raw = settings.topics.raw

    async def send(story: dict[str, object]) -> None:
        await producer.send_and_wait(raw, key=str(story["id"]).encode(), value=orjson.dumps(story))

    seen = SeenSet(settings.sources_seen_max, settings.sources_seen_days * 86400)
    ledger = Ledger(
        config,
        producer,
        settings.topics.sources_seen,
        f"{settings.app_id}-sources",
        seen,
        on_ready=lambda: poller.active.set(),
        on_revoked=lambda: poller.drain(),
    )
    poller = Poller(fetcher, send, ledger, metrics, settings.sources_backoff_max_minutes * 60)
    await producer.start()
    try:
        await ledger.start()
        poller.follow(sources.specs)
        reading = asyncio.create_task(ledger.run(), name="ledger")
        watching = asyncio.create_task(_watch(sources, poller), name="sources file")
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
        log.info("stopping: finishing the items in flight")
        await poller.stop()
        for task in (reading, watching, stopping):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reading  # raises what ended it, if not the stop
        await ledger.stop()
    finally:
        await fetcher.aclose()
        await producer.stop()


def check_sources(settings: Settings, path: Path, out: TextIO) -> int:
    """Fetch each source of `path` once and say what it holds; nothing is sent. 1 if any
    source could not be read."""
    sources = SourcesFile(path)
    return asyncio.run(_check(settings, sources.specs, out))


async def _check(settings: Settings, specs: tuple[Spec, ...], out: TextIO) -> int:
    fetcher = Fetcher.from_settings(settings)
    failed = 0
    try:
        for spec in specs:
            try:
                data = await fetcher.get(spec.url, conditional=False)
                document = documents.read(data or b"", spec.kind)
            except (FetchError, Refused) as exc:
                failed += 1
                print(f"FAIL  {spec.source}  {spec.url}  (line {spec.line}): {exc}", file=out)
                continue
            items = document.items
            with_text = sum(1 for item in items if item.body.strip())
            what = f"{len(items)} items, {with_text} with text"
            if document.sitemaps:
                what = f"a sitemap index of {len(document.sitemaps)} sitemaps"
            print(f"ok    {spec.source}  {spec.url}: {document.kind}, {what}", file=out)
            for item in items[:3]:
                print(f"        {item.published_at or '-'}  {item.headline[:70]}", file=out)
    finally:
        await fetcher.aclose()
    return 1 if failed else 0


async def _watch(sources: SourcesFile, poller: Poller) -> None:
    while True:
        await asyncio.sleep(RECHECK_SECONDS)
        if sources.refresh():
            poller.follow(sources.specs)
