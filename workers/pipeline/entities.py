"""People, organisations and places in cleaned text: tagged, linked to canonical ids, grouped.

The trained tagger (`tagger.py`) finds and types names in the languages it has
a model for; the gazetteer links them to canonical entities ("Korsel", "South
Korea" -> Q884) and, in other languages, is the tagger. Dates, amounts and
percentages come from rules (`quantities.py`). Mentions of one entity are then
grouped, with where they appear and a salience score.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from operator import attrgetter

import orjson

from workers.pipeline.crf import TOKEN, Aliases, consistent, runs_of
from workers.pipeline.quantities import find_quantities
from workers.pipeline.tagger import Known, Tagger
from workers.records import Entity, EntityGroup

PERSON, ORGANIZATION, LOCATION = "PERSON", "ORGANIZATION", "LOCATION"
TYPES = {"PER": PERSON, "ORG": ORGANIZATION, "LOC": LOCATION}
SHORT = {long: short for short, long in TYPES.items()}
# Which shipped model tags which language. Latin-script languages that capitalise
# names and not other nouns borrow the English one (its features are mostly
# capitals and shapes); German and scripts without capitals get the gazetteer alone.
MODELS = {"id": "id", "ms": "id", "en": "en", "es": "en", "fr": "en", "pt": "en", "it": "en",
          "nl": "en"}  # fmt: skip
LEAD_CHARS = 400  # the lead: the story's opening, where the main actors are named
MAX_NAME_WORDS = 12  # longer "names" (all-caps bodies, tables) are not looked for again


@dataclass(frozen=True)
class Canonical:
    id: str
    name: str
    type: str


class Gazetteer:
    """Aliases of canonical entities, matched case-sensitively on whole tokens."""

    def __init__(self, entries: Iterable[Mapping[str, object]]) -> None:
        self._by_alias: dict[str, Canonical] = {}
        names = []
        for entry in entries:
            canonical = Canonical(str(entry["id"]), str(entry["name"]), str(entry["type"]))
            for alias in entry["aliases"]:  # type: ignore[attr-defined]
                if self._by_alias.setdefault(alias, canonical) is canonical:
                    names.append((tuple(TOKEN.findall(alias)), canonical))
        self._names = Aliases(names)
        # The tagger's gazetteer feature of a run's words: per word, its place in a
        # name ("B-LOCATION", "I-..." or ""). Compiled, as it is read for every run.
        self.known: Known = self._names.known

    @staticmethod
    @cache
    def load() -> Gazetteer:
        """The gazetteer shipped with the package (read once per process)."""
        data = resources.files("workers.data").joinpath("gazetteer.json").read_bytes()
        return Gazetteer(orjson.loads(data)["entities"])

    def canonical(self, alias: str) -> Canonical | None:
        return self._by_alias.get(alias)

    def matches(self, words: list[str]) -> list[tuple[int, int, Canonical]]:
        """Longest names first, left to right, as token spans (start, end, entity)."""
        return self._names.matches(words)


@cache
def _shipped_tagger(name: str) -> Tagger:
    return Tagger.load(name)


@dataclass(frozen=True)
class TagOptions:
    # Bounds the work and the event size on pathological input (e.g. all-caps bodies).
    max_entities: int = 1000


class EntityTagger:
    """Everything the entity stage needs, loaded once: the gazetteer and the models."""

    def __init__(self, gazetteer: Gazetteer, taggers: Mapping[str, Tagger]) -> None:
        self.gazetteer = gazetteer
        self.taggers = taggers

    @classmethod
    def load(cls) -> EntityTagger:
        """The shipped gazetteer and models."""
        return cls(Gazetteer.load(), {name: _shipped_tagger(name) for name in set(MODELS.values())})

    def names(self, text: str, language: str) -> list[tuple[int, int, str]]:
        """(start, end, type) of the people, organisations and places in `text`: the
        model's, or the gazetteer's in a language without one."""
        model = self.taggers.get(MODELS.get(language, ""))
        if model is None:
            return [(start, end, c.type) for start, end, c in self._gazetteer_names(text)]
        names = consistent(model.tag(text, self.gazetteer.known), MAX_NAME_WORDS)
        return [(start, end, TYPES[kind]) for start, end, kind in names]

    def linked_ids(self, text: str) -> set[str]:
        """The canonical ids of every gazetteer name in `text` (for short texts: headlines)."""
        return {canonical.id for _, _, canonical in self._gazetteer_names(text)}

    def _gazetteer_names(self, text: str) -> Iterator[tuple[int, int, Canonical]]:
        for run in runs_of(text, frozenset()):
            for first, last, canonical in self.gazetteer.matches(run.words):
                yield run.spans[first][0], run.spans[last - 1][1], canonical

    def tag(self, text: str, language: str, opts: TagOptions) -> list[Entity]:
        """Entities in `text`, in order, non-overlapping, each with ``text[start:end]``."""
        found = []
        for start, end, kind in self.names(text, language):
            name = text[start:end]
            canonical = self.gazetteer.canonical(_unbracketed(name))
            link = None
            # "Washington" the person is not the city; but "Russia" the actor ("Russia
            # said"), which the models often tag an organisation, is the country. Its
            # type stays the model's: retyped as a place, dev F1 fell (id 0.839 to
            # 0.838, en 0.806 to 0.804).
            if canonical is not None and (canonical.type == kind or _metonym(kind, canonical)):
                link = {"id": canonical.id, "name": canonical.name}
            found.append(Entity(name, kind, start, end, link))
        found.extend(_outside(found, find_quantities(text)))
        found.sort(key=attrgetter("start"))
        return found[: opts.max_entities]


def _metonym(kind: str, canonical: Canonical) -> bool:
    """A place named as an organisation: a country or city standing for its government."""
    return kind == ORGANIZATION and canonical.type == LOCATION


def _unbracketed(name: str) -> str:
    """The name without a bracketed part: "Bank Indonesia (BI)" links as "Bank Indonesia"."""
    cut = name.find(" (")
    return name if cut < 0 else name[:cut]


def _folded(text: str) -> str:
    """Tokens casefolded, space-separated, space-padded: how the headline check reads
    a headline and a name."""
    return f" {' '.join(TOKEN.findall(text.casefold()))} "


# Names recur from story to story ("Jakarta", "Bank Indonesia"): the most recent
# 10,000 are read once (about 2 MB).
_folded_name = lru_cache(maxsize=10_000)(_folded)


def _in_headline(folded: str, mentions: list[Entity], person: str) -> bool:
    """Whether the headline (`_folded`) says a mention's text, or a person's surname."""
    if person and f" {person.split()[-1].casefold()} " in folded:
        return True
    return any(_folded_name(m.text) in folded for m in mentions)


def _outside(names: list[Entity], quantities: list[Entity]) -> list[Entity]:
    """The quantities that overlap no name; both in order, names apart from each other."""
    out, i = [], 0
    for q in quantities:
        while i < len(names) and names[i].end <= q.start:
            i += 1  # names ending before q end before every later quantity too
        if i == len(names) or q.end <= names[i].start:
            out.append(q)
    return out


# Salience, 0 to 1, by (in the headline, in the lead, mentions up to 3): see group_entities.
_SALIENCE = {
    (headline, lead, n): round(0.4 * headline + 0.3 * lead + 0.1 * n, 3)
    for headline in (False, True)
    for lead in (False, True)
    for n in (1, 2, 3)
}


def group_entities(
    entities: list[Entity], headline: str, headline_ids: set[str]
) -> list[EntityGroup]:
    """One group per entity: linked mentions by id, a lone surname with its full name.

    Salience, 0 to 1: named in the headline (0.4: any alias of the entity, found by
    `EntityTagger.linked_ids`, or a mention's text, or a person's surname), in the
    lead (0.3), and how often (0.1 a mention, up to 0.3). Groups come most salient
    first. Headlines are not tagged: in title case and without context the model
    reads them poorly.
    """
    groups: dict[str, list[Entity]] = {}
    surnames: dict[str, str] = {}
    for e in entities:
        if e.type not in SHORT:
            continue  # dates, amounts and percentages are not entities to follow
        if e.canonical:
            key = e.canonical["id"]
        elif e.type == PERSON and e.text in surnames:
            key = surnames[e.text]
        else:
            key = f"{e.type}:{e.text.casefold()}"
        groups.setdefault(key, []).append(e)
        if e.type == PERSON and " " in e.text:
            surnames.setdefault(e.text.split()[-1], key)
    folded = _folded(headline) if headline else ""
    out = []
    for key, mentions in groups.items():
        first = mentions[0]
        if len(mentions) == 1:  # most entities are named once
            full, offsets = first.text, [[first.start, first.end]]
        else:
            full = max((m.text for m in mentions), key=len)
            offsets = [[m.start, m.end] for m in mentions]
        in_headline = key in headline_ids or (
            bool(folded) and _in_headline(folded, mentions, full if first.type == PERSON else "")
        )
        in_lead = first.start < LEAD_CHARS
        out.append(
            EntityGroup(  # by position: keywords cost twice the call, for ~40 groups a story
                key,
                first.canonical["name"] if first.canonical else full,
                first.type,
                len(mentions),
                offsets,
                in_headline,
                in_lead,
                _SALIENCE[in_headline, in_lead, min(len(mentions), 3)],
                first.canonical,
            )
        )
    out.sort(key=lambda g: (-g.salience, g.offsets[0][0]))
    return out
