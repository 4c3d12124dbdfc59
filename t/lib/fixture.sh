# fixture.sh - test PKI and private Postfix, Dovecot and HAProxy instances
# on 127.0.0.1 high ports for the bash integration tests (t/*.t).
#
# Source it from a test (needs top_builddir; run as root).  It provides:
#   fixture_require          skip the whole test unless root + servers exist
#   fixture_pki              build/reuse the shared test PKI, export PKI
#   fixture_start_postfix    export PF_DIR PF_SMTP PF_SUBMISSION PF_SUBMISSIONS
#                            (FIXTURE_SNI_MAP=FILE: use FILE as $PF_DIR/sni)
#                            PF_PROXY PF_PROXY_SMTP PF_NOTLS [PF_SMTP6]
#                            PF_PROXY_BRIEF (PROXY header within 1 s, or 421)
#                            A test may define fixture_postfix_extra_master
#                            (more master.cf lines, e.g. listeners on
#                            127.0.0.2 with their own certificate, after the
#                            ports are chosen) and fixture_postfix_extra_listeners
#                            (their HOST:PORT, to wait for)
#   fixture_start_dovecot    export DV_CONF DV_DIR DV_IMAP DV_IMAPS DV_POP3
#                            DV_POP3S DV_SIEVE DV_LMTP [DV_IMAPS6], and
#                            DV_PROXY_IMAP DV_PROXY_IMAPS DV_PROXY_POP3
#                            DV_PROXY_POP3S (expecting a PROXY header)
#   fixture_start_haproxy    export HA_DIR HA_V1 HA_V2 HA_SMTP_V1, and
#                            HA_ACCEPT_SMTP HA_ACCEPT_TLS (accept-proxy in
#                            front of PF_SMTP, PF_SUBMISSIONS), HA_TLS (TLS
#                            in front of PF_SMTP, no PROXY header expected)
#   fixture_start_haproxy_tls  export HT_DIR HT_OCSP_GOOD HT_OCSP_REVOKED
#                            HT_OCSP_BADSIG HT_STRICT_SNI HT_TLS12
#                            (HAProxy terminating TLS, see its section)
#   fixture_swap_cert postfix|dovecot NAME [ALT]   serve NAME (of the PKI,
#                            or a path without .key) as default cert, and
#                            ALT beside it (a second key type: Postfix's
#                            second chain file, Dovecot's ssl_alt_cert)
#   fixture_lifetimes DIR    certificates of several lifetimes and ages
#   fixture_short_dir VAR NAME  a short directory in /tmp (socket paths)
#   fixture_start_helper VAR PROGRAM ARGS...  a t/helpers peer; VAR = its port
#   fixture_have_ipv6        0 when ::1 is usable (TP_NO_IPV6=1 forces no)
#   fixture_cert_fp NAME     SHA-256 fingerprint of $PKI/NAME.crt
#   fixture_served_fp PORT [STARTTLS [SNI [HOST [SIGALGS]]]]  fingerprint
#                            served there (to a client offering SIGALGS)
#   fixture_now_ms           milliseconds since the epoch
# Environment: TP_PKI (PKI directory, default $top_builddir/t/pki),
# TP_KEEP_TMP=1, TP_NO_IPV6=1.
# Servers are stopped and the per-test directory (TP_TMP) removed on exit
# (kept when TP_KEEP_TMP=1).  Every test gets its own ports and directory,
# so tests can run in parallel.  The PKI is shared, built under flock, and
# rebuilt when older than a day so the dated certificates stay accurate.

: "${top_builddir:?must be set to the absolute build directory}"
. "${top_srcdir:-$top_builddir}/t/lib/tap.sh"

TP_PKI_VERSION=7	# bump when the PKI contents change
FIXTURE_PIDFILES=()	# pid files of the servers to stop at exit
FIXTURE_SHORT_DIRS=()	# directories outside TP_TMP, removed at exit too
FIXTURE_TRAPPED=0
FIXTURE_MAIN_PID=
FIXTURE_LEAVES="mail mail-renewed other expired days10 days20 wrongname
	rsa1024 sha1 untrusted revoked mta-sts mta-sts-expired mail-rsa
	mail-rsa-expired mail-expired"

# ---- generic helpers ---------------------------------------------------

fixture_require() {
	[ "$(id -u)" -eq 0 ] || tap_skip_all "fixture servers need root"
	local cmd
	for cmd in postfix postmap postconf dovecot doveadm haproxy openssl \
	    flock timeout; do
		command -v "$cmd" >/dev/null 2>&1 ||
			tap_skip_all "$cmd not installed"
	done
}

# fixture_now_ms: milliseconds since the epoch (to time things).
fixture_now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# fixture_short_dir VAR NAME: a fresh directory /tmp/tp-NAME.XXXXXX in VAR,
# removed at exit.  For what holds sockets, pipes or files a server opens
# by a length-limited path (a socket path has at most 107 bytes; NSD and
# Nagios fail on long ones): TP_TMP sits as deep as the build directory,
# and CI and make distcheck build deep.
fixture_short_dir() {
	local dir
	dir=$(mktemp -d "/tmp/tp-$2.XXXXXX") || tap_bail "cannot create a directory for $2 in /tmp"
	FIXTURE_SHORT_DIRS+=("$dir")
	fixture__trap
	printf -v "$1" '%s' "$dir"
}

# fixture_start_helper VAR PROGRAM ARGS...: a test-only peer of t/helpers
# (it prints the port it listens on as its first line) in the background;
# VAR gets that port, FIXTURE_HELPER_PID its pid.  Stopped at exit.
FIXTURE_HELPERS=0
fixture_start_helper() {
	local var=$1 prog=$2 out port i
	shift 2
	fixture__tmp
	FIXTURE_HELPERS=$((FIXTURE_HELPERS + 1))
	out=$TP_TMP/helper.$FIXTURE_HELPERS
	"$prog" "$@" >"$out.port" 2>"$out.log" &
	FIXTURE_HELPER_PID=$!
	echo "$FIXTURE_HELPER_PID" >"$out.pid"
	FIXTURE_PIDFILES+=("$out.pid")
	for ((i = 0; i < 100; i++)); do
		port=$(head -n 1 "$out.port")
		if [[ $port =~ ^[0-9]+$ ]]; then
			printf -v "$var" '%s' "$port"
			return 0
		fi
		sleep 0.05
	done
	tap_bail "${prog##*/} $* did not start: $(cat "$out.log")"
}

# fixture__tmp: create (once) this test's private directory TP_TMP.
fixture__tmp() {
	if [ -z "${TP_TMP:-}" ]; then
		local name
		name=$(basename "${0%.t}")
		TP_TMP=$top_builddir/t/tmp/$name.$$
		rm -rf "$TP_TMP"
		mkdir -p "$TP_TMP"
		export TP_TMP
		fixture__openssl_cnf >"$TP_TMP/openssl.cnf"
	fi
	fixture__trap
}

# The servers load 1024-bit RSA and SHA-1 certificates, which Debian's
# default OpenSSL security level 2 refuses; they get this config instead.
fixture__openssl_cnf() {
	cat <<-'EOF'
	# tls-probe fixture: let the test servers load weak certificates
	openssl_conf = tp_init
	[tp_init]
	ssl_conf = tp_ssl
	[tp_ssl]
	system_default = tp_tls
	[tp_tls]
	CipherString = DEFAULT@SECLEVEL=0
	EOF
}

# fixture__freeports N: print N free 127.0.0.1 ports (builds the helper
# when "make check" has not). Under a lock, and never a port handed to
# another test of this build in the last 15 minutes: a port is free when
# it is handed out, not yet when its server binds it, and parallel tests
# (make -j4) would otherwise race for it.
fixture__freeports() {
	local bin=$top_builddir/t/helpers/freeports fd
	local used=$top_builddir/t/tmp/.freeports.used now recent p tries=0
	local -a got=()
	mkdir -p "${bin%/*}" "$top_builddir/t/tmp"
	exec {fd}>"$top_builddir/t/tmp/.freeports.lock"
	flock "$fd"
	if [ ! -x "$bin" ] && cc -o "$bin.$$" \
	    "${top_srcdir:-$top_builddir}/t/helpers/freeports.c"; then
		mv -f "$bin.$$" "$bin"
	fi
	now=$(date +%s)
	recent=$(awk -v now="$now" '$2 > now - 900' "$used" 2>/dev/null)
	printf '%s\n' "$recent" | sed '/^$/d' >"$used.$$"
	while [ "${#got[@]}" -lt "$1" ] && [ "$tries" -lt 50 ]; do
		tries=$((tries + 1))
		for p in $("$bin" "$1"); do
			grep -q "^$p " "$used.$$" && continue
			got+=("$p")
			echo "$p $now" >>"$used.$$"
			[ "${#got[@]}" -ge "$1" ] && break
		done
	done
	mv -f "$used.$$" "$used"
	exec {fd}>&-
	[ "${#got[@]}" -ge "$1" ] || tap_bail "freeports: no free ports (is $bin built?)"
	printf '%s\n' "${got[@]}"
}

fixture_have_ipv6() {
	[ "${TP_NO_IPV6:-0}" != 1 ] &&
		grep -qs '^00000000000000000000000000000001 ' /proc/net/if_inet6
}

# fixture__port_open HOST PORT: 0 when a TCP connect succeeds.
fixture__port_open() {
	timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# fixture__wait_ports WHAT HOST:PORT...: wait up to 10 s for all ports.
fixture__wait_ports() {
	local what=$1 hp i
	shift
	for hp in "$@"; do
		for ((i = 0; i < 100; i++)); do
			fixture__port_open "${hp%:*}" "${hp##*:}" && break
			sleep 0.1
		done
		((i < 100)) && continue
		tap_diag "$what: nothing listens on $hp after 10 s"
		return 1
	done
}

# fixture__start WHAT PIDFILE LOG...: run fixture__WHAT_try until it
# succeeds, 3 times at most: a free port can be taken (by another test's
# client socket, say) before the server binds it.  Bails out on failure.
fixture__start() {
	local what=$1 pidfile=$2 try
	shift 2
	FIXTURE_PIDFILES+=("$pidfile")
	for try in 1 2 3; do
		"fixture__${what}_try" && return 0
		fixture__stop "$pidfile"
		tap_diag "$what: start attempt $try failed"
	done
	fixture__bail_log "$what did not start" "$@"
}

# fixture__bail_log MSG LOG...: show the tail of each LOG, then bail out.
fixture__bail_log() {
	local msg=$1 log
	shift
	for log in "$@"; do
		[ -s "$log" ] || continue
		tap_diag "--- tail of $log" "$(tail -n 25 "$log")"
	done
	tap_bail "$msg"
}

# ---- the PKI -----------------------------------------------------------

fixture_pki() {
	PKI=${TP_PKI:-$top_builddir/t/pki}
	export PKI
	mkdir -p "$PKI" || tap_bail "cannot create $PKI"
	local fd
	exec {fd}>"$PKI/.lock"
	flock "$fd"
	if ! fixture__pki_fresh; then
		# not in an "||" list: set -e must stay active inside the build
		fixture__pki_build >"$PKI/.build.log" 2>&1
		if ! fixture__pki_complete; then
			exec {fd}>&-
			fixture__bail_log "cannot build the test PKI" "$PKI/.build.log"
		fi
		echo "$TP_PKI_VERSION" >"$PKI/.complete"
	fi
	exec {fd}>&-
}

# fixture__pki_complete: every file the tests rely on is there.
fixture__pki_complete() {
	local f
	for f in root.crt root.key inter.crt inter.key other-root.crt \
	    trust/root.crt traefik.key traefik.crt traefik.fullchain.crt \
	    haproxy/mail.pem haproxy/mail-ocsp.pem haproxy/mail-ocsp.pem.ocsp \
	    haproxy/revoked.pem haproxy/revoked.pem.ocsp \
	    haproxy/mail-renewed.pem haproxy/mail-renewed.pem.ocsp; do
		[ -s "$PKI/$f" ] || return 1
	done
	for f in $FIXTURE_LEAVES; do
		[ -s "$PKI/$f.key" ] && [ -s "$PKI/$f.crt" ] &&
			[ -s "$PKI/$f.fullchain.crt" ] || return 1
	done
}

# Fresh: complete, same layout version, built less than a day ago (days10
# and days20 must keep meaning what their names say, the OCSP responses
# stay valid for 7 days).  Every file is checked too, in case a PKI was
# built by a fixture.sh that had not bumped the version yet.
fixture__pki_fresh() {
	[ -f "$PKI/.complete" ] &&
		[ "$(cat "$PKI/.complete")" = "$TP_PKI_VERSION" ] &&
		[ -n "$(find "$PKI/.complete" -mmin -1440)" ] &&
		fixture__pki_complete
}

fixture__pki_build() (
	set -e
	export TP_SAN=DNS:unused TP_KU=digitalSignature	# read by ca.cnf
	find "$PKI" -mindepth 1 ! -name .lock ! -name .build.log -delete
	cd "$PKI"
	fixture__pki_cnf >ca.cnf
	fixture__pki_roots
	fixture__pki_leaves
	fixture__pki_traefik
	fixture__pki_haproxy
	rm -f ./*.csr
)

# fixture__pki_cnf: openssl config for req and for three "openssl ca"s.
# Leaf extensions come from the environment (TP_SAN, TP_KU).
fixture__pki_cnf() {
	local ca
	cat <<-'EOF'
	[req]
	distinguished_name = req_dn
	[req_dn]
	[policy_any]
	organizationName = optional
	commonName = supplied
	[root_ext]
	basicConstraints = critical,CA:TRUE
	keyUsage = critical,keyCertSign,cRLSign
	subjectKeyIdentifier = hash
	[inter_ext]
	basicConstraints = critical,CA:TRUE,pathlen:0
	keyUsage = critical,keyCertSign,cRLSign
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid:always
	[leaf_ext]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,${ENV::TP_KU}
	extendedKeyUsage = serverAuth
	subjectAltName = ${ENV::TP_SAN}
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	[selfsigned_ext]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature
	extendedKeyUsage = serverAuth
	subjectAltName = ${ENV::TP_SAN}
	subjectKeyIdentifier = hash
	EOF
	for ca in root inter other-root; do
		cat <<-EOF
		[ca_$ca]
		dir = ./ca/$ca
		database = \$dir/index.txt
		serial = \$dir/serial
		new_certs_dir = \$dir
		certificate = ./$ca.crt
		private_key = ./$ca.key
		default_md = sha256
		policy = policy_any
		unique_subject = no
		email_in_dn = no
		EOF
		mkdir -p "ca/$ca"
		: >"ca/$ca/index.txt"
		echo "10$(openssl rand -hex 7)" >"ca/$ca/serial"
	done
}

# fixture__key NAME [RSA-BITS]: EC P-256 key, or RSA when BITS is given.
fixture__key() {
	if [ -n "${2:-}" ]; then
		openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" \
			-out "$1.key"
	else
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
			-out "$1.key"
	fi
}

# fixture__date OFFSET [FROM]: "date -d" offset (from now, or from FROM,
# "YYYY-MM-DD HH:MM:SS UTC") as an openssl ca date.
fixture__date() {
	date -u -d "${2:+$2 }$1" +%Y%m%d%H%M%SZ
}

# fixture__selfsigned NAME SUBJECT EXT DAYS: starts now.
fixture__selfsigned() {
	fixture__key "$1"
	openssl req -x509 -new -config ca.cnf -key "$1.key" -subj "$2" \
		-extensions "$3" -days "$4" -sha256 -out "$1.crt"
}

# fixture__sign CA NAME SUBJECT EXT START END [MD]: CSR for NAME.key signed
# by CA with "openssl ca" (which, unlike x509 -req on 3.0, takes dates).
fixture__sign() {
	# Both dates from one reading of the clock: a second passing between
	# two readings made a 90-day certificate 90 days and 1 s long.
	local from
	from=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
	openssl req -new -config ca.cnf -key "$2.key" -subj "$3" -out "$2.csr"
	openssl ca -batch -notext -config ca.cnf -name "ca_$1" \
		-in "$2.csr" -out "$2.crt" -extensions "$4" \
		-startdate "$(fixture__date "$5" "$from")" \
		-enddate "$(fixture__date "$6" "$from")" -md "${7:-sha256}"
}

# fixture__root NAME SUBJECT: a root CA valid from a year ago (so that
# every certificate under it starts within its validity) for 10 years.
fixture__root() {
	fixture__key "$1"
	openssl req -new -config ca.cnf -key "$1.key" -subj "$2" -out "$1.csr"
	openssl ca -batch -notext -config ca.cnf -name "ca_$1" -selfsign \
		-keyfile "$1.key" -in "$1.csr" -out "$1.crt" -extensions root_ext \
		-startdate "$(fixture__date "-1 year")" \
		-enddate "$(fixture__date "+10 years")"
}

fixture__pki_roots() {
	local o="/O=tls-probe test"
	fixture__root root "$o/CN=tls-probe Test Root CA"
	fixture__root other-root "/CN=tls-probe Untrusted Root"
	fixture__key inter
	fixture__sign root inter "$o/CN=tls-probe Test Intermediate R1" \
		inter_ext "-200 days" "+5 years"
	mkdir trust
	cp root.crt trust/root.crt
	openssl rehash trust
}

# fixture__leaf NAME DNSNAME [START END [MD [RSA-BITS [CA]]]]
fixture__leaf() {
	local ca=${7:-inter} ku=digitalSignature
	[ -n "${6:-}" ] && ku=digitalSignature,keyEncipherment
	fixture__key "$1" "${6:-}"
	TP_SAN=DNS:$2 TP_KU=$ku fixture__sign "$ca" "$1" "/CN=$2" leaf_ext \
		"${3:--1 hour}" "${4:-+90 days}" "${5:-sha256}"
	cat "$1.crt" "$ca.crt" >"$1.fullchain.crt"
}

fixture__pki_leaves() {
	local d=example.test
	# mail was issued a month ago; its renewal is newer and lasts longer.
	fixture__leaf mail mail.$d "-30 days" "+90 days"
	fixture__leaf mail-renewed mail.$d "-1 hour" "+120 days"
	fixture__leaf other other.$d
	fixture__leaf expired expired.$d "-100 days" "-1 day"
	fixture__leaf days10 days10.$d "-1 hour" "+10 days"
	fixture__leaf days20 days20.$d "-1 hour" "+20 days"
	fixture__leaf wrongname wrong.$d
	fixture__leaf rsa1024 rsa1024.$d "" "" "" 1024
	fixture__leaf sha1 sha1.$d "" "" sha1
	fixture__leaf untrusted mail.$d "" "" "" "" other-root
	fixture__leaf revoked revoked.$d
	# the MTA-STS policy host, and its certificate left to expire
	fixture__leaf mta-sts mta-sts.$d
	fixture__leaf mta-sts-expired mta-sts.$d "-100 days" "-1 day"
	# RSA beside the (ECDSA) mail: a dual-certificate server's two halves,
	# and each of them expired for mail.example.test
	fixture__leaf mail-rsa mail.$d "-1 hour" "+120 days" "" 2048
	fixture__leaf mail-rsa-expired mail.$d "-100 days" "-1 day" "" 2048
	fixture__leaf mail-expired mail.$d "-100 days" "-1 day"
	openssl ca -batch -config ca.cnf -name ca_inter -revoke revoked.crt \
		-crl_reason keyCompromise
}

# fixture_lifetimes DIR: leaves of today's and tomorrow's lifetimes (Let's
# Encrypt's 160-hour, 45-, 64- and 90-day profiles, the CA/B Forum's 200
# and 398 days), issued by the test PKI's intermediate, each at an age in
# one band of the lifetime-relative default: NAME-new/-ok is fine, -warn
# has less than 25% (at most 30 days) of its lifetime left, -crit less
# than 10% (at most 14 days).  Made now, in DIR (not the shared PKI, which
# may be a day old: a day is a whole band of a 160-hour certificate), with
# DIR/sni.map naming each as NAME.example.test.  
fixture_lifetimes() (
	set -e
	fixture_pki
	mkdir -p "$1"
	cd "$1"
	export TP_SAN=DNS:unused TP_KU=digitalSignature	# read by ca.cnf
	fixture__pki_cnf >ca.cnf
	cp "$PKI/inter.crt" "$PKI/inter.key" .
	while read -r name start end; do
		fixture__leaf "$name" "$name.example.test" "$start" "$end"
		echo "$name.example.test $PWD/$name.key $PWD/$name.fullchain.crt" >>sni.map
	done <<-EOF
	life160h-new -1hour +159hours
	life160h-warn -130hours +30hours
	life160h-crit -150hours +10hours
	life45d-new -2days +43days
	life45d-warn -36days +9days
	life45d-crit -42days +3days
	life64d-warn -50days +14days
	life90d-ok -60days +30days
	life90d-warn -70days +20days
	life200d-warn -175days +25days
	life398d-ok -300days +98days
	life398d-crit -388days +10days
	EOF
	# An intermediate with 9% of its 3 years left (100 days): a share of
	# the lifetime is the leaf's measure, not the CA's.
	mkdir old-inter
	cd old-inter
	fixture__pki_cnf >ca.cnf
	cp "$PKI/root.crt" "$PKI/root.key" .
	fixture__key inter
	fixture__sign root inter "/O=tls-probe test/CN=tls-probe Old Intermediate" \
		inter_ext "-1000 days" "+100 days"
	fixture__leaf life90d-oldinter life90d-oldinter.example.test "-60 days" "+30 days"
	cp life90d-oldinter.key life90d-oldinter.fullchain.crt ..
) >"$1.log" 2>&1 || fixture__bail_log "cannot make the lifetime certificates" "$1.log"

# Like Traefik's built-in fallback: self-signed, fixed CN, random-hex SAN.
fixture__pki_traefik() {
	TP_SAN="DNS:$(openssl rand -hex 16).traefik.default" \
		fixture__selfsigned traefik "/CN=TRAEFIK DEFAULT CERT" \
		selfsigned_ext 365
	cp traefik.crt traefik.fullchain.crt
}

# fixture__ocsp NAME [SIGNER [OUT]]: OUT (default NAME.ocsp.der), an OCSP
# response for NAME made offline from inter's index ("good", or "revoked"
# once revoked), signed by SIGNER (default inter, the issuer itself),
# valid for 7 days; the PKI is rebuilt daily.  No nonce: it is stapled.
fixture__ocsp() {
	local signer=${2:-inter}
	openssl ocsp -index ca/inter/index.txt -CA inter.crt \
		-rsigner "$signer.crt" -rkey "$signer.key" -issuer inter.crt \
		-cert "$1.crt" -no_nonce -ndays 7 -respout "${3:-$1.ocsp.der}" \
		-noverify
}

# HAProxy wants key and chain in one PEM, and staples <crt>.ocsp when it
# exists: haproxy/mail.pem staples nothing, mail-ocsp.pem and revoked.pem
# staple inter's responses, mail-renewed.pem a "good" one signed by the
# leaf "other", which no client may accept (it is no OCSP responder).
# HAProxy keys stapled responses by certificate: two crt files with the
# same certificate would share one response, hence mail-renewed.
fixture__pki_haproxy() {
	local n
	fixture__ocsp mail
	fixture__ocsp revoked
	fixture__ocsp mail-renewed other mail-renewed.badocsp.der
	mkdir haproxy
	for n in mail revoked mail-renewed; do
		cat "$n.fullchain.crt" "$n.key" >"haproxy/$n.pem"
	done
	cp haproxy/mail.pem haproxy/mail-ocsp.pem
	cp mail.ocsp.der haproxy/mail-ocsp.pem.ocsp
	cp revoked.ocsp.der haproxy/revoked.pem.ocsp
	cp mail-renewed.badocsp.der haproxy/mail-renewed.pem.ocsp
}

# fixture_cert_fp NAME: SHA-256 fingerprint of $PKI/NAME.crt (AA:BB:..).
fixture_cert_fp() {
	openssl x509 -in "$(fixture__cert "$1").crt" -noout -fingerprint -sha256 | sed 's/.*=//'
}

# fixture_served_fp PORT [STARTTLS [SNI [HOST]]]: fingerprint of the leaf
# served there ("" when the handshake fails).  STARTTLS "" = implicit TLS.
fixture_served_fp() {
	local host=${4:-127.0.0.1} args=()
	[ -n "${2:-}" ] && args+=(-starttls "$2")
	[ -n "${5:-}" ] && args+=(-sigalgs "$5")
	[[ $host == *:* ]] && host="[$host]"
	timeout 10 openssl s_client -connect "$host:$1" \
		-servername "${3:-mail.example.test}" "${args[@]}" \
		-cipher DEFAULT@SECLEVEL=0 </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//'
}

# fixture__wait_cert WHAT NAME PORT STARTTLS [SIGALGS]: wait up to 10 s
# until PORT serves $PKI/NAME.crt (to a client offering SIGALGS).
fixture__wait_cert() {
	local want i
	want=$(fixture_cert_fp "$2")
	for ((i = 0; i < 50; i++)); do
		[ "$(fixture_served_fp "$3" "$4" "" "" "${5:-}")" = "$want" ] && return 0
		sleep 0.2
	done
	tap_diag "$1 still does not serve $2 on port $3 after 10 s"
	return 1
}

# fixture__cert NAME: the PKI's NAME, or NAME itself when it is a path
# (without .key/.crt), e.g. one of fixture_lifetimes.
fixture__cert() {
	case $1 in
	/*) printf '%s' "$1" ;;
	*) printf '%s' "$PKI/$1" ;;
	esac
}

# ---- cleanup -----------------------------------------------------------

# Only an EXIT trap: bash runs it on INT, TERM and HUP too.  An INT trap
# would break Ctrl-C: bash 5.2 fails to parse a trap that fires while a
# command substitution spanning lines runs, and then carries on.
fixture__trap() {
	[ "$FIXTURE_TRAPPED" = 1 ] && return
	FIXTURE_TRAPPED=1
	FIXTURE_MAIN_PID=$BASHPID
	trap 'fixture__cleanup' EXIT
}

# fixture__alive PID: running and not a zombie (an init that is slow to
# reap daemonised servers would otherwise cost seconds per test).
fixture__alive() {
	local stat
	kill -0 "$1" 2>/dev/null || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# fixture__pids PIDFILE...: the live pids named in the pid files.
fixture__pids() {
	local f pid
	for f in "$@"; do
		[ -s "$f" ] || continue
		read -r pid <"$f" || true
		[[ $pid =~ ^[0-9]+$ ]] && fixture__alive "$pid" && echo "$pid"
	done
}

# fixture__any_alive PID...: 0 while one of them still runs.
fixture__any_alive() {
	local pid
	for pid in "$@"; do
		fixture__alive "$pid" && return 0
	done
	return 1
}

# fixture__stop PIDFILE...: TERM those servers, KILL what is left after
# 5 s.  (Dovecot's master alone sleeps 1 s on the way out.)
fixture__stop() {
	local pids i
	pids=$(fixture__pids "$@")
	[ -n "$pids" ] || return 0
	kill -TERM $pids 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		fixture__any_alive $pids || return 0
		sleep 0.1
	done
	tap_diag "servers ignored SIGTERM for 5 s, sending SIGKILL: $pids"
	kill -KILL $pids 2>/dev/null
	sleep 0.2
}

fixture__cleanup() {
	local rc=$?
	[ "$BASHPID" = "$FIXTURE_MAIN_PID" ] || return "$rc"
	trap '' INT TERM HUP	# a second Ctrl-C must not leave servers behind
	fixture__stop "${FIXTURE_PIDFILES[@]}"
	FIXTURE_PIDFILES=()
	[ "${TP_KEEP_TMP:-0}" = 1 ] || rm -rf "${FIXTURE_SHORT_DIRS[@]}"
	if [ -n "${TP_TMP:-}" ] && [ -d "$TP_TMP" ]; then
		if [ "${TP_KEEP_TMP:-0}" = 1 ]; then
			tap_diag "kept $TP_TMP"
		else
			rm -rf "$TP_TMP"
		fi
	fi
	return "$rc"
}

# ---- Postfix -----------------------------------------------------------

fixture_start_postfix() {
	fixture_pki
	fixture__tmp
	PF_DIR=$TP_TMP/postfix
	# The queue directory holds Postfix's sockets: a short directory.
	fixture_short_dir PF_QUEUE postfix
	chmod 755 "$PF_QUEUE"	# mktemp's 700 would keep Postfix's own processes out
	export PF_DIR PF_QUEUE
	fixture__start postfix "$PF_QUEUE/pid/master.pid" \
		"$PF_DIR/start.log" "$PF_DIR/maillog"
}

fixture__postfix_try() {
	fixture__postfix_dirs
	fixture__postfix_ports
	fixture__postfix_main >"$PF_DIR/main.cf"
	fixture__postfix_master >"$PF_DIR/master.cf"
	# FIXTURE_SNI_MAP: a test's own map source instead of the built-in one.
	if [ -n "${FIXTURE_SNI_MAP:-}" ]; then
		cp "$FIXTURE_SNI_MAP" "$PF_DIR/sni"
	else
		fixture__postfix_sni >"$PF_DIR/sni"
	fi
	fixture__postfix_settle
	postmap -F -c "$PF_DIR" "hash:$PF_DIR/sni" >"$PF_DIR/start.log" 2>&1 &&
		postfix -c "$PF_DIR" start >>"$PF_DIR/start.log" 2>&1 &&
		fixture__wait_ports postfix $(fixture__postfix_listeners)
}

# Postfix re-reads a main.cf modified within the last second, 300 ms at a
# time, until it is a second old; backdating it saves that wait.
fixture__postfix_settle() {
	touch -d '-2 seconds' "$PF_DIR/main.cf" "$PF_DIR/master.cf"
}

# The queue and data directories live outside PF_DIR: "postfix check" wants
# everything under config_directory owned by root.
fixture__postfix_dirs() {
	rm -rf "$PF_DIR" "${PF_QUEUE:?}"/* "$TP_TMP/postfix-data"
	mkdir -p "$PF_DIR" "$PF_QUEUE/pid" "$TP_TMP/postfix-data"
	chown postfix "$TP_TMP/postfix-data"
	chmod 700 "$TP_TMP/postfix-data"
}

fixture__postfix_ports() {
	local p
	p=($(fixture__freeports 8))
	export PF_SMTP=${p[0]} PF_SUBMISSION=${p[1]} PF_SUBMISSIONS=${p[2]}
	export PF_PROXY=${p[3]} PF_PROXY_SMTP=${p[4]} PF_NOTLS=${p[5]}
	export PF_PROXY_BRIEF=${p[7]}
	unset PF_SMTP6
	fixture_have_ipv6 && export PF_SMTP6=${p[6]}
	return 0
}

# fixture__postfix_listeners: HOST:PORT of every Postfix listener.
fixture__postfix_listeners() {
	local p
	for p in PF_SMTP PF_SUBMISSION PF_SUBMISSIONS PF_PROXY PF_PROXY_SMTP \
	    PF_NOTLS PF_PROXY_BRIEF; do
		echo "127.0.0.1:${!p}"
	done
	[ -n "${PF_SMTP6:-}" ] && echo "::1:$PF_SMTP6"
	declare -F fixture_postfix_extra_listeners >/dev/null &&
		fixture_postfix_extra_listeners
	return 0
}

fixture__postfix_main() {
	local ifs=127.0.0.1 protos=ipv4
	[ -n "${PF_SMTP6:-}" ] && ifs="127.0.0.1, [::1]" protos="ipv4, ipv6"
	cat <<-EOF
	# tls-probe test fixture: private Postfix instance, loopback only
	compatibility_level = 3.6
	queue_directory = $PF_QUEUE
	data_directory = $TP_TMP/postfix-data
	maillog_file = $PF_DIR/maillog
	maillog_file_prefixes = $PF_DIR
	syslog_name = postfix-tp$$
	import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C
	    POSTLOG_SERVICE POSTLOG_HOSTNAME OPENSSL_CONF=$TP_TMP/openssl.cnf
	inet_interfaces = $ifs
	inet_protocols = $protos
	myhostname = mail.example.test
	mydomain = example.test
	mydestination =
	mynetworks = 127.0.0.0/8 [::1]/128
	alias_maps =
	alias_database =
	biff = no
	# never deliver anywhere: the fixture only terminates TLS
	default_transport = discard:tls-probe fixture
	relay_transport = discard:tls-probe fixture
	smtpd_tls_chain_files = $PKI/mail.key, $PKI/mail.fullchain.crt
	smtpd_tls_security_level = may
	smtpd_tls_loglevel = 1
	tls_server_sni_maps = hash:$PF_DIR/sni
	EOF
}

fixture__postfix_master() {
	local smtpd="inet n - n - - smtpd" tls="-o smtpd_tls_security_level=encrypt"
	local wrap="-o smtpd_tls_wrappermode=yes $tls"
	local proxy="-o smtpd_upstream_proxy_protocol=haproxy"
	cat <<-EOF
	# tls-probe test fixture: listeners on free ports, no chroot
	127.0.0.1:$PF_SMTP $smtpd
	127.0.0.1:$PF_SUBMISSION $smtpd $tls
	127.0.0.1:$PF_SUBMISSIONS $smtpd $wrap
	127.0.0.1:$PF_PROXY $smtpd $wrap $proxy
	127.0.0.1:$PF_PROXY_SMTP $smtpd $proxy
	127.0.0.1:$PF_NOTLS $smtpd -o smtpd_tls_security_level=none
	127.0.0.1:$PF_PROXY_BRIEF $smtpd $proxy -o smtpd_upstream_proxy_timeout=1s
	EOF
	[ -n "${PF_SMTP6:-}" ] && echo "[::1]:$PF_SMTP6 $smtpd"
	declare -F fixture_postfix_extra_master >/dev/null && fixture_postfix_extra_master
	cat <<-'EOF'
	pickup     unix  n - n 60 1 pickup
	cleanup    unix  n - n -  0 cleanup
	qmgr       unix  n - n 300 1 qmgr
	tlsmgr     unix  - - n 1000? 1 tlsmgr
	rewrite    unix  - - n -  - trivial-rewrite
	bounce     unix  - - n -  0 bounce
	defer      unix  - - n -  0 bounce
	trace      unix  - - n -  0 bounce
	verify     unix  - - n -  1 verify
	flush      unix  n - n 1000? 0 flush
	proxymap   unix  - - n -  - proxymap
	proxywrite unix  - - n -  1 proxymap
	smtp       unix  - - n -  - smtp
	relay      unix  - - n -  - smtp
	showq      unix  n - n -  - showq
	error      unix  - - n -  - error
	retry      unix  - - n -  - error
	discard    unix  - - n -  - discard
	local      unix  - n n -  - local
	virtual    unix  - n n -  - virtual
	lmtp       unix  - - n -  - lmtp
	anvil      unix  - - n -  1 anvil
	scache     unix  - - n -  1 scache
	postlog    unix-dgram n - n - 1 postlogd
	EOF
}

# SNI name -> key + chain; leafonly deliberately lacks the intermediate.
fixture__postfix_sni() {
	local n
	for n in other expired days10 days20 wrongname rsa1024 sha1 traefik \
	    untrusted; do
		echo "$n.example.test $PKI/$n.key $PKI/$n.fullchain.crt"
	done
	echo "leafonly.example.test $PKI/mail.key $PKI/mail.crt"
}

# ---- Dovecot -----------------------------------------------------------

fixture_start_dovecot() {
	fixture_pki
	fixture__tmp
	DV_DIR=$TP_TMP/dovecot
	DV_CONF=$DV_DIR/dovecot.conf
	# Dovecot's sockets live in base_dir: a short directory.
	fixture_short_dir DV_RUN dovecot
	export DV_DIR DV_CONF DV_RUN
	fixture__start dovecot "$DV_RUN/master.pid" \
		"$DV_DIR/start.log" "$DV_DIR/dovecot.log"
}

fixture__dovecot_try() {
	rm -rf "$DV_DIR" "${DV_RUN:?}"/*
	mkdir -p "$DV_DIR/state" "$DV_DIR/home"
	fixture__dovecot_ports
	fixture__dovecot_conf mail >"$DV_CONF"
	dovecot -c "$DV_CONF" >"$DV_DIR/start.log" 2>&1 &&
		fixture__wait_ports dovecot $(fixture__dovecot_listeners)
}

fixture__dovecot_ports() {
	local p
	p=($(fixture__freeports 11))
	export DV_IMAP=${p[0]} DV_IMAPS=${p[1]} DV_POP3=${p[2]}
	export DV_POP3S=${p[3]} DV_SIEVE=${p[4]} DV_LMTP=${p[5]}
	export DV_PROXY_IMAP=${p[7]} DV_PROXY_IMAPS=${p[8]}
	export DV_PROXY_POP3=${p[9]} DV_PROXY_POP3S=${p[10]}
	unset DV_IMAPS6
	fixture_have_ipv6 && export DV_IMAPS6=${p[6]}
	return 0
}

fixture__dovecot_listeners() {
	local p
	for p in DV_IMAP DV_IMAPS DV_POP3 DV_POP3S DV_SIEVE DV_LMTP \
	    DV_PROXY_IMAP DV_PROXY_IMAPS DV_PROXY_POP3 DV_PROXY_POP3S; do
		echo "127.0.0.1:${!p}"
	done
	[ -n "${DV_IMAPS6:-}" ] && echo "::1:$DV_IMAPS6"
	return 0
}

# fixture__dovecot_listener NAME PORT [ssl] [haproxy]: one inet_listener
# block; "haproxy" makes it expect a PROXY header (haproxy_trusted_networks).
fixture__dovecot_listener() {
	printf '  inet_listener %s {\n    address = 127.0.0.1\n' "$1"
	printf '    port = %s\n' "$2"
	[ "${3:-}" = ssl ] && printf '    ssl = yes\n'
	[ "${4:-}" = haproxy ] && printf '    haproxy = yes\n'
	printf '  }\n'
}

# fixture__dovecot_conf CERT [ALT]: the whole config, CERT as default
# cert (and ALT as ssl_alt_cert).
fixture__dovecot_conf() {
	fixture__dovecot_base "$1" "${2:-}"
	echo "service imap-login {"
	fixture__dovecot_listener imap "$DV_IMAP"
	fixture__dovecot_listener imaps "$DV_IMAPS" ssl
	fixture__dovecot_listener imap_proxy "$DV_PROXY_IMAP" "" haproxy
	fixture__dovecot_listener imaps_proxy "$DV_PROXY_IMAPS" ssl haproxy
	[ -n "${DV_IMAPS6:-}" ] && fixture__dovecot_listener imaps6 "$DV_IMAPS6" ssl |
		sed 's/127\.0\.0\.1/::1/'
	echo "}"
	echo "service pop3-login {"
	fixture__dovecot_listener pop3 "$DV_POP3"
	fixture__dovecot_listener pop3s "$DV_POP3S" ssl
	fixture__dovecot_listener pop3_proxy "$DV_PROXY_POP3" "" haproxy
	fixture__dovecot_listener pop3s_proxy "$DV_PROXY_POP3S" ssl haproxy
	echo "}"
	echo "service managesieve-login {"
	fixture__dovecot_listener sieve "$DV_SIEVE"
	echo "}"
	echo "service lmtp {"
	fixture__dovecot_listener lmtp "$DV_LMTP"
	echo "}"
}

fixture__dovecot_base() {
	local dh=
	[ -r /usr/share/dovecot/dh.pem ] && dh="ssl_dh = </usr/share/dovecot/dh.pem"
	cat <<-EOF
	# tls-probe test fixture: private Dovecot instance, loopback only
	base_dir = $DV_RUN
	state_dir = $DV_DIR/state
	instance_name = dovecot-tp$$
	log_path = $DV_DIR/dovecot.log
	import_environment = TZ OPENSSL_CONF=$TP_TMP/openssl.cnf
	protocols = imap pop3 lmtp sieve
	listen = 127.0.0.1
	# the *_proxy listeners expect a PROXY header, and wait 4 s for it (longer
	# than a check under valgrind needs to start: see proxy_hints.t)
	haproxy_trusted_networks = 127.0.0.0/8
	haproxy_timeout = 4 secs
	ssl = yes
	ssl_cert = <$(fixture__cert "$1").fullchain.crt
	ssl_key = <$(fixture__cert "$1").key
	${2:+ssl_alt_cert = <$(fixture__cert "$2").fullchain.crt}
	${2:+ssl_alt_key = <$(fixture__cert "$2").key}
	$dh
	local_name other.example.test {
	  ssl_cert = <$PKI/other.fullchain.crt
	  ssl_key = <$PKI/other.key
	}
	disable_plaintext_auth = no
	auth_mechanisms = plain
	passdb {
	  driver = static
	  args = nopassword=y
	}
	userdb {
	  driver = static
	  args = uid=nobody gid=nogroup home=$DV_DIR/home/%u
	}
	mail_location = maildir:~/Maildir
	EOF
}

# ---- HAProxy -----------------------------------------------------------

fixture_start_haproxy() {
	[ -n "${PF_PROXY:-}" ] || tap_bail "fixture_start_haproxy needs Postfix"
	fixture__tmp
	HA_DIR=$TP_TMP/haproxy
	export HA_DIR
	fixture__start haproxy "$HA_DIR/haproxy.pid" "$HA_DIR/start.log"
}

fixture__haproxy_try() {
	local p
	rm -rf "$HA_DIR"
	mkdir -p "$HA_DIR"
	p=($(fixture__freeports 6))
	export HA_V1=${p[0]} HA_V2=${p[1]} HA_SMTP_V1=${p[2]}
	export HA_ACCEPT_SMTP=${p[3]} HA_ACCEPT_TLS=${p[4]} HA_TLS=${p[5]}
	fixture__haproxy_cfg >"$HA_DIR/haproxy.cfg"
	haproxy -D -f "$HA_DIR/haproxy.cfg" -p "$HA_DIR/haproxy.pid" \
		>"$HA_DIR/start.log" 2>&1 &&
		fixture__wait_ports haproxy "127.0.0.1:$HA_V1" "127.0.0.1:$HA_V2" \
		"127.0.0.1:$HA_SMTP_V1" "127.0.0.1:$HA_ACCEPT_SMTP" \
		"127.0.0.1:$HA_ACCEPT_TLS" "127.0.0.1:$HA_TLS"
}

fixture__haproxy_cfg() {
	cat <<-EOF
	# tls-probe test fixture: PROXY protocol in front of Postfix
	global
	  maxconn 64
	defaults
	  mode tcp
	  timeout connect 5s
	  timeout client 30s
	  timeout server 30s
	listen ha_v1
	  bind 127.0.0.1:$HA_V1
	  server pf 127.0.0.1:$PF_PROXY send-proxy
	listen ha_v2
	  bind 127.0.0.1:$HA_V2
	  server pf 127.0.0.1:$PF_PROXY send-proxy-v2
	listen ha_smtp_v1
	  bind 127.0.0.1:$HA_SMTP_V1
	  server pf 127.0.0.1:$PF_PROXY_SMTP send-proxy
	# HAProxy expecting a header (and hanging up 2 s without one) ...
	listen ha_accept_smtp
	  bind 127.0.0.1:$HA_ACCEPT_SMTP accept-proxy
	  timeout client 2s
	  server pf 127.0.0.1:$PF_SMTP
	listen ha_accept_tls
	  bind 127.0.0.1:$HA_ACCEPT_TLS accept-proxy
	  server pf 127.0.0.1:$PF_SUBMISSIONS
	# ... and terminating TLS (OpenSSL), expecting none
	listen ha_tls
	  bind 127.0.0.1:$HA_TLS ssl crt $PKI/haproxy/mail.pem
	  server pf 127.0.0.1:$PF_SMTP
	EOF
}

# ---- HAProxy terminating TLS ------------------------------------------
# Frontends that do the TLS themselves (bind ... ssl crt), for handshake
# features; all serve mail.example.test's chain unless said otherwise:
#   HT_OCSP_GOOD     staples inter's OCSP response "good"
#   HT_OCSP_REVOKED  serves revoked.example.test, stapling "revoked"
#   HT_OCSP_BADSIG   serves mail-renewed, stapling a "good" response
#                    signed by a non-responder (the leaf "other")
#   HT_STRICT_SNI    strict-sni: other SNI names get an alert, no staple
#   HT_TLS12         ssl-max-ver TLSv1.2, no staple, and its own cipher
#                    order first (HAProxy's default) with an anonymous
#                    suite on top, as opportunistic TLS allows: a client
#                    that offers aNULL gets no certificate
# There is no backend: "tcp-request content reject" closes each connection
# as soon as its handshake is done (like a TLS proxy whose backend is
# down), which is all that "-P tls" and s_client need.

fixture_start_haproxy_tls() {
	fixture_pki
	fixture__tmp
	HT_DIR=$TP_TMP/haproxy-tls
	export HT_DIR
	fixture__start haproxy_tls "$HT_DIR/haproxy.pid" "$HT_DIR/start.log"
}

fixture__haproxy_tls_try() {
	local p
	rm -rf "$HT_DIR"
	mkdir -p "$HT_DIR"
	p=($(fixture__freeports 5))
	export HT_OCSP_GOOD=${p[0]} HT_OCSP_REVOKED=${p[1]}
	export HT_OCSP_BADSIG=${p[2]} HT_STRICT_SNI=${p[3]} HT_TLS12=${p[4]}
	fixture__haproxy_tls_cfg >"$HT_DIR/haproxy.cfg"
	haproxy -D -f "$HT_DIR/haproxy.cfg" -p "$HT_DIR/haproxy.pid" \
		>"$HT_DIR/start.log" 2>&1 &&
		fixture__wait_ports haproxy-tls "127.0.0.1:$HT_OCSP_GOOD" \
		"127.0.0.1:$HT_OCSP_REVOKED" "127.0.0.1:$HT_OCSP_BADSIG" \
		"127.0.0.1:$HT_STRICT_SNI" "127.0.0.1:$HT_TLS12"
}

fixture__haproxy_tls_cfg() {
	local h=$PKI/haproxy
	cat <<-EOF
	# tls-probe test fixture: HAProxy terminating TLS, no backend
	global
	  maxconn 64
	defaults
	  mode tcp
	  timeout connect 5s
	  timeout client 30s
	  timeout server 30s
	listen ht_ocsp_good
	  bind 127.0.0.1:$HT_OCSP_GOOD ssl crt $h/mail-ocsp.pem
	  tcp-request content reject
	listen ht_ocsp_revoked
	  bind 127.0.0.1:$HT_OCSP_REVOKED ssl crt $h/revoked.pem
	  tcp-request content reject
	listen ht_ocsp_badsig
	  bind 127.0.0.1:$HT_OCSP_BADSIG ssl crt $h/mail-renewed.pem
	  tcp-request content reject
	listen ht_strict_sni
	  bind 127.0.0.1:$HT_STRICT_SNI ssl crt $h/mail.pem strict-sni
	  tcp-request content reject
	listen ht_tls12
	  bind 127.0.0.1:$HT_TLS12 ssl crt $h/mail.pem ssl-max-ver TLSv1.2 ciphers AECDH-AES256-SHA:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0
	  tcp-request content reject
	EOF
}

# ---- certificate swaps -------------------------------------------------

# fixture_swap_cert postfix|dovecot NAME [ALT]: NAME becomes the default
# certificate, and ALT (of another key type) the second one when given;
# returns once they are served (1 after 10 s of waiting).
fixture_swap_cert() {
	local base alt= files
	base=$(fixture__cert "$2")
	[ -f "$base.key" ] || tap_bail "fixture_swap_cert: no $base.key"
	files="$base.key, $base.fullchain.crt"
	if [ -n "${3:-}" ]; then
		alt=$(fixture__cert "$3")
		[ -f "$alt.key" ] || tap_bail "fixture_swap_cert: no $alt.key"
		files="$files, $alt.key, $alt.fullchain.crt"
	fi
	case $1 in
	postfix)
		postconf -c "$PF_DIR" -e "smtpd_tls_chain_files = $files" &&
			fixture__postfix_settle &&
			postfix -c "$PF_DIR" reload >>"$PF_DIR/start.log" 2>&1 ||
			tap_bail "postfix reload failed"
		fixture__wait_certs postfix "$PF_SMTP" smtp "$2" ${3:+"$3"}
		;;
	dovecot)
		fixture__dovecot_conf "$2" ${3:+"$3"} >"$DV_CONF.new" &&
			mv "$DV_CONF.new" "$DV_CONF" &&
			doveadm -c "$DV_CONF" reload >>"$DV_DIR/start.log" 2>&1 ||
			tap_bail "dovecot reload failed"
		fixture__wait_certs dovecot "$DV_IMAPS" "" "$2" ${3:+"$3"}
		;;
	*)
		tap_bail "fixture_swap_cert: unknown server '$1'"
		;;
	esac
}

# fixture__wait_certs WHAT PORT STARTTLS NAME [ALT]: wait for NAME, and
# with ALT for each of the two asked for by its key type's signatures.
fixture__wait_certs() {
	local what=$1 port=$2 starttls=$3 name
	shift 3
	if [ $# -eq 1 ]; then
		fixture__wait_cert "$what" "$1" "$port" "$starttls"
		return
	fi
	for name in "$@"; do
		fixture__wait_cert "$what" "$name" "$port" "$starttls" "$(fixture__sigalgs "$name")" ||
			return 1
	done
}

# fixture__sigalgs NAME: the signature algorithms of NAME's key type.
fixture__sigalgs() {
	if openssl x509 -in "$(fixture__cert "$1").crt" -noout -text | grep -q rsaEncryption; then
		echo "rsa_pss_rsae_sha256:RSA+SHA256"
	else
		echo "ECDSA+SHA256"
	fi
}
