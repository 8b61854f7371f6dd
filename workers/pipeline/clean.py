"""Strip ads and boilerplate from a story body, line by line, and say what went and why.

A line goes only when a whole-line rule names it, when it repeats a line already
kept in the same story, or when it is the page chrome of an HTML body: cutting a
real sentence is worse than leaving an ad in. The dateline and the wire credit
are lifted into fields and the sentence they prefix stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import yaml

from workers.pipeline.boilerplate import line_key
from workers.pipeline.html import html_to_text
from workers.pipeline.lines import LineModel
from workers.pipeline.normalize import fold, plain_lines
from workers.pipeline.rules import CREDIT_LINE, CREDIT_MAX, DATELINE, has_needles, match_folded
from workers.records import Removed

ANY_SOURCE = "*"
LINE_MODEL = "rule:line_model"  # the `removed` reason of a line the line model cut


class AllowList:
    """Lines an operator keeps whatever a rule or learning says: per source, or for any ("*")."""

    def __init__(self, lines: Mapping[str, Iterable[str]] | None = None) -> None:
        lines = lines or {}
        common = {fold(line) for line in lines.get(ANY_SOURCE, ())}
        self._folded = {
            source: frozenset(common | {fold(line) for line in kept})
            for source, kept in lines.items()
        }
        self._any = frozenset(common)
        self._keys = {source: frozenset(map(line_key, f)) for source, f in self._folded.items()}
        self._any_keys = frozenset(map(line_key, common))

    def folded(self, source: str | None) -> frozenset[str]:
        """The folded lines kept for `source`."""
        return self._folded.get(source or ANY_SOURCE, self._any)

    def keys(self, source: str | None) -> frozenset[int]:
        """The same lines as learned-boilerplate keys (`boilerplate.line_key`)."""
        return self._keys.get(source or ANY_SOURCE, self._any_keys)

    @classmethod
    def parse(cls, text: str) -> AllowList:
        """From YAML: a mapping of source (or "*") to a list of lines. ValueError if not."""
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"not YAML: {exc}") from None
        if not isinstance(data, dict) or not all(
            isinstance(lines, list) and all(isinstance(line, str) for line in lines)
            for lines in data.values()
        ):
            raise ValueError('expected a mapping of source (or "*") to a list of lines')
        return cls({str(source): lines for source, lines in data.items()})


@dataclass(frozen=True)
class CleanOptions:
    # Lines folded shorter than this are never treated as repeats ("-", "*").
    min_repeat_chars: int = 3
    # Lines that a rule (or learning) would cut but that must stay.
    allow: AllowList = field(default_factory=AllowList)
    # The line model (workers/pipeline/lines.py) scores the lines the rules left.
    line_model: bool = True


@dataclass(frozen=True)
class Cleaned:
    body: str
    removed: list[Removed]
    dateline: str | None = None
    credit: str | None = None


def clean_body(
    body: str, content_type: str, opts: CleanOptions, source: str | None = None
) -> Cleaned:
    """Cleaned text of a raw body (HTML first reduced to text); `source` picks the allow list."""
    removed: list[Removed] = []
    allow = opts.allow.folded(source)
    # A line repeated in a wire story's text is a pasted ad or teaser; repeated in a page's
    # main text it is the page's structure (headings, table rows, list items): on 844 real
    # pages, cutting repeats there cost 1.2% of the main text's 4-grams (`make eval`).
    repeats = content_type != "text/html"
    if content_type == "text/html":
        extracted = html_to_text(body)
        body = extracted.text
        removed.extend(extracted.removed)
    kept: list[tuple[str, str]] = []  # (line, folded)
    seen: set[str] = set()
    credit: str | None = None
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    plain = plain_lines(body)
    needled = has_needles(body.lower())
    for raw_line in body.split("\n"):
        line = raw_line.strip()
        if not line:
            continue
        # A wire's credit line first: "(AP)" is a credit, not a desk's initials.
        credit_match = CREDIT_LINE.fullmatch(line) if len(line) <= CREDIT_MAX else None
        if credit_match is not None:
            credit = credit or credit_match.group("credit")
            continue
        folded = fold(line, plain)
        rule = None if folded in allow else match_folded(folded, needled)
        if rule is not None:
            removed.append(Removed(text=line, reason=f"rule:{rule}"))
            continue
        if repeats and folded in seen and len(folded) >= opts.min_repeat_chars:
            removed.append(Removed(text=line, reason="repeat"))
            continue
        seen.add(folded)
        kept.append((line, folded))
    if opts.line_model and kept:
        chrome = {i for i in LineModel.shipped().chrome(kept) if kept[i][1] not in allow}
        removed.extend(Removed(text=kept[i][0], reason=LINE_MODEL) for i in sorted(chrome))
        kept = [pair for i, pair in enumerate(kept) if i not in chrome]
    lines = [line for line, _ in kept]
    dateline = None
    if lines:
        lifted, dateline, wire = lift_dateline(lines[0])
        credit = credit or wire
        lines[0] = lines[0][lifted:]
    return Cleaned(body="\n".join(lines), removed=removed, dateline=dateline, credit=credit)


def lift_dateline(first: str) -> tuple[int, str | None, str | None]:
    """The length of the datelines that open a story's first line (0 if none), the
    first dateline, and a wire credit found in them.

    An outlet's dateline can sit in front of the wire's own ("JAKARTA (Reuters) -
    JAKARTA, June 21 -"): up to two are lifted. A line that is a dateline and
    nothing more is not one.
    """
    lifted, dateline, credit = 0, None, None
    for _ in range(2):
        m = DATELINE.match(first, lifted)
        if m is None or m.end() >= len(first):
            break
        dateline = dateline or m.group("dateline")
        credit = credit or m.group("credit")
        lifted = m.end()
    return lifted, dateline, credit
