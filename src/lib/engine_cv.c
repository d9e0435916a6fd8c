/*
 * The ceremony engine's EAC steps (BSI TR-03110-3, TR-03129): the CVCA's
 * self-signed and link CV certificates, and DV certificates from the
 * requests of domestic and foreign Document Verifiers.
 *
 * Every CV certificate is built from a spec, linted as the issuer issues it
 * (with a stand-in signature, before the HSM signs anything), signed by the
 * HSM, parsed back and verified with the issuer's key.  The store records
 * it as a certificate of the signing key whose serial is the hex of its CHR,
 * so a CHR is certified once per CVCA key.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "bundle_store.h"
#include "cvc.h"
#include "engine_int.h"
#include "issue.h"
#include "lint.h"

#define MAX_DV_REQUESTS 16
#define MAX_FOREIGN_CVCAS 32

void
engine_cv_free(struct clv_cvc *c)
{
	clv_cvc_free(c);
}

/* Country, holder mnemonic and sequence number (TR-03110-3 A.6.1). */
static void
cv_chr(const clv_template_t *t, const char *sequence, char out[CLV_CVC_REF_MAX + 1])
{
	snprintf(out, CLV_CVC_REF_MAX + 1, "%s%s%s", t->country, t->cv_mnemonic, sequence);
}

static void
chr_hex(const char *chr, char out[2 * CLV_CVC_REF_MAX + 1])
{
	clv_hex((const unsigned char *)chr, strlen(chr), out);
}

static void
cv_dates(time_t from, const clv_duration_t *validity, clv_cvc_date_t *ced, clv_cvc_date_t *cxd)
{
	clv_cvc_date_from_time(from, ced);
	clv_cvc_date_from_time(clv_duration_add(clv_cvc_date_time(ced), validity), cxd);
}

static void
date_text(const clv_cvc_date_t *d, char out[11])
{
	snprintf(out, 11, "%04d-%02d-%02d", d->year, d->month, d->day);
}

/* How key k signs: the X.509 form the HSM takes, and the id-TA algorithm. */
static int
cv_alg(const key_state_t *k, clv_sigalg_t *sa, clv_cvc_alg_t *ta)
{
	int r;

	if ((r = clv_issue_sigalg(&k->tmpl, k->pub, sa)) != 0)
		return r;
	*ta = clv_cvc_alg_for(k->pub->type, sa->hash, sa->pss);
	return *ta == CLV_CVC_ALG_NONE ? CLV_E_UNSUPPORTED_ALG : 0;
}

/* Octets of a CV signature by key: r||s, or the RSA modulus. */
static size_t
cv_sig_len(const clv_pubkey_t *key)
{
	const clv_curve_info_t *ci;

	if (key->type == CLV_KEY_RSA)
		return key->rsa_n.len;
	ci = clv_curve_by_id(key->curve);
	return ci != NULL ? 2 * ci->field_bytes : 2 * ((key->ec_point.len - 1) / 2);
}

/*
 * The body of spec, linted as issuer issues it (issuer NULL: self-signed):
 * the lints read a whole certificate, so one with a stand-in signature of
 * k's length.  *body (caller frees) is what k is to sign.
 */
static int
cv_lint(engine_t *e, const clv_script_step_t *st, const key_state_t *k,
    const clv_cvc_t *issuer, const clv_cvc_spec_t *spec, clv_buf_t *body, clv_diag_t *diag)
{
	clv_buf_t standin = { NULL, 0 };
	unsigned char *zero = NULL;
	clv_cvc_t *draft = NULL;
	clv_lint_result_t lr;
	clv_diag_t dg;
	size_t siglen = cv_sig_len(k->pub);
	int r;

	memset(&dg, 0, sizeof(dg));
	memset(&lr, 0, sizeof(lr));
	if ((r = clv_cvc_encode_body(spec, body, diag)) != 0)
		return r;
	if ((zero = calloc(1, siglen)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	if ((r = clv_cvc_assemble(body->data, body->len, zero, siglen, &standin)) != 0 ||
	    (r = clv_cvc_parse(standin.data, standin.len, spec->chr, &draft, diag)) != 0)
		goto out;
	if ((r = clv_cvc_check_profile(draft, &dg)) != 0) {
		r = clv_diag_set(diag, CLV_E_LINT, "step '%s': CV certificate %s: %s; nothing was "
		    "signed", st->id, spec->chr, dg.msg);
		goto out;
	}
	if ((r = clv_cvc_lint_issued(issuer != NULL ? issuer : draft, draft, &lr)) != 0)
		r = engine_lint_or_refuse(e, st, "CV certificate", r, &lr, diag);
out:
	free(zero);
	clv_cvc_free(draft);
	clv_buf_free(&standin);
	return r;
}

/*
 * Builds the certificate of spec, lints it as issuer issues it (issuer NULL:
 * self-signed), has k sign it, and checks what came back: the body signed is
 * the one linted, the signature verifies with the issuer's key (domain: the
 * CVCA's, for a key without its own parameters).  On success o holds it.
 */
static int
cv_issue(engine_t *e, const clv_script_step_t *st, const key_state_t *k,
    const clv_cvc_t *issuer, const clv_cvc_key_t *domain, const clv_cvc_spec_t *spec,
    output_state_t *o, clv_diag_t *diag)
{
	clv_buf_t body = { NULL, 0 }, sig = { NULL, 0 };
	clv_buf_t cvsig = { NULL, 0 }, der = { NULL, 0 };
	clv_cvc_t *c = NULL;
	clv_diag_t dg;
	clv_sigalg_t sa;
	clv_cvc_alg_t ta;
	int r;

	if ((r = cv_alg(k, &sa, &ta)) != 0)
		return clv_diag_set(diag, r, "step '%s': key '%s' cannot sign CV certificates",
		    st->id, k->label);
	memset(&dg, 0, sizeof(dg));
	if ((r = cv_lint(e, st, k, issuer, spec, &body, diag)) != 0)
		goto out;
	if ((r = clv_hsm_sign(e->hsm, k->label, &sa, body.data, body.len, &sig)) != 0) {
		r = clv_diag_set(diag, r, "step '%s': the HSM did not sign: %s", st->id,
		    clv_strerror(r));
		goto out;
	}
	if ((r = clv_cvc_sig_from_x509(k->pub, sig.data, sig.len, &cvsig)) != 0 ||
	    (r = clv_cvc_assemble(body.data, body.len, cvsig.data, cvsig.len, &der)) != 0 ||
	    (r = clv_cvc_parse(der.data, der.len, spec->chr, &c, diag)) != 0) {
		r = clv_diag_set(diag, r ? r : CLV_E_INTERNAL, "step '%s': cannot assemble CV "
		    "certificate %s", st->id, spec->chr);
		goto out;
	}
	if (c->body.len != body.len || memcmp(c->body.p, body.data, body.len) != 0) {
		r = clv_diag_set(diag, CLV_E_TBS_MISMATCH, "step '%s': the signed body of %s "
		    "differs from the linted one", st->id, spec->chr);
		goto out;
	}
	if ((r = clv_cvc_verify(c, issuer != NULL ? &issuer->key : &c->key, domain, &dg)) != 0) {
		r = clv_diag_set(diag, r, "step '%s': CV certificate %s does not verify with the "
		    "issuer's key: %s", st->id, spec->chr, dg.msg);
		goto out;
	}
	o->cv = c;
	c = NULL;
	o->der = der;
	der.data = NULL;
	clv_sha256(o->der.data, o->der.len, o->sha256);
	r = 0;
out:
	clv_cvc_free(c);
	clv_buf_free(&body);
	clv_buf_free(&sig);
	clv_buf_free(&cvsig);
	clv_buf_free(&der);
	return r;
}

/* The store's record of a CV certificate k signed; its files. */
static int
cv_record(engine_t *e, output_state_t *o, const key_state_t *k, const char *what,
    const char *new_key_state, clv_diag_t *diag)
{
	clv_object_record_t rec;
	char hex[2 * CLV_CVC_REF_MAX + 1], fp[100], ced[11], cxd[11], detail[1024];

	memset(&rec, 0, sizeof(rec));
	snprintf(rec.kind, sizeof(rec.kind), "certificate");
	snprintf(rec.issuer_label, sizeof(rec.issuer_label), "%s", k->label);
	chr_hex(o->cv->chr, hex);
	snprintf(rec.serial_hex, sizeof(rec.serial_hex), "%s", hex);
	snprintf(rec.subject, sizeof(rec.subject), "CHR=%s", o->cv->chr);
	rec.created = clv_clock_now(e->clock);
	rec.not_before = clv_cvc_date_time(&o->cv->ced);
	rec.not_after = clv_cvc_date_time(&o->cv->cxd) + 86399;
	date_text(&o->cv->ced, ced);
	date_text(&o->cv->cxd, cxd);
	clv_hex_colon(o->sha256, 32, fp);
	snprintf(detail, sizeof(detail), "%s CV certificate CHR %s CAR %s, %s, valid %s to %s, "
	    "SHA-256 %s", what, o->cv->chr, o->cv->car, clv_cvc_role_name(o->cv->chat.type,
	    o->cv->chat.role), ced, cxd, fp);
	return engine_record_output(e, o, &rec, k, CLV_EV_CERT_ISSUED, detail, new_key_state,
	    diag);
}

/* After an interruption: the certificate of chr that k already signed, if
 * the store has it (then taken over, not signed again). */
static int
cv_adopt(engine_t *e, const clv_script_step_t *st, const key_state_t *k, const char *chr,
    output_state_t *o, int *adopted, clv_diag_t *diag)
{
	char hex[2 * CLV_CVC_REF_MAX + 1];
	int r;

	*adopted = 0;
	chr_hex(chr, hex);
	if (clv_store_object_by_serial(e->store, "certificate", k->label, hex, o->sha256) != 0)
		return 0;
	if (!e->resuming)
		return clv_diag_set(diag, CLV_E_POLICY, "step '%s': key '%s' has already certified "
		    "CHR %s; a new key needs a new sequence number", st->id, k->label, chr);
	if ((r = clv_store_object_der(e->store, o->sha256, &o->der)) != 0 ||
	    (r = clv_cvc_parse(o->der.data, o->der.len, chr, &o->cv, diag)) != 0)
		return clv_diag_set(diag, r, "step '%s': resuming: the store's CV certificate %s "
		    "is unreadable", st->id, chr);
	e->n_outs++;
	if ((r = engine_write_output(e, o, NULL, diag)) != 0)
		return r;
	engine_say(e, CLV_MSG_INFO, "resuming: CV certificate %s was issued before the "
	    "interruption; taken over, not issued again", chr);
	*adopted = 1;
	return 0;
}

/* The time the step's certificates start: now, or the interrupted run's. */
static int
cv_when(engine_t *e, const clv_script_step_t *st, time_t *when, clv_diag_t *diag)
{
	*when = clv_clock_now(e->clock);
	if (e->resuming && e->resume[e->cur].intent) {
		if (engine_resume_time_ok(e, st, e->resume[e->cur].when, diag) != 0)
			return CLV_E_POLICY;
		*when = e->resume[e->cur].when;
	}
	return 0;
}

int
engine_step_issue_cvca(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	const char *kname = clv_script_param(st, "key");
	key_state_t *k;
	output_state_t *o;
	clv_template_t t;
	clv_cvc_spec_t spec;
	clv_buf_t pub = { NULL, 0 };
	clv_sigalg_t sa;
	clv_cvc_alg_t ta;
	unsigned char auth;
	char chr[CLV_CVC_REF_MAX + 1];
	time_t when;
	int r, adopted;

	if ((r = engine_need_hsm(e, st, 1, diag)) != 0)
		return r;
	if ((k = engine_find_key(e, kname)) == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': key '%s' was not generated",
		    e->script->path, st->line, st->id, kname);
	if ((r = engine_load_template(e, clv_script_param(st, "template"), &t, diag)) != 0)
		return r;
	if (t.profile_id != CLV_PROFILE_CVCA || k->tmpl.profile_id != CLV_PROFILE_CVCA)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': issue-cvca needs a key "
		    "made with, and a template of, profile cvca", e->script->path, st->line, st->id);
	if ((o = engine_new_output(e, clv_script_param(st, "output"), "cv-certificate")) == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "too many outputs in one ceremony");
	snprintf(o->key_name, sizeof(o->key_name), "%s", k->name);
	cv_chr(&t, t.cv_sequence, chr);
	if ((r = cv_adopt(e, st, k, chr, o, &adopted, diag)) != 0 || adopted)
		return r;
	if ((r = cv_when(e, st, &when, diag)) != 0 || (r = cv_alg(k, &sa, &ta)) != 0 ||
	    (r = clv_cvc_encode_pubkey(k->pub, ta, 1, &pub)) != 0)
		return r ? r : CLV_E_INTERNAL;
	memset(&spec, 0, sizeof(spec));
	spec.car = chr;
	spec.chr = chr;
	spec.pubkey.p = pub.data;
	spec.pubkey.len = pub.len;
	spec.type = CLV_CVC_TERM_IS;
	auth = (unsigned char)(0xC0 | (t.cv_rights & 0x3F));
	spec.auth = &auth;
	spec.auth_len = 1;
	cv_dates(when, &t.validity, &spec.ced, &spec.cxd);
	if ((r = engine_intent(e, st, "intent-sign-cvca", "label=%s chr=%s when=%lld", k->label,
	    chr, (long long)when)) != 0 ||
	    (r = cv_issue(e, st, k, NULL, NULL, &spec, o, diag)) != 0 ||
	    (r = cv_record(e, o, k, "self-signed CVCA", "active", diag)) != 0)
		goto out;
	snprintf(e->summary, sizeof(e->summary), "CVCA certificate %s.cvcert, CHR %s", o->name,
	    chr);
out:
	clv_buf_free(&pub);
	return r;
}

/* The CV certificate this ceremony issued for key name, self-signed. */
static output_state_t *
cv_self_signed_of(engine_t *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->n_outs; i++)
		if (strcmp(e->outs[i].key_name, name) == 0 && e->outs[i].cv != NULL &&
		    clv_cvc_is_self_signed(e->outs[i].cv))
			return &e->outs[i];
	return NULL;
}

int
engine_step_issue_cv_link(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	const char *kname = clv_script_param(st, "key"), *sname = clv_script_param(st, "subject");
	key_state_t *k;
	output_state_t *old, *neu, *o;
	clv_cvc_spec_t spec;
	clv_buf_t pub = { NULL, 0 };
	int r, adopted;

	if ((r = engine_need_hsm(e, st, 1, diag)) != 0)
		return r;
	if ((k = engine_find_key(e, kname)) == NULL || engine_find_key(e, sname) == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': keys '%s' and '%s' must "
		    "come from earlier steps", e->script->path, st->line, st->id, kname, sname);
	if ((old = engine_find_output(e, clv_script_param(st, "cert"))) == NULL || old->cv == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': '%s' is not the old "
		    "CVCA's CV certificate", e->script->path, st->line, st->id,
		    clv_script_param(st, "cert"));
	if ((neu = cv_self_signed_of(e, sname)) == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': the new CVCA key '%s' "
		    "has no self-signed CV certificate from an earlier issue-cvca step",
		    e->script->path, st->line, st->id, sname);
	if ((o = engine_new_output(e, clv_script_param(st, "output"), "cv-certificate")) == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "too many outputs in one ceremony");
	snprintf(o->key_name, sizeof(o->key_name), "%s", sname);
	if ((r = cv_adopt(e, st, k, neu->cv->chr, o, &adopted, diag)) != 0 || adopted)
		return r;
	/* the new key with all its domain parameters, the new certificate's
	 * CHAT and validity; signed by the old key as the old key signs */
	if ((r = clv_cvc_encode_key(&neu->cv->key, 1, &pub)) != 0)
		return r;
	memset(&spec, 0, sizeof(spec));
	spec.car = old->cv->chr;
	spec.chr = neu->cv->chr;
	spec.pubkey.p = pub.data;
	spec.pubkey.len = pub.len;
	spec.type = neu->cv->chat.type;
	spec.auth = neu->cv->chat.auth;
	spec.auth_len = neu->cv->chat.auth_len;
	spec.ced = neu->cv->ced;
	spec.cxd = neu->cv->cxd;
	if ((r = engine_intent(e, st, "intent-sign-cv-link", "label=%s chr=%s car=%s",
	    k->label, spec.chr, spec.car)) != 0 ||
	    (r = cv_issue(e, st, k, old->cv, NULL, &spec, o, diag)) != 0 ||
	    (r = cv_record(e, o, k, "CVCA link", NULL, diag)) != 0)
		goto out;
	snprintf(e->summary, sizeof(e->summary), "CVCA link certificate %s.cvcert, %s -> %s",
	    o->name, spec.car, spec.chr);
out:
	clv_buf_free(&pub);
	return r;
}

int
engine_use_cv_certificate(engine_t *e, const clv_script_step_t *st, key_state_t *k,
    output_state_t *o, const clv_buf_t *raw, const char *path, clv_diag_t *diag)
{
	clv_pubkey_t *pub = NULL;
	char fp[100], detail[1024];
	int r;

	if ((r = clv_cvc_parse(raw->data, raw->len, path, &o->cv, diag)) != 0)
		return r;
	if (o->cv->kind != CLV_CVC_CERT || o->cv->chat.role != CLV_CVC_ROLE_CVCA ||
	    !o->cv->key.has_domain)
		return clv_diag_set(diag, CLV_E_POLICY, "step '%s': %s is not a CVCA certificate "
		    "(self-signed or link, with domain parameters)", st->id, path);
	if ((r = clv_cvc_key_resolve(&o->cv->key, NULL, &pub, diag)) != 0)
		return r;
	r = clv_pubkey_is_equal(pub, k->pub);
	clv_pubkey_free(pub);
	if (!r)
		return clv_diag_set(diag, CLV_E_KEY_MISMATCH, "step '%s': %s certifies another key "
		    "than '%s'", st->id, path, k->label);
	if ((r = clv_buf_set(&o->der, raw->data, raw->len)) != 0)
		return r;
	if ((r = engine_certificate_trusted(e, &o->der, clv_cvc_is_self_signed(o->cv) &&
	    clv_cvc_verify(o->cv, &o->cv->key, NULL, NULL) == 0)) != 0)
		return clv_diag_set(diag, r, "step '%s': %s is neither a self-signed CVCA "
		    "certificate that verifies nor one the store recorded; it is not used", st->id,
		    path);
	clv_sha256(o->der.data, o->der.len, o->sha256);
	snprintf(o->key_name, sizeof(o->key_name), "%s", k->name);
	e->n_outs++;
	clv_hex_colon(o->sha256, 32, fp);
	snprintf(detail, sizeof(detail), "key '%s' with its CV certificate %s (CHR %s, SHA-256 %s)",
	    k->label, path, o->cv->chr, fp);
	snprintf(e->summary, sizeof(e->summary), "key '%s', CVCA %s", k->label, o->cv->chr);
	return engine_audit(e, CLV_EV_KEY_SELECTED, k->uri, o->sha256, "ok", detail);
}

/* ---- DV certificates from requests ---------------------------------------- */

/* TR-03129 result codes of a refused request. */
#define F_SYNTAX "failure_syntax"
#define F_INNER "failure_inner_signature"
#define F_OUTER "failure_outer_signature"
#define F_DOMAIN "failure_domain_parameters"
#define F_EXPIRED "failure_expired"
#define F_NOT_ACCEPTED "failure_request_not_accepted"

/* Two unsigned integers as received (leading zeros tolerated) are equal. */
static int
uint_equal(const clv_cvc_bytes_t *a, const clv_cvc_bytes_t *b)
{
	const unsigned char *p = a->p, *q = b->p;
	size_t m = a->len, n = b->len;

	if (p == NULL || q == NULL)
		return p == q;
	while (m > 0 && *p == 0) {
		p++;
		m--;
	}
	while (n > 0 && *q == 0) {
		q++;
		n--;
	}
	return m == n && memcmp(p, q, m) == 0;
}

static int
same_domain(const clv_cvc_key_t *a, const clv_cvc_key_t *b)
{
	static const int objs[] = { CLV_CVC_EC_P, CLV_CVC_EC_A, CLV_CVC_EC_B, CLV_CVC_EC_N,
	    CLV_CVC_EC_F };
	size_t i;

	if (a->type != CLV_KEY_EC)
		return a->type == b->type;
	if (!a->has_domain || !b->has_domain)
		return 0;
	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
		if (!uint_equal(&a->obj[objs[i]], &b->obj[objs[i]]))
			return 0;
	/* the base point: uncompressed, compare byte for byte */
	return a->obj[CLV_CVC_EC_G].len == b->obj[CLV_CVC_EC_G].len &&
	    memcmp(a->obj[CLV_CVC_EC_G].p, b->obj[CLV_CVC_EC_G].p, a->obj[CLV_CVC_EC_G].len) == 0;
}

typedef struct dv_ctx {
	engine_t *e;
	const key_state_t *k;
	const clv_cvc_t *cvca;
	const clv_template_t *t;
	clv_cvc_t **foreign;
	size_t n_foreign;
	clv_cvc_date_t today;
} dv_ctx_t;

/* The outer signature of an authenticated request: a renewal signed with
 * the DV's certificate from this CVCA, or a foreign DV's initial request
 * countersigned by its own CVCA (given in foreign=). */
static const char *
check_outer(dv_ctx_t *x, const clv_cvc_t *req, char *why, size_t whylen)
{
	char hex[2 * CLV_CVC_REF_MAX + 1], d[11];
	unsigned char sha[32];
	clv_buf_t der = { NULL, 0 };
	clv_cvc_t *prev = NULL;
	clv_diag_t dg;
	const char *code = NULL;
	size_t i;

	memset(&dg, 0, sizeof(dg));
	chr_hex(req->outer_car, hex);
	if (clv_store_object_by_serial(x->e->store, "certificate", x->k->label, hex, sha) == 0) {
		/* a renewal: the previous DV certificate we issued */
		if (clv_store_object_der(x->e->store, sha, &der) != 0 ||
		    clv_cvc_parse(der.data, der.len, req->outer_car, &prev, &dg) != 0) {
			snprintf(why, whylen, "the store's certificate %s is unreadable", req->outer_car);
			code = F_OUTER;
		} else if (clv_cvc_date_cmp(&prev->cxd, &x->today) < 0) {
			date_text(&prev->cxd, d);
			snprintf(why, whylen, "the renewal is signed with %s, which expired on %s",
			    req->outer_car, d);
			code = F_EXPIRED;
		} else if (clv_cvc_verify_outer(req, &prev->key, &x->cvca->key, &dg) != 0) {
			snprintf(why, whylen, "the outer signature does not verify with the key of "
			    "%s: %s", req->outer_car, dg.msg);
			code = F_OUTER;
		} else if (prev->chat.role != CLV_CVC_ROLE_DV_DOMESTIC &&
		    prev->chat.role != CLV_CVC_ROLE_DV_FOREIGN) {
			snprintf(why, whylen, "the renewal is signed with %s, which is no DV "
			    "certificate", req->outer_car);
			code = F_OUTER;
		} else if (strlen(prev->chr) != strlen(req->chr) ||
		    strncmp(prev->chr, req->chr, strlen(req->chr) - 5) != 0) {
			/* a DV renews its own certificate: the same holder, a new sequence */
			snprintf(why, whylen, "%s is not a renewal of %s: a DV renews under its own "
			    "country and holder mnemonic", req->chr, req->outer_car);
			code = F_OUTER;
		}
		goto out;
	}
	for (i = 0; i < x->n_foreign; i++)
		if (strcmp(x->foreign[i]->chr, req->outer_car) == 0)
			break;
	if (i == x->n_foreign) {
		snprintf(why, whylen, "outer CAR %s names no certificate this CVCA issued and no "
		    "foreign CVCA given to the ceremony", req->outer_car);
		code = F_OUTER;
	} else if (strncmp(x->foreign[i]->chr, req->chr, 2) != 0) {
		snprintf(why, whylen, "countersigned by %s, which is not the CVCA of %s's country",
		    req->outer_car, req->chr);
		code = F_OUTER;
	} else if (clv_cvc_verify_outer(req, &x->foreign[i]->key, NULL, &dg) != 0) {
		snprintf(why, whylen, "the countersignature does not verify with %s: %s",
		    req->outer_car, dg.msg);
		code = F_OUTER;
	}
out:
	clv_cvc_free(prev);
	clv_buf_free(&der);
	return code;
}

/* Whether the store's certificate sha certifies the key of req. */
static int
issued_for(dv_ctx_t *x, const unsigned char sha[32], const clv_cvc_t *req)
{
	clv_buf_t der = { NULL, 0 };
	clv_cvc_t *c = NULL;
	const clv_cvc_bytes_t *a, *b;
	int same = 0;

	if (clv_store_object_der(x->e->store, sha, &der) == 0 &&
	    clv_cvc_parse(der.data, der.len, req->chr, &c, NULL) == 0) {
		a = &c->key.obj[req->key.type == CLV_KEY_RSA ? CLV_CVC_RSA_N : CLV_CVC_EC_Y];
		b = &req->key.obj[req->key.type == CLV_KEY_RSA ? CLV_CVC_RSA_N : CLV_CVC_EC_Y];
		same = strcmp(c->car, x->cvca->chr) == 0 && uint_equal(a, b);
	}
	clv_cvc_free(c);
	clv_buf_free(&der);
	return same;
}

/* Every TR-03129 check of one request; NULL when it may be certified. */
static const char *
check_request(dv_ctx_t *x, const clv_cvc_t *req, char *why, size_t whylen)
{
	char hex[2 * CLV_CVC_REF_MAX + 1];
	unsigned char sha[32];
	clv_diag_t dg;
	int domestic;

	memset(&dg, 0, sizeof(dg));
	if (req->kind == CLV_CVC_CERT) {
		snprintf(why, whylen, "a certificate, not a request");
		return F_SYNTAX;
	}
	if (clv_cvc_verify(req, &req->key, NULL, &dg) != 0) {
		snprintf(why, whylen, "the inner signature does not verify with the request's own "
		    "key (no proof of possession): %s", dg.msg);
		return F_INNER;
	}
	if (req->has_car && strcmp(req->car, x->cvca->chr) != 0) {
		snprintf(why, whylen, "the request names CA %s, not this CVCA %s", req->car,
		    x->cvca->chr);
		return F_NOT_ACCEPTED;
	}
	if (req->key.alg != x->cvca->key.alg) {
		snprintf(why, whylen, "key algorithm %s; this CVCA uses %s",
		    clv_cvc_alg_name(req->key.alg), clv_cvc_alg_name(x->cvca->key.alg));
		return F_SYNTAX;
	}
	if (!same_domain(&req->key, &x->cvca->key)) {
		snprintf(why, whylen, "the key's domain parameters are not the CVCA's");
		return F_DOMAIN;
	}
	if (req->kind == CLV_CVC_AUTH_REQUEST) {
		const char *code = check_outer(x, req, why, whylen);
		if (code != NULL)
			return code;
	}
	domestic = strncmp(req->chr, x->cvca->chr, 2) == 0;
	if ((domestic && !x->t->cv_domestic) || (!domestic && !x->t->cv_foreign)) {
		snprintf(why, whylen, "a %s DV, which template %s does not certify",
		    domestic ? "domestic" : "foreign", x->t->path);
		return F_NOT_ACCEPTED;
	}
	chr_hex(req->chr, hex);
	if (clv_store_object_by_serial(x->e->store, "certificate", x->k->label, hex, sha) == 0) {
		/* a resumed ceremony takes over what it issued for this very key */
		if (x->e->resuming && issued_for(x, sha, req))
			return NULL;
		snprintf(why, whylen, "CHR %s is already certified by this CVCA key; a new key "
		    "needs a new sequence number", req->chr);
		return F_NOT_ACCEPTED;
	}
	return NULL;
}

/* The DV certificate of req as this CVCA issues it on day now: the public
 * point only (*pub, caller frees), the role by the CHR's country, the rights
 * the policy grants and the CVCA holds (*auth), expiring with the policy's
 * validity and never after the CVCA. */
static int
dv_spec(const dv_ctx_t *x, const clv_cvc_t *req, time_t now, clv_buf_t *pub,
    unsigned char *auth, clv_cvc_spec_t *spec)
{
	int domestic = strncmp(req->chr, x->cvca->chr, 2) == 0, r;

	if ((r = clv_cvc_encode_key(&req->key, 0, pub)) != 0)
		return r;
	memset(spec, 0, sizeof(*spec));
	spec->car = x->cvca->chr;
	spec->chr = req->chr;
	spec->pubkey.p = pub->data;
	spec->pubkey.len = pub->len;
	spec->type = CLV_CVC_TERM_IS;
	*auth = (unsigned char)((domestic ? 0x80 : 0x40) |
	    (x->t->cv_rights & x->cvca->chat.auth[0] & 0x3F));
	spec->auth = auth;
	spec->auth_len = 1;
	cv_dates(now, &x->t->validity, &spec->ced, &spec->cxd);
	if (clv_cvc_date_cmp(&spec->cxd, &x->cvca->cxd) > 0)
		spec->cxd = x->cvca->cxd;
	return 0;
}

/* The requests of requests=: a directory of files, or a cv-request bundle. */
typedef struct dv_input {
	char name[PATH_MAX];
	clv_buf_t data;
} dv_input_t;

static int
read_requests(engine_t *e, const clv_script_step_t *st, const char *dir, dv_input_t *in,
    size_t *n, clv_bundle_t **bundle, clv_diag_t *diag)
{
	struct dirent **list = NULL;
	clv_bundle_t *b = NULL;
	char path[PATH_MAX], me[80];
	int count, j, r = 0;

	*n = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, CLV_BUNDLE_MANIFEST);
	if (clv_file_exists(path)) {
		snprintf(me, sizeof(me), "ceremony:%s", e->token.serial);
		if ((r = clv_bundle_verify_stored(e->store, dir, me, CLV_BUNDLE_CV_REQUEST,
		    !e->o->rehearsal, (const unsigned char (*)[32])e->resume_imports,
		    e->resuming ? e->n_resume_imports : 0, &b, diag)) != 0)
			return r;
		engine_say(e, CLV_MSG_INFO, "bundle %s from %s, sequence %llu: signature, sizes "
		    "and hashes verified", dir, b->header.producer,
		    (unsigned long long)b->header.sequence);
		for (j = 0; j < (int)b->n_artifacts && r == 0; j++) {
			if (*n >= MAX_DV_REQUESTS || b->artifacts[j].type != CLV_ARTIFACT_CV_REQUEST) {
				r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': bundle %s: %s: expected "
				    "at most %d CV requests", st->id, dir, b->artifacts[j].name,
				    MAX_DV_REQUESTS);
				break;
			}
			snprintf(in[*n].name, sizeof(in[*n].name), "%s/%s", dir, b->artifacts[j].name);
			r = clv_buf_set(&in[(*n)++].data, b->artifacts[j].data, b->artifacts[j].len);
		}
		if (r == 0) {
			*bundle = b;
			b = NULL;
		}
		clv_bundle_free(b);
		return r;
	}
	if ((count = scandir(dir, &list, NULL, alphasort)) < 0)
		return clv_diag_set(diag, CLV_E_FILE_NOT_FOUND, "step '%s': requests %s: %s",
		    st->id, dir, strerror(errno));
	for (j = 0; j < count; j++) {
		if (r == 0 && list[j]->d_name[0] != '.') {
			if (*n >= MAX_DV_REQUESTS)
				r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': more than %d requests "
				    "in %s", st->id, MAX_DV_REQUESTS, dir);
			else {
				snprintf(in[*n].name, sizeof(in[*n].name), "%s/%s", dir,
				    list[j]->d_name);
				r = clv_file_read(in[*n].name, 1 << 16, &in[*n].data, diag);
				(*n)++;
			}
		}
		free(list[j]);
	}
	free(list);
	return r;
}

/* The import of a request bundle, recorded once its batch has passed its
 * checks and before anything is signed: a replay of it is then refused. */
int
engine_record_import(engine_t *e, const clv_bundle_t *b, const char *dir, clv_diag_t *diag)
{
	char hex[65], detail[512];
	int r;

	clv_hex(b->manifest_sha256, 32, hex);
	snprintf(detail, sizeof(detail), "bundle %s from %s (%s), sequence %llu, MANIFEST SHA-256 "
	    "%s", dir, b->header.producer, clv_bundle_purpose_name(b->header.purpose),
	    (unsigned long long)b->header.sequence, hex);
	if ((r = clv_store_begin(e->store)) != 0)
		return r;
	if ((r = clv_bundle_record_import(e->store, b, e->o->rehearsal)) != 0 ||
	    (r = engine_audit(e, CLV_EV_BUNDLE_IMPORTED, NULL, b->manifest_sha256, "ok",
	    detail)) != 0 || (r = engine_commit(e)) != 0) {
		engine_rollback(e);
		return clv_diag_set(diag, r, "store: cannot record the import of %s", dir);
	}
	return 0;
}

/* The CVCA certificates of foreign= (a directory), for countersignatures. */
static int
read_foreign(engine_t *e, const clv_script_step_t *st, clv_cvc_t **out, size_t *n,
    clv_diag_t *diag)
{
	const char *name = clv_script_param(st, "foreign");
	struct dirent **list = NULL;
	clv_buf_t raw = { NULL, 0 };
	char dir[PATH_MAX], path[PATH_MAX];
	int count, j, r = 0;

	*n = 0;
	if (name == NULL)
		return 0;
	if (name[0] == '/')
		snprintf(dir, sizeof(dir), "%s", name);
	else
		snprintf(dir, sizeof(dir), "%s/%s", e->script->dir, name);
	if ((count = scandir(dir, &list, NULL, alphasort)) < 0)
		return clv_diag_set(diag, CLV_E_FILE_NOT_FOUND, "step '%s': foreign %s: %s",
		    st->id, dir, strerror(errno));
	for (j = 0; j < count; j++) {
		if (r == 0 && list[j]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, list[j]->d_name);
			if (*n >= MAX_FOREIGN_CVCAS)
				r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': more than %d foreign "
				    "CVCA certificates", st->id, MAX_FOREIGN_CVCAS);
			else if ((r = clv_file_read(path, 1 << 16, &raw, diag)) == 0 &&
			    (r = clv_cvc_parse(raw.data, raw.len, path, &out[*n], diag)) == 0) {
				if (out[*n]->kind != CLV_CVC_CERT ||
				    out[*n]->chat.role != CLV_CVC_ROLE_CVCA ||
				    !out[*n]->key.has_domain)
					r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': %s is not a "
					    "CVCA certificate", st->id, path);
				(*n)++;
			}
			clv_buf_free(&raw);
		}
		free(list[j]);
	}
	free(list);
	return r;
}

int
engine_step_sign_dv(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	const char *kname = clv_script_param(st, "key"), *rdir = clv_script_param(st, "requests");
	key_state_t *k;
	output_state_t *cvca, *o;
	clv_template_t t;
	dv_input_t *in = NULL;
	clv_cvc_t *req[MAX_DV_REQUESTS], *foreign[MAX_FOREIGN_CVCAS];
	clv_buf_t pub = { NULL, 0 };
	dv_ctx_t x;
	clv_bundle_t *bundle = NULL;
	char dir[PATH_MAX], refusals[4096] = "", why[512], ced[11], cxd[11];
	size_t n_in = 0, n = 0, n_foreign = 0, i, used = 0;
	time_t now;
	int r;

	memset(req, 0, sizeof(req));
	memset(foreign, 0, sizeof(foreign));
	if ((r = engine_need_hsm(e, st, 1, diag)) != 0)
		return r;
	if ((k = engine_find_key(e, kname)) == NULL ||
	    (cvca = engine_find_output(e, clv_script_param(st, "cert"))) == NULL ||
	    cvca->cv == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': the CVCA key and its CV "
		    "certificate must come from earlier steps", e->script->path, st->line, st->id);
	if ((r = engine_load_template(e, clv_script_param(st, "template"), &t, diag)) != 0)
		return r;
	if (t.profile_id != CLV_PROFILE_DV)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': template has profile %s; "
		    "sign-dv-requests needs profile dv", e->script->path, st->line, st->id,
		    t.profile);
	now = clv_clock_now(e->clock);
	memset(&x, 0, sizeof(x));
	x.e = e;
	x.k = k;
	x.cvca = cvca->cv;
	x.t = &t;
	clv_cvc_date_from_time(now, &x.today);
	if (clv_cvc_date_cmp(&cvca->cv->cxd, &x.today) < 0)
		return clv_diag_set(diag, CLV_E_POLICY, "step '%s': the CVCA certificate %s has "
		    "expired; it certifies nothing", st->id, cvca->cv->chr);
	if ((in = calloc(MAX_DV_REQUESTS, sizeof(*in))) == NULL)
		return CLV_E_NOMEM;
	if (rdir[0] == '/')
		snprintf(dir, sizeof(dir), "%s", rdir);
	else
		snprintf(dir, sizeof(dir), "%s/%s", e->script->dir, rdir);
	if ((r = read_foreign(e, st, foreign, &n_foreign, diag)) != 0 ||
	    (r = read_requests(e, st, dir, in, &n_in, &bundle, diag)) != 0)
		goto out;
	x.foreign = foreign;
	x.n_foreign = n_foreign;
	for (i = 0; i < n_foreign; i++) {
		const clv_cvc_t *by = NULL;
		size_t j;

		for (j = 0; j < n_foreign; j++)
			if (strcmp(foreign[j]->chr, foreign[i]->car) == 0)
				by = foreign[j];
		/* CVCA certificates are not time-checked (TR-03110; libeac neither):
		 * an old home CVCA's key still countersigns as its certificate says */
		if (by == NULL || clv_cvc_verify(foreign[i], &by->key, NULL, NULL) != 0) {
			r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': foreign CVCA certificate %s "
			    "does not verify (self-signed, or under a foreign CVCA given with it); "
			    "it is not trusted", st->id, foreign[i]->chr);
			goto out;
		}
	}

	/* the batch, checked and listed before anything is signed */
	for (i = 0; i < n_in; i++) {
		const char *code = NULL;
		clv_diag_t dg;

		memset(&dg, 0, sizeof(dg));
		why[0] = '\0';
		if (clv_cvc_parse(in[i].data.data, in[i].data.len, in[i].name, &req[n], &dg) != 0) {
			code = F_SYNTAX;
			snprintf(why, sizeof(why), "%s", dg.msg);
		} else
			code = check_request(&x, req[n], why, sizeof(why));
		if (code != NULL) {
			used += (size_t)snprintf(refusals + used, used < sizeof(refusals) ?
			    sizeof(refusals) - used : 0, "\n  %s: %s: %s", in[i].name, code, why);
			clv_cvc_free(req[n]);
			req[n] = NULL;
			continue;
		}
		engine_say(e, CLV_MSG_INFO, "request %zu: %s, %s DV, %s%s%s", n + 1, req[n]->chr,
		    strncmp(req[n]->chr, cvca->cv->chr, 2) == 0 ? "domestic" : "foreign",
		    in[i].name, req[n]->kind == CLV_CVC_AUTH_REQUEST ? ", outer signature by " : "",
		    req[n]->kind == CLV_CVC_AUTH_REQUEST ? req[n]->outer_car : "");
		n++;
	}
	if (used > 0) {
		engine_audit(e, CLV_EV_LINT_REFUSED, NULL, NULL, "refused", refusals);
		r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': requests refused (TR-03129 result "
		    "codes); nothing was signed (the officers decide about the batch):%s", st->id,
		    refusals);
		goto out;
	}
	if (n == 0) {
		r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': no request in %s", st->id, dir);
		goto out;
	}
	if ((r = engine_room_for(e, st, n, diag)) != 0)
		goto out;
	/* every certificate of the batch passes the lints before anything is
	 * recorded or signed */
	for (i = 0; i < n; i++) {
		clv_cvc_spec_t spec;
		clv_buf_t body = { NULL, 0 };
		unsigned char auth;

		clv_buf_free(&pub);
		if ((r = dv_spec(&x, req[i], now, &pub, &auth, &spec)) == 0)
			r = cv_lint(e, st, k, cvca->cv, &spec, &body, diag);
		clv_buf_free(&body);
		if (r != 0)
			goto out;
	}
	if (bundle != NULL && (r = engine_record_import(e, bundle, dir, diag)) != 0)
		goto out;

	for (i = 0; i < n; i++) {
		clv_cvc_spec_t spec;
		unsigned char auth;
		char oname[80];
		int domestic = strncmp(req[i]->chr, cvca->cv->chr, 2) == 0, adopted;

		snprintf(oname, sizeof(oname), "%s-%zu", clv_script_param(st, "output"), i + 1);
		engine_progress(e, "signing the DV certificates", i, n);
		if ((o = engine_new_output(e, oname, "cv-certificate")) == NULL) {
			r = clv_diag_set(diag, CLV_E_SCRIPT, "too many outputs in one ceremony");
			goto out;
		}
		if ((r = cv_adopt(e, st, k, req[i]->chr, o, &adopted, diag)) != 0)
			goto out;
		if (adopted)
			continue;
		clv_buf_free(&pub);
		if ((r = dv_spec(&x, req[i], now, &pub, &auth, &spec)) != 0)
			goto out;
		if ((r = engine_intent(e, st, "intent-sign-dv", "label=%s chr=%s when=%lld",
		    k->label, spec.chr, (long long)now)) != 0 ||
		    (r = cv_issue(e, st, k, cvca->cv, &cvca->cv->key, &spec, o, diag)) != 0 ||
		    (r = cv_record(e, o, k, domestic ? "domestic DV" : "foreign DV", NULL,
		    diag)) != 0)
			goto out;
		date_text(&spec.ced, ced);
		date_text(&spec.cxd, cxd);
		engine_say(e, CLV_MSG_INFO, "DV certificate %s.cvcert: %s, valid %s to %s", oname,
		    spec.chr, ced, cxd);
	}
	engine_progress(e, "signing the DV certificates", n, n);
	snprintf(e->summary, sizeof(e->summary), "%zu DV certificate%s issued", n,
	    n == 1 ? "" : "s");
	r = 0;
out:
	for (i = 0; i < MAX_DV_REQUESTS; i++) {
		clv_cvc_free(req[i]);
		if (in != NULL)
			clv_buf_free(&in[i].data);
	}
	for (i = 0; i < MAX_FOREIGN_CVCAS; i++)
		clv_cvc_free(foreign[i]);
	free(in);
	clv_buf_free(&pub);
	clv_bundle_free(bundle);
	return r;
}
