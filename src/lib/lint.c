/*
 * Lints run on the DER that is about to be signed, decoded afresh, so that a
 * mistake in the builder is caught by an independent reading of the bytes.
 * The checks follow Doc 9303-12 Tables 5, 6, 9 and 10 and the template's limits.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"
#include "lint.h"
#include "pubkey.h"
#include "sigalg.h"
#include "x509.h"

#define DAY 86400

#define finding clv_lint_add

void
clv_lint_add(clv_lint_result_t *res, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (res->n >= CLV_LINT_MAX)
		return;
	snprintf(res->f[res->n].code, sizeof(res->f[res->n].code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(res->f[res->n].msg, sizeof(res->f[res->n].msg), fmt, ap);
	va_end(ap);
	res->n++;
}

void
clv_lint_format(const clv_lint_result_t *res, char *out, size_t outlen)
{
	size_t i, used = 0;
	int n;

	if (outlen == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < res->n && used < outlen; i++) {
		n = snprintf(out + used, outlen - used, "%s%s: %s", i ? "\n" : "",
		    res->f[i].code, res->f[i].msg);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* Time encoding rules: UTCTime through 2049, GeneralizedTime from 2050, Z, seconds. */
static void
check_time(asn1_node n, const char *name, const char *what, clv_lint_result_t *res,
    time_t *out)
{
	char choice[32], sub[128], val[40];
	int len = sizeof(choice);
	struct tm tm;
	time_t t = 0;

	*out = 0;
	if (asn1_read_value(n, name, choice, &len) != ASN1_SUCCESS) {
		finding(res, "time-missing", "%s is missing", what);
		return;
	}
	snprintf(sub, sizeof(sub), "%s.%s", name, choice);
	len = sizeof(val) - 1;
	if (asn1_read_value(n, sub, val, &len) != ASN1_SUCCESS ||
	    clv_der_read_time(n, name, &t) != 0) {
		finding(res, "time-malformed", "%s cannot be read", what);
		return;
	}
	val[len] = '\0';
	len = (int)strlen(val);
	gmtime_r(&t, &tm);
	if (strcmp(choice, "utcTime") == 0) {
		if (len != 13 || val[12] != 'Z')
			finding(res, "time-format", "%s '%s': expected YYMMDDHHMMSSZ", what, val);
		if (tm.tm_year + 1900 >= 2050)
			finding(res, "time-type", "%s: year %d must be GeneralizedTime",
			    what, tm.tm_year + 1900);
	} else {
		if (len != 15 || val[14] != 'Z')
			finding(res, "time-format", "%s '%s': expected YYYYMMDDHHMMSSZ", what, val);
		if (tm.tm_year + 1900 < 2050)
			finding(res, "time-type", "%s: year %d must be UTCTime", what,
			    tm.tm_year + 1900);
	}
	*out = t;
}

static int
is_upper_alpha(const unsigned char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	return 1;
}

/* Name rules: countryName present once, PrintableString, two upper-case
 * letters; commonName present; serialNumber PrintableString. */
static void
check_name(asn1_node n, const char *name, const char *what, clv_lint_result_t *res,
    char country[3])
{
	char path[256], oid[64];
	clv_buf_t v = { NULL, 0 };
	int i, j, n_rdn = 0, n_c = 0, n_cn = 0;

	country[0] = '\0';
	snprintf(path, sizeof(path), "%s.rdnSequence", name);
	if (asn1_number_of_elements(n, path, &n_rdn) != ASN1_SUCCESS)
		n_rdn = 0;
	for (i = 1; i <= n_rdn; i++) {
		for (j = 1;; j++) {
			snprintf(path, sizeof(path), "%s.rdnSequence.?%d.?%d.type", name, i, j);
			if (clv_der_read_oid(n, path, oid, sizeof(oid)) != 0)
				break;
			snprintf(path, sizeof(path), "%s.rdnSequence.?%d.?%d.value", name, i, j);
			if (clv_der_read(n, path, &v) != 0 || v.len < 2) {
				finding(res, "name-value", "%s: attribute %s has no value", what, oid);
				clv_buf_free(&v);
				continue;
			}
			if (strcmp(oid, "2.5.4.6") == 0) {
				n_c++;
				if (v.data[0] != 0x13)
					finding(res, "name-country-type",
					    "%s: countryName must be PrintableString", what);
				if (v.len != 4 || v.data[1] != 2 || !is_upper_alpha(v.data + 2, 2))
					finding(res, "name-country-case",
					    "%s: countryName must be two upper-case letters "
					    "(ISO 3166-1 alpha-2)", what);
				else
					snprintf(country, 3, "%.2s", (const char *)v.data + 2);
			} else if (strcmp(oid, "2.5.4.5") == 0) {
				if (v.data[0] != 0x13)
					finding(res, "name-serial-type",
					    "%s: serialNumber must be PrintableString", what);
			} else if (strcmp(oid, "2.5.4.3") == 0) {
				n_cn++;
				size_t hdr = 2 + ((v.data[1] & 0x80) ? (v.data[1] & 0x7f) : 0);
				if (v.len > hdr + 64)
					finding(res, "name-cn-length",
					    "%s: commonName longer than 64 characters (X.520 ub-common-name)",
					    what);
			}
			clv_buf_free(&v);
		}
	}
	if (n_c != 1)
		finding(res, "name-country", "%s: expected exactly one countryName, found %d",
		    what, n_c);
	if (n_cn < 1)
		finding(res, "name-cn", "%s: commonName is missing", what);
}

/* DER is one encoding: what libtasn1 accepts as BER but DER forbids, and
 * what the decoded tree does not encode the same way again. */
static void
check_der(asn1_node n, const unsigned char *der, size_t len, clv_lint_result_t *res)
{
	clv_buf_t again = { NULL, 0 };
	const char *why;
	size_t i;

	if (clv_der_check_strict(der, len, &i, &why) != 0)
		finding(res, "der-encoding", "not DER at byte %zu: %s", i, why);
	if (clv_der_encode(n, "", &again) != 0) {
		finding(res, "der-encoding", "the structure cannot be encoded again");
		return;
	}
	if (again.len != len || memcmp(again.data, der, len) != 0) {
		for (i = 0; i < len && i < again.len && der[i] == again.data[i]; i++)
			;
		finding(res, "der-encoding", "not DER: the canonical encoding differs from "
		    "byte %zu on (an encoded DEFAULT value, an unsorted SET OF, ...)", i);
	}
	clv_buf_free(&again);
}

typedef struct ext_view {
	char oid[64];
	int critical;
	clv_buf_t value;
} ext_view_t;

static int
read_exts(asn1_node n, const char *base, ext_view_t **out, size_t *count)
{
	char path[256], crit[8];
	ext_view_t *v = NULL, *tmp;
	size_t k = 0;
	int i, len;

	*out = NULL;
	*count = 0;
	for (i = 1;; i++) {
		snprintf(path, sizeof(path), "%s.?%d.extnID", base, i);
		if ((tmp = realloc(v, (k + 1) * sizeof(*v))) == NULL) {
			free(v);
			return CLV_E_NOMEM;
		}
		v = tmp;
		memset(&v[k], 0, sizeof(v[k]));
		if (clv_der_read_oid(n, path, v[k].oid, sizeof(v[k].oid)) != 0)
			break;
		snprintf(path, sizeof(path), "%s.?%d.critical", base, i);
		len = sizeof(crit);
		v[k].critical = asn1_read_value(n, path, crit, &len) == ASN1_SUCCESS &&
		    strcmp(crit, "TRUE") == 0;
		snprintf(path, sizeof(path), "%s.?%d.extnValue", base, i);
		if (clv_der_read(n, path, &v[k].value) != 0)
			break;
		k++;
	}
	*out = v;
	*count = k;
	return 0;
}

static void
free_exts(ext_view_t *v, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		clv_buf_free(&v[i].value);
	free(v);
}

static const ext_view_t *
find_ext(const ext_view_t *v, size_t count, const char *oid)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strcmp(v[i].oid, oid) == 0)
			return &v[i];
	return NULL;
}

static void
check_duplicates(const ext_view_t *v, size_t count, clv_lint_result_t *res)
{
	size_t i, j;

	for (i = 0; i < count; i++)
		for (j = i + 1; j < count; j++)
			if (strcmp(v[i].oid, v[j].oid) == 0)
				finding(res, "ext-duplicate", "extension %s appears twice", v[i].oid);
}

static void
check_criticality(const ext_view_t *e, const char *code, const char *name, int want_critical,
    clv_lint_result_t *res)
{
	char c[64];

	if (e != NULL && e->critical != want_critical) {
		snprintf(c, sizeof(c), "%s-criticality", code);
		finding(res, c, "%s must be %s", name, want_critical ? "critical" : "non-critical");
	}
}

/* A mandatory extension for the certificate of who ("a CSCA"): present, and
 * with the criticality Table 6 gives it. */
static void
check_present(const ext_view_t *e, const char *code, const char *name, int want_critical,
    const char *who, clv_lint_result_t *res)
{
	char c[64];

	if (e == NULL) {
		snprintf(c, sizeof(c), "%s-missing", code);
		finding(res, c, "%s extension is missing (mandatory for %s)", name, who);
		return;
	}
	check_criticality(e, code, name, want_critical, res);
}

/* Decodes an extension value as type; NULL on failure (with a finding). */
static asn1_node
decode_ext(const ext_view_t *e, const char *type, const char *code, clv_lint_result_t *res)
{
	asn1_node n = NULL;

	if (clv_der_decode(type, e->value.data, e->value.len, &n, type, NULL) != 0) {
		finding(res, code, "%s extension does not decode as %s", e->oid, type);
		return NULL;
	}
	return n;
}

static void
check_alt_name(const ext_view_t *e, const char *name, clv_lint_result_t *res)
{
	asn1_node n;
	char choice[32], oid[64], path[128];
	clv_buf_t v = { NULL, 0 };
	int len = sizeof(choice), found_l = 0, i;

	if (e == NULL || (n = decode_ext(e, "GeneralNames", "altname-decode", res)) == NULL)
		return;
	if (asn1_read_value(n, "?1", choice, &len) != ASN1_SUCCESS ||
	    strcmp(choice, "directoryName") != 0) {
		finding(res, "altname-dirname", "%s must hold a directoryName", name);
		clv_der_free(&n);
		return;
	}
	for (i = 1; i < 8; i++) {
		snprintf(path, sizeof(path), "?1.directoryName.?%d.?1.type", i);
		if (clv_der_read_oid(n, path, oid, sizeof(oid)) != 0)
			break;
		if (strcmp(oid, "2.5.4.7") != 0)
			continue;
		snprintf(path, sizeof(path), "?1.directoryName.?%d.?1.value", i);
		if (clv_der_read(n, path, &v) == 0 && v.len >= 3 && v.len <= 5 &&
		    is_upper_alpha(v.data + 2, v.len - 2))
			found_l = 1;
		clv_buf_free(&v);
	}
	if (!found_l)
		finding(res, "altname-locality",
		    "%s directoryName must carry localityName = the ICAO country code "
		    "(upper case, Doc 9303-12 7.1.1.2)", name);
	clv_der_free(&n);
}

/* forbidden_csca_exts[0] is extendedKeyUsage; list signers start at [1].
 * documentTypeList stays last: Document Signers use all but it. */
static const char *const forbidden_csca_exts[][2] = {
	{ "2.5.29.37", "extendedKeyUsage" },
	{ "2.5.29.30", "nameConstraints" },
	{ "2.5.29.33", "policyMappings" },
	{ "2.5.29.36", "policyConstraints" },
	{ "2.5.29.46", "freshestCRL" },
	{ "2.5.29.9", "subjectDirectoryAttributes" },
	{ "2.16.840.1.113730.1.1", "netscapeCertType" },
	{ "2.23.136.1.1.6.2", "documentTypeList" },
};

/* Table 6: x for ML/DL signers, besides those of a CSCA but extendedKeyUsage
 * (basicConstraints has its own finding). */
static const char *const forbidden_signer_exts[][2] = {
	{ "2.23.136.1.1.6.1", "nameChange" },
};

static const char *const known_exts[] = {
	"2.5.29.14", "2.5.29.15", "2.5.29.16", "2.5.29.17", "2.5.29.18", "2.5.29.19",
	"2.5.29.31", "2.5.29.32", "2.5.29.35", "2.23.136.1.1.6.1",
	"1.3.6.1.5.5.7.1.1", "1.3.6.1.5.5.7.1.11",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Table 5, first part: version, serial number, signature algorithm against
 * the template, names and their countries. */
static void
check_body_head(asn1_node n, const clv_template_t *t, clv_lint_result_t *res)
{
	clv_buf_t b = { NULL, 0 };
	clv_sigalg_t alg;
	char c1[3], c2[3];
	long version = 0;
	size_t i;

	if (clv_der_read_int(n, "version", &version) != 0 || version != 2)
		finding(res, "version", "version must be v3");
	if (clv_der_read(n, "serialNumber", &b) != 0 || b.len == 0) {
		finding(res, "serial-missing", "serialNumber is missing");
	} else {
		if (b.data[0] & 0x80)
			finding(res, "serial-negative", "serialNumber must be positive");
		if (b.len > 20)
			finding(res, "serial-length", "serialNumber is %zu octets, at most 20", b.len);
		if (b.len > 1 && b.data[0] == 0 && !(b.data[1] & 0x80))
			finding(res, "serial-encoding", "serialNumber is not minimally encoded");
		for (i = 0; i < b.len && b.data[i] == 0; i++)
			;
		if (i == b.len)
			finding(res, "serial-zero", "serialNumber must not be zero");
	}
	clv_buf_free(&b);
	if (clv_der_read_der(n, "signature", &b) != 0 ||
	    clv_sigalg_decode(b.data, b.len, &alg, NULL) != 0) {
		finding(res, "sigalg", "signature algorithm is not understood");
	} else {
		if (alg.hash != CLV_HASH_SHA224 && alg.hash != CLV_HASH_SHA256 &&
		    alg.hash != CLV_HASH_SHA384 && alg.hash != CLV_HASH_SHA512)
			finding(res, "sigalg-hash", "hash %s not permitted (SHA-224/256/384/512 only)",
			    clv_hash_name(alg.hash));
		if (alg.hash != t->hash)
			finding(res, "sigalg-template", "hash %s differs from the template's %s",
			    clv_hash_name(alg.hash), clv_hash_name(t->hash));
	}
	clv_buf_free(&b);
	check_name(n, "issuer", "issuer", res, c1);
	check_name(n, "subject", "subject", res, c2);
	if (c1[0] && c2[0] && strcmp(c1, c2) != 0)
		finding(res, "name-country-match", "issuer country %s differs from subject country %s",
		    c1, c2);
}

/* Table 5, second part: validity (encoding, order, template limit), no unique
 * IDs, the key against the template.  *key is the subject key when readable. */
static void
check_body_tail(asn1_node n, const clv_template_t *t, clv_lint_result_t *res, time_t *nb,
    time_t *na, clv_pubkey_t **key)
{
	clv_buf_t b = { NULL, 0 };
	char buf[16];
	time_t lim;
	int l;

	*key = NULL;
	check_time(n, "validity.notBefore", "notBefore", res, nb);
	check_time(n, "validity.notAfter", "notAfter", res, na);
	if (*nb && *na && *na <= *nb)
		finding(res, "validity-order", "notAfter must be after notBefore");
	if (*nb && *na) {
		lim = clv_duration_add(*nb, &t->validity_max);
		if (*na > lim)
			finding(res, "validity-limit",
			    "validity %.1f days exceeds the template's limit validity.max (%dy%dm%dd)",
			    (double)(*na - *nb) / DAY, t->validity_max.years, t->validity_max.months,
			    t->validity_max.days);
	}
	l = sizeof(buf);
	if (asn1_read_value(n, "issuerUniqueID", buf, &l) != ASN1_ELEMENT_NOT_FOUND &&
	    asn1_read_value(n, "issuerUniqueID", buf, &l) != ASN1_VALUE_NOT_FOUND)
		finding(res, "unique-id", "issuerUniqueID must not be used");
	l = sizeof(buf);
	if (asn1_read_value(n, "subjectUniqueID", buf, &l) != ASN1_ELEMENT_NOT_FOUND &&
	    asn1_read_value(n, "subjectUniqueID", buf, &l) != ASN1_VALUE_NOT_FOUND)
		finding(res, "unique-id", "subjectUniqueID must not be used");

	if (clv_der_read_der(n, "subjectPublicKeyInfo", &b) != 0 ||
	    clv_pubkey_from_spki(b.data, b.len, key, NULL) != 0) {
		finding(res, "spki", "subjectPublicKeyInfo cannot be read");
	} else if ((*key)->type != t->key.type) {
		finding(res, "spki-type", "key type differs from the template");
	} else if ((*key)->type == CLV_KEY_EC) {
		const clv_pubkey_t *k = *key;
		if (k->curve != t->key.curve)
			finding(res, "spki-curve", "curve differs from the template's %s",
			    clv_curve_by_id(t->key.curve) ? clv_curve_by_id(t->key.curve)->name : "?");
		if (t->explicit_params && !k->explicit_params)
			finding(res, "spki-explicit",
			    "EC parameters must be explicit ECParameters (Doc 9303-12 4.1.6.3)");
		if (!t->explicit_params && k->explicit_params)
			finding(res, "spki-named", "template asks for a named curve");
		if (k->explicit_params && k->h.len == 0)
			finding(res, "spki-cofactor", "explicit EC parameters must include the cofactor");
		if (k->ec_point.len == 0 || k->ec_point.data[0] != 0x04)
			finding(res, "spki-point", "EC point must be uncompressed");
	} else if ((*key)->type == CLV_KEY_RSA) {
		if ((*key)->rsa_n.len * 8 < t->key.rsa_bits)
			finding(res, "spki-rsa-size", "RSA modulus is %zu bits, template asks %u",
			    (*key)->rsa_n.len * 8, t->key.rsa_bits);
	}
	clv_buf_free(&b);
}

/* keyUsage (when present and decodable) carries exactly the bits want
 * (CLV_KU_*), named by want_text, in DER. */
static void
check_key_usage_bits(const ext_view_t *e, unsigned want, const char *want_text,
    clv_lint_result_t *res)
{
	asn1_node x;
	clv_buf_t b = { NULL, 0 };
	unsigned ku = 0;
	size_t i;
	int bits;

	if (e == NULL || (x = decode_ext(e, "KeyUsage", "ku-decode", res)) == NULL)
		return;
	if (clv_der_read_bits(x, "", &b, &bits) == 0) {
		for (i = 0; i < (size_t)bits && i < 9; i++)
			if (b.data[i / 8] & (0x80 >> (i % 8)))
				ku |= 1u << i;
		if (bits > 0 && !(b.data[(bits - 1) / 8] & (0x80 >> ((bits - 1) % 8))))
			finding(res, "ku-encoding", "keyUsage has trailing zero bits (not DER)");
	}
	clv_buf_free(&b);
	if (ku != want)
		finding(res, "ku-bits", "keyUsage must be exactly %s", want_text);
	clv_der_free(&x);
}

/* subjectKeyIdentifier (when present) is the SHA-1 key id of the SPKI's key. */
static void
check_ski_value(const ext_view_t *e, const clv_pubkey_t *key, clv_lint_result_t *res)
{
	asn1_node x;
	clv_buf_t b = { NULL, 0 };
	unsigned char kid[20];

	if (e == NULL || key == NULL ||
	    (x = decode_ext(e, "SubjectKeyIdentifier", "ski-decode", res)) == NULL)
		return;
	if (clv_der_read(x, "", &b) != 0 || clv_pubkey_key_id(key, kid) != 0 ||
	    b.len != 20 || memcmp(b.data, kid, 20) != 0)
		finding(res, "ski-value", "subjectKeyIdentifier is not the key's SHA-1 key id");
	clv_buf_free(&b);
	clv_der_free(&x);
}

/* privateKeyUsagePeriod (when present) lies within the validity nb..na. */
static void
check_pkup(const ext_view_t *e, time_t nb, time_t na, clv_lint_result_t *res)
{
	asn1_node x;
	time_t pb = 0, pa = 0;

	if (e == NULL || (x = decode_ext(e, "PrivateKeyUsagePeriod", "pkup-decode", res)) == NULL)
		return;
	if (clv_der_read_gentime(x, "notBefore", &pb) != 0 ||
	    clv_der_read_gentime(x, "notAfter", &pa) != 0)
		finding(res, "pkup-fields", "privateKeyUsagePeriod needs notBefore and notAfter");
	else if (pa <= pb || (nb && pb < nb) || (na && pa > na))
		finding(res, "pkup-range",
		    "privateKeyUsagePeriod must lie within the certificate validity");
	clv_der_free(&x);
}

/* SubjectAltName, IssuerAltName and CRLDistributionPoints: m/nc for every
 * certificate type of Table 6. */
static void
check_alt_names_and_crldp(const ext_view_t *exts, size_t n_exts, const char *who,
    clv_lint_result_t *res)
{
	const ext_view_t *e;
	asn1_node x;

	e = find_ext(exts, n_exts, "2.5.29.17");
	check_present(e, "san", "subjectAltName", 0, who, res);
	check_alt_name(e, "subjectAltName", res);
	e = find_ext(exts, n_exts, "2.5.29.18");
	check_present(e, "ian", "issuerAltName", 0, who, res);
	check_alt_name(e, "issuerAltName", res);
	e = find_ext(exts, n_exts, "2.5.29.31");
	check_present(e, "crldp", "cRLDistributionPoints", 0, who, res);
	if (e != NULL && (x = decode_ext(e, "CRLDistributionPoints", "crldp-decode", res)) != NULL)
		clv_der_free(&x);
}

/* authorityKeyIdentifier (when present) names the issuing CSCA's key. */
static void
check_aki_value(const ext_view_t *e, const clv_buf_t *issuer_ski, const char *decode_code,
    const char *value_code, clv_lint_result_t *res)
{
	clv_buf_t b = { NULL, 0 };
	asn1_node x;

	if (e == NULL || (x = decode_ext(e, "AuthorityKeyIdentifier", decode_code, res)) == NULL)
		return;
	if (clv_der_read(x, "keyIdentifier", &b) != 0 || b.len != issuer_ski->len ||
	    memcmp(b.data, issuer_ski->data, b.len) != 0)
		finding(res, value_code, "authorityKeyIdentifier is not the issuing "
		    "CSCA's subjectKeyIdentifier");
	clv_buf_free(&b);
	clv_der_free(&x);
}

/* Table 6, common to the ML/DL Signer and Document Signer columns: AKI of the
 * CSCA, SKI of the key, keyUsage digitalSignature only (critical). */
static void
check_signer_key_exts(const ext_view_t *exts, size_t n_exts, const clv_pubkey_t *key,
    const clv_buf_t *issuer_ski, const char *who, clv_lint_result_t *res)
{
	const ext_view_t *e;

	e = find_ext(exts, n_exts, "2.5.29.35");
	check_present(e, "aki", "authorityKeyIdentifier", 0, who, res);
	check_aki_value(e, issuer_ski, "aki-decode", "aki-value", res);

	e = find_ext(exts, n_exts, "2.5.29.14");
	check_criticality(e, "ski", "subjectKeyIdentifier", 0, res);
	check_ski_value(e, key, res);

	e = find_ext(exts, n_exts, "2.5.29.15");
	check_present(e, "ku", "keyUsage", 1, who, res);
	check_key_usage_bits(e, CLV_KU_DIGITAL_SIGNATURE, "digitalSignature", res);
}

/* Extensions on the forbidden lists (two, either may be empty), and critical
 * ones that are neither known nor extra_known. */
static void
check_ext_lists(const ext_view_t *exts, size_t n_exts, const char *const forbid1[][2],
    size_t n1, const char *const forbid2[][2], size_t n2, const char *extra_known,
    const char *who, clv_lint_result_t *res)
{
	size_t i, k;

	for (i = 0; i < n_exts; i++) {
		for (k = 0; k < n1; k++)
			if (strcmp(exts[i].oid, forbid1[k][0]) == 0)
				finding(res, "ext-forbidden", "%s must not appear in %s certificate",
				    forbid1[k][1], who);
		for (k = 0; k < n2; k++)
			if (strcmp(exts[i].oid, forbid2[k][0]) == 0)
				finding(res, "ext-forbidden", "%s must not appear in %s certificate",
				    forbid2[k][1], who);
		for (k = 0; k < N_OF(known_exts); k++)
			if (strcmp(exts[i].oid, known_exts[k]) == 0)
				break;
		if (k == N_OF(known_exts) && exts[i].critical &&
		    (extra_known == NULL || strcmp(exts[i].oid, extra_known) != 0))
			finding(res, "ext-unknown-critical", "unknown critical extension %s",
			    exts[i].oid);
	}
}

/*
 * A CSCA certificate: self-signed (issuer_name NULL) or a link certificate
 * from the old CSCA whose subject and SKI are issuer_name and issuer_ski.
 */
static int
lint_csca(const unsigned char *tbs, size_t len, const clv_template_t *t,
    const clv_buf_t *issuer_name, const clv_buf_t *issuer_ski, clv_lint_result_t *res)
{
	const char *who = issuer_name ? "a CSCA link" : "a CSCA";
	int renamed = 0;
	asn1_node n = NULL, x = NULL;
	clv_buf_t b = { NULL, 0 }, b2 = { NULL, 0 };
	ext_view_t *exts = NULL;
	size_t n_exts = 0;
	clv_pubkey_t *key = NULL;
	char buf[16];
	time_t nb = 0, na = 0;
	int r = CLV_E_INTERNAL, l;
	const ext_view_t *e;

	if (tbs == NULL || t == NULL || res == NULL)
		return CLV_E_INVALID_ARG;
	memset(res, 0, sizeof(*res));
	if ((r = clv_der_decode("TBSCertificate", tbs, len, &n, "TBSCertificate", NULL)) != 0)
		goto out;
	check_der(n, tbs, len, res);

	/* Table 5: body */
	check_body_head(n, t, res);
	if (clv_der_read_der(n, "issuer", &b) != 0 || clv_der_read_der(n, "subject", &b2) != 0) {
		finding(res, "name-missing", "issuer or subject cannot be read");
	} else if (issuer_name == NULL) {
		if (b.len != b2.len || memcmp(b.data, b2.data, b.len) != 0)
			finding(res, "self-signed-name", "a CSCA root certificate has issuer = subject");
	} else {
		if (b.len != issuer_name->len || memcmp(b.data, issuer_name->data, b.len) != 0)
			finding(res, "link-issuer", "a link certificate's issuer is, byte for byte, "
			    "the subject of the old CSCA certificate");
		renamed = b.len != b2.len || memcmp(b.data, b2.data, b.len) != 0;
	}
	clv_buf_free(&b);
	clv_buf_free(&b2);
	check_body_tail(n, t, res, &nb, &na, &key);

	/* Table 6: extensions */
	if ((r = read_exts(n, "extensions", &exts, &n_exts)) != 0)
		goto out;
	check_duplicates(exts, n_exts, res);

	e = find_ext(exts, n_exts, "2.5.29.15");
	check_present(e, "ku", "keyUsage", 1, who, res);
	check_key_usage_bits(e, CLV_KU_KEY_CERT_SIGN | CLV_KU_CRL_SIGN,
	    "keyCertSign and cRLSign", res);

	e = find_ext(exts, n_exts, "2.5.29.19");
	check_present(e, "bc", "basicConstraints", 1, who, res);
	if (e != NULL && (x = decode_ext(e, "BasicConstraints", "bc-decode", res)) != NULL) {
		long pl = -1;
		l = sizeof(buf);
		if (asn1_read_value(x, "cA", buf, &l) != ASN1_SUCCESS || strcmp(buf, "TRUE") != 0)
			finding(res, "bc-ca", "basicConstraints cA must be TRUE");
		if (clv_der_read_int(x, "pathLenConstraint", &pl) != 0 || pl != 0)
			finding(res, "bc-pathlen", "basicConstraints pathLenConstraint must be 0");
		clv_der_free(&x);
	}

	e = find_ext(exts, n_exts, "2.5.29.14");
	check_present(e, "ski", "subjectKeyIdentifier", 0, who, res);
	check_ski_value(e, key, res);

	if (issuer_name != NULL) {
		/* Table 6: m/nc in a link, the old CSCA's key identifier */
		e = find_ext(exts, n_exts, "2.5.29.35");
		check_present(e, "aki", "authorityKeyIdentifier", 0, who, res);
		check_aki_value(e, issuer_ski, "aki-decode", "aki-value", res);
		e = find_ext(exts, n_exts, "2.23.136.1.1.6.1");
		if (renamed && e == NULL)
			finding(res, "link-name-change", "a link that changes the CSCA's name "
			    "carries nameChange (2.23.136.1.1.6.1)");
		if (!renamed && e != NULL)
			finding(res, "link-name-change", "nameChange in a link that keeps the name");
		if (e != NULL && (e->critical || e->value.len != 2 || e->value.data[0] != 0x05 ||
		    e->value.data[1] != 0x00))
			finding(res, "link-name-change", "nameChange must be non-critical NULL");
	} else if ((e = find_ext(exts, n_exts, "2.5.29.35")) != NULL) {
		const ext_view_t *s = find_ext(exts, n_exts, "2.5.29.14");
		check_present(e, "aki", "authorityKeyIdentifier", 0, who, res);
		if ((x = decode_ext(e, "AuthorityKeyIdentifier", "aki-decode", res)) != NULL) {
			asn1_node sx = s ? decode_ext(s, "SubjectKeyIdentifier", "ski-decode", res) : NULL;
			if (clv_der_read(x, "keyIdentifier", &b) != 0 || sx == NULL ||
			    clv_der_read(sx, "", &b2) != 0 || b.len != b2.len ||
			    memcmp(b.data, b2.data, b.len) != 0)
				finding(res, "aki-value",
				    "a self-signed CSCA's authorityKeyIdentifier must equal its SKI");
			clv_buf_free(&b);
			clv_buf_free(&b2);
			clv_der_free(&sx);
			clv_der_free(&x);
		}
	}

	e = find_ext(exts, n_exts, "2.5.29.16");
	check_present(e, "pkup", "privateKeyUsagePeriod", 0, who, res);
	check_pkup(e, nb, na, res);

	check_alt_names_and_crldp(exts, n_exts, who, res);
	check_ext_lists(exts, n_exts, forbidden_csca_exts, N_OF(forbidden_csca_exts), NULL, 0,
	    NULL, who, res);
	r = res->n == 0 ? 0 : CLV_E_LINT;
out:
	free_exts(exts, n_exts);
	clv_pubkey_free(key);
	clv_buf_free(&b);
	clv_buf_free(&b2);
	clv_der_free(&x);
	clv_der_free(&n);
	return r;
}

int
clv_lint_csca_tbs(const unsigned char *tbs, size_t len, const clv_template_t *t,
    clv_lint_result_t *res)
{
	return lint_csca(tbs, len, t, NULL, NULL, res);
}

int
clv_lint_link_tbs(const unsigned char *tbs, size_t len, const clv_template_t *t,
    const clv_buf_t *issuer_name, const clv_buf_t *issuer_ski, clv_lint_result_t *res)
{
	if (issuer_name == NULL || issuer_ski == NULL)
		return CLV_E_INVALID_ARG;
	return lint_csca(tbs, len, t, issuer_name, issuer_ski, res);
}
/* A certificate the CSCA issues to a signer: issued by the CSCA certificate's
 * subject, byte for byte, and with a name of its own. */
static void
check_signer_names(asn1_node n, const clv_buf_t *issuer_name, const char *who,
    clv_lint_result_t *res)
{
	clv_buf_t b = { NULL, 0 }, b2 = { NULL, 0 };

	if (clv_der_read_der(n, "issuer", &b) != 0 || b.len != issuer_name->len ||
	    memcmp(b.data, issuer_name->data, b.len) != 0)
		finding(res, "signer-issuer", "issuer is not the subject of the issuing CSCA "
		    "certificate");
	if (clv_der_read_der(n, "subject", &b2) == 0 && b2.len == issuer_name->len &&
	    memcmp(b2.data, issuer_name->data, b2.len) == 0)
		finding(res, "signer-subject", "subject is the CSCA's name; %s needs a name "
		    "of its own", who);
	clv_buf_free(&b);
	clv_buf_free(&b2);
}

int
clv_lint_signer_tbs(const unsigned char *tbs, size_t len, const clv_template_t *t,
    const clv_buf_t *issuer_name, const clv_buf_t *issuer_ski, clv_lint_result_t *res)
{
	asn1_node n = NULL, x = NULL;
	clv_buf_t b = { NULL, 0 }, b2 = { NULL, 0 };
	ext_view_t *exts = NULL;
	size_t n_exts = 0;
	clv_pubkey_t *key = NULL;
	const char *want_eku, *who;
	char oid[64];
	time_t nb = 0, na = 0;
	int r = CLV_E_INTERNAL, count = 0;
	const ext_view_t *e;

	if (tbs == NULL || t == NULL || res == NULL || issuer_name == NULL ||
	    issuer_ski == NULL || (want_eku = clv_template_signer_eku(t)) == NULL)
		return CLV_E_INVALID_ARG;
	who = t->profile_id == CLV_PROFILE_MLS ? "a Master List Signer" :
	    "a Deviation List Signer";
	memset(res, 0, sizeof(*res));
	if ((r = clv_der_decode("TBSCertificate", tbs, len, &n, "TBSCertificate", NULL)) != 0)
		goto out;
	check_der(n, tbs, len, res);

	/* Table 5: body; issued by the CSCA, not self-issued */
	check_body_head(n, t, res);
	check_signer_names(n, issuer_name, who, res);
	check_body_tail(n, t, res, &nb, &na, &key);

	/* Table 6, ML / DL Signer column */
	if ((r = read_exts(n, "extensions", &exts, &n_exts)) != 0)
		goto out;
	check_duplicates(exts, n_exts, res);

	check_signer_key_exts(exts, n_exts, key, issuer_ski, who, res);

	e = find_ext(exts, n_exts, "2.5.29.37");
	check_present(e, "eku", "extendedKeyUsage", 1, who, res);
	if (e != NULL && (x = decode_ext(e, "ExtKeyUsageSyntax", "eku-decode", res)) != NULL) {
		if (asn1_number_of_elements(x, "", &count) != ASN1_SUCCESS || count != 1 ||
		    clv_der_read_oid(x, "?1", oid, sizeof(oid)) != 0 || strcmp(oid, want_eku) != 0)
			finding(res, "eku-value", "extendedKeyUsage must be exactly %s for %s "
			    "(Doc 9303-12 Table 6)", want_eku, who);
		clv_der_free(&x);
	}

	e = find_ext(exts, n_exts, "2.5.29.16");
	check_criticality(e, "pkup", "privateKeyUsagePeriod", 0, res);
	check_pkup(e, nb, na, res);

	check_alt_names_and_crldp(exts, n_exts, who, res);

	if (find_ext(exts, n_exts, "2.5.29.19") != NULL)
		finding(res, "bc-forbidden", "basicConstraints must not appear in %s certificate "
		    "(Doc 9303-12 Table 6)", who);
	check_ext_lists(exts, n_exts, forbidden_csca_exts + 1, N_OF(forbidden_csca_exts) - 1,
	    forbidden_signer_exts, N_OF(forbidden_signer_exts), "2.5.29.37", who, res);
	r = res->n == 0 ? 0 : CLV_E_LINT;
out:
	free_exts(exts, n_exts);
	clv_pubkey_free(key);
	clv_buf_free(&b);
	clv_buf_free(&b2);
	clv_der_free(&x);
	clv_der_free(&n);
	return r;
}

/* Everything else: the DS column of Table 6. */
#define OID_DOC_TYPES "2.23.136.1.1.6.2"

/* The document types of the template, as a set: 1 if every one of the n
 * decoded entries is in the template and the counts match. */
static int
doc_types_match(const clv_template_t *t, char got[][3], size_t n)
{
	size_t i, j;

	if (n != t->n_doc_types)
		return 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < t->n_doc_types; j++)
			if (strcmp(got[i], t->doc_types[j]) == 0)
				break;
		if (j == t->n_doc_types)
			return 0;
	}
	return 1;
}

/* DocumentTypeList (Doc 9303-12 7.1.1.3): version 0, a SET OF 1..n
 * PrintableStrings of 1-2 upper-case letters, in DER, the template's types. */
static void
check_doc_types(const ext_view_t *e, const clv_template_t *t, clv_lint_result_t *res)
{
	asn1_node x;
	clv_buf_t v = { NULL, 0 }, again = { NULL, 0 };
	char path[64], got[CLV_TMPL_MAX_DOC_TYPES][3];
	const char *why;
	long version = -1;
	size_t bad, n_got = 0;
	int count = 0, i, ok = 1;

	if (e == NULL || (x = decode_ext(e, "DocumentTypeListSyntax", "doctypes-decode",
	    res)) == NULL)
		return;
	if (clv_der_check_strict(e->value.data, e->value.len, &bad, &why) != 0 ||
	    clv_der_encode(x, "", &again) != 0 || again.len != e->value.len ||
	    memcmp(again.data, e->value.data, again.len) != 0)
		finding(res, "doctypes-der", "documentTypeList is not DER (an unsorted SET OF, "
		    "a long length, ...)");
	clv_buf_free(&again);
	if (clv_der_read_int(x, "version", &version) != 0 || version != 0)
		finding(res, "doctypes-version", "documentTypeList version must be 0 (v0)");
	if (asn1_number_of_elements(x, "docTypeList", &count) != ASN1_SUCCESS || count < 1) {
		finding(res, "doctypes-empty", "documentTypeList must name at least one "
		    "document type");
		clv_der_free(&x);
		return;
	}
	for (i = 1; i <= count; i++) {
		snprintf(path, sizeof(path), "docTypeList.?%d", i);
		if (clv_der_read(x, path, &v) != 0 || v.len < 1 || v.len > 2 ||
		    !is_upper_alpha(v.data, v.len)) {
			ok = 0;
		} else if (n_got < CLV_TMPL_MAX_DOC_TYPES) {
			memcpy(got[n_got], v.data, v.len);
			got[n_got++][v.len] = '\0';
		} else
			ok = 0;
		clv_buf_free(&v);
	}
	if (!ok)
		finding(res, "doctypes-value", "each document type must be 1 or 2 upper-case "
		    "letters as in the MRZ");
	else if (!doc_types_match(t, got, n_got))
		finding(res, "doctypes-template", "documentTypeList differs from the "
		    "template's ext.document_types");
	clv_der_free(&x);
}

int
clv_lint_ds_tbs(const unsigned char *tbs, size_t len, const clv_template_t *t,
    const clv_buf_t *issuer_name, const clv_buf_t *issuer_ski, clv_lint_result_t *res)
{
	static const char who[] = "a Document Signer";
	asn1_node n = NULL, x = NULL;
	clv_buf_t b = { NULL, 0 }, b2 = { NULL, 0 };
	ext_view_t *exts = NULL;
	size_t n_exts = 0;
	clv_pubkey_t *key = NULL;
	char c_issuer[3], c_subject[3];
	clv_lint_result_t scratch;      /* findings nobody reads (repeated helpers) */
	time_t nb = 0, na = 0, pb = 0, pa = 0;
	int r = CLV_E_INTERNAL;
	const ext_view_t *e;

	if (tbs == NULL || t == NULL || res == NULL || issuer_name == NULL ||
	    issuer_ski == NULL || t->profile_id != CLV_PROFILE_DS)
		return CLV_E_INVALID_ARG;
	memset(res, 0, sizeof(*res));
	memset(&scratch, 0, sizeof(scratch));
	if ((r = clv_der_decode("TBSCertificate", tbs, len, &n, "TBSCertificate", NULL)) != 0)
		goto out;
	check_der(n, tbs, len, res);

	/* Table 5: body; issued by the CSCA, in the CSCA's country */
	check_body_head(n, t, res);
	check_signer_names(n, issuer_name, who, res);
	/* quiet copies: check_body_head already reported malformed names */
	check_name(n, "issuer", "issuer", &scratch, c_issuer);
	check_name(n, "subject", "subject", &scratch, c_subject);
	if (c_subject[0] != '\0' && (strcmp(c_subject, t->country) != 0 ||
	    (c_issuer[0] != '\0' && strcmp(c_subject, c_issuer) != 0)))
		finding(res, "ds-country", "subject country %s is not the CSCA's country %s: "
		    "a Document Signer of another country is refused", c_subject,
		    c_issuer[0] != '\0' ? c_issuer : t->country);
	check_body_tail(n, t, res, &nb, &na, &key);

	/* Table 6, Document Signer column */
	if ((r = read_exts(n, "extensions", &exts, &n_exts)) != 0)
		goto out;
	check_duplicates(exts, n_exts, res);

	check_signer_key_exts(exts, n_exts, key, issuer_ski, who, res);

	e = find_ext(exts, n_exts, "2.5.29.16");
	check_present(e, "pkup", "privateKeyUsagePeriod", 0, who, res);
	check_pkup(e, nb, na, res);
	if (e != NULL && (x = decode_ext(e, "PrivateKeyUsagePeriod", "pkup-decode",
	    &scratch)) != NULL) {
		if (clv_der_read_gentime(x, "notBefore", &pb) == 0 &&
		    clv_der_read_gentime(x, "notAfter", &pa) == 0 && pa > pb) {
			if (pa > clv_duration_add(pb, &t->key_usage_period_max))
				finding(res, "pkup-limit", "privateKeyUsagePeriod of %.1f days "
				    "exceeds the template's limit ds.max_usage_period (%dy%dm%dd; "
				    "Doc 9303-12 recommends at most 3 months)",
				    (double)(pa - pb) / DAY, t->key_usage_period_max.years,
				    t->key_usage_period_max.months, t->key_usage_period_max.days);
			if (na && na > clv_duration_add(pa, &t->document_validity))
				finding(res, "validity-document", "the certificate outlives the "
				    "last document its key may sign (privateKeyUsagePeriod end + "
				    "document_validity %dy%dm%dd)", t->document_validity.years,
				    t->document_validity.months, t->document_validity.days);
		}
		clv_der_free(&x);
	}

	e = find_ext(exts, n_exts, OID_DOC_TYPES);
	check_present(e, "doctypes", "documentTypeList", 0, who, res);
	check_doc_types(e, t, res);

	check_alt_names_and_crldp(exts, n_exts, who, res);

	if (find_ext(exts, n_exts, "2.5.29.19") != NULL)
		finding(res, "bc-forbidden", "basicConstraints must not appear in %s certificate "
		    "(Doc 9303-12 Table 6)", who);
	check_ext_lists(exts, n_exts, forbidden_csca_exts, N_OF(forbidden_csca_exts) - 1,
	    forbidden_signer_exts, N_OF(forbidden_signer_exts), OID_DOC_TYPES, who, res);
	r = res->n == 0 ? 0 : CLV_E_LINT;
out:
	free_exts(exts, n_exts);
	clv_pubkey_free(key);
	clv_buf_free(&b);
	clv_buf_free(&b2);
	clv_der_free(&x);
	clv_der_free(&n);
	return r;
}

/* One revokedCertificates entry: a positive serial not listed before, a
 * revocationDate no later than thisUpdate. */
static void
check_crl_entry(asn1_node n, int i, time_t this_update, clv_lint_result_t *res)
{
	clv_buf_t a = { NULL, 0 }, b = { NULL, 0 };
	char p[128];
	time_t when = 0;
	int j;

	snprintf(p, sizeof(p), "revokedCertificates.?%d.userCertificate", i);
	if (clv_der_read(n, p, &a) != 0 || a.len == 0 || (a.data[0] & 0x80)) {
		finding(res, "crl-entry-serial", "entry %d: the serial must be a positive INTEGER", i);
		goto out;
	}
	for (j = 1; j < i; j++) {
		snprintf(p, sizeof(p), "revokedCertificates.?%d.userCertificate", j);
		if (clv_der_read(n, p, &b) == 0 && b.len == a.len &&
		    memcmp(a.data, b.data, a.len) == 0)
			finding(res, "crl-entry-duplicate", "entries %d and %d list the same serial",
			    j, i);
		clv_buf_free(&b);
	}
	snprintf(p, sizeof(p), "revokedCertificates.?%d.revocationDate", i);
	check_time(n, p, "revocationDate", res, &when);
	if (when && this_update && when > this_update)
		finding(res, "crl-entry-date", "entry %d: revocationDate is after thisUpdate", i);
out:
	clv_buf_free(&a);
}

int
clv_lint_crl_tbs(const unsigned char *tbs, size_t len, const clv_duration_t *max_interval,
    const clv_buf_t *issuer_name, const clv_buf_t *issuer_ski, clv_lint_result_t *res)
{
	asn1_node n = NULL, x = NULL;
	clv_buf_t b = { NULL, 0 };
	ext_view_t *exts = NULL;
	size_t n_exts = 0;
	clv_sigalg_t alg;
	clv_duration_t ninety = { 0, 0, 90 };
	char c[3], buf[16];
	long version = 0;
	time_t tu = 0, nu = 0;
	int r = CLV_E_INTERNAL, l;
	const ext_view_t *e;

	if (tbs == NULL || res == NULL)
		return CLV_E_INVALID_ARG;
	memset(res, 0, sizeof(*res));
	if (max_interval == NULL)
		max_interval = &ninety;
	if ((r = clv_der_decode("TBSCertList", tbs, len, &n, "TBSCertList", NULL)) != 0)
		goto out;
	check_der(n, tbs, len, res);
	if (issuer_name != NULL && (clv_der_read_der(n, "issuer", &b) != 0 ||
	    b.len != issuer_name->len || memcmp(b.data, issuer_name->data, b.len) != 0))
		finding(res, "crl-issuer", "issuer is not the subject of the issuing CSCA certificate");
	clv_buf_free(&b);
	if (clv_der_read_int(n, "version", &version) != 0 || version != 1)
		finding(res, "crl-version", "CRL version must be v2");
	if (clv_der_read_der(n, "signature", &b) != 0 ||
	    clv_sigalg_decode(b.data, b.len, &alg, NULL) != 0)
		finding(res, "sigalg", "signature algorithm is not understood");
	else if (alg.hash == CLV_HASH_SHA1)
		finding(res, "sigalg-hash", "SHA-1 is not permitted");
	clv_buf_free(&b);
	check_name(n, "issuer", "issuer", res, c);
	check_time(n, "thisUpdate", "thisUpdate", res, &tu);
	l = sizeof(buf);
	if (asn1_read_value(n, "nextUpdate", buf, &l) == ASN1_ELEMENT_NOT_FOUND ||
	    asn1_read_value(n, "nextUpdate", buf, &l) == ASN1_VALUE_NOT_FOUND) {
		finding(res, "crl-next-update", "nextUpdate is mandatory for a CSCA CRL");
	} else {
		check_time(n, "nextUpdate", "nextUpdate", res, &nu);
		if (tu && nu && nu <= tu)
			finding(res, "crl-next-update-order", "nextUpdate must be after thisUpdate");
		if (tu && nu && nu > clv_duration_add(tu, max_interval))
			finding(res, "crl-next-update-limit",
			    "nextUpdate is %.1f days after thisUpdate; at most %dy%dm%dd "
			    "(Doc 9303-12: a CRL at least every 90 days)",
			    (double)(nu - tu) / DAY, max_interval->years, max_interval->months,
			    max_interval->days);
	}
	{
		int count = 0;
		size_t rs, re;
		if (asn1_number_of_elements(n, "revokedCertificates", &count) != ASN1_SUCCESS)
			count = 0;
		/* present in the bytes but without an entry: RFC 5280 5.1.2.6 */
		if (count == 0 && clv_der_span(n, tbs, len, "revokedCertificates", &rs, &re) == 0)
			finding(res, "crl-empty-revoked",
			    "revokedCertificates must be omitted when empty");
		if (count > 0) {
			int i;
			char p[128];
			for (i = 1; i <= count; i++) {
				snprintf(p, sizeof(p), "revokedCertificates.?%d.crlEntryExtensions", i);
				l = sizeof(buf);
				if (asn1_read_value(n, p, buf, &l) != ASN1_ELEMENT_NOT_FOUND &&
				    asn1_read_value(n, p, buf, &l) != ASN1_VALUE_NOT_FOUND)
					finding(res, "crl-entry-ext",
					    "CRL entry extensions must not be used (entry %d)", i);
				check_crl_entry(n, i, tu, res);
			}
		}
	}
	if ((r = read_exts(n, "crlExtensions", &exts, &n_exts)) != 0)
		goto out;
	check_duplicates(exts, n_exts, res);
	e = find_ext(exts, n_exts, "2.5.29.35");
	if (e == NULL)
		finding(res, "crl-aki-missing", "authorityKeyIdentifier is mandatory");
	else if (e->critical)
		finding(res, "crl-aki-criticality", "authorityKeyIdentifier must be non-critical");
	if (issuer_ski != NULL)
		check_aki_value(e, issuer_ski, "crl-aki-decode", "crl-aki-value", res);
	e = find_ext(exts, n_exts, "2.5.29.20");
	if (e == NULL) {
		finding(res, "crl-number-missing", "cRLNumber is mandatory");
	} else {
		if (e->critical)
			finding(res, "crl-number-criticality", "cRLNumber must be non-critical");
		if ((x = decode_ext(e, "CRLNumber", "crl-number-decode", res)) != NULL) {
			if (clv_der_read(x, "", &b) != 0 || b.len == 0 || b.len > 20 ||
			    (b.data[0] & 0x80))
				finding(res, "crl-number-value",
				    "cRLNumber must be non-negative and at most 20 octets");
			clv_buf_free(&b);
			clv_der_free(&x);
		}
	}
	if (find_ext(exts, n_exts, "2.5.29.27") != NULL)
		finding(res, "crl-delta", "delta CRLs are not used for CSCA CRLs");
	if (find_ext(exts, n_exts, "2.5.29.28") != NULL)
		finding(res, "crl-idp", "issuingDistributionPoint must not be used");
	if (find_ext(exts, n_exts, "2.5.29.46") != NULL)
		finding(res, "crl-freshest", "freshestCRL must not be used");
	r = res->n == 0 ? 0 : CLV_E_LINT;
out:
	free_exts(exts, n_exts);
	clv_buf_free(&b);
	clv_der_free(&x);
	clv_der_free(&n);
	return r;
}
