import numpy as np
import orjson
import pytest

from workers.pipeline.dedupe import (
    DedupeOptions,
    Deduper,
    MemoryIndex,
    entry_time,
    expired,
)
from workers.pipeline.neardup import MinHasher, NearOptions, Signature, compare
from workers.pipeline.normalize import fold

OPTS = DedupeOptions(retention_seconds=100.0, max_entries=1000)
DEDUPER = Deduper(OPTS)

PARAGRAPHS = [
    "The central bank kept its benchmark rate unchanged on Wednesday, saying inflation was "
    "within its target range for a third month.",
    "Governor Rahmat Santoso told reporters the bank would keep intervening in the currency "
    "market whenever volatility threatened price stability.",
    "Economists polled before the meeting had expected no change, although two had forecast "
    "a cut of a quarter point.",
    "The rupiah firmed slightly after the announcement while the main stock index closed "
    "little changed in thin trade.",
    "Exporters said a stable currency mattered more to them than the level of interest rates "
    "this year.",
]
ORIGINAL = "\n".join(PARAGRAPHS)


def run(index: MemoryIndex, story_id: str, text: str, origin: str, now: float = 10.0):
    verdict = DEDUPER.decide(index.get, story_id, origin, DEDUPER.candidate(text), now)
    index.apply(verdict.writes)
    return verdict


def test_fingerprint_ignores_typography_and_case():
    a = "Bank Indonesia kept its rate \u2014 as \u201cexpected\u201d.\nAnalysts agreed."
    b = 'bank indonesia kept its rate - as "expected".   Analysts  agreed.'
    assert DEDUPER.candidate(a).fingerprint == DEDUPER.candidate(b).fingerprint
    assert DEDUPER.candidate(a).fingerprint != DEDUPER.candidate(a + " Later, it cut.").fingerprint


def test_new_then_exact_duplicate_then_replay():
    index = MemoryIndex(1000)
    first = run(index, "s1", ORIGINAL, "raw:0:0")
    assert (first.status, first.canonical_id) == ("new", "s1")
    copy = run(index, "s2", ORIGINAL.upper(), "raw:1:0")
    assert (copy.status, copy.match, copy.canonical_id) == ("duplicate", "exact", "s1")
    assert copy.cluster_id == first.cluster_id
    assert run(index, "s2", ORIGINAL, "raw:1:0").status == "replay"
    # the same id sent again as a new message is a duplicate, not a replay
    assert run(index, "s1", ORIGINAL, "raw:0:9").status == "duplicate"


def test_trimmed_and_edited_copy_is_a_near_duplicate_of_the_canonical():
    index = MemoryIndex(1000)
    first = run(index, "s1", ORIGINAL, "raw:0:0")
    edited = "\n".join(PARAGRAPHS[:4]).replace("Wednesday", "Wednesday (Nov 26)")
    near = run(index, "s2", edited, "raw:0:1")
    assert (near.status, near.match, near.canonical_id) == ("duplicate", "near", "s1")
    assert near.cluster_id == first.cluster_id
    assert 0.5 <= near.similarity < 1.0
    # a copy of the near duplicate joins the same cluster, canonical unchanged
    again = run(index, "s3", edited + "\nReporting by the wire desk.", "raw:0:2")
    assert (again.canonical_id, again.cluster_id) == ("s1", first.cluster_id)


def test_follow_up_with_substantial_new_content_is_not_merged():
    index = MemoryIndex(1000)
    run(index, "s1", ORIGINAL, "raw:0:0")
    follow_up = (
        ORIGINAL
        + "\n"
        + "\n".join(
            [
                "On Thursday the bank surprised markets by announcing a new liquidity facility "
                "for small lenders hit by deposit outflows.",
                "The facility will offer three-month loans against government bonds at the policy "
                "rate plus fifty basis points, officials said.",
                "Analysts at two local brokerages said the move signalled deeper concern about "
                "regional banks than the statement admitted.",
                "Shares of listed regional lenders rose as much as six percent in afternoon trade "
                "before paring gains near the close.",
            ]
        )
    )
    assert run(index, "s2", follow_up, "raw:0:1").status == "new"


def test_short_stories_are_only_matched_exactly():
    index = MemoryIndex(1000)
    run(index, "s1", "Markets closed early for the holiday.", "raw:0:0")
    assert run(index, "s2", "Markets closed early for the festival.", "raw:0:1").status == "new"


def test_unrelated_story_is_new():
    index = MemoryIndex(1000)
    run(index, "s1", ORIGINAL, "raw:0:0")
    other = (
        "Heavy rain flooded three districts of the capital on Monday, forcing hundreds of "
        "families to shelter in mosques and schools while pumps struggled to drain the water, "
        "the disaster agency said, adding that more rain was forecast for the rest of the week."
    )
    assert run(index, "s2", other, "raw:0:1").status == "new"


def test_expired_entries_are_forgotten():
    index = MemoryIndex(1000)
    run(index, "s1", ORIGINAL, "raw:0:0", now=10.0)
    later = run(index, "s2", ORIGINAL, "raw:0:1", now=111.0)
    assert (later.status, later.canonical_id) == ("new", "s2")


def test_origins_per_entry_are_bounded():
    index = MemoryIndex(1000)
    for i in range(50):
        run(index, f"s{i}", ORIGINAL, f"raw:0:{i}")
    entry = orjson.loads(index.get(f"fp:{DEDUPER.candidate(ORIGINAL).fingerprint}"))
    assert len(entry["o"]) == OPTS.max_origins


def test_dead_letters_are_decided_once_per_origin():
    index = MemoryIndex(1000)
    first = DEDUPER.decide_rejected(index.get, "raw:0:5", 10.0)
    index.apply(first.writes)
    assert first.status == "new"
    assert DEDUPER.decide_rejected(index.get, "raw:0:5", 11.0).status == "replay"


def test_sweep_drops_expired_then_oldest_beyond_the_bound():
    opts = DedupeOptions(retention_seconds=100.0, max_entries=3)
    entries = [("a", 0.0), ("c", 60.0), ("b", 50.0), ("d", 70.0), ("e", 80.0)]
    assert expired(lambda: iter(entries), 120.0, opts) == (["a", "b"], 60.0, 3)


def test_sweep_within_the_bound_reads_the_index_once():
    reads = []

    def entries():
        reads.append(1)
        return iter([("a", 0.0), ("b", 50.0), ("c", 60.0)])

    opts = DedupeOptions(retention_seconds=100.0, max_entries=3)
    assert expired(entries, 120.0, opts) == (["a"], 50.0, 2)
    assert len(reads) == 1
    assert expired(lambda: iter([]), 120.0, opts) == ([], 120.0, 0)


def test_every_index_entry_has_a_time_for_the_sweep():
    index = MemoryIndex(1000)
    run(index, "s1", ORIGINAL, "raw:0:0", now=42.0)
    index.apply(DEDUPER.decide_rejected(index.get, "raw:0:1", 42.0).writes)
    assert len(index) == 1 + OPTS.near.bands + 1
    assert {entry_time(key, index.get(key)) for key in list(index._data)} == {42.0}


def test_memory_index_evicts_oldest():
    index = MemoryIndex(3)
    index.apply({k: b"1" for k in "abcd"})
    assert len(index) == 3
    assert index.get("a") is None
    assert index.size_bytes() == 6


@pytest.mark.parametrize("keep", [0.95, 0.8, 0.6])
def test_minhash_estimates_jaccard(keep):
    hasher = MinHasher(NearOptions())
    words = [f"w{i}" for i in range(600)]
    a = hasher.shingles(hasher.words(" ".join(words)))
    b = hasher.shingles(hasher.words(" ".join(words[: int(600 * keep)])))
    true = len(set(b.tolist()) & set(a.tolist())) / len(set(a.tolist()))
    estimate = compare(hasher.signature(b), hasher.signature(a)).jaccard
    assert abs(estimate - true) < 0.15


def test_signature_round_trips_and_is_stable_across_instances():
    a = MinHasher(NearOptions()).sketch(fold(ORIGINAL)).signature
    b = MinHasher(NearOptions()).sketch(fold(ORIGINAL)).signature
    assert np.array_equal(a.values, b.values)
    back = Signature.from_text(a.to_text(), a.size)
    assert np.array_equal(back.values, a.values) and back.size == a.size


def test_candidate_without_enough_shingles_has_no_signature():
    assert DEDUPER.candidate("Too short.").signature is None
