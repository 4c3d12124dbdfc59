# zabbix_server.sh - a private Zabbix 6.0 server for the tests: PostgreSQL
# 15 initialised in a temporary directory on a free 127.0.0.1 port, Zabbix's
# schema loaded, zabbix_server started from a private configuration, and
# the frontend's API (api_jsonrpc.php) served by `php -S` from a private
# copy of the frontend whose configuration points at them.  The system's
# PostgreSQL, Zabbix and web server are never touched; /etc is not read for
# any of it.
#
# Source it after fixture.sh.  It provides:
#   zbx_require        skip the whole test unless the packages are installed
#                      (zabbix-server-pgsql, zabbix-frontend-php, php-cli,
#                      php-pgsql, postgresql-15)
#   zbx_start          start all three; returns once the API answers
#   zbx_api METHOD PARAMS  call the API as Admin (PARAMS a JSON object);
#                      sets ZBX_REPLY to the whole JSON-RPC answer
#   zbx_version        the API's version (asked without logging in)
#   zbx_stop           stop them in order: zabbix_server (which writes its
#                      caches out first, longer than the fixture's 5 s),
#                      php, then PostgreSQL (fast shutdown); else the
#                      fixture's cleanup stops them at exit
# Exports, valid after zbx_start:
#   ZBX_DIR            the fixture's directory (logs: sock/pg.log,
#                      server/zabbix_server.log, php.log)
#   ZBX_PORT           zabbix_server's trapper port (for an active agent)
#   ZBX_API            the API's URL
# Starting takes some 30 s, most of it loading the schema.

ZBX_PGBIN=/usr/lib/postgresql/15/bin
ZBX_SQL=/usr/share/zabbix-server-pgsql
ZBX_WEB=/usr/share/zabbix

zbx_require() {
	local p
	for p in zabbix_server php psql "$ZBX_PGBIN/initdb" "$ZBX_PGBIN/pg_ctl" curl jq; do
		command -v "$p" >/dev/null 2>&1 || tap_skip_all "$p not installed (see contrib/setup-debian.sh)"
	done
	[ -r "$ZBX_SQL/schema.sql.gz" ] || tap_skip_all "zabbix-server-pgsql's schema not installed"
	[ -r "$ZBX_WEB/api_jsonrpc.php" ] || tap_skip_all "zabbix-frontend-php not installed"
	php -m 2>/dev/null | grep -qx pgsql || tap_skip_all "php-pgsql not installed"
	id postgres >/dev/null 2>&1 || tap_skip_all "no postgres user (postgresql-15)"
}

# zbx__port: a free 127.0.0.1 port below 32768 (zabbix_server's ListenPort
# takes no higher one).
zbx__port() {
	local p i
	for ((i = 0; i < 100; i++)); do
		p=$((20000 + RANDOM % 12000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	tap_bail "no free port below 32768"
}

zbx_start() {
	local pg_port web_port i
	fixture__tmp
	# PostgreSQL runs as postgres: a directory in /tmp it can enter.
	fixture_short_dir ZBX_DIR zbx
	chmod 755 "$ZBX_DIR"
	mkdir "$ZBX_DIR/pg" "$ZBX_DIR/sock" "$ZBX_DIR/server"
	chown postgres "$ZBX_DIR/pg" "$ZBX_DIR/sock"
	chown zabbix "$ZBX_DIR/server" 2>/dev/null || true
	pg_port=$(zbx__port)
	runuser -u postgres -- "$ZBX_PGBIN/initdb" -D "$ZBX_DIR/pg" -A trust -U zabbix \
	    --no-sync -E UTF8 --locale=C.UTF-8 >"$ZBX_DIR/initdb.log" 2>&1 ||
		tap_bail "initdb failed: $(tail -n 3 "$ZBX_DIR/initdb.log")"
	runuser -u postgres -- "$ZBX_PGBIN/pg_ctl" -D "$ZBX_DIR/pg" -l "$ZBX_DIR/sock/pg.log" -w \
	    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $ZBX_DIR/sock -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
	    start >/dev/null 2>&1 || tap_bail "PostgreSQL did not start: $(tail -n 3 "$ZBX_DIR/sock/pg.log")"
	FIXTURE_PIDFILES+=("$ZBX_DIR/pg/postmaster.pid")
	createdb -h 127.0.0.1 -p "$pg_port" -U zabbix zabbix || tap_bail "createdb failed"
	for i in schema images data; do
		zcat "$ZBX_SQL/$i.sql.gz" | psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" \
		    -U zabbix zabbix >"$ZBX_DIR/load.log" 2>&1 || tap_bail "loading $i.sql failed: $(tail -n 3 "$ZBX_DIR/load.log")"
	done
	ZBX_PORT=$(zbx__port)
	cat >"$ZBX_DIR/server/zabbix_server.conf" <<-CONF
	# private server configuration for the tests
	ListenIP=127.0.0.1
	ListenPort=$ZBX_PORT
	LogFile=$ZBX_DIR/server/zabbix_server.log
	PidFile=$ZBX_DIR/server/zabbix_server.pid
	SocketDir=$ZBX_DIR/server
	DBHost=127.0.0.1
	DBPort=$pg_port
	DBName=zabbix
	DBUser=zabbix
	StartPollers=2
	StartPollersUnreachable=1
	StartTrappers=2
	StartPingers=0
	StartDiscoverers=0
	StartHTTPPollers=0
	StartPreprocessors=2
	StartLLDProcessors=1
	StartAlerters=1
	StartEscalators=1
	StartDBSyncers=1
	CacheUpdateFrequency=5
	Timeout=15
	CONF
	zabbix_server -c "$ZBX_DIR/server/zabbix_server.conf" ||
		tap_bail "zabbix_server did not start"
	FIXTURE_PIDFILES+=("$ZBX_DIR/server/zabbix_server.pid")
	# The frontend, copied: Debian's reads its configuration from /etc
	# (CConfigFile::CONFIG_FILE_PATH), the copy from its own conf/.
	mkdir "$ZBX_DIR/web"
	cp -a "$ZBX_WEB/." "$ZBX_DIR/web/"
	sed -i "s|const CONFIG_FILE_PATH = '.*';|const CONFIG_FILE_PATH = '$ZBX_DIR/web/conf/zabbix.conf.php';|" \
	    "$ZBX_DIR/web/include/classes/core/CConfigFile.php"
	cat >"$ZBX_DIR/web/conf/zabbix.conf.php" <<-PHP
	<?php
	\$DB['TYPE'] = 'POSTGRESQL';
	\$DB['SERVER'] = '127.0.0.1';
	\$DB['PORT'] = '$pg_port';
	\$DB['DATABASE'] = 'zabbix';
	\$DB['USER'] = 'zabbix';
	\$DB['PASSWORD'] = '';
	\$DB['SCHEMA'] = '';
	\$DB['ENCRYPTION'] = false;
	\$DB['KEY_FILE'] = '';
	\$DB['CERT_FILE'] = '';
	\$DB['CA_FILE'] = '';
	\$DB['VERIFY_HOST'] = false;
	\$DB['CIPHER_LIST'] = '';
	\$DB['VAULT_URL'] = '';
	\$DB['VAULT_DB_PATH'] = '';
	\$DB['VAULT_TOKEN'] = '';
	\$DB['DOUBLE_IEEE754'] = true;
	\$ZBX_SERVER = '127.0.0.1';
	\$ZBX_SERVER_PORT = '$ZBX_PORT';
	\$ZBX_SERVER_NAME = 'tls-probe test';
	\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
	PHP
	web_port=$(zbx__port)
	(cd "$ZBX_DIR/web" && exec php -S "127.0.0.1:$web_port" -t "$ZBX_DIR/web" >"$ZBX_DIR/php.log" 2>&1) &
	echo $! >"$ZBX_DIR/php.pid"
	FIXTURE_PIDFILES+=("$ZBX_DIR/php.pid")
	ZBX_API=http://127.0.0.1:$web_port/api_jsonrpc.php
	export ZBX_DIR ZBX_PORT ZBX_API
	for ((i = 0; i < 100; i++)); do
		ZBX_REPLY=$(zbx__call apiinfo.version '{}' "" 2>/dev/null) &&
		    [ "$(printf '%s' "$ZBX_REPLY" | jq -r '.result // empty' 2>/dev/null)" != "" ] && break
		sleep 0.1
	done
	[ "$i" -lt 100 ] || tap_bail "the Zabbix API did not answer: $ZBX_REPLY $(tail -n 3 "$ZBX_DIR/php.log")"
	ZBX_AUTH=
	zbx_api user.login '{"username":"Admin","password":"zabbix"}'
	ZBX_AUTH=$(printf '%s' "$ZBX_REPLY" | jq -r '.result // empty')
	[ -n "$ZBX_AUTH" ] || tap_bail "cannot log in to the Zabbix API: $ZBX_REPLY"
}

# zbx__call METHOD PARAMS AUTH: one JSON-RPC request, the answer on stdout.
zbx__call() {
	jq -nc --arg m "$1" --argjson p "$2" --arg a "$3" \
	    '{jsonrpc: "2.0", method: $m, params: $p, id: 1} + (if $a == "" then {} else {auth: $a} end)' |
		curl -sS --max-time 20 -H 'Content-Type: application/json-rpc' --data-binary @- "$ZBX_API"
}

zbx_api() {
	ZBX_REPLY=$(zbx__call "$1" "$2" "${ZBX_AUTH:-}") || ZBX_REPLY=
}

zbx_version() {
	zbx__call apiinfo.version '{}' "" | jq -r '.result // empty'
}

zbx_stop() {
	local pid i
	for f in "$ZBX_DIR/server/zabbix_server.pid" "$ZBX_DIR/php.pid"; do
		pid=$(fixture__pids "$f")
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 300; i++)); do
			fixture__alive "$pid" || break
			sleep 0.1
		done
	done
	runuser -u postgres -- "$ZBX_PGBIN/pg_ctl" -D "$ZBX_DIR/pg" -m fast -w stop >/dev/null 2>&1 || true
}
