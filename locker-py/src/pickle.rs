//! Pickling refused, with the reason and what to send instead.
//!
//! The classes hold one process's live state (a bank's doors, a locker over
//! its hardware) or secret keys; none of them is a value to copy between
//! processes. Without a `__reduce__` pickle would say only "cannot pickle
//! 'KeyRing' object", or, for a class it can rebuild, hand over an empty
//! object. Each class's `__reduce__` raises a `TypeError` that starts as
//! pickle's own message does (tools that match on it keep working) and
//! then says why, and what travels instead. Dicts (configurations,
//! buildings, results, plans, records) pickle as they are.

use pyo3::PyErr;
use pyo3::exceptions::PyTypeError;

/// What `KeyRing` and `IssuerSigningKey` say: secrets do not travel.
pub(crate) const SECRET_KEYS: &str = "it holds secret keys, which pickle would copy \
     unsealed to whoever reads the pickle (a worker, a cache, a file); keys do not travel \
     by pickle: keep them where they were made, or move them deliberately with to_bytes() \
     and from_bytes() through sealed storage";

/// A `TypeError` for pickling an object of `class`, saying `why`.
pub(crate) fn refused(class: &str, why: &str) -> PyErr {
    PyTypeError::new_err(format!("cannot pickle '{class}' object: {why}"))
}
