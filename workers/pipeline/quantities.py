"""Dates, amounts of money and percentages, by rules: their forms are few and regular.

"Jumat 21 Juni 2024", "Senin (25/8/2014)", "June 21, 2024", "Tuesday",
"3,42 persen", "Rp 4.000", "Rp4,5 triliun", "$1.2 billion", "RM3.5 juta".
Indonesian, Malay and English first, with the month and currency words of the
other wire languages.

Every quantity but a lone weekday has a digit, so the text is scanned once for
numbers and each is read with the words around it; weekdays are found by a scan
for capitalised words. Both scans are compiled (`crf.pyx`): the regex engine
tests a character class at every character of a story, which cost more than
all the rest of this module. No pattern has nested repeats: a long body cannot
make one backtrack.
"""

from __future__ import annotations

import re

from workers.pipeline.crf import numbers_of, whole_words
from workers.records import Entity

DATE, MONEY, PERCENT = "DATE", "MONEY", "PERCENT"

MONTHS = frozenset(
    # en, id/ms, es, fr, de, pt, and the short English forms
    "January February March April May June July August September October November December "
    "Januari Februari Maret Mac Mei Juni Jun Juli Julai Agustus Ogos Oktober Nopember "
    "Disember Desember "
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre "
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre "
    "Januar Februar März Mai Juni Juli Oktober Dezember "
    "janeiro fevereiro março maio junho julho setembro outubro novembro dezembro "
    "Jan Feb Mar Apr Aug Agu Sep Sept Okt Oct Nov Des Dec".split()
)
DAYS = (
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday "
    "Senin Selasa Rabu Kamis Jumat Jum'at Sabtu Minggu Ahad Isnin Khamis"
).split()
CURRENCIES = ("Rp", "Rp.", "RM", "US$", "S$", "A$", "HK$", "$", "€", "£", "¥", "₩",
              "USD", "IDR", "EUR", "SGD", "MYR", "JPY", "KRW", "GBP", "CNY")  # fmt: skip

_CURRENCIES_LONGEST_FIRST = sorted(CURRENCIES, key=len, reverse=True)
_DAYS = frozenset(DAYS)
_SCALE = (
    r"(?:[ \u00a0]?(?:triliun|trilion|trillion|miliar|milyar|bilion|billion|juta|million|"
    r"ribu|thousand|bn|mn|mln|jt|rb|m|b|k)\b)?"
)
_AMOUNT_AFTER = re.compile(_SCALE)  # read after a number that follows a currency
_AFTER = re.compile(  # what may follow a number: a percent sign or word, or a currency
    r"(?P<percent> ?(?:%|persen\b|peratus\b|per ?cent\b|percent\b|por ciento\b|pour cent\b|"
    r"Prozent\b|por cento\b))"
    r"|(?P<money>" + _SCALE + r" (?:rupiah|ringgit|dolar(?: AS| Singapura| Amerika)?|dollars?|"
    r"US dollars?|euros?|yen|won|yuan|pounds?|USD|IDR|EUR|SGD|MYR|JPY)\b)"
)
_SLASHED = re.compile(r"\(?[0-9]{1,2}/[0-9]{1,2}(?:/[0-9]{2,4})?\)?")
_YEAR = re.compile(r",? (?:1[89]|20)[0-9][0-9](?![0-9])")
_DAY_OF_MONTH = re.compile(r"[0-9]{1,2}(?:st|nd|rd|th)?(?![0-9])")
_ISO = re.compile(r"(?:19|20)[0-9][0-9]-[01][0-9]-[0-3][0-9](?![0-9-])")


def find_quantities(text: str) -> list[Entity]:
    """Dates, amounts and percentages in `text`, in order, non-overlapping."""
    found: list[tuple[int, int, str]] = []
    for start, end in numbers_of(text):
        if found and start < found[-1][1]:
            continue  # read already, as part of the quantity before
        span = _read(text, start, end)
        if span is not None:
            found.append(span)
    found.extend(_weekdays(text, found))
    found.sort()
    return [Entity(text[s:e], kind, s, e) for s, e, kind in found]


def _read(text: str, start: int, end: int) -> tuple[int, int, str] | None:
    """The quantity the number at start:end belongs to, if any."""
    window = text[max(0, start - 5) : start]
    head = window.rstrip(" \u00a0")
    if head.endswith(CURRENCIES):
        symbol = next(c for c in _CURRENCIES_LONGEST_FIRST if head.endswith(c))
        begin = start - (len(window) - len(head)) - len(symbol)
        if not begin or not text[begin - 1].isalnum():  # "RM", not the end of "FORM"
            return begin, _AMOUNT_AFTER.match(text, end).end(), MONEY  # type: ignore[union-attr]
    if start and (text[start - 1].isalnum() or text[start - 1] in "-/"):
        return None  # "G20", "COVID-19", the 8 of "25/8" (read from its first number)
    if m := _AFTER.match(text, end):
        return start, m.end(), PERCENT if m.lastgroup == "percent" else MONEY
    if text[start : start + 4].isdigit() and (m := _ISO.match(text, start)):
        return start, m.end(), DATE
    return _date(text, start, end)


def _date(text: str, start: int, end: int) -> tuple[int, int, str] | None:
    """ "[Weekday[,]] 21 Juni [2024]", "June 21[, 2024]", "Juni 2024", "Senin (25/8/2014)"."""
    words = text[max(0, start - 24) : start].split()
    if words and words[-1] in MONTHS:
        if day := _DAY_OF_MONTH.match(text, start):  # June 21, 2024
            year = _YEAR.match(text, day.end())
            month = text.rindex(words[-1], 0, start)
            return _weekday_before(text, month), year.end() if year else day.end(), DATE
        if _YEAR.match(" " + text[start:end]):  # Juni 2024
            return text.rindex(words[-1], 0, start), end, DATE
    if end - start > 2:
        return None  # a day of the month or of a slashed date has one or two digits
    following = text[end : end + 16].split()
    if following and following[0].rstrip(",.") in MONTHS:  # 21 Juni
        last = text.index(following[0], end) + len(following[0].rstrip(",.;:"))
        year = _YEAR.match(text, last)
        return _weekday_before(text, start), year.end() if year else last, DATE
    if text.startswith("/", end) and (
        m := _SLASHED.match(text, start - (text[start - 1 : start] == "("))
    ):
        day = _weekday_before(text, m.start())
        if day < m.start():  # a bare 25/8 is as often a score or a ratio
            return day, m.end(), DATE
    return None


def _weekday_before(text: str, start: int) -> int:
    """Where a date starts that may open with its weekday: "Jumat 21 Juni", "Selasa, 5 Mei"."""
    words = text[max(0, start - 12) : start].split()
    if words and words[-1].rstrip(",") in DAYS:
        return text.rindex(words[-1], 0, start)
    return start


def _weekdays(text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Weekdays standing alone ("said on Tuesday"), outside the dates found."""
    return [
        (at, end, DATE)
        for at, end in whole_words(text, _DAYS)
        if not any(s <= at < e for s, e, _ in found)
    ]
