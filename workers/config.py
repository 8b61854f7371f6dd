"""Settings, read once from ``NEWSWIRE_*`` environment variables and passed down.

Nothing here runs at import time: the CLI calls `Settings.from_env()` and hands
the frozen result to whatever needs it. An unknown ``NEWSWIRE_*`` variable is an
error, so a typo does not silently fall back to a default.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from workers.errors import ConfigError

_HOSTPORT = re.compile(r"^[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")


def _bootstrap(name: str, raw: str) -> str:
    servers = [s.strip() for s in raw.split(",") if s.strip()]
    if not servers or not all(_HOSTPORT.match(s) for s in servers):
        raise ConfigError(name, raw, "expected host:port[,host:port...]")
    for s in servers:
        _port(name, s.rsplit(":", 1)[1])
    return ",".join(servers)


def _port(name: str, raw: str) -> int:
    value = _int(name, raw)
    if not 0 <= value <= 65535:
        raise ConfigError(name, raw, "expected a port between 0 and 65535")
    return value


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(name, raw, "expected an integer") from None


def _positive(name: str, raw: str) -> int:
    value = _int(name, raw)
    if value <= 0:
        raise ConfigError(name, raw, "expected a positive integer")
    return value


def _non_negative(name: str, raw: str) -> int:
    value = _int(name, raw)
    if value < 0:
        raise ConfigError(name, raw, "expected an integer >= 0")
    return value


def _float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(name, raw, "expected a number") from None


def _float_positive(name: str, raw: str) -> float:
    value = _float(name, raw)
    if value <= 0:
        raise ConfigError(name, raw, "expected a positive number")
    return value


def _float_non_negative(name: str, raw: str) -> float:
    value = _float(name, raw)
    if value < 0:
        raise ConfigError(name, raw, "expected a number >= 0")
    return value


def _fraction(name: str, raw: str) -> float:
    value = _float(name, raw)
    if not 0.0 <= value <= 1.0:
        raise ConfigError(name, raw, "expected a number between 0 and 1")
    return value


def _topic_prefix(name: str, raw: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9._\-]{1,200}", raw):
        raise ConfigError(name, raw, "expected letters, digits, '.', '_' or '-'")
    return raw


def _choice(*options: str) -> Callable[[str, str], str]:
    """One of `options`, whatever the case written (options are all lower or all upper)."""

    def parse(name: str, raw: str) -> str:
        value = raw.strip().upper() if options[0].isupper() else raw.strip().lower()
        if value not in options:
            raise ConfigError(name, raw, f"expected one of {', '.join(options)}")
        return value

    return parse


def _text(name: str, raw: str) -> str:
    if not raw.strip():
        raise ConfigError(name, raw, "expected a non-empty value")
    return raw.strip()


def _path(name: str, raw: str) -> Path:
    return Path(_text(name, raw))


def _readable_file(name: str, raw: str) -> Path:
    path = _path(name, raw)
    if not path.is_file():
        raise ConfigError(name, raw, "no such file")
    return path


def _setting(
    default: object, parse: Callable[[str, str], object], doc: str, secret: bool = False
) -> object:
    """A setting; a secret one is left out of repr() (and so out of every log line)."""
    return field(default=default, repr=not secret, metadata={"parse": parse, "doc": doc})


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the defaults a local run needs."""

    kafka_bootstrap: str = _setting(
        "127.0.0.1:9092", _bootstrap, "Kafka bootstrap servers, host:port[,host:port]"
    )
    topic_prefix: str = _setting(
        "news", _topic_prefix, "prefix of every topic: PREFIX.raw, PREFIX.enriched, ..."
    )
    app_id: str = _setting("newswire", _topic_prefix, "Faust app id: consumer group and state")
    partitions: int = _setting(4, _positive, "partitions of topics newswire creates")
    replication_factor: int = _setting(1, _positive, "replicas of topics newswire creates")
    store: str = _setting("rocksdb", _choice("rocksdb", "memory"), "table store: rocksdb or memory")
    kafka_security_protocol: str = _setting(
        "PLAINTEXT",
        _choice("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"),
        "how to reach Kafka: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL",
    )
    kafka_sasl_mechanism: str = _setting(
        "SCRAM-SHA-512",
        _choice("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"),
        "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512",
    )
    kafka_sasl_username: str = _setting("", _text, "SASL user name (SASL_* protocols)")
    kafka_sasl_password: str = _setting(
        "", _text, "SASL password (SASL_* protocols; never logged)", secret=True
    )
    kafka_ssl_cafile: Path | None = _setting(
        None, _readable_file, "CA bundle to verify the brokers (SSL, SASL_SSL)"
    )
    kafka_ssl_certfile: Path | None = _setting(
        None, _readable_file, "client certificate, PEM (SSL client authentication)"
    )
    kafka_ssl_keyfile: Path | None = _setting(
        None, _readable_file, "client private key, PEM (SSL client authentication)"
    )
    data_dir: Path = _setting(Path(".newswire"), _path, "worker state (RocksDB tables)")
    metrics_host: str = _setting("127.0.0.1", _text, "address the /metrics HTTP server binds")
    metrics_port: int = _setting(9108, _port, "port of /metrics (0 disables it)")
    max_body_bytes: int = _setting(
        1_000_000, _positive, "raw messages larger than this are dead-lettered (too_large)"
    )
    story_timeout_seconds: float = _setting(
        5.0, _float_non_negative, "longer on one story's stages: dead-lettered (timeout); 0: none"
    )
    dedupe_retention_hours: float = _setting(
        72.0, _float_positive, "how long a story's fingerprint is remembered"
    )
    dedupe_max_entries: int = _setting(
        1_000_000, _positive, "stories and dead letters the dedupe index keeps; oldest go first"
    )
    dedupe_min_similarity: float = _setting(
        0.35, _fraction, "estimated Jaccard similarity a near duplicate needs"
    )
    dedupe_max_novelty: float = _setting(
        0.4, _fraction, "share of new text above which a similar story is a follow-up, not a copy"
    )
    story_window_hours: float = _setting(
        72.0, _float_positive, "a story takes no new article after this long without one"
    )
    story_min_similarity: float = _setting(
        0.15, _fraction, "cosine similarity of evidence an article needs to join a story"
    )
    story_update_seconds: float = _setting(
        5.0, _float_non_negative, "a story's state goes to PREFIX.stories at most this often"
    )
    breaking_sources: int = _setting(
        3, _positive, "a story is breaking news once this many sources report it within ..."
    )
    breaking_minutes: float = _setting(
        60.0, _float_positive, "... this many minutes: one alert of kind breaking"
    )
    alert_stale_minutes: float = _setting(
        60.0,
        _float_non_negative,
        "an alert on an article older than this (its published_at, else its arrival) or a "
        "story that broke this long ago is marked stale; 0: never",
    )
    story_max_entries: int = _setting(
        1_000_000,
        _positive,
        "entries of the story table (stories, articles' stories); oldest go first",
    )
    session_timeout_seconds: float = _setting(
        30.0, _float_positive, "how soon a dead worker's partitions move to the others"
    )
    stall_restart_minutes: float = _setting(
        15.0,
        _float_non_negative,
        "a partition with lag and no progress this long stops the worker, for its "
        "supervisor to restart it; 0: never",
    )
    watchlist: Path | None = _setting(
        None,
        _readable_file,
        "YAML watchlist: matching stories also go to PREFIX.alerts; re-read when it changes",
    )
    learn_min_stories: int = _setting(
        15,
        _non_negative,
        "a line recurring in this many distinct stories of one source is cut from its "
        "later stories (learned boilerplate); 0: never",
    )
    line_model: str = _setting(
        "on",
        _choice("on", "off"),
        "the line model cuts chrome no rule names (docs/CLEANING.md): on, or off to save "
        "about 0.25 ms a story",
    )
    allow_list: Path | None = _setting(
        None,
        _readable_file,
        'YAML of lines never cut, per source ("*": any): source: [line, ...]',
    )
    sources_host_gap_seconds: float = _setting(
        1.0, _float_non_negative, "newswire sources: least time between two requests to one host"
    )
    sources_timeout_seconds: float = _setting(
        30.0, _float_positive, "newswire sources: connect and read timeout of a request"
    )
    sources_max_bytes: int = _setting(
        10_000_000, _positive, "newswire sources: larger documents and pages are refused"
    )
    sources_backoff_max_minutes: float = _setting(
        60.0, _float_positive, "newswire sources: a failing source is retried at least this often"
    )
    sources_seen_days: float = _setting(
        30.0, _float_positive, "newswire sources: how long an item sent is remembered"
    )
    sources_seen_max: int = _setting(
        500_000, _positive, "newswire sources: items sent remembered at most; oldest go first"
    )
    log_level: str = _setting(
        "info", _choice("debug", "info", "warning", "error"), "log level of the worker"
    )
    log_format: str = _setting(
        "text", _choice("text", "json"), "log lines: text, or json (one object per line)"
    )

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from ``NEWSWIRE_<FIELD>`` variables; unknown ones are errors."""
        known = {f"NEWSWIRE_{f.name.upper()}": f for f in dataclasses.fields(cls)}
        unknown = sorted(k for k in env if k.startswith("NEWSWIRE_") and k not in known)
        if unknown:
            raise ConfigError(
                unknown[0], env[unknown[0]], f"unknown setting; known: {', '.join(sorted(known))}"
            )
        values = {}
        for name, f in known.items():
            if name in env:
                try:
                    values[f.name] = f.metadata["parse"](name, env[name])
                except ConfigError as exc:
                    if f.repr:
                        raise
                    raise ConfigError(name, "(hidden)", str(exc).split(": ", 1)[1]) from None
        settings = cls(**values)
        settings._check_security()
        return settings

    def _check_security(self) -> None:
        """Settings that only make sense together."""
        protocol = self.kafka_security_protocol
        if protocol.startswith("SASL_"):
            for name in ("kafka_sasl_username", "kafka_sasl_password"):
                if not getattr(self, name):
                    var = f"NEWSWIRE_{name.upper()}"
                    raise ConfigError(var, "", f"required with {protocol}")
        if (self.kafka_ssl_certfile is None) != (self.kafka_ssl_keyfile is None):
            raise ConfigError(
                "NEWSWIRE_KAFKA_SSL_KEYFILE",
                str(self.kafka_ssl_keyfile or ""),
                "the client certificate and key go together: set both or neither",
            )

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(variable, default, meaning) for every setting: --help and the README use it."""
        return [
            (f"NEWSWIRE_{f.name.upper()}", str(f.default), f.metadata["doc"])
            for f in dataclasses.fields(cls)
        ]


# Every dedupe decision is taken in one partition, against one index, so near
# duplicates meet whatever raw partition they came through (docs/ARCHITECTURE.md).
DECIDE_PARTITIONS = 1


@dataclass(frozen=True)
class Topics:
    """The topic names for one prefix, defined once."""

    prefix: str

    @property
    def raw(self) -> str:
        return f"{self.prefix}.raw"

    @property
    def enriched(self) -> str:
        return f"{self.prefix}.enriched"

    @property
    def duplicates(self) -> str:
        return f"{self.prefix}.duplicates"

    @property
    def deadletter(self) -> str:
        return f"{self.prefix}.deadletter"

    @property
    def alerts(self) -> str:
        return f"{self.prefix}.alerts"

    @property
    def stories(self) -> str:
        return f"{self.prefix}.stories"

    @property
    def sources_seen(self) -> str:
        """`newswire sources`' ledger of the items it sent (compacted)."""
        return f"{self.prefix}.sources-seen"

    @property
    def prepared(self) -> str:
        """Internal: prepared stories, into the single dedupe decision partition."""
        return f"{self.prefix}.prepared"
