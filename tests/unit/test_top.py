"""`newswire top`: the figures computed from two /metrics readings, and the screen."""

from dataclasses import replace

from prometheus_client import CollectorRegistry, generate_latest
from rich.console import Console

from workers.commands.top import once, parse, render, view
from workers.ops.metrics import Metrics
from workers.records import DuplicateNotice, Enriched, Entity


def enriched(entities: list[Entity]) -> Enriched:
    return Enriched(
        id="s", body="b", language="id", removed=[], cluster_id="c", entities=entities,
        fingerprint="f", received_at="t", emitted_at="t", processing_seconds=0.0,
    )  # fmt: skip


DUP = DuplicateNotice("d", "s", "c", "exact", 1.0, "t", "t")
RUSIA = Entity("Rusia", "LOCATION", 0, 5, {"id": "Q159", "name": "Russia"})


def test_rates_ratios_latency_entities_and_new_alerts_between_two_readings():
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.stories_in.inc(10)
    metrics.observe_outcome(enriched([RUSIA]), 0.02)
    metrics.alerts.labels("russia").inc()
    first = parse(generate_latest(registry).decode(), at=100.0)

    metrics.stories_in.inc(20)
    for _ in range(3):
        metrics.observe_outcome(enriched([RUSIA, RUSIA]), 0.2)
    metrics.observe_outcome(DUP, 0.2)
    metrics.alerts.labels("russia").inc(2)
    metrics.lag.labels("news.raw", "0").set(42)
    metrics.observe_stage("clean", 0.0004)
    second = parse(generate_latest(registry).decode(), at=102.0)

    v = view(second, first)
    assert v.in_rate == 10.0
    assert v.out_rates == {"enriched": 1.5, "duplicate": 0.5, "rejected": 0.0}
    assert v.duplicate_ratio == 0.25
    assert 100 < v.latency_ms["p50"] <= 250  # every outcome of the interval took 0.2 s
    assert v.entities == [("Russia", 7.0)]
    assert v.alerts == {"russia": (3.0, 2.0)}
    assert v.lag == {"news.raw:0": 42.0}
    assert round(v.stages_us["clean"]) == 400

    console = Console(record=True, width=100)
    console.print(render(v, "http://w:9108/metrics"))
    screen = console.export_text()
    for expected in ("stories in", "10.0/s", "25.0%", "raw:0", "Russia", "russia", "+2", "clean"):
        assert expected in screen, expected


def test_an_unreachable_worker_is_said_so():
    console = Console(record=True, width=100)
    assert once("http://127.0.0.1:9/metrics", 0.01, console) is False
    assert "worker not reachable at http://127.0.0.1:9/metrics" in console.export_text()


def test_removed_pieces_are_counted_per_source_with_a_bound():
    from workers.ops.metrics import MAX_SOURCES
    from workers.records import Removed

    registry = CollectorRegistry()
    metrics = Metrics(registry)
    for i in range(MAX_SOURCES + 5):
        removed = [Removed("x", "repeat")]
        event = replace(enriched([]), source=f"outlet-{i}", removed=removed)
        metrics.observe_outcome(event, 0.1)
    reading = parse(generate_latest(registry).decode(), at=0.0)
    sources = reading.by("newswire_lines_removed_total", "source")
    assert len(sources) == MAX_SOURCES + 1 and sources["other"] == 5
