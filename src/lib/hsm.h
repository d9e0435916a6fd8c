/*
 * The HSM through PKCS#11 (p11-kit loads the module).  Keys live only in the
 * token: private keys are generated sensitive and non-extractable, and found
 * again by label.  Tokens are chosen by RFC 7512 URI, label or serial, never
 * by slot number.
 */
#ifndef CLV_HSM_H
#define CLV_HSM_H

#include "clv.h"
#include "pubkey.h"
#include "sigalg.h"
#include "util.h"

typedef struct clv_hsm clv_hsm_t;

typedef struct clv_token_info {
	char label[33];
	char serial[17];
	char manufacturer[33];
	char model[17];
	char uri[512];              /* pkcs11:model=...;manufacturer=...;serial=...;token=... */
	int initialized;
	int user_pin_initialized;
} clv_token_info_t;

/* Loads a PKCS#11 module (NULL = the configured default, SoftHSMv2) and initialises it. */
int clv_hsm_open(const char *module_path, clv_hsm_t **out, clv_diag_t *diag);
void clv_hsm_close(clv_hsm_t *h);

/*
 * Selects the token: spec is an RFC 7512 "pkcs11:" URI, "label:NAME" or
 * "serial:NUMBER".  Exactly one initialised token must match; opens a
 * read-write session on it.
 */
int clv_hsm_select(clv_hsm_t *h, const char *spec, clv_diag_t *diag);
int clv_hsm_token_info(clv_hsm_t *h, clv_token_info_t *out);

/* Rehearsals: initialises the first uninitialised token with label, SO PIN
 * and user PIN (C_InitToken, C_InitPIN), then selects it. */
int clv_hsm_init_token(clv_hsm_t *h, const char *label, const clv_secret_t *so_pin,
    const clv_secret_t *user_pin, clv_diag_t *diag);

/* C_Login as CKU_USER.  CLV_E_PIN_INCORRECT / CLV_E_PIN_LOCKED as the token says. */
int clv_hsm_login(clv_hsm_t *h, const clv_secret_t *pin);
/* C_Login as CKU_SO (the security officer: PIN changes, never key use).
 * While the SO is logged in, the key operations refuse with
 * CLV_E_NOT_LOGGED_IN; a user login is refused by the token. */
int clv_hsm_login_so(clv_hsm_t *h, const clv_secret_t *pin);
int clv_hsm_logout(clv_hsm_t *h);

/*
 * C_SetPIN in the current login state: the user PIN when logged in as user,
 * the SO PIN when logged in as SO.  A session that is not logged in is
 * refused (CLV_E_NOT_LOGGED_IN) rather than left to the token's choice.
 * A wrong old_pin is CLV_E_PIN_INCORRECT.  Neither PIN is copied or logged.
 */
int clv_hsm_set_pin(clv_hsm_t *h, const clv_secret_t *old_pin, const clv_secret_t *new_pin);

/* 1 in *exists if any object (public or private key) carries this label.
 * Private objects are visible only after login. */
int clv_hsm_label_exists(clv_hsm_t *h, const char *label, int *exists);

/*
 * Generates a key pair with the label (CKA_LABEL, and CKA_ID = SHA-1 key id).
 * Refuses an existing label (CLV_E_KEY_EXISTS).  Private key: CKA_TOKEN,
 * CKA_PRIVATE, CKA_SENSITIVE, !CKA_EXTRACTABLE, CKA_SIGN, !CKA_DERIVE.
 * Returns the public key read back from the token.
 */
int clv_hsm_generate(clv_hsm_t *h, const char *label, const clv_keyspec_t *spec,
    clv_pubkey_t **pub_out, clv_diag_t *diag);

/*
 * An officer card's key: an EC key pair on curve (one of the curves keys are
 * generated on) whose private key has CKA_DERIVE (not CKA_SIGN) and is
 * CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, !CKA_EXTRACTABLE; the public key is
 * not private, so a share can be sealed to it without the card's PIN.  For
 * SoftHSM tokens standing in for cards and for cards that generate keys
 * on-card.  Needs login; refuses an existing label (CLV_E_KEY_EXISTS); a
 * pair the token does not make as asked is destroyed again.
 */
int clv_hsm_generate_ecdh(clv_hsm_t *h, const char *label, clv_curve_t curve,
    clv_pubkey_t **pub_out, clv_diag_t *diag);

/*
 * ECDH with the private key labelled label (needs login): C_DeriveKey
 * CKM_ECDH1_DERIVE (CKD_NULL, no shared data) with peer_point, an
 * uncompressed point 04||X||Y on the key's curve (else CLV_E_FORMAT),
 * into a session CKK_GENERIC_SECRET of the field length that is read
 * (CKA_VALUE) into locked memory and destroyed at once.  *shared: the
 * x-coordinate of the shared point, field length, big-endian.
 */
int clv_hsm_ecdh(clv_hsm_t *h, const char *label, const unsigned char *peer_point,
    size_t len, clv_secret_t **shared);

/*
 * The identity recorded for an officer's card: "serial=<token serial>;
 * label=<token label>;key=<key label>" of the selected token.  Formatted,
 * not looked up: no login needed.  CLV_E_INVALID_ARG if it does not fit
 * outlen.
 */
int clv_hsm_card_identity(clv_hsm_t *h, const char *key_label, char *out, size_t outlen);

/* The public key of the pair with this label, read from the token
 * (CKA_EC_POINT accepted both raw and wrapped in an OCTET STRING). */
int clv_hsm_pubkey(clv_hsm_t *h, const char *label, clv_pubkey_t **out);

/* RFC 7512 URI of the private key with this label (selected token's
 * fields, object=label;type=private).  Formatted, not looked up: no login
 * needed.  CLV_E_INVALID_ARG if it does not fit outlen. */
int clv_hsm_key_uri(clv_hsm_t *h, const char *label, char *out, size_t outlen);

/*
 * Signs data with the private key labelled label.  The hash is computed on
 * the host; the token gets CKM_ECDSA (digest), CKM_RSA_PKCS (DigestInfo) or
 * CKM_RSA_PKCS_PSS (digest with params).  The signature comes back in X.509
 * form: Ecdsa-Sig-Value DER for ECDSA, raw for RSA.
 */
int clv_hsm_sign(clv_hsm_t *h, const char *label, const clv_sigalg_t *alg,
    const unsigned char *data, size_t len, clv_buf_t *sig_out);

/* Random bytes from the token's RNG (C_GenerateRandom). */
int clv_hsm_random(clv_hsm_t *h, unsigned char *buf, size_t len);

/* A positive serial of len octets (<= 20) from the token's RNG: top bit clear, not zero. */
int clv_hsm_serial(clv_hsm_t *h, size_t len, unsigned char *out);

/* What the token says about the private key labelled label (needs login).
 * Each flag is 1, 0, or -1 when the token does not report it. */
typedef struct clv_hsm_key_attrs {
	int sensitive;          /* CKA_SENSITIVE */
	int extractable;        /* CKA_EXTRACTABLE */
	int always_sensitive;   /* CKA_ALWAYS_SENSITIVE */
	int never_extractable;  /* CKA_NEVER_EXTRACTABLE */
	int sign;               /* CKA_SIGN */
	int derive;             /* CKA_DERIVE */
	int decrypt;            /* CKA_DECRYPT */
	int unwrap;             /* CKA_UNWRAP */
	int sign_recover;       /* CKA_SIGN_RECOVER */
	int token;              /* CKA_TOKEN */
	int is_private;         /* CKA_PRIVATE */
	unsigned char id[64];   /* CKA_ID (the SHA-1 key id for keys we generated) */
	size_t id_len;
} clv_hsm_key_attrs_t;

int clv_hsm_key_attrs(clv_hsm_t *h, const char *label, clv_hsm_key_attrs_t *out);

/*
 * CKA_EC_POINT of a key on curve -> uncompressed 04||X||Y.  Accepts the raw
 * point and the DER OCTET STRING wrapping it (what SoftHSM returns);
 * anything else (compressed, wrong length, trailing data) is CLV_E_FORMAT.
 */
int clv_hsm_decode_ec_point(clv_curve_t curve, const unsigned char *in, size_t len,
    clv_buf_t *out);

#endif
