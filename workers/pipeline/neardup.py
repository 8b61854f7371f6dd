"""MinHash signatures of word shingles, LSH band keys, and the near-duplicate test.

MinHash (Broder 1997) estimates the Jaccard similarity of two stories' word
3-gram sets. We use its one-permutation form (Li, Owen & Zhang 2012) with
rotation densification (Shrivastava & Li 2014): one hash per shingle, split into
K bins, the minimum of each bin kept; empty bins borrow from the next full one.
It estimates Jaccard like K-permutation MinHash at 1/K of the hashing cost. LSH
banding (b bands of r rows) turns "similar" into "share a band key", so a lookup
costs b index reads however large the index grows.

A candidate is accepted only if its estimated Jaccard similarity is high enough
*and* the new story adds little text of its own: a trimmed or lightly edited copy
adds almost nothing, a follow-up that adds paragraphs does not pass.

Tuning is in `NearOptions`; `make eval` re-measures it (docs/DEDUPE.md).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import numpy as np

from workers.pipeline.minhash import bin_minima, shingle_hashes, word_hashes


@dataclass(frozen=True)
class NearOptions:
    bins: int = 128  # K: MinHash values per signature (a power of two)
    # LSH on the first bands * band_rows values: a pair of Jaccard similarity J
    # shares each band with probability J**r; candidates are then checked on all
    # K values.
    bands: int = 32
    band_rows: int = 2
    # A candidate must share this many bands before it is compared: a pair at
    # J = 0.5 shares 8 on average, two stories with one sentence in common
    # (J ~ 0.07) almost never 2. This keeps the comparisons per story few and flat
    # however many stories share a common phrase.
    min_band_hits: int = 2
    shingle_words: int = 3
    # Texts with fewer shingles are matched exactly only: too short to tell a copy
    # from two short stories that share a formula.
    min_shingles: int = 12
    # Estimated Jaccard similarity a candidate needs.
    min_similarity: float = 0.35
    # Share of the new story's shingles absent from the candidate above which it is
    # a follow-up with new content, not a copy. A follow-up that adds as much text
    # again as the original has novelty 0.5. Both thresholds were tuned on the
    # corpus of seed 1 and are reported on the default seed (docs/DEDUPE.md).
    max_novelty: float = 0.4
    seed: int = 20261129


FINGERPRINT_BYTES = 16  # BLAKE2b-128: collisions are not a practical concern


@dataclass(frozen=True)
class Signature:
    """MinHash values (uint32) and the number of shingles they summarise.

    The count includes repeats (a 3-gram twice in one story counts twice): in news
    text repeats are rare, and counting them spares a sort per story.
    """

    values: np.ndarray
    size: int

    def to_text(self) -> str:
        return base64.b64encode(self.values.astype("<u4").tobytes()).decode("ascii")

    @classmethod
    def from_text(cls, text: str, size: int) -> Signature:
        return cls(np.frombuffer(base64.b64decode(text), dtype="<u4").astype(np.uint32), size)


@dataclass(frozen=True)
class Sketch:
    """Exact identity (the sequence of words) and MinHash signature of one text."""

    fingerprint: str
    signature: Signature


class MinHasher:
    """Signatures and band keys under one set of options; build once, reuse."""

    def __init__(self, opts: NearOptions) -> None:
        if opts.bins & (opts.bins - 1) or opts.bands * opts.band_rows > opts.bins:
            raise ValueError("bins must be a power of two of at least bands * band_rows")
        self.opts = opts
        rng = np.random.default_rng(opts.seed)
        self._mix = rng.integers(1, 2**63, size=opts.shingle_words, dtype=np.uint64)

    def words(self, folded: str) -> np.ndarray:
        """A 64-bit hash per word of case-folded text (words: runs of letters and digits)."""
        return word_hashes(folded.encode("utf-8"))

    def shingles(self, words: np.ndarray) -> np.ndarray:
        """64-bit hashes of the word n-grams, in text order (a repeated n-gram repeats)."""
        return shingle_hashes(words, self._mix)

    def sketch(self, folded: str) -> Sketch:
        """Fingerprint and signature of case-folded text, from one pass over its words."""
        words = self.words(folded)
        fp = hashlib.blake2b(words.tobytes(), digest_size=FINGERPRINT_BYTES).hexdigest()
        return Sketch(fp, self.signature(self.shingles(words)))

    def signature(self, hashes: np.ndarray) -> Signature:
        """One-permutation MinHash of shingle hashes, densified."""
        return Signature(bin_minima(hashes, self.opts.bins), int(hashes.size))

    def band_keys(self, sig: Signature) -> list[str]:
        """One key per band: the band number and its rows."""
        banded = sig.values[: self.opts.bands * self.opts.band_rows].astype("<u4")
        rows = banded.reshape(self.opts.bands, self.opts.band_rows)
        return [f"{i}:{row.tobytes().hex()}" for i, row in enumerate(rows)]


@dataclass(frozen=True)
class Similarity:
    jaccard: float  # estimated
    novelty: float  # estimated share of the new story's shingles the other lacks


def compare(new: Signature, old: Signature) -> Similarity:
    """Estimated Jaccard similarity, and how much of `new` is not in `old`."""
    jaccard = float(np.count_nonzero(new.values == old.values)) / new.values.size
    shared = jaccard * (new.size + old.size) / (1.0 + jaccard)
    novelty = 1.0 - min(shared / new.size, 1.0) if new.size else 1.0
    return Similarity(jaccard, novelty)


def is_near_duplicate(sim: Similarity, opts: NearOptions) -> bool:
    return sim.jaccard >= opts.min_similarity and sim.novelty <= opts.max_novelty
