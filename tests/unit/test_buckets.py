import random
import struct

import pytest

from workers.pipeline.dedupe import BAND_PREFIX, DedupeOptions, Deduper, MemoryIndex
from workers.stream.buckets import TOKEN_KEY, BucketStore, new_token, stories_oldest_first

DEDUPER = Deduper(DedupeOptions(max_per_band=3))  # small buckets, so that some overflow
WORDS = (
    "bank rate rupiah inflation minister port harbour election court ruling "
    "export coal nickel price market share index budget deficit growth"
).split()


def stories(count: int, seed: int = 5) -> list[str]:
    """Stories that share vocabulary (and so buckets), with a copy or near copy now and then."""
    rng = random.Random(seed)
    texts: list[str] = []
    for _ in range(count):
        if texts and rng.random() < 0.2:
            words = rng.choice(texts).split()
            words[rng.randrange(len(words))] = rng.choice(WORDS)
        else:
            words = [rng.choice(WORDS) for _ in range(40)]
        texts.append(" ".join(words))
    return texts


def decided(texts: list[str]) -> MemoryIndex:
    """The index after deciding `texts` in order, one second apart."""
    index = MemoryIndex(10**6)
    for i, text in enumerate(texts):
        verdict = DEDUPER.decide(index.get, f"s{i}", f"raw:0:{i}", DEDUPER.candidate(text), i)
        index.apply(verdict.writes)
    return index


def split(index: MemoryIndex) -> tuple[dict[bytes, bytes], dict[str, bytes]]:
    table = {k.encode(): v for k, v in index._data.items() if not k.startswith(BAND_PREFIX)}
    bands = {k: v for k, v in index._data.items() if k.startswith(BAND_PREFIX)}
    return table, bands


@pytest.mark.parametrize("on_disk", [False, True])
def test_buckets_rebuilt_from_the_stories_equal_those_written_live(tmp_path, on_disk, monkeypatch):
    monkeypatch.setattr("workers.stream.buckets.REBUILD_STEP", 100)
    table, live = split(decided(stories(300)))
    assert any(len(v) == 8 + 3 * 16 for v in live.values())  # some buckets are full
    store = BucketStore(tmp_path / "b" if on_disk else None)
    store.apply({"band:stale": b"x" * 24})
    order = stories_oldest_first(table.items())
    progress = list(store.rebuild(DEDUPER, order, table.get))
    assert progress == list(range(100, len(order) + 1, 100))
    assert store.get("band:stale") is None  # the store starts empty
    assert {key: store.get(key) for key in live} == live
    store.close()


def test_token_and_buckets_survive_reopening(tmp_path):
    store = BucketStore(tmp_path / "b")
    token = new_token()
    store.apply({"band:1:00": struct.pack("<d", 5.0) + b"f" * 16})
    store.mark(token)
    store.close()
    again = BucketStore(tmp_path / "b")
    assert again.token == token
    assert again.get("band:1:00") is not None
    again.clear()
    assert again.token is None and again.get("band:1:00") is None
    again.close()


@pytest.mark.parametrize("on_disk", [False, True])
def test_sweep_drops_buckets_last_used_before_the_cutoff(tmp_path, on_disk, monkeypatch):
    monkeypatch.setattr("workers.stream.buckets.SWEEP_CHUNK", 7)  # several rounds of deletion
    store = BucketStore(tmp_path / "b" if on_disk else None)
    store.apply({f"band:{i}:00": struct.pack("<d", float(i)) + b"f" * 16 for i in range(50)})
    store.mark(b"t")
    assert store.sweep(before=20.0) == (20, 30)
    assert store.get("band:19:00") is None and store.get("band:20:00") is not None
    assert store.token == b"t"  # the token is not a bucket
    store.close()


def test_only_stories_with_a_signature_are_rebuilt_in_order_seen():
    table = {
        b"fp:bb": b'{"t": 2.0, "s": "", "n": 0}',
        b"fp:aa": b'{"t": 1.0, "s": "", "n": 0}',
        b"fp:cc": b'{"t": 0.5}',  # too short to have buckets
        b"dl:raw:0:1": b'{"t": 0.1}',
        TOKEN_KEY.encode(): b"token",
    }
    assert stories_oldest_first(table.items()) == [b"fp:aa", b"fp:bb"]
