//! The committed `include/locker.h` must be what cbindgen generates from the
//! current source. `LOCKER_BLESS=1 cargo test -p locker-ffi --test header`
//! rewrites it.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

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

    let path = crate_dir.join("include/locker.h");
    if std::env::var_os("LOCKER_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/locker.h is stale; regenerate it with \
         `LOCKER_BLESS=1 cargo test -p locker-ffi --test header` and commit it"
    );
}
