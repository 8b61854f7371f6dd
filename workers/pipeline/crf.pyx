# cython: language_level=3
"""What the entity tagger reads and how it decides: runs of candidate words, their
feature keys and weight rows, Viterbi, the gazetteer's matching (`Aliases`) and one
reading per name per story (`consistent`).

Compiled (Cython) because this is the tagger's hot loop: a 4 KB story has a
hundred runs or more, and per-run Python work, not the regexes, was most of the
entity stage's time. Training (`workers/training/ner.py`) reads the same runs and
keys, so a model scores at run time the features it was trained on.

Only runs of candidate words are read: capitalised words, with the connectors
between them ("Bank of America", "Energi dan Sumber Daya"), the initials ("M.
Saravanan"), a bracketed name right after ("Bursa Efek Indonesia (BEI)"), and a
lowercase word the training data shows opening a name ("desa", "kota") just
before one. A hand-written scan finds the runs (a property test holds it to the
regex it stands for), so the words of a story that cannot be names cost little.
Each word of a run gets its features (the word, its shape, its neighbours, where
it sits in the run, what the lexicons and the gazetteer say of it); every feature
is a row of the model's weights.
"""

import re

import numpy as np

cimport cython
from cpython.unicode cimport (
    Py_UNICODE_ISALNUM,
    Py_UNICODE_ISSPACE,
    PyUnicode_DATA,
    PyUnicode_KIND,
    PyUnicode_READ,
)

# Words keep inner hyphens, dots and apostrophes ("Tae-yul", "U.S", "O'Brien"), not a
# possessive "'s", which is its own token as in the training sets. `_token_end` reads
# the same tokens without the regex engine.
TOKEN = re.compile(r"\w+(?:[\-.]\w+|['\u2019](?![sS]\b)\w+)*|[^\w\s]")
# Words that join the capitalised words of a name ("Bank of America").
CONNECTORS = frozenset(
    "of de van von der den bin binti bt al dan and for the la le del da dos du".split()
)
BOUNDARY = "."  # what lies beyond the text or its line, for the context features
SENTENCE_END = frozenset('.!?:;"\u201c\u201d')
CONTEXT_CHARS = 40  # text read on each side of a run for two words of context
# The first templates are each a function of one word (the word itself, or a
# neighbour), so `Scorer` looks up a word's rows for all of them once per story.
WORD = ("word", "lower", "suffix", "prefix", "shape", "lexicon", "common")
NEAR = ("lower", "lexicon", "shape")  # of the word before, and of the word after
FAR = ("lower",)  # of the second word before, and after
RUN_WIDE = ("bias", "run_head", "run_tail")  # the same for every word of a run
PLACE = ("run", "first", "prev_word", "next_word", "gazetteer")
TEMPLATES = (
    *WORD,
    *(f"prev_{t}" for t in NEAR),
    *(f"next_{t}" for t in NEAR),
    *(f"prev2_{t}" for t in FAR),
    *(f"next2_{t}" for t in FAR),
    *RUN_WIDE,
    *PLACE,
)
cdef enum:
    ONE_WORD = 15  # templates of one word: WORD, then NEAR and FAR on each side
    ROWS = 23  # all templates: a word's weight rows
cdef Py_ssize_t N_WORD = len(WORD), N_NEAR = len(NEAR)
assert N_WORD + 2 * N_NEAR + 2 * len(FAR) == ONE_WORD and len(TEMPLATES) == ROWS
# Words whose rows `Scorer` remembers; then it starts afresh. About 310 bytes a word: 15 MB
# a model at most. A wire names new words all the time, so the cap is reached; at
# 200,000 two models could hold 124 MB. On stories naming 3 new words each, caps of
# 20,000-200,000 tagged at the same rate (2026-12-07).
MAX_CACHED = 50_000


# The scans below read a text's characters in place: `text[i]` looks up the string's
# width and storage at every character and costs several times more. Every index
# they read is checked against the text's end first. Helpers that only read
# characters take the text's `Chars`, made once by their caller.
cdef struct Chars:
    int kind
    void* data


cdef inline Chars _chars(str text) noexcept:
    cdef Chars chars
    chars.kind = PyUnicode_KIND(text)
    chars.data = PyUnicode_DATA(text)
    return chars


cdef inline Py_UCS4 _at(Chars t, Py_ssize_t i) noexcept:
    return PyUnicode_READ(t.kind, t.data, i)


cdef inline bint _is_word(Py_UCS4 ch) noexcept:
    """The regex engine's \\w (ASCII first: the unicode tables cost a call)."""
    if ch < 128:
        return u"a" <= ch <= u"z" or u"A" <= ch <= u"Z" or u"0" <= ch <= u"9" or ch == u"_"
    return Py_UNICODE_ISALNUM(ch)


@cython.boundscheck(False)  # every index is checked against the end
@cython.wraparound(False)
cdef Py_ssize_t _token_end(Chars t, Py_ssize_t i, Py_ssize_t end):
    """Where the TOKEN that starts at `i` (not whitespace) ends, reading no further than `end`."""
    cdef Py_UCS4 ch, after
    if not _is_word(_at(t, i)):
        return i + 1
    i += 1
    while i < end and _is_word(_at(t, i)):
        i += 1
    while i + 1 < end:
        ch, after = _at(t, i), _at(t, i + 1)
        if not _is_word(after):
            break
        if ch == u"'" or ch == u"\u2019":
            if (after == u"s" or after == u"S") and (i + 2 >= end or not _is_word(_at(t, i + 2))):
                break  # a possessive
        elif ch != u"-" and ch != u".":
            break
        i += 2
        while i < end and _is_word(_at(t, i)):
            i += 1
    return i


@cython.boundscheck(False)  # every index is checked against the end
@cython.wraparound(False)
cdef list _tokens(str text, Py_ssize_t i, Py_ssize_t end, list spans, Py_ssize_t most):
    """The TOKENs of text[i:end] (at most `most` from the start, if `most` >= 0); their
    spans appended to `spans` unless it is None."""
    cdef Chars t = _chars(text)
    cdef list out = []
    cdef Py_ssize_t stop
    while i < end and (most < 0 or len(out) < most):
        if Py_UNICODE_ISSPACE(_at(t, i)):
            i += 1
            continue
        stop = _token_end(t, i, end)
        out.append(text[i:stop])
        if spans is not None:
            spans.append((i, stop))
        i = stop
    return out


cdef class Run:
    """Candidate words in a row, with two words of context on each side.

    Context words are the text's tokens, or BOUNDARY past a line break or the end of
    the text.
    """

    cdef readonly list words
    cdef readonly list spans  # character spans in the text
    cdef readonly list before  # the two words before, nearest last
    cdef readonly list after  # the two words after, nearest first

    def __init__(self, list words, list spans, list before, list after):
        self.words, self.spans, self.before, self.after = words, spans, before, after

    def __repr__(self):
        return f"Run({self.words!r}, {self.spans!r}, {self.before!r}, {self.after!r})"


cdef inline bint _is_capital(Py_UCS4 ch) noexcept:
    """A capital that may open a name: A-Z and Latin-1's capitals."""
    return u"A" <= ch <= u"Z" or u"\u00c0" <= ch <= u"\u00d6" or u"\u00d8" <= ch <= u"\u00de"


cdef inline bint _is_blank(Py_UCS4 ch) noexcept:
    return ch == u" " or ch == u"\t"


@cython.boundscheck(False)  # every index is checked against the end
@cython.wraparound(False)
cdef inline Py_ssize_t _blanks(Chars t, Py_ssize_t i, Py_ssize_t n):
    """Past the spaces and tabs at `i`."""
    while i < n and _is_blank(_at(t, i)):
        i += 1
    return i


@cython.boundscheck(False)  # every index is checked against the end
@cython.wraparound(False)
cdef Py_ssize_t _capital_word(Chars t, Py_ssize_t i, Py_ssize_t n):
    """Where the capitalised word at `i` ends, or -1 if none starts there."""
    return _token_end(t, i, n) if i < n and _is_capital(_at(t, i)) else -1


@cython.boundscheck(False)  # every index is checked against the end
@cython.wraparound(False)
cdef Py_ssize_t _run_start(Chars t, Py_ssize_t i, Py_ssize_t n):
    """Where the next run starts from `i` (`n` if none does): at a capital that follows
    no word character or hyphen."""
    while i < n:
        if _is_capital(_at(t, i)) and (
            i == 0 or not (_is_word(_at(t, i - 1)) or _at(t, i - 1) == u"-")
        ):
            return i
        i += 1
    return n


@cython.boundscheck(False)  # every index is checked against the end
@cython.wraparound(False)
cdef Py_ssize_t _run_end(str text, Py_ssize_t i, Py_ssize_t n):
    """Where the run whose first word starts at `i` ends. A run goes on while one of
    these follows: blanks and a capitalised word; blanks, a connector, blanks and a
    capitalised word; after a lone capital, an initial's dot (an optional blank
    before it, blanks after) and a capitalised word ("M. Saravanan"); a bracketed
    run of capitalised words ("(BEI)")."""
    cdef Chars t = _chars(text)
    cdef Py_ssize_t end = _token_end(t, i, n), gap, j, k
    while True:
        gap = _blanks(t, end, n)  # past the blanks after the run so far
        if gap > end:
            k = _capital_word(t, gap, n)
            if k < 0:  # a connector?
                k = gap
                while k < n and u"a" <= _at(t, k) <= u"z":
                    k += 1
                if k < n and _is_blank(_at(t, k)) and text[gap:k] in CONNECTORS:
                    k = _capital_word(t, _blanks(t, k, n), n)
                else:
                    k = -1
            if k >= 0:
                end = k
                continue
        if _is_capital(_at(t, end - 1)) and (end < 2 or not _is_word(_at(t, end - 2))):
            j = end + 1 if end < n and _is_blank(_at(t, end)) else end
            if j < n and _at(t, j) == u".":
                k = _capital_word(t, _blanks(t, j + 1, n), n)
                if k >= 0:
                    end = k
                    continue
        if gap < n and _at(t, gap) == u"(":
            k = _capital_word(t, _blanks(t, gap + 1, n), n)
            if k >= 0:
                j = _blanks(t, k, n)
                while k < j < n and _is_capital(_at(t, j)):  # more words in the brackets
                    k = _token_end(t, j, n)
                    j = _blanks(t, k, n)
                if j < n and _at(t, j) == u")":
                    end = j + 1
                    continue
        return end


@cython.boundscheck(False)  # every index is checked against the end
@cython.wraparound(False)
cdef list _last_tokens(str text, Py_ssize_t i, Py_ssize_t end):
    """The last three TOKENs of text[i:end] (or fewer), sliced only those."""
    cdef Chars t = _chars(text)
    cdef Py_ssize_t starts[3]
    cdef Py_ssize_t stops[3]
    cdef Py_ssize_t count = 0, stop, k
    while i < end:
        if Py_UNICODE_ISSPACE(_at(t, i)):
            i += 1
            continue
        stop = _token_end(t, i, end)
        starts[count % 3], stops[count % 3] = i, stop
        count += 1
        i = stop
    return [text[starts[k % 3] : stops[k % 3]] for k in range(max(count - 3, 0), count)]


cpdef list numbers_of(str text):
    """(start, end) of each number in `text`, as `[0-9](?:[0-9.,]*[0-9])?` finds them left
    to right ("4.000", "3,42", "2024"): one pass over the text instead of the regex
    engine's class test at every character."""
    cdef list out = []
    cdef Py_ssize_t i = 0, n = len(text), start, last
    cdef Chars t = _chars(text)
    cdef Py_UCS4 ch
    while i < n:
        ch = _at(t, i)
        if not (u"0" <= ch <= u"9"):
            i += 1
            continue
        start = last = i
        i += 1
        while i < n:
            ch = _at(t, i)
            if u"0" <= ch <= u"9":
                last = i
            elif ch != u"." and ch != u",":
                break
            i += 1
        out.append((start, last + 1))
        i = last + 1
    return out


cdef inline Py_ssize_t _alnum_end(Chars t, Py_ssize_t i, Py_ssize_t n):
    """Past the letters and digits (str.isalnum) at `i`."""
    while i < n and Py_UNICODE_ISALNUM(_at(t, i)):
        i += 1
    return i


cpdef list whole_words(str text, frozenset words):
    """(start, end) of each of `words` standing whole in `text` (no letter or digit on
    either side), left to right. The words begin with a capital A-Z and are letters and
    digits, with at most one inner apostrophe ("Jum'at"); only a word with the first
    letter and a length of one of them is sliced from the text and looked up."""
    cdef bint first[26]
    cdef Py_ssize_t i, n = len(text), end, shortest = n + 1, longest = 0, size
    cdef list out = []
    cdef str word
    cdef Py_UCS4 ch
    cdef Chars t = _chars(text)
    for i in range(26):
        first[i] = False
    for word in words:
        ch = word[0]
        if not u"A" <= ch <= u"Z":
            raise ValueError(f"{word!r} does not begin with a capital A-Z")
        first[<Py_ssize_t>ch - 65] = True  # 65: "A"
        shortest, longest = min(shortest, len(word)), max(longest, len(word))
    i = 0
    while i < n:
        ch = _at(t, i)
        if not (u"A" <= ch <= u"Z" and first[<Py_ssize_t>ch - 65]) or (
            i and Py_UNICODE_ISALNUM(_at(t, i - 1))
        ):
            i += 1
            continue
        end = _alnum_end(t, i + 1, n)
        if end + 1 < n and _at(t, end) == u"'" and Py_UNICODE_ISALNUM(_at(t, end + 1)):
            size = _alnum_end(t, end + 1, n) - i  # "Jum'at", or "Monday's"
            if shortest <= size <= longest and text[i : i + size] in words:
                end = i + size
                out.append((i, end))
                i = end
                continue
        size = end - i
        if shortest <= size <= longest and text[i:end] in words:
            out.append((i, end))
        i = end
    return out


cpdef list runs_of(str text, frozenset openers):
    """The runs of candidate words in `text`, in order (`_run_start`, `_run_end`)."""
    cdef list found = [], tokens, spans, before, after
    cdef Py_ssize_t i = 0, n = len(text), start, end, lo, stop, at
    cdef str opener
    cdef Chars t = _chars(text)
    while True:
        start = _run_start(t, i, n)
        if start == n:
            return found
        end = i = _run_end(text, start, n)
        spans = []
        tokens = _tokens(text, start, end, spans, -1)
        # Context stops at the line's edge.
        lo = start - CONTEXT_CHARS if start > CONTEXT_CHARS else 0
        before = _last_tokens(text, max(text.rfind("\n", lo, start) + 1, lo), start)
        stop = text.find("\n", end, end + CONTEXT_CHARS)
        if stop < 0:
            stop = min(end + CONTEXT_CHARS, n)
        after = _tokens(text, end, stop, None, 2)
        while len(after) < 2:
            after.append(BOUNDARY)
        if before and before[-1].lower() in openers and text.endswith(before[-1] + " ", lo, start):
            opener = before.pop()
            at = start - len(opener) - 1
            tokens.insert(0, opener)
            spans.insert(0, (at, at + len(opener)))
        while len(before) < 2:
            before.insert(0, BOUNDARY)
        found.append(Run(tokens, spans, before[-2:], after))


cpdef str shape(str word):
    """Letter classes, repeats collapsed: "Cho" -> "Xx", "Tae-yul" -> "Xx-x", "B.J" -> "X.X"."""
    cdef list out = []
    cdef Py_UCS4 ch, c
    for ch in word[:12]:
        c = u"X" if ch.isupper() else u"x" if ch.isalpha() else u"d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


cpdef tuple word_keys(str word, dict lexicon, frozenset common):
    """The WORD templates. `lexicon` gives the type a word mostly has in data the model
    was not trained on; `common` holds words seen in lowercase mid-sentence (a capital
    on one of them is more likely a sentence start than a name)."""
    cdef str low = word.lower()
    return (
        word,
        low,
        low[-3:],
        low[:3],
        shape(word),
        lexicon.get(low, ""),
        "1" if low in common else "0",
    )


cpdef tuple near_keys(str word, dict lexicon):
    cdef str low = word.lower()
    return (low, lexicon.get(low.strip(",.:;!?\"'()"), ""), shape(word))


cpdef tuple run_wide_keys(Run run):
    """The RUN_WIDE templates: the run's first and last words."""
    return ("", run.words[0].lower(), run.words[-1].lower())


# The "run" keys: "S1" for a run of one word, else where a word sits in its run ("B",
# "I", "E") and the run's length, 2-4+ (`_place` numbers them).
_PLACES = ("S1", *(f"{where}{length}" for where in "BIE" for length in range(5)))
cdef enum:
    N_PLACES = 16
assert len(_PLACES) == N_PLACES


cdef inline Py_ssize_t _place(Py_ssize_t k, Py_ssize_t n):
    """Which "run" key (in _PLACES) the k-th word (from 1) of a run of n words has."""
    if n == 1:
        return 0
    return 1 + 5 * (0 if k == 1 else 2 if k == n else 1) + (n if n < 4 else 4)


cdef inline str _opens(str before):
    """The "first" key of a run's first word: whether the run opens a sentence."""
    return "1" if before == BOUNDARY or before[-1:] in SENTENCE_END else "0"


cpdef list place_keys(Run run, list known):
    """The PLACE templates of each word of a run: where it sits, whether the run opens a
    sentence, its neighbours as pairs, and `known`, where it sits in a gazetteer name
    ("B-LOCATION", "I-..." or "")."""
    cdef Py_ssize_t n = len(run.words), k
    cdef list lowers = [w.lower() for w in (run.before[-1], *run.words, run.after[0])]
    return [
        (
            _PLACES[_place(k, n)],
            _opens(run.before[-1]) if k == 1 else "0",
            lowers[k - 1] + " " + lowers[k],
            lowers[k] + " " + lowers[k + 1],
            known[k - 1],
        )
        for k in range(1, n + 1)
    ]


def run_keys(Run run, dict lexicon, frozenset common, list known):
    """For each word of a run, its key under every template (in TEMPLATES order)."""
    cdef list words = [*run.before, *run.words, *run.after]
    cdef tuple wide = run_wide_keys(run)
    return [
        (
            *word_keys(words[k], lexicon, common),
            *near_keys(words[k - 1], lexicon),
            *near_keys(words[k + 1], lexicon),
            words[k - 2].lower(),
            words[k + 2].lower(),
            *wide,
            *place,
        )
        for k, place in enumerate(place_keys(run, known), start=2)
    ]


cdef dict _by_left(dict pairs):
    """Pair keys {"a b": row} as {"a": {"b": row}} (words have no spaces)."""
    cdef dict out = {}
    for key, row in pairs.items():
        left, _, right = key.partition(" ")
        out.setdefault(left, {})[right] = row
    return out


cdef class _Word:
    """A word's weight rows under the templates of one word and as a run's first or last
    word, and its lowercase form."""

    cdef str lower
    cdef Py_ssize_t rows[ONE_WORD]
    cdef Py_ssize_t head, tail


cdef inline void _sum_rows(
    float* out, const float* weights, const Py_ssize_t* rows, Py_ssize_t labels
) noexcept nogil:
    """Adds a word's ROWS weight rows to its scores, the rows in order (the sums of
    training's scoring, to the last bit); the labels of a row side by side, which the
    compiler turns into vector adds."""
    cdef Py_ssize_t label, i
    cdef const float* row
    for i in range(ROWS):
        row = weights + rows[i] * labels
        for label in range(labels):
            out[label] = out[label] + row[label]


cdef inline Py_ssize_t _pair(dict by_left, _Word left, _Word right):
    """The row of the pair key "left right"."""
    found = by_left.get(left.lower)
    return 0 if found is None else (<dict>found).get(right.lower, 0)


@cython.final  # its cdef methods are called directly, not through a method table
cdef class Scorer:
    """A model's weights applied to the words of runs, and the best labels they give.

    Each word's rows under the templates of one word are remembered (up to MAX_CACHED
    words): a story's words mostly recur across stories.
    """

    cdef tuple names  # of the labels: "O", "B-PER", ...
    cdef tuple vocab
    cdef dict lexicon
    cdef frozenset common
    cdef dict words  # word -> _Word
    # The neighbour pairs ("prev_word", "next_word" keys "a b") by their left word:
    # looked up without building the pair's string.
    cdef dict prev_pairs, next_pairs
    # The keys of a run's first and last word, and of the gazetteer feature.
    cdef dict heads, tails, gazetteer
    cdef const float[:, ::1] weights  # (rows, labels); row 0 is all zeros (unknown key)
    cdef const float[:, ::1] transitions  # (labels, labels): from, to
    cdef Py_ssize_t labels
    # Rows of the keys every run reads: "bias", "first" ("0", "1") and "run" (_PLACES).
    cdef Py_ssize_t bias, middle, opens
    cdef Py_ssize_t places[N_PLACES]

    def __init__(
        self, tuple names, tuple vocab, dict lexicon, frozenset common, weights, transitions
    ):
        self.names, self.vocab, self.lexicon, self.common = names, vocab, lexicon, common
        self.words = {}
        self.prev_pairs = _by_left(self._keys("prev_word"))
        self.next_pairs = _by_left(self._keys("next_word"))
        self.heads, self.tails = self._keys("run_head"), self._keys("run_tail")
        self.gazetteer = self._keys("gazetteer")
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.transitions = np.ascontiguousarray(transitions, dtype=np.float32)
        self.labels = self.weights.shape[1]
        if any(row >= self.weights.shape[0] for keys in vocab for row in keys.values()):
            raise ValueError("a feature's row is beyond the weights")  # _sum_rows trusts them
        self.bias = self._keys("bias").get("", 0)
        first = self._keys("first")  # whether a run opens a sentence: "1", else "0"
        self.middle, self.opens = first.get("0", 0), first.get("1", 0)
        places = self._keys("run")
        for i in range(N_PLACES):
            self.places[i] = places.get(_PLACES[i], 0)

    cdef dict _keys(self, str template):
        """A template's keys and their rows."""
        return self.vocab[TEMPLATES.index(template)]

    cdef _Word _word(self, str word):
        """The rows of `word` under the templates of one word, remembered."""
        found = self.words.get(word)
        if found is not None:
            return <_Word>found
        cdef _Word info = _Word()
        info.lower = word.lower()
        near = near_keys(word, self.lexicon)
        # In TEMPLATES order: as the word itself, the word before, the word after, the
        # second word before and the second after.
        keys = (*word_keys(word, self.lexicon, self.common), *near, *near, info.lower,
                info.lower)  # fmt: skip
        for i in range(ONE_WORD):
            info.rows[i] = (<dict>self.vocab[i]).get(keys[i], 0)
        info.head = self.heads.get(info.lower, 0)
        info.tail = self.tails.get(info.lower, 0)
        if len(self.words) >= MAX_CACHED:
            self.words.clear()
        self.words[word] = info
        return info

    def emissions(self, list runs, known):
        """Each word's score per label: the sum of its templates' weight rows, added in
        TEMPLATES order (as the model was scored when it was trained): the keys are
        those of `run_keys`, looked up without being built."""
        cdef Py_ssize_t count = 0, word = 0, k, n, i
        cdef Run run
        for run in runs:
            count += len(run.words)
        scores = np.zeros((count, self.labels), dtype=np.float32)
        cdef float[:, ::1] out = scores
        cdef float* at_word
        cdef list infos, marks
        cdef _Word w
        cdef Py_ssize_t h, t, opens
        cdef Py_ssize_t rows[ROWS]
        cdef const float* weights = &self.weights[0, 0]
        for run in runs:
            infos = [self._word(x) for x in (*run.before, *run.words, *run.after)]
            n = len(run.words)
            h, t = (<_Word>infos[2]).head, (<_Word>infos[n + 1]).tail
            opens = self.opens if _opens(run.before[-1]) == "1" else self.middle
            marks = known(run.words)
            for k in range(2, n + 2):
                w = infos[k]
                for i in range(N_WORD):
                    rows[i] = w.rows[i]
                w = infos[k - 1]
                for i in range(N_WORD, N_WORD + N_NEAR):
                    rows[i] = w.rows[i]
                w = infos[k + 1]
                for i in range(N_WORD + N_NEAR, N_WORD + 2 * N_NEAR):
                    rows[i] = w.rows[i]
                rows[ONE_WORD - 2] = (<_Word>infos[k - 2]).rows[ONE_WORD - 2]
                rows[ONE_WORD - 1] = (<_Word>infos[k + 2]).rows[ONE_WORD - 1]
                rows[ONE_WORD] = self.bias
                rows[ONE_WORD + 1] = h
                rows[ONE_WORD + 2] = t
                rows[ONE_WORD + 3] = self.places[_place(k - 1, n)]
                rows[ONE_WORD + 4] = opens if k == 2 else self.middle
                rows[ONE_WORD + 5] = _pair(self.prev_pairs, infos[k - 1], infos[k])
                rows[ONE_WORD + 6] = _pair(self.next_pairs, infos[k], infos[k + 1])
                rows[ONE_WORD + 7] = self.gazetteer.get(marks[k - 2], 0)
                _sum_rows(&out[word, 0], weights, rows, self.labels)
                word += 1
        return scores

    def best(self, list runs, known):
        """The labels of the words of each run, by Viterbi within the run."""
        scores = self.emissions(runs, known)
        cdef const float[:, ::1] em = scores
        cdef Py_ssize_t labels = em.shape[1], longest = 1, start = 0, n, step, to, source
        cdef Run run
        for run in runs:
            longest = max(longest, len(run.words))
        cdef int[:, ::1] back = np.zeros((longest, labels), dtype=np.int32)
        cdef float[::1] score = np.zeros(labels, dtype=np.float32)
        cdef float[::1] moved = np.zeros(labels, dtype=np.float32)
        cdef float value, top
        cdef int label
        cdef list out = []
        for run in runs:
            n = len(run.words)
            score[:] = em[start]
            for step in range(1, n):
                for to in range(labels):
                    top = score[0] + self.transitions[0, to]
                    back[step, to] = 0
                    for source in range(1, labels):
                        value = score[source] + self.transitions[source, to]
                        if value > top:  # the first of equal scores, as numpy's argmax
                            top, back[step, to] = value, source
                    moved[to] = top + em[start + step, to]
                score[:] = moved
            label = 0
            for to in range(1, labels):
                if score[to] > score[label]:
                    label = to
            path = [self.names[label]] * n
            for step in range(n - 1, 0, -1):
                label = back[step, label]
                path[step - 1] = self.names[label]
            out.append(path)
            start += n
        return out


def _longest_first(option):
    """Sort key of (tokens, value) options: the longest name first."""
    return -len(option[0])


cdef class Aliases:
    """Names as token sequences, matched case-sensitively on whole tokens, longest first:
    the gazetteer's matching, and the tagger's gazetteer feature (`known`)."""

    cdef dict by_first  # first token -> [(tokens, value)], longest first
    cdef dict one_word  # the one-token names: most runs are one word, and this is their match

    def __init__(self, names):
        """`names`: (tokens, value) pairs; each value has a `type`."""
        cdef tuple tokens
        self.by_first = {}
        for tokens, value in names:
            self.by_first.setdefault(tokens[0], []).append((tokens, value))
        self.one_word = {}
        for options in self.by_first.values():
            options.sort(key=_longest_first)
            for tokens, value in options:
                if len(tokens) == 1:
                    self.one_word[tokens[0]] = value

    cpdef list matches(self, list words):
        """(start, end, value) of each name in `words`, longest first, left to right."""
        cdef Py_ssize_t i = 0, n = len(words), size
        cdef list found = []
        cdef tuple tokens
        if n == 1:
            value = self.one_word.get(words[0])
            return [] if value is None else [(0, 1, value)]
        while i < n:
            options = self.by_first.get(words[i])
            if options is not None:
                for tokens, value in options:
                    size = len(tokens)
                    if tuple(words[i : i + size]) == tokens:
                        found.append((i, i + size, value))
                        i += size - 1
                        break
            i += 1
        return found

    cpdef list known(self, list words):
        """Per word, its place in a name ("B-LOCATION", "I-LOCATION" or ""): the feature."""
        cdef list labels = [""] * len(words)
        cdef Py_ssize_t start, end, i
        for start, end, value in self.matches(words):
            labels[start] = "B-" + value.type
            for i in range(start + 1, end):
                labels[i] = "I-" + value.type
        return labels


cdef list _spans(list labels):
    """(start, end, type) of each name in IOB2 labels ("PER", "ORG", "LOC")."""
    cdef list out = []
    cdef Py_ssize_t i
    cdef str label
    if len(labels) == 1:  # most runs are one word
        label = labels[0]
        return [] if label == "O" else [(0, 1, label[2:])]
    for i, label in enumerate(labels):
        if label.startswith("B-"):
            out.append((i, i + 1, label[2:]))
        elif label.startswith("I-") and out and out[-1][1] == i:
            out[-1] = (out[-1][0], i + 1, out[-1][2])
    return out


cdef void _add_names(list out, Run run, list spans):
    """Appends (start, end, type) in the text of each name of a run, trimmed: a name
    starts and ends with a word; brackets belong to it only as a pair inside it
    ("Pertamina (Persero)"), a full stop only after an initial ("M. Saravanan")."""
    cdef list words = run.words
    cdef Py_ssize_t first, last
    cdef str end
    for first, last, kind in spans:
        while first < last:
            end = words[last - 1]
            if not Py_UNICODE_ISALNUM((<str>words[first])[0]):
                first += 1
            elif end == "(" or end == "." or (end == ")" and "(" not in words[first : last - 1]):
                last -= 1
            else:
                break
        if first < last:
            out.append((run.spans[first][0], run.spans[last - 1][1], kind))


def consistent(list tagged, Py_ssize_t longest):
    """(start, end, type) of the names in a story's text, one story one reading: each
    name gets the type most of its mentions have, and its occurrences the tagger left
    out are names too ("Mavcom said" after "the Malaysian Aviation Commission (Mavcom)").
    `tagged`: (run, labels) pairs; names of more than `longest` words are not looked for
    again (n² words)."""
    cdef list found = [], out = [], spans, chosen, kept, words, options
    cdef dict votes = {}, counts, by_first = {}, alone = {}  # alone: one-word names' types
    cdef Py_ssize_t start, end, i, n, count, most
    cdef Run run
    cdef tuple name
    cdef set exact
    for run, labels in tagged:
        spans = _spans(labels)
        found.append((run, spans))
        for start, end, kind in spans:
            if end - start <= longest:
                counts = votes.setdefault(tuple(run.words[start:end]), {})
                counts[kind] = counts.get(kind, 0) + 1
    for name, counts in votes.items():
        kind, most = None, 0
        for option, count in counts.items():  # the first of equal counts, as max()
            if count > most:
                kind, most = option, count
        by_first.setdefault(name[0], []).append((name, kind))
        if len(name) == 1:
            alone[name[0]] = kind
    for options in by_first.values():
        if len(options) > 1:
            options.sort(key=_longest_first)
    for run, spans in found:
        words = run.words
        if len(words) == 1:  # most runs: the word is a name of its own, or as tagged
            kind = alone.get(words[0])
            _add_names(out, run, spans if kind is None else [(0, 1, kind)])
            continue
        if by_first.keys().isdisjoint(words):
            _add_names(out, run, spans)
            continue
        exact = {(start, end) for start, end, _ in spans}
        n = len(words)
        named = [False] * n
        for start, end, _ in spans:
            named[start:end] = [True] * (end - start)
        chosen = []
        i = 0
        while i < n:
            options = by_first.get(words[i])
            if options is not None:
                for name, kind in options:
                    end = i + len(name)
                    if tuple(words[i:end]) == name and (
                        (i, end) in exact or not any(named[i:end])
                    ):
                        chosen.append((i, end, kind))
                        i = end - 1
                        break
            i += 1
        kept = [
            span for span in spans if not any(s < span[1] and span[0] < e for s, e, _ in chosen)
        ]
        _add_names(out, run, sorted(kept + chosen))
    return out
