#!/bin/bash
# bench/ari.sh - what --ari costs a check once its answer is cached: the
# target is within 5% of the same check without --ari (a cached answer is
# one small file read under a lock; the CA is not asked). Runs check_mail_tls
# against the fixture's real Postfix (submission, STARTTLS) with and without
# --ari-url, interleaved so that drift hits both alike, the renewalInfo
# endpoint played by a private nginx on loopback, and checks that the CA was
# asked exactly once in all the runs.
# A benchmark, not a test: run by hand as root from a built tree:
#   top_srcdir=$PWD top_builddir=$PWD bench/ari.sh      (BENCH_RUNS=50)
set -u
: "${top_srcdir:=$PWD}" "${top_builddir:=$PWD}"
export top_srcdir top_builddir LC_ALL=C
. "$top_srcdir/t/lib/fixture.sh" >/dev/null
. "$top_srcdir/t/lib/nginx.sh"
fixture_require >/dev/null
fixture_pki
fixture__tmp
runs=${BENCH_RUNS:-50}

ANSWER=$(printf '{"suggestedWindow":{"start":"%s","end":"%s"}}' \
    "$(date -u -d '+50 days' +%Y-%m-%dT%H:%M:%SZ)" "$(date -u -d '+52 days' +%Y-%m-%dT%H:%M:%SZ)")
ari_server() {
	echo "server {"
	echo "  listen 127.0.0.1:${NG_PORT[0]};"
	echo "  default_type application/json;"
	echo "  location /ari/ { add_header Retry-After 86400 always; return 200 '$ANSWER'; }"
	echo "}"
}
fixture_start_nginx 1 ari_server
fixture_start_postfix

P=$top_builddir/plugins/check_mail_tls
BASE=(-H 127.0.0.1 -p "$PF_SUBMISSION" -P submission -r "$PKI/root.crt" --sni mail.example.test)
WITH=("${BASE[@]}" --ari-url "http://127.0.0.1:${NG_PORT[0]}/ari" --cache-dir "$TP_TMP")
"$P" "${WITH[@]}" >/dev/null	# the one request: the cache is warm from here on

plain=() ari=()
for ((i = 0; i < runs; i++)); do
	start=$EPOCHREALTIME
	"$P" "${BASE[@]}" >/dev/null 2>&1
	mid=$EPOCHREALTIME
	"$P" "${WITH[@]}" >/dev/null 2>&1
	end=$EPOCHREALTIME
	plain+=("$(awk -v a="$start" -v b="$mid" 'BEGIN { printf "%.3f", (b - a) * 1000 }')")
	ari+=("$(awk -v a="$mid" -v b="$end" 'BEGIN { printf "%.3f", (b - a) * 1000 }')")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mp=$(median "${plain[@]}") ma=$(median "${ari[@]}")
asked=$(grep -c '"GET /ari/' "$NG_DIR/access.log")
"$P" "${WITH[@]}" | grep 'renewing'

printf '\n%-52s %10s %8s\n' "check_mail_tls, submission ($runs runs each, median)" "wall ms" "ratio"
printf '%-52s %10s %8s\n' "without --ari" "$mp" "1.00x"
printf '%-52s %10s %7sx\n' "--ari, answer cached" "$ma" "$(awk -v a="$ma" -v b="$mp" 'BEGIN { printf "%.3f", a / b }')"
printf '\nthe CA was asked %s time(s) in %s runs with --ari (target: 1)\n' "$asked" "$((runs + 1))"
awk -v a="$ma" -v b="$mp" 'BEGIN { r = a / b; printf "target --ari cached within 5%% of without: %s (%.1f%%)\n", r <= 1.05 ? "met" : "NOT met", (r - 1) * 100 }'
