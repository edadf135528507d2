//! A journal on raw flash that never outgrows it: records and snapshots
//! in two halves of one region, so a power cut at any byte loses nothing
//! that was acknowledged.
//!
//! The vendor gives a [`Flash`]: read, write (programming bits from 1 to
//! 0, as NOR flash does) and erase over a region of whole erase blocks.
//! [`FlashJournal`] lays the region out as two halves, A and B:
//!
//! ```text
//! half:   | header | record frame | record frame | ... | erased (0xFF) |
//! header:  "LKF" 2 | generation u32 | next_seq u64 | head [32] | snapshot len u32 | snapshot | commit
//! frame:   payload len u32 | payload (one record) | commit
//! ```
//!
//! Records and the snapshot are in the [storage encoding](super::compact)
//! (about a fifth of their JSON; the snapshot LZ4-compressed on top, about
//! a sixth of its JSON at a full bank); `next_seq` and `head` are where the
//! chain stood at the snapshot, which the records continue. Integers are
//! little-endian; `commit` is one byte programmed to 0x00
//! only after everything before it is written, so a header or frame
//! whose commit byte is not 0x00 was cut short and is ignored. The half
//! with the newest committed header is the journal: its snapshot (none in
//! the first half ever written) and the records after it.
//!
//! A compaction erases the other half, writes the snapshot there and
//! commits it, then appends there. Until the header's commit byte is
//! written the old half is still the journal; from then on the new one
//! is. The old half stays readable until the next compaction erases it,
//! which is the host's time to export the history it holds
//! ([`FlashJournal::previous`]).
//!
//! A failed write, or a torn frame found on opening, leaves the write
//! position unknown; the journal then refuses appends and asks for a
//! compaction ([`JournalSink::wants_compaction`]), which continues the
//! journal in the other half. The [`Locker`](crate::locker::Locker) does
//! that before its next record.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Chain, Digest, JournalError, JournalSink, Record, compact};

mod memory;

pub use memory::{MemoryFlash, MemoryFlashError};

/// Bytes of the magic that starts a half's header.
const MAGIC: [u8; 4] = *b"LKF\x02";
/// Magic, generation, the chain and the snapshot's length.
const HEADER_FIXED_BYTES: u32 = 52;
/// A frame's length field.
const LENGTH_BYTES: u32 = 4;
/// The byte that marks a header or frame complete.
const COMMITTED: u8 = 0x00;
/// A length field never programmed.
const ERASED_LENGTH: u32 = u32::MAX;

/// A region of flash the journal owns: whole erase blocks, programmed
/// from 1 to 0 and erased back to 0xFF a block at a time.
pub trait Flash {
    /// Why the flash could not be read, written or erased.
    type Error: fmt::Debug + fmt::Display;

    /// Bytes in the region: an even number of erase blocks.
    fn capacity_bytes(&self) -> u32;

    /// Bytes in one erase block.
    fn erase_block_bytes(&self) -> u32;

    /// Reads `buf.len()` bytes at `offset`.
    ///
    /// # Errors
    ///
    /// The flash's error.
    fn read(&mut self, offset: u32, buf: &mut [u8]) -> Result<(), Self::Error>;

    /// Programs `bytes` at `offset`, which the journal has erased before.
    /// When this returns `Ok`, the bytes survive a power cut.
    ///
    /// # Errors
    ///
    /// The flash's error; the bytes may then be written in part.
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error>;

    /// Erases `len` bytes at `offset`, both multiples of the erase block.
    ///
    /// # Errors
    ///
    /// The flash's error; the blocks may then hold anything.
    fn erase(&mut self, offset: u32, len: u32) -> Result<(), Self::Error>;
}

/// Why a flash journal could not be opened, written or compacted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlashError<E> {
    /// The flash failed.
    Flash(E),
    /// The region cannot hold two halves of whole erase blocks.
    Layout {
        /// Why.
        reason: &'static str,
    },
    /// A record or snapshot does not fit in what is left of a half.
    NoRoom {
        /// Bytes needed.
        needed_bytes: u32,
        /// Bytes left.
        left_bytes: u32,
    },
    /// A write failed or a torn frame was found, so the half takes no more
    /// records: compact to go on.
    NeedsCompaction,
    /// A committed record is damaged.
    Journal(JournalError),
    /// Neither half holds a journal, yet the region is not blank: a
    /// damaged header, or a region used for something else. Nothing is
    /// written; erase the region to start a new journal there.
    Damaged,
}

impl<E: fmt::Display> fmt::Display for FlashError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flash(error) => write!(f, "flash: {error}"),
            Self::Layout { reason } => write!(f, "flash layout: {reason}"),
            Self::NoRoom {
                needed_bytes,
                left_bytes,
            } => write!(
                f,
                "flash journal full: {needed_bytes} bytes needed, {left_bytes} left in the half"
            ),
            Self::NeedsCompaction => {
                f.write_str("flash journal: a write failed, compact before appending")
            }
            Self::Journal(error) => write!(f, "flash journal: {error}"),
            Self::Damaged => f.write_str(
                "flash journal: no journal in the region, which is not blank either (erase it to start anew)",
            ),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for FlashError<E> {}

/// When a flash journal asks to be compacted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlashConfig {
    /// Compact once a half holds this many bytes (header and records).
    /// Leave room for the records written before the locker compacts (one
    /// call's worth) and for the next snapshot: a snapshot that does not
    /// fit in a half cannot be written at all.
    pub compact_at_bytes: u32,
}

impl FlashConfig {
    /// Compaction at three quarters of a half of `capacity_bytes`.
    #[must_use]
    pub const fn for_capacity(capacity_bytes: u32) -> Self {
        Self {
            compact_at_bytes: capacity_bytes / 2 / 4 * 3,
        }
    }
}

/// What a flash journal held when it was opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlashContents<E> {
    /// The snapshot the records continue, as stored (a sealed
    /// [`Snapshot`](crate::locker::Snapshot) in the storage encoding:
    /// [`Snapshot::from_stored`](crate::locker::Snapshot::from_stored)
    /// reads it, [`compact::decode_to_json`] gives its JSON); `None`
    /// before the first compaction.
    pub snapshot: Option<Vec<u8>>,
    /// Where the chain stood at the snapshot, as the half's header says:
    /// the records continue it. ([`Chain::new`] before the first
    /// compaction.) A restore checks it against the snapshot's own chain.
    pub chain_start: Chain,
    /// The records after the snapshot, oldest first.
    pub records: Vec<Record<E>>,
    /// Bytes of a frame cut short by a power cut, dropped (it was never
    /// acknowledged).
    pub torn_bytes: Option<u32>,
    /// True when the region was blank (neither half held a journal): the
    /// first record written formats it.
    pub formatted: bool,
}

impl<E> FlashContents<E> {
    /// True when there is nothing to restore: start a new locker.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.snapshot.is_none() && self.records.is_empty()
    }
}

/// Where the journal stands in its flash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FlashUsage {
    /// Bytes of the region.
    pub capacity_bytes: u32,
    /// Bytes of each half.
    pub half_bytes: u32,
    /// Bytes written in the active half (header, snapshot, records).
    pub used_bytes: u32,
    /// Bytes of the active half's snapshot (0 before the first compaction).
    pub snapshot_bytes: u32,
    /// Records in the active half.
    pub records: u32,
    /// Compactions since the region was formatted.
    pub generation: u32,
}

/// A half's committed header.
#[derive(Clone, Copy, Debug)]
struct Header {
    generation: u32,
    /// Where the chain stood at the snapshot.
    start: Chain,
    snapshot_bytes: u32,
}

impl Header {
    /// Where the records of a half with this header start.
    const fn records_at(self) -> u32 {
        HEADER_FIXED_BYTES + self.snapshot_bytes + 1
    }
}

/// A journal kept in a [`Flash`] region (see the [module](self)).
#[derive(Debug)]
pub struct FlashJournal<F> {
    flash: F,
    config: FlashConfig,
    half_bytes: u32,
    /// 0 or 1.
    active: u32,
    header: Header,
    /// Where the next frame goes, within the active half.
    write_at: u32,
    records: u32,
    /// Where the chain stands after the last record.
    chain: Chain,
    /// A write failed or a torn frame was found.
    broken: bool,
    /// A record did not fit in what is left of the half.
    full: bool,
    /// Neither half holds a journal yet: the first record formats one.
    blank: bool,
}

impl<F: Flash> FlashJournal<F> {
    /// Opens the journal in `flash`: the half with the newest committed
    /// header, its snapshot and records. Writes nothing: a blank region
    /// (a new journal) is formatted by the first record appended.
    ///
    /// # Errors
    ///
    /// [`FlashError::Layout`] for a region that is not an even number of
    /// erase blocks, [`FlashError::Flash`] when the flash fails,
    /// [`FlashError::Damaged`] for a region with data but no journal, and
    /// [`FlashError::Journal`] for a committed record that does not parse
    /// (damaged storage: the journal is not guessed at).
    pub fn open<E: DeserializeOwned + Serialize>(
        mut flash: F,
        config: FlashConfig,
    ) -> Result<(Self, FlashContents<E>), FlashError<F::Error>> {
        let half_bytes = layout(&flash)?;
        let headers = [
            read_header(&mut flash, 0, half_bytes)?,
            read_header(&mut flash, half_bytes, half_bytes)?,
        ];
        let chosen = match headers {
            [Some(a), Some(b)] => Some(if newer(b.generation, a.generation) {
                (1, b)
            } else {
                (0, a)
            }),
            [Some(a), None] => Some((0, a)),
            [None, Some(b)] => Some((1, b)),
            [None, None] => None,
        };
        let Some((active, header)) = chosen else {
            // Nothing is erased here: a region that holds data but no
            // journal is left for the host to look at, and a blank one is
            // formatted by its first record, after the restore's checks.
            if !formattable(&mut flash, half_bytes)? {
                return Err(FlashError::Damaged);
            }
            let journal = Self {
                flash,
                config,
                half_bytes,
                active: 1,
                header: Header {
                    generation: 0,
                    start: Chain::new(),
                    snapshot_bytes: 0,
                },
                write_at: 0,
                records: 0,
                chain: Chain::new(),
                broken: false,
                full: false,
                blank: true,
            };
            let contents = FlashContents {
                snapshot: None,
                chain_start: Chain::new(),
                records: Vec::new(),
                torn_bytes: None,
                formatted: true,
            };
            return Ok((journal, contents));
        };
        let mut journal = Self {
            flash,
            config,
            half_bytes,
            active,
            header,
            write_at: header.records_at(),
            records: 0,
            chain: header.start,
            broken: false,
            full: false,
            blank: false,
        };
        let snapshot = if header.snapshot_bytes == 0 {
            None
        } else {
            let mut bytes = vec![0; header.snapshot_bytes as usize];
            journal
                .flash
                .read(journal.base() + HEADER_FIXED_BYTES, &mut bytes)
                .map_err(FlashError::Flash)?;
            compact::check_value(&bytes).map_err(|error| match error {
                JournalError::Malformed { line, message } => {
                    FlashError::Journal(JournalError::Malformed {
                        line,
                        message: alloc::format!("snapshot: {message}"),
                    })
                }
                other => FlashError::Journal(other),
            })?;
            Some(bytes)
        };
        let scanned = journal.scan(active)?;
        journal.write_at = scanned.end;
        journal.records = u32::try_from(scanned.records.len()).unwrap_or(u32::MAX);
        journal.broken = scanned.torn_bytes.is_some();
        // A first header committed with its first record cut short holds
        // nothing: the first record starts a new half, as on a blank
        // region, and never a snapshot of nothing.
        journal.blank = journal.broken && header.snapshot_bytes == 0 && scanned.records.is_empty();
        let (records, chain) = decode_records(&scanned.records, header.start)?;
        journal.chain = chain;
        let contents = FlashContents {
            snapshot,
            chain_start: header.start,
            records,
            torn_bytes: scanned.torn_bytes,
            formatted: false,
        };
        Ok((journal, contents))
    }

    /// The records of the other half: the history before the active
    /// snapshot, kept until the next compaction erases it. Empty when the
    /// other half holds no committed journal (before the first compaction,
    /// or after a compaction cut short).
    ///
    /// # Errors
    ///
    /// [`FlashError::Flash`] when the flash fails, and
    /// [`FlashError::Journal`] for a damaged record.
    pub fn previous<E: DeserializeOwned + Serialize>(
        &mut self,
    ) -> Result<Vec<Record<E>>, FlashError<F::Error>> {
        let other = 1 - self.active;
        let Some(header) = read_header(&mut self.flash, other * self.half_bytes, self.half_bytes)?
        else {
            return Ok(Vec::new());
        };
        if !newer(self.header.generation, header.generation) {
            return Ok(Vec::new());
        }
        let scanned = self.scan_from(other, header.records_at())?;
        let (mut records, _) = decode_records::<E, F::Error>(&scanned.records, header.start)?;
        // The history ends where the active snapshot starts. A frame the
        // old half holds past it (its write reported failure, yet it was
        // committed; the record was written again here) is not history.
        let start = self.header.start;
        records.retain(|record| record.seq < start.next_seq);
        let reached = records.last().map_or(header.start, |last| Chain {
            next_seq: last.seq.saturating_add(1),
            head: last.hash,
        });
        if reached != start {
            return Err(FlashError::Journal(JournalError::Missing {
                expected: reached.next_seq,
                found: start.next_seq,
            }));
        }
        Ok(records)
    }

    /// The records in the active half (after its snapshot), read back
    /// from the flash.
    ///
    /// # Errors
    ///
    /// [`FlashError::Flash`] when the flash fails, and
    /// [`FlashError::Journal`] for a damaged record.
    pub fn records<E: DeserializeOwned + Serialize>(
        &mut self,
    ) -> Result<Vec<Record<E>>, FlashError<F::Error>> {
        let scanned = self.scan(self.active)?;
        Ok(decode_records(&scanned.records, self.header.start)?.0)
    }

    /// Where the journal stands in its flash.
    #[must_use]
    pub const fn usage(&self) -> FlashUsage {
        FlashUsage {
            capacity_bytes: self.half_bytes * 2,
            half_bytes: self.half_bytes,
            used_bytes: self.write_at,
            snapshot_bytes: self.header.snapshot_bytes,
            records: self.records,
            generation: self.header.generation,
        }
    }

    /// The flash.
    #[must_use]
    pub const fn flash(&self) -> &F {
        &self.flash
    }

    /// The flash, to change it (for a simulator: to cut the power).
    pub fn flash_mut(&mut self) -> &mut F {
        &mut self.flash
    }

    /// Gives back the flash.
    pub fn into_flash(self) -> F {
        self.flash
    }

    /// Offset of the active half in the region.
    const fn base(&self) -> u32 {
        self.active * self.half_bytes
    }

    /// Erases the other half, writes `snapshot` there as its header and
    /// commits it: from then on the other half is the journal.
    fn start_half(
        &mut self,
        snapshot: Option<&[u8]>,
        start: Chain,
    ) -> Result<(), FlashError<F::Error>> {
        let snapshot = snapshot.unwrap_or_default();
        let snapshot_bytes = u32::try_from(snapshot.len()).unwrap_or(u32::MAX);
        let records_at = HEADER_FIXED_BYTES
            .saturating_add(snapshot_bytes)
            .saturating_add(1);
        if records_at > self.half_bytes {
            return Err(FlashError::NoRoom {
                needed_bytes: records_at,
                left_bytes: self.half_bytes,
            });
        }
        // A blank region's first header goes into a half that is still
        // erased, without erasing it again: an erase cut short leaves
        // bytes anywhere in its block. When neither half is erased (the
        // first format was cut in both), the half erased is never one
        // holding a cut first header, which tells the next start that
        // the junk in the other half is an erase cut short.
        let (next, erase_next) = if self.blank {
            self.first_format_half()?
        } else {
            (1 - self.active, true)
        };
        let base = next * self.half_bytes;
        let generation = self.header.generation.wrapping_add(1);
        if erase_next {
            self.flash
                .erase(base, self.half_bytes)
                .map_err(FlashError::Flash)?;
        }
        let header = header_bytes(generation, start, snapshot);
        let written = self
            .flash
            .write(base, &header)
            .and_then(|()| self.flash.write(base + records_at - 1, &[COMMITTED]));
        if let Err(error) = written {
            // A write that failed may still have programmed the commit
            // byte: the other half may now be the newer journal, so
            // nothing more goes into this one until a compaction succeeds
            // (and erases that half again).
            self.broken = true;
            return Err(FlashError::Flash(error));
        }
        let was_blank = self.blank;
        self.active = next;
        self.header = Header {
            generation,
            start,
            snapshot_bytes,
        };
        self.write_at = records_at;
        self.records = 0;
        self.chain = start;
        self.broken = false;
        self.full = false;
        self.blank = false;
        let other = (1 - next) * self.half_bytes;
        if was_blank && !half_is_erased(&mut self.flash, other, self.half_bytes)? {
            // A cut first header left in the other half would make the
            // journal here look like junk if its header were ever lost.
            self.flash
                .erase(other, self.half_bytes)
                .map_err(FlashError::Flash)?;
        }
        Ok(())
    }

    /// Where a blank region's first header goes, and whether that half
    /// must be erased first: a half still erased if there is one, else
    /// one not holding a cut first header.
    fn first_format_half(&mut self) -> Result<(u32, bool), FlashError<F::Error>> {
        // The other half first: the active one may hold a committed
        // header with nothing after it.
        let halves = [1 - self.active, self.active];
        for half in halves {
            if half_is_erased(&mut self.flash, half * self.half_bytes, self.half_bytes)? {
                return Ok((half, false));
            }
        }
        for half in halves {
            if !holds_cut_first_header(&mut self.flash, half * self.half_bytes, self.half_bytes)? {
                return Ok((half, true));
            }
        }
        Ok((halves[0], true))
    }

    /// The committed frames of the active half.
    fn scan(&mut self, half: u32) -> Result<Scanned, FlashError<F::Error>> {
        self.scan_from(half, self.header.records_at())
    }

    /// The committed frames of `half` from `start`, up to the first frame
    /// never written or cut short.
    fn scan_from(&mut self, half: u32, start: u32) -> Result<Scanned, FlashError<F::Error>> {
        let base = half * self.half_bytes;
        let mut at = start;
        let mut records = Vec::new();
        let mut torn_bytes = None;
        while at + LENGTH_BYTES <= self.half_bytes {
            let mut length = [0; 4];
            self.flash
                .read(base + at, &mut length)
                .map_err(FlashError::Flash)?;
            let length = u32::from_le_bytes(length);
            if length == ERASED_LENGTH {
                break;
            }
            let left = self.half_bytes - at - LENGTH_BYTES;
            if length >= left {
                torn_bytes = Some(self.half_bytes - at);
                break;
            }
            let mut payload = vec![0; length as usize + 1];
            self.flash
                .read(base + at + LENGTH_BYTES, &mut payload)
                .map_err(FlashError::Flash)?;
            if payload.pop() != Some(COMMITTED) {
                torn_bytes = Some(LENGTH_BYTES + length + 1);
                break;
            }
            records.push(payload);
            at += LENGTH_BYTES + length + 1;
        }
        Ok(Scanned {
            records,
            end: at,
            torn_bytes,
        })
    }

    fn append_payload(&mut self, payload: &[u8]) -> Result<(), FlashError<F::Error>> {
        if self.blank {
            self.start_half(None, Chain::new())?;
        }
        if self.broken {
            return Err(FlashError::NeedsCompaction);
        }
        let length = u32::try_from(payload.len()).unwrap_or(u32::MAX);
        let needed = LENGTH_BYTES.saturating_add(length).saturating_add(1);
        let left = self.half_bytes - self.write_at;
        // The length field after the last frame must stay readable as
        // "erased", or end exactly at the half.
        if needed > left {
            self.full = true;
            return Err(FlashError::NoRoom {
                needed_bytes: needed,
                left_bytes: left,
            });
        }
        let at = self.base() + self.write_at;
        let mut frame = Vec::with_capacity(payload.len() + 4);
        frame.extend_from_slice(&length.to_le_bytes());
        frame.extend_from_slice(payload);
        let written = self
            .flash
            .write(at, &frame)
            .and_then(|()| self.flash.write(at + needed - 1, &[COMMITTED]));
        if let Err(error) = written {
            self.broken = true;
            return Err(FlashError::Flash(error));
        }
        self.write_at += needed;
        self.records += 1;
        Ok(())
    }
}

impl<E: Serialize, F: Flash> JournalSink<E> for FlashJournal<F> {
    type Error = FlashError<F::Error>;

    fn append(&mut self, record: &Record<E>) -> Result<(), Self::Error> {
        // A record is stored without its place in the chain, which is read
        // back from the records before it: one that does not continue
        // them would read back as another record.
        if record.seq != self.chain.next_seq {
            return Err(FlashError::Journal(JournalError::OutOfOrder {
                expected: self.chain.next_seq,
                found: record.seq,
            }));
        }
        if record.prev != self.chain.head {
            return Err(FlashError::Journal(JournalError::BrokenLink {
                seq: record.seq,
            }));
        }
        self.append_payload(&compact::encode_record(record))?;
        self.chain.advance(record);
        Ok(())
    }

    fn wants_compaction(&self) -> bool {
        // Past the configured size only when the records, not the
        // snapshot, put it there: a compaction would free nothing else.
        let tail_bytes = self.write_at.saturating_sub(self.header.records_at());
        !self.blank && self.broken
            || self.full
            || (self.write_at >= self.config.compact_at_bytes
                && tail_bytes >= self.header.snapshot_bytes / 4)
    }

    fn compact(&mut self, snapshot: &[u8]) -> Result<bool, Self::Error> {
        let encoded = compact::encode_snapshot(snapshot).map_err(FlashError::Journal)?;
        JournalSink::<E>::compact_encoded(self, &encoded)
    }

    fn takes_encoded_snapshots(&self) -> bool {
        true
    }

    fn compact_encoded(&mut self, stored: &[u8]) -> Result<bool, Self::Error> {
        // Not a stored value at all: refused here rather than found at the
        // next boot. (Decoding it whole would take the RAM this path saves.)
        if !matches!(
            stored.first(),
            Some(&(compact::STORAGE_VERSION | compact::COMPRESSED_VERSION))
        ) {
            return Err(FlashError::Journal(JournalError::Malformed {
                line: 0,
                message: "a snapshot not in the storage encoding".into(),
            }));
        }
        self.start_half(Some(stored), self.chain)?;
        Ok(true)
    }
}

/// Frames read from a half.
struct Scanned {
    records: Vec<Vec<u8>>,
    /// Where the committed frames end.
    end: u32,
    torn_bytes: Option<u32>,
}

/// The size of each half, checked.
fn layout<F: Flash>(flash: &F) -> Result<u32, FlashError<F::Error>> {
    let capacity = flash.capacity_bytes();
    let block = flash.erase_block_bytes();
    // `2 * block` would overflow for a block of 2 GiB or more.
    if block == 0
        || capacity == 0
        || !capacity.is_multiple_of(2)
        || !(capacity / 2).is_multiple_of(block)
    {
        return Err(FlashError::Layout {
            reason: "the region must be an even number of whole erase blocks",
        });
    }
    if capacity / 2 < 64 {
        return Err(FlashError::Layout {
            reason: "each half must hold at least 64 bytes",
        });
    }
    Ok(capacity / 2)
}

/// Whether a region with no committed header may be formatted: it holds
/// nothing a journal did not leave while it was first formatted. Each
/// half is blank past where a first header ends, or one half holds a cut
/// first header and the other whatever an erase cut short left.
fn formattable<F: Flash>(flash: &mut F, half_bytes: u32) -> Result<bool, FlashError<F::Error>> {
    let mut blank = true;
    let mut cut_first = false;
    for base in [0, half_bytes] {
        blank &= looks_blank(flash, base, half_bytes)?;
        cut_first |= holds_cut_first_header(flash, base, half_bytes)?;
    }
    Ok(blank || cut_first)
}

/// A header as a half holds it, up to its commit byte.
fn header_bytes(generation: u32, start: Chain, snapshot: &[u8]) -> Vec<u8> {
    let snapshot_bytes = u32::try_from(snapshot.len()).unwrap_or(u32::MAX);
    let mut header = Vec::with_capacity(HEADER_FIXED_BYTES as usize + snapshot.len() + 1);
    header.extend_from_slice(&MAGIC);
    header.extend_from_slice(&generation.to_le_bytes());
    header.extend_from_slice(&start.next_seq.to_le_bytes());
    header.extend_from_slice(&start.head.0);
    header.extend_from_slice(&snapshot_bytes.to_le_bytes());
    header.extend_from_slice(snapshot);
    header
}

/// The bytes of the header a blank region is formatted with, its commit
/// byte included.
fn first_header() -> Vec<u8> {
    let mut header = header_bytes(1, Chain::new(), &[]);
    header.push(COMMITTED);
    header
}

/// The bytes a half's first look covers (or the whole half when smaller).
const FIRST_LOOK_BYTES: u32 = 512;

/// Whether the half at `base` holds nothing past where a first header
/// (no snapshot) ends: blank, or cut while that header was written.
fn looks_blank<F: Flash>(
    flash: &mut F,
    base: u32,
    half_bytes: u32,
) -> Result<bool, FlashError<F::Error>> {
    let start = HEADER_FIXED_BYTES + 1;
    let mut bytes = vec![0; (half_bytes.min(FIRST_LOOK_BYTES) - start) as usize];
    flash
        .read(base + start, &mut bytes)
        .map_err(FlashError::Flash)?;
    Ok(bytes.iter().all(|byte| *byte == 0xFF))
}

/// Whether the half at `base` holds a first header cut short and nothing
/// else: the header's first bytes, the byte being programmed when the
/// power went (only bits the header clears cleared), then 0xFF.
fn holds_cut_first_header<F: Flash>(
    flash: &mut F,
    base: u32,
    half_bytes: u32,
) -> Result<bool, FlashError<F::Error>> {
    let first = first_header();
    let mut bytes = vec![0; half_bytes.min(FIRST_LOOK_BYTES) as usize];
    flash.read(base, &mut bytes).map_err(FlashError::Flash)?;
    let written = bytes
        .iter()
        .zip(&first)
        .take_while(|(byte, wanted)| byte == wanted)
        .count();
    // Nothing programmed, or a committed header, is not a cut one.
    if bytes.first() == Some(&0xFF) || written >= first.len() {
        return Ok(false);
    }
    let rest = match bytes.get(written) {
        Some(partial) if partial & first[written] == first[written] => written + 1,
        _ => written,
    };
    Ok(bytes[rest..].iter().all(|byte| *byte == 0xFF))
}

/// Whether every byte of the half at `base` is erased (0xFF).
fn half_is_erased<F: Flash>(
    flash: &mut F,
    base: u32,
    half_bytes: u32,
) -> Result<bool, FlashError<F::Error>> {
    let mut chunk = [0_u8; 256];
    let mut at = 0;
    while at < half_bytes {
        let len = (half_bytes - at).min(256);
        let bytes = &mut chunk[..len as usize];
        flash.read(base + at, bytes).map_err(FlashError::Flash)?;
        if bytes.iter().any(|byte| *byte != 0xFF) {
            return Ok(false);
        }
        at += len;
    }
    Ok(true)
}

/// The committed header of the half at `base`, if it has one.
fn read_header<F: Flash>(
    flash: &mut F,
    base: u32,
    half_bytes: u32,
) -> Result<Option<Header>, FlashError<F::Error>> {
    let mut fixed = [0; HEADER_FIXED_BYTES as usize];
    flash.read(base, &mut fixed).map_err(FlashError::Flash)?;
    if fixed[..4] != MAGIC {
        return Ok(None);
    }
    let word =
        |at: usize| u32::from_le_bytes([fixed[at], fixed[at + 1], fixed[at + 2], fixed[at + 3]]);
    let mut next_seq = [0; 8];
    next_seq.copy_from_slice(&fixed[8..16]);
    let mut head = [0; 32];
    head.copy_from_slice(&fixed[16..48]);
    let header = Header {
        generation: word(4),
        start: Chain {
            next_seq: u64::from_le_bytes(next_seq),
            head: Digest(head),
        },
        snapshot_bytes: word(48),
    };
    let snapshot_bytes = header.snapshot_bytes;
    if snapshot_bytes >= half_bytes - HEADER_FIXED_BYTES {
        return Ok(None);
    }
    let mut commit = [0];
    flash
        .read(base + header.records_at() - 1, &mut commit)
        .map_err(FlashError::Flash)?;
    Ok((commit[0] == COMMITTED).then_some(header))
}

/// Whether generation `a` was written after `b` (wrapping).
const fn newer(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < u32::MAX / 2
}

/// Decodes stored records, each continuing the chain the one before it
/// left: where the chain stands after them too.
fn decode_records<E: DeserializeOwned + Serialize, X>(
    payloads: &[Vec<u8>],
    start: Chain,
) -> Result<(Vec<Record<E>>, Chain), FlashError<X>> {
    let mut chain = start;
    let mut records = Vec::with_capacity(payloads.len());
    for (index, payload) in payloads.iter().enumerate() {
        // A damaged record is named by its place in the half (1-based).
        let record = compact::decode_record(payload, chain).map_err(|error| match error {
            JournalError::Malformed { message, .. } => {
                FlashError::Journal(JournalError::Malformed {
                    line: index + 1,
                    message,
                })
            }
            other => FlashError::Journal(other),
        })?;
        chain.advance(&record);
        records.push(record);
    }
    Ok((records, chain))
}
