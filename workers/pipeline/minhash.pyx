# cython: language_level=3, boundscheck=False, wraparound=False
"""MinHash's loops over a story's bytes, words and shingles (`neardup.MinHasher`).

Compiled (Cython) because the same loops in NumPy took a dozen array passes and
temporaries a story, about a tenth of a worker's time. Every value is the one
the NumPy version gave (a property test holds them to it), so an index written
before stays valid: arithmetic wraps modulo 2**64 in both.
"""

import numpy as np

from libc.stdint cimport uint8_t, uint32_t, uint64_t

# A word's hash: its bytes b0 b1 ... as b0 + b1*P + b2*P**2 + ... modulo 2**64.
cdef uint64_t P = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
cdef uint64_t DENSIFY = 0x5851F42D4C957F2D  # an empty bin's step from its donor
cdef uint64_t FULL = 0xFFFFFFFFFFFFFFFF
cdef uint64_t MIX_1 = 0xBF58476D1CE4E5B9, MIX_2 = 0x94D049BB133111EB  # splitmix64's

# Bytes that belong to words: ASCII letters and digits, '_', and every byte of a
# multi-byte UTF-8 character (so "café" and "北京" are words).
cdef bint WORD_BYTE[256]
for _byte in range(256):
    WORD_BYTE[_byte] = _byte >= 0x80 or chr(_byte).isascii() and (
        chr(_byte).isalnum() or _byte == ord("_")
    )


def word_hashes(const uint8_t[::1] data):
    """A 64-bit hash per word of UTF-8 bytes (words: runs of WORD_BYTE); equal words,
    equal hashes."""
    cdef Py_ssize_t n = data.shape[0], i = 0, count = 0
    out = np.empty(n // 2 + 1, dtype=np.uint64)  # words are separated: at most n/2 + 1
    cdef uint64_t[::1] hashes = out
    cdef uint64_t h, power
    while i < n:
        if not WORD_BYTE[data[i]]:
            i += 1
            continue
        h, power = 0, 1
        while i < n and WORD_BYTE[data[i]]:
            h += data[i] * power
            power *= P
            i += 1
        hashes[count] = h
        count += 1
    return out[:count]


cdef inline uint64_t _splitmix(uint64_t x) noexcept nogil:
    """A strong 64-bit finaliser."""
    x = (x ^ (x >> 30)) * MIX_1
    x = (x ^ (x >> 27)) * MIX_2
    return x ^ (x >> 31)


def shingle_hashes(const uint64_t[::1] words, const uint64_t[::1] mix):
    """A 64-bit hash per run of len(mix) words, in text order: the words weighted by
    `mix`, summed, then mixed."""
    cdef Py_ssize_t width = mix.shape[0], count = words.shape[0] - width + 1, i, k
    out = np.empty(max(count, 0), dtype=np.uint64)
    cdef uint64_t[::1] hashes = out
    cdef uint64_t h
    for i in range(count):
        h = 0
        for k in range(width):
            h += words[i + k] * mix[k]
        hashes[i] = _splitmix(h)
    return out


def bin_minima(const uint64_t[::1] hashes, Py_ssize_t bins):
    """One-permutation MinHash: the least hash in each of `bins` bins (a power of two; a
    hash's bin: its top log2(bins) bits), an empty bin taking the next full bin's value
    to its right (circularly) plus DENSIFY per bin between them; the low 32 bits of
    each."""
    cdef int shift = 64 - (int(bins).bit_length() - 1)
    mins = np.full(bins, FULL, dtype=np.uint64)
    cdef uint64_t[::1] m = mins
    cdef Py_ssize_t i, b, donor, first = -1
    cdef uint64_t h
    for i in range(hashes.shape[0]):
        h = hashes[i]
        b = <Py_ssize_t>(h >> shift)
        if h < m[b]:
            m[b] = h
    out = np.empty(bins, dtype=np.uint32)
    cdef uint32_t[::1] values = out
    for b in range(bins):
        if m[b] != FULL:
            first = b
            break
    if first < 0:
        out[:] = 0xFFFFFFFF
        return out
    # Right to left, so each empty bin knows the nearest full one to its right.
    donor = first + bins  # past the end: the first full bin, one turn on
    for b in range(bins - 1, -1, -1):
        if m[b] != FULL:
            donor = b
            values[b] = <uint32_t>m[b]
        else:
            values[b] = <uint32_t>(m[donor % bins] + <uint64_t>(donor - b) * DENSIFY)
    return out
