"""Building simulation and capacity planning."""

import _thread
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Tuple, cast

import pytest

import locker
from conftest import ticks_during
from locker.types import Building


def small(**fields: Any) -> Building:
    building: Dict[str, Any] = {"units": 120, "days": 28, "seed": 3}
    building.update(fields)
    return cast(Building, building)


def test_defaults_match_the_issue() -> None:
    building = locker.default_building()
    assert building["parcels_per_unit_per_month"] == 20.0
    assert building["days"] == 365
    assert [c["size_class"] for c in locker.default_classes()] == ["A", "B", "C", "XL"]


def test_simulation_is_deterministic_and_consistent() -> None:
    first = locker.simulate(small())
    assert first == locker.simulate(small())
    assert first != locker.simulate(small(seed=4))
    assert first["arrivals"] == first["placed"] + first["overflow"]
    assert 0 <= first["overflow_rate"] <= 1
    assert first["peak_occupancy"] <= first["doors"] == 105
    assert {c["size_class"] for c in first["classes"]} == {"A", "B", "C", "XL"}
    assert len(first["daily"]) == 28
    assert set(first["dwell"]) == {"count", "mean_h", "median_h", "p90_h", "p95_h", "max_h"}


def test_a_bigger_bank_overflows_less() -> None:
    building = small(units=400)
    busy = locker.simulate(building)
    roomy = locker.simulate(building, locker.compose_bank(locker.default_classes(), [300, 300, 200, 60]))
    assert busy["overflow_rate"] > 0.2
    # Only parcels no door fits (the default mix's oversize ones) overflow.
    assert roomy["overflow_full"] == 0
    assert roomy["overflow"] == roomy["overflow_nothing_fits"] > 0


def test_bad_buildings_raise_sim_error() -> None:
    with pytest.raises(locker.SimError, match="units is 0"):
        locker.simulate(small(units=0))
    with pytest.raises(locker.SimError, match="at most 10000000 parcels"):
        locker.simulate({"units": 1_000_000, "parcels_per_unit_per_month": 1_000})
    with pytest.raises(ValueError, match="unknown field"):
        locker.simulate(small(unit=3))
    with pytest.raises(ValueError, match="building"):
        locker.simulate(small(units=-1))
    with pytest.raises(TypeError):
        locker.simulate(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expected struct Building"):
        locker.simulate("building")  # type: ignore[arg-type]
    with pytest.raises(locker.ConfigError):
        locker.simulate(small(), {"name": "x", "compartments": []})


def test_planner_meets_the_target() -> None:
    result = locker.plan(small(units=80), {"target_overflow_rate": 0.05, "seeds": 3})
    assert result["overflow_rate"] <= 0.05
    assert len(result["seed_overflow_rates"]) == 3
    assert max(result["seed_overflow_rates"]) == result["overflow_rate"]
    assert result["doors"] == sum(c["count"] for c in result["counts"])
    assert len(result["config"]["compartments"]) == result["doors"]
    year = small(units=80, seed=result["result_seed"])
    assert locker.simulate(year, result["config"]) == result["result"]


def test_progress_is_called_with_done_and_total() -> None:
    calls: List[Tuple[int, int]] = []
    result = locker.plan(small(units=60, days=14), {"seeds": 2}, progress=lambda done, total: calls.append((done, total)))
    assert len(calls) == result["evaluations"]
    assert [done for done, _ in calls] == list(range(1, len(calls) + 1))
    assert all(total >= done for done, total in calls)
    assert calls[-1] == (result["evaluations"], result["evaluations"])


def test_an_exception_from_progress_stops_the_plan() -> None:
    calls: List[int] = []

    def interrupt(done: int, total: int) -> None:
        calls.append(done)
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        locker.plan(small(units=60, days=14), {"seeds": 2}, progress=interrupt)
    assert calls == [1, 2, 3]

    def fail(done: int, total: int) -> None:
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        locker.coverage_curve(small(units=60, days=14), {"seeds": 2}, [0.9], progress=fail)


def test_ctrl_c_stops_a_plan_without_a_progress_callable() -> None:
    # interrupt_main() is what Ctrl-C does: the signal is checked after
    # every simulated year, with the GIL taken back for a moment.
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            locker.plan(small(units=200, days=120), {"seeds": 50, "target_overflow_rate": 0.0})
    finally:
        timer.cancel()
    assert time.monotonic() - started < 60


def test_wrong_arguments_are_refused() -> None:
    with pytest.raises(locker.ArgumentTypeError) as error:
        locker.plan(small(), {}, progress=3)  # type: ignore[arg-type]
    assert error.value.argument == "progress"
    assert isinstance(error.value, TypeError)
    with pytest.raises(locker.SimError) as sim_error:
        locker.plan(small(), {"seeds": 0})
    assert sim_error.value.code == "invalid_field"
    assert "seeds" in str(sim_error.value)
    with pytest.raises(locker.SimError, match="percentile"):
        locker.plan(small(), {"percentile": 0})
    with pytest.raises(locker.InvalidArgumentError):
        locker.plan(small(), {"seeds": "many"})
    with pytest.raises(locker.InvalidArgumentError):
        locker.coverage_curve(small(), {}, "all")  # type: ignore[arg-type]
    with pytest.raises(locker.SimError, match=r"coverages\[0\]"):
        locker.coverage_curve(small(), {}, [1.5])


def test_coverage_curve_is_monotone() -> None:
    curve = locker.coverage_curve(small(units=60, days=14), {"seeds": 3}, [0.8, 0.95, 1.0])
    doors = [p["doors"] for p in curve["points"]]
    known = [d for d in doors if d is not None]
    assert known == doors
    assert known == sorted(known)
    for point in curve["points"]:
        assert point["doors_p10"] <= point["doors_p50"] <= point["doors_p90"]  # type: ignore[operator]
    assert curve["seeds"] == 3 and curve["percentile"] == 90.0


def test_planner_by_cost_uses_prices() -> None:
    classes = locker.default_classes()
    for cls, price in zip(classes, [100.0, 100.0, 100.0, 1.0]):
        cls["price"] = price
    result = locker.plan(
        small(units=60),
        {"classes": classes, "objective": "cost", "target_overflow_rate": 0.05},
    )
    xl = next(c for c in result["counts"] if c["size_class"] == "XL")
    assert xl["count"] * 2 > result["doors"]


def test_infeasible_plans_raise() -> None:
    # Parcels no door class fits are left out of the planner's target (more
    # doors would not cure them): too few doors for the rest is infeasible.
    with pytest.raises(locker.InfeasibleError, match="at most 10 doors"):
        locker.plan(small(units=50), {"max_doors": 10, "target_overflow_rate": 0.01, "seeds": 2})
    assert issubclass(locker.InfeasibleError, locker.SimError)


def test_simulation_releases_the_gil() -> None:
    assert ticks_during(lambda: locker.simulate(small(units=300, days=120))) > 5


@pytest.mark.parametrize(
    "long_call",
    [
        lambda: locker.simulate(small(units=200, days=60)),
        lambda: locker.plan(small(units=60, days=14), {"seeds": 2}),
    ],
    ids=["simulate", "plan"],
)
def test_simulations_in_two_threads_run_at_the_same_time(long_call: Callable[[], object]) -> None:
    # Short simulations back to back in another thread while a long call
    # runs in this one. Were the GIL held through a call, the other thread
    # could run Python (and record a short one's end) only just before the
    # call and just after it; released, short ones keep ending throughout,
    # in the middle half of the long call too. A switch interval of 1 ms
    # (5 by default) keeps "just before" short next to a release build's
    # long call (some 30 ms).
    ends: List[float] = []
    stop = threading.Event()

    def short_ones() -> None:
        while not stop.is_set():
            locker.simulate(small(units=20, days=7))
            ends.append(time.perf_counter())

    interval_s = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    other = threading.Thread(target=short_ones)
    other.start()
    try:
        while not ends:  # the other thread is under way
            time.sleep(0.001)
        started = time.perf_counter()
        long_call()
        finished = time.perf_counter()
    finally:
        stop.set()
        other.join()
        sys.setswitchinterval(interval_s)
    quarter = (finished - started) / 4
    middle = [end for end in ends if started + quarter < end < finished - quarter]
    assert len(middle) >= 3, (len(middle), finished - started)
