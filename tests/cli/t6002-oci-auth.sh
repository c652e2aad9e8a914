#!/bin/sh
# t6002-oci-auth: a registry that requires authentication (docker-registry
# with an htpasswd file, bcrypt as distribution 2.8 requires: htpasswd -B).
# Without credentials push fails with a message saying how to log in; with
# the docker config's credentials ($HOME/.docker/config.json, "auths" ->
# base64 "user:password") push and pull work; wrong ones are refused.
. "$GPAI_TOP/tests/cli/lib.sh"
. "$GPAI_TOP/tests/cli/oci_registry.sh"

htpasswd -cbB "$TRASH/htpasswd" alice s3cret 2>/dev/null
registry_start "$TRASH/htpasswd"
oci_model model

docker_config() { # HOMEDIR USER PASSWORD
	mkdir -p "$1/.docker"
	auth=$(printf '%s:%s' "$2" "$3" | base64 -w0)
	printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REG" "$auth" >"$1/.docker/config.json"
}

test_expect_success 'setup' '
	gpai init >/dev/null &&
	gpai add model --name tiny --version 1 >/dev/null &&
	mkdir empty-home &&
	docker_config good-home alice s3cret &&
	docker_config bad-home alice wrong
'

test_expect_success 'push without credentials fails and says how to log in' '
	test_expect_code 1 env HOME="$TRASH/empty-home" DOCKER_CONFIG= "$GPAI" push tiny@1 \
		"oci://$REG/team/tiny:v1" --insecure-http 2>err &&
	grep_q "registry .$REG. requires authentication (Basic realm=\"gpai-test\")" err &&
	grep_q "docker login $REG" err
'

test_expect_success 'push with wrong credentials is refused' '
	test_expect_code 1 env HOME="$TRASH/bad-home" DOCKER_CONFIG= "$GPAI" push tiny@1 \
		"oci://$REG/team/tiny:v1" --insecure-http 2>err &&
	grep_q "registry .$REG. refused the credentials" err
'

test_expect_success 'push and pull with the docker config credentials' '
	env HOME="$TRASH/good-home" DOCKER_CONFIG= "$GPAI" push tiny@1 \
		"oci://$REG/team/tiny:v1" --insecure-http --json >push.json &&
	test "$(json_get push.json "j[\"skipped\"]")" -eq 0 &&
	gpai --registry fresh init >/dev/null &&
	env HOME="$TRASH/good-home" DOCKER_CONFIG= "$GPAI" --registry fresh pull \
		"oci://$REG/team/tiny:v1" --insecure-http --json >pull.json &&
	gpai show tiny@1 --json >src.json &&
	test "$(json_get pull.json "j[\"root_digest\"]")" = "$(json_get src.json "j[\"root_digest\"]")"
'

test_expect_success 'DOCKER_CONFIG points at another config folder' '
	gpai --registry fresh2 init >/dev/null &&
	env HOME="$TRASH/empty-home" DOCKER_CONFIG="$TRASH/good-home/.docker" "$GPAI" \
		--registry fresh2 pull "oci://$REG/team/tiny:v1" --insecure-http >/dev/null
'

test_done
