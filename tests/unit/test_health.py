from workers.health import ProgressWatch


def test_lag_without_progress_is_a_stall_after_the_threshold():
    watch = ProgressWatch(stall_seconds=60)
    assert not watch.observe("p0", None, lag=5, now=0)
    assert not watch.observe("p0", None, lag=5, now=59)
    assert watch.observe("p0", None, lag=5, now=60)


def test_progress_or_no_lag_resets_the_clock():
    watch = ProgressWatch(stall_seconds=60)
    watch.observe("p0", 10, lag=5, now=0)
    assert not watch.observe("p0", 11, lag=5, now=70)  # committed moved
    assert not watch.observe("p0", 11, lag=0, now=200)  # caught up
    assert not watch.observe("p0", 11, lag=3, now=230)
    assert watch.observe("p0", 11, lag=3, now=260)


def test_revoked_partitions_are_forgotten():
    watch = ProgressWatch(stall_seconds=60)
    watch.observe("p0", 1, lag=1, now=0)
    watch.keep_only(["p1"])
    assert not watch.observe("p0", 1, lag=1, now=100)  # a fresh start, not a stall
