/*
 * Batch front-end: the same engine as the console, with every answer taken
 * from an answers file (see conclave(1)) and progress printed as lines.
 */
#include "config.h"

#include <sys/stat.h>

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fingerprint.h"
#include "script.h"
#include "console.h"
#include "util.h"

static clv_conf_section_t *
section(batch_t *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->answers->n_sections; i++)
		if (strcmp(b->answers->sections[i].name, name) == 0)
			return &b->answers->sections[i];
	return NULL;
}

static int list_item(batch_t *b, const char *section_name, const char *key, unsigned n,
    char *out, size_t outlen);

int
batch_load(batch_t *b, const char *path, clv_diag_t *diag)
{
	static const char *const known[] = { "confirm", "login", "labels", "officer", "quorum",
	    "reshare", "rehearsal" };
	struct stat st;
	char tmp[512];
	size_t i, k;
	int r;

	memset(b, 0, sizeof(*b));
	if ((r = clv_conf_load(path, &b->answers, diag)) != 0)
		return r;
	for (i = 0; i < b->answers->n_sections; i++) {
		const clv_conf_section_t *s = &b->answers->sections[i];
		if (s->name[0] == '\0' && s->n_entries == 0)
			continue;
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(s->name, known[k]) == 0)
				break;
		if (k == sizeof(known) / sizeof(known[0]) ||
		    (strcmp(s->name, "officer") == 0) != (s->arg[0] != '\0')) {
			r = clv_diag_set(diag, CLV_E_ANSWERS,
			    "%s:%u: unknown section [%s%s%s]: expected [confirm], [login], [labels], "
			    "[officer ID], [quorum], [reshare] or [rehearsal]",
			    path, s->line, s->name, s->arg[0] ? " " : "", s->arg);
			batch_free(b);
			return r;
		}
	}
	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(b->answers_dir, sizeof(b->answers_dir), "%s", dirname(tmp));
	b->answers_private = stat(path, &st) == 0 && (st.st_mode & 077) == 0;
	return 0;
}

int
batch_check(batch_t *b, const char *script_path, clv_diag_t *diag)
{
	clv_script_t *sc = NULL;
	size_t i, j, k;
	int r, found;

	if ((r = clv_script_load(script_path, &sc, diag)) != 0)
		return r;
	for (i = 0; i < b->answers->n_sections && r == 0; i++) {
		const clv_conf_section_t *s = &b->answers->sections[i];
		for (j = 0; j < s->n_entries && r == 0; j++) {
			const clv_conf_entry_t *e = &s->entries[j];
			found = 0;
			if (strcmp(s->name, "confirm") == 0) {
				for (k = 0; k < sc->n_roles; k++)
					found |= strcmp(sc->roles[k].name, e->key) == 0;
			} else if (strcmp(s->name, "labels") == 0) {
				for (k = 0; k < sc->n_steps; k++)
					found |= (sc->steps[k].action == CLV_ACT_GENERATE_KEY ||
					    sc->steps[k].action == CLV_ACT_USE_KEY) &&
					    strcmp(clv_script_param(&sc->steps[k], "key"), e->key) == 0;
				if (found && (e->value[0] == '\0' || strlen(e->value) > 127)) {
					r = clv_diag_set(diag, CLV_E_ANSWERS, "%s:%u: [labels] %s: an "
					    "HSM label of 1 to 127 bytes, got %zu", b->answers->path,
					    e->line, e->key, strlen(e->value));
					break;
				}
			} else if (strcmp(s->name, "login") == 0) {
				found = strcmp(e->key, "pin_file") == 0;
			} else if (strcmp(s->name, "officer") == 0) {
				static const char *const okeys[] = { "name", "seal", "passphrase",
				    "passphrase_file", "share_dir", "card", "card_key", "card_module",
				    "card_pin", "card_pin_file", NULL };
				for (k = 0; okeys[k] != NULL; k++)
					found |= strcmp(e->key, okeys[k]) == 0;
			} else if (strcmp(s->name, "quorum") == 0) {
				found = strcmp(e->key, "present") == 0 ||
				    strcmp(e->key, "so_present") == 0;
			} else if (strcmp(s->name, "reshare") == 0) {
				found = strcmp(e->key, "officers") == 0 ||
				    strcmp(e->key, "so_officers") == 0;
			} else if (strcmp(s->name, "rehearsal") == 0) {
				found = strcmp(e->key, "threshold") == 0 ||
				    strcmp(e->key, "so_threshold") == 0;
			}
			if (!found)
				r = clv_diag_set(diag, CLV_E_ANSWERS,
				    "%s:%u: [%s] %s: the script %s asks for no such answer "
				    "(expected: %s)", b->answers->path, e->line, s->name, e->key,
				    sc->name, strcmp(s->name, "confirm") == 0 ?
				    "a role of its [roles]" : strcmp(s->name, "labels") == 0 ?
				    "a key its generate-key steps name" :
				    strcmp(s->name, "officer") == 0 ? "name, seal, passphrase, "
				    "passphrase_file, share_dir, card, card_key, card_module, card_pin, "
				    "card_pin_file" : strcmp(s->name, "quorum") == 0 ?
				    "present, so_present" : strcmp(s->name, "reshare") == 0 ?
				    "officers, so_officers" : strcmp(s->name, "rehearsal") == 0 ?
				    "threshold, so_threshold" : "pin_file");
		}
	}
	/* every officer a list names is enrolled */
	for (i = 0; i < b->answers->n_sections && r == 0; i++) {
		const clv_conf_section_t *s = &b->answers->sections[i];
		if (strcmp(s->name, "quorum") != 0 && strcmp(s->name, "reshare") != 0)
			continue;
		for (j = 0; j < s->n_entries && r == 0; j++) {
			const clv_conf_entry_t *e = &s->entries[j];
			char id[64];
			unsigned n;
			for (n = 0; list_item(b, s->name, e->key, n, id, sizeof(id)) == 0; n++) {
				size_t m;
				found = 0;
				for (m = 0; m < b->answers->n_sections; m++)
					found |= strcmp(b->answers->sections[m].name, "officer") == 0 &&
					    strcmp(b->answers->sections[m].arg, id) == 0;
				if (!found) {
					r = clv_diag_set(diag, CLV_E_ANSWERS, "%s:%u: [%s] %s: '%s' has "
					    "no [officer %s] section", b->answers->path, e->line, s->name,
					    e->key, id, id);
					break;
				}
			}
		}
	}
	clv_script_free(sc);
	return r;
}

void
batch_free(batch_t *b)
{
	clv_conf_free(b->answers);
	b->answers = NULL;
}

static int
batch_confirm(void *ctx, const clv_script_step_t *step, const char *role, char *who,
    size_t wholen)
{
	batch_t *b = ctx;
	clv_conf_section_t *s = section(b, "confirm");
	clv_conf_entry_t *e = s ? clv_conf_get(s, role) : NULL;

	if (e == NULL || e->value[0] == '\0') {
		fprintf(stderr, "conclave: %s: [confirm] names nobody for role '%s' "
		    "(needed by step '%s')\n", b->answers->path, role, step->id);
		return CLV_E_NOT_CONFIRMED;
	}
	snprintf(who, wholen, "%s", e->value);
	if (!b->quiet)
		printf("      confirmed by %s %s\n", role, e->value);
	return 0;
}

static int
batch_pin(void *ctx, const char *token_label, clv_secret_t **out)
{
	batch_t *b = ctx;
	clv_conf_section_t *s = section(b, "login");
	clv_conf_entry_t *e = s ? clv_conf_get(s, "pin_file") : NULL;
	clv_diag_t d = { "" };
	char path[1024];
	int r;

	*out = NULL;
	if (e == NULL) {
		fprintf(stderr, "conclave: %s: [login] pin_file is missing (the file holding the "
		    "user PIN of token '%s')\n", b->answers->path, token_label);
		return CLV_E_ANSWERS;
	}
	if (e->value[0] == '/')
		snprintf(path, sizeof(path), "%s", e->value);
	else
		snprintf(path, sizeof(path), "%s/%s", b->answers_dir, e->value);
	if ((r = clv_secret_read_file(path, out, &d)) != 0)
		fprintf(stderr, "conclave: %s:%u: pin_file: %s\n", b->answers->path, e->line, d.msg);
	return r;
}

static const char *
batch_key_label(void *ctx, const char *key_name)
{
	batch_t *b = ctx;
	clv_conf_section_t *s = section(b, "labels");
	clv_conf_entry_t *e = s ? clv_conf_get(s, key_name) : NULL;

	return e ? e->value : NULL;
}

static void
batch_step_begin(void *ctx, size_t index, size_t total, const clv_script_step_t *step,
    const char *plan)
{
	batch_t *b = ctx;

	if (!b->quiet)
		printf("[%zu/%zu] %s: %s\n", index + 1, total, step->id, plan);
	fflush(stdout);
}

static void
batch_step_end(void *ctx, const clv_script_step_t *step, int result, const char *summary)
{
	batch_t *b = ctx;

	if (result == 0 && !b->quiet)
		printf("      done: %s\n", summary[0] ? summary : "ok");
	else if (result != 0)
		printf("      FAILED: %s\n", clv_strerror(result));
	fflush(stdout);
}

static void
batch_message(void *ctx, clv_msg_kind_t kind, const char *text)
{
	batch_t *b = ctx;

	if (kind == CLV_MSG_ERROR)
		fprintf(stderr, "conclave: %s\n", text);
	else if (!b->quiet || kind == CLV_MSG_OUTPUT)
		printf("      %s\n", text);
	fflush(stdout);
}

static void
batch_fingerprint(void *ctx, const char *what, const char *fp)
{
	clv_buf_t b = { NULL, 0 };
	char words[512];

	printf("      fingerprint %s\n        SHA-256 %s\n", what, fp);
	if (clv_unhex(fp, &b) == 0 && clv_fp_words(b.data, b.len, words, sizeof(words)) == 0)
		printf("        words: %s\n", words);
	clv_buf_free(&b);
	fflush(stdout);
}

static clv_conf_section_t *
officer_section(batch_t *b, size_t i)
{
	size_t k, seen = 0;

	for (k = 0; k < b->answers->n_sections; k++) {
		clv_conf_section_t *s = &b->answers->sections[k];
		if (strcmp(s->name, "officer") != 0)
			continue;
		if (seen++ == i)
			return s;
	}
	return NULL;
}

static const char *
value(clv_conf_section_t *s, const char *key)
{
	clv_conf_entry_t *e = s != NULL ? clv_conf_get(s, key) : NULL;

	return e != NULL ? e->value : NULL;
}

static void
answer_path(batch_t *b, const char *v, char *out, size_t outlen)
{
	if (v[0] == '/')
		snprintf(out, outlen, "%s", v);
	else
		snprintf(out, outlen, "%s/%s", b->answers_dir, v);
}

static int
batch_officer(void *ctx, size_t i, clv_officer_t *out)
{
	batch_t *b = ctx;
	clv_conf_section_t *s = officer_section(b, i);
	const char *v;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return CLV_E_DB_NOT_FOUND;
	snprintf(out->id, sizeof(out->id), "%s", s->arg);
	snprintf(out->name, sizeof(out->name), "%s", (v = value(s, "name")) ? v : s->arg);
	v = value(s, "seal");
	if (v == NULL || strcmp(v, "passphrase") == 0) {
		out->seal = CLV_SEAL_PASSPHRASE;
	} else if (strcmp(v, "card") == 0) {
		out->seal = CLV_SEAL_CARD;
	} else {
		fprintf(stderr, "conclave: %s:%u: [officer %s] seal: expected passphrase or card, "
		    "got '%s'\n", b->answers->path, s->line, s->arg, v);
		return CLV_E_ANSWERS;
	}
	if ((v = value(s, "share_dir")) != NULL)
		snprintf(out->share_dir, sizeof(out->share_dir), "%s", v);
	if ((v = value(s, "card")) != NULL)
		snprintf(out->card_token, sizeof(out->card_token), "%s", v);
	if ((v = value(s, "card_key")) != NULL)
		snprintf(out->card_key, sizeof(out->card_key), "%s", v);
	if ((v = value(s, "card_module")) != NULL)
		snprintf(out->card_module, sizeof(out->card_module), "%s", v);
	if (out->seal == CLV_SEAL_CARD && (out->card_token[0] == '\0' || out->card_key[0] == '\0')) {
		fprintf(stderr, "conclave: %s:%u: [officer %s] a card seal needs card (the token) "
		    "and card_key (the label of the officer's EC key)\n", b->answers->path,
		    s->line, s->arg);
		return CLV_E_ANSWERS;
	}
	return 0;
}

static int
batch_officer_secret(void *ctx, const clv_officer_t *o, const char *what, clv_secret_t **out)
{
	batch_t *b = ctx;
	clv_conf_section_t *s = NULL;
	const char *inline_key = strcmp(what, "passphrase") == 0 ? "passphrase" : "card_pin";
	const char *file_key = strcmp(what, "passphrase") == 0 ? "passphrase_file" : "card_pin_file";
	const char *v;
	clv_diag_t d = { "" };
	char path[1024];
	size_t i;
	int r;

	*out = NULL;
	for (i = 0; (s = officer_section(b, i)) != NULL; i++)
		if (strcmp(s->arg, o->id) == 0)
			break;
	if (s == NULL)
		return CLV_E_ANSWERS;
	if ((v = value(s, inline_key)) != NULL) {
		/* written in the answers file: a rehearsal's, or one nobody else can read */
		if (!b->rehearsal && !b->answers_private) {
			fprintf(stderr, "conclave: %s: [officer %s] %s: a secret written in the "
			    "answers file needs the file to have no group or other access (chmod "
			    "600), or use %s\n", b->answers->path, o->id, inline_key, file_key);
			return CLV_E_POLICY;
		}
		if ((r = clv_secret_new(strlen(v) + 1, out)) != 0)
			return r;
		memcpy((*out)->p, v, strlen(v));
		(*out)->len = strlen(v);
		return 0;
	}
	if ((v = value(s, file_key)) == NULL) {
		fprintf(stderr, "conclave: %s: [officer %s] gives no %s (%s or %s)\n",
		    b->answers->path, o->id, what, inline_key, file_key);
		return CLV_E_ANSWERS;
	}
	answer_path(b, v, path, sizeof(path));
	if ((r = clv_secret_read_file(path, out, &d)) != 0)
		fprintf(stderr, "conclave: %s: [officer %s] %s: %s\n", b->answers->path, o->id,
		    file_key, d.msg);
	return r;
}

/* The n-th id of a comma-separated list in [section] key. */
static int
list_item(batch_t *b, const char *section_name, const char *key, unsigned n, char *out,
    size_t outlen)
{
	const char *v = value(section(b, section_name), key), *p, *end;
	unsigned k = 0;

	if (v == NULL)
		return CLV_E_NOT_CONFIRMED;
	for (p = v; *p; p = *end ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		if (k++ == n) {
			size_t len = (size_t)(end - p);
			while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
				len--;
			snprintf(out, outlen, "%.*s", (int)len, p);
			return 0;
		}
	}
	return CLV_E_NOT_CONFIRMED;
}

static int
batch_next_share(void *ctx, const char *purpose, unsigned attempt,
    const clv_quorum_progress_t *p, char *id, size_t idlen)
{
	batch_t *b = ctx;
	int r = list_item(b, "quorum", strcmp(purpose, "so-pin") == 0 ? "so_present" : "present",
	    attempt, id, idlen);

	if (r == 0 && !b->quiet)
		printf("      %s presents a %s share\n", id, purpose);
	return r;
}

static void
batch_quorum_progress(void *ctx, const char *purpose, const clv_quorum_progress_t *p)
{
	batch_t *b = ctx;
	unsigned i;

	if (b->quiet)
		return;
	printf("      quorum %u of %u:", p->have, p->need);
	for (i = 0; i < p->have && i < CLV_QUORUM_MAX_SHARES; i++)
		printf("%s %s", i ? "," : "", p->officers[i]);
	printf("\n");
	fflush(stdout);
}

static int
batch_roster(void *ctx, const char *purpose, char ids[][32], size_t max, size_t *n)
{
	batch_t *b = ctx;
	const char *key = strcmp(purpose, "so-pin") == 0 ? "so_officers" : "officers";

	for (*n = 0; *n < max; (*n)++)
		if (list_item(b, "reshare", key, (unsigned)*n, ids[*n], 32) != 0)
			break;
	return *n > 0 ? 0 : CLV_E_ANSWERS;
}

static void
batch_rehearsal_quorum(void *ctx, unsigned *threshold, unsigned *so_threshold)
{
	batch_t *b = ctx;
	clv_conf_section_t *s = section(b, "rehearsal");
	const char *v;

	if ((v = value(s, "threshold")) != NULL)
		*threshold = (unsigned)strtoul(v, NULL, 10);
	if ((v = value(s, "so_threshold")) != NULL)
		*so_threshold = (unsigned)strtoul(v, NULL, 10);
	else
		*so_threshold = *threshold;
}

/* In batch mode the answers file is the administrator's word: the name in
 * [confirm] for the role confirms the clock, which is printed for the record. */
static int
batch_clock_check(void *ctx, const char *role, time_t now, char *who, size_t wholen)
{
	batch_t *b = ctx;
	clv_conf_entry_t *e = section(b, "confirm") ? clv_conf_get(section(b, "confirm"), role) :
	    NULL;
	char t[21];

	clv_time_format(now, t);
	if (e == NULL || e->value[0] == '\0') {
		fprintf(stderr, "conclave: %s: [confirm] names nobody for role '%s' to confirm the "
		    "clock (%s)\n", b->answers->path, role, t);
		return CLV_E_NOT_CONFIRMED;
	}
	snprintf(who, wholen, "%s", e->value);
	if (!b->quiet)
		printf("      machine clock %s UTC, confirmed by %s %s\n", t, role, e->value);
	return 0;
}

static int
batch_exception(void *ctx, const clv_script_step_t *step, const char *expected,
    const char *happened, char *decision, size_t declen)
{
	snprintf(decision, declen, "batch mode: the ceremony stops at step '%s'", step->id);
	return 0;
}

static void
batch_transcript_head(void *ctx, const char *hex)
{
	unsigned char raw[32];
	clv_buf_t b = { NULL, 0 };
	char words[512];

	printf("      transcript head SHA-256 %s\n", hex);
	if (clv_unhex(hex, &b) == 0 && b.len == 32) {
		memcpy(raw, b.data, 32);
		if (clv_fp_words(raw, 32, words, sizeof(words)) == 0)
			printf("        words: %s\n", words);
	}
	clv_buf_free(&b);
	fflush(stdout);
}

void
batch_ui(clv_engine_ui_t *ui)
{
	memset(ui, 0, sizeof(*ui));
	ui->confirm = batch_confirm;
	ui->pin = batch_pin;
	ui->key_label = batch_key_label;
	ui->step_begin = batch_step_begin;
	ui->step_end = batch_step_end;
	ui->message = batch_message;
	ui->fingerprint = batch_fingerprint;
	ui->officer = batch_officer;
	ui->officer_secret = batch_officer_secret;
	ui->next_share = batch_next_share;
	ui->quorum_progress = batch_quorum_progress;
	ui->roster = batch_roster;
	ui->rehearsal_quorum = batch_rehearsal_quorum;
	ui->clock_check = batch_clock_check;
	ui->exception = batch_exception;
	ui->transcript_head = batch_transcript_head;
}
