"""The entity stage: the shipped models, gazetteer linking, consistency, groups and bounds."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from workers.pipeline.crf import TOKEN

from workers.pipeline.entities import (
    TITLE_WORDS,
    EntityTagger,
    Gazetteer,
    TagOptions,
    _outside,
    family_name,
    group_entities,
)
from workers.records import Entity

TAGGING = EntityTagger.load()
OPTS = TagOptions()


def tags(text: str, language: str) -> list[tuple[str, str]]:
    found = TAGGING.tag(text, language, OPTS)
    for e in found:
        assert text[e.start : e.end] == e.text
    return [(e.text, e.type) for e in found]


def linked(text: str, language: str) -> list[tuple[str, str]]:
    return [(e.text, e.canonical["id"]) for e in TAGGING.tag(text, language, OPTS) if e.canonical]


def test_gazetteer_matches_whole_tokens_longest_first_across_languages():
    gazetteer = Gazetteer.load()
    words = TOKEN.findall("Korsel , Korea Utara dan South Korea di Moskow")
    found = [(" ".join(words[s:e]), c.id) for s, e, c in gazetteer.matches(words)]
    assert found == [("Korsel", "Q884"), ("Korea Utara", "Q423"), ("South Korea", "Q884"),
                     ("Moskow", "Q649")]  # fmt: skip


def test_indonesian_people_organisations_places_and_quantities():
    text = (
        "Presiden Prabowo Subianto bertemu Perdana Menteri Anwar Ibrahim di Yogyakarta pada "
        "Jumat 21 Juni 2024. Saham PT Krakatau Baja Nusantara naik 3,42 persen menjadi Rp 4.000."
    )
    assert tags(text, "id") == [
        ("Prabowo Subianto", "PERSON"),
        ("Anwar Ibrahim", "PERSON"),
        ("Yogyakarta", "LOCATION"),
        ("Jumat 21 Juni 2024", "DATE"),
        ("PT Krakatau Baja Nusantara", "ORGANIZATION"),
        ("3,42 persen", "PERCENT"),
        ("Rp 4.000", "MONEY"),
    ]
    assert linked(text, "id")[:2] == [
        ("Prabowo Subianto", "nw:prabowo-subianto"),
        ("Anwar Ibrahim", "nw:anwar-ibrahim"),
    ]


def test_english_names_with_initials_and_links():
    text = "Datuk Seri M. Saravanan met Dr Mahathir in Putrajaya on Tuesday, the World Bank said."
    found = tags(text, "en")
    assert ("M. Saravanan", "PERSON") in found
    assert ("Mahathir", "PERSON") in found
    assert ("Putrajaya", "LOCATION") in found
    assert ("Tuesday", "DATE") in found
    assert ("World Bank", "Q7164") in linked(text, "en")


def test_a_bracketed_short_form_stays_with_its_name_and_still_links():
    assert linked("Bank Indonesia (BI) menahan suku bunga acuan.", "id") == [
        ("Bank Indonesia (BI)", "nw:bank-indonesia")
    ]


def test_a_mention_links_only_to_an_entity_of_its_type():
    gazetteer = Gazetteer(
        [{"id": "Q61", "name": "Washington, D.C.", "type": "LOCATION", "aliases": ["Hartono"]}]
    )
    tagging = EntityTagger(gazetteer, TAGGING.taggers)
    found = tagging.tag("Union leader Bambang Hartono spoke. Hartono said so.", "en", OPTS)
    assert [(e.text, e.type, e.canonical) for e in found] == [
        ("Bambang Hartono", "PERSON", None),
        ("Hartono", "PERSON", None),
    ]


def test_one_story_one_reading_of_a_name():
    text = (
        "Ketua Badan Pengawas Penerbangan Nusantara (Bapennus) Andika Pratama mengatakan "
        "Bapennus akan mengaudit maskapai. Menurut Bapennus, keluhan turun."
    )
    mentions = [t for t in tags(text, "id") if "Bapennus" in t[0]]
    assert len(mentions) == 3
    assert {kind for _, kind in mentions} == {"ORGANIZATION"}


def test_languages_without_a_model_get_the_gazetteer():
    text = "Die Regierung in Berlin sprach mit Vladimir Putin über die Ukraine und Herrn Schmidt."
    assert tags(text, "de") == [
        ("Berlin", "LOCATION"),
        ("Vladimir Putin", "PERSON"),
        ("Ukraine", "LOCATION"),
    ]
    assert tags("Korea Selatan", "und") == [("Korea Selatan", "LOCATION")]


def test_lowercase_text_has_no_names():
    assert tags("the us and them, who said so", "en") == []


def test_groups_join_mentions_by_id_and_surname_with_salience():
    text = (
        "Vladimir Putin met Bambang Hartono in Moscow. Hartono said Putin agreed.\n"
        + "Talks went on. " * 40
        + "Later Hartono left Moscow."
    )
    entities = TAGGING.tag(text, "en", OPTS)
    headline = "President Putin meets union chief Hartono"
    groups = {g.name: g for g in group_entities(entities, headline, TAGGING.linked_ids(headline))}
    putin, hartono, moscow = groups["Vladimir Putin"], groups["Bambang Hartono"], groups["Moscow"]
    assert (putin.key, putin.count, putin.in_headline, putin.in_lead) == ("Q7747", 2, True, True)
    assert putin.salience == pytest.approx(0.4 + 0.3 + 0.2)
    assert (hartono.key, hartono.count, hartono.in_headline) == ("PERSON:bambang hartono", 3, True)
    assert hartono.salience == pytest.approx(0.4 + 0.3 + 0.3)
    assert not groups["Moscow"].in_headline
    assert [text[s:e] for s, e in hartono.offsets] == ["Bambang Hartono", "Hartono", "Hartono"]
    assert moscow.count == 2
    assert next(iter(groups)) == "Bambang Hartono"  # most salient first (1.0)
    assert all(g.type in ("PERSON", "ORGANIZATION", "LOCATION") for g in groups.values())


def test_entity_count_is_bounded():
    text = " ".join(f"di Kota Nomor{i}" for i in range(3000))
    assert len(TAGGING.tag(text, "id", TagOptions(max_entities=50))) == 50


def spans_to_entities(cuts: list[int], kind: str) -> list[Entity]:
    """Entities between consecutive cut points, every other pair (so apart)."""
    points = sorted(set(cuts))
    return [Entity("x", kind, a, b) for a, b in zip(points[::2], points[1::2], strict=False)]


@given(st.lists(st.integers(0, 60)), st.lists(st.tuples(st.integers(0, 60), st.integers(1, 9))))
def test_quantities_are_kept_unless_they_overlap_a_name(cuts, quantities):
    names = spans_to_entities(cuts, "PERSON")
    found = sorted((Entity("1", "DATE", a, a + n) for a, n in quantities), key=lambda q: q.start)
    expected = [q for q in found if not any(n.start < q.end and q.start < n.end for n in names)]
    assert _outside(names, found) == expected


# Written by the team in the style of the seed (an Indonesian outlet's rewrite of a wire
# report on Korea and Russia); the event is invented.
SEOUL_STORY = """SEOUL - Kementerian Luar Negeri Korea Selatan memanggil duta besar Rusia \
pada Senin untuk memprotes latihan militer bersama Rusia dan Korea Utara di dekat Pyongyang, \
kata seorang pejabat kepada wartawan di Seoul.
Wakil Menteri Luar Negeri Lee Do-hoon menyampaikan keberatan Seoul kepada Duta Besar Rusia, \
Andrei Kulik, dalam pertemuan tertutup di gedung kementerian.
Lee mengatakan latihan itu mengancam perdamaian di Semenanjung Korea dan melanggar resolusi \
Dewan Keamanan PBB.
Kedutaan Besar Rusia di Seoul menyatakan latihan itu bersifat defensif. "Duta Besar menegaskan \
bahwa Moskow tidak mengancam negara mana pun," kata kedutaan dalam pernyataan.
Menteri Luar Negeri Korea Selatan, Park Jin-woo, dijadwalkan membahas masalah itu dengan \
mitranya dari Jepang pekan depan. Park menyebut Korea Utara terus menguji rudal balistik tahun ini.
Hubungan antara Seoul dan Moskow memburuk sejak perang di Ukraina pecah pada 2022."""


def test_a_seed_like_story_links_places_groups_family_names_and_tags_no_office():
    entities = TAGGING.tag(SEOUL_STORY, "id", OPTS)
    groups = {g.key: g for g in group_entities(entities, "", set())}
    # Russia, South Korea, North Korea, Moscow, Seoul, Pyongyang, the UN Security Council
    for qid in ("Q159", "Q884", "Q423", "Q649", "Q8684", "Q18808", "Q37470"):
        assert qid in groups, qid
    people = [e.text for e in entities if e.type == "PERSON"]
    assert not [p for p in people if all(w in TITLE_WORDS for w in p.casefold().split())]
    lee, park = groups["PERSON:lee do-hoon"], groups["PERSON:park jin-woo"]
    text = SEOUL_STORY
    assert [text[s:e] for s, e in lee.offsets] == ["Lee Do-hoon", "Lee"]
    assert [text[s:e] for s, e in park.offsets] == ["Park Jin-woo", "Park"]


@pytest.mark.parametrize(
    ("name", "family"),
    [("Kim Hong-kyun", "Kim"), ("Cho Tae-yul", "Cho"), ("Xi Jinping", "Xi"),
     ("Georgy Zinoviev", "Zinoviev"), ("Bambang Hartono", "Hartono")],
)  # fmt: skip
def test_a_later_lone_mention_uses_the_family_name_by_the_names_convention(name, family):
    assert family_name(name) == family


def test_an_office_is_not_a_person_but_an_officeholder_is():
    said = tags("Duta Besar mengatakan hal itu kepada wartawan.", "id")
    assert ("Duta Besar", "PERSON") not in said
    found = tags("Presiden Joko Widodo meresmikan bendungan itu.", "id")
    assert ("Joko Widodo", "PERSON") in found
