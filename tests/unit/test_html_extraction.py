"""The generated HTML pages of `make eval` and their scoring."""

import html

from workers.evaluation.html_extraction import newswire, pages, score, with_trafilatura


def test_pages_are_seeded_and_carry_their_story():
    first, again = pages(12), pages(12)
    assert [p.html for p in first] == [p.html for p in again]
    for page in first:
        for paragraph in page.truth.split("\n"):
            assert f"<p>{html.escape(paragraph)}</p>" in page.html
    assert any("<nav>" in p.html for p in first) and any('class="menu"' in p.html for p in first)


def test_scores_count_words_found_and_missed():
    data = pages(4)
    perfect = score(lambda page: data[[p.html for p in data].index(page)].truth, data)
    assert (perfect["precision"], perfect["recall"], perfect["f1"]) == (1.0, 1.0, 1.0)
    assert score(lambda page: "", data)["recall"] == 0.0


def test_both_extractors_keep_the_story():
    data = pages(2)
    for system in (newswire, with_trafilatura):
        assert score(system, data)["recall"] > 0.95
