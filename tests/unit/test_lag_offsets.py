"""The lag timer's offsets: a partition revoked while it looks is skipped, not a crash."""

import asyncio

from aiokafka.errors import IllegalStateError
from faust.types import TP

from workers.stream.lag import _offsets

PART = TP("news.raw", 0)


class Consumer:
    """The three consumer calls the timer makes, with a rebalance at a chosen one."""

    def __init__(self, revoked_at: str = "") -> None:
        self.revoked_at = revoked_at

    def assignment(self) -> set[TP]:
        return set() if self.revoked_at == "assignment" else {PART}

    def highwater(self, tp: TP) -> int:
        assert self.revoked_at != "highwater", "Partition is not assigned"
        return 120

    async def position(self, tp: TP) -> int:
        if self.revoked_at == "position":
            raise IllegalStateError("partition is not assigned")
        return 100


def test_offsets_of_an_assigned_partition():
    assert asyncio.run(_offsets(Consumer(), PART)) == (120, 100)


def test_a_partition_revoked_at_any_step_is_skipped():
    for step in ("assignment", "highwater", "position"):
        assert asyncio.run(_offsets(Consumer(step), PART)) is None, step
