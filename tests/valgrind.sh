#!/bin/bash
# Valgrind memcheck of the command-line tests: run the end-to-end scripts
# with $CERTDESK pointing to a wrapper that runs the real binary under
# memcheck, then fail on any memory error or any leak that Valgrind calls
# "definitely lost" (still reachable memory at exit is not a leak).
#
# Use: CERTDESK=/path/to/certdesk top_srcdir=SRC tests/valgrind.sh [SCRIPT...]
#      (default: every tests/e2e/*.sh but the console's and the engines',
#      which drive tmux and Dovecot and would only time out under Valgrind)
# Build without --enable-sanitizers: ASan and Valgrind do not mix.
set -u
: "${CERTDESK:?CERTDESK must name the built certdesk binary}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
export top_srcdir

if ! command -v valgrind >/dev/null; then
	echo "valgrind.sh: valgrind not found: install the Debian package valgrind" >&2
	exit 77
fi
if nm -D "$CERTDESK" 2>/dev/null | grep -q __asan_init ||
    nm "$CERTDESK" 2>/dev/null | grep -q __asan_init; then
	echo "valgrind.sh: $CERTDESK is built with ASan; configure without --enable-sanitizers" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/certdesk-valgrind.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/logs"
real=$(cd "$(dirname "$CERTDESK")" && pwd)/$(basename "$CERTDESK")

# The wrapper: one log per process; exit 99 on a memory error or a
# definite leak, so the test that ran it sees a wrong exit code too.
cat > "$work/certdesk" <<EOF
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite --show-leak-kinds=definite \\
    --track-origins=yes --num-callers=30 \\
    --log-file="$work/logs/vg.%p.log" "$real" "\$@"
EOF
chmod +x "$work/certdesk"

if [ $# -eq 0 ]; then
	set --
	for s in "$top_srcdir"/tests/e2e/*.sh; do
		case $s in
		*/console.sh|*/engine*.sh|*-lib.sh) ;;
		*) set -- "$@" "$s" ;;
		esac
	done
fi

# Valgrind makes every run ~30x slower: give the time limits room.
export CERTDESK="$work/certdesk" H_TIMEOUT=180 H_LIMIT_MS=120000
export CERTDESK_FORMS="${CERTDESK_FORMS:-$top_srcdir/forms}"
failed=0
for s in "$@"; do
	echo "== $s under valgrind"
	if bash "$s" > "$work/out" 2>&1; then
		echo "   $(tail -1 "$work/out")"
	else
		echo "   FAILED:"
		grep -v '^ok' "$work/out" | sed 's/^/   /' | head -40
		failed=1
	fi
done

runs=$(ls "$work/logs" | wc -l)
bad=$(grep -l -E 'definitely lost|Invalid (read|write|free)|uninitialised|Mismatched free|overlap' "$work/logs"/* 2>/dev/null)
if [ -n "$bad" ]; then
	echo "valgrind.sh: memory errors or definite leaks in $(echo "$bad" | wc -l) of $runs runs:"
	for f in $bad; do
		echo "--- $f"
		head -60 "$f"
	done
	failed=1
else
	echo "valgrind.sh: $runs certdesk runs, no memory error, nothing definitely lost"
fi
exit $failed
