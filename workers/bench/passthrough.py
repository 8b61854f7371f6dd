"""The baseline of `newswire bench`: a Faust agent that forwards each raw message to
the enriched topic, doing no work, on the worker's own app settings.

    python -m workers.bench.passthrough   (configured by the NEWSWIRE_* environment)

What the pipeline costs is its throughput measured against this one.
"""

from __future__ import annotations

import os
import sys

import faust

from workers.config import Settings
from workers.records import ORIGIN_HEADER
from workers.stream.app import create_app


def main() -> int:
    settings = Settings.from_env(os.environ)
    wiring = create_app(settings)

    @wiring.app.agent(wiring.raw, name="passthrough")
    async def forward(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            message = event.message
            origin = f"{message.topic}:{message.partition}:{message.offset}".encode()
            await wiring.enriched.send(
                key=event.key, value=event.value, headers=[(ORIGIN_HEADER, origin)]
            )

    worker = faust.Worker(wiring.app, loglevel=settings.log_level.upper(), quiet=True)
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
