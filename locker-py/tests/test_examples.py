"""The examples run as a user would run them (on small buildings)."""

import importlib.util
import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_simulate_month_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "utilization.png"
    monkeypatch.setattr(sys, "argv", ["simulate_month.py", str(png)])
    runpy.run_path(str(EXAMPLES / "simulate_month.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "overflow" in out and "peak occupancy" in out
    assert png.exists() == ("saved" in out)


#: A building small enough for a debug build, and few simulated years.
QUICK = ["--units", "60", "--days", "14", "--seeds", "3"]


def run_plot_building(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["plot_building.py", *QUICK, "--out", str(tmp_path)])
    runpy.run_path(str(EXAMPLES / "plot_building.py"), run_name="__main__")


def test_plot_building_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run_plot_building(tmp_path, monkeypatch)
    out = capsys.readouterr().out
    assert "doors against coverage" in out and "p10" in out
    assert "23:00" in out  # the occupancy of every hour of day
    pngs = [tmp_path / "coverage.png", tmp_path / "occupancy.png"]
    if importlib.util.find_spec("matplotlib") is not None:
        assert all(png.stat().st_size > 0 for png in pngs), out
        assert "saved" in out
    else:
        assert not any(png.exists() for png in pngs)


def test_plot_building_example_without_matplotlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A None entry in sys.modules makes `import matplotlib` raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    run_plot_building(tmp_path, monkeypatch)
    out = capsys.readouterr().out
    assert "doors against coverage" in out
    assert "pip install 'locker[plot]'" in out
    assert list(tmp_path.iterdir()) == []


def run_portfolio_dask(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> None:
    monkeypatch.setattr(sys, "argv", ["portfolio_dask.py", "--quick", *args])
    runpy.run_path(str(EXAMPLES / "portfolio_dask.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "12 buildings planned" in out
    assert "Station Tower" in out and "doors_XL" in out
    assert "portfolio: " in out and " doors, " in out


needs_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason="needs dask.distributed")


@needs_dask
def test_portfolio_dask_example(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run_portfolio_dask(monkeypatch, capsys)


@needs_dask
def test_portfolio_dask_example_on_a_running_cluster(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # --scheduler connects to a cluster started elsewhere (here, in this
    # process) instead of starting one.
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as cluster:
        run_portfolio_dask(monkeypatch, capsys, "--scheduler", cluster.scheduler_address)


def test_portfolio_dask_example_without_dask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    monkeypatch.setattr(sys, "argv", ["portfolio_dask.py", "--quick"])
    with pytest.raises(SystemExit, match=r"pip install 'locker\[dask\]'"):
        runpy.run_path(str(EXAMPLES / "portfolio_dask.py"), run_name="__main__")


needs_arrow_engines = pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in ("duckdb", "polars", "pyarrow")),
    reason="needs duckdb, polars and pyarrow",
)


@needs_arrow_engines
def test_fleet_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # The small form: 20 banks, three days each (the tests run a dev build,
    # where a month of each would take minutes).
    out = tmp_path / "fleet"
    monkeypatch.setattr(sys, "argv", ["fleet.py", "--banks", "20", "--days", "3", "--out", str(out)])
    runpy.run_path(str(EXAMPLES / "fleet.py"), run_name="__main__")
    printed = capsys.readouterr().out
    assert "20 banks, " in printed and "DuckDB answers" in printed
    assert "the 20 banks with the worst p90 dwell" in printed
    assert "Polars agrees with DuckDB" in printed
    assert sorted(p.name for p in out.iterdir()) == [f"bank_id=bank-{i:04}" for i in range(20)]
