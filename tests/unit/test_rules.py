"""Every boilerplate rule cuts its examples and keeps its counter-examples."""

import re
import time

import pytest

from workers.pipeline.clean import CleanOptions, clean_body
from workers.pipeline.normalize import fold
from workers.pipeline.rules import CREDIT_LINE, CREDIT_MAX, DATELINE, RULES, match_rule

CASES = [(rule.name, line) for rule in RULES for line in rule.examples]
KEEPS = [(rule.name, line) for rule in RULES for line in rule.keep]


def test_rule_names_are_unique():
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("name", "line"), CASES)
def test_rule_matches_its_examples(name, line):
    assert match_rule(line) == name


@pytest.mark.parametrize(("name", "line"), KEEPS)
def test_rule_keeps_real_sentences(name, line):
    assert match_rule(line) is None


def test_every_rule_has_examples():
    assert all(rule.examples for rule in RULES)


@pytest.mark.parametrize(
    "line",
    [
        "a" * 50_000,
        "Baca juga" + " :" * 20_000,
        "click here to read " + "x" * 50_000,
        "(" * 30_000,
        "Read more" + "-" * 30_000 + "!",
    ],
)
def test_pathological_lines_do_not_backtrack(line):
    started = time.perf_counter()
    match_rule(line)
    DATELINE.match(line)
    CREDIT_LINE.fullmatch(line)
    # Generous bound: a catastrophic pattern takes minutes here, not milliseconds.
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("line", "dateline", "credit"),
    [
        ("TEMPO.CO, Jakarta - Menteri itu berkata.", "TEMPO.CO, Jakarta", None),
        ("JAKARTA (Reuters) - The minister said.", "JAKARTA (Reuters)", "Reuters"),
        (
            "KUALA LUMPUR, June 21 (Bernama) -- Harga naik.",
            "KUALA LUMPUR, June 21 (Bernama)",
            "Bernama",
        ),
        ("SEOUL \u2014 North Korea fired a missile.", "SEOUL", None),
        ("GENÈVE (AFP) - La région va investir.", "GENÈVE (AFP)", "AFP"),
        ("SEVILLA, 22 (EFE) - El equipo ganó.", "SEVILLA, 22 (EFE)", "EFE"),
        ("MANILA, Sept. 2 - The court ruled.", "MANILA, Sept. 2", None),
        ("KUALA LUMPUR: Harga minyak naik.", "KUALA LUMPUR", None),
        ("MÜNCHEN - Die Bahn streikt.", "MÜNCHEN", None),
    ],
)
def test_datelines(line, dateline, credit):
    m = DATELINE.match(line)
    assert m is not None
    assert m.group("dateline") == dateline
    assert m.group("credit") == credit


@pytest.mark.parametrize(
    "line",
    [
        "BREAKING: Oil jumps 5% after the attack.",
        "Jokowi: Ekonomi tumbuh 5 persen.",
        "The ASEAN summit - held in Jakarta - ended on Monday.",
        "Harga naik: pedagang mengeluh.",
    ],
)
def test_lines_without_a_dateline(line):
    assert DATELINE.match(line) is None


@pytest.mark.parametrize("line", ["REUTERS", "(AP)", "Sumber: Antara", "Reuters/AFP", "afp."])
def test_credit_lines(line):
    assert CREDIT_LINE.fullmatch(line)


def test_the_longest_credit_line_is_within_the_length_tried():
    line = "Source: (Bloomberg / Antaranews / Reuters / Xinhua / Kyodo)."
    assert len(line) <= CREDIT_MAX
    cleaned = clean_body(f"Harga naik.\n{line}", "text/plain", CleanOptions())
    assert (
        cleaned.body == "Harga naik."
        and cleaned.credit == "Bloomberg / Antaranews / Reuters / Xinhua / Kyodo"
    )


@pytest.mark.parametrize("line", ["Reuters reported the deal on Monday.", "APPLE"])
def test_sentences_are_not_credit_lines(line):
    assert CREDIT_LINE.fullmatch(line) is None


def test_trying_only_the_rules_a_line_opening_allows_changes_no_answer():
    """By opening, then by needle: the answer of all opening rules in one alternation,
    else of the first needled rule that matches."""
    opening = [r for r in RULES if not r.needles]
    everything = re.compile("|".join(f"(?P<r{i}>{r.pattern})" for i, r in enumerate(opening)))
    needled = [(re.compile(r.pattern), r.name) for r in RULES if r.needles]
    lines = [line for rule in RULES for line in (*rule.examples, *rule.keep)]
    lines += [f"{lead}{line}" for line in lines for lead in ("- ", "(", "© ", "* ", "1 ")]
    for line in lines:
        folded = fold(line)
        m = everything.fullmatch(folded)
        expected = opening[int(m.lastgroup[1:])].name if m and m.lastgroup else None
        if expected is None:
            expected = next((name for rx, name in needled if rx.fullmatch(folded)), None)
        assert match_rule(line) == expected, line
