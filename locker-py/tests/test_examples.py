"""The month simulation example runs as a user would run it."""

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
