"""What travels between processes (a process pool, a Dask cluster): every
simulation and planning input and result is plain data and pickles; the
package's errors pickle with their attributes; live objects and secret
keys refuse, saying why."""

import copy
import pickle
from typing import Any, Callable, Dict, List, cast

import pytest

import locker
from conftest import NOW_S, seed
from locker.types import Building

#: The only types a result may contain: what JSON has, as pickle and every
#: process rebuild them exactly.
PLAIN = (dict, list, str, int, float, bool, type(None))

BUILDING = cast(Building, {"units": 40, "days": 7, "seed": 2})
REQUEST: Dict[str, Any] = {"seeds": 2, "target_overflow_rate": 0.05}


def plain_paths(value: Any, path: str = "$") -> List[str]:
    """Where ``value`` holds anything but plain JSON-like data (a subclass
    counts: it pickles by reference to its class)."""
    if type(value) not in PLAIN:
        return [f"{path}: {type(value).__qualname__}"]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in (plain_paths(k, f"{path}.key") + plain_paths(v, f"{path}.{k}"))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in plain_paths(v, f"{path}[{i}]")]
    return []


def round_trips(value: Any) -> None:
    assert plain_paths(value) == []
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(value, protocol=protocol))
        assert back == value
        assert plain_paths(back) == []


def test_plain_paths_finds_what_is_not_plain() -> None:
    assert plain_paths({"a": [1, 2.5, {"b": (3,)}], "c": None}) == ["$.a[2].b: tuple"]
    assert plain_paths([locker.KeyRing()]) == ["$[0]: KeyRing"]
    assert plain_paths(locker.QrSvg("<svg/>")) == ["$: QrSvg"]


@pytest.mark.parametrize(
    "make",
    [
        locker.default_building,
        locker.default_classes,
        locker.default_bank,
        lambda: locker.compose_bank(locker.default_classes(), [2, 2, 1, 1]),
        lambda: locker.simulate(BUILDING),
        lambda: locker.plan(BUILDING, REQUEST),
        lambda: locker.coverage_curve(BUILDING, REQUEST, [0.9, 1.0]),
    ],
    ids=["building", "classes", "bank", "composed bank", "simulate", "plan", "coverage curve"],
)
def test_inputs_and_results_are_plain_data_and_round_trip(make: Callable[[], Any]) -> None:
    round_trips(make())


def test_a_plan_from_a_pickle_plans_the_same() -> None:
    building = pickle.loads(pickle.dumps(locker.default_building() | BUILDING))
    first = locker.plan(building, pickle.loads(pickle.dumps(REQUEST)))
    assert first == locker.plan(BUILDING, REQUEST)
    assert locker.simulate(building, pickle.loads(pickle.dumps(first["config"]))) == locker.simulate(
        BUILDING, first["config"]
    )


def test_a_locker_simulation_sends_its_result_and_journal_not_its_keys() -> None:
    run = locker.simulate_locker(cast(Building, {"units": 10, "days": 2, "seed": 1}))
    round_trips(run["result"])
    round_trips(run["journal"])
    # Verified where the keys are, from the journal that travelled.
    journal = pickle.loads(pickle.dumps(run["journal"]))
    verified = locker.verify_journal(journal, run["keys"])
    assert verified["authenticated_through"] == verified["chain"]["next_seq"] - 1
    with pytest.raises(TypeError, match=r"cannot pickle 'KeyRing' object: it holds secret keys"):
        pickle.dumps(run)


def test_errors_pickle_with_their_code_and_attributes() -> None:
    with pytest.raises(locker.InfeasibleError) as infeasible:
        locker.plan(BUILDING, {"max_doors": 3, "seeds": 2})
    with pytest.raises(locker.SimError) as sim_error:
        locker.simulate(cast(Building, {"units": 0}))
    with pytest.raises(locker.InvalidArgumentError) as invalid:
        locker.simulate(cast(Building, {"unit": 3}))
    with pytest.raises(locker.ArgumentTypeError) as wrong_type:
        locker.plan(BUILDING, {}, progress=3)  # type: ignore[arg-type]
    for raised in (infeasible.value, sim_error.value, invalid.value, wrong_type.value):
        back = pickle.loads(pickle.dumps(raised))
        assert type(back) is type(raised)
        assert str(back) == str(raised) and back.args == raised.args
        assert back.code == raised.code
    assert pickle.loads(pickle.dumps(infeasible.value)).code == "infeasible"
    assert pickle.loads(pickle.dumps(wrong_type.value)).argument == "progress"
    assert isinstance(pickle.loads(pickle.dumps(wrong_type.value)), TypeError)


def keys() -> locker.KeyRing:
    ring = locker.KeyRing()
    ring.rotate(seed(1))
    return ring


def sim_locker() -> locker.Locker:
    doors = [c["id"] for c in locker.default_bank()["compartments"]]
    return locker.Locker(locker.SimulatedHardware(doors, seed=7, now_s=NOW_S))


def courier_session() -> locker.CourierSessionHandle:
    lk = sim_locker()
    return lk.courier_sign_in(lk.issue_courier_code(1, 86_400))


#: Every class of the package, made, and what its refusal says.
LIVE: Dict[str, Any] = {
    "KeyRing": (keys, "it holds secret keys"),
    "IssuerSigningKey": (lambda: locker.IssuerSigningKey.generate(1, seed(2)), "it holds secret keys"),
    "Locker": (sim_locker, "holds the site's secret keys"),
    "Bank": (lambda: locker.Bank(locker.default_bank()), r"send its config\(\)"),
    "CredentialStore": (locker.CredentialStore, r"its records\(\) \(dicts\) pickle"),
    "SimulatedHardware": (lambda: locker.SimulatedHardware([1, 2], seed=1, now_s=NOW_S), "simulated board"),
    "MemoryFlash": (lambda: locker.MemoryFlash(64 * 1024, 4 * 1024), r"to_bytes\(\)"),
    "CourierSessionHandle": (courier_session, "belongs to the locker that opened it"),
}


@pytest.mark.parametrize("name", sorted(LIVE))
def test_live_objects_refuse_pickling_saying_why(name: str) -> None:
    make, why = LIVE[name]
    live = make()
    assert type(live).__name__ == name
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match=rf"^cannot pickle '{name}' object: .*{why}"):
            pickle.dumps(live, protocol=protocol)
    with pytest.raises(TypeError, match=rf"^cannot pickle '{name}' object"):
        pickle.dumps({"inside": [live]})


def test_keys_are_not_copied_by_copy_either() -> None:
    ring = keys()
    for copier in (copy.copy, copy.deepcopy):
        with pytest.raises(TypeError, match="secret keys"):
            copier(ring)
    # The deliberate way still works.
    assert locker.KeyRing.from_bytes(ring.to_bytes()).checks() == ring.checks()


def test_every_class_of_the_package_is_covered() -> None:
    classes = {name for name in locker.__all__ if isinstance(getattr(locker, name), type)}
    errors = {name for name in classes if issubclass(getattr(locker, name), BaseException)}
    assert classes - errors - {"QrSvg"} == set(LIVE)
