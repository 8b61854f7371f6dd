"""The `newswire` command in-process: the offline contract and clear errors."""

import io
import sys

import orjson
import pytest

from workers.commands.cli import main

# A story of the seed's kind, written for these tests: ads repeated, a dateline,
# an editor's pick, a wire credit.
ORIGINAL = "\n".join(
    [
        "Baca berita dengan sedikit iklan, klik disini",
        "WARTAKITA.CO, Bandung - Menteri Perdagangan Indonesia Sri Handayani bertemu duta besar "
        "China di Bandung pada Selasa untuk membahas ekspor nikel.",
        "Baca berita dengan sedikit iklan, klik disini",
        "Pertemuan itu berlangsung dua jam, kata juru bicara kementerian.",
        "Baca berita dengan sedikit iklan, klik di sini",
        "Saham PT Nikel Sejahtera Abadi naik 2,1 persen setelah kabar itu.",
        "Pilihan Editor: Harga Nikel Dunia Turun",
        "REUTERS",
    ]
)
# The same story republished: other ad lines, other spacing and quotes, no credit.
COPY = "\n".join(
    [
        "ADVERTISEMENT",
        "Menteri Perdagangan  Indonesia Sri Handayani bertemu duta besar China di Bandung "
        "pada Selasa untuk membahas ekspor nikel.",
        "Baca juga: Ekspor Batu Bara Melambat",
        "Pertemuan itu berlangsung dua jam,   kata juru bicara kementerian.",
        "SCROLL UNTUK LANJUT",
        "Saham PT Nikel Sejahtera Abadi naik 2,1 persen setelah kabar itu.",
    ]
)
ADS = ("klik disini", "klik di sini", "ADVERTISEMENT", "Baca juga", "Pilihan Editor", "SCROLL")


def run_process(lines, monkeypatch, capsysbinary):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\n".join(lines) + b"\n")))
    code = main(["process"])
    out = capsysbinary.readouterr().out
    return code, [orjson.loads(line) for line in out.splitlines()]


def test_process_enriched_duplicate_rejected_in_order(monkeypatch, capsysbinary, check_event):
    lines = [
        orjson.dumps({"id": "orig-1", "source": "wartakita", "body": ORIGINAL}),
        orjson.dumps({"id": "copy-1", "source": "other", "body": COPY}),
        b'{"id": "broken", "body": "cut off',
    ]
    code, events = run_process(lines, monkeypatch, capsysbinary)
    assert code == 0
    assert [e["kind"] for e in events] == ["enriched", "duplicate", "rejected"]
    for event in events:
        check_event(event)
    enriched, duplicate, rejected = events
    assert not any(ad in enriched["body"] for ad in ADS)
    assert enriched["dateline"] == "WARTAKITA.CO, Bandung"
    assert enriched["credit"] == "REUTERS"
    assert duplicate["duplicate_of"] == "orig-1"
    assert duplicate["cluster_id"] == enriched["cluster_id"]
    assert rejected["error"] == "invalid_json"


def test_process_reads_and_writes_files(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(orjson.dumps({"id": "a", "body": ORIGINAL}) + b"\n\n" + b"[]\n")
    assert main(["process", "-i", str(src), "-o", str(dst)]) == 0
    kinds = [orjson.loads(line)["kind"] for line in dst.read_bytes().splitlines()]
    assert kinds == ["enriched", "rejected"]


def test_missing_input_file_is_a_one_line_error(tmp_path, capsys):
    assert main(["process", "-i", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "newswire: error:" in err
    assert "Traceback" not in err


def test_bad_setting_is_a_one_line_error(monkeypatch, capsys):
    monkeypatch.setenv("NEWSWIRE_PARTITIONS", "many")
    assert main(["process"]) == 2
    assert "NEWSWIRE_PARTITIONS='many': expected an integer" in capsys.readouterr().err


def test_unknown_option_exits_with_usage(capsys):
    with pytest.raises(SystemExit) as info:
        main(["process", "--frobnicate"])
    assert info.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_help_lists_commands_and_settings(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for word in ("worker", "produce", "process", "tail", "NEWSWIRE_KAFKA_BOOTSTRAP"):
        assert word in out


def test_bench_refuses_a_corpus_too_small_to_measure(capsys):
    assert main(["bench", "--stories", "5"]) == 2
    assert "--stories" in capsys.readouterr().err


def test_process_writes_the_alerts_of_the_watchlist(tmp_path, monkeypatch, check_event):
    watchlist = tmp_path / "watch.yaml"
    watchlist.write_text("watches:\n  - {name: bandung, keywords: [bandung]}\n")
    monkeypatch.setenv("NEWSWIRE_WATCHLIST", str(watchlist))
    src, dst, alerts = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "alerts.jsonl"
    lines = [
        orjson.dumps({"id": "orig-1", "body": ORIGINAL}),
        orjson.dumps({"id": "copy-1", "body": COPY}),  # a duplicate: no second alert
        orjson.dumps({"id": "other", "body": "Hujan turun di Surabaya sepanjang hari Senin."}),
    ]
    src.write_bytes(b"\n".join(lines) + b"\n")
    args = ["process", "-i", str(src), "-o", str(dst), "--alerts", str(alerts)]
    assert main(args) == 0
    found = [orjson.loads(line) for line in alerts.read_bytes().splitlines()]
    assert [(a["watch"], a["story_id"]) for a in found] == [("bandung", "orig-1")]
    check_event(found[0])


def test_alerts_without_a_watchlist_is_a_clear_error(tmp_path, capsys):
    assert main(["process", "--alerts", str(tmp_path / "a.jsonl")]) == 2
    assert "needs a watchlist: set NEWSWIRE_WATCHLIST" in capsys.readouterr().err


def test_tail_says_what_happened_to_each_story_and_why():
    from workers.commands.tail import format_event

    lines = {
        kind: format_event(orjson.dumps(event))
        for kind, event in {
            "duplicate": {"kind": "duplicate", "id": "b", "duplicate_of": "a",
                          "match": "near", "similarity": 0.82},
            "rejected": {"kind": "rejected", "id": "c", "error": "invalid_json",
                         "message": "not JSON", "topic": "news.raw", "partition": 1, "offset": 7},
            "alert": {"kind": "alert", "watch": "ports", "story_id": "d",
                      "reason": "keywords: 'port strike'", "headline": "Port strike",
                      "snippets": [], "entities": [], "emitted_at": "t"},
        }.items()
    }  # fmt: skip
    assert lines["duplicate"] == "= duplicate b  of a  (near, similarity 0.82)"
    assert lines["rejected"] == "x rejected  c  invalid_json: not JSON  (from news.raw:1:7)"
    assert lines["alert"] == "! alert     d  watch ports: keywords: 'port strike'\n    Port strike"
