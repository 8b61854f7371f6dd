"""One item read from a source, its identity, and the raw story it becomes.

An item is identified by its canonical link (tracking parameters and the fragment
removed) when it has one, so the same article reached through a site's feed and
its news sitemap is one item; else by its GUID, scoped to the source (many feeds
number their items 1, 2, 3 ... afresh on every build).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING = ("utm_", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "igshid")
MAX_ID = 256  # the raw schema's limit on `id`
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)


@dataclass(frozen=True)
class Item:
    """What a feed, sitemap or wire document says about one story."""

    guid: str = ""
    url: str = ""
    headline: str = ""
    body: str = ""
    content_type: str = "text/plain"
    published_at: datetime | None = None
    language: str = ""
    version: str = ""  # a wire item's version: a correction is a new item
    provider: dict[str, Any] = field(default_factory=dict)  # the provider's own metadata

    def key(self, source: str) -> str:
        """The item's identity in the ledger of items sent."""
        if self.url:
            return "url:" + canonical_link(self.url)
        suffix = f"@{self.version}" if self.version else ""
        return f"guid:{source}:{self.guid}{suffix}"

    def with_page(self, html: str) -> Item:
        """The item with its fetched article page as the body."""
        return replace(self, body=html, content_type="text/html")


def canonical_link(url: str) -> str:
    """`url` without tracking parameters and fragment, scheme and host lower-cased."""
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(TRACKING)
    ]
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), "")
    )


def story_id(key: str) -> str:
    """A raw story id for an item: stable, so a resend carries the same id."""
    return "item:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def raw_story(item: Item, key: str, source: str, language_hint: str = "") -> dict[str, Any]:
    """The raw story (schemas/raw.schema.json) for `item`."""
    story: dict[str, Any] = {"id": story_id(key), "body": item.body}
    story["content_type"] = item.content_type
    if source:
        story["source"] = source
    if item.headline:
        story["headline"] = item.headline
    if item.url:
        story["url"] = item.url
    language = (item.language or language_hint).split("-")[0].split("_")[0].lower()
    if language:
        story["language"] = language
    if item.published_at is not None:
        stamp = item.published_at
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        story["published_at"] = stamp.astimezone(UTC).isoformat().replace("+00:00", "Z")
    provider = dict(item.provider)
    if item.guid:
        provider["guid"] = item.guid[:MAX_ID]
    if item.version:
        provider["version"] = item.version
    if provider:
        story["provider"] = provider
    return story


def decode_page(data: bytes) -> str:
    """An HTML page's text: UTF-8 when it is, else the charset its <meta> names, else
    windows-1252 (which decodes anything)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = META_CHARSET.search(data, 0, 4096)
    if match:
        try:
            return data.decode(match.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("cp1252", errors="replace")
