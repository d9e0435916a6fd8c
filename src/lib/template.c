/*
 * Certificate profiles (see conclave-template(5)): a flat list of keys read
 * with the conf lexer, checked for syntax and internal consistency.  Whether
 * a profile conforms to ICAO Doc 9303 is the lint's job, not this file's;
 * only the list signer profiles (mls, dls) and the Document Signer profile
 * (ds) are held to the few rules that make them what they are (EKU,
 * KeyUsage, no BasicConstraints; for ds also the lifetimes and the
 * DocumentTypeList) at load time.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "template.h"
#include "x509.h"

/* ---- durations ----------------------------------------------------------- */

#define DURATION_MAX_FIELD 99999

int
clv_duration_parse(const char *s, clv_duration_t *out)
{
	int r = CLV_E_INTERNAL;
	clv_duration_t d = { 0, 0, 0 };
	static const char units[] = "ymd";
	int next_unit = 0, n_parts = 0, *field;
	const char *u;
	long v;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return CLV_E_INVALID_ARG;
	while (*s != '\0') {
		if (*s < '0' || *s > '9') {
			r = CLV_E_FORMAT;
			goto out;
		}
		for (v = 0; *s >= '0' && *s <= '9'; s++) {
			v = v * 10 + (*s - '0');
			if (v > DURATION_MAX_FIELD) {
				r = CLV_E_FORMAT;
				goto out;
			}
		}
		/* the unit must come after every unit already used: y, m, d */
		if (*s == '\0' || (u = strchr(units + next_unit, *s)) == NULL) {
			r = CLV_E_FORMAT;
			goto out;
		}
		next_unit = (int)(u - units) + 1;
		field = *s == 'y' ? &d.years : *s == 'm' ? &d.months : &d.days;
		*field = (int)v;
		n_parts++;
		s++;
	}
	if (n_parts == 0) {
		r = CLV_E_FORMAT;
		goto out;
	}
	*out = d;
	r = 0;
out:
	return r;
}

static int
is_leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(long long year, int mon)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return mon == 1 && is_leap(year) ? 29 : dim[mon];
}

time_t
clv_duration_add(time_t t, const clv_duration_t *d)
{
	struct tm tm;
	long long mon, year;

	if (d == NULL)
		return t;
	if (d->years < 0 || d->years > DURATION_MAX_FIELD ||
	    d->months < 0 || d->months > DURATION_MAX_FIELD ||
	    d->days < 0 || d->days > DURATION_MAX_FIELD)
		return (time_t)-1;
	if (gmtime_r(&t, &tm) == NULL)
		return (time_t)-1;
	mon = (long long)tm.tm_mon + d->months + 12LL * d->years;
	year = (long long)tm.tm_year + mon / 12;
	tm.tm_year = (int)year;
	tm.tm_mon = (int)(mon % 12);
	/* Jan 31 + 1m is the last day of February, not March 2 or 3 */
	if (tm.tm_mday > days_in_month(year + 1900, tm.tm_mon))
		tm.tm_mday = days_in_month(year + 1900, tm.tm_mon);
	tm.tm_mday += d->days;
	tm.tm_isdst = 0;
	return timegm(&tm);
}

int
clv_duration_is_zero(const clv_duration_t *d)
{
	return d == NULL || (d->years == 0 && d->months == 0 && d->days == 0);
}

int
clv_duration_exceeds(const clv_duration_t *a, const clv_duration_t *b)
{
	static const clv_duration_t one_day = { 0, 0, 1 };
	struct tm tm;
	time_t t;
	long ma, mb;
	int i;

	if (a == NULL || b == NULL)
		return 0;
	ma = 12L * a->years + a->months;
	mb = 12L * b->years + b->months;
	if (ma <= mb && a->days <= b->days)
		return 0;
	if (ma >= mb && a->days >= b->days)
		return 1;
	/*
	 * Mixed units (e.g. 366d against 1y): try every start day of a whole
	 * leap cycle; a ends after b on any of them means it exceeds.
	 */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2025 - 1900;
	tm.tm_mday = 1;
	t = timegm(&tm);
	for (i = 0; i < 4 * 365 + 1; i++) {
		if (clv_duration_add(t, a) > clv_duration_add(t, b))
			return 1;
		t = clv_duration_add(t, &one_day);
	}
	return 0;
}

static void
duration_format(const clv_duration_t *d, char *out, size_t outlen)
{
	int n = 0;

	out[0] = '\0';
	if (d->years > 0 && n >= 0 && (size_t)n < outlen)
		n += snprintf(out + n, outlen - (size_t)n, "%dy", d->years);
	if (d->months > 0 && n >= 0 && (size_t)n < outlen)
		n += snprintf(out + n, outlen - (size_t)n, "%dm", d->months);
	if ((d->days > 0 || n == 0) && n >= 0 && (size_t)n < outlen)
		snprintf(out + n, outlen - (size_t)n, "%dd", d->days);
}

/* ---- keys ------------------------------------------------------------------ */

enum tmpl_key {
	K_PROFILE, K_COUNTRY, K_ORG, K_OU, K_CN, K_SERIAL,
	K_ALG, K_CURVE, K_RSA_BITS, K_EXPLICIT, K_HASH, K_PADDING,
	K_VALIDITY, K_VALIDITY_MAX, K_PKUP, K_CRL_NEXT,
	K_KU, K_BC, K_SKI, K_AKI, K_SAN, K_IAN, K_CRLDP, K_EKU, K_POLICIES,
	K_DOC_VALIDITY, K_DS_MAX_PKUP, K_DOC_TYPES,
	K_CV_MNEMONIC, K_CV_SEQUENCE, K_CV_RIGHTS, K_CV_ROLES,
	K_COUNT
};

static const struct {
	const char *name;
	int required;
} tmpl_keys[K_COUNT] = {
	[K_PROFILE] = { "profile", 1 },
	[K_COUNTRY] = { "subject.country", 1 },
	[K_ORG] = { "subject.organization", 0 },
	[K_OU] = { "subject.organizational_unit", 0 },
	[K_CN] = { "subject.common_name", 1 },
	[K_SERIAL] = { "subject.serial_number", 0 },
	[K_ALG] = { "key.algorithm", 1 },
	[K_CURVE] = { "key.curve", 0 },
	[K_RSA_BITS] = { "key.rsa_bits", 0 },
	[K_EXPLICIT] = { "key.explicit_parameters", 0 },
	[K_HASH] = { "signature.hash", 1 },
	[K_PADDING] = { "signature.rsa_padding", 0 },
	[K_VALIDITY] = { "validity", 1 },
	[K_VALIDITY_MAX] = { "validity.max", 1 },
	[K_PKUP] = { "private_key_usage_period", 0 },
	[K_CRL_NEXT] = { "crl.next_update", 0 },
	[K_KU] = { "ext.key_usage", 0 },
	[K_BC] = { "ext.basic_constraints", 0 },
	[K_SKI] = { "ext.subject_key_identifier", 0 },
	[K_AKI] = { "ext.authority_key_identifier", 0 },
	[K_SAN] = { "ext.subject_alt_name", 0 },
	[K_IAN] = { "ext.issuer_alt_name", 0 },
	[K_CRLDP] = { "ext.crl_distribution_points", 0 },
	[K_EKU] = { "ext.extended_key_usage", 0 },
	[K_POLICIES] = { "ext.certificate_policies", 0 },
	[K_DOC_VALIDITY] = { "document_validity", 0 },
	[K_DS_MAX_PKUP] = { "ds.max_usage_period", 0 },
	[K_DOC_TYPES] = { "ext.document_types", 0 },
	[K_CV_MNEMONIC] = { "holder.mnemonic", 0 },
	[K_CV_SEQUENCE] = { "holder.sequence", 0 },
	[K_CV_RIGHTS] = { "chat.rights", 0 },
	[K_CV_ROLES] = { "dv.roles", 0 },
};

typedef struct choice {
	const char *name;
	int value;
} choice_t;

static const choice_t profiles[] = {
	{ "csca", CLV_PROFILE_CSCA },
	{ "mls", CLV_PROFILE_MLS },
	{ "dls", CLV_PROFILE_DLS },
	{ "ds", CLV_PROFILE_DS },
	{ "cvca", CLV_PROFILE_CVCA },
	{ "dv", CLV_PROFILE_DV },
	{ NULL, 0 },
};

static const choice_t algorithms[] = {
	{ "ec", CLV_KEY_EC },
	{ "rsa", CLV_KEY_RSA },
	{ NULL, 0 },
};

static const choice_t rsa_sizes[] = {
	{ "3072", 3072 },
	{ "4096", 4096 },
	{ NULL, 0 },
};

static const choice_t hashes[] = {
	{ "sha256", CLV_HASH_SHA256 },
	{ "sha384", CLV_HASH_SHA384 },
	{ "sha512", CLV_HASH_SHA512 },
	{ NULL, 0 },
};

static const choice_t paddings[] = {
	{ "pkcs1", 0 },
	{ "pss", 1 },
	{ NULL, 0 },
};

static const choice_t yes_no[] = {
	{ "yes", 1 },
	{ "no", 0 },
	{ NULL, 0 },
};

static const choice_t key_usages[] = {
	{ "digitalSignature", CLV_KU_DIGITAL_SIGNATURE },
	{ "nonRepudiation", CLV_KU_NON_REPUDIATION },
	{ "keyEncipherment", CLV_KU_KEY_ENCIPHERMENT },
	{ "dataEncipherment", CLV_KU_DATA_ENCIPHERMENT },
	{ "keyAgreement", CLV_KU_KEY_AGREEMENT },
	{ "keyCertSign", CLV_KU_KEY_CERT_SIGN },
	{ "cRLSign", CLV_KU_CRL_SIGN },
	{ NULL, 0 },
};

/* Doc 9303-12: a CSCA issues a CRL at least every 90 days. */
static const clv_duration_t crl_interval_max = { 0, 0, 90 };

/* Doc 9303-12 (Table 1): a Document Signer key is used for at most about
 * 3 months; the default of ds.max_usage_period. */
static const clv_duration_t ds_usage_period_max = { 0, 3, 0 };

typedef struct tmpl_ctx {
	const char *path;
	clv_diag_t *diag;
	clv_conf_entry_t *e[K_COUNT];
} tmpl_ctx_t;

/* CLV_E_TEMPLATE with "FILE:LINE: <key>: <message>". */
static int
key_error(tmpl_ctx_t *x, enum tmpl_key k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
key_error(tmpl_ctx_t *x, enum tmpl_key k, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return clv_diag_set(x->diag, CLV_E_TEMPLATE, "%s:%u: %s: %s", x->path,
	    x->e[k] != NULL ? x->e[k]->line : 0, tmpl_keys[k].name, msg);
}

static void
choices_text(const choice_t *c, char *out, size_t outlen)
{
	size_t n = 0;
	int w;

	out[0] = '\0';
	for (; c->name != NULL && n < outlen; c++) {
		w = snprintf(out + n, outlen - n, "%s%s", n > 0 ? ", " : "", c->name);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

static int
parse_choice(tmpl_ctx_t *x, enum tmpl_key k, const choice_t *c, int *out)
{
	const choice_t *p;
	char list[256];

	for (p = c; p->name != NULL; p++)
		if (strcmp(p->name, x->e[k]->value) == 0) {
			*out = p->value;
			return 0;
		}
	choices_text(c, list, sizeof(list));
	return key_error(x, k, "expected one of %s, got '%s'", list, x->e[k]->value);
}

static int
parse_duration(tmpl_ctx_t *x, enum tmpl_key k, clv_duration_t *out)
{
	if (clv_duration_parse(x->e[k]->value, out) != 0)
		return key_error(x, k, "expected a duration such as 15y3m, 90d or 3y "
		    "(<N>y<N>m<N>d, in that order), got '%s'", x->e[k]->value);
	if (clv_duration_is_zero(out))
		return key_error(x, k, "must be longer than zero");
	return 0;
}

/* Copies a free-text name attribute (1..64 bytes of UTF-8). */
static int
parse_text(tmpl_ctx_t *x, enum tmpl_key k, char *out, size_t outlen)
{
	size_t n = strlen(x->e[k]->value);

	if (n == 0 || n >= outlen)
		return key_error(x, k, "expected 1 to %zu bytes, got %zu", outlen - 1, n);
	memcpy(out, x->e[k]->value, n + 1);
	return 0;
}

static int
is_printable_string_char(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' && strchr(" '()+,-./:=?", ch) != NULL);
}

static int
parse_country(tmpl_ctx_t *x, clv_template_t *t)
{
	const char *v = x->e[K_COUNTRY]->value;
	int i, letters = 1, upper = 1;

	for (i = 0; v[i] != '\0'; i++) {
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z')))
			letters = 0;
		if (v[i] < 'A' || v[i] > 'Z')
			upper = 0;
	}
	if (i == 2 && letters && !upper)
		return key_error(x, K_COUNTRY, "'%s' must be upper case "
		    "(ICAO Doc 9303 requires upper-case country codes)", v);
	if (i != 2 || !upper)
		return key_error(x, K_COUNTRY, "expected two upper-case letters "
		    "(ISO 3166-1 alpha-2), got '%s'", v);
	memcpy(t->country, v, 3);
	return 0;
}

/*
 * The next comma-separated item of *p, blanks trimmed, into buf.  Returns 1
 * with an item, 0 at the end, -1 for an empty or too long item.
 */
static int
next_item(const char **p, char *buf, size_t buflen)
{
	const char *s = *p, *e;
	size_t n;

	if (s == NULL)
		return 0;
	e = strchr(s, ',');
	n = e != NULL ? (size_t)(e - s) : strlen(s);
	*p = e != NULL ? e + 1 : NULL;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= buflen)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 1;
}

static int
parse_key_usage(tmpl_ctx_t *x, clv_template_t *t)
{
	const char *p = x->e[K_KU]->value;
	const choice_t *c;
	char item[64], list[256];
	int first = 1, got;

	t->ku_present = 1;
	while ((got = next_item(&p, item, sizeof(item))) != 0) {
		if (got < 0)
			return key_error(x, K_KU, "empty or overlong item in '%s'",
			    x->e[K_KU]->value);
		if (strcmp(item, "critical") == 0) {
			if (!first)
				return key_error(x, K_KU, "'critical' must be the first item");
			t->ku_critical = 1;
			first = 0;
			continue;
		}
		first = 0;
		for (c = key_usages; c->name != NULL; c++)
			if (strcmp(c->name, item) == 0)
				break;
		if (c->name == NULL) {
			choices_text(key_usages, list, sizeof(list));
			return key_error(x, K_KU, "expected one of %s, got '%s'", list, item);
		}
		if (t->key_usage & (unsigned)c->value)
			return key_error(x, K_KU, "'%s' given twice", item);
		t->key_usage |= (unsigned)c->value;
	}
	if (t->key_usage == 0)
		return key_error(x, K_KU, "expected at least one key usage name");
	return 0;
}

static int
parse_basic_constraints(tmpl_ctx_t *x, clv_template_t *t)
{
	const char *p = x->e[K_BC]->value;
	char item[64], *end;
	int first = 1, got;
	long n;

	t->bc_present = 1;
	t->bc_path_len = -1;
	while ((got = next_item(&p, item, sizeof(item))) != 0) {
		if (got < 0)
			return key_error(x, K_BC, "empty or overlong item in '%s'",
			    x->e[K_BC]->value);
		if (strcmp(item, "critical") == 0) {
			if (!first)
				return key_error(x, K_BC, "'critical' must be the first item");
			t->bc_critical = 1;
		} else if (strcmp(item, "ca") == 0) {
			if (t->bc_ca)
				return key_error(x, K_BC, "'ca' given twice");
			t->bc_ca = 1;
		} else if (strncmp(item, "pathlen:", 8) == 0) {
			if (!t->bc_ca)
				return key_error(x, K_BC, "pathlen needs 'ca' before it");
			if (t->bc_path_len >= 0)
				return key_error(x, K_BC, "pathlen given twice");
			if (item[8] < '0' || item[8] > '9' || strlen(item + 8) > 3)
				goto bad;
			n = strtol(item + 8, &end, 10);
			if (*end != '\0' || n > 255)
				goto bad;
			t->bc_path_len = (int)n;
		} else
			return key_error(x, K_BC, "expected '[critical,] ca [, pathlen:N]', "
			    "got '%s'", item);
		first = 0;
	}
	if (first)
		return key_error(x, K_BC, "expected '[critical,] ca [, pathlen:N]'");
	return 0;
bad:
	return key_error(x, K_BC, "expected pathlen:N with N from 0 to 255, got '%s'", item);
}

/* "dirname:L=<code>[,ST=<code>]", each code 1-3 upper-case letters. */
static int
parse_alt_name(tmpl_ctx_t *x, enum tmpl_key k, char loc[8], char st[8])
{
	const char *p = x->e[k]->value, *v;
	char item[64], *field;
	int got, i;

	loc[0] = st[0] = '\0';
	if (strncasecmp(p, "dirname:", 8) != 0)
		goto bad;
	p += 8;
	while ((got = next_item(&p, item, sizeof(item))) != 0) {
		if (got < 0)
			goto bad;
		if (strncmp(item, "L=", 2) == 0) {
			field = loc;
			v = item + 2;
		} else if (strncmp(item, "ST=", 3) == 0) {
			field = st;
			v = item + 3;
		} else
			goto bad;
		if (field[0] != '\0')
			return key_error(x, k, "'%s' given twice", field == loc ? "L" : "ST");
		for (i = 0; v[i] != '\0'; i++)
			if (v[i] < 'A' || v[i] > 'Z')
				break;
		if (i == 0 || i > 3 || v[i] != '\0')
			return key_error(x, k, "%s: expected the ICAO code in 1 to 3 "
			    "upper-case letters, got '%s'", field == loc ? "L" : "ST", v);
		memcpy(field, v, (size_t)i + 1);
	}
	if (loc[0] == '\0')
		goto bad;
	return 0;
bad:
	return key_error(x, k, "expected 'dirname:L=<ICAO code>[,ST=<ICAO code>]', got '%s'",
	    x->e[k]->value);
}

/* Dotted-decimal OID: at least two arcs, first 0..2, second < 40 under 0 and 1. */
static int
is_valid_oid(const char *s)
{
	size_t arcs = 0, digits;
	long first = -1, v;

	if (strlen(s) >= 64)
		return 0;
	for (;;) {
		for (digits = 0, v = 0; s[digits] >= '0' && s[digits] <= '9'; digits++)
			if (digits < 9)
				v = v * 10 + (s[digits] - '0');
		if (digits == 0 || (digits > 1 && s[0] == '0'))
			return 0;
		if (arcs == 0) {
			if (v > 2 || digits > 1)
				return 0;
			first = v;
		} else if (arcs == 1 && first < 2 && (v >= 40 || digits > 2))
			return 0;
		arcs++;
		s += digits;
		if (*s == '\0')
			break;
		if (*s != '.')
			return 0;
		s++;
	}
	return arcs >= 2;
}

static int
parse_oid_list(tmpl_ctx_t *x, enum tmpl_key k, int allow_critical, int *critical,
    char oids[][64], size_t *n_oids)
{
	const char *p = x->e[k]->value;
	char item[64];
	int first = 1, got;
	size_t i;

	*n_oids = 0;
	while ((got = next_item(&p, item, sizeof(item))) != 0) {
		if (got < 0)
			return key_error(x, k, "empty or overlong item in '%s'",
			    x->e[k]->value);
		if (allow_critical && strcmp(item, "critical") == 0) {
			if (!first)
				return key_error(x, k, "'critical' must be the first item");
			*critical = 1;
			first = 0;
			continue;
		}
		first = 0;
		if (!is_valid_oid(item))
			return key_error(x, k, "expected a dotted-decimal OID "
			    "such as 2.23.136.1.1.3, got '%s'", item);
		for (i = 0; i < *n_oids; i++)
			if (strcmp(oids[i], item) == 0)
				return key_error(x, k, "'%s' given twice", item);
		if (*n_oids == CLV_TMPL_MAX_OIDS)
			return key_error(x, k, "expected at most %d OIDs",
			    CLV_TMPL_MAX_OIDS);
		memcpy(oids[(*n_oids)++], item, strlen(item) + 1);
	}
	if (*n_oids == 0)
		return key_error(x, k, "expected at least one OID");
	return 0;
}

static size_t
uri_scheme_len(const char *s)
{
	static const char *const schemes[] = { "http://", "https://", "ldap://" };
	size_t i, n;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i]);
		if (strncasecmp(s, schemes[i], n) == 0)
			return n;
	}
	return 0;
}

static int
is_uri_char(int ch)
{
	return ch > 0x20 && ch < 0x7f && strchr("\"<>\\^`{|}", ch) == NULL;
}

/*
 * URIs separated by commas.  A comma followed by another URI separates; any
 * other comma belongs to the URI (LDAP URIs carry DNs such as cn=CRL,o=X).
 */
static int
parse_crl_dp(tmpl_ctx_t *x, clv_template_t *t)
{
	const char *p = x->e[K_CRLDP]->value, *s, *end, *q;
	size_t n, i;

	t->n_crl_dp = 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		s = p;
		for (end = s; *end != '\0'; end++) {
			if (*end != ',')
				continue;
			for (q = end + 1; *q == ' ' || *q == '\t'; q++)
				;
			if (uri_scheme_len(q) > 0 || *q == '\0')
				break;
		}
		n = (size_t)(end - s);
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		p = *end == ',' ? end + 1 : end;
		if (n == 0 || uri_scheme_len(s) == 0 || uri_scheme_len(s) == n)
			return key_error(x, K_CRLDP, "expected http://, https:// or ldap:// "
			    "URIs separated by commas, got '%.*s'", (int)n, s);
		for (i = 0; i < n; i++)
			if (!is_uri_char((unsigned char)s[i]))
				return key_error(x, K_CRLDP, "character 0x%02x not allowed "
				    "in URI '%.*s'", (unsigned char)s[i], (int)n, s);
		if (n >= sizeof(t->crl_dp[0]))
			return key_error(x, K_CRLDP, "URI longer than %zu bytes",
			    sizeof(t->crl_dp[0]) - 1);
		if (t->n_crl_dp == CLV_TMPL_MAX_URIS)
			return key_error(x, K_CRLDP, "expected at most %d URIs",
			    CLV_TMPL_MAX_URIS);
		memcpy(t->crl_dp[t->n_crl_dp], s, n);
		t->crl_dp[t->n_crl_dp][n] = '\0';
		t->n_crl_dp++;
	}
	if (t->n_crl_dp == 0)
		return key_error(x, K_CRLDP, "expected at least one URI");
	return 0;
}

static int
parse_curve(tmpl_ctx_t *x, clv_template_t *t)
{
	const clv_curve_info_t *ci = clv_curve_by_name(x->e[K_CURVE]->value);
	char list[256];
	size_t n = 0;
	int id, w;

	if (ci != NULL && ci->generate) {
		t->key.curve = ci->id;
		return 0;
	}
	list[0] = '\0';
	for (id = 1; id < 64 && n < sizeof(list); id++) {
		if ((ci = clv_curve_by_id((clv_curve_t)id)) == NULL || !ci->generate)
			continue;
		w = snprintf(list + n, sizeof(list) - n, "%s%s", n > 0 ? ", " : "",
		    ci->name);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	return key_error(x, K_CURVE, "expected one of %s, got '%s'", list,
	    x->e[K_CURVE]->value);
}

/* Keys that only make sense for the other key algorithm are errors. */
static int
check_key_algorithm(tmpl_ctx_t *x, clv_template_t *t)
{
	static const enum tmpl_key ec_only[] = { K_CURVE, K_EXPLICIT };
	static const enum tmpl_key rsa_only[] = { K_RSA_BITS, K_PADDING };
	const enum tmpl_key *other;
	size_t i;
	const char *alg = t->key.type == CLV_KEY_EC ? "ec" : "rsa";

	other = t->key.type == CLV_KEY_EC ? rsa_only : ec_only;
	for (i = 0; i < 2; i++)
		if (x->e[other[i]] != NULL)
			return key_error(x, other[i], "not allowed with key.algorithm = %s "
			    "(line %u)", alg, x->e[K_ALG]->line);
	if (t->key.type == CLV_KEY_EC && x->e[K_CURVE] == NULL)
		return key_error(x, K_ALG, "ec needs key.curve");
	if (t->key.type == CLV_KEY_RSA && x->e[K_RSA_BITS] == NULL)
		return key_error(x, K_ALG, "rsa needs key.rsa_bits");
	return 0;
}

const char *
clv_template_signer_eku(const clv_template_t *t)
{
	if (t == NULL)
		return NULL;
	switch (t->profile_id) {
	case CLV_PROFILE_MLS:
		return CLV_OID_EKU_MLS;
	case CLV_PROFILE_DLS:
		return CLV_OID_EKU_DLS;
	default:
		return NULL;
	}
}

/*
 * Master List and Deviation List Signer certificates (Doc 9303-12 Table 6,
 * ML/DL Signer column): no BasicConstraints, KeyUsage critical with only
 * digitalSignature, ExtendedKeyUsage critical with exactly the profile's
 * purpose.  The key signs lists, never CRLs.
 */
static int
check_signer_profile(tmpl_ctx_t *x, const clv_template_t *t)
{
	const char *eku = clv_template_signer_eku(t);
	const char *what = t->profile_id == CLV_PROFILE_MLS ?
	    "id-icao-cscaMasterListSigningKey" : "id-icao-DeviationListSigningKey";
	unsigned pl = x->e[K_PROFILE]->line;

	if (x->e[K_BC] != NULL)
		return key_error(x, K_BC, "not allowed with profile = %s (line %u): "
		    "Doc 9303-12 Table 6 forbids BasicConstraints in an ML/DL signer "
		    "certificate", t->profile, pl);
	if (x->e[K_CRL_NEXT] != NULL)
		return key_error(x, K_CRL_NEXT, "not allowed with profile = %s (line %u): "
		    "a list signer key signs no CRLs", t->profile, pl);
	if (x->e[K_KU] == NULL)
		return key_error(x, K_PROFILE, "%s needs ext.key_usage = critical, "
		    "digitalSignature (Doc 9303-12 Table 6)", t->profile);
	if (!t->ku_critical || t->key_usage != CLV_KU_DIGITAL_SIGNATURE)
		return key_error(x, K_KU, "profile = %s (line %u) needs exactly "
		    "'critical, digitalSignature', got '%s'", t->profile, pl,
		    x->e[K_KU]->value);
	if (x->e[K_EKU] == NULL)
		return key_error(x, K_PROFILE, "%s needs ext.extended_key_usage = critical, "
		    "%s (%s, Doc 9303-12 Table 6)", t->profile, eku, what);
	if (!t->eku_critical)
		return key_error(x, K_EKU, "must be critical with profile = %s (line %u): "
		    "expected 'critical, %s'", t->profile, pl, eku);
	if (t->n_eku != 1 || strcmp(t->eku[0], eku) != 0)
		return key_error(x, K_EKU, "profile = %s (line %u) needs exactly %s (%s), "
		    "got '%s'", t->profile, pl, eku, what, x->e[K_EKU]->value);
	return 0;
}

/* "P, ID, ...": document types as in the MRZ, 1-2 upper-case letters each. */
static int
parse_doc_types(tmpl_ctx_t *x, clv_template_t *t)
{
	const char *p = x->e[K_DOC_TYPES]->value;
	char item[16];
	size_t i, n;
	int got;

	t->n_doc_types = 0;
	while ((got = next_item(&p, item, sizeof(item))) != 0) {
		if (got < 0)
			return key_error(x, K_DOC_TYPES, "empty or overlong item in '%s'",
			    x->e[K_DOC_TYPES]->value);
		n = strlen(item);
		for (i = 0; i < n; i++)
			if (item[i] < 'A' || item[i] > 'Z')
				break;
		if (n < 1 || n > 2 || i != n)
			return key_error(x, K_DOC_TYPES, "expected document types of 1 or 2 "
			    "upper-case letters as in the MRZ (P, ID, AC, ...), got '%s'", item);
		for (i = 0; i < t->n_doc_types; i++)
			if (strcmp(t->doc_types[i], item) == 0)
				return key_error(x, K_DOC_TYPES, "'%s' given twice", item);
		if (t->n_doc_types == CLV_TMPL_MAX_DOC_TYPES)
			return key_error(x, K_DOC_TYPES, "expected at most %d document types",
			    CLV_TMPL_MAX_DOC_TYPES);
		memcpy(t->doc_types[t->n_doc_types++], item, n + 1);
	}
	if (t->n_doc_types == 0)
		return key_error(x, K_DOC_TYPES, "expected at least one document type");
	return 0;
}

/*
 * Document Signer lifetimes: the key is used for private_key_usage_period
 * (mandatory, at most ds.max_usage_period, 3 months unless the template says
 * otherwise), and the certificate lives that long plus document_validity,
 * the longest validity of a document signed (Doc 9303-12 Table 1).
 */
static int
fill_ds_lifetimes(tmpl_ctx_t *x, clv_template_t *t)
{
	unsigned pl = x->e[K_PROFILE]->line;
	char a[32], b[32], c[32];
	int r;

	if (x->e[K_VALIDITY] != NULL)
		return key_error(x, K_VALIDITY, "not allowed with profile = ds (line %u): "
		    "a Document Signer certificate is valid for private_key_usage_period "
		    "+ document_validity", pl);
	if (x->e[K_PKUP] == NULL)
		return key_error(x, K_PROFILE, "ds needs private_key_usage_period "
		    "(PrivateKeyUsagePeriod is mandatory, Doc 9303-12 Table 6; at most 3m)");
	if (x->e[K_DOC_VALIDITY] == NULL)
		return key_error(x, K_PROFILE, "ds needs document_validity, the longest "
		    "validity of a document the key signs (for example 10y)");
	if ((r = parse_duration(x, K_PKUP, &t->key_usage_period)) != 0 ||
	    (r = parse_duration(x, K_DOC_VALIDITY, &t->document_validity)) != 0)
		return r;
	t->pkup = 1;
	t->key_usage_period_max = ds_usage_period_max;
	if (x->e[K_DS_MAX_PKUP] != NULL &&
	    (r = parse_duration(x, K_DS_MAX_PKUP, &t->key_usage_period_max)) != 0)
		return r;
	if (clv_duration_exceeds(&t->key_usage_period, &t->key_usage_period_max)) {
		duration_format(&t->key_usage_period, a, sizeof(a));
		duration_format(&t->key_usage_period_max, b, sizeof(b));
		if (x->e[K_DS_MAX_PKUP] != NULL)
			return key_error(x, K_PKUP, "%s exceeds ds.max_usage_period %s "
			    "(line %u)", a, b, x->e[K_DS_MAX_PKUP]->line);
		return key_error(x, K_PKUP, "%s exceeds 3m, the usage period Doc 9303-12 "
		    "recommends for a Document Signer key (ds.max_usage_period allows "
		    "more)", a);
	}
	t->validity.years = t->key_usage_period.years + t->document_validity.years;
	t->validity.months = t->key_usage_period.months + t->document_validity.months;
	t->validity.days = t->key_usage_period.days + t->document_validity.days;
	if (clv_duration_exceeds(&t->validity, &t->validity_max)) {
		duration_format(&t->key_usage_period, a, sizeof(a));
		duration_format(&t->document_validity, b, sizeof(b));
		duration_format(&t->validity_max, c, sizeof(c));
		return key_error(x, K_VALIDITY_MAX, "%s is shorter than "
		    "private_key_usage_period %s (line %u) + document_validity %s (line %u)",
		    c, a, x->e[K_PKUP]->line, b, x->e[K_DOC_VALIDITY]->line);
	}
	return 0;
}

/*
 * Document Signer certificates (Doc 9303-12 Table 6, DS column): the subject
 * comes from the request (the template keeps only the country it must
 * carry); KeyUsage critical with only digitalSignature; AKI, SAN, IAN, CRL
 * distribution points and DocumentTypeList present; no BasicConstraints, no
 * ExtendedKeyUsage.  The key signs documents, never CRLs.
 */
static int
check_ds_profile(tmpl_ctx_t *x, const clv_template_t *t)
{
	static const enum tmpl_key from_request[] = { K_ORG, K_OU, K_CN, K_SERIAL };
	unsigned pl = x->e[K_PROFILE]->line;
	size_t i;

	for (i = 0; i < sizeof(from_request) / sizeof(from_request[0]); i++)
		if (x->e[from_request[i]] != NULL)
			return key_error(x, from_request[i], "not allowed with profile = ds "
			    "(line %u): a Document Signer's subject comes from its request; "
			    "the template gives only subject.country", pl);
	if (x->e[K_BC] != NULL)
		return key_error(x, K_BC, "not allowed with profile = ds (line %u): "
		    "Doc 9303-12 Table 6 forbids BasicConstraints in a Document Signer "
		    "certificate", pl);
	if (x->e[K_EKU] != NULL)
		return key_error(x, K_EKU, "not allowed with profile = ds (line %u): "
		    "Doc 9303-12 Table 6 forbids ExtendedKeyUsage in a Document Signer "
		    "certificate", pl);
	if (x->e[K_CRL_NEXT] != NULL)
		return key_error(x, K_CRL_NEXT, "not allowed with profile = ds (line %u): "
		    "a Document Signer key signs no CRLs", pl);
	if (x->e[K_KU] == NULL)
		return key_error(x, K_PROFILE, "ds needs ext.key_usage = critical, "
		    "digitalSignature (Doc 9303-12 Table 6)");
	if (!t->ku_critical || t->key_usage != CLV_KU_DIGITAL_SIGNATURE)
		return key_error(x, K_KU, "profile = ds (line %u) needs exactly "
		    "'critical, digitalSignature', got '%s'", pl, x->e[K_KU]->value);
	if (!t->aki)
		return key_error(x, x->e[K_AKI] != NULL ? K_AKI : K_PROFILE,
		    "ds needs ext.authority_key_identifier = yes (Doc 9303-12 Table 6)");
	if (!t->san || !t->ian)
		return key_error(x, K_PROFILE, "ds needs ext.subject_alt_name and "
		    "ext.issuer_alt_name (Doc 9303-12 Table 6)");
	if (t->n_crl_dp == 0)
		return key_error(x, K_PROFILE, "ds needs ext.crl_distribution_points "
		    "(Doc 9303-12 Table 6)");
	if (t->n_doc_types == 0)
		return key_error(x, K_PROFILE, "ds needs ext.document_types, the document "
		    "types the key signs (DocumentTypeList is mandatory for a Document "
		    "Signer, Doc 9303-12 Table 6), for example 'ext.document_types = P'");
	return 0;
}

/* ---- EAC profiles (cvca, dv) ---------------------------------------------- */

/* EU Common Certificate Policy for EAC (BSI TR-03139): a CVCA certificate
 * is valid 6 months to 3 years, a DV certificate at most 3 months. */
static const clv_duration_t cvca_validity_min = { 0, 6, 0 };
static const clv_duration_t cvca_validity_max = { 3, 0, 0 };
static const clv_duration_t dv_validity_max = { 0, 3, 0 };

static const choice_t cv_hashes[] = {
	{ "sha224", CLV_HASH_SHA224 },
	{ "sha256", CLV_HASH_SHA256 },
	{ "sha384", CLV_HASH_SHA384 },
	{ "sha512", CLV_HASH_SHA512 },
	{ NULL, 0 },
};

/* "dg3, dg4" */
static int
parse_cv_list(tmpl_ctx_t *x, enum tmpl_key k, const choice_t *c, unsigned *out)
{
	const char *p = x->e[k]->value;
	const choice_t *q;
	char item[32], list[128];

	int got;

	*out = 0;
	while ((got = next_item(&p, item, sizeof(item))) != 0) {
		if (got < 0)
			return key_error(x, k, "an empty or overlong item in '%s'", x->e[k]->value);
		for (q = c; q->name != NULL; q++)
			if (strcmp(q->name, item) == 0)
				break;
		if (q->name == NULL) {
			choices_text(c, list, sizeof(list));
			return key_error(x, k, "'%s': expected a list of %s", item, list);
		}
		*out |= (unsigned)q->value;
	}
	return 0;
}

static int
fill_cv_template(tmpl_ctx_t *x, clv_template_t *t)
{
	static const choice_t rights[] = { { "dg3", CLV_CV_RIGHT_DG3 },
	    { "dg4", CLV_CV_RIGHT_DG4 }, { NULL, 0 } };
	static const choice_t roles[] = { { "domestic", 1 }, { "foreign", 2 }, { NULL, 0 } };
	static const enum tmpl_key cvca_keys[] = { K_COUNTRY, K_CV_MNEMONIC, K_CV_SEQUENCE,
	    K_ALG, K_HASH, K_VALIDITY, K_VALIDITY_MAX, K_CV_RIGHTS };
	static const enum tmpl_key dv_keys[] = { K_VALIDITY, K_VALIDITY_MAX, K_CV_RIGHTS,
	    K_CV_ROLES };
	int cvca = t->profile_id == CLV_PROFILE_CVCA;
	const enum tmpl_key *need = cvca ? cvca_keys : dv_keys;
	size_t n_need = cvca ? sizeof(cvca_keys) / sizeof(cvca_keys[0]) :
	    sizeof(dv_keys) / sizeof(dv_keys[0]);
	const clv_duration_t *lim;
	char a[32], b[32];
	unsigned v;
	size_t i, j;
	int r, iv;

	for (i = 0; i < n_need; i++)
		if (x->e[need[i]] == NULL)
			return clv_diag_set(x->diag, CLV_E_TEMPLATE, "%s: missing required key "
			    "'%s' (profile = %s)", x->path, tmpl_keys[need[i]].name, t->profile);
	/* everything else is X.509, or belongs to the other EAC profile */
	for (i = 0; i < K_COUNT; i++) {
		int allowed = i == K_PROFILE || (cvca && (i == K_CURVE || i == K_RSA_BITS ||
		    i == K_PADDING));
		for (j = 0; j < n_need && !allowed; j++)
			allowed = need[j] == (enum tmpl_key)i;
		if (x->e[i] != NULL && !allowed)
			return key_error(x, (enum tmpl_key)i, "not used with profile = %s",
			    t->profile);
	}
	if (cvca) {
		size_t n;

		if ((r = parse_country(x, t)) != 0)
			return r;
		n = strlen(x->e[K_CV_MNEMONIC]->value);
		if (n > 9)
			return key_error(x, K_CV_MNEMONIC, "at most 9 characters, got %zu", n);
		for (i = 0; i < n; i++)
			if (!is_printable_string_char((unsigned char)x->e[K_CV_MNEMONIC]->value[i]) ||
			    x->e[K_CV_MNEMONIC]->value[i] == ' ')
				return key_error(x, K_CV_MNEMONIC, "'%s': letters, digits and "
				    "'()+,-./:=? only", x->e[K_CV_MNEMONIC]->value);
		memcpy(t->cv_mnemonic, x->e[K_CV_MNEMONIC]->value, n + 1);
		if (strlen(x->e[K_CV_SEQUENCE]->value) != 5 ||
		    strspn(x->e[K_CV_SEQUENCE]->value, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != 5)
			return key_error(x, K_CV_SEQUENCE, "expected 5 characters A-Z or 0-9 "
			    "(BSI TR-03110-3 CHR sequence number), got '%s'",
			    x->e[K_CV_SEQUENCE]->value);
		memcpy(t->cv_sequence, x->e[K_CV_SEQUENCE]->value, 6);
		if ((r = parse_choice(x, K_ALG, algorithms, &iv)) != 0)
			return r;
		t->key.type = (clv_key_type_t)iv;
		if ((r = check_key_algorithm(x, t)) != 0)
			return r;
		if (t->key.type == CLV_KEY_EC) {
			if ((r = parse_curve(x, t)) != 0)
				return r;
			t->explicit_params = 1;     /* CV keys carry their domain parameters */
		} else {
			if ((r = parse_choice(x, K_RSA_BITS, rsa_sizes, &iv)) != 0)
				return r;
			t->key.rsa_bits = (unsigned)iv;
			if (x->e[K_PADDING] != NULL &&
			    (r = parse_choice(x, K_PADDING, paddings, &t->rsa_pss)) != 0)
				return r;
		}
		if ((r = parse_choice(x, K_HASH, cv_hashes, &iv)) != 0)
			return r;
		t->hash = (clv_hash_alg_t)iv;
	} else {
		if ((r = parse_cv_list(x, K_CV_ROLES, roles, &v)) != 0)
			return r;
		if (v == 0)
			return key_error(x, K_CV_ROLES, "expected domestic, foreign or both");
		t->cv_domestic = (v & 1) != 0;
		t->cv_foreign = (v & 2) != 0;
	}
	if ((r = parse_cv_list(x, K_CV_RIGHTS, rights, &t->cv_rights)) != 0)
		return r;
	if ((r = parse_duration(x, K_VALIDITY, &t->validity)) != 0 ||
	    (r = parse_duration(x, K_VALIDITY_MAX, &t->validity_max)) != 0)
		return r;
	lim = cvca ? &cvca_validity_max : &dv_validity_max;
	duration_format(lim, b, sizeof(b));
	if (clv_duration_exceeds(&t->validity_max, lim)) {
		duration_format(&t->validity_max, a, sizeof(a));
		return key_error(x, K_VALIDITY_MAX, "%s exceeds %s, the most the EU certificate "
		    "policy for EAC allows a %s certificate", a, b, cvca ? "CVCA" : "DV");
	}
	if (clv_duration_exceeds(&t->validity, &t->validity_max)) {
		duration_format(&t->validity, a, sizeof(a));
		duration_format(&t->validity_max, b, sizeof(b));
		return key_error(x, K_VALIDITY, "%s exceeds validity.max %s (line %u)", a, b,
		    x->e[K_VALIDITY_MAX]->line);
	}
	if (cvca && clv_duration_exceeds(&cvca_validity_min, &t->validity)) {
		duration_format(&t->validity, a, sizeof(a));
		return key_error(x, K_VALIDITY, "%s is shorter than 6m, the least the EU "
		    "certificate policy for EAC allows a CVCA certificate", a);
	}
	return 0;
}

static int
fill_template(tmpl_ctx_t *x, clv_template_t *t)
{
	static const enum tmpl_key ds_only[] = { K_DOC_VALIDITY, K_DS_MAX_PKUP, K_DOC_TYPES };
	int r = CLV_E_INTERNAL, v, ds;
	char a[32], b[32];
	size_t i;

	/* a Document Signer takes its subject from the request and its validity
	 * from the usage period: no common name, no validity */
	if (x->e[K_PROFILE] != NULL && (strcmp(x->e[K_PROFILE]->value, "cvca") == 0 ||
	    strcmp(x->e[K_PROFILE]->value, "dv") == 0)) {
		snprintf(t->profile, sizeof(t->profile), "%s", x->e[K_PROFILE]->value);
		t->profile_id = strcmp(t->profile, "cvca") == 0 ? CLV_PROFILE_CVCA : CLV_PROFILE_DV;
		return fill_cv_template(x, t);
	}
	ds = x->e[K_PROFILE] != NULL && strcmp(x->e[K_PROFILE]->value, "ds") == 0;
	for (i = 0; i < K_COUNT; i++)
		if (tmpl_keys[i].required && x->e[i] == NULL &&
		    !(ds && (i == K_CN || i == K_VALIDITY)))
			return clv_diag_set(x->diag, CLV_E_TEMPLATE,
			    "%s: missing required key '%s'", x->path, tmpl_keys[i].name);

	if ((r = parse_choice(x, K_PROFILE, profiles, &v)) != 0)
		return r;
	snprintf(t->profile, sizeof(t->profile), "%s", x->e[K_PROFILE]->value);
	t->profile_id = (clv_profile_t)v;
	for (i = K_CV_MNEMONIC; i <= K_CV_ROLES; i++)
		if (x->e[i] != NULL)
			return key_error(x, (enum tmpl_key)i, "only with profile = cvca or dv, "
			    "not %s", t->profile);
	if (!ds)
		for (i = 0; i < sizeof(ds_only) / sizeof(ds_only[0]); i++)
			if (x->e[ds_only[i]] != NULL)
				return key_error(x, ds_only[i], "only with profile = ds, "
				    "not %s (line %u)", t->profile, x->e[K_PROFILE]->line);

	if ((r = parse_country(x, t)) != 0 ||
	    (x->e[K_ORG] && (r = parse_text(x, K_ORG, t->organization,
	    sizeof(t->organization))) != 0) ||
	    (x->e[K_OU] && (r = parse_text(x, K_OU, t->org_unit,
	    sizeof(t->org_unit))) != 0) ||
	    (x->e[K_CN] && (r = parse_text(x, K_CN, t->common_name,
	    sizeof(t->common_name))) != 0) ||
	    (x->e[K_SERIAL] && (r = parse_text(x, K_SERIAL, t->serial_number,
	    sizeof(t->serial_number))) != 0))
		return r;
	for (i = 0; t->serial_number[i] != '\0'; i++)
		if (!is_printable_string_char((unsigned char)t->serial_number[i]))
			return key_error(x, K_SERIAL, "'%s' has a character outside "
			    "PrintableString (A-Z a-z 0-9 space '()+,-./:=?)",
			    t->serial_number);

	if ((r = parse_choice(x, K_ALG, algorithms, &v)) != 0)
		return r;
	t->key.type = (clv_key_type_t)v;
	if ((r = check_key_algorithm(x, t)) != 0)
		return r;
	if (t->key.type == CLV_KEY_EC) {
		if ((r = parse_curve(x, t)) != 0)
			return r;
		t->explicit_params = 1;
		if (x->e[K_EXPLICIT] != NULL &&
		    (r = parse_choice(x, K_EXPLICIT, yes_no, &t->explicit_params)) != 0)
			return r;
	} else {
		if ((r = parse_choice(x, K_RSA_BITS, rsa_sizes, &v)) != 0)
			return r;
		t->key.rsa_bits = (unsigned)v;
		if (x->e[K_PADDING] != NULL &&
		    (r = parse_choice(x, K_PADDING, paddings, &t->rsa_pss)) != 0)
			return r;
	}
	if ((r = parse_choice(x, K_HASH, hashes, &v)) != 0)
		return r;
	t->hash = (clv_hash_alg_t)v;

	if (ds) {
		if ((r = parse_duration(x, K_VALIDITY_MAX, &t->validity_max)) != 0 ||
		    (r = fill_ds_lifetimes(x, t)) != 0)
			return r;
	} else if ((r = parse_duration(x, K_VALIDITY, &t->validity)) != 0 ||
	    (r = parse_duration(x, K_VALIDITY_MAX, &t->validity_max)) != 0)
		return r;
	if (!ds && clv_duration_exceeds(&t->validity, &t->validity_max)) {
		duration_format(&t->validity, a, sizeof(a));
		duration_format(&t->validity_max, b, sizeof(b));
		return key_error(x, K_VALIDITY, "%s exceeds validity.max %s (line %u)",
		    a, b, x->e[K_VALIDITY_MAX]->line);
	}
	if (!ds && x->e[K_PKUP] != NULL) {
		if ((r = parse_duration(x, K_PKUP, &t->key_usage_period)) != 0)
			return r;
		if (clv_duration_exceeds(&t->key_usage_period, &t->validity)) {
			duration_format(&t->key_usage_period, a, sizeof(a));
			duration_format(&t->validity, b, sizeof(b));
			return key_error(x, K_PKUP, "%s exceeds validity %s (line %u)",
			    a, b, x->e[K_VALIDITY]->line);
		}
		t->pkup = 1;
	}
	t->crl_next_update = crl_interval_max;
	if (x->e[K_CRL_NEXT] != NULL) {
		if ((r = parse_duration(x, K_CRL_NEXT, &t->crl_next_update)) != 0)
			return r;
		if (clv_duration_exceeds(&t->crl_next_update, &crl_interval_max)) {
			duration_format(&t->crl_next_update, a, sizeof(a));
			return key_error(x, K_CRL_NEXT, "%s exceeds 90d, the longest "
			    "CRL interval ICAO Doc 9303-12 allows", a);
		}
	}

	t->bc_path_len = -1;
	if ((x->e[K_KU] && (r = parse_key_usage(x, t)) != 0) ||
	    (x->e[K_BC] && (r = parse_basic_constraints(x, t)) != 0) ||
	    (x->e[K_SKI] && (r = parse_choice(x, K_SKI, yes_no, &t->ski)) != 0) ||
	    (x->e[K_AKI] && (r = parse_choice(x, K_AKI, yes_no, &t->aki)) != 0) ||
	    (x->e[K_CRLDP] && (r = parse_crl_dp(x, t)) != 0) ||
	    (x->e[K_EKU] && (r = parse_oid_list(x, K_EKU, 1, &t->eku_critical,
	    t->eku, &t->n_eku)) != 0) ||
	    (x->e[K_POLICIES] && (r = parse_oid_list(x, K_POLICIES, 0, &v,
	    t->policy, &t->n_policy)) != 0) ||
	    (x->e[K_DOC_TYPES] && (r = parse_doc_types(x, t)) != 0))
		return r;

	if (x->e[K_SAN] != NULL) {
		if ((r = parse_alt_name(x, K_SAN, t->alt_locality, t->alt_state)) != 0)
			return r;
		t->san = 1;
	}
	if (x->e[K_IAN] != NULL) {
		char loc[8], st[8];

		if ((r = parse_alt_name(x, K_IAN, loc, st)) != 0)
			return r;
		if (t->san && (strcmp(loc, t->alt_locality) != 0 ||
		    strcmp(st, t->alt_state) != 0))
			return key_error(x, K_IAN, "'%s' differs from "
			    "ext.subject_alt_name '%s' (line %u); both name the same "
			    "issuing state", x->e[K_IAN]->value, x->e[K_SAN]->value,
			    x->e[K_SAN]->line);
		memcpy(t->alt_locality, loc, sizeof(loc));
		memcpy(t->alt_state, st, sizeof(st));
		t->ian = 1;
	}
	if (t->profile_id == CLV_PROFILE_MLS || t->profile_id == CLV_PROFILE_DLS)
		return check_signer_profile(x, t);
	if (t->profile_id == CLV_PROFILE_DS)
		return check_ds_profile(x, t);
	return 0;
}

int
clv_template_load(const char *path, clv_template_t *out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	clv_conf_t *c = NULL;
	clv_template_t *t = NULL;
	tmpl_ctx_t x;
	size_t i;

	if (path == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	memset(&x, 0, sizeof(x));
	x.path = path;
	x.diag = diag;
	if (strlen(path) >= sizeof(out->path)) {
		r = clv_diag_set(diag, CLV_E_INVALID_ARG, "%s: path longer than %zu bytes",
		    path, sizeof(out->path) - 1);
		goto out;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	memcpy(t->path, path, strlen(path) + 1);
	if ((r = clv_conf_load(path, &c, diag)) != 0) {
		if (r == CLV_E_FORMAT)
			r = CLV_E_TEMPLATE;
		goto out;
	}
	if (c->n_sections > 1) {
		r = clv_diag_set(diag, CLV_E_TEMPLATE,
		    "%s:%u: unexpected section [%s]: a template is a flat list of keys",
		    path, c->sections[1].line, c->sections[1].name);
		goto out;
	}
	for (i = 0; i < K_COUNT; i++)
		x.e[i] = clv_conf_get(&c->sections[0], tmpl_keys[i].name);
	if ((r = clv_conf_check_unused(c, CLV_E_TEMPLATE, diag)) != 0)
		goto out;
	if ((r = fill_template(&x, t)) != 0)
		goto out;
	*out = *t;
	r = 0;
out:
	clv_conf_free(c);
	free(t);
	return r;
}
