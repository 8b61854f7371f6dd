"""The watchlist file of a running worker: read at start, read again when it changes
(`workers.ops.reload`: a bad file refused, the watches before kept)."""

from __future__ import annotations

from pathlib import Path

from workers.ops.reload import ReloadableFile
from workers.pipeline.watch import Watch, parse_watchlist


class WatchlistFile(ReloadableFile[Watch]):
    """The watches in force, from `path`."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, parse_watchlist, "NEWSWIRE_WATCHLIST", "watchlist", "watches")

    @property
    def watches(self) -> tuple[Watch, ...]:
        return self.entries
