/*
 * CMS SignedData (RFC 5652) as ICAO Doc 9303 uses it: the CSCA Master List
 * (Part 12 §9) and the Deviation List (Part 12 §10), built and signed, and
 * read and verified (our own lists and real ones, with their quirks).
 * Every structure goes through src/lib/asn1/clv-cms.asn (libtasn1).
 */
#ifndef CLV_CMS_H
#define CLV_CMS_H

#include "clv.h"
#include "sigalg.h"
#include "util.h"

#define CLV_OID_CMS_SIGNED_DATA      "1.2.840.113549.1.7.2"
#define CLV_OID_ICAO_LDS_SOD         "2.23.136.1.1.1"
#define CLV_OID_ICAO_MASTER_LIST     "2.23.136.1.1.2"
#define CLV_OID_ICAO_DEVIATION_LIST  "2.23.136.1.1.7"

/* ---- Content: CscaMasterList ------------------------------------------- */

/*
 * DER CscaMasterList { version v0, certList SET OF Certificate } of n DER
 * certificates (DER-sorted by libtasn1; their order does not matter).  Each
 * must be one well-formed certificate; a repeated certificate is refused.
 * Which certificates belong in a Master List is the caller's policy.
 */
int clv_cms_ml_content(const clv_buf_t *certs, size_t n, clv_buf_t *out, clv_diag_t *diag);

/* The certificates of a CscaMasterList (an eContent), each DER as received.
 * Version must be v0.  Free with clv_cms_certs_free. */
int clv_cms_ml_parse(const unsigned char *der, size_t len, const char *what,
    clv_buf_t **certs, size_t *n, clv_diag_t *diag);
void clv_cms_certs_free(clv_buf_t *certs, size_t n);

/* ---- Content: DeviationList -------------------------------------------- */

typedef enum clv_dl_dsc_kind {
	CLV_DL_DSC_NONE = 0,            /* dscIdentifier absent */
	CLV_DL_DSC_ISSUER_SERIAL = 1,   /* [1] issuerAndSerialNumber */
	CLV_DL_DSC_SKI = 2,             /* [2] subjectKeyIdentifier */
	CLV_DL_DSC_CERT_DIGEST = 3,     /* [3] certificateDigest (under digest_alg) */
} clv_dl_dsc_kind_t;

/* DeviationDocuments: which documents; every field is optional. */
typedef struct clv_dl_documents {
	char document_type[3];          /* two PrintableString characters; "" = absent */
	clv_dl_dsc_kind_t dsc_kind;
	clv_buf_t dsc_issuer;           /* ISSUER_SERIAL: issuer Name DER */
	clv_buf_t dsc_serial;           /* ISSUER_SERIAL: serial, big-endian, positive */
	clv_buf_t dsc_id;               /* SKI: key identifier; CERT_DIGEST: the hash */
	int has_issuing_period;
	time_t first_issued, last_issued;   /* GeneralizedTime, first <= last */
	char **document_numbers;        /* PrintableString each */
	size_t n_document_numbers;
} clv_dl_documents_t;

/* DeviationDescription. */
typedef struct clv_dl_description {
	char *description;              /* PrintableString; NULL = absent */
	char deviation_type[64];        /* OID, e.g. "2.23.136.1.1.7.2.2" (DGHashWrong) */
	clv_buf_t parameters;           /* one DER TLV ([0] EXPLICIT); empty = absent */
	clv_buf_t national_use;         /* one DER TLV ([1] EXPLICIT); empty = absent */
} clv_dl_description_t;

typedef struct clv_dl_deviation {
	clv_dl_documents_t documents;
	clv_dl_description_t *descriptions;    /* at least one */
	size_t n_descriptions;
} clv_dl_deviation_t;

typedef struct clv_dl {
	int version;                    /* 0 (v0), the only version */
	clv_hash_alg_t digest_alg;      /* digestAlg (certificateDigest); NONE = absent */
	clv_dl_deviation_t *deviations;
	size_t n_deviations;
} clv_dl_t;

/* DER DeviationList from dl (which the caller owns).  Errors name the
 * deviation and field: "deviation 2: description 1: deviationType ...". */
int clv_cms_dl_content(const clv_dl_t *dl, clv_buf_t *out, clv_diag_t *diag);
/* Parses a DeviationList (an eContent) into a new clv_dl_t (clv_cms_dl_free). */
int clv_cms_dl_parse(const unsigned char *der, size_t len, const char *what,
    clv_dl_t **out, clv_diag_t *diag);
void clv_cms_dl_free(clv_dl_t *dl);

/* ---- Signing ------------------------------------------------------------ */

/*
 * Signs data (DER(signedAttrs) with tag SET OF) under alg; returns the
 * signature in X.509 form: Ecdsa-Sig-Value DER for ECDSA, the raw signature
 * for RSA.  clv_hsm_sign has this shape (with the label in ctx).
 */
typedef int clv_cms_sign_fn(void *ctx, const clv_sigalg_t *alg,
    const unsigned char *data, size_t len, clv_buf_t *sig);

typedef struct clv_cms_signer {
	const clv_buf_t *cert;          /* the signer's certificate (MLS / DLS), DER */
	const clv_buf_t *ski;           /* sid; NULL: the certificate's SKI extension */
	clv_sigalg_t sigalg;            /* ECDSA, RSA PKCS#1 v1.5 or RSA-PSS; no SHA-1 */
	clv_hash_alg_t digest;          /* digestAlgorithm; NONE: sigalg.hash (the only
	                                 * value accepted: verifiers disagree otherwise) */
	time_t signing_time;            /* UTCTime through 2049, GeneralizedTime after */
	const clv_buf_t *extra_certs;   /* also in certificates: the issuing CSCA */
	size_t n_extra_certs;
	clv_cms_sign_fn *sign;
	void *sign_ctx;
} clv_cms_signer_t;

/*
 * DER ContentInfo { signedData, SignedData v3 } around econtent:
 * digestAlgorithms { digest, no parameters }, encapContentInfo { eContentType,
 * [0] OCTET STRING econtent }, certificates [0] { signer cert, extra certs },
 * one SignerInfo v3 { sid [0] subjectKeyIdentifier, digestAlgorithm (no
 * parameters), signedAttrs { contentType, signingTime, messageDigest } in DER
 * order, signatureAlgorithm per clv_sigalg_encode, signature }.
 * The result is parsed and its signature verified under the signer
 * certificate before it is returned: a signature made with another key than
 * the certificate's gives CLV_E_KEY_MISMATCH.
 */
int clv_cms_sign(const char *econtent_type, const unsigned char *econtent, size_t len,
    const clv_cms_signer_t *signer, clv_buf_t *out, clv_diag_t *diag);

/* ---- Reading and verifying --------------------------------------------- */

/* Departures from the standards seen while reading (clv_cms_t.quirks). */
#define CLV_CMS_QUIRK_DIGEST_ALG_NULL    0x01u  /* digestAlgorithm with NULL parameters
                                                 * (Doc 9303: verifiers accept it) */
#define CLV_CMS_QUIRK_DIGESTINFO_NO_NULL 0x02u  /* RSA PKCS#1 v1.5 DigestInfo without
                                                 * NULL (ICAO Master List Jan 2021) */
#define CLV_CMS_QUIRK_SHA1               0x04u  /* SHA-1 digest or signature */
#define CLV_CMS_QUIRK_NOT_DER            0x08u  /* BER, not DER (lengths, strings...) */

/* "digestAlgorithm with NULL parameters, ..." ("none" when 0). */
void clv_cms_quirks_describe(unsigned quirks, char *out, size_t outlen);

typedef struct clv_cms {
	int version;                    /* SignedData version */
	char econtent_type[64];
	clv_buf_t econtent;             /* eContent OCTET STRING value */
	clv_buf_t *certs;               /* SignedData.certificates, DER as received */
	size_t n_certs;
	/* the SignerInfo (Conclave reads exactly one) */
	int signer_version;             /* 1: issuerAndSerialNumber, 3: subjectKeyIdentifier */
	clv_buf_t sid_ski;              /* v3 */
	clv_buf_t sid_issuer;           /* v1: issuer Name DER */
	clv_buf_t sid_serial;           /* v1: serialNumber INTEGER contents octets */
	clv_hash_alg_t digest_alg;
	clv_buf_t sigalg_der;           /* signatureAlgorithm as received */
	clv_sigalg_t sigalg;            /* rsaEncryption resolved to PKCS#1 with digest_alg */
	clv_buf_t signed_attrs;         /* DER(signedAttrs) re-tagged SET OF: what was signed */
	char content_type_attr[64];     /* the contentType attribute */
	clv_buf_t message_digest;       /* the messageDigest attribute */
	int has_signing_time;
	time_t signing_time;
	clv_buf_t signature;
	unsigned quirks;                /* CLV_CMS_QUIRK_* */
	/* set by clv_cms_verify */
	clv_buf_t signer_cert;          /* DER of the certificate that verified */
	int anchored;                   /* signer cert is, or is issued by, a trust anchor
	                                 * (or is the caller's trusted signer certificate) */
	size_t anchor_index;            /* which anchor, when anchored by one */
} clv_cms_t;

void clv_cms_free(clv_cms_t *c);

/*
 * Reads a DER ContentInfo holding SignedData with exactly one SignerInfo,
 * eContent present, signedAttrs present with one contentType and one
 * messageDigest (signingTime optional here).  No cryptography.  Lenient on
 * what real lists carry: sid of either kind, digestAlgorithm with NULL,
 * rsaEncryption as signatureAlgorithm, SHA-1, extra attributes
 * (CMSAlgorithmProtection), BER where libtasn1 accepts it; quirks records
 * them.  what names the input in diag.
 */
int clv_cms_parse(const unsigned char *der, size_t len, const char *what, clv_cms_t **out,
    clv_diag_t *diag);

#define CLV_CMS_VERIFY_UNANCHORED 0x1u  /* no trust anchor: check the signature under
                                         * the embedded signer certificate only;
                                         * trusting it is the caller's business */
#define CLV_CMS_VERIFY_STRICT     0x2u  /* refuse DIGESTINFO_NO_NULL, SHA1 and NOT_DER */

typedef struct clv_cms_verify_opts {
	const char *econtent_type;      /* expected eContentType; NULL: any */
	const clv_buf_t *anchors;       /* trust anchors (CSCA certificates), DER */
	size_t n_anchors;
	const clv_buf_t *signer_cert;   /* a signer certificate trusted as is; the
	                                 * SignerInfo must name it; NULL: none */
	unsigned flags;                 /* CLV_CMS_VERIFY_* */
} clv_cms_verify_opts_t;

/*
 * clv_cms_parse, then:
 *  - eContentType is opts->econtent_type (CLV_E_FORMAT);
 *  - the signer certificate is opts->signer_cert or the one in certificates
 *    that the sid names (subjectKeyIdentifier, or issuer and serial number);
 *  - it is a trust anchor or its signature verifies under an anchor whose
 *    subject is its issuer (or whose SKI is its AKI), unless
 *    opts->signer_cert or CLV_CMS_VERIFY_UNANCHORED (one of the three is
 *    required: CLV_E_INVALID_ARG);
 *  - the contentType attribute equals eContentType (CLV_E_INTEGRITY);
 *  - messageDigest equals the digest of eContent (CLV_E_INTEGRITY);
 *  - signingTime is present for Master and Deviation Lists (CLV_E_FORMAT)
 *    and, when present, within the signer certificate's validity; a keyUsage
 *    of the signer certificate has digitalSignature (CLV_E_POLICY);
 *  - the signature over signedAttrs verifies (CLV_E_SIG_INVALID).
 * Every failure says which check failed in diag.  On success *out (if not
 * NULL) holds the parsed list with signer_cert and anchored set.
 */
int clv_cms_verify(const unsigned char *der, size_t len, const char *what,
    const clv_cms_verify_opts_t *opts, clv_cms_t **out, clv_diag_t *diag);

#endif
