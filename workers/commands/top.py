"""`newswire top`: a live view of a running worker, from its /metrics and /stories.

Every second it reads the worker's metrics, and shows what changed since the
last reading: stories in and out per second, duplicate ratio, dead letters by
reason, end-to-end latency percentiles, lag per partition, the entities most
mentioned and the alerts per watch; and, from /stories, the stories with the most
articles in the last hour (on the worker that holds the decision partition). Plain
text over SSH; `q` or Ctrl-C ends it. A worker that does not answer is said so on
screen, and the view waits for it.
"""

from __future__ import annotations

import contextlib
import select
import sys
import termios
import time
import tty
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

STORY_CHARS = 60  # of a story's headline
Series = dict[tuple[str, tuple[tuple[str, str], ...]], float]  # (name, labels) -> value


@dataclass(frozen=True)
class Reading:
    """One scrape of /metrics (when, and every sample) and of /stories."""

    at: float
    series: Series
    stories: list[dict[str, Any]] = field(default_factory=list)

    def total(self, name: str, **match: str) -> float:
        """The sum of `name` over the series whose labels include `match`."""
        return sum(
            value
            for (n, labels), value in self.series.items()
            if n == name and match.items() <= dict(labels).items()
        )

    def by(self, name: str, label: str) -> Counter[str]:
        out: Counter[str] = Counter()
        for (n, labels), value in self.series.items():
            if n == name:
                out[dict(labels).get(label, "")] += value
        return out


def parse(text: str, at: float, stories: list[dict[str, Any]] | None = None) -> Reading:
    series: Series = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            series[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return Reading(at, series, stories or [])


def scrape(url: str, timeout: float = 2.0) -> Reading:
    """Read /metrics now, and /stories beside it (none from a worker without it); OSError
    (unreachable, refused, HTTP error) if the metrics cannot be read."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        text = response.read().decode()
    try:
        with urllib.request.urlopen(urllib.parse.urljoin(url, "/stories"), timeout=timeout) as r:
            stories = orjson.loads(r.read())["stories"]
    except (OSError, ValueError, KeyError, TypeError):
        stories = []
    return parse(text, time.time(), stories)


@dataclass
class View:
    """What the screen shows, computed from two readings (the rates) or one."""

    seconds: float
    in_rate: float
    out_rates: dict[str, float]
    duplicate_ratio: float | None
    dead_letters: dict[str, float]  # reason -> per second
    # p50, p95, p99 over the interval; when the interval saw none, since the start
    latency_ms: dict[str, float | None]
    lag: dict[str, float]  # "topic:partition" -> messages
    stalled: float
    entities: list[tuple[str, float]]  # most mentioned, all time
    alerts: dict[str, tuple[float, float]]  # watch -> (all time, in the interval)
    stages_us: dict[str, float] = field(default_factory=dict)  # mean per stage
    stories: list[dict[str, Any]] = field(default_factory=list)  # the top of the last hour


def view(now: Reading, before: Reading | None) -> View:
    """The view of `now`, with rates since `before` (None: since the worker started)."""
    seconds = now.at - before.at if before else 0.0

    def delta(name: str, **match: str) -> float:
        return now.total(name, **match) - (before.total(name, **match) if before else 0.0)

    def rate(name: str, **match: str) -> float:
        return delta(name, **match) / seconds if seconds > 0 else 0.0

    kinds = ("enriched", "duplicate", "rejected")
    outs = {kind: rate("newswire_outcomes_total", kind=kind) for kind in kinds}
    decided = delta("newswire_outcomes_total", kind="enriched") + delta(
        "newswire_outcomes_total", kind="duplicate"
    )
    reasons = now.by("newswire_dead_letters_total", "reason")
    lag = {
        f"{dict(labels)['topic']}:{dict(labels)['partition']}": value
        for (name, labels), value in sorted(now.series.items())
        if name == "newswire_consumer_lag_messages"
    }
    mentions = Counter(
        {
            dict(labels).get("name", ""): value
            for (name, labels), value in now.series.items()
            if name == "newswire_entity_mentions_total"
        }
    )
    watches = now.by("newswire_alerts_total", "watch")
    earlier = before.by("newswire_alerts_total", "watch") if before else Counter()
    stage_sum = _histogram(now, before, "newswire_stage_seconds_sum", "stage")
    stage_count = _histogram(now, before, "newswire_stage_seconds_count", "stage")
    if not any(stage_count.values()):  # quiet: all time, as for latency
        stage_sum = _histogram(now, None, "newswire_stage_seconds_sum", "stage")
        stage_count = _histogram(now, None, "newswire_stage_seconds_count", "stage")
    return View(
        seconds=seconds,
        in_rate=rate("newswire_stories_in_total"),
        out_rates=outs,
        duplicate_ratio=(
            delta("newswire_outcomes_total", kind="duplicate") / decided if decided else None
        ),
        dead_letters={r: rate("newswire_dead_letters_total", reason=r) for r in reasons},
        latency_ms={q: _quantile(now, before, float(q[1:]) / 100) for q in ("p50", "p95", "p99")},
        lag=lag,
        stalled=now.total("newswire_stalled_partitions"),
        entities=mentions.most_common(8),
        alerts={w: (total, total - earlier.get(w, 0.0)) for w, total in watches.items()},
        stages_us={s: stage_sum[s] / stage_count[s] * 1e6 for s in stage_sum if stage_count.get(s)},
        stories=now.stories,
    )


def _histogram(now: Reading, before: Reading | None, name: str, label: str) -> Counter[str]:
    values = now.by(name, label)
    if before is not None:
        values.subtract(before.by(name, label))
    return values


def _quantile(now: Reading, before: Reading | None, q: float) -> float | None:
    """Milliseconds at quantile q of the end-to-end histogram, bucket-interpolated."""
    buckets = _histogram(now, before, "newswire_end_to_end_seconds_bucket", "le")
    if not any(buckets.values()) and before is not None:
        buckets = now.by("newswire_end_to_end_seconds_bucket", "le")  # quiet: all time
    ordered = sorted((float(le), count) for le, count in buckets.items())
    total = ordered[-1][1] if ordered else 0.0
    if total <= 0:
        return None
    rank, lower, below = q * total, 0.0, 0.0
    for upper, count in ordered:
        if count >= rank:
            if upper == float("inf"):
                return float("inf")  # beyond the largest bucket
            share = (rank - below) / (count - below) if count > below else 1.0
            return (lower + (upper - lower) * share) * 1000
        lower, below = upper, count
    return None


def render(v: View | None, url: str, error: str | None = None) -> Group:
    """The screen: the figures, or why there are none."""
    title = Text(f"newswire top  {url}  ", style="bold")
    title.append(time.strftime("%H:%M:%S"), style="dim")
    title.append("   q or Ctrl-C to quit", style="dim")
    if v is None:
        return Group(title, Panel(Text(error or "waiting for the first reading", style="red")))
    flow = Table.grid(padding=(0, 2))
    flow.add_row("stories in", f"{v.in_rate:8.1f}/s")
    for kind, value in v.out_rates.items():
        flow.add_row(kind, f"{value:8.1f}/s")
    ratio = "-" if v.duplicate_ratio is None else f"{v.duplicate_ratio:8.1%}"
    flow.add_row("dup ratio", ratio)
    for reason, value in sorted(v.dead_letters.items()):
        if value:
            flow.add_row(f"  dead letters: {reason}", f"{value:8.1f}/s")
    latency = Table.grid(padding=(0, 2))
    for q, ms in v.latency_ms.items():
        shown = "-" if ms is None else "> 60 s" if ms == float("inf") else f"{ms:8.0f} ms"
        latency.add_row(q, shown)
    stages = Table.grid(padding=(0, 2))
    for stage, us in v.stages_us.items():
        stages.add_row(stage, f"{us:7.0f} µs")
    lag = Table("partition", "lag", box=None, padding=(0, 1))
    for part, value in v.lag.items():
        lag.add_row(part.rsplit(".", 1)[-1], f"{value:,.0f}")  # PREFIX.raw:0 -> raw:0
    if v.stalled:
        lag.add_row(Text("stalled partitions", style="red"), f"{v.stalled:.0f}")
    entities = Table("entity", "mentions", box=None, padding=(0, 1))
    for name, count in v.entities:
        entities.add_row(name, f"{count:,.0f}")
    alerts = Table("watch", "alerts", "new", box=None, padding=(0, 1))
    for watch, (total, new) in sorted(v.alerts.items()):
        alerts.add_row(watch, f"{total:,.0f}", Text(f"+{new:.0f}", style="green") if new else "")
    grid = Table.grid(padding=(0, 1))
    grid.add_row(
        Panel(flow, title="flow"), Panel(latency, title="end to end"), Panel(lag, title="lag")
    )
    grid.add_row(
        Panel(stages, title="time per stage"),
        Panel(entities, title="top entities"),
        Panel(alerts, title="alerts"),
    )
    return Group(title, grid, Panel(_stories(v.stories), title="top stories, last hour"))


def _stories(stories: list[dict[str, Any]]) -> Table | Text:
    if not stories:
        return Text("none in the last hour (or this worker does not decide)", style="dim")
    table = Table("story", "articles", "last hour", "sources", "languages", box=None)
    for s in stories:
        headline = Text(s["headline"][:STORY_CHARS] or s["story_id"])
        if s["breaking"]:
            headline.append("  breaking", style="bold red")
        table.add_row(
            headline, str(s["articles"]), f"+{s['articles_last_hour']}", str(s["source_count"]),
            ",".join(s["languages"]),
        )  # fmt: skip
    return table


def frames(url: str, interval: float) -> Iterator[Group]:
    """A screen every `interval` seconds, for as long as it is asked for."""
    before: Reading | None = None
    while True:
        try:
            now = scrape(url)
        except (OSError, ValueError) as exc:
            yield render(None, url, _unreachable(url, exc) + "; retrying")
            before = None
        else:
            yield render(view(now, before), url)
            before = now
        time.sleep(interval)


def run(url: str, interval: float, console: Console | None = None) -> None:
    """Show the live view until `q` or Ctrl-C."""
    console = console or Console()
    with _keys() as pressed, Live(console=console, auto_refresh=False, screen=False) as live:
        for frame in frames(url, interval):
            live.update(frame, refresh=True)
            if pressed() == "q":
                return


def once(url: str, interval: float, console: Console) -> bool:
    """Print one screen, with rates over `interval` seconds; False if the worker is down."""
    try:
        before = scrape(url)
        time.sleep(interval)
        now = scrape(url)
    except (OSError, ValueError) as exc:
        console.print(render(None, url, _unreachable(url, exc)))
        return False
    console.print(render(view(now, before), url))
    return True


def _unreachable(url: str, exc: Exception) -> str:
    return f"worker not reachable at {url}: {getattr(exc, 'reason', exc)}"


@contextlib.contextmanager
def _keys() -> Iterator[Callable[[], str | None]]:
    """A function that returns the key pressed since it was last asked, if any."""
    if not sys.stdin.isatty():
        yield lambda: None
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)

    def pressed() -> str | None:
        ready, _, _ = select.select([sys.stdin], [], [], 0)
        return sys.stdin.read(1) if ready else None

    try:
        yield pressed
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
