"""Send raw stories to the raw topic (kafka-python), from JSON-lines, .txt/.html files,
wire-format files (ninjs, NewsML-G2, NITF; JSON Feed and RSS too) or stdin.

JSON lines are sent as they are, byte for byte: a malformed line still reaches
the worker, which dead-letters it with the reason. Keys are story ids; a story
without one gets a stable id derived from its content, so sending the same file
twice sends the same keys. A wire-format file is read here (docs/SOURCES.md has
the mapping); one that cannot be read is reported, and nothing of it is sent.
"""

from __future__ import annotations

import hashlib
import io
import logging
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import orjson
from kafka import KafkaProducer
from kafka.errors import KafkaError
from tqdm import tqdm

from workers.config import Settings
from workers.stream.broker import client_config, talking_to

log = logging.getLogger(__name__)

PLAIN_SUFFIXES = {".txt": "text/plain", ".html": "text/html", ".htm": "text/html"}


@dataclass(frozen=True)
class Message:
    key: bytes
    value: bytes
    where: str  # file and line, for error reports


@dataclass
class Summary:
    sent: int = 0
    not_json: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    unread: list[str] = field(default_factory=list)  # wire files refused, with why

    def __str__(self) -> str:
        text = f"sent {self.sent}, failed {sum(self.failed.values())}"
        if self.not_json:
            text += f" ({self.not_json} lines not valid JSON: the worker dead-letters them)"
        for reason, count in self.failed.most_common():
            text += f"\n  failed {count}: {reason}"
        for why in self.unread:
            text += f"\n  not read: {why}"
        return text


def content_id(data: bytes) -> str:
    """A stable id for a story that came without one."""
    return "sha256:" + hashlib.sha256(data).hexdigest()[:32]


def json_line_key(line: bytes) -> tuple[bytes, bool]:
    """The key for a JSON line (its id, else a content id), and whether it parsed."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return content_id(line).encode(), False
    story_id = obj.get("id") if isinstance(obj, dict) else None
    if isinstance(story_id, str) and story_id.strip():
        return story_id.strip().encode("utf-8", "surrogatepass"), True
    return content_id(line).encode(), True


def read_messages(
    paths: Iterable[str], stdin: BinaryIO, unread: list[str]
) -> Iterator[tuple[Message, bool]]:
    """Every message in `paths` ('-' is stdin), with whether it was valid JSON; wire files
    that cannot be read are listed in `unread`."""
    for name in paths:
        if name == "-":
            yield from _json_lines(stdin, "stdin")
            continue
        path = Path(name)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            suffix = file.suffix.lower()
            if suffix in PLAIN_SUFFIXES:
                yield _plain_file(file, PLAIN_SUFFIXES[suffix]), True
            elif suffix in (".xml", ".json"):
                data = file.read_bytes()
                if suffix == ".xml" or _wire_json(data):
                    yield from _wire_file(file, data, unread)
                else:
                    yield from _json_lines(io.BytesIO(data), str(file))
            else:
                with file.open("rb") as fh:
                    yield from _json_lines(fh, str(file))


def _wire_json(data: bytes) -> bool:
    """Whether a .json file is a wire document: one ninjs object (it has a `uri`), a list
    of them, or a JSON Feed; not JSON lines."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return False
    return isinstance(doc, list) or (isinstance(doc, dict) and ("uri" in doc or "items" in doc))


def _wire_file(path: Path, data: bytes, unread: list[str]) -> Iterator[tuple[Message, bool]]:
    # Imported here: the readers load trafilatura (0.4 s), which JSON lines never need.
    from workers.sources import documents
    from workers.sources.items import raw_story
    from workers.sources.xml import Refused

    try:
        items = documents.read(data).items
    except Refused as exc:
        unread.append(f"{path}: {exc}")
        return
    if not items:
        unread.append(f"{path}: no text items (pictures, packages and events are left out)")
    for number, item in enumerate(items, 1):
        credit = item.provider.get("credit", "")
        story = raw_story(item, item.key(credit), credit)
        yield Message(story["id"].encode(), orjson.dumps(story), f"{path}#{number}"), True


def _json_lines(fh: BinaryIO, name: str) -> Iterator[tuple[Message, bool]]:
    for number, line in enumerate(fh, 1):
        line = line.rstrip(b"\r\n")
        if not line.strip():
            continue
        key, ok = json_line_key(line)
        yield Message(key, line, f"{name}:{number}"), ok


def _plain_file(path: Path, content_type: str) -> Message:
    data = path.read_bytes()
    story_id = content_id(data)
    body = data.decode("utf-8", errors="replace")
    value = orjson.dumps({"id": story_id, "body": body, "content_type": content_type})
    return Message(story_id.encode(), value, str(path))


def produce(settings: Settings, paths: list[str], topic: str | None = None) -> Summary:
    """Send everything in `paths`; report what was sent and what failed, and why."""
    topic = topic or settings.topics.raw
    with talking_to(settings):
        producer = KafkaProducer(
            **client_config(settings, "producer"),
            acks="all",
            linger_ms=5,
            max_request_size=max(settings.max_body_bytes * 2, 1_048_576),
        )
    summary = Summary()
    progress = tqdm(unit=" stories", desc=f"-> {topic}", file=sys.stderr, disable=None)

    def failed(where: str) -> object:
        def on_error(exc: BaseException) -> None:
            summary.failed[f"{type(exc).__name__}: {exc}"] += 1
            log.debug("send of %s failed: %s", where, exc)

        return on_error

    def sent(_: object) -> None:
        summary.sent += 1
        progress.update()

    try:
        for message, ok in read_messages(paths, sys.stdin.buffer, summary.unread):
            summary.not_json += not ok
            try:
                future = producer.send(topic, key=message.key, value=message.value)
            except KafkaError as exc:
                summary.failed[f"{type(exc).__name__}: {exc}"] += 1
                continue
            future.add_callback(sent).add_errback(failed(message.where))
        producer.flush()
    finally:
        producer.close()
        progress.close()
    return summary
