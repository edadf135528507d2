"""Journal analytics over a locker's journal."""

from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import locker
from conftest import NOW_S, advance, parcel
from locker import analytics


def busy_journal() -> Tuple[str, List[int]]:
    """Three deliveries: two collected (after 2 h and 5 h), one left."""
    doors_cfg = [c["id"] for c in locker.default_bank()["compartments"]]
    hw = locker.SimulatedHardware(doors_cfg, seed=1, now_s=NOW_S)
    lk = locker.Locker(hw)
    session = lk.courier_sign_in(lk.issue_courier_code(1, 86_400))
    doors, pins = [], []
    for pid in (1, 2, 3):
        drop = lk.deposit(session, {"parcel": parcel(pid), "recipient": 10 + pid})
        door = drop["compartment"]
        hw.open_door(door)
        hw.put_parcel(door)
        hw.close_door(door)
        lk.door_closed(door)
        doors.append(door)
        pins.append(next(e["pin"] for e in lk.take_events() if e["type"] == "parcel_ready"))
    for index, hours in ((0, 2), (1, 5)):
        advance(lk, hw, NOW_S + hours * 3600 - hw.now_s())
        lk.pickup_pin(pins[index], unit=11 + index)
        hw.open_door(doors[index])
        hw.take_parcel(doors[index])
        hw.close_door(doors[index])
        lk.door_closed(doors[index])
    return lk.journal_text(), doors


def test_load_and_rows(tmp_path: Path) -> None:
    text, _ = busy_journal()
    records = analytics.load(text)
    path = tmp_path / "journal.jsonl"
    path.write_text(text, encoding="utf-8")
    assert analytics.load_file(path) == records
    rows = analytics.to_rows(records)
    assert rows[0]["type"] == "configured"
    assert [r["parcel_id"] for r in rows if r["type"] == "deposit_opened"] == [1, 2, 3]


def test_dwell_and_stays() -> None:
    records = analytics.load(busy_journal()[0])
    stays = analytics.parcel_stays(records)
    assert [s["outcome"] for s in stays] == ["picked_up", "picked_up", "in_locker"]
    dwell = analytics.dwell_stats(records)
    assert dwell["count"] == 2
    assert dwell["max_h"] == pytest.approx(5.0)
    assert dwell["by_outcome"] == {"picked_up": 2, "in_locker": 1}


def test_utilization_overflow_and_hours() -> None:
    records = analytics.load(busy_journal()[0])
    util = analytics.utilization(records)
    assert set(util) == {"A", "B", "C", "XL"}
    assert 0 < util["B"] <= 1  # 100 mm parcels go to B doors
    assert util["A"] == util["XL"] == 0
    over = analytics.overflow(records)
    assert over["opened"] == over["committed"] == 3
    assert over["refused"] == {} and over["refusal_rate"] == 0.0
    hours = analytics.pickups_by_hour(records)
    assert sum(hours) == 2 and len(hours) == 24
    summary: Dict[str, Any] = analytics.summary(records)
    assert summary["records"] == len(records)


def test_dataframe_when_pandas_is_installed() -> None:
    pandas = pytest.importorskip("pandas")
    frame = analytics.to_dataframe(analytics.load(busy_journal()[0]))
    assert isinstance(frame, pandas.DataFrame)
    assert "at_s" in frame.columns


def test_refused_parcels_are_counted_from_the_journal() -> None:
    doors_cfg = [c["id"] for c in locker.default_bank()["compartments"]]
    hw = locker.SimulatedHardware(doors_cfg, seed=1, now_s=NOW_S)
    lk = locker.Locker(hw)
    session = lk.courier_sign_in(lk.issue_courier_code(1, 86_400))
    huge = {"id": 7, "size": {"width_mm": 2000, "depth_mm": 300, "height_mm": 300}, "weight_g": 5000}
    drop = lk.deposit(session, {"parcel": huge, "recipient": 12})
    assert drop["outcome"] == "overflow" and drop["reason"] == "nothing_fits"
    door = lk.deposit(session, {"parcel": parcel(8), "recipient": 12})["compartment"]
    lk.cancel_deposit(door)
    records = analytics.load(lk.journal_text())
    refusal = records[-3]["entry"]
    assert list(refusal) == ["type", "parcel", "recipient", "carrier", "reason"]
    assert refusal["type"] == "deposit_overflowed"
    assert refusal["parcel"]["id"] == 7 and refusal["parcel"]["size"] == huge["size"]
    assert (refusal["recipient"], refusal["carrier"], refusal["reason"]) == (12, 1, "nothing_fits")
    over = analytics.overflow(records)
    assert over["refused"] == {"nothing_fits": 1}
    assert over["refusal_rate"] == pytest.approx(0.5)
    # Tried again: two refusals, still one parcel of the two offered.
    lk.deposit(session, {"parcel": huge, "recipient": 12})
    again_over = analytics.overflow(analytics.load(lk.journal_text()))
    assert again_over["refused"] == {"nothing_fits": 2}
    assert again_over["refusal_rate"] == pytest.approx(0.5)
    assert over["aborted"] == {"cancelled": 1}
    # The journal still replays to the locker it came from.
    hw_again = locker.SimulatedHardware(doors_cfg, seed=1, now_s=NOW_S)
    again = locker.Locker.restore(lk.keys(), hw_again, records)
    assert again.doors() == lk.doors()
