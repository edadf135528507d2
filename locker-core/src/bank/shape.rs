//! Groups of identical compartments, the index that makes allocation cost
//! independent of the number of doors.
//!
//! A site has thousands of doors but only a handful of distinct door kinds
//! (size class, inner size, weight limit, zone, accessibility). Allocation
//! tests a parcel against each kind once and takes the lowest free id of the
//! first kind that fits, so its cost grows with the number of kinds, and
//! only logarithmically with the number of doors.

use crate::collections::{SortedMap, SortedSet};
use alloc::string::String;
use alloc::vec::Vec;

use super::config::CompartmentSpec;
use crate::geometry::Dimensions;
use crate::ids::CompartmentId;
use crate::parcel::TemperatureZone;

/// The index of a [`Shape`] in [`Bank::shapes`](super::Bank::shapes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct ShapeId(pub u32);

impl ShapeId {
    /// The position in the bank's shape list.
    #[must_use]
    pub fn index(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }
}

/// A group of identical compartments, with the set of those that are free.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    size_class: String,
    inner: Dimensions,
    usable: Dimensions,
    max_weight_g: u32,
    zone: TemperatureZone,
    accessible: bool,
    door_count: u32,
    largest_in_zone: bool,
    free: SortedSet<CompartmentId>,
}

impl Shape {
    /// The size class the doors are sold as.
    #[must_use]
    pub fn size_class(&self) -> &str {
        &self.size_class
    }

    /// Inner size of each door.
    #[must_use]
    pub const fn inner(&self) -> Dimensions {
        self.inner
    }

    /// Inner size less the bank's clearance.
    #[must_use]
    pub const fn usable(&self) -> Dimensions {
        self.usable
    }

    /// Weight limit of each door, in grams.
    #[must_use]
    pub const fn max_weight_g(&self) -> u32 {
        self.max_weight_g
    }

    /// Temperature zone of the doors.
    #[must_use]
    pub const fn zone(&self) -> TemperatureZone {
        self.zone
    }

    /// True when the doors are in the reach range.
    #[must_use]
    pub const fn accessible(&self) -> bool {
        self.accessible
    }

    /// How many doors the group has.
    #[must_use]
    pub const fn door_count(&self) -> u32 {
        self.door_count
    }

    /// True when no door of the same zone has a larger inner volume; the
    /// reserve applies to these doors.
    #[must_use]
    pub const fn largest_in_zone(&self) -> bool {
        self.largest_in_zone
    }

    /// How many doors are free.
    #[must_use]
    pub fn free_count(&self) -> usize {
        self.free.len()
    }

    /// The free door with the lowest id.
    #[must_use]
    pub fn first_free(&self) -> Option<CompartmentId> {
        self.free.first().copied()
    }

    /// The free doors, lowest id first.
    pub fn free(&self) -> impl Iterator<Item = CompartmentId> + '_ {
        self.free.iter().copied()
    }

    pub(super) fn insert_free(&mut self, id: CompartmentId) {
        self.free.insert(id);
    }

    pub(super) fn remove_free(&mut self, id: CompartmentId) {
        self.free.remove(&id);
    }
}

/// What makes two doors interchangeable, in the order allocation prefers
/// them: smaller volume first; at equal volume doors outside the reach range
/// first, to keep accessible doors for those who need them.
type Key = (u64, bool, String, Dimensions, u32, TemperatureZone);

fn key(spec: &CompartmentSpec) -> Key {
    (
        spec.inner.volume_mm3(),
        spec.accessible,
        spec.size_class.clone(),
        spec.inner,
        spec.max_weight_g,
        spec.zone,
    )
}

/// Groups `specs` into shapes, all doors free, and returns for each spec the
/// id of its shape.
pub(super) fn index(specs: &[CompartmentSpec], clearance_mm: u32) -> (Vec<Shape>, Vec<ShapeId>) {
    let mut groups: SortedMap<Key, Vec<CompartmentId>> = SortedMap::new();
    for spec in specs {
        groups.entry(key(spec)).or_default().push(spec.id);
    }
    let mut ids_by_key: SortedMap<Key, ShapeId> = SortedMap::new();
    let mut shapes = Vec::with_capacity(groups.len());
    for (ordinal, (key, doors)) in (0_u32..).zip(groups) {
        let (_, accessible, size_class, inner, max_weight_g, zone) = key.clone();
        shapes.push(Shape {
            size_class,
            inner,
            usable: inner.shrink(clearance_mm).unwrap_or(inner),
            max_weight_g,
            zone,
            accessible,
            door_count: u32::try_from(doors.len()).unwrap_or(u32::MAX),
            largest_in_zone: false,
            free: doors.into_iter().collect(),
        });
        ids_by_key.insert(key, ShapeId(ordinal));
    }
    for zone in [
        TemperatureZone::Ambient,
        TemperatureZone::Chilled,
        TemperatureZone::Frozen,
    ] {
        let largest = shapes
            .iter()
            .filter(|s| s.zone == zone)
            .map(|s| s.inner.volume_mm3())
            .max();
        for shape in shapes.iter_mut().filter(|s| s.zone == zone) {
            shape.largest_in_zone = Some(shape.inner.volume_mm3()) == largest;
        }
    }
    let per_spec = specs
        .iter()
        .map(|spec| ids_by_key.get(&key(spec)).copied().unwrap_or(ShapeId(0)))
        .collect();
    (shapes, per_spec)
}
