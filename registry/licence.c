/*
 * licence.c - the licence table: SPDX ids (and the LicenseRef-... ids gpai
 * knows) with their category for Art. 53(2) and openness, and the
 * evaluation of SPDX expressions.  It lives in the registry so that
 * `gpai fact set ... license.spdx` and `gpai add --license` can refuse an
 * id without a category; the dossier's openness classification reads the
 * same table (docs/openness.md).  Sources: ../shared/notes/registry_dossier.md
 * s.2.2 (Art. 53(2), Recitals 102/104, GPAI Guidelines C(2025) 5045
 * s.4.2.1-4.2.3); OSI approval from the OSI list.
 *
 * Invariants: the table is const and sorted by nothing; lookups are
 * case-insensitive; an id not in the table has no category and is never
 * guessed.
 */
#include "registry.h"

#include <string.h>
#include <strings.h>

#define OPEN_W "grants access, use, modification and distribution without monetisation (Art. 53(2), Recital 102)"

/* Licence table.  OSI approval from the OSI list; categories and the
 * Art. 53(2) column from Guidelines s.4.2.1: attribution and share-alike are
 * allowed, proportionate safety-oriented use restrictions are allowed;
 * non-commercial or research-only terms, user-scale thresholds and
 * separate commercial licences disqualify. */
static const struct gpai_license licenses[] = {
	{ "Apache-2.0", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "MIT", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "BSD-2-Clause", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "BSD-3-Clause", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "BSD-3-Clause-Clear", GPAI_LIC_PERMISSIVE, 1, 1, "permissive BSD variant; " OPEN_W },
	{ "ISC", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "0BSD", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "Unlicense", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved public-domain dedication; " OPEN_W },
	{ "Zlib", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "BSL-1.0", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "UPL-1.0", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "MPL-2.0", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved weak copyleft; share-alike is allowed; " OPEN_W },
	{ "EPL-2.0", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved weak copyleft; share-alike is allowed; " OPEN_W },
	{ "LGPL-2.1-only", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "LGPL-3.0-only", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "GPL-2.0", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft (deprecated SPDX id of GPL-2.0-only; GPL-2.0+ is -or-later); " OPEN_W },
	{ "GPL-3.0", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft (deprecated SPDX id of GPL-3.0-only; GPL-3.0+ is -or-later); " OPEN_W },
	{ "GPL-2.0-only", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "GPL-2.0-or-later", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "GPL-3.0-only", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "GPL-3.0-or-later", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "AGPL-3.0-only", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "AGPL-3.0-or-later", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "CC0-1.0", GPAI_LIC_OPEN_DATA, 1, 1, "public-domain dedication for data and content; " OPEN_W },
	{ "CC-BY-3.0", GPAI_LIC_OPEN_DATA, 1, 1, "open content licence with attribution; " OPEN_W },
	{ "CC-BY-4.0", GPAI_LIC_OPEN_DATA, 1, 1, "open content licence with attribution; " OPEN_W },
	{ "CC-BY-SA-3.0", GPAI_LIC_OPEN_DATA, 1, 1, "open content licence, share-alike allowed; " OPEN_W },
	{ "CC-BY-SA-4.0", GPAI_LIC_OPEN_DATA, 1, 1, "open content licence, share-alike allowed; " OPEN_W },
	{ "CDLA-Permissive-1.0", GPAI_LIC_OPEN_DATA, 1, 1, "open data licence; " OPEN_W },
	{ "CDLA-Permissive-2.0", GPAI_LIC_OPEN_DATA, 1, 1, "open data licence; " OPEN_W },
	{ "CDLA-Sharing-1.0", GPAI_LIC_OPEN_DATA, 1, 1, "open data licence, share-alike allowed; " OPEN_W },
	{ "ODC-By-1.0", GPAI_LIC_OPEN_DATA, 1, 1, "open data licence with attribution; " OPEN_W },
	{ "ODbL-1.0", GPAI_LIC_OPEN_DATA, 1, 1, "open database licence, share-alike allowed; " OPEN_W },
	{ "PDDL-1.0", GPAI_LIC_OPEN_DATA, 1, 1, "public-domain dedication for data; " OPEN_W },
	{ "CreativeML-OpenRAIL-M", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "OpenRAIL: free use, modification and distribution with behavioural use restrictions, which "
	  "Guidelines s.4.2.1 allow when safety-oriented and proportionate; not OSI-approved" },
	{ "BigScience-OpenRAIL-M", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "OpenRAIL: free use, modification and distribution with behavioural use restrictions, which "
	  "Guidelines s.4.2.1 allow when safety-oriented and proportionate; not OSI-approved" },
	{ "BigScience-BLOOM-RAIL-1.0", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "RAIL: free use, modification and distribution with behavioural use restrictions, which "
	  "Guidelines s.4.2.1 allow when safety-oriented and proportionate; not OSI-approved" },
	{ "LicenseRef-OpenRAIL-M", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "OpenRAIL: free use, modification and distribution with behavioural use restrictions, which "
	  "Guidelines s.4.2.1 allow when safety-oriented and proportionate; not OSI-approved" },
	{ "LicenseRef-OpenRAIL-PlusPlus", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "OpenRAIL++-M: free use, modification and distribution with behavioural use restrictions, "
	  "which Guidelines s.4.2.1 allow when safety-oriented and proportionate; not OSI-approved" },
	{ "LicenseRef-BigCode-OpenRAIL-M", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "OpenRAIL: free use, modification and distribution with behavioural use restrictions, which "
	  "Guidelines s.4.2.1 allow when safety-oriented and proportionate; not OSI-approved" },
	{ "LicenseRef-Llama-2-Community", GPAI_LIC_RESTRICTED, 0, 0,
	  "Llama 2 Community Licence: licensees above 700 million monthly active users need a separate "
	  "licence (s.2), a user-scale threshold that Guidelines s.4.2.1 name as disqualifying" },
	{ "LicenseRef-Llama-3-Community", GPAI_LIC_RESTRICTED, 0, 0,
	  "Meta Llama 3 Community Licence: licensees above 700 million monthly active users need a "
	  "separate licence (s.2), a user-scale threshold that Guidelines s.4.2.1 name as disqualifying" },
	{ "LicenseRef-Llama-3.1-Community", GPAI_LIC_RESTRICTED, 0, 0,
	  "Llama 3.1 Community Licence: licensees above 700 million monthly active users need a "
	  "separate licence (s.2), a user-scale threshold that Guidelines s.4.2.1 name as disqualifying" },
	{ "LicenseRef-Llama-3.2-Community", GPAI_LIC_RESTRICTED, 0, 0,
	  "Llama 3.2 Community Licence: licensees above 700 million monthly active users need a "
	  "separate licence (s.2), a user-scale threshold that Guidelines s.4.2.1 name as disqualifying" },
	{ "LicenseRef-Llama-3.3-Community", GPAI_LIC_RESTRICTED, 0, 0,
	  "Llama 3.3 Community Licence: licensees above 700 million monthly active users need a "
	  "separate licence (s.2), a user-scale threshold that Guidelines s.4.2.1 name as disqualifying" },
	{ "LicenseRef-Llama-4-Community", GPAI_LIC_RESTRICTED, 0, 0,
	  "Llama 4 Community Licence: licensees above 700 million monthly active users need a "
	  "separate licence (s.2), a user-scale threshold that Guidelines s.4.2.1 name as disqualifying" },
	{ "LicenseRef-Gemma-Terms-of-Use", GPAI_LIC_RESTRICTED, 0, 0,
	  "Gemma Terms of Use: use is bound by a Prohibited Use Policy the licensor may update, and "
	  "the licensor may restrict usage remotely (s.4.2); custom terms, not an open licence" },
	{ "LicenseRef-Gemma", GPAI_LIC_RESTRICTED, 0, 0,
	  "Gemma Terms of Use: use is bound by a Prohibited Use Policy the licensor may update, and "
	  "the licensor may restrict usage remotely (s.4.2); custom terms, not an open licence" },
	{ "LicenseRef-Falcon-180B-TII-License-1.0", GPAI_LIC_RESTRICTED, 0, 0,
	  "Falcon-180B TII Licence: hosting the model as a service needs a separate licence, a "
	  "separate commercial licence for a use case, which Guidelines s.4.2.1 name as disqualifying" },
	{ "LicenseRef-DeepSeek-License-1.0", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "DeepSeek Licence 1.0 (OpenRAIL-based): commercial use, modification and redistribution "
	  "allowed with behavioural use restrictions, which Guidelines s.4.2.1 allow when "
	  "safety-oriented and proportionate; not OSI-approved" },
	{ "LicenseRef-NVIDIA-Open-Model-License", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "NVIDIA Open Model License (June 2024): commercial use, modification and distribution "
	  "allowed; rights end if safety guardrails are circumvented, a safety-oriented condition "
	  "Guidelines s.4.2.1 allow when proportionate; not OSI-approved" },
	{ "LicenseRef-OpenAI-Terms-of-Use", GPAI_LIC_PROPRIETARY, 0, 0,
	  "service terms of an API: no licence to the weights" },
	{ "LicenseRef-Anthropic-Commercial-Terms", GPAI_LIC_PROPRIETARY, 0, 0,
	  "service terms of an API: no licence to the weights" },
	{ "LicenseRef-Gemini-API-Additional-Terms", GPAI_LIC_PROPRIETARY, 0, 0,
	  "service terms of an API: no licence to the weights" },
	{ "LicenseRef-xAI-Terms-of-Service", GPAI_LIC_PROPRIETARY, 0, 0,
	  "service terms of an API: no licence to the weights" },
	{ "CC-BY-NC-3.0", GPAI_LIC_NONCOMMERCIAL, 0, 0,
	  "non-commercial licence: Guidelines s.4.2.1 name non-commercial terms as disqualifying" },
	{ "CC-BY-NC-4.0", GPAI_LIC_NONCOMMERCIAL, 0, 0,
	  "non-commercial licence: Guidelines s.4.2.1 name non-commercial terms as disqualifying" },
	{ "CC-BY-NC-SA-4.0", GPAI_LIC_NONCOMMERCIAL, 0, 0,
	  "non-commercial licence: Guidelines s.4.2.1 name non-commercial terms as disqualifying" },
	{ "CC-BY-ND-4.0", GPAI_LIC_NO_DERIVATIVES, 0, 0,
	  "no-derivatives licence: modification is not allowed (Art. 53(2))" },
	{ "CC-BY-NC-ND-4.0", GPAI_LIC_NO_DERIVATIVES, 0, 0,
	  "non-commercial, no-derivatives licence: neither commercial use nor modification is allowed" },
	{ "LicenseRef-Proprietary", GPAI_LIC_PROPRIETARY, 0, 0,
	  "proprietary terms: no public licence to use, modify and distribute" },
};

static const struct gpai_license *find_id(const char *id, size_t n)
{
	for (size_t i = 0; i < sizeof(licenses) / sizeof(licenses[0]); i++)
		if (strlen(licenses[i].spdx) == n && strncasecmp(licenses[i].spdx, id, n) == 0)
			return &licenses[i];
	return NULL;
}

/* How open a licence is, for choosing within an expression. */
static int rank(const struct gpai_license *l)
{
	return l->art53_2 * 2 + l->osi;
}

/* SPDX expression (SPDX spec annex D): or := and ("OR" and)*; and :=
 * with ("AND" with)*; with := id ["+"] ["WITH" exception] | "(" or ")".
 * OR lets the licensee choose, so the most open alternative governs; AND
 * binds to all, so the least open governs; an exception adds permissions
 * to its licence, which governs.  NULL when an id is unknown or the
 * expression is malformed. */
static const struct gpai_license *expr_or(const char **p);

static int word(const char **p, const char *w)
{
	size_t n = strlen(w);

	while (**p == ' ')
		(*p)++;
	if (strncasecmp(*p, w, n) == 0 && ((*p)[n] == ' ' || (*p)[n] == '(' || !(*p)[n])) {
		*p += n;
		return 1;
	}
	return 0;
}

static const struct gpai_license *expr_with(const char **p)
{
	const struct gpai_license *l;
	const char *s;

	while (**p == ' ')
		(*p)++;
	if (**p == '(') {
		(*p)++;
		l = expr_or(p);
		while (**p == ' ')
			(*p)++;
		if (!l || **p != ')')
			return NULL;
		(*p)++;
		return l;
	}
	s = *p;
	while (**p && **p != ' ' && **p != '(' && **p != ')' && **p != '+')
		(*p)++;
	l = *p > s ? find_id(s, (size_t)(*p - s)) : NULL;
	if (**p == '+')
		(*p)++;
	if (l && word(p, "WITH")) {
		while (**p == ' ')
			(*p)++;
		s = *p;
		while (**p && **p != ' ' && **p != ')')
			(*p)++;
		if (*p == s)
			return NULL;
	}
	return l;
}

static const struct gpai_license *expr_and(const char **p)
{
	const struct gpai_license *l = expr_with(p), *r;

	while (l && word(p, "AND")) {
		r = expr_with(p);
		if (!r)
			return NULL;
		if (rank(r) < rank(l))
			l = r;
	}
	return l;
}

static const struct gpai_license *expr_or(const char **p)
{
	const struct gpai_license *l = expr_and(p), *r;

	while (l && word(p, "OR")) {
		r = expr_and(p);
		if (!r)
			return NULL;
		if (rank(r) > rank(l))
			l = r;
	}
	return l;
}

const struct gpai_license *gpai_license_find(const char *spdx)
{
	const struct gpai_license *l;
	const char *p = spdx;

	if (!spdx)
		return NULL;
	l = find_id(spdx, strlen(spdx));
	if (l)
		return l;
	l = expr_or(&p);
	while (p && *p == ' ')
		p++;
	return l && !*p ? l : NULL;
}

const char *gpai_license_cat_name(enum gpai_license_cat c)
{
	static const char *const names[] = {
		"unknown", "permissive", "copyleft", "open-data", "open-rail", "restricted",
		"non-commercial", "no-derivatives", "proprietary",
	};
	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "unknown";
}
