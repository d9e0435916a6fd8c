/* conclave: the ceremony console program (internal declarations). */
#ifndef CONSOLE_H
#define CONSOLE_H

#include "clv.h"
#include "engine.h"

/* The batch front-end: answers come from a file, progress goes to stdout. */
typedef struct batch {
	struct clv_conf *answers;
	char answers_dir[512];
	int quiet;
	int rehearsal;              /* inline passphrases are for rehearsals */
	int answers_private;        /* the answers file has no group/other access */
} batch_t;

int batch_load(batch_t *b, const char *answers_path, clv_diag_t *diag);
/* Every answer must be one the script can ask for: roles it declares, keys
 * it generates, [login] pin_file.  A typo is an error before anything runs. */
int batch_check(batch_t *b, const char *script_path, clv_diag_t *diag);
void batch_free(batch_t *b);
void batch_ui(clv_engine_ui_t *ui);

/*
 * The full-screen console (ncursesw): the same engine, led on the terminal.
 * answers (may be NULL) enrols the officers and pre-fills names, which are
 * still confirmed at the console; secrets are always typed.  Returns the
 * engine's result; the screen is given back before it returns.
 */
typedef struct tui tui_t;
int tui_run(const clv_engine_opts_t *opts, batch_t *answers, clv_diag_t *diag);

/* host.c: conclave pin and conclave host (init, request, import). */
int cmd_pin(int argc, char **argv);
int cmd_host(int argc, char **argv);

#endif
