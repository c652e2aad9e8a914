#!/bin/sh
# deps.sh - make sure the Debian packages gpai needs are installed.
#
#   tools/deps.sh build   libraries and pkg-config (for `make`)
#   tools/deps.sh test    also the tools the tests use (for `make test`)
#
# As root a missing package is installed with apt-get; otherwise the script
# stops and prints the exact apt-get line to run.  Prints nothing when all
# is present.
set -eu
what=${1:-build}

need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in pkg-config libsqlite3-dev libssl-dev libarchive-dev libcjson-dev libcurl4-openssl-dev; do
	have_pkg "$p" || need="$need $p"
done
if [ "$what" = test ]; then
	# python3-numpy: independent float64 reference computations in tests
	# (Debian's /usr/bin/python3); zstd, zip, xz-utils: archive fixtures;
	# python3-jsonschema: bundles checked against the OMS JSON schemas, the
	# dossier JSON against docs/dossier-schema.json;
	# chromium, poppler-utils: the PDF dossier and its text (pdftotext);
	# docker-registry (the CNCF distribution registry) and apache2-utils
	# (htpasswd -B): the OCI push/pull tests' loopback registry; openssl also
	# signs the tokens of the OCI token-auth test's token server; strace: the
	# bytes a pull reads back from its staged files (t6050).
	for p in python3-numpy python3-jsonschema zstd zip unzip xz-utils sqlite3 openssl \
		chromium poppler-utils docker-registry apache2-utils strace; do
		have_pkg "$p" || need="$need $p"
	done
fi
[ -z "$need" ] && exit 0

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "gpai: cannot check packages (not a Debian system); install:$need" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "gpai: missing Debian packages; run as root:" >&2
	echo "  apt-get update && apt-get install -y$need" >&2
	exit 1
fi
echo "gpai: installing missing Debian packages:$need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || true
apt-get install -y -qq $need >&2
