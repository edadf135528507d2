//! Crash safety: power is cut at every hardware call, and the journal fails
//! at every write, of a drop-off (plain, into a larger door, joining the
//! recipient's door) and of a pickup (PIN and QR); the locker is restored
//! from its journal each time, staff inspect what it asks them to, and
//! everyone finishes. No parcel is lost, no door is assigned twice and no
//! credential opens an emptied door, with occupancy sensors and without.
#![allow(
    clippy::unwrap_used,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

use crate::common;

use std::collections::BTreeMap;

use common::{Halt, Site};
use locker_core::credential::{PinAttempt, Purpose};
use locker_core::locker::{DropOff, Entry, LockerConfig, ParcelPlace};
use locker_core::{ParcelId, RecipientId};

const RESIDENT: RecipientId = RecipientId(12);

/// What runs while the failure is armed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Scenario {
    /// A courier drops a parcel off into an empty bank.
    DropOff,
    /// The first door is too small; the courier asks for a larger one.
    LargerDoor,
    /// A second parcel joins the resident's occupied door.
    JoinDoor,
    /// The resident collects with the PIN.
    PickupPin,
    /// The resident collects with the QR token.
    PickupQr,
}

const SCENARIOS: [Scenario; 5] = [
    Scenario::DropOff,
    Scenario::LargerDoor,
    Scenario::JoinDoor,
    Scenario::PickupPin,
    Scenario::PickupQr,
];

/// The failure armed after the set-up.
#[derive(Clone, Copy, Debug)]
enum Failure {
    /// The power goes after this many more hardware calls.
    Power(usize),
    /// The flash refuses every journal write after this many more.
    Flash(usize),
}

/// What one run saw.
#[derive(Default)]
struct Seen {
    /// The scenario ran to its end without any failure.
    completed: bool,
    /// The locker asked staff to inspect a door.
    inspected: bool,
}

fn fail(site: &Site, label: &str, message: &str) -> ! {
    panic!("{label}: {message}\n  {}", site.describe());
}

fn check(site: &mut Site, label: &str, phase: &str) {
    if let Err(message) = site.check() {
        fail(site, label, &format!("after {phase}: {message}"));
    }
}

/// The courier's door is too small: they close it, ask for a larger one,
/// and put the parcel there.
fn larger_door(site: &mut Site, parcel: ParcelId) -> Result<(), Halt> {
    let request = site.requests[&parcel];
    let session = site.session.clone();
    let DropOff::Opened { compartment, .. } = site.call(|l| l.deposit(&session, request))? else {
        panic!("an empty bank has room");
    };
    if !site.pull(compartment) {
        return Err(Halt::DoorStayedShut(compartment));
    }
    site.push_shut(compartment);
    site.seen_open.remove(&compartment);
    let DropOff::Opened {
        compartment: larger,
        ..
    } = site.call(|l| l.need_larger_door(compartment))?
    else {
        panic!("an empty bank has a larger door");
    };
    if !site.pull(larger) {
        return Err(Halt::DoorStayedShut(larger));
    }
    site.put(larger, parcel);
    site.push_shut(larger);
    site.seen_open.remove(&larger);
    site.call(|l| l.door_closed(larger))?;
    Ok(())
}

fn run(scenario: Scenario, failure: Failure, sensors: bool) -> Seen {
    let label = format!(
        "{scenario:?}, {failure:?}, {}",
        if sensors {
            "with occupancy sensors"
        } else {
            "without occupancy sensors"
        }
    );
    let mut site = Site::new(LockerConfig::default(), sensors, 42);
    let small = |id| common::small_parcel(id);

    // Set-up, before the failure is armed.
    let parcel = match scenario {
        Scenario::DropOff | Scenario::LargerDoor => site.bring(small(1), RESIDENT),
        Scenario::JoinDoor | Scenario::PickupPin | Scenario::PickupQr => {
            let first = site.bring(small(1), RESIDENT);
            let door = site.drop_off(first).unwrap();
            assert!(door.is_some(), "{label}: the first parcel has a door");
            if scenario == Scenario::JoinDoor {
                site.bring(small(2), RESIDENT)
            } else {
                first
            }
        }
    };
    check(&mut site, &label, "the set-up");

    match failure {
        Failure::Power(calls) => site.hw.borrow_mut().cut_power_after(calls),
        Failure::Flash(writes) => site.journal.fail_after(writes),
    }
    let result = match scenario {
        Scenario::DropOff | Scenario::JoinDoor => site.drop_off(parcel).map(|door| {
            assert!(door.is_some(), "{label}: the parcel has a door");
        }),
        Scenario::LargerDoor => larger_door(&mut site, parcel),
        Scenario::PickupPin => site.collect(0, false).map(drop),
        Scenario::PickupQr => site.collect(0, true).map(drop),
    };
    let failed = result.is_err() || !site.hw.borrow().is_powered() || site.journal.failures() > 0;
    let mut seen = Seen {
        completed: !failed,
        inspected: false,
    };
    if failed {
        check(&mut site, &label, "the failure (before the restart)");
        if let Err(error) = site.reboot() {
            fail(&site, &label, &format!("restore failed: {error}"));
        }
        check(&mut site, &label, "the restart");
        if let Err(message) = site.check_journal_from_scratch() {
            fail(&site, &label, &message);
        }
        // Staff look inside every door the locker asks about.
        let asked: Vec<_> = site.inspections.iter().copied().collect();
        for door in asked {
            seen.inspected = true;
            let found = site.truth(door);
            if let Err(error) = site.call(|l| l.inspect(door, found)) {
                fail(&site, &label, &format!("inspect({door}, {found}): {error}"));
            }
            site.inspections.remove(&door);
            check(&mut site, &label, &format!("inspecting door {door}"));
        }
        if !site.state().interrupted().is_empty() {
            fail(
                &site,
                &label,
                "a door waits for inspection without NeedsInspection",
            );
        }
        if !site.state().open_doors().is_empty() {
            fail(
                &site,
                &label,
                "a closed door is still open in the state after the restart",
            );
        }
    }

    // Everyone finishes: the courier delivers what they still carry, the
    // resident collects with the latest secret of each door.
    if let Err(message) = site.finish() {
        fail(&site, &label, &format!("finishing: {message}"));
    }
    if !site.finish_errors.is_empty() {
        let message = format!("refused while finishing: {:?}", site.finish_errors);
        fail(&site, &label, &message);
    }
    check(&mut site, &label, "finishing");
    if let Err(message) = site.check_journal_from_scratch() {
        fail(&site, &label, &message);
    }
    // Nothing is lost: the resident has every parcel and the locker says so.
    let brought: Vec<ParcelId> = site.requests.keys().copied().collect();
    for parcel in &brought {
        if !site.taken.contains(parcel) {
            fail(
                &site,
                &label,
                &format!("{parcel} never reached the resident"),
            );
        }
        let place = site.state().parcels().get(parcel).copied();
        // Collected, or forgotten since by the periodic prune.
        let pruned = site
            .journal
            .with_records(|records| records.iter().any(|r| matches!(r.entry, Entry::Pruned)));
        if place != Some(ParcelPlace::Collected) && !(place.is_none() && pruned) {
            fail(
                &site,
                &label,
                &format!("{parcel} was collected but the locker says {place:?}"),
            );
        }
    }
    // Every secret the resident ever got is now refused.
    let now_s = site.now_s();
    for secret in &site.secrets {
        let store = site.state().credentials();
        let attempt = PinAttempt {
            kiosk: common::CHECK_KIOSK,
            unit: Some(secret.recipient),
            pin: secret.pin.expose(),
            purpose: Purpose::Pickup,
        };
        if store.verify_pin(&site.keys, &attempt, now_s).is_ok()
            || store
                .verify_token(
                    &site.keys,
                    site.state().bank_id(),
                    common::CHECK_KIOSK,
                    secret.qr.expose(),
                    Purpose::Pickup,
                    now_s,
                )
                .is_ok()
        {
            fail(
                &site,
                &label,
                &format!(
                    "a secret for door {} still works on an empty locker",
                    secret.compartment
                ),
            );
        }
    }
    seen
}

/// Runs a scenario with the failure at every point, from the first call
/// (or write) until one past the last; returns how many points failed.
fn every_point(scenario: Scenario, power: bool, sensors: bool) -> (usize, usize) {
    let mut inspected = 0;
    for point in 0..1_000 {
        let failure = if power {
            Failure::Power(point)
        } else {
            Failure::Flash(point)
        };
        let seen = run(scenario, failure, sensors);
        inspected += usize::from(seen.inspected);
        if seen.completed {
            assert!(
                point > 0,
                "{scenario:?}: a failure at the first point must show"
            );
            return (point, inspected);
        }
    }
    panic!("{scenario:?} never completed");
}

fn all_points(power: bool) {
    let mut table = BTreeMap::new();
    for sensors in [true, false] {
        for scenario in SCENARIOS {
            table.insert((scenario, sensors), every_point(scenario, power, sensors));
        }
    }
    let what = if power {
        "hardware calls"
    } else {
        "journal writes"
    };
    for ((scenario, sensors), (points, inspected)) in table {
        eprintln!(
            "{scenario:?} ({}): failure after 0..{points} {what} covered, {inspected} needed inspection",
            if sensors { "sensors" } else { "no sensors" }
        );
    }
}

#[test]
fn power_cut_at_every_hardware_call_loses_nothing() {
    all_points(true);
}

#[test]
fn journal_failure_at_every_write_loses_nothing() {
    all_points(false);
}

#[test]
fn a_drop_off_interrupted_without_sensors_waits_for_staff() {
    // Power goes right after the door unlocked and the courier put the
    // parcel in: the restart cannot know, so staff are asked to look.
    let mut site = Site::new(LockerConfig::default(), false, 7);
    let parcel = site.bring(common::small_parcel(1), RESIDENT);
    let request = site.requests[&parcel];
    let session = site.session.clone();
    let DropOff::Opened { compartment, .. } = site.call(|l| l.deposit(&session, request)).unwrap()
    else {
        panic!("an empty bank has room");
    };
    assert!(site.pull(compartment));
    site.put(compartment, parcel);
    site.push_shut(compartment);
    site.hw.borrow_mut().cut_power();
    assert!(site.call(|l| l.door_closed(compartment)).is_err());
    site.reboot().unwrap();
    assert!(site.inspections.contains(&compartment));
    assert!(site.state().interrupted().contains_key(&compartment));
    // Until staff look, the door is not free and nobody is told.
    assert!(
        !site
            .state()
            .bank()
            .compartment(compartment)
            .unwrap()
            .is_free()
    );
    assert!(site.secrets.is_empty());
    site.check().unwrap();
    site.call(|l| l.inspect(compartment, true)).unwrap();
    assert_eq!(site.secrets.len(), 1);
    assert_eq!(
        site.state().parcels()[&parcel],
        ParcelPlace::Compartment(compartment)
    );
    site.check().unwrap();
    site.collect(0, false).unwrap();
    assert!(site.taken.contains(&parcel));
    site.check().unwrap();
}

#[test]
fn a_courier_hears_of_an_overflow_even_when_the_journal_cannot_record_it() {
    let mut site = Site::new(LockerConfig::default(), false, 5);
    // A parcel only the largest doors take, so no door is larger.
    let largest = site
        .state()
        .bank()
        .config()
        .compartments
        .iter()
        .max_by_key(|spec| spec.inner.volume_mm3())
        .unwrap()
        .inner;
    let size = locker_core::Dimensions::new(
        largest.width_mm - 40,
        largest.depth_mm - 40,
        largest.height_mm - 40,
    );
    let parcel = site.bring(locker_core::Parcel::new(ParcelId(1), size, 2_000), RESIDENT);
    let request = site.requests[&parcel];
    let session = site.session.clone();
    let DropOff::Opened { compartment, .. } = site.call(|l| l.deposit(&session, request)).unwrap()
    else {
        panic!("the largest door takes it");
    };
    assert!(site.pull(compartment));
    site.push_shut(compartment);
    // The abort of the first door is written; the overflow's record is not.
    site.journal.fail_after(1);
    let refused = site.call(|l| l.need_larger_door(compartment)).unwrap();
    assert!(matches!(refused, DropOff::Overflow(_)), "{refused:?}");
    site.journal.heal();
    assert!(site.journal.failures() >= 1);
    assert_eq!(
        site.state().parcels().get(&parcel),
        Some(&ParcelPlace::WithCourier)
    );
    site.check_journal_from_scratch().unwrap();
}
