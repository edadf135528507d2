// Type-checked (not run) by scripts/release/npm with `tsc --strict` in a
// fresh project that installed the packed package: its declarations are
// found through package.json "exports" as a user's compiler finds them.
import { Dimensions, LockerError, fits, version } from "locker-wasm";
import initWeb, * as web from "locker-wasm/web";

const door: Dimensions = new Dimensions(380, 640, 80);
const orientation: string | undefined = fits(new Dimensions(600, 100, 50), door);
const v: string = version();

async function browser(bytes: Uint8Array): Promise<string | undefined> {
  await initWeb({ module_or_path: bytes });
  return web.fits(new web.Dimensions(1, 1, 1), new web.Dimensions(2, 2, 2));
}

function code(error: unknown): string | undefined {
  return error instanceof LockerError ? error.code : undefined;
}

export { browser, code, orientation, v };
