#!/bin/bash
# Import and export, judged by OpenSSL and GnuTLS's certtool: inputs that
# OpenSSL and certtool made, in every format, are imported and paired;
# everything certdesk exports is read back by OpenSSL; every bad input is
# refused with its message and exit code, and nothing changes on disk.
. "$top_srcdir/tests/lib.sh"

FX=$T_TMP/fx
if ! sh "$top_srcdir/tests/fixtures/make-fixtures.sh" "$FX" >"$T_TMP/fx.log" 2>&1; then
	cat "$T_TMP/fx.log"
	echo "Bail out! the OpenSSL fixtures could not be made"
	exit 1
fi
PW=$FX/pw.txt

# The SHA-256 fingerprint of the first certificate of a PEM (or DER) file.
fp() { openssl x509 -noout -fingerprint -sha256 -in "$1" ${2:+-inform "$2"} 2>/dev/null | cut -d= -f2; }
crt_pub() { openssl x509 -noout -pubkey -in "$1" 2>/dev/null; }
key_pub() { openssl pkey -pubout -in "$1" ${2:+-passin "file:$2"} 2>/dev/null; }
mode_of() { stat -c %a "$1"; }
# Count the certificates in a PEM file.
n_certs() { grep -c -- '-----BEGIN CERTIFICATE-----' "$1"; }
# A JSON field of `show NAME --json` (a dotted path), printed as JSON.
show_field() {
	"$CERTDESK" --root "$1" show "$2" --json 2>/dev/null | python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
	v = v[k]
print(json.dumps(v))' "$3" 2>/dev/null
}

# t_pair ROOT NAME CERT DESC: sslcert/NAME.crt is CERT's leaf, NAME.key
# its key (OpenSSL says the public keys are the same), mode 0600.
t_pair() {
	local r=$1 n=$2 c=$3 d=$4
	if [ "$(fp "$r/sslcert/$n.crt")" = "$(fp "$c")" ] && [ -n "$(fp "$c")" ]; then
		t_pass "$d: sslcert/$n.crt is the input's certificate"
	else
		t_fail "$d: sslcert/$n.crt is not the input's certificate"
	fi
	if [ -f "$r/sslcert/$n.key" ] &&
	    [ "$(key_pub "$r/sslcert/$n.key")" = "$(crt_pub "$r/sslcert/$n.crt")" ]; then
		t_pass "$d: sslcert/$n.key is the certificate's key (openssl pkey)"
	else
		t_fail "$d: sslcert/$n.key is not the certificate's key"
	fi
	if [ -f "$r/sslcert/$n.key" ] && [ "$(mode_of "$r/sslcert/$n.key")" = 600 ]; then
		t_pass "$d: the key is mode 0600"
	else
		t_fail "$d: the key is not mode 0600"
	fi
	if [ "$(show_field "$r" "$n" checks.key_matches)" = true ]; then
		t_pass "$d: show --json says key_matches"
	else
		t_fail "$d: show --json does not say key_matches"
	fi
}

# t_has_ca ROOT CERT DESC: some sslca/*.crt holds CERT.
t_has_ca() {
	local f want
	want=$(fp "$2")
	for f in "$1"/sslca/*.crt; do
		if [ -f "$f" ] && [ "$(fp "$f")" = "$want" ]; then
			t_pass "$3: the CA certificate is in sslca/$(basename "$f")"
			return
		fi
	done
	t_fail "$3: the CA certificate is not in sslca/"
}

# ---------------------------------------------------------------------
# Every input format, imported and paired.

t_import_pair() {	# DESC NAME CERT ARGS...: import ARGS, check the pair
	local d=$1 n=$2 c=$3 r
	shift 3
	r=$(t_new_root)
	t_run --root "$r" import "$@"
	t_rc 0 "$d: import"
	t_pair "$r" "$n" "$c" "$d"
	LAST_ROOT=$r
}

t_import_pair "PEM certificate + PKCS#8 key" mail.example.com "$FX/leaf.pem" \
	"$FX/leaf.pem" --key "$FX/leaf.key"
t_out_has "mail.example.com" "the summary names the entry"
t_out_has "CN=Test Intermediate CA" "the summary names the issuer"
t_out_has "sslcert/mail.example.com.key" "the summary says where the key goes"

t_import_pair "encrypted PKCS#8 key" mail "$FX/leaf.pem" \
	"$FX/leaf.pem" --key "$FX/leaf-enc.key" --password-file "$PW" --name mail
t_import_pair "PKCS#1 RSA key" mail "$FX/leaf.pem" \
	"$FX/leaf.pem" --key "$FX/leaf-rsa.key" --name mail
t_import_pair "legacy Proc-Type encrypted key" mail "$FX/leaf.pem" \
	"$FX/leaf.pem" --key "$FX/leaf-legacy.key" --password-file "$PW" --name mail
t_import_pair "SEC1 EC key" ec "$FX/ec.pem" \
	"$FX/ec.pem" --key "$FX/ec.key" --name ec
t_import_pair "certtool's Ed25519 self-signed pair (text before the PEM)" ed.example.com "$FX/ed.pem" \
	"$FX/ed.pem" --key "$FX/ed.key"
t_import_pair "certificate and key in one file" mail "$FX/leaf.pem" \
	"$FX/leaf-key.pem" --name mail
t_import_pair "DER certificate" mail "$FX/leaf.pem" \
	"$FX/leaf.der" --key "$FX/leaf.key" --name mail
t_import_pair "DER certificate + DER PKCS#8 key" mail "$FX/leaf.pem" \
	"$FX/leaf.der" --key "$FX/leaf-key.der" --name mail
t_import_pair "DER certificate + DER encrypted PKCS#8 key" mail "$FX/leaf.pem" \
	"$FX/leaf.der" --key "$FX/leaf-enc.der" --password-file "$PW" --name mail
t_import_pair "PKCS#12 with an empty password (no --password-file)" mail "$FX/leaf.pem" \
	"$FX/leaf-nopw.p12" --name mail
t_import_pair "PKCS#7 PEM" mail "$FX/leaf.pem" \
	"$FX/chain.p7b" --key "$FX/leaf.key" --name mail
t_has_ca "$LAST_ROOT" "$FX/int.pem" "PKCS#7 PEM"
t_import_pair "PKCS#7 DER" mail "$FX/leaf.pem" \
	"$FX/chain-der.p7b" --key "$FX/leaf.key" --name mail
t_has_ca "$LAST_ROOT" "$FX/int.pem" "PKCS#7 DER"
t_import_pair "PKCS#12 modern (OpenSSL 3)" mail "$FX/leaf.pem" \
	"$FX/leaf.p12" --password-file "$PW" --name mail
t_has_ca "$LAST_ROOT" "$FX/int.pem" "PKCS#12 modern"
t_import_pair "PKCS#12 legacy (openssl -legacy: RC2-40 + 3DES)" mail "$FX/leaf.pem" \
	"$FX/leaf-legacy.p12" --password-file "$PW" --name mail
t_has_ca "$LAST_ROOT" "$FX/int.pem" "PKCS#12 legacy"
t_import_pair "PKCS#12 made by certtool (3DES)" mail "$FX/leaf.pem" \
	"$FX/leaf-certtool.p12" --password-file "$PW" --name mail
t_import_pair "chain in the wrong order (intermediate, root, leaf)" mail "$FX/leaf.pem" \
	"$FX/wrong-order.pem" --key "$FX/leaf.key" --name mail
t_has_ca "$LAST_ROOT" "$FX/int.pem" "wrong order: the intermediate"
t_has_ca "$LAST_ROOT" "$FX/root.pem" "wrong order: the root"
if [ "$(n_certs "$LAST_ROOT/sslcert/mail.crt")" = 1 ]; then
	t_pass "wrong order: sslcert/mail.crt holds the leaf only"
else
	t_fail "wrong order: sslcert/mail.crt holds more than the leaf"
fi

# A certificate without key and without request: stored, listed keyless.
r=$(t_new_root)
t_run --root "$r" import "$FX/fullchain.pem"
t_rc 0 "certificate without a key"
t_out_has "stored without a key" "the summary says there is no key"
if [ -f "$r/sslcert/mail.example.com.crt" ] && [ ! -e "$r/sslcert/mail.example.com.key" ]; then
	t_pass "keyless: the certificate is stored, no key file"
else
	t_fail "keyless: expected sslcert/mail.example.com.crt and no key"
fi
if "$CERTDESK" --root "$r" list --json 2>/dev/null | python3 -c '
import json, sys
sys.exit(not any(e["name"] == "mail.example.com" and e["kind"] == "certificate"
    and e["has_key"] is False for e in json.load(sys.stdin)))'; then
	t_pass "keyless: list --json shows the certificate, has_key false"
else
	t_fail "keyless: list --json does not show the certificate"
fi
t_has_ca "$r" "$FX/int.pem" "keyless"

t_import_pair "a certificate without a CN is named after its DNS name" nocn.example.com "$FX/nocn.pem" \
	"$FX/nocn.pem" --key "$FX/nocn.key"

# A server's self-signed certificate marked CA:TRUE is still a server's.
r4=$(t_new_root)
t_run --root "$r4" import "$FX/old.pem"
t_rc 0 "a CA:TRUE self-signed server certificate without its key"
t_ok "it is stored in sslcert/, not sslca/" test -f "$r4/sslcert/old.example.com.crt" -a -z "$(ls "$r4/sslca")"
t_import_pair "a CA:TRUE self-signed server certificate with its key" old.example.com "$FX/old.pem" \
	"$FX/old.pem" --key "$FX/old.key"
t_run --root "$r4" import "$FX/old.pem" --key "$FX/old.key"
t_rc 0 "the key of a certificate stored without it"
t_out_has "the key is added" "the summary says the key is added"
t_pair "$r4" old.example.com "$FX/old.pem" "a key added to a keyless entry"
t_ok "no second entry was made" test "$(ls "$r4/sslcert" | grep -c old)" = 2

# An import interrupted after the key landed (kill -9): the key alone is
# there; the same import again completes the pair.
r5=$(t_new_root)
openssl pkey -in "$FX/leaf.key" -out "$r5/sslcert/mail.key" 2>/dev/null
chmod 600 "$r5/sslcert/mail.key"
t_run --root "$r5" import "$FX/leaf.pem" --key "$FX/leaf.key" --name mail
t_rc 0 "an import over its own interrupted first half"
t_out_has "interrupted import" "the summary says the key was already there"
t_pair "$r5" mail "$FX/leaf.pem" "a completed interrupted import"
openssl pkey -in "$FX/other.key" -out "$r5/sslcert/stray.key" 2>/dev/null
h=$(t_tree_hash "$r5")
t_run --root "$r5" import "$FX/ec.pem" --key "$FX/ec.key" --name stray
t_rc 2 "a name holding another key"
t_err_has "already exists" "a name holding another key is refused"
t_unchanged "$r5" "$h" "a name holding another key"

# The same again: nothing is stored twice.
h=$(t_tree_hash "$r")
t_run --root "$r" import "$FX/fullchain.pem"
t_rc 0 "the same certificate again"
t_out_has "already stored" "the summary says the certificate is already stored"
t_out_has "already present" "the summary says the intermediate is already present"
t_unchanged "$r" "$h" "importing the same file twice"
t_run --root "$r" ca import "$FX/int.pem"
t_rc 0 "ca import of an intermediate already present"
t_out_has "already present" "ca import says it is already present"
t_unchanged "$r" "$h" "ca import of the same intermediate"
t_run --root "$r" ca import "$FX/root.pem"
t_rc 0 "ca import of the root"
t_has_ca "$r" "$FX/root.pem" "ca import"

# A different certificate under a name that is taken: refused.
h=$(t_tree_hash "$r")
t_run --root "$r" import "$FX/ec.pem" --key "$FX/ec.key" --name mail.example.com
t_rc 2 "a name already taken"
t_err_has "already exists" "a taken name is refused"
t_err_has "--name" "the refusal says to choose --name"
t_unchanged "$r" "$h" "a taken name"

# ---------------------------------------------------------------------
# A request made by certdesk, signed by the OpenSSL intermediate, imported
# under no name: it pairs with the request's key and retires the request.

r=$(t_new_root)
t_run --root "$r" request --hostname mail.example.com --country FR \
	--alt imap.example.com --key-type ecdsa-p256 --name renew
t_rc 0 "certdesk request"
key_before=$(sha256sum < "$r/sslcert/renew.key")
printf 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n' > "$T_TMP/req.ext"
if openssl x509 -req -in "$r/sslcert/renew.csr" -CA "$FX/int.pem" -CAkey "$FX/int.key" \
	-CAcreateserial -CAserial "$T_TMP/int.srl" -days 90 -copy_extensions copy \
	-extfile "$T_TMP/req.ext" -out "$T_TMP/signed.pem" 2>/dev/null; then
	t_pass "OpenSSL signed certdesk's request"
else
	t_fail "OpenSSL could not sign certdesk's request"
fi
cat "$T_TMP/signed.pem" "$FX/int.pem" > "$T_TMP/signed-chain.pem"
t_run --root "$r" import "$T_TMP/signed-chain.pem"
t_rc 0 "import of the signed request"
t_out_has "renew" "the summary names the request it answers"
t_pair "$r" renew "$T_TMP/signed.pem" "answer to a request"
if [ "$(sha256sum < "$r/sslcert/renew.key")" = "$key_before" ]; then
	t_pass "the request's key is kept as it was"
else
	t_fail "the request's key changed"
fi
if [ ! -e "$r/sslcert/renew.csr" ]; then
	t_pass "the request is retired"
else
	t_fail "the request is still in sslcert/"
fi
if [ -n "$(find "$r" -path "$r/sslcert" -prune -o -name renew.csr -print)" ]; then
	t_pass "the retired request is kept in a backup"
else
	t_fail "the retired request was not kept"
fi
t_run --root "$r" ca import "$FX/root.pem"
t_rc 0 "ca import of the private root"
t_run --root "$r" activate renew
t_rc 0 "activate the imported certificate"
awk '/-----BEGIN/{n++} n>1' "$r/sslcert/server.crt" > "$T_TMP/untrusted.pem"
if openssl verify -CAfile "$FX/root.pem" -untrusted "$T_TMP/untrusted.pem" \
	-verify_hostname mail.example.com "$r/sslcert/server.crt" >/dev/null 2>&1; then
	t_pass "openssl verify accepts server.crt's chain for mail.example.com"
else
	t_fail "openssl verify rejects server.crt's chain"
fi
if [ "$(key_pub "$r/sslcert/server.key")" = "$(crt_pub "$r/sslcert/server.crt")" ]; then
	t_pass "server.key is server.crt's key"
else
	t_fail "server.key is not server.crt's key"
fi

# Answering a request under another name: the key moves with it.
sign_request() {	# ROOT NAME OUT
	openssl x509 -req -in "$1/sslcert/$2.csr" -CA "$FX/int.pem" -CAkey "$FX/int.key" \
		-CAserial "$T_TMP/int.srl" -days 90 -copy_extensions copy \
		-extfile "$T_TMP/req.ext" -out "$3" 2>/dev/null
}
r3=$(t_new_root)
t_run --root "$r3" request --hostname mail.example.com --country FR --key-type ecdsa-p256 --name req2
t_run --root "$r3" request --hostname mail.example.com --country FR --key-type ecdsa-p256 --name req3
key2=$(sha256sum < "$r3/sslcert/req2.key")
sign_request "$r3" req2 "$T_TMP/req2.pem"
sign_request "$r3" req3 "$T_TMP/req3.pem"
t_run --root "$r3" import "$T_TMP/req2.pem" --name renamed
t_rc 0 "a request answered under another name"
t_out_has "req2" "the summary names the request"
t_pair "$r3" renamed "$T_TMP/req2.pem" "answered under another name"
t_ok "the request's key moved to the new name" test "$(sha256sum < "$r3/sslcert/renamed.key")" = "$key2"
t_ok "the request and its old key are gone" test ! -e "$r3/sslcert/req2.csr" -a ! -e "$r3/sslcert/req2.key"
t_ok "both are kept in a backup" test "$(find "$r3" -path "$r3/sslcert" -prune -o \( -name req2.csr -o -name req2.key \) -print | wc -l)" = 2
cp "$r3/sslcert/req3.key" "$T_TMP/req3.key"
t_run --root "$r3" import "$T_TMP/req3.pem" --key "$T_TMP/req3.key"
t_rc 0 "a request answered with its key given too"
t_pair "$r3" req3 "$T_TMP/req3.pem" "answered with its key given"
t_ok "the request given with its key is retired" test ! -e "$r3/sslcert/req3.csr"

# A certificate for a key already stored (a renewal keeping the key).
cp "$T_TMP/signed.pem" "$T_TMP/renewed.pem"
openssl x509 -req -in <(openssl x509 -x509toreq -in "$T_TMP/signed.pem" -signkey "$r/sslcert/renew.key" 2>/dev/null) \
	-CA "$FX/int.pem" -CAkey "$FX/int.key" -CAserial "$T_TMP/int.srl" -days 120 \
	-extfile "$T_TMP/req.ext" -out "$T_TMP/renewed.pem" 2>/dev/null
t_run --root "$r" import "$T_TMP/renewed.pem" --name renewed
t_rc 0 "a certificate for a stored key"
t_pair "$r" renewed "$T_TMP/renewed.pem" "a certificate for a stored key"

# ---------------------------------------------------------------------
# Exports, read back by OpenSSL and certtool.

r=$(t_new_root)
t_run --root "$r" import "$FX/leaf.p12" --password-file "$PW" --name mail
t_run --root "$r" ca import "$FX/root.pem"
t_run --root "$r" request --hostname pending.example.com --country FR --key-type ecdsa-p256 --name pending
O=$T_TMP/out
mkdir -p "$O"

t_run --root "$r" export mail --what certificate --out "$O/c.pem"
t_rc 0 "export certificate PEM"
t_ok "the exported PEM is the certificate (openssl x509)" \
	test "$(fp "$O/c.pem")" = "$(fp "$FX/leaf.pem")"
t_ok "the exported certificate is mode 0644" test "$(mode_of "$O/c.pem")" = 644

t_run --root "$r" export mail --what certificate --format der --out "$O/c.cer"
t_rc 0 "export certificate DER"
t_ok "openssl x509 -inform der reads the export" \
	test "$(fp "$O/c.cer" der)" = "$(fp "$FX/leaf.pem")"

t_run --root "$r" export mail --what chain --out "$O/chain.pem"
t_rc 0 "export chain"
t_ok "the chain is the leaf and the intermediate, no root" test "$(n_certs "$O/chain.pem")" = 2
if openssl verify -CAfile "$FX/root.pem" -untrusted "$O/chain.pem" "$O/chain.pem" >/dev/null 2>&1; then
	t_pass "openssl verify accepts the exported chain"
else
	t_fail "openssl verify rejects the exported chain"
fi

t_run --root "$r" export pending --what request --out "$O/req.csr"
t_rc 0 "export request"
if openssl req -verify -noout -in "$O/req.csr" >/dev/null 2>&1; then
	t_pass "openssl req -verify accepts the exported request"
else
	t_fail "openssl req -verify rejects the exported request"
fi

t_run --root "$r" export mail --what key --out "$O/k.pem"
t_rc 0 "export key"
t_ok "the exported key is mode 0600" test "$(mode_of "$O/k.pem")" = 600
t_ok "the exported key is PKCS#8" grep -q -- '-----BEGIN PRIVATE KEY-----' "$O/k.pem"
t_ok "openssl pkey reads the key, and it is the certificate's" \
	test "$(key_pub "$O/k.pem")" = "$(crt_pub "$FX/leaf.pem")"

t_run --root "$r" export mail --what key --password-file "$PW" --out "$O/ke.pem"
t_rc 0 "export encrypted key"
t_ok "the encrypted key is mode 0600" test "$(mode_of "$O/ke.pem")" = 600
t_ok "the key is encrypted PKCS#8" grep -q -- '-----BEGIN ENCRYPTED PRIVATE KEY-----' "$O/ke.pem"
t_ok "the key is encrypted with AES-256" sh -c "openssl asn1parse -in '$O/ke.pem' | grep -q aes-256-cbc"
t_ok "openssl pkey -passin opens the encrypted key" \
	test "$(key_pub "$O/ke.pem" "$PW")" = "$(crt_pub "$FX/leaf.pem")"
if ! openssl pkey -in "$O/ke.pem" -passin "file:$FX/wrong.txt" >/dev/null 2>&1; then
	t_pass "the encrypted key does not open with a wrong password"
else
	t_fail "the encrypted key opens with a wrong password"
fi

INFO_modern=; INFO_legacy=
for profile in modern legacy; do
	p12=$O/b-$profile.p12
	t_run --root "$r" export mail --what pkcs12 --profile $profile --password-file "$PW" --out "$p12"
	t_rc 0 "export PKCS#12 $profile"
	t_ok "the $profile PKCS#12 is mode 0600" test "$(mode_of "$p12")" = 600
	info=$(openssl pkcs12 -info -noout -in "$p12" -passin "file:$PW" 2>&1) && rc=0 || rc=$?
	if [ $rc = 0 ]; then t_pass "openssl pkcs12 -info opens the $profile bundle"
	else t_fail "openssl pkcs12 -info fails on the $profile bundle: $info"; fi
	openssl pkcs12 -in "$p12" -passin "file:$PW" -nodes -out "$O/p12-$profile.pem" 2>/dev/null
	t_ok "the $profile bundle holds the certificate first" \
		test "$(fp "$O/p12-$profile.pem")" = "$(fp "$FX/leaf.pem")"
	t_ok "the $profile bundle holds the intermediate" \
		grep -q "Test Intermediate CA" "$O/p12-$profile.pem"
	t_ok "the $profile bundle holds the certificate's key" \
		test "$(key_pub "$O/p12-$profile.pem")" = "$(crt_pub "$FX/leaf.pem")"
	t_ok "the $profile bundle's friendly name is the entry's" \
		grep -q "friendlyName: mail" "$O/p12-$profile.pem"
	if certtool --p12-info --inder --infile "$p12" --password "$(head -n1 "$PW")" >/dev/null 2>&1; then
		t_pass "certtool --p12-info opens the $profile bundle"
	else
		t_fail "certtool --p12-info fails on the $profile bundle"
	fi
	if ! openssl pkcs12 -info -noout -in "$p12" -passin "file:$FX/wrong.txt" >/dev/null 2>&1; then
		t_pass "the $profile bundle does not open with a wrong password"
	else
		t_fail "the $profile bundle opens with a wrong password"
	fi
	eval "INFO_$profile=\$info"
done
case $INFO_modern in
*"MAC: sha256"*AES-256-CBC*) t_pass "the modern bundle uses AES-256 and a SHA-256 MAC" ;;
*) t_fail "the modern bundle is not AES-256/SHA-256: $INFO_modern" ;;
esac
info=$(openssl pkcs12 -info -noout -legacy -in "$O/b-legacy.p12" -passin "file:$PW" 2>&1) && rc=0 || rc=$?
if [ $rc = 0 ]; then t_pass "openssl pkcs12 -legacy opens the legacy bundle"
else t_fail "openssl pkcs12 -legacy fails on the legacy bundle: $info"; fi
case $info in
*"MAC: sha1"*3-KeyTripleDES*) t_pass "the legacy bundle uses 3DES and a SHA-1 MAC" ;;
*) t_fail "the legacy bundle is not 3DES/SHA-1: $info" ;;
esac

# The bundle imports back into a fresh root.
r2=$(t_new_root)
t_run --root "$r2" import "$O/b-legacy.p12" --password-file "$PW"
t_rc 0 "certdesk imports its own legacy bundle"
t_pair "$r2" mail.example.com "$FX/leaf.pem" "round trip"

# Overwrite only with --force; --out - is standard output.
before=$(sha256sum < "$O/c.pem")
t_run --root "$r" export mail --what chain --out "$O/c.pem"
t_rc 1 "export onto an existing file"
t_err_has "exists; use --force to replace it" "an existing file is kept"
t_ok "the existing file is unchanged" test "$(sha256sum < "$O/c.pem")" = "$before"
t_run --root "$r" export mail --what chain --force --out "$O/c.pem"
t_rc 0 "export --force"
t_ok "--force replaced the file" test "$(n_certs "$O/c.pem")" = 2
t_run --root "$r" export mail --what certificate --out -
t_rc 0 "export --out -"
t_ok "--out - writes the certificate on stdout" \
	test "$(printf '%s\n' "$T_OUT" | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)" = "$(fp "$FX/leaf.pem")"
t_ok "the intermediate is named after its CN" test -f "$r/sslca/Test-Intermediate-CA.crt"
t_run --root "$r" export Test-Intermediate-CA --ca --what certificate --out "$O/int.pem"
t_rc 0 "export --ca of an intermediate"
t_ok "the exported intermediate is the intermediate" test "$(fp "$O/int.pem")" = "$(fp "$FX/int.pem")"

# Usage errors.
h=$(t_tree_hash "$r")
t_run --root "$r" export mail --what pkcs12 --out "$O/nopw.p12"
t_rc 2 "PKCS#12 without a password file"
t_err_has "password" "the refusal asks for a password"
t_ok "no bundle was written" test ! -e "$O/nopw.p12"
t_run --root "$r" export mail --what certificate --format xml --out "$O/x"
t_rc 2 "an unknown --format"
t_run --root "$r" export mail --what everything --out "$O/x"
t_rc 2 "an unknown --what"
t_run --root "$r" export mail --what pkcs12 --profile ancient --password-file "$PW" --out "$O/x"
t_rc 2 "an unknown --profile"
t_run --root "$r" export mail --what certificate
t_rc 2 "no --out"
t_run --root "$r" export nosuch --what certificate --out "$O/x"
t_rc 1 "export of an entry that does not exist"
t_err_has "nosuch" "the message names the missing entry"
t_run --root "$r" import "$FX/leaf.p12" --password "secret"
t_rc 2 "a password argument is refused"
t_err_has "--password-file" "the refusal points to --password-file"
t_run --root "$r" export mail --what key --password=secret --out "$O/pw.key"
t_rc 2 "a password argument to export is refused"
t_ok "no key was written" test ! -e "$O/pw.key"
t_unchanged "$r" "$h" "refused exports"

# ---------------------------------------------------------------------
# Bad inputs: the message, the exit code, and nothing changed on disk.

r=$(t_new_root)
t_run --root "$r" import "$FX/ec.pem" --key "$FX/ec.key" --name existing
B=$T_TMP/bad
mkdir -p "$B"
: > "$B/empty.pem"
{ printf '\001'; head -c 4096 /dev/urandom; } > "$B/random.bin"
head -c 600 "$FX/leaf.pem" > "$B/truncated.pem"
awk 'NR==5{ $0 = substr($0, 1, 10) "!!!!" substr($0, 15) } {print}' "$FX/leaf.pem" > "$B/base64.pem"
head -c 400 "$FX/leaf.der" > "$B/truncated.der"
head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' 'A' > "$B/huge.pem"
mkdir "$B/folder.pem"
mkfifo "$B/fifo.pem"
printf 'hello, this is not a certificate\n' > "$B/text.txt"

# t_bad DESC EXIT TEXT ARGS...: import ARGS is refused.
t_bad() {
	local d=$1 rc=$2 text=$3 h
	shift 3
	h=$(t_tree_hash "$r")
	T_OUT=$(timeout 20 "$CERTDESK" --root "$r" import "$@" 2>"$T_TMP/stderr") && T_RC=0 || T_RC=$?
	T_ERR=$(cat "$T_TMP/stderr")
	t_rc "$rc" "$d"
	t_err_has "$text" "$d: the message says '$text'"
	if [ "$(printf '%s\n' "$T_ERR" | wc -l)" = 1 ]; then
		t_pass "$d: one line on stderr"
	else
		t_fail "$d: more than one line on stderr"
	fi
	t_unchanged "$r" "$h" "$d"
}

t_bad "an empty file" 1 "is empty" "$B/empty.pem"
t_bad "random bytes" 1 "unsupported format" "$B/random.bin"
t_bad "a text file" 1 "unsupported format" "$B/text.txt"
t_bad "a truncated PEM file" 1 "truncated or corrupt PEM block" "$B/truncated.pem"
t_bad "corrupt base64" 1 "not valid base64" "$B/base64.pem"
t_bad "a truncated DER file" 1 "truncated" "$B/truncated.der"
t_bad "a 5 MiB file" 1 "huge.pem is too large" "$B/huge.pem"
t_bad "/dev/zero" 1 "/dev/zero is not a regular file" /dev/zero
t_bad "a FIFO" 1 "fifo.pem is not a regular file" "$B/fifo.pem"
t_bad "a directory" 1 "folder.pem is a folder" "$B/folder.pem"
t_bad "a missing file" 1 "cannot read $B/missing.pem" "$B/missing.pem"
t_bad "a key of another type" 1 "does not belong to the certificate" \
	"$FX/leaf.pem" --key "$FX/ec.key"
t_err_has "EC key" "the key type is named"
t_bad "a mismatched key" 1 "does not belong to the certificate" \
	"$FX/leaf.pem" --key "$FX/other.key"
t_bad "a mismatched key in a PKCS#12-less combined file" 1 "does not belong" \
	"$FX/ec.pem" --key "$FX/leaf.key"
t_bad "a wrong PKCS#12 password" 1 "password for" \
	"$FX/leaf.p12" --password-file "$FX/wrong.txt"
t_err_has "is wrong" "a wrong password is called wrong"
t_bad "a wrong legacy PKCS#12 password" 1 "is wrong" \
	"$FX/leaf-legacy.p12" --password-file "$FX/wrong.txt"
t_bad "a wrong key password" 1 "is wrong" \
	"$FX/leaf.pem" --key "$FX/leaf-enc.key" --password-file "$FX/wrong.txt"
t_bad "a wrong legacy key password" 1 "is wrong" \
	"$FX/leaf.pem" --key "$FX/leaf-legacy.key" --password-file "$FX/wrong.txt"
t_bad "a PKCS#12 without a password" 2 "give its password with --password-file" \
	"$FX/leaf.p12"
t_bad "an encrypted DER key without a password" 2 "give its password with --password-file" \
	"$FX/leaf.der" --key "$FX/leaf-enc.der"
t_bad "a wrong DER key password" 1 "is wrong" \
	"$FX/leaf.der" --key "$FX/leaf-enc.der" --password-file "$FX/wrong.txt"
t_bad "an encrypted key without a password" 2 "give its password with --password-file" \
	"$FX/leaf.pem" --key "$FX/leaf-enc.key"
t_bad "a legacy encrypted key without a password" 2 "is encrypted" \
	"$FX/leaf.pem" --key "$FX/leaf-legacy.key"
t_bad "a certificate request" 1 "certificate request" "$FX/leaf.csr"
t_bad "a key alone" 1 "only a private key" "$FX/leaf.key"
cat "$FX/leaf.pem" "$FX/ec.pem" > "$B/two.pem"
t_bad "two server certificates" 1 "one at a time" "$B/two.pem"
t_bad "the active pair's name" 2 "active pair" "$FX/leaf-key.pem" --name server
t_bad "an invalid name" 2 "name:" "$FX/leaf-key.pem" --name "../evil"
h=$(t_tree_hash "$r")
t_run --root "$r" ca import "$FX/leaf.pem"
t_rc 1 "ca import of a server certificate"
t_err_has "certdesk import" "ca import points to import"
t_unchanged "$r" "$h" "ca import of a server certificate"
t_run --root "$r" import
t_rc 2 "import without a file"
t_run --root "$r" import "$FX/leaf.pem" --bogus
t_rc 2 "import with an unknown option"
t_unchanged "$r" "$h" "usage errors"

t_done
