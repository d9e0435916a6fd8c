#!/bin/sh
# Conclave set-up on Debian 12: installs what is missing, builds, and then
#   ./setup.sh rehearsal   runs the csca-init rehearsal on a throwaway SoftHSM token
#   ./setup.sh check       runs every test (make check)
#   ./setup.sh build       only builds
# Build products go to ./build; rehearsal outputs to ./rehearsal-<UTC time>/.
set -eu

cd "$(dirname "$0")"
top=$(pwd)
what=${1:-build}

packages="build-essential autoconf automake autoconf-archive libtool pkg-config
 libtasn1-6-dev libtasn1-bin libgnutls28-dev gnutls-bin libp11-kit-dev p11-kit
 softhsm2 libgcrypt20-dev libsqlite3-dev sqlite3 libcunit1-dev openssl
 opensc gdb python3 python3-cryptography libqrencode-dev libncurses-dev tmux zbar-tools faketime
 openpace"

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	echo "setup: autoreconf"
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
mkdir -p build
cd build
if [ ! -f Makefile ] || [ ../configure -nt config.status ]; then
	echo "setup: configure"
	../configure -q
fi
echo "setup: make"
make -s -j"$(nproc)" >/dev/null

case "$what" in
build)
	echo "setup: built build/src/console/conclave"
	;;
rehearsal)
	out="$top/rehearsal-$(date -u +%Y%m%dT%H%M%SZ)"
	./src/console/conclave run --rehearsal \
		--answers "$top/ceremony-scripts/csca-init.rehearsal-answers" \
		--out "$out" "$top/ceremony-scripts/csca-init.ceremony"
	echo
	echo "Outputs in $out:"
	ls -1 "$out"
	echo
	cat "$out/summary.txt"
	;;
check)
	status=0
	make -s -j"$(nproc)" check || status=$?
	# one closing line for people and CI: every test program and script counted
	if [ -f test-suite.log ]; then
		pass=$(sed -n 's/^# PASS: *//p' test-suite.log)
		fail=$(sed -n 's/^# FAIL: *//p' test-suite.log)
		err=$(sed -n 's/^# ERROR: *//p' test-suite.log)
		skip=$(sed -n 's/^# SKIP: *//p' test-suite.log)
		echo "${pass:-0} passed, $(( ${fail:-0} + ${err:-0} )) failed, ${skip:-0} skipped"
	fi
	exit "$status"
	;;
*)
	echo "usage: $0 [build|rehearsal|check]" >&2
	exit 2
	;;
esac
