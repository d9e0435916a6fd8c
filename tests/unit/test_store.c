/* Unit tests: store (SQLite schema, migrations, keys, objects, transactions). */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "unit.h"
#include "util.h"

/* --- a temporary directory per test ------------------------------------ */

static char tmpdir[256];

static const char *
tmp_setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/clv-store-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	return tmpdir;
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

/* Runs SQL on the file directly, as someone with the file would. */
static int
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	if ((rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    NULL)) == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static void
key_fill(clv_key_record_t *k, const char *label, const char *state)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->label, sizeof(k->label), "%s", label);
	snprintf(k->uri, sizeof(k->uri), "pkcs11:token=CSCA;object=%s;type=private", label);
	snprintf(k->token_serial, sizeof(k->token_serial), "0123456789abcdef");
	snprintf(k->algorithm, sizeof(k->algorithm), "EC brainpoolP256r1");
	snprintf(k->state, sizeof(k->state), "%s", state);
	k->created = 1767225600;            /* 2026-01-01T00:00:00Z */
	k->usage_not_before = 1767225600;
	k->usage_not_after = 0;             /* unknown */
	memset(k->spki_sha256, 0xa5, sizeof(k->spki_sha256));
	k->rehearsal = 1;
}

static void
object_fill(clv_object_record_t *o, const char *kind, const char *issuer, const char *serial,
    const unsigned char *der, size_t der_len)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->kind, sizeof(o->kind), "%s", kind);
	snprintf(o->issuer_label, sizeof(o->issuer_label), "%s", issuer);
	snprintf(o->serial_hex, sizeof(o->serial_hex), "%s", serial);
	snprintf(o->subject, sizeof(o->subject), "C=UT,O=Utopia,CN=CSCA Utopia");
	o->created = 1767225600;
	o->not_before = 1767225600;
	o->not_after = 1861920000;
	o->der = der;
	o->der_len = der_len;
	CU_ASSERT_FATAL(clv_sha256(der, der_len, o->sha256) == 0);
}

/* A store with keys "csca-2026" and "csca-2027". */
static clv_store_t *
open_with_keys(const char *path)
{
	clv_store_t *s = NULL;
	clv_key_record_t k;
	clv_diag_t diag;

	CU_ASSERT_FATAL(clv_store_open(path, 1, &s, &diag) == 0);
	key_fill(&k, "csca-2026", "active");
	CU_ASSERT_FATAL(clv_store_key_add(s, &k, NULL) == 0);
	key_fill(&k, "csca-2027", "generated");
	CU_ASSERT_FATAL(clv_store_key_add(s, &k, NULL) == 0);
	return s;
}

/* --- tests -------------------------------------------------------------- */

static void
test_create_reopen_keeps_data(void)
{
	char path[512];
	clv_store_t *s = NULL;
	clv_key_record_t k, got;
	clv_diag_t diag;
	struct stat st;
	int64_t id = 0;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	CU_ASSERT_FATAL(clv_store_open(path, 1, &s, &diag) == 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	key_fill(&k, "csca-2026", "generated");
	CU_ASSERT(clv_store_key_add(s, &k, &id) == 0);
	CU_ASSERT(id > 0);
	clv_store_close(s);
	s = NULL;

	CU_ASSERT_FATAL(clv_store_open(path, 0, &s, &diag) == 0);
	CU_ASSERT(clv_store_key_find(s, "csca-2026", &got) == 0);
	CU_ASSERT(got.id == id);
	CU_ASSERT_STRING_EQUAL(got.label, k.label);
	CU_ASSERT_STRING_EQUAL(got.uri, k.uri);
	CU_ASSERT_STRING_EQUAL(got.token_serial, k.token_serial);
	CU_ASSERT_STRING_EQUAL(got.algorithm, k.algorithm);
	CU_ASSERT_STRING_EQUAL(got.state, "generated");
	CU_ASSERT(got.created == k.created);
	CU_ASSERT(got.usage_not_before == k.usage_not_before);
	CU_ASSERT(got.usage_not_after == 0);
	CU_ASSERT(memcmp(got.spki_sha256, k.spki_sha256, 32) == 0);
	CU_ASSERT(got.rehearsal == 1);
	CU_ASSERT(clv_store_key_find(s, "csca-1999", &got) == CLV_E_DB_NOT_FOUND);
	CU_ASSERT_STRING_EQUAL(clv_store_path(s), path);
	clv_store_close(s);
	clv_store_close(NULL);
	tmp_cleanup();
}

static void
test_schema_version_is_current(void)
{
	char path[512];
	clv_store_t *s = NULL;
	clv_diag_t diag;
	sqlite3_stmt *st = NULL;
	int version = -1;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	CU_ASSERT_FATAL(clv_store_open(path, 1, &s, &diag) == 0);
	CU_ASSERT(clv_store_schema_version(s, &version) == 0);
	CU_ASSERT(version == CLV_STORE_SCHEMA_VERSION);
	/* Durability settings took effect on this connection. */
	CU_ASSERT_FATAL(sqlite3_prepare_v2(clv_store_db(s), "PRAGMA foreign_keys", -1, &st,
	    NULL) == SQLITE_OK);
	CU_ASSERT(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1);
	sqlite3_finalize(st);
	CU_ASSERT_FATAL(sqlite3_prepare_v2(clv_store_db(s), "PRAGMA synchronous", -1, &st,
	    NULL) == SQLITE_OK);
	CU_ASSERT(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 2);  /* FULL */
	sqlite3_finalize(st);
	clv_store_close(s);
	tmp_cleanup();
}

static void
test_newer_schema_refused(void)
{
	char path[512];
	clv_store_t *s = NULL;
	clv_diag_t diag;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	CU_ASSERT_FATAL(clv_store_open(path, 1, &s, &diag) == 0);
	clv_store_close(s);
	s = NULL;
	CU_ASSERT_FATAL(raw_exec(path, "PRAGMA user_version = 7") == SQLITE_OK);
	diag.msg[0] = '\0';
	CU_ASSERT(clv_store_open(path, 0, &s, &diag) == CLV_E_DB_SCHEMA);
	CU_ASSERT(s == NULL);
	CU_ASSERT(strstr(diag.msg, path) != NULL);
	CU_ASSERT(strstr(diag.msg, "version 7") != NULL);
	{
		char supported[32];
		snprintf(supported, sizeof(supported), "version %d", CLV_STORE_SCHEMA_VERSION);
		CU_ASSERT(strstr(diag.msg, supported) != NULL);
	}
	/* create != 0 does not change that */
	CU_ASSERT(clv_store_open(path, 1, &s, &diag) == CLV_E_DB_SCHEMA);
	CU_ASSERT(s == NULL);
	tmp_cleanup();
}

static void
test_migrations_run_from_empty_file(void)
{
	static const char *const tables[] = { "keys", "objects", "audit" };
	char path[512];
	clv_store_t *s = NULL;
	clv_diag_t diag;
	sqlite3_stmt *st = NULL;
	FILE *fp;
	int version = 0;
	size_t i;

	tmp_setup();
	tmp_path(path, sizeof(path), "empty.db");
	CU_ASSERT_FATAL((fp = fopen(path, "w")) != NULL);
	fclose(fp);
	CU_ASSERT_FATAL(clv_store_open(path, 0, &s, &diag) == 0);
	CU_ASSERT(clv_store_schema_version(s, &version) == 0 &&
	    version == CLV_STORE_SCHEMA_VERSION);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		CU_ASSERT_FATAL(sqlite3_prepare_v2(clv_store_db(s),
		    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
		    -1, &st, NULL) == SQLITE_OK);
		sqlite3_bind_text(st, 1, tables[i], -1, SQLITE_STATIC);
		CU_ASSERT(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1);
		sqlite3_finalize(st);
	}
	clv_store_close(s);
	s = NULL;
	/* Opening again does not migrate again (CREATE TABLE would fail). */
	CU_ASSERT(clv_store_open(path, 0, &s, &diag) == 0);
	clv_store_close(s);
	tmp_cleanup();
}

static void
test_missing_file(void)
{
	char path[512];
	clv_store_t *s = NULL;
	clv_diag_t diag;

	tmp_setup();
	tmp_path(path, sizeof(path), "absent.db");
	diag.msg[0] = '\0';
	CU_ASSERT(clv_store_open(path, 0, &s, &diag) == CLV_E_FILE_NOT_FOUND);
	CU_ASSERT(s == NULL);
	CU_ASSERT(strstr(diag.msg, path) != NULL);
	CU_ASSERT(access(path, F_OK) != 0);     /* not created */
	tmp_cleanup();
}

static void
test_not_a_database_refused(void)
{
	char path[512], other[512];
	clv_store_t *s = NULL;
	clv_diag_t diag;
	FILE *fp;
	int i;

	tmp_setup();
	tmp_path(path, sizeof(path), "notes.txt");
	CU_ASSERT_FATAL((fp = fopen(path, "w")) != NULL);
	for (i = 0; i < 200; i++)
		fputs("this is a ceremony transcript, not a database\n", fp);
	fclose(fp);
	diag.msg[0] = '\0';
	CU_ASSERT(clv_store_open(path, 0, &s, &diag) == CLV_E_DB);
	CU_ASSERT(s == NULL);
	CU_ASSERT(strstr(diag.msg, path) != NULL);
	CU_ASSERT(strstr(diag.msg, "not an SQLite database") != NULL);

	/* An SQLite file of something else is not migrated into a store. */
	tmp_path(other, sizeof(other), "other.db");
	CU_ASSERT_FATAL(raw_exec(other, "CREATE TABLE t (x)") == SQLITE_OK);
	diag.msg[0] = '\0';
	CU_ASSERT(clv_store_open(other, 0, &s, &diag) == CLV_E_DB);
	CU_ASSERT(s == NULL);
	CU_ASSERT(strstr(diag.msg, other) != NULL);
	CU_ASSERT(strstr(diag.msg, "not a Conclave store") != NULL);
	tmp_cleanup();
}

static void
test_symlink_and_directory_refused(void)
{
	char path[512], link[512];
	clv_store_t *s = NULL;
	clv_diag_t diag;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	tmp_path(link, sizeof(link), "link.db");
	CU_ASSERT_FATAL(clv_store_open(path, 1, &s, &diag) == 0);
	clv_store_close(s);
	s = NULL;
	CU_ASSERT_FATAL(symlink(path, link) == 0);
	CU_ASSERT(clv_store_open(link, 1, &s, &diag) == CLV_E_IO);
	CU_ASSERT(s == NULL);
	CU_ASSERT(strstr(diag.msg, "symbolic link") != NULL);
	CU_ASSERT(clv_store_open(tmpdir, 1, &s, &diag) == CLV_E_IO);
	CU_ASSERT(s == NULL);
	CU_ASSERT(clv_store_open(NULL, 1, &s, &diag) == CLV_E_INVALID_ARG);
	tmp_cleanup();
}

static void
test_key_label_unique(void)
{
	char path[512];
	clv_store_t *s = NULL;
	clv_key_record_t k;
	clv_diag_t diag;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	CU_ASSERT_FATAL(clv_store_open(path, 1, &s, &diag) == 0);
	key_fill(&k, "csca-2026", "generated");
	CU_ASSERT(clv_store_key_add(s, &k, NULL) == 0);
	snprintf(k.uri, sizeof(k.uri), "pkcs11:token=OTHER;object=csca-2026");
	CU_ASSERT(clv_store_key_add(s, &k, NULL) == CLV_E_DB_CONSTRAINT);
	key_fill(&k, "csca-2026b", "lost");
	CU_ASSERT(clv_store_key_add(s, &k, NULL) == CLV_E_INVALID_ARG);
	key_fill(&k, "", "generated");
	CU_ASSERT(clv_store_key_add(s, &k, NULL) == CLV_E_INVALID_ARG);
	clv_store_close(s);
	tmp_cleanup();
}

static void
test_key_state_moves_forward(void)
{
	char path[512];
	clv_store_t *s = NULL;
	clv_key_record_t k;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	s = open_with_keys(path);
	CU_ASSERT(clv_store_key_set_state(s, "csca-2027", "active") == 0);
	CU_ASSERT(clv_store_key_find(s, "csca-2027", &k) == 0);
	CU_ASSERT_STRING_EQUAL(k.state, "active");
	CU_ASSERT(clv_store_key_set_state(s, "csca-2027", "generated") == CLV_E_POLICY);
	CU_ASSERT(clv_store_key_set_state(s, "csca-2027", "retired") == 0);
	CU_ASSERT(clv_store_key_set_state(s, "csca-2027", "active") == CLV_E_POLICY);
	CU_ASSERT(clv_store_key_find(s, "csca-2027", &k) == 0);
	CU_ASSERT_STRING_EQUAL(k.state, "retired");
	CU_ASSERT(clv_store_key_set_state(s, "csca-1999", "retired") == CLV_E_DB_NOT_FOUND);
	CU_ASSERT(clv_store_key_set_state(s, "csca-2026", "lost") == CLV_E_INVALID_ARG);
	/* Below the API the schema refuses the same. */
	CU_ASSERT(sqlite3_exec(clv_store_db(s),
	    "UPDATE keys SET state = 'generated' WHERE label = 'csca-2026'", NULL, NULL, NULL)
	    == SQLITE_CONSTRAINT_TRIGGER);
	CU_ASSERT(sqlite3_exec(clv_store_db(s),
	    "UPDATE keys SET uri = 'pkcs11:object=evil' WHERE label = 'csca-2026'", NULL, NULL,
	    NULL) == SQLITE_CONSTRAINT_TRIGGER);
	CU_ASSERT(sqlite3_exec(clv_store_db(s), "DELETE FROM keys", NULL, NULL, NULL)
	    == SQLITE_CONSTRAINT_TRIGGER);
	clv_store_close(s);
	tmp_cleanup();
}

static void
test_object_serial_unique_per_issuer(void)
{
	static const unsigned char der1[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	static const unsigned char der2[] = { 0x30, 0x03, 0x02, 0x01, 0x02 };
	static const unsigned char der3[] = { 0x30, 0x03, 0x02, 0x01, 0x03 };
	static const unsigned char der4[] = { 0x30, 0x03, 0x02, 0x01, 0x04 };
	char path[512];
	clv_store_t *s = NULL;
	clv_object_record_t o;
	int64_t id = 0;
	int exists = -1;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	s = open_with_keys(path);
	object_fill(&o, "certificate", "csca-2026", "01", der1, sizeof(der1));
	CU_ASSERT(clv_store_object_add(s, &o, &id) == 0);
	CU_ASSERT(id > 0);
	/* the same number written otherwise is the same serial */
	object_fill(&o, "certificate", "csca-2026", "0001", der2, sizeof(der2));
	CU_ASSERT(clv_store_object_add(s, &o, NULL) == CLV_E_DB_CONSTRAINT);
	/* another issuer may use it, and a CRL number is not a serial */
	object_fill(&o, "certificate", "csca-2027", "01", der2, sizeof(der2));
	CU_ASSERT(clv_store_object_add(s, &o, NULL) == 0);
	object_fill(&o, "crl", "csca-2026", "01", der3, sizeof(der3));
	CU_ASSERT(clv_store_object_add(s, &o, NULL) == 0);
	/* the same object twice */
	object_fill(&o, "certificate", "csca-2026", "02", der1, sizeof(der1));
	CU_ASSERT(clv_store_object_add(s, &o, NULL) == CLV_E_DB_CONSTRAINT);
	/* an issuer that is no key of ours */
	object_fill(&o, "certificate", "csca-1999", "05", der4, sizeof(der4));
	CU_ASSERT(clv_store_object_add(s, &o, NULL) == CLV_E_DB_CONSTRAINT);
	/* malformed input */
	object_fill(&o, "certificate", "csca-2026", "0x05", der4, sizeof(der4));
	CU_ASSERT(clv_store_object_add(s, &o, NULL) == CLV_E_INVALID_ARG);
	object_fill(&o, "token", "csca-2026", "05", der4, sizeof(der4));
	CU_ASSERT(clv_store_object_add(s, &o, NULL) == CLV_E_INVALID_ARG);

	CU_ASSERT(clv_store_serial_exists(s, "csca-2026", "1", &exists) == 0 && exists == 1);
	CU_ASSERT(clv_store_serial_exists(s, "csca-2026", "00000001", &exists) == 0 &&
	    exists == 1);
	CU_ASSERT(clv_store_serial_exists(s, "csca-2026", "02", &exists) == 0 && exists == 0);
	CU_ASSERT(clv_store_serial_exists(s, "csca-1999", "01", &exists) == 0 && exists == 0);
	CU_ASSERT(clv_store_serial_exists(s, "csca-2026", "xyz", &exists) == CLV_E_INVALID_ARG);
	/* objects are never changed or deleted */
	CU_ASSERT(sqlite3_exec(clv_store_db(s), "DELETE FROM objects", NULL, NULL, NULL)
	    == SQLITE_CONSTRAINT_TRIGGER);
	CU_ASSERT(clv_store_serial_exists(s, "csca-2026", "01", &exists) == 0 && exists == 1);
	clv_store_close(s);
	tmp_cleanup();
}

static void
test_crl_number_last(void)
{
	static const char *const numbers[] = { "09", "0a", "10", "0F" };
	unsigned char der[5] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	char path[512];
	clv_store_t *s = NULL;
	clv_object_record_t o;
	uint64_t last = 99;
	size_t i;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	s = open_with_keys(path);
	CU_ASSERT(clv_store_crl_number_last(s, "csca-2026", &last) == 0 && last == 0);
	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		der[4] = (unsigned char)(0x40 + i);
		object_fill(&o, "crl", "csca-2026", numbers[i], der, sizeof(der));
		CU_ASSERT(clv_store_object_add(s, &o, NULL) == 0);
	}
	/* a certificate with a larger serial does not count */
	der[4] = 0x7f;
	object_fill(&o, "certificate", "csca-2026", "ffff", der, sizeof(der));
	CU_ASSERT(clv_store_object_add(s, &o, NULL) == 0);
	CU_ASSERT(clv_store_crl_number_last(s, "csca-2026", &last) == 0);
	CU_ASSERT(last == 0x10);
	CU_ASSERT(clv_store_crl_number_last(s, "csca-2027", &last) == 0 && last == 0);
	clv_store_close(s);
	tmp_cleanup();
}

static void
test_revocations(void)
{
	static const unsigned char der1[] = { 0x30, 0x03, 0x02, 0x01, 0x11 };
	static const unsigned char der2[] = { 0x30, 0x03, 0x02, 0x01, 0x12 };
	static const unsigned char der3[] = { 0x30, 0x03, 0x02, 0x01, 0x13 };
	char path[512];
	clv_store_t *s = NULL;
	clv_object_record_t o, c;
	clv_revocation_t rv, got, *all = NULL;
	size_t n = 99;
	int found = -1;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	s = open_with_keys(path);
	object_fill(&o, "certificate", "csca-2026", "0a1b", der1, sizeof(der1));
	CU_ASSERT(clv_store_object_add(s, &o, NULL) == 0);
	object_fill(&o, "certificate", "csca-2026", "ff", der2, sizeof(der2));
	CU_ASSERT(clv_store_object_add(s, &o, NULL) == 0);
	object_fill(&o, "crl", "csca-2026", "0c", der3, sizeof(der3));
	CU_ASSERT(clv_store_object_add(s, &o, NULL) == 0);
	CU_ASSERT(clv_store_cert_find(s, "csca-2026", "A1B", &c) == 0);
	CU_ASSERT(strcmp(c.serial_hex, "a1b") == 0 && c.not_before == 1767225600);
	CU_ASSERT(clv_store_cert_find(s, "csca-2027", "a1b", &c) == CLV_E_DB_NOT_FOUND);
	/* a CRL number is no certificate */
	CU_ASSERT(clv_store_cert_find(s, "csca-2026", "0c", &c) == CLV_E_DB_NOT_FOUND);

	CU_ASSERT(clv_store_revocations(s, "csca-2026", &all, &n) == 0 && n == 0);
	free(all);
	memset(&rv, 0, sizeof(rv));
	snprintf(rv.serial_hex, sizeof(rv.serial_hex), "ff");
	rv.revoked = 1767312000;
	rv.recorded = 1767398400;
	snprintf(rv.reason, sizeof(rv.reason), "key lost");
	CU_ASSERT(clv_store_revocation_add(s, "csca-2026", &rv, 1) == 0);
	/* once only, and only certificates the key issued */
	CU_ASSERT(clv_store_revocation_add(s, "csca-2026", &rv, 1) == CLV_E_DB_CONSTRAINT);
	CU_ASSERT(clv_store_revocation_add(s, "csca-2027", &rv, 1) == CLV_E_DB_NOT_FOUND);
	snprintf(rv.serial_hex, sizeof(rv.serial_hex), "0c");
	CU_ASSERT(clv_store_revocation_add(s, "csca-2026", &rv, 1) == CLV_E_DB_NOT_FOUND);
	snprintf(rv.serial_hex, sizeof(rv.serial_hex), "00a1b");
	rv.revoked = 1767300000;
	CU_ASSERT(clv_store_revocation_add(s, "csca-2026", &rv, 1) == 0);

	CU_ASSERT(clv_store_revocation_find(s, "csca-2026", "FF", &got, &found) == 0 && found);
	CU_ASSERT(got.revoked == 1767312000 && strcmp(got.reason, "key lost") == 0);
	CU_ASSERT(clv_store_revocation_find(s, "csca-2027", "ff", &got, &found) == 0 && !found);
	CU_ASSERT(clv_store_revocations(s, "csca-2026", &all, &n) == 0 && n == 2);
	if (n == 2) {
		CU_ASSERT(strcmp(all[0].serial_hex, "ff") == 0);
		CU_ASSERT(strcmp(all[1].serial_hex, "a1b") == 0 && all[1].revoked == 1767300000);
	}
	free(all);
	/* never changed, taken back, or pointed at a CRL behind the API's back */
	CU_ASSERT(sqlite3_exec(clv_store_db(s), "DELETE FROM revocations", NULL, NULL, NULL)
	    == SQLITE_CONSTRAINT_TRIGGER);
	CU_ASSERT(sqlite3_exec(clv_store_db(s), "UPDATE revocations SET revoked = 0", NULL, NULL,
	    NULL) == SQLITE_CONSTRAINT_TRIGGER);
	CU_ASSERT(sqlite3_exec(clv_store_db(s), "INSERT INTO revocations (object_id, revoked, "
	    "recorded, reason, rehearsal) SELECT id, 1, 1, 'x', 1 FROM objects WHERE kind = 'crl'",
	    NULL, NULL, NULL) == SQLITE_CONSTRAINT_TRIGGER);
	CU_ASSERT(clv_store_revocations(s, "csca-2026", &all, &n) == 0 && n == 2);
	free(all);
	clv_store_close(s);
	tmp_cleanup();
}

static void
test_pins_and_seen_bundles(void)
{
	static const unsigned char spki1[] = { 0x30, 0x03, 0x01, 0x01, 0xff };
	static const unsigned char spki2[] = { 0x30, 0x03, 0x01, 0x01, 0x00 };
	unsigned char msha[32];
	char path[512];
	clv_store_t *s = NULL;
	clv_store_pin_t *pins = NULL;
	clv_buf_t k1 = { (unsigned char *)spki1, sizeof(spki1) };
	clv_buf_t k2 = { (unsigned char *)spki2, sizeof(spki2) };
	size_t n = 99;
	int seen = -1;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	s = open_with_keys(path);
	CU_ASSERT(clv_store_pins(s, &pins, &n) == 0 && n == 0);
	clv_store_pins_free(pins, n);
	CU_ASSERT(clv_store_pin_add(s, "host:ds1", &k1, 1767225600, 0) == 0);
	CU_ASSERT(clv_store_pin_add(s, "host:ds2", &k2, 1767225600, 0) == 0);
	/* once per producer, never replaced or removed */
	CU_ASSERT(clv_store_pin_add(s, "host:ds1", &k2, 1767225600, 0) == CLV_E_DB_CONSTRAINT);
	CU_ASSERT(clv_store_pin_add(s, "", &k2, 1767225600, 0) == CLV_E_INVALID_ARG);
	CU_ASSERT(sqlite3_exec(clv_store_db(s), "UPDATE pins SET spki = x'00'", NULL, NULL, NULL)
	    == SQLITE_CONSTRAINT_TRIGGER);
	CU_ASSERT(sqlite3_exec(clv_store_db(s), "DELETE FROM pins", NULL, NULL, NULL)
	    == SQLITE_CONSTRAINT_TRIGGER);
	CU_ASSERT(clv_store_pins(s, &pins, &n) == 0 && n == 2);
	if (n == 2) {
		CU_ASSERT(strcmp(pins[0].producer, "host:ds1") == 0);
		CU_ASSERT(pins[0].spki.len == sizeof(spki1) &&
		    memcmp(pins[0].spki.data, spki1, sizeof(spki1)) == 0);
		CU_ASSERT(strcmp(pins[1].producer, "host:ds2") == 0);
	}
	clv_store_pins_free(pins, n);

	memset(msha, 0x42, sizeof(msha));
	CU_ASSERT(clv_store_bundle_seen(s, "import", msha, &seen) == 0 && seen == 0);
	CU_ASSERT(clv_store_bundle_add(s, "import", "host:ds1", "ceremony:1", "csr-request", 1,
	    msha, 1767225600, 0) == 0);
	CU_ASSERT(clv_store_bundle_seen(s, "import", msha, &seen) == 0 && seen == 1);
	CU_ASSERT(clv_store_bundle_seen(s, "export", msha, &seen) == 0 && seen == 0);
	clv_store_close(s);
	tmp_cleanup();
}

static void
test_object_der_lookup(void)
{
	static const unsigned char der[] = { 0x30, 0x06, 0x02, 0x01, 0x07, 0x05, 0x00, 0x00 };
	char path[512];
	unsigned char unknown[32];
	clv_store_t *s = NULL;
	clv_object_record_t o;
	clv_buf_t got = { NULL, 0 };

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	s = open_with_keys(path);
	object_fill(&o, "certificate", "csca-2026", "07", der, sizeof(der));
	CU_ASSERT(clv_store_object_add(s, &o, NULL) == 0);
	CU_ASSERT(clv_store_object_der(s, o.sha256, &got) == 0);
	CU_ASSERT(got.len == sizeof(der) && memcmp(got.data, der, sizeof(der)) == 0);
	clv_buf_free(&got);
	memset(unknown, 0x11, sizeof(unknown));
	CU_ASSERT(clv_store_object_der(s, unknown, &got) == CLV_E_DB_NOT_FOUND);
	CU_ASSERT(got.data == NULL);
	/* a sha256 that is not the hash of the DER is refused */
	object_fill(&o, "certificate", "csca-2026", "08", der, sizeof(der));
	o.sha256[0] ^= 1;
	CU_ASSERT(clv_store_object_add(s, &o, NULL) == CLV_E_INVALID_ARG);
	o.sha256[0] ^= 1;
	clv_store_close(s);
	s = NULL;

	/* an edited DER is not handed out under the old hash */
	CU_ASSERT_FATAL(raw_exec(path, "DROP TRIGGER objects_no_update; "
	    "UPDATE objects SET der = x'300602010805000000'") == SQLITE_OK);
	CU_ASSERT_FATAL(clv_store_open(path, 0, &s, NULL) == 0);
	CU_ASSERT(clv_store_object_der(s, o.sha256, &got) == CLV_E_INTEGRITY);
	CU_ASSERT(got.data == NULL);
	clv_store_close(s);
	tmp_cleanup();
}

static void
test_transaction_rollback_leaves_nothing(void)
{
	static const unsigned char der[] = { 0x30, 0x03, 0x02, 0x01, 0x2a };
	char path[512];
	clv_store_t *s = NULL;
	clv_key_record_t k;
	clv_object_record_t o;
	clv_diag_t diag;
	int exists = -1;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	CU_ASSERT_FATAL(clv_store_open(path, 1, &s, &diag) == 0);
	CU_ASSERT(clv_store_commit(s) == CLV_E_INVALID_ARG);
	CU_ASSERT(clv_store_rollback(s) == CLV_E_INVALID_ARG);

	CU_ASSERT_FATAL(clv_store_begin(s) == 0);
	CU_ASSERT(clv_store_begin(s) == CLV_E_INVALID_ARG);     /* no nesting */
	key_fill(&k, "csca-2026", "generated");
	CU_ASSERT(clv_store_key_add(s, &k, NULL) == 0);
	object_fill(&o, "certificate", "csca-2026", "2a", der, sizeof(der));
	CU_ASSERT(clv_store_object_add(s, &o, NULL) == 0);
	CU_ASSERT(clv_store_rollback(s) == 0);
	CU_ASSERT(clv_store_key_find(s, "csca-2026", &k) == CLV_E_DB_NOT_FOUND);
	CU_ASSERT(clv_store_serial_exists(s, "csca-2026", "2a", &exists) == 0 && exists == 0);

	/* committed work survives closing */
	CU_ASSERT_FATAL(clv_store_begin(s) == 0);
	key_fill(&k, "csca-2026", "generated");
	CU_ASSERT(clv_store_key_add(s, &k, NULL) == 0);
	CU_ASSERT(clv_store_commit(s) == 0);
	/* an open transaction is rolled back on close */
	CU_ASSERT_FATAL(clv_store_begin(s) == 0);
	key_fill(&k, "csca-2027", "generated");
	CU_ASSERT(clv_store_key_add(s, &k, NULL) == 0);
	clv_store_close(s);
	s = NULL;
	CU_ASSERT_FATAL(clv_store_open(path, 0, &s, &diag) == 0);
	CU_ASSERT(clv_store_key_find(s, "csca-2026", &k) == 0);
	CU_ASSERT(clv_store_key_find(s, "csca-2027", &k) == CLV_E_DB_NOT_FOUND);
	clv_store_close(s);
	tmp_cleanup();
}

static void
test_no_secret_columns(void)
{
	char path[512];
	clv_store_t *s = NULL;
	sqlite3_stmt *st = NULL;
	const char *sql;

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	CU_ASSERT_FATAL(clv_store_open(path, 1, &s, NULL) == 0);
	/* every column of every table: none named for a secret (share_sets
	 * holds public descriptors: names and salted commitments) */
	CU_ASSERT_FATAL(sqlite3_prepare_v2(clv_store_db(s),
	    "SELECT m.name, p.name FROM sqlite_schema AS m, pragma_table_info(m.name) AS p "
	    "WHERE m.type = 'table'", -1, &st, NULL) == SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		sql = (const char *)sqlite3_column_text(st, 1);
		CU_ASSERT(strcasestr(sql, "pin") == NULL);
		CU_ASSERT(strcasestr(sql, "share") == NULL);
		CU_ASSERT(strcasestr(sql, "private") == NULL);
		CU_ASSERT(strcasestr(sql, "secret") == NULL);
		CU_ASSERT(strcasestr(sql, "passphrase") == NULL);
		CU_ASSERT(strcasestr(sql, "key_value") == NULL);
	}
	sqlite3_finalize(st);
	clv_store_close(s);
	tmp_cleanup();
}

static void
fill_set(clv_share_set_record_t *r, const char *id, const char *state)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->set_id_hex, sizeof(r->set_id_hex), "%s", id);
	snprintf(r->token_serial, sizeof(r->token_serial), "0123456789abcdef");
	snprintf(r->purpose, sizeof(r->purpose), "user-pin");
	snprintf(r->state, sizeof(r->state), "%s", state);
	r->threshold = 2;
	r->count = 3;
	r->created = 1795000000;
	clv_buf_set(&r->descriptor, "[share-set]\n", 12);
	clv_buf_set(&r->signature, "\x30\x00", 2);
	snprintf(r->signer_label, sizeof(r->signer_label), "conclave-ceremony");
}

static void
test_share_sets(void)
{
	char path[512];
	clv_store_t *s = NULL;
	clv_share_set_record_t a, b, c, got;
	const char *A = "000102030405060708090a0b0c0d0e0f", *B = "101112131415161718191a1b1c1d1e1f";
	const char *C = "202122232425262728292a2b2c2d2e2f";

	tmp_setup();
	tmp_path(path, sizeof(path), "store.db");
	CU_ASSERT_FATAL(clv_store_open(path, 1, &s, NULL) == 0);
	fill_set(&a, A, "active");
	fill_set(&b, B, "pending");
	fill_set(&c, C, "active");
	CU_ASSERT(clv_store_share_set_add(s, &a) == 0);
	CU_ASSERT(clv_store_share_set_add(s, &b) == 0);
	/* one active and one pending set per token and purpose */
	CU_ASSERT(clv_store_share_set_add(s, &c) == CLV_E_DB_CONSTRAINT);
	snprintf(c.state, sizeof(c.state), "pending");
	CU_ASSERT(clv_store_share_set_add(s, &c) == CLV_E_DB_CONSTRAINT);
	CU_ASSERT(clv_store_share_set_find(s, "0123456789abcdef", "user-pin", "active", &got) == 0);
	CU_ASSERT_STRING_EQUAL(got.set_id_hex, A);
	CU_ASSERT(got.descriptor.len == 12 && got.threshold == 2 && got.count == 3);
	clv_store_share_set_free(&got);
	CU_ASSERT(clv_store_share_set_find(s, "0123456789abcdef", "so-pin", "active", &got) ==
	    CLV_E_DB_NOT_FOUND);
	/* commit: retire the old, activate the new; states never go back */
	CU_ASSERT(clv_store_share_set_state(s, A, "retired") == 0);
	CU_ASSERT(clv_store_share_set_state(s, B, "active") == 0);
	CU_ASSERT(clv_store_share_set_state(s, A, "active") == CLV_E_DB_CONSTRAINT);
	CU_ASSERT(clv_store_share_set_state(s, B, "pending") == CLV_E_DB_CONSTRAINT);
	CU_ASSERT(clv_store_share_set_by_id(s, A, &got) == 0);
	CU_ASSERT_STRING_EQUAL(got.state, "retired");
	clv_store_share_set_free(&got);
	CU_ASSERT(clv_store_share_set_state(s, C, "active") == CLV_E_DB_NOT_FOUND);
	clv_store_share_set_free(&a);
	clv_store_share_set_free(&b);
	clv_store_share_set_free(&c);
	clv_store_close(s);
	tmp_cleanup();
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "share sets: one active, forward states", test_share_sets },
		{ "create, close, reopen keeps data", test_create_reopen_keeps_data },
		{ "schema version is current", test_schema_version_is_current },
		{ "newer schema refused naming the file", test_newer_schema_refused },
		{ "migrations run from an empty file", test_migrations_run_from_empty_file },
		{ "missing file without create", test_missing_file },
		{ "not a database refused", test_not_a_database_refused },
		{ "symlink and directory refused", test_symlink_and_directory_refused },
		{ "key label unique", test_key_label_unique },
		{ "key state moves forward only", test_key_state_moves_forward },
		{ "object serial unique per issuer", test_object_serial_unique_per_issuer },
		{ "crl number last", test_crl_number_last },
		{ "revocations", test_revocations },
		{ "pins and seen bundles", test_pins_and_seen_bundles },
		{ "object der lookup", test_object_der_lookup },
		{ "transaction rollback leaves nothing", test_transaction_rollback_leaves_nothing },
		{ "no column for secrets", test_no_secret_columns },
		{ NULL, NULL },
	};
	return clv_unit_run("store", tests);
}
