"""Guess a story's language from its script and its most common function words.

Function words decide quickly when a story has enough of them. Indonesian and
Malay share most of theirs, so words that only one of the two uses (spellings
and vocabulary: "bahwa"/"bahawa", "pemerintah"/"kerajaan") tell them apart. When
a text is too short for either test, py3langid (langid.py's model, trained on
far more text than we have, restricted to the languages listed here) decides,
on the opening only: it costs about 1 µs a character. `make eval` measures all
this on short news paragraphs (docs/NER_MODEL.md).
"""

from __future__ import annotations

import re
import string
from collections import Counter
from functools import cache

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
from py3langid.modelio import load_model

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
# Words only one of the two uses, or uses far more: spellings and vocabulary.
INDONESIAN = frozenset(
    "karena bisa saja yaitu setelah ujar pemerintah bahwa uang persen polisi perusahaan "
    "pajak kendaraan gratis bus taksi universitas berhasil rapat kecelakaan "
    "usulan dukungan wartawan provinsi diperkirakan kemarin lalu pasokan tersangka terdakwa "
    "miliar triliun penjualan wisatawan truk mobil korban siswa ujian dibandingkan "
    "sejumlah kabupaten".split()
)
MALAY = frozenset(
    "kerana boleh sahaja iaitu selepas ialah manakala bahawa kerajaan wang peratus polis "
    "syarikat cukai kenderaan percuma baharu hospital bas teksi universiti kakitangan berjaya "
    "mesyuarat kemalangan cadangan sokongan jurucakap pemberita negeri dijangka lepas "
    "bekalan tertuduh bilion jualan pelancong lori mangsa bomba peperiksaan berbanding "
    "seramai mahupun".split()
)
LANGUAGES = (*STOPWORDS, "ms")  # what py3langid may answer
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
# over every word costs several times more). `str.translate` is fastest on ASCII
# text, but on a text with one character beyond it looks up every character in
# its table (3,000 characters: 280 µs): such texts go through a regex (30 µs).
_QUOTES_DASHES = "\u201c\u201d\u2018\u2019\u00ab\u00bb\u2014\u2013\u2026"
_UNPUNCT = str.maketrans(dict.fromkeys(string.punctuation, " "))
_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation + _QUOTES_DASHES)}]")
SAMPLE_CHARS = 3000  # enough text to decide; longer bodies are not read further
IDENTIFY_CHARS = 400  # what py3langid reads: a paragraph
MIN_PROBABILITY = 0.5  # below it, py3langid's guess is no better than "und"
MALAY_PROBABILITY = 0.8  # see detect_language


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
    words = Counter(_unpunctuated(sample.lower()).split())
    scores = {lang: sum(words[w] for w in stop) for lang, stop in STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    language = best if scores[best] >= 2 else _identify(sample, LANGUAGES)
    if language not in ("id", "ms"):
        return language
    malay = sum(words[w] for w in MALAY)
    indonesian = sum(words[w] for w in INDONESIAN)
    if malay != indonesian:
        return "ms" if malay > indonesian else "id"
    # No telling word: py3langid leans to Malay on short Indonesian news, which is far
    # more common on the wires newswire reads; Malay needs its confidence.
    return "ms" if _identify(sample, ("id", "ms"), MALAY_PROBABILITY) == "ms" else "id"


def _unpunctuated(text: str) -> str:
    """Every punctuation mark a space (see `_PUNCTUATION`)."""
    return text.translate(_UNPUNCT) if text.isascii() else _PUNCTUATION.sub(" ", text)


def _identify(sample: str, languages: tuple[str, ...], at_least: float = MIN_PROBABILITY) -> str:
    """py3langid's guess among `languages` (its probability renormalised over them), on
    the opening of the text, or ``und``."""
    opening = sample[:IDENTIFY_CHARS]
    if not _LETTER.search(opening):
        return UNDETERMINED
    scores = {lang: p for lang, p in identifier().rank(opening) if lang in languages}
    best = max(scores, key=scores.__getitem__)
    total = sum(scores.values())
    return best if total > 0 and scores[best] / total >= at_least else UNDETERMINED


@cache
def identifier() -> LanguageIdentifier:
    """py3langid's model over LANGUAGES; loading takes about half a second, so the
    pipeline loads it when it starts rather than on the first short story.

    Only the LANGUAGES' columns of its feature weights are kept: `set_languages`
    would keep all 142 beside them, 28 MB more in every worker."""
    ptc, pc, classes, nextmove, rows, output = load_model(MODEL_DIR / MODEL_FILE)
    keep = [i for i, language in enumerate(classes) if language in LANGUAGES]
    return LanguageIdentifier(
        ptc[:, keep], pc[keep], [classes[i] for i in keep], nextmove, output,
        norm_probs=True, tk_row=rows,
    )  # fmt: skip
