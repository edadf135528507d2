//! Puts the linker script where the linker looks, as `locker-link.x`
//! (.cargo/config.toml names it; a name not in this directory, where the
//! linker would look first): memory.x for the footprint images,
//! memory-qemu.x (QEMU's MPS2 AN386 board) when the `qemu` feature builds
//! an image to run.
use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let script = if env::var_os("CARGO_FEATURE_QEMU").is_some() {
        "memory-qemu.x"
    } else {
        "memory.x"
    };
    fs::copy(script, out.join("locker-link.x")).expect("the linker scripts are next to build.rs");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=memory-qemu.x");
    println!("cargo:rerun-if-changed=build.rs");
}
