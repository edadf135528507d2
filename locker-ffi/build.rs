//! Gives the shared library an ELF SONAME, so programs linked against
//! `liblocker.so` ask the loader for the ABI-compatible version, not for
//! whichever `liblocker.so` is installed.
//!
//! The SONAME follows cargo-c's rule for Cargo's semver: `liblocker.so.MAJOR`
//! from 1.0 on, `liblocker.so.0.MINOR` before it, because before 1.0 a minor
//! release is the one allowed to break the ABI (0.1.x and 0.2.x are as
//! incompatible as 1.x and 2.x). `locker-ffi/install.sh` installs the file as
//! `liblocker.so.MAJOR.MINOR.PATCH` with the SONAME and `liblocker.so` as
//! symlinks, and checks the SONAME it finds is this one.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Only ELF targets with a GNU-compatible linker (Linux, Android, the
    // BSDs) know `-soname`; the bare-metal builds link no cdylib at all.
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if !matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        return;
    }
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    let minor = env!("CARGO_PKG_VERSION_MINOR");
    let soname = if major == "0" {
        format!("liblocker.so.0.{minor}")
    } else {
        format!("liblocker.so.{major}")
    };
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
}
