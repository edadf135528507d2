// Journal analytics computed by the core (`journalStats`): a locker's
// journal over the simulator, read as text and as records.
import { test } from "node:test";
import assert from "node:assert/strict";

import { Locker, SimulatedHardware, defaultBank, doorIds, journalRecords, journalStats } from "locker-wasm";

const NOW = 1_700_000_000; // 22:13:20 UTC
const parcel = (id) => ({ id, size: { width_mm: 300, depth_mm: 200, height_mm: 100 }, weight_g: 1500 });

function site() {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 7, NOW);
  const locker = new Locker({ bank }, sim);
  const session = locker.courierSignIn(1, locker.issueCourierCode(1, 30 * 86_400));
  const open = (id, recipient) => locker.deposit(session, { parcel: parcel(id), recipient }).compartment;
  const dropOff = (id, recipient) => {
    const door = open(id, recipient);
    sim.openDoor(door);
    sim.putParcel(door);
    sim.closeDoor(door);
    locker.doorClosed(door);
    return { door, ready: locker.takeEvents().find((e) => e.type === "parcel_ready") };
  };
  const advance = (seconds) => {
    for (let left = seconds; left > 0; left -= 3600) {
      sim.advanceS(Math.min(left, 3600));
      locker.tick();
    }
  };
  return { locker, sim, session, open, dropOff, advance };
}

test("journalStats counts a locker's journal, from text or records", () => {
  const { locker, sim, dropOff, advance } = site();
  const first = dropOff(1, 11);
  dropOff(2, 12);
  advance(2 * 3600);
  assert.deepEqual([...locker.pickupPin(1, 11, first.ready.pin)], [first.door]);
  sim.openDoor(first.door);
  sim.takeParcel(first.door);
  sim.closeDoor(first.door);
  locker.doorClosed(first.door);

  const text = locker.journalText();
  const stats = journalStats(text);
  assert.deepEqual(journalStats(journalRecords(text)), stats);
  assert.equal(stats.records, locker.journalLength);
  const t = stats.totals;
  assert.deepEqual([t.parcels_offered, t.parcels_stored, t.parcels_collected, t.parcels_in_bank_at_end], [2, 2, 1, 1]);
  assert.equal(stats.occupancy.peak_occupied_doors, 2);
  assert.equal(stats.occupancy.peak_at_s, NOW);
  assert.equal(stats.pickups.pickups_by_channel.pin, 1);
  assert.equal(stats.pickups.pickups_by_hour_of_day[0], 1); // 00:13 UTC
  assert.equal(stats.dwell.collected.count, 1);
  assert.equal(stats.dwell.collected.max_h, 2);
  assert.equal(stats.dwell.all.histogram.length, stats.dwell.bucket_bounds_h.length + 1);
  assert.equal(stats.occupancy.mean_occupied_doors_by_hour.length, 24);
  assert.ok(stats.utilization.by_size_class.every((c) => c.occupied_fraction >= 0 && c.occupied_fraction <= 1));

  // Hours of day are local to the offset: 19:13 at UTC-5.
  const local = journalStats(text, { utcOffsetS: -5 * 3600 });
  assert.equal(local.pickups.pickups_by_hour_of_day[19], 1);
  assert.equal(local.utc_offset_s, -18_000);
  // A window counts only its time.
  const later = journalStats(text, { fromS: NOW + 3600 });
  assert.equal(later.totals.parcels_in_bank_at_start, 2);
  assert.equal(later.totals.parcels_stored, 0);
});

test("an interrupted pickup staff find empty is collected, a drop-off they find inside is stored", () => {
  const { locker, sim, open, dropOff } = site();
  // Issue 19: the old Python analytics counted the first missing and
  // never counted the second.
  const { door, ready } = dropOff(1, 12);
  locker.pickupPin(1, 12, ready.pin);
  sim.openDoor(door);
  sim.takeParcel(door);
  sim.closeDoor(door);
  sim.failCalls("occupancy", "sensor_fault");
  locker.doorClosed(door);
  locker.inspect(door, false);
  const other = open(2, 13);
  sim.openDoor(other);
  sim.putParcel(other);
  sim.closeDoor(other);
  sim.failCalls("occupancy", "sensor_fault");
  locker.doorClosed(other);
  locker.inspect(other, true);
  const t = journalStats(locker.journalText()).totals;
  assert.equal(t.parcels_collected, 1);
  assert.equal(t.parcels_missing, 0);
  assert.equal(t.parcels_stored, 2);
  assert.equal(t.parcels_stored_by_inspection, 1);
});

test("journalStats refuses bad options and journals that do not replay, by code", () => {
  const { locker, dropOff } = site();
  dropOff(1, 12);
  const records = journalRecords(locker.journalText());
  assert.throws(() => journalStats(records, { utcOffsetS: 15 * 3600 }), { code: "invalid_argument" });
  assert.throws(() => journalStats(records, { utcOffsetS: 0.5 }), { code: "invalid_argument" });
  assert.throws(() => journalStats(records, { offset: 1 }), { code: "invalid_argument" });
  assert.throws(() => journalStats(records, { fromS: NOW, untilS: NOW }), { code: "invalid_argument" });
  assert.throws(() => journalStats(records.slice(1)), { code: "replay", seq: 1 });
  assert.throws(() => journalStats([]), { code: "empty_journal" });
  assert.throws(() => journalStats(42), { code: "invalid_argument" });
  assert.equal(journalStats(records, { utcOffsetS: 14 * 3600 }).totals.parcels_stored, 1);
});
