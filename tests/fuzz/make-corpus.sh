#!/bin/sh
# Make the fuzzer's seed corpus with OpenSSL: one small file for each
# format the import path reads (certificates, chains, PKCS#7, PKCS#12 with
# the password "fuzz", requests and keys of every encoding).  Small keys
# (EC P-256, RSA 1024) keep the seeds short: the fuzzer mutates the
# structure, not the numbers.  The output is committed; rerun this only to
# refresh it.
# Use: tests/fuzz/make-corpus.sh [OUTDIR]   (default: tests/fuzz/corpus)
set -eu

out=${1:-$(dirname "$0")/corpus}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$work"

subj() { printf '/CN=%s' "$1"; }

# Keys.
openssl ecparam -name prime256v1 -genkey -noout -out ec.key 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.key 2>/dev/null
openssl genpkey -algorithm ED25519 -out ed.key
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null

# A root CA, an intermediate and a leaf with alt names, so chains parse.
openssl req -x509 -new -key ca.key -subj "$(subj 'Fuzz Root')" -days 30 \
	-addext basicConstraints=critical,CA:TRUE -out ca.crt
openssl ecparam -name prime256v1 -genkey -noout -out int.key 2>/dev/null
openssl req -new -key int.key -subj "$(subj 'Fuzz Intermediate')" -out int.csr
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n' > int.ext
openssl x509 -req -in int.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
	-days 30 -extfile int.ext -out int.crt 2>/dev/null
openssl req -new -key ec.key -subj "$(subj mail.example.com)" \
	-addext 'subjectAltName=DNS:mail.example.com,DNS:*.example.com,IP:192.0.2.1,IP:2001:db8::1,email:a@example.com' \
	-out leaf.csr
printf 'subjectAltName=DNS:mail.example.com,IP:192.0.2.1\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' > leaf.ext
openssl x509 -req -in leaf.csr -CA int.crt -CAkey int.key -CAcreateserial \
	-days 30 -extfile leaf.ext -out leaf.crt 2>/dev/null

# Certificates: PEM, DER, self-signed of each key type, chains.
cp leaf.crt "$out/cert-leaf.pem"
openssl x509 -in leaf.crt -outform DER -out "$out/cert-leaf.der"
openssl req -x509 -new -key rsa.key -subj "$(subj rsa.example.com)" -days 1 \
	-addext subjectAltName=DNS:rsa.example.com -out "$out/cert-rsa-selfsigned.pem"
openssl req -x509 -new -key ed.key -subj "$(subj ed.example.com)" -days 1 \
	-out "$out/cert-ed25519-selfsigned.pem"
openssl x509 -in "$out/cert-ed25519-selfsigned.pem" -outform DER \
	-out "$out/cert-ed25519-selfsigned.der"
cat leaf.crt int.crt ca.crt > "$out/chain-ordered.pem"
cat ca.crt leaf.crt int.crt > "$out/chain-shuffled.pem"
# Escape sequences and control characters in the subject.
openssl req -x509 -new -key ec.key -days 1 -utf8 \
	-subj "/CN=evil$(printf '\033')[31mred/O=ctl$(printf '\007')bell" \
	-out "$out/cert-escape.pem"

# PKCS#7: PEM and DER, certificates only (what CAs send).
openssl crl2pkcs7 -nocrl -certfile leaf.crt -certfile int.crt \
	-out "$out/chain.p7b"
openssl crl2pkcs7 -nocrl -certfile leaf.crt -certfile int.crt \
	-outform DER -out "$out/chain.p7b.der"

# PKCS#12 bundles, password "fuzz": modern (AES, SHA-256) and legacy
# (3DES/RC2, SHA-1, needs the legacy provider in OpenSSL 3).
openssl pkcs12 -export -inkey ec.key -in leaf.crt -certfile int.crt \
	-passout pass:fuzz -out "$out/bundle-modern.p12"
openssl pkcs12 -export -legacy -inkey ec.key -in leaf.crt -certfile int.crt \
	-passout pass:fuzz -out "$out/bundle-legacy.p12" 2>/dev/null ||
	openssl pkcs12 -export -inkey ec.key -in leaf.crt -certfile int.crt \
	-keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 \
	-passout pass:fuzz -out "$out/bundle-legacy.p12"
openssl pkcs12 -export -nokeys -in leaf.crt -passout pass:fuzz \
	-out "$out/bundle-certonly.p12"

# Requests.
cp leaf.csr "$out/request.csr"
openssl req -in leaf.csr -outform DER -out "$out/request.csr.der"

# Keys in every encoding.
openssl pkey -in ec.key -out "$out/key-ec-pkcs8.pem"
openssl pkcs8 -topk8 -nocrypt -in ec.key -outform DER -out "$out/key-ec-pkcs8.der"
openssl ec -in ec.key -out "$out/key-ec-sec1.pem" 2>/dev/null
openssl ec -in ec.key -outform DER -out "$out/key-ec-sec1.der" 2>/dev/null
openssl pkey -in rsa.key -traditional -out "$out/key-rsa-pkcs1.pem"
openssl rsa -in rsa.key -outform DER -traditional -out "$out/key-rsa-pkcs1.der" 2>/dev/null
openssl pkey -in rsa.key -out "$out/key-rsa-pkcs8.pem"
openssl pkey -in ed.key -out "$out/key-ed25519.pem"
openssl pkcs8 -topk8 -in ec.key -v2 aes-256-cbc -passout pass:fuzz \
	-out "$out/key-ec-encrypted.pem"
openssl pkcs8 -topk8 -in ec.key -v2 aes-256-cbc -passout pass:fuzz \
	-outform DER -out "$out/key-ec-encrypted.der"

# A certificate with its key in one PEM file.
cat leaf.crt ec.key > "$out/cert-and-key.pem"
cat leaf.crt int.crt "$out/key-ec-pkcs8.pem" > "$out/chain-and-key.pem"

# Degenerate ones: empty, a bare PEM armour, a truncated DER.
: > "$out/empty"
printf -- '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n' > "$out/pem-empty-armour"
head -c 100 "$out/cert-leaf.der" > "$out/cert-truncated.der"
ls "$out" | wc -l | sed 's/$/ seed files/'
