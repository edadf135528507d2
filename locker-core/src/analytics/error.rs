//! Why a journal could not be analysed.

use crate::locker::StateError;

/// Why [`journal_stats`](super::journal_stats) gave no statistics. The
/// codes ([`AnalyticsError::code`]) are stable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnalyticsError {
    /// There were no records: a journal starts with its configuration.
    #[error("the journal has no records (it starts with a `configured` entry)")]
    Empty,
    /// A record does not apply to the state the records before it built:
    /// the journal is not one a locker wrote (or not from its start).
    #[error("journal record {seq} cannot be applied: {error}")]
    Replay {
        /// The record.
        seq: u64,
        /// Why.
        error: StateError,
    },
    /// The records span more days than are counted one by one.
    #[error(
        "journal record {seq} is {days} days after the first counted (at most {max}); give a window"
    )]
    SpanTooLong {
        /// The record.
        seq: u64,
        /// Its day, counted from the first.
        days: u64,
        /// The most days counted.
        max: u64,
    },
    /// An option is out of range.
    #[error("{field}: {reason}")]
    InvalidOption {
        /// The option.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

impl AnalyticsError {
    /// The record the error names, if it names one.
    #[must_use]
    pub const fn seq(&self) -> Option<u64> {
        match self {
            Self::Replay { seq, .. } | Self::SpanTooLong { seq, .. } => Some(*seq),
            Self::Empty | Self::InvalidOption { .. } => None,
        }
    }
}
