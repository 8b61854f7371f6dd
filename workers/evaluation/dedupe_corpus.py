"""A labelled duplicate-detection corpus, generated deterministically from the sentence pool.

Stories are built from real news sentences (Indonesian and Malaysian English, see
data/NOTICE.md). Each *group* is one story and its syndicated copies: stories in
one group are duplicates of each other; stories in different groups are not.

- originals: runs of consecutive sentences of one article (MEN), or chunks of the
  Indonesian sentence pool;
- syndicated copies, made with the edits outlets make: their own ads, teasers,
  datelines and credits; retyped quotes and dashes, re-split paragraphs; the end
  trimmed; a local paragraph added; a few words changed;
- exact copies: only boilerplate, whitespace and typography differ;
- same-event stories written independently: the two halves of one MEN article,
  or two Indonesian chunks sharing their people, organisations and places;
- follow-ups: an original plus at least as many new words again (not duplicates);
- short stories whose only shared lines are boilerplate (not duplicates).
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources

import orjson

SEED = 20261129

BOILERPLATE = {
    "id": [
        "Baca berita dengan sedikit iklan, klik disini",
        "Baca berita dengan sedikit iklan, klik di sini",
        "ADVERTISEMENT",
        "Scroll untuk melanjutkan membaca",
        "Baca juga: {headline}",
        "Pilihan Editor: {headline}",
        "Simak juga: {headline}",
        "Ikuti berita terkini dari {outlet} di Google News",
    ],
    "en": [
        "ADVERTISEMENT",
        "Advertisement - Scroll to continue",
        "Read more: {headline}",
        "RELATED: {headline}",
        "Subscribe to our newsletter for daily updates",
        "Follow us on Twitter and Facebook",
        "© 2026 {outlet}. All rights reserved.",
    ],
}
DATELINES = {
    "id": ["{outlet}.CO, Jakarta - ", "JAKARTA - ", "{outlet}.COM, Surabaya - ", ""],
    "en": ["KUALA LUMPUR (Bernama) - ", "PETALING JAYA - ", "{outlet}.MY, Kuala Lumpur - ", ""],
}
CREDITS = ["REUTERS", "ANTARA", "(AP)", "Bernama", ""]
OUTLETS = ["KABARKITA", "WARTAHARI", "SUARAPAGI", "BERITANUSA", "HARIANRAYA", "METROKINI",
           "STARWIRE", "DAILYPOST", "NEWSDESK", "TIMESNOW"]  # fmt: skip
WORD_EDITS = {
    "id": [
        ("mengatakan", "menyatakan"),
        ("kata", "ujar"),
        ("tersebut", "itu"),
        ("akan", "bakal"),
        ("juga", "pun"),
        ("sangat", "amat"),
    ],
    "en": [
        ("said", "says"),
        ("told", "said to"),
        ("however", "but"),
        ("also", "as well"),
        ("about", "around"),
        ("very", "highly"),
    ],
}
QUOTES = str.maketrans({'"': "\u201c", "'": "\u2019", "-": "\u2013"})


@dataclass(frozen=True)
class Sentence:
    text: str
    entities: tuple[tuple[str, str], ...]


@dataclass
class Story:
    id: str
    group: str
    kind: str  # original, exact, near, same_event, follow_up, short
    language: str
    sentences: list[str]
    content: str = ""  # the text that matters for exactness: sentences joined
    body: str = ""  # what is sent: with boilerplate, dateline, credit
    headline: str = ""


@dataclass
class Corpus:
    stories: list[Story] = field(default_factory=list)
    same_event_pairs: list[tuple[str, str]] = field(default_factory=list)

    def raw_lines(self) -> Iterator[bytes]:
        for s in self.stories:
            yield orjson.dumps({"id": s.id, "body": s.body, "headline": s.headline,
                                "language": s.language})  # fmt: skip


def load_pool() -> dict[tuple[str, int], list[Sentence]]:
    """Sentences of the shipped pool by (source, document), in order."""
    data = resources.files("workers.evaluation").joinpath("data/news_sentences.jsonl.gz")
    docs: dict[tuple[str, int], list[Sentence]] = {}
    seen: set[str] = set()
    with gzip.open(data.open("rb")) as fh:
        for line in fh:
            row = orjson.loads(line)
            if row["text"] in seen:
                continue  # the sets repeat some sentences: a repeat would be an unlabelled copy
            seen.add(row["text"])
            ents = tuple((e["type"], e["text"]) for e in row["entities"])
            docs.setdefault((row["src"], row["doc"]), []).append(Sentence(row["text"], ents))
    return docs


def _headline(rng: random.Random, sentences: list[str]) -> str:
    words = rng.choice(sentences).split()[:8]
    return " ".join(w.capitalize() for w in words)


def _dress(rng: random.Random, story: Story, lines: list[str]) -> str:
    """Wrap content lines the way one outlet publishes them."""
    outlet = rng.choice(OUTLETS)
    lang = story.language
    head = _headline(rng, story.sentences)
    plate = [b.format(headline=head, outlet=outlet.title()) for b in BOILERPLATE[lang]]
    out = [rng.choice(DATELINES[lang]).format(outlet=outlet) + lines[0], *lines[1:]]
    for _ in range(rng.randint(1, 4)):
        out.insert(rng.randint(0, len(out)), rng.choice(plate))
    credit = rng.choice(CREDITS)
    return "\n".join([*out, credit] if credit else out)


def _paragraphs(rng: random.Random, sentences: list[str]) -> list[str]:
    """Group sentences into paragraphs of one to three sentences."""
    lines, i = [], 0
    while i < len(sentences):
        n = rng.choice((1, 1, 2, 3))
        lines.append(" ".join(sentences[i : i + n]))
        i += n
    return lines


class Builder:
    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.corpus = Corpus()
        self._n = 0

    def _new(self, group: str, kind: str, lang: str, sentences: list[str]) -> Story:
        self._n += 1
        story = Story(f"d{self._n:05d}", group, kind, lang, sentences)
        story.content = " ".join(sentences)
        story.headline = _headline(self.rng, sentences)
        story.body = _dress(self.rng, story, _paragraphs(self.rng, sentences))
        self.corpus.stories.append(story)
        return story

    def original(self, lang: str, sentences: list[str]) -> Story:
        return self._new(f"g{self._n + 1:05d}", "original", lang, sentences)

    def exact_copy(self, of: Story) -> Story:
        copy = self._new(of.group, "exact", of.language, of.sentences)
        if self.rng.random() < 0.5:
            copy.body = copy.body.translate(QUOTES).replace(". ", ".  ")
        return copy

    def near_copy(self, of: Story, spare: list[str]) -> Story:
        """`spare`: a line from elsewhere the outlet may add."""
        """A syndicated copy: trimmed, a local line added, words and typography changed."""
        rng = self.rng
        sentences = list(of.sentences)
        n = len(sentences)
        if rng.random() < 0.6 and n >= 6:
            sentences = sentences[: n - rng.randint(1, max(1, n // 4))]
        if rng.random() < 0.4:
            sentences.insert(rng.randint(1, len(sentences)), spare[0])
        if rng.random() < 0.7:
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(len(sentences))
                old, new = rng.choice(WORD_EDITS[of.language])
                sentences[i] = sentences[i].replace(f" {old} ", f" {new} ", 1)
        if rng.random() < 0.3 and len(sentences) > 4:
            del sentences[rng.randrange(1, len(sentences))]  # an outlet cut a middle sentence
        copy = self._new(of.group, "near", of.language, sentences)
        if rng.random() < 0.5:
            copy.body = copy.body.translate(QUOTES)
        return copy

    def follow_up(self, of: Story, extra: list[str]) -> Story:
        return self._new(f"g{self._n + 1:05d}", "follow_up", of.language, of.sentences + extra)

    def short_pair(self, lang: str, a: str, b: str) -> None:
        plate = BOILERPLATE[lang][:3]
        for text in (a, b):
            story = self._new(f"g{self._n + 1:05d}", "short", lang, [text])
            story.body = "\n".join([plate[0], text, plate[1], plate[2]])


def _swap_entities(own: list[Sentence], donor: list[Sentence]) -> list[str]:
    """Rewrite `own` so that its people, organisations and places are the donor's."""
    theirs: dict[str, list[str]] = {}
    for s in donor:
        for kind, text in s.entities:
            theirs.setdefault(kind, []).append(text)
    out = []
    for i, s in enumerate(own):
        text = s.text
        for j, (kind, name) in enumerate(s.entities):
            pool = theirs.get(kind)
            if pool:
                text = text.replace(name, pool[(i + j) % len(pool)], 1)
        out.append(text)
    return out


def build(seed: int = SEED) -> Corpus:
    """The corpus: deterministic for a seed."""
    b = Builder(seed)
    rng = b.rng
    pool = load_pool()
    originals: list[Story] = []

    def pair(lang: str, first: list[str], second: list[str]) -> None:
        one, two = b.original(lang, first), b.original(lang, second)
        originals.extend((one, two))
        b.corpus.same_event_pairs.append((one.id, two.id))

    # English: MEN articles. A long one gives two originals, written about one event;
    # shorter ones are paired, the second rewritten to share the first's actors.
    singles: list[list[Sentence]] = []
    for (src, _doc), sents in sorted(pool.items()):
        if src != "men-malaysian-english-news" or len(sents) < 5:
            continue
        if len(sents) >= 12:
            half = len(sents) // 2
            pair("en", [s.text for s in sents[:half]], [s.text for s in sents[half:]])
        else:
            singles.append(sents)
    for left, right in zip(singles[0::2], singles[1::2], strict=False):
        pair("en", [s.text for s in left], _swap_entities(right, left))

    # Indonesian: chunks of the pool, paired the same way.
    indo = [s for (src, _), ss in sorted(pool.items()) if src != "men-malaysian-english-news"
            for s in ss]  # fmt: skip
    chunks = [indo[i : i + 7] for i in range(0, len(indo) - 7, 7)]
    for left, right in zip(chunks[0::2], chunks[1::2], strict=False):
        pair("id", [s.text for s in left], _swap_entities(right, left))

    def lines_from_another(story: Story, words: int) -> list[str]:
        """Sentences of other stories, at least `words` words of them."""
        others = [o for o in originals if o.language == story.language and o is not story]
        lines: list[str] = []
        while sum(len(line.split()) for line in lines) < words:
            lines.append(rng.choice(rng.choice(others).sentences))
        return lines

    order = list(originals)
    rng.shuffle(order)
    for story in order[:360]:
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            b.near_copy(story, lines_from_another(story, 1))
        if rng.random() < 0.3:
            b.exact_copy(story)
    for story in order[360:420]:
        # at least as much new text again: a follow-up, not a copy
        b.follow_up(story, lines_from_another(story, len(story.content.split())))
    for lang in ("id", "en"):
        shorts = [t for o in order[420:] if o.language == lang for t in o.sentences
                  if len(t.split()) <= 14][:40]  # fmt: skip
        for first, second in zip(shorts[0::2], shorts[1::2], strict=False):
            b.short_pair(lang, first, second)
    return b.corpus
