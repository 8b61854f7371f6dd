"""Feeds, sitemaps and wire formats read into items and raw stories (our own fixtures,
written from IPTC's specifications and real feeds' shapes), and hostile documents refused."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from workers.sources import documents
from workers.sources.items import Item, canonical_link, raw_story, story_id
from workers.sources.xml import Refused, to_utf8

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"


def read(name: str, kind: str = "auto") -> documents.Document:
    return documents.read((FIXTURES / name).read_bytes(), kind)


@pytest.mark.parametrize(
    ("name", "kind", "count"),
    [
        ("ninjs-1.json", "ninjs", 1),
        ("ninjs-2.json", "ninjs", 1),
        ("newsml-g2.xml", "newsml", 1),
        ("newsml-1.2.xml", "newsml", 1),
        ("nitf.xml", "nitf", 1),
        ("feed.rss", "rss", 3),
        ("feed.atom", "atom", 1),
        ("feed.json", "jsonfeed", 2),
        ("news-sitemap.xml", "sitemap", 2),
    ],
)
def test_auto_tells_each_kind_and_every_item_makes_a_valid_raw_story(name, kind, count, check_raw):
    document = read(name)
    assert document.kind == kind
    assert len(document.items) == count
    for item in document.items:
        story = raw_story(item, item.key("src"), "src")
        if kind != "sitemap":  # a sitemap's items get their text from their pages
            check_raw(orjson.loads(orjson.dumps(story)))


def test_ninjs_1x_maps_text_byline_dateline_and_the_providers_subjects():
    (item,) = read("ninjs-1.json").items
    assert item.headline == "Banjir rendam tiga kecamatan di Jakarta Timur"
    assert item.body.splitlines()[0] == "Hujan deras sejak Senin malam membuat Kali Sunter meluap."
    assert item.published_at == datetime(2026, 12, 1, 1, 15, tzinfo=UTC)  # firstcreated, +07:00
    assert (item.guid, item.version, item.language) == (
        "urn:newsml:example.org:20261201:flood-jkt", "2", "id",
    )  # fmt: skip
    provider = item.provider
    assert provider["byline"] == "Rina Wulandari"
    assert provider["dateline"] == "Jakarta"
    assert provider["credit"] == "Kantor Berita Contoh"
    assert provider["urgency"] == 3
    assert {"kind": "subject", "name": "bencana alam", "code": "medtop:03000000"} in provider[
        "subjects"
    ]
    assert {"kind": "place", "name": "Jakarta Timur"} in provider["subjects"]


def test_ninjs_2x_takes_the_main_headline_and_html_body_as_text_without_captions():
    (item,) = read("ninjs-2.json").items
    assert item.headline == "Port strike halts container traffic in Rotterdam"
    assert item.body == (
        "Dock workers in Rotterdam stopped work at dawn on Wednesday.\n"
        "The union said the strike would last 48 hours."
    )
    assert item.provider["byline"] == "Tom Ashby"
    assert item.provider["credit"] == "Example Wire"
    story = raw_story(item, item.key(""), "")
    assert story["language"] == "en" and "source" not in story


def test_newsml_reads_the_text_item_of_a_message_and_leaves_packages_and_pictures_out():
    (item,) = read("newsml-g2.xml").items
    assert item.guid == "urn:example:text:quake" and item.version == "3"
    assert item.headline == "Strong quake shakes West Sumatra, no tsunami warning"
    assert item.body == (
        "A magnitude 6.1 earthquake struck off the coast of West Sumatra on Thursday.\n"
        "The meteorology agency said there was no threat of a tsunami."
    )
    assert item.published_at == datetime(2026, 12, 3, 9, 41, tzinfo=UTC)
    assert item.provider["byline"] == "Dewi Lestari"
    assert item.provider["dateline"] == "Padang"
    assert item.provider["urgency"] == 1
    assert {"kind": "geoArea", "name": "West Sumatra"} in item.provider["subjects"]


def test_legacy_newsml_1_2_is_read_too():
    (item,) = read("newsml-1.2.xml").items
    assert item.headline == "Indonesia raises benchmark rate to defend the rupiah"
    assert item.body.splitlines()[1] == "The rupiah had fallen to its weakest level in two years."
    assert item.published_at == datetime(2026, 12, 6, 3, 15, tzinfo=UTC)
    assert (item.guid, item.version, item.language) == (
        "urn:newsml:wire.example.com:20261206:TX-JKT-0042:1", "1", "en",
    )  # fmt: skip
    assert item.provider["credit"] == "Example Wire"
    assert item.provider["byline"] == "Sari Hakim"
    assert item.provider["urgency"] == 3
    assert {"kind": "keyword", "name": "rupiah"} in item.provider["subjects"]


def test_nitf_reads_paragraphs_and_subheads_in_order_not_captions_or_tables():
    (item,) = read("nitf.xml").items
    assert item.body.splitlines() == [
        "Harga beras medium di pasar tradisional Surabaya naik menjadi Rp14.500 per kilogram.",
        "Stok dinilai cukup",
        "Dinas Perdagangan menyatakan stok beras cukup hingga akhir tahun.",
    ]
    assert item.guid == "CONTOH-20261204-0042" and item.language == "id-ID"
    assert item.published_at == datetime(2026, 12, 4, 0, 15, tzinfo=UTC)  # basic ISO, +0700
    assert item.provider["credit"] == "Kantor Berita Contoh"
    assert {"kind": "keyword", "name": "beras"} in item.provider["subjects"]


def test_rss_items_are_identified_by_their_canonical_link_else_their_guid():
    first, second, third = read("feed.rss").items
    assert first.key("contoh") == "url:https://news.example.org/2026/12/03/gempa-sumbar?id=7"
    assert first.body.splitlines()[1] == "BMKG menyatakan gempa tidak berpotensi tsunami."
    assert first.published_at == datetime(2026, 12, 3, 10, 5, tzinfo=UTC)
    assert first.provider == {
        "byline": "Dewi Lestari",
        "subjects": [{"kind": "category", "name": "Nasional"}],
    }
    assert second.language == "id-ID"
    assert third.key("contoh") == "guid:contoh:contoh-2026-0003"
    # the same article through the site's news sitemap is the same item
    sitemap_item = read("news-sitemap.xml").items[0]
    assert sitemap_item.key("other") == first.key("contoh")


def test_jsonfeed_items_text_without_script():
    budget, weather = read("feed.json").items
    assert budget.body == "Lawmakers approved the 2027 budget by 312 votes to 140."
    assert budget.provider == {"byline": "Ana Costa"} and budget.language == "en"
    assert weather.key("j") == "guid:j:2026-12-05-weather"


def test_a_sitemap_index_lists_its_sitemaps():
    document = read("sitemap-index.xml")
    assert document.sitemaps == [
        "https://news.example.org/sitemap-news-1.xml",
        "https://news.example.org/sitemap-news-2.xml",
    ]


def test_canonical_links_drop_tracking_parameters_and_fragments_only():
    assert canonical_link("HTTPS://News.Example.org/a?utm_source=x&id=3&fbclid=y#c") == (
        "https://news.example.org/a?id=3"
    )
    assert canonical_link("https://example.org") == "https://example.org/"
    assert story_id("url:https://example.org/") == story_id("url:https://example.org/")
    assert len(story_id("x" * 10_000)) <= 256


def test_a_wire_items_new_version_is_a_new_item():
    item = Item(guid="urn:x", version="1")
    assert item.key("s") != Item(guid="urn:x", version="2").key("s")


# --- hostile documents ----------------------------------------------------------------

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<%s><channel><title>&lol3;</title></channel></%s>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<%s><item><title>&xxe;</title></item></%s>"""


@pytest.mark.parametrize("kind", ["rss", "newsml", "nitf", "sitemap", "auto"])
@pytest.mark.parametrize("bomb", [LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
def test_entity_declarations_are_refused_in_every_xml_kind(kind, bomb):
    root = {"rss": b"rss", "newsml": b"newsItem", "nitf": b"nitf"}.get(kind, b"urlset")
    with pytest.raises(Refused) as refused:
        documents.read(bomb % (root, root), kind)
    assert refused.value.reason == "entities"


@pytest.mark.parametrize("kind", ["newsml", "nitf", "sitemap"])
def test_deep_nesting_is_refused_while_parsing(kind):
    depth = 100_000
    doc = b"<urlset>" + b"<a>" * depth + b"x" + b"</a>" * depth + b"</urlset>"
    started = time.perf_counter()
    with pytest.raises(Refused) as refused:
        documents.read(doc, kind)
    assert refused.value.reason == "too_deep"
    assert time.perf_counter() - started < 10  # bounded, not a timing goal


def test_deep_nesting_in_a_feed_is_read_within_bounds():
    depth = 50_000
    doc = b"<rss><channel><item><title>t</title>" + b"<x>" * depth + b"</x>" * depth
    doc += b"</item></channel></rss>"
    assert len(documents.read(doc, "rss").items) == 1


@pytest.mark.parametrize("kind", ["auto", "rss", "atom"])
def test_an_html_page_served_as_a_feed_is_refused(kind):
    page = b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</p></body></html>"
    with pytest.raises(Refused) as refused:
        documents.read(page, kind)
    assert refused.value.reason == "not_a_feed"


def test_windows_1252_declared_as_utf8_and_the_reverse_are_read_as_written():
    text = "Café résumé – naïve"
    template = '<?xml version="1.0" encoding="{}"?><rss version="2.0"><channel><item><title>{}</title><link>https://e.org/a</link><description>x</description></item></channel></rss>'
    lying_utf8 = template.format("utf-8", text).encode("cp1252")
    lying_1252 = template.format("windows-1252", text).encode("utf-8")
    for doc in (lying_utf8, lying_1252):
        assert documents.read(doc).items[0].headline == text
    assert (
        to_utf8(template.format("iso-8859-1", "Olá").encode("latin-1")).count("Olá".encode()) == 1
    )


def test_truncated_documents_are_refused_or_read_as_far_as_they_go():
    whole = (FIXTURES / "newsml-g2.xml").read_bytes()
    with pytest.raises(Refused) as refused:
        documents.read(whole[: len(whole) // 2])
    assert refused.value.reason == "malformed"
    feed = (FIXTURES / "feed.rss").read_bytes()
    cut = feed[: feed.index(b"<item>", feed.index(b"</item>")) + 20]
    assert len(documents.read(cut).items) >= 1  # feedparser keeps what came before the cut


def test_not_json_and_not_markup_are_refused_with_a_reason():
    with pytest.raises(Refused, match="malformed"):
        documents.read(b'{"items": [', "auto")
    with pytest.raises(Refused, match="not_a_feed"):
        documents.read(b"\x00\x01binary\xff", "auto")


def test_the_coverage_evaluation_reads_a_folder_of_documents():
    from workers.evaluation.sources import evaluate

    report, refused = evaluate(FIXTURES)
    assert refused == []
    assert report["rss"]["items"] == 3 and report["rss"]["headline"] == 1.0
    assert report["newsml"] == {
        "documents": 2, "items": 2, "headline": 1.0, "body": 1.0, "published_at": 1.0,
        "language": 1.0, "url": 0.0, "guid": 1.0,
    }  # fmt: skip
    assert report["sitemap"]["documents"] == 2 and report["sitemap"]["body"] == 0.0
