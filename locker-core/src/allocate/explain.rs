//! What allocation decided and why: the values it returns, each able to
//! explain itself to kiosk staff and to tests.

use alloc::vec::Vec;
use core::fmt;

use crate::bank::ShapeId;
use crate::geometry::Dimensions;
use crate::ids::{CompartmentId, RecipientId};
use crate::pack::Placement;
use crate::parcel::Parcel;
use crate::parcel::TemperatureZone;

/// The rule that chose the compartment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum Rule {
    /// The parcel packs beside the recipient's parcels in a compartment they
    /// already hold: one door, one credential.
    Consolidated,
    /// The smallest kind of door that fits had a free door.
    SmallestFit,
    /// Smaller kinds of door that fit were all taken, so the next larger
    /// free kind was used.
    NextLargerFree,
    /// A batch plan packed the courier's load into the free doors together
    /// ([`crate::bank::Bank::plan_batch_packed`]) and gave this door.
    Packed,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Consolidated => "packs beside the recipient's other parcels",
            Self::SmallestFit => "smallest door that fits",
            Self::NextLargerFree => "smaller doors that fit were all taken",
            Self::Packed => "packed with the rest of the courier's load",
        })
    }
}

crate::tagged::tag_first! {
    tag = "verdict", twin = verdict_twin, remote = "super::Verdict";
    /// Why a kind of door, or one of the recipient's compartments, was passed
    /// over (or chosen).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[non_exhaustive]
    pub enum Verdict {
        /// This one was chosen.
        Chosen,
        /// Keeps another temperature.
        WrongZone {
            /// What the door keeps.
            zone: TemperatureZone,
        },
        /// Outside the reach range, and the recipient needs an accessible door.
        NotAccessible,
        /// The parcel is heavier than the shelf's limit (for an occupied
        /// compartment: together with what is inside).
        TooHeavy {
            /// The load it would carry, in grams.
            load_g: u64,
            /// The limit, in grams.
            max_weight_g: u32,
        },
        /// No allowed orientation fits the usable space (for an occupied
        /// compartment: beside what is inside).
        TooSmall {
            /// The usable space.
            usable: Dimensions,
        },
        /// Every door of this kind is taken or out of service.
        NoneFree,
        /// The free doors of this kind are the reserve kept for parcels that fit
        /// nothing smaller.
        Reserved {
            /// Free doors of the largest kind in the zone.
            free: u32,
            /// How many the policy keeps.
            reserve: u32,
        },
        /// The recipient's compartment holds parcels of another zone or
        /// handling, which are never mixed.
        MixedHandling,
        /// The recipient's compartment has no room beside what is inside.
        NoRoomBeside,
        /// The recipient's compartment is out of service.
        OutOfService,
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Chosen => f.write_str("chosen"),
            Self::WrongZone { zone } => write!(f, "keeps {zone}"),
            Self::NotAccessible => f.write_str("outside the reach range"),
            Self::TooHeavy {
                load_g,
                max_weight_g,
            } => write!(f, "too heavy ({load_g} g > {max_weight_g} g)"),
            Self::TooSmall { usable } => write!(f, "too small (usable {usable})"),
            Self::NoneFree => f.write_str("none free"),
            Self::Reserved { free, reserve } => {
                write!(
                    f,
                    "reserved ({free} free, {reserve} kept for large parcels)"
                )
            }
            Self::MixedHandling => f.write_str("holds parcels of other handling"),
            Self::NoRoomBeside => f.write_str("no room beside what is inside"),
            Self::OutOfService => f.write_str("out of service"),
        }
    }
}

crate::tagged::tag_first! {
    tag = "kind", twin = considered_twin, remote = "super::Considered";
    /// One step of an allocation's reasoning.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    pub enum Considered {
        /// A compartment the recipient already holds.
        Occupied {
            /// The compartment.
            compartment: CompartmentId,
            /// What was found.
            verdict: Verdict,
        },
        /// A kind of door (a group of identical compartments).
        Group {
            /// The group.
            shape: ShapeId,
            /// Inner size of its doors.
            inner: Dimensions,
            /// Free doors in it when considered.
            free_doors: u32,
            /// What was found.
            verdict: Verdict,
        },
    }
}

impl fmt::Display for Considered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Occupied {
                compartment,
                verdict,
            } => write!(f, "recipient's compartment {compartment}: {verdict}"),
            Self::Group {
                inner,
                free_doors,
                verdict,
                ..
            } => write!(f, "{inner} doors ({free_doors} free): {verdict}"),
        }
    }
}

/// A compartment chosen for a parcel, with where the parcel sits and why.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Assignment {
    /// The parcel.
    pub parcel: Parcel,
    /// Its recipient.
    pub recipient: RecipientId,
    /// The compartment chosen.
    pub compartment: CompartmentId,
    /// Where and how the parcel sits in it.
    pub placement: Placement,
    /// The rule that chose it.
    pub rule: Rule,
    /// What was looked at, in order, ending with the choice.
    pub considered: Vec<Considered>,
}

impl fmt::Display for Assignment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} → compartment {} ({})",
            self.parcel.id, self.compartment, self.rule
        )?;
        write_considered(f, &self.considered)
    }
}

/// Why a parcel found no compartment. A normal outcome: the caller routes
/// the parcel to overflow (another bank, the front desk, back to the
/// carrier).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum OverflowReason {
    /// No compartment of the bank could take the parcel even if empty (too
    /// large, too heavy, or no door of its zone or accessibility).
    NothingFits,
    /// Compartments that fit exist, but none is free for this parcel.
    Full,
    /// The courier found the door too small, and no larger compartment of
    /// the bank can take the parcel even if empty (its declared size was
    /// wrong; see [`Bank::allocate_larger_than`](crate::bank::Bank::allocate_larger_than)).
    NoLargerDoor,
}

impl fmt::Display for OverflowReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NothingFits => "no compartment of this bank can take it",
            Self::Full => "every compartment that fits is taken",
            Self::NoLargerDoor => "no compartment larger than the one found too small can take it",
        })
    }
}

/// A parcel that found no compartment, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Overflow {
    /// The parcel.
    pub parcel: Parcel,
    /// Its recipient.
    pub recipient: RecipientId,
    /// Why it found no compartment.
    pub reason: OverflowReason,
    /// What was looked at, in order.
    pub considered: Vec<Considered>,
}

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} → overflow: {}", self.parcel.id, self.reason)?;
        write_considered(f, &self.considered)
    }
}

fn write_considered(f: &mut fmt::Formatter<'_>, considered: &[Considered]) -> fmt::Result {
    for step in considered {
        write!(f, "\n  - {step}")?;
    }
    Ok(())
}

crate::tagged::tag_first! {
    tag = "outcome", twin = outcome_twin, remote = "super::Outcome";
    /// The answer to an allocation request.
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    pub enum Outcome {
        /// A compartment was found.
        Assigned(Assignment),
        /// No compartment: route the parcel to overflow.
        Overflow(Overflow),
    }
}

impl Outcome {
    /// The assignment, if one was made.
    #[must_use]
    pub const fn assignment(&self) -> Option<&Assignment> {
        match self {
            Self::Assigned(assignment) => Some(assignment),
            Self::Overflow(_) => None,
        }
    }

    /// The overflow, if no compartment was found.
    #[must_use]
    pub const fn overflow(&self) -> Option<&Overflow> {
        match self {
            Self::Assigned(_) => None,
            Self::Overflow(overflow) => Some(overflow),
        }
    }

    /// The reasoning, in order.
    #[must_use]
    pub fn considered(&self) -> &[Considered] {
        match self {
            Self::Assigned(assignment) => &assignment.considered,
            Self::Overflow(overflow) => &overflow.considered,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Assigned(assignment) => assignment.fmt(f),
            Self::Overflow(overflow) => overflow.fmt(f),
        }
    }
}
