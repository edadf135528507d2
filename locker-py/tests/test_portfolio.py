"""Portfolio planning on Dask (``locker.portfolio``): one plan per building
on a LocalCluster, gathered as a table; without Dask the package works
and the module says what to install."""

import importlib.util
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any, Dict, Iterator, Mapping, cast

import pytest

import locker
from locker import portfolio
from locker.types import Building, Plan

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

needs_dask = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="needs dask.distributed: pip install 'locker[dask]'"
)
needs_pandas = pytest.mark.skipif(importlib.util.find_spec("pandas") is None, reason="needs pandas")

#: Small buildings of different sizes (a debug build plans each in well
#: under a second), and a request with few simulated years.
BUILDINGS: Dict[str, Building] = {
    "court": {"units": 20, "days": 7, "seed": 1},
    "tower": {"units": 70, "days": 7, "seed": 2},
    "mews": {"units": 40, "days": 7, "seed": 3, "parcels_per_unit_per_month": 30},
}
REQUEST: Dict[str, Any] = {"seeds": 2, "target_overflow_rate": 0.05}


@pytest.fixture(scope="module")
def plans() -> Dict[str, Plan]:
    """Each building planned here, one after another: what the cluster must give."""
    return {name: locker.plan(building, REQUEST) for name, building in BUILDINGS.items()}


@pytest.fixture(scope="module")
def cluster() -> Iterator["LocalCluster"]:
    """Two workers of one thread in this process (quick to start); closed
    with the module, after the clients."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        yield cluster


@pytest.fixture
def client(cluster: "LocalCluster") -> Iterator["Client"]:
    """A client of the cluster that is not the default one, closed after
    each test."""
    from distributed import Client

    with Client(cluster, set_as_default=False) as client:
        yield client


def check_table(table: Any, plans: Mapping[str, Plan]) -> None:
    """The table has the plans' numbers, one row per building in order."""
    import pandas  # type: ignore[import-untyped,unused-ignore]

    assert list(table.index) == list(BUILDINGS) and table.index.name == "building"
    for name, plan in plans.items():
        row = table.loc[name]
        assert row["feasible"] and row["error"] is pandas.NA
        assert row["units"] == BUILDINGS[name]["units"] and row["days"] == 7
        assert row["doors"] == plan["doors"] == sum(row[f"doors_{c['size_class']}"] for c in plan["counts"])
        for count in plan["counts"]:
            assert row[f"doors_{count['size_class']}"] == count["count"]
        assert row["cost"] == plan["cost"]
        assert row["overflow_rate"] == plan["overflow_rate"] <= REQUEST["target_overflow_rate"]
        assert row["peak_occupancy"] == plan["result"]["peak_occupancy"]
        assert row["utilization"] == plan["result"]["utilization"]
        assert row["evaluations"] == plan["evaluations"]


@needs_dask
def test_the_table_has_one_row_per_building_with_its_plan(client: "Client", plans: Dict[str, Plan]) -> None:
    table = portfolio.plan_portfolio(BUILDINGS, REQUEST, client)
    check_table(table, plans)
    assert list(table.columns[: len(portfolio.COLUMNS)]) == portfolio.COLUMNS
    assert str(table["doors"].dtype) == "Int64" and str(table["feasible"].dtype) == "bool"
    # The buildings differ, and so do their plans.
    assert table["doors"].is_unique
    assert len(portfolio.plan_portfolio({}, REQUEST, client)) == 0


@needs_dask
def test_a_building_no_bank_serves_is_a_row_saying_why(client: "Client") -> None:
    buildings: Dict[str, Building] = {"small": BUILDINGS["court"], "big": {"units": 400, "days": 7}}
    table = portfolio.plan_portfolio(buildings, {"seeds": 2, "max_doors": 40}, client)
    assert table.loc["small", "feasible"] and table.loc["small", "doors"] <= 40
    big = table.loc["big"]
    assert not big["feasible"] and big["units"] == 400
    assert "no bank of at most 40 doors" in big["error"]
    assert big[["doors", "cost", "overflow_rate", "doors_A"]].isna().all()


@needs_dask
def test_a_bad_building_raises_its_error_naming_it(client: "Client") -> None:
    buildings: Dict[str, Building] = {"fine": BUILDINGS["court"], "empty": {"units": 0, "days": 7}}
    with pytest.raises(locker.SimError, match="units is 0") as error:
        portfolio.plan_portfolio(buildings, REQUEST, client)
    assert error.value.code == "invalid_field"
    if sys.version_info >= (3, 11):
        assert error.value.__notes__ == ["building 'empty'"]
    with pytest.raises(locker.InvalidArgumentError, match="unknown field"):
        portfolio.plan_portfolio({"typo": cast(Building, {"unit": 3})}, REQUEST, client)


@needs_dask
def test_submit_gives_a_future_per_building(client: "Client", plans: Dict[str, Plan]) -> None:
    futures = portfolio.submit(BUILDINGS, REQUEST, client)
    assert set(futures) == set(BUILDINGS)
    outcomes = {name: future.result() for name, future in futures.items()}
    assert outcomes == plans
    infeasible = portfolio.submit({"big": {"units": 400, "days": 7}}, {"seeds": 2, "max_doors": 40}, client)
    error = infeasible["big"].result()
    assert isinstance(error, locker.InfeasibleError) and error.code == "infeasible"


@needs_dask
def test_the_current_client_is_used_by_default(cluster: "LocalCluster", plans: Dict[str, Plan]) -> None:
    from distributed import Client

    with Client(cluster):
        check_table(portfolio.plan_portfolio(BUILDINGS, REQUEST), plans)


@needs_dask
def test_without_a_client_the_error_says_how_to_start_one() -> None:
    with pytest.raises(ValueError, match=r"no dask.distributed client: pass client=, or start one"):
        portfolio.plan_portfolio(BUILDINGS, REQUEST)


@needs_dask
def test_worker_processes_get_the_buildings_and_send_back_plans(plans: Dict[str, Plan]) -> None:
    # What a multi-machine cluster does: everything crosses a process
    # boundary by pickle. One worker process (quicker to start than two)
    # is enough for that.
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=":0") as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        pids = client.run(os.getpid)
        assert len(pids) == 1 and os.getpid() not in pids.values()
        check_table(portfolio.plan_portfolio(BUILDINGS, REQUEST, client), plans)
        # A locker simulation's keys stay on the worker: its result and
        # journal travel, its KeyRing does not.
        run = client.submit(locker.simulate_locker, {"units": 5, "days": 1})
        with pytest.raises(TypeError, match="KeyRing"):
            run.result()


@needs_pandas
def test_the_table_of_plans_computed_anywhere(plans: Dict[str, Plan]) -> None:
    check_table(portfolio.frame(BUILDINGS, plans), plans)
    empty = portfolio.frame({}, {})
    assert len(empty) == 0 and list(empty.columns) == portfolio.COLUMNS
    # A building that leaves units or days out has the defaults'.
    defaults = locker.default_building()
    table = portfolio.frame({"default": {}}, {"default": plans["court"]})
    assert (table.loc["default", "units"], table.loc["default", "days"]) == (defaults["units"], defaults["days"])


def test_without_dask_the_module_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes `import distributed` raise ImportError.
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"locker.portfolio needs dask.distributed: pip install 'locker\[dask\]'"):
        portfolio.plan_portfolio(BUILDINGS, REQUEST)
    with pytest.raises(ImportError, match=r"pip install 'locker\[dask\]'"):
        portfolio.submit(BUILDINGS, REQUEST)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"needs pandas for its table: pip install 'locker\[dask\]'"):
        portfolio.frame({}, {})


def test_the_package_works_without_dask() -> None:
    # A fresh interpreter where dask and pandas cannot be imported: the
    # package, locker.portfolio included, imports and plans.
    code = """
import sys
for name in ("dask", "distributed", "pandas"):
    sys.modules[name] = None
import locker, locker.analytics, locker.portfolio
assert locker.simulate({"units": 10, "days": 2})["arrivals"] > 0
loaded = [m for m in sys.modules if m.split(".")[0] in ("dask", "distributed", "pandas") and sys.modules[m]]
print(loaded)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
