"""The reworked building model: seasons, peaks, carriers and their rounds,
heavy receivers, residents away; and ``simulate_locker``, the same
simulation through a real locker, whose journal the analytics read."""

from typing import Any, Callable, Dict, cast

import pytest

import locker
from conftest import ticks_during
from locker.types import Building, LockerSimulation

#: Midnight, 1 January 2026 UTC: day 0 of a building that starts on 1 January.
YEAR_START_S = 1_767_225_600


def building(**fields: Any) -> Building:
    """A small building (quick in a debug build), with the given fields."""
    base: Dict[str, Any] = {"units": 60, "days": 14, "seed": 3}
    base.update(fields)
    return cast(Building, base)


@pytest.fixture(scope="module")
def run() -> LockerSimulation:
    """A fortnight of 150 units against the default bank (105 doors): busy
    enough to overflow, to return and to extend."""
    return locker.simulate_locker(building(units=150, start_day_of_year=330))


def test_the_default_building_has_every_new_field() -> None:
    default = locker.default_building()
    assert len(default["season"]) == 12
    assert len(default["collection_hour_weights"]) == 24
    assert [c["name"] for c in default["carriers"]] == ["postal", "parcel network", "grocery and same-day"]
    assert all(len(c.get("size_shares", [])) == len(default["size_mix"]) for c in default["carriers"])
    assert {p["name"] for p in default["peaks"]} >= {"after Black Friday", "Christmas"}
    assert sum(g["share"] for g in default["receivers"]) > 0
    assert set(default["away"]) == {"trips_per_unit_per_year", "min_days", "max_days", "hold_percent"}
    for field in ("growth_percent_per_year", "start_day_of_year", "extension_percent", "extension_h", "max_dwell_h"):
        assert field in default
    # Given back, every default field means what leaving it out means.
    given: Dict[str, Any] = {**default, "units": 60, "days": 14, "seed": 3}
    assert locker.simulate(cast(Building, given)) == locker.simulate(building())


def test_the_result_has_every_new_field(run: LockerSimulation) -> None:
    result = run["result"]
    assert len(result["occupancy_by_hour"]) == 24
    assert max(result["occupancy_by_hour"]) <= result["peak_occupancy"]
    assert 0 <= result["peak_at_h"] <= 24 * result["days"]
    assert [c["name"] for c in result["carriers"]] == ["postal", "parcel network", "grocery and same-day"]
    assert sum(c["arrivals"] for c in result["carriers"]) == result["arrivals"]
    assert sum(c["overflow"] for c in result["carriers"]) == result["overflow"]
    assert result["dwell"]["p90_h"] <= result["dwell"]["p95_h"] <= result["dwell"]["max_h"]
    assert result["extensions"] > 0 and result["holds"] > 0
    daily = result["daily"]
    assert sum(d["collected"] for d in daily) == result["picked_up"]
    assert sum(d["returned"] for d in daily) == result["expired"]
    assert all(0 <= d["peak_hour"] <= 23 for d in daily)
    # Without carriers, one anonymous carrier brings everything.
    plain = locker.simulate(building(carriers=[]))
    assert plain["carriers"] == [{"name": "", "arrivals": plain["arrivals"], "overflow": plain["overflow"]}]


def test_the_journal_verifies_and_its_statistics_agree_with_the_result(run: LockerSimulation) -> None:
    result, journal = run["result"], run["journal"]
    # With the site keys every record's MAC is checked.
    verified = locker.verify_journal(journal, run["keys"])
    assert verified["authenticated_through"] == verified["chain"]["next_seq"] - 1
    read = locker.read_journal(journal, run["keys"])
    assert read["torn_tail"] is None and len(read["records"]) == verified["chain"]["next_seq"]

    stats = locker.journal_stats(journal)
    totals = stats["totals"]
    assert stats["first_at_s"] == YEAR_START_S + 330 * 86_400
    assert totals["parcels_offered"] == result["arrivals"]
    assert totals["parcels_stored"] == result["placed"]
    assert totals["parcels_consolidated"] == result["consolidated"]
    assert totals["parcels_overflowed"] == result["overflow"] == stats["overflow"]["total"]
    assert stats["overflow"]["by_reason"]["full"] == result["overflow_full"] > 0
    assert stats["overflow"]["by_reason"]["nothing_fits"] == result["overflow_nothing_fits"]
    assert totals["parcels_collected"] == result["picked_up"]
    # The simulation counts a parcel expired when the locker sends it back;
    # the journal counts it returned when its carrier takes it out (at the
    # horizon some may still wait for the carrier's next round).
    assert 0 < totals["parcels_returned"] <= result["expired"]
    assert totals["parcels_missing"] == 0 and totals["parcels_in_bank_at_start"] == 0
    assert totals["parcels_in_bank_at_end"] == result["placed"] - result["picked_up"] - totals["parcels_returned"]
    occupancy = stats["occupancy"]
    assert occupancy["doors"] == result["doors"]
    assert occupancy["peak_occupied_doors"] == result["peak_occupancy"]
    assert occupancy["peak_at_s"] == stats["first_at_s"] + round(result["peak_at_h"] * 3600)
    # The journal is observed to its last record, the simulation to its
    # horizon: the hours of day agree within a door.
    for simulated, journaled in zip(result["occupancy_by_hour"], occupancy["mean_occupied_doors_by_hour"]):
        assert simulated == pytest.approx(journaled, abs=1.0)
    assert stats["utilization"]["all"] == pytest.approx(result["utilization"], abs=0.01)


def test_simulate_locker_is_deterministic() -> None:
    first = locker.simulate_locker(building(days=3))
    second = locker.simulate_locker(building(days=3))
    assert first["result"] == second["result"]
    assert first["journal"] == second["journal"]
    assert locker.simulate_locker(building(days=3, seed=4))["journal"] != first["journal"]


def test_fast_and_full_simulations_agree_within_noise() -> None:
    # 150 units on 34 doors: about a quarter of the parcels find no door.
    bank = locker.compose_bank(locker.default_classes(), [10, 12, 8, 4])
    year = building(units=150, days=21)
    fast = locker.simulate(year, bank)
    full = locker.simulate_locker(year, bank)["result"]
    assert fast["arrivals"] == full["arrivals"]  # the same parcels come
    assert fast["overflow_full"] > 0.1 * fast["arrivals"]
    assert full["overflow_rate"] == pytest.approx(fast["overflow_rate"], abs=0.03)
    assert full["overflow_full"] / full["arrivals"] == pytest.approx(fast["overflow_full"] / fast["arrivals"], abs=0.03)


def sim_error(field: str, **fields: Any) -> None:
    """Both simulations refuse the building with a SimError naming `field`."""
    for simulate in (locker.simulate, locker.simulate_locker):
        with pytest.raises(locker.SimError) as caught:
            cast(Callable[[Building], object], simulate)(building(**fields))
        assert caught.value.code == "invalid_field"
        assert str(caught.value).startswith(f"{field} is "), caught.value


def test_every_new_field_is_checked_by_name() -> None:
    sim_error("season", season=[0] * 12)
    sim_error("collection_hour_weights", collection_hour_weights=[0] * 24)
    sim_error("peaks[0].first_day_of_year", peaks=[{"name": "x", "first_day_of_year": 365, "days": 1, "factor_percent": 100}])
    sim_error("peaks[1].name", peaks=[{"name": "x", "first_day_of_year": 0, "days": 1, "factor_percent": 100}, {"name": "", "first_day_of_year": 0, "days": 1, "factor_percent": 100}])
    sim_error("peaks[0].days", peaks=[{"name": "x", "first_day_of_year": 0, "days": 0, "factor_percent": 100}])
    sim_error("growth_percent_per_year", growth_percent_per_year=-60.0)
    sim_error("start_day_of_year", start_day_of_year=365)
    sim_error("carriers[0].rounds[0]", carriers=[{"name": "a", "share": 1, "rounds": [10, 9]}])
    sim_error("carriers[0].rounds[1]", carriers=[{"name": "a", "share": 1, "rounds": [9, 10, 10]}])
    sim_error("carriers[0].rounds[0]", carriers=[{"name": "a", "share": 1, "rounds": [24]}])
    sim_error("carriers[0].name", carriers=[{"name": "", "share": 1, "rounds": [9]}])
    sim_error("carriers[0].rounds", carriers=[{"name": "a", "share": 1, "rounds": []}])
    sim_error("carriers[1].size_shares", carriers=[{"name": "a", "share": 1, "rounds": [9]}, {"name": "b", "share": 1, "rounds": [9], "size_shares": [1]}])
    sim_error("carriers[].share", carriers=[{"name": "a", "share": 0, "rounds": [9]}])
    sim_error("receivers[0].rate", receivers=[{"share": 1, "rate": 0}])
    sim_error("receivers[].share", receivers=[{"share": 0, "rate": 1}])
    sim_error("away.max_days", away={"min_days": 5, "max_days": 3})
    sim_error("away.trips_per_unit_per_year", away={"trips_per_unit_per_year": 53.0})
    sim_error("away.hold_percent", away={"hold_percent": 101})
    sim_error("extension_percent", extension_percent=101)
    sim_error("extension_h", extension_h=0)
    sim_error("max_dwell_h", max_dwell_h=10)


def shape_error(path: str, message: str, error: type = locker.InvalidArgumentError, **fields: Any) -> None:
    """Both simulations refuse the building before the core sees it, naming
    the path inside it."""
    for simulate in (locker.simulate, locker.simulate_locker):
        with pytest.raises(error) as caught:
            cast(Callable[[Building], object], simulate)(building(**fields))
        assert isinstance(caught.value, locker.InvalidArgumentError)
        assert caught.value.code == "invalid_argument"
        assert caught.value.argument == "building"
        assert str(caught.value).startswith(f"building.{path}: "), caught.value
        assert message in str(caught.value)


def test_shapes_and_types_are_refused_naming_the_field() -> None:
    shape_error("season", "invalid length 11", season=[1] * 11)
    shape_error("hour_weights[24]", "more entries than expected", hour_weights=[1] * 25)
    shape_error("carriers[0]", "unknown field `colour`", carriers=[{"name": "a", "share": 1, "rounds": [9], "colour": "red"}])
    shape_error("carriers[0]", "missing field `rounds`", carriers=[{"name": "a", "share": 1}])
    shape_error("away", "unknown field `weeks`", away={"weeks": 2})
    shape_error("units", 'invalid type: string "5"', units="5")
    shape_error("season[3]", "invalid type: null", season=[1, 1, 1, None] + [1] * 8)
    shape_error("peaks[0]", "invalid type: null", peaks=[None])
    shape_error("carriers[0].rounds[0]", "invalid value: integer `-1`", carriers=[{"name": "a", "share": 1, "rounds": [-1]}])
    shape_error("growth_percent_per_year", "not a finite number", growth_percent_per_year=float("nan"))
    # Objects that are not JSON data are wrong types (a TypeError too).
    shape_error("receivers[0]", "expected JSON data", locker.ArgumentTypeError, receivers=[object()])
    with pytest.raises(locker.ArgumentTypeError) as caught:
        locker.simulate_locker(object())  # type: ignore[arg-type]
    assert caught.value.argument == "building" and isinstance(caught.value, TypeError)
    with pytest.raises(locker.InvalidArgumentError, match="^bank"):
        locker.simulate_locker(building(), {"name": 3})
    with pytest.raises(locker.ConfigError):
        locker.simulate_locker(building(), {"name": "x", "compartments": []})


def test_simulate_locker_releases_the_gil() -> None:
    assert ticks_during(lambda: locker.simulate_locker(building(units=100, days=14))) > 5
