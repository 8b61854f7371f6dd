"""`make bench`: `newswire bench` against a Kafka broker started here on loopback.

    python deploy/bench.py [newswire bench options, e.g. --stories 30000 --json]

With NEWSWIRE_KAFKA_BOOTSTRAP set, that broker is used instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy" / "kafka"))

from launcher import LocalKafka  # noqa: E402

from workers.commands.cli import main  # noqa: E402

if __name__ == "__main__":
    if os.environ.get("NEWSWIRE_KAFKA_BOOTSTRAP"):
        sys.exit(main(["bench", *sys.argv[1:]]))
    with LocalKafka() as kafka:
        os.environ["NEWSWIRE_KAFKA_BOOTSTRAP"] = kafka.bootstrap
        code = main(["bench", *sys.argv[1:]])
    sys.exit(code)
