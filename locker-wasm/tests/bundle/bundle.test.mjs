// The package bundled as an app would bundle it, from the built package
// (../../pkg) imported by its name: a small consumer (src/consumer.js)
// built with esbuild and with Vite (exact pins in package-lock.json), each
// bundle then run in Node. Checks that the web build is the one bundled,
// that the `.wasm` is emitted beside the bundle and loads from there, and
// that errors thrown by the bundled module are `instanceof LockerError`.
// Run by scripts/ci/wasm after `npm ci` here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { build as viteBuild } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));
const dist = `${here}dist`;
const pkg = JSON.parse(readFileSync(`${here}../../pkg/package.json`, "utf8"));

// `import "locker-wasm"` resolves to the built package, as installed.
rmSync(`${here}node_modules/locker-wasm`, { force: true });
symlinkSync("../../../pkg", `${here}node_modules/locker-wasm`);
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);

// Runs a bundle in a fresh Node, with `fetch` answering `file:` URLs as a
// web server would (Node's own refuses them): the glue fetches the `.wasm`
// from where the bundler put it.
function runBundle(file) {
  const shim = `
    const { readFile } = await import("node:fs/promises");
    const fetchHttp = globalThis.fetch;
    globalThis.fetch = async (url, init) => {
      const href = url instanceof Request ? url.url : String(url);
      if (!href.startsWith("file:")) return fetchHttp(url, init);
      return new Response(await readFile(new URL(href)), { headers: { "content-type": "application/wasm" } });
    };
    await import(${JSON.stringify(new URL(`file://${file}`).href)});`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", shim], { encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").at(-1));
}

function assertRan(result) {
  assert.deepEqual(result, {
    version: pkg.version, outcome: "assigned", svg: true, lockerError: true, code: "invalid_argument",
  });
}

/** The `.wasm` files in `dir` (recursively), checked to be the package's. */
function emittedWasm(dir) {
  const wasm = readdirSync(dir, { recursive: true }).filter((name) => name.endsWith(".wasm"));
  const original = readFileSync(`${here}../../pkg/web/locker_wasm_bg.wasm`);
  for (const name of wasm) {
    assert.ok(readFileSync(`${dir}/${name}`).equals(original), `${name} is not the package's .wasm`);
  }
  return wasm;
}

test("esbuild bundles the web build; the .wasm is emitted by the file loader and loads", { timeout: 60_000 }, async () => {
  const outdir = `${dist}/esbuild`;
  const result = await esbuild.build({
    entryPoints: [`${here}src/esbuild-entry.js`],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outdir,
    loader: { ".wasm": "file" },
    logLevel: "warning",
    metafile: true,
  });
  assert.deepEqual(result.errors, []);
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((name) => name.endsWith("pkg/web/locker_wasm.js")), `not the web build: ${inputs.join(", ")}`);
  assert.ok(!inputs.some((name) => name.includes("pkg/node/")), "the Node build was bundled");
  assert.equal(emittedWasm(outdir).length, 1);
  assertRan(runBundle(`${outdir}/esbuild-entry.js`));
});

test("Vite bundles the web build; a plain init() finds the .wasm it emitted", { timeout: 120_000 }, async () => {
  await viteBuild({ configFile: `${here}vite.config.js`, root: `${here}vite` });
  const outdir = `${dist}/vite`;
  assert.equal(emittedWasm(outdir).length, 1);
  const [chunk] = readdirSync(`${outdir}/assets`).filter((name) => name.endsWith(".js"));
  assert.ok(chunk, "no JavaScript chunk");
  assertRan(runBundle(`${outdir}/assets/${chunk}`));
});
