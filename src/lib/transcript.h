/*
 * The ceremony transcript (conclave-transcript(5)): every event of one
 * ceremony as a line of a hash chain in the output directory, written and
 * fsync'ed as it happens, closed by the token's ceremony key signing the
 * head.  Exported with the outputs; verified offline by
 * `conclave transcript verify`.
 *
 *   hash(0) = SHA-256(32 zero bytes || text(0))
 *   hash(n) = SHA-256(hash(n-1) || text(n))
 *
 * where text(n) is line n up to (not including) its "\tprev=" field.
 */
#ifndef CLV_TRANSCRIPT_H
#define CLV_TRANSCRIPT_H

#include <stdio.h>

#include "clv.h"
#include "pubkey.h"
#include "util.h"

#define CLV_TRANSCRIPT_FILE "transcript.log"
#define CLV_TRANSCRIPT_SIG "transcript.sig"
#define CLV_TRANSCRIPT_KEY "ceremony-key.pem"

typedef struct clv_transcript clv_transcript_t;

/* One event: the same fields as an audit record. */
typedef struct clv_transcript_event {
	const char *event;          /* "step-done", "cert-issued", ... */
	const char *actors;
	const char *key_uri;
	const unsigned char *object_sha256;
	const char *result;
	const char *detail;
} clv_transcript_event_t;

/* Creates DIR/transcript.log (never over an existing one) with its header. */
int clv_transcript_create(const char *dir, const char *ceremony_id, const char *script_path,
    const unsigned char script_sha256[32], int rehearsal, time_t now,
    clv_transcript_t **out, clv_diag_t *diag);
/* Opens an existing, unclosed transcript to continue it (resumption). */
int clv_transcript_open(const char *dir, clv_transcript_t **out, clv_diag_t *diag);
/* Resumption after a power loss: drops a torn last line (the bytes after
 * the last newline), so the complete records can be continued; *dropped
 * gets how many bytes went. */
int clv_transcript_repair(const char *dir, size_t *dropped, clv_diag_t *diag);
/* Appends one event (fsync'ed). */
int clv_transcript_append(clv_transcript_t *t, time_t now, const clv_transcript_event_t *ev);
/* The head: the last record's hash and its sequence number. */
void clv_transcript_head(const clv_transcript_t *t, unsigned char head[32], uint64_t *seq);
int clv_transcript_is_closed(const clv_transcript_t *t);
/* The bytes the ceremony key signs: "conclave transcript head <seq> <hex>". */
int clv_transcript_signed_text(const unsigned char head[32], uint64_t seq, clv_buf_t *out);
/* Appends the closing record "transcript-closed"; nothing may follow it.
 * The caller then signs clv_transcript_signed_text() of the new head. */
int clv_transcript_seal(clv_transcript_t *t, time_t now, const char *detail);
/*
 * After the seal: writes DIR/transcript.sig (the
 * signature over the signed text of the new head, Ecdsa-Sig-Value DER) and
 * DIR/ceremony-key.pem (the key's SubjectPublicKeyInfo).
 */
int clv_transcript_close(clv_transcript_t *t, time_t now, const clv_buf_t *signature,
    const clv_pubkey_t *key, clv_diag_t *diag);
void clv_transcript_free(clv_transcript_t *t);

/* One record as read back (resumption). */
typedef struct clv_transcript_record {
	uint64_t seq;
	const char *event;
	const char *object;         /* hex, "" if none */
	const char *detail;         /* unescaped? no: as written (escapes kept) */
} clv_transcript_record_t;

typedef int clv_transcript_record_fn(void *ctx, const clv_transcript_record_t *rec);

/* Checks the chain of DIR's transcript and hands each record to fn. */
int clv_transcript_records(const char *dir, clv_transcript_record_fn *fn, void *ctx,
    clv_diag_t *diag);

/* What verification found. */
typedef struct clv_transcript_report {
	uint64_t records;
	unsigned outputs_checked;
	int closed;
	unsigned char head[32];
	char key_fingerprint[96];   /* SHA-256 of the ceremony key's SPKI, colon hex */
} clv_transcript_report_t;

/*
 * Verifies DIR's transcript offline: every line's syntax, the chain (a
 * changed, removed, inserted or reordered record), the close record, the
 * signature over the head with key (NULL: DIR/ceremony-key.pem, whose
 * fingerprint the caller must compare with the one shown at the token's
 * initialisation), and every output the transcript records against the file
 * in DIR.  The first problem goes into diag: CLV_E_INTEGRITY, or
 * CLV_E_SIG_INVALID for the signature.
 */
int clv_transcript_verify(const char *dir, const clv_pubkey_t *key,
    clv_transcript_report_t *report, clv_diag_t *diag);

#endif
