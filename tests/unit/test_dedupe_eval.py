"""The dedupe evaluation: its corpus meets the issue's shape, and the quality bars hold."""

from collections import Counter

import pytest

from workers.evaluation.dedupe import pair_scores, report
from workers.evaluation.dedupe_corpus import build


@pytest.fixture(scope="module")
def corpus():
    return build()


def test_pair_scores_by_hand():
    truth = {"a": "1", "b": "1", "c": "2", "d": "2"}
    predicted = {"a": "x", "b": "x", "c": "x", "d": "y"}
    scores = pair_scores(truth, predicted)
    # true pairs ab, cd; predicted ab, ac, bc: one right of three, one of two found
    assert (scores.precision, scores.recall) == (1 / 3, 1 / 2)


def test_corpus_shape(corpus):
    kinds = Counter(s.kind for s in corpus.stories)
    groups = Counter(s.group for s in corpus.stories)
    assert len(corpus.stories) >= 1000
    assert sum(1 for n in groups.values() if n > 1) >= 300
    assert len(corpus.same_event_pairs) >= 300
    assert kinds["exact"] > 0 and kinds["follow_up"] > 0 and kinds["short"] > 0
    assert {s.language for s in corpus.stories} == {"id", "en"}
    assert len({s.id for s in corpus.stories}) == len(corpus.stories)


def test_corpus_is_deterministic(corpus):
    again = build()
    assert [s.body for s in again.stories] == [s.body for s in corpus.stories]


def test_quality_bars_hold(corpus, capsys):
    result = report(corpus, as_json=True)
    ours = result["newswire"]
    assert ours["near_pairs"]["precision"] >= 0.99
    assert ours["near_pairs"]["recall"] >= 0.97
    assert ours["exact_caught"] == ours["exact_total"]
    assert ours["exact_false"] == 0
