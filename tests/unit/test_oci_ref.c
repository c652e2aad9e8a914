/* test_oci_ref.c - oci:// references: the parts, the loopback rule, and
 * every repository name and tag judged like the OCI distribution spec's
 * grammar (spec.md, "name" and "tag"), evaluated independently with
 * Python's re module (Debian's /usr/bin/python3) over the same strings. */
#include "oci.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
/* The grammar of OCI distribution spec v1.1, "Pulling manifests": <name>
 * and <reference> as a tag. */
#define SPEC_NAME "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*"
#define SPEC_TAG "[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}"

/* 1 when Python's re.fullmatch(regex, s) matches, 0 when not, -1 when
 * Python could not run.  s must not hold a quote or a backslash. */
static int spec_match(const char *regex, const char *s)
{
	char cmd[1024], out[8] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c 'import re,sys; "
		 "print(1 if re.fullmatch(sys.argv[1], sys.argv[2]) else 0)' '%s' '%s'", regex, s);
	if (!(p = popen(cmd, "r")))
		return -1;
	if (!fgets(out, sizeof(out), p))
		out[0] = '\0';
	if (pclose(p) != 0)
		return -1;
	return out[0] == '1' ? 1 : out[0] == '0' ? 0 : -1;
}

TEST(a_tag_reference_has_host_repository_and_tag)
{
	struct gpai_oci_ref r;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_OK(gpai_oci_ref_parse("oci://127.0.0.1:5000/team/tiny:v1", &r, &err), &err);
	CHECK_STR("127.0.0.1:5000", r.host);
	CHECK_STR("team/tiny", r.repo);
	CHECK_STR("v1", r.tag);
	CHECK(r.digest == NULL);
	CHECK_INT(1, r.loopback);
	gpai_oci_ref_release(&r);
	/* no tag: the caller decides ("latest" for pull, an error for push) */
	CHECK_OK(gpai_oci_ref_parse("oci://ghcr.io/org/models/llama", &r, &err), &err);
	CHECK_STR("ghcr.io", r.host);
	CHECK_STR("org/models/llama", r.repo);
	CHECK(r.tag == NULL && r.digest == NULL);
	CHECK_INT(0, r.loopback);
	gpai_oci_ref_release(&r);
}

TEST(a_digest_reference_has_no_tag)
{
	struct gpai_oci_ref r;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_OK(gpai_oci_ref_parse("oci://registry.example.com:443/a/b@sha256:" HEX64, &r, &err),
		 &err);
	CHECK_STR("registry.example.com:443", r.host);
	CHECK_STR("a/b", r.repo);
	CHECK_STR("sha256:" HEX64, r.digest);
	CHECK(r.tag == NULL);
	gpai_oci_ref_release(&r);
}

TEST(bad_references_are_refused_naming_the_part)
{
	struct gpai_oci_ref r;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_ERR(GPAI_EFORMAT, gpai_oci_ref_parse("http://h/a:b", &r, &err), &err,
		  "'http://h/a:b' is not an OCI reference");
	CHECK_ERR(GPAI_EFORMAT, gpai_oci_ref_parse("oci://hostonly", &r, &err), &err,
		  "names no host and repository");
	CHECK_ERR(GPAI_EFORMAT, gpai_oci_ref_parse("oci:///repo:tag", &r, &err), &err,
		  "names no host and repository");
	CHECK_ERR(GPAI_EFORMAT, gpai_oci_ref_parse("oci://h/a@sha256:abc", &r, &err), &err,
		  "digest 'sha256:abc' is not sha256:<64 lowercase hex digits>");
	CHECK_ERR(GPAI_EFORMAT, gpai_oci_ref_parse("oci://h/a@sha256:" "0123456789ABCDEF"
						   "0123456789abcdef0123456789abcdef0123456789abcdef",
						   &r, &err), &err, "is not sha256:<64");
	CHECK_ERR(GPAI_EFORMAT, gpai_oci_ref_parse("oci://h/a@sha512:" HEX64 HEX64, &r, &err),
		  &err, "is not sha256:<64");
	CHECK_ERR(GPAI_EFORMAT, gpai_oci_ref_parse("oci://h/Team/tiny:v1", &r, &err), &err,
		  "repository 'Team/tiny' is not valid");
	CHECK_ERR(GPAI_EFORMAT, gpai_oci_ref_parse("oci://h/a:.v1", &r, &err), &err,
		  "tag '.v1' is not valid");
	CHECK_ERR(GPAI_EFORMAT, gpai_oci_ref_parse("oci://h/a:", &r, &err), &err,
		  "tag '' is not valid");
}

TEST(loopback_is_127_0_0_0_8_localhost_and_ipv6_one)
{
	/* RFC 1122 s3.2.1.3 (127.0.0.0/8), RFC 6761 s6.3 (localhost),
	 * RFC 4291 s2.5.3 (::1). */
	static const struct { const char *host; int loopback; } cases[] = {
		{ "127.0.0.1:5000", 1 }, { "127.255.255.254", 1 }, { "127.1.2.3:80", 1 },
		{ "localhost:5000", 1 }, { "LocalHost", 1 }, { "[::1]:5000", 1 },
		{ "128.0.0.1:5000", 0 }, { "127.0.0.1.nip.io:5000", 0 }, { "127.256.0.1", 0 },
		{ "localhost.example.com", 0 }, { "[::2]:5000", 0 }, { "10.1.2.3:5000", 0 },
		{ "registry.example.com", 0 },
	};
	struct gpai_error err;

	gpai_error_init(&err);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gpai_oci_ref r;
		char uri[128];

		snprintf(uri, sizeof(uri), "oci://%s/a:b", cases[i].host);
		CHECK_OK(gpai_oci_ref_parse(uri, &r, &err), &err);
		if (r.loopback != cases[i].loopback)
			t_fail(__FILE__, __LINE__, "%s: loopback %d, want %d", cases[i].host,
			       r.loopback, cases[i].loopback);
		gpai_oci_ref_release(&r);
		if (t_failed)
			return;
	}
}

TEST(repository_names_follow_the_distribution_spec_grammar)
{
	static const char *const names[] = {
		"a", "team/tiny", "a/b/c", "x1/y2", "team/tiny.v2", "a.b", "a_b", "a__b", "a-b",
		"a--b", "a---b", "a..b", "a___b", "a._b", "a-_b", "a.-b", "-a", "a-", "a.", "_a",
		"a/", "/a", "a//b", "a/.b", "Team/tiny", "a/B", "a b", "a+b", "a/b-c_d.e__f",
	};
	struct gpai_error err;

	gpai_error_init(&err);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct gpai_oci_ref r;
		char uri[256];
		int want = spec_match(SPEC_NAME, names[i]), got;

		CHECK(want >= 0);
		snprintf(uri, sizeof(uri), "oci://h:5000/%s:v1", names[i]);
		got = gpai_oci_ref_parse(uri, &r, &err) == GPAI_OK;
		if (got)
			gpai_oci_ref_release(&r);
		if (got != want) {
			t_fail(__FILE__, __LINE__, "repository '%s': gpai %s it, the spec %s it",
			       names[i], got ? "accepts" : "refuses", want ? "accepts" : "refuses");
			return;
		}
	}
}

TEST(tags_follow_the_distribution_spec_grammar)
{
	char t128[129], t129[130];
	const char *tags[] = {
		"v1", "latest", "_x", "A.b-c_d", "1.0.0-rc.1", ".x", "-x", "a+b", "a/b", t128, t129,
	};
	struct gpai_error err;

	gpai_error_init(&err);
	memset(t128, 'a', 128);
	t128[128] = '\0';
	memset(t129, 'b', 129);
	t129[129] = '\0';
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		struct gpai_oci_ref r;
		char uri[300];
		int want = spec_match(SPEC_TAG, tags[i]), got;

		CHECK(want >= 0);
		snprintf(uri, sizeof(uri), "oci://h:5000/repo:%s", tags[i]);
		got = gpai_oci_ref_parse(uri, &r, &err) == GPAI_OK && r.tag &&
		      strcmp(r.tag, tags[i]) == 0;
		gpai_oci_ref_release(&r);
		if (got != want) {
			t_fail(__FILE__, __LINE__, "tag '%s': gpai %s it, the spec %s it", tags[i],
			       got ? "accepts" : "refuses", want ? "accepts" : "refuses");
			return;
		}
	}
}
