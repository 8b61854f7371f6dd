"""The Prometheus alert rules: valid (promtool check), each fires when it should
(promtool test, deploy/prometheus/rules_test.yml). test_deploy checks the metrics they name."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (Debian: apt-get install prometheus)"
)


@needs_promtool
def test_rules_are_valid():
    result = subprocess.run(
        [PROMTOOL, "check", "rules", str(RULES / "rules.yml")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_each_rule_fires_on_its_series_and_not_before():
    result = subprocess.run(
        [PROMTOOL, "test", "rules", "rules_test.yml"], cwd=RULES, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tested = set(re.findall(r"alertname: (\w+)", (RULES / "rules_test.yml").read_text()))
    rules = yaml.safe_load((RULES / "rules.yml").read_text())["groups"][0]["rules"]
    assert tested == {rule["alert"] for rule in rules}
