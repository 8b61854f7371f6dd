"""Boilerplate learned per source: lines that recur across many distinct stories of one outlet.

A new outlet's own ad line ("Dapatkan promo langganan di ...") has no rule. Its
mark is that it comes back in story after story of that outlet. Lines are counted
per source, once per story, and only on stories dedupe found new: a story
republished fifty times is one story, so its sentences are never learned. A line
seen in `min_stories` distinct stories of a source, the last of them within the
source's last `window` stories, is cut from that source's later stories.

Bounded: a source keeps at most `max_lines` line counts (8-byte hashes of the
folded line; past twice that it keeps those seen in most stories, then the most
recent), and the learner keeps at most `max_sources` sources in memory; the
rest are read back through `load` when their next story comes (the worker keeps
them in a Faust table, so they survive restarts). `min_stories` 0 turns learning off.
"""

from __future__ import annotations

import hashlib
import logging
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from workers.pipeline.normalize import fold

log = logging.getLogger(__name__)

# One tracked line: hash of the folded line, stories it was seen in, the number
# (in the source's own count) of the last story it was seen in.
_ROW = np.dtype([("line", "<u8"), ("stories", "<u4"), ("last", "<u8")])


@dataclass(frozen=True)
class LearnOptions:
    min_stories: int = 20  # distinct stories of a source a line must recur in
    window: int = 2_000  # ... the last of them within the source's last `window` stories
    max_lines: int = 1_000  # line counts kept per source
    max_sources: int = 100  # sources kept in memory (the rest are loaded when needed)
    min_chars: int = 3  # shorter folded lines are never learned ("-", "*")
    max_lines_per_story: int = 200  # lines of one story counted (a body can be huge)


def line_key(line: str) -> int:
    """A stable 64-bit key of a line, alike for lines that differ only in typography."""
    digest = hashlib.blake2b(fold(line).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


class SourceLines:
    """One source's line counts."""

    __slots__ = ("lines", "stories")

    def __init__(self, stories: int = 0, lines: dict[int, list[int]] | None = None) -> None:
        self.stories = stories  # stories of this source counted so far
        self.lines = lines if lines is not None else {}  # key -> [stories, last]

    def learned(self, key: int, opts: LearnOptions) -> bool:
        entry = self.lines.get(key)
        return (
            entry is not None
            and entry[0] >= opts.min_stories
            and self.stories - entry[1] < opts.window
        )

    def count(self, keys: set[int], opts: LearnOptions) -> list[int]:
        """Count one story's distinct lines; return those that reach `min_stories` now."""
        self.stories += 1
        reached = []
        for key in keys:
            entry = self.lines.get(key)
            if entry is None:
                self.lines[key] = [1, self.stories]
            else:
                entry[0] += 1
                entry[1] = self.stories
                if entry[0] == opts.min_stories:
                    reached.append(key)
        if len(self.lines) > 2 * opts.max_lines:
            self._trim(opts)
        return reached

    def _trim(self, opts: LearnOptions) -> None:
        """Keep the `max_lines` lines seen in most stories (then most recently), in the window."""
        since = self.stories - opts.window
        ranked = sorted(
            ((entry[0], entry[1], key) for key, entry in self.lines.items() if entry[1] > since),
            reverse=True,
        )[: opts.max_lines]
        self.lines = {key: [stories, last] for stories, last, key in ranked}

    def to_bytes(self) -> bytes:
        rows = np.empty(len(self.lines), dtype=_ROW)
        for i, (key, (stories, last)) in enumerate(self.lines.items()):
            rows[i] = (key, stories, last)
        return np.uint64(self.stories).tobytes() + rows.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> SourceLines:
        stories = int(np.frombuffer(data[:8], dtype="<u8")[0])
        rows = np.frombuffer(data[8:], dtype=_ROW)
        lines = {
            int(key): [int(n), int(last)]
            for key, n, last in zip(rows["line"], rows["stories"], rows["last"], strict=True)
        }
        return cls(stories, lines)


@dataclass(frozen=True)
class Stripped:
    """A body with learned lines cut: the new body, the lines cut, and where kept lines went."""

    body: str
    cut: list[str]
    old_starts: list[int]  # start of each kept line in the old body
    new_starts: list[int]  # ... and in the new one
    lengths: list[int]  # ... and its length

    def offset(self, start: int, end: int) -> tuple[int, int] | None:
        """Where the old span [start, end) is in the new body; None if it was cut."""
        i = bisect_right(self.old_starts, start) - 1
        if i < 0 or end > self.old_starts[i] + self.lengths[i]:
            return None
        shift = self.new_starts[i] - self.old_starts[i]
        return start + shift, end + shift


Load = Callable[[str], bytes | None]


def load_nothing(source: str) -> None:
    """A `Load` for a learner that starts empty (offline runs, tests)."""
    return None


class Learner:
    """Per-source line counts; cuts a source's learned lines from its stories."""

    def __init__(self, opts: LearnOptions) -> None:
        self.opts = opts
        self._sources: OrderedDict[str, SourceLines] = OrderedDict()
        self._unsaved: dict[str, SourceLines] = {}  # changed since `take_changed`

    def forget(self) -> None:
        """Drop the sources in memory, saved or not: the stored ones may have changed
        elsewhere (another worker held the table), and are read back when needed."""
        self._sources.clear()
        self._unsaved.clear()

    def _get(self, source: str, load: Load) -> SourceLines:
        state = self._sources.get(source) or self._unsaved.get(source)
        if state is None:
            data = load(source)
            state = SourceLines.from_bytes(data) if data else SourceLines()
        self._sources[source] = state
        self._sources.move_to_end(source)
        while len(self._sources) > self.opts.max_sources:
            self._sources.popitem(last=False)  # still in _unsaved if changed
        return state

    def observe(
        self, source: str | None, body: str, load: Load, allow: frozenset[int] = frozenset()
    ) -> Stripped | None:
        """Cut the lines learned so far from `body` (None if none), then count its lines.

        Call only for stories dedupe found new; `load` reads a source's stored counts;
        lines whose key is in `allow` are never cut. A body whose every line is learned
        is left whole: an outlet's story is never cut to nothing.
        """
        if not source or self.opts.min_stories <= 0:
            return None
        state = self._get(source, load)
        lines = body.split("\n")
        keys = [line_key(line) for line in lines[: self.opts.max_lines_per_story]]
        cut = [
            i for i, key in enumerate(keys) if state.learned(key, self.opts) and key not in allow
        ]
        counted = {
            key: line
            for key, line in zip(keys, lines, strict=False)
            if len(line.strip()) >= self.opts.min_chars
        }
        for key in state.count(set(counted), self.opts):
            line = counted[key]
            log.info("learned boilerplate of %s: %r (cut from its next stories)", source, line)
        self._unsaved[source] = state
        if not cut or len(cut) == len(lines):
            return None
        return _strip(lines, set(cut))

    def take_changed(self) -> dict[str, bytes]:
        """The sources changed since the last call, serialised, to persist."""
        changed = {source: state.to_bytes() for source, state in self._unsaved.items()}
        self._unsaved.clear()
        return changed


def _strip(lines: list[str], cut: set[int]) -> Stripped:
    old_starts: list[int] = []
    new_starts: list[int] = []
    kept: list[str] = []
    old = new = 0
    for i, line in enumerate(lines):
        if i not in cut:
            old_starts.append(old)
            new_starts.append(new)
            kept.append(line)
            new += len(line) + 1
        old += len(line) + 1
    cut_lines = [lines[i] for i in sorted(cut)]
    return Stripped("\n".join(kept), cut_lines, old_starts, new_starts, [len(k) for k in kept])
