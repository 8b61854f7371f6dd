"""The errors newswire raises, as a small tree.

    NewswireError          anything newswire itself refuses
    ├── ConfigError        a setting is missing, malformed or unknown (names it)
    └── BrokerError        Kafka cannot be reached or refuses us

Bad *input* is not an exception: a raw message that cannot be accepted becomes
a `Rejection` value (see `workers.pipeline.parse`), then a dead letter.
"""

from __future__ import annotations


class NewswireError(Exception):
    """Base of every error newswire raises on purpose."""


class ConfigError(NewswireError):
    """A setting is wrong; the message names the variable and what is expected."""

    def __init__(self, name: str, value: object, expected: str) -> None:
        self.name = name
        self.value = value
        super().__init__(f"{name}={value!r}: {expected}")


class BrokerError(NewswireError):
    """Kafka could not be reached, or refused a request."""

    def __init__(self, bootstrap: str, reason: str) -> None:
        self.bootstrap = bootstrap
        super().__init__(f"Kafka at {bootstrap}: {reason}")
