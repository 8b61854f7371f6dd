"""The line model: is a line the outlet's chrome (an invitation, a notice, a credit)?

Rules name the phrasings someone wrote down; real outlets keep inventing new ones
("Stay current - Follow us on ...", "By subscribing, you can help us ..."). What
those lines share is how they talk: to the reader (follow, subscribe, you, our,
here), about the article (this story, artikel ini), with links, addresses and
labels, and without what a story's sentence has (reported speech, quotes, a
narrative of who did what). A linear model over such features, trained on real
outlets' lines and real news sentences (`python -m workers.training.lines`), scores
a story's first and last lines and its short lines that the rules left; a line
scoring above the model's threshold goes (`removed` reason `rule:line_model`). The
threshold was chosen on story lines held back from training, for a content loss
near zero: the model is a net under the rules, not a replacement for them.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import pairwise, repeat
from pathlib import Path

import orjson

MODEL = Path(__file__).resolve().parent.parent / "data" / "lines.json"
# Lines scored: the first and last few of a story, where outlets put their chrome, up
# to EDGE_CHARS, and short lines anywhere. Scoring costs ~35 us for a 150-character
# line: scoring every line of a 4 KB story cost more than the rest of cleaning; this
# costs ~150 us a story, and 89% of the survey's lines are within 120 characters.
# A short line in the middle needs MIDDLE_MARGIN more: subheadings live there (a first
# training scored the subheading "Harga Emas Antam Hari Ini" 1.0 over the threshold;
# of 6,580 real news lines never trained on, the highest scores 1.3 under it).
HEAD_LINES = 1
TAIL_LINES = 4
EDGE_CHARS = 200
SHORT_CHARS = 60
MIDDLE_MARGIN = 1.0

_WORD = re.compile(r"[^\W\d_]+")
_DOMAIN = re.compile(r"\.(com|co|id|net|org|my|sg|uk|au|in|news)\b")
_EMAIL = re.compile(r"\w@[\w-]+\.\w")
_QUOTE = re.compile(r"[\"\u201c\u201d\u00ab\u00bb]")
_SPEECH = frozenset(
    "kata ujar ucap tutur ungkap jelas katanya ujarnya said says told added urged asked".split()
)
_SIZES = (1, 2, 3, 5, 8, 12, 20, 35)


def _bucket(n: int, edges: tuple[int, ...]) -> int:
    return next((i for i, edge in enumerate(edges) if n <= edge), len(edges))


def _kind(ch: str) -> str:
    if not ch:
        return "none"
    if ch.isalpha():
        return "letter"
    if ch.isdigit():
        return "digit"
    return ch if ch in ".:!?()[]-=_*|©#@\"'" else "other"


def _shape(line: str, folded: str, words: list[str]) -> list[str]:
    """The features that are not words: length, first and last character, links,
    addresses, quotes, reported speech, capitals."""
    out = [
        f"n:{_bucket(len(words), _SIZES)}",
        f"start:{_kind(folded[:1])}",
        f"end:{_kind(folded[-1:])}",
    ]
    if "http" in folded or "www." in folded or _DOMAIN.search(folded):
        out.append("url")
    if "@" in folded:
        out.append("email" if _EMAIL.search(folded) else "handle")
    if _QUOTE.search(line):
        out.append("quote")
    if not _SPEECH.isdisjoint(words):
        out.append("speech")
    if line.isupper():
        out.append("allcaps")
    caps = sum(1 for w in line.split() if w[:1].isupper())
    out.append(f"caps:{_bucket(int(10 * caps / max(1, len(words))), (1, 3, 5, 8))}")
    if not words:
        out.append("nowords")
    return out


def features(line: str, folded: str) -> list[str]:
    """The features of a line (`folded`: the same, `normalize.fold`ed), as the trainer
    sees them; `LineModel.score` computes the same sum without building them."""
    words = _WORD.findall(folded)
    out = [f"w:{w}" for w in set(words)]
    out += [f"b:{a}_{b}" for a, b in set(pairwise(words))]
    if words:
        out += [f"f:{words[0]}", f"f2:{'_'.join(words[:2])}", f"l:{words[-1]}"]
    return out + _shape(line, folded, words)


class LineModel:
    """Feature weights (chrome minus story), the bias and the threshold. The weights of
    words, word pairs, first and last words are kept by word, so scoring a line looks
    them up without building a feature string each (a fifth of the time)."""

    def __init__(self, weights: dict[str, float], bias: float, threshold: float) -> None:
        self.weights, self.bias, self.threshold = weights, bias, threshold
        by: dict[str, dict] = {"w": {}, "b": {}, "f": {}, "f2": {}, "l": {}}
        self._other: dict[str, float] = {}
        for feature, weight in weights.items():
            family, _, value = feature.partition(":")
            if family in ("b", "f2"):
                by[family][tuple(value.split("_"))] = weight
            elif family in by:
                by[family][value] = weight
            else:
                self._other[feature] = weight
        self._word, self._pair = by["w"], by["b"]
        self._first, self._first2, self._last = by["f"], by["f2"], by["l"]

    def score(self, line: str, folded: str) -> float:
        words = _WORD.findall(folded)
        total = self.bias + sum(map(self._word.get, set(words), repeat(0.0)))
        if words:
            pairs = set(pairwise(words))
            total += sum(map(self._pair.get, pairs, repeat(0.0)))
            total += self._first.get(words[0], 0.0) + self._last.get(words[-1], 0.0)
            total += self._first2.get(tuple(words[:2]), 0.0)
        other = self._other
        return total + sum(other.get(f, 0.0) for f in _shape(line, folded, words))

    def chrome(self, lines: list[tuple[str, str]]) -> set[int]:
        """Which of a story's lines (each with its folded form) are chrome: of the
        lines scored, those above the threshold; none if that would be all of them."""
        n, found = len(lines), set()
        for i, (line, folded) in enumerate(lines):
            if len(folded) > EDGE_CHARS:
                continue
            if i < HEAD_LINES or i >= n - TAIL_LINES:
                bar = self.threshold
            elif len(folded) <= SHORT_CHARS:
                bar = self.threshold + MIDDLE_MARGIN
            else:
                continue
            if self.score(line, folded) > bar:
                found.add(i)
        return found if len(found) < n else set()

    @staticmethod
    @cache
    def shipped() -> LineModel:
        """The model shipped in the package, loaded once."""
        return LineModel.load()

    @classmethod
    def load(cls, path: Path = MODEL) -> LineModel:
        data = orjson.loads(path.read_bytes())
        return cls(data["weights"], data["bias"], data["threshold"])

    def save(self, path: Path, meta: dict) -> None:
        body = {"meta": meta, "bias": self.bias, "threshold": self.threshold}
        body["weights"] = {k: round(v, 3) for k, v in sorted(self.weights.items())}
        path.write_bytes(orjson.dumps(body) + b"\n")
