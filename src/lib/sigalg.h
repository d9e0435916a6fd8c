/* Signature algorithms: AlgorithmIdentifiers, DigestInfo, ECDSA signature forms. */
#ifndef CLV_SIGALG_H
#define CLV_SIGALG_H

#include "clv.h"
#include "pubkey.h"
#include "util.h"

typedef struct clv_sigalg {
	clv_key_type_t key;
	clv_hash_alg_t hash;
	int pss;                /* RSA: RSASSA-PSS instead of PKCS#1 v1.5 */
	clv_hash_alg_t mgf_hash;/* PSS: MGF1 hash (defaults to hash) */
	unsigned salt_len;      /* PSS: salt length (defaults to hash length) */
} clv_sigalg_t;

/* Emits the standard form: PKCS#1 with NULL parameters; ECDSA without
 * parameters; PSS with explicit RSASSA-PSS-params (hash, MGF1, salt). */
int clv_sigalg_encode(const clv_sigalg_t *alg, clv_buf_t *out);
/* Lenient: NULL or absent parameters both accepted. */
int clv_sigalg_decode(const unsigned char *der, size_t len, clv_sigalg_t *out,
    clv_diag_t *diag);
/* "ecdsa-with-SHA256", "sha256WithRSAEncryption", "RSASSA-PSS/SHA-256". */
void clv_sigalg_describe(const clv_sigalg_t *alg, char *out, size_t outlen);

/* DigestInfo with NULL parameters (what we emit). */
int clv_digestinfo_encode(clv_hash_alg_t hash, const unsigned char *digest, clv_buf_t *out);

/* ECDSA: r||s (PKCS#11 form, each field_bytes long) <-> Ecdsa-Sig-Value DER. */
int clv_ecdsa_sig_from_raw(const unsigned char *rs, size_t len, clv_buf_t *out);
int clv_ecdsa_sig_to_raw(const unsigned char *der, size_t len, size_t field_bytes,
    clv_buf_t *out);

#endif
