"""Shared test helpers: schema validation of every event a test sees."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator, FormatChecker

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
SCHEMA_BY_KIND = {
    "enriched": "enriched.schema.json",
    "duplicate": "duplicate.schema.json",
    "rejected": "deadletter.schema.json",
    "alert": "alert.schema.json",
    "story": "story.schema.json",
    "breaking": "breaking.schema.json",
}


def _validator(name: str) -> Draft202012Validator:
    schema = orjson.loads((SCHEMAS / name).read_bytes())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


VALIDATORS = {kind: _validator(name) for kind, name in SCHEMA_BY_KIND.items()}
RAW_VALIDATOR = _validator("raw.schema.json")


def assert_valid_event(event: dict[str, Any]) -> None:
    """Fail unless the event matches its topic's JSON Schema, entity offsets hold, and
    every group's offsets are mentions of the event."""
    VALIDATORS[event["kind"]].validate(event)
    if event["kind"] == "enriched":
        for entity in event["entities"]:
            assert event["body"][entity["start"] : entity["end"]] == entity["text"], entity
        mentions = {(e["start"], e["end"]) for e in event["entities"]}
        for group in event.get("entity_groups", ()):
            assert {tuple(o) for o in group["offsets"]} <= mentions, group


@pytest.fixture
def check_event():
    """The schema check, for tests: `check_event(event_dict)`."""
    return assert_valid_event


@pytest.fixture
def check_raw():
    """The raw story schema's check, for tests of producers: `check_raw(story_dict)`."""
    return RAW_VALIDATOR.validate


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """On CI a skipped test is a failure: the suite must really run against Kafka."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; failing the run", red=True)
        session.exitstatus = 1
