"""Plan the locker banks of a portfolio of 12 buildings on a Dask cluster:
one plan per building, gathered as a pandas DataFrame.

    pip install 'locker[dask]'
    python examples/portfolio_dask.py [--quick] [--scheduler tcp://host:8786]

Without ``--scheduler`` it starts a LocalCluster of two worker processes on
this machine; with it, the same code runs on that cluster (every worker
needs the ``locker`` package installed). ``--quick``: smaller buildings, a
week each, two simulated years per composition, and the two workers as
threads of this process (quick to start; the plans release the GIL, so
they still run in parallel). The full run plans each building for a
quarter year, ten simulated years per composition: a minute or two on two
cores.
"""

import argparse
from typing import Dict, List, Tuple

import locker
from locker.types import Building

#: (name, units, parcels per unit per month) of each building.
PORTFOLIO: List[Tuple[str, int, float]] = [
    ("Elm Court", 40, 18),
    ("Harbour View", 420, 22),
    ("Mill Lofts", 90, 26),
    ("Station Tower", 600, 20),
    ("Park Row", 150, 16),
    ("Canal Wharf", 260, 24),
    ("Orchard Mews", 30, 12),
    ("Bridge House", 180, 20),
    ("Quarry Heights", 340, 19),
    ("Linden Place", 70, 30),
    ("North Gate", 220, 15),
    ("Saint Anne's", 120, 21),
]


def buildings(quick: bool) -> Dict[str, Building]:
    """The portfolio as building dicts, each with its own seed."""
    days, scale = (7, 10) if quick else (91, 1)
    return {
        name: {
            "units": max(units // scale, 5),
            "parcels_per_unit_per_month": rate,
            "days": days,
            "seed": seed,
        }
        for seed, (name, units, rate) in enumerate(PORTFOLIO)
    }


def main() -> None:
    """Runs the example."""
    parser = argparse.ArgumentParser(description="Plans the locker banks of a portfolio of buildings on Dask.")
    parser.add_argument("--quick", action="store_true", help="small buildings and few simulations")
    parser.add_argument("--scheduler", help="a running cluster's scheduler address (default: a LocalCluster)")
    args = parser.parse_args()
    try:
        from distributed import Client, LocalCluster

        from locker.portfolio import plan_portfolio
    except ImportError:
        raise SystemExit("this example needs dask.distributed and pandas: pip install 'locker[dask]'") from None

    request = {"target_overflow_rate": 0.02, "seeds": 2 if args.quick else 10}
    portfolio = buildings(args.quick)
    if args.scheduler:
        with Client(args.scheduler) as client:
            table = plan_portfolio(portfolio, request, client)
    else:
        with (
            LocalCluster(n_workers=2, threads_per_worker=1, processes=not args.quick, dashboard_address=":0") as cluster,
            Client(cluster) as client,
        ):
            table = plan_portfolio(portfolio, request, client)

    print(f"{len(table)} buildings planned for overflow at or under {request['target_overflow_rate']:.0%}:")
    print(table.drop(columns=["error"]).to_string(float_format=lambda x: f"{x:.3f}"))
    feasible = table[table["feasible"]]
    print(f"portfolio: {feasible['doors'].sum()} doors, {feasible['evaluations'].sum()} simulations")
    for name, error in table.loc[~table["feasible"], "error"].items():
        print(f"{name}: {error}")


if __name__ == "__main__":
    main()
