# mail_servers.sh - the mail servers beyond Postfix, Dovecot and HAProxy:
# Exim 4 (GnuTLS), nginx's mail proxy and Postfix's postscreen, each a
# private instance on 127.0.0.1 high ports, started and stopped by
# fixture.sh's machinery (retries, the EXIT trap, FIXTURE_PIDFILES).
#
# Source it after fixture.sh (and nginx.sh for the mail proxy).  It provides:
#   fixture_exim_missing       why Exim cannot run here ("" when it can)
#   fixture_start_exim         export EX_DIR EX_SMTP EX_SMTPS EX_NOTLS
#                              (SNI leafonly.example.test: the leaf alone)
#   fixture_nginx_mail_missing why nginx's mail proxy cannot run ("" if it can)
#   fixture_start_nginx_mail   nginx in front of the fixture's Postfix and
#                              Dovecot: export NM_SMTP NM_IMAP NM_POP3
#                              (starttls on), NM_SMTPS (implicit TLS),
#                              NM_SMTP_NOTLS NM_IMAP_NOTLS NM_POP3_NOTLS
#                              (starttls off), NM_LEAFONLY (SMTP, leaf alone),
#                              NM_LONGCAPS (SMTP, STARTTLS after 2 KB of
#                              capabilities)
#   fixture_start_postscreen   a second Postfix whose listeners are postscreen:
#                              export PS_DIR PS_SMTP PS_NOTLS PS_DENY PS_DEEP
#                              (PS_DENY denylists 127.0.0.1: 521 and close;
#                              PS_DEEP runs the after-220 tests itself)
# Environment: TP_EXIM_ROOT, where Debian's exim4-daemon-light is unpacked
# (default: .cache/exim in the source tree or a directory above it, where
# contrib/setup-debian.sh puts it; make distcheck's tree is two levels down).

# ---- Exim ----------------------------------------------------------------
# Exim and Postfix conflict as Debian packages, so the fixture runs the
# binary unpacked from the package, with its own configuration file.  The
# binary insists on its compiled-in user Debian-exim: when the system has
# none, Exim runs in a private mount namespace whose /etc/passwd and
# /etc/group are copies with that user added (mail's uid and gid), so
# nothing on the host changes.  Started by root with -C, Exim drops to that
# user: the key is copied for it, and its spool (with the daemon's notifier
# socket) is a short directory under /tmp.

# fixture__exim_bin: the unpacked exim4 binary, or nothing.
fixture__exim_bin() {
	local dir
	for dir in ${TP_EXIM_ROOT:-} "${top_srcdir:-$top_builddir}/.cache/exim" \
	    "${top_srcdir:-$top_builddir}/../.cache/exim" \
	    "${top_srcdir:-$top_builddir}/../../.cache/exim"; do
		[ -x "$dir/usr/sbin/exim4" ] && { echo "$dir/usr/sbin/exim4"; return 0; }
	done
	command -v exim4 2>/dev/null
}

fixture_exim_missing() {
	local bin
	[ "$(id -u)" -eq 0 ] || { echo "the Exim fixture needs root"; return; }
	bin=$(fixture__exim_bin)
	if [ -z "$bin" ]; then
		echo "Exim is not unpacked: run contrib/setup-debian.sh (it puts exim4-daemon-light in .cache/exim) or set TP_EXIM_ROOT"
	elif ldd "$bin" 2>/dev/null | grep -q 'not found'; then
		echo "$bin lacks libraries ($(ldd "$bin" | sed -n 's/ =>.*not found//p' | tr -d '\t' | tr '\n' ' ')): run contrib/setup-debian.sh"
	elif ! getent passwd Debian-exim >/dev/null && ! unshare -m true 2>/dev/null; then
		echo "no Debian-exim user, and unshare -m is not permitted here to lend one to Exim"
	fi
}

fixture_start_exim() {
	fixture_pki
	fixture__tmp
	EX_BIN=$(fixture__exim_bin)
	EX_DIR=$TP_TMP/exim
	EX_SPOOL=$(mktemp -d "/tmp/tp-exim.XXXXXX") || tap_bail "cannot create an Exim spool directory"
	FIXTURE_SHORT_DIRS+=("$EX_SPOOL")
	chmod 755 "$EX_SPOOL"
	export EX_BIN EX_DIR EX_SPOOL
	fixture__start exim "$EX_SPOOL/exim.pid" "$EX_DIR/start.log" "$EX_SPOOL/log/mainlog" \
		"$EX_SPOOL/log/paniclog"
}

fixture__exim_try() {
	local p user
	rm -rf "$EX_DIR" "${EX_SPOOL:?}"/*
	mkdir -p "$EX_DIR/tls" "$EX_SPOOL/log"
	p=($(fixture__freeports 3))
	export EX_SMTP=${p[0]} EX_SMTPS=${p[1]} EX_NOTLS=${p[2]}
	user=$(getent passwd Debian-exim || getent passwd mail)
	IFS=: read -r _ _ EX_UID EX_GID _ <<<"$user"
	cp "$PKI/mail.key" "$PKI/mail.crt" "$PKI/mail.fullchain.crt" "$EX_DIR/tls/"
	chown -R "$EX_UID:$EX_GID" "$EX_DIR/tls" "$EX_SPOOL"
	fixture__exim_conf >"$EX_DIR/exim.conf"
	if getent passwd Debian-exim >/dev/null; then
		"$EX_BIN" -C "$EX_DIR/exim.conf" -bd >"$EX_DIR/start.log" 2>&1 || return 1
	else
		cp /etc/passwd "$EX_DIR/passwd" && cp /etc/group "$EX_DIR/group" &&
			echo "Debian-exim:x:$EX_UID:$EX_GID:tls-probe fixture:/nonexistent:/usr/sbin/nologin" \
				>>"$EX_DIR/passwd" &&
			echo "Debian-exim:x:$EX_GID:" >>"$EX_DIR/group" || return 1
		# The daemon keeps the namespace (and its view of the files) alive.
		unshare -m sh -c 'mount --bind "$1/passwd" /etc/passwd &&
			mount --bind "$1/group" /etc/group && shift && exec "$@"' sh \
			"$EX_DIR" "$EX_BIN" -C "$EX_DIR/exim.conf" -bd \
			>"$EX_DIR/start.log" 2>&1 || return 1
	fi
	fixture__wait_ports exim "127.0.0.1:$EX_SMTP" "127.0.0.1:$EX_SMTPS" \
		"127.0.0.1:$EX_NOTLS"
}

# STARTTLS on EX_SMTP, implicit TLS on EX_SMTPS, no STARTTLS on EX_NOTLS.
# smtp_enforce_sync is Exim's default; PIPECONNECT (which lets chosen
# clients talk before the greeting) is not offered, so a client that does
# not wait for each reply gets "554 SMTP synchronization error".  Exim
# looks for early talk once, before its banner: a real one looks up the
# client's name first, this one pauses a second in the connect ACL, so that
# what a client sends at once is always early (else it races the banner).
fixture__exim_conf() {
	local t=$EX_DIR/tls
	cat <<-EOF
	# tls-probe test fixture: private Exim instance, loopback only
	primary_hostname = mail.example.test
	spool_directory = $EX_SPOOL
	log_file_path = $EX_SPOOL/log/%slog
	pid_file_path = $EX_SPOOL/exim.pid
	keep_environment =
	exim_user = Debian-exim
	exim_group = Debian-exim
	local_interfaces = 127.0.0.1
	daemon_smtp_ports = $EX_SMTP : $EX_SMTPS : $EX_NOTLS
	tls_on_connect_ports = $EX_SMTPS
	smtp_enforce_sync = true
	pipelining_connect_advertise_hosts =
	tls_advertise_hosts = \${if ={\$received_port}{$EX_NOTLS}{}{*}}
	tls_certificate = \${if eq{\$tls_in_sni}{leafonly.example.test}{$t/mail.crt}{$t/mail.fullchain.crt}}
	tls_privatekey = $t/mail.key
	acl_smtp_connect = greet_pause
	acl_smtp_rcpt = refuse_all
	begin acl
	greet_pause:
	  accept delay = 1s
	refuse_all:
	  deny message = the tls-probe fixture delivers no mail
	EOF
}

# ---- nginx's mail proxy --------------------------------------------------
# nginx answers EHLO, CAPABILITY and CAPA itself and asks an auth_http
# server for the backend only at login: that server is the same nginx
# (NG_PORT[0]), naming the fixture's Postfix (SMTP) or Dovecot (IMAP, POP3).

NGINX_MAIL_MODULE=/usr/lib/nginx/modules/ngx_mail_module.so

fixture_nginx_mail_missing() {
	[ "$(id -u)" -eq 0 ] || { echo "the nginx fixture needs root"; return; }
	command -v nginx >/dev/null 2>&1 || { echo "nginx is not installed"; return; }
	[ -f "$NGINX_MAIL_MODULE" ] ||
		echo "nginx's mail module is not installed (libnginx-mod-mail)"
}

fixture_start_nginx_mail() {
	[ -n "${PF_SMTP:-}" ] && [ -n "${DV_IMAP:-}" ] ||
		tap_bail "fixture_start_nginx_mail needs Postfix and Dovecot"
	NG_MODULES=$NGINX_MAIL_MODULE
	fixture_start_nginx 10 fixture__nginx_mail_auth fixture__nginx_mail
	export NM_SMTP=${NG_PORT[1]} NM_IMAP=${NG_PORT[2]} NM_POP3=${NG_PORT[3]}
	export NM_SMTPS=${NG_PORT[4]} NM_SMTP_NOTLS=${NG_PORT[5]}
	export NM_IMAP_NOTLS=${NG_PORT[6]} NM_POP3_NOTLS=${NG_PORT[7]}
	export NM_LEAFONLY=${NG_PORT[8]} NM_LONGCAPS=${NG_PORT[9]}
}

# The auth_http answer: the backend by protocol, as the headers nginx reads.
fixture__nginx_mail_auth() {
	cat <<-EOF
	server {
	  listen 127.0.0.1:${NG_PORT[0]};
	  location = /auth {
	    set \$backend $PF_SMTP;
	    if (\$http_auth_protocol = imap) { set \$backend $DV_IMAP; }
	    if (\$http_auth_protocol = pop3) { set \$backend $DV_POP3; }
	    add_header Auth-Status OK;
	    add_header Auth-Server 127.0.0.1;
	    add_header Auth-Port \$backend;
	    return 204;
	  }
	}
	EOF
}

fixture__nginx_mail() {
	local l=127.0.0.1
	cat <<-EOF
	server_name mail.example.test;
	auth_http 127.0.0.1:${NG_PORT[0]}/auth;
	ssl_certificate $PKI/mail.fullchain.crt;
	ssl_certificate_key $PKI/mail.key;
	smtp_auth none;
	smtp_capabilities "SIZE 10485760" ENHANCEDSTATUSCODES 8BITMIME DSN;
	server { listen $l:${NG_PORT[1]}; protocol smtp; starttls on; }
	server { listen $l:${NG_PORT[2]}; protocol imap; starttls on; }
	server { listen $l:${NG_PORT[3]}; protocol pop3; starttls on; }
	server { listen $l:${NG_PORT[4]} ssl; protocol smtp; }
	server { listen $l:${NG_PORT[5]}; protocol smtp; starttls off; }
	server { listen $l:${NG_PORT[6]}; protocol imap; starttls off; }
	server { listen $l:${NG_PORT[7]}; protocol pop3; starttls off; }
	server {
	  listen $l:${NG_PORT[8]};
	  protocol smtp;
	  starttls on;
	  ssl_certificate $PKI/mail.crt;
	}
	server {
	  listen $l:${NG_PORT[9]};
	  protocol smtp;
	  starttls on;
	  smtp_capabilities $(fixture__nginx_mail_longcaps);
	}
	EOF
}

# More than 2 KB of EHLO capabilities, STARTTLS (nginx's last line) after
# them: 26 long extensions, then 50 short ones.
fixture__nginx_mail_longcaps() {
	local i x=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
	for ((i = 10; i < 36; i++)); do
		printf '"X-TLS-PROBE-FILLER-%d %s" ' "$i" "$x"
	done
	for ((i = 10; i < 60; i++)); do
		printf 'Y%d ' "$i"
	done
}

# ---- Postfix postscreen --------------------------------------------------
# A second Postfix instance (its own queue and config directories) whose
# listeners are postscreen, handing clients that pass to smtpd.  The
# pre-greet test is on: postscreen sends "220-" and the client must wait
# postscreen_greet_wait (1 s, 4 s under valgrind) for smtpd's "220 " line; a client that talks
# first is dropped with "521 5.5.1 Protocol error".  Every connection is
# tested again (no cached pass), so each check meets the multi-line greeting.
#   PS_SMTP   pre-greet test, then smtpd with STARTTLS (SNI map as PF_SMTP)
#   PS_NOTLS  the same, then an smtpd without TLS
#   PS_DENY   127.0.0.1 denylisted: "521 5.3.2" and the connection closed
#   PS_DEEP   the after-220 tests on (pipelining, non-SMTP command, bare
#             newline; drop): postscreen's own SMTP engine answers EHLO and
#             STARTTLS (through tlsproxy), as on a client's first visit

fixture_start_postscreen() {
	fixture_pki
	fixture__tmp
	# Under valgrind a check may take over a second from connect() to its
	# PROXY header: the pre-greet window must be wider than that.
	PS_GREET_WAIT=1s
	[ -n "${TP_WRAPPER:-}" ] && PS_GREET_WAIT=4s
	PS_DIR=$TP_TMP/postscreen
	PS_QUEUE=$(mktemp -d "/tmp/tp-postscreen.XXXXXX") || tap_bail "cannot create a Postfix queue directory"
	FIXTURE_SHORT_DIRS+=("$PS_QUEUE")
	chmod 755 "$PS_QUEUE"
	export PS_DIR PS_QUEUE
	fixture__start postscreen "$PS_QUEUE/pid/master.pid" \
		"$PS_DIR/start.log" "$PS_DIR/maillog"
}

fixture__postscreen_try() {
	local p data=$TP_TMP/postscreen-data
	rm -rf "$PS_DIR" "${PS_QUEUE:?}"/* "$data"
	mkdir -p "$PS_DIR" "$PS_QUEUE/pid" "$data"
	chown postfix "$data"
	chmod 700 "$data"
	p=($(fixture__freeports 4))
	export PS_SMTP=${p[0]} PS_NOTLS=${p[1]} PS_DENY=${p[2]} PS_DEEP=${p[3]}
	fixture__postscreen_main "$data" >"$PS_DIR/main.cf"
	fixture__postscreen_master >"$PS_DIR/master.cf"
	fixture__postfix_sni >"$PS_DIR/sni"
	echo "127.0.0.1/32 reject" >"$PS_DIR/deny.cidr"
	touch -d '-2 seconds' "$PS_DIR/main.cf" "$PS_DIR/master.cf"
	postmap -F -c "$PS_DIR" "hash:$PS_DIR/sni" >"$PS_DIR/start.log" 2>&1 &&
		postfix -c "$PS_DIR" start >>"$PS_DIR/start.log" 2>&1 &&
		fixture__wait_ports postscreen "127.0.0.1:$PS_SMTP" \
		"127.0.0.1:$PS_NOTLS" "127.0.0.1:$PS_DENY" "127.0.0.1:$PS_DEEP"
}

fixture__postscreen_main() {
	cat <<-EOF
	# tls-probe test fixture: private Postfix with postscreen, loopback only
	compatibility_level = 3.6
	queue_directory = $PS_QUEUE
	data_directory = $1
	maillog_file = $PS_DIR/maillog
	maillog_file_prefixes = $PS_DIR
	syslog_name = postscreen-tp$$
	import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C
	    POSTLOG_SERVICE POSTLOG_HOSTNAME OPENSSL_CONF=$TP_TMP/openssl.cnf
	inet_interfaces = 127.0.0.1
	inet_protocols = ipv4
	myhostname = mail.example.test
	mydomain = example.test
	mydestination =
	mynetworks = 127.0.0.0/8
	alias_maps =
	alias_database =
	biff = no
	default_transport = discard:tls-probe fixture
	relay_transport = discard:tls-probe fixture
	smtpd_tls_chain_files = $PKI/mail.key, $PKI/mail.fullchain.crt
	smtpd_tls_security_level = may
	tls_server_sni_maps = hash:$PS_DIR/sni
	# postscreen tests loopback clients too (its default permits mynetworks)
	postscreen_access_list =
	postscreen_greet_banner = tls-probe fixture postscreen: wait for the greeting
	postscreen_greet_wait = $PS_GREET_WAIT
	postscreen_greet_action = drop
	postscreen_cache_map =
	postscreen_denylist_action = drop
	EOF
}

fixture__postscreen_master() {
	local ps="inet n - n - 1 postscreen"
	cat <<-EOF
	# tls-probe test fixture: postscreen listeners in front of smtpd
	127.0.0.1:$PS_SMTP $ps
	127.0.0.1:$PS_NOTLS $ps
	  -o smtpd_service_name=smtpd-notls
	127.0.0.1:$PS_DENY $ps
	  -o postscreen_access_list=cidr:$PS_DIR/deny.cidr
	127.0.0.1:$PS_DEEP $ps -o postscreen_pipelining_enable=yes
	  -o postscreen_non_smtp_command_enable=yes -o postscreen_bare_newline_enable=yes
	  -o postscreen_pipelining_action=drop -o postscreen_non_smtp_command_action=drop
	  -o postscreen_bare_newline_action=drop
	tlsproxy   unix  - - n - 0 tlsproxy
	smtpd      pass  - - n - - smtpd
	smtpd-notls pass - - n - - smtpd -o smtpd_tls_security_level=none
	EOF
	# the unix services of the main instance
	fixture__postfix_master | sed -n '/^pickup /,$p'
}
