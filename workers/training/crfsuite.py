"""Fitting with python-crfsuite (the `train` extra), shared by the trainers."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any


def fitted(trainer: Any) -> Any:
    """Train `trainer` (a `pycrfsuite.Trainer` with its items and parameters) and return
    the fitted model's `info()`: its labels, state features and transitions."""
    import pycrfsuite

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "model")
        trainer.train(path)
        tagger = pycrfsuite.Tagger()
        tagger.open(path)
        info = tagger.info()
        tagger.close()
    return info
