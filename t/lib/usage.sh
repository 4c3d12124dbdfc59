# usage.sh - what every *_usage.t starts with: TAP and the plugin helpers,
# a scratch directory that is also the working directory (bad input must
# write nothing, here or anywhere), and usage_error for USAGE_PLUGIN.
#
#   USAGE_PLUGIN=check_mail_tls
#   . "$top_srcdir/t/lib/usage.sh"
#   usage_error "missing -H" '-H/--hostname is required'
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/plugin.sh"
TP_TMP=$(mktemp -d); trap 'rm -rf "$TP_TMP"' EXIT
mkdir "$TP_TMP/cwd" && cd "$TP_TMP/cwd" || tap_bail "cannot make a scratch directory"

# usage_error NAME ERE [ARGS...]: USAGE_PLUGIN ARGS exits 3 (UNKNOWN) with
# one line matching ERE.
usage_error() {
	local name=$1 ere=$2
	shift 2
	expect "$name" "$USAGE_PLUGIN" UNKNOWN "$ere" "$@"
	tap_is "$(printf '%s\n' "$OUT" | wc -l)" 1 "$name: one line only"
}
