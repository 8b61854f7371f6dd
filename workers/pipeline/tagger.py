"""A linear tagger for people, organisations and places: trained offline, numpy at run time.

Only candidate tokens are scored: capitalised words, the connectors between
them ("Bank of America", "Energi dan Sumber Daya"), and the lowercase words the
training data shows opening a name ("desa", "kota", "partai"). Everything else
is O. Each feature template maps a token string straight to a weight row, so a
token costs a few dict lookups and a story one numpy gather; no feature string
is built per token. `docs/NER_MODEL.md` says how it was trained and scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from io import BytesIO
from pathlib import Path

import numpy as np
import orjson

# Lowercase words that join capitalised words into one name.
CONNECTORS = frozenset(
    "of de van von der den bin binti bt al dan and for the la le del da dos du".split()
)
SENTENCE_END = frozenset('. ! ? : ; " \u201c \u201d ( ) [ ] - \u2013 \u2014 |'.split())
TEMPLATES = (
    "bias", "word", "lower", "suffix", "prefix", "shape", "prev", "next", "prev2", "next2",
    "run", "first", "prev_word", "next_word", "run_head", "run_tail", "lexicon",
    "lexicon_prev", "lexicon_next", "prev_shape", "next_shape", "gazetteer", "common",
)  # fmt: skip


@lru_cache(maxsize=65536)
def shape(word: str) -> str:
    """Letter classes, repeats collapsed: "Cho" -> "Xx", "Tae-yul" -> "Xx-x", "B.J" -> "X.X"."""
    out: list[str] = []
    for ch in word[:12]:
        c = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def _is_cap(word: str) -> bool:
    """Starts with a capital, after any opening bracket or quote ("(BEI)")."""
    return word[:1].isupper() or (word[:1] in "(\"'\u201c" and word[1:2].isupper())


def _runs(mask: list[bool]) -> list[int]:
    """Lengths of the runs of consecutive candidates, in order."""
    runs: list[int] = []
    inside = False
    for m in mask:
        if m and inside:
            runs[-1] += 1
        elif m:
            runs.append(1)
        inside = m
    return runs


def candidates(words: list[str], openers: frozenset[str]) -> list[bool]:
    """Which tokens the model scores; all others are O."""
    n = len(words)
    caps = [_is_cap(w) for w in words]
    out = caps[:]
    for i in range(n):
        if caps[i] or i + 1 >= n or not caps[i + 1]:
            continue
        low = words[i].lower()
        if low in openers or (i > 0 and caps[i - 1] and (low in CONNECTORS or _initial(words, i))):
            out[i] = True
    return out


def _initial(words: list[str], i: int) -> bool:
    """A full stop that ends an initial inside a name: "M. Saravanan", "B.J. Habibie"."""
    before = words[i - 1]
    return words[i] == "." and before.isupper() and (len(before) == 1 or "." in before)


def token_keys(
    words: list[str],
    mask: list[bool],
    lexicon: dict[str, str],
    common: frozenset[str],
    known: list[str],
) -> list[tuple[str, ...]]:
    """For each candidate token, its key under every template (same order as TEMPLATES).

    `lexicon` gives the type a word mostly has in data the model was not trained on;
    `common` holds words seen in lowercase mid-sentence (a capital on one of them
    is more likely the start of a sentence than a name); `known` says, per token,
    where it sits in a gazetteer name ("B-LOCATION", "I-..." or "").
    """
    n = len(words)
    lowers = [w.lower() for w in words]
    keys: list[tuple[str, ...]] = []
    i = 0
    while i < n:
        if not mask[i]:
            i += 1
            continue
        j = i
        while j < n and mask[j]:
            j += 1
        head, tail = lowers[i], lowers[j - 1]
        length = str(min(j - i, 4))
        for k in range(i, j):
            word, low = words[k], lowers[k]
            prev = lowers[k - 1] if k else "<s>"
            nxt = lowers[k + 1] if k + 1 < n else "</s>"
            pos = "S" if j - i == 1 else "B" if k == i else "E" if k == j - 1 else "I"
            keys.append(
                (
                    "",
                    word,
                    low,
                    low[-3:],
                    low[:3],
                    shape(word),
                    prev,
                    nxt,
                    lowers[k - 2] if k > 1 else "<s>",
                    lowers[k + 2] if k + 2 < n else "</s>",
                    pos + length,
                    "1" if k == 0 or words[k - 1] in SENTENCE_END else "0",
                    prev + " " + low,
                    low + " " + nxt,
                    head,
                    tail,
                    lexicon.get(low, ""),
                    lexicon.get(prev, ""),
                    lexicon.get(nxt, ""),
                    shape(words[k - 1]) if k else "<s>",
                    shape(words[k + 1]) if k + 1 < n else "</s>",
                    known[k],
                    "1" if low in common else "0",
                )
            )
        i = j
    return keys


@dataclass
class Tagger:
    """A linear-chain CRF over candidate runs: weights per feature and label, and per label pair."""

    labels: tuple[str, ...]
    vocab: tuple[dict[str, int], ...]  # one per template: key -> row of weights
    weights: np.ndarray  # (rows, labels); row 0 is all zeros (unknown key)
    transitions: np.ndarray  # (labels, labels): from, to
    openers: frozenset[str]
    lexicon: dict[str, str]  # lowercase word -> the type it mostly has in data not trained on
    common: frozenset[str]  # words seen in lowercase in the middle of sentences

    def tag(self, words: list[str], known: list[str]) -> list[str]:
        """One IOB2 label per token; `known` as for `token_keys`."""
        mask = candidates(words, self.openers)
        keys = token_keys(words, mask, self.lexicon, self.common, known)
        tags = ["O"] * len(words)
        if not keys:
            return tags
        rows = np.array(
            [[v.get(key, 0) for v, key in zip(self.vocab, ks, strict=True)] for ks in keys],
            dtype=np.int32,
        )
        best = self._viterbi(self.weights[rows].sum(axis=1), _runs(mask))
        positions = [i for i, m in enumerate(mask) if m]
        for i, label in zip(positions, best, strict=True):
            tags[i] = self.labels[label]
        return tags

    def _viterbi(self, emissions: np.ndarray, runs: list[int]) -> list[int]:
        """Best label sequence of every run at once: runs are padded to the longest."""
        count, longest, k = len(runs), max(runs), len(self.labels)
        starts = np.cumsum([0, *runs[:-1]])
        lengths = np.array(runs)
        score = emissions[starts]
        back = np.zeros((longest, count, k), dtype=np.int32)
        for step in range(1, longest):
            alive = lengths > step
            total = score[:, :, None] + self.transitions[None, :, :]
            back[step] = total.argmax(axis=1)
            moved = total.max(axis=1) + emissions[np.minimum(starts + step, len(emissions) - 1)]
            score = np.where(alive[:, None], moved, score)
        last = score.argmax(axis=1)
        out = np.zeros(len(emissions), dtype=np.int32)
        for r in range(count):
            label = int(last[r])
            for step in range(runs[r] - 1, -1, -1):
                out[starts[r] + step] = label
                label = int(back[step, r, label])
        return out.tolist()

    def save(self, path: Path, meta: dict[str, object]) -> None:
        header = {
            "labels": self.labels,
            "openers": sorted(self.openers),
            "templates": TEMPLATES,
            "lexicon": self.lexicon,
            "common": sorted(self.common),
        }
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float16),
            transitions=self.transitions,
            header=np.frombuffer(orjson.dumps(header | {"meta": meta}), dtype=np.uint8),
            keys=np.frombuffer(orjson.dumps(self.vocab), dtype=np.uint8),
        )

    @classmethod
    def load(cls, source: Path | str) -> Tagger:
        """A tagger from a file, or by name ("id", "en") from the models shipped in the package."""
        if isinstance(source, Path):
            data = source.read_bytes()
        else:
            data = resources.files("workers.data").joinpath(f"ner-{source}.npz").read_bytes()
        with np.load(BytesIO(data)) as npz:
            header = orjson.loads(npz["header"].tobytes())
            keys = orjson.loads(npz["keys"].tobytes())
            weights = npz["weights"].astype(np.float32)
            transitions = npz["transitions"]
        if tuple(header["templates"]) != TEMPLATES:
            raise ValueError(f"{source}: model built for other feature templates")
        vocab = tuple(keys)
        return cls(
            tuple(header["labels"]),
            vocab,
            weights,
            transitions,
            frozenset(header["openers"]),
            header["lexicon"],
            frozenset(header["common"]),
        )


# Words keep inner hyphens, dots and apostrophes ("Tae-yul", "U.S", "O'Brien"), not a
# possessive "'s", which is its own token as in the training sets.
TOKEN = re.compile(r"\w+(?:[\-.]\w+|['\u2019](?![sS]\b)\w+)*|[^\w\s]")


def words_of(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Tokens of `text` with their character spans."""
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in TOKEN.finditer(text):
        words.append(m.group())
        spans.append(m.span())
    return words, spans
