"""Train the line model (`workers/pipeline/lines.py`) and write `workers/data/lines.json`.

    python -m workers.training.lines [--shared ../shared/data] [--max-content-loss 0.0003]

Needs the `train` extra (python-crfsuite, here a maximum-entropy classifier: one
line, one item). Chrome (positive): the survey's real outlets' lines fitted to
(`dev`; the held-out ones are never trained on), the team's lines of the same
kinds in other wordings (`chrome_lines.txt`), the rules' examples, and the
cleaning material's boilerplate (not its held-out lines nor its outlets' own ads,
which `make eval` measures). Story (negative): the rules' counter-examples, the
cleaning material's content and hard cases, the shipped sentence pool, and from
`../shared/data`: the Indonesian and Malaysian English news NER sets' sentences,
the must-keep snippets of every other real HTML page, ECB+ topics 1-20.

A fifth of each side is held back from training: the threshold is the lowest
score that keeps the held-back story lines' loss at or under
`--max-content-loss`, and the held-back chrome's recall at it is reported. Content
never trained on or tuned with (`make eval`): idner-news-2k's dev split, ECB+
topics 21-35, the ITN blurbs, the other half of the HTML pages.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from pathlib import Path

import orjson
import yaml

from workers.evaluation.conll import read_conll, text_of
from workers.evaluation.outlet_lines import survey
from workers.pipeline.lines import MODEL, LineModel, features
from workers.pipeline.normalize import fold
from workers.pipeline.rules import RULES
from workers.training.crfsuite import fitted

DATA = Path(__file__).resolve().parent.parent / "evaluation" / "data"
SEED = 7
POSITIVE_COPIES = 8  # chrome lines are few; each counts this many times
MIN_WEIGHT = 0.01
NER_NEWS = (
    "idner-news-2k/train.txt",
    "indonlu-nergrit/train_preprocess.txt",
    "indonlu-nerp/train_preprocess.txt",
)
MEN = "men-malaysian-english-news/men.conll"
ECB_TRAIN_TOPICS = range(1, 21)


def chrome_lines() -> list[str]:
    lines = [line for o in survey() if o["split"] == "dev" for _, line in o["lines"]]
    written = (Path(__file__).parent / "chrome_lines.txt").read_text(encoding="utf-8")
    lines += [line for line in written.splitlines() if line and not line.startswith("# ")]
    lines += [example for rule in RULES for example in rule.examples]
    material = yaml.safe_load((DATA / "cleaning_material.yaml").read_text(encoding="utf-8"))
    for lang in material["languages"].values():
        headlines = lang.get("headlines") or ["Harga minyak naik"]
        for line in lang.get("boilerplate", []):
            lines.append(line.replace("{headline}", headlines[len(lines) % len(headlines)]))
    return lines


def story_lines(shared: Path | None) -> list[str]:
    lines = [keep for rule in RULES for keep in rule.keep]
    material = yaml.safe_load((DATA / "cleaning_material.yaml").read_text(encoding="utf-8"))
    for lang in material["languages"].values():
        lines += lang.get("content", []) + lang.get("hard", [])
    with gzip.open(DATA / "news_sentences.jsonl.gz", "rt", encoding="utf-8") as f:
        lines += [json.loads(row)["text"] for row in f]
    if shared is None:
        return lines
    for name in NER_NEWS:
        lines += [text_of(s)[0] for s in read_conll(shared / "ner" / name)]
    men = read_conll(shared / "ner" / MEN)
    lines += [text_of(s)[0] for s in men]  # its dev articles are in the pool's test too
    pages = orjson.loads((shared / "html/trafilatura-evaldata/evaldata.json").read_bytes())
    for i, page in enumerate(pages.values()):
        if i % 2 == 0:
            lines += page.get("with", [])
    with open(shared / "stories/ecbplus/ecbplus_docs.jsonl", encoding="utf-8") as f:
        for row in map(json.loads, f):
            if row["topic"] in ECB_TRAIN_TOPICS:
                lines += row["sentences"]
    return lines


def fit(chrome: list[str], story: list[str]) -> LineModel:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for line in chrome:
        for _ in range(POSITIVE_COPIES):
            trainer.append([[*features(line, fold(line)), "bias"]], ["chrome"])
    for line in story:
        trainer.append([[*features(line, fold(line)), "bias"]], ["story"])
    trainer.set_params({"c1": 0.0, "c2": 1.0, "max_iterations": 300})
    info = fitted(trainer)
    weights: dict[str, float] = {}
    for (attribute, label), w in info.state_features.items():
        weights[attribute] = weights.get(attribute, 0.0) + (w if label == "chrome" else -w)
    bias = weights.pop("bias", 0.0)
    # Weights under MIN_WEIGHT change no score by more than a rounding: not shipped.
    return LineModel({k: v for k, v in weights.items() if abs(v) >= MIN_WEIGHT}, bias, 0.0)


def threshold(model: LineModel, story: list[str], max_loss: float) -> float:
    """The lowest threshold at which the share of `story` lines scored above it is at
    most `max_loss`."""
    scores = sorted((model.score(line, fold(line)) for line in story), reverse=True)
    allowed = int(max_loss * len(scores))
    return scores[allowed] if allowed < len(scores) else scores[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    parser.add_argument("--max-content-loss", type=float, default=0.0003)
    parser.add_argument("--out", type=Path, default=MODEL)
    args = parser.parse_args(argv)
    shared = args.shared if args.shared.is_dir() else None
    if shared is None:
        print(f"{args.shared} is absent: training on the shipped data alone", file=sys.stderr)
    rng = random.Random(SEED)
    chrome, story = chrome_lines(), story_lines(shared)
    story = [line for line in story if 0 < len(fold(line)) <= 400]
    rng.shuffle(chrome)
    rng.shuffle(story)
    held_chrome, held_story = chrome[: len(chrome) // 5], story[: len(story) // 5]
    model = fit(chrome[len(chrome) // 5 :], story[len(story) // 5 :])
    cut = threshold(model, held_story, args.max_content_loss)
    recall = sum(model.score(line, fold(line)) > cut for line in held_chrome) / len(held_chrome)
    model = LineModel(model.weights, model.bias, cut)
    meta = {
        "chrome_lines": len(chrome),
        "story_lines": len(story),
        "shared": str(shared) if shared else None,
        "max_content_loss": args.max_content_loss,
        "held_back_chrome_recall": round(recall, 4),
        "features": len(model.weights),
    }
    model.save(args.out, meta)
    print(json.dumps(meta), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
