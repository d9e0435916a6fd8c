/* Error codes, diagnostics and the debug log. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clv.h"

static const struct {
	int code;
	const char *text;
} error_table[] = {
	{ CLV_OK, "success" },
	{ CLV_E_INTERNAL, "internal error" },
	{ CLV_E_INVALID_ARG, "invalid argument" },
	{ CLV_E_USAGE, "usage error" },
	{ CLV_E_NOMEM, "out of memory" },
	{ CLV_E_MLOCK, "cannot lock memory for a secret" },
	{ CLV_E_CRYPTO, "cryptographic operation failed" },
	{ CLV_E_SIG_INVALID, "signature does not verify" },
	{ CLV_E_UNSUPPORTED_ALG, "unsupported algorithm" },
	{ CLV_E_UNSUPPORTED_CURVE, "unsupported elliptic curve" },
	{ CLV_E_KEY_MISMATCH, "public keys do not match" },
	{ CLV_E_RANDOM, "random number generation failed" },
	{ CLV_E_PKCS11, "PKCS#11 operation failed" },
	{ CLV_E_P11_MODULE, "cannot load the PKCS#11 module" },
	{ CLV_E_TOKEN_NOT_FOUND, "token not found" },
	{ CLV_E_TOKEN_AMBIGUOUS, "more than one token matches" },
	{ CLV_E_PIN_INCORRECT, "PIN incorrect" },
	{ CLV_E_PIN_LOCKED, "PIN locked" },
	{ CLV_E_KEY_EXISTS, "a key with this label already exists" },
	{ CLV_E_KEY_NOT_FOUND, "key not found on the token" },
	{ CLV_E_P11_MECHANISM, "mechanism not supported by the token" },
	{ CLV_E_NOT_LOGGED_IN, "not logged in to the token" },
	{ CLV_E_TOKEN_NOT_INITIALIZED, "token not initialised" },
	{ CLV_E_DB, "database error" },
	{ CLV_E_DB_SCHEMA, "database schema is newer than this program" },
	{ CLV_E_DB_CONSTRAINT, "database constraint violated" },
	{ CLV_E_DB_NOT_FOUND, "record not found" },
	{ CLV_E_FORMAT, "malformed input" },
	{ CLV_E_DER, "malformed DER" },
	{ CLV_E_TEMPLATE, "template error" },
	{ CLV_E_SCRIPT, "ceremony script error" },
	{ CLV_E_ANSWERS, "answers file error" },
	{ CLV_E_PEM, "malformed PEM" },
	{ CLV_E_INTEGRITY, "integrity check failed" },
	{ CLV_E_AUDIT_CHAIN, "audit chain broken" },
	{ CLV_E_TBS_MISMATCH, "signed data differs from what was linted" },
	{ CLV_E_POLICY, "refused by policy" },
	{ CLV_E_LINT, "profile lint failed" },
	{ CLV_E_OUTPUT_EXISTS, "output already exists" },
	{ CLV_E_NOT_CONFIRMED, "step not confirmed" },
	{ CLV_E_REHEARSAL, "rehearsal object in production" },
	{ CLV_E_IO, "input/output error" },
	{ CLV_E_FILE_NOT_FOUND, "file not found" },
};

const char *
clv_strerror(int code)
{
	size_t i;

	for (i = 0; i < sizeof(error_table) / sizeof(error_table[0]); i++)
		if (error_table[i].code == code)
			return error_table[i].text;
	return "unknown error";
}

int
clv_diag_set(clv_diag_t *d, int code, const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return code;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return code;
}

void
clv_diag_clear(clv_diag_t *d)
{
	if (d != NULL)
		d->msg[0] = '\0';
}

void
clv_buf_free(clv_buf_t *b)
{
	if (b == NULL)
		return;
	if (b->data != NULL) {
		explicit_bzero(b->data, b->len);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
}

int
clv_buf_set(clv_buf_t *b, const void *data, size_t len)
{
	unsigned char *p;

	if (b == NULL)
		return CLV_E_INVALID_ARG;
	if ((p = malloc(len ? len : 1)) == NULL)
		return CLV_E_NOMEM;
	if (len)
		memcpy(p, data, len);
	clv_buf_free(b);
	b->data = p;
	b->len = len;
	return 0;
}

/*
 * The log sink is process configuration set once by the program at start-up,
 * not state the library changes.
 */
static clv_log_fn *log_fn;
static void *log_ctx;
static int log_max = CLV_LOG_WARN;

void
clv_log_set_handler(clv_log_fn *fn, void *ctx, int max_level)
{
	log_fn = fn;
	log_ctx = ctx;
	log_max = max_level;
}

void
clv_log_msg(int level, const char *func, int line, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (log_fn != NULL)
		log_fn(level, func, line, buf, log_ctx);
	else
		fprintf(stderr, "conclave: %s:%d: %s\n", func, line, buf);
}
