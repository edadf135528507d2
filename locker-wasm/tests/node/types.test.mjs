// The TypeScript declarations compile against a typed use of the package
// (tests/node/types/check.ts) with `tsc --strict`, and a Node consumer
// (tests/node/types/es2022.ts) with `lib` es2022 and nothing else.
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

test("a Node consumer compiles with `tsc --strict --lib es2022` alone: events narrow on `type`, wrong shapes are refused",
  { skip: !existsSync(tsc) && "npm ci first", timeout: 120_000 }, () => {
  // tests/node/types/es2022.ts: each `@ts-expect-error` line must be an
  // error, or tsc fails (TS2578), so a type that got looser fails here.
  const consumer = fileURLToPath(new URL("./types/es2022.ts", import.meta.url));
  const args = [tsc, "--noEmit", "--strict", "--target", "es2022", "--module", "nodenext",
    "--moduleResolution", "nodenext", "--lib", "es2022", consumer];
  try {
    execFileSync(process.execPath, args, { encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
  }
});

test("the declarations hold no `any`, for Node and for browsers", { skip: !existsSync(tsc) && "npm ci first" }, async () => {
  const { createRequire } = await import("node:module");
  const { readFileSync } = await import("node:fs");
  const ts = createRequire(import.meta.url)(fileURLToPath(new URL("../../node_modules/typescript/lib/typescript.js", import.meta.url)));
  for (const build of ["node", "web"]) {
    const file = fileURLToPath(new URL(`../../pkg/${build}/locker_wasm.d.ts`, import.meta.url));
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const found = [];
    const visit = (node) => {
      if (node.kind === ts.SyntaxKind.AnyKeyword) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${build}/locker_wasm.d.ts:${line + 1}: ${node.parent.getText().slice(0, 80)}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    assert.deepEqual(found, [], found.join("\n"));
  }
});
