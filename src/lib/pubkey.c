/*
 * Public keys: the curve table, SubjectPublicKeyInfo with named and explicit
 * EC domain parameters (RFC 5480, RFC 3279 / X9.62 SpecifiedECDomain), RSA.
 *
 * Domain parameters always come from libgcrypt (gcry_pk_get_param), never
 * from constants in this file.  Explicit parameters read from an SPKI are
 * matched against the table by value (integers compared without leading
 * zeros), so a brainpoolP512r1 key written out in full is recognised as
 * brainpoolP512r1.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gcrypt.h>

#include "der.h"
#include "pubkey.h"
#include "util.h"

#define OID_EC_PUBLIC_KEY  "1.2.840.10045.2.1"
#define OID_PRIME_FIELD    "1.2.840.10045.1.1"
#define OID_RSA_ENCRYPTION "1.2.840.113549.1.1.1"
#define OID_RSASSA_PSS     "1.2.840.113549.1.1.10"

#define WHAT "SubjectPublicKeyInfo"

static const clv_curve_info_t curve_table[] = {
	{ CLV_CURVE_P256, "P-256", "1.2.840.10045.3.1.7", "NIST P-256", 32, 1 },
	{ CLV_CURVE_P384, "P-384", "1.3.132.0.34", "NIST P-384", 48, 1 },
	{ CLV_CURVE_P521, "P-521", "1.3.132.0.35", "NIST P-521", 66, 1 },
	{ CLV_CURVE_BP256R1, "brainpoolP256r1", "1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1", 32, 1 },
	{ CLV_CURVE_BP384R1, "brainpoolP384r1", "1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1", 48, 1 },
	{ CLV_CURVE_BP512R1, "brainpoolP512r1", "1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1", 64, 1 },
	{ CLV_CURVE_P224, "P-224", "1.3.132.0.33", "NIST P-224", 28, 0 },
	{ CLV_CURVE_BP224R1, "brainpoolP224r1", "1.3.36.3.3.2.8.1.1.5", "brainpoolP224r1", 28, 0 },
	{ CLV_CURVE_BP320R1, "brainpoolP320r1", "1.3.36.3.3.2.8.1.1.9", "brainpoolP320r1", 40, 0 },
	{ CLV_CURVE_P192, "P-192", "1.2.840.10045.3.1.1", "NIST P-192", 24, 0 },
	{ CLV_CURVE_BP192R1, "brainpoolP192r1", "1.3.36.3.3.2.8.1.1.3", "brainpoolP192r1", 24, 0 },
};

#define NCURVES (sizeof(curve_table) / sizeof(curve_table[0]))

/* Other spellings (SEC 2, X9.62, OpenSSH); the table's name and
 * gcry_name are accepted too. */
static const struct {
	const char *alias;
	clv_curve_t id;
} curve_aliases[] = {
	{ "secp256r1", CLV_CURVE_P256 },
	{ "prime256v1", CLV_CURVE_P256 },
	{ "nistp256", CLV_CURVE_P256 },
	{ "secp384r1", CLV_CURVE_P384 },
	{ "nistp384", CLV_CURVE_P384 },
	{ "secp521r1", CLV_CURVE_P521 },
	{ "nistp521", CLV_CURVE_P521 },
	{ "secp224r1", CLV_CURVE_P224 },
	{ "nistp224", CLV_CURVE_P224 },
	{ "secp192r1", CLV_CURVE_P192 },
	{ "prime192v1", CLV_CURVE_P192 },
	{ "nistp192", CLV_CURVE_P192 },
};

/* Domain parameters: p, n, h as minimal big-endian magnitudes; a, b as
 * field elements of field_bytes octets; g uncompressed (or, for explicit
 * parameters read from an SPKI, as read). */
typedef struct domain {
	clv_buf_t p, a, b, g, n, h;
} domain_t;

const clv_curve_info_t *
clv_curve_by_id(clv_curve_t id)
{
	size_t i;

	for (i = 0; i < NCURVES; i++)
		if (curve_table[i].id == id)
			return &curve_table[i];
	return NULL;
}

const clv_curve_info_t *
clv_curve_by_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < NCURVES; i++)
		if (strcasecmp(curve_table[i].name, name) == 0 ||
		    strcasecmp(curve_table[i].gcry_name, name) == 0)
			return &curve_table[i];
	for (i = 0; i < sizeof(curve_aliases) / sizeof(curve_aliases[0]); i++)
		if (strcasecmp(curve_aliases[i].alias, name) == 0)
			return clv_curve_by_id(curve_aliases[i].id);
	return NULL;
}

const clv_curve_info_t *
clv_curve_by_oid(const char *oid)
{
	size_t i;

	if (oid == NULL)
		return NULL;
	for (i = 0; i < NCURVES; i++)
		if (strcmp(curve_table[i].oid, oid) == 0)
			return &curve_table[i];
	return NULL;
}

static void
domain_free(domain_t *d)
{
	clv_buf_free(&d->p);
	clv_buf_free(&d->a);
	clv_buf_free(&d->b);
	clv_buf_free(&d->g);
	clv_buf_free(&d->n);
	clv_buf_free(&d->h);
}

/* Skips leading zero octets; a zero value keeps its last octet. */
static void
strip_zeros(const unsigned char **p, size_t *len)
{
	while (*len > 1 && (*p)[0] == 0) {
		(*p)++;
		(*len)--;
	}
}

/* Integer comparison of two unsigned big-endian values, leading zeros
 * ignored; empty buffers count as absent and compare equal only to each other. */
static int
uint_equal(const clv_buf_t *x, const clv_buf_t *y)
{
	const unsigned char *a = x->data, *b = y->data;
	size_t alen = x->len, blen = y->len;

	if (alen == 0 || blen == 0)
		return alen == blen;
	strip_zeros(&a, &alen);
	strip_zeros(&b, &blen);
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Number of octets of the magnitude (0 for zero or empty). */
static size_t
uint_len(const clv_buf_t *x)
{
	const unsigned char *p = x->data;
	size_t len = x->len;

	if (len == 0)
		return 0;
	strip_zeros(&p, &len);
	return (len == 1 && p[0] == 0) ? 0 : len;
}

/* Stores the magnitude of be, left-padded to pad octets when pad > 0. */
static int
buf_set_uint(clv_buf_t *out, const unsigned char *be, size_t len, size_t pad)
{
	unsigned char *p;
	size_t n;

	if (len == 0)
		return CLV_E_INVALID_ARG;
	strip_zeros(&be, &len);
	if (pad > 0 && len == 1 && be[0] == 0)
		len = 0;
	if (pad > 0 && len > pad)
		return CLV_E_FORMAT;
	n = pad > 0 ? pad : len;
	if ((p = calloc(1, n)) == NULL)
		return CLV_E_NOMEM;
	memcpy(p + (n - len), be, len);
	clv_buf_free(out);
	out->data = p;
	out->len = n;
	return 0;
}

/* One parameter of a gcry_pk_get_param S-expression. */
static int
sexp_param(gcry_sexp_t params, const char *token, size_t pad, clv_buf_t *out)
{
	gcry_sexp_t l = NULL;
	const char *d;
	size_t dlen, i;
	int r = CLV_E_INTERNAL, digits = 1;
	unsigned long v = 0;
	unsigned char vb[sizeof(unsigned long)];

	if ((l = gcry_sexp_find_token(params, token, 0)) == NULL ||
	    (d = gcry_sexp_nth_data(l, 1, &dlen)) == NULL || dlen == 0) {
		clv_error("libgcrypt domain parameters lack '%s'", token);
		goto out;
	}
	/* libgcrypt writes the cofactor as a decimal string ("(h%u)"). */
	for (i = 0; i < dlen; i++)
		if (d[i] < '0' || d[i] > '9')
			digits = 0;
	if (strcmp(token, "h") == 0 && digits && dlen < 8) {
		for (i = 0; i < dlen; i++)
			v = v * 10 + (unsigned long)(d[i] - '0');
		for (i = 0; i < sizeof(vb); i++)
			vb[sizeof(vb) - 1 - i] = (unsigned char)(v >> (8 * i));
		r = buf_set_uint(out, vb, sizeof(vb), 0);
		goto out;
	}
	r = buf_set_uint(out, (const unsigned char *)d, dlen, pad);
out:
	gcry_sexp_release(l);
	return r;
}

/* The domain parameters of a known curve, from libgcrypt. */
static int
domain_load(const clv_curve_info_t *ci, domain_t *d)
{
	gcry_sexp_t params = NULL;
	int r = CLV_E_INTERNAL;

	memset(d, 0, sizeof(*d));
	clv_gcry_init();
	if ((params = gcry_pk_get_param(GCRY_PK_ECC, ci->gcry_name)) == NULL) {
		clv_error("libgcrypt has no parameters for curve %s", ci->gcry_name);
		r = CLV_E_UNSUPPORTED_CURVE;
		goto out;
	}
	if ((r = sexp_param(params, "p", 0, &d->p)) != 0 ||
	    (r = sexp_param(params, "a", ci->field_bytes, &d->a)) != 0 ||
	    (r = sexp_param(params, "b", ci->field_bytes, &d->b)) != 0 ||
	    (r = sexp_param(params, "g", 0, &d->g)) != 0 ||
	    (r = sexp_param(params, "n", 0, &d->n)) != 0 ||
	    (r = sexp_param(params, "h", 0, &d->h)) != 0)
		goto out;
	if (d->p.len != ci->field_bytes || d->g.len != 2 * ci->field_bytes + 1 ||
	    d->g.data[0] != 0x04) {
		clv_error("libgcrypt parameters of %s do not match the table", ci->name);
		r = CLV_E_INTERNAL;
		goto out;
	}
	r = 0;
out:
	if (r != 0)
		domain_free(d);
	gcry_sexp_release(params);
	return r;
}

/* Moves domain parameters into the key. */
static void
domain_move(domain_t *d, clv_pubkey_t *k)
{
	clv_buf_t *src[] = { &d->p, &d->a, &d->b, &d->g, &d->n, &d->h };
	clv_buf_t *dst[] = { &k->p, &k->a, &k->b, &k->g, &k->n, &k->h };
	size_t i;

	for (i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		clv_buf_free(dst[i]);
		*dst[i] = *src[i];
		src[i]->data = NULL;
		src[i]->len = 0;
	}
}

static size_t
key_field_bytes(const clv_pubkey_t *k)
{
	const clv_curve_info_t *ci = clv_curve_by_id(k->curve);

	return ci != NULL ? ci->field_bytes : uint_len(&k->p);
}

/* libgcrypt EC context for the key's curve: by name when known, otherwise
 * from the explicit parameters. */
static int
ec_context(const clv_pubkey_t *k, gcry_ctx_t *ctx)
{
	const clv_curve_info_t *ci = clv_curve_by_id(k->curve);
	gcry_sexp_t kp = NULL;
	gcry_error_t e;
	int r = CLV_E_INTERNAL;

	*ctx = NULL;
	clv_gcry_init();
	if (ci != NULL) {
		e = gcry_mpi_ec_new(ctx, NULL, ci->gcry_name);
	} else {
		if (k->p.len == 0 || k->a.len == 0 || k->b.len == 0 || k->g.len == 0 ||
		    k->n.len == 0) {
			r = CLV_E_INVALID_ARG;
			goto out;
		}
		e = gcry_sexp_build(&kp, NULL,
		    "(ecc(p%b)(a%b)(b%b)(g%b)(n%b))",
		    (int)k->p.len, k->p.data, (int)k->a.len, k->a.data,
		    (int)k->b.len, k->b.data, (int)k->g.len, k->g.data,
		    (int)k->n.len, k->n.data);
		if (e == 0)
			e = gcry_mpi_ec_new(ctx, kp, NULL);
	}
	if (e != 0) {
		clv_debug("gcry_mpi_ec_new: %s", gcry_strerror(e));
		r = CLV_E_UNSUPPORTED_CURVE;
		goto out;
	}
	r = 0;
out:
	gcry_sexp_release(kp);
	return r;
}

/*
 * Decodes an encoded point (uncompressed, or compressed where libgcrypt can
 * decompress it) on the key's curve, checks it lies on the curve and stores
 * it uncompressed in k->ec_point.
 */
static int
ec_point_set(clv_pubkey_t *k, const unsigned char *pt, size_t len, clv_diag_t *diag)
{
	gcry_ctx_t ctx = NULL;
	gcry_mpi_point_t q = NULL, g = NULL;
	gcry_mpi_t v = NULL, x = NULL, y = NULL;
	unsigned char *buf = NULL;
	size_t fb = key_field_bytes(k), xl, yl;
	gcry_error_t e;
	int r = CLV_E_INTERNAL, compressed = 0;

	if (fb == 0) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if (len == 2 * fb + 1 && pt[0] == 0x04) {
		compressed = 0;
	} else if (len == fb + 1 && (pt[0] == 0x02 || pt[0] == 0x03)) {
		compressed = 1;
	} else {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": EC point of %zu octets "
		    "starting 0x%02x; expected an uncompressed point 04||X||Y of %zu octets",
		    len, len > 0 ? pt[0] : 0, 2 * fb + 1);
		goto out;
	}
	if ((r = ec_context(k, &ctx)) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    WHAT ": EC domain parameters are not usable");
		goto out;
	}
	if ((v = gcry_mpi_set_opaque_copy(NULL, pt, (unsigned)(len * 8))) == NULL ||
	    (q = gcry_mpi_point_new(0)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	if ((e = gcry_mpi_ec_decode_point(q, v, ctx)) != 0) {
		clv_debug("gcry_mpi_ec_decode_point: %s", gcry_strerror(e));
		if (compressed)
			r = clv_diag_set(diag, CLV_E_FORMAT,
			    WHAT ": compressed EC points are not supported on this curve");
		else
			r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": EC point cannot be decoded");
		goto out;
	}
	if (!gcry_mpi_ec_curve_point(q, ctx)) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": EC point is not on the curve");
		goto out;
	}
	/* Parameters of no known curve: at least G must lie on the curve. */
	if (k->curve == CLV_CURVE_NONE &&
	    ((g = gcry_mpi_ec_get_point("g", ctx, 1)) == NULL ||
	    !gcry_mpi_ec_curve_point(g, ctx))) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    WHAT ": explicit base point is not on the curve");
		goto out;
	}
	if (!compressed) {
		r = clv_buf_set(&k->ec_point, pt, len);
		goto out;
	}
	/* Decompressed: write 04||X||Y with fixed-length coordinates. */
	x = gcry_mpi_new(0);
	y = gcry_mpi_new(0);
	if (gcry_mpi_ec_get_affine(x, y, q, ctx) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": EC point at infinity");
		goto out;
	}
	if ((buf = calloc(1, 2 * fb + 1)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	buf[0] = 0x04;
	if (gcry_mpi_print(GCRYMPI_FMT_USG, NULL, 0, &xl, x) != 0 || xl > fb ||
	    gcry_mpi_print(GCRYMPI_FMT_USG, NULL, 0, &yl, y) != 0 || yl > fb ||
	    gcry_mpi_print(GCRYMPI_FMT_USG, buf + 1 + fb - xl, xl, NULL, x) != 0 ||
	    gcry_mpi_print(GCRYMPI_FMT_USG, buf + 1 + 2 * fb - yl, yl, NULL, y) != 0) {
		r = CLV_E_CRYPTO;
		goto out;
	}
	clv_buf_free(&k->ec_point);
	k->ec_point.data = buf;
	k->ec_point.len = 2 * fb + 1;
	buf = NULL;
	r = 0;
out:
	free(buf);
	gcry_mpi_release(x);
	gcry_mpi_release(y);
	gcry_mpi_release(v);
	gcry_mpi_point_release(q);
	gcry_mpi_point_release(g);
	gcry_ctx_release(ctx);
	return r;
}

static int
is_present(asn1_node n, const char *name)
{
	return asn1_find_node(n, name) != NULL;
}

/* A non-negative INTEGER at name, stored as its magnitude. */
static int
read_uint(asn1_node n, const char *name, clv_buf_t *out, clv_diag_t *diag)
{
	clv_buf_t v = { NULL, 0 };
	int r = CLV_E_INTERNAL;

	if ((r = clv_der_read(n, name, &v)) != 0 || v.len == 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": cannot read INTEGER %s", name);
		goto out;
	}
	if (v.data[0] & 0x80) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": %s is negative", name);
		goto out;
	}
	r = buf_set_uint(out, v.data, v.len, 0);
out:
	clv_buf_free(&v);
	return r;
}

/*
 * X9.62 FieldElement (OCTET STRING) of at most fb octets, stored as read.
 * Real CSCAs (one each in the DE 2024/2025 and IT 2025 Master Lists) write a
 * 48-octet field element in 49 octets with a leading zero: the extra zero
 * octets are dropped, a value that does not fit the field is refused.
 */
static int
read_field_element(asn1_node n, const char *name, size_t fb, clv_buf_t *out,
    clv_diag_t *diag)
{
	int r;

	if ((r = clv_der_read(n, name, out)) != 0 || out->len == 0) {
		clv_buf_free(out);
		return clv_diag_set(diag, CLV_E_FORMAT, WHAT ": cannot read %s", name);
	}
	if (out->len > fb && uint_len(out) <= fb) {
		memmove(out->data, out->data + (out->len - fb), fb);
		out->len = fb;
	}
	if (out->len > fb) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": %s is %zu octets, the field "
		    "has %zu", name, out->len, fb);
		clv_buf_free(out);
		return r;
	}
	return 0;
}

/* Does an encoded base point (uncompressed or compressed) equal the
 * uncompressed point ref? */
static int
base_point_equal(const clv_buf_t *g, const clv_buf_t *ref, size_t fb)
{
	if (ref->len != 2 * fb + 1)
		return 0;
	if (g->len == 2 * fb + 1 && g->data[0] == 0x04)
		return memcmp(g->data, ref->data, g->len) == 0;
	if (g->len == fb + 1 && (g->data[0] == 0x02 || g->data[0] == 0x03))
		return memcmp(g->data + 1, ref->data + 1, fb) == 0 &&
		    (g->data[0] & 1) == (ref->data[2 * fb] & 1);
	return 0;
}

/*
 * Matches explicit parameters against the table.  On a match k->curve is set
 * and a compressed base point is replaced by the table's uncompressed one.
 */
static int
match_curve(clv_pubkey_t *k)
{
	domain_t d;
	size_t i;
	int r;

	for (i = 0; i < NCURVES; i++) {
		if (uint_len(&k->p) != curve_table[i].field_bytes)
			continue;
		if ((r = domain_load(&curve_table[i], &d)) != 0)
			return r;
		if (uint_equal(&k->p, &d.p) && uint_equal(&k->a, &d.a) &&
		    uint_equal(&k->b, &d.b) && uint_equal(&k->n, &d.n) &&
		    (k->h.len == 0 || uint_equal(&k->h, &d.h)) &&
		    base_point_equal(&k->g, &d.g, curve_table[i].field_bytes)) {
			k->curve = curve_table[i].id;
			if (k->g.len != d.g.len) {
				clv_buf_free(&k->g);
				k->g = d.g;
				d.g.data = NULL;
				d.g.len = 0;
			}
			domain_free(&d);
			return 0;
		}
		domain_free(&d);
	}
	k->curve = CLV_CURVE_NONE;
	return 0;
}

/* SpecifiedECDomain under prefix ("specifiedCurve."). */
static int
parse_specified(asn1_node ecp, clv_pubkey_t *k, clv_diag_t *diag)
{
	asn1_node prime = NULL;
	clv_buf_t pder = { NULL, 0 };
	char oid[128];
	long version;
	size_t fb;
	int r = CLV_E_INTERNAL;

	if (clv_der_read_int(ecp, "specifiedCurve.version", &version) != 0 ||
	    version < 1 || version > 3) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    WHAT ": SpecifiedECDomain version must be 1, 2 or 3");
		goto out;
	}
	if (clv_der_read_oid(ecp, "specifiedCurve.fieldID.fieldType", oid, sizeof(oid)) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": cannot read fieldID.fieldType");
		goto out;
	}
	if (strcmp(oid, OID_PRIME_FIELD) != 0) {
		r = clv_diag_set(diag, CLV_E_UNSUPPORTED_CURVE, WHAT ": field type %s is "
		    "not supported; only prime-field (" OID_PRIME_FIELD ")", oid);
		goto out;
	}
	if ((r = clv_der_read(ecp, "specifiedCurve.fieldID.parameters", &pder)) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": prime-field without the prime");
		goto out;
	}
	if ((r = clv_der_decode("Prime-p", pder.data, pder.len, &prime,
	    WHAT " fieldID.parameters", diag)) != 0)
		goto out;
	if ((r = read_uint(prime, "", &k->p, diag)) != 0)
		goto out;
	if ((fb = uint_len(&k->p)) == 0 || fb > 128) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": prime of %zu octets", fb);
		goto out;
	}
	if ((r = read_field_element(ecp, "specifiedCurve.curve.a", fb, &k->a, diag)) != 0 ||
	    (r = read_field_element(ecp, "specifiedCurve.curve.b", fb, &k->b, diag)) != 0)
		goto out;
	if ((r = clv_der_read(ecp, "specifiedCurve.base", &k->g)) != 0 ||
	    !((k->g.len == 2 * fb + 1 && k->g.data[0] == 0x04) ||
	    (k->g.len == fb + 1 && (k->g.data[0] == 0x02 || k->g.data[0] == 0x03)))) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": base point of %zu octets "
		    "for a %zu-octet field", k->g.len, fb);
		goto out;
	}
	if ((r = read_uint(ecp, "specifiedCurve.order", &k->n, diag)) != 0)
		goto out;
	if (is_present(ecp, "specifiedCurve.cofactor") &&
	    (r = read_uint(ecp, "specifiedCurve.cofactor", &k->h, diag)) != 0)
		goto out;
	if ((r = match_curve(k)) != 0)
		goto out;
	if (k->curve == CLV_CURVE_NONE && k->g.data[0] != 0x04) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": compressed EC points are not "
		    "supported (base point of an unknown curve)");
		goto out;
	}
	k->explicit_params = 1;
	r = 0;
out:
	clv_der_free(&prime);
	clv_buf_free(&pder);
	return r;
}

static int
parse_ec(const clv_buf_t *params, const clv_buf_t *point, clv_pubkey_t *k,
    clv_diag_t *diag)
{
	asn1_node ecp = NULL;
	const clv_curve_info_t *ci;
	domain_t d;
	char oid[128];
	int r = CLV_E_INTERNAL;

	k->type = CLV_KEY_EC;
	if (params->len == 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    WHAT ": id-ecPublicKey without ECParameters");
		goto out;
	}
	if ((r = clv_der_decode("ECParameters", params->data, params->len, &ecp,
	    WHAT " ECParameters", diag)) != 0)
		goto out;
	if (is_present(ecp, "namedCurve")) {
		if (clv_der_read_oid(ecp, "namedCurve", oid, sizeof(oid)) != 0) {
			r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": cannot read namedCurve");
			goto out;
		}
		if ((ci = clv_curve_by_oid(oid)) == NULL) {
			r = clv_diag_set(diag, CLV_E_UNSUPPORTED_CURVE,
			    WHAT ": unknown named curve OID %s", oid);
			goto out;
		}
		if ((r = domain_load(ci, &d)) != 0)
			goto out;
		domain_move(&d, k);
		k->curve = ci->id;
		k->explicit_params = 0;
	} else if (is_present(ecp, "specifiedCurve")) {
		if ((r = parse_specified(ecp, k, diag)) != 0)
			goto out;
	} else {
		r = clv_diag_set(diag, CLV_E_UNSUPPORTED_CURVE,
		    WHAT ": implicitCurve parameters are not supported");
		goto out;
	}
	r = ec_point_set(k, point->data, point->len, diag);
out:
	clv_der_free(&ecp);
	return r;
}

static int
parse_rsa(const clv_buf_t *bits, clv_pubkey_t *k, clv_diag_t *diag)
{
	asn1_node rsa = NULL;
	int r = CLV_E_INTERNAL;

	k->type = CLV_KEY_RSA;
	if ((r = clv_der_decode("RSAPublicKey", bits->data, bits->len, &rsa,
	    WHAT " RSAPublicKey", diag)) != 0)
		goto out;
	if ((r = read_uint(rsa, "modulus", &k->rsa_n, diag)) != 0 ||
	    (r = read_uint(rsa, "publicExponent", &k->rsa_e, diag)) != 0)
		goto out;
	if (uint_len(&k->rsa_n) == 0 || uint_len(&k->rsa_e) == 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": RSA modulus or exponent is zero");
		goto out;
	}
	r = 0;
out:
	clv_der_free(&rsa);
	return r;
}

/*
 * The subjectPublicKey octets.  asn1_read_value takes the buffer size of a
 * BIT STRING in octets and returns its length in bits; the buffer is as large
 * as the whole element, so a corrupt unused-bits octet cannot make libtasn1
 * copy past it.  The key must be a whole number of octets in a definite
 * minimal-length encoding: total = header + unused-bits octet + key octets.
 */
static int
read_key_bits(asn1_node spki, const unsigned char *der, size_t len, clv_buf_t *out,
    clv_diag_t *diag)
{
	unsigned char *p = NULL;
	size_t start = 0, end = 0, total, content, hdr;
	int bits, ret, r = CLV_E_INTERNAL;

	out->data = NULL;
	out->len = 0;
	if (clv_der_span(spki, der, len, "subjectPublicKey", &start, &end) != 0 ||
	    end <= start || end - start > (1u << 24)) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": cannot locate subjectPublicKey");
		goto out;
	}
	total = end - start;
	if ((p = malloc(total)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	bits = (int)total;
	if ((ret = asn1_read_value(spki, "subjectPublicKey", p, &bits)) != ASN1_SUCCESS) {
		clv_debug("asn1_read_value(subjectPublicKey): %s", asn1_strerror(ret));
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": cannot read subjectPublicKey");
		goto out;
	}
	if (bits <= 0 || bits % 8 != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": subjectPublicKey has %d bits; "
		    "expected a whole number of octets", bits);
		goto out;
	}
	content = (size_t)bits / 8 + 1;
	hdr = content < 0x80 ? 2 : content < 0x100 ? 3 : content < 0x10000 ? 4 : 5;
	if (hdr + content != total) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": subjectPublicKey BIT STRING has "
		    "unused bits or a non-DER length");
		goto out;
	}
	out->data = p;
	out->len = (size_t)bits / 8;
	p = NULL;
	r = 0;
out:
	free(p);
	return r;
}

void
clv_pubkey_free(clv_pubkey_t *k)
{
	if (k == NULL)
		return;
	clv_buf_free(&k->ec_point);
	clv_buf_free(&k->p);
	clv_buf_free(&k->a);
	clv_buf_free(&k->b);
	clv_buf_free(&k->g);
	clv_buf_free(&k->n);
	clv_buf_free(&k->h);
	clv_buf_free(&k->rsa_n);
	clv_buf_free(&k->rsa_e);
	free(k);
}

int
clv_pubkey_from_spki(const unsigned char *der, size_t len, clv_pubkey_t **out,
    clv_diag_t *diag)
{
	asn1_node spki = NULL;
	clv_pubkey_t *k = NULL;
	clv_buf_t params = { NULL, 0 }, bits = { NULL, 0 };
	char oid[128];
	int r = CLV_E_INTERNAL;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if (der == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = clv_der_decode("SubjectPublicKeyInfo", der, len, &spki, WHAT, diag)) != 0)
		goto out;
	if (clv_der_read_oid(spki, "algorithm.algorithm", oid, sizeof(oid)) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": cannot read the key algorithm");
		goto out;
	}
	if (is_present(spki, "algorithm.parameters") &&
	    (r = clv_der_read(spki, "algorithm.parameters", &params)) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": cannot read the key parameters");
		goto out;
	}
	if ((r = read_key_bits(spki, der, len, &bits, diag)) != 0)
		goto out;
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	if (strcmp(oid, OID_EC_PUBLIC_KEY) == 0) {
		if ((r = parse_ec(&params, &bits, k, diag)) != 0)
			goto out;
	} else if (strcmp(oid, OID_RSA_ENCRYPTION) == 0) {
		/* NULL or absent parameters. */
		if (params.len != 0 && !(params.len == 2 && params.data[0] == 0x05 &&
		    params.data[1] == 0x00)) {
			r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": rsaEncryption parameters "
			    "must be NULL or absent");
			goto out;
		}
		if ((r = parse_rsa(&bits, k, diag)) != 0)
			goto out;
	} else if (strcmp(oid, OID_RSASSA_PSS) == 0) {
		/* An RSASSA-PSS key (RFC 4055 3.1): the parameters restrict its use,
		 * the key itself is an RSAPublicKey. */
		if ((r = parse_rsa(&bits, k, diag)) != 0)
			goto out;
	} else {
		r = clv_diag_set(diag, CLV_E_UNSUPPORTED_ALG,
		    WHAT ": unsupported key algorithm OID %s", oid);
		goto out;
	}
	*out = k;
	k = NULL;
	r = 0;
out:
	clv_pubkey_free(k);
	clv_buf_free(&params);
	clv_buf_free(&bits);
	clv_der_free(&spki);
	return r;
}

/* DER of NULL, built from the module's only NULL type. */
static int
der_null(clv_buf_t *out)
{
	asn1_node n = NULL;
	int r;

	if ((r = clv_der_new("NameChange", &n)) != 0)
		return r;
	r = clv_der_encode(n, "", out);
	clv_der_free(&n);
	return r;
}

/* Writes an INTEGER or deletes the OPTIONAL element when v is empty. */
static int
write_uint_opt(asn1_node n, const char *name, const clv_buf_t *v)
{
	if (v->len == 0)
		return clv_der_write(n, name, NULL, 0);
	return clv_der_write_uint(n, name, v->data, v->len);
}

/* Writes a FieldElement padded to fb octets. */
static int
write_field_element(asn1_node n, const char *name, const clv_buf_t *v, size_t fb)
{
	clv_buf_t fe = { NULL, 0 };
	int r;

	if ((r = buf_set_uint(&fe, v->data, v->len, fb)) != 0)
		return r == CLV_E_FORMAT ? CLV_E_INVALID_ARG : r;
	r = clv_der_write(n, name, fe.data, (int)fe.len);
	clv_buf_free(&fe);
	return r;
}

/* ECParameters: namedCurve OID or SpecifiedECDomain. */
static int
ec_params_der(const clv_pubkey_t *k, int explicit_params, clv_buf_t *out)
{
	const clv_curve_info_t *ci = clv_curve_by_id(k->curve);
	asn1_node n = NULL, prime = NULL;
	clv_buf_t pder = { NULL, 0 };
	domain_t d;
	const domain_t *use;
	domain_t kd;
	size_t fb;
	unsigned char one = 1;
	int r = CLV_E_INTERNAL;

	memset(&d, 0, sizeof(d));
	if ((r = clv_der_new("ECParameters", &n)) != 0)
		goto out;
	if (!explicit_params) {
		if (ci == NULL) {
			clv_error("explicit curve parameters match no named curve");
			r = CLV_E_UNSUPPORTED_CURVE;
			goto out;
		}
		if ((r = clv_der_write_str(n, "", "namedCurve")) != 0 ||
		    (r = clv_der_write_str(n, "namedCurve", ci->oid)) != 0)
			goto out;
		r = clv_der_encode(n, "", out);
		goto out;
	}
	/* Known curves are written from libgcrypt's parameters; others as read. */
	if (ci != NULL) {
		if ((r = domain_load(ci, &d)) != 0)
			goto out;
		use = &d;
		fb = ci->field_bytes;
	} else {
		kd.p = k->p;
		kd.a = k->a;
		kd.b = k->b;
		kd.g = k->g;
		kd.n = k->n;
		kd.h = k->h;
		use = &kd;
		fb = uint_len(&k->p);
	}
	if (fb == 0 || use->a.len == 0 || use->b.len == 0 || use->n.len == 0 ||
	    use->g.len != 2 * fb + 1 || use->g.data[0] != 0x04) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if ((r = clv_der_new("Prime-p", &prime)) != 0 ||
	    (r = clv_der_write_uint(prime, "", use->p.data, use->p.len)) != 0 ||
	    (r = clv_der_encode(prime, "", &pder)) != 0)
		goto out;
	if ((r = clv_der_write_str(n, "", "specifiedCurve")) != 0 ||
	    (r = clv_der_write_uint(n, "specifiedCurve.version", &one, 1)) != 0 ||
	    (r = clv_der_write_str(n, "specifiedCurve.fieldID.fieldType",
	    OID_PRIME_FIELD)) != 0 ||
	    (r = clv_der_write_der(n, "specifiedCurve.fieldID.parameters", pder.data,
	    pder.len)) != 0 ||
	    (r = write_field_element(n, "specifiedCurve.curve.a", &use->a, fb)) != 0 ||
	    (r = write_field_element(n, "specifiedCurve.curve.b", &use->b, fb)) != 0 ||
	    (r = clv_der_write(n, "specifiedCurve.curve.seed", NULL, 0)) != 0 ||
	    (r = clv_der_write(n, "specifiedCurve.base", use->g.data,
	    (int)use->g.len)) != 0 ||
	    (r = clv_der_write_uint(n, "specifiedCurve.order", use->n.data,
	    use->n.len)) != 0 ||
	    (r = write_uint_opt(n, "specifiedCurve.cofactor", &use->h)) != 0 ||
	    (r = clv_der_write(n, "specifiedCurve.hash", NULL, 0)) != 0)
		goto out;
	r = clv_der_encode(n, "", out);
out:
	domain_free(&d);
	clv_buf_free(&pder);
	clv_der_free(&prime);
	clv_der_free(&n);
	return r;
}

static int
rsa_public_key_der(const clv_pubkey_t *k, clv_buf_t *out)
{
	asn1_node n = NULL;
	int r;

	if (k->rsa_n.len == 0 || k->rsa_e.len == 0)
		return CLV_E_INVALID_ARG;
	if ((r = clv_der_new("RSAPublicKey", &n)) == 0 &&
	    (r = clv_der_write_uint(n, "modulus", k->rsa_n.data, k->rsa_n.len)) == 0 &&
	    (r = clv_der_write_uint(n, "publicExponent", k->rsa_e.data,
	    k->rsa_e.len)) == 0)
		r = clv_der_encode(n, "", out);
	clv_der_free(&n);
	return r;
}

int
clv_pubkey_to_spki(const clv_pubkey_t *k, int explicit_params, clv_buf_t *out)
{
	asn1_node n = NULL;
	clv_buf_t params = { NULL, 0 }, key = { NULL, 0 };
	int r = CLV_E_INTERNAL;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (k == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = clv_der_new("SubjectPublicKeyInfo", &n)) != 0)
		goto out;
	if (k->type == CLV_KEY_EC) {
		if (k->ec_point.len == 0) {
			r = CLV_E_INVALID_ARG;
			goto out;
		}
		if ((r = ec_params_der(k, explicit_params, &params)) != 0 ||
		    (r = clv_der_write_str(n, "algorithm.algorithm", OID_EC_PUBLIC_KEY)) != 0 ||
		    (r = clv_der_write_der(n, "algorithm.parameters", params.data,
		    params.len)) != 0 ||
		    (r = clv_der_write(n, "subjectPublicKey", k->ec_point.data,
		    (int)(k->ec_point.len * 8))) != 0)
			goto out;
	} else if (k->type == CLV_KEY_RSA) {
		if ((r = rsa_public_key_der(k, &key)) != 0 ||
		    (r = der_null(&params)) != 0 ||
		    (r = clv_der_write_str(n, "algorithm.algorithm", OID_RSA_ENCRYPTION)) != 0 ||
		    (r = clv_der_write_der(n, "algorithm.parameters", params.data,
		    params.len)) != 0 ||
		    (r = clv_der_write(n, "subjectPublicKey", key.data,
		    (int)(key.len * 8))) != 0)
			goto out;
	} else {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	r = clv_der_encode(n, "", out);
out:
	clv_buf_free(&params);
	clv_buf_free(&key);
	clv_der_free(&n);
	return r;
}

int
clv_pubkey_new_ec(clv_curve_t curve, const unsigned char *point, size_t len,
    clv_pubkey_t **out)
{
	const clv_curve_info_t *ci;
	clv_pubkey_t *k = NULL;
	domain_t d;
	int r = CLV_E_INTERNAL;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if ((ci = clv_curve_by_id(curve)) == NULL)
		return CLV_E_UNSUPPORTED_CURVE;
	if (point == NULL || len != 2 * ci->field_bytes + 1 || point[0] != 0x04) {
		clv_debug("EC point of %zu octets for %s; expected %zu, uncompressed",
		    len, ci->name, 2 * ci->field_bytes + 1);
		return CLV_E_FORMAT;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return CLV_E_NOMEM;
	k->type = CLV_KEY_EC;
	k->curve = ci->id;
	if ((r = domain_load(ci, &d)) != 0)
		goto out;
	domain_move(&d, k);
	if ((r = ec_point_set(k, point, len, NULL)) != 0)
		goto out;
	*out = k;
	k = NULL;
	r = 0;
out:
	clv_pubkey_free(k);
	return r;
}

int
clv_pubkey_new_rsa(const unsigned char *n, size_t nlen, const unsigned char *e,
    size_t elen, clv_pubkey_t **out)
{
	clv_pubkey_t *k = NULL;
	int r = CLV_E_INTERNAL;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if (n == NULL || e == NULL || nlen == 0 || elen == 0)
		return CLV_E_INVALID_ARG;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return CLV_E_NOMEM;
	k->type = CLV_KEY_RSA;
	if ((r = buf_set_uint(&k->rsa_n, n, nlen, 0)) != 0 ||
	    (r = buf_set_uint(&k->rsa_e, e, elen, 0)) != 0)
		goto out;
	if (uint_len(&k->rsa_n) == 0 || uint_len(&k->rsa_e) == 0) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	*out = k;
	k = NULL;
	r = 0;
out:
	clv_pubkey_free(k);
	return r;
}

int
clv_pubkey_is_equal(const clv_pubkey_t *a, const clv_pubkey_t *b)
{
	if (a == NULL || b == NULL || a->type != b->type)
		return 0;
	if (a->type == CLV_KEY_RSA)
		return uint_equal(&a->rsa_n, &b->rsa_n) && uint_equal(&a->rsa_e, &b->rsa_e);
	if (a->type != CLV_KEY_EC)
		return 0;
	if (a->ec_point.len == 0 || a->ec_point.len != b->ec_point.len ||
	    memcmp(a->ec_point.data, b->ec_point.data, a->ec_point.len) != 0)
		return 0;
	if (a->curve != CLV_CURVE_NONE && b->curve != CLV_CURVE_NONE)
		return a->curve == b->curve;
	/* At least one unnamed curve: compare the domains by value. */
	return uint_equal(&a->p, &b->p) && uint_equal(&a->a, &b->a) &&
	    uint_equal(&a->b, &b->b) && a->g.len == b->g.len &&
	    memcmp(a->g.data, b->g.data, a->g.len) == 0 && uint_equal(&a->n, &b->n) &&
	    (a->h.len == 0 || b->h.len == 0 || uint_equal(&a->h, &b->h));
}

static size_t
bit_length(const clv_buf_t *v)
{
	size_t len = uint_len(v), bits;
	const unsigned char *p = v->data + (v->len - len);
	unsigned char top;

	if (len == 0)
		return 0;
	bits = 8 * (len - 1);
	for (top = p[0]; top != 0; top >>= 1)
		bits++;
	return bits;
}

void
clv_pubkey_describe(const clv_pubkey_t *k, char *out, size_t outlen)
{
	const clv_curve_info_t *ci;

	if (out == NULL || outlen == 0)
		return;
	if (k == NULL) {
		snprintf(out, outlen, "no key");
	} else if (k->type == CLV_KEY_RSA) {
		snprintf(out, outlen, "RSA %zu", bit_length(&k->rsa_n));
	} else if (k->type == CLV_KEY_EC) {
		if ((ci = clv_curve_by_id(k->curve)) != NULL)
			snprintf(out, outlen, "EC %s", ci->name);
		else
			snprintf(out, outlen, "EC explicit %zu-bit prime curve",
			    bit_length(&k->p));
	} else {
		snprintf(out, outlen, "unknown key type");
	}
}

int
clv_pubkey_key_id(const clv_pubkey_t *k, unsigned char out[20])
{
	clv_buf_t key = { NULL, 0 };
	unsigned char h[CLV_HASH_MAX];
	int r = CLV_E_INTERNAL;

	if (k == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	if (k->type == CLV_KEY_EC) {
		if (k->ec_point.len == 0)
			return CLV_E_INVALID_ARG;
		r = clv_hash(CLV_HASH_SHA1, k->ec_point.data, k->ec_point.len, h);
	} else if (k->type == CLV_KEY_RSA) {
		if ((r = rsa_public_key_der(k, &key)) != 0)
			goto out;
		r = clv_hash(CLV_HASH_SHA1, key.data, key.len, h);
	} else {
		return CLV_E_INVALID_ARG;
	}
	if (r != 0)
		goto out;
	memcpy(out, h, 20);
	r = 0;
out:
	clv_buf_free(&key);
	return r;
}
