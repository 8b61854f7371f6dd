"""Reading the public NER sets, turning them into text, scoring, and training on them."""

from collections import Counter

import pytest

from workers.evaluation.conll import (
    Score,
    documents,
    f1_interval,
    read_conll,
    score,
    text_of,
    write_conll,
)
from workers.training import ner

SET = (
    "-DOCSTART- O\r\n\r\n"
    "Presiden NOUN O\r\nJoko PROPN I-PERSON\r\nWidodo PROPN I-PERSON\r\n"
    "di ADP O\r\nJakarta PROPN B-PLACE\r\n. PUNCT O\r\n\r\n"
    "Kopi NOUN B-FNB\r\n( PUNCT O\r\nBEI PROPN I-ORG\r\n) PUNCT O\r\n\r\n"
    "-DOCSTART- O\r\n\r\nAntara PROPN B-ORG\r\n"
)


@pytest.fixture
def sentences(tmp_path):
    path = tmp_path / "set.txt"
    path.write_bytes(SET.encode())
    return read_conll(path)


def test_sets_are_read_into_one_iob2_scheme(sentences):
    first, second, third = sentences
    assert first.words == ["Presiden", "Joko", "Widodo", "di", "Jakarta", "."]
    assert first.tags == ["O", "B-PER", "I-PER", "O", "B-LOC", "O"]  # a stray I- opens a name
    assert second.tags == ["O", "O", "B-ORG", "O"]  # food is not an entity here
    assert (first.doc, second.doc, third.doc) == (1, 1, 2)


def test_documents_join_their_sentences(sentences):
    joined = documents(sentences)
    assert [len(d.words) for d in joined] == [10, 1]


def test_text_is_typed_as_a_writer_would(sentences):
    text, words = text_of(sentences[0])
    assert text == "Presiden Joko Widodo di Jakarta."
    assert [text[s:e] for s, e in words] == sentences[0].words
    assert text_of(sentences[1])[0] == "Kopi (BEI)"


def test_written_sets_read_back(tmp_path, sentences):
    path = tmp_path / "dev.conll.gz"
    write_conll(path, sentences)
    assert read_conll(path) == sentences


def test_a_name_found_in_text_stands_for_the_words_it_touches(tmp_path):
    path = tmp_path / "set.txt"
    path.write_text("Kata O\n(Jokowi) B-PER\n. O\n")
    (sentence,) = read_conll(path)
    assert text_of(sentence)[0] == "Kata (Jokowi)."
    assert score([sentence], lambda text: [(6, 12, "PERSON")]).prf("PER") == (1.0, 1.0, 1.0)


def test_scores_need_exact_span_and_type(sentences):
    def names(text):
        if text.startswith("Presiden"):
            return [(9, 20, "PERSON"), (24, 31, "ORGANIZATION")]  # Joko Widodo; Jakarta as ORG
        return []

    result = score(sentences, names)
    assert result.prf("PER") == (1.0, 1.0, 1.0)
    assert result.prf("LOC") == (0.0, 0.0, 0.0)  # right span, wrong type
    assert result.prf("ORG")[:2] == (0.0, 0.0)  # Jakarta, and BEI and Antara missed
    assert result.prf() == (0.5, 0.25, pytest.approx(1 / 3))


def test_training_labels_each_word_of_a_run_with_its_gold_entity(sentences):
    lexicons = ner.Lexicons({}, frozenset())
    runs = list(ner.runs([sentences[0]], frozenset(), lexicons))
    assert [labels for _, labels in runs] == [["O", "B-PER", "I-PER"], ["B-LOC"]]
    attributes = runs[0][0][1]
    assert "1=joko" in attributes and len(attributes) == len(ner.TEMPLATES)


def test_a_tiny_model_trains_and_tags(sentences):
    train = [sentences[0]] * 5
    tagger = ner.fit(train, ner.Lexicons({"jakarta": "LOC"}, frozenset()), 0.0, 0.01)
    tagged = tagger.tag("Presiden Joko Widodo di Jakarta.", lambda words: [""] * len(words))
    assert [labels for _, labels in tagged] == [["O", "B-PER", "I-PER"], ["B-LOC"]]


def test_f1_interval_brackets_the_score_and_narrows_with_more_units():
    def unit(tp: int, predicted: int, gold: int) -> Score:
        return Score(Counter(PER=tp), Counter(PER=predicted), Counter(PER=gold))

    few = [unit(1, 1, 1), unit(0, 1, 1), unit(2, 2, 3), unit(1, 2, 1)]
    low, high = f1_interval(few)
    assert low < 2 * 4 / (6 + 6) < high  # F1 = 2tp / (predicted + gold)
    narrow_low, narrow_high = f1_interval(few * 25)
    assert low < narrow_low < narrow_high < high
    assert f1_interval([unit(1, 1, 1)] * 10) == (1.0, 1.0)


def test_numbered_files_with_comments_are_read_as_id_token_tag(tmp_path):
    path = tmp_path / "uner.iob2"
    path.write_text(
        "# newdoc id = a\n# sent_id = a-1\n# text = Bank of Canada rose\n"
        "1\tBank\tB-ORG\t-\t-\n2\tof\tI-ORG\t-\t-\n3\tCanada\tI-ORG\t-\t-\n4\trose\tO\t-\t-\n\n"
        "# newdoc id = b\n1\t#\tO\n2\t2020\tO\n\n"
    )
    first, second = read_conll(path)
    assert first.words == ["Bank", "of", "Canada", "rose"]
    assert first.tags == ["B-ORG", "I-ORG", "I-ORG", "O"]
    assert (first.doc, second.doc) == (1, 2)
    assert second.words == ["#", "2020"]
