//! One Python `str` per field or variant name of the core's serde shapes,
//! made once per process, for [`crate::to_python`].
//!
//! Names are `&'static str`, so their address and length identify them.
//! The table is open addressing over slots that are each filled once and
//! never change again: a lookup is a multiply and a few plain loads, with
//! no lock and no reference count traffic (callers borrow what they find).
//! The core has a few hundred names, so the table stays under half full; a
//! full table only means a name is made afresh each time.

use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::PyString;

/// How many names the table holds.
const SLOTS: usize = 1024;

/// How many slots a lookup tries before giving up.
const MAX_PROBES: usize = 64;

/// A cached name: the address and length of the `&'static str`, and the
/// Python `str` holding it.
type Slot = OnceLock<(usize, usize, Py<PyString>)>;

static NAMES: [Slot; SLOTS] = [const { OnceLock::new() }; SLOTS];

/// The Python `str` for `name`, borrowed from the table (`None` only when
/// the table is full).
pub fn name(py: Python<'_>, name: &'static str) -> Option<&'static Py<PyString>> {
    let key = (name.as_ptr() as usize, name.len());
    // The addresses are distinct, trusted and few: a multiply spreads them.
    let mixed = (key.0 as u64 ^ (key.1 as u64).rotate_left(32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let start = usize::try_from(mixed >> 40).unwrap_or_default();
    for probe in 0..MAX_PROBES {
        let slot = &NAMES[start.wrapping_add(probe) % SLOTS];
        let (address, len, string) = match slot.get() {
            Some(entry) => entry,
            None => fill(slot, py, name)?,
        };
        if (*address, *len) == key {
            return Some(string);
        }
    }
    None
}

/// Fills an empty slot with `name`, or finds what another thread put there
/// first. Out of line: it runs once per name.
#[cold]
#[inline(never)]
fn fill<'a>(
    slot: &'a Slot,
    py: Python<'_>,
    name: &'static str,
) -> Option<&'a (usize, usize, Py<PyString>)> {
    // Made before the slot is set, so no Python code runs while it is
    // being filled; if another thread wins, this string is dropped.
    let entry = (
        name.as_ptr() as usize,
        name.len(),
        PyString::intern(py, name).unbind(),
    );
    let _ = slot.set(entry);
    slot.get()
}
