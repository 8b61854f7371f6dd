"""A labelled cleaning corpus, generated deterministically from material the team wrote.

Every line of every story is labelled content or boilerplate. The material
(data/cleaning_material.yaml) holds 24 invented outlets in nine languages (each
with a dateline style and an ad line of its own that no rule names), story
sentences for the languages the sentence pool lacks, the hard cases (real
sentences about ads, clicks, subscriptions, reading and photos; quotes;
one-line paragraphs; list items and stock-table rows; subheadings), and each
language's boilerplate. Indonesian and English story sentences come from the
shipped pool (real news, data/NOTICE.md), Malay ones from malay_paragraphs.txt.

A story: three to eight story sentences, sometimes a hard case or two, a
dateline on the first line in most, and, in all but one story in seven, one to
four boilerplate lines (now and then one of them twice) and the outlet's own ad
line in about half; a wire credit line at the end of some.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import orjson
import yaml

from workers.evaluation.language import malay_paragraphs

SEED = 20261130
STORIES_PER_OUTLET = 15
MONTHS = ("Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.")


@dataclass(frozen=True)
class Line:
    text: str
    boilerplate: bool
    kind: str  # content, hard, dateline; boilerplate: rule, heldout, own_ad, credit


@dataclass(frozen=True)
class Story:
    source: str
    language: str
    lines: tuple[Line, ...]
    dateline: bool  # the first line starts with a dateline

    @property
    def body(self) -> str:
        return "\n".join(line.text for line in self.lines)


def _data() -> Any:
    return resources.files("workers.evaluation") / "data"


@cache
def material() -> dict[str, Any]:
    return yaml.safe_load((_data() / "cleaning_material.yaml").read_text(encoding="utf-8"))


@cache
def sentences() -> dict[str, list[str]]:
    """Story sentences per language: the material's, plus the pools for id, en and ms."""
    found = {lang: list(spec["content"]) for lang, spec in material()["languages"].items()}
    with gzip.open(str(_data() / "news_sentences.jsonl.gz")) as f:
        for row in map(orjson.loads, f):
            if 60 <= len(row["text"]) <= 300 and row["text"][-1] in ".\"'":
                found[row["lang"]].append(row["text"])
    found["ms"] += malay_paragraphs()
    return found


class Writer:
    """Stories of one outlet, written with one random stream."""

    def __init__(self, outlet: dict[str, str], rng: random.Random) -> None:
        spec = material()
        self.outlet = outlet
        self.lang = spec["languages"][outlet["lang"]]
        self.agencies: list[str] = spec["agencies"]
        self.credits: list[str] = spec["credits"]
        self.pool = sentences()[outlet["lang"]]
        self.rng = rng

    def story(self, with_boilerplate: bool = True, own_ad: float = 0.5) -> Story:
        rng, lang = self.rng, self.lang
        lines = [Line(s, False, "content") for s in rng.sample(self.pool, rng.randint(3, 8))]
        for hard in rng.sample(lang["hard"], rng.choice((0, 0, 1, 2))):
            lines.insert(rng.randint(1, len(lines)), Line(hard, False, "hard"))
        dateline = rng.random() < 0.7
        if dateline:
            lines[0] = Line(f"{self._dateline()} {lines[0].text}", False, "dateline")
        if with_boilerplate:
            for _ in range(rng.randint(1, 4)):
                line = rng.choice(lang["boilerplate"]).format(
                    headline=rng.choice(lang["headlines"])
                )
                for _ in range(1 + (rng.random() < 0.15)):  # now and then twice
                    lines.insert(rng.randint(0, len(lines)), Line(line, True, "rule"))
            if rng.random() < 0.4:
                line = rng.choice(lang["heldout"]).format(headline=rng.choice(lang["headlines"]))
                lines.insert(rng.randint(0, len(lines)), Line(line, True, "heldout"))
            if rng.random() < own_ad:
                lines.insert(
                    rng.randint(1, len(lines)), Line(self.outlet["own_ad"], True, "own_ad")
                )
            if rng.random() < 0.3:
                lines.append(Line(rng.choice(self.credits), True, "credit"))
        return Story(self.outlet["source"], self.outlet["lang"], tuple(lines), dateline)

    def _boilerplate(self, kind: str) -> str:
        headline = self.rng.choice(self.lang["headlines"])
        return str(self.rng.choice(self.lang[kind]).format(headline=headline))

    def _dateline(self) -> str:
        city = self.rng.choice(self.lang["cities"])
        return self.outlet["dateline"].format(
            city=city,
            CITY=city.upper(),
            Agency=self.rng.choice(self.agencies),
            month=self.rng.choice(MONTHS),
            day=self.rng.randint(1, 28),
        )


def outlets() -> list[dict[str, str]]:
    return list(material()["outlets"])


def corpus(seed: int = SEED) -> Iterator[Story]:
    """The corpus: STORIES_PER_OUTLET stories of each outlet; one in seven with no boilerplate."""
    for n, outlet in enumerate(outlets()):
        writer = Writer(outlet, random.Random(seed + n))
        for k in range(STORIES_PER_OUTLET):
            yield writer.story(with_boilerplate=k % 7 != 3)
