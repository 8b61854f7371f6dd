"""`make eval`, cleaning: boilerplate removal line by line on the labelled corpus, and learning.

    python -m workers.evaluation.cleaning [--json] [--write corpus.jsonl]

1. The corpus (workers/evaluation/cleaning_corpus.py: 360 stories, 24 invented
   outlets, nine languages, every line labelled), twice: with site chrome drawn
   per story, and with each outlet printing its own template. Precision, recall
   and F1 of the lines cleaning removes, and the share of content lines lost, for
   - rules: the catalogue, repeats and the wire credit (a new outlet, nothing learned);
   - rules + learned: the same after the learner has seen 60 earlier stories of
     each outlet, written the same way (their story lines unique).
   Each per language, and the recall per kind of boilerplate: `heldout` lines
   were written after the rules had been fitted to the rest of the material and
   are measured without a rule written for them (the estimate for phrasing the
   catalogue has not seen). Also the share of datelines lifted into the field.
2. The learning curve: ten new outlets (Indonesian and English), their stories
   interleaved through the whole pipeline (dedupe included), each story with the
   outlet's own ad line, and one story per outlet republished 25 times: the
   share of stories whose ad line was cut, by how many stories of the outlet had
   been seen, and the content lines lost (the republished story's lines must
   never be learned).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable

import orjson

from workers.evaluation.cleaning_corpus import SEED, Line, Story, Writer, corpus, outlets
from workers.pipeline.boilerplate import Learner, load_nothing
from workers.pipeline.clean import CleanOptions, clean_body
from workers.pipeline.core import Pipeline, PipelineOptions
from workers.pipeline.dedupe import MemoryIndex
from workers.records import Enriched, Origin, Prepared

WARM_STORIES = 60
CURVE_OUTLETS = 10
CURVE_STORIES = 60
REPUBLISHED = 25
# The corpus twice: site chrome drawn per story, or each outlet's own template.
CORPORA = {"chrome drawn per story": False, "outlet templates": True}


def removed_flags(lines: Iterable[str], body: str) -> list[bool]:
    """For each input line, whether it is gone from the cleaned body (kept lines stay in
    order; a kept line may have lost its dateline, so it ends the input line)."""
    out = body.split("\n") if body else []
    j = 0
    flags = []
    for line in lines:
        line = line.strip()
        if j < len(out) and out[j] and line.endswith(out[j]):
            flags.append(False)
            j += 1
        else:
            flags.append(True)
    return flags


class Score:
    """Line counts: boilerplate removed / kept, content removed / kept."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[bool, bool]] = Counter()  # (is boilerplate, removed)

    def add(self, lines: Iterable[Line], removed: Iterable[bool]) -> None:
        for line, gone in zip(lines, removed, strict=True):
            self.counts[(line.boilerplate, gone)] += 1

    def summary(self) -> dict[str, float]:
        tp, fn = self.counts[(True, True)], self.counts[(True, False)]
        fp, tn = self.counts[(False, True)], self.counts[(False, False)]
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        return {
            "precision": p,
            "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "content_lost": fp / (fp + tn) if fp + tn else 0.0,
            "boilerplate_lines": tp + fn,
            "content_lines": fp + tn,
        }


def prepare(pipeline: Pipeline, n: int, story: Story) -> Prepared:
    """`story` as the n-th raw message of a stream, through the pipeline's prepare."""
    raw = {"id": f"s{n}", "source": story.source, "body": story.body}
    return pipeline.prepare(orjson.dumps(raw), None, Origin("eval", 0, n, 1.8e9))


def warm(learner: Learner, templated: bool) -> None:
    """Show `learner` WARM_STORIES earlier stories of every outlet."""
    for n, outlet in enumerate(outlets()):
        writer = Writer(outlet, random.Random(SEED - 1 - n), templated)
        for k in range(WARM_STORIES):
            story = writer.story()
            unique = [f"{outlet['source']} warm-up story {k}, line {i}." for i in range(5)]
            lines = [line.text for line in story.lines if line.boilerplate] + unique
            cleaned = clean_body("\n".join(lines), "text/plain", CleanOptions())
            _, sighting = learner.observe(outlet["source"], cleaned.body, load_nothing)
            learner.count(sighting, f"warm-up {outlet['source']} {k}", load_nothing)


def score_corpus(stories: list[Story], templated: bool) -> dict[str, object]:
    """Each story through the pipeline as a new story: its body after the rules, and
    after learned lines are cut (what the worker emits)."""
    pipeline = Pipeline(PipelineOptions())
    warm(pipeline.learner, templated)
    scores: dict[tuple[str, str], Score] = defaultdict(Score)
    kinds: dict[str, Counter[tuple[str, bool]]] = defaultdict(Counter)
    misses: dict[str, Counter[str]] = defaultdict(Counter)
    datelines: dict[str, Counter[bool]] = defaultdict(Counter)
    for n, story in enumerate(stories):
        event = prepare(pipeline, n, story).event
        assert isinstance(event, Enriched)
        learned, _ = pipeline.cut_learned(event, load_nothing)
        outcomes = {"rules": event, "rules+learned": learned}
        texts = [line.text for line in story.lines]
        for system, outcome in outcomes.items():
            if story.dateline:
                datelines[system][outcome.dateline is not None] += 1
            flags = removed_flags(texts, outcome.body)
            for key in ((system, "all"), (system, story.language)):
                scores[key].add(story.lines, flags)
            for line, gone in zip(story.lines, flags, strict=True):
                kinds[system][(line.kind, gone)] += 1
                if line.boilerplate != gone:
                    misses[system][f"{'kept' if line.boilerplate else 'cut'}: {line.text}"] += 1
    return {
        "scores": {"/".join(key): score.summary() for key, score in scores.items()},
        "removed_by_kind": {
            system: {
                kind: found[(kind, True)] / (found[(kind, True)] + found[(kind, False)])
                for kind in sorted({kind for kind, _ in found})
            }
            for system, found in kinds.items()
        },
        "datelines_lifted": {
            system: found[True] / max(1, found.total()) for system, found in datelines.items()
        },
        "misses": {system: found.most_common(12) for system, found in misses.items()},
    }


def curve() -> dict[str, object]:
    """Ad-line removal by stories seen from new outlets, through the whole pipeline."""
    pipeline = Pipeline(PipelineOptions())
    index = MemoryIndex(100_000)
    base = [o for o in outlets() if o["lang"] in ("id", "en")]
    writers = []
    for n in range(CURVE_OUTLETS):
        template = dict(base[n % len(base)])
        template["source"] = f"new-outlet-{n}.example"
        template["own_ad"] = f"{template['own_ad']} (promo {n})"
        writers.append(Writer(template, random.Random(SEED + 100 + n)))
    stream: list[tuple[int, int, Story]] = []  # (outlet, story number, story)
    republished = {}
    for k in range(CURVE_STORIES):
        for n, writer in enumerate(writers):
            story = writer.story(own_ad=1.0)
            stream.append((n, k, story))
            if k == 5:
                republished[n] = story
            if k >= 5 and k - 5 < REPUBLISHED:
                stream.append((n, -1, republished[n]))  # a republished copy
    cut_at: dict[int, list[int]] = defaultdict(list)
    lost = content = duplicates = 0
    for number, (_, k, story) in enumerate(stream):
        prepared = prepare(pipeline, number, story)
        decision = pipeline.decide(prepared, index.get)
        pipeline.learn(decision)
        index.apply(decision.writes)
        event = decision.outcome
        if not isinstance(event, Enriched):
            duplicates += 1
            continue
        flags = removed_flags([line.text for line in story.lines], event.body)
        for line, gone in zip(story.lines, flags, strict=True):
            if not line.boilerplate:
                content += 1
                lost += gone
            elif line.kind == "own_ad" and k >= 0:
                cut_at[k].append(gone)
    rate = {k: sum(v) / len(v) for k, v in sorted(cut_at.items())}
    after = [gone for k, v in cut_at.items() if k >= 20 for gone in v]
    return {
        "ad_cut_by_stories_seen": rate,
        "ad_cut_after_20": sum(after) / len(after),
        "content_lost": lost / content,
        "content_lines": content,
        "duplicates": duplicates,
    }


def _row(name: str, s: dict[str, float]) -> str:
    return (
        f"{name:<26}P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}  "
        f"content lost {s['content_lost']:.2%} ({s['content_lines']} content, "
        f"{s['boilerplate_lines']} boilerplate lines)"
    )


def _report(result: dict[str, object], languages: list[str]) -> None:
    scores = result["scores"]
    for system in ("rules", "rules+learned"):
        print(_row(system, scores[f"{system}/all"]))
        cells = "  ".join(f"{lang} {scores[f'{system}/{lang}']['f1']:.3f}" for lang in languages)
        print(f"  F1 by language: {cells}")
        share = result["removed_by_kind"][system]
        print("  share removed by kind: " + "  ".join(f"{k} {v:.1%}" for k, v in share.items()))
        print(f"  datelines lifted into the field: {result['datelines_lifted'][system]:.1%}")
    for system, found in result["misses"].items():
        print(f"most frequent misses, {system}:")
        for text, count in found[:6]:
            print(f"  {count:>3}  {text[:110]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.add_argument(
        "--write", metavar="FILE", help="also write both labelled corpora (JSONL, one story a line)"
    )
    args = parser.parse_args(argv)
    corpora = {name: list(corpus(templated=templated)) for name, templated in CORPORA.items()}
    if args.write:
        with open(args.write, "wb") as f:
            for name, stories in corpora.items():
                for story in stories:
                    lines = [{"text": x.text, "label": x.kind} for x in story.lines]
                    row = {"corpus": name, "source": story.source, "language": story.language}
                    f.write(orjson.dumps({**row, "lines": lines}) + b"\n")
    results = {}
    for name, stories in corpora.items():
        languages = sorted({story.language for story in stories})
        print(
            f"\ncleaning, {name}: {len(stories)} stories, {len(outlets())} outlets, "
            f"{len(languages)} languages ({', '.join(languages)}); line-level, "
            "boilerplate = positive"
        )
        results[name] = score_corpus(stories, CORPORA[name])
        _report(results[name], languages)
    learned = curve()
    rate = learned["ad_cut_by_stories_seen"]
    points = "  ".join(f"{k + 1}:{rate[k]:.0%}" for k in (0, 10, 19, 20, 21, 30, 59))
    print(
        f"\nlearned boilerplate, {CURVE_OUTLETS} new outlets x {CURVE_STORIES} stories through "
        f"the pipeline (+{REPUBLISHED} republished copies each, {learned['duplicates']} "
        f"duplicates):\n  ad line cut in story k of the outlet: {points}\n"
        f"  after 20 distinct stories: {learned['ad_cut_after_20']:.1%}; content lines lost "
        f"{learned['content_lost']:.2%} of {learned['content_lines']}"
    )
    if args.json:
        print(orjson.dumps({**results, "learning": learned}).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
