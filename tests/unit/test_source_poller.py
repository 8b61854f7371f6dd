"""The poller and its HTTP client against a real HTTP server on loopback: politeness,
bounds, errors, and each item sent once (the ledger here is in memory; the Kafka
ledger is tested in tests/integration/test_sources.py)."""

from __future__ import annotations

import asyncio
import itertools
import random
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from workers.ops.metrics import SourceMetrics
from workers.sources.fetch import Fetcher, FetchError, backoff, retry_after
from workers.sources.ledger import SeenSet
from workers.sources.poller import PAGE_TRIES, Poller
from workers.sources.spec import Spec

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"


def fetcher(**how) -> Fetcher:
    return Fetcher(**({"timeout": 5.0, "max_bytes": 1_000_000, "host_gap": 0.0} | how))


def get(url: str, **how) -> bytes | None:
    async def once():
        client = fetcher(**how)
        try:
            return await client.get(url)
        finally:
            await client.aclose()

    return asyncio.run(once())


def test_conditional_get_sends_the_validators_back_and_an_unchanged_document_is_none(
    feed_server,
):
    url = feed_server.serve(
        "/rss", b"<rss/>", etag='"v1"', headers={"Last-Modified": "Mon, 07 Dec 2026 10:00:00 GMT"}
    )

    async def twice():
        client = fetcher()
        try:
            return await client.get(url), await client.get(url)
        finally:
            await client.aclose()

    assert asyncio.run(twice()) == (b"<rss/>", None)
    second = feed_server.requests("/rss")[1][3]
    assert second["If-None-Match"] == '"v1"'
    assert second["If-Modified-Since"] == "Mon, 07 Dec 2026 10:00:00 GMT"


def test_gzip_is_asked_for_and_read(feed_server):
    url = feed_server.serve("/feed", b"<rss>" + b"x" * 5000 + b"</rss>", gzip=True)
    assert get(url).startswith(b"<rss>x")
    assert "gzip" in feed_server.requests("/feed")[0][3]["Accept-Encoding"]


@pytest.mark.parametrize(
    "how", [{}, {"chunked": True}, {"gzip": True}], ids=["declared", "undeclared", "gzip-bomb"]
)
def test_a_document_past_the_size_limit_is_refused(feed_server, how):
    url = feed_server.serve("/big", b"\0" * 3_000_000, **how)
    with pytest.raises(FetchError) as error:
        get(url, max_bytes=1_000_000)
    assert error.value.reason == "too_large"


def test_a_50_mb_feed_is_refused_at_the_default_limit(feed_server):
    body = b"<rss><channel>" + b"<item><title>t</title></item>" * 1_800_000 + b"</channel></rss>"
    assert len(body) > 50_000_000
    url = feed_server.serve("/huge", body, gzip=True)
    with pytest.raises(FetchError, match="too_large"):
        get(url, max_bytes=10_000_000)


def test_redirects_are_bounded(feed_server):
    url = feed_server.serve("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError) as error:
        get(url)
    assert error.value.reason == "redirects"


def test_a_slow_server_times_out(feed_server):
    url = feed_server.serve("/slow", b"<rss/>", delay=2.0)
    with pytest.raises(FetchError) as error:
        get(url, timeout=0.3)
    assert error.value.reason == "timeout"


def test_429_and_503_carry_retry_after_other_errors_their_status(feed_server):
    url = feed_server.serve("/busy", status=429, headers={"Retry-After": "120"})
    with pytest.raises(FetchError) as error:
        get(url)
    assert (error.value.reason, error.value.retry_after) == ("http_429", 120.0)
    with pytest.raises(FetchError, match="http_404"):
        get(feed_server.url + "/nothing")
    assert retry_after("Mon, 07 Dec 2026 10:02:00 GMT", now=1796637600.0) == 120.0
    assert retry_after("soon", now=0.0) is None


def test_one_request_at_a_time_per_host_with_the_gap_between(feed_server):
    urls = [feed_server.serve(f"/p{i}", b"x", delay=0.1) for i in range(3)]

    async def together():
        client = fetcher(host_gap=0.3)
        try:
            await asyncio.gather(*(client.get(url) for url in urls))
        finally:
            await client.aclose()

    asyncio.run(together())
    spans = sorted((start, end) for _, start, end, _ in feed_server.log)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start - end >= 0.29


def test_backoff_doubles_with_jitter_up_to_the_ceiling():
    rng = random.Random(7)
    waits = [backoff(n, every=60, ceiling=3600, rng=rng) for n in range(1, 9)]
    for n, wait in enumerate(waits, 1):
        base = min(3600, 60 * 2**n)
        assert base / 2 <= wait <= base
    assert max(waits) <= 3600


@pytest.mark.parametrize(
    ("robots", "status", "allowed"),
    [
        (b"User-agent: *\nDisallow: /private/\n", 200, False),
        (b"", 404, True),
        (b"", 500, False),
    ],
    ids=["disallowed", "missing-allows-all", "unreadable-disallows"],
)
def test_robots_txt_decides_article_pages(feed_server, robots, status, allowed):
    feed_server.serve("/robots.txt", robots, status=status)

    async def check():
        client = fetcher()
        try:
            return await client.allowed(feed_server.url + "/private/page.html")
        finally:
            await client.aclose()

    assert asyncio.run(check()) is allowed


# --- the poller ---------------------------------------------------------------------


class MemoryMarks:
    """The ledger's part the poller uses, in memory."""

    def __init__(self) -> None:
        self.seen = SeenSet(1000, 86400)
        self.marked: list[str] = []

    async def mark(self, key: str, source: str) -> None:
        self.marked.append(key)
        self.seen.add(key, 1e12)


class Sink:
    def __init__(self, fail: int = 0) -> None:
        self.stories: list[dict] = []
        self.fail = fail

    async def __call__(self, story: dict) -> None:
        if self.fail:
            self.fail -= 1
            raise ConnectionError("broker gone")
        self.stories.append(story)


def poller(sink: Sink, marks: MemoryMarks | None = None, **how) -> Poller:
    p = Poller(
        fetcher(**how), sink, marks or MemoryMarks(), SourceMetrics(CollectorRegistry()), 3600
    )
    p.active.set()
    return p


def run(coroutine):
    return asyncio.run(coroutine)


def test_new_items_are_sent_oldest_first_then_marked_and_never_again(feed_server):
    url = feed_server.serve("/rss", (FIXTURES / "feed.rss").read_bytes())
    sink, marks = Sink(), MemoryMarks()
    spec = Spec(url, kind="rss", source="contoh", language="id")

    async def two_polls():
        p = poller(sink, marks)
        return await p.poll(spec), await p.poll(spec)

    assert run(two_polls()) == (3, 0)
    assert [s["headline"] for s in sink.stories] == [
        "Gempa magnitudo 6,1 guncang Sumatra Barat",
        "Harga beras naik menjelang Natal",
        "Item without a link",
    ]
    assert len(marks.marked) == 3 and all(s["source"] == "contoh" for s in sink.stories)
    assert sink.stories[0]["url"].endswith("utm_medium=feed&id=7#top")  # as the feed gave it


def test_an_item_whose_send_failed_is_not_marked_and_goes_at_the_next_poll(feed_server):
    url = feed_server.serve("/rss", (FIXTURES / "feed.rss").read_bytes())
    sink, marks = Sink(fail=1), MemoryMarks()
    spec = Spec(url, kind="rss", source="contoh")

    async def polls():
        p = poller(sink, marks)
        with pytest.raises(ConnectionError):
            await p.poll(spec)
        return await p.poll(spec)

    assert run(polls()) == 3
    assert len(sink.stories) == 3 and len(set(marks.marked)) == 3


def test_an_article_in_a_feed_and_a_news_sitemap_is_fetched_and_sent_once(feed_server):
    feed_server.serve("/robots.txt", status=404)
    feed = (
        (FIXTURES / "feed.rss")
        .read_bytes()
        .replace(b"https://news.example.org", feed_server.url.encode())
    )
    sitemap = (
        (FIXTURES / "news-sitemap.xml")
        .read_bytes()
        .replace(b"https://news.example.org", feed_server.url.encode())
    )
    page = (
        b"<html><body><article><p>"
        + b"Gempa mengguncang pesisir Sumatra Barat. " * 20
        + b"</p></article></body></html>"
    )
    feed_server.serve("/2026/12/03/gempa-sumbar?id=7", page)
    feed_server.serve("/2026/12/04/harga-beras", page.replace(b"Gempa", b"Beras"))
    feed_server.serve("/2026/12/05/banjir-bandang", page.replace(b"Gempa", b"Banjir"))
    sink = Sink()

    async def both():
        p = poller(sink)
        await p.poll(
            Spec(feed_server.serve("/rss", feed), kind="rss", fetch_article=True, source="contoh")
        )
        await p.poll(
            Spec(
                feed_server.serve("/sitemap.xml", sitemap),
                kind="sitemap",
                fetch_article=True,
                source="contoh",
            )
        )

    run(both())
    urls = [s.get("url") for s in sink.stories]
    assert len(urls) == len(set(urls)) == 4  # 3 feed items + the sitemap's other page
    assert len(feed_server.requests("/2026/12/03/gempa-sumbar?id=7")) == 1
    pages = [s for s in sink.stories if s["content_type"] == "text/html"]
    assert len(pages) == 3  # the item without a link keeps the feed's text


def test_robots_disallowed_or_failing_pages_send_the_feeds_text(feed_server):
    feed = (
        (FIXTURES / "feed.rss")
        .read_bytes()
        .replace(b"https://news.example.org", feed_server.url.encode())
    )
    feed_server.serve("/robots.txt", b"User-agent: *\nDisallow: /2026/12/03/\n")
    feed_server.serve("/2026/12/04/harga-beras", status=500)
    sink = Sink()
    spec = Spec(feed_server.serve("/rss", feed), kind="rss", fetch_article=True, source="c")

    async def polls():
        p = poller(sink)
        return [await p.poll(spec) for _ in range(PAGE_TRIES)]

    # robots: sent at once with the feed's text; the failing page: retried, then sent so
    sent = run(polls())
    assert sent == [2] + [0] * (PAGE_TRIES - 2) + [1]
    assert all(s["content_type"] == "text/plain" for s in sink.stories)
    assert len(feed_server.requests("/2026/12/04/harga-beras")) == PAGE_TRIES


def test_drain_waits_for_the_item_in_flight_and_sends_nothing_after(feed_server):
    feed_server.serve("/robots.txt", status=404)
    feed = (
        (FIXTURES / "feed.rss")
        .read_bytes()
        .replace(b"https://news.example.org", feed_server.url.encode())
    )
    for path in ("/2026/12/03/gempa-sumbar?id=7", "/2026/12/04/harga-beras"):
        feed_server.serve(
            path, b"<html><body><p>" + b"Berita. " * 50 + b"</p></body></html>", delay=0.5
        )
    sink, marks = Sink(), MemoryMarks()
    spec = Spec(feed_server.serve("/rss", feed), kind="rss", fetch_article=True, source="c")

    async def drained():
        p = poller(sink, marks)
        polling = asyncio.create_task(p.poll(spec))
        await asyncio.sleep(0.3)  # the first page is being fetched
        await p.drain()
        in_flight_done = (len(sink.stories), len(marks.marked))
        return in_flight_done, await polling

    (sent_at_drain, marked_at_drain), sent = run(drained())
    assert sent_at_drain == marked_at_drain == sent == 1


def test_the_seen_set_forgets_the_oldest_past_its_bounds():
    seen = SeenSet(max_entries=2, max_age=100)
    import time

    now = time.time()
    seen.add("a", now)
    seen.add("b", now)
    seen.add("c", now)
    assert "a" not in seen and "b" in seen and "c" in seen
    seen.add("old", now - 101)
    assert "old" not in seen


def test_a_feed_whose_every_item_is_new_again_warns_that_items_were_missed(feed_server, caplog):
    def feed(numbers) -> bytes:
        items = "".join(
            f"<item><title>t{n}</title><link>https://e.org/{n}</link><description>d{n}</description></item>"
            for n in numbers
        )
        return f"<rss version='2.0'><channel>{items}</channel></rss>".encode()

    url = feed_server.serve("/rss", feed(range(10)))
    spec = Spec(url, kind="rss", source="busy", every=600)

    async def polls():
        p = poller(Sink())
        await p.poll(spec)
        feed_server.serve("/rss", feed(range(5, 15)))
        await p.poll(spec)  # half new: fine
        feed_server.serve("/rss", feed(range(100, 110)))
        await p.poll(spec)  # all new: some rolled off between polls

    with caplog.at_level("WARNING", logger="workers.sources.poller"):
        run(polls())
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "all 10 items are new" in warnings[0], warnings


def test_the_sources_file_is_read_again_when_it_changes_and_a_bad_one_is_refused(tmp_path):
    from workers.commands.sources import SourcesFile

    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - url: https://a.example/rss\n")
    sources = SourcesFile(path)
    assert not sources.refresh()
    path.write_text("sources:\n  - url: https://a.example/rss\n  - url: https://b.example/rss\n")
    assert sources.refresh() and len(sources.specs) == 2
    path.write_text("sources:\n  - url: nowhere\n")
    assert not sources.refresh() and len(sources.specs) == 2  # the old ones go on


def test_a_source_whose_sends_fail_backs_off_and_recovers_without_losing_items(feed_server):
    url = feed_server.serve("/rss", (FIXTURES / "feed.rss").read_bytes())
    sink = Sink(fail=2)  # the broker refuses twice, then takes them

    async def running():
        p = poller(sink)
        task = asyncio.create_task(p.run(Spec(url, kind="rss", source="c", every=0.05)))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if len(sink.stories) == 3:
                break
        alive = not task.done()
        task.cancel()
        failing = p.metrics.failing.labels("c")._value.get()
        return alive, failing

    alive, failing = run(running())
    assert alive and len(sink.stories) == 3 and failing == 0
