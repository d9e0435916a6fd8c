/*
 * Bundles (conclave-bundle(5)): everything that crosses the air gap on
 * removable media.  A bundle is a directory holding the artifacts, a
 * MANIFEST naming producer, recipient, purpose, sequence number, creation
 * time, rehearsal flag and each artifact's name, type, size and SHA-256,
 * and MANIFEST.sig, the producer's signature over the exact MANIFEST bytes.
 *
 * Export builds the bundle in a sibling "TARGET.partial-XXXXXXXXXXXX"
 * directory, fsyncs it, renames it to TARGET (never over an existing one)
 * and reads it back and verifies it before reporting success.
 *
 * Import (clv_bundle_verify) checks the signature against the producer key
 * pinned at set-up before it interprets anything but the names of producer,
 * signer key and algorithm, then the header against what the step expects,
 * then the directory against the manifest, then every artifact's size and
 * hash, and only then hands back the artifacts, so that the caller can
 * import them all or none.
 */
#ifndef CLV_BUNDLE_H
#define CLV_BUNDLE_H

#include "clv.h"
#include "pubkey.h"
#include "sigalg.h"

#define CLV_BUNDLE_MANIFEST "MANIFEST"
#define CLV_BUNDLE_SIGNATURE "MANIFEST.sig"
/* Export's temporary directory is TARGET CLV_BUNDLE_PARTIAL_MARK HEX; a
 * directory whose name contains the mark is never imported. */
#define CLV_BUNDLE_PARTIAL_MARK ".partial-"

/* Limits of the format. */
#define CLV_BUNDLE_MAX_ID 64                    /* producer, recipient */
#define CLV_BUNDLE_MAX_NAME 128                 /* artifact name */
#define CLV_BUNDLE_MAX_ARTIFACTS 1000
#define CLV_BUNDLE_MAX_ARTIFACT_SIZE (64u * 1024 * 1024)

/* What a bundle is for: which way it crosses.  Values are stable. */
typedef enum clv_bundle_purpose {
	CLV_BUNDLE_PURPOSE_NONE = 0,
	CLV_BUNDLE_DS_CERTIFICATES = 1,   /* ceremony -> DS host */
	CLV_BUNDLE_PKD_PUBLICATION = 2,   /* ceremony -> PKD host */
	CLV_BUNDLE_CSR_REQUEST = 3,       /* DS host -> ceremony */
	CLV_BUNDLE_CV_REQUEST = 4,        /* SPOC/DVCA -> ceremony */
	CLV_BUNDLE_CV_CERTIFICATES = 5,   /* ceremony -> SPOC/DVCA */
} clv_bundle_purpose_t;

/* What an artifact is.  Values are stable. */
typedef enum clv_artifact_type {
	CLV_ARTIFACT_NONE = 0,
	CLV_ARTIFACT_CERTIFICATE = 1,
	CLV_ARTIFACT_CRL = 2,
	CLV_ARTIFACT_MASTER_LIST = 3,
	CLV_ARTIFACT_DEVIATION_LIST = 4,
	CLV_ARTIFACT_CSR = 5,
	CLV_ARTIFACT_CV_REQUEST = 6,
	CLV_ARTIFACT_CV_CERTIFICATE = 7,
	CLV_ARTIFACT_OTHER = 8,
} clv_artifact_type_t;

/* "ds-certificates", ...; NULL for an unknown value. */
const char *clv_bundle_purpose_name(clv_bundle_purpose_t p);
/* CLV_BUNDLE_PURPOSE_NONE for an unknown name. */
clv_bundle_purpose_t clv_bundle_purpose_by_name(const char *name);
/* "certificate", "crl", "master-list", ...; NULL for an unknown value. */
const char *clv_artifact_type_name(clv_artifact_type_t t);
clv_artifact_type_t clv_artifact_type_by_name(const char *name);
/* 1 if a bundle of purpose p may carry an artifact of type t (see
 * conclave-bundle(5): "other" goes with every purpose). */
int clv_bundle_type_is_allowed(clv_bundle_purpose_t p, clv_artifact_type_t t);

/* The header of a bundle. */
typedef struct clv_bundle_header {
	const char *producer;       /* "ceremony:UT-CSCA", "host:ds1" */
	const char *recipient;
	clv_bundle_purpose_t purpose;
	uint64_t sequence;          /* >= 1, one more for each bundle producer -> recipient */
	time_t created;             /* from the caller's clock */
	int rehearsal;
} clv_bundle_header_t;

/* One artifact: to export, or verified.  sha256 is filled by verification
 * (and ignored by export). */
typedef struct clv_bundle_artifact {
	const char *name;           /* [A-Za-z0-9._-], not starting with '.' or "MANIFEST" */
	clv_artifact_type_t type;
	const unsigned char *data;
	size_t len;
	unsigned char sha256[32];
} clv_bundle_artifact_t;

/*
 * Signs data (the exact MANIFEST bytes) with the producer's bundle-signing
 * key, in X.509 form: Ecdsa-Sig-Value DER for ECDSA, raw for RSA.  The same
 * shape as clv_hsm_sign() after its handle and label.
 */
typedef int clv_bundle_sign_fn(void *ctx, const clv_sigalg_t *alg,
    const unsigned char *data, size_t len, clv_buf_t *sig);

typedef struct clv_bundle_signer {
	clv_bundle_sign_fn *sign;
	void *ctx;
	/* ECDSA with SHA-256/384/512, RSA PKCS#1 v1.5 or RSASSA-PSS (MGF1 with
	 * the same hash, salt the hash length) with SHA-256/384/512. */
	clv_sigalg_t alg;
	/* The public key of the signing key: its fingerprint goes into the
	 * manifest, and the export verifies its own signature with it. */
	const clv_pubkey_t *key;
} clv_bundle_signer_t;

/*
 * Writes the bundle to the directory target, which must not exist
 * (CLV_E_OUTPUT_EXISTS, and it is left as it was).  Nothing is reported as
 * written until it has been read back from target and verified: signature
 * with signer->key, every size and hash, every byte against the input.
 * The signature is made and checked against signer->key before anything is
 * written (CLV_E_KEY_MISMATCH if they are not a pair).  A failure before the
 * rename removes the partial directory; one after it (the read-back) moves
 * target aside to a ".partial-" name, so that it never imports.
 * manifest_sha256 (may be NULL) gets the SHA-256 of the MANIFEST written,
 * for the audit trail.
 */
int clv_bundle_export(const char *target, const clv_bundle_header_t *header,
    const clv_bundle_artifact_t *artifacts, size_t n_artifacts,
    const clv_bundle_signer_t *signer, unsigned char manifest_sha256[32],
    clv_diag_t *diag);

/* A producer key pinned at set-up. */
typedef struct clv_bundle_pin {
	const char *producer;
	const clv_pubkey_t *key;
} clv_bundle_pin_t;

/*
 * The last sequence number this recipient has accepted from producer
 * (0 if none).  Returns 0, or an error that refuses the import.
 */
typedef int clv_bundle_last_seen_fn(void *ctx, const char *producer, const char *recipient,
    uint64_t *last_seen);

/* What the importing step expects. */
typedef struct clv_bundle_expect {
	const char *recipient;              /* us */
	clv_bundle_purpose_t purpose;
	int production;                     /* refuse rehearsal bundles */
	const clv_bundle_pin_t *pins;
	size_t n_pins;
	/* Replays: a sequence <= the last seen is refused.  With last_seen_fn
	 * NULL, last_seen is used for every producer. */
	clv_bundle_last_seen_fn *last_seen_fn;
	void *last_seen_ctx;
	uint64_t last_seen;
} clv_bundle_expect_t;

/* A verified bundle; owns every string and byte it points to. */
typedef struct clv_bundle {
	clv_bundle_header_t header;
	unsigned char signer_sha256[32];    /* SHA-256 of the signer's SubjectPublicKeyInfo */
	unsigned char manifest_sha256[32];
	clv_bundle_artifact_t *artifacts;   /* in manifest order */
	size_t n_artifacts;
} clv_bundle_t;

void clv_bundle_free(clv_bundle_t *b);

/*
 * Verifies the bundle in dir against expect and, only if every check
 * passes, returns it in *out.  In order:
 *   - dir's name contains ".partial-", or MANIFEST.sig is missing: an
 *     unfinished export (CLV_E_INTEGRITY);
 *   - the producer the manifest names has no pin (CLV_E_POLICY), the
 *     manifest's signer key is not the pinned one (CLV_E_KEY_MISMATCH), the
 *     signature does not verify with the pinned key (CLV_E_SIG_INVALID);
 *   - a manifest that is not in the canonical form (CLV_E_FORMAT);
 *   - another recipient, another purpose, a sequence already seen
 *     (CLV_E_POLICY), a rehearsal bundle in production (CLV_E_REHEARSAL);
 *   - a file not listed, a listed file missing, a renamed file, a file that
 *     is not a regular one, a size or SHA-256 that differs (CLV_E_INTEGRITY).
 * The diag names the file or field, what was expected and what was found.
 */
int clv_bundle_verify(const char *dir, const clv_bundle_expect_t *expect, clv_bundle_t **out,
    clv_diag_t *diag);

/* SHA-256 of the key's SubjectPublicKeyInfo (named-curve form): the
 * manifest's signer_key_sha256. */
int clv_bundle_key_fingerprint(const clv_pubkey_t *key, unsigned char out[32]);

/*
 * FOR TESTS ONLY.  clv_bundle_export with a hook called at each named point
 * of the export, with the path just written:
 *   "partial-created", "artifact-written" (once per artifact),
 *   "manifest-written", "signature-written", "partial-synced", "renamed",
 *   "parent-synced".
 * A hook that returns non-zero stops the export right there, with no
 * clean-up, as a crash would; the export returns CLV_E_INTERNAL.
 */
typedef int clv_bundle_test_hook_fn(void *ctx, const char *point, const char *path);

int clv_bundle_export_hooked(const char *target, const clv_bundle_header_t *header,
    const clv_bundle_artifact_t *artifacts, size_t n_artifacts,
    const clv_bundle_signer_t *signer, unsigned char manifest_sha256[32],
    clv_bundle_test_hook_fn *hook, void *hook_ctx, clv_diag_t *diag);

#endif
