"""Faust's aiokafka consumer, corrected where rebalances lost or reordered records, and
with the broker's wait for an empty fetch bounded. docs/ARCHITECTURE.md, "Rebalances"."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Mapping

import aiokafka
from faust.transport.consumer import RecordMap
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message, TransportT

log = logging.getLogger(__name__)

# How long the broker may hold a fetch that finds nothing new. aiokafka keeps one
# fetch in flight per broker, and a partition whose records are still buffered is
# left out of it; so once the raw partitions were drained, the fetch for the next
# prepared records waited behind one for the idle raw partitions, up to Faust's
# 1.5 s: a deciding worker sat idle 20-50% of the time. An idle worker now asks
# 20 times a second instead of once every 1.5 s (2.4% of a core instead of 1%).
FETCH_WAIT_MS = 50


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """Faust's consumer thread, with the broker's wait for an empty fetch bounded."""

    def _create_worker_consumer(self, transport: TransportT) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # Faust passes 1500 and offers no setting; aiokafka reads it at start().
        consumer._fetch_max_wait_ms = FETCH_WAIT_MS
        return consumer


class RebalanceSafeConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer, corrected where a rebalance lost or reordered records
    (and running `ConsumerThread`). docs/ARCHITECTURE.md, "Rebalances", has the story.

    - **Never-committed partitions are rewound.** Records fetched while a rebalance
      holds the flow are dropped by Faust, which then seeks every partition back to its
      committed offset; aiokafka seeks only to committed offsets above 0, so on a
      partition never committed the dropped records were skipped for good. Such a
      partition goes back to its beginning (`auto_offset_reset="earliest"` started it
      there); what was read is read again, and a replay is recognised downstream.
    - **A fetch asks for the partitions active when it was asked for.** Faust hands
      aiokafka its live set of active partitions, which a rebalance empties while the
      fetch waits (up to 1 s), and aiokafka reads an empty set as "every partition": it
      then drained records of paused partitions and of changelogs under restore, which
      Faust dropped. A changelog's records were then never read: the new owner of the
      decision partition waited forever to finish restoring the dedupe table.
    - **A paused partition is not delivered.** A partition whose stream queue was full
      is delivered by Faust whether active or not; once recovery paused it, its records
      reached the agents before the table was restored. Pausing takes it off that list.
    - **The decision partition's records come first.** aiokafka hands out buffered
      records in the order their fetches arrived, so in a catch-up the prepared
      records waited behind megabytes of raw ones and nothing was decided until
      nearly everything was prepared. A fetch asks for the decision partition's
      records, then for the others'.
    - **Stream partitions are delivered in offset order, each offset once.** A batch
      fetched before a seek went on being delivered after it, and the delivery under
      way when the seek came wrote its offset over the one the seek had set: records
      from the committed offset were then dropped as already read (the new owner
      decided 2097, then 2109 onward, never 2098-2108, and the commit stuck at 2098),
      or taken for a gap in the log and acknowledged twice (commits then crept by
      two offsets a second). Here each raw and prepared partition expects its next
      offset (set by every seek, advanced by every delivery): an earlier record is
      skipped, a later one means records were skipped, so the partition is sought
      back to the one expected (once: if the log no longer holds it, the record is
      taken, with a warning).
    """

    _expected: dict[TP, int]  # next offset to deliver, per stream partition
    _gap_sought: dict[TP, int]  # the expected offset last sought back to, per partition

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._expected, self._gap_sought = {}, {}

    async def seek_to_committed(self) -> Mapping[TP, int]:
        committed = await super().seek_to_committed()
        never = [tp for tp, at in committed.items() if not at and self._is_stream(tp)]
        if never:
            await self._thread.seek_to_beginning(*never)
        for tp, at in committed.items():
            if at and self._is_stream(tp):
                self._expected[tp] = at
        for tp in never:
            self._expected.pop(tp, None)  # its first record, wherever the log begins
        return committed

    async def seek(self, partition: TP, offset: int) -> None:
        await super().seek(partition, offset)
        if self._is_stream(partition):
            self._expected[partition] = offset

    async def _getmany(self, active_partitions: set[TP] | None, timeout: float) -> RecordMap:
        wanted = None if active_partitions is None else set(active_partitions)
        decision = getattr(self.app.assignor, "decision_topic", None)
        first = {tp for tp in wanted or () if tp.topic == decision}
        if not first or not wanted or first == wanted:
            return await super()._getmany(wanted, timeout)
        # The decision partition's buffered records first, then the others' (an empty set
        # would mean "every partition" to aiokafka, hence the guards). With none buffered,
        # one wait for any partition: a wait for the others only would hold back the
        # decision records fetched meanwhile (p50 at half load went from 40 to 160 ms).
        records = await super()._getmany(first, 0.0)
        if not records:
            return await super()._getmany(wanted, timeout)
        return {**records, **await super()._getmany(wanted - first, 0.0)}

    def pause_partitions(self, tps: Iterable[TP]) -> None:
        tps = set(tps)
        super().pause_partitions(tps)
        self._buffered_partitions.difference_update(tps)

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        self._buffered_partitions.difference_update(revoked)
        for tp in revoked:
            self._expected.pop(tp, None)
            self._gap_sought.pop(tp, None)
        await super().on_partitions_revoked(revoked)

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        sought: set[TP] = set()  # sought back in this batch: the rest of it is stale
        async for tp, message in super().getmany(timeout):
            if self._is_stream(tp) and (
                tp in sought or not await self._in_order(tp, message.offset, sought)
            ):
                continue
            yield tp, message

    async def _in_order(self, tp: TP, offset: int, sought: set[TP]) -> bool:
        """Whether this record of a stream partition is the next to deliver; when records
        before it were skipped, the partition is sought back to them."""
        expected = self._expected.get(tp)
        if expected is not None and offset < expected:
            return False  # delivered already
        if expected is not None and offset > expected:
            if self._gap_sought.get(tp) != expected:
                log.info(
                    "%s:%d: offset %d fetched where %d was expected; reading again from %d",
                    tp.topic, tp.partition, offset, expected, expected,
                )  # fmt: skip
                self._gap_sought[tp] = expected
                sought.add(tp)
                await self.seek(tp, expected)
                return False
            log.warning(
                "%s:%d: offsets %d-%d are no longer in the log; reading on from %d",
                tp.topic, tp.partition, expected, offset - 1, offset,
            )  # fmt: skip
        self._expected[tp] = offset + 1
        self._read_offset[tp] = offset  # what Faust checks next: neither old nor past a gap
        return True

    def _is_stream(self, tp: TP) -> bool:
        return tp.topic not in self.app.tables.changelog_topics

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    """Faust's aiokafka transport with the corrected consumer."""

    Consumer = RebalanceSafeConsumer
