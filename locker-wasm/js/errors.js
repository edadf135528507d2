// The package's error class, and the guard every class of the package
// gets: a method or getter called on an object that is not a live instance
// (freed with `free()`, made with `Object.create`, a method borrowed onto
// another object) throws a `LockerError` before the module is entered, as
// every wrong argument does. Imported by the WebAssembly module (src/error.rs,
// src/convert.rs); build-pkg.sh appends to the generated glue the call that
// hands the classes over and the re-export of `LockerError`.

/**
 * Everything this package throws: `code` is a stable snake_case string to
 * branch on (the core's), `message` is for people; a journal error also
 * carries `seq`, the first bad record.
 */
export class LockerError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
Object.defineProperty(LockerError.prototype, "name", {
  value: "LockerError", writable: true, enumerable: false, configurable: true,
});

/** The package's classes by name, once the glue has handed them over. */
const classes = new Map();

/** A live instance: made by the module and not freed. */
function live(value) {
  try {
    const ptr = value.__wbg_ptr;
    return typeof ptr === "number" && ptr !== 0;
  } catch {
    return false;
  }
}

/** What a value is, for a message. */
function kindOf(value) {
  if (value === null) return "null";
  try {
    if (Array.isArray(value)) return "an array";
    if (typeof value === "object" || typeof value === "function") {
      const name = value.constructor?.name;
      if (typeof name === "string" && name !== "" && name !== "Object" && name !== "Function") {
        return `a ${name}`;
      }
    }
  } catch {
    // A proxy or a getter that throws: say no more than its type.
  }
  return typeof value;
}

function refuse(what, message) {
  return new LockerError("invalid_argument", `${what}: ${message}`);
}

/**
 * The state of `value` as an instance of the class `name`: 2 a live
 * instance, 1 one that was freed (or never was made by the module), 0 not
 * an instance at all.
 */
export function instanceState(value, name) {
  const cls = classes.get(name);
  try {
    if (cls === undefined || value === null || typeof value !== "object" || !(value instanceof cls)) {
      return 0;
    }
  } catch {
    return 0;
  }
  return live(value) ? 2 : 1;
}

/** The name of the package class `value` is an instance of, if any. */
export function packageClass(value) {
  if (value === null || typeof value !== "object") return undefined;
  try {
    for (const [name, cls] of classes) {
      if (value instanceof cls) return name;
    }
  } catch {
    // A proxy whose prototype cannot be read: not one of ours.
  }
  return undefined;
}

/**
 * The classes' internal `__lend` methods by class name, taken off their
 * prototypes by `guardClasses` (never public, never guarded).
 */
const lenders = new Map();

/**
 * As `instanceState(value, "KeyRing")`; for a live ring (2), its `__lend`
 * is called first, which leaves a copy of it (its `Rc`, not its keys)
 * inside the module for the argument check that asked (src/credential.rs,
 * `keys_arg`): one crossing instead of a `clone()` into a new object that
 * is then unwrapped. 0 when lending throws (the ring is in a call of its
 * own), which the module refuses as a wrong argument, as it did a failed
 * copy.
 */
export function lendKeyRing(value) {
  const state = instanceState(value, "KeyRing");
  if (state !== 2) return state;
  try {
    lenders.get("KeyRing").call(value);
  } catch {
    return 0;
  }
  return 2;
}

/**
 * As `lendKeyRing`, for the class `name` (a `MemoryFlash`, which a locker
 * shares with its caller instead of copying: src/flash.rs, `flash_arg`).
 */
export function lendInstance(value, name) {
  const state = instanceState(value, name);
  if (state !== 2) return state;
  try {
    lenders.get(name).call(value);
  } catch {
    return 0;
  }
  return 2;
}

/** A fresh copy (the class's own `clone()`) of a live instance of `name`. */
export function copyOf(value, name) {
  return classes.get(name).prototype.clone.call(value);
}

const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const typedArrayLength = Object.getOwnPropertyDescriptor(typedArrayPrototype, "length").get;
const typedArrayTag = Object.getOwnPropertyDescriptor(typedArrayPrototype, Symbol.toStringTag).get;
const typedArraySet = typedArrayPrototype.set;

/**
 * A fresh copy of `value` when it is a real Uint8Array, else undefined.
 * Read through the built-in getters, so an own `length`, a getter that
 * throws or a Proxy can neither lie to the module nor throw into it (a
 * flash's `read()` answer, a byte argument: src/convert.rs, `real_bytes`).
 */
export function ownBytes(value) {
  try {
    if (typedArrayTag.call(value) !== "Uint8Array") return undefined;
    const copy = new Uint8Array(typedArrayLength.call(value));
    typedArraySet.call(copy, value);
    return copy;
  } catch {
    // A detached buffer, or anything else that is not bytes.
    return undefined;
  }
}

/**
 * Writes `source` into `target` when `target` is a real Uint8Array of the
 * same length, through the built-in `set` (never the target's own
 * members); false otherwise.
 */
export function setBytes(target, source) {
  try {
    if (typedArrayTag.call(target) !== "Uint8Array") return false;
    if (typedArrayLength.call(target) !== source.length) return false;
    typedArraySet.call(target, source);
    return true;
  } catch {
    return false;
  }
}

/** What a value is, for the module's messages. */
export function describe(value) {
  return kindOf(value);
}

/** Objects inside a call of theirs (a hardware callback may call back). */
const busy = new WeakSet();

function guardMember(cls, name, key, fn, isFree) {
  const label = typeof key === "symbol" ? key.toString() : key;
  const guarded = {
    [label](...args) {
      if (!(this instanceof cls)) {
        throw refuse("this", `${name}#${label} called on ${kindOf(this)}, not a ${name}`);
      }
      if (!live(this)) {
        // free() twice does nothing, as C's `_free(NULL)`.
        if (isFree) return undefined;
        throw refuse("this", `the ${name} was freed (free() was called on it) and cannot be used`);
      }
      if (busy.has(this)) {
        throw refuse("this", `the ${name} is in a call already: ${label} was called from inside ` +
          "it (a hardware callback calling back into the locker)");
      }
      busy.add(this);
      try {
        return fn.apply(this, args);
      } finally {
        busy.delete(this);
      }
    },
  }[label];
  Object.defineProperty(guarded, "length", { value: fn.length });
  return guarded;
}

/**
 * Guards every method, getter and setter of each class (an object of
 * classes by name) and keeps the classes for `instanceState` and `copyOf`.
 */
export function guardClasses(map) {
  for (const [name, cls] of Object.entries(map)) {
    classes.set(name, cls);
    const proto = cls.prototype;
    if (typeof proto.__lend === "function") {
      lenders.set(name, proto.__lend);
      delete proto.__lend;
    }
    for (const key of Reflect.ownKeys(proto)) {
      if (key === "constructor" || key === "__destroy_into_raw") continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      const isFree = key === "free" || key === Symbol.dispose;
      if (typeof descriptor.value === "function") {
        descriptor.value = guardMember(cls, name, key, descriptor.value, isFree);
      }
      if (typeof descriptor.get === "function") {
        descriptor.get = guardMember(cls, name, key, descriptor.get, false);
      }
      if (typeof descriptor.set === "function") {
        descriptor.set = guardMember(cls, name, key, descriptor.set, false);
      }
      Object.defineProperty(proto, key, descriptor);
    }
  }
}
