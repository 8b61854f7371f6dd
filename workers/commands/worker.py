"""Start the streaming worker: check the broker, serve /metrics, run the Faust app."""

from __future__ import annotations

import logging

import faust
from prometheus_client import CollectorRegistry

from workers.config import Settings
from workers.errors import ConfigError
from workers.ops.logs import faust_logging_config
from workers.ops.memory import settle_collector
from workers.ops.metrics import Metrics
from workers.ops.web import Health, serve
from workers.pipeline.core import Pipeline, PipelineOptions
from workers.stories.stage import StoryStage
from workers.stream.agents import Agents
from workers.stream.app import create_app
from workers.stream.broker import emitted_origins, ensure_topics
from workers.stream.buckets import BucketStore
from workers.stream.watchlist import WatchlistFile

log = logging.getLogger(__name__)


def run_worker(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM; returns the exit code."""
    ensure_topics(settings)  # fails fast, with a clear message, if Kafka is not there
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    health = Health()
    if settings.metrics_port:
        try:
            serve(registry, health, settings.metrics_host, settings.metrics_port)
        except OSError as exc:
            raise ConfigError(
                "NEWSWIRE_METRICS_PORT", settings.metrics_port, f"cannot listen: {exc.strerror}"
            ) from None
        log.info(
            "metrics on http://%s:%d/metrics (probes: /healthz, /readyz)",
            settings.metrics_host, settings.metrics_port,
        )  # fmt: skip
    wiring = create_app(settings)
    pipeline = Pipeline(PipelineOptions.from_settings(settings), observe=metrics.observe_stage)
    on_disk = settings.store == "rocksdb"
    buckets = BucketStore(settings.data_dir / f"{settings.app_id}-buckets" if on_disk else None)
    Agents(
        wiring,
        pipeline,
        buckets,
        metrics,
        lambda since: emitted_origins(settings, since),
        StoryStage.from_settings(settings, pipeline.entities.linked_ids),
        stall_restart_seconds=settings.stall_restart_minutes * 60,
        watchlist=WatchlistFile(settings.watchlist) if settings.watchlist else None,
        health=health,
    ).register()
    worker = faust.Worker(
        wiring.app,
        loglevel=settings.log_level.upper(),
        quiet=True,
        logging_config=faust_logging_config(settings.log_format, settings.log_level),
    )
    settle_collector()  # the models, gazetteer and libraries are loaded by now
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        buckets.close()
    return 0
