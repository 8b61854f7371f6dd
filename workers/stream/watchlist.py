"""The watchlist file of a running worker: read at start, read again when it changes.

A file that no longer parses is refused with a log line saying why, and the
watches read before stay in force: a typo does not silence every alert.
"""

from __future__ import annotations

import logging
from pathlib import Path

from workers.errors import ConfigError
from workers.pipeline.watch import Watch, WatchlistError, parse_watchlist

log = logging.getLogger(__name__)


class WatchlistFile:
    """The watches in force, from `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = self._stat()
        try:
            self.watches: tuple[Watch, ...] = parse_watchlist(path.read_text(encoding="utf-8"))
        except (WatchlistError, OSError, UnicodeDecodeError) as exc:
            raise ConfigError("NEWSWIRE_WATCHLIST", str(path), str(exc)) from None
        log.info("watchlist %s: %d watches", path, len(self.watches))

    def _stat(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def refresh(self) -> bool:
        """Read the file again if it changed; True when new watches are in force."""
        stamp = self._stat()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            watches = parse_watchlist(self.path.read_text(encoding="utf-8"))
        except (WatchlistError, OSError, UnicodeDecodeError) as exc:
            log.error(
                "watchlist %s refused, the %d watches read before stay in force: %s",
                self.path, len(self.watches), exc,
            )  # fmt: skip
            return False
        self.watches = watches
        log.info("watchlist %s re-read: %d watches", self.path, len(watches))
        return True
