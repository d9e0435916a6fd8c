/* X.509 certificates and CRLs as others made them: lenient parsing, verification. */
#ifndef CLV_X509_H
#define CLV_X509_H

#include "clv.h"
#include "pubkey.h"
#include "sigalg.h"

/* keyUsage bits, as in RFC 5280 (bit 0 = digitalSignature). */
#define CLV_KU_DIGITAL_SIGNATURE 0x001
#define CLV_KU_NON_REPUDIATION   0x002
#define CLV_KU_KEY_ENCIPHERMENT  0x004
#define CLV_KU_DATA_ENCIPHERMENT 0x008
#define CLV_KU_KEY_AGREEMENT     0x010
#define CLV_KU_KEY_CERT_SIGN     0x020
#define CLV_KU_CRL_SIGN          0x040
#define CLV_KU_ENCIPHER_ONLY     0x080
#define CLV_KU_DECIPHER_ONLY     0x100

typedef struct clv_ext {
	char oid[64];
	int critical;
	clv_buf_t value;            /* extnValue OCTET STRING contents */
} clv_ext_t;

typedef struct clv_cert {
	clv_buf_t der;              /* the certificate, byte for byte as received */
	size_t tbs_off, tbs_len;    /* TBSCertificate inside der */
	clv_buf_t sigalg_der;       /* outer signatureAlgorithm */
	clv_sigalg_t sigalg;
	int sigalg_known;           /* 0: algorithm not understood (parse still succeeds) */
	clv_buf_t signature;        /* signatureValue BIT STRING contents */
	int version;                /* 1..3 */
	clv_buf_t serial;           /* INTEGER contents octets */
	clv_buf_t issuer_der, subject_der;
	char issuer[512], subject[512];   /* "C=DE,O=bund,CN=csca-germany" */
	char subject_country[8];    /* as encoded (may be lower case) */
	time_t not_before, not_after;
	clv_buf_t spki_der;
	clv_pubkey_t *pubkey;       /* NULL if the key algorithm is not supported */
	clv_ext_t *exts;
	size_t n_exts;
	/* decoded extensions */
	int has_ski, has_aki;
	clv_buf_t ski, aki;         /* key identifiers */
	int has_key_usage;
	unsigned key_usage;         /* CLV_KU_* */
	int has_basic_constraints, is_ca;
	int path_len;               /* -1: absent */
	int has_pkup;
	time_t pkup_not_before, pkup_not_after;  /* 0 when that half is absent */
	int has_name_change;
} clv_cert_t;

/*
 * Parses one DER certificate (nothing may follow it).  Lenient where real
 * ICAO data needs it: an unknown signature algorithm (sigalg_known 0) or key
 * algorithm (pubkey NULL), any DirectoryString type, a malformed SKI, AKI or
 * PrivateKeyUsagePeriod (left undecoded: has_* 0 while clv_cert_ext() still
 * finds it).  Malformed DER, a malformed keyUsage or basicConstraints, a
 * repeated extension, tbsCertificate.signature naming another algorithm than
 * signatureAlgorithm: CLV_E_DER with diag saying what failed.
 */
int clv_cert_parse(const unsigned char *der, size_t len, clv_cert_t **out, clv_diag_t *diag);
void clv_cert_free(clv_cert_t *c);
/* Verifies the certificate's signature over its TBS with issuer_key. */
int clv_cert_verify(const clv_cert_t *cert, const clv_pubkey_t *issuer_key);
const clv_ext_t *clv_cert_ext(const clv_cert_t *c, const char *oid);
/* A CSCA link certificate: AKI present and different from SKI (never issuer != subject).
 * Only a CSCA-role certificate (cA TRUE or keyCertSign) counts: a Document
 * Signer's AKI differs from its SKI too. */
int clv_cert_is_link(const clv_cert_t *c);
int clv_cert_is_self_signed(const clv_cert_t *c);

typedef struct clv_crl {
	clv_buf_t der;
	size_t tbs_off, tbs_len;
	clv_buf_t sigalg_der;
	clv_sigalg_t sigalg;
	int sigalg_known;
	clv_buf_t signature;
	int version;                /* 1 or 2 */
	clv_buf_t issuer_der;
	char issuer[512];
	time_t this_update, next_update;  /* next_update 0 when absent */
	int has_crl_number;
	clv_buf_t crl_number;
	int has_aki;
	clv_buf_t aki;
	size_t n_revoked;
	clv_buf_t *revoked_serials; /* n_revoked entries */
	time_t *revocation_dates;
} clv_crl_t;

int clv_crl_parse(const unsigned char *der, size_t len, clv_crl_t **out, clv_diag_t *diag);
void clv_crl_free(clv_crl_t *c);
int clv_crl_verify(const clv_crl_t *crl, const clv_pubkey_t *issuer_key);

/* "C=UT,O=...,CN=..." from a Name DER, in encoded order, RFC 4514 escaping,
 * every DirectoryString type as UTF-8, unknown types as "#<hex DER>".
 * CLV_E_INVALID_ARG if outlen is too small (out then holds the text cut
 * short, ending in "..."); CLV_E_DER if der is not a Name. */
int clv_name_to_text(const unsigned char *der, size_t len, char *out, size_t outlen);

/* 1 if two AlgorithmIdentifier DERs name the same signature algorithm (equal
 * bytes, or equal once decoded: NULL and absent parameters are the same). */
int clv_x509_same_sigalg(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen);

/* keyIdentifier of an AuthorityKeyIdentifier extnValue; keyid is left empty
 * (data NULL) when the field is absent.  CLV_E_DER if malformed. */
int clv_x509_aki_keyid(const unsigned char *der, size_t len, clv_buf_t *keyid);

#endif
