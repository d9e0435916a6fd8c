/* Unit tests: audit trail (append, hash chain, tamper detection, dump). */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit.h"
#include "store.h"
#include "unit.h"
#include "util.h"

#define T0 ((time_t)1767225600)         /* 2026-01-01T00:00:00Z */

/* --- a temporary directory per test ------------------------------------ */

static char tmpdir[256];

static void
tmp_setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/clv-audit-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
}

static void
tmp_cleanup(void)
{
	char p[512];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(tmpdir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", tmpdir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(tmpdir);
}

static void
tmp_path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tmpdir, name);
}

/* Runs SQL on the file directly, as an attacker with the file would. */
static int
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	if ((rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL)) == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		fprintf(stderr, "raw_exec: %s\n", sqlite3_errmsg(db));
	sqlite3_close(db);
	return rc;
}

static const char *const events_cycle_details[] = {
	"first", NULL, "", "line one\nline two \"quoted\"", "fifth",
};

/*
 * Appends n records (the same ones every time for the same n and clock):
 * varied events, absent and empty fields, object hashes on some.  The
 * clock advances a minute per record.  detail3 replaces record 3's detail.
 */
static void
append_records(clv_store_t *s, time_t *now, int from, int n, const char *detail3)
{
	static const clv_audit_event_t evs[] = {
		CLV_EV_STORE_CREATED, CLV_EV_CEREMONY_STARTED, CLV_EV_LOGIN,
		CLV_EV_KEY_GENERATED, CLV_EV_CERT_ISSUED, CLV_EV_OUTPUT_WRITTEN,
	};
	unsigned char object[32];
	clv_clock_t clock;
	clv_audit_entry_t e;
	int i;

	clv_clock_fixed(&clock, now);
	for (i = from; i < from + n; i++) {
		memset(&e, 0, sizeof(e));
		memset(object, i, sizeof(object));
		e.event = evs[(i - 1) % 6];
		e.ceremony = "csca-init-2026-01-01";
		e.actors = i % 2 ? "administrator=Alice;officer=Bob" : NULL;
		e.key_uri = i % 3 == 0 ? "pkcs11:token=CSCA;object=csca-2026" : NULL;
		e.object_sha256 = i % 4 == 0 ? object : NULL;
		e.result = "ok";
		e.detail = i == 3 && detail3 != NULL ? detail3 :
		    events_cycle_details[(i - 1) % 5];
		e.rehearsal = i % 2;
		CU_ASSERT_FATAL(clv_audit_append(s, &clock, &e) == 0);
		*now += 60;
	}
}

static clv_store_t *
store_with_records(const char *path, int n)
{
	clv_store_t *s = NULL;
	time_t now = T0;

	CU_ASSERT_FATAL(clv_store_open(path, 1, &s, NULL) == 0);
	append_records(s, &now, 1, n, NULL);
	return s;
}

static void
expect_broken(const char *path, int64_t want_seq, int64_t want_count, const char *want_msg)
{
	clv_store_t *s = NULL;
	clv_diag_t diag;
	int64_t count = -1, bad = -1;

	CU_ASSERT_FATAL(clv_store_open(path, 0, &s, NULL) == 0);
	diag.msg[0] = '\0';
	CU_ASSERT(clv_audit_verify(s, &count, &bad, &diag) == CLV_E_AUDIT_CHAIN);
	CU_ASSERT(bad == want_seq);
	CU_ASSERT(count == want_count);
	if (strstr(diag.msg, want_msg) == NULL) {
		fprintf(stderr, "\n  diag \"%s\" lacks \"%s\"\n", diag.msg, want_msg);
		CU_FAIL("diag does not say what is wrong");
	}
	clv_store_close(s);
}

/* --- tests -------------------------------------------------------------- */

static void
test_append_and_verify(void)
{
	char path[512];
	clv_store_t *s = NULL;
	clv_diag_t diag;
	sqlite3_stmt *st = NULL;
	unsigned char head[32], zero[32];
	int64_t count = -1, bad = -1, seq = -1;
	int i;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	CU_ASSERT_FATAL(clv_store_open(path, 1, &s, NULL) == 0);
	/* an empty trail is a valid one */
	CU_ASSERT(clv_audit_verify(s, &count, &bad, &diag) == 0 && count == 0 && bad == 0);
	CU_ASSERT(clv_audit_head(s, &seq, head) == 0 && seq == 0);
	memset(zero, 0, sizeof(zero));
	CU_ASSERT(memcmp(head, zero, 32) == 0);

	append_records(s, &(time_t){ T0 }, 1, 12, NULL);
	CU_ASSERT(clv_audit_verify(s, &count, &bad, &diag) == 0);
	CU_ASSERT(count == 12);
	CU_ASSERT(bad == 0);
	CU_ASSERT(clv_audit_head(s, &seq, head) == 0 && seq == 12);
	CU_ASSERT(memcmp(head, zero, 32) != 0);

	/* time comes from the injected clock; seq is contiguous from 1 */
	CU_ASSERT_FATAL(sqlite3_prepare_v2(clv_store_db(s),
	    "SELECT seq, time FROM audit ORDER BY seq", -1, &st, NULL) == SQLITE_OK);
	for (i = 1; sqlite3_step(st) == SQLITE_ROW; i++) {
		CU_ASSERT(sqlite3_column_int64(st, 0) == i);
		CU_ASSERT(sqlite3_column_int64(st, 1) == (int64_t)T0 + 60 * (i - 1));
	}
	CU_ASSERT(i == 13);
	sqlite3_finalize(st);
	/* the audit function left no transaction open */
	CU_ASSERT(sqlite3_get_autocommit(clv_store_db(s)) != 0);
	clv_store_close(s);
	s = NULL;

	/* and the trail survives reopening */
	CU_ASSERT_FATAL(clv_store_open(path, 0, &s, NULL) == 0);
	CU_ASSERT(clv_audit_verify(s, &count, &bad, &diag) == 0 && count == 12);
	clv_store_close(s);
	tmp_cleanup();
}

/* The first record's hash, computed here from the documented encoding: the
 * format is stored and hashed, so it must never change by accident. */
static void
test_hash_encoding_is_stable(void)
{
	static const unsigned char expect_msg[] = {
		/* prev_hash: 32 zero bytes */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 1,                 /* seq 1 */
		0, 0, 0, 0, 0x69, 0x55, 0xb9, 0x00,     /* time 1767225600 */
		0, 0, 0, 13,                            /* key-generated */
		1, 0, 0, 0, 2, 'c', '1',                /* ceremony "c1" */
		0,                                      /* actors absent */
		1, 0, 0, 0, 0,                          /* key_uri "" */
		1, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
		0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
		0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
		0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, /* object */
		1, 0, 0, 0, 2, 'o', 'k',                /* result "ok" */
		0,                                      /* detail absent */
		1,                                      /* rehearsal */
	};
	char path[512];
	unsigned char object[32], want[32], head[32];
	clv_store_t *s = NULL;
	clv_clock_t clock;
	clv_audit_entry_t e;
	time_t now = T0;
	int64_t seq = 0;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	CU_ASSERT_FATAL(clv_store_open(path, 1, &s, NULL) == 0);
	clv_clock_fixed(&clock, &now);
	memset(object, 0xab, sizeof(object));
	memset(&e, 0, sizeof(e));
	e.event = CLV_EV_KEY_GENERATED;
	e.ceremony = "c1";
	e.key_uri = "";
	e.object_sha256 = object;
	e.result = "ok";
	e.rehearsal = 7;        /* any true value is stored as 1 */
	CU_ASSERT_FATAL(clv_audit_append(s, &clock, &e) == 0);
	CU_ASSERT(clv_audit_head(s, &seq, head) == 0 && seq == 1);
	CU_ASSERT_FATAL(clv_sha256(expect_msg, sizeof(expect_msg), want) == 0);
	CU_ASSERT(memcmp(head, want, 32) == 0);
	clv_store_close(s);
	tmp_cleanup();
}

static void
test_tampered_field_named(void)
{
	char path[512];

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	clv_store_close(store_with_records(path, 8));
	CU_ASSERT_FATAL(raw_exec(path, "DROP TRIGGER audit_no_update; "
	    "UPDATE audit SET result = 'refused' WHERE seq = 3") == SQLITE_OK);
	/* record 3 is a login */
	expect_broken(path, 3, 2, "audit record 3 (login): hash does not match its contents");
	tmp_cleanup();
}

static void
test_absent_differs_from_empty(void)
{
	char path[512];

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	clv_store_close(store_with_records(path, 4));
	/* record 2 has no detail; an empty one is a different record */
	CU_ASSERT_FATAL(raw_exec(path, "DROP TRIGGER audit_no_update; "
	    "UPDATE audit SET detail = '' WHERE seq = 2") == SQLITE_OK);
	expect_broken(path, 2, 1, "audit record 2 (ceremony-started): hash does not match");
	tmp_cleanup();
}

static void
test_tampered_time_and_flag(void)
{
	char path[512];

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	clv_store_close(store_with_records(path, 6));
	CU_ASSERT_FATAL(raw_exec(path, "DROP TRIGGER audit_no_update; "
	    "UPDATE audit SET rehearsal = 1 - rehearsal WHERE seq = 5") == SQLITE_OK);
	expect_broken(path, 5, 4, "audit record 5 (cert-issued): hash does not match");
	CU_ASSERT_FATAL(raw_exec(path, "UPDATE audit SET time = time + 1 WHERE seq = 4")
	    == SQLITE_OK);
	expect_broken(path, 4, 3, "audit record 4 (key-generated): hash does not match");
	tmp_cleanup();
}

static void
test_deleted_record_missing(void)
{
	char path[512];

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	clv_store_close(store_with_records(path, 8));
	CU_ASSERT_FATAL(raw_exec(path, "DROP TRIGGER audit_no_delete; "
	    "DELETE FROM audit WHERE seq = 5") == SQLITE_OK);
	expect_broken(path, 5, 4, "audit record 5 missing: record 6 follows record 4");
	CU_ASSERT_FATAL(raw_exec(path, "DELETE FROM audit WHERE seq = 1") == SQLITE_OK);
	expect_broken(path, 1, 0, "audit record 1 missing");
	tmp_cleanup();
}

static void
test_broken_link_named(void)
{
	char path[512], forged[512], sql[1200];
	clv_store_t *s = NULL;
	time_t now = T0;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	tmp_path(forged, sizeof(forged), "forged.db");

	/* The real trail; and a forged one, the same up to record 3, whose
	 * record 3 says something else but is consistent in itself. */
	CU_ASSERT_FATAL(clv_store_open(path, 1, &s, NULL) == 0);
	append_records(s, &now, 1, 6, "original");
	clv_store_close(s);
	s = NULL;
	now = T0;
	CU_ASSERT_FATAL(clv_store_open(forged, 1, &s, NULL) == 0);
	append_records(s, &now, 1, 3, "forged");
	clv_store_close(s);
	s = NULL;

	/* Swap the forged record in, as a careful attacker would: record 3
	 * verifies, the link from record 4 does not. */
	snprintf(sql, sizeof(sql),
	    "ATTACH '%s' AS f; "
	    "DROP TRIGGER audit_no_delete; DROP TRIGGER audit_append_only; "
	    "DELETE FROM audit WHERE seq = 3; "
	    "INSERT INTO audit SELECT * FROM f.audit WHERE seq = 3;", forged);
	CU_ASSERT_FATAL(raw_exec(path, sql) == SQLITE_OK);
	expect_broken(path, 4, 3, "audit record 4: link to previous record broken");

	/* Changing a stored hash shows at that record. */
	CU_ASSERT_FATAL(raw_exec(path, "DROP TRIGGER audit_no_update; "
	    "UPDATE audit SET hash = zeroblob(32) WHERE seq = 2") == SQLITE_OK);
	expect_broken(path, 2, 1, "audit record 2 (ceremony-started): hash does not match");
	/* A broken prev_hash shows as a broken link. */
	CU_ASSERT_FATAL(raw_exec(path, "UPDATE audit SET hash = prev_hash WHERE seq = 2; "
	    "UPDATE audit SET prev_hash = zeroblob(32) WHERE seq = 2") == SQLITE_OK);
	expect_broken(path, 2, 1, "audit record 2: link to previous record broken");
	/* A hash of the wrong size is malformed, not a crash. */
	CU_ASSERT_FATAL(raw_exec(path, "PRAGMA ignore_check_constraints = ON; "
	    "UPDATE audit SET hash = x'00' WHERE seq = 1") == SQLITE_OK);
	expect_broken(path, 1, 0, "audit record 1: malformed (column hash)");
	tmp_cleanup();
}

static void
test_sql_cannot_change_trail(void)
{
	char path[512];
	clv_store_t *s = NULL;
	clv_diag_t diag;
	sqlite3 *db;
	int64_t count = 0, bad = 0;
	int rc;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	s = store_with_records(path, 5);
	db = clv_store_db(s);
	rc = sqlite3_exec(db, "UPDATE audit SET result = 'refused' WHERE seq = 3", NULL, NULL,
	    NULL);
	CU_ASSERT(rc == SQLITE_CONSTRAINT_TRIGGER);
	CU_ASSERT(clv_store_db_error(s, rc, "test") == CLV_E_DB_CONSTRAINT);
	CU_ASSERT(sqlite3_exec(db, "DELETE FROM audit WHERE seq = 5", NULL, NULL, NULL)
	    == SQLITE_CONSTRAINT_TRIGGER);
	CU_ASSERT(sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, NULL)
	    == SQLITE_CONSTRAINT_TRIGGER);
	/* nor insert anywhere but at the end of the chain */
	CU_ASSERT(sqlite3_exec(db, "INSERT INTO audit SELECT seq + 10, time, event, ceremony, "
	    "actors, key_uri, object_sha256, result, detail, rehearsal, prev_hash, hash "
	    "FROM audit WHERE seq = 5", NULL, NULL, NULL) == SQLITE_CONSTRAINT_TRIGGER);
	CU_ASSERT(sqlite3_exec(db, "INSERT INTO audit SELECT seq + 1, time, event, ceremony, "
	    "actors, key_uri, object_sha256, result, detail, rehearsal, prev_hash, hash "
	    "FROM audit WHERE seq = 5", NULL, NULL, NULL) == SQLITE_CONSTRAINT_TRIGGER);
	CU_ASSERT(clv_audit_verify(s, &count, &bad, &diag) == 0 && count == 5);
	clv_store_close(s);
	s = NULL;

	/* also on a fresh connection to the file */
	CU_ASSERT(raw_exec(path, "DELETE FROM audit WHERE seq = 1") == SQLITE_CONSTRAINT);
	CU_ASSERT(raw_exec(path, "UPDATE audit SET detail = NULL") == SQLITE_CONSTRAINT);
	tmp_cleanup();
}

static void
test_invalid_event_refused(void)
{
	static const int bad_events[] = { 0, -1, CLV_EV_PRODUCER_PINNED + 1, 1000 };
	char path[512];
	unsigned char head[32];
	clv_store_t *s = NULL;
	clv_clock_t clock;
	clv_audit_entry_t e;
	time_t now = T0;
	int64_t seq = -1;
	size_t i;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	s = store_with_records(path, 2);
	clv_clock_fixed(&clock, &now);
	for (i = 0; i < sizeof(bad_events) / sizeof(bad_events[0]); i++) {
		memset(&e, 0, sizeof(e));
		e.event = (clv_audit_event_t)bad_events[i];
		e.result = "ok";
		CU_ASSERT(clv_audit_append(s, &clock, &e) == CLV_E_INVALID_ARG);
	}
	memset(&e, 0, sizeof(e));
	e.event = CLV_EV_LOGOUT;
	e.result = NULL;
	CU_ASSERT(clv_audit_append(s, &clock, &e) == CLV_E_INVALID_ARG);
	CU_ASSERT(clv_audit_append(s, &clock, NULL) == CLV_E_INVALID_ARG);
	CU_ASSERT(clv_audit_append(NULL, &clock, &e) == CLV_E_INVALID_ARG);
	CU_ASSERT(clv_audit_head(s, &seq, head) == 0 && seq == 2);
	CU_ASSERT(sqlite3_get_autocommit(clv_store_db(s)) != 0);
	clv_store_close(s);
	tmp_cleanup();
}

static void
test_event_names(void)
{
	const char *names[CLV_EV_WITNESS_ACK + 1];
	const char *p;
	int ev, other;

	for (ev = CLV_EV_STORE_CREATED; ev <= CLV_EV_WITNESS_ACK; ev++) {
		names[ev] = clv_audit_event_name((clv_audit_event_t)ev);
		CU_ASSERT_PTR_NOT_NULL_FATAL(names[ev]);
		CU_ASSERT(strcmp(names[ev], "unknown") != 0);
		CU_ASSERT(names[ev][0] >= 'a' && names[ev][0] <= 'z');
		for (p = names[ev]; *p != '\0'; p++)
			CU_ASSERT((*p >= 'a' && *p <= 'z') || *p == '-');
		for (other = CLV_EV_STORE_CREATED; other < ev; other++)
			CU_ASSERT(strcmp(names[ev], names[other]) != 0);
	}
	CU_ASSERT_STRING_EQUAL(clv_audit_event_name(CLV_EV_KEY_GENERATED), "key-generated");
	CU_ASSERT_STRING_EQUAL(clv_audit_event_name(CLV_EV_STORE_CREATED), "store-created");
	CU_ASSERT_STRING_EQUAL(clv_audit_event_name(CLV_EV_WITNESS_ACK), "witness-ack");
	CU_ASSERT_STRING_EQUAL(clv_audit_event_name((clv_audit_event_t)0), "unknown");
	CU_ASSERT_STRING_EQUAL(clv_audit_event_name((clv_audit_event_t)99), "unknown");
}

static void
test_joins_open_transaction(void)
{
	char path[512];
	clv_store_t *s = NULL;
	clv_key_record_t k;
	clv_diag_t diag;
	unsigned char head[32];
	int64_t seq = -1, count = 0, bad = 0;
	time_t now = T0;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	s = store_with_records(path, 2);

	/* rolled back with the caller's work */
	CU_ASSERT_FATAL(clv_store_begin(s) == 0);
	memset(&k, 0, sizeof(k));
	snprintf(k.label, sizeof(k.label), "csca-2026");
	snprintf(k.state, sizeof(k.state), "generated");
	CU_ASSERT(clv_store_key_add(s, &k, NULL) == 0);
	append_records(s, &now, 3, 2, NULL);
	CU_ASSERT(sqlite3_get_autocommit(clv_store_db(s)) == 0);       /* still open */
	CU_ASSERT(clv_store_rollback(s) == 0);
	CU_ASSERT(clv_audit_head(s, &seq, head) == 0 && seq == 2);
	CU_ASSERT(clv_store_key_find(s, "csca-2026", &k) == CLV_E_DB_NOT_FOUND);

	/* committed with it */
	CU_ASSERT_FATAL(clv_store_begin(s) == 0);
	append_records(s, &now, 3, 3, NULL);
	CU_ASSERT(clv_store_commit(s) == 0);
	CU_ASSERT(clv_audit_head(s, &seq, head) == 0 && seq == 5);
	CU_ASSERT(clv_audit_verify(s, &count, &bad, &diag) == 0 && count == 5);
	clv_store_close(s);
	tmp_cleanup();
}

static void
test_dump_one_line_per_record(void)
{
	char path[512], hex[65];
	unsigned char head[32];
	clv_store_t *s = NULL;
	char *text = NULL, *p;
	size_t size = 0;
	int64_t seq = 0;
	FILE *fp;
	int lines = 0;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	s = store_with_records(path, 6);
	CU_ASSERT_FATAL((fp = open_memstream(&text, &size)) != NULL);
	CU_ASSERT(clv_audit_dump(s, fp) == 0);
	fclose(fp);
	for (p = text; *p != '\0'; p++)
		lines += *p == '\n';
	CU_ASSERT(lines == 6);
	CU_ASSERT(strncmp(text, "1 2026-01-01T00:00:00Z store-created ", 37) == 0);
	CU_ASSERT(strstr(text, "\n4 2026-01-01T00:03:00Z key-generated ") != NULL);
	/* a newline and quotes inside a field stay inside the line */
	CU_ASSERT(strstr(text, "detail=\"line one\\x0aline two \\\"quoted\\\"\"") != NULL);
	CU_ASSERT(strstr(text, " rehearsal") != NULL);
	CU_ASSERT(clv_audit_head(s, &seq, head) == 0);
	clv_hex(head, 32, hex);
	CU_ASSERT(strstr(text, hex) != NULL);
	free(text);
	clv_store_close(s);
	tmp_cleanup();
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "append and verify", test_append_and_verify },
		{ "hash encoding is stable", test_hash_encoding_is_stable },
		{ "tampered field named", test_tampered_field_named },
		{ "absent differs from empty", test_absent_differs_from_empty },
		{ "tampered time and rehearsal flag", test_tampered_time_and_flag },
		{ "deleted record reported missing", test_deleted_record_missing },
		{ "broken link named", test_broken_link_named },
		{ "SQL cannot change the trail", test_sql_cannot_change_trail },
		{ "invalid event refused", test_invalid_event_refused },
		{ "event names", test_event_names },
		{ "joins an open transaction", test_joins_open_transaction },
		{ "dump: one line per record", test_dump_one_line_per_record },
		{ NULL, NULL },
	};
	return clv_unit_run("audit", tests);
}
