// Smoke tests against the built npm package (locker-wasm/pkg), imported by
// its name as a user would. Run by scripts/ci/wasm with `node --test`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { Dimensions, fits, version } from "locker-wasm";
import initWeb, * as web from "locker-wasm/web";

const pkg = JSON.parse(
  readFileSync(new URL(import.meta.resolve("locker-wasm/package.json")), "utf8"),
);

test("version() is the package version", () => {
  assert.equal(version(), pkg.version);
  assert.match(version(), /^\d+\.\d+\.\d+/);
});

test("fits() names the orientation like the core's JSON", () => {
  const parcel = new Dimensions(600, 100, 50);
  const door = new Dimensions(380, 640, 80);
  assert.equal(door.depthMm, 640);
  assert.equal(fits(parcel, door), "dwh");
  assert.equal(fits(parcel, door, true), "dwh");
});

test("thisSideUp forbids tipping", () => {
  const tall = new Dimensions(100, 100, 300);
  const flat = new Dimensions(400, 400, 200);
  assert.equal(fits(tall, flat, true), undefined);
  assert.ok(["whd", "hwd", "dhw", "hdw"].includes(fits(tall, flat, false)));
});

test("bad sizes throw real Errors with a stable code", () => {
  assert.throws(
    () => new Dimensions(380, 0, 80),
    (error) =>
      error instanceof Error &&
      error.name === "LockerError" &&
      error.code === "zero_side" &&
      /depth_mm/.test(error.message),
  );
  assert.throws(() => new Dimensions(9000, 1, 1), { code: "side_too_long" });
});

test("the browser build works once initialised with the wasm bytes", async () => {
  const bytes = readFileSync(
    new URL(import.meta.resolve("locker-wasm/web/locker_wasm_bg.wasm")),
  );
  await initWeb({ module_or_path: bytes });
  const parcel = new web.Dimensions(600, 100, 50);
  assert.equal(web.fits(parcel, new web.Dimensions(380, 640, 80)), "dwh");
  assert.equal(web.version(), pkg.version);
});
