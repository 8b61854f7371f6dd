"""Learned boilerplate: a source's recurring line is cut once seen in enough distinct stories."""

import io
import random

import numpy as np
import orjson

from workers.commands import process
from workers.pipeline.boilerplate import (
    Learner,
    LearnOptions,
    SourceLines,
    Stripped,
    line_key,
    load_nothing,
)
from workers.pipeline.clean import AllowList, CleanOptions
from workers.pipeline.core import Pipeline, PipelineOptions
from workers.pipeline.dedupe import MemoryIndex
from workers.records import Enriched, Origin, dumps
from workers.stories.assign import StoryOptions
from workers.stories.stage import StoryStage

# Learning is tested apart from the line model (which finds this line on its own).
NO_MODEL = CleanOptions(line_model=False)
AD = "Dapatkan promo langganan hemat 50 persen hanya di aplikasi Kabar Harian"
WORDS = (
    "pemerintah kota warga banjir jalan harga pasar sekolah rumah sakit dokter petani beras "
    "menteri gubernur bupati sungai jembatan kereta bandara pelabuhan nelayan hujan angin "
    "polisi hakim sidang saksi dana proyek listrik air minum pajak ekspor impor pabrik buruh"
).split()


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "."


def body(rng: random.Random, ad: bool = True) -> str:
    """Eight sentences, the ad line in the middle (no steady place near an edge)."""
    lines = [sentence(rng) for _ in range(8)]
    if ad:
        lines.insert(4, AD)
    return "\n".join(lines)


EVENTS = iter(range(10**9))


def see(learner: Learner, source, text: str, load=load_nothing, allow=frozenset(), event=None):
    """Observe a story (its own event unless `event` says) and count it: what was cut."""
    stripped, sighting = learner.observe(source, text, load, allow)
    learner.count(sighting, event or f"event {next(EVENTS)}", load)
    return stripped


def test_a_line_is_learned_after_min_stories_distinct_stories(caplog):
    caplog.set_level("INFO", logger="workers.pipeline.boilerplate")
    rng = random.Random(1)
    learner = Learner(LearnOptions(min_stories=20))
    cuts = [see(learner, "kabar", body(rng), load_nothing) for _ in range(25)]
    assert all(cut is None for cut in cuts[:20])
    assert all(cut is not None and cut.cut == [AD] for cut in cuts[20:])
    assert AD not in cuts[-1].body
    assert see(learner, "warta", body(rng), load_nothing) is None  # another source's own
    assert [r.getMessage() for r in caplog.records] == [
        f"learned boilerplate of kabar: {AD!r} (cut from its next stories)"
    ]


def test_learning_is_off_at_zero_and_without_a_source():
    rng = random.Random(2)
    for opts, source in ((LearnOptions(min_stories=0), "kabar"), (LearnOptions(), None)):
        learner = Learner(opts)
        assert all(see(learner, source, body(rng), load_nothing) is None for _ in range(30))


def test_a_line_that_stops_recurring_is_forgotten_after_the_window():
    rng = random.Random(3)
    learner = Learner(LearnOptions(min_stories=5, window=50))
    for _ in range(10):
        see(learner, "kabar", body(rng), load_nothing)
    assert see(learner, "kabar", body(rng), load_nothing) is not None
    for _ in range(60):
        see(learner, "kabar", body(rng, ad=False), load_nothing)
    assert see(learner, "kabar", body(rng), load_nothing) is None


def test_counts_stay_bounded_and_keep_the_recurring_line():
    rng = random.Random(4)
    opts = LearnOptions(min_stories=20, max_lines=200)
    learner = Learner(opts)
    for _ in range(3_000):  # 12,000 unique lines, one ad line in every story
        see(learner, "kabar", body(rng), load_nothing)
    state = SourceLines.from_bytes(learner.take_changed()["kabar"])
    assert len(state.lines) <= 2 * opts.max_lines
    assert state.learned(line_key(AD), opts)
    assert learner.take_changed() == {}


def test_counts_survive_a_round_trip_through_the_store():
    rng = random.Random(5)
    learner = Learner(LearnOptions(min_stories=20))
    for _ in range(20):
        see(learner, "kabar", body(rng), load_nothing)
    stored = learner.take_changed()
    fresh = Learner(LearnOptions(min_stories=20))  # a restarted worker
    stripped = see(fresh, "kabar", body(rng), stored.get)
    assert stripped is not None and stripped.cut == [AD]


def test_sources_past_max_sources_are_loaded_again():
    rng = random.Random(6)
    learner = Learner(LearnOptions(min_stories=3, max_sources=2))
    store: dict[str, bytes] = {}
    for _ in range(3):
        for source in ("a", "b", "c"):
            see(learner, source, body(rng), store.get)
        store.update(learner.take_changed())
    assert see(learner, "a", body(rng), store.get) is not None


def test_an_allowed_line_is_never_cut():
    rng = random.Random(7)
    learner = Learner(LearnOptions(min_stories=3))
    allow = AllowList({"kabar": [AD.upper()]}).keys("kabar")
    assert all(see(learner, "kabar", body(rng), load_nothing, allow) is None for _ in range(9))


def test_a_story_is_never_cut_to_nothing():
    learner = Learner(LearnOptions(min_stories=3))
    assert all(see(learner, "kabar", AD, load_nothing) is None for _ in range(5))


def run(pipeline: Pipeline, stories: list[dict]) -> list:
    index = MemoryIndex(10_000)
    outcomes = []
    for n, story in enumerate(stories):
        prepared = pipeline.prepare(orjson.dumps(story), None, Origin("raw", 0, n, 1.8e9))
        decision = pipeline.decide(prepared, index.get)
        pipeline.learn(decision)
        index.apply(decision.writes)
        outcomes.append(decision.outcome)
    return outcomes


def test_pipeline_cuts_learned_lines_and_moves_entity_offsets(check_event):
    rng = random.Random(8)
    pipeline = Pipeline(PipelineOptions(learn=LearnOptions(min_stories=5), clean=NO_MODEL))
    stories = [{"id": f"s{n}", "source": "kabar", "body": body(rng)} for n in range(5)]
    last = "Presiden Joko Widodo meresmikan Bandara Kertajati di Majalengka pada Senin."
    stories.append({"id": "s5", "source": "kabar", "body": body(rng) + "\n" + last})
    *_, event = run(pipeline, stories)
    assert isinstance(event, Enriched)
    check_event(orjson.loads(dumps(event)))
    assert AD not in event.body and last in event.body
    assert [(r.text, r.reason) for r in event.removed] == [(AD, "learned")]
    assert "Joko Widodo" in [e.text for e in event.entities]


def test_a_dateline_below_a_learned_line_is_lifted_once_the_line_is_cut(check_event):
    rng = random.Random(10)
    pipeline = Pipeline(PipelineOptions(learn=LearnOptions(min_stories=5), clean=NO_MODEL))
    first = "KABARHARIAN.ID, Bandung - Gubernur Ridwan Kamil meninjau banjir di Bandung."
    stories = [{"id": f"s{n}", "source": "kabar", "body": AD + "\n" + body(rng)} for n in range(5)]
    stories.append({"id": "s5", "source": "kabar", "body": f"{AD}\n{first}\n{body(rng)}"})
    *_, event = run(pipeline, stories)
    check_event(orjson.loads(dumps(event)))
    assert event.dateline == "KABARHARIAN.ID, Bandung"
    assert event.body.startswith("Gubernur Ridwan Kamil meninjau")
    assert "Ridwan Kamil" in [e.text for e in event.entities]
    assert all(e.start >= 0 and event.body[e.start : e.end] == e.text for e in event.entities)


def test_a_republished_story_is_never_learned():
    rng = random.Random(9)
    pipeline = Pipeline(PipelineOptions(learn=LearnOptions(min_stories=5), clean=NO_MODEL))
    original = body(rng, ad=False)
    copies = [{"id": f"c{n}", "source": "kabar", "body": original} for n in range(30)]
    first_line = original.split("\n")[0]
    later = {"id": "new", "source": "kabar", "body": first_line + "\n" + body(rng, ad=False)}
    *copies_out, event = run(pipeline, [*copies, later])
    assert [o.kind for o in copies_out] == ["enriched"] + ["duplicate"] * 29
    assert first_line in event.body and event.removed == []


def test_newswire_process_learns_across_sources_beyond_memory(monkeypatch):
    monkeypatch.setattr(process, "SAVE_EVERY", 1)
    rng = random.Random(10)
    learn = LearnOptions(min_stories=3, max_sources=1)
    pipeline = Pipeline(PipelineOptions(learn=learn, clean=NO_MODEL))
    lines = [
        orjson.dumps({"id": f"{source}{n}", "source": source, "body": body(rng)})
        for n in range(5)
        for source in ("kabar", "warta")  # each evicts the other from memory
    ]
    # Each story an event of its own (random words of one vocabulary would make one).
    apart = StoryStage(StoryOptions(min_similarity=2.0))
    out = io.BytesIO()
    process.process_lines(lines, out, pipeline, stories=apart)
    events = [orjson.loads(line) for line in out.getvalue().splitlines()]
    cut = [AD not in e["body"] for e in events]
    assert cut == [False] * 6 + [True] * 4


FOOTER = "Berita ini disiarkan ulang dari kantor berita Kabar Nusantara"


def test_a_line_at_the_same_place_is_learned_sooner():
    rng = random.Random(11)
    learner = Learner(LearnOptions(min_stories=20, min_steady=6))
    cuts = [see(learner, "kabar", body(rng, ad=False) + "\n" + FOOTER) for _ in range(8)]
    assert [cut is not None for cut in cuts] == [False] * 6 + [True] * 2
    assert cuts[-1].cut == [FOOTER]
    # The same line moving about in the middle needs min_stories.
    learner = Learner(LearnOptions(min_stories=20, min_steady=6))
    assert all(see(learner, "warta", body(rng)) is None for _ in range(8))


def test_an_outlets_updates_of_one_event_are_one_piece_of_evidence_of_a_place():
    """An outlet's updates of one event repeat a closing sentence: not learned sooner."""
    rng = random.Random(12)
    learner = Learner(LearnOptions(min_stories=20, min_steady=3))
    quote = "Tidak ada korban jiwa dalam kebakaran gudang di Tangerang itu"
    for _ in range(15):
        assert see(learner, "kabar", body(rng, ad=False) + "\n" + quote, event="fire") is None


def test_a_line_many_sources_carry_is_learned_across_sources(caplog):
    caplog.set_level("INFO", logger="workers.pipeline.boilerplate")
    rng = random.Random(13)
    learner = Learner(LearnOptions(cross_events=8, cross_sources=3))
    for n in range(8):  # eight stories, of three sources, none 20 of any one
        see(learner, f"outlet-{n % 3}", body(rng, ad=False) + "\n" + FOOTER)
    cut = see(learner, "a-new-outlet", body(rng, ad=False) + "\n" + FOOTER)
    assert cut is not None and cut.cut == [FOOTER]
    assert "learned boilerplate across sources" in caplog.text


def test_one_event_across_sources_and_short_lines_are_not_learned_across_sources():
    rng = random.Random(14)
    learner = Learner(LearnOptions(cross_events=8, cross_sources=3, min_steady=100))
    quote = '"Kami akan membangun kembali pasar ini dalam enam bulan," kata wali kota.'
    short = "Tidak ada korban jiwa."
    for n in range(30):  # thirty outlets' stories of one event
        see(learner, f"outlet-{n}", body(rng, ad=False) + "\n" + quote, event="market fire")
    for n in range(30):  # a short line in thirty events' stories of ten outlets
        see(learner, f"outlet-{n % 10}", body(rng, ad=False) + "\n" + short)
    assert see(learner, "new", f"{body(rng, ad=False)}\n{quote}\n{short}") is None


def test_cross_source_counts_survive_a_round_trip_through_the_store():
    rng = random.Random(15)
    learner = Learner(LearnOptions(cross_events=8, cross_sources=3))
    for n in range(8):
        see(learner, f"outlet-{n % 3}", body(rng, ad=False) + "\n" + FOOTER)
    stored = learner.take_changed()
    fresh = Learner(LearnOptions(cross_events=8, cross_sources=3))  # a restarted worker
    cut = see(fresh, "a-new-outlet", body(rng, ad=False) + "\n" + FOOTER, stored.get)
    assert isinstance(cut, Stripped) and cut.cut == [FOOTER]


def test_counts_saved_before_places_are_read():
    """Counts a worker of the earlier format saved (no places, no events) still cut."""
    rows = np.array([(line_key(AD), 25, 30)], dtype=[("l", "<u8"), ("s", "<u4"), ("t", "<u8")])
    old = np.uint64(30).tobytes() + rows.tobytes()
    learner = Learner(LearnOptions(min_stories=20))
    cut = see(learner, "kabar", body(random.Random(16)), {"kabar": old}.get)
    assert cut is not None and cut.cut == [AD]


def test_a_line_cleaning_cut_in_some_stories_is_still_learned():
    """The line model cuts a line among a story's last lines, not in its middle: the
    stories where it was cut count too, so it is learned and then cut everywhere."""
    rng = random.Random(17)
    learner = Learner(LearnOptions(min_stories=5))
    for n in range(5):  # cut by cleaning at the end: not in the body, counted
        _, sighting = learner.observe("kabar", body(rng, ad=False), load_nothing, cut_before=(AD,))
        learner.count(sighting, f"cut {n}", load_nothing)
    cut = see(learner, "kabar", body(rng))  # the same line in a story's middle
    assert cut is not None and cut.cut == [AD]
