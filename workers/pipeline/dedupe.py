"""Exact-duplicate detection on the folded cleaned text, as pure decisions over index entries.

The caller owns the index (a Faust table in the worker, a bounded dict offline):
`decide` reads one entry and returns the entry to write back, so the same code
runs in both. An entry also remembers the origins of recent messages, so a
message replayed after a crash is recognised and not emitted twice.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Literal

from workers.pipeline.normalize import fold

FINGERPRINT_HEX = 32  # 128 bits of BLAKE2b: collisions are not a practical concern


def fingerprint(text: str) -> str:
    """Hex digest of the folded text: equal for typographic variants of one story."""
    return hashlib.blake2b(fold(text).encode("utf-8"), digest_size=FINGERPRINT_HEX // 2).hexdigest()


@dataclass(frozen=True)
class DedupeOptions:
    retention_seconds: float = 72 * 3600.0
    max_entries: int = 2_000_000
    # Origins remembered per entry for replay detection; replays come within seconds.
    max_origins: int = 16


@dataclass(frozen=True)
class IndexEntry:
    """What the index keeps per fingerprint (or per dead-lettered origin)."""

    canonical_id: str
    cluster_id: str
    first_seen: float
    origins: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "canonical_id": self.canonical_id,
            "cluster_id": self.cluster_id,
            "first_seen": self.first_seen,
            "origins": list(self.origins),
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> IndexEntry:
        return cls(
            canonical_id=str(d["canonical_id"]),
            cluster_id=str(d["cluster_id"]),
            first_seen=float(d["first_seen"]),  # type: ignore[arg-type]
            origins=tuple(d.get("origins", ())),  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class Verdict:
    status: Literal["new", "duplicate", "replay"]
    entry: IndexEntry
    match: Literal["exact"] = "exact"
    similarity: float = 1.0


def decide(
    entry: IndexEntry | None, story_id: str, origin_ref: str, now: float, opts: DedupeOptions
) -> Verdict:
    """New story, duplicate of the entry's canonical, or a replay of a message already decided."""
    if entry is not None and now - entry.first_seen > opts.retention_seconds:
        entry = None  # expired: not yet swept, but no longer remembered
    if entry is None:
        cluster_id = hashlib.blake2b(story_id.encode("utf-8"), digest_size=8).hexdigest()
        return Verdict("new", IndexEntry(story_id, cluster_id, now, (origin_ref,)))
    if origin_ref in entry.origins:
        return Verdict("replay", entry)
    origins = (*entry.origins, origin_ref)[-opts.max_origins :]
    return Verdict("duplicate", replace(entry, origins=origins))


def expired(entries: list[tuple[str, float]], now: float, opts: DedupeOptions) -> list[str]:
    """Keys to delete: those past retention, then the oldest beyond the size bound."""
    doomed = [k for k, seen in entries if now - seen > opts.retention_seconds]
    alive = len(entries) - len(doomed)
    if alive > opts.max_entries:
        gone = set(doomed)
        oldest = sorted((seen, k) for k, seen in entries if k not in gone)
        doomed.extend(k for _, k in oldest[: alive - opts.max_entries])
    return doomed


class BoundedIndex:
    """An in-memory index for one offline run: insertion-ordered, oldest evicted first."""

    def __init__(self, opts: DedupeOptions) -> None:
        self._opts = opts
        self._entries: OrderedDict[str, IndexEntry] = OrderedDict()

    def get(self, key: str) -> IndexEntry | None:
        return self._entries.get(key)

    def put(self, key: str, entry: IndexEntry) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._opts.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
