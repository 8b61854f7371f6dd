"""Log lines as text (the default) or as one JSON object per line
(NEWSWIRE_LOG_FORMAT=json), for log collectors; the same for the CLI and Faust."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers whose chatter is not news. kafka-python narrates every connection at
# INFO and retries at ERROR (our own messages say what matters, e.g. "no broker
# answered"); under load Faust warns for every changelog flush ("producer buffer
# full") and every batch flush that outlasts its 50 ms timer.
QUIETER = {
    "kafka": logging.CRITICAL,
    "faust.transport.producer": logging.ERROR,
    "mode.timers": logging.ERROR,
}


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message"[, "exception"]} per record."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage().strip(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(data).decode()


def configure(log_format: str, level: str = "info") -> None:
    """Logging for a command, to stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    quieten()


def quieten() -> None:
    for name, level in QUIETER.items():
        logging.getLogger(name).setLevel(level)


def faust_logging_config(log_format: str, level: str) -> dict[str, Any] | None:
    """What the Faust worker configures logging with (None: its own text format)."""
    if log_format != "json":
        return None
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "json", "stream": sys.stderr}
        },
        "root": {"level": level.upper(), "handlers": ["default"]},
    }
