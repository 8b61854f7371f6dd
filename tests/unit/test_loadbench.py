import random
from collections import Counter

import orjson
from prometheus_client import CollectorRegistry, generate_latest

from workers.bench.load import Run, lags, stage_means
from workers.bench.stages import SOURCES, wire_messages, with_new_names
from workers.ops.metrics import Metrics


def test_stage_means_read_from_worker_metrics():
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    for seconds in (0.001, 0.003):
        metrics.observe_stage("clean", seconds)
    metrics.observe_stage("entities", 0.0005)
    means = stage_means(generate_latest(registry).decode())
    assert round(means["clean"]) == 2000 and round(means["entities"]) == 500


def test_lags_read_per_partition_from_worker_metrics():
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.lag.labels("news.raw", "3").set(192)
    metrics.lag.labels("news.prepared", "0").set(0)
    assert lags(generate_latest(registry).decode()) == {"news.raw:3": 192, "news.prepared:0": 0}


def test_unanswered_messages_by_raw_partition():
    run = Run(sent=5)
    run.produced = {f"raw:{p}:{o}": 1.0 for p, o in ((0, 7), (0, 8), (0, 9), (1, 4), (1, 5))}
    run.outcomes = {"raw:0:7": 2.0, "raw:1:4": 2.0, "raw:1:5": 2.0}
    assert run.unanswered() == {0: (2, 8, 9)}
    run.outcomes |= {"raw:0:8": 2.0, "raw:0:9": 2.0}
    assert run.unanswered() == {}


def test_run_rate_and_latency_from_timestamps():
    run = Run(sent=101)
    for i in range(101):
        run.produced[f"raw:0:{i}"] = 100.0 + i * 0.01
        run.outcomes[f"raw:0:{i}"] = 100.0 + i * 0.01 + (0.5 if i == 100 else 0.02)
    assert round(run.window, 2) == 1.48 and round(run.sps) == 68  # first outcome to last
    latency = run.latency_ms()
    assert round(latency["p50"]) == 20 and round(latency["max"]) == 500
    assert latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]
    assert Run(sent=0).latency_ms() == {} and Run(sent=0).sps == 0.0


def test_first_latency_is_of_the_first_message_produced():
    run = Run(sent=3)
    run.produced = {"raw:1:0": 10.0, "raw:0:0": 9.0, "raw:0:1": 11.0}
    run.outcomes = {"raw:1:0": 10.1, "raw:0:0": 9.4, "raw:0:1": 11.2}
    assert round(run.first_latency_ms()) == 400
    run.outcomes.pop("raw:0:0")
    assert run.first_latency_ms() == 0.0 and Run(sent=0).first_latency_ms() == 0.0


def test_bench_messages_come_from_many_outlets_with_their_copies():
    messages = [orjson.loads(value) for _, value in wire_messages(2000)]
    sources = Counter(m["source"] for m in messages)
    assert len(sources) == SOURCES and max(sources.values()) < 2000 / SOURCES * 2
    bodies = Counter(m["body"] for m in messages)
    copies = sum(n - 1 for n in bodies.values())
    assert 0.1 < copies / len(messages) < 0.3  # exact copies, republished by any outlet


def test_new_names_give_each_new_story_words_never_seen_before():
    plain = [orjson.loads(value)["body"] for _, value in wire_messages(300)]
    named = [orjson.loads(value)["body"] for _, value in wire_messages(300, new_names=3)]
    vocabulary = {word for body in plain for word in body.split()}
    invented = {word for body in named for word in body.split()} - vocabulary
    assert len(invented) > 3 * 0.6 * 300  # three in each of the ~70% new stories
    assert all(word.istitle() and word.isalpha() for word in invented)


def test_new_names_only_add_words():
    story = "Satu dua tiga.\nEmpat lima enam."
    named = with_new_names(story, 4, random.Random(3))
    assert named.count("\n") == 1
    kept = [word for word in named.split() if word in story.split()]
    assert kept == story.split() and len(named.split()) == len(story.split()) + 4


def test_catchup_figures_from_start_readiness_and_outcome_times():
    """Started at 100, ready at 104; outcomes from 105 to 124: the quarter is 104-109."""
    run = Run(sent=20, launched=100.0, ready=104.0, cpu_seconds=0.05)
    run.outcomes = {f"raw:0:{i}": 105.0 + i for i in range(20)}
    assert run.catchup() == {
        "stories": 20, "start_s": 5.0, "first_outcome_s": 1.0, "seconds": 20.0,
        "outcomes_at_quarter": 0.25,
    }  # fmt: skip
    assert round(run.cpu_ms_per_story, 2) == 2.5
    assert Run(sent=0).catchup() == {} and Run(sent=0).cpu_ms_per_story == 0.0
