#!/bin/bash
# bench/sni_map.sh - how long check_sni_map takes for a map of 100 names
# checked live against a real Postfix, next to a single-name check and one
# check_mail_tls run: the names are probed --parallel at a time, so 100
# names should cost a few handshakes' worth, not 100 checks.
# A benchmark, not a test: run by hand as root from the source tree:
#   top_srcdir=$PWD top_builddir=$PWD bench/sni_map.sh   (BENCH_RUNS=5, BENCH_NAMES=100)
set -u
: "${top_srcdir:=$PWD}" "${top_builddir:=$PWD}"
export top_srcdir top_builddir
. "$top_srcdir/t/lib/fixture.sh" >/dev/null
fixture_require >/dev/null
fixture_pki
fixture__tmp
runs=${BENCH_RUNS:-5} names=${BENCH_NAMES:-100} T=$TP_TMP

# One wildcard certificate for every generated name.
openssl ecparam -name prime256v1 -genkey -noout -out "$T/wild.key" 2>/dev/null
openssl req -new -key "$T/wild.key" -subj "/CN=*.bench.example.test" -out "$T/wild.csr"
printf 'subjectAltName=DNS:*.bench.example.test\nextendedKeyUsage=serverAuth\n' >"$T/wild.ext"
openssl x509 -req -in "$T/wild.csr" -CA "$PKI/inter.crt" -CAkey "$PKI/inter.key" -CAcreateserial \
    -days 90 -extfile "$T/wild.ext" -out "$T/wild.crt" 2>/dev/null
cat "$T/wild.crt" "$PKI/inter.crt" >"$T/wild.fullchain.crt"
for i in $(seq 1 "$names"); do
	echo "host$i.bench.example.test $T/wild.key $T/wild.fullchain.crt"
done >"$T/bench.map"
FIXTURE_SNI_MAP=$T/bench.map fixture_start_postfix
postmap -F "hash:$T/bench.map"

median_ms() {	# median_ms CMD...: median wall time of RUNS runs, in ms
	local i start times=()
	for ((i = 0; i < runs; i++)); do
		start=$EPOCHREALTIME
		"$@" >/dev/null 2>&1
		times+=("$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }')")
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

P=$top_builddir/plugins
LIVE=(-H 127.0.0.1 -p "$PF_SMTP" -P smtp -r "$PKI/root.crt")
one=$(median_ms "$P/check_mail_tls" "${LIVE[@]}" --sni host1.bench.example.test)
single=$(median_ms "$P/check_sni_map" "${LIVE[@]}" --name host1.bench.example.test)
all8=$(median_ms "$P/check_sni_map" "${LIVE[@]}" --map "$T/bench.map")
all1=$(median_ms "$P/check_sni_map" "${LIVE[@]}" --map "$T/bench.map" --parallel 1)
"$P/check_sni_map" "${LIVE[@]}" --map "$T/bench.map" | head -1 | cut -c1-120

printf '\n%-48s %10s %8s\n' "check ($names names in the map, $runs runs, median)" "wall ms" "ratio"
printf '%-48s %10s %8s\n' "check_mail_tls, one name" "$one" "1.0x"
for row in "check_sni_map --name, one name:$single" \
    "check_sni_map --map, $names names, --parallel 8:$all8" \
    "check_sni_map --map, $names names, --parallel 1:$all1"; do
	printf '%-48s %10s %7sx\n' "${row%:*}" "${row##*:}" \
	    "$(awk -v a="${row##*:}" -v b="$one" 'BEGIN { printf "%.1f", a / b }')"
done
