//! A courier's whole load packed into the free doors by the search of
//! [`crate::pack::pack_into`], never worse than the greedy plans.
//!
//! 1. **Consolidation first.** A parcel that joins a door its recipient
//!    already holds ([`Bank::allocate`]'s first rule) takes no new door.
//! 2. **The packer.** The rest go to the search with the goal "most
//!    parcels, then fewest doors": the free doors (at most as many of a
//!    kind as there are parcels; the reserve of the largest kind held
//!    back), one recipient a door (parcels of one recipient, zone and
//!    handling may share), accessible doors for recipients who need them.
//! 3. **Stored as the locker will.** Each door's parcels are stored one
//!    after another with [`Bank::store`], as deposits are committed, so
//!    every placement is the one the bank keeps and passes
//!    [`Packing::check`](crate::pack::Packing::check). A parcel the bank
//!    does not take that way, and any the packer left out, are allocated
//!    one by one (consolidation and the reserve rule apply).
//!
//! The result is this plan or [`Bank::plan_batch`]'s, whichever places
//! more parcels, then uses fewer doors: never worse than the greedy plan,
//! and deterministic for a given load, bank and [`BatchOptions`].

use alloc::vec::Vec;

use super::batch::{GroupKey, empty_plan};
use super::{AllocationError, Assignment, BatchPlan, BatchStrategy, Outcome, Request, Rule};
use crate::bank::Bank;
use crate::collections::SortedMap;
use crate::ids::CompartmentId;
use crate::pack::{Bin, Objective, PackOptions, Sharing, pack_into_sharing};
use crate::parcel::{Parcel, TemperatureZone};

/// The search budget [`BatchOptions::default`] gives, in placement
/// attempts: a few milliseconds for a courier's load of tens of parcels.
pub const DEFAULT_BATCH_ITERATIONS: u64 = 20_000;

/// How [`Bank::plan_batch_packed`] searches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields, default))]
pub struct BatchOptions {
    /// The most placement attempts the packer spends (0: its greedy
    /// construction only).
    pub max_iterations: u64,
    /// The seed of the packer's restarts.
    pub seed: u64,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self {
            max_iterations: DEFAULT_BATCH_ITERATIONS,
            seed: 0,
        }
    }
}

impl Bank {
    /// Plans a courier's whole load without changing the bank, packing it
    /// into the free doors by the search of [`crate::pack::pack_into`];
    /// the better of that and [`Bank::plan_batch`].
    ///
    /// Parcels that join a door their recipient holds go there first; the
    /// rest are packed for the most parcels, then the fewest doors, one
    /// recipient a door (a recipient's parcels of one zone and handling
    /// may share), accessible doors for those who need them, the reserve
    /// of the largest doors held back; each door's parcels are then
    /// stored one after another as the bank stores them, and any the
    /// packer left out are allocated one by one. The assignments go door
    /// by door. Deterministic for a given bank, load and `options`.
    ///
    /// # Errors
    ///
    /// As [`Bank::plan_batch`]; no plan is made then.
    pub fn plan_batch_packed(
        &self,
        requests: &[Request],
        options: &BatchOptions,
    ) -> Result<BatchPlan, AllocationError> {
        self.validate_batch(requests)?;
        let greedy = self.plan_batch(requests)?;
        let packed = self.plan_packed(requests, options)?;
        let mut plan = if packed.better_than(&greedy) {
            packed
        } else {
            greedy
        };
        group_by_door(&mut plan);
        Ok(plan)
    }

    fn plan_packed(
        &self,
        requests: &[Request],
        options: &BatchOptions,
    ) -> Result<BatchPlan, AllocationError> {
        let mut work = self.clone();
        let mut plan = empty_plan(BatchStrategy::Packed);
        let mut rest: Vec<&Request> = Vec::new();
        for request in requests {
            match work.allocate(request)? {
                Outcome::Assigned(assignment) if assignment.rule == Rule::Consolidated => {
                    work.store(assignment.compartment, request.recipient, request.parcel)?;
                    plan.assignments.push(assignment);
                }
                _ => rest.push(request),
            }
        }
        let (bins, takes_restricted) = work.bins_for(rest.len());
        let mut groups: SortedMap<GroupKey, u32> = SortedMap::new();
        let mut sharing = Sharing {
            takes_restricted,
            ..Sharing::default()
        };
        for request in &rest {
            let key = (
                request.recipient,
                request.parcel.zone,
                request.parcel.handling,
                request.needs_accessible,
            );
            let next = u32::try_from(groups.len()).unwrap_or(u32::MAX);
            sharing.group.push(*groups.entry(key).or_insert(next));
            sharing.restricted.push(request.needs_accessible);
        }
        let parcels: Vec<Parcel> = rest.iter().map(|r| r.parcel).collect();
        let pack_options = PackOptions {
            objective: Objective::MostParcels,
            max_iterations: options.max_iterations,
            seed: options.seed,
        };
        let packed = pack_into_sharing(&bins, &parcels, &sharing, &pack_options);
        let mut left: Vec<&Request> = Vec::new();
        let mut placed = alloc::vec![false; rest.len()];
        for bin in &packed.bins {
            for placement in bin.packing.placements() {
                let Some(i) = rest.iter().position(|r| r.parcel.id == placement.parcel) else {
                    continue;
                };
                let (Some(request), Some(flag)) = (rest.get(i), placed.get_mut(i)) else {
                    continue;
                };
                *flag = true;
                match work.store(bin.compartment, request.recipient, request.parcel) {
                    Ok(placement) => plan.assignments.push(Assignment {
                        parcel: request.parcel,
                        recipient: request.recipient,
                        compartment: bin.compartment,
                        placement,
                        rule: Rule::Packed,
                        considered: Vec::new(),
                    }),
                    // Not one after another as the bank stores them:
                    // allocated with the left-overs below.
                    Err(_) => left.push(request),
                }
            }
        }
        left.extend(
            rest.iter()
                .zip(&placed)
                .filter(|(_, placed)| !**placed)
                .map(|(r, _)| *r),
        );
        crate::collections::sort::by_key(&mut left, |r| {
            (core::cmp::Reverse(r.parcel.size.volume_mm3()), r.parcel.id)
        });
        for request in left {
            work.allocate_and_store(request, &mut plan)?;
        }
        Ok(plan)
    }

    /// The free doors the packer may use, and which of them are
    /// accessible: of each kind at most `wanted` (a plan opens no more
    /// doors than it has parcels), less the reserve of the largest kind
    /// of each zone.
    fn bins_for(&self, wanted: usize) -> (Vec<Bin>, Vec<bool>) {
        let reserve = usize::try_from(self.config().policy.reserve_largest).unwrap_or(usize::MAX);
        let mut held_back: SortedMap<TemperatureZone, usize> = SortedMap::new();
        let mut bins = Vec::new();
        let mut accessible = Vec::new();
        // Largest kinds last, so the reserve is held back from their end.
        for shape in self.shapes().iter().rev() {
            let mut free: Vec<CompartmentId> = shape.free().collect();
            if shape.largest_in_zone() {
                let kept = held_back.entry(shape.zone()).or_insert(0);
                let keep = reserve.saturating_sub(*kept).min(free.len());
                free.truncate(free.len() - keep);
                *kept += keep;
            }
            for id in free.into_iter().take(wanted) {
                bins.push(Bin::new(id, shape.usable(), shape.max_weight_g()).in_zone(shape.zone()));
                accessible.push(shape.accessible());
            }
        }
        (bins, accessible)
    }
}

/// Orders the assignments door by door, each door's parcels in the order
/// they are stored. Stores into different doors do not affect each other,
/// so the placements stay true; the courier goes door by door.
fn group_by_door(plan: &mut BatchPlan) {
    let mut first_seen: SortedMap<CompartmentId, usize> = SortedMap::new();
    for (i, assignment) in plan.assignments.iter().enumerate() {
        first_seen.entry(assignment.compartment).or_insert(i);
    }
    crate::collections::sort::by_key(&mut plan.assignments, |a| {
        first_seen
            .get(&a.compartment)
            .copied()
            .unwrap_or(usize::MAX)
    });
}
