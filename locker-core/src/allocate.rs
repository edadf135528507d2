//! Allocation (in progress).
