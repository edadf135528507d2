//! The locker facade over a hardware object, with its authenticated
//! journal as JSON lines.

use locker_core::allocate::{BatchOptions, Request};
use locker_core::credential::{
    BankId, CarrierId, CredentialId, DelegationRequest, KeyId, KioskId, RemoteCommand, SignedTime,
    SiteKey,
};
use locker_core::journal::flash::{FlashConfig, FlashJournal};
use locker_core::journal::{Head, MemoryJournal, Record, Trust, lines};
use locker_core::locker::{
    self as core_locker, BatchStep, Entry, FlashChecks, LockerConfig, Restore, Snapshot,
};
use locker_core::{CompartmentId, RecipientId};
use wasm_bindgen::prelude::*;

use crate::convert::{
    Options, bool_value, bytes_value, exact_f64, from_js, from_js_or_text, given, instance,
    secret_text, secret_value, text_value, to_js, u16_value, u32_value, u64_to_js, u64_value,
};
use crate::credential::{KeyRing, keys_arg};
use crate::error::LockerError;
use crate::flash::flash_arg;
use crate::hardware::{HardwareObject, JsHardware};
use crate::journal::RecordsArg;
use crate::storage::{FlashOpened, FlashStore, Journal};

#[wasm_bindgen(typescript_custom_section)]
const LOCKER_TS: &str = r#"
/**
 * A locker's configuration: the bank, (optional) policies, and the bank's
 * id, which QR tokens and remote commands name (default 0: give each bank
 * that shares a site key its own).
 */
export interface LockerConfigJson {
  bank: BankConfigJson;
  policy?: LockerPolicyJson;
  credentials?: CredentialPolicyJson;
  bank_id?: number | string;
}
/** Dwell, reminders, grace, alarms and the clock (every field optional). */
export interface LockerPolicyJson {
  dwell_s?: number; chilled_max_dwell_s?: number; reminders_before_expiry_s?: number[];
  max_dwell_s?: number; reopen_grace_s?: number; door_open_alarm_s?: number;
  return_window_s?: number;
  /**
   * A clock reading more than `max_step_s` (default 3600) past the one
   * before is a jump, held back until confirmed (`confirmClock`,
   * `confirmSignedTime`, the clock coming back, or `confirm_after_s`,
   * default 86400, of running on).
   */
  clock?: { max_step_s?: number; confirm_after_s?: number };
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
      rule: RuleJson }
  | { outcome: "overflow"; parcel: ParcelJson; recipient: number;
      reason: OverflowReasonJson; considered: ConsideredJson[] };
/** One parcel of a planned batch and the door it goes into. */
export interface BatchStepJson {
  parcel: ParcelJson; recipient: number; needs_accessible: boolean; compartment: number;
  placement: PlacementJson; rule: RuleJson;
}
/** A courier's load planned against the free doors, door by door. */
export interface BatchDropOffJson {
  steps: BatchStepJson[]; overflow: BatchOverflowJson[]; strategy: BatchStrategyJson; doors: number;
}
/** Why a drop-off did not happen. */
export type AbortReasonJson =
  | "door_fault" | "nothing_inserted" | "too_small" | "cancelled" | "power_loss"
  | "still_inside" | "never_opened";
/** A hardware failure's kind (its code). */
export type HardwareErrorKindJson =
  | "door_jammed" | "unknown_door" | "sensor_fault" | "bus_timeout" | "clock_fault"
  | "entropy_unavailable" | "power_lost" | "other";
/** What confirmed the locker's time after its clock jumped ahead. */
export type ClockConfirmationJson = "staff" | "signed_time" | "running" | "returned";
/**
 * What a throttle counts failures against: the whole bank, one kiosk, one
 * unit (the recipient named with a PIN), one carrier (named with a courier
 * code), one credential (a registered RFID tag whose PIN was wrong), or
 * "other_kiosks": the kiosks beyond the 32 of a channel slowed one by one,
 * which share one scope (so made-up kiosk ids neither escape the backoff
 * nor grow the state).
 */
export type ThrottleSubjectJson =
  | "bank" | "other_kiosks" | { kiosk: number } | { recipient: number | string } | { carrier: number }
  | { credential: number | string };
/** One throttle: a channel and what its failures count against. */
export interface ThrottleScopeJson { channel: Channel; subject: ThrottleSubjectJson }
/**
 * A throttle that started refusing attempts (a backoff delay began, or
 * its cap was reached): the scope, when, until when, and the failures in
 * its window.
 */
export interface LockoutJson {
  scope: ThrottleScopeJson;
  at_s: number; until_s: number; failures: number;
}
/**
 * The hardware clock jumped ahead by more than the policy's step: the
 * jump is held back (throttle windows and expiries go by the locker's
 * time, `locker_s`) until the time is confirmed. Check the clock.
 */
export interface ClockJumpedEventJson { type: "clock_jumped"; clock_s: number; locker_s: number; held_s: number }
/** The locker's time is the clock's again. */
export interface ClockConfirmedEventJson { type: "clock_confirmed"; by: ClockConfirmationJson; now_s: number }
/**
 * A door the locker had not unlocked was reported closed (`doorClosed`):
 * someone opened it without a credential, or the door event was forged.
 */
export interface UnexpectedDoorCloseEventJson { type: "unexpected_door_close"; compartment: number }
/**
 * A parcel is ready: send the recipient the `pin` (typed with the unit
 * number) and the `qr_token` (show it as a QR code). The PIN opens every
 * door in `pin_opens`: this one, and, when the resident already held as
 * many PINs as the policy allows, their other doors, whose earlier PINs
 * it replaces. When a parcel joins the resident's occupied door, the
 * door's earlier PIN and token stop working.
 */
export interface ParcelReadyEventJson {
  type: "parcel_ready"; recipient: number; compartment: number;
  /** How many parcels the door now holds. */
  parcels: number;
  /** The parcels the door now holds, oldest first. */
  parcel_ids: number[];
  /** The carrier of the door's first parcel. */
  carrier: number | null;
  pin: string;
  /** Every door the PIN opens. */
  pin_opens: number[];
  qr_token: string; expires_at_s: number;
}
/**
 * No door could take a courier's parcel: it goes to the front desk or
 * another bank (journaled as `deposit_overflowed`).
 */
export interface OverflowEventJson {
  type: "overflow"; parcel: number; recipient: number; carrier: number; reason: OverflowReasonJson;
}
/**
 * A throttle started refusing attempts: alert staff; when the scope is a
 * unit's PINs (`subject: { recipient }`) or the bank's, send the residents
 * concerned their QR codes, which a PIN throttle never blocks.
 */
export interface SuspiciousAttemptsEventJson { type: "suspicious_attempts"; lockout: LockoutJson }
/**
 * The journal was compacted (`Locker#compact()`, or on its own when its
 * flash asked): its storage now starts from a sealed snapshot of the
 * state after record `through_seq` (null for an empty journal), of
 * `snapshot_bytes` bytes as the journal took it (on flash its storage
 * encoding, compressed, as `Locker#flashUsage().snapshot_bytes` says; a
 * fraction of its JSON). A flash journal keeps the
 * history before it (`Locker#previousJournalText()`) until the next
 * compaction: export it now.
 */
export interface JournalCompactedEventJson { type: "journal_compacted"; through_seq: number | null; snapshot_bytes: number }
/**
 * A notification for the host to pass on, by `type`: "parcel_ready" (send
 * the `pin` and `qr_token` to the recipient), "return_ready" (the
 * carrier's `qr_token`), "overflow", alarms and the rest. Events carry
 * secrets: treat them as such.
 */
export type EventJson =
  | ParcelReadyEventJson
  | { type: "collected"; recipient: number; compartment: number; parcels: number[] }
  | { type: "reminder"; recipient: number; compartment: number; expires_at_s: number }
  | { type: "return_ready"; recipient: number; carrier: number; compartment: number;
      qr_token: string; expires_at_s: number }
  | { type: "returned"; carrier: number; compartment: number; parcels: number[] }
  | { type: "drop_off_aborted"; compartment: number; parcel: number; reason: AbortReasonJson }
  | { type: "pickup_aborted"; compartment: number }
  | { type: "door_left_open"; compartment: number }
  | SuspiciousAttemptsEventJson
  | OverflowEventJson
  | { type: "hardware_fault"; compartment: number | null; kind: HardwareErrorKindJson; detail: string | null }
  | { type: "tamper"; compartment: number }
  | { type: "parcels_missing"; recipient: number | null; compartment: number; parcels: number[] }
  | { type: "found_occupied"; compartment: number }
  | { type: "needs_inspection"; compartment: number }
  | { type: "clock_went_back"; clock_s: number; kept_s: number }
  | ClockJumpedEventJson
  | ClockConfirmedEventJson
  | UnexpectedDoorCloseEventJson
  | JournalCompactedEventJson;
/** One door for display: configuration and what is happening at it. */
export interface DoorJson {
  id: number; label: string; size_class: string; zone: "ambient" | "chilled" | "frozen"; accessible: boolean;
  position: { column: number; row: number }; inner: Size;
  state: "free" | "occupied" | "open" | "grace" | "out_of_service" | "needs_inspection";
  /** What an open door is open for. */
  task: "deposit" | "pickup" | "staff" | "reopen" | null;
  recipient: number | null; parcels: number; expires_at_s: number | null;
  returning: boolean;
}
/**
 * The whole state of a locker (the core's `Snapshot` JSON; no secrets),
 * sealed by the locker (`key_id`, `mac`): a snapshot changed or written
 * without the keys is refused by `Locker.restore`.
 */
export interface SnapshotJson {
  v: number; chain: ChainJson; bank: BankConfigJson; key_id?: number; mac?: string;
  [field: string]: unknown;
}
/** What `Locker.restore` found (`Locker#restoreReport()`). */
export interface RestoreReportJson {
  /** Records replayed (after the snapshot, if one). */
  records: number;
  /** The last record the snapshot covers, when restored from one. */
  snapshot_through: number | null;
  /** The last record whose MAC was checked; null for a sealed snapshot or legacy records only. */
  authenticated_through: number | null;
  /** Version-1 records read. */
  legacy_records: number;
  /** True when legacy records no MAC vouches for were accepted (`acceptLegacy`). */
  unauthenticated_legacy: boolean;
  /** The board's monotonic counter at the restore, when it has one. */
  counter: number | null;
  /** True when the restore journaled the keys (`keys_changed`). */
  keys_recorded: boolean;
}
/** What a restore starts from and is checked against (all optional). */
export interface RestoreOptions {
  /** The sealed snapshot (`Locker#snapshot()`) the records continue. */
  snapshot?: SnapshotJson;
  /**
   * A head exported before (`Locker#head()`): a journal cut short or
   * rewritten is refused, and so is another bank's when the head names its
   * bank (`bank_id`).
   */
  expectedHead?: HeadJson;
  /**
   * The bank this board is (from its provisioning; a number or a decimal
   * string): a journal or snapshot configuring another bank is refused
   * ("bank_mismatch"). Banks sharing a key ring authenticate each other's
   * journals, so a board says which it is here, or through `expectedHead`.
   */
  expectedBank?: number | string;
  /** Accept a journal written before journals were authenticated (version 1), once. */
  acceptLegacy?: boolean;
}
"#;

type Core = core_locker::Locker<JsHardware, Journal>;

/// A courier signed in at a kiosk (made only by
/// [`Locker::courier_sign_in`]); sign out with `Locker#courierSignOut`.
#[wasm_bindgen]
#[derive(Clone, Debug)]
pub struct CourierSession(core_locker::CourierSession);

/// The `session` argument: a copy of the caller's session.
fn session_arg(value: &JsValue) -> Result<CourierSession, LockerError> {
    instance(value, "session", "CourierSession")
}

#[wasm_bindgen]
impl CourierSession {
    /// A copy of the session (its own object).
    #[wasm_bindgen(js_name = clone)]
    #[must_use]
    pub fn copy(&self) -> Self {
        self.clone()
    }

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

fn door(value: &JsValue) -> Result<CompartmentId, LockerError> {
    u32_value(value, "door").map(CompartmentId)
}

fn kiosk(value: &JsValue) -> Result<KioskId, LockerError> {
    u32_value(value, "kiosk").map(KioskId)
}

fn recipient(value: &JsValue) -> Result<RecipientId, LockerError> {
    u64_value(value, "recipient").map(RecipientId)
}

/// A time or count the core gives as `u64`, as a JavaScript number (the
/// core keeps times below 2^32 and counts far below 2^53).
fn number(value: u64) -> f64 {
    exact_f64(value).unwrap_or(f64::MAX)
}

/// `Locker.restore`'s options (`RestoreOptions`).
#[derive(Default)]
struct RestoreArgs {
    snapshot: Option<Snapshot>,
    expected_head: Option<Head>,
    expected_bank: Option<BankId>,
    accept_legacy: bool,
}

impl RestoreArgs {
    fn new(options: &JsValue) -> Result<Self, LockerError> {
        let mut args = Self::default();
        let Some(mut options) = Options::new(options, "options")? else {
            return Ok(args);
        };
        if let Some(snapshot) = options.get("snapshot")? {
            args.snapshot = Some(from_js(&snapshot, "options.snapshot")?);
        }
        if let Some(head) = options.get("expectedHead")? {
            args.expected_head = Some(from_js(&head, "options.expectedHead")?);
        }
        if let Some(bank) = options.get("expectedBank")? {
            args.expected_bank = Some(from_js(&bank, "options.expectedBank")?);
        }
        if let Some(legacy) = options.get("acceptLegacy")? {
            args.accept_legacy = bool_value(&legacy, "options.acceptLegacy")?;
        }
        options.finish()?;
        Ok(args)
    }
}

/// `Locker.openFlash`'s options (`FlashOptions`).
#[derive(Default)]
struct FlashArgs {
    compact_at_bytes: Option<u32>,
    expected_head: Option<Head>,
    expected_bank: Option<BankId>,
}

impl FlashArgs {
    fn new(options: &JsValue) -> Result<Self, LockerError> {
        let mut args = Self::default();
        let Some(mut options) = Options::new(options, "options")? else {
            return Ok(args);
        };
        if let Some(bytes) = options.get("compactAtBytes")? {
            args.compact_at_bytes = Some(u32_value(&bytes, "options.compactAtBytes")?);
        }
        if let Some(head) = options.get("expectedHead")? {
            args.expected_head = Some(from_js(&head, "options.expectedHead")?);
        }
        if let Some(bank) = options.get("expectedBank")? {
            args.expected_bank = Some(from_js(&bank, "options.expectedBank")?);
        }
        options.finish()?;
        Ok(args)
    }
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
        #[wasm_bindgen(unchecked_param_type = "LockerConfigJson | string | null | undefined")]
        config: JsValue,
        hardware: HardwareObject,
    ) -> Result<Self, LockerError> {
        let config = config_arg(&config)?;
        let hardware = JsHardware::new(hardware)?;
        Ok(Self(Core::new(
            config,
            hardware,
            Journal::Memory(MemoryJournal::new()),
        )?))
    }

    /// Starts a new locker with the site's keys (shared with a service
    /// that issues QR tokens).
    ///
    /// # Errors
    ///
    /// As the constructor.
    #[wasm_bindgen(js_name = withKeys)]
    pub fn with_keys(
        #[wasm_bindgen(unchecked_param_type = "LockerConfigJson | string | null | undefined")]
        config: JsValue,
        #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
        hardware: HardwareObject,
    ) -> Result<Self, LockerError> {
        let config = config_arg(&config)?;
        let keys = keys_arg(&keys, "keys")?;
        let hardware = JsHardware::new(hardware)?;
        Ok(Self(Core::with_keys(
            config,
            keys.into_core(),
            hardware,
            Journal::Memory(MemoryJournal::new()),
        )?))
    }

    /// Rebuilds a locker from its journal (JSON lines as stored, or
    /// `RecordJson[]`) and the site's keys after a restart or a page
    /// reload: checks the ring is the journal's, authenticates every
    /// record (and the snapshot, when `options.snapshot` is given: the
    /// records then continue it), checks the journal reaches
    /// `options.expectedHead` and the board's monotonic counter, checks the
    /// journal (and snapshot) configures the bank the board is
    /// (`options.expectedBank`, else the head's `bank_id`), replays,
    /// journals keys the journal does not know yet, and settles doors that
    /// were open. A torn last line is dropped. `restoreReport()` then says
    /// what was found.
    ///
    /// ```js
    /// const locker = Locker.restore(keys, board, storedText, { expectedHead: savedHead, expectedBank: 31 });
    /// ```
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a wrong type or option; `"no_keys"` (an
    /// empty ring), `"wrong_key_ring"` (another site's), `"bank_mismatch"`
    /// (another bank's journal or snapshot), `"forged"`,
    /// `"unknown_key"`, `"unauthenticated"` (a legacy journal without
    /// `acceptLegacy`), `"rolled_back"`, `"head_mismatch"`, `"edited"`,
    /// `"missing_records"`, `"out_of_order"`, `"broken_link"`,
    /// `"malformed_record"`, `"not_canonical"`, `"replay"` (each naming the
    /// first bad record in `seq`), hardware codes.
    pub fn restore(
        #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
        hardware: HardwareObject,
        #[wasm_bindgen(js_name = recordsOrText, unchecked_param_type = "RecordJson[] | string")]
        records_or_text: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RestoreOptions")] options: Option<JsValue>,
    ) -> Result<Self, LockerError> {
        let keys = keys_arg(&keys, "keys")?;
        let args = RestoreArgs::new(&options.unwrap_or(JsValue::UNDEFINED))?;
        let hardware = JsHardware::new(hardware)?;
        // Text is read (each line exactly its record's text) from where
        // the snapshot ends; the restore authenticates everything.
        let start = args.snapshot.as_ref().map(|snapshot| snapshot.chain);
        let trust = Trust::integrity_only().from(start);
        let (records, _) = RecordsArg::new(&records_or_text, "recordsOrText", &trust)?.into_parts();
        let mut sink = MemoryJournal::new();
        for record in &records {
            sink.push(record.clone());
        }
        let restore = Restore {
            snapshot: args.snapshot.as_ref(),
            records: &records,
            expected_head: args.expected_head,
            expected_bank: args.expected_bank,
            accept_legacy: args.accept_legacy,
        };
        Ok(Self(Core::restore_with(
            keys.into_core(),
            hardware,
            Journal::Memory(sink),
            restore,
        )?))
    }

    /// Opens the locker whose journal is in a region of flash: a
    /// [`MemoryFlash`](crate::flash::MemoryFlash) (shared, not copied: it
    /// stays the caller's to cut the power of and look at) or an object
    /// with the `Flash` members (synchronous, every answer checked).
    /// Opening writes nothing: on a blank region, a new locker with
    /// `config` (default bank and policies when `null` or `undefined`) and
    /// the site's `keys`, whose first record formats the region; otherwise
    /// the locker restored from the snapshot and records the region holds,
    /// as `Locker.restore` does (`config` then goes unused), checked
    /// against `options.expectedHead` and `options.expectedBank`. A blank
    /// region is refused (`"rolled_back"`) when a head was exported before
    /// or the board's monotonic counter counted records: the journal was
    /// wiped. A frame cut short by a power cut is dropped (it was never
    /// acknowledged) and the journal continues in the other half.
    /// `flashOpenReport()` says what was found; the journal compacts on its
    /// own (`journal_compacted` events), and on request (`compact()`).
    ///
    /// ```js
    /// const chip = new MemoryFlash(128 * 1024, 4096);
    /// let locker = Locker.openFlash({ bank }, keys, board, chip);
    /// // … power off, power on:
    /// locker.free();
    /// locker = Locker.openFlash(null, keys, board, chip, { expectedHead: savedHead });
    /// locker.flashOpenReport().restored; // true
    /// ```
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a wrong type or option (a `MemoryFlash`
    /// another live locker holds, an object missing a `Flash` member or
    /// with an `async` one); `"flash_layout"` for a region that is not an
    /// even number of erase blocks of at least 64 bytes a half,
    /// `"flash_damaged"` for a region holding data but no journal (a
    /// damaged header, or a region used for something else: nothing is
    /// written, erase it to start anew), `"flash_failed"` when the flash
    /// fails while it is opened, a damaged record's journal code
    /// (`"malformed_record"`, with `seq`); as `Locker.withKeys` for a new
    /// locker, as `Locker.restore` for a restored one (`"forged"` for a
    /// snapshot or record changed on the chip, `"malformed_record"` for a
    /// snapshot that does not read back, `"out_of_memory"` when the heap
    /// has no room to expand the stored snapshot (the journal may be
    /// sound), `"rolled_back"`, `"bank_mismatch"`, …), and
    /// `"journal_write"` when the new locker's
    /// first records do not fit.
    #[wasm_bindgen(js_name = openFlash)]
    pub fn open_flash(
        #[wasm_bindgen(unchecked_param_type = "LockerConfigJson | string | null | undefined")]
        config: JsValue,
        #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
        hardware: HardwareObject,
        #[wasm_bindgen(unchecked_param_type = "MemoryFlash | Flash")] flash: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "FlashOptions")] options: Option<JsValue>,
    ) -> Result<Self, LockerError> {
        let config = config_arg(&config)?;
        let keys = keys_arg(&keys, "keys")?;
        let hardware = JsHardware::new(hardware)?;
        let region = flash_arg(&flash)?;
        let args = FlashArgs::new(&options.unwrap_or(JsValue::UNDEFINED))?;
        let flash_config = args.compact_at_bytes.map_or_else(
            || {
                FlashConfig::for_capacity(locker_core::journal::flash::Flash::capacity_bytes(
                    &region,
                ))
            },
            |compact_at_bytes| FlashConfig { compact_at_bytes },
        );
        let (journal, contents) = FlashJournal::open::<Entry>(region, flash_config)?;
        let opened = FlashOpened::of(&contents, journal.usage());
        let journal = Journal::Flash(Box::new(FlashStore::new(journal, opened)));
        let checks = FlashChecks {
            expected_head: args.expected_head,
            expected_bank: args.expected_bank,
        };
        Ok(Self(Core::open_flash(
            config,
            keys.into_core(),
            hardware,
            journal,
            &contents,
            checks,
        )?))
    }

    /// What the restore found (records replayed, what authenticated them,
    /// legacy records, the board's counter); `null` for a locker not
    /// restored.
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(js_name = restoreReport, unchecked_return_type = "RestoreReportJson | null")]
    pub fn restore_report(&self) -> Result<JsValue, LockerError> {
        to_js(&self.0.restore_report())
    }

    /// The journal's last record as a head: export it (to a back end, to
    /// storage the journal's storage cannot roll back) and pass it to a
    /// later `Locker.restore` or `verifyJournal` as `expectedHead`, so a
    /// journal cut short or rolled back, or (at a restore) another bank's,
    /// is refused. The head names this locker's bank (`bank_id`). `null`
    /// before any record.
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(unchecked_return_type = "HeadJson | null")]
    pub fn head(&self) -> Result<JsValue, LockerError> {
        to_js(&self.0.head())
    }

    /// Adds a fresh site key (from the hardware's entropy) and makes it the
    /// newest: new credentials and records use it, older credentials keep
    /// verifying. Journaled (`keys_changed`). Returns the new id; export
    /// the ring again (`keys()`) to secure storage.
    ///
    /// # Errors
    ///
    /// `"key_ids_exhausted"`, `"weak_key"` (broken entropy), hardware and
    /// journal codes; the ring is then unchanged.
    #[wasm_bindgen(js_name = rotateKey)]
    pub fn rotate_key(&mut self) -> Result<u16, LockerError> {
        Ok(self.0.rotate_key()?.0)
    }

    /// Adds a provisioned site key (shared with a back end): id `keyId`
    /// and its 32 secret bytes (the caller's array is left as it was). It
    /// becomes the newest when its id is the largest. Journaled.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a bad id or anything but 32 bytes in a
    /// `Uint8Array`, `"weak_key"` for bytes no random source would give
    /// (all zeros, a repeated byte or short pattern, typed text),
    /// `"duplicate_key_id"`, hardware and journal codes.
    #[wasm_bindgen(js_name = addKey)]
    pub fn add_key(
        &mut self,
        #[wasm_bindgen(js_name = keyId, unchecked_param_type = "number")] key_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] secret: JsValue,
    ) -> Result<(), LockerError> {
        let key_id = KeyId(u16_value(&key_id, "keyId")?);
        let secret = secret_value(&secret, "secret")?;
        let key = SiteKey::from_bytes(key_id, *secret)?;
        Ok(self.0.add_key(key)?)
    }

    /// Retires a site key: credentials made with it stop verifying (RFID
    /// tags must be registered again). Journaled, sealed with a key that
    /// stays.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"`, `"unknown_key_id"`, `"no_keys"` (the last
    /// key), hardware and journal codes.
    #[wasm_bindgen(js_name = retireKey)]
    pub fn retire_key(
        &mut self,
        #[wasm_bindgen(js_name = keyId, unchecked_param_type = "number")] key_id: JsValue,
    ) -> Result<(), LockerError> {
        let key_id = KeyId(u16_value(&key_id, "keyId")?);
        Ok(self.0.retire_key(key_id)?)
    }

    /// Reads the clock, as every operation does first: for a host whose
    /// time passes in large steps (a test, a kiosk that sleeps), so the
    /// locker sees time pass in steps no larger than the policy's
    /// `clock.max_step_s` (a longer gap between readings is a jump, held
    /// back until confirmed). Returns the locker's time.
    ///
    /// # Errors
    ///
    /// Hardware and journal codes.
    #[wasm_bindgen(js_name = observeClock)]
    pub fn observe_clock(&mut self) -> Result<f64, LockerError> {
        Ok(number(self.0.observe_clock()?))
    }

    /// Staff confirm the clock after a jump: the locker takes the hardware
    /// clock's time as true from here on (parcels past their dwell then
    /// expire, throttle windows age). Journaled; nothing to do when no
    /// jump is held back. Returns the locker's time.
    ///
    /// # Errors
    ///
    /// Hardware and journal codes.
    #[wasm_bindgen(js_name = confirmClock)]
    pub fn confirm_clock(&mut self) -> Result<f64, LockerError> {
        Ok(number(self.0.confirm_clock()?))
    }

    /// Confirms the clock with a time the back end signed for this bank
    /// (`signTime`, `signTimeEd25519`: a `SignedTimeJson` or its JSON
    /// text) when the hardware clock agrees with it within 5 minutes. A
    /// signed time never moves the clock. Returns the locker's time.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a wrong shape or a clock that disagrees,
    /// `"wrong_bank"`, `"unknown_key_id"`, `"rejected"`, hardware and
    /// journal codes.
    #[wasm_bindgen(js_name = confirmSignedTime)]
    pub fn confirm_signed_time(
        &mut self,
        #[wasm_bindgen(js_name = signedTime, unchecked_param_type = "SignedTimeJson | string")]
        signed_time: JsValue,
    ) -> Result<f64, LockerError> {
        let signed: SignedTime = from_js_or_text(&signed_time, "signedTime")?;
        Ok(number(self.0.confirm_signed_time(&signed)?))
    }

    /// How far the hardware clock runs ahead of the locker's time: the
    /// jumps held back until confirmed, in seconds (0 when none).
    #[wasm_bindgen(getter, js_name = clockOffsetS)]
    #[must_use]
    pub fn clock_offset_s(&self) -> f64 {
        number(self.0.state().clock_offset_s())
    }

    /// When (locker time) the locker started holding a jump back, while
    /// one is unconfirmed.
    #[wasm_bindgen(getter, js_name = clockHeldSinceS)]
    #[must_use]
    pub fn clock_held_since_s(&self) -> Option<f64> {
        self.0.state().clock_held_since_s().map(number)
    }

    /// The bank's id (the configuration's `bank_id`): what tokens and
    /// remote commands must name. A decimal string beyond 2^53 − 1.
    #[wasm_bindgen(getter, js_name = bankId, unchecked_return_type = "number | string")]
    #[must_use]
    pub fn bank_id(&self) -> JsValue {
        u64_to_js(self.0.state().bank_id().0)
    }

    /// The site keys (export them to secure storage with
    /// `exportSecrets()`).
    #[must_use]
    pub fn keys(&self) -> KeyRing {
        KeyRing::of(self.0.keys().clone())
    }

    /// The whole journal as JSON lines, each ended by `\n`. For a locker
    /// on flash (`Locker.openFlash`): the records in flash since the last
    /// compaction (the active half, which starts from a sealed snapshot),
    /// read from the flash, where they are in the core's storage encoding,
    /// and written out as the JSON lines they are; the history before them
    /// is `previousJournalText()` until the next compaction.
    ///
    /// # Errors
    ///
    /// On flash: the flash's codes (`"flash_failed"`), and a damaged
    /// record's journal code.
    #[wasm_bindgen(js_name = journalText)]
    pub fn journal_text(&mut self) -> Result<String, LockerError> {
        match self.0.journal_mut() {
            Journal::Memory(journal) => Ok(lines::write(journal.records())),
            Journal::Flash(store) => Ok(lines::write(&store.records()?)),
        }
    }

    /// The journal lines from record `seq` on (to append to storage). On
    /// flash: from those since the last compaction (`journalText()`); a
    /// host exporting the journal also exports `previousJournalText()` at
    /// each `journal_compacted` event.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a bad number; on flash, as `journalText()`.
    #[wasm_bindgen(js_name = journalSince)]
    pub fn journal_since(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number")] seq: JsValue,
    ) -> Result<String, LockerError> {
        let seq = u64_value(&seq, "seq")?;
        let since = |records: &[Record<Entry>]| {
            let from = records.partition_point(|r| r.seq < seq);
            lines::write(records.get(from..).unwrap_or_default())
        };
        match self.0.journal_mut() {
            Journal::Memory(journal) => Ok(since(journal.records())),
            Journal::Flash(store) => Ok(since(&store.records()?)),
        }
    }

    /// How many records the journal holds; on flash, those since the last
    /// compaction (`flashUsage().records`).
    #[wasm_bindgen(getter, js_name = journalLength)]
    #[must_use]
    pub fn journal_length(&self) -> usize {
        match self.0.journal() {
            Journal::Memory(journal) => journal.records().len(),
            Journal::Flash(store) => store.journal().usage().records as usize,
        }
    }

    /// The records a flash journal still holds from before its last
    /// compaction (the other half: from the snapshot before, or the first
    /// record, up to the snapshot the journal now starts from), as JSON
    /// lines: export them at a `journal_compacted` event, for the next
    /// compaction erases them. Empty before the first compaction, after a
    /// compaction cut short by a power cut, and for a locker whose journal
    /// is in memory (which keeps every record: `journalText()`).
    ///
    /// # Errors
    ///
    /// The flash's codes (`"flash_failed"`), and a damaged record's
    /// journal code.
    #[wasm_bindgen(js_name = previousJournalText)]
    pub fn previous_journal_text(&mut self) -> Result<String, LockerError> {
        match self.0.journal_mut() {
            Journal::Memory(_) => Ok(String::new()),
            Journal::Flash(store) => Ok(lines::write(&store.previous()?)),
        }
    }

    /// Where the journal stands in its flash (the region, each half, the
    /// bytes used, the snapshot, the records since it, the compactions);
    /// `null` for a locker whose journal is in memory.
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(js_name = flashUsage, unchecked_return_type = "FlashUsageJson | null")]
    pub fn flash_usage(&self) -> Result<JsValue, LockerError> {
        match self.0.journal() {
            Journal::Memory(_) => Ok(JsValue::NULL),
            Journal::Flash(store) => to_js(&store.journal().usage()),
        }
    }

    /// What `Locker.openFlash` found in the region: a new locker or a
    /// restored one, a region formatted, the snapshot and records, a torn
    /// frame dropped; `null` for a locker whose journal is in memory.
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(js_name = flashOpenReport, unchecked_return_type = "FlashOpenReportJson | null")]
    pub fn flash_open_report(&self) -> Result<JsValue, LockerError> {
        match self.0.journal() {
            Journal::Memory(_) => Ok(JsValue::NULL),
            Journal::Flash(store) => to_js(&store.opened()),
        }
    }

    /// Compacts the journal now: its storage starts again from a sealed
    /// snapshot of the state (raising a `journal_compacted` event). A
    /// locker on flash also does this on its own before a record when its
    /// half passed `compactAtBytes`, a write failed or a record did not
    /// fit. Returns whether it compacted: false for a journal in memory,
    /// which keeps every record.
    ///
    /// # Errors
    ///
    /// `"journal_write"` when the flash fails or the snapshot does not fit
    /// in a half; the journal is then as it was.
    pub fn compact(&mut self) -> Result<bool, LockerError> {
        Ok(self.0.compact()?)
    }

    /// The whole state as the core's snapshot JSON (no secrets), sealed
    /// with the newest key: store it beside the journal and pass it to
    /// `Locker.restore` (`options.snapshot`) with the records after it.
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
        #[wasm_bindgen(unchecked_param_type = "number")] carrier: JsValue,
        #[wasm_bindgen(js_name = validForS, unchecked_param_type = "number")] valid_for_s: JsValue,
    ) -> Result<String, LockerError> {
        let carrier = CarrierId(u32_value(&carrier, "carrier")?);
        let valid_for_s = u64_value(&valid_for_s, "validForS")?;
        let code = self.0.issue_courier_code(carrier, valid_for_s)?;
        Ok(code.expose().into())
    }

    /// Signs a courier in with a code typed at `kiosk`, and `carrier`,
    /// the carrier the courier chose on the kiosk's screen (the core's
    /// `courier_sign_in_for`): only that carrier's code is looked at, and
    /// a wrong code counts against that carrier instead of the whole bank,
    /// so someone guessing codes for one carrier never locks out another's
    /// couriers. Without `carrier` every carrier's code is looked at. The
    /// sign-in is journaled (`courier_signed_in`).
    ///
    /// # Errors
    ///
    /// `"rejected"`, `"expired"`, `"revoked"`, `"throttled"`,
    /// `"malformed_pin"`, `"invalid_argument"`, hardware and journal codes
    /// (a failed attempt the journal could not record refuses every later
    /// verification with the journal's code until it is recorded); a wrong
    /// code counts toward the throttle, a malformed one (which can never
    /// match) is only summed on the record.
    #[wasm_bindgen(js_name = courierSignIn)]
    pub fn courier_sign_in(
        &mut self,
        #[wasm_bindgen(js_name = kiosk, unchecked_param_type = "number")] kiosk_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] code: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] carrier: Option<JsValue>,
    ) -> Result<CourierSession, LockerError> {
        let kiosk = kiosk(&kiosk_id)?;
        let code = secret_text(&code, "code")?;
        let carrier = given(carrier)
            .map(|carrier| u32_value(&carrier, "carrier").map(CarrierId))
            .transpose()?;
        let session = match carrier {
            Some(carrier) => self.0.courier_sign_in_for(kiosk, carrier, &code)?,
            None => self.0.courier_sign_in(kiosk, &code)?,
        };
        Ok(CourierSession(session))
    }

    /// The courier signs out (journaled, `courier_signed_out`, for the
    /// audit). The session object stays usable; free it when done.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for anything but a live `CourierSession`,
    /// hardware (the clock) and journal codes.
    #[wasm_bindgen(js_name = courierSignOut)]
    pub fn courier_sign_out(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "CourierSession")] session: JsValue,
    ) -> Result<(), LockerError> {
        let session = session_arg(&session)?;
        Ok(self.0.courier_sign_out(&session.0)?)
    }

    /// Journals every sum of refused attempts still held (the
    /// `attempts_refused` entries), without waiting for the hour to end:
    /// call it before a planned shutdown or an export.
    ///
    /// # Errors
    ///
    /// Hardware (the clock) codes.
    #[wasm_bindgen(js_name = flushAttempts)]
    pub fn flush_attempts(&mut self) -> Result<(), LockerError> {
        Ok(self.0.flush_attempts()?)
    }

    /// Drops a parcel off: chooses a door and unlocks it; the drop-off
    /// completes when the door closes (`doorClosed`). It never fails on the
    /// cap of active PINs: at the cap, the recipient's own PINs give way to
    /// one PIN for all their doors (the `parcel_ready` event's
    /// `pin_opens`). A parcel no door takes is an `overflow` outcome and
    /// event.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"`, `"invalid_parcel"`, `"already_stored"`,
    /// `"expired"`, hardware codes when no door unlocks.
    #[wasm_bindgen(unchecked_return_type = "DropOffJson")]
    pub fn deposit(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "CourierSession")] session: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RequestJson")] request: JsValue,
    ) -> Result<JsValue, LockerError> {
        let session = session_arg(&session)?;
        let request: Request = from_js(&request, "request")?;
        // The core's JSON shape: `{ outcome: "opened" | "overflow", … }`.
        to_js(&self.0.deposit(&session.0, request)?)
    }

    /// Plans a signed-in courier's whole load against the free doors
    /// (packed by a search within `options`, never worse than the greedy
    /// plan): the steps door by door, and the parcels no door takes
    /// (journaled and raised as `overflow` events, as a single drop-off's).
    /// Drop each step off with `depositPlanned`.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"`, `"invalid_parcel"`, `"duplicate_in_batch"`,
    /// `"already_stored"`, `"expired"`; nothing changes then.
    #[wasm_bindgen(js_name = planDropOffBatch, unchecked_return_type = "BatchDropOffJson")]
    pub fn plan_drop_off_batch(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "CourierSession")] session: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RequestJson[]")] requests: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "BatchOptionsJson | null")] options: Option<
            JsValue,
        >,
    ) -> Result<JsValue, LockerError> {
        let session = session_arg(&session)?;
        let requests: Vec<Request> = crate::convert::list_from_js(&requests, "requests")?;
        let options = match crate::convert::given(options) {
            Some(options) => from_js(&options, "options")?,
            None => BatchOptions::default(),
        };
        to_js(
            &self
                .0
                .plan_drop_off_batch(&session.0, &requests, &options)?,
        )
    }

    /// Drops one step of a batch plan off (as the plan gave it): its door
    /// when that still takes the parcel, else the door allocation gives.
    /// Completes when the door closes (`doorClosed`), as `deposit`.
    ///
    /// # Errors
    ///
    /// As [`Locker::deposit`].
    #[wasm_bindgen(js_name = depositPlanned, unchecked_return_type = "DropOffJson")]
    pub fn deposit_planned(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "CourierSession")] session: JsValue,
        #[wasm_bindgen(unchecked_param_type = "BatchStepJson")] step: JsValue,
    ) -> Result<JsValue, LockerError> {
        let session = session_arg(&session)?;
        let step: BatchStep = from_js(&step, "step")?;
        to_js(&self.0.deposit_planned(&session.0, &step)?)
    }

    /// The courier found the (closed again) door too small: a larger door
    /// opens.
    ///
    /// # Errors
    ///
    /// `"door_still_open"`, `"not_open_for"`, and as [`Locker::deposit`].
    #[wasm_bindgen(js_name = needLargerDoor, unchecked_return_type = "DropOffJson")]
    pub fn need_larger_door(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<JsValue, LockerError> {
        to_js(&self.0.need_larger_door(door(&door_id)?)?)
    }

    /// The courier called the drop-off off and closed the door.
    ///
    /// # Errors
    ///
    /// `"door_still_open"`, `"not_open_for"`.
    #[wasm_bindgen(js_name = cancelDeposit)]
    pub fn cancel_deposit(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<(), LockerError> {
        Ok(self.0.cancel_deposit(door(&door_id)?)?)
    }

    /// The door closed: completes what it was open for (stores the parcel
    /// and issues the recipient's PIN and QR token, frees a collected door…).
    /// A door the locker did not unlock is an alarm, never a drop-off: it
    /// is journaled (`unexpected_door_close`), raises the event of that
    /// type, and the call fails with `"not_open_for"`.
    ///
    /// # Errors
    ///
    /// `"door_still_open"`, `"not_open_for"`, `"unknown_compartment"`,
    /// hardware and journal codes.
    #[wasm_bindgen(js_name = doorClosed)]
    pub fn door_closed(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<(), LockerError> {
        Ok(self.0.door_closed(door(&door_id)?)?)
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
    /// PINs are bound to units, the default). Returns the doors opened: a
    /// PIN for several doors opens those that can open (one out of service
    /// stays shut) and keeps opening the others until each is collected.
    /// A wrong PIN counts toward the throttles; keypad input that is no PIN
    /// at all (the wrong length, letters, no unit) counts against nobody,
    /// and is summed on the record (`attempts_refused`).
    ///
    /// # Errors
    ///
    /// `"rejected"`, `"expired"`, `"already_used"`, `"throttled"`,
    /// `"unit_required"`, `"malformed_pin"`, `"nothing_to_collect"`,
    /// `"unavailable"`, hardware and journal codes (a failed attempt the
    /// journal could not record refuses every later verification with the
    /// journal's code until it is recorded).
    #[wasm_bindgen(js_name = pickupPin)]
    pub fn pickup_pin(
        &mut self,
        #[wasm_bindgen(js_name = kiosk, unchecked_param_type = "number")] kiosk_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | null | undefined")] unit: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] pin: JsValue,
    ) -> Result<Vec<u32>, LockerError> {
        let kiosk = kiosk(&kiosk_id)?;
        let unit = given(Some(unit))
            .map(|u| u64_value(&u, "unit").map(RecipientId))
            .transpose()?;
        let pin = secret_text(&pin, "pin")?;
        Ok(doors_of(self.0.pickup_pin(kiosk, unit, &pin)?))
    }

    /// Collects with a QR token shown at `kiosk` (the `qr_token` of a
    /// `parcel_ready` event, which only this locker's record checks, or a
    /// back end's token). Returns the doors opened.
    ///
    /// # Errors
    ///
    /// As [`Locker::pickup_pin`], and `"malformed_token"`.
    #[wasm_bindgen(js_name = pickupQr)]
    pub fn pickup_qr(
        &mut self,
        #[wasm_bindgen(js_name = kiosk, unchecked_param_type = "number")] kiosk_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    ) -> Result<Vec<u32>, LockerError> {
        let kiosk = kiosk(&kiosk_id)?;
        let token = secret_text(&token, "token")?;
        Ok(doors_of(self.0.pickup_qr(kiosk, &token)?))
    }

    /// Collects with an RFID tag (and its PIN when required).
    ///
    /// # Errors
    ///
    /// As [`Locker::pickup_pin`], and `"nothing_to_collect"`.
    #[wasm_bindgen(js_name = pickupRfid)]
    pub fn pickup_rfid(
        &mut self,
        #[wasm_bindgen(js_name = kiosk, unchecked_param_type = "number")] kiosk_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] uid: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] pin: Option<JsValue>,
    ) -> Result<Vec<u32>, LockerError> {
        let kiosk = kiosk(&kiosk_id)?;
        let uid = bytes_value(&uid, "uid")?;
        let pin = given(pin).map(|pin| secret_text(&pin, "pin")).transpose()?;
        let opened = self
            .0
            .pickup_rfid(kiosk, &uid, pin.as_deref().map(String::as_str))?;
        Ok(doors_of(opened))
    }

    /// Opens a door for a pickup on a command the back end signed
    /// (`signRemoteCommand`, or `signRemoteCommandEd25519` for a bank whose
    /// policy lists issuers) for this bank (the config's `bank_id`): a
    /// `RemoteCommandJson` or the JSON text as it came. The door opens
    /// only while it holds parcels of the resident the command names.
    /// Returns the doors opened. Off unless the config's
    /// `credentials.remote.enabled`; each command opens once, within the
    /// caps, and is spent even when the latch then fails.
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
        #[wasm_bindgen(unchecked_param_type = "RemoteCommandJson | string")] command: JsValue,
    ) -> Result<Vec<u32>, LockerError> {
        let command: RemoteCommand = from_js_or_text(&command, "command")?;
        Ok(doors_of(self.0.open_remote(&command)?))
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
        #[wasm_bindgen(js_name = recipient, unchecked_param_type = "number")] recipient_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] uid: JsValue,
        #[wasm_bindgen(js_name = withPin, unchecked_param_type = "boolean")] with_pin: JsValue,
    ) -> Result<Option<String>, LockerError> {
        let recipient = recipient(&recipient_id)?;
        let uid = bytes_value(&uid, "uid")?;
        let with_pin = bool_value(&with_pin, "withPin")?;
        let pin = self.0.register_rfid(recipient, &uid, with_pin)?;
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
    /// or twice, `"too_many_pins"` (delegations leave one PIN of the cap to
    /// the delegator's own drop-offs, so with `max_active_per_unit: 1`
    /// there is none), `"bad_expiry"`, hardware codes.
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
    pub fn reopen(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<(), LockerError> {
        Ok(self.0.reopen(door(&door_id)?)?)
    }

    /// The resident found the door empty: the parcels are marked missing.
    ///
    /// # Errors
    ///
    /// `"not_in_grace"`.
    #[wasm_bindgen(js_name = reportMissing)]
    pub fn report_missing(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<(), LockerError> {
        Ok(self.0.report_missing(door(&door_id)?)?)
    }

    /// Staff open a door (audited).
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for an empty or long reason, state and
    /// hardware codes.
    #[wasm_bindgen(js_name = staffOpen)]
    pub fn staff_open(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] reason: JsValue,
    ) -> Result<(), LockerError> {
        let door = door(&door_id)?;
        let reason = text_value(&reason, "reason")?;
        Ok(self.0.staff_open(door, &reason)?)
    }

    /// Staff take a door out of service.
    ///
    /// # Errors
    ///
    /// As [`Locker::staff_open`].
    #[wasm_bindgen(js_name = setOutOfService)]
    pub fn set_out_of_service(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] reason: JsValue,
    ) -> Result<(), LockerError> {
        let door = door(&door_id)?;
        let reason = text_value(&reason, "reason")?;
        Ok(self.0.set_out_of_service(door, &reason)?)
    }

    /// Staff put a door back in service.
    ///
    /// # Errors
    ///
    /// `"unavailable"` when it is not out of service.
    #[wasm_bindgen(js_name = backInService)]
    pub fn back_in_service(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<(), LockerError> {
        Ok(self.0.back_in_service(door(&door_id)?)?)
    }

    /// Staff extend a delivery's dwell by `byS` seconds; returns the new
    /// expiry.
    ///
    /// # Errors
    ///
    /// `"no_delivery"`.
    pub fn extend(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
        #[wasm_bindgen(js_name = byS, unchecked_param_type = "number")] by_s: JsValue,
    ) -> Result<f64, LockerError> {
        let door = door(&door_id)?;
        let by_s = u64_value(&by_s, "byS")?;
        let until = self.0.extend(door, by_s)?;
        Ok(u64_to_js(until).as_f64().unwrap_or(f64::MAX))
    }

    /// Holds a recipient's parcels (vacation) until `untilS`.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` when `untilS` is not in the future.
    pub fn hold(
        &mut self,
        #[wasm_bindgen(js_name = recipient, unchecked_param_type = "number")] recipient_id: JsValue,
        #[wasm_bindgen(js_name = untilS, unchecked_param_type = "number")] until_s: JsValue,
    ) -> Result<(), LockerError> {
        let recipient = recipient(&recipient_id)?;
        let until_s = u64_value(&until_s, "untilS")?;
        Ok(self.0.hold(recipient, until_s)?)
    }

    /// Staff looked inside a door left open by a power cut.
    ///
    /// # Errors
    ///
    /// `"not_interrupted"`.
    pub fn inspect(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
        #[wasm_bindgen(js_name = foundParcels, unchecked_param_type = "boolean")]
        found_parcels: JsValue,
    ) -> Result<(), LockerError> {
        let door = door(&door_id)?;
        let found_parcels = bool_value(&found_parcels, "foundParcels")?;
        Ok(self.0.inspect(door, found_parcels)?)
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
