"""`make eval` (real outlets' lines): the rules and learning on real articles.

    python -m workers.evaluation.outlet_lines [--json] [--misses]

The articles are real: the shipped sentence pool's 200 Malaysian English news
articles (MEN) and its Indonesian news sentences (idner-news-2k, NERGRIT), which
have no article bounds, in passages of 12 consecutive sentences (the English
articles' median); one sentence a line. Three measurements:

1. **Rules on real outlets' lines.** Each line of the survey
   (`data/outlet_lines.yaml`: what real outlets and wires print around their
   stories) is put into a real article of its language (Malay lines into
   Indonesian ones), once in the middle and once at the end, and cleaned as the
   worker cleans a plain-text story. Removed: the line is gone from the body (a
   wire credit lifted into `credit` counts). Reported apart for the lines the
   rules were fitted to (`dev`) and those held out (`heldout`), by class. Content
   lost: the article lines cleaning removed, over all articles, with and without
   the inserted lines.
2. **An outlet's own line, learned.** Six outlets each send a sixth of the
   articles in turn, through the whole pipeline (dedupe, stories, learning), each story with
   the outlet's own line no rule knows (a real outlet's slogan or promotion): at
   its end in every story (`steady`), or in four stories of five at a random
   place (`scattered`). The share of stories whose line was cut, by how many
   stories of the outlet came before, and from the 21st.
3. **A line many outlets carry, learned across sources.** The same articles from
   twenty outlets (ten each, none near 20), half of them ending with a wire's
   footer: the share of footers cut by how many footers came before; and the
   guard: the articles of one event, sent by many outlets with one quoted
   sentence, never lose it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import orjson
import yaml

from workers.evaluation.cleaning import removed_flags
from workers.evaluation.conll import read_conll, text_of
from workers.evaluation.entities import DEV
from workers.pipeline.boilerplate import LearnOptions
from workers.pipeline.clean import CleanOptions, clean_body
from workers.pipeline.core import Pipeline, PipelineOptions
from workers.pipeline.dedupe import MemoryIndex
from workers.records import Enriched, Origin
from workers.stories.stage import StoryStage

DATA = files("workers.evaluation") / "data"
SHARED = Path("../shared/data")
SEED = 20261208
OWN_OUTLETS = 6
CURVE_POINTS = (1, 5, 7, 10, 15, 20, 21, 30, 40, 60)  # stories of an outlet, reported
LONGEST = 100  # a "document" longer than this is a run of sentences, not an article
PASSAGE = 12  # ... cut into passages of this many sentences (the articles' median)
CROSS_OUTLETS = 20
# Real outlets' own recurring lines (slogans) that cleaning keeps (checked at run time):
# only learning can find them.
OWN_LINES = (
    "Tempo - Enak Dibaca dan Perlu",
    "The Jakarta Post - Always Independent",
    "Kompas.com - Jernih Melihat Dunia",
    "Malay Mail - Malaysian news, as it happens",
    "Republika - Optimistic Newsflow",
    "Malaysiakini - News and views that matter",
)
# A wire's footer, carried by the outlets that run its copy.
FOOTER = "Kantor Berita Nusantara menyiarkan berita ini untuk pelanggannya di seluruh Indonesia"
QUOTE = '"Kami akan membangun kembali pasar ini dalam enam bulan," kata wali kota itu.'


@dataclass(frozen=True)
class Article:
    lang: str
    lines: tuple[str, ...]


def articles() -> list[Article]:
    """The pool's articles, in the pool's order. The Indonesian sets come as one long
    run of sentences each, with no article bounds: cut into passages of PASSAGE."""
    docs: dict[tuple[str, int], list[str]] = defaultdict(list)
    langs: dict[tuple[str, int], str] = {}
    with gzip.open(str(DATA / "news_sentences.jsonl.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            docs[(row["src"], row["doc"])].append(row["text"])
            langs[(row["src"], row["doc"])] = row["lang"]
    out = []
    for key, lines in docs.items():
        step = PASSAGE if len(lines) > LONGEST else len(lines)
        out += [Article(langs[key], tuple(lines[i : i + step])) for i in range(0, len(lines), step)]
    return [article for article in out if len(article.lines) >= 3]


def survey() -> list[dict]:
    return yaml.safe_load((DATA / "outlet_lines.yaml").read_text(encoding="utf-8"))


def gone(line: str, body: str) -> bool:
    return line.strip() not in body.split("\n")


def lost_lines(lines: list[str], body: str) -> list[bool]:
    """For each line, whether the body lost it: removed, and not kept elsewhere (a
    line printed twice in one article is kept once)."""
    kept = set(body.split("\n"))
    flags = removed_flags(lines, body)
    return [cut and line.strip() not in kept for line, cut in zip(lines, flags, strict=True)]


CLEANERS = {"rules": CleanOptions(line_model=False), "rules+model": CleanOptions()}


def unseen_content(shared: Path) -> list[Article]:
    """Real news the line model never trained on: idner-news-2k's dev split (shipped,
    in passages), and if `shared` is there, ECB+ topics 21-35 and the ITN blurbs."""
    sentences = [text_of(s)[0] for s in read_conll(DEV["id"])]
    out = [
        Article("id", tuple(sentences[i : i + PASSAGE])) for i in range(0, len(sentences), PASSAGE)
    ]
    ecb, itn = (
        shared / "stories/ecbplus/ecbplus_docs.jsonl",
        shared / "stories/itn/itn_blurbs.jsonl",
    )
    if ecb.exists():
        rows = map(json.loads, ecb.read_text(encoding="utf-8").splitlines())
        out += [Article("en", tuple(r["sentences"])) for r in rows if r["topic"] >= 21]
    if itn.exists():
        rows = map(json.loads, itn.read_text(encoding="utf-8").splitlines())
        out += [
            Article(r["lang"], (r["blurb_text"],)) for r in rows if r["lang"] in ("id", "en", "ms")
        ]
    return out


def content_lost(articles_: list[Article]) -> dict[str, float]:
    """Share of the articles' lines each cleaner loses."""
    lines = sum(len(a.lines) for a in articles_)
    out = {}
    for name, opts in CLEANERS.items():
        lost = 0
        for article in articles_:
            cleaned = clean_body("\n".join(article.lines), "text/plain", opts, "survey")
            lost += sum(lost_lines(list(article.lines), cleaned.body))
        out[name] = lost / lines
    return {**out, "lines": lines}


def rules_on_real_lines(pool: list[Article]) -> dict[str, object]:
    """Each survey line in the middle and at the end of a real article of its language,
    cleaned by the rules alone and by the rules and the line model."""
    rng = random.Random(SEED)
    by_lang = {lang: [a for a in pool if a.lang == lang] for lang in ("id", "en")}
    found: dict[str, Counter[bool]] = defaultdict(Counter)
    classes: dict[str, Counter[bool]] = defaultdict(Counter)
    misses: list[str] = []
    outlets: dict[str, set[str]] = defaultdict(set)
    lines_in: Counter[str] = Counter()
    for outlet in survey():
        split = outlet["split"]
        outlets[split].add(outlet["outlet"])
        hosts = by_lang["en" if outlet["lang"] == "en" else "id"]
        for kind, line in outlet["lines"]:
            lines_in[split] += 1
            article = rng.choice(hosts).lines
            half = len(article) // 2
            for lines in ([*article[:half], line, *article[half:]], [*article, line]):
                for name, opts in CLEANERS.items():
                    cleaned = clean_body("\n".join(lines), "text/plain", opts, "survey")
                    removed = gone(line, cleaned.body)
                    found[f"{split} {name}"][removed] += 1
                    if name == "rules+model":
                        classes[f"{split}/{kind}"][removed] += 1
                        if not removed:
                            misses.append(f"{split} {outlet['outlet']}: {line}")
    return {
        "removed": {key: c[True] / c.total() for key, c in sorted(found.items())},
        "lines": dict(lines_in),
        "outlets": {split: len(names) for split, names in outlets.items()},
        "removed_by_class": {k: c[True] / c.total() for k, c in sorted(classes.items())},
        "misses": sorted(set(misses)),
        "content_lost_pool": content_lost(pool),
    }


class Stream:
    """Stories through the whole pipeline as the worker runs them: dedupe, the story
    stage, learning."""

    def __init__(self, opts: LearnOptions | None = None) -> None:
        self.pipeline = Pipeline(PipelineOptions(learn=opts or LearnOptions()))
        self.stories = StoryStage(linked=self.pipeline.entities.linked_ids)
        self.index = MemoryIndex(100_000)
        self.n = 0

    def send(self, source: str, lines: list[str]) -> Enriched | None:
        self.n += 1
        raw = {"id": f"s{self.n}", "source": source, "body": "\n".join(lines)}
        origin = Origin("eval", 0, self.n, 1.8e9 + self.n)
        prepared = self.pipeline.prepare(orjson.dumps(raw), None, origin)
        decision = self.pipeline.decide(prepared, self.index.get)
        storied = self.stories.apply(prepared, decision, self.index.get, 1.8e9 + self.n)
        self.pipeline.learn(storied.decision)
        self.index.apply(storied.decision.writes)
        outcome = storied.decision.outcome
        return outcome if isinstance(outcome, Enriched) else None


def own_line_curve(pool: list[Article], scattered: bool) -> dict[str, object]:
    """Six outlets, each story with the outlet's own line: cut by stories seen before."""
    for line in (*OWN_LINES, FOOTER):
        kept = clean_body(line + "\nWarga pergi.", "text/plain", CleanOptions()).body
        assert line in kept, f"cleaning cuts {line!r}: not a learning test"
    rng = random.Random(SEED + scattered)
    stream = Stream()
    cut_at: dict[int, list[bool]] = defaultdict(list)
    lost = content = 0
    per = len(pool) // OWN_OUTLETS
    for k in range(per):
        for n in range(OWN_OUTLETS):
            lines = list(pool[n * per + k].lines)
            carries = not scattered or rng.random() < 0.8
            if carries:
                lines.insert(rng.randint(0, len(lines)) if scattered else len(lines), OWN_LINES[n])
            event = stream.send(f"outlet-{n}", lines)
            if event is None:
                continue
            if carries:
                cut_at[k + 1].append(gone(OWN_LINES[n], event.body))
            flags = lost_lines(lines, event.body)
            content += len(lines) - carries
            lost += sum(cut for line, cut in zip(lines, flags, strict=True) if line != OWN_LINES[n])
    after = [cut for k, cuts in cut_at.items() if k > 20 for cut in cuts]
    return {
        "cut_by_story": {k: sum(v) / len(v) for k, v in sorted(cut_at.items())},
        "cut_from_21st": sum(after) / len(after),
        "content_lost": lost / content,
    }


def cross_source_curve(pool: list[Article]) -> dict[str, object]:
    """Twenty outlets, half the stories ending with a wire's footer; then one event's
    stories from many outlets, each with one quote, after the footer was learned."""
    rng = random.Random(SEED + 7)
    stream = Stream()
    footers: list[bool] = []
    first_cut_at = None
    for k, article in enumerate(pool):
        lines = list(article.lines)
        wire = k % 2 == 0
        if wire:
            lines.append(FOOTER)
        event = stream.send(f"outlet-{rng.randrange(CROSS_OUTLETS)}", lines)
        if wire and event is not None:
            footers.append(gone(FOOTER, event.body))
            if footers[-1] and first_cut_at is None:
                first_cut_at = len(footers)
    # One event from twelve outlets: each tells it with other sentences of one long
    # article (not near copies of each other), and all quote one sentence.
    base = max(pool, key=lambda a: len(a.lines)).lines
    quote_kept = []
    for n in range(12):
        lines = [base[0], *base[1 + 4 * n : 5 + 4 * n], QUOTE]
        event = stream.send(f"outlet-{n}", lines)
        if event is not None:
            quote_kept.append(not gone(QUOTE, event.body))
    return {
        "footers": len(footers),
        "footer_first_cut_at": first_cut_at,
        "footer_cut_after_first_cut": sum(footers[first_cut_at:]) / len(footers[first_cut_at:])
        if first_cut_at
        else 0.0,
        "one_event_quote_kept": sum(quote_kept) / max(1, len(quote_kept)),
        "one_event_stories": len(quote_kept),
    }


def run(shared: Path = SHARED) -> dict[str, object]:
    pool = articles()
    return {
        "articles": len(pool),
        "rules": rules_on_real_lines(pool),
        "content_lost_unseen": content_lost(unseen_content(shared)),
        "own_line_steady": own_line_curve(pool, scattered=False),
        "own_line_scattered": own_line_curve(pool, scattered=True),
        "across_sources": cross_source_curve(pool),
    }


def report(result: dict, misses: bool) -> str:
    rules = result["rules"]
    pool, unseen = rules["content_lost_pool"], result["content_lost_unseen"]
    out = [
        f"real outlets' lines in {result['articles']} real articles (the shipped pool),"
        " each in the middle and at the end:",
        *(
            f"  {key:<20} {rules['lines'][key.split()[0]]} lines of"
            f" {rules['outlets'][key.split()[0]]} outlets: {share:.1%} removed"
            for key, share in rules["removed"].items()
        ),
        "  by class (rules+model): "
        + "  ".join(f"{k} {v:.0%}" for k, v in rules["removed_by_class"].items() if v < 1.0)
        + "  (the rest 100%)",
        "  content lines lost: "
        + "  ".join(f"{name} {pool[name]:.3%}" for name in CLEANERS)
        + f" of the pool's {pool['lines']} (the line model trained on them);"
        + "  ".join(f" {name} {unseen[name]:.3%}" for name in CLEANERS)
        + f" of {unseen['lines']} never trained on",
    ]
    if misses:
        out += [f"    kept: {line}" for line in rules["misses"]]
    for name in ("own_line_steady", "own_line_scattered"):
        curve = result[name]
        points = "  ".join(
            f"{k}:{v:.0%}" for k, v in curve["cut_by_story"].items() if k in CURVE_POINTS
        )
        out.append(
            f"an outlet's own line ({name.removeprefix('own_line_')}), cut in story k: {points};"
            f" from the 21st {curve['cut_from_21st']:.1%}; content lost {curve['content_lost']:.2%}"
        )
    cross = result["across_sources"]
    out.append(
        f"a wire's footer across {CROSS_OUTLETS} outlets: first cut at footer"
        f" {cross['footer_first_cut_at']} of {cross['footers']}, then"
        f" {cross['footer_cut_after_first_cut']:.0%}; one event's quote from"
        f" {cross['one_event_stories']} outlets kept in {cross['one_event_quote_kept']:.0%}"
    )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--misses", action="store_true", help="list the lines the rules kept")
    args = parser.parse_args(argv)
    result = run()
    print(json.dumps(result, indent=1) if args.json else report(result, args.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
