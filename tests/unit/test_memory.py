import gc
import os

import pytest

from workers.ops.memory import _TRIM, YOUNG_COLLECTION_THRESHOLD, settle_collector, trim_heap


def test_settle_collector_freezes_what_is_loaded_and_collects_young_objects_less_often():
    threshold = gc.get_threshold()
    try:
        settle_collector()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


@pytest.mark.skipif(_TRIM is None, reason="the C library has no malloc_trim")
def test_trim_heap_returns_memory_freed_in_the_middle_of_the_heap():
    blocks = [bytes(2000) + os.urandom(8) for _ in range(40_000)]  # ~80 MB from malloc
    kept = blocks[::25]  # what stays pins the pages between the freed blocks
    del blocks
    assert trim_heap() > 20 * 2**20
    assert len(kept) == 1600
