/*
 * DER through libtasn1.  Every structure Conclave writes is built on the
 * definitions compiled from src/lib/asn1/clv-pkix.asn at build time; these
 * helpers only translate libtasn1's conventions and errors.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"

extern const asn1_static_node clv_pkix_asn1_tab[];

static pthread_mutex_t modules_lock = PTHREAD_MUTEX_INITIALIZER;
static clv_der_module_t pkix = { clv_pkix_asn1_tab, "CLV-PKIX", NULL, 0 };

/* The parsed definitions of m, built once (read-only afterwards). */
static asn1_node
module_defs(clv_der_module_t *m)
{
	char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
	asn1_node d;
	int ret;

	pthread_mutex_lock(&modules_lock);
	if (m->status == 0) {
		ret = asn1_array2tree(m->tab, &m->defs, err);
		if (ret != ASN1_SUCCESS)
			clv_error("asn1_array2tree(%s): %s: %s", m->name, asn1_strerror(ret), err);
		m->status = ret == ASN1_SUCCESS ? 1 : -1;
	}
	d = m->status == 1 ? m->defs : NULL;
	pthread_mutex_unlock(&modules_lock);
	return d;
}

int
clv_der_module_new(clv_der_module_t *m, const char *type, asn1_node *out)
{
	char full[128];
	asn1_node d;
	int ret;

	if (m == NULL || type == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if ((d = module_defs(m)) == NULL)
		return CLV_E_INTERNAL;
	snprintf(full, sizeof(full), "%s.%s", m->name, type);
	if ((ret = asn1_create_element(d, full, out)) != ASN1_SUCCESS) {
		clv_error("asn1_create_element(%s): %s", full, asn1_strerror(ret));
		return CLV_E_INTERNAL;
	}
	return 0;
}

asn1_node
clv_der_defs(void)
{
	return module_defs(&pkix);
}

int
clv_der_new(const char *type, asn1_node *out)
{
	return clv_der_module_new(&pkix, type, out);
}

void
clv_der_free(asn1_node *n)
{
	if (n != NULL && *n != NULL)
		asn1_delete_structure(n);
}

int
clv_der_encode(asn1_node n, const char *name, clv_buf_t *out)
{
	char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
	unsigned char *p = NULL;
	int len = 0, ret;

	if (n == NULL || name == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	ret = asn1_der_coding(n, name, NULL, &len, err);
	if (ret != ASN1_MEM_ERROR) {
		clv_error("asn1_der_coding(%s): %s: %s", name, asn1_strerror(ret), err);
		return CLV_E_DER;
	}
	if ((p = malloc((size_t)len)) == NULL)
		return CLV_E_NOMEM;
	if ((ret = asn1_der_coding(n, name, p, &len, err)) != ASN1_SUCCESS) {
		clv_error("asn1_der_coding(%s): %s: %s", name, asn1_strerror(ret), err);
		free(p);
		return CLV_E_DER;
	}
	out->data = p;
	out->len = (size_t)len;
	return 0;
}

int
clv_der_decode(const char *type, const unsigned char *der, size_t len, asn1_node *out,
    const char *what, clv_diag_t *diag)
{
	char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
	asn1_node n = NULL;
	int r = CLV_E_INTERNAL, ret, ilen;

	if (type == NULL || der == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if (what == NULL)
		what = type;
	if (len == 0 || len > (1u << 30)) {
		r = clv_diag_set(diag, CLV_E_DER, "%s: empty or oversized DER (%zu bytes)",
		    what, len);
		goto out;
	}
	if ((r = clv_der_new(type, &n)) != 0)
		goto out;
	ilen = (int)len;
	ret = asn1_der_decoding2(&n, der, &ilen, 0, err);
	if (ret != ASN1_SUCCESS) {
		r = clv_diag_set(diag, CLV_E_DER, "%s: not a valid %s: %s%s%s", what, type,
		    asn1_strerror(ret), err[0] ? ": " : "", err);
		goto out;
	}
	if ((size_t)ilen != len) {
		r = clv_diag_set(diag, CLV_E_DER, "%s: %zu trailing bytes after the %s",
		    what, len - (size_t)ilen, type);
		goto out;
	}
	*out = n;
	n = NULL;
	r = 0;
out:
	clv_der_free(&n);
	return r;
}

int
clv_der_write(asn1_node n, const char *name, const void *value, int len)
{
	int ret;

	if ((ret = asn1_write_value(n, name, value, len)) != ASN1_SUCCESS) {
		clv_error("asn1_write_value(%s): %s", name, asn1_strerror(ret));
		return CLV_E_DER;
	}
	return 0;
}

int
clv_der_write_str(asn1_node n, const char *name, const char *s)
{
	return clv_der_write(n, name, s, s == NULL ? 0 : (int)strlen(s));
}

int
clv_der_write_uint(asn1_node n, const char *name, const unsigned char *be, size_t len)
{
	unsigned char buf[1 + 1024];
	size_t i = 0;

	if (be == NULL || len == 0 || len > 1024)
		return CLV_E_INVALID_ARG;
	while (i + 1 < len && be[i] == 0)
		i++;
	be += i;
	len -= i;
	if (be[0] & 0x80) {
		buf[0] = 0;
		memcpy(buf + 1, be, len);
		return clv_der_write(n, name, buf, (int)len + 1);
	}
	return clv_der_write(n, name, be, (int)len);
}

static int
write_time_choice(asn1_node n, const char *name, time_t t, int force_general)
{
	char sub[256], val[32];
	struct tm tm;
	int r;

	if (gmtime_r(&t, &tm) == NULL)
		return CLV_E_INVALID_ARG;
	if (!force_general && tm.tm_year + 1900 >= 1950 && tm.tm_year + 1900 <= 2049) {
		if ((r = clv_der_write_str(n, name, "utcTime")) != 0)
			return r;
		snprintf(sub, sizeof(sub), "%s.utcTime", name);
		snprintf(val, sizeof(val), "%02d%02d%02d%02d%02d%02dZ",
		    tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec);
	} else {
		if ((r = clv_der_write_str(n, name, "generalTime")) != 0)
			return r;
		snprintf(sub, sizeof(sub), "%s.generalTime", name);
		strftime(val, sizeof(val), "%Y%m%d%H%M%SZ", &tm);
	}
	return clv_der_write_str(n, sub, val);
}

int
clv_der_write_time(asn1_node n, const char *name, time_t t)
{
	return write_time_choice(n, name, t, 0);
}

int
clv_der_write_gentime(asn1_node n, const char *name, time_t t)
{
	char val[32];
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return CLV_E_INVALID_ARG;
	strftime(val, sizeof(val), "%Y%m%d%H%M%SZ", &tm);
	return clv_der_write_str(n, name, val);
}

int
clv_der_write_der(asn1_node n, const char *name, const unsigned char *der, size_t len)
{
	return clv_der_write(n, name, der, (int)len);
}

static int read_bitstring(asn1_node n, const char *name, clv_buf_t *out, int *bits);

int
clv_der_read(asn1_node n, const char *name, clv_buf_t *out)
{
	unsigned char *p = NULL;
	int len = 0, ret;
	unsigned int etype = 0;

	if (n == NULL || name == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	ret = asn1_read_value_type(n, name, NULL, &len, &etype);
	if (ret == ASN1_ELEMENT_NOT_FOUND || ret == ASN1_VALUE_NOT_FOUND)
		return CLV_E_DER;
	if (ret != ASN1_MEM_ERROR && ret != ASN1_SUCCESS) {
		clv_debug("asn1_read_value(%s): %s", name, asn1_strerror(ret));
		return CLV_E_DER;
	}
	if (etype == ASN1_ETYPE_BIT_STRING) {
		int bits;
		return read_bitstring(n, name, out, &bits);
	}
	if ((p = malloc((size_t)len + 1)) == NULL)
		return CLV_E_NOMEM;
	if (len > 0)
		ret = asn1_read_value(n, name, p, &len);
	else
		ret = ASN1_SUCCESS;
	if (ret != ASN1_SUCCESS) {
		clv_debug("asn1_read_value(%s): %s", name, asn1_strerror(ret));
		free(p);
		return CLV_E_DER;
	}
	p[len] = '\0';
	out->data = p;
	out->len = (size_t)len;
	return 0;
}

/*
 * A BIT STRING read from its own encoding: libtasn1's asn1_read_value takes
 * a buffer size in octets but answers in bits, and does not check the
 * unused-bits octet, so we take the element's DER and check it ourselves.
 */
static int
read_bitstring(asn1_node n, const char *name, clv_buf_t *out, int *bits)
{
	clv_buf_t tlv = { NULL, 0 };
	unsigned char *p = NULL;
	long clen;
	int ll = 0, r, unused;

	out->data = NULL;
	out->len = 0;
	*bits = 0;
	if ((r = clv_der_encode(n, name, &tlv)) != 0)
		return r;
	r = CLV_E_DER;
	if (tlv.len < 2 || tlv.data[0] != 0x03)
		goto out;
	clen = asn1_get_length_der(tlv.data + 1, (int)tlv.len - 1, &ll);
	if (clen < 1 || (size_t)(1 + ll) + (size_t)clen != tlv.len)
		goto out;
	unused = tlv.data[1 + ll];
	if (unused > 7 || (clen == 1 && unused != 0))
		goto out;
	if ((p = calloc(1, (size_t)clen)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	memcpy(p, tlv.data + 1 + ll + 1, (size_t)clen - 1);
	out->data = p;
	out->len = (size_t)clen - 1;
	*bits = (int)(clen - 1) * 8 - unused;
	r = 0;
out:
	clv_buf_free(&tlv);
	return r;
}

int
clv_der_read_bits(asn1_node n, const char *name, clv_buf_t *out, int *bits)
{
	if (n == NULL || name == NULL || out == NULL || bits == NULL)
		return CLV_E_INVALID_ARG;
	return read_bitstring(n, name, out, bits);
}

int
clv_der_read_oid(asn1_node n, const char *name, char *out, size_t outlen)
{
	int len = (int)outlen, ret;

	if (n == NULL || name == NULL || out == NULL || outlen == 0)
		return CLV_E_INVALID_ARG;
	out[0] = '\0';
	if ((ret = asn1_read_value(n, name, out, &len)) != ASN1_SUCCESS) {
		clv_debug("asn1_read_value(%s): %s", name, asn1_strerror(ret));
		out[0] = '\0';
		return CLV_E_DER;
	}
	return 0;
}

int
clv_der_read_int(asn1_node n, const char *name, long *out)
{
	clv_buf_t b = { NULL, 0 };
	unsigned long v;
	size_t i;
	int r;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = clv_der_read(n, name, &b)) != 0)
		return r;
	if (b.len == 0 || b.len > sizeof(long) || (b.data[0] & 0x80)) {
		clv_buf_free(&b);
		return CLV_E_DER;   /* negative or too large for what we read as int */
	}
	for (v = 0, i = 0; i < b.len; i++)
		v = v << 8 | b.data[i];
	clv_buf_free(&b);
	*out = (long)v;
	return 0;
}

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* UTCTime YYMMDDHHMM[SS]Z, GeneralizedTime YYYYMMDDHHMMSS[.f*]Z (lenient on
 * missing seconds, as some real certificates have them). */
static int
parse_time(const char *s, int general, time_t *out)
{
	struct tm tm;
	int y, off, v;
	size_t len = strlen(s);

	memset(&tm, 0, sizeof(tm));
	if (general) {
		if (len < 13 || digits(s, 4, &y) != 0)
			return CLV_E_DER;
		off = 4;
	} else {
		if (len < 11 || digits(s, 2, &y) != 0)
			return CLV_E_DER;
		y += (y < 50) ? 2000 : 1900;
		off = 2;
	}
	tm.tm_year = y - 1900;
	if (digits(s + off, 2, &v) != 0 || v < 1 || v > 12)
		return CLV_E_DER;
	tm.tm_mon = v - 1;
	if (digits(s + off + 2, 2, &tm.tm_mday) != 0 || tm.tm_mday < 1 || tm.tm_mday > 31)
		return CLV_E_DER;
	if (digits(s + off + 4, 2, &tm.tm_hour) != 0 || tm.tm_hour > 23)
		return CLV_E_DER;
	if (digits(s + off + 6, 2, &tm.tm_min) != 0 || tm.tm_min > 59)
		return CLV_E_DER;
	off += 8;
	if (s[off] >= '0' && s[off] <= '9') {
		if (digits(s + off, 2, &tm.tm_sec) != 0 || tm.tm_sec > 60)
			return CLV_E_DER;
		off += 2;
	}
	if (general && s[off] == '.') {
		off++;
		while (s[off] >= '0' && s[off] <= '9')
			off++;
	}
	if (s[off] != 'Z' || s[off + 1] != '\0')
		return CLV_E_DER;
	*out = timegm(&tm);
	return 0;
}

int
clv_der_read_time(asn1_node n, const char *name, time_t *out)
{
	char choice[32], sub[256], val[40];
	int len = sizeof(choice), ret, general;

	if (n == NULL || name == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	if ((ret = asn1_read_value(n, name, choice, &len)) != ASN1_SUCCESS)
		return CLV_E_DER;
	if (strcmp(choice, "utcTime") == 0)
		general = 0;
	else if (strcmp(choice, "generalTime") == 0)
		general = 1;
	else
		return CLV_E_DER;
	snprintf(sub, sizeof(sub), "%s.%s", name, choice);
	len = sizeof(val) - 1;
	if ((ret = asn1_read_value(n, sub, val, &len)) != ASN1_SUCCESS)
		return CLV_E_DER;
	val[len] = '\0';
	return parse_time(val, general, out);
}

/* A bare GeneralizedTime element (no CHOICE), e.g. PrivateKeyUsagePeriod. */
int
clv_der_read_gentime(asn1_node n, const char *name, time_t *out)
{
	char val[40];
	int len = sizeof(val) - 1;

	if (n == NULL || name == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	if (asn1_read_value(n, name, val, &len) != ASN1_SUCCESS)
		return CLV_E_DER;
	val[len] = '\0';
	return parse_time(val, 1, out);
}

int
clv_der_read_der(asn1_node n, const char *name, clv_buf_t *out)
{
	return clv_der_encode(n, name, out);
}

int
clv_der_span(asn1_node n, const unsigned char *der, size_t len, const char *name,
    size_t *start, size_t *end)
{
	int s = 0, e = 0, ret;

	if (n == NULL || der == NULL || name == NULL || start == NULL || end == NULL)
		return CLV_E_INVALID_ARG;
	ret = asn1_der_decoding_startEnd(n, der, (int)len, name, &s, &e);
	if (ret != ASN1_SUCCESS) {
		clv_debug("asn1_der_decoding_startEnd(%s): %s", name, asn1_strerror(ret));
		return CLV_E_DER;
	}
	*start = (size_t)s;
	*end = (size_t)e + 1;   /* exclusive */
	return 0;
}

/*
 * DER's rules that libtasn1 does not enforce when decoding: minimal definite
 * lengths, primitive strings, minimal INTEGERs, BOOLEAN TRUE as FF, BIT
 * STRING unused bits in range and zero.  Walks every TLV with libtasn1's
 * tag and length readers.
 */
static int
strict_walk(const unsigned char *der, size_t len, size_t base, int depth, size_t *bad,
    const char **why)
{
	size_t off = 0;

	if (depth > 32) {
		*bad = base;
		*why = "nested too deeply";
		return CLV_E_DER;
	}
	while (off < len) {
		const unsigned char *p = der + off;
		unsigned char cls;
		unsigned long tag;
		int taglen = 0, lenlen = 0, cons = (p[0] & 0x20) != 0;
		long clen;

		*bad = base + off;
		if (asn1_get_tag_der(p, (int)(len - off), &cls, &taglen, &tag) != ASN1_SUCCESS) {
			*why = "bad tag";
			return CLV_E_DER;
		}
		clen = asn1_get_length_der(p + taglen, (int)(len - off - (size_t)taglen), &lenlen);
		if (clen < 0 || (size_t)taglen + (size_t)lenlen + (size_t)clen > len - off) {
			*why = clen == -1 ? "indefinite length" : "bad length";
			return CLV_E_DER;
		}
		if (lenlen > 1 && (clen < 128 || p[taglen + 1] == 0)) {
			*why = "length not in its shortest form";
			return CLV_E_DER;
		}
		p += taglen + lenlen;
		if (cls == ASN1_CLASS_UNIVERSAL && !cons) {
			if ((tag == 2 || tag == 10) && (clen == 0 || (clen > 1 &&
			    ((p[0] == 0x00 && !(p[1] & 0x80)) || (p[0] == 0xff && (p[1] & 0x80)))))) {
				*why = "INTEGER not in its shortest form";
				return CLV_E_DER;
			}
			if (tag == 1 && (clen != 1 || (p[0] != 0x00 && p[0] != 0xff))) {
				*why = "BOOLEAN not 00 or FF";
				return CLV_E_DER;
			}
			if (tag == 3 && (clen < 1 || p[0] > 7 || (clen == 1 && p[0] != 0) ||
			    (clen > 1 && (p[clen - 1] & ((1u << p[0]) - 1)) != 0))) {
				*why = "BIT STRING unused bits out of range or not zero";
				return CLV_E_DER;
			}
		}
		if (cls == ASN1_CLASS_UNIVERSAL && cons && (tag == 3 || tag == 4 || tag == 12 ||
		    tag == 19 || tag == 22 || tag == 23 || tag == 24)) {
			*why = "constructed string";
			return CLV_E_DER;
		}
		if (cons && strict_walk(p, (size_t)clen, base + off + (size_t)taglen +
		    (size_t)lenlen, depth + 1, bad, why) != 0)
			return CLV_E_DER;
		off += (size_t)taglen + (size_t)lenlen + (size_t)clen;
	}
	return 0;
}

int
clv_der_check_strict(const unsigned char *der, size_t len, size_t *bad_offset,
    const char **why)
{
	size_t bad = 0;
	const char *w = "";
	int r;

	if (der == NULL || len == 0)
		return CLV_E_INVALID_ARG;
	r = strict_walk(der, len, 0, 0, &bad, &w);
	if (bad_offset != NULL)
		*bad_offset = r ? bad : 0;
	if (why != NULL)
		*why = r ? w : "";
	return r;
}
