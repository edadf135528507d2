// Keys, PINs, QR tokens and QR codes, against the built package.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

import * as pkg from "locker-wasm";

const { CredentialStore, KeyRing, hasQr, issueRecordedToken, issueToken, verifyTokenOffline } = pkg;
// Absent from a build without the `qr` feature (the test skips).
const { qrSvg } = pkg;

const NOW = 1_700_000_000;

test("a key ring rotates from Web Crypto and exports for secure storage", () => {
  const keys = new KeyRing();
  assert.equal(keys.length, 0);
  const id = keys.rotate();
  assert.deepEqual([...keys.ids()], [id]);
  const saved = keys.exportSecrets();
  assert.equal(saved.length, 1);
  assert.match(saved[0].secret_hex, /^[0-9a-f]{64}$/);
  const again = KeyRing.importSecrets(saved);
  assert.deepEqual([...again.ids()], [id]);
  assert.throws(() => KeyRing.importSecrets([{ id: 1, secret_hex: "zz" }]), { code: "invalid_argument" });
  assert.throws(() => KeyRing.importSecrets([...saved, ...saved]), { code: "duplicate_key_id" });
});

test("a key ring moves as the bytes C's locker_keys_export writes", () => {
  const keys = new KeyRing();
  const first = keys.rotate();
  const second = keys.rotate();
  keys.retire(second);
  const bytes = keys.toBytes();
  assert.ok(bytes instanceof Uint8Array);
  // A format byte, the largest id used (big-endian), then id + secret.
  assert.equal(bytes.length, 3 + 34);
  assert.equal((bytes[1] << 8) | bytes[2], second);
  const again = KeyRing.fromBytes(bytes);
  assert.deepEqual([...again.ids()], [first]);
  assert.deepEqual(again.exportSecrets(), keys.exportSecrets());
  assert.ok(again.rotate() > second, "a retired id is never reused");

  // A provisioned ring: key 7, as varied as random bytes (a SHA-256).
  const secret = [...createHash("sha256").update("provisioned key 7").digest()];
  const hex = secret.map((b) => b.toString(16).padStart(2, "0")).join("");
  const provisioned = Uint8Array.from([bytes[0], 0, 7, 0, 7, ...secret]);
  assert.deepEqual(KeyRing.fromBytes(provisioned).exportSecrets(), [{ id: 7, secret_hex: hex }]);
  // 32 bytes of 0x5a (the C tests' old provisioned key) is no key, nor
  // is a ramp of 32 distinct bytes (this test's old key).
  const weak = Uint8Array.from([bytes[0], 0, 7, 0, 7, ...new Array(32).fill(0x5a)]);
  assert.throws(() => KeyRing.fromBytes(weak), { code: "weak_key" });
  const ramp = Uint8Array.from([bytes[0], 0, 7, 0, 7, ...Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff)]);
  assert.throws(() => KeyRing.fromBytes(ramp), { code: "weak_key", message: /counter or pattern/ });
  assert.throws(() => KeyRing.fromBytes(Uint8Array.of(1)), { code: "invalid_request", message: /3-byte header/ });
  assert.throws(() => KeyRing.fromBytes(provisioned.subarray(0, 36)), { code: "invalid_request" });
  assert.throws(() => KeyRing.fromBytes([...provisioned]), { code: "invalid_argument", message: /Uint8Array/ });
});

test("a QR token issued in the cloud verifies offline with the same keys, at its bank only", () => {
  const keys = new KeyRing();
  keys.rotate();
  const request = { bank: 31, purpose: "pickup", compartments: [41], recipient: 12, expires_at_s: NOW + 3600 };
  const { token, record } = issueToken(keys, request, NOW);
  assert.match(token, /^[A-Z2-7]+$/);
  assert.equal(record.kind !== undefined || record.id !== undefined, true);
  const claims = verifyTokenOffline(KeyRing.importSecrets(keys.exportSecrets()), [], 31, token, NOW + 60);
  // A plain object in the core's JSON shape: its keys in the core's order.
  assert.deepEqual(Object.keys(claims), [
    "version", "key_id", "signer", "credential_id", "purpose", "recipient", "compartments", "issued_at_s",
    "expires_at_s",
  ]);
  assert.equal(claims.version, 3);
  assert.equal(claims.signer, "site");
  assert.equal(claims.recipient, 12);
  assert.equal(claims.issued_at_s, NOW);
  assert.deepEqual(claims.compartments, [41]);
  assert.equal(claims.purpose, "pickup");
  assert.equal(claims.key_id, keys.ids()[0]);
  assert.equal(claims.expires_at_s, NOW + 3600);
  assert.deepEqual(JSON.parse(JSON.stringify(claims)), claims);
  assert.equal(verifyTokenOffline(keys, [], "31", token, NOW).recipient, 12);
  assert.throws(() => verifyTokenOffline(keys, [], 32, token, NOW), { code: "rejected" });
  assert.throws(() => verifyTokenOffline(keys, [], 31, token, NOW + 7200), { code: "expired" });
  const other = new KeyRing();
  other.rotate();
  assert.throws(() => verifyTokenOffline(other, [], 31, token, NOW), { code: "rejected" });
  assert.throws(() => verifyTokenOffline(keys, [], 31, "not a token", NOW), { code: "malformed_token" });
  // The bank defaults to 0; a carrier's return token names no recipient.
  const plain = issueToken(keys, { purpose: "courier_drop_off", compartments: [41], recipient: null, expires_at_s: NOW + 60 }, NOW);
  assert.equal(verifyTokenOffline(keys, [], 0, plain.token, NOW).recipient, null);
});

test("a PIN is issued, verified, redeemed once", () => {
  const keys = new KeyRing();
  keys.rotate();
  const store = new CredentialStore();
  const { pin, record } = store.issuePin(keys, { recipient: 12, compartments: [3], purpose: "pickup", expires_at_s: NOW + 86_400 }, NOW);
  assert.match(pin, /^\d{8}$/);
  assert.equal(typeof record, "object");
  assert.equal(store.length, 1);
  assert.throws(() => store.verifyPin(keys, 1, null, pin, NOW), { code: "unit_required" });
  const grant = store.verifyPin(keys, 1, 12, pin, NOW + 60);
  // A plain object (nothing to free) in the core's JSON shape.
  assert.deepEqual(Object.keys(grant), [
    "credential_id", "channel", "purpose", "compartments", "recipient", "carrier", "expires_at_s", "single_use",
  ]);
  assert.deepEqual(grant.compartments, [3]);
  assert.equal(grant.channel, "pin");
  assert.equal(grant.purpose, "pickup");
  assert.equal(grant.recipient, 12);
  assert.equal(grant.carrier, null);
  assert.equal(grant.expires_at_s, NOW + 86_400);
  assert.equal(grant.single_use, true);
  // The error names the real mistake, whatever else the grant holds as
  // decimal strings (its credential id, often beyond 2^53 − 1).
  assert.throws(() => store.redeem({ ...grant, channel: "fax" }, NOW + 90),
    { code: "invalid_argument", message: /unknown variant `fax`/ });
  assert.throws(() => store.redeem({ ...grant, credential_id: "12345678901234567890", channel: "fax" }, NOW + 90),
    { code: "invalid_argument", message: /unknown variant `fax`/ });
  assert.throws(() => store.redeem(null, NOW + 90), { code: "invalid_argument" });
  assert.throws(() => store.redeem("{not json", NOW + 90), { code: "invalid_argument" });
  // Its JSON text (a grant sent to a back end and back) redeems too, and
  // what is spent is the record's to say: an edited copy spends the PIN.
  store.redeem(JSON.stringify({ ...grant, single_use: false }), NOW + 90);
  assert.throws(() => store.verifyPin(keys, 1, 12, pin, NOW + 120), { code: "already_used" });
  assert.throws(() => store.redeem(grant, NOW + 120), { code: "already_used" });
});

test("a store's QR token verifies once and credential ids survive as strings when large", () => {
  const keys = new KeyRing();
  keys.rotate();
  const store = new CredentialStore();
  const { token } = store.issueToken(keys, { bank: 9, purpose: "pickup", compartments: [5], expires_at_s: NOW + 600 }, NOW);
  assert.throws(() => store.verifyToken(keys, 8, 1, token, NOW), { code: "rejected" });
  const grant = store.verifyToken(keys, 9, 1, token, NOW);
  assert.equal(grant.channel, "qr");
  const id = grant.credential_id;
  assert.ok(typeof id === "number" ? Number.isSafeInteger(id) : /^\d+$/.test(id) && !Number.isSafeInteger(Number(id)));
  assert.equal(String(id), String(store.records()[0].id));
  store.redeem(grant, NOW);
  assert.throws(() => store.verifyToken(keys, 9, 1, token, NOW), { code: "already_used" });
  assert.throws(() => store.verifyToken(keys, 9, 1, token, NOW, "bogus"), { code: "invalid_argument" });
});

test("a recorded token verifies only with its record, never offline", () => {
  const keys = new KeyRing();
  keys.rotate();
  const request = { bank: 9, purpose: "pickup", compartments: [5], recipient: 12, expires_at_s: NOW + 600 };
  const store = new CredentialStore();
  const { token, record } = store.issueRecordedToken(keys, request, NOW);
  assert.match(token, /^[A-Z2-7]+$/);
  // The record keeps a digest of the token's secret, not the token.
  assert.deepEqual(Object.keys(record.kind), ["type", "secret_digest"]);
  assert.match(record.kind.secret_digest, /^[0-9a-f]{64}$/);
  assert.equal(store.length, 1);
  // The site's keys alone do not check it.
  assert.throws(() => verifyTokenOffline(keys, [], 9, token, NOW), { code: "rejected" });
  assert.throws(() => new CredentialStore().verifyToken(keys, 9, 1, token, NOW), { code: "rejected" });
  // Its record does: at its bank, once.
  assert.throws(() => store.verifyToken(keys, 8, 1, token, NOW), { code: "rejected" });
  const grant = store.verifyToken(keys, 9, 1, token, NOW);
  assert.deepEqual([grant.channel, grant.compartments, grant.recipient], ["qr", [5], 12]);
  store.redeem(grant, NOW);
  assert.throws(() => store.verifyToken(keys, 9, 1, token, NOW), { code: "already_used" });
  // Back-end tokens are unchanged: they verify offline.
  assert.equal(verifyTokenOffline(keys, [], 9, issueToken(keys, request, NOW).token, NOW).recipient, 12);
  // Issued outside a store, the record goes to the store that verifies.
  const free = issueRecordedToken(keys, request, NOW);
  assert.deepEqual(Object.keys(free), ["token", "record"]);
  assert.equal(free.record.kind.type, "token");
  assert.throws(() => verifyTokenOffline(keys, [], 9, free.token, NOW), { code: "rejected" });
});

test("QR codes render as SVG", { skip: !hasQr() && "built without the qr feature" }, () => {
  const svg = qrSvg("AEAQAALW56Q6XMQGCY5WKV7FQAAQAAAAFHD6DU3QKTEAIAAP2ITRY");
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const small = qrSvg("HELLO", { module_px: 2, error_correction: "low" });
  assert.ok(small.length < svg.length);
  assert.throws(() => qrSvg("x", { module_px: "big" }), { code: "invalid_argument" });
  // Sizes out of range are refused, not drawn outside the picture.
  for (const options of [{ module_px: 0 }, { module_px: 4294967295 }, { quiet_zone_modules: 101 }, { quiet_zone_modules: 4294967295 }]) {
    assert.throws(() => qrSvg("x", options), { code: "invalid_argument", message: /module_px|quiet_zone_modules/ });
  }
  assert.throws(() => qrSvg("x".repeat(5000)), { code: "qr_data_too_long" });
});

test("a store checks a courier code, with the carrier the courier named or without", () => {
  const keys = new KeyRing();
  keys.rotate();
  const store = new CredentialStore();
  const { code, record } = store.issueCourierCode(keys, { carrier: 4, valid_from_s: NOW, expires_at_s: NOW + 3600 }, NOW);
  assert.match(code, /^[0-9]{12}$/);
  assert.equal(record.purpose, "courier_drop_off");
  const grant = store.verifyCourier(keys, 1, code, NOW + 1, 4);
  assert.equal(grant.carrier, 4);
  assert.equal(grant.channel, "courier");
  assert.equal(store.verifyCourier(keys, 1, code, NOW + 1).carrier, 4);
  // Another carrier's code is not looked at when a carrier is named.
  assert.throws(() => store.verifyCourier(keys, 1, code, NOW + 1, 5), { code: "rejected" });
  assert.throws(() => store.verifyCourier(keys, 1, code, NOW + 7200, 4), { code: "expired" });
  assert.throws(() => store.verifyCourier(keys, 1, code, NOW + 1, 4n), { code: "invalid_argument" });
  assert.throws(() => store.issueCourierCode(keys, { carrier: 4, valid_from_s: NOW, expires_at_s: NOW }, NOW),
    { code: "bad_expiry" });
});
