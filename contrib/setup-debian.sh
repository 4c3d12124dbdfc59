#!/bin/sh
# setup-debian.sh - install what tls-probe needs to build and test on Debian 12
# (only the packages that are missing; run as root), then build out of tree.
#   contrib/setup-debian.sh [--with-peers]
#     --with-peers  also check_ssl_cert and check_smtp, for bench/
#   BUILD_DIR (default _build) and CONFIGURE_FLAGS choose the build.
set -eu
cd "$(dirname "$0")/.."
top=$PWD

packages="autoconf automake libtool pkg-config make gcc libc6-dev libssl-dev openssl help2man
	clang libclang-rt-14-dev valgrind
	postfix dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd
	dovecot-managesieved haproxy gnutls-bin jq procps iproute2
	libcurl4-openssl-dev libjansson-dev libgmime-3.0-dev zlib1g-dev nginx-light libnginx-mod-mail icinga2-bin icinga2-common nagios4-core zabbix-agent
	prometheus prometheus-node-exporter curl python3-yaml
	zabbix-server-pgsql php-cgi zabbix-frontend-php php-cli php-pgsql postgresql-15 nodejs
	build-essential dpkg-dev debhelper lintian git bsdutils
	libunbound-dev dns-root-data nsd ldnsutils unbound-host libidn2-dev
	libdb5.3 libgnutls30 libgnutls-dane0 libidn12 libidn2-0 libnsl2 libpcre2-8-0 libcrypt1"
[ "${1:-}" = --with-peers ] && packages="$packages monitoring-plugins-basic monitoring-plugins-contrib"

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup-debian.sh: missing packages:$missing; run as root to install them" >&2
		exit 1
	fi
	echo "setup-debian.sh: installing$missing"
	apt-get update -qq
	# postfix asks questions unless told not to; its own instance is left alone.
	# No recommends: zabbix-frontend-php's would bring apache2 (and start it);
	# php-cgi answers php's need of a SAPI, where apache's module would bring
	# apache2-bin. t/zabbix_server.t serves the frontend with php -S.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Exim conflicts with Postfix as a package: its daemon is unpacked under
# .cache/exim (git-ignored) for t/lib/mail_servers.sh, not installed; the
# libraries it links (the lib* above) are ordinary packages.
exim_root=$top/.cache/exim
if [ ! -x "$exim_root/usr/sbin/exim4" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup-debian.sh: Exim is not unpacked in $exim_root; run as root to fetch it" >&2
		exit 1
	fi
	echo "setup-debian.sh: unpacking exim4-daemon-light into $exim_root"
	debs=$(mktemp -d)
	chown _apt "$debs" 2>/dev/null || true	# apt downloads as _apt when it can
	(cd "$debs" && apt-get download -qq exim4-daemon-light) ||
		{ apt-get update -qq && (cd "$debs" && apt-get download -qq exim4-daemon-light); } ||
		{ rm -rf "$debs"; exit 1; }
	rm -rf "$exim_root.new"
	mkdir -p "$exim_root.new"
	if ! dpkg-deb -x "$debs"/exim4-daemon-light_*.deb "$exim_root.new"; then
		rm -rf "$debs" "$exim_root.new"
		exit 1
	fi
	rm -rf "$debs" "$exim_root"
	mv "$exim_root.new" "$exim_root"
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
build=${BUILD_DIR:-_build}
mkdir -p "$build"
cd "$build"
[ -f Makefile ] && [ config.status -nt "$top/configure" ] ||
	"$top/configure" -q ${CONFIGURE_FLAGS:-}
make -s -j"$(nproc)" >/dev/null
make -s -j"$(nproc)" check TESTS= >/dev/null	# test helpers, no tests yet
