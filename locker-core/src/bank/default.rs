//! A realistic default bank: the field's common door sizes in columns of a
//! 1.9 m high unit, for demos, tests and benchmarks.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::config::{
    AllocationPolicy, BankConfig, CompartmentSpec, DEFAULT_CLEARANCE_MM, DoorPosition,
    REACH_RANGE_MAX_MM, REACH_RANGE_MIN_MM,
};
use crate::geometry::Dimensions;
use crate::ids::CompartmentId;
use crate::parcel::TemperatureZone;

/// A door size class of the default bank.
struct Class {
    name: &'static str,
    inner: Dimensions,
    max_weight_g: u32,
}

/// InPost-style A, B and C doors share one 380×640 mm footprint with three
/// heights and a 25 kg limit.
const A: Class = Class {
    name: "A",
    inner: Dimensions::new(380, 640, 80),
    max_weight_g: 25_000,
};
const B: Class = Class {
    name: "B",
    inner: Dimensions::new(380, 640, 190),
    max_weight_g: 25_000,
};
const C: Class = Class {
    name: "C",
    inner: Dimensions::new(380, 640, 410),
    max_weight_g: 25_000,
};
/// A double-width door for bulky parcels (a DHL Packstation takes up to
/// 600×350×350 mm; this takes that and more).
const XL: Class = Class {
    name: "XL",
    inner: Dimensions::new(780, 640, 600),
    max_weight_g: 40_000,
};

/// Height of the lowest door's floor above the ground.
const PLINTH_MM: u32 = 60;
/// Frame and latch between two stacked doors.
const FRAME_MM: u32 = 10;

/// One column of the default bank, bottom to top.
const COLUMNS: [(&[&Class], TemperatureZone); 12] = [
    (&[&A; 20], TemperatureZone::Ambient),
    (&[&A; 20], TemperatureZone::Ambient),
    (&[&B; 9], TemperatureZone::Ambient),
    (&[&B; 9], TemperatureZone::Ambient),
    (&[&B; 9], TemperatureZone::Ambient),
    (&[&B; 9], TemperatureZone::Ambient),
    (&[&C; 4], TemperatureZone::Ambient),
    (&[&C; 4], TemperatureZone::Ambient),
    (&[&C; 4], TemperatureZone::Ambient),
    (&[&XL, &XL, &B], TemperatureZone::Ambient),
    (&[&B, &B, &C, &B, &B, &C], TemperatureZone::Chilled),
    (&[&C, &XL, &A, &A, &A, &A, &A, &A], TemperatureZone::Ambient),
];

/// The default bank: 105 doors in twelve columns — 46 A, 41 B, 15 C and
/// 3 XL, of which six (four B and two C) are chilled. Every door whose handle
/// (at mid-height of the door) lies in the 381–1219 mm reach range is
/// accessible: 46 doors, with every size class represented, so the bank is
/// ADA compliant. One XL door is kept in reserve.
///
/// ```
/// let config = locker_core::bank::default_bank();
/// assert!(config.validate().is_ok());
/// assert!(config.ada_compliant);
/// ```
#[must_use]
pub fn default_bank() -> BankConfig {
    let mut compartments = Vec::new();
    let mut next_id = 1_u32;
    for (column, (doors, zone)) in (0_u16..).zip(COLUMNS.iter()) {
        let mut floor_mm = PLINTH_MM;
        for (row, class) in (0_u16..).zip(doors.iter()) {
            let operable_height_mm = floor_mm + class.inner.height_mm / 2;
            let accessible =
                (REACH_RANGE_MIN_MM..=REACH_RANGE_MAX_MM).contains(&operable_height_mm);
            compartments.push(CompartmentSpec {
                id: CompartmentId(next_id),
                label: format!("{}{:02}", column_letter(column), row + 1),
                size_class: String::from(class.name),
                inner: class.inner,
                max_weight_g: class.max_weight_g,
                zone: *zone,
                accessible,
                position: DoorPosition { column, row },
                operable_height_mm: Some(operable_height_mm),
            });
            next_id += 1;
            floor_mm += class.inner.height_mm + FRAME_MM;
        }
    }
    BankConfig {
        name: String::from("Default apartment bank"),
        clearance_mm: DEFAULT_CLEARANCE_MM,
        ada_compliant: true,
        policy: AllocationPolicy::default(),
        compartments,
    }
}

/// Column letters as printed on the doors: `A`, `B`, … .
fn column_letter(column: u16) -> char {
    let offset = u8::try_from(column % 26).unwrap_or(0);
    char::from(b'A' + offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collections::SortedMap;

    #[test]
    fn default_bank_is_valid_and_as_documented() {
        let config = default_bank();
        config.validate().unwrap();
        let mut per_class: SortedMap<&str, (usize, usize, usize)> = SortedMap::new();
        for spec in &config.compartments {
            let entry = per_class.entry(spec.size_class.as_str()).or_default();
            entry.0 += 1;
            entry.1 += usize::from(spec.accessible);
            entry.2 += usize::from(spec.zone == TemperatureZone::Chilled);
            // Every door fits the 1.9 m unit.
            assert!(spec.operable_height_mm.unwrap() < 1_900);
        }
        assert_eq!(config.compartments.len(), 105);
        assert_eq!(per_class["A"].0, 46);
        assert_eq!(per_class["B"].0, 41);
        assert_eq!(per_class["C"].0, 15);
        assert_eq!(per_class["XL"].0, 3);
        let accessible: usize = per_class.values().map(|v| v.1).sum();
        assert_eq!(accessible, 46);
        assert!(per_class.values().all(|v| v.1 > 0));
        let chilled: usize = per_class.values().map(|v| v.2).sum();
        assert_eq!(chilled, 6);
    }
}
