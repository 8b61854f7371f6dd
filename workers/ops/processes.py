"""Worker processes, as `make chaos`, `newswire bench` and the integration tests run them.

Each runs in its own process group, so it can be stopped cleanly (SIGTERM) or
killed the hard way (SIGKILL) with everything it started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

NEWSWIRE = str(Path(sys.executable).parent / "newswire")


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Worker:
    """One `newswire worker` process (own process group), killable the hard way."""

    def __init__(self, env: dict[str, str], log: Path, argv: list[str] | None = None) -> None:
        self.env = env
        self.log = log
        self.argv = argv or [NEWSWIRE, "worker"]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def wait_ready(self, timeout: float = 90.0) -> Worker:
        """Block until the worker has joined its group and finished recovery."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "Worker ready" in self.log.read_text(errors="replace"):
                return self
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"the worker exited; see {self.log}")
            time.sleep(0.3)
        raise TimeoutError(f"worker not ready after {timeout:.0f}s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final commit."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> int | None:
        """SIGTERM and wait for a clean exit (SIGKILL after 40 s)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode if self.proc else None

    def rss_mb(self) -> float:
        """Resident memory of the process now (0 once it has exited)."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text() if self.proc else ""
        except OSError:
            return 0.0
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def cpu_seconds(self) -> float:
        """CPU time the process has used (user and system; 0 once it has exited)."""
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text() if self.proc else ""
        except OSError:
            return 0.0
        fields = stat.rsplit(")", 1)[-1].split()  # after the command name, which may hold spaces
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else 0.0

    def metrics(self) -> str:
        url = f"http://127.0.0.1:{self.env['NEWSWIRE_METRICS_PORT']}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()


def worker_env(bootstrap: str, prefix: str, state: Path, **extra: str) -> dict[str, str]:
    """Environment of a worker on its own topics, group and state directory."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    return {
        **base,
        "NEWSWIRE_KAFKA_BOOTSTRAP": bootstrap,
        "NEWSWIRE_TOPIC_PREFIX": prefix,
        "NEWSWIRE_APP_ID": prefix,
        "NEWSWIRE_DATA_DIR": str(state),
        "NEWSWIRE_METRICS_PORT": str(free_port()),
        "NEWSWIRE_PARTITIONS": "4",
        "NEWSWIRE_SESSION_TIMEOUT_SECONDS": "10",
        **extra,
    }
