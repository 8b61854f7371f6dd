"""The compiled MinHash loops give the values the NumPy version gave: an index
written before them stays valid. The NumPy version is kept here as the reference."""

import hashlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.pipeline.neardup import MinHasher, NearOptions

U64 = np.uint64
FULL = np.iinfo(np.uint64).max
P = 0x9E3779B97F4A7C15
WORD_BYTE = np.zeros(256, dtype=bool)
for c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_":
    WORD_BYTE[c] = True
WORD_BYTE[0x80:] = True


def reference_words(text: str) -> np.ndarray:
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if data.size == 0:
        return np.empty(0, dtype=np.uint64)
    inword = np.take(WORD_BYTE, data)
    edges = np.flatnonzero(inword[1:] != inword[:-1]) + 1
    if inword[0]:
        edges = np.concatenate(([0], edges))
    if inword[-1]:
        edges = np.concatenate((edges, [data.size]))
    starts, ends = edges[0::2], edges[1::2]
    with np.errstate(over="ignore"):
        pw = np.concatenate(([U64(1)], np.cumprod(np.full(data.size - 1, U64(P)))))
        inv = np.concatenate(([U64(1)], np.cumprod(np.full(data.size - 1, U64(pow(P, -1, 2**64))))))
    prefix = np.zeros(data.size + 1, dtype=np.uint64)
    np.cumsum(data * pw, out=prefix[1:])
    return (prefix[ends] - prefix[starts]) * inv[starts]


def reference_shingles(words: np.ndarray, mix: np.ndarray) -> np.ndarray:
    count = words.size - mix.size + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    x = words[:count] * mix[0]
    for i in range(1, mix.size):
        x += words[i : i + count] * mix[i]
    x = x ^ (x >> U64(30))
    x = x * U64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> U64(27))
    x = x * U64(0x94D049BB133111EB)
    return x ^ (x >> U64(31))


def reference_signature(hashes: np.ndarray, bins: int) -> np.ndarray:
    if hashes.size == 0:
        return np.full(bins, 0xFFFFFFFF, dtype=np.uint32)
    mins = np.full(bins, FULL, dtype=np.uint64)
    np.minimum.at(mins, (hashes >> U64(64 - (bins.bit_length() - 1))).astype(np.intp), hashes)
    empty = np.flatnonzero(mins == FULL)
    if empty.size:
        full = np.flatnonzero(mins != FULL)
        nxt = full[np.searchsorted(full, empty) % full.size]
        with np.errstate(over="ignore"):
            mins[empty] = mins[nxt] + ((nxt - empty) % bins).astype(np.uint64) * U64(
                0x5851F42D4C957F2D
            )
    return (mins & U64(0xFFFFFFFF)).astype(np.uint32)


TEXTS = st.text(
    alphabet=st.sampled_from("ab z_09 .,;-\n\u00e9\u5317\U0001f600"), max_size=300
) | st.lists(st.sampled_from(["harga", "naik", "persen", "jakarta", "bps"]), max_size=80).map(
    " ".join
)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_words_shingles_and_signature_as_numpy_gave_them(text):
    hasher = MinHasher(NearOptions())
    words = hasher.words(text)
    assert np.array_equal(words, reference_words(text))
    shingles = hasher.shingles(words)
    assert np.array_equal(shingles, reference_shingles(words, hasher._mix))
    for bins in (128, 8):  # 8 bins: few enough that short texts leave some empty
        assert np.array_equal(
            MinHasher(NearOptions(bins=bins, bands=4)).signature(shingles).values,
            reference_signature(shingles, bins),
        )


def test_a_known_text_keeps_its_fingerprint_and_signature():
    text = "harga cabai naik 3,42 persen di jakarta, kata bps pada jumat; café 北京 x_y " * 5
    sketch = MinHasher(NearOptions()).sketch(text)
    assert sketch.fingerprint == "2eab68d0dbfc2dfc231ad61cdca8c2de"
    assert hashlib.sha256(sketch.signature.values.tobytes()).hexdigest()[:16] == "3aed900892f20c5b"
    assert sketch.signature.size == 73
