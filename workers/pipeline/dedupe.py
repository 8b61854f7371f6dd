"""Exact and near-duplicate decisions over the dedupe index, as pure functions.

The index is a key-value store the caller owns (a Faust table in the worker, a
bounded dict offline). `Deduper.decide` reads it through a lookup function and
returns the writes to apply once the outcome is safely out, so the same code
runs in both. Keys:

    fp:<fingerprint>   one per story text: canonical id, cluster, first seen,
                       recent origins (for replay detection), MinHash signature
    band:<b>:<rows>    LSH bucket: when last used (float64), then the fingerprints
                       (16 raw bytes each) of the latest stories in it, newest first
    dl:<origin>        one per dead letter, for replay detection only

Every story's entry remembers the origins (topic:partition:offset) of the last
messages decided under it, so a message replayed after a crash is recognised.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import struct
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import orjson

from workers.pipeline.neardup import (
    FINGERPRINT_BYTES,
    MinHasher,
    NearOptions,
    Signature,
    compare,
    is_near_duplicate,
)
from workers.pipeline.normalize import fold_chars

Lookup = Callable[[str], bytes | None]
# Keys of LSH buckets: derived from the stories' entries, so the worker keeps them
# out of the changelogged table (workers/stream/buckets.py).
BAND_PREFIX = "band:"
Writes = dict[str, bytes]
K = TypeVar("K")  # an index key: str offline, bytes in the worker's table


@dataclass(frozen=True)
class DedupeOptions:
    retention_seconds: float = 72 * 3600.0
    max_entries: int = 1_000_000  # stories and dead letters (their buckets come on top)
    # Origins remembered per story for replay detection; replays come within seconds.
    max_origins: int = 16
    # Fingerprints kept per LSH bucket, newest first: a bucket holding more is a
    # formula many stories share, not a sign of copying.
    max_per_band: int = 16
    near: NearOptions = field(default_factory=NearOptions)


@dataclass(frozen=True)
class Candidate:
    """What the stateless stage computes for the dedupe stage."""

    fingerprint: str
    signature: Signature | None  # None: too short for near-duplicate matching


@dataclass(frozen=True)
class Verdict:
    status: Literal["new", "duplicate", "replay"]
    canonical_id: str
    cluster_id: str
    writes: Writes
    match: Literal["exact", "near"] = "exact"
    similarity: float = 1.0


def _load(data: bytes | None) -> Any:
    return orjson.loads(data) if data else None


class Deduper:
    """Decides new / duplicate / replay for one story against the index."""

    def __init__(self, opts: DedupeOptions) -> None:
        self.opts = opts
        self.hasher = MinHasher(opts.near)

    def candidate(self, text: str) -> Candidate:
        """Fingerprint and (if long enough) signature of a cleaned body.

        The fingerprint hashes the sequence of case- and Unicode-folded words, so
        copies that differ only in whitespace, punctuation, quotes or dashes match
        exactly.
        """
        sketch = self.hasher.sketch(fold_chars(text))
        sig = sketch.signature
        return Candidate(
            sketch.fingerprint, sig if sig.size >= self.opts.near.min_shingles else None
        )

    def _fresh(self, entry: Mapping[str, Any] | None, now: float) -> bool:
        return entry is not None and now - entry["t"] <= self.opts.retention_seconds

    def decide(
        self, lookup: Lookup, story_id: str, origin_ref: str, cand: Candidate, now: float
    ) -> Verdict:
        """New story, exact or near duplicate of a cluster's canonical, or a replay."""
        key = f"fp:{cand.fingerprint}"
        entry = _load(lookup(key))
        if self._fresh(entry, now):
            if origin_ref in entry["o"]:
                return Verdict("replay", entry["c"], entry["k"], {})
            entry["o"] = [*entry["o"], origin_ref][-self.opts.max_origins :]
            return Verdict("duplicate", entry["c"], entry["k"], {key: orjson.dumps(entry)})
        new_entry: dict[str, Any] = {"t": now, "o": [origin_ref]}
        writes: Writes = {}
        verdict = Verdict("new", story_id, _cluster_id(story_id), writes)
        if cand.signature is not None:
            buckets = self._buckets(lookup, cand.signature)
            match = self._nearest(lookup, cand.signature, buckets, now)
            if match is not None:
                near, sim = match
                verdict = Verdict("duplicate", near["c"], near["k"], writes, "near", sim)
            new_entry |= {"n": cand.signature.size, "s": cand.signature.to_text()}
            writes |= self._joined(buckets, cand.fingerprint, now)
        new_entry |= {"c": verdict.canonical_id, "k": verdict.cluster_id}
        writes[key] = orjson.dumps(new_entry)
        return verdict

    def _nearest(
        self, lookup: Lookup, sig: Signature, buckets: dict[str, list[Any]], now: float
    ) -> tuple[dict[str, Any], float] | None:
        """The most similar indexed story that this one nearly duplicates, if any."""
        hits = Counter(fp for members in buckets.values() for fp in members)
        best: tuple[dict[str, Any], float] | None = None
        for fp, count in hits.items():
            if count < self.opts.near.min_band_hits:
                continue
            entry = _load(lookup(f"fp:{fp.hex()}"))
            if not self._fresh(entry, now) or "s" not in entry:
                continue
            sim = compare(sig, Signature.from_text(entry["s"], entry["n"]))
            if is_near_duplicate(sim, self.opts.near) and (
                best is None or (sim.jaccard, -entry["t"]) > (best[1], -best[0]["t"])
            ):
                best = (entry, round(sim.jaccard, 3))
        return best

    def _buckets(self, lookup: Lookup, sig: Signature) -> dict[str, list[bytes]]:
        """The LSH buckets of a signature, each with its members, oldest first."""
        return {
            f"{BAND_PREFIX}{band}": _members(lookup(f"{BAND_PREFIX}{band}"))
            for band in self.hasher.band_keys(sig)
        }

    def _joined(self, buckets: dict[str, list[bytes]], fingerprint: str, now: float) -> Writes:
        """The buckets with this story added as their newest member."""
        # Members whose entry expired or was evicted are skipped at lookup and pushed
        # out here by newer ones; the bucket itself expires with its time.
        keep = 1 - self.opts.max_per_band
        head = struct.pack("<d", now) + bytes.fromhex(fingerprint)
        return {
            bucket: head + b"".join(members[keep:][::-1]) for bucket, members in buckets.items()
        }

    def bucket_writes(self, lookup: Lookup, key: str, value: bytes) -> Writes:
        """The bucket writes that indexed the story stored under `key` (an ``fp:`` entry).

        Applied in the order the stories were first seen, they rebuild the buckets
        from the stories alone.
        """
        entry = orjson.loads(value)
        if "s" not in entry:
            return {}
        sig = Signature.from_text(entry["s"], entry["n"])
        return self._joined(self._buckets(lookup, sig), key.removeprefix("fp:"), entry["t"])

    def decide_rejected(self, lookup: Lookup, origin_ref: str, now: float) -> Verdict:
        """A dead letter is emitted once per raw message: only replays are caught."""
        key = f"dl:{origin_ref}"
        if self._fresh(_load(lookup(key)), now):
            return Verdict("replay", "", "", {})
        return Verdict("new", "", "", {key: orjson.dumps({"t": now})})


def _cluster_id(story_id: str) -> str:
    return hashlib.blake2b(story_id.encode("utf-8"), digest_size=8).hexdigest()


def _members(value: bytes | None) -> list[bytes]:
    """A bucket's fingerprints (16 raw bytes each), oldest first."""
    if not value:
        return []
    return [value[i : i + FINGERPRINT_BYTES] for i in range(8, len(value), FINGERPRINT_BYTES)][::-1]


def entry_time(key: str, value: bytes) -> float:
    """When an index entry was last useful: a story's first sighting, a bucket's last use."""
    if key.startswith("band:"):
        return float(struct.unpack_from("<d", value)[0])
    return float(orjson.loads(value)["t"])


def expired(
    entries: Callable[[], Iterable[tuple[K, float]]], now: float, opts: DedupeOptions
) -> tuple[list[K], float, int]:
    """Keys to delete (those past retention, then the oldest beyond the size bound), the
    oldest time among the entries kept, and how many are kept.

    `entries()` is read once, and a second time only when the bound is passed; what is
    held is the keys to delete, not the index, which can have a million entries.
    """

    def kept(seen: float) -> bool:
        return now - seen <= opts.retention_seconds

    doomed: list[K] = []
    alive, oldest = 0, math.inf
    for key, seen in entries():
        if kept(seen):
            alive += 1
            oldest = min(oldest, seen)
        else:
            doomed.append(key)
    surplus = alive - opts.max_entries
    if surplus > 0:
        first = heapq.nsmallest(surplus + 1, ((seen, key) for key, seen in entries() if kept(seen)))
        doomed += [key for _, key in first[:surplus]]
        oldest, alive = first[surplus][0], alive - surplus
    return doomed, oldest if alive else now, alive


class MemoryIndex:
    """The index for one offline run: a dict, oldest insertions evicted beyond the bound."""

    def __init__(self, max_entries: int) -> None:
        self._max = max_entries
        self._data: OrderedDict[str, bytes] = OrderedDict()

    def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    def apply(self, writes: Writes) -> None:
        for key, value in writes.items():
            self._data[key] = value
            self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def size_bytes(self) -> int:
        """Keys and values, as stored: what the index costs per story, measured."""
        return sum(len(k) + len(v) for k, v in self._data.items())
