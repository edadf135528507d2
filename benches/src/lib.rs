//! Criterion benchmarks for `locker-core`; see `benches/` and BENCHMARKS.md.
//!
//! Run them all with `cargo bench -p locker-benches`. The library part holds
//! shared fixtures: [`mpv`] generates the Martello–Pisinger–Vigo instances
//! that the `packing` bench and the `packing_quality` binary use, and
//! [`instances`] the guillotine and mixed-compartment ones.

pub mod instances;
pub mod mpv;
