//! Hardware for the [`Locker`](crate::locker::Locker): any JavaScript object
//! with the calls of the core's `Hardware` trait (a kiosk's lock board over
//! WebSerial, a test double: five required, the occupancy sensor, the
//! monotonic counter and the uptime counter optional), and the core's
//! simulated bank, which has the same methods.

use js_sys::{Reflect, Uint8Array};
use locker_core::CompartmentId;
use locker_core::hardware::{
    self as core_hw, DoorState, Hardware, HardwareErrorKind, HardwareFault, Occupancy, Operation,
};
use wasm_bindgen::prelude::*;

use crate::convert::{
    MAX_SAFE_INTEGER, Options, bool_value, exact_f64, given, named, not_an_instance, not_freed,
    text_value, to_js, u32_value, u64_to_js, u64_value,
};
use crate::error::{LockerError, hardware_kind};

#[wasm_bindgen(typescript_custom_section)]
const HARDWARE_TS: &str = r#"
/**
 * The lock board, written in JavaScript: the core's `Hardware` trait.
 * Every call is synchronous. Throw to report a failure; an error whose
 * `code` is a hardware kind ("door_jammed", "unknown_door", "sensor_fault",
 * "bus_timeout", "clock_fault", "entropy_unavailable", "power_lost") is
 * that kind, anything else is "other".
 */
export interface Hardware {
  /** Pulse the latch of one door. */
  unlock(door: number): void;
  /** Read the door sensor. */
  doorState(door: number): "open" | "closed";
  /** Read the occupancy sensor; leave it out when there is none. */
  occupancy?(door: number): "empty" | "occupied" | "unknown";
  /** The time now, in Unix seconds (a whole number). */
  nowS(): number;
  /** Fill `buf` with secure random bytes, e.g. `crypto.getRandomValues(buf)`. */
  fillRandom(buf: Uint8Array): void;
  /**
   * The board's monotonic counter (an RTC backup register, a secure
   * element's counter: a value the journal's storage cannot roll back), a
   * whole number; `null` or `undefined` when there is none. Leave both
   * counter methods out when the board has none. The locker raises it to
   * the number of records after each record, and refuses to restore a
   * journal with fewer records ("rolled_back").
   */
  monotonicCounter?(): number | null | undefined;
  /** Raise the monotonic counter to at least `atLeast` (never lower it). */
  raiseMonotonicCounter?(atLeast: number): void;
  /**
   * Whole seconds the board has run since it started, from a counter
   * whoever sets the real-time clock cannot move (a free-running timer,
   * `performance.now()` in a kiosk that never sleeps); `null` or
   * `undefined` when there is none (leave it out). With it the locker
   * holds back a clock pushed ahead in steps too small to be jumps: the
   * clock may run ahead of the time lived by a minute (regrowing at 1 % of
   * the time lived), and the rest is held back until confirmed.
   */
  uptimeS?(): number | null | undefined;
}
/** Options of a simulated bank. */
export interface SimulatedHardwareOptions {
  /** Give the board a monotonic counter, at 0 (default false). */
  monotonicCounter?: boolean;
  /**
   * Give the board an uptime counter, at 0 (default false): time passing
   * (`advanceS`, `setNowS` forward) moves it, a clock jump (`jumpClockS`)
   * does not.
   */
  uptime?: boolean;
}
/** One hardware call the simulator recorded (the core's `Call` JSON). */
export type HardwareCallJson =
  | "now_s" | "monotonic_counter" | "uptime_s"
  | { unlock: number } | { door_state: number } | { occupancy: number }
  | { fill_random: { len: number } } | { raise_monotonic_counter: { at_least: number } };
"#;

#[wasm_bindgen]
extern "C" {
    /// A JavaScript object implementing the `Hardware` interface.
    #[wasm_bindgen(typescript_type = "Hardware")]
    #[derive(Clone, Debug)]
    pub type HardwareObject;

    #[wasm_bindgen(method, catch)]
    fn unlock(this: &HardwareObject, door: u32) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = doorState)]
    fn door_state(this: &HardwareObject, door: u32) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn occupancy(this: &HardwareObject, door: u32) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = nowS)]
    fn now_s(this: &HardwareObject) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = fillRandom)]
    fn fill_random(this: &HardwareObject, buf: &Uint8Array) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = monotonicCounter)]
    fn monotonic_counter(this: &HardwareObject) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = raiseMonotonicCounter)]
    fn raise_monotonic_counter(
        this: &HardwareObject,
        at_least: JsValue,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = uptimeS)]
    fn uptime_s(this: &HardwareObject) -> Result<JsValue, JsValue>;
}

/// A failed call of a JavaScript hardware object: the kind its thrown
/// value's `code` names, and what the value said.
fn thrown(value: &JsValue) -> HardwareFault {
    let code = Reflect::get(value, &JsValue::from_str("code"))
        .ok()
        .and_then(|code| code.as_string());
    let message = Reflect::get(value, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "the hardware object threw".into());
    let kind = code
        .as_deref()
        .map_or(HardwareErrorKind::Other, hardware_kind);
    HardwareFault::with_detail(kind, message)
}

/// The core's [`Hardware`] over a JavaScript object.
#[derive(Clone, Debug)]
pub struct JsHardware {
    object: HardwareObject,
}

impl JsHardware {
    /// Wraps `object`, checking it has the required methods.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` naming the first missing method.
    pub fn new(object: HardwareObject) -> Result<Self, LockerError> {
        not_freed(&object, "hardware", "SimulatedHardware")?;
        if !object.is_object() {
            return Err(LockerError::invalid_argument(
                "hardware",
                "expected an object with the Hardware methods",
            ));
        }
        for method in ["unlock", "doorState", "nowS", "fillRandom"] {
            if !has_method(&object, method) {
                return Err(LockerError::invalid_argument(
                    "hardware",
                    &format!("has no method {method}()"),
                ));
            }
        }
        // A counter that is read but never raised vouches for nothing.
        let reads = has_method(&object, "monotonicCounter");
        if reads != has_method(&object, "raiseMonotonicCounter") {
            return Err(LockerError::invalid_argument(
                "hardware",
                "has one of monotonicCounter() and raiseMonotonicCounter() but not the other",
            ));
        }
        Ok(Self { object })
    }
}

/// Whether `object` has a method `name` now.
fn has_method(object: &JsValue, name: &str) -> bool {
    Reflect::get(object, &JsValue::from_str(name))
        .unwrap_or_default()
        .is_function()
}

impl Hardware for JsHardware {
    type Error = HardwareFault;

    fn unlock(&mut self, door: CompartmentId) -> Result<(), Self::Error> {
        self.object.unlock(door.0).map(drop).map_err(|e| thrown(&e))
    }

    fn door_state(&mut self, door: CompartmentId) -> Result<DoorState, Self::Error> {
        let answer = self.object.door_state(door.0).map_err(|e| thrown(&e))?;
        match answer.as_string().as_deref() {
            Some("open") => Ok(DoorState::Open),
            Some("closed") => Ok(DoorState::Closed),
            _ => Err(HardwareFault::with_detail(
                HardwareErrorKind::SensorFault,
                "doorState() must return \"open\" or \"closed\"",
            )),
        }
    }

    fn occupancy(&mut self, door: CompartmentId) -> Result<Occupancy, Self::Error> {
        let method =
            Reflect::get(&self.object, &JsValue::from_str("occupancy")).unwrap_or_default();
        if !method.is_function() {
            return Ok(Occupancy::Unknown);
        }
        let answer = self.object.occupancy(door.0).map_err(|e| thrown(&e))?;
        match answer.as_string().as_deref() {
            Some("empty") => Ok(Occupancy::Empty),
            Some("occupied") => Ok(Occupancy::Occupied),
            Some("unknown") => Ok(Occupancy::Unknown),
            _ => Err(HardwareFault::with_detail(
                HardwareErrorKind::SensorFault,
                "occupancy() must return \"empty\", \"occupied\" or \"unknown\"",
            )),
        }
    }

    fn now_s(&mut self) -> Result<u64, Self::Error> {
        let answer = self.object.now_s().map_err(|e| thrown(&e))?;
        answer
            .as_f64()
            .filter(|s| {
                s.is_finite() && *s >= 0.0 && s.fract() == 0.0 && *s <= 9_007_199_254_740_991.0
            })
            .map(|s| {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let whole = s as u64; // checked: whole, ≥ 0, ≤ 2^53 − 1
                whole
            })
            .ok_or_else(|| {
                HardwareFault::with_detail(
                    HardwareErrorKind::ClockFault,
                    "nowS() must return whole Unix seconds",
                )
            })
    }

    fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), Self::Error> {
        let len = u32::try_from(buf.len()).map_err(|_| {
            HardwareFault::with_detail(HardwareErrorKind::EntropyUnavailable, "buffer too large")
        })?;
        let array = Uint8Array::new_with_length(len);
        self.object.fill_random(&array).map_err(|e| thrown(&e))?;
        array.copy_to(buf);
        array.fill(0, 0, len);
        Ok(())
    }

    fn monotonic_counter(&mut self) -> Result<Option<u64>, Self::Error> {
        if !has_method(&self.object, "monotonicCounter") {
            return Ok(None);
        }
        let answer = self.object.monotonic_counter().map_err(|e| thrown(&e))?;
        if answer.is_undefined() || answer.is_null() {
            return Ok(None);
        }
        answer
            .as_f64()
            .filter(|n| n.is_finite() && *n >= 0.0 && n.fract() == 0.0)
            .and_then(|n| crate::convert::whole(n, MAX_SAFE_INTEGER, "counter").ok())
            .map(Some)
            .ok_or_else(|| {
                HardwareFault::with_detail(
                    HardwareErrorKind::SensorFault,
                    "monotonicCounter() must return a whole number, null or undefined",
                )
            })
    }

    fn raise_monotonic_counter(&mut self, at_least: u64) -> Result<(), Self::Error> {
        if !has_method(&self.object, "raiseMonotonicCounter") {
            return Ok(());
        }
        self.object
            .raise_monotonic_counter(u64_to_js(at_least))
            .map(drop)
            .map_err(|e| thrown(&e))
    }

    fn uptime_s(&mut self) -> Result<Option<u64>, Self::Error> {
        if !has_method(&self.object, "uptimeS") {
            return Ok(None);
        }
        let answer = self.object.uptime_s().map_err(|e| thrown(&e))?;
        if answer.is_undefined() || answer.is_null() {
            return Ok(None);
        }
        answer
            .as_f64()
            .filter(|n| n.is_finite() && *n >= 0.0 && n.fract() == 0.0)
            .and_then(|n| crate::convert::whole(n, MAX_SAFE_INTEGER, "uptime").ok())
            .map(Some)
            .ok_or_else(|| {
                HardwareFault::with_detail(
                    HardwareErrorKind::ClockFault,
                    "uptimeS() must return whole seconds, null or undefined",
                )
            })
    }
}

fn door(value: &JsValue) -> Result<CompartmentId, LockerError> {
    u32_value(value, "door").map(CompartmentId)
}

/// The most door ids a simulated bank takes (far above any bank's).
const MAX_DOORS: usize = 100_000;

/// Door ids from an iterable (an array, a `Uint32Array`) or an array-like
/// object, read without letting anything it throws escape.
fn door_list(doors: &JsValue) -> Result<Vec<CompartmentId>, LockerError> {
    let wrong = || LockerError::invalid_argument("doors", "expected an array of door ids");
    if !doors.is_object() {
        return Err(wrong());
    }
    not_an_instance(doors, "doors")?;
    let mut ids = Vec::new();
    let mut push = |id: &JsValue| -> Result<(), LockerError> {
        if ids.len() >= MAX_DOORS {
            return Err(LockerError::invalid_argument(
                "doors",
                &format!("more than {MAX_DOORS} door ids"),
            ));
        }
        ids.push(CompartmentId(u32_value(id, "doors")?));
        Ok(())
    };
    if let Some(iter) = js_sys::try_iter(doors).map_err(|_| wrong())? {
        for id in iter {
            push(&id.map_err(|_| wrong())?)?;
        }
        return Ok(ids);
    }
    let length = Reflect::get(doors, &JsValue::from_str("length")).map_err(|_| wrong())?;
    let length = u32_value(&length, "doors.length")?;
    for index in 0..length {
        push(&Reflect::get_u32(doors, index).map_err(|_| wrong())?)?;
    }
    Ok(ids)
}

fn repeat(always: Option<JsValue>) -> Result<core_hw::sim::Repeat, LockerError> {
    let always = given(always)
        .map(|always| bool_value(&always, "always"))
        .transpose()?;
    Ok(if always.unwrap_or(false) {
        core_hw::sim::Repeat::Always
    } else {
        core_hw::sim::Repeat::Once
    })
}

/// A simulated bank of doors (the core's `SimulatedHardware`): physical
/// rules, a settable clock, deterministic entropy from a seed, a log of
/// calls and fault injection. It implements the `Hardware` interface, so
/// pass it to `new Locker(config, sim)` and keep it to play the people at
/// the locker:
///
/// ```js
/// const sim = new SimulatedHardware(locker.doorIds(), 7, 1_700_000_000);
/// sim.openDoor(3); sim.putParcel(3); sim.closeDoor(3);
/// ```
///
/// Its entropy is reproducible from the seed: never use it for real keys.
#[wasm_bindgen]
#[derive(Debug)]
pub struct SimulatedHardware(core_hw::SimulatedHardware);

#[wasm_bindgen]
impl SimulatedHardware {
    /// A bank with these door ids, all closed, latched and empty; entropy
    /// seeded with `seed`; the clock at `nowS` (default 0); with
    /// `{ monotonicCounter: true }`, a monotonic counter at 0; with
    /// `{ uptime: true }`, an uptime counter at 0.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a bad id, seed, time or option.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ArrayLike<number> | Iterable<number>")]
        doors: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] seed: JsValue,
        #[wasm_bindgen(js_name = nowS, unchecked_optional_param_type = "number")] now_s: Option<
            JsValue,
        >,
        #[wasm_bindgen(unchecked_optional_param_type = "SimulatedHardwareOptions")] options: Option<
            JsValue,
        >,
    ) -> Result<Self, LockerError> {
        let mut counter = false;
        let mut uptime = false;
        if let Some(mut options) = Options::new(&options.unwrap_or(JsValue::UNDEFINED), "options")?
        {
            if let Some(value) = options.get("monotonicCounter")? {
                counter = bool_value(&value, "options.monotonicCounter")?;
            }
            if let Some(value) = options.get("uptime")? {
                uptime = bool_value(&value, "options.uptime")?;
            }
            options.finish()?;
        }
        let ids = door_list(&doors)?;
        let seed = u64_value(&seed, "seed")?;
        let now_s = given(now_s)
            .map(|now_s| u64_value(&now_s, "nowS"))
            .transpose()?
            .unwrap_or(0);
        let mut sim = core_hw::SimulatedHardware::new(ids, seed).with_now_s(now_s);
        if counter {
            sim = sim.with_monotonic_counter();
        }
        if uptime {
            sim = sim.with_uptime();
        }
        Ok(Self(sim))
    }

    /// Hardware call: releases a door's latch.
    ///
    /// # Errors
    ///
    /// The injected fault (`"door_jammed"`, `"power_lost"`, …).
    pub fn unlock(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<(), LockerError> {
        self.0.unlock(door(&door_id)?).map_err(LockerError::from)
    }

    /// Hardware call: `"open"` or `"closed"`.
    ///
    /// # Errors
    ///
    /// The injected fault.
    #[wasm_bindgen(js_name = doorState, unchecked_return_type = "\"open\" | \"closed\"")]
    pub fn door_state(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<String, LockerError> {
        let state = self
            .0
            .door_state(door(&door_id)?)
            .map_err(LockerError::from)?;
        Ok(state.to_string())
    }

    /// Hardware call: `"empty"`, `"occupied"` or `"unknown"`.
    ///
    /// # Errors
    ///
    /// The injected fault.
    #[wasm_bindgen(unchecked_return_type = "\"empty\" | \"occupied\" | \"unknown\"")]
    pub fn occupancy(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<String, LockerError> {
        let occupancy = self
            .0
            .occupancy(door(&door_id)?)
            .map_err(LockerError::from)?;
        Ok(occupancy.to_string())
    }

    /// Hardware call: the simulated clock, in Unix seconds.
    ///
    /// # Errors
    ///
    /// The injected fault.
    #[wasm_bindgen(js_name = nowS)]
    pub fn now_s(&mut self) -> Result<f64, LockerError> {
        let now_s = self.0.now_s().map_err(LockerError::from)?;
        #[allow(clippy::cast_precision_loss)]
        Ok(now_s as f64)
    }

    /// Hardware call: fills `buf` from the seeded (not secure) generator.
    ///
    /// # Errors
    ///
    /// The injected fault.
    ///
    /// `"invalid_argument"` for anything but a `Uint8Array`.
    #[wasm_bindgen(js_name = fillRandom)]
    pub fn fill_random(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] buf: JsValue,
    ) -> Result<(), LockerError> {
        let Some(array) = crate::convert::real_bytes(&buf) else {
            return Err(LockerError::invalid_argument(
                "buf",
                "expected a Uint8Array to fill",
            ));
        };
        let len = usize::try_from(array.length()).unwrap_or(usize::MAX);
        let mut bytes = vec![0_u8; len];
        self.0.fill_random(&mut bytes).map_err(LockerError::from)?;
        if !crate::convert::write_real_bytes(&buf, &bytes) {
            return Err(LockerError::invalid_argument(
                "buf",
                "changed while it was filled",
            ));
        }
        Ok(())
    }

    /// Hardware call: the monotonic counter, or `undefined` when the board
    /// has none (then nothing is recorded, as on a board without one).
    ///
    /// # Errors
    ///
    /// The injected fault.
    #[wasm_bindgen(js_name = monotonicCounter)]
    pub fn monotonic_counter(&mut self) -> Result<Option<f64>, LockerError> {
        let value = self.0.monotonic_counter().map_err(LockerError::from)?;
        Ok(value.and_then(exact_f64))
    }

    /// Hardware call: raises the monotonic counter to at least `atLeast`
    /// (never lowers it; nothing without a counter).
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for anything but a whole number, the injected
    /// fault.
    #[wasm_bindgen(js_name = raiseMonotonicCounter)]
    pub fn raise_monotonic_counter(
        &mut self,
        #[wasm_bindgen(js_name = atLeast, unchecked_param_type = "number")] at_least: JsValue,
    ) -> Result<(), LockerError> {
        let at_least = u64_value(&at_least, "atLeast")?;
        self.0
            .raise_monotonic_counter(at_least)
            .map_err(LockerError::from)
    }

    /// Hardware call: the seconds the board has run (time passing moves
    /// them, `jumpClockS` does not), or `undefined` when the board has no
    /// uptime counter (then nothing is recorded, as on a board without one).
    ///
    /// # Errors
    ///
    /// The injected fault.
    #[wasm_bindgen(js_name = uptimeS)]
    pub fn uptime_s(&mut self) -> Result<Option<f64>, LockerError> {
        let value = self.0.uptime_s().map_err(LockerError::from)?;
        Ok(value.and_then(exact_f64))
    }

    /// The monotonic counter's value without a hardware call; `undefined`
    /// when the board has none.
    #[wasm_bindgen(getter, js_name = monotonicCounterValue)]
    #[must_use]
    pub fn monotonic_counter_value(&self) -> Option<f64> {
        self.0.monotonic_counter_value().and_then(exact_f64)
    }

    /// Sets the clock (not a hardware call). Forward, it is time passing:
    /// an uptime counter moves with it.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a bad time.
    #[wasm_bindgen(js_name = setNowS)]
    pub fn set_now_s(
        &mut self,
        #[wasm_bindgen(js_name = nowS, unchecked_param_type = "number")] now_s: JsValue,
    ) -> Result<(), LockerError> {
        self.0.set_now_s(u64_value(&now_s, "nowS")?);
        Ok(())
    }

    /// Moves the clock forward, as time passing (an uptime counter moves
    /// with it).
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a bad duration, or one that would take the
    /// clock past 2^53 − 1 s, which a JavaScript number cannot hold.
    #[wasm_bindgen(js_name = advanceS)]
    pub fn advance_s(
        &mut self,
        #[wasm_bindgen(js_name = deltaS, unchecked_param_type = "number")] delta_s: JsValue,
    ) -> Result<(), LockerError> {
        let delta_s = u64_value(&delta_s, "deltaS")?;
        if self.0.clock_s().saturating_add(delta_s) > crate::convert::MAX_SAFE_INTEGER {
            return Err(LockerError::invalid_argument(
                "deltaS",
                "takes the clock past 2^53 - 1 s, which a JavaScript number cannot hold",
            ));
        }
        self.0.advance_s(delta_s);
        Ok(())
    }

    /// Makes the clock jump ahead by `deltaS` seconds at the next `nowS()`
    /// read, without time passing: an uptime counter stays where it is (a
    /// real-time clock set ahead). Jumps before a read add up; the clock
    /// then keeps the new time. Not a hardware call; `clearFaults()`
    /// cancels a jump not read yet. (Set the clock back with `setNowS`.)
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a bad duration, or one that would take the
    /// clock past 2^53 − 1 s, which a JavaScript number cannot hold.
    #[wasm_bindgen(js_name = jumpClockS)]
    pub fn jump_clock_s(
        &mut self,
        #[wasm_bindgen(js_name = deltaS, unchecked_param_type = "number")] delta_s: JsValue,
    ) -> Result<(), LockerError> {
        let delta_s = u64_value(&delta_s, "deltaS")?;
        let past = || {
            LockerError::invalid_argument(
                "deltaS",
                "takes the clock past 2^53 - 1 s, which a JavaScript number cannot hold",
            )
        };
        if self.0.clock_s().saturating_add(delta_s) > crate::convert::MAX_SAFE_INTEGER {
            return Err(past());
        }
        self.0
            .jump_clock_s(i64::try_from(delta_s).map_err(|_| past())?);
        Ok(())
    }

    /// The clock, without a hardware call (and without a jump not read
    /// yet).
    #[wasm_bindgen(getter, js_name = clockS)]
    #[must_use]
    pub fn clock_s(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let s = self.0.clock_s() as f64;
        s
    }

    /// A person pulls the door: true if it opened (its latch was released).
    ///
    /// # Errors
    ///
    /// `"unknown_door"`.
    #[wasm_bindgen(js_name = openDoor)]
    pub fn open_door(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<bool, LockerError> {
        self.0.open_door(door(&door_id)?).map_err(LockerError::from)
    }

    /// A person pushes the door shut: true if it closed (and latched).
    ///
    /// # Errors
    ///
    /// `"unknown_door"`.
    #[wasm_bindgen(js_name = closeDoor)]
    pub fn close_door(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<bool, LockerError> {
        self.0
            .close_door(door(&door_id)?)
            .map_err(LockerError::from)
    }

    /// A person puts a parcel in through the open door.
    ///
    /// # Errors
    ///
    /// `"door_closed"`, `"unknown_door"`.
    #[wasm_bindgen(js_name = putParcel)]
    pub fn put_parcel(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<(), LockerError> {
        self.0
            .put_parcel(door(&door_id)?)
            .map_err(LockerError::from)
    }

    /// A person takes a parcel out through the open door.
    ///
    /// # Errors
    ///
    /// `"door_closed"`, `"no_parcel"`, `"unknown_door"`.
    #[wasm_bindgen(js_name = takeParcel)]
    pub fn take_parcel(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<(), LockerError> {
        self.0
            .take_parcel(door(&door_id)?)
            .map_err(LockerError::from)
    }

    /// A person forces a latched door open.
    ///
    /// # Errors
    ///
    /// `"unknown_door"`.
    #[wasm_bindgen(js_name = forceOpen)]
    pub fn force_open(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<(), LockerError> {
        self.0
            .force_open(door(&door_id)?)
            .map_err(LockerError::from)
    }

    /// Whether the door stands open.
    ///
    /// # Errors
    ///
    /// `"unknown_door"`.
    #[wasm_bindgen(js_name = isOpen)]
    pub fn is_open(
        &self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<bool, LockerError> {
        self.0.is_open(door(&door_id)?).map_err(LockerError::from)
    }

    /// How many parcels are physically inside.
    ///
    /// # Errors
    ///
    /// `"unknown_door"`.
    #[wasm_bindgen(js_name = parcelCount)]
    pub fn parcel_count(
        &self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
    ) -> Result<u32, LockerError> {
        self.0
            .parcel_count(door(&door_id)?)
            .map_err(LockerError::from)
    }

    /// The hardware calls made so far, as `{ unlock: 3 }`, `"now_s"`,
    /// `{ fill_random: { len: 32 } }`… (the core's JSON).
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(unchecked_return_type = "HardwareCallJson[]")]
    pub fn calls(&self) -> Result<JsValue, LockerError> {
        to_js(&self.0.calls())
    }

    /// Forgets the recorded calls.
    #[wasm_bindgen(js_name = clearCalls)]
    pub fn clear_calls(&mut self) {
        self.0.clear_calls();
    }

    /// The latch of `door` jams on the next unlock (or every one, with
    /// `always`).
    ///
    /// # Errors
    ///
    /// `"unknown_door"`.
    pub fn jam(
        &mut self,
        #[wasm_bindgen(js_name = door, unchecked_param_type = "number")] door_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "boolean")] always: Option<JsValue>,
    ) -> Result<(), LockerError> {
        let door = door(&door_id)?;
        let repeat = repeat(always)?;
        self.0.jam(door, repeat).map_err(LockerError::from)
    }

    /// Calls of one operation (`"unlock"`, `"door_state"`, `"occupancy"`,
    /// `"now_s"`, `"fill_random"`, `"monotonic_counter"`,
    /// `"raise_monotonic_counter"`, `"uptime_s"`) fail with `kind` (a
    /// hardware code).
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for an unknown operation or kind.
    #[wasm_bindgen(js_name = failCalls)]
    pub fn fail_calls(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] operation: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] kind: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "boolean")] always: Option<JsValue>,
    ) -> Result<(), LockerError> {
        let operation = text_value(&operation, "operation")?;
        let kind = text_value(&kind, "kind")?;
        let (operation, kind) = (operation.as_str(), kind.as_str());
        let operation: Operation = named(operation).ok_or_else(|| {
            LockerError::invalid_argument("operation", &format!("unknown operation {operation:?}"))
        })?;
        let kind: HardwareErrorKind = named(kind).ok_or_else(|| {
            LockerError::invalid_argument("kind", &format!("unknown kind {kind:?}"))
        })?;
        self.0.fail_calls(operation, kind, repeat(always)?);
        Ok(())
    }

    /// Cuts the power.
    #[wasm_bindgen(js_name = cutPower)]
    pub fn cut_power(&mut self) {
        self.0.cut_power();
    }

    /// Restores the power.
    #[wasm_bindgen(js_name = restorePower)]
    pub fn restore_power(&mut self) {
        self.0.restore_power();
    }

    /// Removes every injected fault, and a clock jump not read yet.
    #[wasm_bindgen(js_name = clearFaults)]
    pub fn clear_faults(&mut self) {
        self.0.clear_faults();
    }
}
