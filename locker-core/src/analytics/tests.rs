//! Journals written by a real locker over simulated hardware, read back.

use alloc::vec::Vec;

use super::*;
use crate::allocate::{OverflowReason, Request};
use crate::credential::{CarrierId, KioskId, PinSecret, TokenSecret};
use crate::hardware::sim::Repeat;
use crate::hardware::{HardwareErrorKind, Operation, SimulatedHardware};
use crate::ids::CompartmentId;
use crate::journal::MemoryJournal;
use crate::locker::{
    CourierSession, DAY_S, DropOff, Event, HOUR_S, Locker, LockerConfig, ParcelPlace, replay,
};
use crate::{Dimensions, Parcel, ParcelId, RecipientId};

/// 2023-11-14 08:00 UTC.
const T0: u64 = 1_699_920_000 + 8 * HOUR_S;
const KIOSK: KioskId = KioskId(1);

struct Rig {
    locker: Locker<SimulatedHardware, MemoryJournal<Entry>>,
    courier: CourierSession,
}

fn parcel(id: u64) -> Parcel {
    Parcel::new(ParcelId(id), Dimensions::new(300, 200, 50), 800)
}

impl Rig {
    fn new() -> Self {
        let config = LockerConfig::default();
        let doors: Vec<CompartmentId> = config.bank.compartments.iter().map(|c| c.id).collect();
        let hardware = SimulatedHardware::new(doors, 42).with_now_s(T0);
        let mut locker = Locker::new(config, hardware, MemoryJournal::new()).unwrap();
        let code = locker.issue_courier_code(CarrierId(7), 30 * DAY_S).unwrap();
        let courier = locker.courier_sign_in(KIOSK, code.expose()).unwrap();
        Self { locker, courier }
    }

    fn hw(&mut self) -> &mut SimulatedHardware {
        self.locker.hardware_mut()
    }

    /// Time passes, the locker reading its clock hourly.
    fn advance(&mut self, by_s: u64) {
        let mut left_s = by_s;
        while left_s > 0 {
            let step_s = left_s.min(HOUR_S);
            self.hw().advance_s(step_s);
            self.locker.observe_clock().unwrap();
            left_s -= step_s;
        }
    }

    fn open_for(&mut self, parcel: Parcel, recipient: u64) -> CompartmentId {
        let courier = self.courier.clone();
        match self
            .locker
            .deposit(&courier, Request::new(parcel, RecipientId(recipient)))
            .unwrap()
        {
            DropOff::Opened { compartment, .. } => compartment,
            DropOff::Overflow(overflow) => panic!("overflow: {overflow}"),
        }
    }

    fn drop_off(
        &mut self,
        parcel: Parcel,
        recipient: u64,
    ) -> (CompartmentId, PinSecret, TokenSecret) {
        let door = self.open_for(parcel, recipient);
        self.hw().open_door(door).unwrap();
        self.hw().put_parcel(door).unwrap();
        self.hw().close_door(door).unwrap();
        self.locker.door_closed(door).unwrap();
        self.ready().unwrap()
    }

    fn ready(&mut self) -> Option<(CompartmentId, PinSecret, TokenSecret)> {
        self.locker
            .take_events()
            .into_iter()
            .find_map(|event| match event {
                Event::ParcelReady {
                    compartment,
                    pin,
                    qr_token,
                    ..
                } => Some((compartment, pin, qr_token)),
                _ => None,
            })
    }

    /// The doors opened are emptied and closed.
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

    fn pin(&mut self, recipient: u64, pin: &PinSecret) {
        let doors = self
            .locker
            .pickup_pin(KIOSK, Some(RecipientId(recipient)), pin.expose())
            .unwrap();
        self.empty(&doors);
    }

    fn records(&self) -> &[crate::journal::Record<Entry>] {
        self.locker.journal().records()
    }

    fn stats(&self) -> JournalStats {
        let stats = journal_stats(self.records(), &StatsOptions::default()).unwrap();
        check_balances(&stats);
        // What is left in the doors is what replay leaves there.
        let state = replay(self.records()).unwrap();
        let inside: usize = state
            .bank()
            .compartments()
            .iter()
            .filter_map(|c| c.contents())
            .map(|c| c.parcels.len())
            .sum();
        assert_eq!(stats.totals.parcels_in_bank_at_end, inside as u64);
        assert_eq!(
            stats.occupancy.doors,
            state.bank().compartments().len() as u64
        );
        stats
    }
}

/// The invariants every statistics must keep.
pub(crate) fn check_balances(stats: &JournalStats) {
    let t = &stats.totals;
    assert_eq!(t.parcels_offered, t.parcels_stored + t.parcels_overflowed);
    assert_eq!(
        t.parcels_in_bank_at_start + t.parcels_stored,
        t.parcels_collected + t.parcels_returned + t.parcels_missing + t.parcels_in_bank_at_end
    );
    assert_eq!(stats.dwell.collected.count, t.parcels_collected);
    assert_eq!(stats.dwell.returned.count, t.parcels_returned);
    assert_eq!(
        stats.dwell.all.count,
        t.parcels_collected + t.parcels_returned
    );
    for summary in [
        &stats.dwell.collected,
        &stats.dwell.returned,
        &stats.dwell.all,
    ] {
        assert_eq!(summary.histogram.iter().sum::<u64>(), summary.count);
        assert!(summary.median_h <= summary.p90_h && summary.p90_h <= summary.p95_h);
        assert!(summary.p95_h <= summary.max_h);
    }
    let peak = stats.occupancy.peak_occupied_doors as f64;
    for mean in stats.occupancy.mean_occupied_doors_by_hour {
        assert!(mean <= peak + 1e-9, "{mean} > {peak}");
    }
    assert!(stats.occupancy.mean_occupied_doors <= peak + 1e-9);
    let u = &stats.utilization;
    for fraction in u
        .by_size_class
        .iter()
        .map(|c| c.occupied_fraction)
        .chain(u.by_zone.iter().map(|z| z.occupied_fraction))
        .chain([u.all])
    {
        assert!((0.0..=1.0).contains(&fraction), "{fraction}");
    }
    assert_eq!(
        u.by_size_class.iter().map(|c| c.doors).sum::<u64>(),
        stats.occupancy.doors
    );
    assert_eq!(
        u.by_zone.iter().map(|z| z.doors).sum::<u64>(),
        stats.occupancy.doors
    );
    assert_eq!(stats.overflow.total, t.parcels_overflowed);
    assert_eq!(
        stats.overflow.by_hour_of_day.iter().sum::<u64>(),
        t.parcels_overflowed
    );
    assert_eq!(
        stats
            .overflow
            .by_carrier
            .iter()
            .map(|c| c.count)
            .sum::<u64>(),
        t.parcels_overflowed
    );
    let p = &stats.pickups;
    assert_eq!(p.pickups_by_hour_of_day.iter().sum::<u64>(), p.pickups);
    assert_eq!(p.returns_by_hour_of_day.iter().sum::<u64>(), p.returns);
    let c = p.pickups_by_channel;
    assert_eq!(c.pin + c.qr + c.rfid + c.courier + c.remote, p.pickups);
    assert_eq!(
        stats.days.iter().map(|d| d.stored).sum::<u64>(),
        t.parcels_stored
    );
    assert_eq!(
        stats.days.iter().map(|d| d.overflowed).sum::<u64>(),
        t.parcels_overflowed
    );
    assert_eq!(stats.days.iter().map(|d| d.pickups).sum::<u64>(), p.pickups);
    for day in &stats.days {
        assert!(day.peak_occupied_doors <= stats.occupancy.peak_occupied_doors);
    }
}

#[test]
fn three_deliveries_two_collected() {
    let mut rig = Rig::new();
    let (a, pin_a, _) = rig.drop_off(parcel(1), 11);
    let (_, _, qr_b) = rig.drop_off(parcel(2), 12);
    rig.drop_off(parcel(3), 13);
    rig.advance(2 * HOUR_S);
    rig.pin(11, &pin_a);
    rig.advance(3 * HOUR_S);
    let doors = rig.locker.pickup_qr(KIOSK, qr_b.expose()).unwrap();
    rig.empty(&doors);
    let stats = rig.stats();
    let t = &stats.totals;
    assert_eq!(
        (
            t.parcels_offered,
            t.parcels_stored,
            t.parcels_collected,
            t.parcels_in_bank_at_end
        ),
        (3, 3, 2, 1)
    );
    assert_eq!(
        (t.parcels_returned, t.parcels_missing, t.parcels_overflowed),
        (0, 0, 0)
    );
    assert_eq!((t.deposits_opened, t.parcels_consolidated), (3, 0));
    assert_eq!(stats.dwell.collected.count, 2);
    assert!((stats.dwell.collected.max_h - 5.0).abs() < 1e-9);
    assert!((stats.dwell.collected.median_h - 2.0).abs() < 1e-9);
    assert!((stats.dwell.collected.mean_h - 3.5).abs() < 1e-9);
    // 2 h lands in [2, 4), 5 h in [4, 8).
    assert_eq!(stats.dwell.collected.histogram[2..4], [1, 1]);
    assert_eq!(stats.pickups.pickups, 2);
    assert_eq!(stats.pickups.pickups_by_channel.pin, 1);
    assert_eq!(stats.pickups.pickups_by_channel.qr, 1);
    assert_eq!(stats.pickups.pickups_by_hour_of_day[10], 1);
    assert_eq!(stats.pickups.pickups_by_hour_of_day[13], 1);
    assert_eq!(stats.occupancy.peak_occupied_doors, 3);
    assert_eq!(stats.occupancy.peak_at_s, T0);
    // Three doors from 08:00 to 10:00, two to 13:00, one after.
    let by_hour = stats.occupancy.mean_occupied_doors_by_hour;
    assert!((by_hour[8] - 3.0).abs() < 1e-9 && (by_hour[9] - 3.0).abs() < 1e-9);
    assert!((by_hour[11] - 2.0).abs() < 1e-9);
    assert!((by_hour[12] - 2.0).abs() < 1e-9);
    assert_eq!(stats.occupancy.observed_s_by_hour[12], HOUR_S);
    assert_eq!(stats.occupancy.observed_s_by_hour[14], 0);
    assert!((stats.occupancy.mean_occupied_doors - 12.0 / 5.0).abs() < 1e-9);
    assert_eq!(stats.days.len(), 1);
    assert_eq!(stats.days[0].start_s, T0 - 8 * HOUR_S);
    assert_eq!((stats.days[0].stored, stats.days[0].pickups), (3, 2));
    assert_eq!(stats.days[0].peak_occupied_doors, 3);
    let doors = stats.occupancy.doors as f64;
    assert!((stats.utilization.all - 12.0 / 5.0 / doors).abs() < 1e-9);
    let stays = parcel_stays(rig.records(), &StatsOptions::default()).unwrap();
    let outcomes: Vec<_> = stays
        .iter()
        .map(|s| (s.parcel.0, s.outcome, s.stay_s))
        .collect();
    assert_eq!(
        outcomes,
        [
            (1, StayOutcome::Collected, Some(2 * HOUR_S)),
            (2, StayOutcome::Collected, Some(5 * HOUR_S)),
            (3, StayOutcome::InBank, None),
        ]
    );
    assert_eq!(
        (stays[0].compartment, stays[0].recipient),
        (a, RecipientId(11))
    );
    assert_eq!(stays[0].carrier, CarrierId(7));
    assert!(!stays[0].size_class.is_empty());
    assert_eq!(stays[0].left_at_s, Some(T0 + 2 * HOUR_S));
}

#[test]
fn hours_of_day_follow_the_utc_offset() {
    let mut rig = Rig::new();
    let (_, pin, _) = rig.drop_off(parcel(1), 11);
    rig.advance(2 * HOUR_S);
    rig.pin(11, &pin);
    let options = StatsOptions::with_utc_offset_s(-5 * 3_600);
    let stats = journal_stats(rig.records(), &options).unwrap();
    check_balances(&stats);
    assert_eq!(stats.pickups.pickups_by_hour_of_day[5], 1);
    assert_eq!(stats.utc_offset_s, -18_000);
    let far = StatsOptions::with_utc_offset_s(15 * 3_600);
    let error = journal_stats(rig.records(), &far).unwrap_err();
    assert_eq!(error.code(), "invalid_argument");
    assert!(matches!(
        error,
        AnalyticsError::InvalidOption {
            field: "utc_offset_s",
            ..
        }
    ));
    assert!(journal_stats(rig.records(), &StatsOptions::with_utc_offset_s(14 * 3_600)).is_ok());
}

#[test]
fn overflow_is_counted_by_reason_hour_and_carrier() {
    let mut rig = Rig::new();
    let huge = Parcel::new(ParcelId(9), Dimensions::new(2_000, 300, 300), 5_000);
    let courier = rig.courier.clone();
    let drop = rig
        .locker
        .deposit(&courier, Request::new(huge, RecipientId(12)))
        .unwrap();
    assert!(matches!(drop, DropOff::Overflow(_)));
    rig.advance(HOUR_S);
    rig.locker
        .deposit(&courier, Request::new(huge, RecipientId(12)))
        .unwrap();
    let door = rig.open_for(parcel(1), 12);
    rig.locker.cancel_deposit(door).unwrap();
    let stats = rig.stats();
    assert_eq!(stats.totals.parcels_overflowed, 2);
    assert_eq!(stats.totals.parcels_offered, 2);
    assert_eq!(stats.overflow.by_reason.nothing_fits, 2);
    assert_eq!(stats.overflow.by_hour_of_day[8], 1);
    assert_eq!(stats.overflow.by_hour_of_day[9], 1);
    assert_eq!(
        stats.overflow.by_carrier,
        [CarrierCount {
            carrier: CarrierId(7),
            count: 2
        }]
    );
    assert!((stats.overflow.rate - 1.0).abs() < 1e-9);
    assert_eq!(stats.totals.deposits_opened, 1);
    assert_eq!(
        stats.totals.deposits_aborted,
        [AbortCount {
            reason: crate::locker::AbortReason::Cancelled,
            count: 1
        }]
    );
    assert_eq!(stats.days[0].overflowed, 2);
    let _ = OverflowReason::Full;
}

#[test]
fn an_expired_delivery_goes_back_to_the_carrier() {
    let mut rig = Rig::new();
    let (door, _, _) = rig.drop_off(parcel(1), 12);
    let dwell_s = rig.locker.state().policy().dwell_s;
    rig.advance(dwell_s);
    rig.locker.tick().unwrap();
    let token = rig
        .locker
        .take_events()
        .into_iter()
        .find_map(|e| match e {
            Event::ReturnReady { qr_token, .. } => Some(qr_token),
            _ => None,
        })
        .unwrap();
    rig.advance(HOUR_S);
    let doors = rig.locker.pickup_qr(KIOSK, token.expose()).unwrap();
    assert_eq!(doors, [door]);
    rig.empty(&doors);
    let stats = rig.stats();
    assert_eq!(stats.totals.deliveries_expired, 1);
    assert_eq!(
        (
            stats.totals.parcels_returned,
            stats.totals.parcels_collected
        ),
        (1, 0)
    );
    assert_eq!((stats.pickups.returns, stats.pickups.pickups), (1, 0));
    assert_eq!(stats.dwell.returned.count, 1);
    let expected_h = (dwell_s + HOUR_S) as f64 / 3_600.0;
    assert!((stats.dwell.returned.max_h - expected_h).abs() < 1e-9);
    assert_eq!(stats.dwell.all, stats.dwell.returned);
    assert!(stats.days.len() > 1);
    // Every day of the stay held the door.
    assert!(stats.days.iter().all(|d| d.peak_occupied_doors == 1));
    let stays = parcel_stays(rig.records(), &StatsOptions::default()).unwrap();
    assert_eq!(stays[0].outcome, StayOutcome::Returned);
}

#[test]
fn a_second_parcel_for_the_same_recipient_is_consolidated() {
    let mut rig = Rig::new();
    let (first, _, _) = rig.drop_off(parcel(1), 12);
    let (second, pin, _) = rig.drop_off(parcel(2), 12);
    assert_eq!(first, second);
    rig.advance(HOUR_S);
    rig.pin(12, &pin);
    let stats = rig.stats();
    assert_eq!(stats.totals.parcels_stored, 2);
    assert_eq!(stats.totals.parcels_consolidated, 1);
    assert!((stats.totals.consolidation_rate - 0.5).abs() < 1e-9);
    assert_eq!(stats.totals.parcels_collected, 2);
    assert_eq!(stats.pickups.pickups, 1);
    assert_eq!(stats.occupancy.peak_occupied_doors, 1);
}

#[test]
fn parcels_reported_missing_are_not_collected() {
    let mut rig = Rig::new();
    let (door, pin, _) = rig.drop_off(parcel(1), 12);
    rig.advance(HOUR_S);
    rig.pin(12, &pin);
    rig.locker.report_missing(door).unwrap();
    let stats = rig.stats();
    assert_eq!(stats.totals.parcels_missing, 1);
    assert_eq!(stats.totals.parcels_collected, 0);
    assert_eq!(stats.dwell.all.count, 0);
    // The door was still emptied by its resident.
    assert_eq!(stats.pickups.pickups, 1);
    let state = replay(rig.records()).unwrap();
    assert_eq!(state.parcels()[&ParcelId(1)], ParcelPlace::Missing);
    let stays = parcel_stays(rig.records(), &StatsOptions::default()).unwrap();
    assert_eq!(stays[0].outcome, StayOutcome::Missing);
}

/// The sensor fails as the door closes: the outcome is unknown, and the
/// door waits for staff.
fn interrupt(rig: &mut Rig, door: CompartmentId) {
    rig.hw().fail_calls(
        Operation::Occupancy,
        HardwareErrorKind::SensorFault,
        Repeat::Once,
    );
    rig.locker.door_closed(door).unwrap();
    assert!(rig.locker.state().interrupted().contains_key(&door));
}

/// Issue 19: an interrupted pickup staff find empty is a collection (the
/// old Python analytics counted it missing).
#[test]
fn an_interrupted_pickup_found_empty_is_collected() {
    let mut rig = Rig::new();
    let (door, pin, _) = rig.drop_off(parcel(1), 12);
    rig.advance(HOUR_S);
    let doors = rig
        .locker
        .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose())
        .unwrap();
    assert_eq!(doors, [door]);
    rig.hw().open_door(door).unwrap();
    rig.hw().take_parcel(door).unwrap();
    rig.hw().close_door(door).unwrap();
    interrupt(&mut rig, door);
    rig.advance(HOUR_S);
    rig.locker.inspect(door, false).unwrap();
    let state = replay(rig.records()).unwrap();
    assert_eq!(state.parcels()[&ParcelId(1)], ParcelPlace::Collected);
    let stats = rig.stats();
    assert_eq!(stats.totals.parcels_collected, 1);
    assert_eq!(stats.totals.parcels_missing, 0);
    assert_eq!(stats.pickups.pickups, 1);
    assert_eq!(stats.pickups.pickups_by_channel.pin, 1);
    // Collected when staff found the door empty, two hours after it went in.
    assert!((stats.dwell.collected.max_h - 2.0).abs() < 1e-9);
}

/// Issue 19: an interrupted drop-off staff find inside is a parcel stored
/// (the old Python analytics never counted it).
#[test]
fn an_interrupted_drop_off_found_inside_is_stored() {
    let mut rig = Rig::new();
    let door = rig.open_for(parcel(1), 12);
    rig.hw().open_door(door).unwrap();
    rig.hw().put_parcel(door).unwrap();
    rig.hw().close_door(door).unwrap();
    interrupt(&mut rig, door);
    rig.advance(HOUR_S);
    rig.locker.inspect(door, true).unwrap();
    let (_, pin, _) = rig.ready().unwrap();
    // And one found empty: the parcel stayed with the courier.
    let other = rig.open_for(parcel(2), 13);
    rig.hw().open_door(other).unwrap();
    rig.hw().close_door(other).unwrap();
    interrupt(&mut rig, other);
    rig.locker.inspect(other, false).unwrap();
    rig.advance(HOUR_S);
    rig.pin(12, &pin);
    let stats = rig.stats();
    let t = &stats.totals;
    assert_eq!((t.parcels_stored, t.parcels_stored_by_inspection), (1, 1));
    assert_eq!((t.parcels_offered, t.deposits_opened), (1, 2));
    assert_eq!(t.deposits_found_empty, 1);
    assert_eq!(t.parcels_collected, 1);
    // Stored when staff confirmed it, collected an hour later.
    assert!((stats.dwell.collected.max_h - 1.0).abs() < 1e-9);
    let stays = parcel_stays(rig.records(), &StatsOptions::default()).unwrap();
    assert_eq!(stays.len(), 1);
    assert_eq!(
        (stays[0].parcel, stays[0].recipient),
        (ParcelId(1), RecipientId(12))
    );
    assert_eq!(stays[0].outcome, StayOutcome::Collected);
}

#[test]
fn a_window_counts_only_its_time() {
    let mut rig = Rig::new();
    let (_, pin_a, _) = rig.drop_off(parcel(1), 11);
    rig.advance(DAY_S);
    let (_, pin_b, _) = rig.drop_off(parcel(2), 12);
    rig.advance(HOUR_S);
    rig.pin(11, &pin_a);
    rig.advance(DAY_S);
    rig.pin(12, &pin_b);
    rig.advance(HOUR_S);
    let options = StatsOptions {
        utc_offset_s: 0,
        from_s: Some(T0 + DAY_S - HOUR_S),
        until_s: Some(T0 + DAY_S + 2 * HOUR_S),
    };
    let stats = journal_stats(rig.records(), &options).unwrap();
    check_balances(&stats);
    let t = &stats.totals;
    assert_eq!(t.parcels_in_bank_at_start, 1);
    assert_eq!((t.parcels_stored, t.parcels_collected), (1, 1));
    assert_eq!(t.parcels_in_bank_at_end, 1);
    assert_eq!(stats.observed_from_s, T0 + DAY_S - HOUR_S);
    assert_eq!(stats.observed_until_s, T0 + DAY_S + 2 * HOUR_S);
    assert_eq!(stats.occupancy.peak_occupied_doors, 2);
    // One door for an hour, two for an hour, one for an hour.
    assert!((stats.occupancy.mean_occupied_doors - 4.0 / 3.0).abs() < 1e-9);
    assert_eq!(stats.days.len(), 1);
    assert_eq!(stats.days[0].start_s, T0 - 8 * HOUR_S + DAY_S);
    let empty = StatsOptions {
        from_s: Some(10),
        until_s: Some(10),
        ..StatsOptions::default()
    };
    assert_eq!(
        journal_stats(rig.records(), &empty).unwrap_err().code(),
        "invalid_argument"
    );
}

#[test]
fn records_that_do_not_replay_are_named() {
    let mut rig = Rig::new();
    rig.drop_off(parcel(1), 11);
    let records = rig.records();
    assert_eq!(
        journal_stats(&[], &StatsOptions::default())
            .unwrap_err()
            .code(),
        "empty_journal"
    );
    // Without its configuration the journal does not replay.
    let error = journal_stats(&records[1..], &StatsOptions::default()).unwrap_err();
    assert!(
        matches!(error, AnalyticsError::Replay { seq: 1, .. }),
        "{error:?}"
    );
    assert_eq!(error.code(), "replay");
    // A record out of place: the commit without its drop-off.
    let mut broken: Vec<_> = records.to_vec();
    let opened = broken
        .iter()
        .position(|r| matches!(r.entry, Entry::DepositOpened { .. }))
        .unwrap();
    let seq = broken[opened + 1].seq;
    broken.remove(opened);
    let error = journal_stats(&broken, &StatsOptions::default()).unwrap_err();
    assert!(
        matches!(error, AnalyticsError::Replay { seq: s, .. } if s == seq),
        "{error:?}"
    );
}

#[test]
fn the_builder_reads_what_journal_stats_reads_and_serializes() {
    let mut rig = Rig::new();
    let (_, pin, _) = rig.drop_off(parcel(1), 11);
    rig.advance(3 * HOUR_S);
    rig.pin(11, &pin);
    let mut builder = StatsBuilder::new(StatsOptions::default()).unwrap();
    for record in rig.records() {
        builder.push(record).unwrap();
    }
    let built = builder.finish().unwrap();
    assert_eq!(built, rig.stats());
    let json = serde_json::to_string(&built).unwrap();
    let back: JournalStats = serde_json::from_str(&json).unwrap();
    assert_eq!(back, built);
    assert!(json.contains("\"parcels_collected\":1"));
    assert!(
        StatsBuilder::new(StatsOptions::default())
            .unwrap()
            .finish()
            .is_err()
    );
}
