/*
 * Building what the CA signs: TBSCertificate and TBSCertList from a profile,
 * and the signed objects around them.  Everything goes through libtasn1.
 */
#ifndef CLV_ISSUE_H
#define CLV_ISSUE_H

#include "clv.h"
#include "pubkey.h"
#include "sigalg.h"
#include "template.h"

/* The subject Name of a template; rehearsal prefixes the commonName with "REHEARSAL ". */
int clv_issue_name(const clv_template_t *t, int rehearsal, clv_buf_t *out);

/* The signature algorithm a template asks for with a key of this type. */
int clv_issue_sigalg(const clv_template_t *t, const clv_pubkey_t *signer, clv_sigalg_t *out);

typedef struct clv_cert_request {
	const clv_template_t *tmpl;
	const clv_pubkey_t *subject_key;
	const clv_pubkey_t *issuer_key;      /* AKI; the subject key when self-signed */
	const clv_buf_t *issuer_name;        /* NULL: self-signed, issuer = subject */
	const unsigned char *serial;         /* positive, big-endian, <= 20 octets */
	size_t serial_len;
	time_t not_before;
	clv_duration_t validity;             /* zero: the template's */
	clv_sigalg_t sigalg;
	int rehearsal;                       /* stamps the template's CN (not subject_name) */
	const clv_buf_t *subject_name;       /* subject Name DER; NULL: the template's.
	                                      * Required for profile ds (the request's) */
	/* A CSCA link certificate (profile csca, issuer_name the old CSCA's):
	 * authorityKeyIdentifier whatever the template says, NameChange
	 * (2.23.136.1.1.6.1, NULL) when issuer_name differs from the subject. */
	int link;
	time_t not_after;                    /* nonzero: notAfter, whatever the validity */
	time_t pkup_not_after;               /* nonzero: end of PrivateKeyUsagePeriod */
} clv_cert_request_t;

/*
 * The TBSCertificate of req.  Validity: req->validity, or when zero the
 * template's; for profile ds the key usage period followed by the template's
 * document_validity (notAfter = notBefore + PKUP + document_validity).
 * Profile ds also carries the template's DocumentTypeList (2.23.136.1.1.6.2,
 * non-critical).  CLV_E_INVALID_ARG for ds without subject_name.
 */
int clv_issue_tbs_cert(const clv_cert_request_t *req, clv_buf_t *out);
/* Certificate ::= SEQUENCE { tbs, signatureAlgorithm, signature } */
int clv_issue_cert(const clv_buf_t *tbs, const clv_sigalg_t *alg, const clv_buf_t *sig,
    clv_buf_t *out);

typedef struct clv_crl_request {
	const clv_buf_t *issuer_name;        /* issuer certificate's subject DER */
	const clv_buf_t *issuer_key_id;      /* AKI keyIdentifier (issuer SKI) */
	clv_sigalg_t sigalg;
	time_t this_update, next_update;
	const unsigned char *crl_number;     /* big-endian, positive */
	size_t crl_number_len;
	size_t n_revoked;
	const clv_buf_t *revoked_serials;
	const time_t *revocation_dates;
} clv_crl_request_t;

int clv_issue_tbs_crl(const clv_crl_request_t *req, clv_buf_t *out);
int clv_issue_crl(const clv_buf_t *tbs, const clv_sigalg_t *alg, const clv_buf_t *sig,
    clv_buf_t *out);

/* A PKCS#10 CertificationRequestInfo (v1, no attributes) for a key made on
 * an online host, and the CertificationRequest around its signature (the
 * key's own, made by its HSM: the proof of possession). */
int clv_issue_csr_info(const clv_buf_t *subject, const clv_pubkey_t *key, int explicit_params,
    clv_buf_t *out);
int clv_issue_csr(const clv_buf_t *info, const clv_sigalg_t *alg, const clv_buf_t *sig,
    clv_buf_t *out);

#endif
