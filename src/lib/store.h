/*
 * The store: SQLite with a schema version and forward migrations.  It holds
 * key metadata (label, URI, state, dates), issued objects and serials, the
 * audit trail -- never key material, PINs or shares.
 *
 * The interface hides SQLite so a second backend (PostgreSQL for the online
 * services) can be added without touching callers.
 */
#ifndef CLV_STORE_H
#define CLV_STORE_H

#include "clv.h"

typedef struct clv_store clv_store_t;

#define CLV_STORE_SCHEMA_VERSION 5

/* Opens (creating if create != 0) and migrates forward to the current schema.
 * A database with a newer schema is refused with CLV_E_DB_SCHEMA. */
int clv_store_open(const char *path, int create, clv_store_t **out, clv_diag_t *diag);
/* (Errors of clv_store_open: CLV_E_FILE_NOT_FOUND without create,
 * CLV_E_DB for a file that is not a store, CLV_E_IO for symlinks and
 * non-regular files; a new file is created mode 0600.) */
void clv_store_close(clv_store_t *s);
int clv_store_schema_version(clv_store_t *s, int *version);

/* Transactions (nesting is an error). */
int clv_store_begin(clv_store_t *s);
int clv_store_commit(clv_store_t *s);
int clv_store_rollback(clv_store_t *s);
/* 1 while a transaction is open. */
int clv_store_in_transaction(clv_store_t *s);

typedef struct clv_key_record {
	int64_t id;
	char label[128];
	char uri[512];
	char token_serial[32];
	char algorithm[32];         /* "EC brainpoolP256r1", "RSA 3072" */
	char state[16];             /* "generated", "active", "retired" */
	time_t created;
	time_t usage_not_before, usage_not_after;   /* 0 = unknown */
	unsigned char spki_sha256[32];
	int rehearsal;
} clv_key_record_t;

/* CLV_E_DB_CONSTRAINT if the label is already known. */
int clv_store_key_add(clv_store_t *s, const clv_key_record_t *k, int64_t *id_out);
int clv_store_key_find(clv_store_t *s, const char *label, clv_key_record_t *out);
/* States only move forward (generated -> active -> retired); going back
 * gives CLV_E_POLICY, an unknown label CLV_E_DB_NOT_FOUND. */
int clv_store_key_set_state(clv_store_t *s, const char *label, const char *state);

typedef struct clv_object_record {
	int64_t id;
	char kind[16];              /* "certificate", "crl" */
	char issuer_label[128];     /* key that signed it */
	char serial_hex[41];        /* certificate serial or CRL number, lowercase hex */
	char subject[512];
	unsigned char sha256[32];
	time_t created;
	time_t not_before, not_after;   /* validity, or thisUpdate/nextUpdate */
	int rehearsal;
	const unsigned char *der;   /* in: the object; out: not filled by find */
	size_t der_len;
} clv_object_record_t;

/* CLV_E_DB_CONSTRAINT if (kind, issuer_label, serial_hex) exists or the
 * issuer is not a known key label.  Serials are compared as numbers: stored
 * lowercase without leading zeros.  If der is given, sha256 must be its hash. */
int clv_store_object_add(clv_store_t *s, const clv_object_record_t *o, int64_t *id_out);
/* Whether a certificate with this serial was issued under issuer_label. */
int clv_store_serial_exists(clv_store_t *s, const char *issuer_label, const char *serial_hex,
    int *exists);
/* The SHA-256 of the object of kind with this serial (or CRL number) under
 * issuer_label; CLV_E_DB_NOT_FOUND if none. */
int clv_store_object_by_serial(clv_store_t *s, const char *kind, const char *issuer_label,
    const char *serial_hex, unsigned char sha256[32]);
/* Highest CRL number issued under issuer_label, 0 if none. */
int clv_store_crl_number_last(clv_store_t *s, const char *issuer_label, uint64_t *out);
/* The certificate issuer_label issued with serial_hex (no DER);
 * CLV_E_DB_NOT_FOUND if none. */
int clv_store_cert_find(clv_store_t *s, const char *issuer_label, const char *serial_hex,
    clv_object_record_t *out);

/* Revocations (schema v4): a certificate the store issued, revoked on a date;
 * never changed or taken back. */
typedef struct clv_revocation {
	char serial_hex[41];        /* the certificate's serial, lowercase hex */
	time_t revoked;             /* the CRL entry's revocationDate */
	time_t recorded;
	char reason[256];           /* for the record; not put in the CRL */
} clv_revocation_t;

/* CLV_E_DB_NOT_FOUND if issuer_label issued no certificate with that serial,
 * CLV_E_DB_CONSTRAINT if it is already revoked. */
int clv_store_revocation_add(clv_store_t *s, const char *issuer_label,
    const clv_revocation_t *rv, int rehearsal);
/* Whether the certificate is revoked; *out filled if so. */
int clv_store_revocation_find(clv_store_t *s, const char *issuer_label, const char *serial_hex,
    clv_revocation_t *out, int *found);
/* Every revocation under issuer_label in the order recorded (caller frees *out). */
int clv_store_revocations(clv_store_t *s, const char *issuer_label, clv_revocation_t **out,
    size_t *n);

/* DER of the object with this sha256 (caller frees).  CLV_E_DB_NOT_FOUND if
 * unknown, CLV_E_INTEGRITY if the stored DER no longer has that hash. */
int clv_store_object_der(clv_store_t *s, const unsigned char sha256[32], clv_buf_t *out);

/*
 * Quorum share sets: the public descriptor of each (conclave-share(5)) and
 * its signature by the token's ceremony key.  One active and at most one
 * pending set per token and purpose; states move forward only
 * (pending -> active | abandoned, active -> retired).
 */
typedef struct clv_share_set_record {
	char set_id_hex[33];
	char token_serial[32];
	char purpose[16];           /* "user-pin", "so-pin" */
	char state[16];             /* "pending", "active", "retired", "abandoned" */
	unsigned threshold, count;
	time_t created;
	clv_buf_t descriptor;       /* canonical text */
	clv_buf_t signature;        /* Ecdsa-Sig-Value by signer_label */
	char signer_label[128];
	int rehearsal;
} clv_share_set_record_t;

/* CLV_E_DB_CONSTRAINT for a second active or pending set. */
int clv_store_share_set_add(clv_store_t *s, const clv_share_set_record_t *rec);
/* The newest set of token and purpose in state; CLV_E_DB_NOT_FOUND if none. */
int clv_store_share_set_find(clv_store_t *s, const char *token_serial, const char *purpose,
    const char *state, clv_share_set_record_t *out);
int clv_store_share_set_by_id(clv_store_t *s, const char *set_id_hex,
    clv_share_set_record_t *out);
/* Forward moves only; CLV_E_DB_CONSTRAINT otherwise. */
int clv_store_share_set_state(clv_store_t *s, const char *set_id_hex, const char *state);
void clv_store_share_set_free(clv_share_set_record_t *rec);

/* Bundles exported ("export") and imported ("import"): sequence numbers per
 * producer and recipient only grow; CLV_E_DB_CONSTRAINT for a repeat. */
int clv_store_bundle_add(clv_store_t *s, const char *direction, const char *producer,
    const char *recipient, const char *purpose, uint64_t sequence,
    const unsigned char manifest_sha256[32], time_t created, int rehearsal);
/* The highest sequence recorded, 0 if none. */
int clv_store_bundle_last(clv_store_t *s, const char *direction, const char *producer,
    const char *recipient, uint64_t *out);

/* Whether a bundle with this MANIFEST SHA-256 was recorded in direction. */
int clv_store_bundle_seen(clv_store_t *s, const char *direction, const unsigned char sha256[32],
    int *seen);

/* Producer keys pinned for bundle imports (schema v5): the key's
 * SubjectPublicKeyInfo DER.  A producer is pinned once
 * (CLV_E_DB_CONSTRAINT for a second pin). */
int clv_store_pin_add(clv_store_t *s, const char *producer, const clv_buf_t *spki,
    time_t created, int rehearsal);
typedef struct clv_store_pin {
	char producer[65];
	clv_buf_t spki;
} clv_store_pin_t;
/* Every pin, in the order pinned (free with clv_store_pins_free). */
int clv_store_pins(clv_store_t *s, clv_store_pin_t **out, size_t *n);
void clv_store_pins_free(clv_store_pin_t *p, size_t n);

/* For modules of the core that keep their own tables (audit). */
struct sqlite3 *clv_store_db(clv_store_t *s);
/* The file the store was opened from (for diagnostics). */
const char *clv_store_path(clv_store_t *s);
/* Translates an SQLite result code at the edge: logs it with the SQLite
 * message and what was being done; returns CLV_E_DB_CONSTRAINT for
 * constraint violations (including append-only triggers), else CLV_E_DB. */
int clv_store_db_error(clv_store_t *s, int sqlite_rc, const char *what);

#endif
