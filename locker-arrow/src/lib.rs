//! A locker's journal as Apache Arrow record batches, for the engines a
//! fleet operator analyses with (DuckDB, Polars, pandas, Spark).
//!
//! Each journal is verified as it is read, by the core's own verifier:
//! the hash chain, and the MACs when the bank's keys are given
//! ([`Trust`](locker_core::journal::Trust)). The rows of a journal stop at
//! its first bad record, and its [`BankReport`] says what was wrong, so a
//! fleet with one tampered bank still reads. A journal whose store sorted
//! its keys (Postgres `jsonb`, `json.dumps(sort_keys=True)`) reads too
//! ([`locker_core::journal::raw`]).
//!
//! The schema ([`journal_schema`], version [`SCHEMA_VERSION`]) types the
//! columns analyses group and join by and keeps each whole entry as JSON
//! text:
//!
//! | column | type | holds |
//! | --- | --- | --- |
//! | `bank_id` | utf8 | the bank, as the caller names it |
//! | `seq` | uint64 | the record's position in its journal |
//! | `at` | timestamp (s, UTC) | when it was written |
//! | `version` | uint8 | the record's format version |
//! | `kind` | dictionary (int8 → utf8) | the entry's kind, codes fixed by [`KINDS`] |
//! | `door` | uint32, nullable | the entry's door, or the only door its grant opens |
//! | `recipient` | uint64, nullable | the recipient of the entry, its grant or its failed attempt |
//! | `parcel` | uint64, nullable | the parcel's id (deposits, overflows) |
//! | `carrier` | uint32, nullable | the carrier of the entry or its grant |
//! | `channel` | dictionary (int8 → utf8), nullable | the channel of a grant, a failed or refused attempt, codes fixed by [`CHANNELS`] |
//! | `outcome` | utf8, nullable | an abort's or overflow's reason, refused attempts' error, a hardware fault's kind, an inspection's finding (`parcels_found`, `found_empty`) |
//! | `entry` | utf8 | the whole entry, as the library writes it |
//! | `hash` | fixed-size binary (32) | the record's hash |
//!
//! ```
//! use locker_arrow::{JournalInput, SCHEMA_VERSION, read_journals};
//! use locker_core::journal::Trust;
//!
//! let text = include_str!("../../locker-core/tests/data/journal-v3.jsonl");
//! let inputs = [JournalInput { bank_id: "north", text, trust: Trust::integrity_only() }];
//! let table = read_journals(&inputs, 2);
//! assert!(table.reports[0].error.is_none());
//! assert_eq!(table.num_rows(), text.lines().count());
//! assert_eq!(table.batches[0].schema().metadata()["locker.journal_schema_version"],
//!            SCHEMA_VERSION.to_string());
//! ```

extern crate alloc;

mod batch;
mod fields;
mod read;
mod schema;

pub use batch::BATCH_ROWS;
pub use read::{BankReport, JournalInput, JournalTable, read_journal, read_journals};
pub use schema::{
    CHANNELS, KINDS, SCHEMA_VERSION, SCHEMA_VERSION_KEY, column, describe, journal_schema,
};

#[cfg(test)]
mod tests;
