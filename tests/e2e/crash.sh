#!/bin/bash
# The crash test: kill -9 an activation at random moments, many times; the
# next command (any command) must find server.crt and server.key matching
# again (OpenSSL judges), with no half-written temporary left behind.
. "$top_srcdir/tests/lib.sh"
t_need_python3
# certdesk caches entry details outside the root: keep that under T_TMP.
CERTDESK_CACHE=$T_TMP/cache
export CERTDESK_CACHE

# How many kills, and a time bound so a slow machine (ASan, valgrind)
# still finishes: whichever comes first, but at least MIN_ROUNDS.
ROUNDS=${CRASH_ROUNDS:-40}
MIN_ROUNDS=10
TIME_LIMIT=${CRASH_SECONDS:-25}

R=$(t_new_fast_root)
t_run --root "$R" list --json
t_rc 0 "first run"
for n in A B; do
	t_run --root "$R" new --hostname mail.example.com --country CZ \
	    --key-type ecdsa-p256 --name "$n"
	t_rc 0 "new $n"
done
spki_a=$(t_spki_sha256 cert "$R/sslcert/A.crt")
spki_b=$(t_spki_sha256 cert "$R/sslcert/B.crt")
fp_a=$(t_openssl_sha256 "$R/sslcert/A.crt")
fp_b=$(t_openssl_sha256 "$R/sslcert/B.crt")
t_ne "$spki_a" "$spki_b" "A and B have different keys"

# The active pair as OpenSSL sees it: "A", "B", or what is wrong.
pair_state() {
	local kc kk fp
	kc=$(t_spki_sha256 cert "$R/sslcert/server.crt")
	kk=$(t_spki_sha256 key "$R/sslcert/server.key")
	fp=$(t_openssl_sha256 "$R/sslcert/server.crt")
	if [ -z "$kc" ] || [ -z "$kk" ]; then echo "unreadable"
	elif [ "$kc" != "$kk" ]; then echo "mismatch"
	elif [ "$fp" = "$fp_a" ] && [ "$kc" = "$spki_a" ]; then echo A
	elif [ "$fp" = "$fp_b" ] && [ "$kc" = "$spki_b" ]; then echo B
	else echo "other"; fi
}

# Leftovers of an interrupted write: temporaries beside the pair.
stray_temps() {
	find "$R/sslcert" -maxdepth 1 -name '.server.*' -printf '%f '
}

# Time a few whole activations, so the kills spread over the run of one
# (about 10-30 ms here, far longer under ASan or valgrind).
span=0
for n in B A B A; do
	t0=$(date +%s%N)
	t_run --root "$R" activate "$n"
	t1=$(date +%s%N)
	t_rc 0 "activate $n"
	t_eq "$(pair_state)" "$n" "the active pair is $n"
	span=$(( span + (t1 - t0) / 1000000 ))
done
span=$(( span / 4 + 5 ))
[ "$span" -gt 999 ] && span=999
echo "# an activation takes about $span ms: kills land 0-$span ms after the start"

start=$(date +%s)
rounds=0 bad=0 seen_a=0 seen_b=0 killed_alive=0 mid_write=0
while [ "$rounds" -lt "$ROUNDS" ]; do
	if [ "$rounds" -ge "$MIN_ROUNDS" ] &&
	    [ $(( $(date +%s) - start )) -ge "$TIME_LIMIT" ]; then
		break
	fi
	rounds=$((rounds + 1))
	if [ $((rounds % 2)) -eq 1 ]; then target=B; else target=A; fi
	delay=$(( RANDOM % (span + 1) ))
	"$CERTDESK" --root "$R" activate "$target" > /dev/null 2>&1 &
	pid=$!
	sleep "0.$(printf '%03d' "$delay")"
	if kill -9 "$pid" 2>/dev/null; then
		killed_alive=$((killed_alive + 1))
	fi
	wait "$pid" 2>/dev/null
	# Did this kill land inside the write (a journal or temporaries left)?
	if [ -e "$R/.certdesk-journal" ] || [ -n "$(stray_temps)" ]; then
		mid_write=$((mid_write + 1))
	fi

	# Any command recovers an interrupted activation.
	t_run --root "$R" list --json
	state=$(pair_state)
	stray=$(stray_temps)
	case $state in
	A) seen_a=$((seen_a + 1)) ;;
	B) seen_b=$((seen_b + 1)) ;;
	esac
	if [ "$T_RC" != 0 ] || { [ "$state" != A ] && [ "$state" != B ]; } ||
	    [ -n "$stray" ] || [ ! -e "$R/sslcert/server.key" ] ||
	    [ "$(t_mode "$R/sslcert/server.key")" != 600 ] ||
	    [ -e "$R/.certdesk-journal" ]; then
		bad=$((bad + 1))
		t_fail "round $rounds (activate $target, kill after ${delay} ms): list exit $T_RC, pair '$state', key mode $(t_mode "$R/sslcert/server.key"), temps '$stray'$([ -e "$R/.certdesk-journal" ] && echo ', journal left')"
	fi
done
echo "# $rounds rounds in $(( $(date +%s) - start )) s; $killed_alive killed while running, $mid_write of them inside the write (journal or temporaries left); afterwards A $seen_a times, B $seen_b times"
t_eq "$bad" 0 "after each of $rounds kill -9 rounds, list --json recovered a matching pair, no temporaries"
t_ok "at least $MIN_ROUNDS rounds ran" test "$rounds" -ge "$MIN_ROUNDS"
t_ok "some kills landed while certdesk ran ($killed_alive of $rounds)" \
    test "$killed_alive" -gt 0

# Whatever happened, the store still works: show agrees with OpenSSL and
# an activation goes through.
t_run --root "$R" show server --json
t_rc 0 "show server after the crashes"
t_eq "$(t_json "$T_OUT" 'd["checks"]["key_matches"]')" true \
    "show server: key_matches"
t_eq "$(t_json "$T_OUT" 'd["sha256"]')" \
    "$(t_openssl_sha256 "$R/sslcert/server.crt")" \
    "show server: sha256 equals OpenSSL's"
t_run --root "$R" activate B
t_rc 0 "activate B after the crashes"
t_eq "$(pair_state)" B "the active pair is B"
t_run --root "$R" activate A
t_rc 0 "activate A after the crashes"
t_eq "$(pair_state)" A "the active pair is A"

# Other commands recover too: a journal left by a killed activation is
# rolled forward or back by `check` (read-only in spirit, but it must not
# report on a half-replaced pair).
for cmd in "show server" "check" "list"; do
	"$CERTDESK" --root "$R" activate B > /dev/null 2>&1 &
	pid=$!
	sleep "0.0$(( RANDOM % 10 ))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# shellcheck disable=SC2086
	"$CERTDESK" --root "$R" $cmd > /dev/null 2>&1
	state=$(pair_state)
	case $state in
	A|B) t_pass "after a kill, '$cmd' leaves a matching pair ($state)" ;;
	*) t_fail "after a kill, '$cmd' leaves the pair $state" ;;
	esac
	stray=$(stray_temps)
	t_ok "after '$cmd': no temporaries ($stray)" test -z "$stray"
done

# The first run writes the pair too: kill it at random moments on fresh
# roots; the next command must end with a matching pair.
bad=0 rounds=0 partial=0
while [ "$rounds" -lt 20 ]; do
	rounds=$((rounds + 1))
	R=$(t_new_fast_root)
	"$CERTDESK" --root "$R" list > /dev/null 2>&1 &
	pid=$!
	sleep "0.$(printf '%03d' $(( RANDOM % (span + 1) )))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ -e "$R/sslcert/server.crt" ] && [ ! -e "$R/sslcert/server.key" ] ||
	    [ -n "$(stray_temps)" ] || [ -e "$R/.certdesk-journal" ]; then
		partial=$((partial + 1))
	fi
	t_run --root "$R" list --json
	kc=$(t_spki_sha256 cert "$R/sslcert/server.crt")
	kk=$(t_spki_sha256 key "$R/sslcert/server.key")
	stray=$(stray_temps)
	if [ "$T_RC" != 0 ] || [ -z "$kc" ] || [ "$kc" != "$kk" ] ||
	    [ -n "$stray" ] || [ "$(t_mode "$R/sslcert/server.key")" != 600 ]; then
		bad=$((bad + 1))
		t_fail "first-run round $rounds: list exit $T_RC, certificate key '$kc', key '$kk', temps '$stray'"
	fi
	rm -rf "$R"
done
echo "# first run killed $rounds times, $partial of them mid-write"
t_eq "$bad" 0 "after each killed first run, the next command left a matching pair"
t_done
