#!/usr/bin/env bash
# Builds a free-threaded CPython 3.13 (--disable-gil) into $1/py313t from
# Debian trixie's source package, without touching the system's apt
# configuration: apt reads a sources list of its own under $1/apt. trixie
# serves one revision only, hence the exact pin.
# Lean on purpose (it runs in CI): no ensurepip run at install (venv still
# bootstraps pip from the bundled wheel), no test modules, no PGO, no debug
# information, and none of the extension modules that neither the suite nor
# pip needs (decimal falls back to its pure Python version).
set -euo pipefail
dest=$(mkdir -p "$1" && cd "$1" && pwd)
version=3.13.5
revision=3.13.5-2+deb13u5
prefix=$dest/py313t
# The stamp is written last: an interrupted build is redone, not taken as done.
if [ -f "$prefix/.complete" ]; then exit 0; fi

apt=$dest/apt
mkdir -p "$apt/lists/partial" "$apt/sources.d"
uri=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources | head -1)
printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "${uri:-http://deb.debian.org/debian}" > "$apt/sources.d/trixie.sources"
o=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/sources.d"
   -o "Dir::State::Lists=$apt/lists" -o Debug::NoLocking=1)
tarball=$apt/python3.13_$version.orig.tar.xz
if [ ! -f "$tarball" ]; then
    apt-get "${o[@]}" -qq update
    (cd "$apt" && apt-get "${o[@]}" -qq source --download-only "python3.13=$revision")
fi
src=$dest/Python-$version
rm -rf "$src"
tar xf "$tarball" -C "$dest"
cd "$src"
unneeded=(_decimal _tkinter _sqlite3 _dbm _gdbm _curses _curses_panel readline
          _multibytecodec _codecs_cn _codecs_hk _codecs_iso2022 _codecs_jp _codecs_kr
          _codecs_tw)
for module in "${unneeded[@]}"; do export "py_cv_module_$module=n/a"; done
./configure -q --disable-gil --prefix="$prefix" --with-ensurepip=no --disable-test-modules \
    OPT="-O3 -Wall"
make -s -j"$(nproc)"
rm -rf "$prefix"
make -s install >/dev/null  # the byte-compiler lists every file
cd "$dest" && rm -rf "$src"
"$prefix/bin/python3.13t" -c 'import sys; assert not sys._is_gil_enabled()'
touch "$prefix/.complete"
