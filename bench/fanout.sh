#!/bin/bash
# bench/fanout.sh - what issue 17's fan-out costs a check_mail_tls run:
# --all-addresses over 4 addresses (one name, 4 A/AAAA records served by
# the DNS fixture's NSD, through --resolver) and --key-types all (an RSA
# and an ECDSA certificate), each as a ratio to a one-address check of the
# same Postfix port; target within 2x. The rows run interleaved, so that
# drift hits all alike: the medians of wall time and CPU (user+sys, from
# bash's time), and peak RSS of one run from GNU time. Also --all-addresses
# on a name with one address, to tell the DNS lookup's share from the
# handshakes'.
# A benchmark, not a test: run by hand as root from a built tree:
#   top_srcdir=$PWD top_builddir=$PWD/_build bench/fanout.sh     (BENCH_RUNS=20)
set -u
: "${top_srcdir:=$PWD}" "${top_builddir:=$PWD}"
export top_srcdir top_builddir LC_ALL=C
. "$top_srcdir/t/lib/fixture.sh" >/dev/null
. "$top_srcdir/t/lib/dns.sh"
fixture_require >/dev/null
dns_require >/dev/null
fixture_pki
fixture__tmp
runs=${BENCH_RUNS:-20}
[ -x /usr/bin/time ] || { echo "GNU time (package time) is needed for peak RSS" >&2; exit 1; }

# 127.0.0.2, .3 and .4 (or ::1) serve what 127.0.0.1 does, on its port.
V6=0
fixture_have_ipv6 && V6=1
fixture_postfix_extra_master() {
	local a
	for a in 127.0.0.2 127.0.0.3; do
		echo "$a:$PF_SUBMISSION inet n - n - - smtpd -o smtpd_tls_security_level=encrypt"
	done
	if [ "$V6" = 1 ]; then
		echo "[::1]:$PF_SUBMISSION inet n - n - - smtpd -o smtpd_tls_security_level=encrypt"
	else
		echo "127.0.0.4:$PF_SUBMISSION inet n - n - - smtpd -o smtpd_tls_security_level=encrypt"
	fi
}
fixture_postfix_extra_listeners() {
	echo "127.0.0.2:$PF_SUBMISSION" "127.0.0.3:$PF_SUBMISSION"
	if [ "$V6" = 1 ]; then echo "::1:$PF_SUBMISSION"; else echo "127.0.0.4:$PF_SUBMISSION"; fi
}
fixture_start_postfix
fixture_swap_cert postfix mail mail-rsa >/dev/null || { echo "Postfix: no dual certificate" >&2; exit 1; }
fourth="mail.example.test. IN AAAA ::1"
[ "$V6" = 1 ] || fourth="mail.example.test. IN A 127.0.0.4"
dns_start_zone signed "$(printf '%s\n' "mail.example.test. IN A 127.0.0.1" \
    "mail.example.test. IN A 127.0.0.2" "mail.example.test. IN A 127.0.0.3" "$fourth" \
    "one.example.test. IN A 127.0.0.1")"

P=$top_builddir/plugins/check_mail_tls
BASE=(-p "$PF_SUBMISSION" -P submission -r "$PKI/root.crt" --sni mail.example.test -m mail.example.test)
DNS=(--all-addresses --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_TRUST_ANCHOR")
NAMES=("one address (-H 127.0.0.1)" "--all-addresses, 4 addresses (DNS)"
    "--all-addresses, 1 address (DNS)" "--key-types all (one address)")
row() {		# row I: the command line of row I
	case $1 in
	0) echo "-H 127.0.0.1 ${BASE[*]}" ;;
	1) echo "-H mail.example.test ${BASE[*]} ${DNS[*]}" ;;
	2) echo "-H one.example.test ${BASE[*]} ${DNS[*]}" ;;
	3) echo "-H 127.0.0.1 ${BASE[*]} --key-types all" ;;
	esac
}
for i in 0 1 2 3; do
	# shellcheck disable=SC2046
	printf '%-40s %s\n' "${NAMES[$i]}:" "$("$P" $(row "$i") | head -1 | cut -c1-150)"
	: >"$TP_TMP/row$i"
done
TIMEFORMAT='%3R %3U %3S'
for ((r = 0; r < runs; r++)); do
	for i in 0 1 2 3; do
		# shellcheck disable=SC2046
		{ time "$P" $(row "$i") >/dev/null 2>&1; } 2>>"$TP_TMP/row$i"
	done
done
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf '\n%-40s %9s %9s %8s %7s\n' "check_mail_tls ($runs runs each)" "wall ms" "CPU ms" "RSS KiB" "ratio"
for i in 0 1 2 3; do
	wall[i]=$(awk '{ print $1 * 1000 }' "$TP_TMP/row$i" | median)
	cpu[i]=$(awk '{ print ($2 + $3) * 1000 }' "$TP_TMP/row$i" | median)
	# shellcheck disable=SC2046
	rss[i]=$(/usr/bin/time -f '%M' "$P" $(row "$i") 2>&1 >/dev/null | tail -1)
	printf '%-40s %9s %9s %8s %6sx\n' "${NAMES[$i]}" "${wall[i]}" "${cpu[i]}" "${rss[i]}" \
	    "$(awk -v a="${wall[i]}" -v b="${wall[0]}" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')"
done
for i in 1 3; do
	awk -v a="${wall[i]}" -v b="${wall[0]}" -v n="${NAMES[$i]}" 'BEGIN {
		printf "target %s within 2x one address: %s (%.2fx)\n", n, a <= 2 * b ? "met" : "NOT met", a / b }'
done
