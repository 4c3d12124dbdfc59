# nginx.sh - a private nginx on 127.0.0.1 high ports for the HTTP tests,
# started and stopped by fixture.sh's machinery (retries, the EXIT trap,
# FIXTURE_PIDFILES).  The system's nginx, if any, is left alone: this one
# has its own prefix, config, pid file and logs under the test's TP_TMP.
#
# Source it after fixture.sh.  It provides:
#   fixture_require_nginx      skip the whole test unless root + nginx exist
#   fixture_start_nginx N FN [MAIL_FN]
#                              N free ports in NG_PORT[0..N-1]; FN prints the
#                              server blocks (it may read NG_PORT and NG_DIR),
#                              MAIL_FN the inside of a mail block (the module
#                              named in NG_MODULES is loaded); exports NG_DIR
#                              (logs in $NG_DIR/*.log)

fixture_require_nginx() {
	[ "$(id -u)" -eq 0 ] || tap_skip_all "the nginx fixture needs root"
	local cmd
	for cmd in nginx openssl flock timeout; do
		command -v "$cmd" >/dev/null 2>&1 || tap_skip_all "$cmd not installed"
	done
}

fixture_start_nginx() {
	NG_COUNT=$1 NG_SERVERS=$2 NG_MAIL=${3:-}
	fixture_pki
	fixture__tmp
	NG_DIR=$TP_TMP/nginx
	export NG_DIR
	fixture__start nginx "$NG_DIR/nginx.pid" "$NG_DIR/start.log" "$NG_DIR/error.log"
}

fixture__nginx_try() {
	rm -rf "$NG_DIR"
	mkdir -p "$NG_DIR/tmp"
	NG_PORT=($(fixture__freeports "$NG_COUNT"))
	fixture__nginx_conf >"$NG_DIR/nginx.conf"
	# -e: the error log before the config is read (else /var/log/nginx).
	nginx -e "$NG_DIR/error.log" -p "$NG_DIR" -c "$NG_DIR/nginx.conf" \
		>"$NG_DIR/start.log" 2>&1 || return 1
	fixture__wait_ports nginx "${NG_PORT[@]/#/127.0.0.1:}"
}

fixture__nginx_conf() {
	local t=$NG_DIR/tmp
	cat <<-EOF
	# tls-probe test fixture: private nginx, loopback only
	EOF
	[ -n "${NG_MODULES:-}" ] && printf 'load_module %s;\n' $NG_MODULES
	cat <<-EOF
	daemon on;
	worker_processes 1;
	user root root;
	pid $NG_DIR/nginx.pid;
	error_log $NG_DIR/error.log warn;
	events { worker_connections 64; }
	http {
	  access_log $NG_DIR/access.log;
	  client_body_temp_path $t/body;
	  proxy_temp_path $t/proxy;
	  fastcgi_temp_path $t/fastcgi;
	  uwsgi_temp_path $t/uwsgi;
	  scgi_temp_path $t/scgi;
	  default_type text/plain;
	  server_tokens off;
	EOF
	"$NG_SERVERS" | sed 's/^/  /'
	echo "}"
	if [ -n "$NG_MAIL" ]; then
		echo "mail {"
		"$NG_MAIL" | sed 's/^/  /'
		echo "}"
	fi
}
