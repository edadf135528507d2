"""Journal analytics over a locker's journal."""

from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import locker
from conftest import NOW_S, advance, opened, parcel
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
        door = opened(drop)
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
    assert [s["outcome"] for s in stays] == ["collected", "collected", "in_bank"]
    assert [s["dwell_s"] for s in stays] == [2 * 3600, 5 * 3600, None]
    assert stays[0]["size_class"] == "B" and stays[0]["recipient"] == 11
    dwell = analytics.dwell_stats(records)
    assert dwell["count"] == 2
    assert dwell["max_h"] == pytest.approx(5.0)
    assert dwell["median_h"] == pytest.approx(2.0)
    assert dwell["by_outcome"] == {"collected": 2, "in_bank": 1}
    assert len(dwell["histogram"]) == len(dwell["bucket_bounds_h"]) + 1
    # The journal's text reads the same as its records.
    assert analytics.dwell_stats(busy_journal()[0]) == dwell


def test_utilization_overflow_and_hours() -> None:
    records = analytics.load(busy_journal()[0])
    util = analytics.utilization(records)
    assert set(util) == {"A", "B", "C", "XL"}
    assert 0 < util["B"] <= 1  # 100 mm parcels go to B doors
    assert util["A"] == util["XL"] == 0
    over = analytics.overflow(records)
    assert over["opened"] == over["committed"] == over["stored"] == over["offered"] == 3
    assert over["refused"] == {} and over["refusal_rate"] == 0.0
    hours = analytics.pickups_by_hour(records)
    assert sum(hours) == 2 and len(hours) == 24
    summary: Dict[str, Any] = analytics.summary(records)
    assert summary["records"] == len(records)
    assert summary["stats"]["totals"]["parcels_collected"] == 2


def test_journal_stats_in_the_core() -> None:
    text, _ = busy_journal()
    stats = locker.journal_stats(text)
    assert stats == locker.journal_stats(analytics.load(text))
    totals = stats["totals"]
    assert (totals["parcels_stored"], totals["parcels_collected"], totals["parcels_in_bank_at_end"]) == (3, 2, 1)
    assert stats["occupancy"]["peak_occupied_doors"] == 3
    assert stats["occupancy"]["peak_at_s"] == NOW_S
    assert stats["pickups"]["pickups_by_channel"]["pin"] == 2
    assert stats["dwell"]["collected"]["p95_h"] == pytest.approx(5.0)
    # Hours of day follow the offset: 2 h after 22:13 UTC is 00:13 UTC,
    # 19:13 at UTC-5.
    local = locker.journal_stats(text, -5 * 3600)
    assert local["pickups"]["pickups_by_hour_of_day"][19] == 1
    assert local["utc_offset_s"] == -18_000
    with pytest.raises(locker.InvalidArgumentError) as refused:
        locker.journal_stats(text, 15 * 3600)
    assert refused.value.code == "invalid_argument"
    with pytest.raises(locker.ArgumentTypeError):
        locker.journal_stats(text, True)
    # A record that does not replay is named.
    records = analytics.load(text)
    with pytest.raises(locker.JournalError) as broken:
        locker.journal_stats(records[1:])
    assert broken.value.code == "replay" and broken.value.seq == 1
    with pytest.raises(locker.JournalError) as empty:
        locker.journal_stats([])
    assert empty.value.code == "empty_journal"
    # A window: only what happened in it.
    window = locker.journal_stats(records, from_s=NOW_S + 3 * 3600)
    assert window["totals"]["parcels_in_bank_at_start"] == 2
    assert window["totals"]["parcels_collected"] == 1


def interrupted_site() -> Tuple[locker.Locker, locker.SimulatedHardware, Any]:
    doors_cfg = [c["id"] for c in locker.default_bank()["compartments"]]
    hw = locker.SimulatedHardware(doors_cfg, seed=1, now_s=NOW_S)
    lk = locker.Locker(hw)
    return lk, hw, lk.courier_sign_in(lk.issue_courier_code(1, 86_400))


def test_an_interrupted_pickup_found_empty_is_collected_not_missing() -> None:
    """Issue 19: the old Python analytics counted this parcel missing; the
    core records it collected."""
    lk, hw, session = interrupted_site()
    door = opened(lk.deposit(session, {"parcel": parcel(1), "recipient": 12}))
    hw.open_door(door)
    hw.put_parcel(door)
    hw.close_door(door)
    lk.door_closed(door)
    pin = next(e["pin"] for e in lk.take_events() if e["type"] == "parcel_ready")
    advance(lk, hw, 3600)
    assert lk.pickup_pin(pin, unit=12) == [door]
    hw.open_door(door)
    hw.take_parcel(door)
    hw.close_door(door)
    # The sensor fails as the door closes: staff must look.
    hw.fail_calls("occupancy", "sensor_fault")
    lk.door_closed(door)
    lk.inspect(door, False)
    records = analytics.load(lk.journal_text())
    assert records[-1]["entry"]["type"] == "inspected"
    assert records[-1]["entry"]["found_parcels"] is False
    assert [s["outcome"] for s in analytics.parcel_stays(records)] == ["collected"]
    assert analytics.dwell_stats(records)["by_outcome"] == {"collected": 1}
    assert analytics.pickups_by_hour(records)[NOW_S // 3600 % 24 + 1] == 1
    totals = locker.journal_stats(records)["totals"]
    assert (totals["parcels_collected"], totals["parcels_missing"]) == (1, 0)


def test_a_drop_off_confirmed_by_inspection_is_stored() -> None:
    """Issue 19: the old Python analytics never counted a parcel staff
    found inside after an interrupted drop-off."""
    lk, hw, session = interrupted_site()
    door = opened(lk.deposit(session, {"parcel": parcel(1), "recipient": 12}))
    hw.open_door(door)
    hw.put_parcel(door)
    hw.close_door(door)
    hw.fail_calls("occupancy", "sensor_fault")
    lk.door_closed(door)
    lk.inspect(door, True)
    records = analytics.load(lk.journal_text())
    stays = analytics.parcel_stays(records)
    assert [(s["parcel"], s["outcome"]) for s in stays] == [(1, "in_bank")]
    over = analytics.overflow(records)
    assert (over["stored"], over["committed"], over["offered"]) == (1, 0, 1)
    totals = locker.journal_stats(records)["totals"]
    assert totals["parcels_stored_by_inspection"] == 1
    assert locker.journal_stats(records)["occupancy"]["peak_occupied_doors"] == 1


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
    door = opened(lk.deposit(session, {"parcel": parcel(8), "recipient": 12}))
    lk.cancel_deposit(door)
    records = analytics.load(lk.journal_text())
    refusal = records[-3]["entry"]
    assert list(refusal) == ["type", "parcel", "recipient", "carrier", "reason"]
    assert refusal["type"] == "deposit_overflowed"
    assert refusal["parcel"]["id"] == 7 and refusal["parcel"]["size"] == huge["size"]
    assert (refusal["recipient"], refusal["carrier"], refusal["reason"]) == (12, 1, "nothing_fits")
    over = analytics.overflow(records)
    assert over["refused"] == {"nothing_fits": 1}
    # The parcel whose drop-off was called off stayed with the courier: it
    # was never offered to a door, so the one refused is all that was.
    assert over["offered"] == 1
    assert over["refusal_rate"] == pytest.approx(1.0)
    assert over["by_carrier"] == {1: 1}
    # Tried again: two refusals, each an offer.
    lk.deposit(session, {"parcel": huge, "recipient": 12})
    again_over = analytics.overflow(analytics.load(lk.journal_text()))
    assert again_over["refused"] == {"nothing_fits": 2}
    assert again_over["refusal_rate"] == pytest.approx(1.0)
    assert over["aborted"] == {"cancelled": 1}
    # The journal still replays to the locker it came from.
    hw_again = locker.SimulatedHardware(doors_cfg, seed=1, now_s=NOW_S)
    again = locker.Locker.restore(lk.keys(), hw_again, records)
    assert again.doors() == lk.doors()
