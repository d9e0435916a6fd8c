/* Certificate profiles loaded from templates/ (see conclave-template(5)). */
#ifndef CLV_TEMPLATE_H
#define CLV_TEMPLATE_H

#include "clv.h"
#include "pubkey.h"
#include "util.h"

/* A calendar duration: "15y3m", "90d", "3y" (each part 0..99999, units in the
 * order y, m, d, at least one part).  clv_duration_parse: CLV_E_FORMAT on
 * bad syntax; a zero duration ("0d") parses. */
typedef struct clv_duration {
	int years, months, days;
} clv_duration_t;

int clv_duration_parse(const char *s, clv_duration_t *out);
/* t + d in UTC calendar arithmetic: years and months first, the day clamped
 * to the end of the month reached (Jan 31 + 1m = Feb 28/29), then days.
 * (time_t)-1 if a field is outside 0..99999. */
time_t clv_duration_add(time_t t, const clv_duration_t *d);
int clv_duration_is_zero(const clv_duration_t *d);
/* 1 if a ends after b for some start date (1y against 366d: yes), else 0.
 * Durations in the same units compare field by field; mixed ones are tried
 * on every start day of a four-year leap cycle. */
int clv_duration_exceeds(const clv_duration_t *a, const clv_duration_t *b);

#define CLV_TMPL_MAX_URIS 4
#define CLV_TMPL_MAX_OIDS 4
#define CLV_TMPL_MAX_DOC_TYPES 8

/* The profile a template describes (its "profile" key). */
typedef enum clv_profile {
	CLV_PROFILE_NONE = 0,
	CLV_PROFILE_CSCA,           /* self-signed CSCA */
	CLV_PROFILE_MLS,            /* Master List Signer, issued by the CSCA */
	CLV_PROFILE_DLS,            /* Deviation List Signer, issued by the CSCA */
	CLV_PROFILE_DS,             /* Document Signer, from a PKCS#10 request */
	CLV_PROFILE_CVCA,           /* EAC: CVCA CV certificate (self-signed and link) */
	CLV_PROFILE_DV,             /* EAC: DV CV certificates the CVCA issues */
} clv_profile_t;

/* EAC inspection-system rights (the low bits of the relative authorization). */
#define CLV_CV_RIGHT_DG3 0x01       /* read DG3, fingerprints */
#define CLV_CV_RIGHT_DG4 0x02       /* read DG4, iris */

/* Doc 9303-12 ExtendedKeyUsage purposes of the signer profiles. */
#define CLV_OID_EKU_MLS "2.23.136.1.1.3"    /* id-icao-cscaMasterListSigningKey */
#define CLV_OID_EKU_DLS "2.23.136.1.1.8"    /* id-icao-DeviationListSigningKey */

typedef struct clv_template {
	char path[512];
	char profile[16];           /* "csca", "mls", "dls" or "ds" (later: "link", ...) */
	clv_profile_t profile_id;   /* the same as an enum */

	/* subject (and, self-signed, issuer).  ds: only the country, the policy
	 * a request's subject must meet; the rest of the subject is the request's */
	char country[3];            /* two upper-case letters (ISO 3166-1 alpha-2) */
	char organization[65];
	char org_unit[65];
	char common_name[65];
	char serial_number[65];     /* optional: the subject's serialNumber attribute */

	/* key (ds: the key type a request must carry) */
	clv_keyspec_t key;
	int explicit_params;        /* EC: SpecifiedECDomain in the SPKI (default yes) */
	clv_hash_alg_t hash;        /* signature hash */
	int rsa_pss;

	/* lifetimes */
	clv_duration_t validity;        /* certificate validity from notBefore */
	clv_duration_t validity_max;    /* lint limit */
	clv_duration_t key_usage_period;/* PrivateKeyUsagePeriod length; zero = extension absent */
	clv_duration_t crl_next_update; /* CRLs signed by this key: nextUpdate - thisUpdate */
	/* ds only (zero otherwise).  The certificate is valid for the key usage
	 * period followed by document_validity (Doc 9303-12: usage period + the
	 * longest validity of a document signed); validity holds the field-wise
	 * sum, the builder adds the two in sequence. */
	clv_duration_t document_validity;   /* longest validity of a document signed */
	clv_duration_t key_usage_period_max;/* ds.max_usage_period, default 3m */

	/* extensions */
	int ku_present, ku_critical;
	unsigned key_usage;         /* CLV_KU_* from x509.h */
	int bc_present, bc_critical, bc_ca;
	int bc_path_len;            /* -1: absent */
	int ski;                    /* SubjectKeyIdentifier */
	int aki;                    /* AuthorityKeyIdentifier */
	int pkup;                   /* PrivateKeyUsagePeriod */
	int san, ian;               /* DirName alt names */
	char alt_locality[8];       /* DirName L= (ICAO three-letter code, e.g. "UTO") */
	char alt_state[8];          /* DirName ST= (optional) */
	char crl_dp[CLV_TMPL_MAX_URIS][256];
	size_t n_crl_dp;
	char eku[CLV_TMPL_MAX_OIDS][64];
	size_t n_eku;
	int eku_critical;
	char policy[CLV_TMPL_MAX_OIDS][64];
	size_t n_policy;
	/* DocumentTypeList (2.23.136.1.1.6.2, ds only): 1-2 upper-case letters
	 * each, as in the MRZ, in the order the template gives them */
	char doc_types[CLV_TMPL_MAX_DOC_TYPES][3];
	size_t n_doc_types;

	/* EAC (profiles cvca and dv; see conclave-template(5)) */
	char cv_mnemonic[10];       /* cvca: holder mnemonic of the CHR (0..9 chars) */
	char cv_sequence[6];        /* cvca: sequence number of its CHR (5 chars) */
	unsigned cv_rights;         /* CLV_CV_RIGHT_*: the CVCA's, or the most a DV gets */
	int cv_domestic, cv_foreign;/* dv: which DV roles may be certified */
} clv_template_t;

/* Loads and checks a template; errors name file, line and expected value.
 * Every syntax or consistency error is CLV_E_TEMPLATE (also those of the
 * conf lexer); a missing file is CLV_E_FILE_NOT_FOUND.  *out is zeroed
 * first and filled only on success. */
int clv_template_load(const char *path, clv_template_t *out, clv_diag_t *diag);

/* The ExtendedKeyUsage OID a signer profile must carry (CLV_OID_EKU_MLS or
 * _DLS); NULL for a profile without one (csca). */
const char *clv_template_signer_eku(const clv_template_t *t);

#endif
