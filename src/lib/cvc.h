/*
 * Card Verifiable certificates (BSI TR-03110-3 Appendix C and D): the CV
 * certificates, requests and authenticated requests of the EAC PKI.
 *
 * Received objects are read by a bounded BER-TLV reader and kept byte for
 * byte: the signed body is the 7F4E TLV as received, and the object is
 * stored and hashed as received (real certificates use non-minimal lengths
 * and integers with leading zeros).  Objects we write are built through
 * libtasn1 (src/lib/asn1/clv-cvc.asn) in minimal encoding.
 *
 * See docs/standards/eac-cvc.md for the layout, the quirks of real data and
 * the sources of every rule here.
 */
#ifndef CLV_CVC_H
#define CLV_CVC_H

#include <stdio.h>

#include "clv.h"
#include "lint.h"
#include "pubkey.h"
#include "sigalg.h"

/* Bytes inside an object (or a caller's buffer); p is NULL when absent. */
typedef struct clv_cvc_bytes {
	const unsigned char *p;
	size_t len;
} clv_cvc_bytes_t;

typedef enum clv_cvc_kind {
	CLV_CVC_CERT = 1,               /* 7F21 with CHAT and dates */
	CLV_CVC_REQUEST = 2,            /* 7F21 without CHAT and dates */
	CLV_CVC_AUTH_REQUEST = 3,       /* 67 { 7F21 request, 42 outer CAR, 5F37 } */
} clv_cvc_kind_t;

/* Terminal-authentication algorithms (id-TA, 0.4.0.127.0.7.2.2.2). */
typedef enum clv_cvc_alg {
	CLV_CVC_ALG_NONE = 0,
	CLV_CVC_RSA_V15_SHA1,
	CLV_CVC_RSA_V15_SHA256,
	CLV_CVC_RSA_PSS_SHA1,
	CLV_CVC_RSA_PSS_SHA256,
	CLV_CVC_RSA_V15_SHA512,
	CLV_CVC_RSA_PSS_SHA512,
	CLV_CVC_ECDSA_SHA1,
	CLV_CVC_ECDSA_SHA224,
	CLV_CVC_ECDSA_SHA256,
	CLV_CVC_ECDSA_SHA384,
	CLV_CVC_ECDSA_SHA512,
} clv_cvc_alg_t;

/* "id-TA-ECDSA-SHA-256"; NULL for CLV_CVC_ALG_NONE. */
const char *clv_cvc_alg_name(clv_cvc_alg_t alg);
/* Key type, hash and padding of the scheme (PSS: salt = hash length). */
int clv_cvc_alg_sigalg(clv_cvc_alg_t alg, clv_sigalg_t *out);
/* The id-TA algorithm for a key type and hash (RSA: v1.5 unless pss). */
clv_cvc_alg_t clv_cvc_alg_for(clv_key_type_t key, clv_hash_alg_t hash, int pss);

/* Public key data objects: obj[k] is the content of tag 0x80|k. */
enum {
	CLV_CVC_EC_P = 1, CLV_CVC_EC_A = 2, CLV_CVC_EC_B = 3, CLV_CVC_EC_G = 4,
	CLV_CVC_EC_N = 5, CLV_CVC_EC_Y = 6, CLV_CVC_EC_F = 7,
	CLV_CVC_RSA_N = 1, CLV_CVC_RSA_E = 2,
};

typedef struct clv_cvc_key {
	clv_cvc_bytes_t tlv;            /* the whole 7F49 TLV */
	clv_cvc_bytes_t oid;            /* content of 06 */
	clv_cvc_alg_t alg;
	clv_key_type_t type;
	clv_cvc_bytes_t obj[8];         /* as received (leading zeros kept) */
	int has_domain;                 /* EC: 81..85 and 87 present */
} clv_cvc_key_t;

/* Terminal type, named by the CHAT's role OID (id-roles 0.4.0.127.0.7.3.1.2). */
typedef enum clv_cvc_terminal {
	CLV_CVC_TERM_NONE = 0,          /* no CHAT: a request */
	CLV_CVC_TERM_IS = 1,            /* inspection system, 1 octet */
	CLV_CVC_TERM_AT = 2,            /* authentication terminal, 5 octets */
	CLV_CVC_TERM_ST = 3,            /* signature terminal, 1 octet */
} clv_cvc_terminal_t;

/* The two top bits of the relative authorization. */
typedef enum clv_cvc_role {
	CLV_CVC_ROLE_TERMINAL = 0,      /* 00 */
	CLV_CVC_ROLE_DV_FOREIGN = 1,    /* 01 DV non-official / foreign */
	CLV_CVC_ROLE_DV_DOMESTIC = 2,   /* 10 DV official / domestic */
	CLV_CVC_ROLE_CVCA = 3,          /* 11 */
} clv_cvc_role_t;

#define CLV_CVC_AUTH_MAX 5

typedef struct clv_cvc_chat {
	clv_cvc_bytes_t tlv;            /* the whole 7F4C TLV */
	clv_cvc_bytes_t oid;
	clv_cvc_terminal_t type;
	clv_cvc_role_t role;
	unsigned char auth[CLV_CVC_AUTH_MAX];   /* relative authorization (53) */
	size_t auth_len;                /* 1 (IS, ST) or 5 (AT) */
} clv_cvc_chat_t;

/* A date, 20YY-MM-DD (unpacked BCD YYMMDD on the wire). */
typedef struct clv_cvc_date {
	int year, month, day;
} clv_cvc_date_t;

typedef struct clv_cvc_ext {
	clv_cvc_bytes_t tlv;            /* the whole 73 TLV */
	clv_cvc_bytes_t oid;            /* content of its 06 */
	clv_cvc_bytes_t data;           /* the TLVs after the OID, raw */
} clv_cvc_ext_t;

#define CLV_CVC_EXT_MAX 16
/* CAR and CHR: 7..16 characters (ISO 3166-1 alpha-2, mnemonic, sequence). */
#define CLV_CVC_REF_MAX 16

typedef struct clv_cvc {
	char name[128];                 /* what the input was called */
	clv_cvc_kind_t kind;
	clv_buf_t der;                  /* the object as received */
	clv_cvc_bytes_t cert;           /* the 7F21 TLV (the inner one of a 67) */
	clv_cvc_bytes_t body;           /* the 7F4E TLV: the signed bytes */
	unsigned cpi;                   /* 5F29 */
	int has_car;
	char car[CLV_CVC_REF_MAX + 1];  /* 42 */
	clv_cvc_key_t key;              /* 7F49 */
	char chr[CLV_CVC_REF_MAX + 1];  /* 5F20 */
	int has_chat;                   /* certificates */
	clv_cvc_chat_t chat;            /* 7F4C */
	clv_cvc_date_t ced, cxd;        /* 5F25, 5F24 (certificates) */
	clv_cvc_bytes_t ext_tlv;        /* the 65 TLV, raw (absent: p NULL) */
	clv_cvc_bytes_t ext_value;      /* its content: the 73 templates */
	clv_cvc_ext_t ext[CLV_CVC_EXT_MAX];
	size_t n_ext;
	clv_cvc_bytes_t sig;            /* 5F37 content */
	/* authenticated request */
	char outer_car[CLV_CVC_REF_MAX + 1];
	clv_cvc_bytes_t outer_tbs;      /* 7F21 TLV || 42 TLV, as received */
	clv_cvc_bytes_t outer_sig;
	/* offset of the first non-minimal length (tolerated on input), or -1 */
	long nonminimal_at;
} clv_cvc_t;

/*
 * Parses a CV certificate, request or authenticated request; what names the
 * input in diagnostics.  Refuses, naming the field and what was expected:
 * any tag out of the TR-03110 order, unknown or repeated; indefinite or
 * overlong lengths; trailing bytes; CPI other than 0; a CAR/CHR that is not
 * 7..16 characters with a country code and a 5-character sequence number;
 * a TA OID or CHAT role OID that is not defined; a relative authorization
 * of the wrong length; EC keys with partial domain parameters or a point
 * that is not uncompressed; dates that are not unpacked BCD calendar dates;
 * an expiration date before the effective date.  Tolerates non-minimal
 * lengths (recorded in nonminimal_at) and leading zeros in integers.
 */
int clv_cvc_parse(const unsigned char *der, size_t len, const char *what,
    clv_cvc_t **out, clv_diag_t *diag);
void clv_cvc_free(clv_cvc_t *c);

/* A bare 7F49 public key data object (EJBCA writes them). */
int clv_cvc_key_parse(const unsigned char *der, size_t len, const char *what,
    clv_cvc_key_t *out, clv_diag_t *diag);

/*
 * Profile rules a single certificate must meet: domain parameters in a
 * CVCA certificate (self-signed or link) and in EC requests, never in a DV
 * or terminal certificate (there the public point 86 alone).
 * CLV_E_FORMAT with the reason.
 */
int clv_cvc_check_profile(const clv_cvc_t *c, clv_diag_t *diag);

int clv_cvc_is_self_signed(const clv_cvc_t *c);   /* a certificate with CAR == CHR */
/* The date as time_t: 00:00:00 UTC of that day. */
time_t clv_cvc_date_time(const clv_cvc_date_t *d);
/* -1, 0, 1 */
int clv_cvc_date_cmp(const clv_cvc_date_t *a, const clv_cvc_date_t *b);
/* Valid 2000..2099 calendar date. */
int clv_cvc_date_is_valid(const clv_cvc_date_t *d);
/* The UTC day of t. */
void clv_cvc_date_from_time(time_t t, clv_cvc_date_t *out);

/*
 * A usable public key.  An EC key without domain parameters (DV, terminal)
 * takes those of domain: the key of the CVCA certificate the chain goes
 * back to (domain-parameter inheritance); domain is ignored for a key that
 * carries its own and for RSA.  The point must lie on the curve; the curve
 * is named when the parameters are those of a known one.
 */
int clv_cvc_key_resolve(const clv_cvc_key_t *key, const clv_cvc_key_t *domain,
    clv_pubkey_t **out, clv_diag_t *diag);
/* The same for a key without domain parameters on a curve the caller knows. */
int clv_cvc_key_resolve_curve(const clv_cvc_key_t *key, clv_curve_t curve,
    clv_pubkey_t **out, clv_diag_t *diag);

/*
 * Verifies a CV signature: ECDSA as plain r||s, each half as long as the
 * group order (a DER Ecdsa-Sig-Value is refused), RSA PKCS#1 v1.5 or PSS
 * with salt = hash length.  alg is the SIGNER's id-TA algorithm.  what names
 * the object for the diagnostic.  0, CLV_E_SIG_INVALID or another error.
 */
int clv_cvc_verify_sig(clv_cvc_alg_t alg, const clv_pubkey_t *key,
    const unsigned char *data, size_t len, const unsigned char *sig, size_t siglen,
    const char *what, clv_diag_t *diag);

/*
 * The signature of c (over its 7F4E TLV) with the signer's public key; for
 * a self-signed certificate or a request's proof of possession pass c's own
 * key.  domain as in clv_cvc_key_resolve.
 */
int clv_cvc_verify(const clv_cvc_t *c, const clv_cvc_key_t *signer,
    const clv_cvc_key_t *domain, clv_diag_t *diag);
/* The outer signature of an authenticated request: over the inner 7F21 TLV
 * followed by the 42 outer-CAR TLV, both as received. */
int clv_cvc_verify_outer(const clv_cvc_t *c, const clv_cvc_key_t *signer,
    const clv_cvc_key_t *domain, clv_diag_t *diag);

/*
 * Writing.  Everything is encoded through libtasn1, minimally: unsigned
 * integers without leading zeros, points uncompressed.
 */

/* 7F49 from a key (the HSM's public key): with_domain writes 81..87 (CVCA
 * self-signed and link certificates, requests), otherwise 86 only. */
int clv_cvc_encode_pubkey(const clv_pubkey_t *k, clv_cvc_alg_t alg, int with_domain,
    clv_buf_t *out);
/* 7F49 re-encoded from a parsed key, with or without its domain parameters
 * (a DV certificate issued from a request leaves them out). */
int clv_cvc_encode_key(const clv_cvc_key_t *k, int with_domain, clv_buf_t *out);

typedef struct clv_cvc_spec {
	const char *car;                /* NULL: none (a request only) */
	clv_cvc_bytes_t pubkey;         /* 7F49 TLV */
	const char *chr;
	clv_cvc_terminal_t type;        /* CLV_CVC_TERM_NONE: a request */
	const unsigned char *auth;      /* relative authorization */
	size_t auth_len;
	clv_cvc_date_t ced, cxd;        /* certificates */
	clv_cvc_bytes_t ext;            /* 73 templates (content of 65); p NULL: none */
} clv_cvc_spec_t;

/* The fields of a parsed object as a spec (pointing into c). */
void clv_cvc_spec_from(const clv_cvc_t *c, clv_cvc_spec_t *out);
/* 7F4E body: CPI 0, CAR, public key, CHR, then for a certificate CHAT,
 * CED, CXD, and extensions.  CLV_E_INVALID_ARG with the reason in diag. */
int clv_cvc_encode_body(const clv_cvc_spec_t *s, clv_buf_t *out, clv_diag_t *diag);
/* 7F21 { body as given, 5F37 sig } (a certificate or a request). */
int clv_cvc_assemble(const unsigned char *body, size_t body_len,
    const unsigned char *sig, size_t siglen, clv_buf_t *out);
/* What the outer signature of an authenticated request covers. */
int clv_cvc_outer_tbs(const unsigned char *req, size_t req_len, const char *outer_car,
    clv_buf_t *out);
/* 67 { 7F21 request as given, 42 outer CAR, 5F37 sig }. */
int clv_cvc_assemble_auth(const unsigned char *req, size_t req_len,
    const char *outer_car, const unsigned char *sig, size_t siglen, clv_buf_t *out);

/*
 * A signature as clv_hsm_sign returns it (X.509 form) to a CV signature:
 * ECDSA Ecdsa-Sig-Value DER to r||s, each left-padded to the octet length
 * of the key's group order; RSA copied.
 */
int clv_cvc_sig_from_x509(const clv_pubkey_t *key, const unsigned char *sig,
    size_t siglen, clv_buf_t *out);

/* Human-readable description of a certificate or request. */
int clv_cvc_print(FILE *fp, const clv_cvc_t *c);
/* "CVCA", "DV (official domestic)", ..., by terminal type. */
const char *clv_cvc_role_name(clv_cvc_terminal_t type, clv_cvc_role_t role);
const char *clv_cvc_terminal_name(clv_cvc_terminal_t type);

/*
 * Issuance lints (our output, and chains we accept): subject issued by
 * issuer.  Findings (stable codes):
 *   cvc-car            subject CAR != issuer CHR
 *   cvc-terminal-type  CHAT role OIDs differ
 *   cvc-role           CVCA issues CVCA (self-signed / link) and DVs, a DV
 *                      issues terminals, a terminal issues nothing
 *   cvc-rights         a right (bit) the issuer does not hold
 *   cvc-cxd            DV / terminal expiring after the issuer
 *   cvc-ced            effective date outside the issuer's validity
 *   cvc-dates          expiration before effective date
 *   cvc-domain         domain parameters where the profile wants none, or missing
 *   cvc-nonminimal     a non-minimal length
 *   cvc-leading-zero   an unsigned integer (81, 82, 83, 85, 87) with leading zeros
 * 0 when clean, CLV_E_LINT with res filled, another error on bad arguments.
 */
int clv_cvc_lint_issued(const clv_cvc_t *issuer, const clv_cvc_t *subject,
    clv_lint_result_t *res);

#endif
