"""Strip ads and boilerplate from a story body, line by line, and say what went and why.

A line goes only when a whole-line rule names it, when it repeats a line already
kept in the same story, or when it is the page chrome of an HTML body: cutting a
real sentence is worse than leaving an ad in. The dateline and the wire credit
are lifted into fields and the sentence they prefix stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workers.pipeline.html import html_to_text
from workers.pipeline.normalize import fold
from workers.pipeline.rules import CREDIT_LINE, DATELINE, match_rule
from workers.records import Removed


@dataclass(frozen=True)
class CleanOptions:
    # Lines folded shorter than this are never treated as repeats ("-", "*").
    min_repeat_chars: int = 3
    # Lines that a rule would cut but that must stay, folded (per-source allow list).
    allow: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Cleaned:
    body: str
    removed: list[Removed]
    dateline: str | None = None
    credit: str | None = None


def clean_body(body: str, content_type: str, opts: CleanOptions) -> Cleaned:
    """Cleaned text of a raw body (HTML first reduced to text)."""
    removed: list[Removed] = []
    if content_type == "text/html":
        extracted = html_to_text(body)
        body = extracted.text
        removed.extend(extracted.removed)
    kept: list[str] = []
    seen: set[str] = set()
    credit: str | None = None
    for raw_line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw_line.strip()
        if not line:
            continue
        folded = fold(line)
        rule = None if folded in opts.allow else match_rule(line)
        if rule is not None:
            removed.append(Removed(text=line, reason=f"rule:{rule}"))
            continue
        credit_match = CREDIT_LINE.fullmatch(line)
        if credit_match is not None:
            credit = credit or credit_match.group("credit")
            continue
        if folded in seen and len(folded) >= opts.min_repeat_chars:
            removed.append(Removed(text=line, reason="repeat"))
            continue
        seen.add(folded)
        kept.append(line)
    dateline = None
    # An outlet's dateline can sit in front of the wire's own ("JAKARTA (Reuters) -
    # JAKARTA, June 21 -"): lift up to two; the field keeps the first.
    for _ in range(2):
        m = DATELINE.match(kept[0]) if kept else None
        if m is None or m.end() >= len(kept[0]):
            break
        dateline = dateline or m.group("dateline")
        credit = credit or m.group("credit")
        kept[0] = kept[0][m.end() :]
    return Cleaned(body="\n".join(kept), removed=removed, dateline=dateline, credit=credit)
