/*
 * Conclave core library: common definitions.
 *
 * Every core function returns int: 0 on success, a negative CLV_E_* code on
 * failure.  The codes live in stable numbered blocks and are never renumbered;
 * new codes are appended inside their block.
 */
#ifndef CLV_H
#define CLV_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* arguments and internal: -1xx */
#define CLV_OK                    0
#define CLV_E_INTERNAL          -100
#define CLV_E_INVALID_ARG       -101
#define CLV_E_USAGE             -102
/* memory: -2xx */
#define CLV_E_NOMEM             -200
#define CLV_E_MLOCK             -201
/* crypto: -3xx */
#define CLV_E_CRYPTO            -300
#define CLV_E_SIG_INVALID       -301
#define CLV_E_UNSUPPORTED_ALG   -302
#define CLV_E_UNSUPPORTED_CURVE -303
#define CLV_E_KEY_MISMATCH      -304
#define CLV_E_RANDOM            -305
/* PKCS#11: -4xx */
#define CLV_E_PKCS11            -400
#define CLV_E_P11_MODULE        -401
#define CLV_E_TOKEN_NOT_FOUND   -402
#define CLV_E_TOKEN_AMBIGUOUS   -403
#define CLV_E_PIN_INCORRECT     -404
#define CLV_E_PIN_LOCKED        -405
#define CLV_E_KEY_EXISTS        -406
#define CLV_E_KEY_NOT_FOUND     -407
#define CLV_E_P11_MECHANISM     -408
#define CLV_E_NOT_LOGGED_IN     -409
#define CLV_E_TOKEN_NOT_INITIALIZED -410
/* SQLite store: -5xx */
#define CLV_E_DB                -500
#define CLV_E_DB_SCHEMA         -501
#define CLV_E_DB_CONSTRAINT     -502
#define CLV_E_DB_NOT_FOUND      -503
/* formats: -6xx */
#define CLV_E_FORMAT            -600
#define CLV_E_DER               -601
#define CLV_E_TEMPLATE          -602
#define CLV_E_SCRIPT            -603
#define CLV_E_ANSWERS           -604
#define CLV_E_PEM               -605
/* integrity: -7xx */
#define CLV_E_INTEGRITY         -700
#define CLV_E_AUDIT_CHAIN       -701
#define CLV_E_TBS_MISMATCH      -702
/* policy: -8xx */
#define CLV_E_POLICY            -800
#define CLV_E_LINT              -801
#define CLV_E_OUTPUT_EXISTS     -802
#define CLV_E_NOT_CONFIRMED     -803
#define CLV_E_REHEARSAL         -804
/* files and I/O: -9xx */
#define CLV_E_IO                -900
#define CLV_E_FILE_NOT_FOUND    -901

const char *clv_strerror(int code);

/*
 * A diagnostic for errors a user can cause: which input, which field, what
 * was expected.  Functions that read user input take a clv_diag_t * (which
 * may be NULL) and fill it before returning the code.
 */
typedef struct clv_diag {
	char msg[1024];
} clv_diag_t;

/* Formats into d (if not NULL) and returns code, so callers write
 * "r = clv_diag_set(d, CLV_E_TEMPLATE, "%s:%u: ...", ...); goto out;". */
int clv_diag_set(clv_diag_t *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void clv_diag_clear(clv_diag_t *d);

/* A heap buffer.  clv_buf_free() accepts NULL and an empty buffer. */
typedef struct clv_buf {
	unsigned char *data;
	size_t len;
} clv_buf_t;

void clv_buf_free(clv_buf_t *b);
int clv_buf_set(clv_buf_t *b, const void *data, size_t len);

/* Debug log (developers' channel; never the audit trail). */
enum { CLV_LOG_ERROR = 0, CLV_LOG_WARN, CLV_LOG_INFO, CLV_LOG_DEBUG };
typedef void clv_log_fn(int level, const char *func, int line, const char *msg, void *ctx);
void clv_log_set_handler(clv_log_fn *fn, void *ctx, int max_level);
void clv_log_msg(int level, const char *func, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define clv_error(...) clv_log_msg(CLV_LOG_ERROR, __func__, __LINE__, __VA_ARGS__)
#define clv_warn(...)  clv_log_msg(CLV_LOG_WARN, __func__, __LINE__, __VA_ARGS__)
#define clv_info(...)  clv_log_msg(CLV_LOG_INFO, __func__, __LINE__, __VA_ARGS__)
#define clv_debug(...) clv_log_msg(CLV_LOG_DEBUG, __func__, __LINE__, __VA_ARGS__)

#endif /* CLV_H */
