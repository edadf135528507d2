// The trust model tried as an attacker would: someone who can read and
// write the journal's storage (and rewrite it with recomputed hashes), move
// the real-time clock, replay and forge credentials, or bring another
// site's keys. Every test here must fail without the protection it names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

import * as pkg from "locker-wasm";

const {
  CredentialStore, KeyRing, Locker, SimulatedHardware, defaultBank, doorIds, hasEd25519, issueRecordedToken,
  issueToken, journalRecords, readJournal, signRemoteCommand, signTime, verifyJournal, verifyTokenOffline,
} = pkg;
// Absent from a build without the `ed25519` feature (the tests skip).
const { IssuerSigningKey, issueTokenSigned, signRemoteCommandEd25519, signTimeEd25519 } = pkg;

const NOW = 1_700_000_000;
const DAY = 86_400;
const parcel = (id) => ({ id, size: { width_mm: 300, depth_mm: 200, height_mm: 100 }, weight_g: 1500 });

/** A locker over a simulator, with a parcel for resident 12 waiting. */
function site({ config = {}, counter = false, uptime = false, seed = 7 } = {}) {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), seed, NOW, { monotonicCounter: counter, uptime });
  const locker = new Locker({ bank, ...config }, sim);
  const { door, ready } = dropOff(locker, sim, 1, 12);
  return { bank, sim, locker, door, ready, keys: locker.keys() };
}

function dropOff(locker, sim, id, recipient) {
  const session = locker.courierSignIn(1, locker.issueCourierCode(1, 60 * DAY));
  const answer = locker.deposit(session, { parcel: parcel(id), recipient });
  assert.equal(answer.outcome, "opened");
  const door = answer.compartment;
  sim.openDoor(door);
  sim.putParcel(door);
  sim.closeDoor(door);
  locker.doorClosed(door);
  const ready = locker.takeEvents().find((e) => e.type === "parcel_ready");
  return { door, ready };
}

/** A pickup that empties the door and closes it. */
function collect(locker, sim, door) {
  sim.openDoor(door);
  while (sim.parcelCount(door) > 0) sim.takeParcel(door);
  sim.closeDoor(door);
  locker.doorClosed(door);
}

const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const lines = (text) => text.split("\n").filter((line) => line.length > 0);
const text = (list) => list.map((line) => `${line}\n`).join("");

/**
 * A record line cut into the JSON its hash covers (`{"v","seq","at_s",
 * "prev","entry"}`, compact, in that order: the line up to its hash) and
 * its seal (`"key_id"` and `"mac"`, which only the journal key makes).
 */
function cut(line) {
  const match = line.match(/^(.*),"hash":"([0-9a-f]{64})"((?:,"key_id":\d+,"mac":"[0-9a-f]{32}")?)\}$/);
  assert.ok(match, line);
  return { body: `${match[1]}}`, hash: match[2], seal: match[3] };
}

/**
 * What an attacker with write access to the storage does: rewrite record
 * bodies (`edit` returns the new body, or null to delete the record), then
 * renumber and recompute every hash and link from there, in JavaScript.
 * The MACs stay as they were: making new ones takes the journal key.
 */
function rechain(list, edit = (body) => body) {
  const out = [];
  let prev = "0".repeat(64);
  list.forEach((line, index) => {
    const { body: original, seal } = cut(line);
    let body = edit(original, index);
    if (body === null) return;
    body = body
      .replace(/^\{"v":(\d+),"seq":\d+,/, (_, v) => `{"v":${v},"seq":${out.length},`)
      .replace(/^(\{"v":\d+,"seq":\d+,"at_s":\d+,"prev":")[0-9a-f]{64}"/, (_, head) => `${head}${prev}"`);
    const hash = sha256(body);
    out.push(`${body.slice(0, -1)},"hash":"${hash}"${seal}}`);
    prev = hash;
  });
  return out;
}

test("the JavaScript hash is the core's: a journal rechained unchanged is byte for byte the same", () => {
  const { locker } = site();
  const original = lines(locker.journalText());
  assert.deepEqual(rechain(original), original);
});

test("a record rewritten with a recomputed hash chain is refused with the keys, naming the record", () => {
  const { locker, sim, keys, door, bank } = site();
  const original = lines(locker.journalText());
  // The attacker moves resident 12's parcel to resident 13 in the record
  // that stored it, and recomputes every hash after it.
  const stored = original.findIndex((line) => line.includes(`"compartment":${door}`) && line.includes('"recipient":12'));
  assert.ok(stored > 0, "the record that stored the parcel");
  const forged = rechain(original, (body, i) => (i === stored ? body.replaceAll('"recipient":12', '"recipient":13') : body));
  assert.notDeepEqual(forged, original);

  // Integrity alone cannot tell: the chain is whole (the documented limit
  // of checking without keys).
  assert.equal(verifyJournal(text(forged)).chain.next_seq, original.length);
  // With the keys, the first rewritten record is named.
  for (const check of [
    () => verifyJournal(text(forged), { keys }),
    () => readJournal(text(forged), { keys }),
    () => Locker.restore(keys, new SimulatedHardware(doorIds(bank), 1, sim.clockS), text(forged)),
  ]) {
    assert.throws(check, (e) => e.name === "LockerError" && e.code === "forged" && e.seq === stored
      && new RegExp(`record ${stored}`).test(e.message));
  }
  // Records given as objects (64-bit ids as decimal strings, as the
  // package writes them) are checked the same way.
  const objects = readJournal(text(forged)).records;
  assert.throws(() => verifyJournal(objects, { keys }), { code: "forged", seq: stored });
});

test("deleted records are found: a gap, and a gap closed by renumbering", () => {
  const { locker, keys } = site();
  const original = lines(locker.journalText());
  const gap = original.filter((_, i) => i !== 2);
  assert.throws(() => verifyJournal(text(gap)), { code: "missing_records", seq: 3 });
  assert.throws(() => verifyJournal(text(gap), { keys }), { code: "missing_records", seq: 3 });
  const closed = rechain(original, (body, i) => (i === 2 ? null : body));
  assert.equal(verifyJournal(text(closed)).chain.next_seq, original.length - 1);
  assert.throws(() => verifyJournal(text(closed), { keys }), { code: "forged", seq: 2 });
  // A record repeated (replayed into the storage).
  const repeated = [...original.slice(0, 3), original[2], ...original.slice(3)];
  assert.throws(() => verifyJournal(text(repeated), { keys }), { code: "out_of_order", seq: 2 });
});

test("a record downgraded to version 1 (MAC stripped) after an authenticated one is refused", () => {
  const { locker, keys } = site();
  const original = lines(locker.journalText());
  const last = original.length - 1;
  const downgraded = rechain(original, (body, i) => (i === last ? body.replace(/^\{"v":3,/, '{"v":1,') : body))
    .map((line, i) => (i === last ? line.replace(/,"key_id":\d+,"mac":"[0-9a-f]{32}"\}$/, "}") : line));
  assert.throws(() => verifyJournal(text(downgraded), { keys }), { code: "unauthenticated", seq: last });
  assert.throws(() => verifyJournal(text(downgraded), { keys, acceptLegacy: true }), { code: "unauthenticated", seq: last });
  // A MAC stripped from a version-2 record: no MAC, nothing vouches for it.
  const stripped = original.map((line, i) => (i === last ? line.replace(/,"key_id":\d+,"mac":"[0-9a-f]{32}"\}$/, "}") : line));
  assert.throws(() => verifyJournal(text(stripped), { keys }), (e) => ["unauthenticated", "malformed_record", "not_canonical"].includes(e.code));
});

test("a key renamed or an unknown key injected into a record is refused, not ignored", () => {
  const { locker, keys, bank, sim } = site();
  const original = lines(locker.journalText());
  const restoreOf = (list) => () => Locker.restore(keys, new SimulatedHardware(doorIds(bank), 1, sim.clockS), text(list));
  const edits = {
    "an unknown field in the entry": (body) => body.replace(/"entry":\{"type":"([a-z_]+)"/, '"entry":{"type":"$1","note":"x"'),
    "an unknown field in the record": (body) => body.replace(/,"entry":/, ',"note":1,"entry":'),
    "a field renamed": (body) => body.replace('"at_s":', '"at":'),
    "an unknown entry kind": (body) => body.replace(/"entry":\{"type":"[a-z_]+"/, '"entry":{"type":"door_unlocked_by_magic"'),
  };
  for (const [what, edit] of Object.entries(edits)) {
    const changed = rechain(original, (body, i) => (i === 2 ? edit(body) : body));
    assert.notEqual(changed[2], original[2], what);
    for (const check of [() => verifyJournal(text(changed)), () => verifyJournal(text(changed), { keys }), restoreOf(changed)]) {
      assert.throws(check, (e) => e.name === "LockerError" && e.code === "malformed_record" && /line 3/.test(e.message), what);
    }
  }
  // The same record spelt otherwise (spacing, key order) is not the text
  // that was hashed: refused as not canonical, even with its hash intact.
  const spaced = [...original];
  spaced[2] = original[2].replace('"at_s":', '"at_s": ');
  assert.throws(() => verifyJournal(text(spaced)), { code: "not_canonical", seq: 2 });
  const escaped = [...original];
  escaped[0] = original[0].replace('"type":"configured"', '"type":"\\u0063onfigured"');
  assert.throws(() => verifyJournal(text(escaped)), { code: "not_canonical", seq: 0 });
  // Unknown keys in the options and in request objects are refused too.
  assert.throws(() => verifyJournal(text(original), { keys, expectdHead: null }), { code: "invalid_argument", message: /expectdHead/ });
  assert.throws(() => verifyJournal(text(original), { expectedHead: { ...locker.head(), extra: 1 } }), { code: "invalid_argument" });
  assert.throws(() => Locker.restore(keys, sim, text(original), { acceptlegacy: true }), { code: "invalid_argument", message: /acceptlegacy/ });
  assert.throws(() => issueToken(keys, { bank: 0, purpose: "pickup", compartments: [1], recipient: 12, expires_at_s: NOW + 60, note: 1 }, NOW),
    { code: "invalid_argument", message: /note/ });
  assert.throws(() => locker.confirmSignedTime({ ...signTime(keys, 0, sim.clockS), note: 1 }), { code: "invalid_argument" });
  assert.throws(() => locker.openRemote({ ...signRemoteCommand(keys, {
    bank: 0, compartment: 1, purpose: "pickup", recipient: 12, not_before_s: NOW, not_after_s: NOW + 60,
  }), extra: true }), { code: "invalid_argument" });
  assert.throws(() => new Locker({ bank, bank_id: 1, credentials: { tokens: { max_recordless_opens_per_hour: 1 } } }, sim),
    { code: "invalid_argument" });
});

test("whole lines cut off the end: refused against an exported head and a monotonic counter", () => {
  const { locker, keys, bank, sim, door, ready } = site({ counter: true });
  locker.pickupPin(1, 12, ready.pin);
  collect(locker, sim, door);
  const full = lines(locker.journalText());
  const head = locker.head();
  assert.deepEqual(Object.keys(head), ["seq", "hash", "key_id", "mac", "bank_id"]);
  assert.equal(head.seq, full.length - 1);
  // The board's counter follows the journal.
  assert.equal(sim.monotonicCounterValue, full.length);
  const truncated = text(full.slice(0, -3));

  // Without anything seen before, a shorter journal is only a shorter
  // journal: it restores (the limit the head and the counter remove).
  const plainBoard = () => new SimulatedHardware(doorIds(bank), 1, sim.clockS);
  const shortened = Locker.restore(keys, plainBoard(), truncated);
  assert.equal(shortened.restoreReport().records, full.length - 3);

  assert.throws(() => verifyJournal(truncated, { keys, expectedHead: head }),
    (e) => e.code === "rolled_back" && /record/.test(e.message));
  assert.throws(() => verifyJournal(truncated, { keys, minRecords: full.length }), { code: "rolled_back" });
  assert.throws(() => Locker.restore(keys, plainBoard(), truncated, { expectedHead: head }), { code: "rolled_back" });
  // The board itself remembers: the same board refuses the short journal.
  assert.throws(() => Locker.restore(keys, sim, truncated), { code: "rolled_back" });
  const whole = Locker.restore(keys, sim, text(full), { expectedHead: head });
  assert.equal(whole.restoreReport().counter, full.length);
  assert.equal(whole.restoreReport().records, full.length);
  assert.equal(whole.restoreReport().authenticated_through, full.length - 1);
});

test("an old copy of the journal (a rollback) is refused; a fork is named at the head", () => {
  const { locker, keys, bank, sim, door, ready } = site({ counter: true });
  const old = locker.journalText();
  // The resident collects; the attacker restores the copy from before,
  // when the parcel was still there.
  assert.deepEqual([...locker.pickupPin(1, 12, ready.pin)], [door]);
  collect(locker, sim, door);
  const head = locker.head();
  const board = () => new SimulatedHardware(doorIds(bank), 1, sim.clockS);
  assert.throws(() => Locker.restore(keys, board(), old, { expectedHead: head }), { code: "rolled_back" });
  assert.throws(() => Locker.restore(keys, sim, old), { code: "rolled_back" });

  // A fork: the old copy, restored elsewhere, goes on with other records
  // up to the head's position. The head's record differs: named.
  const fork = Locker.restore(keys, board(), old);
  while (fork.journalLength <= head.seq) fork.setOutOfService(door, "fork");
  assert.throws(() => Locker.restore(keys, board(), fork.journalText(), { expectedHead: head }),
    (e) => e.code === "head_mismatch" && e.seq === head.seq);
  assert.throws(() => verifyJournal(fork.journalText(), { keys, expectedHead: head }), { code: "head_mismatch", seq: head.seq });
});

test("restore refuses an empty ring and another site's ring", () => {
  const { locker, keys, bank, sim } = site();
  const journal = locker.journalText();
  const board = () => new SimulatedHardware(doorIds(bank), 1, sim.clockS);
  assert.throws(() => Locker.restore(new KeyRing(), board(), journal), { code: "no_keys" });
  assert.throws(() => verifyJournal(journal, { keys: new KeyRing() }), { code: "no_keys" });
  // Another site's ring: a key with the same id and another secret.
  const other = new KeyRing();
  other.rotate();
  assert.deepEqual([...other.ids()], [...keys.ids()]);
  assert.notDeepEqual(other.checks(), keys.checks());
  assert.throws(() => Locker.restore(other, board(), journal), (e) => e.code === "wrong_key_ring" && e.seq === undefined);
  // Verified alone with it, every record is forged.
  assert.throws(() => verifyJournal(journal, { keys: other }), { code: "forged", seq: 0 });
  // A ring whose ids the journal does not know: unknown key.
  const stranger = new KeyRing();
  stranger.rotate();
  stranger.rotate();
  stranger.retire(stranger.ids()[0]);
  assert.throws(() => verifyJournal(journal, { keys: stranger }), { code: "unknown_key" });
  // The right ring, restored from its bytes, works.
  assert.equal(Locker.restore(KeyRing.fromBytes(keys.toBytes()), board(), journal).journalLength, lines(journal).length);
});

test("a restore told its bank refuses another bank's journal and snapshot, by expectedBank or by the head", () => {
  // Two banks of one site share a key ring: each authenticates the other's
  // journal, so only the bank a board is tells them apart.
  const keys = new KeyRing();
  keys.rotate();
  const bank = defaultBank();
  const lockerOf = (bank_id) => {
    const sim = new SimulatedHardware(doorIds(bank), bank_id, NOW);
    const locker = Locker.withKeys({ bank, bank_id }, keys, sim);
    dropOff(locker, sim, bank_id, 12);
    return locker;
  };
  const a = lockerOf(31);
  const b = lockerOf(32);
  const board = () => new SimulatedHardware(doorIds(bank), 1, NOW + 60);
  const wrongBank = (expected, found) => (e) =>
    e.name === "LockerError" && e.code === "bank_mismatch" && e.seq === undefined &&
    e.message.includes(`${expected}`) && e.message.includes(`${found}`);
  const headA = a.head();
  assert.equal(headA.bank_id, 31);
  assert.equal(b.head().bank_id, 32);

  // Bank B's journal, swapped in for A's storage: it authenticates with the
  // shared ring, so a restore that is not told its bank takes it (the
  // limit the bank removes).
  assert.equal(Locker.restore(keys, board(), b.journalText()).bankId, 32);
  assert.throws(() => Locker.restore(keys, board(), b.journalText(), { expectedBank: 31 }), wrongBank(31, 32));
  assert.throws(() => Locker.restore(keys, board(), b.journalText(), { expectedBank: "31" }), wrongBank(31, 32));
  // Against A's exported head, B's journal is refused as another bank's
  // (before its records are compared with the head).
  assert.throws(() => Locker.restore(keys, board(), b.journalText(), { expectedHead: headA }), wrongBank(31, 32));
  // A sealed snapshot of B with the records after it, likewise.
  const snapshot = b.snapshot();
  const after = b.journalSince(snapshot.chain.next_seq);
  assert.throws(() => Locker.restore(keys, board(), after, { snapshot, expectedBank: 31 }), wrongBank(31, 32));
  assert.throws(() => Locker.restore(keys, board(), after, { snapshot, expectedHead: headA }), wrongBank(31, 32));
  // The board's own journal restores, by bank or by head; expectedBank
  // wins over the head's bank.
  assert.equal(Locker.restore(keys, board(), a.journalText(), { expectedBank: 31 }).bankId, 31);
  assert.equal(Locker.restore(keys, board(), a.journalText(), { expectedHead: headA }).bankId, 31);
  assert.equal(Locker.restore(keys, board(), after, { snapshot, expectedBank: 32 }).bankId, 32);
  assert.throws(() => Locker.restore(keys, board(), a.journalText(), { expectedHead: headA, expectedBank: 32 }), wrongBank(32, 31));
  // A head without a bank (read from the records alone) checks no bank.
  const bare = verifyJournal(a.journalText(), { keys }).head;
  assert.equal(bare.bank_id, undefined);
  assert.equal(Locker.restore(keys, board(), a.journalText(), { expectedHead: bare }).bankId, 31);
  // The head's bank is not under its MAC: keep it where the storage
  // cannot reach. Relabelled, it is still another bank's head for B.
  assert.throws(() => Locker.restore(keys, board(), b.journalText(), { expectedHead: { ...headA, bank_id: 32 } }),
    (e) => e.name === "LockerError" && e.code !== "bank_mismatch");
  // Bank 0 (a config without bank_id) is a bank like any other.
  assert.throws(() => Locker.restore(keys, board(), a.journalText(), { expectedBank: 0 }), wrongBank(0, 31));
});

test("a locker's own QR token fails verifyTokenOffline with the site's keys, yet opens at the locker", () => {
  const { locker, keys, door, ready } = site({ config: { bank_id: 31 } });
  // The token ends in a secret whose digest only the locker's record
  // holds: the site's keys (all a stolen locker gives) do not check it.
  assert.throws(() => verifyTokenOffline(keys, [], 31, ready.qr_token, NOW), { code: "rejected" });
  const records = readJournal(locker.journalText(), { keys }).records;
  const committed = records.find((r) => r.entry.type === "deposit_committed" && r.entry.compartment === door);
  const tokens = committed.entry.credentials.filter((c) => c.kind.type === "token");
  assert.equal(tokens.length, 1, "the token's record is journaled");
  assert.deepEqual(Object.keys(tokens[0].kind), ["type", "secret_digest"]);
  assert.match(tokens[0].kind.secret_digest, /^[0-9a-f]{64}$/);
  assert.ok(!locker.journalText().includes(ready.qr_token), "the journal never holds the token");
  assert.deepEqual([...locker.pickupQr(1, ready.qr_token)], [door]);
});

test("weak key bytes are refused wherever a key is made from bytes", () => {
  const header = [...new KeyRing().toBytes()];
  const zeros = new Uint8Array(32);
  const pattern = Uint8Array.from({ length: 32 }, (_, i) => [1, 2, 3, 4][i % 4]);
  const text = Uint8Array.from(new TextEncoder().encode("correct horse battery staple!!!!"));
  // A counter, a ramp (32 distinct bytes, one step), typed text with many letters.
  const counter = Uint8Array.from({ length: 32 }, (_, i) => i);
  const ramp = Uint8Array.from({ length: 32 }, (_, i) => (66 + i * 7) & 0xff);
  const typed = new TextEncoder().encode("The quick brown fox jumps over t");
  assert.equal(new Set(ramp).size, 32);
  assert.ok(new Set(typed).size >= 16);
  for (const secret of [zeros, pattern, text, counter, ramp, typed]) {
    assert.throws(() => KeyRing.fromBytes(Uint8Array.from([header[0], 0, 1, 0, 1, ...secret])), { code: "weak_key" });
    const hex = [...secret].map((b) => b.toString(16).padStart(2, "0")).join("");
    assert.throws(() => KeyRing.importSecrets([{ id: 1, secret_hex: hex }]), { code: "weak_key" });
    if (hasEd25519()) assert.throws(() => IssuerSigningKey.fromBytes(1, secret), { code: "weak_key" });
  }
  const { locker } = site();
  const before = locker.journalLength;
  for (const secret of [zeros, counter, ramp, typed]) {
    assert.throws(() => locker.addKey(9, secret), { code: "weak_key" });
  }
  assert.throws(() => locker.addKey(9, counter), { message: /counter or pattern/ });
  assert.throws(() => locker.addKey(9, typed), { message: /printable|typed/ });
  assert.equal(locker.journalLength, before);
  // A random key is taken, journaled, and becomes the newest.
  locker.addKey(9, crypto.getRandomValues(new Uint8Array(32)));
  assert.equal(locker.journalLength, before + 1);
  assert.ok(locker.keys().ids().includes(9));
});

test("weak entropy (a counter, a ramp, typed text) is refused wherever entropy is given or drawn", () => {
  const counter = Uint8Array.from({ length: 32 }, (_, i) => i);
  const ramp = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 5) & 0xff);
  const typed = new TextEncoder().encode("my reproducible test seed 12345!");
  const good = new Uint8Array(createHash("sha256").update("a test seed").digest());
  const keys = new KeyRing();
  keys.rotate(good);
  const request = { bank: 0, purpose: "pickup", compartments: [1], recipient: 12, expires_at_s: NOW + DAY };
  const remote = { bank: 0, compartment: 1, purpose: "pickup", recipient: 12, not_before_s: NOW, not_after_s: NOW + 60 };
  for (const entropy of [counter, ramp, typed]) {
    assert.throws(() => new KeyRing().rotate(entropy), { code: "weak_entropy" });
    assert.throws(() => issueToken(keys, request, NOW, entropy), { code: "weak_entropy" });
    assert.throws(() => issueRecordedToken(keys, request, NOW, entropy), { code: "weak_entropy" });
    assert.throws(() => signRemoteCommand(keys, remote, entropy), { code: "weak_entropy" });
    assert.throws(() => new CredentialStore().issuePin(keys,
      { recipient: 12, compartments: [1], purpose: "pickup", expires_at_s: NOW + DAY }, NOW, entropy), { code: "weak_entropy" });
    if (hasEd25519()) assert.throws(() => IssuerSigningKey.generate(1, entropy), { code: "weak_entropy" });
  }
  assert.throws(() => new KeyRing().rotate(counter), { message: /counter or pattern/ });
  assert.throws(() => new KeyRing().rotate(typed), { message: /printable|typed/ });
  // A board whose generator gives a counter or typed text has no entropy.
  const bank = defaultBank();
  for (const stuck of [counter, typed]) {
    const board = {
      unlock() {}, doorState: () => "closed", nowS: () => NOW,
      fillRandom(buf) { buf.set(stuck.subarray(0, buf.length)); },
    };
    assert.throws(() => new Locker({ bank }, board), { code: "entropy_unavailable" });
  }
  // Bytes as varied as a random source's are taken, reproducibly.
  const again = new KeyRing();
  again.rotate(good);
  assert.deepEqual(again.exportSecrets(), keys.exportSecrets());
});

test("a clock pushed 10 days ahead neither multiplies PIN guesses nor sends parcels back until confirmed", (t) => {
  const { locker, sim, door, ready } = site();
  locker.takeEvents();
  const start = locker.observeClock();
  let rejected = 0;
  let guess = 0;
  const next = () => {
    let pin;
    do pin = String(10_000_000 + guess++ * 7919).slice(-8); while (pin === ready.pin);
    return pin;
  };
  // Six rounds: push the clock 10 days, guess until throttled (another
  // unit and kiosk each time, so only the bank-wide cap binds), then let
  // two and a half hours pass in steps the locker takes at face value.
  for (let round = 0; round < 6; round++) {
    sim.advanceS(10 * DAY);
    for (let step = 0; step < 4; step++) {
      for (;;) {
        try {
          locker.pickupPin(1000 + guess, 5000 + guess, next());
          assert.fail("a guess opened a door");
        } catch (error) {
          if (error.code === "throttled") break;
          assert.equal(error.code, "rejected", error.message);
          rejected++;
        }
      }
      if (step < 3) {
        sim.advanceS(50 * 60);
        locker.observeClock();
      }
    }
  }
  const elapsed = locker.observeClock() - start;
  t.diagnostic(`${rejected} guesses in ${elapsed} s of locker time, ${sim.clockS - start} s on the clock`);
  assert.ok(elapsed < DAY, `the locker's time moved ${elapsed} s`);
  // At most the bank's 25 failures per 24 hours of locker time; without
  // the hold each push would open a fresh window (and reset the backoff).
  assert.ok(rejected <= 25, `${rejected} guesses`);
  assert.ok(rejected >= 6, `${rejected} guesses`);
  assert.ok(locker.clockOffsetS >= 60 * DAY - 60, `held ${locker.clockOffsetS}`);
  assert.equal(typeof locker.clockHeldSinceS, "number");
  const events = locker.takeEvents();
  assert.ok(events.filter((e) => e.type === "clock_jumped").length >= 6);
  const jumped = events.find((e) => e.type === "clock_jumped");
  assert.deepEqual(Object.keys(jumped), ["type", "clock_s", "locker_s", "held_s"]);

  // 60 days on the clock, three days of dwell: nothing goes back yet.
  locker.tick();
  assert.equal(locker.takeEvents().filter((e) => e.type === "return_ready").length, 0);
  assert.equal(locker.doors().find((d) => d.id === door).state, "occupied");
  // The resident can still collect with the PIN.
  // Staff confirm the clock: the locker takes the time, and the parcel,
  // 60 days old, goes back to the carrier.
  const now = locker.confirmClock();
  assert.equal(now, sim.clockS);
  assert.equal(locker.clockOffsetS, 0);
  assert.equal(locker.clockHeldSinceS, undefined);
  const confirmed = locker.takeEvents().find((e) => e.type === "clock_confirmed");
  assert.deepEqual(confirmed, { type: "clock_confirmed", by: "staff", now_s: sim.clockS });
  locker.tick();
  assert.ok(locker.takeEvents().some((e) => e.type === "return_ready" && e.compartment === door));
  const kinds = readJournal(locker.journalText()).records.map((r) => r.entry.type);
  assert.ok(kinds.includes("clock_jumped") && kinds.includes("clock_confirmed"));
});

/**
 * An attacker who sets the real-time clock ahead by 50 minutes at a time
 * (never a jump by the policy's hour) while only seconds pass, for 10 days
 * of clock, guessing PINs (another unit and kiosk each time, so only the
 * bank-wide cap binds) until throttled after each step.
 */
function creep(locker, sim, ready) {
  const start = locker.observeClock();
  let rejected = 0;
  let guess = 0;
  const next = () => {
    let pin;
    do pin = String(10_000_000 + guess++ * 7919).slice(-8); while (pin === ready.pin);
    return pin;
  };
  const steps = (10 * DAY) / (50 * 60);
  for (let step = 0; step < steps; step++) {
    sim.jumpClockS(50 * 60);
    sim.advanceS(5);
    locker.observeClock();
    for (;;) {
      try {
        locker.pickupPin(1000 + guess, 5000 + guess, next());
        assert.fail("a guess opened a door");
      } catch (error) {
        if (error.code === "throttled") break;
        assert.equal(error.code, "rejected", error.message);
        rejected++;
      }
    }
  }
  return { rejected, lived: locker.observeClock() - start, steps };
}

test("a clock crept ahead in sub-hour steps is held back on a board with an uptime counter, and not without one", (t) => {
  const expired = (locker, door) => {
    locker.tick();
    const events = locker.takeEvents();
    return events.some((e) => e.type === "return_ready" && e.compartment === door) ||
      locker.doors().find((d) => d.id === door).state !== "occupied";
  };

  // With an uptime counter: the clock runs ahead of the time lived, and
  // the excess is held back, step after step.
  const held = site({ uptime: true });
  held.locker.takeEvents();
  held.sim.clearCalls();
  const guarded = creep(held.locker, held.sim, held.ready);
  t.diagnostic(`with uptime: ${guarded.rejected} guesses, locker time +${guarded.lived} s, held ${held.locker.clockOffsetS} s`);
  assert.ok(held.sim.calls().includes("uptime_s"), "the locker reads the uptime counter");
  assert.ok(held.sim.uptimeS() < DAY, "the board lived a few hours at most");
  assert.ok(guarded.rejected <= 25, `${guarded.rejected} guesses: the bank's cap is 25 a day`);
  assert.ok(guarded.lived < DAY, `the locker's time moved ${guarded.lived} s`);
  assert.ok(held.locker.clockOffsetS >= 10 * DAY - DAY, `held ${held.locker.clockOffsetS} s`);
  const jumps = held.locker.takeEvents().filter((e) => e.type === "clock_jumped");
  assert.ok(jumps.length >= guarded.steps - 2, `${jumps.length} clock_jumped events`);
  // Ten days on the clock, three days of dwell: nothing goes back.
  assert.equal(expired(held.locker, held.door), false, "a parcel expired on a crept clock");
  // The bank's PINs are locked (its cap is spent); the resident's QR code,
  // which no PIN throttle blocks, opens.
  assert.throws(() => held.locker.pickupPin(1, 12, held.ready.pin), { code: "throttled" });
  assert.deepEqual([...held.locker.pickupQr(1, held.ready.qr_token)], [held.door]);
  // Staff confirm the clock: the time is taken, the hold ends.
  held.locker.confirmClock();
  assert.equal(held.locker.clockOffsetS, 0);

  // Without one, the same creep is time passing as far as the locker can
  // tell: every step is below the policy's hour, so it is taken at face
  // value (the limit an uptime counter removes).
  const open = site();
  open.locker.takeEvents();
  const naive = creep(open.locker, open.sim, open.ready);
  t.diagnostic(`without uptime: ${naive.rejected} guesses, locker time +${naive.lived} s`);
  assert.equal(open.sim.uptimeS(), undefined);
  assert.equal(open.locker.clockOffsetS, 0);
  assert.ok(naive.lived >= 10 * DAY, `the locker's time moved ${naive.lived} s`);
  assert.ok(naive.rejected > 25, `${naive.rejected} guesses`);
  assert.equal(expired(open.locker, open.door), true, "the parcel went back on the crept clock");
});

test("a JavaScript board's uptimeS() holds a crept clock back; a wrong answer is a clock fault naming it", () => {
  const bank = defaultBank();
  const open = new Set();
  let clock = NOW;
  let uptime = 0;
  const board = {
    unlock(door) { open.add(door); },
    doorState(door) { return open.has(door) ? "open" : "closed"; },
    nowS() { return clock; },
    fillRandom(buf) { crypto.getRandomValues(buf); },
    uptimeS() { return uptime; },
  };
  const locker = new Locker({ bank }, board);
  // The first reading sets where the counter stands (a board that starts
  // has lived nothing the locker saw).
  locker.observeClock();
  for (let step = 0; step < 5; step++) {
    clock += 50 * 60;
    clock += 10;
    uptime += 10;
    locker.observeClock();
  }
  assert.ok(locker.clockOffsetS >= 5 * 50 * 60 - 60, `held ${locker.clockOffsetS} s`);
  assert.ok(locker.takeEvents().some((e) => e.type === "clock_jumped"));
  // Time passing as the counter says is taken whole, in any step.
  locker.confirmClock();
  clock += 3 * 3_600;
  uptime += 3 * 3_600;
  assert.equal(locker.observeClock(), clock);
  assert.equal(locker.clockOffsetS, 0);

  // null and undefined: no counter (as without the method).
  for (const answer of [null, undefined]) {
    const plain = new Locker({ bank }, { ...board, uptimeS: () => answer });
    clock += 50 * 60;
    plain.observeClock();
    assert.equal(plain.clockOffsetS, 0);
  }
  for (const answer of ["7", -1, 1.5, Number.NaN, 2 ** 60, 10n, {}, [], true]) {
    const wrong = { ...board, uptimeS: () => answer };
    assert.throws(() => new Locker({ bank }, wrong).observeClock(),
      (e) => e.name === "LockerError" && e.code === "clock_fault" && /uptimeS\(\)/.test(e.message), String(answer));
  }
  const failing = { ...board, uptimeS() { throw Object.assign(new Error("timer bus"), { code: "bus_timeout" }); } };
  assert.throws(() => new Locker({ bank }, failing).observeClock(), { code: "bus_timeout", message: /timer bus/ });
  // The simulator's counter fails as injected.
  const sim = new SimulatedHardware([1], 1, NOW, { uptime: true });
  sim.advanceS(30);
  sim.jumpClockS(600);
  assert.equal(sim.uptimeS(), 30);
  assert.equal(sim.nowS(), NOW + 630);
  assert.equal(sim.uptimeS(), 30, "a jump is no time lived");
  sim.failCalls("uptime_s", "bus_timeout");
  assert.throws(() => sim.uptimeS(), { code: "bus_timeout" });
});

test("a signed time confirms the clock only for this bank, from this site, when it agrees", () => {
  const { locker, sim, keys } = site({ config: { bank_id: 31 } });
  sim.advanceS(5 * DAY);
  locker.observeClock();
  assert.ok(locker.clockOffsetS > 0);
  const before = locker.journalLength;
  assert.throws(() => locker.confirmSignedTime(signTime(keys, 32, sim.clockS)), { code: "wrong_bank" });
  const other = new KeyRing();
  other.rotate();
  assert.throws(() => locker.confirmSignedTime(signTime(other, 31, sim.clockS)), { code: "rejected" });
  // A stale time (an old message replayed) disagrees with the clock.
  assert.throws(() => locker.confirmSignedTime(signTime(keys, 31, NOW)), { code: "invalid_argument", message: /clock/ });
  const time = signTime(keys, 31, sim.clockS + 100);
  assert.deepEqual(Object.keys(time), ["bank", "time_s", "key_id", "tag"]);
  const forged = { ...time, time_s: time.time_s + 1 };
  assert.throws(() => locker.confirmSignedTime(forged), { code: "rejected" });
  assert.equal(locker.clockOffsetS > 0, true);
  assert.ok(locker.journalLength <= before + 1, "only the clock readings were journaled");
  assert.equal(locker.confirmSignedTime(JSON.stringify(time)), sim.clockS);
  assert.equal(locker.clockOffsetS, 0);
  assert.ok(locker.takeEvents().some((e) => e.type === "clock_confirmed" && e.by === "signed_time"));
});

test("doorClosed for a door the locker never unlocked is refused, journaled and raised", () => {
  const { locker, sim, door, bank } = site();
  const empty = doorIds(bank).find((id) => id !== door);
  for (const target of [empty, door]) {
    const before = locker.journalLength;
    // Someone forces the door (or forges the door event).
    sim.forceOpen(target);
    sim.closeDoor(target);
    assert.throws(() => locker.doorClosed(target), (e) => e.code === "not_open_for" && new RegExp(`${target}`).test(e.message));
    assert.equal(locker.journalLength, before + 1);
    const last = readJournal(locker.journalText()).records.at(-1);
    assert.deepEqual(last.entry, { type: "unexpected_door_close", compartment: target });
    const events = locker.takeEvents();
    assert.deepEqual(events.filter((e) => e.type === "unexpected_door_close"), [{ type: "unexpected_door_close", compartment: target }]);
  }
  // The parcel is still the resident's: nothing was committed.
  assert.equal(locker.doors().find((d) => d.id === door).recipient, 12);
  // A door that does not exist is refused before anything is written.
  const before = locker.journalLength;
  assert.throws(() => locker.doorClosed(99_999), { code: "unknown_compartment" });
  assert.equal(locker.journalLength, before);
});

test("a token for another bank or another resident opens nothing; the right one opens once", () => {
  const { locker, sim, keys, door, bank } = site({ config: { bank_id: 31 } });
  const other = dropOff(locker, sim, 2, 13).door;
  const request = (extra) => ({ bank: 31, purpose: "pickup", compartments: [door], recipient: 12, expires_at_s: NOW + DAY, ...extra });
  const tries = {
    "another bank": issueToken(keys, request({ bank: 32 }), NOW).token,
    "bank 0 (unnamed)": issueToken(keys, request({ bank: 0 }), NOW).token,
    "another resident": issueToken(keys, request({ recipient: 13 }), NOW).token,
    "another resident's door": issueToken(keys, request({ compartments: [other] }), NOW).token,
    "no recipient": issueToken(keys, request({ recipient: null }), NOW).token,
  };
  for (const [what, token] of Object.entries(tries)) {
    sim.clearCalls();
    assert.throws(() => locker.pickupQr(1, token), (e) => e.name === "LockerError" && e.code !== "invalid_argument", what);
    assert.equal(sim.calls().some((c) => typeof c === "object" && "unlock" in c), false, what);
  }
  const token = issueToken(keys, request({}), NOW).token;
  assert.deepEqual([...locker.pickupQr(1, token)], [door]);
  collect(locker, sim, door);
  assert.throws(() => locker.pickupQr(1, token), { code: "already_used" });
  assert.equal(locker.doors().find((d) => d.id === other).recipient, 13);
  void bank;
});

test("an Ed25519 bank refuses HMAC back-end tokens and commands and takes signed ones",
  { skip: !hasEd25519() && "built without the ed25519 feature" }, () => {
    const signer = IssuerSigningKey.generate(4);
    const issuer = signer.publicKey();
    assert.deepEqual(Object.keys(issuer), ["key_id", "public_key"]);
    assert.match(issuer.public_key, /^[0-9a-f]{64}$/);
    assert.equal(signer.keyId, 4);
    const config = { bank_id: 31, credentials: { issuers: [issuer], remote: { enabled: true } } };
    const { locker, sim, keys, door } = site({ config });
    const { door: second } = dropOff(locker, sim, 2, 13);
    const request = { bank: 31, purpose: "pickup", compartments: [door], recipient: 12, expires_at_s: NOW + DAY };

    // A token the site's key made without a record: what a stolen locker
    // (or its keys) could mint. Refused.
    const hmac = issueToken(keys, request, NOW).token;
    assert.throws(() => locker.pickupQr(1, hmac), { code: "rejected" });
    // Another back end's key with the same id, or the right key for another bank.
    const impostor = IssuerSigningKey.generate(4);
    assert.throws(() => locker.pickupQr(1, issueTokenSigned(impostor, request, NOW).token), { code: "rejected" });
    assert.throws(() => locker.pickupQr(1, issueTokenSigned(signer, { ...request, bank: 32 }, NOW).token), { code: "rejected" });
    assert.throws(() => issueTokenSigned(signer, { ...request, recipient: null }, NOW), { code: "invalid_request" });

    const { token } = issueTokenSigned(signer, request, NOW);
    const claims = verifyTokenOffline(new KeyRing(), [issuer], 31, token, NOW);
    assert.equal(claims.signer, "issuer");
    assert.equal(claims.key_id, 4);
    assert.equal(claims.recipient, 12);
    assert.throws(() => verifyTokenOffline(new KeyRing(), [], 31, token, NOW), { code: "unknown_key_id" });
    assert.deepEqual([...locker.pickupQr(1, token)], [door]);
    collect(locker, sim, door);

    // Remote commands: the HMAC one is refused, the signed one opens.
    const remote = { bank: 31, compartment: second, purpose: "pickup", recipient: 13, not_before_s: NOW, not_after_s: NOW + 300 };
    assert.throws(() => locker.openRemote(signRemoteCommand(keys, remote)), (e) => e.code === "rejected" || e.code === "unknown_key_id");
    const command = signRemoteCommandEd25519(signer, remote);
    assert.deepEqual(Object.keys(command), ["request", "nonce", "key_id", "signature"]);
    assert.match(command.signature, /^[0-9a-f]{128}$/);
    assert.throws(() => locker.openRemote({ ...command, request: { ...command.request, recipient: 12 } }), { code: "rejected" });
    assert.deepEqual([...locker.openRemote(command)], [second]);
    assert.throws(() => locker.openRemote(command), { code: "replayed" });

    // Signed times: only the issuer's.
    sim.advanceS(3 * DAY);
    locker.observeClock();
    assert.throws(() => locker.confirmSignedTime(signTime(keys, 31, sim.clockS)), { code: "rejected" });
    assert.throws(() => locker.confirmSignedTime(signTimeEd25519(impostor, 31, sim.clockS)), { code: "rejected" });
    locker.confirmSignedTime(signTimeEd25519(signer, 31, sim.clockS));
    assert.equal(locker.clockOffsetS, 0);

    // The key moves as its 32 bytes and signs the same.
    const again = IssuerSigningKey.fromBytes(4, signer.toBytes());
    assert.deepEqual(again.publicKey(), issuer);
  });

test("a legacy (version 1) journal restores only with acceptLegacy, then is authenticated from there", () => {
  const legacy = readFileSync(new URL("../../../locker-core/tests/data/journal-v1.jsonl", import.meta.url), "utf8");
  const loaded = readJournal(legacy);
  assert.equal(loaded.verified.legacy_records, loaded.records.length);
  assert.equal(loaded.verified.authenticated_through, null);
  const config = loaded.records[0].entry;
  const last = loaded.records.at(-1);
  const keys = new KeyRing();
  keys.rotate();
  const board = () => new SimulatedHardware(doorIds(config.bank), 3, last.at_s + 60);
  assert.throws(() => verifyJournal(legacy, { keys }), { code: "unauthenticated", seq: 0 });
  assert.throws(() => Locker.restore(keys, board(), legacy), (e) => e.code === "unauthenticated" && e.seq === 0);
  const locker = Locker.restore(keys, board(), legacy, { acceptLegacy: true });
  const report = locker.restoreReport();
  assert.equal(report.legacy_records, loaded.records.length);
  assert.equal(report.unauthenticated_legacy, true);
  assert.equal(report.keys_recorded, true);
  assert.equal(report.authenticated_through, null);
  // The restore journaled the keys: that record vouches for everything
  // before it, so the journal verifies with the keys, legacy prefix and all.
  const records = readJournal(locker.journalText()).records;
  assert.equal(records.length, loaded.records.length + 1);
  assert.equal(records.at(-1).entry.type, "keys_changed");
  assert.deepEqual(records.at(-1).entry.keys, keys.checks());
  const verified = verifyJournal(locker.journalText(), { keys });
  assert.equal(verified.authenticated_through, records.length - 1);
  assert.equal(verified.legacy_records, loaded.records.length);
  const again = Locker.restore(keys, board(), locker.journalText());
  assert.equal(again.restoreReport().unauthenticated_legacy, false);
});

test("a version-2 journal's 64-bit ids cross as decimal strings and come back exact", () => {
  const data = (name) => new URL(`../../../locker-core/tests/data/${name}`, import.meta.url);
  const text = readFileSync(data("journal-v2.jsonl"), "utf8");
  const { records } = readJournal(text);
  assert.deepEqual(records, journalRecords(text));
  // Every id beyond 2^53 - 1 is the string of the digits the record
  // holds; the small numbers stay numbers.
  const ids = [...JSON.stringify(records).matchAll(/"(?:credential_)?id":"(\d+)"/g)].map((m) => m[1]);
  assert.ok(ids.length >= 10, String(ids.length));
  for (const id of ids) {
    assert.ok(BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER), id);
    assert.match(text, new RegExp(`"(credential_)?id":${id}[,}]`));
  }
  assert.equal(typeof records[0].seq, "number");
  // Given back as objects, the records hash as they were written: every
  // id is read back exact (one digit off would break the chain).
  assert.equal(verifyJournal(records).chain.next_seq, records.length);
  const at = records.findIndex((r) => r.entry.type === "credential_revoked" && typeof r.entry.id === "string");
  const id = records[at].entry.id;
  const off = `${id.slice(0, -1)}${(Number(id.at(-1)) + 1) % 10}`;
  const edit = (value) => records.map((r, i) => (i === at ? { ...r, entry: { ...r.entry, id: value } } : r));
  assert.throws(() => verifyJournal(edit(off)), (e) => e.name === "LockerError" && e.code !== "invalid_argument");
  // As a number it has lost its last digits: refused as such.
  assert.throws(() => verifyJournal(edit(Number(id))), { code: "invalid_argument", message: /2\^53/ });

  // Restored, the locker revokes a credential by the string id it showed.
  const keys = KeyRing.fromBytes(Buffer.from(readFileSync(data("journal-v2.keys.hex"), "utf8").trim(), "hex"));
  const config = records[0].entry;
  const sim = new SimulatedHardware(doorIds(config.bank), 3, records.at(-1).at_s + 60);
  const locker = Locker.restore(keys, sim, text);
  const revoked = new Set(records.filter((r) => r.entry.type === "credential_revoked").map((r) => r.entry.id));
  const live = records.filter((r) => r.entry.type === "credential_issued" && typeof r.entry.record.id === "string"
    && !revoked.has(r.entry.record.id)).map((r) => r.entry.record.id);
  assert.ok(live.length > 0);
  let done = 0;
  for (const credential of live) {
    try {
      locker.revokeCredential(credential);
      done += 1;
      const last = journalRecords(locker.journalText()).at(-1).entry;
      assert.deepEqual([last.type, last.id], ["credential_revoked", credential]);
    } catch (e) {
      // Spent, expired or pruned since; never a refused argument.
      assert.ok(["already_used", "revoked", "expired", "unknown_credential"].includes(e.code),
        `${credential}: ${e.code} ${e.message}`);
    }
  }
  assert.ok(done > 0, "a live credential revoked by its string id");
  assert.throws(() => locker.revokeCredential(off), { code: "unknown_credential" });
});

test("a snapshot is sealed: restored with the records after it, refused when changed", () => {
  const { locker, keys, bank, sim } = site();
  const snapshot = locker.snapshot();
  assert.equal(snapshot.v, 3);
  assert.match(snapshot.mac, /^[0-9a-f]{32}$/);
  const { door } = dropOff(locker, sim, 2, 14);
  const after = locker.journalSince(snapshot.chain.next_seq);
  const board = () => new SimulatedHardware(doorIds(bank), 1, sim.clockS);
  const restored = Locker.restore(keys, board(), after, { snapshot, expectedHead: locker.head() });
  assert.equal(restored.restoreReport().snapshot_through, snapshot.chain.next_seq - 1);
  assert.equal(restored.doors().find((d) => d.id === door).recipient, 14);
  assert.deepEqual(restored.snapshot(), locker.snapshot());

  const changed = structuredClone(snapshot);
  changed.last_at_s += 1;
  assert.throws(() => Locker.restore(keys, board(), after, { snapshot: changed }), { code: "forged" });
  const { key_id, mac, ...unsealed } = snapshot;
  void key_id; void mac;
  assert.throws(() => Locker.restore(keys, board(), after, { snapshot: unsealed }), { code: "unauthenticated" });
  assert.throws(() => Locker.restore(keys, board(), after, { snapshot: { ...snapshot, note: 1 } }), { code: "invalid_argument" });
  // The records must continue the snapshot.
  assert.throws(() => Locker.restore(keys, board(), locker.journalText(), { snapshot }), (e) => e.name === "LockerError");
});
