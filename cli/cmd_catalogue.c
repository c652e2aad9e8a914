/*
 * cmd_catalogue.c - `gpai catalogue list|import`: the sourced fact files of
 * the models the open/closed-weight debate is about (docs/catalogue.md).
 *
 * list shows what the catalogue holds (built in, or --dir DIR); import
 * registers the models without files through the registry's public API.
 * Import is idempotent: a model already registered gets a new fact only for
 * a field whose value or source differs from its current fact, so a newer
 * catalogue is recorded as new facts and history is never rewritten.
 */
#include "compute_estimator.h"
#include "catalogue.h"
#include "regutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

static const char usage[] =
	"gpai catalogue list [--dir DIR]\n"
	"       gpai catalogue import [--dir DIR] [NAME...]\n"
	"\n"
	"The sourced fact files of the models the open/closed-weight debate is\n"
	"about (docs/catalogue.md), built into gpai; --dir DIR reads the *.json\n"
	"fact files of DIR instead (e.g. a newer catalogue/).\n"
	"\n"
	"list    one line per model: NAME@VERSION, developer, access, licence and\n"
	"        the training FLOP the catalogue records (\"-\" when none).\n"
	"import  registers the named models (default: all) without files, their\n"
	"        base models first.  A model already registered gets a new fact for\n"
	"        each field whose value or source changed; nothing is overwritten.\n";

/* Parses "--dir DIR" / "--dir=DIR" at argv[*i]: 1 taken, 0 not this option,
 * -1 usage error (printed). */
static int opt_dir(int argc, char **argv, int *i, const char **dir)
{
	const char *a = argv[*i];

	if (strncmp(a, "--dir=", 6) == 0) {
		*dir = a + 6;
		return 1;
	}
	if (strcmp(a, "--dir") != 0)
		return 0;
	if (*i + 1 >= argc) {
		cli_usage("catalogue", "--dir needs a directory");
		return -1;
	}
	*dir = argv[++*i];
	return 1;
}

static int run_list(struct cli *cli, int argc, char **argv)
{
	struct catalogue_model *m = NULL;
	struct gpai_error err;
	const char *dir = NULL;
	size_t n = 0;

	for (int i = 1; i < argc; i++) {
		int r = opt_dir(argc, argv, &i, &dir);

		if (r < 0)
			return CLI_USAGE;
		if (r == 0)
			return cli_usage("catalogue", argv[i][0] == '-' ? "unknown option '%s'"
					 : "unexpected argument '%s'", argv[i]);
	}
	gpai_error_init(&err);
	if (catalogue_load(dir, &m, &n, &err))
		return cli_fail(&err, "cannot read the catalogue");
	if (cli->json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; arr && i < n; i++) {
			cJSON *o = cJSON_CreateObject();
			char fbuf[64], cbuf[64];
			const char *flop, *conf;

			if (!o)
				break;
			cJSON_AddItemToArray(arr, o);
			cJSON_AddStringToObject(o, "name", m[i].name);
			cJSON_AddStringToObject(o, "version", m[i].version);
#define ADD_OPT(key, val) \
	((val) ? cJSON_AddStringToObject(o, key, val) : cJSON_AddNullToObject(o, key))
			ADD_OPT("provider", m[i].provider);
			ADD_OPT("access", m[i].access);
			ADD_OPT("license", m[i].license);
			ADD_OPT("base", m[i].base);
			ADD_OPT("relation", m[i].relation);
			flop = catalogue_fact(&m[i], "training.flop", fbuf, NULL);
			ADD_OPT("training_flop", flop);
			conf = catalogue_fact(&m[i], "training.flop.confidence", cbuf, NULL);
			ADD_OPT("training_flop_confidence", conf);
#undef ADD_OPT
			cJSON_AddNumberToObject(o, "facts", cJSON_GetArraySize(m[i].facts));
			cJSON_AddStringToObject(o, "origin", m[i].origin);
		}
		catalogue_free(m, n);
		return cli_print_json(arr);
	}
	if (!cli->quiet)
		printf("%-28s %-28s %-11s %-40s %s\n", "MODEL", "DEVELOPER", "ACCESS", "LICENCE",
		       "FLOP");
	for (size_t i = 0; i < n; i++) {
		char ref[256], buf[64], f2[32];
		const char *flop = catalogue_fact(&m[i], "training.flop", buf, NULL);
		double d;

		snprintf(ref, sizeof(ref), "%s@%s", m[i].name, m[i].version);
		if (cli->quiet) {
			printf("%s\n", ref);
			continue;
		}
		if (flop && gpai_parse_double(flop, &d) == GPAI_OK)
			flop = gpai_flop_2sf(d, f2);  /* two significant figures, as everywhere */
		printf("%-28s %-28s %-11s %-40s %s\n", ref, m[i].provider ? m[i].provider : "-",
		       m[i].access ? m[i].access : "-", m[i].license ? m[i].license : "-",
		       flop ? flop : "-");
	}
	catalogue_free(m, n);
	return CLI_OK;
}


/* What import did to one model. */
enum import_status { IMPORT_ADDED, IMPORT_UPDATED, IMPORT_UNCHANGED };
static const char *const import_status_name[] = { "added", "updated", "unchanged" };

struct import_ctx {
	struct cli *cli;
	struct gpai_registry *reg;
	const struct catalogue_model *m;
	size_t n;
	unsigned char *state;  /* per model: 0 to do, 1 in progress, 2 done */
	cJSON *report;         /* --json result array */
};

/* Shortest text that reads back as the same double: what `gpai add
 * --facts` records for a JSON number (registry/add.c), so that comparing
 * with the registry's current value is exact. */
static char *number_text(double d)
{
	char *s = gpai_asprintf("%.15g", d);

	if (s && strtod(s, NULL) != d) {
		free(s);
		s = gpai_asprintf("%.17g", d);
	}
	return s;
}

/* The text of a fact's value as `gpai add --facts` reads it (numbers by
 * number_text, json fields compact); malloc'd, NULL on another type. */
static char *fact_text(const cJSON *fact, const char *field)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(fact, "value");
	const struct gpai_fact_field *def = gpai_fact_field_lookup(field);

	if (!v)
		return NULL;
	if (def && def->type == GPAI_FACT_JSON)
		return cJSON_PrintUnformatted(v);
	if (cJSON_IsString(v))
		return gpai_strdup(v->valuestring);
	if (cJSON_IsNumber(v))
		return number_text(v->valuedouble);
	return NULL;
}

/* Writes a built-in file to a temporary file for gpai_registry_add; the
 * malloc'd path is unlinked by the caller. */
static int temp_copy(const struct catalogue_model *m, char **path, struct gpai_error *err)
{
	const char *dir = getenv("TMPDIR");
	char *text = cJSON_PrintUnformatted(m->doc);
	size_t len, off = 0;
	int fd, rc = GPAI_OK;

	*path = gpai_asprintf("%s/gpai-catalogue-XXXXXX", dir && *dir ? dir : "/tmp");
	if (!*path || !text) {
		free(text);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	fd = mkstemp(*path);
	if (fd < 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot create '%s'", *path);
		free(*path);
		*path = NULL;
		free(text);
		return rc;
	}
	len = strlen(text);
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0) {
			rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot write '%s'", *path);
			break;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0 && rc == GPAI_OK)
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot write '%s'", *path);
	free(text);
	if (rc) {
		unlink(*path);
		free(*path);
		*path = NULL;
	}
	return rc;
}

/* Appends a fact for each field of m whose value or source differs from the
 * registry's current fact; *added counts them. */
static int update_facts(struct gpai_registry *reg, const struct catalogue_model *m,
			const char *ref, struct gpai_version *v, size_t *added,
			struct gpai_error *err)
{
	const cJSON *it;
	size_t idx = 0;

	*added = 0;
	cJSON_ArrayForEach(it, m->facts) {
		const char *field = gpai_json_str(it, "field");
		const char *source = gpai_json_str(it, "source");
		char *text = field ? fact_text(it, field) : NULL, *norm = NULL;
		struct gpai_fact *cur = NULL;
		size_t ncur = 0;
		int rc, same;

		if (!field || !source || !text) {
			free(text);
			return gpai_error_set(err, GPAI_EFORMAT,
					      "'%s': facts[%zu] needs field, value and source",
					      m->origin, idx);
		}
		rc = gpai_fact_validate(field, text, &norm, err);
		if (rc == GPAI_OK)
			rc = gpai_registry_facts(reg, v, field, 0, &cur, &ncur, err);
		if (rc) {
			free(text);
			free(norm);
			return gpai_error_prefix(err, "'%s': facts[%zu]", m->origin, idx);
		}
		same = ncur > 0 && strcmp(cur[ncur - 1].value, norm) == 0 &&
		       strcmp(cur[ncur - 1].source, source) == 0;
		gpai_facts_free(cur, ncur);
		free(norm);
		if (!same) {
			rc = gpai_registry_fact_set(reg, ref, field, text, source, err);
			if (rc) {
				free(text);
				return gpai_error_prefix(err, "'%s': facts[%zu]", m->origin, idx);
			}
			(*added)++;
		}
		free(text);
		idx++;
	}
	return GPAI_OK;
}

static int import_one(struct import_ctx *c, size_t i);

/* Imports the catalogue model that ref names, if the catalogue has it. */
static int import_base(struct import_ctx *c, const char *ref)
{
	const char *at = strchr(ref, '@');

	for (size_t k = 0; at && k < c->n; k++)
		if (strlen(c->m[k].name) == (size_t)(at - ref) &&
		    strncmp(c->m[k].name, ref, (size_t)(at - ref)) == 0 &&
		    strcmp(c->m[k].version, at + 1) == 0)
			return import_one(c, k);
	return CLI_OK; /* not in the catalogue: the registry must have it */
}

static int import_one(struct import_ctx *c, size_t i)
{
	const struct catalogue_model *m = &c->m[i];
	struct gpai_version v;
	struct gpai_error err;
	enum import_status st;
	size_t added = 0;
	char *ref, *tmp = NULL;
	int rc;

	if (c->state[i] == 2)
		return CLI_OK;
	if (c->state[i] == 1)
		return cli_failf("catalogue: '%s@%s' is its own base (a lineage cycle)", m->name,
				 m->version);
	c->state[i] = 1;
	if (m->base && import_base(c, m->base))
		return CLI_FAIL;
	ref = gpai_asprintf("%s@%s", m->name, m->version);
	if (!ref)
		return cli_failf("out of memory");
	gpai_error_init(&err);
	memset(&v, 0, sizeof(v));
	rc = gpai_registry_lookup(c->reg, ref, &v, &err);
	if (rc == GPAI_ENOTFOUND) {
		struct gpai_add_opts o;

		memset(&o, 0, sizeof(o));
		gpai_error_init(&err);
		rc = m->path ? GPAI_OK : temp_copy(m, &tmp, &err);
		o.no_files = 1;
		o.facts_file = m->path ? m->path : tmp;
		if (rc == GPAI_OK)
			rc = gpai_registry_add(c->reg, &o, NULL, &err);
		if (tmp)
			unlink(tmp);
		free(tmp);
		added = (size_t)cJSON_GetArraySize(m->facts);
		st = IMPORT_ADDED;
	} else if (rc == GPAI_OK) {
		rc = update_facts(c->reg, m, ref, &v, &added, &err);
		st = added ? IMPORT_UPDATED : IMPORT_UNCHANGED;
		gpai_version_release(&v);
	} else {
		st = IMPORT_UNCHANGED;
	}
	if (rc) {
		int r = cli_fail(&err, "cannot import '%s' from %s", ref, m->origin);

		free(ref);
		return r;
	}
	if (c->report) {
		cJSON *o = cJSON_CreateObject();

		if (o) {
			cJSON_AddStringToObject(o, "name", m->name);
			cJSON_AddStringToObject(o, "version", m->version);
			cJSON_AddStringToObject(o, "status", import_status_name[st]);
			cJSON_AddNumberToObject(o, "new_facts", (double)added);
			cJSON_AddItemToArray(c->report, o);
		}
	} else if (!c->cli->quiet) {
		if (st == IMPORT_UNCHANGED)
			printf("unchanged %s\n", ref);
		else
			printf("%-9s %s (%zu %s)\n", import_status_name[st], ref, added,
			       st == IMPORT_ADDED ? "facts" : "new facts");
	}
	free(ref);
	c->state[i] = 2;
	return CLI_OK;
}

static int run_import(struct cli *cli, int argc, char **argv)
{
	struct import_ctx c;
	struct catalogue_model *m = NULL;
	struct gpai_error err;
	const char *dir = NULL;
	char **names = NULL;
	size_t n = 0, nnames = 0;
	int rc = CLI_OK;

	names = calloc((size_t)argc, sizeof(*names));
	if (!names)
		return cli_failf("out of memory");
	for (int i = 1; i < argc; i++) {
		int r = opt_dir(argc, argv, &i, &dir);

		if (r < 0) {
			free(names);
			return CLI_USAGE;
		}
		if (r == 1)
			continue;
		if (argv[i][0] == '-') {
			free(names);
			return cli_usage("catalogue", "unknown option '%s'", argv[i]);
		}
		names[nnames++] = argv[i];
	}
	gpai_error_init(&err);
	if (catalogue_load(dir, &m, &n, &err)) {
		free(names);
		return cli_fail(&err, "cannot read the catalogue");
	}
	for (size_t k = 0; k < nnames; k++)
		if (!catalogue_find(m, n, names[k])) {
			rc = cli_failf("catalogue: no model '%s' in the catalogue (see 'gpai catalogue list')",
				       names[k]);
			goto out;
		}
	memset(&c, 0, sizeof(c));
	c.cli = cli;
	c.m = m;
	c.n = n;
	c.state = calloc(n, 1);
	c.report = cli->json ? cJSON_CreateArray() : NULL;
	if (!c.state || (cli->json && !c.report)) {
		rc = cli_failf("out of memory");
		goto done;
	}
	if (regutil_open(cli, &c.reg)) {
		rc = CLI_FAIL;
		goto done;
	}
	for (size_t i = 0; i < n && rc == CLI_OK; i++) {
		int wanted = nnames == 0;

		for (size_t k = 0; k < nnames; k++)
			if (strcmp(names[k], m[i].name) == 0)
				wanted = 1;
		if (wanted)
			rc = import_one(&c, i);
	}
	gpai_registry_close(c.reg);
	if (rc == CLI_OK && c.report) {
		rc = cli_print_json(c.report);
		c.report = NULL;
	}
done:
	cJSON_Delete(c.report);
	free(c.state);
out:
	catalogue_free(m, n);
	free(names);
	return rc;
}

static int run(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("catalogue", "missing subcommand (list or import)");
	if (strcmp(argv[1], "list") == 0)
		return run_list(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "import") == 0)
		return run_import(cli, argc - 1, argv + 1);
	return cli_usage("catalogue", "unknown subcommand '%s'", argv[1]);
}

const struct cli_cmd cmd_catalogue = {
	"catalogue", "the sourced catalogue of real models (list, import)",
	usage,
	run,
};
