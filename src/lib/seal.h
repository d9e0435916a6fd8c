/*
 * Sealing one officer's share: to a passphrase (Argon2id from libgcrypt, then
 * AES-256-GCM) or to the officer's own card (ECDH with an EC key on the card
 * through PKCS#11, then AES-256-GCM).  A sealed share is a text file
 * (conclave-share(5)) whose every header field is authenticated data of the
 * encryption: altering any byte makes it refuse to open.
 */
#ifndef CLV_SEAL_H
#define CLV_SEAL_H

#include "clv.h"
#include "hsm.h"
#include "quorum.h"
#include "util.h"

typedef struct clv_kdf_params {
	unsigned t;                 /* Argon2id passes */
	unsigned m_kib;             /* memory in KiB */
	unsigned p;                 /* lanes */
} clv_kdf_params_t;

/* Defaults: t=3, m=64 MiB, p=1 (RFC 9106 second recommendation scaled down
 * for an air-gapped laptop). */
void clv_kdf_params_default(clv_kdf_params_t *p);

/* The header of a sealed share file (everything but the ciphertext). */
typedef struct clv_sealed_info {
	unsigned format;
	unsigned char set_id[CLV_QUORUM_SET_ID_LEN];
	char purpose[16];
	char token_serial[32];
	unsigned threshold, count, index;
	char officer_id[32];
	char officer_name[128];
	clv_seal_kind_t seal;
	clv_kdf_params_t kdf;       /* passphrase */
	char card[256];             /* card identity (card seal) */
} clv_sealed_info_t;

/* How to open: a passphrase, or a card (an open, logged-in clv_hsm_t on the
 * officer's card and the label of its EC key). */
typedef struct clv_unseal_key {
	const clv_secret_t *passphrase;
	clv_hsm_t *card;
	const char *card_key_label;
} clv_unseal_key_t;

/*
 * Seals officer k's share of set.  For a passphrase seal, key->passphrase
 * and kdf (NULL = defaults); for a card seal, key->card (an open session on
 * the officer's card; login not needed, only the public key is used) and
 * key->card_key_label; the card identity is written into the header and into
 * set->officers[k].card.  Returns the file text.
 */
int clv_seal_share(const clv_share_set_t *set, unsigned k, const unsigned char *share,
    size_t len, const clv_unseal_key_t *key, const clv_kdf_params_t *kdf, clv_buf_t *out,
    clv_diag_t *diag);

/* Reads a sealed share's header without opening it (what says which
 * officer, set and seal the file belongs to).  what names the file. */
int clv_sealed_info(const char *what, const unsigned char *text, size_t len,
    clv_sealed_info_t *out, clv_diag_t *diag);

/*
 * Opens a sealed share: the share bytes in locked memory.  A wrong
 * passphrase, another officer's card, or any altered byte gives
 * CLV_E_INTEGRITY with a diag naming the file and the officer the header
 * claims.  A card whose identity differs from the header's is refused before
 * any decryption with CLV_E_POLICY.
 */
int clv_unseal_share(const char *what, const unsigned char *text, size_t len,
    const clv_unseal_key_t *key, clv_sealed_info_t *info, clv_secret_t **share,
    clv_diag_t *diag);

#endif
