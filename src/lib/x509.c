/*
 * X.509 certificates as others made them: lenient parsing, verification.
 *
 * The certificate is kept byte for byte; the TBS, names, SPKI and
 * signatureAlgorithm are located in it with asn1_der_decoding_startEnd, never
 * re-encoded, so signatures are checked over exactly what was signed.
 * Leniency is limited to what real ICAO data needs: unknown signature or key
 * algorithms, lower-case country codes, any DirectoryString type.  Malformed
 * DER and trailing bytes are refused.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtasn1.h>

#include "der.h"
#include "verify.h"
#include "x509.h"

#define OID_SKI          "2.5.29.14"
#define OID_KEY_USAGE    "2.5.29.15"
#define OID_PKUP         "2.5.29.16"
#define OID_BASIC_CONS   "2.5.29.19"
#define OID_AKI          "2.5.29.35"
#define OID_NAME_CHANGE  "2.23.136.1.1.6.1"

/* ---- names ---------------------------------------------------------------- */

static const struct {
	const char *oid;
	const char *name;
} attr_names[] = {
	{ "2.5.4.6", "C" },
	{ "2.5.4.8", "ST" },
	{ "2.5.4.7", "L" },
	{ "2.5.4.10", "O" },
	{ "2.5.4.11", "OU" },
	{ "2.5.4.3", "CN" },
	{ "2.5.4.5", "serialNumber" },
	{ "1.2.840.113549.1.9.1", "emailAddress" },
	{ "2.5.4.4", "SN" },
	{ "2.5.4.42", "GN" },
	{ "2.5.4.43", "initials" },
	{ "2.5.4.44", "generationQualifier" },
	{ "2.5.4.12", "title" },
	{ "2.5.4.9", "street" },
	{ "2.5.4.17", "postalCode" },
	{ "2.5.4.46", "dnQualifier" },
	{ "2.5.4.65", "pseudonym" },
	{ "2.5.4.97", "organizationIdentifier" },
	{ "0.9.2342.19200300.100.1.25", "DC" },
	{ "0.9.2342.19200300.100.1.1", "UID" },
};

/* Bounded text output; on overflow the text ends in "..." and overflow is set. */
typedef struct text_out {
	char *p;
	size_t cap, pos;
	int overflow;
} text_out_t;

static void
put_bytes(text_out_t *t, const char *s, size_t n)
{
	if (t->overflow)
		return;
	if (t->pos + n + 1 > t->cap) {
		t->overflow = 1;
		if (t->cap >= 4) {
			size_t keep = t->cap - 4 < t->pos ? t->cap - 4 : t->pos;

			/* do not leave half a UTF-8 sequence before the dots */
			while (keep > 0 && ((unsigned char)t->p[keep] & 0xc0) == 0x80)
				keep--;
			memcpy(t->p + keep, "...", 4);
			t->pos = keep + 3;
		}
		return;
	}
	memcpy(t->p + t->pos, s, n);
	t->pos += n;
	t->p[t->pos] = '\0';
}

static void
put_str(text_out_t *t, const char *s)
{
	put_bytes(t, s, strlen(s));
}

/* One Unicode code point as UTF-8, escaped as RFC 4514 asks where needed. */
static void
put_cp(text_out_t *t, unsigned long cp, int first, int last)
{
	char buf[8];
	size_t n = 0;

	if (cp < 0x20 || cp == 0x7f || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
		if (cp > 0xff)
			cp = 0xfffd;   /* replacement character */
		else {
			snprintf(buf, sizeof(buf), "\\%02X", (unsigned)cp);
			put_str(t, buf);
			return;
		}
	}
	if (cp < 0x80) {
		if (strchr(",+\"\\<>;", (int)cp) != NULL || (first && (cp == '#' || cp == ' ')) ||
		    (last && cp == ' '))
			buf[n++] = '\\';
		buf[n++] = (char)cp;
	} else if (cp < 0x800) {
		buf[n++] = (char)(0xc0 | (cp >> 6));
		buf[n++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		buf[n++] = (char)(0xe0 | (cp >> 12));
		buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[n++] = (char)(0x80 | (cp & 0x3f));
	} else {
		buf[n++] = (char)(0xf0 | (cp >> 18));
		buf[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[n++] = (char)(0x80 | (cp & 0x3f));
	}
	put_bytes(t, buf, n);
}

/* Next code point of a UTF-8 string; invalid sequences give one byte as U+FFFD. */
static unsigned long
utf8_next(const unsigned char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	unsigned long cp;
	size_t n, k;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 1;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3;
		cp = c & 0x07;
	} else {
		(*i)++;
		return 0xfffd;
	}
	if (*i + n >= len) {
		(*i)++;
		return 0xfffd;
	}
	for (k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80) {
			(*i)++;
			return 0xfffd;
		}
		cp = cp << 6 | (s[*i + k] & 0x3f);
	}
	*i += n + 1;
	return cp;
}

/* An attribute value (the DER of the ANY) as text. */
static void
put_value(text_out_t *t, const unsigned char *der, size_t len)
{
	unsigned char cls;
	unsigned long tag;
	int taglen = 0, lenlen = 0;
	long clen;
	const unsigned char *s;
	size_t i, n;
	unsigned long cp;
	char hex[3];

	if (asn1_get_tag_der(der, (int)len, &cls, &taglen, &tag) != ASN1_SUCCESS ||
	    (clen = asn1_get_length_der(der + taglen, (int)len - taglen, &lenlen)) < 0 ||
	    (size_t)taglen + (size_t)lenlen + (size_t)clen != len || cls != ASN1_CLASS_UNIVERSAL)
		goto as_hex;
	s = der + taglen + lenlen;
	n = (size_t)clen;
	switch (tag) {
	case ASN1_TAG_UTF8_STRING:
		for (i = 0; i < n; ) {
			size_t at = i;

			cp = utf8_next(s, n, &i);
			put_cp(t, cp, at == 0, i == n);
		}
		return;
	case ASN1_TAG_PRINTABLE_STRING:
	case ASN1_TAG_IA5_STRING:
	case ASN1_TAG_NUMERIC_STRING:
	case ASN1_TAG_VISIBLE_STRING:
	case ASN1_TAG_TELETEX_STRING:
		/* octets above 0x7f (seen in T.61 fields) read as Latin-1 */
		for (i = 0; i < n; i++)
			put_cp(t, s[i], i == 0, i + 1 == n);
		return;
	case ASN1_TAG_BMP_STRING:
		if (n % 2 != 0)
			goto as_hex;
		for (i = 0; i < n; i += 2) {
			cp = (unsigned long)s[i] << 8 | s[i + 1];
			if (cp >= 0xd800 && cp <= 0xdbff && i + 3 < n) {
				unsigned long lo = (unsigned long)s[i + 2] << 8 | s[i + 3];

				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 2;
				}
			}
			put_cp(t, cp, i == 0, i + 2 >= n);
		}
		return;
	case ASN1_TAG_UNIVERSAL_STRING:
		if (n % 4 != 0)
			goto as_hex;
		for (i = 0; i < n; i += 4) {
			cp = (unsigned long)s[i] << 24 | (unsigned long)s[i + 1] << 16 |
			    (unsigned long)s[i + 2] << 8 | s[i + 3];
			put_cp(t, cp, i == 0, i + 4 == n);
		}
		return;
	default:
		break;
	}
as_hex:
	/* RFC 4514: not a string, so "#" and the hex of the whole DER */
	put_str(t, "#");
	for (i = 0; i < len; i++) {
		snprintf(hex, sizeof(hex), "%02x", der[i]);
		put_str(t, hex);
	}
}

static const char *
attr_short_name(const char *oid)
{
	size_t i;

	for (i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++)
		if (strcmp(attr_names[i].oid, oid) == 0)
			return attr_names[i].name;
	return NULL;
}

/*
 * Walks a decoded Name.  With country != NULL, copies the first countryName
 * value's string octets as encoded (countrylen bytes with the NUL).
 */
static int
name_walk(asn1_node n, text_out_t *t, char *country, size_t countrylen)
{
	int r = CLV_E_INTERNAL, nrdn = 0, nava, ret;
	char path[96], oid[64];
	const char *sn;
	clv_buf_t v = { NULL, 0 };
	int i, j;

	ret = asn1_number_of_elements(n, "rdnSequence", &nrdn);
	if (ret == ASN1_ELEMENT_NOT_FOUND)
		nrdn = 0;
	else if (ret != ASN1_SUCCESS) {
		r = CLV_E_DER;
		goto out;
	}
	for (i = 1; i <= nrdn; i++) {
		snprintf(path, sizeof(path), "rdnSequence.?%d", i);
		if (asn1_number_of_elements(n, path, &nava) != ASN1_SUCCESS || nava < 1) {
			r = CLV_E_DER;
			goto out;
		}
		if (i > 1)
			put_str(t, ",");
		for (j = 1; j <= nava; j++) {
			snprintf(path, sizeof(path), "rdnSequence.?%d.?%d.type", i, j);
			if ((r = clv_der_read_oid(n, path, oid, sizeof(oid))) != 0)
				goto out;
			snprintf(path, sizeof(path), "rdnSequence.?%d.?%d.value", i, j);
			if ((r = clv_der_read(n, path, &v)) != 0)
				goto out;
			if (j > 1)
				put_str(t, "+");
			if ((sn = attr_short_name(oid)) != NULL)
				put_str(t, sn);
			else
				put_str(t, oid);
			put_str(t, "=");
			put_value(t, v.data, v.len);
			if (country != NULL && country[0] == '\0' && strcmp(oid, "2.5.4.6") == 0) {
				unsigned char cls;
				unsigned long tag;
				int taglen = 0, lenlen = 0;
				long clen;
				size_t k;

				if (asn1_get_tag_der(v.data, (int)v.len, &cls, &taglen, &tag) ==
				    ASN1_SUCCESS && (clen = asn1_get_length_der(v.data + taglen,
				    (int)v.len - taglen, &lenlen)) >= 0 &&
				    (size_t)(taglen + lenlen) + (size_t)clen == v.len) {
					for (k = 0; k < (size_t)clen && k + 1 < countrylen; k++) {
						unsigned char ch = v.data[taglen + lenlen + k];

						country[k] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
					}
					country[k] = '\0';
				}
			}
			clv_buf_free(&v);
		}
	}
	r = 0;
out:
	clv_buf_free(&v);
	return r;
}

static int
name_text(const unsigned char *der, size_t len, char *out, size_t outlen, char *country,
    size_t countrylen)
{
	int r = CLV_E_INTERNAL;
	asn1_node n = NULL;
	text_out_t t = { out, outlen, 0, 0 };

	out[0] = '\0';
	if (country != NULL)
		country[0] = '\0';
	if ((r = clv_der_decode("Name", der, len, &n, "Name", NULL)) != 0)
		goto out;
	if ((r = name_walk(n, &t, country, countrylen)) != 0)
		goto out;
	r = t.overflow ? CLV_E_INVALID_ARG : 0;
out:
	clv_der_free(&n);
	return r;
}

int
clv_name_to_text(const unsigned char *der, size_t len, char *out, size_t outlen)
{
	if (der == NULL || out == NULL || outlen == 0)
		return CLV_E_INVALID_ARG;
	return name_text(der, len, out, outlen, NULL, 0);
}

/* ---- extensions ------------------------------------------------------------- */

int
clv_x509_aki_keyid(const unsigned char *der, size_t len, clv_buf_t *keyid)
{
	int r = CLV_E_INTERNAL, ret, vlen = 0;
	asn1_node n = NULL;

	if (der == NULL || keyid == NULL)
		return CLV_E_INVALID_ARG;
	keyid->data = NULL;
	keyid->len = 0;
	if ((r = clv_der_decode("AuthorityKeyIdentifier", der, len, &n,
	    "authorityKeyIdentifier", NULL)) != 0)
		goto out;
	ret = asn1_read_value(n, "keyIdentifier", NULL, &vlen);
	if (ret == ASN1_ELEMENT_NOT_FOUND) {
		r = 0;
		goto out;
	}
	r = clv_der_read(n, "keyIdentifier", keyid);
out:
	clv_der_free(&n);
	return r;
}

int
clv_x509_same_sigalg(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen)
{
	clv_sigalg_t sa, sb;

	if (a == NULL || b == NULL)
		return 0;
	if (alen == blen && memcmp(a, b, alen) == 0)
		return 1;
	/* NULL against absent parameters, or DEFAULT PSS fields written out */
	if (clv_sigalg_decode(a, alen, &sa, NULL) != 0 ||
	    clv_sigalg_decode(b, blen, &sb, NULL) != 0)
		return 0;
	return sa.key == sb.key && sa.hash == sb.hash && sa.pss == sb.pss &&
	    (!sa.pss || (sa.mgf_hash == sb.mgf_hash && sa.salt_len == sb.salt_len));
}

/* Reads a BOOLEAN (DEFAULT FALSE if absent). */
static int
read_bool(asn1_node n, const char *name, int *out)
{
	char v[8];
	int len = sizeof(v) - 1, ret;

	*out = 0;
	ret = asn1_read_value(n, name, v, &len);
	if (ret == ASN1_ELEMENT_NOT_FOUND || ret == ASN1_VALUE_NOT_FOUND)
		return 0;
	if (ret != ASN1_SUCCESS)
		return CLV_E_DER;
	v[len] = '\0';
	if (strcmp(v, "TRUE") == 0)
		*out = 1;
	else if (strcmp(v, "FALSE") != 0)
		return CLV_E_DER;
	return 0;
}

static int
is_present(asn1_node n, const char *name)
{
	int len = 0, ret = asn1_read_value(n, name, NULL, &len);

	return ret != ASN1_ELEMENT_NOT_FOUND && ret != ASN1_VALUE_NOT_FOUND;
}

static int
decode_ski(clv_cert_t *c, const clv_buf_t *v)
{
	int r = CLV_E_INTERNAL;
	asn1_node n = NULL;

	if ((r = clv_der_decode("SubjectKeyIdentifier", v->data, v->len, &n, "SKI",
	    NULL)) != 0)
		goto out;
	if ((r = clv_der_read(n, "", &c->ski)) != 0)
		goto out;
	c->has_ski = 1;
out:
	clv_der_free(&n);
	return r;
}

static int
decode_key_usage(clv_cert_t *c, const clv_buf_t *v)
{
	int r = CLV_E_INTERNAL, bits = 0, i;
	asn1_node n = NULL;
	clv_buf_t b = { NULL, 0 };

	if ((r = clv_der_decode("KeyUsage", v->data, v->len, &n, "keyUsage", NULL)) != 0)
		goto out;
	if ((r = clv_der_read_bits(n, "", &b, &bits)) != 0)
		goto out;
	c->key_usage = 0;
	for (i = 0; i < bits && i < 9; i++)
		if (b.data[i / 8] & (0x80 >> (i % 8)))
			c->key_usage |= 1u << i;
	c->has_key_usage = 1;
out:
	clv_buf_free(&b);
	clv_der_free(&n);
	return r;
}

static int
decode_basic_constraints(clv_cert_t *c, const clv_buf_t *v)
{
	int r = CLV_E_INTERNAL;
	asn1_node n = NULL;
	long pl;

	if ((r = clv_der_decode("BasicConstraints", v->data, v->len, &n,
	    "basicConstraints", NULL)) != 0)
		goto out;
	if ((r = read_bool(n, "cA", &c->is_ca)) != 0)
		goto out;
	c->path_len = -1;
	if (is_present(n, "pathLenConstraint")) {
		if ((r = clv_der_read_int(n, "pathLenConstraint", &pl)) != 0)
			goto out;
		c->path_len = pl > 0x7fffffffL ? 0x7fffffff : (int)pl;
	}
	c->has_basic_constraints = 1;
out:
	clv_der_free(&n);
	return r;
}

static int
decode_pkup(clv_cert_t *c, const clv_buf_t *v)
{
	int r = CLV_E_INTERNAL;
	asn1_node n = NULL;

	if ((r = clv_der_decode("PrivateKeyUsagePeriod", v->data, v->len, &n,
	    "privateKeyUsagePeriod", NULL)) != 0)
		goto out;
	c->pkup_not_before = 0;
	c->pkup_not_after = 0;
	if (is_present(n, "notBefore") &&
	    (r = clv_der_read_gentime(n, "notBefore", &c->pkup_not_before)) != 0)
		goto out;
	if (is_present(n, "notAfter") &&
	    (r = clv_der_read_gentime(n, "notAfter", &c->pkup_not_after)) != 0)
		goto out;
	c->has_pkup = 1;
	r = 0;
out:
	clv_der_free(&n);
	return r;
}

static int
decode_aki(clv_cert_t *c, const clv_buf_t *v)
{
	int r;

	if ((r = clv_x509_aki_keyid(v->data, v->len, &c->aki)) != 0)
		return r;
	c->has_aki = c->aki.data != NULL;
	return 0;
}

/* Forgets what a failed decoder may have half set. */
static void
undecode(clv_cert_t *c, const char *oid)
{
	if (strcmp(oid, OID_SKI) == 0) {
		clv_buf_free(&c->ski);
		c->has_ski = 0;
	} else if (strcmp(oid, OID_AKI) == 0) {
		clv_buf_free(&c->aki);
		c->has_aki = 0;
	} else if (strcmp(oid, OID_PKUP) == 0) {
		c->has_pkup = 0;
		c->pkup_not_before = 0;
		c->pkup_not_after = 0;
	}
}

static int
read_extensions(clv_cert_t *c, asn1_node n, clv_diag_t *diag)
{
	/*
	 * Key identifiers and the usage period only describe the certificate:
	 * a malformed one is left undecoded (has_* 0, the raw value stays in
	 * exts[]), as in the Italian Master List, whose oldest CSCAs carry a
	 * bare SKI without its OCTET STRING.  keyUsage and basicConstraints
	 * restrict it: a malformed one fails the parse.
	 */
	static const struct {
		const char *oid;
		const char *name;
		int (*decode)(clv_cert_t *, const clv_buf_t *);
		int restricts;
	} known[] = {
		{ OID_SKI, "subjectKeyIdentifier", decode_ski, 0 },
		{ OID_AKI, "authorityKeyIdentifier", decode_aki, 0 },
		{ OID_KEY_USAGE, "keyUsage", decode_key_usage, 1 },
		{ OID_BASIC_CONS, "basicConstraints", decode_basic_constraints, 1 },
		{ OID_PKUP, "privateKeyUsagePeriod", decode_pkup, 0 },
	};
	int r = CLV_E_INTERNAL, count = 0, ret;
	char path[96];
	size_t i, j, k;

	ret = asn1_number_of_elements(n, "tbsCertificate.extensions", &count);
	if (ret == ASN1_ELEMENT_NOT_FOUND || count <= 0)
		return 0;
	if (ret != ASN1_SUCCESS)
		return clv_diag_set(diag, CLV_E_DER, "certificate: extensions: %s",
		    asn1_strerror(ret));
	if ((c->exts = calloc((size_t)count, sizeof(*c->exts))) == NULL)
		return CLV_E_NOMEM;
	for (i = 0; i < (size_t)count; i++) {
		clv_ext_t *e = &c->exts[i];

		c->n_exts = i + 1;
		snprintf(path, sizeof(path), "tbsCertificate.extensions.?%zu.extnID", i + 1);
		if (clv_der_read_oid(n, path, e->oid, sizeof(e->oid)) != 0) {
			r = clv_diag_set(diag, CLV_E_DER,
			    "certificate: extension %zu: unreadable extnID", i + 1);
			goto out;
		}
		for (j = 0; j < i; j++)
			if (strcmp(c->exts[j].oid, e->oid) == 0) {
				r = clv_diag_set(diag, CLV_E_DER,
				    "certificate: extension %s appears twice", e->oid);
				goto out;
			}
		snprintf(path, sizeof(path), "tbsCertificate.extensions.?%zu.critical", i + 1);
		if (read_bool(n, path, &e->critical) != 0) {
			r = clv_diag_set(diag, CLV_E_DER,
			    "certificate: extension %s: critical is not a BOOLEAN", e->oid);
			goto out;
		}
		snprintf(path, sizeof(path), "tbsCertificate.extensions.?%zu.extnValue", i + 1);
		if ((r = clv_der_read(n, path, &e->value)) != 0) {
			if (r != CLV_E_NOMEM)
				r = clv_diag_set(diag, CLV_E_DER,
				    "certificate: extension %s: unreadable extnValue", e->oid);
			goto out;
		}
		if (strcmp(e->oid, OID_NAME_CHANGE) == 0)
			c->has_name_change = 1;
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
			if (strcmp(e->oid, known[k].oid) != 0)
				continue;
			if ((r = known[k].decode(c, &e->value)) == 0)
				continue;
			if (r == CLV_E_NOMEM)
				goto out;
			if (known[k].restricts) {
				r = clv_diag_set(diag, CLV_E_DER,
				    "certificate: extension %s (%s): malformed value",
				    known[k].name, e->oid);
				goto out;
			}
			clv_debug("certificate %s: malformed %s left undecoded", c->subject,
			    known[k].name);
			undecode(c, e->oid);
		}
	}
	r = 0;
out:
	return r;
}

/* ---- certificates ------------------------------------------------------------ */

/* The outer TLV must cover the input exactly (no trailing bytes, definite length). */
static int
check_outer_tlv(const unsigned char *der, size_t len, const char *what, clv_diag_t *diag)
{
	unsigned char cls;
	unsigned long tag;
	int taglen = 0, lenlen = 0;
	long clen;
	size_t total;

	if (len < 2 || len > (1u << 30))
		return clv_diag_set(diag, CLV_E_DER, "%s: %zu bytes is not a %s", what, len,
		    what);
	if (asn1_get_tag_der(der, (int)len, &cls, &taglen, &tag) != ASN1_SUCCESS ||
	    der[0] != 0x30)
		return clv_diag_set(diag, CLV_E_DER, "%s: does not start with a SEQUENCE",
		    what);
	clen = asn1_get_length_der(der + taglen, (int)len - taglen, &lenlen);
	if (clen < 0)
		return clv_diag_set(diag, CLV_E_DER,
		    "%s: outer SEQUENCE length is indefinite or exceeds the %zu bytes given",
		    what, len);
	total = (size_t)taglen + (size_t)lenlen + (size_t)clen;
	if (total > len)
		return clv_diag_set(diag, CLV_E_DER, "%s: truncated: %zu of %zu bytes", what,
		    len, total);
	if (total < len)
		return clv_diag_set(diag, CLV_E_DER, "%s: %zu trailing bytes after the %s",
		    what, len - total, what);
	return 0;
}

static int
copy_span(asn1_node n, const clv_buf_t *der, const char *name, clv_buf_t *out)
{
	size_t s = 0, e = 0;
	int r;

	if ((r = clv_der_span(n, der->data, der->len, name, &s, &e)) != 0)
		return r;
	if (e <= s || e > der->len)
		return CLV_E_DER;
	return clv_buf_set(out, der->data + s, e - s);
}

int
clv_cert_parse(const unsigned char *der, size_t len, clv_cert_t **out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL, bits = 0;
	clv_cert_t *c = NULL;
	asn1_node n = NULL;
	long version = 0;
	size_t s, e;
	clv_diag_t kd;

	if (der == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if ((r = check_outer_tlv(der, len, "certificate", diag)) != 0)
		goto out;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	c->path_len = -1;
	if ((r = clv_buf_set(&c->der, der, len)) != 0)
		goto out;
	if ((r = clv_der_decode("Certificate", c->der.data, c->der.len, &n, "certificate",
	    diag)) != 0)
		goto out;

	if ((r = clv_der_span(n, c->der.data, c->der.len, "tbsCertificate", &s, &e)) != 0) {
		r = clv_diag_set(diag, CLV_E_DER, "certificate: cannot locate tbsCertificate");
		goto out;
	}
	c->tbs_off = s;
	c->tbs_len = e - s;

	/* signature algorithm: unknown ones leave sigalg_known at 0 */
	if ((r = copy_span(n, &c->der, "signatureAlgorithm", &c->sigalg_der)) != 0) {
		if (r != CLV_E_NOMEM)
			r = clv_diag_set(diag, CLV_E_DER,
			    "certificate: cannot locate signatureAlgorithm");
		goto out;
	}
	r = clv_sigalg_decode(c->sigalg_der.data, c->sigalg_der.len, &c->sigalg, NULL);
	if (r == CLV_E_NOMEM)
		goto out;
	/* rsaEncryption alone names no hash: not a certificate signature */
	c->sigalg_known = r == 0 && c->sigalg.hash != CLV_HASH_NONE;
	if (!c->sigalg_known)
		clv_debug("certificate signature algorithm not understood: %s",
		    clv_strerror(r));
	if ((r = clv_der_read_bits(n, "signature", &c->signature, &bits)) != 0) {
		if (r != CLV_E_NOMEM)
			r = clv_diag_set(diag, CLV_E_DER, "certificate: unreadable signature");
		goto out;
	}
	/* RFC 5280 4.1.1.2: the signed copy must name the same algorithm */
	if (clv_der_span(n, c->der.data, c->der.len, "tbsCertificate.signature", &s,
	    &e) != 0 || !clv_x509_same_sigalg(c->der.data + s, e - s, c->sigalg_der.data,
	    c->sigalg_der.len)) {
		r = clv_diag_set(diag, CLV_E_DER, "certificate: tbsCertificate.signature "
		    "differs from signatureAlgorithm");
		goto out;
	}

	if ((r = clv_der_read_int(n, "tbsCertificate.version", &version)) != 0 ||
	    version < 0 || version > 2) {
		r = clv_diag_set(diag, CLV_E_DER,
		    "certificate: version: expected v1, v2 or v3");
		goto out;
	}
	c->version = (int)version + 1;
	if ((r = clv_der_read(n, "tbsCertificate.serialNumber", &c->serial)) != 0 ||
	    c->serial.len == 0) {
		if (r != CLV_E_NOMEM)
			r = clv_diag_set(diag, CLV_E_DER, "certificate: unreadable serialNumber");
		goto out;
	}

	/* names, byte for byte, and as text */
	if ((r = copy_span(n, &c->der, "tbsCertificate.issuer", &c->issuer_der)) != 0 ||
	    (r = copy_span(n, &c->der, "tbsCertificate.subject", &c->subject_der)) != 0) {
		if (r != CLV_E_NOMEM)
			r = clv_diag_set(diag, CLV_E_DER, "certificate: cannot locate the names");
		goto out;
	}
	r = name_text(c->issuer_der.data, c->issuer_der.len, c->issuer, sizeof(c->issuer),
	    NULL, 0);
	if (r != 0 && r != CLV_E_INVALID_ARG) {   /* INVALID_ARG: text shortened */
		r = clv_diag_set(diag, CLV_E_DER, "certificate: issuer: malformed Name");
		goto out;
	}
	r = name_text(c->subject_der.data, c->subject_der.len, c->subject,
	    sizeof(c->subject), c->subject_country, sizeof(c->subject_country));
	if (r != 0 && r != CLV_E_INVALID_ARG) {
		r = clv_diag_set(diag, CLV_E_DER, "certificate: subject: malformed Name");
		goto out;
	}

	if (clv_der_read_time(n, "tbsCertificate.validity.notBefore", &c->not_before) != 0) {
		r = clv_diag_set(diag, CLV_E_DER,
		    "certificate: validity.notBefore: expected UTCTime or GeneralizedTime");
		goto out;
	}
	if (clv_der_read_time(n, "tbsCertificate.validity.notAfter", &c->not_after) != 0) {
		r = clv_diag_set(diag, CLV_E_DER,
		    "certificate: validity.notAfter: expected UTCTime or GeneralizedTime");
		goto out;
	}

	/* public key: an algorithm we do not support leaves pubkey NULL */
	if ((r = copy_span(n, &c->der, "tbsCertificate.subjectPublicKeyInfo",
	    &c->spki_der)) != 0) {
		if (r != CLV_E_NOMEM)
			r = clv_diag_set(diag, CLV_E_DER,
			    "certificate: cannot locate subjectPublicKeyInfo");
		goto out;
	}
	clv_diag_clear(&kd);
	r = clv_pubkey_from_spki(c->spki_der.data, c->spki_der.len, &c->pubkey, &kd);
	if (r == CLV_E_UNSUPPORTED_ALG || r == CLV_E_UNSUPPORTED_CURVE) {
		clv_debug("certificate public key not supported: %s", kd.msg);
		c->pubkey = NULL;
	} else if (r != 0) {
		if (r != CLV_E_NOMEM)
			r = clv_diag_set(diag, CLV_E_DER, "certificate: %s",
			    kd.msg[0] ? kd.msg : "malformed subjectPublicKeyInfo");
		goto out;
	}

	if ((r = read_extensions(c, n, diag)) != 0)
		goto out;

	*out = c;
	c = NULL;
	r = 0;
out:
	clv_der_free(&n);
	clv_cert_free(c);
	return r;
}

void
clv_cert_free(clv_cert_t *c)
{
	size_t i;

	if (c == NULL)
		return;
	clv_buf_free(&c->der);
	clv_buf_free(&c->sigalg_der);
	clv_buf_free(&c->signature);
	clv_buf_free(&c->serial);
	clv_buf_free(&c->issuer_der);
	clv_buf_free(&c->subject_der);
	clv_buf_free(&c->spki_der);
	clv_pubkey_free(c->pubkey);
	for (i = 0; i < c->n_exts; i++)
		clv_buf_free(&c->exts[i].value);
	free(c->exts);
	clv_buf_free(&c->ski);
	clv_buf_free(&c->aki);
	free(c);
}

int
clv_cert_verify(const clv_cert_t *cert, const clv_pubkey_t *issuer_key)
{
	if (cert == NULL || issuer_key == NULL)
		return CLV_E_INVALID_ARG;
	if (!cert->sigalg_known)
		return CLV_E_UNSUPPORTED_ALG;
	if (cert->tbs_off + cert->tbs_len > cert->der.len)
		return CLV_E_INTERNAL;
	return clv_verify(issuer_key, &cert->sigalg, cert->der.data + cert->tbs_off,
	    cert->tbs_len, cert->signature.data, cert->signature.len);
}

const clv_ext_t *
clv_cert_ext(const clv_cert_t *c, const char *oid)
{
	size_t i;

	if (c == NULL || oid == NULL)
		return NULL;
	for (i = 0; i < c->n_exts; i++)
		if (strcmp(c->exts[i].oid, oid) == 0)
			return &c->exts[i];
	return NULL;
}

static int
buf_equal(const clv_buf_t *a, const clv_buf_t *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int
clv_cert_is_link(const clv_cert_t *c)
{
	if (c == NULL || !c->has_aki)
		return 0;
	/* CSCA role: a CA certificate or one allowed to sign certificates */
	if (!(c->has_basic_constraints && c->is_ca) &&
	    !(c->has_key_usage && (c->key_usage & CLV_KU_KEY_CERT_SIGN)))
		return 0;
	return !c->has_ski || !buf_equal(&c->aki, &c->ski);
}

int
clv_cert_is_self_signed(const clv_cert_t *c)
{
	if (c == NULL || !buf_equal(&c->issuer_der, &c->subject_der))
		return 0;
	return !c->has_aki || (c->has_ski && buf_equal(&c->aki, &c->ski));
}
