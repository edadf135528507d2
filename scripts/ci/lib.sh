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

# Runs each argument, a shell command line, with at most LOCKER_CI_JOBS
# (default: the number of CPUs) running at once: for the single-threaded
# work (valgrind, test suites on other interpreters, fuzz runs) that would
# leave a core idle. Each command's output is printed whole when it ends;
# fails when any command failed, after all have run. Functions a command
# calls must be exported (`export -f`).
run_parallel() {
    local logs status=0
    logs="$(mktemp -d)"
    printf '%s\0' "$@" | xargs -0 -P "${LOCKER_CI_JOBS:-$(nproc)}" -I{} bash -c '
        log="$(mktemp -p "$1")"
        printf "+ %s\n" "$2" >"$log"
        code=0
        bash -c "$2" >>"$log" 2>&1 || code=$?
        ((code == 0)) || printf "FAILED (exit %d): %s\n" "$code" "$2" >>"$log"
        # One whole log at a time on the console.
        flock "$1" cat "$log"
        ((code == 0))
    ' _ "$logs" {} || status=1
    rm -rf "$logs"
    return "$status"
}
export -f run
