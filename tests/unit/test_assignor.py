"""The decider keeps fewer raw partitions than any other worker (workers.stream.assignor)."""

from faust.assignor.client_assignment import ClientAssignment

from workers.stream.assignor import lighten_decider


def members(*raw: list[int], decider: int = 0) -> dict[str, ClientAssignment]:
    return {
        f"m{i}": ClientAssignment(
            actives={"raw": list(parts), "prepared": [0] if i == decider else []}, standbys={}
        )
        for i, parts in enumerate(raw)
    }


def raw_counts(assignments: dict[str, ClientAssignment]) -> list[int]:
    return [len(a.actives["raw"]) for a in assignments.values()]


def test_two_workers_split_one_and_three():
    assignments = members([0, 1], [2, 3])
    lighten_decider(assignments, "prepared", "raw")
    assert raw_counts(assignments) == [1, 3]
    assert sorted(p for a in assignments.values() for p in a.actives["raw"]) == [0, 1, 2, 3]


def test_the_decider_gives_to_the_least_loaded_until_it_has_fewer():
    assignments = members([2], [0, 3], [1], decider=2)
    lighten_decider(assignments, "prepared", "raw")
    assert raw_counts(assignments) == [2, 2, 0]
    assignments = members([0], [1], [2], [3], decider=1)
    lighten_decider(assignments, "prepared", "raw")
    assert raw_counts(assignments) == [2, 0, 1, 1]


def test_alone_or_without_a_decider_nothing_moves():
    alone = members([0, 1, 2, 3])
    lighten_decider(alone, "prepared", "raw")
    assert raw_counts(alone) == [4]
    nobody = members([0, 1], [2, 3], decider=9)
    lighten_decider(nobody, "prepared", "raw")
    assert raw_counts(nobody) == [2, 2]
