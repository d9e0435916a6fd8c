/*
 * Unit tests: clv_verify.  Keys are generated and signatures made with
 * libgcrypt directly (or, for PKCS#1 v1.5, by building the encoded message
 * here and applying the private exponent), so the verifier is checked
 * against an independent signer.
 */
#include "config.h"

#include <string.h>

#include <gcrypt.h>

#include "pubkey.h"
#include "sigalg.h"
#include "unit.h"
#include "util.h"
#include "verify.h"

static const unsigned char msg[] = "Conclave test message: TBSCertificate stand-in";
static const unsigned char other_msg[] = "Conclave test message: TBSCertificate stand-In";

static void
gcry_init(void)
{
	if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
		gcry_check_version(NULL);
		gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
		gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	}
}

static const char *
hname(clv_hash_alg_t h)
{
	switch (h) {
	case CLV_HASH_SHA1:   return "sha1";
	case CLV_HASH_SHA224: return "sha224";
	case CLV_HASH_SHA256: return "sha256";
	case CLV_HASH_SHA384: return "sha384";
	case CLV_HASH_SHA512: return "sha512";
	default:              return "none";
	}
}

static clv_sigalg_t
ecdsa_alg(clv_hash_alg_t h)
{
	clv_sigalg_t a;

	memset(&a, 0, sizeof(a));
	a.key = CLV_KEY_EC;
	a.hash = h;
	return a;
}

static clv_sigalg_t
rsa_alg(clv_hash_alg_t h, int pss, clv_hash_alg_t mgf, unsigned salt)
{
	clv_sigalg_t a;

	memset(&a, 0, sizeof(a));
	a.key = CLV_KEY_RSA;
	a.hash = h;
	a.pss = pss;
	a.mgf_hash = mgf;
	a.salt_len = salt;
	return a;
}

/* Appends a DER TLV (short or long length) to out (caller-sized). */
static size_t
put_tlv(unsigned char *out, unsigned char tag, const unsigned char *v, size_t len)
{
	size_t o = 0;

	out[o++] = tag;
	if (len < 0x80) {
		out[o++] = (unsigned char)len;
	} else if (len < 0x100) {
		out[o++] = 0x81;
		out[o++] = (unsigned char)len;
	} else {
		out[o++] = 0x82;
		out[o++] = (unsigned char)(len >> 8);
		out[o++] = (unsigned char)len;
	}
	memcpy(out + o, v, len);
	return o + len;
}

/* Ecdsa-Sig-Value DER from libgcrypt's (sig-val (ecdsa (r)(s))). */
static void
ecdsa_sig_der(gcry_sexp_t sig, clv_buf_t *out)
{
	gcry_mpi_t r = NULL, s = NULL;
	unsigned char rb[80], sb[80], ints[200], seq[210];
	size_t rl = 0, sl = 0, il = 0, ql;

	CU_ASSERT_FATAL(gcry_sexp_extract_param(sig, "ecdsa", "rs", &r, &s, NULL) == 0);
	/* STD format: two's complement, a leading zero when the top bit is set */
	CU_ASSERT_FATAL(gcry_mpi_print(GCRYMPI_FMT_STD, rb, sizeof(rb), &rl, r) == 0);
	CU_ASSERT_FATAL(gcry_mpi_print(GCRYMPI_FMT_STD, sb, sizeof(sb), &sl, s) == 0);
	il = put_tlv(ints, 0x02, rb, rl);
	il += put_tlv(ints + il, 0x02, sb, sl);
	ql = put_tlv(seq, 0x30, ints, il);
	CU_ASSERT_FATAL(clv_buf_set(out, seq, ql) == 0);
	gcry_mpi_release(r);
	gcry_mpi_release(s);
}

static void
ec_keygen(clv_curve_t curve, gcry_sexp_t *priv, clv_pubkey_t **pub)
{
	const clv_curve_info_t *ci = clv_curve_by_id(curve);
	gcry_sexp_t parm = NULL, kp = NULL, q = NULL;
	const char *qd;
	size_t ql = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ci);
	CU_ASSERT_FATAL(gcry_sexp_build(&parm, NULL, "(genkey (ecc (curve %s)))",
	    ci->gcry_name) == 0);
	CU_ASSERT_FATAL(gcry_pk_genkey(&kp, parm) == 0);
	*priv = gcry_sexp_find_token(kp, "private-key", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*priv);
	q = gcry_sexp_find_token(kp, "q", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	qd = gcry_sexp_nth_data(q, 1, &ql);
	CU_ASSERT_FATAL(qd != NULL && ql > 0 && qd[0] == 0x04);
	CU_ASSERT_FATAL(clv_pubkey_new_ec(curve, (const unsigned char *)qd, ql, pub) == 0);
	gcry_sexp_release(q);
	gcry_sexp_release(kp);
	gcry_sexp_release(parm);
}

/* ECDSA over data with hash h, libgcrypt doing the digest truncation. */
static void
ecdsa_sign(gcry_sexp_t priv, clv_hash_alg_t h, const unsigned char *data, size_t len,
    clv_buf_t *sig)
{
	unsigned char dg[CLV_HASH_MAX];
	gcry_sexp_t sd = NULL, ss = NULL;

	CU_ASSERT_FATAL(clv_hash(h, data, len, dg) == 0);
	CU_ASSERT_FATAL(gcry_sexp_build(&sd, NULL, "(data (flags rfc6979)(hash %s %b))",
	    hname(h), (int)clv_hash_len(h), dg) == 0);
	CU_ASSERT_FATAL(gcry_pk_sign(&ss, sd, priv) == 0);
	ecdsa_sig_der(ss, sig);
	gcry_sexp_release(sd);
	gcry_sexp_release(ss);
}

static void
ecdsa_roundtrip(clv_curve_t curve, clv_hash_alg_t h)
{
	gcry_sexp_t priv = NULL, priv2 = NULL;
	clv_pubkey_t *pub = NULL, *pub2 = NULL;
	clv_buf_t sig = { NULL, 0 };
	clv_sigalg_t alg = ecdsa_alg(h);
	clv_sigalg_t other = ecdsa_alg(h == CLV_HASH_SHA256 ? CLV_HASH_SHA384 : CLV_HASH_SHA256);

	ec_keygen(curve, &priv, &pub);
	ec_keygen(curve, &priv2, &pub2);
	ecdsa_sign(priv, h, msg, sizeof(msg), &sig);

	CU_ASSERT_EQUAL(clv_verify(pub, &alg, msg, sizeof(msg), sig.data, sig.len), 0);
	/* wrong data, wrong hash, wrong key */
	CU_ASSERT_EQUAL(clv_verify(pub, &alg, other_msg, sizeof(other_msg), sig.data,
	    sig.len), CLV_E_SIG_INVALID);
	CU_ASSERT_EQUAL(clv_verify(pub, &other, msg, sizeof(msg), sig.data, sig.len),
	    CLV_E_SIG_INVALID);
	CU_ASSERT_EQUAL(clv_verify(pub2, &alg, msg, sizeof(msg), sig.data, sig.len),
	    CLV_E_SIG_INVALID);
	/* last octet of s changed */
	sig.data[sig.len - 1] ^= 0x01;
	CU_ASSERT_EQUAL(clv_verify(pub, &alg, msg, sizeof(msg), sig.data, sig.len),
	    CLV_E_SIG_INVALID);

	clv_buf_free(&sig);
	clv_pubkey_free(pub);
	clv_pubkey_free(pub2);
	gcry_sexp_release(priv);
	gcry_sexp_release(priv2);
}

static void
test_ecdsa_p256(void)
{
	ecdsa_roundtrip(CLV_CURVE_P256, CLV_HASH_SHA256);
}

static void
test_ecdsa_bp384(void)
{
	ecdsa_roundtrip(CLV_CURVE_BP384R1, CLV_HASH_SHA384);
}

/* A digest longer than the group order is truncated to its leftmost bits. */
static void
test_ecdsa_digest_truncation(void)
{
	ecdsa_roundtrip(CLV_CURVE_BP384R1, CLV_HASH_SHA512);
	ecdsa_roundtrip(CLV_CURVE_P256, CLV_HASH_SHA512);
	/* P-521: the digest is shorter than the order, nothing to truncate */
	ecdsa_roundtrip(CLV_CURVE_P521, CLV_HASH_SHA512);
}

/* Explicit parameters that match no known curve are used as given. */
static void
test_ecdsa_explicit_unknown_curve(void)
{
	gcry_sexp_t priv = NULL, cp = NULL;
	clv_pubkey_t *named = NULL, *expl = NULL;
	clv_buf_t sig = { NULL, 0 };
	clv_sigalg_t alg = ecdsa_alg(CLV_HASH_SHA384);
	gcry_mpi_t m[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
	clv_buf_t *dst[6];
	unsigned char buf[200];
	size_t i, bl;
	int rc;

	ec_keygen(CLV_CURVE_BP384R1, &priv, &named);
	ecdsa_sign(priv, CLV_HASH_SHA384, msg, sizeof(msg), &sig);

	expl = calloc(1, sizeof(*expl));
	CU_ASSERT_PTR_NOT_NULL_FATAL(expl);
	expl->type = CLV_KEY_EC;
	expl->curve = CLV_CURVE_NONE;
	expl->explicit_params = 1;
	CU_ASSERT_FATAL(clv_buf_set(&expl->ec_point, named->ec_point.data,
	    named->ec_point.len) == 0);
	cp = gcry_pk_get_param(GCRY_PK_ECC, "brainpoolP384r1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cp);
	CU_ASSERT_FATAL(gcry_sexp_extract_param(cp, NULL, "pabgnh", &m[0], &m[1], &m[2],
	    &m[3], &m[4], &m[5], NULL) == 0);
	dst[0] = &expl->p;
	dst[1] = &expl->a;
	dst[2] = &expl->b;
	dst[3] = &expl->g;
	dst[4] = &expl->n;
	dst[5] = &expl->h;
	for (i = 0; i < 6; i++) {
		CU_ASSERT_FATAL(gcry_mpi_print(GCRYMPI_FMT_USG, buf, sizeof(buf), &bl,
		    m[i]) == 0);
		CU_ASSERT_FATAL(clv_buf_set(dst[i], buf, bl) == 0);
	}
	CU_ASSERT_EQUAL(expl->g.data[0], 0x04);

	CU_ASSERT_EQUAL(clv_verify(expl, &alg, msg, sizeof(msg), sig.data, sig.len), 0);
	CU_ASSERT_EQUAL(clv_verify(expl, &alg, other_msg, sizeof(other_msg), sig.data,
	    sig.len), CLV_E_SIG_INVALID);
	/* truncation with explicit parameters: SHA-512 over a 384-bit order */
	clv_buf_free(&sig);
	ecdsa_sign(priv, CLV_HASH_SHA512, msg, sizeof(msg), &sig);
	alg = ecdsa_alg(CLV_HASH_SHA512);
	CU_ASSERT_EQUAL(clv_verify(expl, &alg, msg, sizeof(msg), sig.data, sig.len), 0);
	/* a different b is a different curve: the signature cannot verify */
	expl->b.data[expl->b.len - 1] ^= 0x01;
	rc = clv_verify(expl, &alg, msg, sizeof(msg), sig.data, sig.len);
	CU_ASSERT_NOT_EQUAL(rc, 0);
	/* neither a known curve nor parameters */
	clv_buf_free(&expl->p);
	rc = clv_verify(expl, &alg, msg, sizeof(msg), sig.data, sig.len);
	CU_ASSERT_EQUAL(rc, CLV_E_UNSUPPORTED_CURVE);

	for (i = 0; i < 6; i++)
		gcry_mpi_release(m[i]);
	gcry_sexp_release(cp);
	clv_buf_free(&sig);
	clv_pubkey_free(named);
	clv_pubkey_free(expl);
	gcry_sexp_release(priv);
}

static void
test_ecdsa_malformed_signature(void)
{
	gcry_sexp_t priv = NULL;
	clv_pubkey_t *pub = NULL;
	clv_buf_t sig = { NULL, 0 };
	clv_sigalg_t alg = ecdsa_alg(CLV_HASH_SHA256);
	unsigned char bad[160];
	static const unsigned char garbage[] = { 0x30, 0x03, 0x02, 0x01 };
	/* r = -1, s = 1: well-formed DER, out of range */
	static const unsigned char negative[] = { 0x30, 0x06, 0x02, 0x01, 0xff, 0x02,
	    0x01, 0x01 };
	int rc;

	ec_keygen(CLV_CURVE_P256, &priv, &pub);
	ecdsa_sign(priv, CLV_HASH_SHA256, msg, sizeof(msg), &sig);
	CU_ASSERT_FATAL(sig.len + 1 <= sizeof(bad));

	rc = clv_verify(pub, &alg, msg, sizeof(msg), garbage, sizeof(garbage));
	CU_ASSERT(rc != 0 && rc != CLV_E_SIG_INVALID);
	/* a trailing byte after the Ecdsa-Sig-Value */
	memcpy(bad, sig.data, sig.len);
	bad[sig.len] = 0x00;
	rc = clv_verify(pub, &alg, msg, sizeof(msg), bad, sig.len + 1);
	CU_ASSERT(rc != 0 && rc != CLV_E_SIG_INVALID);
	/* r||s given raw instead of DER */
	rc = clv_verify(pub, &alg, msg, sizeof(msg), sig.data + 4, 64);
	CU_ASSERT_NOT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(clv_verify(pub, &alg, msg, sizeof(msg), negative, sizeof(negative)),
	    CLV_E_SIG_INVALID);
	/* the good one still verifies */
	CU_ASSERT_EQUAL(clv_verify(pub, &alg, msg, sizeof(msg), sig.data, sig.len), 0);

	clv_buf_free(&sig);
	clv_pubkey_free(pub);
	gcry_sexp_release(priv);
}

/* ---- RSA ------------------------------------------------------------------ */

typedef struct rsa_fixture {
	gcry_sexp_t priv;
	gcry_mpi_t n, d;
	size_t k;
	clv_pubkey_t *pub;
} rsa_fixture_t;

static rsa_fixture_t rsa_a, rsa_b;

static void
rsa_keygen(rsa_fixture_t *f)
{
	gcry_sexp_t parm = NULL, kp = NULL;
	gcry_mpi_t e = NULL;
	unsigned char nb[512], eb[8];
	size_t nl = 0, el = 0;

	if (f->pub != NULL)
		return;
	CU_ASSERT_FATAL(gcry_sexp_build(&parm, NULL,
	    "(genkey (rsa (nbits 4:2048)(rsa-use-e 5:65537)))") == 0);
	CU_ASSERT_FATAL(gcry_pk_genkey(&kp, parm) == 0);
	f->priv = gcry_sexp_find_token(kp, "private-key", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->priv);
	CU_ASSERT_FATAL(gcry_sexp_extract_param(f->priv, NULL, "ned", &f->n, &e, &f->d,
	    NULL) == 0);
	CU_ASSERT_FATAL(gcry_mpi_print(GCRYMPI_FMT_USG, nb, sizeof(nb), &nl, f->n) == 0);
	CU_ASSERT_FATAL(gcry_mpi_print(GCRYMPI_FMT_USG, eb, sizeof(eb), &el, e) == 0);
	f->k = nl;
	CU_ASSERT_EQUAL_FATAL(f->k, 256);
	CU_ASSERT_FATAL(clv_pubkey_new_rsa(nb, nl, eb, el, &f->pub) == 0);
	gcry_mpi_release(e);
	gcry_sexp_release(kp);
	gcry_sexp_release(parm);
}

static void
rsa_release(rsa_fixture_t *f)
{
	gcry_sexp_release(f->priv);
	gcry_mpi_release(f->n);
	gcry_mpi_release(f->d);
	clv_pubkey_free(f->pub);
	memset(f, 0, sizeof(*f));
}

/* s = em^d mod n, I2OSP to k octets. */
static void
rsa_raw_sign(const rsa_fixture_t *f, const unsigned char *em, unsigned char *sig)
{
	gcry_mpi_t m = NULL, s = gcry_mpi_new(0);
	size_t sl = 0;

	CU_ASSERT_FATAL(gcry_mpi_scan(&m, GCRYMPI_FMT_USG, em, f->k, NULL) == 0);
	gcry_mpi_powm(s, m, f->d, f->n);
	memset(sig, 0, f->k);
	CU_ASSERT_FATAL(gcry_mpi_print(GCRYMPI_FMT_USG, sig, f->k, &sl, s) == 0);
	if (sl < f->k) {
		memmove(sig + (f->k - sl), sig, sl);
		memset(sig, 0, f->k - sl);
	}
	gcry_mpi_release(m);
	gcry_mpi_release(s);
}

/* RFC 8017 section 9.2 note 1 prefixes, and the same without NULL. */
static const unsigned char di_sha256_null[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
	0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
static const unsigned char di_sha256_bare[] = { 0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60,
	0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x04, 0x20 };
static const unsigned char di_sha1_null[] = { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b,
	0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14 };
static const unsigned char di_sha1_bare[] = { 0x30, 0x1f, 0x30, 0x07, 0x06, 0x05, 0x2b,
	0x0e, 0x03, 0x02, 0x1a, 0x04, 0x14 };

/* EM = 00 01 FF..FF 00 prefix digest, k octets. */
static void
build_em(size_t k, const unsigned char *prefix, size_t plen, const unsigned char *dg,
    size_t dlen, unsigned char *em)
{
	size_t ps = k - 3 - plen - dlen;

	em[0] = 0x00;
	em[1] = 0x01;
	memset(em + 2, 0xff, ps);
	em[2 + ps] = 0x00;
	memcpy(em + 3 + ps, prefix, plen);
	memcpy(em + 3 + ps + plen, dg, dlen);
}

static void
test_rsa_pkcs1_digestinfo_forms(void)
{
	unsigned char dg[CLV_HASH_MAX], em[256], sig[257];
	clv_sigalg_t a256 = rsa_alg(CLV_HASH_SHA256, 0, CLV_HASH_NONE, 0);
	clv_sigalg_t a1 = rsa_alg(CLV_HASH_SHA1, 0, CLV_HASH_NONE, 0);
	clv_sigalg_t a384 = rsa_alg(CLV_HASH_SHA384, 0, CLV_HASH_NONE, 0);

	rsa_keygen(&rsa_a);
	rsa_keygen(&rsa_b);
	CU_ASSERT_FATAL(clv_hash(CLV_HASH_SHA256, msg, sizeof(msg), dg) == 0);

	/* standard DigestInfo (with NULL) */
	build_em(256, di_sha256_null, sizeof(di_sha256_null), dg, 32, em);
	rsa_raw_sign(&rsa_a, em, sig);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a256, msg, sizeof(msg), sig, 256), 0);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a256, other_msg, sizeof(other_msg), sig, 256),
	    CLV_E_SIG_INVALID);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a384, msg, sizeof(msg), sig, 256),
	    CLV_E_SIG_INVALID);
	CU_ASSERT_EQUAL(clv_verify(rsa_b.pub, &a256, msg, sizeof(msg), sig, 256),
	    CLV_E_SIG_INVALID);
	/* length must equal the modulus length */
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a256, msg, sizeof(msg), sig, 255),
	    CLV_E_SIG_INVALID);
	memmove(sig + 1, sig, 256);
	sig[0] = 0x00;
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a256, msg, sizeof(msg), sig, 257),
	    CLV_E_SIG_INVALID);

	/* DigestInfo without NULL (the ICAO Master List form) */
	build_em(256, di_sha256_bare, sizeof(di_sha256_bare), dg, 32, em);
	rsa_raw_sign(&rsa_a, em, sig);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a256, msg, sizeof(msg), sig, 256), 0);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a256, other_msg, sizeof(other_msg), sig, 256),
	    CLV_E_SIG_INVALID);
	CU_ASSERT_EQUAL(clv_verify(rsa_b.pub, &a256, msg, sizeof(msg), sig, 256),
	    CLV_E_SIG_INVALID);

	/* SHA-1, both forms */
	CU_ASSERT_FATAL(clv_hash(CLV_HASH_SHA1, msg, sizeof(msg), dg) == 0);
	build_em(256, di_sha1_null, sizeof(di_sha1_null), dg, 20, em);
	rsa_raw_sign(&rsa_a, em, sig);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a1, msg, sizeof(msg), sig, 256), 0);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a256, msg, sizeof(msg), sig, 256),
	    CLV_E_SIG_INVALID);
	build_em(256, di_sha1_bare, sizeof(di_sha1_bare), dg, 20, em);
	rsa_raw_sign(&rsa_a, em, sig);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a1, msg, sizeof(msg), sig, 256), 0);
}

static void
test_rsa_pkcs1_bad_encodings(void)
{
	unsigned char dg[CLV_HASH_MAX], em[256], sig[256];
	clv_sigalg_t a256 = rsa_alg(CLV_HASH_SHA256, 0, CLV_HASH_NONE, 0);
	clv_sigalg_t a1 = rsa_alg(CLV_HASH_SHA1, 0, CLV_HASH_NONE, 0);
	size_t sl = 0;

	rsa_keygen(&rsa_a);
	CU_ASSERT_FATAL(clv_hash(CLV_HASH_SHA256, msg, sizeof(msg), dg) == 0);

	/* block type 02 instead of 01 */
	build_em(256, di_sha256_null, sizeof(di_sha256_null), dg, 32, em);
	em[1] = 0x02;
	rsa_raw_sign(&rsa_a, em, sig);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a256, msg, sizeof(msg), sig, 256),
	    CLV_E_SIG_INVALID);
	/* one padding octet not FF */
	build_em(256, di_sha256_null, sizeof(di_sha256_null), dg, 32, em);
	em[10] = 0xfe;
	rsa_raw_sign(&rsa_a, em, sig);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a256, msg, sizeof(msg), sig, 256),
	    CLV_E_SIG_INVALID);
	/* garbage after the digest (shorter padding): the Bleichenbacher 2006 form */
	build_em(256, di_sha256_null, sizeof(di_sha256_null), dg, 32, em);
	memmove(em + 2, em + 10, 256 - 10);
	memset(em + 248, 0x5a, 8);
	rsa_raw_sign(&rsa_a, em, sig);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a256, msg, sizeof(msg), sig, 256),
	    CLV_E_SIG_INVALID);
	/* a valid SHA-256 DigestInfo where the algorithm says SHA-1 */
	build_em(256, di_sha256_null, sizeof(di_sha256_null), dg, 32, em);
	rsa_raw_sign(&rsa_a, em, sig);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a1, msg, sizeof(msg), sig, 256),
	    CLV_E_SIG_INVALID);
	/* s = n is out of range */
	CU_ASSERT_FATAL(gcry_mpi_print(GCRYMPI_FMT_USG, sig, sizeof(sig), &sl, rsa_a.n) == 0);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a256, msg, sizeof(msg), sig, 256),
	    CLV_E_SIG_INVALID);
}

/* libgcrypt's own PKCS#1 v1.5 signature verifies here too. */
static void
test_rsa_pkcs1_gcry_signed(void)
{
	unsigned char dg[CLV_HASH_MAX], sig[256];
	clv_sigalg_t a512 = rsa_alg(CLV_HASH_SHA512, 0, CLV_HASH_NONE, 0);
	gcry_sexp_t sd = NULL, ss = NULL, sv = NULL;
	const char *sp;
	size_t sl = 0;

	rsa_keygen(&rsa_a);
	CU_ASSERT_FATAL(clv_hash(CLV_HASH_SHA512, msg, sizeof(msg), dg) == 0);
	CU_ASSERT_FATAL(gcry_sexp_build(&sd, NULL, "(data (flags pkcs1)(hash sha512 %b))",
	    64, dg) == 0);
	CU_ASSERT_FATAL(gcry_pk_sign(&ss, sd, rsa_a.priv) == 0);
	sv = gcry_sexp_find_token(ss, "s", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sv);
	sp = gcry_sexp_nth_data(sv, 1, &sl);
	CU_ASSERT_FATAL(sp != NULL && sl <= 256);
	/* libgcrypt may drop leading zero octets: I2OSP to 256 */
	memset(sig, 0, sizeof(sig));
	memcpy(sig + 256 - sl, sp, sl);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a512, msg, sizeof(msg), sig, 256), 0);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &a512, other_msg, sizeof(other_msg), sig, 256),
	    CLV_E_SIG_INVALID);
	gcry_sexp_release(sd);
	gcry_sexp_release(ss);
	gcry_sexp_release(sv);
}

static void
pss_sign(const rsa_fixture_t *f, clv_hash_alg_t h, unsigned salt,
    const unsigned char *data, size_t len, unsigned char *sig)
{
	unsigned char dg[CLV_HASH_MAX];
	gcry_sexp_t sd = NULL, ss = NULL, sv = NULL;
	const char *sp;
	size_t sl = 0;

	CU_ASSERT_FATAL(clv_hash(h, data, len, dg) == 0);
	CU_ASSERT_FATAL(gcry_sexp_build(&sd, NULL,
	    "(data (flags pss)(hash %s %b)(salt-length %u))", hname(h),
	    (int)clv_hash_len(h), dg, salt) == 0);
	CU_ASSERT_FATAL(gcry_pk_sign(&ss, sd, f->priv) == 0);
	sv = gcry_sexp_find_token(ss, "s", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sv);
	sp = gcry_sexp_nth_data(sv, 1, &sl);
	CU_ASSERT_FATAL(sp != NULL && sl <= f->k);
	memset(sig, 0, f->k);
	memcpy(sig + f->k - sl, sp, sl);
	gcry_sexp_release(sd);
	gcry_sexp_release(ss);
	gcry_sexp_release(sv);
}

static void
test_rsa_pss(void)
{
	unsigned char sig[256];
	clv_sigalg_t p256 = rsa_alg(CLV_HASH_SHA256, 1, CLV_HASH_SHA256, 32);
	clv_sigalg_t p256_salt20 = rsa_alg(CLV_HASH_SHA256, 1, CLV_HASH_SHA256, 20);
	clv_sigalg_t p256_mgf1 = rsa_alg(CLV_HASH_SHA256, 1, CLV_HASH_SHA1, 32);
	clv_sigalg_t p256_mgfdef = rsa_alg(CLV_HASH_SHA256, 1, CLV_HASH_NONE, 32);
	clv_sigalg_t p512 = rsa_alg(CLV_HASH_SHA512, 1, CLV_HASH_SHA512, 64);
	clv_sigalg_t pkcs = rsa_alg(CLV_HASH_SHA256, 0, CLV_HASH_NONE, 0);

	rsa_keygen(&rsa_a);
	rsa_keygen(&rsa_b);
	pss_sign(&rsa_a, CLV_HASH_SHA256, 32, msg, sizeof(msg), sig);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &p256, msg, sizeof(msg), sig, 256), 0);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &p256_mgfdef, msg, sizeof(msg), sig, 256), 0);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &p256, other_msg, sizeof(other_msg), sig, 256),
	    CLV_E_SIG_INVALID);
	CU_ASSERT_EQUAL(clv_verify(rsa_b.pub, &p256, msg, sizeof(msg), sig, 256),
	    CLV_E_SIG_INVALID);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &p256_salt20, msg, sizeof(msg), sig, 256),
	    CLV_E_SIG_INVALID);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &pkcs, msg, sizeof(msg), sig, 256),
	    CLV_E_SIG_INVALID);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &p256_mgf1, msg, sizeof(msg), sig, 256),
	    CLV_E_UNSUPPORTED_ALG);
	sig[255] ^= 0x01;
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &p256, msg, sizeof(msg), sig, 256),
	    CLV_E_SIG_INVALID);

	pss_sign(&rsa_a, CLV_HASH_SHA512, 64, msg, sizeof(msg), sig);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &p512, msg, sizeof(msg), sig, 256), 0);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &p256, msg, sizeof(msg), sig, 256),
	    CLV_E_SIG_INVALID);
}

static void
test_mismatch_and_unsupported(void)
{
	gcry_sexp_t priv = NULL;
	clv_pubkey_t *ec = NULL;
	clv_buf_t sig = { NULL, 0 };
	clv_sigalg_t ecdsa = ecdsa_alg(CLV_HASH_SHA256);
	clv_sigalg_t rsa = rsa_alg(CLV_HASH_SHA256, 0, CLV_HASH_NONE, 0);
	clv_sigalg_t nohash = ecdsa_alg(CLV_HASH_NONE);

	rsa_keygen(&rsa_a);
	ec_keygen(CLV_CURVE_P256, &priv, &ec);
	ecdsa_sign(priv, CLV_HASH_SHA256, msg, sizeof(msg), &sig);
	CU_ASSERT_EQUAL(clv_verify(ec, &ecdsa, msg, sizeof(msg), sig.data, sig.len), 0);
	CU_ASSERT_EQUAL(clv_verify(rsa_a.pub, &ecdsa, msg, sizeof(msg), sig.data, sig.len),
	    CLV_E_KEY_MISMATCH);
	CU_ASSERT_EQUAL(clv_verify(ec, &rsa, msg, sizeof(msg), sig.data, sig.len),
	    CLV_E_KEY_MISMATCH);
	CU_ASSERT_EQUAL(clv_verify(ec, &nohash, msg, sizeof(msg), sig.data, sig.len),
	    CLV_E_UNSUPPORTED_ALG);
	CU_ASSERT_EQUAL(clv_verify(NULL, &ecdsa, msg, sizeof(msg), sig.data, sig.len),
	    CLV_E_INVALID_ARG);
	clv_buf_free(&sig);
	clv_pubkey_free(ec);
	gcry_sexp_release(priv);
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "ECDSA P-256", test_ecdsa_p256 },
		{ "ECDSA brainpoolP384r1", test_ecdsa_bp384 },
		{ "ECDSA digest truncation", test_ecdsa_digest_truncation },
		{ "ECDSA explicit parameters, unknown curve", test_ecdsa_explicit_unknown_curve },
		{ "ECDSA malformed signatures", test_ecdsa_malformed_signature },
		{ "RSA PKCS#1 v1.5 DigestInfo with and without NULL",
		    test_rsa_pkcs1_digestinfo_forms },
		{ "RSA PKCS#1 v1.5 bad encodings", test_rsa_pkcs1_bad_encodings },
		{ "RSA PKCS#1 v1.5 signed by libgcrypt", test_rsa_pkcs1_gcry_signed },
		{ "RSA-PSS", test_rsa_pss },
		{ "key type mismatch, unsupported hash", test_mismatch_and_unsupported },
		{ NULL, NULL },
	};

	int rc;

	gcry_init();
	rc = clv_unit_run("verify", tests);
	rsa_release(&rsa_a);
	rsa_release(&rsa_b);
	return rc;
}
