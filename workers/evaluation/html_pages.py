"""`make eval` (HTML, real pages): newswire's main text beside trafilatura alone.

    python -m workers.evaluation.html_pages [--data ../shared/data/html] [--json] [--misses N]

The development set of trafilatura's own evaluation (`../shared/data/html/`,
absent: this says so and exits 0): 844 real pages, each with snippets its main
text must contain (`with`) and must not (`without`). Scored as that project
scores it: a `with` snippet found is a true positive, missing a false negative;
a `without` snippet found is a false positive; precision, recall and F1 over all
snippets (whitespace collapsed on both sides). Systems, on the same pages in the
same run: newswire's body as the worker emits it (`clean_body` on text/html:
trafilatura's text, then the cleaning rules; the dateline lifted into its field
is put back in front, as it is text the worker keeps), and trafilatura alone with
its default settings.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import trafilatura

from workers.pipeline.clean import CleanOptions, clean_body

DATA = Path("../shared/data/html")


@dataclass
class Score:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    seconds: float = 0.0
    pages: int = 0
    misses: list[tuple[str, str]] = field(default_factory=list)  # (page, snippet) missed

    def add(self, page: str, text: str, item: dict) -> None:
        text = " ".join(text.split())
        for snippet in item.get("with", []):
            if " ".join(snippet.split()) in text:
                self.tp += 1
            else:
                self.fn += 1
                self.misses.append((page, snippet))
        for snippet in item.get("without", []):
            found = " ".join(snippet.split()) in text
            self.fp += found
            self.tn += not found

    def figures(self) -> dict[str, float]:
        precision = self.tp / ((self.tp + self.fp) or 1)
        recall = self.tp / ((self.tp + self.fn) or 1)
        f1 = 2 * precision * recall / ((precision + recall) or 1)
        return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
                "ms_per_page": round(1000 * self.seconds / max(1, self.pages), 1)}  # fmt: skip


def newswire_text(page: str) -> str:
    cleaned = clean_body(page, "text/html", CleanOptions())
    return f"{cleaned.dateline} {cleaned.body}" if cleaned.dateline else cleaned.body


def trafilatura_text(page: str) -> str:
    return trafilatura.extract(page) or ""


SYSTEMS: dict[str, Callable[[str], str]] = {
    "newswire": newswire_text,
    "trafilatura": trafilatura_text,
}


def load(data: Path) -> list[tuple[str, dict, str]]:
    """(file, entry, HTML) for every page present."""
    root = data / "trafilatura-evaldata"
    entries = orjson.loads((root / "evaldata.json").read_bytes())
    pages = []
    for entry in entries.values():
        path = root / "pages" / f"{entry['file']}.gz"
        if path.exists():
            raw = gzip.decompress(path.read_bytes())
            pages.append((entry["file"], entry, raw.decode("utf-8", errors="replace")))
    return pages


def evaluate(pages: list[tuple[str, dict, str]]) -> dict[str, Score]:
    scores = {name: Score() for name in SYSTEMS}
    for name, system in SYSTEMS.items():
        score = scores[name]
        for file, entry, page in pages:
            started = time.perf_counter()
            text = system(page)
            score.seconds += time.perf_counter() - started
            score.pages += 1
            score.add(file, text, entry)
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--misses", type=int, default=0, help="list this many of newswire's misses")
    args = parser.parse_args(argv)
    if not (args.data / "trafilatura-evaldata").is_dir():
        print(f"html (real pages): {args.data} is not there (../shared/data/html); skipped")
        return 0
    pages = load(args.data)
    scores = evaluate(pages)
    if args.json:
        print(orjson.dumps({name: s.figures() for name, s in scores.items()}).decode())
        return 0
    print(f"html (real pages): {len(pages)} pages of trafilatura's evaluation set, snippets")
    for name, score in scores.items():
        f = score.figures()
        print(f"  {name:<12} P {f['precision']:.3f}  R {f['recall']:.3f}  F1 {f['f1']:.3f}"
              f"  ({f['ms_per_page']:.1f} ms/page)")  # fmt: skip
    theirs = {miss for miss in scores["trafilatura"].misses}
    for page, snippet in [m for m in scores["newswire"].misses if m not in theirs][: args.misses]:
        print(f"  missed by newswire only: {page}: {snippet!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
