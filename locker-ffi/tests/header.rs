//! The committed `include/locker.h` must be what cbindgen generates from the
//! current source. `LOCKER_BLESS=1 cargo test -p locker-ffi --test header`
//! rewrites it.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

mod committed;

#[test]
fn committed_header_is_up_to_date() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).unwrap();
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen failed to generate the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).unwrap();

    committed::check_or_bless("include/locker.h", &generated, "header");
}
