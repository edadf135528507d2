//! Every door as a kiosk draws it: its configuration, what it is doing and
//! whose parcels wait in it. One view for every binding, so a grid of doors
//! looks the same whatever language draws it.

use alloc::vec::Vec;

use super::state::{DoorTask, LockerState};
use crate::bank::DoorPosition;
use crate::geometry::Dimensions;
use crate::ids::{CompartmentId, RecipientId};
use crate::parcel::TemperatureZone;

/// What a door is doing, for display. When several hold, the first listed
/// wins: an open door is open whatever else is true of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DoorStatus {
    /// Unlocked and not closed yet.
    Open,
    /// A drop-off was cut off by a power loss: staff must look inside.
    NeedsInspection,
    /// Taken out of service (by staff, or in the bank's configuration).
    OutOfService,
    /// Just collected: the resident may re-open it for a short while.
    Grace,
    /// Parcels wait in it.
    Occupied,
    /// Empty and in service.
    Free,
}

/// What an open door is open for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OpenFor {
    /// A courier putting a parcel in.
    Deposit,
    /// Someone collecting.
    Pickup,
    /// Staff.
    Staff,
    /// The resident re-opening it in the grace period.
    Reopen,
}

impl From<&DoorTask> for OpenFor {
    fn from(task: &DoorTask) -> Self {
        match task {
            DoorTask::Deposit { .. } => Self::Deposit,
            DoorTask::Pickup { .. } => Self::Pickup,
            DoorTask::Staff { .. } => Self::Staff,
            DoorTask::Reopen => Self::Reopen,
        }
    }
}

/// One door, for display.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct DoorView<'a> {
    /// The door.
    pub id: CompartmentId,
    /// What is printed on it.
    pub label: &'a str,
    /// Its size class.
    pub size_class: &'a str,
    /// Its temperature zone.
    pub zone: TemperatureZone,
    /// True for a door within accessible reach.
    pub accessible: bool,
    /// Where it is in the bank's grid.
    pub position: &'a DoorPosition,
    /// Its inner size.
    pub inner: Dimensions,
    /// What it is doing.
    pub state: DoorStatus,
    /// What it is open for, when open.
    pub task: Option<OpenFor>,
    /// Whose parcels are inside.
    pub recipient: Option<RecipientId>,
    /// How many parcels are inside.
    pub parcels: usize,
    /// When the parcels inside go back to the carrier.
    pub expires_at_s: Option<u64>,
    /// True when the parcels inside wait for the carrier to take them back.
    pub returning: bool,
}

impl LockerState {
    /// Every door of the bank in id order, for display.
    #[must_use]
    pub fn doors(&self) -> Vec<DoorView<'_>> {
        self.bank()
            .compartments()
            .iter()
            .map(|compartment| {
                let spec = compartment.spec();
                let id = spec.id;
                let open = self.open_doors().get(&id);
                let delivery = self.deliveries().get(&id);
                let contents = compartment.contents();
                let state = if open.is_some() {
                    DoorStatus::Open
                } else if self.interrupted().contains_key(&id) {
                    DoorStatus::NeedsInspection
                } else if self.out_of_service().contains_key(&id) {
                    DoorStatus::OutOfService
                } else if self.graces().contains_key(&id) {
                    DoorStatus::Grace
                } else if !compartment.in_service() {
                    DoorStatus::OutOfService
                } else if contents.is_some() {
                    DoorStatus::Occupied
                } else {
                    DoorStatus::Free
                };
                DoorView {
                    id,
                    label: &spec.label,
                    size_class: &spec.size_class,
                    zone: spec.zone,
                    accessible: spec.accessible,
                    position: &spec.position,
                    inner: spec.inner,
                    state,
                    task: open.map(|door| OpenFor::from(&door.task)),
                    recipient: contents.map(|c| c.recipient),
                    parcels: contents.map_or(0, |c| c.parcels.len()),
                    expires_at_s: delivery.map(|d| d.expires_at_s),
                    returning: delivery.is_some_and(|d| d.returning),
                }
            })
            .collect()
    }
}
