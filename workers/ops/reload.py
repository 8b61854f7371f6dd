"""A YAML file an operator edits while the process runs (the watchlist, the sources).

Read at start: a bad file is a `ConfigError`, and the process does not start.
Read again when it changes: a file that no longer parses is refused with a log
line saying why, and what was read before stays in force, so a typo does not
silence every alert or stop every source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from workers.errors import ConfigError

log = logging.getLogger(__name__)

T = TypeVar("T")


class ReloadableFile(Generic[T]):
    """The entries in force from `path`; `parse` raises ValueError on a bad file."""

    def __init__(
        self, path: Path, parse: Callable[[str], tuple[T, ...]], setting: str, kind: str, noun: str
    ) -> None:
        self.path = path
        self._parse = parse
        self._kind, self._noun = kind, noun
        self._stamp = self._stat()
        try:
            self.entries: tuple[T, ...] = parse(path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:  # UnicodeDecodeError is a ValueError
            raise ConfigError(setting, str(path), str(exc)) from None
        log.info("%s %s: %d %s", kind, path, len(self.entries), noun)

    def _stat(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def refresh(self) -> bool:
        """Read the file again if it changed; True when new entries are in force."""
        stamp = self._stat()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            entries = self._parse(self.path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            log.error("%s %s refused, the %d %s read before stay in force: %s",
                      self._kind, self.path, len(self.entries), self._noun, exc)  # fmt: skip
            return False
        self.entries = entries
        log.info("%s %s re-read: %d %s", self._kind, self.path, len(entries), self._noun)
        return True
