//! Restoring a locker after a restart, and what a vendor keeps to check the
//! next restore with: the journal's head, and what the restore found.

use alloc::string::String;
use core::ffi::c_char;

use locker_core::credential::BankId;
use locker_core::journal::{Head, Trust, lines};
use locker_core::locker::{Entry, Locker, Restore};

use crate::api::{into_handle, locker, with_locker};
use crate::error::Error;
use crate::hardware::{locker_hardware, read_hardware};
use crate::journal::Journal;
use crate::ptr::{
    Versions, borrow, bytes_arg, non_null, opt_str_arg, read_versioned, write_out, write_string,
};
use crate::{boundary, keys, locker_status};

/// What `locker_restore_with` checks the stored journal against: the
/// core's restore options (`Restore`), less the records, which come
/// through `hardware->journal_read`.
///
/// Zero it (`locker_restore_options options = {0};` or `memset`), set
/// `size` to `sizeof(locker_restore_options)`, then fill in what the board
/// knows: the struct can then grow at its end in later versions without
/// breaking programs built against this header (the library reads only
/// the first `size` bytes, the fields a smaller struct lacks as NULL or
/// false). A size this library does not know is refused with
/// `LOCKER_STRUCT_SIZE`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct locker_restore_options {
    /// `sizeof(locker_restore_options)`, set by the caller.
    pub size: usize,
    /// Accept, once, a journal written before journals were authenticated
    /// (version-1 records, no MACs), when upgrading the library; the
    /// locker then journals its keys and is authenticated from there on.
    /// Nothing vouches for such records but the storage they were kept
    /// on: `false` otherwise. (Before the pointers, so that the struct
    /// ends on a pointer and a field added later always grows it.)
    pub accept_legacy: bool,
    /// A head `locker_head` gave before (JSON text `{"seq", "hash",
    /// "key_id", "mac", "bank_id"}` as stored, for example by the back
    /// end, or in storage the journal's storage cannot roll back), or
    /// NULL: a journal cut short, rolled back or holding another record
    /// in its place is refused, and so is one of another bank than the
    /// head's `bank_id` (when `expected_bank` is NULL).
    pub expected_head_json: *const c_char,
    /// The bank this board is (the `bank_id` of its configuration, from
    /// its provisioning), or NULL when the board does not know: a journal
    /// (or snapshot) configuring another bank is refused with
    /// `LOCKER_JOURNAL_WRONG_BANK`. Banks sharing a key ring authenticate
    /// each other's journals, so a board among them says which it is
    /// here, or through an expected head that names its bank. Read during
    /// the call only.
    pub expected_bank: *const u64,
}

/// The versions of `locker_restore_options` this library reads: only this
/// one so far (the first). A later version that grows the struct also
/// reads the sizes before it, the fields they lack as NULL or false.
const VERSIONS: Versions<locker_restore_options> = Versions {
    type_name: "locker_restore_options",
    sizes: &[core::mem::size_of::<locker_restore_options>()],
    missing: locker_restore_options {
        size: 0,
        accept_legacy: false,
        expected_head_json: core::ptr::null(),
        expected_bank: core::ptr::null(),
    },
};

/// What a restore is checked against, read from C.
struct Expected {
    head: Option<Head>,
    bank: Option<BankId>,
    accept_legacy: bool,
}

/// Parses the head a back end (or the vendor) stored, or `None` for NULL.
pub(crate) fn parse_head(json: *const c_char) -> Result<Option<Head>, Error> {
    let Some(text) = opt_str_arg(json, "expected_head_json")? else {
        return Ok(None);
    };
    serde_json::from_str(text).map(Some).map_err(|error| {
        Error::new(
            locker_status::LOCKER_INVALID_ARGUMENT,
            format_args!("expected_head_json: {error}"),
        )
    })
}

/// Rebuilds a locker after a restart: reads the stored journal through
/// `hardware->journal_read` (required here), checks it, replays it, and
/// settles doors that were open when power went (which may append records
/// and raise events). `keys` are the bytes `locker_keys_export` gave
/// before the restart.
///
/// The checks, before anything is replayed or appended: every line must
/// be exactly its record's text, hashes and links must hold, the key ring
/// must be the journal's (`LOCKER_JOURNAL_WRONG_KEY_RING`), every record's
/// MAC must verify under the ring (`LOCKER_JOURNAL_FORGED`,
/// `LOCKER_JOURNAL_UNKNOWN_KEY`), the last record must be authenticated
/// (`LOCKER_JOURNAL_UNAUTHENTICATED`), the journal must reach both the
/// head exported before and the board's monotonic counter
/// (`LOCKER_JOURNAL_ROLLED_BACK`, `LOCKER_JOURNAL_HEAD_MISMATCH`), and it
/// must configure the bank the head names (`LOCKER_JOURNAL_WRONG_BANK`).
/// The last-error message names the first bad record. A refused journal
/// is left exactly as it was. To say which bank the board is without a
/// head, use `locker_restore_with`.
///
/// `expected_head_json` is a head `locker_head` gave before (JSON text
/// `{"seq", "hash", "key_id", "mac", "bank_id"}` as stored, for example by
/// the back end or in storage the journal's storage cannot roll back; a
/// head from before heads named their bank, without `bank_id`, is read
/// too), or NULL. A head that is not such JSON gives
/// `LOCKER_INVALID_ARGUMENT`.
///
/// `accept_legacy`: accept a journal written before journals were
/// authenticated (version-1 records, no MACs), once, when upgrading the
/// library; the locker then journals its keys and is authenticated from
/// there on. Nothing vouches for such records but the storage they were
/// kept on: pass `false` otherwise. `locker_restore_report` says what was
/// accepted.
///
/// A last line torn by a power cut is cut off through
/// `hardware->journal_truncate` just before the next line is appended;
/// without that callback such a journal gives `LOCKER_JOURNAL_TORN_TAIL`.
///
/// On `LOCKER_OK`, `*out_locker` is a new handle owned by the caller
/// (`locker_free`). Also returns the statuses of `locker_new_with_keys`
/// and the other `LOCKER_JOURNAL_` statuses (600–699).
///
/// Ownership: `keys`, `expected_head_json` and `*hardware` are read during
/// this call only (the struct is copied); `hardware->ctx` and the callbacks
/// are kept and must outlive the locker. Thread safety: callable from any
/// thread; the callbacks run on the calling thread, during the call.
#[unsafe(no_mangle)]
pub extern "C" fn locker_restore(
    keys: *const u8,
    keys_len: usize,
    hardware: *const locker_hardware,
    expected_head_json: *const c_char,
    accept_legacy: bool,
    out_locker: *mut *mut locker,
) -> locker_status {
    boundary(|| {
        non_null(out_locker, "out_locker")?;
        non_null(keys, "keys")?;
        let expected = Expected {
            head: parse_head(expected_head_json)?,
            bank: None,
            accept_legacy,
        };
        restore(keys, keys_len, hardware, &expected, out_locker)
    })
}

/// As `locker_restore`, with the restore's options in a struct that can
/// grow (`locker_restore_options`): the expected head, the accept-legacy
/// flag, and the bank this board is (`expected_bank`). NULL `options` is
/// a restore checked against nothing but the keys (as `locker_restore`
/// with NULL and `false`).
///
/// With `expected_bank` (or an expected head that names its bank), a
/// journal or snapshot configuring another bank is refused with
/// `LOCKER_JOURNAL_WRONG_BANK`, naming both banks, before anything is
/// replayed or appended. Banks sharing a key ring (one site key for a
/// site's banks, for example shared with a cloud issuer) authenticate
/// each other's journals: without it, another bank's journal copied onto
/// this board's storage restores as if it were this one's. When both are
/// given, `expected_bank` is the bank checked.
///
/// Also returns the statuses of `locker_restore`, `LOCKER_STRUCT_SIZE`
/// for an `options->size` this library does not know, and
/// `LOCKER_INVALID_ARGUMENT` for an `expected_head_json` that is not a
/// head.
///
/// Ownership: `keys`, `*options` (and the strings and values it points
/// to) and `*hardware` are read during this call only (the hardware struct
/// is copied); `hardware->ctx` and the callbacks are kept and must outlive
/// the locker. Thread safety: callable from any thread; the callbacks run
/// on the calling thread, during the call.
#[unsafe(no_mangle)]
pub extern "C" fn locker_restore_with(
    keys: *const u8,
    keys_len: usize,
    hardware: *const locker_hardware,
    options: *const locker_restore_options,
    out_locker: *mut *mut locker,
) -> locker_status {
    boundary(|| {
        non_null(out_locker, "out_locker")?;
        non_null(keys, "keys")?;
        let expected = read_options(options)?;
        restore(keys, keys_len, hardware, &expected, out_locker)
    })
}

/// Reads `locker_restore_with`'s options (NULL: none).
fn read_options(options: *const locker_restore_options) -> Result<Expected, Error> {
    let options = if options.is_null() {
        VERSIONS.missing
    } else {
        // SAFETY: `locker_restore_options` is `#[repr(C)]` and starts with
        // `size`; its one version's size is its own; its fields are a
        // size_t, a bool and pointers.
        unsafe { read_versioned(options, "options", &VERSIONS) }?
    };
    let bank = if options.expected_bank.is_null() {
        None
    } else {
        Some(BankId(*borrow(
            options.expected_bank,
            "options->expected_bank",
        )?))
    };
    Ok(Expected {
        head: parse_head(options.expected_head_json)?,
        bank,
        accept_legacy: options.accept_legacy,
    })
}

/// `locker_restore` and `locker_restore_with`, their arguments read.
fn restore(
    keys: *const u8,
    keys_len: usize,
    hardware: *const locker_hardware,
    expected: &Expected,
    out_locker: *mut *mut locker,
) -> Result<(), Error> {
    let (hardware, mut journal) = read_hardware(hardware)?;
    let ring = keys::import(bytes_arg(keys, keys_len, "keys")?)?;
    let bytes = hardware.read_journal()?;
    // Everything after the last newline is a torn, unterminated write.
    let whole = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |at| at + 1);
    let (text, torn) = bytes.split_at(whole);
    let text = core::str::from_utf8(text).map_err(|error| {
        Error::new(
            locker_status::LOCKER_JOURNAL_MALFORMED,
            format_args!("the journal is not UTF-8 at byte {}", error.valid_up_to()),
        )
    })?;
    // Parsed here (each line exactly its record, hashes and links); the
    // core then checks the ring, the bank, the MACs, the head and the
    // counter.
    let loaded = lines::read::<Entry>(text, &Trust::integrity_only())
        .map_err(|error| Error::core(error.code(), format_args!("journal: {error}")))?;
    if !torn.is_empty() {
        hardware.check_truncate(torn.len())?;
        journal.truncate_before_next_append(loaded.valid_bytes);
    }
    let restore = Restore {
        expected_head: expected.head,
        expected_bank: expected.bank,
        accept_legacy: expected.accept_legacy,
        ..Restore::new(&loaded.records)
    };
    let core = Locker::restore_with(ring, hardware, Journal::Lines(journal), restore)?;
    into_handle(core, out_locker)
}

/// The journal's last record as a head, to export after each operation:
/// JSON text `{"seq":41,"hash":"…64 hex…","key_id":1,"mac":"…32
/// hex…","bank_id":31}` (`bank_id`: the configuration's). Keep it where
/// the journal's storage cannot roll it back (the back end, another flash
/// part) and pass it to the next `locker_restore` as `expected_head_json`:
/// a journal cut short or rolled back, or another bank's, is then refused.
/// The MAC covers the record's sequence number and hash (a back end with
/// the keys can check them); `bank_id` is not under it: keep the head
/// where it cannot be edited. Not secret.
///
/// On `LOCKER_OK`, `*out_json` is a new string owned by the caller;
/// release it with `locker_string_free`, never `free()`. (A running
/// locker always has a head; `*out_json` would be NULL otherwise.)
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_head(handle: *const locker, out_json: *mut *mut c_char) -> locker_status {
    boundary(|| {
        non_null(out_json, "out_json")?;
        let head = with_locker(handle, |core| Ok(core.head()))?;
        match head {
            Some(head) => write_string(out_json, to_json(&head)),
            None => write_out(out_json, core::ptr::null_mut()),
        }
    })
}

/// What `locker_restore` found, as JSON text: `{"records": 120,
/// "snapshot_through": null, "authenticated_through": 119,
/// "legacy_records": 0, "unauthenticated_legacy": false, "counter": 120,
/// "keys_recorded": false}` (`authenticated_through`: the last record whose
/// MAC was checked, vouching for every record before it;
/// `unauthenticated_legacy`: legacy records were accepted that no MAC
/// vouches for; `counter`: the board's monotonic counter, or null without
/// one; `keys_recorded`: the restore journaled the keys).
///
/// On `LOCKER_OK`, `*out_json` is a new string owned by the caller
/// (`locker_string_free`), or NULL for a locker made by `locker_new` or
/// `locker_new_with_keys`.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_restore_report(
    handle: *const locker,
    out_json: *mut *mut c_char,
) -> locker_status {
    boundary(|| {
        non_null(out_json, "out_json")?;
        let report = with_locker(handle, |core| Ok(core.restore_report().map(to_json)))?;
        match report {
            Some(json) => write_string(out_json, json),
            None => write_out(out_json, core::ptr::null_mut()),
        }
    })
}

/// The core's JSON of plain data.
fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Plain data with string keys always serializes.
    serde_json::to_string(value).unwrap_or_default()
}
