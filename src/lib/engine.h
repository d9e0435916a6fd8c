/*
 * The ceremony engine: runs a script step by step, with every step recorded
 * in the audit trail.  Front-ends (batch answers file now, the ncurses console
 * later) plug in through clv_engine_ui_t; the engine never touches a terminal.
 */
#ifndef CLV_ENGINE_H
#define CLV_ENGINE_H

#include <limits.h>

#include "clv.h"
#include "quorum.h"
#include "script.h"
#include "util.h"

typedef enum clv_msg_kind {
	CLV_MSG_INFO = 0,
	CLV_MSG_WARN = 1,
	CLV_MSG_ERROR = 2,
	CLV_MSG_OUTPUT = 3,         /* a file was written */
} clv_msg_kind_t;

/* A crypto officer as the front-end enrols them (conclave-share(5)). */
typedef struct clv_officer {
	char id[32];                /* [a-z0-9-]+ */
	char name[128];
	clv_seal_kind_t seal;
	char share_dir[PATH_MAX];   /* the officer's medium; relative: inside the output dir */
	char card_module[PATH_MAX]; /* card: PKCS#11 module ("" = the default) */
	char card_token[256];       /* card: pkcs11: URI, label:NAME or serial:NUMBER */
	char card_key[128];         /* card: label of the officer's EC key */
} clv_officer_t;

typedef struct clv_engine_ui {
	/* A person in role confirms step; the name goes into who.  0 when
	 * confirmed, CLV_E_NOT_CONFIRMED when declined or unanswered. */
	int (*confirm)(void *ctx, const clv_script_step_t *step, const char *role,
	    char *who, size_t wholen);
	/* The token's user PIN, in locked memory (production login). */
	int (*pin)(void *ctx, const char *token_label, clv_secret_t **out);
	/* The HSM label for a key the script names (NULL: the script's default). */
	const char *(*key_label)(void *ctx, const char *key_name);
	/* Before a step runs: what it will do, its inputs, the outputs it will make. */
	void (*step_begin)(void *ctx, size_t index, size_t total, const clv_script_step_t *step,
	    const char *plan);
	void (*step_end)(void *ctx, const clv_script_step_t *step, int result, const char *summary);
	void (*message)(void *ctx, clv_msg_kind_t kind, const char *text);
	/* A fingerprint for people to compare (SHA-256, colon-separated hex). */
	void (*fingerprint)(void *ctx, const char *what, const char *sha256_colon);

	/* -- quorum (conclave-share(5)) -- */
	/* The i-th enrolled officer; CLV_E_DB_NOT_FOUND past the last. */
	int (*officer)(void *ctx, size_t i, clv_officer_t *out);
	/* An officer's own secret: what is "passphrase" or "card PIN". */
	int (*officer_secret)(void *ctx, const clv_officer_t *o, const char *what,
	    clv_secret_t **out);
	/* Who presents the next share of purpose ("user-pin", "so-pin"); the
	 * officer id goes into id.  attempt counts the presentations of this
	 * login so far, refused ones included.  CLV_E_NOT_CONFIRMED: nobody
	 * else comes. */
	int (*next_share)(void *ctx, const char *purpose, unsigned attempt,
	    const clv_quorum_progress_t *p, char *id, size_t idlen);
	/* Progress of a quorum login, shown after each accepted share. */
	void (*quorum_progress)(void *ctx, const char *purpose, const clv_quorum_progress_t *p);
	/* The officers of a new share set (re-share): ids into ids[0..*n-1]. */
	int (*roster)(void *ctx, const char *purpose, char ids[][32], size_t max, size_t *n);
	/* Rehearsals without an init-token step: thresholds of the throwaway token. */
	void (*rehearsal_quorum)(void *ctx, unsigned *threshold, unsigned *so_threshold);

	/* -- the console (issue: screens, transcript, resumption) -- */
	/* Clock check: the machine's UTC time now; the role (administrator)
	 * confirms it against the agreed source; the name goes into who. 0 when
	 * confirmed, CLV_E_NOT_CONFIRMED when the clock is wrong. */
	int (*clock_check)(void *ctx, const char *role, time_t now, char *who, size_t wholen);
	/* Something failed or someone objects: what was expected and what
	 * happened; the front-end records what was decided (free text, goes to
	 * the transcript).  Return 0 to stop the ceremony (always, for now). */
	int (*exception)(void *ctx, const clv_script_step_t *step, const char *expected,
	    const char *happened, char *decision, size_t declen);
	/* Progress of a step that takes more than a moment (permille 0..1000). */
	void (*progress)(void *ctx, const char *what, unsigned permille);
	/* The transcript is closed: its head as hex, for QR code and words. */
	void (*transcript_head)(void *ctx, const char *sha256_hex);
} clv_engine_ui_t;

typedef struct clv_engine_opts {
	const char *script_path;
	const char *out_dir;        /* created if absent; outputs never overwritten */
	const char *store_path;     /* the persistent store (rehearsal: may be NULL) */
	const char *module_path;    /* PKCS#11 module; NULL = SoftHSMv2 */
	const char *token_spec;     /* production: pkcs11: URI, label:X or serial:X */
	const char *templates_dir;  /* where template= parameters are looked up after the script's dir */
	int rehearsal;              /* throwaway SoftHSM token, outputs stamped REHEARSAL */
	const clv_clock_t *clock;   /* NULL = system clock */
	int resume;                 /* continue the interrupted ceremony whose transcript is in out_dir */
} clv_engine_opts_t;

/*
 * Runs the whole script.  Returns 0 when every step succeeded; otherwise the
 * first error, with diag saying which step failed and why.  Nothing already
 * written is removed; nothing is overwritten.
 */
/*
 * A named point of the engine's progress (re-share phases, later the journal):
 * a real function so a test can stop the process there (gdb, kill -9) and
 * check what a crash at that point leaves.
 */
void clv_engine_checkpoint(const char *name);

int clv_engine_run(const clv_engine_opts_t *opts, const clv_engine_ui_t *ui, void *ctx,
    clv_diag_t *diag);

#endif
