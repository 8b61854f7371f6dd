"""`newswire sources` against a real broker and a real HTTP server on loopback: each
item reaches PREFIX.raw once, across a restart, a second copy started by mistake, and
a `kill -9` of the copy that polls; and the worker enriches what it sent."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import orjson
from conftest import NEWSWIRE, settings_of
from kafka import KafkaConsumer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
ITEM = """<item><title>{title}</title><link>https://news.example.org/{n}</link>
<pubDate>Mon, 07 Dec 2026 0{h}:00:00 +0700</pubDate>
<description>{title}. Kejadian ini dilaporkan oleh warga setempat pagi hari.</description>
</item>"""


def feed(numbers: range) -> bytes:
    items = "".join(ITEM.format(title=f"Berita nomor {n}", n=n, h=n % 10) for n in numbers)
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


class Raw:
    """Every story on the test's raw topic, read from the beginning."""

    def __init__(self, env: dict[str, str]) -> None:
        self.consumer = KafkaConsumer(
            settings_of(env).topics.raw,
            bootstrap_servers=env["NEWSWIRE_KAFKA_BOOTSTRAP"],
            group_id=None,
            auto_offset_reset="earliest",
        )
        self.stories: list[dict] = []

    def read(self, seconds: float) -> list[dict]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for records in self.consumer.poll(timeout_ms=200).values():
                self.stories += [orjson.loads(r.value) for r in records]
        return self.stories

    def wait_for(self, count: int, timeout: float = 60.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.stories) < count and time.monotonic() < deadline:
            self.read(0.5)
        assert len(self.stories) >= count, f"{len(self.stories)} of {count} stories on raw"
        return self.stories


def start(env: dict[str, str], sources: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [NEWSWIRE, "sources", str(sources)],
        env=env | {"NEWSWIRE_METRICS_PORT": "0", "NEWSWIRE_SOURCES_HOST_GAP_SECONDS": "0"},
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def sources_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(
        f"sources:\n  - url: {url}\n    every: 10s\n    source: contoh\n    language: id\n"
    )
    return path


def last_ledger_line(log: str) -> str:
    return [line for line in log.splitlines() if "workers.sources.ledger" in line][-1]


def no_doubles(stories: list[dict]) -> None:
    twice = [i for i, n in Counter(s["id"] for s in stories).items() if n > 1]
    assert not twice, f"sent twice: {twice}"


def test_a_restart_sends_only_the_new_items_and_the_worker_enriches_them(
    env, tmp_path, feed_server, workers, outcomes, check_raw
):
    url = feed_server.serve("/rss", feed(range(3)))
    path = sources_file(tmp_path, url)
    raw = Raw(env)
    first = start(env, path, tmp_path / "sources.log")
    raw.wait_for(3)
    first.send_signal(signal.SIGTERM)
    assert first.wait(30) == 0
    feed_server.serve("/rss", feed(range(5)))  # two new items, the three old ones again
    second = start(env, path, tmp_path / "sources.log")
    try:
        stories = raw.wait_for(5)
        raw.read(3)  # nothing more comes
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    assert len(stories) == 5
    no_doubles(stories)
    for story in stories:
        check_raw(story)
        assert (story["source"], story["language"]) == ("contoh", "id")
    log = (tmp_path / "sources.log").read_text()
    assert "3 items already sent" in log, log
    workers.start()
    enriched = [e for e in outcomes.wait_for(5) if e["_topic"].endswith(".enriched")]
    assert {e["id"] for e in enriched} == {s["id"] for s in stories}


def test_two_copies_send_each_item_once_and_the_standby_takes_over_a_killed_one(
    env, tmp_path, feed_server
):
    url = feed_server.serve("/rss", feed(range(3)))
    path = sources_file(tmp_path, url)
    raw = Raw(env)
    copies = [start(env, path, tmp_path / f"copy{i}.log") for i in range(2)]
    try:
        raw.wait_for(3)
        raw.read(12)  # a poll of each copy's interval: the standby sends nothing
        no_doubles(raw.stories)
        assert len(raw.stories) == 3
        # The copy that joined first may have polled until the other joined: the holder
        # is the one whose last word on the ledger is that it polls.
        logs = [(tmp_path / f"copy{i}.log").read_text() for i in range(2)]
        polling = [i for i, log in enumerate(logs) if last_ledger_line(log).endswith("polling")]
        assert len(polling) == 1, logs
        copies[polling[0]].send_signal(signal.SIGKILL)
        copies[polling[0]].wait(10)
        feed_server.serve("/rss", feed(range(6)))
        stories = raw.wait_for(6, timeout=90)  # session timeout, the load, a poll
        raw.read(12)
    finally:
        for copy in copies:
            if copy.poll() is None:
                copy.send_signal(signal.SIGTERM)
                copy.wait(30)
    no_doubles(stories)
    assert len(stories) == 6
    taken_over = (tmp_path / f"copy{1 - polling[0]}.log").read_text()
    assert last_ledger_line(taken_over).endswith("3 items already sent; polling"), taken_over


def test_a_kill_mid_poll_loses_nothing_and_resends_at_most_the_item_in_flight(
    env, tmp_path, feed_server
):
    feed_server.serve("/robots.txt", status=404)
    items = "".join(
        f"<item><title>Berita {n}</title><link>{feed_server.url}/a/{n}</link>"
        f"<description>Ringkasan {n}.</description></item>"
        for n in range(20)
    )
    for n in range(20):
        page = (
            f"<html><body><article><p>Isi berita nomor {n}. " * 20 + "</p></article></body></html>"
        )
        feed_server.serve(f"/a/{n}", page.encode(), delay=0.25)
    url = feed_server.serve("/rss", f"<rss version='2.0'><channel>{items}</channel></rss>".encode())
    path = tmp_path / "sources.yaml"
    path.write_text(f"sources:\n  - url: {url}\n    fetch_article: true\n    every: 10s\n")
    raw = Raw(env)
    first = start(env, path, tmp_path / "sources.log")
    raw.wait_for(6)  # mid-poll: pages are still being fetched
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert len(raw.read(1)) < 20
    second = start(env, path, tmp_path / "sources.log")
    try:
        stories = raw.wait_for(20, timeout=90)
        raw.read(3)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    counts = Counter(s["id"] for s in stories)
    assert len(counts) == 20  # nothing lost
    assert sum(n - 1 for n in counts.values()) <= 1, counts  # at most the item in flight
    assert all(s["content_type"] == "text/html" for s in stories)
