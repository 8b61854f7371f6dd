"""Polite HTTP: conditional GET, one request at a time per host with a gap between,
bounded size, redirects and time, robots.txt for article pages, Retry-After kept.

Every failure is a `FetchError` with a short reason for the metric; the poller
decides what to do with it (back off, retry later, give up on one item).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
import urllib.robotparser
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from workers import __version__
from workers.config import Settings

# httpx logs every request at INFO: the poller logs what a poll brought instead.
logging.getLogger("httpx").setLevel(logging.WARNING)

USER_AGENT = f"newswire/{__version__} (+https://github.com/newswire/newswire)"
MAX_REDIRECTS = 5
ROBOTS_BYTES = 512 * 1024
ROBOTS_TTL = 3600.0  # seconds a host's robots.txt is trusted
ROBOTS_RETRY = 600.0  # after a robots.txt that could not be read: pages wait this long
MAX_RETRY_AFTER = 86400.0
MAX_HOSTS = 10_000  # hosts whose turn and robots.txt are remembered; the least recent go


class FetchError(Exception):
    """A request that gave no usable document."""

    def __init__(self, reason: str, detail: str, retry_after: float | None = None) -> None:
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(f"{reason}: {detail}")


@dataclass
class _Host:
    lock: asyncio.Lock
    last: float = 0.0


_RNG = random.Random()


def backoff(failures: int, every: float, ceiling: float, rng: random.Random = _RNG) -> float:
    """Seconds to wait after `failures` failures in a row: doubling, jittered, capped."""
    base = min(ceiling, every * 2 ** min(failures, 32))
    return rng.uniform(base / 2, base)


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds a Retry-After header asks for (seconds or an HTTP date), capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return min(max(when - now, 0.0), MAX_RETRY_AFTER)


class Fetcher:
    """One HTTP client for every source, with each host's gate and validators."""

    def __init__(
        self,
        *,
        timeout: float,
        max_bytes: int,
        host_gap: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.host_gap = host_gap
        self._client = httpx.AsyncClient(
            http2=transport is None,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0), pool=None),
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            transport=transport,
        )
        self._hosts: dict[str, _Host] = {}
        self._validators: dict[str, dict[str, str]] = {}
        self._robots: dict[str, tuple[urllib.robotparser.RobotFileParser | None, float]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> Fetcher:
        return cls(
            timeout=settings.sources_timeout_seconds,
            max_bytes=settings.sources_max_bytes,
            host_gap=settings.sources_host_gap_seconds,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    @asynccontextmanager
    async def _turn(self, url: str) -> AsyncIterator[None]:
        """This host's turn: one request at a time, `host_gap` seconds apart."""
        name = urlsplit(url).netloc.lower()
        host = self._hosts.pop(name, None) or _Host(asyncio.Lock())
        self._hosts[name] = host  # the most recent last
        if len(self._hosts) > MAX_HOSTS:
            idle = next(n for n, h in self._hosts.items() if not h.lock.locked())
            del self._hosts[idle]
        async with host.lock:
            wait = host.last + self.host_gap - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                host.last = time.monotonic()

    async def get(
        self, url: str, conditional: bool = True, limit: int | None = None
    ) -> bytes | None:
        """The body at `url`; None when the server says it has not changed since last time."""
        headers = self._validators.get(url, {}) if conditional else {}
        limit = limit or self.max_bytes
        async with self._turn(url):
            try:
                async with self._client.stream("GET", url, headers=headers) as response:
                    if response.status_code == 304:
                        return None
                    if response.status_code in (429, 503):
                        wait = retry_after(response.headers.get("Retry-After"), time.time())
                        raise FetchError(f"http_{response.status_code}", url, wait)
                    if response.status_code >= 400:
                        raise FetchError(f"http_{response.status_code}", url)
                    body = await self._read(response, limit)
            except httpx.TooManyRedirects:
                raise FetchError(
                    "redirects", f"more than {MAX_REDIRECTS} redirects from {url}"
                ) from None
            except httpx.TimeoutException as exc:
                raise FetchError("timeout", f"{type(exc).__name__} on {url}") from None
            except httpx.HTTPError as exc:
                raise FetchError("network", f"{type(exc).__name__}: {exc} ({url})") from None
        if conditional:
            self._validators[url] = {
                name: response.headers[header]
                for name, header in (
                    ("If-None-Match", "ETag"),
                    ("If-Modified-Since", "Last-Modified"),
                )
                if header in response.headers
            }
        return body

    @staticmethod
    async def _read(response: httpx.Response, limit: int) -> bytes:
        """The (decompressed) body, refused past `limit` bytes: a gzip bomb stops there too."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError("too_large", f"{declared} bytes declared, limit {limit}")
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError("too_large", f"more than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def allowed(self, url: str) -> bool:
        """Whether the host's robots.txt lets us fetch the page (RFC 9309's rules for errors:
        a missing robots.txt allows all, one that cannot be read disallows for a while)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        parser, expires = self._robots.get(origin, (None, 0.0))
        if time.monotonic() >= expires:
            parser, ttl = await self._read_robots(origin)
            self._robots.pop(origin, None)
            self._robots[origin] = parser, time.monotonic() + ttl
            if len(self._robots) > MAX_HOSTS:
                del self._robots[next(iter(self._robots))]
        if parser is None:
            return False
        return parser.can_fetch(USER_AGENT, url)

    async def _read_robots(
        self, origin: str
    ) -> tuple[urllib.robotparser.RobotFileParser | None, float]:
        parser = urllib.robotparser.RobotFileParser()
        try:
            body = await self.get(f"{origin}/robots.txt", conditional=False, limit=ROBOTS_BYTES)
        except FetchError as exc:
            if exc.reason.startswith("http_4") and exc.reason != "http_429":
                parser.allow_all = True
                return parser, ROBOTS_TTL
            return None, ROBOTS_RETRY
        parser.parse((body or b"").decode("utf-8", "replace").splitlines())
        return parser, ROBOTS_TTL
