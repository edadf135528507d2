//! Checked reads of C arguments and writes of results: NULL, UTF-8 and
//! ownership are handled here once, so the API functions stay plain.

use alloc::boxed::Box;
use alloc::ffi::CString;
use alloc::string::String;
use core::ffi::{CStr, c_char};

use locker_core::CompartmentId;
use zeroize::Zeroize;

use crate::error::Error;
use crate::locker_status;

/// Writes `value` through the out-parameter `out`.
///
/// The caller of the exported function promises (header docs) that a
/// non-NULL `out` is valid for writes and aligned for `T`.
pub(crate) fn write_out<T>(out: *mut T, value: T) -> Result<(), Error> {
    if out.is_null() {
        return Err(locker_status::LOCKER_NULL_POINTER.into());
    }
    // SAFETY: `out` is non-NULL (checked above) and, by the documented
    // contract of every function taking an out-parameter, valid for writes
    // and properly aligned; `write` does not read or drop the old value.
    unsafe { out.write(value) };
    Ok(())
}

/// Fails with `LOCKER_NULL_POINTER` naming `name` when `ptr` is NULL.
pub(crate) fn non_null<T>(ptr: *const T, name: &str) -> Result<(), Error> {
    if ptr.is_null() {
        Err(Error::null(name))
    } else {
        Ok(())
    }
}

/// Borrows the `T` behind a non-NULL `ptr` for the duration of the call.
pub(crate) fn borrow<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Error> {
    non_null(ptr, name)?;
    // SAFETY: non-NULL (checked); by the header contract it points to a
    // valid, aligned `T` that is not mutated during the call.
    Ok(unsafe { &*ptr })
}

/// A struct the caller fills in that starts with its `size_t size`
/// (`locker_hardware`, `locker_restore_options`): how to read its versions.
pub(crate) struct Versions<T: 'static> {
    /// The struct's C name, for the error message.
    pub(crate) type_name: &'static str,
    /// `sizeof` each version of the struct, oldest first, the last this
    /// one's (`size_of::<T>()`): a version adds fields at the end.
    pub(crate) sizes: &'static [usize],
    /// What the fields a smaller, older struct lacks read as (NULL, false).
    pub(crate) missing: T,
}

/// Reads a struct the caller fills in that starts with its `size`: checks
/// `size` against `versions.sizes` before reading anything past it, then
/// copies that many bytes over `versions.missing`, so that a program built
/// against an older header (a smaller struct) keeps working. A size no
/// version has is `LOCKER_STRUCT_SIZE`.
///
/// # Safety
///
/// `T` is `#[repr(C)]` and starts with a `usize`; every size in
/// `versions.sizes` is at most `size_of::<T>()` and ends on a field
/// boundary; and every field takes any value C can write through its
/// declared C type (`size_t`, an object pointer, a nullable function
/// pointer, `bool`).
pub(crate) unsafe fn read_versioned<T: Copy>(
    ptr: *const T,
    name: &str,
    versions: &Versions<T>,
) -> Result<T, Error> {
    non_null(ptr, name)?;
    // SAFETY: non-NULL (checked); by the header contract it points to a
    // struct of at least the size its first field states, so that first
    // field (a size_t, aligned as the struct is: `T` starts with a
    // `usize`, by this function's contract) is readable.
    let size = unsafe { ptr.cast::<usize>().read() };
    let known = versions.sizes.contains(&size) && size <= core::mem::size_of::<T>();
    if !known {
        let type_name = versions.type_name;
        return Err(Error::new(
            locker_status::LOCKER_STRUCT_SIZE,
            format_args!(
                "{name}->size is {size}; this library reads a {type_name} of {:?} bytes \
                 (set size = sizeof({type_name}), and build against this library's locker.h)",
                versions.sizes
            ),
        ));
    }
    let mut copy = versions.missing;
    // SAFETY: `size` is at most `size_of::<T>()` (checked), so the copy
    // stays inside the local `copy`, which does not overlap the caller's
    // struct; by the header contract the caller's struct holds `size`
    // readable bytes, its version's whole fields (this function's
    // contract), each holding a value its declared C type allows, which
    // is a valid value of the Rust field's type.
    unsafe {
        core::ptr::copy_nonoverlapping(ptr.cast::<u8>(), (&raw mut copy).cast::<u8>(), size);
    }
    Ok(copy)
}

/// Borrows a NUL-terminated UTF-8 string argument.
pub(crate) fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Error> {
    non_null(ptr, name)?;
    // SAFETY: non-NULL (checked); by the header contract it is a
    // NUL-terminated string that stays valid and unchanged during the call.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str().map_err(|error| {
        Error::new(
            locker_status::LOCKER_INVALID_UTF8,
            format_args!("{name} is not UTF-8 (byte {})", error.valid_up_to()),
        )
    })
}

/// `json` read as `T`; `status` (`LOCKER_INVALID_ARGUMENT`,
/// `LOCKER_CONFIG_INVALID`, ...) naming `name` when it is not JSON of that
/// shape (an unknown field, a wrong type: serde's message says where).
pub(crate) fn json_arg<T: serde::de::DeserializeOwned>(
    json: &str,
    name: &str,
    status: locker_status,
) -> Result<T, Error> {
    serde_json::from_str(json).map_err(|error| Error::new(status, format_args!("{name}: {error}")))
}

/// Borrows an optional string argument (NULL is `None`).
pub(crate) fn opt_str_arg<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        Ok(None)
    } else {
        str_arg(ptr, name).map(Some)
    }
}

/// Borrows `len` bytes at `ptr` (NULL is allowed when `len` is 0).
pub(crate) fn bytes_arg<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], Error> {
    slice_arg(ptr, len, name)
}

/// Borrows `len` door ids at `ptr` (NULL is allowed when `len` is 0).
pub(crate) fn doors_arg<'a>(ptr: *const u32, len: usize, name: &str) -> Result<&'a [u32], Error> {
    slice_arg(ptr, len, name)
}

/// Borrows an array of `len` values at `ptr` (NULL is allowed when `len` is
/// 0), refusing a pointer misaligned for `T` or a length no array can have.
fn slice_arg<'a, T>(ptr: *const T, len: usize, name: &str) -> Result<&'a [T], Error> {
    if len == 0 {
        return Ok(&[]);
    }
    non_null(ptr, name)?;
    let fits = len
        .checked_mul(core::mem::size_of::<T>())
        .is_some_and(|bytes| isize::try_from(bytes).is_ok());
    if !fits {
        return Err(Error::new(
            locker_status::LOCKER_INVALID_ARGUMENT,
            format_args!("{name}: {len} elements is more than memory holds"),
        ));
    }
    if !ptr.is_aligned() {
        return Err(Error::new(
            locker_status::LOCKER_INVALID_ARGUMENT,
            format_args!("{name} is not aligned for its element type"),
        ));
    }
    // SAFETY: non-NULL, aligned, and `len` elements span at most
    // isize::MAX bytes (all checked); by the header contract valid for
    // reads of `len` elements not mutated during the call.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// A copy of a secret (a PIN, a code) with room for the NUL, so that
/// handing it to C does not reallocate and leave an unwiped copy behind.
pub(crate) fn secret_string(secret: &str) -> String {
    let mut text = String::with_capacity(secret.len() + 1);
    text.push_str(secret);
    text
}

/// Gives `text` to C as a NUL-terminated string freed by
/// `locker_string_free`.
pub(crate) fn write_string(out: *mut *mut c_char, text: String) -> Result<(), Error> {
    non_null(out, "out-parameter")?;
    let text = CString::new(text).map_err(|error| {
        let mut bytes = error.into_vec();
        bytes.zeroize();
        Error::new(
            locker_status::LOCKER_PANIC,
            "a returned string held a NUL byte",
        )
    })?;
    write_out(out, text.into_raw())
}

/// Frees a string the library returned (`out_*` strings of this API),
/// wiping its bytes first: they may hold a PIN or a token. `NULL` is a
/// no-op. Do not call `free()` on such a string, and do not free it twice.
///
/// # Safety
///
/// `string` is NULL or a string this library returned and that was not
/// freed yet.
///
/// Ownership: gives back what the library allocated. Thread safety: any
/// thread, but not while the object is in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn locker_string_free(string: *mut c_char) {
    if string.is_null() {
        return;
    }
    let _ = crate::catch_panic(|| {
        // SAFETY: by the header contract `string` came from this library's
        // `CString::into_raw` (write_string) and was not freed before;
        // ownership comes back here exactly once.
        let text = unsafe { CString::from_raw(string) };
        let mut bytes = text.into_bytes_with_nul();
        bytes.zeroize();
    });
}

/// Where a call that opens doors hands them to C: both out-pointers are
/// checked when it is made, before the call does anything, so a door never
/// unlocks without C being told.
pub(crate) struct OutDoors {
    doors: *mut *mut u32,
    count: *mut usize,
}

impl OutDoors {
    /// Checks the out-pointers `out_doors` and `out_count`.
    pub(crate) fn new(doors: *mut *mut u32, count: *mut usize) -> Result<Self, Error> {
        non_null(doors, "out_doors")?;
        non_null(count, "out_count")?;
        Ok(Self { doors, count })
    }

    /// Gives `opened` to C as an array freed by `locker_doors_free`.
    pub(crate) fn write(self, opened: &[CompartmentId]) -> Result<(), Error> {
        let doors: Box<[u32]> = opened.iter().map(|door| door.0).collect();
        let count = doors.len();
        let ptr = Box::into_raw(doors).cast::<u32>();
        write_out(self.count, count)?;
        write_out(self.doors, ptr)
    }
}

/// Frees an array of door ids the library returned (`out_doors` of the
/// pickup functions), with the `count` it came with. `NULL` is a no-op. Do
/// not call `free()` on it.
///
/// # Safety
///
/// `doors` is NULL or an array this library returned, not freed yet, and
/// `count` is the count it came with.
///
/// Ownership: gives back what the library allocated. Thread safety: any
/// thread, but not while the object is in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn locker_doors_free(doors: *mut u32, count: usize) {
    if doors.is_null() {
        return;
    }
    let _ = crate::catch_panic(|| {
        let slice = core::ptr::slice_from_raw_parts_mut(doors, count);
        // SAFETY: by the header contract `doors` and `count` are what
        // write_doors gave out (a `Box<[u32]>` of that length) and it was
        // not freed before; ownership comes back here exactly once.
        drop(unsafe { Box::from_raw(slice) });
    });
}
