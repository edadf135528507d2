"""Bank configurations, allocation and packing."""

import json
from typing import Any, Dict

import pytest

import locker
from conftest import assigned, parcel


def test_default_bank_round_trips_through_json(bank_config: Dict[str, Any]) -> None:
    assert len(bank_config["compartments"]) == 105
    text = locker.bank_config_to_json(bank_config)
    assert locker.bank_config_from_json(text) == bank_config
    assert json.loads(text) == bank_config


def test_validation_fills_defaults() -> None:
    config = {
        "name": "Lobby",
        "compartments": [
            {
                "id": 1,
                "label": "A1",
                "size_class": "A",
                "inner": {"width_mm": 380, "depth_mm": 640, "height_mm": 80},
                "max_weight_g": 25000,
                "position": {"column": 0, "row": 0},
            }
        ],
    }
    full = locker.validate_bank_config(config)
    assert full["clearance_mm"] == 10
    assert full["policy"] == {"reserve_largest": 1, "consolidate": True}


def test_bad_configs_raise_config_error_naming_the_field(bank_config: Dict[str, Any]) -> None:
    with pytest.raises(locker.ConfigError, match="compartments is empty"):
        locker.bank_config_from_json('{"name": "x", "compartments": []}')
    with pytest.raises(locker.ConfigError, match="line 1"):
        locker.bank_config_from_json("{")
    bank_config["compartments"][1]["id"] = bank_config["compartments"][0]["id"]
    with pytest.raises(locker.ConfigError, match="appears twice"):
        locker.Bank(bank_config)


def test_wrong_python_types_raise_type_or_value_error() -> None:
    with pytest.raises(TypeError, match="config: expected JSON data"):
        locker.Bank(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="config"):
        locker.Bank({"name": 3})
    with pytest.raises(TypeError, match="dict keys must be str"):
        locker.validate_bank_config({1: 2})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="not a finite number"):
        locker.validate_bank_config({"x": float("nan")})
    with pytest.raises(TypeError):
        locker.Bank(locker.default_bank()).locate("7")  # type: ignore[arg-type]


def test_allocate_store_release(bank_config: Dict[str, Any]) -> None:
    bank = locker.Bank(bank_config)
    outcome = bank.allocate({"parcel": parcel(1, 300, 250, 150, 2_000), "recipient": 42})
    assert outcome["outcome"] == "assigned"
    assert outcome["rule"] == "smallest_fit"
    door = outcome["compartment"]
    placement = bank.store(door, 42, parcel(1, 300, 250, 150, 2_000))
    assert placement["parcel"] == 1
    assert bank.locate(1) == door
    assert bank.parcel_count() == 1
    assert bank.free_count() == 104
    with pytest.raises(locker.BankError, match="already stored"):
        bank.store(door, 42, parcel(1))
    with pytest.raises(locker.AllocationError, match="already stored"):
        bank.allocate({"parcel": parcel(1), "recipient": 42})
    contents = bank.release(door)
    assert contents["recipient"] == 42
    assert [p["id"] for p in contents["parcels"]] == [1]
    with pytest.raises(locker.BankError, match="is empty"):
        bank.release(door)


def test_overflow_is_an_outcome_not_an_error() -> None:
    bank = locker.Bank(locker.default_bank())
    outcome = bank.allocate({"parcel": parcel(1, 2_000, 900, 800, 9_000), "recipient": 1})
    assert outcome["outcome"] == "overflow"
    assert outcome["reason"] == "nothing_fits"


def test_invalid_parcel_is_an_allocation_error() -> None:
    bank = locker.Bank(locker.default_bank())
    with pytest.raises(locker.AllocationError, match="weight"):
        bank.allocate({"parcel": parcel(1, weight_g=0), "recipient": 1})


def test_batch_plan_and_apply() -> None:
    bank = locker.Bank(locker.default_bank())
    requests = [{"parcel": parcel(i), "recipient": 5 if i < 3 else i} for i in range(1, 8)]
    plan = bank.plan_batch(requests)
    assert len(plan["assignments"]) == 7
    assert plan["strategy"] in {"grouped", "arrival_order"}
    bank.apply_batch(plan)
    assert bank.parcel_count() == 7
    doors = {d["spec"]["id"]: d for d in bank.compartments()}
    contents = doors[bank.locate(1) or 0]["contents"]
    assert contents is not None and contents["recipient"] == 5
    assert doors[bank.locate(1) or 0]["free"] is False
    assert sum(d["free"] for d in doors.values()) == bank.free_count()


def test_out_of_service_doors_are_skipped() -> None:
    bank = locker.Bank(locker.default_bank())
    first = bank.allocate({"parcel": parcel(1, 300, 200, 50, 500), "recipient": 1})
    bank.set_in_service(assigned(first), False)
    second = bank.allocate({"parcel": parcel(1, 300, 200, 50, 500), "recipient": 1})
    assert assigned(second) != assigned(first)
    with pytest.raises(locker.BankError, match="no compartment"):
        bank.set_in_service(9_999, True)


def test_packing() -> None:
    space = (370, 630, 400)
    parcels = [parcel(i, 300, 200, 100) for i in range(1, 6)]
    result = locker.pack(space, parcels)
    assert result["unplaced"] == []
    assert len(result["packing"]["placements"]) == 5
    assert locker.lower_bound(space, parcels) >= 1
    bins = locker.pack_bins((310, 210, 110), parcels)
    assert len(bins) == 5
    with pytest.raises(locker.PackError):
        locker.pack_bins((100, 100, 100), parcels)
    with pytest.raises(locker.GeometryError, match="space"):
        locker.pack((0, 1, 1), parcels)
    with pytest.raises(locker.GeometryError):
        locker.pack(space, [parcel(1, 0, 1, 1)])


def compartment(id: int, w: int, d: int, h: int) -> Dict[str, Any]:
    return {"id": id, "space": {"width_mm": w, "depth_mm": d, "height_mm": h}, "max_weight_g": 25_000}


def test_pack_into() -> None:
    compartments = [compartment(1, 370, 630, 400), compartment(2, 310, 210, 110)]
    parcels = [parcel(i, 300, 200, 100) for i in range(1, 6)]
    result = locker.pack_into(compartments, parcels, {"objective": "least_volume", "max_iterations": 2_000, "seed": 7})
    assert result["unplaced"] == []
    assert sum(len(b["packing"]["placements"]) for b in result["bins"]) == 5
    assert {b["compartment"] for b in result["bins"]} <= {1, 2}
    assert result == locker.pack_into(compartments, parcels, {"objective": "least_volume", "max_iterations": 2_000, "seed": 7})
    most = locker.pack_into(compartments[1:], parcels, {"objective": "most_parcels"})
    assert len(most["unplaced"]) == 4
    assert locker.pack_into([], parcels)["unplaced"] == [1, 2, 3, 4, 5]
    with pytest.raises(locker.PackError) as error:
        locker.pack_into(compartments, [parcel(1, 10, 10, 10), parcel(1, 10, 10, 10)])
    assert error.value.code == "duplicate_parcel"
    with pytest.raises(locker.PackError) as error:
        locker.pack_into([compartment(1, 10, 10, 10), compartment(1, 20, 20, 20)], parcels)
    assert error.value.code == "duplicate_compartment"
    with pytest.raises(locker.GeometryError, match=r"compartments\[1\]\.space"):
        locker.pack_into([compartment(1, 10, 10, 10), compartment(2, 0, 20, 20)], parcels)
    with pytest.raises(locker.InvalidArgumentError, match="unknown field"):
        locker.pack_into(compartments, parcels, {"objective": "most_parcels", "budget": 3})
    with pytest.raises(locker.InvalidArgumentError):
        locker.pack_into(compartments, parcels, {"objective": "fastest"})
