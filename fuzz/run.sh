#!/bin/sh
# fuzz/run.sh SECONDS - builds the targets (fuzz/build.sh into $FUZZ_OUT,
# default fuzz/out), then runs each for SECONDS on a temporary copy of its
# seed corpus (fuzz/corpus/ is never modified). Prints executions and
# crashes per target, one target per core at a time (FUZZ_JOBS); exits 1
# if any target crashed, leaked or hung.
# TARGETS="range proxy" limits the run; crash inputs go to $FUZZ_OUT/artifacts.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
secs=${1:?usage: fuzz/run.sh SECONDS}
out=${FUZZ_OUT:-$here/out}
TARGETS=${TARGETS:-"starttls reply_line range proxy cert chain snimap mtasts statefile ari tlsrpt_report tlsrpt_mail imap_fetch"}
export TARGETS

"$here/build.sh" "$out"
out=$(cd "$out" && pwd)
mkdir -p "$out/artifacts"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tls-probe-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# run_target NAME: one target's run; its row of the table goes to $tmp/NAME/row
# and a failure to $tmp/NAME/failed.
run_target() {
	t=$1
	case $t in
	starttls) opts="-max_len=65537 -dict=$here/starttls.dict" ;;
	reply_line) opts="-max_len=8192 -dict=$here/starttls.dict" ;;
	range) opts="-max_len=512 -dict=$here/range.dict" ;;
	proxy) opts="-max_len=1024" ;;
	cert) opts="-max_len=16384" ;;
	chain) opts="-max_len=32768" ;;
	snimap) opts="-max_len=65537 -dict=$here/snimap.dict" ;;
	mtasts) opts="-max_len=65537 -dict=$here/mtasts.dict" ;;
	statefile) opts="-max_len=16384" ;;
	ari) opts="-max_len=17000 -dict=$here/ari.dict" ;;
	tlsrpt_report) opts="-max_len=65536 -dict=$here/tlsrpt_report.dict" ;;
	tlsrpt_mail) opts="-max_len=65536 -dict=$here/tlsrpt_mail.dict" ;;
	*) opts="" ;;
	esac
	mkdir -p "$tmp/$t/corpus" "$tmp/$t/artifacts"
	cp "$here/corpus/$t/"* "$tmp/$t/corpus/" 2>/dev/null || true
	rc=0
	# shellcheck disable=SC2086
	"$out/${t}_fuzz" $opts -max_total_time="$secs" -rss_limit_mb=512 -timeout=5 \
	    -print_final_stats=1 -artifact_prefix="$tmp/$t/artifacts/" \
	    "$tmp/$t/corpus" >"$tmp/$t/log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t/log" | tail -n 1)
	if [ -z "$execs" ]; then	# stopped by a crash: the last status line
		execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$tmp/$t/log" | tail -n 1)
	fi
	cov=$(sed -n 's/^#[0-9].* cov: \([0-9][0-9]*\) .*/\1/p' "$tmp/$t/log" | tail -n 1)
	crashes=$(find "$tmp/$t/artifacts" -type f | wc -l)
	note=""
	if [ "$crashes" -gt 0 ] || [ "$rc" -ne 0 ]; then
		: >"$tmp/$t/failed"
		cp "$tmp/$t/artifacts/"* "$out/artifacts/" 2>/dev/null || true
		cp "$tmp/$t/log" "$out/artifacts/$t.log"
		note="exit $rc: $(grep -m 1 -E 'ERROR|runtime error|SUMMARY' "$tmp/$t/log" || true)"
		note="$note; see $out/artifacts/$t.log"
		[ "$crashes" -gt 0 ] || crashes=1
	fi
	printf '%-12s %12s %6s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "$crashes" "$note" \
	    >"$tmp/$t/row"
}

# One target per core at a time; each runs for exactly SECONDS.
width=${FUZZ_JOBS:-$(nproc)}
running=0
for t in $TARGETS; do
	run_target "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$width" ]; then
		wait
		running=0
	fi
done
wait

failed=0
printf '%-12s %12s %6s %8s  %s\n' target executions edges crashes note
for t in $TARGETS; do
	cat "$tmp/$t/row" 2>/dev/null || printf '%-12s %12s\n' "$t" "did not run"
	[ -f "$tmp/$t/row" ] && [ ! -f "$tmp/$t/failed" ] || failed=1
done
exit $failed
