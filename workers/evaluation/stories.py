"""`make eval`: story clustering on articles grouped by event, beside a plain baseline.

    python -m workers.evaluation.stories [--data ../shared/data/stories] [--json]

Two public sets (`../shared/data/stories/README.md`; absent, this says so and exits 0):

- **monolingual**: ECB+ (772 English news articles, 35 topics, each with two different
  events of one kind: two earthquakes, two acquisitions): the hard case, same words
  and same kinds of entities, different event. Dev: the odd topics; test: the even.
  No timestamps, so the window cannot help; each split is one stream in a fixed
  shuffled order.
- **cross-lingual**: ITN blurbs (one sentence each, from Wikipedias' "In the news")
  in Indonesian, Malay and English, grouped by the Wikidata id of the event, in time
  order. Dev and test split by the event id's hash.

Each article goes through the real pipeline (`Pipeline.prepare`: cleaning, language,
entities) and then the story stage, as in the worker. Reported: B-cubed precision,
recall and F1 and the adjusted Rand index, for newswire and for single-pass TF-IDF
cosine clustering per language (each article joins the most similar cluster centroid
of its language, or opens one), whose threshold is tuned on dev the same way.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from workers.pipeline.core import Pipeline, PipelineOptions
from workers.pipeline.dedupe import MemoryIndex
from workers.records import Enriched, Origin
from workers.stories.assign import StoryOptions, cosine
from workers.stories.stage import StoryStage

DATA = Path("../shared/data/stories")
THRESHOLDS = [round(0.05 * i, 2) for i in range(2, 16)]
LINKER = Pipeline(PipelineOptions())  # its gazetteer, for the stage's linked ids
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Article:
    id: str
    label: str  # the gold event
    text: str
    headline: str
    time: float
    source: str


def ecbplus(data: Path, split: str) -> list[Article]:
    articles = []
    for line in (data / "ecbplus" / "ecbplus_docs.jsonl").read_bytes().splitlines():
        doc = orjson.loads(line)
        if (doc["topic"] % 2 == 1) != (split == "dev"):
            continue
        sentences = [s.replace("``", '"').replace("''", '"') for s in doc["sentences"]]
        source = (doc.get("url") or doc["doc_id"]).split("/")[2 if doc.get("url") else 0]
        articles.append(
            Article(doc["doc_id"], doc["event_cluster"], "\n".join(sentences[1:]) or sentences[0],
                    sentences[0], 0.0, source)
        )  # fmt: skip
    random.Random(7).shuffle(articles)
    return articles


def itn(data: Path, split: str, languages: Sequence[str] = ("id", "ms", "en")) -> list[Article]:
    articles = []
    for n, line in enumerate((data / "itn" / "itn_blurbs.jsonl").read_bytes().splitlines()):
        blurb = orjson.loads(line)
        if blurb["lang"] not in languages:
            continue
        in_dev = hashlib.blake2b(blurb["qid"].encode()).digest()[0] % 2 == 0
        if in_dev != (split == "dev"):
            continue
        text, source = blurb["blurb_text"].strip(), f"{blurb['lang']}.wikipedia"
        articles.append(Article(f"itn-{n}", blurb["qid"], text, text, blurb["timestamp"], source))
    articles.sort(key=lambda a: a.time)
    return articles


def enrich(pipeline: Pipeline, articles: Iterable[Article]) -> list[tuple[Article, Enriched]]:
    """Each article through the stateless pipeline, as the worker prepares it."""
    done = []
    for i, a in enumerate(articles):
        raw = {"id": a.id, "body": a.text, "headline": a.headline, "source": a.source}
        event = pipeline.prepare(orjson.dumps(raw), None, Origin("eval", 0, i, a.time)).event
        if isinstance(event, Enriched):
            done.append((a, event))
    return done


def newswire(stream: list[tuple[Article, Enriched]], threshold: float) -> list[str]:
    """The story of each article, as the decide step assigns them."""
    stage = StoryStage(StoryOptions(min_similarity=threshold), LINKER.entities.linked_ids)
    index = MemoryIndex(10_000_000)
    assigned = []
    for article, enriched in stream:
        found = stage.index.assign(index.get, enriched.id, stage.evidence(enriched), article.time)
        index.apply(found.writes)
        assigned.append(found.story.id)
    return assigned


def tfidf_baseline(stream: list[tuple[Article, Enriched]], threshold: float) -> list[str]:
    """Single-pass TF-IDF cosine clustering per language: document frequencies from the
    whole stream (which favours the baseline), each article to the nearest centroid of
    its language above the threshold, or a new cluster."""
    docs = [
        Counter(w.casefold() for w in WORD.findall(f"{e.headline or ''} {e.body}"))
        for _, e in stream
    ]
    df = Counter(w for d in docs for w in d)
    n = len(docs)
    centroids: dict[str, list[tuple[int, dict[str, float]]]] = defaultdict(list)
    assigned = []
    for (_, enriched), doc in zip(stream, docs, strict=True):
        vector = {w: c * math.log(n / df[w]) for w, c in doc.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vector = {w: v / norm for w, v in vector.items()}
        best, score = None, threshold
        for cid, centroid in centroids[enriched.language]:
            similarity = cosine(vector, centroid)
            if similarity >= score:
                best, score = cid, similarity
        if best is None:
            best = sum(len(c) for c in centroids.values())
            centroids[enriched.language].append((best, dict(vector)))
        else:
            centroid = next(c for cid, c in centroids[enriched.language] if cid == best)
            for w, v in vector.items():
                centroid[w] = centroid.get(w, 0.0) + v
        assigned.append(str(best))
    return assigned


def bcubed(gold: Sequence[str], found: Sequence[str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 (Bagga and Baldwin), averaged over items."""
    by_gold, by_found, both = Counter(gold), Counter(found), Counter(zip(gold, found, strict=True))
    p = sum(both[g, f] / by_found[f] for g, f in zip(gold, found, strict=True)) / len(gold)
    r = sum(both[g, f] / by_gold[g] for g, f in zip(gold, found, strict=True)) / len(gold)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def adjusted_rand(gold: Sequence[str], found: Sequence[str]) -> float:
    """Hubert and Arabie's adjusted Rand index from the contingency table."""

    def pairs(n: int) -> float:
        return n * (n - 1) / 2

    index = sum(pairs(n) for n in Counter(zip(gold, found, strict=True)).values())
    rows = sum(pairs(n) for n in Counter(gold).values())
    cols = sum(pairs(n) for n in Counter(found).values())
    expected = rows * cols / pairs(len(gold))
    top = (rows + cols) / 2
    return (index - expected) / (top - expected) if top != expected else 1.0


def scores(stream: list[tuple[Article, Enriched]], clusters: list[str]) -> dict[str, float]:
    gold = [a.label for a, _ in stream]
    p, r, f = bcubed(gold, clusters)
    return {"precision": p, "recall": r, "f1": f, "ari": adjusted_rand(gold, clusters)}


def evaluate(dev: list, test: list) -> dict[str, dict[str, object]]:
    """Each method's threshold tuned for B-cubed F1 on dev, then scored on test."""
    result: dict[str, dict[str, object]] = {}
    for name, method in (("newswire", newswire), ("tfidf", tfidf_baseline)):
        # The best dev F1 to three places; of equals, the higher threshold (fewer merges).
        tuned = max(THRESHOLDS, key=lambda t: (round(scores(dev, method(dev, t))["f1"], 3), t))
        started = time.perf_counter()
        clusters = method(test, tuned)
        per_article = (time.perf_counter() - started) / len(test) * 1e6
        result[name] = {"threshold": tuned, **scores(test, clusters), "us_per_article": per_article}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the stories data folder")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not (args.data / "ecbplus").is_dir():
        print(f"stories: {args.data} is not there (../shared/data/stories); skipped")
        return 0
    pipeline = LINKER
    sets = {
        "monolingual (ECB+, en)": (ecbplus(args.data, "dev"), ecbplus(args.data, "test")),
        "cross-lingual (ITN, id+ms+en)": (itn(args.data, "dev"), itn(args.data, "test")),
    }
    report = {}
    for name, (dev, test) in sets.items():
        dev_stream, test_stream = enrich(pipeline, dev), enrich(pipeline, test)
        report[name] = {"dev": len(dev_stream), "test": len(test_stream),
                        "events": len({a.label for a, _ in test_stream}),
                        **evaluate(dev_stream, test_stream)}  # fmt: skip
    if args.json:
        print(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
        return 0
    for name, figures in report.items():
        print(f"stories, {name}: {figures['test']} test articles in {figures['events']} events "
              f"({figures['dev']} dev)")  # fmt: skip
        for method in ("newswire", "tfidf"):
            m = figures[method]
            print(f"  {method:<9} B3 P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f}  "
                  f"ARI {m['ari']:.3f}  threshold {m['threshold']}  "
                  f"{m['us_per_article']:.0f} µs/article")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
