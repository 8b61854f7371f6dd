"""Learned boilerplate: a source's recurring line is cut once seen in enough distinct stories."""

import io
import random

import orjson

from workers.commands import process
from workers.pipeline.boilerplate import Learner, LearnOptions, SourceLines, line_key, load_nothing
from workers.pipeline.clean import AllowList
from workers.pipeline.core import Pipeline, PipelineOptions
from workers.pipeline.dedupe import MemoryIndex
from workers.records import Enriched, Origin, dumps

AD = "Dapatkan promo langganan hemat 50 persen hanya di aplikasi Kabar Harian"
WORDS = (
    "pemerintah kota warga banjir jalan harga pasar sekolah rumah sakit dokter petani beras "
    "menteri gubernur bupati sungai jembatan kereta bandara pelabuhan nelayan hujan angin "
    "polisi hakim sidang saksi dana proyek listrik air minum pajak ekspor impor pabrik buruh"
).split()


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "."


def body(rng: random.Random, ad: bool = True) -> str:
    lines = [sentence(rng) for _ in range(4)]
    if ad:
        lines.insert(2, AD)
    return "\n".join(lines)


def test_a_line_is_learned_after_min_stories_distinct_stories(caplog):
    caplog.set_level("INFO", logger="workers.pipeline.boilerplate")
    rng = random.Random(1)
    learner = Learner(LearnOptions(min_stories=20))
    cuts = [learner.observe("kabar", body(rng), load_nothing) for _ in range(25)]
    assert all(cut is None for cut in cuts[:20])
    assert all(cut is not None and cut.cut == [AD] for cut in cuts[20:])
    assert AD not in cuts[-1].body
    assert learner.observe("warta", body(rng), load_nothing) is None  # another source's own
    assert [r.getMessage() for r in caplog.records] == [
        f"learned boilerplate of kabar: {AD!r} (cut from its next stories)"
    ]


def test_learning_is_off_at_zero_and_without_a_source():
    rng = random.Random(2)
    for opts, source in ((LearnOptions(min_stories=0), "kabar"), (LearnOptions(), None)):
        learner = Learner(opts)
        assert all(learner.observe(source, body(rng), load_nothing) is None for _ in range(30))


def test_a_line_that_stops_recurring_is_forgotten_after_the_window():
    rng = random.Random(3)
    learner = Learner(LearnOptions(min_stories=5, window=50))
    for _ in range(10):
        learner.observe("kabar", body(rng), load_nothing)
    assert learner.observe("kabar", body(rng), load_nothing) is not None
    for _ in range(60):
        learner.observe("kabar", body(rng, ad=False), load_nothing)
    assert learner.observe("kabar", body(rng), load_nothing) is None


def test_counts_stay_bounded_and_keep_the_recurring_line():
    rng = random.Random(4)
    opts = LearnOptions(min_stories=20, max_lines=200)
    learner = Learner(opts)
    for _ in range(3_000):  # 12,000 unique lines, one ad line in every story
        learner.observe("kabar", body(rng), load_nothing)
    state = SourceLines.from_bytes(learner.take_changed()["kabar"])
    assert len(state.lines) <= 2 * opts.max_lines
    assert state.learned(line_key(AD), opts)
    assert learner.take_changed() == {}


def test_counts_survive_a_round_trip_through_the_store():
    rng = random.Random(5)
    learner = Learner(LearnOptions(min_stories=20))
    for _ in range(20):
        learner.observe("kabar", body(rng), load_nothing)
    stored = learner.take_changed()
    fresh = Learner(LearnOptions(min_stories=20))  # a restarted worker
    stripped = fresh.observe("kabar", body(rng), stored.get)
    assert stripped is not None and stripped.cut == [AD]


def test_sources_past_max_sources_are_loaded_again():
    rng = random.Random(6)
    learner = Learner(LearnOptions(min_stories=3, max_sources=2))
    store: dict[str, bytes] = {}
    for _ in range(3):
        for source in ("a", "b", "c"):
            learner.observe(source, body(rng), store.get)
        store.update(learner.take_changed())
    assert learner.observe("a", body(rng), store.get) is not None


def test_an_allowed_line_is_never_cut():
    rng = random.Random(7)
    learner = Learner(LearnOptions(min_stories=3))
    allow = AllowList({"kabar": [AD.upper()]}).keys("kabar")
    assert all(learner.observe("kabar", body(rng), load_nothing, allow) is None for _ in range(9))


def test_a_story_is_never_cut_to_nothing():
    learner = Learner(LearnOptions(min_stories=3))
    assert all(learner.observe("kabar", AD, load_nothing) is None for _ in range(5))


def run(pipeline: Pipeline, stories: list[dict]) -> list:
    index = MemoryIndex(10_000)
    outcomes = []
    for n, story in enumerate(stories):
        prepared = pipeline.prepare(orjson.dumps(story), None, Origin("raw", 0, n, 1.8e9))
        decision = pipeline.decide(prepared, index.get)
        index.apply(decision.writes)
        outcomes.append(decision.outcome)
    return outcomes


def test_pipeline_cuts_learned_lines_and_moves_entity_offsets(check_event):
    rng = random.Random(8)
    pipeline = Pipeline(PipelineOptions(learn=LearnOptions(min_stories=5)))
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
    pipeline = Pipeline(PipelineOptions(learn=LearnOptions(min_stories=5)))
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
    pipeline = Pipeline(PipelineOptions(learn=LearnOptions(min_stories=5)))
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
    pipeline = Pipeline(PipelineOptions(learn=LearnOptions(min_stories=3, max_sources=1)))
    lines = [
        orjson.dumps({"id": f"{source}{n}", "source": source, "body": body(rng)})
        for n in range(5)
        for source in ("kabar", "warta")  # each evicts the other from memory
    ]
    out = io.BytesIO()
    process.process_lines(lines, out, pipeline)
    events = [orjson.loads(line) for line in out.getvalue().splitlines()]
    cut = [AD not in e["body"] for e in events]
    assert cut == [False] * 6 + [True] * 4
