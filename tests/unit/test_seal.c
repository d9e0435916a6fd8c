/*
 * Unit tests: seal.  Passphrase seals use small Argon2id parameters (one
 * test uses the defaults); card seals use SoftHSM tokens standing in for the
 * officers' cards, in a token store made in a mkdtemp directory with its own
 * SOFTHSM2_CONF.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gcrypt.h>

#include "seal.h"
#include "unit.h"

#define SO_PIN     "so-pin-31415"
#define USER_PIN   "user-pin-27182"
#define PASSPHRASE "correct horse battery staple"
#define FILE_NAME  "alice.share"

static const clv_kdf_params_t small_kdf = { 1, 1024, 1 };
static const clv_kdf_params_t tiny_kdf = { 1, 64, 1 };

static const unsigned char share32[32] = {
	0x5a, 0x01, 0xf3, 0x22, 0x9c, 0x00, 0x7e, 0x41, 0x13, 0xd8, 0x66, 0xab, 0x02, 0x9e,
	0x71, 0xc4, 0x38, 0x8f, 0xe0, 0x0d, 0x54, 0xb9, 0x27, 0x6a, 0xfd, 0x10, 0x83, 0x4e,
	0xc2, 0x95, 0x3b, 0xee,
};

/* ---- helpers ----------------------------------------------------------------- */

static void
log_quiet(int level, const char *func, int line, const char *msg, void *ctx)
{
}

static char logbuf[32768];

static void
log_capture(int level, const char *func, int line, const char *msg, void *ctx)
{
	size_t used = strlen(logbuf);

	snprintf(logbuf + used, sizeof(logbuf) - used, "%s:%d: %s\n", func, line, msg);
}

static clv_secret_t *
secret(const char *text)
{
	clv_secret_t *s = NULL;
	size_t len = strlen(text);

	CU_ASSERT_FATAL(clv_secret_new(len + 1, &s) == 0);
	memcpy(s->p, text, len);
	s->len = len;
	return s;
}

/* A 2-of-3 user-PIN share set: alice, bob (a name that needs quoting) and
 * carol (UTF-8). */
static void
set_new(clv_share_set_t *set)
{
	static const char *const ids[] = { "alice", "bob", "carol" };
	static const char *const names[] = { "Alice Example", "Bob \"the Builder\" \\ Jr",
	    "Carol \xc3\x9clker-\xc5\xbb" "ak" };
	unsigned k;

	memset(set, 0, sizeof(*set));
	for (k = 0; k < sizeof(set->set_id); k++)
		set->set_id[k] = (unsigned char)(0xa0 + k);
	snprintf(set->purpose, sizeof(set->purpose), "user-pin");
	snprintf(set->token_serial, sizeof(set->token_serial), "7c3e1f0a92b4d615");
	snprintf(set->token_label, sizeof(set->token_label), "csca-2026");
	set->threshold = 2;
	set->count = 3;
	for (k = 0; k < 3; k++) {
		snprintf(set->officers[k].id, sizeof(set->officers[k].id), "%s", ids[k]);
		snprintf(set->officers[k].name, sizeof(set->officers[k].name), "%s", names[k]);
		set->officers[k].index = k + 1;
	}
}

/* Seals share32 for officer k with pass and kdf; asserts success. */
static void
seal_pass(const clv_share_set_t *set, unsigned k, const char *pass,
    const clv_kdf_params_t *kdf, clv_buf_t *out)
{
	clv_secret_t *p = secret(pass);
	clv_unseal_key_t key = { p, NULL, NULL };
	clv_diag_t d = { "" };

	CU_ASSERT_EQUAL_FATAL(clv_seal_share(set, k, share32, sizeof(share32), &key, kdf, out,
	    &d), 0);
	clv_secret_free(p);
}

/* Unseals text with a passphrase; returns the code, checks the share on 0. */
static int
unseal_pass(const unsigned char *text, size_t len, const char *pass, clv_diag_t *d)
{
	clv_secret_t *p = secret(pass), *out = (clv_secret_t *)&out;
	clv_unseal_key_t key = { p, NULL, NULL };
	clv_sealed_info_t info;
	int r;

	clv_diag_clear(d);
	r = clv_unseal_share(FILE_NAME, text, len, &key, &info, &out, d);
	if (r == 0) {
		CU_ASSERT_FATAL(out != NULL);
		CU_ASSERT(out->len == sizeof(share32) &&
		    memcmp(out->p, share32, sizeof(share32)) == 0);
	} else {
		CU_ASSERT_PTR_NULL(out);
	}
	clv_secret_free(r == 0 ? out : NULL);
	clv_secret_free(p);
	return r;
}

/* A copy of b with the one occurrence of old replaced by new. */
static void
edit(const clv_buf_t *b, const char *old, const char *new, clv_buf_t *out)
{
	const char *text = (const char *)b->data, *at;
	size_t ol = strlen(old), nl = strlen(new), pre;

	if ((at = memmem(text, b->len, old, ol)) == NULL)
		fprintf(stderr, "\nno '%s'\n", old);
	CU_ASSERT_FATAL(at != NULL);
	CU_ASSERT_FATAL(memmem(at + 1, b->len - (size_t)(at + 1 - text), old, ol) == NULL);
	pre = (size_t)(at - text);
	out->len = b->len - ol + nl;
	CU_ASSERT_FATAL((out->data = malloc(out->len)) != NULL);
	memcpy(out->data, text, pre);
	memcpy(out->data + pre, new, nl);
	memcpy(out->data + pre + nl, at + ol, b->len - pre - ol);
}

/* Does the text hold lit? */
static int
has(const clv_buf_t *b, const char *lit)
{
	return memmem(b->data, b->len, lit, strlen(lit)) != NULL;
}

/* Another character of the same kind: a digit, a lower-case hex digit, a
 * letter; so the file still reads well and only the AAD tells. */
static unsigned char
bump(unsigned char c)
{
	if (c == '9' || c == 'f' || c == 'z' || c == 'Z')
		return (unsigned char)(c - 1);
	return (unsigned char)(c + 1);
}

/* Offset of the value of "key = " in the text (first character after it). */
static size_t
value_at(const clv_buf_t *b, const char *key)
{
	char pat[64];
	const char *at;

	snprintf(pat, sizeof(pat), "\n%s = ", key);
	CU_ASSERT_FATAL((at = memmem(b->data, b->len, pat, strlen(pat))) != NULL);
	return (size_t)(at - (const char *)b->data) + strlen(pat);
}

/* ---- SoftHSM token store ---------------------------------------------------- */

#define CLV_UNIT_STORE_NAME "seal"
#include "softhsm.h"

/* An officer's card: a new token labelled label with EC derive keys
 * (keys[i] on curves[i]); returned selected and logged out. */
static clv_hsm_t *
card_new(const char *label, const char *const *keys, const clv_curve_t *curves, size_t n)
{
	clv_secret_t *so = secret(SO_PIN), *user = secret(USER_PIN);
	clv_hsm_t *h = NULL;
	clv_diag_t d = { "" };
	size_t i;

	CU_ASSERT_EQUAL_FATAL(clv_hsm_open(module_path(), &h, &d), 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_init_token(h, label, so, user, &d), 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_login(h, user), 0);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL_FATAL(clv_hsm_generate_ecdh(h, keys[i], curves[i], NULL, &d), 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_logout(h), 0);
	clv_secret_free(so);
	clv_secret_free(user);
	return h;
}

static void
card_login(clv_hsm_t *h)
{
	clv_secret_t *pin = secret(USER_PIN);

	CU_ASSERT_EQUAL_FATAL(clv_hsm_login(h, pin), 0);
	clv_secret_free(pin);
}

/* ---- tests ------------------------------------------------------------------- */

/* libgcrypt's Argon2id is RFC 9106's (section 5.3 test vector), so a sealed
 * share opens with any other Argon2id implementation too. */
static void
test_argon2id_vector(void)
{
	static const unsigned char want[32] = {
		0x0d, 0x64, 0x0d, 0xf5, 0x8d, 0x78, 0x76, 0x6c, 0x08, 0xc0, 0x37, 0xa3,
		0x4a, 0x8b, 0x53, 0xc9, 0xd0, 0x1e, 0xf0, 0x45, 0x2d, 0x75, 0xb6, 0x5e,
		0xb5, 0x25, 0x20, 0xe9, 0x6b, 0x01, 0xe6, 0x59,
	};
	unsigned char pw[32], salt[16], key[8], ad[12], out[32];
	unsigned long param[4] = { 32, 3, 32, 4 };
	gcry_kdf_hd_t hd = NULL;

	memset(pw, 0x01, sizeof(pw));
	memset(salt, 0x02, sizeof(salt));
	memset(key, 0x03, sizeof(key));
	memset(ad, 0x04, sizeof(ad));
	clv_gcry_init();
	CU_ASSERT_EQUAL_FATAL(gcry_kdf_open(&hd, GCRY_KDF_ARGON2, GCRY_KDF_ARGON2ID, param, 4,
	    pw, sizeof(pw), salt, sizeof(salt), key, sizeof(key), ad, sizeof(ad)), 0);
	CU_ASSERT_EQUAL(gcry_kdf_compute(hd, NULL), 0);
	CU_ASSERT_EQUAL(gcry_kdf_final(hd, sizeof(out), out), 0);
	gcry_kdf_close(hd);
	CU_ASSERT(memcmp(out, want, sizeof(want)) == 0);
}

static void
test_passphrase_round_trip(void)
{
	clv_share_set_t set;
	clv_buf_t a = { NULL, 0 }, b = { NULL, 0 };
	clv_secret_t *p = secret(PASSPHRASE), *out = NULL;
	clv_unseal_key_t key = { p, NULL, NULL };
	clv_sealed_info_t info;
	clv_diag_t d = { "" };
	const char *text, *last;
	const char *head = "# Conclave sealed share of officer 'Alice Example' (alice): "
	    "share 1 of 3, 2 needed\n# Sealed to the officer's passphrase.  See "
	    "conclave-share(5).\n[sealed-share]\n";
	unsigned k;

	set_new(&set);
	seal_pass(&set, 0, PASSPHRASE, &small_kdf, &a);
	text = (const char *)a.data;
	/* a text file that says whose share it is */
	CU_ASSERT(strncmp(text, head, strlen(head)) == 0);
	CU_ASSERT(has(&a, "\n[sealed-share]\nformat = 1\n"
	    "set = a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\npurpose = user-pin\n"
	    "token_serial = \"7c3e1f0a92b4d615\"\nthreshold = 2\ncount = 3\nindex = 1\n"
	    "officer = alice\nofficer_name = \"Alice Example\"\nseal = passphrase\n"
	    "kdf = argon2id\nkdf_t = 1\nkdf_m_kib = 1024\nkdf_p = 1\nsalt = "));
	CU_ASSERT(has(&a, "\ncipher = aes-256-gcm\nnonce = "));
	/* the ciphertext line is last: 32 octets of share and a 16-octet tag */
	CU_ASSERT(a.len > 0 && text[a.len - 1] == '\n');
	last = text + a.len - 1;
	while (last > text && last[-1] != '\n')
		last--;
	CU_ASSERT(strncmp(last, "ciphertext = ", 13) == 0);
	CU_ASSERT_EQUAL((size_t)(text + a.len - last), 13 + 2 * (32 + 16) + 1);
	CU_ASSERT_PTR_NULL(memmem(text, a.len, PASSPHRASE, strlen(PASSPHRASE)));
	CU_ASSERT_PTR_NULL(memmem(text, a.len, share32, 4));

	CU_ASSERT_EQUAL(clv_sealed_info(FILE_NAME, a.data, a.len, &info, &d), 0);
	CU_ASSERT_EQUAL(info.format, 1);
	CU_ASSERT(memcmp(info.set_id, set.set_id, sizeof(set.set_id)) == 0);
	CU_ASSERT_STRING_EQUAL(info.purpose, "user-pin");
	CU_ASSERT_STRING_EQUAL(info.token_serial, "7c3e1f0a92b4d615");
	CU_ASSERT_EQUAL(info.threshold, 2);
	CU_ASSERT_EQUAL(info.count, 3);
	CU_ASSERT_EQUAL(info.index, 1);
	CU_ASSERT_STRING_EQUAL(info.officer_id, "alice");
	CU_ASSERT_STRING_EQUAL(info.officer_name, "Alice Example");
	CU_ASSERT_EQUAL(info.seal, CLV_SEAL_PASSPHRASE);
	CU_ASSERT(info.kdf.t == 1 && info.kdf.m_kib == 1024 && info.kdf.p == 1);
	CU_ASSERT_STRING_EQUAL(info.card, "");

	memset(&info, 0x55, sizeof(info));
	CU_ASSERT_EQUAL_FATAL(clv_unseal_share(FILE_NAME, a.data, a.len, &key, &info, &out,
	    &d), 0);
	CU_ASSERT(out->len == sizeof(share32) && memcmp(out->p, share32, 32) == 0);
	CU_ASSERT(out->cap >= out->len);
	CU_ASSERT_STRING_EQUAL(info.officer_name, "Alice Example");
	CU_ASSERT_EQUAL(info.index, 1);
	clv_secret_free(out);

	/* salt and nonce are fresh each time */
	seal_pass(&set, 0, PASSPHRASE, &small_kdf, &b);
	CU_ASSERT(a.len == b.len && memcmp(a.data, b.data, a.len) != 0);
	clv_buf_free(&b);

	/* names that need quoting, and UTF-8, survive; every officer opens */
	for (k = 1; k < 3; k++) {
		seal_pass(&set, k, PASSPHRASE, &small_kdf, &b);
		CU_ASSERT_EQUAL(clv_sealed_info("other.share", b.data, b.len, &info, &d), 0);
		CU_ASSERT_STRING_EQUAL(info.officer_name, set.officers[k].name);
		CU_ASSERT_STRING_EQUAL(info.officer_id, set.officers[k].id);
		CU_ASSERT_EQUAL(info.index, k + 1);
		CU_ASSERT_EQUAL(unseal_pass(b.data, b.len, PASSPHRASE, &d), 0);
		clv_buf_free(&b);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr((const char *)set.officers[1].name, "\"the Builder\""));
	clv_secret_free(p);
	clv_buf_free(&a);
}

static void
test_passphrase_defaults(void)
{
	clv_share_set_t set;
	clv_kdf_params_t def;
	clv_sealed_info_t info;
	clv_buf_t a = { NULL, 0 };
	clv_diag_t d = { "" };

	clv_kdf_params_default(&def);
	CU_ASSERT(def.t == 3 && def.m_kib == 65536 && def.p == 1);
	set_new(&set);
	seal_pass(&set, 2, PASSPHRASE, NULL, &a);
	CU_ASSERT(has(&a, "\nkdf_t = 3\nkdf_m_kib = 65536\nkdf_p = 1\n"));
	CU_ASSERT_EQUAL(clv_sealed_info(FILE_NAME, a.data, a.len, &info, &d), 0);
	CU_ASSERT(info.kdf.t == 3 && info.kdf.m_kib == 65536 && info.kdf.p == 1);
	CU_ASSERT_EQUAL(unseal_pass(a.data, a.len, PASSPHRASE, &d), 0);
	clv_buf_free(&a);
}

static void
test_wrong_passphrase(void)
{
	clv_share_set_t set;
	clv_buf_t a = { NULL, 0 };
	clv_diag_t d = { "" };

	set_new(&set);
	seal_pass(&set, 0, PASSPHRASE, &small_kdf, &a);
	logbuf[0] = '\0';
	clv_log_set_handler(log_capture, NULL, CLV_LOG_DEBUG);
	CU_ASSERT_EQUAL(unseal_pass(a.data, a.len, "correct horse battery stapler", &d),
	    CLV_E_INTEGRITY);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_STRING_EQUAL(d.msg, FILE_NAME ": the share of officer 'Alice Example' "
	    "(alice) does not open: wrong passphrase, another officer's card, or the file "
	    "was altered");
	CU_ASSERT_PTR_NULL(strstr(logbuf, "correct horse"));
	CU_ASSERT_EQUAL(unseal_pass(a.data, a.len, "Correct horse battery staple", &d),
	    CLV_E_INTEGRITY);
	CU_ASSERT_EQUAL(unseal_pass(a.data, a.len, PASSPHRASE "\n", &d), CLV_E_INTEGRITY);
	CU_ASSERT_EQUAL(unseal_pass(a.data, a.len, PASSPHRASE, &d), 0);
	clv_buf_free(&a);
}

/* One changed character in each class of position: refused as altered. */
static void
test_tamper_classes(void)
{
	static const char *const fields[] = { "set", "token_serial", "threshold",
	    "count", "index", "officer", "officer_name", "kdf_m_kib", "salt", "nonce" };
	clv_share_set_t set;
	clv_buf_t a = { NULL, 0 }, b = { NULL, 0 }, a2 = { NULL, 0 };
	clv_diag_t d = { "" };
	size_t i, at, ct;
	unsigned char c;

	set_new(&set);
	set.count = 5;
	snprintf(set.officers[3].id, sizeof(set.officers[3].id), "dave");
	snprintf(set.officers[3].name, sizeof(set.officers[3].name), "Dave");
	set.officers[3].index = 4;
	snprintf(set.officers[4].id, sizeof(set.officers[4].id), "erin");
	snprintf(set.officers[4].name, sizeof(set.officers[4].name), "Erin");
	set.officers[4].index = 5;
	seal_pass(&set, 0, PASSPHRASE, &small_kdf, &a);
	CU_ASSERT_EQUAL(unseal_pass(a.data, a.len, PASSPHRASE, &d), 0);
	CU_ASSERT_EQUAL_FATAL(clv_buf_set(&b, a.data, a.len), 0);

	/* header fields: a value that still reads well, so only the AAD
	 * can tell (index 1 -> 3, count 5 -> 4, "alice" -> "alicf", ...) */
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		at = value_at(&b, fields[i]);
		if (b.data[at] == '"')
			at++;
		c = b.data[at];
		b.data[at] = bump(c);
		CU_ASSERT_EQUAL(unseal_pass(b.data, b.len, PASSPHRASE, &d), CLV_E_INTEGRITY);
		if (strstr(d.msg, "does not open") == NULL)
			fprintf(stderr, "\nfield %s: %s\n", fields[i], d.msg);
		CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "does not open"));
		b.data[at] = c;
	}
	/* the other purpose: a well-formed header of another share set */
	edit(&b, "purpose = user-pin\n", "purpose = so-pin\n", &a2);
	CU_ASSERT_EQUAL(unseal_pass(a2.data, a2.len, PASSPHRASE, &d), CLV_E_INTEGRITY);
	clv_buf_free(&a2);
	/* the comment at the top is authenticated too */
	b.data[3] ^= 0x01;
	CU_ASSERT_EQUAL(unseal_pass(b.data, b.len, PASSPHRASE, &d), CLV_E_INTEGRITY);
	b.data[3] ^= 0x01;
	/* the ciphertext and the tag */
	ct = value_at(&b, "ciphertext");
	{
		/* first and last digit of the ciphertext, of the tag */
		const size_t pos[] = { ct, ct + 2 * 32 - 1, ct + 2 * 32, b.len - 2 };

		for (i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
			c = b.data[pos[i]];
			b.data[pos[i]] = bump(c);
			CU_ASSERT_EQUAL(unseal_pass(b.data, b.len, PASSPHRASE, &d),
			    CLV_E_INTEGRITY);
			b.data[pos[i]] = c;
		}
	}
	/* the same letters in upper case are other bytes of the AAD */
	at = value_at(&b, "salt");
	while (!(b.data[at] >= 'a' && b.data[at] <= 'f'))
		at++;
	b.data[at] ^= 0x20;
	CU_ASSERT(unseal_pass(b.data, b.len, PASSPHRASE, &d) < 0);
	b.data[at] ^= 0x20;
	CU_ASSERT(b.len == a.len && memcmp(a.data, b.data, a.len) == 0);
	CU_ASSERT_EQUAL(unseal_pass(b.data, b.len, PASSPHRASE, &d), 0);
	clv_buf_free(&a);
	clv_buf_free(&b);
}

/* Every single-bit change anywhere in the file is refused, never opened. */
static void
test_tamper_every_byte(void)
{
	clv_share_set_t set;
	clv_buf_t a = { NULL, 0 };
	clv_diag_t d = { "" };
	unsigned opened = 0, integrity = 0;
	size_t i;
	int r;

	set_new(&set);
	seal_pass(&set, 0, PASSPHRASE, &tiny_kdf, &a);
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	for (i = 0; i < a.len; i++) {
		a.data[i] ^= 0x01;
		r = unseal_pass(a.data, a.len, PASSPHRASE, &d);
		a.data[i] ^= 0x01;
		if (r == 0)
			opened++;
		else if (r == CLV_E_INTEGRITY)
			integrity++;
		else
			CU_ASSERT(r == CLV_E_FORMAT);
	}
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_EQUAL(opened, 0);
	CU_ASSERT(integrity > a.len / 2);
	CU_ASSERT_EQUAL(unseal_pass(a.data, a.len, PASSPHRASE, &d), 0);
	clv_buf_free(&a);
}

static void
test_truncated(void)
{
	clv_share_set_t set;
	clv_buf_t a = { NULL, 0 }, b = { NULL, 0 };
	clv_sealed_info_t info;
	clv_diag_t d = { "" };
	size_t n;
	int r;

	set_new(&set);
	seal_pass(&set, 0, PASSPHRASE, &tiny_kdf, &a);
	for (n = 0; n < a.len; n++) {
		r = unseal_pass(a.data, n, PASSPHRASE, &d);
		CU_ASSERT(r == CLV_E_FORMAT || r == CLV_E_INTEGRITY);
	}
	/* the last newline only */
	CU_ASSERT_EQUAL(clv_sealed_info(FILE_NAME, a.data, a.len - 1, &info, &d),
	    CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "cut short"));
	/* an even number of hex digits cut from the ciphertext: the tag fails */
	CU_ASSERT_EQUAL_FATAL(clv_buf_set(&b, a.data, a.len - 2), 0);
	b.data[b.len - 1] = '\n';
	CU_ASSERT_EQUAL(unseal_pass(b.data, b.len, PASSPHRASE, &d), CLV_E_INTEGRITY);
	clv_buf_free(&b);
	/* anything after the ciphertext line */
	CU_ASSERT_EQUAL_FATAL(clv_buf_set(&b, a.data, a.len), 0);
	CU_ASSERT_FATAL((b.data = realloc(b.data, a.len + 12)) != NULL);
	memcpy(b.data + a.len, "# appended\n", 11);
	b.len = a.len + 11;
	CU_ASSERT_EQUAL(unseal_pass(b.data, b.len, PASSPHRASE, &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "not the last line"));
	clv_buf_free(&b);
	CU_ASSERT_EQUAL(unseal_pass(a.data, a.len, PASSPHRASE, &d), 0);
	clv_buf_free(&a);
}

/* Strict decoding: each defect a FORMAT error naming file and line. */
static void
test_decode_strict(void)
{
	static const struct {
		const char *old, *new, *msg;
	} cases[] = {
		{ "format = 1\n", "format = 2\n", FILE_NAME ":4: format 2" },
		{ "format = 1\n", "format = 01\n", FILE_NAME ":4: format: expected a whole" },
		{ "format = 1\n", "", FILE_NAME ":3: [sealed-share] lacks key 'format'" },
		{ "\nthreshold = 2\n", "\nthreshold = 4\n", ":8: threshold: expected a whole "
		    "number from 2 to 3" },
		{ "\nindex = 1\n", "\nindex = 0\n", ":10: index: expected" },
		{ "purpose = user-pin\n", "purpose = vser-pin\n", ":6: purpose: expected "
		    "'user-pin' or 'so-pin'" },
		{ "\ncount = 3\n", "\ncount = 17\n", ":9: count: expected a whole number "
		    "from 2 to 16" },
		{ "officer = alice\n", "officer = Alice\n", ":11: officer: expected lower-case" },
		{ "seal = passphrase\n", "seal = pin\n", ":13: seal: expected 'passphrase' or "
		    "'card'" },
		{ "kdf = argon2id\n", "kdf = scrypt\n", ":14: kdf: expected 'argon2id'" },
		{ "kdf_m_kib = 64\n", "kdf_m_kib = 4\n", ":16: kdf_m_kib: expected a whole "
		    "number from 8 to" },
		{ "kdf_m_kib = 64\n", "kdf_m_kib = 9999999999\n", ":16: kdf_m_kib" },
		{ "kdf_t = 1\n", "kdf_t = 1\ncard = \"x\"\n", ":16: key 'card' belongs to a "
		    "card seal" },
		{ "cipher = aes-256-gcm\n", "cipher = aes-128-gcm\n", ":19: cipher: expected "
		    "'aes-256-gcm'" },
		{ "cipher = aes-256-gcm\n", "cipher = aes-256-gcm\nwitness = bob\n",
		    ":20: unknown key 'witness' in [sealed-share]" },
		{ "cipher = aes-256-gcm\n", "cipher = aes-256-gcm\n[another]\n",
		    ":20: section [another]; a sealed share has one [sealed-share] section" },
		{ "[sealed-share]\n", "officer = x\n[sealed-share]\n", ":3: entry before "
		    "[sealed-share]" },
		{ "[sealed-share]\n", "[sealed-shares]\n", ":3: section [sealed-shares]" },
		{ "nonce = ", "nonce = 00", ":20: nonce: expected 12 octets in lower-case hex "
		    "(24 digits), got 26" },
		{ "salt = ", "salt = 0", ":18: salt: expected 16 octets" },
		{ "officer_name = \"Alice Example\"", "officer_name = \"\"", ":12: officer_name: "
		    "expected text of 1 to 127 bytes" },
		{ "\nciphertext = ", "\nciphertext = 0", ":21: ciphertext: expected 17 to "
		    "80 octets" },
		{ "\nciphertext = ", "\nnonce2 = 00\nciphertext = ", ":21: unknown key "
		    "'nonce2'" },
		{ "\nciphertext = ", "\n\nciphertext = ", NULL },
	};
	clv_share_set_t set;
	clv_buf_t a = { NULL, 0 }, b = { NULL, 0 };
	clv_sealed_info_t info;
	clv_diag_t d = { "" };
	size_t i, at;

	set_new(&set);
	seal_pass(&set, 0, PASSPHRASE, &tiny_kdf, &a);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		edit(&a, cases[i].old, cases[i].new, &b);
		clv_diag_clear(&d);
		if (cases[i].msg == NULL) {
			/* a blank line reads well, but the AAD has changed */
			CU_ASSERT_EQUAL(clv_sealed_info(FILE_NAME, b.data, b.len, &info, &d), 0);
			CU_ASSERT_EQUAL(unseal_pass(b.data, b.len, PASSPHRASE, &d),
			    CLV_E_INTEGRITY);
		} else {
			CU_ASSERT_EQUAL(clv_sealed_info(FILE_NAME, b.data, b.len, &info, &d),
			    CLV_E_FORMAT);
			if (strstr(d.msg, cases[i].msg) == NULL)
				fprintf(stderr, "\ncase %zu: '%s' lacks '%s'\n", i, d.msg,
				    cases[i].msg);
			CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, cases[i].msg));
			CU_ASSERT(strncmp(d.msg, FILE_NAME ":", strlen(FILE_NAME) + 1) == 0);
			CU_ASSERT_EQUAL(unseal_pass(b.data, b.len, PASSPHRASE, &d), CLV_E_FORMAT);
			CU_ASSERT_STRING_EQUAL(info.officer_id, "");
		}
		clv_buf_free(&b);
	}
	/* upper-case hex is not the canonical form */
	CU_ASSERT_EQUAL_FATAL(clv_buf_set(&b, a.data, a.len), 0);
	at = value_at(&b, "set");
	b.data[at + 1] = 'A';
	CU_ASSERT_EQUAL(clv_sealed_info(FILE_NAME, b.data, b.len, &info, &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, ":5: set: expected 16 octets in lower-case hex"));
	clv_buf_free(&b);
	/* not a sealed share at all */
	CU_ASSERT_EQUAL(clv_sealed_info(FILE_NAME, (const unsigned char *)"# nothing\n", 10,
	    &info, &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "no [sealed-share] section"));
	CU_ASSERT_EQUAL(clv_sealed_info(FILE_NAME, a.data, a.len, NULL, &d), CLV_E_INVALID_ARG);
	clv_buf_free(&a);
}

/* The header is read without the key, even when the ciphertext is bad. */
static void
test_sealed_info_header_only(void)
{
	clv_share_set_t set;
	clv_buf_t a = { NULL, 0 };
	clv_sealed_info_t info;
	clv_diag_t d = { "" };
	size_t ct;

	set_new(&set);
	seal_pass(&set, 1, PASSPHRASE, &tiny_kdf, &a);
	ct = value_at(&a, "ciphertext");
	a.data[ct] = a.data[ct] == '0' ? '1' : '0';
	CU_ASSERT_EQUAL(clv_sealed_info("bob.share", a.data, a.len, &info, &d), 0);
	CU_ASSERT_STRING_EQUAL(info.officer_id, "bob");
	CU_ASSERT_STRING_EQUAL(info.officer_name, "Bob \"the Builder\" \\ Jr");
	CU_ASSERT_EQUAL(info.index, 2);
	CU_ASSERT_EQUAL(unseal_pass(a.data, a.len, PASSPHRASE, &d), CLV_E_INTEGRITY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "officer 'Bob \"the Builder\" \\ Jr' (bob)"));
	clv_buf_free(&a);
}

static void
test_seal_refusals(void)
{
	clv_share_set_t set;
	clv_secret_t *p = secret(PASSPHRASE), *empty = secret("");
	clv_unseal_key_t key = { p, NULL, NULL }, none = { empty, NULL, NULL };
	clv_kdf_params_t bad_t = { 0, 1024, 1 }, bad_m = { 1, 15, 2 }, bad_p = { 1, 1024, 0 };
	clv_buf_t out = { NULL, 0 };
	clv_diag_t d = { "" };

	set_new(&set);
	CU_ASSERT_EQUAL(clv_seal_share(&set, 3, share32, 32, &key, &tiny_kdf, &out, &d),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "no officer 3"));
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, 0, &key, &tiny_kdf, &out, &d),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, 65, &key, &tiny_kdf, &out, &d),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "65 octets"));
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, 32, &none, &tiny_kdf, &out, &d),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, 32, &key, &bad_t, &out, &d),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "t=0"));
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, 32, &key, &bad_m, &out, &d),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, 32, &key, &bad_p, &out, &d),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, 32, NULL, &tiny_kdf, &out, &d),
	    CLV_E_INVALID_ARG);
	/* an officer enrolled for a card is not sealed to a passphrase */
	set.officers[0].seal = CLV_SEAL_CARD;
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, 32, &key, &tiny_kdf, &out, &d),
	    CLV_E_POLICY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "'Alice Example' (alice) is enrolled for a "
	    "card seal"));
	set.officers[0].seal = CLV_SEAL_PASSPHRASE;
	/* what the file could not carry */
	snprintf(set.officers[0].id, sizeof(set.officers[0].id), "Alice");
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, 32, &key, &tiny_kdf, &out, &d),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "id 'Alice'"));
	snprintf(set.officers[0].id, sizeof(set.officers[0].id), "alice");
	snprintf(set.officers[0].name, sizeof(set.officers[0].name), "Alice\nExample");
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, 32, &key, &tiny_kdf, &out, &d),
	    CLV_E_INVALID_ARG);
	/* not UTF-8: caught by reading the file back before it is handed out */
	snprintf(set.officers[0].name, sizeof(set.officers[0].name), "Alice \xff");
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, 32, &key, &tiny_kdf, &out, &d),
	    CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "invalid UTF-8"));
	snprintf(set.officers[0].name, sizeof(set.officers[0].name), "Alice Example");
	set.threshold = 4;
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, 32, &key, &tiny_kdf, &out, &d),
	    CLV_E_INVALID_ARG);
	set.threshold = 2;
	snprintf(set.purpose, sizeof(set.purpose), "kek");
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, 32, &key, &tiny_kdf, &out, &d),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "purpose 'kek'"));
	snprintf(set.purpose, sizeof(set.purpose), "so-pin");
	CU_ASSERT_PTR_NULL(out.data);
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, 32, &key, &tiny_kdf, &out, &d), 0);
	clv_buf_free(&out);
	clv_secret_free(p);
	clv_secret_free(empty);
}

/* Nothing secret reaches the debug log, even at debug level. */
static void
test_no_secrets_logged(void)
{
	clv_share_set_t set;
	clv_buf_t a = { NULL, 0 };
	clv_diag_t d = { "" };
	char hex[2 * 32 + 1];

	clv_hex(share32, sizeof(share32), hex);
	set_new(&set);
	logbuf[0] = '\0';
	clv_log_set_handler(log_capture, NULL, CLV_LOG_DEBUG);
	seal_pass(&set, 0, PASSPHRASE, &tiny_kdf, &a);
	CU_ASSERT_EQUAL(unseal_pass(a.data, a.len, PASSPHRASE, &d), 0);
	CU_ASSERT_EQUAL(unseal_pass(a.data, a.len, "wrong " PASSPHRASE, &d), CLV_E_INTEGRITY);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_PTR_NOT_NULL(strstr(logbuf, "sealed share 1 of officer 'alice'"));
	CU_ASSERT_PTR_NULL(strstr(logbuf, PASSPHRASE));
	CU_ASSERT_PTR_NULL(strstr(logbuf, hex));
	CU_ASSERT_PTR_NULL(strstr(d.msg, PASSPHRASE));
	clv_buf_free(&a);
}

/*
 * A share sealed by an earlier build (Argon2id t=2, m=256 KiB, p=2) opens:
 * the format is stable.  The file was also opened independently, with
 * OpenSSL's Argon2id and AES-256-GCM, following conclave-share(5).
 */
static const char fixture[] =
	"# Conclave sealed share of officer 'Dana K\xc3\xb6" "nig' (dana-k): "
	"share 4 of 5, 3 needed\n"
	"# Sealed to the officer's passphrase.  See conclave-share(5).\n"
	"[sealed-share]\n"
	"format = 1\n"
	"set = 00112233445566778899aabbccddeeff\n"
	"purpose = so-pin\n"
	"token_serial = \"0c51a5e2d0f37b19\"\n"
	"threshold = 3\n"
	"count = 5\n"
	"index = 4\n"
	"officer = dana-k\n"
	"officer_name = \"Dana K\xc3\xb6" "nig\"\n"
	"seal = passphrase\n"
	"kdf = argon2id\n"
	"kdf_t = 2\n"
	"kdf_m_kib = 256\n"
	"kdf_p = 2\n"
	"salt = 34a5f0d7b66f0257783976655df0c619\n"
	"cipher = aes-256-gcm\n"
	"nonce = 1ae26f2253532ddfe2f708f6\n"
	"ciphertext = 57d29bcc316de46147c4011f6b91db5d85de5b57682cfc455d77f1af9297cd39"
	"69b0c45485dc2cfe78afaf90d93e3840\n";

static void
test_fixture(void)
{
	const unsigned char *text = (const unsigned char *)fixture;
	clv_secret_t *p = secret("fixture passphrase"), *out = NULL;
	clv_unseal_key_t key = { p, NULL, NULL };
	clv_sealed_info_t info;
	clv_diag_t d = { "" };
	unsigned char want[32];
	size_t i;

	for (i = 0; i < sizeof(want); i++)
		want[i] = (unsigned char)(0xc0 + i);
	CU_ASSERT_EQUAL_FATAL(clv_unseal_share("dana.share", text, strlen(fixture), &key,
	    &info, &out, &d), 0);
	CU_ASSERT(out->len == 32 && memcmp(out->p, want, 32) == 0);
	CU_ASSERT_STRING_EQUAL(info.purpose, "so-pin");
	CU_ASSERT(info.threshold == 3 && info.count == 5 && info.index == 4);
	CU_ASSERT_STRING_EQUAL(info.officer_id, "dana-k");
	CU_ASSERT_STRING_EQUAL(info.officer_name, "Dana K\xc3\xb6nig");
	CU_ASSERT(info.kdf.t == 2 && info.kdf.m_kib == 256 && info.kdf.p == 2);
	clv_secret_free(out);
	clv_secret_free(p);
	p = secret("fixture passphrasE");
	key.passphrase = p;
	out = NULL;
	CU_ASSERT_EQUAL(clv_unseal_share("dana.share", text, strlen(fixture), &key, &info,
	    &out, &d), CLV_E_INTEGRITY);
	CU_ASSERT_STRING_EQUAL(d.msg, "dana.share: the share of officer 'Dana K\xc3\xb6nig' "
	    "(dana-k) does not open: wrong passphrase, another officer's card, or the "
	    "file was altered");
	CU_ASSERT_PTR_NULL(out);
	clv_secret_free(p);
}

/* Officers' cards: SoftHSM tokens with ECDH keys. */
static void
test_card_seal(void)
{
	static const char *const alice_keys[] = { "alice-p256", "alice-bp256" };
	static const clv_curve_t alice_curves[] = { CLV_CURVE_P256, CLV_CURVE_BP256R1 };
	static const char *const bob_keys[] = { "bob-p256" };
	static const clv_curve_t bob_curves[] = { CLV_CURVE_P256 };
	static const char *const curve_names[] = { "P-256", "brainpoolP256r1" };
	clv_share_set_t set;
	clv_hsm_t *alice, *bob;
	clv_secret_t *out = NULL, *pass = secret(PASSPHRASE);
	clv_unseal_key_t key;
	clv_sealed_info_t info;
	clv_buf_t a = { NULL, 0 }, b = { NULL, 0 }, forged = { NULL, 0 };
	clv_diag_t d = { "" };
	char alice_id[256], bob_id[256], want[300], line[300];
	size_t i, at;

	store_new();
	alice = card_new("card-alice", alice_keys, alice_curves, 2);
	bob = card_new("card-bob", bob_keys, bob_curves, 1);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_card_identity(bob, "bob-p256", bob_id,
	    sizeof(bob_id)), 0);
	set_new(&set);

	for (i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL_FATAL(clv_hsm_card_identity(alice, alice_keys[i], alice_id,
		    sizeof(alice_id)), 0);
		set.officers[0].seal = CLV_SEAL_CARD;
		snprintf(set.officers[0].card, sizeof(set.officers[0].card), "%s", alice_id);
		/* sealing needs only the public key: the card is logged out */
		key = (clv_unseal_key_t){ NULL, alice, alice_keys[i] };
		CU_ASSERT_EQUAL_FATAL(clv_seal_share(&set, 0, share32, sizeof(share32), &key,
		    NULL, &a, &d), 0);
		snprintf(want, sizeof(want), "\nseal = card\nkdf = hkdf-sha256\ncurve = %s\n"
		    "card = \"%s\"\nephemeral = 04", curve_names[i], alice_id);
		CU_ASSERT_PTR_NOT_NULL(memmem(a.data, a.len, want, strlen(want)));
		CU_ASSERT_PTR_NULL(memmem(a.data, a.len, "kdf_t", 5));
		CU_ASSERT_EQUAL(clv_sealed_info(FILE_NAME, a.data, a.len, &info, &d), 0);
		CU_ASSERT_EQUAL(info.seal, CLV_SEAL_CARD);
		CU_ASSERT_STRING_EQUAL(info.card, alice_id);
		CU_ASSERT(strncmp(info.card, "serial=", 7) == 0);

		/* the card opens it only once its PIN is given */
		clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
		CU_ASSERT_EQUAL(clv_unseal_share(FILE_NAME, a.data, a.len, &key, &info, &out,
		    &d), CLV_E_NOT_LOGGED_IN);
		clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
		CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "not logged in"));
		CU_ASSERT_PTR_NULL(out);
		card_login(alice);
		CU_ASSERT_EQUAL_FATAL(clv_unseal_share(FILE_NAME, a.data, a.len, &key, &info,
		    &out, &d), 0);
		CU_ASSERT(out->len == sizeof(share32) && memcmp(out->p, share32, 32) == 0);
		clv_secret_free(out);
		out = NULL;

		/* a second seal to the same card: a fresh ephemeral key */
		CU_ASSERT_EQUAL_FATAL(clv_seal_share(&set, 0, share32, sizeof(share32), &key,
		    NULL, &b, &d), 0);
		CU_ASSERT(value_at(&a, "ephemeral") == value_at(&b, "ephemeral"));
		CU_ASSERT(memcmp(a.data + value_at(&a, "ephemeral"), b.data +
		    value_at(&b, "ephemeral"), 130) != 0);
		clv_buf_free(&b);

		/* the card's other key is another identity */
		key.card_key_label = alice_keys[1 - i];
		CU_ASSERT_EQUAL(clv_unseal_share(FILE_NAME, a.data, a.len, &key, &info, &out,
		    &d), CLV_E_POLICY);
		CU_ASSERT_PTR_NULL(out);
		key.card_key_label = alice_keys[i];

		/* an altered ciphertext or ephemeral point */
		CU_ASSERT_EQUAL_FATAL(clv_buf_set(&b, a.data, a.len), 0);
		at = value_at(&b, "ciphertext");
		b.data[at + 5] = b.data[at + 5] == '0' ? '1' : '0';
		CU_ASSERT_EQUAL(clv_unseal_share(FILE_NAME, b.data, b.len, &key, &info, &out,
		    &d), CLV_E_INTEGRITY);
		CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "'Alice Example' (alice) does not open"));
		memcpy(b.data, a.data, a.len);
		at = value_at(&b, "ephemeral");
		b.data[at + 129] = b.data[at + 129] == '0' ? '1' : '0';
		clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
		CU_ASSERT_EQUAL(clv_unseal_share(FILE_NAME, b.data, b.len, &key, &info, &out,
		    &d), CLV_E_INTEGRITY);
		clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
		CU_ASSERT_PTR_NULL(out);
		clv_buf_free(&b);
		/* the header claims the other curve */
		snprintf(line, sizeof(line), "curve = %s\n", curve_names[i]);
		snprintf(want, sizeof(want), "curve = %s\n", curve_names[1 - i]);
		edit(&a, line, want, &b);
		CU_ASSERT_EQUAL(clv_unseal_share(FILE_NAME, b.data, b.len, &key, &info, &out,
		    &d), CLV_E_INTEGRITY);
		clv_buf_free(&b);
		/* a card file wants the card */
		key = (clv_unseal_key_t){ pass, NULL, NULL };
		CU_ASSERT_EQUAL(clv_unseal_share(FILE_NAME, a.data, a.len, &key, &info, &out,
		    &d), CLV_E_USAGE);
		CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "sealed to card serial="));
		CU_ASSERT_EQUAL(clv_hsm_logout(alice), 0);
		if (i == 0)
			CU_ASSERT_EQUAL_FATAL(clv_buf_set(&forged, a.data, a.len), 0);
		clv_buf_free(&a);
	}

	/* officer B's card presented for A's share: refused before any
	 * decryption, naming both */
	card_login(bob);
	key = (clv_unseal_key_t){ NULL, bob, "bob-p256" };
	CU_ASSERT_EQUAL_FATAL(clv_hsm_card_identity(alice, "alice-p256", alice_id,
	    sizeof(alice_id)), 0);
	CU_ASSERT_EQUAL(clv_unseal_share(FILE_NAME, forged.data, forged.len, &key, &info,
	    &out, &d), CLV_E_POLICY);
	snprintf(want, sizeof(want), "share file " FILE_NAME " belongs to officer 'Alice "
	    "Example' (card %s); presented card %s is not theirs", alice_id, bob_id);
	CU_ASSERT_STRING_EQUAL(d.msg, want);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_STRING_EQUAL(info.officer_id, "alice");
	/* a header forged to claim B's card: B's key does not open it */
	snprintf(line, sizeof(line), "card = \"%s\"", alice_id);
	snprintf(want, sizeof(want), "card = \"%s\"", bob_id);
	edit(&forged, line, want, &b);
	CU_ASSERT_EQUAL(clv_sealed_info(FILE_NAME, b.data, b.len, &info, &d), 0);
	CU_ASSERT_STRING_EQUAL(info.card, bob_id);
	CU_ASSERT_EQUAL(clv_unseal_share(FILE_NAME, b.data, b.len, &key, &info, &out, &d),
	    CLV_E_INTEGRITY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "share of officer 'Alice Example' (alice) "
	    "does not open"));
	CU_ASSERT_PTR_NULL(out);
	clv_buf_free(&b);

	/* sealing refuses a card other than the one the officer enrolled */
	key = (clv_unseal_key_t){ NULL, bob, "bob-p256" };
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, sizeof(share32), &key, NULL, &a, &d),
	    CLV_E_POLICY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "is enrolled with card"));
	CU_ASSERT_PTR_NULL(a.data);
	/* and a card for an officer enrolled with a passphrase */
	set.officers[0].seal = CLV_SEAL_PASSPHRASE;
	set.officers[0].card[0] = '\0';
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, sizeof(share32), &key, NULL, &a, &d),
	    CLV_E_POLICY);
	/* a missing key on the card */
	set.officers[0].seal = CLV_SEAL_NONE;
	key.card_key_label = "no-such-key";
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, sizeof(share32), &key, NULL, &a, &d),
	    CLV_E_KEY_NOT_FOUND);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "no-such-key"));
	/* both a passphrase and a card */
	key = (clv_unseal_key_t){ pass, bob, "bob-p256" };
	CU_ASSERT_EQUAL(clv_seal_share(&set, 0, share32, sizeof(share32), &key, NULL, &a, &d),
	    CLV_E_INVALID_ARG);
	/* a passphrase file wants the passphrase */
	seal_pass(&set, 0, PASSPHRASE, &tiny_kdf, &a);
	key = (clv_unseal_key_t){ NULL, bob, "bob-p256" };
	CU_ASSERT_EQUAL(clv_unseal_share(FILE_NAME, a.data, a.len, &key, &info, &out, &d),
	    CLV_E_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "sealed to a passphrase"));
	clv_buf_free(&a);

	clv_buf_free(&forged);
	clv_secret_free(pass);
	clv_hsm_close(alice);
	clv_hsm_close(bob);
	store_remove();
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "Argon2id is RFC 9106's", test_argon2id_vector },
		{ "passphrase: seal and open", test_passphrase_round_trip },
		{ "passphrase: default Argon2id parameters", test_passphrase_defaults },
		{ "wrong passphrase names the officer", test_wrong_passphrase },
		{ "altered header, nonce, ciphertext, tag", test_tamper_classes },
		{ "every one-bit change refused", test_tamper_every_byte },
		{ "truncated and extended files", test_truncated },
		{ "strict decoding", test_decode_strict },
		{ "header read without opening", test_sealed_info_header_only },
		{ "sealing refusals", test_seal_refusals },
		{ "no secret in the log", test_no_secrets_logged },
		{ "a share sealed by an earlier build", test_fixture },
		{ "card seal with SoftHSM officer cards", test_card_seal },
		{ NULL, NULL },
	};
	return clv_unit_run("seal", tests);
}
