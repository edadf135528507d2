//! Packing quality of `locker_core::pack::pack_bins` on Martello–Pisinger–
//! Vigo instances (see `locker_benches::mpv`), against the lower bound
//! `max(L0, L2)`.
//!
//! ```text
//! cargo run --release -p locker-benches --bin packing_quality
//! cargo run --release -p locker-benches --bin packing_quality -- --emit-json 1 200 1
//! ```
//!
//! The first form prints a markdown table for classes 1–9, n ∈ {50, 100,
//! 150, 200}, seeds 1–10, and verifies every packing with
//! `Packing::check` (and that every parcel is placed exactly once). The
//! second prints one instance as JSON, the format of `benches/data/`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use locker_benches::instances::{GUILLOTINE_SPACES, guillotine, mixed_load};
use locker_benches::mpv::{self, Instance};
use locker_core::allocate::{BatchOptions, Outcome, Request};
use locker_core::bank::{Bank, default_bank};
use locker_core::pack::{
    ExactOutcome, Objective, PackIntoResult, PackOptions, Packing, lower_bound, lower_bound_l0,
    pack, pack_bins, pack_exact, pack_into,
};
use locker_core::{Dimensions, Parcel, ParcelId, RecipientId};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const SIZES: [usize; 4] = [50, 100, 150, 200];
const SEEDS: core::ops::RangeInclusive<u64> = 1..=10;
/// Each instance is packed this many times and the fastest run counts, so
/// other load on the machine disturbs the times less.
const REPEATS: usize = 5;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => table(),
        [flag] if flag == "--guillotine" => guillotine_table(false),
        [flag, quick] if flag == "--guillotine" && quick == "--quick" => guillotine_table(true),
        [flag] if flag == "--class9" => class9_table(false),
        [flag, quick] if flag == "--class9" && quick == "--quick" => class9_table(true),
        [flag] if flag == "--mixed" => mixed_table(false),
        [flag, quick] if flag == "--mixed" && quick == "--quick" => mixed_table(true),
        [flag] if flag == "--batch" => batch_table(false),
        [flag, quick] if flag == "--batch" && quick == "--quick" => batch_table(true),
        [flag, class, n, seed] if flag == "--emit-json" => emit(class, n, seed),
        _ => {
            eprintln!(
                "usage: packing_quality [--emit-json <class 1-9> <n> <seed> | --guillotine | --class9 | --mixed | --batch] [--quick]"
            );
            ExitCode::FAILURE
        }
    }
}

fn emit(class: &str, n: &str, seed: &str) -> ExitCode {
    let (Ok(class), Ok(n), Ok(seed)) = (class.parse::<u8>(), n.parse(), seed.parse()) else {
        eprintln!("--emit-json takes three integers: class, n and seed");
        return ExitCode::FAILURE;
    };
    if !mpv::CLASSES.contains(&class) {
        eprintln!("class {class} is not generated; classes are 1 to 9");
        return ExitCode::FAILURE;
    }
    println!("{}", mpv::instance(class, n, seed).to_json());
    ExitCode::SUCCESS
}

/// Packs `inst`, checks the result, and returns (bins, L0, max(L0, L2),
/// fastest time spent in `pack_bins` over [`REPEATS`] runs).
fn run(inst: &Instance) -> Result<(usize, u32, u32, Duration), String> {
    let mut elapsed = Duration::MAX;
    let mut bins = Vec::new();
    for _ in 0..REPEATS {
        let start = Instant::now();
        bins = pack_bins(inst.bin_mm, &inst.parcels);
        elapsed = elapsed.min(start.elapsed());
    }
    let mut placed: Vec<u64> = Vec::with_capacity(inst.parcels.len());
    for (b, bin) in bins.iter().enumerate() {
        bin.check(&inst.parcels)
            .map_err(|e| format!("class {} seed {} bin {b}: {e}", inst.class, inst.seed))?;
        placed.extend(bin.placements().iter().map(|p| p.parcel.0));
    }
    placed.sort_unstable();
    let expected: Vec<u64> = inst.parcels.iter().map(|p| p.id.0).collect();
    if placed != expected {
        return Err(format!(
            "class {} n {} seed {}: {} placements for {} parcels, or a parcel placed twice",
            inst.class,
            inst.parcels.len(),
            inst.seed,
            placed.len(),
            expected.len()
        ));
    }
    let bound = lower_bound(inst.bin_mm, &inst.parcels);
    let l0 = lower_bound_l0(inst.bin_mm, &inst.parcels);
    if usize::try_from(bound).unwrap_or(usize::MAX) > bins.len() {
        return Err(format!(
            "class {} seed {}: bound {bound} above {} bins",
            inst.class,
            inst.seed,
            bins.len()
        ));
    }
    Ok((bins.len(), l0, bound, elapsed))
}

fn table() -> ExitCode {
    if cfg!(debug_assertions) {
        eprintln!("warning: debug build; run with --release for meaningful times");
    }
    let seeds = SEEDS.count();
    println!(
        "| class | n | mean bins | mean L0 | mean max(L0, L2) | bins / bound | optimal (bins = bound) | mean `pack_bins` time (best of {REPEATS}) |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut checked = 0usize;
    let mut total_bins = 0usize;
    let mut total_bound = 0u64;
    for class in mpv::CLASSES {
        for n in SIZES {
            let (mut bins, mut l0, mut bound, mut optimal) = (0usize, 0u64, 0u64, 0usize);
            let mut time = Duration::ZERO;
            for seed in SEEDS {
                let inst = mpv::instance(class, n, seed);
                match run(&inst) {
                    Ok((b, lo, lb, t)) => {
                        bins += b;
                        l0 += u64::from(lo);
                        bound += u64::from(lb);
                        time += t;
                        if b == usize::try_from(lb).unwrap_or(usize::MAX) {
                            optimal += 1;
                        }
                    }
                    Err(message) => {
                        eprintln!("packing check failed: {message}");
                        return ExitCode::FAILURE;
                    }
                }
                checked += 1;
            }
            total_bins += bins;
            total_bound += bound;
            let count = seeds as f64;
            println!(
                "| {class} | {n} | {:.1} | {:.1} | {:.1} | {:.3} | {optimal}/{seeds} | {:.2} ms |",
                bins as f64 / count,
                l0 as f64 / count,
                bound as f64 / count,
                bins as f64 / bound as f64,
                time.as_secs_f64() * 1e3 / count,
            );
        }
    }
    println!();
    println!(
        "{checked} instances, every packing verified with `Packing::check` and every parcel placed once; \
         overall bins / bound = {:.3}.",
        total_bins as f64 / total_bound as f64
    );
    ExitCode::SUCCESS
}

/// The node budget the guillotine table gives the exact search.
const GUILLOTINE_NODES: u64 = 5_000_000;

/// Re-pack rates on guillotine cuts (optimum: one compartment), greedy
/// against the exact search, with the slowest exact time.
fn guillotine_table(quick: bool) -> ExitCode {
    let seeds: u64 = if quick { 20 } else { 200 };
    println!(
        "| k | greedy `pack` re-packs | `pack_exact` re-packs | proved impossible | budget spent | mean `pack_exact` time | slowest |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for k in 2..=8 {
        let (mut greedy_ok, mut exact_ok, mut impossible, mut spent) = (0, 0, 0, 0);
        let (mut total, mut slowest) = (Duration::ZERO, Duration::ZERO);
        for seed in 0..seeds {
            let space = GUILLOTINE_SPACES[usize::try_from(seed % 3).unwrap_or(0)];
            let parcels = guillotine(
                space,
                k,
                seed.wrapping_mul(1_000_003).wrapping_add(k as u64),
            );
            if pack(space, &parcels).unplaced.is_empty() {
                greedy_ok += 1;
            }
            let start = Instant::now();
            let result = pack_exact(space, &parcels, GUILLOTINE_NODES);
            let elapsed = start.elapsed();
            total += elapsed;
            slowest = slowest.max(elapsed);
            if let Err(e) = result.packing.check(&parcels) {
                eprintln!("k {k} seed {seed}: {e}");
                return ExitCode::FAILURE;
            }
            match result.outcome {
                ExactOutcome::Packed => exact_ok += 1,
                ExactOutcome::Impossible => impossible += 1,
                _ => spent += 1,
            }
        }
        let pct = |x: u64| 100.0 * x as f64 / seeds as f64;
        println!(
            "| {k} | {:.1} % | {:.1} % | {impossible} | {spent} | {:.3} ms | {:.3} ms |",
            pct(greedy_ok),
            pct(exact_ok),
            total.as_secs_f64() * 1e3 / seeds as f64,
            slowest.as_secs_f64() * 1e3,
        );
    }
    ExitCode::SUCCESS
}

/// MPV class 9 (cut from three bins, optimum 3): how often `pack_bins` and
/// `pack_into` (fewest compartments, three or more identical bins offered)
/// reach 3, and `pack_bins` when each parcel is declared turned at random.
fn class9_table(quick: bool) -> ExitCode {
    let seeds: u64 = if quick {
        3
    } else {
        std::env::var("LOCKER_CLASS9_SEEDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10)
            .max(1)
    };
    println!(
        "| n | `pack_bins` = 3 | `pack_into` = 3 | mean `pack_into` bins | mean `pack_into` time | slowest | `pack_bins` = 3, turned |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for n in SIZES {
        let (mut greedy3, mut into3, mut bins_total, mut turned3) = (0, 0, 0usize, 0);
        let (mut time, mut slowest) = (Duration::ZERO, Duration::ZERO);
        for seed in 1..=seeds {
            let inst = mpv::instance(9, n, seed);
            match bins_of(inst.bin_mm, &inst.parcels, n, seed) {
                Ok(3) => greedy3 += 1,
                Ok(_) => {}
                Err(code) => return code,
            }
            let mut rng = StdRng::seed_from_u64(seed);
            let turned: Vec<locker_core::Parcel> = inst
                .parcels
                .iter()
                .map(|p| {
                    let turn = locker_core::Orientation::ALL[rng.random_range(0..6)];
                    locker_core::Parcel {
                        size: p.size.oriented(turn),
                        ..*p
                    }
                })
                .collect();
            match bins_of(inst.bin_mm, &turned, n, seed) {
                Ok(3) => turned3 += 1,
                Ok(_) => {}
                Err(code) => return code,
            }
            let bins: Vec<_> = (0..8)
                .map(|i| locker_core::pack::Bin {
                    id: locker_core::CompartmentId(i),
                    space: inst.bin_mm,
                    max_weight_g: None,
                    zone: locker_core::TemperatureZone::Ambient,
                })
                .collect();
            let options = PackOptions {
                objective: Objective::FewestCompartments,
                max_iterations: into_iterations(),
                seed,
            };
            let start = Instant::now();
            let result = pack_into(&bins, &inst.parcels, &options);
            let elapsed = start.elapsed();
            time += elapsed;
            slowest = slowest.max(elapsed);
            if let Err(e) = verify(&result, &inst.parcels) {
                eprintln!("class 9 n {n} seed {seed}: {e}");
                return ExitCode::FAILURE;
            }
            bins_total += result.bins.len();
            if result.bins.len() == 3 && result.unplaced.is_empty() {
                into3 += 1;
            }
        }
        println!(
            "| {n} | {greedy3}/{seeds} | {into3}/{seeds} | {:.2} | {:.1} ms | {:.1} ms | {turned3}/{seeds} |",
            bins_total as f64 / seeds as f64,
            time.as_secs_f64() * 1e3 / seeds as f64,
            slowest.as_secs_f64() * 1e3
        );
    }
    ExitCode::SUCCESS
}

/// How many compartments `pack_bins` uses for `parcels`, each packing
/// checked and every parcel placed once; the failure, printed, otherwise.
fn bins_of(
    space: Dimensions,
    parcels: &[locker_core::Parcel],
    n: usize,
    seed: u64,
) -> Result<usize, ExitCode> {
    let packed = pack_bins(space, parcels);
    if let Err(e) = check_packings(packed.iter(), core::iter::empty(), parcels) {
        eprintln!("class 9 n {n} seed {seed}: {e}");
        return Err(ExitCode::FAILURE);
    }
    Ok(packed.len())
}

/// Every compartment's packing passes `Packing::check`, and no parcel is
/// placed twice or also listed as unplaced.
fn verify(result: &PackIntoResult, parcels: &[locker_core::Parcel]) -> Result<(), String> {
    let packings = result.bins.iter().map(|bin| &bin.packing);
    check_packings(packings, result.unplaced.iter().map(|p| p.0), parcels)
}

/// Each of `packings` passes `Packing::check`, and each parcel is placed
/// once or listed in `unplaced`, not both.
fn check_packings<'a>(
    packings: impl Iterator<Item = &'a Packing>,
    unplaced: impl Iterator<Item = u64>,
    parcels: &[locker_core::Parcel],
) -> Result<(), String> {
    let mut seen: Vec<u64> = unplaced.collect();
    for packing in packings {
        packing.check(parcels).map_err(|e| e.to_string())?;
        seen.extend(packing.placements().iter().map(|p| p.parcel.0));
    }
    seen.sort_unstable();
    let mut expected: Vec<u64> = parcels.iter().map(|p| p.id.0).collect();
    expected.sort_unstable();
    if seen == expected {
        Ok(())
    } else {
        Err("a parcel is placed twice, or lost".to_owned())
    }
}

/// 200 parcels into 40 mixed compartments at 99.9 % and 37 % of their
/// volume: parcels placed (most parcels) and compartments used (fewest).
fn mixed_table(quick: bool) -> ExitCode {
    let seeds: u64 = if quick { 2 } else { 10 };
    println!(
        "| load | seed | parcel volume / bank | volume bound (compartments) | greedy (0 iterations) | `pack_into` | time |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (label, percent, objective) in [
        ("99.9 %, most parcels", 99.9, Objective::MostParcels),
        (
            "37 %, fewest compartments",
            37.0,
            Objective::FewestCompartments,
        ),
    ] {
        for seed in 1..=seeds {
            let (bins, parcels) = mixed_load(40, 200, percent, seed);
            let bank: f64 = bins.iter().map(|b| b.space.volume_mm3() as f64).sum();
            let volume: f64 = parcels.iter().map(|p| p.size.volume_mm3() as f64).sum();
            let greedy = pack_into(
                &bins,
                &parcels,
                &PackOptions {
                    objective,
                    max_iterations: 0,
                    seed,
                },
            );
            // Largest compartments first until their volume holds the load.
            let mut volumes: Vec<f64> = bins.iter().map(|b| b.space.volume_mm3() as f64).collect();
            volumes.sort_by(|a, b| b.total_cmp(a));
            let mut room = 0.0;
            let bound = volumes
                .iter()
                .take_while(|&&v| {
                    let short = room < volume;
                    room += v;
                    short
                })
                .count();
            let options = PackOptions {
                objective,
                max_iterations: into_iterations(),
                seed,
            };
            let start = Instant::now();
            let result = pack_into(&bins, &parcels, &options);
            let elapsed = start.elapsed();
            if let Err(e) = verify(&result, &parcels) {
                eprintln!("mixed seed {seed}: {e}");
                return ExitCode::FAILURE;
            }
            let show = |r: &PackIntoResult| match objective {
                Objective::MostParcels => format!("{} placed", r.placed()),
                _ => format!(
                    "{} compartments, {} unplaced",
                    r.bins.len(),
                    r.unplaced.len()
                ),
            };
            println!(
                "| {label} | {seed} | {:.1} % | {bound} | {} | {} | {:.1} ms |",
                100.0 * volume / bank,
                show(&greedy),
                show(&result),
                elapsed.as_secs_f64() * 1e3
            );
        }
    }
    ExitCode::SUCCESS
}

/// A courier's load on the default bank: the greedy batch plan
/// (`Bank::plan_batch`) against the packed one (`Bank::plan_batch_packed`,
/// the default budget or `LOCKER_BATCH_ITERATIONS`), placed parcels, doors used and time, each plan applied
/// to the bank and every door's packing checked.
fn batch_table(quick: bool) -> ExitCode {
    let seeds: u64 = if quick { 2 } else { 5 };
    println!(
        "| load | seed | greedy: placed, doors | time | packed: placed, doors | time | chosen |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for (label, filled, n, recipients) in [
        ("60 parcels, 20 recipients, empty bank", 0, 60, 20),
        ("120 parcels, 40 recipients, bank half full", 50, 120, 40),
        ("200 parcels, 50 recipients, empty bank", 0, 200, 50),
    ] {
        for seed in 1..=seeds {
            let (bank, requests) = batch_load(filled, n, recipients, seed);
            let start = Instant::now();
            let greedy = bank.plan_batch(&requests).expect("a valid load");
            let greedy_time = start.elapsed();
            let start = Instant::now();
            let packed = bank
                .plan_batch_packed(&requests, &batch_options())
                .expect("a valid load");
            let packed_time = start.elapsed();
            let mut applied = bank.clone();
            applied.apply_batch(&packed).expect("the plan applies");
            for door in applied.compartments() {
                if let Some(contents) = door.contents()
                    && let Err(e) = contents.packing.check(&contents.parcels)
                {
                    eprintln!("batch seed {seed}: door {}: {e}", door.id());
                    return ExitCode::FAILURE;
                }
            }
            println!(
                "| {label} | {seed} | {}, {} | {:.2} ms | {}, {} | {:.2} ms | {:?} |",
                greedy.placed(),
                greedy.doors_used(),
                greedy_time.as_secs_f64() * 1e3,
                packed.placed(),
                packed.doors_used(),
                packed_time.as_secs_f64() * 1e3,
                packed.strategy,
            );
        }
    }
    ExitCode::SUCCESS
}

/// The packed plan's options: `LOCKER_BATCH_ITERATIONS` if set, else the
/// library's default budget.
fn batch_options() -> BatchOptions {
    let mut options = BatchOptions::default();
    if let Some(budget) = std::env::var("LOCKER_BATCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        options.max_iterations = budget;
    }
    options
}

/// The default bank, `filled` % of its doors holding one parcel each, and
/// a load of `n` parcels for `recipients` recipients (sides 80–370 ×
/// 80–500 × 20–300 mm).
fn batch_load(filled: usize, n: u64, recipients: u64, seed: u64) -> (Bank, Vec<Request>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut draw = |id: u64, recipient: u64| {
        let size = Dimensions::new(
            rng.random_range(80..370),
            rng.random_range(80..500),
            rng.random_range(20..300),
        );
        Request::new(
            Parcel::new(ParcelId(id), size, rng.random_range(100..8_000)),
            RecipientId(recipient),
        )
    };
    let mut bank = Bank::new(default_bank()).expect("the default bank is valid");
    let target = bank.compartments().len() * filled / 100;
    let mut id = 1_000_000;
    while bank.compartments().len() - bank.free_count() < target {
        id += 1;
        let request = draw(id, 1_000 + id);
        if let Ok(Outcome::Assigned(a)) = bank.allocate(&request) {
            bank.store(a.compartment, request.recipient, request.parcel)
                .expect("an allocated door takes the parcel");
        }
    }
    let requests = (0..n).map(|i| draw(i, i % recipients)).collect();
    (bank, requests)
}

/// The budget given to `pack_into`: `LOCKER_PACK_ITERATIONS` if set, else
/// the library's default.
fn into_iterations() -> u64 {
    std::env::var("LOCKER_PACK_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(locker_core::pack::DEFAULT_MAX_ITERATIONS)
}
