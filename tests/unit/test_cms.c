/*
 * Unit tests: cms.c.  Master Lists and Deviation Lists are built and signed
 * with keys made here by libgcrypt (ECDSA P-256 and brainpoolP256r1, RSA-2048
 * PKCS#1 v1.5 and PSS), under a CSCA and signer certificates issued here
 * through issue.c; OpenSSL's cms command checks them independently.  The
 * six real Master Lists of the interop data are read and verified.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "cms.h"
#include "der.h"
#include "issue.h"
#include "template.h"
#include "unit.h"
#include "util.h"
#include "x509.h"

#define OID_EKU_MLS "2.23.136.1.1.3"
#define OID_EKU_DLS "2.23.136.1.1.8"
#define OID_DG_HASH_WRONG "2.23.136.1.1.7.2.2"

/* 2025-01-01T00:00:00Z: certificates start here; lists are signed 2025-06-01. */
#define NOT_BEFORE   ((time_t)1735689600)
#define SIGNING_TIME ((time_t)1748736000)

typedef struct testkey {
	gcry_sexp_t priv;
	clv_pubkey_t *pub;
	size_t field_bytes;         /* EC */
} testkey_t;

static char tmpdir[] = "/tmp/clv-test-cms-XXXXXX";
static int tmpdir_made;
static testkey_t csca_key, rsa_key;
static clv_template_t csca_tmpl;
static clv_buf_t csca_cert, csca_name;
static unsigned serial_counter = 1;

static const char *
hname(clv_hash_alg_t h)
{
	switch (h) {
	case CLV_HASH_SHA224: return "sha224";
	case CLV_HASH_SHA256: return "sha256";
	case CLV_HASH_SHA384: return "sha384";
	case CLV_HASH_SHA512: return "sha512";
	default:              return "none";
	}
}

static void
key_free(testkey_t *k)
{
	gcry_sexp_release(k->priv);
	clv_pubkey_free(k->pub);
	memset(k, 0, sizeof(*k));
}

static void
ec_key(clv_curve_t curve, testkey_t *k)
{
	const clv_curve_info_t *ci = clv_curve_by_id(curve);
	gcry_sexp_t parm = NULL, kp = NULL, q = NULL;
	const char *qd;
	size_t ql = 0;

	memset(k, 0, sizeof(*k));
	clv_gcry_init();
	CU_ASSERT_PTR_NOT_NULL_FATAL(ci);
	CU_ASSERT_FATAL(gcry_sexp_build(&parm, NULL, "(genkey (ecc (curve %s)))",
	    ci->gcry_name) == 0);
	CU_ASSERT_FATAL(gcry_pk_genkey(&kp, parm) == 0);
	k->priv = gcry_sexp_find_token(kp, "private-key", 0);
	q = gcry_sexp_find_token(kp, "q", 0);
	CU_ASSERT_FATAL(k->priv != NULL && q != NULL);
	qd = gcry_sexp_nth_data(q, 1, &ql);
	CU_ASSERT_FATAL(qd != NULL && ql > 0);
	CU_ASSERT_FATAL(clv_pubkey_new_ec(curve, (const unsigned char *)qd, ql, &k->pub) == 0);
	k->field_bytes = ci->field_bytes;
	gcry_sexp_release(q);
	gcry_sexp_release(kp);
	gcry_sexp_release(parm);
}

static void
rsa_keygen(testkey_t *k)
{
	gcry_sexp_t parm = NULL, kp = NULL;
	gcry_mpi_t n = NULL, e = NULL;
	unsigned char nb[512], eb[16];
	size_t nl = 0, el = 0;

	memset(k, 0, sizeof(*k));
	clv_gcry_init();
	CU_ASSERT_FATAL(gcry_sexp_build(&parm, NULL, "(genkey (rsa (nbits 4:2048)))") == 0);
	CU_ASSERT_FATAL(gcry_pk_genkey(&kp, parm) == 0);
	k->priv = gcry_sexp_find_token(kp, "private-key", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k->priv);
	CU_ASSERT_FATAL(gcry_sexp_extract_param(kp, "public-key", "ne", &n, &e, NULL) == 0);
	CU_ASSERT_FATAL(gcry_mpi_print(GCRYMPI_FMT_USG, nb, sizeof(nb), &nl, n) == 0);
	CU_ASSERT_FATAL(gcry_mpi_print(GCRYMPI_FMT_USG, eb, sizeof(eb), &el, e) == 0);
	CU_ASSERT_FATAL(clv_pubkey_new_rsa(nb, nl, eb, el, &k->pub) == 0);
	gcry_mpi_release(n);
	gcry_mpi_release(e);
	gcry_sexp_release(kp);
	gcry_sexp_release(parm);
}

/* Big-endian value of m, left-padded to len octets. */
static int
mpi_fixed(gcry_mpi_t m, unsigned char *out, size_t len)
{
	unsigned char tmp[1024];
	size_t n = 0;

	if (gcry_mpi_print(GCRYMPI_FMT_USG, tmp, sizeof(tmp), &n, m) != 0 || n > len)
		return -1;
	memset(out, 0, len - n);
	memcpy(out + (len - n), tmp, n);
	return 0;
}

/* The signing callback, as the engine's HSM one: hash here, sign, X.509 form. */
static int
gsign(void *ctx, const clv_sigalg_t *alg, const unsigned char *data, size_t len,
    clv_buf_t *sig)
{
	testkey_t *k = ctx;
	unsigned char dg[CLV_HASH_MAX], raw[1024];
	gcry_sexp_t sd = NULL, ss = NULL;
	gcry_mpi_t r = NULL, s = NULL;
	size_t dlen = clv_hash_len(alg->hash);
	int ret = CLV_E_CRYPTO;

	sig->data = NULL;
	sig->len = 0;
	if (clv_hash(alg->hash, data, len, dg) != 0)
		return CLV_E_CRYPTO;
	if (k->pub->type == CLV_KEY_EC) {
		if (gcry_sexp_build(&sd, NULL, "(data (flags rfc6979)(hash %s %b))",
		    hname(alg->hash), (int)dlen, dg) != 0 || gcry_pk_sign(&ss, sd, k->priv) != 0 ||
		    gcry_sexp_extract_param(ss, "ecdsa", "rs", &r, &s, NULL) != 0 ||
		    mpi_fixed(r, raw, k->field_bytes) != 0 ||
		    mpi_fixed(s, raw + k->field_bytes, k->field_bytes) != 0)
			goto out;
		ret = clv_ecdsa_sig_from_raw(raw, 2 * k->field_bytes, sig);
		goto out;
	}
	if (alg->pss) {
		if (gcry_sexp_build(&sd, NULL, "(data (flags pss)(hash %s %b)(salt-length %u))",
		    hname(alg->hash), (int)dlen, dg,
		    alg->salt_len ? alg->salt_len : (unsigned)dlen) != 0)
			goto out;
	} else if (gcry_sexp_build(&sd, NULL, "(data (flags pkcs1)(hash %s %b))",
	    hname(alg->hash), (int)dlen, dg) != 0) {
		goto out;
	}
	if (gcry_pk_sign(&ss, sd, k->priv) != 0 ||
	    gcry_sexp_extract_param(ss, "rsa", "s", &s, NULL) != 0 ||
	    mpi_fixed(s, raw, k->pub->rsa_n.len) != 0)
		goto out;
	ret = clv_buf_set(sig, raw, k->pub->rsa_n.len);
out:
	gcry_mpi_release(r);
	gcry_mpi_release(s);
	gcry_sexp_release(sd);
	gcry_sexp_release(ss);
	return ret;
}

static clv_sigalg_t
sigalg_for(const testkey_t *k, clv_hash_alg_t h, int pss)
{
	clv_sigalg_t a;

	memset(&a, 0, sizeof(a));
	a.key = k->pub->type;
	a.hash = h;
	a.pss = pss;
	return a;
}

static void
fill_template(clv_template_t *t, const char *cn, const testkey_t *k, int ca, const char *eku,
    int ski)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->profile, sizeof(t->profile), "%s", ca ? "csca" : "mls");
	snprintf(t->country, sizeof(t->country), "UT");
	snprintf(t->organization, sizeof(t->organization), "Conclave Test");
	snprintf(t->common_name, sizeof(t->common_name), "%s", cn);
	t->key.type = k->pub->type;
	t->key.curve = k->pub->curve;
	t->explicit_params = 0;     /* named curves for OpenSSL's chain check */
	t->hash = CLV_HASH_SHA256;
	t->validity.years = 30;
	t->ku_present = 1;
	t->ku_critical = 1;
	t->key_usage = ca ? (CLV_KU_KEY_CERT_SIGN | CLV_KU_CRL_SIGN) : CLV_KU_DIGITAL_SIGNATURE;
	t->bc_present = ca;
	t->bc_critical = ca;
	t->bc_ca = ca;
	t->bc_path_len = ca ? 0 : -1;
	t->ski = ski;
	t->aki = 1;
	if (eku != NULL) {
		snprintf(t->eku[0], sizeof(t->eku[0]), "%s", eku);
		t->n_eku = 1;
		t->eku_critical = 1;
	}
}

/* A certificate for subject, signed by issuer (NULL: self-signed). */
static void
issue(const clv_template_t *t, const testkey_t *subject, const testkey_t *issuer,
    const clv_buf_t *issuer_name, time_t not_before, clv_buf_t *out)
{
	clv_cert_request_t req;
	clv_buf_t tbs = { NULL, 0 }, sig = { NULL, 0 };
	unsigned char serial[8];
	const testkey_t *signer = issuer != NULL ? issuer : subject;

	memset(&req, 0, sizeof(req));
	memset(serial, 0, sizeof(serial));
	serial[0] = 0x40;
	serial[7] = (unsigned char)serial_counter++;
	req.tmpl = t;
	req.subject_key = subject->pub;
	req.issuer_key = signer->pub;
	req.issuer_name = issuer_name;
	req.serial = serial;
	req.serial_len = sizeof(serial);
	req.not_before = not_before;
	req.sigalg = sigalg_for(signer, CLV_HASH_SHA256, 0);
	CU_ASSERT_FATAL(clv_issue_tbs_cert(&req, &tbs) == 0);
	CU_ASSERT_FATAL(gsign((void *)signer, &req.sigalg, tbs.data, tbs.len, &sig) == 0);
	CU_ASSERT_FATAL(clv_issue_cert(&tbs, &req.sigalg, &sig, out) == 0);
	clv_buf_free(&tbs);
	clv_buf_free(&sig);
}

static void
write_file(const char *name, const clv_buf_t *b)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	CU_ASSERT_FATAL(clv_file_write_new(path, b->data, b->len, 0600, NULL) == 0);
}

/* CSCA (P-256, self-signed) and the RSA-2048 key, made once. */
static void
fixtures(void)
{
	clv_buf_t pem = { NULL, 0 };

	if (csca_cert.data != NULL)
		return;
	if (!tmpdir_made) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
		tmpdir_made = 1;
	}
	ec_key(CLV_CURVE_P256, &csca_key);
	rsa_keygen(&rsa_key);
	fill_template(&csca_tmpl, "CSCA Utopia Test", &csca_key, 1, NULL, 1);
	issue(&csca_tmpl, &csca_key, NULL, NULL, NOT_BEFORE, &csca_cert);
	CU_ASSERT_FATAL(clv_issue_name(&csca_tmpl, 0, &csca_name) == 0);
	CU_ASSERT_FATAL(clv_pem_encode("CERTIFICATE", csca_cert.data, csca_cert.len, &pem) == 0);
	write_file("csca.pem", &pem);
	clv_buf_free(&pem);
}

/* A signer certificate (MLS or DLS) for k under the test CSCA. */
static void
signer_cert(const char *cn, const testkey_t *k, const char *eku, int ski, clv_buf_t *out)
{
	clv_template_t t;

	fill_template(&t, cn, k, 0, eku, ski);
	issue(&t, k, &csca_key, &csca_name, NOT_BEFORE, out);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static const unsigned char *
find(const clv_buf_t *hay, const unsigned char *needle, size_t nlen, size_t from)
{
	size_t i;

	for (i = from; i + nlen <= hay->len; i++)
		if (memcmp(hay->data + i, needle, nlen) == 0)
			return hay->data + i;
	return NULL;
}

/* Attributes in a DER SET OF are in ascending order of their encodings. */
static int
set_is_sorted(const clv_buf_t *set)
{
	const unsigned char *p = set->data, *prev = NULL;
	size_t off, plen = 0;
	int lenlen = 0;
	long l;

	if (set->len < 2 || p[0] != 0x31)
		return 0;
	l = asn1_get_length_der(p + 1, (int)set->len - 1, &lenlen);
	if (l < 0)
		return 0;
	for (off = 1 + (size_t)lenlen; off < set->len; ) {
		long el = asn1_get_length_der(p + off + 1, (int)(set->len - off - 1), &lenlen);
		size_t tl;

		if (el < 0)
			return 0;
		tl = 1 + (size_t)lenlen + (size_t)el;
		if (prev != NULL) {
			size_t m = plen < tl ? plen : tl;
			int c = memcmp(prev, p + off, m);

			if (c > 0 || (c == 0 && plen > tl))
				return 0;
		}
		prev = p + off;
		plen = tl;
		off += tl;
	}
	return 1;
}

static clv_cms_verify_opts_t
anchored_opts(const char *econtent_type)
{
	clv_cms_verify_opts_t o;

	memset(&o, 0, sizeof(o));
	o.econtent_type = econtent_type;
	o.anchors = &csca_cert;
	o.n_anchors = 1;
	return o;
}

/*
 * Signs content under a fresh signer certificate for k, verifies it with
 * clv_cms_verify and OpenSSL, and tries the three tamperings.
 */
static void
sign_and_check(const char *name, testkey_t *k, clv_hash_alg_t h, int pss, const char *eku,
    const char *econtent_type, const clv_buf_t *content)
{
	clv_cms_signer_t s;
	clv_buf_t cert = { NULL, 0 }, out = { NULL, 0 }, bad = { NULL, 0 };
	clv_cms_t *c = NULL;
	clv_cms_verify_opts_t o = anchored_opts(econtent_type);
	clv_diag_t d;
	char file[64], path[256];
	unsigned char oid[8] = { 0x06, 0x06, 0x67, 0x81, 0x08, 0x01, 0x01, 0x00 };
	const unsigned char *p, *attrs;
	size_t off;
	int r;

	fixtures();
	oid[7] = (unsigned char)econtent_type[strlen(econtent_type) - 1] - '0';
	signer_cert(name, k, eku, 1, &cert);
	memset(&s, 0, sizeof(s));
	s.cert = &cert;
	s.sigalg = sigalg_for(k, h, pss);
	s.signing_time = SIGNING_TIME;
	s.extra_certs = &csca_cert;
	s.n_extra_certs = 1;
	s.sign = gsign;
	s.sign_ctx = k;
	clv_diag_clear(&d);
	r = clv_cms_sign(econtent_type, content->data, content->len, &s, &out, &d);
	if (r != 0)
		fprintf(stderr, "%s: %s\n", name, d.msg);
	CU_ASSERT_EQUAL_FATAL(r, 0);

	/* strict DER, signedAttrs sorted, our verifier agrees */
	CU_ASSERT_EQUAL(clv_der_check_strict(out.data, out.len, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(clv_cms_verify(out.data, out.len, name, &o, &c, &d), 0);
	CU_ASSERT_STRING_EQUAL(c->econtent_type, econtent_type);
	CU_ASSERT(c->econtent.len == content->len &&
	    memcmp(c->econtent.data, content->data, content->len) == 0);
	CU_ASSERT_EQUAL(c->version, 3);
	CU_ASSERT_EQUAL(c->signer_version, 3);
	CU_ASSERT(c->sid_ski.len == 20);
	CU_ASSERT_EQUAL(c->n_certs, 2);
	CU_ASSERT(c->signer_cert.len == cert.len &&
	    memcmp(c->signer_cert.data, cert.data, cert.len) == 0);
	CU_ASSERT(c->anchored);
	CU_ASSERT_EQUAL(c->anchor_index, 0);
	CU_ASSERT_EQUAL(c->quirks, 0);
	CU_ASSERT(c->has_signing_time && c->signing_time == SIGNING_TIME);
	CU_ASSERT_EQUAL(c->digest_alg, h);
	CU_ASSERT_EQUAL(c->sigalg.pss, pss);
	CU_ASSERT(set_is_sorted(&c->signed_attrs));
	/* contentType, signingTime, messageDigest: DER order (by length here) */
	{
		static const unsigned char pkcs9[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
		    0x0d, 0x01, 0x09 };
		const unsigned char *a1 = find(&c->signed_attrs, pkcs9, sizeof(pkcs9), 0), *a2,
		    *a3;

		CU_ASSERT_FATAL(a1 != NULL && a1[10] == 3);
		a2 = find(&c->signed_attrs, pkcs9, sizeof(pkcs9),
		    (size_t)(a1 - c->signed_attrs.data) + 1);
		CU_ASSERT_FATAL(a2 != NULL && a2[10] == 5);
		a3 = find(&c->signed_attrs, pkcs9, sizeof(pkcs9),
		    (size_t)(a2 - c->signed_attrs.data) + 1);
		CU_ASSERT_FATAL(a3 != NULL && a3[10] == 4);
	}
	/* PKCS#1 AlgorithmIdentifier with NULL, ECDSA without, PSS with params */
	if (k->pub->type == CLV_KEY_RSA && !pss)
		CU_ASSERT(c->sigalg_der.len > 2 &&
		    memcmp(c->sigalg_der.data + c->sigalg_der.len - 2, "\x05\x00", 2) == 0);
	if (k->pub->type == CLV_KEY_EC)
		CU_ASSERT_EQUAL(c->sigalg_der.len, 12);
	if (pss)
		CU_ASSERT(c->sigalg_der.len > 15);
	/* digestAlgorithms and digestAlgorithm: 30 0b 06 09 <oid>, no NULL */
	{
		static const unsigned char sha[] = { 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48,
		    0x01, 0x65, 0x03, 0x04, 0x02 };
		const unsigned char *q = find(&out, sha, sizeof(sha), 0);

		CU_ASSERT_PTR_NOT_NULL(q);
		CU_ASSERT(q != NULL && find(&out, sha, sizeof(sha),
		    (size_t)(q - out.data) + 1) != NULL);
	}

	/* OpenSSL verifies it with the CSCA as trust anchor and prints it */
	snprintf(file, sizeof(file), "%s.der", name);
	write_file(file, &out);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
	CU_ASSERT_EQUAL(sh("openssl cms -verify -inform DER -in '%s' -CAfile '%s/csca.pem' "
	    "-purpose any -out /dev/null 2>&1 | grep -q 'CMS Verification successful'", path,
	    tmpdir), 0);
	CU_ASSERT_EQUAL(sh("openssl cms -cmsout -print -inform DER -in '%s' | "
	    "grep -q 'eContentType: .*(%s)'", path, econtent_type), 0);
	CU_ASSERT_EQUAL(sh("openssl cms -cmsout -print -inform DER -in '%s' | grep -c "
	    "-e 'object: contentType' -e 'object: signingTime' -e 'object: messageDigest' | "
	    "grep -qx 3", path), 0);
	/* and refuses it without the CSCA (the check can fail) */
	CU_ASSERT_NOT_EQUAL(sh("openssl cms -verify -inform DER -in '%s' -CAfile /dev/null "
	    "-purpose any -out /dev/null 2>/dev/null", path), 0);

	/* a byte of eContent changed: messageDigest names it */
	CU_ASSERT_FATAL(clv_buf_set(&bad, out.data, out.len) == 0);
	p = find(&bad, content->data, content->len, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	bad.data[(p - bad.data) + content->len / 2] ^= 0x01;
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_verify(bad.data, bad.len, name, &o, NULL, &d), CLV_E_INTEGRITY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "messageDigest"));

	/* a byte of the signature changed (the last octets of the DER) */
	memcpy(bad.data, out.data, out.len);
	bad.data[bad.len - 3] ^= 0x40;
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_verify(bad.data, bad.len, name, &o, NULL, &d),
	    CLV_E_SIG_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "signature over signedAttrs does not verify"));

	/* the contentType attribute changed to another ICAO type */
	memcpy(bad.data, out.data, out.len);
	attrs = find(&bad, c->signed_attrs.data + 1, c->signed_attrs.len - 1, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(attrs);
	off = (size_t)(attrs - bad.data);
	p = find(&bad, oid, sizeof(oid), off);
	CU_ASSERT_FATAL(p != NULL && (size_t)(p - bad.data) < off + c->signed_attrs.len);
	bad.data[(p - bad.data) + 7] ^= 0x04;
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_verify(bad.data, bad.len, name, &o, NULL, &d), CLV_E_INTEGRITY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "contentType signed attribute"));

	clv_cms_free(c);
	clv_buf_free(&bad);
	clv_buf_free(&out);
	clv_buf_free(&cert);
}

/* A Master List of the test CSCA and a second ("foreign") CSCA. */
static void
ml_content(clv_buf_t *out)
{
	testkey_t fk;
	clv_template_t ft;
	clv_buf_t certs[2] = { { NULL, 0 }, { NULL, 0 } };

	fixtures();
	ec_key(CLV_CURVE_BP256R1, &fk);
	fill_template(&ft, "CSCA Foreign Test", &fk, 1, NULL, 1);
	issue(&ft, &fk, NULL, NULL, NOT_BEFORE, &certs[1]);
	CU_ASSERT_FATAL(clv_buf_set(&certs[0], csca_cert.data, csca_cert.len) == 0);
	CU_ASSERT_FATAL(clv_cms_ml_content(certs, 2, out, NULL) == 0);
	clv_buf_free(&certs[0]);
	clv_buf_free(&certs[1]);
	key_free(&fk);
}

static void
test_ml_content(void)
{
	clv_buf_t ml = { NULL, 0 }, two[2] = { { NULL, 0 }, { NULL, 0 } }, junk;
	clv_buf_t *certs = NULL;
	size_t n = 0, i, found = 0;
	clv_diag_t d;
	unsigned char garbage[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };

	ml_content(&ml);
	CU_ASSERT_EQUAL(clv_der_check_strict(ml.data, ml.len, NULL, NULL), 0);
	CU_ASSERT_EQUAL(ml.data[0], 0x30);
	CU_ASSERT(memcmp(ml.data + 4, "\x02\x01\x00\x31", 4) == 0);   /* version v0 */
	CU_ASSERT_EQUAL_FATAL(clv_cms_ml_parse(ml.data, ml.len, NULL, &certs, &n, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	for (i = 0; i < n; i++)
		if (certs[i].len == csca_cert.len &&
		    memcmp(certs[i].data, csca_cert.data, csca_cert.len) == 0)
			found++;
	CU_ASSERT_EQUAL(found, 1);
	/* SET OF in DER order whatever the input order */
	{
		clv_buf_t rev[2] = { certs[1], certs[0] }, again = { NULL, 0 };

		CU_ASSERT_EQUAL(clv_cms_ml_content(rev, 2, &again, NULL), 0);
		CU_ASSERT(again.len == ml.len && memcmp(again.data, ml.data, ml.len) == 0);
		clv_buf_free(&again);
	}

	/* refused: none, a repeat, a non-certificate */
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_ml_content(certs, 0, &junk, &d), CLV_E_INVALID_ARG);
	two[0] = certs[0];
	two[1] = certs[0];
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_ml_content(two, 2, &junk, &d), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "certificate 2 repeats certificate 1"));
	two[1].data = garbage;
	two[1].len = sizeof(garbage);
	clv_diag_clear(&d);
	CU_ASSERT_NOT_EQUAL(clv_cms_ml_content(two, 2, &junk, &d), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "certificate 2"));
	CU_ASSERT_PTR_NULL(junk.data);

	/* parse refuses a version other than v0 and trailing bytes */
	clv_cms_certs_free(certs, n);
	certs = NULL;
	ml.data[6] = 0x01;
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_ml_parse(ml.data, ml.len, "ml", &certs, &n, &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "ml: CscaMasterList version 1"));
	CU_ASSERT_PTR_NULL(certs);
	ml.data[6] = 0x00;
	CU_ASSERT_EQUAL(clv_cms_ml_parse(ml.data, ml.len - 1, "ml", &certs, &n, NULL), CLV_E_DER);
	CU_ASSERT_PTR_NULL(certs);
	clv_buf_free(&ml);
}

static void
test_ml_ecdsa_p256(void)
{
	testkey_t k;
	clv_buf_t ml = { NULL, 0 };

	ml_content(&ml);
	ec_key(CLV_CURVE_P256, &k);
	sign_and_check("ml-p256", &k, CLV_HASH_SHA256, 0, OID_EKU_MLS, CLV_OID_ICAO_MASTER_LIST,
	    &ml);
	key_free(&k);
	clv_buf_free(&ml);
}

static void
test_ml_ecdsa_brainpool(void)
{
	testkey_t k;
	clv_buf_t ml = { NULL, 0 };

	ml_content(&ml);
	ec_key(CLV_CURVE_BP256R1, &k);
	sign_and_check("ml-bp256", &k, CLV_HASH_SHA256, 0, OID_EKU_MLS,
	    CLV_OID_ICAO_MASTER_LIST, &ml);
	key_free(&k);
	clv_buf_free(&ml);
}

static void
test_ml_rsa_pkcs1(void)
{
	clv_buf_t ml = { NULL, 0 };

	ml_content(&ml);
	sign_and_check("ml-rsa", &rsa_key, CLV_HASH_SHA256, 0, OID_EKU_MLS,
	    CLV_OID_ICAO_MASTER_LIST, &ml);
	clv_buf_free(&ml);
}

static void
test_ml_rsa_pss(void)
{
	clv_buf_t ml = { NULL, 0 };

	ml_content(&ml);
	sign_and_check("ml-pss", &rsa_key, CLV_HASH_SHA256, 1, OID_EKU_MLS,
	    CLV_OID_ICAO_MASTER_LIST, &ml);
	sign_and_check("ml-pss512", &rsa_key, CLV_HASH_SHA512, 1, OID_EKU_MLS,
	    CLV_OID_ICAO_MASTER_LIST, &ml);
	clv_buf_free(&ml);
}

/* Two deviations: a DS by issuer and serial with DGHashWrong on DG12, and a
 * DS by SKI with an issuance period and document numbers. */
static char desc_text[] = "DG12 hash wrong";
static char num1[] = "CA1234567", num2[] = "CA1234568";

static void
dl_fill(clv_dl_t *dl, clv_dl_deviation_t dv[2], clv_dl_description_t dd[3], char *nums[2])
{
	static unsigned char serial[] = { 0x01, 0x42 };
	static unsigned char ski[] = { 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18 };
	static unsigned char dg12[] = { 0x02, 0x01, 0x0c };

	memset(dl, 0, sizeof(*dl));
	memset(dv, 0, 2 * sizeof(*dv));
	memset(dd, 0, 3 * sizeof(*dd));
	nums[0] = num1;
	nums[1] = num2;
	snprintf(dv[0].documents.document_type, 3, "ID");
	dv[0].documents.dsc_kind = CLV_DL_DSC_ISSUER_SERIAL;
	dv[0].documents.dsc_issuer = csca_name;
	dv[0].documents.dsc_serial.data = serial;
	dv[0].documents.dsc_serial.len = sizeof(serial);
	dd[0].description = desc_text;
	snprintf(dd[0].deviation_type, sizeof(dd[0].deviation_type), "%s", OID_DG_HASH_WRONG);
	dd[0].parameters.data = dg12;
	dd[0].parameters.len = sizeof(dg12);
	dv[0].descriptions = &dd[0];
	dv[0].n_descriptions = 1;

	dv[1].documents.dsc_kind = CLV_DL_DSC_SKI;
	dv[1].documents.dsc_id.data = ski;
	dv[1].documents.dsc_id.len = sizeof(ski);
	dv[1].documents.has_issuing_period = 1;
	dv[1].documents.first_issued = 1704067200;   /* 2024-01-01 */
	dv[1].documents.last_issued = 1719792000;    /* 2024-07-01 */
	dv[1].documents.document_numbers = nums;
	dv[1].documents.n_document_numbers = 2;
	snprintf(dd[1].deviation_type, sizeof(dd[1].deviation_type), "2.23.136.1.1.7.3.2");
	snprintf(dd[2].deviation_type, sizeof(dd[2].deviation_type), "2.23.136.1.1.7.1.2");
	dv[1].descriptions = &dd[1];
	dv[1].n_descriptions = 2;
	dl->version = 0;
	dl->deviations = dv;
	dl->n_deviations = 2;
}

static void
test_dl_content(void)
{
	clv_dl_t dl, *back = NULL;
	clv_dl_deviation_t dv[2];
	clv_dl_description_t dd[3];
	char *nums[2];
	clv_buf_t der = { NULL, 0 }, junk = { NULL, 0 };
	clv_diag_t d;
	size_t i, ski_dev = 0;

	fixtures();
	dl_fill(&dl, dv, dd, nums);
	CU_ASSERT_EQUAL_FATAL(clv_cms_dl_content(&dl, &der, NULL), 0);
	CU_ASSERT_EQUAL(clv_der_check_strict(der.data, der.len, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(clv_cms_dl_parse(der.data, der.len, NULL, &back, NULL), 0);
	CU_ASSERT_EQUAL(back->version, 0);
	CU_ASSERT_EQUAL(back->digest_alg, CLV_HASH_NONE);
	CU_ASSERT_EQUAL_FATAL(back->n_deviations, 2);
	/* SET OF: the order is DER's; find the SKI one */
	if (back->deviations[1].documents.dsc_kind == CLV_DL_DSC_SKI)
		ski_dev = 1;
	{
		clv_dl_deviation_t *a = &back->deviations[1 - ski_dev];
		clv_dl_deviation_t *b = &back->deviations[ski_dev];

		CU_ASSERT_STRING_EQUAL(a->documents.document_type, "ID");
		CU_ASSERT_EQUAL(a->documents.dsc_kind, CLV_DL_DSC_ISSUER_SERIAL);
		CU_ASSERT(a->documents.dsc_issuer.len == csca_name.len &&
		    memcmp(a->documents.dsc_issuer.data, csca_name.data, csca_name.len) == 0);
		CU_ASSERT(a->documents.dsc_serial.len == 2 &&
		    memcmp(a->documents.dsc_serial.data, "\x01\x42", 2) == 0);
		CU_ASSERT_EQUAL(a->documents.has_issuing_period, 0);
		CU_ASSERT_EQUAL_FATAL(a->n_descriptions, 1);
		CU_ASSERT_STRING_EQUAL(a->descriptions[0].description, desc_text);
		CU_ASSERT_STRING_EQUAL(a->descriptions[0].deviation_type, OID_DG_HASH_WRONG);
		CU_ASSERT(a->descriptions[0].parameters.len == 3 &&
		    memcmp(a->descriptions[0].parameters.data, "\x02\x01\x0c", 3) == 0);
		CU_ASSERT_EQUAL(a->descriptions[0].national_use.len, 0);

		CU_ASSERT_EQUAL(b->documents.dsc_kind, CLV_DL_DSC_SKI);
		CU_ASSERT_EQUAL(b->documents.document_type[0], '\0');
		CU_ASSERT(b->documents.dsc_id.len == 8);
		CU_ASSERT(b->documents.has_issuing_period &&
		    b->documents.first_issued == 1704067200 &&
		    b->documents.last_issued == 1719792000);
		CU_ASSERT_EQUAL_FATAL(b->documents.n_document_numbers, 2);
		for (i = 0; i < 2; i++)
			CU_ASSERT(strcmp(b->documents.document_numbers[i], num1) == 0 ||
			    strcmp(b->documents.document_numbers[i], num2) == 0);
		CU_ASSERT_EQUAL(b->n_descriptions, 2);
		CU_ASSERT_PTR_NULL(b->descriptions[0].description);
	}
	clv_cms_dl_free(back);
	back = NULL;

	/* a certificate digest needs the list's digestAlg, of that length */
	{
		unsigned char h[32];

		memset(h, 0x77, sizeof(h));
		dv[1].documents.dsc_kind = CLV_DL_DSC_CERT_DIGEST;
		dv[1].documents.dsc_id.data = h;
		dv[1].documents.dsc_id.len = sizeof(h);
		clv_diag_clear(&d);
		CU_ASSERT_EQUAL(clv_cms_dl_content(&dl, &junk, &d), CLV_E_INVALID_ARG);
		CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "deviation 2: dscIdentifier"));
		dl.digest_alg = CLV_HASH_SHA256;
		CU_ASSERT_EQUAL_FATAL(clv_cms_dl_content(&dl, &junk, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(clv_cms_dl_parse(junk.data, junk.len, NULL, &back, NULL), 0);
		CU_ASSERT_EQUAL(back->digest_alg, CLV_HASH_SHA256);
		clv_cms_dl_free(back);
		clv_buf_free(&junk);
		dl.digest_alg = CLV_HASH_SHA384;
		clv_diag_clear(&d);
		CU_ASSERT_EQUAL(clv_cms_dl_content(&dl, &junk, &d), CLV_E_INVALID_ARG);
		CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "48 expected for SHA-384"));
		dl_fill(&dl, dv, dd, nums);
	}

	/* user errors name the deviation and field */
	snprintf(dv[0].documents.document_type, 3, "P");
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_dl_content(&dl, &junk, &d), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "deviation 1: documentType"));
	snprintf(dv[0].documents.document_type, 3, "P<");
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_dl_content(&dl, &junk, &d), CLV_E_INVALID_ARG);
	dl_fill(&dl, dv, dd, nums);
	snprintf(dd[2].deviation_type, sizeof(dd[2].deviation_type), "2.23.x");
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_dl_content(&dl, &junk, &d), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "deviation 2: description 2: deviationType"));
	dl_fill(&dl, dv, dd, nums);
	dd[0].parameters.len = 2;   /* not a whole TLV */
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_dl_content(&dl, &junk, &d), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "parameters"));
	dl_fill(&dl, dv, dd, nums);
	dv[1].n_descriptions = 0;
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_dl_content(&dl, &junk, &d), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "deviation 2: no descriptions"));
	dl_fill(&dl, dv, dd, nums);
	dv[1].documents.first_issued = dv[1].documents.last_issued + 1;
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_dl_content(&dl, &junk, &d), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "issuingDate"));
	dl_fill(&dl, dv, dd, nums);
	dd[0].description = (char *)"bad_underscore";
	CU_ASSERT_EQUAL(clv_cms_dl_content(&dl, &junk, NULL), CLV_E_INVALID_ARG);
	dl_fill(&dl, dv, dd, nums);
	dl.version = 1;
	CU_ASSERT_EQUAL(clv_cms_dl_content(&dl, &junk, NULL), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NULL(junk.data);
	clv_buf_free(&der);
}

static void
test_dl_sign(void)
{
	clv_dl_t dl;
	clv_dl_deviation_t dv[2];
	clv_dl_description_t dd[3];
	char *nums[2];
	clv_buf_t der = { NULL, 0 };
	testkey_t k;

	fixtures();
	dl_fill(&dl, dv, dd, nums);
	CU_ASSERT_EQUAL_FATAL(clv_cms_dl_content(&dl, &der, NULL), 0);
	ec_key(CLV_CURVE_P256, &k);
	sign_and_check("dl-p256", &k, CLV_HASH_SHA256, 0, OID_EKU_DLS,
	    CLV_OID_ICAO_DEVIATION_LIST, &der);
	sign_and_check("dl-rsa", &rsa_key, CLV_HASH_SHA384, 0, OID_EKU_DLS,
	    CLV_OID_ICAO_DEVIATION_LIST, &der);
	key_free(&k);
	clv_buf_free(&der);
}

/* What clv_cms_sign refuses, each named. */
static void
test_sign_refusals(void)
{
	testkey_t k, other;
	clv_buf_t cert = { NULL, 0 }, noski = { NULL, 0 }, ml = { NULL, 0 }, out = { NULL, 0 };
	clv_cms_signer_t s;
	clv_diag_t d;

	ml_content(&ml);
	ec_key(CLV_CURVE_P256, &k);
	ec_key(CLV_CURVE_P256, &other);
	signer_cert("MLS refusals", &k, OID_EKU_MLS, 1, &cert);
	memset(&s, 0, sizeof(s));
	s.cert = &cert;
	s.sigalg = sigalg_for(&k, CLV_HASH_SHA256, 0);
	s.signing_time = SIGNING_TIME;
	s.sign = gsign;
	s.sign_ctx = &other;       /* another key than the certificate's */
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_sign(CLV_OID_ICAO_MASTER_LIST, ml.data, ml.len, &s, &out, &d),
	    CLV_E_KEY_MISMATCH);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "not this certificate's"));
	CU_ASSERT_PTR_NULL(out.data);

	s.sign_ctx = &k;
	s.digest = CLV_HASH_SHA384;
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_sign(CLV_OID_ICAO_MASTER_LIST, ml.data, ml.len, &s, &out, &d),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "digest algorithm SHA-384"));
	s.digest = CLV_HASH_NONE;
	s.sigalg.hash = CLV_HASH_SHA1;
	CU_ASSERT_EQUAL(clv_cms_sign(CLV_OID_ICAO_MASTER_LIST, ml.data, ml.len, &s, &out, NULL),
	    CLV_E_UNSUPPORTED_ALG);
	s.sigalg = sigalg_for(&rsa_key, CLV_HASH_SHA256, 0);
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_sign(CLV_OID_ICAO_MASTER_LIST, ml.data, ml.len, &s, &out, &d),
	    CLV_E_KEY_MISMATCH);
	s.sigalg = sigalg_for(&k, CLV_HASH_SHA256, 0);

	/* signed before the signer certificate's validity: the self-check says so */
	s.signing_time = NOT_BEFORE - 86400;
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_sign(CLV_OID_ICAO_MASTER_LIST, ml.data, ml.len, &s, &out, &d),
	    CLV_E_POLICY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "outside the validity"));
	s.signing_time = SIGNING_TIME;

	/* no SKI extension: a key identifier must be given, and is then used */
	signer_cert("MLS no SKI", &k, OID_EKU_MLS, 0, &noski);
	s.cert = &noski;
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_sign(CLV_OID_ICAO_MASTER_LIST, ml.data, ml.len, &s, &out, &d),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "no subjectKeyIdentifier"));
	{
		unsigned char kid[20];
		clv_buf_t kb = { kid, sizeof(kid) };
		clv_cms_verify_opts_t o = anchored_opts(NULL);

		CU_ASSERT_FATAL(clv_pubkey_key_id(k.pub, kid) == 0);
		s.ski = &kb;
		CU_ASSERT_EQUAL(clv_cms_sign(CLV_OID_ICAO_MASTER_LIST, ml.data, ml.len, &s, &out,
		    NULL), 0);
		CU_ASSERT_EQUAL(clv_cms_verify(out.data, out.len, "noski", &o, NULL, NULL), 0);
		clv_buf_free(&out);
		/* a given SKI must be the certificate's when it has one */
		s.cert = &cert;
		kid[0] ^= 1;
		CU_ASSERT_EQUAL(clv_cms_sign(CLV_OID_ICAO_MASTER_LIST, ml.data, ml.len, &s, &out,
		    NULL), CLV_E_INVALID_ARG);
		s.ski = NULL;
	}
	/* the signer certificate twice in certificates */
	s.cert = &cert;
	s.extra_certs = &cert;
	s.n_extra_certs = 1;
	CU_ASSERT_EQUAL(clv_cms_sign(CLV_OID_ICAO_MASTER_LIST, ml.data, ml.len, &s, &out, NULL),
	    CLV_E_INVALID_ARG);
	s.n_extra_certs = 0;
	CU_ASSERT_EQUAL(clv_cms_sign("2.23.x", ml.data, ml.len, &s, &out, NULL),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NULL(out.data);

	key_free(&k);
	key_free(&other);
	clv_buf_free(&noski);
	clv_buf_free(&cert);
	clv_buf_free(&ml);
}

/* signingTime: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5652 11.3). */
static void
test_signing_time_encoding(void)
{
	static const time_t times[2] = { 2524607999, 2524608000 };  /* 2049-12-31T23:59:59Z,
	                                                             * 2050-01-01T00:00:00Z */
	static const char *const enc[2] = { "\x17\x0d" "491231235959Z",
	    "\x18\x0f" "20500101000000Z" };
	testkey_t k;
	clv_buf_t cert = { NULL, 0 }, ml = { NULL, 0 }, out = { NULL, 0 };
	clv_cms_signer_t s;
	clv_cms_verify_opts_t o;
	clv_cms_t *c = NULL;
	size_t i;

	ml_content(&ml);
	ec_key(CLV_CURVE_P256, &k);
	signer_cert("MLS times", &k, OID_EKU_MLS, 1, &cert);
	memset(&s, 0, sizeof(s));
	s.cert = &cert;
	s.sigalg = sigalg_for(&k, CLV_HASH_SHA256, 0);
	s.sign = gsign;
	s.sign_ctx = &k;
	o = anchored_opts(CLV_OID_ICAO_MASTER_LIST);
	for (i = 0; i < 2; i++) {
		clv_buf_t want = { (unsigned char *)enc[i], strlen(enc[i] + 2) + 2 };

		s.signing_time = times[i];
		CU_ASSERT_EQUAL_FATAL(clv_cms_sign(CLV_OID_ICAO_MASTER_LIST, ml.data, ml.len, &s,
		    &out, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(clv_cms_verify(out.data, out.len, "ml", &o, &c, NULL), 0);
		CU_ASSERT_EQUAL(c->signing_time, times[i]);
		CU_ASSERT_PTR_NOT_NULL(find(&c->signed_attrs, want.data, want.len, 0));
		clv_cms_free(c);
		c = NULL;
		clv_buf_free(&out);
	}
	key_free(&k);
	clv_buf_free(&cert);
	clv_buf_free(&ml);
}

/* Trust: anchors, a trusted signer certificate, unanchored, expected type. */
static void
test_verify_trust(void)
{
	testkey_t k, impostor;
	clv_template_t it;
	clv_buf_t cert = { NULL, 0 }, ml = { NULL, 0 }, out = { NULL, 0 };
	clv_buf_t fake_csca = { NULL, 0 }, other_mls = { NULL, 0 };
	clv_cms_signer_t s;
	clv_cms_verify_opts_t o;
	clv_cms_t *c = NULL;
	clv_diag_t d;

	ml_content(&ml);
	ec_key(CLV_CURVE_P256, &k);
	signer_cert("MLS trust", &k, OID_EKU_MLS, 1, &cert);
	memset(&s, 0, sizeof(s));
	s.cert = &cert;
	s.sigalg = sigalg_for(&k, CLV_HASH_SHA256, 0);
	s.signing_time = SIGNING_TIME;
	s.sign = gsign;
	s.sign_ctx = &k;
	CU_ASSERT_EQUAL_FATAL(clv_cms_sign(CLV_OID_ICAO_MASTER_LIST, ml.data, ml.len, &s, &out,
	    NULL), 0);

	/* nothing to trust: refused */
	memset(&o, 0, sizeof(o));
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_verify(out.data, out.len, "ml", &o, NULL, &d), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "no trust anchor"));
	/* unanchored: the signature is checked, trust is not claimed */
	o.flags = CLV_CMS_VERIFY_UNANCHORED;
	CU_ASSERT_EQUAL_FATAL(clv_cms_verify(out.data, out.len, "ml", &o, &c, NULL), 0);
	CU_ASSERT_EQUAL(c->anchored, 0);
	clv_cms_free(c);
	c = NULL;
	/* the signer certificate given as trusted */
	o.flags = 0;
	o.signer_cert = &cert;
	CU_ASSERT_EQUAL_FATAL(clv_cms_verify(out.data, out.len, "ml", &o, &c, NULL), 0);
	CU_ASSERT_EQUAL(c->anchored, 1);
	clv_cms_free(c);
	c = NULL;
	/* a certificate for another key given as trusted: the sid does not name it */
	ec_key(CLV_CURVE_P256, &impostor);
	signer_cert("MLS other key", &impostor, OID_EKU_MLS, 1, &other_mls);
	o.signer_cert = &other_mls;
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_verify(out.data, out.len, "ml", &o, NULL, &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "not the trusted signer certificate"));
	o.signer_cert = NULL;

	/* an anchor that did not issue the signer */
	o.anchors = &other_mls;
	o.n_anchors = 1;
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_verify(out.data, out.len, "ml", &o, NULL, &d), CLV_E_POLICY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "not issued by any of the 1 trust anchors"));
	/* an anchor with the CSCA's name but another key */
	fill_template(&it, "CSCA Utopia Test", &impostor, 1, NULL, 1);
	issue(&it, &impostor, NULL, NULL, NOT_BEFORE, &fake_csca);
	o.anchors = &fake_csca;
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_verify(out.data, out.len, "ml", &o, NULL, &d), CLV_E_SIG_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "does not verify under trust anchor"));
	/* the signer certificate itself as the anchor */
	o.anchors = &cert;
	CU_ASSERT_EQUAL(clv_cms_verify(out.data, out.len, "ml", &o, NULL, NULL), 0);
	/* the wrong expected content type */
	o = anchored_opts(CLV_OID_ICAO_DEVIATION_LIST);
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cms_verify(out.data, out.len, "ml", &o, NULL, &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "eContentType 2.23.136.1.1.2, 2.23.136.1.1.7 "
	    "expected"));

	/* not CMS at all, cut short, with a byte added */
	o = anchored_opts(NULL);
	CU_ASSERT_EQUAL(clv_cms_verify(ml.data, ml.len, "ml", &o, NULL, NULL), CLV_E_DER);
	CU_ASSERT_EQUAL(clv_cms_verify(out.data, out.len - 10, "ml", &o, NULL, NULL), CLV_E_DER);
	{
		clv_buf_t longer = { NULL, 0 };

		longer.data = malloc(out.len + 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(longer.data);
		memcpy(longer.data, out.data, out.len);
		longer.data[out.len] = 0;
		longer.len = out.len + 1;
		clv_diag_clear(&d);
		CU_ASSERT_EQUAL(clv_cms_verify(longer.data, longer.len, "ml", &o, NULL, &d),
		    CLV_E_DER);
		CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "trailing"));
		clv_buf_free(&longer);
	}

	key_free(&k);
	key_free(&impostor);
	clv_buf_free(&fake_csca);
	clv_buf_free(&other_mls);
	clv_buf_free(&cert);
	clv_buf_free(&out);
	clv_buf_free(&ml);
}

/* ---- the real Master Lists ---------------------------------------------- */

static const struct {
	const char *file;
	size_t n_certs;
	int signer_version;
	clv_hash_alg_t digest;
	int pss;
	unsigned quirks;
} real_lists[] = {
	{ "20210315_DEMasterList.ml", 423, 3, CLV_HASH_SHA1, 0,
	    CLV_CMS_QUIRK_DIGEST_ALG_NULL | CLV_CMS_QUIRK_SHA1 },
	{ "DE_ML_2024-12-19-10-09-11.ml", 551, 3, CLV_HASH_SHA256, 0, 0 },
	{ "DE_ML_2025-08-14-07-41-09.ml", 571, 3, CLV_HASH_SHA256, 0, 0 },
	{ "IT_CSCAMasterList_2025-09.ml", 620, 1, CLV_HASH_SHA512, 1, 0 },
	{ "NL_MASTERLIST_20191217.mls", 281, 3, CLV_HASH_SHA256, 0, 0 },
	{ "ICAO_ML_Jan2021.ml", 284, 1, CLV_HASH_SHA256, 0,
	    CLV_CMS_QUIRK_DIGEST_ALG_NULL | CLV_CMS_QUIRK_DIGESTINFO_NO_NULL },
};

static void
read_interop(const char *rel, clv_buf_t *out)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/icao/%s", clv_unit_interop_dir(), rel);
	CU_ASSERT_EQUAL_FATAL(clv_file_read(path, 4u << 20, out, NULL), 0);
}

/* Each list verifies with its own certList as the anchors: the CSCA that
 * issued its signer is in it. */
static void
test_real_masterlists(void)
{
	size_t i;

	for (i = 0; i < sizeof(real_lists) / sizeof(real_lists[0]); i++) {
		clv_buf_t f = { NULL, 0 }, *certs = NULL;
		clv_cms_t *c = NULL, *v = NULL;
		clv_cms_verify_opts_t o;
		clv_diag_t d;
		size_t n = 0;
		char rel[128];
		int r;

		snprintf(rel, sizeof(rel), "masterlists/%s", real_lists[i].file);
		read_interop(rel, &f);
		clv_diag_clear(&d);
		r = clv_cms_parse(f.data, f.len, real_lists[i].file, &c, &d);
		if (r != 0)
			fprintf(stderr, "%s\n", d.msg);
		CU_ASSERT_EQUAL_FATAL(r, 0);
		CU_ASSERT_STRING_EQUAL(c->econtent_type, CLV_OID_ICAO_MASTER_LIST);
		CU_ASSERT_EQUAL(c->signer_version, real_lists[i].signer_version);
		CU_ASSERT_EQUAL(c->digest_alg, real_lists[i].digest);
		CU_ASSERT_EQUAL(c->sigalg.pss, real_lists[i].pss);
		CU_ASSERT(c->has_signing_time);
		CU_ASSERT_EQUAL_FATAL(clv_cms_ml_parse(c->econtent.data, c->econtent.len,
		    real_lists[i].file, &certs, &n, NULL), 0);
		CU_ASSERT_EQUAL(n, real_lists[i].n_certs);

		memset(&o, 0, sizeof(o));
		o.econtent_type = CLV_OID_ICAO_MASTER_LIST;
		o.anchors = certs;
		o.n_anchors = n;
		clv_diag_clear(&d);
		r = clv_cms_verify(f.data, f.len, real_lists[i].file, &o, &v, &d);
		if (r != 0)
			fprintf(stderr, "%s\n", d.msg);
		CU_ASSERT_EQUAL(r, 0);
		if (v != NULL) {
			CU_ASSERT(v->anchored);
			CU_ASSERT_EQUAL(v->quirks, real_lists[i].quirks);
			CU_ASSERT(v->signer_cert.len > 0);
		}

		/* strict mode refuses SHA-1 and the DigestInfo without NULL, by name */
		o.flags = CLV_CMS_VERIFY_STRICT;
		clv_diag_clear(&d);
		r = clv_cms_verify(f.data, f.len, real_lists[i].file, &o, NULL, &d);
		if (real_lists[i].quirks & CLV_CMS_QUIRK_SHA1) {
			CU_ASSERT_EQUAL(r, CLV_E_POLICY);
			CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "SHA-1"));
		} else if (real_lists[i].quirks & CLV_CMS_QUIRK_DIGESTINFO_NO_NULL) {
			CU_ASSERT_EQUAL(r, CLV_E_SIG_INVALID);
			CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "DigestInfo lacks the NULL parameter"));
		} else {
			CU_ASSERT_EQUAL(r, 0);
		}

		/* a flipped eContent byte is caught by messageDigest */
		f.data[f.len / 2] ^= 0x01;
		o.flags = 0;
		clv_diag_clear(&d);
		CU_ASSERT_EQUAL(clv_cms_verify(f.data, f.len, real_lists[i].file, &o, NULL, &d),
		    CLV_E_INTEGRITY);
		CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "messageDigest"));

		clv_cms_free(v);
		clv_cms_free(c);
		clv_cms_certs_free(certs, n);
		clv_buf_free(&f);
	}
}

/* The signers of the NL, IT and ICAO lists chain to the CSCAs in certs/. */
static void
test_real_masterlists_external_anchors(void)
{
	static const struct {
		const char *list, *anchor;
	} pairs[] = {
		{ "masterlists/NL_MASTERLIST_20191217.mls",
		    "certs/NL/CSCA_NL_180621-310630_selfsigned.cer" },
		{ "masterlists/IT_CSCAMasterList_2025-09.ml", "certs/IT/CSCA04.cer" },
		{ "masterlists/ICAO_ML_Jan2021.ml", "certs/ICAO/ICAO-csca.der" },
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		clv_buf_t f = { NULL, 0 }, a = { NULL, 0 };
		clv_cms_verify_opts_t o;
		clv_diag_t d;
		int r;

		read_interop(pairs[i].list, &f);
		read_interop(pairs[i].anchor, &a);
		memset(&o, 0, sizeof(o));
		o.anchors = &a;
		o.n_anchors = 1;
		clv_diag_clear(&d);
		r = clv_cms_verify(f.data, f.len, pairs[i].list, &o, NULL, &d);
		if (r != 0)
			fprintf(stderr, "%s\n", d.msg);
		CU_ASSERT_EQUAL(r, 0);
		/* and not under another state's CSCA */
		clv_buf_free(&a);
		read_interop(pairs[(i + 1) % 3].anchor, &a);
		CU_ASSERT_EQUAL(clv_cms_verify(f.data, f.len, pairs[i].list, &o, NULL, NULL),
		    CLV_E_POLICY);
		clv_buf_free(&a);
		clv_buf_free(&f);
	}
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "ml_content", test_ml_content },
		{ "ml_ecdsa_p256", test_ml_ecdsa_p256 },
		{ "ml_ecdsa_brainpool", test_ml_ecdsa_brainpool },
		{ "ml_rsa_pkcs1", test_ml_rsa_pkcs1 },
		{ "ml_rsa_pss", test_ml_rsa_pss },
		{ "dl_content", test_dl_content },
		{ "dl_sign", test_dl_sign },
		{ "sign_refusals", test_sign_refusals },
		{ "signing_time_encoding", test_signing_time_encoding },
		{ "verify_trust", test_verify_trust },
		{ "real_masterlists", test_real_masterlists },
		{ "real_masterlists_external_anchors", test_real_masterlists_external_anchors },
		{ NULL, NULL },
	};
	char cmd[128];
	int rc;

	rc = clv_unit_run("cms", tests);
	if (tmpdir_made) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	key_free(&csca_key);
	key_free(&rsa_key);
	clv_buf_free(&csca_cert);
	clv_buf_free(&csca_name);
	return rc;
}
