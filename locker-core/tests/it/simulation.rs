//! Deterministic simulation: seeded random sequences of drop-offs, pickups,
//! people at the doors, sweeps, staff actions and hardware and journal
//! faults (jammed latches, lying sensors, clock jumps, failed calls, power
//! cuts with restarts from the journal), with every invariant checked after
//! every step and everything collected at the end.
//!
//! The people behave as people can, and the locker can only know what its
//! sensors tell it, so the model keeps to what the locker could notice:
//!
//! - a latch released by an unlock engages again when time passes (a sweep)
//!   or the power goes; a person pulls the door right after a pickup opens;
//! - the host reports a door closed only after a person opened it;
//! - a resident takes everything out unless an honest occupancy sensor is
//!   fitted (then they sometimes leave parcels and close the door at once);
//! - a courier takes their parcel back out before cancelling or asking for
//!   a larger door;
//! - a sensor made to read the opposite of the truth taints its door: the
//!   physical checks skip it from then on.
//!
//! Known limitations of the locker are counted and printed, not hidden:
//! deliveries extended past their credentials, recipients refused a PIN,
//! pickups completed on a failed sensor reading, expired parcels the
//! carrier never fetched.
//!
//! `LOCKER_SIM_CASES` sets the number of sequences (200 by default),
//! `LOCKER_SIM_STEPS` their length (60) and `LOCKER_SIM_SEED` the first
//! seed; a failure prints the seed and step to run again with
//! `LOCKER_SIM_SEED=<seed> LOCKER_SIM_CASES=1`.
#![allow(
    clippy::unwrap_used,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

use crate::common;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use common::{CARRIER, KIOSK, Site};
use locker_core::allocate::Request;
use locker_core::credential::{CredentialError, KioskId};
use locker_core::hardware::sim::{Repeat, SensorLie};
use locker_core::hardware::{HardwareErrorKind, Operation};
use locker_core::locker::{DAY_S, DoorTask, DropOff, HOUR_S, LockerError, ParcelPlace};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId, TemperatureZone};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const DEFAULT_CASES: u64 = 200;
const DEFAULT_STEPS: usize = 60;
const DEFAULT_SEED: u64 = 0x10C_CE25;
const RECIPIENTS: u64 = 6;

fn env_or<T: core::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

thread_local! {
    /// The step running, for a panic's report.
    static AT: Cell<(u64, usize)> = const { Cell::new((0, 0)) };
}

/// One random sequence: the site, its generator and what happened.
struct Case {
    site: Site,
    rng: StdRng,
    next_parcel: u64,
    /// The flash fails until a restart (rather than healing by itself).
    flash_crash: bool,
    /// The power will go after some more calls.
    power_cut_armed: bool,
    trace: Vec<String>,
    ops: BTreeMap<&'static str, (usize, usize)>,
    /// Pickups refused because the latest secret expired before its
    /// delivery (see [`Case::pickup`]).
    stranded: usize,
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> Option<T> {
    if items.is_empty() {
        None
    } else {
        Some(items[rng.random_range(0..items.len())])
    }
}

impl Case {
    fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let sensors = rng.random_bool(0.5);
        let site = Site::new(common::small_config(2), sensors, seed);
        Self {
            site,
            rng,
            next_parcel: 1,
            flash_crash: false,
            power_cut_armed: false,
            trace: Vec::new(),
            ops: BTreeMap::new(),
            stranded: 0,
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn any_door(&mut self) -> CompartmentId {
        let doors = self.site.doors();
        pick(&mut self.rng, &doors).unwrap()
    }

    /// Counts a locker call's outcome for the statistics.
    fn tally<T>(&mut self, op: &'static str, result: &Result<T, LockerError>) {
        let entry = self.ops.entry(op).or_default();
        if result.is_ok() {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }

    fn random_request(&mut self) -> Request {
        let id = ParcelId(self.next_parcel);
        self.next_parcel += 1;
        let rng = &mut self.rng;
        let kind = rng.random_range(0..100_u32);
        let (size, weight_g) = match kind {
            0..40 => (
                Dimensions::new(
                    rng.random_range(80..340),
                    rng.random_range(80..600),
                    rng.random_range(10..55),
                ),
                rng.random_range(50..4_000),
            ),
            40..68 => (
                Dimensions::new(
                    rng.random_range(100..340),
                    rng.random_range(100..600),
                    rng.random_range(60..165),
                ),
                rng.random_range(200..12_000),
            ),
            68..82 => (
                Dimensions::new(
                    rng.random_range(150..340),
                    rng.random_range(200..600),
                    rng.random_range(170..385),
                ),
                rng.random_range(500..20_000),
            ),
            82..90 => (
                Dimensions::new(
                    rng.random_range(400..750),
                    rng.random_range(300..600),
                    rng.random_range(300..570),
                ),
                rng.random_range(1_000..35_000),
            ),
            // Too big for any door.
            90..95 => (
                Dimensions::new(
                    rng.random_range(800..1_500),
                    rng.random_range(700..1_500),
                    rng.random_range(650..1_500),
                ),
                rng.random_range(1_000..30_000),
            ),
            // Too heavy for any door.
            95..99 => (
                Dimensions::new(300, 300, 100),
                rng.random_range(41_000..80_000),
            ),
            // Invalid.
            _ => (Dimensions::new(0, 100, 100), 100),
        };
        let mut parcel = Parcel::new(id, size, weight_g);
        if rng.random_bool(0.15) {
            parcel = parcel.in_zone(TemperatureZone::Chilled);
        }
        if rng.random_bool(0.2) {
            parcel = parcel.upright();
        }
        let recipient = RecipientId(rng.random_range(1..=RECIPIENTS));
        let mut request = Request::new(parcel, recipient);
        if rng.random_bool(0.1) {
            request = request.accessible();
        }
        request
    }

    /// The host reports a door the person opened as closed again.
    fn host_closed(&mut self, door: CompartmentId) {
        self.site.seen_open.remove(&door);
        let result = self.site.call(|l| l.door_closed(door));
        self.tally("door_closed", &result);
    }

    /// The person whose task a door is open for: the courier puts their
    /// parcel in (mostly), a resident or carrier takes what is inside
    /// (always, unless an honest sensor would notice), staff look. Then
    /// the door is closed (mostly) and the host reports it (mostly).
    fn person_at(&mut self, door: CompartmentId) {
        if !self.site.pull(door) {
            return;
        }
        let task = self
            .site
            .state()
            .open_doors()
            .get(&door)
            .map(|d| d.task.clone());
        match task {
            Some(DoorTask::Deposit { parcel, .. }) => {
                if self.site.hand.contains(&parcel.id) && self.chance(0.85) {
                    self.site.put(door, parcel.id);
                }
            }
            Some(DoorTask::Pickup { .. }) => {
                // Parcels left behind are noticed only by an occupancy
                // sensor, so a resident leaves some only where an honest
                // one is fitted, and then closes the door at once. (A
                // reading that fails when the door closes counts as "no
                // sensor" and the pickup completes: see `Site::blind`.)
                let noticed = self.site.sensor_honest(door) && !self.power_cut_armed;
                // (If the door will not close, they take their parcels.)
                if noticed && self.chance(0.25) && self.site.push_shut(door) {
                    self.host_closed(door);
                    return;
                }
                self.site.take_all(door);
            }
            Some(DoorTask::Reopen) => self.site.take_all(door),
            Some(DoorTask::Staff { .. }) | None => {}
        }
        if self.chance(0.85) && self.site.push_shut(door) {
            let has_task = self.site.state().open_doors().contains_key(&door);
            if has_task && self.chance(0.85) {
                self.host_closed(door);
            }
        }
    }

    /// A courier whose door turned out wrong takes their parcel back (if
    /// they can reach it) and closes the door.
    fn courier_withdraws(&mut self, door: CompartmentId) -> bool {
        let Some(DoorTask::Deposit { parcel, .. }) = self
            .site
            .state()
            .open_doors()
            .get(&door)
            .map(|d| d.task.clone())
        else {
            return false;
        };
        let inside = self.site.phys[&door].contains(&parcel.id);
        if inside {
            if !self.site.is_open(door) {
                return false;
            }
            self.site.take_back(door, parcel.id);
        }
        self.site.push_shut(door);
        true
    }

    fn after_opened(&mut self, drop_off: Result<DropOff, LockerError>, op: &'static str) -> String {
        self.tally(op, &drop_off);
        match drop_off {
            Ok(DropOff::Opened { compartment, .. }) => {
                self.site.seen_open.remove(&compartment);
                if self.chance(0.7) {
                    self.person_at(compartment);
                }
                format!("{op} -> door {compartment}")
            }
            Ok(DropOff::Overflow(overflow)) => format!("{op} -> overflow: {}", overflow.reason),
            Ok(_) => format!("{op} -> something new"),
            Err(LockerError::Credential(error)) => {
                // The courier code expired or was rotated: a new one.
                let code = self
                    .site
                    .call(|l| l.issue_courier_code(CARRIER, 3_650 * DAY_S));
                if let Ok(code) = code {
                    let session = self.site.call(|l| l.courier_sign_in(KIOSK, code.expose()));
                    if let Ok(session) = session {
                        self.site.session = session;
                    }
                }
                format!("{op} -> courier code refused: {error}")
            }
            Err(error) => format!("{op} -> {error}"),
        }
    }

    fn deposit(&mut self) -> String {
        let carried: Vec<ParcelId> = self.site.hand.iter().copied().collect();
        let parcel = match pick(&mut self.rng, &carried) {
            Some(parcel) if self.rng.random_bool(0.3) => parcel,
            _ => {
                let request = self.random_request();
                self.site.bring_request(request)
            }
        };
        let request = self.site.requests[&parcel];
        let session = self.site.session.clone();
        let result = self.site.call(|l| l.deposit(&session, request));
        let what = self.after_opened(result, "deposit");
        format!("{what} ({parcel} for {})", request.recipient)
    }

    fn pickup(&mut self, by_qr: bool) -> String {
        if self.site.secrets.is_empty() {
            return String::from("pickup: no secret yet");
        }
        // Mostly a recent secret, sometimes any old one.
        let count = self.site.secrets.len();
        let index = if self.chance(0.7) {
            self.rng.random_range(count.saturating_sub(4)..count)
        } else {
            self.rng.random_range(0..count)
        };
        let recipient = self.site.secrets[index].recipient;
        let kiosk = KioskId(self.rng.random_range(1..4));
        let result = self.site.open_with(index, by_qr, kiosk);
        self.tally(if by_qr { "pickup_qr" } else { "pickup_pin" }, &result);
        match result {
            Ok(doors) => {
                for &door in &doors {
                    let state = self.site.state();
                    let delivery = state.deliveries().get(&door);
                    assert!(
                        delivery.is_some_and(|d| d.recipient == recipient && !d.returning),
                        "{recipient}'s secret opened door {door} holding {delivery:?}"
                    );
                    self.site.seen_open.remove(&door);
                }
                for &door in &doors {
                    self.person_at(door);
                }
                format!("pickup by {recipient} (secret {index}, qr {by_qr}) -> {doors:?}")
            }
            Err(error) => {
                // Known issue: an extension or a vacation hold moves the
                // delivery's expiry but not its credentials', so the
                // resident's latest secret expires while the parcel waits.
                let door = self.site.secrets[index].compartment;
                let latest = self.site.latest_secret(door) == Some(index);
                let waiting = self
                    .site
                    .state()
                    .deliveries()
                    .get(&door)
                    .is_some_and(|d| d.recipient == recipient && !d.returning);
                if latest
                    && waiting
                    && matches!(
                        error,
                        LockerError::Credential(CredentialError::Expired { .. })
                    )
                {
                    self.stranded += 1;
                }
                format!("pickup by {recipient} (secret {index}, qr {by_qr}) -> {error}")
            }
        }
    }

    fn wrong_secret(&mut self) -> String {
        let result = if self.chance(0.5) {
            let digits = self.site.secrets.last().map_or(6, |s| s.pin.expose().len());
            let pin: String = (0..digits)
                .map(|_| char::from(b'0' + self.rng.random_range(0..10_u8)))
                .collect();
            let unit = RecipientId(self.rng.random_range(1..=RECIPIENTS));
            self.site.call(|l| l.pickup_pin(KIOSK, Some(unit), &pin))
        } else {
            let mut token = self
                .site
                .secrets
                .last()
                .map_or_else(|| String::from("NOT-A-TOKEN"), |s| s.qr.expose().to_owned());
            let at = self.rng.random_range(0..token.len());
            let replacement = if token.as_bytes()[at] == b'A' {
                "B"
            } else {
                "A"
            };
            token.replace_range(at..=at, replacement);
            self.site.call(|l| l.pickup_qr(KIOSK, &token))
        };
        self.tally("wrong_secret", &result);
        if let Ok(doors) = &result {
            panic!("a wrong secret opened {doors:?}");
        }
        format!("wrong secret -> {}", result.unwrap_err())
    }

    fn carrier_returns(&mut self) -> String {
        if self.site.returns.is_empty() {
            return String::from("return: no token yet");
        }
        let index = self.rng.random_range(0..self.site.returns.len());
        let token = self.site.returns[index].qr.expose().to_owned();
        let result = self.site.call(|l| l.pickup_qr(KIOSK, &token));
        self.tally("return", &result);
        match result {
            Ok(doors) => {
                for &door in &doors {
                    let returning = self
                        .site
                        .state()
                        .deliveries()
                        .get(&door)
                        .is_some_and(|d| d.returning);
                    assert!(
                        returning,
                        "a return token opened door {door}, not being returned"
                    );
                    self.site.seen_open.remove(&door);
                }
                for &door in &doors {
                    self.person_at(door);
                }
                format!("carrier return (token {index}) -> {doors:?}")
            }
            Err(error) => format!("carrier return (token {index}) -> {error}"),
        }
    }

    fn tick(&mut self) -> String {
        let by_s = match self.rng.random_range(0..10_u32) {
            0..7 => self.rng.random_range(1..600),
            7..9 => self.rng.random_range(600..6 * HOUR_S),
            _ => self.rng.random_range(6 * HOUR_S..4 * DAY_S),
        };
        self.site.advance(by_s);
        let result = self.site.call(|l| l.tick());
        self.tally("tick", &result);
        format!("advance {by_s} s, tick -> {result:?}")
    }

    fn doors_open_for_deposit(&self) -> Vec<CompartmentId> {
        self.site
            .state()
            .open_doors()
            .iter()
            .filter(|(_, d)| matches!(d.task, DoorTask::Deposit { .. }))
            .map(|(c, _)| *c)
            .collect()
    }

    fn larger_or_cancel(&mut self, larger: bool) -> String {
        let doors = self.doors_open_for_deposit();
        let Some(door) = pick(&mut self.rng, &doors) else {
            return String::from("larger/cancel: no drop-off open");
        };
        if !self.courier_withdraws(door) {
            return format!("larger/cancel: cannot reach the parcel in door {door}");
        }
        if larger {
            let result = self.site.call(|l| l.need_larger_door(door));
            let what = self.after_opened(result, "need_larger_door");
            format!("{what} (from door {door})")
        } else {
            let result = self.site.call(|l| l.cancel_deposit(door));
            self.tally("cancel_deposit", &result);
            format!("cancel_deposit({door}) -> {result:?}")
        }
    }

    fn grace_door(&mut self) -> Option<CompartmentId> {
        let doors: Vec<CompartmentId> = self.site.state().graces().keys().copied().collect();
        match pick(&mut self.rng, &doors) {
            Some(door) if self.rng.random_bool(0.9) => Some(door),
            _ => Some(self.any_door()),
        }
    }

    fn reopen(&mut self) -> String {
        let door = self.grace_door().unwrap();
        let result = self.site.call(|l| l.reopen(door));
        self.tally("reopen", &result);
        if result.is_ok() {
            self.site.seen_open.remove(&door);
            self.person_at(door);
        }
        format!("reopen({door}) -> {result:?}")
    }

    fn report_missing(&mut self) -> String {
        let door = self.grace_door().unwrap();
        let result = self.site.call(|l| l.report_missing(door));
        self.tally("report_missing", &result);
        format!("report_missing({door}) -> {result:?}")
    }

    fn staff_open(&mut self) -> String {
        let door = self.any_door();
        let reason = if self.chance(0.95) { "cleaning" } else { " " };
        let result = self.site.call(|l| l.staff_open(door, reason));
        self.tally("staff_open", &result);
        if result.is_ok() {
            self.site.seen_open.remove(&door);
            self.person_at(door);
        }
        format!("staff_open({door}) -> {result:?}")
    }

    fn service(&mut self) -> String {
        if self.chance(0.35) {
            let door = self.any_door();
            let result = self
                .site
                .call(|l| l.set_out_of_service(door, "latch check"));
            self.tally("set_out_of_service", &result);
            return format!("set_out_of_service({door}) -> {result:?}");
        }
        let out: Vec<CompartmentId> = self.site.state().out_of_service().keys().copied().collect();
        let door = pick(&mut self.rng, &out).unwrap_or_else(|| self.any_door());
        // The technician repairs the door and shuts it first.
        self.site.hw.borrow_mut().clear_door_faults(door).unwrap();
        self.site.lies.remove(&door);
        let has_task = self.site.state().open_doors().contains_key(&door);
        if !has_task {
            self.site.push_shut(door);
        }
        let result = self.site.call(|l| l.back_in_service(door));
        self.tally("back_in_service", &result);
        format!("back_in_service({door}) -> {result:?}")
    }

    fn extend_or_hold(&mut self) -> String {
        if self.chance(0.5) {
            let doors: Vec<CompartmentId> =
                self.site.state().deliveries().keys().copied().collect();
            let door = pick(&mut self.rng, &doors).unwrap_or_else(|| self.any_door());
            let by_s = self.rng.random_range(1..6 * DAY_S);
            let result = self.site.call(|l| l.extend(door, by_s));
            self.tally("extend", &result);
            format!("extend({door}, {by_s}) -> {result:?}")
        } else {
            let recipient = RecipientId(self.rng.random_range(1..=RECIPIENTS));
            let until_s = self.site.now_s() + self.rng.random_range(0..20 * DAY_S);
            let result = self.site.call(|l| l.hold(recipient, until_s));
            self.tally("hold", &result);
            format!("hold({recipient}, {until_s}) -> {result:?}")
        }
    }

    fn inspect(&mut self) -> String {
        let waiting: Vec<CompartmentId> = self.site.state().interrupted().keys().copied().collect();
        let (door, found) = match pick(&mut self.rng, &waiting) {
            Some(door) => (door, self.site.truth(door)),
            None => (self.any_door(), self.chance(0.5)),
        };
        let result = self.site.call(|l| l.inspect(door, found));
        self.tally("inspect", &result);
        if result.is_ok() {
            self.site.inspections.remove(&door);
        }
        format!("inspect({door}, {found}) -> {result:?}")
    }

    fn fault(&mut self) -> String {
        let door = self.any_door();
        match self.rng.random_range(0..12_u32) {
            0 | 1 => {
                let repeat = if self.chance(0.85) {
                    Repeat::Once
                } else {
                    Repeat::Always
                };
                self.site.hw.borrow_mut().jam(door, repeat).unwrap();
                format!("fault: jam {door} {repeat:?}")
            }
            2 => {
                let lie = match self.rng.random_range(0..5_u32) {
                    0 => SensorLie::Opposite,
                    1 | 2 => SensorLie::Unknown,
                    _ => SensorLie::Fault,
                };
                self.site.hw.borrow_mut().lie_occupancy(door, lie).unwrap();
                if self.site.sensors {
                    self.site.lies.insert(door, lie);
                    if lie == SensorLie::Opposite {
                        // Nobody can know what is inside this door now.
                        self.site.tainted.insert(door);
                    }
                }
                format!("fault: occupancy sensor of {door} lies: {lie:?}")
            }
            3 => {
                self.site.hw.borrow_mut().clear_door_faults(door).unwrap();
                self.site.lies.remove(&door);
                format!("fault: door {door} repaired")
            }
            4 => {
                let jump_s = if self.chance(0.5) {
                    -self.rng.random_range(1..2 * 86_400_i64)
                } else {
                    self.rng.random_range(1..5 * 86_400_i64)
                };
                self.site.hw.borrow_mut().jump_clock_s(jump_s);
                format!("fault: clock jumps {jump_s} s")
            }
            5 => {
                // Occupancy sensor faults come from `lie_occupancy`, which
                // the people can know about.
                let operations = [
                    Operation::Unlock,
                    Operation::DoorState,
                    Operation::NowS,
                    Operation::FillRandom,
                ];
                let kinds = [
                    HardwareErrorKind::BusTimeout,
                    HardwareErrorKind::SensorFault,
                    HardwareErrorKind::ClockFault,
                    HardwareErrorKind::EntropyUnavailable,
                    HardwareErrorKind::Other,
                ];
                let operation = pick(&mut self.rng, &operations).unwrap();
                let kind = pick(&mut self.rng, &kinds).unwrap();
                self.site
                    .hw
                    .borrow_mut()
                    .fail_calls(operation, kind, Repeat::Once);
                format!("fault: next {operation} fails with {kind:?}")
            }
            6 => {
                self.site.hw.borrow_mut().hold_open(door).unwrap();
                format!("fault: door {door} will not close")
            }
            7 => {
                self.site.hw.borrow_mut().force_open(door).unwrap();
                format!("fault: door {door} forced open")
            }
            8 | 9 => {
                let calls = self.rng.random_range(0..12);
                self.site.hw.borrow_mut().cut_power_after(calls);
                self.power_cut_armed = true;
                format!("fault: power goes after {calls} calls")
            }
            10 => {
                let count = self.rng.random_range(1..3);
                self.site.journal.fail_next(count);
                self.flash_crash = false;
                format!("fault: the next {count} journal writes fail")
            }
            _ => {
                let writes = self.rng.random_range(0..6);
                self.site.journal.fail_after(writes);
                self.flash_crash = true;
                format!("fault: the journal fails after {writes} writes, until a restart")
            }
        }
    }

    fn step(&mut self) -> String {
        match self.rng.random_range(0..100_u32) {
            0..16 => self.deposit(),
            16..28 => {
                let mut doors: Vec<CompartmentId> =
                    self.site.state().open_doors().keys().copied().collect();
                doors.extend(self.site.doors().into_iter().filter(|d| {
                    let hw = self.site.hw.borrow();
                    hw.is_open(*d).unwrap() || hw.is_latch_released(*d).unwrap()
                }));
                match pick(&mut self.rng, &doors) {
                    Some(door) => {
                        self.person_at(door);
                        format!("person at door {door}")
                    }
                    None => String::from("nobody at any door"),
                }
            }
            28..32 => {
                let open: Vec<CompartmentId> = self
                    .site
                    .doors()
                    .into_iter()
                    .filter(|d| self.site.is_open(*d))
                    .collect();
                match pick(&mut self.rng, &open) {
                    Some(door) => {
                        let closed = self.site.push_shut(door);
                        if closed
                            && self.site.seen_open.contains(&door)
                            && self.site.state().open_doors().contains_key(&door)
                            && self.chance(0.7)
                        {
                            self.host_closed(door);
                        }
                        format!("door {door} pushed shut: {closed}")
                    }
                    None => String::from("no door is open"),
                }
            }
            32..36 => {
                // The host reports a door that closed, or (rarely) one that
                // was never open for anything.
                let candidates: Vec<CompartmentId> = self
                    .site
                    .seen_open
                    .iter()
                    .copied()
                    .filter(|d| !self.site.is_open(*d))
                    .collect();
                let door = match pick(&mut self.rng, &candidates) {
                    Some(door) => door,
                    None => {
                        let door = self.any_door();
                        if self.site.state().open_doors().contains_key(&door) {
                            return format!("door_closed({door}) skipped: nobody opened it");
                        }
                        door
                    }
                };
                self.host_closed(door);
                format!("door_closed({door})")
            }
            36..45 => self.pickup(false),
            45..50 => self.pickup(true),
            50..52 => self.wrong_secret(),
            52..55 => self.carrier_returns(),
            55..65 => self.tick(),
            65..67 => self.larger_or_cancel(true),
            67..69 => self.larger_or_cancel(false),
            69..71 => self.reopen(),
            71..72 => self.report_missing(),
            72..74 => self.staff_open(),
            74..77 => self.service(),
            77..79 => self.extend_or_hold(),
            79..83 => self.inspect(),
            _ => self.fault(),
        }
    }

    /// Restarts after a power cut or a failed flash; the power may go
    /// again while the locker restores, and then it restarts again.
    fn restart(&mut self) -> Result<(), String> {
        self.flash_crash = false;
        self.power_cut_armed = false;
        for attempt in 0..6 {
            let cut = (attempt == 0 && self.chance(0.25)).then(|| self.rng.random_range(0..6));
            // A cut the restore does not use up stays armed.
            self.power_cut_armed = cut.is_some();
            let restored = self.site.reboot_with_cut(cut);
            let powered = self.site.hw.borrow().is_powered();
            match restored {
                Ok(()) if powered => {
                    self.trace
                        .push(format!("  restart (attempt {attempt}, cut {cut:?}) -> ok"));
                    return self.site.check_journal_from_scratch();
                }
                Ok(()) => self.trace.push(format!(
                    "  restart (attempt {attempt}, cut {cut:?}) -> ok, power gone again"
                )),
                Err(LockerError::Hardware { kind, .. }) => self.trace.push(format!(
                    "  restart (attempt {attempt}, cut {cut:?}) -> hardware {kind:?}"
                )),
                Err(error) => return Err(format!("restore failed: {error}")),
            }
        }
        Err(String::from("the locker did not restart in 6 attempts"))
    }

    fn run(&mut self, seed: u64, steps: usize) -> Result<(), String> {
        self.site
            .check()
            .map_err(|e| format!("before step 0: {e}"))?;
        for step in 0..steps {
            AT.with(|at| at.set((seed, step)));
            let failures = self.site.journal.failures();
            let what = self.step();
            self.trace.push(format!("{step:3}: {what}"));
            let flash_failed = self.flash_crash && self.site.journal.failures() > failures;
            if !self.site.hw.borrow().is_powered() || flash_failed {
                self.restart()
                    .map_err(|e| format!("step {step} ({what}): {e}"))?;
            }
            let open: Vec<CompartmentId> = self.site.state().open_doors().keys().copied().collect();
            self.site.seen_open.retain(|door| open.contains(door));
            self.site
                .check()
                .map_err(|e| format!("step {step} ({what}): {e}"))?;
        }
        AT.with(|at| at.set((seed, steps)));
        self.site
            .finish()
            .map_err(|e| format!("collecting everything at the end: {e}"))?;
        self.site.check().map_err(|e| format!("at the end: {e}"))?;
        self.site.check_journal_from_scratch()?;
        for (parcel, place) in self.site.state().parcels() {
            if let ParcelPlace::Compartment(door) = place
                && !self.site.abandoned.contains(door)
            {
                return Err(format!("at the end, {parcel} is still {place:?}"));
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct Totals {
    steps: usize,
    reboots: usize,
    parcels: u64,
    ops: BTreeMap<&'static str, (usize, usize)>,
    events: BTreeMap<&'static str, usize>,
    sensors: usize,
    stranded: usize,
    pin_limit: usize,
    blind: BTreeMap<&'static str, usize>,
    abandoned: usize,
}

#[test]
fn random_operations_with_faults_never_lose_a_parcel() {
    let cases: u64 = env_or("LOCKER_SIM_CASES", DEFAULT_CASES);
    let steps: usize = env_or("LOCKER_SIM_STEPS", DEFAULT_STEPS);
    let first: u64 = env_or("LOCKER_SIM_SEED", DEFAULT_SEED);
    let mut totals = Totals::default();
    for seed in first..first + cases {
        let mut case = Case::new(seed);
        let outcome = catch_unwind(AssertUnwindSafe(|| case.run(seed, steps)));
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(message)) => Some(message),
            Err(panic) => {
                let (seed, step) = AT.with(Cell::get);
                eprintln!(
                    "panic in seed {seed} at step {step}; trace:\n{}\nrun again with \
                     LOCKER_SIM_SEED={seed} LOCKER_SIM_CASES=1",
                    case.trace.join("\n")
                );
                resume_unwind(panic);
            }
        };
        if let Some(message) = failure {
            panic!(
                "seed {seed}: {message}\n  {}\ntrace:\n{}\nrun again with \
                 LOCKER_SIM_SEED={seed} LOCKER_SIM_CASES=1",
                case.site.describe(),
                case.trace.join("\n")
            );
        }
        totals.steps += steps;
        totals.reboots += case.site.reboots;
        totals.parcels += case.next_parcel - 1;
        totals.sensors += usize::from(case.site.sensors);
        totals.stranded += case.stranded;
        totals.pin_limit += case.site.pin_limit_refusals;
        for (why, count) in &case.site.blind_losses {
            *totals.blind.entry(why).or_default() += count;
        }
        totals.abandoned += case.site.abandoned.len();
        for (op, (ok, err)) in case.ops {
            let entry = totals.ops.entry(op).or_default();
            entry.0 += ok;
            entry.1 += err;
        }
        for (event, count) in case.site.event_counts {
            *totals.events.entry(event).or_default() += count;
        }
    }
    eprintln!(
        "{cases} sequences ({} with occupancy sensors) x {steps} steps: {} parcels, {} restarts",
        totals.sensors, totals.parcels, totals.reboots
    );
    eprintln!("calls (ok, refused): {:?}", totals.ops);
    eprintln!(
        "pickups refused because an extended or held delivery outlived its credentials: {}",
        totals.stranded
    );
    eprintln!(
        "calls refused because the recipient had too many active PINs: {}",
        totals.pin_limit
    );
    eprintln!(
        "parcels left inside doors whose pickup completed without knowing: {:?}",
        totals.blind
    );
    eprintln!(
        "doors still holding expired parcels after the return window: {}",
        totals.abandoned
    );
    eprintln!("events: {:?}", totals.events);
    // The faults and flows must actually happen.
    let seen = |op: &str| totals.ops.get(op).map_or(0, |(ok, _)| *ok);
    if cases >= 50 {
        for op in [
            "deposit",
            "door_closed",
            "pickup_pin",
            "pickup_qr",
            "tick",
            "inspect",
        ] {
            assert!(seen(op) > 0, "no successful {op} in {cases} sequences");
        }
        assert!(totals.reboots > 0, "no restart in {cases} sequences");
        for event in [
            "collected",
            "needs_inspection",
            "parcel_ready",
            "return_ready",
        ] {
            assert!(
                totals.events.get(event).copied().unwrap_or(0) > 0,
                "no {event} event in {cases} sequences"
            );
        }
    }
}
