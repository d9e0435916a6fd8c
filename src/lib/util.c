/* Files, hashes, hex, PEM, secrets in locked memory, the clock. */
#include "config.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gcrypt.h>
#include <gnutls/gnutls.h>

#include "util.h"

static const struct {
	clv_hash_alg_t alg;
	const char *name;
	int gcry;
	size_t len;
} hash_table[] = {
	{ CLV_HASH_SHA1, "SHA-1", GCRY_MD_SHA1, 20 },
	{ CLV_HASH_SHA224, "SHA-224", GCRY_MD_SHA224, 28 },
	{ CLV_HASH_SHA256, "SHA-256", GCRY_MD_SHA256, 32 },
	{ CLV_HASH_SHA384, "SHA-384", GCRY_MD_SHA384, 48 },
	{ CLV_HASH_SHA512, "SHA-512", GCRY_MD_SHA512, 64 },
};

static int
hash_index(clv_hash_alg_t alg)
{
	size_t i;

	for (i = 0; i < sizeof(hash_table) / sizeof(hash_table[0]); i++)
		if (hash_table[i].alg == alg)
			return (int)i;
	return -1;
}

size_t
clv_hash_len(clv_hash_alg_t alg)
{
	int i = hash_index(alg);

	return i < 0 ? 0 : hash_table[i].len;
}

const char *
clv_hash_name(clv_hash_alg_t alg)
{
	int i = hash_index(alg);

	return i < 0 ? "unknown" : hash_table[i].name;
}

int
clv_hash_gcry_algo(clv_hash_alg_t alg)
{
	int i = hash_index(alg);

	return i < 0 ? 0 : hash_table[i].gcry;
}

/* libgcrypt wants one initialisation per process before use. */
void
clv_gcry_init(void)
{
	if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
		gcry_check_version(NULL);
		gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
		gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	}
}

int
clv_hash(clv_hash_alg_t alg, const void *data, size_t len, unsigned char out[CLV_HASH_MAX])
{
	int i = hash_index(alg);

	if (i < 0 || (data == NULL && len > 0))
		return CLV_E_INVALID_ARG;
	clv_gcry_init();
	gcry_md_hash_buffer(hash_table[i].gcry, out, data, len);
	return 0;
}

int
clv_sha256(const void *data, size_t len, unsigned char out[32])
{
	unsigned char h[CLV_HASH_MAX];
	int r;

	if ((r = clv_hash(CLV_HASH_SHA256, data, len, h)) != 0)
		return r;
	memcpy(out, h, 32);
	return 0;
}

void
clv_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

void
clv_hex_colon(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	if (len == 0) {
		out[0] = '\0';
		return;
	}
	for (i = 0; i < len; i++) {
		out[3 * i] = digits[in[i] >> 4];
		out[3 * i + 1] = digits[in[i] & 0x0f];
		out[3 * i + 2] = ':';
	}
	out[3 * len - 1] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
clv_unhex(const char *in, clv_buf_t *out)
{
	size_t n, i, j;
	unsigned char *p = NULL;
	int hi, lo;

	if (in == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	n = 0;
	for (i = 0; in[i] != '\0'; i++)
		if (in[i] != ':' && in[i] != ' ')
			n++;
	if (n % 2 != 0)
		return CLV_E_FORMAT;
	if ((p = malloc(n / 2 + 1)) == NULL)
		return CLV_E_NOMEM;
	for (i = 0, j = 0; in[i] != '\0';) {
		if (in[i] == ':' || in[i] == ' ') {
			i++;
			continue;
		}
		hi = hexval((unsigned char)in[i]);
		lo = in[i + 1] ? hexval((unsigned char)in[i + 1]) : -1;
		if (hi < 0 || lo < 0) {
			free(p);
			return CLV_E_FORMAT;
		}
		p[j++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	out->data = p;
	out->len = j;
	return 0;
}

int
clv_file_read(const char *path, size_t max, clv_buf_t *out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL, fd = -1;
	struct stat st;
	unsigned char *p = NULL;
	size_t got = 0;
	ssize_t n;

	if (out == NULL || path == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		r = clv_diag_set(diag, errno == ENOENT ? CLV_E_FILE_NOT_FOUND : CLV_E_IO,
		    "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = clv_diag_set(diag, CLV_E_IO, "%s: not a regular file", path);
		goto out;
	}
	if ((size_t)st.st_size > max) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: %lld bytes, expected at most %zu",
		    path, (long long)st.st_size, max);
		goto out;
	}
	if ((p = malloc((size_t)st.st_size + 1)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, p + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = clv_diag_set(diag, CLV_E_IO, "%s: read failed", path);
			goto out;
		}
		got += (size_t)n;
	}
	p[got] = '\0';
	out->data = p;
	out->len = got;
	p = NULL;
	r = 0;
out:
	free(p);
	if (fd >= 0)
		close(fd);
	return r;
}

static int
fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, r = 0;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return CLV_E_INVALID_ARG;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return CLV_E_IO;
	if (fsync(fd) != 0)
		r = CLV_E_IO;
	close(fd);
	return r;
}

/*
 * Outputs appear whole or not at all: the bytes go to a temporary file in
 * the same directory, which is fsync'ed and then linked to the final name
 * (link(2) never replaces an existing file), and the directory is fsync'ed.
 * A crash or kill at any point leaves at most a ".tmp" file, never a
 * truncated output under its real name.
 */
int
clv_file_write_new(const char *path, const void *data, size_t len, int mode,
    clv_diag_t *diag)
{
	char tmp[PATH_MAX];
	unsigned char rnd[6];
	char rhex[13];
	int r = CLV_E_INTERNAL, fd = -1, made = 0;
	size_t done = 0;
	ssize_t n;

	if (path == NULL || (data == NULL && len > 0))
		return CLV_E_INVALID_ARG;
	if (clv_file_exists(path))
		return clv_diag_set(diag, CLV_E_OUTPUT_EXISTS,
		    "%s: output already exists; outputs are never overwritten", path);
	clv_gcry_init();
	gcry_create_nonce(rnd, sizeof(rnd));
	clv_hex(rnd, sizeof(rnd), rhex);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%s.tmp", path, rhex) >= sizeof(tmp))
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		r = clv_diag_set(diag, CLV_E_IO, "%s: cannot create: %s", path, strerror(errno));
		goto out;
	}
	made = 1;
	while (done < len) {
		n = write(fd, (const unsigned char *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = clv_diag_set(diag, CLV_E_IO, "%s: write failed: %s", path,
			    strerror(errno));
			goto out;
		}
		done += (size_t)n;
	}
	if (fsync(fd) != 0) {
		r = clv_diag_set(diag, CLV_E_IO, "%s: fsync failed: %s", path, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = clv_diag_set(diag, CLV_E_IO, "%s: close failed", path);
		goto out;
	}
	fd = -1;
	if (link(tmp, path) != 0) {
		int e1 = errno;
		/* FAT and exFAT media have no hard links: rename without replacing */
		if ((e1 == EPERM || e1 == ENOTSUP || e1 == ENOSYS) &&
		    renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0) {
			made = 0;
			goto linked;
		}
		if (e1 == EEXIST || errno == EEXIST)
			r = clv_diag_set(diag, CLV_E_OUTPUT_EXISTS,
			    "%s: output already exists; outputs are never overwritten", path);
		else
			r = clv_diag_set(diag, CLV_E_IO, "%s: cannot create: %s", path,
			    strerror(e1));
		goto out;
	}
	unlink(tmp);
	made = 0;
linked:
	if (fsync_parent(path) != 0) {
		r = clv_diag_set(diag, CLV_E_IO, "%s: cannot fsync its directory", path);
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (made)
		unlink(tmp);
	return r;
}

int
clv_file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int
clv_pem_encode(const char *label, const unsigned char *der, size_t len, clv_buf_t *out)
{
	gnutls_datum_t in, res = { NULL, 0 };
	int ret;

	if (label == NULL || der == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	in.data = (unsigned char *)der;
	in.size = (unsigned)len;
	if ((ret = gnutls_pem_base64_encode2(label, &in, &res)) < 0) {
		clv_error("gnutls_pem_base64_encode2: %s", gnutls_strerror(ret));
		return CLV_E_PEM;
	}
	if (clv_buf_set(out, res.data, res.size) != 0) {
		gnutls_free(res.data);
		return CLV_E_NOMEM;
	}
	gnutls_free(res.data);
	return 0;
}

int
clv_pem_or_der(const unsigned char *in, size_t len, const char *label, clv_buf_t *out)
{
	gnutls_datum_t d, res = { NULL, 0 };
	int ret;

	if (in == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (len > 0 && in[0] == 0x30)
		return clv_buf_set(out, in, len);
	d.data = (unsigned char *)in;
	d.size = (unsigned)len;
	if ((ret = gnutls_pem_base64_decode2(label, &d, &res)) < 0) {
		clv_debug("gnutls_pem_base64_decode2: %s", gnutls_strerror(ret));
		return CLV_E_PEM;
	}
	ret = clv_buf_set(out, res.data, res.size);
	gnutls_free(res.data);
	return ret;
}

int
clv_secret_new(size_t cap, clv_secret_t **out)
{
	clv_secret_t *s = NULL;
	void *p;
	long page = sysconf(_SC_PAGESIZE);
	size_t maplen;

	if (out == NULL || cap == 0 || cap > 65536)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if (page <= 0)
		page = 4096;
	maplen = (cap + (size_t)page - 1) / (size_t)page * (size_t)page;
	p = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return CLV_E_NOMEM;
	if (mlock(p, maplen) != 0) {
		clv_error("mlock: %s", strerror(errno));
		munmap(p, maplen);
		return CLV_E_MLOCK;
	}
#ifdef MADV_DONTDUMP
	(void)madvise(p, maplen, MADV_DONTDUMP);
#endif
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		munlock(p, maplen);
		munmap(p, maplen);
		return CLV_E_NOMEM;
	}
	s->p = p;
	s->cap = maplen;
	s->len = 0;
	*out = s;
	return 0;
}

void
clv_secret_free(clv_secret_t *s)
{
	if (s == NULL)
		return;
	if (s->p != NULL) {
		explicit_bzero(s->p, s->cap);
		munlock(s->p, s->cap);
		munmap(s->p, s->cap);
	}
	explicit_bzero(s, sizeof(*s));
	free(s);
}

int
clv_secret_read_file(const char *path, clv_secret_t **out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL, fd = -1;
	clv_secret_t *s = NULL;
	struct stat st;
	ssize_t n;

	if (path == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		r = clv_diag_set(diag, errno == ENOENT ? CLV_E_FILE_NOT_FOUND : CLV_E_IO,
		    "%s: cannot open secret file: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = clv_diag_set(diag, CLV_E_IO, "%s: secret file is not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		r = clv_diag_set(diag, CLV_E_POLICY,
		    "%s: secret file mode %03o: expected no group or other access (chmod 600)",
		    path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	if (st.st_size <= 0 || st.st_size > 4096) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s: secret file is %lld bytes, expected 1 to 4096", path,
		    (long long)st.st_size);
		goto out;
	}
	if ((r = clv_secret_new((size_t)st.st_size, &s)) != 0)
		goto out;
	while (s->len < (size_t)st.st_size) {
		n = read(fd, s->p + s->len, (size_t)st.st_size - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = clv_diag_set(diag, CLV_E_IO, "%s: read failed", path);
			goto out;
		}
		s->len += (size_t)n;
	}
	if (s->len > 0 && s->p[s->len - 1] == '\n')
		s->p[--s->len] = '\0';
	if (s->len > 0 && s->p[s->len - 1] == '\r')
		s->p[--s->len] = '\0';
	if (s->len == 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: secret file is empty", path);
		goto out;
	}
	*out = s;
	s = NULL;
	r = 0;
out:
	clv_secret_free(s);
	if (fd >= 0)
		close(fd);
	return r;
}

int
clv_secret_random_text(size_t n, clv_secret_t **out)
{
	/* 32 symbols without look-alikes (0/O, 1/l/I): 5 bits per character */
	static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	clv_secret_t *s = NULL;
	unsigned char *rnd = NULL;
	size_t i;
	int r;

	if (out == NULL || n == 0 || n > 1024)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if ((r = clv_secret_new(2 * n + 1, &s)) != 0)
		return r;
	rnd = s->p + n + 1;     /* scratch inside the locked page */
	clv_gcry_init();
	gcry_randomize(rnd, n, GCRY_VERY_STRONG_RANDOM);
	for (i = 0; i < n; i++)
		s->p[i] = (unsigned char)alphabet[rnd[i] & 31];
	explicit_bzero(rnd, n);
	s->p[n] = '\0';
	s->len = n;
	*out = s;
	return 0;
}

int
clv_harden_process(void)
{
	struct rlimit rl = { 0, 0 };
	int r = 0;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		r = CLV_E_INTERNAL;
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		r = CLV_E_INTERNAL;
	return r;
}

static time_t
system_now(void *ctx)
{
	(void)ctx;
	return time(NULL);
}

static time_t
fixed_now(void *ctx)
{
	return *(time_t *)ctx;
}

time_t
clv_clock_now(const clv_clock_t *c)
{
	if (c == NULL || c->now == NULL)
		return time(NULL);
	return c->now(c->ctx);
}

void
clv_clock_system(clv_clock_t *c)
{
	c->now = system_now;
	c->ctx = NULL;
}

void
clv_clock_fixed(clv_clock_t *c, time_t *t)
{
	c->now = fixed_now;
	c->ctx = t;
}

int
clv_time_parse(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;

	if (s == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0') {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
		if (end == NULL || *end != '\0')
			return CLV_E_FORMAT;
	}
	*out = timegm(&tm);
	return 0;
}

void
clv_time_format(time_t t, char out[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
