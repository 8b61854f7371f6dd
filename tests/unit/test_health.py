from workers.ops.health import ProgressWatch


def test_lag_without_progress_is_a_stall_after_the_threshold():
    watch = ProgressWatch(stall_seconds=60)
    assert not watch.stalled(watch.observe("p0", None, lag=5, now=0))
    assert not watch.stalled(watch.observe("p0", None, lag=5, now=59))
    assert watch.stalled(watch.observe("p0", None, lag=5, now=60))
    assert watch.observe("p0", None, lag=5, now=900) == 900


def test_progress_or_no_lag_resets_the_clock():
    watch = ProgressWatch(stall_seconds=60)
    watch.observe("p0", 10, lag=5, now=0)
    assert watch.observe("p0", 11, lag=5, now=70) == 0  # committed moved
    assert watch.observe("p0", 11, lag=0, now=200) == 0  # caught up
    assert watch.observe("p0", 11, lag=3, now=230) == 30  # waiting since it caught up
    assert watch.stalled(watch.observe("p0", 11, lag=3, now=260))


def test_revoked_partitions_are_forgotten():
    watch = ProgressWatch(stall_seconds=60)
    watch.observe("p0", 1, lag=1, now=0)
    watch.keep_only(["p1"])
    assert watch.observe("p0", 1, lag=1, now=100) == 0  # a fresh start, not a stall


def test_a_stall_is_told_once_until_the_partition_moves_or_comes_back():
    watch = ProgressWatch(stall_seconds=60)
    watch.observe("p0", 1, lag=1, now=0)
    assert not watch.newly_stalled("p0", watch.observe("p0", 1, lag=1, now=30))
    assert watch.newly_stalled("p0", watch.observe("p0", 1, lag=1, now=60))
    assert not watch.newly_stalled("p0", watch.observe("p0", 1, lag=1, now=90))
    watch.observe("p0", 2, lag=1, now=100)  # it moved: a later stall is a new one
    assert watch.newly_stalled("p0", watch.observe("p0", 2, lag=1, now=160))
    watch.keep_only([])  # revoked while stalled, then assigned again and stalled again
    watch.observe("p0", 2, lag=1, now=200)
    assert watch.newly_stalled("p0", watch.observe("p0", 2, lag=1, now=260))
