# plugin.sh - run a tls-probe plugin from the build tree and assert on its
# exit code and first line, the two things Nagios and Icinga act on.
#
#   run_plugin NAME ARGS...       sets OUT (all stdout), LINE1, RC, SECONDS_TAKEN
#   expect NAME STATE ERE ARGS... runs, then asserts the state and line one
# The state is OK, WARNING, CRITICAL or UNKNOWN (checked against exit code
# and the word on line one). TP_WRAPPER runs every plugin under a tool, e.g.
#   TP_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full" make check

plugin_path() {
	printf '%s/plugins/%s' "$top_builddir" "$1"
}

run_plugin() {
	local name=$1 start end
	shift
	start=$(date +%s%N)
	RC=0
	# shellcheck disable=SC2086
	OUT=$(${TP_WRAPPER:-} "$(plugin_path "$name")" "$@" 2>"${TP_TMP:-/tmp}/stderr.$$") || RC=$?
	end=$(date +%s%N)
	SECONDS_TAKEN=$(( (end - start) / 1000000 ))	# milliseconds, despite the name
	LINE1=${OUT%%$'\n'*}
}

state_code() {
	case $1 in
	OK) echo 0 ;; WARNING) echo 1 ;; CRITICAL) echo 2 ;; UNKNOWN) echo 3 ;;
	*) echo "bad state $1" >&2; exit 1 ;;
	esac
}

# output_conventions: empty when OUT keeps the output rules every plugin
# run must keep (line one's text under 200 characters, no ANSI escape),
# else what it breaks.
output_conventions() {
	local text=${LINE1%% | *}
	if [ "${#text}" -ge 200 ]; then
		echo "line one's text has ${#text} characters (200 or more)"
	elif [[ $OUT == *$'\e'* ]]; then
		echo "the output holds an ANSI escape"
	fi
}

# expect TESTNAME PLUGIN STATE ERE ARGS...
expect() {
	local test=$1 plugin=$2 state=$3 ere=$4 want broken
	shift 4
	want=$(state_code "$state")
	run_plugin "$plugin" "$@"
	broken=$(output_conventions)
	if [ "$RC" = "$want" ] && printf '%s\n' "$LINE1" | grep -Eq -- "^[A-Z0-9_]+ $state - " &&
	    printf '%s\n' "$LINE1" | grep -Eq -- "$ere" && [ -z "$broken" ]; then
		tap__result 0 "$test"
		return 0
	fi
	tap__result 1 "$test"
	tap_diag "  command: $plugin $*" "  exit code: $RC (want $want)" \
	    "  want line one matching: $ere" ${broken:+"  broken rule: $broken"} \
	    "  output:" "$OUT"
	return 1
}
