from workers.pipeline.entities import Gazetteer, TagOptions, tag_entities

GAZ = Gazetteer.load()
OPTS = TagOptions()


def tags(text):
    found = tag_entities(text, GAZ, OPTS)
    for e in found:
        assert text[e.start : e.end] == e.text
    return [(e.text, e.type) for e in found]


def test_gazetteer_links_aliases_across_languages():
    found = tag_entities("Korsel dan Korea Utara bertemu di Moskow.", GAZ, OPTS)
    ids = [(e.text, e.canonical["id"]) for e in found if e.canonical]
    assert ids == [("Korsel", "Q884"), ("Korea Utara", "Q423"), ("Moskow", "Q649")]


def test_people_organisations_places_by_cues():
    text = (
        "Wakil Menteri Luar Negeri Ahmad Fauzi Rahman bertemu Hiroshi Tanaka di Yogyakarta. "
        "Saham PT Krakatau Baja Nusantara naik, kata Fauzi."
    )
    assert tags(text) == [
        ("Ahmad Fauzi Rahman", "PERSON"),
        ("Hiroshi Tanaka", "PERSON"),
        ("Yogyakarta", "LOCATION"),
        ("PT Krakatau Baja Nusantara", "ORGANIZATION"),
        ("Fauzi", "PERSON"),
    ]


def test_surname_alone_links_to_the_person_found_earlier():
    found = tags("Union leader Bambang Hartono spoke. Later Hartono said talks would resume.")
    assert found == [("Bambang Hartono", "PERSON"), ("Hartono", "PERSON")]


def test_english_organisation_and_location():
    found = tags(
        "Dock workers at PT Pelabuhan Timur Raya in Makassar walked out, the World Bank said."
    )
    assert ("PT Pelabuhan Timur Raya", "ORGANIZATION") in found
    assert ("Makassar", "LOCATION") in found
    assert ("World Bank", "ORGANIZATION") in found


def test_lowercase_words_are_not_entities_and_case_matters():
    assert tags("the us and them, who said so") == []


def test_entity_count_is_bounded():
    text = " ".join(f"di Kota{i}" for i in range(3000))
    assert len(tag_entities(text, GAZ, TagOptions(max_entities=50))) == 50
