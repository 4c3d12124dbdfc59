# dns.sh - a private DNSSEC-signed zone example.test, served by NSD on
# 127.0.0.1 and a free high port, for the DANE/TLSA and MTA-STS tests.
#
# NSD serves two zones: example.test, holding the test's records, and its
# parent test., always signed, which delegates example.test (with a DS
# record when example.test is meant to validate).  Each zone has one
# ECDSAP256SHA256 key (algorithm 13), made afresh by dns_start_zone.
#
# Source it after fixture.sh.  It provides:
#   dns_require                skip the whole test unless NSD and ldnsutils
#                              are installed
#   dns_start_zone MODE BODY   serve example.test with BODY, the zone's
#                              records as zone-file text (SOA and NS are
#                              added); restarts NSD when already running
#   dns_reload_zone MODE BODY  same keys, new mode and records; returns once
#                              NSD serves them
#   dns_serial [ZONE]          SOA serial served for ZONE (example.test)
#   dns_stop                   stop NSD now (else it stops at exit)
# MODE is one of
#   signed     both zones signed, DS for example.test in test.
#   unsigned   example.test unsigned, no DS: insecure below test.'s key
#   bogus[:TYPE]  signed, then the RRSIGs over TYPE (default TLSA) broken
#   stripped   example.test unsigned but the DS still in test.: bogus
# Exports, valid after dns_start_zone:
#   DNS_DIR          the fixture's directory ($TP_TMP/dns, logs: nsd.log)
#   DNS_PORT         NSD's port on 127.0.0.1 (UDP and TCP)
#   DNS_RESOLVER     127.0.0.1@PORT, for --resolver and ub_ctx_set_fwd
#   DNS_TRUST_ANCHOR DS of example.test's key (ub_ctx_add_ta_file format)
#   DNS_PARENT_TRUST_ANCHOR  DS of test.'s key: with it, "unsigned" is
#                    insecure rather than bogus
#   DNS_UNBOUND_CONF an unbound.conf for unbound-host -C and ub_ctx_config
#                    that forwards everything to NSD and nowhere else
# Nothing leaves 127.0.0.1: NSD listens there only, and the resolvers the
# tests run are told to forward every name to it.  libunbound answers names
# under test. itself (NXDOMAIN, RFC 6761) unless told 'local-zone: "test."
# transparent', which DNS_UNBOUND_CONF says.

DNS_ZONE=example.test
DNS_PARENT=test
DNS__SERIAL=0		# SOA serial of both zones, bumped by each reload
DNS__MODE=		# current MODE
DNS__BODY=		# current BODY

dns_require() {
	local cmd
	for cmd in nsd nsd-checkzone ldns-keygen ldns-signzone drill timeout; do
		command -v "$cmd" >/dev/null 2>&1 ||
			tap_skip_all "$cmd not installed (packages nsd, ldnsutils)"
	done
}

dns_start_zone() {
	dns__set_mode "$1" "$2"
	fixture__tmp
	dns_stop	# a previous zone's NSD
	# nsd-checkzone cannot open a zone file whose path is long (a deep
	# build directory): a short directory.
	fixture_short_dir DNS_DIR dns
	export DNS_DIR
	mkdir -p "$DNS_DIR/keys" || tap_bail "dns: cannot create $DNS_DIR"
	dns__keys
	DNS__SERIAL=1
	dns__write_zones
	fixture__start dns_nsd "$DNS_DIR/nsd.pid" "$DNS_DIR/start.log" \
		"$DNS_DIR/nsd.log"
}

dns_reload_zone() {
	local pid
	pid=$(fixture__pids "${DNS_DIR:-/nonexistent}/nsd.pid")
	[ -n "$pid" ] || tap_bail "dns_reload_zone: NSD is not running" \
		"(call dns_start_zone first)"
	dns__set_mode "$1" "$2"
	DNS__SERIAL=$((DNS__SERIAL + 1))
	dns__write_zones
	kill -HUP "$pid"
	dns__wait_serial || fixture__bail_log \
		"dns_reload_zone: NSD did not load serial $DNS__SERIAL" \
		"$DNS_DIR/nsd.log"
}

dns_stop() {
	[ -n "${DNS_DIR:-}" ] && fixture__stop "$DNS_DIR/nsd.pid"
	return 0
}

# dns_serial [ZONE]: the SOA serial NSD serves for ZONE ("" if none).
# Over TCP: a closed port then fails at once, where UDP waits 5 s.
dns_serial() {
	timeout 5 drill -t -Q -p "$DNS_PORT" @127.0.0.1 SOA "${1:-$DNS_ZONE}" \
		2>/dev/null | awk 'NF == 7 { print $3; exit }'
}

# ---- zones -------------------------------------------------------------

# dns__set_mode MODE BODY: check MODE, remember both.
dns__set_mode() {
	case $1 in
	signed | unsigned | stripped | bogus | bogus:[A-Z]*) ;;
	*) tap_bail "dns: unknown zone mode '$1'" \
		"(signed, unsigned, bogus[:TYPE] or stripped)" ;;
	esac
	DNS__MODE=$1 DNS__BODY=$2
}

# dns__keys: one key per zone; the DS of each is its trust anchor file.
dns__keys() {
	local zone base
	for zone in "$DNS_ZONE" "$DNS_PARENT"; do
		base=$(cd "$DNS_DIR/keys" &&
			ldns-keygen -a ECDSAP256SHA256 -k "$zone") ||
			tap_bail "dns: ldns-keygen failed for $zone"
		mv "$DNS_DIR/keys/$base.ds" "$DNS_DIR/$zone.ds"
		mv "$DNS_DIR/keys/$base.key" "$DNS_DIR/keys/$zone.key"
		mv "$DNS_DIR/keys/$base.private" "$DNS_DIR/keys/$zone.private"
	done
	DNS_TRUST_ANCHOR=$DNS_DIR/$DNS_ZONE.ds
	DNS_PARENT_TRUST_ANCHOR=$DNS_DIR/$DNS_PARENT.ds
	export DNS_TRUST_ANCHOR DNS_PARENT_TRUST_ANCHOR
}

# dns__write_zones: write, sign and (for bogus) break both zones as
# DNS__MODE says; each file is replaced whole, so NSD never reads half.
dns__write_zones() {
	local d=$DNS_DIR
	dns__child_zone >"$d/$DNS_ZONE.zone"
	dns__parent_zone >"$d/$DNS_PARENT.zone"
	dns__sign "$DNS_PARENT"
	case $DNS__MODE in
	signed) dns__sign "$DNS_ZONE" ;;
	bogus) dns__sign "$DNS_ZONE" && dns__break TLSA ;;
	bogus:*) dns__sign "$DNS_ZONE" && dns__break "${DNS__MODE#bogus:}" ;;
	*) cp "$d/$DNS_ZONE.zone" "$d/$DNS_ZONE.signed.new" ;;
	esac
	dns__check_zone "$DNS_ZONE"
	mv -f "$d/$DNS_PARENT.signed.new" "$d/$DNS_PARENT.served" &&
		mv -f "$d/$DNS_ZONE.signed.new" "$d/$DNS_ZONE.served" ||
		tap_bail "dns: cannot install the zone files in $d"
}

# dns__check_zone ZONE: NSD can load ZONE.signed.new (a typo in a test's
# BODY stops here, rather than as a start that times out).
dns__check_zone() {
	nsd-checkzone "$1" "$DNS_DIR/$1.signed.new" >"$DNS_DIR/check.log" 2>&1 ||
		fixture__bail_log "dns: NSD cannot load the zone $1" \
		"$DNS_DIR/check.log"
}

# dns__soa ZONE: the fixture's SOA, NS and name server address for ZONE.
dns__soa() {
	printf '$ORIGIN %s.\n$TTL 300\n' "$1"
	printf '@ IN SOA ns.%s. hostmaster.%s. %s 3600 600 86400 300\n' \
		"$1" "$1" "$DNS__SERIAL"
	printf '@ IN NS ns.%s.\nns.%s. IN A 127.0.0.1\n' "$1" "$1"
}

dns__child_zone() {
	echo "; tls-probe test fixture: $DNS_ZONE, mode $DNS__MODE"
	dns__soa "$DNS_ZONE"
	printf '%s\n' "$DNS__BODY"
}

# test.: delegates example.test, with the DS unless example.test is
# meant to be insecure.
dns__parent_zone() {
	echo "; tls-probe test fixture: $DNS_PARENT, parent of $DNS_ZONE"
	dns__soa "$DNS_PARENT"
	printf '%s. IN NS ns.%s.\nns.%s. IN A 127.0.0.1\n' \
		"$DNS_ZONE" "$DNS_ZONE" "$DNS_ZONE"
	[ "$DNS__MODE" = unsigned ] || cat "$DNS_TRUST_ANCHOR"
}

# dns__sign ZONE: ZONE.zone -> ZONE.signed.new, signatures valid from an
# hour ago (clock skew) for 30 days.
dns__sign() {
	local now
	now=$(date +%s)
	ldns-signzone -o "$1." -i $((now - 3600)) -e $((now + 30 * 86400)) \
		-f "$DNS_DIR/$1.signed.new" "$DNS_DIR/$1.zone" \
		"$DNS_DIR/keys/$1" >"$DNS_DIR/sign.log" 2>&1 ||
		fixture__bail_log "dns: ldns-signzone failed for $1" \
		"$DNS_DIR/sign.log"
}

# dns__break TYPE: change the first signature byte of every RRSIG over
# TYPE in the signed example.test, so that those RRsets are bogus while
# the rest of the zone still validates.  (ldns-signzone writes one record
# a line, tab-separated, the signature last.)
dns__break() {
	local f=$DNS_DIR/$DNS_ZONE.signed.new
	awk -v type="$1" "$DNS__BREAK_AWK" "$f" >"$f.broken" ||
		tap_bail "dns: bogus:$1 but the zone has no $1 records to break"
	mv -f "$f.broken" "$f"
}

DNS__BREAK_AWK='
BEGIN { FS = OFS = "\t" }
$4 == "RRSIG" && $5 ~ ("^" type " ") {
	n = split($5, w, " ")
	w[n] = (substr(w[n], 1, 1) == "A" ? "B" : "A") substr(w[n], 2)
	$5 = w[1]
	for (i = 2; i <= n; i++) $5 = $5 " " w[i]
	broken++
}
{ print }
END { exit !broken }'

# ---- NSD ---------------------------------------------------------------

fixture__dns_nsd_try() {
	DNS_PORT=$(fixture__freeports 1)
	DNS_RESOLVER=127.0.0.1@$DNS_PORT
	export DNS_PORT DNS_RESOLVER
	DNS_UNBOUND_CONF=$DNS_DIR/unbound.conf
	export DNS_UNBOUND_CONF
	dns__nsd_conf >"$DNS_DIR/nsd.conf"
	dns__unbound_conf >"$DNS_UNBOUND_CONF"
	rm -f "$DNS_DIR/nsd.pid"
	nsd -c "$DNS_DIR/nsd.conf" >"$DNS_DIR/start.log" 2>&1 &&
		dns__wait_serial
}

# Every path NSD would otherwise take from /etc/nsd or /var/lib/nsd is
# set here; no database, no remote control, no privilege drop (the port
# is high).  Rate limiting is off: tests query fast from one address.
dns__nsd_conf() {
	local d=$DNS_DIR zone
	cat <<-EOF
	# tls-probe test fixture: private NSD, 127.0.0.1 only
	server:
	  ip-address: 127.0.0.1@$DNS_PORT
	  do-ip6: no
	  server-count: 1
	  username: ""
	  chroot: ""
	  zonesdir: "$d"
	  database: ""
	  zonelistfile: "$d/zone.list"
	  xfrdfile: "$d/xfrd.state"
	  xfrdir: "$d"
	  pidfile: "$d/nsd.pid"
	  logfile: "$d/nsd.log"
	  cookie-secret-file: "$d/cookiesecrets.txt"
	  verbosity: 1
	  hide-version: yes
	  rrl-ratelimit: 0
	  rrl-whitelist-ratelimit: 0
	remote-control:
	  control-enable: no
	EOF
	for zone in "$DNS_ZONE" "$DNS_PARENT"; do
		printf 'zone:\n  name: %s\n  zonefile: "%s/%s.served"\n' \
			"$zone" "$d" "$zone"
	done
}

# For libunbound (unbound-host -C, ub_ctx_config): every name goes to
# NSD; "test." is one of libunbound's default local zones (RFC 6761) and
# would answer NXDOMAIN without asking.  No root hints are ever used.
dns__unbound_conf() {
	cat <<-EOF
	# tls-probe test fixture: resolve through the private NSD only
	server:
	  do-ip6: no
	  trust-anchor-signaling: no
	  local-zone: "$DNS_PARENT." transparent
	forward-zone:
	  name: "."
	  forward-addr: $DNS_RESOLVER
	EOF
}

# dns__wait_serial: wait up to 10 s until NSD serves DNS__SERIAL for both
# zones (after a start or a reload).
dns__wait_serial() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(dns_serial "$DNS_ZONE")" = "$DNS__SERIAL" ] &&
			[ "$(dns_serial "$DNS_PARENT")" = "$DNS__SERIAL" ] && return 0
		sleep 0.1
	done
	tap_diag "dns: NSD does not serve serial $DNS__SERIAL after 10 s"
	return 1
}
