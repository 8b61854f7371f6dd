"""Rebuild the shipped sentence pool from the public NER sets (run once, by hand).

    python -m workers.evaluation.build_pool ../shared/data/ner

Reads idner-news-2k (Indonesian news, MIT), indonlu-nergrit (Indonesian news,
MIT, NERGRIT contributors credited in data/NOTICE.md) and the MEN Malaysian
English news set (MIT), detokenises each sentence, keeps its PER/ORG/LOC mentions,
and writes ``data/news_sentences.jsonl.gz``: the raw material the dedupe corpus
generator builds stories from. Nothing at run or test time needs ../shared.
"""

from __future__ import annotations

import gzip
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson

OUT = Path(__file__).parent / "data" / "news_sentences.jsonl.gz"
SOURCES = (
    # (dir, file, language, column separator, tag mapping prefix)
    ("idner-news-2k", "train.txt", "id", " "),
    ("indonlu-nergrit", "train_preprocess.txt", "id", "\t"),
    ("men-malaysian-english-news", "men.conll", "en", "\t"),
)
TYPES = {"PER": "PER", "PERSON": "PER", "ORG": "ORG", "ORGANISATION": "ORG",
         "ORGANIZATION": "ORG", "LOC": "LOC", "PLACE": "LOC", "LOCATION": "LOC"}  # fmt: skip
_NO_SPACE_BEFORE = re.compile(r" ([,.:;!?%)\]]|'s\b|n't\b)")
_NO_SPACE_AFTER = re.compile(r"([(\[$]) ")


def detokenize(tokens: list[str]) -> str:
    text = " ".join(tokens)
    text = _NO_SPACE_BEFORE.sub(r"\1", text)
    return _NO_SPACE_AFTER.sub(r"\1", text)


def sentences(path: Path, sep: str) -> Iterator[tuple[int, list[tuple[str, str]]]]:
    """(document number, [(token, tag)]) per sentence; documents split at -DOCSTART-."""
    doc, current = 0, []
    for line in path.read_text(encoding="utf-8").replace("\r", "").split("\n"):
        if line.startswith("-DOCSTART-"):
            doc += 1
            continue
        if not line.strip():
            if current:
                yield doc, current
            current = []
            continue
        parts = line.split(sep)
        current.append((parts[0], parts[-1]))
    if current:
        yield doc, current


def entities(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    found, span, kind = [], [], None
    for token, tag in [*pairs, ("", "O")]:
        label = TYPES.get(tag[2:]) if tag[:2] in ("B-", "I-") else None
        if span and (label != kind or tag.startswith("B-")):
            found.append({"type": kind, "text": detokenize(span)})
            span, kind = [], None
        if label:
            span.append(token)
            kind = label
    return found


def main(root: str) -> int:
    rows = 0
    with gzip.open(OUT, "wb") as out:
        for directory, name, lang, sep in SOURCES:
            for doc, pairs in sentences(Path(root) / directory / name, sep):
                text = detokenize([t for t, _ in pairs])
                if len(text.split()) < 6:
                    continue
                row = {"src": directory, "doc": doc, "lang": lang, "text": text,
                       "entities": entities(pairs)}  # fmt: skip
                out.write(orjson.dumps(row) + b"\n")
                rows += 1
    print(f"wrote {rows} sentences to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/ner"))
