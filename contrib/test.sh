#!/bin/sh
# test.sh - the whole tls-probe test suite from a fresh clone, as CI runs it:
# installs what is missing, then three passes over `make check` (real Postfix,
# Dovecot and HAProxy on 127.0.0.1):
#   1. a normal build (_build)
#   2. an ASan+UBSan build (_build-asan)
#   3. under valgrind, the plugins of the server tests that read a peer's
#      bytes (VALGRIND_TESTS in Makefile.am); definite leaks and memory
#      errors fail; in _build
# then `make distcheck` (with a test of each kind from the tarball) and a
# short fuzzing run of every fuzz target.
# The builds live in directories whose absolute paths are 200 characters
# long or more, so that every pass proves that nothing (line one, a socket,
# a server's file) depends on the length of the directory the suite runs
# in: CI clones where it likes, and distcheck builds deeper still.
# Ends with the line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
top=$PWD
passed=0 failed=0 skipped=0 rc=0

# deep_dir NAME: NAME, padded with subdirectories to a 200-character path.
deep_dir() {
	dir=$1
	while [ $((${#top} + 1 + ${#dir})) -lt 200 ]; do
		dir=$dir/deep-build-directory-padding
	done
	echo "$dir"
}
# Exim is unpacked, not installed (setup-debian.sh): distcheck's tree must find it too.
TP_EXIM_ROOT=$top/.cache/exim
export TP_EXIM_ROOT
build=$(deep_dir _build)
asan_build=$(deep_dir _build-asan)

# tally BUILD_DIR: count and show the results of the last `make check` there.
tally() {
	for trs in $(find "$1/t" -name '*.trs' | sort); do
		for result in $(sed -n 's/^:test-result: \([A-Z]*\).*/\1/p' "$trs"); do
			case $result in
			PASS|XFAIL) passed=$((passed + 1)) ;;
			SKIP) skipped=$((skipped + 1)) ;;
			*) failed=$((failed + 1)) ;;
			esac
		done
		if grep -q '^:test-result: \(FAIL\|XPASS\|ERROR\)' "$trs"; then
			echo "=== ${trs%.trs}.log"
			cat "${trs%.trs}.log"
		fi
		printf '  %-36s %s\n' "${trs#$1/}" "$(sed -n 's/^:global-test-result: //p' "$trs")"
	done
}

# Most of a server test's time is spent waiting (a server starting, a
# timeout running out), so twice as many tests as cores run at once.
jobs=${TEST_JOBS:-$(($(nproc) * 2))}

# pass NAME BUILD_DIR [make check arguments...]
pass() {
	name=$1 dir=$2
	shift 2
	echo "== $name"
	find "$dir/t" -name '*.trs' -delete 2>/dev/null
	started=$(date +%s)
	make -s -C "$dir" -j"$jobs" check "$@" >/dev/null 2>&1 || rc=1
	tally "$dir"
	echo "  ($name: $(($(date +%s) - started)) s)"
}

started=$(date +%s)
BUILD_DIR=$build contrib/setup-debian.sh || exit 1
BUILD_DIR=$asan_build CONFIGURE_FLAGS="--enable-sanitizers CC=clang" contrib/setup-debian.sh || exit 1
echo "(set-up and builds: $(($(date +%s) - started)) s)"
echo "builds in $top/$build (${#top} + $((${#build} + 1)) characters) and $asan_build"

pass "normal build" "$build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	pass "ASan+UBSan build" "$asan_build"
valgrind_tests=$(sed -n 's/^VALGRIND_TESTS_LIST = //p' "$build/Makefile")
# valgrind's tests are busy, not waiting: one per core.
jobs=$(nproc) pass "valgrind (server tests)" "$build" TESTS="$valgrind_tests" TP_TIME_SLACK_MS=5000 \
	TP_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"

# The release tarball builds, installs and passes a test of each kind on
# its own (DISTCHECK_TESTS in Makefile.am; the whole suite ran twice above).
distcheck_tests=$(sed -n 's/^DISTCHECK_TESTS_LIST = //p' "$build/Makefile")
echo "== make distcheck"
started=$(date +%s)
if make -s -C "$build" -j"$jobs" distcheck TESTS="$distcheck_tests" >"$build/distcheck.log" 2>&1; then
	passed=$((passed + 1))
	echo "  distcheck                            PASS"
else
	failed=$((failed + 1))
	# What failed, and each failing test's log: the log itself is not kept.
	grep -E '^(FAIL|ERROR|XPASS):' "$build/distcheck.log" | head -n 200
	for log in $(find "$build" -path '*/_build/sub/t/*.log' ! -name test-suite.log 2>/dev/null); do
		grep -q '^:test-result: \(FAIL\|XPASS\|ERROR\)' "${log%.log}.trs" 2>/dev/null || continue
		echo "=== distcheck: $log"
		cat "$log"
	done
	tail -n 40 "$build/distcheck.log"
	df -h "$build" /tmp
	echo "  distcheck                            FAIL ($build/distcheck.log)"
fi
echo "  (make distcheck: $(($(date +%s) - started)) s)"

if [ -x fuzz/run.sh ]; then
	echo "== fuzzing (${FUZZ_SECONDS:-15} s per target)"
	started=$(date +%s)
	if fuzz/run.sh "${FUZZ_SECONDS:-15}"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	echo "  (fuzzing: $(($(date +%s) - started)) s)"
fi

[ "$passed$failed" = 00 ] && { echo "no test ran" >&2; rc=1; }
[ "$failed" -gt 0 ] && rc=1
echo "$passed passed, $failed failed, $skipped skipped"
exit "$rc"
