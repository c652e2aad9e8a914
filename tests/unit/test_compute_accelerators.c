/*
 * test_compute_accelerators.c - every figure of the compiled accelerator
 * table against Epoch AI's chip table, read in place from
 * $GPAI_SHARED/reference/compute/epoch_chip_dataset_snapshot_2025-11.csv
 * with an RFC 4180 reader written here (quoted fields span lines).
 */
#include "common.h"
#include "compute_estimator.h"
#include "harness.h"

#include <stdlib.h>

#define CHIP_CSV "reference/compute/epoch_chip_dataset_snapshot_2025-11.csv"
#define MAX_FIELDS 128

/* One parsed record: fields point into a private copy. */
struct rec {
	char *f[MAX_FIELDS];
	int n;
};

/* Parses the record starting at *p (NUL-terminated text, modified in
 * place); returns 0 at the end of the text. */
static int next_record(char **p, struct rec *r)
{
	char *s = *p, *out;

	if (!*s)
		return 0;
	r->n = 0;
	for (;;) {
		out = s;
		if (r->n < MAX_FIELDS)
			r->f[r->n++] = out;
		if (*s == '"') {
			s++;
			for (;;) {
				if (!*s)
					break;
				if (*s == '"' && s[1] == '"') {
					*out++ = '"';
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					*out++ = *s++;
				}
			}
		}
		while (*s && *s != ',' && *s != '\n' && *s != '\r')
			*out++ = *s++;
		if (*s == ',') {
			*out = '\0';
			s++;
			continue;
		}
		if (*s == '\r')
			*out = '\0', s++;
		if (*s == '\n')
			*out = '\0', s++;
		*out = '\0';
		break;
	}
	*p = s;
	return 1;
}

static int col(const struct rec *h, const char *name)
{
	for (int i = 0; i < h->n; i++) {
		const char *f = h->f[i];

		if ((unsigned char)f[0] == 0xEF && (unsigned char)f[1] == 0xBB &&
		    (unsigned char)f[2] == 0xBF)
			f += 3; /* UTF-8 byte-order mark on the first column */
		if (strcmp(f, name) == 0)
			return i;
	}
	return -1;
}

TEST(every_compiled_figure_matches_epochs_chip_table)
{
	struct gpai_error err;
	char *text = NULL, *p;
	size_t len, n = gpai_accelerator_count(), found = 0, checked = 0;
	struct rec hdr, r;
	int name_col;

	if (!t_have_shared(CHIP_CSV)) {
		t_fail(__FILE__, __LINE__, "missing %s", t_shared(CHIP_CSV));
		return;
	}
	gpai_error_init(&err);
	CHECK_OK(gpai_read_file(t_shared(CHIP_CSV), 64u << 20, &text, &len, &err), &err);
	p = text;
	CHECK(next_record(&p, &hdr));
	name_col = col(&hdr, "Hardware name");
	CHECK(name_col >= 0);
	{
		char *seen = calloc(n, 1);

		while (next_record(&p, &r)) {
			if (r.n <= name_col)
				continue;
			for (size_t i = 0; i < n; i++) {
				const struct gpai_accelerator *a = gpai_accelerator_at(i);

				if (strcmp(a->epoch_name, r.f[name_col]) != 0)
					continue;
				if (seen[i]) {
					t_fail(__FILE__, __LINE__, "'%s' is in the CSV twice",
					       a->epoch_name);
					free(seen);
					free(text);
					return;
				}
				seen[i] = 1;
				found++;
				for (int pr = 0; pr < GPAI_NPREC; pr++) {
					int c;
					double want;
					char *end;

					if ((a->peak[pr] > 0) != (a->column[pr] != NULL)) {
						t_fail(__FILE__, __LINE__, "%s %s: peak and column disagree",
						       a->id, gpai_precision_name(pr));
						goto out;
					}
					if (!a->column[pr])
						continue;
					c = col(&hdr, a->column[pr]);
					if (c < 0 || c >= r.n || !*r.f[c]) {
						t_fail(__FILE__, __LINE__, "%s %s: column '%s' empty or absent",
						       a->id, gpai_precision_name(pr), a->column[pr]);
						goto out;
					}
					want = strtod(r.f[c], &end);
					if (*end || fabs(want - a->peak[pr]) > 1e-9 * want) {
						t_fail(__FILE__, __LINE__, "%s %s: compiled %.6g, Epoch '%s'",
						       a->id, gpai_precision_name(pr),
						       a->peak[pr], r.f[c]);
						goto out;
					}
					checked++;
				}
			}
		}
		for (size_t i = 0; i < n; i++)
			if (!seen[i])
				t_fail(__FILE__, __LINE__, "'%s' not found in the CSV",
				       gpai_accelerator_at(i)->epoch_name);
out:
		free(seen);
	}
	free(text);
	CHECK_INT(n, found);
	CHECK(checked >= 60);
}

TEST(required_chips_and_lookup)
{
	static const char *const need[] = {
		"V100", "A100", "A800", "H100-SXM", "H100-PCIe", "H800", "H200", "H20",
		"B200", "GB200", "MI250X", "MI300X", "TPU v3", "tpu-v4", "TPUv5e",
		"TPU v5p", "TPU v6e", "Trainium2", "Gaudi3", NULL,
	};
	struct gpai_error err;
	enum gpai_precision p;
	double peak;

	for (int i = 0; need[i]; i++)
		if (!gpai_accelerator_find(need[i]))
			t_fail(__FILE__, __LINE__, "no accelerator '%s'", need[i]);
	CHECK(gpai_accelerator_find("H100 SXM") == gpai_accelerator_find("h100_sxm"));
	CHECK(gpai_accelerator_find("A9000") == NULL);
	CHECK(gpai_accelerator_find("") == NULL);
	CHECK_INT(GPAI_OK, gpai_precision_parse("BF16", &p));
	CHECK_INT(GPAI_PREC_BF16, p);
	CHECK_INT(GPAI_EFORMAT, gpai_precision_parse("int4", &p));
	gpai_error_init(&err);
	/* dense, never the 2:4-sparse datasheet headline (1979 TFLOP/s BF16) */
	CHECK_OK(gpai_accelerator_peak(gpai_accelerator_find("H100"), GPAI_PREC_BF16,
				       &peak, &err), &err);
	CHECK_NEAR(989.4e12, peak, 1);
	/* a format the chip lacks is an error naming chip and format */
	CHECK_ERR(GPAI_ENOTFOUND, gpai_accelerator_peak(gpai_accelerator_find("V100"),
							GPAI_PREC_BF16, &peak, &err),
		  &err, "'V100-SXM2' has no dense bf16 peak");
	CHECK_ERR(GPAI_ENOTFOUND, gpai_accelerator_peak(gpai_accelerator_find("A100"),
							GPAI_PREC_FP8, &peak, &err),
		  &err, "no dense fp8 peak");
}
