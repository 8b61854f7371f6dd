from workers.pipeline.dedupe import (
    BoundedIndex,
    DedupeOptions,
    IndexEntry,
    decide,
    expired,
    fingerprint,
)

OPTS = DedupeOptions(retention_seconds=100.0, max_entries=3)


def test_fingerprint_ignores_typography_and_case():
    a = "Bank Indonesia kept its rate \u2014 as \u201cexpected\u201d.\nAnalysts agreed."
    b = 'bank indonesia kept its rate - as "expected".   Analysts  agreed.'
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint(a + " Later, it cut.")


def test_first_story_is_new_then_copies_are_duplicates_of_it():
    first = decide(None, "s1", "raw:0:0", 10.0, OPTS)
    assert first.status == "new"
    assert first.entry.canonical_id == "s1"
    again = decide(first.entry, "s2", "raw:1:0", 20.0, OPTS)
    assert again.status == "duplicate"
    assert again.entry.canonical_id == "s1"
    assert again.entry.cluster_id == first.entry.cluster_id
    assert again.entry.first_seen == 10.0


def test_same_story_id_resent_is_a_duplicate_but_a_replayed_origin_is_a_replay():
    first = decide(None, "s1", "raw:0:0", 10.0, OPTS)
    assert decide(first.entry, "s1", "raw:0:7", 11.0, OPTS).status == "duplicate"
    assert decide(first.entry, "s1", "raw:0:0", 11.0, OPTS).status == "replay"


def test_expired_entries_are_forgotten():
    first = decide(None, "s1", "raw:0:0", 10.0, OPTS)
    later = decide(first.entry, "s2", "raw:0:1", 111.0, OPTS)
    assert later.status == "new"
    assert later.entry.canonical_id == "s2"


def test_origins_per_entry_are_bounded():
    entry = decide(None, "s0", "o0", 0.0, OPTS).entry
    for i in range(1, 100):
        entry = decide(entry, f"s{i}", f"o{i}", 1.0, OPTS).entry
    assert len(entry.origins) == OPTS.max_origins


def test_sweep_drops_expired_then_oldest_beyond_the_bound():
    entries = [("a", 0.0), ("b", 50.0), ("c", 60.0), ("d", 70.0), ("e", 80.0)]
    # at t=120 "a" (120 s old) is past retention; 4 remain, one over the bound of 3
    assert expired(entries, 120.0, OPTS) == ["a", "b"]


def test_entry_round_trips():
    entry = IndexEntry("s1", "c1", 12.5, ("raw:0:1",))
    assert IndexEntry.from_dict(entry.to_dict()) == entry


def test_bounded_index_evicts_oldest():
    index = BoundedIndex(OPTS)
    for key in "abcd":
        index.put(key, IndexEntry(key, key, 0.0))
    assert len(index) == 3
    assert index.get("a") is None
    assert index.get("d") is not None
