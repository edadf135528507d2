//! One composition on many seeds: the overflow rate of each simulated
//! year, on all cores with `std`, one after another without.

use alloc::vec::Vec;
use core::ops::ControlFlow;

use super::SimError;
use super::building::Building;
use super::simulate;
use crate::bank::BankConfig;

/// The building in year `index`: seed `building.seed + index` (wrapping).
fn year(building: &Building, index: u32) -> Building {
    Building {
        seed: building.seed.wrapping_add(u64::from(index)),
        ..building.clone()
    }
}

/// The overflow rate of `config` in each of `seeds` years of `building`,
/// in seed order. `tick` is called on this thread after each finished
/// year; [`ControlFlow::Break`] stops with [`SimError::Cancelled`] once
/// the years under way are done. The rates do not depend on the number of
/// threads; on a failure, the error of the earliest failing year is
/// returned.
pub(crate) fn overflow_rates(
    building: &Building,
    config: &BankConfig,
    seeds: u32,
    tick: &mut dyn FnMut() -> ControlFlow<()>,
) -> Result<Vec<f64>, SimError> {
    #[cfg(feature = "std")]
    {
        let threads = std::thread::available_parallelism().map_or(1, core::num::NonZero::get);
        if threads > 1 && seeds > 1 {
            return parallel(building, config, seeds, threads, tick);
        }
    }
    sequential(
        building,
        config,
        0..seeds,
        &mut alloc::vec![None; slots(seeds)],
        tick,
    )
}

fn slots(seeds: u32) -> usize {
    usize::try_from(seeds).unwrap_or(0)
}

/// Simulates the years of `indices` not yet in `rates`, in order, then
/// returns every rate.
pub(super) fn sequential(
    building: &Building,
    config: &BankConfig,
    indices: core::ops::Range<u32>,
    rates: &mut [Option<f64>],
    tick: &mut dyn FnMut() -> ControlFlow<()>,
) -> Result<Vec<f64>, SimError> {
    for index in indices {
        let Some(slot) = rates.get_mut(usize::try_from(index).unwrap_or(usize::MAX)) else {
            continue;
        };
        if slot.is_some() {
            continue;
        }
        *slot = Some(simulate(&year(building, index), config)?.full_overflow_rate());
        if tick().is_break() {
            return Err(SimError::Cancelled);
        }
    }
    Ok(rates.iter().map(|rate| rate.unwrap_or(1.0)).collect())
}

/// Workers take the next year from a shared counter and send its rate
/// back; this thread reports progress and stores each rate in its year's
/// slot, so the order of completion does not matter.
#[cfg(feature = "std")]
pub(super) fn parallel(
    building: &Building,
    config: &BankConfig,
    seeds: u32,
    threads: usize,
    tick: &mut dyn FnMut() -> ControlFlow<()>,
) -> Result<Vec<f64>, SimError> {
    use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    let next = AtomicU32::new(0);
    let stop = AtomicBool::new(false);
    let mut rates: Vec<Option<f64>> = alloc::vec![None; slots(seeds)];
    let mut failure: Option<(u32, SimError)> = None;
    let mut cancelled = false;
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::channel::<(u32, Result<f64, SimError>)>();
        for _ in 0..threads.min(slots(seeds)) {
            let sender = sender.clone();
            let (next, stop) = (&next, &stop);
            let work = move || {
                while !stop.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= seeds {
                        break;
                    }
                    let rate =
                        simulate(&year(building, index), config).map(|r| r.full_overflow_rate());
                    if sender.send((index, rate)).is_err() {
                        break;
                    }
                }
            };
            // A thread that cannot be spawned leaves its years to the
            // others, or to this thread below.
            let _ = std::thread::Builder::new().spawn_scoped(scope, work);
        }
        drop(sender);
        for (index, rate) in receiver {
            match rate {
                Ok(rate) => {
                    if let Some(slot) = rates.get_mut(usize::try_from(index).unwrap_or(usize::MAX))
                    {
                        *slot = Some(rate);
                    }
                    if !cancelled && failure.is_none() && tick().is_break() {
                        cancelled = true;
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                Err(error) => {
                    stop.store(true, Ordering::Relaxed);
                    if failure.as_ref().is_none_or(|(first, _)| index < *first) {
                        failure = Some((index, error));
                    }
                }
            }
        }
    });
    if let Some((_, error)) = failure {
        return Err(error);
    }
    if cancelled {
        return Err(SimError::Cancelled);
    }
    // Years no worker took (no thread could be spawned): here.
    sequential(building, config, 0..seeds, &mut rates, tick)
}
