"""Train the shipped entity taggers from the public NER sets (`make train-ner DATA=...`).

    python -m workers.training.ner ../shared/data/ner [--lang id|en] [--c1 0.3 --c2 0.05]

Needs the `train` extra (python-crfsuite). Fits a linear-chain CRF over the
tagger's feature templates on the runs of candidate words of the training sets,
read as the worker reads them (`workers/pipeline/crf.pyx`), keeps the weights of
features seen at least `MIN_COUNT` times, and writes
``workers/data/ner-<lang>.npz`` with its scores on the dev split. The dev splits
are idner-news-2k's dev.txt (Indonesian) and every fifth article of MEN
(English), never trained on.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workers.evaluation.conll import Sentence, documents, read_conll, spans, text_of, write_conll
from workers.evaluation.entities import DEV, evaluate
from workers.pipeline.crf import TEMPLATES, run_keys, runs_of
from workers.pipeline.entities import EntityTagger, Gazetteer
from workers.pipeline.tagger import Tagger
from workers.training.crfsuite import fitted

OUT = Path(__file__).resolve().parent.parent / "data"
MIN_COUNT = 2  # a feature seen once is noise, and doubles the model
MIN_LEXICON = 2  # occurrences of a word with its type before the lexicon lists it
MIN_COMMON = 3  # lowercase sightings that make a word common
MIN_OPENER = 3  # lowercase words seen opening a name at least this often become candidates
MEN = "men-malaysian-english-news/men.conll"


@dataclass(frozen=True)
class Corpus:
    train: tuple[str, ...]  # files under the data directory
    lexicon: tuple[str, ...]  # sets not trained on, read for the types their words have
    dev: str
    c1: float  # L1 and L2 regularisation, tuned on dev
    c2: float


ENGLISH_OTHERS = ("wikigold/wikigold.conll.txt", "btc/a.conll", "btc/b.conll", "btc/e.conll",
                  "btc/g.conll", "wnut17/wnut17train.conll")  # fmt: skip
CORPORA = {
    # idner-news-2k alone: NERGRIT's conventions ("desa X" is a place, government bodies
    # untagged in NERP) cost more than its size brings; both serve as lexicons instead.
    "id": Corpus(
        train=("idner-news-2k/train.txt",),
        lexicon=(
            "indonlu-nerp/train_preprocess.txt",
            "indonlu-nergrit/train_preprocess.txt",
            MEN,
            *ENGLISH_OTHERS,
        ),
        dev="idner-news-2k/dev.txt",
        c1=0.3,
        c2=0.05,
    ),
    # The English news of the CoNLL kind is not to be had under a free licence: web text
    # (Universal NER's English-EWT), Wikinews and other GUM genres, defence reporting
    # (re3d) and politics on Wikipedia (CrossNER) widen what MEN alone teaches (on the
    # dev splits of EWT, GUM and CrossNER: F1 +0.06 to +0.09; MEN's own -0.002).
    "en": Corpus(
        train=(
            MEN,
            "wikigold/wikigold.conll.txt",
            "btc/g.conll",
            "uner-en-ewt/en_ewt-ud-train.PRERELEASE-2022-12.iob2",
            "gum/ner_iob2/gum_ner_train.iob2",
            "re3d/ner_iob2/re3d_permissive_named.iob2",
            "crossner-politics/ner_iob2/crossner_politics_train.iob2",
        ),
        lexicon=(
            "btc/a.conll",
            "btc/b.conll",
            "btc/e.conll",
            "wnut17/wnut17train.conll",
            "indonlu-nergrit/train_preprocess.txt",
            "idner-news-2k/train.txt",
        ),
        dev=MEN,
        c1=0.1,
        c2=0.1,
    ),
}


def held_out(path: str, sentence: Sentence) -> bool:
    """MEN has no dev split: every fifth article is ours."""
    return path == MEN and sentence.doc % 5 == 0


@dataclass(frozen=True)
class Lexicons:
    """What the tagger knows of words beyond its weights (see `crf.word_keys`)."""

    types: dict[str, str]
    common: frozenset[str]


def load(data: Path, corpus: Corpus) -> tuple[list[Sentence], list[Sentence], Lexicons]:
    def read(paths: tuple[str, ...]) -> list[Sentence]:
        return [s for path in paths for s in read_conll(data / path) if not held_out(path, s)]

    train, others = read(corpus.train), read(corpus.lexicon)
    dev = [s for s in read_conll(data / corpus.dev) if corpus.dev != MEN or held_out(MEN, s)]
    return train, documents(dev), Lexicons(lexicon(others), common_words([*train, *others]))


def openers(train: list[Sentence]) -> frozenset[str]:
    counts: Counter[str] = Counter()
    for s in train:
        for i, tag in enumerate(s.tags):
            word = s.words[i]
            opens = tag.startswith("B-") and word[:1].islower()
            if opens and i + 1 < len(s.words) and s.words[i + 1][:1].isupper():
                counts[word.lower()] += 1
    return frozenset(w for w, n in counts.items() if n >= MIN_OPENER)


def lexicon(sentences: list[Sentence]) -> dict[str, str]:
    """Words that carry one type in most of their occurrences (at least `MIN_LEXICON`)."""
    seen: dict[str, Counter[str]] = {}
    for s in sentences:
        for word, tag in zip(s.words, s.tags, strict=True):
            seen.setdefault(word.lower(), Counter())[tag[2:] or "O"] += 1
    out = {}
    for word, counts in seen.items():
        kind, n = counts.most_common(1)[0]
        if kind != "O" and n >= MIN_LEXICON and n * 2 > counts.total():
            out[word] = kind
    return out


def common_words(sentences: list[Sentence]) -> frozenset[str]:
    """Words seen lowercase mid-sentence at least `MIN_COMMON` times, in cased sets only."""
    counts: Counter[str] = Counter()
    for s in sentences:
        if not any(w[:1].isupper() for w in s.words):
            continue  # a lowercased set (NERP) would make every name look common
        counts.update(w for w in s.words[1:] if w[:1].islower())
    return frozenset(w for w, n in counts.items() if n >= MIN_COMMON)


def runs(
    train: list[Sentence], opening: frozenset[str], lex: Lexicons
) -> Iterator[tuple[list[list[str]], list[str]]]:
    """Each run of candidate words as a CRF sequence: attributes and labels.

    The runs are found in the sentence's text exactly as the worker finds them; a
    word takes the label of the gold entity it falls in.
    """
    gazetteer = Gazetteer.load()
    for sentence in train:
        text, words = text_of(sentence)
        entity_at = {}
        for first, last, kind in spans(sentence.tags):
            for i in range(words[first][0], words[last - 1][1]):
                entity_at[i] = (first, kind)
        for run in runs_of(text, opening):
            known = gazetteer.known(run.words)
            seq = [
                [f"{t}={key}" for t, key in enumerate(keys)]
                for keys in run_keys(run, lex.types, lex.common, known)
            ]
            labels, previous = [], None
            for start, _ in run.spans:
                entity = entity_at.get(start)
                if entity is None:
                    labels.append("O")
                else:
                    labels.append(("I-" if entity == previous else "B-") + entity[1])
                previous = entity
            yield seq, labels


def fit(train: list[Sentence], lex: Lexicons, c1: float, c2: float) -> Tagger:
    import pycrfsuite

    opening = openers(train)
    trainer = pycrfsuite.Trainer(verbose=False)
    for seq, labels in runs(train, opening, lex):
        trainer.append(seq, labels)
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": 200, "feature.minfreq": MIN_COUNT})
    info = fitted(trainer)
    labels = tuple(sorted(info.labels, key=info.labels.get))
    index = {label: i for i, label in enumerate(labels)}
    vocab: list[dict[str, int]] = [{} for _ in TEMPLATES]
    rows: dict[str, int] = {}
    for attribute, _ in info.state_features:
        if attribute not in rows:
            t, _, key = attribute.partition("=")
            rows[attribute] = vocab[int(t)][key] = len(rows) + 1  # row 0: unknown key
    weights = np.zeros((len(rows) + 1, len(labels)), dtype=np.float32)
    for (attribute, label), w in info.state_features.items():
        weights[rows[attribute], index[label]] = w
    transitions = np.zeros((len(labels), len(labels)), dtype=np.float32)
    for (before, after), w in info.transitions.items():
        transitions[index[before], index[after]] = w
    # Stored as float16: scored as stored.
    weights = weights.astype(np.float16).astype(np.float32)
    return Tagger(labels, tuple(vocab), weights, transitions, opening, lex.types, lex.common)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="the ner directory of the public data sets")
    parser.add_argument("--lang", choices=sorted(CORPORA), action="append")
    parser.add_argument("--c1", type=float, help="L1 regularisation (default: the tuned value)")
    parser.add_argument("--c2", type=float, help="L2 regularisation (default: the tuned value)")
    parser.add_argument("--out", type=Path, default=OUT, help="where ner-<lang>.npz goes")
    args = parser.parse_args(argv)
    for lang in args.lang or sorted(CORPORA):
        corpus = CORPORA[lang]
        train, dev, lex = load(args.data, corpus)
        started = time.perf_counter()
        c1 = corpus.c1 if args.c1 is None else args.c1
        c2 = corpus.c2 if args.c2 is None else args.c2
        tagger = fit(train, lex, c1, c2)
        table = evaluate(EntityTagger(Gazetteer.load(), {lang: tagger}), lang, dev).table()
        meta = {
            "language": lang,
            "train": list(corpus.train),
            "dev": corpus.dev + (" (every fifth article)" if corpus.dev == MEN else ""),
            "c1": c1,
            "c2": c2,
            "train_sentences": len(train),
            "features": int(tagger.weights.shape[0]),
            "dev_scores": table,
        }
        path = args.out / f"ner-{lang}.npz"
        tagger.save(path, meta)
        write_conll(DEV[lang], dev)
        print(
            f"{lang}: {len(train)} sentences, {tagger.weights.shape[0]} features, "
            f"{time.perf_counter() - started:.0f} s; dev F1 {table['all']['f1']:.4f} "
            f"(PER {table['PER']['f1']:.4f} ORG {table['ORG']['f1']:.4f} "
            f"LOC {table['LOC']['f1']:.4f}) -> {path}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
