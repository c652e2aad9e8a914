/* test_signing_bundle.c - DSSE PAE (spec test vector and model_signing
 * 0.2's compat form), key hints, key generation, and sign -> verify round
 * trips on each curve, with tampering, through the library API. */
#include "signing.h"
#include "harness.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#define KEYS "reference/signing/model-transparency/keys/"

TEST(pae_matches_the_dsse_spec_vector)
{
	struct gpai_buf b;

	gpai_buf_init(&b);
	/* secure-systems-lab/dsse protocol.md test vector. */
	CHECK_INT(0, gpai_dsse_pae("http://example.com/HelloWorld",
				   (const unsigned char *)"hello world", 11, &b));
	CHECK_STR("DSSEv1 29 http://example.com/HelloWorld 11 hello world", b.data);
	gpai_buf_release(&b);
}

TEST(compat_pae_writes_python_bytes_repr)
{
	struct gpai_buf b;

	gpai_buf_init(&b);
	/* repr(b'{"a": 1}\n') == b'{"a": 1}\n' with the newline escaped. */
	CHECK_INT(0, gpai_dsse_pae_compat_v02("t", (const unsigned char *)"{\"a\": 1}\n", 9, &b));
	CHECK_STR("DSSEV1 1 t 9 b'{\"a\": 1}\\n'", b.data);
	gpai_buf_release(&b);
	gpai_buf_init(&b);
	/* A single quote and no double quote: Python switches to "...". */
	CHECK_INT(0, gpai_dsse_pae_compat_v02("t", (const unsigned char *)"it's\\\x01", 6, &b));
	CHECK_STR("DSSEV1 1 t 6 b\"it's\\\\\\x01\"", b.data);
	gpai_buf_release(&b);
}

TEST(key_hint_of_the_test_key_is_the_published_one)
{
	struct gpai_error err;
	char hint[65];

	gpai_error_init(&err);
	/* v1.1.0-elliptic-key/model.sig carries this publicKey.hint. */
	CHECK_OK(gpai_key_hint(t_shared(KEYS "signing-key-pub.pem"), hint, &err), &err);
	CHECK_STR("e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e", hint);
}

/* Signs dir "m" with a new key on curve and verifies it. */
static int round_trip(const char *curve, struct gpai_error *err)
{
	struct gpai_hash_options h = { 0 };
	struct gpai_sign_options so = { 0 };
	struct gpai_verify_options vo;
	struct gpai_verify_report rep;
	struct gpai_manifest m;
	char *bundle = NULL;
	int rc;

	gpai_manifest_init(&m);
	gpai_verify_report_init(&rep);
	memset(&vo, 0, sizeof(vo));
	unlink("k.pem");
	unlink("k.pub.pem");
	rc = gpai_key_generate(curve, "k.pem", "k.pub.pem", err);
	if (rc == GPAI_OK)
		rc = gpai_oms_hash_model("m", &h, &m, err);
	so.key_path = "k.pem";
	if (rc == GPAI_OK)
		rc = gpai_oms_sign(&m, &so, &bundle, err);
	if (rc == GPAI_OK)
		rc = t_write("m/model.sig", bundle, strlen(bundle)) ? GPAI_EIO : GPAI_OK;
	vo.key_path = "k.pub.pem";
	if (rc == GPAI_OK)
		rc = gpai_oms_verify("m", "m/model.sig", &vo, &rep, err);
	free(bundle);
	gpai_manifest_release(&m);
	gpai_verify_report_release(&rep);
	return rc;
}

TEST(sign_verify_round_trip_on_each_curve)
{
	struct gpai_error err;
	struct stat st;

	gpai_error_init(&err);
	mkdir("m", 0755);
	t_write("m/w.bin", "weights", 7);
	CHECK_OK(round_trip("p256", &err), &err);
	CHECK(stat("k.pem", &st) == 0);
	CHECK_INT(0600, st.st_mode & 0777);
	CHECK_OK(round_trip("p384", &err), &err);
	CHECK_OK(round_trip("p521", &err), &err);
	CHECK_ERR(GPAI_EMISUSE, gpai_key_generate("p192", "x.pem", "x.pub.pem", &err), &err,
		  "unknown curve 'p192'");
	CHECK_ERR(GPAI_EEXIST, gpai_key_generate("p256", "k.pem", "new.pub.pem", &err), &err,
		  "cannot create 'k.pem'");
}

TEST(verify_names_every_mismatch)
{
	struct gpai_verify_options vo;
	struct gpai_verify_report rep;
	struct gpai_error err;

	gpai_error_init(&err);
	memset(&vo, 0, sizeof(vo));
	gpai_verify_report_init(&rep);
	mkdir("m", 0755);
	mkdir("m/d", 0755);
	t_write("m/a", "a", 1);
	t_write("m/d/b", "b", 1);
	t_write("m/c", "c", 1);
	CHECK_OK(round_trip("p256", &err), &err);
	t_write("m/a", "A", 1);
	unlink("m/d/b");
	t_write("m/new", "n", 1);
	vo.key_path = "k.pub.pem";
	CHECK_ERR(GPAI_EVERIFY, gpai_oms_verify("m", "m/model.sig", &vo, &rep, &err), &err,
		  "1 changed, 1 missing, 1 extra");
	CHECK_STR("a", rep.changed[0]);
	CHECK_STR("d/b", rep.missing[0]);
	CHECK_STR("new", rep.extra[0]);
	CHECK_INT(2, rep.n_checked);
	/* Partial verification: only files the signature names are hashed. */
	vo.ignore_unsigned = 1;
	t_write("m/a", "a", 1);
	t_write("m/d/b", "b", 1);
	CHECK_OK(gpai_oms_verify("m", "m/model.sig", &vo, &rep, &err), &err);
	CHECK_INT(0, rep.n_extra);
	gpai_verify_report_release(&rep);
}

TEST(empty_models_and_non_ec_keys_are_not_signed)
{
	struct gpai_hash_options h = { 0 };
	struct gpai_sign_options so = { 0 };
	struct gpai_manifest m;
	struct gpai_error err;
	char *bundle = NULL;

	gpai_error_init(&err);
	gpai_manifest_init(&m);
	mkdir("e", 0755);
	CHECK_OK(gpai_oms_hash_model("e", &h, &m, &err), &err);
	so.key_path = "k.pem";
	CHECK_ERR(GPAI_EMISUSE, gpai_oms_sign(&m, &so, &bundle, &err), &err,
		  "no files to sign");
	t_write("e/f", "f", 1);
	CHECK_OK(gpai_oms_hash_model("e", &h, &m, &err), &err);
	CHECK(system("openssl genpkey -algorithm ed25519 -out ed.pem 2>/dev/null") == 0);
	so.key_path = "ed.pem";
	CHECK_ERR(GPAI_EUNSUPPORTED, gpai_oms_sign(&m, &so, &bundle, &err), &err,
		  "is a ED25519 key");
	gpai_manifest_release(&m);
}
