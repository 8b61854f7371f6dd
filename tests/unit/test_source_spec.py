"""The sources file: defaults, durations, and errors that name the line; and `newswire
produce` reading wire-format files."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from workers.commands.cli import main
from workers.commands.produce import read_messages
from workers.sources.spec import DEFAULT_EVERY, SourcesError, parse_sources

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"


def test_defaults_and_durations():
    first, second, third = parse_sources(
        """
sources:
  - url: https://news.example.org/rss
  - url: https://news.example.org/sitemap-news.xml
    kind: sitemap
    every: 90s
    language: id
  - url: http://wire.example.com/ninjs
    kind: ninjs
    every: 1h
    source: example-wire
    fetch_article: false
"""
    )
    assert (first.kind, first.every, first.fetch_article) == ("auto", DEFAULT_EVERY, False)
    assert first.source == "news.example.org" and first.line == 3
    assert (second.every, second.fetch_article, second.language) == (90.0, True, "id")
    assert (third.every, third.source) == (3600.0, "example-wire")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("url: ftp://x.org/feed", "line 3: 'url' must be an http(s) URL"),
        ("url: https://x.org/feed\n    kind: gopher", "line 3: 'kind' must be one of"),
        (
            "url: https://x.org/feed\n    every: 2s",
            "line 3: 'every' must be a duration of at least 10s",
        ),
        ("url: https://x.org/feed\n    every: soon", "line 3: 'every' must be"),
        (
            "url: https://x.org/feed\n    fetch_article: yes please",
            "line 3: 'fetch_article' must be true or false",
        ),
        ("url: https://x.org/feed\n    colour: red", "line 3: unknown field 'colour'"),
        (
            "url: https://x.org/feed\n  - url: https://x.org/feed",
            "line 4: https://x.org/feed is listed on line 3 too",
        ),
    ],
)
def test_errors_name_the_line(entry, message):
    with pytest.raises(SourcesError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_sources(f"# my sources\nsources:\n  - {entry}\n")


@pytest.mark.parametrize("text", ["", "sources: 3", "- url: https://x.org", "sources: [\n"])
def test_a_file_without_a_sources_list_is_refused(text):
    with pytest.raises(SourcesError):
        parse_sources(text)


def test_the_command_refuses_a_bad_file_in_one_line_without_a_broker(tmp_path, capsys):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - url: https://x.org/feed\n    every: 1s\n")
    assert main(["sources", str(path)]) == 2
    err = capsys.readouterr().err
    assert "line 2: 'every' must be a duration" in err and err.count("\n") == 1


def test_produce_reads_wire_files_and_reports_those_it_cannot(tmp_path, check_raw):
    (tmp_path / "picture.json").write_bytes(b'{"uri": "urn:p", "type": "picture"}')
    (tmp_path / "lines.json").write_bytes(b'{"id": "a", "body": "one"}\n')
    (tmp_path / "page.xml").write_bytes(b"<html><body>hi</body></html>")
    unread: list[str] = []
    paths = [str(FIXTURES / n) for n in ("ninjs-2.json", "newsml-g2.xml", "nitf.xml")]
    messages = list(read_messages([*paths, str(tmp_path)], io.BytesIO(), unread))
    stories = [orjson.loads(m.value) for m, _ in messages]
    for story in stories:
        check_raw(story)
    assert [s.get("headline") for s in stories[:3]] == [
        "Port strike halts container traffic in Rotterdam",
        "Strong quake shakes West Sumatra, no tsunami warning",
        "Harga beras naik menjelang Natal",
    ]
    assert stories[0]["source"] == "Example Wire" and stories[1]["source"] == "Example Agency"
    assert stories[3] == {"id": "a", "body": "one"}  # a .json of JSON lines is still lines
    assert sorted(Path(u.split(":")[0]).name for u in unread) == ["page.xml", "picture.json"]
    again = [m.key for m, _ in read_messages(paths, io.BytesIO(), [])]
    assert again == [m.key for m, _ in messages[:3]]  # the same keys each time


def test_check_fetches_each_source_once_and_says_what_it_holds(tmp_path, feed_server, capsys):
    rss = feed_server.serve("/rss", (FIXTURES / "feed.rss").read_bytes())
    page = feed_server.serve("/page", b"<!DOCTYPE html><html><body>home</body></html>")
    path = tmp_path / "sources.yaml"
    path.write_text(f"sources:\n  - url: {rss}\n    source: contoh\n  - url: {page}\n")
    assert main(["sources", "--check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"ok    contoh  {rss}: rss, 3 items, 3 with text"
    assert "Gempa magnitudo 6,1 guncang Sumatra Barat" in out[1]
    assert out[-1].startswith("FAIL") and "(line 4): not_a_feed" in out[-1]
