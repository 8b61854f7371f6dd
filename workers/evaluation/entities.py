"""`make eval` (entities): conlleval-style scores of the shipped taggers on the dev splits.

    python -m workers.evaluation.entities [--json]

The dev splits ship with the repo (`data/ner-dev-*.conll.gz`, written by
`make train-ner` from the public sets): idner-news-2k's dev.txt for Indonesian,
every fifth article of MEN for English; the models never trained on them. Stories
are tagged whole, as the worker tags them (MEN article by article; idner has no
document marks, so sentence by sentence). Beside each model: the gazetteer alone.
Under each model, the 95% bootstrap interval of its F1: a dev split of a few
hundred names cannot tell apart scores closer than that. When the public sets
are at `../shared/data/ner`, the English model is also scored on the dev splits
of Universal NER English-EWT, GUM and CrossNER politics (never trained on): text
unlike MEN's, for how the model carries to other English.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

import orjson

from workers.evaluation.conll import Score, Sentence, documents, f1_interval, read_conll, score
from workers.pipeline.entities import EntityTagger, Gazetteer

DATA = Path(__file__).parent / "data"
DEV = {"id": DATA / "ner-dev-id.conll.gz", "en": DATA / "ner-dev-en.conll.gz"}
DEV_NAMES = {"id": "idner-news-2k dev.txt", "en": "MEN, every fifth article"}
PUBLIC = Path("../shared/data/ner")
OTHER_ENGLISH = {
    "UNER English-EWT dev (web text)": "uner-en-ewt/en_ewt-ud-dev.iob2",
    "GUM dev (Wikinews and other genres)": "gum/ner_iob2/gum_ner_dev.iob2",
    "CrossNER politics dev (Wikipedia)": "crossner-politics/ner_iob2/crossner_politics_dev.iob2",
}


def evaluate(tagging: EntityTagger, language: str, sentences: list[Sentence]) -> Score:
    return score(sentences, partial(tagging.names, language=language))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = parser.parse_args(argv)
    model = EntityTagger.load()
    baseline = EntityTagger(Gazetteer.load(), {})
    results: dict[str, dict[str, object]] = {}
    print(
        "entities: exact span and type, per type (precision recall F1); to reproduce the\n"
        "models and dev splits: make train-ner DATA=../shared/data/ner (docs/NER_MODEL.md)"
    )
    for language, path in DEV.items():
        dev = read_conll(path)
        tables = {
            "model": evaluate(model, language, dev).table(),
            "gazetteer": evaluate(baseline, language, dev).table(),
        }
        low, high = f1_interval([evaluate(model, language, [unit]) for unit in dev])
        results[language] = {"dev": DEV_NAMES[language], **tables, "model_f1_95": [low, high]}
        print(f"\n{language} ({DEV_NAMES[language]}, {len(dev)} stories or sentences)")
        print(f"{'':<12}" + "".join(f"{kind:>22}" for kind in ("PER", "ORG", "LOC", "all")))
        for name, table in tables.items():
            cells = "".join(
                f"  {t['precision']:.3f} {t['recall']:.3f} {t['f1']:.3f}" for t in table.values()
            )
            print(f"{name:<12}{cells}")
        print(f"model F1, 95% interval (bootstrap over the {len(dev)}): {low:.3f}-{high:.3f}")
    if PUBLIC.is_dir():
        print("\nen, other English (F1 PER ORG LOC all)")
        for name, path in OTHER_ENGLISH.items():
            table = evaluate(model, "en", documents(read_conll(PUBLIC / path))).table()
            results[name] = table
            print(f"  {name:<38}" + "".join(f"{table[k]['f1']:>7.3f}" for k in table))
    if args.json:
        print(orjson.dumps(results).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
