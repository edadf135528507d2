//! The locker facade over a hardware object, with its journal as JSON
//! lines, and the journal functions (verify, read, replay).

use locker_core::allocate::Request;
use locker_core::credential::{
    BankId, CarrierId, CredentialId, DelegationRequest, KioskId, RemoteCommand,
};
use locker_core::journal::{Digest, MemoryJournal, Record, lines};
use locker_core::locker::{self as core_locker, Entry, LockerConfig};
use locker_core::{CompartmentId, RecipientId};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::convert::{from_js, from_js_or_text, to_js, u32_arg, u64_arg, u64_to_js};
use crate::credential::KeyRing;
use crate::error::LockerError;
use crate::hardware::{HardwareObject, JsHardware};

#[wasm_bindgen(typescript_custom_section)]
const LOCKER_TS: &str = r#"
/** A locker's configuration: the bank and (optional) policies, snake_case. */
export interface LockerConfigJson {
  bank: BankConfigJson;
  policy?: object;
  credentials?: object;
}
/**
 * A delegation: `scope` "parcels" names the delegator's `compartments`;
 * "all_parcels" (with `compartments: []`) covers every parcel, now and later.
 */
export interface DelegationRequestJson {
  delegator: number; scope: "parcels" | "all_parcels"; compartments: number[];
  expires_at_s: number;
}
/** A delegated PIN to pass on, and its credential id to revoke it early. */
export interface DelegationJson { pin: string; credential_id: number | string }
/** The answer to a drop-off: a door opened, or overflow. */
export type DropOffJson =
  | { outcome: "opened"; compartment: number; placement: PlacementJson;
      rule: "consolidated" | "smallest_fit" | "next_larger_free" }
  | { outcome: "overflow"; parcel: ParcelJson; recipient: number;
      reason: OverflowReasonJson; considered: object[] };
/**
 * A notification for the host to pass on. `type` is one of "parcel_ready"
 * (with `pin` and `qr_token`: send them to the recipient), "collected",
 * "reminder", "return_ready" (with `qr_token` for the carrier), "returned",
 * "drop_off_aborted", "pickup_aborted", "door_left_open",
 * "suspicious_attempts", "hardware_fault", "tamper", "parcels_missing",
 * "found_occupied", "needs_inspection", "clock_went_back"; other fields
 * are snake_case.
 */
export interface EventJson { type: string; [field: string]: unknown }
/** One door for display: configuration and what is happening at it. */
export interface DoorJson {
  id: number; label: string; size_class: string; zone: string; accessible: boolean;
  position: { column: number; row: number }; inner: Size;
  /** "free", "occupied", "open", "grace", "out_of_service" or "needs_inspection". */
  state: string;
  /** What an open door is open for: "deposit", "pickup", "staff", "reopen". */
  task: string | null;
  recipient: number | null; parcels: number; expires_at_s: number | null;
  returning: boolean;
}
/** One journal record: `entry` is the change, `hash` covers the rest and links to `prev`. */
export interface RecordJson { v: number; seq: number; at_s: number; prev: string; entry: object; hash: string }
/** The whole state of a locker (the core's `Snapshot` JSON; no secrets). */
export interface SnapshotJson { v: number; chain: { next_seq: number; head: string }; bank: BankConfigJson; [field: string]: unknown }
/** What `verifyJournal` found. */
export interface JournalCheckJson {
  records: number; next_seq: number; head: string;
  torn_tail: { line: number; bytes: number } | null; valid_bytes: number;
}
"#;

type Core = core_locker::Locker<JsHardware, MemoryJournal<Entry>>;

/// A courier signed in at a kiosk (made only by
/// [`Locker::courier_sign_in`]).
#[wasm_bindgen]
#[derive(Clone, Debug)]
pub struct CourierSession(core_locker::CourierSession);

#[wasm_bindgen]
impl CourierSession {
    /// The courier's carrier.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn carrier(&self) -> Option<u32> {
        self.0.carrier().map(|c| c.0)
    }

    /// The kiosk the courier signed in at.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn kiosk(&self) -> u32 {
        self.0.kiosk().0
    }
}

/// A running locker: allocation, credentials and the hash-chained journal
/// over a hardware object (a [`SimulatedHardware`](crate::hardware::SimulatedHardware)
/// or any object with the `Hardware` methods). Every call is all or
/// nothing; the journal (`journalText()`) rebuilds it with
/// `Locker.restore`.
///
/// ```js
/// const sim = new SimulatedHardware(doorIds(defaultBank()), 7, 1_700_000_000);
/// const locker = new Locker({ bank: defaultBank() }, sim);
/// const code = locker.issueCourierCode(1, 30 * 86400);
/// const session = locker.courierSignIn(1, code);
/// const drop = locker.deposit(session, { parcel, recipient: 12 });
/// sim.openDoor(drop.compartment); sim.putParcel(drop.compartment); sim.closeDoor(drop.compartment);
/// locker.doorClosed(drop.compartment);
/// const ready = locker.takeEvents().find((e) => e.type === "parcel_ready");
/// locker.pickupPin(1, 12, ready.pin); // [door]
/// ```
#[wasm_bindgen]
pub struct Locker(Core);

impl core::fmt::Debug for Locker {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

fn config_arg(config: &JsValue) -> Result<LockerConfig, LockerError> {
    if config.is_undefined() || config.is_null() {
        return Ok(LockerConfig::default());
    }
    let config: LockerConfig = from_js_or_text(config, "config")?;
    config.bank.validate()?;
    Ok(config)
}

fn door(value: f64) -> Result<CompartmentId, LockerError> {
    u32_arg(value, "door").map(CompartmentId)
}

fn kiosk(value: f64) -> Result<KioskId, LockerError> {
    u32_arg(value, "kiosk").map(KioskId)
}

fn records_of(text: &str) -> Result<Vec<Record<Entry>>, LockerError> {
    Ok(lines::read::<Entry>(text, None)?.records)
}

fn doors_of(compartments: Vec<CompartmentId>) -> Vec<u32> {
    compartments.into_iter().map(|c| c.0).collect()
}

#[wasm_bindgen]
impl Locker {
    /// Starts a new locker: a site key from the hardware's `fillRandom`,
    /// the configuration (default bank and policies when left out) as the
    /// journal's first record.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a wrong shape or a hardware object missing
    /// a method, configuration codes, hardware codes.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "LockerConfigJson | string | undefined")]
        config: JsValue,
        hardware: HardwareObject,
    ) -> Result<Self, LockerError> {
        let config = config_arg(&config)?;
        let hardware = JsHardware::new(hardware)?;
        Ok(Self(Core::new(config, hardware, MemoryJournal::new())?))
    }

    /// Starts a new locker with the site's keys (shared with a service
    /// that issues QR tokens).
    ///
    /// # Errors
    ///
    /// As the constructor.
    #[wasm_bindgen(js_name = withKeys)]
    pub fn with_keys(
        #[wasm_bindgen(unchecked_param_type = "LockerConfigJson | string | undefined")]
        config: JsValue,
        keys: &KeyRing,
        hardware: HardwareObject,
    ) -> Result<Self, LockerError> {
        let config = config_arg(&config)?;
        let hardware = JsHardware::new(hardware)?;
        Ok(Self(Core::with_keys(
            config,
            keys.0.clone(),
            hardware,
            MemoryJournal::new(),
        )?))
    }

    /// Rebuilds a locker from its journal text (JSON lines) and keys after
    /// a restart or a page reload: verifies the chain, replays every
    /// record, settles doors that were open. A torn last line is dropped.
    ///
    /// # Errors
    ///
    /// `"edited"`, `"missing_records"`, `"out_of_order"`, `"broken_link"`,
    /// `"malformed_record"`, `"replay"`, hardware codes.
    pub fn restore(
        keys: &KeyRing,
        hardware: HardwareObject,
        journal: &str,
    ) -> Result<Self, LockerError> {
        let records = records_of(journal)?;
        let hardware = JsHardware::new(hardware)?;
        let mut sink = MemoryJournal::new();
        for record in &records {
            sink.push(record.clone());
        }
        Ok(Self(Core::restore(
            keys.0.clone(),
            hardware,
            sink,
            &records,
        )?))
    }

    /// The site keys (export them to secure storage with
    /// `exportSecrets()`).
    #[must_use]
    pub fn keys(&self) -> KeyRing {
        KeyRing(self.0.keys().clone())
    }

    /// The whole journal as JSON lines, each ended by `\n`.
    #[wasm_bindgen(js_name = journalText)]
    #[must_use]
    pub fn journal_text(&self) -> String {
        lines::write(self.0.journal().records())
    }

    /// The journal lines from record `seq` on (to append to storage).
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a bad number.
    #[wasm_bindgen(js_name = journalSince)]
    pub fn journal_since(&self, seq: f64) -> Result<String, LockerError> {
        let seq = u64_arg(seq, "seq")?;
        let records = self.0.journal().records();
        let from = records.partition_point(|r| r.seq < seq);
        Ok(lines::write(records.get(from..).unwrap_or_default()))
    }

    /// How many records the journal holds.
    #[wasm_bindgen(getter, js_name = journalLength)]
    #[must_use]
    pub fn journal_length(&self) -> usize {
        self.0.journal().records().len()
    }

    /// The whole state as the core's snapshot JSON (no secrets).
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(unchecked_return_type = "SnapshotJson")]
    pub fn snapshot(&self) -> Result<JsValue, LockerError> {
        to_js(&self.0.snapshot())
    }

    /// The door ids of the bank, in id order.
    #[wasm_bindgen(js_name = doorIds)]
    #[must_use]
    pub fn door_ids(&self) -> Vec<u32> {
        self.0
            .state()
            .bank()
            .compartments()
            .iter()
            .map(|c| c.id().0)
            .collect()
    }

    /// Every door for display: configuration, `state` ("free",
    /// "occupied", "open", "grace" (just collected: the resident may
    /// re-open it for a short while), "out_of_service",
    /// "needs_inspection"), the open
    /// door's task, the recipient, parcel count and expiry.
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(unchecked_return_type = "DoorJson[]")]
    pub fn doors(&self) -> Result<JsValue, LockerError> {
        to_js(&self.0.state().doors())
    }

    /// Issues (or rotates) a carrier's courier code, valid for
    /// `validForS` seconds from now. Returns the code.
    ///
    /// # Errors
    ///
    /// Credential, hardware and journal codes.
    #[wasm_bindgen(js_name = issueCourierCode)]
    pub fn issue_courier_code(
        &mut self,
        carrier: f64,
        #[wasm_bindgen(js_name = validForS)] valid_for_s: f64,
    ) -> Result<String, LockerError> {
        let carrier = CarrierId(u32_arg(carrier, "carrier")?);
        let valid_for_s = u64_arg(valid_for_s, "validForS")?;
        let code = self.0.issue_courier_code(carrier, valid_for_s)?;
        Ok(code.expose().into())
    }

    /// Checks a courier code typed at `kiosk`.
    ///
    /// # Errors
    ///
    /// `"rejected"`, `"expired"`, `"throttled"`, `"malformed_pin"`, …; the
    /// failure counts toward the throttle.
    #[wasm_bindgen(js_name = courierSignIn)]
    pub fn courier_sign_in(
        &mut self,
        kiosk_id: f64,
        code: &str,
    ) -> Result<CourierSession, LockerError> {
        let session = self.0.courier_sign_in(kiosk(kiosk_id)?, code)?;
        Ok(CourierSession(session))
    }

    /// Drops a parcel off: chooses a door and unlocks it; the drop-off
    /// completes when the door closes (`doorClosed`).
    ///
    /// # Errors
    ///
    /// `"invalid_argument"`, `"invalid_parcel"`, `"already_stored"`,
    /// `"expired"`, hardware codes when no door unlocks.
    #[wasm_bindgen(unchecked_return_type = "DropOffJson")]
    pub fn deposit(
        &mut self,
        session: &CourierSession,
        #[wasm_bindgen(unchecked_param_type = "RequestJson")] request: JsValue,
    ) -> Result<JsValue, LockerError> {
        let request: Request = from_js(&request, "request")?;
        // The core's JSON shape: `{ outcome: "opened" | "overflow", … }`.
        to_js(&self.0.deposit(&session.0, request)?)
    }

    /// The courier found the (closed again) door too small: a larger door
    /// opens.
    ///
    /// # Errors
    ///
    /// `"door_still_open"`, `"not_open_for"`, and as [`Locker::deposit`].
    #[wasm_bindgen(js_name = needLargerDoor, unchecked_return_type = "DropOffJson")]
    pub fn need_larger_door(&mut self, door_id: f64) -> Result<JsValue, LockerError> {
        to_js(&self.0.need_larger_door(door(door_id)?)?)
    }

    /// The courier called the drop-off off and closed the door.
    ///
    /// # Errors
    ///
    /// `"door_still_open"`, `"not_open_for"`.
    #[wasm_bindgen(js_name = cancelDeposit)]
    pub fn cancel_deposit(&mut self, door_id: f64) -> Result<(), LockerError> {
        Ok(self.0.cancel_deposit(door(door_id)?)?)
    }

    /// The door closed: completes what it was open for (stores the parcel
    /// and issues the recipient's PIN and QR token, frees a collected door…).
    ///
    /// # Errors
    ///
    /// `"door_still_open"`, `"not_open_for"`, hardware and journal codes.
    #[wasm_bindgen(js_name = doorClosed)]
    pub fn door_closed(&mut self, door_id: f64) -> Result<(), LockerError> {
        Ok(self.0.door_closed(door(door_id)?)?)
    }

    /// The periodic sweep (call it every few seconds): closed doors,
    /// alarms, reminders, expiry.
    ///
    /// # Errors
    ///
    /// Hardware and journal codes.
    pub fn tick(&mut self) -> Result<(), LockerError> {
        Ok(self.0.tick()?)
    }

    /// Collects with a PIN typed at `kiosk` (with the unit number when
    /// PINs are bound to units, the default). Returns the doors opened.
    ///
    /// # Errors
    ///
    /// `"rejected"`, `"expired"`, `"already_used"`, `"throttled"`,
    /// `"unit_required"`, `"malformed_pin"`, hardware codes.
    #[wasm_bindgen(js_name = pickupPin)]
    pub fn pickup_pin(
        &mut self,
        kiosk_id: f64,
        unit: Option<f64>,
        pin: &str,
    ) -> Result<Vec<u32>, LockerError> {
        let unit = unit
            .map(|u| u64_arg(u, "unit").map(RecipientId))
            .transpose()?;
        Ok(doors_of(self.0.pickup_pin(kiosk(kiosk_id)?, unit, pin)?))
    }

    /// Collects with a QR token shown at `kiosk`. Returns the doors opened.
    ///
    /// # Errors
    ///
    /// As [`Locker::pickup_pin`], and `"malformed_token"`.
    #[wasm_bindgen(js_name = pickupQr)]
    pub fn pickup_qr(&mut self, kiosk_id: f64, token: &str) -> Result<Vec<u32>, LockerError> {
        Ok(doors_of(self.0.pickup_qr(kiosk(kiosk_id)?, token)?))
    }

    /// Collects with an RFID tag (and its PIN when required).
    ///
    /// # Errors
    ///
    /// As [`Locker::pickup_pin`], and `"nothing_to_collect"`.
    #[wasm_bindgen(js_name = pickupRfid)]
    pub fn pickup_rfid(
        &mut self,
        kiosk_id: f64,
        uid: &[u8],
        pin: Option<String>,
    ) -> Result<Vec<u32>, LockerError> {
        let opened = self.0.pickup_rfid(kiosk(kiosk_id)?, uid, pin.as_deref())?;
        Ok(doors_of(opened))
    }

    /// Opens a door for a pickup on a command the back end signed
    /// (`signRemoteCommand`) for bank `bank`: a `RemoteCommandJson` or the
    /// JSON text as it came. The door opens only while it holds parcels of
    /// the resident the command names. Returns the doors opened. Off
    /// unless the config's `credentials.remote.enabled`; each command
    /// opens once, within the caps, and is spent even when the latch then
    /// fails.
    ///
    /// # Errors
    ///
    /// As `CredentialStore#verifyRemote` (`"remote_disabled"`,
    /// `"wrong_bank"`, `"window_too_long"`, `"rejected"`, `"throttled"`,
    /// `"not_yet_valid"`, `"expired"`, `"replayed"`,
    /// `"remote_cap_reached"`, …), `"wrong_purpose"` (staff overrides are
    /// given at the locker), `"nothing_to_collect"` (no parcels of that
    /// resident), `"unavailable"` (a door open, out of service or in a
    /// grace period), `"invalid_argument"`, hardware codes.
    #[wasm_bindgen(js_name = openRemote)]
    pub fn open_remote(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number | string")] bank: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RemoteCommandJson | string")] command: JsValue,
    ) -> Result<Vec<u32>, LockerError> {
        let bank: BankId = from_js(&bank, "bank")?;
        let command: RemoteCommand = from_js_or_text(&command, "command")?;
        Ok(doors_of(self.0.open_remote(bank, &command)?))
    }

    /// Registers an RFID tag for a recipient; returns its PIN when one is
    /// required.
    ///
    /// # Errors
    ///
    /// `"malformed_rfid_uid"`, `"duplicate_credential"`, hardware codes.
    #[wasm_bindgen(js_name = registerRfid)]
    pub fn register_rfid(
        &mut self,
        recipient: f64,
        uid: &[u8],
        #[wasm_bindgen(js_name = withPin)] with_pin: bool,
    ) -> Result<Option<String>, LockerError> {
        let recipient = RecipientId(u64_arg(recipient, "recipient")?);
        let pin = self.0.register_rfid(recipient, uid, with_pin)?;
        Ok(pin.map(|pin| pin.expose().into()))
    }

    /// Lets someone else collect: issues a PIN for the delegator's parcels
    /// (`scope` `"parcels"`: those in `compartments`; `"all_parcels"`:
    /// every one, now and later) until `expires_at_s`. Returns the PIN to
    /// pass on and its `credential_id`, for `revokeCredential`.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a request of the wrong shape,
    /// `"not_delegable"` for a door the delegator holds no usable PIN or
    /// token of, `"invalid_request"` for doors given with the wrong scope
    /// or twice, `"too_many_pins"` (counting the delegator's drop-offs in
    /// progress), `"bad_expiry"`, hardware codes.
    #[wasm_bindgen(unchecked_return_type = "DelegationJson")]
    pub fn delegate(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "DelegationRequestJson")] request: JsValue,
    ) -> Result<JsValue, LockerError> {
        let request: DelegationRequest = from_js(&request, "request")?;
        to_js(&self.0.delegate(&request)?)
    }

    /// Revokes a credential by id (a delegation's `credential_id`, an RFID
    /// tag's, a courier code's): it stops working at once. Ids beyond
    /// 2^53 − 1 are given as decimal strings, as they come. A delivery's
    /// own PIN, token or return token is the locker's to revoke.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for an id that is not one, `"unknown_credential"`,
    /// `"revoked"` or `"already_used"`, `"unavailable"` for a delivery's own
    /// credential, hardware codes.
    #[wasm_bindgen(js_name = revokeCredential)]
    pub fn revoke_credential(
        &mut self,
        #[wasm_bindgen(js_name = credentialId, unchecked_param_type = "number | string")]
        credential_id: JsValue,
    ) -> Result<(), LockerError> {
        let id: CredentialId = from_js(&credential_id, "credentialId")?;
        Ok(self.0.revoke_credential(id)?)
    }

    /// Opens the door again in the grace period after a pickup.
    ///
    /// # Errors
    ///
    /// `"not_in_grace"`, hardware codes.
    pub fn reopen(&mut self, door_id: f64) -> Result<(), LockerError> {
        Ok(self.0.reopen(door(door_id)?)?)
    }

    /// The resident found the door empty: the parcels are marked missing.
    ///
    /// # Errors
    ///
    /// `"not_in_grace"`.
    #[wasm_bindgen(js_name = reportMissing)]
    pub fn report_missing(&mut self, door_id: f64) -> Result<(), LockerError> {
        Ok(self.0.report_missing(door(door_id)?)?)
    }

    /// Staff open a door (audited).
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for an empty or long reason, state and
    /// hardware codes.
    #[wasm_bindgen(js_name = staffOpen)]
    pub fn staff_open(&mut self, door_id: f64, reason: &str) -> Result<(), LockerError> {
        Ok(self.0.staff_open(door(door_id)?, reason)?)
    }

    /// Staff take a door out of service.
    ///
    /// # Errors
    ///
    /// As [`Locker::staff_open`].
    #[wasm_bindgen(js_name = setOutOfService)]
    pub fn set_out_of_service(&mut self, door_id: f64, reason: &str) -> Result<(), LockerError> {
        Ok(self.0.set_out_of_service(door(door_id)?, reason)?)
    }

    /// Staff put a door back in service.
    ///
    /// # Errors
    ///
    /// `"unavailable"` when it is not out of service.
    #[wasm_bindgen(js_name = backInService)]
    pub fn back_in_service(&mut self, door_id: f64) -> Result<(), LockerError> {
        Ok(self.0.back_in_service(door(door_id)?)?)
    }

    /// Staff extend a delivery's dwell by `byS` seconds; returns the new
    /// expiry.
    ///
    /// # Errors
    ///
    /// `"no_delivery"`.
    pub fn extend(
        &mut self,
        door_id: f64,
        #[wasm_bindgen(js_name = byS)] by_s: f64,
    ) -> Result<f64, LockerError> {
        let by_s = u64_arg(by_s, "byS")?;
        let until = self.0.extend(door(door_id)?, by_s)?;
        Ok(u64_to_js(until).as_f64().unwrap_or(f64::MAX))
    }

    /// Holds a recipient's parcels (vacation) until `untilS`.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` when `untilS` is not in the future.
    pub fn hold(
        &mut self,
        recipient: f64,
        #[wasm_bindgen(js_name = untilS)] until_s: f64,
    ) -> Result<(), LockerError> {
        let recipient = RecipientId(u64_arg(recipient, "recipient")?);
        Ok(self.0.hold(recipient, u64_arg(until_s, "untilS")?)?)
    }

    /// Staff looked inside a door left open by a power cut.
    ///
    /// # Errors
    ///
    /// `"not_interrupted"`.
    pub fn inspect(
        &mut self,
        door_id: f64,
        #[wasm_bindgen(js_name = foundParcels)] found_parcels: bool,
    ) -> Result<(), LockerError> {
        Ok(self.0.inspect(door(door_id)?, found_parcels)?)
    }

    /// Takes the notifications raised since the last call.
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(js_name = takeEvents, unchecked_return_type = "EventJson[]")]
    pub fn take_events(&mut self) -> Result<JsValue, LockerError> {
        // The core's one JSON shape for events, secrets included (the host
        // sends them on).
        to_js(&self.0.take_events())
    }
}

/// `verifyJournal`'s answer.
#[derive(Serialize)]
struct JournalCheck {
    records: usize,
    next_seq: u64,
    head: Digest,
    torn_tail: Option<lines::TornTail>,
    valid_bytes: usize,
}

/// Checks a journal's text (JSON lines): every record's hash, sequence and
/// link. A torn last line (a write cut by power loss) is reported, not an
/// error.
///
/// # Errors
///
/// `"malformed_record"`, `"edited"`, `"missing_records"`, `"out_of_order"`,
/// `"broken_link"`, `"unsupported_version"`, naming the first bad record.
#[wasm_bindgen(js_name = verifyJournal, unchecked_return_type = "JournalCheckJson")]
pub fn verify_journal(text: &str) -> Result<JsValue, LockerError> {
    let loaded = lines::read::<Entry>(text, None)?;
    to_js(&JournalCheck {
        records: loaded.records.len(),
        next_seq: loaded.chain.next_seq,
        head: loaded.chain.head,
        torn_tail: loaded.torn_tail,
        valid_bytes: loaded.valid_bytes,
    })
}

/// The records of a journal text as plain objects (`v`, `seq`, `at_s`,
/// `prev`, `entry`, `hash`), after verifying it.
///
/// # Errors
///
/// As [`verify_journal`].
#[wasm_bindgen(js_name = journalRecords, unchecked_return_type = "RecordJson[]")]
pub fn journal_records(text: &str) -> Result<JsValue, LockerError> {
    to_js(&records_of(text)?)
}

/// Replays a verified journal text into the locker's state, as the core's
/// snapshot JSON.
///
/// # Errors
///
/// As [`verify_journal`], and `"replay"` for a record that contradicts the
/// state.
#[wasm_bindgen(js_name = replayJournal, unchecked_return_type = "SnapshotJson")]
pub fn replay_journal(text: &str) -> Result<JsValue, LockerError> {
    let loaded = lines::read::<Entry>(text, None)?;
    let state = core_locker::replay(&loaded.records)?;
    to_js(&state.snapshot(loaded.chain))
}
