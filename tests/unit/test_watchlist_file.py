import logging
import os

import pytest

from workers.errors import ConfigError
from workers.stream.watchlist import WatchlistFile

GOOD = "watches: [{name: a, sources: [antara]}]"


def touch_later(path, text):
    """Write `text` with a newer mtime, so a change is seen however fast the test runs."""
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))


def test_reload_takes_a_good_file_and_refuses_a_bad_one_keeping_the_old(tmp_path, caplog):
    path = tmp_path / "watch.yaml"
    path.write_text(GOOD)
    watchlist = WatchlistFile(path)
    assert [w.name for w in watchlist.watches] == ["a"]
    assert watchlist.refresh() is False  # unchanged

    touch_later(path, "watches: [{name: b, languages: [id]}, {name: c, sources: [x]}]")
    assert watchlist.refresh() is True
    assert [w.name for w in watchlist.watches] == ["b", "c"]

    with caplog.at_level(logging.ERROR):
        touch_later(path, "watches: [{name: d}]")
        assert watchlist.refresh() is False
    assert [w.name for w in watchlist.watches] == ["b", "c"]
    assert "refused, the 2 watches read before stay in force" in caplog.text
    assert "give at least one of" in caplog.text

    path.unlink()  # gone: keep what is in force
    assert watchlist.refresh() is False and len(watchlist.watches) == 2


def test_a_bad_file_at_start_is_a_configuration_error(tmp_path):
    path = tmp_path / "watch.yaml"
    path.write_text("watches: [{name: a, match: sometimes, sources: [x]}]")
    with pytest.raises(ConfigError, match=r"NEWSWIRE_WATCHLIST.*'match' must be"):
        WatchlistFile(path)
