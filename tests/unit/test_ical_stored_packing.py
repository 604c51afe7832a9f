"""The compact form of a stored placement: two integers per activity, losslessly."""

from __future__ import annotations

import pytest

from gateway.domain.rostering import ActivityStatus
from gateway.sync.ical_stored import _pack, _unpack


@pytest.mark.parametrize(("start", "end", "rooms", "status"), [
    (1_792_400_400, 1_792_405_800, 0, ActivityStatus.SCHEDULED),
    (1_792_400_400, 1_792_400_400, 7, ActivityStatus.CHANGED),
    (4_102_444_800, 4_102_444_800 + 86_400 * 30, (1 << 32) - 1, ActivityStatus.CANCELLED),
    (0, 60, 3, ActivityStatus.SCHEDULED),
])
def test_a_placement_packs_and_unpacks_unchanged(start: int, end: int, rooms: int,
                                                 status: ActivityStatus) -> None:
    assert _unpack(_pack(start, end, rooms, status)) == (start, end, rooms, status)


def test_distinct_placements_pack_distinctly() -> None:
    base = (1_792_400_400, 1_792_405_800, 2, ActivityStatus.SCHEDULED)
    variants = {_pack(*base), _pack(base[0] + 1, base[1] + 1, 2, base[3]),
                _pack(base[0], base[1] + 1, 2, base[3]), _pack(base[0], base[1], 3, base[3]),
                _pack(base[0], base[1], 2, ActivityStatus.CHANGED)}
    assert len(variants) == 5
