/*
 * model.c - parameter counts of a model on disk: the architecture count
 * from its config.json (params.c) and the exact count from its tensor
 * headers (inference.h's model-file probe), reconciled.
 *
 * Invariants: when both counts exist the config count is used (it knows
 * which parameters are active per token) and the note states whether the
 * tensor count agrees; a tied classifier that a file stores twice (GGUF
 * output.weight equal to token_embd.weight) is counted once.
 */
#include "compute_estimator.h"
#include "inference.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int gpai_params_from_model(const char *path, struct gpai_model_count *mc,
			   struct gpai_error *err)
{
	struct gpai_modelinfo info;
	char *config = NULL;
	int rc = GPAI_OK, cfg_rc = GPAI_ENOTFOUND;
	struct gpai_error cfg_err;

	memset(mc, 0, sizeof(*mc));
	gpai_modelinfo_clear(&info);
	mc->agree = -1;
	gpai_error_init(&cfg_err);
	if (gpai_is_dir(path)) {
		config = gpai_path_join(path, "config.json");
		if (!config)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		if (!gpai_path_exists(config)) {
			free(config);
			config = NULL;
		}
	} else if (ends_with(path, ".json") && !ends_with(path, ".index.json")) {
		config = gpai_strdup(path);
		if (!config)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	if (config) {
		cfg_rc = gpai_params_from_config(config, &mc->pc, &cfg_err);
		if (cfg_rc && cfg_rc != GPAI_EUNSUPPORTED) {
			gpai_error_set(err, cfg_rc, "%s", gpai_errmsg(&cfg_err));
			free(config);
			return cfg_rc;
		}
		mc->have_config = cfg_rc == GPAI_OK;
	}
	if (!config || gpai_is_dir(path)) {
		rc = gpai_model_probe_file(path, &info, err);
		if (rc) {
			free(config);
			return rc;
		}
		if (info.n_params && strcmp(info.format, "config") != 0 &&
		    strcmp(info.format, "opaque") != 0) {
			mc->have_tensors = 1;
			gpai_strlcpy(mc->format, info.format, sizeof(mc->format));
			mc->tensor_params = info.n_params;
			mc->tensor_params_distinct = info.n_params_distinct ?
				info.n_params_distinct : info.n_params;
		}
	}
	free(config);

	if (mc->have_config) {
		mc->total = mc->pc.total;
		mc->active = mc->pc.active;
		mc->basis = "config";
	} else if (mc->have_tensors) {
		mc->total = mc->tensor_params_distinct;
		/* Without a config the routed experts are not known: dense
		 * models use every parameter, MoE ones need --active-params. */
		mc->active = info.n_experts > 1 ? 0 : mc->total;
		mc->basis = "tensor";
	} else if (cfg_rc == GPAI_EUNSUPPORTED) {
		return gpai_error_set(err, GPAI_EUNSUPPORTED,
				      "%s, and '%s' has no model tensors to count",
				      gpai_errmsg(&cfg_err), path);
	} else {
		return gpai_error_set(err, GPAI_EUNSUPPORTED,
				      "'%s' holds neither a config.json nor model tensors",
				      path);
	}

	if (mc->have_config && mc->have_tensors) {
		mc->agree = mc->pc.total == mc->tensor_params_distinct;
		snprintf(mc->note, sizeof(mc->note),
			 "config count %llu %s the tensor count %llu (%s%s%s)",
			 (unsigned long long)mc->pc.total,
			 mc->agree ? "equals" : "differs from",
			 (unsigned long long)mc->tensor_params_distinct, mc->format,
			 mc->tensor_params != mc->tensor_params_distinct ?
			 "; a tied classifier stored twice is counted once: " : "",
			 mc->tensor_params != mc->tensor_params_distinct ? info.note : "");
	} else if (mc->have_tensors && cfg_rc == GPAI_EUNSUPPORTED) {
		snprintf(mc->note, sizeof(mc->note),
			 "%s; parameters from the tensor count instead (%s)",
			 gpai_errmsg(&cfg_err), mc->format);
	} else if (mc->have_tensors) {
		snprintf(mc->note, sizeof(mc->note), "tensor count (%s)%s%s%s", mc->format,
			 info.note[0] ? ": " : "", info.note,
			 mc->active ? "" : "; a mixture of experts: the active parameters "
			 "need a config.json or --active-params");
	}
	return GPAI_OK;
}
