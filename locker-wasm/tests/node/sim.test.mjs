// The building simulation and the capacity planner.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  LockerError, SimulatedHardware, defaultBank, defaultBuilding, defaultDoorClasses, planBank, simulate,
} from "locker-wasm";

test("a simulation is deterministic and accounts for every parcel", () => {
  const building = { ...defaultBuilding(), units: 120, days: 14 };
  const result = simulate(building, defaultBank());
  assert.equal(result.arrivals, result.placed + result.overflow);
  assert.deepEqual(simulate(building, defaultBank()), result);
  assert.throws(() => simulate({ units: "many" }, defaultBank()), { code: "invalid_argument" });
  assert.throws(() => simulate(building, { name: "x", compartments: [] }), { code: "empty_bank" });
});

test("the planner sizes a bank for a small building", () => {
  assert.ok(defaultDoorClasses().length > 0);
  const plan = planBank({ ...defaultBuilding(), units: 40, days: 14 }, { target_overflow_rate: 0.05, max_doors: 200 });
  assert.equal(plan.config.compartments.length, plan.doors);
  // The target is the overflow more doors cure (parcels no door fits are left out).
  assert.ok(plan.overflow_rate <= 0.05);
  assert.equal(plan.result.overflow_full / plan.result.arrivals, plan.overflow_rate);
});

test("the simulation's, the planner's and the simulated bank's codes are the core's", () => {
  const code = (c) => (e) => e instanceof LockerError && e.code === c;
  assert.throws(() => simulate({ units: 0, days: 2 }, defaultBank()), code("invalid_field"));
  assert.throws(() => planBank({ units: 40, days: 7 }, { target_overflow_rate: 0, max_doors: 3 }), code("infeasible"));
  const sim = new SimulatedHardware([1, 2], 1);
  assert.throws(() => sim.putParcel(1), code("door_closed"));
  assert.throws(() => sim.openDoor(7), code("unknown_door"));
  sim.unlock(1);
  assert.equal(sim.openDoor(1), true);
  assert.throws(() => sim.takeParcel(1), code("no_parcel"));
  sim.failCalls("unlock", "bus_timeout");
  assert.throws(() => sim.unlock(2), code("bus_timeout"));
});

test("planBank reports progress, stops on false, rethrows what the callback throws", async () => {
  const { coverageCurve } = await import("locker-wasm");
  const building = { units: 40, days: 14 };
  const seen = [];
  const plan = planBank(building, { seeds: 2 }, (p) => { seen.push(p); });
  assert.equal(seen.length, plan.evaluations);
  assert.deepEqual(seen.map((p) => p.done), seen.map((_, i) => i + 1));
  assert.ok(seen.every((p) => p.total >= p.done && p.doors > 0));
  assert.equal(plan.seed_overflow_rates.length, 2);
  assert.ok(plan.overflow_rate <= 0.02);
  let calls = 0;
  assert.throws(() => planBank(building, { seeds: 2 }, () => { calls += 1; return calls < 3; }), { code: "cancelled" });
  assert.equal(calls, 3);
  assert.throws(() => planBank(building, { seeds: 2 }, () => { throw new RangeError("mine"); }), RangeError);
  assert.throws(() => planBank(building, { seeds: 2 }, 7), { code: "invalid_argument" });
  assert.throws(() => planBank(building, { seeds: 0 }), { code: "invalid_field" });
  const curve = coverageCurve(building, { seeds: 2 }, [0.8, 0.95, 1]);
  const doors = curve.points.map((p) => p.doors);
  assert.deepEqual([...doors].sort((a, b) => a - b), doors);
  assert.ok(curve.points.every((p) => p.doors_p10 <= p.doors_p50 && p.doors_p50 <= p.doors_p90));
  assert.throws(() => coverageCurve(building, {}, [2]), { code: "invalid_field" });
});
