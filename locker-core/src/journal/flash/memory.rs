//! A simulated NOR flash for tests and the bindings' simulators.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use super::Flash;

/// A simulated NOR flash in memory: writes only clear bits, erases set
/// them, and the power can be cut after a number of bytes so tests (and
/// the bindings' simulators) can stop a write or an erase at any byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryFlash {
    bytes: Vec<u8>,
    erase_block_bytes: u32,
    /// Bytes (written or erased) left before the power goes.
    power_left_bytes: Option<u64>,
    power_lost: bool,
    /// Bytes written and erased since it was made: the wear.
    written_bytes: u64,
    erased_blocks: u64,
}

/// Why a [`MemoryFlash`] refused an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemoryFlashError {
    /// The power was cut.
    PowerLost,
    /// The range is outside the region or not block-aligned (for erases).
    OutOfRange,
}

impl fmt::Display for MemoryFlashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PowerLost => "power lost",
            Self::OutOfRange => "out of range",
        })
    }
}

impl MemoryFlash {
    /// The most bytes a simulated chip should hold in a binding (64 MiB:
    /// far above a locker's journal region, and an allocation a Python or
    /// WebAssembly process can always make). [`MemoryFlash::new`] itself
    /// allocates whatever it is given.
    pub const MAX_SIMULATED_BYTES: u32 = 64 << 20;

    /// An erased region of `capacity_bytes` in blocks of
    /// `erase_block_bytes`.
    #[must_use]
    pub fn new(capacity_bytes: u32, erase_block_bytes: u32) -> Self {
        Self {
            bytes: vec![0xFF; capacity_bytes as usize],
            erase_block_bytes,
            power_left_bytes: None,
            power_lost: false,
            written_bytes: 0,
            erased_blocks: 0,
        }
    }

    /// Cuts the power once `bytes` more bytes have been written or erased:
    /// the write or erase under way stops there and every later operation
    /// fails until [`MemoryFlash::restore_power`].
    pub const fn cut_power_after(&mut self, bytes: u64) {
        self.power_left_bytes = Some(bytes);
    }

    /// Power back: operations work again (what was written stays).
    pub const fn restore_power(&mut self) {
        self.power_left_bytes = None;
        self.power_lost = false;
    }

    /// True once a cut has happened.
    #[must_use]
    pub const fn power_lost(&self) -> bool {
        self.power_lost
    }

    /// The region's bytes.
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The region's bytes, to tamper with (as an attacker with the chip
    /// would).
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// Bytes written since it was made.
    #[must_use]
    pub const fn written_bytes(&self) -> u64 {
        self.written_bytes
    }

    /// Blocks erased since it was made.
    #[must_use]
    pub const fn erased_blocks(&self) -> u64 {
        self.erased_blocks
    }

    /// How many of `wanted` bytes the power allows, spending them.
    fn spend(&mut self, wanted: usize) -> Result<usize, MemoryFlashError> {
        if self.power_lost {
            return Err(MemoryFlashError::PowerLost);
        }
        let Some(left) = self.power_left_bytes else {
            return Ok(wanted);
        };
        let allowed = usize::try_from(left).unwrap_or(usize::MAX).min(wanted);
        self.power_left_bytes = Some(left - allowed as u64);
        if allowed < wanted {
            self.power_lost = true;
        }
        Ok(allowed)
    }

    fn range(&self, offset: u32, len: usize) -> Result<core::ops::Range<usize>, MemoryFlashError> {
        let start = offset as usize;
        let end = start.checked_add(len).ok_or(MemoryFlashError::OutOfRange)?;
        if end > self.bytes.len() {
            return Err(MemoryFlashError::OutOfRange);
        }
        Ok(start..end)
    }
}

impl Flash for MemoryFlash {
    type Error = MemoryFlashError;

    fn capacity_bytes(&self) -> u32 {
        u32::try_from(self.bytes.len()).unwrap_or(u32::MAX)
    }

    fn erase_block_bytes(&self) -> u32 {
        self.erase_block_bytes
    }

    fn read(&mut self, offset: u32, buf: &mut [u8]) -> Result<(), Self::Error> {
        if self.power_lost {
            return Err(MemoryFlashError::PowerLost);
        }
        let range = self.range(offset, buf.len())?;
        buf.copy_from_slice(&self.bytes[range]);
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        let range = self.range(offset, bytes.len())?;
        let allowed = self.spend(bytes.len())?;
        for (cell, byte) in self.bytes[range].iter_mut().zip(&bytes[..allowed]) {
            *cell &= byte;
        }
        self.written_bytes += allowed as u64;
        if allowed < bytes.len() {
            // The byte being programmed when the power went: some of its
            // bits cleared.
            if let Some(cell) = self.bytes.get_mut(offset as usize + allowed) {
                *cell &= bytes[allowed] | 0xF0;
            }
            return Err(MemoryFlashError::PowerLost);
        }
        Ok(())
    }

    fn erase(&mut self, offset: u32, len: u32) -> Result<(), Self::Error> {
        let block = self.erase_block_bytes;
        if block == 0 || !offset.is_multiple_of(block) || !len.is_multiple_of(block) {
            return Err(MemoryFlashError::OutOfRange);
        }
        let range = self.range(offset, len as usize)?;
        let allowed = self.spend(range.len())?;
        self.bytes[range.start..range.start + allowed].fill(0xFF);
        self.erased_blocks += (allowed as u64).div_ceil(u64::from(block));
        if allowed < range.len() {
            // A block cut mid-erase holds neither its data nor 0xFF.
            if let Some(cell) = self.bytes.get_mut(range.start + allowed) {
                *cell = 0x5A;
            }
            return Err(MemoryFlashError::PowerLost);
        }
        Ok(())
    }
}
