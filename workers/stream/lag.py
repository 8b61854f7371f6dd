"""The lag timer: every LAG_SECONDS, each held raw and prepared partition's lag in the
metrics, stalls flagged (and, past a bound, the worker stopped so that its supervisor
starts it again), and the probes' heartbeat and readiness."""

from __future__ import annotations

import logging
import os
import signal
import time

from aiokafka.errors import IllegalStateError
from faust import App
from faust.types import TP, ConsumerT

from workers.ops.health import ProgressWatch
from workers.ops.metrics import Metrics
from workers.ops.web import Health

log = logging.getLogger(__name__)

LAG_SECONDS = 5.0


class LagTimer:
    """What the timer keeps between ticks: which partitions it reported, and how long
    each has gone without progress."""

    def __init__(
        self,
        app: App,
        topics: tuple[str, ...],
        metrics: Metrics,
        stall_restart_seconds: float = 0.0,
        health: Health | None = None,
    ) -> None:
        self.app = app
        self.topics = topics
        self.metrics = metrics
        self.stall_restart_seconds = stall_restart_seconds
        self.health = health
        self.watch = ProgressWatch()

    async def tick(self) -> None:
        if self.health is not None:
            self.health.beat = time.monotonic()
            self.health.ready = not self.app.rebalancing
        consumer = self.app.consumer
        committed = self.app.monitor.tp_committed_offsets
        mine = [tp for tp in consumer.assignment() if tp.topic in self.topics]
        # The watch holds the partitions given a lag sample below: a partition a
        # rebalance took away leaves both (its lag is another worker's now), and the
        # watch forgets its stall.
        for tp in self.watch.keep_only(mine):
            self.metrics.lag.remove(tp.topic, str(tp.partition))
        stalled = 0
        for tp in mine:
            offsets = await _offsets(consumer, tp)
            if offsets is None:
                continue
            highwater, position = offsets
            done = committed.get(tp)
            # Committed by this process, or at least read: after a restart an idle,
            # caught-up partition has no commit of ours but its position is at the end.
            read = max(position or 0, done + 1 if done is not None else 0)
            lag = max(highwater - read, 0)
            self.metrics.lag.labels(tp.topic, str(tp.partition)).set(lag)
            idle = self.watch.observe(tp, read, lag, time.monotonic())
            if not self.watch.stalled(idle):
                continue
            stalled += 1
            if self.watch.newly_stalled(tp, idle):
                log.warning("%s:%d: %d messages waiting, no progress", tp.topic, tp.partition, lag)
            if 0 < self.stall_restart_seconds <= idle:
                log.error(
                    "%s:%d: no progress for %.0f s; stopping so that the supervisor restarts "
                    "this worker (uncommitted messages are read again and recognised)",
                    tp.topic, tp.partition, idle,
                )  # fmt: skip
                os.kill(os.getpid(), signal.SIGTERM)
                break
        self.metrics.stalled.set(stalled)


async def _offsets(consumer: ConsumerT, tp: TP) -> tuple[int, int | None] | None:
    """A partition's high-water mark and read position; None if it has none yet, or if a
    rebalance took it away while the timer looked (aiokafka asserts on an unassigned
    partition, and an exception in a Faust timer crashes the worker)."""
    try:
        if tp not in consumer.assignment():
            return None
        highwater = consumer.highwater(tp)
        if highwater is None:
            return None
        return highwater, await consumer.position(tp)
    except (AssertionError, IllegalStateError):
        return None
