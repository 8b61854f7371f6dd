"""The `newswire` command: worker, produce, process, tail.

Settings come from NEWSWIRE_* environment variables (see `newswire --help`);
this module is the only place that reads the environment or sets up logging.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from contextlib import ExitStack
from pathlib import Path

import orjson

from workers import __version__
from workers.config import Settings
from workers.errors import ConfigError, NewswireError
from workers.ops.logs import configure

log = logging.getLogger("newswire")


def _settings_epilog() -> str:
    rows = "\n".join(
        f"  {name:<32} {doc} (default {default})" for name, default, doc in Settings.describe()
    )
    return f"settings (environment variables):\n{rows}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newswire",
        description="Streaming news ingest: strip ads and boilerplate, drop duplicates, "
        "tag entities, emit enriched events to Kafka.",
        epilog=_settings_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"newswire {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser(
        "worker",
        help="run the streaming worker (Faust) with /metrics",
        description="Consume PREFIX.raw and emit to PREFIX.enriched, PREFIX.duplicates and "
        "PREFIX.deadletter. Creates the topics if missing. Stop with Ctrl-C or SIGTERM.",
        epilog=_settings_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    produce = sub.add_parser(
        "produce",
        help="send raw stories to PREFIX.raw",
        description="Send stories from JSON-lines files (one raw story per line, sent as is), "
        "wire-format files (.xml: NewsML-G2, NITF, RSS, Atom; .json: ninjs, JSON Feed), "
        ".txt/.html files (one story each) or directories of them; '-' reads JSON lines "
        "from stdin. Keys are story ids, or a stable id derived from the content.",
    )
    produce.add_argument("paths", nargs="+", metavar="PATH", help="file, directory, or '-'")
    produce.add_argument("--topic", help="topic to send to (default PREFIX.raw)")

    sources = sub.add_parser(
        "sources",
        help="poll feeds, news sitemaps and wire endpoints into PREFIX.raw",
        description="Poll the sources listed in FILE (YAML: a 'sources' list; docs/SOURCES.md) "
        "and send each new item to PREFIX.raw once: RSS, Atom, JSON Feed, news sitemaps, "
        "IPTC ninjs, NewsML-G2 and NITF. Items sent are remembered in PREFIX.sources-seen, so "
        "a restart sends nothing twice; a second copy stands by. FILE is re-read when it "
        "changes. /metrics on NEWSWIRE_METRICS_PORT. Stop with Ctrl-C or SIGTERM.",
        epilog=_settings_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sources.add_argument("file", type=Path, metavar="FILE", help="the sources file (YAML)")
    sources.add_argument(
        "--check",
        action="store_true",
        help="fetch each source once and say what it holds (kind, items, the first "
        "headlines); sends nothing and needs no broker; exit 1 if any source fails",
    )

    process = sub.add_parser(
        "process",
        help="run the whole pipeline offline on JSON lines",
        description="Read raw stories as JSON lines; write one outcome per line, in input order, "
        'each with "kind": "enriched", "duplicate" or "rejected". Blank lines are skipped. '
        "Dedupe state lasts for the run, so later copies are caught.",
    )
    process.add_argument("-i", "--input", type=Path, help="input file (default stdin)")
    process.add_argument("-o", "--output", type=Path, help="output file (default stdout)")
    process.add_argument(
        "--alerts",
        type=Path,
        metavar="FILE",
        help="write the alerts of the watchlist in NEWSWIRE_WATCHLIST, and breaking-news "
        "alerts, to FILE, as JSON lines",
    )
    process.add_argument(
        "--stories",
        type=Path,
        metavar="FILE",
        help="write the last state of each story (as on PREFIX.stories) to FILE at the end",
    )

    tail = sub.add_parser(
        "tail",
        help="print outcome events as they arrive",
        description="Follow newswire topics and print each event readably (or as JSON lines).",
    )
    tail.add_argument(
        "topics",
        nargs="*",
        metavar="TOPIC",
        help="default: enriched, duplicates, deadletter, alerts",
    )
    tail.add_argument("--json", action="store_true", help="print the raw JSON events")
    tail.add_argument("--from-beginning", action="store_true", help="start at the oldest event")

    top = sub.add_parser(
        "top",
        help="live view of a running worker, from its /metrics",
        description="Rates in and out, duplicate ratio, dead letters, latency, lag per "
        "partition, top entities and alerts, refreshed every second. q or Ctrl-C quits.",
    )
    top.add_argument(
        "--url", help="the worker's metrics (default http://METRICS_HOST:METRICS_PORT/metrics)"
    )
    top.add_argument("--interval", type=float, default=1.0, help="seconds between readings")
    top.add_argument(
        "--once", action="store_true", help="print one screen (rates over one interval) and exit"
    )

    bench = sub.add_parser(
        "bench",
        help="measure throughput, latency and memory on the broker (loopback)",
        description="Generate a wire corpus, then measure on the broker: a passthrough "
        "baseline, the pipeline with one and with two workers (stories/s, peak RSS, time per "
        "stage), end-to-end latency at half the one-worker rate, a catch-up from a backlog "
        "(start-up, first outcome, flow), CPU per story, and each pure stage alone. "
        "Starts its own worker processes on fresh topics. Takes several minutes.",
    )
    bench.add_argument("--stories", type=int, default=30_000, help="messages per throughput run")
    bench.add_argument(
        "--latency-seconds", type=float, default=30.0, help="length of the half-load run"
    )
    bench.add_argument(
        "--catchup-stories",
        type=int,
        default=20_000,
        help="messages waiting before the catch-up run's worker starts",
    )
    bench.add_argument("--json", action="store_true", help="end with one JSON line on stdout")
    bench.add_argument("--keep", action="store_true", help="keep the worker logs and state")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
        configure(settings.log_format)
        return COMMANDS[args.command](settings, args)
    except NewswireError as exc:
        print(f"newswire: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


# Commands import their modules lazily: `process` and `--help` need not load Faust.


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from workers.commands.worker import run_worker

    return run_worker(settings)


def cmd_produce(settings: Settings, args: argparse.Namespace) -> int:
    from workers.commands.produce import produce

    missing = [p for p in args.paths if p != "-" and not Path(p).exists()]
    if missing:
        raise ConfigError("PATH", missing[0], "no such file or directory")
    summary = produce(settings, args.paths, topic=args.topic)
    print(summary, file=sys.stderr)
    return 1 if summary.failed or summary.unread else 0


def cmd_sources(settings: Settings, args: argparse.Namespace) -> int:
    from workers.commands.sources import check_sources, run_sources

    if args.check:
        return check_sources(settings, args.file, sys.stdout)
    return run_sources(settings, args.file)


def cmd_process(settings: Settings, args: argparse.Namespace) -> int:
    from workers.commands.process import process_lines
    from workers.pipeline.core import Pipeline, PipelineOptions
    from workers.stories.stage import StoryStage
    from workers.stream.watchlist import WatchlistFile

    if args.alerts and settings.watchlist is None:
        raise ConfigError("--alerts", str(args.alerts), "needs a watchlist: set NEWSWIRE_WATCHLIST")
    watches = (
        WatchlistFile(settings.watchlist).watches if settings.watchlist and args.alerts else ()
    )
    pipeline = Pipeline(PipelineOptions.from_settings(settings))
    with ExitStack() as stack:
        try:
            src = stack.enter_context(args.input.open("rb")) if args.input else sys.stdin.buffer
            dst = stack.enter_context(args.output.open("wb")) if args.output else sys.stdout.buffer
            alerts = stack.enter_context(args.alerts.open("wb")) if args.alerts else None
            states = stack.enter_context(args.stories.open("wb")) if args.stories else None
        except OSError as exc:
            raise ConfigError(
                "--input/--output/--alerts/--stories", exc.filename, exc.strerror or "cannot open"
            ) from None
        counts = process_lines(
            src,
            dst,
            pipeline,
            str(args.input or "stdin"),
            StoryStage.from_settings(settings, pipeline.entities.linked_ids),
            watches=watches,
            alerts=alerts,
            story_states=states,
        )
    total = sum(counts[k] for k in ("enriched", "duplicate", "rejected"))
    kinds = ["enriched", "duplicate", "rejected"] + (["alert", "breaking"] if args.alerts else [])
    summary = ", ".join(f"{counts[k]} {k}" for k in kinds)
    log.info("processed %d articles: %s; %d stories", total, summary, counts["story"])
    return 0


def cmd_tail(settings: Settings, args: argparse.Namespace) -> int:
    from workers.commands.tail import tail

    t = settings.topics
    topics = args.topics or [t.enriched, t.duplicates, t.deadletter, t.alerts, t.stories]
    tail(settings, topics, sys.stdout, as_json=args.json, from_beginning=args.from_beginning)
    return 0


def cmd_top(settings: Settings, args: argparse.Namespace) -> int:
    from rich.console import Console

    from workers.commands.top import once, run

    if args.interval <= 0:
        raise ConfigError("--interval", args.interval, "must be positive")
    url = args.url or f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"
    if args.once:
        return 0 if once(url, args.interval, Console()) else 1
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a live view ends
        run(url, args.interval)
    return 0


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    from workers.bench.load import bench, report

    if args.stories < 100 or args.latency_seconds <= 0 or args.catchup_stories < 100:
        raise ConfigError(
            "--stories/--latency-seconds/--catchup-stories",
            (args.stories, args.latency_seconds, args.catchup_stories),
            "need >= 100, > 0 and >= 100",
        )
    result = bench(
        settings.kafka_bootstrap, args.stories, args.latency_seconds, args.catchup_stories,
        args.keep,
    )  # fmt: skip
    print(report(result))
    if args.json:
        print(orjson.dumps(result).decode())
    return 0


COMMANDS = {
    "worker": cmd_worker,
    "produce": cmd_produce,
    "sources": cmd_sources,
    "process": cmd_process,
    "tail": cmd_tail,
    "bench": cmd_bench,
    "top": cmd_top,
}

if __name__ == "__main__":
    sys.exit(main())
