#!/bin/bash
# The console in a real terminal, tmux's way: an isolated tmux server of a
# fixed size runs a shell, the test types into it with send-keys and reads
# the screen back with capture-pane, polling for a marker instead of
# sleeping.  OpenSSL judges the files the console makes.
. "$top_srcdir/tests/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	echo "skip: tmux is not installed"
	exit 77
fi
export LC_ALL=C.UTF-8 LANG=C.UTF-8

SOCK=certdesk-test-$$
TIMEOUT=${T_TIMEOUT:-30}
tm() { tmux -L "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null; t_cleanup' EXIT

screen() { tm capture-pane -p -t t; }

# wait_for TEXT [SECONDS]: poll the screen until TEXT shows.
wait_for() {
	local i=0 limit=$(( ${2:-$TIMEOUT} * 10 ))
	while [ $i -lt $limit ]; do
		case $(screen) in *"$1"*) return 0 ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	echo "# timed out waiting for '$1'; the screen was:"
	screen | sed 's/^/#   /'
	return 1
}

# wait_gone TEXT: poll until TEXT is no longer on the screen.
wait_gone() {
	local i=0 limit=$((TIMEOUT * 10))
	while [ $i -lt $limit ]; do
		case $(screen) in *"$1"*) ;; *) return 0 ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	echo "# timed out waiting for '$1' to go"
	return 1
}

# screen_has TEXT DESCRIPTION / screen_lacks TEXT DESCRIPTION
screen_has() {
	case $(screen) in
	*"$1"*) t_pass "$2" ;;
	*) t_fail "$2: the screen lacks '$1'"; screen | sed 's/^/#   /' ;;
	esac
}
screen_lacks() {
	case $(screen) in
	*"$1"*) t_fail "$2: the screen shows '$1'"; screen | sed 's/^/#   /' ;;
	*) t_pass "$2" ;;
	esac
}

# The screen line holding TEXT.
screen_line() { screen | grep -F -- "$1" | head -n 1; }

# The display column (characters, not bytes) where NEEDLE starts in LINE.
column_of() {
	local line=$1 needle=$2 prefix
	case $line in *"$needle"*) ;; *) echo -1; return ;; esac
	prefix=${line%%"$needle"*}
	echo ${#prefix}
}

# A terminal with a shell in it; the console runs in the shell, so after
# it quits the shell's screen must be back.
start_terminal() {
	tm kill-server 2>/dev/null
	tm -f /dev/null new-session -d -s t -x "${1:-100}" -y "${2:-30}" \
	    "env -u TMUX PS1='ready\$ ' LANG=C.UTF-8 LC_ALL=C.UTF-8 \
	    CERTDESK_FORMS='$CERTDESK_FORMS' sh"
	tm set-option -t t status off >/dev/null
	wait_for 'ready$' 10 || true
}

# run_console ROOT [ENV...]: start the console in the terminal's shell.
# Each run prints its own exit marker (EXIT<run>=<code>), so an earlier
# run's marker still on the screen cannot be mistaken for this one's.
RUN=0
run_console() {
	local root=$1; shift
	RUN=$((RUN + 1))
	tm send-keys -t t "echo BEFORE-RUN; env $* CERTDESK_ROOT='$root' '$CERTDESK'; echo EXIT$RUN=\$?" Enter
}

# wait_exit CODE: the last run ended with CODE.
wait_exit() { wait_for "EXIT$RUN=$1"; }

# The fingerprint as openssl prints it, lowercase, no colons.
openssl_sha256() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
	    tr 'A-F' 'a-f'
}

# --- Before any terminal: errors go to stderr with the contract's codes.
T_RC=0
T_ERR=$(env -u CERTDESK_ROOT "$CERTDESK" --root "$T_TMP/no-such-root" </dev/null 2>&1 >/dev/null) || T_RC=$?
if [ "$T_RC" != 0 ] && [ -n "$T_ERR" ]; then
	t_pass "no terminal, bad root: refused with a message (exit $T_RC)"
else
	t_fail "no terminal, bad root: exit $T_RC, message '$T_ERR'"
fi
ROOT0=$(t_new_root mail.example.com)
T_RC=0
T_ERR=$("$CERTDESK" --root "$ROOT0" </dev/null 2>&1 >/dev/null) || T_RC=$?
t_rc 1 "no terminal: the console refuses"
t_err_has "needs a terminal" "no terminal: it says why"
if [ ! -e "$ROOT0/sslcert/server.crt" ]; then
	t_pass "no terminal: nothing was created"
else
	t_fail "no terminal: the first-run pair was created anyway"
fi

ROOT=$(t_new_root mail.example.com)

# --- First start on an empty root shows the first-run certificate.
start_terminal 100 30
run_console "$ROOT"
wait_for "F10 Quit"
t_ok "first start: the active pair was created" test -f "$ROOT/sslcert/server.crt"
screen_has "* active      server" "first start: the active pair heads the list"
screen_has "Hostname: mail.example.com" "first start: the status line names the hostname"
screen_has "Root: $ROOT" "first start: the status line names the root"
screen_has "self-signed" "first start: the first-run certificate is self-signed"
screen_has "CN=mail.example.com" "first start: the pane shows its subject"
screen_has "[NO] trusted: " "first start: the pane says why it is not trusted"
screen_has "[ok] name matches" "first start: the name check passes"
if openssl x509 -in "$ROOT/sslcert/server.crt" -noout -checkhost mail.example.com |
    grep -q 'does match'; then
	t_pass "first start: OpenSSL agrees the certificate is for mail.example.com"
else
	t_fail "first start: OpenSSL says server.crt is not for mail.example.com"
fi
t_ok "first start: the key is 0600" test "$(stat -c %a "$ROOT/sslcert/server.key")" = 600

# --- A required field left empty is refused with the reason, nothing written.
before=$(t_tree_hash "$ROOT")
tm send-keys -t t F2
wait_for "Generate Certificate: New certificate"
screen_has "Hostname *" "form: Hostname is marked required"
screen_has "Country *" "form: Country is marked required"
screen_has "Validity (days)" "form: a new certificate has a validity"
tm send-keys -t t F2
wait_for "Country: required"
screen_has "! Country *" "form: the empty Country is marked"
screen_has "nothing was written" "form: it says nothing was written"
t_unchanged "$ROOT" "$before" "form: an empty required field"
# An invalid country is refused too, with the validator's reason.
tm send-keys -t t C-u X1 F2
wait_for "Country: "
wait_gone "Country: required"
screen_lacks "Country: required" "form: the reason follows the value"
t_unchanged "$ROOT" "$before" "form: an invalid country"
tm send-keys -t t Escape
wait_for "F10 Quit"
screen_has "Cancelled" "form: Esc cancels"
t_unchanged "$ROOT" "$before" "form: cancelled"

# --- The form creates a certificate that OpenSSL verifies.
tm send-keys -t t n
wait_for "Generate Certificate: New certificate"
# Hostname is filled in with the server's name; then Country, Organization.
tm send-keys -t t Tab de Tab 'Zürich' Tab IT Tab Tab Tab 'imap.example.com 192.0.2.25'
tm send-keys -t t Tab Tab Tab web1
wait_for "web1"
tm send-keys -t t F2
wait_for "F10 Quit"
wait_for "web1"
t_ok "form: web1.crt was written" test -f "$ROOT/sslcert/web1.crt"
t_ok "form: web1.key is 0600" test "$(stat -c %a "$ROOT/sslcert/web1.key" 2>/dev/null)" = 600
if openssl x509 -in "$ROOT/sslcert/web1.crt" -noout -checkhost mail.example.com 2>&1 |
    grep -q 'does match' &&
    openssl x509 -in "$ROOT/sslcert/web1.crt" -noout -checkip 192.0.2.25 2>&1 |
    grep -q 'does match' &&
    openssl x509 -in "$ROOT/sslcert/web1.crt" -noout -checkhost imap.example.com 2>&1 |
    grep -q 'does match'; then
	t_pass "form: OpenSSL finds the hostname and the additional names"
else
	t_fail "form: OpenSSL does not find the names in web1.crt"
fi
subject=$(openssl x509 -in "$ROOT/sslcert/web1.crt" -noout -subject -nameopt utf8,sep_comma_plus 2>&1)
case $subject in
*"O=Zürich"*"C=DE"*|*"C=DE"*"O=Zürich"*) t_pass "form: the subject holds O=Zürich and C=DE (upper-cased)" ;;
*) t_fail "form: unexpected subject: $subject" ;;
esac
if openssl verify -CAfile "$ROOT/sslcert/web1.crt" "$ROOT/sslcert/web1.crt" >/dev/null 2>&1; then
	t_pass "form: OpenSSL verifies the self-signed signature"
else
	t_fail "form: OpenSSL cannot verify web1.crt"
fi
if [ "$(openssl x509 -in "$ROOT/sslcert/web1.crt" -noout -pubkey | openssl sha256)" = \
    "$(openssl pkey -in "$ROOT/sslcert/web1.key" -pubout | openssl sha256)" ]; then
	t_pass "form: the key belongs to the certificate"
else
	t_fail "form: the key does not belong to web1.crt"
fi

# --- And a request: no validity field, OpenSSL verifies its signature.
tm send-keys -t t r
wait_for "Generate Certificate: New certificate request"
screen_lacks "Validity (days)" "request form: no validity (certificates only)"
# Key Type is a choice: Right moves from rsa3072 to ecdsa-p256.
tm send-keys -t t Tab GB Tab Tab Tab Tab Tab Tab Right Tab req1
tm send-keys -t t F2
wait_for "F10 Quit"
wait_for "req1"
t_ok "request: req1.csr was written" test -f "$ROOT/sslcert/req1.csr"
if openssl req -in "$ROOT/sslcert/req1.csr" -noout -verify 2>&1 | grep -q 'verify OK'; then
	t_pass "request: OpenSSL verifies the request's signature"
else
	t_fail "request: OpenSSL cannot verify req1.csr"
fi
screen_has "request" "request: listed as a request"
if openssl req -in "$ROOT/sslcert/req1.csr" -noout -text 2>/dev/null | grep -q 'id-ecPublicKey'; then
	t_pass "request: the chosen key type (ecdsa-p256) was used"
else
	t_fail "request: req1.csr does not hold an ECDSA key"
fi

# --- Filter as you type, then the details show OpenSSL's SHA-256.
tm send-keys -t t / w e b
wait_for "Filter: web_"
screen_lacks "* active      server" "filter: the active pair is filtered out"
screen_has "web1" "filter: web1 stays"
tm send-keys -t t Enter
wait_gone "Filter: web_"
screen_has "Filter: web" "filter: Enter keeps the filter"
tm send-keys -t t Enter
wait_for "Details: web1"
fp=$(openssl_sha256 "$ROOT/sslcert/web1.crt")
screen_has "$fp" "details: the SHA-256 fingerprint is OpenSSL's"
screen_has "DANE TLSA" "details: the TLSA value is shown"
tm send-keys -t t Escape
wait_for "F10 Quit"
tm send-keys -t t Escape
wait_for "* active      server"
screen_lacks "Filter:" "filter: Esc clears it"

# --- Non-ASCII subject text appears as written, the columns aligned.
t_run --root "$ROOT" new --hostname zurich.example.com --country CH \
    --org 'Zürich' --city 'Plzeň' --name zurich
t_rc 0 "non-ASCII: certdesk new with O=Zürich L=Plzeň"
openssl req -x509 -newkey rsa:2048 -nodes -utf8 -days 40 \
    -subj "/CN=Zürich Mail/O=Zürich/L=Plzeň" \
    -keyout "$ROOT/sslcert/umlaut.key" -out "$ROOT/sslcert/umlaut.crt" 2>/dev/null
tm send-keys -t t C-l
wait_for "Zürich Mail"
screen_lacks "M-" "non-ASCII: no M- escapes on the screen"
row_a=$(screen_line "Zürich Mail")
row_b=$(screen_line "* active      server")
col_a=$(column_of "$row_a" "self-signed")
col_b=$(column_of "$row_b" "self-signed")
if [ "$col_a" -ge 0 ] && [ "$col_a" = "$col_b" ]; then
	t_pass "non-ASCII: 'issued by' stays in column $col_b"
else
	t_fail "non-ASCII: 'issued by' at $col_a beside 'Zürich Mail', $col_b for server"
fi
col_a=$(column_of "$row_a" "RSA 2048")
col_b=$(column_of "$row_b" "RSA 3072")
if [ "$col_a" -ge 0 ] && [ "$col_a" = "$col_b" ]; then
	t_pass "non-ASCII: the key column stays in column $col_b"
else
	t_fail "non-ASCII: key at $col_a beside 'Zürich Mail', $col_b for server"
fi
tm send-keys -t t / z u r i c h . e Enter
wait_for "Filter: zurich.e"
wait_for "O=Zürich"
screen_has "L=Plzeň" "non-ASCII: the pane shows L=Plzeň as written"
screen_lacks "M-" "non-ASCII: the pane has no M- escapes"
tm send-keys -t t Escape
wait_gone "Filter:"

# --- Certificate text is data: a control sequence in a subject is shown
# escaped, never sent to the terminal.
subj=$(printf '/CN=evil\033[2Jcleared/O=x')
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -utf8 -days 30 \
    -subj "$subj" -keyout "$ROOT/sslcert/evil.key" -out "$ROOT/sslcert/evil.crt" 2>/dev/null
tm send-keys -t t C-l
wait_for 'evil\x1b'
screen_has "* active      server" "escapes: the screen was not cleared by the subject"
tm send-keys -t t / e v i l Enter
wait_for 'CN=evil\x1b[2Jcleared'
t_pass "escapes: the pane shows the subject's ESC as \\x1b"
tm send-keys -t t Escape
wait_gone "Filter:"
rm -f "$ROOT/sslcert/evil.key" "$ROOT/sslcert/evil.crt"
tm send-keys -t t C-l
wait_gone 'evil\x1b'

# --- Tab switches to the intermediates in sslca/ and back.
tm send-keys -t t Tab
wait_for "Intermediate certificates (sslca/)"
screen_has "No intermediate certificates" "Tab: sslca/ is empty here, and says so"
tm send-keys -t t Tab
wait_for "Server certificates (sslcert/)"
screen_has "* active      server" "Tab: back to sslcert/"

# --- Remove of the active pair is refused and nothing changes.
before=$(t_tree_hash "$ROOT")
tm send-keys -t t Home d
wait_for "Remove refused"
screen_has "active" "remove: the refusal gives the store's reason"
tm send-keys -t t Enter
wait_gone "Remove refused"
t_unchanged "$ROOT" "$before" "remove: the active pair"
tm send-keys -t t F8
wait_for "Remove refused"
tm send-keys -t t Escape
wait_gone "Remove refused"
t_unchanged "$ROOT" "$before" "remove (F8): the active pair"
# Another entry is removed after a yes, and kept recoverable.
tm send-keys -t t / r e q 1 Enter
wait_for "Filter: req1"
tm send-keys -t t d
wait_for "Remove req1"
tm send-keys -t t Enter
wait_for "removed 'req1'"
screen_has "certdesk-backup" "remove: the message says where the files were kept"
t_ok "remove: req1.csr is gone after a yes" test ! -e "$ROOT/sslcert/req1.csr"
t_ok "remove: a copy is kept in the backup folder" \
    sh -c "find '$ROOT' -path '*backup*' -name 'req1.csr' | grep -q ."
tm send-keys -t t Escape

# --- Import: the file selector, the masked password, the summary, commit.
mkdir -p "$T_TMP/in"
openssl req -x509 -newkey rsa:2048 -nodes -days 90 -subj "/CN=import.example.com" \
    -keyout "$T_TMP/in/k.pem" -out "$T_TMP/in/c.pem" 2>/dev/null
openssl pkcs12 -export -in "$T_TMP/in/c.pem" -inkey "$T_TMP/in/k.pem" \
    -out "$T_TMP/in/bundle.p12" -passout pass:Imp0rt-pw 2>/dev/null
before=$(t_tree_hash "$ROOT")
tm send-keys -t t i
wait_for "Import: choose"
screen_has "File: " "import: CDK's file selector opens"
tm send-keys -t t C-u "$T_TMP/in/bundle.p12" Enter
wait_for "is encrypted"
tm send-keys -t t Imp0rt-pw
wait_for "*********"
screen_lacks "Imp0rt-pw" "import: the password is masked"
tm send-keys -t t Enter
wait_for "what will be stored where"
screen_has "import.example.com" "import: the summary names the certificate"
screen_has "0600" "import: the summary says the key is kept 0600"
t_unchanged "$ROOT" "$before" "import: before Import is chosen"
tm send-keys -t t Enter
wait_gone "what will be stored where"
wait_for "imported "
imported=
for f in "$ROOT"/sslcert/*.crt; do
	if openssl x509 -in "$f" -noout -subject 2>/dev/null | grep -q import.example.com; then
		imported=$(basename "$f" .crt)
	fi
done
if [ -n "$imported" ] && [ "$(openssl_sha256 "$ROOT/sslcert/$imported.crt")" = \
    "$(openssl_sha256 "$T_TMP/in/c.pem")" ]; then
	t_pass "import: sslcert/$imported.crt holds the imported certificate"
else
	t_fail "import: the imported certificate is not in sslcert/"
fi
t_ok "import: its key is 0600" test "$(stat -c %a "$ROOT/sslcert/$imported.key" 2>/dev/null)" = 600

# --- Export: what, format, destination; confirm before overwriting.
tm send-keys -t t / i m p o r t Enter
wait_for "Filter: import"
tm send-keys -t t e
wait_for "what?"
tm send-keys -t t Enter
wait_for "Format"
tm send-keys -t t Enter
wait_for "destination file"
tm send-keys -t t C-u "$T_TMP/out.crt" Enter
wait_for "Exported"
if [ "$(openssl_sha256 "$T_TMP/out.crt")" = "$(openssl_sha256 "$T_TMP/in/c.pem")" ]; then
	t_pass "export: OpenSSL reads the exported certificate"
else
	t_fail "export: out.crt is not the certificate"
fi
out_hash=$(sha256sum < "$T_TMP/out.crt")
tm send-keys -t t e
wait_for "what?"
tm send-keys -t t Down Down Enter
wait_for "Format"
tm send-keys -t t Enter
wait_for "Encrypt the key"
tm send-keys -t t Enter
wait_for "destination file"
tm send-keys -t t C-u "$T_TMP/out.crt" Enter
wait_for "exists. Replace it?"
t_pass "export: an existing file is not replaced without asking"
tm send-keys -t t Escape
wait_for "destination file"
tm send-keys -t t Escape
wait_for "Nothing exported"
t_ok "export: the existing file is kept" test "$(sha256sum < "$T_TMP/out.crt")" = "$out_hash"
tm send-keys -t t e
wait_for "what?"
tm send-keys -t t End Enter
wait_for "PKCS#12 profile"
tm send-keys -t t Enter
wait_for "PKCS#12 password"
tm send-keys -t t P12-pw Enter
wait_for "Again"
tm send-keys -t t P12-pw Enter
wait_for "destination file"
tm send-keys -t t C-u "$T_TMP/out.p12" Enter
wait_for "Exported"
if openssl pkcs12 -in "$T_TMP/out.p12" -passin pass:P12-pw -nodes 2>/dev/null |
    openssl x509 -noout -subject 2>/dev/null | grep -q import.example.com; then
	t_pass "export: OpenSSL opens the PKCS#12 with its password"
else
	t_fail "export: OpenSSL cannot open out.p12"
fi
t_ok "export: the PKCS#12 is 0600" test "$(stat -c %a "$T_TMP/out.p12")" = 600
tm send-keys -t t Escape
wait_gone "Filter:"

# --- Resize to 80x24 and back; too small says so and recovers.
tm resize-window -t t -x 80 -y 24
wait_for "1Help 2New 3Details"
screen_has "* active      server" "resize 80x24: the list is redrawn"
screen_has "10Quit" "resize 80x24: the key bar fits"
# The whole form at 80x24, compared with the screen it must be (tig's way).
tm send-keys -t t F4
wait_for "Generate Certificate: New certificate request"
expected='
 Generate Certificate: New certificate request
 A new private key with a self-signed certificate or a certificate request.
 Fields marked * are required.

  Hostname *         mail.example.com________________________________
  Country *          ________________________________________________
  Organization Name  ________________________________________________
  Organization Unit  ________________________________________________
  City               ________________________________________________
  State or Province  ________________________________________________
  Additional Names   ________________________________________________
  Key Type           rsa3072
  Entry Name         ________________________________________________

                     [  OK  ]   [ Cancel ]







Give the server'"'"'s DNS name, e.g. mail.example.com
F2 Submit  Esc Cancel  Tab Down Next field  BTab Up Previous  F1 Help'
actual=$(printf '\n'; screen | sed 's/[[:space:]]*$//')
if [ "$actual" = "$expected" ]; then
	t_pass "resize 80x24: the request form is exactly the expected screen"
else
	t_fail "resize 80x24: the request form differs from the expected screen"
	diff <(echo "$expected") <(echo "$actual") | sed 's/^/#   /'
fi
tm send-keys -t t Escape
wait_for "1Help 2New"
tm resize-window -t t -x 100 -y 30
wait_for "F10 Quit"
screen_has "F1 Help" "resize back to 100x30: the wide key bar"
tm resize-window -t t -x 60 -y 20
wait_for "needs at least 80x24"
screen_has "60x20" "too small: the size is named"
tm resize-window -t t -x 100 -y 30
wait_for "F10 Quit"
screen_has "* active      server" "too small: it recovers when the terminal grows"

# --- Help lists every key of the action list.
tm send-keys -t t '?'
wait_for "Help: keys"
for k in "F2 n" "F3 Enter" "F4 r" "F5 i" "F6 e" "F7 a" "F8 d Delete" "F9 R" "F10 q" "Tab" "/"; do
	screen_has "  $k " "help: lists $k"
done
tm send-keys -t t Escape
wait_for "F10 Quit"

# --- Quit restores the terminal: the shell's screen is back.
tm send-keys -t t q
wait_exit 0
screen_has "BEFORE-RUN" "quit: the shell's screen is back"
screen_lacks "F10 Quit" "quit: the console is gone"
# The marker is computed, so the command line itself cannot match it.
tm send-keys -t t "stty -a | tr ' ;' '\n\n' | grep -x -e echo -e icanon | tr '\n' ' '; echo stty=\$((40+2))" Enter
wait_for "stty=42"
screen_has "icanon echo stty=42" "quit: the terminal is back in cooked mode with echo"

# --- Ctrl-C (SIGINT) also restores the terminal, and changes nothing.
before=$(t_tree_hash "$ROOT")
tm send-keys -t t clear Enter
run_console "$ROOT"
wait_for "F10 Quit"
tm send-keys -t t C-c
wait_exit 130
screen_lacks "F10 Quit" "Ctrl-C: the console is gone"
tm send-keys -t t "stty -a | tr ' ;' '\n\n' | grep -x -e echo -e icanon | tr '\n' ' '; echo stty=\$((40+3))" Enter
wait_for "stty=43"
screen_has "icanon echo stty=43" "Ctrl-C: the terminal is back in cooked mode with echo"
t_unchanged "$ROOT" "$before" "Ctrl-C"

# --- A dropped session (SIGHUP): the console ends, the files stay sane.
tm send-keys -t t clear Enter
run_console "$ROOT"
wait_for "F10 Quit"
# The console is the child of the pane's shell (env execs it).
pid=$(pgrep -P "$(tm display-message -p -t t '#{pane_pid}')" | head -n 1 || true)
if [ -n "$pid" ]; then
	kill -HUP "$pid"
	wait_exit 129
	t_pass "SIGHUP: the console ended"
else
	t_fail "SIGHUP: cannot find the console's process"
fi
t_unchanged "$ROOT" "$before" "SIGHUP"

# --- Set as active: the checklist, an explicit override, then the
# offer to restart the engine, as the manual says.
# The restart takes two seconds: the console must show that it works.
printf '\n[engine]\nrestart_command = /bin/sh -c "sleep 2; echo restarted > %s/restarted"\n' \
    "$T_TMP" >> "$ROOT/certdesk.conf"
tm send-keys -t t clear Enter
run_console "$ROOT"
wait_for "F10 Quit"
tm send-keys -t t / w e b 1 Enter
wait_for "Filter: web1"
tm send-keys -t t a
wait_for "Pre-activation checks"
screen_has "[ok] key matches" "activate: the checklist shows the key check"
screen_has "[NO] trusted" "activate: the checklist shows what fails"
screen_has "Override" "activate: a failed check needs an explicit override"
before=$(t_tree_hash "$ROOT")
tm send-keys -t t Escape
wait_for "Nothing changed"
t_unchanged "$ROOT" "$before" "activate: Esc at the checklist"
tm send-keys -t t a
wait_for "Pre-activation checks"
tm send-keys -t t Enter
wait_for "Restart the engine?"
if [ "$(openssl_sha256 "$ROOT/sslcert/server.crt")" = "$(openssl_sha256 "$ROOT/sslcert/web1.crt")" ]; then
	t_pass "activate: server.crt is now web1's certificate"
else
	t_fail "activate: server.crt is not web1's certificate"
fi
screen_has "next time the Engine is started" "activate: the manual's words"
tm send-keys -t t Enter
wait_for "Restarting the engine"
t_pass "long work: a progress line shows while the engine restarts"
wait_for "(1 s)"
t_pass "long work: the progress line keeps moving (the screen is not frozen)"
wait_for "Engine restarted"
t_ok "activate: the engine's restart_command ran" test -f "$T_TMP/restarted"
tm send-keys -t t Enter
wait_for "F10 Quit"
tm send-keys -t t q
wait_exit 0

# --- Monochrome (TERM=vt100) and NO_COLOR: meaning without colour.
tm send-keys -t t clear Enter
run_console "$ROOT" NO_COLOR=1
wait_for "F10 Quit"
if tm capture-pane -p -e -t t | grep -q $'\e\\[3[0-7]m\|\e\\[4[0-7]m'; then
	t_fail "NO_COLOR: the screen has colours"
else
	t_pass "NO_COLOR: no colours on the screen"
fi
tm send-keys -t t q
wait_exit 0
tm send-keys -t t clear Enter
run_console "$ROOT" TERM=vt100
wait_for "F10 Quit"
screen_has "* active      server" "TERM=vt100: the list is drawn"
tm send-keys -t t q
wait_exit 0
t_pass "TERM=vt100: quits"

# A certificate about to expire is flagged in words, not only colour.
ROOT2=$(t_new_root mail.example.com)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3 \
    -subj "/CN=mail.example.com" -keyout "$ROOT2/sslcert/server.key" \
    -out "$ROOT2/sslcert/server.crt" 2>/dev/null
chmod 600 "$ROOT2/sslcert/server.key"
CERTDESK_NOW=$(( $(date +%s) + 10 * 86400 ))
tm send-keys -t t clear Enter
run_console "$ROOT2" NO_COLOR=1 CERTDESK_NOW=$CERTDESK_NOW
wait_for "F10 Quit"
row=$(screen_line "* active")
case $row in
*'!'[0-9][0-9][0-9][0-9]-*' EXPIRED'*) t_pass "expired: marked with ! and said in words" ;;
*) t_fail "expired: the row does not say so: $row" ;;
esac
screen_has "EC P-256" "expired: the key type column"
tm send-keys -t t q
wait_exit 0

# --- Scripted keys (tig's way): keys from a file, the screen dumped.
printf '%s\n' '<Dump>' '?' '<Dump>' '<Esc>' 'q' > "$T_TMP/keys"
tm send-keys -t t clear Enter
run_console "$ROOT" CERTDESK_UI_SCRIPT="$T_TMP/keys" CERTDESK_UI_DUMP="$T_TMP/dump"
wait_exit 0
if grep -q '^\* active      server' "$T_TMP/dump" 2>/dev/null &&
    grep -q 'Help: keys' "$T_TMP/dump"; then
	t_pass "scripted keys: the dumps show the list, then the help"
else
	t_fail "scripted keys: unexpected dump"
	sed 's/^/#   /' "$T_TMP/dump" 2>/dev/null
fi

t_done
