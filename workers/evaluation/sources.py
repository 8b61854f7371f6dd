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


def evaluate(data: Path) -> dict[str, object]:
    """Per kind: documents, refusals by reason, items, and fields filled (shares)."""
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    refused: Counter[str] = Counter()
    for path in documents_in(data):
        try:
            document = documents.read(path.read_bytes())
        except Refused as exc:
            refused[f"{path.relative_to(data)}: {exc}"] += 1
            continue
        tally = kinds[document.kind]
        tally["documents"] += 1
        for item in document.items:
            tally["items"] += 1
            for name in FIELDS:
                value = getattr(item, name)
                tally[name] += value is not None and value != ""
    report: dict[str, object] = {"refused": sorted(refused)}
    for kind, tally in sorted(kinds.items()):
        items = tally["items"] or 1
        report[kind] = {
            "documents": tally["documents"],
            "items": tally["items"],
            **{name: round(tally[name] / items, 3) for name in FIELDS},
        }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"sources: {args.data} is not there (../shared/data/formats); skipped")
        return 0
    report = evaluate(args.data)
    if args.json:
        print(orjson.dumps(report).decode())
        return 0
    print("sources: real feeds and wire documents (coverage: share of items with each field)")
    print(f"  {'kind':<9}{'docs':>5}{'items':>6}" + "".join(f"{f:>13}" for f in FIELDS))
    for kind, row in report.items():
        if kind != "refused":
            cells = "".join(f"{row[f]:>13.2f}" for f in FIELDS)  # type: ignore[index]
            print(f"  {kind:<9}{row['documents']:>5}{row['items']:>6}{cells}")  # type: ignore[index]
    for line in report["refused"]:  # type: ignore[attr-defined]
        print(f"  refused: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
