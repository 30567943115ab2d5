#!/bin/bash
# The hostile-input battery: what a careless or malicious hand can put in
# front of certdesk.  Every case asserts the exit code, the message, that
# the server folder is unchanged (a tree hash before and after), that no
# raw escape or control byte reaches the terminal, and that the command
# came back quickly (endless inputs must not hang it).
#
# Fixtures are made here by OpenSSL, the independent judge; the tree hash
# is t_tree_hash from tests/lib.sh.  Cases that need root (tmpfs mounts)
# or the import command print a visible "# SKIP" line when they cannot run.
. "$top_srcdir/tests/lib.sh"

# The entry cache lives outside the root; keep it in this test's folder.
export CERTDESK_CACHE="$T_TMP/cache"

# Under Valgrind (tests/valgrind.sh) everything is ~30x slower.
H_TIMEOUT=${H_TIMEOUT:-5}
H_LIMIT_MS=${H_LIMIT_MS:-2000}
H_CASES=0
H_MOUNTS=

h_cleanup() {
	local m
	for m in $H_MOUNTS; do umount "$m" 2>/dev/null || umount -l "$m"; done
	t_cleanup
}
trap 'h_cleanup' EXIT

h_skip() { echo "# SKIP $1"; }

# h_run ARGS...: certdesk with a time limit; sets T_OUT, T_ERR, T_RC, T_MS.
h_run() {
	local start end
	start=$(date +%s%N)
	timeout -s KILL "$H_TIMEOUT" "$CERTDESK" "$@" >"$T_TMP/stdout" \
	    2>"$T_TMP/stderr" && T_RC=0 || T_RC=$?
	end=$(date +%s%N)
	T_MS=$(((end - start) / 1000000))
	T_OUT=$(cat "$T_TMP/stdout")
	T_ERR=$(cat "$T_TMP/stderr")
}

# No ESC, BEL, CSI or other C0/C1 control byte but newline and tab may
# reach the terminal: text from certificates and file names is escaped.
h_clean_output() {
	if LC_ALL=C grep -q -P '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' \
	    "$T_TMP/stdout" "$T_TMP/stderr"; then
		t_fail "$1: a raw control byte was printed: $(cat -v "$T_TMP/stdout" "$T_TMP/stderr" | head -c 300)"
	else
		t_pass "$1: no raw control byte printed"
	fi
}

h_fast() {
	if [ "$T_RC" = 137 ] || [ "$T_RC" = 124 ]; then
		t_fail "$1: still running after ${H_TIMEOUT}s (killed)"
	elif [ "$T_MS" -gt "$H_LIMIT_MS" ]; then
		t_fail "$1: took ${T_MS} ms (limit ${H_LIMIT_MS})"
	else
		t_pass "$1: answered in ${T_MS} ms"
	fi
}

# h_case RC MESSAGE DESCRIPTION ARGS...: one whole case on $R.  MESSAGE is
# looked for on stderr (or stdout when RC is 0); "" skips that assertion.
h_case() {
	local rc=$1 msg=$2 d=$3 before
	shift 3
	H_CASES=$((H_CASES + 1))
	before=$(t_tree_hash "$R")
	h_run --root "$R" "$@"
	t_rc "$rc" "$d"
	if [ -n "$msg" ] && [ "$rc" = 0 ]; then
		t_out_has "$msg" "$d: says '$msg'"
	elif [ -n "$msg" ]; then
		t_err_has "$msg" "$d: says '$msg'"
		case $T_ERR in
		*$'\n'*) t_fail "$d: more than one line on stderr" ;;
		esac
	fi
	t_unchanged "$R" "$before" "$d"
	h_clean_output "$d"
	h_fast "$d"
}

# --- Fixtures, made by OpenSSL ---------------------------------------
FX=$T_TMP/fx
mkdir -p "$FX"
(
	cd "$FX" || exit 1
	openssl ecparam -name prime256v1 -genkey -noout -out ca.key
	openssl req -x509 -new -key ca.key -subj /CN=Hostile-CA -days 30 \
	    -addext basicConstraints=critical,CA:TRUE -out ca.crt
	openssl ecparam -name prime256v1 -genkey -noout -out leaf.key
	openssl req -new -key leaf.key -subj /CN=mail.example.com \
	    -addext subjectAltName=DNS:mail.example.com -out leaf.csr
	printf 'subjectAltName=DNS:mail.example.com\n' > leaf.ext
	openssl x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -days 30 -extfile leaf.ext -out leaf.crt
	openssl x509 -in leaf.crt -outform DER -out leaf.der
	openssl req -in leaf.csr -outform DER -out leaf.csr.der
	openssl pkey -in leaf.key -out leaf.pkcs8
	openssl crl2pkcs7 -nocrl -certfile leaf.crt -certfile ca.crt -out chain.p7b
	openssl crl2pkcs7 -nocrl -certfile leaf.crt -certfile ca.crt \
	    -outform DER -out chain.p7b.der
	openssl pkcs12 -export -inkey leaf.key -in leaf.crt -certfile ca.crt \
	    -passout pass:secret -out bundle.p12
	# A subject full of terminal escapes: colour, title, clear screen.
	openssl req -x509 -new -key leaf.key -days 30 -utf8 \
	    -subj "/CN=evil$(printf '\033')[31mred$(printf '\033')]0;pwned$(printf '\007')/O=clear$(printf '\033')[2J$(printf '\302\233')1m" \
	    -addext "subjectAltName=DNS:mail.example.com" -out escape.crt
	# A subjectAltName that does not decode (the fuzzer's first find:
	# it made list and show loop forever).  Byte 300 of OpenSSL's request
	# is inside the extension's GeneralNames; a wrong tag there.
	openssl req -new -key leaf.key -subj /CN=mail.example.com \
	    -addext 'subjectAltName=DNS:mail.example.com,DNS:*.example.com,IP:192.0.2.1,IP:2001:db8::1,email:a@example.com' \
	    -outform DER -out san.csr.der
) >"$T_TMP/fixtures.log" 2>&1 || { cat "$T_TMP/fixtures.log"; exit 1; }

# Corrupt the first GeneralName's tag inside the DER request, then PEM it.
h_break_san() {
	local off
	# The DNS name tag 0x82 with length 16 before "mail.example.com".
	off=$(LC_ALL=C grep -obUaP '\x82\x10mail\.example\.com' "$FX/san.csr.der" | head -1 | cut -d: -f1)
	cp "$FX/san.csr.der" "$FX/badsan.csr.der"
	printf '\xff' | dd of="$FX/badsan.csr.der" bs=1 seek="$((off + 1))" conv=notrunc 2>/dev/null
	{
		echo '-----BEGIN CERTIFICATE REQUEST-----'
		base64 -w 64 < "$FX/badsan.csr.der"
		echo '-----END CERTIFICATE REQUEST-----'
	} > "$FX/badsan.csr"
}
h_break_san

# A primed server root: the active pair and one stored entry.
new_primed_root() {
	local r
	r=$(t_new_root)
	"$CERTDESK" --root "$r" new --hostname mail.example.com --country DE \
	    --key-type ecdsa-p256 --name mail >/dev/null 2>&1 ||
	    { echo "cannot prime a root" >&2; exit 1; }
	echo "$r"
}
PRIMED=$(new_primed_root)
# A copy of the primed root, quicker than making new keys.
fresh_root() {
	local r
	r=$(mktemp -d "$T_TMP/root.XXXXXX")
	cp -a "$PRIMED/." "$r/"
	echo "$r"
}
R=$(fresh_root)

# --- Malformed and truncated files copied into sslcert/ by hand -------
# Each is listed as unreadable (list still succeeds) and show names the
# file and what is wrong with it.

# plant NAME.EXT FILE-or-'-' : put bytes into sslcert/ (stdin with '-').
plant() {
	if [ "$2" = - ]; then cat > "$R/sslcert/$1"; else cp "$2" "$R/sslcert/$1"; fi
}

head -c 300 "$FX/leaf.crt" | plant trunc-pem.crt -
h_case 1 "trunc-pem.crt: not a readable PEM certificate" \
    "truncated PEM certificate: show" show trunc-pem
h_case 0 "trunc-pem" "truncated PEM certificate: list lists it" list

head -c 200 "$FX/leaf.der" | plant trunc-der.crt -
h_case 1 "trunc-der.crt: not a readable certificate" \
    "truncated DER certificate: show" show trunc-der

sed 's/^M/!/' "$FX/leaf.crt" | plant badb64.crt -
h_case 1 "badb64.crt: not a readable PEM certificate" \
    "PEM certificate with broken base64: show" show badb64

head -c 4096 /dev/urandom | plant random.crt -
h_case 1 "random.crt" "random bytes as a certificate: show" show random

: | plant empty.crt -
h_case 1 "empty.crt" "empty certificate file: show" show empty

printf -- '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n' |
    plant armour.crt -
h_case 1 "armour.crt" "PEM armour with nothing inside: show" show armour

plant p12.crt "$FX/bundle.p12"
h_case 1 "p12.crt: not a readable certificate" \
    "a PKCS#12 bundle named .crt: show" show p12

plant keyascrt.crt "$FX/leaf.pkcs8"
h_case 1 "keyascrt.crt" "a private key named .crt: show" show keyascrt

plant p7.crt "$FX/chain.p7b.der"
h_case 1 "p7.crt" "DER PKCS#7 named .crt: show" show p7

head -c 250 "$FX/leaf.csr" | plant trunc.csr -
h_case 1 "trunc.csr: not a readable certificate request" \
    "truncated request: show" show trunc

plant badsan.csr "$FX/badsan.csr"
h_case 0 "badsan" "request with an undecodable subjectAltName: show returns" \
    show badsan

# A good certificate beside a broken key: shown, key_matches says why.
plant brokenkey.crt "$FX/leaf.crt"
head -c 60 "$FX/leaf.pkcs8" | plant brokenkey.key -
h_case 0 "not a readable private key" \
    "a truncated key beside its certificate: show says so" show brokenkey

h_case 0 "unreadable" "list with every broken file above" list
h_case 0 '"error"' "list --json with every broken file above" list --json

# --- Oversize and endless inputs --------------------------------------
R=$(fresh_root)
head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' 'A' | plant big.crt -
h_case 1 "too large" "a 5 MiB certificate file: show refuses it quickly" \
    show big
ln -s /dev/zero "$R/sslcert/zero.crt"
h_case 1 "not a regular file" "sslcert/zero.crt -> /dev/zero: show" show zero
mkfifo "$R/sslcert/fifo.crt"
h_case 1 "not a regular file" \
    "a FIFO with no writer as sslcert/fifo.crt: show does not block" show fifo
mkdir "$R/sslcert/folder.crt"
h_case 1 "is a folder" "a folder named folder.crt: show" show folder
ln -s /dev/urandom "$R/sslcert/urandom.key"
cp "$FX/leaf.crt" "$R/sslcert/urandom.crt"
h_case 0 "not a regular file" "sslcert/urandom.key -> /dev/urandom: show" \
    show urandom
h_case 0 "fifo" "list beside a FIFO, /dev/zero and a 5 MiB file" list

# --- Names, hostnames and options -------------------------------------
# NUL bytes cannot be passed in argv (C strings end at the first NUL), so
# the nearest hostile byte, \x01, stands in for them.
R=$PRIMED
N="--country DE --key-type ecdsa-p256"
LONG300=$(printf 'a%.0s' $(seq 300))
LABEL70=$(printf 'b%.0s' $(seq 70))
# shellcheck disable=SC2086
{
h_case 2 "has a '/'" "new --name with a slash" \
    new --hostname m.example.com $N --name a/b
h_case 2 "Entry Name: '..'" "new --name .." \
    new --hostname m.example.com $N --name ..
h_case 2 "has a '/'" "new --name ../escape" \
    new --hostname m.example.com $N --name ../escape
h_case 2 "'\\x01'" "new --name with a control character (\\x01)" \
    new --hostname m.example.com $N --name $'a\x01b'
h_case 2 "too long" "new --name of 300 characters" \
    new --hostname m.example.com $N --name "$LONG300"
h_case 2 "label of 70 characters" "new --hostname with a 70-character label" \
    new --hostname "$LABEL70.example.com" $N
h_case 2 "too long" "new --hostname of 300+ characters" \
    new --hostname "$LONG300.example.com" $N
h_case 2 "'/'" "new --hostname with a slash" \
    new --hostname a/b.example.com $N
h_case 2 "empty label" "new --hostname with .." \
    new --hostname mail..example.com $N
h_case 2 "\\x1b" "new --hostname with an escape sequence (not echoed raw)" \
    new --hostname $'mail\e[31m.example.com' $N
h_case 2 "control character" "new --org with a clear-screen sequence" \
    new --hostname m.example.com $N --org $'Evil\e[2J'
h_case 2 "\\x01" "new --alt with a control character" \
    new --hostname m.example.com $N --alt $'a\x01.example.com'
h_case 2 "out of range" "new --days 0" \
    new --hostname m.example.com $N --days 0
h_case 2 "out of range" "new --days 99999999" \
    new --hostname m.example.com $N --days 99999999
h_case 2 "not a whole number" "new --days -1" \
    new --hostname m.example.com $N --days -1
h_case 2 "not a whole number" "new --days 1e3" \
    new --hostname m.example.com $N --days 1e3
h_case 2 "not a choice" "new --key-type dsa1024 (unknown key type)" \
    new --hostname m.example.com --country DE --key-type dsa1024
h_case 2 "not an ISO 3166" "new --country XX" \
    new --hostname m.example.com --country XX
h_case 2 "has a '/'" "show ../../etc/passwd" show ../../etc/passwd
h_case 2 "300 characters long" "show a 300-character name" show "$LONG300"
h_case 2 "has a '/'" "remove ../certdesk.conf" remove ../certdesk.conf
h_case 2 "'..'" "activate .." activate ..
h_case 2 "has a '/'" "ca remove ../sslcert/server" ca remove ../sslcert/server
h_case 2 "\\x1b" "show a name holding an OSC title sequence" \
    show $'x\e]0;pwned\a'
h_case 2 "has a '/'" "request --reuse-key ../mail" \
    request --hostname m.example.com --country DE --reuse-key ../mail
}

# --- Escape sequences in certificate fields and file names ------------
R=$(fresh_root)
plant escape.crt "$FX/escape.crt"
cp "$FX/leaf.crt" "$R/sslcert/"$'x\e]0;pwned\a\e[2J'.crt
h_case 0 "evil" "list with escapes in a subject and a file name" list
h_case 0 "evil" "list --json with escapes in a subject and a file name" \
    list --json
h_case 0 "\\x1b[31mred" "show of a subject full of escapes: shown escaped" \
    show escape
h_case 0 '"common_name"' "show --json of a subject full of escapes" \
    show escape --json

# --- Two intermediates in sslca/ that issue each other -----------------
# Chain building must stop at the loop, not walk it forever.
(
	cd "$FX" || exit 1
	openssl ecparam -name prime256v1 -genkey -noout -out cyc-a.key
	openssl ecparam -name prime256v1 -genkey -noout -out cyc-b.key
	printf 'basicConstraints=critical,CA:TRUE\n' > ca.ext
	openssl req -x509 -new -key cyc-b.key -subj /CN=CycleB -days 30 -out cyc-b0.crt
	openssl req -new -key cyc-a.key -subj /CN=CycleA -out cyc-a.csr
	openssl x509 -req -in cyc-a.csr -CA cyc-b0.crt -CAkey cyc-b.key \
	    -CAcreateserial -days 30 -extfile ca.ext -out cyc-a.crt
	openssl req -new -key cyc-b.key -subj /CN=CycleB -out cyc-b.csr
	openssl x509 -req -in cyc-b.csr -CA cyc-a.crt -CAkey cyc-a.key \
	    -CAcreateserial -days 30 -extfile ca.ext -out cyc-b.crt
	openssl x509 -req -in leaf.csr -CA cyc-a.crt -CAkey cyc-a.key \
	    -CAcreateserial -days 30 -extfile leaf.ext -out cyc-leaf.crt
) >"$T_TMP/fixtures.log" 2>&1 || { cat "$T_TMP/fixtures.log"; exit 1; }
R=$(fresh_root)
cp "$FX/cyc-a.crt" "$FX/cyc-b.crt" "$R/sslca/"
cp "$FX/cyc-leaf.crt" "$R/sslcert/cycle.crt"
cat "$FX/cyc-leaf.crt" "$FX/cyc-a.crt" "$FX/cyc-b.crt" > "$R/sslcert/loop.crt"
h_case 0 "chain_complete   NO: the chain loops" "a leaf under two CAs that issue each other: show" \
    show cycle
h_case 0 "chain_complete   NO: the chain loops" "a file holding a chain that loops: show" \
    show loop
h_case 0 "CycleA" "list --ca with two CAs that issue each other" list --ca
h_case 0 "cycle" "list --json with a looping chain" list --json

# --- A hostile certdesk.conf ------------------------------------------
R=$(fresh_root)
printf '[server]\nhostname = evil\033[31m.example.com\n' > "$R/certdesk.conf"
h_case 0 "\\x1b[31m" "a hostname with an escape in certdesk.conf: show escapes it" \
    show mail
# check prints its one summary line on stdout (the Nagios convention).
h_case 1 "" "a hostname with an escape in certdesk.conf: check" check
t_out_has "\x1b[31m" "check shows the hostname's escape as text"
printf '[server\nhostname = x\n' > "$R/certdesk.conf"
h_case 1 "certdesk.conf line 1: not valid INI" "a malformed certdesk.conf" list

# --- Symlinks planted in sslcert/ --------------------------------------
R=$(fresh_root)
# Reading through a link is harmless; the contents must not be echoed.
ln -s /etc/passwd "$R/sslcert/evil.crt"
h_case 1 "evil.crt: not a readable certificate" \
    "sslcert/evil.crt -> /etc/passwd: show" show evil
case $T_OUT$T_ERR in
*root:*) t_fail "show evil printed /etc/passwd" ;;
*) t_pass "show evil did not print /etc/passwd" ;;
esac

# Writing must never go through a link: new-name.key -> a file outside.
echo "precious" > "$T_TMP/target"
ln -s "$T_TMP/target" "$R/sslcert/new-name.key"
H_CASES=$((H_CASES + 1))
before=$(t_tree_hash "$R")
h_run --root "$R" new --hostname mail.example.com --country DE \
    --key-type ecdsa-p256 --name new-name
if [ "$(cat "$T_TMP/target")" = precious ]; then
	t_pass "new --name new-name over a planted key symlink: the target is untouched"
else
	t_fail "new --name new-name wrote through sslcert/new-name.key"
fi
if [ "$T_RC" = 0 ]; then
	# Allowed only when the link itself was replaced by a real file.
	if [ -f "$R/sslcert/new-name.key" ] && [ ! -L "$R/sslcert/new-name.key" ]
	then t_pass "new over a key symlink replaced the link, not the target"
	else t_fail "new over a key symlink succeeded but left the link"; fi
else
	t_rc 1 "new over a planted key symlink is refused"
	t_err_has "'new-name' exists" "new over a key symlink: says the entry exists"
	t_unchanged "$R" "$before" "new over a planted key symlink"
fi
h_clean_output "new over a planted key symlink"

# The same with the certificate file a dangling link into /tmp.
ln -s "$T_TMP/nowhere.crt" "$R/sslcert/dangle.crt"
h_case 1 "exists" "new --name dangle over a dangling .crt symlink: refused" \
    new --hostname mail.example.com --country DE --key-type ecdsa-p256 \
    --name dangle
[ -e "$T_TMP/nowhere.crt" ] && t_fail "new wrote through a dangling link" ||
    t_pass "nothing was created at the dangling link's target"

# remove of an entry that is a link removes the link, never the target.
cp "$FX/leaf.crt" "$T_TMP/outside.crt"
sum=$(sha256sum < "$T_TMP/outside.crt")
ln -s "$T_TMP/outside.crt" "$R/sslcert/linked.crt"
H_CASES=$((H_CASES + 1))
h_run --root "$R" remove linked
t_rc 0 "remove of a symlinked entry"
[ -f "$T_TMP/outside.crt" ] && [ "$(sha256sum < "$T_TMP/outside.crt")" = "$sum" ] &&
    t_pass "remove of a symlinked entry left the link's target alone" ||
    t_fail "remove of a symlinked entry touched the file outside sslcert/"
[ ! -e "$R/sslcert/linked.crt" ] && [ ! -L "$R/sslcert/linked.crt" ] &&
    t_pass "remove of a symlinked entry removed the link" ||
    t_fail "remove of a symlinked entry left the link"

# --- A read-only disk and a full disk (tmpfs; needs root) --------------
h_mount() {
	mkdir -p "$2"
	if mount -t tmpfs -o "size=$1" tmpfs "$2" 2>/dev/null; then
		H_MOUNTS="$2 $H_MOUNTS"
		return 0
	fi
	return 1
}

if h_mount 1m "$T_TMP/ro"; then
	R=$T_TMP/ro/root
	cp -a "$PRIMED" "$R"
	if mount -o remount,ro "$T_TMP/ro" 2>/dev/null; then
		h_case 1 "Read-only file system" "new on a read-only disk" \
		    new --hostname mail.example.com --country DE \
		    --key-type ecdsa-p256 --name ro
		h_case 1 "Read-only file system" "remove on a read-only disk" \
		    remove mail
		h_case 1 "Read-only file system" "activate on a read-only disk" \
		    activate mail --force
		h_case 0 "mail" "list on a read-only disk still works" list
	else
		h_skip "read-only disk: cannot remount the tmpfs read-only"
	fi
else
	h_skip "read-only disk: mounting a tmpfs is not permitted here (needs root)"
fi

if h_mount 256k "$T_TMP/full"; then
	R=$T_TMP/full/root
	# The primed root (six small files) fits in 256 KiB; then fill it.
	cp -a "$PRIMED" "$R" || t_fail "full disk: cannot copy the root in"
	dd if=/dev/zero of="$T_TMP/full/fill" bs=1k 2>/dev/null
	h_case 1 "No space left on device" "new on a full disk" \
	    new --hostname mail.example.com --country DE \
	    --key-type ecdsa-p256 --name full
	left=$(find "$R" -name '.*.??????' -o -name 'full.*')
	[ -z "$left" ] && t_pass "full disk: no temporary or half-written file left" ||
	    t_fail "full disk: left behind: $left"
	h_case 1 "No space left on device" "request on a full disk" \
	    request --hostname mail.example.com --country DE \
	    --key-type ecdsa-p256 --name full
	h_case 0 "server" "list on a full disk still works" list
else
	h_skip "full disk: mounting a tmpfs is not permitted here (needs root)"
fi

# --- A damaged or planted entry cache, a certificate swapped in place ---
R=$(fresh_root)
h_run --root "$R" list
[ -n "$(ls -A "$CERTDESK_CACHE" 2>/dev/null)" ] &&
    t_pass "list keeps its cache in \$CERTDESK_CACHE, outside the root" ||
    t_fail "list wrote no cache file in \$CERTDESK_CACHE"
for f in "$CERTDESK_CACHE"/*; do
	[ -f "$f" ] && head -c 3000 /dev/urandom > "$f"
done
h_case 0 "mail" "list with a cache file of random bytes: rebuilt" list
for f in "$CERTDESK_CACHE"/*; do
	[ -f "$f" ] && head -c "$(stat -c %s "$f")" "$f" | head -c 100 > "$f.cut" &&
	    mv "$f.cut" "$f"
done
h_case 0 "mail" "list with a truncated cache file: rebuilt" list
echo "precious" > "$T_TMP/cache-target"
for f in "$CERTDESK_CACHE"/*; do
	[ -f "$f" ] && ln -sf "$T_TMP/cache-target" "$f"
done
h_case 0 "mail" "list with the cache file a symlink to another file" list
[ "$(cat "$T_TMP/cache-target")" = precious ] &&
    t_pass "the cache was not written through a planted symlink" ||
    t_fail "the cache was written through a planted symlink"

# A certificate replaced in place with the same size and mtime: the cache
# must not hide the swap (ctime and the inode's identity change).
R=$(fresh_root)
(cd "$FX" &&
 openssl req -x509 -new -key leaf.key -subj /CN=aaaa.example.com -days 30 -out swap-a.crt &&
 openssl req -x509 -new -key leaf.key -subj /CN=bbbb.example.com -days 30 -out swap-b.crt
) 2>/dev/null
sa=$(stat -c %s "$FX/swap-a.crt")
sb=$(stat -c %s "$FX/swap-b.crt")
# PEM readers ignore text after the END line: pad the shorter one.
while [ "$sa" -lt "$sb" ]; do echo >> "$FX/swap-a.crt"; sa=$((sa + 1)); done
while [ "$sb" -lt "$sa" ]; do echo >> "$FX/swap-b.crt"; sb=$((sb + 1)); done
cp "$FX/swap-a.crt" "$R/sslcert/swap.crt"
h_run --root "$R" list
touch -r "$R/sslcert/swap.crt" "$T_TMP/swap-time"
cat "$FX/swap-b.crt" > "$R/sslcert/swap.crt"
touch -r "$T_TMP/swap-time" "$R/sslcert/swap.crt"
h_case 0 "bbbb.example.com"     "a certificate swapped in place, same size and mtime: list shows the new one"     list

# --- Two writers at once ------------------------------------------------
R=$(fresh_root)
for i in 1 2 3; do
	( "$CERTDESK" --root "$R" new --hostname twin.example.com --country DE \
	    --key-type ecdsa-p256 --name twin$i >"$T_TMP/w1.out" 2>"$T_TMP/w1.err"
	  echo $? > "$T_TMP/w1.rc" ) &
	( "$CERTDESK" --root "$R" new --hostname twin.example.com --country DE \
	    --key-type ecdsa-p256 --name twin$i >"$T_TMP/w2.out" 2>"$T_TMP/w2.err"
	  echo $? > "$T_TMP/w2.rc" ) &
	wait
	rcs="$(cat "$T_TMP/w1.rc") $(cat "$T_TMP/w2.rc")"
	H_CASES=$((H_CASES + 1))
	case $rcs in
	"0 1"|"1 0") t_pass "two writers, round $i: exactly one succeeded ($rcs)" ;;
	*) t_fail "two writers, round $i: exit codes $rcs" ;;
	esac
	T_ERR=$(cat "$T_TMP/w1.err" "$T_TMP/w2.err")
	t_err_has "exists" "two writers, round $i: the loser says the entry exists"
	k=$(openssl pkey -in "$R/sslcert/twin$i.key" -pubout 2>/dev/null)
	c=$(openssl x509 -in "$R/sslcert/twin$i.crt" -noout -pubkey 2>/dev/null)
	[ -n "$k" ] && [ "$k" = "$c" ] &&
	    t_pass "two writers, round $i: twin$i.key is the key of twin$i.crt (openssl)" ||
	    t_fail "two writers, round $i: the stored pair does not match"
	[ "$(stat -c %a "$R/sslcert/twin$i.key")" = 600 ] &&
	    t_pass "two writers, round $i: the key is 0600" ||
	    t_fail "two writers, round $i: the key is not 0600"
done
left=$(find "$R/sslcert" -name '.*.??????')
[ -z "$left" ] && t_pass "two writers: no temporary file left" ||
    t_fail "two writers: left behind: $left"

# --- Import: every format, malformed --------------------------------
R=$(fresh_root)
echo secret > "$T_TMP/pw"
echo wrong > "$T_TMP/wrongpw"
I=$T_TMP/in
mkdir -p "$I"
head -c 300 "$FX/leaf.crt" > "$I/trunc.pem"
head -c 200 "$FX/leaf.der" > "$I/trunc.der"
head -c 500 "$FX/chain.p7b.der" > "$I/trunc.p7b"
head -c 700 "$FX/bundle.p12" > "$I/trunc.p12"
head -c 4096 /dev/urandom > "$I/random.bin"
: > "$I/empty"
head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' 'A' > "$I/big.pem"
mkfifo "$I/fifo"
h_case 1 "trunc.pem is corrupt" "import a truncated PEM certificate" import "$I/trunc.pem"
h_case 1 "trunc.der is corrupt" "import a truncated DER certificate" import "$I/trunc.der"
h_case 1 "trunc.p7b is corrupt" "import a truncated PKCS#7" import "$I/trunc.p7b"
h_case 1 "trunc.p12 is corrupt" "import a truncated PKCS#12" \
    import "$I/trunc.p12" --password-file "$T_TMP/pw"
h_case 1 "bundle.p12 is wrong" "import a PKCS#12 with the wrong password" \
    import "$FX/bundle.p12" --password-file "$T_TMP/wrongpw"
h_case 1 "random.bin is in an unsupported format" "import random bytes" import "$I/random.bin"
h_case 1 "empty is empty" "import an empty file" import "$I/empty"
h_case 1 "too large" "import a 5 MiB file" import "$I/big.pem"
h_case 1 "not a regular file" "import /dev/zero" import /dev/zero
h_case 1 "not a regular file" "import a FIFO with no writer" import "$I/fifo"
h_case 1 "does not belong to the certificate" "import a certificate with a key that is not its own" \
    import "$FX/escape.crt" --key "$FX/ca.key" --name other
h_case 2 "has a '/'" "import --name ../escape" \
    import "$FX/leaf.crt" --name ../escape
h_case 2 "give its password with --password-file" \
    "import a PKCS#12 without a password" import "$FX/bundle.p12"
openssl pkcs8 -topk8 -in "$FX/leaf.key" -v2 aes-256-cbc \
    -passout pass:secret -out "$I/enc.key" 2>/dev/null
h_case 1 "is wrong" "import with an encrypted key and the wrong password" \
    import "$FX/leaf.crt" --key "$I/enc.key" --password-file "$T_TMP/wrongpw"
h_case 1 "corrupt" "import a certificate with a truncated key" \
    import "$FX/leaf.crt" --key "$I/trunc.pem"
h_case 1 "not a regular file" "import with --key /dev/zero" \
    import "$FX/leaf.crt" --key /dev/zero
ln -s /etc/passwd "$I/passwd.pem"
h_case 1 "passwd.pem" "import a symlink to /etc/passwd" import "$I/passwd.pem"
case $T_OUT$T_ERR in
*root:*) t_fail "import printed /etc/passwd" ;;
*) t_pass "import did not print /etc/passwd" ;;
esac
h_case 2 "\\x1b" "import --name with an escape sequence" \
    import "$FX/leaf.crt" --name $'x\e[2Jy'
# A name taken from a hostile certificate must still be a safe name.
(cd "$FX" && openssl req -x509 -new -key leaf.key -days 30 \
    -subj '/CN=..\/..\/etc\/evil' -out "$I/slashcn.crt") 2>/dev/null
H_CASES=$((H_CASES + 1))
h_run --root "$R" import "$I/slashcn.crt"
t_rc 0 "import a certificate whose CN is ../../etc/evil"
[ ! -e "$R/etc" ] && [ ! -e "$(dirname "$R")/etc/evil.crt" ] &&
    [ -z "$(find "$R/sslcert" "$R/sslca" -mindepth 1 -type d)" ] &&
    t_pass "the entry named from ../../etc/evil stayed a plain file in sslcert/" ||
    t_fail "a name derived from ../../etc/evil escaped sslcert/"
h_clean_output "import a certificate whose CN is ../../etc/evil"

# kill -9 at random moments of import, then the next command finds a
# consistent tree: every stored .crt/.csr readable, every key paired.
for i in 1 2 3 4 5 6; do
	"$CERTDESK" --root "$R" import "$FX/bundle.p12" \
	    --password-file "$T_TMP/pw" --name killed$i >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$((RANDOM % 9))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	h_run --root "$R" list --json
	t_rc 0 "kill -9 during import ($i): the next list succeeds"
	case $T_OUT in
	*'"error"'*) t_fail "kill -9 during import ($i): an unreadable entry was left" ;;
	*) t_pass "kill -9 during import ($i): no unreadable entry left" ;;
	esac
	if [ -f "$R/sslcert/killed$i.crt" ]; then
		k=$(openssl pkey -in "$R/sslcert/killed$i.key" -pubout 2>/dev/null)
		c=$(openssl x509 -in "$R/sslcert/killed$i.crt" -noout -pubkey 2>/dev/null)
		[ "$k" = "$c" ] && t_pass "kill -9 during import ($i): the pair that landed matches" ||
		    t_fail "kill -9 during import ($i): killed$i.crt without its key"
	fi
done

echo "# $H_CASES hostile cases"
t_done
