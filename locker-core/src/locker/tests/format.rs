//! The journal's format stays readable (see
//! [Format versions](crate::journal#format-versions)):
//!
//! - a frozen journal of each record version, holding every kind of entry,
//!   must read, verify, re-serialize byte for byte and replay with this
//!   library forever: a field renamed or dropped breaks it;
//! - the names of this version (entry kinds, and the values of the enums
//!   inside entries) are frozen in a table, compared with the names serde
//!   reads: a kind or value added or renamed breaks it, as it should, since
//!   an older reader cannot read it; every name of an older version is
//!   still read.
//!
//! A new optional field is not caught here: a reviewer has to ask for the
//! version bump the module documentation requires.
//!
//! The frozen files are never rewritten. A format change adds the next
//! version's file, written by [`every_kind_of_record`] with
//! `LOCKER_JOURNAL_FIXTURE=<path> cargo test -p locker-core --lib
//! format`, and the next version's table of names.

use super::*;
use crate::credential::{DelegationRequest, DelegationScope};
use crate::hardware::Operation;
use crate::hardware::sim::SensorLie;
use crate::journal::{RECORD_VERSION, Record, lines};
use alloc::borrow::ToOwned;
use alloc::string::String;

/// The frozen journals, oldest version first, with the site keys that
/// sealed them (test data, as `KeyRing::to_secret_bytes` in hex; version 1
/// is unsealed and read with version 2's).
const FROZEN: &[(u32, &str, &str)] = &[
    (
        1,
        include_str!("../../../tests/data/journal-v1.jsonl"),
        include_str!("../../../tests/data/journal-v2.keys.hex"),
    ),
    (
        2,
        include_str!("../../../tests/data/journal-v2.jsonl"),
        include_str!("../../../tests/data/journal-v2.keys.hex"),
    ),
    (
        3,
        include_str!("../../../tests/data/journal-v3.jsonl"),
        include_str!("../../../tests/data/journal-v3.keys.hex"),
    ),
];

fn frozen_keys(hex: &str) -> crate::credential::KeyRing {
    let text = hex.trim();
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect();
    crate::credential::KeyRing::from_secret_bytes(&bytes).unwrap()
}

type BoardLocker = Locker<ExplainingBoard, MemoryJournal<Entry>>;

/// The names a serde type reads, from its refusal of a name it does not
/// know: for an internally tagged enum the kinds, for a unit enum the
/// values.
fn names_read<T: serde::de::DeserializeOwned + core::fmt::Debug>(probe: &str) -> Vec<String> {
    let error = serde_json::from_str::<T>(probe).unwrap_err().to_string();
    // serde says "expected `a`", "expected `a` or `b`" or "expected one
    // of `a`, `b`, …": the names are the quoted parts.
    let list = error
        .split_once("expected ")
        .map(|(_, rest)| rest.split(" at line").next().unwrap_or(rest))
        .unwrap_or_else(|| panic!("no list of names in {error:?}"));
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(ToOwned::to_owned)
        .collect()
}

/// The kinds an internally tagged enum reads.
fn tagged<T: serde::de::DeserializeOwned + core::fmt::Debug>() -> Vec<String> {
    names_read::<T>(r#"{"type":"?"}"#)
}

/// The values a unit enum reads.
fn unit<T: serde::de::DeserializeOwned + core::fmt::Debug>() -> Vec<String> {
    names_read::<T>(r#""?""#)
}

/// Every kind of entry this library reads.
fn every_kind() -> Vec<String> {
    tagged::<Entry>()
}

/// Where this library's names of one type come from.
type NamesRead = fn() -> Vec<String>;

/// The names of values inside entries, as version 2 writes them, beside
/// where this library's names come from. A value renamed makes old records
/// unreadable; a value added is a record an older reader cannot read:
/// either is a new format version.
const V2_NAMES: &[(&str, NamesRead, &str)] = {
    use crate::credential::{
        Channel, CredentialKind, DelegationScope, PinBinding, Purpose, RecordStatus,
    };
    use crate::{Handling, TemperatureZone, allocate::OverflowReason};
    &[
        ("entry", tagged::<Entry>, V2_ENTRY_KINDS),
        (
            "clock_confirmation",
            unit::<ClockConfirmation>,
            "staff signed_time running returned",
        ),
        (
            "abort_reason",
            unit::<AbortReason>,
            "door_fault nothing_inserted too_small cancelled power_loss still_inside never_opened",
        ),
        (
            "overflow_reason",
            unit::<OverflowReason>,
            "nothing_fits full no_larger_door",
        ),
        (
            "hardware_error_kind",
            unit::<HardwareErrorKind>,
            "door_jammed unknown_door sensor_fault bus_timeout clock_fault entropy_unavailable power_lost other",
        ),
        ("channel", unit::<Channel>, "pin qr rfid courier remote"),
        ("purpose", unit::<Purpose>, "pickup courier_drop_off staff"),
        (
            "credential_kind",
            tagged::<CredentialKind>,
            "pin delegated_pin token rfid courier",
        ),
        (
            "delegation_scope",
            unit::<DelegationScope>,
            "parcels all_parcels",
        ),
        (
            "temperature_zone",
            unit::<TemperatureZone>,
            "ambient chilled frozen",
        ),
        (
            "handling",
            unit::<Handling>,
            "standard cash_on_delivery id_check",
        ),
        ("pin_binding", unit::<PinBinding>, "unbound unit"),
        (
            "record_status",
            unit::<RecordStatus>,
            "active redeemed revoked",
        ),
    ]
};

/// The kinds of entry of version 1, in declaration order.
const V1_ENTRY_KINDS: &str = "configured credential_issued credential_revoked attempt_failed \
    deposit_opened deposit_committed deposit_aborted deposit_overflowed pickup_opened \
    pickup_completed pickup_aborted reopened missing_reported grace_ended reminder_sent \
    expired extended hold_set staff_opened door_reclosed out_of_service back_in_service \
    tampered door_seen_open door_left_open hardware_fault interrupted pruned inspected";

/// The kinds of entry of version 2, in declaration order.
const V2_ENTRY_KINDS: &str = "configured keys_changed credential_issued credential_revoked \
    attempt_failed attempts_refused courier_signed_in courier_signed_out deposit_opened deposit_committed deposit_aborted deposit_overflowed \
    pickup_opened pickup_completed pickup_aborted reopened missing_reported grace_ended \
    reminder_sent expired extended hold_set staff_opened door_reclosed out_of_service \
    back_in_service tampered door_seen_open door_left_open clock_jumped clock_confirmed \
    unexpected_door_close hardware_fault interrupted pruned inspected";

/// Eleven doors of the default bank: four A, four B, two C, one XL.
fn bank() -> crate::bank::BankConfig {
    let keep = [1, 2, 3, 4, 41, 42, 43, 44, 77, 78, 89];
    let mut bank = crate::bank::default_bank();
    bank.name = "Format fixture".into();
    bank.ada_compliant = false;
    bank.compartments.retain(|spec| keep.contains(&spec.id.0));
    bank
}

/// A locker on simulated hardware whose errors explain themselves.
struct Site {
    locker: BoardLocker,
    courier: CourierSession,
}

impl Site {
    fn sim(&mut self) -> &mut SimulatedHardware {
        &mut self.locker.hardware_mut().sim
    }

    fn advance(&mut self, by_s: u64) {
        let mut left_s = by_s;
        while left_s > 0 {
            let step_s = left_s.min(HOUR_S);
            self.sim().advance_s(step_s);
            self.locker.observe_clock().unwrap();
            left_s -= step_s;
        }
    }

    fn deposit(&mut self, id: u64, recipient: u64) -> DropOff {
        let courier = self.courier.clone();
        self.locker
            .deposit(&courier, Request::new(parcel(id), RecipientId(recipient)))
            .unwrap()
    }

    fn open_for(&mut self, id: u64, recipient: u64) -> CompartmentId {
        match self.deposit(id, recipient) {
            DropOff::Opened { compartment, .. } => compartment,
            DropOff::Overflow(overflow) => panic!("overflow: {overflow}"),
        }
    }

    /// The courier puts the parcel in and closes the door.
    fn fill(&mut self, door: CompartmentId) -> (PinSecret, TokenSecret) {
        self.sim().open_door(door).unwrap();
        self.sim().put_parcel(door).unwrap();
        self.sim().close_door(door).unwrap();
        self.locker.door_closed(door).unwrap();
        self.ready()
    }

    fn ready(&mut self) -> (PinSecret, TokenSecret) {
        parcel_ready(self.locker.take_events()).unwrap()
    }

    /// Someone opens the door, takes everything out and closes it.
    fn empty(&mut self, door: CompartmentId) {
        self.sim().open_door(door).unwrap();
        while self.sim().parcel_count(door).unwrap() > 0 {
            self.sim().take_parcel(door).unwrap();
        }
        self.sim().close_door(door).unwrap();
        self.locker.door_closed(door).unwrap();
    }

    /// Someone opens the door and closes it again.
    fn open_and_close(&mut self, door: CompartmentId) {
        self.sim().open_door(door).unwrap();
        self.sim().close_door(door).unwrap();
        self.locker.door_closed(door).unwrap();
    }
}

/// Drives a locker through every kind of entry, with the optional parts of
/// entries both present and absent, and returns its journal.
#[allow(clippy::too_many_lines)]
fn every_kind_of_record() -> Vec<Record<Entry>> {
    let config = LockerConfig {
        bank: bank(),
        bank_id: crate::credential::BankId(3),
        ..LockerConfig::default()
    };
    let doors: Vec<CompartmentId> = config.bank.compartments.iter().map(|c| c.id).collect();
    let board = ExplainingBoard {
        sim: SimulatedHardware::new(doors, 7).with_now_s(T0),
        says: "latch 3: no current through the solenoid".into(),
    };
    let mut locker = Locker::new(config, board, MemoryJournal::new()).unwrap();

    // Courier codes: a second replaces the first; a wrong one is counted.
    locker.issue_courier_code(CarrierId(7), 30 * DAY_S).unwrap();
    let code = locker.issue_courier_code(CarrierId(7), 30 * DAY_S).unwrap();
    assert!(locker.courier_sign_in(KIOSK, "00000000").is_err());
    let courier = locker.courier_sign_in(KIOSK, code.expose()).unwrap();
    let mut site = Site { locker, courier };

    // A drop-off seen open by the sweep, and one left open past the alarm.
    let first = site.open_for(1, 12);
    site.sim().open_door(first).unwrap();
    site.locker.tick().unwrap();
    site.sim().put_parcel(first).unwrap();
    site.sim().close_door(first).unwrap();
    site.locker.door_closed(first).unwrap();
    let (first_pin, _) = site.ready();
    let slow = site.open_for(2, 13);
    site.sim().open_door(slow).unwrap();
    site.advance(site.locker.state().policy().door_open_alarm_s);
    site.locker.tick().unwrap();
    site.sim().put_parcel(slow).unwrap();
    site.sim().close_door(slow).unwrap();
    site.locker.door_closed(slow).unwrap();
    let (_, slow_token) = site.ready();

    // Drop-offs called off: cancelled, too small (then a larger door),
    // nothing put in; and parcels no door takes.
    let cancelled = site.open_for(3, 14);
    site.locker.cancel_deposit(cancelled).unwrap();
    let small = site.open_for(4, 14);
    let larger = match site.locker.need_larger_door(small).unwrap() {
        DropOff::Opened { compartment, .. } => compartment,
        DropOff::Overflow(overflow) => panic!("overflow: {overflow}"),
    };
    site.fill(larger);
    let empty = site.open_for(5, 15);
    site.open_and_close(empty);
    let courier = site.courier.clone();
    let huge = Parcel::new(ParcelId(6), Dimensions::new(900, 900, 900), 5_000);
    let overflowed = site
        .locker
        .deposit(&courier, Request::new(huge, RecipientId(15)))
        .unwrap();
    assert!(matches!(overflowed, DropOff::Overflow(_)));
    let bulky = Parcel::new(ParcelId(13), Dimensions::new(700, 600, 500), 9_000);
    let only_fit = match site
        .locker
        .deposit(&courier, Request::new(bulky, RecipientId(15)))
        .unwrap()
    {
        DropOff::Opened { compartment, .. } => compartment,
        DropOff::Overflow(overflow) => panic!("overflow: {overflow}"),
    };
    let no_larger = site.locker.need_larger_door(only_fit).unwrap();
    assert!(matches!(no_larger, DropOff::Overflow(_)));
    // A door unlocked that nobody opens before the alarm time.
    site.open_for(14, 15);
    site.advance(site.locker.state().policy().door_open_alarm_s);
    site.locker.tick().unwrap();

    // A jammed latch, with the board's words; the door is put back later.
    let jammed = site
        .locker
        .state()
        .bank()
        .allocate(&Request::new(parcel(7), RecipientId(16)))
        .unwrap()
        .assignment()
        .unwrap()
        .compartment;
    site.sim().jam(jammed, Repeat::Once).unwrap();
    let rfid_door = site.open_for(7, 16);
    site.fill(rfid_door);

    // A wrong PIN, then the resident collects, re-opens in the grace
    // period, and the grace ends.
    assert!(
        site.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), "00000000")
            .is_err()
    );
    site.advance(HOUR_S);
    let opened = site
        .locker
        .pickup_pin(KIOSK, Some(RecipientId(12)), first_pin.expose())
        .unwrap();
    site.empty(opened[0]);
    site.locker.reopen(first).unwrap();
    site.open_and_close(first);
    site.advance(site.locker.state().policy().reopen_grace_s);
    site.locker.tick().unwrap();

    // A QR pickup closed with the parcel inside, then done, then reported
    // missing; the spent token shown again is refused, on the record in a
    // sum.
    site.locker.pickup_qr(KIOSK, slow_token.expose()).unwrap();
    site.open_and_close(slow);
    site.locker.pickup_qr(KIOSK, slow_token.expose()).unwrap();
    site.empty(slow);
    site.locker.report_missing(slow).unwrap();
    assert!(site.locker.pickup_qr(KIOSK, slow_token.expose()).is_err());
    site.advance(super::tally::TALLY_S);
    site.locker.tick().unwrap();

    // An RFID tag collects; the old tag of another resident is revoked.
    let uid = [0x04, 0xa2, 0x3c, 0x91, 0x5e, 0x70, 0x81];
    site.locker
        .register_rfid(RecipientId(16), &uid, false)
        .unwrap();
    site.locker.pickup_rfid(KIOSK, &uid, None).unwrap();
    site.empty(rfid_door);
    site.locker
        .register_rfid(RecipientId(17), &[0x11, 0x22, 0x33, 0x44], true)
        .unwrap();
    let lost_tag = site
        .locker
        .state()
        .credentials()
        .records()
        .find(|record| record.recipient == Some(RecipientId(17)))
        .map(|record| record.id)
        .unwrap();
    site.locker.revoke_credential(lost_tag).unwrap();

    // A delegated pickup of one door, and a delegation of every parcel.
    let delegated = site.open_for(8, 18);
    site.fill(delegated);
    let pin = site
        .locker
        .delegate(&DelegationRequest {
            delegator: RecipientId(18),
            scope: DelegationScope::Parcels,
            compartments: vec![delegated],
            expires_at_s: site.locker.state().last_at_s() + DAY_S,
        })
        .unwrap()
        .pin;
    site.locker
        .delegate(&DelegationRequest {
            delegator: RecipientId(18),
            scope: DelegationScope::AllParcels,
            compartments: vec![],
            expires_at_s: site.locker.state().last_at_s() + 7 * DAY_S,
        })
        .unwrap();
    site.locker
        .pickup_pin(KIOSK, Some(RecipientId(18)), pin.expose())
        .unwrap();
    site.empty(delegated);

    // Staff: an extension, a hold, a door opened with a reason, a door out
    // of service and back, a forced door.
    let kept = site.open_for(9, 19);
    site.fill(kept);
    site.locker.extend(kept, DAY_S).unwrap();
    let now_s = site.locker.state().last_at_s();
    site.locker
        .hold(RecipientId(19), now_s + 3 * DAY_S)
        .unwrap();
    site.locker
        .staff_open(CompartmentId(77), "cleaning")
        .unwrap();
    site.open_and_close(CompartmentId(77));
    site.locker
        .set_out_of_service(CompartmentId(78), "hinge loose")
        .unwrap();
    site.locker.back_in_service(CompartmentId(78)).unwrap();
    site.sim().clear_door_faults(jammed).unwrap();
    site.locker.back_in_service(jammed).unwrap();
    site.sim().force_open(CompartmentId(89)).unwrap();
    site.locker.tick().unwrap();
    site.sim().close_door(CompartmentId(89)).unwrap();
    site.locker.back_in_service(CompartmentId(89)).unwrap();

    // The courier signs out; a door reported closed that the locker never
    // unlocked; a new key;
    // the clock jumping three hours, held back until staff confirm it.
    let courier = site.courier.clone();
    site.locker.courier_sign_out(&courier).unwrap();
    assert!(site.locker.door_closed(CompartmentId(78)).is_err());
    site.locker.rotate_key().unwrap();
    site.sim().advance_s(3 * HOUR_S);
    site.locker.tick().unwrap();
    site.locker.confirm_clock().unwrap();

    // A parcel nobody collects: a reminder, expiry, and the carrier's return.
    let forgotten = site.open_for(10, 20);
    site.fill(forgotten);
    let dwell_s = site.locker.state().policy().dwell_s;
    site.advance(dwell_s - DAY_S);
    site.locker.tick().unwrap();
    site.advance(DAY_S);
    site.locker.tick().unwrap();
    let token = return_token(site.locker.take_events(), forgotten).unwrap();
    site.locker.pickup_qr(KIOSK, token.expose()).unwrap();
    site.empty(forgotten);

    // A fault the board says nothing more about.
    site.locker.hardware_mut().says.clear();
    site.sim().fail_calls(
        Operation::Unlock,
        HardwareErrorKind::BusTimeout,
        Repeat::Once,
    );
    let courier = site.courier.clone();
    assert!(
        site.locker
            .deposit(&courier, Request::new(parcel(11), RecipientId(21)))
            .is_err()
    );

    // Power is lost while a courier's door is open: after the restart the
    // sensor cannot tell, so the door waits for staff, who find the parcel.
    let cut = site.open_for(12, 21);
    site.sim().open_door(cut).unwrap();
    site.sim().put_parcel(cut).unwrap();
    site.sim().close_door(cut).unwrap();
    site.sim().lie_occupancy(cut, SensorLie::Unknown).unwrap();
    let keys = site.locker.keys().clone();
    let (board, journal) = site.locker.into_parts();
    let records = journal.records().to_vec();
    let mut locker = Locker::restore(keys, board, journal, &records).unwrap();
    locker.hardware_mut().sim.clear_door_faults(cut).unwrap();
    locker.inspect(cut, true).unwrap();
    locker.hardware_mut().sim.advance_s(HOUR_S);
    locker.tick().unwrap();
    #[cfg(feature = "std")]
    if let Some(path) = std::env::var_os("LOCKER_JOURNAL_FIXTURE_KEYS") {
        let hex: String = locker
            .keys()
            .to_secret_bytes()
            .iter()
            .map(|b| alloc::format!("{b:02x}"))
            .collect();
        std::fs::write(path, hex + "\n").unwrap();
    }
    locker.journal().records().to_vec()
}

fn kinds_in(records: &[Record<Entry>]) -> alloc::collections::BTreeSet<String> {
    records
        .iter()
        .map(|record| {
            let json = serde_json::to_value(&record.entry).unwrap();
            json["type"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// The kinds `every_kind()` lists that `records` lack.
fn kinds_missing(records: &[Record<Entry>]) -> Vec<String> {
    let present = kinds_in(records);
    every_kind()
        .into_iter()
        .filter(|kind| !present.contains(kind))
        .collect()
}

/// Every number a version-3 record holds, as JSON text: integers that a
/// JavaScript number holds exactly.
#[test]
fn every_number_in_a_version_3_journal_is_exact_in_javascript() {
    let &(version, text, _) = FROZEN.last().unwrap();
    assert_eq!(version, 3);
    let mut numbers = 0;
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let mut stack = alloc::vec![&value];
        while let Some(value) = stack.pop() {
            match value {
                serde_json::Value::Number(number) => {
                    numbers += 1;
                    let exact = number
                        .as_u64()
                        .is_some_and(|n| n <= crate::MAX_SAFE_INTEGER);
                    assert!(exact, "{number} in {line}");
                }
                serde_json::Value::Array(items) => stack.extend(items),
                serde_json::Value::Object(fields) => stack.extend(fields.values()),
                _ => {}
            }
        }
    }
    assert!(numbers > 500, "{numbers} numbers");
    // The same journal as version 2 wrote it held 64-bit ids and "never".
    let v2 = FROZEN[1].1;
    assert!(v2.contains("18446744073709551615"));
    // A tag registered without an end has no `expires_at_s` now.
    let rfid_issued = text
        .lines()
        .find(|line| line.contains(r#""type":"rfid""#) && line.contains("credential_issued"))
        .expect("the scenario registers a tag");
    assert!(!rfid_issued.contains("expires_at_s"), "{rfid_issued}");
}

/// Version 3 changed values, not names: it reads the names of version 2.
#[test]
fn the_names_in_entries_are_those_of_version_2() {
    assert_eq!(
        RECORD_VERSION, 3,
        "a new version needs its own table of names"
    );
    for &(what, names_now, frozen) in V2_NAMES {
        let frozen: Vec<&str> = frozen.split_whitespace().collect();
        assert_eq!(
            names_now(),
            frozen,
            "the {what} names changed: a new record format version"
        );
    }
}

#[test]
fn every_name_of_version_1_is_still_read() {
    let now: Vec<&str> = V2_ENTRY_KINDS.split_whitespace().collect();
    for kind in V1_ENTRY_KINDS.split_whitespace() {
        assert!(
            now.contains(&kind),
            "version 1 kind {kind} is no longer read"
        );
    }
}

#[test]
fn the_scenario_writes_every_kind_of_record_and_replays() {
    let records = every_kind_of_record();
    let missing = kinds_missing(&records);
    assert!(missing.is_empty(), "the scenario writes no {missing:?}");
    crate::journal::verify(&records, &crate::journal::Trust::integrity_only()).unwrap();
    replay(&records).unwrap();
    #[cfg(feature = "std")]
    if let Some(path) = std::env::var_os("LOCKER_JOURNAL_FIXTURE") {
        std::fs::write(path, lines::write(&records)).unwrap();
    }
}

#[test]
fn every_frozen_journal_reads_verifies_replays_and_reserializes_byte_for_byte() {
    for &(version, text, keys_hex) in FROZEN {
        let keys = frozen_keys(keys_hex);
        // Version 1 is legacy (no MACs); every later one is authenticated.
        let trust = crate::journal::Trust {
            accept_legacy: version == 1,
            ..crate::journal::Trust::with_keys(&keys)
        };
        let loaded = lines::read::<Entry>(text, &trust)
            .unwrap_or_else(|error| panic!("journal v{version}: {error}"));
        assert_eq!(loaded.torn_tail, None);
        assert_eq!(loaded.valid_bytes, text.len());
        assert!(loaded.records.iter().all(|record| record.v == version));
        for (line, record) in text.lines().zip(&loaded.records) {
            assert_eq!(lines::to_line(record), line, "journal v{version}");
        }
        let state = replay(&loaded.records).unwrap();
        // Where the scenario left things: the parcel moved to a larger
        // door, the held one and the one found after the power cut wait in
        // their doors; the rest left and were pruned from the state.
        let waiting: Vec<ParcelId> = state
            .parcels()
            .iter()
            .filter(|(_, place)| matches!(place, ParcelPlace::Compartment(_)))
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(
            waiting,
            [ParcelId(4), ParcelId(9), ParcelId(12)],
            "journal v{version}"
        );
        assert_eq!(state.deliveries().len(), 3);
    }
}

#[test]
fn the_newest_frozen_journal_is_this_version_and_holds_every_kind() {
    let &(version, text, _) = FROZEN.last().unwrap();
    assert_eq!(
        version, RECORD_VERSION,
        "a new record version needs its frozen journal"
    );
    let records = lines::read::<Entry>(text, &crate::journal::Trust::integrity_only())
        .unwrap()
        .records;
    let missing = kinds_missing(&records);
    assert!(
        missing.is_empty(),
        "journal v{version} has no {missing:?}: a new kind of entry needs a new version"
    );
}

/// Written by the library before a pickup redeemed its grant for the door
/// that emptied only: resident 12 delegated two doors, the delegate emptied
/// one and closed the other with its parcel inside, and that library spent
/// the second door's own PIN and token. Then the resident received a third
/// parcel and delegated it twice, up to the cap of three PINs.
const TWO_DOOR_DELEGATION: &str =
    include_str!("../../../tests/data/journal-v1-two-door-delegation.jsonl");

#[test]
fn a_journal_written_before_per_door_redemption_replays_and_frees_the_stranded_door() {
    let loaded = lines::read::<Entry>(
        TWO_DOOR_DELEGATION,
        &crate::journal::Trust::integrity_only(),
    )
    .unwrap();
    crate::journal::verify(&loaded.records, &crate::journal::Trust::integrity_only()).unwrap();
    // The credentials that library spent by mistake are active again on
    // replay, so the unit holds more PINs than the cap: the records the
    // locker accepted still apply.
    let state = replay(&loaded.records).unwrap();
    let now_s = state.last_at_s();
    for (door, delivery) in state.deliveries() {
        let openable = delivery.credentials.iter().any(|id| {
            state
                .credentials()
                .get(*id)
                .is_some_and(|r| r.is_usable(now_s) && r.compartments.contains(door))
        });
        assert!(openable, "door {door} is still stranded");
    }
    assert_eq!(state.deliveries().len(), 2);
}
