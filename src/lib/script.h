/* Ceremony scripts (see conclave-script(5)): roles, inputs, ordered steps. */
#ifndef CLV_SCRIPT_H
#define CLV_SCRIPT_H

#include "clv.h"

#define CLV_SCRIPT_MAX_PARAMS 16
#define CLV_SCRIPT_MAX_ROLES 8
#define CLV_SCRIPT_MAX_STEPS 64

/* The closed set of step actions. Values are stable. */
typedef enum clv_action {
	CLV_ACT_NONE = 0,
	CLV_ACT_CHECK_TOKEN = 1,    /* check the HSM and the token */
	CLV_ACT_LOGIN = 2,          /* log in to the token */
	CLV_ACT_GENERATE_KEY = 3,   /* key=NAME template=FILE */
	CLV_ACT_ISSUE_SELF_SIGNED = 4,  /* key=NAME template=FILE output=BASENAME [validity=DURATION] */
	CLV_ACT_ISSUE_CRL = 5,      /* key=NAME cert=OUTPUT output=BASENAME [next_update=DURATION] */
	CLV_ACT_SHOW_FINGERPRINTS = 6,
	CLV_ACT_WITNESS_ACK = 7,    /* [role=ROLE] */
	CLV_ACT_LOGOUT = 8,
	CLV_ACT_INIT_TOKEN = 9,     /* label=LABEL threshold=M so_threshold=M' officers=N */
	CLV_ACT_QUORUM_LOGIN = 10,  /* [purpose=user-pin|so-pin] */
	CLV_ACT_RESHARE = 11,       /* threshold=M [purpose=user-pin|so-pin] */
	CLV_ACT_CLOCK_CHECK = 12,   /* [role=ROLE] */
	CLV_ACT_CLOSE_TRANSCRIPT = 13,
	CLV_ACT_ISSUE_CERT = 14,    /* key=CA cert=CA_OUTPUT subject=KEY template=FILE output=NAME [validity=] */
	CLV_ACT_SIGN_MASTER_LIST = 15,  /* key=MLS cert=MLS_OUTPUT issuer=CSCA_OUTPUT output=NAME [include=DIR] */
	CLV_ACT_USE_KEY = 16,       /* key=NAME label=LABEL template=FILE certificate=FILE output=NAME */
	CLV_ACT_EXPORT_BUNDLE = 17, /* recipient=ID purpose=P target=DIR outputs=A,B,... */
	CLV_ACT_ISSUE_DS = 18,      /* key=CSCA cert=CSCA_OUTPUT template=FILE requests=DIR output=PREFIX */
	CLV_ACT_ISSUE_LINK = 19,    /* key=OLD cert=OLD_OUTPUT subject=NEW template=FILE output=NAME */
	CLV_ACT_SIGN_DEVIATION_LIST = 20, /* key=DLS cert=DLS_OUTPUT issuer=CSCA_OUTPUT deviations=FILE output=NAME */
	CLV_ACT_ISSUE_CVCA = 21,    /* key=CVCA template=FILE output=NAME */
	CLV_ACT_ISSUE_CV_LINK = 22, /* key=OLD cert=OLD_OUTPUT subject=NEW output=NAME */
	CLV_ACT_SIGN_DV = 23,       /* key=CVCA cert=CVCA_OUTPUT template=FILE requests=DIR output=PREFIX [foreign=DIR] */
} clv_action_t;

const char *clv_action_name(clv_action_t a);   /* "generate-key" */
clv_action_t clv_action_by_name(const char *name);

typedef struct clv_script_param {
	char key[32];
	char value[256];
	unsigned line;
} clv_script_param_t;

typedef struct clv_script_step {
	char id[64];                /* the [step ID] argument, unique */
	clv_action_t action;
	char title[256];
	char confirm[32];           /* role that confirms before it runs ("" = none) */
	clv_script_param_t params[CLV_SCRIPT_MAX_PARAMS];
	size_t n_params;
	unsigned line;
} clv_script_step_t;

typedef struct clv_script_role {
	char name[32];              /* "administrator", "officer", "witness" */
	unsigned min;               /* how many must be present */
} clv_script_role_t;

typedef struct clv_script {
	char path[512];
	char dir[512];              /* relative paths in params resolve here */
	char name[64];
	char title[256];
	clv_script_role_t roles[CLV_SCRIPT_MAX_ROLES];
	size_t n_roles;
	clv_script_step_t steps[CLV_SCRIPT_MAX_STEPS];
	size_t n_steps;
} clv_script_t;

/* Loads and validates: known actions, required and allowed parameters per
 * action, confirm roles declared, unique step ids; errors name file:line. */
int clv_script_load(const char *path, clv_script_t **out, clv_diag_t *diag);
void clv_script_free(clv_script_t *s);
/* Value of param key in step, or NULL. */
const char *clv_script_param(const clv_script_step_t *st, const char *key);

#endif
