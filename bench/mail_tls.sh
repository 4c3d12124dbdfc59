#!/bin/bash
# mail_tls.sh - benchmark check_mail_tls against its peers on one local
# STARTTLS submission port.  A benchmark, not a test: "make check" does not
# run it, and it exits 0 whether or not the targets are met.
#
# It starts the test fixture's private Postfix on 127.0.0.1 (t/lib/fixture.sh;
# needs root, Postfix, Dovecot, HAProxy like the tests) and measures, against
# the same submission port with the same test PKI:
#
#   check_mail_tls     plugins/check_mail_tls from the build tree
#   check_ssl_cert     Debian's monitoring-plugins-contrib, OCSP and proxies
#                      off so it stays on loopback
#   check_smtp         Debian's monitoring-plugins-basic, STARTTLS + expiry
#                      (it does not verify the chain or the name)
#   openssl s_client   one verified STARTTLS handshake: the practical floor
#
# For each: median wall time, mean user+sys CPU per run (the check and all
# its descendants), peak RSS (GNU time %M: the largest single process, max
# over the runs; for a check that forks, also a sampled sum over its live
# processes), processes per check (1 + process-creating fork/clone calls
# seen by strace -f; threads are not counted), and the exit code and first
# output line of one run.  The same strace run checks that every connect()
# or sendto() with an IP address goes to loopback.  Then one line per
# check_mail_tls target: within 1.2x of openssl s_client wall time, >= 100x
# faster than check_ssl_cert, no slower than check_smtp, peak RSS < 8 MiB,
# one process per check.
#
# Runs are interleaved round-robin so that drift hits every check alike.
#
#   bench/mail_tls.sh                      (as root, from a built tree)
#   BENCH_RUNS=50 BENCH_SLOW_RUNS=5 bench/mail_tls.sh
#
# BENCH_RUNS       runs per check (default 20)
# BENCH_SLOW_RUNS  runs for check_ssl_cert, ~2 s each (default 10)
# Peers come from contrib/setup-debian.sh --with-peers; a missing peer is
# reported and left out.  Takes about a minute.
# Exit status: 0, or 1 when the setup fails or a check's verdict on this
# healthy server is not OK (its numbers would be meaningless).

export LC_ALL=C	# EPOCHREALTIME and awk must use a decimal point

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-${here%/bench}}
top_builddir=${top_builddir:-$top_srcdir}

RUNS=${BENCH_RUNS:-20}
SLOW_RUNS=${BENCH_SLOW_RUNS:-10}
PEER_DIR=${BENCH_PEER_DIR:-/usr/lib/nagios/plugins}
SNI=mail.example.test

die() {
	printf 'mail_tls.sh: %s\n' "$*" >&2
	exit 1
}

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"
[[ $SLOW_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_SLOW_RUNS must be a positive integer"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash >= 5 (EPOCHREALTIME)"
[ -x "$top_builddir/plugins/check_mail_tls" ] ||
	die "$top_builddir/plugins/check_mail_tls not built (run make)"
command -v openssl >/dev/null || die "openssl not installed"

. "$top_srcdir/t/lib/fixture.sh" || die "cannot load t/lib/fixture.sh"
# The fixture speaks TAP; a benchmark just stops with a message.
tap_skip_all() { die "cannot run: $1"; }
tap_bail() { die "fixture: $*"; }

read -r LOAD_START _ </proc/loadavg	# other work on the machine skews wall times
fixture_require
fixture_pki
fixture_start_postfix
PORT=$PF_SUBMISSION
W=$TP_TMP/bench	# removed with TP_TMP on exit
mkdir -p "$W" || die "cannot create $W"

# ---- the checks ----------------------------------------------------------

NAMES=() RUNS_OF=()
declare -A CMD	# name -> command line, %q-quoted, for argv
declare -A SHOW	# name -> the same for the report

# show ARG...: a command line for people (quotes only what needs it).
show() {
	local a out=
	for a in "$@"; do
		[[ $a =~ ^[][A-Za-z0-9_./:,=+@%-]+$ ]] || a=$(printf '%q' "$a")
		out+="${out:+ }$a"
	done
	printf '%s\n' "$out"
}

# add NAME RUNS ARGV...: register a check.
add() {
	local name=$1 runs=$2
	shift 2
	NAMES+=("$name")
	RUNS_OF+=("$runs")
	CMD[$name]=$(printf '%q ' "$@")
	SHOW[$name]=$(show "$@")
}

# argv NAME: put the check's command line into the array ARGV.
argv() {
	eval "ARGV=(${CMD[$1]})"
}

add check_mail_tls "$RUNS" "$top_builddir/plugins/check_mail_tls" \
	-H 127.0.0.1 -p "$PORT" -P submission --sni "$SNI" -r "$PKI/root.crt"
MISSING=()
if [ -x "$PEER_DIR/check_ssl_cert" ]; then
	add check_ssl_cert "$SLOW_RUNS" "$PEER_DIR/check_ssl_cert" --ignore-sct \
		--ignore-ocsp --no-proxy -H 127.0.0.1 -p "$PORT" -P smtp \
		--sni "$SNI" -r "$PKI/root.crt"
else
	MISSING+=(check_ssl_cert)
fi
if [ -x "$PEER_DIR/check_smtp" ]; then
	add check_smtp "$RUNS" "$PEER_DIR/check_smtp" -H 127.0.0.1 -p "$PORT" \
		-S -D 30,15
else
	MISSING+=(check_smtp)
fi
add "openssl s_client" "$RUNS" openssl s_client -starttls smtp \
	-connect "127.0.0.1:$PORT" -servername "$SNI" -CAfile "$PKI/root.crt" \
	-verify_return_error

# ---- helpers -------------------------------------------------------------

# cum_cpu_us FILE: children's user+sys from the output of "times", in us.
cum_cpu_us() {
	local l2 u s
	{ read -r _; read -r l2; } <"$1"
	read -r u s <<<"$l2"
	echo $(($(tm_us "$u") + $(tm_us "$s")))
}

# tm_us 1m2.345s -> microseconds (bash prints milliseconds).
tm_us() {
	local m=${1%%m*} s=${1#*m}
	s=${s%s}
	local int=${s%%.*} frac=${s#*.}000000
	frac=${frac:0:6}
	echo $(((10#$m * 60 + 10#$int) * 1000000 + 10#$frac))
}

# now_us: EPOCHREALTIME in integer microseconds (no fork).
now_us() {
	local t=$EPOCHREALTIME
	NOW=$((10#${t/./}))
}

# quartiles: "median p25 p75" of the integers on stdin (p25/p75 by
# nearest rank: with 20 runs, the 5th and 15th fastest).
quartiles() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "0 0 0"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		lo = int(NR / 4 + 0.75); if (lo < 1) lo = 1
		hi = NR + 1 - lo
		printf "%d %d %d\n", m, v[lo], v[hi] }'
}

# ---- 1. verdicts (doubles as warm-up) -------------------------------------

declare -A RC LINE1 VERIFY WRONG
for name in "${NAMES[@]}"; do
	argv "$name"
	out=$("${ARGV[@]}" </dev/null 2>"$W/stderr")
	RC[$name]=$?
	LINE1[$name]=${out%%$'\n'*}
	[ -n "${LINE1[$name]}" ] || LINE1[$name]="(no output) $(head -n 1 "$W/stderr")"
	if [ "$name" = "openssl s_client" ]; then
		# its first line is "CONNECTED(...)"; the verdict is further down
		VERIFY[$name]=$(grep -m 1 'Verify return code' <<<"$out")
		[ "${RC[$name]}" = 0 ] && [[ ${VERIFY[$name]} == *" 0 (ok)"* ]]
	else
		[ "${RC[$name]}" = 0 ] && [[ ${LINE1[$name]} =~ (^|[[:space:]_])OK[[:space:]] ]]
	fi || WRONG[$name]=1
done

# ---- 2. wall time and CPU, round-robin ------------------------------------

declare -A WALLS CPU_SUM RUN_FAIL
max_runs=0
for i in "${!NAMES[@]}"; do
	((RUNS_OF[i] > max_runs)) && max_runs=${RUNS_OF[i]}
done
for ((r = 0; r < max_runs; r++)); do
	for i in "${!NAMES[@]}"; do
		name=${NAMES[i]}
		((r < RUNS_OF[i])) || continue
		argv "$name"
		times >"$W/t0"
		now_us; t0=$NOW
		"${ARGV[@]}" </dev/null >/dev/null 2>&1
		rc=$?
		now_us; t1=$NOW
		times >"$W/t1"
		[ "$rc" = "${RC[$name]}" ] || RUN_FAIL[$name]=$((${RUN_FAIL[$name]:-0} + 1))
		WALLS[$name]+="$((t1 - t0)) "
		CPU_SUM[$name]=$((${CPU_SUM[$name]:-0} + $(cum_cpu_us "$W/t1") - $(cum_cpu_us "$W/t0")))
	done
done

declare -A WALL P25 P75 CPU
for i in "${!NAMES[@]}"; do
	name=${NAMES[i]}
	read -r "WALL[$name]" "P25[$name]" "P75[$name]" < <(printf '%s\n' ${WALLS[$name]} | quartiles)
	CPU[$name]=$((CPU_SUM[$name] / RUNS_OF[i]))
done

# ---- 3. peak RSS with GNU time, round-robin --------------------------------

declare -A RSS
if [ -x /usr/bin/time ]; then
	for ((r = 0; r < max_runs; r++)); do
		for i in "${!NAMES[@]}"; do
			name=${NAMES[i]}
			((r < RUNS_OF[i])) || continue
			argv "$name"
			/usr/bin/time -f '%M' -o "$W/rss" "${ARGV[@]}" </dev/null >/dev/null 2>&1
			read -r kib <"$W/rss"
			[[ $kib =~ ^[0-9]+$ ]] || continue
			((kib > ${RSS[$name]:-0})) && RSS[$name]=$kib
		done
	done
fi

# ---- 4. processes per check and network destinations (strace) -------------

# Joins strace's "<unfinished ...>" and "<... resumed>" halves; counts the
# fork/vfork/clone/clone3 calls that returned a pid without CLONE_THREAD;
# lists every IPv4/IPv6 address a connect/sendto/sendmsg went to.
strace_awk='
	/<unfinished \.\.\.>$/ { pend[$1] = $0; next }
	/<\.\.\. [a-z0-9_]+ resumed>/ { $0 = pend[$1] " " $0; delete pend[$1] }
	/ (clone3?|v?fork)\(/ && / = [1-9][0-9]*$/ && !/CLONE_THREAD/ { forks++ }
	{
		s = $0
		while (match(s, /inet_addr\("[^"]*"\)|inet_pton\(AF_INET6, "[^"]*"/)) {
			a = substr(s, RSTART, RLENGTH)
			sub(/^[^"]*"/, "", a); sub(/".*$/, "", a)
			addr[a] = 1
			s = substr(s, RSTART + RLENGTH)
		}
	}
	END {
		printf "%d", forks + 1
		for (a in addr) printf " %s", a
		print ""
	}'
declare -A PROCS NONLOCAL
if command -v strace >/dev/null; then
	for name in "${NAMES[@]}"; do
		argv "$name"
		strace -f -qq -e signal=none -o "$W/strace" \
			-e trace=fork,vfork,clone,clone3,connect,sendto,sendmsg \
			"${ARGV[@]}" </dev/null >/dev/null 2>&1
		read -r n addrs < <(awk "$strace_awk" "$W/strace")
		PROCS[$name]=$n
		for a in $addrs; do
			[[ $a == 127.* || $a == ::1 || $a == ::ffff:127.* ]] ||
				NONLOCAL[$name]+="$a "
		done
	done
fi

# ---- 5. sampled RSS of the whole process tree, for checks that fork -------

# tree_rss NAME: run once in its own session; sum VmRSS (stat field 24) of
# all live processes of that session as often as bash can (no forks in the
# loop; only pids above the leader's are read, as its descendants get later
# pids short of a pid wrap-around).  Shared pages count once per process,
# and short-lived children can be missed between samples.  Sets TREE[NAME]
# (KiB) and SAMPLES[NAME].
declare -A TREE SAMPLES
page_kib=$(($(getconf PAGESIZE) / 1024))
tree_rss() {
	local name=$1 pid f p line rest sum peak=0 n=0
	local -a fld
	argv "$name"
	setsid "${ARGV[@]}" </dev/null >/dev/null 2>&1 &
	pid=$!
	while :; do
		read -r line 2>/dev/null <"/proc/$pid/stat" || break
		rest=${line##*) }
		[ "${rest%% *}" = Z ] && break
		sum=0
		for f in /proc/[0-9]*/stat; do
			p=${f#/proc/}
			p=${p%/stat}
			((p >= pid)) || continue
			read -r line 2>/dev/null <"$f" || continue
			rest=${line##*) }
			[[ $rest =~ ^[A-Za-z]\ -?[0-9]+\ -?[0-9]+\ $pid\  ]] || continue
			fld=($rest)
			sum=$((sum + fld[21]))
		done
		((sum > peak)) && peak=$sum
		n=$((n + 1))
	done
	wait "$pid"
	TREE[$name]=$((peak * page_kib))
	SAMPLES[$name]=$n
}
if command -v setsid >/dev/null; then
	for name in "${NAMES[@]}"; do
		[ "${PROCS[$name]:-2}" -gt 1 ] && tree_rss "$name"
	done
fi

# ---- report ----------------------------------------------------------------

base=check_mail_tls

# ratio A B WORD_MORE WORD_LESS: "149x slower" style, A relative to B.
ratio() {
	awk -v a="$1" -v b="$2" -v more="$3" -v less="$4" 'BEGIN {
		if (a == "" || b == "" || a <= 0 || b <= 0) { print "n/a"; exit }
		r = a / b; w = more
		if (r < 1) { r = b / a; w = less }
		printf (r < 1.2 ? "%.2fx %s\n" : r < 10 ? "%.1fx %s\n" : "%.0fx %s\n"), r, w }'
}
ms() { awk -v u="$1" 'BEGIN { printf (u < 100000 ? "%.1f ms" : "%.0f ms"), u / 1000 }'; }
mib() { [ -n "$1" ] && awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }' || echo n/a; }

printf 'check_mail_tls benchmark: 127.0.0.1:%s submission (STARTTLS, Postfix fixture, SNI %s)\n' "$PORT" "$SNI"
read -r load_end _ </proc/loadavg
printf '%s, %s CPU(s), load %s at start, %s at end; %s runs per check (check_ssl_cert: %s, BENCH_SLOW_RUNS)\n\n' \
	"$(uname -sr)" "$(nproc)" "$LOAD_START" "$load_end" "$RUNS" "$SLOW_RUNS"
awk -v a="$LOAD_START" -v b="$load_end" -v n="$(nproc)" 'BEGIN {
	if (a > n / 2 || b > n / 2) print "NOTE: the machine was busy (load above half its CPUs): wall times are inflated\nand noisy; CPU/run, RSS and procs are not affected.  Rerun when it is idle.\n" }'
fmt='%-16s %4s  %9s %-13s %-12s  %9s %-11s  %9s %-11s  %5s\n'
printf "$fmt" check runs "wall med" "(p25-p75)" "" "CPU/run" "(user+sys)" "peak RSS" "(largest)" procs
for i in "${!NAMES[@]}"; do
	name=${NAMES[i]}
	if [ "$name" = "$base" ]; then
		rw=base rc=base rr=base
	else
		rw=$(ratio "${WALL[$name]}" "${WALL[$base]}" slower faster)
		rc=$(ratio "${CPU[$name]}" "${CPU[$base]}" more less)
		rr=$(ratio "${RSS[$name]}" "${RSS[$base]}" more less)
	fi
	iqr=$(awk -v a="${P25[$name]}" -v b="${P75[$name]}" \
		'BEGIN { f = b < 100000 ? "(%.1f-%.1f)" : "(%.0f-%.0f)"; printf f, a / 1000, b / 1000 }')
	printf "$fmt" "$name" "${RUNS_OF[i]}" "$(ms "${WALL[$name]}")" "$iqr" "$rw" \
		"$(ms "${CPU[$name]}")" "$rc" "$(mib "${RSS[$name]}")" "$rr" \
		"${PROCS[$name]:-n/a}"
done
for name in "${MISSING[@]}"; do
	printf '%-16s not installed in %s (contrib/setup-debian.sh --with-peers)\n' "$name" "$PEER_DIR"
done
for name in "${NAMES[@]}"; do
	[ -n "${TREE[$name]:-}" ] || continue
	printf '%s: whole tree, sampled: up to %s summed RSS of its live processes (%s samples, 1 run; shared pages counted per process)\n' \
		"$name" "$(mib "${TREE[$name]}")" "${SAMPLES[$name]}"
done

printf '\nverdicts (one run each; exit code, first line):\n'
for name in "${NAMES[@]}"; do
	mark=
	[ -n "${WRONG[$name]:-}" ] && mark='  <-- NOT OK'
	printf '  %-16s rc=%s  %s%s\n' "$name" "${RC[$name]}" "${LINE1[$name]:0:150}" "$mark"
	[ -n "${VERIFY[$name]:-}" ] && printf '  %-16s       %s\n' "" "${VERIFY[$name]}"
	[ -n "${RUN_FAIL[$name]:-}" ] &&
		printf '  %-16s       %s timed run(s) exited differently\n' "" "${RUN_FAIL[$name]}"
	[ -n "${NONLOCAL[$name]:-}" ] &&
		printf '  %-16s       WARNING: reached beyond loopback: %s\n' "" "${NONLOCAL[$name]}"
done
((${#PROCS[@]})) && printf '  (strace: every IP destination was loopback unless warned above)\n'

printf '\ncommands:\n'
for name in "${NAMES[@]}"; do
	printf '  %-16s %s\n' "$name" "${SHOW[$name]}"
done

# target OK TEXT: one PASS/FAIL line.
target() {
	local word=FAIL
	case $1 in 0) word=PASS ;; n/a) word=n/a ;; esac
	printf '  %-4s  %s\n' "$word" "$2"
}
# cond EXPR A B: 0 when the awk condition on a and b holds, n/a if missing.
cond() {
	[ -n "$2" ] && [ -n "$3" ] || { echo n/a; return; }
	awk -v a="$2" -v b="$3" "BEGIN { exit !($1) }"
	echo $?
}
# noise PEER [FACTOR]: a remark when check_mail_tls's median is above
# FACTOR x PEER's but the interquartile ranges (scaled) still overlap.
noise() {
	[ -n "${WALL[$1]:-}" ] || return
	awk -v m="${WALL[$base]}" -v lo="${P25[$base]}" -v p="${WALL[$1]}" \
	    -v hi="${P75[$1]}" -v f="${2:-1}" 'BEGIN {
		if (m > f * p && lo <= f * hi) printf "; within run-to-run noise (p25-p75 ranges overlap)" }'
}
m=${WALL[$base]}
x=${WALL["openssl s_client"]:-}
s=${WALL[check_ssl_cert]:-}
t=${WALL[check_smtp]:-}
rx=$(awk -v a="$m" -v b="$x" 'BEGIN { if (b > 0) printf "%.2fx", a / b }')
rs=$(awk -v a="$m" -v b="$s" 'BEGIN { if (a > 0 && b > 0) printf "%.0fx", b / a }')
rsc=$(awk -v a="${CPU[$base]}" -v b="${CPU[check_ssl_cert]:-}" 'BEGIN { if (a > 0 && b > 0) printf "%.0fx", b / a }')
rt=$(awk -v a="$m" -v b="$t" 'BEGIN { if (b > 0) printf "%.2fx", a / b }')
printf '\ncheck_mail_tls versus the targets:\n'
target "$(cond 'a <= 1.2 * b' "$m" "$x")" \
	"within 1.2x of openssl s_client wall time: $(ms "$m") vs $(ms "$x") (${rx:-n/a})$(noise "openssl s_client" 1.2)"
target "$(cond 'b >= 100 * a' "$m" "$s")" \
	"at least 100x faster than check_ssl_cert: ${rs:-n/a} ($(ms "$m") vs $( [ -n "$s" ] && ms "$s" || echo n/a))${rsc:+; CPU per run: $rsc}"
target "$(cond 'a <= b' "$m" "$t")" \
	"no slower than check_smtp: $(ms "$m") vs $( [ -n "$t" ] && ms "$t" || echo n/a) (${rt:-n/a})$(noise check_smtp)"
target "$(cond 'a < 8192' "${RSS[$base]:-}" 1)" \
	"peak RSS under 8 MiB: $(mib "${RSS[$base]:-}")"
target "$(cond 'a == 1' "${PROCS[$base]:-}" 1)" \
	"1 process per check: ${PROCS[$base]:-n/a}"

((${#WRONG[@]} == 0))
