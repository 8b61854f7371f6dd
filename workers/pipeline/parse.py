"""Parse and validate a raw message's bytes into a `RawStory`, or say why not."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import orjson

from workers.records import RawStory, Rejection

CONTENT_TYPES = ("text/plain", "text/html")
OPTIONAL_TEXT = ("source", "headline", "url", "language", "published_at", "content_type")
# Control characters other than tab, newline and carriage return: a body with many
# of them is binary, not text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class ParseOptions:
    max_bytes: int = 1_000_000
    max_id_chars: int = 256
    max_field_chars: int = 2_000
    # Share of control characters above which a body counts as binary.
    max_control_ratio: float = 0.01


def parse_raw(data: bytes, opts: ParseOptions) -> RawStory | Rejection:
    """Validate one raw message; every refusal names its code and what was wrong."""
    if len(data) > opts.max_bytes:
        return Rejection(
            "too_large", f"message is {len(data)} bytes; the limit is {opts.max_bytes}"
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection("invalid_utf8", f"not UTF-8 at byte {exc.start}: {exc.reason}")
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return Rejection("invalid_json", f"not JSON: {exc}")
    if not isinstance(obj, dict):
        return Rejection("not_object", f"expected a JSON object, got {type(obj).__name__}")
    return _validate(obj, opts)


def _validate(obj: dict[str, object], opts: ParseOptions) -> RawStory | Rejection:
    raw_id = obj.get("id")
    story_id = raw_id.strip() if isinstance(raw_id, str) else None
    for name in ("id", "body"):
        if name not in obj or obj[name] is None:
            return Rejection("missing_field", f"required field {name!r} is missing", story_id)
        if not isinstance(obj[name], str):
            kind = type(obj[name]).__name__
            return Rejection("wrong_type", f"{name!r} must be a string, got {kind}", story_id)
        if not str(obj[name]).strip():
            return Rejection("empty_field", f"required field {name!r} is empty", story_id)
    story_id = str(obj["id"]).strip()
    if len(story_id) > opts.max_id_chars:
        return Rejection("field_too_long", f"'id' is longer than {opts.max_id_chars} characters")
    extra: dict[str, str] = {}
    for name in OPTIONAL_TEXT:
        value = obj.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            kind = type(value).__name__
            return Rejection("wrong_type", f"{name!r} must be a string, got {kind}", story_id)
        if len(value) > opts.max_field_chars:
            return Rejection(
                "field_too_long", f"{name!r} is longer than {opts.max_field_chars} chars", story_id
            )
        extra[name] = value.strip()
    content_type = extra.pop("content_type", "text/plain").lower().split(";")[0].strip()
    if content_type not in CONTENT_TYPES:
        return Rejection(
            "bad_content_type",
            f"content_type {content_type!r} is not one of {', '.join(CONTENT_TYPES)}",
            story_id,
        )
    published_at = extra.get("published_at")
    if published_at is not None and not _is_rfc3339(published_at):
        return Rejection(
            "bad_timestamp", f"published_at {published_at!r} is not RFC 3339", story_id
        )
    body = str(obj["body"])
    controls = len(_CONTROL.findall(body))
    if controls > opts.max_control_ratio * len(body):
        return Rejection("binary_body", f"body has {controls} control characters", story_id)
    return RawStory(id=story_id, body=_CONTROL.sub("", body), content_type=content_type, **extra)


def _is_rfc3339(value: str) -> bool:
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
