"""Progress watch: a partition with messages waiting and no committed progress is stalled.

Faust has been seen to leave an assigned partition unconsumed after two workers
join at once (README, "Running several workers"); this turns that into a metric
and a log line instead of silent lag, and the worker into one that stops (for
its supervisor to restart it) once a stall lasts NEWSWIRE_STALL_RESTART_MINUTES.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

STALL_SECONDS = 120.0


class ProgressWatch:
    """Remembers, per partition, how far it was read and since when that stands."""

    def __init__(self, stall_seconds: float = STALL_SECONDS) -> None:
        self.stall_seconds = stall_seconds
        # Per partition: the offset read, since when, and whether its stall was told of.
        self._since: dict[Hashable, tuple[int | None, float, bool]] = {}

    def observe(self, key: Hashable, read: int | None, lag: int, now: float) -> float:
        """Seconds `key` has had lag with `read` unchanged (0 while it moves or is caught up)."""
        seen = self._since.get(key)
        if lag <= 0 or seen is None or seen[0] != read:
            self._since[key] = (read, now, False)
            return 0.0
        return now - seen[1]

    def stalled(self, idle_seconds: float) -> bool:
        return idle_seconds >= self.stall_seconds

    def newly_stalled(self, key: Hashable, idle_seconds: float) -> bool:
        """Whether `key` is stalled and not yet told of since it last moved or was
        assigned (a stall is logged once)."""
        seen = self._since.get(key)
        if seen is None or seen[2] or not self.stalled(idle_seconds):
            return False
        self._since[key] = (seen[0], seen[1], True)
        return True

    def keep_only(self, keys: Iterable[Hashable]) -> list[Hashable]:
        """Forget partitions no longer assigned to this worker; return those forgotten."""
        wanted = set(keys)
        gone = [k for k in self._since if k not in wanted]
        for key in gone:
            del self._since[key]
        return gone
