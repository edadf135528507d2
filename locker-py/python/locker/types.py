"""Typed shapes of the dicts the simulation and the planner return.

They are ``TypedDict`` s: at run time the values are plain dicts (the
core's snake_case JSON); these classes only tell type checkers and readers
which keys there are. Every other structured value is typed as
``Dict[str, Any]``: its shape is the core's JSON, documented in the Rust
crate.
"""

from typing import Any, Dict, List, TypedDict

__all__ = [
    "ClassCount",
    "ClassStats",
    "DayStats",
    "DwellStats",
    "Plan",
    "SimResult",
]


class ClassStats(TypedDict):
    """What happened to one size class of doors in a simulation."""

    size_class: str
    doors: int
    utilization: float
    peak_occupied: int
    parcels: int


class DwellStats(TypedDict):
    """Hours parcels spent in the bank."""

    count: int
    mean_h: float
    median_h: float
    p90_h: float
    max_h: float


class DayStats(TypedDict):
    """One simulated day."""

    day: int
    weekday: int
    arrivals: int
    overflow: int
    peak_occupied: int


class SimResult(TypedDict):
    """What :func:`locker.simulate` returns."""

    days: int
    doors: int
    arrivals: int
    placed: int
    consolidated: int
    overflow: int
    overflow_full: int
    overflow_nothing_fits: int
    overflow_rate: float
    picked_up: int
    expired: int
    peak_occupancy: int
    utilization: float
    classes: List[ClassStats]
    dwell: DwellStats
    daily: List[DayStats]


class ClassCount(TypedDict):
    """Doors of one class in a plan."""

    size_class: str
    count: int
    price: float


class Plan(TypedDict):
    """What :func:`locker.plan` returns; ``config`` is a bank configuration."""

    counts: List[ClassCount]
    doors: int
    cost: float
    result: SimResult
    evaluations: int
    config: Dict[str, Any]
