// Side-by-side comparisons, in one Node process, of locker-wasm (the built
// package in ../pkg/node) against the JavaScript packages a user would
// otherwise pick:
//
//   credentials  CredentialStore#verifyPin, #verifyToken, verifyTokenOffline
//                vs otplib verifySync (TOTP and HOTP)
//   QR to SVG    qrSvg(token) vs qrcode's toString(token, { type: "svg" })
//   packing      pack(space, parcels) vs binpackingjs 4.x's pack3D (the
//                Packer3D class calls it) and binpackingjs 3.x's BP3D
//                Packer/Bin/Item, on benches/data/mpv-class1-n200-seed1.json
//
//   node compare.mjs           full run: medians, ratios, targets (≈ 30 s)
//   node compare.mjs --quick   sanity only, for CI (a few seconds): right
//                              codes accepted, wrong ones rejected, both QR
//                              encoders give an SVG, every packer places > 0
//                              parcels. No timing targets.
//   node compare.mjs --json    also print the raw results as JSON
//   node compare.mjs --data=F  another packing instance in the same format
//                              ({"bin_mm":[w,h,d],"parcels_mm":[[w,h,d],…]})
//   node compare.mjs --pkg=D   another build of the package's Node
//                              directory (default ../pkg/node)
//
// Exit status: 1 when a sanity check fails (both modes). Unmet timing
// targets are reported, never an error (timings depend on the machine).
import { createHmac, randomBytes as nodeRandomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const JSON_OUT = args.includes("--json");
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
for (const arg of args) {
  if (!["--quick", "--json"].includes(arg) && !/^--(data|pkg)=./.test(arg)) {
    console.error(`unknown argument ${arg}; usage: node compare.mjs [--quick] [--json] [--data=instance.json] [--pkg=dir]`);
    process.exit(2);
  }
}

// The Node build of the package (pkg/node); --pkg=DIR for another build of
// the same API (e.g. an A/B of build flags).
const pkgDir = option("pkg") ? resolve(option("pkg")) : join(here, "..", "pkg", "node");
const pkgEntry = join(pkgDir, "locker_wasm.js");
if (!existsSync(pkgEntry)) {
  console.error(`no built package at ${pkgEntry}: run locker-wasm/build-pkg.sh first`);
  process.exit(2);
}
const dataPath = option("data") ?? join(here, "..", "..", "benches", "data", "mpv-class1-n200-seed1.json");
if (!existsSync(dataPath)) {
  console.error(`no packing instance at ${dataPath}`);
  process.exit(2);
}

const locker = await import(pathToFileURL(pkgEntry).href);
const otplib = await import("otplib");
const QRCode = (await import("qrcode")).default;
const { pack3D } = await import("binpackingjs/3d");
// binpackingjs 3.x, the BP3D Packer/Bin/Item API (CommonJS), installed under
// an alias next to 4.x: same algorithm (a port of Go's bp3d), older code.
const BP3D = (await import("binpackingjs-v3")).default.BP3D;

const NOW = 1_700_000_000; // Unix seconds, fixed: both sides verify "now"
let sink = 0; // results feed this so no call is optimised away

// ---------------------------------------------------------------- timing

const cfg = QUICK
  ? { warmupMs: 5, sampleMs: 1, minSamples: 3, budgetMs: 30, slowSamples: 1 }
  : { warmupMs: 300, sampleMs: 2, minSamples: 51, budgetMs: 4000, slowSamples: 15 };

function nowNs() {
  return process.hrtime.bigint();
}

/** Runs `fn` `n` times; returns the elapsed nanoseconds. */
function timeBatch(fn, n) {
  const start = nowNs();
  for (let i = 0; i < n; i++) fn();
  return Number(nowNs() - start);
}

function quantile(sorted, q) {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Measures a group of cases with interleaved samples (A B C A B C …), so
 * drift (GC, turbo, other processes) hits every case alike. Each case is
 * warmed up, then batched so that one sample lasts about `sampleMs`; a
 * sample's time divided by its batch is one per-call time. Returns, per
 * case, the median and the quartiles of the per-call times in ns.
 */
function measureGroup(cases, { slow = false } = {}) {
  const state = cases.map((c) => {
    // Warm-up: JIT tiers, wasm tier-up (Liftoff → TurboFan), caches.
    const warmEnd = performance.now() + (slow ? Math.min(cfg.warmupMs, 50) : cfg.warmupMs);
    let calls = 0;
    let spent = 0;
    do {
      spent += timeBatch(c.fn, 1);
      calls++;
    } while (performance.now() < warmEnd || calls < (slow ? 2 : 20));
    const perCall = spent / calls;
    const batch = slow ? 1 : Math.max(1, Math.round((cfg.sampleMs * 1e6) / perCall));
    return { ...c, batch, samples: [] };
  });
  const minSamples = slow ? cfg.slowSamples : cfg.minSamples;
  const end = performance.now() + (slow ? 0 : cfg.budgetMs);
  const maxSamples = slow ? minSamples : 2001;
  for (let round = 0; ; round++) {
    for (const s of state) s.samples.push(timeBatch(s.fn, s.batch) / s.batch);
    if (round + 1 >= maxSamples) break;
    if (round + 1 >= minSamples && performance.now() >= end) break;
  }
  const out = {};
  for (const s of state) {
    const sorted = [...s.samples].sort((a, b) => a - b);
    out[s.name] = {
      name: s.name,
      median: quantile(sorted, 0.5),
      q1: quantile(sorted, 0.25),
      q3: quantile(sorted, 0.75),
      samples: sorted.length,
      batch: s.batch,
    };
  }
  return out;
}

function fmtTime(ns) {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

function fmtRatio(r) {
  if (!Number.isFinite(r)) return "–";
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`;
}

function fmtSpread(m) {
  return `${fmtTime(m.q1)}–${fmtTime(m.q3)}`;
}

// ---------------------------------------------------------------- sanity

const failures = [];
function check(ok, what) {
  if (!ok) failures.push(what);
  return ok;
}

function throwsCode(fn, code) {
  try {
    fn();
  } catch (e) {
    return e?.code === code ? true : `threw ${e?.code ?? e}`;
  }
  return "did not throw";
}

// ------------------------------------------------------------ credentials

// locker: one site key, a store with 100 issued PINs (one per unit) and 100
// QR tokens, as a kiosk would hold; the PIN and token under test are among them.
const keys = new locker.KeyRing();
keys.rotate();
const store = new locker.CredentialStore();
let pin;
let token;
for (let unit = 1; unit <= 100; unit++) {
  const issued = store.issuePin(keys, { recipient: unit, compartments: [unit], purpose: "pickup", expires_at_s: NOW + 86_400 }, NOW);
  const issuedToken = store.issueToken(keys, { purpose: "pickup", compartments: [unit], recipient: unit, expires_at_s: NOW + 86_400 }, NOW);
  if (unit === 42) {
    pin = issued.pin;
    token = issuedToken.token;
  }
}
const wrongPin = pin.slice(0, -1) + String((Number(pin.at(-1)) + 1) % 10);
// A token with one character of its tag changed: right format, wrong MAC.
const flip = (ch) => (ch === "A" ? "B" : "A");
const wrongToken = token.slice(0, -3) + flip(token.at(-3)) + token.slice(-2);
const CHECK_AT = NOW + 60;

// otplib: a 20-byte (160-bit) Base32 secret, the RFC 4226/6238 default and
// what authenticator apps use; 6 digits, 30 s period, SHA-1, no window.
const otpSecret = otplib.generateSecret();
const otpSecretBytes = new otplib.ScureBase32Plugin().decode(otpSecret);
const otpCode = otplib.generateSync({ secret: otpSecret, epoch: CHECK_AT });
const otpWrong = String((Number(otpCode) + 1) % 1_000_000).padStart(6, "0");
const hotpCounter = 1234;
const hotpCode = otplib.generateSync({ secret: otpSecret, strategy: "hotp", counter: hotpCounter });
const hotpWrong = String((Number(hotpCode) + 1) % 1_000_000).padStart(6, "0");

// otplib with an HMAC from node:crypto (OpenSSL) instead of its default
// pure-JS @noble/hashes: what a Node user who cares about speed would plug in.
const nodeCrypto = Object.freeze({
  name: "node-crypto",
  algorithms: Object.freeze(["sha1", "sha256", "sha512"]),
  hmac(algorithm, key, data) {
    return new Uint8Array(createHmac(algorithm, key).update(data).digest());
  },
  randomBytes(n) {
    return new Uint8Array(nodeRandomBytes(n));
  },
  constantTimeEqual(a, b) {
    const x = typeof a === "string" ? Buffer.from(a) : Buffer.from(a);
    const y = typeof b === "string" ? Buffer.from(b) : Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  },
});

const cred = {
  "locker verifyPin": () => {
    const grant = store.verifyPin(keys, 1, 42, pin, CHECK_AT, "pickup");
    sink += grant.compartments[0];
  },
  "locker verifyToken": () => {
    const grant = store.verifyToken(keys, 0, 1, token, CHECK_AT, "pickup");
    sink += grant.compartments[0];
  },
  "locker verifyTokenOffline": () => {
    sink += locker.verifyTokenOffline(keys, [], 0, token, CHECK_AT).compartments[0];
  },
  "otplib TOTP verifySync": () => {
    sink += otplib.verifySync({ secret: otpSecret, token: otpCode, epoch: CHECK_AT }).valid ? 1 : 0;
  },
  "otplib TOTP verifySync, secret as bytes": () => {
    sink += otplib.verifySync({ secret: otpSecretBytes, token: otpCode, epoch: CHECK_AT }).valid ? 1 : 0;
  },
  "otplib HOTP verifySync": () => {
    sink += otplib.verifySync({ secret: otpSecret, token: hotpCode, strategy: "hotp", counter: hotpCounter }).valid ? 1 : 0;
  },
  "otplib TOTP verifySync + node:crypto": () => {
    sink += otplib.verifySync({ secret: otpSecret, token: otpCode, epoch: CHECK_AT, crypto: nodeCrypto }).valid ? 1 : 0;
  },
};
const credReject = {
  "locker verifyPin (wrong PIN)": () => {
    try {
      store.verifyPin(keys, 1, 42, wrongPin, CHECK_AT, "pickup");
    } catch (e) {
      sink += e.code.length;
    }
  },
  "locker verifyToken (bad tag)": () => {
    try {
      store.verifyToken(keys, 0, 1, wrongToken, CHECK_AT, "pickup");
    } catch (e) {
      sink += e.code.length;
    }
  },
  "otplib TOTP verifySync (wrong code)": () => {
    sink += otplib.verifySync({ secret: otpSecret, token: otpWrong, epoch: CHECK_AT }).valid ? 1 : 0;
  },
};

function credentialSanity() {
  const grant = store.verifyPin(keys, 1, 42, pin, CHECK_AT, "pickup");
  check(grant.compartments[0] === 42, "locker verifyPin accepts the right PIN");
  check(throwsCode(() => store.verifyPin(keys, 1, 42, wrongPin, CHECK_AT, "pickup"), "rejected") === true, "locker verifyPin rejects a wrong PIN");
  const tg = store.verifyToken(keys, 0, 1, token, CHECK_AT, "pickup");
  check(tg.compartments[0] === 42, "locker verifyToken accepts the right token");
  check(throwsCode(() => store.verifyToken(keys, 0, 1, wrongToken, CHECK_AT, "pickup"), "rejected") === true, "locker verifyToken rejects a token with a wrong tag");
  check(locker.verifyTokenOffline(keys, [], 0, token, CHECK_AT).compartments[0] === 42, "locker verifyTokenOffline accepts the right token");
  check(throwsCode(() => locker.verifyTokenOffline(keys, [], 0, wrongToken, CHECK_AT), "rejected") === true, "locker verifyTokenOffline rejects a token with a wrong tag");
  check(otplib.verifySync({ secret: otpSecret, token: otpCode, epoch: CHECK_AT }).valid === true, "otplib TOTP accepts the right code");
  check(otplib.verifySync({ secret: otpSecret, token: otpWrong, epoch: CHECK_AT }).valid === false, "otplib TOTP rejects a wrong code");
  check(otplib.verifySync({ secret: otpSecretBytes, token: otpCode, epoch: CHECK_AT }).valid === true, "otplib TOTP accepts the right code (secret as bytes)");
  check(otplib.verifySync({ secret: otpSecretBytes, token: otpWrong, epoch: CHECK_AT }).valid === false, "otplib TOTP rejects a wrong code (secret as bytes)");
  check(otplib.verifySync({ secret: otpSecret, token: hotpCode, strategy: "hotp", counter: hotpCounter }).valid === true, "otplib HOTP accepts the right code");
  check(otplib.verifySync({ secret: otpSecret, token: hotpWrong, strategy: "hotp", counter: hotpCounter }).valid === false, "otplib HOTP rejects a wrong code");
  check(otplib.verifySync({ secret: otpSecret, token: otpCode, epoch: CHECK_AT, crypto: nodeCrypto }).valid === true, "otplib + node:crypto accepts the right code");
  check(otplib.verifySync({ secret: otpSecret, token: otpWrong, epoch: CHECK_AT, crypto: nodeCrypto }).valid === false, "otplib + node:crypto rejects a wrong code");
}

// -------------------------------------------------------------------- QR

const qrLevel = { locker: "medium", qrcode: "M" };
function qrcodeSvg(text) {
  let out;
  // With a callback, qrcode renders synchronously (no Promise).
  QRCode.toString(text, { type: "svg", errorCorrectionLevel: qrLevel.qrcode }, (err, svg) => {
    if (err) throw err;
    out = svg;
  });
  return out;
}
const qrCases = {
  "locker qrSvg": () => {
    sink += locker.qrSvg(token, { error_correction: qrLevel.locker }).length;
  },
  "qrcode toString svg": () => {
    sink += qrcodeSvg(token).length;
  },
};
function qrFacts() {
  const a = locker.qrSvg(token, { error_correction: qrLevel.locker });
  const b = qrcodeSvg(token);
  const created = QRCode.create(token, { errorCorrectionLevel: qrLevel.qrcode });
  const lockerBox = /viewBox="0 0 (\d+) (\d+)"/.exec(a);
  const qrcodeBox = /viewBox="0 0 (\d+) (\d+)"/.exec(b);
  return {
    lockerBytes: Buffer.byteLength(a),
    qrcodeBytes: Buffer.byteLength(b),
    lockerModules: lockerBox ? Number(lockerBox[1]) : null,
    qrcodeModules: qrcodeBox ? Number(qrcodeBox[1]) : null,
    qrcodeVersion: created.version,
    qrcodeSegments: created.segments.map((s) => s.mode.id).join("+"),
    lockerSvg: a,
    qrcodeSvg: b,
  };
}
function qrSanity(f) {
  check(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/.test(f.lockerSvg), "locker qrSvg gives an SVG");
  check(f.qrcodeSvg.includes("<svg") && f.qrcodeSvg.includes("</svg>"), "qrcode gives an SVG");
}

// --------------------------------------------------------------- packing

const instance = JSON.parse(readFileSync(dataPath, "utf8"));
const [bw, bh, bd] = instance.bin_mm;
// The same mapping on both sides, and as benches/data/README.md gives it:
// every triple [w, h, d] is width, height, depth. Every parcel may be
// turned any of the 6 ways on both sides (this_side_up false; binpackingjs
// allowedRotations defaults to all six), so the mapping only sets the
// starting orientation. Weights play no part: 1 kg each on both sides,
// binpackingjs bins with maxWeight Infinity, locker's pack has no weight limit.
const space = { width_mm: bw, depth_mm: bd, height_mm: bh };
const lockerParcels = instance.parcels_mm.map(([w, h, d], i) => ({
  id: i + 1,
  size: { width_mm: w, depth_mm: d, height_mm: h },
  weight_g: 1000,
}));
const bpItems = instance.parcels_mm.map(([w, h, d], i) => ({
  name: String(i + 1),
  width: w,
  height: h,
  depth: d,
  weight: 1000,
}));
const bpBin = (i) => ({ name: `bin${i}`, width: bw, height: bh, depth: bd, maxWeight: Infinity });

/** locker: one container. */
function lockerPackOne() {
  const r = locker.pack(space, lockerParcels);
  return r.packing.placements.length;
}
/**
 * locker: every parcel, in as few containers as `packBins` manages (one
 * call); returns how many it placed and the containers used.
 */
function lockerPackAll() {
  const bins = locker.packBins(space, lockerParcels);
  let placed = 0;
  for (const b of bins) placed += b.placements.length;
  return { placed, bins: bins.length };
}
function bpPack(k) {
  const bins = Array.from({ length: k }, (_, i) => bpBin(i));
  const r = pack3D({ bins, items: bpItems });
  let placed = 0;
  for (const b of r.packedBins) placed += b.items.length;
  return placed;
}
/**
 * binpackingjs 3.x: Bin and Item objects are mutable (a bin keeps what was
 * packed in it), so each run builds its own. It scales every number by
 * 10^5 internally (its `factoredInteger`), so sizes go in as millimetres.
 */
function bp3Pack(k) {
  const packer = new BP3D.Packer();
  const bins = [];
  for (let i = 0; i < k; i++) {
    const bin = new BP3D.Bin(`bin${i}`, bw, bh, bd, 1e9);
    bins.push(bin);
    packer.addBin(bin);
  }
  for (const it of bpItems) packer.addItem(new BP3D.Item(it.name, it.width, it.height, it.depth, it.weight));
  packer.pack();
  let placed = 0;
  for (const b of bins) placed += b.items.length;
  return placed;
}

// ------------------------------------------------------------ environment

function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(join(here, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
}
const wasmPath = join(pkgDir, "locker_wasm_bg.wasm");
const env = {
  node: process.version,
  v8: process.versions.v8,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  cpu: os.cpus()[0]?.model ?? "?",
  cpus: os.cpus().length,
  memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
  load: os.loadavg().map((l) => l.toFixed(2)).join(" "),
  lockerWasm: locker.version(),
  wasmBytes: statSync(wasmPath).size,
  otplib: pkgVersion("otplib"),
  qrcode: pkgVersion("qrcode"),
  binpackingjs: pkgVersion("binpackingjs"),
  binpackingjs3: pkgVersion("binpackingjs-v3"),
};

// ------------------------------------------------------------------ run

const t0 = performance.now();
credentialSanity();
const qf = qrFacts();
qrSanity(qf);
const lb = locker.lowerBound(space, lockerParcels);
const placedOne = { locker: lockerPackOne(), bp: bpPack(1), bp3: bp3Pack(1) };
// The other packers get as many containers as locker's packBins used.
const lockerAll = lockerPackAll();
const kBins = lockerAll.bins;
const placedK = { locker: lockerAll.placed, bp: bpPack(kBins), bp3: bp3Pack(kBins) };
check(placedOne.locker > 0, "locker pack places > 0 parcels in one container");
check(placedOne.bp > 0, "binpackingjs 4.x places > 0 parcels in one container");
check(placedOne.bp3 > 0, "binpackingjs 3.x places > 0 parcels in one container");
check(placedK.locker > 0 && placedK.bp > 0 && placedK.bp3 > 0, `all packers place > 0 parcels in ${kBins} containers`);

const lines = [];
const say = (s = "") => lines.push(s);

say(`## locker-wasm vs JavaScript packages${QUICK ? " (--quick: sanity only, timings not meaningful)" : ""}`);
say();
say(`Node ${env.node} (V8 ${env.v8}), ${env.platform}; CPU: ${env.cpu} × ${env.cpus}, ${env.memoryGiB} GiB RAM; load average at start ${env.load}.`);
say(`locker-wasm ${env.lockerWasm} (.wasm ${env.wasmBytes.toLocaleString("en")} B), otplib ${env.otplib}, qrcode ${env.qrcode}, binpackingjs ${env.binpackingjs} and ${env.binpackingjs3}.`);
say(`Median of per-call times over interleaved samples (${QUICK ? "quick" : `≥ ${cfg.minSamples} samples of ≈ ${cfg.sampleMs} ms each for fast calls, ${cfg.slowSamples} single calls for packing`}), after warm-up. Ratio = other ÷ locker (> 1: locker faster).`);
say();

let results = {};
const targets = [];
{
  // In --quick the same code runs with tiny budgets: it checks that every
  // case runs, not how fast.
  const c = measureGroup(Object.entries(cred).map(([name, fn]) => ({ name, fn })));
  const r = measureGroup(Object.entries(credReject).map(([name, fn]) => ({ name, fn })));
  const q = measureGroup(Object.entries(qrCases).map(([name, fn]) => ({ name, fn })));
  const p1 = measureGroup(
    [
      { name: "locker pack, 1 container", fn: () => { sink += lockerPackOne(); } },
      { name: "binpackingjs pack3D, 1 bin", fn: () => { sink += bpPack(1); } },
      { name: "binpackingjs 3 BP3D, 1 bin", fn: () => { sink += bp3Pack(1); } },
    ],
    { slow: true },
  );
  const pk = measureGroup(
    [
      { name: `locker packBins (${kBins} containers)`, fn: () => { sink += lockerPackAll().placed; } },
      { name: `binpackingjs pack3D, ${kBins} bins`, fn: () => { sink += bpPack(kBins); } },
      { name: `binpackingjs 3 BP3D, ${kBins} bins`, fn: () => { sink += bp3Pack(kBins); } },
    ],
    { slow: true },
  );
  results = { cred: c, reject: r, qr: q, pack1: p1, packK: pk };

  const base = c["otplib TOTP verifySync"].median;
  say("### Credential verification (accepting the right code)");
  say();
  say("| operation | median per call | IQR | calls/s | otplib TOTP verifySync ÷ this |");
  say("| --- | ---: | ---: | ---: | ---: |");
  for (const m of Object.values(c)) {
    say(`| ${m.name} | ${fmtTime(m.median)} | ${fmtSpread(m)} | ${Math.round(1e9 / m.median).toLocaleString("en")} | ${fmtRatio(base / m.median)} |`);
  }
  say();
  say("### Credential verification (refusing a wrong code)");
  say();
  const rbase = r["otplib TOTP verifySync (wrong code)"].median;
  say("| operation | median per call | IQR | calls/s | otplib TOTP (wrong code) ÷ this |");
  say("| --- | ---: | ---: | ---: | ---: |");
  for (const m of Object.values(r)) {
    say(`| ${m.name} | ${fmtTime(m.median)} | ${fmtSpread(m)} | ${Math.round(1e9 / m.median).toLocaleString("en")} | ${fmtRatio(rbase / m.median)} |`);
  }
  say();
  say(`### QR code to SVG (token of ${token.length} characters, level M, 4-module quiet zone on both)`);
  say();
  const ql = q["locker qrSvg"];
  const qq = q["qrcode toString svg"];
  say("| operation | median per call | IQR | output | symbol | qrcode ÷ locker |");
  say("| --- | ---: | ---: | ---: | ---: | ---: |");
  say(`| locker qrSvg | ${fmtTime(ql.median)} | ${fmtSpread(ql)} | ${qf.lockerBytes} B | ${qf.lockerModules ? `${qf.lockerModules}×${qf.lockerModules} (viewBox)` : "?"} | ${fmtRatio(qq.median / ql.median)} |`);
  say(`| qrcode toString svg | ${fmtTime(qq.median)} | ${fmtSpread(qq)} | ${qf.qrcodeBytes} B | ${qf.qrcodeModules}×${qf.qrcodeModules} incl. margin, version ${qf.qrcodeVersion}, ${qf.qrcodeSegments} | 1× |`);
  say();
  say(`### Packing: ${instance.parcels_mm.length} parcels, container ${bw}×${bh}×${bd} mm (class ${instance.class}, seed ${instance.seed}); lower bound ${lb} containers`);
  say();
  say(`| setup | locker | binpackingjs ${env.binpackingjs} | ÷ locker | binpackingjs ${env.binpackingjs3} (BP3D) | ÷ locker | placed: locker / ${env.binpackingjs} / ${env.binpackingjs3} |`);
  say("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  const [l1, b1, c1] = Object.values(p1);
  const [lk, bk, ck] = Object.values(pk);
  say(`| 1 container | ${fmtTime(l1.median)} | ${fmtTime(b1.median)} | ${fmtRatio(b1.median / l1.median)} | ${fmtTime(c1.median)} | ${fmtRatio(c1.median / l1.median)} | ${placedOne.locker} / ${placedOne.bp} / ${placedOne.bp3} |`);
  say(`| ${kBins} containers (locker: one packBins call for all parcels; lower bound ${lb}) | ${fmtTime(lk.median)} | ${fmtTime(bk.median)} | ${fmtRatio(bk.median / lk.median)} | ${fmtTime(ck.median)} | ${fmtRatio(ck.median / lk.median)} | ${placedK.locker} / ${placedK.bp} / ${placedK.bp3} |`);
  say();

  // Targets.
  const credOps = ["locker verifyPin", "locker verifyToken", "locker verifyTokenOffline"];
  for (const name of credOps) {
    const ratio = base / c[name].median;
    targets.push({ what: `${name} ≥ 10× otplib TOTP verifySync`, met: ratio >= 10, detail: fmtRatio(ratio) });
  }
  for (const [label, l, b, c, pl] of [
    ["1 container", l1, b1, c1, placedOne],
    [`${kBins} containers`, lk, bk, ck, placedK],
  ]) {
    for (const [version, other, placed] of [
      [env.binpackingjs, b, pl.bp],
      [env.binpackingjs3, c, pl.bp3],
    ]) {
      const ratio = other.median / l.median;
      targets.push({
        what: `pack, ${label}: ≥ 100× binpackingjs ${version} and more parcels placed`,
        met: ratio >= 100 && pl.locker > placed,
        detail: `${fmtRatio(ratio)}, ${pl.locker} vs ${placed} placed`,
      });
    }
  }
}

// ------------------------------------------------- mixed compartments
// Parcels into compartments of six kinds (InPost A, B, C and three others)
// at 99.9 % of their volume, most parcels placed: locker's packInto
// against binpackingjs with the same bins (each packs bins in order).
{
  const [doors, n] = QUICK ? [10, 50] : [40, 200];
  let state = 1;
  const rand = () => {
    // mulberry32: a small seeded generator, the same on every run.
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const between = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const kinds = [[380, 640, 80], [380, 640, 190], [380, 640, 410], [300, 400, 300], [450, 600, 500], [250, 350, 150]];
  const mixedBins = Array.from({ length: doors }, () => kinds[between(0, kinds.length - 1)]);
  const raw = Array.from({ length: n }, () => [between(40, 600), between(40, 400), between(30, 300)]);
  const vol = (s) => s[0] * s[1] * s[2];
  const scale = Math.cbrt((0.999 * mixedBins.reduce((a, b) => a + vol(b), 0)) / raw.reduce((a, b) => a + vol(b), 0));
  const sizes = raw.map((r) => {
    const [short, middle, long] = r.map((x) => Math.max(10, Math.round(x * scale))).sort((a, b) => a - b);
    return [Math.min(long, 640), Math.min(middle, 410), Math.min(short, 380)];
  });
  const compartments = mixedBins.map(([w, d, h], j) => ({ id: j + 1, space: { width_mm: w, depth_mm: d, height_mm: h } }));
  const mixedParcels = sizes.map(([w, d, h], i) => ({ id: i + 1, size: { width_mm: w, depth_mm: d, height_mm: h }, weight_g: 1000 }));
  const iterations = QUICK ? 5000 : 100000;
  const lockerInto = (budget) => {
    const r = locker.packInto(compartments, mixedParcels, { objective: "most_parcels", max_iterations: budget });
    return r.bins.reduce((a, b) => a + b.packing.placements.length, 0);
  };
  const bpMixed = () => {
    const bins = mixedBins.map(([w, d, h], i) => ({ name: `bin${i}`, width: w, height: h, depth: d, maxWeight: Infinity }));
    const items = sizes.map(([w, d, h], i) => ({ name: String(i + 1), width: w, height: h, depth: d, weight: 1000 }));
    const r = pack3D({ bins, items });
    return r.packedBins.reduce((a, b) => a + b.items.length, 0);
  };
  const bp3Mixed = () => {
    const packer = new BP3D.Packer();
    const bins = mixedBins.map(([w, d, h], i) => new BP3D.Bin(`bin${i}`, w, h, d, 1e9));
    for (const bin of bins) packer.addBin(bin);
    sizes.forEach(([w, d, h], i) => packer.addItem(new BP3D.Item(String(i + 1), w, h, d, 1000)));
    packer.pack();
    return bins.reduce((a, b) => a + b.items.length, 0);
  };
  const placed = { greedy: lockerInto(0), search: lockerInto(iterations), bp: bpMixed(), bp3: bp3Mixed() };
  check(placed.search >= placed.greedy && placed.greedy > 0, "locker packInto: the search places no fewer parcels than the greedy");
  check(throwsCode(() => locker.packInto(compartments, mixedParcels, { budget: 1 }), "invalid_argument") === true, "locker packInto refuses an unknown option");
  const m = measureGroup(
    [
      { name: "locker packInto greedy", fn: () => { sink += lockerInto(0); } },
      { name: "locker packInto search", fn: () => { sink += lockerInto(iterations); } },
      { name: "binpackingjs pack3D", fn: () => { sink += bpMixed(); } },
      { name: "binpackingjs 3 BP3D", fn: () => { sink += bp3Mixed(); } },
    ],
    { slow: true },
  );
  results.mixed = m;
  const [mg, ms, mb, mc] = Object.values(m);
  say(`### Packing into ${doors} mixed compartments: ${n} parcels at 99.9 % of their volume, most parcels placed`);
  say();
  say("| packer | median | placed | ÷ locker search |");
  say("| --- | ---: | ---: | ---: |");
  say(`| locker packInto, greedy (0 iterations) | ${fmtTime(mg.median)} | ${placed.greedy} / ${n} | ${fmtRatio(mg.median / ms.median)} |`);
  say(`| locker packInto, most parcels (${iterations} iterations) | ${fmtTime(ms.median)} | ${placed.search} / ${n} | 1× |`);
  say(`| binpackingjs ${env.binpackingjs} pack3D | ${fmtTime(mb.median)} | ${placed.bp} / ${n} | ${fmtRatio(mb.median / ms.median)} |`);
  say(`| binpackingjs ${env.binpackingjs3} BP3D | ${fmtTime(mc.median)} | ${placed.bp3} / ${n} | ${fmtRatio(mc.median / ms.median)} |`);
  say();
}

if (!QUICK) {
  say("### Targets");
  say();
  for (const t of targets) say(`- ${t.met ? "MET" : "NOT MET"}: ${t.what} (${t.detail})`);
  say();
}

say("### Sanity");
say();
say(failures.length === 0 ? "All sanity checks passed (right codes accepted, wrong codes rejected, both QR encoders give SVG, every packer places > 0 parcels)." : failures.map((f) => `- FAILED: ${f}`).join("\n"));
say();
say(`(${((performance.now() - t0) / 1000).toFixed(1)} s; sink ${sink % 10})`);
console.log(lines.join("\n"));
if (JSON_OUT) console.log(JSON.stringify({ env, results, targets, placedOne, placedK, lowerBound: lb, qr: { lockerBytes: qf.lockerBytes, qrcodeBytes: qf.qrcodeBytes } }, null, 2));
process.exitCode = failures.length === 0 ? 0 : 1;
