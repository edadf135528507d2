//! Remote opening on the locker: a signed command opens one door for a
//! pickup, once, within the caps, and the journal remembers it all.

use super::*;
use crate::credential::{
    BankId, CredentialError, Purpose, RemoteCommand, RemotePolicy, RemoteRequest,
    sign_remote_command,
};
use proptest::prelude::*;

const BANK: BankId = BankId(31);
const WINDOW_S: u64 = 300;

fn remote_config(max_opens_per_minute: u32, max_opens_per_day: u32) -> LockerConfig {
    let mut config = LockerConfig::default();
    config.credentials.remote = RemotePolicy {
        enabled: true,
        max_opens_per_minute,
        max_opens_per_day,
        ..RemotePolicy::default()
    };
    config.bank_id = BANK;
    config
}

/// Signs commands as the back end does, with the locker's keys.
struct BackEnd {
    rng: chacha20::ChaCha20Rng,
}

impl BackEnd {
    fn new() -> Self {
        Self {
            rng: <chacha20::ChaCha20Rng as rand_core::SeedableRng>::from_seed([5; 32]),
        }
    }

    /// A pickup command for door `door` and the parcels of whoever it
    /// holds now, or a staff override.
    fn command(&mut self, rig: &Rig, door: CompartmentId, purpose: Purpose) -> RemoteCommand {
        let recipient = rig
            .locker
            .state()
            .deliveries()
            .get(&door)
            .map(|d| d.recipient);
        self.command_for(rig, door, purpose, recipient.or(Some(RecipientId(1))))
    }

    fn command_for(
        &mut self,
        rig: &Rig,
        door: CompartmentId,
        purpose: Purpose,
        recipient: Option<RecipientId>,
    ) -> RemoteCommand {
        let now_s = rig.locker.state().last_at_s();
        let request = RemoteRequest {
            bank: BANK,
            compartment: door,
            purpose,
            recipient,
            not_before_s: now_s,
            not_after_s: now_s + WINDOW_S,
        };
        sign_remote_command(rig.locker.keys(), &mut self.rng, &request).unwrap()
    }
}

impl Rig {
    fn now_s(&mut self) -> u64 {
        self.hw().clock_s()
    }
}

/// The same locker after a restart: the journal replayed, the keys kept.
fn restarted(rig: Rig) -> Rig {
    let keys = rig.locker.keys().clone();
    let (hardware, journal) = rig.locker.into_parts();
    let records = journal.records().to_vec();
    let locker = Locker::restore(keys, hardware, journal, &records).unwrap();
    Rig {
        locker,
        courier: rig.courier,
    }
}

fn credential_error(error: LockerError) -> CredentialError {
    match error {
        LockerError::Credential(error) => error,
        other => panic!("not a credential error: {other}"),
    }
}

#[test]
fn a_signed_command_opens_its_door_once_and_the_pickup_completes() {
    let mut rig = rig_with(remote_config(2, 48));
    let mut back_end = BackEnd::new();
    let (door, pin, _) = rig.drop_off(parcel(1), 12);
    let command = back_end.command(&rig, door, Purpose::Pickup);

    assert_eq!(rig.locker.open_remote(&command).unwrap(), vec![door]);
    rig.empty_doors(&[door]);
    let events = rig.locker.take_events();
    assert!(events.iter().any(|event| matches!(
        event,
        Event::Collected { recipient: RecipientId(12), compartment, .. } if *compartment == door
    )));
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(1)],
        ParcelPlace::Collected
    );
    // The resident's own PIN went with the parcels.
    let error = rig
        .locker
        .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose())
        .unwrap_err();
    assert!(
        matches!(
            error,
            LockerError::Credential(CredentialError::Revoked { .. })
        ),
        "{error}"
    );
    rig.assert_replays();

    // The command is spent: a new parcel in the same door stays shut to
    // it, before and after a restart.
    rig.advance(rig.locker.state().policy().reopen_grace_s);
    rig.locker.tick().unwrap();
    let (again, _, _) = rig.drop_off(parcel(2), 12);
    assert_eq!(again, door, "the bank's best door for the parcel");
    let error = rig.locker.open_remote(&command).unwrap_err();
    assert_eq!(
        credential_error(error),
        CredentialError::Replayed {
            nonce: command.nonce
        }
    );
    let mut rig = restarted(rig);
    let error = rig.locker.open_remote(&command).unwrap_err();
    assert!(matches!(
        credential_error(error),
        CredentialError::Replayed { .. }
    ));
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(2)],
        ParcelPlace::Compartment(door)
    );
}

#[test]
fn remote_opening_is_off_unless_the_policy_turns_it_on() {
    let mut rig = rig();
    let mut back_end = BackEnd::new();
    let (door, _, _) = rig.drop_off(parcel(1), 12);
    let command = back_end.command(&rig, door, Purpose::Pickup);
    let journaled = rig.locker.journal().records().len();
    let error = rig.locker.open_remote(&command).unwrap_err();
    assert_eq!(credential_error(error), CredentialError::RemoteDisabled);
    assert_eq!(rig.locker.journal().records().len(), journaled);
}

#[test]
fn refused_commands_spend_nothing_and_open_nothing() {
    let mut rig = rig_with(remote_config(2, 48));
    let mut back_end = BackEnd::new();
    let (door, _, _) = rig.drop_off(parcel(1), 12);
    let empty = rig
        .locker
        .state()
        .bank()
        .compartments()
        .iter()
        .map(|c| c.id())
        .find(|&id| id != door)
        .unwrap();

    // Not for this bank: a counted failure, journaled as one.
    let mut elsewhere = back_end.command(&rig, door, Purpose::Pickup);
    elsewhere.request.bank = BankId(BANK.0 + 1);
    let before = rig.locker.state().clone();
    let error = rig.locker.open_remote(&elsewhere).unwrap_err();
    assert!(matches!(
        credential_error(error),
        CredentialError::Rejected | CredentialError::WrongBank { .. }
    ));
    assert!(matches!(
        rig.locker.journal().records().last().unwrap().entry,
        Entry::AttemptFailed { .. }
    ));
    assert_eq!(rig.locker.state().deliveries(), before.deliveries());

    // Signed and valid, but for nothing a resident may take: no change.
    let staff = back_end.command(&rig, door, Purpose::Staff);
    let nothing = back_end.command(&rig, empty, Purpose::Pickup);
    let before = rig.locker.state().clone();
    let error = rig.locker.open_remote(&staff).unwrap_err();
    assert_eq!(
        credential_error(error),
        CredentialError::WrongPurpose {
            expected: Purpose::Pickup,
            actual: Purpose::Staff
        }
    );
    assert!(matches!(
        rig.locker.open_remote(&nothing),
        Err(LockerError::NothingToCollect)
    ));
    assert_eq!(rig.locker.state(), &before);
    assert!(!rig.hw().is_open(door).unwrap());

    // Parcels going back to the carrier are the carrier's to collect.
    let policy = rig.locker.state().policy().clone();
    rig.advance(policy.dwell_s);
    rig.locker.tick().unwrap();
    let late = back_end.command(&rig, door, Purpose::Pickup);
    assert!(matches!(
        rig.locker.open_remote(&late),
        Err(LockerError::NothingToCollect)
    ));
    rig.assert_replays();
}

#[test]
fn a_door_that_will_not_unlock_still_spends_its_command() {
    let mut rig = rig_with(remote_config(2, 48));
    let mut back_end = BackEnd::new();
    let (door, _, _) = rig.drop_off(parcel(1), 12);
    let command = back_end.command(&rig, door, Purpose::Pickup);
    rig.hw().jam(door, Repeat::Always).unwrap();
    let error = rig.locker.open_remote(&command).unwrap_err();
    assert!(matches!(error, LockerError::Hardware { .. }), "{error}");
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(1)],
        ParcelPlace::Compartment(door)
    );
    let error = rig.locker.open_remote(&command).unwrap_err();
    assert!(matches!(
        credential_error(error),
        CredentialError::Replayed { .. }
    ));
    rig.assert_replays();
}

#[test]
fn the_caps_count_across_doors_and_restarts() {
    let mut rig = rig_with(remote_config(2, 3));
    let mut back_end = BackEnd::new();
    let doors: Vec<CompartmentId> = (1..=4).map(|id| rig.drop_off(parcel(id), id).0).collect();
    let commands: Vec<RemoteCommand> = doors
        .iter()
        .map(|&door| back_end.command(&rig, door, Purpose::Pickup))
        .collect();
    rig.locker.open_remote(&commands[0]).unwrap();
    rig.locker.open_remote(&commands[1]).unwrap();
    let error = rig.locker.open_remote(&commands[2]).unwrap_err();
    let CredentialError::RemoteCapReached { retry_at_s } = credential_error(error) else {
        panic!("the minute's cap is two");
    };
    let mut rig = restarted(rig);
    assert!(matches!(
        rig.locker.open_remote(&commands[2]),
        Err(LockerError::Credential(
            CredentialError::RemoteCapReached { .. }
        ))
    ));
    let now_s = rig.now_s();
    rig.advance(retry_at_s - now_s);
    rig.locker.open_remote(&commands[2]).unwrap();
    // The day's cap is three.
    rig.advance(60);
    assert!(matches!(
        rig.locker.open_remote(&commands[3]),
        Err(LockerError::Credential(
            CredentialError::RemoteCapReached { .. }
        ))
    ));
    rig.assert_replays();
}

#[test]
fn a_command_opens_only_its_residents_parcels_never_the_next_residents() {
    let mut rig = rig_with(remote_config(2, 48));
    let mut back_end = BackEnd::new();
    let (door, pin, _) = rig.drop_off(parcel(1), 12);
    let for_12 = back_end.command(&rig, door, Purpose::Pickup);
    let for_13 = back_end.command_for(&rig, door, Purpose::Pickup, Some(RecipientId(13)));
    assert!(matches!(
        rig.locker.open_remote(&for_13),
        Err(LockerError::NothingToCollect)
    ));

    // Resident 12 collects by PIN; after the grace period resident 13's
    // parcel goes into the same door, while 12's command is still valid.
    let opened = rig
        .locker
        .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose())
        .unwrap();
    rig.empty_doors(&opened);
    rig.advance(rig.locker.state().policy().reopen_grace_s);
    rig.locker.tick().unwrap();
    let (again, _, _) = rig.drop_off(parcel(2), 13);
    assert_eq!(again, door);
    assert!(rig.now_s() < for_12.request.not_after_s);
    let before = rig.locker.state().clone();
    assert!(matches!(
        rig.locker.open_remote(&for_12),
        Err(LockerError::NothingToCollect)
    ));
    assert_eq!(rig.locker.state(), &before, "nothing spent");
    // 13's own command opens it.
    let mine = back_end.command(&rig, door, Purpose::Pickup);
    assert_eq!(mine.request.recipient, Some(RecipientId(13)));
    assert_eq!(rig.locker.open_remote(&mine).unwrap(), vec![door]);
    rig.assert_replays();
}

#[test]
fn replays_and_late_commands_are_not_counted_or_journaled() {
    let mut rig = rig_with(remote_config(2, 48));
    let mut back_end = BackEnd::new();
    let (door, _, _) = rig.drop_off(parcel(1), 12);
    let command = back_end.command(&rig, door, Purpose::Pickup);
    rig.locker.open_remote(&command).unwrap();
    let journaled = rig.locker.journal().records().len();
    // Far more than the throttle allows, were they counted.
    for _ in 0..20 {
        assert!(matches!(
            rig.locker.open_remote(&command),
            Err(LockerError::Credential(CredentialError::Replayed { .. }))
        ));
    }
    rig.advance(WINDOW_S);
    for _ in 0..20 {
        assert!(matches!(
            rig.locker.open_remote(&command),
            Err(LockerError::Credential(CredentialError::Expired { .. }))
        ));
    }
    assert_eq!(rig.locker.journal().records().len(), journaled);
    // A new command still works: nothing throttled the bank.
    rig.empty_doors(&[door]);
    let (other, _, _) = rig.drop_off(parcel(2), 13);
    let fresh = back_end.command(&rig, other, Purpose::Pickup);
    assert_eq!(rig.locker.open_remote(&fresh).unwrap(), vec![other]);
}

#[test]
fn a_snapshot_keeps_spent_commands_and_the_caps() {
    let mut rig = rig_with(remote_config(1, 48));
    let mut back_end = BackEnd::new();
    let (door, _, _) = rig.drop_off(parcel(1), 12);
    let (other, _, _) = rig.drop_off(parcel(2), 13);
    let command = back_end.command(&rig, door, Purpose::Pickup);
    let next = back_end.command(&rig, other, Purpose::Pickup);
    rig.locker.open_remote(&command).unwrap();

    let snapshot: Snapshot =
        serde_json::from_str(&serde_json::to_string(&rig.locker.snapshot()).unwrap()).unwrap();
    let keys = rig.locker.keys().clone();
    let (hardware, journal) = rig.locker.into_parts();
    let mut restored = Locker::restore_from(keys, hardware, journal, Some(&snapshot), &[]).unwrap();
    assert!(matches!(
        restored.open_remote(&command),
        Err(LockerError::Credential(CredentialError::Replayed { .. }))
    ));
    assert!(matches!(
        restored.open_remote(&next),
        Err(LockerError::Credential(
            CredentialError::RemoteCapReached { .. }
        ))
    ));
}

/// What a proptest run does between checks.
#[derive(Clone, Debug)]
enum Step {
    /// A parcel for unit `n`.
    DropOff(u64),
    /// The back end signs a command for the door of the `n`th drop-off.
    Sign(usize),
    /// The locker gets the `n`th command signed so far.
    Send(usize),
    /// Time passes.
    Wait(u64),
    /// Everyone opened takes their parcels.
    Collect,
    /// Power cycle.
    Restart,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (1..6_u64).prop_map(Step::DropOff),
        2 => (0..8_usize).prop_map(Step::Sign),
        4 => (0..8_usize).prop_map(Step::Send),
        2 => prop_oneof![1..40_u64, 50..200_u64, Just(DAY_S)].prop_map(Step::Wait),
        1 => Just(Step::Collect),
        1 => Just(Step::Restart),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// However commands arrive — repeated, late, across restarts — each
    /// opens at most once, and no rolling minute or day sees more
    /// openings than the caps allow.
    #[test]
    fn commands_open_once_and_within_the_caps(
        per_minute in 1..4_u32,
        more_per_day in 0..5_u32,
        steps in proptest::collection::vec(step(), 1..40),
    ) {
        let per_day = per_minute + more_per_day;
        let mut rig = rig_with(remote_config(per_minute, per_day));
        let mut back_end = BackEnd::new();
        let mut doors = Vec::new();
        let mut commands: Vec<RemoteCommand> = Vec::new();
        let mut opened_at_s: Vec<u64> = Vec::new();
        let mut used = Vec::new();
        let mut next_parcel = 1;
        for step in steps {
            match step {
                Step::DropOff(unit) => {
                    let courier = rig.courier.clone();
                    let request = Request::new(parcel(next_parcel), RecipientId(unit));
                    next_parcel += 1;
                    if let Ok(DropOff::Opened { compartment, .. }) =
                        rig.locker.deposit(&courier, request)
                    {
                        rig.hw().open_door(compartment).unwrap();
                        rig.hw().put_parcel(compartment).unwrap();
                        rig.hw().close_door(compartment).unwrap();
                        rig.locker.door_closed(compartment).unwrap();
                        doors.push(compartment);
                    }
                }
                Step::Sign(n) if !doors.is_empty() => {
                    let door = doors[n % doors.len()];
                    commands.push(back_end.command(&rig, door, Purpose::Pickup));
                }
                Step::Send(n) if !commands.is_empty() => {
                    let command = commands[n % commands.len()];
                    let door = command.request.compartment;
                    let held = rig.locker.state().deliveries().get(&door).cloned();
                    if rig.locker.open_remote(&command).is_ok() {
                        let held = held.expect("a command opened a door without parcels");
                        prop_assert_eq!(Some(held.recipient), command.request.recipient);
                        prop_assert!(!held.returning);
                        prop_assert!(!used.contains(&command.nonce), "a command opened twice");
                        used.push(command.nonce);
                        opened_at_s.push(rig.now_s());
                    }
                }
                Step::Wait(by_s) => {
                    rig.advance(by_s);
                    rig.locker.tick().unwrap();
                }
                Step::Collect => {
                    let open: Vec<CompartmentId> =
                        rig.locker.state().open_doors().keys().copied().collect();
                    rig.empty_doors(&open);
                }
                Step::Restart => rig = restarted(rig),
                Step::Sign(_) | Step::Send(_) => {}
            }
        }
        for &at_s in &opened_at_s {
            let within = |span_s: u64| {
                opened_at_s.iter().filter(|&&t| t <= at_s && t + span_s > at_s).count()
            };
            prop_assert!(within(60) <= per_minute as usize);
            prop_assert!(within(DAY_S) <= per_day as usize);
        }
        rig.assert_replays();
    }
}

#[test]
fn a_policy_names_only_what_it_changes_and_a_misspelt_field_is_refused() {
    let config: LockerConfig = serde_json::from_value(serde_json::json!({
        "bank": crate::bank::default_bank(),
        "credentials": {"remote": {"enabled": true}},
    }))
    .unwrap();
    let expected = RemotePolicy {
        enabled: true,
        ..RemotePolicy::default()
    };
    assert_eq!(config.credentials.remote, expected);
    assert_eq!(config.credentials.pin, Default::default());

    let misspelt = serde_json::from_value::<LockerConfig>(serde_json::json!({
        "bank": crate::bank::default_bank(),
        "credentials": {"remote": {"enabeld": true}},
    }))
    .unwrap_err();
    assert!(
        misspelt.to_string().contains("unknown field `enabeld`"),
        "{misspelt}"
    );
}

#[test]
fn a_throttle_scope_is_given_whole_and_checked_for_misspellings() {
    let bank = crate::bank::default_bank();
    let misspelt = serde_json::from_value::<LockerConfig>(serde_json::json!({
        "bank": bank,
        "credentials": {"throttle": {"bank": {
            "free_failures": 3, "base_delay_s": 60, "max_delay_s": 600,
            "max_failures_per_window": 20, "window_s": 86_400, "windows_s": 1,
        }}},
    }))
    .unwrap_err();
    assert!(
        misspelt.to_string().contains("unknown field `windows_s`"),
        "{misspelt}"
    );
    let partial = serde_json::from_value::<LockerConfig>(serde_json::json!({
        "bank": bank,
        "credentials": {"throttle": {"bank": {"free_failures": 3}}},
    }))
    .unwrap_err();
    assert!(partial.to_string().contains("missing field"), "{partial}");
}
