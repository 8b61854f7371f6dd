"""`make eval` (language): how often newswire names the language of a short news paragraph.

    python -m workers.evaluation.language [--json]

Paragraphs: the Indonesian sentences of idner-news-2k's dev split and the English
sentences of the held-out MEN articles (both shipped for the entity evaluation),
at least 8 words each, and 40 Malay paragraphs the team wrote
(`data/malay_paragraphs.txt`: no public Malay set was at hand, and the same team
chose the Malay marker words, so read the Malay figure as optimistic). Beside
newswire: py3langid alone, over the same languages.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Callable

import orjson

from workers.evaluation.conll import read_conll, text_of
from workers.evaluation.entities import DATA, DEV
from workers.pipeline.language import detect_language, identifier

MIN_WORDS = 8
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def malay_paragraphs() -> list[str]:
    """The Malay paragraphs the team wrote (no public Malay set was at hand)."""
    lines = (DATA / "malay_paragraphs.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def paragraphs() -> list[tuple[str, str]]:
    """(language, paragraph) pairs."""
    out = [("ms", paragraph) for paragraph in malay_paragraphs()]
    for language, path in DEV.items():
        for document in read_conll(path):
            for piece in _SENTENCE.split(text_of(document)[0]):
                if len(piece.split()) >= MIN_WORDS:
                    out.append((language, piece))
    return out


def accuracy(
    data: list[tuple[str, str]], detect: Callable[[str], str]
) -> tuple[dict[str, float], Counter[tuple[str, str]]]:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    confused: Counter[tuple[str, str]] = Counter()
    for language, text in data:
        guess = detect(text)
        total[language] += 1
        if guess == language:
            right[language] += 1
        else:
            confused[(language, guess)] += 1
    return {lang: round(right[lang] / total[lang], 4) for lang in total}, confused


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = parser.parse_args(argv)
    data = paragraphs()
    counts = Counter(language for language, _ in data)
    systems = {"newswire": detect_language, "py3langid": lambda t: identifier().classify(t)[0]}
    results = {}
    print(f"\nlanguage of short paragraphs ({dict(counts)}): accuracy, and the top confusions")
    for name, detect in systems.items():
        scores, confused = accuracy(data, detect)
        results[name] = {"accuracy": scores, "paragraphs": dict(counts)}
        top = ", ".join(f"{a}->{b} {n}" for (a, b), n in confused.most_common(3))
        cells = "  ".join(f"{lang} {value:.3f}" for lang, value in scores.items())
        print(f"{name:<12}{cells}   ({top})")
    if args.json:
        print(orjson.dumps(results).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
