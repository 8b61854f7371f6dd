"""`make bench` (stages): single-core speed of the pure stages on 4 KB stories, and how the
dedupe decision's cost behaves as the index grows.

    python -m workers.bench.stages [--sizes 10000,100000,1000000] [--json]

Stories are synthetic: sentences of the shipped pool drawn at random (seeded)
until a story reaches 4 KB, with ad lines mixed in. The growth test keeps its
index in RocksDB (rocksdict), as the worker does: a million stories' index does
not fit in a Python dict on this machine. Timings are wall-clock on
whatever else the machine is doing: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path

import orjson
from faust.stores.rocksdb import RocksDBOptions
from rocksdict import Rdict

from workers.evaluation.dedupe_corpus import BOILERPLATE, load_pool
from workers.ops.memory import settle_collector
from workers.pipeline.clean import CleanOptions, clean_body
from workers.pipeline.dedupe import DedupeOptions, Deduper, MemoryIndex
from workers.pipeline.entities import EntityTagger, TagOptions, group_entities
from workers.pipeline.language import detect_language
from workers.pipeline.normalize import fold
from workers.stream.app import ROCKSDB_OPTIONS

STORY_BYTES = 4096
COPY_WINDOW = 5000  # copies are of recent stories, as republications come within hours
# Outlets the messages come from. Learned boilerplate is per source: with one source, the
# pool's few thousand sentences would recur in enough of its stories to be learned.
SOURCES = 40
# The entity stage's timed stream (see stage_rates): ~3 s at 1,300 stories/s.
ENTITY_STORIES = 4000
# Invented names in each new story of that stream and of the soak: a wire keeps naming
# people and places the tagger has never read (its word caches must hold up to that).
NEW_NAMES = 3
SYLLABLES = tuple(c + v for c in "bdgklmnrstwy" for v in "aiou")


def synthetic_stories(
    count: int, size: int | Callable[[random.Random], int] = STORY_BYTES, seed: int = 7
) -> list[str]:
    """`count` distinct stories of about `size` bytes (or sizes drawn by `size`), with
    ad lines, from the pool."""
    return list(islice(iter_stories(size, seed), count))


def iter_stories(size: int | Callable[[random.Random], int], seed: int) -> Iterator[str]:
    """Stories without end, as `synthetic_stories` makes them."""
    rng = random.Random(seed)
    by_lang: dict[str, list[str]] = {}
    for (src, _), sents in load_pool().items():
        lang = "en" if src.startswith("men") else "id"
        by_lang.setdefault(lang, []).extend(s.text for s in sents)
    while True:
        lang = rng.choice(("en", "id"))
        target = size if isinstance(size, int) else size(rng)
        lines, total = [], 0
        while total < target:
            line = rng.choice(by_lang[lang])
            if rng.random() < 0.1:
                line = rng.choice(BOILERPLATE[lang]).format(headline="Harga naik", outlet="Wire")
            lines.append(line)
            total += len(line.encode()) + 1
        yield "\n".join(lines)


def wire_size(rng: random.Random) -> int:
    """A story size as on the wires: 1-20 KB, median 4 KB (log-normal)."""
    return int(min(max(rng.lognormvariate(math.log(STORY_BYTES), 0.6), 1024), 20 * 1024))


def wire_messages(
    count: int,
    size: int | Callable[[random.Random], int] = wire_size,
    bad_share: float = 0.0,
    seed: int = 11,
    new_names: int = 0,
) -> Iterator[tuple[bytes, bytes]]:
    """`count` raw messages (key, value) from SOURCES outlets: ~70% new stories, ~20%
    exact and ~9% near copies of one of the last COPY_WINDOW messages (a line swapped
    for a teaser), `bad_share` malformed. Each new story gets `new_names` invented
    names (see `with_new_names`). Generated as they are read: a million fit in little
    memory."""
    rng = random.Random(seed)
    outlets = random.Random(seed + 1)  # its own draws: stories and copies stay as they were
    names = random.Random(seed + 2)
    fresh = islice(iter_stories(size, seed), max(count * 7 // 10, 1))
    sent: deque[str] = deque(maxlen=COPY_WINDOW)
    for i in range(count):
        key = f"c{i:07d}"
        roll = rng.random()
        if roll < bad_share:
            yield key.encode(), rng.choice((b'{"id": "cut', b'{"id": "x", "body": "\xff\xfe"}'))
            continue
        body = next(fresh, None) if roll >= 0.30 or not sent else None
        if body is not None and new_names:
            body = with_new_names(body, new_names, names)
        if body is None:
            original = rng.choice(sent)
            lines = original.split("\n")
            if roll < 0.21 or len(lines) < 4:
                body = original
            else:
                lines[rng.randrange(len(lines))] = "Baca juga: berita lain hari ini"
                body = "\n".join(lines)
        sent.append(body)
        source = f"outlet-{outlets.randrange(SOURCES):02d}"
        yield key.encode(), orjson.dumps({"id": key, "source": source, "body": body})


def with_new_names(story: str, count: int, rng: random.Random) -> str:
    """`story` with `count` invented capitalised words put into its lines ("Tubarimo":
    3 or 4 of 48 syllables, 5.4 million words). The pool's sentences hold a few
    thousand names; a real wire keeps naming new people and places, and the tagger
    caches every word it reads, so a long run needs them to load that cache."""
    lines = story.split("\n")
    for _ in range(count):
        at = rng.randrange(len(lines))
        words = lines[at].split(" ")
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((3, 4))))
        words.insert(rng.randrange(1, len(words) + 1), name.capitalize())
        lines[at] = " ".join(words)
    return "\n".join(lines)


def rate(fn: Callable[[str], object], items: list[str], seconds: float = 3.0) -> float:
    """Items per second of `fn`, cycling through `items` for about `seconds`."""
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for item in items:
            fn(item)
        done += len(items)
    return done / (time.perf_counter() - started)


class RocksIndex:
    """The index on RocksDB (rocksdict), configured as the worker's table store."""

    def __init__(self, path: Path) -> None:
        self.path = path
        options = RocksDBOptions(use_rocksdict=True, **ROCKSDB_OPTIONS).as_options()
        self.db = Rdict(str(path), options)
        self.bytes = 0

    def get(self, key: str) -> bytes | None:
        return self.db.get(key.encode())

    def apply(self, writes: dict[str, bytes]) -> None:
        for key, value in writes.items():
            self.db[key.encode()] = value
            self.bytes += len(key) + len(value)  # bytes written, overwrites included

    def size_bytes(self) -> int:
        """Live keys and values (a full scan: call it rarely)."""
        return sum(len(k) + len(v) for k, v in self.db.items())

    def close(self) -> None:
        self.db.close()
        shutil.rmtree(self.path, ignore_errors=True)


def dedupe_growth(sizes: list[int], probe: int = 2000) -> list[dict[str, float]]:
    """Decision cost per story (lookup and insert) after the index holds N stories.

    The index is filled with distinct ~1 KB stories of altered pool sentences: they
    share phrases and vocabulary, as wire stories do; none is a copy.
    """
    rng = random.Random(11)
    sentences = [fold(s.text).split() for sents in load_pool().values() for s in sents]
    vocabulary = sorted({w for words in sentences for w in words})
    deduper = Deduper(DedupeOptions(max_entries=10**9))
    index = RocksIndex(Path(tempfile.mkdtemp(prefix="newswire-bench-")))

    def sentence() -> str:
        # A pool sentence with a fifth of its words swapped: the pool is small, and a
        # million stories reusing its sentences verbatim would all be related.
        words = list(rng.choice(sentences))
        for _ in range(max(1, len(words) // 5)):
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
        return " ".join(words)

    def story() -> str:
        return " ".join(sentence() for _ in range(8))

    rows, n = [], 0
    for size in sizes:
        while n < size:
            v = deduper.decide(index.get, f"f{n}", f"fill:{n}", deduper.candidate(story()), 0.0)
            index.apply(v.writes)
            n += 1
        cands = [deduper.candidate(story()) for _ in range(probe)]
        started = time.perf_counter()
        for i, cand in enumerate(cands):
            deduper.decide(index.get, f"p{i}", f"probe:{i}", cand, 0.0)
        per = (time.perf_counter() - started) / len(cands)
        rows.append(
            {
                "stories": size,
                "decide_microseconds": per * 1e6,
                "index_bytes_per_story": index.size_bytes() / size,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
        print(
            f"  index of {size:>9,} stories: decide {per * 1e6:7.1f} µs/story, "
            f"{rows[-1]['index_bytes_per_story']:7.0f} index bytes/story",
            file=sys.stderr,
        )
    index.close()
    return rows


def stage_rates(seconds: float = 3.0) -> dict[str, float]:
    """Stories per second of each pure stage on one core, for 4 KB stories (printed too),
    with the worker's collector settings.

    The entity stage is timed as a worker runs it after its first minutes: its word
    caches warmed on 200 stories, then ENTITY_STORIES others read once each, every one
    naming NEW_NAMES words never seen before. Cycling through 200 stories instead
    would time caches that hold every word they are asked for."""
    stories = synthetic_stories(200)
    cleaned = [clean_body(s, "text/plain", CleanOptions()).body for s in stories]
    names = random.Random(8)
    unseen = [
        clean_body(with_new_names(s, NEW_NAMES, names), "text/plain", CleanOptions()).body
        for s in islice(iter_stories(STORY_BYTES, seed=8), ENTITY_STORIES)
    ]
    languages = {c: detect_language(c) for c in (*cleaned, *unseen)}
    tagging = EntityTagger.load()
    deduper = Deduper(DedupeOptions())
    index = MemoryIndex(10**9)
    counter = iter(range(10**12))
    settle_collector()  # as the worker does once it has loaded everything

    def entities(text: str) -> None:
        group_entities(tagging.tag(text, languages[text], TagOptions()), "", set())

    for text in cleaned:
        entities(text)

    def dedupe(text: str) -> None:
        n = next(counter)
        verdict = deduper.decide(index.get, f"s{n}", f"b:{n}", deduper.candidate(text), 0.0)
        index.apply(verdict.writes)

    stages = {
        "clean": rate(lambda s: clean_body(s, "text/plain", CleanOptions()), stories, seconds),
        "signature": rate(deduper.candidate, cleaned, seconds),
        "dedupe": rate(dedupe, cleaned, seconds),
        "language": rate(detect_language, cleaned, seconds),
        "entities": rate(entities, unseen, seconds),
    }
    kb = STORY_BYTES // 1024
    print(f"pure stages on {kb} KB stories, one core (stories/s):", file=sys.stderr)
    for name, value in stages.items():
        print(f"  {name:<10} {value:8.0f}", file=sys.stderr)
    return stages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="index sizes to probe ('' skips)"
    )
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)

    stages = stage_rates()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if sizes:
        print("dedupe decision as the index grows:", file=sys.stderr)
    growth = dedupe_growth(sizes) if sizes else []
    if args.json:
        print(orjson.dumps({"stages_sps": stages, "dedupe_growth": growth}).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
