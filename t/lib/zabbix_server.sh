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
#   zbx_start_agent CONF  a private zabbix_agentd on a free port, CONF its
#                      extra configuration lines (UserParameters, Include)
#   zbx_api METHOD PARAMS  call the API as Admin (PARAMS a JSON object);
#                      sets ZBX_REPLY to the whole JSON-RPC answer.  An API
#                      that does not answer within ZBX_API_TIMEOUT seconds
#                      (default 60) bails out, naming the call
#   zbx_version        the API's version (asked without logging in)
#   zbx_stop           stop them in order: the agent, zabbix_server (which
#                      writes its caches out first, longer than the
#                      fixture's 5 s), php, then PostgreSQL (fast
#                      shutdown); what is left of their sessions then is
#                      named in ZBX_LEFT ('PID NAME' lines), and killed
#   zbx_leftovers      the processes still running in those sessions
# Every daemon runs in its own session (zabbix_server's HA manager, pollers
# and the rest, php -S's workers, PostgreSQL's backends), recorded at start:
# stopping sweeps the sessions, also at exit after a bail-out.
# Exports, valid after zbx_start:
#   ZBX_DIR            the fixture's directory (logs: sock/pg.log,
#                      server/zabbix_server.log, php.log, agent/)
#   ZBX_PORT           zabbix_server's trapper port (for an active agent)
#   ZBX_API            the API's URL
#   ZBX_AGENT_PORT     the agent's port, after zbx_start_agent
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

# ZBX_LOADER: php -r's program sending SQL from stdin to the database named
# by its argument, cut before every 2,000th line beginning with 'INSERT INTO'
# (where Zabbix's dumps begin a statement), each part one query.
ZBX_LOADER='
$db = pg_connect($argv[1]) or exit(1);
$part = ""; $n = 0;
$send = function ($sql) use ($db) {
	if ($sql !== "" && !@pg_query($db, $sql)) {
		fwrite(STDERR, pg_last_error($db) . "\n");
		exit(1);
	}
};
while (($line = fgets(STDIN)) !== false) {
	if (strncmp($line, "INSERT INTO ", 12) == 0 && ++$n % 2000 == 0) {
		$send($part);
		$part = "";
	}
	$part .= $line;
}
$send($part);
'

ZBX_SESSIONS=()	# the session ids of the daemons started
ZBX_PIDFILES=()	# their pid files, in the order zbx_stop stops them

# zbx__sid PID: the session PID runs in.
zbx__sid() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	set -- $stat
	echo "$4"
}

# zbx__track WHAT PIDFILE: wait (10 s at most) for a daemon's pid file,
# then remember it and its session, to stop and sweep them.
zbx__track() {
	local pid sid i
	for ((i = 0; i < 100; i++)); do
		pid=$(fixture__pids "$2")
		[ -n "$pid" ] && break
		sleep 0.1
	done
	[ -n "$pid" ] || fixture__bail_log "$1 did not start (no live pid in $2)" "${@:3}"
	FIXTURE_PIDFILES+=("$2")
	ZBX_PIDFILES=("$2" "${ZBX_PIDFILES[@]}")
	sid=$(zbx__sid "$pid")
	if [ "$sid" = "$(zbx__sid "$BASHPID")" ]; then
		tap_diag "$1 (pid $pid) runs in the test's own session: its children are not swept"
		return 0
	fi
	ZBX_SESSIONS+=("$sid")
}

# zbx_leftovers: the live processes of the daemons' sessions, 'PID NAME'.
# Builtins only: a process per /proc entry took seconds a call under load.
zbx_leftovers() {
	local f stat s pid cmd
	local -a fields
	[ "${#ZBX_SESSIONS[@]}" -gt 0 ] || return 0
	for f in /proc/[0-9]*/stat; do
		read -r stat 2>/dev/null <"$f" || continue
		read -ra fields <<<"${stat##*) }"
		[ "${fields[0]}" != Z ] || continue
		for s in "${ZBX_SESSIONS[@]}"; do
			[ "${fields[3]}" = "$s" ] || continue
			pid=${stat%% *}
			cmd=${stat#*(}
			echo "$pid ${cmd%%) *}"
		done
	done
	return 0
}

# zbx__sweep: TERM, then after 5 s KILL, what is left of the sessions (at
# exit: a bail-out or a failed test leaves no server behind).  Keeps $?.
zbx__sweep() {
	local rc=$? pids i
	[ "$BASHPID" = "$FIXTURE_MAIN_PID" ] || return "$rc"
	pids=$(zbx_leftovers | cut -d' ' -f1)
	[ -n "$pids" ] || return "$rc"
	kill -TERM $pids 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		fixture__any_alive $pids || return "$rc"
		sleep 0.1
	done
	kill -KILL $pids 2>/dev/null
	return "$rc"
}

zbx_start() {
	local pg_port web_port i t0
	ZBX_LOAD_TIMES=
	fixture__tmp
	trap 'zbx__sweep; fixture__cleanup' EXIT
	# PostgreSQL runs as postgres: a directory in /tmp it can enter.
	fixture_short_dir ZBX_DIR zbx
	chmod 755 "$ZBX_DIR"
	mkdir "$ZBX_DIR/pg" "$ZBX_DIR/sock" "$ZBX_DIR/server"
	chown postgres "$ZBX_DIR/pg" "$ZBX_DIR/sock"
	chown zabbix "$ZBX_DIR/server" 2>/dev/null || true
	pg_port=$(zbx__port)
	ZBX_PG_PORT=$pg_port
	runuser -u postgres -- "$ZBX_PGBIN/initdb" -D "$ZBX_DIR/pg" -A trust -U zabbix \
	    --no-sync -E UTF8 --locale=C.UTF-8 >"$ZBX_DIR/initdb.log" 2>&1 ||
		tap_bail "initdb failed: $(tail -n 3 "$ZBX_DIR/initdb.log")"
	runuser -u postgres -- "$ZBX_PGBIN/pg_ctl" -D "$ZBX_DIR/pg" -l "$ZBX_DIR/sock/pg.log" -w \
	    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $ZBX_DIR/sock -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
	    -t 60 start >/dev/null 2>&1 || tap_bail "PostgreSQL did not start: $(tail -n 3 "$ZBX_DIR/sock/pg.log")"
	zbx__track PostgreSQL "$ZBX_DIR/pg/postmaster.pid" "$ZBX_DIR/sock/pg.log"
	createdb -h 127.0.0.1 -p "$pg_port" -U zabbix zabbix || tap_bail "createdb failed"
	# data.sql is 130,000 INSERTs: psql sends each alone and waits for its
	# answer, and on a loaded machine every round trip waits for a core
	# (data.sql took 107 s at a load of 23).  zbx__load sends them 2,000
	# to a query; the constraint triggers are off (replica role): Zabbix's
	# own data needs no checking row by row.
	for i in schema images data; do
		t0=$SECONDS
		zcat "$ZBX_SQL/$i.sql.gz" | timeout 300 php -r "$ZBX_LOADER" \
		    "host=127.0.0.1 port=$pg_port dbname=zabbix user=zabbix options='-c session_replication_role=replica'" \
		    >"$ZBX_DIR/load.log" 2>&1 || tap_bail "loading $i.sql failed: $(tail -n 3 "$ZBX_DIR/load.log")"
		ZBX_LOAD_TIMES+="$i.sql $((SECONDS - t0)) s "
	done
	# Statistics now, not when autovacuum gets to it (up to a minute
	# later): without them, host.create's query of the trigger
	# dependencies ran for over a minute, holding the ids row the server's
	# LLD waited for, and the API timed out (2 runs of 12 under load).
	t0=$SECONDS
	timeout 300 psql -q -h 127.0.0.1 -p "$pg_port" -U zabbix zabbix -c ANALYZE >"$ZBX_DIR/load.log" 2>&1 ||
		tap_bail "ANALYZE failed: $(tail -n 3 "$ZBX_DIR/load.log")"
	ZBX_LOAD_TIMES+="ANALYZE $((SECONDS - t0)) s"
	# The schema's own "Zabbix server" host polls an agent on 127.0.0.1:10050,
	# which may be the system's: disabled before the server starts.
	timeout 60 psql -q -h 127.0.0.1 -p "$pg_port" -U zabbix zabbix \
	    -c "UPDATE hosts SET status = 1 WHERE host = 'Zabbix server'" >>"$ZBX_DIR/load.log" 2>&1 ||
		tap_bail "disabling the default 'Zabbix server' host failed: $(tail -n 3 "$ZBX_DIR/load.log")"
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
	zbx__track zabbix_server "$ZBX_DIR/server/zabbix_server.pid" "$ZBX_DIR/server/zabbix_server.log"
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
	# php -S serves one request at a time unless given workers: one slow
	# call (an import on a loaded machine) then held every later one up
	# until they timed out.  Its own session, for its workers to be swept.
	(cd "$ZBX_DIR/web" && PHP_CLI_SERVER_WORKERS=4 exec setsid sh -c 'echo $$ >"$0"; exec "$@"' \
	    "$ZBX_DIR/php.pid" php -d max_execution_time=60 -S "127.0.0.1:$web_port" -t "$ZBX_DIR/web" \
	    >"$ZBX_DIR/php.log" 2>&1) &
	zbx__track php "$ZBX_DIR/php.pid" "$ZBX_DIR/php.log"
	ZBX_API=http://127.0.0.1:$web_port/api_jsonrpc.php
	export ZBX_DIR ZBX_PORT ZBX_API
	for ((i = 0; i < 100; i++)); do
		ZBX_REPLY=$(ZBX_API_TIMEOUT=5 zbx__call apiinfo.version '{}' "" 2>/dev/null) &&
		    [ "$(printf '%s' "$ZBX_REPLY" | jq -r '.result // empty' 2>/dev/null)" != "" ] && break
		sleep 0.1
	done
	[ "$i" -lt 100 ] || tap_bail "the Zabbix API did not answer: $ZBX_REPLY $(tail -n 3 "$ZBX_DIR/php.log")"
	ZBX_AUTH=
	zbx_api user.login '{"username":"Admin","password":"zabbix"}'
	ZBX_AUTH=$(printf '%s' "$ZBX_REPLY" | jq -r '.result // empty')
	[ -n "$ZBX_AUTH" ] || tap_bail "cannot log in to the Zabbix API: $ZBX_REPLY"
}

# zbx__call METHOD PARAMS AUTH: one JSON-RPC request, the answer on stdout;
# curl's exit status (28: no answer within ZBX_API_TIMEOUT seconds).
zbx__call() {
	jq -nc --arg m "$1" --argjson p "$2" --arg a "$3" \
	    '{jsonrpc: "2.0", method: $m, params: $p, id: 1} + (if $a == "" then {} else {auth: $a} end)' |
		curl -sS --connect-timeout 5 --max-time "${ZBX_API_TIMEOUT:-60}" \
		    -H 'Content-Type: application/json-rpc' --data-binary @- "$ZBX_API"
}

zbx_api() {
	local rc=0 t0=$SECONDS
	ZBX_REPLY=$(zbx__call "$1" "$2" "${ZBX_AUTH:-}" 2>"$ZBX_DIR/curl.err") || rc=$?
	[ "$rc" -eq 0 ] && return 0
	zbx__busy
	fixture__bail_log "the Zabbix API gave no answer to $1 in $((SECONDS - t0)) s (curl: $(cat "$ZBX_DIR/curl.err"))" \
	    "$ZBX_DIR/php.log" "$ZBX_DIR/sock/pg.log" "$ZBX_DIR/server/zabbix_server.log"
}

# zbx__busy: what the API and the database were doing when a call got no
# answer: PostgreSQL's sessions that are not idle (waiting on what, blocked
# by whom) and the php workers' connections (to the database or the server).
zbx__busy() {
	local pid
	tap_diag "--- PostgreSQL sessions not idle" "$(timeout 10 psql -h 127.0.0.1 -p "$ZBX_PG_PORT" -U zabbix zabbix -c \
	    "select pid, application_name, backend_type, state, wait_event_type, wait_event,
	        pg_blocking_pids(pid) as blocked_by, now() - xact_start as in_xact, left(query, 160) as query
	     from pg_stat_activity where datname = 'zabbix' and state <> 'idle' and pid <> pg_backend_pid()" 2>&1)"
	for pid in $(zbx_leftovers | awk '$2 == "php" { print $1 }'); do
		tap_diag "--- php $pid: $(cat "/proc/$pid/wchan" 2>/dev/null)" "$(ss -tnpH 2>/dev/null | grep "pid=$pid,")"
	done
}

zbx_version() {
	zbx__call apiinfo.version '{}' "" | jq -r '.result // empty'
}

# zbx_start_agent CONF: a private zabbix_agentd (passive checks from
# 127.0.0.1) on a free port, CONF its extra configuration lines.
zbx_start_agent() {
	local z=$ZBX_DIR/agent
	mkdir -p "$z"
	ZBX_AGENT_PORT=$(zbx__port)
	export ZBX_AGENT_PORT
	cat >"$z/zabbix_agentd.conf" <<-CONF
	# private agent for the tests
	Server=127.0.0.1
	ServerActive=
	ListenIP=127.0.0.1
	ListenPort=$ZBX_AGENT_PORT
	PidFile=$z/zabbix_agentd.pid
	LogFile=$z/zabbix_agentd.log
	Timeout=15
	StartAgents=3
	AllowRoot=1
	UnsafeUserParameters=0
	$1
	CONF
	zabbix_agentd -c "$z/zabbix_agentd.conf" || tap_bail "zabbix_agentd did not start"
	zbx__track zabbix_agentd "$z/zabbix_agentd.pid" "$z/zabbix_agentd.log"
}

# zbx_stop: each daemon TERMed and waited for, with all of its session (30 s
# at most: zabbix_server writes its caches out), the agent first,
# PostgreSQL last.  php -S's workers outlive their master: its whole process
# group is TERMed.  Anything of the sessions still there after that is
# named, then TERMed and KILLed: the test asserts zbx_leftovers is empty.
zbx_stop() {
	local f pid left t0
	ZBX_LEFT=
	for f in "${ZBX_PIDFILES[@]}"; do
		pid=$(fixture__pids "$f")
		[ -n "$pid" ] || continue
		case $f in
		*/postmaster.pid)
			runuser -u postgres -- "$ZBX_PGBIN/pg_ctl" -D "$ZBX_DIR/pg" -m fast -t 30 -w stop \
			    >/dev/null 2>&1 || true ;;
		*/php.pid) kill -TERM -- "-$pid" 2>/dev/null ;;
		*) kill -TERM "$pid" 2>/dev/null ;;
		esac
		t0=$SECONDS
		while fixture__alive "$pid" && ((SECONDS - t0 < 30)); do
			sleep 0.1
		done
	done
	# The children end after their parent: give them 5 s more.
	t0=$SECONDS
	while left=$(zbx_leftovers) && [ -n "$left" ] && ((SECONDS - t0 < 5)); do
		sleep 0.2
	done
	[ -z "$left" ] && return 0
	tap_diag "still running after zbx_stop, now TERMed and KILLed:" "$left"
	ZBX_LEFT=$left
	zbx__sweep
}
