/*
 * fields.c - the documentation model as data: every field of the dossier,
 * its Form item / Annex / Article reference, the audiences that receive it,
 * when it is required, how national authorities receive it, and where its
 * value comes from.
 *
 * Sources (../shared/notes/registry_dossier.md):
 *   Form   - GPAI Code of Practice, Transparency chapter, Model
 *            Documentation Form (published 10 Jul 2025), s.2.7
 *   Annex XI s.1/s.2, Annex XII - Regulation (EU) 2024/1689, s.2.5-2.6
 *   Template - Commission template for the public summary of training
 *            content, Annex to C(2025) 5235 final, s.2.8
 *   Arts. 51, 52, 53, 55 - Regulation (EU) 2024/1689, s.2.1-2.4
 * Audience columns follow the Form's tick-boxes; items the notes mark as
 * derived from Annex XII (*A12*) go to downstream providers exactly when
 * Annex XII names them.
 *
 * Invariants: keys are unique and stable (they appear in the JSON schema
 * and in consumers' scripts); sections appear in the order of the Form,
 * then the systemic-risk additions, then what every provider owes.
 */
#include "dossier.h"

#include <string.h>
#include <strings.h>

#define ALL3 (GPAI_AUD_AIO | GPAI_AUD_NCA | GPAI_AUD_DP)
#define AUTH (GPAI_AUD_AIO | GPAI_AUD_NCA)
#define EVERY (ALL3 | GPAI_AUD_PUBLIC)

#define TEXT "'...'"
#define DATE "YYYY-MM-DD"
#define URL "https://..."

static const struct gpai_dossier_section sections[] = {
	{ "document", "Document",
	  "Version and date of this documentation (Form item 0). Previous versions are kept for "
	  "10 years after the model is placed on the market (CoP Transparency, Measure 1.1)." },
	{ "form.1", "1. General information", "Model Documentation Form, section 1." },
	{ "form.2", "2. Model properties",
	  "Architecture, design, modalities and size (Annex XI 1(1)(d)-(e); Annex XII 1(f)-(g), 2(b))." },
	{ "form.3", "3. Methods of distribution and licences",
	  "Annex XI 1(1)(b), (c), (f); Annex XII 1(b), (c), (h)." },
	{ "form.4", "4. Use", "Annex XI 1(1)(a), 1(2)(a); Annex XII 1(a), (d), (e), 2(a)." },
	{ "form.5", "5. Training process", "Annex XI 1(2)(b)." },
	{ "form.6", "6. Information on the data used for training, testing and validation",
	  "Annex XI 1(2)(c); Annex XII 2(c)." },
	{ "form.7", "7. Computational resources and energy",
	  "Annex XI 1(2)(d)-(e). National competent authorities receive orders of magnitude and ranges." },
	{ "form.8", "8. Inference compute",
	  "The benchmarked computation used for inference stands in for inference energy." },
	{ "classification", "Classification",
	  "Art. 51(2): presumption of high-impact capabilities above 10^25 FLOP of cumulative training "
	  "compute; GPAI Guidelines C(2025) 5045: indicative GPAI above 10^23 FLOP, the one-third "
	  "modification rule." },
	{ "evaluation", "Evaluations", "Published evaluation claims and their re-verification on the weights." },
	{ "annex11.2", "Annex XI section 2: additional information for systemic-risk models",
	  "Required only for general-purpose AI models with systemic risk." },
	{ "art55", "Article 55: obligations for systemic-risk models",
	  "Evidence of evaluation, risk mitigation, incident tracking and cybersecurity." },
	{ "art52", "Article 52: notification to the Commission",
	  "Without delay and in any event within two weeks after the threshold is met or it becomes known "
	  "that it will be met (Art. 52(1))." },
	{ "art53.1c", "Copyright policy (Art. 53(1)(c))",
	  "Owed by every provider, including those exempt under Art. 53(2) (Recital 104)." },
	{ "summary", "Public summary of training content (Art. 53(1)(d))",
	  "Following the Commission template (Annex to C(2025) 5235 final). Owed by every provider, "
	  "including those exempt under Art. 53(2)." },
	{ "openness", "Openness and the Art. 53(2) exemption",
	  "Model Openness Framework v1.0, OSI Open Source AI Definition 1.0, Art. 53(2) and GPAI "
	  "Guidelines s.4." },
};

static const struct gpai_dossier_field fields[] = {
	/* key, section, ref, label, audiences, cond, nca, computed, source, hint */
	{ "doc.version", "document", "Form 0", "Document version number", ALL3,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 1, "doc.version", NULL },
	{ "doc.date", "document", "Form 0", "Date the document was last updated", ALL3,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 1, "doc.date", NULL },

	{ "form.1.1.provider", "form.1", "Form 1.1", "Legal name of the model provider", ALL3,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "model.provider", "'Example AI Ltd'" },
	{ "form.1.2.name", "form.1", "Form 1.2", "Model name (unique identifier and version)", ALL3,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 1, "model.name", NULL },
	{ "form.1.3.authenticity", "form.1", "Form 1.3",
	  "Model authenticity: secure hash of the distributed files (OMS root digest) and signer", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 1, "oms.root_digest", NULL },
	{ "form.1.4.release_date", "form.1", "Form 1.4; Annex XI 1(1)(c); Annex XII 1(c)",
	  "Release date (first release through any channel)", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "release.date", DATE },
	{ "form.1.5.eu_release_date", "form.1", "Form 1.5", "Union market release date", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "release.eu_market_date", DATE },
	{ "form.1.6.dependencies", "form.1", "Form 1.6",
	  "Model dependencies (GPAI models this one modifies or fine-tunes)", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 1, "lineage", NULL },

	{ "form.2.1.architecture", "form.2", "Form 2.1; Annex XI 1(1)(d); Annex XII 1(f)",
	  "Model architecture (general description)", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "model.architecture", "llama" },
	{ "form.2.2.design", "form.2", "Form 2.2; Annex XI 1(2)(b)",
	  "Design specifications: key design choices, rationale and assumptions", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "model.design", TEXT },
	{ "form.2.3.input", "form.2", "Form 2.3; Annex XI 1(1)(e); Annex XII 1(g), 2(b)",
	  "Input modalities and maximum input size (context window)", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "model.modalities.input", "text" },
	{ "form.2.4.output", "form.2", "Form 2.4; Annex XI 1(1)(e); Annex XII 1(g), 2(b)",
	  "Output modalities and maximum output size", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "model.modalities.output", "text" },
	{ "form.2.5.parameters", "form.2", "Form 2.5; Annex XI 1(1)(d); Annex XII 1(f)",
	  "Total number of parameters (two significant figures)", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 1, "model.parameters", "N" },
	{ "form.2.6.size_range", "form.2", "Form 2.5 (size range)", "Model size range", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 1, "model.size_range", NULL },

	{ "form.3.1.channels", "form.3", "Form 3.1; Annex XI 1(1)(c); Annex XII 1(c)",
	  "Methods of distribution (channels)", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "distribution.channels", TEXT },
	{ "form.3.2.license", "form.3", "Form 3.2; Annex XI 1(1)(f); Annex XII 1(h)",
	  "Licence: SPDX id, link and category", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "license.spdx", "Apache-2.0" },
	{ "form.3.3.aup", "form.3", "Form 3.3; Annex XI 1(1)(b); Annex XII 1(b)",
	  "Acceptable use policy", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "use.acceptable_use_policy", URL },

	{ "form.4.1.intended_uses", "form.4", "Form 4.1; Annex XI 1(1)(a); Annex XII 1(a)",
	  "Intended uses (tasks the model is intended to perform)", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "use.intended", TEXT },
	{ "form.4.2.systems", "form.4", "Form 4.2; Annex XI 1(1)(a); Annex XII 1(a)",
	  "Type and nature of AI systems the model can be integrated into", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "use.systems", TEXT },
	{ "form.4.3.integration", "form.4", "Form 4.3; Annex XI 1(2)(a); Annex XII 2(a)",
	  "Technical means for integration (instructions, infrastructure, tools)", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "use.integration", TEXT },
	{ "form.4.4.hardware", "form.4", "Form 4.4; Annex XII 1(d)",
	  "Required hardware; interaction with hardware not part of the model", ALL3,
	  GPAI_COND_OPTIONAL, GPAI_COARSEN_NONE, 0, "use.hardware", TEXT },
	{ "form.4.5.software", "form.4", "Form 4.5; Annex XII 1(e)",
	  "Required software and versions", ALL3,
	  GPAI_COND_OPTIONAL, GPAI_COARSEN_NONE, 0, "use.software", TEXT },

	{ "form.5.1.training_process", "form.5", "Form 5.1; Annex XI 1(2)(b)",
	  "Training methodologies and techniques; what the model optimises for; decision rationale",
	  AUTH, GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "training.process", TEXT },

	{ "form.6.1.modalities", "form.6", "Form 6.1; Annex XI 1(2)(c); Annex XII 2(c)",
	  "Data type and modality", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "data.modalities", "text" },
	{ "form.6.2.provenance", "form.6", "Form 6.2; Annex XI 1(2)(c); Annex XII 2(c)",
	  "Data provenance", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "data.provenance", "public-datasets" },
	{ "form.6.3.obtained", "form.6", "Form 6.3; Annex XI 1(2)(c)",
	  "How the data was obtained and selected", AUTH,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "data.description", TEXT },
	{ "form.6.4.points", "form.6", "Form 6.4; Annex XI 1(2)(c)",
	  "Number of data points (tokens)", AUTH,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_COUNT_OOM, 0, "data.size_tokens", "N" },
	{ "form.6.5.scope", "form.6", "Form 6.5; Annex XI 1(2)(c)",
	  "Scope and main characteristics of the data", AUTH,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "data.scope", TEXT },
	{ "form.6.6.curation", "form.6", "Form 6.6; Annex XI 1(2)(c); Annex XII 2(c)",
	  "Curation methodologies (cleaning, filtering)", ALL3,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "data.curation", TEXT },
	{ "form.6.7.bias", "form.6", "Form 6.7; Annex XI 1(2)(c)",
	  "Measures to detect unsuitable data sources and identifiable biases", AUTH,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "data.bias_measures", TEXT },

	{ "form.7.1.training_time", "form.7", "Form 7.1; Annex XI 1(2)(d)",
	  "Training time (wall clock; accelerator-days)", AUTH,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_TIME_RANGE, 1, "training.time", NULL },
	{ "form.7.2.training_flop", "form.7", "Form 7.2; Annex XI 1(2)(d); Art. 51(2)",
	  "Amount of computation used for training (FLOP)", AUTH,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_FLOP_OOM, 1, "training.flop", NULL },
	{ "form.7.3.flop_method", "form.7", "Form 7.3; Annex XI 1(2)(d); Art. 53(5)",
	  "Training compute measurement methodology", AUTH,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 1, "training.flop.method", NULL },
	{ "form.7.4.energy", "form.7", "Form 7.4; Annex XI 1(2)(e)",
	  "Energy used for training (MWh)", AUTH,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "training.energy_mwh", "N" },
	{ "form.7.5.energy_method", "form.7", "Form 7.5; Annex XI 1(2)(e); Art. 53(5)",
	  "Energy measurement methodology", AUTH,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "training.energy_method", TEXT },

	{ "form.8.1.inference_flop", "form.8", "Form 8.1",
	  "Benchmarked computation used for inference (FLOP)", AUTH,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_FLOP_OOM, 0, "inference.flop", "N" },
	{ "form.8.2.inference_method", "form.8", "Form 8.2",
	  "Inference compute methodology (task and hardware)", AUTH,
	  GPAI_COND_NOT_EXEMPT, GPAI_COARSEN_NONE, 0, "inference.method", TEXT },

	{ "classification.gpai", "classification", "GPAI Guidelines C(2025) 5045 s.2",
	  "General-purpose AI model indication (training compute above 10^23 FLOP)", ALL3,
	  GPAI_COND_OPTIONAL, GPAI_COARSEN_NONE, 1, "classification.gpai", NULL },
	{ "classification.systemic_risk", "classification", "Art. 51(1)-(2)",
	  "Systemic risk (presumed above 10^25 FLOP, or designated)", ALL3,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 1, "classification.systemic_risk", NULL },
	{ "classification.modification", "classification", "GPAI Guidelines C(2025) 5045 s.3.2",
	  "Modification rule: does the modifier become the provider of a new model (one third of the "
	  "original training compute)", ALL3,
	  GPAI_COND_OPTIONAL, GPAI_COARSEN_NONE, 1, "classification.modification", NULL },

	{ "evaluation.claims", "evaluation", "Annex XI 1(2), 2(1); Art. 53(1)(a)",
	  "Evaluation claims and their latest verification on the weights", ALL3,
	  GPAI_COND_OPTIONAL, GPAI_COARSEN_NONE, 1, "evaluation.claims", NULL },

	{ "annex11.2.1.evaluation", "annex11.2", "Annex XI 2(1); Art. 55(1)(a)",
	  "Evaluation strategies, criteria, metrics and results", AUTH,
	  GPAI_COND_SYSTEMIC, GPAI_COARSEN_NONE, 0, "eval.strategy", TEXT },
	{ "annex11.2.2.adversarial", "annex11.2", "Annex XI 2(2); Art. 55(1)(a)",
	  "Adversarial testing (red teaming), model adaptations, alignment and fine-tuning", AUTH,
	  GPAI_COND_SYSTEMIC, GPAI_COARSEN_NONE, 0, "eval.adversarial", TEXT },
	{ "annex11.2.3.system_architecture", "annex11.2", "Annex XI 2(3)",
	  "System architecture: how software components build on or feed into each other", AUTH,
	  GPAI_COND_SYSTEMIC, GPAI_COARSEN_NONE, 0, "model.system_architecture", TEXT },

	{ "art55.1b.risk_assessment", "art55", "Art. 55(1)(b)",
	  "Assessment and mitigation of possible systemic risks at Union level", AUTH,
	  GPAI_COND_SYSTEMIC, GPAI_COARSEN_NONE, 0, "safety.risk_assessment", TEXT },
	{ "art55.1c.incidents", "art55", "Art. 55(1)(c)",
	  "Serious incidents: tracking, documentation, reporting, corrective measures", AUTH,
	  GPAI_COND_SYSTEMIC, GPAI_COARSEN_NONE, 0, "safety.incidents", TEXT },
	{ "art55.1d.cybersecurity", "art55", "Art. 55(1)(d)",
	  "Cybersecurity protection of the model and its physical infrastructure", AUTH,
	  GPAI_COND_SYSTEMIC, GPAI_COARSEN_NONE, 0, "safety.cybersecurity", TEXT },

	{ "art52.deadline", "art52", "Art. 52(1)",
	  "Notification deadline (two weeks after the threshold was met or became known)", AUTH,
	  GPAI_COND_SYSTEMIC, GPAI_COARSEN_NONE, 1, "art52.deadline", NULL },
	{ "art52.notified", "art52", "Art. 52(1)", "Date the Commission was notified", AUTH,
	  GPAI_COND_SYSTEMIC, GPAI_COARSEN_NONE, 0, "systemic.notified_date", DATE },

	{ "art53.1c.copyright_policy", "art53.1c", "Art. 53(1)(c); Art. 4(3) Directive (EU) 2019/790",
	  "Copyright policy, incl. how reservations of rights are identified and complied with", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "copyright.policy", URL },

	{ "summary.1.1.provider", "summary", "Template 1.1", "Provider name", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "model.provider", "'Example AI Ltd'" },
	{ "summary.1.1.contact", "summary", "Template 1.1; CoP Transparency Measure 1.2",
	  "Contact point", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "contact", "'compliance@example.com'" },
	{ "summary.1.1.representative", "summary", "Template 1.1; Art. 54",
	  "Authorised representative in the Union", EVERY,
	  GPAI_COND_OPTIONAL, GPAI_COARSEN_NONE, 0, "provider.representative", TEXT },
	{ "summary.1.2.model", "summary", "Template 1.2", "Versioned model name", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 1, "model.name", NULL },
	{ "summary.1.2.dependencies", "summary", "Template 1.2", "Model dependencies", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 1, "lineage", NULL },
	{ "summary.1.2.eu_date", "summary", "Template 1.2", "Date placed on the Union market", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "release.eu_market_date", DATE },
	{ "summary.1.3.modalities", "summary", "Template 1.3", "Modalities of the training data", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "data.modalities", "text" },
	{ "summary.1.3.size", "summary", "Template 1.3",
	  "Overall training data size (template range)", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 1, "data.size_range", NULL },
	{ "summary.1.3.content_types", "summary", "Template 1.3", "Types of content", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "data.content_types", TEXT },
	{ "summary.1.3.collection", "summary", "Template 1.3",
	  "Latest data collection date (and whether collection is ongoing)", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "data.collection_end", DATE },
	{ "summary.2.1.public_datasets", "summary", "Template 2.1", "Publicly available datasets",
	  EVERY, GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "data.public_datasets", TEXT },
	{ "summary.2.2.third_party", "summary", "Template 2.2",
	  "Private non-publicly available datasets from third parties (licensed or other)", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "data.third_party", TEXT },
	{ "summary.2.3.crawled", "summary", "Template 2.3",
	  "Data crawled and scraped from online sources (crawlers, period, top domains)", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "data.crawling", TEXT },
	{ "summary.2.4.user_data", "summary", "Template 2.4", "User data", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "data.user_data", TEXT },
	{ "summary.2.5.synthetic", "summary", "Template 2.5",
	  "Synthetic data (modality; models used to generate it)", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "data.synthetic", TEXT },
	{ "summary.2.6.other", "summary", "Template 2.6", "Other sources of data", EVERY,
	  GPAI_COND_OPTIONAL, GPAI_COARSEN_NONE, 0, "data.other_sources", TEXT },
	{ "summary.3.1.tdm_optout", "summary", "Template 3.1; Art. 4(3) Directive (EU) 2019/790",
	  "Respect of reservations of rights from the text and data mining exception", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "data.tdm_optout", TEXT },
	{ "summary.3.2.illegal_content", "summary", "Template 3.2",
	  "Removal of illegal content", EVERY,
	  GPAI_COND_ALL, GPAI_COARSEN_NONE, 0, "data.illegal_content", TEXT },
	{ "summary.3.3.other", "summary", "Template 3.3", "Other information on data processing",
	  EVERY, GPAI_COND_OPTIONAL, GPAI_COARSEN_NONE, 0, "data.processing_other", TEXT },

	{ "openness.class", "openness", "MOF v1.0; OSAID 1.0",
	  "Openness: closed-weight, open-weight, open-source AI, open science; MOF class", EVERY,
	  GPAI_COND_OPTIONAL, GPAI_COARSEN_NONE, 1, "openness.class", NULL },
	{ "openness.art53_2", "openness", "Art. 53(2); Recitals 102, 104; Guidelines s.4.2",
	  "Open-source exemption from Art. 53(1)(a)-(b) (Annex XI / XII)", EVERY,
	  GPAI_COND_OPTIONAL, GPAI_COARSEN_NONE, 1, "openness.art53_2", NULL },
};

const struct gpai_dossier_field *gpai_dossier_fields(size_t *n)
{
	*n = sizeof(fields) / sizeof(fields[0]);
	return fields;
}

const struct gpai_dossier_section *gpai_dossier_sections(size_t *n)
{
	*n = sizeof(sections) / sizeof(sections[0]);
	return sections;
}

static const struct {
	enum gpai_audience a;
	const char *name;
} audiences[] = {
	{ GPAI_AUD_AIO, "aio" },
	{ GPAI_AUD_NCA, "nca" },
	{ GPAI_AUD_DP, "dp" },
	{ GPAI_AUD_PUBLIC, "public" },
};

enum gpai_audience gpai_audience_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof(audiences) / sizeof(audiences[0]); i++)
		if (strcmp(s, audiences[i].name) == 0)
			return audiences[i].a;
	return 0;
}

const char *gpai_audience_name(enum gpai_audience a)
{
	for (size_t i = 0; i < sizeof(audiences) / sizeof(audiences[0]); i++)
		if (audiences[i].a == a)
			return audiences[i].name;
	return "unknown";
}
