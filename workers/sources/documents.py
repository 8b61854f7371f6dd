"""What a fetched document holds: items, and for a sitemap index the sitemaps it lists.

`kind` is the source's declared kind, or `auto` to tell it from the document.
Every refusal is a `Refused` with a short reason, for the log line and the metric.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
import orjson

from workers.pipeline.html import html_blocks
from workers.sources import xml
from workers.sources.items import Item
from workers.sources.wire import newsml_items, ninjs_items, nitf_items, parse_time
from workers.sources.xml import Refused, child, children, text

KINDS = ("auto", "rss", "atom", "jsonfeed", "sitemap", "ninjs", "newsml", "nitf")
FEED_ROOTS = {"rss": "rss", "RDF": "rss", "feed": "atom"}
XML_ROOTS = {"urlset": "sitemap", "sitemapindex": "sitemap", "newsItem": "newsml"}
XML_ROOTS |= {"newsMessage": "newsml", "packageItem": "newsml", "conceptItem": "newsml"}
XML_ROOTS |= {"NewsML": "newsml"}  # NewsML 1.2, the G2's predecessor
XML_ROOTS |= {"knowledgeItem": "newsml", "planningItem": "newsml", "nitf": "nitf"} | FEED_ROOTS
MAX_SITEMAPS = 50  # sitemaps read from one sitemap index


@dataclass(frozen=True)
class Document:
    kind: str
    items: list[Item] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # a sitemap index's sitemaps


def read(data: bytes, kind: str = "auto") -> Document:
    """The items in `data`, a document of `kind` (`auto`: told from its first bytes;
    Refused when it is none we read)."""
    if kind in ("jsonfeed", "ninjs") or (kind == "auto" and data.lstrip()[:1] in (b"{", b"[")):
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise Refused("malformed", f"not valid JSON ({exc})") from None
        if kind == "auto":
            feed = isinstance(doc, dict) and isinstance(doc.get("items"), list)
            kind = "jsonfeed" if feed else "ninjs"
        return Document(kind, jsonfeed_items(doc) if kind == "jsonfeed" else ninjs_items(doc))
    if kind == "auto":
        root = xml.root_name(data)
        if root not in XML_ROOTS:
            what = (
                "an HTML page" if root.lower() == "html" else f"<{root}>" if root else "no markup"
            )
            raise Refused("not_a_feed", f"{what}, not a feed, sitemap or wire document")
        kind = XML_ROOTS[root]
    if kind in ("rss", "atom"):
        return Document(kind, feed_items(data))
    root = xml.parse(data)
    if kind == "sitemap":
        if xml.local(root.tag) == "sitemapindex":
            sitemaps = [text(s, "loc") for s in children(root, "sitemap")][:MAX_SITEMAPS]
            return Document(kind, sitemaps=[s for s in sitemaps if s])
        return Document(kind, sitemap_items(root))
    return Document(kind, newsml_items(root) if kind == "newsml" else nitf_items(root))


def feed_items(data: bytes) -> list[Item]:
    """RSS (0.9x, 1.0, 2.0) and Atom entries, by feedparser (which forgives much)."""
    xml.refuse_entities(data)
    if xml.root_name(data).lower() == "html":
        raise Refused("not_a_feed", "an HTML page, not a feed")
    parsed = feedparser.parse(xml.to_utf8(data), sanitize_html=False, resolve_relative_uris=False)
    if not parsed.entries and (parsed.bozo or not parsed.version):
        reason = parsed.get("bozo_exception") or "no feed version recognised"
        raise Refused("malformed" if parsed.version else "not_a_feed", str(reason))
    language = parsed.feed.get("language", "")
    return [_feed_item(entry, language) for entry in parsed.entries]


def _feed_item(entry: Any, language: str) -> Item:
    content = entry.get("content") or []
    body = content[0].get("value", "") if content else entry.get("summary", "")
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    provider: dict[str, Any] = {}
    if author := entry.get("author"):
        provider["byline"] = author
    if tags := [t.get("term") for t in entry.get("tags") or [] if t.get("term")]:
        provider["subjects"] = [{"kind": "category", "name": t} for t in tags]
    return Item(
        guid=entry.get("id", ""),
        url=entry.get("link", ""),
        headline=" ".join(entry.get("title", "").split()),
        body=html_blocks(body).text if body else "",
        published_at=_struct_time(when),
        language=entry.get("language", "") or language,
        provider=provider,
    )


def _struct_time(value: time.struct_time | None) -> datetime | None:
    return datetime.fromtimestamp(calendar.timegm(value), UTC) if value else None


def jsonfeed_items(doc: Any) -> list[Item]:
    """JSON Feed 1.0 and 1.1 items (lenient about `version`, as readers are)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise Refused("malformed", "a JSON Feed needs an 'items' list")
    language = doc.get("language") if isinstance(doc.get("language"), str) else ""
    items = []
    for entry in doc["items"]:
        if not isinstance(entry, dict):
            continue
        body = entry.get("content_text") or ""
        if not body and isinstance(entry.get("content_html"), str):
            body = html_blocks(entry["content_html"]).text
        body = body if isinstance(body, str) else ""
        authors = entry.get("authors") or ([entry["author"]] if entry.get("author") else [])
        names = [
            a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)
        ]
        items.append(
            Item(
                guid=str(entry.get("id", "")),
                url=entry.get("url") if isinstance(entry.get("url"), str) else "",
                headline=" ".join(str(entry.get("title") or "").split()),
                body=body or str(entry.get("summary") or ""),
                published_at=parse_time(entry.get("date_published")),
                language=entry.get("language")
                if isinstance(entry.get("language"), str)
                else language,
                provider={"byline": ", ".join(names)} if names else {},
            )
        )
    return items


def sitemap_items(root: Any) -> list[Item]:
    """The pages of a (news) sitemap: no text yet, the poller fetches each page."""
    items = []
    for entry in children(root, "url"):
        loc = text(entry, "loc")
        if not loc:
            continue
        news = child(entry, "news")
        keywords = text(news, "keywords")
        items.append(
            Item(
                url=loc,
                headline=text(news, "title"),
                published_at=parse_time(text(news, "publication_date"))
                or parse_time(text(entry, "lastmod")),
                language=text(news, "publication", "language"),
                provider={
                    "subjects": [
                        {"kind": "keyword", "name": k.strip()}
                        for k in keywords.split(",")
                        if k.strip()
                    ]
                }
                if keywords
                else {},
            )
        )
    return items
