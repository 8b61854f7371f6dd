"""The news industry's wire formats to items: IPTC ninjs (1.x to 3.x), NewsML-G2, NITF.

Field mapping: docs/SOURCES.md. The provider's own subjects, byline, credit,
dateline and urgency go under `provider`, never among newswire's entities.
Items with no text (pictures, videos, packages) are left out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, tostring

from workers.pipeline.html import html_blocks
from workers.sources.items import Item
from workers.sources.xml import child, children, descendants, local, text

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# NITF block elements whose text is story text, in document order.
NITF_BLOCKS = frozenset({"p", "hl2", "hl3", "hl4", "bq", "blockquote", "li", "pre"})
NITF_SKIP = frozenset({"media", "table", "note"})  # captions, tables and editors' notes


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time (extended or basic, as NITF writes it), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


# --- ninjs -----------------------------------------------------------------------


def ninjs_items(doc: Any) -> list[Item]:
    """Items of a ninjs document: one object, or a list of them."""
    objects = doc if isinstance(doc, list) else [doc]
    return [item for obj in objects if isinstance(obj, dict) for item in [_ninjs(obj)] if item]


def _ninjs(obj: dict[str, Any]) -> Item | None:
    body = _ninjs_body(obj)
    if not body:
        return None
    provider: dict[str, Any] = {"format": "ninjs"}
    byline = _string(obj.get("byline")) or _string(obj.get("by"))
    located = obj.get("located")
    dateline = _string(located) or (
        _string(located.get("name")) if isinstance(located, dict) else ""
    )
    credit = _string(obj.get("copyrightholder")) or ", ".join(
        _string(s.get("name")) for s in _dicts(obj.get("infosources") or obj.get("infosource"))
    )
    subjects = [
        _ninjs_subject(kind, s)
        for key, kind in (
            ("subject", "subject"),
            ("subjects", "subject"),
            ("person", "person"),
            ("people", "person"),
            ("organisation", "organisation"),
            ("organisations", "organisation"),
            ("place", "place"),
            ("places", "place"),
        )
        for s in _dicts(obj.get(key))
    ]
    urgency = obj.get("urgency")
    for name, value in (("byline", byline), ("dateline", dateline), ("credit", credit)):
        if value:
            provider[name] = value
    if subjects := [s for s in subjects if s.get("name") or s.get("code")]:
        provider["subjects"] = subjects
    if isinstance(urgency, int) and not isinstance(urgency, bool):
        provider["urgency"] = urgency
    return Item(
        guid=_string(obj.get("uri")) or _string(obj.get("guid")),
        headline=_ninjs_headline(obj),
        body=body,
        published_at=parse_time(obj.get("firstcreated")) or parse_time(obj.get("versioncreated")),
        language=_string(obj.get("language")),
        version=_string(obj.get("version")),
        provider=provider,
    )


def _ninjs_headline(obj: dict[str, Any]) -> str:
    for key in ("headline", "headline_main", "title"):
        if value := _string(obj.get(key)):
            return value
    headlines = _dicts(obj.get("headlines"))
    main = [h for h in headlines if h.get("role") == "main"] or headlines
    return _string(main[0].get("value")) if main else ""


def _ninjs_body(obj: dict[str, Any]) -> str:
    """The text of the story: plain text where the item has it, else its HTML as text."""
    for key in ("body_text", "body_main"):
        if value := _string(obj.get(key), keep_lines=True):
            return value
    for key in ("body_xhtml", "body_html", "body_richtext"):
        if value := _string(obj.get(key), keep_lines=True):
            return html_blocks(value).text
    for key in ("bodies", "descriptions"):
        parts = [b for b in _dicts(obj.get(key)) if _string(b.get("value"))]
        if key == "descriptions":  # a text item's description is its text (NTB); not a caption
            parts = [b for b in parts if b.get("role") in ("text", "body")]
        plain = [b for b in parts if "html" not in str(b.get("contenttype", "text/plain"))]
        if plain:
            return _string(plain[0]["value"], keep_lines=True)
        if parts:
            return html_blocks(parts[0]["value"]).text
    return ""


def _ninjs_subject(kind: str, obj: dict[str, Any]) -> dict[str, str]:
    code = next(
        (_string(obj.get(k)) for k in ("code", "qcode", "uri", "literal") if obj.get(k)), ""
    )
    subject = {"kind": kind, "name": _string(obj.get("name"))}
    if code:
        subject["code"] = code
    return subject


def _dicts(value: object) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _string(value: object, keep_lines: bool = False) -> str:
    if not isinstance(value, str):
        return ""
    if keep_lines:
        return "\n".join(line.strip() for line in value.strip().splitlines())
    return " ".join(value.split())


# --- NewsML-G2 -------------------------------------------------------------------


def newsml_items(root: Element) -> list[Item]:
    """Text items of a NewsML-G2 newsItem or newsMessage (packages and pictures left out),
    or of a legacy NewsML 1.2 document (agencies still send it)."""
    if local(root.tag) == "NewsML":
        return [
            item for element in descendants(root, "NewsItem") if (item := _legacy_item(element))
        ]
    items = [root] if local(root.tag) == "newsItem" else list(descendants(root, "newsItem"))
    return [item for element in items if (item := _news_item(element))]


def _news_item(element: Element) -> Item | None:
    item_class = child(element, "itemMeta", "itemClass")
    if item_class is not None and not item_class.get("qcode", "ninat:text").endswith(":text"):
        return None
    meta = child(element, "contentMeta")
    nitf = next(descendants(element, "nitf"), None)
    inline = child(element, "contentSet", "inlineXML") or child(element, "contentSet", "inlineData")
    if nitf is not None:
        body = _nitf_text(nitf)
    elif inline is not None and len(inline):
        body = html_blocks("".join(tostring(e, encoding="unicode") for e in inline)).text
    else:
        body = _string(inline.text if inline is not None else "", keep_lines=True)
    if not body:
        return None
    provider: dict[str, Any] = {"format": "newsml-g2"}
    nitf_head = child(nitf, "body", "body.head")
    for name, value in (
        ("byline", text(meta, "creator", "name") or text(nitf_head, "byline")),
        ("dateline", text(meta, "located", "name") or text(nitf_head, "dateline")),
        (
            "credit",
            text(meta, "infoSource", "name")
            or text(element, "rightsInfo", "copyrightHolder", "name"),
        ),
        ("urgency", text(meta, "urgency")),
    ):
        if value:
            provider[name] = int(value) if name == "urgency" and value.isdigit() else value
    subjects = [
        {"kind": s.get("type", "subject").rpartition(":")[2], "name": text(s, "name")}
        | ({"code": s.get("qcode")} if s.get("qcode") else {})
        for s in (children(meta, "subject") if meta is not None else ())
    ]
    if subjects:
        provider["subjects"] = subjects
    language = child(meta, "language")
    return Item(
        guid=element.get("guid", ""),
        headline=text(meta, "headline") or text(nitf_head, "hedline", "hl1"),
        body=body,
        published_at=parse_time(text(meta, "contentCreated"))
        or parse_time(text(element, "itemMeta", "versionCreated")),
        language=(language.get("tag", "") if language is not None else "")
        or element.get(XML_LANG, ""),
        version=element.get("version", ""),
        provider=provider,
    )


def _legacy_item(element: Element) -> Item | None:
    """A NewsML 1.2 NewsItem: its NITF body, else its XHTML or text content."""
    nitf = next(descendants(element, "nitf"), None)
    body = _nitf_text(nitf) if nitf is not None else _legacy_content(element)
    if not body:
        return None
    provider: dict[str, Any] = {"format": "newsml-1.2"}
    for name, value in (
        ("byline", _formal(element, "Creator")),
        ("dateline", _first_text(element, "DateLine")),
        ("credit", _formal(element, "Provider")),
        ("urgency", _formal(element, "Urgency")),
    ):
        if value:
            provider[name] = int(value) if name == "urgency" and value.isdigit() else value
    subjects = [
        {"kind": "subject", "name": "", "code": e.get("FormalName", "")}
        for e in element.iter()
        if local(e.tag) in ("Subject", "SubjectMatter", "SubjectDetail") and e.get("FormalName")
    ] + [
        {"kind": "keyword", "name": e.get("Value", "")}
        for e in descendants(element, "Property")
        if e.get("FormalName") == "Keyword" and e.get("Value")
    ]
    if subjects:
        provider["subjects"] = subjects
    language = next(descendants(element, "Language"), None)
    return Item(
        guid=_first_text(element, "PublicIdentifier"),
        headline=_first_text(element, "HeadLine"),
        body=body,
        published_at=parse_time(_first_text(element, "FirstCreated")),
        language=(language.get("FormalName", "") if language is not None else "")
        or element.get(XML_LANG, ""),
        version=_first_text(element, "RevisionId"),
        provider=provider,
    )


def _legacy_content(element: Element) -> str:
    """The longest text among the item's content items (the headline is one of them)."""
    texts = [""]
    for item in descendants(element, "ContentItem"):
        kind = " ".join(_formal(item, name) for name in ("MimeType", "Format")).lower()
        data = child(item, "DataContent")
        if data is None or "css" in kind:
            continue
        if len(data):
            texts.append(html_blocks("".join(tostring(e, encoding="unicode") for e in data)).text)
        elif "text" in kind:
            texts.append(_string(data.text, keep_lines=True))
    return max(texts, key=len)


def _formal(element: Element, name: str) -> str:
    """The FormalName of the first `name` element (or of the Party inside it)."""
    found = next(descendants(element, name), None)
    if found is None:
        return ""
    party = child(found, "Party")
    return " ".join((found if party is None else party).get("FormalName", "").split())


def _first_text(element: Element, name: str) -> str:
    return text(next(descendants(element, name), None))


# --- NITF ------------------------------------------------------------------------


def nitf_items(root: Element) -> list[Item]:
    """The story of an NITF document (one per document)."""
    body = _nitf_text(root)
    if not body:
        return []
    head_block = child(root, "body", "body.head")
    docdata = child(root, "head", "docdata")
    provider: dict[str, Any] = {"format": "nitf"}
    for name, value in (
        ("byline", text(head_block, "byline")),
        ("dateline", text(head_block, "dateline")),
        ("credit", text(head_block, "distributor")),
    ):
        if value:
            provider[name] = value
    urgency = child(docdata, "urgency")
    if urgency is not None and urgency.get("ed-urg", "").isdigit():
        provider["urgency"] = int(urgency.get("ed-urg", ""))
    subjects = [
        {
            "kind": "subject",
            "name": s.get("tobject.subject.matter") or s.get("tobject.subject.type") or "",
        }
        | ({"code": s.get("tobject.subject.refnum")} if s.get("tobject.subject.refnum") else {})
        for s in descendants(root, "tobject.subject")
    ] + [
        {"kind": "keyword", "name": k.get("key", "")}
        for k in descendants(root, "keyword")
        if k.get("key")
    ]
    if subjects:
        provider["subjects"] = subjects
    doc_id = child(docdata, "doc-id")
    issued = child(docdata, "date.issue")
    pubdata = child(root, "head", "pubdata")
    return [
        Item(
            guid=doc_id.get("id-string", "") if doc_id is not None else "",
            headline=text(head_block, "hedline", "hl1") or text(root, "head", "title"),
            body=body,
            published_at=parse_time(issued.get("norm") if issued is not None else None)
            or parse_time(pubdata.get("date.publication") if pubdata is not None else None),
            language=root.get("baselang", "") or root.get(XML_LANG, ""),
            provider=provider,
        )
    ]


def _nitf_text(nitf: Element) -> str:
    """The text of body.content's blocks, a block inside a block read once."""
    content = next(descendants(nitf, "body.content"), None)
    lines = []
    stack = list(reversed(content)) if content is not None else []
    while stack:
        element = stack.pop()
        if local(element.tag) in NITF_BLOCKS:
            if line := " ".join("".join(element.itertext()).split()):
                lines.append(line)
        elif local(element.tag) not in NITF_SKIP:
            stack.extend(reversed(element))
    return "\n".join(lines)
