//! Flash for a [`Locker`](crate::locker::Locker) whose journal lives in a
//! region of raw flash (the core's `FlashJournal`): the core's simulated
//! NOR chip ([`MemoryFlash`]), or any JavaScript object with the calls of
//! the core's `Flash` trait (a board's SPI flash driver, a browser's store
//! kept in memory), every answer of which is checked.

use alloc::rc::Rc;
use core::cell::RefCell;
use core::fmt;

use js_sys::{Reflect, Uint8Array};
use locker_core::journal::flash::{self as core_flash, Flash};
use wasm_bindgen::prelude::*;

use crate::convert::{exact_f64, kind_of, not_an_instance, real_bytes, u32_value, u64_value};
use crate::error::LockerError;

#[wasm_bindgen(typescript_custom_section)]
const FLASH_TS: &str = r#"
/**
 * A region of flash written in JavaScript (a board's SPI NOR flash driver,
 * a store kept in memory and saved to IndexedDB, a test's emulation): the
 * core's `Flash` trait. Every call is synchronous: an `async` method, or a
 * Promise returned, is refused (storage that is only asynchronous keeps
 * the region in memory and saves it in the background). Throw to report
 * a failure: the locker then treats the write as not made. The journal
 * writes only bytes it erased before, programming bits from 1 to 0, and
 * erases whole blocks back to 0xFF.
 */
export interface Flash {
  /** Bytes in the region: an even number of erase blocks (read once, when the locker opens it). */
  readonly capacityBytes: number;
  /** Bytes in one erase block (read once, when the locker opens it). */
  readonly eraseBlockBytes: number;
  /** The `length` bytes at `offset`: a Uint8Array of exactly that length (copied at once). */
  read(offset: number, length: number): Uint8Array;
  /**
   * Programs `bytes` (a fresh copy) at `offset`. Once it returns, the bytes
   * must survive a power cut.
   */
  write(offset: number, bytes: Uint8Array): void;
  /** Erases `length` bytes at `offset` (both multiples of the erase block) to 0xFF. */
  erase(offset: number, length: number): void;
}
/** `Locker.openFlash`'s options (all optional). */
export interface FlashOptions {
  /**
   * Compact once a half of the region holds this many bytes (default:
   * three quarters of a half). Leave room for the records of one call and
   * for the next snapshot.
   */
  compactAtBytes?: number;
  /**
   * A head exported before (`Locker#head()`): a journal that ends before
   * it, or holds another record in its place, or another bank's, is
   * refused, and so is a blank region ("rolled_back": a wiped journal).
   */
  expectedHead?: HeadJson;
  /** The bank this board is (a number or a decimal string), as for `Locker.restore`. */
  expectedBank?: number | string;
}
/** Where a locker's journal stands in its flash (the core's `FlashUsage`). */
export interface FlashUsageJson {
  /** Bytes of the region. */
  capacity_bytes: number;
  /** Bytes of each half. */
  half_bytes: number;
  /** Bytes written in the active half: header, snapshot and records. */
  used_bytes: number;
  /**
   * Bytes of the active half's snapshot as stored, in the core's storage
   * encoding (CBOR, LZ4-compressed: about a sixth of its JSON at a full
   * bank); 0 before the first compaction.
   */
  snapshot_bytes: number;
  /** Records in the active half (after its snapshot). */
  records: number;
  /** Compactions since the region was formatted. */
  generation: number;
}
/** What `Locker.openFlash` found in the region (`Locker#flashOpenReport()`). */
export interface FlashOpenReportJson {
  /** True when the locker was restored from the region; false: a new locker. */
  restored: boolean;
  /**
   * True when the region was blank (neither half held a journal): the new
   * locker's first record formatted it. Opening writes nothing else.
   */
  formatted: boolean;
  /**
   * Bytes of the snapshot the records continue, as stored (as
   * `FlashUsageJson.snapshot_bytes`); null before the first compaction.
   */
  snapshot_bytes: number | null;
  /** Records found after the snapshot. */
  records: number;
  /**
   * Bytes of a frame cut short by a power cut and dropped (never
   * acknowledged; the locker compacts before its next record); null when none.
   */
  torn_bytes: number | null;
}
"#;

/// The most bytes a [`MemoryFlash`] holds (the core's bound for bindings).
const MAX_SIMULATED_BYTES: u32 = core_flash::MemoryFlash::MAX_SIMULATED_BYTES;

/// The core's simulated chip, shared by its JavaScript object and the
/// locker whose journal it holds.
type Chip = Rc<RefCell<core_flash::MemoryFlash>>;

/// A simulated NOR flash chip (the core's `MemoryFlash`) for tests, demos
/// and kiosks without a real chip: writes only clear bits, erases set them
/// a block at a time, the power can be cut after any number of bytes, and
/// it counts its wear. Pass it to `Locker.openFlash`; it stays yours, so
/// you can cut the power, look at the bytes or tamper with them while the
/// locker runs. One locker at a time: free the locker (power it off)
/// before opening another on the same chip.
///
/// ```js
/// const chip = new MemoryFlash(64 * 1024, 4096);
/// const locker = Locker.openFlash({ bank }, keys, sim, chip);
/// chip.cutPowerAfter(100);        // the next write stops after 100 bytes
/// ```
#[wasm_bindgen]
#[derive(Debug)]
pub struct MemoryFlash(Chip);

std::thread_local! {
    /// The chip [`MemoryFlash::lend`] hands to [`flash_arg`]: set and taken
    /// within one argument check, empty otherwise.
    static LENT: RefCell<Option<Chip>> = const { RefCell::new(None) };
}

/// A chip borrowed for a call: the only borrows are within one call, and
/// no call runs JavaScript while it holds one, so this never fails in
/// practice; it is an error rather than a trap all the same.
fn busy() -> LockerError {
    LockerError::invalid_argument("this", "the MemoryFlash is in use by a call")
}

#[wasm_bindgen]
impl MemoryFlash {
    /// An erased chip (every byte 0xFF) of `capacityBytes` in erase blocks
    /// of `eraseBlockBytes`. A locker needs an even number of blocks, each
    /// half of at least 64 bytes (`Locker.openFlash` says `flash_layout`
    /// otherwise), and a half large enough for a snapshot of its state.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for anything but whole numbers, or more than
    /// 64 MiB.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = capacityBytes, unchecked_param_type = "number")]
        capacity_bytes: JsValue,
        #[wasm_bindgen(js_name = eraseBlockBytes, unchecked_param_type = "number")]
        erase_block_bytes: JsValue,
    ) -> Result<Self, LockerError> {
        let capacity = u32_value(&capacity_bytes, "capacityBytes")?;
        let block = u32_value(&erase_block_bytes, "eraseBlockBytes")?;
        if capacity > MAX_SIMULATED_BYTES {
            return Err(LockerError::invalid_argument(
                "capacityBytes",
                &format!("{capacity} is more than {MAX_SIMULATED_BYTES} (64 MiB)"),
            ));
        }
        Ok(Self(Rc::new(RefCell::new(core_flash::MemoryFlash::new(
            capacity, block,
        )))))
    }

    /// Leaves a handle on the chip (its `Rc`) where `flash_arg` takes
    /// it. Internal: `js/errors.js` takes this method off the prototype
    /// before the package is used, so no caller sees it.
    #[wasm_bindgen(js_name = __lend, skip_typescript)]
    pub fn lend(&self) {
        LENT.with(|slot| *slot.borrow_mut() = Some(Rc::clone(&self.0)));
    }

    /// A copy of the chip (its own object): the same bytes, power state and
    /// wear, changed apart from here on. For power-cut sweeps: cut the
    /// power on a copy, keep the original.
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(js_name = clone)]
    pub fn copy(&self) -> Result<Self, LockerError> {
        let chip = self.0.try_borrow().map_err(|_| busy())?;
        Ok(Self(Rc::new(RefCell::new(chip.clone()))))
    }

    /// Bytes in the chip.
    #[wasm_bindgen(getter, js_name = capacityBytes)]
    #[must_use]
    pub fn capacity_bytes(&self) -> u32 {
        self.0.try_borrow().map_or(0, |chip| chip.capacity_bytes())
    }

    /// Bytes in one erase block.
    #[wasm_bindgen(getter, js_name = eraseBlockBytes)]
    #[must_use]
    pub fn erase_block_bytes(&self) -> u32 {
        self.0
            .try_borrow()
            .map_or(0, |chip| chip.erase_block_bytes())
    }

    /// Cuts the power once `bytes` more bytes have been written or erased:
    /// the write or erase under way stops there (the byte being programmed
    /// half done, the block being erased holding neither its data nor
    /// 0xFF) and every later read, write and erase fails, until
    /// `restorePower()`.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for anything but a whole number ≥ 0.
    #[wasm_bindgen(js_name = cutPowerAfter)]
    pub fn cut_power_after(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] bytes: JsValue,
    ) -> Result<(), LockerError> {
        let bytes = u64_value(&bytes, "bytes")?;
        self.0
            .try_borrow_mut()
            .map_err(|_| busy())?
            .cut_power_after(bytes);
        Ok(())
    }

    /// Power back (and no cut pending): what was written stays.
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(js_name = restorePower)]
    pub fn restore_power(&self) -> Result<(), LockerError> {
        self.0.try_borrow_mut().map_err(|_| busy())?.restore_power();
        Ok(())
    }

    /// True once a cut has happened (until `restorePower()`).
    #[wasm_bindgen(getter, js_name = powerLost)]
    #[must_use]
    pub fn power_lost(&self) -> bool {
        self.0.try_borrow().is_ok_and(|chip| chip.power_lost())
    }

    /// A copy of the chip's bytes.
    ///
    /// # Errors
    ///
    /// Never in practice.
    pub fn bytes(&self) -> Result<Vec<u8>, LockerError> {
        Ok(self.0.try_borrow().map_err(|_| busy())?.bytes().to_vec())
    }

    /// Tampering, for tests: sets the bytes at `offset` to `data` as they
    /// are (bits set as well as cleared, no power used, no wear counted),
    /// as an attacker with the chip in a programmer would. The locker
    /// finds out when it next opens the chip (a forged snapshot or record
    /// is refused).
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a bad offset, anything but a `Uint8Array`,
    /// or bytes past the end of the chip.
    pub fn overwrite(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] offset: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] data: JsValue,
    ) -> Result<(), LockerError> {
        let offset = u32_value(&offset, "offset")?;
        let data = crate::convert::bytes_value(&data, "data")?;
        let mut chip = self.0.try_borrow_mut().map_err(|_| busy())?;
        let bytes = chip.bytes_mut();
        let start = offset as usize;
        let Some(cells) = start
            .checked_add(data.len())
            .and_then(|end| bytes.get_mut(start..end))
        else {
            return Err(LockerError::invalid_argument(
                "data",
                &format!(
                    "{} bytes at offset {offset} go past the end of the chip ({} bytes)",
                    data.len(),
                    bytes.len()
                ),
            ));
        };
        cells.copy_from_slice(&data);
        Ok(())
    }

    /// Bytes written since the chip was made (its wear, with
    /// `erasedBlocks`).
    #[wasm_bindgen(getter, js_name = writtenBytes)]
    #[must_use]
    pub fn written_bytes(&self) -> f64 {
        let written = self.0.try_borrow().map_or(0, |chip| chip.written_bytes());
        exact_f64(written).unwrap_or(f64::MAX)
    }

    /// Blocks erased since the chip was made.
    #[wasm_bindgen(getter, js_name = erasedBlocks)]
    #[must_use]
    pub fn erased_blocks(&self) -> f64 {
        let erased = self.0.try_borrow().map_or(0, |chip| chip.erased_blocks());
        exact_f64(erased).unwrap_or(f64::MAX)
    }
}

#[wasm_bindgen]
extern "C" {
    /// A JavaScript object implementing the `Flash` interface.
    #[wasm_bindgen(typescript_type = "Flash")]
    #[derive(Clone, Debug)]
    pub type FlashObject;

    #[wasm_bindgen(method, catch)]
    fn read(this: &FlashObject, offset: u32, length: u32) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn write(this: &FlashObject, offset: u32, bytes: &Uint8Array) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn erase(this: &FlashObject, offset: u32, length: u32) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    /// As `lendKeyRing`, for any class with a `__lend` (here
    /// `MemoryFlash`): 2 for a live instance, now in [`LENT`]; 1 for a
    /// freed one; 0 for anything else.
    #[wasm_bindgen(js_name = lendInstance)]
    fn lend_instance(value: &JsValue, class: &str) -> u32;
}

/// The core's `Flash` over a JavaScript object, its sizes read once.
#[derive(Clone, Debug)]
pub struct JsFlash {
    object: FlashObject,
    capacity_bytes: u32,
    erase_block_bytes: u32,
}

/// A property of `object`, refusing a getter that throws.
fn property(object: &JsValue, name: &str) -> Result<JsValue, LockerError> {
    Reflect::get(object, &JsValue::from_str(name))
        .map_err(|_| LockerError::invalid_argument("flash", &format!("cannot read {name}")))
}

impl JsFlash {
    /// Wraps `value`, checking it has the `Flash` members: the sizes as
    /// whole numbers, the three methods as functions that are not `async`.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` naming `flash` and what is missing or wrong.
    fn new(value: &JsValue) -> Result<Self, LockerError> {
        if !value.is_object() || js_sys::Array::is_array(value) {
            return Err(LockerError::invalid_argument(
                "flash",
                &format!(
                    "expected a MemoryFlash or an object with the Flash methods, got {}",
                    kind_of(value)
                ),
            ));
        }
        not_an_instance(value, "flash")?;
        for name in ["read", "write", "erase"] {
            let method = property(value, name)?;
            if !method.is_function() {
                return Err(LockerError::invalid_argument(
                    "flash",
                    &format!("has no method {name}()"),
                ));
            }
            // An async function answers with a Promise, after the call:
            // the journal must know a write is durable when it returns.
            let tag = Reflect::get(&method, &js_sys::Symbol::to_string_tag())
                .ok()
                .and_then(|tag| tag.as_string());
            if tag.is_some_and(|tag| tag.starts_with("Async")) {
                return Err(LockerError::invalid_argument(
                    "flash",
                    &format!(
                        "{name}() is an async function: flash calls must be synchronous \
                         (a Promise is refused)"
                    ),
                ));
            }
        }
        let capacity_bytes = u32_value(&property(value, "capacityBytes")?, "flash.capacityBytes")?;
        let erase_block_bytes = u32_value(
            &property(value, "eraseBlockBytes")?,
            "flash.eraseBlockBytes",
        )?;
        Ok(Self {
            object: value.clone().unchecked_into(),
            capacity_bytes,
            erase_block_bytes,
        })
    }
}

/// What a JavaScript flash call threw, or what was wrong with its answer.
fn thrown(method: &str, value: &JsValue) -> RegionError {
    let text = |name: &str| {
        Reflect::get(value, &JsValue::from_str(name))
            .ok()
            .and_then(|text| text.as_string())
    };
    let message = text("message")
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "threw".into());
    RegionError::Js(match text("code") {
        Some(code) => format!("{method}() threw {code}: {message}"),
        None => format!("{method}() threw: {message}"),
    })
}

/// Whether a flash call answered with a Promise (or any thenable).
fn is_promise(value: &JsValue) -> bool {
    value.is_object()
        && Reflect::get(value, &JsValue::from_str("then")).is_ok_and(|then| then.is_function())
}

/// Checks the answer of `write()` or `erase()`: nothing.
fn nothing(method: &str, answer: &JsValue) -> Result<(), RegionError> {
    if answer.is_undefined() {
        return Ok(());
    }
    Err(RegionError::Js(if is_promise(answer) {
        format!("{method}() returned a Promise: flash calls must be synchronous")
    } else {
        format!(
            "{method}() must return nothing, returned {}",
            kind_of(answer)
        )
    }))
}

impl JsFlash {
    fn read(&self, offset: u32, buf: &mut [u8]) -> Result<(), RegionError> {
        let length = u32::try_from(buf.len())
            .map_err(|_| RegionError::Js("a read longer than 4 GiB".into()))?;
        let answer = self
            .object
            .read(offset, length)
            .map_err(|e| thrown("read", &e))?;
        let copied = real_bytes(&answer);
        match copied {
            Some(bytes) if bytes.length() == length => {
                bytes.copy_to(buf);
                Ok(())
            }
            _ if is_promise(&answer) => Err(RegionError::Js(
                "read() returned a Promise: flash calls must be synchronous".into(),
            )),
            _ => Err(RegionError::Js(format!(
                "read() must return a Uint8Array of {length} bytes, returned {}",
                match copied {
                    Some(bytes) => format!("one of {}", bytes.length()),
                    None => kind_of(&answer),
                }
            ))),
        }
    }

    fn write(&self, offset: u32, bytes: &[u8]) -> Result<(), RegionError> {
        let array = Uint8Array::from(bytes);
        let answer = self
            .object
            .write(offset, &array)
            .map_err(|e| thrown("write", &e))?;
        nothing("write", &answer)
    }

    fn erase(&self, offset: u32, len: u32) -> Result<(), RegionError> {
        let answer = self
            .object
            .erase(offset, len)
            .map_err(|e| thrown("erase", &e))?;
        nothing("erase", &answer)
    }
}

/// Why a region could not be read, written or erased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionError {
    /// The simulated chip refused (its power was cut, a range outside it).
    Simulated(core_flash::MemoryFlashError),
    /// The simulated chip was in use by another call (never in practice).
    Busy,
    /// The JavaScript object threw or answered wrongly.
    Js(String),
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Simulated(error) => write!(f, "MemoryFlash: {error}"),
            Self::Busy => f.write_str("MemoryFlash: in use by another call"),
            Self::Js(message) => f.write_str(message),
        }
    }
}

/// The flash a locker's journal is in: a [`MemoryFlash`] or a JavaScript
/// object. One type, so the core's journal is built once for both.
#[derive(Clone, Debug)]
pub struct Region {
    chip: Source,
}

#[derive(Clone, Debug)]
enum Source {
    Simulated(Chip),
    Js(JsFlash),
}

impl Region {
    fn chip(chip: &Chip) -> Result<core::cell::RefMut<'_, core_flash::MemoryFlash>, RegionError> {
        chip.try_borrow_mut().map_err(|_| RegionError::Busy)
    }
}

impl Flash for Region {
    type Error = RegionError;

    fn capacity_bytes(&self) -> u32 {
        match &self.chip {
            Source::Simulated(chip) => chip.try_borrow().map_or(0, |c| c.capacity_bytes()),
            Source::Js(js) => js.capacity_bytes,
        }
    }

    fn erase_block_bytes(&self) -> u32 {
        match &self.chip {
            Source::Simulated(chip) => chip.try_borrow().map_or(0, |c| c.erase_block_bytes()),
            Source::Js(js) => js.erase_block_bytes,
        }
    }

    fn read(&mut self, offset: u32, buf: &mut [u8]) -> Result<(), Self::Error> {
        match &self.chip {
            Source::Simulated(chip) => Self::chip(chip)?
                .read(offset, buf)
                .map_err(RegionError::Simulated),
            Source::Js(js) => js.read(offset, buf),
        }
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        match &self.chip {
            Source::Simulated(chip) => Self::chip(chip)?
                .write(offset, bytes)
                .map_err(RegionError::Simulated),
            Source::Js(js) => js.write(offset, bytes),
        }
    }

    fn erase(&mut self, offset: u32, len: u32) -> Result<(), Self::Error> {
        match &self.chip {
            Source::Simulated(chip) => Self::chip(chip)?
                .erase(offset, len)
                .map_err(RegionError::Simulated),
            Source::Js(js) => js.erase(offset, len),
        }
    }
}

/// [`lend_instance`]: a live instance, now in [`LENT`].
const LENT_LIVE: u32 = 2;
/// [`lend_instance`]: an instance that was freed (or never made).
const LENT_FREED: u32 = 1;

/// The `flash` argument: a live [`MemoryFlash`] (shared, not copied: the
/// caller keeps cutting its power and reading its bytes) that no other
/// locker holds, or an object with the `Flash` members.
///
/// # Errors
///
/// `"invalid_argument"` naming `flash` for anything else, a freed
/// `MemoryFlash`, or one another live locker holds.
pub(crate) fn flash_arg(value: &JsValue) -> Result<Region, LockerError> {
    let chip = match lend_instance(value, "MemoryFlash") {
        LENT_LIVE => LENT
            .with(|slot| slot.borrow_mut().take())
            .ok_or_else(|| LockerError::invalid_argument("flash", "could not be lent"))?,
        LENT_FREED => {
            return Err(LockerError::invalid_argument(
                "flash",
                "the MemoryFlash was freed (free() was called on it) and cannot be used",
            ));
        }
        _ => {
            return Ok(Region {
                chip: Source::Js(JsFlash::new(value)?),
            });
        }
    };
    // Its JavaScript object holds one handle, the lent copy another: a
    // third is a locker's, and two journals writing one chip would wreck
    // each other's.
    if Rc::strong_count(&chip) > 2 {
        return Err(LockerError::invalid_argument(
            "flash",
            "the MemoryFlash holds the journal of another locker: free() that locker first \
             (a power-off), then open the chip again",
        ));
    }
    Ok(Region {
        chip: Source::Simulated(chip),
    })
}
