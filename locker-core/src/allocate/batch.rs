//! A courier's whole load at once.
//!
//! Two plans are made on copies of the bank and the better one is returned:
//!
//! - **grouped**: parcels grouped by recipient (and zone, handling and
//!   accessibility need), groups with the largest parcel first, each group
//!   packed into one door when a door holds it all, otherwise parcel by
//!   parcel, largest first, with consolidation;
//! - **arrival order**: one parcel at a time with [`Bank::allocate`], as
//!   the courier unloads — the baseline.
//!
//! The better plan places more parcels, then uses fewer doors; so a batch
//! never places fewer parcels than one-by-one allocation, and usually more
//! when the bank is nearly full or recipients have several parcels.

use crate::collections::{SortedMap, SortedSet};
use alloc::vec::Vec;

use super::{AllocationError, Assignment, Considered, Outcome, Overflow, Request, Rule, Verdict};
use crate::bank::{Bank, Shape, ShapeId};
use crate::ids::{CompartmentId, RecipientId};
use crate::pack::Packing;
use crate::parcel::{Handling, TemperatureZone};

/// Which way a batch plan was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum BatchStrategy {
    /// Grouped by recipient, largest first.
    Grouped,
    /// One parcel at a time in the order given.
    ArrivalOrder,
    /// The whole load packed into the free doors by a search
    /// ([`Bank::plan_batch_packed`]).
    Packed,
}

/// Where each parcel of a batch goes. Apply it with [`Bank::apply_batch`]
/// (or store the assignments one by one, in order, as doors close).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct BatchPlan {
    /// Parcels with a compartment, in the order to store them.
    pub assignments: Vec<Assignment>,
    /// Parcels without one.
    pub overflow: Vec<Overflow>,
    /// How the plan was made.
    pub strategy: BatchStrategy,
}

impl BatchPlan {
    /// How many parcels get a compartment.
    #[must_use]
    pub fn placed(&self) -> usize {
        self.assignments.len()
    }

    /// How many distinct compartments the plan uses.
    #[must_use]
    pub fn doors_used(&self) -> usize {
        self.assignments
            .iter()
            .map(|a| a.compartment)
            .collect::<SortedSet<CompartmentId>>()
            .len()
    }

    pub(super) fn better_than(&self, other: &Self) -> bool {
        (self.placed(), core::cmp::Reverse(self.doors_used()))
            > (other.placed(), core::cmp::Reverse(other.doors_used()))
    }
}

/// Parcels that may share a compartment.
pub(super) type GroupKey = (RecipientId, TemperatureZone, Handling, bool);

impl Bank {
    /// Plans a courier's whole load without changing the bank: the better
    /// of a grouped, largest-first plan and one-by-one allocation in the
    /// order given.
    ///
    /// # Errors
    ///
    /// [`AllocationError::DuplicateInBatch`], and any error
    /// [`Bank::allocate`] gives for one of the parcels; no plan is made
    /// then.
    pub fn plan_batch(&self, requests: &[Request]) -> Result<BatchPlan, AllocationError> {
        self.validate_batch(requests)?;
        let grouped = self.plan_grouped(requests)?;
        let in_order = self.plan_in_order(requests)?;
        Ok(if in_order.better_than(&grouped) {
            in_order
        } else {
            grouped
        })
    }

    /// The baseline: [`Bank::allocate`] for each parcel in the order given,
    /// each stored before the next is allocated.
    ///
    /// # Errors
    ///
    /// As [`Bank::plan_batch`].
    pub fn plan_in_order(&self, requests: &[Request]) -> Result<BatchPlan, AllocationError> {
        self.validate_batch(requests)?;
        let mut work = self.clone();
        let mut plan = empty_plan(BatchStrategy::ArrivalOrder);
        for request in requests {
            work.allocate_and_store(request, &mut plan)?;
        }
        Ok(plan)
    }

    /// Stores every assignment of `plan`, all or nothing.
    ///
    /// # Errors
    ///
    /// [`AllocationError::Store`] when the plan no longer matches the bank
    /// (it was made before another change); the bank is unchanged then.
    pub fn apply_batch(&mut self, plan: &BatchPlan) -> Result<(), AllocationError> {
        let mut work = self.clone();
        for assignment in &plan.assignments {
            work.store(
                assignment.compartment,
                assignment.recipient,
                assignment.parcel,
            )?;
        }
        *self = work;
        Ok(())
    }

    pub(super) fn validate_batch(&self, requests: &[Request]) -> Result<(), AllocationError> {
        let mut seen = SortedSet::new();
        for request in requests {
            self.validate_request(request)?;
            if !seen.insert(request.parcel.id) {
                return Err(AllocationError::DuplicateInBatch {
                    parcel: request.parcel.id,
                });
            }
        }
        Ok(())
    }

    fn plan_grouped(&self, requests: &[Request]) -> Result<BatchPlan, AllocationError> {
        let mut groups: SortedMap<GroupKey, Vec<&Request>> = SortedMap::new();
        for request in requests {
            let parcel = &request.parcel;
            groups
                .entry((
                    request.recipient,
                    parcel.zone,
                    parcel.handling,
                    request.needs_accessible,
                ))
                .or_default()
                .push(request);
        }
        let mut groups: Vec<Vec<&Request>> = groups.into_values().collect();
        for group in &mut groups {
            crate::collections::sort::by_key(group, |r| {
                (core::cmp::Reverse(r.parcel.size.volume_mm3()), r.parcel.id)
            });
        }
        // Hardest first: the group whose largest parcel is largest.
        crate::collections::sort::by_key(&mut groups, |group| {
            core::cmp::Reverse(group.first().map_or(0, |r| r.parcel.size.volume_mm3()))
        });
        let mut work = self.clone();
        let mut plan = empty_plan(BatchStrategy::Grouped);
        for group in groups {
            let mut rest: &[&Request] = &group;
            if group.len() > 1
                && !work.holds_compatible(group[0])
                && let Some(shape_id) = work.door_for_all(&group)
            {
                work.store_group(shape_id, &group, &mut plan)?;
                rest = &[];
            }
            for request in rest {
                work.allocate_and_store(request, &mut plan)?;
            }
        }
        Ok(plan)
    }

    pub(super) fn allocate_and_store(
        &mut self,
        request: &Request,
        plan: &mut BatchPlan,
    ) -> Result<(), AllocationError> {
        match self.allocate(request)? {
            Outcome::Assigned(assignment) => {
                self.store(assignment.compartment, request.recipient, request.parcel)?;
                plan.assignments.push(assignment);
            }
            Outcome::Overflow(overflow) => plan.overflow.push(overflow),
        }
        Ok(())
    }

    /// True when the recipient already holds a compartment this group's
    /// parcels may join; consolidation then handles them one by one.
    fn holds_compatible(&self, request: &Request) -> bool {
        self.compartments_of(request.recipient).any(|id| {
            self.compartment(id)
                .and_then(|door| door.contents())
                .and_then(|contents| contents.kind())
                == Some((request.parcel.zone, request.parcel.handling))
        })
    }

    /// The smallest kind of door with a free door that holds the whole
    /// group, respecting zone, accessibility, weight and the reserve.
    fn door_for_all(&self, group: &[&Request]) -> Option<ShapeId> {
        let first = group.first()?;
        let weight_g: u64 = group.iter().map(|r| u64::from(r.parcel.weight_g)).sum();
        let reserve = self.config().policy.reserve_largest;
        (0_u32..)
            .map(ShapeId)
            .zip(self.shapes())
            .find(|(_, shape)| {
                shape.zone() == first.parcel.zone
                    && (shape.accessible() || !first.needs_accessible)
                    && weight_g <= u64::from(shape.max_weight_g())
                    && shape.free_count() > 0
                    && (!shape.largest_in_zone() || self.largest_free(shape) > reserve)
                    && packs_all(shape, group)
            })
            .map(|(id, _)| id)
    }

    fn store_group(
        &mut self,
        shape_id: ShapeId,
        group: &[&Request],
        plan: &mut BatchPlan,
    ) -> Result<(), AllocationError> {
        let Some(shape) = self.shape(shape_id) else {
            return Ok(());
        };
        let (Some(compartment), inner, free_doors) = (
            shape.first_free(),
            shape.inner(),
            u32::try_from(shape.free_count()).unwrap_or(u32::MAX),
        ) else {
            return Ok(());
        };
        for (position, request) in group.iter().enumerate() {
            let placement = self.store(compartment, request.recipient, request.parcel)?;
            let (rule, considered) = if position == 0 {
                let step = Considered::Group {
                    shape: shape_id,
                    inner,
                    free_doors,
                    verdict: Verdict::Chosen,
                };
                (Rule::SmallestFit, alloc::vec![step])
            } else {
                let step = Considered::Occupied {
                    compartment,
                    verdict: Verdict::Chosen,
                };
                (Rule::Consolidated, alloc::vec![step])
            };
            plan.assignments.push(Assignment {
                parcel: request.parcel,
                recipient: request.recipient,
                compartment,
                placement,
                rule,
                considered,
            });
        }
        Ok(())
    }
}

/// True when the parcels, placed one after another as [`Bank::store`]
/// would, all fit an empty door of `shape`.
fn packs_all(shape: &Shape, group: &[&Request]) -> bool {
    let mut packing = Packing::new(shape.usable());
    group
        .iter()
        .all(|request| packing.try_place(&request.parcel).is_some())
}

pub(super) fn empty_plan(strategy: BatchStrategy) -> BatchPlan {
    BatchPlan {
        assignments: Vec::new(),
        overflow: Vec::new(),
        strategy,
    }
}
