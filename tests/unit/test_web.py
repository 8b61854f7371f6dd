import urllib.error
import urllib.request

import orjson
import pytest
from prometheus_client import CollectorRegistry
from rich.console import Console

from workers.commands.top import render, scrape, view
from workers.ops.metrics import Metrics
from workers.ops.processes import free_port
from workers.ops.web import LIVENESS_SECONDS, Health, serve


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def endpoint():
    registry = CollectorRegistry()
    Metrics(registry).stories_in.inc(3)
    health = Health()
    port = free_port()
    server = serve(registry, health, "127.0.0.1", port)
    yield f"http://127.0.0.1:{port}", health
    server.shutdown()


def test_metrics_liveness_and_readiness(endpoint):
    base, health = endpoint
    status, body = get(base + "/metrics")
    assert status == 200 and "newswire_stories_in_total 3.0" in body
    assert get(base + "/healthz") == (200, "ok\n")
    assert get(base + "/readyz") == (503, "not ready\n")
    health.ready = True
    assert get(base + "/readyz") == (200, "ready\n")
    health.beat -= LIVENESS_SECONDS + 1  # the event loop stopped turning
    assert get(base + "/healthz") == (503, "event loop stuck\n")
    assert get(base + "/other")[0] == 404


def test_stories_and_top_read_them(endpoint):
    """/stories answers what the worker's timer put there; `newswire top` shows it."""
    base, health = endpoint
    assert get(base + "/stories") == (200, '{"stories":[]}')
    story = {
        "story_id": "s1", "headline": "Seoul summons Russian envoy", "articles": 4,
        "articles_last_hour": 3, "source_count": 3, "languages": ["en", "id"], "breaking": True,
    }  # fmt: skip
    health.stories = orjson.dumps({"stories": [story]})
    reading = scrape(base + "/metrics")
    assert reading.stories == [story]
    console = Console(record=True, width=120)
    console.print(render(view(reading, None), base + "/metrics"))
    screen = console.export_text()
    for expected in ("top stories, last hour", "Seoul summons Russian envoy", "breaking", "+3"):
        assert expected in screen, expected
