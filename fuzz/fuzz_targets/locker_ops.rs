//! A `Locker` over `SimulatedHardware` driven by a sequence of operations
//! chosen by `arbitrary`: drop-offs, people at the doors, pickups by the
//! right or a wrong PIN or a (changed) QR token, signed remote commands
//! (replayed, late, for another bank, changed), staff actions, hardware
//! faults (jams, doors held open, broken or lying sensors, failing calls,
//! power cuts, clock jumps), time passing, sweeps and restarts from the
//! journal. Doors are chosen among the bank's plus one it does not have.
//!
//! After every step, whatever the call returned (errors are expected):
//! - the journal verifies, and its chain is the locker's;
//! - replaying the journal gives exactly the live state;
//! - no parcel is in two doors, and a parcel in a door's contents is placed
//!   in that door;
//! - a remote command opens at most once, only a door whose parcels a
//!   resident may take, and never more doors a minute than the cap;
//! - a restart with the power back restores the locker, and with every
//!   fault cleared it must succeed.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use locker_core::allocate::Request;
use locker_core::bank::default_bank;
use locker_core::credential::{
    BankId, CarrierId, CredentialId, DelegationRequest, DelegationScope, KeyRing, KioskId, Purpose,
    RemoteCommand, RemotePolicy, RemoteRequest, sign_remote_command,
};
use locker_core::hardware::sim::{Repeat, SensorLie};
use locker_core::hardware::{HardwareErrorKind, Operation, SimulatedHardware};
use locker_core::journal::{MemoryJournal, Record, check_next};
use locker_core::locker::{
    CourierSession, DropOff, Entry, Event, Locker, LockerConfig, LockerState, ParcelPlace,
};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId, TemperatureZone};
use std::collections::BTreeMap;

const T0: u64 = 1_700_000_000;
const KIOSK: KioskId = KioskId(1);
const BANK: BankId = BankId(5);
type TestLocker = Locker<SimulatedHardware, MemoryJournal<Entry>>;

#[derive(Arbitrary, Debug)]
enum Person {
    Open,
    Close,
    Put,
    Take,
    ForceOpen,
    Relatch,
}

#[derive(Arbitrary, Debug)]
enum Fault {
    Jam {
        door: u8,
        always: bool,
    },
    HoldOpen {
        door: u8,
    },
    BreakSensor {
        door: u8,
    },
    Lie {
        door: u8,
        opposite: bool,
    },
    FailCalls {
        operation: u8,
        kind: u8,
        always: bool,
    },
    CutPowerAfter(u8),
    JumpClockMinutes(i16),
    ClearAll,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Deposit {
        recipient: u8,
        size: u8,
        chilled: bool,
        accessible: bool,
        reuse_id: bool,
    },
    /// A whole drop-off of a small parcel: the door opens, the courier
    /// puts it in and closes the door, and the host reports it closed.
    Deliver {
        recipient: u8,
    },
    /// A courier or resident at a door, then the host reports it closed.
    Person {
        door: u8,
        action: Person,
        report_closed: bool,
    },
    PickupPin {
        secret: u8,
        wrong_unit: bool,
    },
    WrongPin {
        unit: u8,
        pin: u32,
    },
    PickupQr {
        secret: u8,
        flip: Option<(u8, u8)>,
    },
    CancelDeposit {
        door: u8,
    },
    NeedLargerDoor {
        door: u8,
    },
    Reopen {
        door: u8,
    },
    ReportMissing {
        door: u8,
    },
    StaffOpen {
        door: u8,
    },
    OutOfService {
        door: u8,
    },
    BackInService {
        door: u8,
    },
    Extend {
        door: u8,
        hours: u8,
    },
    Hold {
        recipient: u8,
        hours: u8,
    },
    Inspect {
        door: u8,
        found: bool,
    },
    Fault(Fault),
    AdvanceMinutes(u16),
    Tick,
    /// Staff confirm the clock after a jump.
    ConfirmClock,
    Restart,
    /// The people at the doors the last call opened finish: open each,
    /// put a parcel in (a drop-off) or take everything out, close it, and
    /// the host reports it closed.
    Finish {
        put: bool,
    },
    /// A resident delegates one door's parcels, or all of them.
    Delegate {
        recipient: u8,
        /// Doors of a one-time delegation (none: all parcels).
        door: Option<u8>,
        also: Option<u8>,
        hours: u8,
    },
    PickupDelegated {
        pick: u8,
        wrong_unit: bool,
    },
    /// Staff revoke any credential with a record (a delegation, a tag, a
    /// courier code, a delivery's own, which is refused).
    Revoke {
        pick: u8,
    },
    /// The back end signs a command for a door (mostly one holding
    /// parcels): for a pickup or a staff override, for the door's resident
    /// or (when `stranger`) another, for this bank or (when `bank` is 1)
    /// another, its window starting up to 5 minutes ago (it lasts 5).
    SignRemote {
        door: u8,
        staff: bool,
        stranger: bool,
        bank: u8,
        minutes_ago: u8,
    },
    /// The locker gets a command signed so far (`pick` counts back from
    /// the latest), maybe with a byte of its nonce changed (the tag then
    /// no longer matches).
    Remote {
        pick: u8,
        flip: Option<(u8, u8)>,
    },
}

fn opened_by(drop_off: &DropOff) -> Vec<CompartmentId> {
    match drop_off {
        DropOff::Opened { compartment, .. } => vec![*compartment],
        _ => Vec::new(),
    }
}

/// A small bank: one door of each size class and zone, accessible first.
fn config() -> LockerConfig {
    let mut bank = default_bank();
    let mut specs = bank.compartments.clone();
    specs.sort_by_key(|s| (!s.accessible, s.id));
    let mut kinds = BTreeMap::new();
    specs.retain(|s| kinds.insert((s.size_class.clone(), s.zone), ()).is_none());
    specs.sort_by_key(|s| s.id);
    bank.compartments = specs;
    bank.validate().expect("the small bank is valid");
    let mut config = LockerConfig {
        bank,
        bank_id: BANK,
        ..LockerConfig::default()
    };
    config.credentials.remote = RemotePolicy {
        enabled: true,
        ..RemotePolicy::default()
    };
    config
}

struct Run {
    locker: Option<TestLocker>,
    keys: KeyRing,
    doors: Vec<CompartmentId>,
    session: CourierSession,
    /// (recipient, PIN, QR token) from `parcel_ready` / `return_ready`.
    secrets: Vec<(Option<RecipientId>, String, String)>,
    /// (delegator, PIN, credential id) of delegations issued.
    delegations: Vec<(RecipientId, String, CredentialId)>,
    /// The doors the last successful call opened.
    opened: Vec<CompartmentId>,
    /// The back end's randomness, and the commands it signed.
    back_end: (chacha20::ChaCha20Rng, Vec<RemoteCommand>),
    /// (nonce, time) of every remote opening.
    remote_opened: Vec<(u64, u64)>,
    next_parcel: u64,
    /// Records checked so far and the state replayed from them.
    replayed: (usize, locker_core::journal::Chain, Option<LockerState>),
}

impl Run {
    fn locker(&mut self) -> &mut TestLocker {
        self.locker.as_mut().expect("running")
    }

    fn hw(&mut self) -> &mut SimulatedHardware {
        self.locker().hardware_mut()
    }

    fn door(&self, pick: u8) -> CompartmentId {
        // One past the end is a door the bank does not have.
        self.doors
            .get(usize::from(pick) % (self.doors.len() + 1))
            .copied()
            .unwrap_or(CompartmentId(9_999))
    }

    fn secret(&self, pick: u8) -> Option<&(Option<RecipientId>, String, String)> {
        let n = self.secrets.len();
        (n > 0).then(|| &self.secrets[n - 1 - usize::from(pick) % n])
    }

    fn collect_events(&mut self) {
        for event in self.locker().take_events() {
            let secret = match event {
                Event::ParcelReady {
                    recipient,
                    pin,
                    qr_token,
                    ..
                } => (
                    Some(recipient),
                    pin.expose().to_owned(),
                    qr_token.expose().to_owned(),
                ),
                Event::ReturnReady { qr_token, .. } => {
                    (None, String::new(), qr_token.expose().to_owned())
                }
                _ => continue,
            };
            if self.secrets.len() < 64 {
                self.secrets.push(secret);
            }
        }
    }

    fn step(&mut self, op: Op) {
        let _ = match op {
            Op::Deposit {
                recipient,
                size,
                chilled,
                accessible,
                reuse_id,
            } => {
                let sizes = [
                    (300, 200, 50, 800),
                    (380, 300, 150, 5_000),
                    (600, 350, 350, 20_000),
                    (3_000, 10, 10, 100),
                    (0, 10, 10, 100),
                ];
                let (w, d, h, g) = sizes[usize::from(size) % sizes.len()];
                if !reuse_id || self.next_parcel == 0 {
                    self.next_parcel += 1;
                }
                let mut parcel =
                    Parcel::new(ParcelId(self.next_parcel), Dimensions::new(w, d, h), g);
                if chilled {
                    parcel.zone = TemperatureZone::Chilled;
                }
                let mut request = Request::new(parcel, RecipientId(u64::from(recipient % 4)));
                request.needs_accessible = accessible;
                let session = self.session.clone();
                self.locker()
                    .deposit(&session, request)
                    .map(|drop_off| self.opened = opened_by(&drop_off))
            }
            Op::Deliver { recipient } => {
                self.next_parcel += 1;
                let parcel = Parcel::new(
                    ParcelId(self.next_parcel),
                    Dimensions::new(300, 200, 50),
                    800,
                );
                let request = Request::new(parcel, RecipientId(u64::from(recipient % 4)));
                let session = self.session.clone();
                match self.locker().deposit(&session, request) {
                    Ok(DropOff::Opened { compartment, .. }) => {
                        let hw = self.hw();
                        let _ = hw.open_door(compartment);
                        let _ = hw.put_parcel(compartment);
                        let _ = hw.close_door(compartment);
                        self.locker().door_closed(compartment)
                    }
                    other => other.map(drop),
                }
            }
            Op::Person {
                door,
                action,
                report_closed,
            } => {
                let door = self.door(door);
                let hw = self.hw();
                let _ = match action {
                    Person::Open => hw.open_door(door).map(drop),
                    Person::Close => hw.close_door(door).map(drop),
                    Person::Put => hw.put_parcel(door),
                    Person::Take => hw.take_parcel(door),
                    Person::ForceOpen => hw.force_open(door),
                    Person::Relatch => hw.relatch(door),
                };
                if report_closed {
                    self.locker().door_closed(door)
                } else {
                    Ok(())
                }
            }
            Op::PickupPin { secret, wrong_unit } => match self.secret(secret).cloned() {
                Some((unit, pin, _)) => {
                    let unit = unit.map(|u| RecipientId(u.0 + u64::from(wrong_unit)));
                    self.locker()
                        .pickup_pin(KIOSK, unit, &pin)
                        .map(|doors| self.opened = doors)
                }
                None => Ok(()),
            },
            Op::WrongPin { unit, pin } => {
                let pin = format!("{:08}", pin % 100_000_000);
                self.locker()
                    .pickup_pin(KIOSK, Some(RecipientId(u64::from(unit % 4))), &pin)
                    .map(drop)
            }
            Op::PickupQr { secret, flip } => match self.secret(secret).cloned() {
                Some((_, _, token)) => {
                    let mut bytes = token.into_bytes();
                    if let Some((at, xor)) = flip {
                        let at = usize::from(at) % bytes.len();
                        bytes[at] ^= xor;
                    }
                    let token = String::from_utf8_lossy(&bytes).into_owned();
                    self.locker()
                        .pickup_qr(KIOSK, &token)
                        .map(|doors| self.opened = doors)
                }
                None => Ok(()),
            },
            Op::CancelDeposit { door } => {
                let door = self.door(door);
                self.locker().cancel_deposit(door)
            }
            Op::NeedLargerDoor { door } => {
                let door = self.door(door);
                self.locker()
                    .need_larger_door(door)
                    .map(|drop_off| self.opened = opened_by(&drop_off))
            }
            Op::Reopen { door } => {
                let door = self.door(door);
                self.locker().reopen(door)
            }
            Op::ReportMissing { door } => {
                let door = self.door(door);
                self.locker().report_missing(door)
            }
            Op::StaffOpen { door } => {
                let door = self.door(door);
                self.locker().staff_open(door, "fuzz")
            }
            Op::OutOfService { door } => {
                let door = self.door(door);
                self.locker().set_out_of_service(door, "fuzz")
            }
            Op::BackInService { door } => {
                let door = self.door(door);
                self.locker().back_in_service(door)
            }
            Op::Extend { door, hours } => {
                let door = self.door(door);
                self.locker()
                    .extend(door, u64::from(hours) * 3_600)
                    .map(drop)
            }
            Op::Hold { recipient, hours } => {
                let until_s = self.hw().clock_s() + u64::from(hours) * 3_600;
                self.locker()
                    .hold(RecipientId(u64::from(recipient % 4)), until_s)
            }
            Op::Delegate {
                recipient,
                door,
                also,
                hours,
            } => {
                let delegator = RecipientId(u64::from(recipient % 4));
                let (scope, compartments) = match door {
                    Some(door) => {
                        let doors = [Some(door), also].into_iter().flatten();
                        (
                            DelegationScope::Parcels,
                            doors.map(|d| self.door(d)).collect(),
                        )
                    }
                    None => (DelegationScope::AllParcels, Vec::new()),
                };
                let expires_at_s = self.hw().clock_s() + u64::from(hours) * 3_600;
                let request = DelegationRequest {
                    delegator,
                    scope,
                    compartments,
                    expires_at_s,
                };
                self.locker().delegate(&request).map(|delegation| {
                    if self.delegations.len() < 16 {
                        let pin = delegation.pin.expose().to_owned();
                        self.delegations
                            .push((delegator, pin, delegation.credential_id));
                    }
                })
            }
            Op::PickupDelegated { pick, wrong_unit } => {
                let n = self.delegations.len();
                match (n > 0).then(|| self.delegations[usize::from(pick) % n].clone()) {
                    Some((delegator, pin, _)) => {
                        let unit = RecipientId(delegator.0 + u64::from(wrong_unit));
                        let opened = self.locker().pickup_pin(KIOSK, Some(unit), &pin);
                        if let Ok(doors) = &opened {
                            // A delegation opens only the delegator's own
                            // parcels, none going back to the carrier.
                            let deliveries = self.locker().state().deliveries();
                            for door in doors {
                                let delivery = &deliveries[door];
                                assert_eq!(delivery.recipient, delegator, "{door}");
                                assert!(!delivery.returning, "{door}");
                            }
                        }
                        opened.map(|doors| self.opened = doors)
                    }
                    None => Ok(()),
                }
            }
            Op::Revoke { pick } => {
                let ids: Vec<CredentialId> = self
                    .locker()
                    .state()
                    .credentials()
                    .records()
                    .map(|record| record.id)
                    .collect();
                match (!ids.is_empty()).then(|| ids[usize::from(pick) % ids.len()]) {
                    Some(id) => self.locker().revoke_credential(id),
                    None => Ok(()),
                }
            }
            Op::Inspect { door, found } => {
                let door = self.door(door);
                self.locker().inspect(door, found)
            }
            Op::SignRemote {
                door,
                staff,
                stranger,
                bank,
                minutes_ago,
            } => {
                let held: Vec<CompartmentId> =
                    self.locker().state().deliveries().keys().copied().collect();
                let compartment = match held.len() {
                    n if n > 0 && door < 192 => held[usize::from(door) % n],
                    _ => self.door(door),
                };
                let not_before_s = self.hw().clock_s() - u64::from(minutes_ago % 6) * 60;
                let resident = self
                    .locker()
                    .state()
                    .deliveries()
                    .get(&compartment)
                    .map_or(0, |delivery| delivery.recipient.0);
                let request = RemoteRequest {
                    bank: BankId(BANK.0 + u64::from(bank == 1)),
                    compartment,
                    purpose: if staff {
                        Purpose::Staff
                    } else {
                        Purpose::Pickup
                    },
                    recipient: Some(RecipientId(resident + u64::from(stranger))),
                    not_before_s,
                    not_after_s: not_before_s + 300,
                };
                let (rng, commands) = &mut self.back_end;
                if commands.len() < 16 {
                    let command =
                        sign_remote_command(&self.keys, rng, &request).expect("the keys sign");
                    commands.push(command);
                }
                Ok(())
            }
            Op::Remote { pick, flip } => {
                let commands = &self.back_end.1;
                let n = commands.len();
                // Mostly the latest, as a back end sends it.
                match (n > 0).then(|| commands[n - 1 - usize::from(pick) % n]) {
                    Some(mut command) => {
                        if let Some((at, xor)) = flip {
                            command.nonce ^= u64::from(xor) << (8 * (at % 8));
                        }
                        self.remote(&command)
                    }
                    None => Ok(()),
                }
            }
            Op::Fault(fault) => {
                self.fault(fault);
                Ok(())
            }
            Op::AdvanceMinutes(minutes) => {
                self.hw().advance_s(u64::from(minutes) * 60);
                Ok(())
            }
            Op::Tick => self.locker().tick(),
            Op::ConfirmClock => self.locker().confirm_clock().map(|_| ()),
            Op::Finish { put } => {
                for door in core::mem::take(&mut self.opened) {
                    let hw = self.hw();
                    let _ = hw.open_door(door);
                    if put {
                        let _ = hw.put_parcel(door);
                    }
                    while !put && hw.take_parcel(door).is_ok() {}
                    let _ = hw.close_door(door);
                    let _ = self.locker().door_closed(door);
                }
                Ok(())
            }
            Op::Restart => {
                self.restart();
                Ok(())
            }
        };
        self.collect_events();
        self.check();
    }

    fn fault(&mut self, fault: Fault) {
        let repeat = |always| if always { Repeat::Always } else { Repeat::Once };
        let _ = match fault {
            Fault::Jam { door, always } => {
                let door = self.door(door);
                self.hw().jam(door, repeat(always))
            }
            Fault::HoldOpen { door } => {
                let door = self.door(door);
                self.hw().hold_open(door)
            }
            Fault::BreakSensor { door } => {
                let door = self.door(door);
                self.hw().break_door_sensor(door)
            }
            Fault::Lie { door, opposite } => {
                let door = self.door(door);
                let lie = if opposite {
                    SensorLie::Opposite
                } else {
                    SensorLie::Unknown
                };
                self.hw().lie_occupancy(door, lie)
            }
            Fault::FailCalls {
                operation,
                kind,
                always,
            } => {
                let ops = [
                    Operation::Unlock,
                    Operation::DoorState,
                    Operation::Occupancy,
                    Operation::NowS,
                    Operation::FillRandom,
                ];
                let kinds = [
                    HardwareErrorKind::DoorJammed,
                    HardwareErrorKind::SensorFault,
                    HardwareErrorKind::BusTimeout,
                    HardwareErrorKind::PowerLost,
                    HardwareErrorKind::Other,
                ];
                let operation = ops[usize::from(operation) % ops.len()];
                let kind = kinds[usize::from(kind) % kinds.len()];
                self.hw().fail_calls(operation, kind, repeat(always));
                Ok(())
            }
            Fault::CutPowerAfter(calls) => {
                self.hw().cut_power_after(usize::from(calls % 8));
                Ok(())
            }
            Fault::JumpClockMinutes(minutes) => {
                self.hw().jump_clock_s(i64::from(minutes) * 60);
                Ok(())
            }
            Fault::ClearAll => {
                self.hw().clear_faults();
                Ok(())
            }
        };
    }

    /// Sends a remote command and checks what it opened.
    fn remote(&mut self, command: &RemoteCommand) -> Result<(), locker_core::locker::LockerError> {
        let door = command.request.compartment;
        let before = self.locker().state().deliveries().get(&door).cloned();
        let doors = self.locker().open_remote(command)?;
        // The locker's time: it never goes back with the hardware clock.
        let now_s = self.locker().state().last_at_s();
        assert_eq!(doors, vec![door]);
        let delivery = before.expect("a remote command opened a door without parcels");
        assert!(!delivery.returning, "a remote command opened a return");
        assert_eq!(
            Some(delivery.recipient),
            command.request.recipient,
            "a remote command opened another resident's parcels"
        );
        assert_eq!(command.request.purpose, Purpose::Pickup);
        assert!(
            self.remote_opened
                .iter()
                .all(|&(nonce, _)| nonce != command.nonce),
            "a remote command opened twice"
        );
        self.remote_opened.push((command.nonce, now_s));
        let policy = self.locker().state().credentials().policy().remote;
        let within = |span_s: u64| {
            self.remote_opened
                .iter()
                .filter(|&&(_, at_s)| at_s + span_s > now_s)
                .count()
        };
        let (minute, day) = (within(60), within(86_400));
        assert!(
            minute <= policy.max_opens_per_minute as usize,
            "{minute} remote openings in a minute"
        );
        assert!(
            day <= policy.max_opens_per_day as usize,
            "{day} remote openings in a day"
        );
        self.opened = doors;
        Ok(())
    }

    /// A restart: the power comes back and the locker is restored from its
    /// journal; if that fails, staff clear every fault and it must succeed.
    fn restart(&mut self) {
        let locker = self.locker.take().expect("running");
        let records: Vec<Record<Entry>> = locker.journal().records().to_vec();
        let (mut hardware, _) = locker.into_parts();
        hardware.restore_power();
        let journal = || {
            let mut journal = MemoryJournal::new();
            records.iter().cloned().for_each(|r| journal.push(r));
            journal
        };
        let restored =
            match Locker::restore(self.keys.clone(), hardware.clone(), journal(), &records) {
                Ok(locker) => locker,
                Err(_) => {
                    hardware.clear_faults();
                    Locker::restore(self.keys.clone(), hardware, journal(), &records)
                        .unwrap_or_else(|e| panic!("restore with every fault cleared failed: {e}"))
                }
            };
        self.locker = Some(restored);
    }

    fn check(&mut self) {
        let locker = self.locker.as_ref().expect("running");
        let records = locker.journal().records();
        let (checked, chain, state) = &mut self.replayed;
        for record in &records[*checked..] {
            check_next(chain, record).unwrap_or_else(|e| panic!("journal does not verify: {e}"));
            chain.advance(record);
            match state {
                None => {
                    *state = Some(
                        LockerState::from_entry(&record.entry, record.at_s)
                            .expect("first record configures"),
                    )
                }
                Some(state) => state
                    .apply(&record.entry, record.at_s)
                    .unwrap_or_else(|e| panic!("record {} does not replay: {e}", record.seq)),
            }
        }
        *checked = records.len();
        assert_eq!(
            *chain,
            locker.chain(),
            "the locker's chain is not the journal's"
        );
        let live = locker.state();
        assert!(
            state.as_ref() == Some(live),
            "replay differs from the live state"
        );

        let mut seen = BTreeMap::new();
        for compartment in live.bank().compartments() {
            for parcel in compartment.contents().map_or(&[][..], |c| &c.parcels) {
                if let Some(other) = seen.insert(parcel.id, compartment.id()) {
                    panic!(
                        "{:?} is in doors {other} and {}",
                        parcel.id,
                        compartment.id()
                    );
                }
                assert_eq!(
                    live.parcels().get(&parcel.id),
                    Some(&ParcelPlace::Compartment(compartment.id())),
                    "{:?} is in door {} but placed elsewhere",
                    parcel.id,
                    compartment.id()
                );
            }
        }

        // No parcel is stranded: until it expires, the recipient holds a
        // credential of the delivery that still opens its door.
        let now_s = live.last_at_s();
        for (door, delivery) in live.deliveries() {
            if delivery.returning || now_s >= delivery.expires_at_s {
                continue;
            }
            let openable = delivery.credentials.iter().any(|id| {
                live.credentials()
                    .get(*id)
                    .is_some_and(|r| r.is_usable(now_s) && r.compartments.contains(door))
            });
            assert!(
                openable,
                "door {door}: no credential of its delivery opens it"
            );
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let config = config();
    let doors: Vec<CompartmentId> = config.bank.compartments.iter().map(|c| c.id).collect();
    let hardware = SimulatedHardware::new(doors.iter().copied(), 42).with_now_s(T0);
    let mut locker = Locker::new(config, hardware, MemoryJournal::new()).expect("a new locker");
    let code = locker
        .issue_courier_code(CarrierId(7), 3_650 * 86_400)
        .expect("courier code");
    let session = locker
        .courier_sign_in(KIOSK, code.expose())
        .expect("sign in");
    let keys = locker.keys().clone();
    let mut run = Run {
        locker: Some(locker),
        keys,
        doors,
        session,
        secrets: Vec::new(),
        delegations: Vec::new(),
        opened: Vec::new(),
        back_end: (rand_core::SeedableRng::from_seed([11; 32]), Vec::new()),
        remote_opened: Vec::new(),
        next_parcel: 0,
        replayed: (0, locker_core::journal::Chain::new(), None),
    };
    run.check();
    for op in ops.into_iter().take(48) {
        run.step(op);
    }
});
