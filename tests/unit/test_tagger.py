"""The CRF tagger: which words it reads, that its cached feature rows are the trained
ones, and that a saved model tags the same after loading."""

import numpy as np

from workers.pipeline.entities import EntityTagger
from workers.pipeline.tagger import BOUNDARY, SLICES, TEMPLATES, Tagger, run_keys, runs_of

MODEL = EntityTagger.load().taggers["id"]


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


def test_cached_rows_are_the_rows_of_the_trained_keys():
    text = "Kata Presiden Joko Widodo di Istana Bogor, Jawa Barat, Senin. Ia bertemu PBB."
    found = list(runs_of(text, MODEL.openers))
    known = EntityTagger.load()._known
    table = MODEL._table(found, known)
    expected = [
        [v.get(key, 0) for v, key in zip(MODEL.vocab, keys, strict=True)]
        for run in found
        for keys in run_keys(run, MODEL.lexicon, MODEL.common, known(run.words))
    ]
    assert table.shape == (sum(len(r.words) for r in found), len(TEMPLATES))
    assert table.tolist() == expected
    assert table[:, SLICES["word"]].any()  # the words are in the vocabulary


def test_saved_model_tags_the_same(tmp_path):
    path = tmp_path / "model.npz"
    MODEL.save(path, {"language": "id"})
    loaded = Tagger.load(path)
    text = "Menteri Keuangan Sri Mulyani Indrawati berbicara di Jakarta tentang Bank Dunia."
    known = EntityTagger.load()._known
    assert [labels for _, labels in loaded.tag(text, known)] == [
        labels for _, labels in MODEL.tag(text, known)
    ]
    assert np.allclose(loaded.transitions, MODEL.transitions)
