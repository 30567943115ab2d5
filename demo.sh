#!/bin/sh
# Build certdesk and open its console on a demo server root inside the
# checkout (demo/, made on first use with a first-run certificate, as the
# mail server makes one at its first start).
set -e
cd "$(dirname "$0")"
./scripts/install-deps.sh
./scripts/build.sh
if [ ! -d demo ]; then
	mkdir -p demo/sslcert demo/sslca
	cat > demo/certdesk.conf <<CONF
# The demo server root: see certdesk(1) for every setting.
[server]
hostname = $(hostname -f 2>/dev/null || hostname)
CONF
fi
CERTDESK_FORMS="$PWD/forms" exec ./certdesk --root demo
