#!/bin/bash
# Engine control against a real Postfix with STARTTLS, started by this
# test as a private instance (postfix -c DIR, its own queue, a loopback
# port; no system service): a certificate signed by a test CA is
# activated with --restart (restart_command = postfix reload), and
# OpenSSL's s_client -starttls smtp judges that Postfix now serves the
# new chain and that it verifies to the test root for the hostname.
# Then `postfix reload` with Postfix stopped: a real restart command
# failing, reported with its exit code, nothing changed on disk.
. "$top_srcdir/tests/lib.sh"

POSTFIX=$(command -v postfix || echo /usr/sbin/postfix)
if [ ! -x "$POSTFIX" ]; then
	echo "SKIP: postfix is not installed (Debian: apt-get install postfix)"
	exit 77
fi
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: a private Postfix instance must be started as root"
	exit 77
fi
if ! getent passwd postfix >/dev/null || ! getent group postdrop >/dev/null; then
	echo "SKIP: the postfix user or the postdrop group is missing"
	exit 77
fi
. "$top_srcdir/tests/e2e/engine-lib.sh"

PF=$T_TMP/postfix
PFPID=$PF/spool/pid/master.pid

pf_stop() {
	local pid i
	pid=$(tr -d ' ' < "$PFPID" 2>/dev/null) || return 0
	[ -n "$pid" ] || return 0
	"$POSTFIX" -c "$PF/etc" stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	return 0
}
trap 'pf_stop; t_cleanup' EXIT

make_test_ca
t_ok "a test root and intermediate made by OpenSSL" test -s "$T_TMP/ca/inter.pem"

ROOT=$(t_new_root "$HOST")
t_run --root "$ROOT" list
t_rc 0 "the first run makes the active pair"
OLD_FP=$(fp "$ROOT/sslcert/server.crt")

# The postfix user must reach its data folder below the test's folder.
chmod 711 "$T_TMP"
mkdir -p "$PF/etc" "$PF/spool" "$PF/data"
chown postfix "$PF/data"
PORT=$(free_ports 1)
cat > "$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
command_directory = $(dirname "$POSTFIX")
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = $HOST
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
maillog_file_prefixes = $PF
maillog_file = $PF/maillog
smtpd_tls_security_level = may
smtpd_tls_chain_files = $ROOT/sslcert/server.key, $ROOT/sslcert/server.crt
EOF
cat > "$PF/etc/master.cf" <<EOF
$PORT     inet  n       -       n       -       -       smtpd
postlog   unix-dgram n  -       n       -       1       postlogd
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
anvil     unix  -       -       n       -       1       anvil
cleanup   unix  n       -       n       -       0       cleanup
rewrite   unix  -       -       n       -       -       trivial-rewrite
proxymap  unix  -       -       n       -       -       proxymap
EOF
"$POSTFIX" -c "$PF/etc" start >"$PF/start.out" 2>&1
for i in $(seq 50); do port_busy "$PORT" && break; sleep 0.1; done
if ! port_busy "$PORT"; then
	echo "# postfix did not start:"
	sed 's/^/#   /' "$PF/start.out" "$PF/maillog" 2>/dev/null
	t_fail "Postfix starts on a loopback port"
	t_done; exit 1
fi
t_pass "Postfix runs on 127.0.0.1:$PORT with the first-run pair"
wait_served "$PORT" "$OLD_FP" smtp
t_ok "s_client -starttls smtp sees the first-run certificate" \
    test "$(fp "$T_TMP/served.1.pem")" = "$OLD_FP"

cat >> "$ROOT/certdesk.conf" <<EOF
[engine]
pidfile = $PFPID
restart_command = $POSTFIX -c "$PF/etc" reload
probe = 127.0.0.1:$PORT
probe_starttls = smtp
timeout = 20
EOF

t_run --root "$ROOT" engine status
t_rc 0 "engine status: Postfix runs and serves the active pair"
t_out_has "probe 127.0.0.1:$PORT (starttls smtp): serves $HOST, SHA-256 $OLD_FP, chain of 1: the active certificate" \
    "engine status names what Postfix serves after STARTTLS"

t_run --root "$ROOT" request --hostname "$HOST" --country DE --org "certdesk test" --name mx2027
t_rc 0 "request makes a key and a certificate request"
answer_request "$ROOT" mx2027
NEW_FP=$(fp "$T_TMP/mx2027.pem")
INTER_FP=$(fp "$T_TMP/ca/inter.pem")

t_run --root "$ROOT" activate mx2027 --restart
t_rc 0 "activate --restart (postfix reload)"
t_out_has "the engine now serves $HOST, SHA-256 $NEW_FP, chain of 2 (127.0.0.1:$PORT)" \
    "activate --restart reports what Postfix now serves"

s_client "$PORT" smtp
t_ok "s_client -starttls smtp: the chain Postfix serves verifies to the test root for $HOST" \
    test "$S_RC" = 0
t_ok "s_client -starttls smtp: verify return code 0" \
    grep -q "Verify return code: 0 (ok)" "$T_TMP/s_client.out"
t_ok "s_client -starttls smtp: Postfix serves the new leaf" \
    test "$(fp "$T_TMP/served.1.pem")" = "$NEW_FP"
t_ok "s_client -starttls smtp: Postfix sends the intermediate after the leaf" \
    test "$(fp "$T_TMP/served.2.pem")" = "$INTER_FP"
t_ok "s_client -starttls smtp: a chain of 2, as certdesk said" test "$(served_count)" = 2

t_run --root "$ROOT" engine status --json
t_rc 0 "engine status --json after the reload"
t_out_has "\"sha256\": \"$NEW_FP\"" "engine status --json agrees with s_client"
t_out_has "\"starttls\": \"smtp\"" "engine status --json names the dialogue"

# A real restart command failing: postfix reload with Postfix stopped.
pf_stop
H=$(t_tree_hash "$ROOT")
t_run --root "$ROOT" engine restart
t_rc 1 "engine restart with Postfix stopped"
# (postfix says why only on a terminal or in its log, so no last line.)
t_err_has "restart_command failed (exit 1)" "the failing postfix reload, with its exit code"
t_unchanged "$ROOT" "$H" "postfix reload failing"
t_run --root "$ROOT" engine status
t_rc 1 "engine status with Postfix stopped"
# Postfix leaves its pid file behind when it stops.
t_out_has "engine: stale" "engine status says the pid file is stale"
t_err_has "names process $(tr -d ' ' < "$PFPID"), which is gone (a stale pid file)" \
    "engine status: the stale pid file, with its process"

t_done
