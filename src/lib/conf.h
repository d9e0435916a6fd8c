/*
 * The line format shared by templates, ceremony scripts and answers files:
 *
 *   # comment
 *   [section]            or  [section argument]
 *   key = value          value may be "quoted" (\" and \\ escapes)
 *
 * Every entry remembers its file and line, so errors name both.  A key given
 * twice in one section is an error; so is a second section with the same name
 * and argument (a name may repeat with different arguments: [step a], [step b]).
 * '#' starts a comment only as the first non-blank character of a line.
 * Lines are at most 4096 bytes, files at most 1 MiB, UTF-8 without NUL or
 * control characters other than tab; a leading byte order mark is skipped.
 * Errors are CLV_E_FORMAT with "FILE:LINE: ..." in the diag.
 *
 * sections[0] always exists: it is the unnamed section ("" / "") holding the
 * entries before the first [section] header (line 0; possibly empty).
 */
#ifndef CLV_CONF_H
#define CLV_CONF_H

#include "clv.h"

typedef struct clv_conf_entry {
	char *key;
	char *value;
	unsigned line;
	int used;                   /* set by clv_conf_get; unused keys are "unknown" */
} clv_conf_entry_t;

typedef struct clv_conf_section {
	char *name;                 /* "" for entries before any [section] */
	char *arg;                  /* "" if none */
	unsigned line;
	clv_conf_entry_t *entries;
	size_t n_entries;
} clv_conf_section_t;

typedef struct clv_conf {
	char *path;
	clv_conf_section_t *sections;
	size_t n_sections;
} clv_conf_t;

int clv_conf_load(const char *path, clv_conf_t **out, clv_diag_t *diag);
int clv_conf_parse(const char *path, const char *text, size_t len, clv_conf_t **out,
    clv_diag_t *diag);
void clv_conf_free(clv_conf_t *c);
/* The entry for key in section, marked used; NULL if absent. */
clv_conf_entry_t *clv_conf_get(clv_conf_section_t *sec, const char *key);
/* code (the caller's, e.g. CLV_E_TEMPLATE) with "FILE:LINE: unknown key 'x'"
 * for the first entry no one asked for; 0 if every entry was used. */
int clv_conf_check_unused(const clv_conf_t *c, int code, clv_diag_t *diag);

#endif
