#!/bin/bash
# bench/sni_map.sh - what check_sni_map costs for maps of 100 and 1,000
# names (one wildcard certificate) checked live against a real Postfix,
# next to a single-name check and one check_mail_tls run: client CPU per
# name, wall time as a multiple of one single-name check, peak RSS.
# The targets of issue 17: CPU per name <= 0.7 ms, 100 names within 12x
# one single-name check, peak RSS for 1,000 names under 48 MiB.
# A benchmark, not a test: run by hand as root from the source tree:
#   top_srcdir=$PWD top_builddir=$PWD/_build bench/sni_map.sh
# BENCH_RUNS (5) runs per row, median; BENCH_NAMES (100) and
# BENCH_MANY (1000) the two map sizes; BENCH_BEFORE=DIR also measures the
# plugins of another build (e.g. the commit before a change) in the same
# run, against the same Postfix, rows interleaved, so that both tables
# see the same machine load.
set -u
: "${top_srcdir:=$PWD}" "${top_builddir:=$PWD}"
export top_srcdir top_builddir
. "$top_srcdir/t/lib/fixture.sh" >/dev/null
fixture_require >/dev/null
fixture_pki
fixture__tmp
runs=${BENCH_RUNS:-5} names=${BENCH_NAMES:-100} many=${BENCH_MANY:-1000} T=$TP_TMP
command -v /usr/bin/time >/dev/null || { echo "bench: GNU time (/usr/bin/time) is needed" >&2; exit 1; }

# One wildcard certificate for every generated name.
openssl ecparam -name prime256v1 -genkey -noout -out "$T/wild.key" 2>/dev/null
openssl req -new -key "$T/wild.key" -subj "/CN=*.bench.example.test" -out "$T/wild.csr"
printf 'subjectAltName=DNS:*.bench.example.test\nextendedKeyUsage=serverAuth\n' >"$T/wild.ext"
openssl x509 -req -in "$T/wild.csr" -CA "$PKI/inter.crt" -CAkey "$PKI/inter.key" -CAcreateserial \
    -days 90 -extfile "$T/wild.ext" -out "$T/wild.crt" 2>/dev/null
cat "$T/wild.crt" "$PKI/inter.crt" >"$T/wild.fullchain.crt"
for i in $(seq 1 "$many"); do
	echo "host$i.bench.example.test $T/wild.key $T/wild.fullchain.crt"
done >"$T/many.map"
head -n "$names" "$T/many.map" >"$T/few.map"
FIXTURE_SNI_MAP=$T/many.map fixture_start_postfix
postmap -F "hash:$T/many.map"
postmap -F "hash:$T/few.map"

# measure CMD...: "wall_ms cpu_ms rss_kib", each the median of RUNS runs
# (GNU time: elapsed, user+sys, maximum resident set size; mawk has no asort).
measure() {
	local i out=$T/time.out
	for ((i = 0; i < runs; i++)); do
		/usr/bin/time -o "$out" -f '%e %U %S %M' "$@" >/dev/null 2>&1
		awk '{ printf "%.1f %.1f %d\n", $1 * 1000, ($2 + $3) * 1000, $4 }' "$out"
	done >"$T/runs"
	echo "$(median 1) $(median 2) $(median 3)"
}
median() {	# median COLUMN of $T/runs
	sort -n -k "$1,$1" "$T/runs" | awk -v k="$1" '{ v[NR] = $k } END { print v[int((NR + 1) / 2)] }'
}

LIVE=(-H 127.0.0.1 -p "$PF_SMTP" -P smtp -r "$PKI/root.crt" -t 120)
builds=("after=$top_builddir")
[ -n "${BENCH_BEFORE:-}" ] && builds=("before=$BENCH_BEFORE" "${builds[@]}")

declare -A R
for b in "${builds[@]}"; do
	P=${b#*=}/plugins
	"$P/check_sni_map" "${LIVE[@]}" --map "$T/few.map" | head -1 | cut -c1-100 |
	    sed "s/^/${b%%=*}: /"
done
# Rows interleaved between the builds: load that comes and goes hits both.
for row in one single few many; do
	for b in "${builds[@]}"; do
		P=${b#*=}/plugins
		case $row in
		one) R[${b%%=*},$row]=$(measure "$P/check_mail_tls" "${LIVE[@]}" \
		    --sni host1.bench.example.test) ;;
		single) R[${b%%=*},$row]=$(measure "$P/check_sni_map" "${LIVE[@]}" \
		    --name host1.bench.example.test) ;;
		few) R[${b%%=*},$row]=$(measure "$P/check_sni_map" "${LIVE[@]}" --map "$T/few.map") ;;
		many) R[${b%%=*},$row]=$(measure "$P/check_sni_map" "${LIVE[@]}" --map "$T/many.map") ;;
		esac
	done
done

echo
echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $runs runs a row, median"
for b in "${builds[@]}"; do
	k=${b%%=*}
	read -r one_w one_c one_r <<<"${R[$k,one]}"
	read -r single_w single_c single_r <<<"${R[$k,single]}"
	read -r few_w few_c few_r <<<"${R[$k,few]}"
	read -r many_w many_c many_r <<<"${R[$k,many]}"
	printf '\n%s (%s)\n' "$k" "${b#*=}"
	printf '%-40s %9s %9s %12s %9s %9s\n' "check" "wall ms" "CPU ms" "CPU/name ms" "RSS MiB" "wall x1"
	printf '%-40s %9s %9s %12s %9.1f %9s\n' "check_mail_tls, one name" "$one_w" "$one_c" "$one_c" \
	    "$(awk -v r="$one_r" 'BEGIN { print r / 1024 }')" \
	    "$(awk -v a="$one_w" -v b="$single_w" 'BEGIN { printf "%.1f", a / b }')"
	for r in "single:1:--name, one name" "few:$names:--map, $names names" \
	    "many:$many:--map, $many names"; do
		IFS=: read -r key n label <<<"$r"
		read -r w c rss <<<"${R[$k,$key]}"
		printf '%-40s %9s %9s %12.3f %9.1f %9.1f\n' "check_sni_map $label" "$w" "$c" \
		    "$(awk -v c="$c" -v n="$n" 'BEGIN { print c / n }')" \
		    "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" \
		    "$(awk -v a="$w" -v b="$single_w" 'BEGIN { print a / b }')"
	done
	awk -v c="$few_c" -v n="$names" -v cm="$many_c" -v nm="$many" -v w="$few_w" -v s="$single_w" \
	    -v rss="$many_r" 'BEGIN {
		printf "targets: CPU/name %.3f ms (%d names), %.3f ms (%d) [<= 0.7]; wall(%d) %.1fx one name [<= 12]; RSS(%d) %.1f MiB [< 48]\n",
		    c / n, n, cm / nm, nm, n, w / s, nm, rss / 1024
	    }'
done
