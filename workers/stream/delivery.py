"""Producing in batches, with every offset held back until the broker has the message.

Faust acknowledges an event (and may commit its offset) as soon as an agent asks
for the next one, and a send that fails later is only logged: a refused message
would be lost. Here an agent reads with acks off, hands each event and the
messages it produces to an `InFlight` batch, and the batch acknowledges its
events only after every message is acknowledged by the broker. A refused
message is sent again, with a growing pause and through a new producer id (see
`IdempotentProducer.renew`), until it is accepted: a failing topic stalls the
stream (lag grows, the stall gauge fires) and loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import cast

from faust import StreamT
from faust.streams import _current_event
from faust.topics import Topic
from faust.types import EventT

from workers.ops.metrics import Metrics
from workers.stream.app import IdempotentProducer

log = logging.getLogger(__name__)

# A batch is sent when it holds BATCH events or its oldest has waited BATCH_WAIT_SECONDS.
BATCH = 200
BATCH_WAIT_SECONDS = 0.05
# A refused produce is retried after RETRY_FIRST_SECONDS, doubling up to the max.
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0


@dataclass(frozen=True)
class Send:
    """One message to produce."""

    topic: Topic
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]] | None = None


async def deliver(sends: list[Send], metrics: Metrics) -> None:
    """Produce every message; return once the broker has acknowledged each one."""
    pause = RETRY_FIRST_SECONDS
    while sends:
        results = await asyncio.gather(*(_send(s) for s in sends), return_exceptions=True)
        refused = [(s, r) for s, r in zip(sends, results, strict=True) if isinstance(r, Exception)]
        if not refused:
            return
        for send, _ in refused:
            metrics.produce_retries.labels(send.topic.get_topic_name()).inc()
        send, error = refused[0]
        log.warning(
            "%d of %d messages refused (first: %s, %r); sending them again in %.1f s",
            len(refused), len(sends), send.topic.get_topic_name(), error, pause,
        )  # fmt: skip
        await asyncio.sleep(pause)
        pause = min(pause * 2, RETRY_MAX_SECONDS)
        await cast(IdempotentProducer, send.topic.app.producer).renew()
        sends = [send for send, _ in refused]


async def _send(send: Send) -> object:
    delivery = await send.topic.send(key=send.key, value=send.value, headers=send.headers)
    return await delivery


class InFlight:
    """Events whose messages are not yet acknowledged by the broker, sent as one batch.

    A batch is sent when it is full, when the stream has no event waiting, or after
    BATCH_WAIT_SECONDS. `add` is called by the agent, and `flush_periodically` runs
    beside it (a task of the agent's, not a Faust timer: timers stop as soon as the
    worker begins to stop, and Faust then waits for these very events to be
    acknowledged); flushes run one at a time and in order. After delivery each
    event's `done` callback runs (with the batch's last event as Faust's current
    event, so table writes find their partition), then `after`, then the events are
    acknowledged to Faust.
    """

    def __init__(
        self, stream: StreamT, metrics: Metrics, after: Callable[[], None] | None = None
    ) -> None:
        self.stream = stream
        self.metrics = metrics
        self.after = after
        self.lock = asyncio.Lock()
        self.events: list[EventT] = []
        self.sends: list[Send] = []
        self.done: list[Callable[[], None]] = []
        self.opened = 0.0

    async def add(self, event: EventT, sends: list[Send], *done: Callable[[], None]) -> None:
        """Hold `event` until `sends` are acknowledged; then run `done`, then ack it."""
        if not self.events:
            self.opened = time.monotonic()
        self.events.append(event)
        self.sends.extend(sends)
        self.done.extend(done)
        # Nothing more waiting: send now rather than hold a lone event for the batch
        # window (latency at low load); under a backlog the batch fills first.
        if len(self.events) >= BATCH or self.stream.channel.empty():
            await self.flush()

    async def flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(BATCH_WAIT_SECONDS)
            if self.events and time.monotonic() - self.opened >= BATCH_WAIT_SECONDS:
                await self.flush()

    @asynccontextmanager
    async def flushing(self) -> AsyncIterator[InFlight]:
        """The batch, flushed every BATCH_WAIT_SECONDS while the block runs."""
        flusher = asyncio.ensure_future(self.flush_periodically())
        try:
            yield self
        finally:
            flusher.cancel()

    async def flush(self) -> None:
        async with self.lock:
            events, sends, done = self.events, self.sends, self.done
            self.events, self.sends, self.done = [], [], []
            if not events:
                return
            await deliver(sends, self.metrics)
            _current_event.set(weakref.ref(events[-1]))
            for callback in done:
                callback()
            if self.after is not None:
                self.after()
            for event in events:
                await self.stream.ack(event)
