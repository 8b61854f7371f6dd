"""What an article says about its event, in features that do not depend on its language.

Stories group articles about one event across outlets and languages without machine
translation, so the evidence is what survives translation: the canonical ids of the
entities the gazetteer links (Q159 is "Russia", "Rusia" and "Russland"), people's
names (which are not translated), dates and percentages as values, and, within one
language, the content words of the headline. Each feature has a weight: an entity by
its salience in the article, the others less.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from workers.pipeline.normalize import fold, fold_chars
from workers.records import Enriched

# Weights: an entity counts by how central it is (salience 0-1) on top of a floor; the
# other kinds of evidence are weaker, and headline words weakest (they are shared by
# unrelated stories of one kind: "earthquake", "rates").
ENTITY_FLOOR = 0.5
NAME_WEIGHT = 0.6  # an unlinked organisation or place, within its language
VALUE_WEIGHT = 0.5  # a full date or a percentage
NAME_WORD_WEIGHT = 0.3  # a word of an unlinked name, in any language
TERM_WEIGHT = 0.35  # a headline word
BODY_TERM_WEIGHT = 0.25  # one of the body's most repeated long words
MAX_ENTITIES = 24  # the most salient entity groups of an article
MAX_TERMS = 8
MIN_TERM_LETTERS = 4
# The body's words that say most about its event, within its language: its 20 most
# repeated words of 6 letters or more. Chosen on the dev split of ECB+ (B-cubed F1
# 0.808 without them; 0.823-0.838 with 12-30 words, 5-6 letters, weights 0.2-0.3).
BODY_TERMS = 20
MIN_BODY_TERM_LETTERS = 6

# Words that say nothing about which event: function words and newsroom verbs.
STOP_TERMS = frozenset(
    """
    yang dan di ini itu dengan untuk dari dalam tidak akan pada juga kepada oleh telah
    sebagai atau ke karena saat setelah masih bisa lebih para kata mengatakan menurut
    usai jadi soal bakal resmi hari tahun baru warga pihak begini kenapa ingin
    the and of to in that is was for on with said as by at from its has have it after
    over into amid says will than more about could would their they this what when
    where which while what with year years news report reports update live first
    """.split()
)
WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)
LONG_WORD = re.compile(rf"[^\W\d_][\w'-]{{{MIN_BODY_TERM_LETTERS - 1},}}", re.UNICODE)
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            "january januari janvier januar enero gennaio janeiro jan",
            "february februari februar février febrero febbraio fevereiro feb",
            "march maret mac mars märz marzo março mar",
            "april avril abril aprile apr",
            "may mei mai mayo maggio maio",
            "june juni jun juin junio giugno junho",
            "july juli julai juillet julio luglio julho jul",
            "august agustus ogos août agosto aug",
            "september sept septembre septiembre settembre setembro sep",
            "october oktober okt octobre octubre ottobre outubro oct",
            "november nov novembre noviembre novembro",
            "december desember disember dezember décembre diciembre dicembre dezembro dec",
        ],
        start=1,
    )
    for name in names.split()
}
YEAR = re.compile(r"\b(19|20)\d\d\b")
DAY = re.compile(r"\b([0-3]?\d)\b")


@dataclass(frozen=True)
class Evidence:
    """An article's features (key to weight), and what a story shows of it."""

    features: dict[str, float]
    language: str
    source: str
    headline: str
    entities: dict[str, str] = field(default_factory=dict)  # canonical id: name


def evidence(article: Enriched, linked: Iterable[str] = ()) -> Evidence:
    """The language-independent evidence of an enriched article; `linked`: the canonical
    ids of every gazetteer name in its text, whatever the tagger made of the words around
    them ("Korea Selatan" inside "Kementerian Luar Negeri Korea Selatan" is still South
    Korea), counted as entities of no salience."""
    features: dict[str, float] = {f"e:{qid}": ENTITY_FLOOR for qid in linked}
    groups = sorted(article.entity_groups, key=lambda g: -g.salience)[:MAX_ENTITIES]
    for group in groups:
        key = entity_key(group.key, group.type, group.name, article.language)
        if key is not None:
            weight = ENTITY_FLOOR + group.salience
            if key.startswith("n:"):
                weight *= NAME_WEIGHT
            features[key] = max(features.get(key, 0.0), weight)
        if not key or not key.startswith("e:"):
            for word in name_words(group.name):
                features.setdefault(word, NAME_WORD_WEIGHT)
    for entity in article.entities:
        value = quantity_key(entity.type, entity.text)
        if value is not None:
            features.setdefault(value, VALUE_WEIGHT)
    for term in headline_terms(article.headline or "", article.language):
        features.setdefault(term, TERM_WEIGHT)
    for term in body_terms(article.body, article.language):
        features.setdefault(term, BODY_TERM_WEIGHT)
    named = {g.canonical["id"]: g.canonical["name"] for g in groups if g.canonical}
    return Evidence(features, article.language, article.source or "", article.headline or "", named)


def entity_key(key: str, kind: str, name: str, language: str) -> str | None:
    """A linked entity by its id; a person by name (names are not translated: two or more
    words, one word is too ambiguous); another name within its language."""
    if not key.startswith(("PERSON:", "ORGANIZATION:", "LOCATION:")):
        return f"e:{key}"
    folded = fold(name)
    if kind == "PERSON":
        return f"p:{folded}" if " " in folded else None
    return f"n:{language}:{folded}"


def name_words(name: str) -> list[str]:
    """The words of a name the gazetteer does not know: a name is not translated, so
    "Zinoviev" is evidence in every language, whether the tagger saw a person ("Georgy
    Zinoviev") or took him into an organisation ("Duta Besar Rusia Georgy Zinoviev")."""
    words = WORD.findall(fold_chars(name))
    return [f"w:{w}" for w in words if len(w) >= MIN_TERM_LETTERS and w not in STOP_TERMS]


def quantity_key(kind: str, text: str) -> str | None:
    """A date with day, month and year as an ISO date; a percentage as its value."""
    if kind == "PERCENT":
        number = NUMBER.search(text)
        return f"v:%:{float(number.group().replace(',', '.')):g}" if number else None
    if kind == "DATE":
        words = fold(text).replace(",", " ").split()
        months = [MONTHS[w] for w in words if w in MONTHS]
        year, day = YEAR.search(text), [w for w in words if DAY.fullmatch(w)]
        if months and year and day:
            return f"v:d:{year.group()}-{months[0]:02d}-{int(day[0]):02d}"
    return None


def headline_terms(headline: str, language: str) -> list[str]:
    """The headline's content words, within its language."""
    words = WORD.findall(fold_chars(headline))
    kept = [w for w in words if len(w) >= MIN_TERM_LETTERS and w not in STOP_TERMS]
    return [f"t:{language}:{w}" for w in dict.fromkeys(kept)][:MAX_TERMS]


def body_terms(body: str, language: str) -> list[str]:
    """The body's most repeated long content words, within its language."""
    words = Counter(LONG_WORD.findall(fold_chars(body)))
    for stop in STOP_TERMS & words.keys():
        del words[stop]
    return [f"t:{language}:{w}" for w, _ in words.most_common(BODY_TERMS)]
