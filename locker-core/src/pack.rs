//! Packing (in progress).
