# Shared helpers of the end-to-end tests: a fresh server root per test,
# assertions that say what failed, and a hash of a folder tree so a refusal
# can be shown to have changed nothing on disk.
# Use: . "$top_srcdir/tests/lib.sh"

set -u
: "${CERTDESK:?CERTDESK must name the built certdesk binary}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${CERTDESK_FORMS:=$top_srcdir/forms}"
export CERTDESK_FORMS
unset CERTDESK_ROOT CERTDESK_NOW

T_FAILED=0
T_COUNT=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/certdesk-test.XXXXXX")
trap 't_cleanup' EXIT

t_cleanup() {
	if [ -n "${T_KEEP:-}" ]; then echo "kept $T_TMP"; else rm -rf "$T_TMP"; fi
}

# A new empty server root with a fixed hostname; prints its path.
t_new_root() {
	local r
	r=$(mktemp -d "$T_TMP/root.XXXXXX")
	mkdir -p "$r/sslcert" "$r/sslca"
	printf '[server]\nhostname = %s\n' "${1:-mail.example.com}" > "$r/certdesk.conf"
	echo "$r"
}

# Run certdesk; sets T_OUT, T_ERR and T_RC.
t_run() {
	T_OUT=$("$CERTDESK" "$@" 2>"$T_TMP/stderr") && T_RC=0 || T_RC=$?
	T_ERR=$(cat "$T_TMP/stderr")
}

t_pass() { T_COUNT=$((T_COUNT + 1)); echo "ok $T_COUNT - $1"; }
t_fail() {
	T_COUNT=$((T_COUNT + 1)); T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_COUNT - $1"
	[ -n "${T_ERR:-}" ] && echo "#   stderr: $T_ERR"
	return 0
}

# t_ok DESCRIPTION COMMAND...: the command must succeed.
t_ok() {
	local d=$1; shift
	if "$@"; then t_pass "$d"; else t_fail "$d"; fi
}

# t_rc EXPECTED DESCRIPTION: the last t_run exited with EXPECTED.
t_rc() {
	if [ "$T_RC" = "$1" ]; then t_pass "$2 (exit $1)"
	else t_fail "$2: exit $T_RC, expected $1"; fi
}

# t_err_has TEXT DESCRIPTION: the last t_run's stderr holds TEXT.
t_err_has() {
	case $T_ERR in
	*"$1"*) t_pass "$2" ;;
	*) t_fail "$2: stderr lacks '$1'" ;;
	esac
}

t_out_has() {
	case $T_OUT in
	*"$1"*) t_pass "$2" ;;
	*) t_fail "$2: stdout lacks '$1': $T_OUT" ;;
	esac
}

# The hash of a whole tree: names, modes, link targets and contents.
t_tree_hash() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
		if [ -L "$f" ]; then printf 'L %s %s\n' "$f" "$(readlink "$f")"
		elif [ -f "$f" ]; then printf 'F %s %s %s\n' "$f" "$(stat -c %a "$f")" "$(sha256sum < "$f" | cut -d' ' -f1)"
		else printf 'D %s %s\n' "$f" "$(stat -c %a "$f")"; fi
	done) | sha256sum | cut -d' ' -f1
}

# t_unchanged ROOT HASH DESCRIPTION
t_unchanged() {
	if [ "$(t_tree_hash "$1")" = "$2" ]; then t_pass "$3: nothing changed on disk"
	else t_fail "$3: the server folder changed"; fi
}

# End the test script: a summary line and the exit code.
t_done() {
	echo "$((T_COUNT - T_FAILED)) passed, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
}
