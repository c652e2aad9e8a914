# oci_registry.sh - start and stop Debian's docker-registry (the CNCF
# distribution registry) on 127.0.0.1 for the OCI tests (t6xxx).  Sourced
# after lib.sh.
#
#   registry_start [AUTH_HTPASSWD_FILE]   sets REG (host:port), REG_STORE, REG_LOG
#   proxy_start    sets PROXY (host:port), PROXY_LOG: tests/oci_referrers_proxy.py
#                  in front of $REG, an OCI 1.1 referrers API on top of it
#   token_server_start USERS              a loopback token server
#                                         (oci_token_server.py); sets
#                                         TOKEN_REALM, TOKEN_LOG
#   registry_start --token                then: the registry trusts that
#                                         server's tokens (auth: token:)
#
# The registry, the proxy and the token server are killed on every exit path (the EXIT
# trap replaces lib.sh's and still removes $TRASH).
REG_BIN=/usr/bin/docker-registry
REG_PID=
PROXY_PID=
TOKEN_PID=
TOKEN_SERVICE=gpai-test-registry
TOKEN_ISSUER=gpai-test-issuer

registry_stop() {
	if [ -n "$PROXY_PID" ]; then
		kill "$PROXY_PID" 2>/dev/null
		wait "$PROXY_PID" 2>/dev/null
		PROXY_PID=
	fi
	if [ -n "$REG_PID" ]; then
		kill "$REG_PID" 2>/dev/null
		wait "$REG_PID" 2>/dev/null
		REG_PID=
	fi
	if [ -n "$TOKEN_PID" ]; then
		kill "$TOKEN_PID" 2>/dev/null
		wait "$TOKEN_PID" 2>/dev/null
		TOKEN_PID=
	fi
}
trap 'registry_stop; rm -rf "$TRASH"' EXIT
trap 'exit 1' INT TERM HUP

# A free TCP port on 127.0.0.1 (the kernel picks it).
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# token_server_start USERS: an RSA key and self-signed certificate made with
# openssl, then oci_token_server.py on 127.0.0.1 (USERS: lines of
# user:password:actions:field:expires, see the server).  TOKEN_LOG gets one line per
# token request: "<status> <user> <scope>...".
token_server_start() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=gpai-test-token \
		-keyout "$TRASH/token-key.pem" -out "$TRASH/token-cert.pem" 2>/dev/null || {
		echo "not ok - $test_name: openssl cannot make the token signing key"
		exit 1
	}
	TOKEN_LOG=$TRASH/token.log
	: >"$TOKEN_LOG"
	/usr/bin/python3 "$GPAI_TOP/tests/cli/oci_token_server.py" "$TRASH/token.port" \
		"$TOKEN_LOG" "$1" "$TRASH/token-key.pem" "$TRASH/token-cert.pem" \
		"$TOKEN_ISSUER" 2>"$TRASH/token-server.err" &
	TOKEN_PID=$!
	i=0
	while [ ! -s "$TRASH/token.port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$TRASH/token.port" ]; then
		echo "not ok - $test_name: the token server did not start:"
		sed 's/^/#   /' "$TRASH/token-server.err" | tail -n 20
		exit 1
	fi
	TOKEN_REALM=http://127.0.0.1:$(cat "$TRASH/token.port")/token
}

registry_start() {
	if [ ! -x "$REG_BIN" ]; then
		echo "not ok - $test_name: $REG_BIN is missing (tools/deps.sh test installs docker-registry)"
		exit 1
	fi
	port=$(free_port)
	REG=127.0.0.1:$port
	REG_STORE=$TRASH/regstore
	REG_LOG=$TRASH/registry.log
	{
		echo "version: 0.1"
		echo "log: {level: info}"
		echo "storage:"
		echo "  filesystem: {rootdirectory: $REG_STORE}"
		echo "http:"
		echo "  addr: $REG"
		echo "  secret: gpai-test-secret"
		if [ "${1:-}" = --token ]; then
			echo "auth:"
			echo "  token:"
			echo "    realm: $TOKEN_REALM"
			echo "    service: $TOKEN_SERVICE"
			echo "    issuer: $TOKEN_ISSUER"
			echo "    rootcertbundle: $TRASH/token-cert.pem"
		elif [ -n "${1:-}" ]; then
			echo "auth:"
			echo "  htpasswd: {realm: gpai-test, path: $1}"
		fi
	} >"$TRASH/registry.yml"
	"$REG_BIN" serve "$TRASH/registry.yml" >"$REG_LOG" 2>&1 &
	REG_PID=$!
	# wait until it answers /v2/ (200, or 401 with auth), at most ~10 s
	i=0
	while [ $i -lt 100 ]; do
		code=$(/usr/bin/python3 - "$REG" <<'PY' 2>/dev/null
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen("http://%s/v2/" % sys.argv[1], timeout=1).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print(0)
PY
)
		case $code in 200|401) return 0 ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	echo "not ok - $test_name: docker-registry did not start:"
	sed 's/^/#   /' "$REG_LOG" | tail -n 20
	exit 1
}

proxy_start() {
	PROXY_LOG=$TRASH/proxy.log
	rm -f "$TRASH/proxy.port"
	/usr/bin/python3 "$GPAI_TOP/tests/oci_referrers_proxy.py" "$REG" "$TRASH/proxy.port" \
		"$PROXY_LOG" 2>"$TRASH/proxy.err" &
	PROXY_PID=$!
	i=0
	while [ $i -lt 100 ] && [ ! -s "$TRASH/proxy.port" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$TRASH/proxy.port" ]; then
		echo "not ok - $test_name: the referrers proxy did not start:"
		sed 's/^/#   /' "$TRASH/proxy.err" | tail -n 20
		exit 1
	fi
	PROXY=127.0.0.1:$(cat "$TRASH/proxy.port")
}

# oci_get PATH [ACCEPT]: GET http://$REG/PATH (anonymous) to stdout.
oci_get() {
	/usr/bin/python3 - "$REG" "$1" "${2:-application/vnd.oci.image.manifest.v1+json}" <<'PY'
import sys, urllib.request
req = urllib.request.Request("http://%s%s" % (sys.argv[1], sys.argv[2]),
                             headers={"Accept": sys.argv[3]})
sys.stdout.buffer.write(urllib.request.urlopen(req, timeout=10).read())
PY
}

# oci_model DIR: a small model directory to push: stories260K when the
# shared folder has it, else a gpai-fixture GGUF plus a README.
oci_model() {
	mkdir -p "$1"
	if have_shared models/stories260K/stories260K.gguf; then
		cp "$GPAI_SHARED"/models/stories260K/* "$1"/
	else
		fixture gguf "$1/model.gguf" >/dev/null
		echo "test model" >"$1/README.md"
		head -c 600000 /dev/urandom >"$1/extra.bin"
	fi
}
