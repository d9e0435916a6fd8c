/*
 * M-of-N quorum over a token PIN (see quorum.h): Shamir's scheme over
 * GF(256), the public share set descriptor and its canonical text, and the
 * software Shamir quorum provider.
 *
 * Field arithmetic is constant-time: multiplication is shift-and-add with
 * masks instead of branches, inversion is a^254 by a fixed chain of
 * multiplications, and no table is indexed by share or secret bytes.
 *
 * Nothing here logs a share, a secret, a PIN or any hash of one: debug lines
 * name officers and counts only.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "conf.h"
#include "quorum.h"

#define SHARE_MAX_LEN 64
#define SET_FORMAT 1

static const char check_label[] = "conclave quorum check";

/* ---- GF(256), AES polynomial x^8 + x^4 + x^3 + x + 1 ---------------------- */

unsigned char
clv_gf256_mul(unsigned char a, unsigned char b)
{
	unsigned x = a, y = b, r = 0, i;

	for (i = 0; i < 8; i++) {
		r ^= (0u - (y & 1u)) & x;
		y >>= 1;
		x = ((x << 1) ^ ((0u - (x >> 7)) & 0x11bu)) & 0xffu;
	}
	return (unsigned char)r;
}

unsigned char
clv_gf256_inv(unsigned char a)
{
	/* a^254 = a^-1 (and 0 -> 0); 254 = 0b11111110, a fixed chain */
	unsigned char a2, a3, a6, a7, a14, a15, a30, a31, a62, a63, a126, a127, r;

	a2 = clv_gf256_mul(a, a);
	a3 = clv_gf256_mul(a2, a);
	a6 = clv_gf256_mul(a3, a3);
	a7 = clv_gf256_mul(a6, a);
	a14 = clv_gf256_mul(a7, a7);
	a15 = clv_gf256_mul(a14, a);
	a30 = clv_gf256_mul(a15, a15);
	a31 = clv_gf256_mul(a30, a);
	a62 = clv_gf256_mul(a31, a31);
	a63 = clv_gf256_mul(a62, a);
	a126 = clv_gf256_mul(a63, a63);
	a127 = clv_gf256_mul(a126, a);
	r = clv_gf256_mul(a127, a127);
	return r;
}

/* 1 if equal; time depends on len only. */
static int
ct_equal(const unsigned char *a, const unsigned char *b, size_t len)
{
	unsigned d = 0;
	size_t i;

	for (i = 0; i < len; i++)
		d |= (unsigned)(a[i] ^ b[i]);
	return (int)(((d | (0u - d)) >> 31) ^ 1u) & 1;
}

/* ---- Shamir ---------------------------------------------------------------- */

int
clv_shamir_split(const unsigned char *secret, size_t len, unsigned m, unsigned n,
    unsigned char *shares)
{
	int r = CLV_E_INTERNAL;
	clv_secret_t *coef = NULL;
	unsigned i, k;
	size_t j;
	unsigned char x, y;

	if (secret == NULL || shares == NULL || len == 0 || len > SHARE_MAX_LEN ||
	    m < 2 || m > n || n > CLV_QUORUM_MAX_SHARES) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	/* coefficients a_1 .. a_{m-1} for each byte: coef[(k - 1) * len + j] */
	if ((r = clv_secret_new((size_t)(m - 1) * len, &coef)) != 0)
		goto out;
	coef->len = (size_t)(m - 1) * len;
	clv_gcry_init();
	gcry_randomize(coef->p, coef->len, GCRY_VERY_STRONG_RANDOM);

	for (i = 0; i < n; i++) {
		x = (unsigned char)(i + 1);
		for (j = 0; j < len; j++) {
			/* Horner: ((a_{m-1} x + a_{m-2}) x + ... + a_1) x + s */
			y = coef->p[(size_t)(m - 2) * len + j];
			for (k = m - 2; k >= 1; k--)
				y = (unsigned char)(clv_gf256_mul(y, x) ^
				    coef->p[(size_t)(k - 1) * len + j]);
			y = (unsigned char)(clv_gf256_mul(y, x) ^ secret[j]);
			shares[(size_t)i * len + j] = y;
		}
	}
	explicit_bzero(&y, sizeof(y));
	r = 0;
out:
	clv_secret_free(coef);
	return r;
}

int
clv_shamir_combine(const unsigned char *xs, const unsigned char *const *ys, unsigned m,
    size_t len, unsigned char *secret)
{
	unsigned char basis[CLV_QUORUM_MAX_SHARES], num, den, acc;
	unsigned i, k;
	size_t j;

	if (xs == NULL || ys == NULL || secret == NULL || len == 0 ||
	    len > SHARE_MAX_LEN || m < 2 || m > CLV_QUORUM_MAX_SHARES)
		return CLV_E_INVALID_ARG;
	for (i = 0; i < m; i++) {
		if (xs[i] == 0 || ys[i] == NULL)
			return CLV_E_INVALID_ARG;
		for (k = 0; k < i; k++)
			if (xs[k] == xs[i])
				return CLV_E_INVALID_ARG;
	}
	/* Lagrange basis at 0: l_i = prod_{k != i} x_k / (x_k - x_i) (x's are public) */
	for (i = 0; i < m; i++) {
		num = 1;
		den = 1;
		for (k = 0; k < m; k++) {
			if (k == i)
				continue;
			num = clv_gf256_mul(num, xs[k]);
			den = clv_gf256_mul(den, (unsigned char)(xs[k] ^ xs[i]));
		}
		basis[i] = clv_gf256_mul(num, clv_gf256_inv(den));
	}
	for (j = 0; j < len; j++) {
		acc = 0;
		for (i = 0; i < m; i++)
			acc ^= clv_gf256_mul(basis[i], ys[i][j]);
		secret[j] = acc;
	}
	explicit_bzero(&acc, sizeof(acc));
	return 0;
}

/* ---- descriptor helpers ------------------------------------------------------ */

static int
is_id_char(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
}

/* [a-z0-9-]+ and fits officer id storage. */
static int
id_is_valid(const char *id, size_t cap)
{
	size_t i, n = strnlen(id, cap);

	if (n == 0 || n >= cap)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_id_char((unsigned char)id[i]))
			return 0;
	return 1;
}

/* Well-formed UTF-8 without control characters, NUL-terminated within cap. */
static int
text_is_valid(const char *s, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, cap), i = 0, need, k;
	unsigned char lo, hi;

	if (n >= cap)
		return 0;
	while (i < n) {
		lo = 0x80;
		hi = 0xbf;
		if (p[i] < 0x80) {
			if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			need = 2;
		else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			need = 3;
			if (p[i] == 0xe0)
				lo = 0xa0;
			else if (p[i] == 0xed)
				hi = 0x9f;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			need = 4;
			if (p[i] == 0xf0)
				lo = 0x90;
			else if (p[i] == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		if (n - i < need || p[i + 1] < lo || p[i + 1] > hi)
			return 0;
		for (k = 2; k < need; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return 0;
		i += need;
	}
	return 1;
}

static int
purpose_is_valid(const char *p, size_t cap)
{
	return strnlen(p, cap) < cap &&
	    (strcmp(p, "user-pin") == 0 || strcmp(p, "so-pin") == 0);
}

static const char *
seal_name(clv_seal_kind_t s)
{
	switch (s) {
	case CLV_SEAL_PASSPHRASE:
		return "passphrase";
	case CLV_SEAL_CARD:
		return "card";
	default:
		return NULL;
	}
}

/* First 4 bytes of the set id in hex: how diagnostics name a set. */
static void
set_short(const clv_share_set_t *set, char out[9])
{
	clv_hex(set->set_id, 4, out);
}

/*
 * The structural checks shared by encode and the provider: bounds, officer
 * ids unique and well-formed, names present, indices a permutation of
 * 1..count.
 */
static int
set_is_consistent(const clv_share_set_t *set)
{
	unsigned k, j, seen = 0;
	const clv_share_officer_t *o;

	if (set->threshold < 2 || set->threshold > set->count ||
	    set->count > CLV_QUORUM_MAX_SHARES ||
	    !purpose_is_valid(set->purpose, sizeof(set->purpose)) ||
	    !text_is_valid(set->token_serial, sizeof(set->token_serial)) ||
	    !text_is_valid(set->token_label, sizeof(set->token_label)))
		return 0;
	for (k = 0; k < set->count; k++) {
		o = &set->officers[k];
		if (!id_is_valid(o->id, sizeof(o->id)) ||
		    !text_is_valid(o->name, sizeof(o->name)) || o->name[0] == '\0' ||
		    o->index < 1 || o->index > set->count || (seen & (1u << o->index)) ||
		    seal_name(o->seal) == NULL)
			return 0;
		seen |= 1u << o->index;
		for (j = 0; j < k; j++)
			if (strcmp(set->officers[j].id, o->id) == 0)
				return 0;
	}
	return 1;
}

/* SHA-256(salt || set_id || index || share) */
static int
commitment(const unsigned char salt[16], const unsigned char set_id[CLV_QUORUM_SET_ID_LEN],
    unsigned index, const unsigned char *share, size_t len, unsigned char out[32])
{
	int r = CLV_E_INTERNAL;
	gcry_md_hd_t md = NULL;
	gcry_error_t err;
	unsigned char ib = (unsigned char)index;
	const unsigned char *d;

	clv_gcry_init();
	if ((err = gcry_md_open(&md, GCRY_MD_SHA256, 0)) != 0) {
		clv_error("gcry_md_open: %s", gcry_strerror(err));
		r = CLV_E_CRYPTO;
		goto out;
	}
	gcry_md_write(md, salt, 16);
	gcry_md_write(md, set_id, CLV_QUORUM_SET_ID_LEN);
	gcry_md_write(md, &ib, 1);
	gcry_md_write(md, share, len);
	if ((d = gcry_md_read(md, GCRY_MD_SHA256)) == NULL) {
		r = CLV_E_CRYPTO;
		goto out;
	}
	memcpy(out, d, 32);
	r = 0;
out:
	gcry_md_close(md);
	return r;
}

/* HMAC-SHA256(key = secret, "conclave quorum check" || set_id) */
static int
check_value(const unsigned char *secret, size_t len,
    const unsigned char set_id[CLV_QUORUM_SET_ID_LEN], unsigned char out[32])
{
	int r = CLV_E_INTERNAL;
	gcry_mac_hd_t mac = NULL;
	gcry_error_t err;
	size_t outlen = 32;

	clv_gcry_init();
	if ((err = gcry_mac_open(&mac, GCRY_MAC_HMAC_SHA256, 0, NULL)) != 0 ||
	    (err = gcry_mac_setkey(mac, secret, len)) != 0 ||
	    (err = gcry_mac_write(mac, check_label, sizeof(check_label) - 1)) != 0 ||
	    (err = gcry_mac_write(mac, set_id, CLV_QUORUM_SET_ID_LEN)) != 0 ||
	    (err = gcry_mac_read(mac, out, &outlen)) != 0) {
		clv_error("HMAC-SHA256: %s", gcry_strerror(err));
		r = CLV_E_CRYPTO;
		goto out;
	}
	if (outlen != 32) {
		r = CLV_E_CRYPTO;
		goto out;
	}
	r = 0;
out:
	if (mac != NULL)
		gcry_mac_close(mac);
	return r;
}

/* ---- dealing ------------------------------------------------------------------ */

int
clv_quorum_deal(const clv_secret_t *secret, clv_share_set_t *set, clv_secret_t **shares)
{
	int r = CLV_E_INTERNAL;
	clv_secret_t *sh = NULL;
	clv_share_officer_t *o;
	unsigned k, j;
	size_t len;

	if (shares != NULL)
		*shares = NULL;
	if (secret == NULL || secret->p == NULL || set == NULL || shares == NULL ||
	    secret->len == 0 || secret->len > SHARE_MAX_LEN) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	len = secret->len;
	if (set->count < 2 || set->count > CLV_QUORUM_MAX_SHARES || set->threshold < 2 ||
	    set->threshold > set->count) {
		clv_debug("threshold %u of %u out of bounds", set->threshold, set->count);
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if (!purpose_is_valid(set->purpose, sizeof(set->purpose)) ||
	    !text_is_valid(set->token_serial, sizeof(set->token_serial)) ||
	    !text_is_valid(set->token_label, sizeof(set->token_label))) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	for (k = 0; k < set->count; k++) {
		o = &set->officers[k];
		if (!id_is_valid(o->id, sizeof(o->id)) ||
		    !text_is_valid(o->name, sizeof(o->name)) || o->name[0] == '\0' ||
		    seal_name(o->seal) == NULL ||
		    !text_is_valid(o->card, sizeof(o->card))) {
			clv_debug("officer %u of %u: bad id, name, seal or card", k + 1,
			    set->count);
			r = CLV_E_INVALID_ARG;
			goto out;
		}
		for (j = 0; j < k; j++)
			if (strcmp(set->officers[j].id, o->id) == 0) {
				clv_debug("officer id '%s' given twice", o->id);
				r = CLV_E_INVALID_ARG;
				goto out;
			}
	}

	if ((r = clv_secret_new((size_t)set->count * len, &sh)) != 0)
		goto out;
	sh->len = (size_t)set->count * len;
	if ((r = clv_shamir_split(secret->p, len, set->threshold, set->count, sh->p)) != 0)
		goto out;

	clv_gcry_init();
	gcry_randomize(set->set_id, sizeof(set->set_id), GCRY_VERY_STRONG_RANDOM);
	for (k = 0; k < set->count; k++) {
		o = &set->officers[k];
		o->index = k + 1;
		gcry_randomize(o->salt, sizeof(o->salt), GCRY_VERY_STRONG_RANDOM);
		if ((r = commitment(o->salt, set->set_id, o->index, sh->p + (size_t)k * len,
		    len, o->commitment)) != 0)
			goto out;
	}
	for (k = set->count; k < CLV_QUORUM_MAX_SHARES; k++)
		memset(&set->officers[k], 0, sizeof(set->officers[k]));
	if ((r = check_value(secret->p, len, set->set_id, set->check)) != 0)
		goto out;
	if (set->created == 0)
		set->created = time(NULL);
	clv_debug("dealt %u shares, threshold %u, purpose %s", set->count, set->threshold,
	    set->purpose);
	*shares = sh;
	sh = NULL;
	r = 0;
out:
	clv_secret_free(sh);
	return r;
}

int
clv_share_set_check_share(const clv_share_set_t *set, unsigned k, unsigned index,
    const unsigned char *share, size_t len)
{
	unsigned char c[32];
	int ok;

	if (set == NULL || share == NULL || len == 0 || len > SHARE_MAX_LEN ||
	    k >= set->count || k >= CLV_QUORUM_MAX_SHARES)
		return 0;
	if (index != set->officers[k].index || index < 1 || index > 255)
		return 0;
	if (commitment(set->officers[k].salt, set->set_id, index, share, len, c) != 0)
		return 0;
	ok = ct_equal(c, set->officers[k].commitment, sizeof(c));
	explicit_bzero(c, sizeof(c));
	return ok;
}

/* ---- canonical text ------------------------------------------------------------ */

typedef struct text_out {
	unsigned char *p;
	size_t len, cap;
	int err;
} text_out_t;

static void
put_bytes(text_out_t *t, const char *s, size_t n)
{
	unsigned char *np;
	size_t cap;

	if (t->err)
		return;
	if (t->len + n + 1 > t->cap) {
		cap = t->cap == 0 ? 1024 : t->cap;
		while (t->len + n + 1 > cap)
			cap *= 2;
		if ((np = realloc(t->p, cap)) == NULL) {
			t->err = CLV_E_NOMEM;
			return;
		}
		t->p = np;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
put(text_out_t *t, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		if (!t->err)
			t->err = CLV_E_INTERNAL;
		return;
	}
	put_bytes(t, line, (size_t)n);
}

/* key = "value", with \" and \\ escaped */
static void
put_quoted(text_out_t *t, const char *key, const char *value)
{
	const char *p;

	put(t, "%s = \"", key);
	for (p = value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			put_bytes(t, "\\", 1);
		put_bytes(t, p, 1);
	}
	put_bytes(t, "\"\n", 2);
}

static void
put_hex(text_out_t *t, const char *key, const unsigned char *b, size_t n)
{
	char hex[2 * 32 + 1];

	clv_hex(b, n, hex);
	put(t, "%s = %s\n", key, hex);
}

int
clv_share_set_encode(const clv_share_set_t *set, clv_buf_t *out)
{
	int r = CLV_E_INTERNAL;
	text_out_t t = { NULL, 0, 0, 0 };
	const clv_share_officer_t *o;
	char when[21];
	unsigned idx, k;

	if (out != NULL) {
		out->data = NULL;
		out->len = 0;
	}
	if (set == NULL || out == NULL || !set_is_consistent(set)) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	for (k = 0; k < set->count; k++) {
		o = &set->officers[k];
		if (!text_is_valid(o->card, sizeof(o->card)) ||
		    (o->seal == CLV_SEAL_CARD) != (o->card[0] != '\0')) {
			clv_debug("officer '%s': card identity %s for a %s seal", o->id,
			    o->card[0] ? "given" : "missing", seal_name(o->seal));
			r = CLV_E_INVALID_ARG;
			goto out;
		}
	}
	clv_time_format(set->created, when);

	put(&t, "[share-set]\n");
	put(&t, "format = %d\n", SET_FORMAT);
	put_hex(&t, "set", set->set_id, sizeof(set->set_id));
	put(&t, "purpose = %s\n", set->purpose);
	put_quoted(&t, "token_serial", set->token_serial);
	put_quoted(&t, "token_label", set->token_label);
	put(&t, "threshold = %u\n", set->threshold);
	put(&t, "count = %u\n", set->count);
	put(&t, "created = %s\n", when);
	put_hex(&t, "check", set->check, sizeof(set->check));
	for (idx = 1; idx <= set->count; idx++) {
		for (k = 0; k < set->count && set->officers[k].index != idx; k++)
			;
		if (k == set->count) {
			r = CLV_E_INTERNAL;
			goto out;
		}
		o = &set->officers[k];
		put(&t, "\n[officer %s]\n", o->id);
		put_quoted(&t, "name", o->name);
		put(&t, "index = %u\n", o->index);
		put(&t, "seal = %s\n", seal_name(o->seal));
		if (o->seal == CLV_SEAL_CARD)
			put_quoted(&t, "card", o->card);
		put_hex(&t, "salt", o->salt, sizeof(o->salt));
		put_hex(&t, "commitment", o->commitment, sizeof(o->commitment));
	}
	if (t.err) {
		r = t.err;
		goto out;
	}
	out->data = t.p;
	out->len = t.len;
	t.p = NULL;
	r = 0;
out:
	free(t.p);
	return r;
}

/* ---- decoding ------------------------------------------------------------------ */

/* Exactly 2 * n lower-case hex digits. */
static int
hex_strict(const char *s, unsigned char *out, size_t n)
{
	size_t i;
	int v[2], j;

	if (strlen(s) != 2 * n)
		return 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < 2; j++) {
			char c = s[2 * i + (size_t)j];

			if (c >= '0' && c <= '9')
				v[j] = c - '0';
			else if (c >= 'a' && c <= 'f')
				v[j] = c - 'a' + 10;
			else
				return 0;
		}
		out[i] = (unsigned char)(v[0] << 4 | v[1]);
	}
	return 1;
}

/* A decimal number without sign or leading zeros, at most max. */
static int
uint_strict(const char *s, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0') || strlen(s) > 9)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return 0;
	*out = (unsigned)v;
	return 1;
}

/* The entry for key, or a "missing key" diag naming the section's line. */
static int
need_key(const char *what, clv_conf_section_t *s, const char *key, clv_conf_entry_t **e,
    clv_diag_t *diag)
{
	if ((*e = clv_conf_get(s, key)) != NULL)
		return 0;
	return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [%s%s%s] has no '%s'", what, s->line,
	    s->name, s->arg[0] ? " " : "", s->arg, key);
}

/* A quoted text value into dst (cap bytes with NUL). */
static int
text_field(const char *what, const clv_conf_entry_t *e, char *dst, size_t cap,
    int nonempty, clv_diag_t *diag)
{
	size_t n = strlen(e->value);

	if (n >= cap)
		return clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: %s of %zu bytes, expected at most %zu", what, e->line, e->key, n,
		    cap - 1);
	if (nonempty && n == 0)
		return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: %s is empty", what, e->line,
		    e->key);
	memcpy(dst, e->value, n + 1);
	return 0;
}

static int
hex_field(const char *what, const clv_conf_entry_t *e, unsigned char *dst, size_t n,
    clv_diag_t *diag)
{
	if (!hex_strict(e->value, dst, n))
		return clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: %s: expected %zu lower-case hex digits", what, e->line, e->key,
		    2 * n);
	return 0;
}

static int
decode_header(const char *what, clv_conf_section_t *s, clv_share_set_t *set,
    unsigned *count_line, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	clv_conf_entry_t *e;
	unsigned format, threshold_line;
	char when[21];

	if ((r = need_key(what, s, "format", &e, diag)) != 0)
		goto out;
	if (!uint_strict(e->value, 1000, &format) || format != SET_FORMAT) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: format '%s', expected %d", what,
		    e->line, e->value, SET_FORMAT);
		goto out;
	}
	if ((r = need_key(what, s, "set", &e, diag)) != 0 ||
	    (r = hex_field(what, e, set->set_id, sizeof(set->set_id), diag)) != 0)
		goto out;
	if ((r = need_key(what, s, "purpose", &e, diag)) != 0)
		goto out;
	if (!purpose_is_valid(e->value, strlen(e->value) + 1)) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: purpose '%s', expected 'user-pin' or 'so-pin'", what, e->line,
		    e->value);
		goto out;
	}
	memcpy(set->purpose, e->value, strlen(e->value) + 1);
	if ((r = need_key(what, s, "token_serial", &e, diag)) != 0 ||
	    (r = text_field(what, e, set->token_serial, sizeof(set->token_serial), 0,
	    diag)) != 0)
		goto out;
	if ((r = need_key(what, s, "token_label", &e, diag)) != 0 ||
	    (r = text_field(what, e, set->token_label, sizeof(set->token_label), 0,
	    diag)) != 0)
		goto out;
	if ((r = need_key(what, s, "threshold", &e, diag)) != 0)
		goto out;
	threshold_line = e->line;
	if (!uint_strict(e->value, CLV_QUORUM_MAX_SHARES, &set->threshold) ||
	    set->threshold < 2) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: threshold '%s', expected a number from 2 to %d", what, e->line,
		    e->value, CLV_QUORUM_MAX_SHARES);
		goto out;
	}
	if ((r = need_key(what, s, "count", &e, diag)) != 0)
		goto out;
	if (!uint_strict(e->value, CLV_QUORUM_MAX_SHARES, &set->count) || set->count < 2) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: count '%s', expected a number from 2 to %d", what, e->line,
		    e->value, CLV_QUORUM_MAX_SHARES);
		goto out;
	}
	*count_line = e->line;
	if (set->threshold > set->count) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: threshold %u is greater than count %u", what, threshold_line,
		    set->threshold, set->count);
		goto out;
	}
	if ((r = need_key(what, s, "created", &e, diag)) != 0)
		goto out;
	if (clv_time_parse(e->value, &set->created) != 0 ||
	    (clv_time_format(set->created, when), strcmp(when, e->value) != 0)) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: created '%s', expected YYYY-MM-DDTHH:MM:SSZ", what, e->line,
		    e->value);
		goto out;
	}
	if ((r = need_key(what, s, "check", &e, diag)) != 0 ||
	    (r = hex_field(what, e, set->check, sizeof(set->check), diag)) != 0)
		goto out;
	r = 0;
out:
	return r;
}

static int
decode_officer(const char *what, clv_conf_section_t *s, clv_share_set_t *set,
    unsigned k, unsigned *seen, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	clv_share_officer_t *o = &set->officers[k];
	clv_conf_entry_t *e;

	if (!id_is_valid(s->arg, sizeof(o->id))) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: officer id '%s', expected 1 to %zu characters of [a-z0-9-]", what,
		    s->line, s->arg, sizeof(o->id) - 1);
		goto out;
	}
	memcpy(o->id, s->arg, strlen(s->arg) + 1);
	if ((r = need_key(what, s, "name", &e, diag)) != 0 ||
	    (r = text_field(what, e, o->name, sizeof(o->name), 1, diag)) != 0)
		goto out;
	if ((r = need_key(what, s, "index", &e, diag)) != 0)
		goto out;
	if (!uint_strict(e->value, CLV_QUORUM_MAX_SHARES, &o->index) || o->index < 1 ||
	    o->index > set->count) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: index '%s' of officer '%s', expected a number from 1 to %u", what,
		    e->line, e->value, o->id, set->count);
		goto out;
	}
	if (*seen & (1u << o->index)) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: index %u of officer '%s' already given to another officer", what,
		    e->line, o->index, o->id);
		goto out;
	}
	if (o->index != k + 1) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: index %u of officer '%s' out of order, expected %u", what, e->line,
		    o->index, o->id, k + 1);
		goto out;
	}
	*seen |= 1u << o->index;
	if ((r = need_key(what, s, "seal", &e, diag)) != 0)
		goto out;
	if (strcmp(e->value, "passphrase") == 0)
		o->seal = CLV_SEAL_PASSPHRASE;
	else if (strcmp(e->value, "card") == 0)
		o->seal = CLV_SEAL_CARD;
	else {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: seal '%s', expected 'passphrase' or 'card'", what, e->line,
		    e->value);
		goto out;
	}
	/* card only for card seals: for a passphrase seal it stays unused (unknown) */
	if (o->seal == CLV_SEAL_CARD &&
	    ((r = need_key(what, s, "card", &e, diag)) != 0 ||
	    (r = text_field(what, e, o->card, sizeof(o->card), 1, diag)) != 0))
		goto out;
	if ((r = need_key(what, s, "salt", &e, diag)) != 0 ||
	    (r = hex_field(what, e, o->salt, sizeof(o->salt), diag)) != 0)
		goto out;
	if ((r = need_key(what, s, "commitment", &e, diag)) != 0 ||
	    (r = hex_field(what, e, o->commitment, sizeof(o->commitment), diag)) != 0)
		goto out;
	r = 0;
out:
	return r;
}

/*
 * The descriptor is signed as text, so one set has one text: what decoded
 * must be byte for byte what encoding it gives (no comments, blank lines,
 * unquoted or reordered values).  Names the first line that differs.
 */
static int
check_canonical(const char *what, const clv_share_set_t *set, const unsigned char *text,
    size_t len, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	clv_buf_t canon = { NULL, 0 };
	size_t i, start = 0, end;
	unsigned line = 1;

	if ((r = clv_share_set_encode(set, &canon)) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: not a consistent share set", what);
		goto out;
	}
	if (canon.len == len && memcmp(canon.data, text, len) == 0) {
		r = 0;
		goto out;
	}
	for (i = 0; i < len && i < canon.len && text[i] == canon.data[i]; i++)
		if (text[i] == '\n') {
			line++;
			start = i + 1;
		}
	for (end = start; end < canon.len && canon.data[end] != '\n'; end++)
		;
	if (start < canon.len)
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: not in canonical form, expected '%.*s'", what, line,
		    (int)(end - start), (const char *)canon.data + start);
	else
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: not in canonical form, expected the end of the text", what, line);
out:
	clv_buf_free(&canon);
	return r;
}

int
clv_share_set_decode(const char *what, const unsigned char *text, size_t len,
    clv_share_set_t *out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	clv_conf_t *c = NULL;
	clv_conf_section_t *s;
	clv_share_set_t *set = NULL;
	unsigned n = 0, seen = 0, count_line = 0;
	size_t i;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (out == NULL || (text == NULL && len > 0)) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if (what == NULL)
		what = "<share set>";
	if ((set = calloc(1, sizeof(*set))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	if ((r = clv_conf_parse(what, (const char *)text, len, &c, diag)) != 0)
		goto out;
	if (c->sections[0].n_entries > 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: '%s' outside a section, expected [share-set] first", what,
		    c->sections[0].entries[0].line, c->sections[0].entries[0].key);
		goto out;
	}
	if (c->n_sections < 2 || strcmp(c->sections[1].name, "share-set") != 0 ||
	    c->sections[1].arg[0] != '\0') {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: expected [share-set] first", what,
		    c->n_sections < 2 ? 1 : c->sections[1].line);
		goto out;
	}
	if ((r = decode_header(what, &c->sections[1], set, &count_line, diag)) != 0)
		goto out;
	for (i = 2; i < c->n_sections; i++) {
		s = &c->sections[i];
		if (strcmp(s->name, "officer") != 0) {
			r = clv_diag_set(diag, CLV_E_FORMAT,
			    "%s:%u: unknown section [%s%s%s], expected [officer ID]", what,
			    s->line, s->name, s->arg[0] ? " " : "", s->arg);
			goto out;
		}
		if (n == set->count) {
			r = clv_diag_set(diag, CLV_E_FORMAT,
			    "%s:%u: officer '%s' beyond count %u (line %u)", what, s->line,
			    s->arg, set->count, count_line);
			goto out;
		}
		if ((r = decode_officer(what, s, set, n, &seen, diag)) != 0)
			goto out;
		n++;
	}
	if (n != set->count) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: count %u, but %u officer sections", what, count_line, set->count,
		    n);
		goto out;
	}
	if ((r = clv_conf_check_unused(c, CLV_E_FORMAT, diag)) != 0)
		goto out;
	if ((r = check_canonical(what, set, text, len, diag)) != 0)
		goto out;
	memcpy(out, set, sizeof(*set));
	r = 0;
out:
	free(set);
	clv_conf_free(c);
	return r;
}

/* ---- the PIN text ---------------------------------------------------------------- */

int
clv_quorum_pin_text(const clv_secret_t *secret, clv_secret_t **pin)
{
	int r = CLV_E_INTERNAL;
	clv_secret_t *p = NULL;
	unsigned v;
	size_t i;

	if (pin != NULL)
		*pin = NULL;
	if (secret == NULL || secret->p == NULL || pin == NULL ||
	    secret->len != CLV_QUORUM_SECRET_LEN) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if ((r = clv_secret_new(2 * CLV_QUORUM_SECRET_LEN + 1, &p)) != 0)
		goto out;
	/* branch-free, table-free hex: 'a' - '0' - 10 = 39 added for nibbles > 9 */
	for (i = 0; i < 2 * CLV_QUORUM_SECRET_LEN; i++) {
		v = (i & 1) ? (secret->p[i / 2] & 0x0fu) : (unsigned)(secret->p[i / 2] >> 4);
		p->p[i] = (unsigned char)(v + '0' + (((9u - v) >> 8) & 39u));
	}
	v = 0;
	p->p[2 * CLV_QUORUM_SECRET_LEN] = '\0';
	p->len = 2 * CLV_QUORUM_SECRET_LEN;
	*pin = p;
	p = NULL;
	r = 0;
out:
	clv_secret_free(p);
	return r;
}

/* ---- the software Shamir provider ------------------------------------------------- */

typedef struct shamir_state {
	unsigned have;
	unsigned officer[CLV_QUORUM_MAX_SHARES];       /* k into set->officers */
	clv_secret_t *share[CLV_QUORUM_MAX_SHARES];    /* accepted, in order */
} shamir_state_t;

static int
shamir_present(clv_quorum_t *q, const char *officer_id, unsigned index, clv_secret_t *share,
    clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	shamir_state_t *st;
	const clv_share_set_t *set;
	const clv_share_officer_t *o = NULL, *prev;
	char sid[9];
	unsigned k, i;

	if (q == NULL || q->set == NULL || q->state == NULL || officer_id == NULL ||
	    share == NULL || share->p == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	st = q->state;
	set = q->set;
	set_short(set, sid);
	for (k = 0; k < set->count; k++)
		if (strcmp(set->officers[k].id, officer_id) == 0) {
			o = &set->officers[k];
			break;
		}
	if (o == NULL) {
		r = clv_diag_set(diag, CLV_E_POLICY, "officer '%s' is not in share set %s",
		    officer_id, sid);
		goto out;
	}
	for (i = 0; i < st->have; i++) {
		prev = &set->officers[st->officer[i]];
		if (st->officer[i] == k) {
			r = clv_diag_set(diag, CLV_E_POLICY,
			    "officer '%s' (%s) has already presented a share", o->name, o->id);
			goto out;
		}
		if (prev->index == index) {
			r = clv_diag_set(diag, CLV_E_POLICY,
			    "officer '%s' (%s) has already presented a share with index %u",
			    prev->name, prev->id, index);
			goto out;
		}
	}
	if (st->have >= set->threshold) {
		r = clv_diag_set(diag, CLV_E_POLICY,
		    "quorum already complete (%u of %u shares): share of officer '%s' (%s) "
		    "not needed", st->have, set->threshold, o->name, o->id);
		goto out;
	}
	if (index != o->index || share->len == 0 || share->len > SHARE_MAX_LEN ||
	    !clv_share_set_check_share(set, k, index, share->p, share->len)) {
		clv_debug("officer %s: share refused", o->id);
		r = clv_diag_set(diag, CLV_E_INTEGRITY,
		    "share of officer '%s' (%s, index %u) does not match its commitment in "
		    "share set %s: altered or from another set", o->name, o->id, o->index, sid);
		goto out;
	}
	st->officer[st->have] = k;
	st->share[st->have] = share;
	st->have++;
	share = NULL;
	clv_debug("officer %s accepted: %u of %u", o->id, st->have, set->threshold);
	r = 0;
out:
	clv_secret_free(share);
	return r;
}

static void
shamir_progress(const clv_quorum_t *q, clv_quorum_progress_t *out)
{
	const shamir_state_t *st;
	const char *name;
	unsigned i;

	if (out == NULL)
		return;
	memset(out, 0, sizeof(*out));
	if (q == NULL || q->set == NULL || q->state == NULL)
		return;
	st = q->state;
	out->have = st->have;
	out->need = q->set->threshold;
	for (i = 0; i < st->have; i++) {
		name = q->set->officers[st->officer[i]].name;
		snprintf(out->officers[i], sizeof(out->officers[i]), "%s", name);
	}
}

/* Combines the accepted shares and checks the result against the check value. */
static int
rebuild(clv_quorum_t *q, clv_secret_t **out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	shamir_state_t *st;
	const clv_share_set_t *set;
	clv_secret_t *s = NULL;
	const unsigned char *ys[CLV_QUORUM_MAX_SHARES];
	unsigned char xs[CLV_QUORUM_MAX_SHARES], chk[32];
	char sid[9];
	size_t len;
	unsigned i;

	*out = NULL;
	st = q->state;
	set = q->set;
	set_short(set, sid);
	if (st->have < set->threshold) {
		r = clv_diag_set(diag, CLV_E_POLICY,
		    "quorum incomplete for share set %s: %u of %u shares presented, %u needed",
		    sid, st->have, set->threshold, set->threshold);
		goto out;
	}
	len = st->share[0]->len;
	for (i = 0; i < st->have; i++) {
		if (st->share[i]->len != len) {
			r = CLV_E_INTERNAL;
			goto out;
		}
		xs[i] = (unsigned char)set->officers[st->officer[i]].index;
		ys[i] = st->share[i]->p;
	}
	if ((r = clv_secret_new(len, &s)) != 0)
		goto out;
	s->len = len;
	if ((r = clv_shamir_combine(xs, ys, st->have, len, s->p)) != 0)
		goto out;
	if ((r = check_value(s->p, len, set->set_id, chk)) != 0)
		goto out;
	if (!ct_equal(chk, set->check, sizeof(chk))) {
		clv_error("rebuilt secret fails the check value of share set %s", sid);
		r = clv_diag_set(diag, CLV_E_INTEGRITY,
		    "the secret rebuilt from %u shares does not match the check value of "
		    "share set %s", st->have, sid);
		goto out;
	}
	*out = s;
	s = NULL;
	r = 0;
out:
	explicit_bzero(chk, sizeof(chk));
	clv_secret_free(s);
	return r;
}

static int
shamir_login(clv_quorum_t *q, clv_hsm_t *h, int so, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	clv_secret_t *s = NULL, *pin = NULL;
	const shamir_state_t *st;
	char sid[9];

	if (q == NULL || q->set == NULL || q->state == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	st = q->state;
	set_short(q->set, sid);
	/* nothing is combined and the HSM is not touched without a quorum */
	if (st->have < q->set->threshold) {
		r = clv_diag_set(diag, CLV_E_POLICY,
		    "quorum incomplete for share set %s: %u of %u shares presented, %u needed",
		    sid, st->have, q->set->threshold, q->set->threshold);
		goto out;
	}
	if ((so != 0) != (strcmp(q->set->purpose, "so-pin") == 0)) {
		r = clv_diag_set(diag, CLV_E_POLICY,
		    "share set %s holds the %s, not the %s", sid,
		    so ? "user PIN" : "SO PIN", so ? "SO PIN" : "user PIN");
		goto out;
	}
	if (h == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if ((r = rebuild(q, &s, diag)) != 0)
		goto out;
	r = clv_quorum_pin_text(s, &pin);
	clv_secret_free(s);
	s = NULL;
	if (r != 0) {
		if (r == CLV_E_INVALID_ARG)
			r = clv_diag_set(diag, CLV_E_INTEGRITY,
			    "share set %s does not hold a %d-byte PIN secret", sid,
			    CLV_QUORUM_SECRET_LEN);
		goto out;
	}
	r = so ? clv_hsm_login_so(h, pin) : clv_hsm_login(h, pin);
	clv_secret_free(pin);
	pin = NULL;
	if (r != 0) {
		clv_debug("%s login with share set %s failed: %s", so ? "SO" : "user", sid,
		    clv_strerror(r));
		r = clv_diag_set(diag, r, "%s login with the PIN of share set %s: %s",
		    so ? "SO" : "user", sid, clv_strerror(r));
		goto out;
	}
	clv_debug("%s login with %u shares of set %s", so ? "SO" : "user", st->have, sid);
	r = 0;
out:
	clv_secret_free(pin);
	clv_secret_free(s);
	return r;
}

static int
shamir_secret(clv_quorum_t *q, clv_secret_t **out, clv_diag_t *diag)
{
	if (out != NULL)
		*out = NULL;
	if (q == NULL || q->set == NULL || q->state == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	return rebuild(q, out, diag);
}

static void
shamir_free(clv_quorum_t *q)
{
	shamir_state_t *st;
	unsigned i;

	if (q == NULL)
		return;
	if ((st = q->state) != NULL) {
		for (i = 0; i < st->have; i++)
			clv_secret_free(st->share[i]);
		explicit_bzero(st, sizeof(*st));
		free(st);
	}
	explicit_bzero(q, sizeof(*q));
	free(q);
}

static const clv_quorum_ops_t shamir_ops = {
	.name = "shamir",
	.present = shamir_present,
	.progress = shamir_progress,
	.login = shamir_login,
	.secret = shamir_secret,
	.free = shamir_free,
};

int
clv_quorum_shamir_new(const clv_share_set_t *set, clv_quorum_t **out)
{
	int r = CLV_E_INTERNAL;
	clv_quorum_t *q = NULL;

	if (out != NULL)
		*out = NULL;
	if (set == NULL || out == NULL || !set_is_consistent(set)) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->state = calloc(1, sizeof(shamir_state_t))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	q->ops = &shamir_ops;
	q->set = set;
	*out = q;
	q = NULL;
	r = 0;
out:
	shamir_free(q);
	return r;
}
