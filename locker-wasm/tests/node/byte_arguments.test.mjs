// Byte arguments the module reads or fills (an RFID UID, a key secret, a
// buffer for entropy) are read through the built-in typed-array getters:
// a Uint8Array whose own `length` lies, whose `length` getter throws, or a
// Proxy over one is a LockerError `invalid_argument`, never an exception
// thrown through the module, which would leave it unusable.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

import { KeyRing, LockerError, SimulatedHardware } from "locker-wasm";

const lyingLength = (real, claimed) =>
  Object.defineProperty(new Uint8Array(real).fill(7), "length", { value: claimed });
const throwingLength = (real) =>
  Object.defineProperty(new Uint8Array(real).fill(7), "length", {
    get() {
      throw new Error("boom");
    },
  });
const proxied = (real) => new Proxy(new Uint8Array(real).fill(7), {});

const invalid = (error) => {
  assert.ok(error instanceof LockerError, `${error?.constructor?.name}: ${error?.message}`);
  assert.equal(error.code, "invalid_argument");
  return true;
};

test("a key secret given as a lying, throwing or proxied Uint8Array", () => {
  const ring = new KeyRing();
  // The real bytes count, whatever `length` says: 40 are not 32.
  assert.throws(() => ring.rotate(lyingLength(40, 32)), invalid);
  assert.throws(() => ring.rotate(proxied(32)), invalid);
  // A throwing own getter does not hide the 32 real bytes, which are read
  // past it: entropy of one repeated byte, refused as weak.
  assert.throws(() => ring.rotate(throwingLength(32)), (error) => {
    assert.ok(error instanceof LockerError);
    assert.equal(error.code, "weak_entropy");
    return true;
  });
  assert.equal(ring.ids().length, 0);
  // The module goes on: a real secret is taken.
  const secret = new Uint8Array(createHash("sha256").update("byte arguments").digest());
  ring.rotate(secret);
  assert.equal(ring.ids().length, 1);
});

test("a buffer to fill with entropy that lies, throws or is a Proxy", () => {
  const hw = new SimulatedHardware([1, 2], 5, 1_700_000_000);
  assert.throws(() => hw.fillRandom(proxied(16)), invalid);
  assert.throws(() => hw.fillRandom({ length: 16 }), invalid);
  // A lying length is not believed: all 24 real bytes are filled.
  const lying = lyingLength(24, 8);
  hw.fillRandom(lying);
  const real = new Uint8Array(lying.buffer);
  assert.equal(real.byteLength, 24);
  assert.ok(real.some((byte) => byte !== 7), "filled");
  const buf = new Uint8Array(16);
  hw.fillRandom(buf);
  assert.ok(buf.some((byte) => byte !== 0));
});
