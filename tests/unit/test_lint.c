/* Unit tests: lint.c against TBS built by issue.c, one violation at a time. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "issue.h"
#include "lint.h"
#include "template.h"
#include "unit.h"
#include "util.h"
#include "x509.h"

static clv_template_t base;
static clv_pubkey_t *key;
static clv_template_t mls, dls;         /* templates/mls.tmpl, dls.tmpl */
static clv_pubkey_t *signer_key;        /* the ML/DL signer's key */
static clv_template_t ds;               /* templates/ds.tmpl */

static int
has_finding(const clv_lint_result_t *lr, const char *code)
{
	size_t i;

	for (i = 0; i < lr->n; i++)
		if (strcmp(lr->f[i].code, code) == 0)
			return 1;
	return 0;
}

/* A fresh EC key from libgcrypt for the template's curve. */
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

/* Builds the TBS of a self-signed certificate from t and lints it against lint_t. */
static int
lint_with(const clv_template_t *t, const clv_template_t *lint_t, const clv_duration_t *validity,
    clv_lint_result_t *lr)
{
	clv_cert_request_t req;
	clv_buf_t tbs = { NULL, 0 };
	unsigned char serial[16];
	int r;

	memset(&req, 0, sizeof(req));
	memset(serial, 0x5a, sizeof(serial));
	req.tmpl = t;
	req.subject_key = key;
	req.issuer_key = key;
	req.serial = serial;
	req.serial_len = sizeof(serial);
	req.not_before = 1795000000;   /* 2026-11-18 */
	if (validity != NULL)
		req.validity = *validity;
	if ((r = clv_issue_sigalg(t, key, &req.sigalg)) != 0)
		return r;
	if ((r = clv_issue_tbs_cert(&req, &tbs)) != 0)
		return r;
	r = clv_lint_csca_tbs(tbs.data, tbs.len, lint_t, lr);
	clv_buf_free(&tbs);
	return r;
}

static void
test_shipped_template_is_clean(void)
{
	clv_lint_result_t lr;
	char text[4096];

	CU_ASSERT_EQUAL(lint_with(&base, &base, NULL, &lr), 0);
	clv_lint_format(&lr, text, sizeof(text));
	if (lr.n)
		printf("\n%s\n", text);
	CU_ASSERT_EQUAL(lr.n, 0);
}

static void
test_missing_key_usage(void)
{
	clv_template_t t = base;
	clv_lint_result_t lr;

	t.ku_present = 0;
	CU_ASSERT_EQUAL(lint_with(&t, &base, NULL, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "ku-missing"));
}

static void
test_key_usage_not_critical_or_wrong_bits(void)
{
	clv_template_t t = base;
	clv_lint_result_t lr;

	t.ku_critical = 0;
	t.key_usage |= CLV_KU_DIGITAL_SIGNATURE;
	CU_ASSERT_EQUAL(lint_with(&t, &base, NULL, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "ku-criticality"));
	CU_ASSERT(has_finding(&lr, "ku-bits"));
}

static void
test_wrong_path_len(void)
{
	clv_template_t t = base;
	clv_lint_result_t lr;

	t.bc_path_len = 1;
	CU_ASSERT_EQUAL(lint_with(&t, &base, NULL, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "bc-pathlen"));
	t.bc_path_len = -1;
	CU_ASSERT_EQUAL(lint_with(&t, &base, NULL, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "bc-pathlen"));
	t = base;
	t.bc_present = 0;
	CU_ASSERT_EQUAL(lint_with(&t, &base, NULL, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "bc-missing"));
}

static void
test_validity_past_limit(void)
{
	clv_duration_t longer = base.validity_max;
	clv_lint_result_t lr;

	longer.days += 1;
	CU_ASSERT_EQUAL(lint_with(&base, &base, &longer, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "validity-limit"));
	CU_ASSERT_EQUAL(lint_with(&base, &base, &base.validity_max, &lr), 0);
}

static void
test_lowercase_country(void)
{
	clv_template_t t = base;
	clv_lint_result_t lr;

	memcpy(t.country, "ut", 3);
	CU_ASSERT_EQUAL(lint_with(&t, &base, NULL, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "name-country-case"));
}

static void
test_named_curve_when_explicit_required(void)
{
	clv_template_t t = base;
	clv_lint_result_t lr;

	t.explicit_params = 0;
	CU_ASSERT_EQUAL(lint_with(&t, &base, NULL, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "spki-explicit"));
}

static void
test_forbidden_and_missing_extensions(void)
{
	clv_template_t t = base;
	clv_lint_result_t lr;

	snprintf(t.eku[0], sizeof(t.eku[0]), "2.23.136.1.1.3");
	t.n_eku = 1;
	t.san = 0;
	t.pkup = 0;
	t.n_crl_dp = 0;
	t.ski = 0;
	CU_ASSERT_EQUAL(lint_with(&t, &base, NULL, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "ext-forbidden"));
	CU_ASSERT(has_finding(&lr, "san-missing"));
	CU_ASSERT(has_finding(&lr, "pkup-missing"));
	CU_ASSERT(has_finding(&lr, "crldp-missing"));
	CU_ASSERT(has_finding(&lr, "ski-missing"));
}

static void
test_hash_differs_from_template(void)
{
	clv_template_t t = base;
	clv_lint_result_t lr;

	t.hash = CLV_HASH_SHA256;
	CU_ASSERT_EQUAL(lint_with(&t, &base, NULL, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "sigalg-template"));
}

static void
test_rehearsal_stamp_in_cn(void)
{
	clv_buf_t name = { NULL, 0 };
	char text[512];

	CU_ASSERT_EQUAL_FATAL(clv_issue_name(&base, 1, &name), 0);
	CU_ASSERT_EQUAL(clv_name_to_text(name.data, name.len, text, sizeof(text)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "CN=REHEARSAL CSCA Utopia"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "C=UT"));
	clv_buf_free(&name);
	CU_ASSERT_EQUAL_FATAL(clv_issue_name(&base, 0, &name), 0);
	CU_ASSERT_EQUAL(clv_name_to_text(name.data, name.len, text, sizeof(text)), 0);
	CU_ASSERT_PTR_NULL(strstr(text, "REHEARSAL"));
	clv_buf_free(&name);
}

/* How crl_tbs lists its two revoked entries: as a ceremony does, the same
 * serial twice, or the second revoked an hour after thisUpdate. */
enum { CRL_ENTRIES_GOOD, CRL_ENTRIES_DUPLICATE, CRL_ENTRIES_FUTURE };
static int crl_entries = CRL_ENTRIES_GOOD;

/* The TBS of a CRL from the base template's issuer (and its name and key id). */
static int
crl_tbs(time_t this_update, time_t next_update, size_t n_revoked, clv_buf_t *tbs,
    clv_buf_t *name, clv_buf_t *kid)
{
	clv_crl_request_t req;
	clv_buf_t serials[2];
	time_t dates[2] = { this_update - 86400, this_update - 3600 };
	unsigned char id[20], num[1] = { 7 };
	int r;

	memset(serials, 0, sizeof(serials));
	clv_buf_set(&serials[0], "\x01\x02", 2);
	clv_buf_set(&serials[1], crl_entries == CRL_ENTRIES_DUPLICATE ? "\x01\x02" : "\x7f",
	    crl_entries == CRL_ENTRIES_DUPLICATE ? 2 : 1);
	if (crl_entries == CRL_ENTRIES_FUTURE)
		dates[1] = this_update + 3600;
	memset(&req, 0, sizeof(req));
	if ((r = clv_issue_name(&base, 0, name)) != 0)
		return r;
	clv_pubkey_key_id(key, id);
	clv_buf_set(kid, id, sizeof(id));
	req.issuer_name = name;
	req.issuer_key_id = kid;
	clv_issue_sigalg(&base, key, &req.sigalg);
	req.this_update = this_update;
	req.next_update = next_update;
	req.crl_number = num;
	req.crl_number_len = 1;
	req.n_revoked = n_revoked;
	req.revoked_serials = serials;
	req.revocation_dates = dates;
	r = clv_issue_tbs_crl(&req, tbs);
	clv_buf_free(&serials[0]);
	clv_buf_free(&serials[1]);
	return r;
}

static int
crl_lint(time_t this_update, time_t next_update, size_t n_revoked, clv_lint_result_t *lr)
{
	clv_buf_t name = { NULL, 0 }, kid = { NULL, 0 }, tbs = { NULL, 0 };
	int r;

	if ((r = crl_tbs(this_update, next_update, n_revoked, &tbs, &name, &kid)) == 0)
		r = clv_lint_crl_tbs(tbs.data, tbs.len, NULL, &name, &kid, lr);
	clv_buf_free(&tbs);
	clv_buf_free(&name);
	clv_buf_free(&kid);
	return r;
}

/* Inserts ins (n bytes) at offset at of the outer SEQUENCE's content and
 * re-encodes the outer length (short, 81 or 82 form). */
static void
splice(const clv_buf_t *in, size_t at, const void *ins, size_t n, size_t drop, clv_buf_t *out)
{
	size_t hl = in->data[1] < 0x80 ? 2 : 2 + (in->data[1] & 0x7f), clen = in->len - hl;
	size_t nlen = clen + n - drop, o = 0;
	unsigned char *p = malloc(in->len + n + 4);

	p[o++] = 0x30;
	if (nlen < 0x80) {
		p[o++] = (unsigned char)nlen;
	} else if (nlen < 0x100) {
		p[o++] = 0x81;
		p[o++] = (unsigned char)nlen;
	} else {
		p[o++] = 0x82;
		p[o++] = (unsigned char)(nlen >> 8);
		p[o++] = (unsigned char)nlen;
	}
	memcpy(p + o, in->data + hl, at);
	o += at;
	memcpy(p + o, ins, n);
	o += n;
	memcpy(p + o, in->data + hl + at + drop, clen - at - drop);
	o += clen - at - drop;
	out->data = p;
	out->len = o;
}

static void
test_crl_tampered(void)
{
	const time_t now = 1795000000;
	clv_buf_t name = { NULL, 0 }, kid = { NULL, 0 }, tbs = { NULL, 0 }, bad = { NULL, 0 };
	clv_buf_t other = { NULL, 0 };
	clv_lint_result_t lr;
	unsigned char *p;

	CU_ASSERT_EQUAL_FATAL(crl_tbs(now, now + 30 * 86400, 0, &tbs, &name, &kid), 0);
	CU_ASSERT_EQUAL(clv_lint_crl_tbs(tbs.data, tbs.len, NULL, &name, &kid, &lr), 0);
	/* an AKI that is not the issuer's SKI */
	clv_buf_set(&bad, tbs.data, tbs.len);
	p = memmem(bad.data, bad.len, kid.data, kid.len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	p[3] ^= 0x01;
	CU_ASSERT_EQUAL(clv_lint_crl_tbs(bad.data, bad.len, NULL, &name, &kid, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "crl-aki-value"));
	clv_buf_free(&bad);
	/* another issuer name */
	clv_buf_set(&other, name.data, name.len);
	other.data[other.len - 1] ^= 0x01;
	CU_ASSERT_EQUAL(clv_lint_crl_tbs(tbs.data, tbs.len, NULL, &other, &kid, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "crl-issuer"));
	/* not DER: the version INTEGER with a leading zero octet (02 02 00 01) */
	splice(&tbs, 0, "\x02\x02\x00\x01", 4, 3, &bad);
	CU_ASSERT_EQUAL(clv_lint_crl_tbs(bad.data, bad.len, NULL, &name, &kid, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "der-encoding"));
	clv_buf_free(&bad);
	/* a long-form length: libtasn1 refuses it outright */
	splice(&tbs, 0, "\x02\x81\x01\x01", 4, 3, &bad);
	CU_ASSERT_NOT_EQUAL(clv_lint_crl_tbs(bad.data, bad.len, NULL, &name, &kid, &lr), 0);
	clv_buf_free(&bad);
	clv_buf_free(&other);
	clv_buf_free(&tbs);
	clv_buf_free(&name);
	clv_buf_free(&kid);
}

static void
test_crl_lints(void)
{
	const time_t now = 1795000000;
	clv_lint_result_t lr;

	CU_ASSERT_EQUAL(crl_lint(now, now + 90 * 86400, 0, &lr), 0);
	CU_ASSERT_EQUAL(crl_lint(now, now + 90 * 86400, 2, &lr), 0);
	CU_ASSERT_EQUAL(crl_lint(now, now + 91 * 86400, 0, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "crl-next-update-limit"));
	/* nextUpdate before thisUpdate is refused by the builder itself */
	CU_ASSERT_EQUAL(crl_lint(now, now - 1, 0, &lr), CLV_E_INVALID_ARG);
	/* revoked entries: one serial twice, a revocation after thisUpdate */
	crl_entries = CRL_ENTRIES_DUPLICATE;
	CU_ASSERT_EQUAL(crl_lint(now, now + 90 * 86400, 2, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "crl-entry-duplicate"));
	CU_ASSERT(!has_finding(&lr, "crl-entry-date"));
	crl_entries = CRL_ENTRIES_FUTURE;
	CU_ASSERT_EQUAL(crl_lint(now, now + 90 * 86400, 2, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "crl-entry-date"));
	CU_ASSERT(!has_finding(&lr, "crl-entry-duplicate"));
	crl_entries = CRL_ENTRIES_GOOD;
}

/* ---- CSCA link certificates ---------------------------------------------------- */

/* A link TBS: the key of base certified by the old CSCA named old_name (the
 * old key is base's key too: the lint reads names and identifiers). */
static int
link_lint(int link_flag, const clv_buf_t *old_name, const clv_buf_t *lint_name,
    const clv_buf_t *lint_ski, clv_lint_result_t *lr)
{
	clv_cert_request_t req;
	clv_buf_t tbs = { NULL, 0 };
	unsigned char serial[16];
	int r;

	memset(&req, 0, sizeof(req));
	memset(serial, 0x4b, sizeof(serial));
	req.tmpl = &base;
	req.subject_key = key;
	req.issuer_key = key;
	req.issuer_name = old_name;
	req.serial = serial;
	req.serial_len = sizeof(serial);
	req.not_before = 1795000000;
	req.link = link_flag;
	if ((r = clv_issue_sigalg(&base, key, &req.sigalg)) != 0 ||
	    (r = clv_issue_tbs_cert(&req, &tbs)) != 0)
		return r;
	r = clv_lint_link_tbs(tbs.data, tbs.len, &base, lint_name, lint_ski, lr);
	clv_buf_free(&tbs);
	return r;
}

static void
test_link_lints(void)
{
	clv_template_t old = base;
	clv_buf_t same = { NULL, 0 }, renamed = { NULL, 0 }, ski = { NULL, 0 };
	clv_buf_t other_ski = { NULL, 0 };
	clv_lint_result_t lr;
	unsigned char kid[20];
	char text[4096];

	snprintf(old.common_name, sizeof(old.common_name), "CSCA Utopia 2019");
	CU_ASSERT_FATAL(clv_issue_name(&base, 0, &same) == 0);
	CU_ASSERT_FATAL(clv_issue_name(&old, 0, &renamed) == 0);
	CU_ASSERT_FATAL(clv_pubkey_key_id(key, kid) == 0);
	CU_ASSERT_FATAL(clv_buf_set(&ski, kid, sizeof(kid)) == 0);
	kid[0] ^= 1;
	CU_ASSERT_FATAL(clv_buf_set(&other_ski, kid, sizeof(kid)) == 0);

	/* a link that changes the name carries NameChange; one that keeps it not */
	CU_ASSERT_EQUAL(link_lint(1, &renamed, &renamed, &ski, &lr), 0);
	clv_lint_format(&lr, text, sizeof(text));
	if (lr.n)
		printf("\n%s\n", text);
	CU_ASSERT_EQUAL(link_lint(1, &same, &same, &ski, &lr), 0);
	/* built without the link flag: no NameChange (and AKI only if the template has it) */
	CU_ASSERT_EQUAL(link_lint(0, &renamed, &renamed, &ski, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "link-name-change"));
	/* another issuer than the old certificate's subject, another key identifier */
	CU_ASSERT_EQUAL(link_lint(1, &renamed, &same, &ski, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "link-issuer"));
	CU_ASSERT_EQUAL(link_lint(1, &renamed, &renamed, &other_ski, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "aki-value"));
	/* a self-signed certificate is no link; a link is no self-signed certificate */
	CU_ASSERT_EQUAL(lint_with(&base, &base, NULL, &lr), 0);
	CU_ASSERT_EQUAL(link_lint(1, &same, &same, &ski, &lr), 0);
	CU_ASSERT_EQUAL(clv_lint_link_tbs((const unsigned char *)"", 0, &base, NULL, &ski, &lr),
	    CLV_E_INVALID_ARG);
	clv_buf_free(&same);
	clv_buf_free(&renamed);
	clv_buf_free(&ski);
	clv_buf_free(&other_ski);
}

/* ---- ML / DL signer certificates, issued by the CSCA of base ------------------- */

/* How a signer TBS is built and linted; zeroed fields mean "as the CSCA issues it". */
typedef struct signer_case {
	const clv_template_t *build;        /* the template the builder uses */
	const clv_template_t *lint;         /* the template given to the lint (NULL: build) */
	const clv_pubkey_t *issuer_key;     /* NULL: the CSCA's key */
	const clv_buf_t *issuer_name;       /* NULL: the CSCA's subject */
	int self_issued;                    /* issuer = subject */
	const clv_duration_t *validity;
} signer_case_t;

static int
signer_lint(const signer_case_t *c, clv_lint_result_t *lr)
{
	clv_cert_request_t req;
	clv_buf_t tbs = { NULL, 0 }, csca_name = { NULL, 0 }, csca_ski = { NULL, 0 };
	unsigned char serial[16], kid[20];
	int r;

	memset(&req, 0, sizeof(req));
	memset(serial, 0x3c, sizeof(serial));
	if ((r = clv_issue_name(&base, 0, &csca_name)) != 0 ||
	    (r = clv_pubkey_key_id(key, kid)) != 0 ||
	    (r = clv_buf_set(&csca_ski, kid, sizeof(kid))) != 0)
		goto out;
	req.tmpl = c->build;
	req.subject_key = signer_key;
	req.issuer_key = c->issuer_key != NULL ? c->issuer_key : key;
	req.issuer_name = c->self_issued ? NULL :
	    c->issuer_name != NULL ? c->issuer_name : &csca_name;
	req.serial = serial;
	req.serial_len = sizeof(serial);
	req.not_before = 1795000000;   /* 2026-11-18 */
	if (c->validity != NULL)
		req.validity = *c->validity;
	/* as the engine does: the subject's template, the issuer's key */
	if ((r = clv_issue_sigalg(c->build, req.issuer_key, &req.sigalg)) != 0 ||
	    (r = clv_issue_tbs_cert(&req, &tbs)) != 0)
		goto out;
	r = clv_lint_signer_tbs(tbs.data, tbs.len, c->lint != NULL ? c->lint : c->build,
	    &csca_name, &csca_ski, lr);
out:
	clv_buf_free(&tbs);
	clv_buf_free(&csca_name);
	clv_buf_free(&csca_ski);
	return r;
}

/* Builds with t (issued by the CSCA), expects exactly the one finding code. */
static void
expect_signer_finding(const clv_template_t *t, const char *code)
{
	signer_case_t c = { t, NULL, NULL, NULL, 0, NULL };
	clv_lint_result_t lr;
	char text[4096];

	CU_ASSERT_EQUAL(signer_lint(&c, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, code));
	CU_ASSERT_EQUAL(lr.n, 1);
	if (!has_finding(&lr, code) || lr.n != 1) {
		clv_lint_format(&lr, text, sizeof(text));
		fprintf(stderr, "\n  expected only %s, got:\n%s\n", code, text);
	}
}

static void
test_signer_templates_lint_clean(void)
{
	signer_case_t c = { &mls, NULL, NULL, NULL, 0, NULL };
	clv_template_t t = mls;
	clv_lint_result_t lr;

	CU_ASSERT_EQUAL(signer_lint(&c, &lr), 0);
	CU_ASSERT_EQUAL(lr.n, 0);
	c.build = &dls;
	CU_ASSERT_EQUAL(signer_lint(&c, &lr), 0);
	CU_ASSERT_EQUAL(lr.n, 0);
	/* SKI and PrivateKeyUsagePeriod are optional (o/nc) for list signers */
	t.ski = 0;
	t.pkup = 0;
	c.build = &t;
	CU_ASSERT_EQUAL(signer_lint(&c, &lr), 0);
	/* the longest validity the template allows */
	c.build = &mls;
	c.validity = &mls.validity_max;
	CU_ASSERT_EQUAL(signer_lint(&c, &lr), 0);
}

static void
test_signer_eku(void)
{
	clv_template_t t = mls;
	signer_case_t c = { &mls, &dls, NULL, NULL, 0, NULL };
	clv_lint_result_t lr;

	t.n_eku = 0;
	expect_signer_finding(&t, "eku-missing");
	t = mls;
	t.eku_critical = 0;
	expect_signer_finding(&t, "eku-criticality");
	t = mls;
	snprintf(t.eku[0], sizeof(t.eku[0]), "%s", CLV_OID_EKU_DLS);
	expect_signer_finding(&t, "eku-value");
	t = mls;
	snprintf(t.eku[1], sizeof(t.eku[1]), "1.3.6.1.5.5.7.3.4");
	t.n_eku = 2;
	expect_signer_finding(&t, "eku-value");
	/* an MLS certificate is not a DLS certificate */
	CU_ASSERT_EQUAL(signer_lint(&c, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "eku-value"));
	/* a critical EKU is known, not an unknown critical extension */
	c.lint = NULL;
	CU_ASSERT_EQUAL(signer_lint(&c, &lr), 0);
	CU_ASSERT(!has_finding(&lr, "ext-unknown-critical"));
}

static void
test_signer_basic_constraints_and_key_usage(void)
{
	clv_template_t t = mls;

	t.bc_present = 1;
	t.bc_critical = 1;
	t.bc_ca = 1;
	t.bc_path_len = 0;
	expect_signer_finding(&t, "bc-forbidden");
	t = mls;
	t.key_usage = CLV_KU_KEY_CERT_SIGN;
	expect_signer_finding(&t, "ku-bits");
	t.key_usage = CLV_KU_DIGITAL_SIGNATURE | CLV_KU_NON_REPUDIATION;
	expect_signer_finding(&t, "ku-bits");
	t = mls;
	t.ku_critical = 0;
	expect_signer_finding(&t, "ku-criticality");
	t = mls;
	t.ku_present = 0;
	expect_signer_finding(&t, "ku-missing");
}

static void
test_signer_issuer(void)
{
	clv_buf_t other = { NULL, 0 };
	clv_template_t t = mls;
	signer_case_t c = { &mls, NULL, NULL, NULL, 0, NULL };
	clv_lint_result_t lr;

	/* the AKI of another key than the CSCA's */
	c.issuer_key = signer_key;
	CU_ASSERT_EQUAL(signer_lint(&c, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "aki-value"));
	CU_ASSERT(!has_finding(&lr, "signer-issuer"));
	c.issuer_key = NULL;
	t.aki = 0;
	expect_signer_finding(&t, "aki-missing");

	/* an issuer name that is not the CSCA's subject (same country) */
	CU_ASSERT_EQUAL_FATAL(clv_issue_name(&base, 1, &other), 0);
	c.issuer_name = &other;
	CU_ASSERT_EQUAL(signer_lint(&c, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "signer-issuer"));
	CU_ASSERT(!has_finding(&lr, "aki-value"));
	clv_buf_free(&other);
	c.issuer_name = NULL;
	/* self-issued */
	c.self_issued = 1;
	CU_ASSERT_EQUAL(signer_lint(&c, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "signer-issuer"));
	c.self_issued = 0;
	/* a signer named as the CSCA */
	t = mls;
	snprintf(t.common_name, sizeof(t.common_name), "%s", base.common_name);
	snprintf(t.organization, sizeof(t.organization), "%s", base.organization);
	expect_signer_finding(&t, "signer-subject");
}

static void
test_signer_names_and_lifetimes(void)
{
	clv_template_t t = mls;
	clv_duration_t longer = mls.validity_max;
	signer_case_t c = { &mls, NULL, NULL, NULL, 0, &longer };
	clv_lint_result_t lr;

	memcpy(t.country, "ut", 3);
	expect_signer_finding(&t, "name-country-case");
	t = mls;
	memcpy(t.country, "UA", 3);
	expect_signer_finding(&t, "name-country-match");
	longer.days += 1;
	CU_ASSERT_EQUAL(signer_lint(&c, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "validity-limit"));
	t = mls;
	t.hash = CLV_HASH_SHA384;
	c.build = &t;
	c.lint = &mls;
	c.validity = NULL;
	CU_ASSERT_EQUAL(signer_lint(&c, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "sigalg-template"));
}

static void
test_signer_mandatory_extensions(void)
{
	clv_template_t t = mls;

	t.san = 0;
	expect_signer_finding(&t, "san-missing");
	t = mls;
	t.ian = 0;
	expect_signer_finding(&t, "ian-missing");
	t = mls;
	t.n_crl_dp = 0;
	expect_signer_finding(&t, "crldp-missing");
}

static void
test_signer_bad_arguments(void)
{
	clv_buf_t tbs = { NULL, 0 }, name = { NULL, 0 }, ski = { NULL, 0 };
	clv_cert_request_t req;
	clv_lint_result_t lr;
	unsigned char serial[1] = { 1 }, kid[20];

	/* a CSCA certificate is no list signer: BC present, no EKU, wrong KU */
	memset(&req, 0, sizeof(req));
	req.tmpl = &base;
	req.subject_key = key;
	req.issuer_key = key;
	req.serial = serial;
	req.serial_len = 1;
	req.not_before = 1795000000;
	CU_ASSERT_EQUAL_FATAL(clv_issue_sigalg(&base, key, &req.sigalg), 0);
	CU_ASSERT_EQUAL_FATAL(clv_issue_tbs_cert(&req, &tbs), 0);
	CU_ASSERT_EQUAL_FATAL(clv_issue_name(&base, 0, &name), 0);
	clv_pubkey_key_id(key, kid);
	clv_buf_set(&ski, kid, sizeof(kid));
	CU_ASSERT_EQUAL(clv_lint_signer_tbs(tbs.data, tbs.len, &mls, &name, &ski, &lr),
	    CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "bc-forbidden"));
	CU_ASSERT(has_finding(&lr, "eku-missing"));
	CU_ASSERT(has_finding(&lr, "ku-bits"));
	CU_ASSERT(has_finding(&lr, "signer-subject"));
	/* only signer profiles, and the issuer is required */
	CU_ASSERT_EQUAL(clv_lint_signer_tbs(tbs.data, tbs.len, &base, &name, &ski, &lr),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_lint_signer_tbs(tbs.data, tbs.len, &mls, NULL, &ski, &lr),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_lint_signer_tbs(tbs.data, tbs.len, &mls, &name, NULL, &lr),
	    CLV_E_INVALID_ARG);
	/* not a TBSCertificate at all */
	CU_ASSERT(clv_lint_signer_tbs(name.data, name.len, &mls, &name, &ski, &lr) < 0);
	CU_ASSERT_NOT_EQUAL(clv_lint_signer_tbs(name.data, name.len, &mls, &name, &ski, &lr),
	    CLV_E_LINT);
	clv_buf_free(&tbs);
	clv_buf_free(&name);
	clv_buf_free(&ski);
}

/* ---- Document Signer certificates, issued by the CSCA of base ------------------ */

/* How a DS TBS is built and linted; zeroed fields mean "as the CSCA issues it
 * from a good request of its own country". */
typedef struct ds_case {
	const clv_template_t *build;        /* NULL: ds */
	const clv_template_t *lint;         /* NULL: build */
	const clv_pubkey_t *issuer_key;     /* NULL: the CSCA's key */
	const char *country;                /* the request's subject country (NULL: UT) */
	const clv_duration_t *validity;     /* NULL: PKUP + document_validity */
} ds_case_t;

/* A request's subject: C=<country>, O=Utopia Passport Office, CN=Document Signer 7. */
static int
ds_subject(const char *country, clv_buf_t *out)
{
	clv_template_t t = mls;

	snprintf(t.country, sizeof(t.country), "%s", country != NULL ? country : "UT");
	snprintf(t.common_name, sizeof(t.common_name), "Document Signer 7");
	return clv_issue_name(&t, 0, out);
}

static int
ds_build(const ds_case_t *c, clv_buf_t *tbs, clv_buf_t *csca_name, clv_buf_t *csca_ski)
{
	clv_cert_request_t req;
	clv_buf_t subject = { NULL, 0 };
	unsigned char serial[8], kid[20];
	int r;

	memset(&req, 0, sizeof(req));
	memset(serial, 0x2d, sizeof(serial));
	if ((r = clv_issue_name(&base, 0, csca_name)) != 0 ||
	    (r = clv_pubkey_key_id(key, kid)) != 0 ||
	    (r = clv_buf_set(csca_ski, kid, sizeof(kid))) != 0 ||
	    (r = ds_subject(c->country, &subject)) != 0)
		goto out;
	req.tmpl = c->build != NULL ? c->build : &ds;
	req.subject_key = signer_key;
	req.subject_name = &subject;
	req.issuer_key = c->issuer_key != NULL ? c->issuer_key : key;
	req.issuer_name = csca_name;
	req.serial = serial;
	req.serial_len = sizeof(serial);
	req.not_before = 1795000000;   /* 2026-11-18 */
	if (c->validity != NULL)
		req.validity = *c->validity;
	if ((r = clv_issue_sigalg(req.tmpl, req.issuer_key, &req.sigalg)) != 0)
		goto out;
	r = clv_issue_tbs_cert(&req, tbs);
out:
	clv_buf_free(&subject);
	return r;
}

static int
ds_lint(const ds_case_t *c, clv_lint_result_t *lr)
{
	clv_buf_t tbs = { NULL, 0 }, csca_name = { NULL, 0 }, csca_ski = { NULL, 0 };
	const clv_template_t *lt = c->lint != NULL ? c->lint : c->build != NULL ? c->build : &ds;
	int r;

	if ((r = ds_build(c, &tbs, &csca_name, &csca_ski)) == 0)
		r = clv_lint_ds_tbs(tbs.data, tbs.len, lt, &csca_name, &csca_ski, lr);
	clv_buf_free(&tbs);
	clv_buf_free(&csca_name);
	clv_buf_free(&csca_ski);
	return r;
}

/* Lints c expecting exactly the findings of codes (NULL-terminated). */
static void
expect_ds_findings(const ds_case_t *c, const char *const *codes)
{
	clv_lint_result_t lr;
	char text[4096];
	size_t n = 0, i;
	int ok = 1;

	CU_ASSERT_EQUAL(ds_lint(c, &lr), CLV_E_LINT);
	for (i = 0; codes[i] != NULL; i++, n++)
		if (!has_finding(&lr, codes[i]))
			ok = 0;
	if (lr.n != n)
		ok = 0;
	CU_ASSERT(ok);
	if (!ok) {
		clv_lint_format(&lr, text, sizeof(text));
		fprintf(stderr, "\n  expected only %s%s, got:\n%s\n", codes[0],
		    codes[1] != NULL ? ", ..." : "", text);
	}
}

static void
expect_ds_finding(const clv_template_t *build, const char *code)
{
	ds_case_t c = { build, &ds, NULL, NULL, NULL };
	const char *codes[] = { code, NULL };

	expect_ds_findings(&c, codes);
}

static void
test_ds_template_lints_clean(void)
{
	ds_case_t c = { NULL, NULL, NULL, NULL, NULL };
	clv_template_t t = ds;
	clv_lint_result_t lr;
	char text[4096];

	CU_ASSERT_EQUAL(ds_lint(&c, &lr), 0);
	clv_lint_format(&lr, text, sizeof(text));
	if (lr.n)
		printf("\n%s\n", text);
	CU_ASSERT_EQUAL(lr.n, 0);
	/* SKI is optional (o/nc) for a Document Signer */
	t.ski = 0;
	c.build = &t;
	CU_ASSERT_EQUAL(ds_lint(&c, &lr), 0);
	/* several document types, given in any order */
	t = ds;
	snprintf(t.doc_types[0], sizeof(t.doc_types[0]), "ID");
	snprintf(t.doc_types[1], sizeof(t.doc_types[1]), "P");
	t.n_doc_types = 2;
	CU_ASSERT_EQUAL(ds_lint(&c, &lr), 0);
	/* the longest validity the template allows */
	c.build = NULL;
	c.validity = &ds.validity_max;
	CU_ASSERT_EQUAL(ds_lint(&c, &lr), 0);
}

static void
test_ds_validity_is_usage_period_plus_documents(void)
{
	ds_case_t c = { NULL, NULL, NULL, NULL, NULL };
	clv_buf_t tbs = { NULL, 0 }, name = { NULL, 0 }, ski = { NULL, 0 }, cert = { NULL, 0 };
	clv_buf_t sig = { NULL, 0 };
	clv_sigalg_t alg;
	clv_cert_t *parsed = NULL;
	time_t nb = 1795000000, pkup_end, na;

	CU_ASSERT_EQUAL_FATAL(ds_build(&c, &tbs, &name, &ski), 0);
	/* a dummy signature: only the body is read back */
	CU_ASSERT_EQUAL_FATAL(clv_issue_sigalg(&ds, key, &alg), 0);
	clv_buf_set(&sig, "\x30\x06\x02\x01\x01\x02\x01\x01", 8);
	CU_ASSERT_EQUAL_FATAL(clv_issue_cert(&tbs, &alg, &sig, &cert), 0);
	CU_ASSERT_EQUAL_FATAL(clv_cert_parse(cert.data, cert.len, &parsed, NULL), 0);
	pkup_end = clv_duration_add(nb, &ds.key_usage_period);
	na = clv_duration_add(pkup_end, &ds.document_validity);
	CU_ASSERT_EQUAL(parsed->not_before, nb);
	CU_ASSERT_EQUAL(parsed->not_after, na);
	CU_ASSERT(parsed->has_pkup);
	CU_ASSERT_EQUAL(parsed->pkup_not_before, nb);
	CU_ASSERT_EQUAL(parsed->pkup_not_after, pkup_end);
	CU_ASSERT(!parsed->has_basic_constraints);
	CU_ASSERT_EQUAL(parsed->key_usage, CLV_KU_DIGITAL_SIGNATURE);
	CU_ASSERT_PTR_NOT_NULL(strstr(parsed->subject, "CN=Document Signer 7"));
	CU_ASSERT_PTR_NOT_NULL(strstr(parsed->issuer, "CN=CSCA Utopia"));
	CU_ASSERT(!clv_cert_is_link(parsed));
	clv_cert_free(parsed);
	clv_buf_free(&cert);
	clv_buf_free(&sig);
	clv_buf_free(&tbs);
	clv_buf_free(&name);
	clv_buf_free(&ski);
}

static void
test_ds_document_type_list(void)
{
	static const unsigned char ext_p[] = {   /* Doc 9303 notes, section 3: {P} */
		0x30, 0x15, 0x06, 0x07, 0x67, 0x81, 0x08, 0x01, 0x01, 0x06, 0x02,
		0x04, 0x0a, 0x30, 0x08, 0x02, 0x01, 0x00, 0x31, 0x03, 0x13, 0x01, 0x50,
	};
	static const unsigned char set_p_id[] = {   /* {P, ID}: DER SET OF order */
		0x31, 0x07, 0x13, 0x01, 0x50, 0x13, 0x02, 0x49, 0x44,
	};
	ds_case_t c = { NULL, NULL, NULL, NULL, NULL };
	clv_buf_t tbs = { NULL, 0 }, name = { NULL, 0 }, ski = { NULL, 0 };
	clv_template_t t = ds;

	CU_ASSERT_EQUAL_FATAL(ds_build(&c, &tbs, &name, &ski), 0);
	CU_ASSERT_PTR_NOT_NULL(memmem(tbs.data, tbs.len, ext_p, sizeof(ext_p)));
	clv_buf_free(&tbs);
	clv_buf_free(&name);
	clv_buf_free(&ski);
	/* given as "ID, P", written sorted */
	snprintf(t.doc_types[0], sizeof(t.doc_types[0]), "ID");
	snprintf(t.doc_types[1], sizeof(t.doc_types[1]), "P");
	t.n_doc_types = 2;
	c.build = &t;
	CU_ASSERT_EQUAL_FATAL(ds_build(&c, &tbs, &name, &ski), 0);
	CU_ASSERT_PTR_NOT_NULL(memmem(tbs.data, tbs.len, set_p_id, sizeof(set_p_id)));
	clv_buf_free(&tbs);
	clv_buf_free(&name);
	clv_buf_free(&ski);
}

static void
test_ds_one_violation_at_a_time(void)
{
	static const clv_duration_t four_months = { 0, 4, 0 };
	static const clv_duration_t cert_validity = { 10, 3, 0 };
	static const char *const country[] = { "name-country-match", "ds-country", NULL };
	static const char *const only_pkup[] = { "pkup-limit", NULL };
	static const char *const only_aki[] = { "aki-value", NULL };
	static const char *const only_doc[] = { "validity-document", NULL };
	ds_case_t c = { NULL, NULL, NULL, NULL, NULL };
	clv_template_t t = ds;
	clv_lint_result_t lr;

	/* DocumentTypeList m/nc */
	t.n_doc_types = 0;
	expect_ds_finding(&t, "doctypes-missing");
	/* other document types than the template's */
	t = ds;
	snprintf(t.doc_types[0], sizeof(t.doc_types[0]), "ID");
	expect_ds_finding(&t, "doctypes-template");
	/* a PrivateKeyUsagePeriod longer than 3 months (certificate validity kept) */
	t = ds;
	t.key_usage_period = four_months;
	c.build = &t;
	c.lint = &ds;
	c.validity = &cert_validity;
	expect_ds_findings(&c, only_pkup);
	/* ... and with its own validity: the certificate also exceeds validity.max */
	c.validity = NULL;
	CU_ASSERT_EQUAL(ds_lint(&c, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "pkup-limit"));
	CU_ASSERT(has_finding(&lr, "validity-limit"));
	/* a certificate that outlives its last document by more than document_validity */
	c.build = NULL;
	c.lint = NULL;
	c.validity = &cert_validity;
	t = ds;
	t.document_validity.years = 9;
	c.lint = &t;
	expect_ds_findings(&c, only_doc);
	c.lint = NULL;
	c.validity = NULL;
	/* PKUP m */
	t = ds;
	t.pkup = 0;
	expect_ds_finding(&t, "pkup-missing");
	/* EKU x */
	t = ds;
	snprintf(t.eku[0], sizeof(t.eku[0]), "%s", CLV_OID_EKU_MLS);
	t.n_eku = 1;
	expect_ds_finding(&t, "ext-forbidden");
	/* basicConstraints x */
	t = ds;
	t.bc_present = 1;
	t.bc_critical = 1;
	expect_ds_finding(&t, "bc-forbidden");
	/* keyUsage m/c exactly digitalSignature */
	t = ds;
	t.key_usage |= CLV_KU_NON_REPUDIATION;
	expect_ds_finding(&t, "ku-bits");
	t = ds;
	t.ku_critical = 0;
	expect_ds_finding(&t, "ku-criticality");
	/* SAN, IAN, CRL DP m */
	t = ds;
	t.ian = 0;
	expect_ds_finding(&t, "ian-missing");
	t = ds;
	t.n_crl_dp = 0;
	expect_ds_finding(&t, "crldp-missing");
	/* AKI m = the CSCA's SKI */
	t = ds;
	t.aki = 0;
	expect_ds_finding(&t, "aki-missing");
	c.build = NULL;
	c.lint = NULL;
	c.issuer_key = signer_key;
	expect_ds_findings(&c, only_aki);
	/* a request of another country */
	c.issuer_key = NULL;
	c.country = "DE";
	expect_ds_findings(&c, country);
}

static void
test_ds_lint_arguments(void)
{
	ds_case_t c = { &mls, &ds, NULL, NULL, NULL };
	clv_buf_t tbs = { NULL, 0 }, name = { NULL, 0 }, ski = { NULL, 0 };
	clv_cert_request_t req;
	clv_lint_result_t lr;
	unsigned char serial[1] = { 1 };

	/* an MLS certificate is no Document Signer: EKU, no DocumentTypeList */
	CU_ASSERT_EQUAL(ds_lint(&c, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "ext-forbidden"));
	CU_ASSERT(has_finding(&lr, "doctypes-missing"));
	/* only the ds profile, issuer required */
	c.build = NULL;
	c.lint = NULL;
	CU_ASSERT_EQUAL_FATAL(ds_build(&c, &tbs, &name, &ski), 0);
	CU_ASSERT_EQUAL(clv_lint_ds_tbs(tbs.data, tbs.len, &ds, &name, &ski, &lr), 0);
	CU_ASSERT_EQUAL(clv_lint_ds_tbs(tbs.data, tbs.len, &mls, &name, &ski, &lr),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_lint_ds_tbs(tbs.data, tbs.len, &ds, NULL, &ski, &lr),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_lint_ds_tbs(tbs.data, tbs.len, &ds, &name, NULL, &lr),
	    CLV_E_INVALID_ARG);
	/* the signer lint refuses a ds template */
	CU_ASSERT_EQUAL(clv_lint_signer_tbs(tbs.data, tbs.len, &ds, &name, &ski, &lr),
	    CLV_E_INVALID_ARG);
	/* issued under another name than the CSCA's */
	name.data[name.len - 1] ^= 0x01;
	CU_ASSERT_EQUAL(clv_lint_ds_tbs(tbs.data, tbs.len, &ds, &name, &ski, &lr), CLV_E_LINT);
	CU_ASSERT(has_finding(&lr, "signer-issuer"));
	/* not a TBSCertificate */
	CU_ASSERT(clv_lint_ds_tbs(name.data, name.len, &ds, &name, &ski, &lr) < 0);
	CU_ASSERT_NOT_EQUAL(clv_lint_ds_tbs(name.data, name.len, &ds, &name, &ski, &lr),
	    CLV_E_LINT);
	/* the builder needs the request's subject for ds */
	memset(&req, 0, sizeof(req));
	req.tmpl = &ds;
	req.subject_key = signer_key;
	req.issuer_key = key;
	req.issuer_name = &name;
	req.serial = serial;
	req.serial_len = 1;
	req.not_before = 1795000000;
	clv_issue_sigalg(&ds, key, &req.sigalg);
	clv_buf_free(&tbs);
	CU_ASSERT_EQUAL(clv_issue_tbs_cert(&req, &tbs), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NULL(tbs.data);
	clv_buf_free(&tbs);
	clv_buf_free(&name);
	clv_buf_free(&ski);
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "shipped CSCA template lints clean", test_shipped_template_is_clean },
		{ "missing keyUsage", test_missing_key_usage },
		{ "keyUsage not critical, wrong bits", test_key_usage_not_critical_or_wrong_bits },
		{ "wrong pathLen", test_wrong_path_len },
		{ "validity past the template's limit", test_validity_past_limit },
		{ "lowercase country", test_lowercase_country },
		{ "named curve where explicit is required", test_named_curve_when_explicit_required },
		{ "forbidden and missing extensions", test_forbidden_and_missing_extensions },
		{ "hash differs from the template", test_hash_differs_from_template },
		{ "REHEARSAL stamp in the CN", test_rehearsal_stamp_in_cn },
		{ "CRL lints", test_crl_lints },
		{ "link lints", test_link_lints },
		{ "CRL with a foreign AKI, issuer, or BER", test_crl_tampered },
		{ "shipped MLS and DLS templates lint clean", test_signer_templates_lint_clean },
		{ "signer EKU missing, not critical, wrong", test_signer_eku },
		{ "signer basicConstraints and keyUsage", test_signer_basic_constraints_and_key_usage },
		{ "signer AKI and issuer are the CSCA's", test_signer_issuer },
		{ "signer names and lifetimes", test_signer_names_and_lifetimes },
		{ "signer SAN, IAN, CRL DP mandatory", test_signer_mandatory_extensions },
		{ "signer lint on a CSCA TBS, bad arguments", test_signer_bad_arguments },
		{ "shipped DS template lints clean", test_ds_template_lints_clean },
		{ "DS validity = usage period + document validity",
		    test_ds_validity_is_usage_period_plus_documents },
		{ "DS DocumentTypeList bytes as in the standards notes",
		    test_ds_document_type_list },
		{ "DS violations one at a time", test_ds_one_violation_at_a_time },
		{ "DS lint arguments and builder without subject", test_ds_lint_arguments },
		{ NULL, NULL },
	};
	char path[PATH_MAX];
	clv_diag_t d;
	const char *top = getenv("top_srcdir");
	int r;

	snprintf(path, sizeof(path), "%s/templates/csca.tmpl", top ? top : ".");
	if (clv_template_load(path, &base, &d) != 0) {
		fprintf(stderr, "cannot load %s: %s\n", path, d.msg);
		return 2;
	}
	if (make_key(base.key.curve, &key) != 0) {
		fprintf(stderr, "cannot make a test key\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/templates/mls.tmpl", top ? top : ".");
	if (clv_template_load(path, &mls, &d) != 0) {
		fprintf(stderr, "cannot load %s: %s\n", path, d.msg);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/templates/dls.tmpl", top ? top : ".");
	if (clv_template_load(path, &dls, &d) != 0) {
		fprintf(stderr, "cannot load %s: %s\n", path, d.msg);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/templates/ds.tmpl", top ? top : ".");
	if (clv_template_load(path, &ds, &d) != 0) {
		fprintf(stderr, "cannot load %s: %s\n", path, d.msg);
		return 2;
	}
	if (make_key(mls.key.curve, &signer_key) != 0) {
		fprintf(stderr, "cannot make a test signer key\n");
		return 2;
	}
	r = clv_unit_run("lint", tests);
	clv_pubkey_free(signer_key);
	clv_pubkey_free(key);
	return r;
}
