//! [`pack_into`]: many parcels into compartments of different sizes, for
//! one of two goals, improved by a search within an iteration budget.
//!
//! # What a packing must respect
//!
//! Each compartment ([`Bin`]) has a usable space (inner size minus the
//! clearance, which the caller subtracts), a temperature zone and an
//! optional shelf limit. A parcel goes only into a compartment of its
//! zone, the parcels of one compartment share zone and handling (see
//! [`Parcel::can_share_with`]), their weights add up to at most the limit,
//! and each compartment's packing passes [`Packing::check`] ("this side
//! up" and the support rule included).
//!
//! # The goals
//!
//! - [`Objective::MostParcels`]: place as many parcels as possible (then
//!   use as few compartments as possible) — a full bank at the end of a
//!   courier's round.
//! - [`Objective::FewestCompartments`]: place every parcel that fits some
//!   compartment, in as few compartments as possible (then the least
//!   compartment volume); [`Objective::LeastVolume`] puts the volume first.
//!
//! # The search
//!
//! A greedy construction first (first fit, largest parcels first, with the
//! extreme-point heuristic of [`super::pack`]; for the most parcels, the
//! smallest parcels that take a share of the compartments' volume first,
//! built for several shares and improved best first), then local search: empty
//! the least-filled compartment into the others, move a compartment's
//! contents into a smaller free one, insert parcels left over, and trade a
//! large placed parcel for several smaller ones left over; each new
//! parcel that does not fit beside the others by [`Packing::try_place`]
//! may re-pack its compartment from scratch (the greedy orders, then
//! [`super::pack_exact`] with a small budget). Then it restarts from
//! orders perturbed by a seeded generator, keeping the best result.
//!
//! # Exact fills
//!
//! When every parcel can share a compartment and their volume is exactly
//! that of `m` compartments of one size, and filling those would beat
//! the search's result, a search of its own looks for a packing that fills `m` such
//! compartments with no gap (a load cut from whole compartments, such as
//! Martello, Pisinger and Vigo's class 9): guillotine packings grown from
//! a corner, depth first, parcels as declared first, up to 200 parcels
//! (16 without `std`); for more than 45, also as blocks of parcels merged
//! where they share a whole face (`merge`). With `std`, five parcels that
//! make a pinwheel (four round a centre, which no guillotine cut
//! separates; class 9 cuts a box of five items so) are first placed as
//! one box (`pinwheel`). Its budget is as large as
//! the search's, 48 of its nodes to an attempt, and it runs after the
//! search, so the two never compete; its result replaces the search's
//! only when it is better.
//!
//! Every step is atomic and runs only when budget is left; the budget is
//! counted in placement attempts (one [`Packing::try_place`] beside up to
//! three boxes, one more per four boxes beyond; a re-pack as the attempts
//! of its greedy orders; one box tried by the exact search). The steps follow a fixed order given the
//! seed, so the same inputs always give the same result, and a larger
//! budget runs the same steps further: since the best result is only ever
//! replaced by a better one, it is never worse.

use alloc::vec::Vec;
use core::cmp::Reverse;

use super::search::{Load, Score, Sharing, score};
use super::{PackError, Packing, Placement};
use crate::geometry::Dimensions;
use crate::ids::{CompartmentId, ParcelId};
use crate::parcel::{Parcel, TemperatureZone};

/// The budget [`PackOptions::default`] gives, in placement attempts:
/// about 75 ms for 200 parcels and 40 compartments on one core of the
/// benchmark machine (BENCHMARKS.md).
pub const DEFAULT_MAX_ITERATIONS: u64 = 100_000;

/// One compartment that [`pack_into`] may fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Bin {
    /// The compartment's id, which the result names.
    pub id: CompartmentId,
    /// Its usable space: the inner size minus the clearance.
    pub space: Dimensions,
    /// The most its shelf carries, in grams; `None` for no limit.
    #[cfg_attr(feature = "serde", serde(default))]
    pub max_weight_g: Option<u32>,
    /// The temperature it keeps.
    #[cfg_attr(feature = "serde", serde(default))]
    pub zone: TemperatureZone,
}

impl Bin {
    /// An ambient compartment with a shelf limit.
    #[must_use]
    pub const fn new(id: CompartmentId, space: Dimensions, max_weight_g: u32) -> Self {
        Self {
            id,
            space,
            max_weight_g: Some(max_weight_g),
            zone: TemperatureZone::Ambient,
        }
    }

    /// The same compartment, keeping `zone`.
    #[must_use]
    pub const fn in_zone(mut self, zone: TemperatureZone) -> Self {
        self.zone = zone;
        self
    }
}

/// What [`pack_into`] optimizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Objective {
    /// As many parcels as possible, then as few compartments, then as
    /// little compartment volume.
    MostParcels,
    /// Every parcel that fits some compartment (as many as the search
    /// manages), then as few compartments, then as little volume.
    #[default]
    FewestCompartments,
    /// Every parcel that fits some compartment, then as little compartment
    /// volume, then as few compartments.
    LeastVolume,
}

/// How [`pack_into`] searches: the goal, the budget and the seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields, default))]
pub struct PackOptions {
    /// What to optimize.
    pub objective: Objective,
    /// The most placement attempts the search spends (0: the greedy
    /// construction only).
    pub max_iterations: u64,
    /// The seed of the restarts' perturbations.
    pub seed: u64,
}

impl Default for PackOptions {
    fn default() -> Self {
        Self {
            objective: Objective::default(),
            max_iterations: DEFAULT_MAX_ITERATIONS,
            seed: 0,
        }
    }
}

impl PackOptions {
    /// The default budget and seed, with `objective`.
    #[must_use]
    pub fn new(objective: Objective) -> Self {
        Self {
            objective,
            ..Self::default()
        }
    }
}

/// One compartment used by a [`PackIntoResult`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct BinPacking {
    /// The compartment.
    pub compartment: CompartmentId,
    /// What goes in it, and where.
    pub packing: Packing,
}

/// The outcome of [`pack_into`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct PackIntoResult {
    /// The compartments used, in the order given, each with its packing.
    pub bins: Vec<BinPacking>,
    /// The parcels left out, in input order.
    pub unplaced: Vec<ParcelId>,
    /// The placement attempts spent.
    pub iterations: u64,
}

impl PackIntoResult {
    /// How many parcels are placed.
    #[must_use]
    pub fn placed(&self) -> usize {
        self.bins.iter().map(|b| b.packing.placements().len()).sum()
    }
}

/// Packs `parcels` into `bins` for `options.objective`; see the module docs.
///
/// Deterministic for given inputs and options; never panics, whatever the
/// sizes; a parcel with a zero side, or that fits no compartment of its
/// zone, is left unplaced. Parcel ids should be unique (see
/// [`try_pack_into`]).
#[must_use]
pub fn pack_into(bins: &[Bin], parcels: &[Parcel], options: &PackOptions) -> PackIntoResult {
    pack_into_sharing(bins, parcels, &Sharing::default(), options)
}

/// [`pack_into`] under `sharing`'s further rules (a batch plan's).
pub(crate) fn pack_into_sharing(
    bins: &[Bin],
    parcels: &[Parcel],
    sharing: &Sharing,
    options: &PackOptions,
) -> PackIntoResult {
    let (mut iterations, mut contents) = Load::search(bins, parcels, sharing, options);
    if sharing.is_empty()
        && let Some(exact) = exact_fill(bins, parcels, &contents, options, &mut iterations)
    {
        contents = exact;
    }
    let mut used = Vec::new();
    let mut placed = alloc::vec![false; parcels.len()];
    for (bin, packing) in bins.iter().zip(contents) {
        let Some(packing) = packing else { continue };
        for placement in packing.placements() {
            if let Some(i) = parcels.iter().position(|p| p.id == placement.parcel)
                && let Some(flag) = placed.get_mut(i)
            {
                *flag = true;
            }
        }
        used.push(BinPacking {
            compartment: bin.id,
            packing,
        });
    }
    let unplaced = parcels
        .iter()
        .zip(&placed)
        .filter(|(_, placed)| !**placed)
        .map(|(p, _)| p.id)
        .collect();
    PackIntoResult {
        bins: used,
        unplaced,
        iterations,
    }
}

/// Nodes of the exact fill per placement attempt of the budget. A node
/// (one parcel tried in a region; while merging blocks, a block indexed,
/// a pair found or a face compared) takes a sixth to a third of an
/// attempt's time, so the fill may
/// take eight to sixteen attempts' time for each: on a load whose volume
/// is exactly that of whole compartments it is the search that can reach
/// the optimum, and a load that fills no compartment size exactly never
/// runs it. Loads of 100 parcels cut from three compartments: 26 of 30
/// filled at 24 nodes an attempt, 30 of 30 at 48 (the slowest 0.4 s; a
/// load of 200 that is not filled gives up after 0.8 s).
pub(super) const FILL_NODES_PER_ATTEMPT: u64 = 48;

/// The parcels `fitting` (indices into `parcels`) in fewer than `used`
/// identical compartments of `space` without shelf limits, each filled
/// exactly, for [`super::pack_bins`]: `None` unless their volume is that
/// of fewer compartments and the fill finds them within the default
/// budget of [`pack_into`].
pub(super) fn fill_identical(
    space: Dimensions,
    parcels: &[Parcel],
    fitting: &[usize],
    used: usize,
) -> Option<Vec<Packing>> {
    let chosen: Vec<Parcel> = fitting
        .iter()
        .filter_map(|&i| parcels.get(i))
        .copied()
        .collect();
    let volume: u128 = chosen.iter().map(|p| super::volume_u128(p.size)).sum();
    let each = super::volume_u128(space);
    let count = usize::try_from(volume.checked_div(each)?).ok()?;
    if count >= used || !volume.is_multiple_of(each) {
        return None;
    }
    let mut nodes = DEFAULT_MAX_ITERATIONS.saturating_mul(FILL_NODES_PER_ATTEMPT);
    let limits_g = alloc::vec![u64::MAX; count];
    let filled = super::fill::fill_exactly(space, &chosen, &limits_g, &mut nodes)?;
    let placed: usize = filled.iter().map(Vec::len).sum();
    if placed != chosen.len() {
        return None;
    }
    filled
        .into_iter()
        .map(|placements| checked_packing(space, placements, &chosen))
        .collect()
}

/// The packing of `placements` in `space`, if it passes
/// [`Packing::check`] against `parcels`.
fn checked_packing(
    space: Dimensions,
    placements: Vec<Placement>,
    parcels: &[Parcel],
) -> Option<Packing> {
    let packing = Packing::from_placements(space, placements).ok()?;
    packing.check(parcels).ok().map(|()| packing)
}

/// Every parcel in compartments of one size, each filled exactly, when
/// that beats `found` (the search's result) for the objective: the
/// search of [`super::fill`], sizes tried best first by the search's own
/// score until one is filled, on one budget of nodes as large as the
/// search's ([`FILL_NODES_PER_ATTEMPT`] to an attempt; `spent` counts
/// them). The shelf limits are part of that search, and a size proved
/// impossible passes on what it did not use, so a larger budget fills the
/// same size or a better one. Parcels of one zone and handling (those
/// with a zero side left out).
fn exact_fill(
    bins: &[Bin],
    parcels: &[Parcel],
    found: &[Option<Packing>],
    options: &PackOptions,
    spent: &mut u64,
) -> Option<Vec<Option<Packing>>> {
    // A parcel with a zero side is never placed: the fill leaves it out.
    let parcels: Vec<Parcel> = parcels
        .iter()
        .filter(|p| super::volume_u128(p.size) > 0)
        .copied()
        .collect();
    let parcels = parcels.as_slice();
    let first = parcels.first()?;
    if parcels.len() > super::fill::MAX_PARCELS || parcels.iter().any(|p| !p.can_share_with(first))
    {
        return None;
    }
    let objective = options.objective;
    let used: Vec<bool> = found.iter().map(Option::is_some).collect();
    let placed: usize = found.iter().flatten().map(|p| p.placements().len()).sum();
    let to_beat = score(bins, &used, placed, objective);
    let volume: u128 = parcels.iter().map(|p| super::volume_u128(p.size)).sum();
    let limit_g = |i: usize| {
        bins.get(i)
            .map_or(0, |b| b.max_weight_g.map_or(u64::MAX, u64::from))
    };
    // (score if filled, space, the compartments it would use, highest
    // shelf limit first).
    let mut sizes: Vec<(Score, Dimensions, Vec<usize>)> = Vec::new();
    let mut tried: Vec<Dimensions> = Vec::new();
    for bin in bins {
        if bin.zone != first.zone || tried.contains(&bin.space) {
            continue;
        }
        tried.push(bin.space);
        let each = super::volume_u128(bin.space);
        let Some(count) = (each > 0 && volume.is_multiple_of(each))
            .then(|| usize::try_from(volume / each).ok())
            .flatten()
        else {
            continue;
        };
        // The compartments of this size with the highest shelf limits.
        let mut same: Vec<usize> = (0..bins.len())
            .filter(|&i| {
                bins.get(i)
                    .is_some_and(|b| b.space == bin.space && b.zone == bin.zone)
            })
            .collect();
        // Stable: among equal limits, the compartments' order.
        crate::collections::sort::by_key(&mut same, |&i| Reverse(limit_g(i)));
        if same.len() < count {
            continue;
        }
        same.truncate(count);
        let mut flags = alloc::vec![false; bins.len()];
        for &i in &same {
            if let Some(flag) = flags.get_mut(i) {
                *flag = true;
            }
        }
        let filled_score = score(bins, &flags, parcels.len(), objective);
        if filled_score > to_beat {
            sizes.push((filled_score, bin.space, same));
        }
    }
    // Best first; stable, so equal sizes keep the compartments' order.
    crate::collections::sort::by_key(&mut sizes, |(score, _, _)| Reverse(*score));
    let mut nodes = options
        .max_iterations
        .saturating_mul(FILL_NODES_PER_ATTEMPT);
    let budget = nodes;
    let mut result = None;
    for (_, space, same) in sizes {
        if nodes == 0 {
            break;
        }
        let limits_g: Vec<u64> = same.iter().map(|&i| limit_g(i)).collect();
        let filled = super::fill::fill_exactly(space, parcels, &limits_g, &mut nodes);
        // The fill comes heaviest first, for the highest limits first.
        if let Some(filled) = filled.and_then(|f| contents_of(bins, parcels, &same, f)) {
            result = Some(filled);
            break;
        }
    }
    *spent = spent.saturating_add((budget - nodes).div_ceil(FILL_NODES_PER_ATTEMPT));
    result
}

/// The fill's placements as the packings of `compartments` (in their
/// order), each checked again; `None` when one breaks a rule. The fill
/// itself kept the shelf limits, pairing its heaviest compartment with
/// the first of `compartments`.
fn contents_of(
    bins: &[Bin],
    parcels: &[Parcel],
    compartments: &[usize],
    filled: Vec<Vec<Placement>>,
) -> Option<Vec<Option<Packing>>> {
    let mut contents = alloc::vec![None; bins.len()];
    for (&i, placements) in compartments.iter().zip(filled) {
        *contents.get_mut(i)? = Some(checked_packing(bins.get(i)?.space, placements, parcels)?);
    }
    Some(contents)
}

/// Like [`pack_into`], but refuses input it cannot answer for.
///
/// # Errors
///
/// [`PackError::DuplicateParcel`] for a parcel id given twice,
/// [`PackError::DuplicateBin`] for a compartment id given twice.
pub fn try_pack_into(
    bins: &[Bin],
    parcels: &[Parcel],
    options: &PackOptions,
) -> Result<PackIntoResult, PackError> {
    let mut ids: Vec<u64> = parcels.iter().map(|p| p.id.0).collect();
    crate::collections::sort::values(&mut ids);
    if let Some(pair) = ids.windows(2).find(|w| w.first() == w.get(1)) {
        let id = pair.first().copied().unwrap_or_default();
        return Err(PackError::DuplicateParcel { parcel: id.into() });
    }
    let mut ids: Vec<u32> = bins.iter().map(|b| b.id.0).collect();
    crate::collections::sort::values(&mut ids);
    if let Some(pair) = ids.windows(2).find(|w| w.first() == w.get(1)) {
        let id = pair.first().copied().unwrap_or_default();
        return Err(PackError::DuplicateBin {
            compartment: CompartmentId(id),
        });
    }
    Ok(pack_into(bins, parcels, options))
}
