//! A locker whose journal is a raw flash region (`locker_flash`): opening
//! it (new on a blank region, restored otherwise), compacting, where the
//! journal stands in the region, and the history of the other half.

use alloc::rc::Rc;
use alloc::string::String;
use core::ffi::c_char;

use locker_core::credential::BankId;
use locker_core::journal::flash::{Flash as _, FlashConfig, FlashJournal, FlashUsage};
use locker_core::journal::lines;
use locker_core::locker::{Entry, FlashChecks, Locker, draw_site_keys};

use crate::api::{into_handle, locker, parse_config, with_locker};
use crate::error::Error;
use crate::flash::{locker_flash, read_flash};
use crate::hardware::{locker_hardware, read_board};
use crate::journal::{Failure, Journal, refine};
use crate::ptr::{Versions, borrow, bytes_arg, non_null, read_versioned, write_out, write_string};
use crate::restore::parse_head;
use crate::{boundary, keys, locker_status};

/// How `locker_open_flash` opens the journal and checks what it finds:
/// when to compact, and the restore's checks (as
/// `locker_restore_options`).
///
/// Zero it (`locker_flash_options options = {0};` or `memset`), set
/// `size` to `sizeof(locker_flash_options)`, then fill in what the board
/// knows: the struct can then grow at its end in later versions without
/// breaking programs built against this header (the library reads only
/// the first `size` bytes, the fields a smaller struct lacks as 0 or
/// NULL). A size this library does not know is refused with
/// `LOCKER_STRUCT_SIZE`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct locker_flash_options {
    /// `sizeof(locker_flash_options)`, set by the caller.
    pub size: usize,
    /// Compact once the active half holds this many bytes (header,
    /// snapshot and records), before the next record; 0: three quarters
    /// of a half. At most a half (`capacity_bytes / 2`), otherwise
    /// `LOCKER_INVALID_ARGUMENT`. Leave room above it for one call's
    /// records and for the next snapshot. (Before the pointers, so that
    /// the struct ends on a pointer and a field added later always grows
    /// it.)
    pub compact_at_bytes: u32,
    /// A head `locker_head` gave before (JSON text, as for
    /// `locker_restore_options`), or NULL: a journal that ends before it,
    /// or holds another record in its place, or another bank's, is
    /// refused; so is a blank region (a wiped journal:
    /// `LOCKER_JOURNAL_ROLLED_BACK`).
    pub expected_head_json: *const c_char,
    /// The bank this board is (its configuration's `bank_id`), or NULL
    /// when the board does not know: a journal or snapshot configuring
    /// another bank is refused with `LOCKER_JOURNAL_WRONG_BANK`. Read
    /// during the call only.
    pub expected_bank: *const u64,
}

/// The versions of `locker_flash_options` this library reads: only this
/// one so far (the first).
const VERSIONS: Versions<locker_flash_options> = Versions {
    type_name: "locker_flash_options",
    sizes: &[core::mem::size_of::<locker_flash_options>()],
    missing: locker_flash_options {
        size: 0,
        compact_at_bytes: 0,
        expected_head_json: core::ptr::null(),
        expected_bank: core::ptr::null(),
    },
};

/// What `locker_open_flash` found in the region, written on success.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct locker_flash_opened {
    /// `true`: the locker was restored from the snapshot and records in
    /// the region (`locker_restore_report` says more); `false`: the
    /// region was blank (or held only an empty first header, its first
    /// record cut short) and a new locker was started in it.
    pub restored: bool,
    /// The active half starts from a snapshot (the region was compacted
    /// before); `false` before the first compaction.
    pub from_snapshot: bool,
    /// A frame cut short by a power cut was dropped: it was never
    /// acknowledged (its call did not return `LOCKER_OK`). The locker
    /// continues the journal in the other half (a compaction) before its
    /// next record.
    pub torn_dropped: bool,
    /// Bytes of that frame (0 when none was dropped).
    pub torn_bytes: u32,
    /// Records replayed after the snapshot.
    pub records: u32,
}

/// Where the journal stands in its flash region, written by
/// `locker_flash_usage`. Sizes are in bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct locker_flash_stats {
    /// Bytes of the region (both halves).
    pub capacity_bytes: u32,
    /// Bytes of each half.
    pub half_bytes: u32,
    /// Bytes written in the active half: its header, snapshot and
    /// records.
    pub used_bytes: u32,
    /// Bytes of the active half's snapshot (0 before the first
    /// compaction).
    pub snapshot_bytes: u32,
    /// Records in the active half, after its snapshot.
    pub records: u32,
    /// The active half's generation: 1 once the region is formatted (by
    /// the first record, which writes the first header before it), one
    /// more for each compaction since.
    pub generation: u32,
}

impl From<FlashUsage> for locker_flash_stats {
    fn from(usage: FlashUsage) -> Self {
        Self {
            capacity_bytes: usage.capacity_bytes,
            half_bytes: usage.half_bytes,
            used_bytes: usage.used_bytes,
            snapshot_bytes: usage.snapshot_bytes,
            records: usage.records,
            generation: usage.generation,
        }
    }
}

/// `locker_flash_options`, read from C.
struct Options {
    compact_at_bytes: u32,
    checks: FlashChecks,
}

fn read_options(options: *const locker_flash_options) -> Result<Options, Error> {
    let options = if options.is_null() {
        VERSIONS.missing
    } else {
        // SAFETY: `locker_flash_options` is `#[repr(C)]` and starts with
        // `size`; its one version's size is its own; its fields are a
        // size_t, a uint32_t and pointers, any value of which is valid.
        unsafe { read_versioned(options, "options", &VERSIONS) }?
    };
    let expected_bank = if options.expected_bank.is_null() {
        None
    } else {
        Some(BankId(*borrow(
            options.expected_bank,
            "options->expected_bank",
        )?))
    };
    Ok(Options {
        compact_at_bytes: options.compact_at_bytes,
        checks: FlashChecks {
            expected_head: parse_head(options.expected_head_json)?,
            expected_bank,
        },
    })
}

/// Opens the locker kept in a raw flash region: a new locker when the
/// region is blank (every byte 0xFF; the new locker's first record
/// formats it, writing the first half's header before it), otherwise the
/// locker restored from the snapshot and records it holds. A region that
/// holds data but no journal is refused (`LOCKER_FLASH_DAMAGED`), never
/// erased. Its journal is the region, laid out in two halves (see the
/// README's "The journal on raw flash"): every record is a frame in the
/// active half, and when the half fills up (`compact_at_bytes`), a write
/// fails or a frame was torn, the locker compacts before its next record
/// (a sealed snapshot written into the other half, from which the
/// journal continues; event `journal_compacted`). A power cut at any byte
/// loses nothing a call acknowledged with `LOCKER_OK`.
///
/// `config_json` is the bank's configuration (as for `locker_new`; NULL:
/// the default bank), used only when a new locker is started. `keys`
/// (`keys_len` bytes, as `locker_keys_export` gave them) are the site
/// keys: required to restore; for a new locker they are its keys, and
/// NULL (with `keys_len` 0) draws a new site key from
/// `hardware->fill_random` (export it with `locker_keys_export` and
/// store it before relying on the locker). `hardware` is the board as for
/// `locker_new`, except that its journal callbacks (`journal_append`,
/// `journal_read`, `journal_truncate`) are not used and may be NULL.
/// `flash` is the region. `options` (NULL: compaction at three quarters
/// of a half, nothing expected) says when to compact and what a restore
/// is checked against.
///
/// A restore checks, before anything is replayed or appended, what
/// `locker_restore_with` checks: the snapshot's seal and every record's
/// MAC under the key ring (`LOCKER_JOURNAL_FORGED`, `_UNKNOWN_KEY`,
/// `_WRONG_KEY_RING`), hashes and links, the expected head and the
/// board's monotonic counter (`_ROLLED_BACK`, `_HEAD_MISMATCH`), and the
/// bank (`_WRONG_BANK`). A blank region when a head is expected or the
/// monotonic counter has counted records is a wiped journal:
/// `LOCKER_JOURNAL_ROLLED_BACK`, and no locker is started in it. Opening
/// itself writes nothing (only a new locker's first record does), so a
/// region refused is left exactly as it was.
///
/// On `LOCKER_OK`, `*out_locker` is a new handle owned by the caller
/// (`locker_free`) and `*out_opened` says what was found. Returns
/// `LOCKER_NULL_POINTER` (a NULL argument, keys needed for a restore, or
/// a required callback), `LOCKER_STRUCT_SIZE` (`hardware->size`,
/// `flash->size` or `options->size`), `LOCKER_FLASH_LAYOUT` (a region
/// that is not an even number of whole erase blocks, or halves under 64
/// bytes), `LOCKER_FLASH_DAMAGED` (a region holding data but no journal:
/// a damaged header, or a region used for something else; erase it to
/// start anew), `LOCKER_INVALID_ARGUMENT` (`compact_at_bytes` over a
/// half, an expected head that is not a head), `LOCKER_FLASH_FAILED` (a
/// flash callback failed), `LOCKER_FLASH_FULL` (a new locker's first
/// record does not fit in a half), the statuses of `locker_new_with_keys`
/// (and of `locker_new` without keys: `LOCKER_ENTROPY_UNAVAILABLE` for a
/// TRNG that fails or gives no random bytes), and the `LOCKER_JOURNAL_`
/// statuses of a restore.
///
/// Ownership: `config_json`, `keys`, `*options` (and what it points to),
/// `*hardware` and `*flash` are read during this call only (the structs
/// are copied); `hardware->ctx`, `flash->ctx` and the callbacks are kept
/// and must outlive the locker. Thread safety: callable from any thread;
/// the callbacks run on the calling thread, during the call.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn locker_open_flash(
    config_json: *const c_char,
    keys: *const u8,
    keys_len: usize,
    hardware: *const locker_hardware,
    flash: *const locker_flash,
    options: *const locker_flash_options,
    out_locker: *mut *mut locker,
    out_opened: *mut locker_flash_opened,
) -> locker_status {
    boundary(|| {
        non_null(out_locker, "out_locker")?;
        non_null(out_opened, "out_opened")?;
        if keys.is_null() && keys_len != 0 {
            return Err(Error::null("keys"));
        }
        let mut board = read_board(hardware)?;
        let flash = read_flash(flash)?;
        let options = read_options(options)?;
        let ring = if keys.is_null() {
            None
        } else {
            Some(keys::import(bytes_arg(keys, keys_len, "keys")?)?)
        };
        let config = parse_config(config_json)?;
        let half_bytes = flash.capacity_bytes() / 2;
        let flash_config = match options.compact_at_bytes {
            0 => FlashConfig::for_capacity(flash.capacity_bytes()),
            at if at <= half_bytes => FlashConfig {
                compact_at_bytes: at,
            },
            at => {
                return Err(Error::new(
                    locker_status::LOCKER_INVALID_ARGUMENT,
                    format_args!(
                        "options->compact_at_bytes is {at}; a half of the region holds {half_bytes}"
                    ),
                ));
            }
        };
        let (journal, contents) = FlashJournal::open::<Entry>(flash, flash_config)
            .map_err(|error| Error::core(error.code(), &error))?;
        let opened = locker_flash_opened {
            restored: !contents.is_empty(),
            from_snapshot: contents.snapshot.is_some(),
            torn_dropped: contents.torn_bytes.is_some(),
            torn_bytes: contents.torn_bytes.unwrap_or(0),
            records: u32::try_from(contents.records.len()).unwrap_or(u32::MAX),
        };
        let ring = match ring {
            Some(ring) => ring,
            None if contents.is_empty() => draw_site_keys(&mut board).map_err(Error::from)?,
            None => {
                return Err(Error::new(
                    locker_status::LOCKER_NULL_POINTER,
                    "keys is NULL, but the flash holds a journal: pass the keys \
                     locker_keys_export gave",
                ));
            }
        };
        let failure = Failure::default();
        let core = Locker::open_flash(
            config,
            ring,
            board,
            Journal::flash(journal, Rc::clone(&failure)),
            &contents,
            options.checks,
        )
        .map_err(|error| refine(error.into(), failure.take()))?;
        write_out(out_opened, opened)?;
        into_handle(core, out_locker)
    })
}

/// Compacts the journal now: writes a sealed snapshot of the current
/// state into the other half of the flash region and continues the
/// journal there (the locker does this by itself before a record when the
/// half passed `compact_at_bytes`, a write failed or a record did not
/// fit; call this to compact at a quiet time, for example before the half
/// fills up during a busy hour). Raises a `journal_compacted` event: read
/// the history the other half now holds with `locker_flash_previous`
/// before the next compaction erases it.
///
/// On `LOCKER_OK`, `*out_compacted` is `true` when the journal compacted,
/// `false` for a locker whose journal does not compact (one made by
/// `locker_new` or `locker_restore`: the vendor's `journal_append` keeps
/// every line). Returns `LOCKER_FLASH_FULL` when the snapshot does not
/// fit in a half (the region is too small for the bank),
/// `LOCKER_FLASH_FAILED` when the flash failed; the journal is then as it
/// was, and the locker goes on in the half it was in.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_compact(handle: *mut locker, out_compacted: *mut bool) -> locker_status {
    boundary(|| {
        non_null(out_compacted, "out_compacted")?;
        let compacted = with_locker(handle, |core| Ok(core.compact()?))?;
        write_out(out_compacted, compacted)
    })
}

/// Writes where the journal stands in its flash region to `*out_stats`:
/// the region's and each half's size, the bytes used in the active half,
/// its snapshot's size, its records and the compactions so far. Watch
/// `used_bytes` against `half_bytes` to size a region (see the README).
///
/// Returns `LOCKER_NO_FLASH` for a locker whose journal is not on flash.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_flash_usage(
    handle: *const locker,
    out_stats: *mut locker_flash_stats,
) -> locker_status {
    boundary(|| {
        non_null(out_stats, "out_stats")?;
        let usage = with_locker(handle, |core| Ok(core.journal().on_flash()?.usage()))?;
        write_out(out_stats, usage.into())
    })
}

/// The history in the other half of the flash region: the records before
/// the active half's snapshot, as the journal's JSON lines (each record's
/// canonical text and `\n`, the format `journal_append` receives, which
/// the core's verification reads), oldest first; `""` when the other half
/// holds none (before the first compaction, or after a compaction cut
/// short by a power cut). Read it after each `journal_compacted` event
/// and send it to the back end: the next compaction erases it. Not
/// secret (records carry PIN tags, never PINs).
///
/// On `LOCKER_OK`, `*out_json` is a new string owned by the caller;
/// release it with `locker_string_free`, never `free()`. Returns
/// `LOCKER_NO_FLASH` for a locker whose journal is not on flash,
/// `LOCKER_FLASH_FAILED` when the flash fails, and a `LOCKER_JOURNAL_`
/// status for a damaged record.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_flash_previous(
    handle: *const locker,
    out_json: *mut *mut c_char,
) -> locker_status {
    boundary(|| {
        non_null(out_json, "out_json")?;
        let text = with_locker(handle, |core| {
            let records = core
                .journal_mut()
                .on_flash_mut()?
                .previous::<Entry>()
                .map_err(|error| Error::core(error.code(), &error))?;
            let mut text = String::new();
            for record in &records {
                text.push_str(&lines::to_line(record));
                text.push('\n');
            }
            Ok(text)
        })?;
        write_string(out_json, text)
    })
}
