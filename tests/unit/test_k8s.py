"""The Kubernetes manifests agree with the code: settings, port, probes, watchlist."""

from pathlib import Path

import yaml

from workers.config import Settings
from workers.pipeline.watch import parse_watchlist

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"


def load(name: str) -> dict:
    return yaml.safe_load((K8S / name).read_text())


def test_kustomization_lists_every_manifest():
    listed = set(load("kustomization.yaml")["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


def test_configmap_settings_are_valid_and_the_watchlist_parses():
    data = load("configmap.yaml")["data"]
    env = {k: v for k, v in data.items() if k.startswith("NEWSWIRE_")}
    env["NEWSWIRE_WATCHLIST"] = __file__  # a file that exists, for the check
    settings = Settings.from_env(env)  # unknown or malformed settings would raise
    assert settings.metrics_host == "0.0.0.0" and settings.log_format == "json"
    assert data["NEWSWIRE_WATCHLIST"] == "/etc/newswire/watchlist.yaml"
    assert parse_watchlist(data["watchlist.yaml"])


def test_deployment_probes_port_and_volumes_match_the_worker():
    deployment = load("deployment.yaml")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    port = int(load("configmap.yaml")["data"]["NEWSWIRE_METRICS_PORT"])
    assert container["ports"] == [{"name": "metrics", "containerPort": port}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert {"/var/lib/newswire", "/etc/newswire"} <= mounts
    assert pod["terminationGracePeriodSeconds"] >= 40  # a graceful stop flushes its batches
    secrets = {e["name"] for e in container["env"]}
    assert secrets == {"NEWSWIRE_KAFKA_SASL_USERNAME", "NEWSWIRE_KAFKA_SASL_PASSWORD"}
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert load("service.yaml")["spec"]["selector"] == selector
