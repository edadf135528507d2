//! The bank: its compartments, what each holds, and the index of free
//! compartments by size that keeps allocation cheap on any number of doors.
//!
//! A [`Bank`] is built from a validated [`BankConfig`]. It changes only
//! through [`Bank::store`], [`Bank::release`] and
//! [`Bank::set_in_service`], each of which checks everything first and
//! changes nothing when it fails. Allocation ([`crate::allocate`]) reads the
//! bank and proposes; `store` applies.

mod config;
mod default;
mod shape;

use crate::collections::{SortedMap, SortedSet};
use alloc::sync::Arc;
use alloc::vec::Vec;

pub use config::{
    ADA_MIN_ACCESSIBLE_PERCENT, AllocationPolicy, BankConfig, CompartmentSpec, ConfigError,
    DEFAULT_CLEARANCE_MM, DoorPosition, MAX_CLEARANCE_MM, MAX_COMPARTMENTS, MAX_LABEL_BYTES,
    REACH_RANGE_MAX_MM, REACH_RANGE_MIN_MM,
};
pub use default::default_bank;
pub use shape::{Shape, ShapeId};

use crate::geometry::{Dimensions, GeometryError};
use crate::ids::{CompartmentId, ParcelId, RecipientId};
use crate::pack::{Packing, Placement, repack_exact};
use crate::parcel::{Handling, Parcel, TemperatureZone};

/// The node budget of the exact search ([`crate::pack::pack_exact`]) when a parcel does
/// not fit beside a recipient's parcels as they stand: enough to re-pack
/// a handful of parcels, small enough to stay within tens of microseconds.
pub const CONSOLIDATION_NODES: u64 = 200;

/// Consolidation re-packs a compartment only while it holds fewer parcels
/// than this; beyond, the new parcel must fit beside them as they stand.
pub const MAX_CONSOLIDATION_REPACK: usize = 6;

/// What an occupied compartment holds: one recipient's parcels, all with the
/// same zone and handling, and where each sits.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Contents {
    /// Whose parcels these are.
    pub recipient: RecipientId,
    /// The parcels, in the order they were stored.
    pub parcels: Vec<Parcel>,
    /// Where each parcel sits inside the usable space.
    pub packing: Packing,
}

impl Contents {
    /// Total weight of the parcels, in grams.
    #[must_use]
    pub fn weight_g(&self) -> u64 {
        self.parcels.iter().map(|p| u64::from(p.weight_g)).sum()
    }

    /// The temperature zone and handling every parcel here shares.
    #[must_use]
    pub fn kind(&self) -> Option<(TemperatureZone, Handling)> {
        self.parcels.first().map(|p| (p.zone, p.handling))
    }
}

/// A compartment: its configuration, its usable space and what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compartment {
    /// Shared, so cloning a bank to plan a batch copies no strings.
    spec: Arc<CompartmentSpec>,
    usable: Dimensions,
    shape: ShapeId,
    in_service: bool,
    /// Shared until changed: the locker checks each compound change on a
    /// copy of its state, and that copy then shares every door's parcels
    /// instead of copying three lists per occupied door.
    contents: Option<Arc<Contents>>,
}

impl Compartment {
    /// The configuration of this compartment.
    #[must_use]
    pub fn spec(&self) -> &CompartmentSpec {
        &self.spec
    }

    /// The id.
    #[must_use]
    pub fn id(&self) -> CompartmentId {
        self.spec.id
    }

    /// The inner size less the bank's clearance: the space parcels may use.
    #[must_use]
    pub const fn usable(&self) -> Dimensions {
        self.usable
    }

    /// The group of identical compartments this one belongs to.
    #[must_use]
    pub const fn shape(&self) -> ShapeId {
        self.shape
    }

    /// False while staff have taken the door out of service.
    #[must_use]
    pub const fn in_service(&self) -> bool {
        self.in_service
    }

    /// What it holds, if anything.
    #[must_use]
    pub fn contents(&self) -> Option<&Contents> {
        self.contents.as_deref()
    }

    /// True when in service and empty: allocation may give it out.
    #[must_use]
    pub const fn is_free(&self) -> bool {
        self.in_service && self.contents.is_none()
    }
}

/// A compartment as every binding shows it: `{"spec": …, "usable": …,
/// "in_service": …, "free": …, "contents": …}`, the spec exactly as in the
/// bank's configuration. Write-only: a bank is rebuilt from its
/// configuration and the parcels stored, never from this view.
#[cfg(feature = "serde")]
impl serde::Serialize for Compartment {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut door = serializer.serialize_struct("Compartment", 5)?;
        door.serialize_field("spec", &*self.spec)?;
        door.serialize_field("usable", &self.usable)?;
        door.serialize_field("in_service", &self.in_service)?;
        door.serialize_field("free", &self.is_free())?;
        door.serialize_field("contents", &self.contents.as_deref())?;
        door.end()
    }
}

/// Why the bank refused a change. Nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BankError {
    /// No compartment has this id.
    #[error("no compartment has id {compartment}")]
    UnknownCompartment {
        /// The id given.
        compartment: CompartmentId,
    },
    /// The parcel's size or weight cannot be real.
    #[error("{parcel}: {source}")]
    InvalidParcel {
        /// The parcel.
        parcel: ParcelId,
        /// What was wrong.
        source: GeometryError,
    },
    /// The parcel is already stored somewhere in the bank.
    #[error("{parcel} is already stored in compartment {compartment}")]
    DuplicateParcel {
        /// The parcel.
        parcel: ParcelId,
        /// Where it is.
        compartment: CompartmentId,
    },
    /// The compartment is out of service.
    #[error("compartment {compartment} is out of service")]
    OutOfService {
        /// The compartment.
        compartment: CompartmentId,
    },
    /// The compartment holds another recipient's parcels.
    #[error("compartment {compartment} holds parcels of {holder}, not of {recipient}")]
    OtherRecipient {
        /// The compartment.
        compartment: CompartmentId,
        /// Whose parcels are inside.
        holder: RecipientId,
        /// Who the new parcel is for.
        recipient: RecipientId,
    },
    /// The compartment holds parcels of another zone or handling.
    #[error(
        "compartment {compartment} holds {held_zone} {held_handling} parcels; {parcel} is {zone} {handling}"
    )]
    MixedHandling {
        /// The compartment.
        compartment: CompartmentId,
        /// The parcel that may not join.
        parcel: ParcelId,
        /// Zone of what is inside.
        held_zone: TemperatureZone,
        /// Handling of what is inside.
        held_handling: Handling,
        /// Zone of the new parcel.
        zone: TemperatureZone,
        /// Handling of the new parcel.
        handling: Handling,
    },
    /// The parcel needs another temperature zone.
    #[error("{parcel} needs {needed} but compartment {compartment} is {zone}")]
    WrongZone {
        /// The compartment.
        compartment: CompartmentId,
        /// The parcel.
        parcel: ParcelId,
        /// What the parcel needs.
        needed: TemperatureZone,
        /// What the compartment keeps.
        zone: TemperatureZone,
    },
    /// The parcel does not fit beside what is already inside.
    #[error("{parcel} ({size}) does not fit in compartment {compartment}")]
    DoesNotFit {
        /// The compartment.
        compartment: CompartmentId,
        /// The parcel.
        parcel: ParcelId,
        /// Its size.
        size: Dimensions,
    },
    /// The shelf would carry more than its limit.
    #[error(
        "compartment {compartment} would carry {load_g} g, more than its {max_weight_g} g limit"
    )]
    TooHeavy {
        /// The compartment.
        compartment: CompartmentId,
        /// The load with the new parcel.
        load_g: u64,
        /// The limit.
        max_weight_g: u32,
    },
    /// There is nothing to release.
    #[error("compartment {compartment} is empty")]
    Empty {
        /// The compartment.
        compartment: CompartmentId,
    },
}

/// A bank at run time: configuration, contents and the free index.
///
/// ```
/// use locker_core::bank::{Bank, default_bank};
/// use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};
///
/// let mut bank = Bank::new(default_bank())?;
/// let parcel = Parcel::new(ParcelId(1), Dimensions::new(300, 200, 60), 900);
/// bank.store(CompartmentId(1), RecipientId(7), parcel)?;
/// assert!(!bank.compartment(CompartmentId(1)).unwrap().is_free());
/// let contents = bank.release(CompartmentId(1))?;
/// assert_eq!(contents.parcels, vec![parcel]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bank {
    config: Arc<BankConfig>,
    /// Sorted by id, so lookups are a binary search.
    compartments: Vec<Compartment>,
    /// Groups of identical compartments, smallest volume first.
    shapes: Vec<Shape>,
    /// Each recipient's doors, one pair a door.
    by_recipient: SortedSet<(RecipientId, CompartmentId)>,
    by_parcel: SortedMap<ParcelId, CompartmentId>,
}

impl Bank {
    /// Validates `config` and builds an empty bank from it.
    ///
    /// # Errors
    ///
    /// The [`ConfigError`] [`BankConfig::validate`] finds.
    pub fn new(config: BankConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let mut specs = config.compartments.clone();
        // Ids are unique once validated, so an unstable sort gives the
        // same order.
        crate::collections::sort::unstable_by_key(&mut specs, |spec| spec.id);
        let (shapes, shape_ids) = shape::index(&specs, config.clearance_mm);
        let compartments = specs
            .into_iter()
            .zip(shape_ids)
            .map(|(spec, shape)| Compartment {
                // Validation guarantees the clearance leaves usable space.
                usable: spec.inner.shrink(config.clearance_mm).unwrap_or(spec.inner),
                spec: Arc::new(spec),
                shape,
                in_service: true,
                contents: None,
            })
            .collect();
        Ok(Self {
            config: Arc::new(config),
            compartments,
            shapes,
            by_recipient: SortedSet::new(),
            by_parcel: SortedMap::new(),
        })
    }

    /// The configuration the bank was built from.
    #[must_use]
    pub fn config(&self) -> &BankConfig {
        &self.config
    }

    /// Every compartment, by id.
    #[must_use]
    pub fn compartments(&self) -> &[Compartment] {
        &self.compartments
    }

    /// The compartment with this id.
    #[must_use]
    pub fn compartment(&self, id: CompartmentId) -> Option<&Compartment> {
        self.position_of(id).and_then(|i| self.compartments.get(i))
    }

    /// The groups of identical compartments, smallest volume first.
    #[must_use]
    pub fn shapes(&self) -> &[Shape] {
        &self.shapes
    }

    /// One group of identical compartments.
    #[must_use]
    pub fn shape(&self, id: ShapeId) -> Option<&Shape> {
        self.shapes.get(id.index())
    }

    /// The compartments holding this recipient's parcels, by id.
    pub fn compartments_of(&self, recipient: RecipientId) -> impl Iterator<Item = CompartmentId> {
        self.by_recipient
            .with_key(&recipient)
            .iter()
            .map(|&(_, compartment)| compartment)
    }

    /// Where a parcel is stored, if it is in the bank.
    #[must_use]
    pub fn locate(&self, parcel: ParcelId) -> Option<CompartmentId> {
        self.by_parcel.get(&parcel).copied()
    }

    /// How many compartments are free (in service and empty).
    #[must_use]
    pub fn free_count(&self) -> usize {
        self.shapes.iter().map(Shape::free_count).sum()
    }

    /// How many parcels the bank holds.
    #[must_use]
    pub fn parcel_count(&self) -> usize {
        self.by_parcel.len()
    }

    fn position_of(&self, id: CompartmentId) -> Option<usize> {
        self.compartments
            .binary_search_by_key(&id, Compartment::id)
            .ok()
    }

    fn index_of(&self, id: CompartmentId) -> Result<usize, BankError> {
        self.position_of(id)
            .ok_or(BankError::UnknownCompartment { compartment: id })
    }

    /// Where `parcel` would sit in `compartment` for `recipient`, without
    /// changing anything: the same checks [`Bank::store`] makes.
    ///
    /// # Errors
    ///
    /// The [`BankError`] `store` would return.
    pub fn check_store(
        &self,
        compartment: CompartmentId,
        recipient: RecipientId,
        parcel: &Parcel,
    ) -> Result<Placement, BankError> {
        self.plan_store(compartment, recipient, parcel)
            .map(|(placement, _)| placement)
    }

    /// The checks of [`Bank::store`], and the packing it would leave.
    fn plan_store(
        &self,
        compartment: CompartmentId,
        recipient: RecipientId,
        parcel: &Parcel,
    ) -> Result<(Placement, Packing), BankError> {
        parcel
            .validate()
            .map_err(|source| BankError::InvalidParcel {
                parcel: parcel.id,
                source,
            })?;
        if let Some(&held) = self.by_parcel.get(&parcel.id) {
            return Err(BankError::DuplicateParcel {
                parcel: parcel.id,
                compartment: held,
            });
        }
        let door = &self.compartments[self.index_of(compartment)?];
        if !door.in_service {
            return Err(BankError::OutOfService { compartment });
        }
        if door.spec.zone != parcel.zone {
            return Err(BankError::WrongZone {
                compartment,
                parcel: parcel.id,
                needed: parcel.zone,
                zone: door.spec.zone,
            });
        }
        let mut packing = match &door.contents {
            None => Packing::new(door.usable),
            Some(contents) => {
                if contents.recipient != recipient {
                    return Err(BankError::OtherRecipient {
                        compartment,
                        holder: contents.recipient,
                        recipient,
                    });
                }
                if let Some((held_zone, held_handling)) = contents.kind()
                    && (held_zone, held_handling) != (parcel.zone, parcel.handling)
                {
                    return Err(BankError::MixedHandling {
                        compartment,
                        parcel: parcel.id,
                        held_zone,
                        held_handling,
                        zone: parcel.zone,
                        handling: parcel.handling,
                    });
                }
                contents.packing.clone()
            }
        };
        let load_g =
            door.contents.as_deref().map_or(0, Contents::weight_g) + u64::from(parcel.weight_g);
        if load_g > u64::from(door.spec.max_weight_g) {
            return Err(BankError::TooHeavy {
                compartment,
                load_g,
                max_weight_g: door.spec.max_weight_g,
            });
        }
        let does_not_fit = BankError::DoesNotFit {
            compartment,
            parcel: parcel.id,
            size: parcel.size,
        };
        if let Some(placement) = packing.try_place(parcel) {
            return Ok((placement, packing));
        }
        // Not beside the others as they stand: re-pack the lot, when few.
        let Some(contents) = door.contents.as_ref() else {
            return Err(does_not_fit);
        };
        if contents.parcels.len() >= MAX_CONSOLIDATION_REPACK {
            return Err(does_not_fit);
        }
        let mut together = contents.parcels.clone();
        together.push(*parcel);
        let packing =
            repack_exact(door.usable, &together, CONSOLIDATION_NODES).ok_or(does_not_fit)?;
        let placement = packing
            .placements()
            .iter()
            .find(|p| p.parcel == parcel.id)
            .copied()
            .ok_or(BankError::DoesNotFit {
                compartment,
                parcel: parcel.id,
                size: parcel.size,
            })?;
        Ok((placement, packing))
    }

    /// Puts `parcel` for `recipient` into `compartment`, beside what the
    /// recipient already has there. Returns where it sits.
    ///
    /// The parcels inside stay where they are when the new one fits beside
    /// them ([`Packing::try_place`]). Otherwise, while the compartment holds
    /// fewer than [`MAX_CONSOLIDATION_REPACK`] parcels, all of them are
    /// re-packed together by the exact search (that of
    /// [`crate::pack::pack_exact`], at most [`CONSOLIDATION_NODES`] nodes):
    /// the courier rearranges the
    /// compartment, and [`Contents::packing`] says where each parcel goes.
    ///
    /// # Errors
    ///
    /// A [`BankError`] when the compartment is unknown, out of service, of
    /// another zone, holds another recipient's or differently handled
    /// parcels, would be overloaded, or has no room; when the parcel is
    /// invalid or already stored. The bank is unchanged on error.
    pub fn store(
        &mut self,
        compartment: CompartmentId,
        recipient: RecipientId,
        parcel: Parcel,
    ) -> Result<Placement, BankError> {
        let (placement, mut packing) = self.plan_store(compartment, recipient, &parcel)?;
        // Kept for as long as the door holds parcels: no spare capacity.
        packing.settle();
        let index = self.index_of(compartment)?;
        let door = &mut self.compartments[index];
        let was_free = door.is_free();
        match &mut door.contents {
            Some(contents) => {
                let contents = Arc::make_mut(contents);
                contents.parcels.reserve_exact(1);
                contents.parcels.push(parcel);
                contents.packing = packing;
            }
            None => {
                door.contents = Some(Arc::new(Contents {
                    recipient,
                    parcels: alloc::vec![parcel],
                    packing,
                }));
            }
        }
        let shape = door.shape;
        if was_free && let Some(group) = self.shapes.get_mut(shape.index()) {
            group.remove_free(compartment);
        }
        self.by_recipient.insert((recipient, compartment));
        self.by_parcel.insert(parcel.id, compartment);
        Ok(placement)
    }

    /// Empties `compartment` (a pickup or a return) and gives back what it
    /// held.
    ///
    /// # Errors
    ///
    /// [`BankError::UnknownCompartment`] or [`BankError::Empty`]; the bank
    /// is unchanged on error.
    pub fn release(&mut self, compartment: CompartmentId) -> Result<Contents, BankError> {
        let index = self.index_of(compartment)?;
        let door = &mut self.compartments[index];
        let contents = door
            .contents
            .take()
            .map(Arc::unwrap_or_clone)
            .ok_or(BankError::Empty { compartment })?;
        let (shape, now_free) = (door.shape, door.is_free());
        if now_free && let Some(group) = self.shapes.get_mut(shape.index()) {
            group.insert_free(compartment);
        }
        self.by_recipient.remove(&(contents.recipient, compartment));
        for parcel in &contents.parcels {
            self.by_parcel.remove(&parcel.id);
        }
        Ok(contents)
    }

    /// Takes a compartment out of service (`false`) or back in (`true`).
    /// What it holds stays inside; an out-of-service door is never
    /// allocated.
    ///
    /// # Errors
    ///
    /// [`BankError::UnknownCompartment`].
    pub fn set_in_service(
        &mut self,
        compartment: CompartmentId,
        in_service: bool,
    ) -> Result<(), BankError> {
        let index = self.index_of(compartment)?;
        let door = &mut self.compartments[index];
        let was_free = door.is_free();
        door.in_service = in_service;
        let (shape, now_free) = (door.shape, door.is_free());
        if let Some(group) = self.shapes.get_mut(shape.index()) {
            match (was_free, now_free) {
                (true, false) => group.remove_free(compartment),
                (false, true) => group.insert_free(compartment),
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
