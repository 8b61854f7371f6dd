import orjson
import pytest

from workers.pipeline.parse import ParseOptions, parse_raw
from workers.records import RawStory, Rejection

OPTS = ParseOptions(max_bytes=2_000)


def test_minimal_story_parses_with_defaults():
    story = parse_raw(b'{"id": " a1 ", "body": "Hello world."}', OPTS)
    assert story == RawStory(id="a1", body="Hello world.", content_type="text/plain")


def test_optional_fields_are_kept_and_unknown_ones_ignored():
    raw = {
        "id": "a2",
        "body": "Text.",
        "source": "wire",
        "headline": "H",
        "url": "https://example.org/a2",
        "language": "en",
        "published_at": "2026-11-27T08:15:00+07:00",
        "content_type": "text/html; charset=utf-8",
        "extra": {"ignored": True},
    }
    story = parse_raw(orjson.dumps(raw), OPTS)
    assert isinstance(story, RawStory)
    assert story.content_type == "text/html"
    assert story.published_at == "2026-11-27T08:15:00+07:00"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"x" * 2_001, "too_large"),
        (b'{"id": "a", "body": "caf\xe9"}', "invalid_utf8"),
        (b'{"id": "a", "body": ', "invalid_json"),
        (b"", "invalid_json"),
        (b"[1, 2]", "not_object"),
        (b'"just a string"', "not_object"),
        (b'{"body": "text"}', "missing_field"),
        (b'{"id": "a"}', "missing_field"),
        (b'{"id": null, "body": "t"}', "missing_field"),
        (b'{"id": "  ", "body": "t"}', "empty_field"),
        (b'{"id": "a", "body": ""}', "empty_field"),
        (b'{"id": 7, "body": "t"}', "wrong_type"),
        (b'{"id": "a", "body": ["t"]}', "wrong_type"),
        (b'{"id": "a", "body": "t", "headline": 3}', "wrong_type"),
        (b'{"id": "a", "body": "t", "content_type": "application/pdf"}', "bad_content_type"),
        (b'{"id": "a", "body": "t", "published_at": "yesterday"}', "bad_timestamp"),
        (b'{"id": "a", "body": "t", "published_at": "2026-13-40T99:00:00Z"}', "bad_timestamp"),
        (orjson.dumps({"id": "a", "body": "\x00\x01\x02binary\x03\x04"}), "binary_body"),
        (orjson.dumps({"id": "x" * 300, "body": "t"}), "field_too_long"),
    ],
)
def test_bad_input_is_rejected_with_its_code(data, code):
    result = parse_raw(data, OPTS)
    assert isinstance(result, Rejection), result
    assert result.code == code
    assert result.message


def test_rejection_keeps_the_story_id_when_readable():
    result = parse_raw(b'{"id": "s9", "body": 5}', OPTS)
    assert isinstance(result, Rejection)
    assert result.story_id == "s9"


def test_a_stray_control_character_is_stripped_not_rejected():
    body = "A long enough sentence about markets and prices." * 3 + "\x07"
    story = parse_raw(orjson.dumps({"id": "a", "body": body}), OPTS)
    assert isinstance(story, RawStory)
    assert "\x07" not in story.body
