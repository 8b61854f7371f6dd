"""The CRF tagger: which words it reads (the compiled reader against the regexes it
stands for), that its scores are the trained features' weights, that Viterbi finds
the best labels, and that a saved model tags the same after loading."""

import itertools
import re

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from workers.pipeline.crf import (
    BOUNDARY,
    CONNECTORS,
    CONTEXT_CHARS,
    TEMPLATES,
    TOKEN,
    run_keys,
    runs_of,
    shape,
)

from workers.pipeline.entities import EntityTagger
from workers.pipeline.tagger import Tagger

MODEL = EntityTagger.load().taggers["id"]

# The runs `runs_of` reads by hand, as one regex: a capital after no word character or
# hyphen, then the rest of its word, then connected capitalised words, initials'
# dots and bracketed names.
CAPITALS = "A-Z\u00c0-\u00d6\u00d8-\u00de"
REST = r"\w*(?:[\-.]\w+|['\u2019](?![sS]\b)\w+)*"
CAP_WORD = rf"[{CAPITALS}]{REST}"
SEPARATOR = (
    rf"[ \t]+(?:(?:{'|'.join(sorted(CONNECTORS))})[ \t]+)?|(?<=\b[{CAPITALS}])[ \t]?\.[ \t]*"
)
BRACKETED = rf"[ \t]*\([ \t]*{CAP_WORD}(?:[ \t]+{CAP_WORD})*[ \t]*\)"
RUN = re.compile(rf"[{CAPITALS}](?<![\w\-].){REST}(?:(?:{SEPARATOR}){CAP_WORD}|{BRACKETED})*")


def runs(text: str, openers=frozenset({"desa"})):
    return [(r.words, r.before, r.after) for r in runs_of(text, openers)]


def test_runs_are_capitalised_words_with_connectors_initials_and_brackets():
    assert [r[0] for r in runs(
        "Menurut Bank of America, Datuk Seri M. Saravanan dan Bursa Efek Indonesia (BEI) "
        "Medan di desa Sukamaju."
    )] == [
        ["Menurut", "Bank", "of", "America"],
        ["Datuk", "Seri", "M", ".", "Saravanan", "dan", "Bursa", "Efek", "Indonesia", "(",
         "BEI", ")", "Medan"],
        ["desa", "Sukamaju"],
    ]  # fmt: skip


def test_runs_carry_two_words_of_context_within_their_line():
    (head, name, line) = runs("Harga naik, kata Joko Widodo kemarin.\nAntara melaporkan")
    assert head == (["Harga"], [BOUNDARY, BOUNDARY], ["naik", ","])
    assert name == (["Joko", "Widodo"], [",", "kata"], ["kemarin", "."])
    assert line == (["Antara"], [BOUNDARY, BOUNDARY], ["melaporkan", BOUNDARY])


def test_lowercase_and_hyphenated_words_start_no_run():
    assert runs("se-Indonesia dan non-Muslim ikut") == []


# Letters, capitals, digits, marks, apostrophes, hyphens, dots, brackets, tabs and line
# breaks: what the reader's hand-written token rules have to get right.
TRICKY = st.text(
    alphabet=st.sampled_from(list("AaBbSsÉéİıΣς_0٣' \u2019-.,()\t\n\u00a0\u0301\u2028")),
    max_size=80,
)
WORDS = st.lists(
    st.sampled_from(
        [
            "Bank",
            "of",
            "America",
            "M.",
            "U.S",
            "O'Brien",
            "Tae-yul",
            "(BEI)",
            "desa",
            "Sukamaju",
            "dan",
            "Joko's",
            "ÉCOLE",
            "x",
            ",",
            "\n",
            "kata",
            "__",
            "٣",
        ]
    ),
    max_size=30,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TRICKY, WORDS))
@example("Kata JO'S dan Ali's U.S.-led Tae-yul x'S y-. O'Brien 's desa  Sukamaju\tdesa Ba")
@example("ÉCOLE  (BEI)\n Bank of\nAmerica __A_b ٣A Σς")
def test_runs_read_the_tokens_the_regex_reads(text):
    """Each run's words, spans and context are what TOKEN finds around the RUN match."""
    found = runs_of(text, frozenset({"desa"}))
    edges = [(run.spans[run.words[0] == "desa"][0], run.spans[-1][1]) for run in found]
    assert edges == [m.span() for m in RUN.finditer(text)]
    for run in found:
        start, end = run.spans[0][0], run.spans[-1][1]
        assert [text[a:b] for a, b in run.spans] == run.words
        opener = run.words[0] == "desa"
        assert run.words[opener:] == TOKEN.findall(text[run.spans[opener][0] : end])
        lo = max(start - CONTEXT_CHARS, 0)
        line = max(text.rfind("\n", lo, start) + 1, lo)
        before = TOKEN.findall(text, line, start)
        assert run.before == [BOUNDARY, BOUNDARY, *before][-2:]
        stop = text.find("\n", end, end + CONTEXT_CHARS)
        after = TOKEN.findall(text, end, stop if stop >= 0 else end + CONTEXT_CHARS)[:2]
        assert run.after == [*after, BOUNDARY, BOUNDARY][:2]


def expected_emissions(text: str) -> np.ndarray:
    """Each word's weight rows under the keys training reads (`run_keys`), summed."""
    known = EntityTagger.load().gazetteer.known
    rows = [
        [v.get(key, 0) for v, key in zip(MODEL.vocab, keys, strict=True)]
        for run in runs_of(text, MODEL.openers)
        for keys in run_keys(run, MODEL.lexicon, MODEL.common, known(run.words))
    ]
    return MODEL.weights[np.array(rows, dtype=int).reshape(-1, len(MODEL.vocab))].sum(axis=1)


def emissions(text: str) -> np.ndarray:
    return MODEL.scorer.emissions(runs_of(text, MODEL.openers), EntityTagger.load().gazetteer.known)


def test_scores_are_the_weights_of_the_trained_keys():
    text = "Kata Presiden Joko Widodo di Istana Bogor, Jawa Barat, Senin. Ia bertemu PBB."
    keys = [
        keys
        for run in runs_of(text, MODEL.openers)
        for keys in run_keys(run, MODEL.lexicon, MODEL.common, [""] * len(run.words))
    ]
    pairs = TEMPLATES.index("prev_word"), TEMPLATES.index("next_word")
    assert any(k[0] in MODEL.vocab[0] for k in keys)  # the words are in the vocabulary
    assert any(k[t] in MODEL.vocab[t] for k in keys for t in pairs)  # and some pairs
    assert np.array_equal(emissions(text), expected_emissions(text))


@settings(max_examples=200, deadline=None)
@given(st.one_of(TRICKY, WORDS))
def test_scores_of_any_text_are_the_weights_of_its_trained_keys(text):
    assert np.array_equal(emissions(text), expected_emissions(text))


def test_viterbi_finds_the_best_labels_of_each_run():
    text = "Menurut Bank of America, Datuk Seri M. Saravanan bertemu Joko di Jawa Barat."
    found = runs_of(text, MODEL.openers)
    known = EntityTagger.load().gazetteer.known
    scores, best = MODEL.scorer.emissions(found, known), MODEL.scorer.best(found, known)
    assert [len(labels) for labels in best] == [len(run.words) for run in found]
    at = 0
    for run, labels in zip(found, best, strict=True):
        n = len(run.words)
        emissions = scores[at : at + n].astype(np.float64)
        if n <= 4:  # every labelling of the run, scored

            def total(path, emissions=emissions):
                moves = sum(MODEL.transitions[a, b] for a, b in itertools.pairwise(path))
                return sum(emissions[i, label] for i, label in enumerate(path)) + moves

            paths = itertools.product(range(len(MODEL.labels)), repeat=n)
            assert labels == [MODEL.labels[i] for i in max(paths, key=total)]
        at += n
    assert any(len(run.words) > 1 for run in found)


def test_saved_model_tags_the_same(tmp_path):
    path = tmp_path / "model.npz"
    MODEL.save(path, {"language": "id"})
    loaded = Tagger.load(path)
    text = "Menteri Keuangan Sri Mulyani Indrawati berbicara di Jakarta tentang Bank Dunia."
    known = EntityTagger.load().gazetteer.known
    assert [labels for _, labels in loaded.tag(text, known)] == [
        labels for _, labels in MODEL.tag(text, known)
    ]
    assert np.allclose(loaded.transitions, MODEL.transitions)


def test_shape_is_letter_classes_with_repeats_collapsed():
    assert [shape(w) for w in ("Cho", "Tae-yul", "B.J", "NASA", "G20", "\x00\x00A", "")] == [
        "Xx", "Xx-x", "X.X", "X", "Xd", "\x00X", ""
    ]  # fmt: skip
