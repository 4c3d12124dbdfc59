#!/bin/sh
# test.sh - the whole tls-probe test suite from a fresh clone: installs what is
# missing, builds, runs `make check` (real Postfix, Dovecot and HAProxy on
# 127.0.0.1), and ends with the line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
contrib/setup-debian.sh || exit 1

rc=0
make -s -j"$(nproc)" check >/dev/null 2>&1 || rc=$?

# Every .log is one test script; show each result, the failures in full.
passed=0 failed=0 skipped=0
for trs in $(find t -name '*.trs' | sort); do
	log=${trs%.trs}.log
	for result in $(sed -n 's/^:test-result: \([A-Z]*\).*/\1/p' "$trs"); do
		case $result in
		PASS|XFAIL) passed=$((passed + 1)) ;;
		SKIP) skipped=$((skipped + 1)) ;;
		*) failed=$((failed + 1)) ;;
		esac
	done
	if grep -q '^:test-result: \(FAIL\|XPASS\|ERROR\)' "$trs"; then
		echo "=== ${log}"
		cat "$log"
	fi
	printf '%-40s %s\n' "${trs%.trs}" "$(sed -n 's/^:global-test-result: //p' "$trs")"
done
[ "$passed$failed" = 00 ] && { echo "no test ran" >&2; rc=1; }
[ "$failed" -gt 0 ] && rc=1
echo "$passed passed, $failed failed, $skipped skipped"
exit "$rc"
