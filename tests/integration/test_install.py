"""The install people do: a fresh virtualenv with the pip Python bundles (not upgraded),
`pip install .`, and `newswire process` on an HTML story (trafilatura's imports)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = (
    "<html><body><nav>Home | World</nav><article><h1>Floods close roads</h1>"
    "<p>Floods closed three roads in Jakarta on Monday, officials said.</p>"
    "<p>Rain is expected to continue until Thursday.</p></article></body></html>"
)


@pytest.mark.timeout(900)
def test_pip_install_with_the_bundled_pip_then_process_html(tmp_path: Path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "--version"], check=True, capture_output=True, text=True
    )
    print(pip.stdout)  # the bundled pip, as people have it
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
        check=True,
    )
    story = {"id": "html-1", "body": HTML, "content_type": "text/html", "source": "x.example"}
    done = subprocess.run(
        [str(venv / "bin" / "newswire"), "process"],
        input=json.dumps(story) + "\n",
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,  # not the checkout: the installed package, not the source tree
    )
    outcome = json.loads(done.stdout)
    assert outcome["kind"] == "enriched", outcome
    assert "Floods closed three roads in Jakarta" in outcome["body"]
    assert "Home | World" not in outcome["body"]
