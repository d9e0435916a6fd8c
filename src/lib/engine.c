/*
 * The ceremony engine.  One code path for every front-end: each step is
 * shown, confirmed by its role, run, checked, and recorded in the
 * hash-chained audit trail; outputs are written once and never overwritten.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "engine.h"
#include "hsm.h"
#include "issue.h"
#include "lint.h"
#include "pubkey.h"
#include "script.h"
#include "store.h"
#include "template.h"
#include "util.h"
#include "verify.h"
#include "cms.h"
#include "bundle.h"
#include "bundle_store.h"
#include "csr.h"
#include "revoke.h"
#include "deviation.h"
#include "transcript.h"
#include "x509.h"

#include "engine_int.h"

void
engine_say(engine_t *e, clv_msg_kind_t kind, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (e->ui->message != NULL)
		e->ui->message(e->ctx, kind, buf);
}

/* How far a step that takes more than a moment is (permille), for the
 * console's progress bar. */
void
engine_progress(engine_t *e, const char *what, size_t done, size_t total)
{
	if (e->ui->progress != NULL && total > 0)
		e->ui->progress(e->ctx, what, (unsigned)(done * 1000 / total));
}

static int hold_event(engine_t *, const clv_transcript_event_t *);

int
engine_audit(engine_t *e, clv_audit_event_t ev, const char *key_uri, const unsigned char *sha,
    const char *result, const char *detail)
{
	clv_audit_entry_t a;
	int r;

	memset(&a, 0, sizeof(a));
	a.event = ev;
	a.ceremony = e->ceremony_id;
	a.actors = e->actors[0] ? e->actors : NULL;
	a.key_uri = key_uri;
	a.object_sha256 = sha;
	a.result = result ? result : "ok";
	a.detail = detail;
	a.rehearsal = e->o->rehearsal;
	if ((r = clv_audit_append(e->store, e->clock, &a)) != 0) {
		clv_error("audit append failed: %s", clv_strerror(r));
		return r;
	}
	/* the transcript records the same event, in the ceremony's own chain;
	 * inside a store transaction, once the transaction is kept */
	if (e->transcript != NULL && !clv_transcript_is_closed(e->transcript)) {
		clv_transcript_event_t t;
		memset(&t, 0, sizeof(t));
		t.event = clv_audit_event_name(ev);
		t.actors = a.actors;
		t.key_uri = key_uri;
		t.object_sha256 = sha;
		t.result = a.result;
		t.detail = detail;
		if (clv_store_in_transaction(e->store))
			r = hold_event(e, &t);
		else if ((r = clv_transcript_append(e->transcript, clv_clock_now(e->clock),
		    &t)) != 0)
			clv_error("transcript append failed: %s", clv_strerror(r));
	}
	return r;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
drop_pending(engine_t *e)
{
	size_t i;

	for (i = 0; i < e->n_pending; i++) {
		free(e->pending[i].event);
		free(e->pending[i].actors);
		free(e->pending[i].key_uri);
		free(e->pending[i].result);
		free(e->pending[i].detail);
	}
	e->n_pending = 0;
}

static int
hold_event(engine_t *e, const clv_transcript_event_t *t)
{
	pending_event_t *p, *np;

	if (e->n_pending == e->cap_pending) {
		size_t cap = e->cap_pending ? 2 * e->cap_pending : 8;
		if ((np = reallocarray(e->pending, cap, sizeof(*np))) == NULL)
			return CLV_E_NOMEM;
		e->pending = np;
		e->cap_pending = cap;
	}
	p = &e->pending[e->n_pending];
	memset(p, 0, sizeof(*p));
	p->when = clv_clock_now(e->clock);
	p->event = dup_or_null(t->event);
	p->actors = dup_or_null(t->actors);
	p->key_uri = dup_or_null(t->key_uri);
	p->result = dup_or_null(t->result);
	p->detail = dup_or_null(t->detail);
	if (t->object_sha256 != NULL) {
		memcpy(p->sha, t->object_sha256, 32);
		p->has_sha = 1;
	}
	e->n_pending++;
	if (p->event == NULL || p->result == NULL || (t->actors && !p->actors) ||
	    (t->key_uri && !p->key_uri) || (t->detail && !p->detail))
		return CLV_E_NOMEM;
	return 0;
}

int
engine_commit(engine_t *e)
{
	clv_transcript_event_t t;
	size_t i;
	int r, rt = 0;

	if ((r = clv_store_commit(e->store)) != 0)
		return r;
	for (i = 0; i < e->n_pending && e->transcript != NULL; i++) {
		memset(&t, 0, sizeof(t));
		t.event = e->pending[i].event;
		t.actors = e->pending[i].actors;
		t.key_uri = e->pending[i].key_uri;
		t.object_sha256 = e->pending[i].has_sha ? e->pending[i].sha : NULL;
		t.result = e->pending[i].result;
		t.detail = e->pending[i].detail;
		if ((r = clv_transcript_append(e->transcript, e->pending[i].when, &t)) != 0 &&
		    rt == 0) {
			clv_error("transcript append failed: %s", clv_strerror(r));
			rt = r;
		}
	}
	drop_pending(e);
	return rt;
}

int
engine_rollback(engine_t *e)
{
	drop_pending(e);
	return clv_store_rollback(e->store);
}

key_state_t *
engine_find_key(engine_t *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->n_keys; i++)
		if (strcmp(e->keys[i].name, name) == 0)
			return &e->keys[i];
	return NULL;
}

output_state_t *
engine_find_output(engine_t *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->n_outs; i++)
		if (strcmp(e->outs[i].name, name) == 0)
			return &e->outs[i];
	return NULL;
}

static void
colon_fp(const unsigned char sha[32], char out[96])
{
	clv_hex_colon(sha, 32, out);
}

/* template= resolves against the script's directory, then the templates dir. */
int
engine_load_template(engine_t *e, const char *name, clv_template_t *t, clv_diag_t *diag)
{
	char path[PATH_MAX];

	if (name[0] == '/') {
		snprintf(path, sizeof(path), "%s", name);
	} else {
		/* beside the script, in ../templates (the source tree's layout),
		 * then in the installed templates directory */
		snprintf(path, sizeof(path), "%s/%s", e->script->dir, name);
		if (!clv_file_exists(path)) {
			snprintf(path, sizeof(path), "%s/../templates/%s", e->script->dir, name);
			if (!clv_file_exists(path) && e->o->templates_dir != NULL)
				snprintf(path, sizeof(path), "%s/%s", e->o->templates_dir, name);
		}
	}
	return clv_template_load(path, t, diag);
}

static int
ensure_out_dir(engine_t *e, clv_diag_t *diag)
{
	struct stat st;

	if (stat(e->o->out_dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return clv_diag_set(diag, CLV_E_IO, "%s: output path is not a directory",
			    e->o->out_dir);
		return 0;
	}
	if (mkdir(e->o->out_dir, 0700) != 0)
		return clv_diag_set(diag, CLV_E_IO, "%s: cannot create output directory: %s",
		    e->o->out_dir, strerror(errno));
	return 0;
}

/* Before anything is done: no output the script will write may exist. */
static int
check_outputs_free(engine_t *e, clv_diag_t *diag)
{
	static const char *const fixed[] = { "SHA256SUMS", "summary.txt", CLV_TRANSCRIPT_FILE,
	    CLV_TRANSCRIPT_SIG, CLV_TRANSCRIPT_KEY };
	char path[PATH_MAX];
	const char *out;
	size_t i, k;

	for (i = 0; i < e->script->n_steps; i++) {
		const clv_script_step_t *st = &e->script->steps[i];
		if ((out = clv_script_param(st, "output")) == NULL)
			continue;
		for (k = 0; k < 2; k++) {
			snprintf(path, sizeof(path), "%s/%s.%s", e->o->out_dir, out,
			    k == 0 ? "der" : "pem");
			if (clv_file_exists(path))
				return clv_diag_set(diag, CLV_E_OUTPUT_EXISTS,
				    "%s: output of step '%s' already exists; outputs are never "
				    "overwritten (choose another --out directory)", path, st->id);
		}
	}
	for (k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++) {
		snprintf(path, sizeof(path), "%s/%s", e->o->out_dir, fixed[k]);
		if (clv_file_exists(path))
			return clv_diag_set(diag, CLV_E_OUTPUT_EXISTS,
			    "%s: already exists; outputs are never overwritten", path);
	}
	return 0;
}

/* ---- rehearsal token ---------------------------------------------------- */

static void
remove_tree(const char *path)
{
	DIR *d;
	struct dirent *de;
	char sub[PATH_MAX];
	struct stat st;

	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
				remove_tree(sub);
			else
				unlink(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

static int
script_has_action(const clv_script_t *sc, clv_action_t a)
{
	size_t i;

	for (i = 0; i < sc->n_steps; i++)
		if (sc->steps[i].action == a)
			return 1;
	return 0;
}

int
engine_rehearsal_store(engine_t *e, clv_diag_t *diag)
{
	char tokens[PATH_MAX], conf[PATH_MAX], text[PATH_MAX + 128];
	int r = CLV_E_INTERNAL;

	snprintf(e->rehearsal_dir, sizeof(e->rehearsal_dir), "%s/conclave-rehearsal-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(e->rehearsal_dir) == NULL) {
		e->rehearsal_dir[0] = '\0';
		return clv_diag_set(diag, CLV_E_IO, "cannot create the rehearsal token directory: %s",
		    strerror(errno));
	}
	snprintf(tokens, sizeof(tokens), "%s/tokens", e->rehearsal_dir);
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", e->rehearsal_dir);
	if (mkdir(tokens, 0700) != 0) {
		r = clv_diag_set(diag, CLV_E_IO, "%s: %s", tokens, strerror(errno));
		goto out;
	}
	snprintf(text, sizeof(text), "directories.tokendir = %s\nobjectstore.backend = file\n"
	    "log.level = ERROR\nslots.removable = false\n", tokens);
	if ((r = clv_file_write_new(conf, text, strlen(text), 0600, diag)) != 0)
		goto out;
	/* SoftHSM reads its configuration at C_Initialize: the throwaway token
	 * store is this process's only one. */
	if (setenv("SOFTHSM2_CONF", conf, 1) != 0) {
		r = clv_diag_set(diag, CLV_E_INTERNAL, "cannot set SOFTHSM2_CONF");
		goto out;
	}
	if ((r = clv_hsm_open(NULL, &e->hsm, diag)) != 0)
		goto out;
	engine_say(e, CLV_MSG_INFO, "rehearsal: throwaway SoftHSM token store in %s",
	    e->rehearsal_dir);
	/* a script that initialises its token does so in its init-token step;
	 * any other gets a token with a quorum dealt as init-token would */
	r = script_has_action(e->script, CLV_ACT_INIT_TOKEN) ? 0 : engine_rehearsal_quorum(e, diag);
out:
	return r;
}

/* ---- steps --------------------------------------------------------------- */

int
engine_need_hsm(engine_t *e, const clv_script_step_t *st, int login, clv_diag_t *diag)
{
	if (e->hsm == NULL || !e->have_token)
		return clv_diag_set(diag, CLV_E_SCRIPT,
		    "%s:%u: step '%s' needs the token: a check-token step must come first",
		    e->script->path, st->line, st->id);
	if (login && !e->logged_in)
		return clv_diag_set(diag, CLV_E_NOT_LOGGED_IN,
		    "%s:%u: step '%s' needs a login step first", e->script->path, st->line, st->id);
	return 0;
}

static int
step_check_token(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	unsigned char probe[16];
	char detail[1024];
	int r;

	if (e->o->rehearsal) {
		if ((r = engine_rehearsal_store(e, diag)) != 0)
			return r;
	} else {
		if (e->o->token_spec == NULL)
			return clv_diag_set(diag, CLV_E_USAGE,
			    "step '%s': no token given: pass --token with a pkcs11: URI, "
			    "label:NAME or serial:NUMBER", st->id);
		if ((r = clv_hsm_open(e->o->module_path, &e->hsm, diag)) != 0)
			return r;
		if ((r = clv_hsm_select(e->hsm, e->o->token_spec, diag)) != 0)
			return r;
	}
	if ((r = clv_hsm_token_info(e->hsm, &e->token)) != 0)
		return clv_diag_set(diag, r, "cannot read the token information");
	if (!e->token.user_pin_initialized)
		return clv_diag_set(diag, CLV_E_TOKEN_NOT_INITIALIZED,
		    "token '%s' (serial %s): the user PIN is not initialised", e->token.label,
		    e->token.serial);
	if ((r = clv_hsm_random(e->hsm, probe, sizeof(probe))) != 0)
		return clv_diag_set(diag, r, "token '%s': random number generator unavailable",
		    e->token.label);
	explicit_bzero(probe, sizeof(probe));
	e->have_token = 1;
	snprintf(detail, sizeof(detail), "token label=%s serial=%s manufacturer=%s model=%s uri=%s",
	    e->token.label, e->token.serial, e->token.manufacturer, e->token.model, e->token.uri);
	engine_say(e, CLV_MSG_INFO, "%s", detail);
	snprintf(e->summary, sizeof(e->summary), "token '%s' serial %s", e->token.label,
	    e->token.serial);
	return engine_audit(e, CLV_EV_TOKEN_CHECKED, e->token.uri, NULL, "ok", detail);
}

static int
step_login(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	clv_secret_t *pin = NULL;
	int r;

	if ((r = engine_need_hsm(e, st, 0, diag)) != 0)
		return r;
	if (e->o->rehearsal) {
		r = clv_hsm_login(e->hsm, e->rehearsal_pin);
	} else {
		if (e->ui->pin == NULL)
			return clv_diag_set(diag, CLV_E_USAGE, "no way to ask for the PIN");
		if ((r = e->ui->pin(e->ctx, e->token.label, &pin)) != 0)
			return clv_diag_set(diag, r, "step '%s': no PIN given: %s", st->id,
			    clv_strerror(r));
		r = clv_hsm_login(e->hsm, pin);
		clv_secret_free(pin);
	}
	if (r != 0) {
		engine_audit(e, CLV_EV_LOGIN_FAILED, e->token.uri, NULL, clv_strerror(r), NULL);
		return clv_diag_set(diag, r, "step '%s': login to token '%s' failed: %s", st->id,
		    e->token.label, clv_strerror(r));
	}
	e->logged_in = 1;
	snprintf(e->summary, sizeof(e->summary), "logged in to '%s'", e->token.label);
	return engine_audit(e, CLV_EV_LOGIN, e->token.uri, NULL, "ok", NULL);
}

static int
step_logout(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	int r;

	if ((r = engine_need_hsm(e, st, 1, diag)) != 0)
		return r;
	if ((r = clv_hsm_logout(e->hsm)) != 0)
		return clv_diag_set(diag, r, "logout failed: %s", clv_strerror(r));
	e->logged_in = 0;
	engine_quorum_cleanup(e);
	snprintf(e->summary, sizeof(e->summary), "logged out");
	return engine_audit(e, CLV_EV_LOGOUT, e->token.uri, NULL, "ok", NULL);
}

static int
spki_fingerprint(const clv_pubkey_t *k, int explicit_params, unsigned char out[32])
{
	clv_buf_t spki = { NULL, 0 };
	int r;

	if ((r = clv_pubkey_to_spki(k, explicit_params, &spki)) != 0)
		return r;
	r = clv_sha256(spki.data, spki.len, out);
	clv_buf_free(&spki);
	return r;
}

/* Records an intent before an HSM call, so a resumed run knows what was
 * under way; the checkpoint after it is a place a test can kill us. */
int
engine_intent(engine_t *e, const clv_script_step_t *st, const char *point, const char *fmt, ...)
{
	char rest[512], detail[768];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	snprintf(detail, sizeof(detail), "step=%s action=%s %s", st->id,
	    clv_action_name(st->action), rest);
	r = engine_audit(e, CLV_EV_INTENT, NULL, NULL, "ok", detail);
	clv_engine_checkpoint(point);
	return r;
}

/*
 * The private key labelled label is the pair of pub, sensitive and never
 * extractable: it signs a fresh challenge that pub verifies.  A public key
 * object planted under the label (no login needed for that) fails here.
 */
static int
key_pair_proven(engine_t *e, const clv_script_step_t *st, const char *label,
    const clv_pubkey_t *pub, clv_diag_t *diag)
{
	clv_sigalg_t alg = { pub->type, CLV_HASH_SHA256, 0, CLV_HASH_NONE, 0 };
	clv_hsm_key_attrs_t ka;
	unsigned char challenge[32];
	clv_buf_t sig = { NULL, 0 };
	int r;

	if ((r = clv_hsm_key_attrs(e->hsm, label, &ka)) != 0 || !ka.sensitive || ka.extractable)
		return clv_diag_set(diag, r ? r : CLV_E_POLICY, "step '%s': key '%s': no private key "
		    "that is sensitive and never leaves the token", st->id, label);
	if ((r = clv_hsm_random(e->hsm, challenge, sizeof(challenge))) != 0 ||
	    (r = clv_hsm_sign(e->hsm, label, &alg, challenge, sizeof(challenge), &sig)) != 0 ||
	    (r = clv_verify(pub, &alg, challenge, sizeof(challenge), sig.data, sig.len)) != 0)
		r = clv_diag_set(diag, CLV_E_KEY_MISMATCH, "step '%s': key '%s': the private key on "
		    "the token is not the pair of the public key found under its label", st->id, label);
	clv_buf_free(&sig);
	return r;
}

/*
 * Takes over a key the interrupted run generated: from the store if it was
 * recorded, else found on the token by its label (and recorded now), in
 * both cases only once its private key has proven to be the pair.
 */
static int
adopt_key(engine_t *e, const clv_script_step_t *st, key_state_t *k, clv_diag_t *diag)
{
	clv_key_record_t rec;
	char desc[64], fp[96], detail[512];
	int r, exists = 0, in_store;

	in_store = clv_store_key_find(e->store, k->label, &rec) == 0;
	if ((r = clv_hsm_label_exists(e->hsm, k->label, &exists)) != 0 || !exists)
		return clv_diag_set(diag, r ? r : CLV_E_KEY_NOT_FOUND, "step '%s': resuming: key "
		    "'%s' %s but is not on token '%s'", st->id, k->label, in_store ?
		    "is in the store" : "was being generated", e->token.label);
	if ((r = clv_hsm_pubkey(e->hsm, k->label, &k->pub)) != 0 ||
	    (r = clv_hsm_key_uri(e->hsm, k->label, k->uri, sizeof(k->uri))) != 0 ||
	    (r = spki_fingerprint(k->pub, k->tmpl.key.type == CLV_KEY_EC && k->tmpl.explicit_params,
	    k->spki_sha256)) != 0)
		return clv_diag_set(diag, r, "step '%s': resuming: cannot read key '%s' from the "
		    "token", st->id, k->label);
	if (in_store && memcmp(rec.spki_sha256, k->spki_sha256, 32) != 0)
		return clv_diag_set(diag, CLV_E_KEY_MISMATCH, "step '%s': resuming: key '%s' on the "
		    "token is not the one the store recorded", st->id, k->label);
	if ((r = key_pair_proven(e, st, k->label, k->pub, diag)) != 0)
		return r;
	e->n_keys++;
	clv_pubkey_describe(k->pub, desc, sizeof(desc));
	colon_fp(k->spki_sha256, fp);
	if (in_store) {
		engine_say(e, CLV_MSG_INFO, "resuming: key '%s' (%s) taken over from the interrupted "
		    "run", k->label, desc);
		snprintf(e->summary, sizeof(e->summary), "key '%s' (%s), from the interrupted run",
		    k->label, desc);
		return 0;
	}
	/* generated, but the run died before recording it: adopt it */
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.label, sizeof(rec.label), "%s", k->label);
	snprintf(rec.uri, sizeof(rec.uri), "%s", k->uri);
	snprintf(rec.token_serial, sizeof(rec.token_serial), "%s", e->token.serial);
	snprintf(rec.algorithm, sizeof(rec.algorithm), "%s", desc);
	snprintf(rec.state, sizeof(rec.state), "generated");
	rec.created = clv_clock_now(e->clock);
	memcpy(rec.spki_sha256, k->spki_sha256, 32);
	rec.rehearsal = e->o->rehearsal;
	snprintf(detail, sizeof(detail), "%s; SubjectPublicKeyInfo SHA-256 %s; generated before "
	    "the interruption, found on the token by its label and adopted", desc, fp);
	if ((r = clv_store_begin(e->store)) != 0)
		return r;
	if ((r = clv_store_key_add(e->store, &rec, NULL)) != 0 ||
	    (r = engine_audit(e, CLV_EV_KEY_GENERATED, k->uri, k->spki_sha256, "ok", detail)) != 0 ||
	    (r = engine_commit(e)) != 0) {
		engine_rollback(e);
		return clv_diag_set(diag, r, "store: cannot record key '%s'", k->label);
	}
	engine_say(e, CLV_MSG_WARN, "resuming: key '%s' was generated before the interruption but "
	    "not recorded; found on the token by its label and adopted", k->label);
	snprintf(e->summary, sizeof(e->summary), "key '%s' (%s), adopted", k->label, desc);
	return 0;
}

static int
step_generate_key(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	const char *name = clv_script_param(st, "key");
	const char *tname = clv_script_param(st, "template");
	const char *label = NULL;
	key_state_t *k;
	clv_key_record_t rec;
	char desc[64], fp[96], detail[512];
	int r, exists = 0;

	if ((r = engine_need_hsm(e, st, 1, diag)) != 0)
		return r;
	if (e->n_keys >= MAX_KEYS)
		return clv_diag_set(diag, CLV_E_SCRIPT, "too many keys in one ceremony");
	if (engine_find_key(e, name) != NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: key '%s' is generated twice",
		    e->script->path, st->line, name);
	k = &e->keys[e->n_keys];
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	if ((r = engine_load_template(e, tname, &k->tmpl, diag)) != 0)
		return r;
	if (e->ui->key_label != NULL)
		label = e->ui->key_label(e->ctx, name);
	if (label == NULL)
		label = clv_script_param(st, "label");
	if (label == NULL)
		label = name;
	snprintf(k->label, sizeof(k->label), "%s", label);
	if (e->resuming && e->resume[e->cur].intent) {
		if (strcmp(e->resume[e->cur].label, k->label) != 0)
			return clv_diag_set(diag, CLV_E_POLICY, "step '%s': resuming: the interrupted "
			    "run generated '%s', the answers now say '%s'", st->id,
			    e->resume[e->cur].label, k->label);
		if (e->resume[e->cur].done || clv_store_key_find(e->store, k->label, &rec) == 0 ||
		    (clv_hsm_label_exists(e->hsm, k->label, &exists) == 0 && exists))
			return adopt_key(e, st, k, diag);
	}

	/* a label is used once: on the token and in the store */
	if ((r = clv_hsm_label_exists(e->hsm, k->label, &exists)) != 0)
		return clv_diag_set(diag, r, "cannot search the token for label '%s'", k->label);
	if (exists)
		return clv_diag_set(diag, CLV_E_KEY_EXISTS,
		    "step '%s': a key labelled '%s' already exists on token '%s'; "
		    "labels are never reused", st->id, k->label, e->token.label);
	if (clv_store_key_find(e->store, k->label, &rec) == 0)
		return clv_diag_set(diag, CLV_E_KEY_EXISTS,
		    "step '%s': the store already knows a key labelled '%s' (created %lld); "
		    "labels are never reused", st->id, k->label, (long long)rec.created);

	engine_say(e, CLV_MSG_INFO, "generating %s key '%s' in the HSM ...",
	    k->tmpl.key.type == CLV_KEY_EC ? clv_curve_by_id(k->tmpl.key.curve)->name : "RSA",
	    k->label);
	if ((r = engine_intent(e, st, "intent-generate", "label=%s", k->label)) != 0)
		return r;
	if ((r = clv_hsm_generate(e->hsm, k->label, &k->tmpl.key, &k->pub, diag)) != 0)
		return r;
	clv_engine_checkpoint("result-generate");
	e->n_keys++;
	if ((r = clv_hsm_key_uri(e->hsm, k->label, k->uri, sizeof(k->uri))) != 0)
		return clv_diag_set(diag, r, "cannot form the URI of key '%s'", k->label);
	if ((r = spki_fingerprint(k->pub, k->tmpl.key.type == CLV_KEY_EC && k->tmpl.explicit_params,
	    k->spki_sha256)) != 0)
		return clv_diag_set(diag, r, "cannot encode the public key of '%s'", k->label);
	clv_pubkey_describe(k->pub, desc, sizeof(desc));

	memset(&rec, 0, sizeof(rec));
	snprintf(rec.label, sizeof(rec.label), "%s", k->label);
	snprintf(rec.uri, sizeof(rec.uri), "%s", k->uri);
	snprintf(rec.token_serial, sizeof(rec.token_serial), "%s", e->token.serial);
	snprintf(rec.algorithm, sizeof(rec.algorithm), "%s", desc);
	snprintf(rec.state, sizeof(rec.state), "generated");
	rec.created = clv_clock_now(e->clock);
	memcpy(rec.spki_sha256, k->spki_sha256, 32);
	rec.rehearsal = e->o->rehearsal;
	if ((r = clv_store_begin(e->store)) != 0)
		return clv_diag_set(diag, r, "store: cannot begin a transaction");
	if ((r = clv_store_key_add(e->store, &rec, NULL)) != 0) {
		engine_rollback(e);
		return clv_diag_set(diag, r, "store: cannot record key '%s': %s", k->label,
		    clv_strerror(r));
	}
	colon_fp(k->spki_sha256, fp);
	snprintf(detail, sizeof(detail), "%s; SubjectPublicKeyInfo SHA-256 %s", desc, fp);
	if ((r = engine_audit(e, CLV_EV_KEY_GENERATED, k->uri, k->spki_sha256, "ok", detail)) != 0 ||
	    (r = engine_commit(e)) != 0) {
		engine_rollback(e);
		return clv_diag_set(diag, r, "store: cannot record key '%s'", k->label);
	}
	clv_engine_checkpoint("recorded-generate");
	snprintf(e->summary, sizeof(e->summary), "key '%s' (%s)", k->label, desc);
	return 0;
}

/* Writes DER and PEM of an output; records OUTPUT_WRITTEN for each. */
int
engine_write_output(engine_t *e, output_state_t *o, const char *pem_label, clv_diag_t *diag)
{
	clv_buf_t pem = { NULL, 0 }, body = { NULL, 0 };
	unsigned char sha[32];
	char detail[PATH_MAX + 32];
	static const char banner[] =
	    "REHEARSAL - made on a throwaway token by a rehearsal ceremony; not for production\n";
	int r;

	/* a CV certificate is binary only: NAME.cvcert, as cvc-print reads it */
	snprintf(o->der_path, sizeof(o->der_path), "%s/%s.%s", e->o->out_dir, o->name,
	    o->cv != NULL ? "cvcert" : "der");
	snprintf(o->pem_path, sizeof(o->pem_path), "%s/%s.pem", e->o->out_dir, o->name);
	if (e->resuming && clv_file_exists(o->der_path)) {
		/* written before the interruption: it must be the very same object */
		clv_buf_t have = { NULL, 0 };
		unsigned char hsha[32];
		if ((r = clv_file_read(o->der_path, 1 << 20, &have, diag)) != 0)
			return r;
		clv_sha256(have.data, have.len, hsha);
		clv_buf_free(&have);
		if (memcmp(hsha, o->sha256, 32) != 0)
			return clv_diag_set(diag, CLV_E_INTEGRITY, "%s: exists but is not the object "
			    "the store recorded; it is not overwritten", o->der_path);
	} else {
		if ((r = clv_file_write_new(o->der_path, o->der.data, o->der.len, 0644, diag)) != 0)
			return r;
		snprintf(detail, sizeof(detail), "%s", o->der_path);
		if ((r = engine_audit(e, CLV_EV_OUTPUT_WRITTEN, NULL, o->sha256, "ok", detail)) != 0)
			return clv_diag_set(diag, r, "audit trail: cannot record %s", o->der_path);
	}
	if (o->cv != NULL) {
		if (e->ui->message != NULL)
			engine_say(e, CLV_MSG_OUTPUT, "wrote %s", o->der_path);
		return 0;
	}
	if (e->resuming && clv_file_exists(o->pem_path))
		return 0;   /* the PEM of the same DER, written before the interruption */
	if ((r = clv_pem_encode(pem_label, o->der.data, o->der.len, &pem)) != 0)
		return clv_diag_set(diag, r, "cannot PEM-encode %s", o->name);
	if (e->o->rehearsal) {
		if ((body.data = malloc(sizeof(banner) - 1 + pem.len)) == NULL) {
			clv_buf_free(&pem);
			return CLV_E_NOMEM;
		}
		memcpy(body.data, banner, sizeof(banner) - 1);
		memcpy(body.data + sizeof(banner) - 1, pem.data, pem.len);
		body.len = sizeof(banner) - 1 + pem.len;
		clv_buf_free(&pem);
		pem = body;
	}
	r = clv_file_write_new(o->pem_path, pem.data, pem.len, 0644, diag);
	if (r == 0) {
		clv_sha256(pem.data, pem.len, sha);
		snprintf(detail, sizeof(detail), "%s", o->pem_path);
		r = engine_audit(e, CLV_EV_OUTPUT_WRITTEN, NULL, sha, "ok", detail);
	}
	clv_buf_free(&pem);
	if (r == 0 && e->ui->message != NULL)
		engine_say(e, CLV_MSG_OUTPUT, "wrote %s and %s", o->der_path, o->pem_path);
	return r;
}

static int
lint_refused(engine_t *e, const clv_script_step_t *st, const char *what,
    const clv_lint_result_t *lr, clv_diag_t *diag)
{
	char text[4096];

	clv_lint_format(lr, text, sizeof(text));
	engine_audit(e, CLV_EV_LINT_REFUSED, NULL, NULL, "refused", text);
	return clv_diag_set(diag, CLV_E_LINT,
	    "step '%s': the %s does not conform to its profile; nothing was signed:\n%s",
	    st->id, what, text);
}

/*
 * The part every signed object shares: the HSM signs the linted TBS, the
 * object is assembled, parsed back, its TBS compared byte for byte with the
 * linted one and its signature verified with verify_key.  On success o holds
 * the DER (and, for a certificate, the parsed certificate), *crl_out the
 * parsed CRL.
 */
static int
sign_checked(engine_t *e, const clv_script_step_t *st, const key_state_t *k,
    const clv_sigalg_t *alg, const clv_buf_t *tbs, const clv_pubkey_t *verify_key,
    output_state_t *o, clv_crl_t **crl_out, clv_diag_t *diag)
{
	int is_cert = strcmp(o->kind, "certificate") == 0;
	const char *what = is_cert ? "certificate" : "CRL";
	clv_buf_t sig = { NULL, 0 };
	clv_crl_t *crl = NULL;
	const clv_buf_t *signed_der;
	size_t off, len;
	int r;

	if ((r = clv_hsm_sign(e->hsm, k->label, alg, tbs->data, tbs->len, &sig)) != 0) {
		r = clv_diag_set(diag, r, "step '%s': the HSM did not sign: %s", st->id,
		    clv_strerror(r));
		goto out;
	}
	r = is_cert ? clv_issue_cert(tbs, alg, &sig, &o->der) : clv_issue_crl(tbs, alg, &sig, &o->der);
	if (r != 0) {
		r = clv_diag_set(diag, r, "step '%s': cannot assemble the %s", st->id, what);
		goto out;
	}
	if (is_cert) {
		if ((r = clv_cert_parse(o->der.data, o->der.len, &o->cert, diag)) != 0)
			goto out;
		signed_der = &o->cert->der;
		off = o->cert->tbs_off;
		len = o->cert->tbs_len;
		r = clv_cert_verify(o->cert, verify_key);
	} else {
		if ((r = clv_crl_parse(o->der.data, o->der.len, &crl, diag)) != 0)
			goto out;
		signed_der = &crl->der;
		off = crl->tbs_off;
		len = crl->tbs_len;
		r = clv_crl_verify(crl, verify_key);
	}
	if (len != tbs->len || memcmp(signed_der->data + off, tbs->data, tbs->len) != 0) {
		r = clv_diag_set(diag, CLV_E_TBS_MISMATCH,
		    "step '%s': the signed %s's TBS differs from the linted one", st->id, what);
		goto out;
	}
	if (r != 0) {
		r = clv_diag_set(diag, r, "step '%s': the %s's signature does not verify",
		    st->id, what);
		goto out;
	}
	clv_sha256(o->der.data, o->der.len, o->sha256);
	*crl_out = crl;
	crl = NULL;
out:
	if (r != 0) {
		clv_cert_free(o->cert);
		o->cert = NULL;
		clv_buf_free(&o->der);
	}
	clv_crl_free(crl);
	clv_buf_free(&sig);
	return r;
}

static int record_output_revoking(engine_t *, output_state_t *, clv_object_record_t *,
    const key_state_t *, clv_audit_event_t, const char *, const char *,
    const clv_revocation_t *, size_t, clv_diag_t *);

/*
 * Records an issued object in the store and the audit trail in one
 * transaction (its serial is then spent, whatever happens next), and writes
 * its files.  rec is complete but for the DER and hash, taken from o.
 */
int
engine_record_output(engine_t *e, output_state_t *o, clv_object_record_t *rec, const key_state_t *k,
    clv_audit_event_t ev, const char *detail, const char *new_key_state, clv_diag_t *diag)
{
	return record_output_revoking(e, o, rec, k, ev, detail, new_key_state, NULL, 0, diag);
}

/* The revocations a CRL brings are recorded with it, or not at all. */
static int
record_revocations(engine_t *e, const key_state_t *k, const clv_revocation_t *rv, size_t n)
{
	char detail[1024], when[21];
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if ((r = clv_store_revocation_add(e->store, k->label, &rv[i], e->o->rehearsal)) != 0)
			return r;
		clv_time_format(rv[i].revoked, when);
		snprintf(detail, sizeof(detail), "certificate serial %s revoked as of %s: %s",
		    rv[i].serial_hex, when, rv[i].reason);
		if ((r = engine_audit(e, CLV_EV_CERT_REVOKED, k->uri, NULL, "ok", detail)) != 0)
			return r;
	}
	return 0;
}

static int
record_output_revoking(engine_t *e, output_state_t *o, clv_object_record_t *rec,
    const key_state_t *k, clv_audit_event_t ev, const char *detail, const char *new_key_state,
    const clv_revocation_t *rv, size_t n_rv, clv_diag_t *diag)
{
	int r;

	memcpy(rec->sha256, o->sha256, 32);
	rec->rehearsal = e->o->rehearsal;
	rec->der = o->der.data;
	rec->der_len = o->der.len;
	if ((r = clv_store_begin(e->store)) != 0)
		return clv_diag_set(diag, r, "store: cannot begin a transaction");
	if ((r = record_revocations(e, k, rv, n_rv)) != 0 ||
	    (r = clv_store_object_add(e->store, rec, NULL)) != 0 ||
	    (new_key_state != NULL &&
	    (r = clv_store_key_set_state(e->store, k->label, new_key_state)) != 0) ||
	    (r = engine_audit(e, ev, k->uri, o->sha256, "ok", detail)) != 0 ||
	    (clv_engine_checkpoint(strcmp(o->kind, "crl") == 0 ? "txn-crl" : "txn-cert"),
	    (r = engine_commit(e)) != 0)) {
		engine_rollback(e);
		return clv_diag_set(diag, r, "store: cannot record the %s: %s", o->kind,
		    clv_strerror(r));
	}
	e->n_outs++;
	clv_engine_checkpoint(strcmp(o->kind, "crl") == 0 ? "recorded-crl" : "recorded-cert");
	if ((r = engine_write_output(e, o, strcmp(o->kind, "crl") == 0 ? "X509 CRL" : "CERTIFICATE",
	    diag)) != 0)
		return r;
	clv_engine_checkpoint(strcmp(o->kind, "crl") == 0 ? "written-crl" : "written-cert");
	return 0;
}

/*
 * An intent read back from the transcript is only a journal: it is honoured
 * within a week of the interruption, and never for a time in the future.
 */
int
engine_resume_time_ok(engine_t *e, const clv_script_step_t *st, time_t when, clv_diag_t *diag)
{
	time_t now = clv_clock_now(e->clock);

	if (when > now + 300 || when < now - 7 * 86400)
		return clv_diag_set(diag, CLV_E_POLICY, "step '%s': resuming: the journal's time "
		    "%lld is not within the week before now; start the ceremony again", st->id,
		    (long long)when);
	return 0;
}

/* Takes over an object the interrupted run signed and recorded: its DER
 * from the store, parsed back, its files written if they are missing. */
static int
adopt_output(engine_t *e, const clv_script_step_t *st, output_state_t *o,
    const unsigned char sha[32], clv_diag_t *diag)
{
	clv_crl_t *crl = NULL;
	int r;

	if ((r = clv_store_object_der(e->store, sha, &o->der)) != 0)
		return clv_diag_set(diag, r, "step '%s': resuming: the store's %s is unreadable",
		    st->id, o->kind);
	memcpy(o->sha256, sha, 32);
	if (strcmp(o->kind, "certificate") == 0)
		r = clv_cert_parse(o->der.data, o->der.len, &o->cert, diag);
	else
		r = clv_crl_parse(o->der.data, o->der.len, &crl, diag);
	clv_crl_free(crl);
	if (r != 0)
		return r;
	e->n_outs++;
	if ((r = engine_write_output(e, o, strcmp(o->kind, "crl") == 0 ? "X509 CRL" : "CERTIFICATE",
	    diag)) != 0)
		return r;
	engine_say(e, CLV_MSG_INFO, "resuming: %s %s.der was issued before the interruption; "
	    "taken over, not issued again", o->kind, o->name);
	snprintf(e->summary, sizeof(e->summary), "%s %s.der, from the interrupted run", o->kind,
	    o->name);
	return 0;
}

/* The output slot for the step's output= name. */
output_state_t *
engine_new_output(engine_t *e, const char *name, const char *kind)
{
	output_state_t *o;

	if (e->n_outs >= MAX_OUTPUTS)
		return NULL;
	o = &e->outs[e->n_outs];
	clv_buf_free(&o->der);
	clv_cert_free(o->cert);
	engine_cv_free(o->cv);
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", name);
	snprintf(o->kind, sizeof(o->kind), "%s", kind);
	return o;
}

int
engine_lint_or_refuse(engine_t *e, const clv_script_step_t *st, const char *what, int r,
    const clv_lint_result_t *lr, clv_diag_t *diag)
{
	if (r == CLV_E_LINT)
		return lint_refused(e, st, what, lr, diag);
	return clv_diag_set(diag, r, "step '%s': cannot lint the %s", st->id, what);
}

/*
 * A CA key certifies only within its PrivateKeyUsagePeriod, as its
 * certificate states it (Doc 9303-12); CRLs go on after it ends.
 */
int
engine_signer_usage_ok(engine_t *e, const clv_script_step_t *st, const output_state_t *issuer,
    time_t when, clv_diag_t *diag)
{
	const clv_cert_t *c = issuer->cert;
	char a[21], b[21];

	if (c == NULL || !c->has_pkup)
		return 0;
	if ((c->pkup_not_before && when < c->pkup_not_before) ||
	    (c->pkup_not_after && when > c->pkup_not_after)) {
		clv_time_format(c->pkup_not_before, a);
		clv_time_format(c->pkup_not_after, b);
		return clv_diag_set(diag, CLV_E_POLICY, "step '%s': the key of certificate '%s' may "
		    "sign certificates from %s to %s (its PrivateKeyUsagePeriod); it is %s now; "
		    "the certificate was not signed", st->id, issuer->name, c->pkup_not_before ? a : "-",
		    c->pkup_not_after ? b : "-", (clv_time_format(when, a), a));
	}
	return 0;
}

/* The self-signed certificate this ceremony issued for key name, or NULL. */
static output_state_t *
self_signed_of(engine_t *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->n_outs; i++)
		if (strcmp(e->outs[i].key_name, name) == 0 && e->outs[i].cert != NULL &&
		    clv_cert_is_self_signed(e->outs[i].cert))
			return &e->outs[i];
	return NULL;
}

/*
 * Issues a certificate: self-signed (issue-self-signed: the key certifies
 * itself), by a CA (issue-cert: key= signs with the CA key, cert= is the
 * CA's certificate, subject= the key certified), or a CSCA link
 * (issue-link: key= the old CSCA key, cert= its certificate, subject= the
 * new CSCA key, whose self-signed certificate an earlier step issued; the
 * link carries the new certificate's subject, key usage period and profile,
 * is valid until the earlier of the new and the old certificate's notAfter,
 * and is signed with the old key's algorithm).
 */
static int
step_issue_certificate(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	/* use-key in a rehearsal: a stand-in self-signed certificate */
	int self = st->action == CLV_ACT_ISSUE_SELF_SIGNED || st->action == CLV_ACT_USE_KEY;
	int link = st->action == CLV_ACT_ISSUE_LINK;
	const char *kname = clv_script_param(st, "key");
	const char *sname = self ? kname : clv_script_param(st, "subject");
	const char *tname = clv_script_param(st, "template");
	const char *oname = clv_script_param(st, "output");
	const char *vstr = clv_script_param(st, "validity");
	key_state_t *k, *subj;
	output_state_t *o, *issuer = NULL, *newcert = NULL;
	clv_template_t lt;
	clv_pubkey_t *subject_pub = NULL;
	clv_template_t t;
	clv_cert_request_t req;
	clv_pubkey_t *token_pub = NULL;
	clv_buf_t tbs = { NULL, 0 };
	clv_crl_t *unused = NULL;
	clv_lint_result_t lr;
	clv_object_record_t rec;
	unsigned char serial[SERIAL_OCTETS];
	char serial_hex[2 * SERIAL_OCTETS + 1], fp[96], detail[1024];
	int r, attempts, exists;

	if ((r = engine_need_hsm(e, st, 1, diag)) != 0)
		return r;
	if ((k = engine_find_key(e, kname)) == NULL || (subj = engine_find_key(e, sname)) == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': key '%s' was not generated",
		    e->script->path, st->line, st->id, engine_find_key(e, kname) ? sname : kname);
	if (!self && ((issuer = engine_find_output(e, clv_script_param(st, "cert"))) == NULL ||
	    issuer->cert == NULL || !issuer->cert->has_ski))
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': certificate '%s' of the "
		    "issuing CA was not issued by an earlier step", e->script->path, st->line, st->id,
		    clv_script_param(st, "cert"));
	if ((o = engine_new_output(e, oname, "certificate")) == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "too many outputs in one ceremony");
	snprintf(o->key_name, sizeof(o->key_name), "%s", subj->name);
	if ((r = engine_load_template(e, tname, &t, diag)) != 0)
		return r;
	if ((self || link) != (t.profile_id == CLV_PROFILE_CSCA))
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': template '%s' has profile "
		    "%s; %s", e->script->path, st->line, st->id, tname, t.profile, self ?
		    "issue-self-signed makes CSCA certificates (profile csca)" : link ?
		    "issue-link makes CSCA link certificates (profile csca)" :
		    "issue-cert makes list-signer certificates (profile mls or dls)");
	if (link && (newcert = self_signed_of(e, sname)) == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': the new CSCA key '%s' "
		    "has no self-signed certificate from an earlier issue-self-signed step",
		    e->script->path, st->line, st->id, sname);
	memset(&req, 0, sizeof(req));
	if (vstr != NULL && clv_duration_parse(vstr, &req.validity) != 0)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': validity '%s': "
		    "expected a duration such as 15y3m", e->script->path, st->line, st->id, vstr);

	/* the keys are the ones on the token: the signer's and the one certified */
	if ((r = clv_hsm_pubkey(e->hsm, k->label, &token_pub)) != 0 ||
	    (r = clv_hsm_pubkey(e->hsm, subj->label, &subject_pub)) != 0) {
		r = clv_diag_set(diag, r, "cannot read keys '%s' and '%s' back from the token",
		    k->label, subj->label);
		goto out;
	}
	if (!clv_pubkey_is_equal(token_pub, k->pub) || !clv_pubkey_is_equal(subject_pub, subj->pub)) {
		r = clv_diag_set(diag, CLV_E_KEY_MISMATCH,
		    "key '%s' or '%s': the public key on the token differs from the one generated",
		    k->label, subj->label);
		goto out;
	}
	if (!self && !clv_pubkey_is_equal(issuer->cert->pubkey, token_pub)) {
		r = clv_diag_set(diag, CLV_E_KEY_MISMATCH, "step '%s': key '%s' is not the key of "
		    "the issuing certificate '%s'", st->id, k->label, issuer->name);
		goto out;
	}

	if (e->resuming && e->resume[e->cur].intent) {
		resume_step_t *rs = &e->resume[e->cur];
		unsigned char sha[32];
		clv_buf_t sb = { NULL, 0 };

		if (clv_store_object_by_serial(e->store, "certificate", k->label, rs->serial,
		    sha) == 0) {
			if ((r = adopt_output(e, st, o, sha, diag)) == 0 &&
			    (o->cert->pubkey == NULL ||
			    !clv_pubkey_is_equal(o->cert->pubkey, subject_pub)))
				r = clv_diag_set(diag, CLV_E_KEY_MISMATCH, "step '%s': resuming: the "
				    "journal names a certificate of another key", st->id);
			goto out;
		}
		/* signed perhaps, never recorded: the same serial and time again */
		if (clv_unhex(rs->serial, &sb) != 0 || sb.len != sizeof(serial)) {
			clv_buf_free(&sb);
			r = clv_diag_set(diag, CLV_E_FORMAT, "step '%s': resuming: the intent's serial "
			    "'%s' is unreadable", st->id, rs->serial);
			goto out;
		}
		memcpy(serial, sb.data, sizeof(serial));
		clv_buf_free(&sb);
		clv_hex(serial, sizeof(serial), serial_hex);
		if ((r = engine_resume_time_ok(e, st, rs->when, diag)) != 0)
			goto out;
		if ((r = clv_store_serial_exists(e->store, k->label, serial_hex, &exists)) != 0)
			goto out;
		if (exists) {
			r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': resuming: serial %s is "
			    "already used; the journal is not trusted", st->id, serial_hex);
			goto out;
		}
		req.not_before = rs->when;
		engine_say(e, CLV_MSG_INFO, "resuming: certificate serial %s was about to be signed; "
		    "signing it now with the same serial and time", serial_hex);
		goto build;
	}
	/* a fresh serial from the HSM's RNG, never one the store has seen */
	for (attempts = 0;; attempts++) {
		if ((r = clv_hsm_serial(e->hsm, sizeof(serial), serial)) != 0) {
			r = clv_diag_set(diag, r, "cannot draw a serial from the token's RNG");
			goto out;
		}
		clv_hex(serial, sizeof(serial), serial_hex);
		if ((r = clv_store_serial_exists(e->store, k->label, serial_hex, &exists)) != 0)
			goto out;
		if (!exists)
			break;
		if (attempts > 3) {
			r = clv_diag_set(diag, CLV_E_RANDOM, "the token's RNG repeats serials");
			goto out;
		}
	}

	req.not_before = clv_clock_now(e->clock);
	if (!self && (r = engine_signer_usage_ok(e, st, issuer, req.not_before, diag)) != 0)
		goto out;
	if ((r = engine_intent(e, st, "intent-sign-cert", "label=%s serial=%s when=%lld", k->label,
	    serial_hex, (long long)req.not_before)) != 0)
		goto out;
build:
	req.tmpl = &t;
	req.subject_key = subject_pub;
	req.issuer_key = token_pub;
	req.issuer_name = self ? NULL : &issuer->cert->subject_der;
	req.serial = serial;
	req.serial_len = sizeof(serial);
	req.rehearsal = e->o->rehearsal;
	lt = t;
	if (link) {
		/* the new certificate's name and key period; signed as the old key signs */
		req.link = 1;
		req.subject_name = &newcert->cert->subject_der;
		req.not_after = newcert->cert->not_after < issuer->cert->not_after ?
		    newcert->cert->not_after : issuer->cert->not_after;
		req.pkup_not_after = newcert->cert->pkup_not_after;
		lt.hash = k->tmpl.hash;
		lt.rsa_pss = k->tmpl.rsa_pss;
	}
	if ((r = clv_issue_sigalg(&lt, token_pub, &req.sigalg)) != 0)
		goto out;
	if ((r = clv_issue_tbs_cert(&req, &tbs)) != 0) {
		r = clv_diag_set(diag, r, "step '%s': cannot build the certificate", st->id);
		goto out;
	}
	if (self)
		r = clv_lint_csca_tbs(tbs.data, tbs.len, &t, &lr);
	else if (link)
		r = clv_lint_link_tbs(tbs.data, tbs.len, &lt, &issuer->cert->subject_der,
		    &issuer->cert->ski, &lr);
	else
		r = clv_lint_signer_tbs(tbs.data, tbs.len, &t, &issuer->cert->subject_der,
		    &issuer->cert->ski, &lr);
	if (r != 0) {
		r = engine_lint_or_refuse(e, st, "certificate", r, &lr, diag);
		goto out;
	}
	if ((r = sign_checked(e, st, k, &req.sigalg, &tbs, token_pub, o, &unused, diag)) != 0)
		goto out;
	clv_engine_checkpoint("result-sign-cert");
	if (o->cert->pubkey == NULL || !clv_pubkey_is_equal(o->cert->pubkey, subject_pub)) {
		r = clv_diag_set(diag, CLV_E_KEY_MISMATCH,
		    "step '%s': the certificate carries another key than the token's", st->id);
		goto out;
	}

	memset(&rec, 0, sizeof(rec));
	snprintf(rec.kind, sizeof(rec.kind), "certificate");
	snprintf(rec.issuer_label, sizeof(rec.issuer_label), "%s", k->label);
	snprintf(rec.serial_hex, sizeof(rec.serial_hex), "%s", serial_hex);
	snprintf(rec.subject, sizeof(rec.subject), "%s", o->cert->subject);
	rec.created = req.not_before;
	rec.not_before = o->cert->not_before;
	rec.not_after = o->cert->not_after;
	colon_fp(o->sha256, fp);
	snprintf(detail, sizeof(detail), "%s certificate (profile %s) serial %s subject %s "
	    "SHA-256 %s", self ? "self-signed" : link ? "link" : "CA-issued", t.profile,
	    serial_hex, o->cert->subject, fp);
	if ((r = engine_record_output(e, o, &rec, k, CLV_EV_CERT_ISSUED, detail, "active", diag)) != 0)
		goto out;
	if (!self && !link &&
	    (r = clv_store_key_set_state(e->store, subj->label, "active")) != 0)
		goto out;
	snprintf(e->summary, sizeof(e->summary), "certificate %s.der serial %s", oname,
	    serial_hex);
out:
	clv_pubkey_free(token_pub);
	clv_pubkey_free(subject_pub);
	clv_buf_free(&tbs);
	return r;
}

/*
 * A key made by an earlier ceremony, for this one to sign with: found on the
 * token by its label, known to the store with the same public key, and
 * matching the certificate given (which becomes this ceremony's output name
 * for it, without being written again).
 */
/*
 * A certificate brought in by use-key is one of ours: it verifies by itself
 * (self_ok: self-signed, signature checked by the caller), or the store
 * recorded it (a link, byte for byte); anything else may have been altered.
 */
int
engine_certificate_trusted(engine_t *e, const clv_buf_t *der, int self_ok)
{
	clv_buf_t have = { NULL, 0 };
	unsigned char sha[32];
	int r;

	if (self_ok)
		return 0;
	clv_sha256(der->data, der->len, sha);
	r = clv_store_object_der(e->store, sha, &have);
	clv_buf_free(&have);
	return r == 0 ? 0 : CLV_E_INTEGRITY;
}

/*
 * use-key in a rehearsal: the throwaway token holds no key from an earlier
 * ceremony, so a stand-in is made from the step's template -- a key and a
 * self-signed certificate (CSCA, stamped REHEARSAL, or CVCA) -- and the
 * rest of the ceremony is rehearsed with it.  certificate= is not read.
 */
static int
rehearse_use_key(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	key_state_t *k;
	int r;

	engine_say(e, CLV_MSG_WARN, "rehearsal: a stand-in key and self-signed certificate "
	    "take the place of key '%s' and %s", clv_script_param(st, "key"),
	    clv_script_param(st, "certificate"));
	if ((r = step_generate_key(e, st, diag)) != 0)
		return r;
	if ((k = engine_find_key(e, clv_script_param(st, "key"))) == NULL)
		return CLV_E_INTERNAL;
	if (k->tmpl.profile_id == CLV_PROFILE_CVCA)
		return engine_step_issue_cvca(e, st, diag);
	if (k->tmpl.profile_id != CLV_PROFILE_CSCA)
		return clv_diag_set(diag, CLV_E_SCRIPT, "step '%s': use-key takes a CSCA or CVCA "
		    "key (template profile csca or cvca), not %s", st->id, k->tmpl.profile);
	return step_issue_certificate(e, st, diag);
}

static int
step_use_key(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	const char *name = clv_script_param(st, "key");
	const char *label = NULL, *cfile = clv_script_param(st, "certificate");
	key_state_t *k;
	output_state_t *o;
	clv_key_record_t rec;
	clv_buf_t raw = { NULL, 0 };
	char path[PATH_MAX], desc[64], fp[96], detail[1024];
	int r, exists = 0;

	if ((r = engine_need_hsm(e, st, 1, diag)) != 0)
		return r;
	if (e->o->rehearsal)
		return rehearse_use_key(e, st, diag);
	if (e->n_keys >= MAX_KEYS)
		return clv_diag_set(diag, CLV_E_SCRIPT, "too many keys in one ceremony");
	k = &e->keys[e->n_keys];
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	if ((r = engine_load_template(e, clv_script_param(st, "template"), &k->tmpl, diag)) != 0)
		return r;
	if (e->ui->key_label != NULL)
		label = e->ui->key_label(e->ctx, name);
	snprintf(k->label, sizeof(k->label), "%s", label ? label : clv_script_param(st, "label"));
	if ((r = clv_store_key_find(e->store, k->label, &rec)) != 0)
		return clv_diag_set(diag, r == CLV_E_DB_NOT_FOUND ? CLV_E_KEY_NOT_FOUND : r,
		    "step '%s': the store knows no key labelled '%s'", st->id, k->label);
	if ((r = clv_hsm_label_exists(e->hsm, k->label, &exists)) != 0 || !exists)
		return clv_diag_set(diag, CLV_E_KEY_NOT_FOUND, "step '%s': key '%s' is not on token "
		    "'%s'", st->id, k->label, e->token.label);
	if ((r = clv_hsm_pubkey(e->hsm, k->label, &k->pub)) != 0 ||
	    (r = clv_hsm_key_uri(e->hsm, k->label, k->uri, sizeof(k->uri))) != 0 ||
	    (r = spki_fingerprint(k->pub, k->tmpl.key.type == CLV_KEY_EC && k->tmpl.explicit_params,
	    k->spki_sha256)) != 0)
		return clv_diag_set(diag, r, "step '%s': cannot read key '%s'", st->id, k->label);
	e->n_keys++;
	if (memcmp(rec.spki_sha256, k->spki_sha256, 32) != 0)
		return clv_diag_set(diag, CLV_E_KEY_MISMATCH, "step '%s': key '%s' on the token is not "
		    "the one the store recorded", st->id, k->label);
	if ((r = key_pair_proven(e, st, k->label, k->pub, diag)) != 0)
		return r;
	if ((o = engine_new_output(e, clv_script_param(st, "output"), "certificate")) == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "too many outputs in one ceremony");
	if (cfile[0] == '/')
		snprintf(path, sizeof(path), "%s", cfile);
	else
		snprintf(path, sizeof(path), "%s/%s", e->script->dir, cfile);
	if ((r = clv_file_read(path, 1 << 20, &raw, diag)) != 0)
		return r;
	if (k->tmpl.profile_id == CLV_PROFILE_CVCA) {
		/* a CVCA key: its CV certificate */
		r = engine_use_cv_certificate(e, st, k, o, &raw, path, diag);
		clv_buf_free(&raw);
		return r;
	}
	r = clv_pem_or_der(raw.data, raw.len, "CERTIFICATE", &o->der);
	clv_buf_free(&raw);
	if (r != 0 || (r = clv_cert_parse(o->der.data, o->der.len, &o->cert, diag)) != 0)
		return clv_diag_set(diag, r ? r : CLV_E_FORMAT, "step '%s': %s: not a certificate",
		    st->id, path);
	if (o->cert->pubkey == NULL || !clv_pubkey_is_equal(o->cert->pubkey, k->pub))
		return clv_diag_set(diag, CLV_E_KEY_MISMATCH, "step '%s': %s certifies another key "
		    "than '%s'", st->id, path, k->label);
	if ((r = engine_certificate_trusted(e, &o->der, clv_cert_is_self_signed(o->cert) &&
	    clv_cert_verify(o->cert, k->pub) == 0)) != 0)
		return clv_diag_set(diag, r, "step '%s': %s is neither a self-signed certificate "
		    "that verifies nor one the store recorded; it is not used", st->id, path);
	if (!o->cert->has_ski)
		return clv_diag_set(diag, CLV_E_POLICY, "step '%s': %s has no subjectKeyIdentifier",
		    st->id, path);
	clv_sha256(o->der.data, o->der.len, o->sha256);
	snprintf(o->key_name, sizeof(o->key_name), "%s", k->name);
	e->n_outs++;
	clv_pubkey_describe(k->pub, desc, sizeof(desc));
	colon_fp(o->sha256, fp);
	snprintf(detail, sizeof(detail), "key '%s' (%s) with its certificate %s (%s, SHA-256 %s)",
	    k->label, desc, path, o->cert->subject, fp);
	snprintf(e->summary, sizeof(e->summary), "key '%s' (%s)", k->label, desc);
	return engine_audit(e, CLV_EV_KEY_SELECTED, k->uri, o->sha256, "ok", detail);
}

#define MAX_DS_REQUESTS 16

/*
 * Document Signer certificates from PKCS#10 requests carried in from the DS
 * hosts (a directory of DER or PEM requests).  The whole batch is checked
 * first -- each request's proof of possession, its key against the policy,
 * its subject's country -- and listed; one refusal stops the step before
 * anything is signed, each reason named.  Then each is issued per the ds
 * profile, linted, signed with the CSCA key and verified.
 */
/* Takes over DS certificate der (the store's) as output o: it must certify
 * the request's key. */
static int
ds_adopt(engine_t *e, const clv_script_step_t *st, output_state_t *o, clv_buf_t *der,
    const clv_csr_t *csr, clv_diag_t *diag)
{
	int r;

	if ((r = clv_cert_parse(der->data, der->len, &o->cert, diag)) != 0)
		return r;
	if (o->cert->pubkey == NULL || !clv_pubkey_is_equal(o->cert->pubkey, csr->pubkey))
		return clv_diag_set(diag, CLV_E_KEY_MISMATCH, "step '%s': resuming: %s certifies "
		    "another key than request %s; the requests changed since the interruption",
		    st->id, o->name, csr->what);
	o->der = *der;
	der->data = NULL;
	der->len = 0;
	clv_sha256(o->der.data, o->der.len, o->sha256);
	e->n_outs++;
	if ((r = engine_write_output(e, o, "CERTIFICATE", diag)) != 0)
		return r;
	engine_say(e, CLV_MSG_INFO, "resuming: DS certificate %s for %s was issued before the "
	    "interruption; taken over, not issued again", o->name, csr->what);
	return 0;
}

/*
 * A resumed issue-ds, per request in the batch's order: the certificate the
 * interrupted run wrote (and the store recorded) is taken over; the one the
 * journal names is taken over from the store, or -- signed perhaps, never
 * recorded -- signed again with the journal's serial and time (*fresh 0);
 * any other request is signed afresh.
 */
static int
ds_resume(engine_t *e, const clv_script_step_t *st, const key_state_t *k, const clv_csr_t *csr,
    output_state_t *o, int *adopted, unsigned char serial[SERIAL_OCTETS], time_t *when,
    int *intent_used, int *fresh, clv_diag_t *diag)
{
	resume_step_t *rs = &e->resume[e->cur];
	clv_buf_t der = { NULL, 0 }, have = { NULL, 0 }, sb = { NULL, 0 };
	unsigned char sha[32];
	char path[PATH_MAX];
	int r = 0;

	*adopted = 0;
	*fresh = 1;
	snprintf(path, sizeof(path), "%s/%s.der", e->o->out_dir, o->name);
	if (clv_file_exists(path)) {
		if ((r = clv_file_read(path, 1 << 20, &der, diag)) != 0)
			return r;
		clv_sha256(der.data, der.len, sha);
		if (clv_store_object_der(e->store, sha, &have) != 0)
			r = clv_diag_set(diag, CLV_E_INTEGRITY, "step '%s': resuming: %s exists but "
			    "the store did not record it; it is not taken over", st->id, path);
		else if ((r = ds_adopt(e, st, o, &der, csr, diag)) == 0)
			*adopted = 1;
		goto out;
	}
	if (!rs->intent || *intent_used)
		goto out;
	*intent_used = 1;
	if (clv_store_object_by_serial(e->store, "certificate", k->label, rs->serial, sha) == 0) {
		if ((r = clv_store_object_der(e->store, sha, &der)) == 0 &&
		    (r = ds_adopt(e, st, o, &der, csr, diag)) == 0)
			*adopted = 1;
		goto out;
	}
	if (clv_unhex(rs->serial, &sb) != 0 || sb.len != SERIAL_OCTETS) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "step '%s': resuming: the intent's serial '%s' "
		    "is unreadable", st->id, rs->serial);
		goto out;
	}
	if ((r = engine_resume_time_ok(e, st, rs->when, diag)) != 0)
		goto out;
	memcpy(serial, sb.data, SERIAL_OCTETS);
	*when = rs->when;
	*fresh = 0;
	engine_say(e, CLV_MSG_INFO, "resuming: DS certificate serial %s for %s was about to be "
	    "signed; signing it now with the same serial and time", rs->serial, csr->what);
out:
	clv_buf_free(&der);
	clv_buf_free(&have);
	clv_buf_free(&sb);
	return r;
}

/* Room for n more outputs in this ceremony, checked before a batch signs. */
int
engine_room_for(engine_t *e, const clv_script_step_t *st, size_t n, clv_diag_t *diag)
{
	if (e->n_outs + n > MAX_OUTPUTS)
		return clv_diag_set(diag, CLV_E_POLICY, "step '%s': %zu requests and %zu outputs so "
		    "far are more than one ceremony keeps (%d); nothing was signed", st->id, n,
		    e->n_outs, MAX_OUTPUTS);
	return 0;
}

/* What a DS certificate for csr is built from (the TBS builder's request). */
static void
ds_request(clv_cert_request_t *req, const clv_template_t *t, const clv_csr_t *csr,
    const key_state_t *k, const output_state_t *issuer, const unsigned char *serial,
    time_t when)
{
	memset(req, 0, sizeof(*req));
	req->tmpl = t;
	req->subject_key = csr->pubkey;
	req->subject_name = &csr->subject_der;
	req->issuer_key = k->pub;
	req->issuer_name = &issuer->cert->subject_der;
	req->serial = serial;
	req->serial_len = SERIAL_OCTETS;
	req->not_before = when;
}

static int
step_issue_ds(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	const char *kname = clv_script_param(st, "key");
	const char *rdir = clv_script_param(st, "requests");
	key_state_t *k;
	output_state_t *issuer, *o;
	clv_template_t t;
	clv_csr_t *csr[MAX_DS_REQUESTS];
	char dir[PATH_MAX], path[PATH_MAX], refusals[4096] = "", fp[96], detail[1024];
	char me[80];
	struct dirent **list = NULL;
	clv_bundle_t *bundle = NULL;
	size_t n = 0, i, used = 0;
	int count = 0, j, r = 0, intent_used = 0;

	memset(csr, 0, sizeof(csr));
	if ((r = engine_need_hsm(e, st, 1, diag)) != 0)
		return r;
	if ((k = engine_find_key(e, kname)) == NULL ||
	    (issuer = engine_find_output(e, clv_script_param(st, "cert"))) == NULL || issuer->cert == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': the CSCA key and "
		    "certificate must come from earlier steps", e->script->path, st->line, st->id);
	if ((r = engine_load_template(e, clv_script_param(st, "template"), &t, diag)) != 0)
		return r;
	if (t.profile_id != CLV_PROFILE_DS)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': template has profile %s; "
		    "issue-ds needs profile ds", e->script->path, st->line, st->id, t.profile);
	if (rdir[0] == '/')
		snprintf(dir, sizeof(dir), "%s", rdir);
	else
		snprintf(dir, sizeof(dir), "%s/%s", e->script->dir, rdir);
	snprintf(path, sizeof(path), "%s/%s", dir, CLV_BUNDLE_MANIFEST);
	snprintf(me, sizeof(me), "ceremony:%s", e->token.serial);
	if (clv_file_exists(path)) {
		/* a request bundle from a DS host: verified before anything in it is read */
		if ((r = clv_bundle_verify_stored(e->store, dir, me, CLV_BUNDLE_CSR_REQUEST,
		    !e->o->rehearsal, (const unsigned char (*)[32])e->resume_imports,
		    e->resuming ? e->n_resume_imports : 0, &bundle, diag)) != 0)
			return r;
		count = (int)bundle->n_artifacts;
		engine_say(e, CLV_MSG_INFO, "bundle %s from %s, sequence %llu: signature, sizes and "
		    "hashes verified", dir, bundle->header.producer,
		    (unsigned long long)bundle->header.sequence);
	} else if ((count = scandir(dir, &list, NULL, alphasort)) < 0)
		return clv_diag_set(diag, CLV_E_FILE_NOT_FOUND, "step '%s': requests %s: %s", st->id,
		    dir, strerror(errno));

	/* the batch, checked and listed before anything is signed */
	for (j = 0; j < count; j++) {
		clv_buf_t raw = { NULL, 0 };
		clv_diag_t d;
		char why[512] = "";
		const clv_curve_info_t *want;
		int rr;

		if (bundle == NULL && list[j]->d_name[0] == '.')
			continue;
		if (bundle != NULL && bundle->artifacts[j].type != CLV_ARTIFACT_CSR) {
			r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': bundle %s: %s is a %s, "
			    "expected only PKCS#10 requests (csr)", st->id, dir,
			    bundle->artifacts[j].name,
			    clv_artifact_type_name(bundle->artifacts[j].type));
			goto out;
		}
		if (n >= MAX_DS_REQUESTS) {
			r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': more than %d requests in %s",
			    st->id, MAX_DS_REQUESTS, dir);
			goto out;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, bundle ? bundle->artifacts[j].name :
		    list[j]->d_name);
		memset(&d, 0, sizeof(d));
		if (bundle != NULL)
			rr = clv_buf_set(&raw, bundle->artifacts[j].data, bundle->artifacts[j].len);
		else
			rr = clv_file_read(path, 1 << 16, &raw, &d);
		if (rr != 0 || clv_csr_parse(raw.data, raw.len, path, &csr[n], &d) != 0) {
			snprintf(why, sizeof(why), "%s", d.msg[0] ? d.msg : "not a PKCS#10 request");
		} else if (clv_csr_verify_pop(csr[n]) != 0) {
			snprintf(why, sizeof(why), "%s: its signature does not verify with its own key "
			    "(no proof of possession)", path);
		} else if (csr[n]->pubkey == NULL || csr[n]->pubkey->type != t.key.type ||
		    (t.key.type == CLV_KEY_EC && csr[n]->pubkey->curve != t.key.curve) ||
		    (t.key.type == CLV_KEY_RSA && csr[n]->pubkey->rsa_n.len * 8 < t.key.rsa_bits)) {
			want = clv_curve_by_id(t.key.curve);
			snprintf(why, sizeof(why), "%s: a key type the policy forbids: expected %s",
			    path, t.key.type == CLV_KEY_EC && want ? want->name : "RSA");
		} else if (strcmp(csr[n]->subject_country, t.country) != 0) {
			snprintf(why, sizeof(why), "%s: subject %s is outside the country %s", path,
			    csr[n]->subject, t.country);
		}
		clv_buf_free(&raw);
		if (why[0] != '\0') {
			used += (size_t)snprintf(refusals + used, used < sizeof(refusals) ?
			    sizeof(refusals) - used : 0, "\n  %s", why);
			clv_csr_free(csr[n]);
			csr[n] = NULL;
			continue;
		}
		engine_say(e, CLV_MSG_INFO, "request %zu: %s, %s", n + 1, csr[n]->subject, path);
		n++;
	}
	if (used > 0) {
		engine_audit(e, CLV_EV_LINT_REFUSED, NULL, NULL, "refused", refusals);
		r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': requests refused; nothing was signed "
		    "(the officers decide about the batch):%s", st->id, refusals);
		goto out;
	}
	if (n == 0) {
		r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': no request in %s", st->id, dir);
		goto out;
	}
	if ((r = engine_signer_usage_ok(e, st, issuer, clv_clock_now(e->clock), diag)) != 0)
		goto out;
	if ((r = engine_room_for(e, st, n, diag)) != 0)
		goto out;
	/* every certificate of the batch passes the lints before anything is
	 * recorded or signed (the serial and time do not change what they check) */
	for (i = 0; i < n; i++) {
		clv_cert_request_t req;
		clv_buf_t tbs = { NULL, 0 };
		clv_lint_result_t lr;
		unsigned char probe[SERIAL_OCTETS];

		memset(probe, 0x5a, sizeof(probe));
		ds_request(&req, &t, csr[i], k, issuer, probe, clv_clock_now(e->clock));
		if ((r = clv_issue_sigalg(&t, k->pub, &req.sigalg)) != 0 ||
		    (r = clv_issue_tbs_cert(&req, &tbs)) != 0) {
			r = clv_diag_set(diag, r, "step '%s': cannot build the DS certificate for %s",
			    st->id, csr[i]->what);
			goto out;
		}
		r = clv_lint_ds_tbs(tbs.data, tbs.len, &t, &issuer->cert->subject_der,
		    &issuer->cert->ski, &lr);
		clv_buf_free(&tbs);
		if (r != 0) {
			r = engine_lint_or_refuse(e, st, "DS certificate", r, &lr, diag);
			goto out;
		}
	}
	/* the import is recorded before signing: a replay of it is refused */
	if (bundle != NULL && (r = engine_record_import(e, bundle, dir, diag)) != 0)
		goto out;

	for (i = 0; i < n; i++) {
		clv_cert_request_t req;
		clv_buf_t tbs = { NULL, 0 };
		clv_lint_result_t lr;
		clv_crl_t *unused = NULL;
		clv_object_record_t rec;
		unsigned char serial[SERIAL_OCTETS];
		char serial_hex[2 * SERIAL_OCTETS + 1], oname[80];
		int exists = 1, adopted = 0;

		snprintf(oname, sizeof(oname), "%s-%zu", clv_script_param(st, "output"), i + 1);
		engine_progress(e, "signing the DS certificates", i, n);
		if ((o = engine_new_output(e, oname, "certificate")) == NULL) {
			r = clv_diag_set(diag, CLV_E_SCRIPT, "too many outputs in one ceremony");
			goto out;
		}
		memset(&req, 0, sizeof(req));
		req.not_before = clv_clock_now(e->clock);
		if (e->resuming) {
			/* issued before the interruption: taken over; signed, not
			 * recorded: signed again with the journal's serial and time */
			if ((r = ds_resume(e, st, k, csr[i], o, &adopted, serial, &req.not_before,
			    &intent_used, &exists, diag)) != 0)
				goto out;
			if (adopted)
				continue;
		}
		while (exists) {
			if ((r = clv_hsm_serial(e->hsm, sizeof(serial), serial)) != 0)
				goto out;
			clv_hex(serial, sizeof(serial), serial_hex);
			if ((r = clv_store_serial_exists(e->store, k->label, serial_hex, &exists)) != 0)
				goto out;
		}
		clv_hex(serial, sizeof(serial), serial_hex);
		ds_request(&req, &t, csr[i], k, issuer, serial, req.not_before);
		if ((r = clv_issue_sigalg(&t, k->pub, &req.sigalg)) != 0)
			goto out;
		if ((r = engine_intent(e, st, "intent-sign-ds", "label=%s serial=%s when=%lld request=%s",
		    k->label, serial_hex, (long long)req.not_before, csr[i]->what)) != 0)
			goto out;
		if ((r = clv_issue_tbs_cert(&req, &tbs)) != 0) {
			r = clv_diag_set(diag, r, "step '%s': cannot build the DS certificate for %s",
			    st->id, csr[i]->what);
			goto out;
		}
		if ((r = clv_lint_ds_tbs(tbs.data, tbs.len, &t, &issuer->cert->subject_der,
		    &issuer->cert->ski, &lr)) != 0) {
			r = engine_lint_or_refuse(e, st, "DS certificate", r, &lr, diag);
			clv_buf_free(&tbs);
			goto out;
		}
		r = sign_checked(e, st, k, &req.sigalg, &tbs, k->pub, o, &unused, diag);
		clv_buf_free(&tbs);
		if (r != 0)
			goto out;
		if (o->cert->pubkey == NULL || !clv_pubkey_is_equal(o->cert->pubkey, csr[i]->pubkey)) {
			r = clv_diag_set(diag, CLV_E_KEY_MISMATCH, "step '%s': the DS certificate "
			    "carries another key than the request's", st->id);
			goto out;
		}
		memset(&rec, 0, sizeof(rec));
		snprintf(rec.kind, sizeof(rec.kind), "certificate");
		snprintf(rec.issuer_label, sizeof(rec.issuer_label), "%s", k->label);
		snprintf(rec.serial_hex, sizeof(rec.serial_hex), "%s", serial_hex);
		snprintf(rec.subject, sizeof(rec.subject), "%s", o->cert->subject);
		rec.created = req.not_before;
		rec.not_before = o->cert->not_before;
		rec.not_after = o->cert->not_after;
		colon_fp(o->sha256, fp);
		snprintf(detail, sizeof(detail), "DS certificate serial %s subject %s from %s, "
		    "SHA-256 %s", serial_hex, o->cert->subject, csr[i]->what, fp);
		if ((r = engine_record_output(e, o, &rec, k, CLV_EV_CERT_ISSUED, detail, NULL, diag)) != 0)
			goto out;
	}
	engine_progress(e, "signing the DS certificates", n, n);
	snprintf(e->summary, sizeof(e->summary), "%zu DS certificate%s issued", n, n == 1 ? "" : "s");
	r = 0;
out:
	for (i = 0; i < MAX_DS_REQUESTS; i++)
		clv_csr_free(csr[i]);
	for (j = 0; list != NULL && j < count; j++)
		free(list[j]);
	free(list);
	clv_bundle_free(bundle);
	return r;
}

/* clv_hsm_sign in the shape CMS and bundle signing want. */
typedef struct hsm_signer {
	clv_hsm_t *hsm;
	const char *label;
} hsm_signer_t;

static int
hsm_sign_cb(void *ctx, const clv_sigalg_t *alg, const unsigned char *data, size_t len,
    clv_buf_t *sig)
{
	hsm_signer_t *hs = ctx;

	return clv_hsm_sign(hs->hsm, hs->label, alg, data, len, sig);
}

/* The filesystem label of the medium path lives on, if udev named it. */
static void
medium_label(const char *path, char *out, size_t outlen)
{
	struct stat st, dev;
	char parent[PATH_MAX], link[PATH_MAX];
	DIR *d;
	struct dirent *de;

	snprintf(out, outlen, "no label");
	snprintf(parent, sizeof(parent), "%s", path);
	while (stat(parent, &st) != 0 && strrchr(parent, '/') != NULL && parent[1] != '\0')
		*strrchr(parent, '/') = '\0';
	if (stat(parent, &st) != 0 || (d = opendir("/dev/disk/by-label")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		snprintf(link, sizeof(link), "/dev/disk/by-label/%s", de->d_name);
		if (de->d_name[0] != '.' && stat(link, &dev) == 0 && S_ISBLK(dev.st_mode) &&
		    dev.st_rdev == st.st_dev) {
			snprintf(out, outlen, "label '%s'", de->d_name);
			break;
		}
	}
	closedir(d);
}

/*
 * A signed bundle of outputs for an online host (conclave-bundle(5)),
 * written to the medium only after the administrator confirms the medium,
 * read back and verified before the step reports success.
 */
/* An output as a bundle artifact named NAME.der. */
static void
add_artifact(const output_state_t *o, clv_bundle_artifact_t *a, char name[80])
{
	snprintf(name, 80, "%s.%s", o->name, o->cv != NULL ? "cvcert" : "der");
	memset(a, 0, sizeof(*a));
	a->name = name;
	a->type = o->cv != NULL ? CLV_ARTIFACT_CV_CERTIFICATE :
	    strcmp(o->kind, "crl") == 0 ? CLV_ARTIFACT_CRL :
	    strcmp(o->kind, "master-list") == 0 ? CLV_ARTIFACT_MASTER_LIST :
	    strcmp(o->kind, "deviation-list") == 0 ? CLV_ARTIFACT_DEVIATION_LIST :
	    CLV_ARTIFACT_CERTIFICATE;
	a->data = o->der.data;
	a->len = o->der.len;
}

static int
step_export_bundle(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	const char *recipient = clv_script_param(st, "recipient");
	const char *list = clv_script_param(st, "outputs"), *q, *end;
	clv_bundle_purpose_t purpose = clv_bundle_purpose_by_name(clv_script_param(st, "purpose"));
	clv_bundle_artifact_t arts[MAX_OUTPUTS * 2];
	char names[MAX_OUTPUTS * 2][80], target[PATH_MAX], label[256], who[128] = "";
	char producer[80], detail[PATH_MAX + 256], hex[65];
	clv_bundle_header_t hdr;
	clv_bundle_signer_t signer;
	clv_pubkey_t *key = NULL;
	hsm_signer_t hs;
	unsigned char msha[32];
	uint64_t last = 0;
	size_t n = 0;
	int r;

	if ((r = engine_need_hsm(e, st, 1, diag)) != 0)
		return r;
	if (clv_script_param(st, "target")[0] == '/')
		snprintf(target, sizeof(target), "%s", clv_script_param(st, "target"));
	else
		snprintf(target, sizeof(target), "%s/%s", e->o->out_dir, clv_script_param(st, "target"));
	for (q = list; *q && n < MAX_OUTPUTS; q = *end ? end + 1 : end) {
		output_state_t *o;
		char item[64];
		while (*q == ' ')
			q++;
		end = strchr(q, ',');
		if (end == NULL)
			end = q + strlen(q);
		snprintf(item, sizeof(item), "%.*s", (int)(end - q), q);
		while (item[0] && item[strlen(item) - 1] == ' ')
			item[strlen(item) - 1] = '\0';
		if (item[0] != '\0' && item[strlen(item) - 1] == '*') {
			/* every output made so far whose name starts so */
			size_t k, plen = strlen(item) - 1, before = n;

			for (k = 0; k < e->n_outs && n < MAX_OUTPUTS; k++)
				if (strncmp(e->outs[k].name, item, plen) == 0 &&
				    e->outs[k].der.data != NULL)
					add_artifact(&e->outs[k], &arts[n], names[n]), n++;
			if (n == before)
				return clv_diag_set(diag, CLV_E_SCRIPT, "step '%s': no output made "
				    "matches '%s'", st->id, item);
			continue;
		}
		if ((o = engine_find_output(e, item)) == NULL || o->der.data == NULL)
			return clv_diag_set(diag, CLV_E_SCRIPT, "step '%s': output '%s' was not made",
			    st->id, item);
		add_artifact(o, &arts[n], names[n]);
		n++;
	}
	/* the wrong stick (IANA KSK ceremony, 2014): the administrator confirms it */
	medium_label(target, label, sizeof(label));
	engine_say(e, CLV_MSG_INFO, "bundle for %s goes to %s (medium %s)", recipient, target, label);
	if (e->ui->confirm == NULL || e->ui->confirm(e->ctx, st, "administrator", who,
	    sizeof(who)) != 0 || who[0] == '\0')
		return clv_diag_set(diag, CLV_E_NOT_CONFIRMED, "step '%s': the administrator did not "
		    "confirm the medium %s (%s)", st->id, target, label);
	snprintf(producer, sizeof(producer), "ceremony:%s", e->token.serial);
	if ((r = clv_store_bundle_last(e->store, "export", producer, recipient, &last)) != 0)
		return clv_diag_set(diag, r, "store: cannot read the last bundle sequence");
	if ((r = clv_hsm_pubkey(e->hsm, CLV_CEREMONY_KEY_LABEL, &key)) != 0)
		return clv_diag_set(diag, r, "step '%s': no ceremony key to sign the bundle", st->id);
	memset(&hdr, 0, sizeof(hdr));
	hdr.producer = producer;
	hdr.recipient = recipient;
	hdr.purpose = purpose;
	hdr.sequence = last + 1;
	hdr.created = clv_clock_now(e->clock);
	hdr.rehearsal = e->o->rehearsal;
	memset(&signer, 0, sizeof(signer));
	hs.hsm = e->hsm;
	hs.label = CLV_CEREMONY_KEY_LABEL;
	signer.sign = hsm_sign_cb;
	signer.ctx = &hs;
	signer.alg.key = CLV_KEY_EC;
	signer.alg.hash = CLV_HASH_SHA256;
	signer.key = key;
	if ((r = engine_intent(e, st, "intent-export-bundle", "recipient=%s sequence=%llu target=%s",
	    recipient, (unsigned long long)hdr.sequence, target)) != 0)
		goto out;
	if ((r = clv_bundle_export(target, &hdr, arts, n, &signer, msha, diag)) != 0)
		goto out;
	clv_hex(msha, 32, hex);
	snprintf(detail, sizeof(detail), "bundle %s for %s (%s), sequence %llu, %zu artifacts, "
	    "MANIFEST SHA-256 %s, medium %s confirmed by %s", target, recipient,
	    clv_bundle_purpose_name(purpose), (unsigned long long)hdr.sequence, n, hex, label, who);
	if ((r = clv_store_begin(e->store)) != 0)
		goto out;
	if ((r = clv_store_bundle_add(e->store, "export", producer, recipient,
	    clv_bundle_purpose_name(purpose), hdr.sequence, msha, hdr.created,
	    e->o->rehearsal)) != 0 ||
	    (r = engine_audit(e, CLV_EV_BUNDLE_EXPORTED, NULL, msha, "ok", detail)) != 0 ||
	    (r = engine_commit(e)) != 0) {
		engine_rollback(e);
		r = clv_diag_set(diag, r, "store: cannot record the bundle");
		goto out;
	}
	engine_say(e, CLV_MSG_OUTPUT, "%s", detail);
	snprintf(e->summary, sizeof(e->summary), "bundle %s, sequence %llu, verified on the medium",
	    target, (unsigned long long)hdr.sequence);
out:
	clv_pubkey_free(key);
	return r;
}


/* Certificates to list from include= (DER or PEM files): CSCA and link
 * certificates only, each named if refused. */
static int
read_included(engine_t *e, const clv_script_step_t *st, const char *dirname, clv_buf_t *certs,
    size_t *n, size_t max, clv_diag_t *diag)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent **list = NULL;
	int i, count, r = 0;

	if (dirname[0] == '/')
		snprintf(dir, sizeof(dir), "%s", dirname);
	else
		snprintf(dir, sizeof(dir), "%s/%s", e->script->dir, dirname);
	if ((count = scandir(dir, &list, NULL, alphasort)) < 0)
		return clv_diag_set(diag, CLV_E_FILE_NOT_FOUND, "step '%s': include '%s': %s",
		    st->id, dir, strerror(errno));
	for (i = 0; i < count && r == 0; i++) {
		clv_buf_t raw = { NULL, 0 }, der = { NULL, 0 };
		clv_cert_t *c = NULL;

		if (list[i]->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		if ((r = clv_file_read(path, 1 << 20, &raw, diag)) != 0)
			break;
		if (clv_pem_or_der(raw.data, raw.len, "CERTIFICATE", &der) != 0 ||
		    clv_cert_parse(der.data, der.len, &c, diag) != 0) {
			r = clv_diag_set(diag, CLV_E_FORMAT, "step '%s': %s: not a certificate "
			    "(DER or PEM)", st->id, path);
		} else if (!c->is_ca || !(c->key_usage & CLV_KU_KEY_CERT_SIGN)) {
			r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': %s (%s): a Master List holds "
			    "CSCA and link certificates only; this is not a CA certificate", st->id,
			    path, c->subject);
		} else if (*n >= max) {
			r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': more than %zu certificates",
			    st->id, max);
		} else {
			certs[(*n)++] = der;
			der.data = NULL;
		}
		clv_cert_free(c);
		clv_buf_free(&raw);
		clv_buf_free(&der);
	}
	for (i = 0; i < count; i++)
		free(list[i]);
	free(list);
	return r;
}

#define MAX_ML_CERTS 1024

/* A CSCA Master List (Doc 9303-12 9): the country's CSCA and any foreign
 * CSCA and link certificates given, signed by the MLS key as CMS SignedData. */
/* A ceremony input named by a script parameter: relative to the script's
 * directory; digest (hex) is its SHA-256, for the step's intent. */
int
engine_read_input(engine_t *e, const char *name, char path[PATH_MAX], char digest[65],
    clv_diag_t *diag)
{
	clv_buf_t raw = { NULL, 0 };
	unsigned char sha[32];
	int r;

	if (name[0] == '/')
		snprintf(path, PATH_MAX, "%s", name);
	else
		snprintf(path, PATH_MAX, "%s/%s", e->script->dir, name);
	if ((r = clv_file_read(path, 1 << 20, &raw, diag)) != 0)
		return r;
	clv_sha256(raw.data, raw.len, sha);
	clv_buf_free(&raw);
	clv_hex(sha, 32, digest);
	return 0;
}

/*
 * The Master List and the Deviation List: CMS SignedData with the list
 * signer's key, its certificate and the issuing CSCA's in certificates.
 * After an interruption a list already written is verified and taken over.
 */
static int
adopt_signed_list(engine_t *e, const output_state_t *signer_cert, output_state_t *o,
    const char *econtent_type, const char *what, int *adopted, clv_diag_t *diag)
{
	char mp[PATH_MAX];
	clv_buf_t have = { NULL, 0 };
	clv_cms_verify_opts_t vo;
	clv_cms_t *cms = NULL;
	int r;

	*adopted = 0;
	snprintf(mp, sizeof(mp), "%s/%s.der", e->o->out_dir, o->name);
	if (!e->resuming || !clv_file_exists(mp))
		return 0;
	memset(&vo, 0, sizeof(vo));
	vo.econtent_type = econtent_type;
	vo.signer_cert = &signer_cert->der;
	if ((r = clv_file_read(mp, 64u << 20, &have, diag)) != 0 ||
	    (r = clv_cms_verify(have.data, have.len, mp, &vo, &cms, diag)) != 0) {
		clv_buf_free(&have);
		return r;
	}
	clv_cms_free(cms);
	o->der = have;
	clv_sha256(o->der.data, o->der.len, o->sha256);
	e->n_outs++;
	if ((r = engine_write_output(e, o, "CMS", diag)) != 0)
		return r;
	snprintf(e->summary, sizeof(e->summary), "%s %s.der, from the interrupted run", what,
	    o->name);
	*adopted = 1;
	return 0;
}

static int
sign_list(engine_t *e, const key_state_t *k,
    const output_state_t *signer_cert, const output_state_t *csca, output_state_t *o,
    const char *econtent_type, const clv_buf_t *content, clv_audit_event_t ev,
    const char *what, clv_diag_t *diag)
{
	clv_cms_signer_t signer;
	hsm_signer_t hs;
	char fp[96], detail[1024];
	int r;

	memset(&signer, 0, sizeof(signer));
	signer.cert = &signer_cert->der;
	if ((r = clv_issue_sigalg(&k->tmpl, k->pub, &signer.sigalg)) != 0)
		return r;
	signer.signing_time = clv_clock_now(e->clock);
	signer.extra_certs = &csca->der;
	signer.n_extra_certs = 1;
	hs.hsm = e->hsm;
	hs.label = k->label;
	signer.sign = hsm_sign_cb;
	signer.sign_ctx = &hs;
	/* clv_cms_sign parses what it made and verifies it under the signer's certificate */
	if ((r = clv_cms_sign(econtent_type, content->data, content->len, &signer, &o->der,
	    diag)) != 0)
		return r;
	clv_sha256(o->der.data, o->der.len, o->sha256);
	e->n_outs++;
	colon_fp(o->sha256, fp);
	snprintf(detail, sizeof(detail), "%s %s.der, signed by '%s' (%s), SHA-256 %s", what,
	    o->name, k->label, signer_cert->cert->subject, fp);
	if ((r = engine_audit(e, ev, k->uri, o->sha256, "ok", detail)) != 0 ||
	    (r = engine_write_output(e, o, "CMS", diag)) != 0)
		return r;
	return 0;
}

/* The key, its certificate (cert=) and the CSCA's (issuer=) of a list step. */
static int
list_signer(engine_t *e, const clv_script_step_t *st, key_state_t **k, output_state_t **sc,
    output_state_t **csca, clv_diag_t *diag)
{
	const char *kname = clv_script_param(st, "key");
	int r;

	if ((r = engine_need_hsm(e, st, 1, diag)) != 0)
		return r;
	if ((*k = engine_find_key(e, kname)) == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': key '%s' was not generated",
		    e->script->path, st->line, st->id, kname);
	if ((*sc = engine_find_output(e, clv_script_param(st, "cert"))) == NULL || (*sc)->cert == NULL ||
	    (*csca = engine_find_output(e, clv_script_param(st, "issuer"))) == NULL ||
	    (*csca)->cert == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': the signer's and the "
		    "CSCA's certificates must be issued by earlier steps", e->script->path, st->line,
		    st->id);
	return 0;
}

static int
step_sign_master_list(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	const char *include = clv_script_param(st, "include");
	key_state_t *k;
	output_state_t *mls, *csca, *o;
	clv_buf_t *certs = NULL, content = { NULL, 0 };
	size_t n = 0, i;
	int r, adopted;

	if ((r = list_signer(e, st, &k, &mls, &csca, diag)) != 0)
		return r;
	if ((o = engine_new_output(e, clv_script_param(st, "output"), "master-list")) == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "too many outputs in one ceremony");
	if ((r = adopt_signed_list(e, mls, o, CLV_OID_ICAO_MASTER_LIST, "Master List", &adopted,
	    diag)) != 0 || adopted)
		return r;
	if ((certs = calloc(MAX_ML_CERTS, sizeof(*certs))) == NULL)
		return CLV_E_NOMEM;
	if ((r = clv_buf_set(&certs[n++], csca->der.data, csca->der.len)) != 0)
		goto out;
	if (include != NULL && (r = read_included(e, st, include, certs, &n, MAX_ML_CERTS,
	    diag)) != 0)
		goto out;
	if ((r = clv_cms_ml_content(certs, n, &content, diag)) != 0)
		goto out;
	if ((r = engine_intent(e, st, "intent-sign-ml", "label=%s certificates=%zu", k->label, n)) != 0)
		goto out;
	if ((r = sign_list(e, k, mls, csca, o, CLV_OID_ICAO_MASTER_LIST, &content,
	    CLV_EV_MASTER_LIST_SIGNED, "CSCA Master List", diag)) != 0)
		goto out;
	snprintf(e->summary, sizeof(e->summary), "Master List %s.der, %zu certificates", o->name, n);
out:
	for (i = 0; certs != NULL && i < n; i++)
		clv_buf_free(&certs[i]);
	free(certs);
	clv_buf_free(&content);
	return r;
}

/* The Deviation List (Doc 9303-12 section 10) of the deviations= file. */
static int
step_sign_deviation_list(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	const char *name = clv_script_param(st, "deviations");
	key_state_t *k;
	output_state_t *dls, *csca, *o;
	clv_buf_t content = { NULL, 0 };
	clv_dl_t *dl = NULL;
	char path[PATH_MAX], digest[65];
	size_t i;
	int r, adopted;

	if ((r = list_signer(e, st, &k, &dls, &csca, diag)) != 0)
		return r;
	if (clv_cert_ext(dls->cert, "2.5.29.37") == NULL ||
	    strcmp(k->tmpl.profile, "dls") != 0)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': key '%s' is not a "
		    "Deviation List Signer (template profile dls, EKU 2.23.136.1.1.8)",
		    e->script->path, st->line, st->id, k->name);
	if ((o = engine_new_output(e, clv_script_param(st, "output"), "deviation-list")) == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "too many outputs in one ceremony");
	if ((r = adopt_signed_list(e, dls, o, CLV_OID_ICAO_DEVIATION_LIST, "Deviation List",
	    &adopted, diag)) != 0 || adopted)
		return r;
	if ((r = engine_read_input(e, name, path, digest, diag)) != 0)
		return r;
	if ((r = clv_deviations_load(path, e->script->dir, &dl, diag)) != 0)
		return r;
	for (i = 0; i < dl->n_deviations; i++) {
		const clv_dl_documents_t *doc = &dl->deviations[i].documents;

		/* a country lists deviations of its own documents only */
		if (doc->dsc_kind == CLV_DL_DSC_ISSUER_SERIAL &&
		    (doc->dsc_issuer.len != csca->cert->subject_der.len ||
		    memcmp(doc->dsc_issuer.data, csca->cert->subject_der.data,
		    doc->dsc_issuer.len) != 0)) {
			r = clv_diag_set(diag, CLV_E_POLICY, "%s: deviation %zu: dsc: the Document "
			    "Signer certificate was not issued by the CSCA %s; nothing was signed",
			    path, i + 1, csca->cert->subject);
			goto out;
		}
	}
	for (i = 0; i < dl->n_deviations; i++)
		engine_say(e, CLV_MSG_INFO, "deviation %zu: %s%s%s", i + 1,
		    dl->deviations[i].descriptions[0].deviation_type,
		    dl->deviations[i].descriptions[0].description ? ", " : "",
		    dl->deviations[i].descriptions[0].description ?
		    dl->deviations[i].descriptions[0].description : "");
	if ((r = clv_cms_dl_content(dl, &content, diag)) != 0)
		goto out;
	if ((r = engine_intent(e, st, "intent-sign-dl", "label=%s deviations=%zu inputs=%s", k->label,
	    dl->n_deviations, digest)) != 0)
		goto out;
	if ((r = sign_list(e, k, dls, csca, o, CLV_OID_ICAO_DEVIATION_LIST, &content,
	    CLV_EV_DEVIATION_LIST_SIGNED, "Deviation List", diag)) != 0)
		goto out;
	snprintf(e->summary, sizeof(e->summary), "Deviation List %s.der, %zu deviation%s",
	    o->name, dl->n_deviations, dl->n_deviations == 1 ? "" : "s");
out:
	clv_cms_dl_free(dl);
	clv_buf_free(&content);
	return r;
}

/*
 * The revocations a CRL step brings (revocations= names the list, see
 * revoke.h): each must be a certificate this key issued, not revoked yet,
 * revoked no later than the CRL's thisUpdate and not before the certificate
 * was issued.  A refusal names the serial and signs nothing.  digest is the
 * list file's SHA-256 in hex ("" without a list), fixed in the intent.
 */
static int
crl_new_revocations(engine_t *e, const clv_script_step_t *st, const key_state_t *k,
    time_t this_update, clv_revocation_t **out, size_t *n_out, char digest[65],
    clv_diag_t *diag)
{
	const char *name = clv_script_param(st, "revocations");
	clv_revocation_t *v = NULL, old;
	clv_object_record_t cert;
	char path[PATH_MAX], when[21], issued[21];
	size_t n = 0, i;
	int found, r;

	*out = NULL;
	*n_out = 0;
	digest[0] = '\0';
	if (name == NULL)
		return 0;
	if ((r = engine_read_input(e, name, path, digest, diag)) != 0)
		return r;
	if ((r = clv_revocations_load(path, &v, &n, diag)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		clv_time_format(v[i].revoked, when);
		r = clv_store_cert_find(e->store, k->label, v[i].serial_hex, &cert);
		if (r == CLV_E_DB_NOT_FOUND) {
			r = clv_diag_set(diag, CLV_E_POLICY, "%s: [revoke %s]: the key '%s' issued "
			    "no certificate with this serial; nothing was signed", path,
			    v[i].serial_hex, k->label);
			goto out;
		}
		if (r != 0 ||
		    (r = clv_store_revocation_find(e->store, k->label, v[i].serial_hex, &old,
		    &found)) != 0) {
			r = clv_diag_set(diag, r, "store: cannot look up serial %s", v[i].serial_hex);
			goto out;
		}
		if (found) {
			clv_time_format(old.revoked, issued);
			r = clv_diag_set(diag, CLV_E_POLICY, "%s: [revoke %s]: already revoked as "
			    "of %s (%s); every CRL of the key lists it; nothing was signed", path,
			    v[i].serial_hex, issued, old.reason);
			goto out;
		}
		if (v[i].revoked > this_update) {
			r = clv_diag_set(diag, CLV_E_POLICY, "%s: [revoke %s]: date %s is after the "
			    "CRL's thisUpdate; a revocation is recorded once it has happened; "
			    "nothing was signed", path, v[i].serial_hex, when);
			goto out;
		}
		if (v[i].revoked < cert.not_before) {
			clv_time_format(cert.not_before, issued);
			r = clv_diag_set(diag, CLV_E_POLICY, "%s: [revoke %s]: date %s is before the "
			    "certificate's notBefore %s; nothing was signed", path, v[i].serial_hex,
			    when, issued);
			goto out;
		}
		v[i].recorded = this_update;
		engine_say(e, CLV_MSG_INFO, "revoking serial %s (%s) as of %s: %s",
		    v[i].serial_hex, cert.subject, when, v[i].reason);
	}
	*out = v;
	*n_out = n;
	v = NULL;
	r = 0;
out:
	free(v);
	return r;
}

/* A serial's big-endian octets from the store's hex (odd length allowed). */
static int
serial_octets(const char *hex, clv_buf_t *out)
{
	char even[42];

	snprintf(even, sizeof(even), "%s%s", strlen(hex) % 2 ? "0" : "", hex);
	return clv_unhex(even, out);
}

static int
step_issue_crl(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	const char *kname = clv_script_param(st, "key");
	const char *cname = clv_script_param(st, "cert");
	const char *oname = clv_script_param(st, "output");
	const char *nstr = clv_script_param(st, "next_update");
	key_state_t *k;
	output_state_t *issuer, *o;
	clv_crl_request_t req;
	clv_duration_t interval;
	clv_buf_t tbs = { NULL, 0 };
	clv_lint_result_t lr;
	clv_crl_t *crl = NULL;
	clv_object_record_t rec;
	clv_duration_t ninety = { 0, 0, 90 };
	unsigned char num[8];
	char num_hex[17], fp[96], detail[1024];
	uint64_t last = 0, next;
	clv_revocation_t *fresh = NULL, *stored = NULL;
	clv_buf_t *serials = NULL;
	time_t *dates = NULL;
	size_t n_fresh = 0, n_stored = 0, n_all = 0, i, nlen;
	char digest[65];
	int r;

	if ((r = engine_need_hsm(e, st, 1, diag)) != 0)
		return r;
	if ((k = engine_find_key(e, kname)) == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': key '%s' was not generated",
		    e->script->path, st->line, st->id, kname);
	if ((issuer = engine_find_output(e, cname)) == NULL || issuer->cert == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT,
		    "%s:%u: step '%s': certificate '%s' was not issued by an earlier step",
		    e->script->path, st->line, st->id, cname);
	if (!issuer->cert->has_ski)
		return clv_diag_set(diag, CLV_E_POLICY, "step '%s': issuer certificate '%s' has no "
		    "subjectKeyIdentifier for the CRL's authorityKeyIdentifier", st->id, cname);
	if ((o = engine_new_output(e, oname, "crl")) == NULL)
		return clv_diag_set(diag, CLV_E_SCRIPT, "too many outputs in one ceremony");
	interval = clv_duration_is_zero(&k->tmpl.crl_next_update) ? ninety :
	    k->tmpl.crl_next_update;
	if (nstr != NULL && clv_duration_parse(nstr, &interval) != 0)
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': next_update '%s': "
		    "expected a duration such as 90d", e->script->path, st->line, st->id, nstr);

	/* strictly increasing CRL numbers per issuing key */
	if ((r = clv_store_crl_number_last(e->store, k->label, &last)) != 0)
		return clv_diag_set(diag, r, "store: cannot read the last CRL number");
	next = last + 1;
	memset(&req, 0, sizeof(req));
	req.this_update = clv_clock_now(e->clock);
	if (e->resuming && e->resume[e->cur].intent) {
		resume_step_t *rs = &e->resume[e->cur];
		unsigned char sha[32];
		char nh[24];

		snprintf(nh, sizeof(nh), "%llx", (unsigned long long)rs->number);
		if (clv_store_object_by_serial(e->store, "crl", k->label, nh, sha) == 0)
			return adopt_output(e, st, o, sha, diag);
		if (rs->number != last + 1)
			return clv_diag_set(diag, CLV_E_POLICY, "step '%s': resuming: the journal's CRL "
			    "number %llu is not the next one (%llu); the journal is not trusted",
			    st->id, (unsigned long long)rs->number, (unsigned long long)(last + 1));
		if ((r = engine_resume_time_ok(e, st, rs->when, diag)) != 0)
			return r;
		next = rs->number;
		req.this_update = rs->when;
		if ((r = crl_new_revocations(e, st, k, req.this_update, &fresh, &n_fresh, digest,
		    diag)) != 0)
			return r;
		if (strcmp(digest, rs->inputs) != 0) {
			r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': resuming: the revocation "
			    "list is not the one the interrupted run was about to sign; nothing was "
			    "signed", st->id);
			goto out;
		}
		engine_say(e, CLV_MSG_INFO, "resuming: CRL number %llu was about to be signed; "
		    "signing it now with the same number and time", (unsigned long long)next);
	} else {
		if ((r = crl_new_revocations(e, st, k, req.this_update, &fresh, &n_fresh, digest,
		    diag)) != 0)
			return r;
		if ((r = engine_intent(e, st, "intent-sign-crl", "label=%s number=%llu when=%lld%s%s",
		    k->label, (unsigned long long)next, (long long)req.this_update,
		    digest[0] ? " inputs=" : "", digest)) != 0)
			goto out;
	}

	/* every revocation of the key so far, then the new ones */
	if ((r = clv_store_revocations(e->store, k->label, &stored, &n_stored)) != 0) {
		r = clv_diag_set(diag, r, "store: cannot read the revocations of '%s'", k->label);
		goto out;
	}
	n_all = n_stored + n_fresh;
	if (n_all > 0 && ((serials = calloc(n_all, sizeof(*serials))) == NULL ||
	    (dates = calloc(n_all, sizeof(*dates))) == NULL)) {
		r = CLV_E_NOMEM;
		goto out;
	}
	for (i = 0; i < n_all; i++) {
		const clv_revocation_t *rv = i < n_stored ? &stored[i] : &fresh[i - n_stored];

		if ((r = serial_octets(rv->serial_hex, &serials[i])) != 0)
			goto out;
		dates[i] = rv->revoked;
	}
	req.n_revoked = n_all;
	req.revoked_serials = serials;
	req.revocation_dates = dates;
	for (i = 0; i < sizeof(num); i++)
		num[i] = (unsigned char)(next >> (8 * (sizeof(num) - 1 - i)));
	for (i = 0; i + 1 < sizeof(num) && num[i] == 0; i++)
		;
	nlen = sizeof(num) - i;

	req.issuer_name = &issuer->cert->subject_der;
	req.issuer_key_id = &issuer->cert->ski;
	if ((r = clv_issue_sigalg(&k->tmpl, k->pub, &req.sigalg)) != 0)
		goto out;
	req.next_update = clv_duration_add(req.this_update, &interval);
	req.crl_number = num + i;
	req.crl_number_len = nlen;
	if ((r = clv_issue_tbs_crl(&req, &tbs)) != 0) {
		r = clv_diag_set(diag, r, "step '%s': cannot build the CRL", st->id);
		goto out;
	}
	if ((r = clv_lint_crl_tbs(tbs.data, tbs.len, &ninety, &issuer->cert->subject_der,
	    &issuer->cert->ski, &lr)) != 0) {
		r = engine_lint_or_refuse(e, st, "CRL", r, &lr, diag);
		goto out;
	}
	if ((r = sign_checked(e, st, k, &req.sigalg, &tbs, issuer->cert->pubkey, o, &crl,
	    diag)) != 0)
		goto out;
	clv_engine_checkpoint("result-sign-crl");

	clv_hex(num + i, nlen, num_hex);
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.kind, sizeof(rec.kind), "crl");
	snprintf(rec.issuer_label, sizeof(rec.issuer_label), "%s", k->label);
	snprintf(rec.serial_hex, sizeof(rec.serial_hex), "%s", num_hex);
	snprintf(rec.subject, sizeof(rec.subject), "%s", crl->issuer);
	rec.created = req.this_update;
	rec.not_before = req.this_update;
	rec.not_after = req.next_update;
	colon_fp(o->sha256, fp);
	snprintf(detail, sizeof(detail), "CSCA CRL number %llu, %zu revoked, SHA-256 %s",
	    (unsigned long long)next, crl->n_revoked, fp);
	if ((r = record_output_revoking(e, o, &rec, k, CLV_EV_CRL_ISSUED, detail, NULL, fresh,
	    n_fresh, diag)) != 0)
		goto out;
	snprintf(e->summary, sizeof(e->summary), "CRL %s.der number %llu, %zu revoked (%zu new)",
	    oname, (unsigned long long)next, n_all, n_fresh);
out:
	if (serials != NULL)
		for (i = 0; i < n_all; i++)
			clv_buf_free(&serials[i]);
	free(serials);
	free(dates);
	free(fresh);
	free(stored);
	clv_crl_free(crl);
	clv_buf_free(&tbs);
	return r;
}

static int
step_show_fingerprints(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	char fp[96], what[256];
	size_t i;

	for (i = 0; i < e->n_keys; i++) {
		colon_fp(e->keys[i].spki_sha256, fp);
		snprintf(what, sizeof(what), "key %s (SubjectPublicKeyInfo)", e->keys[i].label);
		if (e->ui->fingerprint != NULL)
			e->ui->fingerprint(e->ctx, what, fp);
	}
	for (i = 0; i < e->n_outs; i++) {
		colon_fp(e->outs[i].sha256, fp);
		snprintf(what, sizeof(what), "%s %s.%s", e->outs[i].kind, e->outs[i].name,
		    e->outs[i].cv != NULL ? "cvcert" : "der");
		if (e->ui->fingerprint != NULL)
			e->ui->fingerprint(e->ctx, what, fp);
	}
	snprintf(e->summary, sizeof(e->summary), "%zu key and %zu output fingerprints shown",
	    e->n_keys, e->n_outs);
	return 0;
}

static int
step_witness_ack(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	snprintf(e->summary, sizeof(e->summary), "acknowledged by %s", e->actors);
	return engine_audit(e, CLV_EV_WITNESS_ACK, NULL, NULL, "ok", st->title);
}

/* The administrator confirms the machine's UTC time against an agreed
 * source; every time in the outputs comes from this clock. */
static int
step_clock_check(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	const char *role = clv_script_param(st, "role") ? clv_script_param(st, "role") :
	    "administrator";
	time_t now = clv_clock_now(e->clock);
	char who[128] = "", t[21], detail[256];
	int r;

	clv_time_format(now, t);
	if (e->ui->clock_check == NULL)
		return clv_diag_set(diag, CLV_E_USAGE, "this front-end cannot check the clock");
	r = e->ui->clock_check(e->ctx, role, now, who, sizeof(who));
	if (r != 0 || who[0] == '\0') {
		snprintf(detail, sizeof(detail), "machine clock %s refused", t);
		engine_audit(e, CLV_EV_CLOCK_CHECKED, NULL, NULL, "refused", detail);
		return clv_diag_set(diag, CLV_E_NOT_CONFIRMED, "step '%s': the %s did not confirm "
		    "the machine's time %s; set the clock and start again", st->id, role, t);
	}
	snprintf(e->actors, sizeof(e->actors), "%s=%s", role, who);
	snprintf(detail, sizeof(detail), "machine clock %s confirmed against the agreed source", t);
	snprintf(e->summary, sizeof(e->summary), "clock %s confirmed by %s", t, who);
	return engine_audit(e, CLV_EV_CLOCK_CHECKED, NULL, NULL, "ok", detail);
}

/* The transcript's last record, then the ceremony key's signature over its head. */
static int
step_close_transcript(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	clv_sigalg_t alg = { CLV_KEY_EC, CLV_HASH_SHA256, 0, CLV_HASH_NONE, 0 };
	clv_buf_t text = { NULL, 0 }, sig = { NULL, 0 }, spki = { NULL, 0 };
	clv_pubkey_t *key = NULL;
	unsigned char head[32], fp[32];
	char hex[65], fph[96], detail[256];
	uint64_t seq = 0;
	int r;

	if ((r = engine_need_hsm(e, st, 1, diag)) != 0)
		return r;
	if (e->transcript == NULL || clv_transcript_is_closed(e->transcript))
		return clv_diag_set(diag, CLV_E_POLICY, "step '%s': no open transcript", st->id);
	if ((r = clv_hsm_pubkey(e->hsm, CLV_CEREMONY_KEY_LABEL, &key)) != 0) {
		r = clv_diag_set(diag, r, "step '%s': token '%s' has no ceremony key '%s' to sign "
		    "the transcript with (token-init makes it)", st->id, e->token.label,
		    CLV_CEREMONY_KEY_LABEL);
		goto out;
	}
	clv_pubkey_to_spki(key, 0, &spki);
	clv_sha256(spki.data, spki.len, fp);
	clv_hex_colon(fp, 32, fph);
	snprintf(detail, sizeof(detail), "signed by the ceremony key of token %s, SubjectPublicKeyInfo "
	    "SHA-256 %s", e->token.serial, fph);
	if ((r = clv_transcript_seal(e->transcript, clv_clock_now(e->clock), detail)) != 0) {
		r = clv_diag_set(diag, r, "step '%s': cannot close the transcript", st->id);
		goto out;
	}
	clv_transcript_head(e->transcript, head, &seq);
	if ((r = clv_transcript_signed_text(head, seq, &text)) != 0 ||
	    (r = clv_hsm_sign(e->hsm, CLV_CEREMONY_KEY_LABEL, &alg, text.data, text.len,
	    &sig)) != 0) {
		r = clv_diag_set(diag, r, "step '%s': the ceremony key did not sign the transcript: %s",
		    st->id, clv_strerror(r));
		goto out;
	}
	if ((r = clv_verify(key, &alg, text.data, text.len, sig.data, sig.len)) != 0) {
		r = clv_diag_set(diag, r, "step '%s': the transcript signature does not verify",
		    st->id);
		goto out;
	}
	if ((r = clv_transcript_close(e->transcript, clv_clock_now(e->clock), &sig, key, diag)) != 0)
		goto out;
	clv_hex(head, 32, hex);
	if (e->ui->transcript_head != NULL)
		e->ui->transcript_head(e->ctx, hex);
	snprintf(detail, sizeof(detail), "transcript %s/%s closed at record %llu, head SHA-256 %s",
	    e->o->out_dir, CLV_TRANSCRIPT_FILE, (unsigned long long)seq, hex);
	engine_say(e, CLV_MSG_OUTPUT, "%s", detail);
	snprintf(e->summary, sizeof(e->summary), "transcript closed at record %llu",
	    (unsigned long long)seq);
	r = engine_audit(e, CLV_EV_TRANSCRIPT_CLOSED, NULL, head, "ok", detail);
out:
	clv_pubkey_free(key);
	clv_buf_free(&text);
	clv_buf_free(&sig);
	clv_buf_free(&spki);
	return r;
}

/* What the step will do, its inputs and outputs, shown before it runs. */
static void
describe_step(engine_t *e, const clv_script_step_t *st, char *out, size_t outlen)
{
	const char *o = clv_script_param(st, "output");
	size_t i, used;
	int n;

	n = snprintf(out, outlen, "%s [%s]", st->title, clv_action_name(st->action));
	used = n > 0 ? (size_t)n : 0;
	for (i = 0; i < st->n_params && used < outlen; i++) {
		n = snprintf(out + used, outlen - used, "%s %s=%s", i ? "," : ";",
		    st->params[i].key, st->params[i].value);
		used += n > 0 ? (size_t)n : 0;
	}
	if (o != NULL && used < outlen)
		snprintf(out + used, outlen - used, "; writes %s/%s.der and %s/%s.pem",
		    e->o->out_dir, o, e->o->out_dir, o);
}

static int
confirm_step(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	char who[128] = "";
	int r;

	e->actors[0] = '\0';
	if (st->confirm[0] == '\0')
		return 0;
	if (e->ui->confirm == NULL)
		return clv_diag_set(diag, CLV_E_NOT_CONFIRMED, "no way to ask for confirmation");
	r = e->ui->confirm(e->ctx, st, st->confirm, who, sizeof(who));
	if (r != 0 || who[0] == '\0') {
		engine_audit(e, CLV_EV_STEP_FAILED, NULL, NULL, "not confirmed", st->id);
		return clv_diag_set(diag, CLV_E_NOT_CONFIRMED,
		    "step '%s': the %s did not confirm", st->id, st->confirm);
	}
	snprintf(e->actors, sizeof(e->actors), "%s=%s", st->confirm, who);
	return engine_audit(e, CLV_EV_STEP_CONFIRMED, NULL, NULL, "ok", st->id);
}

static int
run_step(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	switch (st->action) {
	case CLV_ACT_CHECK_TOKEN:
		return step_check_token(e, st, diag);
	case CLV_ACT_LOGIN:
		return step_login(e, st, diag);
	case CLV_ACT_GENERATE_KEY:
		return step_generate_key(e, st, diag);
	case CLV_ACT_ISSUE_SELF_SIGNED:
	case CLV_ACT_ISSUE_CERT:
	case CLV_ACT_ISSUE_LINK:
		return step_issue_certificate(e, st, diag);
	case CLV_ACT_SIGN_MASTER_LIST:
		return step_sign_master_list(e, st, diag);
	case CLV_ACT_SIGN_DEVIATION_LIST:
		return step_sign_deviation_list(e, st, diag);
	case CLV_ACT_ISSUE_CVCA:
		return engine_step_issue_cvca(e, st, diag);
	case CLV_ACT_ISSUE_CV_LINK:
		return engine_step_issue_cv_link(e, st, diag);
	case CLV_ACT_SIGN_DV:
		return engine_step_sign_dv(e, st, diag);
	case CLV_ACT_USE_KEY:
		return step_use_key(e, st, diag);
	case CLV_ACT_EXPORT_BUNDLE:
		return step_export_bundle(e, st, diag);
	case CLV_ACT_ISSUE_DS:
		return step_issue_ds(e, st, diag);
	case CLV_ACT_ISSUE_CRL:
		return step_issue_crl(e, st, diag);
	case CLV_ACT_SHOW_FINGERPRINTS:
		return step_show_fingerprints(e, st, diag);
	case CLV_ACT_WITNESS_ACK:
		return step_witness_ack(e, st, diag);
	case CLV_ACT_LOGOUT:
		return step_logout(e, st, diag);
	case CLV_ACT_INIT_TOKEN:
		return engine_step_init_token(e, st, diag);
	case CLV_ACT_QUORUM_LOGIN:
		return engine_step_quorum_login(e, st, diag);
	case CLV_ACT_RESHARE:
		return engine_step_reshare(e, st, diag);
	case CLV_ACT_CLOCK_CHECK:
		return step_clock_check(e, st, diag);
	case CLV_ACT_CLOSE_TRANSCRIPT:
		return step_close_transcript(e, st, diag);
	default:
		return clv_diag_set(diag, CLV_E_SCRIPT, "%s:%u: step '%s': unknown action",
		    e->script->path, st->line, st->id);
	}
}

/* SHA256SUMS (sha256sum -c compatible) and a printable summary. */
static int
write_closing_files(engine_t *e, clv_diag_t *diag)
{
	char path[PATH_MAX], hex[65], fp[96], line[1024], t[21];
	clv_buf_t sums = { NULL, 0 }, sum = { NULL, 0 };
	size_t i;
	int r = 0, n;
	FILE *ms = NULL, *mt = NULL;
	char *sbuf = NULL, *tbuf = NULL;
	size_t slen = 0, tlen = 0;

	(void)sums;
	(void)sum;
	if ((ms = open_memstream(&sbuf, &slen)) == NULL ||
	    (mt = open_memstream(&tbuf, &tlen)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	clv_time_format(clv_clock_now(e->clock), t);
	fprintf(mt, "%sConclave ceremony %s\nscript: %s (%s)\nfinished: %s\n",
	    e->o->rehearsal ? "REHEARSAL - NOT FOR PRODUCTION\n" : "", e->ceremony_id,
	    e->script->name, e->script->path, t);
	if (e->have_token)
		fprintf(mt, "token: %s serial %s (%s %s)\n", e->token.label, e->token.serial,
		    e->token.manufacturer, e->token.model);
	for (i = 0; i < e->n_keys; i++) {
		char desc[64];
		clv_pubkey_describe(e->keys[i].pub, desc, sizeof(desc));
		colon_fp(e->keys[i].spki_sha256, fp);
		fprintf(mt, "\nkey %s (%s)\n  uri: %s\n  SubjectPublicKeyInfo SHA-256:\n  %s\n",
		    e->keys[i].label, desc, e->keys[i].uri, fp);
	}
	for (i = 0; i < e->n_outs; i++) {
		output_state_t *o = &e->outs[i];
		clv_buf_t pem = { NULL, 0 };
		unsigned char psha[32];
		const char *base;

		if (o->der_path[0] == '\0')
			continue;   /* brought in (use-key), not written here */
		clv_hex(o->sha256, 32, hex);
		base = strrchr(o->der_path, '/') ? strrchr(o->der_path, '/') + 1 : o->der_path;
		fprintf(ms, "%s  %s\n", hex, base);
		if (o->cv == NULL) {
			/* X.509 outputs have a PEM copy beside the DER */
			if ((r = clv_file_read(o->pem_path, 1 << 20, &pem, diag)) != 0)
				goto out;
			clv_sha256(pem.data, pem.len, psha);
			clv_buf_free(&pem);
			clv_hex(psha, 32, hex);
			base = strrchr(o->pem_path, '/') ? strrchr(o->pem_path, '/') + 1 :
			    o->pem_path;
			fprintf(ms, "%s  %s\n", hex, base);
		}
		colon_fp(o->sha256, fp);
		base = strrchr(o->der_path, '/') ? strrchr(o->der_path, '/') + 1 : o->der_path;
		fprintf(mt, "\n%s %s\n  SHA-256: %s\n", o->kind, base, fp);
		if (o->cert != NULL) {
			char nb[21], na[21];
			clv_time_format(o->cert->not_before, nb);
			clv_time_format(o->cert->not_after, na);
			fprintf(mt, "  subject: %s\n  valid: %s to %s\n", o->cert->subject, nb, na);
		}
	}
	{
		int64_t seq = 0;
		unsigned char head[32];
		char hhex[65];
		if (clv_audit_head(e->store, &seq, head) == 0) {
			clv_hex(head, 32, hhex);
			fprintf(mt, "\naudit trail at closing: record %lld\n  SHA-256 %s\n"
			    "(compare with `conclave audit verify`: a trail cut short after this\n"
			    "record would show an earlier head)\n", (long long)seq, hhex);
		}
	}
	{
		static const char *const tfiles[] = { CLV_TRANSCRIPT_FILE, CLV_TRANSCRIPT_SIG,
		    CLV_TRANSCRIPT_KEY };
		size_t k;
		for (k = 0; k < sizeof(tfiles) / sizeof(tfiles[0]); k++) {
			clv_buf_t tb = { NULL, 0 };
			unsigned char tsha[32];
			snprintf(path, sizeof(path), "%s/%s", e->o->out_dir, tfiles[k]);
			if (!clv_transcript_is_closed(e->transcript) ||
			    clv_file_read(path, 16u << 20, &tb, NULL) != 0)
				continue;
			clv_sha256(tb.data, tb.len, tsha);
			clv_buf_free(&tb);
			clv_hex(tsha, 32, hex);
			fprintf(ms, "%s  %s\n", hex, tfiles[k]);
		}
		if (!clv_transcript_is_closed(e->transcript))
			fprintf(mt, "\nTRANSCRIPT NOT CLOSED: the script has no close-transcript step; "
			    "its transcript cannot be verified\n");
	}
	fclose(ms);
	ms = NULL;
	fclose(mt);
	mt = NULL;
	snprintf(path, sizeof(path), "%s/SHA256SUMS", e->o->out_dir);
	if ((r = clv_file_write_new(path, sbuf, slen, 0644, diag)) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/summary.txt", e->o->out_dir);
	if ((r = clv_file_write_new(path, tbuf, tlen, 0644, diag)) != 0)
		goto out;
	n = snprintf(line, sizeof(line), "wrote %s/SHA256SUMS and %s/summary.txt",
	    e->o->out_dir, e->o->out_dir);
	(void)n;
	engine_say(e, CLV_MSG_OUTPUT, "%s", line);
out:
	if (ms != NULL)
		fclose(ms);
	if (mt != NULL)
		fclose(mt);
	free(sbuf);
	free(tbuf);
	return r;
}

static void
engine_cleanup(engine_t *e)
{
	size_t i;

	if (e->hsm != NULL) {
		if (e->logged_in)
			clv_hsm_logout(e->hsm);
		clv_hsm_close(e->hsm);
	}
	engine_quorum_cleanup(e);
	drop_pending(e);
	free(e->pending);
	clv_transcript_free(e->transcript);
	clv_secret_free(e->rehearsal_pin);
	if (e->rehearsal_dir[0] != '\0')
		remove_tree(e->rehearsal_dir);
	for (i = 0; i < e->n_keys; i++)
		clv_pubkey_free(e->keys[i].pub);
	for (i = 0; i < MAX_OUTPUTS; i++) {
		clv_buf_free(&e->outs[i].der);
		clv_cert_free(e->outs[i].cert);
		engine_cv_free(e->outs[i].cv);
	}
	clv_store_close(e->store);
	clv_script_free(e->script);
}

static resume_step_t *
resume_slot(engine_t *e, const char *id, size_t idlen)
{
	size_t i;

	for (i = 0; i < e->script->n_steps; i++)
		if (strlen(e->script->steps[i].id) == idlen &&
		    strncmp(e->script->steps[i].id, id, idlen) == 0)
			return &e->resume[i];
	return NULL;
}

/* A "key=value" word of an intent's detail. */
static int
intent_field(const char *detail, const char *key, char *out, size_t outlen)
{
	size_t kl = strlen(key);
	const char *p = detail, *end;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == detail || p[-1] == ' ') && p[kl] == '=') {
			p += kl + 1;
			end = strchr(p, ' ');
			snprintf(out, outlen, "%.*s", (int)(end ? (size_t)(end - p) : strlen(p)), p);
			return 0;
		}
		p += kl;
	}
	return -1;
}

static int
resume_record(void *ctx, const clv_transcript_record_t *rec)
{
	engine_t *e = ctx;
	resume_step_t *rs;
	const char *p;
	char v[128];

	if (strcmp(rec->event, "transcript-opened") == 0)
		snprintf(e->resume_script_sha, sizeof(e->resume_script_sha), "%s", rec->object);
	if (strcmp(rec->event, "bundle-imported") == 0 &&
	    e->n_resume_imports < sizeof(e->resume_imports) / sizeof(e->resume_imports[0])) {
		clv_buf_t b = { NULL, 0 };

		if (clv_unhex(rec->object, &b) == 0 && b.len == 32)
			memcpy(e->resume_imports[e->n_resume_imports++], b.data, 32);
		clv_buf_free(&b);
	}
	if (strcmp(rec->event, "transcript-opened") == 0 &&
	    (p = strstr(rec->detail, "; ceremony ")) != NULL) {
		p += strlen("; ceremony ");
		snprintf(e->ceremony_id, sizeof(e->ceremony_id), "%.*s",
		    (int)strcspn(p, ";"), p);
	} else if (strcmp(rec->event, "step-done") == 0 &&
	    (p = strchr(rec->detail, ':')) != NULL) {
		if ((rs = resume_slot(e, rec->detail, (size_t)(p - rec->detail))) != NULL)
			rs->done = 1;
	} else if (strcmp(rec->event, "intent") == 0 &&
	    intent_field(rec->detail, "step", v, sizeof(v)) == 0 &&
	    (rs = resume_slot(e, v, strlen(v))) != NULL) {
		rs->intent = 1;
		if (intent_field(rec->detail, "label", v, sizeof(v)) == 0)
			snprintf(rs->label, sizeof(rs->label), "%s", v);
		if (intent_field(rec->detail, "serial", v, sizeof(v)) == 0)
			snprintf(rs->serial, sizeof(rs->serial), "%s", v);
		if (intent_field(rec->detail, "number", v, sizeof(v)) == 0)
			rs->number = strtoull(v, NULL, 10);
		if (intent_field(rec->detail, "when", v, sizeof(v)) == 0)
			rs->when = (time_t)strtoll(v, NULL, 10);
		if (intent_field(rec->detail, "inputs", v, sizeof(v)) == 0)
			snprintf(rs->inputs, sizeof(rs->inputs), "%s", v);
	}
	return 0;
}

/* Reads the interrupted run's transcript and continues it. */
static int
resume_open(engine_t *e, clv_diag_t *diag)
{
	char detail[1024], done[512] = "";
	size_t i, used = 0, torn = 0;
	unsigned char head[32];
	uint64_t seq = 0;
	int r;

	if (e->o->rehearsal)
		return clv_diag_set(diag, CLV_E_POLICY, "a rehearsal cannot be resumed: its "
		    "throwaway token went with it; start the rehearsal again in a new directory");
	if ((r = clv_transcript_repair(e->o->out_dir, &torn, diag)) != 0)
		return r;
	if ((r = clv_transcript_records(e->o->out_dir, resume_record, e, diag)) != 0)
		return r;
	if ((r = clv_transcript_open(e->o->out_dir, &e->transcript, diag)) != 0)
		return r;
	if (e->ceremony_id[0] == '\0')
		return clv_diag_set(diag, CLV_E_FORMAT, "%s/%s: names no ceremony", e->o->out_dir,
		    CLV_TRANSCRIPT_FILE);
	e->resuming = 1;
	for (i = 0; i < e->script->n_steps; i++)
		if (e->resume[i].done)
			used += (size_t)snprintf(done + used, used < sizeof(done) ? sizeof(done) - used :
			    0, "%s%s", used ? ", " : "", e->script->steps[i].id);
	clv_transcript_head(e->transcript, head, &seq);
	snprintf(detail, sizeof(detail), "the previous run stopped after transcript record %llu%s; "
	    "steps done: %s", (unsigned long long)seq, torn ? " (a torn last line, cut by the "
	    "interruption, was dropped)" : "", used ? done : "none");
	if ((r = engine_audit(e, CLV_EV_CEREMONY_INTERRUPTED, NULL, NULL, "interrupted",
	    detail)) != 0)
		return r;
	engine_say(e, CLV_MSG_WARN, "resuming ceremony %s: %s", e->ceremony_id, detail);
	return 0;
}

int
clv_engine_run(const clv_engine_opts_t *opts, const clv_engine_ui_t *ui, void *ctx,
    clv_diag_t *diag)
{
	engine_t *e = NULL;
	char store_path[PATH_MAX], t[21], plan[2048], detail[4096];
	clv_buf_t script_text = { NULL, 0 };
	unsigned char script_sha[32];
	size_t i;
	int r = CLV_E_INTERNAL, started = 0;

	if (opts == NULL || ui == NULL || opts->script_path == NULL || opts->out_dir == NULL)
		return CLV_E_INVALID_ARG;
	if (!opts->rehearsal && opts->store_path == NULL)
		return clv_diag_set(diag, CLV_E_USAGE,
		    "a production ceremony needs the store: pass --store FILE");
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return CLV_E_NOMEM;
	e->o = opts;
	e->ui = ui;
	e->ctx = ctx;
	clv_clock_system(&e->sysclock);
	e->clock = opts->clock != NULL ? opts->clock : &e->sysclock;

	if ((r = clv_script_load(opts->script_path, &e->script, diag)) != 0)
		goto out;
	if ((r = clv_file_read(opts->script_path, 1 << 20, &script_text, diag)) != 0)
		goto out;
	clv_sha256(script_text.data, script_text.len, script_sha);
	/* every template is read before the HSM is touched */
	for (i = 0; i < e->script->n_steps; i++) {
		const char *tn = clv_script_param(&e->script->steps[i], "template");
		clv_template_t probe;
		if (tn != NULL && (r = engine_load_template(e, tn, &probe, diag)) != 0)
			goto out;
	}
	if ((r = ensure_out_dir(e, diag)) != 0)
		goto out;
	if (!opts->resume && (r = check_outputs_free(e, diag)) != 0) {
		char tp[PATH_MAX];
		snprintf(tp, sizeof(tp), "%s/%s", opts->out_dir, CLV_TRANSCRIPT_FILE);
		if (r == CLV_E_OUTPUT_EXISTS && clv_file_exists(tp)) {
			clv_transcript_t *probe = NULL;
			clv_diag_t pd;
			if (clv_transcript_open(opts->out_dir, &probe, &pd) == 0)
				r = clv_diag_set(diag, CLV_E_OUTPUT_EXISTS, "%s: a ceremony was "
				    "interrupted here: run the same command again with --resume to "
				    "continue it", opts->out_dir);
			clv_transcript_free(probe);
		}
		goto out;
	}
	if (opts->store_path != NULL)
		snprintf(store_path, sizeof(store_path), "%s", opts->store_path);
	else
		snprintf(store_path, sizeof(store_path), "%s/rehearsal-store.db", opts->out_dir);
	if ((r = clv_store_open(store_path, 1, &e->store, diag)) != 0)
		goto out;

	clv_time_format(clv_clock_now(e->clock), t);
	if (opts->resume) {
		char now_sha[65];
		if ((r = resume_open(e, diag)) != 0)
			goto out;
		clv_hex(script_sha, 32, now_sha);
		if (strcmp(now_sha, e->resume_script_sha) != 0) {
			r = clv_diag_set(diag, CLV_E_POLICY, "%s: the interrupted ceremony ran another "
			    "script (SHA-256 %.16s..., now %.16s...); it is resumed only with the same "
			    "one", opts->script_path, e->resume_script_sha, now_sha);
			goto out;
		}
	} else {
		snprintf(e->ceremony_id, sizeof(e->ceremony_id), "%s%s-%s",
		    opts->rehearsal ? "rehearsal-" : "", e->script->name, t);
	}
	clv_hex(script_sha, 32, plan);
	snprintf(detail, sizeof(detail), "script %s sha256 %s%s", opts->script_path, plan,
	    opts->rehearsal ? "; REHEARSAL" : "");
	if (!opts->resume && (r = clv_transcript_create(opts->out_dir, e->ceremony_id,
	    opts->script_path, script_sha, opts->rehearsal, clv_clock_now(e->clock),
	    &e->transcript, diag)) != 0)
		goto out;
	if ((r = engine_audit(e, opts->resume ? CLV_EV_CEREMONY_RESUMED : CLV_EV_CEREMONY_STARTED,
	    NULL, script_sha, "ok", detail)) != 0) {
		r = clv_diag_set(diag, r, "cannot write the audit trail in %s", store_path);
		goto out;
	}
	started = 1;
	engine_say(e, CLV_MSG_INFO, "%sceremony %s: %s (%zu steps)",
	    opts->rehearsal ? "REHEARSAL " : "", e->ceremony_id, e->script->title,
	    e->script->n_steps);

	for (i = 0; i < e->script->n_steps; i++) {
		const clv_script_step_t *st = &e->script->steps[i];

		e->cur = i;
		describe_step(e, st, plan, sizeof(plan));
		if (ui->step_begin != NULL)
			ui->step_begin(ctx, i, e->script->n_steps, st, plan);
		e->summary[0] = '\0';
		if ((r = confirm_step(e, st, diag)) != 0)
			goto out;
		if (diag != NULL)
			diag->msg[0] = '\0';
		if ((r = run_step(e, st, diag)) != 0) {
			char decision[512] = "the ceremony stops";
			if (diag != NULL && diag->msg[0] == '\0')
				clv_diag_set(diag, r, "step '%s' (%s) failed: %s", st->id,
				    clv_action_name(st->action), clv_strerror(r));
			/* an exception: expected, happened, decided -- all recorded */
			if (ui->exception != NULL)
				ui->exception(ctx, st, plan, diag ? diag->msg : clv_strerror(r),
				    decision, sizeof(decision));
			{
				char ex[4096];
				snprintf(ex, sizeof(ex), "step %s: expected: %s; happened: %s; decided: %s",
				    st->id, plan, diag ? diag->msg : clv_strerror(r), decision);
				engine_audit(e, CLV_EV_EXCEPTION, NULL, NULL, clv_strerror(r), ex);
			}
			engine_audit(e, CLV_EV_STEP_FAILED, NULL, NULL, clv_strerror(r), diag ? diag->msg : st->id);
			if (ui->step_end != NULL)
				ui->step_end(ctx, st, r, diag ? diag->msg : clv_strerror(r));
			goto out;
		}
		snprintf(detail, sizeof(detail), "%s: %s => %s", st->id, plan, e->summary);
		if ((r = engine_audit(e, CLV_EV_STEP_DONE, NULL, NULL, "ok", detail)) != 0)
			goto out;
		if (ui->step_end != NULL)
			ui->step_end(ctx, st, 0, e->summary);
	}
	e->actors[0] = '\0';
	if ((r = write_closing_files(e, diag)) != 0)
		goto out;
	if ((r = engine_audit(e, CLV_EV_CEREMONY_FINISHED, NULL, NULL, "ok", NULL)) == 0) {
		int64_t seq = 0;
		unsigned char head[32];
		char hhex[65];
		if (clv_audit_head(e->store, &seq, head) == 0) {
			clv_hex(head, 32, hhex);
			engine_say(e, CLV_MSG_OUTPUT, "audit trail head: record %lld SHA-256 %s",
			    (long long)seq, hhex);
		}
	}
out:
	if (r != 0 && started) {
		e->actors[0] = '\0';
		engine_audit(e, CLV_EV_CEREMONY_ABORTED, NULL, NULL, clv_strerror(r),
		    diag != NULL ? diag->msg : NULL);
	}
	clv_buf_free(&script_text);
	engine_cleanup(e);
	free(e);
	return r;
}
