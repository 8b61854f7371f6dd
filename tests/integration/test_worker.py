"""The worker on a real broker: every outcome kind, schema-valid; state across kill -9."""

from __future__ import annotations

import base64
import re
import time
import urllib.request
from collections import Counter
from pathlib import Path

import orjson
from conftest import partition_of

from workers.bench.load import lags

FAULTS = Path(__file__).parent / "faults"

STORY_A = "\n".join(
    [
        "Baca berita dengan sedikit iklan, klik disini",
        "KABARKITA.CO, Medan - Gubernur Sumatera Utara Rudi Hartawan meresmikan pelabuhan baru "
        "di Belawan pada Rabu.",
        "Baca berita dengan sedikit iklan, klik di sini",
        "Pelabuhan itu dibangun oleh PT Dermaga Utara Jaya dengan biaya Rp 2 triliun.",
        "REUTERS",
    ]
)
STORY_A_COPY = "\n".join(
    [
        "ADVERTISEMENT",
        "Gubernur Sumatera Utara Rudi  Hartawan meresmikan pelabuhan baru di Belawan pada Rabu.",
        "Baca juga: Harga Karet Turun",
        "Pelabuhan itu dibangun oleh PT Dermaga Utara Jaya dengan biaya Rp 2 triliun.",
    ]
)
STORY_B = (
    "SINGAPORE (Reuters) - Oil prices rose on Tuesday after OPEC said output would stay flat.\n"
    "Read more: Asian shares slip\nTraders in London said demand looked firm."
)
STORY_HTML = (
    "<html><body><nav>Home | News</nav><article><p>Floods closed three roads in Jakarta "
    "on Monday, officials said.</p><p>ADVERTISEMENT</p></article></body></html>"
)


def ids_on_different_partitions(prefix: str) -> tuple[str, str]:
    """Two ids the default partitioner puts on different raw partitions."""
    first = f"{prefix}-0"
    for i in range(1, 100):
        other = f"{prefix}-{i}"
        if partition_of(other.encode(), 4) != partition_of(first.encode(), 4):
            return first, other
    raise AssertionError("no two partitions found")


def story(story_id: str, body: str, **fields: str) -> tuple[bytes, bytes]:
    return story_id.encode(), orjson.dumps({"id": story_id, "body": body, **fields})


BAD_INPUTS = {
    "invalid_json": b'{"id": "bad-1", "body": "cut',
    "invalid_utf8": b'{"id": "bad-2", "body": "caf\xe9"}',
    "not_object": b'["a", "list"]',
    "missing_field": b'{"id": "bad-4"}',
    "wrong_type": b'{"id": "bad-5", "body": 42}',
    "too_large": orjson.dumps({"id": "bad-6", "body": "x " * 15_000}),
    "bad_content_type": b'{"id": "bad-7", "body": "t", "content_type": "image/png"}',
}


def metric(text: str, name: str, labels: str = "") -> float:
    m = re.search(rf"^{name}{re.escape(labels)} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(m.group(1)) if m else 0.0


def test_every_outcome_kind_arrives_schema_valid(env, workers, send, outcomes, check_event):
    worker = workers.start()
    a, a_copy = ids_on_different_partitions("wire-a")
    good = [
        story(a, STORY_A, source="kabarkita"),
        story(a_copy, STORY_A_COPY, source="other"),
        story("wire-b", STORY_B, headline="Oil rises"),
        story("wire-html", STORY_HTML, content_type="text/html"),
    ]
    bad = [(f"bad-{code}".encode(), data) for code, data in BAD_INPUTS.items()]
    send(good + bad)

    events = outcomes.wait_for(len(good) + len(bad))
    outcomes.poll(3)  # nothing extra may follow
    assert len(outcomes.events) == len(good) + len(bad)
    for event in events:
        check_event({k: v for k, v in event.items() if not k.startswith("_")})

    kinds = Counter(e["kind"] for e in events)
    assert kinds == {"enriched": 3, "duplicate": 1, "rejected": len(bad)}
    by_topic = {e["_topic"].rsplit(".", 1)[1]: e["kind"] for e in events}
    assert by_topic == {"enriched": "enriched", "duplicates": "duplicate", "deadletter": "rejected"}

    duplicate = next(e for e in events if e["kind"] == "duplicate")
    enriched = {e["id"]: e for e in events if e["kind"] == "enriched"}
    assert {duplicate["id"], duplicate["duplicate_of"]} == {a, a_copy}
    canonical = enriched[duplicate["duplicate_of"]]
    assert duplicate["cluster_id"] == canonical["cluster_id"]
    assert "klik" not in canonical["body"] and "ADVERTISEMENT" not in canonical["body"]
    assert "Floods closed three roads" in enriched["wire-html"]["body"]
    assert {e["text"] for e in enriched["wire-b"]["entities"]} >= {"OPEC", "London"}

    letters = {e["error"]: e for e in events if e["kind"] == "rejected"}
    assert set(letters) == set(BAD_INPUTS)
    for code, data in BAD_INPUTS.items():
        assert base64.b64decode(letters[code]["original_base64"]) == data
        assert letters[code]["topic"] == env["NEWSWIRE_TOPIC_PREFIX"] + ".raw"

    text = worker.metrics()
    assert metric(text, "newswire_stories_in_total") == len(good) + len(bad)
    assert metric(text, "newswire_outcomes_total", '{kind="enriched"}') == 3
    assert metric(text, "newswire_dead_letters_total", '{reason="too_large"}') == 1
    assert metric(text, "newswire_end_to_end_seconds_count") == len(good) + len(bad)
    assert metric(text, "newswire_stage_seconds_count", '{stage="clean"}') >= 4
    assert worker.proc.poll() is None, "bad input must never stop the worker"

    # The lag gauge reports every raw partition once offsets are committed (every few s).
    raw = env["NEWSWIRE_TOPIC_PREFIX"] + ".raw"
    pattern = re.compile(rf'newswire_consumer_lag_messages{{partition="(\d)",topic="{raw}"}} (\S+)')
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lags = pattern.findall(worker.metrics())
        if len(lags) == 4 and all(float(v) == 0 for _, v in lags):
            break
        time.sleep(1)
    assert sorted(p for p, _ in lags) == ["0", "1", "2", "3"]
    assert all(float(v) == 0 for _, v in lags), lags
    assert metric(worker.metrics(), "newswire_stalled_partitions") == 0

    # The probes Kubernetes uses (deploy/k8s): alive, and ready once started.
    base = f"http://127.0.0.1:{worker.env['NEWSWIRE_METRICS_PORT']}"
    for path, answer in (("/healthz", b"ok\n"), ("/readyz", b"ready\n")):
        with urllib.request.urlopen(base + path, timeout=5) as response:
            assert (response.status, response.read()) == (200, answer)


def test_kill_9_and_restart_neither_repeats_nor_forgets(env, workers, send, outcomes, check_event):
    first = workers.start()
    bodies = [STORY_B, ORIGINAL, STORY_A]  # three different stories
    send([story(f"k-{i}", body) for i, body in enumerate(bodies)])
    outcomes.wait_for(3)
    time.sleep(0.5)  # likely before the next offset commit: replays must be recognised
    first.kill()

    workers.start()
    send([story("k-copy", bodies[0])])
    send([story("k-new", "A fresh story sent after the restart, about Jakarta.")])
    events = outcomes.wait_for(5, timeout=120)
    outcomes.poll(8)  # replayed messages, if any, would show up by now
    events = outcomes.events
    for event in events:
        check_event({k: v for k, v in event.items() if not k.startswith("_")})
    assert Counter(e["id"] for e in events) == {f"k-{i}": 1 for i in range(3)} | {
        "k-copy": 1,
        "k-new": 1,
    }
    copy = next(e for e in events if e["id"] == "k-copy")
    assert copy["kind"] == "duplicate"
    assert copy["duplicate_of"] == "k-0"


def test_records_faust_drops_on_a_never_committed_partition_are_read_again(
    env, workers, send, outcomes
):
    """Faust drops what it fetched during a rebalance and seeks back to the committed
    offsets; on partitions the group never committed, aiokafka left them past the
    dropped records (the fault: tests/integration/faults). Each must be answered once."""
    ids = [f"d-{i}" for i in range(24)]
    assert {partition_of(i.encode(), 4) for i in ids} == {0, 1, 2, 3}
    send([story(i, f"Story {i}: Belawan port handled {i[2:]} ships on Monday.") for i in ids])
    worker = workers.start(PYTHONPATH=str(FAULTS), DROP_FIRST_FETCH="1").wait_ready()
    outcomes.wait_for(len(ids), timeout=120)
    outcomes.poll(5)  # a message read twice would be answered twice by now
    assert "fault: dropped" in worker.log.read_text(errors="replace")
    assert Counter(e["id"] for e in outcomes.events) == dict.fromkeys(ids, 1)


ORIGINAL = "\n".join(
    [
        "KUALA LUMPUR (Bernama) - The state water operator said on Tuesday it would raise "
        "tariffs for industrial users by eight percent from January to fund pipe repairs.",
        "Chief executive Aminah Razak told reporters the increase was the first in six years "
        "and would not apply to households or small shops.",
        "The operator lost nearly a third of its treated water to leaks last year, according "
        "to figures it published in its annual report.",
        "Manufacturers' groups said they would ask the state government to phase the increase "
        "in over two years to protect exporters already hit by higher energy prices.",
        "The state assembly is due to debate the tariff order when it sits again next month.",
    ]
)
# A republished copy: another outlet's ads, the last paragraph cut, a word changed.
NEAR_COPY = "\n".join(
    [
        "ADVERTISEMENT",
        "The state water operator said on Tuesday it would raise tariffs for industrial users "
        "by eight percent from January to fund pipe repairs.",
        "Read more: Dams at record lows",
        "Chief executive Aminah Razak told reporters the increase was the first in six years "
        "and would not apply to households or small shops.",
        "The operator lost nearly a third of its treated water to leaks last year, according "
        "to figures it released in its annual report.",
        "Manufacturers' groups said they would ask the state government to phase the increase "
        "in over two years to protect exporters already hit by higher energy prices.",
    ]
)


def test_near_duplicates_across_partitions_two_workers_and_a_restart(
    env, workers, send, outcomes, wait_committed, check_event
):
    """4 raw partitions, 2 worker processes; the index survives a kill -9 of both.

    Offsets are committed before the kill, so nothing is replayed: this test is
    about the index; the kill -9 test above is about replays.
    """
    # Workers join one at a time: each join is a rebalance, and two at once have
    # been seen to leave a partition unconsumed.
    first = workers.start("a").wait_ready()
    original, near = ids_on_different_partitions("n")
    send([story(original, ORIGINAL)])
    outcomes.wait_for(1, timeout=120)
    assert holdings([first], [(4, True)]) == [(4, True)]  # alone, it holds all
    pair = [first, workers.start("b").wait_ready()]
    wait_committed()
    # After the join: the decider holds 1 raw partition, the other 3, and the first
    # no longer reports the lag of partitions it gave away.
    assert holdings(pair, [(1, True), (3, False)]) == [(1, True), (3, False)]

    for worker in pair:  # both: whichever held the dedupe partition, the index must survive
        worker.kill()
    workers.start("a").wait_ready()
    workers.start("b").wait_ready()
    exact = "n-exact"
    send([story(near, NEAR_COPY), story(exact, ORIGINAL.replace("  ", " ").upper())])
    events = outcomes.wait_for(3, timeout=150)
    outcomes.poll(5)
    assert len(outcomes.events) == 3
    for event in events:
        check_event({k: v for k, v in event.items() if not k.startswith("_")})
    by_id = {e["id"]: e for e in events}
    assert by_id[original]["kind"] == "enriched"
    cluster = by_id[original]["cluster_id"]
    assert by_id[near]["kind"] == "duplicate"
    assert (by_id[near]["match"], by_id[near]["duplicate_of"]) == ("near", original)
    assert 0.5 < by_id[near]["similarity"] < 1.0
    assert by_id[exact]["match"] == "exact"
    assert {by_id[near]["cluster_id"], by_id[exact]["cluster_id"]} == {cluster}


def holdings(workers: list, want: list[tuple[int, bool]]) -> list[tuple[int, bool]]:
    """Per worker (sorted): how many raw partitions it reports a lag for, and whether it
    holds the prepared one. Polled until it is `want` (30 s at most): the gauges are
    refreshed every 5 s."""
    deadline = time.monotonic() + 30
    while True:
        held = [lags(worker.metrics()) for worker in workers]
        now = sorted((sum(".raw:" in tp for tp in tps), any(".prepared:" in tp for tp in tps))
                     for tps in held)  # fmt: skip
        if now == want or time.monotonic() > deadline:
            return now
        time.sleep(1)


def test_a_worker_on_an_empty_state_dir_rebuilds_the_buckets_and_finds_near_copies(
    env, workers, send, outcomes, wait_committed
):
    """The buckets are not in the changelog: a new owner derives them from the table."""
    first = workers.start("old").wait_ready()
    send([story("r-original", ORIGINAL)])
    outcomes.wait_for(1, timeout=120)
    wait_committed()
    assert first.stop() == 0

    fresh = workers.start("new").wait_ready()  # another state directory: nothing local
    send([story("r-near", NEAR_COPY)])
    events = outcomes.wait_for(2, timeout=120)
    near = next(e for e in events if e["id"] == "r-near")
    assert (near["kind"], near["match"], near["duplicate_of"]) == (
        "duplicate",
        "near",
        "r-original",
    )
    log = fresh.log.read_text(errors="replace")
    assert "rebuilding the near-duplicate buckets of 1 stories" in log


def test_learned_boilerplate_is_cut_and_survives_a_new_worker(env, workers, send, outcomes):
    """An outlet's own ad line, with no rule, is learned from distinct stories; the counts
    live in a table, so a worker with an empty state dir restores them."""
    env["NEWSWIRE_LEARN_MIN_STORIES"] = "5"
    env["NEWSWIRE_LINE_MODEL"] = "off"  # it finds this line on its own: learning is tested
    ad = "Langganan Kabar Harian digital kini hanya Rp 9.900 sebulan, cek di aplikasi"
    news = [
        "Pemerintah Kota Medan meresmikan pelabuhan ikan baru di Belawan pada Rabu pagi. "
        "Nelayan setempat menyambut dermaga itu karena kapal mereka kini bisa bersandar "
        "tanpa menunggu air pasang. Wali kota berjanji menambah gudang pendingin tahun depan.",
        "Harga beras medium di pasar induk Cipinang turun dua persen dalam sepekan terakhir. "
        "Pedagang menyebut pasokan dari Karawang dan Demak mulai masuk setelah panen raya. "
        "Bulog tetap menyalurkan cadangan ke operasi pasar di tiga provinsi.",
        "Sebanyak empat puluh sekolah dasar di Garut diliburkan setelah banjir bandang "
        "merendam ruang kelas. Relawan membersihkan lumpur sejak subuh, sementara dinas "
        "pendidikan menyiapkan tenda darurat agar ujian semester tetap berjalan.",
        "Bandara Kertajati di Majalengka akan melayani penerbangan umrah langsung mulai "
        "bulan depan. Dua maskapai sudah mengajukan slot, dan pemerintah provinsi "
        "menyiapkan bus gratis dari Cirebon dan Bandung bagi calon jemaah.",
        "Polisi menangkap tiga tersangka pencurian kabel tembaga milik perusahaan listrik "
        "di Bekasi. Aksi mereka memadamkan aliran ke ratusan rumah selama dua malam. "
        "Barang bukti berupa gulungan kabel dan sebuah mobil bak terbuka disita.",
        "Petani kopi arabika di Toraja memanen lebih awal akibat kemarau panjang yang "
        "mempercepat pematangan buah. Koperasi memperkirakan hasil turun seperlima, "
        "tetapi harga di tingkat eksportir justru naik karena permintaan Jepang tinggi.",
        "Operator kereta cepat menambah enam perjalanan harian untuk libur akhir tahun. "
        "Tiket untuk tanggal dua puluh empat Desember hampir habis terjual, dan stasiun "
        "Padalarang menyiapkan kantong parkir tambahan bagi penumpang dari Cimahi.",
    ]

    def outlet_story(n: int) -> tuple[bytes, bytes]:
        return story(f"learn-{n}", f"{news[n]}\n{ad}", source="kabarharian")

    first = workers.start("w0")
    send([outlet_story(n) for n in range(5)])
    outcomes.wait_for(5)
    time.sleep(10.5)  # the counts are saved at most every 10 s, after a batch
    send([outlet_story(5)])
    outcomes.wait_for(6)
    first.stop()

    workers.start("w1")  # its own, empty state dir: the table comes from the changelog
    send([outlet_story(6)])
    events = {e["id"]: e for e in outcomes.wait_for(7, timeout=120)}
    assert [events[f"learn-{n}"]["kind"] for n in range(7)] == ["enriched"] * 7
    assert all(ad in events[f"learn-{n}"]["body"] for n in range(5))
    for n in (5, 6):
        assert ad not in events[f"learn-{n}"]["body"]
        assert {"text": ad, "reason": "learned"} in events[f"learn-{n}"]["removed"]
