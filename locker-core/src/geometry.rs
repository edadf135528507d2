//! Sizes, weights and the fit test.
//!
//! Every length is an integer number of millimetres and every weight an
//! integer number of grams, so results are exact and identical on every
//! platform. A box may be turned in any of six orientations (axis-aligned
//! rotations); a "this side up" box may only be turned about the vertical
//! axis, which leaves two.

use core::fmt;

/// The largest length accepted for any side, in millimetres (5 m).
///
/// Nothing a parcel locker handles comes close; larger values are typos
/// (metres read as millimetres, or a unit mix-up) and are rejected.
pub const MAX_SIDE_MM: u32 = 5_000;

/// The largest weight accepted, in grams (1 t). Larger values are typos.
pub const MAX_WEIGHT_G: u32 = 1_000_000;

/// An axis-aligned box size: width (left to right), depth (front to back)
/// and height (bottom to top), all in millimetres.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Dimensions {
    /// Extent along the x axis (left to right), in millimetres.
    pub width_mm: u32,
    /// Extent along the y axis (front to back), in millimetres.
    pub depth_mm: u32,
    /// Extent along the z axis (bottom to top), in millimetres.
    pub height_mm: u32,
}

/// Which side of a box was out of range, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum Side {
    /// The x extent.
    Width,
    /// The y extent.
    Depth,
    /// The z extent.
    Height,
}

impl Side {
    /// The JSON field name of this side (`width_mm`, `depth_mm`, `height_mm`).
    #[must_use]
    pub const fn field_name(self) -> &'static str {
        match self {
            Self::Width => "width_mm",
            Self::Depth => "depth_mm",
            Self::Height => "height_mm",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field_name())
    }
}

/// A size or weight that cannot be real.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GeometryError {
    /// A side of zero millimetres.
    #[error("{side} is 0 mm; every side must be at least 1 mm")]
    ZeroSide {
        /// The side that was zero.
        side: Side,
    },
    /// A side longer than [`MAX_SIDE_MM`].
    #[error("{side} is {value_mm} mm, more than the {MAX_SIDE_MM} mm limit")]
    SideTooLong {
        /// The side that was too long.
        side: Side,
        /// The value given.
        value_mm: u32,
    },
    /// A weight of zero grams.
    #[error("weight_g is 0 g; a weight must be at least 1 g")]
    ZeroWeight,
    /// A weight above [`MAX_WEIGHT_G`].
    #[error("weight_g is {value_g} g, more than the {MAX_WEIGHT_G} g limit")]
    WeightTooHeavy {
        /// The value given.
        value_g: u32,
    },
}

impl Dimensions {
    /// A size from width, depth and height in millimetres (not validated;
    /// see [`Dimensions::validate`]).
    #[must_use]
    pub const fn new(width_mm: u32, depth_mm: u32, height_mm: u32) -> Self {
        Self {
            width_mm,
            depth_mm,
            height_mm,
        }
    }

    /// The three sides in (width, depth, height) order.
    #[must_use]
    pub const fn sides(self) -> [u32; 3] {
        [self.width_mm, self.depth_mm, self.height_mm]
    }

    /// The volume in cubic millimetres: exact for every valid size (at
    /// most 1.25 × 10¹¹), saturating rather than overflowing for the
    /// unvalidated rest.
    #[must_use]
    pub const fn volume_mm3(self) -> u64 {
        (self.width_mm as u64)
            .saturating_mul(self.depth_mm as u64)
            .saturating_mul(self.height_mm as u64)
    }

    /// The footprint (width × depth) in square millimetres.
    #[must_use]
    pub const fn base_area_mm2(self) -> u64 {
        (self.width_mm as u64) * (self.depth_mm as u64)
    }

    /// Checks that every side is between 1 mm and [`MAX_SIDE_MM`].
    ///
    /// # Errors
    ///
    /// [`GeometryError::ZeroSide`] or [`GeometryError::SideTooLong`] naming
    /// the first bad side.
    pub fn validate(self) -> Result<(), GeometryError> {
        for (side, value_mm) in [
            (Side::Width, self.width_mm),
            (Side::Depth, self.depth_mm),
            (Side::Height, self.height_mm),
        ] {
            if value_mm == 0 {
                return Err(GeometryError::ZeroSide { side });
            }
            if value_mm > MAX_SIDE_MM {
                return Err(GeometryError::SideTooLong { side, value_mm });
            }
        }
        Ok(())
    }

    /// This size with `clearance_mm` taken off every side, or `None` when a
    /// side would vanish. The clearance is the margin a courier needs to
    /// slide a parcel in without forcing it.
    #[must_use]
    pub const fn shrink(self, clearance_mm: u32) -> Option<Self> {
        if self.width_mm <= clearance_mm
            || self.depth_mm <= clearance_mm
            || self.height_mm <= clearance_mm
        {
            return None;
        }
        Some(Self::new(
            self.width_mm - clearance_mm,
            self.depth_mm - clearance_mm,
            self.height_mm - clearance_mm,
        ))
    }

    /// True when every side of `self` is at most the matching side of
    /// `space` (no turning).
    #[must_use]
    pub const fn fits_within(self, space: Self) -> bool {
        self.width_mm <= space.width_mm
            && self.depth_mm <= space.depth_mm
            && self.height_mm <= space.height_mm
    }

    /// The extents this box occupies when placed in `orientation`.
    #[must_use]
    pub const fn oriented(self, orientation: Orientation) -> Self {
        let [a, b, c] = self.sides();
        match orientation {
            Orientation::Wdh => Self::new(a, b, c),
            Orientation::Dwh => Self::new(b, a, c),
            Orientation::Whd => Self::new(a, c, b),
            Orientation::Hwd => Self::new(c, a, b),
            Orientation::Dhw => Self::new(b, c, a),
            Orientation::Hdw => Self::new(c, b, a),
        }
    }

    /// The first allowed orientation in which this box fits inside `space`,
    /// trying them in [`Orientation::ALL`] order (so the answer is
    /// deterministic). `this_side_up` limits the search to
    /// [`Orientation::UPRIGHT`].
    #[must_use]
    pub fn orientation_within(self, space: Self, this_side_up: bool) -> Option<Orientation> {
        Orientation::allowed(this_side_up)
            .iter()
            .copied()
            .find(|&o| self.oriented(o).fits_within(space))
    }
}

impl fmt::Display for Dimensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}×{}×{} mm",
            self.width_mm, self.depth_mm, self.height_mm
        )
    }
}

/// Checks that a weight is between 1 g and [`MAX_WEIGHT_G`].
///
/// # Errors
///
/// [`GeometryError::ZeroWeight`] or [`GeometryError::WeightTooHeavy`].
pub const fn validate_weight_g(weight_g: u32) -> Result<(), GeometryError> {
    if weight_g == 0 {
        Err(GeometryError::ZeroWeight)
    } else if weight_g > MAX_WEIGHT_G {
        Err(GeometryError::WeightTooHeavy { value_g: weight_g })
    } else {
        Ok(())
    }
}

/// One of the six axis-aligned orientations of a box.
///
/// The name lists which of the box's own sides (**W**idth, **D**epth,
/// **H**eight, as declared) lies along the space's width, depth and height
/// axes in that order: `Dwh` turns the box a quarter about the vertical axis,
/// `Hdw` lays it on its side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum Orientation {
    /// As declared.
    Wdh,
    /// Turned a quarter about the vertical axis (still upright).
    Dwh,
    /// Tipped forward: the declared height lies along the depth.
    Whd,
    /// Height along the width, width along the depth.
    Hwd,
    /// Depth along the width, height along the depth.
    Dhw,
    /// Laid on its side: the declared height lies along the width.
    Hdw,
}

impl Orientation {
    /// Every orientation, in the order the fit test tries them.
    pub const ALL: [Self; 6] = [
        Self::Wdh,
        Self::Dwh,
        Self::Whd,
        Self::Hwd,
        Self::Dhw,
        Self::Hdw,
    ];

    /// The orientations that keep the declared top facing up.
    pub const UPRIGHT: [Self; 2] = [Self::Wdh, Self::Dwh];

    /// The orientations a parcel may take: [`Self::UPRIGHT`] for a
    /// "this side up" parcel, [`Self::ALL`] otherwise.
    #[must_use]
    pub const fn allowed(this_side_up: bool) -> &'static [Self] {
        if this_side_up {
            &Self::UPRIGHT
        } else {
            &Self::ALL
        }
    }

    /// The lowercase name used in JSON and by the bindings (`"wdh"`, …).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Wdh => "wdh",
            Self::Dwh => "dwh",
            Self::Whd => "whd",
            Self::Hwd => "hwd",
            Self::Dhw => "dhw",
            Self::Hdw => "hdw",
        }
    }

    /// True when the declared top still faces up in this orientation.
    #[must_use]
    pub const fn is_upright(self) -> bool {
        matches!(self, Self::Wdh | Self::Dwh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::{string::ToString, vec::Vec};

    #[test]
    fn a_box_fits_only_in_an_orientation_that_fits() {
        let parcel = Dimensions::new(600, 100, 50);
        let door = Dimensions::new(380, 640, 80);
        // Needs a quarter turn: 600 along the 640 mm depth.
        assert_eq!(
            parcel.orientation_within(door, false),
            Some(Orientation::Dwh)
        );
        assert_eq!(
            parcel.oriented(Orientation::Dwh),
            Dimensions::new(100, 600, 50)
        );
    }

    #[test]
    fn this_side_up_forbids_tipping() {
        let tall = Dimensions::new(100, 100, 300);
        let flat_door = Dimensions::new(400, 400, 200);
        assert_eq!(tall.orientation_within(flat_door, true), None);
        let lying = tall.orientation_within(flat_door, false).unwrap();
        assert!(!lying.is_upright());
        assert!(tall.oriented(lying).fits_within(flat_door));
    }

    #[test]
    fn every_orientation_is_a_permutation() {
        let d = Dimensions::new(1, 2, 3);
        let mut seen = Vec::new();
        for o in Orientation::ALL {
            let mut s = d.oriented(o).sides();
            assert_eq!(d.oriented(o).volume_mm3(), 6);
            s.sort_unstable();
            assert_eq!(s, [1, 2, 3]);
            seen.push(d.oriented(o));
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 6);
        for o in Orientation::UPRIGHT {
            assert_eq!(d.oriented(o).height_mm, 3);
        }
    }

    #[test]
    fn clearance_shrinks_every_side_and_can_vanish() {
        let d = Dimensions::new(80, 380, 640);
        assert_eq!(d.shrink(10), Some(Dimensions::new(70, 370, 630)));
        assert_eq!(d.shrink(80), None);
        assert_eq!(d.shrink(0), Some(d));
    }

    #[test]
    fn validation_names_the_bad_side() {
        assert_eq!(
            Dimensions::new(10, 0, 10).validate(),
            Err(GeometryError::ZeroSide { side: Side::Depth })
        );
        assert_eq!(
            Dimensions::new(10, 10, 5_001).validate(),
            Err(GeometryError::SideTooLong {
                side: Side::Height,
                value_mm: 5_001
            })
        );
        assert!(Dimensions::new(1, 5_000, 1).validate().is_ok());
        assert_eq!(validate_weight_g(0), Err(GeometryError::ZeroWeight));
        assert_eq!(
            validate_weight_g(MAX_WEIGHT_G + 1),
            Err(GeometryError::WeightTooHeavy {
                value_g: MAX_WEIGHT_G + 1
            })
        );
        let message = GeometryError::SideTooLong {
            side: Side::Width,
            value_mm: 9_000,
        }
        .to_string();
        assert!(message.contains("width_mm") && message.contains("9000"));
    }

    #[test]
    fn volume_of_the_largest_valid_box_is_exact_and_huge_ones_saturate() {
        let d = Dimensions::new(MAX_SIDE_MM, MAX_SIDE_MM, MAX_SIDE_MM);
        assert_eq!(d.volume_mm3(), 125_000_000_000);
        let huge = Dimensions::new(u32::MAX, u32::MAX, u32::MAX);
        assert_eq!(huge.volume_mm3(), u64::MAX);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn orientation_names_match_their_json() {
        for o in Orientation::ALL {
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(json, alloc::format!("\"{}\"", o.as_str()));
        }
    }
}
