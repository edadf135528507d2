//! A 300-unit apartment building over 30 days on the default 105-door bank
//! and the simulated hardware: couriers of three carriers, residents
//! collecting at all hours by PIN, QR code or RFID tag, a few expiries,
//! a jammed door, a forced door and a power cut — then a summary, the
//! journal verified and replayed, and one pickup QR code in the terminal.
//!
//! Run with `cargo run --release -p locker-core --example apartment`
//! (optionally followed by a seed, a number of units and a number of
//! days). The test suite runs the same simulation over many seeds and
//! building sizes (`tests/apartment.rs`).

// An example is a std program; the no_std import lints are for the library.
#![allow(clippy::std_instead_of_alloc, clippy::std_instead_of_core)]

use std::collections::BTreeMap;
use std::error::Error;

use locker_core::allocate::Request;
use locker_core::credential::{CarrierId, KioskId, PinSecret, QrOptions, TokenSecret};
use locker_core::hardware::SimulatedHardware;
use locker_core::hardware::sim::Repeat;
use locker_core::journal::{MemoryJournal, Trust, verify};
use locker_core::locker::{DAY_S, DropOff, Entry, Event, HOUR_S, Locker, LockerConfig, replay};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The simulated building's locker: simulated hardware, journal in memory.
pub type SimLocker = Locker<SimulatedHardware, MemoryJournal<Entry>>;

/// What to simulate.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// The seed of every random choice (and of the board's entropy).
    pub seed: u64,
    /// Units in the building.
    pub units: u64,
    /// Days simulated.
    pub days: u64,
    /// Parcels a unit receives a month (about 20 in the field).
    pub parcels_per_unit_per_month: u64,
    /// No day table and no summary: for the test suite.
    pub quiet: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            seed: 2026,
            units: 300,
            days: 30,
            parcels_per_unit_per_month: 20,
            quiet: false,
        }
    }
}

/// What a run ended with.
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    /// Parcels stored.
    pub delivered: u64,
    /// Parcels no door took.
    pub overflow: u64,
    /// Parcels collected.
    pub collected: u64,
    /// Records in the journal.
    pub records: usize,
    /// Deliveries whose PIN replaced the resident's earlier ones (the
    /// resident held as many as the policy allows).
    pub merged_pins: u64,
    /// The journal verified with its MACs and replayed to the live state.
    pub journal_sound: bool,
}
/// The simulation steps ten minutes at a time.
const STEP_S: u64 = 600;
/// Midnight, 1 November 2026 UTC.
const START_S: u64 = 1_793_491_200;
const KIOSK: KioskId = KioskId(1);
/// Each carrier's round: carrier, hour of arrival, share of the parcels.
const ROUNDS: [(CarrierId, u64, u64); 3] = [
    (CarrierId(1), 10, 50),
    (CarrierId(2), 13, 30),
    (CarrierId(3), 16, 20),
];

/// What a resident holds for one door.
struct Waiting {
    recipient: RecipientId,
    pin: PinSecret,
    qr_token: TokenSecret,
    collect_at_s: Option<u64>,
}

#[derive(Default)]
struct Tally {
    delivered: u64,
    overflow: u64,
    upsized: u64,
    collected: u64,
    by_method: BTreeMap<&'static str, u64>,
    wrong_pins: u64,
    returned: u64,
    dwell_s: Vec<u64>,
    occupied_per_class: BTreeMap<String, (u64, u64)>,
    reminders: u64,
    merged_pins: u64,
    alarms: Vec<String>,
}

#[allow(dead_code)] // the test suite includes this file and calls `run`
fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>());
    let mut settings = Settings::default();
    if let Some(seed) = args.next() {
        settings.seed = seed?;
    }
    if let Some(units) = args.next() {
        settings.units = units?.max(1);
    }
    if let Some(days) = args.next() {
        settings.days = days?.max(1);
    }
    run(settings)?;
    Ok(())
}

/// Simulates the building; prints the day table and the summary unless
/// `quiet`.
///
/// # Errors
///
/// Any operation of the locker that fails where the building's people
/// would not expect it to.
pub fn run(settings: Settings) -> Result<Outcome, Box<dyn Error>> {
    run_locker(settings).map(|(outcome, _)| outcome)
}

/// As [`run`], giving back the locker too (its journal, its state).
///
/// # Errors
///
/// As [`run`].
#[allow(clippy::too_many_lines)]
pub fn run_locker(settings: Settings) -> Result<(Outcome, SimLocker), Box<dyn Error>> {
    let Settings {
        seed,
        units,
        days,
        parcels_per_unit_per_month,
        quiet,
    } = settings;
    let mut rng = StdRng::seed_from_u64(seed);
    let config = LockerConfig::default();
    let doors: Vec<CompartmentId> = config.bank.compartments.iter().map(|c| c.id).collect();
    let hardware = SimulatedHardware::new(doors, seed).with_now_s(START_S);
    let mut locker = Locker::new(config, hardware, MemoryJournal::new())?;
    let keys = locker.keys().clone();

    let mut codes = BTreeMap::new();
    for (carrier, ..) in ROUNDS {
        codes.insert(carrier, locker.issue_courier_code(carrier, 60 * DAY_S)?);
    }
    // One resident in ten has an RFID tag; the tag UID is 7 bytes.
    let mut tags = BTreeMap::new();
    for unit in (1..=units).step_by(10) {
        let uid = unit.to_be_bytes()[1..].to_vec();
        locker.register_rfid(RecipientId(unit), &uid, false)?;
        tags.insert(RecipientId(unit), uid);
    }

    let mut waiting: BTreeMap<CompartmentId, Waiting> = BTreeMap::new();
    let mut deposited_at: BTreeMap<CompartmentId, u64> = BTreeMap::new();
    let mut returns: BTreeMap<CarrierId, Vec<TokenSecret>> = BTreeMap::new();
    let mut tally = Tally::default();
    let mut shown_qr: Option<String> = None;
    let mut next_parcel = 0_u64;
    let per_day = units * parcels_per_unit_per_month / 30;

    if !quiet {
        println!(
            "Default apartment bank: {} doors, {units} units, {days} days, seed {seed}\n",
            locker.state().bank().compartments().len()
        );
        println!("day  delivered  overflow  collected  returned  occupied at 21:00");
    }
    for day in 0..days {
        // The property hands each carrier a fresh code every month, so a
        // longer run never meets an expired one.
        if day > 0 && day % 30 == 0 {
            locker.hardware_mut().set_now_s(START_S + day * DAY_S);
            for (carrier, ..) in ROUNDS {
                codes.insert(carrier, locker.issue_courier_code(carrier, 60 * DAY_S)?);
            }
        }
        let before = (
            tally.delivered,
            tally.overflow,
            tally.collected,
            tally.returned,
        );
        let mut evening_occupied = 0;
        for step in 0..(DAY_S / STEP_S) {
            let now_s = START_S + day * DAY_S + step * STEP_S;
            locker.hardware_mut().set_now_s(now_s);
            let hour = step * STEP_S / HOUR_S;
            let minute = step * STEP_S % HOUR_S;

            // Faults, once each: a jammed door, a forced door, a power cut.
            if day == 4 && step == 0 {
                locker
                    .hardware_mut()
                    .jam(CompartmentId(3), Repeat::Always)?;
            }
            if day == 6 && step == 54 {
                locker.hardware_mut().clear_door_faults(CompartmentId(3))?;
                if locker
                    .state()
                    .out_of_service()
                    .contains_key(&CompartmentId(3))
                {
                    locker.back_in_service(CompartmentId(3))?;
                    tally.alarms.push(format!("day {day}: door #3 repaired"));
                }
            }
            if day == 11 && step == 20 {
                locker.hardware_mut().force_open(CompartmentId(60))?;
            }
            if day == 11 && step == 30 {
                locker.hardware_mut().close_door(CompartmentId(60))?;
                locker.back_in_service(CompartmentId(60))?;
            }

            // Couriers.
            for (carrier, round_hour, share) in ROUNDS {
                if hour != round_hour || minute != 0 {
                    continue;
                }
                let session = locker.courier_sign_in(KIOSK, codes[&carrier].expose())?;
                for token in returns.remove(&carrier).unwrap_or_default() {
                    match locker.pickup_qr(KIOSK, token.expose()) {
                        Ok(opened) => empty_doors(&mut locker, &opened)?,
                        // A jammed door (or power lost at the latch): the
                        // courier keeps the code for the next round.
                        Err(error) => {
                            tally.alarms.push(format!(
                                "day {day}: return for carrier {}: {error}",
                                carrier.0
                            ));
                            returns.entry(carrier).or_default().push(token);
                        }
                    }
                }
                let count = per_day * share / 100 + rng.random_range(0..5);
                for _ in 0..count {
                    next_parcel += 1;
                    if day == 14 && carrier == CarrierId(2) && next_parcel.is_multiple_of(7) {
                        // Power fails in the middle of this drop-off.
                        locker.hardware_mut().cut_power_after(3);
                    }
                    let request = random_request(&mut rng, next_parcel, units);
                    match drop_off(&mut locker, &session, request, &mut rng, &mut tally) {
                        // Done before the cut came: cancel it.
                        Ok(()) => locker.hardware_mut().restore_power(),
                        Err(error) if !locker.hardware_mut().is_powered() => {
                            tally.alarms.push(format!(
                                "day {day} {hour:02}:{minute:02}: power lost ({error}); restored from the journal"
                            ));
                            locker = reboot(locker, &keys)?;
                        }
                        Err(error) => return Err(error),
                    }
                    handle_events(
                        &mut locker,
                        &mut waiting,
                        &mut deposited_at,
                        &mut returns,
                        &mut tally,
                        &mut rng,
                        now_s,
                        day,
                        &mut shown_qr,
                    )?;
                }
            }

            // Residents collect at all hours.
            let due: Vec<CompartmentId> = waiting
                .iter()
                .filter(|(_, w)| w.collect_at_s.is_some_and(|at| at <= now_s))
                .map(|(door, _)| *door)
                .collect();
            for door in due {
                let Some(w) = waiting.remove(&door) else {
                    continue;
                };
                if rng.random_range(0..100) < 3 {
                    // A typo first.
                    let _ = locker.pickup_pin(KIOSK, Some(w.recipient), "12345678");
                    tally.wrong_pins += 1;
                }
                let method = rng.random_range(0..100);
                let opened = if method < 10 && tags.contains_key(&w.recipient) {
                    *tally.by_method.entry("RFID").or_default() += 1;
                    locker.pickup_rfid(KIOSK, &tags[&w.recipient], None)
                } else if method < 45 {
                    *tally.by_method.entry("QR").or_default() += 1;
                    locker.pickup_qr(KIOSK, w.qr_token.expose())
                } else {
                    *tally.by_method.entry("PIN").or_default() += 1;
                    locker.pickup_pin(KIOSK, Some(w.recipient), w.pin.expose())
                };
                // A throttled PIN never blocks the QR code: the kiosk says
                // so, and the resident scans instead.
                let opened = match opened {
                    Err(locker_core::locker::LockerError::Credential(
                        locker_core::credential::CredentialError::Throttled { .. },
                    )) => {
                        *tally.by_method.entry("QR after PIN throttled").or_default() += 1;
                        locker.pickup_qr(KIOSK, w.qr_token.expose())
                    }
                    other => other,
                };
                match opened {
                    Ok(opened) => {
                        empty_doors(&mut locker, &opened)?;
                        for opened_door in opened {
                            waiting.remove(&opened_door);
                        }
                    }
                    Err(error) => tally
                        .alarms
                        .push(format!("day {day}: pickup at #{}: {error}", door.0)),
                }
                handle_events(
                    &mut locker,
                    &mut waiting,
                    &mut deposited_at,
                    &mut returns,
                    &mut tally,
                    &mut rng,
                    now_s,
                    day,
                    &mut shown_qr,
                )?;
            }

            locker.tick()?;
            handle_events(
                &mut locker,
                &mut waiting,
                &mut deposited_at,
                &mut returns,
                &mut tally,
                &mut rng,
                now_s,
                day,
                &mut shown_qr,
            )?;
            locker.hardware_mut().clear_calls();
            if hour == 21 && minute == 0 {
                evening_occupied = count_occupancy(&locker, &mut tally);
            }
        }
        if !quiet {
            println!(
                "{:>3}  {:>9}  {:>8}  {:>9}  {:>8}  {:>8}",
                day + 1,
                tally.delivered - before.0,
                tally.overflow - before.1,
                tally.collected - before.2,
                tally.returned - before.3,
                evening_occupied
            );
        }
    }

    let records = locker.journal().records();
    let journal_sound = verify(records, &Trust::with_keys(locker.keys())).is_ok()
        && replay(records).is_ok_and(|state| &state == locker.state());
    if !quiet {
        summary(&locker, &tally);
        if let Some(qr) = shown_qr {
            print!("{qr}");
        }
    }
    let outcome = Outcome {
        delivered: tally.delivered,
        overflow: tally.overflow,
        collected: tally.collected,
        records: records.len(),
        merged_pins: tally.merged_pins,
        journal_sound,
    };
    Ok((outcome, locker))
}

/// A courier's drop-off: deposit, open the door, put the parcel in, close.
fn drop_off(
    locker: &mut SimLocker,
    session: &locker_core::locker::CourierSession,
    request: Request,
    rng: &mut StdRng,
    tally: &mut Tally,
) -> Result<(), Box<dyn Error>> {
    let mut outcome = locker.deposit(session, request)?;
    if let DropOff::Opened { compartment, .. } = outcome
        && rng.random_range(0..100) < 2
    {
        // "This parcel does not fit": the courier closes and asks again.
        locker.hardware_mut().open_door(compartment)?;
        locker.hardware_mut().close_door(compartment)?;
        outcome = locker.need_larger_door(compartment)?;
        tally.upsized += 1;
    }
    match outcome {
        DropOff::Opened { compartment, .. } => {
            let hw = locker.hardware_mut();
            hw.open_door(compartment)?;
            hw.put_parcel(compartment)?;
            hw.close_door(compartment)?;
            locker.door_closed(compartment)?;
            tally.delivered += 1;
        }
        DropOff::Overflow(_) => tally.overflow += 1,
        _ => {}
    }
    Ok(())
}

/// A power cut: the locker is rebuilt from its journal, as after a reboot.
fn reboot(
    locker: SimLocker,
    keys: &locker_core::credential::KeyRing,
) -> Result<SimLocker, Box<dyn Error>> {
    let (mut hardware, journal) = locker.into_parts();
    hardware.restore_power();
    let records = journal.records().to_vec();
    let mut locker = Locker::restore(keys.clone(), hardware, journal, &records)?;
    // Staff look into any door whose outcome the power cut hid.
    let interrupted: Vec<CompartmentId> = locker.state().interrupted().keys().copied().collect();
    for door in interrupted {
        let found = locker.hardware_mut().parcel_count(door)? > 0;
        locker.inspect(door, found)?;
    }
    Ok(locker)
}

/// The resident (or carrier) empties the opened doors and closes them.
fn empty_doors(locker: &mut SimLocker, doors: &[CompartmentId]) -> Result<(), Box<dyn Error>> {
    for &door in doors {
        let hw = locker.hardware_mut();
        hw.open_door(door)?;
        while hw.parcel_count(door)? > 0 {
            hw.take_parcel(door)?;
        }
        hw.close_door(door)?;
        locker.door_closed(door)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn handle_events(
    locker: &mut SimLocker,
    waiting: &mut BTreeMap<CompartmentId, Waiting>,
    deposited_at: &mut BTreeMap<CompartmentId, u64>,
    returns: &mut BTreeMap<CarrierId, Vec<TokenSecret>>,
    tally: &mut Tally,
    rng: &mut StdRng,
    now_s: u64,
    day: u64,
    shown_qr: &mut Option<String>,
) -> Result<(), Box<dyn Error>> {
    for event in locker.take_events() {
        match event {
            Event::ParcelReady {
                recipient,
                compartment,
                pin,
                pin_opens,
                qr_token,
                ..
            } => {
                // At the cap of PINs, the new PIN opens all the resident's
                // doors and replaces their earlier PINs.
                if pin_opens.len() > 1 {
                    tally.merged_pins += 1;
                    for door in pin_opens.iter().filter(|door| **door != compartment) {
                        if let Some(w) = waiting.get_mut(door) {
                            w.pin = pin.clone();
                        }
                    }
                }
                deposited_at.entry(compartment).or_insert(now_s);
                // Most collect the same day; some after a day or two; a
                // few forget until the parcel goes back.
                let delay_s = match rng.random_range(0..100) {
                    0..=69 => rng.random_range(STEP_S..12 * HOUR_S),
                    70..=96 => rng.random_range(12 * HOUR_S..2 * DAY_S),
                    _ => u64::MAX / 2,
                };
                let collect_at_s = waiting
                    .get(&compartment)
                    .and_then(|w| w.collect_at_s)
                    .or(Some(now_s.saturating_add(delay_s)));
                if shown_qr.is_none() {
                    let matrix = qr_token.to_qr(&QrOptions::default())?;
                    *shown_qr = Some(format!(
                        "\nThe QR code the first resident was sent, for door #{} (version {}, {} characters):\n\n{}",
                        compartment.0,
                        matrix.version(),
                        qr_token.expose().len(),
                        matrix.to_terminal_text(true)
                    ));
                }
                waiting.insert(
                    compartment,
                    Waiting {
                        recipient,
                        pin,
                        qr_token,
                        collect_at_s,
                    },
                );
            }
            Event::Collected {
                compartment,
                parcels,
                ..
            } => {
                tally.collected += parcels.len() as u64;
                if let Some(at) = deposited_at.remove(&compartment) {
                    tally.dwell_s.push(now_s - at);
                }
            }
            Event::ReturnReady {
                carrier,
                compartment,
                qr_token,
                ..
            } => {
                waiting.remove(&compartment);
                returns.entry(carrier).or_default().push(qr_token);
            }
            Event::Returned {
                compartment,
                parcels,
                ..
            } => {
                tally.returned += parcels.len() as u64;
                deposited_at.remove(&compartment);
            }
            Event::Reminder { .. } => tally.reminders += 1,
            Event::Tamper { compartment } => {
                tally.alarms.push(format!(
                    "day {day}: door #{} forced open; out of service until staff checked it",
                    compartment.0
                ));
            }
            Event::HardwareFault {
                compartment,
                kind,
                detail,
            } => {
                let door =
                    compartment.map_or(String::from("lock board"), |c| format!("door #{}", c.0));
                let detail = detail.map(|d| format!(" ({d})")).unwrap_or_default();
                tally
                    .alarms
                    .push(format!("day {day}: {door}: {kind}{detail}"));
            }
            Event::SuspiciousAttempts { lockout } => {
                tally.alarms.push(format!(
                    "day {day}: {} failed attempts locked out a scope",
                    lockout.failures
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn count_occupancy(locker: &SimLocker, tally: &mut Tally) -> u64 {
    let mut occupied = 0;
    for door in locker.state().bank().compartments() {
        let entry = tally
            .occupied_per_class
            .entry(door.spec().size_class.clone())
            .or_default();
        entry.1 += 1;
        if door.contents().is_some() {
            entry.0 += 1;
            occupied += 1;
        }
    }
    occupied
}

fn summary(locker: &SimLocker, tally: &Tally) {
    let records = locker.journal().records();
    let count = |f: fn(&Entry) -> bool| records.iter().filter(|r| f(&r.entry)).count();
    let mut dwell = tally.dwell_s.clone();
    dwell.sort_unstable();
    let pick = |q: usize| dwell.get(dwell.len() * q / 100).copied().unwrap_or(0) as f64 / 3_600.0;
    let offered = tally.delivered + tally.overflow;
    println!("\n== summary ==");
    println!("parcels stored        {:>7}", tally.delivered);
    println!(
        "overflow              {:>7}  ({:.1} % of {offered} offered)",
        tally.overflow,
        100.0 * tally.overflow as f64 / offered.max(1) as f64
    );
    println!("asked for larger door {:>7}", tally.upsized);
    println!(
        "parcels collected     {:>7}  by {:?}",
        tally.collected, tally.by_method
    );
    println!(
        "returned to carrier   {:>7}  (reminders sent: {})",
        tally.returned, tally.reminders
    );
    println!(
        "dwell, hours          median {:.1}, p90 {:.1}, max {:.1}",
        pick(50),
        pick(90),
        dwell.last().copied().unwrap_or(0) as f64 / 3_600.0
    );
    println!("utilization at 21:00, by size class:");
    for (class, (occupied, doors)) in &tally.occupied_per_class {
        println!(
            "  {class:<3} {:>5.1} %",
            100.0 * *occupied as f64 / (*doors).max(1) as f64
        );
    }
    let pickup_credentials = count(|e| matches!(e, Entry::DepositCommitted { .. }));
    println!(
        "credentials issued    {:>7}  (a PIN and a QR token per delivery: {} deliveries)",
        2 * pickup_credentials,
        pickup_credentials
    );
    println!(
        "credentials used      {:>7}",
        count(|e| matches!(e, Entry::PickupOpened { .. }))
    );
    println!(
        "failed attempts       {:>7}  (typos made: {})",
        count(|e| matches!(e, Entry::AttemptFailed { .. })),
        tally.wrong_pins
    );
    println!(
        "one PIN for all doors {:>7}  (a resident at the cap of PINs got one more door)",
        tally.merged_pins
    );
    println!("faults and alarms:");
    for alarm in &tally.alarms {
        println!("  {alarm}");
    }
    let verified = verify(records, &Trust::with_keys(locker.keys()));
    let replayed = replay(records).map(|state| &state == locker.state());
    println!(
        "journal               {:>7} records, chain and MACs {}, replay {}",
        records.len(),
        if verified.is_ok() {
            "verified"
        } else {
            "BROKEN"
        },
        match replayed {
            Ok(true) => "rebuilds the same state",
            Ok(false) => "DIFFERS",
            Err(_) => "FAILED",
        }
    );
}

/// A parcel of a realistic size: mostly small, a few bulky, a few chilled.
fn random_request(rng: &mut StdRng, id: u64, units: u64) -> Request {
    let size = match rng.random_range(0..100) {
        0..=54 => Dimensions::new(
            rng.random_range(150..350),
            rng.random_range(100..250),
            rng.random_range(10..60),
        ),
        55..=84 => Dimensions::new(
            rng.random_range(200..360),
            rng.random_range(150..400),
            rng.random_range(60..170),
        ),
        85..=97 => Dimensions::new(
            rng.random_range(250..360),
            rng.random_range(250..600),
            rng.random_range(150..380),
        ),
        _ => Dimensions::new(
            rng.random_range(400..750),
            rng.random_range(300..600),
            rng.random_range(300..550),
        ),
    };
    let mut parcel = Parcel::new(ParcelId(id), size, rng.random_range(100..15_000));
    if rng.random_range(0..100) < 3 {
        parcel = parcel.in_zone(locker_core::TemperatureZone::Chilled);
    }
    Request::new(parcel, RecipientId(rng.random_range(1..=units)))
}
