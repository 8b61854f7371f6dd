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
dateline on the first line in most, and, in all but one story in seven, site
chrome, the outlet's own ad line in about half, and a wire credit line at the end
of some. The chrome comes in two ways, one corpus each:

- drawn per story (the default): one to four lines from the language's list, now
  and then one twice, and a held-out line in two stories of five. No outlet
  repeats a held-out line often, so learning cannot help with them: the rules
  alone are measured on phrasing they have not seen.
- outlet templates (`templated=True`): like a real site, each outlet prints its
  own template (two fixed lines from the language's list and one held-out line,
  each in four stories of five, now and then twice) and zero to two teasers of its
  one teaser format with a new headline each time.
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


def template(outlet: dict[str, str]) -> tuple[str, list[tuple[str, str]]]:
    """An outlet's page template, the same whatever the stream its stories are drawn
    with: its teaser format, and its fixed lines (format, kind)."""
    rng = random.Random(f"template {outlet['source']}")
    lang = material()["languages"][outlet["lang"]]
    teasers = [line for line in lang["boilerplate"] if "{headline}" in line]
    fixed = [line for line in lang["boilerplate"] if "{headline}" not in line]
    lines = [(line, "rule") for line in rng.sample(fixed, 2)]
    return rng.choice(teasers), [*lines, (rng.choice(lang["heldout"]), "heldout")]


class Writer:
    """Stories of one outlet, written with one random stream."""

    def __init__(self, outlet: dict[str, str], rng: random.Random, templated: bool = False) -> None:
        spec = material()
        self.outlet = outlet
        self.lang = spec["languages"][outlet["lang"]]
        self.agencies: list[str] = spec["agencies"]
        self.credits: list[str] = spec["credits"]
        self.pool = sentences()[outlet["lang"]]
        self.rng = rng
        self.template = template(outlet) if templated else None

    def story(self, with_boilerplate: bool = True, own_ad: float = 0.5) -> Story:
        rng, lang = self.rng, self.lang
        lines = [Line(s, False, "content") for s in rng.sample(self.pool, rng.randint(3, 8))]
        for hard in rng.sample(lang["hard"], rng.choice((0, 0, 1, 2))):
            lines.insert(rng.randint(1, len(lines)), Line(hard, False, "hard"))
        dateline = rng.random() < 0.7
        if dateline:
            lines[0] = Line(f"{self._dateline()} {lines[0].text}", False, "dateline")
        if with_boilerplate:
            if self.template is None:
                self._drawn_chrome(lines)
            else:
                self._template_chrome(lines, *self.template)
            if rng.random() < own_ad:
                lines.insert(
                    rng.randint(1, len(lines)), Line(self.outlet["own_ad"], True, "own_ad")
                )
            if rng.random() < 0.3:
                lines.append(Line(rng.choice(self.credits), True, "credit"))
        return Story(self.outlet["source"], self.outlet["lang"], tuple(lines), dateline)

    def _drawn_chrome(self, lines: list[Line]) -> None:
        rng, lang = self.rng, self.lang
        for _ in range(rng.randint(1, 4)):
            self._insert(lines, Line(self._fill(rng.choice(lang["boilerplate"])), True, "rule"))
        if rng.random() < 0.4:  # a held-out line, once
            line = self._fill(rng.choice(lang["heldout"]))
            lines.insert(rng.randint(0, len(lines)), Line(line, True, "heldout"))

    def _template_chrome(
        self, lines: list[Line], teaser: str, fixed: list[tuple[str, str]]
    ) -> None:
        for line, kind in fixed:
            if self.rng.random() < 0.8:
                self._insert(lines, Line(self._fill(line), True, kind))
        for _ in range(self.rng.randint(0, 2)):
            self._insert(lines, Line(self._fill(teaser), True, "rule"))

    def _insert(self, lines: list[Line], line: Line) -> None:
        """Insert a chrome line somewhere, now and then twice."""
        for _ in range(1 + (self.rng.random() < 0.15)):
            lines.insert(self.rng.randint(0, len(lines)), line)

    def _fill(self, line: str) -> str:
        return line.format(headline=self.rng.choice(self.lang["headlines"]))

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


def corpus(seed: int = SEED, templated: bool = False) -> Iterator[Story]:
    """The corpus: STORIES_PER_OUTLET stories of each outlet; one in seven with no boilerplate."""
    for n, outlet in enumerate(outlets()):
        writer = Writer(outlet, random.Random(seed + n), templated)
        for k in range(STORIES_PER_OUTLET):
            yield writer.story(with_boilerplate=k % 7 != 3)
