// JavaScript never traps, and every refusal is a LockerError.
//
// Every export of the package and every method, getter and static method
// of every exported class is found by introspecting the module (so a new
// export is covered without editing this file); its parameters' declared
// types come from the package's TypeScript declarations. Each is called
// with wrong values (numbers, strings, objects, arrays, null, undefined,
// BigInt, symbols, functions, typed arrays, freed handles, objects of
// another class) in each argument position, the other arguments valid:
//
// - a value the declared type refuses must throw a LockerError with code
//   "invalid_argument" whose message starts with the parameter's name;
// - a plain object or array where an object or array is declared may be
//   refused for its content with any code, or taken;
// - nothing else is ever thrown: no TypeError, no plain Error from the
//   glue, no RuntimeError (a trap).
//
// Valid arguments come from samples by declared type and parameter name;
// a parameter of a type with no sample yet (a new export's new JSON type)
// gets a plain object instead, the call is still swept, and the test says
// so in a diagnostic.
//
// Every member called on a freed instance (or one the module never made)
// throws a LockerError naming `this`; `free()` twice does nothing. Then
// the module still runs a whole drop-off and pickup.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

import * as pkg from "locker-wasm";

const {
  Bank, CredentialStore, Dimensions, IssuerSigningKey, KeyRing, Locker, LockerError, MemoryFlash, SimulatedHardware,
  defaultBank, doorIds, hasEd25519, journalRecords, signRemoteCommand, signTime,
} = pkg;

const NOW = 1_700_000_000;
const DAY = 86_400;

const require = createRequire(import.meta.url);
const tsPath = fileURLToPath(new URL("../../node_modules/typescript/lib/typescript.js", import.meta.url));
const ts = existsSync(tsPath) ? require(tsPath) : null;
const skip = ts === null && "npm ci first (the declarations are read with typescript)";

// --- What the module exports, found at run time ---------------------------

const isClass = (value) =>
  typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value));

/** Exported classes by name, and exported functions by name. */
const runtimeClasses = new Map(Object.entries(pkg).filter(([, v]) => isClass(v) && v !== LockerError));
const runtimeFunctions = new Map(Object.entries(pkg).filter(([, v]) => typeof v === "function" && !isClass(v)));

/** The static methods of a class (not the glue's own `__wrap`, `__unwrap`). */
const staticNames = (cls) =>
  Object.getOwnPropertyNames(cls).filter((k) =>
    !["length", "name", "prototype"].includes(k) && !k.startsWith("__") && typeof cls[k] === "function");

/** The prototype members of a class: methods and accessors, symbols included. */
const memberKeys = (cls) => Reflect.ownKeys(cls.prototype).filter((k) => k !== "constructor" && k !== "__destroy_into_raw");

// --- The declarations -------------------------------------------------------

function readDeclarations() {
  const dts = fileURLToPath(new URL("locker_wasm.d.ts", import.meta.resolve("locker-wasm")));
  const source = ts.createSourceFile("locker_wasm.d.ts", readFileSync(dts, "utf8"), ts.ScriptTarget.Latest, true);
  const params = (node) => node.parameters.map((p) => ({
    name: p.name.getText(source), optional: p.questionToken !== undefined, type: p.type,
  }));
  const functions = new Map();
  const classes = new Map();
  const aliases = new Map();
  for (const statement of source.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name) {
      functions.set(statement.name.text, params(statement));
    } else if (ts.isTypeAliasDeclaration(statement)) {
      aliases.set(statement.name.text, statement.type);
    } else if (ts.isClassDeclaration(statement) && statement.name) {
      const members = { constructor: null, methods: new Map(), statics: new Map(), properties: new Set() };
      for (const member of statement.members) {
        const modifiers = ts.getModifiers?.(member) ?? member.modifiers ?? [];
        const has = (kind) => modifiers.some((m) => m.kind === kind);
        if (ts.isConstructorDeclaration(member)) {
          if (!has(ts.SyntaxKind.PrivateKeyword)) members.constructor = params(member);
        } else if (ts.isMethodDeclaration(member)) {
          const name = ts.isComputedPropertyName(member.name) ? member.name.expression.getText(source) : member.name.getText(source);
          (has(ts.SyntaxKind.StaticKeyword) ? members.statics : members.methods).set(name, params(member));
        } else if (ts.isPropertyDeclaration(member) || ts.isGetAccessorDeclaration(member)) {
          members.properties.add(member.name.getText(source));
        }
      }
      classes.set(statement.name.text, members);
    }
  }
  return { functions, classes, aliases };
}

// --- Which values a declared type takes -------------------------------------

const live = (value) => typeof value?.__wbg_ptr === "number" && value.__wbg_ptr !== 0;
const isPlainObject = (value) =>
  typeof value === "object" && value !== null && !Array.isArray(value) &&
  [Object.prototype, null].includes(Object.getPrototypeOf(value));
const RANK = { no: 0, maybe: 1, yes: 2 };
const best = (verdicts) => verdicts.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), "no");

/**
 * "yes": the declared type takes the value; "maybe": an object or array of
 * the right kind, which the module may refuse for its content; "no": a
 * wrong type, which the module must refuse as invalid_argument.
 */
function verdict(decls, node, value) {
  const K = ts.SyntaxKind;
  switch (node.kind) {
    case K.UnionType:
      return best(node.types.map((t) => verdict(decls, t, value)));
    case K.ParenthesizedType:
      return verdict(decls, node.type, value);
    case K.NumberKeyword:
      // Every number the package takes is an id, a count or a time.
      return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? "yes" : "no";
    case K.StringKeyword:
      return typeof value === "string" ? "yes" : "no";
    case K.BooleanKeyword:
      return typeof value === "boolean" ? "yes" : "no";
    case K.UndefinedKeyword:
      return value === undefined ? "yes" : "no";
    case K.LiteralType:
      if (node.literal.kind === K.NullKeyword) return value === null ? "yes" : "no";
      return value === node.literal.text ? "yes" : "no";
    case K.ArrayType:
      return elements(decls, node.elementType, value);
    case K.FunctionType:
      // A callback (planBank's onProgress): any function is taken.
      return typeof value === "function" ? "yes" : "no";
    case K.TypeLiteral: {
      // Every field optional (`{ [field: string]: unknown }`): any plain object.
      const open = node.members.every((m) => ts.isIndexSignatureDeclaration(m));
      return isPlainObject(value) ? (open ? "yes" : "maybe") : "no";
    }
    case K.TypeReference: {
      const name = node.typeName.getText();
      const cls = runtimeClasses.get(name);
      if (cls) return value instanceof cls && live(value) ? "yes" : "no";
      if (name === "Uint8Array") return value instanceof Uint8Array ? "yes" : "no";
      if (name === "ArrayLike" || name === "Iterable") return elements(decls, node.typeArguments[0], value);
      const alias = decls.aliases.get(name);
      if (alias) return verdict(decls, alias, value);
      // An interface (the core's JSON shapes, the hardware, options).
      return isPlainObject(value) ? "maybe" : "no";
    }
    default:
      throw new Error(`no rule for the declared type ${node.getText()}`);
  }
}

function elements(decls, elementType, value) {
  const list = Array.isArray(value) ? value : ArrayBuffer.isView(value) && !(value instanceof DataView) ? [...value] : null;
  if (list === null) return "no";
  if (list.length === 0) return "maybe";
  const each = list.map((v) => verdict(decls, elementType, v));
  return each.includes("no") ? "no" : each.includes("maybe") ? "maybe" : "yes";
}

// --- Valid arguments --------------------------------------------------------

/** A bank, a locker over a simulator, keys, a courier and the rest, fresh. */
function world() {
  const bank = defaultBank();
  const door = bank.compartments[0].id;
  const sim = new SimulatedHardware(doorIds(bank), 7, NOW);
  const locker = new Locker({ bank }, sim);
  const keys = locker.keys();
  const session = locker.courierSignIn(1, locker.issueCourierCode(1, 30 * DAY), 1);
  const parcel = { id: 1, size: { width_mm: 300, depth_mm: 200, height_mm: 100 }, weight_g: 900 };
  const request = { parcel, recipient: 12 };
  const tokenRequest = { bank: 0, purpose: "pickup", compartments: [door], recipient: 12, expires_at_s: NOW + DAY };
  const remoteRequest = {
    bank: 0, compartment: door, purpose: "pickup", recipient: 12, not_before_s: NOW, not_after_s: NOW + 60,
  };
  const store = new CredentialStore();
  const issued = store.issueToken(keys, tokenRequest, NOW);
  const grant = store.verifyToken(keys, 0, 1, issued.token, NOW);
  const signer = hasEd25519() ? IssuerSigningKey.generate(1) : undefined;
  const random32 = () => crypto.getRandomValues(new Uint8Array(32));
  const byType = {
    KeyRing: () => keys,
    CourierSession: () => session,
    Dimensions: () => new Dimensions(100, 100, 100),
    IssuerSigningKey: () => signer,
    Hardware: () => new SimulatedHardware(doorIds(bank), 7, NOW),
    // A chip of its own for each call (one locker at a time on a chip).
    MemoryFlash: () => new MemoryFlash(64 * 1024, 4096),
    BankConfigJson: () => bank,
    "BankConfigJson | string": () => bank,
    LockerConfigJson: () => ({ bank }),
    RequestJson: () => request,
    "RequestJson[]": () => [request],
    ParcelJson: () => parcel,
    "ParcelJson[]": () => [parcel],
    Size: () => ({ width_mm: 400, depth_mm: 400, height_mm: 400 }),
    "CredentialPolicyJson | string": () => ({}),
    PinRequestJson: () => ({ recipient: 12, compartments: [door], purpose: "pickup", expires_at_s: NOW + DAY }),
    TokenRequestJson: () => tokenRequest,
    RemoteRequestJson: () => remoteRequest,
    "RemoteCommandJson | string": () => signRemoteCommand(keys, remoteRequest),
    "SignedTimeJson | string": () => signTime(keys, 0, NOW),
    "GrantJson | string": () => grant,
    DelegationRequestJson: () => ({ delegator: 12, scope: "all_parcels", compartments: [], expires_at_s: NOW + DAY }),
    BatchPlanJson: () => new Bank(bank).planBatch([request]),
    BatchStepJson: () => {
      const { considered, ...assignment } = new Bank(bank).planBatch([request]).assignments[0];
      return { ...assignment, needs_accessible: false };
    },
    "BatchOptionsJson | null": () => ({ max_iterations: 100, seed: 1 }),
    "RecordJson[] | string": () => locker.journalText(),
    "IssuerKeyJson[]": () => [],
    CourierRequestJson: () => ({ carrier: 2, valid_from_s: NOW, expires_at_s: NOW + DAY }),
    "SiteKeyJson[]": () => keys.exportSecrets(),
    BuildingJson: () => ({ units: 4, days: 2 }),
    PlanRequestJson: () => ({ max_doors: 12 }),
    "ArrayLike<number> | Iterable<number>": () => doorIds(bank),
    "number | string": () => 0,
    "Purpose | null": () => "pickup",
  };
  const byName = {
    door, kiosk: 1, unit: 12, recipient: 12, carrier: 1, nowS: NOW, timeS: NOW, untilS: NOW + 3600,
    validForS: 3600, byS: 60, seq: 0, seed: 7, keyId: 9, id: keys.ids()[0], deltaS: 1, atLeast: 1, parcel: 1,
    widthMm: 100, depthMm: 100, heightMm: 100, activeCredentials: 200,
    pin: "12345678", code: "12345678", token: issued.token, reason: "inspection", text: "hello",
    operation: "unlock", kind: "door_jammed", uid: Uint8Array.of(0x04, 1, 2, 3, 4, 5, 6),
    entropy: random32(), secret: random32(), buf: new Uint8Array(8), withPin: false, foundParcels: false,
    inService: true, always: false, thisSideUp: false,
    capacityBytes: 8192, eraseBlockBytes: 4096, offset: 0, data: Uint8Array.of(1, 2), bytes: 1,
  };
  const byMember = {
    "KeyRing.fromBytes": { bytes: () => keys.toBytes() },
    "IssuerSigningKey.fromBytes": { bytes: () => signer.toBytes() },
  };
  const receivers = {
    Bank: () => new Bank(bank),
    CourierSession: () => session,
    CredentialStore: () => store,
    Dimensions: () => new Dimensions(100, 100, 100),
    IssuerSigningKey: () => signer,
    KeyRing: () => keys,
    Locker: () => locker,
    MemoryFlash: () => new MemoryFlash(8192, 4096),
    SimulatedHardware: () => sim,
  };
  /**
   * A valid value for parameter `p` of `owner` (e.g. "Locker#deposit"), or
   * `guessed`, `{}`, for a type no sample is known for yet (a new export).
   */
  const sample = (owner, p) => {
    const special = byMember[owner]?.[p.name];
    if (special) return special();
    const text = p.type.getText();
    if (text in byType) return byType[text]();
    const members = ts.isUnionTypeNode(p.type) ? p.type.types.map((m) => m.getText()) : [];
    const member = members.find((m) => m in byType);
    if (member) return byType[member]();
    if (p.name in byName) return byName[p.name];
    if (p.optional) return undefined;
    return guessed;
  };
  return { sample, receivers };
}

/** The stand-in for an argument of a type without a sample: a plain object. */
const guessed = Object.freeze({});

// --- Wrong values -------------------------------------------------------------

const show = (value) => {
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (value instanceof Uint8Array) return `a Uint8Array(${value.length})`;
  if (value !== null && typeof value === "object" && !isPlainObject(value) && !Array.isArray(value)) {
    return `a${live(value) ? "" : " dead"} ${value.constructor.name}`;
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

/** A freed instance of each class, and one the module never made. */
function deadInstances() {
  const out = [];
  for (const [name, cls] of runtimeClasses) {
    out.push(Object.create(cls.prototype));
    const made = freshInstance(name);
    if (made) {
      made.free();
      out.push(made);
    }
  }
  return out;
}

function freshInstance(name) {
  switch (name) {
    case "Bank": return new Bank(defaultBank());
    case "CredentialStore": return new CredentialStore();
    case "Dimensions": return new Dimensions(1, 1, 1);
    case "IssuerSigningKey": return hasEd25519() ? IssuerSigningKey.generate(1) : null;
    case "KeyRing": return new KeyRing();
    case "MemoryFlash": return new MemoryFlash(8192, 4096);
    case "SimulatedHardware": return new SimulatedHardware([1], 1);
    case "Locker": return new Locker(undefined, new SimulatedHardware(doorIds(defaultBank()), 1, NOW));
    case "CourierSession": {
      const locker = new Locker(undefined, new SimulatedHardware(doorIds(defaultBank()), 1, NOW));
      return locker.courierSignIn(1, locker.issueCourierCode(1, 3600));
    }
    default: return null; // a new class: covered by Object.create only
  }
}

const WRONG = [
  42, -1, 1.5, Number.NaN, 2 ** 60, "text", "", {}, [], [1, 2], ["x"], null, undefined, 10n, Symbol("s"),
  () => 1, true, new Uint8Array(3), new Bank(defaultBank()), new KeyRing(), ...deadInstances(),
];

// --- The sweep ----------------------------------------------------------------

/** Runs `call`, returning what it threw (or `undefined`). */
function thrown(call) {
  try {
    call();
  } catch (error) {
    return { error };
  }
  return undefined;
}

/**
 * `name` is the parameter that must be named (a string), or, when another
 * argument is only a stand-in, the parameters any of which may be (an array).
 */
function checkThrown(what, outcome, verdictOf, name) {
  if (outcome === undefined) {
    assert.notEqual(verdictOf, "no", `${what}: a wrong type was taken`);
    return;
  }
  const { error } = outcome;
  assert.ok(!(error instanceof WebAssembly.RuntimeError), `${what}: the module trapped: ${error}`);
  assert.ok(error instanceof LockerError, `${what}: threw ${error?.constructor?.name}: ${error?.message ?? String(error)}`);
  assert.equal(typeof error.code, "string", `${what}: no code`);
  if (verdictOf === "no") {
    assert.equal(error.code, "invalid_argument", `${what}: ${error.code}: ${error.message}`);
    const names = Array.isArray(name) ? name : [name];
    assert.ok(names.some((n) => error.message.startsWith(n)),
      `${what}: the message does not name ${names.join(" or ")}: ${error.message}`);
  }
}

test("every export and method refuses every wrong type as a LockerError naming the argument", { skip, timeout: 300_000 }, (t) => {
  const decls = readDeclarations();
  let calls = 0;
  const failures = [];
  const approximate = new Set();
  const callables = [];
  for (const [name, fn] of runtimeFunctions) {
    const params = decls.functions.get(name);
    assert.ok(params, `export ${name} is not declared in the TypeScript declarations`);
    callables.push({ owner: name, params, call: (w, args) => fn(...args) });
  }
  for (const [className, cls] of runtimeClasses) {
    const declared = decls.classes.get(className);
    assert.ok(declared, `class ${className} is not declared`);
    if (declared.constructor) {
      callables.push({ owner: `new ${className}`, params: declared.constructor, call: (w, args) => new cls(...args) });
    }
    for (const key of staticNames(cls)) {
      const params = declared.statics.get(key);
      assert.ok(params, `${className}.${key} is not declared`);
      callables.push({ owner: `${className}.${key}`, params, call: (w, args) => cls[key](...args) });
    }
    for (const key of memberKeys(cls)) {
      const label = typeof key === "symbol" ? "Symbol.dispose" : key;
      const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, key);
      if (typeof descriptor.value !== "function") {
        assert.ok(declared.properties.has(label), `${className}#${label} is not declared`);
        continue;
      }
      const params = declared.methods.get(label);
      assert.ok(params, `${className}#${label} is not declared`);
      callables.push({
        owner: `${className}#${label}`,
        params,
        call: (w, args) => w.receivers[className]()[key](...args),
      });
    }
  }
  for (const { owner, params, call } of callables) {
    if (params.length === 0) {
      // Nothing to get wrong; it must still not trap or throw anything else.
      const outcome = thrown(() => call(world(), []));
      checkThrown(`${owner}()`, outcome, "yes", "");
      calls++;
      continue;
    }
    for (let position = 0; position < params.length; position++) {
      const w = world();
      const p = params[position];
      for (const value of WRONG) {
        let v = verdict(decls, p.type, value);
        if (p.optional && (value === undefined || value === null)) v = "yes";
        if (v === "yes") continue; // the declared type takes it: not a wrong type
        const args = params.map((q, i) => (i === position ? value : w.sample(owner, q)));
        const what = `${owner}: ${p.name} = ${show(value)}`;
        // With a stand-in elsewhere, the error may name that argument first.
        const standIns = params.filter((q, i) => i !== position && args[i] === guessed).map((q) => q.name);
        if (standIns.length > 0) approximate.add(`${owner} (${standIns.join(", ")})`);
        try {
          checkThrown(what, thrown(() => call(w, args)), v, standIns.length > 0 ? [p.name, ...standIns] : p.name);
        } catch (failure) {
          failures.push(failure.message.split("\n")[0]);
        }
        calls++;
      }
    }
  }
  t.diagnostic(`${callables.length} functions, constructors and methods; ${calls} calls`);
  if (approximate.size > 0) {
    t.diagnostic(`no valid sample yet (a plain object stood in) for: ${[...approximate].join("; ")}`);
  }
  assert.ok(failures.length === 0, `${failures.length} calls went wrong:\n${failures.slice(0, 60).join("\n")}`);
  assert.ok(callables.length >= 120, `only ${callables.length} callables found`);
});

test("every member of a freed instance, or of one the module never made, is a LockerError naming this", { skip }, () => {
  const decls = readDeclarations();
  for (const [className, cls] of runtimeClasses) {
    const declared = decls.classes.get(className);
    const instances = [Object.create(cls.prototype)];
    const made = freshInstance(className);
    if (made) {
      made.free();
      instances.push(made);
    }
    for (const dead of instances) {
      for (const key of memberKeys(cls)) {
        const label = typeof key === "symbol" ? "Symbol.dispose" : key;
        const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, key);
        const what = `${className}#${label} on ${show(dead)}`;
        if (key === "free" || key === Symbol.dispose) {
          assert.equal(dead[key](), undefined, `${what}: free() of a dead object does nothing`);
          continue;
        }
        const params = declared.methods.get(label) ?? [];
        const outcome = thrown(() =>
          typeof descriptor.value === "function" ? dead[key](...params.map(() => 1)) : dead[key]);
        assert.ok(outcome, `${what}: no error`);
        checkThrown(what, outcome, "no", "this");
      }
    }
    // A method borrowed onto another object is refused the same way.
    for (const key of memberKeys(cls)) {
      const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, key);
      const fn = descriptor.value ?? descriptor.get;
      checkThrown(`${className}#${String(key)} on {}`, thrown(() => fn.call({})), "no", "this");
    }
  }
});

test("a hardware callback calling back into its locker is refused, and the locker goes on", () => {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 7, NOW);
  let locker;
  let inner;
  const board = {
    unlock(door) {
      inner = thrown(() => locker.tick());
      sim.unlock(door);
    },
    doorState: (door) => sim.doorState(door),
    nowS: () => sim.nowS(),
    fillRandom: (buf) => sim.fillRandom(buf),
  };
  locker = new Locker({ bank }, board);
  const session = locker.courierSignIn(1, locker.issueCourierCode(1, 3600));
  const drop = locker.deposit(session, {
    parcel: { id: 1, size: { width_mm: 300, depth_mm: 200, height_mm: 100 }, weight_g: 900 }, recipient: 12,
  });
  assert.equal(drop.outcome, "opened");
  checkThrown("tick() inside unlock()", inner, "no", "this");
  locker.tick();
});

test("after every wrong call the module still runs a whole drop-off and pickup", () => {
  const bank = defaultBank();
  const sim = new SimulatedHardware(doorIds(bank), 11, NOW);
  const locker = new Locker({ bank }, sim);
  const session = locker.courierSignIn(2, locker.issueCourierCode(4, 3600), 4);
  const drop = locker.deposit(session, {
    parcel: { id: 77, size: { width_mm: 300, depth_mm: 200, height_mm: 100 }, weight_g: 900 }, recipient: 21,
  });
  assert.equal(drop.outcome, "opened");
  sim.openDoor(drop.compartment);
  sim.putParcel(drop.compartment);
  sim.closeDoor(drop.compartment);
  locker.doorClosed(drop.compartment);
  locker.courierSignOut(session);
  const ready = locker.takeEvents().find((e) => e.type === "parcel_ready");
  assert.deepEqual(ready.parcel_ids, [77]);
  assert.equal(ready.carrier, 4);
  sim.advanceS(60);
  assert.deepEqual([...locker.pickupPin(1, 21, ready.pin)], [drop.compartment]);
  sim.openDoor(drop.compartment);
  sim.takeParcel(drop.compartment);
  sim.closeDoor(drop.compartment);
  locker.doorClosed(drop.compartment);
  assert.ok(locker.takeEvents().some((e) => e.type === "collected"));
  const kinds = journalRecords(locker.journalText(), { keys: locker.keys() }).map((r) => r.entry.type);
  assert.ok(kinds.includes("courier_signed_in") && kinds.includes("courier_signed_out"), kinds.join(" "));
});
