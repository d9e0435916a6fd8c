/*
 * Unit tests: CV certificates (BSI TR-03110-3) against the EAC interop set
 * (CLV_INTEROP_DIR/eac, described in its MANIFEST.tsv and in
 * docs/standards/eac-cvc.md).  Every certificate and request is parsed and
 * matched with the manifest; every signature whose signer is present is
 * verified, with the domain parameters of the chain's CVCA; every file of
 * negative/ is refused for its reason; the quirks of real data (non-minimal
 * lengths, leading zeros, a non-conformant outer signature, a point off its
 * curve) are asserted one by one; encoding reproduces real certificates byte
 * for byte; and certificates signed here with a libgcrypt test key verify.
 */
#include "config.h"

#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gcrypt.h>

#include "cvc.h"
#include "sigalg.h"
#include "unit.h"
#include "util.h"

/* What test_sign_verify issued, for openpace to check. */
static clv_buf_t issued_cvca, issued_dv, issued_is, issued_req;

typedef struct entry {
	char rel[128];                  /* path under eac/ */
	char what[640];                 /* the manifest's description */
	clv_cvc_kind_t kind;            /* from the manifest; 0 for other files */
	clv_buf_t bytes;
	clv_cvc_t *c;                   /* NULL when refused */
	int rc;
	clv_diag_t diag;
} entry_t;

#define MAX_ENTRIES 200
static entry_t entries[MAX_ENTRIES];
static size_t nentries;

/* ---- the interop set ----------------------------------------------------------- */

static void
eac_path(const char *rel, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/eac/%s", clv_unit_interop_dir(), rel);
}

static entry_t *
entry(const char *rel)
{
	size_t i;

	for (i = 0; i < nentries; i++)
		if (strcmp(entries[i].rel, rel) == 0)
			return &entries[i];
	fprintf(stderr, "no manifest entry %s\n", rel);
	return NULL;
}

/* The parsed object of rel (the test stops when it did not parse). */
static const clv_cvc_t *
obj(const char *rel)
{
	entry_t *e = entry(rel);

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	if (e->c == NULL)
		fprintf(stderr, "%s: %s\n", rel, e->diag.msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e->c);
	return e->c;
}

/* Reads MANIFEST.tsv, checks every file's SHA-256 and parses the CV objects. */
static int
load_manifest(void)
{
	char path[512], line[2048], *f[5], *p;
	unsigned char sha[32];
	char hex[65];
	FILE *fp;
	entry_t *e;
	size_t i;
	clv_diag_t d;

	eac_path("MANIFEST.tsv", path, sizeof(path));
	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		for (i = 0, p = line; i < 5; i++) {
			f[i] = p;
			if (i < 4 && (p = strchr(p, '\t')) == NULL)
				break;
			if (i < 4)
				*p++ = '\0';
		}
		if (i < 4 || strcmp(f[0], "file") == 0)
			continue;
		if (nentries >= MAX_ENTRIES) {
			fprintf(stderr, "MANIFEST.tsv: more than %d entries\n", MAX_ENTRIES);
			fclose(fp);
			return -1;
		}
		e = &entries[nentries++];
		snprintf(e->rel, sizeof(e->rel), "%s", f[0]);
		snprintf(e->what, sizeof(e->what), "%s", f[3]);
		if (strncmp(f[3], "CV certificate", 14) == 0)
			e->kind = CLV_CVC_CERT;
		else if (strncmp(f[3], "CV request", 10) == 0)
			e->kind = CLV_CVC_REQUEST;
		else if (strncmp(f[3], "Authenticated CV request", 24) == 0)
			e->kind = CLV_CVC_AUTH_REQUEST;
		if (e->kind == 0 && strstr(f[3], "7F49") == NULL)
			continue;
		eac_path(e->rel, path, sizeof(path));
		if (clv_file_read(path, 1u << 20, &e->bytes, &d) != 0) {
			fprintf(stderr, "%s\n", d.msg);
			fclose(fp);
			return -1;
		}
		clv_sha256(e->bytes.data, e->bytes.len, sha);
		clv_hex(sha, sizeof(sha), hex);
		if (strcmp(hex, f[1]) != 0) {
			fprintf(stderr, "%s: SHA-256 differs from MANIFEST.tsv\n", e->rel);
			fclose(fp);
			return -1;
		}
		clv_diag_clear(&e->diag);
		e->rc = clv_cvc_parse(e->bytes.data, e->bytes.len, e->rel, &e->c, &e->diag);
	}
	fclose(fp);
	return 0;
}

/* The value of key ("CAR=", "CHR=", "outerCAR=") in a manifest description,
 * at a word start; "" when absent. */
static void
manifest_field(const char *what, const char *key, char *out, size_t outlen)
{
	const char *p = what;
	size_t n;

	out[0] = '\0';
	while ((p = strstr(p, key)) != NULL) {
		if (p == what || p[-1] == ' ' || p[-1] == '[') {
			p += strlen(key);
			n = strcspn(p, " ]|");
			snprintf(out, outlen, "%.*s", (int)n, p);
			return;
		}
		p++;
	}
}

/* The manifest's spelling of the key algorithm: "ECDSA-SHA256", "RSA-v1.5-SHA1". */
static void
manifest_alg(const clv_cvc_t *c, char *out, size_t outlen)
{
	clv_sigalg_t sa;
	const char *bits;

	CU_ASSERT_FATAL(clv_cvc_alg_sigalg(c->key.alg, &sa) == 0);
	bits = sa.hash == CLV_HASH_SHA1 ? "1" : sa.hash == CLV_HASH_SHA224 ? "224" :
	    sa.hash == CLV_HASH_SHA256 ? "256" : sa.hash == CLV_HASH_SHA384 ? "384" : "512";
	snprintf(out, outlen, "%s-SHA%s", sa.key == CLV_KEY_EC ? "ECDSA" :
	    sa.pss ? "RSA-PSS" : "RSA-v1.5", bits);
}

/* "CHAT=IS/CVCA(11)/C3 valid 2026-11-23..2029-11-23" */
static void
manifest_chat(const clv_cvc_t *c, char *out, size_t outlen)
{
	static const char *types[] = { "", "IS", "AT", "ST" };
	static const char *roles[] = { "Terminal(00)", "DV-nonofficial-foreign(01)",
	    "DV-official-domestic(10)", "CVCA(11)" };
	char hex[11];
	size_t i;

	for (i = 0; i < c->chat.auth_len; i++)
		snprintf(hex + 2 * i, 3, "%02X", c->chat.auth[i]);
	snprintf(out, outlen, "CHAT=%s/%s/%s valid %04d-%02d-%02d..%04d-%02d-%02d",
	    types[c->chat.type], roles[c->chat.role], hex, c->ced.year, c->ced.month,
	    c->ced.day, c->cxd.year, c->cxd.month, c->cxd.day);
}

static int
is_negative(const entry_t *e)
{
	return strncmp(e->rel, "negative/", 9) == 0;
}

/* ---- chains ---------------------------------------------------------------------- */

/* The certificate carrying the domain parameters for c's key: c itself or
 * the CVCA its chain goes back to (CAR -> CHR, at most three steps). */
static const clv_cvc_t *
domain_for(const clv_cvc_t *c, int depth)
{
	const clv_cvc_t *d;
	size_t i;

	if (c->key.has_domain || c->key.type == CLV_KEY_RSA)
		return c;
	if (depth > 3 || !c->has_car)
		return NULL;
	for (i = 0; i < nentries; i++) {
		if (entries[i].c == NULL || entries[i].c->kind != CLV_CVC_CERT ||
		    is_negative(&entries[i]) || strcmp(entries[i].c->chr, c->car) != 0 ||
		    entries[i].c == c)
			continue;
		if ((d = domain_for(entries[i].c, depth + 1)) != NULL)
			return d;
	}
	return NULL;
}

enum { CHAIN_VERIFIED = 0, CHAIN_FAILED = 1, CHAIN_NO_ISSUER = 2 };

/*
 * Verifies c: self-signed and requests with their own key, others with
 * every certificate whose CHR is c's CAR (CHRs are not unique: NL reuses
 * one for two DV keys).  *issuer gets the one that verified.
 */
static int
verify_chain(const clv_cvc_t *c, const clv_cvc_t **issuer, clv_diag_t *d)
{
	const clv_cvc_t *dom;
	size_t i;
	int tried = 0;

	if (issuer != NULL)
		*issuer = NULL;
	if (c->kind != CLV_CVC_CERT || clv_cvc_is_self_signed(c)) {
		if (issuer != NULL)
			*issuer = c;
		return clv_cvc_verify(c, &c->key, NULL, d) == 0 ? CHAIN_VERIFIED :
		    CHAIN_FAILED;
	}
	for (i = 0; i < nentries; i++) {
		if (entries[i].c == NULL || entries[i].c->kind != CLV_CVC_CERT ||
		    is_negative(&entries[i]) || entries[i].c == c ||
		    strcmp(entries[i].c->chr, c->car) != 0)
			continue;
		if ((dom = domain_for(entries[i].c, 0)) == NULL)
			continue;
		tried = 1;
		if (clv_cvc_verify(c, &entries[i].c->key, &dom->key, d) == 0) {
			if (issuer != NULL)
				*issuer = entries[i].c;
			return CHAIN_VERIFIED;
		}
	}
	return tried ? CHAIN_FAILED : CHAIN_NO_ISSUER;
}

/* ---- tests ------------------------------------------------------------------------- */

static void
test_parse_all(void)
{
	size_t i, certs = 0, reqs = 0, auths = 0;
	char car[64], chr[64], outer[64], alg[64], chat[128];
	size_t checked = 0;
	const entry_t *e;
	const clv_cvc_t *c;

	CU_ASSERT_FATAL(nentries > 100);
	for (i = 0; i < nentries; i++) {
		e = &entries[i];
		if (e->kind == 0 || is_negative(e))
			continue;
		if (e->c == NULL)
			fprintf(stderr, "\n  refused: %s\n", e->diag.msg);
		CU_ASSERT_EQUAL(e->rc, 0);
		if ((c = e->c) == NULL)
			continue;
		CU_ASSERT_EQUAL(c->kind, e->kind);
		certs += c->kind == CLV_CVC_CERT;
		reqs += c->kind == CLV_CVC_REQUEST;
		auths += c->kind == CLV_CVC_AUTH_REQUEST;
		/* kept byte for byte; the body is the 7F4E TLV inside it */
		CU_ASSERT(c->der.len == e->bytes.len &&
		    memcmp(c->der.data, e->bytes.data, c->der.len) == 0);
		CU_ASSERT(c->body.p > c->der.data && c->body.p[0] == 0x7f &&
		    c->body.p[1] == 0x4e);
		CU_ASSERT(c->body.p + c->body.len < c->sig.p);
		CU_ASSERT(c->sig.p + c->sig.len <= c->der.data + c->der.len);
		CU_ASSERT_EQUAL(c->cpi, 0);
		/* the manifest's fields */
		manifest_field(e->what, "CHR=", chr, sizeof(chr));
		manifest_field(e->what, "CAR=", car, sizeof(car));
		manifest_field(e->what, "outerCAR=", outer, sizeof(outer));
		CU_ASSERT_STRING_EQUAL(c->chr, chr);
		CU_ASSERT_EQUAL(c->has_car, car[0] != '\0');
		if (c->has_car)
			CU_ASSERT_STRING_EQUAL(c->car, car);
		if (c->kind == CLV_CVC_AUTH_REQUEST)
			CU_ASSERT_STRING_EQUAL(c->outer_car, outer);
		CU_ASSERT_EQUAL(c->has_chat, c->kind == CLV_CVC_CERT);
		manifest_alg(c, alg, sizeof(alg));
		if (strstr(e->what, alg) == NULL)
			fprintf(stderr, "\n  %s: no %s in the manifest\n", e->rel, alg);
		CU_ASSERT_PTR_NOT_NULL(strstr(e->what, alg));
		if (c->kind == CLV_CVC_CERT) {
			manifest_chat(c, chat, sizeof(chat));
			if (strstr(e->what, chat) == NULL)
				fprintf(stderr, "\n  %s: no %s in the manifest\n", e->rel,
				    chat);
			CU_ASSERT_PTR_NOT_NULL(strstr(e->what, chat));
			checked++;
		}
	}
	/* 94 certificates in the set, 12 of them in negative/; 24 requests
	 * (6 of them authenticated) */
	CU_ASSERT_EQUAL(certs, 82);
	CU_ASSERT_EQUAL(checked, 82);
	CU_ASSERT_EQUAL(reqs, 19);
	CU_ASSERT_EQUAL(auths, 5);
}

/* The manifest's dates and CHAT of one certificate. */
static void
test_fields(void)
{
	const clv_cvc_t *c = obj("scsh/UTISCVCA_UTISDVCAOF_UTISDVCAOF00001.cvcert");

	CU_ASSERT_STRING_EQUAL(c->car, "UTISCVCA00001");
	CU_ASSERT_EQUAL(c->key.alg, CLV_CVC_ECDSA_SHA256);
	CU_ASSERT_EQUAL(c->key.type, CLV_KEY_EC);
	CU_ASSERT_FALSE(c->key.has_domain);
	CU_ASSERT_EQUAL(c->key.obj[CLV_CVC_EC_Y].len, 65);
	CU_ASSERT_EQUAL(c->chat.type, CLV_CVC_TERM_IS);
	CU_ASSERT_EQUAL(c->chat.role, CLV_CVC_ROLE_DV_FOREIGN);
	CU_ASSERT_EQUAL(c->chat.auth_len, 1);
	CU_ASSERT_EQUAL(c->chat.auth[0], 0x43);
	CU_ASSERT(c->ced.year == 2013 && c->ced.month == 2 && c->ced.day == 16);
	CU_ASSERT(c->cxd.year == 2023 && c->cxd.month == 2 && c->cxd.day == 13);
	CU_ASSERT_EQUAL(c->sig.len, 64);
	CU_ASSERT_EQUAL(c->n_ext, 0);
	CU_ASSERT_EQUAL(c->nonminimal_at, -1);
	CU_ASSERT_EQUAL(clv_cvc_date_time(&c->ced), 1360972800);

	c = obj("openpace/src_certs_DECVCAEPASS00102");
	CU_ASSERT(clv_cvc_is_self_signed(c));
	CU_ASSERT(c->key.has_domain);
	CU_ASSERT_EQUAL(c->chat.role, CLV_CVC_ROLE_CVCA);
	CU_ASSERT_EQUAL(c->chat.auth[0], 0xC1);
	CU_ASSERT_EQUAL(clv_cvc_check_profile(c, NULL), 0);

	/* AT: 5-octet CHAT; three extensions, one with a constructed A0 */
	c = obj("ausweisapp/cvdv-DEDVtIDGVK300029.cvcert");
	CU_ASSERT_EQUAL(c->chat.type, CLV_CVC_TERM_AT);
	CU_ASSERT_EQUAL(c->chat.role, CLV_CVC_ROLE_TERMINAL);
	CU_ASSERT_EQUAL(c->chat.auth_len, 5);
	CU_ASSERT_EQUAL(c->n_ext, 3);
	CU_ASSERT(c->ext_tlv.p != NULL && c->ext_tlv.p[0] == 0x65);
	CU_ASSERT(c->ext_value.p > c->ext_tlv.p && c->ext_value.p[0] == 0x73);

	c = obj("ejbca-cert-cvc/GO_CVCA_RSA2008.cvcert");
	CU_ASSERT_EQUAL(c->key.type, CLV_KEY_RSA);
	CU_ASSERT_EQUAL(c->key.alg, CLV_CVC_RSA_V15_SHA1);
	CU_ASSERT_EQUAL(c->key.obj[CLV_CVC_RSA_N].len, 128);
	CU_ASSERT_EQUAL(clv_cvc_check_profile(c, NULL), 0);

	c = obj("openpace/src_certs_DECVCAeSign00102");
	CU_ASSERT_EQUAL(c->chat.type, CLV_CVC_TERM_ST);
}

/* Every signature whose signer is in the set verifies. */
static void
test_verify_all(void)
{
	/* issuer not in the set (or, for cvc2, its point is off the curve) */
	static const char *unverifiable[] = {
		"ausweisapp/cvdv-DEDVtIDGVK300029.cvcert",
		"ejbca-cert-cvc/absp.cvcert",
		"openpace-eactest/cvc1.cvcert",
		"openpace-eactest/cvc2.cvcert",
		"openpace/cv_cert_dv_cert_19.cvcert",
		"openpace/cv_cert_dv_cert_19_ecdh.cvcert",
		/* their issuer DETESTDVDE019 carries no domain parameters and its
		 * CVCA is missing: test_verify_named_curve */
		"openpace/cv_cert_at_cert_19a_ecdh.cvcert",
		"bc-java/at_cert_19a.cvcert",
		NULL,
	};
	size_t i, j, verified = 0, self = 0, chained = 0, reqs = 0, skipped = 0;
	const clv_cvc_t *iss;
	clv_diag_t d;
	int r, expect_fail;

	for (i = 0; i < nentries; i++) {
		if (entries[i].c == NULL || is_negative(&entries[i]))
			continue;
		expect_fail = 0;
		for (j = 0; unverifiable[j] != NULL; j++)
			if (strcmp(entries[i].rel, unverifiable[j]) == 0)
				expect_fail = 1;
		clv_diag_clear(&d);
		r = verify_chain(entries[i].c, &iss, &d);
		if (expect_fail) {
			CU_ASSERT_NOT_EQUAL(r, CHAIN_VERIFIED);
			CU_ASSERT_PTR_NULL(strstr(entries[i].what, "VERIFIED by cvc-print"));
			skipped++;
			continue;
		}
		if (r != CHAIN_VERIFIED)
			fprintf(stderr, "\n  %s: %s\n", entries[i].rel, r == CHAIN_NO_ISSUER ?
			    "no issuer" : d.msg);
		CU_ASSERT_EQUAL(r, CHAIN_VERIFIED);
		if (r != CHAIN_VERIFIED)
			continue;
		verified++;
		if (entries[i].c->kind != CLV_CVC_CERT)
			reqs++;
		else if (iss == entries[i].c)
			self++;
		else
			chained++;
	}
	fprintf(stderr, "\n  verified %zu: %zu self-signed, %zu through their issuer, %zu "
	    "requests (inner signature); %zu without their signer\n", verified, self,
	    chained, reqs, skipped);
	/* 82 certificates and 24 requests outside negative/; 8 certificates
	 * without their signer */
	CU_ASSERT_EQUAL(skipped, 8);
	CU_ASSERT_EQUAL(verified, 98);
	CU_ASSERT_EQUAL(self, 20);
	CU_ASSERT_EQUAL(chained, 54);
	CU_ASSERT_EQUAL(reqs, 24);
}

/* The issuer of DETESTATDE019 is a DV without domain parameters whose CVCA
 * is not in the set; the caller names the curve (brainpoolP512r1). */
static void
test_verify_named_curve(void)
{
	const clv_cvc_t *at = obj("openpace/cv_cert_at_cert_19a_ecdh.cvcert");
	const clv_cvc_t *dv = obj("openpace/cv_cert_dv_cert_19_ecdh.cvcert");
	clv_pubkey_t *pk = NULL;
	clv_diag_t d;

	CU_ASSERT_FALSE(dv->key.has_domain);
	CU_ASSERT_EQUAL(clv_cvc_verify(at, &dv->key, NULL, &d), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "no domain parameters"));
	CU_ASSERT_EQUAL_FATAL(clv_cvc_key_resolve_curve(&dv->key, CLV_CURVE_BP512R1, &pk,
	    &d), 0);
	CU_ASSERT_EQUAL(dv->key.alg, CLV_CVC_ECDSA_SHA512);
	CU_ASSERT_EQUAL(at->sig.len, 128);
	CU_ASSERT_EQUAL(clv_cvc_verify_sig(dv->key.alg, pk, at->body.p, at->body.len,
	    at->sig.p, at->sig.len, "at_cert_19a", &d), 0);
	clv_pubkey_free(pk);
	/* the wrong curve of the same size does not hold the point */
	CU_ASSERT_NOT_EQUAL(clv_cvc_key_resolve_curve(&dv->key, CLV_CURVE_P521, &pk, &d), 0);
	CU_ASSERT_PTR_NULL(pk);
}

/* DV and terminal keys verify only with the CVCA's domain parameters. */
static void
test_domain_inheritance(void)
{
	const clv_cvc_t *cvca = obj("scsh/UTISCVCA_UTISCVCA00001.selfsigned.cvcert");
	const clv_cvc_t *dv = obj("scsh/UTISCVCA_UTISDVCAOD_UTISDVCAOD00001.cvcert");
	const clv_cvc_t *is = obj("scsh/UTISCVCA_UTISDVCAOD_UTTERM_UTTERM00001.cvcert");
	const clv_cvc_t *at = obj("scsh/UTATCVCA_UTATCVCA00001.selfsigned.cvcert");
	clv_pubkey_t *pk = NULL;
	clv_diag_t d;

	CU_ASSERT_EQUAL(clv_cvc_verify(dv, &cvca->key, NULL, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify(is, &dv->key, &cvca->key, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify(is, &dv->key, NULL, &d), CLV_E_INVALID_ARG);
	/* another CVCA's parameters (same curve, other key): still the curve,
	 * but a signature by another key fails */
	CU_ASSERT_EQUAL(clv_cvc_verify(is, &cvca->key, &at->key, &d), CLV_E_SIG_INVALID);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_key_resolve(&dv->key, &cvca->key, &pk, &d), 0);
	CU_ASSERT_EQUAL(pk->curve, CLV_CURVE_BP256R1);
	clv_pubkey_free(pk);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_key_resolve(&cvca->key, NULL, &pk, &d), 0);
	CU_ASSERT_EQUAL(pk->curve, CLV_CURVE_BP256R1);
	clv_pubkey_free(pk);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_key_resolve(&obj("ejbca-cert-cvc/C_CZCVCADCZ000.cvcert")
	    ->key, NULL, &pk, &d), 0);
	CU_ASSERT_EQUAL(pk->curve, CLV_CURVE_P256);
	clv_pubkey_free(pk);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_key_resolve(&obj("jmrtd/certCVCA_orig.cvcert")->key,
	    NULL, &pk, &d), 0);
	CU_ASSERT_EQUAL(pk->curve, CLV_CURVE_BP224R1);
	clv_pubkey_free(pk);
}

/* The lint refusals asserted by code: exactly the codes listed. */
static void
assert_lint(const clv_cvc_t *issuer, const clv_cvc_t *subject, const char *codes,
    const char *msg_part)
{
	clv_lint_result_t res;
	char all[4096], got[512];
	size_t i, used = 0;
	int r;

	r = clv_cvc_lint_issued(issuer, subject, &res);
	got[0] = '\0';
	for (i = 0; i < res.n; i++)
		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s",
		    i ? " " : "", res.f[i].code);
	if (strcmp(got, codes) != 0) {
		clv_lint_format(&res, all, sizeof(all));
		fprintf(stderr, "\n  %s: expected [%s], got:\n%s\n", subject->name, codes, all);
	}
	CU_ASSERT_STRING_EQUAL(got, codes);
	CU_ASSERT_EQUAL(r, codes[0] ? CLV_E_LINT : 0);
	if (msg_part != NULL && res.n > 0)
		CU_ASSERT_PTR_NOT_NULL(strstr(res.f[0].msg, msg_part));
}

static void
assert_refused(const char *rel, const char *msg_part)
{
	entry_t *e = entry(rel);

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->rc, CLV_E_FORMAT);
	CU_ASSERT_PTR_NULL(e->c);
	if (strstr(e->diag.msg, msg_part) == NULL)
		fprintf(stderr, "\n  %s: message \"%s\" lacks \"%s\"\n", rel, e->diag.msg,
		    msg_part);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->diag.msg, msg_part));
	CU_ASSERT_PTR_NOT_NULL(strstr(e->diag.msg, rel));
}

/* negative/: the three that cannot be parsed, the four whose signature
 * fails, and the four that openpace's cvc-print accepts but our lints and
 * profile check refuse; the positive control passes everything. */
static void
test_negative(void)
{
	const clv_cvc_t *dv = obj("generated/ZZDVISDOM00001.cvcert");
	const clv_cvc_t *cvca = obj("generated/ZZCVCAIS00001.cvcert");
	const clv_cvc_t *c;
	clv_diag_t d;
	size_t i, n = 0;

	for (i = 0; i < nentries; i++)
		n += is_negative(&entries[i]);
	CU_ASSERT_EQUAL(n, 12);

	assert_refused("negative/neg_CED_bad_BCD_digit.cvcert",
	    "CV certificate: 5F25 effective date: digit 0x0A at offset 5, expected 0..9");
	assert_refused("negative/neg_CHR_too_long_20chars.cvcert",
	    "CV certificate: 5F20 CHR: 20 characters, expected 7..16");
	assert_refused("negative/neg_CXD_before_CED.cvcert",
	    "5F24 expiration date: 2026-11-23 is before the 5F25 effective date "
	    "2026-12-23");

	c = obj("negative/neg_sig_DER_encoded.cvcert");
	CU_ASSERT_EQUAL(c->sig.len, 71);
	CU_ASSERT_EQUAL(clv_cvc_verify(c, &dv->key, &cvca->key, &d), CLV_E_SIG_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "71 octets, expected 64"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "DER Ecdsa-Sig-Value"));

	c = obj("negative/neg_sig_bitflip.cvcert");
	CU_ASSERT_EQUAL(clv_cvc_verify(c, &dv->key, &cvca->key, &d), CLV_E_SIG_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "does not verify"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "ZZISTERM00094"));

	/* the CAR names the DV, the terminal's own key signed it */
	c = obj("negative/neg_wrong_signer_key.cvcert");
	CU_ASSERT_EQUAL(clv_cvc_verify(c, &dv->key, &cvca->key, &d), CLV_E_SIG_INVALID);
	CU_ASSERT_EQUAL(clv_cvc_verify(c, &c->key, &cvca->key, &d), 0);

	/* signed correctly; refused by the profile and the chain lints */
	c = obj("negative/neg_CHAT_role_CVCA_under_DV.cvcert");
	CU_ASSERT_EQUAL(clv_cvc_verify(c, &dv->key, &cvca->key, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_check_profile(c, &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "CVCA certificate without domain parameters"));
	assert_lint(dv, c, "cvc-role cvc-domain", "CVCA certificate ZZISTERM00093 issued "
	    "by DV (official domestic) ZZDVISDOM00001");

	c = obj("negative/nonconf_DV_with_domain_params.cvcert");
	CU_ASSERT_EQUAL(clv_cvc_verify(c, &cvca->key, NULL, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_check_profile(c, &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "DV (official domestic) certificate with "
	    "domain parameters"));
	assert_lint(cvca, c, "cvc-domain", "ZZDVISDOM00099");

	/* the three cvc-print misses */
	c = obj("negative/nonconf_IS_cert_with_DV_role_under_DV.cvcert");
	CU_ASSERT_EQUAL(clv_cvc_verify(c, &dv->key, &cvca->key, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_check_profile(c, &d), 0);
	assert_lint(dv, c, "cvc-role", "DV (official domestic) certificate ZZISTERM00092 "
	    "issued by DV");

	c = obj("negative/nonconf_IS_rights_exceed_DV_eID_bit.cvcert");
	CU_ASSERT_EQUAL(clv_cvc_verify(c, &dv->key, &cvca->key, &d), 0);
	assert_lint(dv, c, "cvc-rights", "1 right(s) its issuer ZZDVISDOM00001 lacks: "
	    "Read eID application");

	c = obj("negative/nonconf_IS_validity_beyond_DV.cvcert");
	CU_ASSERT_EQUAL(clv_cvc_verify(c, &dv->key, &cvca->key, &d), 0);
	assert_lint(dv, c, "cvc-cxd", "expires 2029-11-23, after its issuer ZZDVISDOM00001 "
	    "(2027-02-23)");

	c = obj("negative/pos_IS_term_selfbuilt.cvcert");
	CU_ASSERT_EQUAL(clv_cvc_verify(c, &dv->key, &cvca->key, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_check_profile(c, &d), 0);
	assert_lint(dv, c, "", NULL);
}

/* Real chains pass the issuance lints, except what real data does that we
 * would not issue. */
static void
test_lint_real_chains(void)
{
	static const struct {
		const char *rel, *codes;
	} known[] = {
		/* 7F21 82 00E7 */
		{ "openpace-eactest/kba_dvca_cert.cvcert", "cvc-nonminimal" },
		/* a test vector made in 2025 with the scsh CVCA key of 2013-2023:
		 * the DV outlives its issuer and starts after it expired */
		{ "generated/UTISDVCAOD00002.cvcert", "cvc-cxd cvc-ced" },
		{ NULL, NULL },
	};
	const clv_cvc_t *iss;
	const char *codes;
	clv_diag_t d;
	size_t i, j, linted = 0;

	for (i = 0; i < nentries; i++) {
		if (entries[i].c == NULL || is_negative(&entries[i]) ||
		    entries[i].c->kind != CLV_CVC_CERT)
			continue;
		if (verify_chain(entries[i].c, &iss, &d) != CHAIN_VERIFIED)
			continue;
		codes = "";
		for (j = 0; known[j].rel != NULL; j++)
			if (strcmp(known[j].rel, entries[i].rel) == 0)
				codes = known[j].codes;
		assert_lint(iss, entries[i].c, codes, NULL);
		CU_ASSERT_EQUAL(clv_cvc_check_profile(entries[i].c, &d), 0);
		linted++;
	}
	CU_ASSERT_EQUAL(linted, 74);
}

/* Authenticated requests: the outer signature covers 7F21 || 42. */
static void
test_auth_requests(void)
{
	const clv_cvc_t *req = obj("ejbca-cert-cvc/absp.req");
	const clv_cvc_t *old = obj("ejbca-cert-cvc/absp.cvcert");
	const clv_cvc_t *utcvca = obj("scsh/UTISCVCA_UTISCVCA00001.selfsigned.cvcert");
	const clv_cvc_t *utdv = obj("scsh/UTISCVCA_UTISDVCAOD_UTISDVCAOD00001.cvcert");
	const clv_cvc_t *c;
	clv_pubkey_t *pk = NULL;
	clv_buf_t tbs = { NULL, 0 }, again = { NULL, 0 };
	clv_diag_t d;

	CU_ASSERT_EQUAL(req->kind, CLV_CVC_AUTH_REQUEST);
	CU_ASSERT_STRING_EQUAL(req->outer_car, "SEABSP00001");
	CU_ASSERT_STRING_EQUAL(old->chr, "SEABSP00001");
	CU_ASSERT_EQUAL(clv_cvc_verify(req, &req->key, NULL, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify_outer(req, &old->key, NULL, &d), 0);
	/* the new key does not make the outer signature */
	CU_ASSERT_EQUAL(clv_cvc_verify_outer(req, &req->key, NULL, &d), CLV_E_SIG_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "outer signature"));
	/* what is signed, rebuilt; and the whole request re-assembled */
	CU_ASSERT_EQUAL_FATAL(clv_cvc_outer_tbs(req->cert.p, req->cert.len, req->outer_car,
	    &tbs), 0);
	CU_ASSERT(tbs.len == req->outer_tbs.len &&
	    memcmp(tbs.data, req->outer_tbs.p, tbs.len) == 0);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_assemble_auth(req->cert.p, req->cert.len,
	    req->outer_car, req->outer_sig.p, req->outer_sig.len, &again), 0);
	CU_ASSERT(again.len == req->der.len &&
	    memcmp(again.data, req->der.data, again.len) == 0);
	clv_buf_free(&tbs);
	clv_buf_free(&again);
	CU_ASSERT_EQUAL(clv_cvc_verify_outer(old, &old->key, NULL, &d), CLV_E_INVALID_ARG);

	/* DV renewal: the outer signature by the DV's current key */
	c = obj("generated/UTISDVCAOD00002.renewal.authenticated.cvreq");
	CU_ASSERT_EQUAL(clv_cvc_verify(c, &c->key, NULL, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify_outer(c, &utdv->key, &utcvca->key, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify_outer(c, &utdv->key, NULL, &d), CLV_E_INVALID_ARG);
	/* its inner request is the plain one of the set */
	CU_ASSERT(c->cert.len == obj("generated/UTISDVCAOD00002.inner.cvreq")->der.len &&
	    memcmp(c->cert.p, obj("generated/UTISDVCAOD00002.inner.cvreq")->der.data,
	    c->cert.len) == 0);

	/* foreign DV, countersigned by its home CVCA */
	c = obj("generated/UTISDVCAOF00002.initial-foreign.countersigned.cvreq");
	CU_ASSERT_STRING_EQUAL(c->outer_car, "UTISCVCA00001");
	CU_ASSERT_EQUAL(clv_cvc_verify(c, &c->key, NULL, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify_outer(c, &utcvca->key, NULL, &d), 0);

	/* pico-HSM (openpace#59): the outer signature covers the inner 7F21
	 * only, not 7F21 || 42: refused as non-conformant */
	c = obj("openpace-eactest/csr_with_outer_sig.cvreq");
	CU_ASSERT_STRING_EQUAL(c->outer_car, "HSMCVCA");
	CU_ASSERT_EQUAL(clv_cvc_verify(c, &c->key, NULL, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify_outer(c, &c->key, NULL, &d), CLV_E_SIG_INVALID);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_key_resolve(&c->key, NULL, &pk, &d), 0);
	CU_ASSERT_EQUAL(c->outer_sig.len, 48);
	CU_ASSERT_EQUAL(clv_cvc_verify_sig(c->key.alg, pk, c->cert.p, c->cert.len,
	    c->outer_sig.p, c->outer_sig.len, "inner 7F21 only", &d), 0);
	clv_pubkey_free(pk);

	/* BE/UT request: inner verifies, the outer key is not in the set */
	c = obj("bc-java/UTIS00100072.csr");
	CU_ASSERT_STRING_EQUAL(c->outer_car, "UTIS00100071");
	CU_ASSERT_EQUAL(c->key.alg, CLV_CVC_ECDSA_SHA224);
	CU_ASSERT_EQUAL(clv_cvc_verify(c, &c->key, NULL, &d), 0);
}

/* Non-minimal lengths and leading zeros: kept and hashed as received. */
static void
test_quirks(void)
{
	const clv_cvc_t *kba = obj("openpace-eactest/kba_dvca_cert.cvcert");
	const clv_cvc_t *cvca = obj("openpace/src_certs_DECVCAeID00102");
	const clv_cvc_t *be = obj("bc-java/REQ_18102010.csr");
	const clv_cvc_t *c;
	clv_cvc_t *re = NULL;
	clv_buf_t out = { NULL, 0 };
	clv_pubkey_t *pk = NULL;
	clv_diag_t d;

	/* 7F21 82 00E7: tolerated, recorded, kept */
	CU_ASSERT_EQUAL(kba->nonminimal_at, 0);
	CU_ASSERT_EQUAL(kba->der.len, 236);
	CU_ASSERT(kba->der.data[2] == 0x82 && kba->der.data[3] == 0x00);
	CU_ASSERT_EQUAL(clv_cvc_verify(kba, &cvca->key, NULL, &d), 0);
	/* re-assembled minimally from the same signed body: one octet shorter,
	 * same signature, still verifies */
	CU_ASSERT_EQUAL_FATAL(clv_cvc_assemble(kba->body.p, kba->body.len, kba->sig.p,
	    kba->sig.len, &out), 0);
	CU_ASSERT_EQUAL(out.len, 235);
	CU_ASSERT(out.data[2] == 0x81 && out.data[3] == 0xE7);
	CU_ASSERT(memcmp(out.data + 3, kba->der.data + 4, 235 - 3) == 0);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_parse(out.data, out.len, "kba minimal", &re, &d), 0);
	CU_ASSERT_EQUAL(re->nonminimal_at, -1);
	CU_ASSERT_EQUAL(clv_cvc_verify(re, &cvca->key, NULL, &d), 0);
	clv_cvc_free(re);
	clv_buf_free(&out);

	/* BE request: 81 p and 85 n with a leading 00 (29 octets, 224-bit curve) */
	CU_ASSERT_EQUAL(be->key.obj[CLV_CVC_EC_P].len, 29);
	CU_ASSERT_EQUAL(be->key.obj[CLV_CVC_EC_P].p[0], 0);
	CU_ASSERT_EQUAL(be->key.obj[CLV_CVC_EC_N].len, 29);
	CU_ASSERT_FALSE(be->has_car);
	CU_ASSERT(be->der.len == 346);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_key_resolve(&be->key, NULL, &pk, &d), 0);
	CU_ASSERT_EQUAL(pk->curve, CLV_CURVE_BP224R1);
	CU_ASSERT_EQUAL(be->key.alg, CLV_CVC_ECDSA_SHA256);   /* curve and hash independent */
	clv_pubkey_free(pk);
	CU_ASSERT_EQUAL(clv_cvc_verify(be, &be->key, NULL, &d), 0);
	/* written minimally: two octets shorter, the same key */
	CU_ASSERT_EQUAL_FATAL(clv_cvc_encode_key(&be->key, 1, &out), 0);
	CU_ASSERT_EQUAL(out.len, be->key.tlv.len - 2);
	CU_ASSERT_EQUAL(clv_cvc_check_profile(be, &d), 0);
	clv_buf_free(&out);

	/* a point off its curve: parses and prints, cannot verify */
	c = obj("openpace-eactest/cvc2.cvcert");
	CU_ASSERT(clv_cvc_is_self_signed(c));
	CU_ASSERT_NOT_EQUAL(clv_cvc_key_resolve(&c->key, NULL, &pk, &d), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "not on the curve"));
	CU_ASSERT_NOT_EQUAL(clv_cvc_verify(c, &c->key, NULL, &d), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "DECVCAEPASS001"));

	/* identical files from two sources */
	CU_ASSERT(obj("bc-java/REQ_18102010.csr")->der.len ==
	    obj("openpace-eactest/req_18102010_csr.cvreq")->der.len);

	/* a bare 7F49 is not a certificate; the key reader takes it */
	{
		entry_t *e = entry("ejbca-cert-cvc/PUBLIC_KEY_RSA1024.cvc");
		clv_cvc_key_t k;

		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(e->rc, CLV_E_FORMAT);
		CU_ASSERT_PTR_NOT_NULL(strstr(e->diag.msg, "bare 7F49 public key"));
		CU_ASSERT_EQUAL(clv_cvc_key_parse(e->bytes.data, e->bytes.len, e->rel, &k,
		    &d), 0);
		CU_ASSERT_EQUAL(k.type, CLV_KEY_RSA);
		CU_ASSERT_EQUAL(k.alg, CLV_CVC_RSA_V15_SHA1);
		CU_ASSERT_EQUAL(k.obj[CLV_CVC_RSA_N].len, 128);
		CU_ASSERT_EQUAL(clv_cvc_key_resolve(&k, NULL, &pk, &d), 0);
		clv_pubkey_free(pk);
	}
}

/* Encoding from the parsed fields reproduces every minimally encoded
 * certificate and request of the set byte for byte. */
static void
test_encode_roundtrip(void)
{
	clv_cvc_spec_t s;
	clv_buf_t body = { NULL, 0 }, key = { NULL, 0 }, whole = { NULL, 0 };
	const clv_cvc_t *c;
	clv_diag_t d;
	unsigned tagdummy;
	size_t i, same = 0, skipped = 0;

	(void)tagdummy;
	for (i = 0; i < nentries; i++) {
		if ((c = entries[i].c) == NULL)
			continue;
		if (c->nonminimal_at >= 0 || (c->key.obj[1].len > 1 && c->key.obj[1].p[0] ==
		    0) || (c->key.type == CLV_KEY_EC && c->key.obj[5].len > 1 &&
		    c->key.obj[5].p[0] == 0)) {
			skipped++;
			continue;
		}
		clv_cvc_spec_from(c, &s);
		CU_ASSERT_EQUAL_FATAL(clv_cvc_encode_key(&c->key, c->key.has_domain, &key), 0);
		CU_ASSERT(key.len == c->key.tlv.len &&
		    memcmp(key.data, c->key.tlv.p, key.len) == 0);
		s.pubkey.p = key.data;
		s.pubkey.len = key.len;
		CU_ASSERT_EQUAL_FATAL(clv_cvc_encode_body(&s, &body, &d), 0);
		CU_ASSERT(body.len == c->body.len &&
		    memcmp(body.data, c->body.p, body.len) == 0);
		CU_ASSERT_EQUAL_FATAL(clv_cvc_assemble(body.data, body.len, c->sig.p,
		    c->sig.len, &whole), 0);
		CU_ASSERT(whole.len == c->cert.len &&
		    memcmp(whole.data, c->cert.p, whole.len) == 0);
		if (c->kind != CLV_CVC_AUTH_REQUEST)
			CU_ASSERT(whole.len == c->der.len);
		if (body.len == c->body.len && memcmp(body.data, c->body.p, body.len) == 0 &&
		    whole.len == c->cert.len && memcmp(whole.data, c->cert.p, whole.len) == 0)
			same++;
		else
			fprintf(stderr, "\n  %s: not reproduced\n", entries[i].rel);
		clv_buf_free(&key);
		clv_buf_free(&body);
		clv_buf_free(&whole);
	}
	fprintf(stderr, "\n  %zu reproduced byte for byte, %zu not minimally encoded\n",
	    same, skipped);
	/* 106 + 9 negatives parsed; kba_dvca_cert and the BE request (twice)
	 * are not minimally encoded */
	CU_ASSERT_EQUAL(skipped, 3);
	CU_ASSERT_EQUAL(same, 112);
}

/* Keys written from a clv_pubkey_t (what the HSM gives) equal real ones. */
static void
test_encode_pubkey(void)
{
	static const char *rels[] = {
		"openpace/src_certs_DECVCAEPASS00102",          /* brainpoolP256r1 */
		"ejbca-cert-cvc/C_CZCVCADCZ000.cvcert",         /* P-256 */
		"jmrtd/certCVCA_orig.cvcert",                   /* brainpoolP224r1 */
		"ejbca-cert-cvc/GO_CVCA_RSA2008.cvcert",        /* RSA-1024 */
		"ejbca-cert-cvc/absp.cvcert",                   /* RSA-2048 */
		NULL,
	};
	const clv_cvc_t *c, *req, *dv;
	clv_pubkey_t *pk = NULL;
	clv_buf_t out = { NULL, 0 };
	clv_diag_t d;
	size_t i;

	for (i = 0; rels[i] != NULL; i++) {
		c = obj(rels[i]);
		CU_ASSERT_EQUAL_FATAL(clv_cvc_key_resolve(&c->key, NULL, &pk, &d), 0);
		CU_ASSERT_EQUAL_FATAL(clv_cvc_encode_pubkey(pk, c->key.alg, 1, &out), 0);
		CU_ASSERT(out.len == c->key.tlv.len &&
		    memcmp(out.data, c->key.tlv.p, out.len) == 0);
		clv_buf_free(&out);
		/* without domain parameters: OID and 86 only */
		if (pk->type == CLV_KEY_EC) {
			CU_ASSERT_EQUAL_FATAL(clv_cvc_encode_pubkey(pk, c->key.alg, 0, &out), 0);
			CU_ASSERT_EQUAL(out.len, 2 + 1 + 12 + 2 + c->key.obj[6].len);
			clv_buf_free(&out);
		}
		/* a key of the other family is refused */
		CU_ASSERT_EQUAL(clv_cvc_encode_pubkey(pk, pk->type == CLV_KEY_EC ?
		    CLV_CVC_RSA_V15_SHA256 : CLV_CVC_ECDSA_SHA256, 1, &out), CLV_E_INVALID_ARG);
		clv_pubkey_free(pk);
		pk = NULL;
	}
	/* cvc-create issued this DV from the request by dropping 81..85, 87 */
	req = obj("generated/UTISDVCAOD00002.inner.cvreq");
	dv = obj("generated/UTISDVCAOD00002.cvcert");
	CU_ASSERT_EQUAL_FATAL(clv_cvc_encode_key(&req->key, 0, &out), 0);
	CU_ASSERT(out.len == dv->key.tlv.len && memcmp(out.data, dv->key.tlv.p, out.len) == 0);
	clv_buf_free(&out);
	CU_ASSERT_EQUAL(clv_cvc_encode_key(&dv->key, 1, &out), CLV_E_INVALID_ARG);
}

/* ---- signing here, with libgcrypt test keys (production signs in the HSM) ---- */

static void
ec_keygen(const char *curve, gcry_sexp_t *priv, clv_pubkey_t **pub, clv_curve_t id)
{
	gcry_sexp_t parm = NULL, kp = NULL, q = NULL;
	const char *qd;
	size_t ql;

	CU_ASSERT_FATAL(gcry_sexp_build(&parm, NULL, "(genkey (ecc (curve %s)))", curve) == 0);
	CU_ASSERT_FATAL(gcry_pk_genkey(&kp, parm) == 0);
	*priv = gcry_sexp_find_token(kp, "private-key", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*priv);
	q = gcry_sexp_find_token(kp, "q", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	qd = gcry_sexp_nth_data(q, 1, &ql);
	CU_ASSERT_FATAL(qd != NULL && ql > 0);
	CU_ASSERT_FATAL(clv_pubkey_new_ec(id, (const unsigned char *)qd, ql, pub) == 0);
	gcry_sexp_release(q);
	gcry_sexp_release(kp);
	gcry_sexp_release(parm);
}

/* An MPI of the signature S-expression, as minimal big-endian bytes. */
static size_t
sig_part(gcry_sexp_t sig, const char *name, unsigned char *out, size_t max)
{
	gcry_sexp_t l = gcry_sexp_find_token(sig, name, 0);
	gcry_mpi_t m;
	size_t n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	m = gcry_sexp_nth_mpi(l, 1, GCRYMPI_FMT_USG);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_FATAL(gcry_mpi_print(GCRYMPI_FMT_USG, out, max, &n, m) == 0);
	gcry_mpi_release(m);
	gcry_sexp_release(l);
	return n;
}

/*
 * Signs data as the HSM would: ECDSA with the hash, the result handed over
 * as an Ecdsa-Sig-Value (clv_hsm_sign's X.509 form), then turned into the
 * CV form by clv_cvc_sig_from_x509.  *short_r is set when r had fewer
 * octets than the order (the padding case).
 */
static void
hsm_like_sign(gcry_sexp_t priv, const clv_pubkey_t *pub, clv_hash_alg_t h,
    const unsigned char *data, size_t len, clv_buf_t *cv_sig, int *short_r)
{
	unsigned char dg[CLV_HASH_MAX], r[80], s[80], rs[160];
	gcry_sexp_t sd = NULL, ss = NULL;
	clv_buf_t der = { NULL, 0 };
	size_t rl, sl, fb = pub->n.len;

	CU_ASSERT_FATAL(clv_hash(h, data, len, dg) == 0);
	CU_ASSERT_FATAL(gcry_sexp_build(&sd, NULL, "(data (flags rfc6979)(hash %s %b))",
	    h == CLV_HASH_SHA384 ? "sha384" : "sha256", (int)clv_hash_len(h), dg) == 0);
	CU_ASSERT_FATAL(gcry_pk_sign(&ss, sd, priv) == 0);
	rl = sig_part(ss, "r", r, sizeof(r));
	sl = sig_part(ss, "s", s, sizeof(s));
	CU_ASSERT_FATAL(rl <= fb && sl <= fb);
	memset(rs, 0, sizeof(rs));
	memcpy(rs + fb - rl, r, rl);
	memcpy(rs + 2 * fb - sl, s, sl);
	if (short_r != NULL)
		*short_r = rl < fb;
	CU_ASSERT_FATAL(clv_ecdsa_sig_from_raw(rs, 2 * fb, &der) == 0);
	CU_ASSERT_FATAL(der.data[0] == 0x30);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_sig_from_x509(pub, der.data, der.len, cv_sig), 0);
	CU_ASSERT_EQUAL(cv_sig->len, 2 * fb);
	CU_ASSERT(memcmp(cv_sig->data, rs, 2 * fb) == 0);
	clv_buf_free(&der);
	gcry_sexp_release(sd);
	gcry_sexp_release(ss);
}

static void
make_cert(const char *car, const char *chr, clv_cvc_bytes_t pubkey, unsigned char auth,
    int year_from, int year_to, gcry_sexp_t signer, const clv_pubkey_t *signer_pub,
    clv_cvc_t **out)
{
	clv_cvc_spec_t s;
	clv_buf_t body = { NULL, 0 }, sig = { NULL, 0 }, cert = { NULL, 0 };
	clv_diag_t d;

	memset(&s, 0, sizeof(s));
	s.car = car;
	s.chr = chr;
	s.pubkey = pubkey;
	s.type = CLV_CVC_TERM_IS;
	s.auth = &auth;
	s.auth_len = 1;
	s.ced.year = year_from;
	s.ced.month = 2;
	s.ced.day = 29;
	s.cxd.year = year_to;
	s.cxd.month = 3;
	s.cxd.day = 1;
	CU_ASSERT_EQUAL_FATAL(clv_cvc_encode_body(&s, &body, &d), 0);
	hsm_like_sign(signer, signer_pub, CLV_HASH_SHA256, body.data, body.len, &sig, NULL);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_assemble(body.data, body.len, sig.data, sig.len,
	    &cert), 0);
	if (clv_cvc_parse(cert.data, cert.len, chr, out, &d) != 0)
		fprintf(stderr, "\n  %s\n", d.msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*out);
	CU_ASSERT_EQUAL((*out)->nonminimal_at, -1);
	clv_buf_free(&body);
	clv_buf_free(&sig);
	clv_buf_free(&cert);
}

static clv_cvc_bytes_t
bytes_of(const clv_buf_t *b)
{
	clv_cvc_bytes_t v = { b->data, b->len };

	return v;
}

static void
test_sign_verify(void)
{
	gcry_sexp_t cvca_priv = NULL, dv_priv = NULL, is_priv = NULL;
	clv_pubkey_t *cvca_pub = NULL, *dv_pub = NULL, *is_pub = NULL;
	clv_buf_t k1 = { NULL, 0 }, k2 = { NULL, 0 }, k3 = { NULL, 0 }, k3d = { NULL, 0 };
	clv_buf_t body = { NULL, 0 }, sig = { NULL, 0 }, req = { NULL, 0 };
	clv_buf_t tbs = { NULL, 0 }, osig = { NULL, 0 }, auth = { NULL, 0 };
	clv_cvc_t *cvca = NULL, *dv = NULL, *is = NULL, *ar = NULL, *bad = NULL;
	clv_cvc_spec_t s;
	clv_lint_result_t res;
	clv_diag_t d;
	FILE *fp;
	char *text = NULL;
	size_t textlen = 0;

	ec_keygen("brainpoolP256r1", &cvca_priv, &cvca_pub, CLV_CURVE_BP256R1);
	ec_keygen("brainpoolP256r1", &dv_priv, &dv_pub, CLV_CURVE_BP256R1);
	ec_keygen("brainpoolP256r1", &is_priv, &is_pub, CLV_CURVE_BP256R1);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_encode_pubkey(cvca_pub, CLV_CVC_ECDSA_SHA256, 1, &k1), 0);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_encode_pubkey(dv_pub, CLV_CVC_ECDSA_SHA256, 0, &k2), 0);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_encode_pubkey(is_pub, CLV_CVC_ECDSA_SHA256, 0, &k3), 0);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_encode_pubkey(is_pub, CLV_CVC_ECDSA_SHA256, 1, &k3d), 0);

	/* CVCA self-signed (valid from a leap day), DV, IS */
	make_cert("ZZCVCATEST00001", "ZZCVCATEST00001", bytes_of(&k1), 0xC3, 2028, 2031,
	    cvca_priv, cvca_pub, &cvca);
	make_cert("ZZCVCATEST00001", "ZZDVTEST00001", bytes_of(&k2), 0x83, 2028, 2028,
	    cvca_priv, cvca_pub, &dv);
	make_cert("ZZDVTEST00001", "ZZISTEST00001", bytes_of(&k3), 0x03, 2028, 2028,
	    dv_priv, dv_pub, &is);
	CU_ASSERT(clv_cvc_is_self_signed(cvca));
	CU_ASSERT_EQUAL(cvca->ced.day, 29);
	CU_ASSERT_EQUAL(clv_cvc_verify(cvca, &cvca->key, NULL, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify(dv, &cvca->key, NULL, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify(is, &dv->key, &cvca->key, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify(is, &cvca->key, NULL, &d), CLV_E_SIG_INVALID);
	CU_ASSERT_EQUAL(clv_cvc_lint_issued(cvca, cvca, &res), 0);
	CU_ASSERT_EQUAL(clv_cvc_lint_issued(cvca, dv, &res), 0);
	CU_ASSERT_EQUAL(clv_cvc_lint_issued(dv, is, &res), 0);
	CU_ASSERT_EQUAL(clv_cvc_check_profile(cvca, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_check_profile(is, &d), 0);
	/* a CVCA may not issue a terminal directly, a terminal issues nothing */
	CU_ASSERT_EQUAL(clv_cvc_lint_issued(cvca, is, &res), CLV_E_LINT);
	CU_ASSERT_EQUAL(clv_cvc_lint_issued(is, is, &res), CLV_E_LINT);
	CU_ASSERT_STRING_EQUAL(res.f[0].code, "cvc-car");

	/* one flipped octet in the body */
	{
		clv_buf_t copy = { NULL, 0 };

		CU_ASSERT_FATAL(clv_buf_set(&copy, is->der.data, is->der.len) == 0);
		copy.data[(size_t)(is->body.p - is->der.data) + 20] ^= 0x01;
		CU_ASSERT_EQUAL_FATAL(clv_cvc_parse(copy.data, copy.len, "flipped", &bad, &d), 0);
		CU_ASSERT_EQUAL(clv_cvc_verify(bad, &dv->key, &cvca->key, &d),
		    CLV_E_SIG_INVALID);
		clv_cvc_free(bad);
		bad = NULL;
		clv_buf_free(&copy);
	}

	/* a request from the IS key, authenticated by the DV key */
	memset(&s, 0, sizeof(s));
	s.car = "ZZDVTEST00001";
	s.chr = "ZZISTEST00002";
	s.pubkey = bytes_of(&k3d);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_encode_body(&s, &body, &d), 0);
	hsm_like_sign(is_priv, is_pub, CLV_HASH_SHA256, body.data, body.len, &sig, NULL);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_assemble(body.data, body.len, sig.data, sig.len, &req),
	    0);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_outer_tbs(req.data, req.len, "ZZDVTEST00001", &tbs), 0);
	hsm_like_sign(dv_priv, dv_pub, CLV_HASH_SHA256, tbs.data, tbs.len, &osig, NULL);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_assemble_auth(req.data, req.len, "ZZDVTEST00001",
	    osig.data, osig.len, &auth), 0);
	CU_ASSERT_EQUAL(auth.data[0], 0x67);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_parse(auth.data, auth.len, "auth", &ar, &d), 0);
	CU_ASSERT_EQUAL(ar->kind, CLV_CVC_AUTH_REQUEST);
	CU_ASSERT_EQUAL(clv_cvc_check_profile(ar, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify(ar, &ar->key, NULL, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify_outer(ar, &dv->key, &cvca->key, &d), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify_outer(ar, &ar->key, NULL, &d), CLV_E_SIG_INVALID);

	CU_ASSERT(clv_buf_set(&issued_cvca, cvca->der.data, cvca->der.len) == 0);
	CU_ASSERT(clv_buf_set(&issued_dv, dv->der.data, dv->der.len) == 0);
	CU_ASSERT(clv_buf_set(&issued_is, is->der.data, is->der.len) == 0);
	CU_ASSERT(clv_buf_set(&issued_req, req.data, req.len) == 0);

	/* the printout names what matters */
	CU_ASSERT_FATAL((fp = open_memstream(&text, &textlen)) != NULL);
	CU_ASSERT_EQUAL(clv_cvc_print(fp, cvca), 0);
	CU_ASSERT_EQUAL(clv_cvc_print(fp, ar), 0);
	fclose(fp);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "CV certificate, self-signed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Domain parameters: brainpoolP256r1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Effective date: 2028-02-29"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Outer CAR: ZZDVTEST00001"));
	free(text);

	clv_cvc_free(cvca);
	clv_cvc_free(dv);
	clv_cvc_free(is);
	clv_cvc_free(ar);
	clv_buf_free(&k1);
	clv_buf_free(&k2);
	clv_buf_free(&k3);
	clv_buf_free(&k3d);
	clv_buf_free(&body);
	clv_buf_free(&sig);
	clv_buf_free(&req);
	clv_buf_free(&tbs);
	clv_buf_free(&osig);
	clv_buf_free(&auth);
	clv_pubkey_free(cvca_pub);
	clv_pubkey_free(dv_pub);
	clv_pubkey_free(is_pub);
	gcry_sexp_release(cvca_priv);
	gcry_sexp_release(dv_priv);
	gcry_sexp_release(is_priv);
}

/* r shorter than the order is left-padded to it (about 1 signature in 256). */
static void
test_sig_padding(void)
{
	gcry_sexp_t priv = NULL;
	clv_pubkey_t *pub = NULL;
	clv_buf_t sig = { NULL, 0 };
	unsigned char msg[8];
	unsigned i;
	int short_r = 0;

	ec_keygen("brainpoolP384r1", &priv, &pub, CLV_CURVE_BP384R1);
	for (i = 0; i < 20000 && !short_r; i++) {
		memcpy(msg, &i, sizeof(i));
		memset(msg + sizeof(i), 0, sizeof(msg) - sizeof(i));
		clv_buf_free(&sig);
		hsm_like_sign(priv, pub, CLV_HASH_SHA384, msg, sizeof(msg), &sig, &short_r);
	}
	CU_ASSERT_FATAL(short_r);
	CU_ASSERT_EQUAL(sig.len, 96);
	CU_ASSERT_EQUAL(sig.data[0], 0);
	CU_ASSERT_EQUAL(clv_cvc_verify_sig(CLV_CVC_ECDSA_SHA384, pub, msg, sizeof(msg),
	    sig.data, sig.len, "padded", NULL), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify_sig(CLV_CVC_ECDSA_SHA256, pub, msg, sizeof(msg),
	    sig.data, sig.len, "wrong hash", NULL), CLV_E_SIG_INVALID);
	/* the leading zero dropped: not a CV signature */
	CU_ASSERT_EQUAL(clv_cvc_verify_sig(CLV_CVC_ECDSA_SHA384, pub, msg, sizeof(msg),
	    sig.data + 1, sig.len - 1, "unpadded", NULL), CLV_E_SIG_INVALID);
	clv_buf_free(&sig);
	clv_pubkey_free(pub);
	gcry_sexp_release(priv);
}

/* RSA-PSS: no vector exists; a libgcrypt key signs, salt = hash length. */
static void
test_rsa_pss(void)
{
	gcry_sexp_t parm = NULL, kp = NULL, priv = NULL, sd = NULL, ss = NULL, sv = NULL;
	gcry_mpi_t n = NULL, e = NULL;
	unsigned char nb[256], eb[8], dg[CLV_HASH_MAX], sig[256];
	static const unsigned char msg[] = "7F4E body stand-in";
	clv_pubkey_t *pub = NULL;
	clv_buf_t x509 = { NULL, 0 };
	const char *sp;
	size_t nl, el, sl;

	CU_ASSERT_FATAL(gcry_sexp_build(&parm, NULL, "(genkey (rsa (nbits 4:2048)))") == 0);
	CU_ASSERT_FATAL(gcry_pk_genkey(&kp, parm) == 0);
	priv = gcry_sexp_find_token(kp, "private-key", 0);
	CU_ASSERT_FATAL(gcry_sexp_extract_param(priv, NULL, "ne", &n, &e, NULL) == 0);
	CU_ASSERT_FATAL(gcry_mpi_print(GCRYMPI_FMT_USG, nb, sizeof(nb), &nl, n) == 0);
	CU_ASSERT_FATAL(gcry_mpi_print(GCRYMPI_FMT_USG, eb, sizeof(eb), &el, e) == 0);
	CU_ASSERT_FATAL(clv_pubkey_new_rsa(nb, nl, eb, el, &pub) == 0);
	CU_ASSERT_FATAL(clv_hash(CLV_HASH_SHA256, msg, sizeof(msg), dg) == 0);
	CU_ASSERT_FATAL(gcry_sexp_build(&sd, NULL,
	    "(data (flags pss)(hash sha256 %b)(salt-length 2:32))", 32, dg) == 0);
	CU_ASSERT_FATAL(gcry_pk_sign(&ss, sd, priv) == 0);
	sv = gcry_sexp_find_token(ss, "s", 0);
	sp = gcry_sexp_nth_data(sv, 1, &sl);
	CU_ASSERT_FATAL(sp != NULL && sl <= 256);
	memset(sig, 0, sizeof(sig));
	memcpy(sig + 256 - sl, sp, sl);
	CU_ASSERT_EQUAL(clv_cvc_verify_sig(CLV_CVC_RSA_PSS_SHA256, pub, msg, sizeof(msg),
	    sig, 256, "PSS", NULL), 0);
	CU_ASSERT_EQUAL(clv_cvc_verify_sig(CLV_CVC_RSA_V15_SHA256, pub, msg, sizeof(msg),
	    sig, 256, "v1.5", NULL), CLV_E_SIG_INVALID);
	CU_ASSERT_EQUAL(clv_cvc_verify_sig(CLV_CVC_ECDSA_SHA256, pub, msg, sizeof(msg),
	    sig, 256, "ECDSA", NULL), CLV_E_KEY_MISMATCH);
	/* RSA signatures pass through unchanged */
	CU_ASSERT_EQUAL(clv_cvc_sig_from_x509(pub, sig, 256, &x509), 0);
	CU_ASSERT(x509.len == 256 && memcmp(x509.data, sig, 256) == 0);
	clv_buf_free(&x509);
	clv_pubkey_free(pub);
	gcry_mpi_release(n);
	gcry_mpi_release(e);
	gcry_sexp_release(sv);
	gcry_sexp_release(ss);
	gcry_sexp_release(sd);
	gcry_sexp_release(priv);
	gcry_sexp_release(kp);
	gcry_sexp_release(parm);
}

/* ---- refusals of damaged input ---------------------------------------------------- */

static void
assert_parse_fails(const unsigned char *p, size_t len, const char *msg_part)
{
	clv_cvc_t *c = NULL;
	clv_diag_t d;

	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_cvc_parse(p, len, "damaged", &c, &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NULL(c);
	if (strstr(d.msg, msg_part) == NULL)
		fprintf(stderr, "\n  message \"%s\" lacks \"%s\"\n", d.msg, msg_part);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, msg_part));
	CU_ASSERT(strncmp(d.msg, "damaged: ", 9) == 0);
	clv_cvc_free(c);
}

/* Copies c's bytes, changes the octet at (field + delta) to v, and parses. */
static void
damage(const clv_cvc_t *c, const unsigned char *field, long delta, unsigned char v,
    const char *msg_part)
{
	clv_buf_t b = { NULL, 0 };

	CU_ASSERT_FATAL(clv_buf_set(&b, c->der.data, c->der.len) == 0);
	b.data[(field - c->der.data) + delta] = v;
	assert_parse_fails(b.data, b.len, msg_part);
	clv_buf_free(&b);
}

/* A body with the given 7F49 (built by hand), signed by nobody. */
static void
parse_with_key(const unsigned char *key, size_t len, const char *msg_part)
{
	clv_cvc_spec_t s;
	clv_buf_t body = { NULL, 0 }, cert = { NULL, 0 };
	static const unsigned char sig[64] = { 1 };
	unsigned char auth = 0x03;

	memset(&s, 0, sizeof(s));
	s.car = "ZZDVTEST00001";
	s.chr = "ZZISTEST00001";
	s.pubkey.p = key;
	s.pubkey.len = len;
	s.type = CLV_CVC_TERM_IS;
	s.auth = &auth;
	s.auth_len = 1;
	s.ced.year = s.cxd.year = 2030;
	s.ced.month = s.cxd.month = 1;
	s.ced.day = s.cxd.day = 1;
	CU_ASSERT_EQUAL_FATAL(clv_cvc_encode_body(&s, &body, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(clv_cvc_assemble(body.data, body.len, sig, sizeof(sig), &cert),
	    0);
	assert_parse_fails(cert.data, cert.len, msg_part);
	clv_buf_free(&body);
	clv_buf_free(&cert);
}

static void
test_refusals(void)
{
	const clv_cvc_t *c = obj("generated/ZZISTERM00001.cvcert");
	const clv_cvc_t *cvca = obj("generated/ZZCVCAIS00001.cvcert");
	const clv_cvc_t *at = obj("scsh/UTATCVCA_UTATDVCAOD_UTTERM_UTTERM00001.cvcert");
	const unsigned char *p = c->der.data;
	clv_buf_t b = { NULL, 0 };
	clv_cvc_spec_t s;
	clv_diag_t d;
	/* OID id-TA-ECDSA-SHA-256, then parts of a point */
	static const unsigned char partial[] = { 0x7f, 0x49, 0x12, 0x06, 0x0a, 0x04, 0x00,
	    0x7f, 0x00, 0x07, 0x02, 0x02, 0x02, 0x02, 0x03, 0x81, 0x01, 0x17, 0x86, 0x01,
	    0x04 };
	static const unsigned char compressed[] = { 0x7f, 0x49, 0x11, 0x06, 0x0a, 0x04, 0x00,
	    0x7f, 0x00, 0x07, 0x02, 0x02, 0x02, 0x02, 0x03, 0x86, 0x03, 0x02, 0x01, 0x02 };
	static const unsigned char unknown_ta[] = { 0x7f, 0x49, 0x11, 0x06, 0x0a, 0x04, 0x00,
	    0x7f, 0x00, 0x07, 0x02, 0x02, 0x02, 0x02, 0x09, 0x86, 0x03, 0x04, 0x01, 0x02 };
	static const unsigned char out_of_order[] = { 0x7f, 0x49, 0x14, 0x06, 0x0a, 0x04,
	    0x00, 0x7f, 0x00, 0x07, 0x02, 0x02, 0x02, 0x02, 0x03, 0x86, 0x03, 0x04, 0x01,
	    0x02, 0x81, 0x01, 0x17 };

	/* framing */
	assert_parse_fails(p, c->der.len - 1, "top level: element 7F21 at offset 0 has "
	    "length 224, only 223 octets remain");
	{
		unsigned char more[600];

		CU_ASSERT_FATAL(c->der.len < sizeof(more));
		memcpy(more, p, c->der.len);
		more[c->der.len] = 0x00;
		assert_parse_fails(more, c->der.len + 1, "1 octets after the 7F21 element");
	}
	damage(c, p, 2, 0x80, "indefinite length");
	damage(c, p, 1, 0x22, "first tag 7F22, expected 7F21");
	/* fields, in place: 7F4E 81 99 5F29 01 00 42 ... */
	CU_ASSERT_FATAL(c->body.p[4] == 0x5f && c->body.p[5] == 0x29 && c->body.p[8] == 0x42);
	damage(c, c->body.p, 7, 0x01, "5F29 profile identifier: value not 00");
	damage(c, c->body.p, 8, 0x43, "7F4E certificate body: 42 CAR is missing; found "
	    "unknown element");
	/* 7F4C 0E 06 09 <9 octets, the last one the role> 53 01 03 */
	CU_ASSERT_FATAL(c->chat.tlv.len == 17 && c->chat.tlv.p[14] == 0x53);
	damage(c, c->chat.tlv.p, 13, 0x04, "role OID 0.4.0.127.0.7.3.1.2.4, expected id-IS");
	damage(c, c->chat.tlv.p, 13, 0x02, "53 relative authorization of 1 octets, "
	    "expected 5 for Authentication terminal");
	damage(at, at->chat.tlv.p, 13, 0x01, "of 5 octets, expected 1 for Inspection "
	    "system");
	/* 5F25 06 YYMMDD right after the CHAT, then 5F24 */
	damage(c, c->chat.tlv.p + c->chat.tlv.len, 5, 0x02, "5F25 effective date: month 21, "
	    "expected 01..12");
	damage(c, c->chat.tlv.p + c->chat.tlv.len + 9, 7, 0x09, "5F24 expiration date: day "
	    "93, expected 01..31 for 2026-12");
	damage(c, c->sig.p, -2, 0x38, "expected 5F37 (signature) after the body");
	damage(cvca, cvca->key.obj[6].p, 0, 0x02, "86 public point Y: 65 octets starting "
	    "0x02, expected an uncompressed point");
	{
		clv_buf_t x = { NULL, 0 };
		const unsigned char *chr = memmem(c->der.data, c->der.len, "\x5f\x20\x0d", 3);
		size_t at0;

		/* a CHR with a lower-case country and one with a control character */
		CU_ASSERT_PTR_NOT_NULL_FATAL(chr);
		at0 = (size_t)(chr - c->der.data) + 3;
		CU_ASSERT_FATAL(clv_buf_set(&x, c->der.data, c->der.len) == 0);
		x.data[at0] = 'z';
		assert_parse_fails(x.data, x.len, "5F20 CHR: country code \"zZ\"");
		x.data[at0] = 'Z';
		x.data[at0 + 4] = 0x01;
		assert_parse_fails(x.data, x.len, "5F20 CHR: control character 0x01 at "
		    "offset 4");
		x.data[at0 + 4] = 'T';
		x.data[at0 + 12] = '-';
		assert_parse_fails(x.data, x.len, "5F20 CHR: sequence number \"0000-\"");
		clv_buf_free(&x);
	}
	/* keys */
	parse_with_key(partial, sizeof(partial), "partial domain parameters, 82 "
	    "coefficient a is missing");
	parse_with_key(compressed, sizeof(compressed), "86 public point Y: 3 octets "
	    "starting 0x02");
	parse_with_key(unknown_ta, sizeof(unknown_ta), "OID 0.4.0.127.0.7.2.2.2.2.9 is not "
	    "an id-TA algorithm");
	parse_with_key(out_of_order, sizeof(out_of_order), "element 81 at offset");

	/* an authenticated request must wrap a request */
	CU_ASSERT_EQUAL(clv_cvc_assemble_auth(c->der.data, c->der.len, "ZZDVTEST00001",
	    c->sig.p, c->sig.len, &b), 0);
	assert_parse_fails(b.data, b.len, "the inner 7F21 carries a 7F4C CHAT");
	clv_buf_free(&b);

	/* encoding refuses what parsing would */
	clv_cvc_spec_from(c, &s);
	s.chr = "ZZTOOLONGREFERENCE01";
	CU_ASSERT_EQUAL(clv_cvc_encode_body(&s, &b, &d), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "CHR 20 characters"));
	clv_cvc_spec_from(c, &s);
	s.cxd.year = 2026;
	s.cxd.month = 2;
	s.cxd.day = 29;
	CU_ASSERT_EQUAL(clv_cvc_encode_body(&s, &b, &d), CLV_E_INVALID_ARG);
	clv_cvc_spec_from(c, &s);
	s.cxd = s.ced;
	s.ced.year++;
	CU_ASSERT_EQUAL(clv_cvc_encode_body(&s, &b, &d), CLV_E_INVALID_ARG);
	clv_cvc_spec_from(c, &s);
	s.car = NULL;
	CU_ASSERT_EQUAL(clv_cvc_encode_body(&s, &b, &d), CLV_E_INVALID_ARG);
	clv_cvc_spec_from(c, &s);
	s.auth_len = 5;
	CU_ASSERT_EQUAL(clv_cvc_encode_body(&s, &b, &d), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_cvc_assemble(c->key.tlv.p, c->key.tlv.len, c->sig.p, c->sig.len,
	    &b), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_cvc_outer_tbs(c->der.data, c->der.len, "lowercase0001", &b),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_cvc_parse(NULL, 1, "x", NULL, NULL), CLV_E_INVALID_ARG);
	assert_parse_fails(p, 0, "0 octets");
}

/* Names in the printout, as openpace's cvc-print gives them. */
static void
test_print(void)
{
	static const struct {
		const char *rel;
		const char *want[6];
	} cases[] = {
		{ "openpace/src_certs_DECVCAEPASS00102", { "CV certificate, self-signed",
		    "CHR: DECVCAEPASS00102", "Domain parameters: brainpoolP256r1",
		    "CHAT: Inspection system, role CVCA", "Read DG 3 (fingerprint)",
		    "Expiration date: 2013-10-18" } },
		{ "ausweisapp/cvat-DE0000024001HW.cvcert", { "role Authentication terminal",
		    "Restricted identification", "Read DG 4 (Given names)",
		    "id-sector (0.4.0.127.0.7.3.1.3.2)", "id-description",
		    "Effective date: 2014-11-07" } },
		{ "ausweisapp/cvdv-DEDVtIDGVK300029.cvcert", { "id-PS-sector",
		    "Read DG 19 (Residence permit I)", "CAR: DEDVtIDGVK300029",
		    "Domain parameters: none (inherited from the CVCA)", "Signature: 64",
		    "Public point: 65 octets (256-bit field)" } },
		{ "openpace-eactest/cvc2.cvcert", { "Domain parameters: brainpoolP224r1",
		    "UNUSABLE", "not on the curve", "id-TA-ECDSA-SHA-224", "CAR: DECVCAEPASS001",
		    "Signature: 56 octets" } },
		{ "ejbca-cert-cvc/absp.req", { "Authenticated CV request",
		    "Outer CAR: SEABSP00001", "RSA modulus: 2048 bits, exponent: 0x010001",
		    "CAR: SEDVDPK00001", "CHR: SEABSP00002", "Outer signature: 256 octets" } },
		{ "bc-java/REQ_18102010.csr", { "CV request (346 octets)", "CAR: (none)",
		    "public key element 81 has leading zeros", "brainpoolP224r1",
		    "id-TA-ECDSA-SHA-256", "CHR: BETEST00001" } },
		{ "openpace-eactest/kba_dvca_cert.cvcert", { "non-minimal length at offset 0",
		    "DV (non-official / foreign)", "Read DG 17 (Normal place of residence)",
		    "Read DG 19 (Residence permit I)", "Age verification",
		    "SHA-256: " } },
		{ "scsh/UTATCVCA_UTATDVCAOD_UTTERM_UTTERM00001.cvcert", {
		    "Write DG 17 (Normal place of residence)", "Write DG 22",
		    "Pseudonymous signature authentication", "Read DG 22",
		    "Install qualified certificate", "RFU bit 31" } },
		{ "openpace/src_certs_DECVCAeSign00102", { "Signature terminal, role CVCA",
		    "Generate qualified electronic signature", "2016-10-19",
		    "DECVCAeSign00102", "CV certificate, self-signed", "Profile identifier: 0" } },
	};
	FILE *fp;
	char *text;
	size_t len, i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text = NULL;
		CU_ASSERT_FATAL((fp = open_memstream(&text, &len)) != NULL);
		CU_ASSERT_EQUAL(clv_cvc_print(fp, obj(cases[i].rel)), 0);
		fclose(fp);
		for (j = 0; j < 6; j++) {
			if (strstr(text, cases[i].want[j]) == NULL)
				fprintf(stderr, "\n  %s: no \"%s\" in:\n%s", cases[i].rel,
				    cases[i].want[j], text);
			CU_ASSERT_PTR_NOT_NULL(strstr(text, cases[i].want[j]));
		}
		free(text);
	}
	/* every object of the set prints */
	for (i = 0; i < nentries; i++) {
		if (entries[i].c == NULL)
			continue;
		CU_ASSERT_FATAL((fp = fopen("/dev/null", "w")) != NULL);
		CU_ASSERT_EQUAL(clv_cvc_print(fp, entries[i].c), 0);
		fclose(fp);
	}
}

/* ---- openpace's cvc-print as an independent reader (when installed) ---------- */

typedef struct opc {
	int rc;
	char car[64], chr[64], ced[16], cxd[16], type[64];
	int rights;                     /* CHAT lines, without the role line */
	int exts;
} opc_t;

/* Runs cvc-print on rel and collects what it prints. */
static int
cvc_print(const char *rel, const char *opt, opc_t *o)
{
	char path[512], cmd[1024], line[256];
	FILE *fp;
	int in_chat = 0, in_ext = 0, chat_lines = 0, st;

	memset(o, 0, sizeof(*o));
	eac_path(rel, path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "cvc-print %s='%s' 2>/dev/null", opt, path);
	if ((fp = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "  CAR: %63s", o->car) == 1 ||
		    sscanf(line, "  CHR: %63s", o->chr) == 1 ||
		    sscanf(line, "  Effective Date: %15s", o->ced) == 1 ||
		    sscanf(line, "  Expiration Date: %15s", o->cxd) == 1) {
			in_chat = in_ext = 0;
			continue;
		}
		if (strcmp(line, "  CHAT:") == 0) {
			in_chat = 1;
			continue;
		}
		if (strcmp(line, "  Certificate Extensions:") == 0) {
			in_ext = 1;
			continue;
		}
		if (in_chat && strncmp(line, "      ", 6) == 0)
			chat_lines++;
		else if (in_chat && strncmp(line, "    ", 4) == 0)
			snprintf(o->type, sizeof(o->type), "%s", line + 4);
		else if (in_ext && strncmp(line, "    ", 4) == 0)
			o->exts++;
		else
			in_chat = in_ext = 0;
	}
	st = pclose(fp);
	o->rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	o->rights = chat_lines > 0 ? chat_lines - 1 : 0;
	return 0;
}

static int
set_rights(const clv_cvc_chat_t *ch)
{
	size_t i;
	int n = 0;
	unsigned char v;

	for (i = 0; i < ch->auth_len; i++)
		for (v = i == 0 ? ch->auth[0] & 0x3f : ch->auth[i]; v != 0; v >>= 1)
			n += v & 1;
	return n;
}

/* Writes b to dir/name. */
static void
put(const char *dir, const char *name, const clv_buf_t *b)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	CU_ASSERT_EQUAL_FATAL(clv_file_write_new(path, b->data, b->len, 0600, NULL), 0);
}

/* Runs cmd; 1 if it printed the line want. */
static int
prints_line(const char *cmd, const char *want)
{
	char line[256];
	FILE *fp;
	int found = 0;

	if ((fp = popen(cmd, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, want) == 0)
			found = 1;
	}
	pclose(fp);
	return found;
}

/* Does cvc-print, at noon UTC on day, verify dir/file with dir as the
 * trust directory? */
static int
libeac_verifies(const char *dir, const char *day, const char *file)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "faketime '%s 12:00:00' cvc-print --cvc-dir='%s' "
	    "--cvc='%s/%s' 2>/dev/null", day, dir, dir, file);
	return prints_line(cmd, "certificate verified");
}

/*
 * The chain signed in test_sign_verify, checked by libeac: the trust
 * directory holds the CVCA and the DV named by CHR, the clock is set inside
 * their validity with faketime.  A changed octet must make it fail.
 */
static void
openpace_verifies_ours(void)
{
	char dir[] = "/tmp/clv-test-cvc-XXXXXX", cmd[1024];
	clv_buf_t bad = { NULL, 0 };

	CU_ASSERT_FATAL(issued_is.len > 0 && issued_req.len > 0);
	if (system("command -v faketime >/dev/null 2>&1") != 0) {
		fprintf(stderr, "\n  faketime not on PATH: chain check by cvc-print not run\n");
		return;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	put(dir, "ZZCVCATEST00001", &issued_cvca);
	put(dir, "ZZDVTEST00001", &issued_dv);
	put(dir, "is.cvcert", &issued_is);
	put(dir, "is.cvreq", &issued_req);
	CU_ASSERT_FATAL(clv_buf_set(&bad, issued_is.data, issued_is.len) == 0);
	bad.data[bad.len - 1] ^= 0x01;
	put(dir, "bad.cvcert", &bad);
	clv_buf_free(&bad);
	CU_ASSERT(libeac_verifies(dir, "2028-03-01", "is.cvcert"));
	CU_ASSERT(libeac_verifies(dir, "2028-03-01", "ZZDVTEST00001"));
	CU_ASSERT_FALSE(libeac_verifies(dir, "2028-03-01", "bad.cvcert"));
	/* after the IS certificate's expiry libeac refuses it */
	CU_ASSERT_FALSE(libeac_verifies(dir, "2028-03-02", "is.cvcert"));
	snprintf(cmd, sizeof(cmd), "cvc-print --csr='%s/is.cvreq' 2>/dev/null", dir);
	CU_ASSERT(prints_line(cmd, "  certificate request verified"));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT(system(cmd) == 0);
}

/*
 * Our reading agrees with OpenPACE's on every certificate and plain request
 * (Debian's cvc-print cannot read 67 requests): CAR, CHR, dates, terminal
 * type, the number of rights and of extensions; and it exits 1 on the two
 * negatives it cannot parse, which we refuse too.
 */
static void
test_cvc_print_agrees(void)
{
	char want[32];
	opc_t o;
	const clv_cvc_t *c;
	size_t i, compared = 0;

	if (system("command -v cvc-print >/dev/null 2>&1") != 0) {
		fprintf(stderr, "\n  cvc-print (openpace) not on PATH: cross-check not run\n");
		return;
	}
	for (i = 0; i < nentries; i++) {
		if ((c = entries[i].c) == NULL || c->kind == CLV_CVC_AUTH_REQUEST)
			continue;
		CU_ASSERT_EQUAL_FATAL(cvc_print(entries[i].rel, c->kind == CLV_CVC_CERT ?
		    "--cvc" : "--csr", &o), 0);
		if (o.rc != 0 || strcmp(o.chr, c->chr) != 0)
			fprintf(stderr, "\n  cvc-print %s: rc %d, CHR %s\n", entries[i].rel,
			    o.rc, o.chr);
		CU_ASSERT_EQUAL(o.rc, 0);
		CU_ASSERT_STRING_EQUAL(o.chr, c->chr);
		CU_ASSERT_STRING_EQUAL(o.car, c->has_car ? c->car : "<NULL>");
		if (c->kind == CLV_CVC_CERT) {
			snprintf(want, sizeof(want), "%04d-%02d-%02d", c->ced.year,
			    c->ced.month, c->ced.day);
			CU_ASSERT_STRING_EQUAL(o.ced, want);
			snprintf(want, sizeof(want), "%04d-%02d-%02d", c->cxd.year,
			    c->cxd.month, c->cxd.day);
			CU_ASSERT_STRING_EQUAL(o.cxd, want);
			CU_ASSERT_EQUAL(strcasecmp(o.type,
			    clv_cvc_terminal_name(c->chat.type)), 0);
			if (o.rights != set_rights(&c->chat))
				fprintf(stderr, "\n  %s: cvc-print lists %d rights, we %d\n",
				    entries[i].rel, o.rights, set_rights(&c->chat));
			CU_ASSERT_EQUAL(o.rights, set_rights(&c->chat));
			CU_ASSERT_EQUAL(o.exts, (int)c->n_ext);
		}
		compared++;
	}
	CU_ASSERT_EQUAL(compared, 82 + 19 + 9);
	openpace_verifies_ours();
	CU_ASSERT_EQUAL(cvc_print("negative/neg_CED_bad_BCD_digit.cvcert", "--cvc", &o), 0);
	CU_ASSERT_EQUAL(o.rc, 1);
	CU_ASSERT_EQUAL(cvc_print("negative/neg_CHR_too_long_20chars.cvcert", "--cvc", &o), 0);
	CU_ASSERT_EQUAL(o.rc, 1);
}

/* Date helpers. */
static void
test_dates(void)
{
	clv_cvc_date_t a = { 2024, 2, 29 }, b = { 2023, 2, 29 }, c;

	CU_ASSERT(clv_cvc_date_is_valid(&a));
	CU_ASSERT_FALSE(clv_cvc_date_is_valid(&b));
	CU_ASSERT_EQUAL(clv_cvc_date_cmp(&a, &a), 0);
	clv_cvc_date_from_time(clv_cvc_date_time(&a) + 86399, &c);
	CU_ASSERT_EQUAL(clv_cvc_date_cmp(&a, &c), 0);
	clv_cvc_date_from_time(clv_cvc_date_time(&a) + 86400, &c);
	CU_ASSERT(c.month == 3 && c.day == 1);
	CU_ASSERT_EQUAL(clv_cvc_date_cmp(&a, &c), -1);
	CU_ASSERT_EQUAL(clv_cvc_alg_for(CLV_KEY_EC, CLV_HASH_SHA384, 0), CLV_CVC_ECDSA_SHA384);
	CU_ASSERT_EQUAL(clv_cvc_alg_for(CLV_KEY_RSA, CLV_HASH_SHA512, 1),
	    CLV_CVC_RSA_PSS_SHA512);
	CU_ASSERT_EQUAL(clv_cvc_alg_for(CLV_KEY_RSA, CLV_HASH_SHA224, 0), CLV_CVC_ALG_NONE);
	CU_ASSERT_STRING_EQUAL(clv_cvc_alg_name(CLV_CVC_RSA_V15_SHA1), "id-TA-RSA-v1-5-SHA-1");
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "every certificate and request of the set parses as its manifest says",
		    test_parse_all },
		{ "fields of IS, AT, ST and RSA certificates", test_fields },
		{ "every signature whose signer is present verifies", test_verify_all },
		{ "a DV key without domain parameters on a named curve",
		    test_verify_named_curve },
		{ "domain parameters inherited from the CVCA", test_domain_inheritance },
		{ "negative/: refused for the manifest's reasons", test_negative },
		{ "real chains pass the issuance lints", test_lint_real_chains },
		{ "authenticated requests: outer signature over 7F21 || 42",
		    test_auth_requests },
		{ "non-minimal lengths, leading zeros, off-curve point, bare key",
		    test_quirks },
		{ "encoding reproduces the set byte for byte", test_encode_roundtrip },
		{ "public keys written from HSM-style keys", test_encode_pubkey },
		{ "sign and verify with brainpoolP256r1 test keys", test_sign_verify },
		{ "short r is padded to the order length", test_sig_padding },
		{ "RSA-PSS with salt = hash length", test_rsa_pss },
		{ "damaged input is refused, naming the field", test_refusals },
		{ "printout", test_print },
		{ "dates and algorithm names", test_dates },
		{ "openpace's cvc-print reads the same fields", test_cvc_print_agrees },
		{ NULL, NULL },
	};
	size_t i;
	int r;

	clv_gcry_init();
	if (load_manifest() != 0)
		return 1;
	r = clv_unit_run("cvc", tests);
	for (i = 0; i < nentries; i++) {
		clv_cvc_free(entries[i].c);
		clv_buf_free(&entries[i].bytes);
	}
	clv_buf_free(&issued_cvca);
	clv_buf_free(&issued_dv);
	clv_buf_free(&issued_is);
	clv_buf_free(&issued_req);
	return r;
}
