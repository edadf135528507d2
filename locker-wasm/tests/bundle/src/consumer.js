// What a bundled app does with the package: load the module, allocate a
// door, draw a QR code, and catch the package's error by its class.
import init, { Bank, LockerError, defaultBank, qrSvg, version } from "locker-wasm";

/** `wasm`: where the `.wasm` is (a URL), or nothing for the glue's default. */
export async function run(wasm) {
  await init(wasm === undefined ? undefined : { module_or_path: wasm });
  const bank = new Bank(defaultBank());
  const outcome = bank.allocate({
    parcel: { id: 1, size: { width_mm: 300, depth_mm: 200, height_mm: 100 }, weight_g: 900 },
    recipient: 12,
  });
  let error;
  try {
    bank.allocate({ parcel: 42 });
  } catch (thrown) {
    error = thrown;
  }
  return {
    version: version(),
    outcome: outcome.outcome,
    svg: qrSvg("HELLO").startsWith("<svg"),
    lockerError: error instanceof LockerError && error instanceof Error,
    code: error?.code,
  };
}
