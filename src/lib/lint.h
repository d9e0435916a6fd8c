/*
 * Profile lints: the to-be-signed object is decoded afresh from its DER and
 * checked against Doc 9303-12 and the template before anything is signed.
 * Every violation is reported, each with a stable code and a sentence.
 */
#ifndef CLV_LINT_H
#define CLV_LINT_H

#include "clv.h"
#include "template.h"
#include "util.h"

#define CLV_LINT_MAX 48

typedef struct clv_lint_finding {
	char code[48];              /* "ku-missing", "bc-pathlen", ... */
	char msg[256];
} clv_lint_finding_t;

typedef struct clv_lint_result {
	clv_lint_finding_t f[CLV_LINT_MAX];
	size_t n;
} clv_lint_result_t;

/*
 * CSCA self-signed certificate (Doc 9303-12 Tables 5 and 6, template limits).
 * Returns 0 when clean, CLV_E_LINT with res filled when not, or another error
 * when the TBS cannot be decoded at all.
 */
int clv_lint_csca_tbs(const unsigned char *tbs, size_t len, const clv_template_t *t,
    clv_lint_result_t *res);

/*
 * A CSCA link certificate (new key, signed by the old one): the CSCA profile
 * of t, but issuer = issuer_name (the old certificate's subject, byte for
 * byte), authorityKeyIdentifier mandatory and = issuer_ski, nameChange
 * (non-critical NULL) exactly when the subject differs from the issuer.
 * Returns as clv_lint_csca_tbs.
 */
int clv_lint_link_tbs(const unsigned char *tbs, size_t len, const clv_template_t *t,
    const clv_buf_t *issuer_name, const clv_buf_t *issuer_ski, clv_lint_result_t *res);

/*
 * Master List Signer or Deviation List Signer certificate (t->profile mls or
 * dls) issued by the CSCA whose certificate has subject DER issuer_name and
 * subjectKeyIdentifier issuer_ski (both required): Doc 9303-12 Table 5,
 * Table 6 ML/DL Signer column and the template's limits.  issuer must equal
 * issuer_name byte for byte; AKI m/nc = issuer_ski; SKI o/nc; keyUsage m/c
 * exactly digitalSignature; extendedKeyUsage m/c exactly the profile's OID;
 * PrivateKeyUsagePeriod o/nc within the validity; SAN, IAN, CRL DP m/nc;
 * no basicConstraints.  CLV_E_INVALID_ARG for a template of another profile.
 * Returns as clv_lint_csca_tbs.
 */
int clv_lint_signer_tbs(const unsigned char *tbs, size_t len, const clv_template_t *t,
    const clv_buf_t *issuer_name, const clv_buf_t *issuer_ski, clv_lint_result_t *res);

/*
 * Document Signer certificate (t->profile ds) issued by the CSCA whose
 * certificate has subject DER issuer_name and subjectKeyIdentifier
 * issuer_ski (both required): Doc 9303-12 Table 5, Table 6 DS column and
 * the template's limits.  issuer equal to issuer_name byte for byte; subject
 * not the CSCA's, its country the CSCA's and the template's (a Document
 * Signer of another country is refused: "ds-country"); AKI m/nc =
 * issuer_ski; SKI o/nc; keyUsage m/c exactly digitalSignature;
 * PrivateKeyUsagePeriod m/nc within the validity, no longer than
 * t->key_usage_period_max, the certificate not outliving its end by more
 * than t->document_validity; DocumentTypeList m/nc, version 0, 1..n entries
 * of 1-2 upper-case letters, in DER, the template's types; SAN, IAN, CRL DP
 * m/nc; no basicConstraints, extendedKeyUsage or nameChange.
 * CLV_E_INVALID_ARG for a template of another profile.  Returns as
 * clv_lint_csca_tbs.
 */
int clv_lint_ds_tbs(const unsigned char *tbs, size_t len, const clv_template_t *t,
    const clv_buf_t *issuer_name, const clv_buf_t *issuer_ski, clv_lint_result_t *res);

/* CSCA CRL (Doc 9303-12 Tables 9 and 10; nextUpdate within max_interval,
 * 90 days when NULL), issued by the certificate with this subject and SKI
 * (either may be NULL to skip that comparison). */
int clv_lint_crl_tbs(const unsigned char *tbs, size_t len, const clv_duration_t *max_interval,
    const clv_buf_t *issuer_name, const clv_buf_t *issuer_ski, clv_lint_result_t *res);

/* All findings on one line each, "code: message". */
/* Adds a finding (dropped beyond CLV_LINT_MAX): for the lints of other modules. */
void clv_lint_add(clv_lint_result_t *res, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void clv_lint_format(const clv_lint_result_t *res, char *out, size_t outlen);

#endif
