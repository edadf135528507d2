//! The journal table's schema: one row per record, the fields analyses
//! group and join by as typed columns, the whole entry as JSON text.
//!
//! The schema is versioned ([`SCHEMA_VERSION`], also in the schema's
//! metadata under [`SCHEMA_VERSION_KEY`]): a column added, removed,
//! renamed or retyped, or a value added to a dictionary, is a new
//! version, so a dataset written by one version can be told from
//! another's. The tests hold every version's description frozen.

use alloc::sync::Arc;
use std::sync::LazyLock;

use arrow_array::{ArrayRef, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// The version of the table's schema.
pub const SCHEMA_VERSION: u32 = 1;

/// The schema metadata key that holds [`SCHEMA_VERSION`].
pub const SCHEMA_VERSION_KEY: &str = "locker.journal_schema_version";

/// The entry kinds, in the order of their dictionary codes (the `kind`
/// column's keys): every kind the library writes, each code fixed for the
/// schema version.
pub const KINDS: [&str; 36] = [
    "configured",
    "keys_changed",
    "credential_issued",
    "credential_revoked",
    "attempt_failed",
    "attempts_refused",
    "courier_signed_in",
    "courier_signed_out",
    "deposit_opened",
    "deposit_committed",
    "deposit_aborted",
    "deposit_overflowed",
    "pickup_opened",
    "pickup_completed",
    "pickup_aborted",
    "reopened",
    "missing_reported",
    "grace_ended",
    "reminder_sent",
    "expired",
    "extended",
    "hold_set",
    "staff_opened",
    "door_reclosed",
    "out_of_service",
    "back_in_service",
    "tampered",
    "door_seen_open",
    "door_left_open",
    "clock_jumped",
    "clock_confirmed",
    "unexpected_door_close",
    "hardware_fault",
    "interrupted",
    "pruned",
    "inspected",
];

/// The channels a credential is presented through, in the order of their
/// dictionary codes (the `channel` column's keys).
pub const CHANNELS: [&str; 5] = ["pin", "qr", "rfid", "courier", "remote"];

/// Column names, in schema order.
pub mod column {
    /// The bank the journal belongs to, as the caller names it.
    pub const BANK_ID: &str = "bank_id";
    /// The record's position in its journal (`seq`).
    pub const SEQ: &str = "seq";
    /// When the record was written (`at_s`), UTC, seconds.
    pub const AT: &str = "at";
    /// The record's format version (`v`).
    pub const VERSION: &str = "version";
    /// The entry's kind (its `"type"`), a dictionary over [`KINDS`](super::KINDS).
    pub const KIND: &str = "kind";
    /// The door the entry concerns.
    pub const DOOR: &str = "door";
    /// The recipient the entry concerns.
    pub const RECIPIENT: &str = "recipient";
    /// The parcel the entry concerns.
    pub const PARCEL: &str = "parcel";
    /// The carrier the entry concerns.
    pub const CARRIER: &str = "carrier";
    /// The channel a credential came through, a dictionary over
    /// [`CHANNELS`](super::CHANNELS).
    pub const CHANNEL: &str = "channel";
    /// How the entry ended, as a code.
    pub const OUTCOME: &str = "outcome";
    /// The whole entry, as the JSON the library writes.
    pub const ENTRY: &str = "entry";
    /// The record's hash (32 bytes).
    pub const HASH: &str = "hash";
}

/// A dictionary column's type: `Int8` codes into UTF-8 values.
pub(crate) fn dictionary_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8))
}

/// The values of the `kind` dictionary, built once.
pub(crate) static KIND_VALUES: LazyLock<ArrayRef> =
    LazyLock::new(|| Arc::new(StringArray::from(KINDS.to_vec())));

/// The values of the `channel` dictionary, built once.
pub(crate) static CHANNEL_VALUES: LazyLock<ArrayRef> =
    LazyLock::new(|| Arc::new(StringArray::from(CHANNELS.to_vec())));

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    use column::*;
    let fields = vec![
        Field::new(BANK_ID, DataType::Utf8, false),
        Field::new(SEQ, DataType::UInt64, false),
        Field::new(
            AT,
            DataType::Timestamp(TimeUnit::Second, Some("UTC".into())),
            false,
        ),
        Field::new(VERSION, DataType::UInt8, false),
        Field::new(KIND, dictionary_type(), false),
        Field::new(DOOR, DataType::UInt32, true),
        Field::new(RECIPIENT, DataType::UInt64, true),
        Field::new(PARCEL, DataType::UInt64, true),
        Field::new(CARRIER, DataType::UInt32, true),
        Field::new(CHANNEL, dictionary_type(), true),
        Field::new(OUTCOME, DataType::Utf8, true),
        Field::new(ENTRY, DataType::Utf8, false),
        Field::new(HASH, DataType::FixedSizeBinary(32), false),
    ];
    let metadata: std::collections::HashMap<String, String> =
        [(SCHEMA_VERSION_KEY.to_owned(), SCHEMA_VERSION.to_string())]
            .into_iter()
            .collect();
    Arc::new(Schema::new_with_metadata(fields, metadata))
});

/// The schema of every batch this crate makes.
#[must_use]
pub fn journal_schema() -> SchemaRef {
    Arc::clone(&SCHEMA)
}

/// A one-line description of the schema and its dictionaries: what the
/// frozen descriptions of each version are compared with.
#[must_use]
pub fn describe(schema: &Schema) -> String {
    let columns: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| {
            let null = if f.is_nullable() { "?" } else { "" };
            format!("{}:{}{null}", f.name(), f.data_type())
        })
        .collect();
    format!(
        "{} | kinds {} | channels {}",
        columns.join(", "),
        KINDS.join(" "),
        CHANNELS.join(" ")
    )
}
