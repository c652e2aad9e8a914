/* test_oci_challenge.c - WWW-Authenticate challenges (RFC 7235 auth-params)
 * as registries send them, and the scope list a token is asked for.  The
 * first case is the challenge of the distribution registry's token
 * specification (docs/spec/auth/token.md, "How to authenticate"). */
#include "oci_private.h"
#include "harness.h"

#include <stdlib.h>

TEST(distribution_spec_example)
{
	struct oci_challenge ch;

	CHECK_INT(0, oci_challenge_parse("Bearer realm=\"https://auth.docker.io/token\","
					 "service=\"registry.docker.io\","
					 "scope=\"repository:samalba/my-app:pull,push\"", &ch));
	CHECK_STR("Bearer", ch.scheme);
	CHECK_STR("https://auth.docker.io/token", ch.realm);
	CHECK_STR("registry.docker.io", ch.service);
	CHECK_STR("repository:samalba/my-app:pull,push", ch.scope);
	CHECK(ch.error == NULL);
	oci_challenge_release(&ch);
}

TEST(several_scopes_and_error)
{
	struct oci_challenge ch;

	CHECK_INT(0, oci_challenge_parse("Bearer realm=\"http://127.0.0.1:5001/token\","
					 "service=\"reg\",scope=\"repository:a/b:pull "
					 "repository:c/d:pull,push\",error=\"insufficient_scope\"",
					 &ch));
	CHECK_STR("repository:a/b:pull repository:c/d:pull,push", ch.scope);
	CHECK_STR("insufficient_scope", ch.error);
	oci_challenge_release(&ch);
}

TEST(case_spaces_and_bare_tokens)
{
	struct oci_challenge ch;

	/* scheme and parameter names are case-insensitive; spaces around "="
	 * and "," are allowed; values may be bare tokens */
	CHECK_INT(0, oci_challenge_parse("bearer  Realm = https://auth.example.com/token ,"
					 " SERVICE=registry.example.com", &ch));
	CHECK_STR("bearer", ch.scheme);
	CHECK_STR("https://auth.example.com/token", ch.realm);
	CHECK_STR("registry.example.com", ch.service);
	CHECK(ch.scope == NULL);
	oci_challenge_release(&ch);
}

TEST(quoted_string_escapes_and_commas)
{
	struct oci_challenge ch;

	CHECK_INT(0, oci_challenge_parse("Bearer realm=\"https://a.example/t?x=1,y=\\\"2\\\"\","
					 "service=\"s\"", &ch));
	CHECK_STR("https://a.example/t?x=1,y=\"2\"", ch.realm);
	CHECK_STR("s", ch.service);
	oci_challenge_release(&ch);
}

TEST(basic_and_several_challenges)
{
	struct oci_challenge ch;

	CHECK_INT(0, oci_challenge_parse("Basic realm=\"gpai-test\"", &ch));
	CHECK_STR("Basic", ch.scheme);
	CHECK_STR("gpai-test", ch.realm);
	oci_challenge_release(&ch);
	/* the first challenge of a list; the next scheme ends it */
	CHECK_INT(0, oci_challenge_parse("Basic realm=\"x\", Bearer realm=\"y\",service=\"z\"",
					 &ch));
	CHECK_STR("Basic", ch.scheme);
	CHECK_STR("x", ch.realm);
	CHECK(ch.service == NULL);
	oci_challenge_release(&ch);
}

TEST(malformed_challenges)
{
	struct oci_challenge ch;

	CHECK_INT(-1, oci_challenge_parse("", &ch));
	CHECK_INT(-1, oci_challenge_parse("=realm", &ch));
	CHECK_INT(-1, oci_challenge_parse("Bearer realm=\"https://unterminated", &ch));
	CHECK(ch.realm == NULL);
}

TEST(scopes_merge_by_resource)
{
	char **l = NULL;
	size_t n = 0;

	CHECK_INT(1, oci_scopes_add(&l, &n, "repository:team/tiny:pull"));
	CHECK_INT(1, oci_scopes_add(&l, &n, "repository:team/tiny:pull,push"));
	CHECK_INT(1, n);
	CHECK_STR("repository:team/tiny:pull,push", l[0]);
	CHECK_INT(0, oci_scopes_add(&l, &n, "repository:team/tiny:push"));
	CHECK_INT(0, oci_scopes_add(&l, &n, "  "));
	CHECK_INT(1, oci_scopes_add(&l, &n, "repository:team/tiny:delete repository:other:pull"));
	CHECK_INT(2, n);
	CHECK_STR("repository:team/tiny:pull,push,delete", l[0]);
	CHECK_STR("repository:other:pull", l[1]);
	/* a resource whose name is a prefix of another's stays apart */
	CHECK_INT(1, oci_scopes_add(&l, &n, "repository:team/tin:pull"));
	CHECK_INT(3, n);
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}
