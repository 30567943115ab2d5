#!/bin/sh
# Build certdesk and run the whole test suite: unit tests of the store and
# end-to-end tests judged by OpenSSL, certtool, Dovecot and tmux.
set -e
cd "$(dirname "$0")"
./scripts/install-deps.sh
./scripts/build.sh
make -j"$(nproc)" check || { cat test-suite.log; exit 1; }
