# dns_fixture.t - checks the DNS fixture (t/lib/dns.sh) with unbound-host
# and drill only (no project code): NSD serves example.test signed,
# unsigned, bogus or stripped as asked, only on 127.0.0.1; libunbound,
# forwarding to it, finds the answers secure, insecure or bogus to match;
# and a reload serves new records.
# Run: top_builddir=$PWD top_srcdir=$PWD bash t/dns_fixture.t

set -u
. "${top_srcdir:-$top_builddir}/t/lib/fixture.sh"
. "${top_srcdir:-$top_builddir}/t/lib/dns.sh"

dns_require
command -v unbound-host >/dev/null 2>&1 ||
	tap_skip_all "unbound-host not installed (package unbound-host)"

TLSA_NAME=_25._tcp.mx1.example.test
HEX_OLD=$(printf 'a%.0s' {1..64})	# the TLSA data before a "rollover"
HEX_NEW=$(printf 'b%.0s' {1..64})	# ... and after it

# zone_body HEX: the records a DANE/MTA-STS test would serve.
zone_body() {
	cat <<-EOF
	$TLSA_NAME. IN TLSA 3 1 1 $1
	example.test. IN MX 10 mx1.example.test.
	mx1.example.test. IN A 127.0.0.1
	_mta-sts.example.test. IN TXT "v=STSv1; id=1"
	EOF
}

# lookup TA TYPE NAME: unbound-host's verdict (stdout+stderr), resolving
# through the fixture's NSD only and trusting the anchor file TA.
lookup() {
	timeout 10 unbound-host -v -C "$DNS_UNBOUND_CONF" -f "$1" -t "$2" \
		"$3" 2>&1
}

# raw TYPE NAME: NSD's own answer, DO bit set, no validation.
raw() {
	timeout 5 drill -D -p "$DNS_PORT" @127.0.0.1 "$2" "$1" 2>&1
}

# tlsa_is TA HEX VERDICT NAME: the TLSA lookup gives HEX, judged VERDICT
# ("secure", "insecure" or "BOGUS").
tlsa_is() {
	tap_like "$(lookup "$1" TLSA "$TLSA_NAME")" \
		"has TLSA record 3 1 1 ${2^^} \\($3[ )]" "$4"
}

# nsd_pid: the running fixture NSD's pid ("" when none).
nsd_pid() {
	fixture__pids "$DNS_DIR/nsd.pid"
}

# started PID: when PID started (clock ticks since boot), to tell it from a
# later process given the same number (pid_max may be 32768: a busy suite
# wraps it within minutes).
started() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	set -- $stat
	echo "${20}"
}
# gone PID [STARTED]: PID was a process and has exited (a zombie counts as
# exited), or its number now belongs to a process started later.
gone() {
	[ -n "$1" ] || return 1
	! fixture__alive "$1" || { [ -n "${2:-}" ] && [ "$(started "$1")" != "$2" ]; }
}

# ds_re ZONE: ERE for ZONE's DS line in a trust anchor file (alg 13,
# SHA-256); ZONE with its dots escaped.
ds_re() {
	echo "^$1\\.[[:space:]]+IN[[:space:]]+DS[[:space:]]+[0-9]+ 13 2 [0-9a-f]{64}\$"
}

# ---- one mode per start ------------------------------------------------

check_signed() {
	local t0 t1
	t0=$(fixture_now_ms)
	dns_start_zone signed "$(zone_body "$HEX_OLD")"
	t1=$(fixture_now_ms)
	tap_diag "startup: NSD with both zones signed in $((t1 - t0)) ms"
	tap_like "$DNS_RESOLVER" "^127\\.0\\.0\\.1@$DNS_PORT\$" \
		"DNS_RESOLVER is 127.0.0.1@DNS_PORT"
	tap_like "$(cat "$DNS_TRUST_ANCHOR")" "$(ds_re 'example\.test')" \
		"DNS_TRUST_ANCHOR: DS (alg 13, SHA-256) of example.test's key"
	tap_like "$(cat "$DNS_PARENT_TRUST_ANCHOR")" "$(ds_re test)" \
		"DNS_PARENT_TRUST_ANCHOR: DS (alg 13, SHA-256) of test.'s key"
	check_loopback_only
	tap_like "$(raw TLSA "$TLSA_NAME")" "RRSIG[[:space:]]+TLSA 13 " \
		"signed: NSD serves an RRSIG over the TLSA RRset"
	tlsa_is "$DNS_TRUST_ANCHOR" "$HEX_OLD" secure \
		"signed: TLSA is secure (anchor example.test)"
	tlsa_is "$DNS_PARENT_TRUST_ANCHOR" "$HEX_OLD" secure \
		"signed: TLSA is secure (anchor test., through the DS)"
	tap_like "$(lookup "$DNS_TRUST_ANCHOR" MX example.test)" \
		"mail is handled by 10 mx1\\.example\\.test\\. \\(secure\\)" \
		"signed: MX is secure"
	tap_like "$(lookup "$DNS_TRUST_ANCHOR" TXT _mta-sts.example.test)" \
		'"v=STSv1; id=1".* \(secure\)' "signed: the MTA-STS TXT is secure"
	tap_like "$(lookup "$DNS_TRUST_ANCHOR" A nx.example.test)" \
		"NXDOMAIN.*\\(secure\\)" "signed: a missing name is a secure NXDOMAIN"
	tap_like "$(lookup "$DNS_TRUST_ANCHOR" A www.example.com)" \
		"not found: 2\\(SERVFAIL\\)" \
		"a name outside test. fails (nothing but NSD is asked)"
}

# NSD has bound its port on 127.0.0.1 only, for UDP and TCP.
check_loopback_only() {
	local socks
	if ! command -v ss >/dev/null 2>&1; then
		tap_skip "ss not installed (package iproute2)"
		return
	fi
	socks=$(ss -Hlnut "sport = :$DNS_PORT" | awk '{ print $1, $5 }' | sort)
	tap_is "$socks" $'tcp 127.0.0.1:'"$DNS_PORT"$'\nudp 127.0.0.1:'"$DNS_PORT" \
		"NSD listens on 127.0.0.1:DNS_PORT, UDP and TCP, and nowhere else"
}

check_unsigned() {
	local old old_started o
	old=$(nsd_pid)
	old_started=$(started "$old")
	dns_start_zone unsigned "$(zone_body "$HEX_OLD")"
	tap_ok "a second dns_start_zone stopped the first NSD" gone "$old" "$old_started"
	tap_unlike "$(raw TLSA "$TLSA_NAME")" "RRSIG" \
		"unsigned: NSD serves no RRSIG"
	tap_unlike "$(raw DS example.test)" "IN[[:space:]]+DS[[:space:]]+[0-9]" \
		"unsigned: test. holds no DS for example.test"
	tlsa_is "$DNS_PARENT_TRUST_ANCHOR" "$HEX_OLD" insecure \
		"unsigned: TLSA is insecure (anchor test., proven unsigned)"
	o=$(lookup "$DNS_TRUST_ANCHOR" TLSA "$TLSA_NAME")
	tap_like "$o" "\\(BOGUS " \
		"unsigned: TLSA is bogus under example.test's own anchor"
	tap_like "$o" "no DNSKEY rrset .*for trust anchor example\\.test\\." \
		"... because the anchored zone has no key"
}

check_bogus() {
	local o
	dns_start_zone bogus "$(zone_body "$HEX_OLD")"
	tap_like "$(raw TLSA "$TLSA_NAME")" "RRSIG[[:space:]]+TLSA 13 " \
		"bogus: NSD still serves an RRSIG over the TLSA RRset"
	o=$(lookup "$DNS_TRUST_ANCHOR" TLSA "$TLSA_NAME")
	tap_like "$o" "\\(BOGUS " "bogus: TLSA is bogus (anchor example.test)"
	tap_like "$o" "signature verification failed" \
		"... because its signature does not verify"
	tlsa_is "$DNS_PARENT_TRUST_ANCHOR" "$HEX_OLD" BOGUS \
		"bogus: TLSA is bogus (anchor test.)"
	tap_like "$(lookup "$DNS_TRUST_ANCHOR" MX example.test)" \
		"mail is handled by 10 mx1\\.example\\.test\\. \\(secure\\)" \
		"bogus: MX, whose signature is intact, is secure"
	o=$(dns_reload_zone bogus:AAAA "$(zone_body "$HEX_OLD")")
	tap_like "$o" "^Bail out! dns: bogus:AAAA but the zone has no AAAA" \
		"bogus:TYPE without TYPE records bails out"
}

check_stripped() {
	local o
	dns_start_zone stripped "$(zone_body "$HEX_OLD")"
	tap_like "$(raw DS example.test)" "IN[[:space:]]+DS[[:space:]]+[0-9]+ 13 " \
		"stripped: test. still holds the DS for example.test"
	o=$(lookup "$DNS_PARENT_TRUST_ANCHOR" TLSA "$TLSA_NAME")
	tap_like "$o" "\\(BOGUS " "stripped: TLSA is bogus (anchor test.)"
	tap_like "$o" "No DNSKEY record .* for key example\\.test\\." \
		"... because example.test has no key though its DS exists"
}

# ---- reloads -----------------------------------------------------------

check_reload() {
	local pid t0 t1
	dns_start_zone signed "$(zone_body "$HEX_OLD")"
	pid=$(nsd_pid)
	tap_is "$(dns_serial)" 1 "fresh start: serial 1"
	tlsa_is "$DNS_TRUST_ANCHOR" "$HEX_OLD" secure "before reload: old TLSA"
	t0=$(fixture_now_ms)
	dns_reload_zone signed "$(zone_body "$HEX_NEW")"
	t1=$(fixture_now_ms)
	tap_diag "reload: $((t1 - t0)) ms"
	tap_is "$(dns_serial)" 2 "reload: serial 2"
	tap_is "$(dns_serial test)" 2 "reload: serial 2 for test. too"
	tap_is "$(nsd_pid)" "$pid" "reload: the same NSD"
	tlsa_is "$DNS_TRUST_ANCHOR" "$HEX_NEW" secure \
		"after reload: new TLSA, secure with the same anchor"
	tap_unlike "$(lookup "$DNS_TRUST_ANCHOR" TLSA "$TLSA_NAME")" \
		"${HEX_OLD^^}" "after reload: old TLSA gone"
	dns_reload_zone unsigned "$(zone_body "$HEX_NEW")"
	tlsa_is "$DNS_PARENT_TRUST_ANCHOR" "$HEX_NEW" insecure \
		"reload to unsigned: insecure"
	dns_reload_zone bogus "$(zone_body "$HEX_OLD")"
	tlsa_is "$DNS_PARENT_TRUST_ANCHOR" "$HEX_OLD" BOGUS \
		"reload to bogus: bogus"
	dns_reload_zone signed "$(zone_body "$HEX_OLD")"
	tlsa_is "$DNS_PARENT_TRUST_ANCHOR" "$HEX_OLD" secure \
		"reload to signed: secure again"
}

check_errors() {
	local o
	o=$(dns_reload_zone nonsense "")
	tap_like "$o" "^Bail out! dns: unknown zone mode 'nonsense'" \
		"an unknown mode bails out"
	tap_like "$(lookup "$DNS_TRUST_ANCHOR" TLSA "$TLSA_NAME")" \
		"\\(secure\\)" "... leaving the served zone alone"
}

check_stop() {
	local pid pid_started o
	pid=$(nsd_pid)
	pid_started=$(started "$pid")
	dns_stop
	tap_ok "dns_stop: NSD has exited" gone "$pid" "$pid_started"
	tap_is "$(dns_serial)" "" "dns_stop: nothing answers on DNS_PORT"
	o=$(dns_reload_zone signed "")
	tap_like "$o" "^Bail out! dns_reload_zone: NSD is not running" \
		"dns_reload_zone without a running NSD bails out"
}

# ---- main --------------------------------------------------------------

check_signed
check_unsigned
check_bogus
check_stripped
check_reload
check_errors
check_stop
tap_done
