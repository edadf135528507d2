// A fresh project's first use of the packed locker-wasm package, installed
// from its tarball by scripts/release/npm: the Node build by the package
// name, the browser build through "locker-wasm/web" with the .wasm the
// package ships, and the errors a user catches.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { Dimensions, LockerError, fits, version } from "locker-wasm";
import initWeb, * as web from "locker-wasm/web";

const pkg = JSON.parse(
  readFileSync(new URL(import.meta.resolve("locker-wasm/package.json")), "utf8"),
);
assert.equal(version(), pkg.version);
assert.equal(fits(new Dimensions(600, 100, 50), new Dimensions(380, 640, 80)), "dwh");
assert.throws(() => new Dimensions(380, 0, 80), (error) => error instanceof LockerError && error.code === "zero_side");

await initWeb({
  module_or_path: readFileSync(new URL(import.meta.resolve("locker-wasm/web/locker_wasm_bg.wasm"))),
});
assert.equal(web.version(), pkg.version);
assert.equal(web.fits(new web.Dimensions(600, 100, 50), new web.Dimensions(380, 640, 80)), "dwh");

console.log(`locker-wasm ${version()}: Node and web builds load and answer`);
