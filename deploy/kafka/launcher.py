"""Run a single-node Apache Kafka 4.x (KRaft, broker+controller) on 127.0.0.1.

The jars come from Maven Central through ``pom.xml`` beside this file and are
cached outside git (``$NEWSWIRE_KAFKA_HOME`` or ``~/.cache/newswire``).
Standard library only, so it runs before the project's virtualenv exists.

    python deploy/kafka/launcher.py fetch            # resolve the jars once
    python deploy/kafka/launcher.py run --port 9092  # foreground, Ctrl-C stops
    python deploy/kafka/launcher.py start / stop     # background, pid file in the data dir
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

KAFKA_VERSION = "4.1.1"
HERE = Path(__file__).resolve().parent
READY_LINE = "Kafka Server started"

LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
"""


def cache_dir() -> Path:
    """Where the resolved jars live: outside git, shared by every checkout."""
    base = os.environ.get("NEWSWIRE_KAFKA_HOME") or Path.home() / ".cache" / "newswire"
    return Path(base) / f"kafka-{KAFKA_VERSION}" / "libs"


def fetch(quiet: bool = False) -> Path:
    """Resolve Kafka and its runtime dependencies with Maven, once."""
    libs = cache_dir()
    marker = libs / ".complete"
    if marker.exists():
        return libs
    if shutil.which("mvn") is None:
        raise SystemExit("launcher: Maven (mvn) is not on PATH; it is needed once to fetch Kafka")
    if not quiet:
        print(f"launcher: fetching Apache Kafka {KAFKA_VERSION} jars into {libs}", flush=True)
    libs.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(HERE / "pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}",
            "-DincludeScope=runtime",
        ],
        check=True,
    )
    marker.touch()
    return libs


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cluster_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


class LocalKafka:
    """One broker+controller process; a context manager that stops it on exit."""

    def __init__(
        self,
        port: int | None = None,
        data_dir: Path | str | None = None,
        extra_config: dict[str, str] | None = None,
        sasl_users: dict[str, str] | None = None,
        tls: bool = False,
    ) -> None:
        """`sasl_users` (name: password) adds a SASL_PLAINTEXT listener (PLAIN, SCRAM-SHA-512);
        `tls` an SSL listener with a certificate from a throwaway CA (`ca_file`; needs openssl)."""
        self.port = port or free_port()
        self.controller_port = free_port()
        self.sasl_users = sasl_users or {}
        self.sasl_port = free_port() if self.sasl_users else None
        self.tls_port = free_port() if tls else None
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="newswire-kafka-"))
        self.extra_config = extra_config or {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def sasl_bootstrap(self) -> str:
        if self.sasl_port is None:
            raise ValueError("this broker has no SASL listener (pass sasl_users)")
        return f"127.0.0.1:{self.sasl_port}"

    @property
    def tls_bootstrap(self) -> str:
        if self.tls_port is None:
            raise ValueError("this broker has no SSL listener (pass tls=True)")
        return f"127.0.0.1:{self.tls_port}"

    @property
    def ca_file(self) -> Path:
        """The CA that signed the SSL listener's certificate (for clients to verify it)."""
        return self.data_dir / "tls" / "ca.pem"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    def _write_config(self) -> Path:
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.data_dir / "logs"),
            "num.partitions": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "4",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "4",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "true",
            "log.retention.hours": "24",
        }
        if self.sasl_port is not None:
            props["listeners"] += f",SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}"
            props["advertised.listeners"] += f",SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}"
            props["listener.security.protocol.map"] += ",SASL_PLAINTEXT:SASL_PLAINTEXT"
            plain_users = " ".join(f'user_{u}="{pw}"' for u, pw in self.sasl_users.items())
            login = "org.apache.kafka.common.security"
            props |= {
                "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-512",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config": (
                    f"{login}.plain.PlainLoginModule required {plain_users};"
                ),
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config": (
                    f"{login}.scram.ScramLoginModule required;"
                ),
            }
        if self.tls_port is not None:
            props["listeners"] += f",SSL://127.0.0.1:{self.tls_port}"
            props["advertised.listeners"] += f",SSL://127.0.0.1:{self.tls_port}"
            props["listener.security.protocol.map"] += ",SSL:SSL"
            props |= {
                "listener.name.ssl.ssl.keystore.type": "PEM",
                "listener.name.ssl.ssl.keystore.location": str(self._make_certificate()),
            }
        props.update(self.extra_config)
        path = self.data_dir / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        (self.data_dir / "log4j2.properties").write_text(LOG4J2.format(log=self.log_file))
        return path

    def _make_certificate(self) -> Path:
        """A CA and a certificate for 127.0.0.1 signed by it; returns the key+chain PEM."""
        tls = self.data_dir / "tls"
        keystore = tls / "server-keystore.pem"
        if keystore.exists():
            return keystore
        tls.mkdir(parents=True, exist_ok=True)
        (tls / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        for args in (
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
             "-out", "ca.pem", "-days", "7", "-subj", "/CN=newswire local CA"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
             "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "7", "-extfile", "san.cnf"],
        ):  # fmt: skip
            subprocess.run(["openssl", *args], cwd=tls, check=True, capture_output=True)
        pem = [tls / "server.key", tls / "server.pem", tls / "ca.pem"]
        keystore.write_text("".join(path.read_text() for path in pem))
        return keystore

    def _java(self, main: str, *args: str) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise SystemExit("launcher: Java (java) is not on PATH; Kafka needs Java 17+")
        return [
            java,
            "-Xms256m",
            "-Xmx768m",
            "-XX:+UseG1GC",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            "-Djava.net.preferIPv4Stack=true",
            "-cp",
            f"{fetch(quiet=True)}/*",
            main,
            *args,
        ]

    def start(self, timeout: float = 90.0) -> LocalKafka:
        """Format storage if new, start the broker, and wait until it serves clients."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        if not (self.data_dir / "logs" / "meta.properties").exists():
            scram = [
                arg
                for user, password in self.sasl_users.items()
                for arg in ("--add-scram", f"SCRAM-SHA-512=[name={user},password={password}]")
            ]
            subprocess.run(
                self._java(
                    "kafka.tools.StorageTool",
                    "format",
                    # One argument: an id may start with "-", which the tool's parser
                    # would take for an option.
                    f"--cluster-id={_cluster_id()}",
                    "-c",
                    str(config),
                    *scram,
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        self.log_file.unlink(missing_ok=True)
        with open(self.data_dir / "stdout.log", "ab") as out:
            self.process = subprocess.Popen(
                self._java("kafka.Kafka", str(config)),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        (self.data_dir / "kafka.pid").write_text(str(self.process.pid))
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"Kafka exited ({code}); see {self.data_dir}/stdout.log")
            if self._started() and _port_open(self.port):
                return
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"Kafka did not start within {timeout:.0f}s; see {self.log_file}")

    def _started(self) -> bool:
        try:
            return READY_LINE in self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return False

    def halt(self, timeout: float = 30.0) -> None:
        """SIGTERM the broker's process group (SIGKILL if it lingers); data stays for `start`."""
        if self.process is not None and self.process.poll() is None:
            _stop_group(self.process.pid, timeout)
            self.process.wait()
        (self.data_dir / "kafka.pid").unlink(missing_ok=True)

    def stop(self, timeout: float = 30.0) -> None:
        """Halt the broker; remove its data if this object made the directory."""
        self.halt(timeout)
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> LocalKafka:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _stop_group(pid: int, timeout: float) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        if _is_zombie(pid):
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except (FileNotFoundError, IndexError):
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="resolve the Kafka jars into the cache")
    for name, text in (
        ("run", "run in the foreground until Ctrl-C"),
        ("start", "start in the background"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument(
            "--port", type=int, default=9092, help="client port on 127.0.0.1 (default 9092)"
        )
        p.add_argument(
            "--data-dir", type=Path, default=Path(".kafka"), help="storage (default .kafka)"
        )
    p = sub.add_parser("stop", help="stop a broker started with `start`")
    p.add_argument("--data-dir", type=Path, default=Path(".kafka"))
    args = parser.parse_args(argv)

    if args.command == "fetch":
        print(fetch())
        return 0
    if args.command == "stop":
        pid_file = args.data_dir / "kafka.pid"
        if not pid_file.exists():
            print("launcher: no broker running", file=sys.stderr)
            return 0
        _stop_group(int(pid_file.read_text()), 30.0)
        pid_file.unlink(missing_ok=True)
        print("launcher: stopped")
        return 0
    kafka = LocalKafka(port=args.port, data_dir=args.data_dir)
    if _port_open(kafka.port):
        print(f"launcher: port {kafka.port} is already in use", file=sys.stderr)
        return 2
    kafka.start()
    print(f"launcher: Kafka {KAFKA_VERSION} ready on {kafka.bootstrap} (data in {kafka.data_dir})")
    if args.command == "start":
        kafka.process = None  # leave it running; `stop` finds it by its pid file
        return 0
    try:
        kafka.process.wait()
    except KeyboardInterrupt:
        print("launcher: stopping")
    finally:
        kafka.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
