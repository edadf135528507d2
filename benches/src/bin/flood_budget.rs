//! The journal's cost of a flood: an attacker at every kiosk sends, every
//! second for 24 hours, a junk QR scan, a forged QR token, an unknown RFID
//! tag, a wrong PIN for a unit, a wrong courier code for a carrier and a
//! forged remote command. Prints the attempts, the records and bytes the
//! journal grew by, and the cost per day (BENCHMARKS.md, "Flash under a
//! flood").
//!
//! `cargo run --release -p locker-benches --bin flood_budget`

use locker_core::credential::{
    BankId, CarrierId, DAY_S, KeyRing, KioskId, Purpose, RemotePolicy, RemoteRequest, TokenRequest,
    issue_token, sign_remote_command,
};
use locker_core::hardware::SimulatedHardware;
use locker_core::journal::{MemoryJournal, lines};
use locker_core::locker::{Entry, Locker, LockerConfig};
use locker_core::{CompartmentId, RecipientId};
use rand::SeedableRng;

const T0: u64 = 1_700_000_000;
const BANK: BankId = BankId(5);

fn main() {
    for kiosks in [1_u32, 3] {
        let mut config = LockerConfig {
            bank_id: BANK,
            ..LockerConfig::default()
        };
        config.credentials.remote = RemotePolicy {
            enabled: true,
            ..RemotePolicy::default()
        };
        let doors = config.bank.compartments.iter().map(|c| c.id);
        let hardware = SimulatedHardware::new(doors, 1).with_now_s(T0);
        let mut locker = Locker::new(config, hardware, MemoryJournal::new()).unwrap();
        locker.issue_courier_code(CarrierId(1), 30 * DAY_S).unwrap();
        let mut forger = KeyRing::new();
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        forger.rotate(&mut rng).unwrap();
        let (forged_token, _) = issue_token(
            &forger,
            &mut rng,
            &TokenRequest {
                bank: BANK,
                purpose: Purpose::Pickup,
                compartments: vec![CompartmentId(1)],
                recipient: Some(RecipientId(12)),
                expires_at_s: T0 + 2 * DAY_S,
            },
            T0,
        )
        .unwrap();
        let before = locker.journal().records().len();
        let bytes_before: usize = locker
            .journal()
            .records()
            .iter()
            .map(|r| lines::to_line(r).len() + 1)
            .sum();
        let mut attempts = 0_u64;
        for second in 0..DAY_S {
            locker.hardware_mut().advance_s(1);
            for k in 1..=kiosks {
                let kiosk = KioskId(k);
                let guess = format!("{:08}", second % 100_000_000);
                let _ = locker.pickup_qr(kiosk, "JUNKJUNKJUNK");
                let _ = locker.pickup_qr(kiosk, forged_token.expose());
                let uid = second.to_be_bytes();
                let _ = locker.pickup_rfid(kiosk, &uid[1..], None);
                let _ = locker.pickup_pin(kiosk, Some(RecipientId(12)), &guess);
                let _ = locker.courier_sign_in_for(kiosk, CarrierId(1), &guess);
                let command = sign_remote_command(
                    &forger,
                    &mut rng,
                    &RemoteRequest {
                        bank: BANK,
                        compartment: CompartmentId(1),
                        purpose: Purpose::Pickup,
                        recipient: Some(RecipientId(12)),
                        not_before_s: T0 + second,
                        not_after_s: T0 + second + 60,
                    },
                )
                .unwrap();
                let _ = locker.open_remote(&command);
                attempts += 6;
            }
            if second % 60 == 0 {
                locker.tick().unwrap();
            }
        }
        locker.hardware_mut().advance_s(3_600);
        locker.tick().unwrap();
        let records = locker.journal().records();
        let added = &records[before..];
        let bytes: usize = records
            .iter()
            .map(|r| lines::to_line(r).len() + 1)
            .sum::<usize>()
            - bytes_before;
        let counted = added
            .iter()
            .filter(|r| matches!(r.entry, Entry::AttemptFailed { .. }))
            .count();
        let summed: u64 = added
            .iter()
            .map(|r| match &r.entry {
                Entry::AttemptsRefused { count, .. } => u64::from(*count),
                _ => 0,
            })
            .sum();
        println!(
            "{kiosks} kiosk(s): {attempts} attempts in 24 h -> {} records ({counted} attempt_failed, \
             {} attempts_refused summing {summed}), {bytes} B of JSON lines ({:.1} KB a day)",
            added.len(),
            added.len() - counted,
            bytes as f64 / 1000.0
        );
        assert_eq!(
            counted as u64 + summed,
            attempts,
            "every attempt on the record"
        );
    }
}
