//! The main job: a 300-unit apartment building in November (its busiest
//! month: the days after Black Friday, the run-up to Christmas), as a
//! property manager would want it answered. The library's own simulation
//! sizes a bank for the year (doors for 80 %, 95 %, 98 % and 100 % of
//! parcels, across several simulated years), then runs the month through a
//! real locker, credentials, sweeps and journal included, on the default
//! 105-door bank and on the recommended one side by side: the day table,
//! peak occupancy and when, overflow and its causes, dwell, the bank's
//! daily rhythm, the journal verified and replayed, and one QR code.
//!
//! Run with `cargo run --release -p locker-core --example apartment`
//! (optionally followed by a seed, a number of units and a number of
//! days). The test suite runs it over many seeds and building sizes
//! (`tests/it/apartment.rs`).

// An example is a std program; the no_std import lints are for the library.
#![allow(clippy::std_instead_of_alloc, clippy::std_instead_of_core)]

use std::error::Error;
use std::ops::ControlFlow;

use locker_core::allocate::Request;
use locker_core::bank::{BankConfig, default_bank};
use locker_core::credential::{CarrierId, KioskId, QrOptions};
use locker_core::journal::{Trust, verify};
use locker_core::locker::{DropOff, Entry, Event, replay};
use locker_core::sim::{
    Building, CoverageCurve, PlanRequest, SimLocker, SimResult, compose_bank, coverage_curve_with,
    simulate_locker,
};
use locker_core::{Dimensions, Parcel, ParcelId, RecipientId};

/// What to simulate.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// The seed of every random choice (and of the board's entropy).
    pub seed: u64,
    /// Units in the building.
    pub units: u32,
    /// Days simulated, from 1 November.
    pub days: u32,
    /// Parcels a unit receives a month (about 20 in the field).
    pub parcels_per_unit_per_month: f64,
    /// Simulated years the bank is sized on (0: no sizing, the default
    /// bank only).
    pub sizing_years: u32,
    /// No tables and no summary: for the test suite.
    pub quiet: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            seed: 2026,
            units: 300,
            days: 30,
            parcels_per_unit_per_month: 20.0,
            sizing_years: 3,
            quiet: false,
        }
    }
}

/// What a run ended with, on the default bank.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The month on the default bank.
    pub default_bank: SimResult,
    /// The month on the recommended bank, when one was sized.
    pub recommended: Option<(u32, SimResult)>,
    /// Records in the default bank's journal.
    pub records: usize,
    /// Drop-offs whose PIN replaced the resident's earlier ones (the
    /// resident held as many as the policy allows).
    pub merged_pins: usize,
    /// Both journals verified with their MACs and replayed to the live
    /// state.
    pub journal_sound: bool,
}

/// Coverage the sizing answers for; the recommendation is the one at
/// `RECOMMENDED`.
const COVERAGES: [f64; 4] = [0.80, 0.95, 0.98, 1.00];
const RECOMMENDED: usize = 2;
/// Day of the year of 1 November, and its weekday (a Sunday in 2026).
const NOVEMBER_1: u16 = 304;
const SUNDAY: u8 = 6;

#[allow(dead_code)] // the test suite includes this file and calls `run`
fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let mut settings = Settings::default();
    if let Some(seed) = args.next() {
        settings.seed = seed.parse()?;
    }
    if let Some(units) = args.next() {
        settings.units = units.parse::<u32>()?.max(1);
    }
    if let Some(days) = args.next() {
        settings.days = days.parse::<u32>()?.clamp(1, 366);
    }
    run(settings)?;
    Ok(())
}

/// The building of the settings, from 1 November.
#[must_use]
pub fn building(settings: &Settings) -> Building {
    Building {
        units: settings.units,
        parcels_per_unit_per_month: settings.parcels_per_unit_per_month,
        days: settings.days,
        start_day_of_year: NOVEMBER_1,
        start_weekday: SUNDAY,
        seed: settings.seed,
        ..Building::default()
    }
}

/// Sizes the bank, simulates the month on both banks, prints the answer
/// unless `quiet`.
///
/// # Errors
///
/// A simulation or plan the library refuses, or a journal that does not
/// verify.
pub fn run(settings: Settings) -> Result<Outcome, Box<dyn Error>> {
    let month = building(&settings);
    let say = |text: &str| {
        if !settings.quiet {
            println!("{text}");
        }
    };
    say(&format!(
        "A {}-unit building, {} parcels a unit a month, {} days from 1 November 2026 (seed {})\n",
        settings.units, settings.parcels_per_unit_per_month, settings.days, settings.seed
    ));

    let sizing = if settings.sizing_years > 0 {
        let (curve, bank) = size_bank(&settings)?;
        if !settings.quiet {
            print_curve(&curve);
        }
        Some(bank)
    } else {
        None
    };

    let default_run = simulate_locker(&month, &default_bank())?;
    let mut sound = journal_sound(&default_run.locker);
    let recommended = match &sizing {
        Some(bank) => {
            let run = simulate_locker(&month, bank)?;
            sound &= journal_sound(&run.locker);
            let doors = u32::try_from(bank.compartments.len())?;
            Some((doors, run.result))
        }
        None => None,
    };
    let records = default_run.locker.journal().records();
    let merged_pins = records
        .iter()
        .filter(|r| matches!(&r.entry, Entry::DepositCommitted { replaced, .. } if !replaced.is_empty()))
        .count();
    if !settings.quiet {
        let named = |doors: usize| format!("default bank ({doors} doors)");
        let first = (
            named(default_bank().compartments.len()),
            &default_run.result,
        );
        let second = recommended
            .as_ref()
            .map(|(doors, result)| (format!("recommended bank ({doors} doors)"), result));
        print_days(&first, second.as_ref());
        print_summary(&first, second.as_ref());
        print_verdict(&default_run.result, recommended.as_ref());
        println!(
            "\njournal of the default bank: {} records, chain and MACs {}, replay {}",
            records.len(),
            if sound { "verified" } else { "BROKEN" },
            if sound {
                "rebuilds the same state"
            } else {
                "DIFFERS"
            }
        );
    }
    let record_count = records.len();
    let mut locker = default_run.locker;
    let qr = one_more_parcel(&mut locker)?;
    say(&qr);
    let outcome = Outcome {
        records: record_count,
        default_bank: default_run.result,
        recommended,
        merged_pins,
        journal_sound: sound,
    };
    Ok(outcome)
}

/// The coverage curve for a year of the building, and the bank at the
/// recommended coverage.
fn size_bank(settings: &Settings) -> Result<(CoverageCurve, BankConfig), Box<dyn Error>> {
    let year = Building {
        days: 365,
        start_day_of_year: 0,
        // 1 January 2026 was a Thursday.
        start_weekday: 3,
        ..building(settings)
    };
    let request = PlanRequest {
        seeds: settings.sizing_years,
        ..PlanRequest::default()
    };
    let curve = coverage_curve_with(&year, &request, &COVERAGES, &mut |_| {
        ControlFlow::Continue(())
    })?;
    let point = curve
        .points
        .get(RECOMMENDED)
        .ok_or("the curve has no recommended point")?;
    let counts: Vec<u32> = point.counts.iter().map(|c| c.count).collect();
    let bank = compose_bank(
        &request.classes,
        &counts,
        request.policy,
        request.clearance_mm,
    )?;
    Ok((curve, bank))
}

fn print_curve(curve: &CoverageCurve) {
    println!(
        "Sizing for a year ({} simulated years; doors that cover the share of parcels in {:.0} % of years, and the spread from 10 % to 90 % of years):",
        curve.seeds, curve.percentile
    );
    println!("  parcels covered   doors   (10 %–90 % of years)   by class");
    for (index, point) in curve.points.iter().enumerate() {
        let doors = point
            .doors
            .map_or_else(|| String::from("  —"), |d| format!("{d:>5}"));
        let band = match (point.doors_p10, point.doors_p90) {
            (Some(low), Some(high)) => format!("{low}–{high}"),
            _ => String::from("—"),
        };
        let classes: Vec<String> = point
            .counts
            .iter()
            .filter(|c| c.count > 0)
            .map(|c| format!("{} {}", c.size_class, c.count))
            .collect();
        let mark = if index == RECOMMENDED {
            "  ← recommended"
        } else {
            ""
        };
        println!(
            "  {:>6.0} %          {doors}   {band:^20}   {}{mark}",
            point.coverage * 100.0,
            classes.join(", ")
        );
    }
    println!();
}

fn print_days(first: &(String, &SimResult), second: Option<&(String, &SimResult)>) {
    let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    print!("             |  {:<38}", first.0);
    if let Some((name, _)) = second {
        print!("|  {name}");
    }
    println!();
    print!("day          parcels |  overflow  collected  returned  peak at  ");
    if second.is_some() {
        print!("|  overflow  returned  peak at");
    }
    println!();
    for (index, day) in first.1.daily.iter().enumerate() {
        let weekday = weekdays
            .get(usize::from(day.weekday))
            .copied()
            .unwrap_or("?");
        print!(
            "{:>2} Nov {weekday}  {:>7} |  {:>8}  {:>9}  {:>8}  {:>4} {:02}h  ",
            day.day + 1,
            day.arrivals,
            day.overflow,
            day.collected,
            day.returned,
            day.peak_occupied,
            day.peak_hour
        );
        if let Some(other) = second.and_then(|(_, r)| r.daily.get(index)) {
            print!(
                "|  {:>8}  {:>8}  {:>4} {:02}h",
                other.overflow, other.returned, other.peak_occupied, other.peak_hour
            );
        }
        println!();
    }
}

fn print_summary(first: &(String, &SimResult), second: Option<&(String, &SimResult)>) {
    for (name, result) in std::iter::once(first).chain(second) {
        println!("\n== {name} ==");
        let percent = |part: u64| 100.0 * part as f64 / result.arrivals.max(1) as f64;
        println!(
            "parcels {}: stored {}, overflow {} ({:.1} %): every fitting door taken {} ({:.1} %), fits no door {} ({:.1} %)",
            result.arrivals,
            result.placed,
            result.overflow,
            percent(result.overflow),
            result.overflow_full,
            percent(result.overflow_full),
            result.overflow_nothing_fits,
            percent(result.overflow_nothing_fits),
        );
        let carriers: Vec<String> = result
            .carriers
            .iter()
            .map(|c| format!("{} {} of {}", c.name, c.overflow, c.arrivals))
            .collect();
        println!("overflow by carrier: {}", carriers.join(", "));
        println!(
            "collected {}, returned to the carrier {}, consolidated beside the resident's parcels {}, extensions {}, holds {}",
            result.picked_up, result.expired, result.consolidated, result.extensions, result.holds
        );
        let peak_day = (result.peak_at_h / 24.0).floor();
        println!(
            "peak occupancy {} of {} doors, on {} November at {:02.0}h",
            result.peak_occupancy,
            result.doors,
            peak_day + 1.0,
            (result.peak_at_h - peak_day * 24.0).floor()
        );
        println!(
            "dwell (collected and returned), hours: median {:.1}, p90 {:.1}, p95 {:.1}, max {:.1}",
            result.dwell.median_h, result.dwell.p90_h, result.dwell.p95_h, result.dwell.max_h
        );
        let classes: Vec<String> = result
            .classes
            .iter()
            .map(|c| {
                format!(
                    "{} {:.0} % ({} doors)",
                    c.size_class,
                    c.utilization * 100.0,
                    c.doors
                )
            })
            .collect();
        println!("utilization by size class: {}", classes.join(", "));
        println!("doors occupied through the day (mean over the month):");
        println!("  {}", rhythm(&result.occupancy_by_hour, result.doors));
    }
}

/// Mean occupied doors by hour of day as one line of bars.
fn rhythm(by_hour: &[f64], doors: u32) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let bars: String = by_hour
        .iter()
        .map(|&occupied| {
            let share = occupied / f64::from(doors.max(1));
            // Eighths of the bank, 0 to 7.
            let level = (1..8_u8)
                .filter(|&step| share * 8.0 >= f64::from(step))
                .count();
            BARS[level]
        })
        .collect();
    let (low_hour, low) = min_by(by_hour, |a, b| a < b);
    let (high_hour, high) = min_by(by_hour, |a, b| a > b);
    format!(
        "0h {bars} 23h   lowest {low:.0} at {low_hour:02}h, highest {high:.0} at {high_hour:02}h"
    )
}

fn min_by(values: &[f64], better: impl Fn(f64, f64) -> bool) -> (usize, f64) {
    values
        .iter()
        .copied()
        .enumerate()
        .fold((0, f64::NAN), |(bi, bv), (i, v)| {
            if bv.is_nan() || better(v, bv) {
                (i, v)
            } else {
                (bi, bv)
            }
        })
}

fn print_verdict(default: &SimResult, recommended: Option<&(u32, SimResult)>) {
    println!();
    match recommended {
        Some((doors, result)) if default.full_overflow_rate() > result.full_overflow_rate() => {
            println!(
                "The default bank ({} doors) is too small for this building: {:.1} % of parcels found every fitting door taken. The bank sized for {:.0} % of a year's parcels, {doors} doors, brings that to {:.1} % in this, the busiest month.",
                default.doors,
                100.0 * default.full_overflow_rate(),
                100.0 * COVERAGES[RECOMMENDED],
                100.0 * result.full_overflow_rate()
            );
        }
        Some((doors, _)) => println!(
            "The default bank ({} doors) does as well as the recommended {doors}.",
            default.doors
        ),
        None => println!(
            "{:.1} % of parcels found every fitting door taken on the default bank.",
            100.0 * default.full_overflow_rate()
        ),
    }
}

/// The journal verifies with the locker's keys and replays to its state.
fn journal_sound(locker: &SimLocker) -> bool {
    let records = locker.journal().records();
    verify(records, &Trust::with_keys(locker.keys())).is_ok()
        && replay(records).is_ok_and(|state| &state == locker.state())
}

/// One more parcel after the month, to show the QR code its resident gets.
fn one_more_parcel(locker: &mut SimLocker) -> Result<String, Box<dyn Error>> {
    let carrier = CarrierId(1);
    let code = locker.issue_courier_code(carrier, 3_600)?;
    let session = locker.courier_sign_in(KioskId(1), code.expose())?;
    let parcel = Parcel::new(ParcelId(u64::MAX / 2), Dimensions::new(300, 200, 60), 900);
    let DropOff::Opened { compartment, .. } =
        locker.deposit(&session, Request::new(parcel, RecipientId(1)))?
    else {
        return Ok(String::from(
            "\n(no free door for one more parcel: no QR code to show)",
        ));
    };
    let hardware = locker.hardware_mut();
    hardware.open_door(compartment)?;
    hardware.put_parcel(compartment)?;
    hardware.close_door(compartment)?;
    locker.door_closed(compartment)?;
    for event in locker.take_events() {
        if let Event::ParcelReady { qr_token, .. } = event {
            let matrix = qr_token.to_qr(&QrOptions::default())?;
            return Ok(format!(
                "\nThe QR code a resident is sent for door #{} (version {}, {} characters):\n\n{}",
                compartment.0,
                matrix.version(),
                qr_token.expose().len(),
                matrix.to_terminal_text(true)
            ));
        }
    }
    Err("the locker announced no parcel".into())
}
