"""Reading untrusted XML within bounds: the encoding it really has, no entities, no depth.

Entity declarations (the billion-laughs bomb, external entities) are refused
outright: no news feed or wire document needs them. defusedxml refuses them a
second time and never fetches anything; nesting deeper than MAX_DEPTH is refused
while parsing, before a tree of that depth exists.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

MAX_DEPTH = 256
DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?\?>", re.S)
DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""", re.S)
DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
START_TAG = re.compile(rb"<([A-Za-z_][^\s<>/!?]*)")


class Refused(Exception):
    """A document not read; `reason` is a short name for metrics, the message says more."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}")


def to_utf8(data: bytes) -> bytes:
    """The document as UTF-8 with a declaration that says so.

    Real feeds declare UTF-8 and send windows-1252, and the reverse: text that is valid
    UTF-8 and not plain ASCII is UTF-8 whatever it declares (windows-1252 text is almost
    never valid UTF-8); text that is not valid UTF-8 is read in its declared encoding,
    else as windows-1252.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16")):
        if data.startswith(bom) or (name == "utf-16" and data.startswith(codecs.BOM_UTF16_BE)):
            return _redeclare(data.decode(name, errors="replace").lstrip("\ufeff"))
    match = DECLARED.match(data)
    declared = match.group(1).decode("ascii").lower() if match else "utf-8"
    try:
        return _redeclare(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    try:
        if codecs.lookup(declared).name != "utf-8":
            return _redeclare(data.decode(declared))
    except (LookupError, UnicodeDecodeError):
        pass
    return _redeclare(data.decode("cp1252", errors="replace"))


def _redeclare(text: str) -> bytes:
    data = text.encode("utf-8", errors="replace")
    return b'<?xml version="1.0" encoding="utf-8"?>' + DECLARATION.sub(b"", data, count=1)


def refuse_entities(data: bytes) -> None:
    """Refuse a document whose DTD declares entities: none that we read needs them."""
    doctype = DOCTYPE.search(data, 0, 65536)
    if doctype is None:
        return
    root = START_TAG.search(data, doctype.end())
    prolog = data[doctype.start() : root.start() if root else len(data)]
    if b"<!ENTITY" in prolog.upper():
        raise Refused("entities", "the document's DTD declares entities")


def root_name(data: bytes) -> str:
    """The local name of the first element, without parsing the document."""
    match = START_TAG.search(data, 0, 1 << 20)
    return match.group(1).decode("ascii", "replace").rpartition(":")[2] if match else ""


def parse(data: bytes) -> Element:
    """The document's root element, entities and deep nesting refused."""
    refuse_entities(data)
    depth = 0
    root = None
    try:
        events = safe_et.iterparse(io.BytesIO(to_utf8(data)), events=("start", "end"))
        for event, element in events:
            if event == "start":
                depth += 1
                root = element if root is None else root
                if depth > MAX_DEPTH:
                    raise Refused("too_deep", f"elements nested deeper than {MAX_DEPTH}")
            else:
                depth -= 1
    except DefusedXmlException as exc:
        raise Refused("entities", type(exc).__name__) from None
    except ParseError as exc:
        raise Refused("malformed", f"not well-formed XML ({exc})") from None
    if root is None:
        raise Refused("malformed", "no element")
    return root


def local(tag: str) -> str:
    """A tag without its namespace."""
    return tag.rpartition("}")[2]


def children(element: Element, name: str) -> Iterator[Element]:
    """Direct children named `name`, in any namespace."""
    return (child for child in element if local(child.tag) == name)


def child(element: Element | None, *path: str) -> Element | None:
    """The first element down `path` of local names, or None."""
    for name in path:
        if element is None:
            return None
        element = next(children(element, name), None)
    return element


def text(element: Element | None, *path: str) -> str:
    """The whitespace-normalised text under the element down `path`, or ''."""
    found = child(element, *path)
    return " ".join("".join(found.itertext()).split()) if found is not None else ""


def descendants(element: Element, name: str) -> Iterator[Element]:
    """Every element named `name` under `element`, in document order, any namespace."""
    return (e for e in element.iter() if local(e.tag) == name)
