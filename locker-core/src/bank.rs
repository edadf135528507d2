//! Bank (in progress).
