// The Locker over the simulated hardware and over a hardware object
// written in JavaScript; its journal, restore and verification.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  CredentialStore, KeyRing, Locker, SimulatedHardware, defaultBank, doorIds, journalRecords,
  readJournal, replayJournal, signRemoteCommand, verifyJournal,
} from "locker-wasm";

const NOW = 1_700_000_000;
const parcel = (id) => ({ id, size: { width_mm: 300, depth_mm: 200, height_mm: 100 }, weight_g: 1500 });

function dropOff(locker, sim, id, recipient) {
  const session = locker.courierSignIn(1, locker.issueCourierCode(1, 30 * 86_400));
  assert.equal(session.carrier, 1);
  const answer = locker.deposit(session, { parcel: parcel(id), recipient });
  assert.equal(answer.outcome, "opened");
  const door = answer.compartment;
  assert.equal(sim.openDoor(door), true);
  sim.putParcel(door);
  sim.closeDoor(door);
  locker.doorClosed(door);
  const ready = locker.takeEvents().find((e) => e.type === "parcel_ready");
  assert.equal(ready.compartment, door);
  return { door, ready };
}

test("drop-off and pickup by PIN and by QR with the simulator", () => {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 7, NOW);
  const locker = new Locker({ bank }, sim);
  const { door, ready } = dropOff(locker, sim, 1, 12);
  assert.match(ready.pin, /^\d{8}$/);
  assert.equal(locker.doors().find((d) => d.id === door).state, "occupied");
  assert.throws(() => locker.pickupPin(1, 12, "00000000"), { code: "rejected" });
  assert.deepEqual([...locker.pickupPin(1, 12, ready.pin)], [door]);
  sim.openDoor(door);
  sim.takeParcel(door);
  sim.closeDoor(door);
  locker.doorClosed(door);
  assert.ok(locker.takeEvents().some((e) => e.type === "collected" && e.recipient === 12));

  const second = dropOff(locker, sim, 2, 13);
  sim.advanceS(60);
  assert.deepEqual([...locker.pickupQr(1, second.ready.qr_token)], [second.door]);
  sim.openDoor(second.door);
  assert.throws(() => locker.doorClosed(second.door), { code: "door_still_open" });
  sim.takeParcel(second.door);
  sim.closeDoor(second.door);
  locker.doorClosed(second.door);
  const calls = sim.calls();
  assert.ok(calls.some((c) => c.unlock === second.door), JSON.stringify(calls.slice(-5)));
});

test("the journal restores the locker, and edits are found", () => {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 7, NOW);
  const locker = new Locker({ bank }, sim);
  const { door, ready } = dropOff(locker, sim, 1, 12);
  const text = locker.journalText();
  const check = verifyJournal(text);
  assert.equal(check.chain.next_seq, locker.journalLength);
  assert.match(check.chain.head, /^[0-9a-f]{64}$/);
  // Without keys only integrity is checked: no record is authenticated.
  assert.equal(check.authenticated_through, null);
  assert.deepEqual({ ...check.head, bank_id: 0 }, locker.head());
  const keyed = verifyJournal(text, { keys: locker.keys() });
  assert.equal(keyed.authenticated_through, locker.journalLength - 1);
  assert.deepEqual(verifyJournal(journalRecords(text), { keys: locker.keys() }), keyed);
  const read = readJournal(text);
  assert.equal(read.torn_tail, null);
  assert.equal(read.valid_bytes, text.length);
  assert.deepEqual(read.records, journalRecords(text));
  assert.equal(journalRecords(text)[0].entry.configured !== undefined || journalRecords(text)[0].seq === 0, true);
  // The same state; the locker's snapshot is sealed (key_id, mac), a
  // replay's is not.
  const { key_id, mac, ...unsealed } = locker.snapshot();
  assert.equal(key_id, locker.keys().ids()[0]);
  assert.match(mac, /^[0-9a-f]{32}$/);
  assert.deepEqual(replayJournal(text), unsealed);
  assert.deepEqual(replayJournal(journalRecords(text), { keys: locker.keys() }), unsealed);
  assert.equal(locker.journalSince(locker.journalLength - 1).split("\n").length, 2);

  // A page reload: new hardware, keys from storage, the journal text.
  const keys = KeyRing.importSecrets(locker.keys().exportSecrets());
  const sim2 = new SimulatedHardware(doorIds(bank), 99, NOW + 100);
  const restored = Locker.restore(keys, sim2, text);
  assert.deepEqual(restored.snapshot(), locker.snapshot());
  assert.deepEqual([...restored.pickupPin(1, 12, ready.pin)], [door]);

  // A torn last line is dropped; an edited record is named.
  assert.equal(readJournal(text + '{"v":2,"se').torn_tail.line, locker.journalLength + 1);
  const lines = text.split("\n");
  lines[1] = lines[1].replace(/"at_s":(\d+)/, (_, at) => `"at_s":${Number(at) + 1}`);
  assert.throws(() => verifyJournal(lines.join("\n")),
    (e) => e.code === "edited" && e.seq === 1 && /record 1/.test(e.message));
  assert.throws(() => Locker.restore(keys, sim2, lines.join("\n")), { code: "edited", seq: 1 });
  assert.throws(() => verifyJournal(text.split("\n").filter((_, i) => i !== 1).join("\n")),
    { code: "missing_records", seq: 2 });
  assert.throws(() => Locker.restore(new KeyRing(), sim2, "not json\n"), { code: "malformed_record" });
});

test("a hardware object written in JavaScript drives the locker", () => {
  const bank = defaultBank();
  const open = new Set();
  let clock = NOW;
  let jamNext = false;
  let jammed = null;
  const board = {
    log: [],
    unlock(door) {
      this.log.push(["unlock", door]);
      if (jamNext) {
        jamNext = false;
        jammed = door;
        throw Object.assign(new Error("latch stuck"), { code: "door_jammed" });
      }
      open.add(door);
    },
    doorState(door) { return open.has(door) ? "open" : "closed"; },
    nowS() { return clock; },
    fillRandom(buf) { crypto.getRandomValues(buf); },
  };
  const locker = new Locker({ bank }, board);
  const session = locker.courierSignIn(1, locker.issueCourierCode(1, 86_400));
  const first = locker.deposit(session, { parcel: parcel(1), recipient: 5 });
  assert.equal(first.outcome, "opened");
  open.delete(first.compartment);
  locker.doorClosed(first.compartment);
  assert.ok(locker.takeEvents().some((e) => e.type === "parcel_ready"));

  // The next door jams: the locker records the fault, takes the door out
  // of service and opens the next best one.
  clock += 10;
  jamNext = true;
  const second = locker.deposit(session, { parcel: parcel(2), recipient: 6 });
  assert.equal(second.outcome, "opened");
  assert.notEqual(second.compartment, jammed);
  const events = locker.takeEvents();
  assert.ok(events.some((e) => e.type === "hardware_fault" && e.kind === "door_jammed" && e.compartment === jammed
    && e.detail === "latch stuck"), JSON.stringify(events));
  const recorded = journalRecords(locker.journalText()).filter((r) => r.entry.type === "hardware_fault");
  assert.deepEqual(recorded.map((r) => r.entry.detail), ["latch stuck"]);
  assert.equal(locker.doors().find((d) => d.id === jammed).state, "out_of_service");

  // A clock that cannot answer refuses the operation with a hardware code.
  // What the board said is in the message.
  board.nowS = () => { throw new Error("RTC lost its time"); };
  assert.throws(() => locker.tick(), { code: "other", message: /^hardware fault at the lock board: .*\(RTC lost its time\)$/ });
  board.nowS = () => "noon";
  assert.throws(() => locker.tick(), { code: "clock_fault", message: /nowS\(\) must return whole Unix seconds/ });
  board.nowS = () => clock;
  locker.tick();

  assert.throws(() => new Locker({ bank }, { unlock() {} }), (e) => e.code === "invalid_argument" && /doorState/.test(e.message));
});

test("fault injection in the simulator reaches the locker as codes", () => {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 1, NOW);
  const locker = new Locker({ bank }, sim);
  sim.failCalls("fill_random", "entropy_unavailable", true);
  assert.throws(() => locker.issueCourierCode(1, 3600), { code: "entropy_unavailable" });
  sim.clearFaults();
  locker.issueCourierCode(1, 3600);
  assert.throws(() => sim.failCalls("explode", "door_jammed"), { code: "invalid_argument" });
  assert.throws(() => sim.openDoor(99_999), { code: "unknown_door" });
  // The clock stays a number JavaScript holds exactly.
  assert.throws(() => sim.advanceS(Number.MAX_SAFE_INTEGER - NOW + 1), { code: "invalid_argument", message: /deltaS/ });
  assert.equal(sim.clockS, NOW);
  sim.advanceS(Number.MAX_SAFE_INTEGER - NOW);
  assert.equal(sim.nowS(), Number.MAX_SAFE_INTEGER);
});

test("a delegated PIN collects; a revoked one opens nothing", () => {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 7, NOW);
  const locker = new Locker({ bank }, sim);
  const { door, ready } = dropOff(locker, sim, 1, 12);
  const expires_at_s = NOW + 86_400;
  const before = locker.journalLength;
  assert.throws(
    () => locker.delegate({ delegator: 13, scope: "parcels", compartments: [door], expires_at_s }),
    { code: "not_delegable" },
  );
  assert.throws(
    () => locker.delegate({ delegator: 12, scope: "some", compartments: [], expires_at_s }),
    { code: "invalid_argument" },
  );
  assert.throws(() => locker.revokeCredential({ id: 1 }), { code: "invalid_argument" });
  assert.equal(locker.journalLength, before);

  const everything = locker.delegate({ delegator: 12, scope: "all_parcels", compartments: [], expires_at_s });
  assert.deepEqual(Object.keys(everything), ["pin", "credential_id"]);
  assert.match(everything.pin, /^\d{8}$/);
  // Random 64-bit ids beyond 2^53 − 1 come as strings and go back as such.
  assert.ok(["number", "string"].includes(typeof everything.credential_id));
  locker.revokeCredential(everything.credential_id);
  assert.throws(() => locker.pickupPin(1, 12, everything.pin), { code: "revoked" });
  assert.throws(() => locker.revokeCredential(everything.credential_id), { code: "revoked" });

  const one = locker.delegate({ delegator: 12, scope: "parcels", compartments: [door], expires_at_s });
  assert.notEqual(one.pin, ready.pin);
  assert.deepEqual([...locker.pickupPin(1, 12, one.pin)], [door]);
  sim.openDoor(door);
  sim.takeParcel(door);
  sim.closeDoor(door);
  locker.doorClosed(door);
  assert.ok(locker.takeEvents().some((e) => e.type === "collected" && e.recipient === 12));
  const kinds = journalRecords(locker.journalText()).map((r) => r.entry.type);
  assert.equal(kinds.filter((k) => k === "credential_revoked").length, 1);
});

test("a signed remote command opens its door once, within the caps", () => {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 7, NOW);
  const remote = { enabled: true, max_opens_per_minute: 1 };
  const locker = new Locker({ bank, bank_id: 31, credentials: { remote } }, sim);
  assert.equal(locker.bankId, 31);
  const { door, ready } = dropOff(locker, sim, 1, 12);
  const { door: other } = dropOff(locker, sim, 2, 13);
  const request = (bank, compartment, recipient, purpose = "pickup") =>
    ({ bank, compartment, purpose, recipient, not_before_s: NOW, not_after_s: NOW + 300 });
  const keys = locker.keys();

  const command = signRemoteCommand(keys, request(31, door, 12));
  assert.deepEqual(Object.keys(command), ["request", "nonce", "key_id", "tag"]);
  assert.match(command.tag, /^[0-9a-f]{64}$/);
  const before = locker.journalLength;
  assert.throws(() => locker.openRemote(signRemoteCommand(keys, request(32, door, 12))), { code: "wrong_bank" });
  assert.throws(() => locker.openRemote({ ...command, request: { ...command.request, compartment: other } }),
    { code: "rejected" });
  assert.throws(() => locker.openRemote({ nonce: 1 }), { code: "invalid_argument" });
  assert.throws(() => signRemoteCommand(keys, { bank: 31 }), { code: "invalid_argument" });
  assert.throws(() => signRemoteCommand(keys, request(31, door, null)), { code: "invalid_request" });
  const failed = journalRecords(locker.journalText()).slice(before).map((r) => r.entry.type);
  assert.deepEqual([...new Set(failed)], ["attempt_failed"]);
  // Signed, but for nothing this resident may take: not counted.
  const journaled = locker.journalLength;
  assert.throws(() => locker.openRemote(signRemoteCommand(keys, request(31, door, 13))),
    { code: "nothing_to_collect" });
  assert.throws(() => locker.openRemote(signRemoteCommand(keys, request(31, door, null, "staff"))),
    { code: "wrong_purpose" });
  assert.equal(locker.journalLength, journaled);
  assert.equal(sim.isOpen(door) || sim.isOpen(other), false);

  assert.deepEqual([...locker.openRemote(JSON.stringify(command))], [door]);
  assert.throws(() => locker.openRemote(command), { code: "replayed" });
  assert.throws(() => locker.openRemote(signRemoteCommand(keys, request(31, other, 13))),
    { code: "remote_cap_reached" });
  sim.openDoor(door);
  sim.takeParcel(door);
  sim.closeDoor(door);
  locker.doorClosed(door);
  assert.ok(locker.takeEvents().some((e) => e.type === "collected" && e.recipient === 12));
  assert.throws(() => locker.pickupPin(1, 12, ready.pin), { code: "revoked" });
  const opened = journalRecords(locker.journalText()).filter((r) => r.entry.type === "pickup_opened");
  assert.equal(opened.at(-1).entry.grant.channel, "remote");
});

test("a nonce is a plain number; one beyond 2^53 parsed from text is refused as rounded", () => {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 7, NOW);
  const locker = new Locker({ bank, bank_id: 31, credentials: { remote: { enabled: true } } }, sim);
  const { door } = dropOff(locker, sim, 1, 12);
  const keys = locker.keys();
  const sign = () => signRemoteCommand(keys,
    { bank: 31, compartment: door, purpose: "pickup", recipient: 12, not_before_s: NOW, not_after_s: NOW + 300 });
  // Record version 3 draws nonces (and credential ids) in 53 bits: they
  // cross as numbers, exactly.
  for (let i = 0; i < 64; i++) {
    const { nonce } = sign();
    assert.equal(typeof nonce, "number");
    assert.ok(Number.isSafeInteger(nonce) && nonce >= 0, String(nonce));
  }
  const command = sign();
  // A 64-bit nonce from another back end, parsed by JSON.parse, has lost
  // its last digits: refused before anything is journaled.
  const parsed = JSON.parse(JSON.stringify(command).replace(`"nonce":${command.nonce}`, '"nonce":12105813786408597029'));
  const journaled = locker.journalLength;
  assert.throws(() => locker.openRemote(parsed), { code: "invalid_argument", message: /2\^53/ });
  assert.equal(locker.journalLength, journaled, "a rounded nonce is no forgery");
  // Every 64-bit value as a string, small ones too, as some back ends do.
  const small = { ...command, request: { ...command.request, bank: "31", recipient: "12" }, key_id: String(command.key_id), nonce: String(command.nonce) };
  const store = new CredentialStore({ remote: { enabled: true } });
  assert.equal(store.verifyRemote(keys, "31", small, NOW).compartments[0], door);
  assert.deepEqual([...locker.openRemote(JSON.stringify(command))], [door]);
  // Only where a number is wanted: labels of digits stay labels.
  const labelled = { ...bank, compartments: bank.compartments.map((c, i) => ({ ...c, label: String(101 + i) })) };
  const config = { bank: labelled, policy: { reopen_grace_s: "120" } };
  const other = new Locker(config, new SimulatedHardware(doorIds(bank), 7, NOW));
  assert.equal(other.doors()[0].label, "101");
});

test("remote opening is off by default; the store checks a command without spending it", () => {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 7, NOW);
  const locker = new Locker({ bank, bank_id: 31 }, sim);
  const { door } = dropOff(locker, sim, 1, 12);
  const command = signRemoteCommand(locker.keys(),
    { bank: 31, compartment: door, purpose: "pickup", recipient: 12, not_before_s: NOW, not_after_s: NOW + 300 });
  assert.throws(() => locker.openRemote(command), { code: "remote_disabled" });

  const store = new CredentialStore({ remote: { enabled: true } });
  const grant = store.verifyRemote(locker.keys(), 31, command, NOW + 10);
  assert.deepEqual([grant.channel, grant.compartments, grant.recipient, grant.single_use],
    ["remote", [door], 12, true]);
  assert.deepEqual(store.verifyRemote(locker.keys(), 31, command, NOW + 10), grant);
  store.redeem(grant, NOW + 10);
  assert.throws(() => store.verifyRemote(locker.keys(), 31, command, NOW + 20), { code: "replayed" });
  assert.throws(() => store.verifyRemote(locker.keys(), 31, command, NOW + 400), { code: "expired" });
});

test("a courier's load is planned, dropped off door by door, and restores", () => {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 7, NOW);
  const locker = new Locker({ bank }, sim);
  const session = locker.courierSignIn(1, locker.issueCourierCode(1, 30 * 86_400));
  const huge = { id: 9, size: { width_mm: 2000, depth_mm: 300, height_mm: 300 }, weight_g: 5000 };
  const load = [
    { parcel: parcel(1), recipient: 12 },
    { parcel: parcel(2), recipient: 13 },
    { parcel: parcel(3), recipient: 12 },
    { parcel: huge, recipient: 14 },
  ];
  const plan = locker.planDropOffBatch(session, load, { max_iterations: 5000, seed: 3 });
  assert.deepEqual(plan.overflow.map((o) => o.parcel.id), [9]);
  assert.deepEqual(locker.takeEvents().map((e) => e.type), ["overflow"]);
  assert.equal(plan.doors, 2);
  assert.equal(new Set(plan.steps.filter((s) => s.recipient === 12).map((s) => s.compartment)).size, 1);
  for (const step of plan.steps) {
    const answer = locker.depositPlanned(session, step);
    assert.equal(answer.outcome, "opened");
    assert.equal(answer.compartment, step.compartment);
    sim.openDoor(step.compartment);
    sim.putParcel(step.compartment);
    sim.closeDoor(step.compartment);
    locker.doorClosed(step.compartment);
    assert.deepEqual(locker.takeEvents().map((e) => e.type), ["parcel_ready"]);
  }
  const { key_id, mac, ...unsealed } = locker.snapshot();
  assert.ok(key_id !== undefined && mac !== undefined);
  assert.deepEqual(replayJournal(locker.journalText()), unsealed);
  const keys = KeyRing.importSecrets(locker.keys().exportSecrets());
  const restored = Locker.restore(keys, new SimulatedHardware(doorIds(bank), 9, NOW + 10), locker.journalText());
  assert.deepEqual(restored.snapshot(), locker.snapshot());
});

test("bad batch input throws typed errors and changes nothing", () => {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 7, NOW);
  const locker = new Locker({ bank }, sim);
  const session = locker.courierSignIn(1, locker.issueCourierCode(1, 30 * 86_400));
  const before = [locker.snapshot(), locker.journalLength];
  const request = { parcel: parcel(1), recipient: 12 };
  assert.throws(() => locker.planDropOffBatch({}, [request]), { code: "invalid_argument" });
  assert.throws(() => locker.planDropOffBatch(session, [{ ...request, door: 1 }]), { code: "invalid_argument" });
  assert.throws(() => locker.planDropOffBatch(session, [request], { budget: 1 }), { code: "invalid_argument" });
  assert.throws(() => locker.planDropOffBatch(session, [request, request]), { code: "duplicate_in_batch" });
  const plan = locker.planDropOffBatch(session, [request]);
  assert.throws(() => locker.depositPlanned(session, { ...plan.steps[0], door: 1 }), { code: "invalid_argument" });
  assert.throws(() => locker.depositPlanned(session, "step"), { code: "invalid_argument" });
  assert.deepEqual([locker.snapshot(), locker.journalLength], before);
  locker.issueCourierCode(1, 3600);
  const rotated = [locker.snapshot(), locker.journalLength];
  assert.throws(() => locker.depositPlanned(session, plan.steps[0]), { code: "revoked" });
  assert.deepEqual([locker.snapshot(), locker.journalLength], rotated);
});
