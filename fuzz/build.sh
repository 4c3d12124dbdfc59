#!/bin/sh
# fuzz/build.sh [OUTDIR] - builds the libFuzzer targets fuzz/*_fuzz.c with
# ASan+UBSan, compiling the sources of lib/probe and lib/check afresh with
# the same instrumentation (the autotools objects have none). Default OUTDIR: fuzz/out. Needs clang with
# libFuzzer (Debian: libclang-rt-NN-dev matching `clang --version`).
# FUZZ_CC=clang-NN picks the compiler; LIBDIR=dir builds against another
# copy of lib/ (e.g. to try a fix); TARGETS="range proxy" builds only those.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=${1:-$here/out}
CC=${FUZZ_CC:-clang}
lib=${LIBDIR:-$top/lib}
TARGETS=${TARGETS:-"starttls reply_line range proxy cert chain snimap mtasts statefile ari tlsrpt_report tlsrpt_mail imap_fetch"}

die() { echo "fuzz/build.sh: $*" >&2; exit 1; }

command -v "$CC" >/dev/null 2>&1 ||
	die "'$CC' not found; install clang (apt-get install clang libclang-rt-dev)"
command -v pkg-config >/dev/null 2>&1 || die "pkg-config not found"
ssl_cflags=$(pkg-config --cflags libssl libcrypto) ||
	die "OpenSSL development files not found (apt-get install libssl-dev)"
ssl_libs=$(pkg-config --libs libssl libcrypto)
dep_cflags=$(pkg-config --cflags libcurl jansson gmime-3.0 zlib) ||
	die "libcurl, jansson, GMime or zlib development files not found (apt-get install libcurl4-openssl-dev libjansson-dev libgmime-3.0-dev zlib1g-dev)"
ssl_libs="$ssl_libs $(pkg-config --libs jansson gmime-3.0 zlib) -ldl -lpthread"	# libcurl: dlopen (lib/probe/dynlib.c)

mkdir -p "$out/obj"
out=$(cd "$out" && pwd)

# Is libFuzzer there? Link a one-line target.
probe="$out/obj/probe_libfuzzer"
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
    >"$probe.c"
if ! "$CC" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" 2>"$probe.log"; then
	ver=$("$CC" --version | sed -n 's/.*clang version \([0-9][0-9]*\).*/\1/p' | head -n 1)
	cat "$probe.log" >&2
	die "$CC cannot link -fsanitize=fuzzer: libFuzzer is missing. On Debian/Ubuntu:
  apt-get install libclang-rt-${ver:-NN}-dev    (the version of \`$CC --version\`)"
fi
rm -f "$probe" "$probe.c" "$probe.log"

# configure's -DPACKAGE_VERSION (lib/check/plugin_opts.c prints it for --version).
version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top/configure.ac" 2>/dev/null)

CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
-DPACKAGE_VERSION=\"${version:-fuzz}\" -Wall -Wextra -I$lib/probe -I$lib/check $ssl_cflags $dep_cflags"

# The libraries' sources, as Makefile.am lists them (falling back to every
# .c of lib/probe and lib/check), as paths under lib/: "probe/net", ...
srcs=$(sed -n '/^lib_[a-z]*_libtls_probe[a-z_]*_la_SOURCES *=/,/[^\\]$/p' "$top/Makefile.am" 2>/dev/null |
	tr ' \t\\' '\n\n\n' | sed -n 's|^lib/\(.*\)\.c$|\1|p')
[ -n "$srcs" ] || srcs=$(cd "$lib" && ls probe/*.c check/*.c | sed 's|\.c$||')

# The library, instrumented (-c: coverage and sanitizers, no fuzzer main).
objs=""
for src in $srcs; do
	obj=$out/obj/$(echo "$src" | tr / _).o
	$CC $CFLAGS -c "$lib/$src.c" -o "$obj"
	objs="$objs $obj"
done

for t in $TARGETS; do
	$CC $CFLAGS "$here/${t}_fuzz.c" $objs $ssl_libs -lm -o "$out/${t}_fuzz"
	echo "built $out/${t}_fuzz"
done
