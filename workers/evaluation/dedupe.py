"""`make eval` (dedupe): pairwise precision/recall/F1 of newswire's duplicate detection on
the generated labelled corpus, beside datasketch's MinHashLSH on the same stories.

    python -m workers.evaluation.dedupe [--json]

Both systems see the same cleaned bodies (newswire's cleaning runs first) in the
same order, and both use word 3-gram shingles of the folded text; datasketch gets
128 permutations and the same Jaccard threshold. Speeds are for the dedupe work
alone (signature, lookup, decision, insert), single-threaded.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

import orjson

from workers.evaluation.dedupe_corpus import Corpus, build
from workers.pipeline.core import Pipeline, PipelineOptions
from workers.pipeline.dedupe import DedupeOptions, Deduper, MemoryIndex
from workers.pipeline.normalize import fold
from workers.records import DuplicateNotice, Enriched, Origin


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int

    def row(self, name: str) -> str:
        return (
            f"{name:<34} {self.precision:9.4f} {self.recall:9.4f} {self.f1:9.4f}"
            f" {self.true_pairs:>8} {self.predicted_pairs:>8}"
        )


def pair_scores(truth: dict[str, str], predicted: dict[str, str], keep=lambda a, b: True) -> Scores:
    """Pairwise scores: a pair is positive when both stories share a group (cluster)."""

    def pairs(labels: dict[str, str]) -> set[tuple[str, str]]:
        by: dict[str, list[str]] = defaultdict(list)
        for story, label in labels.items():
            by[label].append(story)
        return {
            (a, b) for members in by.values() for a, b in combinations(sorted(members), 2)
            if keep(a, b)
        }  # fmt: skip

    true, pred = pairs(truth), pairs(predicted)
    tp = len(true & pred)
    precision = tp / len(pred) if pred else 1.0
    recall = tp / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, len(true), len(pred))


@dataclass
class Run:
    clusters: dict[str, str]
    exact: set[str]  # stories flagged as exact duplicates
    seconds: float


def run_newswire(corpus: Corpus) -> tuple[Run, dict[str, str]]:
    """The whole pipeline over the raw stories; also returns each cleaned body."""
    pipeline = Pipeline(PipelineOptions())
    index = MemoryIndex(10_000_000)
    clusters: dict[str, str] = {}
    exact: set[str] = set()
    bodies: dict[str, str] = {}
    for n, line in enumerate(corpus.raw_lines()):
        prepared = pipeline.prepare(line, None, Origin("eval", 0, n, 0.0))
        if isinstance(prepared.event, Enriched):
            bodies[prepared.event.id] = prepared.event.body
        decision = pipeline.decide(prepared, index.get)
        index.apply(decision.writes)
        outcome = decision.outcome
        if isinstance(outcome, Enriched):
            clusters[outcome.id] = outcome.cluster_id
        elif isinstance(outcome, DuplicateNotice):
            clusters[outcome.id] = outcome.cluster_id
            if outcome.match == "exact":
                exact.add(outcome.id)
    deduper = Deduper(DedupeOptions())
    timed = MemoryIndex(10_000_000)
    started = time.perf_counter()
    for n, (story_id, body) in enumerate(bodies.items()):
        verdict = deduper.decide(timed.get, story_id, f"t:{n}", deduper.candidate(body), 0.0)
        timed.apply(verdict.writes)
    seconds = time.perf_counter() - started
    return Run(clusters, exact, seconds), bodies


def run_datasketch(bodies: dict[str, str], threshold: float) -> Run:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    signatures: dict[str, MinHash] = {}
    clusters: dict[str, str] = {}
    started = time.perf_counter()
    for story_id, body in bodies.items():
        words = fold(body).split()
        shingles = {" ".join(words[i : i + 3]).encode() for i in range(len(words) - 2)}
        sig = MinHash(num_perm=128)
        sig.update_batch(list(shingles))
        best, best_j = None, threshold
        for candidate in lsh.query(sig):
            j = sig.jaccard(signatures[candidate])
            if j >= best_j:
                best, best_j = candidate, j
        clusters[story_id] = clusters[best] if best else story_id
        lsh.insert(story_id, sig)
        signatures[story_id] = sig
    return Run(clusters, set(), time.perf_counter() - started)


def report(corpus: Corpus, as_json: bool) -> dict[str, object]:
    truth = {s.id: s.group for s in corpus.stories}
    content = {s.id: s.content for s in corpus.stories}
    kind = {s.id: s.kind for s in corpus.stories}
    ours, bodies = run_newswire(corpus)
    theirs = run_datasketch(bodies, DedupeOptions().near.min_similarity)

    seen: set[str] = set()
    exact_truth: set[str] = set()
    for s in corpus.stories:
        if s.content in seen:
            exact_truth.add(s.id)
        seen.add(s.content)

    def near_only(a: str, b: str) -> bool:
        return content[a] != content[b]

    def merged(pairs: Iterable[tuple[str, str]], clusters: dict[str, str]) -> int:
        return sum(1 for a, b in pairs if clusters.get(a) == clusters.get(b))

    groups = Counter(truth.values())
    follow_ups = [(s.id, o.id) for s in corpus.stories if s.kind == "follow_up"
                  for o in corpus.stories if o.kind == "original"
                  and o.sentences == s.sentences[: len(o.sentences)]]  # fmt: skip
    shorts = [s.id for s in corpus.stories if s.kind == "short"]
    short_pairs = list(zip(shorts[0::2], shorts[1::2], strict=False))
    result: dict[str, object] = {
        "corpus": {
            "stories": len(corpus.stories),
            "kinds": dict(Counter(kind.values())),
            "near_duplicate_groups": sum(1 for g in groups.values() if g > 1),
            "same_event_pairs": len(corpus.same_event_pairs),
        },
        "newswire": {
            "all_pairs": vars(pair_scores(truth, ours.clusters)),
            "near_pairs": vars(pair_scores(truth, ours.clusters, near_only)),
            "exact_caught": len(exact_truth & ours.exact),
            "exact_total": len(exact_truth),
            "exact_false": len(ours.exact - exact_truth),
            "same_event_merged": merged(corpus.same_event_pairs, ours.clusters),
            "follow_ups_merged": merged(follow_ups, ours.clusters),
            "short_pairs_merged": merged(short_pairs, ours.clusters),
            "stories_per_second": len(bodies) / ours.seconds,
        },
        "datasketch": {
            "all_pairs": vars(pair_scores(truth, theirs.clusters)),
            "near_pairs": vars(pair_scores(truth, theirs.clusters, near_only)),
            "same_event_merged": merged(corpus.same_event_pairs, theirs.clusters),
            "follow_ups_merged": merged(follow_ups, theirs.clusters),
            "short_pairs_merged": merged(short_pairs, theirs.clusters),
            "stories_per_second": len(bodies) / theirs.seconds,
        },
    }
    if as_json:
        print(orjson.dumps(result).decode())
        return result
    c = result["corpus"]
    print(f"dedupe corpus: {c['stories']} stories {c['kinds']}")
    print(
        f"  {c['near_duplicate_groups']} groups with copies,"
        f" {c['same_event_pairs']} same-event pairs"
    )
    print(f"\n{'pairwise':<34} {'precision':>9} {'recall':>9} {'F1':>9} {'true':>8} {'found':>8}")
    for name, run in (("newswire", ours), ("datasketch MinHashLSH", theirs)):
        print(pair_scores(truth, run.clusters).row(f"{name}: all duplicates"))
        print(pair_scores(truth, run.clusters, near_only).row(f"{name}: near duplicates"))
    n = result["newswire"]
    d = result["datasketch"]
    print(f"\nexact duplicates flagged exact: {n['exact_caught']}/{n['exact_total']}, "
          f"wrongly flagged exact: {n['exact_false']}")  # fmt: skip
    print(f"wrongly merged (newswire / datasketch): same-event pairs {n['same_event_merged']}/"
          f"{d['same_event_merged']} of {len(corpus.same_event_pairs)}, follow-ups "
          f"{n['follow_ups_merged']}/{d['follow_ups_merged']} of {len(follow_ups)}, short pairs "
          f"{n['short_pairs_merged']}/{d['short_pairs_merged']} of {len(short_pairs)}")  # fmt: skip
    print(f"speed, dedupe only, one core: newswire {n['stories_per_second']:.0f} stories/s, "
          f"datasketch {d['stories_per_second']:.0f} stories/s")  # fmt: skip
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    report(build(), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
