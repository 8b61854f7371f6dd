"""Watchlists: the stories someone downstream wants to hear about, as alerts.

A watchlist is YAML (`docs/WATCHLISTS.md`):

    watches:
      - name: poongsan
        entities: [Q495055, Poongsan Corporation]   # canonical ids or names
        keywords: {en: [ammunition export], id: [ekspor amunisi], "*": [Poongsan]}
        sources: [antara]
        languages: [id, en]
        min_salience: 0.3
        match: all                                 # or any (the default)
        per: story                                 # or article (the default)

Each criterion given (entities, keywords, sources, languages) is a test of an
enriched story; `all` needs every one to hold, `any` one. A watch alerts on each
article it matches, or with `per: story` on the first of each story (the caller keeps
which stories have alerted: `workers.stories.stage`). Everything a match
needs is compiled when the file is read, nothing per story. A file that does
not parse, or a watch that is not right, is refused as a whole with a message
that names the watch and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from workers.records import Alert, Enriched, Entity, EntityGroup, utc_iso

ANY_LANGUAGE = "*"
FIELDS = {"name", "entities", "keywords", "sources", "languages", "min_salience", "match", "per"}
SNIPPET_CHARS = 80  # context either side of a match in a snippet
MAX_SNIPPETS = 3


class WatchlistError(ValueError):
    """A watchlist that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Watch:
    name: str
    entities: frozenset[str]  # canonical ids and case-folded names
    keywords: dict[str, re.Pattern[str]]  # language (or ANY_LANGUAGE) -> phrases
    sources: frozenset[str]
    languages: frozenset[str]
    min_salience: float = 0.0
    match: str = "any"
    per: str = "article"


def parse_watchlist(text: str) -> tuple[Watch, ...]:
    """The watches of a YAML document, or WatchlistError."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WatchlistError(f"not YAML: {exc}") from None
    if doc is None:
        return ()
    if not isinstance(doc, dict) or not isinstance(doc.get("watches"), list):
        raise WatchlistError("expected a mapping with a list under 'watches'")
    watches = tuple(_watch(i, raw) for i, raw in enumerate(doc["watches"], 1))
    names = [w.name for w in watches]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise WatchlistError(f"watch names must be unique: {', '.join(twice)}")
    return watches


def _watch(number: int, raw: Any) -> Watch:
    where = f"watch {number}"
    if not isinstance(raw, dict):
        raise WatchlistError(f"{where}: expected a mapping")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise WatchlistError(f"{where}: 'name' must be a non-empty string")
    where = f"watch {number} ({name!r})"
    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        raise WatchlistError(f"{where}: unknown field {unknown[0]!r}; known: {sorted(FIELDS)}")
    keywords = raw.get("keywords") or {}
    if isinstance(keywords, list):
        keywords = {ANY_LANGUAGE: keywords}
    if not isinstance(keywords, dict):
        raise WatchlistError(f"{where}: 'keywords' must be a list or a mapping of language to list")
    salience = raw.get("min_salience", 0.0)
    if (
        isinstance(salience, bool)
        or not isinstance(salience, int | float)
        or not 0 <= salience <= 1
    ):
        raise WatchlistError(f"{where}: 'min_salience' must be a number from 0 to 1")
    match = raw.get("match", "any")
    if match not in ("all", "any"):
        raise WatchlistError(f"{where}: 'match' must be 'all' or 'any'")
    per = raw.get("per", "article")
    if per not in ("article", "story"):
        raise WatchlistError(f"{where}: 'per' must be 'article' or 'story'")
    watch = Watch(
        name=name.strip(),
        entities=frozenset(s.casefold() for s in _strings(raw, "entities", where)),
        keywords={
            str(lang): _phrases(_strings(keywords, lang, f"{where}: keywords")) for lang in keywords
        },
        sources=frozenset(_strings(raw, "sources", where)),
        languages=frozenset(_strings(raw, "languages", where)),
        min_salience=float(salience),
        match=match,
        per=per,
    )
    if not (watch.entities or watch.keywords or watch.sources or watch.languages):
        raise WatchlistError(
            f"{where}: give at least one of entities, keywords, sources, languages"
        )
    return watch


def _strings(raw: dict[Any, Any], key: Any, where: str) -> list[str]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise WatchlistError(f"{where}: {key!r} must be a list of non-empty strings")
    return [v.strip() for v in value]


def _phrases(phrases: list[str]) -> re.Pattern[str]:
    """Whole-word, case-blind, any spacing between the words of a phrase."""
    alternatives = (r"\s+".join(map(re.escape, p.split())) for p in phrases)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def alerts_for(
    event: Enriched, watches: Iterable[Watch], now: float, stale: bool = False
) -> list[Alert]:
    """One alert per watch the article matches; `stale`: the article is old news."""
    alerts = []
    for watch in watches:
        match = _match(watch, event)
        if match is not None:
            reasons, hits, spans = match
            alerts.append(
                Alert(
                    watch=watch.name,
                    story_id=event.id,
                    reason="; ".join(reasons),
                    emitted_at=utc_iso(now),
                    headline=event.headline,
                    cluster_id=event.cluster_id or None,
                    entities=hits,
                    snippets=_snippets(event.body, spans),
                    per=watch.per,
                    event_story_id=event.story_id,
                    stale=stale,
                )
            )
    return alerts


def _match(
    watch: Watch, event: Enriched
) -> tuple[list[str], list[Entity], list[tuple[int, int]]] | None:
    """Why the story matches the watch (reasons, entities, body spans), or None."""
    tests: list[bool] = []
    reasons: list[str] = []
    hits: list[Entity] = []
    spans: list[tuple[int, int]] = []
    if watch.entities:
        first = {e.start: e for e in event.entities}
        hits = [
            first[group.offsets[0][0]]
            for group in event.entity_groups
            if _names(group, event.body) & watch.entities and group.salience >= watch.min_salience
        ]
        tests.append(bool(hits))
        if hits:
            reasons.append("entities: " + ", ".join(_label(e) for e in hits))
            spans.extend((e.start, e.end) for e in hits)
    if watch.keywords:
        found = [
            m
            for lang, pattern in watch.keywords.items()
            if lang in (ANY_LANGUAGE, event.language)
            for m in (pattern.search(event.body) or pattern.search(event.headline or ""),)
            if m is not None
        ]
        tests.append(bool(found))
        if found:
            reasons.append("keywords: " + ", ".join(repr(m.group()) for m in found))
            spans.extend(m.span() for m in found if m.string is event.body)
    if watch.sources:
        tests.append(event.source in watch.sources)
        if tests[-1]:
            reasons.append(f"source: {event.source}")
    if watch.languages:
        tests.append(event.language in watch.languages)
        if tests[-1]:
            reasons.append(f"language: {event.language}")
    matched = all(tests) if watch.match == "all" else any(tests)
    return (reasons, hits, spans) if matched else None


def _names(group: EntityGroup, body: str) -> set[str]:
    """Every way a watch may name the entity: id, canonical name, each mention's text."""
    names = {group.key.casefold(), group.name.casefold()}
    names.update(body[start:end].casefold() for start, end in group.offsets)
    return names


def _label(entity: Entity) -> str:
    return entity.canonical["name"] if entity.canonical else entity.text


def _snippets(body: str, spans: list[tuple[int, int]]) -> list[str]:
    """Up to MAX_SNIPPETS pieces of context, none inside another."""
    found: list[str] = []
    for start, end in sorted(spans):
        piece = _snippet(body, start, end)
        if found and (piece in found[-1] or found[-1] in piece):
            found[-1] = max(found[-1], piece, key=len)
        elif len(found) < MAX_SNIPPETS:
            found.append(piece)
    return found


def _snippet(body: str, start: int, end: int) -> str:
    """The match with some context, cut at spaces."""
    left = body.rfind(" ", 0, max(0, start - SNIPPET_CHARS)) + 1
    right = body.find(" ", min(len(body), end + SNIPPET_CHARS))
    piece = body[left : right if right >= 0 else len(body)]
    return " ".join(piece.split())
