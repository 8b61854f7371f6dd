"""The Compose file against the Compose specification's schema, and against the code."""

import json
import re
from importlib.metadata import files
from pathlib import Path

import jsonschema
import pytest
import yaml
from prometheus_client import CollectorRegistry

from workers.config import Settings
from workers.ops.metrics import Metrics, SourceMetrics
from workers.sources.spec import parse_sources

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose_spec() -> dict:
    """The schema check-jsonschema vendors; located without importing its CLI."""
    entry = next(
        f for f in files("check-jsonschema") if str(f).endswith("vendor/compose-spec.json")
    )
    return json.loads(Path(entry.locate()).read_text())


def test_compose_file_matches_the_compose_specification():
    schema = compose_spec()
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(COMPOSE)]
    assert errors == []


def test_the_schema_check_is_not_vacuous():
    schema = compose_spec()
    broken = {"services": {"worker": {"image": "x", "ports": "not-a-list", "bogus": 1}}}
    assert list(jsonschema.validators.validator_for(schema)(schema).iter_errors(broken))


def test_compose_worker_uses_the_codes_topics_and_ports():
    worker = COMPOSE["services"]["worker"]
    env = {k: str(v) for k, v in worker["environment"].items()}
    settings = Settings.from_env(env)  # every variable in compose is a real setting
    defaults = Settings.from_env({})
    assert settings.topics == defaults.topics
    assert settings.metrics_port == defaults.metrics_port
    assert f"127.0.0.1:{settings.metrics_port}:{settings.metrics_port}" in worker["ports"]
    host, port = settings.kafka_bootstrap.split(":")
    assert host == "kafka"
    assert f"INTERNAL://:{port}" in COMPOSE["services"]["kafka"]["environment"]["KAFKA_LISTENERS"]
    assert COMPOSE["services"]["kafka"]["image"].startswith("apache/kafka:4.")


def test_prometheus_scrapes_the_worker_and_the_sources_metrics_ports():
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    targets = [
        t for job in config["scrape_configs"] for c in job["static_configs"] for t in c["targets"]
    ]
    sources = Settings.from_env(
        {k: str(v) for k, v in COMPOSE["services"]["sources"]["environment"].items()}
    )
    assert targets == [
        f"worker:{Settings.from_env({}).metrics_port}",
        f"sources:{sources.metrics_port}",
    ]


def test_compose_sources_mounts_a_sources_file_that_parses():
    service = COMPOSE["services"]["sources"]
    mount = next(v for v in service["volumes"] if v.endswith(":ro"))
    local, inside = mount.split(":")[:2]
    assert service["command"] == ["sources", inside]
    assert parse_sources((ROOT / local).read_text())


def exported_metrics() -> set[str]:
    """Every series name the worker's and newswire sources' metrics produce."""
    registry = CollectorRegistry()
    Metrics(registry)
    SourceMetrics(registry)
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
    return {f.name + end for f in registry.collect() for end in suffixes[f.type]}


def metrics_named(exprs: list[str]) -> set[str]:
    return {name for e in exprs for name in re.findall(r"\bnewswire_[a-z_]+", e)}


@pytest.mark.parametrize("path", sorted((ROOT / "deploy/grafana/dashboards").glob("*.json")))
def test_dashboard_queries_only_metrics_the_worker_exports(path):
    dashboard = json.loads(path.read_text())
    used = metrics_named([t["expr"] for p in dashboard["panels"] for t in p["targets"]])
    assert used, "the dashboard queries nothing"
    assert used <= exported_metrics(), used - exported_metrics()


def test_alert_rules_name_only_metrics_the_worker_exports_and_compose_loads_them():
    rules = yaml.safe_load((ROOT / "deploy/prometheus/rules.yml").read_text())
    used = metrics_named([r["expr"] for group in rules["groups"] for r in group["rules"]])
    assert used and used <= exported_metrics(), used - exported_metrics()
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    mounts = COMPOSE["services"]["prometheus"]["volumes"]
    assert config["rule_files"] == ["/etc/prometheus/rules.yml"]
    assert "./deploy/prometheus/rules.yml:/etc/prometheus/rules.yml:ro" in mounts


def test_the_image_build_stage_copies_what_the_wheel_compiles():
    """Without setup.py the wheel builds, silently, without its compiled modules."""
    build_stage = (ROOT / "Dockerfile").read_text().split("\nFROM ")[1]  # after the comments
    copied = {
        source
        for line in build_stage.splitlines()
        if line.startswith("COPY ")
        for source in line.split()[1:-1]
    }
    assert {"pyproject.toml", "setup.py", "workers"} <= copied
    setup = (ROOT / "setup.py").read_text()
    for module in (ROOT / "workers/pipeline").glob("*.pyx"):
        assert f'"{module.stem}"' in setup, f"setup.py does not build {module.name}"
