"""Guess a story's language from its script and its most common function words.

A first, dependency-free version: the entities issue measures it (Indonesian vs
Malay on short paragraphs) and may replace it with a trained identifier.
"""

from __future__ import annotations

import re
import string
from collections import Counter

UNDETERMINED = "und"

# Function words frequent in news, chosen to separate the Latin-script languages.
# Indonesian and Malay share most words: only the ones that differ are listed.
STOPWORDS: dict[str, frozenset[str]] = {
    # Indonesian and Malay share most function words: scored together as "id",
    # then told apart by the markers below.
    "id": frozenset(
        "yang dan di ini itu dengan untuk dari dalam tidak akan pada juga kepada oleh "
        "telah sebagai atau ke".split()
    ),
    "en": frozenset(
        "the and of to in that is was for on with said as by at from its has have it".split()
    ),
    "es": frozenset("el la los las de que y en del por con para una es se al dijo".split()),
    "fr": frozenset("le la les des et est que dans pour une sur du au pas a été selon".split()),
    "de": frozenset("der die das und ist nicht mit den von zu im auf für eine dem sich".split()),
    "pt": frozenset("o a os as de que e do da em para com uma não no na disse".split()),
    "it": frozenset("il la che di e è per un una con non del della sono nel ha".split()),
    "nl": frozenset("de het een en van dat is op te niet met voor zijn in".split()),
}
INDONESIAN = frozenset(
    "karena bisa saja yaitu setelah tersebut ujar pemerintah mengatakan kata belum "
    "sebesar hingga namun sejumlah".split()
)
MALAY = frozenset(
    "kerana boleh sahaja iaitu selepas ialah daripada manakala bahawa kerajaan berkata "
    "turut sebanyak mahupun".split()
)
SCRIPTS: tuple[tuple[str, str], ...] = (
    ("ar", "\u0600-\u06ff"),
    ("ja", "\u3040-\u30ff"),
    ("ko", "\uac00-\ud7af"),
    ("zh", "\u4e00-\u9fff"),
    ("ru", "\u0400-\u04ff"),
    ("th", "\u0e00-\u0e7f"),
)
_SCRIPT = {code: re.compile(f"[{chars}]") for code, chars in SCRIPTS}
_ANY_SCRIPT = re.compile("[" + "".join(chars for _, chars in SCRIPTS) + "]")
_LETTER = re.compile(r"[^\W\d_]")
# Punctuation becomes a space, so that words split on whitespace alone (a regex
# over every word costs several times more).
_QUOTES_DASHES = "\u201c\u201d\u2018\u2019\u00ab\u00bb\u2014\u2013\u2026"
_UNPUNCT = str.maketrans(dict.fromkeys(string.punctuation + _QUOTES_DASHES, " "))
SAMPLE_CHARS = 3000  # enough text to decide; longer bodies are not read further


def detect_language(text: str) -> str:
    """ISO 639-1 code, or ``und`` when nothing is recognised."""
    sample = text[:SAMPLE_CHARS]
    if not sample.isascii():
        scripted = "".join(_ANY_SCRIPT.findall(sample))
        if scripted:
            letters = len(_LETTER.findall(sample)) or 1
            for code, script in _SCRIPT.items():
                if len(script.findall(scripted)) > letters * 0.1:
                    # Japanese text mixes kana with Han characters: kana decides.
                    return code
    words = Counter(sample.lower().translate(_UNPUNCT).split())
    scores = {lang: sum(words[w] for w in stop) for lang, stop in STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    if scores[best] < 2:
        return UNDETERMINED
    if best == "id" and sum(words[w] for w in MALAY) > sum(words[w] for w in INDONESIAN):
        return "ms"
    return best
