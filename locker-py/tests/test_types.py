"""The TypedDicts of :mod:`locker.types` say what the module returns: the
dicts of events, grants, delegations, doors and remote commands have
exactly the keys their TypedDict declares, with values of the declared
kinds (every ``Literal`` included), so a type checker's narrowing on
``event["type"]`` matches what runs."""

import typing
from typing import Any, Dict, List, Mapping, Optional, Union

import pytest

import locker
from conftest import NOW_S, parcel
from locker import types


def conforms(value: Any, hint: Any, where: str) -> None:
    """Asserts that `value` is of the type `hint` (a TypedDict, a Literal,
    a List, an Optional or a plain class), naming the path on failure."""
    origin = typing.get_origin(hint)
    if typing.is_typeddict(hint):
        assert isinstance(value, dict), f"{where}: {value!r} is no dict"
        required = hint.__required_keys__
        optional = hint.__optional_keys__
        assert required <= set(value) <= required | optional, (
            f"{where}: keys {sorted(value)}, declared {sorted(required)} + optional {sorted(optional)}"
        )
        hints = typing.get_type_hints(hint)
        for key, item in value.items():
            conforms(item, hints[key], f"{where}[{key!r}]")
    elif origin is typing.Literal:
        assert value in typing.get_args(hint), f"{where}: {value!r} not in {typing.get_args(hint)}"
    elif origin is Union:
        errors = []
        for option in typing.get_args(hint):
            try:
                conforms(value, option, where)
                return
            except AssertionError as error:
                errors.append(str(error))
        raise AssertionError(f"{where}: {value!r} is none of {hint}: {errors}")
    elif origin is list:
        assert isinstance(value, list), f"{where}: {value!r} is no list"
        (item,) = typing.get_args(hint)
        for i, element in enumerate(value):
            conforms(element, item, f"{where}[{i}]")
    elif hint is type(None):
        assert value is None, f"{where}: {value!r} is not None"
    elif hint is int:
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: {value!r} is no int"
    else:
        assert isinstance(value, hint), f"{where}: {value!r} is no {hint}"


def event_type(name: str) -> Any:
    """The TypedDict of the union `types.Event` whose `type` is `name`."""
    for option in typing.get_args(types.Event):
        if typing.get_args(typing.get_type_hints(option)["type"]) == (name,):
            return option
    raise AssertionError(f"no TypedDict for the event {name!r}")


def test_every_event_type_of_the_core_has_one_typeddict() -> None:
    names = [typing.get_args(typing.get_type_hints(option)["type"])[0] for option in typing.get_args(types.Event)]
    assert len(names) == len(set(names)) == 20


def test_events_doors_grants_and_commands_are_shaped_as_their_typeddicts() -> None:
    doors = [c["id"] for c in locker.default_bank()["compartments"]]
    hw = locker.SimulatedHardware(doors, seed=7, now_s=NOW_S)
    lk = locker.Locker(hw)
    seen: List[Mapping[str, Any]] = []

    def take() -> List[types.Event]:
        events = lk.take_events()
        for event in events:
            conforms(event, event_type(event["type"]), event["type"])
        seen.extend(events)
        return events

    session = lk.courier_sign_in(lk.issue_courier_code(1, 86_400))
    drop = lk.deposit(session, {"parcel": parcel(1), "recipient": 12})
    conforms(drop, types.DropOff, "drop-off")
    conforms(lk.deposit(session, {"parcel": parcel(2, 3_000), "recipient": 12}), types.DropOff, "overflow")
    assert drop["outcome"] == "opened"
    door: int = drop["compartment"]
    for state in lk.doors():
        conforms(state, types.Door, f"door {state['id']}")
    assert {d["task"] for d in lk.doors() if d["id"] == door} == {"deposit"}
    hw.open_door(door)
    hw.put_parcel(door)
    hw.close_door(door)
    lk.door_closed(door)
    ready = [e for e in take() if e["type"] == "parcel_ready"]
    assert len(ready) == 1
    delegation = lk.delegate({"delegator": 12, "scope": "all_parcels", "compartments": [], "expires_at_s": NOW_S + 3_600})
    conforms(delegation, types.Delegation, "delegation")
    assert lk.pickup_pin(ready[0]["pin"], unit=12) == [door]
    hw.open_door(door)
    hw.take_parcel(door)
    hw.close_door(door)
    lk.door_closed(door)
    # A door reported closed that the locker did not unlock: an alarm.
    with pytest.raises(locker.OperationError):
        lk.door_closed(door)
    take()
    assert {"parcel_ready", "collected", "unexpected_door_close"} <= {e["type"] for e in seen}

    keys = locker.KeyRing()
    keys.rotate()
    store = locker.CredentialStore({"remote": {"enabled": True}})
    pin, _ = store.issue_pin(keys, 12, [3], NOW_S + 3_600, NOW_S)
    conforms(store.verify_pin(keys, pin, NOW_S + 60, unit=12), types.Grant, "grant")
    request: Dict[str, Optional[Union[int, str]]] = {
        "bank": 31, "compartment": 3, "purpose": "pickup", "recipient": 12,
        "not_before_s": NOW_S, "not_after_s": NOW_S + 300,
    }
    command = locker.sign_remote_command(keys, request)
    conforms(command, types.RemoteCommand, "command")
    conforms(store.verify_remote(keys, 31, command, NOW_S), types.Grant, "remote grant")
    signer = locker.IssuerSigningKey.generate(1)
    conforms(locker.sign_remote_command_ed25519(signer, request), types.RemoteCommand, "signed command")


def test_allocation_outcomes_are_shaped_as_their_typeddicts() -> None:
    bank = locker.Bank(locker.default_bank())
    outcomes = [
        bank.allocate({"parcel": parcel(1), "recipient": 1}),
        bank.allocate({"parcel": parcel(2), "recipient": 1}),
        bank.allocate({"parcel": parcel(3, 3_000), "recipient": 2}),
        bank.allocate({"parcel": parcel(4, weight_g=900_000), "recipient": 3}),
    ]
    for i, outcome in enumerate(outcomes):
        conforms(outcome, types.Outcome, f"outcome {i}")
    assert [o["outcome"] for o in outcomes] == ["assigned", "assigned", "overflow", "overflow"]
    verdicts = {c["verdict"]["verdict"] for o in outcomes for c in o["considered"]}
    assert {"chosen", "too_small", "too_heavy"} <= verdicts


def test_a_bank_s_doors_contents_and_batch_plans_are_shaped_as_their_typeddicts() -> None:
    bank = locker.Bank(locker.default_bank())
    door = bank.allocate({"parcel": parcel(1), "recipient": 1})
    assert door["outcome"] == "assigned"
    conforms(bank.store(door["compartment"], 1, parcel(1)), types.Placement, "placement")
    for compartment in bank.compartments():
        conforms(compartment, types.Compartment, f"compartment {compartment['spec']['id']}")
    conforms(bank.release(door["compartment"]), types.Contents, "contents")
    plan = bank.plan_batch([{"parcel": parcel(i, 300 * i), "recipient": i} for i in range(1, 12)])
    conforms(plan, types.BatchPlan, "plan")
    assert plan["assignments"] and plan["overflow"]
    packed = bank.plan_batch_packed(
        [{"parcel": parcel(i, 300 * i), "recipient": i % 3} for i in range(1, 12)], {"seed": 1}
    )
    conforms(packed, types.BatchPlan, "packed plan")


def test_a_batch_drop_off_is_shaped_as_its_typeddict() -> None:
    doors = [c["id"] for c in locker.default_bank()["compartments"]]
    lk = locker.Locker(locker.SimulatedHardware(doors, seed=7, now_s=NOW_S))
    session = lk.courier_sign_in(lk.issue_courier_code(1, 86_400))
    load = [{"parcel": parcel(i, 300 + 40 * i), "recipient": i % 4} for i in range(1, 9)]
    load.append({"parcel": parcel(99, 3_000), "recipient": 1})
    plan = lk.plan_drop_off_batch(session, load)
    conforms(plan, types.BatchDropOff, "batch drop-off")
    assert plan["steps"] and plan["overflow"]
    conforms(lk.deposit_planned(session, plan["steps"][0]), types.DropOff, "drop-off")
