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

# usage_bad_paths OPTION CLASSES ARGS...: the long OPTION naming each of CLASSES
# (dir: a directory, file: a regular file, zero: /dev/zero, fifo: a named
# FIFO nobody writes, missing: no such file, big: a 5 MiB file) exits 3 at
# once, with one line naming the option and the path. ARGS make the rest of
# the command line good, with a server that is down: nothing may wait.
usage_bad_paths() {
	local option=$1 classes=$2 class path ere
	shift 2
	[ -e "$TP_TMP/fifo" ] || mkfifo "$TP_TMP/fifo"
	[ -e "$TP_TMP/big.pem" ] || truncate -s 5M "$TP_TMP/big.pem"
	[ -d "$TP_TMP/dir" ] || mkdir "$TP_TMP/dir"
	[ -e "$TP_TMP/file.txt" ] || echo "a file" >"$TP_TMP/file.txt"
	for class in $classes; do
		case $class in
		dir) path=$TP_TMP/dir ere="is a directory" ;;
		file) path=$TP_TMP/file.txt ere="is a file, not a directory" ;;
		zero) path=/dev/zero ere="is a device or socket, not a file" ;;
		fifo) path=$TP_TMP/fifo ere="is a (named )?pipe" ;;
		missing) path=$TP_TMP/missing.pem ere="cannot read '$TP_TMP/missing\.pem': No such file" ;;
		big) path=$TP_TMP/big.pem ere="holds 5242880 bytes, more than" ;;
		*) tap_bail "usage_bad_paths: no class $class" ;;
		esac
		usage_error "$option names a $class" "UNKNOWN - (-./)?$option: .*${ere}" "$@" "$option" "$path"
		tap_like "$LINE1" "'$path'" "... the line names the path ($class)"
		tap_ok "... at once (took $SECONDS_TAKEN ms)" test "$SECONDS_TAKEN" -lt $((5000 + ${TP_TIME_SLACK_MS:-0}))
	done
}

# usage_bad_key_types: --key-types (issue 17) with a type USAGE_PLUGIN cannot
# ask for, none, one twice, an empty item, all beside another type: one
# line each, naming the option and the value.
usage_bad_key_types() {
	local prefix
	prefix=$(printf '%s' "${USAGE_PLUGIN#check_}" | tr '[:lower:]' '[:upper:]')
	usage_error "--key-types dsa: not a key type, the option and value named" \
	    "^$prefix UNKNOWN - --key-types: 'dsa' names a key type this check does not know; use rsa, ecdsa, rsa,ecdsa or all$" \
	    -H 127.0.0.1 -p 1 -P smtp --key-types dsa
	usage_error "--key-types '': empty" "--key-types: '' names no key type" -H 127.0.0.1 -p 1 -P smtp --key-types ''
	usage_error "--key-types rsa,rsa: a duplicate" "--key-types: 'rsa,rsa' names a key type twice" \
	    -H 127.0.0.1 -p 1 -P smtp --key-types rsa,rsa
	usage_error "--key-types rsa,: an empty item" "--key-types: 'rsa,' has an empty item" \
	    -H 127.0.0.1 -p 1 -P smtp --key-types rsa,
	usage_error "--key-types all,ecdsa: all stands alone" "--key-types: 'all,ecdsa' mixes all with other types" \
	    -H 127.0.0.1 -p 1 -P smtp --key-types all,ecdsa
}
