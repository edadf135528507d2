//! Identifiers shared by every concern: compartments, parcels, recipients.
//!
//! They are plain integers wrapped in newtypes so a parcel id can never be
//! passed where a compartment id is expected. The host maps them to its own
//! records (tracking numbers, apartment units); the core never sees personal
//! data.

use core::fmt;

/// The largest integer a JavaScript number (an IEEE 754 double) holds
/// exactly, 2^53 − 1. Every id this library draws, and every value it
/// writes in a journal record of version 3, stays at or below it, so
/// records cross into JavaScript as plain numbers. Ids the host gives
/// (parcels, recipients) are its own: a C or Python host may use all 64
/// bits, and the JavaScript binding then hands those over as decimal
/// strings.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident($inner:ty), $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(transparent))]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl From<$inner> for $name {
            fn from(value: $inner) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(
    /// A compartment (door) of the bank, unique within one bank configuration.
    CompartmentId(u32),
    "#"
);
id_type!(
    /// A parcel, as numbered by the host (for instance a row in its database).
    ParcelId(u64),
    "parcel "
);
id_type!(
    /// A recipient (a resident or a household), as numbered by the host.
    RecipientId(u64),
    "recipient "
);
