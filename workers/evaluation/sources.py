"""`make eval` (sources): how much of real feeds and wire documents the readers get.

    python -m workers.evaluation.sources [--data ../shared/data/formats] [--json]

The public fixtures in ../shared/data/formats (absent, this says so and exits 0):
real publishers' feeds and news sitemaps from feed parsers' test suites, IPTC's
ninjs, NewsML-G2 and NITF examples and real agency documents. No labels come with
them, so this reports coverage: per format, the documents read and refused (with
the reason), the text items found, and the share of items with each field of the
raw story filled. Schemas, licences and the ninjs validation suite are left out.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import orjson

from workers.sources import documents
from workers.sources.xml import Refused

DATA = Path("../shared/data/formats")
FIELDS = ("headline", "body", "published_at", "language", "url", "guid")
LEFT_OUT = ("schemas", "licenses", "validation_test_suite")
DOCUMENT_SUFFIXES = (".xml", ".json", ".rss", ".atom")


def documents_in(data: Path) -> list[Path]:
    return sorted(
        path
        for path in data.rglob("*")
        if path.suffix in DOCUMENT_SUFFIXES
        and not any(part in LEFT_OUT for part in path.parts)
        and not path.name.startswith("schema")
    )


def evaluate(data: Path) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Per kind: documents, items and the share of items with each field filled; and the
    documents refused, with why."""
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    refused: list[str] = []
    for path in documents_in(data):
        try:
            document = documents.read(path.read_bytes())
        except Refused as exc:
            refused.append(f"{path.relative_to(data)}: {exc}")
            continue
        tally = kinds[document.kind]
        tally["documents"] += 1
        for item in document.items:
            tally["items"] += 1
            for name in FIELDS:
                value = getattr(item, name)
                tally[name] += value is not None and value != ""
    report: dict[str, dict[str, float]] = {}
    for kind, tally in sorted(kinds.items()):
        items = tally["items"] or 1
        report[kind] = {
            "documents": tally["documents"],
            "items": tally["items"],
            **{name: round(tally[name] / items, 3) for name in FIELDS},
        }
    return report, sorted(refused)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"sources: {args.data} is not there (../shared/data/formats); skipped")
        return 0
    report, refused = evaluate(args.data)
    if args.json:
        print(orjson.dumps({"kinds": report, "refused": refused}).decode())
        return 0
    print("sources: real feeds and wire documents (coverage: share of items with each field)")
    print(f"  {'kind':<9}{'docs':>5}{'items':>6}" + "".join(f"{f:>13}" for f in FIELDS))
    for kind, row in report.items():
        cells = "".join(f"{row[f]:>13.2f}" for f in FIELDS)
        print(f"  {kind:<9}{row['documents']:>5.0f}{row['items']:>6.0f}{cells}")
    for line in refused:
        print(f"  refused: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
