// simulateLocker: the building simulation through a real locker, whose
// journal verifies and reads as any bank's; the reworked building's fields
// refused by name; wrong types refused before the module, never a trap.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  KeyRing, LockerError, defaultBank, defaultBuilding, journalStats, readJournal, simulate, simulateLocker,
  verifyJournal,
} from "locker-wasm";

/** Midnight, 1 January 2026 UTC: day 0 of a building that starts on 1 January. */
const YEAR_START_S = 1_767_225_600;

const small = (fields = {}) => ({ units: 60, days: 14, seed: 3, ...fields });

test("simulateLocker's journal verifies with its keys and its statistics agree with the result", () => {
  const run = simulateLocker(small({ units: 150, start_day_of_year: 330 }), defaultBank());
  assert.deepEqual(Object.keys(run), ["result", "journal", "keys"]);
  assert.ok(run.keys instanceof KeyRing);
  const { result, journal, keys } = run;
  const verified = verifyJournal(journal, { keys });
  assert.equal(verified.authenticated_through, verified.chain.next_seq - 1);
  assert.equal(readJournal(journal, { keys }).records.length, verified.chain.next_seq);
  // Another ring does not vouch for it.
  assert.throws(() => verifyJournal(journal, { keys: new KeyRing() }), LockerError);

  const stats = journalStats(journal);
  const { totals } = stats;
  assert.equal(stats.first_at_s, YEAR_START_S + 330 * 86_400);
  assert.equal(totals.parcels_offered, result.arrivals);
  assert.equal(totals.parcels_stored, result.placed);
  assert.equal(totals.parcels_consolidated, result.consolidated);
  assert.equal(totals.parcels_overflowed, result.overflow);
  assert.equal(stats.overflow.by_reason.full, result.overflow_full);
  assert.ok(result.overflow_full > 0);
  assert.equal(stats.overflow.by_reason.nothing_fits, result.overflow_nothing_fits);
  assert.equal(totals.parcels_collected, result.picked_up);
  // Expired when the locker sends a parcel back, returned when its carrier
  // takes it out: at the horizon some may still wait for the carrier.
  assert.ok(totals.parcels_returned > 0 && totals.parcels_returned <= result.expired);
  assert.equal(totals.parcels_in_bank_at_end, result.placed - result.picked_up - totals.parcels_returned);
  assert.equal(stats.occupancy.peak_occupied_doors, result.peak_occupancy);
  assert.equal(stats.occupancy.peak_at_s, stats.first_at_s + Math.round(result.peak_at_h * 3600));
  result.occupancy_by_hour.forEach((doors, hour) => {
    assert.ok(Math.abs(doors - stats.occupancy.mean_occupied_doors_by_hour[hour]) < 1, `hour ${hour}`);
  });

  // The new result fields.
  assert.equal(result.occupancy_by_hour.length, 24);
  assert.deepEqual(result.carriers.map((c) => c.name), defaultBuilding().carriers.map((c) => c.name));
  assert.equal(result.carriers.reduce((n, c) => n + c.arrivals, 0), result.arrivals);
  assert.equal(result.daily.reduce((n, d) => n + d.collected, 0), result.picked_up);
  assert.equal(result.daily.reduce((n, d) => n + d.returned, 0), result.expired);
  assert.ok(result.dwell.p90_h <= result.dwell.p95_h && result.extensions > 0 && result.holds > 0);
});

test("simulateLocker is deterministic and agrees with simulate within noise", () => {
  const bank = { ...defaultBank(), compartments: defaultBank().compartments.slice(0, 30) };
  const building = small({ units: 150, days: 21 });
  const full = simulateLocker(building, bank);
  assert.equal(simulateLocker(building, bank).journal, full.journal);
  const fast = simulate(building, bank);
  assert.equal(full.result.arrivals, fast.arrivals);
  assert.ok(fast.overflow_full > 0.1 * fast.arrivals);
  assert.ok(Math.abs(full.result.overflow_rate - fast.overflow_rate) < 0.03, `${full.result.overflow_rate} ${fast.overflow_rate}`);
  // The bank may be JSON text too, and the building left out (the default
  // building is a year: a week of it here).
  assert.equal(simulateLocker({ days: 2 }, JSON.stringify(bank)).result.days, 2);
});

test("every new building field is refused by name with code invalid_field", () => {
  const cases = [
    ["season", { season: new Array(12).fill(0) }],
    ["collection_hour_weights", { collection_hour_weights: new Array(24).fill(0) }],
    ["peaks[0].first_day_of_year", { peaks: [{ name: "x", first_day_of_year: 365, days: 1, factor_percent: 100 }] }],
    ["growth_percent_per_year", { growth_percent_per_year: -60 }],
    ["start_day_of_year", { start_day_of_year: 365 }],
    ["carriers[0].rounds[0]", { carriers: [{ name: "a", share: 1, rounds: [10, 9] }] }],
    ["carriers[0].size_shares", { carriers: [{ name: "a", share: 1, rounds: [9], size_shares: [1] }] }],
    ["receivers[0].rate", { receivers: [{ share: 1, rate: 0 }] }],
    ["away.max_days", { away: { min_days: 5, max_days: 3 } }],
    ["away.hold_percent", { away: { hold_percent: 101 } }],
    ["extension_percent", { extension_percent: 101 }],
    ["max_dwell_h", { max_dwell_h: 10 }],
  ];
  for (const [field, fields] of cases) {
    for (const run of [simulate, simulateLocker]) {
      assert.throws(() => run(small(fields), defaultBank()), (error) =>
        error instanceof LockerError && error.code === "invalid_field" && error.message.startsWith(`${field} is `),
      `${run.name} ${field}`);
    }
  }
});

test("wrong shapes and types throw invalid_argument, never trap", () => {
  const refused = (building, words) => (error) =>
    error instanceof LockerError && error.code === "invalid_argument" && error.message.startsWith("building") &&
    words.every((w) => error.message.includes(w));
  const cases = [
    [{ season: [1, 1, 1] }, ["invalid length 3"]],
    [{ carriers: [{ name: "a", share: 1, rounds: [9], colour: "red" }] }, ["unknown field `colour`"]],
    [{ carriers: [{ name: "a", share: 1 }] }, ["missing field `rounds`"]],
    [{ units: "many" }, ["invalid"]],
    [{ units: true }, ["invalid type"]],
    [{ season: [1, 1, 1, null, 1, 1, 1, 1, 1, 1, 1, 1] }, ["invalid type: null"]],
    [{ peaks: [null] }, ["invalid type: null"]],
    [{ away: { weeks: 2 } }, ["unknown field `weeks`"]],
    [{ units: 2 ** 60 }, ["2^53"]],
    [[1, 2], ["array"]],
    [new KeyRing(), ["KeyRing"]],
  ];
  for (const [building, words] of cases) {
    assert.throws(() => simulateLocker(building, defaultBank()), refused(building, words), JSON.stringify(building));
  }
  for (const bank of [7, null, [defaultBank()], "not json", { name: 3 }]) {
    assert.throws(() => simulateLocker(small({ days: 1 }), bank), (error) => error instanceof LockerError,
      JSON.stringify(bank));
  }
});
