"""Hostile input through the whole pure pipeline: it never raises, every outcome is valid.

Bounded and derandomised for CI; `NEWSWIRE_FUZZ_EXAMPLES=10000 pytest tests/unit/test_fuzz.py`
runs the long version.
"""

import os
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workers.pipeline.core import Pipeline, PipelineOptions
from workers.pipeline.dedupe import MemoryIndex
from workers.pipeline.parse import ParseOptions
from workers.records import Origin, dumps

EXAMPLES = int(os.environ.get("NEWSWIRE_FUZZ_EXAMPLES", "600"))
PIPELINE = Pipeline(PipelineOptions(parse=ParseOptions(max_bytes=50_000)))
INDEX = MemoryIndex(100_000)
SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "deadletter.schema.json"
ERRORS = set(orjson.loads(SCHEMA.read_bytes())["properties"]["error"]["enum"])

# Pathological pieces, repeated: regex bait, deep markup, huge tokens, invisible marks.
HOSTILE = ["Baca juga: ", "(", "A", "ADVERTISEMENT\n", "JAKARTA (Reuters) - ", "<div>",
           "<script>x", "Kim Jong Un ", "\u202e\u200b\ufeff", "\n", "klik di sini "]  # fmt: skip
text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=400
) | st.tuples(st.sampled_from(HOSTILE), st.integers(1, 5000)).map(lambda t: t[0] * t[1])
html = st.recursive(
    st.text(max_size=40),
    lambda inner: (
        st.tuples(st.sampled_from(["p", "div", "nav", "script", "b", "li"]), inner).map(
            lambda t: f"<{t[0]}>{t[1]}</{t[0]}>"
        )
        | st.lists(inner, max_size=4).map("".join)
    ),
    max_leaves=30,
)
json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | text,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
story = st.fixed_dictionaries(
    {
        "id": st.one_of(text, st.integers(0, 10**6), st.none()),
        "body": st.one_of(text, html, json_value),
    },
    optional={
        "headline": text,
        "content_type": st.sampled_from(["text/plain", "text/html", "TEXT/HTML; charset=x", "x/y"]),
        "published_at": st.sampled_from(["2026-11-29T10:00:00Z", "nope", "2026-02-30T25:00:00Z"]),
        "source": json_value,
    },
)
raw = st.one_of(
    st.binary(max_size=600),
    story.map(orjson.dumps),
    st.tuples(story.map(orjson.dumps), st.binary(min_size=1, max_size=8)).map(
        lambda t: t[0] + t[1]
    ),
    json_value.map(orjson.dumps),
    st.integers(1, 200).map(lambda depth: b"[" * depth * 50 + b"]" * depth * 50),
)


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,  # check_event is a pure function: nothing to reset
    ],
)
@given(raw=raw, offset=st.integers(0, 10**9))
def test_any_bytes_end_as_a_valid_outcome(raw, offset, check_event):
    prepared = PIPELINE.prepare(raw, None, Origin("news.raw", 0, offset, 1_800_000_000.0))
    decision = PIPELINE.decide(prepared, INDEX.get)
    INDEX.apply(decision.writes)
    outcome = decision.outcome
    if outcome is None:  # the same origin drawn twice: a replay, correctly silent
        return
    event = orjson.loads(dumps(outcome))
    check_event(event)
    if event["kind"] == "rejected":
        assert event["error"] in ERRORS
        assert event["error"] != "internal_error", event["message"]
