#!/usr/bin/env bash
# Checks an install tree made by locker-ffi/install.sh the way its users
# meet it:
#
#   locker-ffi/tests/install/check.sh PREFIX WORKDIR
#
# The tree is first moved: copied to WORKDIR/moved/opt/locker and the
# original hidden while the checks run, so anything that still points at
# PREFIX fails. Then:
#   - the layout: header, static library, the shared library with its
#     SONAME and symlinks, locker.pc, the CMake package files, licences;
#   - a CMake project (CMakeLists.txt here, find_package(locker CONFIG))
#     builds consumer.c against locker::locker, shared and with
#     LOCKER_USE_STATIC=ON, and runs it; asked for the next ABI version
#     (0.MINOR+1), find_package refuses the tree;
#   - a pkg-config build (gcc $(pkg-config --cflags --libs locker)), shared
#     and static, and runs it;
#   - the shared programs ask the loader for the SONAME, and the static
#     ones need no liblocker at all.
# Needs cmake, pkg-config, gcc and readelf (scripts/ci/setup installs them).
set -euo pipefail
shopt -s extglob

if (($# != 2)); then
    echo "usage: $0 PREFIX WORKDIR" >&2
    exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="$(cd "$1" && pwd)"
work="$2"
rm -rf "$work"
mkdir -p "$work"
work="$(cd "$work" && pwd)"

run() {
    printf '+ %s\n' "$*" >&2
    "$@"
}
fail() {
    echo "check.sh: $*" >&2
    exit 1
}

# --- move the tree; hide the original until we are done --------------------
moved="$work/moved/opt/locker"
mkdir -p "$(dirname "$moved")"
cp -a "$prefix" "$moved"
hidden="$prefix.hidden-by-check"
rm -rf "$hidden"
mv "$prefix" "$hidden"
trap 'mv "$hidden" "$prefix"' EXIT

# --- layout ------------------------------------------------------------------
for file in include/locker.h lib/liblocker.a lib/liblocker.so lib/pkgconfig/locker.pc \
    lib/cmake/locker/lockerConfig.cmake lib/cmake/locker/lockerConfigVersion.cmake \
    share/doc/locker/LICENSE-MIT share/doc/locker/LICENSE-APACHE; do
    [[ -e "$moved/$file" ]] || fail "missing $file in the install tree"
done
soname="$(readelf -d "$moved/lib/liblocker.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
[[ "$soname" == liblocker.so.* ]] || fail "liblocker.so has no SONAME"
[[ -L "$moved/lib/$soname" && -L "$moved/lib/liblocker.so" ]] ||
    fail "lib/$soname and lib/liblocker.so must be symlinks"
real="$(readlink -f "$moved/lib/liblocker.so")"
[[ "$real" == "$moved/lib/liblocker.so."*.*.* && ! -L "$real" ]] ||
    fail "liblocker.so does not lead to liblocker.so.X.Y.Z ($real)"
echo "layout ok: SONAME $soname, $(basename "$real")"

# The program must ask for the SONAME (shared) or for no liblocker (static).
check_needed() { # $1: program, $2: shared|static
    local needed
    needed="$(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep '^liblocker' || true)"
    if [[ "$2" == shared && "$needed" != "$soname" ]]; then
        fail "$1 needs '${needed:-no liblocker}', want $soname"
    fi
    if [[ "$2" == static && -n "$needed" ]]; then
        fail "$1 is static but needs $needed"
    fi
}

# --- CMake ------------------------------------------------------------------
# The version the header states, as find_package asks for it.
header_version() { sed -n "s/^#define LOCKER_VERSION_$1 \([0-9]*\)$/\1/p" "$moved/include/locker.h"; }
major="$(header_version MAJOR)"
minor="$(header_version MINOR)"
[[ -n "$major" && -n "$minor" ]] || fail "no LOCKER_VERSION_MAJOR/MINOR in locker.h"
for kind in shared static; do
    build="$work/cmake-$kind"
    static=OFF
    [[ "$kind" == static ]] && static=ON
    run cmake -S "$here" -B "$build" -DCMAKE_PREFIX_PATH="$moved" -DLOCKER_USE_STATIC="$static" \
        -DLOCKER_WANT="$major.$minor" -DCMAKE_BUILD_TYPE=Debug >"$work/cmake-$kind.log" ||
        { cat "$work/cmake-$kind.log" >&2; fail "cmake configure ($kind) failed"; }
    run cmake --build "$build" >>"$work/cmake-$kind.log" ||
        { cat "$work/cmake-$kind.log" >&2; fail "cmake build ($kind) failed"; }
    check_needed "$build/consumer" "$kind"
    run "$build/consumer"
done

# A newer ABI than the tree's is refused (lockerConfigVersion.cmake): the
# next minor before 1.0, the next major after.
if [[ "$major" == 0 ]]; then newer="0.$((minor + 1))"; else newer="$((major + 1)).0"; fi
if cmake -S "$here" -B "$work/cmake-newer" -DCMAKE_PREFIX_PATH="$moved" -DLOCKER_WANT="$newer" \
    >"$work/cmake-newer.log" 2>&1; then
    fail "find_package(locker $newer) accepted the $major.$minor tree"
fi
grep -q "$newer" "$work/cmake-newer.log" || { cat "$work/cmake-newer.log" >&2; fail "find_package(locker $newer) failed for another reason"; }
echo "cmake: find_package(locker $major.$minor) found, find_package(locker $newer) refused"

# --- pkg-config ---------------------------------------------------------------
export PKG_CONFIG_PATH="$moved/lib/pkgconfig"
# The moved tree's own include dir: ${pcfiledir} made the file relocatable.
cflags="$(pkg-config --cflags locker)"
includedir="$(pkg-config --variable=includedir locker)"
[[ "$cflags" == "-I$includedir"*([[:space:]]) && "$(cd "$includedir" && pwd -P)" == "$moved/include" ]] ||
    fail "pkg-config --cflags locker says '$cflags', want the moved tree's include/"
echo "pkg-config: locker $(pkg-config --modversion locker), $cflags"
ccflags=(-std=c11 -Wall -Wextra -Werror)
# shellcheck disable=SC2046 # word splitting of pkg-config output is intended
run gcc "${ccflags[@]}" "$here/consumer.c" $(pkg-config --cflags --libs locker) \
    -Wl,-rpath,"$moved/lib" -o "$work/pkg-config-shared"
# Static: name the archive so the linker cannot pick the .so beside it, and
# take the system libraries it needs from Libs.private.
# shellcheck disable=SC2046
run gcc "${ccflags[@]}" "$here/consumer.c" $(pkg-config --cflags locker) "$moved/lib/liblocker.a" \
    $(pkg-config --static --libs-only-l locker | sed 's/-llocker//') -o "$work/pkg-config-static"
for kind in shared static; do
    check_needed "$work/pkg-config-$kind" "$kind"
    run "$work/pkg-config-$kind"
done
echo "install tree ok: CMake and pkg-config consumers, shared and static, built and ran from $moved"
