//! Criterion benchmarks for `locker-core`; see `benches/` and BENCHMARKS.md.
//!
//! Run them all with `cargo bench -p locker-benches`.
