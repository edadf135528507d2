// esbuild: the `.wasm` imported with `--loader:.wasm=file` is copied beside
// the bundle (hashed) and this import is its path from there.
import wasmUrl from "locker-wasm/web/locker_wasm_bg.wasm";
import { run } from "./consumer.js";

console.log(JSON.stringify(await run(new URL(wasmUrl, import.meta.url))));
