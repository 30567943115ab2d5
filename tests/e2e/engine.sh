#!/bin/bash
# Engine control against a real Dovecot, started by this test on a
# loopback port with its own configuration (no system service): a new
# certificate signed by a test CA is activated with --restart, and
# OpenSSL's s_client (not certdesk's own probe) judges that Dovecot now
# serves the new chain and that it verifies to the test root for the
# hostname, on imaps and after the imap, pop3 and smtp (submission)
# STARTTLS dialogues.  An engine that keeps the previous certificate is
# reported, and the way back the message gives is followed.  Then the
# failure paths: engine down, stale pid file, a failing or hanging
# restart command, a closed probe port: each one clear line, exit 1, and
# the server folder unchanged.
. "$top_srcdir/tests/lib.sh"

DOVECOT=$(command -v dovecot || echo /usr/sbin/dovecot)
if [ ! -x "$DOVECOT" ]; then
	echo "SKIP: dovecot is not installed (Debian: apt-get install dovecot-imapd)"
	exit 77
fi
if ! command -v openssl >/dev/null; then
	echo "SKIP: openssl is not installed"
	exit 77
fi

. "$top_srcdir/tests/e2e/engine-lib.sh"

DV=$T_TMP/dovecot
DVCONF=$DV/dovecot.conf
DVPID=$DV/run/master.pid
PORT=

dv_stop() {
	local pid i
	pid=$(cat "$DVPID" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	return 0
}
trap 'dv_stop; [ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null; t_cleanup' EXIT

# --- A test CA: a root and an intermediate, made by OpenSSL.
make_test_ca
t_ok "a test root and intermediate made by OpenSSL" test -s "$T_TMP/ca/inter.pem"

# --- The server root; the first run makes its self-signed active pair.
ROOT=$(t_new_root "$HOST")
t_run --root "$ROOT" list
t_rc 0 "the first run makes the active pair"
OLD_FP=$(fp "$ROOT/sslcert/server.crt")

# --- Dovecot on a free high port, reading the active pair.
mkdir -p "$DV"
if [ "$(id -u)" = 0 ]; then
	DV_USER=dovecot; DV_GROUP=dovecot; DV_LOGIN=dovenull
else
	DV_USER=$(id -un); DV_GROUP=$(id -gn); DV_LOGIN=$DV_USER
fi
dv_config() {
	cat > "$DVCONF" <<EOF
base_dir = $DV/run
state_dir = $DV/state
log_path = $DV/dovecot.log
instance_name = certdesk-test-$$
protocols = imap$DV_PROTOCOLS
listen = 127.0.0.1
ssl = required
ssl_cert = <$ROOT/sslcert/server.crt
ssl_key = <$ROOT/sslcert/server.key
ssl_min_protocol = TLSv1.2
default_internal_user = $DV_USER
default_internal_group = $DV_GROUP
default_login_user = $DV_LOGIN
mail_location = maildir:$DV/mail/%u
auth_mechanisms = plain
passdb {
  driver = static
  args = password=unused
}
userdb {
  driver = static
  args = uid=$DV_USER gid=$DV_GROUP home=$DV/home/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    port = $PORT_IMAP
  }
  inet_listener imaps {
    port = $PORT
    ssl = yes
  }
}
service anvil {
  chroot =
}
EOF
	if [ -n "$HAVE_POP3" ]; then cat >> "$DVCONF" <<EOF
service pop3-login {
  chroot =
  inet_listener pop3 {
    port = $PORT_POP3
  }
  inet_listener pop3s {
    port = 0
  }
}
EOF
	fi
	if [ -n "$HAVE_SUBMISSION" ]; then cat >> "$DVCONF" <<EOF
hostname = $HOST
submission_relay_host = 127.0.0.1
submission_relay_port = 9
service submission-login {
  chroot =
  inet_listener submission {
    port = $PORT_SMTP
  }
}
EOF
	fi
}

# Start Dovecot and wait (bounded) until it answers on $PORT.
dv_start() {
	local i
	"$DOVECOT" -c "$DVCONF" 2>>"$DV/start.err" || return 1
	for i in $(seq 50); do
		port_busy "$PORT" && return 0
		sleep 0.1
	done
	return 1
}

# STARTTLS is probed on Dovecot's own POP3 and submission (SMTP) ports
# when their Debian packages are installed.
DV_PROTOCOLS= HAVE_POP3= HAVE_SUBMISSION=
DV_LIBEXEC=$(dirname "$(readlink -f "$DOVECOT")")/../lib/dovecot
if [ -x "$DV_LIBEXEC/pop3-login" ]; then
	HAVE_POP3=yes; DV_PROTOCOLS="$DV_PROTOCOLS pop3"
else
	echo "# dovecot-pop3d is not installed: no POP3 STLS probe"
fi
if [ -x "$DV_LIBEXEC/submission-login" ]; then
	HAVE_SUBMISSION=yes; DV_PROTOCOLS="$DV_PROTOCOLS submission"
else
	echo "# dovecot-submissiond is not installed: no SMTP STARTTLS probe"
fi

started=no
for try in $(seq 20); do
	PORT=$(free_ports 4)
	PORT_IMAP=$((PORT + 1)) PORT_POP3=$((PORT + 2)) PORT_SMTP=$((PORT + 3))
	dv_config
	if dv_start; then started=yes; break; fi
	dv_stop
done
if [ $started != yes ]; then
	echo "# dovecot did not start:"; sed 's/^/#   /' "$DV/start.err" "$DV/dovecot.log" 2>/dev/null
	t_fail "Dovecot starts on a loopback port"
	t_done; exit 1
fi
t_pass "Dovecot runs on 127.0.0.1:$PORT with the first-run pair"
wait_served "$PORT" "$OLD_FP"
t_ok "s_client sees the first-run certificate before the change" \
    test "$(fp "$T_TMP/served.1.pem")" = "$OLD_FP"

cat >> "$ROOT/certdesk.conf" <<EOF
[engine]
pidfile = $DVPID
reload_signal = HUP
probe = 127.0.0.1:$PORT
probe_starttls = none
timeout = 20
EOF
CONF_OK=$(cat "$ROOT/certdesk.conf")

t_run --root "$ROOT" engine status
t_rc 0 "engine status: Dovecot runs and serves the active pair"
t_out_has "serves $HOST, SHA-256 $OLD_FP, chain of 1: the active certificate" \
    "engine status names what Dovecot serves, as s_client saw it"

# --- A request, signed by the intermediate, imported and activated.
t_run --root "$ROOT" request --hostname "$HOST" --country DE --org "certdesk test" --name mail2027
t_rc 0 "request makes a key and a certificate request"
answer_request "$ROOT" mail2027
NEW_FP=$(fp "$T_TMP/mail2027.pem")
INTER_FP=$(fp "$T_TMP/ca/inter.pem")
t_run --root "$ROOT" show mail2027 --json
t_rc 0 "the signed certificate is in the store"
t_out_has "\"sha256\": \"$NEW_FP\"" "the store holds the CA's answer"

t_run --root "$ROOT" activate mail2027 --restart
t_rc 0 "activate --restart"
t_out_has "the engine now serves $HOST, SHA-256 $NEW_FP, chain of " \
    "activate --restart reports what the engine now serves"

# The judge: OpenSSL, verifying to the test root for the hostname.
s_client "$PORT"
t_ok "s_client: the chain Dovecot serves verifies to the test root for $HOST" \
    test "$S_RC" = 0
t_ok "s_client: verify return code 0" grep -q "Verify return code: 0 (ok)" "$T_TMP/s_client.out"
t_ok "s_client: Dovecot serves the new leaf" \
    test "$(fp "$T_TMP/served.1.pem")" = "$NEW_FP"
t_ok "s_client: Dovecot sends the intermediate after the leaf" \
    test "$(fp "$T_TMP/served.2.pem" 2>/dev/null)" = "$INTER_FP"
N_SERVED=$(served_count)
t_out_has "chain of $N_SERVED" "certdesk's chain length agrees with s_client's ($N_SERVED)"

t_run --root "$ROOT" engine status
t_rc 0 "engine status after the change"
t_out_has "serves $HOST, SHA-256 $NEW_FP, chain of $N_SERVED: the active certificate" \
    "engine status agrees with s_client"
t_run --root "$ROOT" engine status --json
t_rc 0 "engine status --json"
t_out_has "\"sha256\": \"$NEW_FP\"" "engine status --json: the served leaf"
t_out_has "\"serves_active\": true" "engine status --json: it is the active one"
t_out_has "\"running\": true" "engine status --json: running"
t_out_has "\"active_chain_length\": $N_SERVED" "engine status --json: server.crt's chain, as served"

# --- A leaf served without its intermediates is pointed out.
wait_chain() {
	local i
	for i in $(seq 50); do
		s_client "$PORT"
		[ "$(served_count)" = "$1" ] && return 0
		sleep 0.2
	done
	return 1
}
openssl x509 -in "$ROOT/sslcert/server.crt" -out "$T_TMP/leaf-only.pem"
sed -i "s|^ssl_cert = .*|ssl_cert = <$T_TMP/leaf-only.pem|" "$DVCONF"
kill -HUP "$(cat "$DVPID")"
t_ok "s_client: Dovecot now sends the leaf alone" wait_chain 1
t_run --root "$ROOT" engine status
t_out_has "SHA-256 $NEW_FP, chain of 1: the active certificate, but without all the intermediates of server.crt ($N_SERVED certificates)" \
    "engine status points out the missing intermediate"
sed -i "s|^ssl_cert = .*|ssl_cert = <$ROOT/sslcert/server.crt|" "$DVCONF"
kill -HUP "$(cat "$DVPID")"
t_ok "s_client: Dovecot sends the whole chain again" wait_chain "$N_SERVED"

# --- STARTTLS: the same chain on the plain ports, after each dialogue,
# as s_client -starttls sees it.  One probe list may mix dialogues.
PROBES="127.0.0.1:$PORT, 127.0.0.1:$PORT_IMAP/imap"
STARTTLS_PORTS="imap:$PORT_IMAP"
[ -n "$HAVE_POP3" ] && PROBES="$PROBES 127.0.0.1:$PORT_POP3/pop3" &&
    STARTTLS_PORTS="$STARTTLS_PORTS pop3:$PORT_POP3"
[ -n "$HAVE_SUBMISSION" ] && PROBES="$PROBES,127.0.0.1:$PORT_SMTP/smtp" &&
    STARTTLS_PORTS="$STARTTLS_PORTS smtp:$PORT_SMTP"
sed -i "s|^probe = .*|probe = $PROBES|" "$ROOT/certdesk.conf"
t_run --root "$ROOT" engine status
t_rc 0 "engine status with probes on imaps and the STARTTLS ports"
for pp in $STARTTLS_PORTS; do
	proto=${pp%%:*} p=${pp#*:}
	s_client "$p" "$proto"
	got=$(fp "$T_TMP/served.1.pem")
	t_ok "s_client -starttls $proto: the new leaf, verified to the test root" \
	    test "$S_RC" = 0 -a "$got" = "$NEW_FP"
	t_out_has "probe 127.0.0.1:$p (starttls $proto): serves $HOST, SHA-256 $got, chain of $N_SERVED: the active certificate" \
	    "engine status after the $proto dialogue agrees with s_client"
done
N_PROBES=$(echo "$PROBES" | tr ', ' '\n\n' | grep -c .)
t_run --root "$ROOT" engine restart
t_rc 0 "engine restart with $N_PROBES probes"
t_ok "engine restart reports each probe on its own line" \
    test "$(printf '%s\n' "$T_OUT" | grep -c "^the engine now serves $HOST, SHA-256 $NEW_FP, chain of $N_SERVED (127.0.0.1:")" = "$N_PROBES"
sed -i "s|^probe_starttls = none|probe_starttls = imap|; s|^probe = .*|probe = 127.0.0.1:$PORT|; s|^timeout = .*|timeout = 2|" "$ROOT/certdesk.conf"
t_run --root "$ROOT" engine status
t_rc 1 "engine status with probe_starttls = imap on the imaps port"
t_err_has "127.0.0.1:$PORT did not answer during STARTTLS" \
    "a wrong dialogue is named, not a hang"
printf '%s\n' "$CONF_OK" > "$ROOT/certdesk.conf"

# --- Activated without a restart, Dovecot still serves the old pair:
# status says so and exits 1.
t_run --root "$ROOT" new --hostname "$HOST" --country DE --name selfsigned
t_rc 0 "a self-signed certificate to switch to"
t_run --root "$ROOT" activate selfsigned
t_rc 0 "activate without --restart"
SELF_FP=$(fp "$ROOT/sslcert/server.crt")
t_run --root "$ROOT" engine status
t_rc 1 "engine status while Dovecot serves the previous pair"
t_err_has "serves $HOST (SHA-256 $NEW_FP), not the active certificate (SHA-256 $SELF_FP)" \
    "engine status says Dovecot serves something else"

# --- engine restart by stop_command + start_command: a real restart.
sed -i "s|^reload_signal = HUP|stop_command = $DOVECOT -c '$DVCONF' stop\nstart_command = $DOVECOT -c '$DVCONF'|" "$ROOT/certdesk.conf"
OLD_PID=$(cat "$DVPID")
t_run --root "$ROOT" engine restart
t_rc 0 "engine restart by stop_command and start_command"
t_out_has "the engine now serves $HOST, SHA-256 $SELF_FP, chain of 1" \
    "engine restart reports the self-signed pair"
t_ok "Dovecot was really restarted (a new master pid)" \
    test "$(cat "$DVPID")" != "$OLD_PID"
s_client "$PORT"
t_ok "s_client: Dovecot serves the self-signed pair after the restart" \
    test "$(fp "$T_TMP/served.1.pem")" = "$SELF_FP"
printf '%s\n' "$CONF_OK" > "$ROOT/certdesk.conf"

# --- Failure paths: one clear line, exit 1, nothing changed on disk.
H=$(t_tree_hash "$ROOT")

# A closed probe port (Dovecot runs, but not there).
CLOSED=$(free_ports 1)
sed -i "s|^probe = .*|probe = 127.0.0.1:$CLOSED|; s|^timeout = .*|timeout = 2|" "$ROOT/certdesk.conf"
H=$(t_tree_hash "$ROOT")
t_run --root "$ROOT" engine status
t_rc 1 "engine status with the probe port closed"
t_err_has "connection refused at 127.0.0.1:$CLOSED" "engine status: connection refused"
t_run --root "$ROOT" engine restart
t_rc 1 "engine restart with the probe port closed"
t_err_has "did not answer within 2 s: connection refused at 127.0.0.1:$CLOSED" \
    "engine restart: the engine did not answer, connection refused"
t_unchanged "$ROOT" "$H" "probe port closed"
printf '%s\n' "$CONF_OK" > "$ROOT/certdesk.conf"
sed -i "s|^timeout = .*|timeout = 3|" "$ROOT/certdesk.conf"
H=$(t_tree_hash "$ROOT")

# A restart command that fails, with what it printed last.
sed -i "s|^reload_signal = HUP|restart_command = /bin/false|; s|^pidfile = .*||" "$ROOT/certdesk.conf"
H=$(t_tree_hash "$ROOT")
t_run --root "$ROOT" engine restart
t_rc 1 "engine restart with restart_command = /bin/false"
t_err_has "restart_command failed (exit 1)" "the failing restart command, with its exit code"
t_unchanged "$ROOT" "$H" "restart command failing"
sed -i "s|^restart_command = .*|restart_command = sh -c 'echo starting; echo \"doveconf: Fatal: bad ssl_cert\" >\&2; exit 89'|" "$ROOT/certdesk.conf"
H=$(t_tree_hash "$ROOT")
t_run --root "$ROOT" engine restart
t_rc 1 "engine restart with a command that explains its failure"
t_err_has "restart_command failed (exit 89): doveconf: Fatal: bad ssl_cert" \
    "the message carries the command's last line"
t_unchanged "$ROOT" "$H" "restart command explaining its failure"
sed -i "s|^restart_command = .*|restart_command = sleep 30|" "$ROOT/certdesk.conf"
H=$(t_tree_hash "$ROOT")
START=$(date +%s)
t_run --root "$ROOT" engine restart
t_rc 1 "engine restart with a command that hangs"
t_err_has "restart_command did not finish within 3 s" "a hanging command is stopped at the timeout"
t_ok "certdesk did not wait for the hanging command" test $(( $(date +%s) - START )) -lt 10
t_unchanged "$ROOT" "$H" "a hanging restart command"

# activate --restart when the engine keeps serving the previous pair:
# here an engine that never rereads its certificate (OpenSSL's s_server
# with the self-signed pair; SIGCONT does not reload it).  The new pair
# stays active, exit 1, and the message says what is served and how to
# go back.
SPORT=$(free_ports 1)
openssl s_server -quiet -accept "$SPORT" -cert "$ROOT/sslcert/selfsigned.crt" \
    -key "$ROOT/sslcert/selfsigned.key" </dev/null >/dev/null 2>&1 &
SPID=$!
echo "$SPID" > "$T_TMP/s_server.pid"
for i in $(seq 50); do port_busy "$SPORT" && break; sleep 0.1; done
printf '%s\n' "$CONF_OK" > "$ROOT/certdesk.conf"
sed -i "s|^pidfile = .*|pidfile = $T_TMP/s_server.pid|; s|^reload_signal = .*|reload_signal = CONT|; s|^probe = .*|probe = 127.0.0.1:$SPORT|; s|^timeout = .*|timeout = 2|" "$ROOT/certdesk.conf"
t_run --root "$ROOT" activate mail2027 --restart
t_rc 1 "activate --restart when the engine keeps the previous pair"
t_err_has "the engine at 127.0.0.1:$SPORT still serves $HOST (SHA-256 $SELF_FP), not the active certificate (SHA-256 $NEW_FP)" \
    "activate --restart says the engine serves something else"
t_err_has "the previous pair is still stored as 'selfsigned' (and was kept in $ROOT/certdesk-backup/" \
    "activate --restart says where the previous pair is"
t_err_has "to put it back, 'certdesk activate selfsigned --restart'" \
    "activate --restart says how to put it back"
KEPT=$(printf '%s\n' "$T_ERR" | sed -n "s|.*and was kept in \($ROOT/certdesk-backup/[^)]*\)).*|\1|p")
t_ok "the folder named holds the previous pair (the self-signed one)" \
    test "$(fp "$KEPT/server.crt")" = "$SELF_FP"
t_ok "the new pair stays active" test "$(fp "$ROOT/sslcert/server.crt")" = "$NEW_FP"
t_run --root "$ROOT" engine status
t_rc 1 "engine status agrees that the engine serves the previous pair"
kill "$SPID"; wait "$SPID" 2>/dev/null

# Following the message puts the previous pair back, and Dovecot serves
# what is active.
printf '%s\n' "$CONF_OK" > "$ROOT/certdesk.conf"
t_run --root "$ROOT" activate selfsigned --restart
t_rc 0 "activate selfsigned --restart, as the message says"
t_out_has "the engine now serves $HOST, SHA-256 $SELF_FP, chain of 1" \
    "the engine serves the previous pair, as it should"
t_ok "the previous pair is the active pair again" \
    test "$(fp "$ROOT/sslcert/server.crt")" = "$SELF_FP"
t_run --root "$ROOT" engine status
t_rc 0 "engine status: the engine serves the active pair again"

# activate --restart with a restart command that fails.
sed -i "s|^reload_signal = HUP|restart_command = /bin/false|; s|^pidfile = .*||" "$ROOT/certdesk.conf"
t_run --root "$ROOT" activate mail2027 --restart
t_rc 1 "activate --restart when the restart command fails"
t_err_has "restart_command failed (exit 1)" "activate --restart says the restart failed"
t_err_has "to put it back, 'certdesk activate selfsigned --restart'" \
    "and how to put the previous pair back"
printf '%s\n' "$CONF_OK" > "$ROOT/certdesk.conf"

# The engine down: Dovecot stopped, its pid file gone.
dv_stop
for i in $(seq 50); do [ -e "$DVPID" ] || break; sleep 0.1; done
H=$(t_tree_hash "$ROOT")
t_run --root "$ROOT" engine status
t_rc 1 "engine status with Dovecot stopped"
t_out_has "engine: stopped" "engine status says stopped"
t_err_has "the engine is not running: its pid file $DVPID is missing" \
    "engine status: the missing pid file"
t_run --root "$ROOT" engine restart
t_rc 1 "engine restart with Dovecot stopped"
t_err_has "the engine is not running: its pid file $DVPID is missing; start the engine" \
    "engine restart: the missing pid file, and what to do"
t_unchanged "$ROOT" "$H" "engine down"

# A stale pid file: the pid of a process that is gone.
sh -c 'exit 0' & DEAD=$!
wait "$DEAD"
mkdir -p "$(dirname "$DVPID")"
echo "$DEAD" > "$DVPID"
H=$(t_tree_hash "$ROOT")
t_run --root "$ROOT" engine status
t_rc 1 "engine status with a stale pid file"
t_err_has "names process $DEAD, which is gone (a stale pid file)" "engine status: the stale pid file"
t_run --root "$ROOT" engine restart
t_rc 1 "engine restart with a stale pid file"
t_err_has "names process $DEAD, which is gone (a stale pid file)" "engine restart: the stale pid file"
t_unchanged "$ROOT" "$H" "stale pid file"
rm -f "$DVPID"

# No [engine] section at all.
ROOT2=$(t_new_root "$HOST")
t_run --root "$ROOT2" list
H=$(t_tree_hash "$ROOT2")
t_run --root "$ROOT2" engine restart
t_rc 1 "engine restart without [engine]"
t_err_has "no [engine] section in $ROOT2/certdesk.conf: set pidfile + reload_signal or restart_command" \
    "the missing [engine] section, and what to set"
t_run --root "$ROOT2" engine status
t_rc 1 "engine status without [engine]"
t_unchanged "$ROOT2" "$H" "no [engine] section"

# Bad settings are named with their fix.
printf '[engine]\npidfile = x.pid\nreload_signal = HUPP\n' >> "$ROOT2/certdesk.conf"
t_run --root "$ROOT2" engine status
t_rc 1 "a bad reload_signal"
t_err_has "[engine] reload_signal = HUPP in $ROOT2/certdesk.conf: not a signal name" \
    "the bad reload_signal is named"
t_run --root "$ROOT2" engine frobnicate
t_rc 2 "an unknown engine subcommand is a usage error"

t_done
