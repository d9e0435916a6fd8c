/*
 * Unit tests: PKCS#10 requests (csr.c) made by `openssl req -new`, and the
 * Document Signer certificate built from one (issue.c, lint.c).
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gcrypt.h>

#include "csr.h"
#include "issue.h"
#include "lint.h"
#include "template.h"
#include "unit.h"
#include "util.h"
#include "x509.h"

static char tmp_dir[64];
static clv_template_t csca_t, ds_t;
static clv_pubkey_t *csca_key;

/* The requests made once for every test (see make_requests). */
enum { REQ_P256, REQ_BP256_EXPLICIT, REQ_RSA, REQ_RSA_PSS, REQ_FOREIGN, REQ_COUNT };
static const struct {
	const char *file;           /* under tmp_dir */
	const char *subject;        /* as clv_name_to_text writes it */
} reqs[REQ_COUNT] = {
	[REQ_P256] = { "p256.csr", "C=UT,O=Utopia Passport Office,CN=Document Signer 1" },
	[REQ_BP256_EXPLICIT] = { "bp256.der",
	    "C=UT,O=Utopia Passport Office,CN=Document Signer 2" },
	[REQ_RSA] = { "rsa.csr", "C=UT,O=Utopia Passport Office,CN=Document Signer 3" },
	[REQ_RSA_PSS] = { "rsa-pss.csr", "C=UT,O=Utopia Passport Office,CN=Document Signer 4" },
	[REQ_FOREIGN] = { "foreign.der", "C=DE,O=Bund,CN=Document Signer 5" },
};

static int
run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -1;
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		return -1;
	}
	return 0;
}

static int
make_requests(void)
{
	const char *d = tmp_dir;
	const char *q = "openssl req -new -nodes -sha256 2>/dev/null";

	return run("cd %s && %s -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout p256.key "
	    "-subj '/C=UT/O=Utopia Passport Office/CN=Document Signer 1' -out p256.csr", d, q) ||
	    run("cd %s && %s -newkey ec -pkeyopt ec_paramgen_curve:brainpoolP256r1 "
	    "-pkeyopt ec_param_enc:explicit -keyout bp256.key "
	    "-subj '/C=UT/O=Utopia Passport Office/CN=Document Signer 2' -outform DER "
	    "-out bp256.der", d, q) ||
	    run("cd %s && %s -newkey rsa:3072 -keyout rsa.key "
	    "-subj '/C=UT/O=Utopia Passport Office/CN=Document Signer 3' -out rsa.csr", d, q) ||
	    run("cd %s && %s -key rsa.key -sigopt rsa_padding_mode:pss "
	    "-sigopt rsa_pss_saltlen:32 "
	    "-subj '/C=UT/O=Utopia Passport Office/CN=Document Signer 4' -out rsa-pss.csr", d, q) ||
	    run("cd %s && %s -newkey ec -pkeyopt ec_paramgen_curve:brainpoolP256r1 "
	    "-pkeyopt ec_param_enc:explicit -keyout foreign.key "
	    "-subj '/C=DE/O=Bund/CN=Document Signer 5' -outform DER -out foreign.der", d, q) ?
	    -1 : 0;
}

static int
read_req(int which, clv_buf_t *out)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, reqs[which].file);
	return clv_file_read(path, 65536, out, NULL);
}

static int
parse_req(int which, clv_csr_t **out)
{
	clv_buf_t b = { NULL, 0 };
	clv_diag_t d = { "" };
	int r;

	if ((r = read_req(which, &b)) != 0)
		return r;
	r = clv_csr_parse(b.data, b.len, reqs[which].file, out, &d);
	if (r != 0)
		fprintf(stderr, "\n  %s: %d %s\n", reqs[which].file, r, d.msg);
	clv_buf_free(&b);
	return r;
}

/* A fresh EC key from libgcrypt (the CSCA's; its private half is not needed). */
static int
make_key(clv_curve_t curve, clv_pubkey_t **out)
{
	gcry_sexp_t spec = NULL, pair = NULL, q = NULL;
	const char *data;
	size_t len = 0;
	int r = -1;

	clv_gcry_init();
	if (gcry_sexp_build(&spec, NULL, "(genkey (ecc (curve %s)))",
	    clv_curve_by_id(curve)->gcry_name) != 0)
		return -1;
	if (gcry_pk_genkey(&pair, spec) == 0 && (q = gcry_sexp_find_token(pair, "q", 0)) != NULL &&
	    (data = gcry_sexp_nth_data(q, 1, &len)) != NULL)
		r = clv_pubkey_new_ec(curve, (const unsigned char *)data, len, out);
	gcry_sexp_release(q);
	gcry_sexp_release(pair);
	gcry_sexp_release(spec);
	return r;
}

/* ---- parsing and proof of possession --------------------------------------- */

static void
test_parse_and_pop(void)
{
	static const struct {
		int which;
		clv_key_type_t type;
		clv_curve_t curve;
		int explicit_params;
		int pss;
	} cases[] = {
		{ REQ_P256, CLV_KEY_EC, CLV_CURVE_P256, 0, 0 },
		{ REQ_BP256_EXPLICIT, CLV_KEY_EC, CLV_CURVE_BP256R1, 1, 0 },
		{ REQ_RSA, CLV_KEY_RSA, CLV_CURVE_NONE, 0, 0 },
		{ REQ_RSA_PSS, CLV_KEY_RSA, CLV_CURVE_NONE, 0, 1 },
		{ REQ_FOREIGN, CLV_KEY_EC, CLV_CURVE_BP256R1, 1, 0 },
	};
	clv_csr_t *c = NULL;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(parse_req(cases[i].which, &c), 0);
		CU_ASSERT_STRING_EQUAL(c->what, reqs[cases[i].which].file);
		CU_ASSERT_EQUAL(c->version, 0);
		CU_ASSERT_STRING_EQUAL(c->subject, reqs[cases[i].which].subject);
		CU_ASSERT_STRING_EQUAL(c->subject_country,
		    cases[i].which == REQ_FOREIGN ? "DE" : "UT");
		CU_ASSERT_EQUAL(c->pubkey->type, cases[i].type);
		CU_ASSERT_EQUAL(c->sigalg.key, cases[i].type);
		CU_ASSERT_EQUAL(c->sigalg.hash, CLV_HASH_SHA256);
		CU_ASSERT_EQUAL(c->sigalg.pss, cases[i].pss);
		if (cases[i].type == CLV_KEY_EC) {
			CU_ASSERT_EQUAL(c->pubkey->curve, cases[i].curve);
			CU_ASSERT_EQUAL(c->pubkey->explicit_params, cases[i].explicit_params);
		} else {
			CU_ASSERT_EQUAL(c->pubkey->rsa_n.len, 384);
		}
		CU_ASSERT(c->subject_der.len > 0 && c->subject_der.data[0] == 0x30);
		CU_ASSERT(c->info_off > 0 && c->info_off + c->info_len < c->der.len);
		CU_ASSERT_EQUAL(clv_csr_verify_pop(c), 0);
		clv_csr_free(c);
		c = NULL;
	}
	clv_csr_free(NULL);
	CU_ASSERT_EQUAL(clv_csr_verify_pop(NULL), CLV_E_INVALID_ARG);
}

/* PEM and DER of the same request parse to the same bytes. */
static void
test_pem_and_der(void)
{
	clv_buf_t pem = { NULL, 0 }, der = { NULL, 0 };
	clv_csr_t *a = NULL, *b = NULL;

	CU_ASSERT_EQUAL_FATAL(read_req(REQ_P256, &pem), 0);
	CU_ASSERT_EQUAL_FATAL(clv_pem_or_der(pem.data, pem.len, "CERTIFICATE REQUEST", &der), 0);
	CU_ASSERT_EQUAL_FATAL(clv_csr_parse(pem.data, pem.len, "pem", &a, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(clv_csr_parse(der.data, der.len, "der", &b, NULL), 0);
	CU_ASSERT_EQUAL(a->der.len, b->der.len);
	CU_ASSERT(memcmp(a->der.data, b->der.data, a->der.len) == 0);
	CU_ASSERT_EQUAL(clv_csr_verify_pop(b), 0);
	clv_csr_free(a);
	clv_csr_free(b);
	clv_buf_free(&pem);
	clv_buf_free(&der);
}

/* Flips one byte of the request's DER at off and checks the PoP fails. */
static void
expect_pop_fails(int which, int from_end, size_t off)
{
	clv_buf_t b = { NULL, 0 }, der = { NULL, 0 };
	clv_csr_t *c = NULL;
	int r;

	CU_ASSERT_EQUAL_FATAL(read_req(which, &b), 0);
	CU_ASSERT_EQUAL_FATAL(clv_pem_or_der(b.data, b.len, "CERTIFICATE REQUEST", &der), 0);
	der.data[from_end ? der.len - 1 - off : off] ^= 0x01;
	r = clv_csr_parse(der.data, der.len, "tampered.csr", &c, NULL);
	CU_ASSERT_EQUAL(r, 0);
	if (r == 0)
		CU_ASSERT_EQUAL(clv_csr_verify_pop(c), CLV_E_SIG_INVALID);
	clv_csr_free(c);
	clv_buf_free(&b);
	clv_buf_free(&der);
}

static void
test_broken_signature(void)
{
	clv_csr_t *c = NULL;

	/* the last byte of the signature */
	expect_pop_fails(REQ_P256, 1, 0);
	expect_pop_fails(REQ_BP256_EXPLICIT, 1, 0);
	expect_pop_fails(REQ_RSA, 1, 0);
	expect_pop_fails(REQ_RSA_PSS, 1, 0);
	/* a signed byte: the last letter of the commonName ("1" -> "0") */
	CU_ASSERT_EQUAL_FATAL(parse_req(REQ_P256, &c), 0);
	{
		size_t at;
		const unsigned char *p = memmem(c->der.data, c->der.len, "Signer 1", 8);

		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		at = (size_t)(p - c->der.data) + 7;
		clv_csr_free(c);
		c = NULL;
		expect_pop_fails(REQ_P256, 0, at);
	}
}

static void
expect_refused(const void *in, size_t len, int code, const char *want)
{
	clv_diag_t d = { "" };
	clv_csr_t *c = (clv_csr_t *)1;
	int r = clv_csr_parse(in, len, "requests/bad.csr", &c, &d);

	if (r != code || strstr(d.msg, "requests/bad.csr") == NULL ||
	    (want != NULL && strstr(d.msg, want) == NULL))
		fprintf(stderr, "\n  got %d '%s', expected %d '...%s'\n", r, d.msg, code,
		    want != NULL ? want : "");
	CU_ASSERT_EQUAL(r, code);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "requests/bad.csr"));
	if (want != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, want));
	CU_ASSERT_PTR_NULL(c);
}

static void
test_garbage(void)
{
	static const char text[] = "this is not a certification request\n";
	clv_buf_t b = { NULL, 0 }, der = { NULL, 0 }, longer = { NULL, 0 };
	clv_csr_t *c = NULL;
	size_t hl;

	expect_refused(text, sizeof(text) - 1, CLV_E_PEM, "CERTIFICATE REQUEST");
	expect_refused("\x30\x03\x02\x01\x00", 5, CLV_E_DER, NULL);
	expect_refused("\x30\x80\x00\x00", 4, CLV_E_DER, NULL);
	CU_ASSERT_EQUAL_FATAL(read_req(REQ_P256, &b), 0);
	CU_ASSERT_EQUAL_FATAL(clv_pem_or_der(b.data, b.len, "CERTIFICATE REQUEST", &der), 0);
	/* truncated, and with a trailing byte */
	expect_refused(der.data, der.len - 1, CLV_E_DER, "truncated");
	clv_buf_set(&longer, der.data, der.len);
	longer.data = realloc(longer.data, der.len + 1);
	longer.data[der.len] = 0;
	expect_refused(longer.data, der.len + 1, CLV_E_DER, "1 trailing bytes");
	/* version 1: INTEGER 0 right after the info's header */
	CU_ASSERT_EQUAL_FATAL(clv_csr_parse(der.data, der.len, "ok", &c, NULL), 0);
	hl = (der.data[c->info_off + 1] & 0x80) ? 2 + (der.data[c->info_off + 1] & 0x7f) : 2;
	CU_ASSERT_EQUAL(der.data[c->info_off + hl], 0x02);
	der.data[c->info_off + hl + 2] = 0x01;
	clv_csr_free(c);
	expect_refused(der.data, der.len, CLV_E_FORMAT, "version: expected 0 (v1), got 1");
	/* a certificate is not a request */
	clv_buf_free(&b);
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/icao/certs/NL/CSCA_NL_180621-310630_selfsigned.cer",
		    clv_unit_interop_dir());
		CU_ASSERT_EQUAL_FATAL(clv_file_read(path, 65536, &b, NULL), 0);
		expect_refused(b.data, b.len, CLV_E_DER, "CertificationRequest");
	}
	CU_ASSERT_EQUAL(clv_csr_parse(NULL, 1, "x", &c, NULL), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_csr_parse(der.data, der.len, "x", NULL, NULL), CLV_E_INVALID_ARG);
	expect_refused(der.data, 0, CLV_E_FORMAT, "0 bytes");
	clv_buf_free(&b);
	clv_buf_free(&der);
	clv_buf_free(&longer);
}

/* ---- the Document Signer certificate from a request ------------------------- */

static int
ds_tbs_from(const clv_csr_t *c, clv_buf_t *tbs, clv_buf_t *csca_name, clv_buf_t *csca_ski)
{
	clv_cert_request_t req;
	unsigned char serial[4] = { 0x01, 0x02, 0x03, 0x04 }, kid[20];
	int r;

	memset(&req, 0, sizeof(req));
	if ((r = clv_issue_name(&csca_t, 0, csca_name)) != 0 ||
	    (r = clv_pubkey_key_id(csca_key, kid)) != 0 ||
	    (r = clv_buf_set(csca_ski, kid, sizeof(kid))) != 0)
		return r;
	req.tmpl = &ds_t;
	req.subject_key = c->pubkey;
	req.subject_name = &c->subject_der;
	req.issuer_key = csca_key;
	req.issuer_name = csca_name;
	req.serial = serial;
	req.serial_len = sizeof(serial);
	req.not_before = 1795000000;   /* 2026-11-18 */
	if ((r = clv_issue_sigalg(&ds_t, csca_key, &req.sigalg)) != 0)
		return r;
	return clv_issue_tbs_cert(&req, tbs);
}

static void
test_ds_from_request(void)
{
	static const unsigned char doc_types_p[] = {
		0x30, 0x15, 0x06, 0x07, 0x67, 0x81, 0x08, 0x01, 0x01, 0x06, 0x02,
		0x04, 0x0a, 0x30, 0x08, 0x02, 0x01, 0x00, 0x31, 0x03, 0x13, 0x01, 0x50,
	};
	clv_buf_t tbs = { NULL, 0 }, name = { NULL, 0 }, ski = { NULL, 0 };
	clv_lint_result_t lr;
	clv_csr_t *c = NULL;
	char text[4096];

	CU_ASSERT_EQUAL_FATAL(parse_req(REQ_BP256_EXPLICIT, &c), 0);
	CU_ASSERT_EQUAL_FATAL(ds_tbs_from(c, &tbs, &name, &ski), 0);
	/* the request's subject, byte for byte */
	CU_ASSERT_PTR_NOT_NULL(memmem(tbs.data, tbs.len, c->subject_der.data,
	    c->subject_der.len));
	CU_ASSERT_PTR_NOT_NULL(memmem(tbs.data, tbs.len, doc_types_p, sizeof(doc_types_p)));
	CU_ASSERT_EQUAL(clv_lint_ds_tbs(tbs.data, tbs.len, &ds_t, &name, &ski, &lr), 0);
	clv_lint_format(&lr, text, sizeof(text));
	if (lr.n)
		printf("\n%s\n", text);
	clv_buf_free(&tbs);
	clv_buf_free(&name);
	clv_buf_free(&ski);
	clv_csr_free(c);
	c = NULL;

	/* a request of another country: the lint refuses it */
	CU_ASSERT_EQUAL_FATAL(parse_req(REQ_FOREIGN, &c), 0);
	CU_ASSERT_EQUAL(clv_csr_verify_pop(c), 0);
	CU_ASSERT_EQUAL_FATAL(ds_tbs_from(c, &tbs, &name, &ski), 0);
	CU_ASSERT_EQUAL(clv_lint_ds_tbs(tbs.data, tbs.len, &ds_t, &name, &ski, &lr), CLV_E_LINT);
	CU_ASSERT(lr.n > 0 && strcmp(lr.f[0].code, "name-country-match") == 0);
	{
		size_t i;
		int found = 0;

		for (i = 0; i < lr.n; i++)
			if (strcmp(lr.f[i].code, "ds-country") == 0 &&
			    strstr(lr.f[i].msg, "subject country DE") != NULL)
				found = 1;
		CU_ASSERT(found);
	}
	clv_buf_free(&tbs);
	clv_buf_free(&name);
	clv_buf_free(&ski);
	clv_csr_free(c);
	c = NULL;

	/* a named P-256 request: written with explicit parameters, but the
	 * curve is not the template's, so the lint names the key */
	CU_ASSERT_EQUAL_FATAL(parse_req(REQ_P256, &c), 0);
	CU_ASSERT_EQUAL_FATAL(ds_tbs_from(c, &tbs, &name, &ski), 0);
	CU_ASSERT_EQUAL(clv_lint_ds_tbs(tbs.data, tbs.len, &ds_t, &name, &ski, &lr), CLV_E_LINT);
	CU_ASSERT_EQUAL(lr.n, 1);
	CU_ASSERT_STRING_EQUAL(lr.f[0].code, "spki-curve");
	clv_buf_free(&tbs);
	clv_buf_free(&name);
	clv_buf_free(&ski);
	clv_csr_free(c);
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "parse and proof of possession (P-256, explicit brainpool, RSA, PSS)",
		    test_parse_and_pop },
		{ "PEM and DER", test_pem_and_der },
		{ "flipped signature or signed byte fails the PoP", test_broken_signature },
		{ "garbage, truncation, trailing bytes, version, a certificate",
		    test_garbage },
		{ "DS certificate from a request lints clean; foreign country, other curve",
		    test_ds_from_request },
		{ NULL, NULL },
	};
	char path[PATH_MAX];
	const char *top = getenv("top_srcdir");
	clv_diag_t d = { "" };
	int r = 2;

	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/clv-test-csr-XXXXXX");
	if (mkdtemp(tmp_dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	if (make_requests() != 0) {
		fprintf(stderr, "cannot make the test requests with openssl\n");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/templates/csca.tmpl", top ? top : ".");
	if (clv_template_load(path, &csca_t, &d) != 0) {
		fprintf(stderr, "cannot load %s: %s\n", path, d.msg);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/templates/ds.tmpl", top ? top : ".");
	if (clv_template_load(path, &ds_t, &d) != 0) {
		fprintf(stderr, "cannot load %s: %s\n", path, d.msg);
		goto out;
	}
	if (make_key(csca_t.key.curve, &csca_key) != 0) {
		fprintf(stderr, "cannot make a test key\n");
		goto out;
	}
	r = clv_unit_run("csr", tests);
out:
	clv_pubkey_free(csca_key);
	run("rm -rf %s", tmp_dir);
	return r;
}
