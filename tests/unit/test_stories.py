"""Stories: one event across outlets and languages, through the real pipeline.

The event stories and the unrelated ones of the same days are the team's own writing
(the shape of the seed: an Indonesian outlet rewriting a wire report about Seoul
summoning Russia's ambassador over a Russia-North Korea pact), not copies."""

from __future__ import annotations

import json

import orjson
import pytest

from tests.conftest import assert_valid_event
from workers.pipeline.core import Pipeline, PipelineOptions
from workers.pipeline.dedupe import MemoryIndex
from workers.records import DuplicateNotice, Enriched, Origin, dumps
from workers.stories.assign import StoryIndex, StoryOptions, cosine, story_id
from workers.stories.evidence import evidence, quantity_key
from workers.stories.stage import StoryStage

PIPELINE = Pipeline(PipelineOptions())
LINKED = PIPELINE.entities.linked_ids
T0 = 1_718_900_000.0  # June 2024

SEOUL_ID = {
    "id": "tempo-seoul-dubes",
    "source": "tempo.co",
    "headline": "Seoul Panggil Duta Besar Rusia soal Pakta dengan Korea Utara",
    "body": (
        "Kementerian Luar Negeri Korea Selatan memanggil Duta Besar Rusia Georgy "
        "Zinoviev pada Jumat, 21 Juni 2024, untuk memprotes perjanjian kerja sama militer "
        "antara Rusia dan Korea Utara yang diteken di Pyongyang pekan ini.\n"
        "Wakil Menteri Luar Negeri Kim Hong-kyun menyampaikan kepada Zinoviev bahwa "
        "dukungan militer Moskow kepada Pyongyang mengancam keamanan Seoul.\n"
        "Menteri Luar Negeri Cho Tae-yul dan Menteri Luar Negeri Amerika Serikat Antony "
        "Blinken menyebut pakta itu ancaman bagi perdamaian kawasan dan pelanggaran "
        "resolusi Dewan Keamanan PBB.\n"
        "Saham produsen amunisi Poongsan naik 3,42 persen pada penutupan perdagangan."
    ),
}
SEOUL_EN = {
    "id": "wire-seoul-envoy",
    "source": "wire.example",
    "headline": "South Korea summons Russian ambassador over pact with North Korea",
    "body": (
        "SEOUL, June 21 (Wire) - South Korea's foreign ministry summoned Russian "
        "ambassador Georgy Zinoviev on Friday, 21 June 2024, to protest against the "
        "military pact Russia and North Korea signed in Pyongyang this week.\n"
        "First Vice Foreign Minister Kim Hong-kyun told Zinoviev that Moscow's military "
        "support for Pyongyang threatened South Korea's security.\n"
        "Foreign Minister Cho Tae-yul and U.S. Secretary of State Antony Blinken called "
        "the pact a threat to regional peace and a breach of UN Security Council "
        "resolutions.\n"
        "Shares of ammunition maker Poongsan rose 3.42 percent at the close."
    ),
}
UNRELATED = [
    {
        "id": "kyiv-drones",
        "source": "wire.example",
        "headline": "Russia launches drone attack on Kyiv overnight",
        "body": (
            "KYIV, June 20 (Wire) - Russia launched dozens of drones at Kyiv overnight, "
            "Ukraine's air force said on Thursday, damaging power lines in two districts.\n"
            "Mayor Vitali Klitschko said three people were hurt by falling debris.\n"
            "Ukraine asked its allies for more air defence systems."
        ),
    },
    {
        "id": "samsung-union",
        "source": "kontan.co.id",
        "headline": "Serikat Pekerja Samsung Electronics Umumkan Mogok Kerja",
        "body": (
            "Serikat pekerja Samsung Electronics di Korea Selatan mengumumkan mogok kerja "
            "pertama dalam sejarah perusahaan itu pada Kamis, 20 Juni 2024.\n"
            "Serikat menuntut kenaikan upah dan tambahan cuti bagi sekitar 28.000 anggota.\n"
            "Saham Samsung Electronics turun 0,5 persen di bursa Seoul."
        ),
    },
    {
        "id": "boj-yen",
        "source": "wire.example",
        "headline": "Bank of Japan keeps rates steady as yen slides",
        "body": (
            "TOKYO, June 21 (Wire) - The Bank of Japan kept interest rates unchanged on "
            "Friday, and Governor Kazuo Ueda said it would cut its bond buying from July.\n"
            "The yen weakened past 159 per dollar after the decision.\n"
            "Japan's finance minister Shunichi Suzuki said he was watching currency moves."
        ),
    },
    {
        "id": "kospi-close",
        "source": "bisnis.com",
        "headline": "Indeks KOSPI Ditutup Melemah Tertekan Saham Teknologi",
        "body": (
            "Indeks KOSPI di bursa Seoul ditutup melemah 0,83 persen pada Jumat, 21 Juni "
            "2024, tertekan penurunan saham teknologi.\n"
            "Investor asing mencatat penjualan bersih di pasar saham Korea Selatan.\n"
            "Won Korea melemah terhadap dolar Amerika Serikat."
        ),
    },
    {
        "id": "putin-vietnam",
        "source": "wire.example",
        "headline": "Putin arrives in Vietnam after North Korea visit",
        "body": (
            "HANOI, June 20 (Wire) - Russian President Vladimir Putin arrived in Hanoi on "
            "Thursday for talks with Vietnamese leaders on trade and energy.\n"
            "Vietnam's President To Lam welcomed Putin at the presidential palace.\n"
            "The two countries signed agreements on education and nuclear research."
        ),
    },
]


def run(stories: list[dict], stage: StoryStage | None = None) -> dict[str, str | None]:
    """Each story through prepare, decide and the story stage, as `newswire process` does;
    the story id of each by its id."""
    stage = stage or StoryStage(linked=LINKED)
    index = MemoryIndex(1_000_000)
    found: dict[str, str | None] = {}
    for n, story in enumerate(stories):
        prepared = PIPELINE.prepare(orjson.dumps(story), None, Origin("t", 0, n, T0 + n))
        decision = PIPELINE.decide(prepared, index.get)
        decision = stage.apply(prepared, decision, index.get, T0 + n * 600)
        index.apply(decision.writes)
        assert isinstance(decision.outcome, Enriched | DuplicateNotice), decision.outcome
        found[decision.outcome.id] = decision.outcome.story_id
    return found


@pytest.mark.parametrize("first", ["id", "en"])
@pytest.mark.parametrize("at", [0, 3, 5])
def test_one_event_in_two_languages_is_one_story_among_unrelated_ones(first, at):
    event = [SEOUL_ID, SEOUL_EN] if first == "id" else [SEOUL_EN, SEOUL_ID]
    stream = [*UNRELATED[:at], event[0], *UNRELATED[at:], event[1]]
    found = run(stream)
    assert found[SEOUL_ID["id"]] == found[SEOUL_EN["id"]]
    assert found[SEOUL_ID["id"]] not in {found[s["id"]] for s in UNRELATED}


def test_the_story_is_known_by_its_first_article():
    found = run([SEOUL_EN, SEOUL_ID])
    assert found[SEOUL_ID["id"]] == story_id(SEOUL_EN["id"])


def test_country_names_link_to_one_id_in_both_languages():
    """ "Rusia" was tagged an organisation and left unlinked: the story had no Russia."""
    keys = []
    for story in (SEOUL_ID, SEOUL_EN):
        prepared = PIPELINE.prepare(orjson.dumps(story), None, Origin("t", 0, 0, T0))
        keys.append(set(StoryStage(linked=LINKED).evidence(prepared.event).features))
    shared = keys[0] & keys[1]
    for qid in ("Q159", "Q884", "Q423", "Q649", "Q37470"):  # Russia, the Koreas, Moscow, UNSC
        assert f"e:{qid}" in shared
    assert {"w:zinoviev", "p:antony blinken", "v:%:3.42", "v:d:2024-06-21"} <= shared


def test_a_duplicate_joins_its_canonicals_story_and_its_outlet_counts():
    copy = {**SEOUL_EN, "id": "copy-of-wire", "source": "reprint.example"}
    found = run([SEOUL_EN, copy])
    assert found["copy-of-wire"] == found[SEOUL_EN["id"]]


def test_an_article_seen_again_is_not_counted_twice():
    index = MemoryIndex(1000)
    stories = StoryIndex()
    prepared = PIPELINE.prepare(orjson.dumps(SEOUL_EN), None, Origin("t", 0, 0, T0))
    ev = evidence(prepared.event)
    first = stories.assign(index.get, "a1", ev, T0)
    index.apply(first.writes)
    again = stories.assign(index.get, "a1", ev, T0 + 5)
    assert (first.opened, again.opened, again.writes) == (True, False, {})
    assert again.story.articles == 1


def test_a_story_closes_after_its_window():
    index = MemoryIndex(1000)
    stories = StoryIndex(StoryOptions(window_seconds=3600))
    prepared = PIPELINE.prepare(orjson.dumps(SEOUL_EN), None, Origin("t", 0, 0, T0))
    ev = evidence(prepared.event)
    index.apply(stories.assign(index.get, "a1", ev, T0).writes)
    assert stories.assign(index.get, "a2", ev, T0 + 1800).story.id == story_id("a1")
    assert stories.assign(index.get, "a3", ev, T0 + 3 * 3600).opened


@pytest.mark.parametrize(
    ("kind", "text", "key"),
    [
        ("PERCENT", "3,42 persen", "v:%:3.42"),
        ("PERCENT", "3.42 percent", "v:%:3.42"),
        ("DATE", "21 Juni 2024", "v:d:2024-06-21"),
        ("DATE", "June 21, 2024", "v:d:2024-06-21"),
        ("DATE", "Jumat", None),  # a weekday names no date
        ("MONEY", "RM50 juta", None),
    ],
)
def test_values_are_read_the_same_in_every_language(kind, text, key):
    assert quantity_key(kind, text) == key


def test_cosine():
    assert cosine({"a": 1.0}, {"a": 2.0}) == pytest.approx(1.0)
    assert cosine({"a": 1.0}, {"b": 1.0}) == 0.0


def test_outcomes_with_stories_match_their_schemas():
    copy = {**SEOUL_EN, "id": "copy-of-wire"}
    index, stage = MemoryIndex(1000), StoryStage(linked=LINKED)
    for n, story in enumerate([SEOUL_EN, copy]):
        prepared = PIPELINE.prepare(orjson.dumps(story), None, Origin("t", 0, n, T0))
        decision = stage.apply(prepared, PIPELINE.decide(prepared, index.get), index.get, T0)
        index.apply(decision.writes)
        outcome = decision.outcome
        assert_valid_event(json.loads(dumps(outcome)))
        assert outcome.story_id == story_id(SEOUL_EN["id"])
