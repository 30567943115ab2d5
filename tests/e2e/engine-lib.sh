# Helpers of the engine tests (engine.sh with Dovecot, engine-postfix.sh
# with Postfix): a test CA made by OpenSSL, a certificate request answered
# by it, and s_client as the judge of what a server serves.
# Use after tests/lib.sh: . "$top_srcdir/tests/e2e/engine-lib.sh"

HOST=${HOST:-mail.example.com}

# Is anything listening on 127.0.0.1:$1?
port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A free loopback port such that $1 ports from it are all free.
free_ports() {
	local n=${1:-1} p i busy
	while :; do
		p=$(( 20000 + (RANDOM % 20000) ))
		busy=
		for i in $(seq 0 $((n - 1))); do
			port_busy $((p + i)) && busy=yes
		done
		[ -z "$busy" ] && { echo "$p"; return; }
	done
}

# The SHA-256 fingerprint of a PEM certificate: 64 lowercase hex digits.
fp() {
	openssl x509 -noout -fingerprint -sha256 -in "$1" 2>/dev/null |
	    cut -d= -f2 | tr -d : | tr A-F a-f
}

# A root and an intermediate in $T_TMP/ca: root.pem, inter.pem (+ keys),
# and ca.cnf with the leaf's extensions (subjectAltName = DNS:$HOST).
make_test_ca() {
	mkdir -p "$T_TMP/ca"
	(
	cd "$T_TMP/ca" || exit 1
	cat > ca.cnf <<EOF
[req]
distinguished_name = dn
[dn]
[v3_root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_inter]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:$HOST
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
	openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem \
	    -subj "/O=certdesk test/CN=certdesk test root" -days 30 \
	    -config ca.cnf -extensions v3_root 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr \
	    -subj "/O=certdesk test/CN=certdesk test intermediate" \
	    -config ca.cnf 2>/dev/null &&
	openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key \
	    -CAcreateserial -out inter.pem -days 30 -extfile ca.cnf \
	    -extensions v3_inter 2>/dev/null
	)
}

# answer_request ROOT NAME: sign sslcert/NAME.csr with the intermediate
# and import the answer with its chain (paired with the request's key);
# the leaf's PEM is left in $T_TMP/NAME.pem.
answer_request() {
	local root=$1 name=$2
	openssl x509 -req -in "$root/sslcert/$name.csr" -CA "$T_TMP/ca/inter.pem" \
	    -CAkey "$T_TMP/ca/inter.key" -CAcreateserial -out "$T_TMP/$name.pem" \
	    -days 20 -extfile "$T_TMP/ca/ca.cnf" -extensions v3_leaf 2>/dev/null
	cat "$T_TMP/$name.pem" "$T_TMP/ca/inter.pem" > "$T_TMP/$name.answer.pem"
	t_run --root "$root" ca import "$T_TMP/ca/root.pem"
	t_rc 0 "ca import the private test root (so the chain is complete)"
	t_run --root "$root" import "$T_TMP/$name.answer.pem"
	t_rc 0 "import the CA's answer to $name with its intermediate"
}

# s_client PORT [STARTTLS]: what 127.0.0.1:PORT serves, verified against
# the test root for $HOST.  Sets S_RC; the served chain goes to
# $T_TMP/served.N.pem, the whole output to $T_TMP/s_client.out.
s_client() {
	local port=$1 starttls=${2:-}
	rm -f "$T_TMP"/served.*.pem
	openssl s_client -connect "127.0.0.1:$port" ${starttls:+-starttls "$starttls"} \
	    -servername "$HOST" -showcerts -verify_return_error \
	    -CAfile "$T_TMP/ca/root.pem" -verify_hostname "$HOST" \
	    </dev/null >"$T_TMP/s_client.out" 2>&1
	S_RC=$?
	awk -v d="$T_TMP" '/-----BEGIN CERTIFICATE-----/ { n++; f = d "/served." n ".pem" }
	    f { print > f } /-----END CERTIFICATE-----/ { close(f); f = "" }' "$T_TMP/s_client.out"
}

# The number of certificates the last s_client saw.
served_count() {
	ls "$T_TMP"/served.*.pem 2>/dev/null | wc -l
}

# wait_served PORT FINGERPRINT [STARTTLS]: bounded wait until s_client
# sees that leaf (whether or not it verifies).
wait_served() {
	local i
	for i in $(seq 50); do
		s_client "$1" "${3:-}"
		[ "$(fp "$T_TMP/served.1.pem")" = "$2" ] && return 0
		sleep 0.2
	done
	return 1
}
