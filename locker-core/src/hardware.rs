//! Hardware (in progress).
