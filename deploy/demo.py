"""`make run`: a local broker (unless NEWSWIRE_KAFKA_BOOTSTRAP is set), the worker with
metrics, the sample stories, and every outcome printed as it arrives. Ctrl-C stops
everything this script started, in reverse order.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy" / "kafka"))

from launcher import LocalKafka, free_port  # noqa: E402

from workers.commands.tail import tail  # noqa: E402
from workers.config import Settings  # noqa: E402

SAMPLES = ROOT / "workers" / "samples" / "stories.jsonl"
NEWSWIRE = str(Path(sys.executable).parent / "newswire")


def say(text: str) -> None:
    print(f"\033[1m[make run]\033[0m {text}", flush=True)


def stop_process(proc: subprocess.Popen[bytes], name: str) -> None:
    if proc.poll() is not None:
        return
    say(f"stopping {name}")
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    # Ctrl-C and SIGTERM both stop the demo cleanly, even where the parent ignored SIGINT.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    state = Path(tempfile.mkdtemp(prefix="newswire-demo-"))
    env = dict(os.environ)
    with ExitStack() as stack:
        if "NEWSWIRE_KAFKA_BOOTSTRAP" not in env:
            say("starting a local Apache Kafka (KRaft) on 127.0.0.1 ...")
            kafka = LocalKafka(port=free_port(), data_dir=state / "kafka")
            stack.callback(shutil.rmtree, state / "kafka", ignore_errors=True)
            stack.callback(say, "local Kafka stopped")
            stack.callback(kafka.stop)
            kafka.start()
            env["NEWSWIRE_KAFKA_BOOTSTRAP"] = kafka.bootstrap
            say(f"Kafka ready on {kafka.bootstrap}")
        env.setdefault("NEWSWIRE_DATA_DIR", str(state / "worker"))
        env.setdefault("NEWSWIRE_METRICS_PORT", "9108")
        settings = Settings.from_env(env)
        log = (state / "worker.log").open("wb")
        stack.callback(log.close)
        worker = subprocess.Popen(
            [NEWSWIRE, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        stack.callback(stop_process, worker, "worker")
        say(f"worker started (log: {state / 'worker.log'})")
        say(f"metrics: http://{settings.metrics_host}:{settings.metrics_port}/metrics")
        time.sleep(2)
        if worker.poll() is not None:
            say(f"the worker exited; its log says:\n{(state / 'worker.log').read_text()}")
            return 1
        subprocess.run([NEWSWIRE, "produce", str(SAMPLES)], env=env, check=True)
        say("outcomes as they arrive (Ctrl-C to stop):\n")
        try:
            tail(settings, _outcome_topics(settings), sys.stdout, from_beginning=True,
                 stop=lambda: worker.poll() is not None)  # fmt: skip
            say(f"the worker stopped unexpectedly; see {state / 'worker.log'}")
            return 1
        except KeyboardInterrupt:
            print()
            say("Ctrl-C: shutting down")
    return 0


def _outcome_topics(settings: Settings) -> list[str]:
    t = settings.topics
    return [t.enriched, t.duplicates, t.deadletter]


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
