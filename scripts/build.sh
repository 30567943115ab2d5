#!/bin/sh
# Configure (once) and build certdesk in the checkout.
set -e
cd "$(dirname "$0")/.."
[ -x configure ] || ./bootstrap
[ -f Makefile ] || ./configure "$@"
make -j"$(nproc)"
