/*
 * Unit tests: quorum.  GF(256) arithmetic, Shamir split and combine, the share
 * set descriptor and its canonical text, and the software Shamir provider,
 * down to C_Login on a SoftHSMv2 token made in a mkdtemp directory (with its
 * own SOFTHSM2_CONF, set before the module is loaded).
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gcrypt.h>

#include "hsm.h"
#include "quorum.h"
#include "unit.h"

/* ---- helpers ------------------------------------------------------------------ */

#define CLV_UNIT_STORE_NAME "quorum"
#include "softhsm.h"

/* Debug log captured: to check that no share, secret or PIN is logged. */
static char logbuf[65536];

static void
log_capture(int level, const char *func, int line, const char *msg, void *ctx)
{
	size_t used = strlen(logbuf);

	snprintf(logbuf + used, sizeof(logbuf) - used, "%s:%d: %s\n", func, line, msg);
}

static clv_secret_t *
secret_of(const unsigned char *p, size_t len)
{
	clv_secret_t *s = NULL;

	CU_ASSERT_FATAL(clv_secret_new(len, &s) == 0);
	memcpy(s->p, p, len);
	s->len = len;
	return s;
}

static clv_secret_t *
secret_random(size_t len)
{
	clv_secret_t *s = NULL;

	CU_ASSERT_FATAL(clv_secret_new(len, &s) == 0);
	gcry_randomize(s->p, len, GCRY_STRONG_RANDOM);
	s->len = len;
	return s;
}

/* A copy of officer k's share (flip: XOR into byte 0), as an officer presents it. */
static clv_secret_t *
share_copy(const clv_secret_t *shares, unsigned count, unsigned k, unsigned char flip)
{
	size_t len = shares->len / count;
	clv_secret_t *s = secret_of(shares->p + (size_t)k * len, len);

	s->p[0] ^= flip;
	return s;
}

static const struct {
	const char *id, *name;
	clv_seal_kind_t seal;
	const char *card;
} people[] = {
	{ "alice", "Alice Example", CLV_SEAL_PASSPHRASE, "" },
	{ "bob", "Bob \"Bobby\" Tables", CLV_SEAL_PASSPHRASE, "" },
	{ "carol", "Zoë Ångström-Ørsted", CLV_SEAL_CARD,
	    "serial=0f1e2d3c4b5a6978;label=carol card;key=share-seal" },
	{ "dave-2", "Dave Ó Briain", CLV_SEAL_PASSPHRASE, "" },
	{ "erin", "Erin \\ Back Slash", CLV_SEAL_CARD,
	    "serial=1122334455667788;label=erin;key=share-seal" },
};

static void
set_prepare(clv_share_set_t *set, unsigned m, unsigned n, const char *purpose)
{
	unsigned k;

	memset(set, 0, sizeof(*set));
	set->threshold = m;
	set->count = n;
	snprintf(set->purpose, sizeof(set->purpose), "%s", purpose);
	snprintf(set->token_serial, sizeof(set->token_serial), "9f3c0a1b2c3d4e5f");
	snprintf(set->token_label, sizeof(set->token_label), "CSCA \"Test\" Ünion");
	set->created = 1795000000;      /* 2026-11-18T11:06:40Z */
	for (k = 0; k < n; k++) {
		snprintf(set->officers[k].id, sizeof(set->officers[k].id), "%s",
		    people[k].id);
		snprintf(set->officers[k].name, sizeof(set->officers[k].name), "%s",
		    people[k].name);
		set->officers[k].seal = people[k].seal;
		snprintf(set->officers[k].card, sizeof(set->officers[k].card), "%s",
		    people[k].card);
	}
}

/* Deals an m-of-n set of a random secret of len bytes. */
static void
deal(clv_share_set_t *set, unsigned m, unsigned n, const char *purpose, size_t len,
    clv_secret_t **secret, clv_secret_t **shares)
{
	set_prepare(set, m, n, purpose);
	*secret = secret_random(len);
	CU_ASSERT_EQUAL_FATAL(clv_quorum_deal(*secret, set, shares), 0);
	CU_ASSERT_FATAL(*shares != NULL);
	CU_ASSERT_EQUAL_FATAL((*shares)->len, (size_t)n * len);
}

static int
contains(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

/* Slow reference multiplication: carry-less product, then reduction. */
static unsigned
gf_ref_mul(unsigned a, unsigned b)
{
	unsigned p = 0;
	int i;

	for (i = 0; i < 8; i++)
		if (b & (1u << i))
			p ^= a << i;
	for (i = 14; i >= 8; i--)
		if (p & (1u << i))
			p ^= 0x11bu << (i - 8);
	return p;
}

/* ---- GF(256) --------------------------------------------------------------------- */

static void
test_gf256_known_products(void)
{
	unsigned a, b;
	int all = 1;

	/* FIPS-197 section 4.2 */
	CU_ASSERT_EQUAL(clv_gf256_mul(0x57, 0x83), 0xc1);
	CU_ASSERT_EQUAL(clv_gf256_mul(0x83, 0x57), 0xc1);
	CU_ASSERT_EQUAL(clv_gf256_mul(0x57, 0x13), 0xfe);
	CU_ASSERT_EQUAL(clv_gf256_mul(0x57, 0x02), 0xae);
	CU_ASSERT_EQUAL(clv_gf256_mul(0x57, 0x04), 0x47);
	CU_ASSERT_EQUAL(clv_gf256_mul(0x57, 0x08), 0x8e);
	CU_ASSERT_EQUAL(clv_gf256_mul(0x57, 0x10), 0x07);
	CU_ASSERT_EQUAL(clv_gf256_mul(0x80, 0x02), 0x1b);
	CU_ASSERT_EQUAL(clv_gf256_mul(0x00, 0xff), 0x00);
	CU_ASSERT_EQUAL(clv_gf256_mul(0x01, 0xa7), 0xa7);
	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++)
			if (clv_gf256_mul((unsigned char)a, (unsigned char)b) !=
			    gf_ref_mul(a, b))
				all = 0;
	CU_ASSERT(all);
}

static void
test_gf256_inverse(void)
{
	unsigned a, b, ok = 0, unique = 0, n;

	CU_ASSERT_EQUAL(clv_gf256_inv(0), 0);
	CU_ASSERT_EQUAL(clv_gf256_inv(1), 1);
	CU_ASSERT_EQUAL(clv_gf256_inv(0x53), 0xca);     /* FIPS-197 section 5.1.1 */
	CU_ASSERT_EQUAL(clv_gf256_inv(0xca), 0x53);
	for (a = 1; a < 256; a++) {
		if (clv_gf256_mul((unsigned char)a, clv_gf256_inv((unsigned char)a)) == 1)
			ok++;
		/* and it is the only element that gives 1 */
		for (b = 1, n = 0; b < 256; b++)
			if (gf_ref_mul(a, b) == 1)
				n++;
		if (n == 1)
			unique++;
	}
	CU_ASSERT_EQUAL(ok, 255);
	CU_ASSERT_EQUAL(unique, 255);
}

/* ---- Shamir ---------------------------------------------------------------------- */

/* Every subset of size m of an m-of-n split rebuilds the secret, in both orders. */
static void
round_trip_all_subsets(unsigned m, unsigned n, size_t len)
{
	unsigned char secret[64], shares[16 * 64], got[64], xs[16];
	const unsigned char *ys[16];
	unsigned mask, i, k, subsets = 0, good = 0;

	gcry_randomize(secret, len, GCRY_STRONG_RANDOM);
	CU_ASSERT_EQUAL_FATAL(clv_shamir_split(secret, len, m, n, shares), 0);
	for (mask = 0; mask < (1u << n); mask++) {
		if ((unsigned)__builtin_popcount(mask) != m)
			continue;
		subsets++;
		for (i = 0, k = 0; i < n; i++)
			if (mask & (1u << i)) {
				xs[k] = (unsigned char)(i + 1);
				ys[k] = shares + (size_t)i * len;
				k++;
			}
		memset(got, 0, sizeof(got));
		if (clv_shamir_combine(xs, ys, m, len, got) == 0 &&
		    memcmp(got, secret, len) == 0)
			good++;
		/* reversed order */
		for (i = 0; i < m / 2; i++) {
			unsigned char tx = xs[i];
			const unsigned char *ty = ys[i];

			xs[i] = xs[m - 1 - i];
			ys[i] = ys[m - 1 - i];
			xs[m - 1 - i] = tx;
			ys[m - 1 - i] = ty;
		}
		memset(got, 0, sizeof(got));
		if (clv_shamir_combine(xs, ys, m, len, got) == 0 &&
		    memcmp(got, secret, len) == 0)
			good++;
	}
	CU_ASSERT_EQUAL(good, 2 * subsets);
	CU_ASSERT(subsets > 0);
}

static void
test_shamir_round_trip(void)
{
	static const size_t lens[] = { 1, 32, 64 };
	size_t i;

	for (i = 0; i < 3; i++) {
		round_trip_all_subsets(2, 3, lens[i]);
		round_trip_all_subsets(3, 5, lens[i]);
		round_trip_all_subsets(2, 2, lens[i]);
	}
	round_trip_all_subsets(5, 16, 32);
	round_trip_all_subsets(16, 16, 64);
}

/* One share of a 2-of-3 split of a 1-byte secret is consistent with every
 * possible secret: for each candidate second share exactly one secret comes
 * out, and all 256 do. */
static void
test_shamir_one_share_reveals_nothing(void)
{
	unsigned char secret, shares[3], xs[2] = { 1, 2 }, y2, got;
	const unsigned char *ys[2];
	unsigned seen[256], v, distinct = 0, trial, all_ok = 1;

	for (trial = 0; trial < 16; trial++) {
		gcry_randomize(&secret, 1, GCRY_STRONG_RANDOM);
		CU_ASSERT_EQUAL_FATAL(clv_shamir_split(&secret, 1, 2, 3, shares), 0);
		memset(seen, 0, sizeof(seen));
		ys[0] = &shares[0];
		ys[1] = &y2;
		for (v = 0; v < 256; v++) {
			y2 = (unsigned char)v;
			CU_ASSERT_EQUAL_FATAL(clv_shamir_combine(xs, ys, 2, 1, &got), 0);
			seen[got]++;
		}
		for (v = 0, distinct = 0; v < 256; v++)
			if (seen[v] == 1)
				distinct++;
		if (distinct != 256)
			all_ok = 0;
		/* and the real second share gives the real secret */
		ys[1] = &shares[1];
		CU_ASSERT_EQUAL(clv_shamir_combine(xs, ys, 2, 1, &got), 0);
		CU_ASSERT_EQUAL(got, secret);
	}
	CU_ASSERT(all_ok);
}

/* m-1 shares of a 3-of-5 split, combined as if they were enough, do not give
 * the secret (32 random bytes: a false match has probability 2^-256). */
static void
test_shamir_too_few_shares(void)
{
	unsigned char secret[32], shares[5 * 32], got[32], xs[2];
	const unsigned char *ys[2];
	unsigned i, j, differ = 0, pairs = 0;

	gcry_randomize(secret, sizeof(secret), GCRY_STRONG_RANDOM);
	CU_ASSERT_EQUAL_FATAL(clv_shamir_split(secret, 32, 3, 5, shares), 0);
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++) {
			xs[0] = (unsigned char)(i + 1);
			xs[1] = (unsigned char)(j + 1);
			ys[0] = shares + i * 32;
			ys[1] = shares + j * 32;
			CU_ASSERT_EQUAL(clv_shamir_combine(xs, ys, 2, 32, got), 0);
			pairs++;
			if (memcmp(got, secret, 32) != 0)
				differ++;
		}
	CU_ASSERT_EQUAL(differ, pairs);
	/* shares differ from the secret and from each other */
	for (i = 0; i < 5; i++)
		CU_ASSERT(memcmp(shares + i * 32, secret, 32) != 0);
}

static void
test_shamir_refusals(void)
{
	unsigned char secret[65] = { 1, 2, 3 }, shares[17 * 65], got[65], xs[3];
	const unsigned char *ys[3] = { shares, shares + 32, shares + 64 };

	CU_ASSERT_EQUAL(clv_shamir_split(secret, 32, 1, 3, shares), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_shamir_split(secret, 32, 0, 3, shares), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_shamir_split(secret, 32, 4, 3, shares), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_shamir_split(secret, 32, 2, 17, shares), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_shamir_split(secret, 0, 2, 3, shares), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_shamir_split(secret, 65, 2, 3, shares), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_shamir_split(NULL, 32, 2, 3, shares), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_shamir_split(secret, 32, 2, 3, NULL), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL_FATAL(clv_shamir_split(secret, 32, 3, 3, shares), 0);

	xs[0] = 1;
	xs[1] = 2;
	xs[2] = 3;
	CU_ASSERT_EQUAL(clv_shamir_combine(xs, ys, 3, 32, got), 0);
	CU_ASSERT(memcmp(got, secret, 32) == 0);
	CU_ASSERT_EQUAL(clv_shamir_combine(xs, ys, 1, 32, got), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_shamir_combine(xs, ys, 17, 32, got), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_shamir_combine(xs, ys, 3, 0, got), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_shamir_combine(xs, ys, 3, 65, got), CLV_E_INVALID_ARG);
	xs[2] = 1;      /* duplicate x */
	CU_ASSERT_EQUAL(clv_shamir_combine(xs, ys, 3, 32, got), CLV_E_INVALID_ARG);
	xs[2] = 0;      /* x = 0 is the secret itself */
	CU_ASSERT_EQUAL(clv_shamir_combine(xs, ys, 3, 32, got), CLV_E_INVALID_ARG);
}

/* ---- dealing and the descriptor ---------------------------------------------------- */

static void
test_deal(void)
{
	clv_share_set_t set;
	clv_secret_t *secret = NULL, *shares = NULL;
	unsigned char got[32], xs[2] = { 1, 3 }, zero[32] = { 0 };
	const unsigned char *ys[2];
	unsigned k;
	time_t before = time(NULL);

	deal(&set, 2, 3, "user-pin", 32, &secret, &shares);
	CU_ASSERT_EQUAL(set.created, 1795000000);      /* kept: already set */
	CU_ASSERT(memcmp(set.set_id, zero, sizeof(set.set_id)) != 0);
	CU_ASSERT(memcmp(set.check, zero, sizeof(set.check)) != 0);
	for (k = 0; k < 3; k++) {
		CU_ASSERT_EQUAL(set.officers[k].index, k + 1);
		CU_ASSERT(memcmp(set.officers[k].salt, zero, 16) != 0);
		CU_ASSERT_EQUAL(clv_share_set_check_share(&set, k, k + 1, shares->p + k * 32,
		    32), 1);
	}
	CU_ASSERT(memcmp(set.officers[0].salt, set.officers[1].salt, 16) != 0);
	CU_ASSERT(memcmp(set.officers[0].commitment, set.officers[1].commitment, 32) != 0);
	ys[0] = shares->p;
	ys[1] = shares->p + 64;
	CU_ASSERT_EQUAL(clv_shamir_combine(xs, ys, 2, 32, got), 0);
	CU_ASSERT(memcmp(got, secret->p, 32) == 0);
	/* check_share: wrong index, wrong officer, flipped byte, wrong length */
	CU_ASSERT_EQUAL(clv_share_set_check_share(&set, 0, 2, shares->p, 32), 0);
	CU_ASSERT_EQUAL(clv_share_set_check_share(&set, 1, 2, shares->p, 32), 0);
	CU_ASSERT_EQUAL(clv_share_set_check_share(&set, 3, 4, shares->p, 32), 0);
	CU_ASSERT_EQUAL(clv_share_set_check_share(&set, 0, 1, shares->p, 31), 0);
	shares->p[5] ^= 0x40;
	CU_ASSERT_EQUAL(clv_share_set_check_share(&set, 0, 1, shares->p, 32), 0);
	clv_secret_free(shares);
	shares = NULL;

	/* created defaults to now; another deal of the same secret is another set */
	{
		clv_share_set_t again;

		set_prepare(&again, 2, 3, "so-pin");
		again.created = 0;
		CU_ASSERT_EQUAL_FATAL(clv_quorum_deal(secret, &again, &shares), 0);
		CU_ASSERT(again.created >= before && again.created <= time(NULL));
		CU_ASSERT(memcmp(again.set_id, set.set_id, sizeof(set.set_id)) != 0);
		CU_ASSERT(memcmp(again.check, set.check, sizeof(set.check)) != 0);
		clv_secret_free(shares);
		shares = NULL;
	}
	clv_secret_free(secret);
}

static void
test_deal_refusals(void)
{
	clv_share_set_t set;
	clv_secret_t *secret = secret_random(32), *shares = NULL;

	/* shares is set to NULL even on refusal */
#define REFUSED(setup) do { \
		set_prepare(&set, 2, 3, "user-pin"); \
		setup; \
		shares = (clv_secret_t *)&set; \
		CU_ASSERT_EQUAL(clv_quorum_deal(secret, &set, &shares), CLV_E_INVALID_ARG); \
		CU_ASSERT_PTR_NULL(shares); \
		shares = NULL; \
	} while (0)

	REFUSED(set.threshold = 1);
	REFUSED(set.threshold = 4);
	REFUSED(set.count = 1; set.threshold = 1);
	REFUSED(set.count = 17);
	REFUSED(snprintf(set.purpose, sizeof(set.purpose), "admin-pin"));
	REFUSED(set.purpose[0] = '\0');
	REFUSED(snprintf(set.officers[1].id, sizeof(set.officers[1].id), "alice"));
	REFUSED(snprintf(set.officers[1].id, sizeof(set.officers[1].id), "Bob"));
	REFUSED(snprintf(set.officers[1].id, sizeof(set.officers[1].id), "bob smith"));
	REFUSED(set.officers[2].id[0] = '\0');
	REFUSED(memset(set.officers[2].id, 'a', sizeof(set.officers[2].id)));
	REFUSED(set.officers[0].name[0] = '\0');
	REFUSED(snprintf(set.officers[0].name, sizeof(set.officers[0].name), "Al\nice"));
	REFUSED(set.officers[1].seal = CLV_SEAL_NONE);
#undef REFUSED
	set_prepare(&set, 2, 3, "user-pin");
	secret->len = 65;
	CU_ASSERT_EQUAL(clv_quorum_deal(secret, &set, &shares), CLV_E_INVALID_ARG);
	secret->len = 0;
	CU_ASSERT_EQUAL(clv_quorum_deal(secret, &set, &shares), CLV_E_INVALID_ARG);
	secret->len = 32;
	CU_ASSERT_EQUAL(clv_quorum_deal(secret, &set, &shares), 0);
	clv_secret_free(shares);
	clv_secret_free(secret);
}

static const char expected_head[] =
    "[share-set]\n"
    "format = 1\n";

static void
test_encode_decode_round_trip(void)
{
	clv_share_set_t set, back;
	clv_secret_t *secret = NULL, *shares = NULL;
	clv_buf_t text = { NULL, 0 }, again = { NULL, 0 };
	clv_diag_t d = { "" };
	char *s;

	deal(&set, 3, 5, "so-pin", 32, &secret, &shares);
	CU_ASSERT_EQUAL_FATAL(clv_share_set_encode(&set, &text), 0);
	s = strndup((const char *)text.data, text.len);
	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT(strncmp(s, expected_head, strlen(expected_head)) == 0);
	CU_ASSERT(contains(s, "\npurpose = so-pin\n"));
	CU_ASSERT(contains(s, "\ntoken_label = \"CSCA \\\"Test\\\" Ünion\"\n"));
	CU_ASSERT(contains(s, "\nthreshold = 3\ncount = 5\ncreated = 2026-11-18T11:06:40Z\n"));
	CU_ASSERT(contains(s, "\n[officer bob]\nname = \"Bob \\\"Bobby\\\" Tables\"\n"
	    "index = 2\nseal = passphrase\nsalt = "));
	CU_ASSERT(contains(s, "\n[officer carol]\nname = \"Zoë Ångström-Ørsted\"\n"
	    "index = 3\nseal = card\ncard = \"serial=0f1e2d3c4b5a6978;label=carol card;"
	    "key=share-seal\"\nsalt = "));
	CU_ASSERT(contains(s, "\nname = \"Erin \\\\ Back Slash\"\n"));
	/* officers in index order; the card key only for card seals */
	CU_ASSERT(strstr(s, "[officer alice]") < strstr(s, "[officer bob]"));
	CU_ASSERT(strstr(s, "[officer dave-2]") < strstr(s, "[officer erin]"));
	CU_ASSERT(!contains(strstr(s, "[officer alice]"), "card = \"\"\n"));
	free(s);

	/* deterministic */
	CU_ASSERT_EQUAL_FATAL(clv_share_set_encode(&set, &again), 0);
	CU_ASSERT(again.len == text.len && memcmp(again.data, text.data, text.len) == 0);
	clv_buf_free(&again);

	/* decode gives the same struct, and re-encodes byte for byte */
	memset(&back, 0x5a, sizeof(back));
	CU_ASSERT_EQUAL_FATAL(clv_share_set_decode("set.conf", text.data, text.len, &back,
	    &d), 0);
	CU_ASSERT(memcmp(&back, &set, sizeof(set)) == 0);
	CU_ASSERT_EQUAL_FATAL(clv_share_set_encode(&back, &again), 0);
	CU_ASSERT(again.len == text.len && memcmp(again.data, text.data, text.len) == 0);
	clv_buf_free(&again);

	/* the decoded set still checks the dealt shares */
	CU_ASSERT_EQUAL(clv_share_set_check_share(&back, 4, 5, shares->p + 4 * 32, 32), 1);

	/* encode refuses an inconsistent struct */
	back.officers[2].card[0] = '\0';        /* card seal without card */
	CU_ASSERT_EQUAL(clv_share_set_encode(&back, &again), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NULL(again.data);
	back = set;
	back.officers[1].index = 1;
	CU_ASSERT_EQUAL(clv_share_set_encode(&back, &again), CLV_E_INVALID_ARG);
	back = set;
	back.threshold = 6;
	CU_ASSERT_EQUAL(clv_share_set_encode(&back, &again), CLV_E_INVALID_ARG);

	clv_buf_free(&text);
	clv_secret_free(shares);
	clv_secret_free(secret);
}

/* 1-based number of the first line equal to or starting with prefix, at or
 * after line from; 0 if none. */
static unsigned
line_of(const char *text, const char *prefix, unsigned from)
{
	const char *p = text;
	unsigned line = 1;
	size_t n = strlen(prefix);

	while (*p != '\0') {
		if (line >= from && strncmp(p, prefix, n) == 0)
			return line;
		if ((p = strchr(p, '\n')) == NULL)
			break;
		p++;
		line++;
	}
	return 0;
}

/* text with line number line replaced by repl (NULL: deleted; with insert,
 * repl is put before the line instead). */
static char *
edit_line(const char *text, unsigned line, const char *repl, int insert)
{
	size_t cap = strlen(text) + (repl ? strlen(repl) : 0) + 2, o = 0;
	char *out = malloc(cap);
	const char *p = text, *nl;
	unsigned cur = 1;

	CU_ASSERT_FATAL(out != NULL);
	while (*p != '\0') {
		nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);

		if (cur == line) {
			if (repl != NULL) {
				memcpy(out + o, repl, strlen(repl));
				o += strlen(repl);
				out[o++] = '\n';
			}
			if (insert) {
				memcpy(out + o, p, n);
				o += n;
			}
		} else {
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		cur++;
	}
	out[o] = '\0';
	return out;
}

static void
test_decode_errors(void)
{
	clv_share_set_t set, back;
	clv_secret_t *secret = NULL, *shares = NULL;
	clv_buf_t enc = { NULL, 0 };
	clv_diag_t d;
	char *text, *bad, where[64];
	unsigned bob, carol, count_line, i, failures = 0;
	struct {
		const char *section;    /* the edit is at or after this header */
		const char *key;        /* the line to edit */
		const char *repl;       /* NULL: delete */
		int insert;
		int err_at;             /* 0: the edited line; 1: the section line; 2: count */
		const char *says;
	} cases[] = {
		{ "[share-set]", "format =", "format = 2", 0, 0, "format" },
		{ "[share-set]", "set =", "set = 00112233", 0, 0, "set" },
		{ "[share-set]", "set =", "set = 00112233445566778899AABBCCDDEEFF", 0, 0,
		    "hex" },
		{ "[share-set]", "purpose =", "purpose = admin-pin", 0, 0, "purpose" },
		{ "[share-set]", "threshold =", "threshold = 4", 0, 0, "greater than count 3" },
		{ "[share-set]", "threshold =", "threshold = 1", 0, 0, "threshold" },
		{ "[share-set]", "threshold =", "threshold = 02", 0, 0, "threshold" },
		{ "[share-set]", "count =", "count = 4", 0, 0, "3 officer sections" },
		{ "[share-set]", "count =", "count = 17", 0, 0, "count" },
		{ "[share-set]", "count =", "count = 2", 0, 3, "beyond count 2" },
		{ "[share-set]", "created =", "created = 2026-11-18", 0, 0, "created" },
		{ "[share-set]", "created =", "created = 2026-13-18T09:46:40Z", 0, 0,
		    "created" },
		{ "[share-set]", "check =", "check = 00", 0, 0, "check" },
		{ "[share-set]", "check =", "extra = 1", 1, 0, "unknown key 'extra'" },
		{ "[share-set]", "token_label =", NULL, 0, 1, "token_label" },
		{ "[share-set]", "[share-set]", "[officer zed]", 0, 0, "expected [share-set]" },
		{ "[share-set]", "[share-set]", "format = 1", 1, 0, "outside a section" },
		{ "[officer bob]", "[officer bob]", "[witness bob]", 0, 0, "unknown section" },
		{ "[officer bob]", "[officer bob]", "[officer Bob]", 0, 0, "officer id" },
		{ "[officer bob]", "name =", NULL, 0, 1, "'name'" },
		{ "[officer bob]", "name =", "name = \"\"", 0, 0, "empty" },
		{ "[officer bob]", "index =", "index = 0", 0, 0, "index" },
		{ "[officer bob]", "index =", "index = 4", 0, 0, "index" },
		{ "[officer bob]", "index =", "index = 1", 0, 0, "already given" },
		{ "[officer bob]", "index =", "index = 3", 0, 0, "out of order" },
		{ "[officer bob]", "seal =", "seal = paper", 0, 0, "seal" },
		{ "[officer bob]", "seal =", "card = \"serial=1\"", 1, 0,
		    "unknown key 'card'" },
		{ "[officer bob]", "salt =", "salt = 0011", 0, 0, "salt" },
		{ "[officer bob]", "commitment =", "commitment = zz", 0, 0, "commitment" },
		{ "[officer carol]", "card =", NULL, 0, 1, "'card'" },
		{ "[officer carol]", "seal =", "seal = passphrase", 0, -1,
		    "unknown key 'card'" },
		{ "[officer carol]", "[officer carol]", "[officer bob]", 0, 0, "repeated" },
		/* one set, one text: anything but the canonical form is refused */
		{ "[share-set]", "[share-set]", "# a comment", 1, 0,
		    "not in canonical form, expected '[share-set]'" },
		{ "[officer bob]", "[officer bob]", "", 1, 0,
		    "not in canonical form, expected '[officer bob]'" },
		{ "[officer bob]", "name =", "name = Bob \"Bobby\" Tables", 0, 0,
		    "expected 'name = \"Bob \\\"Bobby\\\" Tables\"'" },
		{ "[share-set]", "format =", "format  =  1", 0, 0, "expected 'format = 1'" },
	};

	deal(&set, 2, 3, "user-pin", 32, &secret, &shares);
	CU_ASSERT_EQUAL_FATAL(clv_share_set_encode(&set, &enc), 0);
	text = strndup((const char *)enc.data, enc.len);
	CU_ASSERT_FATAL(text != NULL);
	bob = line_of(text, "[officer bob]", 1);
	carol = line_of(text, "[officer carol]", 1);
	count_line = line_of(text, "count =", 1);
	CU_ASSERT_FATAL(bob > 0 && carol > bob && count_line > 0);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned sec = line_of(text, cases[i].section, 1);
		unsigned at = line_of(text, cases[i].key, sec), err_line;
		int r;

		CU_ASSERT_FATAL(sec > 0 && at > 0);
		bad = edit_line(text, at, cases[i].repl, cases[i].insert);
		switch (cases[i].err_at) {
		case 1:
			err_line = sec;
			break;
		case 2:
			err_line = count_line;
			break;
		case 3:
			err_line = carol;
			break;
		case -1:        /* the card line, one after the edited seal line */
			err_line = at + 1;
			break;
		default:
			err_line = at;
		}
		snprintf(where, sizeof(where), "set.conf:%u: ", err_line);
		memset(&d, 0, sizeof(d));
		r = clv_share_set_decode("set.conf", (const unsigned char *)bad, strlen(bad),
		    &back, &d);
		if (r != CLV_E_FORMAT || strncmp(d.msg, where, strlen(where)) != 0 ||
		    !contains(d.msg, cases[i].says)) {
			fprintf(stderr, "\ncase %u (%s -> %s): r=%d diag '%s', "
			    "expected '%s...%s'\n", i, cases[i].key,
			    cases[i].repl ? cases[i].repl : "(deleted)", r, d.msg, where,
			    cases[i].says);
			failures++;
		}
		free(bad);
	}
	CU_ASSERT_EQUAL(failures, 0);

	/* a removed officer section: count no longer matches */
	{
		/* cut the text just before [officer carol] */
		size_t keep = (size_t)(strstr(text, "\n[officer carol]") - text) + 1;
		char *cut = strndup(text, keep);

		memset(&d, 0, sizeof(d));
		CU_ASSERT_EQUAL(clv_share_set_decode("set.conf", (const unsigned char *)cut,
		    strlen(cut), &back, &d), CLV_E_FORMAT);
		snprintf(where, sizeof(where), "set.conf:%u: ", count_line);
		CU_ASSERT(strncmp(d.msg, where, strlen(where)) == 0);
		CU_ASSERT(contains(d.msg, "count 3, but 2 officer sections"));
		free(cut);
	}
	/* anything after the canonical end */
	{
		size_t n = strlen(text);
		char *more = malloc(n + 2);

		CU_ASSERT_FATAL(more != NULL);
		memcpy(more, text, n);
		memcpy(more + n, "\n", 2);
		memset(&d, 0, sizeof(d));
		CU_ASSERT_EQUAL(clv_share_set_decode("set.conf", (const unsigned char *)more,
		    n + 1, &back, &d), CLV_E_FORMAT);
		snprintf(where, sizeof(where), "set.conf:%u: ",
		    line_of(text, "commitment", carol) + 1);
		CU_ASSERT(strncmp(d.msg, where, strlen(where)) == 0);
		CU_ASSERT(contains(d.msg, "expected the end of the text"));
		free(more);
	}
	/* empty input, garbage, failed decode leaves out zeroed */
	memset(&back, 0x5a, sizeof(back));
	CU_ASSERT_EQUAL(clv_share_set_decode("set.conf", (const unsigned char *)"", 0, &back,
	    &d), CLV_E_FORMAT);
	CU_ASSERT_EQUAL(back.count, 0);
	CU_ASSERT_EQUAL(back.threshold, 0);

	/* and the untouched text still decodes */
	CU_ASSERT_EQUAL(clv_share_set_decode("set.conf", enc.data, enc.len, &back, &d), 0);
	free(text);
	clv_buf_free(&enc);
	clv_secret_free(shares);
	clv_secret_free(secret);
}

static void
test_pin_text(void)
{
	unsigned char raw[32];
	char hex[65];
	clv_secret_t *s, *pin = NULL;
	unsigned i;

	for (i = 0; i < 32; i++)
		raw[i] = (unsigned char)(i * 0x11 + 0x0f * (i & 1));
	raw[0] = 0x01;
	raw[1] = 0x23;
	raw[2] = 0x45;
	raw[3] = 0x67;
	raw[4] = 0x89;
	raw[5] = 0xab;
	raw[6] = 0xcd;
	raw[7] = 0xef;
	s = secret_of(raw, 32);
	CU_ASSERT_EQUAL_FATAL(clv_quorum_pin_text(s, &pin), 0);
	clv_hex(raw, 32, hex);
	CU_ASSERT_EQUAL(pin->len, 64);
	CU_ASSERT(memcmp(pin->p, hex, 64) == 0);
	CU_ASSERT(memcmp(pin->p, "0123456789abcdef", 16) == 0);
	CU_ASSERT_EQUAL(pin->p[64], '\0');
	clv_secret_free(pin);
	s->len = 31;
	CU_ASSERT_EQUAL(clv_quorum_pin_text(s, &pin), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NULL(pin);
	clv_secret_free(s);
}

/* ---- the provider ---------------------------------------------------------------- */

static void
present_ok(clv_quorum_t *q, const clv_share_set_t *set, const clv_secret_t *shares,
    unsigned k)
{
	clv_diag_t d = { "" };
	int r;

	r = q->ops->present(q, set->officers[k].id, set->officers[k].index,
	    share_copy(shares, set->count, k, 0), &d);
	if (r != 0)
		fprintf(stderr, "\npresent %s: %d %s\n", set->officers[k].id, r, d.msg);
	CU_ASSERT_EQUAL(r, 0);
}

static void
test_provider_2_of_3(void)
{
	clv_share_set_t set;
	clv_secret_t *secret = NULL, *shares = NULL, *got = (clv_secret_t *)&set;
	clv_quorum_t *q = NULL;
	clv_quorum_progress_t pr;
	clv_diag_t d = { "" };
	char sid[9], expect[256];

	deal(&set, 2, 3, "user-pin", 32, &secret, &shares);
	clv_hex(set.set_id, 4, sid);
	CU_ASSERT_EQUAL_FATAL(clv_quorum_shamir_new(&set, &q), 0);
	CU_ASSERT_STRING_EQUAL(q->ops->name, "shamir");
	CU_ASSERT_PTR_EQUAL(q->set, &set);

	q->ops->progress(q, &pr);
	CU_ASSERT_EQUAL(pr.have, 0);
	CU_ASSERT_EQUAL(pr.need, 2);

	/* nothing to combine yet */
	CU_ASSERT_EQUAL(q->ops->secret(q, &got, &d), CLV_E_POLICY);
	CU_ASSERT_PTR_NULL(got);

	/* alice with one flipped byte: refused, named */
	CU_ASSERT_EQUAL(q->ops->present(q, "alice", 1, share_copy(shares, 3, 0, 0x01), &d),
	    CLV_E_INTEGRITY);
	snprintf(expect, sizeof(expect), "share of officer 'Alice Example' (alice, index 1) "
	    "does not match its commitment in share set %s: altered or from another set", sid);
	CU_ASSERT_STRING_EQUAL(d.msg, expect);
	q->ops->progress(q, &pr);
	CU_ASSERT_EQUAL(pr.have, 0);

	/* bob presenting alice's share, under alice's index or his own: refused, bob named */
	CU_ASSERT_EQUAL(q->ops->present(q, "bob", 1, share_copy(shares, 3, 0, 0), &d),
	    CLV_E_INTEGRITY);
	CU_ASSERT(contains(d.msg, "officer 'Bob \"Bobby\" Tables' (bob, index 2)"));
	CU_ASSERT_EQUAL(q->ops->present(q, "bob", 2, share_copy(shares, 3, 0, 0), &d),
	    CLV_E_INTEGRITY);
	CU_ASSERT(contains(d.msg, "(bob, index 2)"));
	/* someone not in the set */
	CU_ASSERT_EQUAL(q->ops->present(q, "mallory", 1, share_copy(shares, 3, 0, 0), &d),
	    CLV_E_POLICY);
	CU_ASSERT(contains(d.msg, "'mallory' is not in share set"));
	CU_ASSERT_EQUAL(q->ops->present(q, NULL, 1, share_copy(shares, 3, 0, 0), &d),
	    CLV_E_INVALID_ARG);
	q->ops->progress(q, &pr);
	CU_ASSERT_EQUAL(pr.have, 0);

	/* alice with the right share: accepted after her refusal */
	present_ok(q, &set, shares, 0);
	q->ops->progress(q, &pr);
	CU_ASSERT_EQUAL(pr.have, 1);
	CU_ASSERT_STRING_EQUAL(pr.officers[0], "Alice Example");

	/* duplicates: alice again (right or wrong share), her index under carol's id */
	CU_ASSERT_EQUAL(q->ops->present(q, "alice", 1, share_copy(shares, 3, 0, 0), &d),
	    CLV_E_POLICY);
	CU_ASSERT(contains(d.msg, "officer 'Alice Example' (alice) has already presented a "
	    "share"));
	CU_ASSERT_EQUAL(q->ops->present(q, "alice", 1, share_copy(shares, 3, 0, 0x80), &d),
	    CLV_E_POLICY);
	/* alice again under bob's index with bob's share: still alice twice */
	CU_ASSERT_EQUAL(q->ops->present(q, "alice", 2, share_copy(shares, 3, 1, 0), &d),
	    CLV_E_POLICY);
	CU_ASSERT(contains(d.msg, "(alice) has already presented a share"));
	CU_ASSERT_EQUAL(q->ops->present(q, "carol", 1, share_copy(shares, 3, 0, 0), &d),
	    CLV_E_POLICY);
	CU_ASSERT(contains(d.msg, "'Alice Example' (alice) has already presented a share"));

	/* m - 1 shares: no login, the HSM is not touched (h = NULL is never reached) */
	CU_ASSERT_EQUAL(q->ops->login(q, NULL, 0, &d), CLV_E_POLICY);
	CU_ASSERT(contains(d.msg, "1 of 2 shares presented"));
	CU_ASSERT_EQUAL(q->ops->secret(q, &got, &d), CLV_E_POLICY);
	CU_ASSERT_PTR_NULL(got);

	/* carol completes the quorum */
	present_ok(q, &set, shares, 2);
	q->ops->progress(q, &pr);
	CU_ASSERT_EQUAL(pr.have, 2);
	CU_ASSERT_EQUAL(pr.need, 2);
	CU_ASSERT_STRING_EQUAL(pr.officers[0], "Alice Example");
	CU_ASSERT_STRING_EQUAL(pr.officers[1], "Zoë Ångström-Ørsted");
	CU_ASSERT_STRING_EQUAL(pr.officers[2], "");

	/* a valid share beyond the quorum: refused, nothing lost */
	CU_ASSERT_EQUAL(q->ops->present(q, "bob", 2, share_copy(shares, 3, 1, 0), &d),
	    CLV_E_POLICY);
	CU_ASSERT(contains(d.msg, "quorum already complete"));
	q->ops->progress(q, &pr);
	CU_ASSERT_EQUAL(pr.have, 2);

	CU_ASSERT_EQUAL_FATAL(q->ops->secret(q, &got, &d), 0);
	CU_ASSERT_EQUAL(got->len, 32);
	CU_ASSERT(memcmp(got->p, secret->p, 32) == 0);
	clv_secret_free(got);
	/* a user-PIN set does not log in as SO */
	CU_ASSERT_EQUAL(q->ops->login(q, NULL, 1, &d), CLV_E_POLICY);
	CU_ASSERT(contains(d.msg, "holds the user PIN, not the SO PIN"));

	q->ops->free(q);
	q = (clv_quorum_t *)&set;
	CU_ASSERT_EQUAL(clv_quorum_shamir_new(NULL, &q), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NULL(q);
	set.threshold = 4;
	CU_ASSERT_EQUAL(clv_quorum_shamir_new(&set, &q), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NULL(q);
	clv_secret_free(shares);
	clv_secret_free(secret);
}

/* Every 3-subset of a 3-of-5 set rebuilds the secret, in every presentation
 * order tried; two shares never do. */
static void
test_provider_3_of_5(void)
{
	clv_share_set_t set;
	clv_secret_t *secret = NULL, *shares = NULL, *got = NULL;
	clv_quorum_t *q = NULL;
	clv_quorum_progress_t pr;
	clv_diag_t d = { "" };
	unsigned mask, i, order[5], k, subsets = 0, good = 0;

	deal(&set, 3, 5, "so-pin", 32, &secret, &shares);
	for (mask = 0; mask < 32; mask++) {
		if (__builtin_popcount(mask) != 3)
			continue;
		subsets++;
		for (i = 0, k = 0; i < 5; i++)
			if (mask & (1u << i))
				order[k++] = i;
		if (mask & 1) {         /* present in reverse order for some */
			i = order[0];
			order[0] = order[2];
			order[2] = i;
		}
		CU_ASSERT_EQUAL_FATAL(clv_quorum_shamir_new(&set, &q), 0);
		present_ok(q, &set, shares, order[0]);
		present_ok(q, &set, shares, order[1]);
		CU_ASSERT_EQUAL(q->ops->login(q, NULL, 1, &d), CLV_E_POLICY);
		CU_ASSERT(contains(d.msg, "2 of 3 shares presented"));
		CU_ASSERT_EQUAL(q->ops->secret(q, &got, &d), CLV_E_POLICY);
		/* a flipped share of the third officer is refused, then the right one */
		k = order[2];
		CU_ASSERT_EQUAL(q->ops->present(q, set.officers[k].id, k + 1,
		    share_copy(shares, 5, k, 0x10), &d), CLV_E_INTEGRITY);
		CU_ASSERT(contains(d.msg, set.officers[k].name));
		present_ok(q, &set, shares, k);
		q->ops->progress(q, &pr);
		CU_ASSERT_EQUAL(pr.have, 3);
		CU_ASSERT_EQUAL(pr.need, 3);
		CU_ASSERT_STRING_EQUAL(pr.officers[2], set.officers[k].name);
		if (q->ops->secret(q, &got, &d) == 0 && memcmp(got->p, secret->p, 32) == 0)
			good++;
		clv_secret_free(got);
		got = NULL;
		q->ops->free(q);
		q = NULL;
	}
	CU_ASSERT_EQUAL(subsets, 10);
	CU_ASSERT_EQUAL(good, 10);
	q = NULL;
	clv_secret_free(shares);
	clv_secret_free(secret);
}

/* A share from another set of the same officers and secret is refused. */
static void
test_provider_other_set(void)
{
	clv_share_set_t a, b;
	clv_secret_t *secret = NULL, *sa = NULL, *sb = NULL;
	clv_quorum_t *q = NULL;
	clv_diag_t d = { "" };

	deal(&a, 2, 3, "user-pin", 32, &secret, &sa);
	set_prepare(&b, 2, 3, "user-pin");
	CU_ASSERT_EQUAL_FATAL(clv_quorum_deal(secret, &b, &sb), 0);
	CU_ASSERT_EQUAL_FATAL(clv_quorum_shamir_new(&a, &q), 0);
	CU_ASSERT_EQUAL(q->ops->present(q, "bob", 2, share_copy(sb, 3, 1, 0), &d),
	    CLV_E_INTEGRITY);
	CU_ASSERT(contains(d.msg, "(bob, index 2)"));
	present_ok(q, &a, sa, 1);
	q->ops->free(q);
	clv_secret_free(sa);
	clv_secret_free(sb);
	clv_secret_free(secret);
}

/* The check value is the last defence: a descriptor whose check value was
 * altered (commitments intact) refuses to give the secret. */
static void
test_provider_check_value(void)
{
	clv_share_set_t set;
	clv_secret_t *secret = NULL, *shares = NULL, *got = NULL;
	clv_quorum_t *q = NULL;
	clv_diag_t d = { "" };

	deal(&set, 2, 3, "user-pin", 32, &secret, &shares);
	set.check[31] ^= 1;
	CU_ASSERT_EQUAL_FATAL(clv_quorum_shamir_new(&set, &q), 0);
	present_ok(q, &set, shares, 0);
	present_ok(q, &set, shares, 1);
	memset(logbuf, 0, sizeof(logbuf));
	clv_log_set_handler(log_capture, NULL, CLV_LOG_DEBUG);
	CU_ASSERT_EQUAL(q->ops->secret(q, &got, &d), CLV_E_INTEGRITY);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_PTR_NULL(got);
	CU_ASSERT(contains(d.msg, "check value"));
	CU_ASSERT(contains(logbuf, "fails the check value"));
	q->ops->free(q);
	clv_secret_free(shares);
	clv_secret_free(secret);
}

/* ---- against a SoftHSM token ------------------------------------------------------- */

static int
login_with(const clv_share_set_t *set, const clv_secret_t *shares, unsigned mask,
    clv_hsm_t *h, int so, clv_diag_t *d)
{
	clv_quorum_t *q = NULL;
	unsigned k;
	int r;

	CU_ASSERT_EQUAL_FATAL(clv_quorum_shamir_new(set, &q), 0);
	for (k = 0; k < set->count; k++)
		if (mask & (1u << k))
			present_ok(q, set, shares, k);
	r = q->ops->login(q, h, so, d);
	q->ops->free(q);
	return r;
}

static void
test_login_softhsm(void)
{
	clv_share_set_t user_set, so_set, decoy_set;
	clv_secret_t *user = NULL, *so = NULL, *user_shares = NULL, *so_shares = NULL;
	clv_secret_t *decoy = NULL, *decoy_shares = NULL, *user_pin = NULL, *so_pin = NULL;
	clv_hsm_t *h = NULL;
	clv_diag_t d = { "" };
	unsigned mask, logins = 0;
	char hexbuf[65];
	unsigned char digest[32];
	size_t k;

	memset(logbuf, 0, sizeof(logbuf));
	clv_log_set_handler(log_capture, NULL, CLV_LOG_DEBUG);

	/* user PIN: 2 of 3; SO PIN: 3 of 3 of the same officers */
	deal(&user_set, 2, 3, "user-pin", 32, &user, &user_shares);
	deal(&so_set, 3, 3, "so-pin", 32, &so, &so_shares);
	deal(&decoy_set, 2, 3, "user-pin", 32, &decoy, &decoy_shares);
	CU_ASSERT_EQUAL_FATAL(clv_quorum_pin_text(user, &user_pin), 0);
	CU_ASSERT_EQUAL_FATAL(clv_quorum_pin_text(so, &so_pin), 0);

	store_new();
	CU_ASSERT_EQUAL_FATAL(clv_hsm_open(module_path(), &h, &d), 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_init_token(h, "quorum", so_pin, user_pin, &d), 0);

	/* any 2 of 3 user shares log in */
	for (mask = 0; mask < 8; mask++) {
		if (__builtin_popcount(mask) != 2)
			continue;
		d.msg[0] = '\0';
		if (login_with(&user_set, user_shares, mask, h, 0, &d) == 0)
			logins++;
		else
			fprintf(stderr, "\nlogin with mask %u: %s\n", mask, d.msg);
		CU_ASSERT_EQUAL(clv_hsm_logout(h), 0);
	}
	CU_ASSERT_EQUAL(logins, 3);
	/* one share does not, and nothing reaches the token */
	CU_ASSERT_EQUAL(login_with(&user_set, user_shares, 2, h, 0, &d), CLV_E_POLICY);
	/* a consistent set of another secret reaches the token and is refused there */
	CU_ASSERT_EQUAL(login_with(&decoy_set, decoy_shares, 5, h, 0, &d),
	    CLV_E_PIN_INCORRECT);
	/* the user set is not the SO PIN */
	CU_ASSERT_EQUAL(login_with(&user_set, user_shares, 3, h, 1, &d), CLV_E_POLICY);

	/* SO: all three shares; as many as the user threshold are not enough */
	CU_ASSERT_EQUAL(login_with(&so_set, so_shares, 3, h, 1, &d), CLV_E_POLICY);
	CU_ASSERT(contains(d.msg, "2 of 3 shares presented"));
	CU_ASSERT_EQUAL(login_with(&so_set, so_shares, 5, h, 1, &d), CLV_E_POLICY);
	CU_ASSERT_EQUAL(login_with(&so_set, so_shares, 6, h, 1, &d), CLV_E_POLICY);
	d.msg[0] = '\0';
	CU_ASSERT_EQUAL(login_with(&so_set, so_shares, 7, h, 1, &d), 0);
	if (d.msg[0] != '\0')
		fprintf(stderr, "\nSO login: %s\n", d.msg);
	CU_ASSERT_EQUAL(clv_hsm_logout(h), 0);
	/* the user set still works after the SO session */
	CU_ASSERT_EQUAL(login_with(&user_set, user_shares, 6, h, 0, &d), 0);
	CU_ASSERT_EQUAL(clv_hsm_logout(h), 0);

	clv_hsm_close(h);
	store_remove();
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);

	/* the debug log names officers and counts, never a secret, PIN or share */
	CU_ASSERT(contains(logbuf, "alice"));
	clv_hex(user->p, 32, hexbuf);
	CU_ASSERT(!contains(logbuf, hexbuf));
	CU_ASSERT(!contains(logbuf, (const char *)user_pin->p));
	CU_ASSERT(!contains(logbuf, (const char *)so_pin->p));
	clv_sha256(user_pin->p, user_pin->len, digest);
	clv_hex(digest, 32, hexbuf);
	CU_ASSERT(!contains(logbuf, hexbuf));
	for (k = 0; k < 3; k++) {
		clv_hex(user_shares->p + k * 32, 32, hexbuf);
		CU_ASSERT(!contains(logbuf, hexbuf));
		hexbuf[16] = '\0';      /* not even a prefix */
		CU_ASSERT(!contains(logbuf, hexbuf));
		clv_hex(so_shares->p + k * 32, 32, hexbuf);
		CU_ASSERT(!contains(logbuf, hexbuf));
		clv_sha256(user_shares->p + k * 32, 32, digest);
		clv_hex(digest, 32, hexbuf);
		CU_ASSERT(!contains(logbuf, hexbuf));
	}

	clv_secret_free(user_pin);
	clv_secret_free(so_pin);
	clv_secret_free(user);
	clv_secret_free(so);
	clv_secret_free(decoy);
	clv_secret_free(user_shares);
	clv_secret_free(so_shares);
	clv_secret_free(decoy_shares);
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "gf256 known products", test_gf256_known_products },
		{ "gf256 inverse of every non-zero element", test_gf256_inverse },
		{ "shamir round trip over every subset", test_shamir_round_trip },
		{ "shamir one share is consistent with every secret",
		    test_shamir_one_share_reveals_nothing },
		{ "shamir m-1 shares do not give the secret", test_shamir_too_few_shares },
		{ "shamir refusals", test_shamir_refusals },
		{ "deal", test_deal },
		{ "deal refusals", test_deal_refusals },
		{ "encode decode round trip", test_encode_decode_round_trip },
		{ "decode errors name the line", test_decode_errors },
		{ "pin text", test_pin_text },
		{ "provider 2 of 3", test_provider_2_of_3 },
		{ "provider 3 of 5", test_provider_3_of_5 },
		{ "provider share of another set", test_provider_other_set },
		{ "provider check value", test_provider_check_value },
		{ "login on softhsm", test_login_softhsm },
		{ NULL, NULL },
	};

	clv_gcry_init();
	return clv_unit_run("quorum", tests);
}
