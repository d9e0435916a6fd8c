/*
 * Sealing one officer's share (conclave-share(5)).
 *
 * A sealed share is a text file in the conf line format: one [sealed-share]
 * section whose header entries say whose share it is and how it is sealed,
 * and a last line "ciphertext = HEX" holding AES-256-GCM(share) || tag.  The
 * additional authenticated data is every byte of the file before that last
 * line, exactly as written, so a change to any header byte (even a comment
 * or a blank) makes the tag fail.
 *
 * The AES key:
 *   passphrase  Argon2id(passphrase, salt, t, m, p) -> 32 octets (libgcrypt)
 *   card        ECDH between a host ephemeral key E and the card's EC key C
 *               on C's curve; Z = x-coordinate of the shared point (field
 *               length, big-endian);
 *               key = HKDF-SHA256(salt = E as 04||X||Y, IKM = Z,
 *                                 info = "conclave share seal", L = 32)
 *               (RFC 5869; L = 32 is one HMAC block of the expand step).
 *
 * Unsealing with a card first compares the card's identity (token serial,
 * token label, key label) with the header's and refuses another card before
 * anything is derived; the card then computes Z with C_DeriveKey.
 *
 * Keys, Z and the share live in locked memory (clv_secret_t) and are wiped.
 * libgcrypt's own buffers (Argon2 memory, HMAC and cipher contexts) are wiped
 * by libgcrypt when closed; the S-expressions of the host-side ECDH (the
 * ephemeral scalar, the shared point) are in libgcrypt's ordinary heap,
 * because secure memory is off process-wide (clv_gcry_init), and are freed
 * right after use; the copy of the shared point we read is wiped.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "conf.h"
#include "seal.h"

#define SEAL_FORMAT     1
#define SEAL_SECTION    "sealed-share"
#define SALT_LEN        16
#define NONCE_LEN       12
#define TAG_LEN         16
#define KEY_LEN         32
#define SHARE_MAX       64              /* clv_shamir_split: len <= 64 */
#define POINT_MAX       (1 + 2 * 66)    /* P-521 */

/* Argon2id bounds: what a file may ask of the machine that opens it. */
#define KDF_T_MAX       16      /* a tampered header cannot make us work for hours */
#define KDF_P_MAX       16
#define KDF_M_MAX       (1024u * 1024)  /* KiB: 1 GiB, nor exhaust the laptop's memory */

static const char hkdf_info[] = "conclave share seal";

/* Everything a sealed share file holds. */
typedef struct sealed {
	clv_sealed_info_t info;
	clv_curve_t curve;                      /* card */
	unsigned char salt[SALT_LEN];           /* passphrase */
	unsigned char eph[POINT_MAX];           /* card: ephemeral point */
	size_t eph_len;
	unsigned char nonce[NONCE_LEN];
	unsigned char ct[SHARE_MAX + TAG_LEN];  /* ciphertext || tag */
	size_t ct_len;
	size_t aad_len;                         /* bytes before the ciphertext line */
} sealed_t;

void
clv_kdf_params_default(clv_kdf_params_t *p)
{
	if (p == NULL)
		return;
	p->t = 3;
	p->m_kib = 64 * 1024;
	p->p = 1;
}

/* ---- small helpers --------------------------------------------------------- */

static int
gcry_code(gcry_error_t e)
{
	return gcry_err_code(e) == GPG_ERR_ENOMEM ? CLV_E_NOMEM : CLV_E_CRYPTO;
}

static int
secret_ok(const clv_secret_t *s)
{
	return s != NULL && s->p != NULL && s->len > 0;
}

static const char *
seal_name(clv_seal_kind_t k)
{
	switch (k) {
	case CLV_SEAL_PASSPHRASE:
		return "passphrase";
	case CLV_SEAL_CARD:
		return "card";
	default:
		return "none";
	}
}

/* [a-z0-9-]+, 1 to max bytes: officer ids, purposes. */
static int
is_token_text(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-'))
			return 0;
	return i > 0 && i <= max;
}

/* What a share set's secret is (quorum.h). */
static int
is_purpose(const char *s)
{
	return strcmp(s, "user-pin") == 0 || strcmp(s, "so-pin") == 0;
}

/* Free text that the line format can carry in quotes: 1 to max bytes, no
 * control characters (UTF-8 itself is checked by reading the file back). */
static int
is_free_text(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return i > 0 && i <= max;
}

static int
kdf_params_check(const clv_kdf_params_t *k)
{
	return k->t >= 1 && k->t <= KDF_T_MAX && k->p >= 1 && k->p <= KDF_P_MAX &&
	    k->m_kib >= 8 * k->p && k->m_kib <= KDF_M_MAX;
}

/* ---- key derivation ---------------------------------------------------------- */

static int
argon2id(const clv_secret_t *pass, const unsigned char *salt, const clv_kdf_params_t *kp,
    clv_secret_t **key_out)
{
	unsigned long param[4];
	gcry_kdf_hd_t hd = NULL;
	clv_secret_t *key = NULL;
	gcry_error_t e;
	int r = CLV_E_INTERNAL;

	*key_out = NULL;
	param[0] = KEY_LEN;
	param[1] = kp->t;
	param[2] = kp->m_kib;
	param[3] = kp->p;
	if ((r = clv_secret_new(KEY_LEN, &key)) != 0)
		goto out;
	clv_gcry_init();
	if ((e = gcry_kdf_open(&hd, GCRY_KDF_ARGON2, GCRY_KDF_ARGON2ID, param, 4,
	    pass->p, pass->len, salt, SALT_LEN, NULL, 0, NULL, 0)) != 0) {
		clv_error("gcry_kdf_open (Argon2id t=%u m=%u KiB p=%u): %s", kp->t,
		    kp->m_kib, kp->p, gcry_strerror(e));
		hd = NULL;
		r = gcry_code(e);
		goto out;
	}
	if ((e = gcry_kdf_compute(hd, NULL)) != 0) {
		clv_error("gcry_kdf_compute (Argon2id): %s", gcry_strerror(e));
		r = gcry_code(e);
		goto out;
	}
	if ((e = gcry_kdf_final(hd, KEY_LEN, key->p)) != 0) {
		clv_error("gcry_kdf_final (Argon2id): %s", gcry_strerror(e));
		r = gcry_code(e);
		goto out;
	}
	key->len = KEY_LEN;
	*key_out = key;
	key = NULL;
	r = 0;
out:
	if (hd != NULL)
		gcry_kdf_close(hd);
	clv_secret_free(key);
	return r;
}

/* HMAC-SHA256(key, a || b) into out (32 octets). */
static int
hmac_sha256(const unsigned char *key, size_t klen, const void *a, size_t alen,
    const void *b, size_t blen, unsigned char *out)
{
	gcry_md_hd_t md = NULL;
	const unsigned char *d;
	gcry_error_t e;
	int r = CLV_E_INTERNAL;

	clv_gcry_init();
	if ((e = gcry_md_open(&md, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC)) != 0) {
		clv_error("gcry_md_open (HMAC-SHA256): %s", gcry_strerror(e));
		md = NULL;
		r = gcry_code(e);
		goto out;
	}
	if ((e = gcry_md_setkey(md, key, klen)) != 0) {
		clv_error("gcry_md_setkey: %s", gcry_strerror(e));
		r = gcry_code(e);
		goto out;
	}
	gcry_md_write(md, a, alen);
	gcry_md_write(md, b, blen);
	if ((d = gcry_md_read(md, GCRY_MD_SHA256)) == NULL) {
		clv_error("gcry_md_read: no digest");
		r = CLV_E_CRYPTO;
		goto out;
	}
	memcpy(out, d, 32);
	r = 0;
out:
	gcry_md_close(md);
	return r;
}

/* The card seal's key: HKDF-SHA256(salt = ephemeral point, IKM = z,
 * info = "conclave share seal", L = 32). */
static int
hkdf_card_key(const clv_secret_t *z, const unsigned char *eph, size_t eph_len,
    clv_secret_t **key_out)
{
	static const unsigned char one = 0x01;
	clv_secret_t *prk = NULL, *key = NULL;
	int r = CLV_E_INTERNAL;

	*key_out = NULL;
	if ((r = clv_secret_new(32, &prk)) != 0 || (r = clv_secret_new(KEY_LEN, &key)) != 0)
		goto out;
	/* extract: PRK = HMAC(salt, IKM) */
	if ((r = hmac_sha256(eph, eph_len, z->p, z->len, NULL, 0, prk->p)) != 0)
		goto out;
	prk->len = 32;
	/* expand, one block: T(1) = HMAC(PRK, info || 0x01) */
	if ((r = hmac_sha256(prk->p, prk->len, hkdf_info, sizeof(hkdf_info) - 1, &one, 1,
	    key->p)) != 0)
		goto out;
	key->len = KEY_LEN;
	*key_out = key;
	key = NULL;
	r = 0;
out:
	clv_secret_free(prk);
	clv_secret_free(key);
	return r;
}

/* 0 < k < n for big-endian unsigned integers of len octets. */
static int
scalar_ok(const unsigned char *k, const unsigned char *n, size_t len)
{
	unsigned char any = 0;
	size_t i;

	for (i = 0; i < len; i++)
		any |= k[i];
	return any != 0 && memcmp(k, n, len) < 0;
}

/*
 * The host half of the card seal: a random scalar k in [1, n-1] on the
 * card key's curve, then libgcrypt's ECDH encryption primitive, which gives
 * (enc-val (ecdh (s k*C) (e k*G))).  Returns Z = x(k*C) in locked memory and
 * the ephemeral point k*G.
 */
static int
host_ecdh(const clv_pubkey_t *card_pub, const clv_curve_info_t *ci, clv_secret_t **z_out,
    unsigned char *eph, size_t *eph_len)
{
	gcry_sexp_t pk = NULL, data = NULL, res = NULL, s_tok = NULL, e_tok = NULL;
	clv_secret_t *k = NULL, *z = NULL;
	const unsigned char *n, *p;
	size_t nlen, plen, want = 1 + 2 * ci->field_bytes;
	unsigned bits, tries;
	gcry_error_t e;
	int r = CLV_E_INTERNAL;

	*z_out = NULL;
	*eph_len = 0;
	n = card_pub->n.data;
	nlen = card_pub->n.len;
	while (nlen > 0 && n[0] == 0) {
		n++;
		nlen--;
	}
	if (nlen == 0 || card_pub->ec_point.len != want) {
		clv_error("card key on %s: no group order or a point of %zu octets",
		    ci->name, card_pub->ec_point.len);
		r = CLV_E_INTERNAL;
		goto out;
	}
	if ((r = clv_secret_new(nlen, &k)) != 0 || (r = clv_secret_new(ci->field_bytes, &z)) != 0)
		goto out;
	clv_gcry_init();
	/* rejection sampling: as many bits as n has, retry if k = 0 or k >= n */
	for (bits = 8; bits > 0 && !(n[0] & (1u << (bits - 1))); bits--)
		;
	for (tries = 0; tries < 64; tries++) {
		gcry_randomize(k->p, nlen, GCRY_VERY_STRONG_RANDOM);
		k->p[0] &= (unsigned char)((1u << bits) - 1);
		k->len = nlen;
		if (scalar_ok(k->p, n, nlen))
			break;
	}
	if (tries == 64) {
		clv_error("no ephemeral scalar below the %s group order in %u draws",
		    ci->name, tries);
		r = CLV_E_RANDOM;
		goto out;
	}
	if ((e = gcry_sexp_build(&pk, NULL, "(public-key (ecc (curve %s) (q %b)))",
	    ci->gcry_name, (int)card_pub->ec_point.len, card_pub->ec_point.data)) != 0 ||
	    (e = gcry_sexp_build(&data, NULL, "(data (flags raw) (value %b))", (int)k->len,
	    k->p)) != 0) {
		clv_error("gcry_sexp_build: %s", gcry_strerror(e));
		r = gcry_code(e);
		goto out;
	}
	if ((e = gcry_pk_encrypt(&res, data, pk)) != 0) {
		clv_error("gcry_pk_encrypt (ECDH on %s): %s", ci->name, gcry_strerror(e));
		r = gcry_code(e);
		goto out;
	}
	if ((s_tok = gcry_sexp_find_token(res, "s", 0)) == NULL ||
	    (e_tok = gcry_sexp_find_token(res, "e", 0)) == NULL) {
		clv_error("gcry_pk_encrypt (ECDH): no s or e in the result");
		r = CLV_E_CRYPTO;
		goto out;
	}
	p = (const unsigned char *)gcry_sexp_nth_data(s_tok, 1, &plen);
	if (p == NULL || plen != want || p[0] != 0x04) {
		clv_error("ECDH on %s: shared point of %zu octets", ci->name, p ? plen : 0);
		r = CLV_E_CRYPTO;
		goto out;
	}
	memcpy(z->p, p + 1, ci->field_bytes);
	z->len = ci->field_bytes;
	/* our copy of the shared point: wiped before it is freed */
	explicit_bzero((void *)(uintptr_t)p, plen);
	p = (const unsigned char *)gcry_sexp_nth_data(e_tok, 1, &plen);
	if (p == NULL || plen != want || p[0] != 0x04) {
		clv_error("ECDH on %s: ephemeral point of %zu octets", ci->name, p ? plen : 0);
		r = CLV_E_CRYPTO;
		goto out;
	}
	memcpy(eph, p, plen);
	*eph_len = plen;
	*z_out = z;
	z = NULL;
	r = 0;
out:
	gcry_sexp_release(s_tok);
	gcry_sexp_release(e_tok);
	gcry_sexp_release(res);
	gcry_sexp_release(data);
	gcry_sexp_release(pk);
	clv_secret_free(k);
	clv_secret_free(z);
	return r;
}

/* ---- AES-256-GCM -------------------------------------------------------------- */

static int
gcm_open(const clv_secret_t *key, const unsigned char *nonce, const unsigned char *aad,
    size_t aad_len, gcry_cipher_hd_t *hd_out)
{
	gcry_cipher_hd_t hd = NULL;
	gcry_error_t e;
	int r = CLV_E_INTERNAL;

	*hd_out = NULL;
	clv_gcry_init();
	if ((e = gcry_cipher_open(&hd, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_GCM, 0)) != 0) {
		clv_error("gcry_cipher_open (AES-256-GCM): %s", gcry_strerror(e));
		hd = NULL;
		r = gcry_code(e);
		goto out;
	}
	if ((e = gcry_cipher_setkey(hd, key->p, key->len)) != 0 ||
	    (e = gcry_cipher_setiv(hd, nonce, NONCE_LEN)) != 0 ||
	    (e = gcry_cipher_authenticate(hd, aad, aad_len)) != 0) {
		clv_error("AES-256-GCM set-up: %s", gcry_strerror(e));
		r = gcry_code(e);
		goto out;
	}
	*hd_out = hd;
	hd = NULL;
	r = 0;
out:
	gcry_cipher_close(hd);
	return r;
}

/* ---- the text -------------------------------------------------------------------- */

typedef struct text {
	char *p;
	size_t len, cap;
	int err;
} text_t;

static void text_add(text_t *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
text_add(text_t *t, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *np;
	int n;

	if (t->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p != NULL ? t->p + t->len : NULL,
		    t->p != NULL ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->err = CLV_E_INTERNAL;
			return;
		}
		if (t->p != NULL && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		cap = t->cap == 0 ? 1024 : t->cap;
		while (cap - t->len <= (size_t)n)
			cap *= 2;
		if ((np = realloc(t->p, cap)) == NULL) {
			t->err = CLV_E_NOMEM;
			return;
		}
		t->p = np;
		t->cap = cap;
	}
}

/* key = "value" with \" and \\ escaped. */
static void
text_quoted(text_t *t, const char *key, const char *value)
{
	const char *v;

	text_add(t, "%s = \"", key);
	for (v = value; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			text_add(t, "\\%c", *v);
		else
			text_add(t, "%c", *v);
	}
	text_add(t, "\"\n");
}

static void
text_hex(text_t *t, const char *key, const unsigned char *b, size_t n)
{
	char hex[2 * POINT_MAX + 1];

	if (2 * n + 1 > sizeof(hex)) {
		t->err = CLV_E_INTERNAL;
		return;
	}
	clv_hex(b, n, hex);
	text_add(t, "%s = %s\n", key, hex);
}

static void
text_free(text_t *t)
{
	if (t->p != NULL) {
		explicit_bzero(t->p, t->cap);
		free(t->p);
	}
	t->p = NULL;
	t->len = t->cap = 0;
}

/* Everything but the ciphertext line: the additional authenticated data. */
static void
header_encode(const sealed_t *s, text_t *t)
{
	const clv_sealed_info_t *i = &s->info;
	const clv_curve_info_t *ci;

	text_add(t, "# Conclave sealed share of officer '%s' (%s): share %u of %u, "
	    "%u needed\n", i->officer_name, i->officer_id, i->index, i->count,
	    i->threshold);
	text_add(t, "# Sealed to the officer's %s.  See conclave-share(5).\n",
	    i->seal == CLV_SEAL_CARD ? "card" : "passphrase");
	text_add(t, "[%s]\n", SEAL_SECTION);
	text_add(t, "format = %u\n", i->format);
	text_hex(t, "set", i->set_id, sizeof(i->set_id));
	text_add(t, "purpose = %s\n", i->purpose);
	text_quoted(t, "token_serial", i->token_serial);
	text_add(t, "threshold = %u\n", i->threshold);
	text_add(t, "count = %u\n", i->count);
	text_add(t, "index = %u\n", i->index);
	text_add(t, "officer = %s\n", i->officer_id);
	text_quoted(t, "officer_name", i->officer_name);
	text_add(t, "seal = %s\n", seal_name(i->seal));
	if (i->seal == CLV_SEAL_PASSPHRASE) {
		text_add(t, "kdf = argon2id\n");
		text_add(t, "kdf_t = %u\n", i->kdf.t);
		text_add(t, "kdf_m_kib = %u\n", i->kdf.m_kib);
		text_add(t, "kdf_p = %u\n", i->kdf.p);
		text_hex(t, "salt", s->salt, sizeof(s->salt));
	} else {
		ci = clv_curve_by_id(s->curve);
		text_add(t, "kdf = hkdf-sha256\n");
		text_add(t, "curve = %s\n", ci != NULL ? ci->name : "?");
		text_quoted(t, "card", i->card);
		text_hex(t, "ephemeral", s->eph, s->eph_len);
	}
	text_add(t, "cipher = aes-256-gcm\n");
	text_hex(t, "nonce", s->nonce, sizeof(s->nonce));
}

/* ---- decoding -------------------------------------------------------------------- */

typedef struct reader {
	const char *what;
	clv_conf_section_t *sec;
	clv_diag_t *diag;
} reader_t;

static int
need(reader_t *rd, const char *key, clv_conf_entry_t **e)
{
	if ((*e = clv_conf_get(rd->sec, key)) == NULL)
		return clv_diag_set(rd->diag, CLV_E_FORMAT, "%s:%u: [%s] lacks key '%s'",
		    rd->what, rd->sec->line, SEAL_SECTION, key);
	return 0;
}

static int
get_uint(reader_t *rd, const char *key, unsigned min, unsigned max, unsigned *out)
{
	clv_conf_entry_t *e;
	unsigned long v = 0;
	size_t i;
	int r;

	if ((r = need(rd, key, &e)) != 0)
		return r;
	for (i = 0; e->value[i] >= '0' && e->value[i] <= '9' && i < 10; i++)
		v = v * 10 + (unsigned long)(e->value[i] - '0');
	if (i == 0 || e->value[i] != '\0' || (e->value[0] == '0' && i > 1) || v < min ||
	    v > max)
		return clv_diag_set(rd->diag, CLV_E_FORMAT, "%s:%u: %s: expected a whole "
		    "number from %u to %u, got '%.40s'", rd->what, e->line, key, min, max,
		    e->value);
	*out = (unsigned)v;
	return 0;
}

/* Exactly n octets in lower-case hex (min == max), or min..max octets. */
static int
get_hex(reader_t *rd, const char *key, size_t min, size_t max, unsigned char *out,
    size_t *len)
{
	clv_conf_entry_t *e;
	size_t i, n;
	int hi, lo, r;

	if ((r = need(rd, key, &e)) != 0)
		return r;
	n = strlen(e->value);
	for (i = 0; i < n; i++)
		if (!((e->value[i] >= '0' && e->value[i] <= '9') ||
		    (e->value[i] >= 'a' && e->value[i] <= 'f')))
			break;
	if (i < n || n % 2 != 0 || n / 2 < min || n / 2 > max) {
		if (min == max)
			return clv_diag_set(rd->diag, CLV_E_FORMAT, "%s:%u: %s: expected %zu "
			    "octets in lower-case hex (%zu digits), got %zu characters",
			    rd->what, e->line, key, min, 2 * min, n);
		return clv_diag_set(rd->diag, CLV_E_FORMAT, "%s:%u: %s: expected %zu to "
		    "%zu octets in lower-case hex, got %zu characters", rd->what, e->line,
		    key, min, max, n);
	}
	for (i = 0; i < n / 2; i++) {
		hi = e->value[2 * i] <= '9' ? e->value[2 * i] - '0' : e->value[2 * i] - 'a' + 10;
		lo = e->value[2 * i + 1] <= '9' ? e->value[2 * i + 1] - '0' :
		    e->value[2 * i + 1] - 'a' + 10;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

static int
get_text(reader_t *rd, const char *key, int token, char *out, size_t size)
{
	clv_conf_entry_t *e;
	int r;

	if ((r = need(rd, key, &e)) != 0)
		return r;
	if (token ? !is_token_text(e->value, size - 1) : !is_free_text(e->value, size - 1))
		return clv_diag_set(rd->diag, CLV_E_FORMAT, "%s:%u: %s: expected %s of 1 "
		    "to %zu bytes, got '%.40s'", rd->what, e->line, key, token ?
		    "lower-case letters, digits and '-'" : "text", size - 1, e->value);
	memcpy(out, e->value, strlen(e->value) + 1);
	return 0;
}

static int
get_purpose(reader_t *rd, char *out, size_t size)
{
	clv_conf_entry_t *e;
	int r;

	if ((r = need(rd, "purpose", &e)) != 0)
		return r;
	if (!is_purpose(e->value) || strlen(e->value) >= size)
		return clv_diag_set(rd->diag, CLV_E_FORMAT, "%s:%u: purpose: expected "
		    "'user-pin' or 'so-pin', got '%.40s'", rd->what, e->line, e->value);
	memcpy(out, e->value, strlen(e->value) + 1);
	return 0;
}

/* The value of key must be want. */
static int
get_word(reader_t *rd, const char *key, const char *want)
{
	clv_conf_entry_t *e;
	int r;

	if ((r = need(rd, key, &e)) != 0)
		return r;
	if (strcmp(e->value, want) != 0)
		return clv_diag_set(rd->diag, CLV_E_FORMAT, "%s:%u: %s: expected '%s', got "
		    "'%.40s'", rd->what, e->line, key, want, e->value);
	return 0;
}

/* Keys of the other kind of seal are errors of their own. */
static int
refuse_keys(reader_t *rd, const char *const *keys, const char *kind)
{
	clv_conf_entry_t *e;
	size_t i;

	for (i = 0; keys[i] != NULL; i++)
		if ((e = clv_conf_get(rd->sec, keys[i])) != NULL)
			return clv_diag_set(rd->diag, CLV_E_FORMAT, "%s:%u: key '%s' "
			    "belongs to a %s seal, not this one", rd->what, e->line,
			    keys[i], kind);
	return 0;
}

/* Offset of the first byte of line number line (1-based) in text. */
static size_t
line_offset(const unsigned char *text, size_t len, unsigned line)
{
	size_t pos = 0;
	unsigned l = 1;
	const unsigned char *nl;

	while (l < line && pos < len) {
		if ((nl = memchr(text + pos, '\n', len - pos)) == NULL)
			return len;
		pos = (size_t)(nl - text) + 1;
		l++;
	}
	return pos;
}

static int
sealed_decode(const char *what, const unsigned char *text, size_t len, sealed_t *s,
    clv_diag_t *diag)
{
	static const char *const passphrase_keys[] = { "kdf_t", "kdf_m_kib", "kdf_p",
	    "salt", NULL };
	static const char *const card_keys[] = { "curve", "card", "ephemeral", NULL };
	clv_conf_t *c = NULL;
	clv_conf_entry_t *e, *ct;
	clv_sealed_info_t *i = &s->info;
	const clv_curve_info_t *ci;
	const unsigned char *nl;
	reader_t rd = { what, NULL, diag };
	size_t n, off;
	int r = CLV_E_INTERNAL;

	memset(s, 0, sizeof(*s));
	if ((r = clv_conf_parse(what, (const char *)text, len, &c, diag)) != 0)
		goto out;
	if (c->sections[0].n_entries > 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: entry before [%s]", what,
		    c->sections[0].entries[0].line, SEAL_SECTION);
		goto out;
	}
	if (c->n_sections < 2) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: no [%s] section: not a sealed "
		    "share", what, SEAL_SECTION);
		goto out;
	}
	for (n = 1; n < c->n_sections; n++)
		if (n > 1 || strcmp(c->sections[n].name, SEAL_SECTION) != 0 ||
		    c->sections[n].arg[0] != '\0') {
			r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: section [%s%s%s]; a "
			    "sealed share has one [%s] section and nothing else", what,
			    c->sections[n].line, c->sections[n].name,
			    c->sections[n].arg[0] ? " " : "", c->sections[n].arg,
			    SEAL_SECTION);
			goto out;
		}
	rd.sec = &c->sections[1];

	if ((r = get_uint(&rd, "format", 0, 1000000, &i->format)) != 0)
		goto out;
	if (i->format != SEAL_FORMAT) {
		e = clv_conf_get(rd.sec, "format");
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: format %u; this Conclave "
		    "reads format %d", what, e->line, i->format, SEAL_FORMAT);
		goto out;
	}
	if ((r = get_hex(&rd, "set", sizeof(i->set_id), sizeof(i->set_id), i->set_id,
	    &n)) != 0 ||
	    (r = get_purpose(&rd, i->purpose, sizeof(i->purpose))) != 0 ||
	    (r = get_text(&rd, "token_serial", 0, i->token_serial,
	    sizeof(i->token_serial))) != 0 ||
	    (r = get_uint(&rd, "count", 2, CLV_QUORUM_MAX_SHARES, &i->count)) != 0 ||
	    (r = get_uint(&rd, "threshold", 2, i->count, &i->threshold)) != 0 ||
	    (r = get_uint(&rd, "index", 1, i->count, &i->index)) != 0 ||
	    (r = get_text(&rd, "officer", 1, i->officer_id, sizeof(i->officer_id))) != 0 ||
	    (r = get_text(&rd, "officer_name", 0, i->officer_name,
	    sizeof(i->officer_name))) != 0)
		goto out;
	if ((r = need(&rd, "seal", &e)) != 0)
		goto out;
	if (strcmp(e->value, "passphrase") == 0) {
		i->seal = CLV_SEAL_PASSPHRASE;
		if ((r = refuse_keys(&rd, card_keys, "card")) != 0 ||
		    (r = get_word(&rd, "kdf", "argon2id")) != 0 ||
		    (r = get_uint(&rd, "kdf_t", 1, KDF_T_MAX, &i->kdf.t)) != 0 ||
		    (r = get_uint(&rd, "kdf_p", 1, KDF_P_MAX, &i->kdf.p)) != 0 ||
		    (r = get_uint(&rd, "kdf_m_kib", 8 * i->kdf.p, KDF_M_MAX,
		    &i->kdf.m_kib)) != 0 ||
		    (r = get_hex(&rd, "salt", SALT_LEN, SALT_LEN, s->salt, &n)) != 0)
			goto out;
	} else if (strcmp(e->value, "card") == 0) {
		i->seal = CLV_SEAL_CARD;
		if ((r = refuse_keys(&rd, passphrase_keys, "passphrase")) != 0 ||
		    (r = get_word(&rd, "kdf", "hkdf-sha256")) != 0 ||
		    (r = get_text(&rd, "card", 0, i->card, sizeof(i->card))) != 0 ||
		    (r = need(&rd, "curve", &e)) != 0)
			goto out;
		if ((ci = clv_curve_by_name(e->value)) == NULL || !ci->generate ||
		    strcmp(ci->name, e->value) != 0) {
			r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: curve: expected P-256, "
			    "P-384, P-521, brainpoolP256r1, brainpoolP384r1 or "
			    "brainpoolP512r1, got '%.40s'", what, e->line, e->value);
			goto out;
		}
		s->curve = ci->id;
		if ((r = get_hex(&rd, "ephemeral", 1 + 2 * ci->field_bytes,
		    1 + 2 * ci->field_bytes, s->eph, &s->eph_len)) != 0)
			goto out;
		if (s->eph[0] != 0x04) {
			e = clv_conf_get(rd.sec, "ephemeral");
			r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: ephemeral: expected an "
			    "uncompressed point (04...)", what, e->line);
			goto out;
		}
	} else {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: seal: expected 'passphrase' "
		    "or 'card', got '%.40s'", what, e->line, e->value);
		goto out;
	}
	if ((r = get_word(&rd, "cipher", "aes-256-gcm")) != 0 ||
	    (r = get_hex(&rd, "nonce", NONCE_LEN, NONCE_LEN, s->nonce, &n)) != 0 ||
	    (r = get_hex(&rd, "ciphertext", 1 + TAG_LEN, SHARE_MAX + TAG_LEN, s->ct,
	    &s->ct_len)) != 0)
		goto out;
	if ((r = clv_conf_check_unused(c, CLV_E_FORMAT, diag)) != 0)
		goto out;

	/* the ciphertext line is the last line; what precedes it is the AAD */
	ct = clv_conf_get(rd.sec, "ciphertext");
	off = line_offset(text, len, ct->line);
	nl = memchr(text + off, '\n', len - off);
	if (nl == NULL) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: the ciphertext line does not "
		    "end with a newline: the file is cut short", what, ct->line);
		goto out;
	}
	if ((size_t)(nl - text) + 1 != len) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: ciphertext is not the last "
		    "line of the file", what, ct->line);
		goto out;
	}
	s->aad_len = off;
	r = 0;
out:
	clv_conf_free(c);
	return r;
}

int
clv_sealed_info(const char *what, const unsigned char *text, size_t len,
    clv_sealed_info_t *out, clv_diag_t *diag)
{
	sealed_t s;
	int r = CLV_E_INTERNAL;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (out == NULL || (text == NULL && len > 0)) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if (what == NULL)
		what = "<sealed share>";
	if ((r = sealed_decode(what, text, len, &s, diag)) != 0)
		goto out;
	*out = s.info;
	r = 0;
out:
	return r;
}

/* ---- sealing ------------------------------------------------------------------- */

static int
info_equal(const clv_sealed_info_t *a, const clv_sealed_info_t *b)
{
	return a->format == b->format &&
	    memcmp(a->set_id, b->set_id, sizeof(a->set_id)) == 0 &&
	    strcmp(a->purpose, b->purpose) == 0 &&
	    strcmp(a->token_serial, b->token_serial) == 0 &&
	    a->threshold == b->threshold && a->count == b->count &&
	    a->index == b->index && strcmp(a->officer_id, b->officer_id) == 0 &&
	    strcmp(a->officer_name, b->officer_name) == 0 && a->seal == b->seal &&
	    a->kdf.t == b->kdf.t && a->kdf.m_kib == b->kdf.m_kib &&
	    a->kdf.p == b->kdf.p && strcmp(a->card, b->card) == 0;
}

/* The header fields that come from the share set. */
static int
fill_from_set(const clv_share_set_t *set, unsigned k, clv_sealed_info_t *i,
    clv_diag_t *diag)
{
	const clv_share_officer_t *o;

	if (set->count < 2 || set->count > CLV_QUORUM_MAX_SHARES || set->threshold < 2 ||
	    set->threshold > set->count)
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "share set: threshold %u of "
		    "%u; expected 2 <= threshold <= count <= %d", set->threshold,
		    set->count, CLV_QUORUM_MAX_SHARES);
	if (k >= set->count)
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "share set: no officer %u "
		    "(count %u)", k, set->count);
	o = &set->officers[k];
	if (!is_token_text(o->id, sizeof(i->officer_id) - 1))
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "share set: officer %u: id "
		    "'%.40s'; expected 1 to %zu lower-case letters, digits and '-'", k,
		    o->id, sizeof(i->officer_id) - 1);
	if (!is_free_text(o->name, sizeof(i->officer_name) - 1))
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "share set: officer '%s': "
		    "name: expected 1 to %zu bytes of text without control characters",
		    o->id, sizeof(i->officer_name) - 1);
	if (o->index < 1 || o->index > set->count)
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "share set: officer '%s': "
		    "index %u; expected 1 to %u", o->id, o->index, set->count);
	if (!is_purpose(set->purpose))
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "share set: purpose '%.40s'; "
		    "expected 'user-pin' or 'so-pin'", set->purpose);
	if (!is_free_text(set->token_serial, sizeof(i->token_serial) - 1))
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "share set: token serial: "
		    "expected 1 to %zu bytes of text", sizeof(i->token_serial) - 1);
	memset(i, 0, sizeof(*i));
	i->format = SEAL_FORMAT;
	memcpy(i->set_id, set->set_id, sizeof(i->set_id));
	memcpy(i->purpose, set->purpose, strlen(set->purpose) + 1);
	memcpy(i->token_serial, set->token_serial, strlen(set->token_serial) + 1);
	i->threshold = set->threshold;
	i->count = set->count;
	i->index = o->index;
	memcpy(i->officer_id, o->id, strlen(o->id) + 1);
	memcpy(i->officer_name, o->name, strlen(o->name) + 1);
	return 0;
}

/* Card seal: the card's public key and identity; Z and the ephemeral point. */
static int
seal_card_key(const clv_share_officer_t *o, const clv_unseal_key_t *key, sealed_t *s,
    clv_secret_t **aes_key, clv_diag_t *diag)
{
	const clv_curve_info_t *ci;
	clv_pubkey_t *pub = NULL;
	clv_secret_t *z = NULL;
	int r = CLV_E_INTERNAL;

	*aes_key = NULL;
	if ((r = clv_hsm_card_identity(key->card, key->card_key_label, s->info.card,
	    sizeof(s->info.card))) != 0) {
		clv_diag_set(diag, r, "officer '%s': the card's identity cannot be read "
		    "(%s)", o->id, clv_strerror(r));
		goto out;
	}
	if (o->card[0] != '\0' && strcmp(o->card, s->info.card) != 0) {
		r = clv_diag_set(diag, CLV_E_POLICY, "officer '%s' (%s) is enrolled with "
		    "card %s; the presented card %s is another", o->name, o->id, o->card,
		    s->info.card);
		goto out;
	}
	if ((r = clv_hsm_pubkey(key->card, key->card_key_label, &pub)) != 0) {
		clv_diag_set(diag, r, "officer '%s': card %s: no public key labelled '%s' "
		    "can be read (%s)", o->id, s->info.card, key->card_key_label,
		    clv_strerror(r));
		goto out;
	}
	if (pub->type != CLV_KEY_EC || (ci = clv_curve_by_id(pub->curve)) == NULL ||
	    !ci->generate) {
		r = clv_diag_set(diag, CLV_E_UNSUPPORTED_CURVE, "officer '%s': card %s: key "
		    "'%s' is not an EC key on P-256, P-384, P-521 or brainpoolP256r1/384r1/"
		    "512r1", o->id, s->info.card, key->card_key_label);
		goto out;
	}
	s->curve = ci->id;
	if ((r = host_ecdh(pub, ci, &z, s->eph, &s->eph_len)) != 0)
		goto out;
	if ((r = hkdf_card_key(z, s->eph, s->eph_len, aes_key)) != 0)
		goto out;
	r = 0;
out:
	clv_secret_free(z);
	clv_pubkey_free(pub);
	return r;
}

int
clv_seal_share(const clv_share_set_t *set, unsigned k, const unsigned char *share,
    size_t len, const clv_unseal_key_t *key, const clv_kdf_params_t *kdf, clv_buf_t *out,
    clv_diag_t *diag)
{
	const clv_share_officer_t *o;
	clv_seal_kind_t kind;
	clv_secret_t *aes_key = NULL;
	gcry_cipher_hd_t hd = NULL;
	clv_sealed_info_t back;
	text_t t = { NULL, 0, 0, 0 };
	sealed_t s;
	char what[64];
	gcry_error_t e;
	int r = CLV_E_INTERNAL;

	memset(&s, 0, sizeof(s));
	if (out != NULL) {
		out->data = NULL;
		out->len = 0;
	}
	if (set == NULL || share == NULL || key == NULL || out == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if ((r = fill_from_set(set, k, &s.info, diag)) != 0)
		goto out;
	o = &set->officers[k];
	if (len < 1 || len > SHARE_MAX) {
		r = clv_diag_set(diag, CLV_E_INVALID_ARG, "officer '%s': share of %zu "
		    "octets; expected 1 to %d", o->id, len, SHARE_MAX);
		goto out;
	}
	if (key->card != NULL && key->passphrase == NULL && key->card_key_label != NULL &&
	    *key->card_key_label != '\0') {
		kind = CLV_SEAL_CARD;
	} else if (key->card == NULL && secret_ok(key->passphrase)) {
		kind = CLV_SEAL_PASSPHRASE;
	} else {
		r = clv_diag_set(diag, CLV_E_INVALID_ARG, "officer '%s': seal to either a "
		    "non-empty passphrase or a card with a key label, not both", o->id);
		goto out;
	}
	if (o->seal != CLV_SEAL_NONE && o->seal != kind) {
		r = clv_diag_set(diag, CLV_E_POLICY, "officer '%s' (%s) is enrolled for a "
		    "%s seal; a %s was given", o->name, o->id, seal_name(o->seal),
		    seal_name(kind));
		goto out;
	}
	s.info.seal = kind;
	clv_gcry_init();
	gcry_randomize(s.nonce, sizeof(s.nonce), GCRY_STRONG_RANDOM);
	if (kind == CLV_SEAL_PASSPHRASE) {
		if (kdf != NULL)
			s.info.kdf = *kdf;
		else
			clv_kdf_params_default(&s.info.kdf);
		if (!kdf_params_check(&s.info.kdf)) {
			r = clv_diag_set(diag, CLV_E_INVALID_ARG, "Argon2id parameters t=%u "
			    "m=%u KiB p=%u; expected 1 <= t <= %d, 1 <= p <= %d, "
			    "8p <= m <= %u KiB", s.info.kdf.t, s.info.kdf.m_kib,
			    s.info.kdf.p, KDF_T_MAX, KDF_P_MAX, KDF_M_MAX);
			goto out;
		}
		gcry_randomize(s.salt, sizeof(s.salt), GCRY_STRONG_RANDOM);
		if ((r = argon2id(key->passphrase, s.salt, &s.info.kdf, &aes_key)) != 0) {
			clv_diag_set(diag, r, "officer '%s': Argon2id (m=%u KiB) failed: %s",
			    o->id, s.info.kdf.m_kib, clv_strerror(r));
			goto out;
		}
	} else {
		if ((r = seal_card_key(o, key, &s, &aes_key, diag)) != 0)
			goto out;
	}

	header_encode(&s, &t);
	if (t.err != 0) {
		r = t.err;
		goto out;
	}
	s.aad_len = t.len;
	if ((r = gcm_open(aes_key, s.nonce, (const unsigned char *)t.p, t.len, &hd)) != 0)
		goto out;
	if ((e = gcry_cipher_final(hd)) != 0 ||
	    (e = gcry_cipher_encrypt(hd, s.ct, len, share, len)) != 0 ||
	    (e = gcry_cipher_gettag(hd, s.ct + len, TAG_LEN)) != 0) {
		clv_error("AES-256-GCM encryption: %s", gcry_strerror(e));
		r = gcry_code(e);
		goto out;
	}
	s.ct_len = len + TAG_LEN;
	text_hex(&t, "ciphertext", s.ct, s.ct_len);
	if (t.err != 0) {
		r = t.err;
		goto out;
	}

	/* read back what was written: a file this code cannot read (a name
	 * that is not UTF-8, say) is never handed out */
	snprintf(what, sizeof(what), "sealed share of officer '%s'", o->id);
	if ((r = clv_sealed_info(what, (const unsigned char *)t.p, t.len, &back,
	    diag)) != 0)
		goto out;
	if (!info_equal(&back, &s.info)) {
		clv_error("sealed share of officer '%s' reads back differently", o->id);
		r = CLV_E_INTERNAL;
		goto out;
	}
	clv_info("sealed share %u of officer '%s' to %s", s.info.index, o->id,
	    kind == CLV_SEAL_CARD ? s.info.card : "a passphrase");
	out->data = (unsigned char *)t.p;
	out->len = t.len;
	t.p = NULL;
	r = 0;
out:
	gcry_cipher_close(hd);
	clv_secret_free(aes_key);
	text_free(&t);
	explicit_bzero(&s, sizeof(s));
	return r;
}

/* ---- unsealing ----------------------------------------------------------------- */

static int
unseal_card_key(const char *what, const sealed_t *s, const clv_unseal_key_t *key,
    clv_secret_t **aes_key, clv_diag_t *diag)
{
	const clv_sealed_info_t *i = &s->info;
	clv_pubkey_t *pub = NULL, *eph = NULL;
	clv_secret_t *z = NULL;
	char presented[sizeof(i->card)];
	int r = CLV_E_INTERNAL;

	*aes_key = NULL;
	if ((r = clv_hsm_card_identity(key->card, key->card_key_label, presented,
	    sizeof(presented))) != 0) {
		clv_diag_set(diag, r, "%s: the presented card's identity cannot be read (%s)",
		    what, clv_strerror(r));
		goto out;
	}
	/* another officer's card is refused before anything is derived */
	if (strcmp(presented, i->card) != 0) {
		r = clv_diag_set(diag, CLV_E_POLICY, "share file %s belongs to officer "
		    "'%s' (card %s); presented card %s is not theirs", what,
		    i->officer_name, i->card, presented);
		goto out;
	}
	if ((r = clv_hsm_pubkey(key->card, key->card_key_label, &pub)) != 0) {
		clv_diag_set(diag, r, "%s: card %s: the public key '%s' cannot be read (%s)",
		    what, presented, key->card_key_label, clv_strerror(r));
		goto out;
	}
	/* the header names the curve; a card key on another one, or an
	 * ephemeral point off the curve, means the file was altered */
	if (pub->type != CLV_KEY_EC || pub->curve != s->curve ||
	    clv_pubkey_new_ec(s->curve, s->eph, s->eph_len, &eph) != 0) {
		clv_debug("%s: card key type %d curve %d, header curve %d", what,
		    (int)pub->type, (int)pub->curve, (int)s->curve);
		r = CLV_E_INTEGRITY;
		goto out;
	}
	if ((r = clv_hsm_ecdh(key->card, key->card_key_label, s->eph, s->eph_len, &z)) != 0) {
		if (r == CLV_E_NOT_LOGGED_IN)
			clv_diag_set(diag, r, "%s: card %s is not logged in; officer '%s' "
			    "enters the card's PIN first", what, presented, i->officer_name);
		else
			clv_diag_set(diag, r, "%s: card %s: ECDH with key '%s' failed (%s)",
			    what, presented, key->card_key_label, clv_strerror(r));
		goto out;
	}
	if ((r = hkdf_card_key(z, s->eph, s->eph_len, aes_key)) != 0)
		goto out;
	r = 0;
out:
	clv_secret_free(z);
	clv_pubkey_free(pub);
	clv_pubkey_free(eph);
	return r;
}

int
clv_unseal_share(const char *what, const unsigned char *text, size_t len,
    const clv_unseal_key_t *key, clv_sealed_info_t *info, clv_secret_t **share,
    clv_diag_t *diag)
{
	clv_secret_t *aes_key = NULL, *plain = NULL;
	gcry_cipher_hd_t hd = NULL;
	sealed_t s;
	size_t plen;
	gcry_error_t e;
	int r = CLV_E_INTERNAL;

	if (share != NULL)
		*share = NULL;
	if (info != NULL)
		memset(info, 0, sizeof(*info));
	memset(&s, 0, sizeof(s));
	if (share == NULL || key == NULL || (text == NULL && len > 0)) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if (what == NULL)
		what = "<sealed share>";
	if ((r = sealed_decode(what, text, len, &s, diag)) != 0)
		goto out;
	if (info != NULL)
		*info = s.info;

	if (s.info.seal == CLV_SEAL_PASSPHRASE) {
		if (!secret_ok(key->passphrase)) {
			r = clv_diag_set(diag, CLV_E_USAGE, "%s: the share of officer '%s' "
			    "(%s) is sealed to a passphrase; it opens only with one", what,
			    s.info.officer_name, s.info.officer_id);
			goto out;
		}
		if ((r = argon2id(key->passphrase, s.salt, &s.info.kdf, &aes_key)) != 0) {
			clv_diag_set(diag, r, "%s: Argon2id (m=%u KiB) failed: %s", what,
			    s.info.kdf.m_kib, clv_strerror(r));
			goto out;
		}
	} else {
		if (key->card == NULL || key->card_key_label == NULL ||
		    *key->card_key_label == '\0') {
			r = clv_diag_set(diag, CLV_E_USAGE, "%s: the share of officer '%s' "
			    "(%s) is sealed to card %s; it opens only with that card", what,
			    s.info.officer_name, s.info.officer_id, s.info.card);
			goto out;
		}
		if ((r = unseal_card_key(what, &s, key, &aes_key, diag)) != 0)
			goto out;
	}

	plen = s.ct_len - TAG_LEN;
	if ((r = clv_secret_new(plen, &plain)) != 0)
		goto out;
	if ((r = gcm_open(aes_key, s.nonce, text, s.aad_len, &hd)) != 0)
		goto out;
	if ((e = gcry_cipher_final(hd)) != 0 ||
	    (e = gcry_cipher_decrypt(hd, plain->p, plen, s.ct, plen)) != 0) {
		clv_error("AES-256-GCM decryption: %s", gcry_strerror(e));
		r = gcry_code(e);
		goto out;
	}
	if ((e = gcry_cipher_checktag(hd, s.ct + plen, TAG_LEN)) != 0) {
		clv_debug("%s: GCM tag: %s", what, gcry_strerror(e));
		r = CLV_E_INTEGRITY;
		goto out;
	}
	plain->len = plen;
	*share = plain;
	plain = NULL;
	r = 0;
out:
	if (r == CLV_E_INTEGRITY)
		clv_diag_set(diag, r, "%s: the share of officer '%s' (%s) does not open: "
		    "wrong passphrase, another officer's card, or the file was altered",
		    what, s.info.officer_name, s.info.officer_id);
	gcry_cipher_close(hd);
	clv_secret_free(plain);
	clv_secret_free(aes_key);
	explicit_bzero(&s, sizeof(s));
	return r;
}
