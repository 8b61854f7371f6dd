import pytest

from workers.config import Settings
from workers.errors import ConfigError
from workers.pipeline.clean import AllowList, CleanOptions, clean_body
from workers.pipeline.core import PipelineOptions

OPTS = CleanOptions()

STORY = """Baca berita dengan sedikit iklan, klik disini
KABAR.CO, Surabaya - Gubernur Jawa Timur meresmikan jembatan baru pada Senin.
Baca berita dengan sedikit iklan, klik di sini
Jembatan itu menghubungkan dua kecamatan yang selama ini terpisah sungai.
Baca juga: Harga Cabai Naik Menjelang Akhir Tahun
Pembangunan memakan biaya Rp 120 miliar, kata kepala dinas.
Baca berita dengan sedikit iklan, klik disini
Pilihan Editor: Banjir Rendam Tiga Desa
ANTARA"""


def test_ads_teasers_and_credit_go_real_sentences_stay():
    cleaned = clean_body(STORY, "text/plain", OPTS)
    assert cleaned.body.split("\n") == [
        "Gubernur Jawa Timur meresmikan jembatan baru pada Senin.",
        "Jembatan itu menghubungkan dua kecamatan yang selama ini terpisah sungai.",
        "Pembangunan memakan biaya Rp 120 miliar, kata kepala dinas.",
    ]
    assert cleaned.dateline == "KABAR.CO, Surabaya"
    assert cleaned.credit == "ANTARA"
    reasons = [r.reason for r in cleaned.removed]
    assert reasons.count("rule:id_fewer_ads") == 3
    assert "rule:id_read_also" in reasons
    assert "rule:id_editor_pick" in reasons


def test_a_line_repeated_inside_a_story_is_removed_once_kept_once():
    body = (
        "Promo: langganan sekarang hemat 50%\nBerita pertama.\nPromo: langganan sekarang hemat 50%"
    )
    cleaned = clean_body(body, "text/plain", OPTS)
    assert cleaned.body == "Promo: langganan sekarang hemat 50%\nBerita pertama."
    assert [r.reason for r in cleaned.removed] == ["repeat"]


def test_a_pages_repeated_lines_are_its_structure_and_stay():
    rows = "".join(f"<h2>Summary</h2><p>Step {n}: stir the sauce for a minute.</p>" for n in (1, 2))
    serve = "Serve it warm. " * 20
    page = f"<html><body><article><h1>Sauce</h1>{rows}<p>{serve}</p></article></body></html>"
    cleaned = clean_body(page, "text/html", OPTS)
    assert cleaned.body.split("\n").count("Summary") == 2
    assert not [r for r in cleaned.removed if r.reason == "repeat"]


def test_sentences_that_mention_ads_or_clicks_are_kept():
    body = (
        "Advertisement spending rose 4 percent in the third quarter.\n"
        "Users who click here and there spend more, the study found.\n"
        "Subscribers to the service rose 10 percent to 4 million."
    )
    cleaned = clean_body(body, "text/plain", OPTS)
    assert cleaned.body == body
    assert cleaned.removed == []


def test_story_without_boilerplate_is_unchanged():
    body = "The central bank held rates.\nAnalysts had expected the move."
    cleaned = clean_body(body, "text/plain", OPTS)
    assert cleaned.body == body
    assert (cleaned.dateline, cleaned.credit, cleaned.removed) == (None, None, [])


def test_allow_list_keeps_a_line_a_rule_would_cut():
    line = "Baca juga: catatan redaksi tentang koreksi berita kemarin"
    cleaned = clean_body(
        f"Isi berita.\n{line}", "text/plain", CleanOptions(allow=AllowList({"*": [line]}))
    )
    assert line in cleaned.body


def test_allow_list_is_per_source():
    line = "Baca juga: catatan redaksi tentang koreksi berita kemarin"
    opts = CleanOptions(allow=AllowList.parse(f"kabar.co:\n  - '{line.upper()}'\n"))
    assert line in clean_body(f"Isi.\n{line}", "text/plain", opts, "kabar.co").body
    assert line not in clean_body(f"Isi.\n{line}", "text/plain", opts, "warta.id").body


@pytest.mark.parametrize("text", ["- a line", "kabar.co: a line", "kabar.co: [1]", "a: [b"])
def test_allow_list_refuses_what_is_not_source_to_lines(text):
    with pytest.raises(ValueError):
        AllowList.parse(text)


def test_html_body_is_reduced_to_text_and_chrome_reported():
    html = (
        "<html><head><title>t</title><script>var ad=1;</script></head><body>"
        "<nav>Home | World | Sport</nav><article><h1>Floods hit Jakarta</h1>"
        "<p>Heavy rain flooded <b>three</b> districts on Monday.</p><p>ADVERTISEMENT</p>"
        "<p>Officials said pumps were working &amp; water was receding.</p></article>"
        "<footer>&copy; 2026 Example News</footer></body></html>"
    )
    cleaned = clean_body(html, "text/html", OPTS)
    assert cleaned.body.split("\n") == [
        "Floods hit Jakarta",
        "Heavy rain flooded three districts on Monday.",
        "Officials said pumps were working & water was receding.",
    ]
    reasons = {r.reason for r in cleaned.removed}
    assert reasons == {"html", "rule:ad_marker"}


def test_broken_html_never_raises():
    for markup in ["<p>unclosed <b>bold", "</div></div>text<p", "<" * 1000, "<a href='x>y</a>"]:
        clean_body(markup, "text/html", OPTS)


def test_deeply_nested_html_is_handled():
    markup = "<div>" * 5000 + "<p>Deep text.</p>" + "</div>" * 5000
    assert "Deep text." in clean_body(markup, "text/html", OPTS).body


@pytest.mark.timeout(30)  # a hang guard: with its attributes, lxml spends ~30 s on this tag
def test_a_tag_of_ninety_thousand_attributes_is_read_without_them():
    attributes = " ".join(f"a{i}='x'" for i in range(90_000))
    page = f"<html><body><div {attributes}><p>Harga beras naik di Jakarta.</p></div></body></html>"
    assert clean_body(page, "text/html", OPTS).body == "Harga beras naik di Jakarta."


def test_crlf_and_blank_lines():
    cleaned = clean_body("First line.\r\n\r\n  Second line.  \r\n", "text/plain", OPTS)
    assert cleaned.body == "First line.\nSecond line."


def test_a_bad_allow_list_file_is_a_config_error_naming_the_setting(tmp_path):
    path = tmp_path / "allow.yaml"
    path.write_text("kabar.co: a line, not a list\n")
    settings = Settings.from_env({"NEWSWIRE_ALLOW_LIST": str(path)})
    with pytest.raises(ConfigError, match="NEWSWIRE_ALLOW_LIST"):
        PipelineOptions.from_settings(settings)


def test_html_main_text_leaves_div_chrome_out_and_lists_it_as_removed():
    story = [
        "Floods closed three main roads in East Jakarta on Monday after the Ciliwung river "
        "rose almost two metres overnight, the city's disaster agency said.",
        "About 4,000 residents moved to mosques and schools on higher ground, and the "
        "governor said the city would pay for repairs to damaged homes.",
        "Schools in the worst-hit districts will stay closed until Wednesday, officials said.",
    ]
    most_read = ["Most read", "Rupiah slips against the dollar", "Five tips for the rainy season"]
    page = (
        '<html><body><div class="menu"><a href="/">Home</a> <a href="/n">News</a></div>'
        '<div class="content"><h1>Floods close roads in Jakarta</h1>'
        + "".join(f"<p>{p}</p>" for p in story)
        + '</div><div class="sidebar">'
        + "".join(f"<div>{line}</div>" for line in most_read)
        + "</div></body></html>"
    )
    cleaned = clean_body(page, "text/html", OPTS)
    assert all(p in cleaned.body for p in story)
    assert not any(line in cleaned.body for line in most_read)
    removed = {r.text for r in cleaned.removed if r.reason == "html"}
    assert set(most_read) <= removed
    assert not any(p in removed for p in story)


def test_the_real_pages_evaluation_scores_snippets_as_trafilatura_does(tmp_path):
    import gzip

    import orjson

    from workers.evaluation.html_pages import Score, evaluate, load

    root = tmp_path / "trafilatura-evaldata"
    (root / "pages").mkdir(parents=True)
    story = "<p>" + "The council approved the new bridge on Monday after a long debate. " * 8
    page = f"<html><body><nav>Home News</nav><article>{story}</p></article></body></html>"
    (root / "pages" / "a.html.gz").write_bytes(gzip.compress(page.encode()))
    entry = {
        "file": "a.html",
        "with": ["approved the new bridge", "not there"],
        "without": ["Home News"],
    }
    (root / "evaldata.json").write_bytes(orjson.dumps({"https://a.example/": entry}))
    pages = load(tmp_path)
    scores = evaluate(pages)
    assert set(scores) == {"newswire", "trafilatura"}
    for score in scores.values():
        assert (score.tp, score.fn, score.fp, score.tn) == (1, 1, 0, 1)
    assert Score(tp=1, fn=1).figures()["recall"] == 0.5
