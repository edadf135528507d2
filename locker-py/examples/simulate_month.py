"""Simulate a month of a 300-unit building against the default bank and
save a utilization plot.

    python examples/simulate_month.py [utilization.png]

Prints overflow, peak occupancy, dwell and utilization per size class. With
matplotlib installed it also saves a PNG: utilization per size class (bars)
and the daily peak of occupied doors (line).
"""

import sys
import locker
from locker.types import Building, SimResult


def report(result: SimResult) -> None:
    """Prints the headline figures of a simulation result."""
    print(f"parcels delivered   {result['arrivals']}")
    print(f"overflow            {result['overflow']} ({result['overflow_rate']:.1%})")
    print(f"peak occupancy      {result['peak_occupancy']} of {result['doors']} doors")
    print(f"utilization         {result['utilization']:.1%}")
    dwell = result["dwell"]
    print(f"dwell               mean {dwell['mean_h']:.1f} h, median {dwell['median_h']:.1f} h, p90 {dwell['p90_h']:.1f} h")
    for cls in result["classes"]:
        print(f"  {cls['size_class']:>3}: {cls['doors']:3} doors, {cls['utilization']:.1%} used, peak {cls['peak_occupied']}")


def plot(result: SimResult, path: str) -> bool:
    """Saves the plot to `path`; False when matplotlib is not installed."""
    try:
        import matplotlib  # type: ignore[import-not-found,unused-ignore]

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return False
    fig, (bars, line) = plt.subplots(1, 2, figsize=(11, 4))
    names = [c["size_class"] for c in result["classes"]]
    bars.bar(names, [100 * c["utilization"] for c in result["classes"]], color="#4c72b0")
    bars.set_ylabel("time-averaged utilization (%)")
    bars.set_title("Utilization per size class")
    days = [d["day"] for d in result["daily"]]
    line.plot(days, [d["peak_occupied"] for d in result["daily"]], label="peak occupied doors")
    line.plot(days, [d["overflow"] for d in result["daily"]], label="overflow parcels")
    line.axhline(result["doors"], color="grey", linestyle=":", label="doors")
    line.set_xlabel("day")
    line.set_title("Day by day")
    line.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return True


def main() -> None:
    """Runs the example."""
    path = sys.argv[1] if len(sys.argv) > 1 else "utilization.png"
    building: Building = {"units": 300, "days": 30, "seed": 2026}
    result = locker.simulate(building, locker.default_bank())
    report(result)
    if plot(result, path):
        print(f"saved {path}")
    else:
        print("matplotlib is not installed: no plot (pip install matplotlib)")


if __name__ == "__main__":
    main()
