// Failures cost only the failer (issue 18), from JavaScript: every channel
// flooded from one kiosk and from several (PINs naming a unit, PINs naming
// made-up units, junk and forged QR codes, unknown RFID tags, forged remote
// commands, wrong courier codes naming a carrier), then a legitimate QR
// token, RFID tag and remote command still open at once, another
// carrier's courier signs in, the attacked resident's host heard of it,
// and every attempt is on the record at bounded journal growth. Also: a
// drop-off at the PIN cap gives one PIN for all the resident's doors, a
// policy above the brute-force bound is refused (or overridden, on the
// record), and a power cut at a pickup's latch leaves the door in service
// and the PIN valid.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

import {
  CredentialStore, KeyRing, Locker, LockerError, SimulatedHardware, bruteForceBound, defaultBank, doorIds,
  issueToken, journalRecords, signRemoteCommand,
} from "locker-wasm";

const T0 = 1_700_000_000;
const DAY = 86_400;
const BANK = 9;
const ROUNDS = 200;
/** Attempts per kiosk and round: two QR, one RFID, two PIN, one courier, one remote. */
const PER_ROUND = 7;

const code = (c) => (e) => {
  assert.ok(e instanceof LockerError, `${e}`);
  assert.equal(e.code, c, e.message);
  return true;
};

function rig(config = {}) {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 3, T0);
  const locker = new Locker({ bank, bank_id: BANK, credentials: { remote: { enabled: true } }, ...config }, sim);
  locker.issueCourierCode(1, 30 * DAY);
  const session = locker.courierSignIn(1, locker.issueCourierCode(3, 30 * DAY), 3);
  return { bank, sim, locker, session };
}

/** 32 bytes as varied as random ones, reproducible: the SHA-256 of `seed`. */
const seeded = (seed) => new Uint8Array(createHash("sha256").update(seed).digest());

const parcel = (id, size = { width_mm: 300, depth_mm: 200, height_mm: 100 }) => ({ id, size, weight_g: 1_000 });

/** A parcel dropped off and its door closed: the door, its PIN and QR token, the event. */
function dropOff({ sim, locker, session }, id, recipient, size) {
  const drop = locker.deposit(session, { parcel: parcel(id, size), recipient });
  assert.equal(drop.outcome, "opened", JSON.stringify(drop));
  sim.openDoor(drop.compartment);
  sim.putParcel(drop.compartment);
  sim.closeDoor(drop.compartment);
  locker.doorClosed(drop.compartment);
  const ready = locker.takeEvents().find((e) => e.type === "parcel_ready");
  assert.ok(ready, "parcel_ready");
  return { door: drop.compartment, pin: ready.pin, token: ready.qr_token, ready };
}

function empty({ sim, locker }, doors) {
  for (const door of doors) {
    sim.openDoor(door);
    while (sim.parcelCount(door) > 0) sim.takeParcel(door);
    sim.closeDoor(door);
    locker.doorClosed(door);
  }
}

const refused = (call) => assert.throws(call, (e) => e instanceof LockerError && typeof e.code === "string");

/** Junk, forgeries and guesses on every channel from `kiosks`, `rounds` times: the host's events. */
function flood({ sim, locker }, kiosks, rounds) {
  const forger = new KeyRing();
  forger.rotate(seeded("forger's key"));
  const entropy = seeded("forger's entropy");
  const events = [];
  for (let round = 0; round < rounds; round++) {
    for (const kiosk of kiosks) {
      refused(() => locker.pickupQr(kiosk, "NOTATOKEN"));
      const { token } = issueToken(forger, {
        bank: BANK, purpose: "pickup", compartments: [1], recipient: 12, expires_at_s: T0 + DAY,
      }, T0, entropy);
      refused(() => locker.pickupQr(kiosk, token));
      refused(() => locker.pickupRfid(kiosk, Uint8Array.of(0xaa, 0xbb, 0xcc, round % 250, 1, 2, 3)));
      // One unit's PINs, and made-up units' (the bank-wide cap).
      refused(() => locker.pickupPin(kiosk, 15, String(10_000 + round).padStart(8, "0")));
      refused(() => locker.pickupPin(kiosk, 100 + round, "12345670"));
      // Courier codes naming carrier 1.
      refused(() => locker.courierSignIn(kiosk, String(20_000 + round).padStart(12, "0"), 1));
      const nowS = sim.clockS;
      const forged = signRemoteCommand(forger, {
        bank: BANK, compartment: 1, purpose: "pickup", recipient: 14, not_before_s: nowS, not_after_s: nowS + 60,
      }, entropy);
      refused(() => locker.openRemote(forged));
    }
    events.push(...locker.takeEvents());
    sim.advanceS(7);
  }
  return events;
}

/** `attempt_failed` records count one each, `attempts_refused` their `count`. */
const attemptsOnRecord = (records) =>
  records.reduce((sum, r) =>
    sum + (r.entry.type === "attempt_failed" ? 1 : r.entry.type === "attempts_refused" ? r.entry.count : 0), 0);

for (const kiosks of [[1], [1, 2, 3]]) {
  test(`a flood on every channel from ${kiosks.length} kiosk(s) never stops a valid QR code, tag, remote command or courier`, () => {
    const r = rig();
    const { sim, locker } = r;
    const d12 = dropOff(r, 1, 12);
    const d13 = dropOff(r, 2, 13);
    const d14 = dropOff(r, 3, 14);
    const d15 = dropOff(r, 4, 15);
    const uid13 = Uint8Array.of(0x04, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13);
    assert.equal(locker.registerRfid(13, uid13, false), undefined);
    const carrier2 = locker.issueCourierCode(2, 30 * DAY);
    sim.advanceS(60);
    const before = locker.journalLength;

    const events = flood(r, kiosks, ROUNDS);
    const kiosk = kiosks[0];

    // Throttles started refusing the flood.
    assert.ok(events.some((e) => e.type === "suspicious_attempts"), "no throttle started");
    // The attacked resident's host heard at once: unit 15's PINs are throttled.
    const lockout = events.find((e) => e.type === "suspicious_attempts" &&
      e.lockout.scope.channel === "pin" && typeof e.lockout.scope.subject === "object" &&
      "recipient" in e.lockout.scope.subject && e.lockout.scope.subject.recipient === 15);
    assert.ok(lockout, "no suspicious_attempts for unit 15");
    assert.ok(lockout.lockout.until_s > lockout.lockout.at_s);

    // Every legitimate credential that verifies opens at once, at the flooded kiosk.
    assert.deepEqual([...locker.pickupQr(kiosk, d12.token)], [d12.door]);
    assert.deepEqual([...locker.pickupRfid(kiosk, uid13)], [d13.door]);
    const nowS = sim.clockS;
    const command = signRemoteCommand(locker.keys(), {
      bank: BANK, compartment: d14.door, purpose: "pickup", recipient: 14, not_before_s: nowS, not_after_s: nowS + 60,
    });
    assert.deepEqual([...locker.openRemote(command)], [d14.door]);
    assert.deepEqual([...locker.pickupQr(kiosk, d15.token)], [d15.door]);
    empty(r, [d12.door, d13.door, d14.door, d15.door]);
    // Carrier 2's courier signs in: the guesser named carrier 1.
    const session2 = locker.courierSignIn(kiosk, carrier2, 2);
    assert.equal(session2.carrier, 2);

    // Every attempt is on the record, and the flood cost bounded storage.
    const keys = locker.keys();
    const records = journalRecords(locker.journalText(), { keys });
    const added = records.slice(before);
    const attempts = kiosks.length * ROUNDS * PER_ROUND;
    const onRecord = attemptsOnRecord(added);
    sim.advanceS(3_600);
    locker.tick();
    // Refused attempts are summed an hour, so the sums land once the hour ends.
    const later = journalRecords(locker.journalText(), { keys }).slice(records.length);
    const flushed = attemptsOnRecord(later);
    assert.equal(onRecord + flushed, attempts, "every attempt on the record");
    assert.ok(later.some((rec) => rec.entry.type === "attempts_refused"), "no attempts_refused record");
    assert.ok(added.length + later.length < attempts / 4, `${added.length + later.length} records for ${attempts} attempts`);
    const refusedEntry = later.find((rec) => rec.entry.type === "attempts_refused").entry;
    assert.deepEqual(Object.keys(refusedEntry), ["type", "channel", "kiosk", "error", "count", "first_at_s", "last_at_s"]);
    const signedIn = records.filter((rec) => rec.entry.type === "courier_signed_in").map((rec) => rec.entry);
    assert.deepEqual(signedIn.at(-1), { type: "courier_signed_in", carrier: 2, kiosk });
  });
}

test("flushAttempts puts every held sum of refused attempts on the record at once", () => {
  const r = rig();
  const { locker } = r;
  const before = locker.journalLength;
  flood(r, [1], 20);
  const keys = locker.keys();
  const held = attemptsOnRecord(journalRecords(locker.journalText(), { keys }).slice(before));
  assert.ok(held < 20 * PER_ROUND, "some attempts wait in the hour's sums");
  assert.equal(locker.flushAttempts(), undefined);
  const onRecord = attemptsOnRecord(journalRecords(locker.journalText(), { keys }).slice(before));
  assert.equal(onRecord, 20 * PER_ROUND);
  // Nothing left to flush: a second call adds no record.
  const length = locker.journalLength;
  locker.flushAttempts();
  assert.equal(locker.journalLength, length);
});

test("a resident whose PINs are attacked keeps collecting with the QR code, and no lock lasts a day", () => {
  const r = rig();
  const { sim, locker } = r;
  const { door, pin, token } = dropOff(r, 1, 13);
  const events = [];
  let throttled = 0;
  for (let guess = 0; guess < 5; guess++) {
    try {
      locker.pickupPin(1, 13, String(40_000 + guess).padStart(8, "0"));
      assert.fail("guessed");
    } catch (e) {
      assert.ok(e instanceof LockerError, `${e}`);
      if (e.code === "throttled") throttled++;
    }
    events.push(...locker.takeEvents());
  }
  assert.ok(throttled > 0, "the unit's PINs back off");
  const lockout = events.find((e) => e.type === "suspicious_attempts" &&
    typeof e.lockout.scope.subject === "object" && "recipient" in e.lockout.scope.subject &&
    e.lockout.scope.subject.recipient === 13);
  assert.ok(lockout, "the host hears at once");
  assert.ok(lockout.lockout.until_s < T0 + 3_600, "a backoff of minutes, not a day's lock");
  // The QR code opens now; the PIN works again later.
  assert.deepEqual([...locker.pickupQr(1, token)], [door]);
  sim.openDoor(door);
  sim.closeDoor(door);
  locker.doorClosed(door);
  for (let i = 0; i < 2; i++) {
    sim.advanceS(1_800);
    locker.observeClock();
  }
  assert.deepEqual([...locker.pickupPin(1, 13, pin)], [door]);
});

test("a fourth door for a resident at the PIN cap gives one PIN for all their doors", () => {
  const r = rig();
  const { sim, locker } = r;
  // Parcels that fill a B door: none can join another's door.
  const big = { width_mm: 350, depth_mm: 600, height_mm: 170 };
  const first = [1, 2, 3].map((id) => dropOff(r, id, 12, big));
  assert.equal(new Set(first.map((d) => d.door)).size, 3);
  for (const d of first) assert.deepEqual(d.ready.pin_opens, [d.door]);
  // At the cap of 3 PINs, the fourth drop-off succeeds (never too_many_pins).
  const fourth = dropOff(r, 4, 12, big);
  const all = [...first.map((d) => d.door), fourth.door].sort((a, b) => a - b);
  assert.deepEqual(fourth.ready.pin_opens, all);
  assert.deepEqual(fourth.ready.parcel_ids, [4]);
  assert.equal(fourth.ready.carrier, 3);
  sim.advanceS(60);
  // The earlier PINs gave way to the one PIN for all.
  assert.throws(() => locker.pickupPin(1, 12, first[0].pin), (e) => e instanceof LockerError && e.code !== "invalid_argument");
  assert.deepEqual([...locker.pickupPin(1, 12, fourth.pin)].sort((a, b) => a - b), all);
  empty(r, all);
});

test("a merged PIN keeps opening the other doors after one is collected by QR", () => {
  const r = rig();
  const { sim, locker } = r;
  const big = { width_mm: 350, depth_mm: 600, height_mm: 170 };
  const drops = [1, 2, 3, 4].map((id) => dropOff(r, id, 12, big));
  const all = drops.map((d) => d.door).sort((a, b) => a - b);
  const merged = drops[3];
  assert.deepEqual(merged.ready.pin_opens, all, "4 doors at a cap of 3: one PIN for all");
  sim.advanceS(60);
  // One door is collected with its own QR code.
  const first = drops[0];
  assert.deepEqual([...locker.pickupQr(1, first.token)], [first.door]);
  empty(r, [first.door]);
  // The merged PIN is not spent by that: it opens the three others.
  const rest = all.filter((door) => door !== first.door);
  sim.advanceS(60);
  assert.deepEqual([...locker.pickupPin(1, 12, merged.pin)].sort((a, b) => a - b), rest);
  // Two of them are emptied, one closed full again (the resident took
  // one parcel at a time): the PIN opens that one still.
  const [a, b, keep] = rest;
  empty(r, [a, b]);
  sim.openDoor(keep);
  sim.closeDoor(keep);
  locker.doorClosed(keep);
  locker.takeEvents();
  sim.advanceS(60);
  assert.deepEqual([...locker.pickupPin(1, 12, merged.pin)], [keep]);
  empty(r, [keep]);
  assert.throws(() => locker.pickupPin(1, 12, merged.pin), (e) => e instanceof LockerError && e.code !== "invalid_argument");
});

test("with one PIN per unit a delegation is refused, and the resident's own PIN stays", () => {
  const r = rig({ credentials: { remote: { enabled: true }, pin: { max_active_per_unit: 1 } } });
  const { sim, locker } = r;
  const { door, pin } = dropOff(r, 1, 12);
  const before = locker.journalLength;
  for (const request of [
    { delegator: 12, scope: "parcels", compartments: [door], expires_at_s: T0 + DAY },
    { delegator: 12, scope: "all_parcels", compartments: [], expires_at_s: T0 + DAY },
  ]) {
    assert.throws(() => locker.delegate(request), (e) => code("too_many_pins")(e) && /12/.test(e.message));
  }
  assert.equal(locker.journalLength, before, "nothing journaled");
  sim.advanceS(60);
  assert.deepEqual([...locker.pickupPin(1, 12, pin)], [door]);
  // At the default cap of 3, the same delegation is given.
  const d = rig();
  const drop = dropOff(d, 1, 12);
  assert.match(d.locker.delegate({ delegator: 12, scope: "parcels", compartments: [drop.door], expires_at_s: T0 + DAY }).pin, /^\d{8}$/);
});

/**
 * A patient guesser: `attempt(n)` makes guess `n`; each backoff is waited
 * out (the clock stepped in 50 minutes, as time passing) until a refusal
 * says to come back in more than three hours (a cap for the day).
 * Returns the guesses counted (refused as wrong), how long the last
 * refusal holds, and the host's events.
 */
function greedy({ sim, locker }, attempt) {
  const waitUntil = (target) => {
    while (sim.clockS < target) {
      sim.advanceS(Math.min(50 * 60, target - sim.clockS));
      locker.observeClock();
    }
  };
  let counted = 0;
  let lockedFor = 0;
  const events = [];
  for (let guess = 0; guess < 500; guess++) {
    try {
      attempt(guess);
      assert.fail("a guess opened a door");
    } catch (e) {
      events.push(...locker.takeEvents());
      if (e.code !== "throttled") {
        assert.equal(e.code, "rejected", e.message);
        counted++;
        continue;
      }
      const retryAt = Number(/retry at (\d+)/.exec(e.message)[1]);
      lockedFor = retryAt - sim.clockS;
      if (lockedFor > 3 * 3_600) break;
      waitUntil(retryAt);
    }
  }
  return { counted, lockedFor, events };
}

test("guesses naming one unit get the bank's cap of 25 a day (no longer 20): the unit's PINs only back off", () => {
  const r = rig();
  const { locker } = r;
  const { door, token } = dropOff(r, 1, 13);
  const { counted, lockedFor, events } = greedy(r, (guess) =>
    locker.pickupPin(1, 13, String(40_000_000 + guess * 7_919).slice(-8)));
  assert.equal(counted, 25);
  assert.ok(lockedFor > 3 * 3_600, `${lockedFor} s`);
  const lockouts = events.filter((e) => e.type === "suspicious_attempts").map((e) => e.lockout);
  const ofUnit = lockouts.filter((l) => typeof l.scope.subject === "object" && l.scope.subject.recipient === 13);
  assert.ok(ofUnit.length > 0, "the unit's PINs backed off");
  // The unit locks for longer than a backoff only at its cap, 25, with
  // the bank (whose cap the unit's failures reach at the same guess).
  const bankCap = lockouts.find((l) => l.scope.subject === "bank" && l.failures === 25);
  assert.ok(bankCap, JSON.stringify(lockouts.at(-1)));
  for (const l of ofUnit) {
    if (l.until_s - l.at_s > 3_600) {
      assert.equal(l.failures, 25, JSON.stringify(l));
      assert.equal(l.at_s, bankCap.at_s, "the unit locks with the bank, never before");
    }
  }
  // The resident's QR code still opens.
  assert.deepEqual([...locker.pickupQr(1, token)], [door]);
});

test("malformed keypad input counts against nobody: 40 entries never lock the bank, and are on the record", () => {
  const r = rig();
  const { sim, locker } = r;
  const { door, pin } = dropOff(r, 1, 12);
  locker.flushAttempts();
  const before = locker.journalLength;
  const junk = ["1", "123", "1234567", "123456789", "000000000000", "12ab5678", "abcdefgh", " 1234567", "１２３４５６７８"];
  const codes = new Map();
  const events = [];
  const n = 40;
  for (let i = 0; i < n; i++) {
    // From one kiosk and from many, naming the unit, another or none.
    const kiosk = i % 2 === 0 ? 1 : 100 + i;
    const unit = i % 5 === 4 ? null : i % 3 === 0 ? 12 : 200 + i;
    const typed = unit === null ? pin : junk[i % junk.length];
    try {
      locker.pickupPin(kiosk, unit, typed);
      assert.fail("junk opened a door");
    } catch (e) {
      assert.ok(e instanceof LockerError, `${e}`);
      codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
    }
    events.push(...locker.takeEvents());
  }
  // Never throttled, never counted: no lockout, no attempt_failed.
  assert.deepEqual([...codes.keys()].sort(), ["malformed_pin", "unit_required"]);
  assert.equal(events.filter((e) => e.type === "suspicious_attempts").length, 0);
  locker.flushAttempts();
  const added = journalRecords(locker.journalText(), { keys: locker.keys() }).slice(before).map((rec) => rec.entry);
  assert.equal(added.filter((e) => e.type === "attempt_failed").length, 0);
  // Yet every one is on the record, summed.
  const sums = added.filter((e) => e.type === "attempts_refused");
  assert.equal(sums.reduce((sum, e) => sum + e.count, 0), n);
  assert.deepEqual([...new Set(sums.map((e) => e.error))].sort(), ["malformed_pin", "unit_required"]);
  assert.ok(added.length <= 2 * 33, `${added.length} records`);
  // The right PIN opens at once, at the kiosk that typed the most junk.
  assert.deepEqual([...locker.pickupPin(1, 12, pin)], [door]);
  // And the bank's cap of 25 wrong PINs a day is whole: well-formed
  // guesses naming made-up units, each kiosk's and the bank's backoff
  // waited out, are counted 25 times before the bank locks for the day.
  empty(r, [door]);
  const { counted, lockedFor } = greedy(r, (guess) =>
    locker.pickupPin(1_000 + guess, 5_000 + guess, String(30_000_000 + guess * 7_919).slice(-8)));
  assert.equal(counted, 25, "the bank's cap, none of it spent by the junk");
  assert.ok(lockedFor > 3 * 3_600, `then the bank locks (${lockedFor} s)`);
});

test("junk QR from 10,000 made-up kiosk ids is mostly refused at bounded journal growth; a valid token still opens", (t) => {
  const r = rig();
  const { locker } = r;
  const { door, token } = dropOff(r, 1, 12);
  locker.flushAttempts();
  const before = locker.journalLength;
  const n = 10_000;
  const codes = new Map();
  const events = [];
  for (let k = 0; k < n; k++) {
    // Ids scattered over the u32 range, as a host forwarding what it is sent.
    const kiosk = Math.imul(k + 1, 2_654_435_761) >>> 0;
    try {
      locker.pickupQr(kiosk, "JUNK");
      assert.fail("junk opened a door");
    } catch (e) {
      assert.ok(e instanceof LockerError, `${e}`);
      codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
    }
    if (k % 500 === 0) events.push(...locker.takeEvents());
  }
  events.push(...locker.takeEvents());
  locker.flushAttempts();
  const added = journalRecords(locker.journalText(), { keys: locker.keys() }).slice(before).map((rec) => rec.entry);
  const throttled = codes.get("throttled") ?? 0;
  t.diagnostic(`${n} junk scans: ${JSON.stringify(Object.fromEntries(codes))}; ${added.length} records`);
  assert.ok(throttled > n * 0.9, `only ${throttled} of ${n} refused by the throttle`);
  assert.ok(added.length < 200, `${added.length} records for ${n} scans`);
  // Every scan is on the record: counted one by one or summed (the
  // kiosks beyond those summed one by one under kiosk: null).
  const onRecord = added.reduce((sum, e) =>
    sum + (e.type === "attempt_failed" ? 1 : e.type === "attempts_refused" ? e.count : 0), 0);
  assert.equal(onRecord, n);
  assert.ok(added.some((e) => e.type === "attempts_refused" && e.kiosk === null), "no sum for the other kiosks");
  // The made-up kiosks share one scope, named in the lockout event.
  const pooled = events.find((e) => e.type === "suspicious_attempts" && e.lockout.scope.subject === "other_kiosks");
  assert.ok(pooled, "no lockout of other_kiosks");
  assert.equal(pooled.lockout.scope.channel, "qr");
  // A token that verifies is never refused for anyone else's junk, even
  // from a kiosk id of the throttled pool.
  assert.deepEqual([...locker.pickupQr(Math.imul(n + 7, 2_654_435_761) >>> 0, token)], [door]);
});

test("a parcel no door takes raises an overflow event", () => {
  const r = rig();
  const huge = { width_mm: 2_000, depth_mm: 2_000, height_mm: 2_000 };
  const drop = r.locker.deposit(r.session, { parcel: parcel(9, huge), recipient: 12 });
  assert.equal(drop.outcome, "overflow");
  assert.deepEqual(r.locker.takeEvents(), [
    { type: "overflow", parcel: 9, recipient: 12, carrier: 3, reason: "nothing_fits" },
  ]);
});

test("a policy above the brute-force bound is refused; an override with its reason is on the record", () => {
  const weak = { pin: { digits: 4, binding: "unbound" } };
  const bank = defaultBank();
  const sim = () => new SimulatedHardware(doorIds(bank), 3, T0);
  const report = bruteForceBound(weak);
  assert.ok(report.per_billion > 1_000_000, JSON.stringify(report));
  assert.equal(report.inputs.second_factor, "none");
  assert.throws(() => new Locker({ bank, credentials: weak }, sim()), (e) =>
    code("bound_exceeded")(e) && e.message.includes("per billion"));
  assert.throws(() => new CredentialStore(weak), code("bound_exceeded"));
  const keys = new KeyRing();
  keys.rotate();
  assert.throws(() => Locker.withKeys({ bank, credentials: weak }, keys, sim()), code("bound_exceeded"));
  // An override without its reason is refused; with one, it is journaled.
  const noReason = { ...weak, brute_force: { target_per_billion: 1_000_000_000 } };
  assert.throws(() => new Locker({ bank, credentials: noReason }, sim()), code("invalid_policy"));
  const reason = "a test bench, no parcels";
  const overridden = { ...weak, brute_force: { target_per_billion: 1_000_000_000, override_reason: reason } };
  const locker = new Locker({ bank, credentials: overridden }, sim());
  const [configured] = journalRecords(locker.journalText(), { keys: locker.keys() });
  assert.equal(configured.entry.type, "configured");
  assert.deepEqual(configured.entry.credentials.brute_force, { target_per_billion: 1_000_000_000, override_reason: reason });
  assert.equal(new CredentialStore(overridden).length, 0);
  // The default policy meets the target, and says what it assumes.
  const fine = bruteForceBound();
  assert.ok(fine.per_billion <= fine.target_per_billion && fine.probability < 1e-6, JSON.stringify(fine));
  assert.equal(fine.target_per_billion, 1_000);
  assert.equal(fine.inputs.attempts_per_24h, 25);
  assert.equal(fine.inputs.active_credentials, 200);
  assert.deepEqual(fine.inputs.second_factor, { unit_number: { max_pins_per_unit: 3 } });
  assert.match(fine.attacker, /24 hours/);
  assert.ok(bruteForceBound(undefined, 10_000).probability > fine.probability);
  assert.deepEqual(bruteForceBound(JSON.stringify(weak)), report);
});

test("a power cut at a pickup's latch leaves the door in service and the PIN valid", () => {
  const r = rig();
  const { sim, locker } = r;
  const { door, pin } = dropOff(r, 1, 12);
  sim.advanceS(60);
  sim.failCalls("unlock", "power_lost");
  assert.throws(() => locker.pickupPin(1, 12, pin), code("power_lost"));
  const state = locker.doors().find((d) => d.id === door).state;
  assert.notEqual(state, "out_of_service");
  assert.equal(state, "occupied");
  // Power back: the resident tries again, with the same PIN.
  assert.deepEqual([...locker.pickupPin(1, 12, pin)], [door]);
});

test("a weak entropy seed is refused; a good one gives the same ring twice", () => {
  assert.throws(() => new KeyRing().rotate(new Uint8Array(32)), code("weak_entropy"));
  assert.throws(() => new KeyRing().rotate(new Uint8Array(31)), code("invalid_argument"));
  const seed = seeded("a reproducible ring");
  const copy = Uint8Array.from(seed);
  const a = new KeyRing();
  const b = new KeyRing();
  a.rotate(seed);
  b.rotate(seed);
  assert.deepEqual(a.exportSecrets(), b.exportSecrets());
  assert.deepEqual(seed, copy, "the caller's bytes are left as they were");
});
