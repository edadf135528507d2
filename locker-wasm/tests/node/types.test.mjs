// The TypeScript declarations compile against a typed use of the package
// (tests/node/types/check.ts) with `tsc --strict`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const tsc = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));
const check = fileURLToPath(new URL("./types/check.ts", import.meta.url));

test("the TypeScript declarations type-check a typed use", { skip: !existsSync(tsc) && "npm ci first", timeout: 120_000 }, () => {
  const args = [tsc, "--noEmit", "--strict", "--target", "es2022", "--module", "nodenext",
    "--moduleResolution", "nodenext", "--lib", "esnext,dom", check];
  try {
    execFileSync(process.execPath, args, { encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
  }
});
