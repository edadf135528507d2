// Compiled (not run) by types.test.mjs with `tsc --strict --lib es2022`
// and nothing else (no DOM, no esnext): a Node consumer of the package.
// Events narrow on `type` to their own fields without a cast; wrong shapes
// are refused (each `@ts-expect-error` fails the build if it compiles).
import {
  Bank, LockerError, Locker, SimulatedHardware, defaultBank, defaultDoorClasses, doorIds, qrSvg,
  type DoorClassJson, type DoorJson, type EventJson, type OutcomeJson, type ParcelReadyEventJson, type PlanRequestJson,
} from "locker-wasm";

const bank = defaultBank();
const locker = new Locker({ bank }, new SimulatedHardware(doorIds(bank), 7, 1_700_000_000));

export function notify(events: EventJson[]): string[] {
  const sent: string[] = [];
  for (const event of events) {
    switch (event.type) {
      case "parcel_ready": {
        const pin: string = event.pin;
        const token: string = event.qr_token;
        sent.push(`${event.recipient}: ${pin} ${qrSvg(token).length}`);
        break;
      }
      case "collected": {
        const parcels: number[] = event.parcels;
        sent.push(String(parcels.length));
        // @ts-expect-error: a collected event has no PIN
        sent.push(event.pin);
        break;
      }
      case "hardware_fault": {
        const detail: string | null = event.detail;
        // @ts-expect-error: a kind that is not one
        const kind: "door_on_fire" = event.kind;
        sent.push(detail ?? kind);
        break;
      }
      case "clock_went_back":
        sent.push(String(event.clock_s - event.kept_s));
        break;
      default:
        sent.push(event.type);
    }
  }
  // @ts-expect-error: `pin` is not on every event
  events.map((event) => event.pin);
  return sent;
}
notify(locker.takeEvents());

// @ts-expect-error: an event type that does not exist
const made: EventJson = { type: "parcel_exploded", compartment: 1 };
// @ts-expect-error: a parcel_ready event without its PIN
const partial: ParcelReadyEventJson = { type: "parcel_ready", recipient: 1, compartment: 1 };
void made; void partial;

const outcome: OutcomeJson = new Bank(bank).allocate({
  parcel: { id: 1, size: { width_mm: 300, depth_mm: 200, height_mm: 100 }, weight_g: 900 },
  recipient: 12,
});
if (outcome.outcome === "assigned") {
  const door: number = outcome.compartment;
  void door;
}
// Why each door group was passed over: narrowed by `kind`, then `verdict`.
for (const seen of outcome.considered) {
  if (seen.kind === "group" && seen.verdict.verdict === "too_small") {
    const usable: number = seen.verdict.usable.height_mm + seen.free_doors;
    void usable;
  }
  // @ts-expect-error: only a too_heavy verdict has a load
  void seen.verdict.load_g;
}
const doors: DoorJson[] = locker.doors();
const state: "free" | "occupied" | "open" | "grace" | "out_of_service" | "needs_inspection" = doors[0].state;
void state;
const classes: DoorClassJson[] = defaultDoorClasses();
const price: number = defaultDoorClasses()[0].price;
void classes; void price;
// What a door holds, packed: each parcel's place.
const held = new Bank(bank).compartments()[0].contents;
const corner: number | undefined = held?.packing.placements[0]?.position.x_mm;
void corner;
// @ts-expect-error: a misspelt planner field
const request: PlanRequestJson = { target_overflow: 0.05 };
void request;
// @ts-expect-error: a request without its parcel
new Bank(bank).allocate({ recipient: 12 });
// @ts-expect-error: qrSvg's options are an object, not a size
qrSvg("TOKEN", 4);

try {
  locker.pickupPin(1, 12, "0000");
} catch (error) {
  if (error instanceof LockerError) {
    const code: string = error.code;
    void code;
  }
}
