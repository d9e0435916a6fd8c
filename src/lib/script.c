/*
 * Ceremony scripts (see conclave-script(5)).  Everything that can be checked
 * before a ceremony starts is checked here, at load time, with file and line:
 * the actions and their parameters, the roles, and the references between
 * steps (keys generated before use, CRLs issued for certificates issued
 * earlier, outputs written once).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "script.h"
#include "bundle.h"
#include "template.h"

#define ACTION_MAX_PARAMS 6

typedef struct action_spec {
	clv_action_t action;
	const char *name;
	const char *required[ACTION_MAX_PARAMS + 1];
	const char *optional[ACTION_MAX_PARAMS + 1];
} action_spec_t;

static const action_spec_t action_specs[] = {
	{ CLV_ACT_CHECK_TOKEN, "check-token", { NULL }, { NULL } },
	{ CLV_ACT_LOGIN, "login", { NULL }, { NULL } },
	{ CLV_ACT_GENERATE_KEY, "generate-key", { "key", "template", NULL },
	    { "label", NULL } },
	{ CLV_ACT_ISSUE_SELF_SIGNED, "issue-self-signed",
	    { "key", "template", "output", NULL }, { "validity", NULL } },
	{ CLV_ACT_ISSUE_CRL, "issue-crl",
	    { "key", "cert", "output", NULL }, { "next_update", "revocations", NULL } },
	{ CLV_ACT_SHOW_FINGERPRINTS, "show-fingerprints", { NULL }, { NULL } },
	{ CLV_ACT_WITNESS_ACK, "witness-ack", { NULL }, { "role", NULL } },
	{ CLV_ACT_LOGOUT, "logout", { NULL }, { NULL } },
	{ CLV_ACT_INIT_TOKEN, "init-token",
	    { "label", "threshold", "so_threshold", "officers", NULL }, { NULL } },
	{ CLV_ACT_QUORUM_LOGIN, "quorum-login", { NULL }, { "purpose", NULL } },
	{ CLV_ACT_RESHARE, "reshare", { "threshold", NULL }, { "purpose", NULL } },
	{ CLV_ACT_CLOCK_CHECK, "clock-check", { NULL }, { "role", NULL } },
	{ CLV_ACT_CLOSE_TRANSCRIPT, "close-transcript", { NULL }, { NULL } },
	{ CLV_ACT_ISSUE_CERT, "issue-cert",
	    { "key", "cert", "subject", "template", "output", NULL }, { "validity", NULL } },
	{ CLV_ACT_SIGN_MASTER_LIST, "sign-master-list",
	    { "key", "cert", "issuer", "output", NULL }, { "include", NULL } },
	{ CLV_ACT_USE_KEY, "use-key",
	    { "key", "label", "template", "certificate", "output", NULL }, { NULL } },
	{ CLV_ACT_ISSUE_DS, "issue-ds",
	    { "key", "cert", "template", "requests", "output", NULL }, { NULL } },
	{ CLV_ACT_SIGN_DEVIATION_LIST, "sign-deviation-list",
	    { "key", "cert", "issuer", "deviations", "output", NULL }, { NULL } },
	{ CLV_ACT_ISSUE_CVCA, "issue-cvca", { "key", "template", "output", NULL }, { NULL } },
	{ CLV_ACT_ISSUE_CV_LINK, "issue-cv-link",
	    { "key", "cert", "subject", "output", NULL }, { NULL } },
	{ CLV_ACT_SIGN_DV, "sign-dv-requests",
	    { "key", "cert", "template", "requests", "output", NULL }, { "foreign", NULL } },
	{ CLV_ACT_ISSUE_LINK, "issue-link",
	    { "key", "cert", "subject", "template", "output", NULL }, { NULL } },
	{ CLV_ACT_EXPORT_BUNDLE, "export-bundle",
	    { "recipient", "purpose", "target", "outputs", NULL }, { NULL } },
};
#define N_ACTIONS (sizeof(action_specs) / sizeof(action_specs[0]))

/* Keys of a [step] section that are not action parameters. */
static const char *const step_keys[] = { "action", "title", "confirm", NULL };

/* Doc 9303-12: a CSCA issues a CRL at least every 90 days. */
static const clv_duration_t crl_interval_max = { 0, 0, 90 };

const char *
clv_action_name(clv_action_t a)
{
	size_t i;

	for (i = 0; i < N_ACTIONS; i++)
		if (action_specs[i].action == a)
			return action_specs[i].name;
	return a == CLV_ACT_NONE ? "none" : "unknown";
}

clv_action_t
clv_action_by_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return CLV_ACT_NONE;
	for (i = 0; i < N_ACTIONS; i++)
		if (strcmp(action_specs[i].name, name) == 0)
			return action_specs[i].action;
	return CLV_ACT_NONE;
}

static const action_spec_t *
action_spec(clv_action_t a)
{
	size_t i;

	for (i = 0; i < N_ACTIONS; i++)
		if (action_specs[i].action == a)
			return &action_specs[i];
	return NULL;
}

const char *
clv_script_param(const clv_script_step_t *st, const char *key)
{
	size_t i;

	if (st == NULL || key == NULL)
		return NULL;
	for (i = 0; i < st->n_params; i++)
		if (strcmp(st->params[i].key, key) == 0)
			return st->params[i].value;
	return NULL;
}

static const clv_script_param_t *
step_param(const clv_script_step_t *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->n_params; i++)
		if (strcmp(st->params[i].key, key) == 0)
			return &st->params[i];
	return NULL;
}

void
clv_script_free(clv_script_t *s)
{
	free(s);
}

/* ---- loading --------------------------------------------------------------- */

typedef struct script_ctx {
	const char *path;
	clv_diag_t *diag;
	clv_script_t *s;
	int have_token;             /* a check-token step came before */
	int logged_in;              /* a login step came before, no logout since */
	int quorum;                 /* that login was a quorum-login */
} script_ctx_t;

static int
script_error(script_ctx_t *x, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
script_error(script_ctx_t *x, unsigned line, const char *fmt, ...)
{
	char msg[896];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line == 0)
		return clv_diag_set(x->diag, CLV_E_SCRIPT, "%s: %s", x->path, msg);
	return clv_diag_set(x->diag, CLV_E_SCRIPT, "%s:%u: %s", x->path, line, msg);
}

static int
step_error(script_ctx_t *x, const clv_script_step_t *st, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
step_error(script_ctx_t *x, const clv_script_step_t *st, unsigned line,
    const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return clv_diag_set(x->diag, CLV_E_SCRIPT, "%s:%u: step '%s': %s", x->path,
	    line, st->id, msg);
}

/* 1 if s is non-empty, shorter than max and every byte is in the set
 * (ranges "a-z", "0-9" and single characters). */
static int
is_word(const char *s, size_t max, const char *set)
{
	size_t i, j;
	int ok;

	if (s[0] == '\0' || strlen(s) >= max)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		ok = 0;
		for (j = 0; set[j] != '\0' && !ok; j++) {
			if (set[j + 1] == '-' && set[j + 2] != '\0') {
				ok = s[i] >= set[j] && s[i] <= set[j + 2];
				j += 2;
			} else
				ok = s[i] == set[j];
		}
		if (!ok)
			return 0;
	}
	return 1;
}

/* A file name to create in the output directory: no path, not hidden. */
static int
is_plain_basename(const char *s)
{
	return is_word(s, 256, "A-Za-z0-9._-") && s[0] != '.';
}

static int
copy_value(script_ctx_t *x, const clv_conf_entry_t *e, const char *what, char *out,
    size_t outlen)
{
	size_t n = strlen(e->value);

	if (n == 0 || n >= outlen)
		return script_error(x, e->line, "%s: expected 1 to %zu bytes, got %zu",
		    what, outlen - 1, n);
	memcpy(out, e->value, n + 1);
	return 0;
}

static int
load_ceremony(script_ctx_t *x, clv_conf_section_t *sec)
{
	int r = CLV_E_INTERNAL;
	clv_conf_entry_t *name, *title;
	clv_script_t *s = x->s;
	size_t i;

	name = clv_conf_get(sec, "name");
	title = clv_conf_get(sec, "title");
	if (sec->arg[0] != '\0')
		return script_error(x, sec->line, "[ceremony] takes no argument");
	if (name == NULL)
		return script_error(x, sec->line, "[ceremony]: missing required key 'name'");
	if (title == NULL)
		return script_error(x, sec->line, "[ceremony]: missing required key 'title'");
	for (i = 0; i < sec->n_entries; i++)
		if (!sec->entries[i].used)
			return script_error(x, sec->entries[i].line, "[ceremony]: unknown "
			    "key '%s' (expected: name, title)", sec->entries[i].key);
	if ((r = copy_value(x, name, "name", s->name, sizeof(s->name))) != 0)
		return r;
	if (!is_word(s->name, sizeof(s->name), "a-z0-9-"))
		return script_error(x, name->line, "name: expected lower-case letters, "
		    "digits and '-', got '%s'", s->name);
	return copy_value(x, title, "title", s->title, sizeof(s->title));
}

static int
load_roles(script_ctx_t *x, const clv_conf_section_t *sec)
{
	const clv_conf_entry_t *e;
	clv_script_role_t *role;
	clv_script_t *s = x->s;
	char *end;
	long v;
	size_t i;

	if (sec->arg[0] != '\0')
		return script_error(x, sec->line, "[roles] takes no argument");
	for (i = 0; i < sec->n_entries; i++) {
		e = &sec->entries[i];
		if (!is_word(e->key, sizeof(role->name), "a-z-"))
			return script_error(x, e->line, "role '%s': expected a name of "
			    "lower-case letters and '-' (at most %zu)", e->key,
			    sizeof(role->name) - 1);
		if (s->n_roles == CLV_SCRIPT_MAX_ROLES)
			return script_error(x, e->line, "more than %d roles",
			    CLV_SCRIPT_MAX_ROLES);
		if (e->value[0] < '0' || e->value[0] > '9' || strlen(e->value) > 2 ||
		    (v = strtol(e->value, &end, 10)) < 1 || v > 16 || *end != '\0')
			return script_error(x, e->line, "role '%s': expected the minimum "
			    "number present, 1 to 16, got '%s'", e->key, e->value);
		role = &s->roles[s->n_roles++];
		memcpy(role->name, e->key, strlen(e->key) + 1);
		role->min = (unsigned)v;
	}
	if (s->n_roles == 0)
		return script_error(x, sec->line, "[roles] declares no role");
	return 0;
}

static int
role_is_declared(const clv_script_t *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_roles; i++)
		if (strcmp(s->roles[i].name, name) == 0)
			return 1;
	return 0;
}

static int
is_in(const char *const *list, const char *key)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, key) == 0)
			return 1;
	return 0;
}

static void
expected_params(const action_spec_t *spec, char *out, size_t outlen)
{
	const char *const *lists[2] = { spec->required, spec->optional };
	const char *const *p;
	size_t n = 0, i;
	int w;

	out[0] = '\0';
	for (i = 0; i < 2; i++)
		for (p = lists[i]; *p != NULL && n < outlen; p++) {
			w = snprintf(out + n, outlen - n, "%s%s", n > 0 ? ", " : "", *p);
			if (w < 0)
				return;
			n += (size_t)w;
		}
	if (n == 0)
		snprintf(out, outlen, "none");
}

static void
action_list(char *out, size_t outlen)
{
	size_t n = 0, i;
	int w;

	out[0] = '\0';
	for (i = 0; i < N_ACTIONS && n < outlen; i++) {
		w = snprintf(out + n, outlen - n, "%s%s", i > 0 ? ", " : "",
		    action_specs[i].name);
		if (w < 0)
			return;
		n += (size_t)w;
	}
}

/* The step before index n that generated key name, or -1. */
static long
key_generated_by(const clv_script_t *s, size_t n, const char *name)
{
	const char *v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s->steps[i].action != CLV_ACT_GENERATE_KEY &&
		    s->steps[i].action != CLV_ACT_USE_KEY)
			continue;
		if ((v = clv_script_param(&s->steps[i], "key")) != NULL && strcmp(v, name) == 0)
			return (long)i;
	}
	return -1;
}

/* The step before index n whose output is name, or -1. */
static long
output_written_by(const clv_script_t *s, size_t n, const char *name)
{
	const char *v;
	size_t i;

	for (i = 0; i < n; i++)
		if ((v = clv_script_param(&s->steps[i], "output")) != NULL &&
		    strcmp(v, name) == 0)
			return (long)i;
	return -1;
}

/* The generate-key step before index n whose HSM label (label=, else the
 * key name) is label, or -1. */
static long
label_used_by(const clv_script_t *s, size_t n, const char *label)
{
	const char *v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s->steps[i].action != CLV_ACT_GENERATE_KEY)
			continue;
		if ((v = clv_script_param(&s->steps[i], "label")) == NULL)
			v = clv_script_param(&s->steps[i], "key");
		if (v != NULL && strcmp(v, label) == 0)
			return (long)i;
	}
	return -1;
}

/* Checks the parameter values of step n against the steps before it. */
/* A small decimal count; -1 if it is not one. */
static long
count_param(const char *v)
{
	long n = 0;

	if (v == NULL || *v == '\0' || strlen(v) > 3)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		n = n * 10 + (*v - '0');
	}
	return n;
}

static int
check_step_params(script_ctx_t *x, size_t n)
{
	const clv_script_t *s = x->s;
	const clv_script_step_t *st = &s->steps[n], *other;
	const clv_script_param_t *p;
	clv_duration_t d;
	long j;
	size_t i;

	for (i = 0; i < st->n_params; i++) {
		p = &st->params[i];
		if (strcmp(p->key, "key") == 0) {
			if (!is_word(p->value, 64, "A-Za-z0-9._-") || p->value[0] == '.')
				return step_error(x, st, p->line, "key: expected a key name of "
				    "letters, digits, '.', '_' and '-' (at most 63), got '%s'",
				    p->value);
			j = key_generated_by(s, n, p->value);
			if ((st->action == CLV_ACT_GENERATE_KEY || st->action == CLV_ACT_USE_KEY) &&
			    j >= 0)
				return step_error(x, st, p->line, "key '%s' is already "
				    "generated by step '%s' (line %u)", p->value,
				    s->steps[j].id, s->steps[j].line);
			if (st->action == CLV_ACT_GENERATE_KEY &&
			    step_param(st, "label") == NULL &&
			    (j = label_used_by(s, n, p->value)) >= 0)
				return step_error(x, st, p->line, "label '%s' is already used "
				    "by step '%s' (line %u); labels are never reused",
				    p->value, s->steps[j].id, s->steps[j].line);
			if (st->action != CLV_ACT_GENERATE_KEY && st->action != CLV_ACT_USE_KEY &&
			    j < 0)
				return step_error(x, st, p->line, "key '%s' is not generated "
				    "by an earlier generate-key step", p->value);
		} else if (strcmp(p->key, "output") == 0) {
			if (!is_plain_basename(p->value))
				return step_error(x, st, p->line, "output: expected a plain "
				    "file name ([A-Za-z0-9._-], no '/', not starting with "
				    "'.'), got '%s'", p->value);
			if ((j = output_written_by(s, n, p->value)) >= 0)
				return step_error(x, st, p->line, "output '%s' is already "
				    "written by step '%s' (line %u); outputs are never "
				    "overwritten", p->value, s->steps[j].id, s->steps[j].line);
		} else if (strcmp(p->key, "cert") == 0 && (st->action == CLV_ACT_SIGN_MASTER_LIST ||
		    st->action == CLV_ACT_SIGN_DEVIATION_LIST)) {
			j = output_written_by(s, n, p->value);
			if (j < 0 || s->steps[j].action != CLV_ACT_ISSUE_CERT ||
			    strcmp(clv_script_param(&s->steps[j], "subject"),
			    clv_script_param(st, "key")) != 0)
				return step_error(x, st, p->line, "cert '%s' is not the output of an "
				    "earlier issue-cert step certifying key '%s'", p->value,
				    clv_script_param(st, "key"));
		} else if (strcmp(p->key, "issuer") == 0 || strcmp(p->key, "subject") == 0) {
			j = strcmp(p->key, "issuer") == 0 ? output_written_by(s, n, p->value) :
			    key_generated_by(s, n, p->value);
			if (j < 0 || (strcmp(p->key, "issuer") == 0 &&
			    s->steps[j].action != CLV_ACT_ISSUE_SELF_SIGNED &&
			    s->steps[j].action != CLV_ACT_USE_KEY))
				return step_error(x, st, p->line, "%s '%s' is not %s", p->key,
				    p->value, strcmp(p->key, "issuer") == 0 ? "the output of an earlier "
				    "issue-self-signed step" : "generated by an earlier generate-key step");
		} else if (strcmp(p->key, "outputs") == 0) {
			char item[64];
			const char *q = p->value, *end;
			for (; *q; q = *end ? end + 1 : end) {
				while (*q == ' ')
					q++;
				end = strchr(q, ',');
				if (end == NULL)
					end = q + strlen(q);
				snprintf(item, sizeof(item), "%.*s", (int)(end - q), q);
				while (item[0] && item[strlen(item) - 1] == ' ')
					item[strlen(item) - 1] = '\0';
				if (item[0] != '\0' && item[strlen(item) - 1] == '*') {
					/* "ds*": every output of an earlier step whose output=
					 * starts so (issue-ds writes PREFIX-1, PREFIX-2, ...) */
					size_t k, plen = strlen(item) - 1;
					const char *ov;

					for (k = 0; k < n; k++)
						if ((ov = clv_script_param(&s->steps[k], "output")) != NULL &&
						    strncmp(ov, item, plen) == 0)
							break;
					if (k == n)
						return step_error(x, st, p->line, "outputs: '%s' "
						    "matches no output of an earlier step", item);
					continue;
				}
				if (output_written_by(s, n, item) < 0)
					return step_error(x, st, p->line, "outputs: '%s' is not the "
					    "output of an earlier step", item);
			}
		} else if (strcmp(p->key, "recipient") == 0 || strcmp(p->key, "target") == 0) {
			if (p->value[0] == '\0')
				return step_error(x, st, p->line, "%s: expected a value", p->key);
		} else if (strcmp(p->key, "requests") == 0) {
			if (p->value[0] == '\0')
				return step_error(x, st, p->line, "requests: expected a directory");
		} else if (strcmp(p->key, "foreign") == 0) {
			if (p->value[0] == '\0')
				return step_error(x, st, p->line, "foreign: expected a directory");
		} else if (strcmp(p->key, "deviations") == 0) {
			if (p->value[0] == '\0')
				return step_error(x, st, p->line, "deviations: expected a file");
		} else if (strcmp(p->key, "revocations") == 0) {
			if (p->value[0] == '\0')
				return step_error(x, st, p->line, "revocations: expected a file");
		} else if (strcmp(p->key, "certificate") == 0) {
			if (p->value[0] == '\0')
				return step_error(x, st, p->line, "certificate: expected a file");
		} else if (strcmp(p->key, "include") == 0) {
			if (p->value[0] == '\0')
				return step_error(x, st, p->line, "include: expected a directory");
		} else if (strcmp(p->key, "cert") == 0) {
			j = output_written_by(s, n, p->value);
			if (j < 0 || (s->steps[j].action != CLV_ACT_ISSUE_SELF_SIGNED &&
			    s->steps[j].action != CLV_ACT_ISSUE_CVCA &&
			    s->steps[j].action != CLV_ACT_USE_KEY))
				return step_error(x, st, p->line, "cert '%s' is not the output "
				    "of an earlier issue-self-signed, issue-cvca or use-key step",
				    p->value);
			other = &s->steps[j];
			if (strcmp(clv_script_param(other, "key"),
			    clv_script_param(st, "key")) != 0)
				return step_error(x, st, p->line, "cert '%s' is issued with "
				    "key '%s' (step '%s', line %u), not with key '%s'",
				    p->value, clv_script_param(other, "key"), other->id,
				    other->line, clv_script_param(st, "key"));
		} else if (strcmp(p->key, "validity") == 0 ||
		    strcmp(p->key, "next_update") == 0) {
			if (clv_duration_parse(p->value, &d) != 0 || clv_duration_is_zero(&d))
				return step_error(x, st, p->line, "%s: expected a duration "
				    "such as 15y3m, 90d or 3y, got '%s'", p->key, p->value);
			if (strcmp(p->key, "next_update") == 0 &&
			    clv_duration_exceeds(&d, &crl_interval_max))
				return step_error(x, st, p->line, "next_update: '%s' exceeds "
				    "90d, the longest CRL interval ICAO Doc 9303-12 allows",
				    p->value);
		} else if (strcmp(p->key, "role") == 0) {
			if (!role_is_declared(s, p->value))
				return step_error(x, st, p->line, "role '%s' is not declared "
				    "in [roles]", p->value);
		} else if (strcmp(p->key, "label") == 0 && st->action == CLV_ACT_INIT_TOKEN) {
			if (p->value[0] == '\0' || strlen(p->value) > 32)
				return step_error(x, st, p->line, "label: a token label is 1 to 32 "
				    "bytes (PKCS#11 CK_TOKEN_INFO), got '%s'", p->value);
		} else if (strcmp(p->key, "threshold") == 0 || strcmp(p->key, "so_threshold") == 0 ||
		    strcmp(p->key, "officers") == 0) {
			long v = count_param(p->value);
			long m = count_param(step_param(st, "threshold") ?
			    step_param(st, "threshold")->value : "0");
			if (v < 2 || v > 16)
				return step_error(x, st, p->line, "%s: expected a number from 2 to "
				    "16, got '%s'", p->key, p->value);
			if (strcmp(p->key, "so_threshold") == 0 && v < m)
				return step_error(x, st, p->line, "so_threshold %ld is below "
				    "threshold %ld: the SO PIN can reset the user PIN, so it needs "
				    "at least as many officers", v, m);
			if (strcmp(p->key, "officers") == 0 && step_param(st, "so_threshold") &&
			    v < count_param(step_param(st, "so_threshold")->value))
				return step_error(x, st, p->line, "officers %ld: fewer than "
				    "so_threshold; the SO PIN could never be rebuilt", v);
		} else if (strcmp(p->key, "purpose") == 0 && st->action == CLV_ACT_EXPORT_BUNDLE) {
			if (clv_bundle_purpose_by_name(p->value) == 0)
				return step_error(x, st, p->line, "purpose: expected ds-certificates, "
				    "pkd-publication, csr-request, cv-request or cv-certificates, "
				    "got '%s'", p->value);
		} else if (strcmp(p->key, "purpose") == 0 && st->action == CLV_ACT_RESHARE &&
		    strcmp(p->value, "so-pin") == 0) {
			return step_error(x, st, p->line, "purpose: a re-share of the SO PIN is not "
			    "supported yet (its share set must be signed by the ceremony key, which "
			    "an SO session cannot use); re-share the user PIN");
		} else if (strcmp(p->key, "purpose") == 0) {
			if (strcmp(p->value, "user-pin") != 0 && strcmp(p->value, "so-pin") != 0)
				return step_error(x, st, p->line, "purpose: expected user-pin or "
				    "so-pin, got '%s'", p->value);
		} else if (strcmp(p->key, "label") == 0) {
			if (strlen(p->value) > 127)
				return step_error(x, st, p->line, "label: expected at most "
				    "127 bytes");
			if ((j = label_used_by(s, n, p->value)) >= 0)
				return step_error(x, st, p->line, "label '%s' is already used "
				    "by step '%s' (line %u); labels are never reused",
				    p->value, s->steps[j].id, s->steps[j].line);
		} else if (strcmp(p->key, "template") == 0) {
			/* resolved by the engine: relative to the script, then the
			 * templates directory */
		}
	}
	if (st->action == CLV_ACT_WITNESS_ACK && step_param(st, "role") == NULL &&
	    st->confirm[0] == '\0' && !role_is_declared(s, "witness"))
		return step_error(x, st, st->line, "witness-ack without role= needs "
		    "a 'witness' role in [roles]");
	return 0;
}

/*
 * A witness-ack is the acknowledgement of a person in its role, so that role
 * confirms the step: role= (default: confirm=, else "witness") becomes the
 * step's confirm role.
 */
static int
set_witness_role(script_ctx_t *x, clv_script_step_t *st)
{
	const clv_script_param_t *p = step_param(st, "role");

	if (st->action != CLV_ACT_WITNESS_ACK)
		return 0;
	if (p != NULL && st->confirm[0] != '\0' && strcmp(p->value, st->confirm) != 0)
		return step_error(x, st, p->line, "role '%s' differs from confirm '%s'; "
		    "a witness-ack is confirmed by its role", p->value, st->confirm);
	if (p != NULL)
		memcpy(st->confirm, p->value, strlen(p->value) + 1);
	else if (st->confirm[0] == '\0')
		snprintf(st->confirm, sizeof(st->confirm), "witness");
	return 0;
}

/*
 * The engine needs the token (check-token) before a login, and a login
 * before anything that uses a key; finding that out in the middle of a
 * ceremony would leave it half done, so the order is checked here.
 */
static int
check_step_order(script_ctx_t *x, const clv_script_step_t *st)
{
	switch (st->action) {
	case CLV_ACT_CHECK_TOKEN:
		if (x->have_token)
			return step_error(x, st, st->line, "the token is already chosen by an "
			    "earlier step; a ceremony works on one token");
		x->have_token = 1;
		return 0;
	case CLV_ACT_INIT_TOKEN:
		if (x->have_token)
			return step_error(x, st, st->line, "init-token must come before any "
			    "check-token: it initialises and selects the token itself");
		x->have_token = 1;
		return 0;
	case CLV_ACT_RESHARE:
		if (!x->logged_in || !x->quorum)
			return step_error(x, st, st->line, "reshare needs a quorum-login step "
			    "before it (and no logout in between)");
		return 0;
	case CLV_ACT_LOGIN:
	case CLV_ACT_QUORUM_LOGIN:
		if (!x->have_token)
			return step_error(x, st, st->line, "%s needs a check-token or "
			    "init-token step before it", clv_action_name(st->action));
		x->quorum = st->action == CLV_ACT_QUORUM_LOGIN;
		if (x->logged_in)
			return step_error(x, st, st->line, "already logged in by an "
			    "earlier step; a logout step must come between two logins");
		x->logged_in = 1;
		return 0;
	case CLV_ACT_GENERATE_KEY:
	case CLV_ACT_USE_KEY:
	case CLV_ACT_EXPORT_BUNDLE:
	case CLV_ACT_ISSUE_DS:
	case CLV_ACT_ISSUE_SELF_SIGNED:
	case CLV_ACT_ISSUE_CERT:
	case CLV_ACT_ISSUE_LINK:
	case CLV_ACT_ISSUE_CVCA:
	case CLV_ACT_ISSUE_CV_LINK:
	case CLV_ACT_SIGN_DV:
	case CLV_ACT_SIGN_MASTER_LIST:
	case CLV_ACT_SIGN_DEVIATION_LIST:
	case CLV_ACT_ISSUE_CRL:
	case CLV_ACT_CLOSE_TRANSCRIPT:
	case CLV_ACT_LOGOUT:
		if (!x->logged_in)
			return step_error(x, st, st->line, "%s needs a login step before "
			    "it (and no logout in between)", clv_action_name(st->action));
		if (st->action == CLV_ACT_LOGOUT)
			x->logged_in = x->quorum = 0;
		return 0;
	default:
		return 0;
	}
}

static int
load_step(script_ctx_t *x, clv_conf_section_t *sec)
{
	int r = CLV_E_INTERNAL;
	clv_script_t *s = x->s;
	clv_script_step_t *st;
	const action_spec_t *spec;
	clv_conf_entry_t *action, *title, *confirm;
	const clv_conf_entry_t *e;
	clv_script_param_t *p;
	const char *const *req;
	char list[512];
	size_t i;

	if (s->n_steps == CLV_SCRIPT_MAX_STEPS)
		return script_error(x, sec->line, "more than %d steps",
		    CLV_SCRIPT_MAX_STEPS);
	st = &s->steps[s->n_steps];
	memset(st, 0, sizeof(*st));
	st->line = sec->line;
	if (!is_word(sec->arg, sizeof(st->id), "a-z0-9-"))
		return script_error(x, sec->line, "step id '%s': expected lower-case "
		    "letters, digits and '-' (at most %zu)", sec->arg, sizeof(st->id) - 1);
	memcpy(st->id, sec->arg, strlen(sec->arg) + 1);

	action = clv_conf_get(sec, "action");
	title = clv_conf_get(sec, "title");
	confirm = clv_conf_get(sec, "confirm");
	if (action == NULL)
		return step_error(x, st, sec->line, "missing required key 'action'");
	if ((st->action = clv_action_by_name(action->value)) == CLV_ACT_NONE) {
		action_list(list, sizeof(list));
		return step_error(x, st, action->line, "unknown action '%s' "
		    "(expected one of: %s)", action->value, list);
	}
	spec = action_spec(st->action);
	if (title == NULL)
		return step_error(x, st, sec->line, "missing required key 'title'");
	if ((r = copy_value(x, title, "title", st->title, sizeof(st->title))) != 0)
		return r;
	if (confirm != NULL) {
		if (!role_is_declared(s, confirm->value))
			return step_error(x, st, confirm->line, "confirm role '%s' is not "
			    "declared in [roles]", confirm->value);
		memcpy(st->confirm, confirm->value, strlen(confirm->value) + 1);
	}

	for (i = 0; i < sec->n_entries; i++) {
		e = &sec->entries[i];
		if (is_in(step_keys, e->key))
			continue;
		if (!is_in(spec->required, e->key) && !is_in(spec->optional, e->key)) {
			expected_params(spec, list, sizeof(list));
			return step_error(x, st, e->line, "unknown parameter '%s' for "
			    "action '%s' (expected: %s)", e->key, spec->name, list);
		}
		if (st->n_params == CLV_SCRIPT_MAX_PARAMS)
			return step_error(x, st, e->line, "more than %d parameters",
			    CLV_SCRIPT_MAX_PARAMS);
		p = &st->params[st->n_params];
		if (strlen(e->key) >= sizeof(p->key) || e->value[0] == '\0' ||
		    strlen(e->value) >= sizeof(p->value))
			return step_error(x, st, e->line, "%s: expected a value of 1 to "
			    "%zu bytes", e->key, sizeof(p->value) - 1);
		memcpy(p->key, e->key, strlen(e->key) + 1);
		memcpy(p->value, e->value, strlen(e->value) + 1);
		p->line = e->line;
		st->n_params++;
	}
	for (req = spec->required; *req != NULL; req++)
		if (step_param(st, *req) == NULL)
			return step_error(x, st, sec->line, "action '%s' needs parameter "
			    "'%s'", spec->name, *req);
	if ((r = check_step_params(x, s->n_steps)) != 0 ||
	    (r = set_witness_role(x, st)) != 0 ||
	    (r = check_step_order(x, st)) != 0)
		return r;
	s->n_steps++;
	return 0;
}

static void
set_dir(clv_script_t *s)
{
	const char *slash = strrchr(s->path, '/');
	size_t n;

	if (slash == NULL) {
		snprintf(s->dir, sizeof(s->dir), ".");
		return;
	}
	n = (size_t)(slash - s->path);
	if (n == 0)
		n = 1;          /* "/x.ceremony" lives in "/" */
	memcpy(s->dir, s->path, n);
	s->dir[n] = '\0';
}

int
clv_script_load(const char *path, clv_script_t **out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	clv_conf_t *c = NULL;
	clv_script_t *s = NULL;
	clv_conf_section_t *sec, *ceremony = NULL, *roles = NULL;
	script_ctx_t x;
	size_t i;

	if (out == NULL || path == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	memset(&x, 0, sizeof(x));
	x.path = path;
	x.diag = diag;
	if (strlen(path) >= sizeof(s->path)) {
		r = clv_diag_set(diag, CLV_E_INVALID_ARG, "%s: path longer than %zu bytes",
		    path, sizeof(s->path) - 1);
		goto out;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	x.s = s;
	memcpy(s->path, path, strlen(path) + 1);
	set_dir(s);
	if ((r = clv_conf_load(path, &c, diag)) != 0) {
		if (r == CLV_E_FORMAT)
			r = CLV_E_SCRIPT;
		goto out;
	}
	if (c->sections[0].n_entries > 0) {
		r = script_error(&x, c->sections[0].entries[0].line,
		    "key '%s' outside any section", c->sections[0].entries[0].key);
		goto out;
	}
	for (i = 1; i < c->n_sections; i++) {
		sec = &c->sections[i];
		if (strcmp(sec->name, "ceremony") == 0)
			ceremony = sec;
		else if (strcmp(sec->name, "roles") == 0)
			roles = sec;
		else if (strcmp(sec->name, "step") != 0) {
			r = script_error(&x, sec->line, "unknown section [%s] (expected "
			    "[ceremony], [roles] or [step ID])", sec->name);
			goto out;
		} else if (sec->arg[0] == '\0') {
			r = script_error(&x, sec->line, "[step] needs an id: [step ID]");
			goto out;
		}
	}
	if (ceremony == NULL) {
		r = script_error(&x, 0, "missing [ceremony] section");
		goto out;
	}
	if (roles == NULL) {
		r = script_error(&x, 0, "missing [roles] section");
		goto out;
	}
	if ((r = load_ceremony(&x, ceremony)) != 0 ||
	    (r = load_roles(&x, roles)) != 0)
		goto out;
	for (i = 1; i < c->n_sections; i++)
		if (strcmp(c->sections[i].name, "step") == 0 &&
		    (r = load_step(&x, &c->sections[i])) != 0)
			goto out;
	if (s->n_steps == 0) {
		r = script_error(&x, 0, "no [step ID] sections: a ceremony needs at "
		    "least one step");
		goto out;
	}
	*out = s;
	s = NULL;
	r = 0;
out:
	clv_conf_free(c);
	clv_script_free(s);
	return r;
}
