// Wrong argument types throw Errors with a code; the module keeps working
// afterwards (nothing traps, nothing is poisoned).
import { test } from "node:test";
import assert from "node:assert/strict";

import * as locker from "locker-wasm";

const { Bank, CredentialStore, KeyRing, Locker, SimulatedHardware, defaultBank, doorIds, validateBankConfig } = locker;

const isLockerError = (code) => (e) =>
  e instanceof locker.LockerError && e instanceof Error && e.name === "LockerError" && e.code === code && e.message.length > 0;

test("wrong types give invalid_argument errors that name the argument", () => {
  const bank = new Bank(defaultBank());
  for (const bad of [undefined, null, 42, "text", [], { parcel: "x" }, () => 1]) {
    assert.throws(() => bank.allocate(bad), isLockerError("invalid_argument"), String(bad));
  }
  assert.throws(() => bank.allocate({ parcel: { id: 1.5, size: { width_mm: 1, depth_mm: 1, height_mm: 1 }, weight_g: 1 }, recipient: 1 }),
    isLockerError("invalid_argument"));
  assert.throws(() => bank.locate(-1), (e) => e.code === "invalid_argument" && /parcel/.test(e.message));
  assert.throws(() => bank.locate(Number.NaN), isLockerError("invalid_argument"));
  assert.throws(() => bank.locate(2 ** 60), isLockerError("invalid_argument"));
  assert.throws(() => bank.store("3", 1, {}), isLockerError("invalid_argument"));
  assert.throws(() => bank.allocate({ parcel: { id: 1, size: { width_mm: 1, depth_mm: 1, height_mm: 1 }, weight_g: 1n }, recipient: 1 }),
    isLockerError("invalid_argument"));
  assert.throws(() => validateBankConfig(42), isLockerError("invalid_argument"));
  assert.throws(() => new SimulatedHardware([1, -2], 0), isLockerError("invalid_argument"));
  assert.throws(() => new CredentialStore({ pin: 3 }), isLockerError("invalid_argument"));
  assert.throws(() => new Locker({ bank: defaultBank(), extra: 1 }, new SimulatedHardware([1], 0)), isLockerError("invalid_argument"));
  assert.throws(() => new Locker(undefined, 5), isLockerError("invalid_argument"));
});

test("a wrong class instance, a freed one or a BigInt is a LockerError naming the argument", () => {
  const store = new CredentialStore();
  const keys = new KeyRing();
  keys.rotate();
  const named = (what) => (e) => isLockerError("invalid_argument")(e) && e.message.startsWith(`${what}:`);
  assert.throws(() => store.verifyPin({}, 1, null, "1234", 0), named("keys"));
  assert.throws(() => store.verifyPin(new Bank(defaultBank()), 1, null, "1234", 0), named("keys"));
  assert.throws(() => store.verifyPin(keys, 1n, null, "1234", 0), named("kiosk"));
  assert.throws(() => store.verifyPin(keys, Symbol("k"), null, "1234", 0), named("kiosk"));
  const freed = keys.clone();
  freed.free();
  assert.throws(() => store.verifyPin(freed, 1, null, "1234", 0), named("keys"));
  assert.throws(() => freed.rotate(), named("this"));
  assert.throws(() => freed.length, named("this"));
  freed.free(); // twice: nothing happens
  assert.throws(() => KeyRing.prototype.ids.call(store), named("this"));
  // The caller's ring was copied, not moved: it still works.
  assert.equal(keys.length, 1);
  assert.throws(() => freed.ids(), (e) => e instanceof locker.LockerError && e instanceof Error);
});

test("the module still works after many errors", () => {
  const bank = new Bank(defaultBank());
  for (let i = 0; i < 200; i++) {
    assert.throws(() => bank.allocate({ nonsense: i }));
  }
  const outcome = bank.allocate({ parcel: { id: 1, size: { width_mm: 100, depth_mm: 100, height_mm: 50 }, weight_g: 100 }, recipient: 1 });
  assert.equal(outcome.outcome, "assigned");
  const sim = new SimulatedHardware(doorIds(defaultBank()), 3, 1_700_000_000);
  const l = new Locker(undefined, sim);
  assert.throws(() => l.pickupPin(1, 1, "12"), (e) => typeof e.code === "string");
  assert.throws(() => l.staffOpen(1, ""), isLockerError("invalid_argument"));
  assert.equal(l.doors().length, 105);
  assert.equal(new KeyRing().length, 0);
});

test("a string or bytes argument of another type is refused, never a trap", () => {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 3, 1_700_000_000);
  const l = new Locker({ bank }, sim);
  const keys = l.keys();
  const store = new CredentialStore();
  const calls = {
    "pickupPin pin": (v) => l.pickupPin(1, 12, v),
    "pickupQr token": (v) => l.pickupQr(1, v),
    "courierSignIn code": (v) => l.courierSignIn(1, v),
    "staffOpen reason": (v) => l.staffOpen(1, v),
    "setOutOfService reason": (v) => l.setOutOfService(1, v),
    "pickupRfid uid": (v) => l.pickupRfid(1, v),
    "pickupRfid pin": (v) => l.pickupRfid(1, Uint8Array.of(1, 2, 3, 4), v),
    "registerRfid uid": (v) => l.registerRfid(12, v, false),
    "verifyPin pin": (v) => store.verifyPin(keys, 1, 12, v, 1_700_000_000),
    "verifyToken token": (v) => store.verifyToken(keys, 0, 1, v, 1_700_000_000),
    "verifyTokenOffline token": (v) => locker.verifyTokenOffline(keys, [], 0, v, 1_700_000_000),
    "failCalls operation": (v) => sim.failCalls(v, "door_jammed"),
    "failCalls kind": (v) => sim.failCalls("unlock", v),
    ...(locker.hasQr() ? { "qrSvg text": (v) => locker.qrSvg(v) } : {}),
  };
  for (const [name, call] of Object.entries(calls)) {
    const bad = name.endsWith("uid") ? ["0102", [1, 2, 3, 4], 42, {}] : [42, 10n, Symbol("s"), {}, [1, 2], true];
    for (const value of [...bad, ...(name === "pickupRfid pin" ? [] : [null, undefined])]) {
      assert.throws(() => call(value), isLockerError("invalid_argument"), `${name}: ${typeof value}`);
    }
  }
  // Nothing was poisoned: the locker still works.
  assert.equal(l.doors().length, 105);
  l.issueCourierCode(1, 3600);
});

