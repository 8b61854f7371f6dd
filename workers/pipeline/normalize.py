"""Text folding for matching: two texts that differ only in typography fold alike."""

from __future__ import annotations

import unicodedata

# Curly quotes, primes and guillemets to straight quotes; every dash to '-'.
_FOLD = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        "\u00a0": " ",
        "\u200b": None,
        "\ufeff": None,
    }
)


def fold(text: str) -> str:
    """NFKC, case-fold, quotes and dashes folded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD).casefold()
    return " ".join(text.split())
