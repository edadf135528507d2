//! Files generated from the source and committed (the C header, the C
//! tests' signed commands): a test compares them with what the source
//! generates now, or rewrites them when `LOCKER_BLESS` is set.

use std::path::Path;

/// Checks that `relative` (from the crate's directory) holds `generated`;
/// with `LOCKER_BLESS` set, writes it instead. `test` names the test
/// target, for the message that says how to regenerate the file.
pub fn check_or_bless(relative: &str, generated: &str, test: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    if std::env::var_os("LOCKER_BLESS").is_some() {
        std::fs::write(&path, generated).expect("the committed file is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{relative} is stale; regenerate it with \
         `LOCKER_BLESS=1 cargo test -p locker-ffi --test {test}` and commit it"
    );
}
