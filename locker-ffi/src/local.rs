//! State the library keeps per calling context (the last error, a
//! callback's fault detail): per thread with `std`; without it (bare
//! metal, no threads) one slot, guarded by a flag so that a call from an
//! interrupt that lands inside an update skips it instead of racing it.

#[cfg(feature = "std")]
use core::cell::RefCell;
#[cfg(not(feature = "std"))]
use core::cell::UnsafeCell;
#[cfg(not(feature = "std"))]
use core::sync::atomic::{AtomicBool, Ordering};

/// A `static` of per-context state: `local!(static NAME: T = init;)`.
macro_rules! local {
    ($(#[$meta:meta])* static $name:ident: $ty:ty = $init:expr;) => {
        $(#[$meta])*
        static $name: $crate::local::Local<$ty> = $crate::local::Local::new({
            #[cfg(feature = "std")]
            {
                std::thread_local! {
                    static SLOT: core::cell::RefCell<$ty> = const { core::cell::RefCell::new($init) };
                }
                &SLOT
            }
            #[cfg(not(feature = "std"))]
            {
                $init
            }
        });
    };
}
pub(crate) use local;

/// Per-thread state (with `std`).
#[cfg(feature = "std")]
pub(crate) struct Local<T: 'static> {
    slot: &'static std::thread::LocalKey<RefCell<T>>,
}

#[cfg(feature = "std")]
impl<T: 'static> Local<T> {
    /// Made by `local!`.
    pub(crate) const fn new(slot: &'static std::thread::LocalKey<RefCell<T>>) -> Self {
        Self { slot }
    }

    /// Runs `body` on this thread's value; `None` (and `body` not run)
    /// during thread teardown or from inside another `with` on it.
    pub(crate) fn with<R>(&self, body: impl FnOnce(&mut T) -> R) -> Option<R> {
        self.slot
            .try_with(|slot| slot.try_borrow_mut().ok().map(|mut value| body(&mut value)))
            .ok()
            .flatten()
    }
}

/// The one context's state (bare metal).
#[cfg(not(feature = "std"))]
pub(crate) struct Local<T> {
    busy: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: `value` is only reached inside `with`, which holds `busy`
// (an atomic swap) for the whole access, so no two contexts ever touch it
// at once; `T: Send` because another context (an interrupt) may be the
// one that reaches it.
#[cfg(not(feature = "std"))]
unsafe impl<T: Send> Sync for Local<T> {}

#[cfg(not(feature = "std"))]
impl<T> Local<T> {
    /// Made by `local!`.
    pub(crate) const fn new(value: T) -> Self {
        Self {
            busy: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Runs `body` on the value; `None` (and `body` not run) when another
    /// `with` on it is in progress (an interrupt that landed inside it, or
    /// `body` itself).
    pub(crate) fn with<R>(&self, body: impl FnOnce(&mut T) -> R) -> Option<R> {
        if self.busy.swap(true, Ordering::Acquire) {
            return None;
        }
        // SAFETY: `busy` was false and is now ours (the swap above): no
        // other reference to `value` exists until it is released below.
        let result = body(unsafe { &mut *self.value.get() });
        self.busy.store(false, Ordering::Release);
        Some(result)
    }
}
