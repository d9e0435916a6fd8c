/*
 * Card Verifiable certificates (BSI TR-03110-3): parse, verify, encode,
 * print and lint CV certificates, requests and authenticated requests.
 *
 * Reading.  Received objects go through the bounded BER-TLV reader below,
 * not through libtasn1: the reader keeps every field as a pointer into the
 * bytes as received, records (and tolerates) the non-minimal lengths real
 * certificates use ("7F21 82 00E7"), refuses indefinite lengths, and names
 * the field and what was expected in every refusal.  libtasn1 4.19 would
 * decode the same objects but reports neither which field is wrong nor
 * that a length was not minimal.
 *
 * Writing.  Everything we emit is encoded by libtasn1 from
 * src/lib/asn1/clv-cvc.asn (minimal lengths, two-octet application tags).
 * The body and the public key are written there as ANY, so the signature
 * covers exactly the bytes that were encoded and linted before signing.
 *
 * Signatures.  ECDSA is plain r||s (TR-03111), each half the octet length
 * of the group order; it is converted to an Ecdsa-Sig-Value only to hand it
 * to clv_verify.  The signed data is the 7F4E TLV as received; the outer
 * signature of an authenticated request covers the inner 7F21 TLV followed
 * by the 42 outer-CAR TLV (docs/standards/eac-cvc.md section 10).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtasn1.h>

#include "cvc.h"
#include "der.h"
#include "util.h"
#include "verify.h"

/* Larger than any CV object (an RSA-4096 certificate is about 1.2 KB). */
#define CVC_MAX_LEN 65536
/* Children of one constructed element we look at. */
#define CVC_MAX_CHILDREN 16

/* id-TA 0.4.0.127.0.7.2.2.2, id-roles 0.4.0.127.0.7.3.1.2,
 * id-extensions 0.4.0.127.0.7.3.1.3 (DER contents, without tag and length). */
static const unsigned char oid_ta[] = { 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02, 0x02, 0x02 };
static const unsigned char oid_roles[] = { 0x04, 0x00, 0x7f, 0x00, 0x07, 0x03, 0x01, 0x02 };
static const unsigned char oid_exts[] = { 0x04, 0x00, 0x7f, 0x00, 0x07, 0x03, 0x01, 0x03 };

static const struct {
	clv_cvc_alg_t alg;
	unsigned char arc1, arc2;       /* id-TA . arc1 . arc2 */
	const char *name;
	const char *dotted;
	clv_key_type_t key;
	clv_hash_alg_t hash;
	int pss;
} alg_table[] = {
	{ CLV_CVC_RSA_V15_SHA1, 1, 1, "id-TA-RSA-v1-5-SHA-1", "0.4.0.127.0.7.2.2.2.1.1",
	    CLV_KEY_RSA, CLV_HASH_SHA1, 0 },
	{ CLV_CVC_RSA_V15_SHA256, 1, 2, "id-TA-RSA-v1-5-SHA-256", "0.4.0.127.0.7.2.2.2.1.2",
	    CLV_KEY_RSA, CLV_HASH_SHA256, 0 },
	{ CLV_CVC_RSA_PSS_SHA1, 1, 3, "id-TA-RSA-PSS-SHA-1", "0.4.0.127.0.7.2.2.2.1.3",
	    CLV_KEY_RSA, CLV_HASH_SHA1, 1 },
	{ CLV_CVC_RSA_PSS_SHA256, 1, 4, "id-TA-RSA-PSS-SHA-256", "0.4.0.127.0.7.2.2.2.1.4",
	    CLV_KEY_RSA, CLV_HASH_SHA256, 1 },
	{ CLV_CVC_RSA_V15_SHA512, 1, 5, "id-TA-RSA-v1-5-SHA-512", "0.4.0.127.0.7.2.2.2.1.5",
	    CLV_KEY_RSA, CLV_HASH_SHA512, 0 },
	{ CLV_CVC_RSA_PSS_SHA512, 1, 6, "id-TA-RSA-PSS-SHA-512", "0.4.0.127.0.7.2.2.2.1.6",
	    CLV_KEY_RSA, CLV_HASH_SHA512, 1 },
	{ CLV_CVC_ECDSA_SHA1, 2, 1, "id-TA-ECDSA-SHA-1", "0.4.0.127.0.7.2.2.2.2.1",
	    CLV_KEY_EC, CLV_HASH_SHA1, 0 },
	{ CLV_CVC_ECDSA_SHA224, 2, 2, "id-TA-ECDSA-SHA-224", "0.4.0.127.0.7.2.2.2.2.2",
	    CLV_KEY_EC, CLV_HASH_SHA224, 0 },
	{ CLV_CVC_ECDSA_SHA256, 2, 3, "id-TA-ECDSA-SHA-256", "0.4.0.127.0.7.2.2.2.2.3",
	    CLV_KEY_EC, CLV_HASH_SHA256, 0 },
	{ CLV_CVC_ECDSA_SHA384, 2, 4, "id-TA-ECDSA-SHA-384", "0.4.0.127.0.7.2.2.2.2.4",
	    CLV_KEY_EC, CLV_HASH_SHA384, 0 },
	{ CLV_CVC_ECDSA_SHA512, 2, 5, "id-TA-ECDSA-SHA-512", "0.4.0.127.0.7.2.2.2.2.5",
	    CLV_KEY_EC, CLV_HASH_SHA512, 0 },
};
#define NALGS (sizeof(alg_table) / sizeof(alg_table[0]))

static const char *role_oids[] = {
	NULL,
	"0.4.0.127.0.7.3.1.2.1",        /* id-IS */
	"0.4.0.127.0.7.3.1.2.2",        /* id-AT */
	"0.4.0.127.0.7.3.1.2.3",        /* id-ST */
};

/* ---- small helpers ------------------------------------------------------- */

/* Octets of an unsigned big-endian value without its leading zeros (0 for zero). */
static size_t
mag_len(const unsigned char *p, size_t len)
{
	while (len > 0 && p[0] == 0) {
		p++;
		len--;
	}
	return len;
}

/* Dotted form of DER OID contents; "(invalid)" when they are not an OID. */
static void
oid_dotted(const unsigned char *p, size_t len, char *out, size_t outlen)
{
	unsigned long v = 0;
	size_t i, used = 0;
	int first = 1, n;

	out[0] = '\0';
	if (len == 0 || (p[len - 1] & 0x80) != 0)
		goto bad;
	for (i = 0; i < len; i++) {
		if (v == 0 && p[i] == 0x80)
			goto bad;               /* non-minimal arc */
		if (v > (~0UL >> 7))
			goto bad;
		v = (v << 7) | (p[i] & 0x7f);
		if (p[i] & 0x80)
			continue;
		if (first)
			n = snprintf(out + used, outlen - used, "%lu.%lu",
			    v < 80 ? v / 40 : 2, v < 80 ? v % 40 : v - 80);
		else
			n = snprintf(out + used, outlen - used, ".%lu", v);
		if (n < 0 || (size_t)n >= outlen - used)
			goto bad;
		used += (size_t)n;
		first = 0;
		v = 0;
	}
	return;
bad:
	snprintf(out, outlen, "(invalid)");
}

static int
alg_index(clv_cvc_alg_t alg)
{
	size_t i;

	for (i = 0; i < NALGS; i++)
		if (alg_table[i].alg == alg)
			return (int)i;
	return -1;
}

const char *
clv_cvc_alg_name(clv_cvc_alg_t alg)
{
	int i = alg_index(alg);

	return i < 0 ? NULL : alg_table[i].name;
}

int
clv_cvc_alg_sigalg(clv_cvc_alg_t alg, clv_sigalg_t *out)
{
	int i;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	if ((i = alg_index(alg)) < 0)
		return CLV_E_UNSUPPORTED_ALG;
	out->key = alg_table[i].key;
	out->hash = alg_table[i].hash;
	out->pss = alg_table[i].pss;
	if (out->pss) {
		/* TR-03110-3 A.6.4 refers to PKCS#1 with MGF1 on the same hash;
		 * salt = hash length [unconfirmed: no PSS vector exists]. */
		out->mgf_hash = out->hash;
		out->salt_len = (unsigned)clv_hash_len(out->hash);
	}
	return 0;
}

clv_cvc_alg_t
clv_cvc_alg_for(clv_key_type_t key, clv_hash_alg_t hash, int pss)
{
	size_t i;

	for (i = 0; i < NALGS; i++)
		if (alg_table[i].key == key && alg_table[i].hash == hash &&
		    alg_table[i].pss == (key == CLV_KEY_RSA && pss))
			return alg_table[i].alg;
	return CLV_CVC_ALG_NONE;
}

static clv_cvc_alg_t
alg_by_oid(clv_cvc_bytes_t oid)
{
	size_t i;

	if (oid.len != sizeof(oid_ta) + 2 || memcmp(oid.p, oid_ta, sizeof(oid_ta)) != 0)
		return CLV_CVC_ALG_NONE;
	for (i = 0; i < NALGS; i++)
		if (oid.p[sizeof(oid_ta)] == alg_table[i].arc1 &&
		    oid.p[sizeof(oid_ta) + 1] == alg_table[i].arc2)
			return alg_table[i].alg;
	return CLV_CVC_ALG_NONE;
}

static clv_cvc_terminal_t
terminal_by_oid(clv_cvc_bytes_t oid)
{
	if (oid.len != sizeof(oid_roles) + 1 ||
	    memcmp(oid.p, oid_roles, sizeof(oid_roles)) != 0)
		return CLV_CVC_TERM_NONE;
	switch (oid.p[sizeof(oid_roles)]) {
	case 1:  return CLV_CVC_TERM_IS;
	case 2:  return CLV_CVC_TERM_AT;
	case 3:  return CLV_CVC_TERM_ST;
	default: return CLV_CVC_TERM_NONE;
	}
}

static size_t
auth_len_for(clv_cvc_terminal_t type)
{
	return type == CLV_CVC_TERM_AT ? 5 : type == CLV_CVC_TERM_NONE ? 0 : 1;
}

/* ---- dates ------------------------------------------------------------------ */

static int
days_in_month(int year, int month)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (month < 1 || month > 12)
		return 0;
	return dim[month - 1] + (month == 2 && leap);
}

int
clv_cvc_date_is_valid(const clv_cvc_date_t *d)
{
	return d != NULL && d->year >= 2000 && d->year <= 2099 &&
	    d->month >= 1 && d->month <= 12 &&
	    d->day >= 1 && d->day <= days_in_month(d->year, d->month);
}

int
clv_cvc_date_cmp(const clv_cvc_date_t *a, const clv_cvc_date_t *b)
{
	long x = a->year * 10000L + a->month * 100L + a->day;
	long y = b->year * 10000L + b->month * 100L + b->day;

	return x < y ? -1 : x > y;
}

time_t
clv_cvc_date_time(const clv_cvc_date_t *d)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = d->year - 1900;
	tm.tm_mon = d->month - 1;
	tm.tm_mday = d->day;
	return timegm(&tm);
}

void
clv_cvc_date_from_time(time_t t, clv_cvc_date_t *out)
{
	struct tm tm;

	memset(out, 0, sizeof(*out));
	if (gmtime_r(&t, &tm) == NULL)
		return;
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
}

/* Why 6 octets are not an unpacked-BCD YYMMDD date (NULL when they are). */
static const char *
date_problem(const unsigned char *p, size_t len, clv_cvc_date_t *d, char *buf,
    size_t buflen)
{
	size_t i;

	if (len != 6) {
		snprintf(buf, buflen, "%zu octets, expected 6 (unpacked BCD YYMMDD)", len);
		return buf;
	}
	for (i = 0; i < 6; i++) {
		if (p[i] > 9) {
			snprintf(buf, buflen, "digit 0x%02X at offset %zu, expected 0..9",
			    p[i], i);
			return buf;
		}
	}
	d->year = 2000 + p[0] * 10 + p[1];
	d->month = p[2] * 10 + p[3];
	d->day = p[4] * 10 + p[5];
	if (d->month < 1 || d->month > 12) {
		snprintf(buf, buflen, "month %02d, expected 01..12", d->month);
		return buf;
	}
	if (d->day < 1 || d->day > days_in_month(d->year, d->month)) {
		snprintf(buf, buflen, "day %02d, expected 01..%02d for %04d-%02d", d->day,
		    days_in_month(d->year, d->month), d->year, d->month);
		return buf;
	}
	return NULL;
}

/* ---- certificate references --------------------------------------------------- */

static int
is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Why bytes are not a CAR/CHR (NULL when they are): 7..16 characters,
 * country code A-Z A-Z, a mnemonic of ISO/IEC 8859-1 characters and a
 * sequence number of 5 characters A-Z 0-9 (TR-03110-3 A.6.1; OpenPACE
 * is_chr()).
 */
static const char *
ref_problem(const unsigned char *p, size_t len, char *buf, size_t buflen)
{
	size_t i;

	if (len < 7 || len > CLV_CVC_REF_MAX) {
		snprintf(buf, buflen, "%zu characters, expected 7..16 (country code, "
		    "holder mnemonic, 5-character sequence number)", len);
		return buf;
	}
	for (i = 0; i < len; i++) {
		if (p[i] < 0x20 || (p[i] >= 0x7f && p[i] <= 0x9f)) {
			snprintf(buf, buflen, "control character 0x%02X at offset %zu",
			    p[i], i);
			return buf;
		}
	}
	if (!is_upper(p[0]) || !is_upper(p[1])) {
		snprintf(buf, buflen, "country code \"%c%c\", expected two letters A-Z",
		    p[0], p[1]);
		return buf;
	}
	for (i = len - 5; i < len; i++) {
		if (!is_upper(p[i]) && !is_digit(p[i])) {
			snprintf(buf, buflen, "sequence number \"%.5s\", expected 5 "
			    "characters A-Z or 0-9", (const char *)p + len - 5);
			return buf;
		}
	}
	return NULL;
}

/* ---- the bounded TLV reader ----------------------------------------------------- */

typedef struct tlv {
	unsigned tag;                   /* one or two octets: 0x42, 0x7F21 */
	size_t off;                     /* of the tag, from the start of the object */
	size_t hdr;                     /* tag and length octets */
	size_t len;                     /* content octets */
	const unsigned char *v;
} tlv_t;

typedef struct reader {
	const unsigned char *base;
	const char *what;               /* the input's name */
	const char *kind;               /* "CV certificate", ... */
	clv_diag_t *diag;
	long nonmin;                    /* first non-minimal length, or -1 */
} reader_t;

static int
bad(reader_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
bad(reader_t *r, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return clv_diag_set(r->diag, CLV_E_FORMAT, "%s: %s: %s", r->what, r->kind, msg);
}

static clv_cvc_bytes_t
tlv_bytes(const reader_t *r, const tlv_t *t)
{
	clv_cvc_bytes_t b = { r->base + t->off, t->hdr + t->len };

	return b;
}

static clv_cvc_bytes_t
tlv_value(const tlv_t *t)
{
	clv_cvc_bytes_t b = { t->v, t->len };

	return b;
}

/*
 * One TLV at [pos, end) of r->base.  Tags of one or two octets; lengths in
 * short form or 81..84 followed by 1..4 octets (ISO/IEC 7816-4), the
 * non-minimal ones recorded; the indefinite form is refused.  in names the
 * enclosing element for the diagnostic.
 */
static int
tlv_read(reader_t *r, size_t pos, size_t end, const char *in, tlv_t *t)
{
	const unsigned char *b = r->base;
	size_t p = pos, n, i, len;

	memset(t, 0, sizeof(*t));
	t->off = pos;
	if (p >= end)
		return bad(r, "%s: element expected at offset %zu, input ends", in, pos);
	t->tag = b[p++];
	if ((t->tag & 0x1f) == 0x1f) {
		if (p >= end)
			return bad(r, "%s: tag at offset %zu is truncated", in, pos);
		if ((b[p] & 0x80) != 0 || b[p] < 0x1f)
			return bad(r, "%s: tag %02X%02X at offset %zu is not a two-octet "
			    "tag", in, b[pos], b[p], pos);
		t->tag = (t->tag << 8) | b[p++];
	}
	if (p >= end)
		return bad(r, "%s: length of the element at offset %zu is missing", in, pos);
	if (b[p] < 0x80) {
		len = b[p++];
	} else if (b[p] == 0x80) {
		return bad(r, "%s: element %X at offset %zu has an indefinite length; "
		    "expected a definite length", in, t->tag, pos);
	} else {
		n = b[p++] & 0x7f;
		if (n > 4)
			return bad(r, "%s: element %X at offset %zu has %zu length octets, "
			    "expected at most 4", in, t->tag, pos, n);
		if (end - p < n)
			return bad(r, "%s: length of element %X at offset %zu is truncated",
			    in, t->tag, pos);
		for (len = 0, i = 0; i < n; i++)
			len = (len << 8) | b[p++];
		if (len < (n == 1 ? 0x80u : 1u << (8 * (n - 1))) && r->nonmin < 0)
			r->nonmin = (long)pos;
	}
	if (end - p < len)
		return bad(r, "%s: element %X at offset %zu has length %zu, only %zu "
		    "octets remain", in, t->tag, pos, len, end - p);
	t->hdr = p - pos;
	t->len = len;
	t->v = b + p;
	return 0;
}

/* The children of constructed t, all of them (at most max). */
static int
tlv_children(reader_t *r, const tlv_t *t, const char *in, tlv_t *kids, size_t max,
    size_t *n)
{
	size_t pos = (size_t)(t->v - r->base), end = pos + t->len;
	int ret;

	*n = 0;
	while (pos < end) {
		if (*n >= max)
			return bad(r, "%s: more than %zu elements", in, max);
		if ((ret = tlv_read(r, pos, end, in, &kids[*n])) != 0)
			return ret;
		pos += kids[*n].hdr + kids[*n].len;
		(*n)++;
	}
	return 0;
}

/* Element names for the diagnostics. */
static const char *
tag_name(unsigned tag)
{
	switch (tag) {
	case 0x7F21: return "7F21 CV certificate";
	case 0x7F4E: return "7F4E certificate body";
	case 0x5F29: return "5F29 profile identifier";
	case 0x42:   return "42 CAR";
	case 0x7F49: return "7F49 public key";
	case 0x5F20: return "5F20 CHR";
	case 0x7F4C: return "7F4C CHAT";
	case 0x5F25: return "5F25 effective date";
	case 0x5F24: return "5F24 expiration date";
	case 0x65:   return "65 certificate extensions";
	case 0x5F37: return "5F37 signature";
	case 0x67:   return "67 authenticated request";
	case 0x06:   return "06 object identifier";
	case 0x53:   return "53 relative authorization";
	case 0x73:   return "73 discretionary data template";
	default:     return "unknown element";
	}
}

/* ---- parsing ------------------------------------------------------------------- */

static int
parse_ref(reader_t *r, const tlv_t *t, const char *name, char out[CLV_CVC_REF_MAX + 1])
{
	char why[160];

	if (ref_problem(t->v, t->len, why, sizeof(why)) != NULL)
		return bad(r, "%s: %s", name, why);
	memcpy(out, t->v, t->len);
	out[t->len] = '\0';
	return 0;
}

static int
parse_date(reader_t *r, const tlv_t *t, clv_cvc_date_t *d)
{
	char why[160];

	if (date_problem(t->v, t->len, d, why, sizeof(why)) != NULL)
		return bad(r, "%s: %s", tag_name(t->tag), why);
	return 0;
}

/* An uncompressed point of the right length (field_bytes 0: any). */
static int
check_point(reader_t *r, const char *name, clv_cvc_bytes_t pt, size_t field_bytes)
{
	if (pt.len < 3 || pt.len % 2 == 0 || pt.p[0] != 0x04)
		return bad(r, "7F49 public key: %s: %zu octets starting 0x%02X, expected an "
		    "uncompressed point 04||X||Y", name, pt.len, pt.p[0]);
	if (field_bytes != 0 && pt.len != 2 * field_bytes + 1)
		return bad(r, "7F49 public key: %s: %zu octets, expected %zu for a "
		    "%zu-octet prime", name, pt.len, 2 * field_bytes + 1, field_bytes);
	return 0;
}

static int
parse_key(reader_t *r, const tlv_t *t, clv_cvc_key_t *k)
{
	static const char *ec_names[8] = { NULL, "81 prime p", "82 coefficient a",
	    "83 coefficient b", "84 base point G", "85 order n", "86 public point Y",
	    "87 cofactor f" };
	static const char *rsa_names[3] = { NULL, "81 modulus n", "82 exponent e" };
	tlv_t kids[CVC_MAX_CHILDREN];
	char dotted[96];
	size_t n, i, ndom = 0;
	unsigned prev = 0, idx;
	int ret;

	memset(k, 0, sizeof(*k));
	k->tlv = tlv_bytes(r, t);
	if ((ret = tlv_children(r, t, "7F49 public key", kids, CVC_MAX_CHILDREN, &n)) != 0)
		return ret;
	if (n == 0 || kids[0].tag != 0x06)
		return bad(r, "7F49 public key: first element %X, expected 06 (the "
		    "algorithm OID)", n ? kids[0].tag : 0);
	k->oid = tlv_value(&kids[0]);
	if ((k->alg = alg_by_oid(k->oid)) == CLV_CVC_ALG_NONE) {
		oid_dotted(k->oid.p, k->oid.len, dotted, sizeof(dotted));
		return bad(r, "7F49 public key: OID %s is not an id-TA algorithm "
		    "(0.4.0.127.0.7.2.2.2.1.x RSA, .2.x ECDSA)", dotted);
	}
	k->type = alg_table[alg_index(k->alg)].key;
	for (i = 1; i < n; i++) {
		if (kids[i].tag < 0x81 || kids[i].tag > 0x87 ||
		    (k->type == CLV_KEY_RSA && kids[i].tag > 0x82))
			return bad(r, "7F49 public key: element %X at offset %zu, expected "
			    "%s", kids[i].tag, kids[i].off, k->type == CLV_KEY_RSA ?
			    "81 modulus or 82 exponent" : "81..87");
		if (kids[i].tag <= prev)
			return bad(r, "7F49 public key: element %X at offset %zu is out of "
			    "order or repeated", kids[i].tag, kids[i].off);
		if (kids[i].len == 0)
			return bad(r, "7F49 public key: element %X at offset %zu is empty",
			    kids[i].tag, kids[i].off);
		prev = kids[i].tag;
		idx = kids[i].tag & 0x0f;
		k->obj[idx] = tlv_value(&kids[i]);
		if (idx != CLV_CVC_EC_Y)
			ndom++;
	}
	if (k->type == CLV_KEY_RSA) {
		for (i = CLV_CVC_RSA_N; i <= CLV_CVC_RSA_E; i++) {
			if (k->obj[i].p == NULL)
				return bad(r, "7F49 public key: %s is missing", rsa_names[i]);
			if (mag_len(k->obj[i].p, k->obj[i].len) == 0)
				return bad(r, "7F49 public key: %s is zero", rsa_names[i]);
		}
		return 0;
	}
	if (k->obj[CLV_CVC_EC_Y].p == NULL)
		return bad(r, "7F49 public key: 86 public point Y is missing");
	if (ndom != 0 && ndom != 6) {
		for (i = 1; i < 8; i++)
			if (i != CLV_CVC_EC_Y && k->obj[i].p == NULL)
				break;
		return bad(r, "7F49 public key: partial domain parameters, %s is "
		    "missing; expected all of 81..85 and 87 or none", ec_names[i]);
	}
	k->has_domain = ndom == 6;
	n = k->has_domain ? mag_len(k->obj[CLV_CVC_EC_P].p, k->obj[CLV_CVC_EC_P].len) : 0;
	if (k->has_domain && (n == 0 || n > 128))
		return bad(r, "7F49 public key: 81 prime p of %zu octets", n);
	if (k->has_domain &&
	    (ret = check_point(r, ec_names[CLV_CVC_EC_G], k->obj[CLV_CVC_EC_G], n)) != 0)
		return ret;
	return check_point(r, ec_names[CLV_CVC_EC_Y], k->obj[CLV_CVC_EC_Y], n);
}

static int
parse_chat(reader_t *r, const tlv_t *t, clv_cvc_chat_t *ch)
{
	tlv_t kids[CVC_MAX_CHILDREN];
	char dotted[96];
	size_t n;
	int ret;

	ch->tlv = tlv_bytes(r, t);
	if ((ret = tlv_children(r, t, "7F4C CHAT", kids, CVC_MAX_CHILDREN, &n)) != 0)
		return ret;
	if (n != 2 || kids[0].tag != 0x06 || kids[1].tag != 0x53)
		return bad(r, "7F4C CHAT: expected 06 role OID and 53 relative "
		    "authorization, nothing else");
	ch->oid = tlv_value(&kids[0]);
	if ((ch->type = terminal_by_oid(ch->oid)) == CLV_CVC_TERM_NONE) {
		oid_dotted(ch->oid.p, ch->oid.len, dotted, sizeof(dotted));
		return bad(r, "7F4C CHAT: role OID %s, expected id-IS, id-AT or id-ST "
		    "(0.4.0.127.0.7.3.1.2.1..3)", dotted);
	}
	if (kids[1].len != auth_len_for(ch->type))
		return bad(r, "7F4C CHAT: 53 relative authorization of %zu octets, expected "
		    "%zu for %s", kids[1].len, auth_len_for(ch->type),
		    clv_cvc_terminal_name(ch->type));
	memcpy(ch->auth, kids[1].v, kids[1].len);
	ch->auth_len = kids[1].len;
	ch->role = (clv_cvc_role_t)(ch->auth[0] >> 6);
	return 0;
}

static int
parse_extensions(reader_t *r, const tlv_t *t, clv_cvc_t *c)
{
	tlv_t kids[CLV_CVC_EXT_MAX], inner[CVC_MAX_CHILDREN];
	size_t n, m, i;
	int ret;

	c->ext_tlv = tlv_bytes(r, t);
	c->ext_value = tlv_value(t);
	if ((ret = tlv_children(r, t, "65 certificate extensions", kids, CLV_CVC_EXT_MAX,
	    &n)) != 0)
		return ret;
	if (n == 0)
		return bad(r, "65 certificate extensions: empty, expected at least one "
		    "73 template");
	for (i = 0; i < n; i++) {
		if (kids[i].tag != 0x73)
			return bad(r, "65 certificate extensions: element %X at offset %zu, "
			    "expected 73 (discretionary data template)", kids[i].tag,
			    kids[i].off);
		/* The template's content is profile-specific: the TLVs after the
		 * OID are kept raw, only their framing is checked. */
		if ((ret = tlv_children(r, &kids[i], "73 discretionary data template",
		    inner, CVC_MAX_CHILDREN, &m)) != 0)
			return ret;
		if (m == 0 || inner[0].tag != 0x06 || inner[0].len == 0)
			return bad(r, "73 discretionary data template at offset %zu: expected "
			    "06 OID first", kids[i].off);
		c->ext[i].tlv = tlv_bytes(r, &kids[i]);
		c->ext[i].oid = tlv_value(&inner[0]);
		c->ext[i].data.p = inner[0].v + inner[0].len;
		c->ext[i].data.len = kids[i].len - inner[0].hdr - inner[0].len;
	}
	c->n_ext = n;
	return 0;
}

/* Presence of the body's elements: m(andatory), o(ptional), a(bsent). */
static const struct {
	unsigned tag;
	char cert, req;
} body_layout[] = {
	{ 0x5F29, 'm', 'm' },
	{ 0x42,   'm', 'o' },
	{ 0x7F49, 'm', 'm' },
	{ 0x5F20, 'm', 'm' },
	{ 0x7F4C, 'm', 'a' },
	{ 0x5F25, 'm', 'a' },
	{ 0x5F24, 'm', 'a' },
	{ 0x65,   'o', 'o' },
};
#define NLAYOUT (sizeof(body_layout) / sizeof(body_layout[0]))

static int
parse_body(reader_t *r, const tlv_t *body, clv_cvc_t *c)
{
	tlv_t kids[CVC_MAX_CHILDREN];
	size_t n, i = 0, j;
	char want;
	int ret, is_cert = c->kind == CLV_CVC_CERT;
	char why[160];

	if ((ret = tlv_children(r, body, "7F4E certificate body", kids, CVC_MAX_CHILDREN,
	    &n)) != 0)
		return ret;
	for (j = 0; j < NLAYOUT; j++) {
		want = is_cert ? body_layout[j].cert : body_layout[j].req;
		if (i < n && kids[i].tag == body_layout[j].tag && want != 'a') {
			i++;
			continue;
		}
		if (want == 'm')
			return bad(r, "7F4E certificate body: %s is missing%s%s", tag_name(
			    body_layout[j].tag), i < n ? "; found " : "",
			    i < n ? tag_name(kids[i].tag) : "");
	}
	if (i < n) {
		if (!is_cert && (kids[i].tag == 0x5F25 || kids[i].tag == 0x5F24))
			return bad(r, "7F4E certificate body: %s at offset %zu in a request "
			    "(no 7F4C CHAT); a certificate needs a CHAT, a request has no "
			    "dates", tag_name(kids[i].tag), kids[i].off);
		return bad(r, "7F4E certificate body: element %X (%s) at offset %zu is "
		    "out of order, repeated or not allowed here", kids[i].tag,
		    tag_name(kids[i].tag), kids[i].off);
	}
	/* The order is now known to be TR-03110's: read the fields. */
	for (i = 0; i < n; i++) {
		switch (kids[i].tag) {
		case 0x5F29:
			if (kids[i].len != 1 || kids[i].v[0] != 0)
				return bad(r, "5F29 profile identifier: %s, expected 00 "
				    "(version 1)", kids[i].len == 1 ? "value not 00" :
				    "not one octet");
			c->cpi = 0;
			break;
		case 0x42:
			if ((ret = parse_ref(r, &kids[i], "42 CAR", c->car)) != 0)
				return ret;
			c->has_car = 1;
			break;
		case 0x7F49:
			if ((ret = parse_key(r, &kids[i], &c->key)) != 0)
				return ret;
			break;
		case 0x5F20:
			if ((ret = parse_ref(r, &kids[i], "5F20 CHR", c->chr)) != 0)
				return ret;
			break;
		case 0x7F4C:
			if ((ret = parse_chat(r, &kids[i], &c->chat)) != 0)
				return ret;
			c->has_chat = 1;
			break;
		case 0x5F25:
			if ((ret = parse_date(r, &kids[i], &c->ced)) != 0)
				return ret;
			break;
		case 0x5F24:
			if ((ret = parse_date(r, &kids[i], &c->cxd)) != 0)
				return ret;
			break;
		case 0x65:
			if ((ret = parse_extensions(r, &kids[i], c)) != 0)
				return ret;
			break;
		default:
			return CLV_E_INTERNAL;
		}
	}
	if (is_cert && clv_cvc_date_cmp(&c->cxd, &c->ced) < 0) {
		snprintf(why, sizeof(why), "%04d-%02d-%02d is before the 5F25 effective "
		    "date %04d-%02d-%02d", c->cxd.year, c->cxd.month, c->cxd.day,
		    c->ced.year, c->ced.month, c->ced.day);
		return bad(r, "5F24 expiration date: %s", why);
	}
	return 0;
}

/* Does the 7F4E body t contain a CHAT?  Decides certificate or request
 * before the body is read (errors are reported by the real read). */
static int
body_has_chat(reader_t *r, const tlv_t *body)
{
	tlv_t kids[CVC_MAX_CHILDREN];
	reader_t quiet = *r;
	size_t n, i;

	quiet.diag = NULL;
	if (tlv_children(&quiet, body, "", kids, CVC_MAX_CHILDREN, &n) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (kids[i].tag == 0x7F4C)
			return 1;
	return 0;
}

/* 7F21 { 7F4E, 5F37 }: a certificate, or the request of an authenticated request. */
static int
parse_7f21(reader_t *r, const tlv_t *t, clv_cvc_t *c)
{
	tlv_t kids[3];
	size_t n;
	int ret;

	c->cert = tlv_bytes(r, t);
	if ((ret = tlv_children(r, t, "7F21", kids, 3, &n)) != 0)
		return ret;
	if (n < 1 || kids[0].tag != 0x7F4E)
		return bad(r, "7F21: first element %X, expected 7F4E (certificate body)",
		    n ? kids[0].tag : 0);
	if (n < 2 || kids[1].tag != 0x5F37)
		return bad(r, "7F21: %s, expected 5F37 (signature) after the body",
		    n < 2 ? "nothing" : tag_name(kids[1].tag));
	if (n > 2)
		return bad(r, "7F21: element %X at offset %zu after the signature",
		    kids[2].tag, kids[2].off);
	if (c->kind != CLV_CVC_AUTH_REQUEST) {
		c->kind = body_has_chat(r, &kids[0]) ? CLV_CVC_CERT : CLV_CVC_REQUEST;
		r->kind = c->kind == CLV_CVC_CERT ? "CV certificate" : "CV request";
	} else if (body_has_chat(r, &kids[0])) {
		return bad(r, "the inner 7F21 carries a 7F4C CHAT: a certificate, "
		    "expected a request");
	}
	c->body = tlv_bytes(r, &kids[0]);
	if (kids[1].len == 0)
		return bad(r, "5F37 signature is empty");
	c->sig = tlv_value(&kids[1]);
	return parse_body(r, &kids[0], c);
}

static int
parse_auth(reader_t *r, const tlv_t *t, clv_cvc_t *c)
{
	tlv_t kids[4];
	size_t n;
	int ret;

	if ((ret = tlv_children(r, t, "67", kids, 4, &n)) != 0)
		return ret;
	if (n != 3 || kids[0].tag != 0x7F21 || kids[1].tag != 0x42 ||
	    kids[2].tag != 0x5F37)
		return bad(r, "67: expected 7F21 (the request), 42 (outer CAR) and 5F37 "
		    "(outer signature), nothing else");
	if ((ret = parse_7f21(r, &kids[0], c)) != 0)
		return ret;
	r->kind = "authenticated CV request";
	if ((ret = parse_ref(r, &kids[1], "outer 42 CAR", c->outer_car)) != 0)
		return ret;
	if (kids[2].len == 0)
		return bad(r, "outer 5F37 signature is empty");
	c->outer_tbs.p = r->base + kids[0].off;
	c->outer_tbs.len = kids[1].off + kids[1].hdr + kids[1].len - kids[0].off;
	c->outer_sig = tlv_value(&kids[2]);
	return 0;
}

int
clv_cvc_parse(const unsigned char *der, size_t len, const char *what, clv_cvc_t **out,
    clv_diag_t *diag)
{
	clv_cvc_t *c = NULL;
	reader_t r;
	tlv_t top;
	int ret = CLV_E_INTERNAL;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if (der == NULL || what == NULL)
		return CLV_E_INVALID_ARG;
	if (len == 0 || len > CVC_MAX_LEN)
		return clv_diag_set(diag, CLV_E_FORMAT, "%s: %zu octets; a CV certificate "
		    "or request has 1..%d", what, len, CVC_MAX_LEN);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return CLV_E_NOMEM;
	if ((ret = clv_buf_set(&c->der, der, len)) != 0)
		goto out;
	memset(&r, 0, sizeof(r));
	r.base = c->der.data;
	r.what = what;
	r.kind = "CV certificate or request";
	r.diag = diag;
	r.nonmin = -1;
	if ((ret = tlv_read(&r, 0, len, "top level", &top)) != 0)
		goto out;
	if (top.hdr + top.len != len) {
		ret = bad(&r, "%zu octets after the %X element", len - top.hdr - top.len,
		    top.tag);
		goto out;
	}
	switch (top.tag) {
	case 0x7F21:
		ret = parse_7f21(&r, &top, c);
		break;
	case 0x67:
		c->kind = CLV_CVC_AUTH_REQUEST;
		r.kind = "authenticated CV request";
		ret = parse_auth(&r, &top, c);
		break;
	case 0x7F49:
		ret = bad(&r, "a bare 7F49 public key, not a certificate or request");
		break;
	default:
		ret = bad(&r, "first tag %X, expected 7F21 (certificate or request) or 67 "
		    "(authenticated request)", top.tag);
		break;
	}
	if (ret != 0)
		goto out;
	c->nonminimal_at = r.nonmin;
	snprintf(c->name, sizeof(c->name), "%s", what);
	*out = c;
	c = NULL;
out:
	clv_cvc_free(c);
	return ret;
}

void
clv_cvc_free(clv_cvc_t *c)
{
	if (c == NULL)
		return;
	clv_buf_free(&c->der);
	free(c);
}

int
clv_cvc_key_parse(const unsigned char *der, size_t len, const char *what,
    clv_cvc_key_t *out, clv_diag_t *diag)
{
	reader_t r;
	tlv_t top;
	int ret;

	if (out == NULL || der == NULL || what == NULL)
		return CLV_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	r.base = der;
	r.what = what;
	r.kind = "CV public key";
	r.diag = diag;
	r.nonmin = -1;
	if (len == 0 || len > CVC_MAX_LEN)
		return bad(&r, "%zu octets, expected 1..%d", len, CVC_MAX_LEN);
	if ((ret = tlv_read(&r, 0, len, "top level", &top)) != 0)
		return ret;
	if (top.tag != 0x7F49)
		return bad(&r, "first tag %X, expected 7F49", top.tag);
	if (top.hdr + top.len != len)
		return bad(&r, "%zu octets after the 7F49 element", len - top.hdr - top.len);
	return parse_key(&r, &top, out);
}

int
clv_cvc_is_self_signed(const clv_cvc_t *c)
{
	return c != NULL && c->kind == CLV_CVC_CERT && c->has_car &&
	    strcmp(c->car, c->chr) == 0;
}

static const char *
kind_name(const clv_cvc_t *c)
{
	switch (c->kind) {
	case CLV_CVC_CERT:         return "CV certificate";
	case CLV_CVC_REQUEST:      return "CV request";
	case CLV_CVC_AUTH_REQUEST: return "authenticated CV request";
	default:                   return "CV object";
	}
}

int
clv_cvc_check_profile(const clv_cvc_t *c, clv_diag_t *diag)
{
	if (c == NULL)
		return CLV_E_INVALID_ARG;
	if (c->key.type != CLV_KEY_EC)
		return 0;
	if (c->kind != CLV_CVC_CERT) {
		if (!c->key.has_domain)
			return clv_diag_set(diag, CLV_E_FORMAT, "%s: %s %s: 7F49 public key "
			    "without domain parameters; a request carries 81..87",
			    c->name, kind_name(c), c->chr);
		return 0;
	}
	if (c->chat.role == CLV_CVC_ROLE_CVCA && !c->key.has_domain)
		return clv_diag_set(diag, CLV_E_FORMAT, "%s: CV certificate %s: CVCA "
		    "certificate without domain parameters; a CVCA certificate (self-signed "
		    "or link) carries 81..87", c->name, c->chr);
	if (c->chat.role != CLV_CVC_ROLE_CVCA && c->key.has_domain)
		return clv_diag_set(diag, CLV_E_FORMAT, "%s: CV certificate %s: %s "
		    "certificate with domain parameters; it must carry the public point 86 "
		    "only", c->name, c->chr, clv_cvc_role_name(c->chat.type, c->chat.role));
	return 0;
}

/* ---- keys and signatures ----------------------------------------------------------- */

static int
buf_from(clv_buf_t *b, clv_cvc_bytes_t v)
{
	return clv_buf_set(b, v.p, v.len);
}

int
clv_cvc_key_resolve(const clv_cvc_key_t *key, const clv_cvc_key_t *domain,
    clv_pubkey_t **out, clv_diag_t *diag)
{
	clv_pubkey_t tmp;
	const clv_cvc_key_t *d;
	clv_buf_t spki = { NULL, 0 };
	clv_diag_t inner;
	int r = CLV_E_INTERNAL;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if (key == NULL || key->type == CLV_KEY_NONE)
		return CLV_E_INVALID_ARG;
	memset(&tmp, 0, sizeof(tmp));
	if (key->type == CLV_KEY_RSA) {
		r = clv_pubkey_new_rsa(key->obj[CLV_CVC_RSA_N].p, key->obj[CLV_CVC_RSA_N].len,
		    key->obj[CLV_CVC_RSA_E].p, key->obj[CLV_CVC_RSA_E].len, out);
		if (r != 0)
			r = clv_diag_set(diag, r, "CV public key: RSA modulus or exponent "
			    "unusable");
		return r;
	}
	d = key->has_domain ? key : domain;
	if (d == NULL || !d->has_domain)
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "CV public key: no domain "
		    "parameters; a DV or terminal key takes those of the CVCA certificate "
		    "its chain goes back to");
	if (d->type != CLV_KEY_EC)
		return clv_diag_set(diag, CLV_E_KEY_MISMATCH, "CV public key: EC key, but "
		    "the domain parameters come from an RSA key");
	/* Written out as an explicit-parameter SubjectPublicKeyInfo and read back
	 * by the pubkey module: it names the curve when the parameters are a
	 * known one's and checks that the point lies on the curve. */
	tmp.type = CLV_KEY_EC;
	tmp.curve = CLV_CURVE_NONE;
	if ((r = buf_from(&tmp.p, d->obj[CLV_CVC_EC_P])) != 0 ||
	    (r = buf_from(&tmp.a, d->obj[CLV_CVC_EC_A])) != 0 ||
	    (r = buf_from(&tmp.b, d->obj[CLV_CVC_EC_B])) != 0 ||
	    (r = buf_from(&tmp.g, d->obj[CLV_CVC_EC_G])) != 0 ||
	    (r = buf_from(&tmp.n, d->obj[CLV_CVC_EC_N])) != 0 ||
	    (r = buf_from(&tmp.h, d->obj[CLV_CVC_EC_F])) != 0 ||
	    (r = buf_from(&tmp.ec_point, key->obj[CLV_CVC_EC_Y])) != 0)
		goto out;
	if ((r = clv_pubkey_to_spki(&tmp, 1, &spki)) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "CV public key: domain parameters "
		    "and point do not fit together (G or Y not of the prime's length)");
		goto out;
	}
	clv_diag_clear(&inner);
	if ((r = clv_pubkey_from_spki(spki.data, spki.len, out, &inner)) != 0) {
		r = clv_diag_set(diag, r, "CV public key: %s", inner.msg);
		goto out;
	}
	r = 0;
out:
	clv_buf_free(&spki);
	clv_buf_free(&tmp.p);
	clv_buf_free(&tmp.a);
	clv_buf_free(&tmp.b);
	clv_buf_free(&tmp.g);
	clv_buf_free(&tmp.n);
	clv_buf_free(&tmp.h);
	clv_buf_free(&tmp.ec_point);
	return r;
}

int
clv_cvc_key_resolve_curve(const clv_cvc_key_t *key, clv_curve_t curve,
    clv_pubkey_t **out, clv_diag_t *diag)
{
	const clv_curve_info_t *ci = clv_curve_by_id(curve);
	int r;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if (key == NULL || key->type != CLV_KEY_EC || ci == NULL)
		return CLV_E_INVALID_ARG;
	r = clv_pubkey_new_ec(curve, key->obj[CLV_CVC_EC_Y].p, key->obj[CLV_CVC_EC_Y].len,
	    out);
	if (r != 0)
		return clv_diag_set(diag, r, "CV public key: 86 public point is not a "
		    "point of %s", ci->name);
	return 0;
}

/* Octet length of the key's group order (ECDSA r and s). */
static size_t
order_len(const clv_pubkey_t *key)
{
	const clv_curve_info_t *ci;
	size_t n = mag_len(key->n.data, key->n.len);

	if (n == 0 && (ci = clv_curve_by_id(key->curve)) != NULL)
		n = ci->field_bytes;
	return n;
}

int
clv_cvc_verify_sig(clv_cvc_alg_t alg, const clv_pubkey_t *key,
    const unsigned char *data, size_t len, const unsigned char *sig, size_t siglen,
    const char *what, clv_diag_t *diag)
{
	clv_sigalg_t sa;
	clv_buf_t der = { NULL, 0 };
	size_t ob;
	int r = CLV_E_INTERNAL;

	if (key == NULL || data == NULL || sig == NULL || what == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = clv_cvc_alg_sigalg(alg, &sa)) != 0)
		return clv_diag_set(diag, r, "%s: unknown signature algorithm", what);
	if (sa.key != key->type)
		return clv_diag_set(diag, CLV_E_KEY_MISMATCH, "%s: the signer's algorithm "
		    "%s needs an %s key", what, clv_cvc_alg_name(alg),
		    sa.key == CLV_KEY_EC ? "EC" : "RSA");
	if (key->type == CLV_KEY_EC) {
		ob = order_len(key);
		if (ob == 0 || siglen != 2 * ob) {
			r = clv_diag_set(diag, CLV_E_SIG_INVALID, "%s: 5F37 signature of "
			    "%zu octets, expected %zu (plain r||s, %zu octets each)%s", what,
			    siglen, 2 * ob, ob, siglen > 0 && sig[0] == 0x30 ?
			    "; this looks like a DER Ecdsa-Sig-Value, which CV signatures "
			    "never use" : "");
			goto out;
		}
		if ((r = clv_ecdsa_sig_from_raw(sig, siglen, &der)) != 0)
			goto out;
		r = clv_verify(key, &sa, data, len, der.data, der.len);
	} else {
		r = clv_verify(key, &sa, data, len, sig, siglen);
	}
	if (r == CLV_E_SIG_INVALID)
		r = clv_diag_set(diag, r, "%s: signature (%s) does not verify with the "
		    "signer's key", what, clv_cvc_alg_name(alg));
	else if (r != 0)
		r = clv_diag_set(diag, r, "%s: signature cannot be checked: %s", what,
		    clv_strerror(r));
out:
	clv_buf_free(&der);
	return r;
}

static int
verify_span(const clv_cvc_t *c, const clv_cvc_key_t *signer, const clv_cvc_key_t *domain,
    clv_cvc_bytes_t data, clv_cvc_bytes_t sig, const char *which, clv_diag_t *diag)
{
	clv_pubkey_t *pk = NULL;
	clv_diag_t inner;
	char what[256];
	int r;

	snprintf(what, sizeof(what), "%s: %s %s%s", c->name, kind_name(c), c->chr, which);
	clv_diag_clear(&inner);
	if ((r = clv_cvc_key_resolve(signer, domain, &pk, &inner)) != 0)
		return clv_diag_set(diag, r, "%s: signer's key: %s", what, inner.msg);
	r = clv_cvc_verify_sig(signer->alg, pk, data.p, data.len, sig.p, sig.len, what,
	    diag);
	clv_pubkey_free(pk);
	return r;
}

int
clv_cvc_verify(const clv_cvc_t *c, const clv_cvc_key_t *signer,
    const clv_cvc_key_t *domain, clv_diag_t *diag)
{
	if (c == NULL || signer == NULL)
		return CLV_E_INVALID_ARG;
	return verify_span(c, signer, domain, c->body, c->sig, "", diag);
}

int
clv_cvc_verify_outer(const clv_cvc_t *c, const clv_cvc_key_t *signer,
    const clv_cvc_key_t *domain, clv_diag_t *diag)
{
	if (c == NULL || signer == NULL)
		return CLV_E_INVALID_ARG;
	if (c->kind != CLV_CVC_AUTH_REQUEST)
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "%s: %s has no outer "
		    "signature", c->name, kind_name(c));
	return verify_span(c, signer, domain, c->outer_tbs, c->outer_sig,
	    " (outer signature, over 7F21 || 42)", diag);
}

int
clv_cvc_sig_from_x509(const clv_pubkey_t *key, const unsigned char *sig, size_t siglen,
    clv_buf_t *out)
{
	size_t ob;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (key == NULL || sig == NULL || siglen == 0)
		return CLV_E_INVALID_ARG;
	if (key->type == CLV_KEY_RSA)
		return clv_buf_set(out, sig, siglen);
	if (key->type != CLV_KEY_EC || (ob = order_len(key)) == 0)
		return CLV_E_INVALID_ARG;
	return clv_ecdsa_sig_to_raw(sig, siglen, ob, out);
}

/* ---- writing (libtasn1) ------------------------------------------------------------- */

extern const asn1_static_node clv_cvc_asn1_tab[];

static clv_der_module_t module = { clv_cvc_asn1_tab, "CLV-CVC", NULL, 0 };

/* New empty structure of "CLV-CVC.<type>". */
static int
cvc_new(const char *type, asn1_node *out)
{
	return clv_der_module_new(&module, type, out);
}

/* Is [p, p+len) exactly one TLV with this tag?  (Our own reader, quietly.) */
static int
is_one_tlv(const unsigned char *p, size_t len, unsigned tag)
{
	reader_t r;
	tlv_t t;

	if (p == NULL || len == 0)
		return 0;
	memset(&r, 0, sizeof(r));
	r.base = p;
	r.what = r.kind = "";
	r.nonmin = -1;
	return tlv_read(&r, 0, len, "", &t) == 0 && t.tag == tag &&
	    t.hdr + t.len == len;
}

/* An unsigned integer written without leading zero octets (zero as 00). */
static int
write_unsigned(asn1_node n, const char *name, const unsigned char *p, size_t len)
{
	size_t m = mag_len(p, len);

	if (len == 0)
		return CLV_E_INVALID_ARG;
	if (m == 0)
		return clv_der_write(n, name, p + len - 1, 1);
	return clv_der_write(n, name, p + (len - m), (int)m);
}

/* 7F49 from its parts: obj[1..7] (NULL p = absent); unsigned integers
 * (all but the points 84 and 86) minimal. */
static int
encode_pubkey_parts(clv_cvc_alg_t alg, clv_cvc_bytes_t obj[8], clv_buf_t *out)
{
	static const char *names[8] = { NULL, "o1", "o2", "o3", "o4", "o5", "o6", "o7" };
	asn1_node n = NULL;
	int i, r = CLV_E_INTERNAL, a = alg_index(alg);

	if (a < 0)
		return CLV_E_UNSUPPORTED_ALG;
	if ((r = cvc_new("PublicKey", &n)) != 0 ||
	    (r = clv_der_write_str(n, "oid", alg_table[a].dotted)) != 0)
		goto out;
	for (i = 1; i < 8; i++) {
		if (obj[i].p == NULL || obj[i].len == 0)
			r = clv_der_write(n, names[i], NULL, 0);
		else if (alg_table[a].key == CLV_KEY_EC &&
		    (i == CLV_CVC_EC_G || i == CLV_CVC_EC_Y))
			r = clv_der_write(n, names[i], obj[i].p, (int)obj[i].len);
		else
			r = write_unsigned(n, names[i], obj[i].p, obj[i].len);
		if (r != 0)
			goto out;
	}
	r = clv_der_encode(n, "", out);
out:
	clv_der_free(&n);
	return r;
}

int
clv_cvc_encode_key(const clv_cvc_key_t *k, int with_domain, clv_buf_t *out)
{
	clv_cvc_bytes_t obj[8];
	int i;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (k == NULL || k->type == CLV_KEY_NONE)
		return CLV_E_INVALID_ARG;
	memset(obj, 0, sizeof(obj));
	if (k->type == CLV_KEY_RSA) {
		obj[CLV_CVC_RSA_N] = k->obj[CLV_CVC_RSA_N];
		obj[CLV_CVC_RSA_E] = k->obj[CLV_CVC_RSA_E];
	} else {
		if (with_domain && !k->has_domain)
			return CLV_E_INVALID_ARG;
		for (i = 1; i < 8; i++)
			if (i == CLV_CVC_EC_Y || with_domain)
				obj[i] = k->obj[i];
	}
	return encode_pubkey_parts(k->alg, obj, out);
}

static clv_cvc_bytes_t
buf_bytes(const clv_buf_t *b)
{
	clv_cvc_bytes_t v = { b->len ? b->data : NULL, b->len };

	return v;
}

int
clv_cvc_encode_pubkey(const clv_pubkey_t *k, clv_cvc_alg_t alg, int with_domain,
    clv_buf_t *out)
{
	clv_cvc_bytes_t obj[8];
	clv_pubkey_t *canon = NULL;
	const clv_pubkey_t *src = k;
	int r = CLV_E_INTERNAL, a = alg_index(alg);

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (k == NULL || a < 0 || alg_table[a].key != k->type)
		return CLV_E_INVALID_ARG;
	memset(obj, 0, sizeof(obj));
	if (k->type == CLV_KEY_RSA) {
		obj[CLV_CVC_RSA_N] = buf_bytes(&k->rsa_n);
		obj[CLV_CVC_RSA_E] = buf_bytes(&k->rsa_e);
		if (obj[CLV_CVC_RSA_N].p == NULL || obj[CLV_CVC_RSA_E].p == NULL)
			return CLV_E_INVALID_ARG;
		return encode_pubkey_parts(alg, obj, out);
	}
	if (k->ec_point.len == 0 || k->ec_point.data[0] != 0x04)
		return CLV_E_INVALID_ARG;
	obj[CLV_CVC_EC_Y] = buf_bytes(&k->ec_point);
	if (with_domain) {
		/* A known curve is written from libgcrypt's parameters. */
		if (k->curve != CLV_CURVE_NONE) {
			if ((r = clv_pubkey_new_ec(k->curve, k->ec_point.data, k->ec_point.len,
			    &canon)) != 0)
				goto out;
			src = canon;
		}
		obj[CLV_CVC_EC_P] = buf_bytes(&src->p);
		obj[CLV_CVC_EC_A] = buf_bytes(&src->a);
		obj[CLV_CVC_EC_B] = buf_bytes(&src->b);
		obj[CLV_CVC_EC_G] = buf_bytes(&src->g);
		obj[CLV_CVC_EC_N] = buf_bytes(&src->n);
		obj[CLV_CVC_EC_F] = buf_bytes(&src->h);
		if (obj[CLV_CVC_EC_P].p == NULL || obj[CLV_CVC_EC_A].p == NULL ||
		    obj[CLV_CVC_EC_B].p == NULL || obj[CLV_CVC_EC_G].p == NULL ||
		    obj[CLV_CVC_EC_N].p == NULL || obj[CLV_CVC_EC_F].p == NULL) {
			r = CLV_E_INVALID_ARG;
			goto out;
		}
	}
	r = encode_pubkey_parts(alg, obj, out);
out:
	clv_pubkey_free(canon);
	return r;
}

void
clv_cvc_spec_from(const clv_cvc_t *c, clv_cvc_spec_t *s)
{
	memset(s, 0, sizeof(*s));
	if (c == NULL)
		return;
	s->car = c->has_car ? c->car : NULL;
	s->pubkey = c->key.tlv;
	s->chr = c->chr;
	if (c->has_chat) {
		s->type = c->chat.type;
		s->auth = c->chat.auth;
		s->auth_len = c->chat.auth_len;
		s->ced = c->ced;
		s->cxd = c->cxd;
	}
	if (c->ext_tlv.p != NULL)
		s->ext = c->ext_value;
}

static int
write_date(asn1_node n, const char *name, const clv_cvc_date_t *d)
{
	unsigned char v[6];
	int yy = d->year - 2000;

	v[0] = (unsigned char)(yy / 10);
	v[1] = (unsigned char)(yy % 10);
	v[2] = (unsigned char)(d->month / 10);
	v[3] = (unsigned char)(d->month % 10);
	v[4] = (unsigned char)(d->day / 10);
	v[5] = (unsigned char)(d->day % 10);
	return clv_der_write(n, name, v, 6);
}

/* Checks a spec; the reason goes to diag. */
static int
spec_check(const clv_cvc_spec_t *s, clv_diag_t *diag)
{
	char why[160];

	if (s->chr == NULL ||
	    ref_problem((const unsigned char *)s->chr, strlen(s->chr), why, sizeof(why)))
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "CV body: CHR %s",
		    s->chr ? why : "missing");
	if (s->car != NULL &&
	    ref_problem((const unsigned char *)s->car, strlen(s->car), why, sizeof(why)))
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "CV body: CAR %s", why);
	if (!is_one_tlv(s->pubkey.p, s->pubkey.len, 0x7F49))
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "CV body: the public key is "
		    "not one 7F49 element");
	if (s->ext.p != NULL && s->ext.len == 0)
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "CV body: empty extensions");
	if (s->type == CLV_CVC_TERM_NONE) {
		if (s->auth_len != 0)
			return clv_diag_set(diag, CLV_E_INVALID_ARG, "CV body: a request "
			    "has no CHAT");
		return 0;
	}
	if (s->car == NULL)
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "CV body: a certificate "
		    "needs a CAR");
	if (s->type > CLV_CVC_TERM_ST || s->auth == NULL ||
	    s->auth_len != auth_len_for(s->type))
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "CV body: relative "
		    "authorization of %zu octets, expected %zu", s->auth_len,
		    auth_len_for(s->type));
	if (!clv_cvc_date_is_valid(&s->ced) || !clv_cvc_date_is_valid(&s->cxd))
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "CV body: effective or "
		    "expiration date is not a date of 2000..2099");
	if (clv_cvc_date_cmp(&s->cxd, &s->ced) < 0)
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "CV body: expiration date "
		    "before the effective date");
	return 0;
}

int
clv_cvc_encode_body(const clv_cvc_spec_t *s, clv_buf_t *out, clv_diag_t *diag)
{
	asn1_node n = NULL;
	reader_t r;
	tlv_t t;
	size_t pos;
	unsigned char cpi = 0;
	int ret = CLV_E_INTERNAL;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (s == NULL)
		return CLV_E_INVALID_ARG;
	if ((ret = spec_check(s, diag)) != 0)
		return ret;
	if ((ret = cvc_new("CertificateBody", &n)) != 0 ||
	    (ret = clv_der_write(n, "cpi", &cpi, 1)) != 0 ||
	    (ret = clv_der_write(n, "car", s->car, s->car ? (int)strlen(s->car) : 0)) != 0 ||
	    (ret = clv_der_write(n, "publicKey", s->pubkey.p, (int)s->pubkey.len)) != 0 ||
	    (ret = clv_der_write_str(n, "chr", s->chr)) != 0)
		goto out;
	if (s->type == CLV_CVC_TERM_NONE) {
		if ((ret = clv_der_write(n, "chat", NULL, 0)) != 0 ||
		    (ret = clv_der_write(n, "ced", NULL, 0)) != 0 ||
		    (ret = clv_der_write(n, "cxd", NULL, 0)) != 0)
			goto out;
	} else {
		if ((ret = clv_der_write_str(n, "chat.role", role_oids[s->type])) != 0 ||
		    (ret = clv_der_write(n, "chat.auth", s->auth, (int)s->auth_len)) != 0 ||
		    (ret = write_date(n, "ced", &s->ced)) != 0 ||
		    (ret = write_date(n, "cxd", &s->cxd)) != 0)
			goto out;
	}
	if (s->ext.p == NULL) {
		if ((ret = clv_der_write(n, "extensions", NULL, 0)) != 0)
			goto out;
	} else {
		memset(&r, 0, sizeof(r));
		r.base = s->ext.p;
		r.what = "CV body";
		r.kind = "extensions";
		r.diag = diag;
		r.nonmin = -1;
		for (pos = 0; pos < s->ext.len; pos += t.hdr + t.len) {
			if ((ret = tlv_read(&r, pos, s->ext.len, "65", &t)) != 0) {
				ret = CLV_E_INVALID_ARG;
				goto out;
			}
			if (t.tag != 0x73) {
				ret = clv_diag_set(diag, CLV_E_INVALID_ARG, "CV body: "
				    "extension element %X, expected 73", t.tag);
				goto out;
			}
			if ((ret = clv_der_write(n, "extensions", "NEW", 1)) != 0 ||
			    (ret = clv_der_write(n, "extensions.?LAST", s->ext.p + pos,
			    (int)(t.hdr + t.len))) != 0)
				goto out;
		}
	}
	ret = clv_der_encode(n, "", out);
out:
	clv_der_free(&n);
	return ret;
}

int
clv_cvc_assemble(const unsigned char *body, size_t body_len, const unsigned char *sig,
    size_t siglen, clv_buf_t *out)
{
	asn1_node n = NULL;
	int r;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (!is_one_tlv(body, body_len, 0x7F4E) || sig == NULL || siglen == 0)
		return CLV_E_INVALID_ARG;
	if ((r = cvc_new("CVCertificate", &n)) == 0 &&
	    (r = clv_der_write(n, "body", body, (int)body_len)) == 0 &&
	    (r = clv_der_write(n, "signature", sig, (int)siglen)) == 0)
		r = clv_der_encode(n, "", out);
	clv_der_free(&n);
	return r;
}

static int
check_outer_car(const char *car)
{
	char why[160];

	if (car == NULL ||
	    ref_problem((const unsigned char *)car, strlen(car), why, sizeof(why)) != NULL)
		return CLV_E_INVALID_ARG;
	return 0;
}

int
clv_cvc_outer_tbs(const unsigned char *req, size_t req_len, const char *outer_car,
    clv_buf_t *out)
{
	asn1_node n = NULL;
	clv_buf_t car = { NULL, 0 };
	int r;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (!is_one_tlv(req, req_len, 0x7F21) || check_outer_car(outer_car) != 0)
		return CLV_E_INVALID_ARG;
	if ((r = cvc_new("CAR", &n)) != 0 ||
	    (r = clv_der_write_str(n, "", outer_car)) != 0 ||
	    (r = clv_der_encode(n, "", &car)) != 0)
		goto out;
	if ((out->data = malloc(req_len + car.len)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	memcpy(out->data, req, req_len);
	memcpy(out->data + req_len, car.data, car.len);
	out->len = req_len + car.len;
out:
	clv_buf_free(&car);
	clv_der_free(&n);
	return r;
}

int
clv_cvc_assemble_auth(const unsigned char *req, size_t req_len, const char *outer_car,
    const unsigned char *sig, size_t siglen, clv_buf_t *out)
{
	asn1_node n = NULL;
	int r;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (!is_one_tlv(req, req_len, 0x7F21) || check_outer_car(outer_car) != 0 ||
	    sig == NULL || siglen == 0)
		return CLV_E_INVALID_ARG;
	if ((r = cvc_new("AuthenticatedRequest", &n)) == 0 &&
	    (r = clv_der_write(n, "request", req, (int)req_len)) == 0 &&
	    (r = clv_der_write_str(n, "outerCAR", outer_car)) == 0 &&
	    (r = clv_der_write(n, "outerSig", sig, (int)siglen)) == 0)
		r = clv_der_encode(n, "", out);
	clv_der_free(&n);
	return r;
}

/* ---- names ------------------------------------------------------------------------- */

const char *
clv_cvc_terminal_name(clv_cvc_terminal_t type)
{
	switch (type) {
	case CLV_CVC_TERM_IS: return "Inspection system";
	case CLV_CVC_TERM_AT: return "Authentication terminal";
	case CLV_CVC_TERM_ST: return "Signature terminal";
	default:              return "no CHAT";
	}
}

const char *
clv_cvc_role_name(clv_cvc_terminal_t type, clv_cvc_role_t role)
{
	switch (role) {
	case CLV_CVC_ROLE_CVCA:
		return "CVCA";
	case CLV_CVC_ROLE_DV_DOMESTIC:
		return type == CLV_CVC_TERM_ST ? "DV (accreditation body)" :
		    "DV (official domestic)";
	case CLV_CVC_ROLE_DV_FOREIGN:
		return type == CLV_CVC_TERM_ST ? "DV (certification service provider)" :
		    "DV (non-official / foreign)";
	default:
		return type == CLV_CVC_TERM_IS ? "Inspection system" :
		    type == CLV_CVC_TERM_AT ? "Authentication terminal" :
		    type == CLV_CVC_TERM_ST ? "Signature terminal" : "Terminal";
	}
}

/*
 * Access rights, by bit (0 = least significant bit of the last octet).
 * IS: OpenPACE is_chat_strings, EJBCA AccessRightsIS; AT: OpenPACE
 * at_chat_strings with the TR-03110-4 v2.2x bits 29..32 (pycvc, AusweisApp);
 * ST: TR-03110-4 C.4.3.
 */
static const char *
right_name(clv_cvc_terminal_t type, unsigned bit, char *buf, size_t buflen)
{
	static const char *at_low[8] = { "Age verification", "Community ID verification",
	    "Restricted identification", "Privileged terminal", "CAN allowed",
	    "PIN management", "Install certificate", "Install qualified certificate" };
	static const char *at_dg[22] = { NULL, "Document type", "Issuing state",
	    "Date of expiry", "Given names", "Family names", "Religious/artistic name",
	    "Academic title", "Date of birth", "Place of birth", "Nationality", "Sex",
	    "Optional data", NULL, NULL, NULL, NULL, "Normal place of residence",
	    "Community ID", "Residence permit I", "Residence permit II", "Optional data" };

	switch (type) {
	case CLV_CVC_TERM_IS:
		if (bit == 0)
			return "Read DG 3 (fingerprint)";
		if (bit == 1)
			return "Read DG 4 (iris)";
		if (bit == 5)
			return "Read eID application (EAC 1.x, deprecated)";
		break;
	case CLV_CVC_TERM_ST:
		if (bit == 0)
			return "Generate electronic signature";
		if (bit == 1)
			return "Generate qualified electronic signature";
		break;
	case CLV_CVC_TERM_AT:
		if (bit < 8)
			return at_low[bit];
		if (bit <= 28) {
			if (at_dg[bit - 7] != NULL)
				snprintf(buf, buflen, "Read DG %u (%s)", bit - 7,
				    at_dg[bit - 7]);
			else
				snprintf(buf, buflen, "Read DG %u", bit - 7);
			return buf;
		}
		if (bit == 29)
			return "Read DG 22";
		if (bit == 30)
			return "Pseudonymous signature authentication";
		if (bit == 32)
			return "Write DG 22";
		if (bit >= 33 && bit <= 37) {
			snprintf(buf, buflen, "Write DG %u (%s)", 54 - bit,
			    at_dg[54 - bit]);
			return buf;
		}
		break;
	default:
		break;
	}
	snprintf(buf, buflen, "RFU bit %u", bit);
	return buf;
}

static int
auth_bit(const unsigned char *auth, size_t len, unsigned bit)
{
	return (auth[len - 1 - bit / 8] >> (bit % 8)) & 1;
}

/* ---- print ------------------------------------------------------------------------- */

/* A CAR/CHR with anything outside printable ASCII escaped. */
static void
print_ref(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f)
			fputc(*s, fp);
		else
			fprintf(fp, "\\x%02X", (unsigned char)*s);
	}
}

static size_t
bit_len(clv_cvc_bytes_t v)
{
	size_t m = mag_len(v.p, v.len), bits;
	unsigned char top;

	if (m == 0)
		return 0;
	bits = 8 * (m - 1);
	for (top = v.p[v.len - m]; top != 0; top >>= 1)
		bits++;
	return bits;
}

static void
print_key(FILE *fp, const clv_cvc_key_t *k)
{
	clv_cvc_key_t g;
	clv_pubkey_t *pk = NULL;
	const clv_curve_info_t *ci;
	clv_diag_t d;
	char dotted[96], hex[2 * 8 + 1];
	clv_cvc_bytes_t e = k->obj[CLV_CVC_RSA_E];

	oid_dotted(k->oid.p, k->oid.len, dotted, sizeof(dotted));
	fprintf(fp, "  Public key: %s (%s)\n", clv_cvc_alg_name(k->alg), dotted);
	if (k->type == CLV_KEY_RSA) {
		if (e.len <= 8)
			clv_hex(e.p, e.len, hex);
		else
			snprintf(hex, sizeof(hex), "(long)");
		fprintf(fp, "    RSA modulus: %zu bits, exponent: 0x%s\n",
		    bit_len(k->obj[CLV_CVC_RSA_N]), hex);
		return;
	}
	if (!k->has_domain) {
		fprintf(fp, "    Domain parameters: none (inherited from the CVCA)\n");
		fprintf(fp, "    Public point: %zu octets (%zu-bit field)\n",
		    k->obj[CLV_CVC_EC_Y].len, 8 * (k->obj[CLV_CVC_EC_Y].len / 2));
		return;
	}
	/* The curve, named from its parameters with G as the point. */
	g = *k;
	g.obj[CLV_CVC_EC_Y] = k->obj[CLV_CVC_EC_G];
	if (clv_cvc_key_resolve(&g, NULL, &pk, NULL) == 0 &&
	    (ci = clv_curve_by_id(pk->curve)) != NULL)
		fprintf(fp, "    Domain parameters: %s\n", ci->name);
	else if (pk != NULL)
		fprintf(fp, "    Domain parameters: explicit, %zu-bit prime, no known "
		    "curve\n", bit_len(k->obj[CLV_CVC_EC_P]));
	else
		fprintf(fp, "    Domain parameters: unusable (%zu-bit prime)\n",
		    bit_len(k->obj[CLV_CVC_EC_P]));
	clv_pubkey_free(pk);
	pk = NULL;
	clv_diag_clear(&d);
	if (clv_cvc_key_resolve(k, NULL, &pk, &d) == 0)
		fprintf(fp, "    Public point: %zu octets\n", k->obj[CLV_CVC_EC_Y].len);
	else
		fprintf(fp, "    Public point: %zu octets, UNUSABLE: %s\n",
		    k->obj[CLV_CVC_EC_Y].len, d.msg);
	clv_pubkey_free(pk);
}

static void
print_chat(FILE *fp, const clv_cvc_chat_t *ch)
{
	char hex[2 * CLV_CVC_AUTH_MAX + 1], buf[96];
	unsigned bit, nbits = (unsigned)(8 * ch->auth_len);

	clv_hex(ch->auth, ch->auth_len, hex);
	fprintf(fp, "  CHAT: %s, role %s\n", clv_cvc_terminal_name(ch->type),
	    clv_cvc_role_name(ch->type, ch->role));
	fprintf(fp, "    Relative authorization: %s\n", hex);
	for (bit = 0; bit + 2 < nbits; bit++)
		if (auth_bit(ch->auth, ch->auth_len, bit))
			fprintf(fp, "    %s\n", right_name(ch->type, bit, buf, sizeof(buf)));
}

static const char *
ext_name(clv_cvc_bytes_t oid)
{
	if (oid.len != sizeof(oid_exts) + 1 || memcmp(oid.p, oid_exts, sizeof(oid_exts)))
		return "extension";
	switch (oid.p[sizeof(oid_exts)]) {
	case 1:  return "id-description";
	case 2:  return "id-sector";
	case 3:  return "id-PS-sector";
	default: return "extension";
	}
}

/* Integers (all key objects but the points) written with a leading zero. */
static int
key_leading_zero(const clv_cvc_key_t *k, unsigned *tag)
{
	int i;

	for (i = 1; i < 8; i++) {
		if (k->type == CLV_KEY_EC && (i == CLV_CVC_EC_G || i == CLV_CVC_EC_Y))
			continue;
		if (k->obj[i].len > 1 && k->obj[i].p[0] == 0) {
			*tag = 0x80u | (unsigned)i;
			return 1;
		}
	}
	return 0;
}

int
clv_cvc_print(FILE *fp, const clv_cvc_t *c)
{
	unsigned char sha[32];
	char hex[65], dotted[96];
	unsigned tag;
	size_t i;

	if (fp == NULL || c == NULL)
		return CLV_E_INVALID_ARG;
	if (clv_sha256(c->der.data, c->der.len, sha) != 0)
		return CLV_E_CRYPTO;
	clv_hex(sha, sizeof(sha), hex);
	fprintf(fp, "%s%s (%zu octets)\n", c->kind == CLV_CVC_CERT ? "CV certificate" :
	    c->kind == CLV_CVC_REQUEST ? "CV request" : "Authenticated CV request",
	    clv_cvc_is_self_signed(c) ? ", self-signed" : "", c->der.len);
	fprintf(fp, "  SHA-256: %s\n", hex);
	fprintf(fp, "  Profile identifier: %u\n", c->cpi);
	fprintf(fp, "  CAR: ");
	if (c->has_car)
		print_ref(fp, c->car);
	else
		fprintf(fp, "(none)");
	fprintf(fp, "\n  CHR: ");
	print_ref(fp, c->chr);
	fprintf(fp, "\n");
	print_key(fp, &c->key);
	if (c->has_chat) {
		print_chat(fp, &c->chat);
		fprintf(fp, "  Effective date: %04d-%02d-%02d\n", c->ced.year, c->ced.month,
		    c->ced.day);
		fprintf(fp, "  Expiration date: %04d-%02d-%02d\n", c->cxd.year, c->cxd.month,
		    c->cxd.day);
	}
	if (c->n_ext > 0) {
		fprintf(fp, "  Certificate extensions:\n");
		for (i = 0; i < c->n_ext; i++) {
			oid_dotted(c->ext[i].oid.p, c->ext[i].oid.len, dotted,
			    sizeof(dotted));
			fprintf(fp, "    %s (%s): %zu octets\n", ext_name(c->ext[i].oid),
			    dotted, c->ext[i].data.len);
		}
	}
	fprintf(fp, "  Signature: %zu octets\n", c->sig.len);
	if (c->kind == CLV_CVC_AUTH_REQUEST) {
		fprintf(fp, "  Outer CAR: ");
		print_ref(fp, c->outer_car);
		fprintf(fp, "\n  Outer signature: %zu octets (over 7F21 || 42)\n",
		    c->outer_sig.len);
	}
	if (c->nonminimal_at >= 0)
		fprintf(fp, "  Encoding: non-minimal length at offset %ld (tolerated, kept "
		    "as received)\n", c->nonminimal_at);
	if (key_leading_zero(&c->key, &tag))
		fprintf(fp, "  Encoding: public key element %X has leading zeros "
		    "(tolerated, kept as received)\n", tag);
	return ferror(fp) ? CLV_E_IO : 0;
}

/* ---- lints ------------------------------------------------------------------------- */

#define finding clv_lint_add

/* A CVCA issues CVCA (self-signed, link) and DV certificates; a DV issues
 * terminal certificates; a terminal issues none. */
static int
role_may_issue(clv_cvc_role_t issuer, clv_cvc_role_t subject)
{
	switch (issuer) {
	case CLV_CVC_ROLE_CVCA:
		return subject != CLV_CVC_ROLE_TERMINAL;
	case CLV_CVC_ROLE_DV_DOMESTIC:
	case CLV_CVC_ROLE_DV_FOREIGN:
		return subject == CLV_CVC_ROLE_TERMINAL;
	default:
		return 0;
	}
}

static void
lint_rights(const clv_cvc_t *iss, const clv_cvc_t *sub, clv_lint_result_t *res)
{
	const clv_cvc_chat_t *a = &iss->chat, *b = &sub->chat;
	unsigned bit, nbits = (unsigned)(8 * b->auth_len);
	char buf[96], list[200];
	size_t used = 0;
	int n, extra = 0;

	/* Reported as cvc-terminal-type.  A CVCA's rights are its own: a link
	 * certificate may change them (DE eID 00102 -> 00103 added DG 10 and
	 * DG 13); the chip intersects from the CVCA down. */
	if (a->auth_len != b->auth_len || b->role == CLV_CVC_ROLE_CVCA)
		return;
	list[0] = '\0';
	for (bit = 0; bit + 2 < nbits; bit++) {
		if (!auth_bit(b->auth, b->auth_len, bit) || auth_bit(a->auth, a->auth_len, bit))
			continue;
		extra++;
		n = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "",
		    right_name(b->type, bit, buf, sizeof(buf)));
		if (n > 0 && (size_t)n < sizeof(list) - used)
			used += (size_t)n;
	}
	if (extra > 0)
		finding(res, "cvc-rights", "%s holds %d right(s) its issuer %s lacks: %s",
		    sub->chr, extra, iss->chr, list);
}

int
clv_cvc_lint_issued(const clv_cvc_t *issuer, const clv_cvc_t *subject,
    clv_lint_result_t *res)
{
	const clv_cvc_t *i = issuer, *s = subject;
	clv_diag_t d;
	unsigned tag;

	if (res == NULL)
		return CLV_E_INVALID_ARG;
	res->n = 0;
	if (i == NULL || s == NULL || i->kind != CLV_CVC_CERT || s->kind != CLV_CVC_CERT)
		return CLV_E_INVALID_ARG;
	if (strcmp(s->car, i->chr) != 0)
		finding(res, "cvc-car", "CAR %s is not the issuer's CHR %s", s->car, i->chr);
	if (s->chat.type != i->chat.type)
		finding(res, "cvc-terminal-type", "%s certificate issued by a CVCA/DV of "
		    "the %s PKI", clv_cvc_terminal_name(s->chat.type),
		    clv_cvc_terminal_name(i->chat.type));
	if (!role_may_issue(i->chat.role, s->chat.role))
		finding(res, "cvc-role", "%s certificate %s issued by %s %s; a CVCA issues "
		    "CVCA link and DV certificates, a DV issues terminal certificates",
		    clv_cvc_role_name(s->chat.type, s->chat.role), s->chr,
		    clv_cvc_role_name(i->chat.type, i->chat.role), i->chr);
	lint_rights(i, s, res);
	if (clv_cvc_date_cmp(&s->cxd, &s->ced) < 0)
		finding(res, "cvc-dates", "expiration date before the effective date");
	if (s->chat.role != CLV_CVC_ROLE_CVCA &&
	    clv_cvc_date_cmp(&s->cxd, &i->cxd) > 0)
		finding(res, "cvc-cxd", "expires %04d-%02d-%02d, after its issuer %s "
		    "(%04d-%02d-%02d)", s->cxd.year, s->cxd.month, s->cxd.day, i->chr,
		    i->cxd.year, i->cxd.month, i->cxd.day);
	if (clv_cvc_date_cmp(&s->ced, &i->ced) < 0 || clv_cvc_date_cmp(&s->ced, &i->cxd) > 0)
		finding(res, "cvc-ced", "effective %04d-%02d-%02d, outside its issuer's "
		    "validity %04d-%02d-%02d..%04d-%02d-%02d", s->ced.year, s->ced.month,
		    s->ced.day, i->ced.year, i->ced.month, i->ced.day, i->cxd.year,
		    i->cxd.month, i->cxd.day);
	clv_diag_clear(&d);
	if (clv_cvc_check_profile(s, &d) != 0)
		finding(res, "cvc-domain", "%s", d.msg);
	if (s->nonminimal_at >= 0)
		finding(res, "cvc-nonminimal", "non-minimal length at offset %ld",
		    s->nonminimal_at);
	if (key_leading_zero(&s->key, &tag))
		finding(res, "cvc-leading-zero", "public key element %X has leading zero "
		    "octets", tag);
	return res->n == 0 ? 0 : CLV_E_LINT;
}
