"""Dates, amounts and percentages by rule, in the forms the wires write them."""

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from workers.pipeline.crf import numbers_of, whole_words

from workers.pipeline.quantities import DAYS, find_quantities


def found(text: str) -> list[tuple[str, str]]:
    out = find_quantities(text)
    for e in out:
        assert text[e.start : e.end] == e.text
    return [(e.text, e.type) for e in out]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pada Jumat 21 Juni 2024, sidang", [("Jumat 21 Juni 2024", "DATE")]),
        ("Senin (25/8/2014) pagi", [("Senin (25/8/2014)", "DATE")]),
        ("on June 21, 2024 at noon", [("June 21, 2024", "DATE")]),
        ("pada Selasa, 5 Mei.", [("Selasa, 5 Mei", "DATE")]),
        ("sejak Juni 2024 lalu", [("Juni 2024", "DATE")]),
        ("le 14 juillet 2023", [("14 juillet 2023", "DATE")]),
        ("dated 2024-06-21.", [("2024-06-21", "DATE")]),
        ("said on Tuesday", [("Tuesday", "DATE")]),
        ("inflasi 3,42 persen", [("3,42 persen", "PERCENT")]),
        ("rose 2.5% and 12 per cent", [("2.5%", "PERCENT"), ("12 per cent", "PERCENT")]),
        ("harga Rp 4.000 per liter", [("Rp 4.000", "MONEY")]),
        ("senilai Rp4,5 triliun", [("Rp4,5 triliun", "MONEY")]),
        ("a $1.2 billion deal", [("$1.2 billion", "MONEY")]),
        ("RM3.5 juta dibelanjakan", [("RM3.5 juta", "MONEY")]),
        ("USD 300 million", [("USD 300 million", "MONEY")]),
        ("sebesar 4 juta rupiah", [("4 juta rupiah", "MONEY")]),
        ("78,77 dolar AS per barel", [("78,77 dolar AS", "MONEY")]),
    ],
)
def test_forms(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "G20 dan COVID-19 di FORM 5",  # numbers inside names and codes
        "skor akhir 3/1 untuk tuan rumah",  # a bare fraction is a score as often as a date
        "sebanyak 2024 orang hadir",  # a bare number
        "Mondays are slow",  # a weekday inside a word
    ],
)
def test_numbers_that_are_not_quantities(text):
    assert found(text) == []


def test_long_bodies_stay_linear():
    text = "1" * 100_000 + " persen " + "Selasa " * 10_000
    assert found(text)[0] == ("1" * 100_000 + " persen", "PERCENT")


# The compiled scans stand for these regexes (and the weekday's whole-word check).
NUMBER = re.compile(r"[0-9](?:[0-9.,]*[0-9])?")
WEEKDAY = re.compile("|".join(DAYS))
PIECES = st.lists(
    st.sampled_from([*DAYS, "Jum", "'", "at", "day", "s", "7", ".", ",", " ", "-", "é", "٣"]),
    max_size=12,
).map("".join)


@given(st.one_of(PIECES, st.text(max_size=40)))
@example("Rp 4.000,5, 3,42 persen; 1.2. 2024,")
def test_numbers_are_what_the_regex_finds(text):
    assert numbers_of(text) == [m.span() for m in NUMBER.finditer(text)]


@given(st.one_of(PIECES, st.text(max_size=40)))
@example("Jum'at, Monday's, Mondays, l'Sunday, Jum'atan, SeninSelasa, 3Rabu")
def test_weekdays_are_the_regex_matches_standing_whole(text):
    expected = [
        m.span()
        for m in WEEKDAY.finditer(text)
        if not text[m.start() - 1 : m.start()].isalnum()
        and not text[m.end() : m.end() + 1].isalnum()
    ]
    assert whole_words(text, frozenset(DAYS)) == expected
