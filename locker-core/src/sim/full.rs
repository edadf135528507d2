//! The full backend: a real [`Locker`] over the simulated hardware, with
//! couriers signing in with their codes, residents collecting by PIN, QR
//! code or RFID tag, the locker's own expiry sweep, holds and extensions,
//! and carriers taking returns back with their one-time codes. Its journal
//! is a journal like a real bank's.

use alloc::vec::Vec;

use chacha20::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use super::building::Building;
use super::demand::{Arrival, DAY_S, HOUR_S};
use super::num::below;
use super::record::Recorder;
use super::run::{Backend, Deposit, Driver};
use super::{SimError, SimResult};
use crate::allocate::{Request, Rule};
use crate::bank::BankConfig;
use crate::credential::{CarrierId, CredentialError, KioskId, PinSecret, TokenSecret};
use crate::hardware::SimulatedHardware;
use crate::ids::{CompartmentId, ParcelId, RecipientId};
use crate::journal::MemoryJournal;
use crate::locker::{
    CourierSession, DropOff, Entry, Event, Locker, LockerConfig, LockerError, LockerPolicy,
};

/// A simulated building's locker: the simulated hardware, the journal in
/// memory.
pub type SimLocker = Locker<SimulatedHardware, MemoryJournal<Entry>>;

/// Midnight, 1 January 2026 UTC: day 0 of a building that starts on
/// 1 January.
pub const YEAR_START_S: u64 = 1_767_225_600;
/// The locker's clock is read this often (its expiry sweep runs then).
const TICK_S: u64 = 600;
/// Courier codes are issued for this long and renewed a day before.
const COURIER_CODE_S: u64 = 60 * DAY_S;
const KIOSK: KioskId = KioskId(1);
/// Percent of collections by RFID tag (residents who have one), by QR
/// code; the rest type their PIN.
const RFID_PERCENT: u32 = 10;
const QR_PERCENT: u32 = 35;

/// A full simulation's outcome: the statistics and the locker, with its
/// journal and state, as the building left it.
pub struct LockerSimulation {
    /// The same statistics the fast path gives.
    pub result: SimResult,
    /// The locker: `locker.journal().records()` is the simulated journal.
    pub locker: SimLocker,
}

impl core::fmt::Debug for LockerSimulation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LockerSimulation")
            .field("result", &self.result)
            .field("records", &self.locker.journal().records().len())
            .finish_non_exhaustive()
    }
}

/// The locker policy a building's limits ask for: its dwell limits, its
/// maximum dwell, the default reminders and windows.
#[must_use]
pub fn building_policy(building: &Building) -> LockerPolicy {
    LockerPolicy {
        dwell_s: u64::from(building.dwell_limit_h) * HOUR_S,
        chilled_max_dwell_s: u64::from(building.chilled_dwell_limit_h) * HOUR_S,
        max_dwell_s: u64::from(building.max_dwell_h) * HOUR_S,
        ..LockerPolicy::default()
    }
}

/// Simulates `building` against a bank built from `config` by driving a
/// real [`Locker`] over [`SimulatedHardware`]: every drop-off, pickup,
/// reminder, expiry, hold and return is the locker's own, and journaled.
/// The result has the same fields as [`simulate`](super::simulate)'s; on
/// the same building the two agree within noise (the test suite checks
/// it).
///
/// Day 0 is `building.start_day_of_year` of 2026, UTC.
///
/// ```
/// use locker_core::bank::default_bank;
/// use locker_core::journal::{Trust, verify};
/// use locker_core::sim::{Building, simulate_locker};
///
/// let building = Building { units: 40, days: 7, ..Building::default() };
/// let run = simulate_locker(&building, &default_bank())?;
/// let records = run.locker.journal().records();
/// assert!(verify(records, &Trust::with_keys(run.locker.keys())).is_ok());
/// assert_eq!(run.result.arrivals, run.result.placed + run.result.overflow);
/// # Ok::<(), locker_core::sim::SimError>(())
/// ```
///
/// # Errors
///
/// As [`simulate`](super::simulate), and [`SimError::Locker`] when the
/// locker refuses what the simulated people do (a bug).
pub fn simulate_locker(
    building: &Building,
    config: &BankConfig,
) -> Result<LockerSimulation, SimError> {
    building.validate()?;
    let bank = super::bank_from(config)?;
    let recorder = Recorder::new(building, &bank);
    let door_ids: Vec<CompartmentId> = bank.compartments().iter().map(|d| d.id()).collect();
    let start_s = YEAR_START_S + u64::from(building.start_day_of_year) * DAY_S;
    let hardware =
        SimulatedHardware::new(door_ids.iter().copied(), building.seed).with_now_s(start_s);
    let locker_config = LockerConfig {
        bank: config.clone(),
        policy: building_policy(building),
        ..LockerConfig::default()
    };
    let mut locker = Locker::new(locker_config, hardware, MemoryJournal::new())?;
    // One resident in ten has an RFID tag (a 7-byte UID).
    let mut tags = Vec::new();
    for unit in (0..building.units).step_by(10) {
        let uid = u64::from(unit).to_be_bytes()[1..].to_vec();
        locker.register_rfid(RecipientId(u64::from(unit)), &uid, false)?;
        tags.push(uid);
    }
    let carriers = building.carriers.len().max(1);
    let backend = FullBackend {
        locker,
        start_s,
        door_ids,
        doors: alloc::vec![None; bank.compartments().len()],
        codes: alloc::vec![None; carriers],
        tags,
        rng: ChaCha8Rng::seed_from_u64(building.seed ^ 0x5EED_F011),
        next_tick_s: TICK_S,
        swept_s: 0,
        expired: Vec::new(),
    };
    let doors = backend.door_ids.len();
    let (result, backend) = Driver::new(building, backend, recorder, doors)?.run()?;
    Ok(LockerSimulation {
        result,
        locker: backend.locker,
    })
}

/// What the locker announced for one door.
#[derive(Clone)]
struct DoorState {
    recipient: RecipientId,
    pin: PinSecret,
    qr_token: TokenSecret,
    parcels: usize,
    /// The carrier's return code, once the parcels go back.
    return_token: Option<TokenSecret>,
}

struct FullBackend {
    locker: SimLocker,
    start_s: u64,
    door_ids: Vec<CompartmentId>,
    doors: Vec<Option<DoorState>>,
    /// Per carrier: its courier code and until when it works.
    codes: Vec<Option<(PinSecret, u64)>>,
    tags: Vec<Vec<u8>>,
    rng: ChaCha8Rng,
    next_tick_s: u64,
    /// When the locker's sweep last ran.
    swept_s: u64,
    /// Doors whose parcels the locker sent back, not yet reported.
    expired: Vec<(usize, usize, Option<usize>)>,
}

impl FullBackend {
    /// Sets the board's clock to simulated time `now_s`.
    fn at(&mut self, now_s: u64) {
        self.locker.hardware_mut().set_now_s(self.start_s + now_s);
    }

    fn index_of(&self, id: CompartmentId) -> Option<usize> {
        self.door_ids.binary_search(&id).ok()
    }

    /// Signs a courier of carrier `carrier` in, renewing its code first when
    /// it is about to lapse.
    fn sign_in(&mut self, carrier: usize, now_s: u64) -> Result<CourierSession, SimError> {
        let carrier_id = CarrierId(u32::try_from(carrier).unwrap_or(0) + 1);
        let fresh = self
            .codes
            .get(carrier)
            .and_then(Option::as_ref)
            .is_some_and(|(_, until)| *until > now_s + DAY_S);
        if !fresh {
            let code = self.locker.issue_courier_code(carrier_id, COURIER_CODE_S)?;
            if let Some(slot) = self.codes.get_mut(carrier) {
                *slot = Some((code, now_s + COURIER_CODE_S));
            }
        }
        let code = self
            .codes
            .get(carrier)
            .and_then(Option::as_ref)
            .map(|(code, _)| code.clone())
            .ok_or_else(|| SimError::field("carriers", carrier, "has no such carrier"))?;
        Ok(self.locker.courier_sign_in(KIOSK, code.expose())?)
    }

    /// The person at door `id` takes everything out and closes it.
    fn empty(&mut self, id: CompartmentId) -> Result<(), SimError> {
        let hardware = self.locker.hardware_mut();
        hardware.open_door(id).map_err(action)?;
        while hardware.parcel_count(id).map_err(action)? > 0 {
            hardware.take_parcel(id).map_err(action)?;
        }
        hardware.close_door(id).map_err(action)?;
        self.locker.door_closed(id)?;
        Ok(())
    }

    /// Reads the locker's events: new secrets, returns, emptied doors.
    fn events(&mut self) -> Vec<(usize, Vec<ParcelId>)> {
        let mut emptied = Vec::new();
        for event in self.locker.take_events() {
            match event {
                Event::ParcelReady {
                    recipient,
                    compartment,
                    parcels,
                    pin,
                    qr_token,
                    ..
                } => {
                    if let Some(slot) = self
                        .index_of(compartment)
                        .and_then(|i| self.doors.get_mut(i))
                    {
                        *slot = Some(DoorState {
                            recipient,
                            pin,
                            qr_token,
                            parcels,
                            return_token: None,
                        });
                    }
                }
                Event::ReturnReady {
                    carrier,
                    compartment,
                    qr_token,
                    ..
                } => {
                    if let Some(index) = self.index_of(compartment)
                        && let Some(Some(door)) = self.doors.get_mut(index)
                    {
                        door.return_token = Some(qr_token);
                        let carrier = usize::try_from(carrier.0)
                            .ok()
                            .and_then(|c| c.checked_sub(1));
                        self.expired.push((index, door.parcels, carrier));
                    }
                }
                Event::Collected {
                    compartment,
                    parcels,
                    ..
                }
                | Event::Returned {
                    compartment,
                    parcels,
                    ..
                } => {
                    if let Some(index) = self.index_of(compartment) {
                        if let Some(slot) = self.doors.get_mut(index) {
                            *slot = None;
                        }
                        emptied.push((index, parcels));
                    }
                }
                _ => {}
            }
        }
        emptied
    }

    /// Opens the resident's door `index` by one of their credentials.
    fn pick_up(&mut self, index: usize) -> Result<Vec<CompartmentId>, LockerError> {
        let Some(door) = self.doors.get(index).cloned().flatten() else {
            return Ok(Vec::new());
        };
        let channel = below(self.rng.next_u32(), 100);
        let tag = usize::try_from(door.recipient.0)
            .ok()
            .filter(|unit| unit % 10 == 0)
            .and_then(|unit| self.tags.get(unit / 10));
        let opened = match tag {
            Some(uid) if channel < RFID_PERCENT => {
                let uid = uid.clone();
                self.locker.pickup_rfid(KIOSK, &uid, None)
            }
            _ if channel < RFID_PERCENT + QR_PERCENT => {
                self.locker.pickup_qr(KIOSK, door.qr_token.expose())
            }
            _ => self
                .locker
                .pickup_pin(KIOSK, Some(door.recipient), door.pin.expose()),
        };
        match opened {
            // A PIN replaced by a later delivery's: the QR code still works.
            Err(_) => self.locker.pickup_qr(KIOSK, door.qr_token.expose()),
            ok => ok,
        }
    }
}

/// A physical action the simulation could not do (a bug).
fn action(error: crate::hardware::sim::ActionError) -> SimError {
    SimError::field(
        "door",
        alloc::format!("{error}"),
        "a simulated action failed",
    )
}

impl Backend for FullBackend {
    fn deposit(
        &mut self,
        arrival: &Arrival,
        request: Request,
        now_s: u64,
    ) -> Result<Deposit, SimError> {
        self.at(now_s);
        let session = self.sign_in(arrival.carrier.unwrap_or(0), now_s)?;
        let outcome = self.locker.deposit(&session, request)?;
        let DropOff::Opened {
            compartment, rule, ..
        } = outcome
        else {
            let DropOff::Overflow(overflow) = outcome else {
                return Err(SimError::field(
                    "deposit",
                    "",
                    "an unknown drop-off outcome",
                ));
            };
            return Ok(Deposit::Overflow(overflow.reason));
        };
        let hardware = self.locker.hardware_mut();
        hardware.open_door(compartment).map_err(action)?;
        hardware.put_parcel(compartment).map_err(action)?;
        hardware.close_door(compartment).map_err(action)?;
        self.locker.door_closed(compartment)?;
        let expires_at_s = self
            .locker
            .state()
            .deliveries()
            .get(&compartment)
            .map_or(0, |d| d.expires_at_s);
        let emptied = self.events();
        debug_assert!(emptied.is_empty());
        let door = self
            .index_of(compartment)
            .ok_or_else(|| SimError::field("door", compartment.0, "is not a door of the bank"))?;
        Ok(Deposit::Stored {
            door,
            consolidated: rule == Rule::Consolidated,
            expires_at_s: expires_at_s.saturating_sub(self.start_s),
        })
    }

    fn collect(
        &mut self,
        _unit: u32,
        doors: &[usize],
        now_s: u64,
    ) -> Result<Vec<(usize, Vec<ParcelId>)>, SimError> {
        self.at(now_s);
        let mut emptied = Vec::new();
        for &index in doors {
            let waiting = self
                .doors
                .get(index)
                .and_then(Option::as_ref)
                .is_some_and(|d| d.return_token.is_none());
            if !waiting {
                continue;
            }
            match self.pick_up(index) {
                Ok(opened) => {
                    for id in opened {
                        self.empty(id)?;
                    }
                }
                // The parcel's time ran out minutes ago and the locker's
                // sweep has not sent it back yet: the code no longer
                // opens; the next sweep returns it.
                Err(LockerError::Credential(CredentialError::Expired { .. })) => {}
                Err(error) => return Err(error.into()),
            }
            emptied.extend(self.events());
        }
        Ok(emptied)
    }

    fn extend(&mut self, door: usize, by_s: u64, now_s: u64) -> Result<Option<u64>, SimError> {
        self.at(now_s);
        let Some(id) = self.door_ids.get(door).copied() else {
            return Ok(None);
        };
        match self.locker.extend(id, by_s) {
            Ok(expires_at_s) => Ok(Some(expires_at_s.saturating_sub(self.start_s))),
            Err(LockerError::Invalid { .. } | LockerError::State(_)) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    fn hold(&mut self, unit: u32, until_s: u64, now_s: u64) -> Result<(), SimError> {
        self.at(now_s);
        self.locker
            .hold(RecipientId(u64::from(unit)), self.start_s + until_s)?;
        self.events();
        Ok(())
    }

    fn next_due_s(&self) -> Option<u64> {
        // The sweep runs every tick and, as a real locker's every few
        // seconds would, at each delivery's expiry and each re-open grace's
        // end: parcels go back when the fast path sends them (a resident
        // who came between an expiry and the next tick would find their
        // codes expired and the door not yet returning), and a collected
        // door is free again after the grace, not up to a tick later. What
        // the last sweep left (an open door) waits for the next tick.
        let state = self.locker.state();
        let expiries = state
            .deliveries()
            .values()
            .filter(|delivery| !delivery.returning)
            .map(|delivery| delivery.expires_at_s);
        let graces = state.graces().values().map(|grace| grace.until_s);
        let due = expiries
            .chain(graces)
            .map(|at_s| at_s.saturating_sub(self.start_s))
            .filter(|&at_s| at_s > self.swept_s)
            .min();
        Some(due.map_or(self.next_tick_s, |at_s| at_s.min(self.next_tick_s)))
    }

    fn due(&mut self, now_s: u64) -> Result<Vec<(usize, usize, Option<usize>)>, SimError> {
        self.at(now_s);
        self.locker.tick()?;
        self.swept_s = now_s;
        self.next_tick_s = now_s + TICK_S;
        self.events();
        Ok(core::mem::take(&mut self.expired))
    }

    fn take_back(&mut self, door: usize, now_s: u64) -> Result<Vec<ParcelId>, SimError> {
        self.at(now_s);
        let Some(token) = self
            .doors
            .get(door)
            .and_then(Option::as_ref)
            .and_then(|d| d.return_token.clone())
        else {
            return Ok(Vec::new());
        };
        let opened = self.locker.pickup_qr(KIOSK, token.expose())?;
        for id in opened {
            self.empty(id)?;
        }
        Ok(self
            .events()
            .into_iter()
            .filter(|(index, _)| *index == door)
            .flat_map(|(_, parcels)| parcels)
            .collect())
    }
}
