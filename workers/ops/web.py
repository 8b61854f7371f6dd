"""The worker's HTTP endpoint: /metrics for Prometheus, /healthz and /readyz for probes,
/stories for `newswire top`.

/healthz answers 200 while the worker's event loop turns (a timer beats every
few seconds); a loop stuck for `LIVENESS_SECONDS` answers 503, so a supervisor
such as Kubernetes restarts the process. /readyz answers 200 once the worker has
started and is not rebalancing (its partitions assigned and its table
recovered), 503 otherwise. /stories answers the stories with the most articles in the
last hour, as JSON (`{"stories": [...]}`; empty on a worker that does not decide).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

LIVENESS_SECONDS = 60.0


@dataclass
class Health:
    """What the probes and /stories report; the worker's timers update it."""

    beat: float = field(default_factory=time.monotonic)
    ready: bool = False
    stories: bytes = b'{"stories":[]}'

    def alive(self, now: float | None = None) -> bool:
        return (now if now is not None else time.monotonic()) - self.beat < LIVENESS_SECONDS


def serve(registry: CollectorRegistry, health: Health, host: str, port: int) -> ThreadingHTTPServer:
    """Start the endpoint in a daemon thread; OSError if the port cannot be bound."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._answer(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                ok = health.alive()
                self._answer(200 if ok else 503, b"ok\n" if ok else b"event loop stuck\n")
            elif path == "/readyz":
                ok = health.ready
                self._answer(200 if ok else 503, b"ready\n" if ok else b"not ready\n")
            elif path == "/stories":
                self._answer(200, health.stories, "application/json")
            else:
                self._answer(404, b"/metrics, /healthz, /readyz or /stories\n")

        def _answer(self, code: int, body: bytes, kind: str = "text/plain") -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # a scrape every few seconds is not news

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="newswire-web", daemon=True).start()
    return server
