/*
 * compute_estimator.h - parameter counts, training-compute (FLOP) estimates,
 * the accelerator table, regulatory thresholds and classification.
 *
 * Units: compute in FLOP (one multiply-add = 2 FLOP; every number format
 * counts the same, EU Guidelines C(2025) 5045 Annex A.2), peaks in FLOP/s,
 * time in seconds or hours as named.  Methods and sources: docs/compute.md,
 * docs/flops.md, docs/classify.md and ../shared/notes/compute.md.
 *
 * Everything here is pure computation over caller-given inputs: no globals
 * are written, so every function is thread-safe.  Tables (accelerators,
 * thresholds) are static const data; pointers into them never need freeing.
 */
#ifndef GPAI_COMPUTE_ESTIMATOR_H
#define GPAI_COMPUTE_ESTIMATOR_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct cJSON;

/* ---- parameter counts -------------------------------------------------- */

/* A parameter count with its breakdown.  Each weight is in exactly one part,
 * so the parts add up to total.  Counts are elements (not bytes). */
struct gpai_param_count {
	char architecture[64];   /* config "model_type" ("llama", "deepseek_v3") */
	uint64_t embedding;      /* token (and learned position) embeddings */
	uint64_t attention;      /* attention projection weights (Q, K, V, O; MLA
				    down/up projections), all layers */
	uint64_t mlp;            /* dense feed-forward weights, all dense layers */
	uint64_t experts;        /* routed-expert weights, all experts, all layers */
	uint64_t shared_experts; /* shared-expert weights (and their gates) */
	uint64_t router;         /* router weights (and correction biases) */
	uint64_t norms;          /* normalisation scales and their biases */
	uint64_t biases;         /* biases of the linear layers */
	uint64_t head;           /* output projection (unembedding); 0 if tied */
	uint64_t total;          /* sum of the parts above */
	uint64_t active;         /* used per token: total minus the routed
				    experts a token does not go through */
	uint64_t active_experts; /* routed-expert weights used per token */
	int tied;                /* 1 output head shares the token embedding */
	/* Architecture figures, for the attention term and the report. */
	int64_t n_layers, d_model, n_heads, n_kv_heads, head_dim, d_ff;
	int64_t vocab, context, n_experts, experts_per_token, moe_layers;
	int64_t attn_qk_width;   /* per layer: total width of the query-key dot
				    products (heads x query/key head size) */
	int64_t attn_v_width;    /* per layer: heads x value head size */
	char note[256];          /* what was assumed or left out, or "" */
};

/* Counts the parameters described by an HF config.json.  Known model_type
 * values: llama, mistral, mixtral, qwen2, qwen3, qwen2_moe, qwen3_moe,
 * deepseek_v3 (and deepseek_v2), gemma, gemma2, phi3, falcon, gpt2,
 * gpt_neox, opt.  `path` names the file in errors.
 * Returns GPAI_OK; GPAI_EIO/GPAI_EFORMAT for an unreadable or malformed
 * file; GPAI_EFORMAT naming the field for a missing or invalid required
 * field; GPAI_EUNSUPPORTED for an unknown model_type (the message says so;
 * a tensor count is then the only way). */
int gpai_params_from_config(const char *path, struct gpai_param_count *pc,
			    struct gpai_error *err);
/* The same over a parsed config; `what` names it in errors. */
int gpai_params_from_config_json(const char *what, const struct cJSON *cfg,
				 struct gpai_param_count *pc,
				 struct gpai_error *err);

/* Parameters of a model on disk: the config count (when a config.json is
 * there) and the tensor count from the file headers (read through
 * inference.h), reconciled. */
struct gpai_model_count {
	int have_config;              /* pc holds a config.json count */
	struct gpai_param_count pc;
	int have_tensors;             /* the tensor fields below are set */
	char format[16];              /* "gguf", "safetensors", "llama2c" */
	uint64_t tensor_params;       /* elements over all tensors */
	uint64_t tensor_params_distinct; /* minus a tied classifier stored twice */
	uint64_t total, active;       /* the counts to use (active 0: unknown) */
	const char *basis;            /* "config" or "tensor" (static) */
	int agree;                    /* both counts present and equal: 1; differ: 0;
					 only one: -1 */
	char note[640];               /* how the counts relate, in words */
};

/* Counts the parameters of the model at path: a directory (its config.json
 * and its weight files), a config.json, or one weight file (GGUF,
 * safetensors or its HF index, llama2.c).  An unknown architecture in the
 * config falls back to the tensor count and says so in note.  Errors:
 * those of the readers (file and offset named), GPAI_EUNSUPPORTED when the
 * path holds neither a known config nor model tensors. */
int gpai_params_from_model(const char *path, struct gpai_model_count *mc,
			   struct gpai_error *err);

/* ---- number formats and the accelerator table -------------------------- */

enum gpai_precision {
	GPAI_PREC_FP32,
	GPAI_PREC_TF32,
	GPAI_PREC_BF16,
	GPAI_PREC_FP16,
	GPAI_PREC_FP8,
	GPAI_NPREC
};

/* "fp32", "tf32", "bf16", "fp16", "fp8". */
const char *gpai_precision_name(enum gpai_precision p);
/* Case-insensitive; GPAI_EFORMAT for anything else. */
int gpai_precision_parse(const char *s, enum gpai_precision *out);

/* One accelerator.  peak[p] is the DENSE peak in FLOP/s for number format p
 * (0 when Epoch's table gives none: that format is then an error, never a
 * guess); column[p] names the column of Epoch's chip table it comes from.
 * Sparse (2:4) peaks are never stored. */
struct gpai_accelerator {
	const char *id;          /* gpai's id, e.g. "H100-SXM" */
	const char *aliases;     /* other accepted names, comma-separated */
	const char *epoch_name;  /* "Hardware name" row in Epoch's chip table */
	double peak[GPAI_NPREC];
	const char *column[GPAI_NPREC];
	const char *note;        /* why a figure comes from another column */
};

/* The source every figure in the table comes from (Epoch AI, CC BY). */
extern const char gpai_accelerator_source[];
size_t gpai_accelerator_count(void);
const struct gpai_accelerator *gpai_accelerator_at(size_t i);
/* Finds by id or alias, ignoring case, spaces, '-' and '_'; NULL if none. */
const struct gpai_accelerator *gpai_accelerator_find(const char *name);
/* Dense peak for a format; GPAI_ENOTFOUND naming the chip and format when
 * the table has no figure for it. */
int gpai_accelerator_peak(const struct gpai_accelerator *a,
			  enum gpai_precision p, double *out,
			  struct gpai_error *err);

/* ---- FLOP estimates ----------------------------------------------------- */

/* Units. */
#define GPAI_SECONDS_PER_HOUR 3600.0
#define GPAI_FLOP_PER_TFLOP 1e12
/* Compute above this is taken for a typing error: five orders of magnitude
 * above the largest published training compute (~5e26 FLOP, Epoch AI). */
#define GPAI_FLOP_PLAUSIBLE_MAX 1e31
/* Longest training context accepted for the attention term (tokens). */
#define GPAI_CONTEXT_PLAUSIBLE_MAX 1e8

/* Model FLOP utilization when none is given: the median of the 61 MFUs
 * reported in Epoch AI's models table (June 2025 snapshot), with its
 * quartiles as the range (../shared/notes/compute.md section 1.2). */
#define GPAI_UTILIZATION_DEFAULT 0.38
#define GPAI_UTILIZATION_LOW 0.30
#define GPAI_UTILIZATION_HIGH 0.50
/* EU Guidelines Annex A.2: estimates accurate within 30 %; the default
 * interval and the disagreement flag use it. */
#define GPAI_ACCURACY_BAND 0.30
/* FLOP per parameter per token: forward 2 + backward 4 (Kaplan et al. 2020
 * section 2.1; Epoch 2022), and forward only for generation. */
#define GPAI_FLOP_PER_PARAM_TOKEN_TRAIN 6.0
#define GPAI_FLOP_PER_PARAM_TOKEN_FORWARD 2.0

/* Operation counting: C = 6 N D (+ the attention term when detailed).
 * forward_only selects 2 N D (generating synthetic data). */
struct gpai_ops_input {
	double params;        /* N: active parameters per token */
	double tokens;        /* tokens per epoch */
	double epochs;        /* passes; D = tokens x epochs */
	int forward_only;
	/* Attention term (PaLM, arXiv:2204.02311 App. B): per token
	 * 6 x n_layers x context x (qk_width + v_width); 0 = not computed. */
	int64_t n_layers, context, attn_qk_width, attn_v_width;
};

/* One hardware period: count chips for seconds at utilization of the dense
 * peak for the format.  utilization < 0 means "not given": the default and
 * its range are used and reported as an assumption. */
struct gpai_hw_period {
	const struct gpai_accelerator *chip;
	enum gpai_precision precision;
	double count;
	double seconds;       /* wall-clock seconds (count x seconds = chip-s) */
	double utilization;
};

/* An estimate with its interval. */
struct gpai_estimate {
	double flop, low, high;
};

/* Computes 6 N D (or 2 N D) and, when the attention inputs are set, the
 * detailed figure.  *base gets 6ND with a +/-30 % interval; *detailed (may
 * be NULL) gets 6ND plus the attention term.  GPAI_EMISUSE naming the input
 * for a value that is negative, zero, NaN or absurd (> 1e30 FLOP). */
int gpai_flops_operations(const struct gpai_ops_input *in,
			  struct gpai_estimate *base,
			  struct gpai_estimate *detailed,
			  struct gpai_error *err);
/* Sums the periods.  The interval comes from the utilization range when a
 * period's utilization was not given, else +/-30 %.  *assumed is set to 1
 * when the default utilization was used.  Errors name the period and the
 * field (missing format for the chip is GPAI_ENOTFOUND). */
int gpai_flops_hardware(const struct gpai_hw_period *periods, size_t n,
			struct gpai_estimate *out, int *assumed,
			struct gpai_error *err);
/* Combines two estimates of the same quantity (Epoch practice: geometric
 * mean; the interval spans both).  Returns 1 when they differ by more than
 * GPAI_ACCURACY_BAND (max/min - 1), else 0. */
int gpai_estimate_combine(const struct gpai_estimate *a,
			  const struct gpai_estimate *b,
			  struct gpai_estimate *out);
/* Formats a FLOP figure with two significant figures ("3.8e25") into
 * out[32] and returns out. */
const char *gpai_flop_2sf(double flop, char out[32]);

/* ---- training stages ---------------------------------------------------- */

/* What a stage is.  The last five are never counted (EU Guidelines Annex
 * A.1) but are listed so the report shows they were excluded. */
enum gpai_stage_kind {
	GPAI_STAGE_PRETRAINING,
	GPAI_STAGE_CONTINUED_PRETRAINING,
	GPAI_STAGE_SFT,
	GPAI_STAGE_RL,
	GPAI_STAGE_SYNTHETIC_DATA,  /* generation; "public" data is excluded */
	GPAI_STAGE_INIT_MODEL,      /* a model used to initialise or merge */
	GPAI_STAGE_EVALUATION,
	GPAI_STAGE_FAILED_RUN,
	GPAI_STAGE_TEACHER,         /* teacher model of a distillation */
	GPAI_STAGE_REWARD_MODEL,
	GPAI_STAGE_RECOMPUTATION,   /* activation recomputation (hardware FLOP) */
	GPAI_NSTAGE_KINDS
};
const char *gpai_stage_kind_name(enum gpai_stage_kind k);
int gpai_stage_kind_parse(const char *s, enum gpai_stage_kind *out);

/* What each rule cumulates ("scope"). */
enum gpai_scope {
	GPAI_SCOPE_UPDATES,     /* compute directly contributing to parameter
				   updates (EU GPAI and modification tests) */
	GPAI_SCOPE_CUMULATIVE,  /* EU Art. 51(2): all capability-enhancing
				   compute incl. non-public synthetic data */
	GPAI_SCOPE_US_STATE,    /* SB 53 / RAISE: original run + fine-tuning,
				   RL and other material modifications */
	GPAI_NSCOPES
};
const char *gpai_scope_name(enum gpai_scope s);
/* 1 when a stage of that kind (public: synthetic data that is public)
 * counts under the scope; *why gets a static reason either way. */
int gpai_scope_counts(enum gpai_scope s, enum gpai_stage_kind k, int public_,
		      const char **why);

#define GPAI_STAGE_NAME_MAX 64
#define GPAI_STAGE_MAX_PERIODS 16

/* One stage, as read from a stages file, and its estimate. */
struct gpai_stage {
	char name[GPAI_STAGE_NAME_MAX];
	enum gpai_stage_kind kind;
	int public_;             /* synthetic data that is published */
	char source[256];        /* citation given for the stage, or "" */
	int has_flop, has_ops, has_hw;
	double given_flop;       /* "flop": a published figure */
	struct gpai_ops_input ops;
	struct gpai_hw_period periods[GPAI_STAGE_MAX_PERIODS];
	size_t n_periods;
	/* Results. */
	struct gpai_estimate ops_est, hw_est, est;
	int hw_assumed_utilization;
	int disagree;            /* both methods, > 30 % apart */
	const char *method;      /* "reported", "operations", "hardware",
				    "operations+hardware" (static) */
};

struct gpai_stages {
	struct gpai_stage *v;
	size_t n;
};
void gpai_stages_init(struct gpai_stages *s);
void gpai_stages_release(struct gpai_stages *s);
/* Reads a stages file (docs/flops.md) and estimates every stage.  Errors
 * name the file, the stage index and the field. */
int gpai_stages_load(const char *path, struct gpai_stages *s,
		     struct gpai_error *err);
/* The same over a parsed value (an object with "stages", or the array). */
int gpai_stages_from_json(const char *what, const struct cJSON *j,
			  struct gpai_stages *s, struct gpai_error *err);
/* Sum over the stages that count under the scope. */
void gpai_stages_total(const struct gpai_stages *s, enum gpai_scope scope,
		       struct gpai_estimate *out);
/* Sum over the parameter-updating stages other than initialising models:
 * the compute of the modification itself. */
void gpai_stages_modification(const struct gpai_stages *s,
			      struct gpai_estimate *out);
/* Sum over the initialising/merged models (the original's compute);
 * returns 0 when the file has none. */
int gpai_stages_original(const struct gpai_stages *s, struct gpai_estimate *out);

/* ---- the compute figure of a version ------------------------------------ */

/* Which figure a version's training compute is judged on, in order of
 * precedence (docs/classify.md, "Which figure"): a figure the developer
 * published (training.flop with training.flop.method "reported"), a third
 * party's published estimate (training.flop otherwise), gpai's own
 * estimate (parameters, tokens, hardware or stages).  A modification's
 * figure is cumulative: its base's figure (same precedence) plus the
 * modification's compute. */
enum gpai_figure_kind {
	GPAI_FIGURE_NONE,         /* insufficient information */
	GPAI_FIGURE_REPORTED,     /* the developer's published figure */
	GPAI_FIGURE_THIRD_PARTY,  /* a third party's published estimate */
	GPAI_FIGURE_OWN,          /* gpai's own estimate */
	GPAI_FIGURE_CUMULATIVE    /* base's figure + the modification's */
};
/* "none", "reported", "third-party", "own-estimate", "cumulative". */
const char *gpai_figure_kind_name(enum gpai_figure_kind k);

/* What is recorded about one version (facts are caller-parsed). */
struct gpai_figure_input {
	int have_flop;            /* training.flop */
	double flop;
	int have_low, have_high;  /* training.flop.low / .high */
	double low, high;
	int developer;            /* training.flop.method lists "reported" */
	int have_own;             /* gpai's own estimate exists */
	struct gpai_estimate own;
	int have_modification;    /* modification.flop (a version with a base) */
	double modification;
};

/* The chosen figure, and what it was chosen over. */
struct gpai_figure {
	enum gpai_figure_kind kind;
	struct gpai_estimate est;     /* the figure (cumulative for a modification) */
	int have_own;                 /* gpai's own estimate, the cross-check */
	struct gpai_estimate own;
	int disagree;                 /* own and est differ by more than
					 GPAI_ACCURACY_BAND (kind != OWN) */
	/* A modification (the version has a base). */
	int is_modification;
	int have_base;                /* the base's figure is known */
	enum gpai_figure_kind base_kind;
	struct gpai_estimate base;
	int have_mod;                 /* the modification's compute is known */
	struct gpai_estimate mod;
	const char *mod_from;         /* "modification.flop", "own estimate" (static) */
	char why[320];                /* which figure and why, in words */
};

/* Chooses the figure of a version without a base.  A published interval
 * (low <= flop <= high) replaces the default +/- GPAI_ACCURACY_BAND side by
 * side.  Returns 1 when a figure was found, 0 for insufficient information
 * (kind GPAI_FIGURE_NONE). */
int gpai_figure_choose(const struct gpai_figure_input *in, struct gpai_figure *out);

/* The figure of a modification: base is the base's figure (from
 * gpai_figure_choose or this function; NULL when the base is unreadable)
 * and self what the modification records.  The modification's compute is
 * modification.flop, else gpai's own estimate from its facts; the figure is
 * base + modification when both are known, else self's published
 * training.flop taken as the total, else none.  Returns 1 when a figure was
 * found, else 0. */
int gpai_figure_modification(const struct gpai_figure *base,
			     const struct gpai_figure_input *self,
			     struct gpai_figure *out);

/* ---- thresholds and classification -------------------------------------- */

enum gpai_threshold_kind {
	GPAI_THR_ABSOLUTE,       /* compute > value */
	GPAI_THR_MODIFICATION    /* modification compute > value x original */
};

/* One rule, as data (AI Act Art. 51(3): the Commission may amend them). */
struct gpai_threshold {
	const char *id;           /* "eu-systemic-risk" */
	const char *jurisdiction; /* "EU", "US-CA", "US-NY", "US" */
	const char *rule;         /* human name */
	enum gpai_threshold_kind kind;
	const char *op;           /* ">" (strictly greater) */
	double value;             /* FLOP, or a ratio for a modification rule */
	double fallback_systemic; /* modification rule: original unknown and
				     systemic-risk (FLOP) */
	double fallback_gpai;     /* modification rule: original unknown (FLOP) */
	enum gpai_scope scope;
	const char *conditions;   /* companion conditions, words */
	const char *source;
	const char *valid_from;   /* YYYY-MM-DD or "" */
	const char *valid_until;  /* YYYY-MM-DD or "" (still in force) */
};

size_t gpai_threshold_count(void);
const struct gpai_threshold *gpai_threshold_at(size_t i);
const struct gpai_threshold *gpai_threshold_find(const char *id);

/* EU AI Act Art. 52(1): notify within two weeks. */
#define GPAI_EU_NOTIFY_DAYS 14

enum gpai_original_kind {
	GPAI_ORIGINAL_NONE,      /* not a modification */
	GPAI_ORIGINAL_KNOWN,     /* original's compute given */
	GPAI_ORIGINAL_UNKNOWN_GPAI,
	GPAI_ORIGINAL_UNKNOWN_SYSTEMIC
};

/* What classification needs.  Money < 0 = not given. */
struct gpai_classify_input {
	struct gpai_estimate scope_flop[GPAI_NSCOPES]; /* compute per scope */
	struct gpai_estimate modification;  /* compute of the modification */
	enum gpai_original_kind original;
	struct gpai_estimate original_flop;
	int modality_known;      /* 1 when generative_modality was given */
	int generative_modality; /* text/audio, text-to-image or -video */
	double revenue_usd;      /* annual gross revenue (SB 53) */
	double cost_usd;         /* compute cost of the training (RAISE) */
	char known_date[11];     /* date threshold met or known, or "" */
	char on_date[11];        /* date to judge validity on (YYYY-MM-DD) */
};

enum gpai_band {
	GPAI_BELOW,
	GPAI_ABOVE,
	GPAI_WITHIN_BAND_ABOVE,  /* interval straddles; point estimate above */
	GPAI_WITHIN_BAND_BELOW,  /* interval straddles; point estimate below */
	GPAI_NOT_APPLICABLE      /* e.g. the modification rule, no original */
};
const char *gpai_band_name(enum gpai_band b);

struct gpai_classification {
	const struct gpai_threshold *threshold;
	enum gpai_band band;
	double compared;          /* the compute compared (point) */
	double low, high;
	double limit;             /* the threshold in FLOP for this case */
	double ratio, log10_ratio;/* compared / limit */
	int met;                  /* the rule's outcome incl. conditions:
				     1 met, 0 not met, -1 undetermined */
	int in_force;             /* 0: revoked or not yet in force on on_date
				     (the result is then historical only) */
	char deadline[11];        /* EU notification deadline or "" */
	char explanation[512];
};

/* Classifies against every rule in the table (results in table order,
 * n = gpai_threshold_count()).  GPAI_EMISUSE for invalid inputs (naming
 * them). */
int gpai_classify(const struct gpai_classify_input *in,
		  struct gpai_classification *out, size_t n,
		  struct gpai_error *err);
/* Fills the compute part of *in from a figure: every scope gets f->est; a
 * modification with a known modification compute is judged by the
 * one-third rule against its base's figure (or, base unknown, the lower
 * fallback of 10^23/3).  The rest of *in (modality, money, dates) is left
 * as it is. */
void gpai_classify_input_figure(const struct gpai_figure *f,
				struct gpai_classify_input *in);
/* Adds days to a YYYY-MM-DD date; GPAI_EFORMAT for a bad date. */
int gpai_date_add_days(const char *date, int days, char out[11],
		       struct gpai_error *err);

#endif
