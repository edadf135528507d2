// Vite: the glue's `new URL("locker_wasm_bg.wasm", import.meta.url)` is
// seen by Vite, which emits the `.wasm` as an asset: a plain `init()`.
import { run } from "../src/consumer.js";

console.log(JSON.stringify(await run()));
