"""Polling the sources: each on its own timer, new items sent oldest first, then marked.

A source that fails backs off (doubling, jittered, to a ceiling; Retry-After when
the server gives one) and is reported; the others go on. Polling runs only while
`active` is set (this copy holds the ledger); `drain` stops it between items and
waits for the item in flight, so a hand-over never sends an item twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from workers.ops.metrics import SourceMetrics
from workers.sources import documents
from workers.sources.fetch import Fetcher, FetchError, backoff
from workers.sources.items import Item, decode_page, raw_story
from workers.sources.ledger import SeenSet
from workers.sources.spec import Spec
from workers.sources.xml import Refused

log = logging.getLogger(__name__)

PAGE_TRIES = 3  # polls an article page may fail before its item is sent with the feed's text
REPORT_AFTER = 3  # failures in a row before a source is reported failing
MAX_REMEMBERED = 10_000  # pages whose failures are counted
GAP_WARNING = 10  # a feed this long whose every item is new again: some were likely missed
OLDEST = datetime.min.replace(tzinfo=UTC)


class Marks(Protocol):
    seen: SeenSet

    async def mark(self, key: str, source: str) -> None: ...


class Poller:
    def __init__(
        self,
        fetcher: Fetcher,
        send: Callable[[dict[str, Any]], Awaitable[None]],
        marks: Marks,
        metrics: SourceMetrics,
        backoff_ceiling: float,
    ) -> None:
        self.fetcher = fetcher
        self.send = send
        self.marks = marks
        self.metrics = metrics
        self.backoff_ceiling = backoff_ceiling
        self.active = asyncio.Event()
        self._idle = asyncio.Condition()
        self._in_flight = 0
        self._page_failures: dict[str, int] = {}
        self._tasks: dict[Spec, asyncio.Task[None]] = {}
        self._polled: set[str] = set()  # sources read at least once by this copy

    def follow(self, specs: tuple[Spec, ...]) -> None:
        """Poll exactly `specs` from now on: new ones start, dropped or changed ones stop."""
        for spec in set(self._tasks) - set(specs):
            self._tasks.pop(spec).cancel()
        for spec in specs:
            if spec not in self._tasks:
                self._tasks[spec] = asyncio.create_task(self.run(spec), name=f"source {spec.url}")

    async def stop(self) -> None:
        await self.drain()
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def drain(self) -> None:
        """Stop polling and wait until no item is in flight."""
        self.active.clear()
        async with self._idle:
            await self._idle.wait_for(lambda: self._in_flight == 0)

    @asynccontextmanager
    async def _item_in_flight(self) -> AsyncIterator[None]:
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            async with self._idle:
                self._idle.notify_all()

    async def run(self, spec: Spec) -> None:
        """Poll `spec` for ever, on its timer, backing off while it fails."""
        failures = 0
        while True:
            await self.active.wait()
            delay = spec.every
            try:
                await self.poll(spec)
                failures = 0
            except Exception as exc:  # one source's failure, whatever it is, stops no other
                failures += 1
                delay = backoff(failures, spec.every, max(self.backoff_ceiling, spec.every))
                if isinstance(exc, FetchError) and exc.retry_after is not None:
                    delay = max(delay, exc.retry_after)
                reason = getattr(exc, "reason", "error")
                self.metrics.fetches.labels(spec.source, reason).inc()
                if isinstance(exc, Refused):
                    self.metrics.refused.labels(spec.source, reason).inc()
                known = isinstance(exc, FetchError | Refused)
                level = logging.WARNING if failures >= REPORT_AFTER or not known else logging.INFO
                log.log(level, "source %s (%s): %s; failed %d in a row, next try in %.0fs",
                        spec.source, spec.url, exc if known else f"{type(exc).__name__}: {exc}",
                        failures, delay, exc_info=not known)  # fmt: skip
            self.metrics.failing.labels(spec.source).set(failures)
            await asyncio.sleep(delay)

    async def poll(self, spec: Spec) -> int:
        """Fetch `spec` once and send its new items; how many were sent."""
        data = await self.fetcher.get(spec.url)
        if data is None:
            self.metrics.fetches.labels(spec.source, "not_modified").inc()
            return 0
        document = documents.read(data, spec.kind)
        items = list(document.items)
        for url in document.sitemaps:
            items += await self._sitemap(spec, url)
        self.metrics.fetches.labels(spec.source, "ok").inc()
        keyed = [(item.key(spec.source), item) for item in items]
        fresh = [(key, item) for key, item in keyed if key not in self.marks.seen]
        fresh.sort(key=lambda pair: pair[1].published_at or OLDEST)
        if len(fresh) == len(items) >= GAP_WARNING and spec.url in self._polled:
            log.warning("source %s: all %d items are new since the last poll: items may have "
                        "rolled off the feed between polls; poll it more often (every: %.0fs)",
                        spec.source, len(items), spec.every)  # fmt: skip
        self._polled.add(spec.url)
        sent = 0
        for key, item in fresh:
            if not self.active.is_set():
                break
            async with self._item_in_flight():
                sent += await self._send(spec, item, key)
        if sent:
            log.info("source %s: %d new items sent", spec.source, sent)
        self.metrics.seen.set(len(self.marks.seen))
        return sent

    async def _sitemap(self, spec: Spec, url: str) -> list[Item]:
        """The items of one sitemap of a sitemap index; a failing one is logged and skipped."""
        try:
            data = await self.fetcher.get(url)
            return documents.read(data, "sitemap").items if data is not None else []
        except (FetchError, Refused) as exc:
            log.info("source %s: sitemap %s skipped: %s", spec.source, url, exc)
            return []

    async def _send(self, spec: Spec, item: Item, key: str) -> int:
        """Send one item (with its page when asked for) and mark it; 1 if sent."""
        if key in self.marks.seen:  # reached through another source meanwhile
            return 0
        if spec.fetch_article or not item.body:
            page = await self._page(spec, item, key)
            if page is None:
                return 0
            item = page
        if not item.body.strip():
            self.metrics.skipped.labels(spec.source, "no_text").inc()
            await self.marks.mark(key, spec.source)
            return 0
        await self.send(raw_story(item, key, spec.source, spec.language))
        await self.marks.mark(key, spec.source)
        self.metrics.sent.labels(spec.source).inc()
        return 1

    async def _page(self, spec: Spec, item: Item, key: str) -> Item | None:
        """The item with its article page; the feed's own text when the page may not be
        fetched or keeps failing; None to try again at the next poll."""
        if not item.url:
            return item
        if not await self.fetcher.allowed(item.url):
            self.metrics.skipped.labels(spec.source, "robots").inc()
            log.info(
                "source %s: robots.txt disallows %s; the feed's text is sent", spec.source, item.url
            )
            return item
        try:
            page = await self.fetcher.get(item.url, conditional=False)
        except FetchError as exc:
            if len(self._page_failures) >= MAX_REMEMBERED:  # items that left their feed
                del self._page_failures[next(iter(self._page_failures))]
            tries = self._page_failures[key] = self._page_failures.get(key, 0) + 1
            self.metrics.refused.labels(spec.source, f"page_{exc.reason}").inc()
            if tries < PAGE_TRIES:
                log.info(
                    "source %s: page %s: %s (try %d of %d)",
                    spec.source,
                    item.url,
                    exc,
                    tries,
                    PAGE_TRIES,
                )
                return None
            log.warning("source %s: page %s failed %d times (%s); the feed's text is sent",
                        spec.source, item.url, tries, exc)  # fmt: skip
            del self._page_failures[key]
            return item
        self._page_failures.pop(key, None)
        html = decode_page(page or b"")
        return item.with_page(html) if html.strip() else item
