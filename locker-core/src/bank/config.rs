//! The bank configuration: which compartments exist, and how allocation
//! treats them. Loaded from JSON (feature `serde`) or built in code, and
//! always validated before a [`Bank`](super::Bank) is made from it.

use crate::collections::{SortedMap, SortedSet};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::geometry::{Dimensions, GeometryError, validate_weight_g};
use crate::ids::CompartmentId;
use crate::parcel::TemperatureZone;

/// The lowest height, in millimetres above the floor, at which an operable
/// part is within reach (ADA §308: 15 in).
pub const REACH_RANGE_MIN_MM: u32 = 381;
/// The highest height, in millimetres above the floor, at which an operable
/// part is within reach (ADA §308: 48 in).
pub const REACH_RANGE_MAX_MM: u32 = 1_219;
/// The share of compartments ADA §225.3 requires to be accessible, in
/// percent.
pub const ADA_MIN_ACCESSIBLE_PERCENT: u32 = 5;
/// The default clearance taken off each inner side before the fit test.
pub const DEFAULT_CLEARANCE_MM: u32 = 10;
/// The largest clearance accepted; more is a unit mistake.
pub const MAX_CLEARANCE_MM: u32 = 100;
/// The most compartments one configuration may hold (a large site).
pub const MAX_COMPARTMENTS: usize = 100_000;
/// The longest label or size-class name accepted, in bytes.
pub const MAX_LABEL_BYTES: usize = 32;

/// Where a door sits in the bank's grid: `column` counts from the left,
/// `row` from the bottom. Used for display and tie-breaking only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct DoorPosition {
    /// Column, counted from the left starting at 0.
    pub column: u16,
    /// Row, counted from the bottom starting at 0.
    pub row: u16,
}

impl fmt::Display for DoorPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {} row {}", self.column, self.row)
    }
}

/// One compartment as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct CompartmentSpec {
    /// Unique id within the bank.
    pub id: CompartmentId,
    /// What is printed on the door (for example `"B12"`).
    pub label: String,
    /// The size class the vendor sells it as (for example `"A"`, `"XL"`);
    /// the ADA rule asks for an accessible door in each class.
    pub size_class: String,
    /// The inner size, in millimetres.
    pub inner: Dimensions,
    /// The heaviest load the shelf takes, in grams.
    pub max_weight_g: u32,
    /// The temperature the compartment keeps.
    #[cfg_attr(feature = "serde", serde(default))]
    pub zone: TemperatureZone,
    /// True when the door's operable parts are inside the 381–1219 mm reach
    /// range, so it may be given to a recipient who needs it.
    #[cfg_attr(feature = "serde", serde(default))]
    pub accessible: bool,
    /// Where the door sits in the grid.
    pub position: DoorPosition,
    /// Height of the handle or latch above the floor, in millimetres, when
    /// known; if given it must agree with `accessible`.
    #[cfg_attr(feature = "serde", serde(default))]
    pub operable_height_mm: Option<u32>,
}

/// How allocation treats the bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields, default))]
pub struct AllocationPolicy {
    /// How many of the largest compartments (per temperature zone) are kept
    /// free for parcels that fit nothing smaller.
    pub reserve_largest: u32,
    /// Put a parcel in the recipient's occupied compartment when it packs
    /// beside what is there.
    pub consolidate: bool,
}

impl Default for AllocationPolicy {
    fn default() -> Self {
        Self {
            reserve_largest: 1,
            consolidate: true,
        }
    }
}

/// A whole bank as configured: its compartments and policies.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct BankConfig {
    /// A name for people (site and bank).
    pub name: String,
    /// Margin taken off every inner side before the fit test, in
    /// millimetres.
    #[cfg_attr(feature = "serde", serde(default = "default_clearance_mm"))]
    pub clearance_mm: u32,
    /// When true, validation enforces the ADA rule (see
    /// [`BankConfig::validate`]).
    #[cfg_attr(feature = "serde", serde(default))]
    pub ada_compliant: bool,
    /// Allocation rules.
    #[cfg_attr(feature = "serde", serde(default))]
    pub policy: AllocationPolicy,
    /// Every compartment of the bank.
    pub compartments: Vec<CompartmentSpec>,
}

#[cfg(feature = "serde")]
const fn default_clearance_mm() -> u32 {
    DEFAULT_CLEARANCE_MM
}

/// Why a bank configuration was rejected. Each variant names the field and
/// the value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The text is not valid JSON for a bank configuration.
    #[error("bank configuration JSON is invalid at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// `compartments` is empty.
    #[error("compartments is empty; a bank needs at least one compartment")]
    EmptyBank,
    /// More compartments than [`MAX_COMPARTMENTS`].
    #[error("compartments has {count} entries, more than the {MAX_COMPARTMENTS} limit")]
    TooManyCompartments {
        /// How many were given.
        count: usize,
    },
    /// `clearance_mm` above [`MAX_CLEARANCE_MM`].
    #[error("clearance_mm is {clearance_mm} mm, more than the {MAX_CLEARANCE_MM} mm limit")]
    ClearanceTooLarge {
        /// The value given.
        clearance_mm: u32,
    },
    /// Two compartments share an id.
    #[error("compartment id {id} appears twice")]
    DuplicateId {
        /// The repeated id.
        id: CompartmentId,
    },
    /// Two compartments share a label.
    #[error("compartment {id}: label {label:?} is already used by compartment {other}")]
    DuplicateLabel {
        /// The second compartment with the label.
        id: CompartmentId,
        /// The first one.
        other: CompartmentId,
        /// The repeated label.
        label: String,
    },
    /// Two compartments share a grid position.
    #[error("compartment {id}: position ({position}) is already taken by compartment {other}")]
    DuplicatePosition {
        /// The second compartment at the position.
        id: CompartmentId,
        /// The first one.
        other: CompartmentId,
        /// The shared position.
        position: DoorPosition,
    },
    /// An empty or overlong text field.
    #[error("compartment {id}: {field} {value:?} must be 1 to {MAX_LABEL_BYTES} bytes")]
    BadText {
        /// The compartment.
        id: CompartmentId,
        /// `label` or `size_class`.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// An inner side of zero or absurd length.
    #[error("compartment {id}: inner.{source}")]
    BadSize {
        /// The compartment.
        id: CompartmentId,
        /// Which side, and its value.
        source: GeometryError,
    },
    /// A zero or absurd weight limit.
    #[error("compartment {id}: max_{source}")]
    BadWeight {
        /// The compartment.
        id: CompartmentId,
        /// The value.
        source: GeometryError,
    },
    /// The clearance leaves no usable space in a compartment.
    #[error("compartment {id}: clearance_mm {clearance_mm} leaves no usable space in {inner}")]
    NoUsableSpace {
        /// The compartment.
        id: CompartmentId,
        /// Its inner size.
        inner: Dimensions,
        /// The clearance.
        clearance_mm: u32,
    },
    /// `accessible` disagrees with `operable_height_mm`.
    #[error(
        "compartment {id}: accessible is {accessible} but operable_height_mm {operable_height_mm} is {} the {REACH_RANGE_MIN_MM}-{REACH_RANGE_MAX_MM} mm reach range",
        if *accessible { "outside" } else { "inside" }
    )]
    AccessibleMismatch {
        /// The compartment.
        id: CompartmentId,
        /// The flag as configured.
        accessible: bool,
        /// The configured height.
        operable_height_mm: u32,
    },
    /// The bank claims ADA compliance with too few accessible compartments.
    #[error(
        "ada_compliant is true but only {accessible} of {total} compartments are accessible; at least {required} ({ADA_MIN_ACCESSIBLE_PERCENT} %) are required"
    )]
    AdaTooFewAccessible {
        /// Accessible compartments configured.
        accessible: usize,
        /// All compartments.
        total: usize,
        /// The minimum the rule asks for.
        required: usize,
    },
    /// The bank claims ADA compliance but a size class has no accessible
    /// compartment.
    #[error("ada_compliant is true but size_class {size_class:?} has no accessible compartment")]
    AdaSizeClassWithoutAccessible {
        /// The size class.
        size_class: String,
    },
}

#[cfg(feature = "serde")]
impl From<serde_json::Error> for ConfigError {
    fn from(error: serde_json::Error) -> Self {
        use alloc::string::ToString;
        Self::Json {
            line: error.line(),
            column: error.column(),
            message: error.to_string(),
        }
    }
}

impl BankConfig {
    /// Parses and validates a configuration from JSON.
    ///
    /// ```
    /// use locker_core::bank::BankConfig;
    /// let json = r#"{
    ///   "name": "Lobby",
    ///   "compartments": [{
    ///     "id": 1, "label": "A1", "size_class": "A",
    ///     "inner": {"width_mm": 380, "depth_mm": 640, "height_mm": 80},
    ///     "max_weight_g": 25000, "position": {"column": 0, "row": 0}
    ///   }]
    /// }"#;
    /// let config = BankConfig::from_json(json)?;
    /// assert_eq!(config.compartments.len(), 1);
    /// assert!(BankConfig::from_json("{}").is_err());
    /// # Ok::<(), locker_core::bank::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfigError::Json`] for malformed JSON or unknown fields, and any
    /// error [`BankConfig::validate`] returns.
    #[cfg(feature = "serde")]
    pub fn from_json(json: &str) -> Result<Self, ConfigError> {
        let config: Self = serde_json::from_str(json)?;
        config.validate()?;
        Ok(config)
    }

    /// The configuration as pretty JSON (snake_case fields).
    #[cfg(feature = "serde")]
    #[must_use]
    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks the configuration describes a real bank.
    ///
    /// Rejects an empty bank, duplicate ids, labels or positions, empty or
    /// overlong names, zero or absurd sizes and weights, a clearance that
    /// leaves no space, an `accessible` flag that contradicts
    /// `operable_height_mm`, and — when `ada_compliant` is set — a bank that
    /// breaks the ADA rule: at least 5 % of the compartments, and at least
    /// one in each size class, accessible (ADA §225.3, §308).
    ///
    /// # Errors
    ///
    /// The first [`ConfigError`] found, naming the field and value.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.compartments.is_empty() {
            return Err(ConfigError::EmptyBank);
        }
        if self.compartments.len() > MAX_COMPARTMENTS {
            return Err(ConfigError::TooManyCompartments {
                count: self.compartments.len(),
            });
        }
        if self.clearance_mm > MAX_CLEARANCE_MM {
            return Err(ConfigError::ClearanceTooLarge {
                clearance_mm: self.clearance_mm,
            });
        }
        let mut ids = SortedSet::new();
        let mut labels: SortedMap<&str, CompartmentId> = SortedMap::new();
        let mut positions: SortedMap<DoorPosition, CompartmentId> = SortedMap::new();
        for spec in &self.compartments {
            self.validate_compartment(spec)?;
            if !ids.insert(spec.id) {
                return Err(ConfigError::DuplicateId { id: spec.id });
            }
            if let Some(&other) = labels.get(spec.label.as_str()) {
                return Err(ConfigError::DuplicateLabel {
                    id: spec.id,
                    other,
                    label: spec.label.clone(),
                });
            }
            labels.insert(&spec.label, spec.id);
            if let Some(&other) = positions.get(&spec.position) {
                return Err(ConfigError::DuplicatePosition {
                    id: spec.id,
                    other,
                    position: spec.position,
                });
            }
            positions.insert(spec.position, spec.id);
        }
        if self.ada_compliant {
            self.check_ada()?;
        }
        Ok(())
    }

    fn validate_compartment(&self, spec: &CompartmentSpec) -> Result<(), ConfigError> {
        let id = spec.id;
        for (field, value) in [("label", &spec.label), ("size_class", &spec.size_class)] {
            if value.is_empty() || value.len() > MAX_LABEL_BYTES {
                return Err(ConfigError::BadText {
                    id,
                    field,
                    value: value.clone(),
                });
            }
        }
        spec.inner
            .validate()
            .map_err(|source| ConfigError::BadSize { id, source })?;
        validate_weight_g(spec.max_weight_g)
            .map_err(|source| ConfigError::BadWeight { id, source })?;
        if spec.inner.shrink(self.clearance_mm).is_none() {
            return Err(ConfigError::NoUsableSpace {
                id,
                inner: spec.inner,
                clearance_mm: self.clearance_mm,
            });
        }
        if let Some(height_mm) = spec.operable_height_mm {
            let in_reach = (REACH_RANGE_MIN_MM..=REACH_RANGE_MAX_MM).contains(&height_mm);
            if in_reach != spec.accessible {
                return Err(ConfigError::AccessibleMismatch {
                    id,
                    accessible: spec.accessible,
                    operable_height_mm: height_mm,
                });
            }
        }
        Ok(())
    }

    fn check_ada(&self) -> Result<(), ConfigError> {
        let total = self.compartments.len();
        let accessible = self.compartments.iter().filter(|c| c.accessible).count();
        // At least 5 %, rounded up, and never fewer than one.
        let required = total
            .saturating_mul(ADA_MIN_ACCESSIBLE_PERCENT as usize)
            .div_ceil(100)
            .max(1);
        if accessible < required {
            return Err(ConfigError::AdaTooFewAccessible {
                accessible,
                total,
                required,
            });
        }
        let mut classes: SortedMap<&str, bool> = SortedMap::new();
        for spec in &self.compartments {
            *classes.entry(spec.size_class.as_str()).or_default() |= spec.accessible;
        }
        if let Some((size_class, _)) = classes.iter().find(|(_, has)| !**has) {
            return Err(ConfigError::AdaSizeClassWithoutAccessible {
                size_class: String::from(*size_class),
            });
        }
        Ok(())
    }
}
