#!/usr/bin/env bash
# Lays out liblocker's install tree from a cargo build of locker-ffi, what
# cargo-c's `cargo cinstall` would make, without cargo-c:
#
#   locker-ffi/install.sh BUILD_DIR PREFIX
#
# BUILD_DIR is the cargo profile directory that holds liblocker.a and
# liblocker.so (e.g. target/release after `cargo build -p locker-ffi
# --release`); PREFIX is created (emptied first if it exists):
#
#   include/locker.h
#   lib/liblocker.a
#   lib/liblocker.so.X.Y.Z        the shared library, SONAME from build.rs
#   lib/liblocker.so.<abi>        -> liblocker.so.X.Y.Z   (the SONAME)
#   lib/liblocker.so              -> liblocker.so.<abi>   (for -llocker)
#   lib/pkgconfig/locker.pc       relocatable (${pcfiledir})
#   lib/cmake/locker/lockerConfig.cmake, lockerConfigVersion.cmake
#                                 relocatable: imported targets
#                                 locker::locker, locker::shared, locker::static
#   share/doc/locker/             README.md, LICENSE-MIT, LICENSE-APACHE
#
# Every path inside is relative, so the tree can be moved or packed into a
# tarball and unpacked anywhere. Used by scripts/release/c-lib (release
# build) and scripts/ci/release and scripts/ci/c (the CI's debug build).
set -euo pipefail

if (($# != 2)); then
    echo "usage: $0 BUILD_DIR PREFIX" >&2
    exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$(cd "$1" && pwd)"
prefix="$2"

# The version: locker-ffi's, from the workspace manifest (cargo pkgid needs
# no build and no network).
pkgid="$(cd "$root" && cargo pkgid -p locker-ffi)"
version="${pkgid##*[#@]}"
IFS=. read -r major minor patch <<<"${version%%[-+]*}"
# The ABI version in the SONAME: see build.rs (cargo-c's rule).
if [[ "$major" == 0 ]]; then abi="0.$minor"; else abi="$major"; fi
soname="liblocker.so.$abi"
shared_file="liblocker.so.$major.$minor.$patch"
# What liblocker.a needs from the system on linux-gnu (`rustc --print
# native-static-libs`), for the .pc file's Libs.private and the CMake
# static target.
libs_private=(gcc_s util rt pthread m dl c)

for file in liblocker.a liblocker.so; do
    [[ -f "$build/$file" ]] || { echo "install.sh: no $build/$file: run cargo build -p locker-ffi first" >&2; exit 1; }
done
# The shared library must carry the SONAME the symlinks promise.
found="$(readelf -d "$build/liblocker.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
if [[ "$found" != "$soname" ]]; then
    echo "install.sh: $build/liblocker.so has SONAME '${found:-none}', want $soname (see locker-ffi/build.rs)" >&2
    exit 1
fi

rm -rf "$prefix"
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig" "$prefix/lib/cmake/locker" "$prefix/share/doc/locker"
prefix="$(cd "$prefix" && pwd)"

install -m 644 "$here/include/locker.h" "$prefix/include/locker.h"
install -m 644 "$build/liblocker.a" "$prefix/lib/liblocker.a"
install -m 755 "$build/liblocker.so" "$prefix/lib/$shared_file"
ln -s "$shared_file" "$prefix/lib/$soname"
ln -s "$soname" "$prefix/lib/liblocker.so"

pc_libs_private="$(printf -- '-l%s ' "${libs_private[@]}")"
sed -e "s|@VERSION@|$version|" -e "s|@LIBS_PRIVATE@|${pc_libs_private% }|" \
    "$here/locker.pc.in" >"$prefix/lib/pkgconfig/locker.pc"

cmake_libs_private="$(IFS=';'; echo "${libs_private[*]}")"
sizeof_void_p="$(getconf LONG_BIT)"
sizeof_void_p=$((sizeof_void_p / 8))
for name in lockerConfig lockerConfigVersion; do
    sed -e "s|@VERSION@|$version|g" -e "s|@VERSION_MAJOR@|$major|g" -e "s|@ABI@|$abi|g" \
        -e "s|@SONAME@|$soname|g" -e "s|@SHARED_FILE@|$shared_file|g" \
        -e "s|@CMAKE_LIBS_PRIVATE@|$cmake_libs_private|g" -e "s|@SIZEOF_VOID_P@|$sizeof_void_p|g" \
        "$here/cmake/$name.cmake.in" >"$prefix/lib/cmake/locker/$name.cmake"
done

install -m 644 "$here/README.md" "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$prefix/share/doc/locker/"

# Nothing left unfilled.
if grep -rl '@[A-Z_]*@' "$prefix/lib/pkgconfig" "$prefix/lib/cmake"; then
    echo "install.sh: a placeholder was left in the files above" >&2
    exit 1
fi
echo "installed liblocker $version (SONAME $soname) into $prefix"
