"""Read the public NER sets (CoNLL columns) into one tag scheme, and score taggers on them.

Every set is mapped to IOB2 over PER, ORG and LOC (`TYPES`); other types
(MISC, events, products, food) become O, since newswire tags only those three
with the model. Scores are conlleval's: an entity counts when its span and type
are both exact, on the set's own words. Taggers run on text, as in the worker:
the words of a sentence (or of a whole document) put back together as a writer
would type them; what they find is mapped back to the words.
"""

from __future__ import annotations

import gzip
import random
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

# Each set's own type names -> PER/ORG/LOC; anything not listed becomes O.
TYPES = {
    "PER": "PER", "PERSON": "PER", "PPL": "PER", "person": "PER",
    "ORG": "ORG", "ORGANISATION": "ORG", "ORGANIZATION": "ORG", "IND": "ORG",
    "corporation": "ORG", "group": "ORG",
    "LOC": "LOC", "PLACE": "LOC", "LOCATION": "LOC", "PLC": "LOC", "location": "LOC",
    "FACILITY": "LOC",
}  # fmt: skip


@dataclass(frozen=True)
class Sentence:
    words: list[str]
    tags: list[str]  # IOB2 over PER/ORG/LOC
    doc: int  # document number within the file (-DOCSTART- separated), for held-out splits


def read_conll(path: Path) -> list[Sentence]:
    """Sentences of a CoNLL file: token first, tag last; IOB1 and stray I- tags repaired.

    Files in the CoNLL-U manner (Universal NER, GUM) number their tokens: a tab-separated
    line of three or more columns opening with a number is `id, token, tag, ...`, and
    their `# key = value` lines are comments (`# newdoc` opens a document).
    """
    sentences: list[Sentence] = []
    words: list[str] = []
    tags: list[str] = []
    doc = 0

    def flush() -> None:
        if words:
            sentences.append(Sentence(words[:], _iob2(tags), doc))
        words.clear()
        tags.clear()

    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    for raw in data.decode("utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("# ") and " = " in line:
            if line.startswith("# newdoc"):
                flush()
                doc += 1
            continue
        parts = line.split("\t") if "\t" in line else line.split(" ")
        if parts[0] == "-DOCSTART-":
            flush()
            doc += 1
            continue
        numbered = "\t" in line and len(parts) >= 3 and parts[0].isdigit()
        words.append(parts[1] if numbered else parts[0])
        tags.append(parts[2] if numbered else parts[-1])
    flush()
    return sentences


def write_conll(path: Path, sentences: list[Sentence]) -> None:
    """Sentences as `read_conll` reads them back (gzip when the name ends in .gz)."""
    lines: list[str] = []
    doc = -1
    for s in sentences:
        if s.doc != doc and s.doc:
            lines += ["-DOCSTART-\tO", ""]
        doc = s.doc
        lines += [f"{w}\t{t}" for w, t in zip(s.words, s.tags, strict=True)] + [""]
    data = "\n".join(lines).encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


def documents(sentences: list[Sentence]) -> list[Sentence]:
    """Sentences of one document (-DOCSTART- separated) joined, as the worker sees a story.

    Sets without document marks (doc 0) stay sentence by sentence.
    """
    out: list[Sentence] = []
    for s in sentences:
        if s.doc and out and out[-1].doc == s.doc:
            out[-1] = Sentence(out[-1].words + s.words, out[-1].tags + s.tags, s.doc)
        else:
            out.append(s)
    return out


def _iob2(tags: list[str]) -> list[str]:
    out: list[str] = []
    previous = "O"
    for tag in tags:
        prefix, _, kind = tag.partition("-")
        mapped = TYPES.get(kind) if kind else None
        if mapped is None:
            label = "O"
        elif prefix == "I" and previous[2:] == mapped:
            label = "I-" + mapped
        else:
            label = "B-" + mapped
        out.append(label)
        previous = label
    return out


def spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """(start, end, type) of every entity in an IOB2 sequence."""
    found: set[tuple[int, int, str]] = set()
    start, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        if start >= 0 and tag != "I-" + kind:
            found.add((start, i, kind))
            start = -1
        if tag.startswith("B-") or (tag.startswith("I-") and start < 0):
            start, kind = i, tag[2:]
    return found


@dataclass
class Score:
    """Entity counts per type: true positives, predicted, gold."""

    tp: Counter[str]
    predicted: Counter[str]
    gold: Counter[str]

    def prf(self, kind: str | None = None) -> tuple[float, float, float]:
        tp = self.tp[kind] if kind else sum(self.tp.values())
        pred = self.predicted[kind] if kind else sum(self.predicted.values())
        gold = self.gold[kind] if kind else sum(self.gold.values())
        p = tp / pred if pred else 0.0
        r = tp / gold if gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def table(self) -> dict[str, dict[str, float]]:
        rows = {kind: self.prf(kind) for kind in ("PER", "ORG", "LOC")} | {"all": self.prf()}
        return {
            kind: {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}
            for kind, (p, r, f) in rows.items()
        }


def f1_interval(units: list[Score], rounds: int = 2000, seed: int = 5) -> tuple[float, float]:
    """The 95% bootstrap interval of the overall F1 over `units` (each story's or
    sentence's Score, resampled with replacement): how far a dev split's F1 can be
    trusted, and whether two scores on it differ."""
    counts = [(sum(u.tp.values()), sum(u.predicted.values()) + sum(u.gold.values())) for u in units]
    rng = random.Random(seed)
    f1s = []
    for _ in range(rounds):
        drawn = rng.choices(counts, k=len(counts))
        tp, total = sum(c[0] for c in drawn), sum(c[1] for c in drawn)
        f1s.append(2 * tp / total if total else 0.0)  # 2PR/(P+R) = 2tp/(predicted+gold)
    f1s.sort()
    return f1s[round(0.025 * rounds)], f1s[round(0.975 * rounds) - 1]


NO_SPACE_BEFORE = frozenset(",.:;!?%)]}") | {"'s", "'S", "n't"}
NO_SPACE_AFTER = frozenset("([{$")


def text_of(sentence: Sentence) -> tuple[str, list[tuple[int, int]]]:
    """The sentence as a writer would type it ("Jakarta, Senin (25/8)"), and the
    character span of each of its words."""
    pieces: list[str] = []
    words: list[tuple[int, int]] = []
    position = 0
    for i, word in enumerate(sentence.words):
        if i and word not in NO_SPACE_BEFORE and sentence.words[i - 1] not in NO_SPACE_AFTER:
            pieces.append(" ")
            position += 1
        words.append((position, position + len(word)))
        pieces.append(word)
        position += len(word)
    return "".join(pieces), words


def score(
    sentences: Iterable[Sentence], names: Callable[[str], list[tuple[int, int, str]]]
) -> Score:
    """Scores of `names` (text -> character spans and types) on the sentences.

    A name found in the text stands for the words of the set it touches, so a tagger
    that leaves the brackets of "(Jokowi)" out still names that word.
    """
    short = {"PERSON": "PER", "ORGANIZATION": "ORG", "LOCATION": "LOC"}
    result = Score(Counter(), Counter(), Counter())
    for sentence in sentences:
        text, words = text_of(sentence)
        ends = [end for _, end in words]
        starts = [start for start, _ in words]
        gold = spans(sentence.tags)
        predicted = {
            (bisect_right(ends, start), bisect_left(starts, end), short.get(kind, kind))
            for start, end, kind in names(text)
        }
        for _, _, kind in gold:
            result.gold[kind] += 1
        for _, _, kind in predicted:
            result.predicted[kind] += 1
        for _, _, kind in gold & predicted:
            result.tp[kind] += 1
    return result
