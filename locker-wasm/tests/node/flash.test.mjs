// A locker whose journal is in flash (Locker.openFlash): on the simulated
// NOR chip (MemoryFlash) and on a chip emulated in JavaScript. Compaction
// keeps it inside a small region for good, the history is exported at
// each `journal_compacted` event, a power-off reopens the same locker, a
// power cut at any byte of a compaction leaves the locker before or after
// it, and a chip changed by someone with a programmer is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

import {
  KeyRing, Locker, LockerError, MemoryFlash, SimulatedHardware, defaultBank, doorIds, replayJournal, verifyJournal,
} from "locker-wasm";

const NOW = 1_700_000_000;
const DAY = 86_400;
const BLOCK = 1024;

/** Eight doors of the default bank (A, B and C, all accessible): a small snapshot. */
function smallBank() {
  const bank = defaultBank();
  const keep = new Set([5, 6, 7, 43, 44, 45, 78, 79]);
  return { ...bank, compartments: bank.compartments.filter((c) => keep.has(c.id)) };
}

const seeded = (seed) => new Uint8Array(createHash("sha256").update(seed).digest());

/** The site's ring, the same every run. */
function siteKeys() {
  const keys = new KeyRing();
  keys.rotate(seeded("flash site key"));
  return keys;
}

/**
 * A lock board in JavaScript: every door closed and empty, a clock the
 * test moves, entropy from a counter through SHA-256.
 */
function board(bank, nowS = NOW) {
  let draws = 0;
  return {
    clockS: nowS,
    unlock() {},
    doorState: () => "closed",
    nowS() { return this.clockS; },
    fillRandom(buf) {
      let filled = 0;
      while (filled < buf.length) {
        const block = seeded(`board ${draws++}`);
        buf.set(block.subarray(0, buf.length - filled), filled);
        filled += block.length;
      }
    },
  };
}

const parcel = (id) => ({ id, size: { width_mm: 300, depth_mm: 200, height_mm: 100 }, weight_g: 900 });

/**
 * A site: a locker over the simulator on a chip, its PINs waiting, and
 * the journal exported as a back end would keep it (the history at each
 * compaction).
 */
class Site {
  constructor(chip, { bank = smallBank(), keys = siteKeys(), options } = {}) {
    this.bank = bank;
    this.keys = keys;
    this.chip = chip;
    this.sim = new SimulatedHardware(doorIds(bank), 5, NOW);
    this.locker = Locker.openFlash({ bank }, keys, this.sim, chip, options);
    this.nextParcel = 1;
    this.waiting = [];
    this.compactions = 0;
    this.exported = "";
  }

  events() {
    const events = this.locker.takeEvents();
    const compacted = events.filter((e) => e.type === "journal_compacted");
    // The history before the snapshot stays in the other half until the
    // next compaction: export it now.
    assert.ok(compacted.length <= 1, "one compaction per call at most");
    if (compacted.length === 1) {
      this.compactions++;
      this.exported += this.locker.previousJournalText();
    }
    return events;
  }

  dropOff(recipient) {
    const session = this.locker.courierSignIn(1, this.locker.issueCourierCode(1, DAY));
    const answer = this.locker.deposit(session, { parcel: parcel(this.nextParcel++), recipient });
    if (answer.outcome !== "opened") {
      this.events();
      return false;
    }
    const door = answer.compartment;
    this.sim.openDoor(door);
    this.sim.putParcel(door);
    this.sim.closeDoor(door);
    this.locker.doorClosed(door);
    for (const event of this.events()) {
      if (event.type === "parcel_ready") {
        this.waiting = this.waiting.filter((w) => !event.pin_opens.includes(w.door));
        for (const opens of event.pin_opens) this.waiting.push({ door: opens, recipient: event.recipient, pin: event.pin });
      }
    }
    return true;
  }

  pickUpOldest() {
    const next = this.waiting.shift();
    if (next === undefined) return;
    for (const door of this.locker.pickupPin(1, next.recipient, next.pin)) {
      this.sim.openDoor(door);
      while (this.sim.parcelCount(door) > 0) this.sim.takeParcel(door);
      this.sim.closeDoor(door);
      this.locker.doorClosed(door);
      this.waiting = this.waiting.filter((w) => w.door !== door);
    }
    this.events();
  }

  advance(byS) {
    for (let left = byS; left > 0; left -= 3600) {
      this.sim.advanceS(Math.min(left, 3600));
      this.locker.tick();
      this.events();
    }
  }

  /** Power off (the locker freed, the chip as it is), power on. */
  reopen(options) {
    this.locker.free();
    this.chip.restorePower?.();
    this.locker = Locker.openFlash(null, this.keys, this.sim, this.chip, options);
    return this.locker;
  }
}

test("a small chip compacts again and again, and a power-off reopens the same locker", () => {
  const chip = new MemoryFlash(32 * 1024, BLOCK);
  const site = new Site(chip);
  assert.deepEqual(site.locker.flashOpenReport(),
    { restored: false, formatted: true, snapshot_bytes: null, records: 0, torn_bytes: null });
  assert.equal(site.locker.restoreReport(), null);
  assert.equal(site.locker.previousJournalText(), "", "no compaction yet");
  let generation = site.locker.flashUsage().generation;
  for (let day = 0; day < 12; day++) {
    for (let n = 0; n < 5; n++) site.dropOff(10 + ((day * 7 + n) % 40));
    for (let n = 0; n < 4; n++) site.pickUpOldest();
    site.advance(DAY);
    const usage = site.locker.flashUsage();
    assert.ok(usage.used_bytes <= usage.half_bytes, JSON.stringify(usage));
    assert.equal(usage.capacity_bytes, 32 * 1024);
    assert.equal(usage.half_bytes, 16 * 1024);
    assert.ok(usage.generation >= generation);
    generation = usage.generation;
    assert.equal(site.locker.journalLength, usage.records);
  }
  assert.ok(site.compactions >= 3, `${site.compactions} compactions`);
  assert.equal(site.locker.flashUsage().generation, site.compactions + 1);
  assert.ok(chip.erasedBlocks > 0 && chip.writtenBytes > chip.capacityBytes, "the chip wore");

  // The history exported at each compaction and the records still in
  // flash are the whole journal, from its first record, authenticated.
  const whole = site.exported + site.locker.journalText();
  const verified = verifyJournal(whole, { keys: site.keys, expectedHead: site.locker.head() });
  assert.equal(verified.chain.next_seq, site.locker.head().seq + 1);
  const replayed = replayJournal(whole, { keys: site.keys });
  assert.deepEqual(replayed.chain, site.locker.snapshot().chain);
  assert.equal(site.locker.journalSince(site.locker.head().seq).split("\n").filter(Boolean).length, 1);

  // Power off and on: the same locker, from its snapshot and records.
  site.dropOff(99);
  const doors = site.locker.doors();
  const head = site.locker.head();
  const waiting = site.waiting.at(-1);
  assert.ok(waiting, "a parcel is waiting");
  const live = site.locker.snapshot();
  const reopened = site.reopen({ expectedHead: head, expectedBank: 0 });
  assert.deepEqual(reopened.snapshot(), live);
  assert.deepEqual(reopened.doors(), doors);
  assert.deepEqual(reopened.head(), head);
  const report = reopened.flashOpenReport();
  assert.equal(report.restored, true);
  assert.equal(report.formatted, false);
  assert.equal(report.torn_bytes, null);
  assert.ok(report.snapshot_bytes > 0);
  assert.equal(reopened.restoreReport().records, report.records);
  assert.ok(reopened.restoreReport().snapshot_through !== null);
  // A PIN issued before the last compaction opens its door after it.
  assert.ok(reopened.pickupPin(1, waiting.recipient, waiting.pin).includes(waiting.door));
});

test("compact() on request, the history readable until the next, and a memory locker's answers", () => {
  const site = new Site(new MemoryFlash(32 * 1024, BLOCK));
  for (let n = 0; n < 3; n++) site.dropOff(20 + n);
  const head = site.locker.head();
  assert.equal(site.locker.compact(), true);
  const [event] = site.locker.takeEvents();
  assert.equal(event.type, "journal_compacted");
  assert.equal(event.through_seq, head.seq);
  // The event counts the snapshot as the chip holds it: the storage
  // encoding, compressed, a fraction of its JSON.
  const stored = site.locker.flashUsage().snapshot_bytes;
  assert.equal(event.snapshot_bytes, stored);
  const json = JSON.stringify(site.locker.snapshot()).length;
  assert.ok(stored > 0 && stored < json / 2, `${stored} of ${json} bytes`);
  assert.equal(site.locker.journalText(), "", "a fresh half holds the snapshot only");
  assert.equal(site.locker.journalLength, 0);
  const history = site.locker.previousJournalText();
  assert.equal(verifyJournal(history, { keys: site.keys, expectedHead: head }).chain.next_seq, head.seq + 1);
  site.dropOff(30);
  assert.equal(site.locker.previousJournalText(), history, "kept until the next compaction");
  // A journal in memory keeps every record, and never compacts.
  const memory = new Locker({ bank: smallBank() }, new SimulatedHardware(doorIds(smallBank()), 1, NOW));
  assert.equal(memory.compact(), false);
  assert.equal(memory.flashUsage(), null);
  assert.equal(memory.flashOpenReport(), null);
  assert.equal(memory.previousJournalText(), "");
  assert.equal(memory.takeEvents().length, 0);
});

/** The locker's state to compare: its sealed snapshot (state and chain). */
const stateOf = (locker) => JSON.stringify(locker.snapshot());

/**
 * Runs `operation` on a locker opened from a copy of `chip` with the
 * power cut after 0, 1, 2, … bytes (every byte near both ends, every
 * `stride` between), powers off, reopens: the locker must be the one
 * before the operation or the one after, and must go on.
 */
function sweepPowerCuts(chip, bank, stride, operation) {
  const keys = siteKeys();
  const open = (c) => Locker.openFlash(null, keys, board(bank), c);
  const before = stateOf(open(chip.clone()));
  const whole = chip.clone();
  const uncut = open(whole);
  operation(uncut);
  const after = stateOf(uncut);
  assert.notEqual(after, before, "the operation changes something");
  const worn = (c) => c.writtenBytes + c.erasedBlocks * BLOCK;
  const moved = worn(whole) - worn(chip);
  const seen = { before: 0, after: 0, cuts: 0 };
  for (let cut = 0; cut <= moved;) {
    const copy = chip.clone();
    copy.cutPowerAfter(cut);
    const locker = open(copy);
    try {
      operation(locker);
    } catch (error) {
      assert.ok(copy.powerLost, `cut ${cut}: failed without a power cut: ${error.code} ${error.message}`);
      assert.equal(error.code, "journal_write", `cut ${cut}: ${error.message}`);
    }
    locker.free();
    copy.restorePower();
    const reopened = open(copy);
    const state = stateOf(reopened);
    if (state === before) seen.before++;
    else if (state === after) seen.after++;
    else assert.fail(`a cut after ${cut} of ${moved} bytes left a third state`);
    // The journal goes on (compacting first when the cut tore it), and
    // what it wrote is there after the next power-off.
    reopened.hold(77, NOW + 400 * DAY);
    reopened.free();
    const again = open(copy);
    assert.equal(again.doors().length, bank.compartments.length);
    assert.equal(again.journalText().includes('"recipient":77'), true, `cut ${cut}: the hold after it was lost`);
    again.free();
    seen.cuts++;
    cut = cut < 64 || cut >= moved - 64 ? cut + 1 : Math.min(cut + stride, moved - 64);
  }
  return { ...seen, moved };
}

/** A chip holding a locker with `parcels` parcels in, its half not full yet. */
function busyChip(parcels) {
  const chip = new MemoryFlash(32 * 1024, BLOCK);
  const site = new Site(chip);
  for (let n = 0; n < parcels; n++) site.dropOff(40 + n);
  assert.equal(site.compactions, 0);
  site.locker.free();
  return chip;
}

test("a power cut at any point of a compaction leaves the locker before or after it", { timeout: 120_000 }, () => {
  const chip = busyChip(4);
  const bank = smallBank();
  const seen = sweepPowerCuts(chip, bank, 97, (locker) => {
    // The compaction, then a record in the new half.
    assert.equal(locker.compact(), true);
    locker.hold(5, NOW + 100 * DAY);
  });
  assert.ok(seen.before > 0 && seen.after > 0, JSON.stringify(seen));
  assert.ok(seen.moved > 16 * 1024, `the compaction erased a half: ${seen.moved} bytes`);
});

test("a power cut at any byte of an append loses nothing acknowledged; a torn frame is reported and dropped", () => {
  const chip = busyChip(1);
  const bank = smallBank();
  const seen = sweepPowerCuts(chip, bank, 1, (locker) => {
    const generation = locker.flashUsage().generation;
    locker.hold(5, NOW + 100 * DAY);
    assert.equal(locker.flashUsage().generation, generation, "an append, no compaction");
  });
  assert.ok(seen.before > 0 && seen.after > 0, JSON.stringify(seen));
  // A frame cut in the middle: dropped, said, and the journal continues in
  // the other half at the next record.
  const torn = chip.clone();
  torn.cutPowerAfter(20);
  const locker = Locker.openFlash(null, siteKeys(), board(bank), torn);
  assert.throws(() => locker.hold(5, NOW + DAY), { code: "journal_write" });
  locker.free();
  torn.restorePower();
  const reopened = Locker.openFlash(null, siteKeys(), board(bank), torn);
  const report = reopened.flashOpenReport();
  assert.ok(report.torn_bytes > 0, JSON.stringify(report));
  const generation = reopened.flashUsage().generation;
  reopened.hold(5, NOW + DAY);
  assert.equal(reopened.flashUsage().generation, generation + 1, "continued in the other half");
  assert.ok(reopened.takeEvents().some((e) => e.type === "journal_compacted"));
});

/**
 * The half at `base` as the core lays it out: "LKF\x02", generation (u32),
 * next_seq (u64), head (32 bytes), the snapshot's length (u32, at 48), the
 * snapshot, a commit byte, then the record frames.
 */
function halfAt(chip, base) {
  const snapshotBytes = new DataView(chip.bytes().buffer).getUint32(base + 48, true);
  const snapshotAt = base + 52;
  return { snapshotAt, snapshotBytes, commitAt: snapshotAt + snapshotBytes, recordsAt: snapshotAt + snapshotBytes + 1 };
}

/**
 * Where `"recipient": n` (24 <= n < 256) is in the chip's storage
 * encoding between `from` and `to`, at the byte that holds n: the
 * interned key "recipient" (index 1 of the frozen names table: CBOR 0x01),
 * then n as a one-byte CBOR integer (0x18, n).
 */
function findRecipient(chip, n, from, to) {
  const at = Buffer.from(chip.bytes()).subarray(0, to).indexOf(Uint8Array.of(0x01, 0x18, n), from);
  return at < 0 ? -1 : at + 2;
}

test("a chip changed with a programmer is refused with its code, and a wiped one against a head", () => {
  const chip = new MemoryFlash(32 * 1024, BLOCK);
  const site = new Site(chip);
  for (let n = 0; n < 3; n++) site.dropOff(50 + n);
  assert.equal(site.locker.compact(), true);
  site.dropOff(60);
  const head = site.locker.head();
  const sixty = site.locker.journalText().split("\n").find((line) => line.includes('"recipient":60'));
  site.locker.free();
  const half = chip.capacityBytes / 2;
  const bank = smallBank();
  const open = (c, options) => Locker.openFlash(null, siteKeys(), board(bank), c, options);
  // The compaction wrote the second half: its snapshot, then the records.
  const active = halfAt(chip, half);
  assert.ok(active.snapshotBytes > 0 && active.recordsAt < half * 2, JSON.stringify(active));
  const written = Buffer.from(chip.bytes());
  assert.equal(written.indexOf("recipient"), -1, "no JSON on the chip: names are interned");

  // Recipient 50's parcels given to 59 in the sealed snapshot, one byte
  // changed inside it.
  const forged = chip.clone();
  const at = findRecipient(forged, 50, active.snapshotAt, active.commitAt);
  assert.ok(at > active.snapshotAt, "the snapshot names recipient 50");
  forged.overwrite(at, Uint8Array.of(59));
  assert.throws(() => open(forged), { name: "LockerError", code: "forged" });
  // Any byte of the snapshot flipped: refused, as forged or as not a
  // snapshot, never opened.
  for (let offset = 0; offset < active.snapshotBytes; offset += 101) {
    const flipped = chip.clone();
    flipped.overwrite(active.snapshotAt + offset, Uint8Array.of(written[active.snapshotAt + offset] ^ 0x04));
    assert.throws(() => open(flipped), (e) => ["forged", "malformed_record"].includes(e.code), `snapshot byte ${offset}`);
  }

  // A record after the snapshot edited the same way: its hash is not
  // stored but recomputed, so its MAC no longer verifies.
  const edited = chip.clone();
  const record = findRecipient(edited, 60, active.recordsAt, half * 2);
  assert.ok(record > active.recordsAt, "a record names recipient 60");
  edited.overwrite(record, Uint8Array.of(61));
  assert.throws(() => open(edited), { code: "forged", seq: JSON.parse(sixty).seq });

  // The newest header's commit byte set back to erased: the older half is
  // the journal again, a rollback the exported head finds.
  const rolled = chip.clone();
  rolled.overwrite(active.commitAt, Uint8Array.of(0xff));
  assert.throws(() => open(rolled, { expectedHead: head }), { code: "rolled_back" });
  assert.equal(open(rolled).flashUsage().generation, 1, "without the head: the first half");

  // A wiped chip: refused against the head, and on a board whose
  // monotonic counter counted records.
  const wiped = new MemoryFlash(chip.capacityBytes, BLOCK);
  assert.throws(() => open(wiped, { expectedHead: head }), { code: "rolled_back" });
  const counted = new SimulatedHardware(doorIds(bank), 1, NOW, { monotonicCounter: true });
  counted.raiseMonotonicCounter(3);
  assert.throws(() => Locker.openFlash({ bank }, siteKeys(), counted, wiped), { code: "rolled_back" });
  // Refusing wrote nothing: the chip is still blank, and still refused.
  assert.equal(wiped.writtenBytes + wiped.erasedBlocks, 0);
  assert.ok(wiped.bytes().every((b) => b === 0xff));
  assert.throws(() => open(wiped, { expectedHead: head }), { code: "rolled_back" });
  // Another bank's journal, by expectedBank.
  assert.throws(() => open(chip.clone(), { expectedBank: 31 }), { code: "bank_mismatch" });
  // Another site's ring.
  const other = new KeyRing();
  other.rotate(seeded("another site"));
  assert.throws(() => Locker.openFlash(null, other, board(bank), chip.clone()), { code: "wrong_key_ring" });
  // The chip as it was opens.
  assert.deepEqual(open(chip, { expectedHead: head }).head(), head);
});

test("regions that are not two halves of whole blocks, and a half too small for the first record", () => {
  const bank = smallBank();
  const open = (c) => Locker.openFlash({ bank }, siteKeys(), board(bank), c);
  assert.throws(() => open(new MemoryFlash(3 * BLOCK, BLOCK)), { code: "flash_layout" });
  assert.throws(() => open(new MemoryFlash(0, BLOCK)), { code: "flash_layout" });
  assert.throws(() => open(new MemoryFlash(4096, 0)), { code: "flash_layout" });
  assert.throws(() => open(new MemoryFlash(64, 32)), { code: "flash_layout" });
  // The first record (the configuration) takes about 1 KiB stored.
  assert.throws(() => open(new MemoryFlash(2 * 256, 256)), { code: "journal_write" });
});

test("a region holding data but no journal is refused as flash_damaged, and nothing is written", () => {
  const bank = smallBank();
  const open = (c) => Locker.openFlash({ bank }, siteKeys(), board(bank), c);
  const untouched = (c, bytes, what) => {
    assert.equal(c.writtenBytes + c.erasedBlocks, 0, `${what}: written or erased`);
    assert.deepEqual(c.bytes(), bytes, `${what}: changed`);
  };
  // A blank chip but for one byte: something else's data, not erased.
  const used = new MemoryFlash(32 * 1024, BLOCK);
  used.overwrite(300, Uint8Array.of(0x42));
  const usedBytes = used.bytes();
  assert.throws(() => open(used), (e) => e instanceof LockerError && e.code === "flash_damaged"
    && /not blank/.test(e.message) && e.seq === undefined);
  untouched(used, usedBytes, "one byte set");
  // A chip whose only journal lost its header (its magic flipped).
  const chip = new MemoryFlash(32 * 1024, BLOCK);
  const site = new Site(chip);
  site.dropOff(30);
  const head = site.locker.head();
  site.locker.free();
  assert.equal(halfAt(chip, chip.capacityBytes / 2).snapshotBytes, 0xffffffff, "the second half is blank");
  const headerless = chip.clone();
  headerless.overwrite(0, Uint8Array.of(chip.bytes()[0] ^ 0x01));
  const before = headerless.bytes();
  const wear = [headerless.writtenBytes, headerless.erasedBlocks];
  assert.throws(() => open(headerless), { code: "flash_damaged" });
  assert.throws(() => Locker.openFlash(null, siteKeys(), board(bank), headerless, { expectedHead: head }),
    { code: "flash_damaged" });
  assert.deepEqual([headerless.writtenBytes, headerless.erasedBlocks], wear, "nothing written or erased");
  assert.deepEqual(headerless.bytes(), before);
  // Through a JavaScript driver: refused too, with no write or erase.
  const nor = new NorFlash(32 * 1024, BLOCK);
  nor.cells.set(headerless.bytes());
  assert.throws(() => open(nor), { code: "flash_damaged" });
  assert.deepEqual({ write: nor.calls.write, erase: nor.calls.erase }, { write: 0, erase: 0 });
  // Erased, the chip starts a new locker.
  const erased = new MemoryFlash(32 * 1024, BLOCK);
  assert.equal(open(erased).flashOpenReport().formatted, true);
});

test("a compaction right after a PIN pickup, a power-off, and the same locker back", () => {
  const site = new Site(new MemoryFlash(32 * 1024, BLOCK));
  assert.equal(site.dropOff(21), true);
  assert.equal(site.dropOff(22), true);
  const [collected, waiting] = site.waiting;
  site.pickUpOldest();
  // The spent PIN is still on the books, without doors, until the hourly
  // prune: the snapshot holds it so.
  const spent = site.locker.snapshot().credentials.records.filter((r) => r.recipient === collected.recipient);
  assert.ok(spent.some((r) => r.kind.type === "pin" && "redeemed" in r.status && r.compartments.length === 0),
    JSON.stringify(spent));
  assert.equal(site.locker.compact(), true);
  const live = site.locker.snapshot();
  const head = site.locker.head();
  const reopened = site.reopen({ expectedHead: head });
  assert.deepEqual(reopened.snapshot(), live);
  assert.deepEqual(reopened.flashOpenReport(),
    { restored: true, formatted: false, snapshot_bytes: reopened.flashUsage().snapshot_bytes, records: 0, torn_bytes: null });
  // The other PIN still opens its door; the spent one opens nothing.
  assert.ok(reopened.pickupPin(1, waiting.recipient, waiting.pin).includes(waiting.door));
  assert.throws(() => reopened.pickupPin(1, collected.recipient, collected.pin), LockerError);
});

/**
 * NOR flash emulated in JavaScript over a Uint8Array, as a board's SPI
 * flash driver would be written: programming clears bits, erasing sets a
 * block's back, and a failure can be injected.
 */
class NorFlash {
  constructor(capacityBytes, eraseBlockBytes) {
    this.capacityBytes = capacityBytes;
    this.eraseBlockBytes = eraseBlockBytes;
    this.cells = new Uint8Array(capacityBytes).fill(0xff);
    this.failWrites = false;
    this.calls = { read: 0, write: 0, erase: 0 };
  }

  check(offset, length) {
    if (offset < 0 || offset + length > this.capacityBytes) throw new RangeError(`${offset}+${length} out of range`);
  }

  read(offset, length) {
    this.calls.read++;
    this.check(offset, length);
    return this.cells.slice(offset, offset + length);
  }

  write(offset, bytes) {
    this.calls.write++;
    this.check(offset, bytes.length);
    if (this.failWrites) {
      throw Object.assign(new Error("SPI timeout"), { code: "bus_timeout" });
    }
    for (let i = 0; i < bytes.length; i++) this.cells[offset + i] &= bytes[i];
  }

  erase(offset, length) {
    this.calls.erase++;
    this.check(offset, length);
    if (offset % this.eraseBlockBytes !== 0 || length % this.eraseBlockBytes !== 0) throw new RangeError("not whole blocks");
    this.cells.fill(0xff, offset, offset + length);
  }
}

test("a chip emulated in JavaScript drives a locker through compactions and reopens", () => {
  const nor = new NorFlash(32 * 1024, 2048);
  const site = new Site(nor, { options: { compactAtBytes: 8 * 1024 } });
  for (let round = 0; round < 6; round++) {
    for (let n = 0; n < 4; n++) site.dropOff(60 + ((round * 5 + n) % 30));
    for (let n = 0; n < 3; n++) site.pickUpOldest();
    site.advance(DAY / 2);
  }
  assert.ok(site.compactions >= 2, `${site.compactions} compactions`);
  assert.ok(nor.calls.read > 0 && nor.calls.write > 0 && nor.calls.erase > 0, JSON.stringify(nor.calls));
  const live = site.locker.snapshot();
  const whole = site.exported + site.locker.journalText();
  const { seq, hash } = site.locker.head();
  assert.deepEqual(verifyJournal(whole, { keys: site.keys }).head, { ...verifyJournal(whole).head, seq, hash });
  // The bytes a driver holds are the bytes the simulated chip would: the
  // same layout, read by a MemoryFlash copy of them.
  const copy = new MemoryFlash(nor.capacityBytes, nor.eraseBlockBytes);
  copy.overwrite(0, nor.cells);
  const fromCopy = Locker.openFlash(null, site.keys, new SimulatedHardware(doorIds(site.bank), 5, NOW), copy);
  assert.deepEqual(fromCopy.snapshot(), live);
  const reopened = site.reopen();
  assert.deepEqual(reopened.snapshot(), live);
  assert.equal(reopened.flashOpenReport().restored, true);

  // Writes that fail: the call fails with the journal's code and the
  // driver's message, the state is as it was, and the next record
  // continues in the other half.
  const generation = reopened.flashUsage().generation;
  nor.failWrites = true;
  assert.throws(() => reopened.hold(12, NOW + 30 * DAY), (error) =>
    error.code === "journal_write" && /bus_timeout: SPI timeout/.test(error.message));
  assert.deepEqual(reopened.snapshot(), live);
  nor.failWrites = false;
  reopened.hold(12, NOW + 30 * DAY);
  assert.equal(reopened.flashUsage().generation, generation + 1);
  assert.ok(reopened.takeEvents().some((e) => e.type === "journal_compacted"));
});

test("a JavaScript chip that answers wrongly or asynchronously fails the call, and the locker goes on", async () => {
  const bank = smallBank();
  const nor = new NorFlash(32 * 1024, 2048);
  const locker = Locker.openFlash({ bank }, siteKeys(), board(bank), nor);
  const head = locker.head();
  // Every call of `method` answers `answer(what it would)` until the
  // driver's own method is put back (`delete nor[method]`).
  const misbehave = (method, answer) => {
    nor[method] = function (...args) {
      return answer(NorFlash.prototype[method].apply(this, args));
    };
  };
  // A write or erase answering with a Promise (an async driver), or with
  // anything but nothing.
  for (const answer of [() => Promise.resolve(), () => 1, () => ({ then() {} })]) {
    misbehave("write", answer);
    assert.throws(() => locker.hold(7, NOW + DAY), (e) => e.code === "journal_write" && /write\(\)/.test(e.message));
    delete nor.write;
  }
  assert.deepEqual(locker.head(), head, "no record went in");
  locker.hold(7, NOW + DAY);
  assert.ok(locker.takeEvents().some((e) => e.type === "journal_compacted"), "continued in the other half");
  // Reads answering wrongly: what the locker reads for journalText().
  for (const [answer, says] of [
    [(bytes) => Promise.resolve(bytes), /Promise/],
    [(bytes) => bytes.subarray(1), /Uint8Array of \d+ bytes, returned one of/],
    [(bytes) => [...bytes], /Uint8Array/],
    [() => undefined, /Uint8Array/],
    [(bytes) => new Uint16Array(bytes), /Uint8Array/],
  ]) {
    misbehave("read", answer);
    assert.throws(() => locker.journalText(), (e) => e.code === "flash_failed" && says.test(e.message), String(answer));
    delete nor.read;
  }
  // A driver that throws something that is no Error.
  nor.read = () => { throw 42; };
  assert.throws(() => locker.previousJournalText(), { code: "flash_failed" });
  delete nor.read;
  // A flash callback calling back into its locker is refused inside it.
  let inner;
  nor.erase = function (offset, length) {
    try {
      locker.tick();
    } catch (error) {
      inner = error;
    }
    return NorFlash.prototype.erase.call(this, offset, length);
  };
  assert.equal(locker.compact(), true);
  assert.equal(inner?.code, "invalid_argument");
  assert.match(inner.message, /^this: /);
  delete nor.erase;
  // Still whole: reopened, the same locker.
  const live = locker.snapshot();
  locker.free();
  assert.deepEqual(Locker.openFlash(null, siteKeys(), board(bank), nor).snapshot(), live);
  await Promise.resolve();
});

// --- Wrong types: every new export, every argument ---------------------------

const invalid = (name) => (error) => {
  assert.ok(error instanceof LockerError, `${name}: threw ${error?.constructor?.name}: ${error?.message}`);
  assert.equal(error.code, "invalid_argument", `${name}: ${error.code}: ${error.message}`);
  assert.ok(error.message.startsWith(name), `${name}: the message does not name it: ${error.message}`);
  return true;
};

const show = (value) => {
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

function sweep(name, call, values) {
  for (const value of values) {
    assert.throws(() => call(value), invalid(name), `${name} = ${show(value)}`);
  }
}

const NOT_COUNT = [-1, 1.5, Number.NaN, Infinity, 2 ** 60, "1", "", {}, [], [1], null, undefined, 10n, Symbol("n"), () => 1, true];
const NOT_BYTES = [42, "abc", {}, [], [1, 2], null, undefined, 10n, Symbol("b"), () => 1, true, new Uint16Array(2), new ArrayBuffer(2)];

test("MemoryFlash refuses every wrong type, naming the argument", () => {
  sweep("capacityBytes", (v) => new MemoryFlash(v, BLOCK), [...NOT_COUNT, 2 ** 32, 2 ** 26 + 1]);
  sweep("eraseBlockBytes", (v) => new MemoryFlash(4 * BLOCK, v), NOT_COUNT);
  const chip = new MemoryFlash(4 * BLOCK, BLOCK);
  sweep("bytes", (v) => chip.cutPowerAfter(v), NOT_COUNT);
  sweep("offset", (v) => chip.overwrite(v, Uint8Array.of(1)), NOT_COUNT);
  sweep("data", (v) => chip.overwrite(0, v), NOT_BYTES);
  sweep("data", (v) => chip.overwrite(v, new Uint8Array(2)), [4 * BLOCK - 1, 4 * BLOCK, 2 ** 32 - 1]);
  // Nothing changed: erased, no power cut, no wear.
  assert.ok(chip.bytes().every((b) => b === 0xff));
  assert.equal(chip.powerLost, false);
  assert.equal(chip.writtenBytes + chip.erasedBlocks, 0);
  // Taken: the last byte, and an empty overwrite at the end.
  chip.overwrite(4 * BLOCK - 1, Uint8Array.of(0));
  chip.overwrite(4 * BLOCK, new Uint8Array(0));
  assert.equal(chip.bytes()[4 * BLOCK - 1], 0);
  // A copy is its own chip.
  const copy = chip.clone();
  copy.overwrite(0, Uint8Array.of(1));
  assert.equal(chip.bytes()[0], 0xff);
  assert.equal(copy.capacityBytes, chip.capacityBytes);
  assert.equal(copy.eraseBlockBytes, BLOCK);
});

/** Objects that are not a flash, and what makes each one wrong. */
function notFlashes() {
  const nor = () => new NorFlash(8 * BLOCK, BLOCK);
  const freed = new MemoryFlash(8 * BLOCK, BLOCK);
  freed.free();
  const without = (key) => {
    const flash = nor();
    const plain = { capacityBytes: flash.capacityBytes, eraseBlockBytes: flash.eraseBlockBytes,
      read: flash.read.bind(flash), write: flash.write.bind(flash), erase: flash.erase.bind(flash) };
    delete plain[key];
    return plain;
  };
  const withField = (key, value) => Object.assign(without(key), { [key]: value });
  return [
    42, "flash", null, undefined, 10n, Symbol("f"), () => 1, true, [], [1, 2], {}, new Uint8Array(8),
    new KeyRing(), freed, Object.create(MemoryFlash.prototype), new SimulatedHardware([1], 1),
    without("read"), without("write"), without("erase"), without("capacityBytes"), without("eraseBlockBytes"),
    withField("read", 1), withField("write", "write"), withField("erase", {}),
    withField("read", async () => new Uint8Array(0)),
    withField("write", async function write() {}),
    withField("erase", async function* erase() {}),
    withField("capacityBytes", "8192"), withField("capacityBytes", -1), withField("capacityBytes", 1.5),
    withField("capacityBytes", 8192n), withField("capacityBytes", null), withField("capacityBytes", 2 ** 32),
    withField("eraseBlockBytes", Number.NaN), withField("eraseBlockBytes", Symbol("b")),
    Object.defineProperty(without("capacityBytes"), "capacityBytes", { get() { throw new Error("no"); } }),
    Object.defineProperty(without("read"), "read", { get() { throw new Error("no"); } }),
  ];
}

test("Locker.openFlash refuses every wrong type, naming the argument, and the module goes on", () => {
  const bank = smallBank();
  const keys = siteKeys();
  const chip = () => new MemoryFlash(32 * 1024, BLOCK);
  const hw = () => board(bank);
  sweep("config", (v) => Locker.openFlash(v, keys, hw(), chip()),
    [42, true, 10n, Symbol("c"), () => 1, [], [1], "not json", "[]", { bank, bogus: 1 }, new KeyRing()]);
  sweep("keys", (v) => Locker.openFlash({ bank }, v, hw(), chip()),
    [42, "keys", {}, [], null, undefined, 10n, Symbol("k"), () => 1, chip(), { clone: () => keys }]);
  sweep("hardware", (v) => Locker.openFlash({ bank }, keys, v, chip()),
    [42, "hw", {}, [], null, undefined, 10n, Symbol("h"), { ...hw(), nowS: 5 }]);
  sweep("flash", (v) => Locker.openFlash({ bank }, keys, hw(), v), notFlashes());
  sweep("options", (v) => Locker.openFlash({ bank }, keys, hw(), chip(), v), [
    42, "options", [], 10n, Symbol("o"), () => 1, true, new KeyRing(), { bogus: 1 }, { compactAt: 5 },
    { compactAtBytes: -1 }, { compactAtBytes: "1024" }, { compactAtBytes: 1.5 }, { compactAtBytes: 10n },
    { compactAtBytes: null }, { compactAtBytes: 2 ** 32 }, { expectedHead: 42 }, { expectedHead: "head" },
    { expectedHead: [] }, { expectedHead: { seq: 1 } }, { expectedBank: {} }, { expectedBank: -1 },
    { expectedBank: 10n }, { expectedBank: "x" }, { acceptLegacy: true },
  ]);
  // A chip another live locker holds: refused until that locker is freed.
  const shared = chip();
  const first = Locker.openFlash({ bank }, keys, hw(), shared);
  sweep("flash", (v) => Locker.openFlash(null, keys, hw(), v), [shared]);
  const head = first.head();
  first.free();
  // A chip inside a call of its own cannot be: MemoryFlash calls nothing.
  const second = Locker.openFlash(null, keys, hw(), shared, { expectedHead: head, expectedBank: "0", compactAtBytes: 4096 });
  assert.deepEqual(second.head(), head);
  // The module still runs a whole drop-off and pickup, on a chip.
  const site = new Site(chip());
  assert.equal(site.dropOff(12), true);
  const { door, recipient, pin } = site.waiting[0];
  assert.deepEqual([...site.locker.pickupPin(1, recipient, pin)], [door]);
});

test("the new Locker methods take no arguments and answer on a freed locker as any method does", () => {
  const site = new Site(new MemoryFlash(32 * 1024, BLOCK));
  const { locker } = site;
  locker.free();
  for (const call of [
    () => locker.compact(), () => locker.flashUsage(), () => locker.flashOpenReport(),
    () => locker.previousJournalText(), () => locker.journalText(), () => locker.journalLength,
  ]) {
    assert.throws(call, invalid("this"));
  }
  const chip = new MemoryFlash(BLOCK * 2, BLOCK);
  chip.free();
  for (const call of [
    () => chip.bytes(), () => chip.cutPowerAfter(1), () => chip.restorePower(), () => chip.powerLost,
    () => chip.overwrite(0, Uint8Array.of(1)), () => chip.clone(), () => chip.writtenBytes,
  ]) {
    assert.throws(call, invalid("this"));
  }
  // A freed chip's locker is unaffected: the locker holds the chip too.
  const held = new MemoryFlash(32 * 1024, BLOCK);
  const bank = smallBank();
  const running = Locker.openFlash({ bank }, siteKeys(), board(bank), held);
  held.free();
  running.hold(3, NOW + DAY);
  assert.equal(running.flashUsage().records, 2);
  assert.ok(running.journalText().includes('"recipient":3'));
});
