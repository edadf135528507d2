//! The C entry points of `locker-ffi` with arbitrary bytes wherever C
//! passes text or bytes, over a fuzzed board of callbacks. The driver and
//! its checks live in `locker-ffi/src/fuzzing.rs` (feature `fuzzing`), so
//! every `unsafe` call stays in that crate.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: locker::fuzzing::Input| locker::fuzzing::run(input));
