#!/bin/bash
# The command line end to end, judged by independent peers: OpenSSL's
# command line and GnuTLS's certtool must read and verify everything
# certdesk makes; an OpenSSL-made CA (root -> intermediate) signs
# certdesk's request and `openssl verify` must accept the activated chain;
# every refusal of the contract must leave the server folder byte-for-byte
# unchanged (t_tree_hash).
. "$top_srcdir/tests/lib.sh"
t_need_python3
# certdesk caches entry details outside the root: keep that under T_TMP.
CERTDESK_CACHE=$T_TMP/cache
export CERTDESK_CACHE

CD=$CERTDESK
# Most keys are P-256: RSA key generation is slow (and tested once each).
K="--key-type ecdsa-p256"

# Run a peer's command for its exit status only.
quiet() { "$@" > /dev/null 2>&1; }

# True if OpenSSL says CERT covers the DNS name (or, with -checkip, the IP).
matches_host() {
	openssl x509 -in "$1" -noout -checkhost "$2" 2>/dev/null |
	    grep -q '^Hostname .* does match certificate'
}
matches_ip() {
	openssl x509 -in "$1" -noout -checkip "$2" 2>/dev/null |
	    grep -q '^IP .* does match certificate'
}

# Seconds since the epoch of a certificate's notAfter (or notBefore).
cert_time() {
	local t
	t=$(openssl x509 -in "$1" -noout "-$2" 2>/dev/null | sed 's/^[^=]*=//')
	[ -n "$t" ] && date -d "$t" +%s
}

# The folder a message names ("... kept in /path; ..." or "... in /path").
kept_in() {
	printf '%s\n' "$1" | sed -n 's/.*kept in \(\/[^;,]*[^;,. ]\).*/\1/p' |
	    head -n 1
}

# ---------------------------------------------------------------------
# Finding the server root
# ---------------------------------------------------------------------
test_root_resolution() {
	local r nowhere sysconf
	nowhere=$(mktemp -d "$T_TMP/nowhere.XXXXXX")
	# The system configuration (named in --help) must not name a root.
	sysconf=$("$CD" --help | sed -n 's/.*else root = in \(.*\)\.$/\1/p')
	if [ -n "$sysconf" ] && grep -q '^ *root *=' "$sysconf" 2>/dev/null; then
		echo "# $sysconf names a root: skipping the no-root test"
	else
	T_OUT=$(cd "$nowhere" && env -u CERTDESK_ROOT "$CD" list \
	    2>"$T_TMP/stderr") && T_RC=0 || T_RC=$?
	T_ERR=$(cat "$T_TMP/stderr")
	t_rc 2 "no --root, no \$CERTDESK_ROOT, no system root: usage error"
	t_err_has "--root" "the message without a root mentions --root"
	t_eq "$(find "$nowhere" -mindepth 1 | wc -l)" 0 \
	    "nothing is created in the current folder without a root"
	fi

	t_run --root "$T_TMP/no-such-root" list
	t_rc 1 "a --root that does not exist"
	t_err_has "$T_TMP/no-such-root" "the message names the missing root"
	t_ok "a missing root is not created" test ! -e "$T_TMP/no-such-root"

	r=$(t_new_fast_root)
	T_OUT=$(CERTDESK_ROOT=$r "$CD" list --json 2>"$T_TMP/stderr") &&
	    T_RC=0 || T_RC=$?
	T_ERR=$(cat "$T_TMP/stderr")
	t_rc 0 "CERTDESK_ROOT names the root"
	t_ok "CERTDESK_ROOT: the first-run pair is made in that root" \
	    test -s "$r/sslcert/server.crt"

	r=$(t_new_fast_root)
	t_run list --json --root "$r"
	t_rc 0 "--root accepted after the command"
	t_ok "--root after the command: the pair is made in that root" \
	    test -s "$r/sslcert/server.crt"
	t_run --root="$r" show server --json
	t_rc 0 "--root=DIR accepted"
	t_eq "$(t_json "$T_OUT" 'd["name"]')" server "--root=DIR: show server"
}

# ---------------------------------------------------------------------
# First run: list --json on an empty root makes the active pair
# ---------------------------------------------------------------------
test_first_run() {
	local r crt key host fp_ssl tlsa_ssl sha
	r=$(t_new_fast_root)
	crt=$r/sslcert/server.crt
	key=$r/sslcert/server.key
	t_ok "an empty root has no server.crt before the first command" \
	    test ! -e "$crt"
	t_run --root "$r" list --json
	t_rc 0 "list --json on an empty root"
	t_err_has "server.crt" "the first run says it made server.crt"
	t_eq "$(t_json "$T_OUT" 'len(d)')" 1 "list --json: one entry"
	t_eq "$(t_json "$T_OUT" 'd[0]["name"]')" server \
	    "list --json: the entry is 'server'"
	t_eq "$(t_json "$T_OUT" 'd[0]["active"]')" true \
	    "list --json: server is active"
	t_ok "first run: server.crt exists" test -s "$crt"
	t_ok "first run: server.key exists" test -s "$key"
	t_eq "$(t_mode "$key")" 600 "first run: server.key is mode 0600"
	t_ok "openssl verifies the self-signed server.crt" \
	    quiet openssl verify -CAfile "$crt" "$crt"
	t_ok "openssl: server.crt covers the configured hostname" \
	    matches_host "$crt" mail.example.com
	t_ok "openssl: server.crt does not cover another name" \
	    eval '! matches_host "$crt" other.example.net'
	t_eq "$(t_spki_sha256 key "$key")" "$(t_spki_sha256 cert "$crt")" \
	    "first run: server.key belongs to server.crt"

	# The hostname defaults to this machine's name.
	r=$(t_new_root)
	printf '[server]\nkey_type = ecdsa-p256\n' > "$r/certdesk.conf"
	host=$(hostname)
	t_run --root "$r" list --json
	t_rc 0 "first run without a configured hostname"
	t_ok "first run without hostname: the cert covers this machine's name ($host)" \
	    matches_host "$r/sslcert/server.crt" "$host"

	r=$(t_new_fast_root)
	crt=$r/sslcert/server.crt
	t_run --root "$r" list --json
	t_run --root "$r" show server --json
	t_rc 0 "show server --json"
	sha=$(t_json "$T_OUT" 'd["sha256"]')
	fp_ssl=$(t_openssl_sha256 "$crt")
	t_eq "$sha" "$fp_ssl" "show --json sha256 equals OpenSSL's fingerprint"
	t_ok "sha256 is 64 lower-case hex digits" \
	    eval 'printf "%s" "$sha" | grep -Eqx "[0-9a-f]{64}"'
	t_eq "$(t_json "$T_OUT" 'd["sha1"]')" \
	    "$(openssl x509 -in "$crt" -noout -fingerprint -sha1 |
	    sed 's/.*=//; s/://g; y/ABCDEF/abcdef/')" \
	    "show --json sha1 equals OpenSSL's fingerprint"
	tlsa_ssl=$(openssl x509 -in "$crt" -pubkey -noout |
	    openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)
	t_eq "$(t_json "$T_OUT" 'd["tlsa_311"]')" "$tlsa_ssl" \
	    "show --json tlsa_311 equals OpenSSL's SPKI SHA-256"
	t_eq "$(t_json "$T_OUT" 'd["serial"].lower().lstrip("0")')" \
	    "$(openssl x509 -in "$crt" -noout -serial | sed 's/.*=//' |
	    tr A-F a-f | sed 's/^0*//')" "show --json serial equals OpenSSL's"
	t_eq "$(t_json "$T_OUT" '[d["key_type"], d["key_bits"]]')" \
	    '["ecdsa", 256]' "show --json: key_type ecdsa, 256 bits (config)"
	t_eq "$(t_json "$T_OUT" 'd["self_signed"]')" true \
	    "show --json: the first-run certificate is self-signed"
	t_eq "$(t_json "$T_OUT" '[d["checks"][k] for k in ("date_valid", "name_matches", "key_matches")]')" \
	    '[true, true, true]' "first-run pair: date, name and key checks pass"
	t_eq "$(t_json "$T_OUT" 'd["checks"]["trusted"]')" false \
	    "a self-signed certificate is not trusted"
	t_ok "not trusted carries a reason" eval \
	    '[ -n "$(t_json "$T_OUT" "d[\"checks\"][\"trusted_why\"]")" ]'
	t_eq "$(date -u -d "$(t_json "$T_OUT" 'd["not_after"]')" +%s)" \
	    "$(cert_time "$crt" enddate)" "show --json not_after equals OpenSSL's"
	t_eq "$(date -u -d "$(t_json "$T_OUT" 'd["not_before"]')" +%s)" \
	    "$(cert_time "$crt" startdate)" "show --json not_before equals OpenSSL's"
	t_ok "show --json days_left agrees with OpenSSL's notAfter" eval \
	    '[ $(( ($(cert_time "$crt" enddate) - $(date +%s)) / 86400 - $(t_json "$T_OUT" "d[\"days_left\"]") )) -ge -1 ] &&
	     [ $(( ($(cert_time "$crt" enddate) - $(date +%s)) / 86400 - $(t_json "$T_OUT" "d[\"days_left\"]") )) -le 1 ]'
	t_ok "not_after is RFC 3339 UTC" eval \
	    't_json "$T_OUT" "d[\"not_after\"]" | grep -Eqx "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"'

	# A second command does not make the pair again.
	sha=$(t_tree_hash "$r")
	t_run --root "$r" list --json
	t_unchanged "$r" "$sha" "a second list --json"
}

# ---------------------------------------------------------------------
# new: every key type, SANs, validity, peers read it
# ---------------------------------------------------------------------
check_new_cert() {
	local r=$1 name=$2 type=$3 text crt key
	crt=$r/sslcert/$name.crt
	key=$r/sslcert/$name.key
	t_ok "$type: openssl reads the certificate" \
	    quiet openssl x509 -in "$crt" -noout
	t_ok "$type: certtool reads the certificate" \
	    quiet certtool -i --infile "$crt"
	t_ok "$type: openssl verifies the self-signature" \
	    quiet openssl verify -CAfile "$crt" "$crt"
	t_eq "$(t_mode "$key")" 600 "$type: the key is mode 0600"
	t_ok "$type: openssl reads the key" quiet openssl pkey -in "$key" -noout
	t_eq "$(t_spki_sha256 key "$key")" "$(t_spki_sha256 cert "$crt")" \
	    "$type: the key belongs to the certificate"
	text=$(openssl x509 -in "$crt" -noout -text)
	case $type in
	rsa*)
		t_ok "$type: RSA key" eval \
		    'printf "%s" "$text" | grep -q "Public Key Algorithm: rsaEncryption"'
		t_ok "$type: ${type#rsa} bits" eval \
		    'printf "%s" "$text" | grep -q "Public-Key: (${type#rsa} bit)"'
		;;
	ecdsa-p256|ecdsa-p384)
		t_ok "$type: EC key" eval \
		    'printf "%s" "$text" | grep -q "Public Key Algorithm: id-ecPublicKey"'
		case $type in
		ecdsa-p256) t_ok "$type: curve P-256" eval \
		    'printf "%s" "$text" | grep -q "NIST CURVE: P-256"' ;;
		ecdsa-p384) t_ok "$type: curve P-384" eval \
		    'printf "%s" "$text" | grep -q "NIST CURVE: P-384"' ;;
		esac
		;;
	ed25519)
		t_ok "$type: Ed25519 key" eval \
		    'printf "%s" "$text" | grep -q "Public Key Algorithm: ED25519"'
		;;
	esac
}

test_new_key_types() {
	local r type name now end json bits
	r=$(t_new_fast_root)
	t_run --root "$r" list --json
	for type in ecdsa-p256 ecdsa-p384 ed25519 rsa2048 rsa3072 rsa4096; do
		name=k-$type
		if [ "$type" = rsa3072 ]; then
			# The contract's default key type.
			t_run --root "$r" new --hostname "$name.example.com" \
			    --country DE --name "$name"
			t_rc 0 "new without --key-type (default rsa3072)"
		else
			t_run --root "$r" new --hostname "$name.example.com" \
			    --country DE --key-type "$type" --name "$name"
			t_rc 0 "new --key-type $type"
		fi
		t_eq "$T_OUT" "$name" "new prints the entry's name"
		check_new_cert "$r" "$name" "$type"
		t_run --root "$r" show "$name" --json
		case $type in
		rsa*) json='["rsa", '${type#rsa}']' ;;
		ecdsa-p256) json='["ecdsa", 256]' ;;
		ecdsa-p384) json='["ecdsa", 384]' ;;
		ed25519) json='["ed25519", 256]' ;;
		esac
		t_eq "$(t_json "$T_OUT" '[d["key_type"], d["key_bits"]]')" \
		    "$json" "$type: show --json key_type and key_bits"
	done

	# SANs: hostname, DNS alts, a wildcard, an IP; --days 90.
	t_run --root "$r" new $K --hostname mx.example.com --country CZ \
	    --alt smtp.example.com --alt '*.example.com' --alt 192.0.2.7 \
	    --alt 2001:db8::25 --days 90 --name sans
	t_rc 0 "new with --alt names and --days 90"
	now=$(date +%s)
	crt=$r/sslcert/sans.crt
	check_new_cert "$r" sans ecdsa-p256
	t_ok "openssl: covers the hostname" matches_host "$crt" mx.example.com
	t_ok "openssl: covers --alt smtp.example.com" \
	    matches_host "$crt" smtp.example.com
	t_ok "openssl: the wildcard covers a.example.com" \
	    matches_host "$crt" a.example.com
	t_ok "openssl: the wildcard does not cover a.b.example.com" \
	    eval '! matches_host "$crt" a.b.example.com'
	t_ok "openssl: does not cover example.org" \
	    eval '! matches_host "$crt" mail.example.org'
	t_ok "openssl: -checkip covers 192.0.2.7" matches_ip "$crt" 192.0.2.7
	t_ok "openssl: -checkip covers 2001:db8::25" \
	    matches_ip "$crt" 2001:db8::25
	t_ok "openssl: -checkip does not cover 192.0.2.8" \
	    eval '! matches_ip "$crt" 192.0.2.8'
	t_ok "openssl: SAN lists the IP as an IP, not a DNS name" eval \
	    'openssl x509 -in "$crt" -noout -text | grep -q "IP Address:192.0.2.7"'
	end=$(cert_time "$crt" enddate)
	t_ok "--days 90: notAfter is 90 days from now (+-1 h): $(( (end - now) ))s" \
	    test "$(( end - now - 90 * 86400 ))" -ge -3600 -a \
	    "$(( end - now - 90 * 86400 ))" -le 3600
	t_ok "--days 90: notBefore is not in the future" \
	    test "$(cert_time "$crt" startdate)" -le "$now"
	t_run --root "$r" show sans --json
	t_eq "$(t_json "$T_OUT" 'd["alt_names"]')" \
	    '["mx.example.com", "smtp.example.com", "*.example.com", "192.0.2.7", "2001:db8::25"]' \
	    "show --json alt_names: the hostname first, then each --alt"
	t_eq "$(t_json "$T_OUT" 'd["days_left"] in (89, 90)')" true \
	    "show --json days_left of a 90-day certificate"

	# An IP address as the hostname goes into SAN as an IP; a wildcard
	# hostname makes a file-safe default name; duplicates are dropped.
	t_run --root "$r" new $K --hostname 192.0.2.9 --country CZ
	t_rc 0 "new --hostname 192.0.2.9"
	t_ok "openssl: -checkip covers the IP hostname" \
	    matches_ip "$r/sslcert/192.0.2.9.crt" 192.0.2.9
	t_ok "the IP hostname is not a DNS name in SAN" eval \
	    '! openssl x509 -in "$r/sslcert/192.0.2.9.crt" -noout -text | grep -q "DNS:192.0.2.9"'
	t_run --root "$r" new $K --hostname '*.wild.example.com' --country CZ
	t_rc 0 "new --hostname '*.wild.example.com'"
	t_ok "a wildcard hostname's default name has no '*' ($T_OUT)" eval \
	    'case $T_OUT in *"*"*|"") false ;; *) test -s "$r/sslcert/$T_OUT.crt" ;; esac'
	t_ok "openssl: the wildcard hostname covers x.wild.example.com" \
	    matches_host "$r/sslcert/$T_OUT.crt" x.wild.example.com
	t_run --root "$r" new $K --hostname dup.example.com --country CZ \
	    --alt dup.example.com --alt DUP.example.com --name dup
	t_eq "$(openssl x509 -in "$r/sslcert/dup.crt" -noout -ext subjectAltName | tail -n +2 | tr -d ' ')" \
	    "DNS:dup.example.com" "an --alt repeating the hostname is not listed twice"

	# The contract's JSON fields, present and typed.
	t_run --root "$r" list --json
	t_eq "$(t_json "$T_OUT" '[e["name"] for e in d if not (
	    isinstance(e["name"], str) and e["kind"] in ("certificate", "request")
	    and isinstance(e["active"], bool) and isinstance(e["common_name"], str)
	    and isinstance(e["subject"], str) and isinstance(e["issuer"], str)
	    and isinstance(e["alt_names"], list) and isinstance(e["self_signed"], bool)
	    and isinstance(e["not_before"], str) and isinstance(e["not_after"], str)
	    and isinstance(e["days_left"], int) and isinstance(e["key_type"], str)
	    and isinstance(e["key_bits"], int) and len(e["sha256"]) == 64
	    and all(isinstance(e["checks"][c], bool) for c in ("trusted",
	    "date_valid", "name_matches", "key_matches", "chain_complete"))
	    and all(isinstance(e["checks"].get(c + "_why"), str) for c in
	    e["checks"] if e["checks"][c] is False))]')" "[]" \
	    "list --json: every certificate has the contract's fields"

	# The default name is the hostname; lower-case country is upper-cased.
	t_run --root "$r" new $K --hostname web.example.com --country cz
	t_rc 0 "new --country cz (lower case accepted)"
	t_eq "$T_OUT" web.example.com "the entry is named after the hostname"
	t_ok "--country cz: the certificate says C=CZ" eval \
	    'openssl x509 -in "$r/sslcert/web.example.com.crt" -noout -subject -nameopt sep_comma_plus | grep -q "C=CZ"'
}

# ---------------------------------------------------------------------
# UTF-8 subject fields come out byte-exact
# ---------------------------------------------------------------------
test_utf8() {
	local r subj org='Žluťoučký kůň' city='Plzeň' state='München'
	r=$(t_new_fast_root)
	t_run --root "$r" new $K --hostname u.example.com --country CZ \
	    --org "$org" --city "$city" --state "$state" --unit 'Poštovní' \
	    --name utf
	t_rc 0 "new with UTF-8 organization, city, state, unit"
	subj=$(openssl x509 -in "$r/sslcert/utf.crt" -noout -subject \
	    -nameopt utf8,sep_comma_plus)
	t_out_in() { case $subj in *"$1"*) t_pass "$2" ;; *) t_fail "$2: $subj" ;; esac; }
	t_out_in "O=$org," "certificate: O is byte-exact UTF-8 ($org)"
	t_out_in "L=$city," "certificate: L is byte-exact UTF-8 ($city)"
	t_out_in "ST=$state," "certificate: ST is byte-exact UTF-8 ($state)"
	t_out_in "OU=Poštovní," "certificate: OU is byte-exact UTF-8"
	t_out_in "CN=u.example.com" "certificate: CN is the hostname"
	t_ok "certificate DER holds the organization's UTF-8 bytes as they are" \
	    eval 'openssl x509 -in "$r/sslcert/utf.crt" -outform der | LC_ALL=C grep -aqF "$org"'
	t_run --root "$r" show utf --json
	t_ok "show --json subject holds the UTF-8 organization" eval \
	    'case $(t_json "$T_OUT" "d[\"subject\"]") in *"O=$org"*) true ;; *) false ;; esac'

	t_run --root "$r" request $K --hostname u.example.com --country CZ \
	    --org "$org" --city "$city" --state "$state" --name utfreq
	t_rc 0 "request with UTF-8 fields"
	subj=$(openssl req -in "$r/sslcert/utfreq.csr" -noout -subject \
	    -nameopt utf8,sep_comma_plus)
	t_out_in "O=$org," "request: O is byte-exact UTF-8"
	t_out_in "L=$city," "request: L is byte-exact UTF-8"
	t_out_in "ST=$state," "request: ST is byte-exact UTF-8"
	t_ok "request DER holds the UTF-8 bytes as they are" eval \
	    'openssl req -in "$r/sslcert/utfreq.csr" -outform der | LC_ALL=C grep -aqF "$state"'
	unset -f t_out_in
}

# ---------------------------------------------------------------------
# request and request --reuse-key
# ---------------------------------------------------------------------
test_request() {
	local r csr key text h tl_a
	r=$(t_new_fast_root)
	t_run --root "$r" list --json
	t_run --root "$r" request $K --hostname mail.example.com --country GB \
	    --org 'Example Ltd' --unit IT --alt smtp.example.com \
	    --alt '*.mx.example.com' --alt 198.51.100.4 --name req1
	t_rc 0 "request"
	csr=$r/sslcert/req1.csr
	key=$r/sslcert/req1.key
	t_ok "request: req1.csr exists" test -s "$csr"
	t_ok "request: no certificate is made" test ! -e "$r/sslcert/req1.crt"
	t_ok "openssl req -verify accepts the request's signature" \
	    quiet openssl req -in "$csr" -verify -noout
	t_ok "certtool reads the request" quiet certtool --crq-info --infile "$csr"
	t_eq "$(openssl req -in "$csr" -noout -subject -nameopt sep_comma_plus)" \
	    "subject=C=GB,O=Example Ltd,OU=IT,CN=mail.example.com" \
	    "request: subject" 
	text=$(openssl req -in "$csr" -noout -text)
	t_ok "request: SANs (hostname, DNS, wildcard, IP)" eval \
	    'printf "%s" "$text" | grep -q "DNS:mail.example.com, DNS:smtp.example.com, DNS:\*.mx.example.com, IP Address:198.51.100.4"'
	t_eq "$(t_mode "$key")" 600 "request: the key is mode 0600"
	t_eq "$(t_spki_sha256 key "$key")" "$(t_spki_sha256 req "$csr")" \
	    "request: the key belongs to the request"
	t_run --root "$r" list --json
	t_eq "$(t_json "$T_OUT" '[e["kind"] for e in d if e["name"] == "req1"]')" \
	    '["request"]' "list --json: req1 is a request"
	t_run --root "$r" show req1 --json
	t_eq "$(t_json "$T_OUT" 'd["tlsa_311"]')" "$(t_spki_sha256 req "$csr")" \
	    "show --json of a request: tlsa_311 of its key"
	t_eq "$(t_json "$T_OUT" 'd["sha256"]')" \
	    "$(openssl req -in "$csr" -outform der | sha256sum | cut -d' ' -f1)" \
	    "show --json of a request: sha256 of the request's DER"
	t_eq "$(t_json "$T_OUT" 'd["alt_names"]')" \
	    '["mail.example.com", "smtp.example.com", "*.mx.example.com", "198.51.100.4"]' \
	    "show --json of a request: alt_names"

	# The refusal names the option, not its value.
	t_run --root "$r" request $K --hostname mail.example.com --country GB \
	    --days 90 --name req2
	t_rc 2 "request refuses --days"
	t_err_has "--days" "the refusal names --days"

	# A renewal keeps the key: DANE TLSA 3 1 1 stays valid.
	t_run --root "$r" new $K --hostname mail.example.com --country GB \
	    --name cur
	h=$(t_tree_hash "$r/sslcert")
	t_run --root "$r" request $K --hostname mail.example.com --country GB \
	    --reuse-key cur --name renew
	t_rc 0 "request --reuse-key cur"
	t_ok "openssl req -verify accepts the renewal request" \
	    quiet openssl req -in "$r/sslcert/renew.csr" -verify -noout
	t_eq "$(t_spki_sha256 req "$r/sslcert/renew.csr")" \
	    "$(t_spki_sha256 cert "$r/sslcert/cur.crt")" \
	    "--reuse-key: the request's public key is cur's certificate key"
	t_eq "$(t_spki_sha256 key "$r/sslcert/renew.key")" \
	    "$(t_spki_sha256 cert "$r/sslcert/cur.crt")" \
	    "--reuse-key: renew.key is cur's key"
	t_eq "$(t_mode "$r/sslcert/renew.key")" 600 "--reuse-key: key is 0600"
	t_run --root "$r" show cur --json
	tl_a=$(t_json "$T_OUT" 'd["tlsa_311"]')
	t_run --root "$r" show renew --json
	t_eq "$(t_json "$T_OUT" 'd["tlsa_311"]')" "$tl_a" \
	    "--reuse-key: tlsa_311 of the request equals the certificate's"
	t_same_file "$r/sslcert/cur.key" "$r/sslcert/renew.key" \
	    "--reuse-key: the key file is copied as it is"

	# The usual renewal: the active pair's own key.
	t_run --root "$r" request $K --hostname mail.example.com --country GB \
	    --reuse-key server --name renew-active
	t_rc 0 "request --reuse-key server"
	t_eq "$(t_spki_sha256 req "$r/sslcert/renew-active.csr")" \
	    "$(t_spki_sha256 cert "$r/sslcert/server.crt")" \
	    "--reuse-key server: the request's key is the active key"
	t_eq "$(t_mode "$r/sslcert/renew-active.key")" 600 \
	    "--reuse-key server: key is 0600"
	t_run --root "$r" list --json
	t_eq "$(t_json "$T_OUT" 'sorted(e["name"] for e in d if e["kind"] == "request")')" \
	    '["renew", "renew-active", "req1"]' "list --json: the requests"
	t_eq "$(t_json "$T_OUT" '[e["name"] for e in d if e["kind"] == "request" and not (
	    isinstance(e["subject"], str) and isinstance(e["alt_names"], list)
	    and isinstance(e["key_type"], str) and isinstance(e["key_bits"], int)
	    and len(e["sha256"]) == 64)]')" "[]" \
	    "list --json: every request has subject, alt_names, key, sha256"
}

# ---------------------------------------------------------------------
# An OpenSSL CA signs certdesk's request; the chain is activated
# ---------------------------------------------------------------------
test_ca_flow() {
	local r ca h sans leaf int part1 part2
	r=$(t_new_fast_root)
	ca=$(mktemp -d "$T_TMP/ca.XXXXXX")
	t_run --root "$r" list --json

	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$ca/root.key" -out "$ca/root.pem" -days 3650 \
	    -subj "/O=Certdesk Test/CN=Certdesk Test Root" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$ca/int.key" -out "$ca/int.csr" \
	    -subj "/O=Certdesk Test/CN=Certdesk Test Intermediate" 2>/dev/null
	printf '%s\n' 'basicConstraints=critical,CA:TRUE,pathlen:0' \
	    'keyUsage=critical,keyCertSign,cRLSign' \
	    'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid' \
	    > "$ca/int.ext"
	openssl x509 -req -in "$ca/int.csr" -CA "$ca/root.pem" \
	    -CAkey "$ca/root.key" -set_serial 2 -days 1000 \
	    -extfile "$ca/int.ext" -out "$ca/int.pem" 2>/dev/null
	CA_DIR=$ca
	t_ok "the test CA is set up (root and intermediate)" \
	    quiet openssl verify -CAfile "$ca/root.pem" "$ca/int.pem"

	t_run --root "$r" request $K --hostname mail.example.com --country CZ \
	    --org 'Example s.r.o.' --alt smtp.example.com --alt imap.example.com \
	    --name signed
	t_rc 0 "request for the CA"
	# The CA copies the SANs from the request, as a CA does.
	sans=$(openssl req -in "$r/sslcert/signed.csr" -noout -text |
	    sed -n '/Subject Alternative Name/{n;s/^ *//;p;}')
	t_eq "$sans" "DNS:mail.example.com, DNS:smtp.example.com, DNS:imap.example.com" \
	    "the request asks for the hostname and both alt names"
	printf '%s\n' "subjectAltName=$sans" 'basicConstraints=CA:FALSE' \
	    'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' \
	    'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid' \
	    > "$ca/leaf.ext"
	openssl x509 -req -in "$r/sslcert/signed.csr" -CA "$ca/int.pem" \
	    -CAkey "$ca/int.key" -set_serial 77 -days 300 \
	    -extfile "$ca/leaf.ext" -out "$ca/leaf.pem" 2>/dev/null
	t_ok "the CA signed certdesk's request" \
	    quiet openssl verify -CAfile "$ca/root.pem" -untrusted "$ca/int.pem" \
	    "$ca/leaf.pem"

	# Place the answer: import the CA's chain file (leaf then
	# intermediate); the contract pairs the leaf with the request's key
	# and puts the intermediate in sslca/.
	cat "$ca/leaf.pem" "$ca/int.pem" > "$ca/answer.pem"
	t_run --root "$r" import "$ca/answer.pem"
	t_rc 0 "import of the CA's answer (leaf + intermediate)"
	t_run --root "$r" list --json
	t_eq "$(t_json "$T_OUT" '[e["name"] for e in d if e["sha256"] == "'"$(t_openssl_sha256 "$ca/leaf.pem")"'"]')" \
	    '["signed"]' "import: the answer is the entry of its request"
	t_eq "$(t_json "$T_OUT" '[e["kind"] for e in d if e["name"] == "signed"]')" \
	    '["certificate"]' "import: the request is answered (no longer pending)"
	t_eq "$(t_spki_sha256 key "$r/sslcert/signed.key")" \
	    "$(t_spki_sha256 cert "$r/sslcert/signed.crt")" \
	    "import: signed.key belongs to the imported certificate"
	t_run --root "$r" ca list --json
	t_eq "$(t_json "$T_OUT" 'len([e for e in d if e["sha256"] == "'"$(t_openssl_sha256 "$ca/int.pem")"'"])')" \
	    1 "import: the intermediate went to sslca/"
	t_run --root "$r" show signed --json
	t_eq "$(t_json "$T_OUT" 'd["checks"]["key_matches"]')" true \
	    "show: the CA's certificate matches the request's key"
	t_eq "$(t_json "$T_OUT" 'd["checks"]["chain_complete"]')" false \
	    "show: without the root anywhere the chain is incomplete"
	t_eq "$(t_json "$T_OUT" 'd["issuer"]')" \
	    "CN=Certdesk Test Intermediate,O=Certdesk Test" \
	    "show: issuer in RFC 4514"

	# Without the root the chain is incomplete: activation needs --force.
	h=$(t_tree_hash "$r")
	t_run --root "$r" activate signed
	t_rc 1 "activate with an incomplete chain is refused"
	t_err_has "--force" "the refusal says --force would do it"
	t_err_has "sslca/" "the refusal says where the issuer belongs"
	t_unchanged "$r" "$h" "activate with an incomplete chain"

	# The private root in sslca/ completes the chain (but is not trusted).
	cp "$ca/root.pem" "$r/sslca/root.crt"
	t_run --root "$r" activate signed
	t_rc 0 "activate the CA-signed certificate"
	t_eq "$(t_cert_count "$r/sslcert/server.crt")" 2 \
	    "server.crt holds the leaf and the intermediate (not the root)"
	part1=$T_TMP/part1.pem
	part2=$T_TMP/part2.pem
	t_pem_part "$r/sslcert/server.crt" 1 > "$part1"
	t_pem_part "$r/sslcert/server.crt" 2 > "$part2"
	t_eq "$(t_openssl_sha256 "$part1")" "$(t_openssl_sha256 "$ca/leaf.pem")" \
	    "server.crt: the leaf comes first"
	t_eq "$(t_openssl_sha256 "$part2")" "$(t_openssl_sha256 "$ca/int.pem")" \
	    "server.crt: the intermediate follows"
	t_ok "openssl verify accepts server.crt's chain against the root" \
	    quiet openssl verify -CAfile "$ca/root.pem" -untrusted "$part2" "$part1"
	t_ok "certtool --verify accepts server.crt's chain against the root" \
	    eval 'certtool --verify --load-ca-certificate "$ca/root.pem" --infile "$r/sslcert/server.crt" > /dev/null 2>&1'
	t_eq "$(t_spki_sha256 key "$r/sslcert/server.key")" \
	    "$(t_spki_sha256 cert "$r/sslcert/server.crt")" \
	    "server.key belongs to server.crt's leaf"
	t_run --root "$r" show server --json
	t_eq "$(t_json "$T_OUT" 'd["checks"]["chain_complete"]')" true \
	    "show server: chain_complete with the root in sslca/"
	t_eq "$(t_json "$T_OUT" 'd["checks"]["trusted"]')" false \
	    "show server: a private root is not trusted"
	t_ok "show server: not trusted carries a reason" eval \
	    '[ -n "$(t_json "$T_OUT" "d[\"checks\"][\"trusted_why\"]")" ]'
	t_eq "$(t_json "$T_OUT" 'd["chain_in_file"]')" 1 \
	    "show server: one intermediate in the file"
	t_run --root "$r" ca list --json
	t_eq "$(t_json "$T_OUT" 'len(d)')" 2 "ca list: the intermediate and the root"
	t_run --root "$r" ca remove nosuch
	t_rc 1 "ca remove of an unknown intermediate"

	# With the root as the trust store, it is trusted.
	printf 'trust_file = %s\n' "$ca/root.pem" >> "$r/certdesk.conf"
	t_run --root "$r" show server --json
	t_eq "$(t_json "$T_OUT" 'd["checks"]["trusted"]')" true \
	    "trust_file = /abs/root.pem: server is trusted"
	t_eq "$(t_json "$T_OUT" '"trusted_why" in d["checks"]')" false \
	    "trusted: no trusted_why"

	# The same file named relative to the root (certdesk.conf lives
	# there), with certdesk run from elsewhere.
	cp "$ca/root.pem" "$r/root.pem"
	sed -i 's/^trust_file = .*/trust_file = root.pem/' "$r/certdesk.conf"
	T_OUT=$(cd "$T_TMP" && "$CD" --root "$r" show server --json \
	    2>"$T_TMP/stderr") && T_RC=0 || T_RC=$?
	t_eq "$(t_json "$T_OUT" 'd["checks"]["trusted"]')" true \
	    "trust_file = root.pem is relative to the server root, not the cwd"

	# ca remove keeps what it removes.
	cp "$r/sslca/root.crt" "$T_TMP/ca-root.crt"
	t_run --root "$r" ca remove root
	t_rc 0 "ca remove root"
	t_ok "ca remove: root.crt is gone from sslca/" test ! -e "$r/sslca/root.crt"
	t_same_file "$(kept_in "$T_ERR")/root.crt" "$T_TMP/ca-root.crt" \
	    "ca remove: the certificate is kept byte-identical where it says"
}

# The CA's answer as one file, the leaf followed by the intermediate (the
# manual's "remote import" layout), with only the root in sslca/: the
# chain comes from the file; with the intermediate also in sslca/, it is
# not written twice.
test_ca_bundle() {
	local r ca=$CA_DIR n
	r=$(t_new_fast_root)
	t_run --root "$r" list --json
	for n in b1 b2; do
		t_run --root "$r" request $K --hostname mail.example.com \
		    --country CZ --name $n
		openssl x509 -req -in "$r/sslcert/$n.csr" -CA "$ca/int.pem" \
		    -CAkey "$ca/int.key" -set_serial "$RANDOM" -days 300 \
		    -extfile "$ca/leaf.ext" -out "$ca/$n.pem" 2>/dev/null
		cat "$ca/$n.pem" "$ca/int.pem" > "$r/sslcert/$n.crt"
		rm "$r/sslcert/$n.csr"
	done
	cp "$ca/root.pem" "$r/sslca/root.crt"
	t_run --root "$r" show b1 --json
	t_eq "$(t_json "$T_OUT" '[d["chain_in_file"], d["checks"]["chain_complete"]]')" \
	    "[1, true]" "show: the intermediate in the entry's file completes the chain"
	t_run --root "$r" activate b1
	t_rc 0 "activate a leaf+intermediate file"
	t_eq "$(t_cert_count "$r/sslcert/server.crt")" 2 \
	    "server.crt: the leaf and the intermediate from the file"
	t_ok "openssl verify accepts it against the root" \
	    quiet openssl verify -CAfile "$ca/root.pem" \
	    -untrusted "$r/sslcert/server.crt" "$r/sslcert/server.crt"
	cp "$ca/int.pem" "$r/sslca/int.crt"
	t_run --root "$r" activate b2
	t_rc 0 "activate with the intermediate both in the file and in sslca/"
	t_eq "$(t_cert_count "$r/sslcert/server.crt")" 2 \
	    "server.crt holds the intermediate once"
	t_pem_part "$r/sslcert/server.crt" 1 > "$T_TMP/b2-leaf.pem"
	t_eq "$(t_openssl_sha256 "$T_TMP/b2-leaf.pem")" \
	    "$(t_openssl_sha256 "$ca/b2.pem")" "server.crt starts with b2's leaf"
}

# ---------------------------------------------------------------------
# A deeper chain: root -> int1 -> int2 -> leaf, with a decoy in sslca/
# that has int2's name but another key.  server.crt must hold the leaf,
# int2, int1 in that order (by issuer and key identifier, not file name).
# ---------------------------------------------------------------------
# mkca DIR NAME SUBJECT ISSUER-NAME|- PATHLEN: an EC CA certificate.
mkca() {
	local dir=$1 name=$2 subj=$3 issuer=$4 pathlen=$5
	printf '%s\n' "basicConstraints=critical,CA:TRUE,pathlen:$pathlen" \
	    'keyUsage=critical,keyCertSign,cRLSign' \
	    'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid' \
	    > "$dir/$name.ext"
	if [ "$issuer" = - ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout "$dir/$name.key" -out "$dir/$name.pem" \
		    -days 3650 -subj "$subj" \
		    -addext "basicConstraints=critical,CA:TRUE,pathlen:$pathlen" \
		    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	else
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout "$dir/$name.key" -out "$dir/$name.csr" \
		    -subj "$subj" 2>/dev/null
		openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$issuer.pem" \
		    -CAkey "$dir/$issuer.key" -set_serial "$RANDOM" \
		    -days 2000 -extfile "$dir/$name.ext" -out "$dir/$name.pem" \
		    2>/dev/null
	fi
}

test_ca_chain_order() {
	local r ca i
	r=$(t_new_fast_root)
	ca=$(mktemp -d "$T_TMP/ca2.XXXXXX")
	t_run --root "$r" list --json
	mkca "$ca" root "/CN=Deep Root" - 2
	mkca "$ca" int1 "/CN=Deep Intermediate One" root 1
	mkca "$ca" int2 "/CN=Deep Intermediate Two" int1 0
	mkca "$ca" decoy "/CN=Deep Intermediate Two" int1 0
	t_ok "the deep test CA verifies" quiet openssl verify \
	    -CAfile "$ca/root.pem" -untrusted "$ca/int1.pem" "$ca/int2.pem"

	t_run --root "$r" request $K --hostname mail.example.com --country CZ \
	    --name deep
	printf '%s\n' 'subjectAltName=DNS:mail.example.com' \
	    'basicConstraints=CA:FALSE' 'extendedKeyUsage=serverAuth' \
	    'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid' \
	    > "$ca/leaf.ext"
	openssl x509 -req -in "$r/sslcert/deep.csr" -CA "$ca/int2.pem" \
	    -CAkey "$ca/int2.key" -set_serial 9 -days 200 \
	    -extfile "$ca/leaf.ext" -out "$ca/leaf.pem" 2>/dev/null
	cp "$ca/leaf.pem" "$r/sslcert/deep.crt"
	rm "$r/sslcert/deep.csr"
	# File names in the wrong order, the decoy first.
	cp "$ca/decoy.pem" "$r/sslca/0-decoy.crt"
	cp "$ca/int1.pem" "$r/sslca/a-one.crt"
	cp "$ca/int2.pem" "$r/sslca/z-two.crt"
	cp "$ca/root.pem" "$r/sslca/root.crt"
	t_run --root "$r" activate deep
	t_rc 0 "activate a leaf under two intermediates"
	t_eq "$(t_cert_count "$r/sslcert/server.crt")" 3 \
	    "server.crt holds the leaf and both intermediates"
	for i in 1 2 3; do
		t_pem_part "$r/sslcert/server.crt" $i > "$T_TMP/deep$i.pem"
	done
	t_eq "$(t_openssl_sha256 "$T_TMP/deep1.pem")" \
	    "$(t_openssl_sha256 "$ca/leaf.pem")" "deep chain: 1st is the leaf"
	t_eq "$(t_openssl_sha256 "$T_TMP/deep2.pem")" \
	    "$(t_openssl_sha256 "$ca/int2.pem")" \
	    "deep chain: 2nd is the leaf's issuer by key id, not the decoy"
	t_eq "$(t_openssl_sha256 "$T_TMP/deep3.pem")" \
	    "$(t_openssl_sha256 "$ca/int1.pem")" "deep chain: 3rd is int1"
	cat "$T_TMP/deep2.pem" "$T_TMP/deep3.pem" > "$T_TMP/deep-untrusted.pem"
	t_ok "openssl verify accepts the deep chain against the root" \
	    quiet openssl verify -CAfile "$ca/root.pem" \
	    -untrusted "$T_TMP/deep-untrusted.pem" "$T_TMP/deep1.pem"
}

# ---------------------------------------------------------------------
# Activation: its checks, the backup of the previous pair
# ---------------------------------------------------------------------
test_activate() {
	local r h dir old_crt old_key
	r=$(t_new_fast_root)
	t_run --root "$r" list --json
	old_crt=$T_TMP/old-server.crt
	old_key=$T_TMP/old-server.key
	cp "$r/sslcert/server.crt" "$old_crt"
	cp "$r/sslcert/server.key" "$old_key"

	CERTDESK_NOW=$(( $(date +%s) - 400 * 86400 )) \
	    t_run --root "$r" new $K --hostname mail.example.com --country US \
	    --days 30 --name expired
	t_rc 0 "new with CERTDESK_NOW 400 days ago, --days 30"
	t_ok "openssl: the certificate expired (checkend 0 fails)" \
	    eval '! openssl x509 -in "$r/sslcert/expired.crt" -noout -checkend 0 > /dev/null'
	h=$(t_tree_hash "$r")
	t_run --root "$r" activate expired
	t_rc 1 "activate an expired certificate without --force"
	t_err_has "expired" "the refusal says expired"
	t_err_has "--force" "the refusal mentions --force"
	t_unchanged "$r" "$h" "activate expired without --force"

	CERTDESK_NOW=$(( $(date +%s) + 100 * 86400 )) \
	    t_run --root "$r" new $K --hostname mail.example.com --country US \
	    --days 30 --name future
	h=$(t_tree_hash "$r")
	t_run --root "$r" activate future
	t_rc 1 "activate a not-yet-valid certificate without --force"
	t_err_has "--force" "the not-yet-valid refusal mentions --force"
	t_unchanged "$r" "$h" "activate not-yet-valid"

	t_run --root "$r" activate expired --force
	t_rc 0 "activate expired --force"
	t_eq "$(t_openssl_sha256 "$r/sslcert/server.crt")" \
	    "$(t_openssl_sha256 "$r/sslcert/expired.crt")" \
	    "server.crt is now the expired certificate"
	t_same_file "$r/sslcert/server.key" "$r/sslcert/expired.key" \
	    "server.key is now the expired certificate's key"
	t_eq "$(t_mode "$r/sslcert/server.key")" 600 "server.key stays 0600"
	dir=$(kept_in "$T_ERR")
	t_ok "the message names where the previous pair is kept ($dir)" \
	    test -n "$dir" -a -d "$dir"
	case $dir in
	"$r"/certdesk-backup/*) t_pass "the backup is under certdesk-backup/" ;;
	*) t_fail "the backup '$dir' is not under $r/certdesk-backup/" ;;
	esac
	t_same_file "$dir/server.crt" "$old_crt" \
	    "the previous server.crt is kept byte-identical"
	t_same_file "$dir/server.key" "$old_key" \
	    "the previous server.key is kept byte-identical"
	t_eq "$(t_mode "$dir/server.key")" 600 "the kept key is 0600"
	t_run --root "$r" list --json
	t_eq "$(t_json "$T_OUT" 'sorted(e["name"] for e in d if e["active"])')" \
	    '["expired", "server"]' "list: the activated entry is active too"

	# A name mismatch.
	t_run --root "$r" new $K --hostname other.example.org --country US \
	    --name other
	h=$(t_tree_hash "$r")
	t_run --root "$r" activate other
	t_rc 1 "activate a certificate for another name without --force"
	t_err_has "other.example.org" "the refusal names the certificate's name"
	t_err_has "mail.example.com" "the refusal names the server's hostname"
	t_err_has "--force" "the name refusal mentions --force"
	t_unchanged "$r" "$h" "activate with a name mismatch"
	cp "$r/sslcert/server.crt" "$old_crt"
	cp "$r/sslcert/server.key" "$old_key"
	t_run --root "$r" activate other --force
	t_rc 0 "activate other --force"
	t_ne "$(kept_in "$T_ERR")" "$dir" \
	    "a second activation (same second) keeps the pair in another folder"
	dir=$(kept_in "$T_ERR")
	t_same_file "$dir/server.crt" "$old_crt" \
	    "second activation: the previous server.crt is kept byte-identical"
	t_same_file "$dir/server.key" "$old_key" \
	    "second activation: the previous server.key is kept byte-identical"
	t_ok "activate --force: server.crt matches server.key" eval \
	    '[ "$(t_spki_sha256 key "$r/sslcert/server.key")" = "$(t_spki_sha256 cert "$r/sslcert/server.crt")" ]'

	# A key that does not belong to the certificate: always refused.
	t_run --root "$r" new $K --hostname mail.example.com --country US \
	    --name k1
	t_run --root "$r" new $K --hostname mail.example.com --country US \
	    --name k2
	cp "$r/sslcert/k2.key" "$r/sslcert/k1.key"
	h=$(t_tree_hash "$r")
	t_run --root "$r" activate k1
	t_rc 1 "activate with a mismatched key"
	t_err_has "key" "the refusal names the key"
	t_unchanged "$r" "$h" "activate with a mismatched key"
	t_run --root "$r" activate k1 --force
	t_rc 1 "activate --force with a mismatched key is refused too"
	t_unchanged "$r" "$h" "activate --force with a mismatched key"
	t_run --root "$r" show k1 --json
	t_eq "$(t_json "$T_OUT" 'd["checks"]["key_matches"]')" false \
	    "show: key_matches false for the swapped key"
	t_ok "show: key_matches false carries a reason" eval \
	    '[ -n "$(t_json "$T_OUT" "d[\"checks\"][\"key_matches_why\"]")" ]'

	# Activating a request is refused.
	t_run --root "$r" request $K --hostname mail.example.com --country US \
	    --name pending
	h=$(t_tree_hash "$r")
	t_run --root "$r" activate pending
	t_rc 1 "activate a request"
	t_err_has "pending" "the refusal names the request"
	t_unchanged "$r" "$h" "activate a request"
	t_run --root "$r" activate pending --force
	t_rc 1 "activate --force a request"
	t_unchanged "$r" "$h" "activate --force a request"

	# A plain activation of a good pair.
	t_run --root "$r" activate k2
	t_rc 0 "activate a good certificate"
	t_eq "$(t_openssl_sha256 "$r/sslcert/server.crt")" \
	    "$(t_openssl_sha256 "$r/sslcert/k2.crt")" "server.crt is k2"
	t_ok "the message says the engine needs a restart" eval \
	    'case $T_ERR in *restart*) true ;; *) false ;; esac'
}

# ---------------------------------------------------------------------
# Every refusal: exit code, a message naming the problem, nothing changed
# ---------------------------------------------------------------------
# refuse RC TEXT DESCRIPTION ARGS...: certdesk ARGS fails with RC,
# stderr holds TEXT, is one line, and the root $R is unchanged since the
# last refusal (its hash is kept in R_HASH, so each refusal hashes once).
refuse() {
	local rc=$1 text=$2 d=$3 h
	shift 3
	t_run --root "$R" "$@"
	t_rc "$rc" "$d"
	t_err_has "$text" "$d: the message names '$text'"
	t_eq "$(printf '%s\n' "$T_ERR" | wc -l)" 1 "$d: one line on stderr"
	t_ok "$d: nothing on stdout" test -z "$T_OUT"
	h=$(t_tree_hash "$R")
	if [ "$h" = "$R_HASH" ]; then t_pass "$d: nothing changed on disk"
	else t_fail "$d: the server folder changed"; R_HASH=$h; fi
}

test_refusals() {
	local long254 label64 g
	R=$(t_new_fast_root)
	t_run --root "$R" list --json
	t_run --root "$R" new $K --hostname mail.example.com --country DE \
	    --name taken
	t_run --root "$R" request $K --hostname mail.example.com --country DE \
	    --name asked
	g="--country DE"
	R_HASH=$(t_tree_hash "$R")

	label64=$(printf 'a%.0s' $(seq 64))
	long254=$(printf 'abcdefghi.%.0s' $(seq 24))abcdefghij.com
	[ ${#long254} -eq 254 ] || t_fail "test bug: the long name is ${#long254}"

	for cmd in new request; do
		refuse 2 Hostname "$cmd without --hostname" $cmd --country DE
		refuse 2 Country "$cmd without --country" $cmd \
		    --hostname x.example.com
		refuse 2 XX "$cmd --country XX" $cmd --hostname x.example.com \
		    --country XX
		refuse 2 Country "$cmd --country DEU" $cmd \
		    --hostname x.example.com --country DEU
		refuse 2 "'_'" "$cmd --hostname with '_'" $cmd \
		    --hostname a_b.example.com $g
		refuse 2 "64" "$cmd --hostname with a 64-character label" \
		    $cmd --hostname "$label64.example.com" $g
		refuse 2 "254" "$cmd --hostname of 254 characters" $cmd \
		    --hostname "$long254" $g
		refuse 2 "bad_alt" "$cmd --alt with '_'" $cmd \
		    --hostname x.example.com --alt bad_alt.example.com $g
		refuse 2 "dsa" "$cmd --key-type dsa" $cmd \
		    --hostname x.example.com $g --key-type dsa
		refuse 2 "--bogus" "$cmd with an unknown option" $cmd \
		    --hostname x.example.com $g --bogus
		refuse 2 "Organization" "$cmd --org with ESC" $cmd \
		    --hostname x.example.com $g --org "$(printf 'a\033[31mb')"
		refuse 2 "/" "$cmd --name with '/'" $cmd \
		    --hostname x.example.com $g --name a/b
		refuse 2 ".." "$cmd --name .." $cmd --hostname x.example.com \
		    $g --name ..
		refuse 2 "server" "$cmd --name server" $cmd \
		    --hostname x.example.com $g --name server
		refuse 1 "taken" "$cmd --name of an existing certificate" \
		    $cmd --hostname x.example.com $g --name taken
		refuse 1 "asked" "$cmd --name of an existing request" \
		    $cmd --hostname x.example.com $g --name asked
	done
	refuse 2 "Validity" "new --days 0" new --hostname x.example.com $g \
	    --days 0
	refuse 2 "Validity" "new --days 3651" new --hostname x.example.com \
	    $g --days 3651
	refuse 2 "12x" "new --days 12x" new --hostname x.example.com $g \
	    --days 12x
	refuse 2 "Validity" "new --days -5" new --hostname x.example.com $g \
	    --days -5
	refuse 1 "missing" "request --reuse-key missing" request \
	    --hostname x.example.com $g --reuse-key missing
	refuse 2 "frobnicate" "an unknown command" frobnicate
	for cmd in show remove activate; do
		refuse 1 "nope" "$cmd of an unknown name" $cmd nope
		refuse 2 "/" "$cmd of a name with '/'" $cmd a/b
		refuse 2 "/" "$cmd of ../taken" $cmd ../taken
		refuse 2 ".." "$cmd .." $cmd ..
	done
	refuse 2 "--bogus" "activate with an unknown option" activate taken \
	    --bogus
	refuse 1 "active" "remove the active pair" remove server
	refuse 1 "asked" "activate a request" activate asked
	refuse 1 "nope" "ca remove of an unknown name" ca remove nope
	refuse 2 "/" "ca remove of a name with '/'" ca remove ../x
	refuse 2 "frob" "an unknown ca subcommand" ca frob

	# Lower case country is accepted (and upper-cased).
	t_run --root "$R" request $K --hostname x.example.com --country de \
	    --name lower
	t_rc 0 "request --country de is accepted"
	t_ok "--country de: the request says C=DE" eval \
	    'openssl req -in "$R/sslcert/lower.csr" -noout -subject -nameopt sep_comma_plus | grep -q "C=DE"'

	# The limits themselves are accepted: a 63-character label, 253
	# characters, 1 and 3650 days.
	t_run --root "$R" new $K --hostname "${label64#a}.example.com" $g \
	    --name lab63
	t_rc 0 "a 63-character label is accepted"
	t_run --root "$R" new $K --hostname "${long254#a}" $g --name len253
	t_rc 0 "a 253-character hostname is accepted"
	t_ok "the 253-character name is in the certificate (openssl)" \
	    matches_host "$R/sslcert/len253.crt" "${long254#a}"
	t_run --root "$R" new $K --hostname x.example.com $g --days 3650 \
	    --name d3650
	t_rc 0 "--days 3650 is accepted"
	t_run --root "$R" new $K --hostname x.example.com $g --days 1 --name d1
	t_rc 0 "--days 1 is accepted"
}

# On a fresh root (no server.crt yet), a refused command must not leave
# the first-run pair behind either: nothing changed means nothing.
test_refusals_fresh_root() {
	local g="--country DE"
	# fresh RC TEXT DESCRIPTION ARGS...: refuse on a new, empty root.
	fresh() {
		R=$(t_new_fast_root)
		R_HASH=$(t_tree_hash "$R")
		refuse "$@"
	}
	fresh 2 Hostname "fresh root: new without --hostname" new $K $g
	fresh 2 "additional names" "fresh root: new --alt ''" new $K $g \
	    --hostname x.example.com --alt ''
	fresh 2 server "fresh root: new --name server" new $K $g \
	    --hostname x.example.com --name server
	fresh 1 missing "fresh root: request --reuse-key missing" request $K \
	    $g --hostname x.example.com --reuse-key missing
	fresh 1 nope "fresh root: remove nope" remove nope
	fresh 1 nope "fresh root: ca remove nope" ca remove nope
	# These once made the first-run pair before refusing the name.
	fresh 2 "/" "fresh root: activate a/b" activate a/b
	fresh 2 "--bogus" "fresh root: activate x --bogus" activate x --bogus
	fresh 1 nope "fresh root: show nope" show nope
	fresh 1 nope "fresh root: activate nope" activate nope
	unset -f fresh
	R=$(t_new_fast_root)
	R_HASH=$(t_tree_hash "$R")
	t_run --root "$R" check
	t_rc 2 "fresh root: check without an active certificate is CRITICAL"
	t_ok "fresh root: check says CRITICAL" eval \
	    'case $T_OUT in "CERTIFICATE CRITICAL"*) true ;; *) false ;; esac'
	t_unchanged "$R" "$R_HASH" "fresh root: check"
}

# ---------------------------------------------------------------------
# remove keeps a copy and says where
# ---------------------------------------------------------------------
test_remove() {
	local r dir crt key csr
	r=$(t_new_fast_root)
	t_run --root "$r" list --json
	t_run --root "$r" new $K --hostname mail.example.com --country AT \
	    --name gone
	crt=$T_TMP/gone.crt key=$T_TMP/gone.key
	cp "$r/sslcert/gone.crt" "$crt"
	cp "$r/sslcert/gone.key" "$key"
	t_run --root "$r" remove gone
	t_rc 0 "remove a certificate"
	t_ok "remove: gone.crt is no longer in sslcert/" \
	    test ! -e "$r/sslcert/gone.crt" -a ! -e "$r/sslcert/gone.key"
	dir=$(kept_in "$T_ERR")
	t_ok "remove: the message names the folder keeping it ($dir)" \
	    test -n "$dir" -a -d "$dir"
	t_same_file "$dir/gone.crt" "$crt" "remove: the certificate is kept byte-identical"
	t_same_file "$dir/gone.key" "$key" "remove: the key is kept byte-identical"
	t_eq "$(t_mode "$dir/gone.key")" 600 "remove: the kept key is 0600"
	t_run --root "$r" show gone
	t_rc 1 "show of the removed entry"

	t_run --root "$r" request $K --hostname mail.example.com --country AT \
	    --name ask
	csr=$T_TMP/ask.csr
	cp "$r/sslcert/ask.csr" "$csr"
	cp "$r/sslcert/ask.key" "$key"
	t_run --root "$r" remove ask
	t_rc 0 "remove a request"
	dir=$(kept_in "$T_ERR")
	t_same_file "$dir/ask.csr" "$csr" "remove: the request is kept byte-identical"
	t_same_file "$dir/ask.key" "$key" "remove: the request's key is kept byte-identical"
	t_ok "remove: the request is gone from sslcert/" \
	    test ! -e "$r/sslcert/ask.csr" -a ! -e "$r/sslcert/ask.key"
}

# ---------------------------------------------------------------------
# check: the monitoring verb
# ---------------------------------------------------------------------
test_check() {
	local r h
	r=$(t_new_fast_root)
	t_run --root "$r" new $K --hostname mail.example.com --country NL \
	    --days 365 --name year
	t_run --root "$r" activate year
	t_rc 0 "activate a 365-day certificate"
	h=$(t_tree_hash "$r")
	t_run --root "$r" check
	t_rc 0 "check on a fresh certificate: OK"
	t_eq "$(printf '%s\n' "$T_OUT" | wc -l)" 1 "check prints one line"
	t_ok "check: the line starts 'CERTIFICATE OK'" eval \
	    'case $T_OUT in "CERTIFICATE OK"*) true ;; *) false ;; esac'
	t_ok "check: perfdata after '|': days_left=N;30;7" eval \
	    'printf "%s" "$T_OUT" | grep -Eq "\| days_left=36[45];30;7$"'
	t_unchanged "$r" "$h" "check"

	t_run --root "$r" check --warn-days 400
	t_rc 1 "check --warn-days 400 on a 365-day certificate: WARNING"
	t_ok "check: the line starts 'CERTIFICATE WARNING'" eval \
	    'case $T_OUT in "CERTIFICATE WARNING"*) true ;; *) false ;; esac'
	t_ok "check WARNING: perfdata" eval \
	    'printf "%s" "$T_OUT" | grep -Eq "\| days_left=36[45];400;7$"'

	t_run --root "$r" check --warn-days 500 --crit-days 400
	t_rc 2 "check --crit-days 400 --warn-days 500: CRITICAL"
	t_ok "check: the line starts 'CERTIFICATE CRITICAL'" eval \
	    'case $T_OUT in "CERTIFICATE CRITICAL"*) true ;; *) false ;; esac'
	# --crit-days alone above the default --warn-days: CRITICAL, not a
	# usage error.
	t_run --root "$r" check --crit-days 400
	t_rc 2 "check --crit-days 400 alone (default --warn-days below it): CRITICAL"

	t_run --root "$r" check --bogus
	t_rc 3 "check with an unknown option: UNKNOWN"
	t_err_has "--bogus" "check names the unknown option"
	t_run --root "$r" check --warn-days abc
	t_rc 3 "check --warn-days abc: UNKNOWN"
	t_run --root "$r" check extra
	t_rc 3 "check with an extra argument: UNKNOWN"

	CERTDESK_NOW=$(( $(date +%s) - 400 * 86400 )) \
	    t_run --root "$r" new $K --hostname mail.example.com --country NL \
	    --days 30 --name dead
	t_run --root "$r" activate dead --force
	t_rc 0 "activate an expired certificate with --force"
	t_run --root "$r" check
	t_rc 2 "check of an expired active certificate: CRITICAL"
	t_ok "check: CRITICAL line for the expired certificate" eval \
	    'case $T_OUT in "CERTIFICATE CRITICAL"*expired*"|"*days_left=-*) true ;; *) false ;; esac'

	T_OUT=$("$CD" --root "$T_TMP/does-not-exist" check 2>"$T_TMP/stderr") &&
	    T_RC=0 || T_RC=$?
	t_rc 3 "check of a root that does not exist: UNKNOWN"
	t_ok "check UNKNOWN: one line starting 'CERTIFICATE UNKNOWN'" eval \
	    'case $T_OUT in "CERTIFICATE UNKNOWN"*) true ;; *) false ;; esac'
}

# ---------------------------------------------------------------------
# Escape sequences from certificates and file names never reach the
# terminal raw
# ---------------------------------------------------------------------
test_escapes() {
	local r evil out
	r=$(t_new_fast_root)
	t_run --root "$r" list --json
	evil=$(printf 'Evil\033[31mCorp')
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$r/sslcert/esc.key" -out "$r/sslcert/esc.crt" -days 30 \
	    -subj "/O=$evil/CN=mail.example.com" 2>/dev/null
	t_ok "openssl made a certificate whose O holds ESC" eval \
	    'openssl x509 -in "$r/sslcert/esc.crt" -outform der | LC_ALL=C grep -aqF "$evil"'
	# A file name with ESC too.
	cp "$r/sslcert/esc.crt" "$r/sslcert/$(printf 'file\033[2Jname').crt"
	for args in "list" "list --json" "show esc" "show esc --json"; do
		# shellcheck disable=SC2086
		out=$("$CD" --root "$r" $args 2>&1)
		t_eq "$(printf '%s' "$out" | LC_ALL=C grep -c $'\033')" 0 \
		    "$args: no raw ESC byte in the output"
		case $args in
		*--json*) ;;
		*)
			case $out in
			*'\x1b'*) t_pass "$args: ESC shown as \\x1b" ;;
			*) t_fail "$args: ESC not shown escaped: $out" ;;
			esac
		esac
	done
	# JSON escapes it the JSON way, and a script still gets the exact value.
	out=$("$CD" --root "$r" show esc --json 2>/dev/null)
	t_eq "$(t_json "$out" 'd["subject"]')" "CN=mail.example.com,O=$evil" \
	    "show --json: the subject decodes to the exact bytes"
	out=$("$CD" --root "$r" list --json 2>/dev/null)
	t_eq "$(t_json "$out" 'sorted(e["name"] for e in d)')" \
	    '["esc", "file\u001b[2Jname", "server"]' \
	    "list --json: the file name decodes to the exact bytes"
	out=$("$CD" --root "$r" show esc 2>&1)
	t_ok "show: the organization shows Evil\\x1b[31mCorp" eval \
	    'case $out in *"Evil\\x1b[31mCorp"*) true ;; *) false ;; esac'
	out=$("$CD" --root "$r" remove "$(printf 'file\033[2Jname')" 2>&1)
	t_eq "$(printf '%s' "$out" | LC_ALL=C grep -c $'\033')" 0 \
	    "remove of a name with ESC: no raw ESC in the message"
	for cmd in show remove activate; do
		out=$("$CD" --root "$r" $cmd "$(printf 'x\033[2Jy')" 2>&1)
		t_eq "$(printf '%s' "$out" | LC_ALL=C grep -c $'\033')" 0 \
		    "$cmd of an unknown name with ESC: no raw ESC in the message"
	done
	out=$("$CD" --root "$r" new $K --hostname mail.example.com --country CZ \
	    --org "$evil" 2>&1)
	t_eq "$(printf '%s' "$out" | LC_ALL=C grep -c $'\033')" 0 \
	    "new --org with ESC: the refusal shows no raw ESC"
	# The active certificate's common name in check's line.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$r/sslcert/esccn.key" -out "$r/sslcert/esccn.crt" -days 30 \
	    -subj "/CN=$(printf 'mail\033[31m.example.com')" 2>/dev/null
	t_run --root "$r" activate esccn --force
	t_rc 0 "activate the certificate with ESC in its common name"
	out=$("$CD" --root "$r" check 2>&1)
	t_eq "$(printf '%s' "$out" | LC_ALL=C grep -c $'\033')" 0 \
	    "check: no raw ESC in the line ($out)"
	t_ok "check: the line shows the common name escaped" eval \
	    'case $out in *"mail\x1b[31m.example.com"*) true ;; *) false ;; esac'
	out=$("$CD" --root "$r" show server 2>&1)
	t_eq "$(printf '%s' "$out" | LC_ALL=C grep -c $'\033')" 0 \
	    "show server: no raw ESC"
}

# ---------------------------------------------------------------------
# The lock: a second writer waits briefly, then names the holder
# ---------------------------------------------------------------------
# hold_lock FILE SECONDS: another process takes the flock on FILE and holds
# it SECONDS; one process (so killing $! frees the lock), and this returns
# once the lock is taken.  Sets LOCK_PID.
hold_lock() {
	local ready=$T_TMP/locked.$RANDOM i
	"$T_PYTHON" -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[3], "w").close()
time.sleep(float(sys.argv[2]))' "$1" "$2" "$ready" > /dev/null 2>&1 &
	LOCK_PID=$!
	for i in $(seq 50); do
		[ -e "$ready" ] && return 0
		sleep 0.1
	done
	t_fail "the test could not take the lock on $1"
}

test_lock() {
	local r h pid t0 t1
	r=$(t_new_fast_root)
	t_run --root "$r" list --json
	t_run --root "$r" new $K --hostname mail.example.com --country FR --name x
	t_ok "the lock file exists after a write" test -e "$r/.certdesk.lock"
	h=$(t_tree_hash "$r")
	hold_lock "$r/.certdesk.lock" 9
	pid=$LOCK_PID
	t0=$(date +%s%N)
	t_run --root "$r" remove x
	t1=$(date +%s%N)
	t_rc 1 "remove while another process holds the lock"
	t_err_has "another certdesk is changing $r" \
	    "the message says another certdesk is changing the root"
	t_err_has "pid $pid" "the message names the holder's pid ($pid)"
	t_ok "it gives up within about 6 s ($(( (t1 - t0) / 1000000 )) ms)" \
	    test $(( (t1 - t0) / 1000000 )) -le 6500
	t_ok "it waits a little before giving up" \
	    test $(( (t1 - t0) / 1000000 )) -ge 500
	t_unchanged "$r" "$h" "remove while locked"
	t_run --root "$r" show x --json
	t_rc 0 "reading works while another process holds the lock"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	t_run --root "$r" remove x
	t_rc 0 "remove once the lock is free"

	# A lock held briefly is waited for, not refused.
	t_run --root "$r" new $K --hostname mail.example.com --country FR --name y
	hold_lock "$r/.certdesk.lock" 1
	pid=$LOCK_PID
	t0=$(date +%s%N)
	t_run --root "$r" remove y
	t1=$(date +%s%N)
	wait "$pid" 2>/dev/null
	t_rc 0 "remove waits for a lock held 1 s"
	t_ok "it waited for the holder ($(( (t1 - t0) / 1000000 )) ms)" \
	    test $(( (t1 - t0) / 1000000 )) -ge 500
	t_ok "then it removed y" test ! -e "$r/sslcert/y.crt"
}

# ---------------------------------------------------------------------
# Safety: keys 0600 whatever the umask, nothing written through a symlink
# planted in sslcert/
# ---------------------------------------------------------------------
test_safety() {
	local r h victim vh loose
	r=$(t_new_fast_root)
	T_OUT=$(umask 000; "$CD" --root "$r" list --json 2>"$T_TMP/stderr") &&
	    T_RC=0 || T_RC=$?
	t_rc 0 "first run under umask 000"
	t_eq "$(t_mode "$r/sslcert/server.key")" 600 \
	    "umask 000: the first-run key is 0600"
	T_OUT=$(umask 000; "$CD" --root "$r" new $K --hostname mail.example.com \
	    --country SE --name loose 2>"$T_TMP/stderr") && T_RC=0 || T_RC=$?
	t_rc 0 "new under umask 000"
	t_eq "$(t_mode "$r/sslcert/loose.key")" 600 "umask 000: new's key is 0600"
	T_OUT=$(umask 000; "$CD" --root "$r" request $K \
	    --hostname mail.example.com --country SE --name ask 2>"$T_TMP/stderr") &&
	    T_RC=0 || T_RC=$?
	t_eq "$(t_mode "$r/sslcert/ask.key")" 600 "umask 000: request's key is 0600"
	T_OUT=$(umask 000; "$CD" --root "$r" activate loose 2>"$T_TMP/stderr") &&
	    T_RC=0 || T_RC=$?
	t_rc 0 "activate under umask 000"
	t_eq "$(t_mode "$r/sslcert/server.key")" 600 \
	    "umask 000: the activated server.key is 0600"
	loose=$(find "$r" -perm /022 ! -type l -printf '%P(%m) ')
	t_ok "umask 000: nothing in the root is group or world writable ($loose)" \
	    test -z "$loose"
	loose=$(find "$r/certdesk-backup" -type f -name '*.key' ! -perm 600 -printf '%P ')
	t_ok "umask 000: kept keys are 0600 ($loose)" test -z "$loose"

	# A key planted as a symlink to a file outside: never written through.
	victim=$T_TMP/victim
	echo "not a key" > "$victim"
	vh=$(sha256sum < "$victim")
	ln -s "$victim" "$r/sslcert/trap.key"
	h=$(t_tree_hash "$r")
	t_run --root "$r" new $K --hostname mail.example.com --country SE \
	    --name trap
	t_rc 1 "new --name over a planted trap.key symlink is refused"
	t_eq "$(sha256sum < "$victim")" "$vh" "the symlink's target is untouched"
	t_unchanged "$r" "$h" "new over a planted symlink"
	t_run --root "$r" request $K --hostname mail.example.com --country SE \
	    --name trap
	t_rc 1 "request --name over a planted trap.key symlink is refused"
	t_eq "$(sha256sum < "$victim")" "$vh" "the symlink's target is untouched"

	# server.crt planted as a symlink: activation replaces the link, it
	# does not write into its target.
	cp "$r/sslcert/server.crt" "$victim"
	vh=$(sha256sum < "$victim")
	rm "$r/sslcert/server.crt"
	ln -s "$victim" "$r/sslcert/server.crt"
	t_run --root "$r" new $K --hostname mail.example.com --country SE \
	    --name next
	t_run --root "$r" activate next
	t_rc 0 "activate with server.crt a planted symlink"
	t_eq "$(sha256sum < "$victim")" "$vh" \
	    "activate did not write through the server.crt symlink"
	t_ok "server.crt is a regular file again" \
	    test -f "$r/sslcert/server.crt" -a ! -L "$r/sslcert/server.crt"
	t_eq "$(t_openssl_sha256 "$r/sslcert/server.crt")" \
	    "$(t_openssl_sha256 "$r/sslcert/next.crt")" "server.crt is next"
}

test_root_resolution
test_first_run
test_new_key_types
test_utf8
test_request
test_ca_flow
test_ca_bundle
test_ca_chain_order
test_activate
test_refusals
test_refusals_fresh_root
test_remove
test_check
test_escapes
test_lock
test_safety
t_done
