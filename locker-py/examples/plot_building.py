"""How many doors a building needs, and how busy they are through the day.

    python examples/plot_building.py [--units 250] [--days 91] [--seeds 10]
                                     [--coverage 0.95] [--out .]

Prints the coverage curve (the doors that give each share of parcels a
door, in a median year and across years: p10 to p90) and the mean doors
occupied at each hour of day in the bank planned for ``--coverage``. With
matplotlib installed (``pip install 'locker[plot]'``) it also saves
``coverage.png`` (doors against coverage, with the p10-p90 band of the
simulated years) and ``occupancy.png`` (occupied doors by hour of day)
into ``--out``.
"""

import argparse
import os
from typing import List, Optional, Sequence, Tuple

import locker
from locker.types import Building, CoverageCurve, Plan

COVERAGES = [0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 1.0]


def show_curve(curve: CoverageCurve) -> None:
    """Prints doors against coverage."""
    print(f"doors against coverage ({curve['seeds']} simulated years each, {curve['evaluations']} simulations)")
    print("  coverage   doors (p90 year)   p10   p50   p90")
    for point in curve["points"]:
        doors = [point["doors"], point["doors_p10"], point["doors_p50"], point["doors_p90"]]
        cells = ["  -" if d is None else f"{d:3}" for d in doors]
        print(f"  {point['coverage']:7.0%}   {cells[0]:>16}   {cells[1]}   {cells[2]}   {cells[3]}")


def show_occupancy(plan: Plan) -> None:
    """Prints the mean doors occupied at each hour of day."""
    result = plan["result"]
    print(
        f"bank of {plan['doors']} doors: overflow {result['overflow_rate']:.1%}"
        f" ({result['overflow_full'] / max(result['arrivals'], 1):.1%} for want of a free door),"
        f" peak {result['peak_occupancy']} doors"
    )
    print("mean doors occupied by hour of day")
    for hour, occupied in enumerate(result["occupancy_by_hour"]):
        print(f"  {hour:02}:00 {occupied:6.1f} {'#' * round(40 * occupied / max(plan['doors'], 1))}")


def plot(curve: CoverageCurve, plan: Plan, out: str) -> Optional[List[str]]:
    """Saves the two plots into `out`; None when matplotlib is not installed."""
    try:
        import matplotlib  # type: ignore[import-not-found,unused-ignore]

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    # Coverages even max_doors doors do not reach are left out.
    coverage: List[float] = []
    planned: List[int] = []
    band: List[Tuple[int, int, int]] = []
    for point in curve["points"]:
        doors, p10, p50, p90 = point["doors"], point["doors_p10"], point["doors_p50"], point["doors_p90"]
        if doors is not None and p10 is not None and p50 is not None and p90 is not None:
            coverage.append(100 * point["coverage"])
            planned.append(doors)
            band.append((p10, p50, p90))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(
        coverage,
        [p10 for p10, _, _ in band],
        [p90 for _, _, p90 in band],
        alpha=0.3,
        label="p10-p90 of simulated years",
    )
    ax.plot(coverage, [p50 for _, p50, _ in band], linestyle="--", label="median year")
    ax.plot(coverage, planned, marker="o", label=f"planned (p{curve['percentile']:g} year)")
    ax.set_xlabel("parcels that get a door (%)")
    ax.set_ylabel("doors")
    ax.set_title("Doors against coverage")
    ax.legend()
    fig.tight_layout()
    coverage_png = os.path.join(out, "coverage.png")
    fig.savefig(coverage_png, dpi=120)
    plt.close(fig)

    result = plan["result"]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(range(24), result["occupancy_by_hour"], color="#4c72b0", label="mean occupied doors")
    ax.axhline(plan["doors"], color="grey", linestyle=":", label="doors")
    ax.set_xlabel("hour of day")
    ax.set_ylabel("doors")
    ax.set_xticks(range(0, 24, 3))
    ax.set_title(f"Occupancy through the day ({plan['doors']} doors)")
    ax.legend()
    fig.tight_layout()
    occupancy_png = os.path.join(out, "occupancy.png")
    fig.savefig(occupancy_png, dpi=120)
    plt.close(fig)
    return [coverage_png, occupancy_png]


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Runs the example."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=250)
    parser.add_argument("--days", type=int, default=91, help="days per simulated year (a quarter shows weekly peaks)")
    parser.add_argument("--seeds", type=int, default=10, help="simulated years per composition")
    parser.add_argument("--coverage", type=float, default=0.95, help="the coverage of the bank whose day is shown")
    parser.add_argument("--out", default=".", help="directory for the PNG files")
    args = parser.parse_args(argv)

    # The default building's carriers, peaks and residents; a seed makes it repeatable.
    building: Building = {"units": args.units, "days": args.days, "seed": 7}
    request = {"seeds": args.seeds}
    curve = locker.coverage_curve(building, request, COVERAGES)
    show_curve(curve)
    plan = locker.plan(building, {**request, "target_overflow_rate": 1 - args.coverage})
    show_occupancy(plan)

    saved = plot(curve, plan, args.out)
    if saved is None:
        print("matplotlib is not installed: no plots (pip install 'locker[plot]' or pip install matplotlib)")
    else:
        print("saved " + ", ".join(saved))


if __name__ == "__main__":
    main()
