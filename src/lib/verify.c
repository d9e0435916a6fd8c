/*
 * Signature verification through libgcrypt.
 *
 * GnuTLS cannot load brainpool or explicit-parameter EC keys, and strict RSA
 * verifiers reject the DigestInfo without NULL found in the ICAO Master List,
 * so the three schemes are done here on libgcrypt primitives:
 *
 *  - ECDSA: the key is given to libgcrypt by curve name when the curve is
 *    known, otherwise by its explicit parameters (p, a, b, G, n, h).  The
 *    digest is truncated to the bit length of n on the host (X9.62 / FIPS
 *    186-4 rule), because libgcrypt does not truncate a plain value.
 *  - RSA PKCS#1 v1.5: m = s^e mod n with gcry_mpi_powm, then the whole
 *    encoded message is compared with the two accepted encodings (DigestInfo
 *    with and without the NULL parameter).
 *  - RSA-PSS: libgcrypt's pss encoding (MGF1 hash must equal the hash).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>
#include <libtasn1.h>

#include "der.h"
#include "verify.h"

/* Largest RSA modulus we verify (octets): 16384 bits. */
#define RSA_MAX_BYTES 2048

static const char *
gcry_hash_name(clv_hash_alg_t h)
{
	switch (h) {
	case CLV_HASH_SHA1:   return "sha1";
	case CLV_HASH_SHA224: return "sha224";
	case CLV_HASH_SHA256: return "sha256";
	case CLV_HASH_SHA384: return "sha384";
	case CLV_HASH_SHA512: return "sha512";
	default:              return NULL;
	}
}

/* DER of the hash algorithm OID (tag and length included). */
static int
hash_oid_der(clv_hash_alg_t h, const unsigned char **oid, size_t *len)
{
	static const unsigned char sha1[] = { 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a };
	static const unsigned char sha224[] = { 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	    0x03, 0x04, 0x02, 0x04 };
	static const unsigned char sha256[] = { 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	    0x03, 0x04, 0x02, 0x01 };
	static const unsigned char sha384[] = { 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	    0x03, 0x04, 0x02, 0x02 };
	static const unsigned char sha512[] = { 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	    0x03, 0x04, 0x02, 0x03 };

	switch (h) {
	case CLV_HASH_SHA1:   *oid = sha1;   *len = sizeof(sha1);   return 0;
	case CLV_HASH_SHA224: *oid = sha224; *len = sizeof(sha224); return 0;
	case CLV_HASH_SHA256: *oid = sha256; *len = sizeof(sha256); return 0;
	case CLV_HASH_SHA384: *oid = sha384; *len = sizeof(sha384); return 0;
	case CLV_HASH_SHA512: *oid = sha512; *len = sizeof(sha512); return 0;
	default:              return CLV_E_UNSUPPORTED_ALG;
	}
}

/*
 * EMSA-PKCS1-v1_5 encoding of length k: 00 01 FF.. 00 DigestInfo, where the
 * DigestInfo's AlgorithmIdentifier carries the NULL parameter or none.
 * All lengths here are below 128, so every DER length is one octet.
 */
static int
emsa_pkcs1(clv_hash_alg_t h, const unsigned char *digest, size_t dlen, int with_null,
    unsigned char *em, size_t k)
{
	const unsigned char *oid;
	size_t oidlen, alglen, tlen, ps, o;
	int r;

	if ((r = hash_oid_der(h, &oid, &oidlen)) != 0)
		return r;
	alglen = oidlen + (with_null ? 2 : 0);
	tlen = 2 + (2 + alglen) + (2 + dlen);
	if (k < tlen + 11)
		return CLV_E_SIG_INVALID;   /* modulus too short for this hash */
	ps = k - tlen - 3;
	o = 0;
	em[o++] = 0x00;
	em[o++] = 0x01;
	memset(em + o, 0xff, ps);
	o += ps;
	em[o++] = 0x00;
	em[o++] = 0x30;
	em[o++] = (unsigned char)(tlen - 2);
	em[o++] = 0x30;
	em[o++] = (unsigned char)alglen;
	memcpy(em + o, oid, oidlen);
	o += oidlen;
	if (with_null) {
		em[o++] = 0x05;
		em[o++] = 0x00;
	}
	em[o++] = 0x04;
	em[o++] = (unsigned char)dlen;
	memcpy(em + o, digest, dlen);
	o += dlen;
	return o == k ? 0 : CLV_E_INTERNAL;
}

/* 1 if equal; time independent of where the buffers differ. */
static int
ct_equal(const unsigned char *a, const unsigned char *b, size_t len)
{
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < len; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

static int
gcry_verify_result(gcry_error_t err, const char *what)
{
	if (err == 0)
		return 0;
	if (gcry_err_code(err) == GPG_ERR_BAD_SIGNATURE)
		return CLV_E_SIG_INVALID;
	clv_debug("%s: gcry_pk_verify: %s", what, gcry_strerror(err));
	return CLV_E_CRYPTO;
}

/* Strips leading zero octets of a big-endian magnitude. */
static void
strip_zeros(const unsigned char **p, size_t *len)
{
	while (*len > 0 && (*p)[0] == 0) {
		(*p)++;
		(*len)--;
	}
}

static int
verify_rsa_pkcs1(const clv_pubkey_t *key, const clv_sigalg_t *alg,
    const unsigned char *digest, size_t dlen, const unsigned char *sig, size_t siglen)
{
	int r = CLV_E_INTERNAL;
	gcry_mpi_t n = NULL, e = NULL, s = NULL, m = NULL;
	gcry_error_t err;
	unsigned char *em = NULL, *exp_null = NULL, *exp_bare = NULL;
	const unsigned char *np = key->rsa_n.data;
	size_t k = key->rsa_n.len, mlen = 0;
	int ok_null, ok_bare;

	strip_zeros(&np, &k);
	if (k == 0 || k > RSA_MAX_BYTES || key->rsa_e.len == 0) {
		r = CLV_E_CRYPTO;
		clv_debug("RSA key: modulus of %zu octets", k);
		goto out;
	}
	if (siglen != k) {
		clv_debug("RSA signature of %zu octets, modulus of %zu", siglen, k);
		r = CLV_E_SIG_INVALID;
		goto out;
	}
	if ((err = gcry_mpi_scan(&n, GCRYMPI_FMT_USG, np, k, NULL)) != 0 ||
	    (err = gcry_mpi_scan(&e, GCRYMPI_FMT_USG, key->rsa_e.data, key->rsa_e.len,
	    NULL)) != 0 ||
	    (err = gcry_mpi_scan(&s, GCRYMPI_FMT_USG, sig, siglen, NULL)) != 0) {
		clv_error("gcry_mpi_scan: %s", gcry_strerror(err));
		r = CLV_E_CRYPTO;
		goto out;
	}
	if (gcry_mpi_cmp(s, n) >= 0) {
		r = CLV_E_SIG_INVALID;     /* RSAVP1: s out of range */
		goto out;
	}
	if ((m = gcry_mpi_new(0)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	gcry_mpi_powm(m, s, e, n);
	if ((em = calloc(1, k)) == NULL || (exp_null = calloc(1, k)) == NULL ||
	    (exp_bare = calloc(1, k)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	/* I2OSP(m, k): m < n, so it fits; left-pad with zeros. */
	if ((err = gcry_mpi_print(GCRYMPI_FMT_USG, em, k, &mlen, m)) != 0 || mlen > k) {
		clv_error("gcry_mpi_print: %s", gcry_strerror(err));
		r = CLV_E_CRYPTO;
		goto out;
	}
	if (mlen < k) {
		memmove(em + (k - mlen), em, mlen);
		memset(em, 0, k - mlen);
	}
	if ((r = emsa_pkcs1(alg->hash, digest, dlen, 1, exp_null, k)) != 0 ||
	    (r = emsa_pkcs1(alg->hash, digest, dlen, 0, exp_bare, k)) != 0)
		goto out;
	ok_null = ct_equal(em, exp_null, k);
	ok_bare = ct_equal(em, exp_bare, k);
	if (ok_bare && !ok_null)
		clv_debug("RSA PKCS#1 v1.5: DigestInfo without NULL parameter accepted");
	r = (ok_null | ok_bare) ? 0 : CLV_E_SIG_INVALID;
out:
	gcry_mpi_release(n);
	gcry_mpi_release(e);
	gcry_mpi_release(s);
	gcry_mpi_release(m);
	free(em);
	free(exp_null);
	free(exp_bare);
	return r;
}

static int
verify_rsa_pss(const clv_pubkey_t *key, const clv_sigalg_t *alg,
    const unsigned char *digest, size_t dlen, const unsigned char *sig, size_t siglen)
{
	int r = CLV_E_INTERNAL;
	gcry_sexp_t s_key = NULL, s_data = NULL, s_sig = NULL;
	gcry_error_t err;
	const unsigned char *np = key->rsa_n.data;
	size_t k = key->rsa_n.len;
	clv_hash_alg_t mgf = alg->mgf_hash == CLV_HASH_NONE ? alg->hash : alg->mgf_hash;

	if (mgf != alg->hash) {
		clv_debug("RSA-PSS: MGF1 with %s under %s is not supported",
		    clv_hash_name(mgf), clv_hash_name(alg->hash));
		r = CLV_E_UNSUPPORTED_ALG;
		goto out;
	}
	strip_zeros(&np, &k);
	if (k == 0 || k > RSA_MAX_BYTES || key->rsa_e.len == 0) {
		r = CLV_E_CRYPTO;
		goto out;
	}
	if (siglen != k) {
		clv_debug("RSA-PSS signature of %zu octets, modulus of %zu", siglen, k);
		r = CLV_E_SIG_INVALID;
		goto out;
	}
	if ((err = gcry_sexp_build(&s_key, NULL, "(public-key (rsa (n %b)(e %b)))",
	    (int)k, np, (int)key->rsa_e.len, key->rsa_e.data)) != 0 ||
	    (err = gcry_sexp_build(&s_data, NULL,
	    "(data (flags pss)(hash %s %b)(salt-length %u))",
	    gcry_hash_name(alg->hash), (int)dlen, digest, alg->salt_len)) != 0 ||
	    (err = gcry_sexp_build(&s_sig, NULL, "(sig-val (rsa (s %b)))",
	    (int)siglen, sig)) != 0) {
		clv_error("gcry_sexp_build: %s", gcry_strerror(err));
		r = CLV_E_CRYPTO;
		goto out;
	}
	r = gcry_verify_result(gcry_pk_verify(s_sig, s_data, s_key), "RSA-PSS");
out:
	gcry_sexp_release(s_key);
	gcry_sexp_release(s_data);
	gcry_sexp_release(s_sig);
	return r;
}

/* r and s of an Ecdsa-Sig-Value, as positive big-endian magnitudes. */
static int
ecdsa_sig_decode(const unsigned char *der, size_t len, clv_buf_t *rr, clv_buf_t *ss)
{
	int r = CLV_E_INTERNAL;
	asn1_node n = NULL;
	clv_buf_t *parts[2] = { rr, ss };
	const char *names[2] = { "r", "s" };
	size_t i;

	if ((r = clv_der_decode("Ecdsa-Sig-Value", der, len, &n, "ECDSA signature",
	    NULL)) != 0) {
		r = CLV_E_DER;
		goto out;
	}
	for (i = 0; i < 2; i++) {
		if ((r = clv_der_read(n, names[i], parts[i])) != 0)
			goto out;
		/* INTEGER must be positive: no sign bit, not zero. */
		if (parts[i]->len == 0 || (parts[i]->data[0] & 0x80) != 0) {
			r = CLV_E_SIG_INVALID;
			goto out;
		}
	}
	r = 0;
out:
	clv_der_free(&n);
	return r;
}

/* Bit length of the group order, for the digest truncation. */
static int
ecc_order_bits(const clv_pubkey_t *key, const clv_curve_info_t *ci, unsigned *bits)
{
	int r = CLV_E_INTERNAL;
	gcry_sexp_t params = NULL;
	gcry_mpi_t n = NULL;
	gcry_error_t err;

	if (ci == NULL) {
		if ((err = gcry_mpi_scan(&n, GCRYMPI_FMT_USG, key->n.data, key->n.len,
		    NULL)) != 0) {
			clv_error("gcry_mpi_scan: %s", gcry_strerror(err));
			r = CLV_E_CRYPTO;
			goto out;
		}
	} else {
		if ((params = gcry_pk_get_param(GCRY_PK_ECC, ci->gcry_name)) == NULL) {
			clv_error("libgcrypt does not know curve %s", ci->gcry_name);
			r = CLV_E_UNSUPPORTED_CURVE;
			goto out;
		}
		if ((err = gcry_sexp_extract_param(params, NULL, "n", &n, NULL)) != 0) {
			clv_error("gcry_sexp_extract_param: %s", gcry_strerror(err));
			r = CLV_E_CRYPTO;
			goto out;
		}
	}
	*bits = gcry_mpi_get_nbits(n);
	r = *bits > 0 ? 0 : CLV_E_CRYPTO;
out:
	gcry_mpi_release(n);
	gcry_sexp_release(params);
	return r;
}

static int
ecc_key_sexp(const clv_pubkey_t *key, const clv_curve_info_t *ci, gcry_sexp_t *out)
{
	int r = CLV_E_INTERNAL;
	const clv_buf_t *src[6] = { &key->p, &key->a, &key->b, &key->g, &key->n, &key->h };
	gcry_mpi_t m[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
	gcry_error_t err = 0;
	size_t i;

	if (ci != NULL) {
		err = gcry_sexp_build(out, NULL, "(public-key (ecc (curve %s)(q %b)))",
		    ci->gcry_name, (int)key->ec_point.len, key->ec_point.data);
		goto built;
	}
	/* explicit parameters, all unsigned big-endian; the point G as an MPI
	 * of its uncompressed encoding, as libgcrypt's own curve tables give it */
	for (i = 0; i < 6; i++) {
		if (src[i]->len == 0)
			continue;
		if ((err = gcry_mpi_scan(&m[i], GCRYMPI_FMT_USG, src[i]->data, src[i]->len,
		    NULL)) != 0)
			goto built;
	}
	if (m[5] != NULL)
		err = gcry_sexp_build(out, NULL,
		    "(public-key (ecc (p %m)(a %m)(b %m)(g %m)(n %m)(h %m)(q %b)))",
		    m[0], m[1], m[2], m[3], m[4], m[5],
		    (int)key->ec_point.len, key->ec_point.data);
	else
		err = gcry_sexp_build(out, NULL,
		    "(public-key (ecc (p %m)(a %m)(b %m)(g %m)(n %m)(q %b)))",
		    m[0], m[1], m[2], m[3], m[4],
		    (int)key->ec_point.len, key->ec_point.data);
built:
	if (err != 0) {
		clv_error("EC public key for libgcrypt: %s", gcry_strerror(err));
		r = CLV_E_CRYPTO;
	} else {
		r = 0;
	}
	for (i = 0; i < 6; i++)
		gcry_mpi_release(m[i]);
	return r;
}

static int
verify_ecdsa(const clv_pubkey_t *key, const unsigned char *digest, size_t dlen,
    const unsigned char *sig, size_t siglen)
{
	int r = CLV_E_INTERNAL;
	const clv_curve_info_t *ci = NULL;
	gcry_sexp_t s_key = NULL, s_data = NULL, s_sig = NULL;
	gcry_error_t err;
	clv_buf_t rr = { 0 }, ss = { 0 };
	unsigned char e[CLV_HASH_MAX];
	size_t elen = dlen, i;
	unsigned qbits = 0, shift;

	if (key->ec_point.len == 0) {
		r = CLV_E_CRYPTO;
		goto out;
	}
	if (key->curve != CLV_CURVE_NONE) {
		if ((ci = clv_curve_by_id(key->curve)) == NULL || ci->gcry_name == NULL) {
			r = CLV_E_UNSUPPORTED_CURVE;
			goto out;
		}
	} else if (key->p.len == 0 || key->a.len == 0 || key->b.len == 0 ||
	    key->g.len == 0 || key->n.len == 0) {
		clv_debug("EC key with neither a known curve nor explicit parameters");
		r = CLV_E_UNSUPPORTED_CURVE;
		goto out;
	}
	if ((r = ecdsa_sig_decode(sig, siglen, &rr, &ss)) != 0)
		goto out;
	if ((r = ecc_order_bits(key, ci, &qbits)) != 0)
		goto out;
	/* e = leftmost qbits of the digest. */
	memcpy(e, digest, dlen);
	if ((size_t)qbits < dlen * 8) {
		elen = (qbits + 7) / 8;
		shift = (unsigned)(elen * 8 - qbits);
		if (shift > 0) {
			for (i = elen; i-- > 0; ) {
				e[i] = (unsigned char)(e[i] >> shift);
				if (i > 0)
					e[i] |= (unsigned char)(e[i - 1] << (8 - shift));
			}
		}
	}
	if ((r = ecc_key_sexp(key, ci, &s_key)) != 0)
		goto out;
	if ((err = gcry_sexp_build(&s_data, NULL, "(data (flags raw)(value %b))",
	    (int)elen, e)) != 0 ||
	    (err = gcry_sexp_build(&s_sig, NULL, "(sig-val (ecdsa (r %b)(s %b)))",
	    (int)rr.len, rr.data, (int)ss.len, ss.data)) != 0) {
		clv_error("gcry_sexp_build: %s", gcry_strerror(err));
		r = CLV_E_CRYPTO;
		goto out;
	}
	r = gcry_verify_result(gcry_pk_verify(s_sig, s_data, s_key), "ECDSA");
out:
	gcry_sexp_release(s_key);
	gcry_sexp_release(s_data);
	gcry_sexp_release(s_sig);
	clv_buf_free(&rr);
	clv_buf_free(&ss);
	return r;
}

int
clv_verify(const clv_pubkey_t *key, const clv_sigalg_t *alg,
    const unsigned char *data, size_t len, const unsigned char *sig, size_t siglen)
{
	int r = CLV_E_INTERNAL;
	unsigned char digest[CLV_HASH_MAX];
	size_t dlen;

	if (key == NULL || alg == NULL || (data == NULL && len > 0) || sig == NULL)
		return CLV_E_INVALID_ARG;
	if (gcry_hash_name(alg->hash) == NULL) {
		r = CLV_E_UNSUPPORTED_ALG;
		goto out;
	}
	if (alg->key != key->type) {
		clv_debug("signature algorithm for key type %d, key of type %d",
		    (int)alg->key, (int)key->type);
		r = CLV_E_KEY_MISMATCH;
		goto out;
	}
	dlen = clv_hash_len(alg->hash);
	if (dlen == 0 || dlen > sizeof(digest)) {
		r = CLV_E_UNSUPPORTED_ALG;
		goto out;
	}
	if ((r = clv_hash(alg->hash, data, len, digest)) != 0)
		goto out;
	switch (key->type) {
	case CLV_KEY_EC:
		r = verify_ecdsa(key, digest, dlen, sig, siglen);
		break;
	case CLV_KEY_RSA:
		if (alg->pss)
			r = verify_rsa_pss(key, alg, digest, dlen, sig, siglen);
		else
			r = verify_rsa_pkcs1(key, alg, digest, dlen, sig, siglen);
		break;
	default:
		r = CLV_E_UNSUPPORTED_ALG;
		break;
	}
out:
	explicit_bzero(digest, sizeof(digest));
	return r;
}
