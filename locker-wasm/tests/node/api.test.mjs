// The exports that came with authenticated journals, Ed25519 issuing,
// clock holds and monotonic counters: what they return, and every one
// called with wrong types (numbers, strings, objects, arrays, null,
// undefined, BigInt, symbols, functions, instances of the wrong class):
// each throws a LockerError with code "invalid_argument" before anything
// changes, and the module keeps working.
import { test } from "node:test";
import assert from "node:assert/strict";

import * as pkg from "locker-wasm";

const {
  CredentialStore, IssuerSigningKey, KeyRing, Locker, SimulatedHardware, defaultBank, doorIds, hasEd25519,
  issueTokenSigned, journalRecords, readJournal, replayJournal, signRemoteCommandEd25519, signTime,
  signTimeEd25519, verifyJournal, verifyTokenOffline,
} = pkg;

const NOW = 1_700_000_000;

const invalid = (what) => (e) => {
  assert.ok(e instanceof Error, `${what}: ${e}`);
  assert.equal(e.name, "LockerError", `${what}: ${e.message}`);
  assert.equal(e.code, "invalid_argument", `${what}: ${e.code} ${e.message}`);
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

/** Wrong values for every kind of parameter. */
const ANY = [42, -1, 1.5, Number.NaN, "text", {}, [], null, undefined, 10n, Symbol("s"), () => 1, true];
const without = (...allowed) => ANY.filter((v) => !allowed.some((a) => Object.is(a, v)));
const NOT_NUMBER = ["1", {}, [], null, undefined, 10n, Symbol("n"), () => 1, true, -1, 1.5, Number.NaN, 2 ** 60];
const NOT_KEY_ID = [...NOT_NUMBER, 65_536];
const NOT_BANK = [{}, [], null, undefined, 10n, Symbol("b"), () => 1, true, -1, 1.5, "abc", "", 2 ** 60];
const NOT_TEXT = [42, {}, [], null, undefined, 10n, Symbol("t"), () => 1, true];
const NOT_RECORDS = [42, {}, null, undefined, 10n, Symbol("r"), () => 1, true, [42], [{}], ["line"]];
const NOT_OPTIONS = [42, "text", [], 10n, Symbol("o"), () => 1, true, { bogus: 1 }, new KeyRing()];
const NOT_SECRET = ["00".repeat(32), new Array(32).fill(7), new Uint8Array(31), new Uint8Array(33), new Uint16Array(32),
  {}, null, undefined, 10n, Symbol("k"), 42];
const NOT_KEYS = [42, "keys", {}, [], null, undefined, 10n, Symbol("k"), () => 1, { clone: () => 1 },
  { clone() { throw new Error("no"); } }, { clone: 5 }];

function world() {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 7, NOW, { monotonicCounter: true });
  const locker = new Locker({ bank, bank_id: 31 }, sim);
  return { bank, sim, locker, keys: locker.keys() };
}

function sweep(name, call, values) {
  for (const value of values) {
    assert.throws(() => call(value), invalid(`${name}(${show(value)})`));
  }
}

test("the new exports answer in the core's JSON shapes", () => {
  const { sim, locker, keys } = world();
  assert.deepEqual(Object.keys(keys.checks()[0]), ["key_id", "check"]);
  assert.match(keys.checks()[0].check, /^[0-9a-f]{16}$/);
  const copy = keys.clone();
  copy.rotate();
  assert.equal(keys.length, 1, "a clone is its own ring");
  assert.equal(locker.restoreReport(), null);
  assert.equal(locker.bankId, 31);
  assert.equal(locker.clockOffsetS, 0);
  assert.equal(locker.clockHeldSinceS, undefined);
  const head = locker.head();
  assert.equal(head.seq, locker.journalLength - 1);
  // The locker's head names its bank; a head read from the records alone
  // does not (nothing in a record says which bank is the board's).
  assert.equal(head.bank_id, 31);
  const verified = verifyJournal(locker.journalText(), { keys, expectedHead: head, minRecords: locker.journalLength });
  assert.deepEqual(Object.keys(verified), ["chain", "authenticated_through", "legacy_records", "head"]);
  const { bank_id, ...recordHead } = head;
  void bank_id;
  assert.deepEqual(verified.head, recordHead);
  const loaded = readJournal(locker.journalText(), { keys });
  assert.deepEqual(Object.keys(loaded), ["records", "verified", "torn_tail", "valid_bytes"]);
  assert.deepEqual(loaded.records[0].entry.keys, keys.checks());
  assert.deepEqual(journalRecords(locker.journalText(), { keys }), loaded.records);
  // The start of a later part of the journal.
  const start = { next_seq: 1, head: loaded.records[0].hash };
  assert.equal(verifyJournal(locker.journalSince(1), { keys, start }).chain.next_seq, locker.journalLength);

  // Keys through the locker, journaled.
  const rotated = locker.rotateKey();
  assert.ok(locker.keys().ids().includes(rotated));
  locker.retireKey(keys.ids()[0]);
  assert.deepEqual([...locker.keys().ids()], [rotated]);
  assert.throws(() => locker.retireKey(rotated), { code: "no_keys" });
  assert.throws(() => locker.retireKey(999), { code: "unknown_key_id" });
  const kinds = readJournal(locker.journalText()).records.map((r) => r.entry.type);
  assert.equal(kinds.filter((k) => k === "keys_changed").length, 2);
  // The journal verifies with the ring that now holds only the new key:
  // the last records vouch for the earlier ones.
  assert.equal(verifyJournal(locker.journalText(), { keys: locker.keys() }).authenticated_through, locker.journalLength - 1);

  // The simulated board's counter, as hardware calls.
  assert.equal(sim.monotonicCounterValue, locker.journalLength);
  sim.clearCalls();
  assert.equal(sim.monotonicCounter(), locker.journalLength);
  sim.raiseMonotonicCounter(2);
  assert.equal(sim.monotonicCounterValue, locker.journalLength, "never lowered");
  assert.deepEqual(sim.calls(), ["monotonic_counter", { raise_monotonic_counter: { at_least: 2 } }]);
  const plain = new SimulatedHardware([1], 0);
  assert.equal(plain.monotonicCounter(), undefined);
  assert.equal(plain.monotonicCounterValue, undefined);
  // No uptime counter unless asked for; without one the call is not recorded.
  assert.equal(plain.uptimeS(), undefined);
  assert.deepEqual(plain.calls(), []);
  const timed = new SimulatedHardware([1], 0, NOW, { uptime: true });
  timed.advanceS(90);
  timed.setNowS(NOW + 100);
  timed.setNowS(NOW);
  timed.jumpClockS(3_000);
  assert.equal(timed.clockS, NOW, "a jump waits for the next read");
  assert.equal(timed.uptimeS(), 100, "time passing moves it; a clock set back or jumping does not");
  assert.equal(timed.nowS(), NOW + 3_000);
  assert.equal(timed.uptimeS(), 100);
  assert.deepEqual(timed.calls(), ["uptime_s", "now_s", "uptime_s"]);
  timed.jumpClockS(60);
  timed.clearFaults();
  assert.equal(timed.nowS(), NOW + 3_000, "clearFaults drops a pending jump");
  // A failing counter: the record stands, the fault is raised.
  sim.failCalls("raise_monotonic_counter", "bus_timeout");
  locker.staffOpen(doorIds(defaultBank())[0], "check");
  assert.ok(locker.takeEvents().some((e) => e.type === "hardware_fault" && e.kind === "bus_timeout"));

  // Signed times.
  const time = signTime(keys, "31", NOW);
  assert.equal(time.bank, 31);
  const store = new CredentialStore();
  store.verifySignedTime(keys, 31, time);
  assert.throws(() => store.verifySignedTime(keys, 32, time), { code: "wrong_bank" });
  assert.equal(typeof pkg.hasEd25519(), "boolean");
});

test("a JavaScript board's monotonic counter is read at the start and raised after each record", () => {
  const bank = defaultBank();
  const open = new Set();
  let counter = 0;
  const raised = [];
  const board = {
    unlock(door) { open.add(door); },
    doorState(door) { return open.has(door) ? "open" : "closed"; },
    nowS() { return NOW; },
    fillRandom(buf) { crypto.getRandomValues(buf); },
    monotonicCounter() { return counter; },
    raiseMonotonicCounter(atLeast) { raised.push(atLeast); counter = Math.max(counter, atLeast); },
  };
  const locker = new Locker({ bank }, board);
  locker.issueCourierCode(1, 3600);
  assert.deepEqual(raised, [1, 2]);
  assert.equal(counter, locker.journalLength);
  const text = locker.journalText();
  const restored = Locker.restore(locker.keys(), board, text);
  assert.equal(restored.restoreReport().counter, 2);
  counter = 5;
  assert.throws(() => Locker.restore(locker.keys(), board, text), { code: "rolled_back" });
  // A counter without a way to raise it (or the reverse) is refused.
  const { raiseMonotonicCounter, ...readOnly } = board;
  void raiseMonotonicCounter;
  assert.throws(() => new Locker({ bank }, readOnly), invalid("read-only counter"));
  // A counter that answers nonsense is a sensor fault; null is "none".
  for (const answer of ["7", -1, 1.5, 10n, {}]) {
    assert.throws(() => new Locker({ bank }, { ...board, monotonicCounter: () => answer }), { code: "sensor_fault" });
  }
  assert.equal(new Locker({ bank }, { ...board, monotonicCounter: () => null }).journalLength, 1);
  assert.throws(() => new Locker({ bank }, { ...board, monotonicCounter() { throw Object.assign(new Error("i2c"), { code: "bus_timeout" }); } }),
    { code: "bus_timeout" });
});

test("journal functions refuse wrong types", () => {
  const { locker, keys } = world();
  const text = locker.journalText();
  for (const [name, fn] of [["readJournal", readJournal], ["journalRecords", journalRecords]]) {
    sweep(name, (v) => fn(v), NOT_TEXT);
    sweep(`${name} options`, (v) => fn(text, v), NOT_OPTIONS);
  }
  for (const [name, fn] of [["verifyJournal", verifyJournal], ["replayJournal", replayJournal]]) {
    sweep(name, (v) => fn(v), NOT_RECORDS);
    sweep(`${name} options`, (v) => fn(text, v), NOT_OPTIONS);
  }
  const options = [
    ...NOT_KEYS.filter((v) => v !== undefined).map((keys) => ({ keys })),
    // (A field set to undefined is a field left out.)
    ...NOT_NUMBER.filter((v) => v !== undefined).map((minRecords) => ({ minRecords })),
    ...without(true, false, undefined).map((acceptLegacy) => ({ acceptLegacy })),
    ...without(undefined).map((expectedHead) => ({ expectedHead })),
    { expectedHead: { ...locker.head(), seq: "x" } },
    { expectedHead: { seq: 1, hash: "00" } },
    { expectedHead: { ...locker.head(), mac: undefined } },
    ...without(undefined).map((start) => ({ start })),
    { keys, extra: 1 },
    { [Symbol("s")]: 1 },
  ];
  sweep("verifyJournal options", (v) => verifyJournal(text, v), options);
  sweep("readJournal options", (v) => readJournal(text, v), options);
  // A ring that was freed is no ring.
  const freed = keys.clone();
  freed.free();
  assert.throws(() => verifyJournal(text, { keys: freed }), invalid("freed ring"));
  // A signing key is not a key ring.
  if (hasEd25519()) assert.throws(() => verifyJournal(text, { keys: IssuerSigningKey.generate(1) }), invalid("wrong class"));
  // The caller's ring is untouched by all of that.
  assert.equal(verifyJournal(text, { keys }).authenticated_through, locker.journalLength - 1);
  assert.equal(keys.length, 1);
});

test("Locker.restore and the locker's new methods refuse wrong types, changing nothing", () => {
  const { bank, sim, locker, keys } = world();
  const text = locker.journalText();
  const board = () => new SimulatedHardware(doorIds(bank), 1, NOW);
  sweep("restore keys", (v) => Locker.restore(v, board(), text), [...NOT_KEYS, new SimulatedHardware([1], 0)]);
  sweep("restore hardware", (v) => Locker.restore(keys, v, text), [42, "board", null, undefined, 10n, Symbol("h"), {}, () => 1]);
  sweep("restore records", (v) => Locker.restore(keys, board(), v), NOT_RECORDS);
  sweep("restore options", (v) => Locker.restore(keys, board(), text, v), [
    ...NOT_OPTIONS,
    ...without(undefined).map((snapshot) => ({ snapshot })),
    ...without(true, false, undefined).map((acceptLegacy) => ({ acceptLegacy })),
    ...without(undefined).map((expectedHead) => ({ expectedHead })),
    ...NOT_BANK.filter((v) => v !== undefined).map((expectedBank) => ({ expectedBank })),
    { expectedHead: { ...locker.head(), bank_id: -1 } },
    { expectedHead: { ...locker.head(), bank_id: "x" } },
    { expectedHead: { ...locker.head(), bank: 31 } },
    { expected_bank: 31 },
    { keys },
    { minRecords: 1 },
  ]);

  const before = locker.journalLength;
  sweep("addKey keyId", (v) => locker.addKey(v, crypto.getRandomValues(new Uint8Array(32))), NOT_KEY_ID);
  sweep("addKey secret", (v) => locker.addKey(5, v), NOT_SECRET);
  sweep("retireKey", (v) => locker.retireKey(v), NOT_KEY_ID);
  const notSigned = [42, null, undefined, 10n, Symbol("t"), {}, [], "not json", () => 1,
    { ...signTime(keys, 31, NOW), extra: 1 }, { ...signTime(keys, 31, NOW), bank: -1 }, { ...signTime(keys, 31, NOW), tag: 5 }];
  sweep("confirmSignedTime", (v) => locker.confirmSignedTime(v), notSigned);
  sweep("openRemote", (v) => locker.openRemote(v), [42, null, undefined, 10n, Symbol("c"), {}, [], "{", () => 1]);
  assert.equal(locker.journalLength, before, "nothing was journaled");
  assert.equal(locker.keys().length, 1);

  sweep("SimulatedHardware options", (v) => new SimulatedHardware([1], 0, NOW, v), [
    ...NOT_OPTIONS, { monotonicCounter: "yes" }, { monotonicCounter: 1 }, { monotonic_counter: true },
    { uptime: "yes" }, { uptime: 1 }, { uptime: null }, { uptimeS: true },
  ]);
  sweep("raiseMonotonicCounter", (v) => sim.raiseMonotonicCounter(v), NOT_NUMBER);
  const clock = sim.clockS;
  sweep("jumpClockS", (v) => sim.jumpClockS(v), [...NOT_NUMBER, Number.MAX_SAFE_INTEGER]);
  assert.equal(sim.nowS(), clock, "no jump was taken");
  assert.equal(sim.monotonicCounterValue, locker.journalLength);

  const store = new CredentialStore();
  sweep("verifySignedTime keys", (v) => store.verifySignedTime(v, 31, signTime(keys, 31, NOW)), NOT_KEYS);
  sweep("verifySignedTime bank", (v) => store.verifySignedTime(keys, v, signTime(keys, 31, NOW)), NOT_BANK);
  sweep("verifySignedTime time", (v) => store.verifySignedTime(keys, 31, v), notSigned);
  sweep("signTime keys", (v) => signTime(v, 31, NOW), NOT_KEYS);
  sweep("signTime bank", (v) => signTime(keys, v, NOW), NOT_BANK);
  sweep("signTime time", (v) => signTime(keys, 31, v), NOT_NUMBER);
  sweep("verifyTokenOffline issuers", (v) => verifyTokenOffline(keys, v, 31, "AAAA", NOW),
    [42, "x", {}, null, undefined, 10n, Symbol("i"), [{ key_id: 1 }], [{ key_id: 1, public_key: "00", extra: 1 }]]);
  sweep("verifyTokenOffline bank", (v) => verifyTokenOffline(keys, [], v, "AAAA", NOW), NOT_BANK);
  sweep("verifyToken bank", (v) => store.verifyToken(keys, v, 1, "AAAA", NOW), NOT_BANK);
});

test("Ed25519 exports refuse wrong types", { skip: !hasEd25519() && "built without the ed25519 feature" }, () => {
  const { keys } = world();
  const signer = IssuerSigningKey.generate(2);
  const request = { bank: 31, purpose: "pickup", compartments: [1], recipient: 12, expires_at_s: NOW + 60 };
  const remote = { bank: 31, compartment: 1, purpose: "pickup", recipient: 12, not_before_s: NOW, not_after_s: NOW + 60 };
  sweep("IssuerSigningKey.generate", (v) => IssuerSigningKey.generate(v), NOT_KEY_ID);
  sweep("IssuerSigningKey.fromBytes keyId", (v) => IssuerSigningKey.fromBytes(v, signer.toBytes()), NOT_KEY_ID);
  sweep("IssuerSigningKey.fromBytes bytes", (v) => IssuerSigningKey.fromBytes(1, v), NOT_SECRET);
  const notSigner = [...NOT_KEYS, keys, new SimulatedHardware([1], 0)];
  sweep("issueTokenSigned signer", (v) => issueTokenSigned(v, request, NOW), notSigner);
  sweep("issueTokenSigned request", (v) => issueTokenSigned(signer, v, NOW),
    [42, "x", null, undefined, 10n, Symbol("r"), [], { ...request, extra: 1 }, { ...request, bank: -1 }, { ...request, recipient: 10n }]);
  sweep("issueTokenSigned nowS", (v) => issueTokenSigned(signer, request, v), NOT_NUMBER);
  sweep("signRemoteCommandEd25519 signer", (v) => signRemoteCommandEd25519(v, remote), notSigner);
  sweep("signRemoteCommandEd25519 request", (v) => signRemoteCommandEd25519(signer, v),
    [42, "x", null, undefined, 10n, Symbol("r"), [], { ...remote, extra: 1 }, { ...remote, compartment: "1x" }]);
  sweep("signTimeEd25519 signer", (v) => signTimeEd25519(v, 31, NOW), notSigner);
  sweep("signTimeEd25519 bank", (v) => signTimeEd25519(signer, v, NOW), NOT_BANK);
  sweep("signTimeEd25519 time", (v) => signTimeEd25519(signer, 31, v), NOT_NUMBER);
  // A key ring is refused as a signing key, and stays usable.
  assert.equal(keys.length, 1);
  assert.equal(signer.keyId, 2);
  assert.equal(signTimeEd25519(signer, 31, NOW).key_id, 2);
});

test("after all of that the module still works", () => {
  const { sim, locker } = world();
  const session = locker.courierSignIn(1, locker.issueCourierCode(1, 3600));
  const drop = locker.deposit(session, {
    parcel: { id: 1, size: { width_mm: 300, depth_mm: 200, height_mm: 100 }, weight_g: 1500 }, recipient: 12,
  });
  sim.openDoor(drop.compartment);
  sim.putParcel(drop.compartment);
  sim.closeDoor(drop.compartment);
  locker.doorClosed(drop.compartment);
  const ready = locker.takeEvents().find((e) => e.type === "parcel_ready");
  assert.deepEqual([...locker.pickupPin(1, 12, ready.pin)], [drop.compartment]);
  // The door stood open: the restore settles it (a record more).
  const restored = Locker.restore(locker.keys(), sim, locker.journalText(), { expectedHead: locker.head() });
  assert.ok(restored.journalLength >= locker.journalLength);
  assert.equal(restored.restoreReport().authenticated_through, locker.journalLength - 1);
});
