//! Journals outside a locker: read, verify and replay the JSON lines a
//! locker wrote, against what the reader trusts (the site's keys, a head
//! exported before, a board's monotonic counter).
//!
//! Without keys only integrity is checked (hashes, sequence, links):
//! anyone who can write the storage can rewrite such a journal and
//! recompute its hashes. With the site's keys every record's MAC is
//! checked too.

use locker_core::analytics::{self, StatsOptions};
use locker_core::journal::{self as core_journal, Chain, Head, Record, Trust, lines};
use locker_core::locker::{self as core_locker, Entry};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::convert::{
    Options, bool_value, from_js, list_from_js, number_value, text_value, to_js, u64_value, whole,
};
use crate::credential::{KeyRing, keys_arg};
use crate::error::LockerError;

#[wasm_bindgen(typescript_custom_section)]
const JOURNAL_TS: &str = r#"
/**
 * One journal record: `entry` is the change, `hash` covers `v`, `seq`,
 * `at_s`, `prev` and `entry` and links to `prev`; `key_id` and `mac` (a MAC
 * of `seq` and the hash under the site's journal key) are absent in
 * version 1.
 */
export interface RecordJson {
  v: number; seq: number; at_s: number; prev: string;
  entry: EntryJson; hash: string;
  key_id?: number; mac?: string;
}
/** A failed attempt as the throttle counts it (the core's `Failure`). */
export interface FailureJson {
  at_s: number; channel: Channel; kiosk: number | null; recipient: number | string | null;
  credential: number | string | null;
  /** The carrier a courier named with their code. */
  carrier?: number;
}
/** A credential was refused and the throttle counts it (one record per attempt). */
export interface AttemptFailedEntryJson { type: "attempt_failed"; failure: FailureJson }
/**
 * Attempts refused without counting toward a throttle (refused by one
 * already, a credential refused for its own state: spent, expired…,
 * keypad input that is no PIN at all, or a credential that verified but
 * opened nothing: nothing to collect, a door out of service), summed per
 * channel, kiosk and error code over at most an hour: with
 * `attempt_failed` records, every attempt is on the record, and a flood
 * costs bounded storage. Sums that are due are written by `tick`, all of
 * them by `flushAttempts`.
 */
export interface AttemptsRefusedEntryJson {
  type: "attempts_refused"; channel: Channel;
  /**
   * The kiosk; null for remote commands, and for the sum of attempts from
   * kiosks beyond the 32 summed one by one.
   */
  kiosk: number | null;
  /** The refusal's code ("throttled", "already_used", …). */
  error: string;
  count: number; first_at_s: number; last_at_s: number;
}
/** A courier signed in at a kiosk (`Locker#courierSignIn`). */
export interface CourierSignedInEntryJson { type: "courier_signed_in"; carrier: number; kiosk: number }
/** A courier signed out (`Locker#courierSignOut`). */
export interface CourierSignedOutEntryJson { type: "courier_signed_out"; carrier: number; kiosk: number }
/** The kinds of journal entry not spelled out field by field here. */
export type OtherEntryKind =
  | "configured" | "keys_changed" | "credential_issued" | "credential_revoked"
  | "deposit_opened" | "deposit_committed" | "deposit_aborted" | "deposit_overflowed"
  | "pickup_opened" | "pickup_completed" | "pickup_aborted" | "reopened" | "missing_reported"
  | "grace_ended" | "reminder_sent" | "expired" | "extended" | "hold_set" | "staff_opened"
  | "door_reclosed" | "out_of_service" | "back_in_service" | "tampered" | "door_seen_open"
  | "door_left_open" | "clock_jumped" | "clock_confirmed" | "unexpected_door_close"
  | "hardware_fault" | "interrupted" | "pruned" | "inspected";
/** One change of a locker's state (the core's `Entry` JSON), by `type`. */
export type EntryJson =
  | AttemptFailedEntryJson
  | AttemptsRefusedEntryJson
  | CourierSignedInEntryJson
  | CourierSignedOutEntryJson
  | { type: OtherEntryKind; [field: string]: unknown };
/** Where a journal's chain stands: the next record's number and the last hash. */
export interface ChainJson { next_seq: number; head: string }
/**
 * A journal's last record as a head (`Locker#head()`): export it to
 * storage the journal's storage cannot roll back (a back end), and pass it
 * back as `expectedHead`. `key_id` and `mac` (over `seq` and `hash`) are
 * absent for a version-1 record. `bank_id` is the bank whose journal it
 * is, in a head a locker exported (absent in a head read from records
 * alone): a restore checked against the head refuses another bank's
 * journal. It is not under the MAC: keep the head where the journal's
 * storage cannot reach.
 */
export interface HeadJson {
  seq: number; hash: string; key_id?: number; mac?: string; bank_id?: number | string;
}
/** What a verification established, beyond the journal being whole. */
export interface VerifiedJson {
  chain: ChainJson;
  /**
   * The last record whose MAC was checked (it vouches for every record
   * before it); null without keys, or for legacy records only.
   */
  authenticated_through: number | null;
  /** Version-1 records read (written before journals were authenticated). */
  legacy_records: number;
  /** The last record, as a head to export; null for no records. */
  head: HeadJson | null;
}
/** A journal text read and verified (`readJournal`). */
export interface LoadedJournalJson {
  records: RecordJson[];
  verified: VerifiedJson;
  /** The last line, cut short by a power cut and dropped; null when none. */
  torn_tail: { line: number; bytes: number } | null;
  /** How many bytes of the text are whole records (where to truncate). */
  valid_bytes: number;
}
/**
 * What a journal is checked against (all optional). Without `keys` only
 * integrity is checked: anyone who can write the storage can rewrite a
 * journal and recompute its hashes, so pass the site's keys to
 * authenticate it.
 */
export interface JournalOptions {
  /** The site's keys: every record's MAC is checked. */
  keys?: KeyRing;
  /** Where the records start (a snapshot's `chain`); default the first record. */
  start?: ChainJson;
  /** A head exported before: the journal must reach it and hold it unchanged. */
  expectedHead?: HeadJson;
  /** How many records a board's monotonic counter vouches for: at least that many. */
  minRecords?: number;
  /**
   * Accept version-1 records that no authenticated record after them
   * vouches for (a journal written by an older library). Default false.
   */
  acceptLegacy?: boolean;
}
"#;

/// What a journal is checked against, owned (the ring is a copy).
#[derive(Debug, Default)]
pub(crate) struct TrustArgs {
    keys: Option<KeyRing>,
    start: Option<Chain>,
    expected_head: Option<Head>,
    min_records: Option<u64>,
    accept_legacy: bool,
}

impl TrustArgs {
    /// The options of a journal function (`JournalOptions`).
    pub(crate) fn from_options(options: &JsValue) -> Result<Self, LockerError> {
        let mut args = Self::default();
        let Some(mut options) = Options::new(options, "options")? else {
            return Ok(args);
        };
        if let Some(keys) = options.get("keys")? {
            args.keys = Some(keys_arg(&keys, "options.keys")?);
        }
        if let Some(start) = options.get("start")? {
            args.start = Some(from_js(&start, "options.start")?);
        }
        if let Some(head) = options.get("expectedHead")? {
            args.expected_head = Some(from_js(&head, "options.expectedHead")?);
        }
        if let Some(count) = options.get("minRecords")? {
            args.min_records = Some(u64_value(&count, "options.minRecords")?);
        }
        if let Some(legacy) = options.get("acceptLegacy")? {
            args.accept_legacy = bool_value(&legacy, "options.acceptLegacy")?;
        }
        options.finish()?;
        Ok(args)
    }

    fn trust(&self) -> Trust<'_> {
        Trust {
            keys: self.keys.as_ref().map(|keys| &*keys.0),
            start: self.start,
            expected_head: self.expected_head,
            min_records: self.min_records,
            accept_legacy: self.accept_legacy,
        }
    }
}

/// Records given as journal text (JSON lines, read against `trust`) or as
/// an array of `RecordJson` (checked by the caller).
pub(crate) enum RecordsArg {
    /// Read from text: already verified against the trust given.
    Loaded(lines::Loaded<Entry>),
    /// Objects, not verified yet.
    Objects(Vec<Record<Entry>>),
}

impl RecordsArg {
    /// The records of `value` (a string of JSON lines, or an array of
    /// `RecordJson`); text is read and verified against `trust`.
    pub(crate) fn new(value: &JsValue, what: &str, trust: &Trust<'_>) -> Result<Self, LockerError> {
        if let Some(text) = value.as_string() {
            return Ok(Self::Loaded(lines::read(&text, trust)?));
        }
        if !js_sys::Array::is_array(value) {
            return Err(LockerError::invalid_argument(
                what,
                "expected journal text (JSON lines) or an array of records",
            ));
        }
        Ok(Self::Objects(list_from_js(value, what)?))
    }

    /// The records, and what was verified (`None` for objects).
    pub(crate) fn into_parts(self) -> (Vec<Record<Entry>>, Option<core_journal::Verified>) {
        match self {
            Self::Loaded(loaded) => (loaded.records, Some(loaded.verified)),
            Self::Objects(records) => (records, None),
        }
    }
}

/// The records of `value`, verified against `trust`: text as it is read,
/// objects as a whole.
fn verified_records(
    value: &JsValue,
    trust: &Trust<'_>,
) -> Result<(Vec<Record<Entry>>, core_journal::Verified), LockerError> {
    let (records, verified) = RecordsArg::new(value, "recordsOrText", trust)?.into_parts();
    let verified = match verified {
        Some(verified) => verified,
        None => core_journal::verify(&records, trust)?,
    };
    Ok((records, verified))
}

/// `readJournal`'s answer: the core's `Loaded`, in its field order.
#[derive(Serialize)]
struct LoadedJson<'a> {
    records: &'a [Record<Entry>],
    verified: &'a core_journal::Verified,
    torn_tail: Option<lines::TornTail>,
    valid_bytes: usize,
}

/// Reads a journal text (JSON lines) and verifies it against `options`
/// (`JournalOptions`: without `keys`, integrity only): the records, what
/// was verified, the torn last line dropped (a write cut by power loss is
/// reported, not an error) and how many bytes are whole records.
///
/// ```js
/// const { records, verified } = readJournal(text, { keys, expectedHead });
/// verified.authenticated_through; // the last record whose MAC was checked
/// ```
///
/// # Errors
///
/// `"invalid_argument"` for a wrong type or option; `"malformed_record"`,
/// `"not_canonical"`, `"edited"`, `"missing_records"`, `"out_of_order"`,
/// `"broken_link"`, `"unsupported_version"`, and with keys `"forged"`,
/// `"unknown_key"`, `"unauthenticated"`, `"no_keys"`; against an expected
/// head or count `"rolled_back"`, `"head_mismatch"`. The error's `seq`
/// names the first bad record.
#[wasm_bindgen(js_name = readJournal, unchecked_return_type = "LoadedJournalJson")]
pub fn read_journal(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "JournalOptions")] options: Option<JsValue>,
) -> Result<JsValue, LockerError> {
    let text = text_value(&text, "text")?;
    let args = TrustArgs::from_options(&options.unwrap_or(JsValue::UNDEFINED))?;
    let loaded = lines::read::<Entry>(&text, &args.trust())?;
    to_js(&LoadedJson {
        records: &loaded.records,
        verified: &loaded.verified,
        torn_tail: loaded.torn_tail,
        valid_bytes: loaded.valid_bytes,
    })
}

/// Verifies a journal, as text (JSON lines: a torn last line is dropped)
/// or as records (`RecordJson[]`), against `options` (`JournalOptions`:
/// without `keys`, integrity only): returns what was verified.
///
/// ```js
/// const verified = verifyJournal(text, { keys: locker.keys(), expectedHead: saved });
/// ```
///
/// # Errors
///
/// As [`read_journal`].
#[wasm_bindgen(js_name = verifyJournal, unchecked_return_type = "VerifiedJson")]
pub fn verify_journal(
    #[wasm_bindgen(js_name = recordsOrText, unchecked_param_type = "RecordJson[] | string")]
    records_or_text: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "JournalOptions")] options: Option<JsValue>,
) -> Result<JsValue, LockerError> {
    let args = TrustArgs::from_options(&options.unwrap_or(JsValue::UNDEFINED))?;
    let (_, verified) = verified_records(&records_or_text, &args.trust())?;
    to_js(&verified)
}

/// The records of a journal text as plain objects (`v`, `seq`, `at_s`,
/// `prev`, `entry`, `hash`, `key_id`, `mac`), after verifying it against
/// `options` (`JournalOptions`: without `keys`, integrity only).
///
/// # Errors
///
/// As [`read_journal`].
#[wasm_bindgen(js_name = journalRecords, unchecked_return_type = "RecordJson[]")]
pub fn journal_records(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "JournalOptions")] options: Option<JsValue>,
) -> Result<JsValue, LockerError> {
    let text = text_value(&text, "text")?;
    let args = TrustArgs::from_options(&options.unwrap_or(JsValue::UNDEFINED))?;
    to_js(&lines::read::<Entry>(&text, &args.trust())?.records)
}

/// Replays a journal (text or records, from its first record), verified
/// against `options` (`JournalOptions`: without `keys`, integrity only),
/// into the locker's state, as the core's snapshot JSON (not sealed: a
/// locker seals its own, `Locker#snapshot()`).
///
/// # Errors
///
/// As [`read_journal`], and `"replay"` (with `seq`) for a record that
/// contradicts the state.
#[wasm_bindgen(js_name = replayJournal, unchecked_return_type = "SnapshotJson")]
pub fn replay_journal(
    #[wasm_bindgen(js_name = recordsOrText, unchecked_param_type = "RecordJson[] | string")]
    records_or_text: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "JournalOptions")] options: Option<JsValue>,
) -> Result<JsValue, LockerError> {
    let args = TrustArgs::from_options(&options.unwrap_or(JsValue::UNDEFINED))?;
    let (records, verified) = verified_records(&records_or_text, &args.trust())?;
    let state = core_locker::replay(&records)?;
    to_js(&state.snapshot(verified.chain))
}

#[wasm_bindgen(typescript_custom_section)]
const JOURNAL_STATS_TS: &str = r#"
/** How `journalStats` reads a journal (all optional). */
export interface JournalStatsOptions {
  /** The site's offset from UTC in seconds, within ±14 h: hours of day and days are local. Default 0. */
  utcOffsetS?: number;
  /** Count only what happened at or after this time (unix seconds). */
  fromS?: number;
  /** Count only what happened before this time (unix seconds). */
  untilS?: number;
}
/** A count per overflow reason. */
export interface OverflowReasonsJson { nothing_fits: number; full: number; no_larger_door: number }
/** A count per credential channel. */
export interface ChannelCountsJson { pin: number; qr: number; rfid: number; courier: number; remote: number }
/**
 * Where the parcels went: `parcels_offered == parcels_stored +
 * parcels_overflowed`, and `parcels_in_bank_at_start + parcels_stored ==
 * parcels_collected + parcels_returned + parcels_missing +
 * parcels_in_bank_at_end`.
 */
export interface StatsTotalsJson {
  parcels_offered: number; parcels_stored: number; parcels_stored_by_inspection: number;
  parcels_consolidated: number; consolidation_rate: number; parcels_overflowed: number;
  parcels_collected: number; parcels_returned: number; parcels_missing: number;
  parcels_in_bank_at_start: number; parcels_in_bank_at_end: number; deposits_opened: number;
  /** Drop-offs called off, by reason ("cancelled", "too_small", …), reasons seen only. */
  deposits_aborted: { reason: string; count: number }[];
  deposits_found_empty: number; deliveries_expired: number;
}
/** Parcels no door could take; hours of day local, hour 0 first. */
export interface StatsOverflowJson {
  total: number; by_reason: OverflowReasonsJson; by_hour_of_day: number[];
  by_carrier: { carrier: number; count: number }[]; rate: number;
}
/** Doors holding parcels: time-weighted means (per local hour of day), and the peak. */
export interface StatsOccupancyJson {
  doors: number; mean_occupied_doors: number; mean_occupied_doors_by_hour: number[];
  observed_s_by_hour: number[]; peak_occupied_doors: number; peak_at_s: number;
}
/** A distribution of stays in hours; `histogram` has one count more than `bucket_bounds_h`. */
export interface DwellSummaryJson {
  count: number; mean_h: number; median_h: number; p90_h: number; p95_h: number; max_h: number;
  histogram: number[];
}
/** Stays of parcels collected and returned, separately and together. */
export interface StatsDwellJson {
  collected: DwellSummaryJson; returned: DwellSummaryJson; all: DwellSummaryJson;
  bucket_bounds_h: number[];
}
/** Time-weighted occupied fractions, 0 to 1. */
export interface StatsUtilizationJson {
  all: number;
  by_size_class: { size_class: string; doors: number; occupied_fraction: number }[];
  by_zone: { zone: "ambient" | "chilled" | "frozen"; doors: number; occupied_fraction: number }[];
}
/** Doors emptied by residents (pickups, per channel and local hour) and by carriers (returns). */
export interface StatsPickupsJson {
  pickups: number; pickups_by_channel: ChannelCountsJson; pickups_by_hour_of_day: number[];
  returns: number; returns_by_hour_of_day: number[];
}
/** One local day. */
export interface StatsDayJson {
  day: number; start_s: number; stored: number; overflowed: number; pickups: number;
  peak_occupied_doors: number;
}
/** What `journalStats` returns: the core's `analytics::JournalStats`. */
export interface JournalStatsJson {
  records: number; first_at_s: number; last_at_s: number; utc_offset_s: number;
  observed_from_s: number; observed_until_s: number;
  totals: StatsTotalsJson; overflow: StatsOverflowJson; occupancy: StatsOccupancyJson;
  dwell: StatsDwellJson; utilization: StatsUtilizationJson; pickups: StatsPickupsJson;
  days: StatsDayJson[];
}
"#;

/// The options of `journalStats` (`JournalStatsOptions`).
fn stats_options(options: &JsValue) -> Result<StatsOptions, LockerError> {
    let mut stats = StatsOptions::default();
    let Some(mut options) = Options::new(options, "options")? else {
        return Ok(stats);
    };
    if let Some(offset) = options.get("utcOffsetS")? {
        let offset = number_value(&offset, "options.utcOffsetS")?;
        // The core refuses more than ±14 h; anything beyond an i32 is
        // refused here first.
        let magnitude = whole(
            offset.abs(),
            u64::from(i32::MAX.unsigned_abs()),
            "options.utcOffsetS",
        )?;
        let magnitude = i32::try_from(magnitude).unwrap_or(i32::MAX);
        stats.utc_offset_s = if offset < 0.0 { -magnitude } else { magnitude };
    }
    if let Some(from) = options.get("fromS")? {
        stats.from_s = Some(u64_value(&from, "options.fromS")?);
    }
    if let Some(until) = options.get("untilS")? {
        stats.until_s = Some(u64_value(&until, "options.untilS")?);
    }
    options.finish()?;
    Ok(stats)
}

/// Statistics of a journal (text, checked for integrity, or records from
/// its first), computed by the core by replaying it: where the parcels
/// went, overflow, occupancy through the day, dwell, utilization and
/// pickups.
///
/// ```js
/// const stats = journalStats(locker.journalText(), { utcOffsetS: 3600 });
/// stats.totals.parcels_collected; stats.occupancy.peak_occupied_doors;
/// ```
///
/// # Errors
///
/// `"invalid_argument"` for a wrong type or option (an offset beyond
/// ±14 h, an empty window); the journal's errors for text that is not a
/// journal; `"replay"` (with `seq`) for a record that does not apply,
/// `"empty_journal"` for no records.
#[wasm_bindgen(js_name = journalStats, unchecked_return_type = "JournalStatsJson")]
pub fn journal_stats(
    #[wasm_bindgen(js_name = recordsOrText, unchecked_param_type = "RecordJson[] | string")]
    records_or_text: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "JournalStatsOptions")] options: Option<JsValue>,
) -> Result<JsValue, LockerError> {
    let options = stats_options(&options.unwrap_or(JsValue::UNDEFINED))?;
    let (records, _) =
        RecordsArg::new(&records_or_text, "recordsOrText", &Trust::integrity_only())?.into_parts();
    to_js(&analytics::journal_stats(&records, &options)?)
}
