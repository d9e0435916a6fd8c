/*
 * The audit trail: a closed list of events appended through one function to
 * an append-only, hash-chained table in the store.
 *
 * record hash = SHA-256(prev hash || canonical encoding of the record's fields)
 */
#ifndef CLV_AUDIT_H
#define CLV_AUDIT_H

#include <stdio.h>

#include "clv.h"
#include "store.h"
#include "util.h"

/* Values are stable: they are stored and hashed. Append only. */
typedef enum clv_audit_event {
	CLV_EV_STORE_CREATED = 1,
	CLV_EV_CEREMONY_STARTED = 2,
	CLV_EV_CEREMONY_FINISHED = 3,
	CLV_EV_CEREMONY_ABORTED = 4,
	CLV_EV_STEP_CONFIRMED = 5,
	CLV_EV_STEP_DONE = 6,
	CLV_EV_STEP_FAILED = 7,
	CLV_EV_TOKEN_CHECKED = 8,
	CLV_EV_TOKEN_INITIALIZED = 9,
	CLV_EV_LOGIN = 10,
	CLV_EV_LOGIN_FAILED = 11,
	CLV_EV_LOGOUT = 12,
	CLV_EV_KEY_GENERATED = 13,
	CLV_EV_CERT_ISSUED = 14,
	CLV_EV_CRL_ISSUED = 15,
	CLV_EV_OUTPUT_WRITTEN = 16,
	CLV_EV_LINT_REFUSED = 17,
	CLV_EV_WITNESS_ACK = 18,
	/* quorum: officers by name, never a share, a PIN or a hash of either */
	CLV_EV_QUORUM_DEALT = 19,
	CLV_EV_SHARE_SEALED = 20,
	CLV_EV_SHARE_VERIFIED = 21,
	CLV_EV_SHARE_ACCEPTED = 22,
	CLV_EV_SHARE_REFUSED = 23,
	CLV_EV_QUORUM_LOGIN = 24,
	CLV_EV_QUORUM_FAILED = 25,
	CLV_EV_RESHARE_PREPARED = 26,
	CLV_EV_PIN_CHANGED = 27,
	CLV_EV_RESHARE_COMMITTED = 28,
	CLV_EV_RESHARE_ABANDONED = 29,
	/* the console: clock, transcript, exceptions, resumption */
	CLV_EV_CLOCK_CHECKED = 30,
	CLV_EV_TRANSCRIPT_CLOSED = 31,
	CLV_EV_EXCEPTION = 32,
	CLV_EV_CEREMONY_INTERRUPTED = 33,
	CLV_EV_CEREMONY_RESUMED = 34,
	CLV_EV_INTENT = 35,
	CLV_EV_MASTER_LIST_SIGNED = 36,
	CLV_EV_KEY_SELECTED = 37,
	CLV_EV_BUNDLE_EXPORTED = 38,
	CLV_EV_BUNDLE_IMPORTED = 39,
	CLV_EV_CERT_REVOKED = 40,
	CLV_EV_DEVIATION_LIST_SIGNED = 41,
	CLV_EV_PRODUCER_PINNED = 42,
} clv_audit_event_t;

/* "key-generated"; "unknown" for a value that is not in the list. */
const char *clv_audit_event_name(clv_audit_event_t ev);

typedef struct clv_audit_entry {
	clv_audit_event_t event;
	const char *ceremony;       /* ceremony run id, or NULL */
	const char *actors;         /* "administrator=Alice;officer=Bob", or NULL */
	const char *key_uri;        /* or NULL */
	const unsigned char *object_sha256;  /* 32 bytes, or NULL */
	const char *result;         /* "ok", or the error */
	const char *detail;         /* free text, never a secret; or NULL */
	int rehearsal;
} clv_audit_entry_t;

/* Appends one record (its own transaction unless one is open).  The event
 * must be one of the list and result must be set, else CLV_E_INVALID_ARG.
 * The time comes from clock (NULL: the system clock). */
int clv_audit_append(clv_store_t *s, const clv_clock_t *clock, const clv_audit_entry_t *e);

/*
 * The head of the chain: sequence number and hash of the last record (0 and
 * 32 zero bytes when the trail is empty).  The chain cannot show records cut
 * off its end; print the head after verifying so it can be compared with a
 * copy kept elsewhere (a transcript, a second medium).
 */
int clv_audit_head(clv_store_t *s, int64_t *seq, unsigned char hash[32]);

/*
 * Recomputes the chain.  On the first bad record returns CLV_E_AUDIT_CHAIN,
 * sets *bad_seq to its sequence number and says in diag what is wrong
 * (hash mismatch, broken link, missing record).  *count gets the number of
 * records checked.
 */
int clv_audit_verify(clv_store_t *s, int64_t *count, int64_t *bad_seq, clv_diag_t *diag);

/* Writes the trail as text lines (seq, time, event, fields, hash) to fp. */
int clv_audit_dump(clv_store_t *s, FILE *fp);

#endif
