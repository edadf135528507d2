//! The status every C function returns, and how core errors map onto it:
//! through the core's one table of error codes (`locker_core::codes`,
//! every error's `code()`), never by matching the core's error types.

use core::ffi::CStr;

/// The result of every `locker_` function: `LOCKER_OK` (0) or what went
/// wrong.
///
/// Numbers are fixed and never reused: 0 is success, 1–99 are argument and
/// boundary errors, 100–199 geometry, 200–299 configuration and keys,
/// 300–399 allocation, 400–499 credentials, 500–599 hardware, 600–699 the
/// journal (618–623 the journal on flash), 700–799 the locker's state,
/// 800–899 the building simulation, 900–999 packing. Get a description with
/// `locker_status_message`, and the details of the last failure on this
/// thread with `locker_last_error_message`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum locker_status {
    /// Success.
    LOCKER_OK = 0,
    /// A required pointer argument (or a required callback) was NULL.
    LOCKER_NULL_POINTER = 1,
    /// An argument was invalid in a way no more specific status names.
    LOCKER_INVALID_ARGUMENT = 2,
    /// A string argument was not valid UTF-8.
    LOCKER_INVALID_UTF8 = 3,
    /// The locker is already inside a call: a hardware or journal callback
    /// called back into the same locker. Nothing was done.
    LOCKER_BUSY = 4,
    /// An earlier call on this locker panicked part-way; the handle refuses
    /// every further operation. Free it and restore from the journal.
    LOCKER_POISONED = 5,
    /// The caller's buffer is too small; nothing was written.
    LOCKER_BUFFER_TOO_SMALL = 6,
    /// A struct's `size` field (`locker_hardware.size`,
    /// `locker_restore_options.size`) is not the size of any version of
    /// the struct this library knows: set it to `sizeof` the struct, and
    /// build against the header of the library you link (or an older
    /// one).
    LOCKER_STRUCT_SIZE = 7,
    /// A long computation was stopped by its progress callback (the
    /// core's `cancelled`; the capacity planner's, which no C function
    /// runs yet).
    LOCKER_CANCELLED = 8,
    /// `locker_take_event`: there is no event to take. Not a failure.
    LOCKER_NO_EVENT = 9,
    /// A bug: the library panicked. Please report it.
    LOCKER_PANIC = 99,
    /// A size had a side of 0 mm.
    LOCKER_ZERO_SIDE = 100,
    /// A size had a side longer than 5000 mm.
    LOCKER_SIDE_TOO_LONG = 101,
    /// A weight of 0 g.
    LOCKER_ZERO_WEIGHT = 102,
    /// A weight above 1,000,000 g.
    LOCKER_WEIGHT_TOO_HEAVY = 103,
    /// The configuration JSON is malformed or names an invalid value (the
    /// last-error message names the field).
    LOCKER_CONFIG_INVALID = 200,
    /// Site key bytes are malformed (see `locker_keys_export`).
    LOCKER_KEYS_INVALID = 201,
    /// A site key's secret is weak: no random source gives such a key.
    /// Fewer than 16 distinct byte values (all zeros, a repeated byte, a
    /// short pattern), fewer than 16 distinct steps between neighbouring
    /// bytes (a counter, a ramp such as byte i = 7 i), or nothing but
    /// printable characters (typed text). The last-error message says
    /// which. Use key bytes from a random source (or a KDF's output).
    LOCKER_WEAK_KEY = 202,
    /// The key ring is empty (or would be): nothing could authenticate the
    /// journal.
    LOCKER_NO_KEYS = 203,
    /// The configuration's PIN policy breaks its brute-force bound: with
    /// 200 active PINs, a guesser at every kiosk for 24 hours would open a
    /// door with a probability above the policy's target (default 1,000
    /// per billion, 10^-6). The last-error message names the bound and the
    /// target, in chances per billion. Use longer PINs, bind them to the
    /// unit, lower the bank's cap on failed PIN attempts, or state an
    /// override (`credentials.brute_force`: a higher `target_per_billion`
    /// with its `override_reason`). See `locker_brute_force_bound`.
    LOCKER_BOUND_EXCEEDED = 204,
    /// Entropy the caller gave is weak, as a weak key is (too few distinct
    /// byte values or steps, only printable characters): no random source
    /// gives that, and every key and PIN drawn from it would be
    /// guessable. The core's `weak_entropy`. No function of this version
    /// returns it: the locker seeds its generator from
    /// `hardware->fill_random`, and refuses such bytes there as
    /// `LOCKER_ENTROPY_UNAVAILABLE`; the number is fixed for a function
    /// that takes entropy from the caller.
    LOCKER_WEAK_ENTROPY = 205,
    /// The parcel is invalid (size, weight).
    LOCKER_PARCEL_INVALID = 300,
    /// The parcel is already stored or being stored.
    LOCKER_PARCEL_ALREADY_STORED = 301,
    /// Allocation failed in another way.
    LOCKER_ALLOCATION_FAILED = 302,
    /// The same parcel id appears twice in one batch
    /// (`locker_plan_drop_off_batch`).
    LOCKER_DUPLICATE_IN_BATCH = 303,
    /// Wrong code, PIN, token or tag (deliberately says nothing more).
    LOCKER_CREDENTIAL_REJECTED = 400,
    /// The code, token, RFID UID or remote command is malformed.
    LOCKER_CREDENTIAL_MALFORMED = 401,
    /// The credential has expired.
    LOCKER_CREDENTIAL_EXPIRED = 402,
    /// The credential is not valid yet.
    LOCKER_CREDENTIAL_NOT_YET_VALID = 403,
    /// The single-use credential was already used.
    LOCKER_CREDENTIAL_ALREADY_USED = 404,
    /// The credential was revoked (for example a rotated courier code).
    LOCKER_CREDENTIAL_REVOKED = 405,
    /// The credential is for another purpose.
    LOCKER_CREDENTIAL_WRONG_PURPOSE = 406,
    /// Too many failed attempts: try again later.
    LOCKER_CREDENTIAL_THROTTLED = 407,
    /// The policy needs the unit number with the PIN.
    LOCKER_CREDENTIAL_UNIT_REQUIRED = 408,
    /// The RFID tag needs its PIN.
    LOCKER_CREDENTIAL_PIN_REQUIRED = 409,
    /// Another credential failure (keys, policy, limits).
    LOCKER_CREDENTIAL_FAILED = 410,
    /// No credential has this id.
    LOCKER_CREDENTIAL_UNKNOWN = 411,
    /// A delegation names a door without a parcel of the delegator.
    LOCKER_CREDENTIAL_NOT_DELEGABLE = 412,
    /// Remote opening is off (the policy's `credentials.remote.enabled`).
    LOCKER_REMOTE_DISABLED = 413,
    /// The QR token, remote command or signed time names another bank (the
    /// configuration's `bank_id`).
    LOCKER_REMOTE_WRONG_BANK = 414,
    /// The remote command was already used (or its nonce names a
    /// credential).
    LOCKER_REMOTE_REPLAYED = 415,
    /// The cap on remote openings per minute or per day is reached.
    LOCKER_REMOTE_CAP_REACHED = 416,
    /// The remote command's window is longer than the policy allows.
    LOCKER_REMOTE_WINDOW_TOO_LONG = 417,
    /// The cap on openings by QR tokens the back end issued without a
    /// record at the locker is reached (per minute or per day: the policy's
    /// `credentials.tokens`); try again later.
    LOCKER_RECORDLESS_CAP_REACHED = 418,
    /// Hardware: the latch did not release.
    LOCKER_DOOR_JAMMED = 500,
    /// Hardware: the board has no such door.
    LOCKER_UNKNOWN_DOOR = 501,
    /// Hardware: a sensor gave no usable reading.
    LOCKER_SENSOR_FAULT = 502,
    /// Hardware: the lock board did not answer.
    LOCKER_BUS_TIMEOUT = 503,
    /// Hardware: the real-time clock has no valid time.
    LOCKER_CLOCK_FAULT = 504,
    /// Hardware: the random number generator could not deliver.
    LOCKER_ENTROPY_UNAVAILABLE = 505,
    /// Hardware: power was lost during the call.
    LOCKER_POWER_LOST = 506,
    /// Hardware: another failure.
    LOCKER_HARDWARE_FAILED = 507,
    /// The `journal_append` callback failed: the change was not made.
    LOCKER_JOURNAL_WRITE = 600,
    /// The `journal_read` or `journal_truncate` callback failed.
    LOCKER_JOURNAL_READ = 601,
    /// A journal line is not a record (or not UTF-8).
    LOCKER_JOURNAL_MALFORMED = 602,
    /// A journal record has a format version this library does not read.
    LOCKER_JOURNAL_UNSUPPORTED_VERSION = 603,
    /// A journal record was edited.
    LOCKER_JOURNAL_EDITED = 604,
    /// Journal records are missing.
    LOCKER_JOURNAL_MISSING = 605,
    /// Journal records are out of order or repeated.
    LOCKER_JOURNAL_OUT_OF_ORDER = 606,
    /// A journal record does not link to the one before it.
    LOCKER_JOURNAL_BROKEN_LINK = 607,
    /// A journal record cannot be applied (or the journal is empty).
    LOCKER_JOURNAL_REPLAY = 608,
    /// The journal ends in a torn line and no `journal_truncate` callback
    /// was given to cut it off.
    LOCKER_JOURNAL_TORN_TAIL = 609,
    /// A journal line is not written exactly as its record is (spacing, key
    /// order, escapes, an unknown field): it was edited.
    LOCKER_JOURNAL_NOT_CANONICAL = 610,
    /// A journal record's MAC does not verify: it was rewritten by someone
    /// without the site's keys (the last-error message names the record).
    LOCKER_JOURNAL_FORGED = 611,
    /// A journal record is sealed with a key the key ring does not hold.
    LOCKER_JOURNAL_UNKNOWN_KEY = 612,
    /// A journal record carries no MAC and nothing authenticates it (a
    /// journal written before journals were authenticated needs
    /// `accept_legacy`; after an authenticated record, it is a rewrite).
    LOCKER_JOURNAL_UNAUTHENTICATED = 613,
    /// The journal ends before what was seen before: the expected head, or
    /// the board's monotonic counter. Records were cut off or rolled back.
    LOCKER_JOURNAL_ROLLED_BACK = 614,
    /// The journal holds another record where the expected head was.
    LOCKER_JOURNAL_HEAD_MISMATCH = 615,
    /// The key ring is not the one this journal was written with (another
    /// site's keys).
    LOCKER_JOURNAL_WRONG_KEY_RING = 616,
    /// The journal (or snapshot) configures another bank than the one the
    /// restore expects (`locker_restore_options.expected_bank`, or the
    /// `bank_id` of the expected head): banks sharing a key ring
    /// authenticate each other's journals, so another bank's journal
    /// copied onto this board's storage is refused by its bank id. The
    /// core's code `bank_mismatch`.
    LOCKER_JOURNAL_WRONG_BANK = 617,
    /// A `locker_flash` callback (`read`, `write` or `erase`) failed, or
    /// was asked for a range outside the region: the last-error message
    /// names the callback, its return value, the offset and the length.
    /// During an operation the change was not made (a failed write leaves
    /// the half taking no more records: the locker continues the journal
    /// in the other half with its next record). The core's `flash_failed`.
    LOCKER_FLASH_FAILED = 618,
    /// The `locker_flash` region cannot hold the journal's two halves: its
    /// `capacity_bytes` is not an even number of whole erase blocks
    /// (`erase_block_bytes`, not 0), or a half would hold less than 64
    /// bytes. The core's `flash_layout`.
    LOCKER_FLASH_LAYOUT = 619,
    /// A record or snapshot does not fit in a half of the flash region:
    /// the region is too small for this bank (see "Sizing the region" in
    /// the README). The change was not made. The core's `flash_full`.
    LOCKER_FLASH_FULL = 620,
    /// A write to the flash failed (or a torn frame was found at
    /// opening), so the active half takes no more records until a
    /// compaction; the locker compacts before its next record by itself,
    /// `locker_compact` does it now. The core's `needs_compaction`.
    LOCKER_FLASH_NEEDS_COMPACTION = 621,
    /// The locker's journal is not on flash (`locker_flash_usage`,
    /// `locker_flash_previous` on a locker made by `locker_new` or
    /// `locker_restore`, whose journal is `hardware->journal_append`).
    LOCKER_NO_FLASH = 622,
    /// The `locker_flash` region holds data but neither half holds a
    /// journal (a damaged header, or a region used for something else):
    /// `locker_open_flash` writes nothing to it and starts no locker.
    /// Look at the region, then erase it (every byte 0xFF) to start a new
    /// journal there; a blank region opens as a new locker. The core's
    /// `flash_damaged`.
    LOCKER_FLASH_DAMAGED = 623,
    /// A stored value (the flash journal's compressed snapshot) could not
    /// be expanded: the heap had no room for it (the last-error message
    /// names the bytes asked for). Nothing says the journal is damaged:
    /// free heap, or give the part more, and open it again. Never erase
    /// the region for this status. The core's `out_of_memory`.
    LOCKER_JOURNAL_OUT_OF_MEMORY = 624,
    /// The operation does not fit the locker's state.
    LOCKER_STATE = 700,
    /// The door is still open; close it first.
    LOCKER_DOOR_STILL_OPEN = 701,
    /// Nothing to collect with this credential.
    LOCKER_NOTHING_TO_COLLECT = 702,
    /// The door is unavailable (out of service, in grace, to inspect).
    LOCKER_DOOR_UNAVAILABLE = 703,
    /// The door is not in its re-open grace period.
    LOCKER_NOT_IN_GRACE = 704,
    /// The door holds no delivery.
    LOCKER_NO_DELIVERY = 705,
    /// The door is not waiting for inspection.
    LOCKER_NOT_INTERRUPTED = 706,
    /// The door is already open for another task.
    LOCKER_DOOR_BUSY = 707,
    /// The door is not open for this (an unknown door, or open for
    /// something else).
    LOCKER_DOOR_NOT_OPEN_FOR = 708,
    /// The bank has no compartment with this id.
    LOCKER_UNKNOWN_COMPARTMENT = 709,
    /// A building field of a simulation is out of range (the last-error
    /// message names it: `carriers[0].rounds[1] is 9; ...`). The core's
    /// `invalid_field`.
    LOCKER_SIM_INVALID_FIELD = 800,
    /// No bank within the planner's door limit meets its target (the
    /// core's `infeasible`; the capacity planner's, which no C function
    /// runs yet).
    LOCKER_SIM_INFEASIBLE = 801,
    /// A packing is not physically possible: a box outside its space,
    /// overlapping another, unsupported, tipped against "this side up", or
    /// a parcel that fits no compartment (the core's packing verifier's
    /// codes: `outside_space`, `overlap`, `unsupported`, …).
    LOCKER_PACK_INVALID = 900,
    /// Two compartments given to `locker_pack_into` share an id.
    LOCKER_PACK_DUPLICATE_COMPARTMENT = 901,
}

impl locker_status {
    /// Every status, in numeric order.
    pub(crate) const ALL: [Self; 91] = [
        Self::LOCKER_OK,
        Self::LOCKER_NULL_POINTER,
        Self::LOCKER_INVALID_ARGUMENT,
        Self::LOCKER_INVALID_UTF8,
        Self::LOCKER_BUSY,
        Self::LOCKER_POISONED,
        Self::LOCKER_BUFFER_TOO_SMALL,
        Self::LOCKER_STRUCT_SIZE,
        Self::LOCKER_CANCELLED,
        Self::LOCKER_NO_EVENT,
        Self::LOCKER_PANIC,
        Self::LOCKER_ZERO_SIDE,
        Self::LOCKER_SIDE_TOO_LONG,
        Self::LOCKER_ZERO_WEIGHT,
        Self::LOCKER_WEIGHT_TOO_HEAVY,
        Self::LOCKER_CONFIG_INVALID,
        Self::LOCKER_KEYS_INVALID,
        Self::LOCKER_WEAK_KEY,
        Self::LOCKER_NO_KEYS,
        Self::LOCKER_BOUND_EXCEEDED,
        Self::LOCKER_WEAK_ENTROPY,
        Self::LOCKER_PARCEL_INVALID,
        Self::LOCKER_PARCEL_ALREADY_STORED,
        Self::LOCKER_ALLOCATION_FAILED,
        Self::LOCKER_DUPLICATE_IN_BATCH,
        Self::LOCKER_CREDENTIAL_REJECTED,
        Self::LOCKER_CREDENTIAL_MALFORMED,
        Self::LOCKER_CREDENTIAL_EXPIRED,
        Self::LOCKER_CREDENTIAL_NOT_YET_VALID,
        Self::LOCKER_CREDENTIAL_ALREADY_USED,
        Self::LOCKER_CREDENTIAL_REVOKED,
        Self::LOCKER_CREDENTIAL_WRONG_PURPOSE,
        Self::LOCKER_CREDENTIAL_THROTTLED,
        Self::LOCKER_CREDENTIAL_UNIT_REQUIRED,
        Self::LOCKER_CREDENTIAL_PIN_REQUIRED,
        Self::LOCKER_CREDENTIAL_FAILED,
        Self::LOCKER_CREDENTIAL_UNKNOWN,
        Self::LOCKER_CREDENTIAL_NOT_DELEGABLE,
        Self::LOCKER_REMOTE_DISABLED,
        Self::LOCKER_REMOTE_WRONG_BANK,
        Self::LOCKER_REMOTE_REPLAYED,
        Self::LOCKER_REMOTE_CAP_REACHED,
        Self::LOCKER_REMOTE_WINDOW_TOO_LONG,
        Self::LOCKER_RECORDLESS_CAP_REACHED,
        Self::LOCKER_DOOR_JAMMED,
        Self::LOCKER_UNKNOWN_DOOR,
        Self::LOCKER_SENSOR_FAULT,
        Self::LOCKER_BUS_TIMEOUT,
        Self::LOCKER_CLOCK_FAULT,
        Self::LOCKER_ENTROPY_UNAVAILABLE,
        Self::LOCKER_POWER_LOST,
        Self::LOCKER_HARDWARE_FAILED,
        Self::LOCKER_JOURNAL_WRITE,
        Self::LOCKER_JOURNAL_READ,
        Self::LOCKER_JOURNAL_MALFORMED,
        Self::LOCKER_JOURNAL_UNSUPPORTED_VERSION,
        Self::LOCKER_JOURNAL_EDITED,
        Self::LOCKER_JOURNAL_MISSING,
        Self::LOCKER_JOURNAL_OUT_OF_ORDER,
        Self::LOCKER_JOURNAL_BROKEN_LINK,
        Self::LOCKER_JOURNAL_REPLAY,
        Self::LOCKER_JOURNAL_TORN_TAIL,
        Self::LOCKER_JOURNAL_NOT_CANONICAL,
        Self::LOCKER_JOURNAL_FORGED,
        Self::LOCKER_JOURNAL_UNKNOWN_KEY,
        Self::LOCKER_JOURNAL_UNAUTHENTICATED,
        Self::LOCKER_JOURNAL_ROLLED_BACK,
        Self::LOCKER_JOURNAL_HEAD_MISMATCH,
        Self::LOCKER_JOURNAL_WRONG_KEY_RING,
        Self::LOCKER_JOURNAL_WRONG_BANK,
        Self::LOCKER_FLASH_FAILED,
        Self::LOCKER_FLASH_LAYOUT,
        Self::LOCKER_FLASH_FULL,
        Self::LOCKER_FLASH_NEEDS_COMPACTION,
        Self::LOCKER_NO_FLASH,
        Self::LOCKER_FLASH_DAMAGED,
        Self::LOCKER_JOURNAL_OUT_OF_MEMORY,
        Self::LOCKER_STATE,
        Self::LOCKER_DOOR_STILL_OPEN,
        Self::LOCKER_NOTHING_TO_COLLECT,
        Self::LOCKER_DOOR_UNAVAILABLE,
        Self::LOCKER_NOT_IN_GRACE,
        Self::LOCKER_NO_DELIVERY,
        Self::LOCKER_NOT_INTERRUPTED,
        Self::LOCKER_DOOR_BUSY,
        Self::LOCKER_DOOR_NOT_OPEN_FOR,
        Self::LOCKER_UNKNOWN_COMPARTMENT,
        Self::LOCKER_SIM_INVALID_FIELD,
        Self::LOCKER_SIM_INFEASIBLE,
        Self::LOCKER_PACK_INVALID,
        Self::LOCKER_PACK_DUPLICATE_COMPARTMENT,
    ];

    /// The status with number `code`, if there is one.
    #[must_use]
    pub fn from_u32(code: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|s| *s as u32 == code)
    }

    /// A short static description.
    #[must_use]
    pub const fn message(self) -> &'static CStr {
        match self {
            Self::LOCKER_OK => c"ok",
            Self::LOCKER_NULL_POINTER => c"a required pointer argument or callback was NULL",
            Self::LOCKER_INVALID_ARGUMENT => c"an argument was invalid",
            Self::LOCKER_INVALID_UTF8 => c"a string argument is not valid UTF-8",
            Self::LOCKER_BUSY => {
                c"the locker is already inside a call (re-entrant call from a callback)"
            }
            Self::LOCKER_POISONED => {
                c"an earlier call on this locker panicked; restore it from the journal"
            }
            Self::LOCKER_BUFFER_TOO_SMALL => c"the buffer is too small",
            Self::LOCKER_STRUCT_SIZE => {
                c"a struct's size field is not the size of the struct this library knows"
            }
            Self::LOCKER_CANCELLED => c"stopped by the progress callback",
            Self::LOCKER_NO_EVENT => c"there is no event to take",
            Self::LOCKER_PANIC => c"internal error (panic) in the locker library",
            Self::LOCKER_ZERO_SIDE => c"a side of a size is 0 mm; every side must be at least 1 mm",
            Self::LOCKER_SIDE_TOO_LONG => c"a side of a size is longer than 5000 mm",
            Self::LOCKER_ZERO_WEIGHT => c"a weight is 0 g; a weight must be at least 1 g",
            Self::LOCKER_WEIGHT_TOO_HEAVY => c"a weight is more than 1000000 g",
            Self::LOCKER_CONFIG_INVALID => c"the configuration is invalid",
            Self::LOCKER_KEYS_INVALID => c"the site key bytes are malformed",
            Self::LOCKER_WEAK_KEY => {
                c"a site key is weak: no random source gives such bytes (a pattern, a counter, text)"
            }
            Self::LOCKER_NO_KEYS => c"the key ring is empty: nothing can authenticate the journal",
            Self::LOCKER_BOUND_EXCEEDED => {
                c"the PIN policy breaks its brute-force bound: a guesser would open a door with a probability above the target"
            }
            Self::LOCKER_WEAK_ENTROPY => {
                c"the entropy given is weak: no random source gives such bytes (a pattern, a counter, text)"
            }
            Self::LOCKER_PARCEL_INVALID => c"the parcel is invalid",
            Self::LOCKER_PARCEL_ALREADY_STORED => c"the parcel is already stored",
            Self::LOCKER_ALLOCATION_FAILED => c"allocation failed",
            Self::LOCKER_DUPLICATE_IN_BATCH => c"the same parcel appears twice in the batch",
            Self::LOCKER_CREDENTIAL_REJECTED => c"credential rejected",
            Self::LOCKER_CREDENTIAL_MALFORMED => c"the code, token, tag or command is malformed",
            Self::LOCKER_CREDENTIAL_EXPIRED => c"the credential has expired",
            Self::LOCKER_CREDENTIAL_NOT_YET_VALID => c"the credential is not valid yet",
            Self::LOCKER_CREDENTIAL_ALREADY_USED => c"the credential was already used",
            Self::LOCKER_CREDENTIAL_REVOKED => c"the credential was revoked",
            Self::LOCKER_CREDENTIAL_WRONG_PURPOSE => c"the credential is for another purpose",
            Self::LOCKER_CREDENTIAL_THROTTLED => c"too many failed attempts; try again later",
            Self::LOCKER_CREDENTIAL_UNIT_REQUIRED => c"the unit number is required with the PIN",
            Self::LOCKER_CREDENTIAL_PIN_REQUIRED => c"this RFID tag requires its PIN",
            Self::LOCKER_CREDENTIAL_FAILED => c"credential operation failed",
            Self::LOCKER_CREDENTIAL_UNKNOWN => c"no credential has this id",
            Self::LOCKER_CREDENTIAL_NOT_DELEGABLE => {
                c"the delegator has no parcel waiting in this door"
            }
            Self::LOCKER_REMOTE_DISABLED => c"remote opening is disabled by the policy",
            Self::LOCKER_REMOTE_WRONG_BANK => {
                c"the token, remote command or signed time is for another bank"
            }
            Self::LOCKER_REMOTE_REPLAYED => c"the remote command was already used",
            Self::LOCKER_REMOTE_CAP_REACHED => {
                c"the cap on remote openings is reached; try again later"
            }
            Self::LOCKER_REMOTE_WINDOW_TOO_LONG => {
                c"the remote command's window is longer than the policy allows"
            }
            Self::LOCKER_RECORDLESS_CAP_REACHED => {
                c"the cap on openings by tokens without a record is reached; try again later"
            }
            Self::LOCKER_DOOR_JAMMED => c"door jammed: the latch did not release",
            Self::LOCKER_UNKNOWN_DOOR => c"unknown door: the lock board has no door with this id",
            Self::LOCKER_SENSOR_FAULT => c"sensor fault: no usable reading",
            Self::LOCKER_BUS_TIMEOUT => c"bus timeout: the lock board did not answer",
            Self::LOCKER_CLOCK_FAULT => c"clock fault: the real-time clock has no valid time",
            Self::LOCKER_ENTROPY_UNAVAILABLE => {
                c"entropy unavailable: the random number generator could not deliver"
            }
            Self::LOCKER_POWER_LOST => c"power lost",
            Self::LOCKER_HARDWARE_FAILED => c"hardware failure",
            Self::LOCKER_JOURNAL_WRITE => {
                c"the journal could not store the record; the change was not made"
            }
            Self::LOCKER_JOURNAL_READ => c"the journal could not be read or truncated",
            Self::LOCKER_JOURNAL_MALFORMED => c"a journal line is not a record",
            Self::LOCKER_JOURNAL_UNSUPPORTED_VERSION => {
                c"a journal record has an unsupported version"
            }
            Self::LOCKER_JOURNAL_EDITED => c"a journal record was edited",
            Self::LOCKER_JOURNAL_MISSING => c"journal records are missing",
            Self::LOCKER_JOURNAL_OUT_OF_ORDER => c"journal records are out of order or repeated",
            Self::LOCKER_JOURNAL_BROKEN_LINK => {
                c"a journal record does not link to the one before it"
            }
            Self::LOCKER_JOURNAL_REPLAY => c"a journal record cannot be applied",
            Self::LOCKER_JOURNAL_TORN_TAIL => {
                c"the journal ends in a torn line and cannot be truncated"
            }
            Self::LOCKER_JOURNAL_NOT_CANONICAL => {
                c"a journal line is not written as its record is: edited"
            }
            Self::LOCKER_JOURNAL_FORGED => c"a journal record is forged: its MAC does not verify",
            Self::LOCKER_JOURNAL_UNKNOWN_KEY => {
                c"a journal record is sealed with a key the key ring does not hold"
            }
            Self::LOCKER_JOURNAL_UNAUTHENTICATED => {
                c"a journal record carries no MAC and nothing authenticates it"
            }
            Self::LOCKER_JOURNAL_ROLLED_BACK => {
                c"the journal ends before what was seen before: records were cut off"
            }
            Self::LOCKER_JOURNAL_HEAD_MISMATCH => {
                c"the journal holds another record where the expected head was"
            }
            Self::LOCKER_JOURNAL_WRONG_KEY_RING => {
                c"the key ring is not the one the journal was written with"
            }
            Self::LOCKER_JOURNAL_WRONG_BANK => {
                c"the journal is another bank's than the one the restore expects"
            }
            Self::LOCKER_FLASH_FAILED => c"a flash callback failed (read, write or erase)",
            Self::LOCKER_FLASH_LAYOUT => {
                c"the flash region is not an even number of whole erase blocks, or too small"
            }
            Self::LOCKER_FLASH_FULL => {
                c"the flash journal is full: a record or snapshot does not fit in a half"
            }
            Self::LOCKER_FLASH_NEEDS_COMPACTION => {
                c"a flash write failed: the journal must be compacted before it takes records"
            }
            Self::LOCKER_NO_FLASH => c"the locker's journal is not on flash",
            Self::LOCKER_FLASH_DAMAGED => {
                c"the flash region holds data but no journal: erase it to start a new one"
            }
            Self::LOCKER_JOURNAL_OUT_OF_MEMORY => {
                c"no heap to expand a stored value; the journal may be sound: do not erase it"
            }
            Self::LOCKER_STATE => c"the operation does not fit the locker's state",
            Self::LOCKER_DOOR_STILL_OPEN => c"the door is still open",
            Self::LOCKER_NOTHING_TO_COLLECT => c"nothing to collect",
            Self::LOCKER_DOOR_UNAVAILABLE => c"the door is unavailable",
            Self::LOCKER_NOT_IN_GRACE => c"the door is not in its re-open grace period",
            Self::LOCKER_NO_DELIVERY => c"the door holds no delivery",
            Self::LOCKER_NOT_INTERRUPTED => c"the door is not waiting for inspection",
            Self::LOCKER_DOOR_BUSY => c"the door is already open",
            Self::LOCKER_DOOR_NOT_OPEN_FOR => c"the door is not open for this",
            Self::LOCKER_UNKNOWN_COMPARTMENT => c"the bank has no compartment with this id",
            Self::LOCKER_SIM_INVALID_FIELD => c"a building field of the simulation is invalid",
            Self::LOCKER_SIM_INFEASIBLE => c"no bank within the door limit meets the target",
            Self::LOCKER_PACK_INVALID => c"the packing is not physically possible",
            Self::LOCKER_PACK_DUPLICATE_COMPARTMENT => c"a compartment id is given twice",
        }
    }

    /// The status of a core error code (`code()` of any core error: the
    /// one table in `locker_core::codes`). `None` for a code this binding
    /// does not know: a newer core; the tests walk every code in the
    /// core's table, so a release never gets here.
    #[must_use]
    pub fn of_code(code: &str) -> Option<Self> {
        Some(match code {
            // geometry
            "zero_side" => Self::LOCKER_ZERO_SIDE,
            "side_too_long" => Self::LOCKER_SIDE_TOO_LONG,
            "zero_weight" => Self::LOCKER_ZERO_WEIGHT,
            "weight_too_heavy" => Self::LOCKER_WEIGHT_TOO_HEAVY,
            // the bank's configuration and the policies
            "invalid_json"
            | "empty_bank"
            | "too_many_compartments"
            | "clearance_too_large"
            | "duplicate_id"
            | "duplicate_label"
            | "duplicate_position"
            | "bad_text"
            | "bad_size"
            | "bad_weight"
            | "no_usable_space"
            | "accessible_mismatch"
            | "ada_too_few_accessible"
            | "ada_size_class_without_accessible"
            | "invalid_policy"
            | "configuration" => Self::LOCKER_CONFIG_INVALID,
            // keys
            "weak_key" => Self::LOCKER_WEAK_KEY,
            "weak_entropy" => Self::LOCKER_WEAK_ENTROPY,
            "no_keys" => Self::LOCKER_NO_KEYS,
            // the credential policy's brute-force bound
            "bound_exceeded" => Self::LOCKER_BOUND_EXCEEDED,
            // parcels and allocation
            "invalid_parcel" => Self::LOCKER_PARCEL_INVALID,
            "already_stored" | "duplicate_parcel" => Self::LOCKER_PARCEL_ALREADY_STORED,
            "duplicate_in_batch" => Self::LOCKER_DUPLICATE_IN_BATCH,
            "out_of_service" | "other_recipient" | "mixed_handling" | "wrong_zone"
            | "does_not_fit" | "too_heavy" | "compartment_empty" => Self::LOCKER_ALLOCATION_FAILED,
            // credentials
            "rejected" => Self::LOCKER_CREDENTIAL_REJECTED,
            "malformed_pin" | "malformed_token" | "malformed_rfid_uid" => {
                Self::LOCKER_CREDENTIAL_MALFORMED
            }
            "expired" => Self::LOCKER_CREDENTIAL_EXPIRED,
            "not_yet_valid" => Self::LOCKER_CREDENTIAL_NOT_YET_VALID,
            "already_used" => Self::LOCKER_CREDENTIAL_ALREADY_USED,
            "revoked" => Self::LOCKER_CREDENTIAL_REVOKED,
            "wrong_purpose" => Self::LOCKER_CREDENTIAL_WRONG_PURPOSE,
            "throttled" => Self::LOCKER_CREDENTIAL_THROTTLED,
            "unit_required" => Self::LOCKER_CREDENTIAL_UNIT_REQUIRED,
            "pin_required" => Self::LOCKER_CREDENTIAL_PIN_REQUIRED,
            "unknown_key_id"
            | "duplicate_key_id"
            | "key_ids_exhausted"
            | "duplicate_credential"
            | "tag_collision"
            | "pin_space_exhausted"
            | "too_many_pins"
            | "invalid_request"
            | "bad_expiry" => Self::LOCKER_CREDENTIAL_FAILED,
            "unknown_credential" => Self::LOCKER_CREDENTIAL_UNKNOWN,
            "not_delegable" => Self::LOCKER_CREDENTIAL_NOT_DELEGABLE,
            "remote_disabled" => Self::LOCKER_REMOTE_DISABLED,
            "wrong_bank" => Self::LOCKER_REMOTE_WRONG_BANK,
            "replayed" => Self::LOCKER_REMOTE_REPLAYED,
            "remote_cap_reached" => Self::LOCKER_REMOTE_CAP_REACHED,
            "window_too_long" => Self::LOCKER_REMOTE_WINDOW_TOO_LONG,
            "recordless_cap_reached" => Self::LOCKER_RECORDLESS_CAP_REACHED,
            // hardware (HardwareErrorKind::code)
            "door_jammed" => Self::LOCKER_DOOR_JAMMED,
            "unknown_door" => Self::LOCKER_UNKNOWN_DOOR,
            "sensor_fault" => Self::LOCKER_SENSOR_FAULT,
            "bus_timeout" => Self::LOCKER_BUS_TIMEOUT,
            "clock_fault" => Self::LOCKER_CLOCK_FAULT,
            "entropy_unavailable" => Self::LOCKER_ENTROPY_UNAVAILABLE,
            "power_lost" => Self::LOCKER_POWER_LOST,
            "other" => Self::LOCKER_HARDWARE_FAILED,
            // the journal
            "journal_write" => Self::LOCKER_JOURNAL_WRITE,
            "malformed_record" => Self::LOCKER_JOURNAL_MALFORMED,
            "unsupported_version" => Self::LOCKER_JOURNAL_UNSUPPORTED_VERSION,
            "edited" => Self::LOCKER_JOURNAL_EDITED,
            "missing_records" => Self::LOCKER_JOURNAL_MISSING,
            "out_of_order" => Self::LOCKER_JOURNAL_OUT_OF_ORDER,
            "broken_link" => Self::LOCKER_JOURNAL_BROKEN_LINK,
            "replay" | "empty_journal" => Self::LOCKER_JOURNAL_REPLAY,
            // journal analytics over more days than counted one by one
            "span_too_long" => Self::LOCKER_INVALID_ARGUMENT,
            "not_canonical" => Self::LOCKER_JOURNAL_NOT_CANONICAL,
            "forged" => Self::LOCKER_JOURNAL_FORGED,
            "unknown_key" => Self::LOCKER_JOURNAL_UNKNOWN_KEY,
            "unauthenticated" => Self::LOCKER_JOURNAL_UNAUTHENTICATED,
            "rolled_back" => Self::LOCKER_JOURNAL_ROLLED_BACK,
            "head_mismatch" => Self::LOCKER_JOURNAL_HEAD_MISMATCH,
            "wrong_key_ring" => Self::LOCKER_JOURNAL_WRONG_KEY_RING,
            "bank_mismatch" => Self::LOCKER_JOURNAL_WRONG_BANK,
            // the journal on flash (FlashError::code)
            "flash_failed" => Self::LOCKER_FLASH_FAILED,
            "flash_layout" => Self::LOCKER_FLASH_LAYOUT,
            "flash_full" => Self::LOCKER_FLASH_FULL,
            "needs_compaction" => Self::LOCKER_FLASH_NEEDS_COMPACTION,
            "flash_damaged" => Self::LOCKER_FLASH_DAMAGED,
            "out_of_memory" => Self::LOCKER_JOURNAL_OUT_OF_MEMORY,
            // the locker's state
            "snapshot" => Self::LOCKER_STATE,
            "door_still_open" => Self::LOCKER_DOOR_STILL_OPEN,
            "nothing_to_collect" => Self::LOCKER_NOTHING_TO_COLLECT,
            "unavailable" => Self::LOCKER_DOOR_UNAVAILABLE,
            "not_in_grace" => Self::LOCKER_NOT_IN_GRACE,
            "no_delivery" => Self::LOCKER_NO_DELIVERY,
            "not_interrupted" => Self::LOCKER_NOT_INTERRUPTED,
            "door_busy" => Self::LOCKER_DOOR_BUSY,
            "not_open_for" => Self::LOCKER_DOOR_NOT_OPEN_FOR,
            "unknown_compartment" => Self::LOCKER_UNKNOWN_COMPARTMENT,
            // the building simulation and the planner
            "invalid_field" => Self::LOCKER_SIM_INVALID_FIELD,
            "infeasible" => Self::LOCKER_SIM_INFEASIBLE,
            // packing (PackError::code; `duplicate_parcel` is above)
            "outside_space"
            | "overlap"
            | "orientation_not_allowed"
            | "extent_mismatch"
            | "empty_extent"
            | "unsupported"
            | "unknown_parcel"
            | "duplicate_placement"
            | "fits_no_bin" => Self::LOCKER_PACK_INVALID,
            "duplicate_compartment" => Self::LOCKER_PACK_DUPLICATE_COMPARTMENT,
            // arguments
            "invalid_argument" => Self::LOCKER_INVALID_ARGUMENT,
            "cancelled" => Self::LOCKER_CANCELLED,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_are_unique_and_ordered() {
        for status in locker_status::ALL {
            assert_eq!(locker_status::from_u32(status as u32), Some(status));
            assert!(!status.message().is_empty());
        }
        for pair in locker_status::ALL.windows(2) {
            assert!((pair[0] as u32) < (pair[1] as u32), "{pair:?}");
        }
        assert_eq!(locker_status::from_u32(98), None);
    }

    /// The error types of the core's table that no C function can return,
    /// and why: their codes need no status (an `impl` line naming one is
    /// skipped by `table`).
    const NOT_REACHABLE_FROM_C: [&str; 3] = [
        // No C function renders a QR code.
        "QrRenderError",
        // The simulated hardware's actions (a person at a simulated door:
        // `door_closed`, `no_parcel`; its `unknown_door` is the hardware
        // kind's code, which has a status): C brings its own board.
        "hardware::sim::ActionError",
        // The simulated NOR flash (`power_lost`, `out_of_range`): C brings
        // its own flash (`locker_flash`), whose failures are
        // `flash_failed`.
        "MemoryFlashError",
    ];

    /// Every code in the core's table (`locker-core/src/codes.rs`), read
    /// from its source, with the error type whose `code()` gives it. The
    /// error types of `NOT_REACHABLE_FROM_C` are left out.
    fn table() -> Vec<(&'static str, &'static str)> {
        const TABLE: &str = include_str!("../../locker-core/src/codes.rs");
        let mut codes = Vec::new();
        let mut in_impl: Option<&str> = None;
        let mut skipped = false;
        let mut skipped_types: Vec<&str> = Vec::new();
        for line in TABLE.lines().map(str::trim_start) {
            // Comments, and attributes (`#[cfg(feature = "serde")]`) whose
            // strings are no codes.
            if line.starts_with("//") || line.starts_with("#[") {
                continue;
            }
            // `impl Type {` or, for a generic type, `impl<E> Type<E> {`.
            let header = line.strip_prefix("impl ").or_else(|| {
                line.strip_prefix("impl<")
                    .and_then(|rest| rest.split_once("> "))
                    .map(|(_, header)| header)
            });
            if let Some(header) = header {
                in_impl = header.split_whitespace().next();
                let skip = NOT_REACHABLE_FROM_C
                    .iter()
                    .find(|name| line.contains(&format!("{name} ")));
                skipped = skip.is_some();
                skipped_types.extend(skip);
            }
            let Some(owner) = in_impl.filter(|_| !skipped) else {
                continue;
            };
            // Every string literal of a `code()` body is a code.
            codes.extend(line.split('"').skip(1).step_by(2).map(|c| (owner, c)));
        }
        assert!(codes.len() > 90, "the table was not read: {codes:?}");
        // Each skipped type is still in the table (a rename would otherwise
        // skip nothing, silently).
        assert_eq!(
            skipped_types.len(),
            NOT_REACHABLE_FROM_C.len(),
            "skipped {skipped_types:?} of {NOT_REACHABLE_FROM_C:?}"
        );
        codes
    }

    /// Every code in the core's table has a status: the `None` arm of
    /// `of_code` is never reached by a core this crate builds with.
    #[test]
    fn every_core_code_has_a_status() {
        for (owner, code) in table() {
            let status = locker_status::of_code(code);
            assert!(
                status.is_some(),
                "the core's code {code:?} ({owner}) has no C status"
            );
            assert_ne!(status, Some(locker_status::LOCKER_OK), "{code}");
            assert_ne!(status, Some(locker_status::LOCKER_PANIC), "{code}");
        }
        assert_eq!(locker_status::of_code("no_such_code"), None);
    }

    /// Codes the core's table gives to several error types, and the
    /// statuses they get: one code, one meaning (no keys, nothing to
    /// collect, an invalid parcel). A code newly shared fails here until
    /// someone has looked at what it means in each concern.
    const SHARED_CODES: [(&str, &[(&str, locker_status)]); 6] = [
        (
            "replay",
            &[
                ("LockerError", locker_status::LOCKER_JOURNAL_REPLAY),
                ("AnalyticsError", locker_status::LOCKER_JOURNAL_REPLAY),
            ],
        ),
        (
            "invalid_argument",
            &[
                ("LockerError", locker_status::LOCKER_INVALID_ARGUMENT),
                ("AnalyticsError", locker_status::LOCKER_INVALID_ARGUMENT),
            ],
        ),
        (
            "no_keys",
            &[
                ("CredentialError", locker_status::LOCKER_NO_KEYS),
                ("JournalError", locker_status::LOCKER_NO_KEYS),
            ],
        ),
        (
            "nothing_to_collect",
            &[
                ("CredentialError", locker_status::LOCKER_NOTHING_TO_COLLECT),
                ("LockerError", locker_status::LOCKER_NOTHING_TO_COLLECT),
            ],
        ),
        (
            "invalid_parcel",
            &[
                ("BankError", locker_status::LOCKER_PARCEL_INVALID),
                ("AllocationError", locker_status::LOCKER_PARCEL_INVALID),
            ],
        ),
        (
            // A parcel id given twice: to a bank, or to `locker_pack_into`.
            "duplicate_parcel",
            &[
                ("BankError", locker_status::LOCKER_PARCEL_ALREADY_STORED),
                ("PackError", locker_status::LOCKER_PARCEL_ALREADY_STORED),
            ],
        ),
    ];

    #[test]
    fn a_code_of_several_error_types_is_looked_at() {
        let table = table();
        let mut owners: Vec<(&str, Vec<&str>)> = Vec::new();
        for (owner, code) in &table {
            match owners.iter_mut().find(|(c, _)| c == code) {
                Some((_, list)) if !list.contains(owner) => list.push(owner),
                Some(_) => {}
                None => owners.push((code, vec![owner])),
            }
        }
        let shared: Vec<&(&str, Vec<&str>)> =
            owners.iter().filter(|(_, list)| list.len() > 1).collect();
        // The list is exactly the codes shared now (none stale).
        assert_eq!(shared.len(), SHARED_CODES.len(), "{shared:?}");
        for (code, list) in shared {
            let Some((_, expected)) = SHARED_CODES.iter().find(|(c, _)| c == code) else {
                panic!("the core gives {code:?} to {list:?}: decide its status per concern");
            };
            for (owner, status) in *expected {
                assert!(list.contains(owner), "{code:?} is no longer {owner}'s");
                assert_eq!(
                    locker_status::of_code(code),
                    Some(*status),
                    "{code:?} of {owner}"
                );
            }
        }
    }

    #[test]
    fn core_errors_map_through_their_codes() {
        use locker_core::credential::{CredentialError, KeyId};
        use locker_core::hardware::HardwareErrorKind;
        use locker_core::journal::JournalError;
        use locker_core::journal::flash::FlashError;
        use locker_core::locker::LockerError;

        let forged = LockerError::Journal(JournalError::Forged {
            seq: 3,
            key_id: KeyId(1),
        });
        assert_eq!(
            locker_status::of_code(forged.code()),
            Some(locker_status::LOCKER_JOURNAL_FORGED)
        );
        let weak = CredentialError::WeakKey {
            key_id: KeyId(1),
            reason: "too few distinct byte values for random bytes",
        };
        assert_eq!(
            locker_status::of_code(weak.code()),
            Some(locker_status::LOCKER_WEAK_KEY)
        );
        let bound = CredentialError::BoundExceeded {
            bound_per_billion: 511_000_000,
            target_per_billion: 1_000,
        };
        assert_eq!(
            locker_status::of_code(bound.code()),
            Some(locker_status::LOCKER_BOUND_EXCEEDED)
        );
        assert_eq!(
            locker_status::of_code(
                CredentialError::WeakEntropy {
                    reason: "too few distinct byte values for random bytes"
                }
                .code()
            ),
            Some(locker_status::LOCKER_WEAK_ENTROPY)
        );
        // One code, one status: the credential's and the journal's "no keys".
        assert_eq!(
            locker_status::of_code(CredentialError::NoKeys.code()),
            locker_status::of_code(JournalError::NoKeys.code())
        );
        assert_eq!(
            locker_status::of_code(HardwareErrorKind::Other.code()),
            Some(locker_status::LOCKER_HARDWARE_FAILED)
        );
        // The journal on flash: its own codes, and a damaged record's.
        type Flash = FlashError<core::convert::Infallible>;
        let flash = [
            (
                Flash::Layout { reason: "odd" }.code(),
                locker_status::LOCKER_FLASH_LAYOUT,
            ),
            (
                Flash::NoRoom {
                    needed_bytes: 9,
                    left_bytes: 1,
                }
                .code(),
                locker_status::LOCKER_FLASH_FULL,
            ),
            (
                Flash::NeedsCompaction.code(),
                locker_status::LOCKER_FLASH_NEEDS_COMPACTION,
            ),
            (Flash::Damaged.code(), locker_status::LOCKER_FLASH_DAMAGED),
            (
                Flash::Journal(JournalError::OutOfMemory { needed_bytes: 9 }).code(),
                locker_status::LOCKER_JOURNAL_OUT_OF_MEMORY,
            ),
            (
                Flash::Journal(JournalError::NoKeys).code(),
                locker_status::LOCKER_NO_KEYS,
            ),
        ];
        for (code, status) in flash {
            assert_eq!(locker_status::of_code(code), Some(status), "{code}");
        }
        let failed: FlashError<&str> = FlashError::Flash("bad block");
        assert_eq!(
            locker_status::of_code(failed.code()),
            Some(locker_status::LOCKER_FLASH_FAILED)
        );
    }
}
