# shellcheck shell=bash
# Sourced by every script in scripts/ci: strict mode, the repository root as
# the working directory, and a few helpers. Not executable on its own.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT
cd "$ROOT"

# Tools installed by scripts/ci/setup.
export PATH="$HOME/.cargo/bin:$PATH"
# One target directory for every Rust build (the fuzz workspace keeps its
# own, fuzz/target: it builds with nightly and sanitizer flags anyway).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
if [[ "${CI:-}" == "true" ]]; then
    # Fresh builds: incremental state only costs time and disk.
    export CARGO_INCREMENTAL=0
    # Line tables keep file:line in panics, backtraces and valgrind reports;
    # full debug info would triple the target directory (several GB).
    # (The test profile inherits it.)
    export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"
    export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
fi

VENV="$ROOT/.venv"
export VENV

# Prints a command, then runs it.
run() {
    printf '+ %s\n' "$*" >&2
    "$@"
}

# The version of package $1 in the root Cargo.lock (first match).
lock_version() {
    awk -v name="$1" '
        $1 == "name" && $3 == "\"" name "\"" { found = 1; next }
        found && $1 == "version" { gsub(/"/, "", $3); print $3; exit }
    ' "$ROOT/Cargo.lock"
}
