"""A fault for the workers of one test, loaded through PYTHONPATH when
DROP_FIRST_FETCH is set: Faust drops the first records it fetches of each raw
partition and seeks every partition back to its committed offset.

That is what Faust does with records fetched while a rebalance holds the flow
(faust/transport/consumer.py, `getmany`), seen here to lose the first ~100
messages of a partition the group had never committed; here it happens at once
rather than when a second worker joins at the wrong moment.
"""

import logging
import os

if os.environ.get("DROP_FIRST_FETCH"):
    from faust.transport.consumer import Consumer

    log = logging.getLogger("fault")
    wait_next_records = Consumer._wait_next_records
    dropped: set[object] = set()

    async def _wait_next_records(self, timeout):
        records, active = await wait_next_records(self, timeout)
        fresh = [tp for tp, got in (records or {}).items() if got and tp.topic.endswith(".raw")]
        if not fresh or dropped.issuperset(fresh):
            return records, active
        dropped.update(fresh)
        for tp in fresh:
            log.warning("fault: dropped %d records of %s from offset %d", len(records[tp]),
                        tp, records[tp][0].offset)  # fmt: skip
        await self.perform_seek()
        return {}, active

    Consumer._wait_next_records = _wait_next_records
