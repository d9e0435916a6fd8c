/*
 * The engine's quorum steps: initialising a token with M-of-N shares of its
 * user and SO PINs, quorum login, and the two-phase re-share.
 *
 * The token's PINs are 32 random bytes each, used as 64 hex characters.  They
 * exist only in locked memory: while the token is initialised, while they are
 * dealt into shares, and between the M-th share and C_Login.  Each share is
 * sealed to its officer and written to the officer's medium, then opened
 * again from the medium before the ceremony goes on.  Each share set's public
 * descriptor is signed by the token's ceremony key and kept in the store.
 *
 * Re-share, always with a new PIN (so the old shares die with the old set):
 *   1. deal, seal, write and verify the new shares     (checkpoint reshare-sealed)
 *   2. record the new set as pending                   (checkpoint reshare-prepared)
 *   3. C_SetPIN(old, new)                              (checkpoint reshare-pin-changed)
 *   4. retire the old set, activate the new            (checkpoint reshare-committed)
 * A crash before 3 leaves the old PIN, so only the old shares log in (and
 * the pending set is abandoned at that login); a crash after 3 leaves the new
 * PIN, so only the new shares log in (and that login completes step 4).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "engine_int.h"
#include "seal.h"
#include "sigalg.h"
#include "verify.h"

#define CEREMONY_KEY_LABEL CLV_CEREMONY_KEY_LABEL
#define MAX_OFFICERS CLV_QUORUM_MAX_SHARES

__attribute__((noinline)) void
clv_engine_checkpoint(const char *name)
{
	/* a named point for tests to stop at; it does nothing else */
	clv_debug("checkpoint %s", name);
	__asm__ volatile("" ::: "memory");
}

/* ---- officers ------------------------------------------------------------- */

static int
officer_count(engine_t *e, clv_officer_t *out, size_t max, size_t *n, clv_diag_t *diag)
{
	size_t i;
	int r;

	*n = 0;
	if (e->ui->officer == NULL)
		return clv_diag_set(diag, CLV_E_USAGE, "this front-end enrols no officers");
	for (i = 0; i <= max; i++) {
		clv_officer_t o;
		memset(&o, 0, sizeof(o));
		r = e->ui->officer(e->ctx, i, &o);
		if (r == CLV_E_DB_NOT_FOUND)
			break;
		if (r != 0)
			return clv_diag_set(diag, r, "cannot read officer %zu: %s", i + 1,
			    clv_strerror(r));
		if (i == max)
			return clv_diag_set(diag, CLV_E_POLICY, "more than %zu officers enrolled",
			    max);
		out[i] = o;
	}
	*n = i;
	return 0;
}

static const clv_officer_t *
officer_by_id(const clv_officer_t *all, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(all[i].id, id) == 0)
			return &all[i];
	return NULL;
}

/* The officer's medium: relative paths live inside the output directory. */
static void
share_dir(engine_t *e, const clv_officer_t *o, char *out, size_t outlen)
{
	if (o->share_dir[0] == '/')
		snprintf(out, outlen, "%s", o->share_dir);
	else if (o->share_dir[0] != '\0')
		snprintf(out, outlen, "%s/%s", e->o->out_dir, o->share_dir);
	else
		snprintf(out, outlen, "%s/shares/%s", e->o->out_dir, o->id);
}

static int
mkdir_p(const char *path)
{
	char tmp[PATH_MAX], *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* The officer's card: its module loaded, its token selected; logged in when
 * pin != NULL (unsealing), not when sealing (only the public key is used). */
static int
open_card(engine_t *e, const clv_officer_t *o, int login, clv_hsm_t **out, clv_diag_t *diag)
{
	clv_secret_t *pin = NULL;
	clv_hsm_t *h = NULL;
	int r;

	*out = NULL;
	if ((r = clv_hsm_open(o->card_module[0] ? o->card_module : e->o->module_path, &h,
	    diag)) != 0)
		goto out;
	if ((r = clv_hsm_select(h, o->card_token, diag)) != 0) {
		r = clv_diag_set(diag, r, "officer '%s' (%s): card '%s': %s", o->name, o->id,
		    o->card_token, diag ? diag->msg : clv_strerror(r));
		goto out;
	}
	if (login) {
		if ((r = e->ui->officer_secret(e->ctx, o, "card PIN", &pin)) != 0) {
			r = clv_diag_set(diag, r, "officer '%s' (%s): no card PIN given", o->name,
			    o->id);
			goto out;
		}
		if ((r = clv_hsm_login(h, pin)) != 0) {
			r = clv_diag_set(diag, r, "officer '%s' (%s): card '%s' refuses the PIN: %s",
			    o->name, o->id, o->card_token, clv_strerror(r));
			goto out;
		}
	}
	*out = h;
	h = NULL;
out:
	clv_secret_free(pin);
	clv_hsm_close(h);
	return r;
}

static const char *
seal_name(clv_seal_kind_t k)
{
	return k == CLV_SEAL_CARD ? "card" : k == CLV_SEAL_PASSPHRASE ? "passphrase" : "none";
}

/* ---- dealing ---------------------------------------------------------------- */

static void
share_file_path(engine_t *e, const clv_officer_t *o, const clv_share_set_t *set,
    char *out, size_t outlen)
{
	char dir[PATH_MAX], id[33];

	share_dir(e, o, dir, sizeof(dir));
	clv_hex(set->set_id, 4, id);
	snprintf(out, outlen, "%s/%s-%s-%s.share", dir, set->token_serial, set->purpose, id);
}

/* Opens officer k's sealed share from the medium, as at a login. */
static int
open_share_file(engine_t *e, const clv_officer_t *o, const char *path,
    clv_sealed_info_t *info, clv_secret_t **share, clv_diag_t *diag)
{
	clv_buf_t text = { NULL, 0 };
	clv_unseal_key_t key;
	clv_secret_t *pass = NULL;
	clv_hsm_t *card = NULL;
	int r;

	memset(&key, 0, sizeof(key));
	*share = NULL;
	if ((r = clv_file_read(path, 1 << 16, &text, diag)) != 0)
		goto out;
	if ((r = clv_sealed_info(path, text.data, text.len, info, diag)) != 0)
		goto out;
	if (strcmp(info->officer_id, o->id) != 0) {
		r = clv_diag_set(diag, CLV_E_POLICY, "%s: this share belongs to officer '%s' "
		    "(%s), not to '%s' (%s) who presents it", path, info->officer_name,
		    info->officer_id, o->name, o->id);
		goto out;
	}
	if (info->seal == CLV_SEAL_CARD) {
		if ((r = open_card(e, o, 1, &card, diag)) != 0)
			goto out;
		key.card = card;
		key.card_key_label = o->card_key;
	} else {
		if ((r = e->ui->officer_secret(e->ctx, o, "passphrase", &pass)) != 0) {
			r = clv_diag_set(diag, r, "officer '%s' (%s): no passphrase given", o->name,
			    o->id);
			goto out;
		}
		key.passphrase = pass;
	}
	r = clv_unseal_share(path, text.data, text.len, &key, info, share, diag);
out:
	clv_secret_free(pass);
	clv_hsm_close(card);
	clv_buf_free(&text);
	return r;
}

/* The ceremony key's signature over a descriptor (needs the user login). */
static int
sign_descriptor(engine_t *e, const clv_buf_t *text, clv_buf_t *sig, clv_diag_t *diag)
{
	clv_sigalg_t alg = { CLV_KEY_EC, CLV_HASH_SHA256, 0, CLV_HASH_NONE, 0 };
	int r;

	if ((r = clv_hsm_sign(e->hsm, CEREMONY_KEY_LABEL, &alg, text->data, text->len, sig)) != 0)
		return clv_diag_set(diag, r, "the ceremony key '%s' did not sign the share set: %s",
		    CEREMONY_KEY_LABEL, clv_strerror(r));
	return 0;
}

/* Checks a stored set's signature with the token's ceremony key and decodes it. */
static int
load_set(engine_t *e, const clv_share_set_record_t *rec, clv_share_set_t *set,
    clv_diag_t *diag)
{
	clv_sigalg_t alg = { CLV_KEY_EC, CLV_HASH_SHA256, 0, CLV_HASH_NONE, 0 };
	clv_pubkey_t *pub = NULL;
	char what[96];
	int r;

	if ((r = clv_hsm_pubkey(e->hsm, rec->signer_label, &pub)) != 0) {
		r = clv_diag_set(diag, r, "token '%s' has no ceremony key '%s' to check share set "
		    "%.8s with", e->token.label, rec->signer_label, rec->set_id_hex);
		goto out;
	}
	if ((r = clv_verify(pub, &alg, rec->descriptor.data, rec->descriptor.len,
	    rec->signature.data, rec->signature.len)) != 0) {
		r = clv_diag_set(diag, CLV_E_INTEGRITY, "share set %.8s in the store does not carry "
		    "a valid signature of token '%s''s ceremony key: the store was altered",
		    rec->set_id_hex, e->token.label);
		goto out;
	}
	snprintf(what, sizeof(what), "share set %.8s", rec->set_id_hex);
	if ((r = clv_share_set_decode(what, rec->descriptor.data, rec->descriptor.len, set,
	    diag)) != 0)
		goto out;
	if (strcmp(set->token_serial, e->token.serial) != 0) {
		r = clv_diag_set(diag, CLV_E_INTEGRITY, "share set %.8s belongs to token serial %s, "
		    "not to this token (%s)", rec->set_id_hex, set->token_serial, e->token.serial);
		goto out;
	}
out:
	clv_pubkey_free(pub);
	return r;
}

/*
 * Deals secret to the officers of roster into a new set of purpose with
 * threshold m; seals and writes every share to its officer's medium, opens
 * each again from the medium, then signs the descriptor and records it in
 * state.  On success set holds the descriptor.
 */
static int
deal_set(engine_t *e, const char *purpose, const clv_secret_t *secret, unsigned m,
    const clv_officer_t *roster, size_t n, const char *state, clv_share_set_t *set,
    clv_diag_t *diag)
{
	clv_secret_t *shares = NULL, *back = NULL, *pass = NULL;
	clv_hsm_t *card = NULL;
	clv_buf_t file = { NULL, 0 }, text = { NULL, 0 }, sig = { NULL, 0 };
	clv_share_set_record_t rec;
	clv_sealed_info_t info;
	clv_unseal_key_t key;
	char path[PATH_MAX], dir[PATH_MAX], detail[1024], names[1024] = "";
	size_t k, used = 0;
	int r;

	memset(set, 0, sizeof(*set));
	memset(&rec, 0, sizeof(rec));
	snprintf(set->purpose, sizeof(set->purpose), "%s", purpose);
	snprintf(set->token_serial, sizeof(set->token_serial), "%s", e->token.serial);
	snprintf(set->token_label, sizeof(set->token_label), "%s", e->token.label);
	set->threshold = m;
	set->count = (unsigned)n;
	set->created = clv_clock_now(e->clock);
	for (k = 0; k < n; k++) {
		snprintf(set->officers[k].id, sizeof(set->officers[k].id), "%s", roster[k].id);
		snprintf(set->officers[k].name, sizeof(set->officers[k].name), "%s", roster[k].name);
		set->officers[k].seal = roster[k].seal;
		if (roster[k].seal != CLV_SEAL_CARD)
			continue;
		/* the card's identity is part of the signed descriptor */
		if ((r = open_card(e, &roster[k], 0, &card, diag)) != 0)
			return r;
		r = clv_hsm_card_identity(card, roster[k].card_key, set->officers[k].card,
		    sizeof(set->officers[k].card));
		clv_hsm_close(card);
		card = NULL;
		if (r != 0)
			return clv_diag_set(diag, r, "officer '%s' (%s): card '%s' has no key '%s'",
			    roster[k].name, roster[k].id, roster[k].card_token, roster[k].card_key);
	}
	if ((r = clv_quorum_deal(secret, set, &shares)) != 0)
		return clv_diag_set(diag, r, "cannot deal the %s into %u-of-%zu shares: %s", purpose,
		    m, n, clv_strerror(r));

	/* seal and write each share to its officer's medium */
	for (k = 0; k < n; k++) {
		const clv_officer_t *o = &roster[k];
		clv_kdf_params_t kdf;

		memset(&key, 0, sizeof(key));
		clv_kdf_params_default(&kdf);
		if (o->seal == CLV_SEAL_CARD) {
			if ((r = open_card(e, o, 0, &card, diag)) != 0)
				goto out;
			key.card = card;
			key.card_key_label = o->card_key;
		} else {
			if ((r = e->ui->officer_secret(e->ctx, o, "passphrase", &pass)) != 0) {
				r = clv_diag_set(diag, r, "officer '%s' (%s): no passphrase given",
				    o->name, o->id);
				goto out;
			}
			key.passphrase = pass;
		}
		r = clv_seal_share(set, (unsigned)k, shares->p + k * CLV_QUORUM_SECRET_LEN,
		    CLV_QUORUM_SECRET_LEN, &key, &kdf, &file, diag);
		clv_secret_free(pass);
		pass = NULL;
		clv_hsm_close(card);
		card = NULL;
		if (r != 0)
			goto out;
		share_dir(e, o, dir, sizeof(dir));
		if (mkdir_p(dir) != 0) {
			r = clv_diag_set(diag, CLV_E_IO, "officer '%s': cannot create the share "
			    "directory %s: %s", o->name, dir, strerror(errno));
			goto out;
		}
		share_file_path(e, o, set, path, sizeof(path));
		if ((r = clv_file_write_new(path, file.data, file.len, 0600, diag)) != 0)
			goto out;
		clv_buf_free(&file);
		snprintf(detail, sizeof(detail), "%s share %u of %u (threshold %u) of set %02x%02x%02x%02x "
		    "sealed to %s %s%s%s, written to %s", purpose, set->officers[k].index, set->count,
		    set->threshold, set->set_id[0], set->set_id[1], set->set_id[2], set->set_id[3],
		    seal_name(o->seal), o->name, o->seal == CLV_SEAL_CARD ? " on card " : "",
		    o->seal == CLV_SEAL_CARD ? set->officers[k].card : "", path);
		snprintf(e->actors, sizeof(e->actors), "officer=%s", o->name);
		if ((r = engine_audit(e, CLV_EV_SHARE_SEALED, NULL, NULL, "ok", detail)) != 0)
			goto out;
		engine_say(e, CLV_MSG_OUTPUT, "%s share for %s sealed to their %s: %s", purpose,
		    o->name, seal_name(o->seal), path);
	}
	clv_engine_checkpoint(strcmp(state, "pending") == 0 ? "reshare-sealed" : "init-sealed");

	/* nobody leaves with a share that does not open: each is read back */
	for (k = 0; k < n; k++) {
		const clv_officer_t *o = &roster[k];

		share_file_path(e, o, set, path, sizeof(path));
		if ((r = open_share_file(e, o, path, &info, &back, diag)) != 0)
			goto out;
		if (!clv_share_set_check_share(set, (unsigned)k, info.index, back->p, back->len) ||
		    back->len != CLV_QUORUM_SECRET_LEN ||
		    memcmp(back->p, shares->p + k * CLV_QUORUM_SECRET_LEN, back->len) != 0) {
			r = clv_diag_set(diag, CLV_E_INTEGRITY, "%s: the share of officer '%s' read "
			    "back from the medium is not the one dealt", path, o->name);
			goto out;
		}
		clv_secret_free(back);
		back = NULL;
		snprintf(e->actors, sizeof(e->actors), "officer=%s", o->name);
		snprintf(detail, sizeof(detail), "%s share %u opened from %s and checked against "
		    "the set's commitment", purpose, set->officers[k].index, path);
		if ((r = engine_audit(e, CLV_EV_SHARE_VERIFIED, NULL, NULL, "ok", detail)) != 0)
			goto out;
		engine_say(e, CLV_MSG_INFO, "%s share of %s opened again from their medium and "
		    "checked", purpose, o->name);
		used += (size_t)snprintf(names + used, used < sizeof(names) ? sizeof(names) - used : 0,
		    "%s%s", k ? ", " : "", o->name);
	}
	e->actors[0] = '\0';

	/* the signed descriptor is what later logins trust */
	if ((r = clv_share_set_encode(set, &text)) != 0 || (r = sign_descriptor(e, &text, &sig,
	    diag)) != 0)
		goto out;
	clv_hex(set->set_id, CLV_QUORUM_SET_ID_LEN, rec.set_id_hex);
	snprintf(rec.token_serial, sizeof(rec.token_serial), "%s", set->token_serial);
	snprintf(rec.purpose, sizeof(rec.purpose), "%s", purpose);
	snprintf(rec.state, sizeof(rec.state), "%s", state);
	rec.threshold = m;
	rec.count = (unsigned)n;
	rec.created = set->created;
	rec.descriptor = text;
	rec.signature = sig;
	snprintf(rec.signer_label, sizeof(rec.signer_label), "%s", CEREMONY_KEY_LABEL);
	rec.rehearsal = e->o->rehearsal;
	snprintf(detail, sizeof(detail), "%s share set %.8s: %u of %zu officers (%s), state %s",
	    purpose, rec.set_id_hex, m, n, names, state);
	if ((r = clv_store_begin(e->store)) != 0)
		goto out;
	if ((r = clv_store_share_set_add(e->store, &rec)) != 0 ||
	    (r = engine_audit(e, strcmp(state, "pending") == 0 ? CLV_EV_RESHARE_PREPARED :
	    CLV_EV_QUORUM_DEALT, NULL, NULL, "ok", detail)) != 0 ||
	    (r = engine_commit(e)) != 0) {
		engine_rollback(e);
		r = clv_diag_set(diag, r, "store: cannot record share set %.8s: %s", rec.set_id_hex,
		    clv_strerror(r));
		goto out;
	}
	engine_say(e, CLV_MSG_INFO, "%s", detail);
	r = 0;
out:
	e->actors[0] = '\0';
	clv_secret_free(shares);
	clv_secret_free(back);
	clv_secret_free(pass);
	clv_hsm_close(card);
	clv_buf_free(&file);
	clv_buf_free(&text);
	clv_buf_free(&sig);
	return r;
}

/* 32 random bytes, from libgcrypt's strongest generator and the token's RNG
 * when there is one, xored: neither alone decides the PIN. */
static int
new_secret(engine_t *e, int token_ready, clv_secret_t **out)
{
	unsigned char mix[CLV_QUORUM_SECRET_LEN];
	clv_secret_t *s = NULL;
	size_t i;
	int r;

	*out = NULL;
	if ((r = clv_secret_new(CLV_QUORUM_SECRET_LEN, &s)) != 0)
		return r;
	clv_gcry_init();
	gcry_randomize(s->p, CLV_QUORUM_SECRET_LEN, GCRY_VERY_STRONG_RANDOM);
	s->len = CLV_QUORUM_SECRET_LEN;
	if (token_ready) {
		if ((r = clv_hsm_random(e->hsm, mix, sizeof(mix))) != 0) {
			clv_secret_free(s);
			return r;
		}
		for (i = 0; i < sizeof(mix); i++)
			s->p[i] ^= mix[i];
		explicit_bzero(mix, sizeof(mix));
	}
	*out = s;
	return 0;
}

/*
 * Initialises the token (the first uninitialised one of the module) with
 * random PINs, makes the ceremony key, and deals both PINs.
 */
static int
init_token(engine_t *e, const char *label, unsigned m, unsigned m_so, size_t n_expected,
    clv_diag_t *diag)
{
	clv_officer_t all[MAX_OFFICERS];
	clv_secret_t *user = NULL, *so = NULL, *user_pin = NULL, *so_pin = NULL;
	clv_keyspec_t ks = { CLV_KEY_EC, CLV_CURVE_P256, 0 };
	clv_pubkey_t *pub = NULL;
	clv_share_set_t set;
	size_t n = 0, i;
	char detail[512], uri[512];
	int r;

	if ((r = officer_count(e, all, MAX_OFFICERS, &n, diag)) != 0)
		return r;
	if (n_expected != 0 && n != n_expected)
		return clv_diag_set(diag, CLV_E_POLICY, "the script asks for %zu officers; %zu are "
		    "enrolled", n_expected, n);
	if (n < m_so || m < 2 || m_so < m)
		return clv_diag_set(diag, CLV_E_POLICY, "a %u-of-%zu user PIN and a %u-of-%zu SO "
		    "PIN cannot be dealt (need 2 <= threshold <= so_threshold <= officers)", m, n,
		    m_so, n);
	for (i = 0; i < n; i++)
		if (all[i].seal == CLV_SEAL_NONE)
			return clv_diag_set(diag, CLV_E_POLICY, "officer '%s' (%s) has no seal: "
			    "expected passphrase or card", all[i].name, all[i].id);

	if ((r = new_secret(e, 0, &user)) != 0 || (r = new_secret(e, 0, &so)) != 0 ||
	    (r = clv_quorum_pin_text(user, &user_pin)) != 0 ||
	    (r = clv_quorum_pin_text(so, &so_pin)) != 0)
		goto out;
	if ((r = clv_hsm_init_token(e->hsm, label, so_pin, user_pin, diag)) != 0)
		goto out;
	if ((r = clv_hsm_token_info(e->hsm, &e->token)) != 0)
		goto out;
	e->have_token = 1;
	snprintf(detail, sizeof(detail), "token label=%s serial=%s initialised with random "
	    "64-hex-character user and SO PINs%s", e->token.label, e->token.serial,
	    e->o->rehearsal ? " (rehearsal: throwaway SoftHSM token)" : "");
	if ((r = engine_audit(e, CLV_EV_TOKEN_INITIALIZED, e->token.uri, NULL, "ok", detail)) != 0)
		goto out;
	engine_say(e, CLV_MSG_INFO, "%s", detail);

	/* the ceremony key signs share sets (and, later, transcripts and bundles) */
	if ((r = clv_hsm_login(e->hsm, user_pin)) != 0) {
		r = clv_diag_set(diag, r, "cannot log in to the new token: %s", clv_strerror(r));
		goto out;
	}
	e->logged_in = 1;
	if ((r = clv_hsm_generate(e->hsm, CEREMONY_KEY_LABEL, &ks, &pub, diag)) != 0)
		goto out;
	clv_hsm_key_uri(e->hsm, CEREMONY_KEY_LABEL, uri, sizeof(uri));
	if ((r = engine_audit(e, CLV_EV_KEY_GENERATED, uri, NULL, "ok",
	    "ceremony key (EC P-256): signs share sets, transcripts and bundles")) != 0)
		goto out;

	if ((r = deal_set(e, "user-pin", user, m, all, n, "active", &set, diag)) != 0)
		goto out;
	if ((r = deal_set(e, "so-pin", so, m_so, all, n, "active", &set, diag)) != 0)
		goto out;
	if (e->o->rehearsal) {
		/* a rehearsal script may still use a plain login step */
		e->rehearsal_pin = user_pin;
		user_pin = NULL;
	}
	r = clv_hsm_logout(e->hsm);
	e->logged_in = 0;
	snprintf(e->summary, sizeof(e->summary), "token '%s' serial %s: user PIN %u of %zu, "
	    "SO PIN %u of %zu officers", e->token.label, e->token.serial, m, n, m_so, n);
out:
	clv_pubkey_free(pub);
	clv_secret_free(user);
	clv_secret_free(so);
	clv_secret_free(user_pin);
	clv_secret_free(so_pin);
	return r;
}

int
engine_step_init_token(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	unsigned m = (unsigned)atoi(clv_script_param(st, "threshold"));
	unsigned m_so = (unsigned)atoi(clv_script_param(st, "so_threshold"));
	size_t n = (size_t)atoi(clv_script_param(st, "officers"));
	char label[33];
	int r;

	if (e->hsm == NULL) {
		if (e->o->rehearsal)
			r = engine_rehearsal_store(e, diag);
		else
			r = clv_hsm_open(e->o->module_path, &e->hsm, diag);
		if (r != 0)
			return r;
	}
	snprintf(label, sizeof(label), "%s%s", e->o->rehearsal ? "REHEARSAL " : "",
	    clv_script_param(st, "label"));
	return init_token(e, label, m, m_so, n, diag);
}

int
engine_rehearsal_quorum(engine_t *e, clv_diag_t *diag)
{
	clv_officer_t all[MAX_OFFICERS];
	unsigned m = 2, m_so = 2;
	size_t n = 0;
	char label[33];
	int r;

	if ((r = officer_count(e, all, MAX_OFFICERS, &n, diag)) != 0)
		return r;
	if (e->ui->rehearsal_quorum != NULL)
		e->ui->rehearsal_quorum(e->ctx, &m, &m_so);
	if (n < 2)
		return clv_diag_set(diag, CLV_E_POLICY, "a rehearsal token is initialised with a "
		    "quorum: enrol at least two officers (%zu enrolled)", n);
	snprintf(label, sizeof(label), "REHEARSAL %.22s", e->script->name);
	if ((r = init_token(e, label, m, m_so, 0, diag)) != 0)
		return r;
	e->have_token = 0;  /* the script's check-token step selects it */
	return 0;
}

/* ---- quorum login ------------------------------------------------------------ */

/* Finds officer o's share file for this token and purpose on their medium:
 * of several, the one of the pending set, else of the active one. */
static int
find_share_file(engine_t *e, const clv_officer_t *o, const char *purpose, char *out,
    size_t outlen, clv_diag_t *diag)
{
	char dir[PATH_MAX], prefix[96], best[PATH_MAX] = "";
	int best_rank = 0;
	DIR *d;
	struct dirent *de;

	share_dir(e, o, dir, sizeof(dir));
	snprintf(prefix, sizeof(prefix), "%s-%s-", e->token.serial, purpose);
	if ((d = opendir(dir)) == NULL)
		return clv_diag_set(diag, CLV_E_FILE_NOT_FOUND, "officer '%s' (%s): medium %s "
		    "cannot be read: %s", o->name, o->id, dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		clv_buf_t text = { NULL, 0 };
		clv_sealed_info_t info;
		clv_share_set_record_t rec;
		char id[33];
		int rank = 0;
		size_t l = strlen(de->d_name);

		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 || l < 6 ||
		    strcmp(de->d_name + l - 6, ".share") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (clv_file_read(path, 1 << 16, &text, NULL) != 0)
			continue;
		if (clv_sealed_info(path, text.data, text.len, &info, NULL) == 0) {
			clv_hex(info.set_id, CLV_QUORUM_SET_ID_LEN, id);
			memset(&rec, 0, sizeof(rec));
			/* a pending set first: after a re-share that changed the PIN it
			 * is the only one that opens; if it never did, its login fails,
			 * the set is abandoned and the active one is used next time */
			if (clv_store_share_set_by_id(e->store, id, &rec) == 0)
				rank = strcmp(rec.state, "pending") == 0 ? 2 :
				    strcmp(rec.state, "active") == 0 ? 1 : 0;
			clv_store_share_set_free(&rec);
		}
		clv_buf_free(&text);
		if (rank > best_rank || best[0] == '\0') {
			if (rank > best_rank || best_rank == 0)
				snprintf(best, sizeof(best), "%s", path);
			if (rank > best_rank)
				best_rank = rank;
		}
	}
	closedir(d);
	if (best[0] == '\0')
		return clv_diag_set(diag, CLV_E_FILE_NOT_FOUND, "officer '%s' (%s) has no %s share "
		    "for token serial %s on their medium %s", o->name, o->id, purpose,
		    e->token.serial, dir);
	snprintf(out, outlen, "%s", best);
	return 0;
}

static void
refused(engine_t *e, const clv_officer_t *o, const char *why)
{
	snprintf(e->actors, sizeof(e->actors), "officer=%s", o != NULL ? o->name : "unknown");
	engine_audit(e, CLV_EV_SHARE_REFUSED, NULL, NULL, "refused", why);
	e->actors[0] = '\0';
	engine_say(e, CLV_MSG_WARN, "share refused: %s", why);
}

/*
 * After a login with a pending set the PIN was changed: finish the re-share.
 * After a login with the active set while a pending one waits: the PIN was
 * never changed, so the pending set can never log in: abandon it.
 */
static int
settle_reshare(engine_t *e, const char *purpose, const char *used_state,
    const char *used_id, clv_diag_t *diag)
{
	clv_share_set_record_t other;
	char detail[256];
	int r;

	memset(&other, 0, sizeof(other));
	if (strcmp(used_state, "pending") == 0) {
		r = clv_store_share_set_find(e->store, e->token.serial, purpose, "active", &other);
		if (r != 0 && r != CLV_E_DB_NOT_FOUND)
			return r;
		if ((r = clv_store_begin(e->store)) != 0)
			goto out;
		snprintf(detail, sizeof(detail), "%s share set %.8s active, %.8s retired: the "
		    "re-share interrupted after its PIN change is complete", purpose, used_id,
		    other.set_id_hex[0] ? other.set_id_hex : "(none)");
		if ((other.set_id_hex[0] != '\0' &&
		    (r = clv_store_share_set_state(e->store, other.set_id_hex, "retired")) != 0) ||
		    (r = clv_store_share_set_state(e->store, used_id, "active")) != 0 ||
		    (r = engine_audit(e, CLV_EV_RESHARE_COMMITTED, NULL, NULL, "ok", detail)) != 0 ||
		    (r = engine_commit(e)) != 0) {
			engine_rollback(e);
			goto out;
		}
		snprintf(e->quorum_state, sizeof(e->quorum_state), "active");
		engine_say(e, CLV_MSG_INFO, "%s", detail);
	} else {
		r = clv_store_share_set_find(e->store, e->token.serial, purpose, "pending", &other);
		if (r == CLV_E_DB_NOT_FOUND) {
			r = 0;
			goto out;
		}
		if (r != 0)
			goto out;
		snprintf(detail, sizeof(detail), "%s share set %.8s abandoned: the re-share that "
		    "prepared it never changed the PIN; its shares can never log in", purpose,
		    other.set_id_hex);
		if ((r = clv_store_begin(e->store)) != 0)
			goto out;
		if ((r = clv_store_share_set_state(e->store, other.set_id_hex, "abandoned")) != 0 ||
		    (r = engine_audit(e, CLV_EV_RESHARE_ABANDONED, NULL, NULL, "ok", detail)) != 0 ||
		    (r = engine_commit(e)) != 0) {
			engine_rollback(e);
			goto out;
		}
		engine_say(e, CLV_MSG_WARN, "%s", detail);
	}
out:
	if (r != 0)
		clv_diag_set(diag, r, "store: cannot settle the interrupted re-share: %s",
		    clv_strerror(r));
	clv_store_share_set_free(&other);
	return r;
}

int
engine_step_quorum_login(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	const char *purpose = clv_script_param(st, "purpose") ? clv_script_param(st, "purpose") :
	    "user-pin";
	int so = strcmp(purpose, "so-pin") == 0;
	clv_officer_t all[MAX_OFFICERS];
	clv_quorum_progress_t prog;
	clv_share_set_record_t rec;
	clv_sealed_info_t info;
	clv_secret_t *share = NULL;
	char id[64], path[PATH_MAX], set_hex[33] = "", why[1024], names[1024] = "";
	size_t n = 0, used = 0;
	unsigned attempt = 0;
	const clv_officer_t *o;
	int r;

	memset(&rec, 0, sizeof(rec));
	if ((r = engine_need_hsm(e, st, 0, diag)) != 0)
		return r;
	if (e->logged_in)
		return clv_diag_set(diag, CLV_E_POLICY, "step '%s': already logged in", st->id);
	if ((r = officer_count(e, all, MAX_OFFICERS, &n, diag)) != 0)
		return r;
	if (e->ui->next_share == NULL)
		return clv_diag_set(diag, CLV_E_USAGE, "this front-end cannot take shares");
	engine_quorum_cleanup(e);
	memset(&prog, 0, sizeof(prog));

	for (;;) {
		if (e->quorum != NULL) {
			e->quorum->ops->progress(e->quorum, &prog);
			if (prog.have >= prog.need)
				break;
		}
		r = e->ui->next_share(e->ctx, purpose, attempt++, &prog, id, sizeof(id));
		if (r != 0) {
			r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': quorum not reached: %u of "
			    "%u %s shares accepted%s%s; the token stays locked", st->id, prog.have,
			    prog.need ? prog.need : 0, purpose, prog.have ? " from " : "",
			    prog.have ? names : "");
			engine_audit(e, CLV_EV_QUORUM_FAILED, NULL, NULL, "not reached", diag->msg);
			goto out;
		}
		if ((o = officer_by_id(all, n, id)) == NULL) {
			snprintf(why, sizeof(why), "'%s' is not an enrolled officer", id);
			refused(e, NULL, why);
			continue;
		}
		if ((r = find_share_file(e, o, purpose, path, sizeof(path), diag)) != 0 ||
		    (r = open_share_file(e, o, path, &info, &share, diag)) != 0) {
			refused(e, o, diag->msg);
			clv_diag_clear(diag);
			continue;
		}
		clv_hex(info.set_id, CLV_QUORUM_SET_ID_LEN, id);
		if (e->quorum == NULL) {
			/* the first share decides which set this login uses */
			if ((r = clv_store_share_set_by_id(e->store, id, &rec)) != 0) {
				snprintf(why, sizeof(why), "%s: share set %.8s is unknown to this store",
				    path, id);
				clv_secret_free(share);
				share = NULL;
				refused(e, o, why);
				continue;
			}
			if (strcmp(rec.purpose, purpose) != 0 ||
			    (strcmp(rec.state, "active") != 0 && strcmp(rec.state, "pending") != 0)) {
				snprintf(why, sizeof(why), "%s: share set %.8s is %s: its shares no "
				    "longer open this token", path, id, rec.state);
				clv_store_share_set_free(&rec);
				clv_secret_free(share);
				share = NULL;
				refused(e, o, why);
				continue;
			}
			if ((r = load_set(e, &rec, &e->quorum_set, diag)) != 0)
				goto out;
			snprintf(e->quorum_state, sizeof(e->quorum_state), "%s", rec.state);
			snprintf(set_hex, sizeof(set_hex), "%s", id);
			clv_store_share_set_free(&rec);
			if ((r = clv_quorum_shamir_new(&e->quorum_set, &e->quorum)) != 0)
				goto out;
		} else if (strcmp(id, set_hex) != 0) {
			snprintf(why, sizeof(why), "%s: share of set %.8s, but this login uses set "
			    "%.8s", path, id, set_hex);
			clv_secret_free(share);
			share = NULL;
			refused(e, o, why);
			continue;
		}
		r = e->quorum->ops->present(e->quorum, o->id, info.index, share, diag);
		share = NULL;   /* the provider owns it now, accepted or wiped */
		if (r != 0) {
			refused(e, o, diag->msg);
			clv_diag_clear(diag);
			continue;
		}
		snprintf(e->actors, sizeof(e->actors), "officer=%s", o->name);
		e->quorum->ops->progress(e->quorum, &prog);
		snprintf(why, sizeof(why), "%s share %u of set %.8s: %u of %u", purpose, info.index,
		    set_hex, prog.have, prog.need);
		engine_audit(e, CLV_EV_SHARE_ACCEPTED, NULL, NULL, "ok", why);
		e->actors[0] = '\0';
		used += (size_t)snprintf(names + used, used < sizeof(names) ? sizeof(names) - used : 0,
		    "%s%s", used ? ", " : "", o->name);
		if (e->ui->quorum_progress != NULL)
			e->ui->quorum_progress(e->ctx, purpose, &prog);
	}

	r = e->quorum->ops->login(e->quorum, e->hsm, so, diag);
	snprintf(e->actors, sizeof(e->actors), "officers=%s", names);
	if (r != 0) {
		snprintf(why, sizeof(why), "%s set %.8s (%s): %s", purpose, set_hex, e->quorum_state,
		    clv_strerror(r));
		engine_audit(e, CLV_EV_QUORUM_FAILED, e->token.uri, NULL, clv_strerror(r), why);
		if (r == CLV_E_PIN_INCORRECT && strcmp(e->quorum_state, "pending") == 0) {
			/* its PIN was never set: nobody will log in with it */
			e->actors[0] = '\0';
			settle_reshare(e, purpose, "active", "", diag);
			r = clv_diag_set(diag, CLV_E_PIN_INCORRECT, "step '%s': share set %.8s was "
			    "prepared by a re-share that never changed the PIN; it is abandoned: "
			    "present the shares of the active set", st->id, set_hex);
		} else if (r == CLV_E_PIN_INCORRECT) {
			clv_share_set_record_t p;
			memset(&p, 0, sizeof(p));
			if (clv_store_share_set_find(e->store, e->token.serial, purpose, "pending",
			    &p) == 0)
				r = clv_diag_set(diag, CLV_E_PIN_INCORRECT, "step '%s': the token "
				    "refuses the PIN of share set %.8s: a re-share changed it to share "
				    "set %.8s, whose shares the officers now hold", st->id, set_hex,
				    p.set_id_hex);
			else
				r = clv_diag_set(diag, r, "step '%s': the token refuses the PIN rebuilt "
				    "from share set %.8s", st->id, set_hex);
			clv_store_share_set_free(&p);
		}
		goto out;
	}
	e->logged_in = 1;
	e->quorum_so = so;
	snprintf(why, sizeof(why), "%s login with %u of %u shares of set %.8s (%s)",
	    so ? "security officer" : "user", prog.have, e->quorum_set.count, set_hex,
	    e->quorum_state);
	if ((r = engine_audit(e, CLV_EV_QUORUM_LOGIN, e->token.uri, NULL, "ok", why)) != 0)
		goto out;
	e->actors[0] = '\0';
	if ((r = settle_reshare(e, purpose, e->quorum_state, set_hex, diag)) != 0)
		goto out;
	snprintf(e->summary, sizeof(e->summary), "logged in to '%s'%s by %s (%u of %u)",
	    e->token.label, so ? " as security officer" : "", names, prog.have,
	    e->quorum_set.count);
out:
	e->actors[0] = '\0';
	clv_store_share_set_free(&rec);
	clv_secret_free(share);
	if (r != 0)
		engine_quorum_cleanup(e);
	return r;
}

/* ---- re-share ------------------------------------------------------------------ */

int
engine_step_reshare(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag)
{
	const char *purpose = clv_script_param(st, "purpose") ? clv_script_param(st, "purpose") :
	    "user-pin";
	unsigned m = (unsigned)atoi(clv_script_param(st, "threshold"));
	clv_officer_t all[MAX_OFFICERS], roster[MAX_OFFICERS];
	char ids[MAX_OFFICERS][32], old_hex[33], new_hex[33], detail[512];
	clv_secret_t *old_secret = NULL, *old_pin = NULL, *secret = NULL, *pin = NULL;
	clv_share_set_t set;
	clv_share_set_record_t so_set;
	size_t n_all = 0, n = 0, i;
	const clv_officer_t *o;
	int r;

	memset(&so_set, 0, sizeof(so_set));
	if ((r = engine_need_hsm(e, st, 1, diag)) != 0)
		return r;
	if (e->quorum == NULL || strcmp(e->quorum_set.purpose, purpose) != 0)
		return clv_diag_set(diag, CLV_E_POLICY, "step '%s': a %s re-share needs a quorum "
		    "login with the %s shares first", st->id, purpose, purpose);
	if ((r = officer_count(e, all, MAX_OFFICERS, &n_all, diag)) != 0)
		return r;
	if (e->ui->roster == NULL || (r = e->ui->roster(e->ctx, purpose, ids, MAX_OFFICERS,
	    &n)) != 0)
		return clv_diag_set(diag, CLV_E_USAGE, "step '%s': no roster for the new %s shares",
		    st->id, purpose);
	for (i = 0; i < n; i++) {
		if ((o = officer_by_id(all, n_all, ids[i])) == NULL)
			return clv_diag_set(diag, CLV_E_POLICY, "step '%s': roster names '%s', who "
			    "is not an enrolled officer", st->id, ids[i]);
		roster[i] = *o;
	}
	if (m < 2 || m > n)
		return clv_diag_set(diag, CLV_E_POLICY, "step '%s': threshold %u with %zu officers: "
		    "expected 2 <= threshold <= officers", st->id, m, n);
	/* the SO PIN resets the user PIN: its quorum stays at least as large */
	if (strcmp(purpose, "user-pin") == 0 && clv_store_share_set_find(e->store,
	    e->token.serial, "so-pin", "active", &so_set) == 0 && so_set.threshold < m) {
		r = clv_diag_set(diag, CLV_E_POLICY, "step '%s': a user threshold of %u would exceed "
		    "the SO PIN's %u; re-share the SO PIN first", st->id, m, so_set.threshold);
		goto out;
	}

	clv_hex(e->quorum_set.set_id, CLV_QUORUM_SET_ID_LEN, old_hex);
	if ((r = e->quorum->ops->secret(e->quorum, &old_secret, diag)) != 0 ||
	    (r = clv_quorum_pin_text(old_secret, &old_pin)) != 0)
		goto out;
	if ((r = new_secret(e, 1, &secret)) != 0 || (r = clv_quorum_pin_text(secret, &pin)) != 0)
		goto out;

	/* phase 1: the new shares exist, open, and are recorded as pending */
	if ((r = deal_set(e, purpose, secret, m, roster, n, "pending", &set, diag)) != 0)
		goto out;
	clv_hex(set.set_id, CLV_QUORUM_SET_ID_LEN, new_hex);
	clv_engine_checkpoint("reshare-prepared");

	/* phase 2: the switch */
	if ((r = clv_hsm_set_pin(e->hsm, old_pin, pin)) != 0) {
		r = clv_diag_set(diag, r, "step '%s': the token did not change the %s: %s; the old "
		    "shares (set %.8s) still hold", st->id, purpose, clv_strerror(r), old_hex);
		goto out;
	}
	snprintf(detail, sizeof(detail), "%s changed on token %s from set %.8s to set %.8s",
	    purpose, e->token.serial, old_hex, new_hex);
	engine_audit(e, CLV_EV_PIN_CHANGED, e->token.uri, NULL, "ok", detail);
	clv_engine_checkpoint("reshare-pin-changed");
	if ((r = clv_store_begin(e->store)) != 0)
		goto out;
	snprintf(detail, sizeof(detail), "%s share set %.8s active (%u of %zu), %.8s retired",
	    purpose, new_hex, m, n, old_hex);
	if ((r = clv_store_share_set_state(e->store, old_hex, "retired")) != 0 ||
	    (r = clv_store_share_set_state(e->store, new_hex, "active")) != 0 ||
	    (r = engine_audit(e, CLV_EV_RESHARE_COMMITTED, NULL, NULL, "ok", detail)) != 0 ||
	    (r = engine_commit(e)) != 0) {
		engine_rollback(e);
		r = clv_diag_set(diag, r, "store: the %s changed but the store did not record it "
		    "(%s); the next quorum login with the new shares completes it", purpose,
		    clv_strerror(r));
		goto out;
	}
	clv_engine_checkpoint("reshare-committed");
	engine_say(e, CLV_MSG_INFO, "%s", detail);
	e->quorum_set = set;
	snprintf(e->summary, sizeof(e->summary), "%s re-shared %u of %zu (set %.8s)", purpose, m,
	    n, new_hex);
out:
	clv_store_share_set_free(&so_set);
	clv_secret_free(old_secret);
	clv_secret_free(old_pin);
	clv_secret_free(secret);
	clv_secret_free(pin);
	return r;
}

void
engine_quorum_cleanup(engine_t *e)
{
	if (e->quorum != NULL)
		e->quorum->ops->free(e->quorum);
	e->quorum = NULL;
	explicit_bzero(&e->quorum_set, sizeof(e->quorum_set));
	e->quorum_state[0] = '\0';
}
