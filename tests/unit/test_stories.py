"""Stories: one event across outlets and languages, through the real pipeline.

The event stories and the unrelated ones of the same days (tests/fixtures/stories.json)
are the team's own writing (the shape of the seed: an Indonesian outlet rewriting a
wire report about Seoul summoning Russia's ambassador over a Russia-North Korea pact),
not copies."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from workers.commands.process import process_lines
from workers.pipeline.core import Pipeline, PipelineOptions
from workers.pipeline.dedupe import MemoryIndex
from workers.pipeline.watch import parse_watchlist
from workers.records import DuplicateNotice, Enriched, Origin, dumps, utc_iso
from workers.stories.assign import (
    FEATURE,
    STORY,
    Story,
    StoryIndex,
    StoryOptions,
    cosine,
    postings_of,
    story_id,
)
from workers.stories.events import HotStories, breaking_alert, story_event, top_entities
from workers.stories.evidence import evidence, quantity_key
from workers.stories.stage import StoryStage

PIPELINE = Pipeline(PipelineOptions())
LINKED = PIPELINE.entities.linked_ids
T0 = 1_718_900_000.0  # June 2024

FIXTURES = orjson.loads((Path(__file__).parents[1] / "fixtures" / "stories.json").read_bytes())
SEOUL_ID, SEOUL_EN = FIXTURES["event"]["id"], FIXTURES["event"]["en"]
UNRELATED = FIXTURES["unrelated"]


def run(stories: list[dict], stage: StoryStage | None = None) -> dict[str, str | None]:
    """Each story through prepare, decide and the story stage, as `newswire process` does;
    the story id of each by its id."""
    stage = stage or StoryStage(linked=LINKED)
    index = MemoryIndex(1_000_000)
    found: dict[str, str | None] = {}
    for n, story in enumerate(stories):
        prepared = PIPELINE.prepare(orjson.dumps(story), None, Origin("t", 0, n, T0 + n))
        decision = PIPELINE.decide(prepared, index.get)
        decision = stage.apply(prepared, decision, index.get, T0 + n * 600).decision
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


def test_outcomes_with_stories_match_their_schemas(check_event):
    copy = {**SEOUL_EN, "id": "copy-of-wire"}
    index, stage = MemoryIndex(1000), StoryStage(linked=LINKED)
    for n, story in enumerate([SEOUL_EN, copy]):
        prepared = PIPELINE.prepare(orjson.dumps(story), None, Origin("t", 0, n, T0))
        decision = stage.apply(
            prepared, PIPELINE.decide(prepared, index.get), index.get, T0
        ).decision
        index.apply(decision.writes)
        outcome = decision.outcome
        check_event(json.loads(dumps(outcome)))
        assert outcome.story_id == story_id(SEOUL_EN["id"])


def test_a_story_breaks_once_when_enough_sources_report_it_in_time(check_event):
    """Three outlets within the hour: one breaking alert, the story's state says so."""
    index = MemoryIndex(1000)
    opts = StoryOptions(breaking_sources=3, breaking_minutes=60)
    stories = StoryIndex(opts)
    prepared = PIPELINE.prepare(orjson.dumps(SEOUL_EN), None, Origin("t", 0, 0, T0))
    ev = evidence(prepared.event)
    broke = []
    arrivals = [("a", 0), ("b", 100 * 60), ("c", 130 * 60), ("d", 140 * 60), ("e", 150 * 60)]
    for n, (source, minute) in enumerate(arrivals):  # b is 100 min after a: too late
        found = stories.assign(index.get, f"x{n}", replace(ev, source=source), T0 + minute)
        index.apply(found.writes)
        broke.append(found.breaking)
        if found.breaking:
            alert = breaking_alert(found.story, T0 + minute, opts)
    assert broke == [False, False, False, True, False]  # b, c, d within the hour
    story = found.story
    state = story_event(story, T0 + 150 * 60, opts)
    assert (state.status, state.articles, state.source_count) == ("breaking", 5, 5)
    assert state.articles_last_hour == 4
    check_event(json.loads(dumps(state)))
    assert alert.reason == "3 sources within 60 minutes"
    check_event(json.loads(dumps(alert)))
    closed = story_event(story, T0 + 80 * 3600, opts, closed=True)
    assert closed.status == "closed"
    check_event(json.loads(dumps(closed)))


def test_a_storys_top_entities_are_those_most_of_its_articles_name():
    found = run([SEOUL_EN, SEOUL_ID])
    index = MemoryIndex(1000)
    stage = StoryStage(linked=LINKED)
    for n, story in enumerate([SEOUL_EN, SEOUL_ID]):
        prepared = PIPELINE.prepare(orjson.dumps(story), None, Origin("t", 0, n, T0))
        storied = stage.apply(prepared, PIPELINE.decide(prepared, index.get), index.get, T0)
        index.apply(storied.decision.writes)
    top = {e["id"]: e["articles"] for e in top_entities(storied.story)}
    assert top.get("Q37470") == 2  # the UN Security Council, named in both languages
    assert storied.story.id == found[SEOUL_EN["id"]]


def test_posting_lists_rebuilt_from_the_summaries_find_the_same_stories():
    """The worker keeps posting lists in its local store, not the changelog: a new owner
    rebuilds them from the story summaries, and an article still finds its story."""
    opts = StoryOptions()
    stories, live = StoryIndex(opts), MemoryIndex(10_000)
    evs = {}
    for n, story in enumerate([SEOUL_EN, *UNRELATED]):
        prepared = PIPELINE.prepare(orjson.dumps(story), None, Origin("t", 0, n, T0))
        evs[story["id"]] = StoryStage(linked=LINKED).evidence(prepared.event)
        live.apply(stories.assign(live.get, story["id"], evs[story["id"]], T0 + n).writes)
    kept = {k: v for k, v in live._data.items() if not k.startswith(FEATURE)}
    summaries = [Story.from_bytes(v) for k, v in kept.items() if k.startswith(STORY)]
    rebuilt = MemoryIndex(10_000)
    rebuilt.apply(kept | postings_of(summaries, opts))
    prepared = PIPELINE.prepare(orjson.dumps(SEOUL_ID), None, Origin("t", 0, 9, T0))
    ev = StoryStage(linked=LINKED).evidence(prepared.event)
    assert stories.assign(rebuilt.get, "id-late", ev, T0 + 60).story.id == story_id(SEOUL_EN["id"])


def test_a_watch_per_story_alerts_once_for_the_story_a_watch_per_article_each_time(check_event):
    """The Seoul story in two languages and a copy of the wire: both watches match all
    three; per article, two alerts (the copy is a duplicate, which never alerts); per
    story, one, keyed by the story."""
    watches = parse_watchlist(
        "watches:\n"
        "  - {name: each, keywords: [Zinoviev]}\n"
        "  - {name: once, keywords: [Zinoviev], per: story}\n"
    )
    copy = {**SEOUL_EN, "id": "copy-of-wire"}
    lines = [orjson.dumps(s) for s in [SEOUL_EN, *UNRELATED[:2], SEOUL_ID, copy]]
    alerts = io.BytesIO()
    process_lines(lines, io.BytesIO(), PIPELINE, watches=watches, alerts=alerts)
    found = [orjson.loads(line) for line in alerts.getvalue().splitlines()]
    for alert in found:
        check_event(alert)
    each = [a for a in found if a["watch"] == "each"]
    once = [a for a in found if a["watch"] == "once"]
    assert sorted(a["story_id"] for a in each) == sorted([SEOUL_EN["id"], SEOUL_ID["id"]])
    assert [(a["story_id"], a["per"]) for a in once] == [(SEOUL_EN["id"], "story")]
    assert once[0]["event_story_id"] == story_id(SEOUL_EN["id"])


def test_a_watch_per_story_remembers_across_a_restart_and_a_replay():
    """The `sw:` entry is the memory: a stage with the same state does not alert again
    for a later article of the story, and a replay of the first writes the entry again."""
    watches = parse_watchlist("watches: [{name: once, keywords: [Zinoviev], per: story}]")
    stage, index = StoryStage(linked=LINKED), MemoryIndex(1000)
    article = replace(
        PIPELINE.prepare(orjson.dumps(SEOUL_EN), None, Origin("t", 0, 0, T0)).event,
        story_id="s1",
    )
    first, writes = stage.alerts(article, watches, index.get, T0)
    index.apply(writes)
    later, again = StoryStage(linked=LINKED).alerts(
        replace(article, id="later"), watches, index.get, T0 + 60
    )
    assert [a.watch for a in first] == ["once"] and later == []
    assert list(again) == list(writes) == ["sw:s1#once"]


def test_the_hot_stories_are_those_with_most_articles_in_the_last_hour():
    hot = HotStories()
    old = Story("old", T0 - 7200, T0 - 7200, articles=9, recent=[[T0 - 7200, "a"]] * 9)
    big = Story("big", T0 - 600, T0, articles=5, recent=[[T0 - 4000, "a"], *[[T0, "b"]] * 4])
    small = Story("small", T0, T0, articles=2, recent=[[T0, "c"]] * 2)
    for story in (old, big, small, replace(small, articles=3, recent=[[T0, "c"]] * 3)):
        hot.add(story)
    top = hot.top(T0 + 60)
    assert [(s["story_id"], s["articles_last_hour"]) for s in top] == [("big", 4), ("small", 3)]
    assert "old" not in hot.stories  # past the hour: dropped


@pytest.mark.parametrize(
    ("published_minutes_ago", "stale"), [(None, False), (30, False), (90, True), ("bad", False)]
)
def test_an_alert_on_old_news_is_marked_stale(published_minutes_ago, stale, check_event):
    """Older than the stale setting (60 minutes) by its published_at, else its arrival
    (now, here): after an outage a desk tells old news from new."""
    now = T0 + 7200
    published = {
        None: None, "bad": "yesterday", 30: utc_iso(now - 1800), 90: utc_iso(now - 5400)
    }[published_minutes_ago]  # fmt: skip
    watches = parse_watchlist("watches: [{name: w, keywords: [Zinoviev]}]")
    article = PIPELINE.prepare(orjson.dumps(SEOUL_EN), None, Origin("t", 0, 0, now)).event
    article = replace(article, published_at=published)
    (alert,), _ = StoryStage(linked=LINKED).alerts(article, watches, MemoryIndex(10).get, now)
    assert alert.stale is stale
    check_event(json.loads(dumps(alert)))


def test_a_breaking_alert_sent_long_after_the_story_broke_is_stale():
    opts = StoryOptions()
    story = Story("s", T0, T0, recent=[[T0, "a"], [T0, "b"], [T0, "c"]], breaking_at=T0)
    assert not breaking_alert(story, T0 + 60, opts).stale
    late = breaking_alert(story, T0 + 2 * 3600, opts)  # decided in a catch-up
    assert late.stale and late.reason == "3 sources within 60 minutes"


def test_an_article_without_published_at_is_stale_by_its_arrival():
    now = T0 + 7200
    watches = parse_watchlist("watches: [{name: w, keywords: [Zinoviev]}]")
    arrived = Origin("t", 0, 0, now - 5400)  # read from the raw topic after an outage
    article = PIPELINE.prepare(orjson.dumps(SEOUL_EN), None, arrived).event
    article = replace(article, published_at=None)
    (alert,), _ = StoryStage(linked=LINKED).alerts(article, watches, MemoryIndex(10).get, now)
    assert alert.stale
