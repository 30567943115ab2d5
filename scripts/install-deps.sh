#!/bin/sh
# Install what certdesk needs to build and to run its whole test suite on
# Debian 12 (run as root, or with sudo available).  Quick when all is there.
set -e
PACKAGES="build-essential autoconf automake libtool pkg-config
libgnutls28-dev libncurses-dev libcdk5-dev libinih-dev libjansson-dev
libcmocka-dev gnutls-bin openssl ca-certificates tmux dovecot-imapd
dovecot-pop3d dovecot-submissiond postfix python3 clang libclang-rt-14-dev valgrind man-db groff-base"

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# A packaged service must not start on its own: the tests start their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod +x /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# Postfix asks how to configure itself; the tests bring their own config.
echo "postfix postfix/main_mailer_type select No configuration" |
	$SUDO debconf-set-selections
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
