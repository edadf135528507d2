"""Size a locker bank for a 250-unit building: the fewest doors, and the
least cost at given prices, that keep overflow at or under 2 %.

    python examples/size_bank.py [bank.json]

Writes the cheapest bank's configuration as JSON, ready for the firmware.
examples/plot_building.py plots doors against coverage and the bank's day.
"""

import sys
import locker
from locker.types import Building, Plan

PRICES = {"A": 90.0, "B": 120.0, "C": 180.0, "XL": 320.0}


def show(title: str, plan: Plan) -> None:
    """Prints a plan."""
    counts = ", ".join(f"{c['count']} {c['size_class']}" for c in plan["counts"])
    result = plan["result"]
    print(f"{title}: {plan['doors']} doors ({counts}), cost {plan['cost']:.0f}")
    print(
        f"  overflow {result['overflow_rate']:.2%}, peak {result['peak_occupancy']} doors,"
        f" utilization {result['utilization']:.0%}, {plan['evaluations']} simulations"
    )


def main() -> None:
    """Runs the example."""
    path = sys.argv[1] if len(sys.argv) > 1 else "bank.json"
    # A quarter year is enough to see weekly peaks; the seed makes it repeatable.
    building: Building = {"units": 250, "days": 91, "seed": 7}
    fewest = locker.plan(building, {"target_overflow_rate": 0.02})
    show("fewest doors", fewest)

    classes = locker.default_classes()
    for cls in classes:
        cls["price"] = PRICES[cls["size_class"]]
    cheapest = locker.plan(
        building, {"classes": classes, "objective": "cost", "target_overflow_rate": 0.02}
    )
    show("least cost  ", cheapest)

    with open(path, "w", encoding="utf-8") as file:
        file.write(locker.bank_config_to_json(cheapest["config"]))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
