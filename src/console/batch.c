/*
 * Batch front-end: the same engine as the console, with every answer taken
 * from an answers file (see conclave(1)) and progress printed as lines.
 */
#include "config.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
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

int
batch_load(batch_t *b, const char *path, clv_diag_t *diag)
{
	static const char *const known[] = { "confirm", "login", "labels" };
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
		if (k == sizeof(known) / sizeof(known[0]) || s->arg[0] != '\0') {
			r = clv_diag_set(diag, CLV_E_ANSWERS,
			    "%s:%u: unknown section [%s%s%s]: expected [confirm], [login] or [labels]",
			    path, s->line, s->name, s->arg[0] ? " " : "", s->arg);
			batch_free(b);
			return r;
		}
	}
	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(b->answers_dir, sizeof(b->answers_dir), "%s", dirname(tmp));
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
					found |= sc->steps[k].action == CLV_ACT_GENERATE_KEY &&
					    strcmp(clv_script_param(&sc->steps[k], "key"), e->key) == 0;
			} else if (strcmp(s->name, "login") == 0) {
				found = strcmp(e->key, "pin_file") == 0;
			}
			if (!found)
				r = clv_diag_set(diag, CLV_E_ANSWERS,
				    "%s:%u: [%s] %s: the script %s asks for no such answer "
				    "(expected: %s)", b->answers->path, e->line, s->name, e->key,
				    sc->name, strcmp(s->name, "confirm") == 0 ?
				    "a role of its [roles]" : strcmp(s->name, "labels") == 0 ?
				    "a key its generate-key steps name" : "pin_file");
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
	clv_diag_t d;
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
	printf("      fingerprint %s\n        SHA-256 %s\n", what, fp);
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
}
