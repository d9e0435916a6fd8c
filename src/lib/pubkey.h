/* Public keys: curves, SubjectPublicKeyInfo (named and explicit EC parameters), RSA. */
#ifndef CLV_PUBKEY_H
#define CLV_PUBKEY_H

#include "clv.h"

typedef enum clv_key_type {
	CLV_KEY_NONE = 0,
	CLV_KEY_EC = 1,
	CLV_KEY_RSA = 2,
} clv_key_type_t;

/* Values are stable (stored in the database). */
typedef enum clv_curve {
	CLV_CURVE_NONE = 0,
	CLV_CURVE_P256 = 1,
	CLV_CURVE_P384 = 2,
	CLV_CURVE_P521 = 3,
	CLV_CURVE_BP256R1 = 4,
	CLV_CURVE_BP384R1 = 5,
	CLV_CURVE_BP512R1 = 6,
	/* verification only: seen in real data, never generated */
	CLV_CURVE_P224 = 7,
	CLV_CURVE_BP224R1 = 8,
	CLV_CURVE_BP320R1 = 9,
	CLV_CURVE_P192 = 10,
	CLV_CURVE_BP192R1 = 11,
} clv_curve_t;

typedef struct clv_curve_info {
	clv_curve_t id;
	const char *name;       /* template spelling: "P-256", "brainpoolP256r1" */
	const char *oid;        /* "1.2.840.10045.3.1.7" */
	const char *gcry_name;  /* libgcrypt curve name */
	size_t field_bytes;     /* octets of p (and of r, s) */
	int generate;           /* allowed for new keys */
} clv_curve_info_t;

const clv_curve_info_t *clv_curve_by_id(clv_curve_t id);
const clv_curve_info_t *clv_curve_by_name(const char *name);  /* case-insensitive, also "secp256r1", "prime256v1" */
const clv_curve_info_t *clv_curve_by_oid(const char *oid);

/* What to generate. */
typedef struct clv_keyspec {
	clv_key_type_t type;
	clv_curve_t curve;      /* EC */
	unsigned rsa_bits;      /* RSA: 3072 or 4096 */
} clv_keyspec_t;

typedef struct clv_pubkey {
	clv_key_type_t type;
	/* EC */
	clv_curve_t curve;          /* identified curve, CLV_CURVE_NONE if explicit parameters match none */
	int explicit_params;        /* the SPKI carried SpecifiedECDomain */
	clv_buf_t ec_point;         /* uncompressed 04||X||Y */
	clv_buf_t p, a, b, g, n, h; /* explicit parameters as read (big-endian; g uncompressed) */
	/* RSA */
	clv_buf_t rsa_n;            /* big-endian, no leading zero */
	clv_buf_t rsa_e;
} clv_pubkey_t;

void clv_pubkey_free(clv_pubkey_t *k);
/* Parses a SubjectPublicKeyInfo: id-ecPublicKey with namedCurve or
 * specifiedCurve (explicit; matched against the known curves), rsaEncryption. */
int clv_pubkey_from_spki(const unsigned char *der, size_t len, clv_pubkey_t **out,
    clv_diag_t *diag);
/* Encodes a SubjectPublicKeyInfo.  For EC, explicit != 0 writes
 * SpecifiedECDomain (version 1, prime-field, a, b, uncompressed G, n, cofactor),
 * as Doc 9303-12 4.1.6.3 asks; otherwise namedCurve. */
int clv_pubkey_to_spki(const clv_pubkey_t *k, int explicit_params, clv_buf_t *out);
/* Builds an EC key from a curve and an uncompressed point (fills p..h from libgcrypt). */
int clv_pubkey_new_ec(clv_curve_t curve, const unsigned char *point, size_t len,
    clv_pubkey_t **out);
int clv_pubkey_new_rsa(const unsigned char *n, size_t nlen, const unsigned char *e,
    size_t elen, clv_pubkey_t **out);
/* Same key material (curve/point or modulus/exponent); 1 if equal. */
int clv_pubkey_is_equal(const clv_pubkey_t *a, const clv_pubkey_t *b);
/* Short description: "EC brainpoolP256r1", "RSA 3072". */
void clv_pubkey_describe(const clv_pubkey_t *k, char *out, size_t outlen);
/* RFC 5280 method 1 key identifier: SHA-1 of the subjectPublicKey BIT STRING value. */
int clv_pubkey_key_id(const clv_pubkey_t *k, unsigned char out[20]);

#endif
