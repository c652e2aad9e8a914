#!/bin/sh
# t6010-oci-token-auth: push and pull through the token flow of the CNCF
# distribution registry (docs/spec/auth/token.md): docker-registry with
# `auth: token:` trusts the tokens of a loopback token server
# (oci_token_server.py: Basic credentials in, an RS256 JWT with x5c and the
# granted scope out).  Checks: the docker config's credentials, DOCKER_CONFIG,
# --username/--password-stdin; one token per command (not one per blob),
# a second only when a cross-repository mount adds a scope; expires_in;
# a token field named access_token; no credentials / a wrong password / a
# pull-only account fail with exit 1 and a message naming the registry and
# what is missing; no password or token ever printed; a token service that
# is plain http on a non-loopback host is refused.
. "$GPAI_TOP/tests/cli/lib.sh"
. "$GPAI_TOP/tests/cli/oci_registry.sh"

ALICE_PW=al1ce-Pw-4711
BOB_PW=b0b-Pw-0815
# alice may pull and push and gets "token"; bob may only pull and gets
# "access_token" (the OAuth 2 name the token spec allows); both get
# expires_in 300.  carol's answers have no expires_in (60 s then), dave's
# say 1 s, less than the 5 s before expiry at which gpai renews a token.
{
	printf 'alice:%s:pull,push:token:300\n' "$ALICE_PW"
	printf 'bob:%s:pull:access_token:300\n' "$BOB_PW"
	printf 'carol:%s:pull:token:-\n' "$BOB_PW"
	printf 'dave:%s:pull:token:1\n' "$BOB_PW"
} >"$TRASH/users"
token_server_start "$TRASH/users"
registry_start --token
oci_model model

docker_config() { # HOMEDIR USER PASSWORD
	mkdir -p "$1/.docker"
	auth=$(printf '%s:%s' "$2" "$3" | base64 -w0)
	printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REG" "$auth" >"$1/.docker/config.json"
}
# token_requests STATUS USER: token requests so far with that answer and user
token_requests() { grep -c "^$1 $2 " "$TOKEN_LOG" || true; }

test_expect_success 'setup: a signed version, homes with and without credentials' '
	gpai init >/dev/null &&
	gpai add model --name tiny --version 1 >/dev/null &&
	gpai key generate --out signer.pem >/dev/null &&
	gpai sign tiny@1 --key signer.pem >/dev/null &&
	mkdir empty-home &&
	docker_config alice-home alice "$ALICE_PW" &&
	docker_config bob-home bob "$BOB_PW" &&
	docker_config wrong-home alice not-the-password
'

test_expect_success 'the registry refuses anonymous requests with a Bearer challenge' '
	/usr/bin/python3 - "$REG" "$TOKEN_REALM" <<-\PY
	import sys, urllib.request, urllib.error
	reg, realm = sys.argv[1:]
	try:
	    urllib.request.urlopen("http://%s/v2/team/tiny/manifests/v1" % reg, timeout=10)
	    raise SystemExit("anonymous GET was answered")
	except urllib.error.HTTPError as e:
	    assert e.code == 401, e.code
	    ch = e.headers["WWW-Authenticate"]
	    assert ch.startswith("Bearer realm=\"%s\"" % realm), ch
	    assert "scope=\"repository:team/tiny:pull\"" in ch, ch
	PY
'

test_expect_success 'push without credentials fails naming the registry: authentication required' '
	test_expect_code 1 env HOME="$TRASH/empty-home" DOCKER_CONFIG= "$GPAI" push tiny@1 \
		"oci://$REG/team/tiny:v1" --insecure-http >out 2>err &&
	grep_q "registry .$REG. requires authentication (a Bearer token from .$TOKEN_REALM.) and no credentials for it were found" err &&
	grep_q "docker login $REG" err &&
	test "$(token_requests 401 -)" -ge 1 &&
	test "$(token_requests 200 -)" -eq 0
'

test_expect_success 'push with the docker config: everything goes up on one token' '
	env HOME="$TRASH/alice-home" DOCKER_CONFIG= "$GPAI" push tiny@1 \
		"oci://$REG/team/tiny:v1" --insecure-http --json >push1.json 2>push1.err &&
	grep_q "\"HEAD /v2/team/tiny/blobs/sha256:[0-9a-f]* HTTP/1.1\" 401 " "$REG_LOG" &&
	n=$(ls model | wc -l) &&
	test "$(json_get push1.json "j[\"uploaded\"]")" -eq $((n + 3)) &&
	test "$(json_get push1.json "j[\"referrers\"]")" = tag &&
	test "$(token_requests 200 alice)" -eq 1 &&
	grep_q "^200 alice repository:team/tiny:pull,push$" "$TOKEN_LOG"
'

test_expect_success 'a second push asks one more token and uploads nothing' '
	env HOME="$TRASH/alice-home" DOCKER_CONFIG= "$GPAI" push tiny@1 \
		"oci://$REG/team/tiny:v1" --insecure-http --json >push2.json 2>push2.err &&
	test "$(json_get push2.json "j[\"uploaded\"]")" -eq 0 &&
	test "$(token_requests 200 alice)" -eq 2
'

test_expect_success 'pull --verify with a pull-only account whose token comes as access_token' '
	gpai show tiny@1 --json >src.json &&
	gpai --registry fresh init >/dev/null &&
	env HOME="$TRASH/bob-home" DOCKER_CONFIG= "$GPAI" --registry fresh pull \
		"oci://$REG/team/tiny:v1" --insecure-http --verify --key signer.pub.pem \
		--json >pull1.json 2>pull1.err &&
	test "$(json_get pull1.json "j[\"verified\"]")" = True &&
	test "$(json_get pull1.json "j[\"root_digest\"]")" = "$(json_get src.json "j[\"root_digest\"]")" &&
	test "$(token_requests 200 bob)" -eq 1 &&
	grep_q "^200 bob repository:team/tiny:pull$" "$TOKEN_LOG"
'

test_expect_success 'an answer without expires_in: the token is kept for the whole pull' '
	gpai --registry fresh4 init >/dev/null &&
	printf "%s\n" "$BOB_PW" | env HOME="$TRASH/empty-home" DOCKER_CONFIG= "$GPAI" \
		--registry fresh4 pull "oci://$REG/team/tiny:v1" --insecure-http \
		--username carol --password-stdin >pull4.out 2>pull4.err &&
	test "$(token_requests 200 carol)" -eq 1
'

test_expect_success 'a token that expires within 5 s is renewed before each request' '
	gpai --registry fresh5 init >/dev/null &&
	before=$(wc -l <"$REG_LOG") &&
	printf "%s\n" "$BOB_PW" | env HOME="$TRASH/empty-home" DOCKER_CONFIG= "$GPAI" \
		--registry fresh5 pull "oci://$REG/team/tiny:v1" --insecure-http \
		--username dave --password-stdin >pull5.out 2>pull5.err &&
	# every request went out with a fresh token: at least as many tokens
	# as requests the registry authorized during the pull (distribution
	# 2.8 does not log the 404 of the referrers API probe, which also got
	# one), where a kept token would have been one
	reqs=$(tail -n +$((before + 1)) "$REG_LOG" | grep -c "msg=\"authorized request\"") &&
	test "$reqs" -ge 3 &&
	test "$(token_requests 200 dave)" -ge "$reqs"
'

test_expect_success 'DOCKER_CONFIG names the config folder' '
	gpai --registry fresh2 init >/dev/null &&
	env HOME="$TRASH/empty-home" DOCKER_CONFIG="$TRASH/bob-home/.docker" "$GPAI" \
		--registry fresh2 pull "oci://$REG/team/tiny:v1" --insecure-http \
		>pull2.out 2>pull2.err
'

# The push to team/copy mounts the blobs from team/tiny: the mount's
# challenge adds pull on team/tiny to the scopes, so a second token is asked
# for both repositories.
test_expect_success '--username with --password-stdin: push (mounting from team/tiny) and pull' '
	printf "%s\n" "$ALICE_PW" | env HOME="$TRASH/empty-home" DOCKER_CONFIG= "$GPAI" push \
		tiny@1 "oci://$REG/team/copy:v1" --insecure-http --username alice \
		--password-stdin --json >push3.json 2>push3.err &&
	test "$(json_get push3.json "j[\"manifest\"]")" = "$(json_get push1.json "j[\"manifest\"]")" &&
	test "$(json_get push3.json "j[\"uploaded\"]")" -eq 0 &&
	test "$(json_get push3.json "j[\"mounted\"]")" -gt 0 &&
	grep_q "^200 alice repository:team/copy:pull,push repository:team/tiny:pull$" "$TOKEN_LOG" &&
	gpai --registry fresh3 init >/dev/null &&
	printf "%s\n" "$BOB_PW" | env HOME="$TRASH/empty-home" DOCKER_CONFIG= "$GPAI" \
		--registry fresh3 pull "oci://$REG/team/copy:v1" --insecure-http \
		--username bob --password-stdin --json >pull3.json 2>pull3.err &&
	test "$(json_get pull3.json "j[\"root_digest\"]")" = "$(json_get src.json "j[\"root_digest\"]")"
'

test_expect_success '--username and --password-stdin go together' '
	test_expect_code 2 gpai push tiny@1 "oci://$REG/team/tiny:v1" --username alice 2>err &&
	grep_q "needs --password-stdin" err &&
	test_expect_code 2 gpai pull "oci://$REG/team/tiny:v1" --password-stdin 2>err &&
	grep_q "needs --username" err &&
	test_expect_code 1 gpai push tiny@1 "oci://$REG/team/tiny:v1" --insecure-http \
		--username alice --password-stdin </dev/null 2>err &&
	grep_q "no password on stdin" err
'

test_expect_success 'a wrong password fails naming the token service, the user and the config' '
	before=$(token_requests 401 alice) &&
	test_expect_code 1 env HOME="$TRASH/wrong-home" DOCKER_CONFIG= "$GPAI" push tiny@1 \
		"oci://$REG/team/tiny:v1" --insecure-http >out4 2>err4 &&
	grep_q "registry .$REG.: the token service .$TOKEN_REALM. refused the credentials of user .alice. from the docker config .$TRASH/wrong-home/.docker/config.json. (status 401)" err4 &&
	test "$(token_requests 401 alice)" -eq $((before + 1))
'

test_expect_success 'a docker config "auth" that is not base64 user:password is named' '
	mkdir -p bad-auth-home/.docker &&
	printf "{\"auths\": {\"%s\": {\"auth\": \"%s\"}}}\n" "$REG" \
		"$(printf no-colon-here | base64 -w0)" >bad-auth-home/.docker/config.json &&
	test_expect_code 1 env HOME="$TRASH/bad-auth-home" DOCKER_CONFIG= "$GPAI" push tiny@1 \
		"oci://$REG/team/tiny:v1" --insecure-http 2>err7 &&
	grep_q "docker config .$TRASH/bad-auth-home/.docker/config.json.: auths entry .$REG.: \"auth\" is not base64 of user:password" err7
'

test_expect_success 'a docker config that is not JSON is named, not read as no credentials' '
	mkdir -p bad-json-home/.docker &&
	printf "{\"auths\": {\n" >bad-json-home/.docker/config.json &&
	test_expect_code 1 env HOME="$TRASH/bad-json-home" DOCKER_CONFIG= "$GPAI" push tiny@1 \
		"oci://$REG/team/tiny:v1" --insecure-http 2>err8 &&
	grep_q "docker config .$TRASH/bad-json-home/.docker/config.json.: not a JSON object" err8 &&
	printf "{\"auths\": []}\n" >bad-json-home/.docker/config.json &&
	test_expect_code 1 env HOME="$TRASH/bad-json-home" DOCKER_CONFIG= "$GPAI" push tiny@1 \
		"oci://$REG/team/tiny:v1" --insecure-http 2>err9 &&
	grep_q "docker config .$TRASH/bad-json-home/.docker/config.json.: \"auths\" is not an object" err9
'

test_expect_success 'a push with a pull-only account fails: the token does not grant push' '
	test_expect_code 1 env HOME="$TRASH/bob-home" DOCKER_CONFIG= "$GPAI" push tiny@1 \
		"oci://$REG/team/bobs:v1" --insecure-http >out5 2>err5 &&
	grep_q "registry .$REG. refused POST /v2/team/bobs/blobs/uploads/: the token for user .bob. from .$TOKEN_REALM. does not grant .repository:team/bobs:[a-z,]*. (insufficient_scope)" err5 &&
	grep_q "^200 bob repository:team/bobs:pull,push$" "$TOKEN_LOG" &&
	# a new token only for new scopes (the mount attempts add their source
	# repositories), never the same scopes asked again
	grep " bob repository:team/bobs:" "$TOKEN_LOG" | sort | uniq -d >again &&
	test ! -s again
'

test_expect_success 'the registry accepted the tokens (its log names the users)' '
	grep_q "auth.user.name=\"\\{0,1\\}alice" "$REG_LOG" &&
	grep_q "auth.user.name=\"\\{0,1\\}bob" "$REG_LOG"
'

test_expect_success 'no password, base64 credentials or token is ever printed' '
	for f in out err push1.json push1.err push2.json push2.err pull1.json pull1.err \
		pull2.out pull2.err push3.json push3.err pull3.json pull3.err pull4.out pull4.err \
		pull5.out pull5.err out4 err4 out5 err5; do
		test -f "$f" || { echo "missing $f" >&2; exit 1; }
		for secret in "$ALICE_PW" "$BOB_PW" not-the-password \
			"$(printf alice:%s "$ALICE_PW" | base64 -w0)" \
			"$(printf bob:%s "$BOB_PW" | base64 -w0)" eyJ; do
			if grep -q -F -e "$secret" "$f"; then
				echo "$f shows a secret ($secret)" >&2
				exit 1
			fi
		done
	done
'

test_expect_success 'a token service on plain http off loopback is refused before credentials go' '
	registry_stop &&
	TOKEN_REALM=http://192.0.2.1/token &&
	registry_start --token &&
	docker_config alice-home2 alice "$ALICE_PW" &&
	test_expect_code 1 env HOME="$TRASH/alice-home2" DOCKER_CONFIG= "$GPAI" push tiny@1 \
		"oci://$REG/team/tiny:v1" --insecure-http 2>err6 &&
	grep_q "token service .http://192.0.2.1/token., which is neither https nor on a loopback host" err6
'

test_done
