//! Rows gathered column by column into record batches of the journal
//! schema.

use alloc::sync::Arc;

use arrow_array::builder::{FixedSizeBinaryBuilder, StringBuilder, UInt32Builder, UInt64Builder};
use arrow_array::types::Int8Type;
use arrow_array::{
    ArrayRef, DictionaryArray, Int8Array, RecordBatch, TimestampSecondArray, UInt8Array,
    UInt64Array,
};
use arrow_schema::ArrowError;
use locker_core::journal::raw::RawRecord;

use crate::fields::Columns;
use crate::schema::{CHANNEL_VALUES, KIND_VALUES, journal_schema};

/// Rows per batch: large enough that per-batch costs vanish, small enough
/// that a consumer can stream a fleet.
pub const BATCH_ROWS: usize = 65_536;

/// The most text (entries, bank ids, outcomes) a batch gathers before it is
/// cut: well inside the 2 GiB a UTF-8 column's 32-bit offsets address.
pub(crate) const BATCH_TEXT_BYTES: usize = 1 << 30;

/// The columns of the rows gathered so far.
pub(crate) struct BatchBuilder {
    bank_id: StringBuilder,
    seq: Vec<u64>,
    at: Vec<i64>,
    version: Vec<u8>,
    kind: Vec<i8>,
    door: UInt32Builder,
    recipient: UInt64Builder,
    parcel: UInt64Builder,
    carrier: UInt32Builder,
    channel: Vec<Option<i8>>,
    outcome: StringBuilder,
    entry: StringBuilder,
    hash: FixedSizeBinaryBuilder,
}

impl BatchBuilder {
    /// A builder with room for `rows` rows whose entries take about
    /// `entry_bytes` (growing the columns row by row copied them over and
    /// over: a tenth of reading a journal).
    pub(crate) fn with_capacity(rows: usize, bank_id: &str, entry_bytes: usize) -> Self {
        // Estimates, so never more than a batch's text holds.
        let bank_bytes = rows.saturating_mul(bank_id.len()).min(BATCH_TEXT_BYTES);
        let entry_bytes = entry_bytes.min(BATCH_TEXT_BYTES);
        Self {
            bank_id: StringBuilder::with_capacity(rows, bank_bytes),
            seq: Vec::with_capacity(rows),
            at: Vec::with_capacity(rows),
            version: Vec::with_capacity(rows),
            kind: Vec::with_capacity(rows),
            door: UInt32Builder::with_capacity(rows),
            recipient: UInt64Builder::with_capacity(rows),
            parcel: UInt64Builder::with_capacity(rows),
            carrier: UInt32Builder::with_capacity(rows),
            channel: Vec::with_capacity(rows),
            outcome: StringBuilder::with_capacity(rows, rows * 8),
            entry: StringBuilder::with_capacity(rows, entry_bytes),
            hash: FixedSizeBinaryBuilder::with_capacity(rows, 32),
        }
    }

    pub(crate) const fn len(&self) -> usize {
        self.seq.len()
    }

    /// The bytes of text gathered: bank ids, entries and outcomes.
    pub(crate) fn text_bytes(&self) -> usize {
        self.bank_id.values_slice().len()
            + self.entry.values_slice().len()
            + self.outcome.values_slice().len()
    }

    /// Adds one record's row. `at` is its time, already checked to fit a
    /// timestamp.
    pub(crate) fn push(
        &mut self,
        bank_id: &str,
        record: &RawRecord<'_>,
        at: i64,
        columns: Columns<'_>,
    ) -> Result<(), ArrowError> {
        self.bank_id.append_value(bank_id);
        self.seq.push(record.seq);
        self.at.push(at);
        // Record versions are small numbers; a larger one was refused by
        // the reader as unsupported.
        self.version.push(u8::try_from(record.v).unwrap_or(u8::MAX));
        self.kind.push(columns.kind);
        self.door.append_option(columns.door);
        self.recipient.append_option(columns.recipient);
        self.parcel.append_option(columns.parcel);
        self.carrier.append_option(columns.carrier);
        self.channel.push(columns.channel);
        self.outcome.append_option(columns.outcome);
        self.entry.append_value(&record.entry_json);
        self.hash.append_value(record.hash.0)
    }

    /// The rows gathered as a batch; the builder starts over.
    pub(crate) fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let kind = DictionaryArray::<Int8Type>::try_new(
            Int8Array::from(core::mem::take(&mut self.kind)),
            Arc::clone(&KIND_VALUES),
        )?;
        let channel = DictionaryArray::<Int8Type>::try_new(
            Int8Array::from(core::mem::take(&mut self.channel)),
            Arc::clone(&CHANNEL_VALUES),
        )?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.bank_id.finish()),
            Arc::new(UInt64Array::from(core::mem::take(&mut self.seq))),
            Arc::new(
                TimestampSecondArray::from(core::mem::take(&mut self.at)).with_timezone("UTC"),
            ),
            Arc::new(UInt8Array::from(core::mem::take(&mut self.version))),
            Arc::new(kind),
            Arc::new(self.door.finish()),
            Arc::new(self.recipient.finish()),
            Arc::new(self.parcel.finish()),
            Arc::new(self.carrier.finish()),
            Arc::new(channel),
            Arc::new(self.outcome.finish()),
            Arc::new(self.entry.finish()),
            Arc::new(self.hash.finish()),
        ];
        RecordBatch::try_new(journal_schema(), columns)
    }
}
