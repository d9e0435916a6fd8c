/*
 * The store: key metadata, issued objects and the audit trail in one SQLite
 * file.  Never key material, PINs or shares: no column is meant for them and
 * nothing secret passes through this module.
 *
 * Durability over speed: this runs offline ceremonies.  The rollback journal
 * (journal_mode=DELETE) keeps the store one self-contained file after every
 * commit, so a copy taken of the .db file is always complete (with WAL a
 * committed record may still sit in the -wal file); synchronous=FULL fsyncs
 * every commit.
 *
 * The schema version lives in PRAGMA user_version; migrations[i] brings
 * version i to i + 1, each in its own BEGIN IMMEDIATE transaction.  A store is
 * marked with PRAGMA application_id so that some other SQLite file is not
 * mistaken for (or migrated into) a store.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "clv.h"
#include "store.h"
#include "util.h"

/* "CLV1" */
#define STORE_APPLICATION_ID 0x434c5631
#define STORE_BUSY_TIMEOUT_MS 10000

struct clv_store {
	sqlite3 *db;
	char *path;
};

/*
 * Schema v1.
 *
 * Append-only at the SQL level: the audit trail and issued objects cannot be
 * changed or deleted; of a key only its state may change, and only forwards
 * (generated -> active -> retired).  Whoever edits the file directly gets
 * past this, which the audit chain then shows.
 */
static const char migration_1[] =
	"PRAGMA application_id = 1129076273;\n"	/* STORE_APPLICATION_ID */
	"CREATE TABLE keys (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  label TEXT NOT NULL UNIQUE CHECK (length(label) BETWEEN 1 AND 127),\n"
	"  uri TEXT NOT NULL,\n"
	"  token_serial TEXT NOT NULL,\n"
	"  algorithm TEXT NOT NULL,\n"
	"  state TEXT NOT NULL CHECK (state IN ('generated', 'active', 'retired')),\n"
	"  created INTEGER NOT NULL,\n"
	"  usage_not_before INTEGER,\n"
	"  usage_not_after INTEGER,\n"
	"  spki_sha256 BLOB CHECK (spki_sha256 IS NULL OR length(spki_sha256) = 32),\n"
	"  rehearsal INTEGER NOT NULL CHECK (rehearsal IN (0, 1))\n"
	");\n"
	"CREATE TRIGGER keys_no_delete BEFORE DELETE ON keys BEGIN\n"
	"  SELECT RAISE(ABORT, 'keys are never deleted; retire them');\n"
	"END;\n"
	"CREATE TRIGGER keys_fixed BEFORE UPDATE OF id, label, uri, token_serial,\n"
	"  algorithm, created, usage_not_before, usage_not_after, spki_sha256,\n"
	"  rehearsal ON keys BEGIN\n"
	"  SELECT RAISE(ABORT, 'only the state of a key may change');\n"
	"END;\n"
	"CREATE TRIGGER keys_state_forward BEFORE UPDATE OF state ON keys\n"
	"  WHEN (CASE NEW.state WHEN 'generated' THEN 0 WHEN 'active' THEN 1 ELSE 2 END)\n"
	"     < (CASE OLD.state WHEN 'generated' THEN 0 WHEN 'active' THEN 1 ELSE 2 END)\n"
	"BEGIN\n"
	"  SELECT RAISE(ABORT, 'key state only moves forward');\n"
	"END;\n"
	"CREATE TABLE objects (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('certificate', 'crl')),\n"
	"  issuer_label TEXT NOT NULL REFERENCES keys (label),\n"
	"  serial_hex TEXT NOT NULL CHECK (length(serial_hex) BETWEEN 1 AND 40\n"
	"    AND serial_hex NOT GLOB '*[^0-9a-f]*'),\n"
	"  subject TEXT NOT NULL,\n"
	"  sha256 BLOB NOT NULL UNIQUE CHECK (length(sha256) = 32),\n"
	"  created INTEGER NOT NULL,\n"
	"  not_before INTEGER,\n"
	"  not_after INTEGER,\n"
	"  rehearsal INTEGER NOT NULL CHECK (rehearsal IN (0, 1)),\n"
	"  der BLOB,\n"
	"  UNIQUE (kind, issuer_label, serial_hex)\n"
	");\n"
	"CREATE TRIGGER objects_no_update BEFORE UPDATE ON objects BEGIN\n"
	"  SELECT RAISE(ABORT, 'issued objects are never changed');\n"
	"END;\n"
	"CREATE TRIGGER objects_no_delete BEFORE DELETE ON objects BEGIN\n"
	"  SELECT RAISE(ABORT, 'issued objects are never deleted');\n"
	"END;\n"
	"CREATE TABLE audit (\n"
	"  seq INTEGER PRIMARY KEY CHECK (seq >= 1),\n"
	"  time INTEGER NOT NULL,\n"
	"  event INTEGER NOT NULL,\n"
	"  ceremony TEXT,\n"
	"  actors TEXT,\n"
	"  key_uri TEXT,\n"
	"  object_sha256 BLOB CHECK (object_sha256 IS NULL OR length(object_sha256) = 32),\n"
	"  result TEXT NOT NULL,\n"
	"  detail TEXT,\n"
	"  rehearsal INTEGER NOT NULL CHECK (rehearsal IN (0, 1)),\n"
	"  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),\n"
	"  hash BLOB NOT NULL CHECK (length(hash) = 32)\n"
	");\n"
	"CREATE TRIGGER audit_append_only BEFORE INSERT ON audit\n"
	"  WHEN NEW.seq IS NOT (SELECT ifnull(max(seq), 0) + 1 FROM audit)\n"
	"    OR NEW.prev_hash IS NOT ifnull((SELECT hash FROM audit WHERE seq = NEW.seq - 1),\n"
	"                                   zeroblob(32))\n"
	"BEGIN\n"
	"  SELECT RAISE(ABORT, 'audit records are appended to the end of the chain');\n"
	"END;\n"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN\n"
	"  SELECT RAISE(ABORT, 'the audit trail is append-only');\n"
	"END;\n"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN\n"
	"  SELECT RAISE(ABORT, 'the audit trail is append-only');\n"
	"END;\n";

/*
 * Schema v2: quorum share sets.  A descriptor is public (officer names,
 * salted commitments, the check value): never a share or a PIN.  One active
 * and at most one pending set per token and purpose; states only move
 * forward: pending -> active | abandoned, active -> retired.
 */
static const char migration_2[] =
	"CREATE TABLE share_sets (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  set_id TEXT NOT NULL UNIQUE CHECK (length(set_id) = 32\n"
	"    AND set_id NOT GLOB '*[^0-9a-f]*'),\n"
	"  token_serial TEXT NOT NULL,\n"
	"  purpose TEXT NOT NULL CHECK (purpose IN ('user-pin', 'so-pin')),\n"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'retired', 'abandoned')),\n"
	"  threshold INTEGER NOT NULL CHECK (threshold BETWEEN 2 AND 16),\n"
	"  count INTEGER NOT NULL CHECK (count BETWEEN threshold AND 16),\n"
	"  created INTEGER NOT NULL,\n"
	"  descriptor BLOB NOT NULL,\n"
	"  signature BLOB NOT NULL,\n"
	"  signer_label TEXT NOT NULL,\n"
	"  rehearsal INTEGER NOT NULL CHECK (rehearsal IN (0, 1))\n"
	");\n"
	"CREATE UNIQUE INDEX share_sets_one_active ON share_sets (token_serial, purpose)\n"
	"  WHERE state = 'active';\n"
	"CREATE UNIQUE INDEX share_sets_one_pending ON share_sets (token_serial, purpose)\n"
	"  WHERE state = 'pending';\n"
	"CREATE TRIGGER share_sets_no_delete BEFORE DELETE ON share_sets BEGIN\n"
	"  SELECT RAISE(ABORT, 'share sets are never deleted; retire them');\n"
	"END;\n"
	"CREATE TRIGGER share_sets_fixed BEFORE UPDATE OF id, set_id, token_serial, purpose,\n"
	"  threshold, count, created, descriptor, signature, signer_label, rehearsal\n"
	"  ON share_sets BEGIN\n"
	"  SELECT RAISE(ABORT, 'only the state of a share set may change');\n"
	"END;\n"
	"CREATE TRIGGER share_sets_state_forward BEFORE UPDATE OF state ON share_sets\n"
	"  WHEN NOT ((OLD.state = 'pending' AND NEW.state IN ('active', 'abandoned'))\n"
	"        OR (OLD.state = 'active' AND NEW.state = 'retired'))\n"
	"BEGIN\n"
	"  SELECT RAISE(ABORT, 'share set state only moves forward');\n"
	"END;\n";

/*
 * Schema v3: bundles exported and imported (conclave-bundle(5)): one row per
 * bundle, so sequence numbers only grow and a replayed bundle is seen.
 */
static const char migration_3[] =
	"CREATE TABLE bundles (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  direction TEXT NOT NULL CHECK (direction IN ('export', 'import')),\n"
	"  producer TEXT NOT NULL,\n"
	"  recipient TEXT NOT NULL,\n"
	"  purpose TEXT NOT NULL,\n"
	"  sequence INTEGER NOT NULL CHECK (sequence >= 1),\n"
	"  manifest_sha256 BLOB NOT NULL CHECK (length(manifest_sha256) = 32),\n"
	"  created INTEGER NOT NULL,\n"
	"  rehearsal INTEGER NOT NULL CHECK (rehearsal IN (0, 1)),\n"
	"  UNIQUE (direction, producer, recipient, sequence)\n"
	");\n"
	"CREATE TRIGGER bundles_no_change BEFORE UPDATE ON bundles BEGIN\n"
	"  SELECT RAISE(ABORT, 'bundle records are never changed');\n"
	"END;\n"
	"CREATE TRIGGER bundles_no_delete BEFORE DELETE ON bundles BEGIN\n"
	"  SELECT RAISE(ABORT, 'bundle records are never deleted');\n"
	"END;\n";

/*
 * Schema v4: revocations.  One row per revoked certificate, pointing at the
 * certificate the store issued; every later CRL of the issuing key lists it.
 * A revocation is never taken back (Doc 9303-12 has no certificateHold).
 */
static const char migration_4[] =
	"CREATE TABLE revocations (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  object_id INTEGER NOT NULL UNIQUE REFERENCES objects (id),\n"
	"  revoked INTEGER NOT NULL,\n"
	"  recorded INTEGER NOT NULL,\n"
	"  reason TEXT NOT NULL,\n"
	"  rehearsal INTEGER NOT NULL CHECK (rehearsal IN (0, 1))\n"
	");\n"
	"CREATE TRIGGER revocations_certificates_only BEFORE INSERT ON revocations\n"
	"  WHEN (SELECT kind FROM objects WHERE id = NEW.object_id) IS NOT 'certificate'\n"
	"BEGIN\n"
	"  SELECT RAISE(ABORT, 'only certificates are revoked');\n"
	"END;\n"
	"CREATE TRIGGER revocations_no_update BEFORE UPDATE ON revocations BEGIN\n"
	"  SELECT RAISE(ABORT, 'revocations are never changed');\n"
	"END;\n"
	"CREATE TRIGGER revocations_no_delete BEFORE DELETE ON revocations BEGIN\n"
	"  SELECT RAISE(ABORT, 'revocations are never taken back');\n"
	"END;\n";

/*
 * Schema v5: producer keys pinned for bundle imports (conclave-bundle(5)):
 * the SubjectPublicKeyInfo of each producer we accept bundles from.  A pin
 * is never changed or removed; a new producer key is a new producer name.
 */
static const char migration_5[] =
	"CREATE TABLE pins (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  producer TEXT NOT NULL UNIQUE CHECK (length(producer) BETWEEN 1 AND 64),\n"
	"  spki BLOB NOT NULL,\n"
	"  spki_sha256 BLOB NOT NULL CHECK (length(spki_sha256) = 32),\n"
	"  created INTEGER NOT NULL,\n"
	"  rehearsal INTEGER NOT NULL CHECK (rehearsal IN (0, 1))\n"
	");\n"
	"CREATE TRIGGER pins_no_update BEFORE UPDATE ON pins BEGIN\n"
	"  SELECT RAISE(ABORT, 'pins are never changed');\n"
	"END;\n"
	"CREATE TRIGGER pins_no_delete BEFORE DELETE ON pins BEGIN\n"
	"  SELECT RAISE(ABORT, 'pins are never removed');\n"
	"END;\n";

/* migrations[i] brings the schema from version i to i + 1. */
static const char *const migrations[] = {
	migration_1,
	migration_2,
	migration_3,
	migration_4,
	migration_5,
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == CLV_STORE_SCHEMA_VERSION,
    "one migration per schema version");

int
clv_store_db_error(clv_store_t *s, int sqlite_rc, const char *what)
{
	const char *path = s != NULL && s->path != NULL ? s->path : "(store)";
	const char *msg = s != NULL && s->db != NULL ? sqlite3_errmsg(s->db) :
	    sqlite3_errstr(sqlite_rc);

	if ((sqlite_rc & 0xff) == SQLITE_CONSTRAINT) {
		/* often a user's doing (a label already used): the caller says so */
		clv_debug("%s: %s: %s (sqlite %d)", path, what, msg, sqlite_rc);
		return CLV_E_DB_CONSTRAINT;
	}
	clv_error("%s: %s: %s (sqlite %d)", path, what, msg, sqlite_rc);
	return CLV_E_DB;
}

static int
exec_sql(clv_store_t *s, const char *sql, const char *what)
{
	int rc;

	if ((rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return clv_store_db_error(s, rc, what);
	return 0;
}

/* Runs a statement that returns no rows; "what" names it in the error. */
static int
step_done(clv_store_t *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	return rc == SQLITE_DONE ? 0 : clv_store_db_error(s, rc, what);
}

/* Runs an INSERT; *id_out (if not NULL) gets the new row's id. */
static int
step_insert(clv_store_t *s, sqlite3_stmt *st, const char *what, int64_t *id_out)
{
	int r;

	if ((r = step_done(s, st, what)) == 0 && id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(s->db);
	return r;
}

/* Runs a statement that returns a row or none: *found says which. */
static int
step_found(clv_store_t *s, sqlite3_stmt *st, const char *what, int *found)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return clv_store_db_error(s, rc, what);
	*found = rc == SQLITE_ROW;
	return 0;
}

static int
prepare(clv_store_t *s, const char *sql, sqlite3_stmt **st)
{
	int rc;

	*st = NULL;
	if ((rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL)) != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return clv_store_db_error(s, rc, "preparing a statement");
	}
	return 0;
}

/* Runs a statement that returns one integer (PRAGMA user_version etc.). */
static int
query_int(clv_store_t *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int r = CLV_E_INTERNAL, rc;

	*out = 0;
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? CLV_E_DB : clv_store_db_error(s, rc, sql);
		if (rc == SQLITE_DONE)
			clv_error("%s: %s returned no row", s->path, sql);
		goto out;
	}
	*out = sqlite3_column_int64(st, 0);
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

/* Copies a text column into a fixed buffer; NULL gives "". */
static int
column_text(clv_store_t *s, sqlite3_stmt *st, int col, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);

	if (t == NULL) {
		dst[0] = '\0';
		return 0;
	}
	if (n >= cap || memchr(t, '\0', n) != NULL) {
		clv_error("%s: column %s holds %zu bytes, at most %zu fit", s->path,
		    sqlite3_column_name(st, col), n, cap - 1);
		return CLV_E_DB;
	}
	memcpy(dst, t, n);
	dst[n] = '\0';
	return 0;
}

static int
text_fits(const char *t, size_t cap)
{
	return strnlen(t, cap) < cap;
}

static int
bind_text(sqlite3_stmt *st, int i, const char *t)
{
	return sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC);
}

static int
bind_time_or_null(sqlite3_stmt *st, int i, time_t t)
{
	return t == 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, (sqlite3_int64)t);
}

/* --- opening ---------------------------------------------------------- */

/*
 * Makes sure path names a regular file, creating an empty one with mode
 * 0600 (an empty file is an empty SQLite database) when create is set.
 * SQLite creates the journal with the permissions of the database file.
 */
static int
prepare_file(const char *path, int create, clv_diag_t *diag)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return clv_diag_set(diag, CLV_E_IO,
			    "%s: is a symbolic link; give the store's real path", path);
		if (!S_ISREG(st.st_mode))
			return clv_diag_set(diag, CLV_E_IO,
			    "%s: not a regular file, so not a Conclave store", path);
		if (st.st_mode & (S_IWGRP | S_IWOTH))
			clv_warn("%s: store is writable by group or others", path);
		return 0;
	}
	if (errno != ENOENT)
		return clv_diag_set(diag, CLV_E_IO, "%s: %s", path, strerror(errno));
	if (!create)
		return clv_diag_set(diag, CLV_E_FILE_NOT_FOUND,
		    "%s: no such store (it is created by initialising a new one)", path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST)
		return clv_diag_set(diag, CLV_E_IO, "%s: cannot create the store: %s",
		    path, strerror(errno));
	if (fd >= 0 && close(fd) != 0)
		return clv_diag_set(diag, CLV_E_IO, "%s: cannot create the store: %s",
		    path, strerror(errno));
	return 0;
}

/* The first reads of a file that is not a database fail here. */
static int
open_error(clv_store_t *s, int rc, const char *what, clv_diag_t *diag)
{
	int r = clv_store_db_error(s, rc, what);

	switch (rc & 0xff) {
	case SQLITE_NOTADB:
		return clv_diag_set(diag, CLV_E_DB,
		    "%s: not an SQLite database, so not a Conclave store", s->path);
	case SQLITE_CORRUPT:
		return clv_diag_set(diag, CLV_E_DB, "%s: the database is damaged (%s)",
		    s->path, sqlite3_errmsg(s->db));
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_CANTOPEN:
		return clv_diag_set(diag, CLV_E_DB, "%s: cannot open the store for writing (%s)",
		    s->path, sqlite3_errmsg(s->db));
	default:
		return clv_diag_set(diag, r, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	}
}

static int
configure_connection(clv_store_t *s, clv_diag_t *diag)
{
	int64_t fk = 0;
	int rc, r = CLV_E_INTERNAL;

	sqlite3_extended_result_codes(s->db, 1);
	/* The file may come from removable media: do not trust its schema to
	 * call functions with side effects, and refuse the dangerous pragmas. */
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
#endif
	if ((rc = sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS)) != SQLITE_OK)
		return open_error(s, rc, "setting the busy timeout", diag);
	if ((rc = sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL)) != SQLITE_OK)
		return open_error(s, rc, "enabling foreign keys", diag);
	if ((rc = sqlite3_exec(s->db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL))
	    != SQLITE_OK)
		return open_error(s, rc, "setting the journal mode", diag);
	if ((rc = sqlite3_exec(s->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL)) != SQLITE_OK)
		return open_error(s, rc, "setting synchronous mode", diag);
	if ((r = query_int(s, "PRAGMA foreign_keys", &fk)) != 0)
		return clv_diag_set(diag, r, "%s: cannot read the foreign key setting", s->path);
	if (fk != 1) {
		clv_error("SQLite was built without foreign key support");
		return clv_diag_set(diag, CLV_E_DB,
		    "%s: this SQLite library does not enforce foreign keys", s->path);
	}
	return 0;
}

static int
read_header(clv_store_t *s, int64_t *version, int64_t *app_id, int64_t *objects,
    clv_diag_t *diag)
{
	sqlite3_stmt *st = NULL;
	int rc, r = CLV_E_INTERNAL;

	*version = *app_id = *objects = 0;
	/* The first statement that reads the file: NOTADB shows up here. */
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_schema", -1, &st,
	    NULL)) != SQLITE_OK) {
		r = open_error(s, rc, "reading the schema", diag);
		goto out;
	}
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		r = open_error(s, rc, "reading the schema", diag);
		goto out;
	}
	*objects = sqlite3_column_int64(st, 0);
	if ((r = query_int(s, "PRAGMA user_version", version)) != 0 ||
	    (r = query_int(s, "PRAGMA application_id", app_id)) != 0) {
		r = clv_diag_set(diag, r, "%s: cannot read the schema version", s->path);
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

static int
migrate(clv_store_t *s, clv_diag_t *diag)
{
	char sql[64];
	int64_t version = 0;
	int r = CLV_E_INTERNAL, rc;

	for (;;) {
		if ((rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK) {
			r = open_error(s, rc, "starting a schema migration", diag);
			goto out;
		}
		/* Read again under the write lock: another process may have
		 * migrated in between. */
		if ((r = query_int(s, "PRAGMA user_version", &version)) != 0)
			goto fail;
		if (version >= CLV_STORE_SCHEMA_VERSION || version < 0) {
			exec_sql(s, "ROLLBACK", "ending the schema check");
			break;
		}
		clv_info("%s: migrating the store schema from version %lld to %lld", s->path,
		    (long long)version, (long long)version + 1);
		if ((rc = sqlite3_exec(s->db, migrations[version], NULL, NULL, NULL))
		    != SQLITE_OK) {
			r = clv_store_db_error(s, rc, "migrating the schema");
			clv_diag_set(diag, r, "%s: migrating the schema to version %lld failed: %s",
			    s->path, (long long)version + 1, sqlite3_errmsg(s->db));
			goto fail;
		}
		/* PRAGMA takes no parameters; the value is our own integer. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", (long long)version + 1);
		if ((r = exec_sql(s, sql, "setting the schema version")) != 0)
			goto fail;
		if ((rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
			r = open_error(s, rc, "committing a schema migration", diag);
			goto fail;
		}
	}
	r = 0;
	goto out;
fail:
	if (!sqlite3_get_autocommit(s->db))
		exec_sql(s, "ROLLBACK", "rolling back a schema migration");
	if (diag != NULL && diag->msg[0] == '\0')
		clv_diag_set(diag, r, "%s: migrating the schema failed", s->path);
out:
	return r;
}

int
clv_store_open(const char *path, int create, clv_store_t **out, clv_diag_t *diag)
{
	clv_store_t *s = NULL;
	int64_t version = 0, app_id = 0, objects = 0;
	int flags = SQLITE_OPEN_READWRITE;
	int r = CLV_E_INTERNAL, rc;

	if (out != NULL)
		*out = NULL;
	clv_diag_clear(diag);
	if (path == NULL || *path == '\0' || out == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = prepare_file(path, create, diag)) != 0)
		goto out;
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->path = strdup(path)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	/* The file exists now; SQLite must not create one elsewhere. */
	if ((rc = sqlite3_open_v2(path, &s->db, flags, NULL)) != SQLITE_OK) {
		if (s->db == NULL) {
			r = CLV_E_NOMEM;
			goto out;
		}
		r = open_error(s, rc, "opening", diag);
		goto out;
	}
	if ((r = configure_connection(s, diag)) != 0)
		goto out;
	if ((r = read_header(s, &version, &app_id, &objects, diag)) != 0)
		goto out;
	if (app_id != STORE_APPLICATION_ID && (app_id != 0 || version != 0 || objects != 0)) {
		r = clv_diag_set(diag, CLV_E_DB,
		    "%s: an SQLite database, but not a Conclave store "
		    "(application id 0x%08llx, user version %lld)", path,
		    (unsigned long long)(uint32_t)app_id, (long long)version);
		goto out;
	}
	if (version > CLV_STORE_SCHEMA_VERSION || version < 0) {
		r = clv_diag_set(diag, CLV_E_DB_SCHEMA,
		    "%s: store schema version %lld is newer than this program supports "
		    "(version %d); use the Conclave release that wrote it", path,
		    (long long)version, CLV_STORE_SCHEMA_VERSION);
		goto out;
	}
	if (version < CLV_STORE_SCHEMA_VERSION && (r = migrate(s, diag)) != 0)
		goto out;
	/* A concurrent newer program could have migrated past us. */
	if ((r = query_int(s, "PRAGMA user_version", &version)) != 0)
		goto out;
	if (version != CLV_STORE_SCHEMA_VERSION) {
		r = clv_diag_set(diag, CLV_E_DB_SCHEMA,
		    "%s: store schema version %lld, this program supports version %d", path,
		    (long long)version, CLV_STORE_SCHEMA_VERSION);
		goto out;
	}
	*out = s;
	s = NULL;
	r = 0;
out:
	clv_store_close(s);
	return r;
}

void
clv_store_close(clv_store_t *s)
{
	int rc;

	if (s == NULL)
		return;
	if (s->db != NULL) {
		if (!sqlite3_get_autocommit(s->db)) {
			clv_warn("%s: closing with a transaction open; rolling it back", s->path);
			exec_sql(s, "ROLLBACK", "rolling back on close");
		}
		if ((rc = sqlite3_close_v2(s->db)) != SQLITE_OK)
			clv_error("%s: closing: %s (sqlite %d)", s->path, sqlite3_errstr(rc), rc);
	}
	free(s->path);
	free(s);
}

int
clv_store_schema_version(clv_store_t *s, int *version)
{
	int64_t v = 0;
	int r = CLV_E_INTERNAL;

	if (version != NULL)
		*version = 0;
	if (s == NULL || version == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = query_int(s, "PRAGMA user_version", &v)) != 0)
		return r;
	*version = (int)v;
	return 0;
}

struct sqlite3 *
clv_store_db(clv_store_t *s)
{
	return s != NULL ? s->db : NULL;
}

const char *
clv_store_path(clv_store_t *s)
{
	return s != NULL ? s->path : NULL;
}

/* --- transactions ----------------------------------------------------- */

int
clv_store_begin(clv_store_t *s)
{
	if (s == NULL)
		return CLV_E_INVALID_ARG;
	if (!sqlite3_get_autocommit(s->db)) {
		clv_error("%s: a transaction is already open (transactions do not nest)",
		    s->path);
		return CLV_E_INVALID_ARG;
	}
	return exec_sql(s, "BEGIN IMMEDIATE", "starting a transaction");
}

int
clv_store_in_transaction(clv_store_t *s)
{
	return s != NULL && s->db != NULL && !sqlite3_get_autocommit(s->db);
}

int
clv_store_commit(clv_store_t *s)
{
	int r = CLV_E_INTERNAL;

	if (s == NULL)
		return CLV_E_INVALID_ARG;
	if (sqlite3_get_autocommit(s->db)) {
		clv_error("%s: commit without an open transaction", s->path);
		return CLV_E_INVALID_ARG;
	}
	/* On failure the transaction may still be open (SQLITE_BUSY): the
	 * caller rolls back, which clv_store_rollback allows. */
	r = exec_sql(s, "COMMIT", "committing");
	return r;
}

int
clv_store_rollback(clv_store_t *s)
{
	if (s == NULL)
		return CLV_E_INVALID_ARG;
	if (sqlite3_get_autocommit(s->db)) {
		clv_error("%s: rollback without an open transaction", s->path);
		return CLV_E_INVALID_ARG;
	}
	return exec_sql(s, "ROLLBACK", "rolling back");
}

/* --- keys ------------------------------------------------------------- */

static int
state_rank(const char *state)
{
	if (strcmp(state, "generated") == 0)
		return 0;
	if (strcmp(state, "active") == 0)
		return 1;
	if (strcmp(state, "retired") == 0)
		return 2;
	return -1;
}

int
clv_store_key_add(clv_store_t *s, const clv_key_record_t *k, int64_t *id_out)
{
	static const char sql[] =
	    "INSERT INTO keys (label, uri, token_serial, algorithm, state, created, "
	    "usage_not_before, usage_not_after, spki_sha256, rehearsal) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
	sqlite3_stmt *st = NULL;
	int r = CLV_E_INTERNAL, rc;

	if (id_out != NULL)
		*id_out = 0;
	if (s == NULL || k == NULL)
		return CLV_E_INVALID_ARG;
	if (!text_fits(k->label, sizeof(k->label)) || k->label[0] == '\0' ||
	    !text_fits(k->uri, sizeof(k->uri)) ||
	    !text_fits(k->token_serial, sizeof(k->token_serial)) ||
	    !text_fits(k->algorithm, sizeof(k->algorithm)) ||
	    !text_fits(k->state, sizeof(k->state)) || state_rank(k->state) < 0) {
		clv_error("key record: label must be set, strings terminated, "
		    "state one of generated, active, retired");
		return CLV_E_INVALID_ARG;
	}
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = bind_text(st, 1, k->label)) != SQLITE_OK ||
	    (rc = bind_text(st, 2, k->uri)) != SQLITE_OK ||
	    (rc = bind_text(st, 3, k->token_serial)) != SQLITE_OK ||
	    (rc = bind_text(st, 4, k->algorithm)) != SQLITE_OK ||
	    (rc = bind_text(st, 5, k->state)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 6, (sqlite3_int64)k->created)) != SQLITE_OK ||
	    (rc = bind_time_or_null(st, 7, k->usage_not_before)) != SQLITE_OK ||
	    (rc = bind_time_or_null(st, 8, k->usage_not_after)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(st, 9, k->spki_sha256, sizeof(k->spki_sha256),
	    SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 10, k->rehearsal ? 1 : 0)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding a key record");
		goto out;
	}
	r = step_insert(s, st, "adding a key record", id_out);
out:
	sqlite3_finalize(st);
	return r;
}

int
clv_store_key_find(clv_store_t *s, const char *label, clv_key_record_t *out)
{
	static const char sql[] =
	    "SELECT id, label, uri, token_serial, algorithm, state, created, "
	    "usage_not_before, usage_not_after, spki_sha256, rehearsal "
	    "FROM keys WHERE label = ?1";
	clv_key_record_t k;
	sqlite3_stmt *st = NULL;
	const void *spki;
	int r = CLV_E_INTERNAL, rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s == NULL || label == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	memset(&k, 0, sizeof(k));
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = bind_text(st, 1, label)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding a key label");
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		clv_debug("%s: no key labelled \"%s\"", s->path, label);
		r = CLV_E_DB_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = clv_store_db_error(s, rc, "looking up a key");
		goto out;
	}
	k.id = sqlite3_column_int64(st, 0);
	if ((r = column_text(s, st, 1, k.label, sizeof(k.label))) != 0 ||
	    (r = column_text(s, st, 2, k.uri, sizeof(k.uri))) != 0 ||
	    (r = column_text(s, st, 3, k.token_serial, sizeof(k.token_serial))) != 0 ||
	    (r = column_text(s, st, 4, k.algorithm, sizeof(k.algorithm))) != 0 ||
	    (r = column_text(s, st, 5, k.state, sizeof(k.state))) != 0)
		goto out;
	k.created = (time_t)sqlite3_column_int64(st, 6);
	k.usage_not_before = (time_t)sqlite3_column_int64(st, 7);
	k.usage_not_after = (time_t)sqlite3_column_int64(st, 8);
	spki = sqlite3_column_blob(st, 9);
	if (spki != NULL && sqlite3_column_bytes(st, 9) == (int)sizeof(k.spki_sha256))
		memcpy(k.spki_sha256, spki, sizeof(k.spki_sha256));
	else if (spki != NULL) {
		clv_error("%s: key \"%s\": stored SPKI hash has the wrong length", s->path, label);
		r = CLV_E_DB;
		goto out;
	}
	k.rehearsal = sqlite3_column_int(st, 10) ? 1 : 0;
	*out = k;
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
clv_store_key_set_state(clv_store_t *s, const char *label, const char *state)
{
	static const char sql[] = "UPDATE keys SET state = ?1 WHERE label = ?2";
	clv_key_record_t k;
	sqlite3_stmt *st = NULL;
	int r = CLV_E_INTERNAL, rc;

	if (s == NULL || label == NULL || state == NULL || state_rank(state) < 0)
		return CLV_E_INVALID_ARG;
	if ((r = clv_store_key_find(s, label, &k)) != 0)
		goto out;
	if (state_rank(state) < state_rank(k.state)) {
		clv_error("%s: key \"%s\" is %s; it cannot become %s again", s->path, label,
		    k.state, state);
		r = CLV_E_POLICY;
		goto out;
	}
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = bind_text(st, 1, state)) != SQLITE_OK ||
	    (rc = bind_text(st, 2, label)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding a key state");
		goto out;
	}
	if ((r = step_done(s, st, "changing a key state")) != 0)
		goto out;
	if (sqlite3_changes(s->db) != 1) {
		r = CLV_E_DB_NOT_FOUND;
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

/* --- bundles ---------------------------------------------------------- */

int
clv_store_bundle_add(clv_store_t *s, const char *direction, const char *producer,
    const char *recipient, const char *purpose, uint64_t sequence,
    const unsigned char manifest_sha256[32], time_t created, int rehearsal)
{
	static const char sql[] =
	    "INSERT INTO bundles (direction, producer, recipient, purpose, sequence, "
	    "manifest_sha256, created, rehearsal) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	sqlite3_stmt *st = NULL;
	int r = CLV_E_INTERNAL, rc;

	if (s == NULL || direction == NULL || producer == NULL || recipient == NULL ||
	    purpose == NULL || sequence == 0 || sequence > INT64_MAX || manifest_sha256 == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = bind_text(st, 1, direction)) != SQLITE_OK ||
	    (rc = bind_text(st, 2, producer)) != SQLITE_OK ||
	    (rc = bind_text(st, 3, recipient)) != SQLITE_OK ||
	    (rc = bind_text(st, 4, purpose)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 5, (sqlite3_int64)sequence)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(st, 6, manifest_sha256, 32, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 7, (sqlite3_int64)created)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 8, rehearsal ? 1 : 0)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding a bundle");
		goto out;
	}
	r = step_done(s, st, "recording a bundle");
out:
	sqlite3_finalize(st);
	return r;
}

int
clv_store_bundle_last(clv_store_t *s, const char *direction, const char *producer,
    const char *recipient, uint64_t *out)
{
	static const char sql[] =
	    "SELECT ifnull(max(sequence), 0) FROM bundles WHERE direction = ?1 AND producer = ?2 "
	    "AND recipient = ?3";
	sqlite3_stmt *st = NULL;
	int r = CLV_E_INTERNAL, rc;

	if (s == NULL || direction == NULL || producer == NULL || recipient == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	*out = 0;
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = bind_text(st, 1, direction)) != SQLITE_OK ||
	    (rc = bind_text(st, 2, producer)) != SQLITE_OK ||
	    (rc = bind_text(st, 3, recipient)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding a bundle query");
		goto out;
	}
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		r = clv_store_db_error(s, rc, "reading the last bundle sequence");
		goto out;
	}
	*out = (uint64_t)sqlite3_column_int64(st, 0);
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
clv_store_bundle_seen(clv_store_t *s, const char *direction, const unsigned char sha256[32],
    int *seen)
{
	static const char sql[] =
	    "SELECT 1 FROM bundles WHERE direction = ?1 AND manifest_sha256 = ?2";
	sqlite3_stmt *st = NULL;
	int r, rc;

	if (seen != NULL)
		*seen = 0;
	if (s == NULL || direction == NULL || sha256 == NULL || seen == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = prepare(s, sql, &st)) != 0)
		return r;
	if ((rc = bind_text(st, 1, direction)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(st, 2, sha256, 32, SQLITE_STATIC)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding a bundle query");
		goto out;
	}
	r = step_found(s, st, "looking up a bundle", seen);
out:
	sqlite3_finalize(st);
	return r;
}

static int
column_blob(sqlite3_stmt *st, int col, clv_buf_t *out)
{
	const void *p = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (p == NULL || n <= 0)
		return CLV_E_DB;
	return clv_buf_set(out, p, (size_t)n);
}

/* --- pins -------------------------------------------------------------- */

int
clv_store_pin_add(clv_store_t *s, const char *producer, const clv_buf_t *spki, time_t created,
    int rehearsal)
{
	static const char sql[] =
	    "INSERT INTO pins (producer, spki, spki_sha256, created, rehearsal) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)";
	unsigned char sha[32];
	sqlite3_stmt *st = NULL;
	int r, rc;

	if (s == NULL || producer == NULL || spki == NULL || spki->data == NULL ||
	    producer[0] == '\0' || strlen(producer) > 64)
		return CLV_E_INVALID_ARG;
	clv_sha256(spki->data, spki->len, sha);
	if ((r = prepare(s, sql, &st)) != 0)
		return r;
	if ((rc = bind_text(st, 1, producer)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(st, 2, spki->data, (int)spki->len, SQLITE_STATIC)) !=
	    SQLITE_OK ||
	    (rc = sqlite3_bind_blob(st, 3, sha, 32, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 4, (sqlite3_int64)created)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 5, rehearsal ? 1 : 0)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding a pin");
		goto out;
	}
	r = step_done(s, st, "recording a pin");
out:
	sqlite3_finalize(st);
	return r;
}

void
clv_store_pins_free(clv_store_pin_t *p, size_t n)
{
	size_t i;

	for (i = 0; p != NULL && i < n; i++)
		clv_buf_free(&p[i].spki);
	free(p);
}

int
clv_store_pins(clv_store_t *s, clv_store_pin_t **out, size_t *n)
{
	static const char sql[] = "SELECT producer, spki FROM pins ORDER BY id";
	clv_store_pin_t *v = NULL, *nv;
	sqlite3_stmt *st = NULL;
	size_t cap = 0, count = 0;
	int r, rc;

	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || out == NULL || n == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = prepare(s, sql, &st)) != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? 2 * cap : 8;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				r = CLV_E_NOMEM;
				goto out;
			}
			v = nv;
		}
		memset(&v[count], 0, sizeof(v[count]));
		count++;
		if ((r = column_text(s, st, 0, v[count - 1].producer,
		    sizeof(v[count - 1].producer))) != 0 ||
		    (r = column_blob(st, 1, &v[count - 1].spki)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		r = clv_store_db_error(s, rc, "reading the pins");
		goto out;
	}
	*out = v;
	*n = count;
	v = NULL;
	count = 0;
	r = 0;
out:
	clv_store_pins_free(v, count);
	sqlite3_finalize(st);
	return r;
}

/* --- share sets ------------------------------------------------------- */

static int
share_set_valid(const clv_share_set_record_t *r)
{
	size_t i;

	if (strlen(r->set_id_hex) != 32 || r->token_serial[0] == '\0' ||
	    (strcmp(r->purpose, "user-pin") != 0 && strcmp(r->purpose, "so-pin") != 0) ||
	    r->descriptor.data == NULL || r->signature.data == NULL || r->signer_label[0] == '\0')
		return 0;
	for (i = 0; i < 32; i++)
		if (strchr("0123456789abcdef", r->set_id_hex[i]) == NULL)
			return 0;
	return 1;
}

int
clv_store_share_set_add(clv_store_t *s, const clv_share_set_record_t *rec)
{
	static const char sql[] =
	    "INSERT INTO share_sets (set_id, token_serial, purpose, state, threshold, count, "
	    "created, descriptor, signature, signer_label, rehearsal) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
	sqlite3_stmt *st = NULL;
	int r = CLV_E_INTERNAL, rc;

	if (s == NULL || rec == NULL || !share_set_valid(rec))
		return CLV_E_INVALID_ARG;
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = bind_text(st, 1, rec->set_id_hex)) != SQLITE_OK ||
	    (rc = bind_text(st, 2, rec->token_serial)) != SQLITE_OK ||
	    (rc = bind_text(st, 3, rec->purpose)) != SQLITE_OK ||
	    (rc = bind_text(st, 4, rec->state)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 5, (int)rec->threshold)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 6, (int)rec->count)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 7, (sqlite3_int64)rec->created)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(st, 8, rec->descriptor.data, (int)rec->descriptor.len,
	    SQLITE_TRANSIENT)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(st, 9, rec->signature.data, (int)rec->signature.len,
	    SQLITE_TRANSIENT)) != SQLITE_OK ||
	    (rc = bind_text(st, 10, rec->signer_label)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 11, rec->rehearsal ? 1 : 0)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding a share set");
		goto out;
	}
	r = step_done(s, st, "recording a share set");
out:
	sqlite3_finalize(st);
	return r;
}


static int
share_set_query(clv_store_t *s, const char *where, const char *a, const char *b,
    const char *c, clv_share_set_record_t *out)
{
	char sql[512];
	sqlite3_stmt *st = NULL;
	int r = CLV_E_INTERNAL, rc;

	snprintf(sql, sizeof(sql), "SELECT set_id, token_serial, purpose, state, threshold, "
	    "count, created, descriptor, signature, signer_label, rehearsal FROM share_sets "
	    "WHERE %s ORDER BY id DESC LIMIT 1", where);
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = bind_text(st, 1, a)) != SQLITE_OK ||
	    (b != NULL && (rc = bind_text(st, 2, b)) != SQLITE_OK) ||
	    (c != NULL && (rc = bind_text(st, 3, c)) != SQLITE_OK)) {
		r = clv_store_db_error(s, rc, "binding a share set query");
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		r = CLV_E_DB_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = clv_store_db_error(s, rc, "looking up a share set");
		goto out;
	}
	if ((r = column_text(s, st, 0, out->set_id_hex, sizeof(out->set_id_hex))) != 0 ||
	    (r = column_text(s, st, 1, out->token_serial, sizeof(out->token_serial))) != 0 ||
	    (r = column_text(s, st, 2, out->purpose, sizeof(out->purpose))) != 0 ||
	    (r = column_text(s, st, 3, out->state, sizeof(out->state))) != 0)
		goto out;
	out->threshold = (unsigned)sqlite3_column_int(st, 4);
	out->count = (unsigned)sqlite3_column_int(st, 5);
	out->created = (time_t)sqlite3_column_int64(st, 6);
	if ((r = column_blob(st, 7, &out->descriptor)) != 0 ||
	    (r = column_blob(st, 8, &out->signature)) != 0 ||
	    (r = column_text(s, st, 9, out->signer_label, sizeof(out->signer_label))) != 0)
		goto out;
	out->rehearsal = sqlite3_column_int(st, 10) ? 1 : 0;
	r = 0;
out:
	sqlite3_finalize(st);
	if (r != 0)
		clv_store_share_set_free(out);
	return r;
}

int
clv_store_share_set_find(clv_store_t *s, const char *token_serial, const char *purpose,
    const char *state, clv_share_set_record_t *out)
{
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s == NULL || token_serial == NULL || purpose == NULL || state == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	return share_set_query(s, "token_serial = ?1 AND purpose = ?2 AND state = ?3",
	    token_serial, purpose, state, out);
}

int
clv_store_share_set_by_id(clv_store_t *s, const char *set_id_hex, clv_share_set_record_t *out)
{
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s == NULL || set_id_hex == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	return share_set_query(s, "set_id = ?1", set_id_hex, NULL, NULL, out);
}

int
clv_store_share_set_state(clv_store_t *s, const char *set_id_hex, const char *state)
{
	static const char sql[] = "UPDATE share_sets SET state = ?1 WHERE set_id = ?2";
	sqlite3_stmt *st = NULL;
	int r = CLV_E_INTERNAL, rc;

	if (s == NULL || set_id_hex == NULL || state == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = bind_text(st, 1, state)) != SQLITE_OK ||
	    (rc = bind_text(st, 2, set_id_hex)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding a share set state");
		goto out;
	}
	if ((r = step_done(s, st, "changing a share set state")) != 0)
		goto out;
	r = sqlite3_changes(s->db) == 1 ? 0 : CLV_E_DB_NOT_FOUND;
out:
	sqlite3_finalize(st);
	return r;
}

void
clv_store_share_set_free(clv_share_set_record_t *rec)
{
	if (rec == NULL)
		return;
	clv_buf_free(&rec->descriptor);
	clv_buf_free(&rec->signature);
}

/* --- objects ---------------------------------------------------------- */

/*
 * Serials and CRL numbers are integers: "00ff", "FF" and "ff" are the same
 * one, so they are kept lowercase without leading zeros ("0" stays).
 */
static int
serial_normalise(const char *in, char out[41])
{
	size_t n, i;

	if (in == NULL)
		return CLV_E_INVALID_ARG;
	n = strnlen(in, 41);
	if (n == 0 || n > 40)
		return CLV_E_INVALID_ARG;
	for (i = 0; i < n; i++) {
		char c = in[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return CLV_E_INVALID_ARG;
	}
	while (n > 1 && *in == '0') {
		in++;
		n--;
	}
	for (i = 0; i < n; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'F') ? (char)(in[i] - 'A' + 'a') : in[i];
	out[n] = '\0';
	return 0;
}

int
clv_store_object_add(clv_store_t *s, const clv_object_record_t *o, int64_t *id_out)
{
	static const char sql[] =
	    "INSERT INTO objects (kind, issuer_label, serial_hex, subject, sha256, created, "
	    "not_before, not_after, rehearsal, der) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
	unsigned char digest[32];
	char serial[41];
	sqlite3_stmt *st = NULL;
	int r = CLV_E_INTERNAL, rc;

	if (id_out != NULL)
		*id_out = 0;
	if (s == NULL || o == NULL)
		return CLV_E_INVALID_ARG;
	if (!text_fits(o->kind, sizeof(o->kind)) ||
	    (strcmp(o->kind, "certificate") != 0 && strcmp(o->kind, "crl") != 0) ||
	    !text_fits(o->issuer_label, sizeof(o->issuer_label)) || o->issuer_label[0] == '\0' ||
	    !text_fits(o->subject, sizeof(o->subject)) ||
	    !text_fits(o->serial_hex, sizeof(o->serial_hex)) ||
	    serial_normalise(o->serial_hex, serial) != 0 ||
	    (o->der == NULL && o->der_len != 0)) {
		clv_error("object record: kind must be certificate or crl, issuer set, "
		    "serial 1 to 40 hex digits");
		return CLV_E_INVALID_ARG;
	}
	if (o->der != NULL) {
		if ((r = clv_sha256(o->der, o->der_len, digest)) != 0)
			goto out;
		if (memcmp(digest, o->sha256, sizeof(digest)) != 0) {
			clv_error("object record: sha256 is not the hash of the DER given");
			r = CLV_E_INVALID_ARG;
			goto out;
		}
	}
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = bind_text(st, 1, o->kind)) != SQLITE_OK ||
	    (rc = bind_text(st, 2, o->issuer_label)) != SQLITE_OK ||
	    (rc = bind_text(st, 3, serial)) != SQLITE_OK ||
	    (rc = bind_text(st, 4, o->subject)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(st, 5, o->sha256, sizeof(o->sha256), SQLITE_STATIC))
	    != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 6, (sqlite3_int64)o->created)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 7, (sqlite3_int64)o->not_before)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 8, (sqlite3_int64)o->not_after)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 9, o->rehearsal ? 1 : 0)) != SQLITE_OK ||
	    (rc = o->der != NULL ?
	    sqlite3_bind_blob64(st, 10, o->der, (sqlite3_uint64)o->der_len, SQLITE_STATIC) :
	    sqlite3_bind_null(st, 10)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding an object record");
		goto out;
	}
	r = step_insert(s, st, "adding an object record", id_out);
out:
	sqlite3_finalize(st);
	return r;
}

int
clv_store_serial_exists(clv_store_t *s, const char *issuer_label, const char *serial_hex,
    int *exists)
{
	static const char sql[] =
	    "SELECT 1 FROM objects WHERE kind = 'certificate' AND issuer_label = ?1 "
	    "AND serial_hex = ?2";
	char serial[41];
	sqlite3_stmt *st = NULL;
	int r = CLV_E_INTERNAL, rc;

	if (exists != NULL)
		*exists = 0;
	if (s == NULL || issuer_label == NULL || exists == NULL ||
	    serial_normalise(serial_hex, serial) != 0)
		return CLV_E_INVALID_ARG;
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = bind_text(st, 1, issuer_label)) != SQLITE_OK ||
	    (rc = bind_text(st, 2, serial)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding a serial");
		goto out;
	}
	r = step_found(s, st, "looking up a serial", exists);
out:
	sqlite3_finalize(st);
	return r;
}

int
clv_store_object_by_serial(clv_store_t *s, const char *kind, const char *issuer_label,
    const char *serial_hex, unsigned char sha256[32])
{
	static const char sql[] =
	    "SELECT sha256 FROM objects WHERE kind = ?1 AND issuer_label = ?2 AND serial_hex = ?3";
	char serial[41];
	sqlite3_stmt *st = NULL;
	int r = CLV_E_INTERNAL, rc;

	if (s == NULL || kind == NULL || issuer_label == NULL || sha256 == NULL ||
	    serial_normalise(serial_hex, serial) != 0)
		return CLV_E_INVALID_ARG;
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = bind_text(st, 1, kind)) != SQLITE_OK ||
	    (rc = bind_text(st, 2, issuer_label)) != SQLITE_OK ||
	    (rc = bind_text(st, 3, serial)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding a serial");
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		r = CLV_E_DB_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW || sqlite3_column_bytes(st, 0) != 32) {
		r = clv_store_db_error(s, rc, "looking up an object by serial");
		goto out;
	}
	memcpy(sha256, sqlite3_column_blob(st, 0), 32);
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
clv_store_cert_find(clv_store_t *s, const char *issuer_label, const char *serial_hex,
    clv_object_record_t *out)
{
	static const char sql[] =
	    "SELECT id, subject, sha256, created, not_before, not_after, rehearsal "
	    "FROM objects WHERE kind = 'certificate' AND issuer_label = ?1 AND serial_hex = ?2";
	clv_object_record_t o;
	sqlite3_stmt *st = NULL;
	const void *sha;
	char serial[41];
	int r = CLV_E_INTERNAL, rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s == NULL || issuer_label == NULL || out == NULL ||
	    serial_normalise(serial_hex, serial) != 0)
		return CLV_E_INVALID_ARG;
	memset(&o, 0, sizeof(o));
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = bind_text(st, 1, issuer_label)) != SQLITE_OK ||
	    (rc = bind_text(st, 2, serial)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding a serial");
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		r = CLV_E_DB_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = clv_store_db_error(s, rc, "looking up a certificate");
		goto out;
	}
	o.id = sqlite3_column_int64(st, 0);
	if ((r = column_text(s, st, 1, o.subject, sizeof(o.subject))) != 0)
		goto out;
	sha = sqlite3_column_blob(st, 2);
	if (sha == NULL || sqlite3_column_bytes(st, 2) != 32) {
		r = CLV_E_DB;
		goto out;
	}
	memcpy(o.sha256, sha, 32);
	o.created = (time_t)sqlite3_column_int64(st, 3);
	o.not_before = (time_t)sqlite3_column_int64(st, 4);
	o.not_after = (time_t)sqlite3_column_int64(st, 5);
	o.rehearsal = sqlite3_column_int(st, 6) ? 1 : 0;
	snprintf(o.kind, sizeof(o.kind), "certificate");
	snprintf(o.issuer_label, sizeof(o.issuer_label), "%s", issuer_label);
	snprintf(o.serial_hex, sizeof(o.serial_hex), "%s", serial);
	*out = o;
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
clv_store_revocation_add(clv_store_t *s, const char *issuer_label, const clv_revocation_t *rv,
    int rehearsal)
{
	static const char sql[] =
	    "INSERT INTO revocations (object_id, revoked, recorded, reason, rehearsal) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)";
	clv_object_record_t o;
	sqlite3_stmt *st = NULL;
	int found = 0, r, rc;

	if (s == NULL || issuer_label == NULL || rv == NULL || !text_fits(rv->reason,
	    sizeof(rv->reason)))
		return CLV_E_INVALID_ARG;
	if ((r = clv_store_cert_find(s, issuer_label, rv->serial_hex, &o)) != 0)
		return r;
	if ((r = clv_store_revocation_find(s, issuer_label, rv->serial_hex, NULL, &found)) != 0)
		return r;
	if (found)
		return CLV_E_DB_CONSTRAINT;
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = sqlite3_bind_int64(st, 1, o.id)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 2, (sqlite3_int64)rv->revoked)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 3, (sqlite3_int64)rv->recorded)) != SQLITE_OK ||
	    (rc = bind_text(st, 4, rv->reason)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 5, rehearsal ? 1 : 0)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding a revocation");
		goto out;
	}
	r = step_done(s, st, "recording a revocation");
out:
	sqlite3_finalize(st);
	return r;
}

/* Rows of revocations under issuer_label (and one serial if given). */
static int
revocations_query(clv_store_t *s, const char *issuer_label, const char *serial,
    clv_revocation_t **out, size_t *n)
{
	static const char sql[] =
	    "SELECT o.serial_hex, r.revoked, r.recorded, r.reason FROM revocations r "
	    "JOIN objects o ON o.id = r.object_id "
	    "WHERE o.issuer_label = ?1 AND (?2 IS NULL OR o.serial_hex = ?2) ORDER BY r.id";
	clv_revocation_t *v = NULL, *nv;
	sqlite3_stmt *st = NULL;
	size_t cap = 0, count = 0;
	int r, rc;

	if ((r = prepare(s, sql, &st)) != 0)
		return r;
	if ((rc = bind_text(st, 1, issuer_label)) != SQLITE_OK ||
	    (rc = serial != NULL ? bind_text(st, 2, serial) : sqlite3_bind_null(st, 2)) !=
	    SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding an issuer label");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? 2 * cap : 16;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				r = CLV_E_NOMEM;
				goto out;
			}
			v = nv;
		}
		memset(&v[count], 0, sizeof(v[count]));
		if ((r = column_text(s, st, 0, v[count].serial_hex,
		    sizeof(v[count].serial_hex))) != 0 ||
		    (r = column_text(s, st, 3, v[count].reason, sizeof(v[count].reason))) != 0)
			goto out;
		v[count].revoked = (time_t)sqlite3_column_int64(st, 1);
		v[count].recorded = (time_t)sqlite3_column_int64(st, 2);
		count++;
	}
	if (rc != SQLITE_DONE) {
		r = clv_store_db_error(s, rc, "reading revocations");
		goto out;
	}
	*out = v;
	*n = count;
	v = NULL;
	r = 0;
out:
	free(v);
	sqlite3_finalize(st);
	return r;
}

int
clv_store_revocation_find(clv_store_t *s, const char *issuer_label, const char *serial_hex,
    clv_revocation_t *out, int *found)
{
	clv_revocation_t *v = NULL;
	char serial[41];
	size_t n = 0;
	int r;

	if (found != NULL)
		*found = 0;
	if (s == NULL || issuer_label == NULL || found == NULL ||
	    serial_normalise(serial_hex, serial) != 0)
		return CLV_E_INVALID_ARG;
	if ((r = revocations_query(s, issuer_label, serial, &v, &n)) != 0)
		return r;
	if (n > 0) {
		*found = 1;
		if (out != NULL)
			*out = v[0];
	}
	free(v);
	return 0;
}

int
clv_store_revocations(clv_store_t *s, const char *issuer_label, clv_revocation_t **out,
    size_t *n)
{
	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || issuer_label == NULL || out == NULL || n == NULL)
		return CLV_E_INVALID_ARG;
	return revocations_query(s, issuer_label, NULL, out, n);
}

int
clv_store_crl_number_last(clv_store_t *s, const char *issuer_label, uint64_t *out)
{
	/* Normalised hex: a longer string is a larger number. */
	static const char sql[] =
	    "SELECT serial_hex FROM objects WHERE kind = 'crl' AND issuer_label = ?1 "
	    "ORDER BY length(serial_hex) DESC, serial_hex DESC LIMIT 1";
	sqlite3_stmt *st = NULL;
	const unsigned char *hex;
	uint64_t v = 0;
	int r = CLV_E_INTERNAL, rc, n, i;

	if (out != NULL)
		*out = 0;
	if (s == NULL || issuer_label == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = bind_text(st, 1, issuer_label)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding an issuer label");
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		r = 0;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = clv_store_db_error(s, rc, "looking up the last CRL number");
		goto out;
	}
	hex = sqlite3_column_text(st, 0);
	n = sqlite3_column_bytes(st, 0);
	if (hex == NULL || n < 1 || n > 16) {
		clv_error("%s: CRL number of \"%s\" is not a hex number of at most 64 bits",
		    s->path, issuer_label);
		r = CLV_E_DB;
		goto out;
	}
	for (i = 0; i < n; i++) {
		unsigned c = hex[i];

		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c = c - 'a' + 10;
		else {
			clv_error("%s: CRL number of \"%s\" is not hex", s->path, issuer_label);
			r = CLV_E_DB;
			goto out;
		}
		v = (v << 4) | c;
	}
	*out = v;
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
clv_store_object_der(clv_store_t *s, const unsigned char sha256[32], clv_buf_t *out)
{
	static const char sql[] = "SELECT der FROM objects WHERE sha256 = ?1";
	unsigned char digest[32];
	clv_buf_t der = { NULL, 0 };
	sqlite3_stmt *st = NULL;
	const void *blob;
	int r = CLV_E_INTERNAL, rc, n;

	if (out != NULL) {
		out->data = NULL;
		out->len = 0;
	}
	if (s == NULL || sha256 == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = prepare(s, sql, &st)) != 0)
		goto out;
	if ((rc = sqlite3_bind_blob(st, 1, sha256, 32, SQLITE_STATIC)) != SQLITE_OK) {
		r = clv_store_db_error(s, rc, "binding an object hash");
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		r = CLV_E_DB_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = clv_store_db_error(s, rc, "looking up an object");
		goto out;
	}
	if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
		clv_debug("%s: object is recorded without its DER", s->path);
		r = CLV_E_DB_NOT_FOUND;
		goto out;
	}
	blob = sqlite3_column_blob(st, 0);
	n = sqlite3_column_bytes(st, 0);
	if ((r = clv_buf_set(&der, blob, (size_t)n)) != 0)
		goto out;
	/* The file may have been edited: hand out only what the hash names. */
	if ((r = clv_sha256(der.data, der.len, digest)) != 0)
		goto out;
	if (memcmp(digest, sha256, sizeof(digest)) != 0) {
		clv_error("%s: stored object does not match its SHA-256", s->path);
		r = CLV_E_INTEGRITY;
		goto out;
	}
	*out = der;
	der.data = NULL;
	der.len = 0;
	r = 0;
out:
	clv_buf_free(&der);
	sqlite3_finalize(st);
	return r;
}
