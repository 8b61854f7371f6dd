"""Partition assignment that leaves the deciding worker fewer raw partitions.

One worker holds the prepared partition and takes every dedupe decision; Faust's
assignor spreads the raw partitions evenly on top of that, so with two workers
the decider did about 70% of the work while the other ran out of it and idled
(docs/BENCHMARKS.md, session 13). Here, after Faust has assigned, raw partitions
move from the decider to the worker with the fewest until the decider has fewer
than any other: with two workers and four raw partitions, 1 and 3.
"""

from __future__ import annotations

from collections.abc import Mapping

from faust.assignor import PartitionAssignor
from faust.assignor.client_assignment import ClientAssignment


def lighten_decider(
    assignments: Mapping[str, ClientAssignment], decision_topic: str, spread_topic: str
) -> None:
    """Move `spread_topic` partitions from the holder of `decision_topic` to the member
    with the fewest, until the holder has fewer than that member (or none)."""
    decider = next((a for a in assignments.values() if a.actives.get(decision_topic)), None)
    others = [a for a in assignments.values() if a is not decider]
    if decider is None or not others:
        return
    own = decider.actives.setdefault(spread_topic, [])
    while True:
        least = min(others, key=lambda a: len(a.actives.get(spread_topic, [])))
        theirs = least.actives.setdefault(spread_topic, [])
        if not own or len(own) < len(theirs):
            return
        theirs.append(own.pop())


class DeciderAwareAssignor(PartitionAssignor):
    """Faust's assignor, then `lighten_decider` for the topics the app names."""

    decision_topic = ""
    spread_topic = ""

    def _global_table_standby_assignments(
        self,
        assignments: dict[str, ClientAssignment],
        partitions_by_topic: Mapping[str, int],
    ) -> dict[str, ClientAssignment]:
        # Faust's last step on the client assignments before they are encoded.
        assignments = super()._global_table_standby_assignments(assignments, partitions_by_topic)
        lighten_decider(assignments, self.decision_topic, self.spread_topic)
        return assignments
