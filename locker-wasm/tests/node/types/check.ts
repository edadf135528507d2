// Compiled (not run) by types.test.mjs with `tsc --strict`: the package's
// TypeScript declarations describe the API as the tests and the kiosk use it.
import init, * as web from "locker-wasm/web";
import {
  Bank, CredentialStore, IssuerSigningKey, KeyRing, Locker, LockerError, MemoryFlash, SimulatedHardware, bruteForceBound,
  defaultBank, doorIds, issueRecordedToken, issueToken, issueTokenSigned, journalRecords, journalStats, qrSvg, readJournal, signRemoteCommand,
  signRemoteCommandEd25519, signTime, signTimeEd25519, simulate, simulateLocker, verifyJournal, verifyTokenOffline,
  type BoundReportJson, type CourierSession, type IssuedCourierCodeJson, type EntryJson, type OverflowEventJson, type ParcelReadyEventJson,
  type ThrottleSubjectJson,
  type Channel, type ClockJumpedEventJson, type DelegationJson, type DoorJson, type EventJson, type GrantJson,
  type Hardware, type HeadJson, type IssuerKeyJson, type KeyCheckJson, type LoadedJournalJson,
  type OutcomeJson, type RemoteCommandJson, type RestoreReportJson, type SignedTimeJson, type TokenClaimsJson,
  type VerifiedJson, type Flash, type FlashOptions, type FlashUsageJson, type FlashOpenReportJson,
  type JournalCompactedEventJson, type JournalStatsJson,
  type BatchDropOffJson, type BatchStepJson, type DropOffJson, type RuleJson,
  type BuildingJson, type CarrierJson, type LockerSimulationJson, type SimResultJson,
} from "locker-wasm";

const bank = defaultBank();
const sim = new SimulatedHardware(doorIds(bank), 7, 1_700_000_000);
let counter = 0;
const board: Hardware = {
  unlock(door: number): void { void door; },
  doorState: () => "closed",
  nowS: () => Math.floor(Date.now() / 1000),
  fillRandom: (buf: Uint8Array) => { crypto.getRandomValues(buf); },
  monotonicCounter: () => counter,
  raiseMonotonicCounter: (atLeast: number) => { counter = Math.max(counter, atLeast); },
};
const locker: Locker = new Locker({ bank }, board);
const withSim = new Locker({ bank }, sim);
const doors: DoorJson[] = withSim.doors();
const events: EventJson[] = locker.takeEvents();
const delegation: DelegationJson = withSim.delegate({
  delegator: 12, scope: "all_parcels", compartments: [], expires_at_s: 1_700_086_400,
});
withSim.revokeCredential(delegation.credential_id);
const delegatedPin: string = delegation.pin;
void delegatedPin;
const outcome: OutcomeJson = new Bank(bank).allocate({
  parcel: { id: 1, size: { width_mm: 300, depth_mm: 200, height_mm: 100 }, weight_g: 900 },
  recipient: 12,
});
if (outcome.outcome === "assigned") {
  const door: number = outcome.compartment;
  void door;
}
// A courier's load planned, then dropped off step by step.
const batchSession: CourierSession = withSim.courierSignIn(1, withSim.issueCourierCode(1, 3600));
const batch: BatchDropOffJson = withSim.planDropOffBatch(batchSession, [
  { parcel: { id: 40, size: { width_mm: 300, depth_mm: 200, height_mm: 100 }, weight_g: 900 }, recipient: 12 },
], { max_iterations: 1_000, seed: 1 });
const step: BatchStepJson | undefined = batch.steps[0];
if (step !== undefined) {
  const rule: RuleJson = step.rule;
  void rule;
  const dropped: DropOffJson = withSim.depositPlanned(batchSession, step);
  void dropped;
}
const batchDoors: number = batch.doors + new Bank(bank).planBatchPacked([], { seed: 2 }).assignments.length;
void batchDoors;
// A door of the bank: its spec with every field present.
const [first] = new Bank(bank).compartments();
const zone: "ambient" | "chilled" | "frozen" = first.spec.zone;
const free: boolean = first.free && first.spec.accessible;
void zone; void free;
const keys = new KeyRing();
keys.rotate();
const sealed: Uint8Array = keys.toBytes();
const unsealed: KeyRing = KeyRing.fromBytes(sealed);
void unsealed;
const checks: KeyCheckJson[] = keys.checks();
const { token } = issueToken(keys, { bank: 31, purpose: "pickup", compartments: [1], recipient: 12, expires_at_s: 2_000_000_000 }, 1_700_000_000);
const claims: TokenClaimsJson = verifyTokenOffline(keys, [], 31, token, 1_700_000_000);
const signer: "site" | "issuer" | "legacy" = claims.signer;
const svg: string = qrSvg(token);
const store = new CredentialStore({ remote: { enabled: true } });
const grant: GrantJson = store.verifyToken(keys, 31, 1, token, 1_700_000_000);
const channel: Channel = grant.channel;
const opens: number[] = grant.compartments;
store.redeem(grant, 1_700_000_000);
const command: RemoteCommandJson = signRemoteCommand(keys, {
  bank: 31, compartment: 1, purpose: "pickup", recipient: 12,
  not_before_s: 1_700_000_000, not_after_s: 1_700_000_300,
});
const remoteGrant: GrantJson = store.verifyRemote(keys, 31, JSON.stringify(command), 1_700_000_000);
const remotelyOpened: Uint32Array = withSim.openRemote(command);
void remoteGrant; void remotelyOpened;
const check: VerifiedJson = verifyJournal(locker.journalText());
const seq: number = check.chain.next_seq;
const head: HeadJson | null = locker.head();
const keyed: VerifiedJson = verifyJournal(locker.journalText(), {
  keys, expectedHead: head ?? undefined, minRecords: 1, acceptLegacy: false,
});
const loaded: LoadedJournalJson = readJournal(locker.journalText(), { keys });
const stats: JournalStatsJson = journalStats(loaded.records, { utcOffsetS: 3600, fromS: 0 });
const peak: number = stats.occupancy.peak_occupied_doors;
const statsZone: "ambient" | "chilled" | "frozen" | undefined = stats.utilization.by_zone[0]?.zone;
void peak; void statsZone;
const through: number | null = keyed.authenticated_through ?? loaded.verified.authenticated_through;
const restored = Locker.restore(keys, new SimulatedHardware(doorIds(bank), 7, 1_700_000_000, { monotonicCounter: true }),
  locker.journalText(), { expectedHead: head ?? undefined, snapshot: locker.snapshot(), acceptLegacy: false });
const report: RestoreReportJson | null = restored.restoreReport();
const newKey: number = restored.rotateKey();
restored.retireKey(newKey);
restored.addKey(9, crypto.getRandomValues(new Uint8Array(32)));
const lockerTime: number = restored.observeClock() + restored.confirmClock() + restored.clockOffsetS;
const held: number | undefined = restored.clockHeldSinceS;
const time: SignedTimeJson = signTime(keys, 31, 1_700_000_000);
restored.confirmSignedTime(time);
const issuer = IssuerSigningKey.generate(1);
const issuerKey: IssuerKeyJson = issuer.publicKey();
const signedToken: string = issueTokenSigned(issuer, {
  bank: 31, purpose: "pickup", compartments: [1], recipient: 12, expires_at_s: 2_000_000_000,
}, 1_700_000_000).token;
const signedCommand: RemoteCommandJson = signRemoteCommandEd25519(issuer, {
  bank: 31, compartment: 1, purpose: "pickup", recipient: 12,
  not_before_s: 1_700_000_000, not_after_s: 1_700_000_300,
});
const signature: string | undefined = signedCommand.signature ?? signTimeEd25519(issuer, 31, 1).signature;
for (const event of restored.takeEvents()) {
  if (event.type === "clock_jumped") {
    const jumped: ClockJumpedEventJson = event;
    const heldS: number = event.held_s;
    void jumped; void heldS;
  } else if (event.type === "unexpected_door_close") {
    const door: number = event.compartment;
    void door;
  } else if (event.type === "clock_confirmed") {
    const by: "staff" | "signed_time" | "running" | "returned" = event.by;
    void by;
  }
}
const counterValue: number | undefined = new SimulatedHardware([1], 0, 0, { monotonicCounter: true }).monotonicCounterValue;
void checks; void signer; void through; void report; void lockerTime; void held; void issuerKey;
void signedToken; void signature; void counterValue;
const arrivals: number = simulate(undefined, bank).arrivals;
// Every Building field is typed, and the result's.
const carrier: CarrierJson = { name: "postal", share: 40, rounds: [11] };
const building: BuildingJson = {
  units: 60, days: 7, season: [97, 90, 97, 95, 97, 95, 95, 97, 99, 104, 115, 119], carriers: [carrier],
  peaks: [{ name: "after Black Friday", first_day_of_year: 331, days: 4, factor_percent: 125 }],
  receivers: [{ share: 1, rate: 1 }], away: { hold_percent: 50 }, extension_h: 48, seed: "18446744073709551615",
};
// @ts-expect-error: a misspelt field is refused by the compiler
const misspelt: BuildingJson = { unit: 3 };
const run: LockerSimulationJson = simulateLocker(building, bank);
const result: SimResultJson = run.result;
const byHour: number[] = result.occupancy_by_hour;
const carrierOverflow: number = result.carriers[0].overflow;
const peakHour: number = result.daily[0].peak_hour;
const p95: number = result.dwell.p95_h;
const simulatedJournal: string = run.journal;
verifyJournal(simulatedJournal, { keys: run.keys });
void arrivals; void misspelt; void byHour; void carrierOverflow; void peakHour; void p95;
try {
  locker.pickupPin(1, 12, "0000");
} catch (error) {
  if (error instanceof LockerError) {
    const code: string = error.code;
    const bad: number | undefined = error.seq;
    const name: "LockerError" = error.name;
    void code; void bad; void name;
  }
}
// Issue 18: couriers named with their carrier, the bound, new events and entries.
const courier: CourierSession = withSim.courierSignIn(1, withSim.issueCourierCode(2, 3600), 2);
withSim.courierSignOut(courier);
const issuedCode: IssuedCourierCodeJson = store.issueCourierCode(keys,
  { carrier: 2, valid_from_s: 1_700_000_000, expires_at_s: 1_700_003_600 }, 1_700_000_000);
const courierGrant: GrantJson = store.verifyCourier(keys, 1, issuedCode.code, 1_700_000_000, 2);
void courierGrant;
const bound: BoundReportJson = bruteForceBound({ pin: { digits: 8 }, brute_force: { target_per_billion: 1000 } }, 200);
const perBillion: number = bound.per_billion + bound.target_per_billion + bound.inputs.attempts_per_24h;
const factor = bound.inputs.second_factor;
const perUnit: number = factor === "none" ? 0 : factor.unit_number.max_pins_per_unit;
void perBillion; void perUnit;
new KeyRing().rotate(crypto.getRandomValues(new Uint8Array(32)));
for (const event of withSim.takeEvents()) {
  if (event.type === "parcel_ready") {
    const ready: ParcelReadyEventJson = event;
    const opens: number[] = ready.pin_opens;
    const ids: number[] = ready.parcel_ids;
    const carrier: number | null = ready.carrier;
    void opens; void ids; void carrier;
  } else if (event.type === "overflow") {
    const overflow: OverflowEventJson = event;
    const reason: "nothing_fits" | "full" | "no_larger_door" = overflow.reason;
    void reason;
  } else if (event.type === "suspicious_attempts") {
    const subject: ThrottleSubjectJson = event.lockout.scope.subject;
    const unit: number | string | undefined =
      typeof subject === "object" && "recipient" in subject ? subject.recipient : undefined;
    void unit;
  }
}
let refusedAttempts = 0;
for (const record of journalRecords(withSim.journalText())) {
  const entry: EntryJson = record.entry;
  if (entry.type === "attempts_refused") {
    refusedAttempts += entry.count;
    const error: string = entry.error;
    const kiosk: number | null = entry.kiosk;
    void error; void kiosk;
  } else if (entry.type === "attempt_failed") {
    const channel: Channel = entry.failure.channel;
    void channel;
  } else if (entry.type === "courier_signed_in" || entry.type === "courier_signed_out") {
    const carrier: number = entry.carrier + entry.kiosk;
    void carrier;
  }
}
void refusedAttempts;
// Round 3: restores told their bank, heads naming it, recorded tokens,
// an uptime counter, the pooled scope of made-up kiosks.
const headBank: number | string | undefined = head?.bank_id;
const toldBank = Locker.restore(keys, new SimulatedHardware(doorIds(bank), 7, 1_700_000_000, { uptime: true }),
  locker.journalText(), { expectedBank: 31, expectedHead: head ?? undefined });
Locker.restore(keys, sim, locker.journalText(), { expectedBank: "31" });
void headBank; void toldBank;
const recorded: string = issueRecordedToken(keys,
  { bank: 31, purpose: "pickup", compartments: [1], recipient: 12, expires_at_s: 2_000_000_000 }, 1_700_000_000).token;
const storeRecorded: string = store.issueRecordedToken(keys,
  { bank: 31, purpose: "pickup", compartments: [1], recipient: 12, expires_at_s: 2_000_000_000 }, 1_700_000_000,
  crypto.getRandomValues(new Uint8Array(32))).token;
void recorded; void storeRecorded;
let lived = 0;
const timedBoard: Hardware = { ...board, uptimeS: () => lived };
const untimedBoard: Hardware = { ...board, uptimeS: () => null };
lived += 1;
void new Locker({ bank }, timedBoard); void untimedBoard;
const timed = new SimulatedHardware(doorIds(bank), 7, 1_700_000_000, { monotonicCounter: false, uptime: true });
timed.jumpClockS(600);
const uptime: number | undefined = timed.uptimeS();
void uptime;
const pooled: ThrottleSubjectJson = "other_kiosks";
const subjects: ThrottleSubjectJson[] = [pooled, "bank", { kiosk: 1 }];
void subjects;
// Lockers on flash: the simulated chip, and a chip written in JavaScript.
const chip = new MemoryFlash(64 * 1024, 4096);
const onChip: Locker = Locker.openFlash({ bank }, keys, sim, chip);
const usage: FlashUsageJson | null = onChip.flashUsage();
const usedBytes: number = (usage?.used_bytes ?? 0) + (usage?.half_bytes ?? 0) + (usage?.generation ?? 0);
const compacted: boolean = onChip.compact();
const history: string = onChip.previousJournalText() + onChip.journalText();
for (const event of onChip.takeEvents()) {
  if (event.type === "journal_compacted") {
    const compaction: JournalCompactedEventJson = event;
    const through: number | null = event.through_seq;
    const bytes: number = compaction.snapshot_bytes;
    void through; void bytes;
  }
}
onChip.free();
const cells = new Uint8Array(8192).fill(0xff);
const spi: Flash = {
  capacityBytes: cells.length,
  eraseBlockBytes: 1024,
  read: (offset: number, length: number): Uint8Array => cells.slice(offset, offset + length),
  write(offset: number, bytes: Uint8Array): void { bytes.forEach((b, i) => { cells[offset + i] &= b; }); },
  erase(offset: number, length: number): void { cells.fill(0xff, offset, offset + length); },
};
const flashOptions: FlashOptions = { compactAtBytes: 3072, expectedHead: head ?? undefined, expectedBank: "31" };
const reopened: Locker = Locker.openFlash(null, keys, board, chip, { expectedBank: 0 });
const opened: FlashOpenReportJson | null = reopened.flashOpenReport();
const torn: number | null | undefined = opened?.torn_bytes;
const restoredFromChip: boolean = opened?.restored === true && !opened.formatted;
chip.cutPowerAfter(100);
chip.restorePower();
chip.overwrite(0, Uint8Array.of(0));
const wear: number = chip.writtenBytes + chip.erasedBlocks + chip.capacityBytes + chip.eraseBlockBytes;
const raw: Uint8Array = chip.bytes();
const lost: boolean = chip.powerLost;
const copy: MemoryFlash = chip.clone();
void usedBytes; void compacted; void history; void spi; void flashOptions; void torn; void restoredFromChip;
void wear; void raw; void lost; void copy;
await init();
const version: string = web.version();
export { doors, events, claims, svg, store, channel, opens, seq, arrivals, version };
