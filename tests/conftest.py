"""Shared test helpers: schema validation of every event a test sees."""

from __future__ import annotations

import gzip
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator, FormatChecker

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
SCHEMA_BY_KIND = {
    "enriched": "enriched.schema.json",
    "duplicate": "duplicate.schema.json",
    "rejected": "deadletter.schema.json",
    "alert": "alert.schema.json",
    "story": "story.schema.json",
    "breaking": "breaking.schema.json",
}


def _validator(name: str) -> Draft202012Validator:
    schema = orjson.loads((SCHEMAS / name).read_bytes())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


VALIDATORS = {kind: _validator(name) for kind, name in SCHEMA_BY_KIND.items()}
RAW_VALIDATOR = _validator("raw.schema.json")


def assert_valid_event(event: dict[str, Any]) -> None:
    """Fail unless the event matches its topic's JSON Schema, entity offsets hold, and
    every group's offsets are mentions of the event."""
    VALIDATORS[event["kind"]].validate(event)
    if event["kind"] == "enriched":
        for entity in event["entities"]:
            assert event["body"][entity["start"] : entity["end"]] == entity["text"], entity
        mentions = {(e["start"], e["end"]) for e in event["entities"]}
        for group in event.get("entity_groups", ()):
            assert {tuple(o) for o in group["offsets"]} <= mentions, group


@pytest.fixture
def check_event():
    """The schema check, for tests: `check_event(event_dict)`."""
    return assert_valid_event


@pytest.fixture
def check_raw():
    """The raw story schema's check, for tests of producers: `check_raw(story_dict)`."""
    return RAW_VALIDATOR.validate


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """On CI a skipped test is a failure: the suite must really run against Kafka."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; failing the run", red=True)
        session.exitstatus = 1


@dataclass
class Route:
    """What the feed server answers on one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""  # answers 304 to a request that sends it back
    gzip: bool = False
    delay: float = 0.0
    chunked: bool = False  # no Content-Length: the client learns the size as it reads


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-answer (as one refusing a large body does) is normal."""


class FeedServer:
    """A real HTTP server on loopback for the sources' tests: routes by path, and a log
    of (path, start, end, request headers) for every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, float, float, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                start = time.monotonic()
                route = server.routes.get(self.path, Route(b"not here", 404))
                time.sleep(route.delay)
                headers = dict(self.headers)
                if route.etag and headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    body = gzip.compress(route.body) if route.gzip else route.body
                    self.send_response(route.status)
                    for name, value in route.headers.items():
                        self.send_header(name, value)
                    if route.etag:
                        self.send_header("ETag", route.etag)
                    if route.gzip:
                        self.send_header("Content-Encoding", "gzip")
                    if route.chunked:
                        self.send_header("Connection", "close")
                        self.end_headers()
                        self.wfile.write(body)
                        self.close_connection = True
                    else:
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                server.log.append((self.path, start, time.monotonic(), headers))

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def serve(self, path: str, body: bytes = b"", **how: Any) -> str:
        """Answer `path` with `body` (and `how`: status, headers, etag, gzip, delay,
        chunked); its URL."""
        self.routes[path] = Route(body, **how)
        return self.url + path

    def requests(self, path: str) -> list[tuple[str, float, float, dict[str, str]]]:
        return [entry for entry in self.log if entry[0] == path]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def feed_server():
    """A loopback HTTP server a test fills: `url = feed_server.serve("/rss", body)`."""
    server = FeedServer()
    yield server
    server.close()
