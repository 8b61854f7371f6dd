"""The cleaning evaluation: its corpus has the issue's shape, and the line alignment is right."""

from collections import Counter, defaultdict

from workers.evaluation.cleaning import removed_flags
from workers.evaluation.cleaning_corpus import corpus


def test_corpus_shape():
    stories = list(corpus())
    kinds = Counter(line.kind for story in stories for line in story.lines)
    assert len(stories) >= 300
    assert len({story.source for story in stories}) >= 20
    assert len({story.language for story in stories}) >= 8
    assert kinds["hard"] >= 100 and kinds["heldout"] > 0 and kinds["own_ad"] > 0
    assert sum(not any(line.boilerplate for line in story.lines) for story in stories) >= 30


def test_removed_flags_follow_kept_lines_in_order_and_datelines():
    lines = ["ADS", "JAKARTA - Banjir naik.", "Baca juga: x", "Warga pergi.", "Warga pergi."]
    body = "Banjir naik.\nWarga pergi."
    assert removed_flags(lines, body) == [True, False, True, False, True]


def test_templated_corpus_repeats_each_outlets_template_and_keeps_the_shape():
    stories = list(corpus(templated=True))
    by_outlet = defaultdict(list)
    for story in stories:
        by_outlet[story.source].append(story)
    assert len(stories) == 360 and len(by_outlet) >= 20
    for source, own in by_outlet.items():
        with_heldout = sum(any(line.kind == "heldout" for line in s.lines) for s in own)
        assert with_heldout >= len(own) // 2, source  # its held-out line, in most stories
