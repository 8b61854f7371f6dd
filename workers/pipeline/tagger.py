"""A linear-chain CRF for people, organisations and places: the model, trained offline.

The tagger reads runs of candidate words and their features; every feature is a
weight row, and Viterbi picks the labels of each run (`crf.pyx`, compiled).
`docs/NER_MODEL.md` says how it was trained and scored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from io import BytesIO
from pathlib import Path

import numpy as np
import orjson

from workers.pipeline.crf import TEMPLATES, Run, Scorer, runs_of

Known = Callable[[list[str]], list[str]]  # the gazetteer feature of the words of a run


@dataclass
class Tagger:
    """Weights per feature and label, and per label pair; `tag` labels the runs of a text."""

    labels: tuple[str, ...]
    vocab: tuple[dict[str, int], ...]  # one per template: key -> row of weights
    weights: np.ndarray  # (rows, labels); row 0 is all zeros (unknown key)
    transitions: np.ndarray  # (labels, labels): from, to
    openers: frozenset[str]
    lexicon: dict[str, str]  # lowercase word -> the type it mostly has in data not trained on
    common: frozenset[str]  # words seen in lowercase in the middle of sentences
    scorer: Scorer = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.scorer = Scorer(
            self.labels, self.vocab, self.lexicon, self.common, self.weights, self.transitions
        )

    def tag(self, text: str, known: Known) -> list[tuple[Run, list[str]]]:
        """Each run of `text` with one IOB2 label per word."""
        runs = runs_of(text, self.openers)
        return list(zip(runs, self.scorer.best(runs, known), strict=True))

    def save(self, path: Path, meta: dict[str, object]) -> None:
        header = {
            "labels": self.labels,
            "openers": sorted(self.openers),
            "templates": TEMPLATES,
            "lexicon": self.lexicon,
            "common": sorted(self.common),
            "meta": meta,
        }
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float16),
            transitions=self.transitions,
            header=np.frombuffer(orjson.dumps(header), dtype=np.uint8),
            keys=np.frombuffer(orjson.dumps(self.vocab), dtype=np.uint8),
        )

    @classmethod
    def load(cls, source: Path | str) -> Tagger:
        """A tagger from a file, or by name ("id", "en") from the models shipped in the package."""
        if isinstance(source, Path):
            data = source.read_bytes()
        else:
            data = resources.files("workers.data").joinpath(f"ner-{source}.npz").read_bytes()
        with np.load(BytesIO(data)) as npz:
            header = orjson.loads(npz["header"].tobytes())
            vocab = tuple(orjson.loads(npz["keys"].tobytes()))
            weights = npz["weights"].astype(np.float32)
            transitions = npz["transitions"]
        if tuple(header["templates"]) != TEMPLATES:
            raise ValueError(f"{source}: model built for other feature templates")
        return cls(
            tuple(header["labels"]),
            vocab,
            weights,
            transitions,
            frozenset(header["openers"]),
            header["lexicon"],
            frozenset(header["common"]),
        )
