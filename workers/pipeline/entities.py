"""People, organisations and places in cleaned text: tagged, linked to canonical ids, grouped.

The trained tagger (`tagger.py`) finds and types names in the languages it has
a model for; the gazetteer links them to canonical entities ("Korsel", "South
Korea" -> Q884) and, in other languages, is the tagger. Dates, amounts and
percentages come from rules (`quantities.py`). Mentions of one entity are then
grouped, with where they appear and a salience score.
"""

from __future__ import annotations

from bisect import bisect_right, insort
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
# The gazetteer's countries, capitals and provinces stand in for the model where it
# misses them; its GeoNames cities do not (many are words: "Batu", "Marina").
GEONAMES = "geonames:"
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
        tagged = model.tag(text, self.gazetteer.known)
        names = [(s, e, TYPES[k]) for s, e, k in consistent(tagged, MAX_NAME_WORDS)]
        # The gazetteer's places, in the runs where the model found a name.
        places = [
            (run.spans[first][0], run.spans[last - 1][1])
            for run, labels in tagged
            if labels.count("O") < len(labels)
            for first, last, canonical in self.gazetteer.matches(run.words)
            if canonical.type == LOCATION and not canonical.id.startswith(GEONAMES)
        ]
        return _with_places(names, places, text) if places else names

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
            if kind == PERSON and _only_titles(name):
                continue  # "Duta Besar", "Menteri Luar Negeri": an office, not a person
            canonical = self.gazetteer.canonical(_unbracketed(name))
            link = None
            # "Washington" the person is not the city; but "Russia" the actor ("Russia
            # said"), which the models often tag an organisation, is the country. Its
            # type stays the model's: retyped as a place, dev F1 fell (id 0.839 to
            # 0.838, en 0.806 to 0.804).
            if canonical is not None and (canonical.type == kind or _metonym(kind, canonical)):
                link = {"id": canonical.id, "name": canonical.name}
            found.append(Entity(name, kind, start, end, link))
        found.extend(_family_names(found, text))
        found.extend(_outside(found, find_quantities(text)))
        found.sort(key=attrgetter("start"))
        return found[: opts.max_entities]


# Words of titles and offices, in the languages of the models, folded: a "person" made
# of these alone is an office ("Duta Besar mengatakan ...", "the Prime Minister").
TITLE_WORDS = frozenset(
    """
    duta besar dubes menteri wakil presiden perdana gubernur bupati wali walikota kota
    kepala ketua direktur jenderal sekretaris juru bicara jubir raja ratu pangeran paus
    kaisar panglima kapolri kapolda kapolres jaksa agung hakim luar negeri dalam pertama
    utama ambassador envoy minister foreign prime deputy vice president secretary general
    governor mayor chairman chairwoman chair chief executive spokesman spokeswoman
    spokesperson king queen prince princess pope emperor senator commander director head
    mr mrs ms dr prof pak bu bapak ibu tuan nyonya datuk dato tun
    """.split()
)


def _with_places(
    names: list[tuple[int, int, str]], places: list[tuple[int, int]], text: str
) -> list[tuple[int, int, str]]:
    """The model's names, with the gazetteer's countries, capitals and provinces where
    the model read part of one ("Korea" of "Korea Utara") or an office before one as
    a name ("Duta Besar Rusia"); then such a place is that place wherever else the
    story names it ("bersama Rusia dan Korea Utara", untagged or in part), as
    `consistent` does for the model's own names. Where the model saw no place at
    all, its reading stands: the annotators of the news sets mostly saw none either
    ("militer Israel", "dolar AS"; tagging those cost 5 points of Indonesian dev F1)."""
    out = sorted(names)

    def settle(start: int, end: int, alone: bool) -> None:
        """The place at [start, end) replaces the one name it holds or that holds it
        after an office; with `alone`, it is added where no name is."""
        i = bisect_right([n[1] for n in out], start)  # the first name ending after start
        over = out[i] if i < len(out) and out[i][0] < end else None
        if over is None:
            if alone:
                insort(out, (start, end, LOCATION))
            return
        if (i + 1 < len(out) and out[i + 1][0] < end) or over[:2] == (start, end):
            return
        # The model's name a word or more short of the place ("Korea" of "Korea Utara");
        # "U.S" of "U.S." is the same name, its period read as the sentence's end.
        inside = (
            start <= over[0]
            and over[1] <= end
            and f" {text[start:end]} ".find(f" {text[over[0] : over[1]]} ") != -1
        )
        office = over[0] < start and over[1] == end and _only_titles(text[over[0] : start])
        if inside or office:
            out[i] = (start, end, LOCATION)

    for start, end in places:
        settle(start, end, alone=False)
    read = {text[s:e] for s, e, kind in out if kind == LOCATION}
    for place in read.intersection(text[s:e] for s, e in places):
        for start, end in list(_occurrences(text, place, 0, [])):
            settle(start, end, alone=True)
    return out


def _occurrences(
    text: str, word: str, since: int, taken: list[tuple[int, int]]
) -> Iterator[tuple[int, int]]:
    """Where `word` stands alone in `text` from `since` on, clear of the sorted spans
    in `taken` (each found is added to them)."""
    start = text.find(word, since)
    while start != -1:
        end = start + len(word)
        i = bisect_right(taken, (start, end))
        if (
            not (start and (text[start - 1].isalnum() or text[start - 1] == "-"))
            and not (end < len(text) and (text[end].isalnum() or text[end] == "-"))
            and (i == 0 or taken[i - 1][1] <= start)
            and (i == len(taken) or taken[i][0] >= end)
        ):
            insort(taken, (start, end))
            yield start, end
        start = text.find(word, end)


def _only_titles(name: str) -> bool:
    words = _folded(name).split()
    return bool(words) and all(word in TITLE_WORDS for word in words)


def _family_names(found: list[Entity], text: str) -> list[Entity]:
    """A person's family name alone after the full name ("Park menyebut ..." after
    "Park Jin-woo"), where the model left it out: the person again."""
    people = [e for e in found if e.type == PERSON and " " in e.text]
    if not people:
        return []
    taken = sorted((e.start, e.end) for e in found)
    out: list[Entity] = []
    for person in people:
        word = family_name(person.text)
        for start, end in _occurrences(text, word, person.end, taken):
            out.append(Entity(word, PERSON, start, end, None))
    return out


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


# Family names written first (Korean, Chinese, Vietnamese names): "Kim Hong-kyun" is
# "Kim" later in the story, "Cho Tae-yul" is "Cho".
FAMILY_FIRST = frozenset(
    """
    kim lee park choi cho chung jung jeong kang yoon yun jang chang lim han oh seo shin
    kwon hwang ahn song yoo hong jeon ko moon ryu xi li wang zhang liu chen yang huang zhao
    wu zhou xu sun ma zhu hu guo he lin luo gao zheng liang xie tang feng deng cao peng
    nguyen tran le pham hoang phan vu vo dang bui do ho ngo duong ly
    """.split()
)


def family_name(name: str) -> str:
    """The word a later lone mention of this person uses: the first for a name whose
    family name comes first (a known family name, or a hyphenated given name after
    it, "Hong-kyun"), else the last."""
    words = name.split()
    if words[0].casefold() in FAMILY_FIRST or (len(words) == 2 and "-" in words[1]):
        return words[0]
    return words[-1]


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
            surnames[family_name(e.text)] = key  # a later "Kim" is the latest Kim named
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
