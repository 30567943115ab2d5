#!/bin/sh
# Build and run the benchmark (not a test: it takes minutes and its
# figures depend on the machine).  The results go to stdout as Markdown
# tables; bench/RESULTS.md quotes them with the machine they came from.
#
# Use: bench/run.sh [BUILDDIR] [N...]     (default: . and 1000 10000)
#   BUILDDIR holds libcertdesk.a, certdesk and config.h (a configured,
#   built tree).  BENCH_DIR (default $TMPDIR/certdesk-bench) keeps the
#   generated roots between runs; delete it to start over.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=$(cd "${1:-.}" && pwd)
[ $# -gt 0 ] && shift
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/certdesk-bench}
cc=${CC:-cc}

for f in libcertdesk.a certdesk config.h; do
	if [ ! -e "$build/$f" ]; then
		echo "bench/run.sh: $build/$f is missing: configure and make first" >&2
		exit 2
	fi
done
mkdir -p "$dir"
# shellcheck disable=SC2046
"$cc" -O2 -g -Wall -Wextra -Wno-unused-parameter -I"$build" \
	-I"$top/include" -I"$top/src" $(pkg-config --cflags gnutls) \
	"$here/bench.c" "$build/libcertdesk.a" \
	$(pkg-config --libs gnutls inih) -lutil -o "$dir/bench"

echo "# certdesk benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "Machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1)," \
	"$(free -g | awk '/^Mem:/ { print $2 " GiB RAM" }'), $(uname -sr)"
echo
echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine inflates wall times, not CPU times)"
echo
"$dir/bench" --certdesk "$build/certdesk" --dir "$dir" "$@"
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
