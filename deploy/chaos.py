"""`make chaos`: every raw message must end as exactly one outcome, whatever fails.

Each scenario runs real `newswire worker` processes on its own topics of a local
broker (loopback only), feeds a generated stream (stories, exact and near copies,
bad inputs), injects one fault mid-stream, waits until the stream is drained, then
reads every output topic and counts outcomes per raw message (by the
`newswire-origin` header each outcome carries). A raw message with no outcome is
missing; one with two or more is doubled.

    python deploy/chaos.py [--stories 50000] [--scenario kill9 ...] [--runs 1] [--keep]

Exits 1 if any scenario has a missing or doubled message.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy" / "kafka"))

from launcher import LocalKafka  # noqa: E402

from workers.bench.load import produce  # noqa: E402
from workers.bench.stages import NEW_NAMES, wire_messages  # noqa: E402
from workers.config import Settings  # noqa: E402
from workers.ops.processes import Worker, worker_env  # noqa: E402
from workers.records import ORIGIN_HEADER  # noqa: E402
from workers.stream.broker import client_config, ensure_topics  # noqa: E402
from workers.stream.lag import LAG_SECONDS  # noqa: E402

STORY_BYTES = 2048
STALL_SECONDS = 180.0  # give up when no outcome arrived for this long
# A worker on a fresh state directory restores the whole index changelog first
# (about 33 entries per story decided, a few thousand entries a second).
RECOVERY_SECONDS = 900.0
BROKER_DOWN_SECONDS = 20.0
PRODUCE_FAILURE_SECONDS = 15.0


@dataclass
class Tally:
    """Outcomes per raw message of one scenario."""

    origins: list[str] = field(default_factory=list)  # every raw message sent
    by_topic: Counter[str] = field(default_factory=Counter)
    per_origin: Counter[str] = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        return len(self.origins)

    @property
    def missing(self) -> int:
        return len(set(self.origins) - set(self.per_origin))

    @property
    def doubled(self) -> int:
        return sum(n - 1 for n in self.per_origin.values() if n > 1)

    def examples(self, limit: int = 5) -> str:
        """A few missing and doubled origins, to look up in the worker logs."""
        missing = sorted(set(self.origins) - set(self.per_origin))[:limit]
        doubled = [o for o, n in self.per_origin.items() if n > 1][:limit]
        return f"missing e.g. {missing}; doubled e.g. {doubled}"


class OutcomeReader:
    """Reads every output topic of one prefix from the beginning, counting by origin."""

    def __init__(self, settings: Settings, tally: Tally) -> None:
        t = settings.topics
        self.kinds = {t.enriched: "enriched", t.duplicates: "duplicates", t.deadletter: "rejected"}
        self.tally = tally
        self.consumer = KafkaConsumer(
            *self.kinds,
            **client_config(settings, "chaos"),
            group_id=None,
            auto_offset_reset="earliest",
        )

    def poll(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for records in self.consumer.poll(timeout_ms=200).values():
                for record in records:
                    self.tally.by_topic[self.kinds[record.topic]] += 1
                    for key, value in record.headers:
                        if key == ORIGIN_HEADER:
                            self.tally.per_origin[value.decode()] += 1

    def poll_until(self, done: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            self.poll(0.5)

    def close(self) -> None:
        self.consumer.close()


def uncommitted(settings: Settings) -> dict[str, int]:
    """Per raw and prepared partition ("topic:partition"), the messages after the worker
    group's committed offset; partitions committed to their end are left out."""
    offsets = group_offsets(settings)
    return {tp: end - done for tp, (done, end) in offsets.items() if end > done}


def group_offsets(settings: Settings) -> dict[str, tuple[int, int]]:
    """Per raw and prepared partition ("topic:partition"), the worker group's committed
    offset (0 if none) and the partition's end."""
    t = settings.topics
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=settings.app_id,
        enable_auto_commit=False,
    )
    try:
        tps = [
            TopicPartition(topic, p)
            for topic in (t.raw, t.prepared)
            for p in consumer.partitions_for_topic(topic) or ()
        ]
        ends = consumer.end_offsets(tps)
        return {f"{tp.topic}:{tp.partition}": (consumer.committed(tp) or 0, ends[tp]) for tp in tps}
    finally:
        consumer.close()


def set_max_message_bytes(settings: Settings, topic: str, value: int) -> None:
    """Alter a topic's max.message.bytes: small enough, and every produce to it fails."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        resource = ConfigResource(
            ConfigResourceType.TOPIC, topic, configs={"max.message.bytes": str(value)}
        )
        admin.alter_configs([resource])
    finally:
        admin.close()


@dataclass
class Run:
    """What a fault needs: the broker, the settings, and a way to start workers."""

    kafka: LocalKafka | None
    settings: Settings
    start_worker: Callable[[str], Worker]
    workers: list[Worker]
    say: Callable[[str], None]
    launched: float = 0.0  # when the first workers were started (monotonic)
    failures: list[str] = field(default_factory=list)  # what a fault found wrong


def fault_none(run: Run, progress: Callable[[float], None]) -> None:
    """No fault: the control."""


def fault_kill9(run: Run, progress: Callable[[float], None]) -> None:
    """kill -9 the worker at a third of the stream; its supervisor starts it again."""
    progress(1 / 3)
    run.say("kill -9 of the worker")
    run.workers[0].kill()
    run.start_worker("w0").wait_ready(RECOVERY_SECONDS)


def fault_restart(run: Run, progress: Callable[[float], None]) -> None:
    """SIGTERM the worker at a third of the stream, wait for its exit, start it again."""
    progress(1 / 3)
    run.say("graceful restart of the worker")
    code = run.workers[0].stop()
    if code != 0:  # stop() kills a worker that has not stopped after 40 s
        raise RuntimeError(f"the worker did not stop cleanly (exit code {code})")
    run.say("worker stopped cleanly")
    run.start_worker("w0").wait_ready(RECOVERY_SECONDS)


def fault_broker(run: Run, progress: Callable[[float], None]) -> None:
    """Stop the broker for 20 s at a third of the stream, then start it again."""
    if run.kafka is None:
        raise SystemExit("chaos: the broker scenario needs the broker this script starts")
    progress(1 / 3)
    run.say(f"broker down for {BROKER_DOWN_SECONDS:.0f} s")
    run.kafka.halt()
    time.sleep(BROKER_DOWN_SECONDS)
    run.kafka.start()
    run.say("broker up again")


def fault_rebalance(run: Run, progress: Callable[[float], None]) -> None:
    """A second worker joins at a quarter of the stream and leaves at two thirds."""
    progress(1 / 4)
    run.say("second worker joins")
    second = run.start_worker("w1")
    second.wait_ready(RECOVERY_SECONDS)
    progress(2 / 3)
    run.say("second worker leaves")
    second.stop()


def decider(workers: list[Worker], prepared: str, timeout: float = 60.0) -> Worker:
    """The running worker that holds the decision partition: the one whose /metrics has a
    lag sample for `prepared` (set for held partitions only, every 5 s)."""
    time.sleep(LAG_SECONDS + 1)  # a sample of the assignment before the last is gone
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holders = []
        for worker in workers:
            if worker.proc is None or worker.proc.poll() is not None:
                continue
            try:
                text = worker.metrics()
            except OSError:
                continue
            if f'newswire_consumer_lag_messages{{partition="0",topic="{prepared}"}}' in text:
                holders.append(worker)
        if len(holders) == 1:
            return holders[0]
        time.sleep(1.0)
    raise RuntimeError(f"no single worker holds {prepared} after {timeout:.0f} s")


def handover(kill: bool) -> Callable[[Run, Callable[[float], None]], None]:
    """A second worker joins at a third of the stream; at two thirds the worker that
    decides leaves (SIGTERM, or kill -9) while the other carries on."""

    def fault(run: Run, progress: Callable[[float], None]) -> None:
        progress(1 / 3)
        run.say("second worker joins")
        run.start_worker("w1").wait_ready(RECOVERY_SECONDS)
        leaving = decider(run.workers, run.settings.topics.prepared)
        progress(2 / 3)
        run.say(
            f"the deciding worker ({leaving.log.name}) leaves: {'kill -9' if kill else 'SIGTERM'}"
        )
        leaving.kill() if kill else leaving.stop()

    return fault


def fault_start3(run: Run, progress: Callable[[float], None]) -> None:
    """Three workers started at the same moment on a backlog (a rollout of three
    replicas): every raw partition must make progress within START_PROGRESS_SECONDS."""
    raw = run.settings.topics.raw
    deadline = run.launched + START_PROGRESS_SECONDS
    idle: list[str] = []
    while time.monotonic() < deadline:
        offsets = group_offsets(run.settings)
        idle = [tp for tp, (done, end) in offsets.items() if tp.startswith(raw) and not done]
        if not idle:
            run.say(f"every raw partition committed within {time.monotonic() - run.launched:.0f} s")
            return
        time.sleep(1.0)
    run.failures.append(f"no progress within {START_PROGRESS_SECONDS:.0f} s: {', '.join(idle)}")
    run.say(run.failures[-1])


def fault_produce(run: Run, progress: Callable[[float], None]) -> None:
    """Every produce to the enriched topic fails for 15 s (message size limit of 64 bytes)."""
    progress(1 / 3)
    topic = run.settings.topics.enriched
    run.say(f"produces to {topic} fail for {PRODUCE_FAILURE_SECONDS:.0f} s")
    set_max_message_bytes(run.settings, topic, 64)
    time.sleep(PRODUCE_FAILURE_SECONDS)
    set_max_message_bytes(run.settings, topic, 1048588)
    run.say("produces succeed again")


SCENARIOS: dict[str, Callable[[Run, Callable[[float], None]], None]] = {
    "none": fault_none,
    "kill9": fault_kill9,
    "restart": fault_restart,
    "broker": fault_broker,
    "rebalance": fault_rebalance,
    "produce": fault_produce,
    "handover": handover(kill=False),
    "handover9": handover(kill=True),
    "start3": fault_start3,
}
# Scenarios that start this many workers at the same moment (the others start one).
TOGETHER = {"start3": 3}
START_PROGRESS_SECONDS = 60.0
# Scenarios whose stream is produced while they run, at this many messages a second: the
# decision partition must move while stories still arrive.
RATES = {"handover": 100.0, "handover9": 100.0}


@dataclass
class Result:
    scenario: str
    tally: Tally
    seconds: float
    after_fault: float  # from the fault's end until every message was answered
    committed: bool  # the group committed every raw and prepared offset at the end
    failures: list[str] = field(default_factory=list)  # what the fault itself found wrong

    @property
    def ok(self) -> bool:
        t = self.tally
        return t.missing == 0 and t.doubled == 0 and self.committed and not self.failures

    def row(self) -> str:
        t = self.tally
        return (
            f"{self.scenario:<10} {t.sent:>7} {t.by_topic['enriched']:>8} "
            f"{t.by_topic['duplicates']:>10} {t.by_topic['rejected']:>8} {t.missing:>7} "
            f"{t.doubled:>7} {self.seconds:>7.0f} {self.after_fault:>11.0f}"
        )


HEADER = (
    f"{'scenario':<10} {'sent':>7} {'enriched':>8} {'duplicates':>10} "
    f"{'rejected':>8} {'missing':>7} {'doubled':>7} {'seconds':>7} {'after fault':>11}"
)


def soak(samples: int) -> Callable[[Run, Callable[[float], None]], None]:
    """No fault: the worker's RSS and state on disk, `samples` times along the stream."""

    def watch(run: Run, progress: Callable[[float], None]) -> None:
        worker = run.workers[0]
        state = Path(worker.env["NEWSWIRE_DATA_DIR"])
        started = time.monotonic()
        for i in range(1, samples + 1):
            progress(i / samples)
            rss = worker.rss_mb()
            disk = sum(f.stat().st_size for f in state.rglob("*") if f.is_file()) / 1e6
            minutes = (time.monotonic() - started) / 60
            run.say(f"soak: {i / samples:4.0%} after {minutes:5.1f} min: RSS {rss:6.0f} MB, "
                    f"state on disk {disk:6.0f} MB")  # fmt: skip

    return watch


def run_scenario(
    name: str,
    kafka: LocalKafka | None,
    bootstrap: str,
    count: int,
    workdir: Path,
    say: Callable[[str], None] = print,
    fault: Callable[[Run, Callable[[float], None]], None] | None = None,
    new_names: int = 0,
    rate: float | None = None,
    **settings_env: str,
) -> Result:
    """Run one scenario (or `fault`) on fresh topics. The stream is produced before the
    worker starts, or, for the scenarios in RATES (or at `rate` a second), while it runs.
    Each new story gets `new_names` invented names (`wire_messages`); `settings_env` adds
    NEWSWIRE_* variables for the workers."""
    prefix = f"chaos{name}{uuid.uuid4().hex[:8]}"
    scratch = workdir / prefix
    scratch.mkdir(parents=True)
    settings = Settings.from_env(worker_env(bootstrap, prefix, scratch, **settings_env))
    ensure_topics(settings)
    tally = Tally()
    messages = wire_messages(count, size=lambda _: STORY_BYTES, bad_share=0.01, new_names=new_names)
    rate = RATES.get(name, 0.0) if rate is None else rate

    def send() -> None:
        # aiokafka: kafka-python's pure-Python CRC32C takes minutes for a million messages.
        tally.origins.extend(asyncio.run(produce(bootstrap, settings.topics.raw, messages, rate)))
        say(f"{name}: {tally.sent} messages on {settings.topics.raw}")

    producer = threading.Thread(target=send, daemon=True)
    if rate:
        say(f"{name}: {count} messages to {settings.topics.raw} at {rate:.0f}/s")
    else:
        send()

    workers: list[Worker] = []

    def start_worker(label: str) -> Worker:
        env = worker_env(bootstrap, prefix, scratch / f"state-{label}", **settings_env)
        worker = Worker(env, scratch / f"{label}-{len(workers)}.log").start()
        workers.append(worker)
        return worker

    reader = OutcomeReader(settings, tally)
    started = time.monotonic()
    last_count, last_change = 0, time.monotonic()

    def pump(until: Callable[[], bool]) -> bool:
        """Read outcomes until `until()` holds (True) or the stream stalls (False)."""
        nonlocal last_count, last_change
        while not until():
            reader.poll(1.0)
            seen = len(tally.per_origin)
            if seen != last_count:
                last_count, last_change = seen, time.monotonic()
            elif time.monotonic() - last_change > STALL_SECONDS:
                say(f"{name}: no outcome for {STALL_SECONDS:.0f} s; giving up")
                return False
        return True

    def progress(fraction: float) -> None:
        pump(lambda: len(tally.per_origin) >= fraction * count)

    run = Run(kafka, settings, start_worker, workers, say, time.monotonic())
    try:
        for started_worker in [start_worker(f"w{i}") for i in range(TOGETHER.get(name, 1))]:
            started_worker.wait_ready()
        if rate:
            producer.start()
        (fault or SCENARIOS[name])(run, progress)
        faulted = time.monotonic()
        pump(lambda: len(tally.per_origin) >= count)
        seconds = time.monotonic() - started
        after_fault = time.monotonic() - faulted
        producer.join() if rate else None
        last_change = time.monotonic()
        behind: dict[str, int] = {}

        def all_committed() -> bool:
            behind.clear()
            behind.update(uncommitted(settings))
            return not behind

        committed = pump(all_committed)
        reader.poll(5.0)  # anything emitted twice while offsets were being committed
    finally:
        for worker in workers:
            worker.stop()
        reader.close()
    result = Result(name, tally, seconds, after_fault, committed, run.failures)
    if not result.ok:
        say(f"{name}: {tally.examples()}; not committed: {behind or 'none'}; {run.failures}")
    return result


@contextmanager
def broker(bootstrap: str | None) -> Iterator[LocalKafka | None]:
    if bootstrap:
        yield None
        return
    with LocalKafka() as kafka:
        yield kafka


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stories", type=int, default=50_000, help="messages per scenario")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(SCENARIOS),
        help="run only these (repeatable; default: all)",
    )
    parser.add_argument(
        "--soak",
        type=int,
        metavar="N",
        help=(
            "instead of the scenarios: N stories through one worker, RSS and state sampled;"
            f" each new story names {NEW_NAMES} invented words, so the tagger's caches fill"
        ),
    )
    parser.add_argument(
        "--retention-hours",
        type=float,
        default=0.05,
        help="dedupe retention of the soak (default 0.05: the window passes within the run)",
    )
    parser.add_argument("--runs", type=int, default=1, help="run each scenario this many times")
    parser.add_argument("--keep", action="store_true", help="keep worker logs even when all pass")
    parser.add_argument("--bootstrap", help="use this broker (the broker scenario needs our own)")
    args = parser.parse_args(argv)

    def say(text: str) -> None:
        print(f"[chaos {time.strftime('%H:%M:%S')}] {text}", flush=True)

    results = []
    workdir = Path(tempfile.mkdtemp(prefix="newswire-chaos-"))
    say(f"worker logs and state in {workdir}")
    with broker(args.bootstrap) as kafka:
        bootstrap = args.bootstrap or (kafka.bootstrap if kafka else "")
        if args.soak:
            retention = {"NEWSWIRE_DEDUPE_RETENTION_HOURS": str(args.retention_hours)}
            result = run_scenario(
                "soak", kafka, bootstrap, args.soak, workdir, say, soak(20), NEW_NAMES,
                **retention,
            )  # fmt: skip
            results.append(result)
        names = [] if args.soak else args.scenario or list(SCENARIOS)
        for name in [name for name in names for _ in range(args.runs)]:
            result = run_scenario(name, kafka, bootstrap, args.stories, workdir, say)
            say(result.row())
            results.append(result)
    print(HEADER)
    for result in results:
        print(result.row())
    if all(r.ok for r in results) and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
        return 0
    say(f"worker logs kept in {workdir}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
