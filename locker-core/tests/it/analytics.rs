//! Journal analytics over random lives of a locker: whatever happens, the
//! statistics balance (every parcel offered is stored or overflowed, every
//! parcel stored is collected, returned, missing or still inside, as
//! replay leaves them), and a long simulated journal is read fast.
#![allow(
    clippy::unwrap_used,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core,
    clippy::cast_possible_truncation
)]

use crate::common;

use std::collections::BTreeMap;

use locker_core::allocate::Request;
use locker_core::analytics::{
    JournalStats, StatsOptions, StayOutcome, journal_stats, parcel_stays,
};
use locker_core::credential::{CarrierId, KioskId, PinSecret, TokenSecret};
use locker_core::hardware::sim::Repeat;
use locker_core::hardware::{HardwareErrorKind, Operation, SimulatedHardware};
use locker_core::journal::{MemoryJournal, Record};
use locker_core::locker::{
    CourierSession, DAY_S, DropOff, Entry, Event, HOUR_S, Locker, LockerConfig, ParcelPlace, replay,
};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};
use proptest::prelude::*;

const T0: u64 = 1_700_000_000;
const KIOSK: KioskId = KioskId(1);

/// Something that happens at the locker.
#[derive(Clone, Debug)]
enum Op {
    /// A courier brings a parcel (size 0 small, 1 medium, 2 too large for
    /// any door) for a recipient; `how` says how the drop-off ends:
    /// 0 and 1 stored, 2 called off, 3 interrupted and found inside,
    /// 4 interrupted and found empty.
    Bring { size: u8, recipient: u64, how: u8 },
    /// A resident collects door `pick` of those ready; `how`: 0 and 1
    /// plainly, 2 by QR, 3 interrupted and found empty, 4 then reported
    /// missing.
    Collect { pick: usize, how: u8 },
    /// A carrier collects a return.
    Return { pick: usize },
    /// Hours pass (the locker ticking hourly).
    Wait { hours: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3_u8, 0..6_u64, 0..5_u8).prop_map(|(size, recipient, how)| Op::Bring { size, recipient, how }),
        3 => (any::<usize>(), 0..5_u8).prop_map(|(pick, how)| Op::Collect { pick, how }),
        1 => any::<usize>().prop_map(|pick| Op::Return { pick }),
        2 => (0..60_u64).prop_map(|hours| Op::Wait { hours }),
    ]
}

struct Life {
    locker: Locker<SimulatedHardware, MemoryJournal<Entry>>,
    courier: CourierSession,
    next_parcel: u64,
    ready: BTreeMap<CompartmentId, (RecipientId, PinSecret, TokenSecret)>,
    returns: BTreeMap<CompartmentId, TokenSecret>,
}

impl Life {
    fn new(per_kind: usize, seed: u64) -> Self {
        let config: LockerConfig = common::small_config(per_kind);
        let doors: Vec<CompartmentId> = config.bank.compartments.iter().map(|c| c.id).collect();
        let hardware = SimulatedHardware::new(doors, seed).with_now_s(T0);
        let mut locker = Locker::new(config, hardware, MemoryJournal::new()).unwrap();
        let code = locker
            .issue_courier_code(CarrierId(3), 3_650 * DAY_S)
            .unwrap();
        let courier = locker.courier_sign_in(KIOSK, code.expose()).unwrap();
        Self {
            locker,
            courier,
            next_parcel: 1,
            ready: BTreeMap::new(),
            returns: BTreeMap::new(),
        }
    }

    fn hw(&mut self) -> &mut SimulatedHardware {
        self.locker.hardware_mut()
    }

    fn events(&mut self) {
        for event in self.locker.take_events() {
            match event {
                Event::ParcelReady {
                    recipient,
                    compartment,
                    pin,
                    qr_token,
                    ..
                } => {
                    self.ready.insert(compartment, (recipient, pin, qr_token));
                }
                Event::ReturnReady {
                    compartment,
                    qr_token,
                    ..
                } => {
                    self.ready.remove(&compartment);
                    self.returns.insert(compartment, qr_token);
                }
                _ => {}
            }
        }
    }

    /// The door closes with the sensor failing: staff must look.
    fn interrupt(&mut self, door: CompartmentId) {
        self.hw().fail_calls(
            Operation::Occupancy,
            HardwareErrorKind::SensorFault,
            Repeat::Once,
        );
        self.locker.door_closed(door).unwrap();
    }

    fn run(&mut self, op: &Op) {
        match *op {
            Op::Bring {
                size,
                recipient,
                how,
            } => self.bring(size, recipient, how),
            Op::Collect { pick, how } => self.collect(pick, how),
            Op::Return { pick } => {
                let Some((&door, token)) =
                    self.returns.iter().nth(pick % self.returns.len().max(1))
                else {
                    return;
                };
                let token = token.expose().to_owned();
                if let Ok(doors) = self.locker.pickup_qr(KIOSK, &token) {
                    self.returns.remove(&door);
                    self.empty(&doors);
                }
            }
            Op::Wait { hours } => {
                for _ in 0..hours {
                    self.hw().advance_s(HOUR_S);
                    self.locker.tick().unwrap();
                }
            }
        }
        self.events();
    }

    fn bring(&mut self, size: u8, recipient: u64, how: u8) {
        let id = ParcelId(self.next_parcel);
        self.next_parcel += 1;
        let dimensions = match size {
            0 => Dimensions::new(300, 200, 50),
            1 => Dimensions::new(400, 350, 250),
            _ => Dimensions::new(2_000, 300, 300),
        };
        let courier = self.courier.clone();
        let request = Request::new(
            Parcel::new(id, dimensions, 900),
            RecipientId(10 + recipient),
        );
        let Ok(DropOff::Opened { compartment, .. }) = self.locker.deposit(&courier, request) else {
            return;
        };
        match how {
            2 => self.locker.cancel_deposit(compartment).unwrap(),
            3 | 4 => {
                self.hw().open_door(compartment).unwrap();
                if how == 3 {
                    self.hw().put_parcel(compartment).unwrap();
                }
                self.hw().close_door(compartment).unwrap();
                self.interrupt(compartment);
                self.locker.inspect(compartment, how == 3).unwrap();
            }
            _ => {
                self.hw().open_door(compartment).unwrap();
                self.hw().put_parcel(compartment).unwrap();
                self.hw().close_door(compartment).unwrap();
                self.locker.door_closed(compartment).unwrap();
            }
        }
    }

    fn collect(&mut self, pick: usize, how: u8) {
        let Some((&door, (recipient, pin, token))) =
            self.ready.iter().nth(pick % self.ready.len().max(1))
        else {
            return;
        };
        let opened = if how == 2 {
            let token = token.expose().to_owned();
            self.locker.pickup_qr(KIOSK, &token)
        } else {
            let (recipient, pin) = (*recipient, pin.expose().to_owned());
            self.locker.pickup_pin(KIOSK, Some(recipient), &pin)
        };
        let Ok(doors) = opened else {
            // Spent by an earlier pickup of all the recipient's doors.
            self.ready.remove(&door);
            return;
        };
        for &opened in &doors {
            self.ready.remove(&opened);
        }
        if how == 3 {
            for &opened in &doors {
                self.hw().open_door(opened).unwrap();
                while self.hw().parcel_count(opened).unwrap() > 0 {
                    self.hw().take_parcel(opened).unwrap();
                }
                self.hw().close_door(opened).unwrap();
                self.interrupt(opened);
                self.locker.inspect(opened, false).unwrap();
            }
            return;
        }
        self.empty(&doors);
        if how == 4 {
            self.locker.report_missing(door).unwrap();
        }
    }

    fn empty(&mut self, doors: &[CompartmentId]) {
        for &door in doors {
            self.hw().open_door(door).unwrap();
            while self.hw().parcel_count(door).unwrap() > 0 {
                self.hw().take_parcel(door).unwrap();
            }
            self.hw().close_door(door).unwrap();
            self.locker.door_closed(door).unwrap();
        }
    }

    fn records(&self) -> &[Record<Entry>] {
        self.locker.journal().records()
    }
}

/// What replay says: parcels inside, collected, returned, missing.
fn places(records: &[Record<Entry>]) -> (u64, u64, u64, u64) {
    let state = replay(records).unwrap();
    let mut counts = (0, 0, 0, 0);
    for door in state.bank().compartments() {
        counts.0 += door.contents().map_or(0, |c| c.parcels.len() as u64);
    }
    for place in state.parcels().values() {
        match place {
            ParcelPlace::Collected => counts.1 += 1,
            ParcelPlace::Returned => counts.2 += 1,
            ParcelPlace::Missing => counts.3 += 1,
            ParcelPlace::Compartment(_) | ParcelPlace::WithCourier => {}
        }
    }
    counts
}

fn check(stats: &JournalStats) -> Result<(), TestCaseError> {
    let t = &stats.totals;
    prop_assert_eq!(t.parcels_offered, t.parcels_stored + t.parcels_overflowed);
    prop_assert_eq!(
        t.parcels_in_bank_at_start + t.parcels_stored,
        t.parcels_collected + t.parcels_returned + t.parcels_missing + t.parcels_in_bank_at_end
    );
    prop_assert_eq!(stats.dwell.collected.count, t.parcels_collected);
    prop_assert_eq!(stats.dwell.returned.count, t.parcels_returned);
    prop_assert_eq!(
        stats.dwell.all.count,
        t.parcels_collected + t.parcels_returned
    );
    let peak = stats.occupancy.peak_occupied_doors as f64;
    for mean in stats.occupancy.mean_occupied_doors_by_hour {
        prop_assert!(
            mean <= peak + 1e-9,
            "hourly mean {} above peak {}",
            mean,
            peak
        );
    }
    prop_assert!(stats.occupancy.mean_occupied_doors <= peak + 1e-9);
    let u = &stats.utilization;
    for fraction in u
        .by_size_class
        .iter()
        .map(|c| c.occupied_fraction)
        .chain(u.by_zone.iter().map(|z| z.occupied_fraction))
        .chain([u.all])
    {
        prop_assert!((0.0..=1.0).contains(&fraction));
    }
    for day in &stats.days {
        prop_assert!(day.peak_occupied_doors <= stats.occupancy.peak_occupied_doors);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn statistics_balance_over_random_lives(
        ops in prop::collection::vec(op(), 1..60),
        seed in 0..1_000_u64,
        offset_h in -12..=14_i32,
        window in prop::option::of((0..200_u64, 1..200_u64)),
    ) {
        let mut life = Life::new(1, seed);
        for op in &ops {
            life.run(op);
        }
        let records = life.records();
        let stats = journal_stats(records, &StatsOptions::with_utc_offset_s(offset_h * 3_600)).unwrap();
        check(&stats)?;
        // Whole journal: the counts are where replay leaves the parcels
        // (collected and returned as replay keeps them until pruned).
        let (inside, collected, returned, missing) = places(records);
        prop_assert_eq!(stats.totals.parcels_in_bank_at_end, inside);
        prop_assert_eq!(stats.totals.parcels_in_bank_at_start, 0);
        let pruned = records.iter().any(|r| matches!(r.entry, Entry::Pruned));
        if !pruned {
            prop_assert_eq!(stats.totals.parcels_collected, collected);
            prop_assert_eq!(stats.totals.parcels_returned, returned);
        }
        prop_assert_eq!(stats.totals.parcels_missing, missing);
        // The stays, parcel by parcel, add up to the totals.
        let stays = parcel_stays(records, &StatsOptions::default()).unwrap();
        let count = |outcome| stays.iter().filter(|s| s.outcome == outcome).count() as u64;
        prop_assert_eq!(stays.len() as u64, stats.totals.parcels_stored);
        prop_assert_eq!(count(StayOutcome::Collected), stats.totals.parcels_collected);
        prop_assert_eq!(count(StayOutcome::Returned), stats.totals.parcels_returned);
        prop_assert_eq!(count(StayOutcome::Missing), stats.totals.parcels_missing);
        prop_assert_eq!(count(StayOutcome::InBank), stats.totals.parcels_in_bank_at_end);
        if let Some((from_h, length_h)) = window {
            let options = StatsOptions {
                utc_offset_s: offset_h * 3_600,
                from_s: Some(T0 + from_h * HOUR_S),
                until_s: Some(T0 + (from_h + length_h) * HOUR_S),
            };
            check(&journal_stats(records, &options).unwrap())?;
        }
    }
}

/// A long simulated journal, read in release builds at more than a
/// million records a second (measured, not asserted: machines differ).
#[test]
fn a_long_journal_is_read_fast() {
    let mut life = Life::new(3, 11);
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let target: usize = std::env::var("LOCKER_ANALYTICS_RECORDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000);
    while life.records().len() < target {
        let r = next();
        let op = match r % 10 {
            0..=3 => Op::Bring {
                size: u8::from(r % 97 == 0) * 2,
                recipient: (r >> 8) % 40,
                how: 0,
            },
            4..=7 => Op::Collect {
                pick: (r >> 8) as usize,
                how: 0,
            },
            8 => Op::Return {
                pick: (r >> 8) as usize,
            },
            _ => Op::Wait {
                hours: (r >> 8) % 3,
            },
        };
        life.run(&op);
    }
    let records = life.records();
    let started = std::time::Instant::now();
    let stats = journal_stats(records, &StatsOptions::default()).unwrap();
    let elapsed = started.elapsed();
    check(&stats).unwrap();
    let per_s = records.len() as f64 / elapsed.as_secs_f64();
    println!(
        "{} records, {} parcels stored, {} days: {:.1} ms, {:.2} M records/s",
        records.len(),
        stats.totals.parcels_stored,
        stats.days.len(),
        elapsed.as_secs_f64() * 1e3,
        per_s / 1e6
    );
    let replay_started = std::time::Instant::now();
    replay(records).unwrap();
    println!(
        "replay alone: {:.1} ms",
        replay_started.elapsed().as_secs_f64() * 1e3
    );
}
