"""A linear-chain CRF for people, organisations and places: trained offline, numpy at run time.

Only runs of candidate words are read: capitalised words, with the connectors
between them ("Bank of America", "Energi dan Sumber Daya"), the initials ("M.
Saravanan"), a bracketed name right after ("Bursa Efek Indonesia (BEI)"), and a
lowercase word the training data shows opening a name ("desa", "kota") just
before one. One regex finds the runs, so the words of a
story that cannot be names cost nothing. Each word of a run gets its features
(the word, its shape, its neighbours, where it sits in the run, what the
lexicons and the gazetteer say of it); every feature is a weight row, and
Viterbi picks the labels of all runs at once. `docs/NER_MODEL.md` says how it
was trained and scored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

import numpy as np
import orjson

CAPITALS = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_REST = r"\w*(?:[\-.]\w+|['\u2019](?![sS]\b)\w+)*"
# Words keep inner hyphens, dots and apostrophes ("Tae-yul", "U.S", "O'Brien"), not a
# possessive "'s", which is its own token as in the training sets.
TOKEN = re.compile(rf"\w{_REST}|[^\w\s]")
# The first two tokens from a position (whitespace is all that lies between tokens).
TWO_TOKENS = re.compile(rf"\s*(\w{_REST}|[^\w\s])?\s*(\w{_REST}|[^\w\s])?")
CONNECTORS = "of|de|van|von|der|den|bin|binti|bt|al|dan|and|for|the|la|le|del|da|dos|du"
_CAP_WORD = rf"[{CAPITALS}]{_REST}"
_SEPARATOR = rf"[ \t]+(?:(?:{CONNECTORS})[ \t]+)?|(?<=\b[{CAPITALS}])[ \t]?\.[ \t]*"
# A name in brackets right after a run belongs to it: "Bursa Efek Indonesia (BEI)".
_BRACKETED = rf"[ \t]*\([ \t]*{_CAP_WORD}(?:[ \t]+{_CAP_WORD})*[ \t]*\)"
RUN = re.compile(
    # The lookahead lets the engine skip positions without a capital before the lookbehind.
    rf"(?=[{CAPITALS}])(?<![\w\-]){_CAP_WORD}(?:(?:{_SEPARATOR}){_CAP_WORD}|{_BRACKETED})*"
)
BOUNDARY = "."  # what lies beyond the text or its line, for the context features
SENTENCE_END = frozenset('.!?:;"\u201c\u201d')
CONTEXT_CHARS = 40  # text read on each side of a run for two words of context
# Templates come in groups, each a function of one word, so that the rows of a word
# are looked up once per story (`Tagger`), not once per template.
WORD = ("word", "lower", "suffix", "prefix", "shape", "lexicon", "common")
NEAR = ("lower", "lexicon", "shape")  # of the word before, and of the word after
FAR = ("lower",)  # of the second word before, and after
RUN_WIDE = ("bias", "run_head", "run_tail")  # the same for every word of a run
PLACE = ("run", "first", "prev_word", "next_word", "gazetteer")
TEMPLATES = (
    *WORD,
    *(f"prev_{t}" for t in NEAR),
    *(f"next_{t}" for t in NEAR),
    *(f"prev2_{t}" for t in FAR),
    *(f"next2_{t}" for t in FAR),
    *RUN_WIDE,
    *PLACE,
)


@lru_cache(maxsize=65536)
def shape(word: str) -> str:
    """Letter classes, repeats collapsed: "Cho" -> "Xx", "Tae-yul" -> "Xx-x", "B.J" -> "X.X"."""
    out: list[str] = []
    for ch in word[:12]:
        c = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


class Run(NamedTuple):
    """Candidate words in a row, with two words of context on each side.

    Context words are the text's whitespace-separated pieces ("kata", "Senin,"), or
    BOUNDARY past a line break or the end of the text.
    """

    words: list[str]
    spans: list[tuple[int, int]]  # character spans in the text
    before: list[str]  # the words before, nearest last
    after: list[str]  # the two words after, nearest first


def runs_of(text: str, openers: frozenset[str]) -> Iterator[Run]:
    """The runs of candidate words in `text`, in order."""
    findall, two_after = TOKEN.findall, TWO_TOKENS.match
    for m in RUN.finditer(text):
        start, end = m.span()
        run = m.group()
        if run.isalnum():
            tokens, spans = [run], [(start, end)]
        else:
            tokens = findall(run)
            spans, at = [], start
            for token in tokens:
                at = text.find(token, at)
                spans.append((at, at + len(token)))
                at += len(token)
        # Context stops at the line's edge: regex positions instead of slices of the text.
        lo = start - CONTEXT_CHARS if start > CONTEXT_CHARS else 0
        before = findall(text, max(text.rfind("\n", lo, start) + 1, lo), start)[-3:]
        stop = text.find("\n", end, end + CONTEXT_CHARS)
        stop = stop if stop >= 0 else end + CONTEXT_CHARS
        after = [word for word in two_after(text, end, stop).groups() if word]
        if len(after) < 2:
            after += [BOUNDARY] * (2 - len(after))
        if before and before[-1].lower() in openers and text.endswith(before[-1] + " ", lo, start):
            opener = before.pop()
            at = start - len(opener) - 1
            tokens, spans = [opener, *tokens], [(at, at + len(opener)), *spans]
        if len(before) < 2:
            before = [BOUNDARY, BOUNDARY, *before]
        yield Run(tokens, spans, before[-2:], after)


def word_keys(word: str, lexicon: dict[str, str], common: frozenset[str]) -> tuple[str, ...]:
    """The WORD templates. `lexicon` gives the type a word mostly has in data the model
    was not trained on; `common` holds words seen in lowercase mid-sentence (a capital
    on one of them is more likely a sentence start than a name)."""
    low = word.lower()
    return (
        word,
        low,
        low[-3:],
        low[:3],
        shape(word),
        lexicon.get(low, ""),
        "1" if low in common else "0",
    )


def near_keys(word: str, lexicon: dict[str, str]) -> tuple[str, ...]:
    low = word.lower()
    return (low, lexicon.get(low.strip(",.:;!?\"'()"), ""), shape(word))


def run_wide_keys(run: Run) -> tuple[str, ...]:
    """The RUN_WIDE templates: the run's first and last words."""
    return ("", run.words[0].lower(), run.words[-1].lower())


def place_keys(run: Run, known: list[str]) -> list[tuple[str, ...]]:
    """The PLACE templates of each word of a run: where it sits, whether the run opens a
    sentence, its neighbours as pairs, and `known`, where it sits in a gazetteer name
    ("B-LOCATION", "I-..." or "")."""
    before = run.before[-1]
    first = "1" if before == BOUNDARY or before[-1:] in SENTENCE_END else "0"
    if len(run.words) == 1:  # most runs: the same keys, fewer steps
        low = run.words[0].lower()
        pairs = before.lower() + " " + low, low + " " + run.after[0].lower()
        return [("S1", first, *pairs, known[0])]
    lowers = [w.lower() for w in (before, *run.words, run.after[0])]
    n = len(run.words)
    length = str(min(n, 4))
    return [
        (
            ("B" if k == 1 else "E" if k == n else "I") + length,
            first if k == 1 else "0",
            lowers[k - 1] + " " + lowers[k],
            lowers[k] + " " + lowers[k + 1],
            known[k - 1],
        )
        for k in range(1, n + 1)
    ]


def run_keys(
    run: Run, lexicon: dict[str, str], common: frozenset[str], known: list[str]
) -> Iterator[tuple[str, ...]]:
    """For each word of a run, its key under every template (in TEMPLATES order)."""
    words = [*run.before, *run.words, *run.after]
    wide = run_wide_keys(run)
    for k, place in enumerate(place_keys(run, known), start=2):
        yield (
            *word_keys(words[k], lexicon, common),
            *near_keys(words[k - 1], lexicon),
            *near_keys(words[k + 1], lexicon),
            words[k - 2].lower(),
            words[k + 2].lower(),
            *wide,
            *place,
        )


Known = Callable[[list[str]], list[str]]  # the gazetteer feature of the words of a run
GROUPS = {"word": WORD, "prev": NEAR, "next": NEAR, "prev2": FAR, "next2": FAR,
          "run_wide": RUN_WIDE, "place": PLACE}  # fmt: skip


def _slices() -> dict[str, slice]:
    """Each group's templates in TEMPLATES."""
    out, at = {}, 0
    for name, group in GROUPS.items():
        out[name] = slice(at, at + len(group))
        at += len(group)
    return out


SLICES = _slices()
MAX_CACHED = 200_000  # words whose rows a tagger remembers; then it starts afresh


@dataclass
class Tagger:
    """Weights per feature and label, and per label pair; `tag` labels the runs of a text."""

    labels: tuple[str, ...]
    vocab: tuple[dict[str, int], ...]  # one per template: key -> row of weights
    weights: np.ndarray  # (rows, labels); row 0 is all zeros (unknown key)
    transitions: np.ndarray  # (labels, labels): from, to
    openers: frozenset[str]
    lexicon: dict[str, str]  # lowercase word -> the type it mostly has in data not trained on
    common: frozenset[str]  # words seen in lowercase in the middle of sentences
    _cache: dict[str, dict[str, tuple[int, ...]]] = field(
        default_factory=lambda: {group: {} for group in ("word", "prev", "next", "prev2", "next2")},
        repr=False,
    )

    def _fill(self, group: str, word: str) -> tuple[int, ...]:
        """The weight rows of one word's templates in a group, remembered."""
        if group == "word":
            keys = word_keys(word, self.lexicon, self.common)
        elif group in ("prev", "next"):
            keys = near_keys(word, self.lexicon)
        else:
            keys = (word.lower(),)
        vocab = self.vocab[SLICES[group]]
        rows = tuple(v.get(key, 0) for v, key in zip(vocab, keys, strict=True))
        cache = self._cache[group]
        if len(cache) >= MAX_CACHED:
            cache.clear()
        cache[word] = rows
        return rows

    def tag(self, text: str, known: Known) -> list[tuple[Run, list[str]]]:
        """Each run of `text` with one IOB2 label per word."""
        runs = list(runs_of(text, self.openers))
        if not runs:
            return []
        emissions = self.weights[self._table(runs, known)].sum(axis=1)
        best = iter(self._viterbi(emissions, [len(r.words) for r in runs]))
        labels = self.labels
        return [(run, [labels[next(best)] for _ in run.words]) for run in runs]

    def _table(self, runs: list[Run], known: Known) -> np.ndarray:
        """The weight rows of every word of the runs: (words, templates)."""
        bias, head, tail = self.vocab[SLICES["run_wide"]]
        at, first, prev_word, next_word, gazetteer = self.vocab[SLICES["place"]]
        cache, fill = self._cache, self._fill
        words_c, prev_c, next_c = cache["word"], cache["prev"], cache["next"]
        prev2_c, next2_c = cache["prev2"], cache["next2"]
        rows: list[int] = []
        for run in runs:
            words = [*run.before, *run.words, *run.after]
            keys = run_wide_keys(run)
            wide = (bias.get(keys[0], 0), head.get(keys[1], 0), tail.get(keys[2], 0))
            for k, place in enumerate(place_keys(run, known(run.words)), start=2):
                word, prev, nxt = words[k], words[k - 1], words[k + 1]
                rows += words_c.get(word) or fill("word", word)
                rows += prev_c.get(prev) or fill("prev", prev)
                rows += next_c.get(nxt) or fill("next", nxt)
                rows += prev2_c.get(words[k - 2]) or fill("prev2", words[k - 2])
                rows += next2_c.get(words[k + 2]) or fill("next2", words[k + 2])
                rows += wide
                rows += (
                    at.get(place[0], 0),
                    first.get(place[1], 0),
                    prev_word.get(place[2], 0),
                    next_word.get(place[3], 0),
                    gazetteer.get(place[4], 0),
                )
        return np.array(rows, dtype=np.int32).reshape(-1, len(TEMPLATES))

    def _viterbi(self, emissions: np.ndarray, lengths: list[int]) -> list[int]:
        """Best label sequence of every run: one word alone takes its best label; longer
        runs are padded to the longest and decoded together."""
        out = emissions.argmax(axis=1).tolist()
        starts = np.cumsum([0, *lengths[:-1]]).tolist()
        longer = [(start, n) for start, n in zip(starts, lengths, strict=True) if n > 1]
        if not longer:
            return out
        first = np.array([start for start, _ in longer])
        sizes = np.array([n for _, n in longer])
        score = emissions[first]
        longest = int(sizes.max())
        back = np.zeros((longest, len(longer), len(self.labels)), dtype=np.int32)
        for step in range(1, longest):
            total = score[:, :, None] + self.transitions[None, :, :]
            back[step] = total.argmax(axis=1)
            moved = total.max(axis=1) + emissions[np.minimum(first + step, len(emissions) - 1)]
            score = np.where((sizes > step)[:, None], moved, score)
        last = score.argmax(axis=1).tolist()
        for r, (start, n) in enumerate(longer):
            label = last[r]
            for step in range(n - 1, -1, -1):
                out[start + step] = label
                label = int(back[step, r, label])
        return out

    def save(self, path: Path, meta: dict[str, object]) -> None:
        header = {
            "labels": self.labels,
            "openers": sorted(self.openers),
            "templates": TEMPLATES,
            "lexicon": self.lexicon,
            "common": sorted(self.common),
            "meta": meta,
        }
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float16),
            transitions=self.transitions,
            header=np.frombuffer(orjson.dumps(header), dtype=np.uint8),
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
            vocab = tuple(orjson.loads(npz["keys"].tobytes()))
            weights = npz["weights"].astype(np.float32)
            transitions = npz["transitions"]
        if tuple(header["templates"]) != TEMPLATES:
            raise ValueError(f"{source}: model built for other feature templates")
        return cls(
            tuple(header["labels"]),
            vocab,
            weights,
            transitions,
            frozenset(header["openers"]),
            header["lexicon"],
            frozenset(header["common"]),
        )
