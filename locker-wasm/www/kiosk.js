// The kiosk demo: a bank drawn as a grid of doors, a courier drop-off
// screen, a resident pickup screen (PIN or QR) and a resident portal.
//
// State lives in localStorage as the locker's journal (JSON lines) and is
// rebuilt with Locker.restore on every load. The site keys are kept in
// localStorage too, which only a demo may do: a real kiosk keeps them in
// secure storage (a TPM, the OS keystore) and never next to the journal.
//
// The lock board is a JavaScript object implementing the package's
// `Hardware` interface, as a kiosk talking to its board over WebSerial
// would: here the doors are a SimulatedHardware, the clock is Date.now()
// and the entropy is crypto.getRandomValues.
import init, { KeyRing, Locker, SimulatedHardware, defaultBank, doorIds, qrSvg } from "./pkg/web/locker_wasm.js";

const KEY = {
  journal: "locker.journal",
  keys: "locker.keys",
  courierCode: "locker.courierCode",
  inbox: "locker.inbox",
};
const KIOSK = 1;
const CARRIER = 1;

/** The lock board: doors from the simulator, real time and entropy. */
class KioskBoard {
  constructor(doors) {
    this.doors = new SimulatedHardware(doors, 0);
  }
  unlock(door) { this.doors.unlock(door); }
  doorState(door) { return this.doors.doorState(door); }
  // No occupancy sensor: the locker trusts its journal.
  nowS() { return Math.floor(Date.now() / 1000); }
  fillRandom(buf) { crypto.getRandomValues(buf); }
}

const $ = (selector) => document.querySelector(selector);
let locker;
let board;
let pending = null; // { door, action: "deposit" | "pickup" }

function say(message, code = "") {
  const status = $("#status");
  status.textContent = message;
  status.dataset.code = code;
}

function fail(error) {
  say(`${error.message}`, error.code ?? "error");
  console.warn(error);
}

function save() {
  localStorage.setItem(KEY.journal, locker.journalText());
}

function inbox() {
  return JSON.parse(localStorage.getItem(KEY.inbox) ?? "{}");
}

/** Hands the locker's notifications on: here, into the demo's inbox. */
function deliver(events) {
  const box = inbox();
  for (const event of events) {
    if (event.type === "parcel_ready") {
      box[event.recipient] = {
        compartment: event.compartment,
        parcels: event.parcels,
        pin: event.pin,
        qr_token: event.qr_token,
        expires_at_s: event.expires_at_s,
      };
    } else if (event.type === "collected") {
      delete box[event.recipient];
    }
  }
  localStorage.setItem(KEY.inbox, JSON.stringify(box));
}

function start() {
  const bank = defaultBank();
  board = new KioskBoard(doorIds(bank));
  const journal = localStorage.getItem(KEY.journal);
  const keys = localStorage.getItem(KEY.keys);
  if (journal && keys) {
    locker = Locker.restore(KeyRing.importSecrets(JSON.parse(keys)), board, journal);
    say(`Restored from the journal (${locker.journalLength} records).`);
  } else {
    locker = new Locker({ bank }, board);
    localStorage.setItem(KEY.keys, JSON.stringify(locker.keys().exportSecrets()));
    const code = locker.issueCourierCode(CARRIER, 30 * 86_400);
    localStorage.setItem(KEY.courierCode, code);
    localStorage.removeItem(KEY.inbox);
    save();
    say("New locker started.");
  }
  $("#courier-code").textContent = localStorage.getItem(KEY.courierCode) ?? "";
  deliver(locker.takeEvents());
  draw();
}

function draw() {
  const grid = $("#grid");
  const doors = locker.doors();
  const rows = Math.max(...doors.map((d) => d.position.row)) + 1;
  grid.replaceChildren(
    ...doors.map((door) => {
      const cell = document.createElement("div");
      cell.className = "door";
      cell.dataset.doorId = door.id;
      cell.dataset.state = door.state;
      cell.style.gridColumn = door.position.column + 1;
      cell.style.gridRow = rows - door.position.row;
      cell.textContent = door.label;
      cell.title = `${door.label} (${door.size_class}, ${door.zone}): ${door.state}` +
        (door.recipient ? `, unit ${door.recipient}` : "");
      return cell;
    }),
  );
}

/** The person at the locker acts on the open door; the kiosk waits for it to close. */
function doorOpened(door, action) {
  board.doors.openDoor(door);
  if (action === "deposit") board.doors.putParcel(door);
  else while (board.doors.parcelCount(door) > 0) board.doors.takeParcel(door);
  pending = { door, action };
  $("#door-prompt").textContent = `Door ${label(door)} is open: ${action === "deposit" ? "put the parcel in" : "take your parcels"}, then close it.`;
  $("#door-action").hidden = false;
  draw();
}

function label(door) {
  return locker.doors().find((d) => d.id === door)?.label ?? `#${door}`;
}

function closeDoor() {
  if (!pending) return;
  const { door, action } = pending;
  try {
    board.doors.closeDoor(door);
    locker.doorClosed(door);
    deliver(locker.takeEvents());
    save();
    pending = null;
    $("#door-action").hidden = true;
    say(action === "deposit" ? `Parcel stored in door ${label(door)}.` : `Collected from door ${label(door)}.`);
  } catch (error) {
    fail(error);
  }
  draw();
}

function dropOff(form) {
  const data = new FormData(form);
  try {
    // The demo has one carrier: a real kiosk asks the courier to pick
    // theirs, so wrong codes count against that carrier only.
    const session = locker.courierSignIn(KIOSK, String(data.get("code")).trim(), CARRIER);
    const id = Date.now();
    let answer;
    try {
      answer = locker.deposit(session, {
        parcel: {
          id,
          size: {
            width_mm: Number(data.get("width")),
            depth_mm: Number(data.get("depth")),
            height_mm: Number(data.get("height")),
          },
          weight_g: Number(data.get("weight")),
        },
        recipient: Number(data.get("recipient")),
      });
    } finally {
      locker.courierSignOut(session);
      session.free();
    }
    save();
    if (answer.outcome === "opened") {
      say(`Door ${label(answer.compartment)} is open.`);
      doorOpened(answer.compartment, "deposit");
    } else {
      say(`No door for this parcel (${answer.reason}): take it to the front desk.`, "overflow");
    }
  } catch (error) {
    save();
    fail(error);
  }
}

function pickUp(form, by) {
  const data = new FormData(form);
  try {
    const opened = by === "qr"
      ? locker.pickupQr(KIOSK, String(data.get("token")).trim())
      : locker.pickupPin(KIOSK, Number(data.get("unit")), String(data.get("pin")).trim());
    save();
    const door = opened[0];
    say(`Door ${label(door)} is open.`);
    doorOpened(door, "pickup");
  } catch (error) {
    save(); // failed attempts are journaled for the throttle
    fail(error);
  }
}

function portal(form) {
  const unit = Number(new FormData(form).get("unit"));
  const message = inbox()[unit];
  const out = $("#portal-result");
  if (!message) {
    out.textContent = "Nothing waiting for you.";
    return;
  }
  out.innerHTML = `<p>Door <b>${label(message.compartment)}</b>, ${message.parcels} parcel(s).
    PIN <b id="portal-pin">${message.pin}</b> (with your unit number)</p>
    <div id="portal-qr" data-token="${message.qr_token}">${qrSvg(message.qr_token, { module_px: 5 })}</div>`;
}

function wire() {
  for (const tab of document.querySelectorAll("nav button")) {
    tab.addEventListener("click", () => {
      for (const other of document.querySelectorAll("nav button, .screen")) other.classList.remove("active");
      tab.classList.add("active");
      $(`#${tab.dataset.screen}`).classList.add("active");
    });
  }
  $("#courier").addEventListener("submit", (e) => { e.preventDefault(); dropOff(e.target); });
  $("#pickup").addEventListener("submit", (e) => { e.preventDefault(); pickUp(e.target, e.submitter?.value ?? "pin"); });
  $("#portal").addEventListener("submit", (e) => { e.preventDefault(); portal(e.target); });
  $("#close-door").addEventListener("click", closeDoor);
  $("#reset").addEventListener("click", () => {
    for (const key of Object.values(KEY)) localStorage.removeItem(key);
    location.reload();
  });
}

await init();
wire();
try {
  start();
  document.body.dataset.ready = "true";
} catch (error) {
  fail(error);
  document.body.dataset.ready = "error";
}
