"""`newswire produce`, `newswire worker` errors and the Kafka launcher, on the real broker."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import orjson
from kafka import KafkaConsumer, KafkaProducer

from workers.commands.produce import content_id
from workers.config import DECIDE_PARTITIONS, Settings
from workers.records import ORIGIN_HEADER
from workers.stream.broker import emitted_origins, ensure_topics

ROOT = Path(__file__).resolve().parents[2]
NEWSWIRE = str(Path(sys.executable).parent / "newswire")
sys.path.insert(0, str(ROOT / "deploy" / "kafka"))
from launcher import LocalKafka, free_port  # noqa: E402


def read_topic(env: dict[str, str], topic: str, count: int) -> list[tuple[bytes, bytes]]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=env["NEWSWIRE_KAFKA_BOOTSTRAP"],
        group_id=None,
        auto_offset_reset="earliest",
        consumer_timeout_ms=10_000,
    )
    try:
        found = []
        for record in consumer:
            found.append((record.key, record.value))
            if len(found) == count:
                break
        return found
    finally:
        consumer.close()


def test_produce_sends_jsonl_text_html_and_stdin_keyed_by_id(env, tmp_path):
    jsonl = tmp_path / "stories.jsonl"
    jsonl.write_bytes(
        b'{"id": "j-1", "body": "First story."}\n\n{"body": "No id here."}\nnot json at all\n'
    )
    text = tmp_path / "plain.txt"
    text.write_text("A plain text story about Jakarta.\n")
    page = tmp_path / "page.html"
    page.write_text("<p>An HTML story.</p>")
    result = subprocess.run(
        [NEWSWIRE, "produce", str(jsonl), str(text), str(page), "-"],
        input=b'{"id": "s-1", "body": "From stdin."}\n',
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert "sent 6, failed 0" in result.stderr.decode()
    assert "1 lines not valid JSON" in result.stderr.decode()

    messages = dict(read_topic(env, env["NEWSWIRE_TOPIC_PREFIX"] + ".raw", 6))
    assert messages[b"j-1"] == b'{"id": "j-1", "body": "First story."}'
    assert messages[b"s-1"] == b'{"id": "s-1", "body": "From stdin."}'
    assert messages[content_id(b'{"body": "No id here."}').encode()] == b'{"body": "No id here."}'
    assert messages[content_id(b"not json at all").encode()] == b"not json at all"
    plain = orjson.loads(messages[content_id(text.read_bytes()).encode()])
    assert plain["body"].startswith("A plain text story") and plain["content_type"] == "text/plain"
    html = orjson.loads(messages[content_id(page.read_bytes()).encode()])
    assert html["content_type"] == "text/html"


def test_topics_exist_before_the_worker_the_internal_prepared_one_too(env):
    """The `env` fixture ran `ensure_topics`: every topic is there, `prepared` with the one
    decision partition (a worker joining before Faust creates it would decide nothing)."""
    settings = Settings.from_env(env)
    t = settings.topics
    consumer = KafkaConsumer(bootstrap_servers=env["NEWSWIRE_KAFKA_BOOTSTRAP"])
    try:
        partitions = {
            name: len(consumer.partitions_for_topic(name) or ())
            for name in (t.raw, t.enriched, t.duplicates, t.deadletter, t.alerts, t.prepared)
        }
    finally:
        consumer.close()
    assert partitions == {
        **dict.fromkeys((t.raw, t.enriched, t.duplicates, t.deadletter, t.alerts),
                        settings.partitions),
        t.prepared: DECIDE_PARTITIONS,
    }  # fmt: skip
    assert ensure_topics(settings) == []  # nothing missing the second time


def test_produce_to_a_missing_file_is_a_clear_error(env, tmp_path):
    result = subprocess.run(
        [NEWSWIRE, "produce", str(tmp_path / "nope.jsonl")], env=env, capture_output=True
    )
    assert result.returncode == 2
    assert b"no such file or directory" in result.stderr
    assert b"Traceback" not in result.stderr


def test_worker_with_unreachable_broker_says_so_and_exits(env):
    bad = {**env, "NEWSWIRE_KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}"}
    result = subprocess.run([NEWSWIRE, "worker"], env=bad, capture_output=True, timeout=60)
    assert result.returncode == 2
    stderr = result.stderr.decode()
    assert "no broker answered" in stderr
    assert "Traceback" not in stderr


def test_launcher_stops_the_broker_and_leaves_no_process(tmp_path):
    kafka = LocalKafka(data_dir=tmp_path / "kafka").start()
    pid = kafka.process.pid
    kafka.stop()
    assert kafka.process.poll() is not None
    alive = subprocess.run(["ps", "-o", "pid=", "-g", str(pid)], capture_output=True, text=True)
    assert alive.stdout.strip() == ""


def test_emitted_origins_reads_the_origin_headers_of_recent_outcomes(env):
    settings = Settings.from_env(env)
    producer = KafkaProducer(bootstrap_servers=env["NEWSWIRE_KAFKA_BOOTSTRAP"], acks="all")
    sent_at = time.time()
    for topic, origin in (
        (settings.topics.enriched, "raw:0:1"),
        (settings.topics.deadletter, "raw:3:9"),
    ):
        producer.send(topic, key=b"k", value=b"{}", headers=[(ORIGIN_HEADER, origin.encode())])
    producer.send(settings.topics.duplicates, key=b"k", value=b"{}")  # no header: ignored
    producer.flush()
    producer.close()
    assert emitted_origins(settings, sent_at - 60) == {"raw:0:1", "raw:3:9"}
    assert emitted_origins(settings, time.time() + 60) == set()


def test_bench_measures_every_figure_and_ends_with_json(env):
    argv = ["--stories", "300", "--latency-seconds", "3", "--catchup-stories", "300", "--json"]
    result = subprocess.run(
        [NEWSWIRE, "bench", *argv],
        env=env,
        capture_output=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    figures = orjson.loads(result.stdout.splitlines()[-1])
    for key in ("passthrough_sps", "pipeline_sps", "pipeline_2w_sps", "rss_mb"):
        assert figures[key] > 0, key
    assert set(figures["latency_ms"]) >= {"p50", "p95", "p99"}
    assert figures["latency_ms"]["p50"] <= figures["latency_ms"]["p99"]
    assert figures["latency_first_ms"] > 0  # the warm-up's first message was answered
    assert isinstance(figures["latency_fell_behind"], bool)
    assert set(figures["stages_sps"]) >= {"clean", "dedupe", "entities"}
    assert {"clean", "entities", "dedupe"} <= set(figures["stage_us"])
    assert figures["cpu_ms_per_story"]["backlog"] > 0 < figures["cpu_ms_per_story"]["half_load"]
    catchup = figures["catchup"]
    assert catchup["stories"] == 300 and 0 <= catchup["outcomes_at_quarter"] <= 1
    assert 0 < catchup["first_outcome_s"] < figures["start_s"] == catchup["start_s"]
    assert b"pipeline, 2 workers" in result.stdout


def test_worker_logs_json_lines_when_asked(env, tmp_path):
    from workers.ops.processes import Worker

    worker = Worker({**env, "NEWSWIRE_LOG_FORMAT": "json"}, tmp_path / "w.log").start()
    try:
        worker.wait_ready()
    finally:
        assert worker.stop() == 0
    lines = [line for line in worker.log.read_text().splitlines() if line.strip()]
    records = [orjson.loads(line) for line in lines]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(records[0])
    assert any("Worker ready" in r["message"] for r in records)
