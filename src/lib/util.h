/* Files, hashes, hex and base64, PEM. */
#ifndef CLV_UTIL_H
#define CLV_UTIL_H

#include "clv.h"

/* Hash algorithms (values are stable, stored in the database). */
typedef enum clv_hash_alg {
	CLV_HASH_NONE = 0,
	CLV_HASH_SHA1 = 1,
	CLV_HASH_SHA224 = 2,
	CLV_HASH_SHA256 = 3,
	CLV_HASH_SHA384 = 4,
	CLV_HASH_SHA512 = 5,
} clv_hash_alg_t;

#define CLV_HASH_MAX 64

size_t clv_hash_len(clv_hash_alg_t alg);
const char *clv_hash_name(clv_hash_alg_t alg);        /* "SHA-256" */
int clv_hash_gcry_algo(clv_hash_alg_t alg);           /* GCRY_MD_* */
/* Initialises libgcrypt once for the process (every core user of it calls this). */
void clv_gcry_init(void);

int clv_hash(clv_hash_alg_t alg, const void *data, size_t len,
    unsigned char out[CLV_HASH_MAX]);
int clv_sha256(const void *data, size_t len, unsigned char out[32]);

/* Lowercase hex of len bytes into out (2*len+1 bytes); with sep, "AB:CD" upper case. */
void clv_hex(const unsigned char *in, size_t len, char *out);
void clv_hex_colon(const unsigned char *in, size_t len, char *out); /* 3*len bytes */
int clv_unhex(const char *in, clv_buf_t *out);

/* Whole-file read (at most max bytes). */
int clv_file_read(const char *path, size_t max, clv_buf_t *out, clv_diag_t *diag);
/*
 * Output files are never overwritten: O_CREAT|O_EXCL|O_NOFOLLOW, written,
 * fsync'ed.  An existing file gives CLV_E_OUTPUT_EXISTS and is left as it was.
 */
int clv_file_write_new(const char *path, const void *data, size_t len, int mode,
    clv_diag_t *diag);
int clv_file_exists(const char *path);

/* PEM with the given label ("CERTIFICATE", "X509 CRL"), 64-column base64. */
int clv_pem_encode(const char *label, const unsigned char *der, size_t len, clv_buf_t *out);
/* Accepts DER or PEM input; returns DER. */
int clv_pem_or_der(const unsigned char *in, size_t len, const char *label, clv_buf_t *out);

/*
 * Secrets (PINs, shares, passphrases): mmap'ed, mlock'ed, excluded from core
 * dumps, wiped with explicit_bzero and unmapped by clv_secret_free().
 */
typedef struct clv_secret {
	unsigned char *p;
	size_t len;
	size_t cap;
} clv_secret_t;

int clv_secret_new(size_t cap, clv_secret_t **out);
void clv_secret_free(clv_secret_t *s);
/* Reads a secret from a file (mode must not be group/world readable);
 * strips one trailing newline. */
int clv_secret_read_file(const char *path, clv_secret_t **out, clv_diag_t *diag);
/* Fills with n random characters from the alphabet (libgcrypt strong RNG). */
int clv_secret_random_text(size_t n, clv_secret_t **out);

/* Process hardening for programs handling secrets: no core dumps, no ptrace. */
int clv_harden_process(void);

/* Clock: one injectable source of time. */
typedef struct clv_clock {
	time_t (*now)(void *ctx);
	void *ctx;
} clv_clock_t;

time_t clv_clock_now(const clv_clock_t *c);
void clv_clock_system(clv_clock_t *c);
/* A clock pinned to *t (tests); the caller keeps t alive. */
void clv_clock_fixed(clv_clock_t *c, time_t *t);

/* "2026-11-25T12:00:00Z" <-> time_t (UTC). */
int clv_time_parse(const char *s, time_t *out);
void clv_time_format(time_t t, char out[21]);

#endif
