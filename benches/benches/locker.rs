//! The locker end to end on the simulated hardware: a full drop-off, a full
//! pickup, a journal append, and replay of 100,000 records; verifying them
//! with and without their MACs shows what a MAC per record costs (a
//! checkpoint MAC every N records would cost 1/N of it).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use locker_core::allocate::Request;
use locker_core::credential::KeyRing;
use locker_core::credential::{CarrierId, KioskId, PinSecret};
use locker_core::hardware::SimulatedHardware;
use locker_core::journal::{Chain, MemoryJournal, Record, Trust, lines, verify};
use locker_core::locker::{CourierSession, DropOff, Entry, Event, Locker, LockerConfig, replay};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};

type SimLocker = Locker<SimulatedHardware, MemoryJournal<Entry>>;

const KIOSK: KioskId = KioskId(1);
const T0: u64 = 1_700_000_000;

/// A locker and a courier signed in with a code valid for centuries: the
/// flow benches advance the clock an hour per iteration, for many years.
fn locker() -> (SimLocker, CourierSession) {
    let config = LockerConfig::default();
    let doors: Vec<CompartmentId> = config.bank.compartments.iter().map(|c| c.id).collect();
    let hardware = SimulatedHardware::new(doors, 1).with_now_s(T0);
    let mut locker = Locker::new(config, hardware, MemoryJournal::new()).unwrap();
    let code = locker
        .issue_courier_code(CarrierId(1), 100_000 * 86_400)
        .unwrap();
    let courier = locker.courier_sign_in(KIOSK, code.expose()).unwrap();
    (locker, courier)
}

/// A drop-off as a courier does it: deposit, open, put, close.
fn drop_off(
    locker: &mut SimLocker,
    courier: &CourierSession,
    id: u64,
) -> (CompartmentId, RecipientId, PinSecret) {
    let recipient = RecipientId(id % 300);
    let parcel = Parcel::new(ParcelId(id), Dimensions::new(300, 200, 50), 800);
    let DropOff::Opened { compartment, .. } = locker
        .deposit(courier, Request::new(parcel, recipient))
        .unwrap()
    else {
        panic!("the bench keeps the bank nearly empty");
    };
    let hw = locker.hardware_mut();
    hw.open_door(compartment).unwrap();
    hw.put_parcel(compartment).unwrap();
    hw.close_door(compartment).unwrap();
    locker.door_closed(compartment).unwrap();
    let pin = locker
        .take_events()
        .into_iter()
        .find_map(|e| match e {
            Event::ParcelReady { pin, .. } => Some(pin),
            _ => None,
        })
        .unwrap();
    (compartment, recipient, pin)
}

/// A pickup as a resident does it: PIN, open, take, close; then the grace
/// period passes.
fn pick_up(locker: &mut SimLocker, door: CompartmentId, recipient: RecipientId, pin: &PinSecret) {
    let opened = locker
        .pickup_pin(KIOSK, Some(recipient), pin.expose())
        .unwrap();
    assert_eq!(opened, vec![door]);
    let hw = locker.hardware_mut();
    hw.open_door(door).unwrap();
    while hw.parcel_count(door).unwrap() > 0 {
        hw.take_parcel(door).unwrap();
    }
    hw.close_door(door).unwrap();
    locker.door_closed(door).unwrap();
}

/// Iterations between fresh lockers: each advances the clock an hour, and
/// credentials expire before 2^32 s (QR tokens carry 32-bit times), so the
/// clock must not run a century ahead (100,000 hours is 11 years).
const ITERATIONS_PER_LOCKER: u64 = 100_000;

/// A fresh locker (outside the timed part) once the clock has run far.
fn renew_if_old(locker: &mut SimLocker, courier: &mut CourierSession, next: u64) {
    if next.is_multiple_of(ITERATIONS_PER_LOCKER) {
        (*locker, *courier) = self::locker();
    }
}

fn end_grace(locker: &mut SimLocker) {
    locker.hardware_mut().advance_s(3_600);
    locker.tick().unwrap();
    locker.hardware_mut().clear_calls();
}

fn flows(c: &mut Criterion) {
    let (mut locker, mut courier) = locker();
    let mut next = 0_u64;
    c.bench_function("full drop-off (simulated hardware)", |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for _ in 0..iterations {
                next += 1;
                renew_if_old(&mut locker, &mut courier, next);
                let start = Instant::now();
                let (door, recipient, pin) = drop_off(&mut locker, &courier, next);
                spent += start.elapsed();
                pick_up(&mut locker, door, recipient, &pin);
                end_grace(&mut locker);
            }
            spent
        });
    });
    c.bench_function("full pickup by PIN (simulated hardware)", |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for _ in 0..iterations {
                next += 1;
                renew_if_old(&mut locker, &mut courier, next);
                let (door, recipient, pin) = drop_off(&mut locker, &courier, next);
                let start = Instant::now();
                pick_up(&mut locker, door, recipient, &pin);
                spent += start.elapsed();
                end_grace(&mut locker);
            }
            spent
        });
    });
}

/// About `count` records of a busy locker at the field's rate: 300 units
/// receiving 20 parcels a month each, 200 a day, in rounds of 40 every
/// 4.8 hours, collected within the round; sweeps every round.
fn busy_journal(count: usize) -> (Vec<Record<Entry>>, KeyRing) {
    let (mut locker, courier) = locker();
    let mut next = 0_u64;
    while locker.journal().records().len() < count {
        let mut waiting = Vec::new();
        for _ in 0..40 {
            next += 1;
            waiting.push(drop_off(&mut locker, &courier, next));
        }
        for (door, recipient, pin) in &waiting {
            pick_up(&mut locker, *door, *recipient, pin);
        }
        // A round every 4.8 hours, the clock read hourly (a longer gap
        // would be a jump the locker holds back).
        for _ in 0..4 {
            locker.hardware_mut().advance_s(3_600);
            locker.observe_clock().unwrap();
        }
        locker
            .hardware_mut()
            .advance_s(86_400 * 40 / 200 - 4 * 3_600);
        locker.tick().unwrap();
        locker.hardware_mut().clear_calls();
    }
    let mut records = locker.journal().records().to_vec();
    records.truncate(count);
    (records, locker.keys().clone())
}

fn journal(c: &mut Criterion) {
    let (records, keys) = busy_journal(100_000);
    let mut group = c.benchmark_group("journal");
    group.throughput(Throughput::Elements(records.len() as u64));
    group.sample_size(10);
    group.bench_function("replay 100,000 records (apply)", |b| {
        b.iter(|| black_box(replay(black_box(&records)).unwrap()));
    });
    group.bench_function(
        "statistics of 100,000 records (analytics::journal_stats)",
        |b| {
            let options = locker_core::analytics::StatsOptions::default();
            b.iter(|| {
                black_box(
                    locker_core::analytics::journal_stats(black_box(&records), &options).unwrap(),
                )
            });
        },
    );
    group.bench_function("verify the chain of 100,000 records (no keys)", |b| {
        b.iter(|| black_box(verify(black_box(&records), &Trust::integrity_only()).unwrap()));
    });
    group.bench_function("verify 100,000 records with their MACs", |b| {
        b.iter(|| black_box(verify(black_box(&records), &Trust::with_keys(&keys)).unwrap()));
    });
    let text = lines::write(&records);
    group.bench_function("read 100,000 JSON lines (parse + canonical + MACs)", |b| {
        b.iter(|| {
            black_box(lines::read::<Entry>(black_box(&text), &Trust::with_keys(&keys)).unwrap())
        });
    });
    group.finish();

    let sample = records
        .iter()
        .find(|r| matches!(r.entry, Entry::DepositCommitted { .. }))
        .unwrap()
        .entry
        .clone();
    c.bench_function("journal append (seal + store, memory)", |b| {
        b.iter_batched(
            || (Chain::new(), MemoryJournal::<Entry>::new()),
            |(mut chain, mut journal)| {
                let record = chain.seal(&keys, T0, sample.clone()).unwrap();
                locker_core::journal::JournalSink::append(&mut journal, &record).unwrap();
                black_box(journal)
            },
            BatchSize::SmallInput,
        );
    });
    println!(
        "journal: {} records, {} bytes as JSON lines ({} bytes a record)",
        records.len(),
        text.len(),
        text.len() / records.len()
    );
}

criterion_group!(benches, flows, journal);
criterion_main!(benches);
