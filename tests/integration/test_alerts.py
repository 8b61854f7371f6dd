"""Watchlist alerts from a real worker: emitted once per story and watch, re-read live."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import orjson
from conftest import NEWSWIRE
from kafka import KafkaConsumer
from test_worker import metric, story

WATCHES = """
watches:
  - {name: russia, entities: [Q159]}
  - {name: ammo, keywords: {id: [ekspor amunisi]}}
"""
AMMO = (
    "Poongsan Corporation membantah tuduhan ekspor amunisi ke Rusia pada Senin. "
    "Juru bicara perusahaan mengatakan semua izin telah diperiksa oleh pemerintah."
)
RAIN = "Hujan deras turun di Surabaya sepanjang hari Selasa, merendam puluhan rumah warga."
FLOOD = "Banjir di Surabaya surut pada Rabu pagi, kata petugas setempat kepada wartawan."


def rewrite(path: Path, text: str) -> None:
    """New content with a newer mtime, so the worker sees a change however fast we are."""
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))


def wait_log(worker, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in worker.log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"{text!r} not logged"
        time.sleep(0.5)


class Alerts:
    def __init__(self, env: dict[str, str]) -> None:
        self.events: list[dict] = []
        self.consumer = KafkaConsumer(
            env["NEWSWIRE_TOPIC_PREFIX"] + ".alerts",
            bootstrap_servers=env["NEWSWIRE_KAFKA_BOOTSTRAP"],
            group_id=None,
            auto_offset_reset="earliest",
        )

    def wait_for(self, count: int, timeout: float = 60.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            for records in self.consumer.poll(timeout_ms=500).values():
                for record in records:
                    self.events.append({**orjson.loads(record.value), "_key": record.key})
        assert len(self.events) >= count, f"only {len(self.events)} of {count} alerts"
        return self.events


def test_alerts_once_per_story_and_watch_and_the_watchlist_reloads(
    env, workers, send, outcomes, tmp_path, check_event
):
    watchlist = tmp_path / "watch.yaml"
    watchlist.write_text(WATCHES)
    env["NEWSWIRE_WATCHLIST"] = str(watchlist)
    alerts = Alerts(env)
    worker = workers.start()
    send([story("ammo-1", AMMO), story("ammo-copy", AMMO), story("rain-1", RAIN)])
    events = outcomes.wait_for(3)
    found = alerts.wait_for(2)
    time.sleep(2)
    alerts.wait_for(0, timeout=2)
    # Of the two copies, the one decided first is the story (either may be: they come
    # through different partitions); the other is a duplicate and alerts nothing.
    (first,) = [e["id"] for e in events if e["kind"] == "enriched" and e["id"] != "rain-1"]
    assert sorted((a["watch"], a["story_id"], a["_key"]) for a in found) == [
        ("ammo", first, f"{first}:ammo".encode()),
        ("russia", first, f"{first}:russia".encode()),
    ]
    for alert in found:
        check_event({k: v for k, v in alert.items() if k != "_key"})

    rewrite(watchlist, WATCHES + "  - {name: surabaya, keywords: [surabaya]}\n")
    wait_log(worker, "re-read: 3 watches")
    send([story("rain-2", RAIN + " Air setinggi lutut.")])
    assert alerts.wait_for(3)[-1]["watch"] == "surabaya"

    rewrite(watchlist, "watches: [{name: broken}]")
    wait_log(worker, "refused, the 3 watches read before stay in force")
    send([story("flood-1", FLOOD)])
    assert alerts.wait_for(4)[-1]["story_id"] == "flood-1"

    # The counter moves once the broker has acknowledged the alert, which a consumer
    # can read a moment before that: wait for it rather than race it.
    deadline = time.monotonic() + 10
    text = worker.metrics()
    while metric(text, "newswire_alerts_total", '{watch="surabaya"}') < 2:
        assert time.monotonic() < deadline, "the surabaya alerts were never counted"
        time.sleep(0.2)
        text = worker.metrics()
    assert metric(text, "newswire_alerts_total", '{watch="russia"}') == 1
    assert metric(text, "newswire_alerts_total", '{watch="surabaya"}') == 2
    alerts.consumer.close()

    # newswire top reads the same worker: its alerts and the entities it linked.
    url = f"http://127.0.0.1:{worker.env['NEWSWIRE_METRICS_PORT']}/metrics"
    screen = subprocess.run(
        [NEWSWIRE, "top", "--once", "--interval", "0.5", "--url", url],
        env={**os.environ, "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert screen.returncode == 0, screen.stderr
    for expected in ("stories in", "surabaya", "russia", "Russia", "raw:0", "p99"):
        assert expected in screen.stdout, expected

    # newswire tail prints every outcome and alert readably.
    follow = subprocess.Popen(
        [NEWSWIRE, "tail", "--from-beginning"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, _ = follow.communicate(timeout=12)
    except subprocess.TimeoutExpired:
        follow.terminate()
        out, _ = follow.communicate(timeout=10)
    assert f"+ enriched  {first}" in out
    assert "= duplicate " in out and "(exact, similarity 1.00)" in out
    assert f"! alert     {first}  watch russia: entities: Russia" in out
    assert "! alert     flood-1  watch surabaya: keywords: 'Surabaya'" in out
