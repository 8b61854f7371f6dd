"""Boilerplate learned from recurrence: an outlet's own lines, and lines many outlets carry.

A new outlet's own ad line ("Dapatkan promo langganan di ...") has no rule. Its
mark is that it comes back in story after story of that outlet. Lines are counted
once per story, only on stories dedupe found new (a story republished fifty times
is one story). A line is cut from a source's later stories when

- it was seen in `min_stories` distinct stories of that source, or
- it was seen at the same place (among the first or last `edge` lines) in the
  stories of `min_steady` events of that source in a row (a footer, a closing
  promotion: strong evidence, learned sooner; an outlet's updates of one event,
  which repeat a closing sentence, are one piece of evidence), or
- it was seen in `cross_events` events' stories of at least `cross_sources`
  sources, among the last `edge` lines of nearly all of them (`cross_at_end`), and
  has `cross_words` words or more: a wire's footer carried by every outlet that
  runs its copy, before any one of them has sent 20 stories. (A background
  sentence that many stories of many events repeat, "Russia invaded Ukraine in
  February 2022.", sits in the body, so it stays.)

the last sighting within the source's (or, across sources, all sources') last
`window` stories. Stories of one event are those of one `story_id`, so counting
happens once the story is known (`Learner.count` with the `Sighting` that
`Learner.observe` returned). Counting every story of a source, not every event,
towards `min_stories` is deliberate: until learned, an outlet's line that names
the outlet can make the story stage join its unrelated stories, and its own
learning must not wait on that.

Bounded: a source keeps at most `max_lines` line counts (8-byte hashes of the
folded line; past twice that it keeps those seen in most stories, then the most
recent), the cross-source counts `cross_max_lines`, and the learner keeps at most
`max_sources` sources in memory; the rest are read back through `load` when their
next story comes (the worker keeps them in a Faust table, so they survive
restarts). `min_stories` 0 turns learning off.
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

# One tracked line of a source: hash of the folded line, events it was seen in, the
# number (in the source's own count) of the last story it was seen in, the hash of
# that story's event, its place there (NOWHERE: in the middle), and how many
# stories in a row saw it at that place.
_ROW = np.dtype(
    [
        ("line", "<u8"),
        ("stories", "<u4"),
        ("last", "<u8"),
        ("event", "<u4"),
        ("place", "<i2"),
        ("steady", "<u2"),
    ]
)
_ROW_V1 = np.dtype([("line", "<u8"), ("stories", "<u4"), ("last", "<u8")])  # before places
_V2 = b"NWL2"  # marks the format with places and events (the first had none)
# One tracked line across sources: hash, events, last story (all sources' count), the
# last story's event, up to _SOURCES_KEPT hashes of the sources seen with it, and the
# events in whose stories it was among the last lines.
_SOURCES_KEPT = 4
_CROSS_ROW = np.dtype(
    [
        ("line", "<u8"),
        ("stories", "<u4"),
        ("last", "<u8"),
        ("event", "<u4"),
        ("sources", "<u4", (_SOURCES_KEPT,)),
        ("at_end", "<u4"),
    ]
)
NOWHERE = 0  # places: 1..edge from the start, -1..-edge from the end
CROSS_KEY = "\x00across-sources"  # where the cross-source counts are stored


@dataclass(frozen=True)
class LearnOptions:
    min_stories: int = 15  # distinct stories of a source a line must recur in
    min_steady: int = 6  # ... or events in a row at the same place near an edge
    edge: int = 3  # lines from the start and from the end that have a place
    cross_events: int = 8  # distinct events' stories a line must recur in across sources
    cross_sources: int = 3  # ... of at least this many sources
    cross_words: int = 5  # ... and words it must have (short lines: formulaic content)
    cross_at_end: float = 0.8  # ... among the last `edge` lines in this share of them
    window: int = 2_000  # the last sighting within the last `window` stories
    max_lines: int = 1_000  # line counts kept per source
    cross_max_lines: int = 5_000  # line counts kept across sources
    max_sources: int = 100  # sources kept in memory (the rest are loaded when needed)
    min_chars: int = 3  # shorter folded lines are never learned ("-", "*")
    max_lines_per_story: int = 200  # lines of one story counted (a body can be huge)


def line_key(line: str) -> int:
    """A stable 64-bit key of a line, alike for lines that differ only in typography."""
    digest = hashlib.blake2b(fold(line).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _hash32(text: str) -> int:
    """A stable 32-bit hash, never 0 (0 stands for none)."""
    digest = hashlib.blake2b(text.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "little") or 1


@dataclass(frozen=True)
class Sighting:
    """One new story's lines, to count once its event is known (`Learner.count`)."""

    source: str
    lines: dict[int, tuple[int, str]]  # key -> (place, line), each distinct line once


class _Counts:
    """Line counts by key, each entry opening with [stories, last], and the stories
    counted so far; bounded by `_bound`."""

    __slots__ = ("lines", "stories")

    def __init__(self, stories: int = 0, lines: dict[int, list] | None = None) -> None:
        self.stories = stories
        self.lines = lines if lines is not None else {}

    def _bound(self, keep: int, window: int) -> None:
        """Past twice `keep` lines: the `keep` seen in most stories (then most recently),
        last seen within the last `window` stories."""
        if len(self.lines) <= 2 * keep:
            return
        since = self.stories - window
        ranked = sorted(
            ((entry[0], entry[1], key) for key, entry in self.lines.items() if entry[1] > since),
            reverse=True,
        )[:keep]
        self.lines = {key: self.lines[key] for _, _, key in ranked}


class SourceLines(_Counts):
    """One source's line counts: key -> [stories, last, event, place, steady]."""

    __slots__ = ()

    def learned(self, key: int, opts: LearnOptions) -> bool:
        entry = self.lines.get(key)
        return (
            entry is not None
            and self.stories - entry[1] < opts.window
            and (entry[0] >= opts.min_stories or entry[4] >= opts.min_steady)
        )

    def count(self, sighting: Sighting, event: int, opts: LearnOptions) -> list[int]:
        """Count one story's distinct lines; return those learned by it."""
        self.stories += 1
        reached = []
        for key, (place, _) in sighting.lines.items():
            entry = self.lines.get(key)
            if entry is None:
                self.lines[key] = [1, self.stories, event, place, 0 if place == NOWHERE else 1]
                continue
            was = self.learned(key, opts)
            if entry[2] != event:  # the same event again says nothing of its place
                steady = (entry[4] + 1 if place == entry[3] else 1) if place != NOWHERE else 0
                entry[2:] = [event, place, steady]
            entry[0] += 1
            entry[1] = self.stories
            if not was and self.learned(key, opts):
                reached.append(key)
        self._bound(opts.max_lines, opts.window)
        return reached

    def to_bytes(self) -> bytes:
        rows = np.empty(len(self.lines), dtype=_ROW)
        for i, (key, entry) in enumerate(self.lines.items()):
            rows[i] = (key, *entry)
        return _V2 + np.uint64(self.stories).tobytes() + rows.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> SourceLines:
        if data[:4] == _V2:
            stories = int(np.frombuffer(data[4:12], dtype="<u8")[0])
            rows = np.frombuffer(data[12:], dtype=_ROW)
            lines = {int(r[0]): [int(v) for v in r.tolist()[1:]] for r in rows}
            return cls(stories, lines)
        # Counts saved before places and events: no place, no event yet.
        stories = int(np.frombuffer(data[:8], dtype="<u8")[0])
        rows = np.frombuffer(data[8:], dtype=_ROW_V1)
        return cls(stories, {int(k): [int(n), int(last), 0, NOWHERE, 0] for k, n, last in rows})


class CrossLines(_Counts):
    """Line counts across sources: key -> [stories, last, event, [source hashes], at_end]."""

    __slots__ = ()

    def learned(self, key: int, opts: LearnOptions) -> bool:
        entry = self.lines.get(key)
        return (
            entry is not None
            and entry[0] >= opts.cross_events
            and len(entry[3]) >= opts.cross_sources
            and entry[4] >= opts.cross_at_end * entry[0]
            and self.stories - entry[1] < opts.window
        )

    def count(self, sighting: Sighting, event: int, opts: LearnOptions) -> list[int]:
        """Count one story's long lines; return those learned by it."""
        self.stories += 1
        source = _hash32(sighting.source)
        reached = []
        for key, (place, line) in sighting.lines.items():
            if len(line.split()) < opts.cross_words:
                continue
            at_end = int(place < 0)
            entry = self.lines.get(key)
            if entry is None:
                self.lines[key] = [1, self.stories, event, [source], at_end]
                continue
            was = self.learned(key, opts)
            if entry[2] != event:
                entry[0] += 1
                entry[4] += at_end
            entry[1], entry[2] = self.stories, event
            if source not in entry[3] and len(entry[3]) < _SOURCES_KEPT:
                entry[3].append(source)
            if not was and self.learned(key, opts):
                reached.append(key)
        self._bound(opts.cross_max_lines, opts.window)
        return reached

    def to_bytes(self) -> bytes:
        """The lines seen in more than one event (a line seen once is cheap to lose)."""
        kept = [(key, entry) for key, entry in self.lines.items() if entry[0] > 1]
        rows = np.zeros(len(kept), dtype=_CROSS_ROW)
        for i, (key, (stories, last, event, sources, at_end)) in enumerate(kept):
            padded = (sources + [0] * _SOURCES_KEPT)[:_SOURCES_KEPT]
            rows[i] = (key, stories, last, event, padded, at_end)
        return np.uint64(self.stories).tobytes() + rows.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> CrossLines:
        stories = int(np.frombuffer(data[:8], dtype="<u8")[0])
        rows = np.frombuffer(data[8:], dtype=_CROSS_ROW)
        lines = {
            int(r["line"]): [
                int(r["stories"]),
                int(r["last"]),
                int(r["event"]),
                [int(h) for h in r["sources"] if h],
                int(r["at_end"]),
            ]
            for r in rows
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
    """Line counts per source and across sources; cuts learned lines from stories."""

    def __init__(self, opts: LearnOptions) -> None:
        self.opts = opts
        self._sources: OrderedDict[str, SourceLines] = OrderedDict()
        self._unsaved: dict[str, SourceLines] = {}  # changed since `take_changed`
        self._cross: CrossLines | None = None  # read through `load` when first needed
        self._cross_changed = False

    def forget(self) -> None:
        """Drop the counts in memory, saved or not: the stored ones may have changed
        elsewhere (another worker held the table), and are read back when needed."""
        self._sources.clear()
        self._unsaved.clear()
        self._cross, self._cross_changed = None, False

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

    def _across(self, load: Load) -> CrossLines:
        if self._cross is None:
            data = load(CROSS_KEY)
            self._cross = CrossLines.from_bytes(data) if data else CrossLines()
        return self._cross

    def observe(
        self,
        source: str | None,
        body: str,
        load: Load,
        allow: frozenset[int] = frozenset(),
        cut_before: tuple[str, ...] = (),
    ) -> tuple[Stripped | None, Sighting | None]:
        """Cut the lines learned so far from `body` (None if none), and the story's
        sighting to `count` once its event is known (None: learning is off).

        Call only for stories dedupe found new; `load` reads stored counts; lines
        whose key is in `allow` are never cut. A body whose every line is learned
        is left whole: an outlet's story is never cut to nothing. `cut_before`:
        lines cleaning cut where it does not always cut them (the line model cuts a
        line among a story's last lines, not in its middle): they are counted too,
        with no place, so the line is learned, and then cut wherever it is.
        """
        if not source or self.opts.min_stories <= 0:
            return None, None
        state, cross = self._get(source, load), self._across(load)
        lines = body.split("\n")
        keys = [line_key(line) for line in lines[: self.opts.max_lines_per_story]]
        cut = {
            i
            for i, key in enumerate(keys)
            if key not in allow and (state.learned(key, self.opts) or cross.learned(key, self.opts))
        }
        seen: dict[int, tuple[int, str]] = {}
        edge, n = self.opts.edge, len(lines)
        for i, (key, line) in enumerate(zip(keys, lines, strict=False)):
            if len(line.strip()) >= self.opts.min_chars and key not in seen:
                place = i + 1 if i < edge else i - n if i >= n - edge else NOWHERE
                seen[key] = (place, line)
        for line in cut_before:
            seen.setdefault(line_key(line), (NOWHERE, line))
        sighting = Sighting(source, seen)
        if not cut or len(cut) == len(lines):
            return None, sighting
        return _strip(lines, cut), sighting

    def count(self, sighting: Sighting | None, event: str, load: Load) -> None:
        """Count a sighting's lines as evidence of `event` (its story): one event, one
        piece of evidence, however many stories of it a source sends."""
        if sighting is None:
            return
        hashed = _hash32(event)
        state, cross = self._get(sighting.source, load), self._across(load)
        for key in state.count(sighting, hashed, self.opts):
            line = sighting.lines[key][1]
            log.info(
                "learned boilerplate of %s: %r (cut from its next stories)", sighting.source, line
            )
        for key in cross.count(sighting, hashed, self.opts):
            line = sighting.lines[key][1]
            log.info("learned boilerplate across sources: %r (cut from all next stories)", line)
        self._unsaved[sighting.source] = state
        self._cross_changed = True

    def take_changed(self) -> dict[str, bytes]:
        """The counts changed since the last call, serialised, to persist (the
        cross-source counts under CROSS_KEY)."""
        changed = {source: state.to_bytes() for source, state in self._unsaved.items()}
        if self._cross is not None and self._cross_changed:
            changed[CROSS_KEY] = self._cross.to_bytes()
        self._unsaved.clear()
        self._cross_changed = False
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
