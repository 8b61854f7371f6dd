"""Dates, amounts of money and percentages, by rules: their forms are few and regular.

"Jumat 21 Juni 2024", "Senin (25/8/2014)", "June 21, 2024", "3,42 persen",
"Rp 4.000", "Rp4,5 triliun", "$1.2 billion", "RM3.5 juta". Indonesian, Malay
and English first, with the month and currency words of the other wire
languages. Every pattern starts at a digit, a capital or a currency sign and
has no nested repeats, so a long body cannot make it backtrack.
"""

from __future__ import annotations

import re

from workers.records import Entity

DATE, MONEY, PERCENT = "DATE", "MONEY", "PERCENT"

_MONTHS = (
    # en, id/ms, es, fr, de, pt (full names; the short English forms with an optional dot)
    "January February March April May June July August September October November December "
    "Januari Februari Maret Mac April Mei Juni Jun Juli Julai Agustus Ogos September "
    "Oktober November Nopember Disember Desember "
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre "
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre "
    "Januar Februar März Mai Juni Juli Oktober Dezember "
    "janeiro fevereiro março maio junho julho setembro outubro novembro dezembro"
).split()
_SHORT_MONTHS = "Jan Feb Mar Apr Jun Jul Aug Agu Sep Sept Okt Oct Nov Des Dec".split()
_DAYS = (
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday "
    "Senin Selasa Rabu Kamis Jumat Jum'at Sabtu Minggu Ahad Isnin Khamis"
).split()


def _alternatives(words: list[str]) -> str:
    unique = sorted({w for w in words} | {w.capitalize() for w in words}, key=len, reverse=True)
    return "|".join(map(re.escape, unique))


_MONTH = rf"(?:{_alternatives(_MONTHS)}|(?:{_alternatives(_SHORT_MONTHS)})\.?)"
_DAY = rf"(?:{_alternatives(_DAYS)})"
_YEAR = r"(?:1[89]|20)\d\d"
_NUM = r"\d{1,3}(?:[.,\u00a0]\d{3})*(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_SCALE = (
    r"(?:[ \u00a0]?(?:triliun|trilion|trillion|miliar|milyar|bilion|billion|juta|million|"
    r"ribu|thousand|bn|mn|mln|jt|rb|m|b|k)\b)?"
)
_CURRENCY_BEFORE = r"(?:Rp\.?|RM|US\$|S\$|A\$|HK\$|\$|€|£|¥|₩|USD|IDR|EUR|SGD|MYR|JPY|KRW|GBP|CNY)"
_CURRENCY_AFTER = (
    r"(?:rupiah|ringgit|dolar(?: AS| Singapura| Amerika)?|dollars?|US dollars?|euros?|"
    r"yen|won|yuan|pounds?|USD|IDR|EUR|SGD|MYR|JPY)\b"
)

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        DATE,
        re.compile(
            rf"(?<![\w/]){_DAY}(?:,? ?\(\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\)|,? \d{{1,2}} {_MONTH}"
            rf"(?: {_YEAR})?|,? {_MONTH} \d{{1,2}}(?:, {_YEAR})?)?(?!\w)"
            rf"|(?<![\w/])\d{{1,2}} {_MONTH}(?: {_YEAR})?(?!\w)"
            rf"|(?<![\w/]){_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:, {_YEAR})?(?!\w)"
            rf"|(?<![\w/]){_MONTH} {_YEAR}(?!\w)"
            rf"|(?<![\w/-])(?:19|20)\d\d-[01]\d-[0-3]\d(?![\w-])"
        ),
    ),
    (
        MONEY,
        re.compile(
            rf"(?<!\w){_CURRENCY_BEFORE} ?(?:{_NUM}){_SCALE}"
            rf"|(?<![\w.,])(?:{_NUM}){_SCALE} {_CURRENCY_AFTER}"
        ),
    ),
    (
        PERCENT,
        re.compile(
            rf"(?<![\w.,])(?:{_NUM}) ?(?:%|persen\b|peratus\b|per ?cent\b|percent\b|por ciento\b|"
            r"pour cent\b|Prozent\b|por cento\b)"
        ),
    ),
)


def find_quantities(text: str) -> list[Entity]:
    """Dates, amounts and percentages in `text`, non-overlapping (the first pattern wins)."""
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span()
            value = m.group().rstrip(" ,.")
            end = start + len(value)
            if not any(s < end and start < e for s, e in taken):
                found.append(Entity(text=value, type=kind, start=start, end=end))
                taken.append((start, end))
    found.sort(key=lambda e: e.start)
    return found
