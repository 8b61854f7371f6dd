"""`newswire bench`: how fast the worker is on a real broker, and each pure stage alone.

    newswire bench [--stories 30000] [--latency-seconds 30] [--catchup-stories 20000]
                   [--json] [--keep]

Against the broker of NEWSWIRE_KAFKA_BOOTSTRAP (`make bench` starts a local one),
each measurement on topics of its own:

1. passthrough: a Faust agent forwarding raw messages, no work (the ceiling);
2. the pipeline with one `newswire worker`, then with two on a 4-partition topic;
   stories/s from the first outcome to the last, the stream produced as fast as
   the broker takes it; peak RSS; mean time per stage (from the worker's metrics);
3. end-to-end latency (raw message produced to outcome produced) at an offered
   load of half the one-worker rate, after a warm-up (the first message of a fresh
   worker, which waits for the replay scan of its assignment, is reported apart);
4. catch-up: a backlog produced before a fresh worker starts (an outage's): the
   seconds from its start to its first decision (`start_s`), from its readiness to
   the first outcome, and the share of outcomes out after a quarter of the time;
5. CPU per story: the worker's CPU seconds (from /proc) over the stories of the
   catch-up (`backlog`) and of the latency run (`half_load`), start-up excluded;
6. the pure stages on one core (`workers.bench.stages`).

The corpus is generated (seeded): 1-20 KB stories around a 4 KB median, ~30%
exact and near copies, ad lines. Timings are wall-clock on a shared machine:
compare ratios within one run. With --json the last line of stdout is one JSON
object (see docs/BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from workers.bench.stages import stage_rates, wire_messages
from workers.config import Settings
from workers.ops.processes import Worker, worker_env
from workers.records import ORIGIN_HEADER
from workers.stream.broker import ensure_topics

STALL_SECONDS = 120.0  # give up when no outcome arrives for this long
WARMUP_SECONDS = 5.0  # of paced messages before latency is measured
FELL_BEHIND = 0.95  # a latency run answering less than this share of the offered rate
PRODUCE_WINDOW = 10_000  # messages sent before their acknowledgements are awaited
PASSTHROUGH = [sys.executable, "-m", "workers.bench.passthrough"]
Messages = list[tuple[bytes, bytes]]


@dataclass
class Run:
    """What one measurement saw."""

    sent: int
    outcomes: dict[str, float] = field(default_factory=dict)  # origin -> produced at
    produced: dict[str, float] = field(default_factory=dict)  # origin -> raw produced at
    rss_mb: float = 0.0
    stage_us: dict[str, float] = field(default_factory=dict)
    ignored: set[str] = field(default_factory=set)  # origins of a warm-up, not counted
    first_ms: float = 0.0  # latency of the warm-up's first message (a fresh worker's first)
    launched: float = 0.0  # wall-clock time the workers were started
    ready: float = 0.0  # ... and were ready (joined, recovered), or the warm-up was done
    cpu_seconds: float = 0.0  # the workers' CPU time from `ready` to the last outcome

    @property
    def cpu_ms_per_story(self) -> float:
        return self.cpu_seconds / len(self.outcomes) * 1000 if self.outcomes else 0.0

    def catchup(self) -> dict[str, float]:
        """A backlog run's start and flow: seconds from the start to the first decision,
        from readiness to the first outcome, and the share of outcomes out after a
        quarter of the catch-up's time (readiness to the last outcome)."""
        times = sorted(self.outcomes.values())
        if not times:
            return {}
        span = times[-1] - self.ready
        quarter = sum(1 for t in times if t <= self.ready + span / 4)
        return {
            "stories": self.sent,
            "start_s": round(times[0] - self.launched, 2),
            "first_outcome_s": round(times[0] - self.ready, 2),
            "seconds": round(span, 1),
            "outcomes_at_quarter": round(quarter / len(times), 3),
        }

    @property
    def window(self) -> float:
        times = self.outcomes.values()
        return max(times) - min(times) if times else 0.0

    @property
    def missing(self) -> int:
        return self.sent - len(self.outcomes)

    @property
    def sps(self) -> float:
        return len(self.outcomes) / self.window if self.window else 0.0

    def latency_ms(self) -> dict[str, float]:
        waits = sorted(
            (done - self.produced[o]) * 1000
            for o, done in self.outcomes.items()
            if o in self.produced
        )
        if not waits:
            return {}
        cut = statistics.quantiles(waits, n=100, method="inclusive")
        return {"p50": cut[49], "p95": cut[94], "p99": cut[98], "max": waits[-1]}

    def unanswered(self) -> dict[int, tuple[int, int, int]]:
        """Per raw partition, the messages produced without an outcome: how many, and
        the first and last of their offsets (a stall's signature)."""
        offsets: dict[int, list[int]] = {}
        for origin in self.produced:
            if origin not in self.outcomes:
                _, partition, offset = origin.rsplit(":", 2)
                offsets.setdefault(int(partition), []).append(int(offset))
        return {p: (len(o), min(o), max(o)) for p, o in sorted(offsets.items())}

    def first_latency_ms(self) -> float:
        """Latency of the first message produced (0 when it has no outcome)."""
        if not self.produced:
            return 0.0
        origin = min(self.produced, key=self.produced.__getitem__)
        done = self.outcomes.get(origin)
        return (done - self.produced[origin]) * 1000 if done is not None else 0.0


async def produce(
    bootstrap: str, topic: str, messages: Iterable[tuple[bytes, bytes]], rate: float = 0.0
) -> dict[str, float]:
    """Send `messages` (at `rate` per second, or as fast as possible); origin -> timestamp.

    Acknowledgements are awaited every PRODUCE_WINDOW messages, so that a million
    messages do not all wait in memory at once."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=512 * 1024
    )
    await producer.start()
    sent: dict[str, float] = {}

    async def settle(pending: list[asyncio.Future]) -> None:
        for meta in await asyncio.gather(*pending):
            sent[f"{topic}:{meta.partition}:{meta.offset}"] = meta.timestamp / 1000
        pending.clear()

    try:
        started, pending = time.monotonic(), []
        for i, (key, value) in enumerate(messages):
            if rate and (ahead := started + i / rate - time.monotonic()) > 0:
                await asyncio.sleep(ahead)
            pending.append(await producer.send(topic, value, key=key))
            if len(pending) >= PRODUCE_WINDOW:
                await settle(pending)
        await settle(pending)
    finally:
        await producer.stop()
    return sent


async def collect(
    settings: Settings, run: Run, workers: list[Worker], say: Callable[[str], None]
) -> None:
    """Read every output topic until each raw message has an outcome (or the stream stalls),
    sampling the workers' RSS."""
    t = settings.topics
    consumer = AIOKafkaConsumer(
        t.enriched,
        t.duplicates,
        t.deadletter,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 * 1024**2,
    )
    await consumer.start()
    try:
        last, reported = time.monotonic(), time.monotonic()
        while len(run.outcomes) < run.sent:
            batches = await consumer.getmany(timeout_ms=1000)
            for records in batches.values():
                for record in records:
                    origin = dict(record.headers).get(ORIGIN_HEADER)
                    if origin is not None and (ref := origin.decode()) not in run.ignored:
                        run.outcomes[ref] = record.timestamp / 1000
                last = time.monotonic() if batches else last
            now = time.monotonic()
            run.rss_mb = max([run.rss_mb, *(w.rss_mb() for w in workers)])
            if now - reported > 10:
                reported = now
                say(f"  {len(run.outcomes):,} of {run.sent:,} outcomes")
            if now - last > STALL_SECONDS:
                say(f"  no outcome for {STALL_SECONDS:.0f} s; stopping at {len(run.outcomes):,}")
                return
    finally:
        await consumer.stop()


def lags(metrics_text: str) -> dict[str, float]:
    """The lag a worker reports per topic partition, from its /metrics."""
    return {
        f"{sample.labels['topic']}:{sample.labels['partition']}": sample.value
        for family in text_string_to_metric_families(metrics_text)
        if family.name == "newswire_consumer_lag_messages"
        for sample in family.samples
    }


def stage_means(metrics_text: str) -> dict[str, float]:
    """Mean microseconds per stage, from a worker's /metrics."""
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(metrics_text):
        if family.name != "newswire_stage_seconds":
            continue
        for sample in family.samples:
            stage = sample.labels.get("stage", "")
            if sample.name.endswith("_sum"):
                sums[stage] = sample.value
            elif sample.name.endswith("_count"):
                counts[stage] = sample.value
    return {s: sums[s] / counts[s] * 1e6 for s in sums if counts.get(s)}


class Bench:
    """Runs measurements on fresh topics of one broker, logs and state under `workdir`."""

    def __init__(self, bootstrap: str, workdir: Path, say: Callable[[str], None]) -> None:
        self.bootstrap = bootstrap
        self.workdir = workdir
        self.say = say

    def measure(
        self, label: str, messages: Messages, workers: int = 1, argv: list[str] | None = None,
        rate: float = 0.0, warmup: Messages | None = None, backlog: bool = False,
    ) -> Run:  # fmt: skip
        """Start the workers (one at a time), produce `warmup` (if any) and read its
        outcomes, then produce `messages` and read theirs; with `backlog`, produce the
        messages before the workers start."""
        prefix = f"bench{label}{uuid.uuid4().hex[:6]}"
        scratch = self.workdir / prefix
        scratch.mkdir(parents=True)
        settings = Settings.from_env(worker_env(self.bootstrap, prefix, scratch))
        ensure_topics(settings)
        procs: list[Worker] = []
        first, run = Run(sent=len(warmup or [])), Run(sent=len(messages))

        def cpu() -> float:
            return sum(proc.cpu_seconds() for proc in procs)

        async def go(run: Run, messages: Messages) -> None:
            reading = asyncio.ensure_future(collect(settings, run, procs, self.say))
            run.produced = await produce(self.bootstrap, settings.topics.raw, messages, rate)
            await reading

        try:
            if backlog:
                self.say(f"{label}: {len(messages):,} messages waiting before the start")
                run.produced = asyncio.run(produce(self.bootstrap, settings.topics.raw, messages))
            run.launched = time.time()
            for i in range(workers):
                env = worker_env(self.bootstrap, prefix, scratch / f"state-{i}")
                procs.append(Worker(env, scratch / f"w{i}.log", argv).start().wait_ready())
            run.ready, started = time.time(), cpu()
            if warmup:
                self.say(f"{label}: warm-up, {len(warmup):,} messages")
                asyncio.run(go(first, warmup))
                run.ignored, run.first_ms = set(first.produced), first.first_latency_ms()
                run.ready, started = time.time(), cpu()
            self.say(f"{label}: {len(messages):,} messages, {workers} worker(s)")
            if backlog:
                asyncio.run(collect(settings, run, procs, self.say))
            else:
                asyncio.run(go(run, messages))
            run.cpu_seconds = cpu() - started
            if argv is None:
                run.stage_us = stage_means(procs[0].metrics())
                if run.missing:  # what a stall looked like, for its diagnosis
                    unanswered = run.unanswered()
                    self.say(f"{label}: unanswered (count, first, last offset) {unanswered}")
                    for i, proc in enumerate(procs):
                        self.say(f"{label}: worker {i} lag by partition {lags(proc.metrics())}")
        finally:
            for proc in procs:
                proc.stop()
        self.say(
            f"{label}: {len(run.outcomes):,} outcomes in {run.window:.1f} s: {run.sps:,.0f}/s, "
            f"peak RSS {run.rss_mb:.0f} MB"
        )
        return run


def bench(
    bootstrap: str, stories: int, latency_seconds: float, catchup_stories: int, keep: bool = False
) -> dict:
    """Every measurement, in order; the result as one JSON-ready dict."""

    logging.getLogger("aiokafka").setLevel(logging.WARNING)  # it narrates every subscription

    def say(text: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="newswire-bench-"))
    say(f"broker {bootstrap}; worker logs and state in {workdir}")
    messages = list(wire_messages(stories))
    size = statistics.median(len(v) for _, v in messages)
    say(f"corpus: {len(messages):,} messages, median {size / 1024:.1f} KB")
    runs = Bench(bootstrap, workdir, say)
    # Passthrough is many times faster: three rounds of the corpus keep it busy longer.
    passthrough = runs.measure("passthrough", messages * 3, argv=PASSTHROUGH)
    one = runs.measure("pipeline", messages)
    two = runs.measure("pipeline2w", messages, workers=2)
    rate = one.sps / 2
    paced = list(wire_messages(int(rate * latency_seconds), seed=12))
    # A fresh worker's first messages wait for its replay scan (once per assignment) and
    # cold caches: not the steady load the percentiles describe, so reported apart.
    warmup = list(wire_messages(max(int(rate * WARMUP_SECONDS), 1), seed=13))
    say(f"latency: {len(paced):,} messages at {rate:.0f}/s (half the one-worker rate)")
    paced_run = runs.measure("latency", paced, rate=rate, warmup=warmup)
    latency = paced_run.latency_ms()
    # Fed one story at a time a worker does less per CPU second than through a backlog
    # (docs/BENCHMARKS.md): half the backlog rate can be more than it keeps up with.
    behind = paced_run.sps < FELL_BEHIND * rate
    if behind:
        say(
            f"latency: the worker answered {paced_run.sps:.0f}/s of the {rate:.0f}/s offered; "
            "it fell behind, so the percentiles describe a growing queue, not half load"
        )
    backlog = list(wire_messages(catchup_stories, seed=14))
    catchup = runs.measure("catchup", backlog, backlog=True)
    flow = catchup.catchup()
    say("pure stages, one core:")
    stages = stage_rates()
    throughput = {
        "passthrough": passthrough, "pipeline": one, "pipeline_2w": two, "catchup": catchup
    }  # fmt: skip
    missing = {name: run.missing for name, run in throughput.items() if run.missing}
    if missing:
        say(f"messages without an outcome when the stream stalled: {missing}; logs kept")
    elif not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "stories": len(messages),
        "median_story_kb": round(size / 1024, 1),
        "passthrough_sps": round(passthrough.sps),
        "pipeline_sps": round(one.sps),
        "pipeline_2w_sps": round(two.sps),
        "missing": missing,
        "two_worker_ratio": round(two.sps / one.sps, 2) if one.sps else 0.0,
        "windows_s": {name: round(run.window, 1) for name, run in throughput.items()},
        "latency_ms": {k: round(v, 1) for k, v in latency.items()},
        "latency_offered_sps": round(rate),
        "latency_first_ms": round(paced_run.first_ms, 1),
        "latency_fell_behind": behind,
        "rss_mb": round(max(one.rss_mb, two.rss_mb)),
        "stage_us": {k: round(v) for k, v in one.stage_us.items()},
        "cpu_ms_per_story": {
            "backlog": round(catchup.cpu_ms_per_story, 2),
            "half_load": round(paced_run.cpu_ms_per_story, 2),
        },
        "catchup": flow,
        "start_s": flow.get("start_s"),
        "stages_sps": {k: round(v) for k, v in stages.items()},
    }


def report(r: dict) -> str:
    """The result as a few readable lines."""
    lat = r["latency_ms"]
    return "\n".join(
        [
            f"newswire bench, {r['date']}, {r['machine']}",
            f"corpus            {r['stories']:,} messages, median {r['median_story_kb']} KB",
            f"passthrough       {r['passthrough_sps']:>7,} stories/s",
            f"pipeline, 1 worker{r['pipeline_sps']:>7,} stories/s",
            f"pipeline, 2 workers{r['pipeline_2w_sps']:>6,} stories/s ({r['two_worker_ratio']}x)",
            f"latency at {r['latency_offered_sps']}/s  p50 {lat.get('p50', 0):.0f} ms, "
            f"p95 {lat.get('p95', 0):.0f} ms, p99 {lat.get('p99', 0):.0f} ms "
            f"(a fresh worker's first message: {r['latency_first_ms']:.0f} ms)"
            + (" FELL BEHIND the offered load" if r["latency_fell_behind"] else ""),
            f"peak RSS          {r['rss_mb']} MB",
            f"CPU per story     {r['cpu_ms_per_story']['backlog']} ms in a backlog, "
            f"{r['cpu_ms_per_story']['half_load']} ms at half load",
            f"catch-up          {r['catchup'].get('stories', 0):,} waiting: started in "
            f"{r['start_s']} s, first outcome {r['catchup'].get('first_outcome_s')} s after "
            f"ready, {r['catchup'].get('outcomes_at_quarter', 0):.0%} of the outcomes "
            f"in the first quarter of {r['catchup'].get('seconds')} s",
            "time per stage    " + ", ".join(f"{k} {v} µs" for k, v in r["stage_us"].items()),
            "pure stages       " + ", ".join(f"{k} {v:,}/s" for k, v in r["stages_sps"].items()),
        ]
    )
