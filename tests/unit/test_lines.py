"""The line model: chrome lines the rules do not know are cut at a story's edges, story
sentences stay, and the fast score is the trained sum of feature weights."""

import pytest

from workers.evaluation.outlet_lines import articles
from workers.pipeline.clean import CleanOptions, clean_body
from workers.pipeline.lines import LineModel, features
from workers.pipeline.normalize import fold
from workers.pipeline.rules import RULES, match_rule
from workers.training.lines import fit

MODEL = LineModel.shipped()
STORY = [
    "Banjir merendam ratusan rumah di Kecamatan Babelan, Bekasi, sejak Minggu malam.",
    "Ketinggian air mencapai satu meter di beberapa titik, kata petugas BPBD setempat.",
    "Warga mengungsi ke masjid dan balai desa terdekat.",
    "Pemerintah kabupaten menyiapkan dapur umum untuk para pengungsi.",
]
# Written for this test in the way outlets write them; no rule matches them.
CHROME = [
    "Jangan ketinggalan kabar terbaru, pantau terus kanal WhatsApp Harian Kabar",
    "Like our page on Facebook for more news",
]
# ... and one it misses (the model is a net under the rules, with holes): kept.
MISSED = "Want the day's top stories? Get our free morning briefing in your inbox"


@pytest.mark.parametrize("line", CHROME)
def test_a_chrome_line_no_rule_knows_is_cut_at_the_end(line):
    assert match_rule(line) is None
    cleaned = clean_body("\n".join([*STORY, line]), "text/plain", CleanOptions())
    assert cleaned.body.split("\n") == STORY
    assert [(r.text, r.reason) for r in cleaned.removed] == [(line, "rule:line_model")]


def test_a_line_it_scores_low_stays():
    assert match_rule(MISSED) is None
    assert MISSED in clean_body("\n".join([*STORY, MISSED]), "text/plain", CleanOptions()).body


def test_it_can_be_turned_off():
    body = "\n".join([*STORY, CHROME[0]])
    assert clean_body(body, "text/plain", CleanOptions(line_model=False)).body == body


def test_the_rules_counter_examples_and_real_articles_stay():
    keeps = [keep for rule in RULES for keep in rule.keep]
    for keep in keeps:  # each as the last line of a story, where the model is bolder
        assert keep in clean_body("\n".join([*STORY, keep]), "text/plain", CleanOptions()).body
    pool = articles()
    for article in pool[:: max(1, len(pool) // 60)]:
        cleaned = clean_body("\n".join(article.lines), "text/plain", CleanOptions())
        assert not [r for r in cleaned.removed if r.reason == "rule:line_model"]


def test_a_story_is_never_cut_to_nothing():
    lines = [(line, fold(line)) for line in CHROME]
    assert MODEL.chrome(lines) == set()


def test_the_score_is_the_sum_of_the_trained_feature_weights():
    for line in [*STORY, *CHROME, "(AP) ___ www.kabar.example @kabar"]:
        folded = fold(line)
        expected = MODEL.bias + sum(MODEL.weights.get(f, 0.0) for f in features(line, folded))
        assert MODEL.score(line, folded) == pytest.approx(expected)


def test_training_separates_the_two_kinds():
    chrome = ["Follow us on WhatsApp", "Subscribe to our newsletter", "Download our app now"] * 3
    story = [*STORY, "The minister said the dam would open in May.", "Harga beras naik lagi."]
    model = fit(chrome, story)
    lowest = min(model.score(c, fold(c)) for c in chrome)
    assert lowest > max(model.score(s, fold(s)) for s in story)
