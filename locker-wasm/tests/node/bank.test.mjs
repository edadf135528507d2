// Bank configurations, allocation, batch plans and packing, against the
// built package.
import { test } from "node:test";
import assert from "node:assert/strict";

import { Bank, defaultBank, doorIds, lowerBound, pack, packBins, packInto, validateBankConfig } from "locker-wasm";

const parcel = (id, w, d, h, g = 1000) => ({ id, size: { width_mm: w, depth_mm: d, height_mm: h }, weight_g: g });

test("the default bank is a plain object that validates and round-trips", () => {
  const config = defaultBank();
  assert.equal(config.compartments.length, 105);
  assert.equal(config.ada_compliant, true);
  assert.deepEqual(validateBankConfig(config), config);
  assert.deepEqual(validateBankConfig(JSON.stringify(config)), config);
  assert.equal(doorIds(config).length, 105);
  const bank = new Bank(config);
  assert.deepEqual(JSON.parse(bank.configJson()), config);
});

test("a bad configuration names the field, with a stable code", () => {
  const config = defaultBank();
  assert.throws(() => validateBankConfig({ ...config, compartments: [] }), { code: "empty_bank" });
  const twice = structuredClone(config);
  twice.compartments[1].id = twice.compartments[0].id;
  assert.throws(() => new Bank(twice), { code: "duplicate_id" });
  const zero = structuredClone(config);
  zero.compartments[0].inner.depth_mm = 0;
  assert.throws(() => validateBankConfig(zero), (e) => e.code === "bad_size" && /depth_mm/.test(e.message));
  assert.throws(() => validateBankConfig("{"), { code: "invalid_json" });
  assert.throws(() => validateBankConfig({ name: "x" }), (e) => e.code === "invalid_argument" && /compartments/.test(e.message));
});

test("allocation picks the smallest door that fits, and stores", () => {
  const bank = new Bank(defaultBank());
  const outcome = bank.allocate({ parcel: parcel(1, 300, 250, 150, 2000), recipient: 42 });
  assert.equal(outcome.outcome, "assigned");
  assert.equal(outcome.rule, "smallest_fit");
  assert.ok(outcome.considered.length > 0);
  bank.store(outcome.compartment, 42, outcome.parcel);
  assert.equal(bank.parcelCount, 1);
  assert.equal(bank.locate(1), outcome.compartment);
  const door = bank.compartments().find((c) => c.spec.id === outcome.compartment);
  assert.equal(door.free, false);
  assert.equal(door.contents.recipient, 42);
  assert.throws(() => bank.allocate({ parcel: parcel(1, 10, 10, 10), recipient: 42 }), { code: "already_stored" });
  const released = bank.release(outcome.compartment);
  assert.equal(released.parcels[0].id, 1);
  assert.equal(bank.parcelCount, 0);
});

test("a parcel that fits nowhere is an overflow outcome, not an error", () => {
  const bank = new Bank(defaultBank());
  const outcome = bank.allocate({ parcel: parcel(9, 2000, 2000, 2000), recipient: 1 });
  assert.equal(outcome.outcome, "overflow");
  assert.equal(outcome.reason, "nothing_fits");
});

test("a batch plan places a courier's load and applies all at once", () => {
  const bank = new Bank(defaultBank());
  const requests = [1, 2, 3, 4].map((id) => ({ parcel: parcel(id, 200, 150, 60, 500), recipient: id < 3 ? 7 : 8 }));
  const plan = bank.planBatch(requests);
  assert.equal(plan.assignments.length, 4);
  assert.ok(["grouped", "arrival_order"].includes(plan.strategy));
  // Tagged objects (`considered` steps, their verdicts) keep the tag first,
  // so a plan goes back in as it came out; with the tag moved it is refused.
  const step = plan.assignments[0].considered[0];
  assert.equal(Object.keys(step)[0], "kind");
  const { kind, ...rest } = step;
  const moved = structuredClone(plan);
  moved.assignments[0].considered[0] = { ...rest, kind };
  assert.throws(() => bank.applyBatch(moved), { code: "invalid_argument", message: /the first field must be `kind`/ });
  assert.equal(bank.parcelCount, 0);
  bank.applyBatch(plan);
  assert.equal(bank.parcelCount, 4);
  assert.throws(() => bank.planBatch([requests[0], requests[0]]), { code: "already_stored" });
});

test("packing places parcels and bounds the number of spaces", () => {
  const space = { width_mm: 380, depth_mm: 640, height_mm: 190 };
  const result = pack(space, [parcel(1, 300, 200, 100), parcel(2, 300, 200, 100)]);
  assert.equal(result.unplaced.length, 0);
  assert.equal(result.packing.placements.length, 2);
  assert.equal(lowerBound(space, [parcel(1, 300, 200, 100)]), 1);
  assert.throws(() => pack({ width_mm: 0, depth_mm: 1, height_mm: 1 }, []), { code: "zero_side" });
});

test("packBins places every parcel once, in no fewer spaces than the bound", () => {
  const space = { width_mm: 380, depth_mm: 640, height_mm: 190 };
  const parcels = Array.from({ length: 9 }, (_, i) => parcel(i + 1, 300, 200, 150));
  const bins = packBins(space, parcels);
  const placed = bins.flatMap((bin) => bin.placements.map((p) => p.parcel));
  assert.deepEqual([...placed].sort((a, b) => a - b), parcels.map((p) => p.id));
  assert.ok(bins.length >= lowerBound(space, parcels));
  assert.throws(() => packBins(space, [parcel(1, 900, 900, 900)]), { code: "fits_no_bin" });
  assert.throws(() => packBins(space, "nope"), { code: "invalid_argument" });
});

test("packInto fills compartments of different sizes for each objective, refusing bad input", () => {
  const bin = (id, w, d, h) => ({ id, space: { width_mm: w, depth_mm: d, height_mm: h }, max_weight_g: 25_000 });
  const compartments = [bin(1, 370, 630, 400), bin(2, 310, 210, 110)];
  const parcels = Array.from({ length: 5 }, (_, i) => parcel(i + 1, 300, 200, 100));
  const options = { objective: "least_volume", max_iterations: 2_000, seed: 7 };
  const result = packInto(compartments, parcels, options);
  assert.deepEqual(result.unplaced, []);
  const placed = result.bins.flatMap((b) => b.packing.placements.map((p) => p.parcel));
  assert.deepEqual([...placed].sort((a, b) => a - b), [1, 2, 3, 4, 5]);
  assert.deepEqual(packInto(compartments, parcels, options), result);
  const most = packInto([compartments[1]], parcels, { objective: "most_parcels" });
  assert.equal(most.unplaced.length, 4);
  assert.deepEqual(packInto([], parcels).unplaced, [1, 2, 3, 4, 5]);
  assert.deepEqual(packInto(compartments, [], null).bins, []);
  assert.throws(() => packInto(compartments, [parcel(1, 10, 10, 10), parcel(1, 10, 10, 10)]), { code: "duplicate_parcel" });
  assert.throws(() => packInto([bin(1, 10, 10, 10), bin(1, 20, 20, 20)], parcels), { code: "duplicate_compartment" });
  assert.throws(() => packInto([bin(1, 0, 10, 10)], parcels), { code: "zero_side" });
  assert.throws(() => packInto(compartments, parcels, { budget: 3 }), { code: "invalid_argument" });
  assert.throws(() => packInto(compartments, parcels, { objective: "fastest" }), { code: "invalid_argument" });
  assert.throws(() => packInto("nope", parcels), { code: "invalid_argument" });
  assert.throws(() => packInto(compartments, parcels, { max_iterations: "many" }), { code: "invalid_argument" });
});
