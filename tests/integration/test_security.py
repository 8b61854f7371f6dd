"""SASL and TLS on a real broker: the worker and the producer log in with good credentials
and fail fast with a clear message (and no secret in their output) with bad ones; over TLS
they verify the broker's certificate."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from workers.config import Settings
from workers.stream.broker import ensure_topics

ROOT = Path(__file__).resolve().parents[2]
NEWSWIRE = str(Path(sys.executable).parent / "newswire")
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "deploy" / "kafka"))
from chaos import OutcomeReader, Tally, Worker, worker_env  # noqa: E402
from launcher import LocalKafka  # noqa: E402

USER, PASSWORD = "newswire", "s3cret-Pa55word"


@pytest.fixture(scope="module")
def sasl_kafka() -> Iterator[LocalKafka]:
    with LocalKafka(sasl_users={USER: PASSWORD}, tls=True) as kafka:
        yield kafka


def sasl_env(kafka: LocalKafka, tmp_path: Path, mechanism: str, password: str) -> dict[str, str]:
    prefix = f"s{uuid.uuid4().hex[:10]}"
    return worker_env(
        kafka.sasl_bootstrap,
        prefix,
        tmp_path / "state",
        NEWSWIRE_KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        NEWSWIRE_KAFKA_SASL_MECHANISM=mechanism,
        NEWSWIRE_KAFKA_SASL_USERNAME=USER,
        NEWSWIRE_KAFKA_SASL_PASSWORD=password,
    )


def tls_env(kafka: LocalKafka, tmp_path: Path, **extra: str) -> dict[str, str]:
    prefix = f"s{uuid.uuid4().hex[:10]}"
    return worker_env(
        kafka.tls_bootstrap,
        prefix,
        tmp_path / "state",
        NEWSWIRE_KAFKA_SECURITY_PROTOCOL="SSL",
        **extra,
    )


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "PLAIN", "TLS"])
def test_good_credentials_carry_a_story_end_to_end(sasl_kafka, tmp_path, mechanism):
    if mechanism == "TLS":
        env = tls_env(sasl_kafka, tmp_path, NEWSWIRE_KAFKA_SSL_CAFILE=str(sasl_kafka.ca_file))
    else:
        env = sasl_env(sasl_kafka, tmp_path, mechanism, PASSWORD)
    settings = Settings.from_env(env)
    ensure_topics(settings)
    story = tmp_path / "story.jsonl"
    story.write_bytes(orjson.dumps({"id": "sec-1", "body": "Harga cabai naik di Bandung."}))
    produced = subprocess.run(
        [NEWSWIRE, "produce", str(story)], env=env, capture_output=True, text=True, timeout=60
    )
    assert produced.returncode == 0, produced.stderr
    worker = Worker(env, tmp_path / "worker.log").start()
    tally = Tally(origins=[f"{settings.topics.raw}:0:0"])  # one partition's first message
    reader = OutcomeReader(settings, tally)
    try:
        worker.wait_ready()
        reader.poll_until(lambda: sum(tally.by_topic.values()) >= 1, timeout=60)
    finally:
        worker.stop()
        reader.close()
    assert tally.by_topic["enriched"] == 1
    assert PASSWORD not in worker.log.read_text()


@pytest.mark.parametrize("command", [["worker"], ["produce", "-"]])
def test_bad_credentials_fail_fast_with_a_clear_message(sasl_kafka, tmp_path, command):
    wrong = "not-the-password"
    env = sasl_env(sasl_kafka, tmp_path, "SCRAM-SHA-512", wrong)
    result = subprocess.run(
        [NEWSWIRE, *command], env=env, input="", capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    # Refused logins are named as such; when the broker only drops the connection
    # before kafka-python reads why, the message still names the login as a cause.
    assert f"login of '{USER}' (SCRAM-SHA-512)" in result.stderr
    assert "refused" in result.stderr
    assert wrong not in result.stdout + result.stderr


def test_a_sasl_protocol_without_credentials_is_a_config_error(sasl_kafka, tmp_path):
    env = sasl_env(sasl_kafka, tmp_path, "PLAIN", PASSWORD)
    del env["NEWSWIRE_KAFKA_SASL_PASSWORD"]
    result = subprocess.run([NEWSWIRE, "worker"], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "NEWSWIRE_KAFKA_SASL_PASSWORD" in result.stderr
    assert "required with SASL_PLAINTEXT" in result.stderr


def test_tls_refuses_a_broker_it_cannot_verify(sasl_kafka, tmp_path):
    env = tls_env(sasl_kafka, tmp_path)  # system CAs: the local CA is not among them
    result = subprocess.run(
        [NEWSWIRE, "produce", "-"], env=env, input="", capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "TLS certificate could not be verified" in result.stderr
