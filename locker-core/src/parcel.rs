//! Parcels: what a courier brings, and the properties that decide where it
//! may go.

use core::fmt;

use crate::geometry::{Dimensions, GeometryError, validate_weight_g};
use crate::ids::ParcelId;

/// The temperature a compartment keeps, and the one a parcel needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum TemperatureZone {
    /// Room temperature: most parcels.
    #[default]
    Ambient,
    /// Refrigerated (groceries, medicine).
    Chilled,
    /// Frozen food.
    Frozen,
}

impl fmt::Display for TemperatureZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ambient => "ambient",
            Self::Chilled => "chilled",
            Self::Frozen => "frozen",
        })
    }
}

/// How a parcel must be handed over. Parcels with different handling are
/// never put in one compartment: one code must not release a cash-on-delivery
/// parcel together with a prepaid one, nor an ID-checked parcel with others.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum Handling {
    /// Prepaid, no checks: the usual case.
    #[default]
    Standard,
    /// The recipient pays at the locker before the door opens.
    CashOnDelivery,
    /// The recipient's identity is checked before the door opens.
    IdCheck,
}

impl fmt::Display for Handling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Standard => "standard",
            Self::CashOnDelivery => "cash on delivery",
            Self::IdCheck => "ID check",
        })
    }
}

/// A parcel to be stored: its size, weight and handling needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Parcel {
    /// The host's number for this parcel.
    pub id: ParcelId,
    /// Outer size as measured or declared by the carrier.
    pub size: Dimensions,
    /// Weight in grams.
    pub weight_g: u32,
    /// When true the parcel may only be turned about the vertical axis.
    #[cfg_attr(feature = "serde", serde(default))]
    pub this_side_up: bool,
    /// The temperature the parcel needs.
    #[cfg_attr(feature = "serde", serde(default))]
    pub zone: TemperatureZone,
    /// How it must be handed over.
    #[cfg_attr(feature = "serde", serde(default))]
    pub handling: Handling,
}

impl Parcel {
    /// An ambient, standard parcel that may be turned any way.
    #[must_use]
    pub const fn new(id: ParcelId, size: Dimensions, weight_g: u32) -> Self {
        Self {
            id,
            size,
            weight_g,
            this_side_up: false,
            zone: TemperatureZone::Ambient,
            handling: Handling::Standard,
        }
    }

    /// The same parcel, marked "this side up".
    #[must_use]
    pub const fn upright(mut self) -> Self {
        self.this_side_up = true;
        self
    }

    /// The same parcel, needing `zone`.
    #[must_use]
    pub const fn in_zone(mut self, zone: TemperatureZone) -> Self {
        self.zone = zone;
        self
    }

    /// The same parcel, with `handling`.
    #[must_use]
    pub const fn with_handling(mut self, handling: Handling) -> Self {
        self.handling = handling;
        self
    }

    /// Checks the size and weight are physically plausible.
    ///
    /// # Errors
    ///
    /// The [`GeometryError`] naming the first bad field.
    pub fn validate(&self) -> Result<(), GeometryError> {
        self.size.validate()?;
        validate_weight_g(self.weight_g)
    }

    /// True when this parcel may share a compartment with `other`: same
    /// temperature zone and same handling.
    #[must_use]
    pub const fn can_share_with(&self, other: &Self) -> bool {
        self.zone as u8 == other.zone as u8 && self.handling as u8 == other.handling as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn different_handling_or_zone_never_share() {
        let base = Parcel::new(ParcelId(1), Dimensions::new(100, 100, 100), 500);
        let same = Parcel {
            id: ParcelId(2),
            ..base
        };
        assert!(base.can_share_with(&same));
        assert!(!base.can_share_with(&same.with_handling(Handling::CashOnDelivery)));
        assert!(!base.can_share_with(&same.in_zone(TemperatureZone::Chilled)));
        let cod = base.with_handling(Handling::CashOnDelivery);
        assert!(!cod.can_share_with(&same.with_handling(Handling::IdCheck)));
    }

    #[test]
    fn validation_rejects_impossible_parcels() {
        let ok = Parcel::new(ParcelId(1), Dimensions::new(100, 100, 100), 500);
        assert!(ok.validate().is_ok());
        assert!(Parcel { weight_g: 0, ..ok }.validate().is_err());
        assert!(
            Parcel {
                size: Dimensions::new(0, 1, 1),
                ..ok
            }
            .validate()
            .is_err()
        );
    }
}
