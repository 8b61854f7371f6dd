"""`make eval` (HTML): how much of a page's story text comes out, and how little else.

    python -m workers.evaluation.html_extraction [--pages 200] [--json]

Pages are generated (seeded) around paragraphs from the shipped sentence pool,
in the layouts of ten invented outlets: navigation, branding, a "most read"
sidebar, "read also" links and ads between paragraphs, share buttons, a
newsletter box, reader comments, a footer. Half the outlets mark their chrome
with semantic elements (`nav`, `aside`, `footer`), half with `div`s and class
names only. The story's paragraphs are the ground truth.

Each system's text goes through newswire's text cleaning, as a story's would;
scores are word-level precision, recall and F1 (bags of lowercased words,
summed over the pages). Systems: newswire as it runs (`workers/pipeline/html.py`:
trafilatura, falling back to the blocks outside chrome); the standard library
block extractor alone (newswire's extractor before trafilatura, now its
fallback); trafilatura alone. The layouts are the team's, so read the figures
as a comparison, not as what real sites would give.
"""

from __future__ import annotations

import argparse
import html
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import orjson
import trafilatura

from workers.evaluation.dedupe_corpus import load_pool
from workers.pipeline.clean import CleanOptions, clean_body
from workers.pipeline.crf import TOKEN
from workers.pipeline.html import html_blocks

SEED = 11
CHROME_WORDS = {
    "id": {
        "nav": ["Beranda", "Nasional", "Ekonomi", "Dunia", "Olahraga", "Teknologi"],
        "read": "Baca juga",
        "most": "Terpopuler",
        "share": "Bagikan ke Facebook Twitter WhatsApp",
        "news": "Dapatkan berita pilihan setiap pagi langsung di kotak masuk Anda.",
        "comments": "Komentar",
        "rights": "Hak cipta dilindungi undang-undang.",
    },
    "en": {
        "nav": ["Home", "Politics", "Business", "World", "Sport", "Tech"],
        "read": "Read also",
        "most": "Most read",
        "share": "Share on Facebook Twitter WhatsApp",
        "news": "Get our morning briefing delivered to your inbox every day.",
        "comments": "Comments",
        "rights": "All rights reserved.",
    },
}
COMMENTS = [
    "Semoga cepat selesai masalahnya.",
    "Pemerintah harus bertindak tegas!",
    "This is exactly what we predicted last year.",
    "Great reporting, thanks.",
]


@dataclass(frozen=True)
class Page:
    html: str
    truth: str  # the story's paragraphs, one per line


def pages(count: int, seed: int = SEED) -> list[Page]:
    """`count` pages in the layouts of ten outlets, alternating semantic and div-only."""
    rng = random.Random(seed)
    by_lang: dict[str, list[str]] = {}
    for (src, _), sentences in load_pool().items():
        by_lang.setdefault("en" if src.startswith("men") else "id", []).extend(
            s.text for s in sentences
        )
    out = []
    for n in range(count):
        outlet = n % 10
        lang = "id" if outlet % 2 == 0 else "en"
        pool = by_lang[lang]
        paragraphs = [
            " ".join(rng.choice(pool) for _ in range(rng.randint(1, 3)))
            for _ in range(rng.randint(3, 9))
        ]
        others = [rng.choice(pool)[:90] for _ in range(8)]
        out.append(Page(_layout(outlet, lang, paragraphs, others, rng), "\n".join(paragraphs)))
    return out


def _layout(outlet: int, lang: str, paragraphs: list[str], others: list[str], rng) -> str:
    words = CHROME_WORDS[lang]
    semantic = outlet < 5

    def box(tag: str, cls: str, inner: str) -> str:
        return f"<{tag}>{inner}</{tag}>" if semantic else f'<div class="{cls}">{inner}</div>'

    e = html.escape
    links = "".join(f'<li><a href="/{i}">{e(w)}</a></li>' for i, w in enumerate(words["nav"]))
    body = []
    for i, paragraph in enumerate(paragraphs):
        body.append(f"<p>{e(paragraph)}</p>")
        if i == 1:
            body.append(f'<p><strong>{words["read"]}:</strong> <a href="/r">{e(others[0])}</a></p>')
        if i == 2 and rng.random() < 0.7:
            body.append('<div class="ad-slot"><span>ADVERTISEMENT</span></div>')
    most = "".join(f'<li><a href="/m{i}">{e(t)}</a></li>' for i, t in enumerate(others[1:6]))
    comments = "".join(f'<div class="comment"><p>{e(c)}</p></div>' for c in COMMENTS[:3])
    return (
        f"<html><head><title>{e(others[6])} - Outlet {outlet}</title></head><body>"
        + box("header", "site-header", f'<div class="logo">Outlet {outlet} News</div>')
        + box("nav", "menu", f"<ul>{links}</ul>")
        + f'<div class="main"><article><h1>{e(others[7])}</h1>'
        + f'<div class="byline">Outlet {outlet} | 21/06/2024 10:00</div>'
        + "".join(body)
        + box("div", "share", f"<p>{words['share']}</p>")
        + "</article>"
        + box("aside", "sidebar", f"<h3>{words['most']}</h3><ol>{most}</ol>")
        + box("form", "newsletter", f"<p>{words['news']}</p>")
        + box("section", "comments", f"<h3>{words['comments']} (3)</h3>{comments}")
        + "</div>"
        + box("footer", "site-footer", f"<p>© 2024 Outlet {outlet}. {words['rights']}</p>")
        + "</body></html>"
    )


def _words(text: str) -> Counter[str]:
    return Counter(w.lower() for w in TOKEN.findall(text) if w[0].isalnum())


def score(system: Callable[[str], str], data: list[Page]) -> dict[str, float]:
    """Word-level precision, recall and F1 over all pages, and pages per second."""
    overlap = got = want = 0
    started = time.perf_counter()
    texts = [system(page.html) for page in data]
    seconds = time.perf_counter() - started
    for page, text in zip(data, texts, strict=True):
        found, truth = _words(text), _words(page.truth)
        overlap += sum((found & truth).values())
        got += sum(found.values())
        want += sum(truth.values())
    p = overlap / got if got else 0.0
    r = overlap / want if want else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "pages_per_s": round(len(data) / seconds),
    }


def newswire(page: str) -> str:
    return clean_body(page, "text/html", CleanOptions()).body


def blocks_only(page: str) -> str:
    return clean_body(html_blocks(page).text, "text/plain", CleanOptions()).body


def with_trafilatura(page: str) -> str:
    text = trafilatura.extract(page, include_comments=False, include_tables=True) or ""
    return clean_body(text, "text/plain", CleanOptions()).body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=200, help="how many pages (default 200)")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = parser.parse_args(argv)
    data = pages(args.pages)
    systems = {"newswire": newswire, "blocks": blocks_only, "trafilatura": with_trafilatura}
    results = {name: score(system, data) for name, system in systems.items()}
    print(f"\nHTML main text on {len(data)} generated pages (10 layouts): word precision recall F1")
    for name, r in results.items():
        print(
            f"{name:<12} {r['precision']:.4f} {r['recall']:.4f} {r['f1']:.4f}"
            f"   {r['pages_per_s']:,} pages/s"
        )
    if args.json:
        print(orjson.dumps(results).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
