"""newswire: a streaming news-ingest worker."""

__version__ = "0.1.0"
