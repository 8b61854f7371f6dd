"""Watchlists: each kind of watch, all/any, salience, and refusals with clear messages."""

import orjson
import pytest

from workers.pipeline.core import Pipeline, PipelineOptions
from workers.pipeline.dedupe import MemoryIndex
from workers.pipeline.watch import WatchlistError, alerts_for, parse_watchlist
from workers.records import Enriched, Origin, dumps

PIPELINE = Pipeline(PipelineOptions())
HEADLINE = "Kemlu panggil Dubes Korea Selatan"
BODY = (
    "Kementerian Luar Negeri di Jakarta memanggil duta besar setelah kunjungan ke Korea Selatan. "
    "Poongsan Corporation membantah ekspor   amunisi ke Rusia.\n"
    "Menurut juru bicara, pertemuan berlangsung tertutup."
)


def enriched(body: str = BODY, headline: str = HEADLINE, source: str = "antara") -> Enriched:
    raw = orjson.dumps({"id": "s1", "source": source, "headline": headline, "body": body})
    prepared = PIPELINE.prepare(raw, b"k", Origin("raw", 0, 0, 1.8e9))
    event = PIPELINE.decide(prepared, MemoryIndex(1000).get).outcome
    assert isinstance(event, Enriched)
    return event


def watches(text: str):
    return parse_watchlist(text)


def fired(text: str, event: Enriched | None = None) -> dict[str, str]:
    return {a.watch: a.reason for a in alerts_for(event or enriched(), watches(text), 1.8e9)}


def test_entity_by_canonical_id_or_name_in_any_language():
    found = fired(
        """
watches:
  - {name: korea, entities: [Q884]}
  - {name: russia, entities: [russia]}
  - {name: poongsan, entities: [Poongsan Corporation]}
  - {name: japan, entities: [Q17]}
"""
    )
    assert set(found) == {"korea", "russia", "poongsan"}
    assert found["korea"] == "entities: South Korea"


def test_keywords_per_language_whole_words_any_spacing_and_case():
    found = fired(
        """
watches:
  - {name: ammo-id, keywords: {id: [EKSPOR AMUNISI]}}
  - {name: ammo-en, keywords: {en: [ekspor amunisi]}}
  - {name: anylang, keywords: [tertutup]}
  - {name: part-of-word, keywords: [amuni]}
  - {name: headline-only, keywords: [Dubes]}
"""
    )
    assert set(found) == {"ammo-id", "anylang", "headline-only"}
    assert found["ammo-id"] == "keywords: 'ekspor   amunisi'"


def test_sources_languages_and_all_versus_any():
    found = fired(
        """
watches:
  - {name: src, sources: [antara]}
  - {name: lang, languages: [en]}
  - {name: all-fails, sources: [antara], languages: [en], match: all}
  - {name: any-holds, sources: [antara], languages: [en], match: any}
  - {name: all-holds, sources: [antara], entities: [Q159], keywords: [amunisi], match: all}
"""
    )
    assert set(found) == {"src", "any-holds", "all-holds"}
    assert found["all-holds"] == "entities: Russia; keywords: 'amunisi'; source: antara"


def test_min_salience_keeps_entities_named_in_passing_out():
    late = BODY + " " + "Cuaca cerah sepanjang hari. " * 20 + "Delegasi datang dari Jepang."
    event = enriched(late, headline="Korea Selatan dan Rusia")
    found = fired(
        """
watches:
  - {name: korea, entities: [Q884], min_salience: 0.6}
  - {name: jakarta, entities: [Q3630], min_salience: 0.6}
  - {name: japan-any, entities: [Q17]}
  - {name: japan-salient, entities: [Q17], min_salience: 0.2}
""",
        event,
    )
    # Korea: in the headline and the lead (0.7); Jakarta: lead only (0.4); Japan: a late
    # passing mention (0.1).
    assert set(found) == {"korea", "japan-any"}


def test_alert_is_schema_valid_with_snippets_and_entities(check_event):
    (alert,) = alerts_for(enriched(), watches("watches: [{name: w, entities: [Q159]}]"), 1.8e9)
    data = orjson.loads(dumps(alert))
    check_event(data)
    assert data["story_id"] == "s1" and data["headline"] == HEADLINE
    assert [e["canonical"]["id"] for e in data["entities"]] == ["Q159"]
    assert "Rusia" in data["snippets"][0] and len(data["snippets"][0]) < 200


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("watches: [{name: a, keywords: [x]}", "not YAML"),
        ("- just a list", "a list under 'watches'"),
        ("watches: [{keywords: [x]}]", "watch 1: 'name'"),
        ("watches: [{name: a}]", "watch 1 ('a'): give at least one"),
        ("watches: [{name: a, entity: [x]}]", "unknown field 'entity'"),
        ("watches: [{name: a, entities: Q1}]", "'entities' must be a list"),
        ("watches: [{name: a, keywords: {id: [1]}}]", "keywords: 'id' must be a list"),
        ("watches: [{name: a, sources: [x], min_salience: 2}]", "'min_salience'"),
        ("watches: [{name: a, sources: [x], match: most}]", "'match' must be"),
        ("watches: [{name: a, sources: [x], per: watch}]", "'per' must be 'article' or 'story'"),
        ("watches: [{name: a, sources: [x]}, {name: a, sources: [y]}]", "unique: a"),
    ],
)
def test_bad_watchlists_are_refused_saying_where(text, message):
    with pytest.raises(WatchlistError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_watchlist(text)


def test_empty_file_has_no_watches():
    assert parse_watchlist("") == ()
