/*
 * The ceremony engine's internals, shared by its files (engine.c: the
 * runner and the issuing steps; engine_quorum.c: token initialisation,
 * quorum login and re-share).  Not part of the library's interface.
 */
#ifndef CLV_ENGINE_INT_H
#define CLV_ENGINE_INT_H

#include <limits.h>

#include "audit.h"
#include "bundle.h"
#include "engine.h"
#include "hsm.h"
#include "lint.h"
#include "quorum.h"
#include "script.h"
#include "store.h"
#include "template.h"
#include "transcript.h"
#include "util.h"
#include "x509.h"

/* The token's ceremony key: signs share sets, transcripts and bundles. */
#define CLV_CEREMONY_KEY_LABEL "conclave-ceremony"

#define MAX_KEYS 8
#define MAX_OUTPUTS 40
#define SERIAL_OCTETS 16

typedef struct key_state {
	char name[64];              /* the script's name for it */
	char label[128];            /* the HSM label */
	char uri[512];
	clv_template_t tmpl;
	clv_pubkey_t *pub;          /* as generated */
	unsigned char spki_sha256[32];
} key_state_t;

typedef struct output_state {
	char name[64];
	char kind[16];              /* "certificate", "crl" */
	char der_path[PATH_MAX], pem_path[PATH_MAX];
	clv_buf_t der;
	unsigned char sha256[32];
	clv_cert_t *cert;           /* certificates: parsed back */
	struct clv_cvc *cv;         /* CV certificates ("cv-certificate"): parsed back */
	char key_name[64];          /* key that the certificate certifies */
} output_state_t;

/* What the interrupted run's transcript says of a step (resumption). */
typedef struct resume_step {
	int done;                   /* its step-done was recorded */
	int intent;                 /* an intent was recorded before its HSM call */
	char label[128];            /* the key it generates or signs with */
	char serial[41];            /* certificate serial drawn */
	uint64_t number;            /* CRL number */
	time_t when;                /* notBefore / thisUpdate fixed in the intent */
	char inputs[65];            /* SHA-256 of the step's input file, if any */
} resume_step_t;

/* A transcript event held back while a store transaction is open: it is
 * written when the transaction commits and dropped when it rolls back, so
 * the transcript never tells of what the store did not keep. */
typedef struct pending_event {
	time_t when;
	char *event, *actors, *key_uri, *result, *detail;
	unsigned char sha[32];
	int has_sha;
} pending_event_t;

typedef struct engine {
	const clv_engine_opts_t *o;
	const clv_engine_ui_t *ui;
	void *ctx;
	clv_clock_t sysclock;
	const clv_clock_t *clock;
	clv_script_t *script;
	clv_store_t *store;
	clv_hsm_t *hsm;
	int logged_in;
	clv_token_info_t token;
	int have_token;
	char ceremony_id[128];
	char rehearsal_dir[PATH_MAX];
	clv_secret_t *rehearsal_pin;
	char actors[512];           /* who confirmed the current step */
	key_state_t keys[MAX_KEYS];
	size_t n_keys;
	output_state_t outs[MAX_OUTPUTS];
	size_t n_outs;
	char summary[1024];
	clv_transcript_t *transcript;   /* the ceremony's own chain, in the output dir */
	int resuming;
	char resume_script_sha[65];     /* the interrupted run's script, from its transcript */
	size_t cur;                 /* index of the step running */
	resume_step_t resume[CLV_SCRIPT_MAX_STEPS];
	unsigned char resume_imports[8][32];    /* bundles the interrupted run imported */
	size_t n_resume_imports;
	/* quorum */
	clv_quorum_t *quorum;       /* the provider that logged in, kept for a re-share */
	clv_share_set_t quorum_set; /* its descriptor */
	char quorum_state[16];      /* the set's state when it logged in */
	int quorum_so;              /* logged in as SO */
	pending_event_t *pending;   /* transcript events of the open transaction */
	size_t n_pending, cap_pending;
} engine_t;

void engine_say(engine_t *e, clv_msg_kind_t kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void engine_progress(engine_t *e, const char *what, size_t done, size_t total);
/* Store transactions of the engine: commit writes the transcript events the
 * transaction held back, rollback drops them. */
int engine_commit(engine_t *e);
int engine_rollback(engine_t *e);
int engine_audit(engine_t *e, clv_audit_event_t ev, const char *key_uri,
    const unsigned char *sha, const char *result, const char *detail);
/* Rehearsal: the throwaway SoftHSM token store, the module opened on it. */
int engine_rehearsal_store(engine_t *e, clv_diag_t *diag);
int engine_need_hsm(engine_t *e, const clv_script_step_t *st, int login, clv_diag_t *diag);

/* engine.c, for the other files of the engine */
key_state_t *engine_find_key(engine_t *e, const char *name);
output_state_t *engine_find_output(engine_t *e, const char *name);
/* The output slot for name (NULL when there are too many outputs). */
output_state_t *engine_new_output(engine_t *e, const char *name, const char *kind);
/* Journals what is about to be signed (resumption), then a test checkpoint. */
int engine_intent(engine_t *e, const clv_script_step_t *st, const char *point,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Records an issued object in the store and the audit trail in one
 * transaction, then writes its files. */
int engine_record_output(engine_t *e, output_state_t *o, clv_object_record_t *rec,
    const key_state_t *k, clv_audit_event_t ev, const char *detail, const char *new_key_state,
    clv_diag_t *diag);
int engine_lint_or_refuse(engine_t *e, const clv_script_step_t *st, const char *what, int r,
    const clv_lint_result_t *lr, clv_diag_t *diag);
/* An intent's time is honoured within the week before now. */
int engine_resume_time_ok(engine_t *e, const clv_script_step_t *st, time_t when,
    clv_diag_t *diag);
/* A ceremony input file named by a script parameter, and its SHA-256 (hex). */
int engine_read_input(engine_t *e, const char *name, char path[PATH_MAX], char digest[65],
    clv_diag_t *diag);

/* template= against the script's directory, then the templates directory. */
int engine_load_template(engine_t *e, const char *name, clv_template_t *t, clv_diag_t *diag);
/* Writes an output's files (NAME.der and .pem, or NAME.cvcert). */
int engine_write_output(engine_t *e, output_state_t *o, const char *pem_label,
    clv_diag_t *diag);

/* use-key: a certificate that verifies by itself (self_ok) or that the store
 * recorded byte for byte; CLV_E_INTEGRITY otherwise. */
int engine_certificate_trusted(engine_t *e, const clv_buf_t *der, int self_ok);
int engine_room_for(engine_t *e, const clv_script_step_t *st, size_t n, clv_diag_t *diag);

/* engine_cv.c: the EAC steps */
int engine_step_issue_cvca(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag);
int engine_step_issue_cv_link(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag);
int engine_step_sign_dv(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag);
/* use-key for a CVCA key: its CV certificate read and matched to the token's key. */
int engine_use_cv_certificate(engine_t *e, const clv_script_step_t *st, key_state_t *k,
    output_state_t *o, const clv_buf_t *raw, const char *path, clv_diag_t *diag);
void engine_cv_free(struct clv_cvc *c);
/* Records a request bundle's import (store and audit trail) once its batch
 * has passed its checks, before anything is signed. */
int engine_record_import(engine_t *e, const clv_bundle_t *b, const char *dir,
    clv_diag_t *diag);

/* engine_quorum.c */
int engine_step_init_token(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag);
int engine_step_quorum_login(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag);
int engine_step_reshare(engine_t *e, const clv_script_step_t *st, clv_diag_t *diag);
/* Rehearsal without an init-token step: the throwaway token gets a quorum
 * dealt to the enrolled officers, as init-token would. */
int engine_rehearsal_quorum(engine_t *e, clv_diag_t *diag);
void engine_quorum_cleanup(engine_t *e);

#endif
