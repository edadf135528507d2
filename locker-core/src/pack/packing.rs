//! [`Packing`]: the boxes in one compartment and the corners still free.

use alloc::vec;
use alloc::vec::Vec;

use super::extreme_point::{add_extreme_points, find_spot};
use super::{PackError, Placement, Position, check, volume_u128};
use crate::geometry::Dimensions;
use crate::parcel::Parcel;

/// The parcels in one compartment, with their positions and orientations,
/// and the extreme points (candidate corners) where the next one may go.
///
/// Built empty by [`Packing::new`] and filled by [`Packing::try_place`] or
/// [`super::pack`]; boxes already placed never move. A packing built this
/// way always passes [`Packing::check`]. In JSON it is
/// `{"space": {...}, "placements": [...]}`; deserializing checks the
/// geometry (see [`Packing::from_placements`]).
///
/// The extreme points follow from the placements (each placement, in
/// order, adds its own), so two packings with the same space and
/// placements are equal, and a packing kept in a compartment does not hold
/// them: they are rebuilt when the next parcel joins.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "PackingRepr", into = "PackingRepr")
)]
pub struct Packing {
    space: Dimensions,
    placements: Vec<Placement>,
    /// Sorted by (z, y, x), no duplicates, none inside a box; `None` once
    /// the packing is settled in a compartment (rebuilt from the
    /// placements when needed).
    extreme_points: Option<Vec<Position>>,
}

impl PartialEq for Packing {
    fn eq(&self, other: &Self) -> bool {
        // The extreme points are a function of the placements.
        self.space == other.space && self.placements == other.placements
    }
}

impl Eq for Packing {}

impl Packing {
    /// An empty packing of a usable `space` (the caller has already
    /// subtracted the clearance from the compartment's inner size).
    #[must_use]
    pub fn new(space: Dimensions) -> Self {
        Self {
            space,
            placements: Vec::new(),
            extreme_points: Some(vec![Position::ORIGIN]),
        }
    }

    /// Rebuilds a packing from its placements, for instance from a saved
    /// snapshot, checking the geometry: every box has no zero side, lies
    /// inside `space`, overlaps no other and is supported. The extreme
    /// points are rebuilt by replaying the placements in order when they
    /// are first needed. The parcels themselves are not known here; [`Packing::check`] verifies
    /// the orientations and extents against them.
    ///
    /// # Errors
    ///
    /// The first [`PackError`] found: [`PackError::EmptyExtent`],
    /// [`PackError::OutsideSpace`], [`PackError::Overlap`],
    /// [`PackError::Unsupported`] or [`PackError::DuplicatePlacement`].
    pub fn from_placements(
        space: Dimensions,
        placements: Vec<Placement>,
    ) -> Result<Self, PackError> {
        check::check_geometry(space, &placements)?;
        Ok(Self {
            space,
            placements,
            extreme_points: None,
        })
    }

    /// The extreme points `placements` leave in `space`: each placement,
    /// in order, adds its own, as [`Packing::try_place`] does.
    fn replay_extreme_points(space: Dimensions, placements: &[Placement]) -> Vec<Position> {
        let mut extreme_points = vec![Position::ORIGIN];
        for (i, placement) in placements.iter().enumerate() {
            let placed = placements.get(..=i).unwrap_or(placements);
            add_extreme_points(space, placed, &mut extreme_points, placement);
        }
        extreme_points
    }

    /// Settles the packing in a compartment for as long as it holds
    /// parcels: no spare capacity, and no extreme points (rebuilt from the
    /// placements when the next parcel joins), so it costs only what it
    /// holds.
    pub(crate) fn settle(&mut self) {
        self.placements.shrink_to_fit();
        self.extreme_points = None;
    }

    /// The usable space this packing fills.
    #[must_use]
    pub const fn space(&self) -> Dimensions {
        self.space
    }

    /// The boxes placed, in the order they were placed.
    #[must_use]
    pub fn placements(&self) -> &[Placement] {
        &self.placements
    }

    /// The candidate corners where the next box may go, sorted by height,
    /// then depth, then width; useful to draw a preview. (Rebuilt from the
    /// placements when the packing is settled in a compartment.)
    #[must_use]
    pub fn extreme_points(&self) -> Vec<Position> {
        self.extreme_points
            .clone()
            .unwrap_or_else(|| Self::replay_extreme_points(self.space, &self.placements))
    }

    /// The volume the placed boxes take, in cubic millimetres (saturating at
    /// `u64::MAX`, which no validated compartment comes near).
    #[must_use]
    pub fn used_volume_mm3(&self) -> u64 {
        u64::try_from(self.used_volume_u128()).unwrap_or(u64::MAX)
    }

    /// The volume of the space not taken by boxes, in cubic millimetres
    /// (saturating at `u64::MAX`). Not all of it is usable: free space is
    /// rarely one box.
    #[must_use]
    pub fn free_volume_mm3(&self) -> u64 {
        let free = volume_u128(self.space).saturating_sub(self.used_volume_u128());
        u64::try_from(free).unwrap_or(u64::MAX)
    }

    pub(super) fn used_volume_u128(&self) -> u128 {
        self.placements
            .iter()
            .map(|p| volume_u128(p.extent))
            .fold(0, u128::saturating_add)
    }

    /// Adds one parcel without moving those already placed, for instance
    /// to consolidate a new parcel into a recipient's occupied compartment.
    ///
    /// Tries every allowed orientation at every extreme point and takes the
    /// best feasible spot (see the module docs); the new box lies inside the
    /// space, overlaps nothing and is supported. Returns the new placement,
    /// or `None`, leaving the packing unchanged, when the parcel fits
    /// nowhere (a parcel with a zero side never fits).
    pub fn try_place(&mut self, parcel: &Parcel) -> Option<Placement> {
        let (space, placements) = (self.space, &self.placements);
        let extreme_points = self
            .extreme_points
            .get_or_insert_with(|| Self::replay_extreme_points(space, placements));
        let spot = find_spot(self.space, &self.placements, extreme_points, parcel)?;
        let placement = Placement {
            parcel: parcel.id,
            position: spot.position,
            orientation: spot.orientation,
            extent: spot.extent,
        };
        self.placements.push(placement);
        add_extreme_points(self.space, &self.placements, extreme_points, &placement);
        Some(placement)
    }

    /// Verifies the packing against the parcels it holds, independently of
    /// how it was built: every placement names a parcel of `parcels`, at
    /// most once; its orientation is allowed for that parcel ("this side
    /// up" parcels stay upright); its extent is the parcel's size turned by
    /// that orientation and has no zero side; it lies inside the space;
    /// no two boxes overlap; and every box is supported (see the module
    /// docs). `parcels` may hold more parcels than are placed. Parcel ids
    /// should be unique; for a repeated id the first parcel counts.
    ///
    /// # Errors
    ///
    /// The first [`PackError`] found, naming the parcel(s) and position(s).
    pub fn check(&self, parcels: &[Parcel]) -> Result<(), PackError> {
        check::check_parcels(&self.placements, parcels)?;
        check::check_geometry(self.space, &self.placements)
    }
}

/// The serialized form of a [`Packing`]: the extreme points are derived
/// state and are rebuilt on load.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PackingRepr {
    space: Dimensions,
    placements: Vec<Placement>,
}

#[cfg(feature = "serde")]
impl TryFrom<PackingRepr> for Packing {
    type Error = PackError;

    fn try_from(repr: PackingRepr) -> Result<Self, PackError> {
        Self::from_placements(repr.space, repr.placements)
    }
}

#[cfg(feature = "serde")]
impl From<Packing> for PackingRepr {
    fn from(packing: Packing) -> Self {
        Self {
            space: packing.space,
            placements: packing.placements,
        }
    }
}
