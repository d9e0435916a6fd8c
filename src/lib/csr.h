/*
 * PKCS#10 certification requests (RFC 2986) carried in from Document Signer
 * hosts: parsed byte for byte, the signature checked with the request's own
 * key (proof of possession).  What the certificate says comes from the
 * template, never from the request's attributes.
 */
#ifndef CLV_CSR_H
#define CLV_CSR_H

#include "clv.h"
#include "pubkey.h"
#include "sigalg.h"

typedef struct clv_csr {
	char what[256];             /* the input's name, as given to clv_csr_parse */
	clv_buf_t der;              /* the request (DER, after PEM decoding), as received */
	size_t info_off, info_len;  /* certificationRequestInfo inside der: what was signed */
	int version;                /* 0 (v1), the only version RFC 2986 knows */
	clv_buf_t subject_der;      /* subject Name, byte for byte */
	char subject[512];          /* "C=UT,O=...,CN=..." (cut short with "..." if longer) */
	char subject_country[8];    /* first countryName as encoded (may be lower case);
	                             * "" when the subject has none */
	clv_buf_t spki_der;         /* subjectPKInfo, byte for byte */
	clv_pubkey_t *pubkey;       /* the key (named or explicit EC, RSA) */
	clv_buf_t sigalg_der;       /* signatureAlgorithm, byte for byte */
	clv_sigalg_t sigalg;
	clv_buf_t signature;        /* signature BIT STRING contents */
	size_t n_attributes;        /* attributes present (read, not used) */
} clv_csr_t;

/*
 * Parses one request, DER or PEM ("CERTIFICATE REQUEST").  what names the
 * input in diagnostics ("requests/ds1.csr").  Refused, with diag naming the
 * input and the field: not PEM/DER (CLV_E_PEM), malformed DER or trailing
 * bytes (CLV_E_DER), version other than v1 (CLV_E_FORMAT), a subject that is
 * not a Name (CLV_E_DER), a key we cannot use (CLV_E_UNSUPPORTED_ALG or
 * _CURVE, or CLV_E_DER), a signature algorithm not understood
 * (CLV_E_UNSUPPORTED_ALG).  The signature is not checked here.
 */
int clv_csr_parse(const unsigned char *in, size_t len, const char *what, clv_csr_t **out,
    clv_diag_t *diag);

/*
 * Proof of possession: the request's signature over certificationRequestInfo
 * (the bytes as received) verifies with the request's own key, through
 * clv_verify.  0, CLV_E_SIG_INVALID, or another error.
 */
int clv_csr_verify_pop(const clv_csr_t *csr);

void clv_csr_free(clv_csr_t *csr);

#endif
