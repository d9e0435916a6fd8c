/*
 * M-of-N quorum over a token PIN.
 *
 * The secret (a token PIN: 32 random bytes, used as 64 hex characters) is
 * split with Shamir's scheme over GF(256).  A share set's public descriptor
 * names the officers and carries, for each share, a salted commitment
 * SHA-256(salt || set_id || index || share) so a wrong or altered share is
 * refused on entry and attributed to its holder before anything is combined,
 * and a check value HMAC-SHA256(secret, "conclave quorum check" || set_id) for
 * the rebuilt secret.  The descriptor is signed by the token's ceremony key.
 *
 * The engine talks only to clv_quorum_t (a provider): software Shamir now,
 * an HSM's native M-of-N later.
 */
#ifndef CLV_QUORUM_H
#define CLV_QUORUM_H

#include "clv.h"
#include "hsm.h"
#include "util.h"

#define CLV_QUORUM_MAX_SHARES 16
#define CLV_QUORUM_SECRET_LEN 32        /* PIN secrets are 32 bytes */
#define CLV_QUORUM_SET_ID_LEN 16

/* ---- Shamir over GF(256) (constant-time field arithmetic) ---------------- */

/* GF(256) with the AES polynomial x^8+x^4+x^3+x+1, branch- and table-free:
 * the product, and the inverse as a^254 (0 maps to 0). */
unsigned char clv_gf256_mul(unsigned char a, unsigned char b);
unsigned char clv_gf256_inv(unsigned char a);

/*
 * Splits secret (len <= 64 bytes) into n shares with threshold m
 * (2 <= m <= n <= 16).  Share i (0-based) has x = i + 1 and its len bytes
 * of y at shares + i * len.  shares must be n * len bytes of locked memory
 * (a clv_secret_t); coefficients come from libgcrypt's strong RNG, live in
 * locked memory and are wiped.
 */
int clv_shamir_split(const unsigned char *secret, size_t len, unsigned m, unsigned n,
    unsigned char *shares);
/* Rebuilds the secret from m shares: xs[k] and ys[k] (len bytes each). */
int clv_shamir_combine(const unsigned char *xs, const unsigned char *const *ys, unsigned m,
    size_t len, unsigned char *secret);

/* ---- share set descriptor (public) ---------------------------------------- */

typedef enum clv_seal_kind {
	CLV_SEAL_NONE = 0,
	CLV_SEAL_PASSPHRASE = 1,    /* Argon2id + AES-256-GCM */
	CLV_SEAL_CARD = 2,          /* ECDH with the officer's PKCS#11 card + AES-256-GCM */
} clv_seal_kind_t;

typedef struct clv_share_officer {
	char id[32];                /* short id, [a-z0-9-]+ ("alice") */
	char name[128];             /* full name, as recorded in the audit trail */
	unsigned index;             /* x of the share, 1..n */
	clv_seal_kind_t seal;
	char card[256];             /* card identity: "serial=...;label=...;key=..." (card seal) */
	unsigned char salt[16];
	unsigned char commitment[32];
} clv_share_officer_t;

typedef struct clv_share_set {
	unsigned char set_id[CLV_QUORUM_SET_ID_LEN];
	char purpose[16];           /* "user-pin" or "so-pin" */
	char token_serial[32];
	char token_label[33];
	unsigned threshold;         /* m */
	unsigned count;             /* n */
	time_t created;
	clv_share_officer_t officers[CLV_QUORUM_MAX_SHARES];
	unsigned char check[32];    /* HMAC-SHA256(secret, "conclave quorum check" || set_id) */
} clv_share_set_t;

/*
 * Deals a new share set for secret: fills set (set_id random, commitments,
 * check value) from the officers already in set->officers[0..count-1] (id,
 * name, seal, card filled by the caller; index and salt assigned here), and
 * returns the shares in locked memory (count * len bytes, officer k's share
 * at k * len).
 */
int clv_quorum_deal(const clv_secret_t *secret, clv_share_set_t *set, clv_secret_t **shares);

/* Canonical text of a descriptor (conf format, see conclave-share(5)), the
 * bytes that are signed and stored; and back.  Decoding is strict and accepts
 * only the canonical text (what encoding the result gives, byte for byte):
 * anything else is CLV_E_FORMAT with "WHAT:LINE: ..." in diag. */
int clv_share_set_encode(const clv_share_set_t *set, clv_buf_t *out);
int clv_share_set_decode(const char *what, const unsigned char *text, size_t len,
    clv_share_set_t *out, clv_diag_t *diag);

/* Does share (index, len bytes) match officer k's commitment?  1 yes, 0 no. */
int clv_share_set_check_share(const clv_share_set_t *set, unsigned k, unsigned index,
    const unsigned char *share, size_t len);

/* ---- the quorum provider --------------------------------------------------- */

typedef struct clv_quorum clv_quorum_t;

/* What one officer presents: the unsealed share (locked memory) and who. */
typedef struct clv_quorum_progress {
	unsigned have, need;
	char officers[CLV_QUORUM_MAX_SHARES][128];  /* names of those accepted so far */
} clv_quorum_progress_t;

typedef struct clv_quorum_ops {
	const char *name;           /* "shamir" */
	/* An officer presents a share: checked on entry (commitment), refused
	 * with the officer named if wrong; duplicates (same index or same
	 * officer) refused.  Takes ownership of share. */
	int (*present)(clv_quorum_t *q, const char *officer_id, unsigned index,
	    clv_secret_t *share, clv_diag_t *diag);
	void (*progress)(const clv_quorum_t *q, clv_quorum_progress_t *out);
	/* With m accepted shares: rebuild the PIN in locked memory, check it
	 * against the check value, C_Login (so != 0: as SO), wipe it.  Fewer
	 * than m: CLV_E_POLICY, nothing combined.  A "user-pin" set used with
	 * so != 0, or an "so-pin" set with so == 0: CLV_E_POLICY.  The accepted
	 * shares stay (for secret()) until free. */
	int (*login)(clv_quorum_t *q, clv_hsm_t *h, int so, clv_diag_t *diag);
	/* The rebuilt secret itself, for a PIN change (caller frees). */
	int (*secret)(clv_quorum_t *q, clv_secret_t **out, clv_diag_t *diag);
	void (*free)(clv_quorum_t *q);
} clv_quorum_ops_t;

struct clv_quorum {
	const clv_quorum_ops_t *ops;
	const clv_share_set_t *set;
	void *state;
};

/* The software Shamir provider for a descriptor (which must outlive q). */
int clv_quorum_shamir_new(const clv_share_set_t *set, clv_quorum_t **out);

/* The PIN text for a secret: 64 lower-case hex characters, locked memory. */
int clv_quorum_pin_text(const clv_secret_t *secret, clv_secret_t **pin);

#endif
