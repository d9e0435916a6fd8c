/*
 * Benchmark: what issuing a certificate costs next to the HSM's own signing
 * rate, measured in the same run on a throwaway SoftHSM token.
 *
 *   raw sign     clv_hsm_sign over a 32-byte message
 *   issue        TBS build + lint + HSM sign + assemble + parse back +
 *                verify + TBS compare (what the engine does per certificate)
 *   raw verify   clv_verify of one signature (libgcrypt)
 *   parse+verify clv_cert_parse + clv_cert_verify of the issued certificate
 *   CV issue     the same for a self-signed CVCA CV certificate (TR-03110-3):
 *                body build + HSM sign + r||s + assemble + parse back + verify
 *   CV p+v       clv_cvc_parse + clv_cvc_verify of it
 *
 * Prints rates and the ratios issue/raw-sign and parse+verify/raw-verify.
 * Usage: bench_issue [iterations]   (SOFTHSM2_CONF is set up here)
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cvc.h"
#include "hsm.h"
#include "issue.h"
#include "lint.h"
#include "template.h"
#include "util.h"
#include "verify.h"
#include "x509.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
issue_one(clv_hsm_t *h, const char *label, const clv_template_t *t, const clv_pubkey_t *pub,
    int n, clv_buf_t *cert_out)
{
	clv_cert_request_t req;
	clv_buf_t tbs = { NULL, 0 }, sig = { NULL, 0 }, cert = { NULL, 0 };
	clv_lint_result_t lr;
	clv_cert_t *c = NULL;
	unsigned char serial[16];
	int r;

	memset(&req, 0, sizeof(req));
	if ((r = clv_hsm_serial(h, sizeof(serial), serial)) != 0)
		return r;
	req.tmpl = t;
	req.subject_key = pub;
	req.issuer_key = pub;
	req.serial = serial;
	req.serial_len = sizeof(serial);
	req.not_before = 1795000000 + n;
	clv_issue_sigalg(t, pub, &req.sigalg);
	if ((r = clv_issue_tbs_cert(&req, &tbs)) != 0 ||
	    (r = clv_lint_csca_tbs(tbs.data, tbs.len, t, &lr)) != 0 ||
	    (r = clv_hsm_sign(h, label, &req.sigalg, tbs.data, tbs.len, &sig)) != 0 ||
	    (r = clv_issue_cert(&tbs, &req.sigalg, &sig, &cert)) != 0 ||
	    (r = clv_cert_parse(cert.data, cert.len, &c, NULL)) != 0 ||
	    (r = clv_cert_verify(c, pub)) != 0)
		goto out;
	if (c->tbs_len != tbs.len || memcmp(c->der.data + c->tbs_off, tbs.data, tbs.len) != 0)
		r = CLV_E_TBS_MISMATCH;
	if (r == 0 && cert_out != NULL) {
		*cert_out = cert;
		cert.data = NULL;
	}
out:
	clv_cert_free(c);
	clv_buf_free(&tbs);
	clv_buf_free(&sig);
	clv_buf_free(&cert);
	return r;
}

/* A self-signed CVCA CV certificate, as engine_cv.c issues one (lint aside). */
static int
cv_issue_one(clv_hsm_t *h, const char *label, const clv_pubkey_t *pub,
    const clv_sigalg_t *alg, clv_buf_t *cert_out)
{
	clv_cvc_spec_t spec;
	clv_buf_t key = { NULL, 0 }, body = { NULL, 0 }, sig = { NULL, 0 }, rs = { NULL, 0 };
	clv_buf_t cert = { NULL, 0 };
	clv_cvc_t *c = NULL;
	unsigned char auth = 0xC3;
	int r;

	memset(&spec, 0, sizeof(spec));
	spec.car = spec.chr = "UTCVCAEP00001";
	spec.type = CLV_CVC_TERM_IS;
	spec.auth = &auth;
	spec.auth_len = 1;
	spec.ced.year = 2026, spec.ced.month = 11, spec.ced.day = 26;
	spec.cxd.year = 2029, spec.cxd.month = 11, spec.cxd.day = 26;
	if ((r = clv_cvc_encode_pubkey(pub, clv_cvc_alg_for(pub->type, alg->hash, 0), 1,
	    &key)) != 0)
		return r;
	spec.pubkey.p = key.data;
	spec.pubkey.len = key.len;
	if ((r = clv_cvc_encode_body(&spec, &body, NULL)) != 0 ||
	    (r = clv_hsm_sign(h, label, alg, body.data, body.len, &sig)) != 0 ||
	    (r = clv_cvc_sig_from_x509(pub, sig.data, sig.len, &rs)) != 0 ||
	    (r = clv_cvc_assemble(body.data, body.len, rs.data, rs.len, &cert)) != 0 ||
	    (r = clv_cvc_parse(cert.data, cert.len, "bench", &c, NULL)) != 0 ||
	    (r = clv_cvc_verify(c, &c->key, NULL, NULL)) != 0)
		goto out;
	if (cert_out != NULL) {
		*cert_out = cert;
		cert.data = NULL;
	}
out:
	clv_cvc_free(c);
	clv_buf_free(&key);
	clv_buf_free(&body);
	clv_buf_free(&sig);
	clv_buf_free(&rs);
	clv_buf_free(&cert);
	return r;
}

static int
bench_curve(clv_hsm_t *h, const char *top, const char *curve, int iters)
{
	clv_template_t t;
	clv_pubkey_t *pub = NULL;
	clv_buf_t sig = { NULL, 0 }, cert = { NULL, 0 };
	clv_sigalg_t alg;
	clv_cert_t *c = NULL;
	char path[PATH_MAX], label[64];
	unsigned char msg[32] = { 1 };
	double t0, raw_sign, issue, raw_verify, pv;
	int i, r;

	snprintf(path, sizeof(path), "%s/templates/csca.tmpl", top);
	if ((r = clv_template_load(path, &t, NULL)) != 0)
		return r;
	t.key.curve = clv_curve_by_name(curve)->id;
	t.hash = t.key.curve == CLV_CURVE_P256 || t.key.curve == CLV_CURVE_BP256R1 ?
	    CLV_HASH_SHA256 : t.hash;
	snprintf(label, sizeof(label), "bench-%s", curve);
	if ((r = clv_hsm_generate(h, label, &t.key, &pub, NULL)) != 0)
		return r;
	clv_issue_sigalg(&t, pub, &alg);

	t0 = now();
	for (i = 0; i < iters; i++) {
		clv_buf_free(&sig);
		if ((r = clv_hsm_sign(h, label, &alg, msg, sizeof(msg), &sig)) != 0)
			goto out;
	}
	raw_sign = iters / (now() - t0);
	t0 = now();
	for (i = 0; i < iters; i++)
		if ((r = issue_one(h, label, &t, pub, i, NULL)) != 0)
			goto out;
	issue = iters / (now() - t0);
	t0 = now();
	for (i = 0; i < iters * 4; i++)
		if ((r = clv_verify(pub, &alg, msg, sizeof(msg), sig.data, sig.len)) != 0)
			goto out;
	raw_verify = iters * 4 / (now() - t0);
	if ((r = issue_one(h, label, &t, pub, 0, &cert)) != 0)
		goto out;
	t0 = now();
	for (i = 0; i < iters * 4; i++) {
		if ((r = clv_cert_parse(cert.data, cert.len, &c, NULL)) != 0 ||
		    (r = clv_cert_verify(c, pub)) != 0)
			goto out;
		clv_cert_free(c);
		c = NULL;
	}
	pv = iters * 4 / (now() - t0);
	printf("%-16s raw sign %8.1f/s  issue %8.1f/s  ratio %.2f | raw verify %8.1f/s  "
	    "parse+verify %8.1f/s  ratio %.2f\n", curve, raw_sign, issue, issue / raw_sign,
	    raw_verify, pv, pv / raw_verify);
	/* the same for CV certificates */
	t0 = now();
	for (i = 0; i < iters; i++)
		if ((r = cv_issue_one(h, label, pub, &alg, NULL)) != 0)
			goto out;
	issue = iters / (now() - t0);
	clv_buf_free(&cert);
	if ((r = cv_issue_one(h, label, pub, &alg, &cert)) != 0)
		goto out;
	t0 = now();
	for (i = 0; i < iters * 4; i++) {
		clv_cvc_t *cv = NULL;

		r = clv_cvc_parse(cert.data, cert.len, "bench", &cv, NULL);
		if (r == 0)
			r = clv_cvc_verify(cv, &cv->key, NULL, NULL);
		clv_cvc_free(cv);
		if (r != 0)
			goto out;
	}
	pv = iters * 4 / (now() - t0);
	printf("%-16s CV (TR-03110)          issue %8.1f/s  ratio %.2f | "
	    "                      parse+verify %8.1f/s  ratio %.2f\n", "", issue,
	    issue / raw_sign, pv, pv / raw_verify);
out:
	clv_cert_free(c);
	clv_buf_free(&sig);
	clv_buf_free(&cert);
	clv_pubkey_free(pub);
	return r;
}

int
main(int argc, char **argv)
{
	static const char *const curves[] = { "P-256", "brainpoolP256r1", "brainpoolP384r1",
	    "brainpoolP512r1" };
	char dir[] = "/tmp/clv-bench-XXXXXX", conf[PATH_MAX], text[PATH_MAX + 64], cmd[PATH_MAX];
	const char *top = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
	clv_secret_t *so = NULL, *pin = NULL;
	clv_hsm_t *h = NULL;
	clv_diag_t d;
	size_t i;
	int iters = argc > 1 ? atoi(argv[1]) : 200, r;
	FILE *fp;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", dir);
	snprintf(text, sizeof(text), "directories.tokendir = %s\nobjectstore.backend = file\n"
	    "log.level = ERROR\n", dir);
	if ((fp = fopen(conf, "w")) == NULL)
		return 1;
	fputs(text, fp);
	fclose(fp);
	setenv("SOFTHSM2_CONF", conf, 1);
	if ((r = clv_hsm_open(NULL, &h, &d)) != 0 ||
	    (r = clv_secret_random_text(16, &so)) != 0 ||
	    (r = clv_secret_random_text(16, &pin)) != 0 ||
	    (r = clv_hsm_init_token(h, "bench", so, pin, &d)) != 0 ||
	    (r = clv_hsm_login(h, pin)) != 0) {
		fprintf(stderr, "bench: %s\n", clv_strerror(r));
		goto out;
	}
	printf("conclave bench: %d iterations per measure, SoftHSMv2, one core\n", iters);
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if ((r = bench_curve(h, top, curves[i], iters)) != 0) {
			fprintf(stderr, "bench %s: %s\n", curves[i], clv_strerror(r));
			break;
		}
out:
	clv_hsm_close(h);
	clv_secret_free(so);
	clv_secret_free(pin);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: cannot remove %s\n", dir);
	return r == 0 ? 0 : 1;
}
