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

# ---- Helpers of cli-basic.sh and crash.sh ----

# A new server root (as t_new_root) whose first-run pair and default key
# type are ECDSA P-256, so a test does not wait for RSA key generation.
t_new_fast_root() {
	local r
	r=$(t_new_root "${1:-mail.example.com}")
	printf 'key_type = ecdsa-p256\n' >> "$r/certdesk.conf"
	echo "$r"
}

# The tests judge JSON with python3's json module; without it they cannot
# judge anything, which is a hard error (99), not a pass.
# T_PYTHON is the interpreter itself, not a version manager's slow shim.
t_need_python3() {
	T_PYTHON=$(python3 -c 'import json, sys; print(sys.executable)' \
	    2>/dev/null) && [ -x "$T_PYTHON" ] && return 0
	echo "Bail out! python3 is needed to parse certdesk's JSON"
	exit 99
}

# t_json JSON EXPR: evaluate the Python expression EXPR over the parsed
# JSON value `d`; strings print as they are, anything else as JSON (true,
# false, numbers).  Prints nothing (and fails) on a parse or lookup error.
t_json() {
	printf '%s' "$1" | "${T_PYTHON:-python3}" -c '
import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))' "$2" 2>/dev/null
}

# t_eq ACTUAL EXPECTED DESCRIPTION: equal strings; an empty EXPECTED is a
# failure too, so two failed look-ups never compare equal.
t_eq() {
	if [ -n "$2" ] && [ "$1" = "$2" ]; then t_pass "$3"
	else t_fail "$3: got '$1', expected '$2'"; fi
}

# t_ne A B DESCRIPTION: two non-empty, different strings.
t_ne() {
	if [ -n "$1" ] && [ -n "$2" ] && [ "$1" != "$2" ]; then t_pass "$3"
	else t_fail "$3: '$1' and '$2' should differ"; fi
}

# t_same_file A B DESCRIPTION: byte-identical files.
t_same_file() {
	if [ -f "$1" ] && [ -f "$2" ] && cmp -s "$1" "$2"; then t_pass "$3"
	else t_fail "$3: '$1' and '$2' differ (or are missing)"; fi
}

# t_mode FILE: the permission bits, e.g. 600.
t_mode() { stat -c %a "$1" 2>/dev/null; }

# t_spki_sha256 cert|req|key FILE: the SHA-256 of the DER
# SubjectPublicKeyInfo, as OpenSSL reads it from a certificate (the first
# in the file), a request or a private key.  This is the DANE TLSA 3 1 1
# value.  Prints nothing if OpenSSL cannot read the file.
t_spki_sha256() {
	(
	set -o pipefail
	case $1 in
	cert) openssl x509 -in "$2" -noout -pubkey ;;
	req) openssl req -in "$2" -noout -pubkey ;;
	key) openssl pkey -in "$2" -pubout ;;
	*) exit 1 ;;
	esac 2>/dev/null | openssl pkey -pubin -outform der 2>/dev/null |
	    sha256sum | cut -d' ' -f1
	) | grep -v '^e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855$'
}

# t_openssl_sha256 FILE: the certificate's SHA-256 fingerprint as OpenSSL
# computes it, lower case without colons.
t_openssl_sha256() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 2>/dev/null |
	    sed -n 's/^.*=//; s/://g; y/ABCDEF/abcdef/; p'
}

# t_cert_count FILE: how many PEM certificates FILE holds.
t_cert_count() { grep -c -- '-----BEGIN CERTIFICATE-----' "$1" 2>/dev/null; }

# t_pem_part FILE N: the Nth (from 1) PEM certificate of FILE.
t_pem_part() {
	awk -v n="$2" '/-----BEGIN CERTIFICATE-----/ { i++ }
	    i == n { print } /-----END CERTIFICATE-----/ && i == n { exit }' "$1"
}
