"""Tag people, organisations and places in cleaned text, with character offsets.

First version: a curated multilingual gazetteer (linked to canonical ids) plus
capitalisation with cue words for names it does not know. The entities issue
replaces the heuristics with a trained tagger and sets the quality bar.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import orjson

from workers.records import Entity

PERSON, ORGANIZATION, LOCATION = "PERSON", "ORGANIZATION", "LOCATION"

# Capitalised words that start sentences or name roles, not entities. A role
# word before a name ("Menteri ... Cho Tae-yul", "President Biden") marks a person.
ROLES = frozenset(
    """presiden wakil menteri duta besar penasihat juru bicara kepala direktur gubernur
    ketua sekretaris jenderal perdana utusan pertama luar negeri dalam keamanan nasional
    president vice minister prime ambassador deputy chief executive director governor
    chairman secretary general spokesperson spokesman spokeswoman adviser advisor envoy
    foreign national security senator mr mrs ms dr pak bu tuan nyonya sir keuangan kewangan
    pertahanan perdagangan kesehatan kesihatan pendidikan finance defence defense trade health
    education interior justice""".split()
)
STOP = ROLES | frozenset(
    """the a an this that these those it its he she they we i in on at for but and or if
    when while after before as by with from of to yes no not our their his her
    dia ia ini itu namun tetapi dan atau jika ketika setelah sebelum saat pada di ke
    dari untuk dengan mereka kami kita kami sementara menurut hal kata sebagai bahkan
    senin selasa rabu kamis jumat sabtu minggu januari februari maret april mei juni juli
    agustus september oktober november desember monday tuesday wednesday thursday friday
    saturday sunday january february march may june july august october december later
    earlier meanwhile however also then now today yesterday still since until kemudian
    sebelumnya selain sedangkan adapun lalu kini""".split()
)
ORG_CUES = frozenset(
    """pt tbk corporation corp inc ltd llc plc group bank kementerian kemlu ministry kedutaan
    embassy komisi commission partai party universitas university badan agency council dewan
    asosiasi association institute institut company airlines airways fund court pengadilan
    mahkamah polri polda tni army navy federation union bursa exchange holdings berhad
    bhd""".split()
)
LOC_BEFORE = frozenset(
    """di ke dari in at from near kota provinsi kabupaten city province region wilayah""".split()
)
SAID = frozenset("said says told kata ujar mengatakan menyatakan berkata".split())
CONNECTORS = "de|van|von|der|bin|binti|al|of|la|del|da|dos|el"
_CONNECTOR_WORDS = frozenset(CONNECTORS.split("|"))
_CAP = r"[A-Z\u00C0-\u00DE][\w'\u2019\-]*"
# The lookahead lets the engine skip positions without a capital before the lookbehind.
RUN = re.compile(rf"(?=[A-Z\u00C0-\u00DE])(?<![\w\-]){_CAP}(?: (?:(?:{CONNECTORS}) )?{_CAP})*")
TOKEN = re.compile(r"[\w'\u2019\-]+")
_SENTENCE_END = frozenset('.!?:"\u201c\u201d\n')
_ACRONYM = re.compile(r"[A-Z]{2,6}")


@dataclass(frozen=True)
class Canonical:
    id: str
    name: str
    type: str


class Gazetteer:
    """Aliases to canonical entities, matched case-sensitively as whole words."""

    def __init__(self, entries: list[dict[str, object]]) -> None:
        self._by_alias: dict[str, Canonical] = {}
        for entry in entries:
            canonical = Canonical(str(entry["id"]), str(entry["name"]), str(entry["type"]))
            for alias in entry["aliases"]:  # type: ignore[attr-defined]
                self._by_alias.setdefault(str(alias), canonical)
        aliases = sorted(self._by_alias, key=len, reverse=True)
        self._pattern = re.compile(
            # The lookahead on first letters lets the engine skip most positions at once.
            rf"(?=[{re.escape(''.join(sorted({a[0] for a in aliases})))}])(?<![\w\-])"
            r"(?:" + "|".join(map(re.escape, aliases)) + r")(?![\w\-])"
        )

    @classmethod
    def load(cls, path: Path | None = None) -> Gazetteer:
        """The gazetteer shipped with the package, or one from `path`."""
        data = (
            path.read_bytes()
            if path is not None
            else resources.files("workers.data").joinpath("gazetteer.json").read_bytes()
        )
        return cls(orjson.loads(data)["entities"])

    def find(self, text: str) -> list[tuple[int, int, Canonical]]:
        return [
            (m.start(), m.end(), self._by_alias[m.group()]) for m in self._pattern.finditer(text)
        ]


@dataclass(frozen=True)
class TagOptions:
    # Bounds the work and the event size on pathological input (e.g. all-caps bodies).
    max_entities: int = 1000


def tag_entities(text: str, gazetteer: Gazetteer, opts: TagOptions) -> list[Entity]:
    """Entities in `text`, in order, non-overlapping, each with ``text[start:end]``."""
    found: list[Entity] = [
        Entity(text=text[s:e], type=c.type, start=s, end=e, canonical={"id": c.id, "name": c.name})
        for s, e, c in gazetteer.find(text)
    ]
    covered = _Spans((e.start, e.end) for e in found)
    for run in RUN.finditer(text):
        tokens = [t for t in TOKEN.finditer(run.group()) if t.group() not in _CONNECTOR_WORDS]
        group: list[tuple[int, int]] = []
        for tok in tokens:
            start, end = run.start() + tok.start(), run.start() + tok.end()
            if covered.overlaps(start, end):
                found.extend(_classify(text, group))
                group = []
            else:
                group.append((start, end))
        found.extend(_classify(text, group))
        if len(found) >= opts.max_entities:
            break
    found = _link_surnames(text, found)
    found.sort(key=lambda e: e.start)
    return found[: opts.max_entities]


def _classify(text: str, group: list[tuple[int, int]]) -> list[Entity]:
    """Type one run of capitalised tokens, or drop it when nothing says what it is."""
    role_before = False
    while group and text[group[0][0] : group[0][1]].lower() in STOP:
        role_before = role_before or text[group[0][0] : group[0][1]].lower() in ROLES
        group = group[1:]
    if not group:
        return []
    start, end = group[0][0], group[-1][1]
    if text[end - 2 : end] in ("'s", "\u2019s"):
        end -= 2
    words = [text[s:e].lower() for s, e in group]
    if "pt" in words[1:]:  # "Saham PT Samudra ...": the company starts at its legal form
        group = group[words.index("pt") :]
        words = words[words.index("pt") :]
        start = group[0][0]
    before = text[max(0, start - 40) : start].split()
    prev = before[-1].lower() if before else ""
    after = text[end : end + 40].split()
    nxt = after[0].lower().strip(",.") if after else ""
    if any(w in ORG_CUES for w in words):
        kind = ORGANIZATION if len(group) > 1 else None
    elif prev in LOC_BEFORE:
        kind = LOCATION
    elif len(group) == 1 and _ACRONYM.fullmatch(text[start:end]):
        kind = ORGANIZATION
    elif (
        role_before
        or prev in SAID
        or nxt in SAID
        or prev in ROLES
        or (len(group) > 1 and not _at_sentence_start(text, start))
    ):
        kind = PERSON
    else:
        kind = None
    if kind is None:
        return []
    return [Entity(text=text[start:end], type=kind, start=start, end=end)]


def _at_sentence_start(text: str, start: int) -> bool:
    """Whether only spaces separate `start` from the end of the previous sentence."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def _link_surnames(text: str, found: list[Entity]) -> list[Entity]:
    """A lone capitalised word that is the last name of a person already found is that person."""
    surnames = {e.text.split()[-1] for e in found if e.type == PERSON and " " in e.text}
    if not surnames:
        return found
    taken = _Spans((e.start, e.end) for e in found)
    extra = [
        Entity(text=name, type=PERSON, start=start, end=start + len(name))
        for name in surnames
        for start in _whole_word_at(text, name)
        if not taken.overlaps(start, start + len(name))
    ]
    return found + extra


def _whole_word_at(text: str, word: str) -> Iterator[int]:
    """Where `word` occurs in `text` as a whole word (str.find: no regex built per story)."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        if not (start and _in_word(text[start - 1])) and not (
            end < len(text) and _in_word(text[end])
        ):
            yield start
        start = text.find(word, end)


def _in_word(ch: str) -> bool:
    return ch.isalnum() or ch in "_-"


class _Spans:
    """Non-overlapping character spans, for overlap tests in O(log n)."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._ends = [e for _, e in ordered]

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_left(self._starts, end) - 1
        return i >= 0 and self._ends[i] > start
