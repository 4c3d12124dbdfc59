# tap.sh - minimal TAP producer for the bash integration tests (t/*.t).
#
# Source it, call the tap_* assertions, end with tap_done.  Output follows
# the TAP 13 subset that automake's tap-driver.sh understands: "ok N - NAME",
# "not ok N - NAME", "# diagnostics", "ok N # SKIP REASON", "Bail out! MSG"
# and a trailing plan "1..N".

TAP_N=0		# tests run so far
TAP_FAILED=0	# how many of them failed

# tap__result OK NAME: print one result line, count it.
tap__result() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %d - %s\n' "$TAP_N" "$2"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		printf 'not ok %d - %s\n' "$TAP_N" "$2"
	fi
}

# tap_diag MSG...: print each MSG as "# " comment lines (multi-line safe).
tap_diag() {
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do
		printf '# %s\n' "$line"
	done
}

# tap__diag_kv LABEL VALUE: "#   label: 'value'" with continuation lines.
tap__diag_kv() {
	tap_diag "$(printf '  %8s: %s' "$1" "'$2'")"
}

# tap_ok NAME CMD [ARGS...]: ok when CMD exits 0.  CMD's stdout goes to
# stderr so that it cannot be mistaken for TAP.
tap_ok() {
	local name=$1 rc=0
	shift
	"$@" >&2 || rc=$?
	if [ "$rc" -eq 0 ]; then
		tap__result 0 "$name"
		return 0
	fi
	tap__result 1 "$name"
	tap_diag "  command: $*" "  exit status: $rc"
	return 1
}

# tap_is GOT WANT NAME: ok when GOT equals WANT exactly.
tap_is() {
	if [ "$1" = "$2" ]; then
		tap__result 0 "$3"
		return 0
	fi
	tap__result 1 "$3"
	tap__diag_kv got "$1"
	tap__diag_kv expected "$2"
	return 1
}

# tap_like GOT ERE NAME: ok when some line of GOT matches the extended
# regular expression ERE (grep -E semantics).
tap_like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		tap__result 0 "$3"
		return 0
	fi
	tap__result 1 "$3"
	tap__diag_kv got "$1"
	tap__diag_kv expected "matching /$2/"
	return 1
}

# tap_unlike GOT ERE NAME: ok when no line of GOT matches ERE.
tap_unlike() {
	if ! printf '%s\n' "$1" | grep -Eq -- "$2"; then
		tap__result 0 "$3"
		return 0
	fi
	tap__result 1 "$3"
	tap__diag_kv got "$1"
	tap__diag_kv expected "not matching /$2/"
	return 1
}

# tap_skip REASON [COUNT]: COUNT (default 1) skipped tests.
tap_skip() {
	local i count=${2:-1}
	for ((i = 0; i < count; i++)); do
		TAP_N=$((TAP_N + 1))
		printf 'ok %d # SKIP %s\n' "$TAP_N" "$1"
	done
}

# tap_skip_all REASON: the whole script is skipped ("1..0 # SKIP"); exits 0.
tap_skip_all() {
	printf '1..0 # SKIP %s\n' "$1"
	exit 0
}

# tap_bail MSG: abort the whole test run.
tap_bail() {
	printf 'Bail out! %s\n' "$*"
	exit 1
}

# tap_done: print the plan; exit 1 if any test failed, else 0.
tap_done() {
	printf '1..%d\n' "$TAP_N"
	if [ "$TAP_FAILED" -gt 0 ]; then
		tap_diag "failed $TAP_FAILED of $TAP_N tests"
		exit 1
	fi
	exit 0
}
