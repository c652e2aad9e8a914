/* test_registry_facts.c - the fact vocabulary and value validation, and the
 * append-only fact table through the API. */
#include "registry.h"
#include "harness.h"

#include <stdlib.h>
#include <sys/stat.h>

/* Validates and returns the stored form (static buffer), or NULL. */
static const char *norm(const char *field, const char *value)
{
	static char out[256];
	struct gpai_error err;
	char *n = NULL;

	gpai_error_init(&err);
	if (gpai_fact_validate(field, value, &n, &err) != GPAI_OK)
		return NULL;
	snprintf(out, sizeof(out), "%s", n);
	free(n);
	return out;
}

TEST(vocabulary_lookup_and_table)
{
	const struct gpai_fact_field *f = gpai_fact_field_lookup("training.precision");
	size_t n = 0;
	const struct gpai_fact_field *all = gpai_fact_fields(&n);

	CHECK(f != NULL);
	CHECK_INT(GPAI_FACT_ENUM, f->type);
	CHECK_STR("fp32|tf32|bf16|fp16|fp8", f->choices);
	CHECK(gpai_fact_field_lookup("training.tokenz") == NULL);
	CHECK(n >= 38);
	for (size_t i = 0; i < n; i++) {
		CHECK(all[i].name && all[i].meaning);
		CHECK((all[i].type == GPAI_FACT_ENUM || all[i].type == GPAI_FACT_LIST) ==
		      (all[i].choices != NULL));
		CHECK(gpai_fact_field_lookup(all[i].name) == &all[i]); /* no duplicates */
	}
	CHECK_STR("fraction", gpai_fact_type_name(GPAI_FACT_FRACTION));
}

TEST(int_values)
{
	CHECK_STR("1200", norm("model.parameters", "1200"));
	CHECK_STR("15600000000000", norm("model.parameters", "15.6e12"));
	CHECK_STR("7", norm("model.parameters", "0007"));
	CHECK(norm("model.parameters", "12.5") == NULL);
	CHECK(norm("model.parameters", "-1") == NULL);
	CHECK(norm("model.parameters", "1.5e0") == NULL);
	CHECK(norm("model.parameters", "") == NULL);
	CHECK(norm("model.parameters", "99999999999999999999999") == NULL);
}

TEST(number_and_fraction_values)
{
	CHECK_STR("3.8e25", norm("training.flop", "3.8e25"));
	CHECK(norm("training.flop", "inf") == NULL);
	CHECK(norm("training.flop", "nan") == NULL);
	CHECK(norm("training.flop", "0x10") == NULL);
	CHECK(norm("training.flop", " 1") == NULL);
	CHECK_STR("0", norm("training.utilization", "0"));
	CHECK_STR("1", norm("training.utilization", "1"));
	CHECK(norm("training.utilization", "1.0001") == NULL);
	CHECK(norm("training.utilization", "-0.1") == NULL);
}

TEST(date_url_enum_list_json_values)
{
	CHECK_STR("2024-02-29", norm("release.date", "2024-02-29"));
	CHECK(norm("release.date", "2023-02-29") == NULL);
	CHECK(norm("release.date", "1900-02-29") == NULL); /* century rule */
	CHECK_STR("2000-02-29", norm("release.date", "2000-02-29"));
	CHECK_STR("2024-07", norm("release.date", "2024-07"));
	CHECK(norm("release.date", "2024-13") == NULL);
	CHECK(norm("release.date", "24-01-01") == NULL);
	CHECK_STR("https://a.example/x", norm("license.url", "https://a.example/x"));
	CHECK(norm("license.url", "https://") == NULL);
	CHECK(norm("license.url", "mailto:a@b") == NULL);
	CHECK_STR("api", norm("model.access", "api"));
	CHECK(norm("model.access", "API") == NULL);
	CHECK_STR("text,image", norm("model.modalities.input", " text , image "));
	CHECK(norm("model.modalities.input", "text,smell") == NULL);
	CHECK(norm("model.modalities.input", "text,") == NULL);
	CHECK_STR("{\"a\":[1,2]}", norm("training.stages", "{ \"a\" : [1, 2] }"));
	CHECK(norm("training.stages", "{") == NULL);
}

TEST(string_text_and_user_fields)
{
	struct gpai_error err;
	char *n = NULL;

	gpai_error_init(&err);
	CHECK_STR("Meta", norm("model.provider", "Meta"));
	CHECK(norm("model.provider", "a\nb") == NULL);
	CHECK_STR("a\nb", norm("use.intended", "a\nb"));
	CHECK(norm("use.intended", "\xff") == NULL);
	CHECK_STR("anything", norm("x.ticket", "anything"));
	CHECK(norm("x.", "v") == NULL);
	CHECK(norm("x.bad name", "v") == NULL);
	CHECK_ERR(GPAI_EFORMAT, gpai_fact_validate("nope", "1", &n, &err), &err,
		  "unknown field 'nope'");
	CHECK_ERR(GPAI_EFORMAT, gpai_fact_validate("training.precision", "fp64", &n, &err), &err,
		  "field 'training.precision': invalid value 'fp64' (want one of fp32|tf32|bf16|fp16|fp8)");
	CHECK(n == NULL);
}

TEST(fact_table_is_append_only_with_current_value)
{
	struct gpai_registry *reg = NULL;
	struct gpai_add_opts o = { 0 };
	struct gpai_version v;
	struct gpai_fact *f = NULL;
	struct gpai_error err;
	size_t n = 0;

	gpai_error_init(&err);
	CHECK_OK(gpai_registry_init("r", &reg, &err), &err);
	o.no_files = 1;
	o.name = "m";
	o.access = "api";
	CHECK_OK(gpai_registry_add(reg, &o, &v, &err), &err);
	CHECK_OK(gpai_registry_fact_set(reg, "m@1", "training.epochs", "1", "first", &err), &err);
	CHECK_OK(gpai_registry_fact_set(reg, "m@1", "training.epochs", "2", "second", &err), &err);
	CHECK_OK(gpai_registry_fact_set(reg, "m@1", "contact", "a@b.example", "card", &err), &err);
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_fact_set(reg, "m@1", "contact", "x", "", &err), &err,
		  "a source is required");
	CHECK_ERR(GPAI_ENOTFOUND, gpai_registry_fact_set(reg, "m@2", "contact", "x", "s", &err),
		  &err, "no version or alias '2'");
	CHECK_OK(gpai_registry_facts(reg, &v, "training.epochs", 0, &f, &n, &err), &err);
	CHECK_INT(1, n);
	CHECK_STR("2", f[0].value);
	CHECK_STR("second", f[0].source);
	gpai_facts_free(f, n);
	CHECK_OK(gpai_registry_facts(reg, &v, NULL, 1, &f, &n, &err), &err);
	CHECK_INT(4, n); /* model.access from --access, contact, epochs twice */
	CHECK_STR("contact", f[0].field);
	CHECK_STR("model.access", f[1].field);
	CHECK_STR("1", f[2].value);
	CHECK_STR("2", f[3].value);
	CHECK(f[2].id < f[3].id);
	gpai_facts_free(f, n);
	gpai_version_release(&v);
	gpai_registry_close(reg);
}
