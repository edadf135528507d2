#!/usr/bin/env bash
# Builds the npm package into locker-wasm/pkg (gitignored):
#
#   pkg/package.json   from npm/package.json, version = the crate's version
#   pkg/README.md, pkg/LICENSE-MIT, pkg/LICENSE-APACHE
#   pkg/node/          wasm-bindgen --target experimental-nodejs-module:
#                      ESM that loads the .wasm itself; `import` and go
#   pkg/web/           wasm-bindgen --target web: ESM for browsers and
#                      bundlers; call the default export `init()` (or
#                      `initSync({ module })`) once before anything else
#
# package.json "exports" picks node/ under Node and web/ everywhere else.
# Each glue file gets js/errors.js's guard on its classes and exports
# LockerError (appended below).
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli at exactly the
# wasm-bindgen version in Cargo.lock (scripts/ci/setup installs both).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

target_dir="${CARGO_TARGET_DIR:-$root/target}"
# Built for size: the workspace's release profile is tuned for native code
# (line tables for profiling), so the wasm build overrides it here. Only the
# wasm32 artifacts are affected. Extra cargo flags (e.g.
# --no-default-features for a build without QR rendering) come from
# $LOCKER_WASM_CARGO_FLAGS.
# The hot paths are built for speed: SHA-256 and the MAC over it
# (locker-core-mac, a crate of its own for this) for every credential
# check, and the QR encoder's mask scoring: about 27 KB for 2-3x on each.
CARGO_PROFILE_RELEASE_OPT_LEVEL=z \
CARGO_PROFILE_RELEASE_LTO=true \
CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
CARGO_PROFILE_RELEASE_DEBUG=false \
CARGO_PROFILE_RELEASE_PANIC=abort \
    cargo build -p locker-wasm --target wasm32-unknown-unknown --release \
    --config 'profile.release.package.sha2.opt-level=3' \
    --config 'profile.release.package.locker-core-mac.opt-level=3' \
    --config 'profile.release.package.qrcode.opt-level=3' \
    ${LOCKER_WASM_CARGO_FLAGS:-}
wasm="$target_dir/wasm32-unknown-unknown/release/locker_wasm.wasm"

pkg="$here/pkg"
rm -rf "$pkg"
mkdir -p "$pkg"
# No name section: it is bigger than the code it names.
flags=(--remove-name-section --remove-producers-section)
wasm-bindgen "${flags[@]}" --target experimental-nodejs-module --out-dir "$pkg/node" "$wasm"
wasm-bindgen "${flags[@]}" --target web --out-dir "$pkg/web" "$wasm"
# wasm-bindgen writes a stub package.json into node/; the package's own is
# the only one we ship.
rm -f "$pkg/node/package.json" "$pkg/web/package.json"

# The glue's classes get the guard of js/errors.js (a method called on a
# freed object throws a LockerError before the module is entered), and
# the module's LockerError class is exported beside them. Appended to each
# glue file, so every way in (Node, browsers, bundlers) has both.
for target in node web; do
    glue="$pkg/$target/locker_wasm.js"
    errors="$(grep -oE "\./snippets/[^'\"]+/js/errors\.js" "$glue" | head -n 1)"
    classes="$(grep -oE '^export class [A-Za-z0-9_]+' "$glue" | awk '{ print $3 }' | paste -sd, -)"
    if [[ -z "$errors" || -z "$classes" ]]; then
        echo "build-pkg.sh: $glue has no js/errors.js import or no class" >&2
        exit 1
    fi
    cat >>"$glue" <<EOF

// Added by build-pkg.sh: the classes' guard, and the error class.
import { guardClasses as __lockerGuardClasses } from '$errors';
export { LockerError } from '$errors';
__lockerGuardClasses({ ${classes//,/, } });
EOF
done

# The web build's `InitOutput` (the module's raw exports, which `init()`
# returns) types every JavaScript value the module takes as `any`: the
# package's declarations say `unknown` instead, so they hold no `any`.
node -e '
  const fs = require("node:fs");
  const file = process.argv[1];
  const text = fs.readFileSync(file, "utf8").replace(
    /^export interface InitOutput \{[^]*?^\}/m,
    (raw) => raw.replace(/\bany\b/g, "unknown"));
  fs.writeFileSync(file, text);
' "$pkg/web/locker_wasm.d.ts"

# The classes' `[Symbol.dispose]()` needs `SymbolConstructor.dispose`,
# which TypeScript declares only in lib `esnext.disposable`: the package
# declares it too (as @types/node does), so a consumer compiles with `lib`
# es2022 (tests/node/types/es2022.ts). `using` still needs that lib.
for target in node web; do
    cat >>"$pkg/$target/locker_wasm.d.ts" <<'EOF'

declare global {
  interface SymbolConstructor {
    /** `Symbol.dispose`, as TypeScript's lib `esnext.disposable` declares it. */
    readonly dispose: unique symbol;
  }
}
EOF
done

pkgid="$(cargo pkgid -p locker-wasm)"
version="${pkgid##*[#@]}"
node -e '
  const fs = require("node:fs");
  const [template, out, version] = process.argv.slice(1);
  const pkg = JSON.parse(fs.readFileSync(template, "utf8"));
  pkg.version = version;
  fs.writeFileSync(out, JSON.stringify(pkg, null, 2) + "\n");
' "$here/npm/package.json" "$pkg/package.json" "$version"
cp "$here/README.md" "$pkg/README.md"
# The licence texts the "license" field names (npm packs LICENSE* always).
cp "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$pkg/"
echo "built $pkg (locker-wasm $version)"
