"""The sources file: which feeds, sitemaps and wire endpoints to poll, and how often.

    sources:
      - url: https://example.org/rss
        kind: rss            # auto (default), rss, atom, jsonfeed, sitemap, ninjs, newsml, nitf
        every: 5m            # poll interval: 30s, 5m, 1h or seconds (default 5m)
        fetch_article: true  # send each item's page as text/html (a sitemap's always are)
        source: example      # the raw story's `source` (default: the URL's host)
        language: id         # a hint, when the items do not say

Errors name the line of the entry at fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import yaml

from workers.sources.documents import KINDS

FIELDS = frozenset({"url", "kind", "every", "fetch_article", "source", "language"})
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$")
UNITS = {"s": 1, "m": 60, "h": 3600, None: 1}
MIN_EVERY = 10.0  # seconds: more often than this is hammering
DEFAULT_EVERY = 300.0


class SourcesError(ValueError):
    """A sources file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Spec:
    url: str
    kind: str = "auto"
    every: float = DEFAULT_EVERY
    fetch_article: bool = False
    source: str = ""
    language: str = ""
    line: int = 0


class _Loader(yaml.SafeLoader):
    """Safe YAML that remembers the line each mapping starts on."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def parse_sources(text: str) -> tuple[Spec, ...]:
    """The sources of a YAML document, or SourcesError naming the line."""
    try:
        doc = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise SourcesError(f"not YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list):
        raise SourcesError("expected a mapping with a list under 'sources'")
    specs = tuple(_spec(number, raw) for number, raw in enumerate(doc["sources"], 1))
    seen: dict[str, int] = {}
    for spec in specs:
        if spec.url in seen:
            raise SourcesError(
                f"line {spec.line}: {spec.url} is listed on line {seen[spec.url]} too"
            )
        seen[spec.url] = spec.line
    return specs


def _spec(number: int, raw: Any) -> Spec:
    if not isinstance(raw, dict):
        raise SourcesError(f"source {number}: must be a mapping with at least 'url', not {raw!r}")
    line = raw.pop("__line__")
    where = f"line {line}: "
    unknown = sorted(str(k) for k in set(raw) - FIELDS)
    if unknown:
        raise SourcesError(
            f"{where}unknown field {unknown[0]!r}; known: {', '.join(sorted(FIELDS))}"
        )
    url = raw.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise SourcesError(f"{where}'url' must be an http(s) URL, not {url!r}")
    kind = raw.get("kind", "auto")
    if kind not in KINDS:
        raise SourcesError(f"{where}'kind' must be one of {', '.join(KINDS)}, not {kind!r}")
    fetch = raw.get("fetch_article", kind == "sitemap")
    if not isinstance(fetch, bool):
        raise SourcesError(f"{where}'fetch_article' must be true or false")
    names = {}
    for name in ("source", "language"):
        value = raw.get(name, "")
        if not isinstance(value, str):
            raise SourcesError(f"{where}'{name}' must be a string")
        names[name] = value.strip()
    return Spec(
        url=url.strip(),
        kind=kind,
        every=_every(raw.get("every", DEFAULT_EVERY), where),
        fetch_article=fetch,
        source=names["source"] or parts.netloc.lower(),
        language=names["language"],
        line=line,
    )


def _every(value: Any, where: str) -> float:
    match = DURATION.match(str(value)) if not isinstance(value, bool) else None
    seconds = float(match.group(1)) * UNITS[match.group(2)] if match else 0.0
    if seconds < MIN_EVERY:
        raise SourcesError(
            f"{where}'every' must be a duration of at least {MIN_EVERY:.0f}s (30s, 5m, 1h), "
            f"not {value!r}"
        )
    return seconds
