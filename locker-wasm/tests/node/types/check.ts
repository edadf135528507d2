// Compiled (not run) by types.test.mjs with `tsc --strict`: the package's
// TypeScript declarations describe the API as the tests and the kiosk use it.
import init, * as web from "locker-wasm/web";
import {
  Bank, CredentialStore, KeyRing, Locker, SimulatedHardware, defaultBank, doorIds, issueToken,
  qrSvg, signRemoteCommand, simulate, verifyJournal, verifyTokenOffline,
  type Channel, type DelegationJson, type DoorJson, type EventJson, type GrantJson, type Hardware, type LockerError,
  type OutcomeJson, type RemoteCommandJson, type TokenClaimsJson,
} from "locker-wasm";

const bank = defaultBank();
const sim = new SimulatedHardware(doorIds(bank), 7, 1_700_000_000);
const board: Hardware = {
  unlock(door: number): void { void door; },
  doorState: () => "closed",
  nowS: () => Math.floor(Date.now() / 1000),
  fillRandom: (buf: Uint8Array) => { crypto.getRandomValues(buf); },
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
const { token } = issueToken(keys, { purpose: "pickup", compartments: [1], expires_at_s: 2_000_000_000 }, 1_700_000_000);
const claims: TokenClaimsJson = verifyTokenOffline(keys, token, 1_700_000_000);
const svg: string = qrSvg(token);
const store = new CredentialStore();
const grant: GrantJson = store.verifyToken(keys, 1, token, 1_700_000_000);
const channel: Channel = grant.channel;
const opens: number[] = grant.compartments;
store.redeem(grant, 1_700_000_000);
const command: RemoteCommandJson = signRemoteCommand(keys, {
  bank: 31, compartment: 1, purpose: "pickup", recipient: 12,
  not_before_s: 1_700_000_000, not_after_s: 1_700_000_300,
});
const remoteGrant: GrantJson = store.verifyRemote(keys, 31, JSON.stringify(command), 1_700_000_000);
const remotelyOpened: Uint32Array = withSim.openRemote(31, command);
void remoteGrant; void remotelyOpened;
const check = verifyJournal(locker.journalText());
const seq: number = check.next_seq;
const arrivals: number = simulate(undefined, bank).arrivals;
try {
  locker.pickupPin(1, 12, "0000");
} catch (error) {
  const code: string = (error as LockerError).code;
  void code;
}
await init();
const version: string = web.version();
export { doors, events, claims, svg, store, channel, opens, seq, arrivals, version };
