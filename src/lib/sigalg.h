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
	unsigned salt_len;      /* PSS: salt length.  Signing and encoding take 0 as
	                         * "the hash length"; a decoded value and clv_verify
	                         * are literal (saltLength 0 is a legal PSS value). */
} clv_sigalg_t;

/* Emits the standard form: PKCS#1 with NULL parameters; ECDSA without
 * parameters; PSS with explicit RSASSA-PSS-params (hash, MGF1, salt). */
int clv_sigalg_encode(const clv_sigalg_t *alg, clv_buf_t *out);
/* Lenient: NULL or absent parameters both accepted; RSASSA-PSS with any
 * parameters left at their defaults (SHA-1, MGF1-SHA-1, salt 20).  SHA-1
 * algorithms decode (historic objects); clv_sigalg_encode refuses them.
 * rsaEncryption (CMS SignerInfo style) decodes as RSA PKCS#1 v1.5 with
 * hash CLV_HASH_NONE: the hash is the SignerInfo's digestAlgorithm. */
int clv_sigalg_decode(const unsigned char *der, size_t len, clv_sigalg_t *out,
    clv_diag_t *diag);
/* "ecdsa-with-SHA256", "sha256WithRSAEncryption", "RSASSA-PSS/SHA-256". */
void clv_sigalg_describe(const clv_sigalg_t *alg, char *out, size_t outlen);

/*
 * Hash AlgorithmIdentifiers.  clv_sigalg_hash_encode writes NULL parameters
 * when null_params is set (DigestInfo, RSASSA-PSS-params: RFC 4055 2.1) and
 * omits them otherwise (CMS digestAlgorithm: RFC 5754 2, Doc 9303-10).
 * clv_sigalg_hash_decode is lenient: NULL or absent parameters.
 */
const char *clv_sigalg_hash_oid(clv_hash_alg_t hash);          /* NULL if unknown */
clv_hash_alg_t clv_sigalg_hash_by_oid(const char *oid);        /* CLV_HASH_NONE if unknown */
int clv_sigalg_hash_encode(clv_hash_alg_t hash, int null_params, clv_buf_t *out);
int clv_sigalg_hash_decode(const unsigned char *der, size_t len, clv_hash_alg_t *out,
    clv_diag_t *diag);

/* DigestInfo with NULL parameters (what we emit). */
int clv_digestinfo_encode(clv_hash_alg_t hash, const unsigned char *digest, clv_buf_t *out);

/* ECDSA: r||s (PKCS#11 form, each field_bytes long) <-> Ecdsa-Sig-Value DER. */
int clv_ecdsa_sig_from_raw(const unsigned char *rs, size_t len, clv_buf_t *out);
int clv_ecdsa_sig_to_raw(const unsigned char *der, size_t len, size_t field_bytes,
    clv_buf_t *out);

#endif
