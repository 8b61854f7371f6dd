"""Producers that fetch: feeds, news sitemaps and wire formats, polled into PREFIX.raw."""
