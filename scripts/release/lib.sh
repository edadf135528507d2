# shellcheck shell=bash
# Sourced by every script in scripts/release: scripts/ci/lib.sh (strict
# mode, the repository root as the working directory, `run`,
# $CARGO_TARGET_DIR), and where the artefacts go. Not executable on its own.
source "$(dirname "${BASH_SOURCE[0]}")/../ci/lib.sh"

# Everything a release script makes, one folder per artefact (git-ignored).
OUT="${LOCKER_RELEASE_OUT:-$ROOT/target/release-artefacts}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
export OUT
RELEASE_TOOLS="$ROOT/scripts/release/tools"
export RELEASE_TOOLS

# The workspace version (every crate and package shares it).
release_version() {
    local pkgid
    pkgid="$(cargo pkgid -p locker-core)"
    echo "${pkgid##*[#@]}"
}

# Installs tools/package.json's exact pins (publint) into tools/node_modules
# unless they are there already.
release_npm_tools() {
    if [[ ! -f "$RELEASE_TOOLS/node_modules/.package-lock.json" ]] ||
        [[ "$RELEASE_TOOLS/package-lock.json" -nt "$RELEASE_TOOLS/node_modules/.package-lock.json" ]]; then
        run npm ci --prefix "$RELEASE_TOOLS" --no-audit --no-fund
    fi
}
