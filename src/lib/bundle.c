/*
 * Bundles: signed, verifiable directories that carry artifacts across the
 * air gap (see bundle.h and conclave-bundle(5)).
 *
 * The manifest has exactly one text for a given bundle (the canonical form
 * that manifest_render() writes); the importer re-renders what it parsed
 * and refuses any other text, so that what is signed is what is read.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gcrypt.h>

#include "bundle.h"
#include "conf.h"
#include "util.h"
#include "verify.h"

#define MANIFEST_MAX (1024 * 1024)
#define SIGNATURE_MAX 2048
#define FORMAT_VERSION "1"

/* ---- names ---- */

static const char *const purpose_names[] = {
	[CLV_BUNDLE_DS_CERTIFICATES] = "ds-certificates",
	[CLV_BUNDLE_PKD_PUBLICATION] = "pkd-publication",
	[CLV_BUNDLE_CSR_REQUEST] = "csr-request",
	[CLV_BUNDLE_CV_REQUEST] = "cv-request",
	[CLV_BUNDLE_CV_CERTIFICATES] = "cv-certificates",
};

static const char *const type_names[] = {
	[CLV_ARTIFACT_CERTIFICATE] = "certificate",
	[CLV_ARTIFACT_CRL] = "crl",
	[CLV_ARTIFACT_MASTER_LIST] = "master-list",
	[CLV_ARTIFACT_DEVIATION_LIST] = "deviation-list",
	[CLV_ARTIFACT_CSR] = "csr",
	[CLV_ARTIFACT_CV_REQUEST] = "cv-request",
	[CLV_ARTIFACT_CV_CERTIFICATE] = "cv-certificate",
	[CLV_ARTIFACT_OTHER] = "other",
};

#define N_PURPOSES (sizeof(purpose_names) / sizeof(purpose_names[0]))
#define N_TYPES (sizeof(type_names) / sizeof(type_names[0]))

const char *
clv_bundle_purpose_name(clv_bundle_purpose_t p)
{
	if ((size_t)p >= N_PURPOSES)
		return NULL;
	return purpose_names[p];
}

clv_bundle_purpose_t
clv_bundle_purpose_by_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return CLV_BUNDLE_PURPOSE_NONE;
	for (i = 1; i < N_PURPOSES; i++)
		if (strcmp(purpose_names[i], name) == 0)
			return (clv_bundle_purpose_t)i;
	return CLV_BUNDLE_PURPOSE_NONE;
}

const char *
clv_artifact_type_name(clv_artifact_type_t t)
{
	if ((size_t)t >= N_TYPES)
		return NULL;
	return type_names[t];
}

clv_artifact_type_t
clv_artifact_type_by_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return CLV_ARTIFACT_NONE;
	for (i = 1; i < N_TYPES; i++)
		if (strcmp(type_names[i], name) == 0)
			return (clv_artifact_type_t)i;
	return CLV_ARTIFACT_NONE;
}

int
clv_bundle_type_is_allowed(clv_bundle_purpose_t p, clv_artifact_type_t t)
{
	if (clv_artifact_type_name(t) == NULL || t == CLV_ARTIFACT_NONE)
		return 0;
	if (t == CLV_ARTIFACT_OTHER)
		return clv_bundle_purpose_name(p) != NULL && p != CLV_BUNDLE_PURPOSE_NONE;
	switch (p) {
	case CLV_BUNDLE_DS_CERTIFICATES:
		return t == CLV_ARTIFACT_CERTIFICATE || t == CLV_ARTIFACT_CRL;
	case CLV_BUNDLE_PKD_PUBLICATION:
		return t == CLV_ARTIFACT_MASTER_LIST || t == CLV_ARTIFACT_DEVIATION_LIST ||
		    t == CLV_ARTIFACT_CRL || t == CLV_ARTIFACT_CERTIFICATE;
	case CLV_BUNDLE_CSR_REQUEST:
		return t == CLV_ARTIFACT_CSR;
	case CLV_BUNDLE_CV_REQUEST:
		return t == CLV_ARTIFACT_CV_REQUEST;
	case CLV_BUNDLE_CV_CERTIFICATES:
		return t == CLV_ARTIFACT_CV_CERTIFICATE;
	default:
		return 0;
	}
}

/* The allowed types of purpose p, for diagnostics: "certificate, crl, other". */
static void
allowed_types(clv_bundle_purpose_t p, char *out, size_t outlen)
{
	size_t i, used = 0;
	int n;

	out[0] = '\0';
	for (i = 1; i < N_TYPES; i++) {
		if (!clv_bundle_type_is_allowed(p, (clv_artifact_type_t)i))
			continue;
		n = snprintf(out + used, outlen - used, "%s%s", used ? ", " : "", type_names[i]);
		if (n < 0 || (size_t)n >= outlen - used)
			return;
		used += (size_t)n;
	}
}

/* Signature algorithms a manifest may name. */
typedef struct bundle_sigalg {
	const char *name;
	clv_key_type_t key;
	clv_hash_alg_t hash;
	int pss;
} bundle_sigalg_t;

static const bundle_sigalg_t sigalgs[] = {
	{ "ecdsa-sha256", CLV_KEY_EC, CLV_HASH_SHA256, 0 },
	{ "ecdsa-sha384", CLV_KEY_EC, CLV_HASH_SHA384, 0 },
	{ "ecdsa-sha512", CLV_KEY_EC, CLV_HASH_SHA512, 0 },
	{ "rsa-pkcs1-sha256", CLV_KEY_RSA, CLV_HASH_SHA256, 0 },
	{ "rsa-pkcs1-sha384", CLV_KEY_RSA, CLV_HASH_SHA384, 0 },
	{ "rsa-pkcs1-sha512", CLV_KEY_RSA, CLV_HASH_SHA512, 0 },
	{ "rsa-pss-sha256", CLV_KEY_RSA, CLV_HASH_SHA256, 1 },
	{ "rsa-pss-sha384", CLV_KEY_RSA, CLV_HASH_SHA384, 1 },
	{ "rsa-pss-sha512", CLV_KEY_RSA, CLV_HASH_SHA512, 1 },
	{ NULL, CLV_KEY_NONE, CLV_HASH_NONE, 0 },
};

static const bundle_sigalg_t *
sigalg_by_name(const char *name)
{
	size_t i;

	for (i = 0; sigalgs[i].name != NULL; i++)
		if (strcmp(sigalgs[i].name, name) == 0)
			return &sigalgs[i];
	return NULL;
}

/* The entry for alg, accepting PSS's defaults (MGF1 hash and salt 0). */
static const bundle_sigalg_t *
sigalg_by_alg(const clv_sigalg_t *alg)
{
	size_t i;

	for (i = 0; sigalgs[i].name != NULL; i++) {
		if (sigalgs[i].key != alg->key || sigalgs[i].hash != alg->hash ||
		    sigalgs[i].pss != (alg->pss != 0))
			continue;
		if (alg->pss && ((alg->mgf_hash != CLV_HASH_NONE && alg->mgf_hash != alg->hash) ||
		    (alg->salt_len != 0 && alg->salt_len != clv_hash_len(alg->hash))))
			continue;
		return &sigalgs[i];
	}
	return NULL;
}

/* The literal algorithm: PSS with MGF1 of the same hash, salt the hash length. */
static void
sigalg_literal(const bundle_sigalg_t *e, clv_sigalg_t *out)
{
	memset(out, 0, sizeof(*out));
	out->key = e->key;
	out->hash = e->hash;
	out->pss = e->pss;
	if (e->pss) {
		out->mgf_hash = e->hash;
		out->salt_len = (unsigned)clv_hash_len(e->hash);
	}
}

/* ---- syntax of values ---- */

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Producer and recipient ids: 1 to 64 of [A-Za-z0-9._:-], starting alphanumeric. */
static int
is_valid_id(const char *s)
{
	size_t i;

	if (s == NULL || !is_alnum((unsigned char)s[0]))
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= CLV_BUNDLE_MAX_ID)
			return 0;
		if (!is_alnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' &&
		    s[i] != ':' && s[i] != '-')
			return 0;
	}
	return 1;
}

/* Artifact names: plain basenames [A-Za-z0-9._-], 1 to 128 bytes, not
 * hidden, not MANIFEST* in any case. */
static int
is_valid_name(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || s[0] == '.')
		return 0;
	if (strncasecmp(s, CLV_BUNDLE_MANIFEST, strlen(CLV_BUNDLE_MANIFEST)) == 0)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= CLV_BUNDLE_MAX_NAME)
			return 0;
		if (!is_alnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return 0;
	}
	return 1;
}

/* Decimal without sign or leading zeros. */
static int
parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s == NULL || s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return CLV_E_FORMAT;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return CLV_E_FORMAT;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return CLV_E_FORMAT;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* 32 octets as 64 lower-case hex digits. */
static int
parse_sha256_hex(const char *s, unsigned char out[32])
{
	size_t i;
	int hi, lo;

	if (s == NULL || strlen(s) != 64)
		return CLV_E_FORMAT;
	for (i = 0; i < 32; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		if (!((hi >= '0' && hi <= '9') || (hi >= 'a' && hi <= 'f')) ||
		    !((lo >= '0' && lo <= '9') || (lo >= 'a' && lo <= 'f')))
			return CLV_E_FORMAT;
		hi = hi <= '9' ? hi - '0' : hi - 'a' + 10;
		lo = lo <= '9' ? lo - '0' : lo - 'a' + 10;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* The last path component of path (trailing slashes ignored), into out. */
static int
last_component(const char *path, char *out, size_t outlen)
{
	size_t n = strlen(path);
	const char *p;

	while (n > 1 && path[n - 1] == '/')
		n--;
	p = path + n;
	while (p > path && p[-1] != '/')
		p--;
	if ((size_t)(path + n - p) >= outlen)
		return CLV_E_INVALID_ARG;
	memcpy(out, p, (size_t)(path + n - p));
	out[path + n - p] = '\0';
	return 0;
}

/* ---- text building ---- */

typedef struct strbuf {
	char *p;
	size_t len, cap;
	int failed;
} strbuf_t;

static void
sb_printf(strbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sb_printf(strbuf_t *sb, const char *fmt, ...)
{
	va_list ap;
	int n;
	size_t cap;
	char *np;

	if (sb->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(sb->p ? sb->p + sb->len : NULL, sb->p ? sb->cap - sb->len : 0,
		    fmt, ap);
		va_end(ap);
		if (n < 0) {
			sb->failed = 1;
			return;
		}
		if (sb->p != NULL && (size_t)n < sb->cap - sb->len) {
			sb->len += (size_t)n;
			return;
		}
		cap = sb->cap == 0 ? 1024 : sb->cap;
		while (cap - sb->len <= (size_t)n)
			cap *= 2;
		if ((np = realloc(sb->p, cap)) == NULL) {
			sb->failed = 1;
			return;
		}
		sb->p = np;
		sb->cap = cap;
	}
}

/* The canonical manifest text. */
static int
manifest_render(const clv_bundle_header_t *h, const char *sigalg_name,
    const unsigned char signer_sha256[32], const clv_bundle_artifact_t *a, size_t n,
    clv_buf_t *out)
{
	strbuf_t sb = { NULL, 0, 0, 0 };
	char created[21], hex[65];
	size_t i;

	out->data = NULL;
	out->len = 0;
	clv_time_format(h->created, created);
	clv_hex(signer_sha256, 32, hex);
	sb_printf(&sb, "[bundle]\n");
	sb_printf(&sb, "format = " FORMAT_VERSION "\n");
	sb_printf(&sb, "producer = %s\n", h->producer);
	sb_printf(&sb, "recipient = %s\n", h->recipient);
	sb_printf(&sb, "purpose = %s\n", clv_bundle_purpose_name(h->purpose));
	sb_printf(&sb, "sequence = %llu\n", (unsigned long long)h->sequence);
	sb_printf(&sb, "created = %s\n", created);
	sb_printf(&sb, "rehearsal = %s\n", h->rehearsal ? "yes" : "no");
	sb_printf(&sb, "signature = %s\n", sigalg_name);
	sb_printf(&sb, "signer_key_sha256 = %s\n", hex);
	for (i = 0; i < n; i++) {
		clv_hex(a[i].sha256, 32, hex);
		sb_printf(&sb, "\n[artifact %s]\n", a[i].name);
		sb_printf(&sb, "type = %s\n", clv_artifact_type_name(a[i].type));
		sb_printf(&sb, "size = %zu\n", a[i].len);
		sb_printf(&sb, "sha256 = %s\n", hex);
	}
	if (sb.failed) {
		free(sb.p);
		return CLV_E_NOMEM;
	}
	out->data = (unsigned char *)sb.p;
	out->len = sb.len;
	return 0;
}

int
clv_bundle_key_fingerprint(const clv_pubkey_t *key, unsigned char out[32])
{
	int r = CLV_E_INTERNAL;
	clv_buf_t spki = { NULL, 0 };

	if (key == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = clv_pubkey_to_spki(key, 0, &spki)) != 0)
		goto out;
	r = clv_sha256(spki.data, spki.len, out);
out:
	clv_buf_free(&spki);
	return r;
}

void
clv_bundle_free(clv_bundle_t *b)
{
	size_t i;

	if (b == NULL)
		return;
	free((void *)b->header.producer);
	free((void *)b->header.recipient);
	for (i = 0; i < b->n_artifacts; i++) {
		free((void *)b->artifacts[i].name);
		free((void *)b->artifacts[i].data);
	}
	free(b->artifacts);
	free(b);
}

/* ---- files ---- */

/*
 * Opens name in directory dfd, not following a symlink, and checks it is a
 * regular file.  CLV_E_FILE_NOT_FOUND if it does not exist; CLV_E_INTEGRITY
 * if it is something else than a regular file.
 */
static int
open_regular_at(int dfd, const char *name, int *fd_out, size_t *size_out)
{
	struct stat st;
	int fd;

	*fd_out = -1;
	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0) {
		if (errno == ENOENT)
			return CLV_E_FILE_NOT_FOUND;
		if (errno == ELOOP)
			return CLV_E_INTEGRITY;
		clv_debug("%s: open: %s", name, strerror(errno));
		return CLV_E_IO;
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		return CLV_E_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return CLV_E_INTEGRITY;
	}
	*fd_out = fd;
	*size_out = (size_t)st.st_size;
	return 0;
}

/* Reads exactly size bytes of fd; CLV_E_INTEGRITY if the file is shorter or longer. */
static int
read_fd(int fd, size_t size, clv_buf_t *out)
{
	int r = CLV_E_INTERNAL;
	unsigned char *p = NULL, extra;
	size_t got = 0;
	ssize_t n;

	out->data = NULL;
	out->len = 0;
	if ((p = malloc(size + 1)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	while (got < size) {
		n = read(fd, p + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			clv_debug("read: %s", strerror(errno));
			r = CLV_E_IO;
			goto out;
		}
		if (n == 0) {
			r = CLV_E_INTEGRITY;
			goto out;
		}
		got += (size_t)n;
	}
	do
		n = read(fd, &extra, 1);
	while (n < 0 && errno == EINTR);
	if (n != 0) {
		r = n < 0 ? CLV_E_IO : CLV_E_INTEGRITY;
		goto out;
	}
	p[size] = '\0';
	out->data = p;
	out->len = size;
	p = NULL;
	r = 0;
out:
	free(p);
	return r;
}

static int
fsync_dir(const char *path)
{
	int fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return CLV_E_IO;
	if (fsync(fd) != 0)
		r = CLV_E_IO;
	close(fd);
	return r;
}

/* Drops the cached pages of dir/name (already fsync'ed, so clean), so that
 * the read-back comes from the medium rather than from memory. */
static void
drop_cache(const char *dir, const char *name)
{
	char p[PATH_MAX];
	int fd;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, name) >= sizeof(p))
		return;
	if ((fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	(void)fdatasync(fd);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

/* rename(2) that never replaces to: RENAME_NOREPLACE, or on a file system
 * without it a check just before the rename. */
static int
rename_noreplace(const char *from, const char *to)
{
	struct stat st;

	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST || errno == ENOTEMPTY)
		return CLV_E_OUTPUT_EXISTS;
	if (errno != EINVAL && errno != ENOSYS) {
		clv_debug("renameat2 %s -> %s: %s", from, to, strerror(errno));
		return CLV_E_IO;
	}
	clv_debug("renameat2: RENAME_NOREPLACE unsupported here, checking before rename");
	if (lstat(to, &st) == 0 || errno != ENOENT)
		return CLV_E_OUTPUT_EXISTS;
	if (rename(from, to) != 0) {
		clv_debug("rename %s -> %s: %s", from, to, strerror(errno));
		return CLV_E_IO;
	}
	return 0;
}

/* ---- verification ---- */

/* The value of key in sec, or NULL. */
static const char *
conf_value(clv_conf_section_t *sec, const char *key, unsigned *line)
{
	clv_conf_entry_t *e = clv_conf_get(sec, key);

	if (e == NULL)
		return NULL;
	if (line != NULL)
		*line = e->line;
	return e->value;
}

/* The value of a required key; diag names it when absent. */
static int
conf_need(clv_conf_section_t *sec, const char *mpath, const char *key, const char **out,
    unsigned *line, clv_diag_t *diag)
{
	if ((*out = conf_value(sec, key, line)) == NULL)
		return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [%s%s%s] has no '%s'", mpath,
		    sec->line, sec->name, sec->arg[0] ? " " : "", sec->arg, key);
	return 0;
}

/* What verification reads of one listed artifact. */
typedef struct listed {
	const char *name;           /* into the conf */
	clv_artifact_type_t type;
	size_t size;
	unsigned char sha256[32];
	unsigned line;              /* of its section header */
	int present;
} listed_t;

/* A file the directory holds that the manifest does not list. */
typedef struct unlisted {
	char *name;
	int regular;
} unlisted_t;

static void
unlisted_free(unlisted_t *u, size_t n)
{
	size_t i;

	for (i = 0; u != NULL && i < n; i++)
		free(u[i].name);
	free(u);
}

/* Finds the artifact name in the list; case-insensitive duplicates matter
 * on FAT media, so both spellings are compared by the caller as needed. */
static listed_t *
find_listed(listed_t *l, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(l[i].name, name) == 0)
			return &l[i];
	return NULL;
}

/* The SHA-256 and size of dfd/name if it is a regular file of at most max bytes. */
static int
hash_at(int dfd, const char *name, size_t max, size_t *size, unsigned char sha[32])
{
	int r = CLV_E_INTERNAL, fd = -1;
	clv_buf_t b = { NULL, 0 };

	if ((r = open_regular_at(dfd, name, &fd, size)) != 0)
		goto out;
	if (*size > max) {
		r = CLV_E_INTEGRITY;
		goto out;
	}
	if ((r = read_fd(fd, *size, &b)) != 0)
		goto out;
	r = clv_sha256(b.data, b.len, sha);
out:
	clv_buf_free(&b);
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * The directory holds exactly the listed artifacts, MANIFEST and
 * MANIFEST.sig: no file added, none removed, none renamed, nothing but
 * regular files.
 */
static int
check_listing(const char *dir, int dfd, listed_t *l, size_t n, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL, fd2 = -1;
	DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	unlisted_t *u = NULL, *nu;
	size_t n_u = 0, i, j, size;
	listed_t *hit;
	unsigned char sha[32];
	const listed_t *missing = NULL;

	if ((fd2 = dup(dfd)) < 0 || (d = fdopendir(fd2)) == NULL) {
		r = clv_diag_set(diag, CLV_E_IO, "%s: cannot list the directory: %s", dir,
		    strerror(errno));
		goto out;
	}
	fd2 = -1;
	rewinddir(d);
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0) {
				r = clv_diag_set(diag, CLV_E_IO, "%s: cannot list the directory: %s",
				    dir, strerror(errno));
				goto out;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			r = clv_diag_set(diag, CLV_E_IO, "%s/%s: cannot stat: %s", dir, de->d_name,
			    strerror(errno));
			goto out;
		}
		if (strcmp(de->d_name, CLV_BUNDLE_MANIFEST) == 0 ||
		    strcmp(de->d_name, CLV_BUNDLE_SIGNATURE) == 0)
			continue;       /* already read as regular files */
		if ((hit = find_listed(l, n, de->d_name)) != NULL) {
			if (!S_ISREG(st.st_mode)) {
				r = clv_diag_set(diag, CLV_E_INTEGRITY,
				    "%s/%s: listed in MANIFEST as an artifact, but not a regular "
				    "file", dir, de->d_name);
				goto out;
			}
			hit->present = 1;
			continue;
		}
		if ((nu = reallocarray(u, n_u + 1, sizeof(*u))) == NULL) {
			r = CLV_E_NOMEM;
			goto out;
		}
		u = nu;
		if ((u[n_u].name = strdup(de->d_name)) == NULL) {
			r = CLV_E_NOMEM;
			goto out;
		}
		u[n_u++].regular = S_ISREG(st.st_mode);
	}
	for (i = 0; i < n; i++)
		if (!l[i].present) {
			missing = &l[i];
			break;
		}
	if (missing == NULL && n_u == 0) {
		r = 0;
		goto out;
	}
	/* a renamed file: one listed missing, one unlisted with its size and hash */
	for (i = 0; i < n; i++) {
		if (l[i].present)
			continue;
		for (j = 0; j < n_u; j++) {
			if (!u[j].regular || hash_at(dfd, u[j].name, l[i].size, &size, sha) != 0)
				continue;
			if (size == l[i].size && memcmp(sha, l[i].sha256, 32) == 0) {
				r = clv_diag_set(diag, CLV_E_INTEGRITY,
				    "%s: artifact '%s' listed in MANIFEST is missing and '%s', not "
				    "listed, has its size and SHA-256: '%s' was renamed to '%s'",
				    dir, l[i].name, u[j].name, l[i].name, u[j].name);
				goto out;
			}
		}
	}
	if (missing != NULL) {
		r = clv_diag_set(diag, CLV_E_INTEGRITY,
		    "%s: artifact '%s' listed in MANIFEST (line %u) is missing: a file was "
		    "removed or renamed%s%s%s", dir, missing->name, missing->line,
		    n_u ? "; '" : "", n_u ? u[0].name : "", n_u ? "' is not listed" : "");
		goto out;
	}
	r = clv_diag_set(diag, CLV_E_INTEGRITY,
	    "%s: '%s' is not listed in MANIFEST: a %s was added; a bundle holds only "
	    "MANIFEST, MANIFEST.sig and the artifacts MANIFEST lists", dir, u[0].name,
	    u[0].regular ? "file" : "non-regular file");
out:
	if (fd2 >= 0)
		close(fd2);
	if (d != NULL)
		closedir(d);
	unlisted_free(u, n_u);
	return r;
}

/* Reads dfd/name (MANIFEST or MANIFEST.sig) of at most max bytes. */
static int
read_control(const char *dir, int dfd, const char *name, size_t max, clv_buf_t *out,
    clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL, fd = -1;
	size_t size = 0;

	if ((r = open_regular_at(dfd, name, &fd, &size)) != 0) {
		if (r == CLV_E_FILE_NOT_FOUND)
			r = clv_diag_set(diag, CLV_E_INTEGRITY,
			    "%s: no %s: the export did not finish or the file was removed; "
			    "this is not a complete bundle and is never imported", dir, name);
		else if (r == CLV_E_INTEGRITY)
			r = clv_diag_set(diag, r, "%s/%s: not a regular file", dir, name);
		else
			r = clv_diag_set(diag, r, "%s/%s: cannot open: %s", dir, name,
			    strerror(errno));
		goto out;
	}
	if (size > max) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s/%s: %zu bytes, expected at most %zu",
		    dir, name, size, max);
		goto out;
	}
	if ((r = read_fd(fd, size, out)) != 0)
		r = clv_diag_set(diag, r, "%s/%s: cannot read it whole", dir, name);
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* The first line where text and canonical differ (1-based). */
static unsigned
first_diff_line(const clv_buf_t *a, const clv_buf_t *b, const char **expected, size_t *elen)
{
	size_t i = 0, ls = 0, e;
	unsigned line = 1;

	while (i < a->len && i < b->len && a->data[i] == b->data[i]) {
		if (a->data[i] == '\n') {
			line++;
			ls = i + 1;
		}
		i++;
	}
	for (e = ls; e < b->len && b->data[e] != '\n'; e++)
		;
	*expected = (const char *)b->data + ls;
	*elen = e - ls;
	return line;
}

/*
 * Just enough of the manifest to find the key (producer, algorithm, signer
 * fingerprint), then the signature with the key pinned for that producer.
 * *conf_out is the parsed manifest, *alg_out the algorithm, signer_fp the
 * fingerprint the manifest names (that of the pinned key).
 */
static int
check_signature(const char *dir, const char *mpath, const clv_buf_t *manifest,
    const clv_buf_t *sig, const clv_bundle_expect_t *expect, clv_conf_t **conf_out,
    const bundle_sigalg_t **alg_out, unsigned char signer_fp[32], clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	clv_conf_t *conf = NULL;
	clv_conf_section_t *bsec;
	const char *producer, *alg_name, *signer_hex;
	const clv_bundle_pin_t *pin = NULL;
	const bundle_sigalg_t *alg_entry;
	clv_sigalg_t alg;
	unsigned char pin_fp[32];
	char pin_hex[65];
	unsigned line;
	size_t i;

	*conf_out = NULL;
	*alg_out = NULL;
	if ((r = clv_conf_parse(mpath, (const char *)manifest->data, manifest->len, &conf,
	    diag)) != 0)
		goto out;
	if (conf->sections[0].n_entries > 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: an entry before [bundle]", mpath,
		    conf->sections[0].entries[0].line);
		goto out;
	}
	if (conf->n_sections < 2 || strcmp(conf->sections[1].name, "bundle") != 0 ||
	    conf->sections[1].arg[0] != '\0') {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: expected [bundle] as the first section",
		    mpath);
		goto out;
	}
	bsec = &conf->sections[1];
	if ((r = conf_need(bsec, mpath, "producer", &producer, &line, diag)) != 0 ||
	    (r = conf_need(bsec, mpath, "signature", &alg_name, &line, diag)) != 0 ||
	    (r = conf_need(bsec, mpath, "signer_key_sha256", &signer_hex, &line, diag)) != 0)
		goto out;
	for (i = 0; i < expect->n_pins; i++)
		if (expect->pins[i].producer != NULL &&
		    strcmp(expect->pins[i].producer, producer) == 0) {
			pin = &expect->pins[i];
			break;
		}
	if (pin == NULL || pin->key == NULL) {
		char pinned[512];
		size_t used = 0;
		int k;

		pinned[0] = '\0';
		for (i = 0; i < expect->n_pins && used < sizeof(pinned); i++) {
			k = snprintf(pinned + used, sizeof(pinned) - used, "%s'%s'",
			    used ? ", " : "", expect->pins[i].producer ? expect->pins[i].producer : "");
			if (k < 0)
				break;
			used += (size_t)k;
		}
		conf_value(bsec, "producer", &line);
		r = clv_diag_set(diag, CLV_E_POLICY,
		    "%s:%u: producer: '%.64s' is not a producer whose key is pinned here "
		    "(pinned: %s)", mpath, line, producer, expect->n_pins ? pinned : "none");
		goto out;
	}
	if ((r = clv_bundle_key_fingerprint(pin->key, pin_fp)) != 0)
		goto out;
	clv_hex(pin_fp, 32, pin_hex);
	conf_value(bsec, "signer_key_sha256", &line);
	if (parse_sha256_hex(signer_hex, signer_fp) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: signer_key_sha256: expected 64 lower-case hex digits", mpath, line);
		goto out;
	}
	if (memcmp(signer_fp, pin_fp, 32) != 0) {
		r = clv_diag_set(diag, CLV_E_KEY_MISMATCH,
		    "%s:%u: signer_key_sha256: the bundle is signed by key %.64s, but the key "
		    "pinned for producer '%s' is %s: another key signed it, or MANIFEST was "
		    "altered", mpath, line, signer_hex, producer, pin_hex);
		goto out;
	}
	conf_value(bsec, "signature", &line);
	if ((alg_entry = sigalg_by_name(alg_name)) == NULL) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: signature: expected ecdsa-sha256, -sha384, -sha512, rsa-pkcs1-sha256, "
		    "..., rsa-pss-sha512, got '%.64s'", mpath, line, alg_name);
		goto out;
	}
	if (alg_entry->key != pin->key->type) {
		r = clv_diag_set(diag, CLV_E_KEY_MISMATCH,
		    "%s:%u: signature: %s does not go with the %s key pinned for producer '%s'",
		    mpath, line, alg_name, pin->key->type == CLV_KEY_EC ? "EC" : "RSA", producer);
		goto out;
	}
	sigalg_literal(alg_entry, &alg);
	r = clv_verify(pin->key, &alg, manifest->data, manifest->len, sig->data, sig->len);
	if (r == CLV_E_SIG_INVALID || r == CLV_E_FORMAT || r == CLV_E_DER) {
		r = clv_diag_set(diag, CLV_E_SIG_INVALID,
		    "%s/%s: the signature over MANIFEST does not verify with the key pinned "
		    "for producer '%s' (%s): MANIFEST or MANIFEST.sig was altered", dir,
		    CLV_BUNDLE_SIGNATURE, producer, pin_hex);
		goto out;
	}
	if (r != 0) {
		r = clv_diag_set(diag, r, "%s/%s: cannot verify the signature: %s", dir,
		    CLV_BUNDLE_SIGNATURE, clv_strerror(r));
		goto out;
	}

	*conf_out = conf;
	conf = NULL;
	*alg_out = alg_entry;
	r = 0;
out:
	clv_conf_free(conf);
	return r;
}

/* 1 if the signature verifies with any pinned key, under any algorithm that
 * goes with it (used only to tell an altered manifest from a malformed one). */
static int
any_pin_verifies(const clv_bundle_expect_t *expect, const clv_buf_t *manifest,
    const clv_buf_t *sig)
{
	clv_sigalg_t alg;
	size_t i, j;

	for (i = 0; i < expect->n_pins; i++) {
		if (expect->pins[i].key == NULL)
			continue;
		for (j = 0; sigalgs[j].name != NULL; j++) {
			if (sigalgs[j].key != expect->pins[i].key->type)
				continue;
			sigalg_literal(&sigalgs[j], &alg);
			if (clv_verify(expect->pins[i].key, &alg, manifest->data, manifest->len,
			    sig->data, sig->len) == 0)
				return 1;
		}
	}
	return 0;
}

int
clv_bundle_verify(const char *dir, const clv_bundle_expect_t *expect, clv_bundle_t **out,
    clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL, dfd = -1, fd = -1;
	char real[PATH_MAX], base[NAME_MAX + 1], mpath[PATH_MAX + 16];
	char fp_hex[65], got_hex[65], created_s[21], allowed[160];
	clv_buf_t manifest = { NULL, 0 }, sig = { NULL, 0 }, canon = { NULL, 0 }, data = { NULL, 0 };
	clv_conf_t *conf = NULL;
	clv_conf_section_t *bsec, *sec;
	const char *producer, *v;
	const bundle_sigalg_t *alg_entry = NULL;
	unsigned char signer_fp[32], sha[32];
	clv_diag_t early;
	unsigned line;
	clv_bundle_t *b = NULL;
	clv_bundle_header_t h;
	listed_t *l = NULL;
	size_t n = 0, i, j, size;
	uint64_t last = 0;
	const char *exp_line;
	size_t exp_len;

	if (out == NULL || dir == NULL || expect == NULL || expect->recipient == NULL ||
	    (expect->pins == NULL && expect->n_pins > 0))
		return CLV_E_INVALID_ARG;
	*out = NULL;
	memset(&h, 0, sizeof(h));

	/* an unfinished export is never imported, whatever it holds */
	if (realpath(dir, real) == NULL) {
		r = clv_diag_set(diag, errno == ENOENT ? CLV_E_FILE_NOT_FOUND : CLV_E_IO,
		    "%s: cannot open the bundle directory: %s", dir, strerror(errno));
		goto out;
	}
	if ((r = last_component(real, base, sizeof(base))) != 0)
		goto out;
	if (strstr(base, CLV_BUNDLE_PARTIAL_MARK) != NULL) {
		r = clv_diag_set(diag, CLV_E_INTEGRITY,
		    "%s: the name '%s' marks an unfinished export (it contains '%s'); such a "
		    "directory is never imported", dir, base, CLV_BUNDLE_PARTIAL_MARK);
		goto out;
	}
	if ((dfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = clv_diag_set(diag, CLV_E_IO, "%s: not a directory that can be opened: %s",
		    dir, strerror(errno));
		goto out;
	}
	snprintf(mpath, sizeof(mpath), "%s/%s", dir, CLV_BUNDLE_MANIFEST);
	if ((r = read_control(dir, dfd, CLV_BUNDLE_SIGNATURE, SIGNATURE_MAX, &sig, diag)) != 0 ||
	    (r = read_control(dir, dfd, CLV_BUNDLE_MANIFEST, MANIFEST_MAX, &manifest, diag)) != 0)
		goto out;

	/* the signature first, with the key pinned for the producer named */
	clv_diag_clear(&early);
	r = check_signature(dir, mpath, &manifest, &sig, expect, &conf, &alg_entry, signer_fp,
	    &early);
	if (r == CLV_E_FORMAT && !any_pin_verifies(expect, &manifest, &sig)) {
		/* unreadable, and signed by no one we know: most likely altered */
		r = clv_diag_set(diag, CLV_E_SIG_INVALID, "%s/%s: the signature over MANIFEST "
		    "does not verify with any pinned producer key: MANIFEST or MANIFEST.sig was "
		    "altered (%.700s)", dir, CLV_BUNDLE_SIGNATURE, early.msg);
		goto out;
	}
	if (r != 0) {
		if (diag != NULL)
			*diag = early;
		goto out;
	}
	bsec = &conf->sections[1];
	producer = conf_value(bsec, "producer", NULL);

	/* signed: now the rest of the manifest */
	h.producer = producer;
	if ((r = conf_need(bsec, mpath, "format", &v, &line, diag)) != 0)
		goto out;
	if (strcmp(v, FORMAT_VERSION) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: format: expected " FORMAT_VERSION
		    ", got '%.32s'", mpath, line, v);
		goto out;
	}
	if (!is_valid_id(producer)) {
		conf_value(bsec, "producer", &line);
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: producer: expected 1 to %d of "
		    "A-Z a-z 0-9 . _ : -, got '%.64s'", mpath, line, CLV_BUNDLE_MAX_ID, producer);
		goto out;
	}
	if ((r = conf_need(bsec, mpath, "recipient", &h.recipient, &line, diag)) != 0)
		goto out;
	if (!is_valid_id(h.recipient)) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: recipient: expected 1 to %d of "
		    "A-Z a-z 0-9 . _ : -, got '%.64s'", mpath, line, CLV_BUNDLE_MAX_ID,
		    h.recipient);
		goto out;
	}
	if ((r = conf_need(bsec, mpath, "purpose", &v, &line, diag)) != 0)
		goto out;
	if ((h.purpose = clv_bundle_purpose_by_name(v)) == CLV_BUNDLE_PURPOSE_NONE) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: purpose: expected ds-certificates, "
		    "pkd-publication, csr-request, cv-request or cv-certificates, got '%.64s'",
		    mpath, line, v);
		goto out;
	}
	if ((r = conf_need(bsec, mpath, "sequence", &v, &line, diag)) != 0)
		goto out;
	if (parse_u64(v, &h.sequence) != 0 || h.sequence == 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: sequence: expected a whole number "
		    "from 1 to %llu, got '%.32s'", mpath, line, (unsigned long long)UINT64_MAX, v);
		goto out;
	}
	if ((r = conf_need(bsec, mpath, "created", &v, &line, diag)) != 0)
		goto out;
	if (clv_time_parse(v, &h.created) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: created: expected "
		    "YYYY-MM-DDTHH:MM:SSZ, got '%.32s'", mpath, line, v);
		goto out;
	}
	if ((r = conf_need(bsec, mpath, "rehearsal", &v, &line, diag)) != 0)
		goto out;
	if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: rehearsal: expected yes or no, "
		    "got '%.32s'", mpath, line, v);
		goto out;
	}
	h.rehearsal = strcmp(v, "yes") == 0;

	if (conf->n_sections - 2 > CLV_BUNDLE_MAX_ARTIFACTS) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: %zu artifacts, expected at most %d",
		    mpath, conf->n_sections - 2, CLV_BUNDLE_MAX_ARTIFACTS);
		goto out;
	}
	if (conf->n_sections < 3) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: no [artifact NAME] section: a bundle "
		    "holds at least one artifact", mpath);
		goto out;
	}
	if ((l = calloc(conf->n_sections - 2, sizeof(*l))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	for (i = 2; i < conf->n_sections; i++) {
		sec = &conf->sections[i];
		if (strcmp(sec->name, "artifact") != 0 || !is_valid_name(sec->arg)) {
			r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: expected [artifact NAME] with "
			    "NAME 1 to %d of A-Z a-z 0-9 . _ -, not starting with '.' or MANIFEST",
			    mpath, sec->line, CLV_BUNDLE_MAX_NAME);
			goto out;
		}
		for (j = 0; j < n; j++)
			if (strcasecmp(l[j].name, sec->arg) == 0) {
				r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: artifact '%s' repeats "
				    "'%s' (line %u); names differ in more than case", mpath,
				    sec->line, sec->arg, l[j].name, l[j].line);
				goto out;
			}
		l[n].name = sec->arg;
		l[n].line = sec->line;
		if ((r = conf_need(sec, mpath, "type", &v, &line, diag)) != 0)
			goto out;
		if ((l[n].type = clv_artifact_type_by_name(v)) == CLV_ARTIFACT_NONE) {
			r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: type: expected certificate, "
			    "crl, master-list, deviation-list, csr, cv-request, cv-certificate or "
			    "other, got '%.32s'", mpath, line, v);
			goto out;
		}
		if (!clv_bundle_type_is_allowed(h.purpose, l[n].type)) {
			allowed_types(h.purpose, allowed, sizeof(allowed));
			r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: type: a %s bundle carries %s, "
			    "not %s", mpath, line, clv_bundle_purpose_name(h.purpose), allowed, v);
			goto out;
		}
		if ((r = conf_need(sec, mpath, "size", &v, &line, diag)) != 0)
			goto out;
		{
			uint64_t s;

			if (parse_u64(v, &s) != 0 || s > CLV_BUNDLE_MAX_ARTIFACT_SIZE) {
				r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: size: expected a whole "
				    "number of bytes up to %u, got '%.32s'", mpath, line,
				    CLV_BUNDLE_MAX_ARTIFACT_SIZE, v);
				goto out;
			}
			l[n].size = (size_t)s;
		}
		if ((r = conf_need(sec, mpath, "sha256", &v, &line, diag)) != 0)
			goto out;
		if (parse_sha256_hex(v, l[n].sha256) != 0) {
			r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: sha256: expected 64 lower-case "
			    "hex digits", mpath, line);
			goto out;
		}
		n++;
	}
	if ((r = clv_conf_check_unused(conf, CLV_E_FORMAT, diag)) != 0)
		goto out;
	/* one text for one bundle: what is signed is exactly what was read */
	{
		clv_bundle_artifact_t *a;

		if ((a = calloc(n, sizeof(*a))) == NULL) {
			r = CLV_E_NOMEM;
			goto out;
		}
		for (i = 0; i < n; i++) {
			a[i].name = l[i].name;
			a[i].type = l[i].type;
			a[i].len = l[i].size;
			memcpy(a[i].sha256, l[i].sha256, 32);
		}
		r = manifest_render(&h, alg_entry->name, signer_fp, a, n, &canon);
		free(a);
		if (r != 0)
			goto out;
	}
	if (canon.len != manifest.len || memcmp(canon.data, manifest.data, canon.len) != 0) {
		line = first_diff_line(&manifest, &canon, &exp_line, &exp_len);
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: not in the canonical form of "
		    "conclave-bundle(5): expected '%.*s'", mpath, line,
		    (int)(exp_len > 200 ? 200 : exp_len), exp_line);
		goto out;
	}

	/* is it for us, for this step, new, and of the right kind? */
	if (strcmp(h.recipient, expect->recipient) != 0) {
		conf_value(bsec, "recipient", &line);
		r = clv_diag_set(diag, CLV_E_POLICY, "%s:%u: recipient: the bundle is for '%s', "
		    "expected '%s' (this system): a bundle for someone else, or the wrong medium",
		    mpath, line, h.recipient, expect->recipient);
		goto out;
	}
	if (h.purpose != expect->purpose) {
		conf_value(bsec, "purpose", &line);
		r = clv_diag_set(diag, CLV_E_POLICY, "%s:%u: purpose: the bundle is a %s "
		    "bundle, this step expects %s", mpath, line, clv_bundle_purpose_name(h.purpose),
		    clv_bundle_purpose_name(expect->purpose) ? clv_bundle_purpose_name(
		    expect->purpose) : "(none)");
		goto out;
	}
	if (h.rehearsal && expect->production) {
		conf_value(bsec, "rehearsal", &line);
		r = clv_diag_set(diag, CLV_E_REHEARSAL, "%s:%u: rehearsal: the bundle was made "
		    "in a rehearsal (rehearsal = yes); a production system imports only "
		    "rehearsal = no", mpath, line);
		goto out;
	}
	if (expect->last_seen_fn != NULL) {
		if ((r = expect->last_seen_fn(expect->last_seen_ctx, h.producer, h.recipient,
		    &last)) != 0) {
			r = clv_diag_set(diag, r, "%s: cannot look up the last sequence number "
			    "accepted from '%s': %s", mpath, h.producer, clv_strerror(r));
			goto out;
		}
	} else
		last = expect->last_seen;
	if (h.sequence <= last) {
		conf_value(bsec, "sequence", &line);
		r = clv_diag_set(diag, CLV_E_POLICY, "%s:%u: sequence: %llu was already seen: "
		    "expected more than %llu, the last accepted from '%s' to '%s' (a replayed or "
		    "stale bundle)", mpath, line, (unsigned long long)h.sequence,
		    (unsigned long long)last, h.producer, h.recipient);
		goto out;
	}

	/* the directory holds exactly what is listed, each file as listed */
	if ((r = check_listing(dir, dfd, l, n, diag)) != 0)
		goto out;
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->artifacts = calloc(n, sizeof(*b->artifacts))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = open_regular_at(dfd, l[i].name, &fd, &size)) != 0) {
			r = clv_diag_set(diag, r == CLV_E_FILE_NOT_FOUND ? CLV_E_INTEGRITY : r,
			    "%s/%s: cannot open the artifact", dir, l[i].name);
			goto out;
		}
		if (size != l[i].size) {
			r = clv_diag_set(diag, CLV_E_INTEGRITY, "%s/%s: size: expected %zu bytes "
			    "(MANIFEST line %u), got %zu", dir, l[i].name, l[i].size, l[i].line, size);
			goto out;
		}
		if ((r = read_fd(fd, size, &data)) != 0) {
			r = clv_diag_set(diag, r, "%s/%s: cannot read %zu bytes: the file changed "
			    "or the medium failed", dir, l[i].name, size);
			goto out;
		}
		close(fd);
		fd = -1;
		if ((r = clv_sha256(data.data, data.len, sha)) != 0)
			goto out;
		if (memcmp(sha, l[i].sha256, 32) != 0) {
			clv_hex(l[i].sha256, 32, fp_hex);
			clv_hex(sha, 32, got_hex);
			r = clv_diag_set(diag, CLV_E_INTEGRITY, "%s/%s: sha256: expected %s "
			    "(MANIFEST line %u), got %s: the artifact was altered", dir, l[i].name,
			    fp_hex, l[i].line, got_hex);
			goto out;
		}
		if ((b->artifacts[i].name = strdup(l[i].name)) == NULL) {
			r = CLV_E_NOMEM;
			goto out;
		}
		b->n_artifacts = i + 1;
		b->artifacts[i].type = l[i].type;
		b->artifacts[i].data = data.data;
		b->artifacts[i].len = data.len;
		memcpy(b->artifacts[i].sha256, sha, 32);
		data.data = NULL;
		data.len = 0;
	}
	if ((b->header.producer = strdup(h.producer)) == NULL ||
	    (b->header.recipient = strdup(h.recipient)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	b->header.purpose = h.purpose;
	b->header.sequence = h.sequence;
	b->header.created = h.created;
	b->header.rehearsal = h.rehearsal;
	memcpy(b->signer_sha256, signer_fp, 32);
	if ((r = clv_sha256(manifest.data, manifest.len, b->manifest_sha256)) != 0)
		goto out;
	clv_time_format(h.created, created_s);
	clv_debug("%s: verified: %s -> %s, %s #%llu of %s, %zu artifacts", dir, h.producer,
	    h.recipient, clv_bundle_purpose_name(h.purpose), (unsigned long long)h.sequence,
	    created_s, n);
	*out = b;
	b = NULL;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	clv_bundle_free(b);
	free(l);
	clv_conf_free(conf);
	clv_buf_free(&manifest);
	clv_buf_free(&sig);
	clv_buf_free(&canon);
	clv_buf_free(&data);
	return r;
}

/* ---- export ---- */

/* Checks what the caller asks to export; diag names the field. */
static int
check_export_args(const char *target, const clv_bundle_header_t *h,
    const clv_bundle_artifact_t *a, size_t n, const clv_bundle_signer_t *s,
    const bundle_sigalg_t **alg_entry, clv_diag_t *diag)
{
	char base[NAME_MAX + 1], allowed[160];
	size_t i, j;

	if (last_component(target, base, sizeof(base)) != 0 || base[0] == '\0' ||
	    strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strcmp(base, "/") == 0)
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "%s: expected the path of a new "
		    "directory", target);
	if (strstr(base, CLV_BUNDLE_PARTIAL_MARK) != NULL)
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "%s: a bundle's name may not "
		    "contain '%s', which marks unfinished exports", target,
		    CLV_BUNDLE_PARTIAL_MARK);
	if (!is_valid_id(h->producer))
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "bundle producer: expected 1 to %d "
		    "of A-Z a-z 0-9 . _ : -, starting with a letter or digit, got '%.64s'",
		    CLV_BUNDLE_MAX_ID, h->producer ? h->producer : "");
	if (!is_valid_id(h->recipient))
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "bundle recipient: expected 1 to %d "
		    "of A-Z a-z 0-9 . _ : -, starting with a letter or digit, got '%.64s'",
		    CLV_BUNDLE_MAX_ID, h->recipient ? h->recipient : "");
	if (h->purpose == CLV_BUNDLE_PURPOSE_NONE || clv_bundle_purpose_name(h->purpose) == NULL)
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "bundle purpose: unknown value %d",
		    (int)h->purpose);
	if (h->sequence == 0)
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "bundle sequence: expected 1 or "
		    "more, got 0");
	if (n == 0 || n > CLV_BUNDLE_MAX_ARTIFACTS)
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "bundle: %zu artifacts, expected 1 "
		    "to %d", n, CLV_BUNDLE_MAX_ARTIFACTS);
	for (i = 0; i < n; i++) {
		if (!is_valid_name(a[i].name))
			return clv_diag_set(diag, CLV_E_INVALID_ARG, "artifact name '%.128s': "
			    "expected 1 to %d of A-Z a-z 0-9 . _ -, not starting with '.' or "
			    "MANIFEST", a[i].name ? a[i].name : "", CLV_BUNDLE_MAX_NAME);
		for (j = 0; j < i; j++)
			if (strcasecmp(a[i].name, a[j].name) == 0)
				return clv_diag_set(diag, CLV_E_INVALID_ARG, "artifact name '%s' "
				    "repeats '%s': names must differ in more than case", a[i].name,
				    a[j].name);
		if (!clv_bundle_type_is_allowed(h->purpose, a[i].type)) {
			allowed_types(h->purpose, allowed, sizeof(allowed));
			return clv_diag_set(diag, CLV_E_INVALID_ARG, "artifact '%s': type %s: a %s "
			    "bundle carries %s", a[i].name, clv_artifact_type_name(a[i].type) ?
			    clv_artifact_type_name(a[i].type) : "(unknown)",
			    clv_bundle_purpose_name(h->purpose), allowed);
		}
		if (a[i].data == NULL && a[i].len > 0)
			return CLV_E_INVALID_ARG;
		if (a[i].len > CLV_BUNDLE_MAX_ARTIFACT_SIZE)
			return clv_diag_set(diag, CLV_E_INVALID_ARG, "artifact '%s': %zu bytes, "
			    "expected at most %u", a[i].name, a[i].len, CLV_BUNDLE_MAX_ARTIFACT_SIZE);
	}
	if (s->sign == NULL || s->key == NULL)
		return CLV_E_INVALID_ARG;
	if ((*alg_entry = sigalg_by_alg(&s->alg)) == NULL || (*alg_entry)->key != s->key->type)
		return clv_diag_set(diag, CLV_E_UNSUPPORTED_ALG, "bundle signature: expected "
		    "ECDSA or RSA (PKCS#1 v1.5 or PSS) with SHA-256, -384 or -512 matching the "
		    "signer's key");
	return 0;
}

/* The test hook at a named point: CLV_E_INTERNAL and *crashed if it stops the export. */
static int
hook_point(clv_bundle_test_hook_fn *hook, void *ctx, const char *point, const char *path,
    int *crashed)
{
	if (hook == NULL || hook(ctx, point, path) == 0)
		return 0;
	clv_debug("export stopped by the test hook at %s (%s)", point, path);
	*crashed = 1;
	return CLV_E_INTERNAL;
}

/* Removes what an export that failed before its rename wrote. */
static void
remove_partial(const char *partial, const clv_bundle_artifact_t *a, size_t n)
{
	char p[PATH_MAX];
	size_t i;

	for (i = 0; i < n; i++)
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", partial, a[i].name) < sizeof(p))
			(void)unlink(p);
	snprintf(p, sizeof(p), "%s/%s", partial, CLV_BUNDLE_MANIFEST);
	(void)unlink(p);
	snprintf(p, sizeof(p), "%s/%s", partial, CLV_BUNDLE_SIGNATURE);
	(void)unlink(p);
	if (rmdir(partial) != 0)
		clv_warn("%s: cannot remove the partial export: %s", partial, strerror(errno));
}

/* The read-back: target is a bundle that verifies with the signer's key and
 * holds exactly the artifacts exported, byte for byte. */
static int
read_back(const char *target, const clv_bundle_header_t *h, const clv_bundle_artifact_t *a,
    size_t n, const clv_bundle_signer_t *s, const clv_buf_t *manifest, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	clv_bundle_pin_t pin;
	clv_bundle_expect_t ex;
	clv_bundle_t *b = NULL;
	unsigned char sha[32];
	size_t i;

	drop_cache(target, CLV_BUNDLE_MANIFEST);
	drop_cache(target, CLV_BUNDLE_SIGNATURE);
	for (i = 0; i < n; i++)
		drop_cache(target, a[i].name);
	pin.producer = h->producer;
	pin.key = s->key;
	memset(&ex, 0, sizeof(ex));
	ex.recipient = h->recipient;
	ex.purpose = h->purpose;
	ex.production = 0;
	ex.pins = &pin;
	ex.n_pins = 1;
	ex.last_seen = h->sequence - 1;
	if ((r = clv_bundle_verify(target, &ex, &b, diag)) != 0)
		goto out;
	if ((r = clv_sha256(manifest->data, manifest->len, sha)) != 0)
		goto out;
	r = CLV_E_INTEGRITY;
	if (memcmp(sha, b->manifest_sha256, 32) != 0 || b->n_artifacts != n ||
	    b->header.sequence != h->sequence || b->header.rehearsal != (h->rehearsal != 0) ||
	    b->header.created != h->created) {
		r = clv_diag_set(diag, r, "%s: the manifest read back is not the one written",
		    target);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (strcmp(b->artifacts[i].name, a[i].name) != 0 || b->artifacts[i].len != a[i].len ||
		    b->artifacts[i].type != a[i].type ||
		    (a[i].len > 0 && memcmp(b->artifacts[i].data, a[i].data, a[i].len) != 0)) {
			r = clv_diag_set(diag, r, "%s/%s: the artifact read back is not the one "
			    "written", target, a[i].name);
			goto out;
		}
	r = 0;
out:
	clv_bundle_free(b);
	return r;
}

int
clv_bundle_export_hooked(const char *target, const clv_bundle_header_t *header,
    const clv_bundle_artifact_t *artifacts, size_t n_artifacts,
    const clv_bundle_signer_t *signer, unsigned char manifest_sha256[32],
    clv_bundle_test_hook_fn *hook, void *hook_ctx, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL, made = 0, renamed = 0, crashed = 0, rr;
	char tgt[PATH_MAX], parent[PATH_MAX], partial[PATH_MAX], aside[PATH_MAX];
	char p[PATH_MAX], rhex[13], fp_hex[65];
	unsigned char rnd[6], signer_fp[32];
	const bundle_sigalg_t *alg_entry = NULL;
	clv_bundle_artifact_t *a = NULL;
	clv_buf_t manifest = { NULL, 0 }, sig = { NULL, 0 };
	clv_sigalg_t alg;
	clv_diag_t inner;
	struct stat st;
	size_t i, tl;
	char *slash;

	if (target == NULL || header == NULL || signer == NULL ||
	    (artifacts == NULL && n_artifacts > 0))
		return CLV_E_INVALID_ARG;
	if ((r = check_export_args(target, header, artifacts, n_artifacts, signer, &alg_entry,
	    diag)) != 0)
		goto out;
	/* the target without trailing slashes, and its parent */
	tl = strlen(target);
	while (tl > 1 && target[tl - 1] == '/')
		tl--;
	if (tl >= sizeof(tgt) - 32) {
		r = clv_diag_set(diag, CLV_E_INVALID_ARG, "%s: path too long", target);
		goto out;
	}
	memcpy(tgt, target, tl);
	tgt[tl] = '\0';
	memcpy(parent, tgt, tl + 1);
	if ((slash = strrchr(parent, '/')) == NULL)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	if (lstat(tgt, &st) == 0) {
		r = clv_diag_set(diag, CLV_E_OUTPUT_EXISTS, "%s: already exists; outputs are "
		    "never overwritten", tgt);
		goto out;
	}
	if (errno != ENOENT) {
		r = clv_diag_set(diag, CLV_E_IO, "%s: cannot check the target: %s", tgt,
		    strerror(errno));
		goto out;
	}

	/* the manifest and its signature, before anything is written */
	if ((a = calloc(n_artifacts, sizeof(*a))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	for (i = 0; i < n_artifacts; i++) {
		a[i] = artifacts[i];
		if ((r = clv_sha256(a[i].data, a[i].len, a[i].sha256)) != 0)
			goto out;
	}
	if ((r = clv_bundle_key_fingerprint(signer->key, signer_fp)) != 0 ||
	    (r = manifest_render(header, alg_entry->name, signer_fp, a, n_artifacts,
	    &manifest)) != 0)
		goto out;
	sigalg_literal(alg_entry, &alg);
	if ((r = signer->sign(signer->ctx, &alg, manifest.data, manifest.len, &sig)) != 0) {
		r = clv_diag_set(diag, r, "%s: cannot sign the manifest: %s", tgt,
		    clv_strerror(r));
		goto out;
	}
	if (clv_verify(signer->key, &alg, manifest.data, manifest.len, sig.data, sig.len) != 0) {
		clv_hex(signer_fp, 32, fp_hex);
		r = clv_diag_set(diag, CLV_E_KEY_MISMATCH, "%s: the manifest's signature does not "
		    "verify with the signer's public key %s: the signing key and the public "
		    "key given are not a pair", tgt, fp_hex);
		goto out;
	}

	/* TARGET.partial-XXXXXXXXXXXX: never imported, whatever state it is left in */
	clv_gcry_init();
	gcry_create_nonce(rnd, sizeof(rnd));
	clv_hex(rnd, sizeof(rnd), rhex);
	snprintf(partial, sizeof(partial), "%s%s%s", tgt, CLV_BUNDLE_PARTIAL_MARK, rhex);
	if (mkdir(partial, 0755) != 0) {
		r = clv_diag_set(diag, errno == EEXIST ? CLV_E_OUTPUT_EXISTS : CLV_E_IO,
		    "%s: cannot create the export directory: %s", partial, strerror(errno));
		goto out;
	}
	made = 1;
	if ((r = hook_point(hook, hook_ctx, "partial-created", partial, &crashed)) != 0)
		goto out;
	for (i = 0; i < n_artifacts; i++) {
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", partial, a[i].name) >= sizeof(p)) {
			r = clv_diag_set(diag, CLV_E_INVALID_ARG, "%s/%s: path too long", partial,
			    a[i].name);
			goto out;
		}
		if ((r = clv_file_write_new(p, a[i].data, a[i].len, 0644, diag)) != 0)
			goto out;
		if ((r = hook_point(hook, hook_ctx, "artifact-written", p, &crashed)) != 0)
		goto out;
	}
	snprintf(p, sizeof(p), "%s/%s", partial, CLV_BUNDLE_MANIFEST);
	if ((r = clv_file_write_new(p, manifest.data, manifest.len, 0644, diag)) != 0)
		goto out;
	if ((r = hook_point(hook, hook_ctx, "manifest-written", p, &crashed)) != 0)
		goto out;
	snprintf(p, sizeof(p), "%s/%s", partial, CLV_BUNDLE_SIGNATURE);
	if ((r = clv_file_write_new(p, sig.data, sig.len, 0644, diag)) != 0)
		goto out;
	if ((r = hook_point(hook, hook_ctx, "signature-written", p, &crashed)) != 0)
		goto out;
	if (fsync_dir(partial) != 0) {
		r = clv_diag_set(diag, CLV_E_IO, "%s: cannot fsync the directory: %s", partial,
		    strerror(errno));
		goto out;
	}
	if ((r = hook_point(hook, hook_ctx, "partial-synced", partial, &crashed)) != 0)
		goto out;
	if ((r = rename_noreplace(partial, tgt)) != 0) {
		if (r == CLV_E_OUTPUT_EXISTS)
			r = clv_diag_set(diag, r, "%s: already exists; outputs are never "
			    "overwritten", tgt);
		else
			r = clv_diag_set(diag, r, "%s: cannot rename %s to it: %s", tgt, partial,
			    strerror(errno));
		goto out;
	}
	made = 0;
	renamed = 1;
	if ((r = hook_point(hook, hook_ctx, "renamed", tgt, &crashed)) != 0)
		goto out;
	if (fsync_dir(parent) != 0) {
		r = clv_diag_set(diag, CLV_E_IO, "%s: cannot fsync the directory: %s", parent,
		    strerror(errno));
		goto out;
	}
	if ((r = hook_point(hook, hook_ctx, "parent-synced", tgt, &crashed)) != 0)
		goto out;
	clv_diag_clear(&inner);
	if ((r = read_back(tgt, header, a, n_artifacts, signer, &manifest, &inner)) != 0) {
		r = clv_diag_set(diag, r == CLV_E_NOMEM ? r : CLV_E_INTEGRITY, "%s: written, "
		    "but it does not read back: %s", tgt, inner.msg);
		goto out;
	}
	if (manifest_sha256 != NULL)
		clv_sha256(manifest.data, manifest.len, manifest_sha256);
	clv_info("%s: bundle %s -> %s, %s #%llu, %zu artifacts, written and verified", tgt,
	    header->producer, header->recipient, clv_bundle_purpose_name(header->purpose),
	    (unsigned long long)header->sequence, n_artifacts);
	r = 0;
out:
	if (r != 0 && !crashed) {
		if (made)
			remove_partial(partial, a, n_artifacts);
		if (renamed && r != CLV_E_NOMEM) {
			/* it does not read back: out of the way, under a name never imported */
			snprintf(aside, sizeof(aside), "%s%s%s-unverified", tgt,
			    CLV_BUNDLE_PARTIAL_MARK, rhex);
			if ((rr = rename_noreplace(tgt, aside)) == 0) {
				(void)fsync_dir(parent);
				clv_error("%s: moved aside to %s: it did not read back", tgt, aside);
			} else
				clv_error("%s: does not read back and cannot be moved aside (%s); "
				    "do not use it", tgt, clv_strerror(rr));
		}
	}
	free(a);
	clv_buf_free(&manifest);
	clv_buf_free(&sig);
	return r;
}

int
clv_bundle_export(const char *target, const clv_bundle_header_t *header,
    const clv_bundle_artifact_t *artifacts, size_t n_artifacts,
    const clv_bundle_signer_t *signer, unsigned char manifest_sha256[32],
    clv_diag_t *diag)
{
	return clv_bundle_export_hooked(target, header, artifacts, n_artifacts, signer,
	    manifest_sha256, NULL, NULL, diag);
}
