#![doc = include_str!("../README.md")]
//!
//! # Features
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `std` | yes | `std::error::Error` integration, the file journal |
//! | `serde` | yes | (de)serialization of configs, records and results (snake_case JSON); the [`journal`] and the [`locker`] facade, which journal every change, and the journal [`analytics`] |
//! | `qr` | yes | QR code rendering: SVG, module matrix, terminal text (needs `std`) |
//! | `ed25519` | yes | Ed25519 verification of back-end tokens and remote commands, and signing for back ends |
//! | `single-walk` | no | JSON text (journal lines, record hashes, JSON snapshots) written by the walk that writes the storage encoding: the same bytes as serde_json's, with each type's serialization compiled once (smaller images that link the flash journal, slower appends) |
//! | `alloc` | with `std` | names the heap the crate always needs |
//!
//! Without default features the crate is `no_std` + `alloc` (geometry,
//! banks, allocation, packing, credentials, the hardware trait, the
//! simulation) and builds for `thumbv7em-none-eabihf`; add `serde` for the
//! journal and the facade there too.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

/// The project README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
mod project_readme {}

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod allocate;
#[cfg(feature = "serde")]
pub mod analytics;
pub mod bank;
pub mod codes;
pub mod collections;
pub mod credential;
pub mod geometry;
pub mod hardware;
mod hex;
pub mod ids;
#[cfg(feature = "serde")]
pub mod journal;
#[cfg(feature = "serde")]
pub mod locker;
pub mod pack;
pub mod parcel;
pub mod sim;
mod tagged;

pub use geometry::{Dimensions, Orientation};
pub use ids::{CompartmentId, MAX_SAFE_INTEGER, ParcelId, RecipientId};
pub use parcel::{Handling, Parcel, TemperatureZone};
