//! Which free compartment a parcel gets.
//!
//! The rules, in order:
//!
//! 1. **Consolidation.** If the recipient already holds a compartment of the
//!    parcel's zone and handling, and the parcel packs beside what is inside
//!    (a real 3D placement, not a volume sum) within the weight limit, it
//!    goes there: one door, one credential. When it does not fit beside
//!    the parcels as they stand, a few parcels are re-packed together by
//!    an exact search with a small budget (see [`Bank::store`]).
//! 2. **Smallest fit.** Otherwise, among the kinds of door of the parcel's
//!    temperature zone (and in the reach range, when the recipient needs
//!    it), the one with the smallest volume whose usable space takes the
//!    parcel in an allowed orientation and whose shelf takes its weight.
//!    At equal volume, doors outside the reach range come first, keeping
//!    accessible doors for those who need them. Within a kind, the lowest
//!    free id wins: the choice is deterministic.
//! 3. **Reserve.** The last [`AllocationPolicy::reserve_largest`] free doors
//!    of the largest kind in a zone go only to parcels that fit nothing
//!    smaller.
//!
//! When nothing is found the answer is an [`Overflow`], a normal outcome
//! the caller routes elsewhere. Every answer lists what was considered and
//! why it was passed over.
//!
//! ```
//! use locker_core::allocate::{Outcome, Request, Rule};
//! use locker_core::bank::{Bank, default_bank};
//! use locker_core::{Dimensions, Parcel, ParcelId, RecipientId};
//!
//! let bank = Bank::new(default_bank())?;
//! let parcel = Parcel::new(ParcelId(1), Dimensions::new(300, 250, 150), 2_000);
//! let outcome = bank.allocate(&Request::new(parcel, RecipientId(42)))?;
//! let assignment = outcome.assignment().expect("the bank is empty");
//! assert_eq!(assignment.rule, Rule::SmallestFit);
//! // The 80 mm A doors were passed over: too small.
//! println!("{outcome}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`AllocationPolicy::reserve_largest`]: crate::bank::AllocationPolicy::reserve_largest

mod batch;
mod explain;
mod packed;

use alloc::vec::Vec;

pub use batch::{BatchPlan, BatchStrategy};
pub use explain::{Assignment, Considered, Outcome, Overflow, OverflowReason, Rule, Verdict};
pub use packed::{BatchOptions, DEFAULT_BATCH_ITERATIONS};

use crate::bank::{Bank, BankError, Shape, ShapeId};
use crate::geometry::GeometryError;
use crate::ids::{CompartmentId, ParcelId, RecipientId};
use crate::pack::Packing;
use crate::parcel::Parcel;

/// A parcel to place, for whom, and what the recipient needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Request {
    /// The parcel.
    pub parcel: Parcel,
    /// Its recipient.
    pub recipient: RecipientId,
    /// True when the recipient needs a door in the reach range.
    #[cfg_attr(feature = "serde", serde(default))]
    pub needs_accessible: bool,
}

impl Request {
    /// A request for a recipient with no accessibility need.
    #[must_use]
    pub const fn new(parcel: Parcel, recipient: RecipientId) -> Self {
        Self {
            parcel,
            recipient,
            needs_accessible: false,
        }
    }

    /// The same request, for a recipient who needs an accessible door.
    #[must_use]
    pub const fn accessible(mut self) -> Self {
        self.needs_accessible = true;
        self
    }
}

/// Bad input to allocation. A parcel that simply finds no room is not an
/// error but an [`Outcome::Overflow`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AllocationError {
    /// The parcel's size or weight cannot be real.
    #[error("{parcel}: {source}")]
    InvalidParcel {
        /// The parcel.
        parcel: ParcelId,
        /// What was wrong.
        source: GeometryError,
    },
    /// The parcel is already stored in the bank.
    #[error("{parcel} is already stored in compartment {compartment}")]
    AlreadyStored {
        /// The parcel.
        parcel: ParcelId,
        /// Where it is.
        compartment: CompartmentId,
    },
    /// The same parcel id appears twice in one batch.
    #[error("{parcel} appears twice in the batch")]
    DuplicateInBatch {
        /// The repeated parcel.
        parcel: ParcelId,
    },
    /// Storing a planned assignment failed (the plan was made for another
    /// state of the bank).
    #[error("applying the plan failed: {0}")]
    Store(#[from] BankError),
}

impl Bank {
    /// Chooses a compartment for one parcel, without changing the bank;
    /// apply the choice with [`Bank::store`].
    ///
    /// Costs a few map lookups per kind of door, whatever the number of
    /// doors.
    ///
    /// # Errors
    ///
    /// [`AllocationError::InvalidParcel`] or
    /// [`AllocationError::AlreadyStored`]. "Nothing fits" and "full" are
    /// [`Outcome::Overflow`], not errors.
    pub fn allocate(&self, request: &Request) -> Result<Outcome, AllocationError> {
        self.validate_request(request)?;
        let mut considered = Vec::new();
        if self.config().policy.consolidate
            && let Some(assignment) = self.consolidate(request, &mut considered)
        {
            return Ok(Outcome::Assigned(assignment));
        }
        Ok(self.smallest_fit(request, considered, 0))
    }

    /// Chooses a door strictly larger (by volume) than `door`, for a
    /// courier who found `door` too small. No consolidation: the parcel
    /// did not fit where it was sent.
    ///
    /// # Errors
    ///
    /// As [`Bank::allocate`], and [`AllocationError::Store`] with
    /// [`BankError::UnknownCompartment`] for an unknown `door`. When none
    /// of the larger doors could take the parcel even if empty, the
    /// overflow's reason is [`OverflowReason::NoLargerDoor`].
    pub fn allocate_larger_than(
        &self,
        request: &Request,
        door: CompartmentId,
    ) -> Result<Outcome, AllocationError> {
        let volume_mm3 = self
            .compartment(door)
            .ok_or(BankError::UnknownCompartment { compartment: door })?
            .spec()
            .inner
            .volume_mm3();
        self.validate_request(request)?;
        Ok(match self.smallest_fit(request, Vec::new(), volume_mm3) {
            // Nothing fits among the larger doors: the bank may still have
            // doors that fit the declared size, they are just no larger.
            Outcome::Overflow(mut overflow) if overflow.reason == OverflowReason::NothingFits => {
                overflow.reason = OverflowReason::NoLargerDoor;
                Outcome::Overflow(overflow)
            }
            outcome => outcome,
        })
    }

    fn validate_request(&self, request: &Request) -> Result<(), AllocationError> {
        let parcel = &request.parcel;
        parcel
            .validate()
            .map_err(|source| AllocationError::InvalidParcel {
                parcel: parcel.id,
                source,
            })?;
        if let Some(compartment) = self.locate(parcel.id) {
            return Err(AllocationError::AlreadyStored {
                parcel: parcel.id,
                compartment,
            });
        }
        Ok(())
    }

    /// Rule 1: a compartment the recipient already holds.
    fn consolidate(
        &self,
        request: &Request,
        considered: &mut Vec<Considered>,
    ) -> Option<Assignment> {
        for compartment in self.compartments_of(request.recipient) {
            let accessible = self
                .compartment(compartment)
                .is_some_and(|door| door.spec().accessible);
            let verdict = if request.needs_accessible && !accessible {
                Verdict::NotAccessible
            } else {
                match self.check_store(compartment, request.recipient, &request.parcel) {
                    Ok(placement) => {
                        considered.push(Considered::Occupied {
                            compartment,
                            verdict: Verdict::Chosen,
                        });
                        return Some(Assignment {
                            parcel: request.parcel,
                            recipient: request.recipient,
                            compartment,
                            placement,
                            rule: Rule::Consolidated,
                            considered: core::mem::take(considered),
                        });
                    }
                    Err(error) => verdict_for(&error),
                }
            };
            considered.push(Considered::Occupied {
                compartment,
                verdict,
            });
        }
        None
    }

    /// Rules 2 and 3: the smallest free kind of door that fits, among
    /// kinds larger than `above_volume_mm3`.
    fn smallest_fit(
        &self,
        request: &Request,
        mut considered: Vec<Considered>,
        above_volume_mm3: u64,
    ) -> Outcome {
        let parcel = &request.parcel;
        let reserve = self.config().policy.reserve_largest;
        let mut fits_smaller_kind = false;
        let mut fitting_kind_full = false;
        let mut largest_free: Option<u32> = None;
        let larger = self
            .shapes()
            .iter()
            .take_while(|shape| shape.inner().volume_mm3() <= above_volume_mm3)
            .count();
        for (shape_id, shape) in (0_u32..).map(ShapeId).zip(self.shapes()).skip(larger) {
            let free_doors = u32::try_from(shape.free_count()).unwrap_or(u32::MAX);
            let verdict = match fit_verdict(shape, request) {
                Some(verdict) => verdict,
                None if free_doors == 0 => {
                    fitting_kind_full = true;
                    fits_smaller_kind |= !shape.largest_in_zone();
                    Verdict::NoneFree
                }
                None if shape.largest_in_zone() && fits_smaller_kind => {
                    let free = *largest_free.get_or_insert_with(|| self.largest_free(shape));
                    if free <= reserve {
                        fitting_kind_full = true;
                        Verdict::Reserved { free, reserve }
                    } else {
                        Verdict::Chosen
                    }
                }
                None => {
                    fits_smaller_kind |= !shape.largest_in_zone();
                    Verdict::Chosen
                }
            };
            considered.push(Considered::Group {
                shape: shape_id,
                inner: shape.inner(),
                free_doors,
                verdict,
            });
            if verdict == Verdict::Chosen
                && let Some(compartment) = shape.first_free()
                && let Some(placement) = Packing::new(shape.usable()).try_place(parcel)
            {
                return Outcome::Assigned(Assignment {
                    parcel: *parcel,
                    recipient: request.recipient,
                    compartment,
                    placement,
                    rule: if fitting_kind_full {
                        Rule::NextLargerFree
                    } else {
                        Rule::SmallestFit
                    },
                    considered,
                });
            }
        }
        Outcome::Overflow(Overflow {
            parcel: *parcel,
            recipient: request.recipient,
            reason: if fitting_kind_full {
                OverflowReason::Full
            } else {
                OverflowReason::NothingFits
            },
            considered,
        })
    }

    /// Free doors among the largest kinds of `shape`'s zone.
    fn largest_free(&self, shape: &Shape) -> u32 {
        let free: usize = self
            .shapes()
            .iter()
            .filter(|s| s.zone() == shape.zone() && s.largest_in_zone())
            .map(Shape::free_count)
            .sum();
        u32::try_from(free).unwrap_or(u32::MAX)
    }
}

/// Why a kind of door can never take this parcel, or `None` when it can.
fn fit_verdict(shape: &Shape, request: &Request) -> Option<Verdict> {
    let parcel = &request.parcel;
    if shape.zone() != parcel.zone {
        return Some(Verdict::WrongZone { zone: shape.zone() });
    }
    if request.needs_accessible && !shape.accessible() {
        return Some(Verdict::NotAccessible);
    }
    if parcel.weight_g > shape.max_weight_g() {
        return Some(Verdict::TooHeavy {
            load_g: u64::from(parcel.weight_g),
            max_weight_g: shape.max_weight_g(),
        });
    }
    if parcel
        .size
        .orientation_within(shape.usable(), parcel.this_side_up)
        .is_none()
    {
        return Some(Verdict::TooSmall {
            usable: shape.usable(),
        });
    }
    None
}

/// The verdict on a recipient's compartment that refused the parcel.
fn verdict_for(error: &BankError) -> Verdict {
    match error {
        BankError::OutOfService { .. } => Verdict::OutOfService,
        BankError::WrongZone { zone, .. } => Verdict::WrongZone { zone: *zone },
        BankError::TooHeavy {
            load_g,
            max_weight_g,
            ..
        } => Verdict::TooHeavy {
            load_g: *load_g,
            max_weight_g: *max_weight_g,
        },
        BankError::DoesNotFit { .. } => Verdict::NoRoomBeside,
        // The request was validated and the compartment is the recipient's,
        // so what remains is parcels that may not be mixed.
        _ => Verdict::MixedHandling,
    }
}

#[cfg(test)]
mod tests;
