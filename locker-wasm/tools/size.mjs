// Prints the size of the built .wasm, raw and gzipped (level 9), and fails
// when the raw size passes the budget. Usage:
//   node tools/size.mjs [path/to/locker_wasm_bg.wasm] [budget-bytes]
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const path = process.argv[2] ?? new URL("../pkg/web/locker_wasm_bg.wasm", import.meta.url);
const budget = Number(process.argv[3] ?? 0);
const bytes = readFileSync(path);
const gzipped = gzipSync(bytes, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`locker_wasm_bg.wasm: ${bytes.length} B (${kb(bytes.length)}) raw, ${gzipped} B (${kb(gzipped)}) gzipped`);
if (budget > 0 && bytes.length > budget) {
  console.log(`over the ${kb(budget)} budget by ${kb(bytes.length - budget)}`);
  process.exitCode = Number(process.env.LOCKER_WASM_SIZE_STRICT ?? 0) ? 1 : 0;
}
