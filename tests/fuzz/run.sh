#!/bin/sh
# Build the import-path fuzzer with clang (libFuzzer + ASan + UBSan) from
# the library's sources directly, then run it for a given time on the
# seed corpus.  Exit 0 when it found nothing, non-zero on a crash, a leak,
# a timeout or undefined behaviour (the input is kept, see below).
#
# Use: tests/fuzz/run.sh [SECONDS] [libFuzzer options...]   (default 60)
# Environment:
#   FUZZ_DIR     where to build and keep the growing corpus
#                (default: $TMPDIR/certdesk-fuzz; never the source tree)
#   FUZZ_CRASHES where crashing inputs go (default: $FUZZ_DIR/crashes)
#   FUZZ_JOBS    parallel fuzzing processes (default 1)
#   CC           the compiler (default clang)
set -eu

secs=${1:-60}
[ $# -gt 0 ] && shift
case $secs in
''|*[!0-9]*) echo "run.sh: SECONDS must be a number, not '$secs'" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dir=${FUZZ_DIR:-${TMPDIR:-/tmp}/certdesk-fuzz}
crashes=${FUZZ_CRASHES:-$dir/crashes}
jobs=${FUZZ_JOBS:-1}
cc=${CC:-clang}
mkdir -p "$dir/build" "$dir/corpus" "$crashes"

# The store's sources, as libcertdesk.a has them; no terminal, no engine.
srcs=
for f in "$top"/src/util*.c "$top"/src/store-*.c "$top"/src/validate*.c; do
	srcs="$srcs $f"
done
# Fuzz store_import_prepare once store-import.c has it.
defs=
if grep -q '^store_import_prepare(' "$top/src/store-import.c" 2>/dev/null; then
	defs=-DFUZZ_HAVE_IMPORT
	echo "run.sh: fuzzing store_import_prepare too"
else
	echo "run.sh: store_import_prepare not built yet: fuzzing the parsers and show"
fi

# The sources include config.h for the system extensions only.
cat > "$dir/build/config.h" <<'EOF'
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#define PACKAGE_VERSION "fuzz"
EOF

flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined"
flags="$flags -fno-sanitize-recover=undefined"
# shellcheck disable=SC2086
"$cc" $flags $defs -I"$dir/build" -I"$top/include" -I"$top/src" \
	-DPKGDATADIR=\"/nonexistent\" -DSYSCONFDIR=\"/nonexistent\" \
	$(pkg-config --cflags gnutls inih) \
	$srcs "$here/fuzz-import.c" -o "$dir/build/fuzz-import" \
	$(pkg-config --libs gnutls inih)
echo "run.sh: built $dir/build/fuzz-import; running $secs s"

# UBSan reports are errors here (print the stack, stop).
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS ASAN_OPTIONS

fork=
[ "$jobs" -gt 1 ] && fork="-fork=$jobs"
rc=0
# shellcheck disable=SC2086
"$dir/build/fuzz-import" -max_total_time="$secs" -max_len=65536 \
	-timeout=20 -rss_limit_mb=2048 -print_final_stats=1 $fork \
	-artifact_prefix="$crashes/" "$@" "$dir/corpus" "$here/corpus" || rc=$?
if [ "$rc" -eq 72 ] && [ -z "$(ls -A "$crashes")" ]; then
	echo "run.sh: interrupted, nothing found so far" >&2
	exit 130
fi
if [ "$rc" -ne 0 ]; then
	echo "run.sh: the fuzzer failed (exit $rc); inputs kept in $crashes:" >&2
	ls -l "$crashes" >&2
	exit 1
fi
echo "run.sh: no crash in $secs s; corpus: $(ls "$dir/corpus" | wc -l) inputs"
