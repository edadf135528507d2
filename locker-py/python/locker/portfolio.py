"""Capacity planning for a portfolio of buildings on a Dask cluster.

One :func:`locker.plan` per building, run by ``dask.distributed``: the
same code on a :class:`distributed.LocalCluster` (a laptop) and on a
cluster of many machines. Dask schedules; this module only submits one
task per building and shapes the gathered plans into a table, one row per
building::

    from distributed import Client, LocalCluster
    from locker.portfolio import plan_portfolio

    buildings = {"north": {"units": 120, "days": 91}, "tower": {"units": 600, "days": 91}}
    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster) as client:
        table = plan_portfolio(buildings, {"target_overflow_rate": 0.02}, client)

On a multi-machine cluster, connect the client to its scheduler
(``Client("tcp://scheduler:8786")``); every worker needs the ``locker``
package installed (the same wheel as the client's). Buildings, requests
and plans are plain dicts, so they pickle; a plan releases the GIL and runs
its simulated years on all cores of its worker's machine.

Needs ``dask[distributed]`` and pandas: ``pip install 'locker[dask]'``.
Without them ``import locker.portfolio`` works, and its functions raise
:class:`ImportError` saying what to install; nothing else in the package
imports Dask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Union

from locker._locker import InfeasibleError, default_building, plan
from locker.types import Building, Plan

if TYPE_CHECKING:
    from distributed import Client, Future
    from pandas import DataFrame as _DataFrame  # type: ignore[import-untyped,unused-ignore]

__all__ = ["COLUMNS", "frame", "plan_portfolio", "submit"]

#: The columns of :func:`frame` and :func:`plan_portfolio`, before one
#: ``doors_<class>`` column per door class (``doors_A``, ...): ``feasible``
#: is ``False`` for a building that no bank within the request's
#: ``max_doors`` serves (its numbers are then missing and ``error`` says
#: why); ``overflow_rate`` is the plan's, at the request's percentile of
#: simulated years; ``peak_occupancy`` and ``utilization`` are those of
#: the plan's reported year.
COLUMNS = [
    "units",
    "days",
    "feasible",
    "doors",
    "cost",
    "overflow_rate",
    "peak_occupancy",
    "utilization",
    "evaluations",
    "error",
]

#: What a building's task gives back: its plan, or the reason none exists.
Outcome = Union[Plan, InfeasibleError]

_INSTALL = "pip install 'locker[dask]'"


def _distributed() -> Any:
    """The ``distributed`` module, or an ImportError saying what to install."""
    try:
        import distributed
    except ImportError as error:
        raise ImportError(f"locker.portfolio needs dask.distributed: {_INSTALL}") from error
    return distributed


def _pandas() -> Any:
    """The ``pandas`` module, or an ImportError saying what to install."""
    try:
        import pandas
    except ImportError as error:
        raise ImportError(f"locker.portfolio needs pandas for its table: {_INSTALL}") from error
    return pandas


def _plan_building(building: Building, request: Optional[Mapping[str, Any]]) -> Outcome:
    """One building's task, on a worker: its plan, or the InfeasibleError
    that says no bank within ``max_doors`` serves it (an answer about the
    building, so a row of the table; any other error fails the task)."""
    try:
        return plan(building, request)
    except InfeasibleError as error:
        return error


def _client(client: Optional[Client]) -> Client:
    """``client``, or the current ``distributed.Client``."""
    if client is not None:
        return client
    distributed = _distributed()
    try:
        current: Client = distributed.get_client()
    except ValueError as error:
        raise ValueError(
            "no dask.distributed client: pass client=, or start one first"
            " (Client(LocalCluster()) here, Client('tcp://scheduler:8786') on a cluster)"
        ) from error
    return current


def submit(
    buildings: Mapping[str, Building],
    request: Optional[Mapping[str, Any]] = None,
    client: Optional[Client] = None,
) -> Dict[str, Future[Outcome]]:
    """Submits one plan per building to the cluster and returns at once:
    a future per building id, whose result is the building's plan (a
    :class:`locker.types.Plan`) or the :class:`locker.InfeasibleError`
    that says none exists. For progress bars and ``as_completed``;
    :func:`plan_portfolio` waits and makes the table.

    ``request`` is :func:`locker.plan`'s, the same for every building;
    ``client`` is a ``distributed.Client``, by default the current one
    (``distributed.get_client()``)."""
    client = _client(client)
    plan_request = dict(request) if request is not None else None
    # Dask names each task after its function and arguments, so a building
    # planned twice with the same request is computed once.
    return {
        building_id: client.submit(_plan_building, building, plan_request)
        for building_id, building in buildings.items()
    }


def frame(buildings: Mapping[str, Building], outcomes: Mapping[str, Outcome]) -> _DataFrame:
    """The table of a portfolio's plans, however they were computed: one row
    per building (the index, named ``building``, in the order of
    ``buildings``), the :data:`COLUMNS`, then ``doors_<class>`` for every
    door class the plans name, in the order they name them. ``outcomes``
    maps each building id to its plan or its :class:`locker.InfeasibleError`
    (what :func:`submit`'s futures give). Integer columns are pandas'
    nullable ``Int64`` and ``error`` is a ``string`` column: missing
    (``pandas.NA``) where they do not apply."""
    pandas = _pandas()
    defaults = default_building()
    classes: List[str] = []
    for outcome in outcomes.values():
        if isinstance(outcome, InfeasibleError):
            continue
        for count in outcome["counts"]:
            if count["size_class"] not in classes:
                classes.append(count["size_class"])
    rows: List[Dict[str, Any]] = []
    for building_id, building in buildings.items():
        outcome = outcomes[building_id]
        row: Dict[str, Any] = {
            "building": building_id,
            "units": building.get("units", defaults["units"]),
            "days": building.get("days", defaults["days"]),
        }
        if isinstance(outcome, InfeasibleError):
            row.update(feasible=False, error=str(outcome))
        else:
            result = outcome["result"]
            counts = {c["size_class"]: c["count"] for c in outcome["counts"]}
            row.update(
                feasible=True,
                doors=outcome["doors"],
                cost=outcome["cost"],
                overflow_rate=outcome["overflow_rate"],
                peak_occupancy=result["peak_occupancy"],
                utilization=result["utilization"],
                evaluations=outcome["evaluations"],
                # A class the plan does not name has none of its doors.
                **{f"doors_{name}": counts.get(name, 0) for name in classes},
            )
        rows.append(row)
    doors = [f"doors_{name}" for name in classes]
    table = pandas.DataFrame(rows, columns=["building", *COLUMNS, *doors]).set_index("building")
    integers = ["units", "days", "doors", "peak_occupancy", "evaluations", *doors]
    types: Dict[str, str] = {column: "Int64" for column in integers}
    types.update(feasible="bool", cost="float64", overflow_rate="float64", utilization="float64", error="string")
    return table.astype(types)


def plan_portfolio(
    buildings: Mapping[str, Building],
    request: Optional[Mapping[str, Any]] = None,
    client: Optional[Client] = None,
) -> _DataFrame:
    """Plans every building on the Dask cluster and returns the table
    (:func:`frame`): one :func:`locker.plan` per building, the same
    ``request`` for all (a dict of ``PlanRequest`` fields, the defaults
    when ``None``), run by ``client`` (a ``distributed.Client``; by default
    the current one). Buildings are dicts of ``Building`` fields, keyed by
    a building id of your choosing.

    A building no bank within ``max_doors`` serves gets a row with
    ``feasible`` false and the reason in ``error``. Any other error (a bad
    building raises :class:`locker.SimError` or
    :class:`locker.InvalidArgumentError`) cancels the other tasks and is
    raised as the worker raised it, with the building id in its notes
    (Python 3.11 and later)."""
    client = _client(client)
    futures = submit(buildings, request, client)
    building_of = {id(future): building_id for building_id, future in futures.items()}
    for future in _distributed().as_completed(list(futures.values()), loop=client.loop):
        if future.status == "error":
            try:
                future.result()
            except Exception as error:
                client.cancel(list(futures.values()))
                if hasattr(error, "add_note"):  # Python 3.11 and later
                    error.add_note(f"building {building_of[id(future)]!r}")
                raise
    outcomes: List[Outcome] = client.gather(list(futures.values()))
    return frame(buildings, dict(zip(futures, outcomes)))
