//! locker-core's integration tests, one module per concern, built as one
//! test binary: one link and one set of monomorphized generics instead of
//! one per file (`cargo test -p locker-core --test it flash::` runs one
//! module).
#![allow(
    clippy::unwrap_used,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

mod common;

mod allocation;
mod analytics;
mod apartment;
mod attacks;
mod compact;
mod compact_read;
mod crash;
mod credential;
mod credential_props;
mod credential_stats;
mod flash;
mod flash_review;
mod floods;
mod hardware;
mod hardware_mock;
mod hardware_sim;
mod pack;
mod planner;
mod raw_scan;
mod sim;
mod sim_review;
mod simulation;
mod throttle;
mod trust;
mod trust_review;
