/*
 * The audit trail: one function appends, records are chained by SHA-256.
 *
 * The table lives in the store (created by its schema v1 migration) and is
 * append-only at the SQL level: triggers refuse UPDATE and DELETE, and an
 * INSERT that does not extend the chain.  Someone who edits the file directly
 * gets past the triggers; clv_audit_verify() then shows where.
 *
 * record hash = SHA-256(prev_hash || encoding), prev_hash of record 1 being
 * 32 zero bytes, and the encoding of a record (all integers big-endian):
 *
 *   seq        8 bytes, unsigned
 *   time       8 bytes, two's complement (seconds since the epoch, UTC)
 *   event      4 bytes, unsigned
 *   ceremony   text field
 *   actors     text field
 *   key_uri    text field
 *   object     1 byte 0 (absent), or 1 byte 1 and the 32 bytes of the hash
 *   result     text field
 *   detail     text field
 *   rehearsal  1 byte, 0 or 1
 *
 * where a text field is 1 byte 0 when absent (NULL), or 1 byte 1, its length
 * in bytes as 4 bytes and its UTF-8 bytes: absent and empty differ.
 *
 * The chain cannot show that records were cut off the end: compare the head
 * (clv_audit_head) with a copy of it taken elsewhere for that.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "audit.h"
#include "clv.h"
#include "store.h"
#include "util.h"

enum { F_CEREMONY, F_ACTORS, F_KEY_URI, F_RESULT, F_DETAIL, F_TEXTS };

typedef struct audit_record {
	int64_t seq;
	int64_t time;
	int64_t event;
	const char *text[F_TEXTS];          /* NULL: absent */
	size_t text_len[F_TEXTS];
	const unsigned char *object_sha256;  /* NULL: absent */
	int rehearsal;
	unsigned char prev_hash[32];
} audit_record_t;

static const char *const event_names[] = {
	[CLV_EV_STORE_CREATED] = "store-created",
	[CLV_EV_CEREMONY_STARTED] = "ceremony-started",
	[CLV_EV_CEREMONY_FINISHED] = "ceremony-finished",
	[CLV_EV_CEREMONY_ABORTED] = "ceremony-aborted",
	[CLV_EV_STEP_CONFIRMED] = "step-confirmed",
	[CLV_EV_STEP_DONE] = "step-done",
	[CLV_EV_STEP_FAILED] = "step-failed",
	[CLV_EV_TOKEN_CHECKED] = "token-checked",
	[CLV_EV_TOKEN_INITIALIZED] = "token-initialized",
	[CLV_EV_LOGIN] = "login",
	[CLV_EV_LOGIN_FAILED] = "login-failed",
	[CLV_EV_LOGOUT] = "logout",
	[CLV_EV_KEY_GENERATED] = "key-generated",
	[CLV_EV_CERT_ISSUED] = "cert-issued",
	[CLV_EV_CRL_ISSUED] = "crl-issued",
	[CLV_EV_OUTPUT_WRITTEN] = "output-written",
	[CLV_EV_LINT_REFUSED] = "lint-refused",
	[CLV_EV_WITNESS_ACK] = "witness-ack",
	[CLV_EV_QUORUM_DEALT] = "quorum-dealt",
	[CLV_EV_SHARE_SEALED] = "share-sealed",
	[CLV_EV_SHARE_VERIFIED] = "share-verified",
	[CLV_EV_SHARE_ACCEPTED] = "share-accepted",
	[CLV_EV_SHARE_REFUSED] = "share-refused",
	[CLV_EV_QUORUM_LOGIN] = "quorum-login",
	[CLV_EV_QUORUM_FAILED] = "quorum-failed",
	[CLV_EV_RESHARE_PREPARED] = "reshare-prepared",
	[CLV_EV_PIN_CHANGED] = "pin-changed",
	[CLV_EV_RESHARE_COMMITTED] = "reshare-committed",
	[CLV_EV_RESHARE_ABANDONED] = "reshare-abandoned",
	[CLV_EV_CLOCK_CHECKED] = "clock-checked",
	[CLV_EV_TRANSCRIPT_CLOSED] = "transcript-closed",
	[CLV_EV_EXCEPTION] = "exception",
	[CLV_EV_CEREMONY_INTERRUPTED] = "ceremony-interrupted",
	[CLV_EV_CEREMONY_RESUMED] = "ceremony-resumed",
	[CLV_EV_INTENT] = "intent",
	[CLV_EV_MASTER_LIST_SIGNED] = "master-list-signed",
	[CLV_EV_KEY_SELECTED] = "key-selected",
	[CLV_EV_BUNDLE_EXPORTED] = "bundle-exported",
	[CLV_EV_BUNDLE_IMPORTED] = "bundle-imported",
	[CLV_EV_CERT_REVOKED] = "certificate-revoked",
	[CLV_EV_DEVIATION_LIST_SIGNED] = "deviation-list-signed",
	[CLV_EV_PRODUCER_PINNED] = "producer-pinned",
};

#define EVENT_NAMES_LEN (sizeof(event_names) / sizeof(event_names[0]))

static int
event_is_known(int64_t ev)
{
	return ev > 0 && (uint64_t)ev < EVENT_NAMES_LEN && event_names[ev] != NULL;
}

const char *
clv_audit_event_name(clv_audit_event_t ev)
{
	return event_is_known((int64_t)ev) ? event_names[ev] : "unknown";
}

/* --- the hash --------------------------------------------------------- */

static unsigned char *
put_be(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	return p + n;
}

static unsigned char *
put_text(unsigned char *p, const char *t, size_t len)
{
	if (t == NULL) {
		*p++ = 0;
		return p;
	}
	*p++ = 1;
	p = put_be(p, (uint64_t)len, 4);
	if (len > 0)
		memcpy(p, t, len);
	return p + len;
}

static int
record_hash(const audit_record_t *a, unsigned char out[32])
{
	unsigned char *buf = NULL, *p;
	size_t need = 32 + 8 + 8 + 4 + 1 + 32 + 1;	/* all but the texts */
	int r = CLV_E_INTERNAL, i;

	for (i = 0; i < F_TEXTS; i++) {
		if (a->text[i] == NULL)
			continue;
		if (a->text_len[i] > UINT32_MAX)
			return CLV_E_INVALID_ARG;
		need += 4 + a->text_len[i];
	}
	need += F_TEXTS;	/* a presence byte each */
	if ((buf = malloc(need)) == NULL)
		return CLV_E_NOMEM;
	p = buf;
	memcpy(p, a->prev_hash, 32);
	p += 32;
	p = put_be(p, (uint64_t)a->seq, 8);
	p = put_be(p, (uint64_t)a->time, 8);
	p = put_be(p, (uint64_t)a->event, 4);
	p = put_text(p, a->text[F_CEREMONY], a->text_len[F_CEREMONY]);
	p = put_text(p, a->text[F_ACTORS], a->text_len[F_ACTORS]);
	p = put_text(p, a->text[F_KEY_URI], a->text_len[F_KEY_URI]);
	if (a->object_sha256 == NULL) {
		*p++ = 0;
	} else {
		*p++ = 1;
		memcpy(p, a->object_sha256, 32);
		p += 32;
	}
	p = put_text(p, a->text[F_RESULT], a->text_len[F_RESULT]);
	p = put_text(p, a->text[F_DETAIL], a->text_len[F_DETAIL]);
	*p++ = a->rehearsal ? 1 : 0;
	r = clv_sha256(buf, (size_t)(p - buf), out);
	free(buf);
	return r;
}

/* --- appending -------------------------------------------------------- */

/* Sequence number and hash of the last record; 0 and zeros if none. */
static int
read_head(clv_store_t *s, int64_t *seq, unsigned char hash[32])
{
	static const char sql[] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
	sqlite3 *db = clv_store_db(s);
	sqlite3_stmt *st = NULL;
	int r = CLV_E_INTERNAL, rc;

	*seq = 0;
	memset(hash, 0, 32);
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "preparing to read the audit head");
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		r = 0;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = clv_store_db_error(s, rc, "reading the audit head");
		goto out;
	}
	if (sqlite3_column_type(st, 1) != SQLITE_BLOB || sqlite3_column_bytes(st, 1) != 32) {
		clv_error("%s: the last audit record (%lld) has no valid hash",
		    clv_store_path(s), (long long)sqlite3_column_int64(st, 0));
		r = CLV_E_AUDIT_CHAIN;
		goto out;
	}
	*seq = sqlite3_column_int64(st, 0);
	memcpy(hash, sqlite3_column_blob(st, 1), 32);
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

static int
bind_text_or_null(sqlite3_stmt *st, int i, const char *t)
{
	return t == NULL ? sqlite3_bind_null(st, i) :
	    sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC);
}

static int
insert_record(clv_store_t *s, const audit_record_t *a, const unsigned char hash[32])
{
	static const char sql[] =
	    "INSERT INTO audit (seq, time, event, ceremony, actors, key_uri, object_sha256, "
	    "result, detail, rehearsal, prev_hash, hash) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
	sqlite3 *db = clv_store_db(s);
	sqlite3_stmt *st = NULL;
	int r = CLV_E_INTERNAL, rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "preparing to append an audit record");
		goto out;
	}
	if ((rc = sqlite3_bind_int64(st, 1, a->seq)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 2, a->time)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 3, a->event)) != SQLITE_OK ||
	    (rc = bind_text_or_null(st, 4, a->text[F_CEREMONY])) != SQLITE_OK ||
	    (rc = bind_text_or_null(st, 5, a->text[F_ACTORS])) != SQLITE_OK ||
	    (rc = bind_text_or_null(st, 6, a->text[F_KEY_URI])) != SQLITE_OK ||
	    (rc = a->object_sha256 == NULL ? sqlite3_bind_null(st, 7) :
	    sqlite3_bind_blob(st, 7, a->object_sha256, 32, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = bind_text_or_null(st, 8, a->text[F_RESULT])) != SQLITE_OK ||
	    (rc = bind_text_or_null(st, 9, a->text[F_DETAIL])) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 10, a->rehearsal)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(st, 11, a->prev_hash, 32, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(st, 12, hash, 32, SQLITE_STATIC)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding an audit record");
		goto out;
	}
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		r = clv_store_db_error(s, rc, "appending an audit record");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
clv_audit_append(clv_store_t *s, const clv_clock_t *clock, const clv_audit_entry_t *e)
{
	audit_record_t a;
	unsigned char hash[32];
	int64_t last = 0;
	int own_tx = 0, r = CLV_E_INTERNAL, i;

	if (s == NULL || clv_store_db(s) == NULL || e == NULL)
		return CLV_E_INVALID_ARG;
	if (!event_is_known((int64_t)e->event)) {
		clv_error("audit: event %d is not one of the audit events", (int)e->event);
		return CLV_E_INVALID_ARG;
	}
	if (e->result == NULL) {
		clv_error("audit: %s record without a result", event_names[e->event]);
		return CLV_E_INVALID_ARG;
	}
	memset(&a, 0, sizeof(a));
	a.event = (int64_t)e->event;
	a.text[F_CEREMONY] = e->ceremony;
	a.text[F_ACTORS] = e->actors;
	a.text[F_KEY_URI] = e->key_uri;
	a.text[F_RESULT] = e->result;
	a.text[F_DETAIL] = e->detail;
	for (i = 0; i < F_TEXTS; i++)
		a.text_len[i] = a.text[i] != NULL ? strlen(a.text[i]) : 0;
	a.object_sha256 = e->object_sha256;
	a.rehearsal = e->rehearsal ? 1 : 0;

	/* Reading the head and inserting after it must be one transaction:
	 * the caller's if one is open, else our own. */
	if (sqlite3_get_autocommit(clv_store_db(s))) {
		if ((r = clv_store_begin(s)) != 0)
			goto out;
		own_tx = 1;
	}
	if ((r = read_head(s, &last, a.prev_hash)) != 0)
		goto out;
	a.seq = last + 1;
	a.time = (int64_t)clv_clock_now(clock);
	if ((r = record_hash(&a, hash)) != 0)
		goto out;
	if ((r = insert_record(s, &a, hash)) != 0)
		goto out;
	if (own_tx) {
		if ((r = clv_store_commit(s)) != 0)
			goto out;
		own_tx = 0;
	}
	r = 0;
out:
	if (own_tx && !sqlite3_get_autocommit(clv_store_db(s)))
		clv_store_rollback(s);
	return r;
}

int
clv_audit_head(clv_store_t *s, int64_t *seq, unsigned char hash[32])
{
	if (seq != NULL)
		*seq = 0;
	if (hash != NULL)
		memset(hash, 0, 32);
	if (s == NULL || clv_store_db(s) == NULL || seq == NULL || hash == NULL)
		return CLV_E_INVALID_ARG;
	return read_head(s, seq, hash);
}

/* --- verifying -------------------------------------------------------- */

static const char select_all[] =
    "SELECT seq, time, event, ceremony, actors, key_uri, object_sha256, result, detail, "
    "rehearsal, prev_hash, hash FROM audit ORDER BY seq";

enum {
	C_SEQ, C_TIME, C_EVENT, C_CEREMONY, C_ACTORS, C_KEY_URI, C_OBJECT, C_RESULT,
	C_DETAIL, C_REHEARSAL, C_PREV_HASH, C_HASH
};

static const int text_columns[F_TEXTS] = {
	[F_CEREMONY] = C_CEREMONY, [F_ACTORS] = C_ACTORS, [F_KEY_URI] = C_KEY_URI,
	[F_RESULT] = C_RESULT, [F_DETAIL] = C_DETAIL,
};

/*
 * Reads a row into a (pointers into the statement, valid until the next
 * step).  Returns the name of the first malformed column, or NULL.
 */
static const char *
read_row(sqlite3_stmt *st, audit_record_t *a, const unsigned char **hash)
{
	int i, c, type;

	memset(a, 0, sizeof(*a));
	*hash = NULL;
	if (sqlite3_column_type(st, C_SEQ) != SQLITE_INTEGER)
		return "seq";
	a->seq = sqlite3_column_int64(st, C_SEQ);
	if (sqlite3_column_type(st, C_TIME) != SQLITE_INTEGER)
		return "time";
	a->time = sqlite3_column_int64(st, C_TIME);
	if (sqlite3_column_type(st, C_EVENT) != SQLITE_INTEGER)
		return "event";
	a->event = sqlite3_column_int64(st, C_EVENT);
	if (a->event < 0 || a->event > UINT32_MAX)
		return "event";
	for (i = 0; i < F_TEXTS; i++) {
		c = text_columns[i];
		type = sqlite3_column_type(st, c);
		if (type == SQLITE_NULL)
			continue;
		if (type != SQLITE_TEXT)
			return sqlite3_column_name(st, c);
		a->text[i] = (const char *)sqlite3_column_text(st, c);
		a->text_len[i] = (size_t)sqlite3_column_bytes(st, c);
		if (a->text[i] == NULL)
			return sqlite3_column_name(st, c);
	}
	type = sqlite3_column_type(st, C_OBJECT);
	if (type != SQLITE_NULL) {
		if (type != SQLITE_BLOB || sqlite3_column_bytes(st, C_OBJECT) != 32)
			return "object_sha256";
		a->object_sha256 = sqlite3_column_blob(st, C_OBJECT);
	}
	if (sqlite3_column_type(st, C_REHEARSAL) != SQLITE_INTEGER ||
	    (sqlite3_column_int64(st, C_REHEARSAL) != 0 &&
	    sqlite3_column_int64(st, C_REHEARSAL) != 1))
		return "rehearsal";
	a->rehearsal = sqlite3_column_int(st, C_REHEARSAL);
	if (sqlite3_column_type(st, C_PREV_HASH) != SQLITE_BLOB ||
	    sqlite3_column_bytes(st, C_PREV_HASH) != 32)
		return "prev_hash";
	memcpy(a->prev_hash, sqlite3_column_blob(st, C_PREV_HASH), 32);
	if (sqlite3_column_type(st, C_HASH) != SQLITE_BLOB ||
	    sqlite3_column_bytes(st, C_HASH) != 32)
		return "hash";
	*hash = sqlite3_column_blob(st, C_HASH);
	return NULL;
}

int
clv_audit_verify(clv_store_t *s, int64_t *count, int64_t *bad_seq, clv_diag_t *diag)
{
	sqlite3_stmt *st = NULL;
	audit_record_t a;
	const unsigned char *stored;
	const char *bad_column;
	unsigned char prev[32], computed[32];
	int64_t expected = 1, checked = 0;
	int r = CLV_E_INTERNAL, rc;

	if (count != NULL)
		*count = 0;
	if (bad_seq != NULL)
		*bad_seq = 0;
	clv_diag_clear(diag);
	if (s == NULL || clv_store_db(s) == NULL)
		return CLV_E_INVALID_ARG;
	memset(prev, 0, sizeof(prev));
	/* One statement reads one consistent snapshot of the table. */
	if ((rc = sqlite3_prepare_v2(clv_store_db(s), select_all, -1, &st, NULL)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "preparing to read the audit trail");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((bad_column = read_row(st, &a, &stored)) != NULL) {
			if (bad_seq != NULL)
				*bad_seq = sqlite3_column_int64(st, C_SEQ);
			r = clv_diag_set(diag, CLV_E_AUDIT_CHAIN,
			    "audit record %lld: malformed (column %s)",
			    (long long)sqlite3_column_int64(st, C_SEQ), bad_column);
			goto out;
		}
		if (a.seq != expected) {
			if (a.seq < expected) {
				if (bad_seq != NULL)
					*bad_seq = a.seq;
				r = clv_diag_set(diag, CLV_E_AUDIT_CHAIN,
				    "audit record %lld: sequence numbers start at 1",
				    (long long)a.seq);
			} else if (expected == 1) {
				if (bad_seq != NULL)
					*bad_seq = expected;
				r = clv_diag_set(diag, CLV_E_AUDIT_CHAIN,
				    "audit record 1 missing: the trail starts at record %lld",
				    (long long)a.seq);
			} else {
				if (bad_seq != NULL)
					*bad_seq = expected;
				r = clv_diag_set(diag, CLV_E_AUDIT_CHAIN,
				    "audit record %lld missing: record %lld follows record %lld",
				    (long long)expected, (long long)a.seq,
				    (long long)expected - 1);
			}
			goto out;
		}
		if (memcmp(a.prev_hash, prev, 32) != 0) {
			if (bad_seq != NULL)
				*bad_seq = a.seq;
			r = clv_diag_set(diag, CLV_E_AUDIT_CHAIN,
			    "audit record %lld: link to previous record broken", (long long)a.seq);
			goto out;
		}
		if ((r = record_hash(&a, computed)) != 0)
			goto out;
		if (memcmp(computed, stored, 32) != 0) {
			if (bad_seq != NULL)
				*bad_seq = a.seq;
			r = clv_diag_set(diag, CLV_E_AUDIT_CHAIN,
			    "audit record %lld (%s): hash does not match its contents",
			    (long long)a.seq, clv_audit_event_name((clv_audit_event_t)a.event));
			goto out;
		}
		memcpy(prev, stored, 32);
		checked++;
		expected++;
	}
	if (rc != SQLITE_DONE) {
		r = clv_store_db_error(s, rc, "reading the audit trail");
		clv_diag_set(diag, r, "%s: cannot read the audit trail", clv_store_path(s));
		goto out;
	}
	r = 0;
out:
	if (count != NULL)
		*count = checked;
	sqlite3_finalize(st);
	return r;
}

/* --- dumping ---------------------------------------------------------- */

/* A text field in double quotes, with \", \\ and \xNN for control bytes,
 * so that one record stays one line. */
static void
put_quoted(FILE *fp, const char *name, const unsigned char *t, int len)
{
	int i;

	fprintf(fp, " %s=\"", name);
	for (i = 0; i < len; i++) {
		if (t[i] == '"' || t[i] == '\\')
			fprintf(fp, "\\%c", t[i]);
		else if (t[i] < 0x20 || t[i] == 0x7f)
			fprintf(fp, "\\x%02x", t[i]);
		else
			fputc(t[i], fp);
	}
	fputc('"', fp);
}

static void
put_blob_hex(FILE *fp, const char *name, sqlite3_stmt *st, int col)
{
	char hex[65];
	const unsigned char *b = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (sqlite3_column_type(st, col) != SQLITE_BLOB || n != 32 || b == NULL) {
		fprintf(fp, " %s=?", name);
		return;
	}
	clv_hex(b, 32, hex);
	fprintf(fp, " %s=%s", name, hex);
}

int
clv_audit_dump(clv_store_t *s, FILE *fp)
{
	static const char *const text_names[] = {
		"ceremony", "actors", "key_uri", "result", "detail",
	};
	static const int dump_order[] = { F_RESULT, F_CEREMONY, F_ACTORS, F_KEY_URI, F_DETAIL };
	sqlite3_stmt *st = NULL;
	char when[21];
	int64_t ev;
	int r = CLV_E_INTERNAL, rc, i, c;

	if (s == NULL || clv_store_db(s) == NULL || fp == NULL)
		return CLV_E_INVALID_ARG;
	if ((rc = sqlite3_prepare_v2(clv_store_db(s), select_all, -1, &st, NULL)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "preparing to read the audit trail");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		clv_time_format((time_t)sqlite3_column_int64(st, C_TIME), when);
		ev = sqlite3_column_int64(st, C_EVENT);
		fprintf(fp, "%lld %s ", (long long)sqlite3_column_int64(st, C_SEQ), when);
		if (event_is_known(ev))
			fputs(event_names[ev], fp);
		else
			fprintf(fp, "event-%lld", (long long)ev);
		for (i = 0; i < (int)(sizeof(dump_order) / sizeof(dump_order[0])); i++) {
			c = text_columns[dump_order[i]];
			if (sqlite3_column_type(st, c) == SQLITE_NULL)
				continue;
			put_quoted(fp, text_names[dump_order[i]], sqlite3_column_text(st, c),
			    sqlite3_column_bytes(st, c));
		}
		if (sqlite3_column_type(st, C_OBJECT) != SQLITE_NULL)
			put_blob_hex(fp, "object", st, C_OBJECT);
		if (sqlite3_column_int64(st, C_REHEARSAL) != 0)
			fputs(" rehearsal", fp);
		put_blob_hex(fp, "hash", st, C_HASH);
		fputc('\n', fp);
	}
	if (rc != SQLITE_DONE) {
		r = clv_store_db_error(s, rc, "reading the audit trail");
		goto out;
	}
	if (fflush(fp) != 0 || ferror(fp)) {
		clv_error("writing the audit trail failed");
		r = CLV_E_IO;
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}
