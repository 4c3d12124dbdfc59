# nagios.t - contrib/nagios: the command definitions, loaded by a private
# Nagios 4 (its own config, status, log and command file in a short /tmp
# directory: Nagios cannot use long paths; run as root) that checks the fixture's Postfix and Dovecot for real; the
# results Nagios records must be the plugins' own.
. "$top_srcdir/t/lib/fixture.sh"
command -v nagios4 >/dev/null 2>&1 || tap_skip_all "nagios4 not installed (nagios4-core)"
fixture_require
fixture_pki
fixture_start_postfix
fixture_start_dovecot

C=$top_srcdir/contrib/nagios
fixture_short_dir N nagios
mkdir -p "$N/checkresults"
A="-r $PKI/root.crt --sni mail.example.test"

# --- a minimal Nagios 4 configuration ------------------------------------------
# shellcheck disable=SC2016
printf '$USER1$=%s/plugins\n' "$top_builddir" >"$N/resource.cfg"

common_objects() {
	cat <<-CFG
	define timeperiod {
		timeperiod_name	always
		alias		always
		monday		00:00-24:00
		tuesday		00:00-24:00
		wednesday	00:00-24:00
		thursday	00:00-24:00
		friday		00:00-24:00
		saturday	00:00-24:00
		sunday		00:00-24:00
	}
	define command {
		command_name	tp-notify-none
		command_line	/bin/true
	}
	define contact {
		contact_name			nobody
		host_notifications_enabled	0
		service_notifications_enabled	0
		host_notification_period	always
		service_notification_period	always
		host_notification_options	n
		service_notification_options	n
		host_notification_commands	tp-notify-none
		service_notification_commands	tp-notify-none
	}
	define host {
		name			tp-host
		register		0
		max_check_attempts	1
		check_period		always
		notification_period	always
		contacts		nobody
	}
	define service {
		name			tp-service
		register		0
		max_check_attempts	1
		check_interval		3600
		retry_interval		3600
		notification_interval	0
		check_period		always
		notification_period	always
		contacts		nobody
	}
	CFG
}

# service DESCRIPTION HOST CHECK_COMMAND
service() {
	cat <<-CFG
	define service {
		use			tp-service
		host_name		$2
		service_description	$1
		check_command		$3
	}
	CFG
}

{
	common_objects
	cat <<-CFG
	define host {
		use		tp-host
		host_name	127.0.0.1
		address		127.0.0.1
	}
	define host {
		use		tp-host
		host_name	mail.example.test
		address		127.0.0.1
	}
	CFG
	service submission 127.0.0.1 "check_mail_tls!$PF_SUBMISSION!submission!$A"
	service notls 127.0.0.1 "check_mail_tls!$PF_NOTLS!submission!$A"
	service imaps 127.0.0.1 "check_mail_tls!$DV_IMAPS!imaps!$A -w 30 -c 14"
	service chain 127.0.0.1 "check_cert_chain!$PF_SUBMISSION/submission,$DV_IMAPS/imaps!$A"
	service sni_map 127.0.0.1 "check_sni_map!$PF_DIR/sni!-r $PKI/root.crt"
	service by_name mail.example.test "check_mail_tls_name!$PF_SUBMISSION!submission!-r $PKI/root.crt"
} >"$N/objects.cfg"
SERVICES="127.0.0.1;submission 127.0.0.1;notls 127.0.0.1;imaps 127.0.0.1;chain
	127.0.0.1;sni_map mail.example.test;by_name"

# main_cfg OBJECT_FILE...: nagios.cfg with everything under $N.
main_cfg() {
	local f
	cat <<-CFG
	log_file=$N/nagios.log
	resource_file=$N/resource.cfg
	status_file=$N/status.dat
	status_update_interval=1
	object_cache_file=$N/objects.cache
	precached_object_file=$N/objects.precache
	temp_file=$N/nagios.tmp
	temp_path=$N
	lock_file=$N/nagios.lock
	command_file=$N/nagios.cmd
	query_socket=$N/nagios.qh
	check_result_path=$N/checkresults
	state_retention_file=$N/retention.dat
	retain_state_information=0
	nagios_user=root
	nagios_group=root
	check_external_commands=1
	interval_length=1
	service_inter_check_delay_method=n
	host_inter_check_delay_method=n
	max_service_check_spread=1
	max_host_check_spread=1
	check_result_reaper_frequency=1
	service_check_timeout=20
	enable_notifications=0
	enable_flap_detection=0
	use_syslog=0
	illegal_macro_output_chars=\`~\$&|'"<>
	CFG
	for f in "$@"; do
		printf 'cfg_file=%s\n' "$f"
	done
}
main_cfg "$C/tls-probe.cfg" "$N/objects.cfg" >"$N/nagios.cfg"

# --- the configuration checks -----------------------------------------------
OUT=$(nagios4 -v "$N/nagios.cfg" 2>&1) && rc=0 || rc=$?
tap_is "$rc" 0 "nagios4 -v accepts tls-probe.cfg with the test services" || tap_diag "$OUT"
tap_like "$OUT" '^Total Errors: +0$' "... with no errors"
tap_like "$OUT" '^Total Warnings: +0$' "... and no warnings"

# example-services.cfg against stand-ins for Nagios's sample templates.
{
	common_objects
	cat <<-CFG
	define host {
		name		generic-host
		use		tp-host
		register	0
	}
	define service {
		name		generic-service
		use		tp-service
		register	0
	}
	define command {
		command_name	check-host-alive
		command_line	/bin/true
	}
	CFG
} >"$N/stand-ins.cfg"
main_cfg "$C/tls-probe.cfg" "$C/example-services.cfg" "$N/stand-ins.cfg" >"$N/example.cfg"
OUT=$(nagios4 -v "$N/example.cfg" 2>&1) && rc=0 || rc=$?
tap_is "$rc" 0 "nagios4 -v accepts example-services.cfg" || tap_diag "$OUT"
tap_like "$OUT" 'Checked 4 services' "... with its 4 services"
# Every check_command of the examples names a command of tls-probe.cfg.
bad=
for c in $(sed -n 's/^[[:space:]]*check_command[[:space:]]*\([^!]*\).*/\1/p' "$C/example-services.cfg" | sort -u); do
	[ "$c" = check-host-alive ] && continue
	grep -Eq "^[[:space:]]*command_name[[:space:]]+$c\$" "$C/tls-probe.cfg" || bad="$bad $c"
done
tap_is "$bad" "" "example-services.cfg uses only commands of tls-probe.cfg"

# --- Nagios for real ---------------------------------------------------------
# The lock file holds the daemon's pid: the fixture stops it on exit.
FIXTURE_PIDFILES+=("$N/nagios.lock")
OUT=$(nagios4 -d "$N/nagios.cfg" 2>&1) && rc=0 || rc=$?
tap_is "$rc" 0 "nagios4 -d starts" || tap_diag "$OUT"

# status FIELD HOST;SERVICE: FIELD of that servicestatus block in status.dat.
status() {
	awk -v want="$2" -v field="$1" '
	/^servicestatus \{/ { inb = 1; h = s = ""; delete v; next }
	inb && /^\t}/ { if (h ";" s == want) { print v[field]; exit } inb = 0; next }
	inb {
		line = $0; sub(/^\t/, "", line)
		k = line; sub(/=.*/, "", k); val = line; sub(/^[^=]*=/, "", val)
		v[k] = val
		if (k == "host_name") h = val
		if (k == "service_description") s = val
	}' "$N/status.dat" 2>/dev/null
}

# Force a check of every service at once (they are scheduled at start-up
# too; this is the documented way to ask for one and must work as well).
forced=0
deadline=$(( $(date +%s) + 20 ))
while :; do
	if [ "$forced" = 0 ] && [ -p "$N/nagios.cmd" ]; then
		now=$(date +%s)
		for s in $SERVICES; do
			printf '[%s] SCHEDULE_FORCED_SVC_CHECK;%s;%s\n' "$now" "$s" "$now"
		done | timeout 5 tee "$N/nagios.cmd" >/dev/null && forced=1
	fi
	pending=0
	for s in $SERVICES; do
		[ "$(status has_been_checked "$s")" = 1 ] || pending=$((pending + 1))
	done
	[ "$pending" = 0 ] && break
	[ "$(date +%s)" -ge "$deadline" ] && break
	sleep 0.3
done
tap_is "$pending" 0 "Nagios checked all $(echo "$SERVICES" | wc -w) services within 20 s" ||
    tap_diag "$(cat "$N/nagios.log" 2>/dev/null)"
tap_is "$forced" 1 "SCHEDULE_FORCED_SVC_CHECK written to Nagios's command file"

# The same checks run directly, for comparison.
summary() {
	local out
	out=$("$top_builddir/plugins/$1" "${@:2}" --output json 2>/dev/null) || true
	printf '%s' "$out" | sed -n 's/.*"summary":"\(\([^"\\]\|\\.\)*\)".*/\1/p' | sed 's/\\"/"/g; s/\\\\/\\/g'
}

# check_state HOST;SERVICE STATE_CODE PREFIX NAME
check_state() {
	local out
	out=$(status plugin_output "$1")
	tap_is "$(status current_state "$1")" "$2" "$4: Nagios state $2" ||
	    tap_diag "plugin_output: $out"
	tap_like "$out" "^$3" "$4: plugin_output is the plugin's line one"
}

s="127.0.0.1;submission"
check_state "$s" 0 "MAIL_TLS OK -" "submission"
# shellcheck disable=SC2086
want=$(summary check_mail_tls -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission $A)
tap_is "$(status plugin_output "$s")" "MAIL_TLS OK - $want" "submission: plugin_output = state + the plugin's JSON summary"
tap_like "$(status performance_data "$s")" '^days_left=[0-9]+;30:;12: time_left=[0-9]+s;2592000:;1036800: lifetime=10368000s;;;0 days_left_chain=' "submission: performance_data starts with days_left="
tap_like "$(status long_plugin_output "$s")" '^\[OK\] chain verifies' "submission: the result lines are the long output"

s="127.0.0.1;notls"
check_state "$s" 2 "MAIL_TLS CRITICAL - 127\.0\.0\.1:$PF_NOTLS \(submission\): the server does not offer STARTTLS" "no STARTTLS"
tap_is "$(status state_type "$s")" 1 "no STARTTLS: a HARD state (max_check_attempts 1)"
tap_like "$(cat "$N/nagios.log")" "SERVICE ALERT: 127\.0\.0\.1;notls;CRITICAL;HARD;1;MAIL_TLS CRITICAL - .*does not offer STARTTLS" \
    "no STARTTLS: the log has the SERVICE ALERT"

check_state "127.0.0.1;imaps" 0 "MAIL_TLS OK - 127\.0\.0\.1:$DV_IMAPS \(imaps\) TLSv1\.[23]" "imaps"
tap_like "$(status performance_data "127.0.0.1;imaps")" '^days_left=[0-9]+;30:;14:' "imaps: days_left in the perfdata"
check_state "127.0.0.1;chain" 0 "CERT_CHAIN OK - 127\.0\.0\.1: 2 endpoints serve the same complete chain" "cert_chain --ports"
tap_like "$(status performance_data "127.0.0.1;chain")" "days_left_min=[0-9]+" "cert_chain --ports: days_left_min in the perfdata"
check_state "127.0.0.1;sni_map" 2 "SNI_MAP CRITICAL - [0-9]+ of [0-9]+ names wrong" "sni_map (the fixture's map has broken entries)"
check_state "mail.example.test;by_name" 0 "MAIL_TLS OK - .*cert mail\.example\.test" "check_mail_tls_name: --sni \$HOSTNAME\$"

tap_diag "status.dat:" "$(for s in $SERVICES; do
	printf '%s: current_state=%s\n  plugin_output=%s\n  performance_data=%s\n' "$s" \
	    "$(status current_state "$s")" "$(status plugin_output "$s")" "$(status performance_data "$s")"
done)" "nagios.log:" "$(grep -E 'SERVICE ALERT' "$N/nagios.log")"

tap_done
