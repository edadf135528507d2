"""Smoke tests: the package imports, and one core function answers."""

import re

import pytest

import locker


def test_version_is_the_crate_version() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:[-+.].*)?", locker.__version__)


def test_fits_returns_the_orientation_name() -> None:
    # A 600 mm long parcel needs a quarter turn to lie along the 640 mm depth.
    assert locker.fits((600, 100, 50), (380, 640, 80)) == "dwh"
    assert locker.fits((100, 100, 100), (200, 200, 200)) == "wdh"


def test_this_side_up_forbids_tipping() -> None:
    tall, flat = (100, 100, 300), (400, 400, 200)
    assert locker.fits(tall, flat, this_side_up=True) is None
    assert locker.fits(tall, flat) in {"whd", "hwd", "dhw", "hdw"}


def test_errors_derive_from_locker_error() -> None:
    assert issubclass(locker.GeometryError, locker.LockerError)
    assert issubclass(locker.LockerError, Exception)
    with pytest.raises(locker.GeometryError, match=r"space_dims: depth_mm is 0 mm"):
        locker.fits((1, 1, 1), (1, 0, 1))
    with pytest.raises(locker.LockerError, match="5000"):
        locker.fits((1, 1, 9_000), (1, 1, 1))


def test_errors_come_from_the_public_module() -> None:
    assert locker.LockerError.__module__ == "locker"
    assert locker.GeometryError.__module__ == "locker"


def test_negative_sizes_are_rejected_by_conversion() -> None:
    with pytest.raises(locker.InvalidArgumentError, match=r"parcel_dims\[0\]: -1 is out of range") as caught:
        locker.fits((-1, 1, 1), (1, 1, 1))
    assert caught.value.code == "invalid_argument"
    # Still a ValueError, as Python has a value out of range.
    assert isinstance(caught.value, ValueError)
