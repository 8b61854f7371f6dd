"""Text folding for matching: two texts that differ only in typography fold alike."""

from __future__ import annotations

import re
import unicodedata

# Curly quotes, primes and guillemets to straight quotes; every dash to '-'.
_FOLD = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "\u00a0": " ",
    "\u200b": "",
    "\ufeff": "",
}
# str.translate is slow on non-ASCII text; a regex finds the few characters to fold.
_FOLDABLE = re.compile("[" + "".join(_FOLD) + "]")


def fold_chars(text: str) -> str:
    """NFKC, case-fold, quotes and dashes folded; whitespace left as it is."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():  # the one ASCII character to fold is the backtick
        return text.replace("`", "'")
    return _FOLDABLE.sub(lambda m: _FOLD[m.group()], text)


def fold(text: str, plain: bool = False) -> str:
    """`fold_chars`, and every run of whitespace made one space. `plain`: the caller
    knows `text` holds no ASCII whitespace but spaces (`plain_lines`), which spares
    the costliest check."""
    text = fold_chars(text)
    # Most lines are ASCII with no whitespace but single spaces inside, already what
    # split/join gives (which would cost 4x the rest). Printable ASCII has no
    # whitespace but the space; folding adds none to a plain line.
    if (
        text.isascii()
        and (plain or text.isprintable())
        and "  " not in text
        and text[:1] != " "
        and text[-1:] != " "
    ):
        return text
    return " ".join(text.split())


# ASCII whitespace but the space and the newline.
_OTHER_SPACE = "\t\v\f\r\x1c\x1d\x1e\x1f"


def plain_lines(text: str) -> bool:
    """Whether the lines of `text` hold no ASCII whitespace but spaces: checked once for
    a body (a search of each character), not once a line (a lookup of every character)."""
    return not any(map(text.__contains__, _OTHER_SPACE))
