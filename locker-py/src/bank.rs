//! Bank configurations, the run-time bank with allocation, and packing.

use locker_core::allocate::{BatchOptions, BatchPlan, Request};
use locker_core::bank::{self, BankConfig};
use locker_core::pack;
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};
use pyo3::prelude::*;

use crate::args;
use crate::convert::{from_py, from_py_or_default, to_py};
use crate::exceptions::CoreError;
use crate::pickle;

/// Reads and validates a bank configuration given as a dict.
fn config_from(config: &Bound<'_, PyAny>) -> PyResult<BankConfig> {
    let config: BankConfig = from_py(config, "config")?;
    config.validate().map_err(CoreError::from)?;
    Ok(config)
}

/// The default bank: 105 doors of classes A, B, C and XL in twelve columns,
/// six of them chilled, ADA compliant. Returns the configuration dict.
#[pyfunction]
pub(crate) fn default_bank(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    to_py(py, &bank::default_bank())
}

/// Parses and validates a bank configuration from JSON text; returns it as
/// a dict. Raises `ConfigError` naming the bad field.
#[pyfunction]
pub(crate) fn bank_config_from_json<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = args::json)] json: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let config = BankConfig::from_json(json).map_err(CoreError::from)?;
    to_py(py, &config)
}

/// A bank configuration dict as pretty JSON text (after validating it).
#[pyfunction]
pub(crate) fn bank_config_to_json(config: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(config_from(config)?.to_json())
}

/// Validates a bank configuration dict and returns it with every default
/// filled in. Raises `ConfigError` naming the bad field,
/// `InvalidArgumentError` for a wrong shape, `ArgumentTypeError` for
/// non-JSON data.
#[pyfunction]
pub(crate) fn validate_bank_config<'py>(
    py: Python<'py>,
    config: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, &config_from(config)?)
}

/// A bank at run time: its compartments, what they hold, and allocation.
#[pyclass(module = "locker")]
pub struct Bank {
    inner: bank::Bank,
}

#[pymethods]
impl Bank {
    /// Builds an empty bank from a configuration dict (see `default_bank`).
    #[new]
    fn new(config: &Bound<'_, PyAny>) -> PyResult<Self> {
        let inner = bank::Bank::new(config_from(config)?).map_err(CoreError::from)?;
        Ok(Self { inner })
    }

    /// The configuration as a dict.
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.inner.config())
    }

    /// Every compartment as a dict: its `spec`, `usable` size, `in_service`,
    /// `free` and `contents` (or `None`).
    fn compartments<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.inner.compartments())
    }

    /// How many compartments are free (in service and empty).
    fn free_count(&self) -> usize {
        self.inner.free_count()
    }

    /// How many parcels the bank holds.
    fn parcel_count(&self) -> usize {
        self.inner.parcel_count()
    }

    /// The compartment id holding a parcel, or `None`.
    fn locate(&self, #[pyo3(from_py_with = args::parcel_id)] parcel_id: u64) -> Option<u32> {
        self.inner.locate(ParcelId(parcel_id)).map(|c| c.0)
    }

    /// Chooses a compartment for a request dict (`{"parcel": {...},
    /// "recipient": 7, "needs_accessible": false}`) without changing the
    /// bank. Returns the outcome dict: `{"outcome": "assigned", ...}` or
    /// `{"outcome": "overflow", ...}`, with what was considered and why.
    fn allocate<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request: Request = from_py(request, "request")?;
        let outcome = self.inner.allocate(&request).map_err(CoreError::from)?;
        to_py(py, &outcome)
    }

    /// Puts a parcel dict for `recipient` into `compartment`; returns the
    /// placement dict. Raises `BankError` (nothing changes) when it cannot.
    fn store<'py>(
        &mut self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::compartment)] compartment: u32,
        #[pyo3(from_py_with = args::recipient)] recipient: u64,
        parcel: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let parcel: Parcel = from_py(parcel, "parcel")?;
        let placement = self
            .inner
            .store(CompartmentId(compartment), RecipientId(recipient), parcel)
            .map_err(CoreError::from)?;
        to_py(py, &placement)
    }

    /// Empties a compartment; returns what it held (recipient, parcels,
    /// packing).
    fn release<'py>(
        &mut self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::compartment)] compartment: u32,
    ) -> PyResult<Bound<'py, PyAny>> {
        let contents = self
            .inner
            .release(CompartmentId(compartment))
            .map_err(CoreError::from)?;
        to_py(py, &contents)
    }

    /// Takes a compartment out of service (`False`) or back in (`True`).
    fn set_in_service(
        &mut self,
        #[pyo3(from_py_with = args::compartment)] compartment: u32,
        #[pyo3(from_py_with = args::in_service)] in_service: bool,
    ) -> PyResult<()> {
        self.inner
            .set_in_service(CompartmentId(compartment), in_service)
            .map_err(CoreError::from)?;
        Ok(())
    }

    /// Plans a courier's whole load (a list of request dicts) without
    /// changing the bank; returns the batch plan dict.
    fn plan_batch<'py>(
        &self,
        py: Python<'py>,
        requests: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let requests: Vec<Request> = from_py(requests, "requests")?;
        let bank = &self.inner;
        let plan = py
            .detach(|| bank.plan_batch(&requests))
            .map_err(CoreError::from)?;
        to_py(py, &plan)
    }

    /// Plans a courier's whole load like ``plan_batch``, packing it into
    /// the free doors by a search within ``options``
    /// (``{"max_iterations", "seed"}``); never worse than ``plan_batch``.
    #[pyo3(signature = (requests, options = None))]
    fn plan_batch_packed<'py>(
        &self,
        py: Python<'py>,
        requests: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let requests: Vec<Request> = from_py(requests, "requests")?;
        let options: BatchOptions = from_py_or_default(options, "options")?;
        let bank = &self.inner;
        let plan = py
            .detach(|| bank.plan_batch_packed(&requests, &options))
            .map_err(CoreError::from)?;
        to_py(py, &plan)
    }

    /// Stores every assignment of a batch plan dict, all or nothing.
    fn apply_batch(&mut self, plan: &Bound<'_, PyAny>) -> PyResult<()> {
        let plan: BatchPlan = from_py(plan, "plan")?;
        self.inner.apply_batch(&plan).map_err(CoreError::from)?;
        Ok(())
    }

    /// Refuses pickling with the reason: a bank's live state stays in its process.
    fn __reduce__(&self) -> PyResult<()> {
        Err(pickle::refused(
            "Bank",
            "it is one bank's live state (doors, parcels); send its config() (a dict) and build a Bank where it is needed",
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "Bank(name={:?}, doors={}, free={}, parcels={})",
            self.inner.config().name,
            self.inner.compartments().len(),
            self.inner.free_count(),
            self.inner.parcel_count()
        )
    }
}

/// Reads a `(width_mm, depth_mm, height_mm)` space and a list of parcel
/// dicts.
fn pack_input(
    space: (u32, u32, u32),
    parcels: &Bound<'_, PyAny>,
) -> PyResult<(Dimensions, Vec<Parcel>)> {
    let space = crate::dimensions("space", space)
        .map_err(|(argument, error)| crate::exceptions::geometry_error(argument, &error))?;
    let parcels: Vec<Parcel> = from_py(parcels, "parcels")?;
    for parcel in &parcels {
        parcel.validate().map_err(CoreError::from)?;
    }
    Ok((space, parcels))
}

/// Packs parcel dicts into one space of `(width_mm, depth_mm, height_mm)`:
/// returns `{"packing": {...}, "unplaced": [parcel ids]}`.
#[pyfunction(name = "pack")]
pub(crate) fn pack_one<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = args::space)] space: (u32, u32, u32),
    parcels: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let (space, parcels) = pack_input(space, parcels)?;
    let result = py.detach(|| pack::pack(space, &parcels));
    to_py(py, &result)
}

/// Packs parcel dicts into as few identical spaces as the heuristic
/// manages; returns one packing dict per space. Raises `PackError` if a
/// parcel fits no empty space.
#[pyfunction]
pub(crate) fn pack_bins<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = args::space)] space: (u32, u32, u32),
    parcels: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let (space, parcels) = pack_input(space, parcels)?;
    let bins = py
        .detach(|| pack::try_pack_bins(space, &parcels))
        .map_err(CoreError::from)?;
    to_py(py, &bins)
}

/// Packs parcel dicts into compartments of different sizes (dicts
/// `{"id", "space": {"width_mm", "depth_mm", "height_mm"}, "max_weight_g"?,
/// "zone"?}`) for an objective, with an improving search; `options` is
/// `{"objective"?: "most_parcels" | "fewest_compartments" | "least_volume",
/// "max_iterations"?, "seed"?}`. Returns `{"bins": [{"compartment",
/// "packing"}], "unplaced": [ids], "iterations"}`. Raises `GeometryError`
/// for an impossible size and `PackError` for an id given twice.
#[pyfunction]
#[pyo3(signature = (compartments, parcels, options = None))]
pub(crate) fn pack_into<'py>(
    py: Python<'py>,
    compartments: &Bound<'py, PyAny>,
    parcels: &Bound<'py, PyAny>,
    options: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let bins: Vec<pack::Bin> = from_py(compartments, "compartments")?;
    for (i, bin) in bins.iter().enumerate() {
        bin.space.validate().map_err(|error| {
            crate::exceptions::geometry_error(&format!("compartments[{i}].space"), &error)
        })?;
    }
    let parcels: Vec<Parcel> = from_py(parcels, "parcels")?;
    for parcel in &parcels {
        parcel.validate().map_err(CoreError::from)?;
    }
    let options: pack::PackOptions = match options {
        Some(options) if !options.is_none() => from_py(options, "options")?,
        _ => pack::PackOptions::default(),
    };
    let result = py
        .detach(|| pack::try_pack_into(&bins, &parcels, &options))
        .map_err(CoreError::from)?;
    to_py(py, &result)
}

/// A lower bound on the number of spaces any packing of the parcels needs.
#[pyfunction]
pub(crate) fn lower_bound(
    #[pyo3(from_py_with = args::space)] space: (u32, u32, u32),
    parcels: &Bound<'_, PyAny>,
) -> PyResult<u32> {
    let (space, parcels) = pack_input(space, parcels)?;
    Ok(pack::lower_bound(space, &parcels))
}
