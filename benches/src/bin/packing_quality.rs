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

use locker_benches::mpv::{self, Instance};
use locker_core::pack::{lower_bound, lower_bound_l0, pack_bins};

const SIZES: [usize; 4] = [50, 100, 150, 200];
const SEEDS: core::ops::RangeInclusive<u64> = 1..=10;
/// Each instance is packed this many times and the fastest run counts, so
/// other load on the machine disturbs the times less.
const REPEATS: usize = 5;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => table(),
        [flag, class, n, seed] if flag == "--emit-json" => emit(class, n, seed),
        _ => {
            eprintln!("usage: packing_quality [--emit-json <class 1-9> <n> <seed>]");
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
