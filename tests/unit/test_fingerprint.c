/*
 * Unit tests: fingerprint.  The PGP words are checked against a published
 * vector and both ways for every byte at both parities; the QR codes are read
 * back from their half-block text into modules, drawn as a PBM image and
 * decoded with zbarimg (zbar-tools), which must be installed.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fingerprint.h"
#include "unit.h"

#define ZBAR_NEEDED "zbarimg (Debian package zbar-tools) is needed to check the QR codes: " \
	"apt-get install zbar-tools"

/* The published example of the PGP word list (Wikipedia, "PGP word list"). */
static const unsigned char vector_bytes[20] = {
	0xD1, 0xD4, 0x64, 0xC0, 0x04, 0xF0, 0x0F, 0xB5, 0xC9, 0xA4,
	0xC8, 0xD8, 0xE4, 0x33, 0xE7, 0xFB, 0x7F, 0xF5, 0x62, 0x56,
};
static const char vector_words[] =
	"stairway souvenir flytrap recipe adrift upcoming artist positive spearhead Pandora "
	"spaniel stupendous tonic concurrent transit Wichita lockup visitor flagpole escapade";

/* SHA-256 of "" and of "abc" (FIPS 180-2), and two extremes. */
static const char *const sha256_hex[] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	"0000000000000000000000000000000000000000000000000000000000000000",
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
};

/* ---- helpers ----------------------------------------------------------------- */

static void
log_quiet(int level, const char *func, int line, const char *msg, void *ctx)
{
}

static int
unhex(const char *hex, unsigned char *out, size_t max)
{
	size_t i, n = strlen(hex) / 2;
	unsigned v;

	if (n > max)
		return -1;
	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return (int)n;
}

static int
ascii_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = (*a >= 'A' && *a <= 'Z') ? *a - 'A' + 'a' : *a;
		int cb = (*b >= 'A' && *b <= 'Z') ? *b - 'A' + 'a' : *b;

		if (ca != cb || ca == '\0')
			return ca - cb;
	}
}

/* A decoded QR: modules of the whole rendering, quiet zone included. */
typedef struct modules {
	unsigned w, h;          /* modules */
	unsigned char *dark;    /* w * h */
} modules_t;

/*
 * Reads the half-block text back into modules, checking its shape: height
 * lines of width cells, each line ending in '\n', only the four glyphs.
 * Returns 0, or -1 with a CUnit failure naming what is wrong.
 */
static int
parse_blocks(const char *text, unsigned width, unsigned height, modules_t *m)
{
	const char *p = text;
	unsigned x, y;

	m->w = width;
	m->h = 2 * height;
	m->dark = calloc((size_t)m->w * m->h, 1);
	CU_ASSERT_FATAL(m->dark != NULL);
	for (y = 0; y < height; y++) {
		for (x = 0; x < width; x++) {
			unsigned char up, down;

			if (*p == ' ') {
				up = down = 0;
				p++;
			} else if (strncmp(p, "\xe2\x96\x88", 3) == 0) {
				up = down = 1;
				p += 3;
			} else if (strncmp(p, "\xe2\x96\x80", 3) == 0) {
				up = 1;
				down = 0;
				p += 3;
			} else if (strncmp(p, "\xe2\x96\x84", 3) == 0) {
				up = 0;
				down = 1;
				p += 3;
			} else {
				fprintf(stderr, "line %u cell %u: byte 0x%02x is not one of the four "
				    "glyphs\n", y + 1, x + 1, (unsigned char)*p);
				CU_FAIL("a character other than space, U+2580, U+2584, U+2588");
				return -1;
			}
			m->dark[(size_t)(2 * y) * m->w + x] = up;
			m->dark[(size_t)(2 * y + 1) * m->w + x] = down;
		}
		if (*p != '\n') {
			fprintf(stderr, "line %u is not %u cells followed by a newline\n", y + 1,
			    width);
			CU_FAIL("a line of the wrong width");
			return -1;
		}
		p++;
	}
	if (*p != '\0') {
		CU_FAIL("more lines than the height");
		return -1;
	}
	return 0;
}

static int
module(const modules_t *m, unsigned x, unsigned y)
{
	return m->dark[(size_t)y * m->w + x];
}

/* PBM (P4) of the modules, each module 4 x 4 pixels, dark = 1. */
static int
write_pbm(const modules_t *m, const char *path)
{
	const unsigned scale = 4, pw = m->w * scale, ph = m->h * scale;
	unsigned x, y;
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	fprintf(f, "P4\n%u %u\n", pw, ph);
	for (y = 0; y < ph; y++) {
		unsigned char byte = 0;

		for (x = 0; x < pw; x++) {
			if (module(m, x / scale, y / scale))
				byte |= (unsigned char)(0x80 >> (x % 8));
			if (x % 8 == 7 || x == pw - 1) {
				fputc(byte, f);
				byte = 0;
			}
		}
	}
	return fclose(f) == 0 ? 0 : -1;
}

static int
have_zbarimg(void)
{
	const char *path = getenv("PATH");
	char dir[4096], file[4200];
	size_t n;

	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path != '\0') {
		n = strcspn(path, ":");
		if (n > 0 && n < sizeof(dir)) {
			memcpy(dir, path, n);
			dir[n] = '\0';
			snprintf(file, sizeof(file), "%s/zbarimg", dir);
			if (access(file, X_OK) == 0)
				return 1;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/*
 * Reads the half-block text qr (width x height cells) back into modules,
 * draws them as a PBM and has zbarimg read it: it must read exactly text.
 * The image has only the rendering's own 2-module quiet zone, as on screen.
 */
static void
check_qr_scans(const char *text, const char *qr, unsigned width, unsigned height)
{
	char tmpl[] = "/tmp/clv-fp-XXXXXX", img[64], txt[64], err[64], cmd[512], got[8192];
	modules_t m = { 0, 0, NULL };
	size_t n;
	FILE *f;
	int rc;

	if (!have_zbarimg()) {
		fprintf(stderr, "\n%s\n", ZBAR_NEEDED);
		CU_FAIL_FATAL(ZBAR_NEEDED);
	}
	if (parse_blocks(qr, width, height, &m) != 0)
		goto out;
	CU_ASSERT_FATAL(mkdtemp(tmpl) != NULL);
	snprintf(img, sizeof(img), "%s/qr.pbm", tmpl);
	snprintf(txt, sizeof(txt), "%s/out.txt", tmpl);
	snprintf(err, sizeof(err), "%s/err.txt", tmpl);
	CU_ASSERT_FATAL(write_pbm(&m, img) == 0);
	snprintf(cmd, sizeof(cmd), "zbarimg --quiet --raw -Sdisable -Sqrcode.enable '%s' "
	    ">'%s' 2>'%s'", img, txt, err);
	rc = system(cmd);
	CU_ASSERT_FATAL((f = fopen(txt, "rb")) != NULL);
	n = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[n] = '\0';
	/* --raw ends the symbol's data with a newline */
	if (n > 0 && got[n - 1] == '\n')
		got[--n] = '\0';
	if (rc != 0 || strcmp(got, text) != 0) {
		fprintf(stderr, "zbarimg exit %d; expected \"%s\", read \"%s\"; the QR:\n%s",
		    rc, text, got, qr);
		snprintf(cmd, sizeof(cmd), "cat '%s' >&2", err);
		if (system(cmd) != 0)
			fprintf(stderr, "(no zbarimg messages)\n");
	}
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(got, text);
	nftw(tmpl, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
out:
	free(m.dark);
}

/* ---- words ------------------------------------------------------------------- */

static void
test_vector_to_words(void)
{
	char out[12 * sizeof(vector_bytes)];

	CU_ASSERT_EQUAL_FATAL(clv_fp_words(vector_bytes, sizeof(vector_bytes), out, sizeof(out)),
	    0);
	CU_ASSERT_STRING_EQUAL(out, vector_words);
	CU_ASSERT_STRING_EQUAL(clv_fp_word(0xD1, 0), "stairway");
	CU_ASSERT_STRING_EQUAL(clv_fp_word(0xD1, 2), "stairway");
	CU_ASSERT_STRING_EQUAL(clv_fp_word(0xD4, 1), "souvenir");
	CU_ASSERT_STRING_EQUAL(clv_fp_word(0xD4, 0), "steamship");
	CU_ASSERT_STRING_EQUAL(clv_fp_word(0xA4, 9), "Pandora");
	/* the PGPfone original's quirks, which some copies change */
	CU_ASSERT_STRING_EQUAL(clv_fp_word(0x17, 0), "banjo");
	CU_ASSERT_STRING_EQUAL(clv_fp_word(0x09, 1), "applicant");
	CU_ASSERT_STRING_EQUAL(clv_fp_word(0x0A, 1), "Apollo");
	CU_ASSERT_STRING_EQUAL(clv_fp_word(0x00, 0), "aardvark");
	CU_ASSERT_STRING_EQUAL(clv_fp_word(0xFF, 0), "Zulu");
	CU_ASSERT_STRING_EQUAL(clv_fp_word(0x00, 1), "adroitness");
	CU_ASSERT_STRING_EQUAL(clv_fp_word(0xFF, 1), "Yucatan");
}

static void
test_vector_from_words(void)
{
	unsigned char out[32];
	size_t len = 99;
	clv_diag_t d;

	CU_ASSERT_EQUAL_FATAL(clv_fp_words_decode(vector_words, out, sizeof(out), &len, &d), 0);
	CU_ASSERT_EQUAL(len, sizeof(vector_bytes));
	CU_ASSERT(memcmp(out, vector_bytes, sizeof(vector_bytes)) == 0);

	/* any case, any white space, leading and trailing too */
	len = 99;
	CU_ASSERT_EQUAL_FATAL(clv_fp_words_decode(
	    "  STAIRWAY\tSouvenir\n flytrap  RECIPE\r\nadrift upcoming artist positive "
	    "spearhead pandora spaniel stupendous tonic concurrent transit wichita LOCKUP "
	    "visitor flagpole EscapadE \n", out, sizeof(out), &len, &d), 0);
	CU_ASSERT_EQUAL(len, sizeof(vector_bytes));
	CU_ASSERT(memcmp(out, vector_bytes, sizeof(vector_bytes)) == 0);

	/* exactly max words is fine */
	len = 99;
	CU_ASSERT_EQUAL(clv_fp_words_decode(vector_words, out, sizeof(vector_bytes), &len, &d),
	    0);
	CU_ASSERT_EQUAL(len, sizeof(vector_bytes));

	/* nothing is zero bytes */
	len = 99;
	CU_ASSERT_EQUAL(clv_fp_words_decode(" \t\n", out, sizeof(out), &len, &d), 0);
	CU_ASSERT_EQUAL(len, 0);
}

static void
test_every_byte_round_trips(void)
{
	unsigned char data[3], back[3];
	char words[3 * 12], upper[3 * 12];
	size_t len, i;
	unsigned b;
	clv_diag_t d;

	for (b = 0; b < 256; b++) {
		/* at an even position (0, 2) and an odd one (1) */
		data[0] = (unsigned char)b;
		data[1] = (unsigned char)b;
		data[2] = (unsigned char)(255 - b);
		CU_ASSERT_EQUAL_FATAL(clv_fp_words(data, 3, words, sizeof(words)), 0);
		len = 0;
		if (clv_fp_words_decode(words, back, sizeof(back), &len, &d) != 0) {
			fprintf(stderr, "byte 0x%02x: %s\n", b, d.msg);
			CU_FAIL("a rendering of the words does not decode");
			continue;
		}
		CU_ASSERT_EQUAL(len, 3);
		CU_ASSERT(memcmp(back, data, 3) == 0);
		/* and in capitals */
		for (i = 0; words[i] != '\0'; i++)
			upper[i] = (char)(words[i] >= 'a' && words[i] <= 'z' ?
			    words[i] - 'a' + 'A' : words[i]);
		upper[i] = '\0';
		len = 0;
		CU_ASSERT_EQUAL(clv_fp_words_decode(upper, back, sizeof(back), &len, &d), 0);
		CU_ASSERT_EQUAL(len, 3);
		CU_ASSERT(memcmp(back, data, 3) == 0);
	}
}

/* The lists as data: 512 different words (ignoring case), letters only, at most
 * 11 letters (so 12 bytes a byte always hold the rendering). */
static void
test_lists_are_sound(void)
{
	const char *w[512];
	size_t i, j, k;

	for (i = 0; i < 512; i++) {
		w[i] = clv_fp_word((unsigned char)(i % 256), i / 256);
		CU_ASSERT_FATAL(w[i] != NULL);
		CU_ASSERT(strlen(w[i]) >= 4 && strlen(w[i]) <= 11);
		for (k = 0; w[i][k] != '\0'; k++)
			CU_ASSERT((w[i][k] >= 'a' && w[i][k] <= 'z') ||
			    (w[i][k] >= 'A' && w[i][k] <= 'Z'));
	}
	for (i = 0; i < 512; i++)
		for (j = i + 1; j < 512; j++)
			if (ascii_casecmp(w[i], w[j]) == 0) {
				fprintf(stderr, "\"%s\" twice\n", w[i]);
				CU_FAIL("a word in the lists twice");
			}
}

static void
test_words_buffer(void)
{
	/* long words: "bookshelf" (9) at even positions, "belowground" (11) at odd */
	unsigned char data[32];
	char out[12 * sizeof(data)], small[8];
	size_t need, i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = i % 2 == 0 ? 0x26 : 0x14;
	CU_ASSERT_STRING_EQUAL(clv_fp_word(0x26, 0), "bookshelf");
	CU_ASSERT_STRING_EQUAL(clv_fp_word(0x14, 1), "belowground");
	CU_ASSERT_EQUAL_FATAL(clv_fp_words(data, sizeof(data), out, sizeof(out)), 0);
	need = strlen(out) + 1;
	CU_ASSERT_EQUAL(need, 16 * (9 + 1) + 16 * (11 + 1));

	/* exactly enough, then one byte short */
	CU_ASSERT_EQUAL(clv_fp_words(data, sizeof(data), out, need), 0);
	CU_ASSERT_EQUAL(strlen(out), need - 1);
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_DEBUG);
	CU_ASSERT_EQUAL(clv_fp_words(data, sizeof(data), out, need - 1), CLV_E_INVALID_ARG);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(clv_fp_words(data, 1, small, sizeof(small)), CLV_E_INVALID_ARG);
	CU_ASSERT_STRING_EQUAL(small, "");
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);

	/* nothing is the empty string */
	CU_ASSERT_EQUAL(clv_fp_words(NULL, 0, small, sizeof(small)), 0);
	CU_ASSERT_STRING_EQUAL(small, "");
	CU_ASSERT_EQUAL(clv_fp_words(NULL, 1, small, sizeof(small)), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_fp_words(data, 1, NULL, 12), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_fp_words(data, 1, small, 0), CLV_E_INVALID_ARG);
}

static void
test_decode_refuses_unknown_word(void)
{
	unsigned char out[32];
	size_t len = 99;
	clv_diag_t d;

	CU_ASSERT_EQUAL(clv_fp_words_decode("stairway souvenir flytap recipe", out, sizeof(out),
	    &len, &d), CLV_E_FORMAT);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "word 3 \"flytap\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "not in the PGP word list"));

	/* a prefix of a word, a word with a tail, a word glued to punctuation */
	CU_ASSERT_EQUAL(clv_fp_words_decode("stair", out, sizeof(out), &len, &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "word 1 \"stair\""));
	CU_ASSERT_EQUAL(clv_fp_words_decode("stairways", out, sizeof(out), &len, &d),
	    CLV_E_FORMAT);
	CU_ASSERT_EQUAL(clv_fp_words_decode("stairway, souvenir", out, sizeof(out), &len, &d),
	    CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "word 1 \"stairway,\""));

	/* what the message quotes is bounded and printable */
	CU_ASSERT_EQUAL(clv_fp_words_decode("aardvark "
	    "\x01xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	    out, sizeof(out), &len, &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "word 2 \"?xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\""));

	/* the diag may be NULL */
	CU_ASSERT_EQUAL(clv_fp_words_decode("flytap", out, sizeof(out), &len, NULL),
	    CLV_E_FORMAT);
}

static void
test_decode_refuses_wrong_parity(void)
{
	unsigned char out[32];
	size_t len = 99;
	clv_diag_t d;

	/* "souvenir" dropped: "flytrap" (even list) lands at position 2 (odd) */
	CU_ASSERT_EQUAL(clv_fp_words_decode("stairway flytrap recipe", out, sizeof(out), &len,
	    &d), CLV_E_FORMAT);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "word 2 \"flytrap\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "two-syllable (even) word where a three-syllable "
	    "(odd) word belongs"));

	/* the first two swapped: an odd word first */
	CU_ASSERT_EQUAL(clv_fp_words_decode("souvenir stairway", out, sizeof(out), &len, &d),
	    CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "word 1 \"souvenir\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "three-syllable (odd) word where a two-syllable "
	    "(even) word belongs"));

	/* case does not hide it */
	CU_ASSERT_EQUAL(clv_fp_words_decode("stairway souvenir PANDORA", out, sizeof(out), &len,
	    &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "word 3 \"PANDORA\""));
}

static void
test_decode_refuses_too_many(void)
{
	unsigned char out[32];
	size_t len = 99;
	clv_diag_t d;

	memset(out, 0xAA, sizeof(out));
	CU_ASSERT_EQUAL(clv_fp_words_decode("stairway souvenir flytrap", out, 2, &len, &d),
	    CLV_E_FORMAT);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "word 3 \"flytrap\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "at most 2 words"));
	CU_ASSERT_EQUAL(out[2], 0xAA);          /* nothing written past max */

	CU_ASSERT_EQUAL(clv_fp_words_decode(vector_words, out, sizeof(vector_bytes) - 1, &len,
	    &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "word 20 \"escapade\""));

	CU_ASSERT_EQUAL(clv_fp_words_decode("aardvark", NULL, 0, &len, &d), CLV_E_FORMAT);
	CU_ASSERT_EQUAL(clv_fp_words_decode("", NULL, 0, &len, &d), 0);
	CU_ASSERT_EQUAL(len, 0);

	/* programming errors */
	CU_ASSERT_EQUAL(clv_fp_words_decode(NULL, out, sizeof(out), &len, &d), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_fp_words_decode("aardvark", out, sizeof(out), NULL, &d),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_fp_words_decode("aardvark", NULL, 4, &len, &d), CLV_E_INVALID_ARG);
}

/* ---- QR ---------------------------------------------------------------------- */

static void
test_qr_shape(void)
{
	static const char *const texts[] = {
		"A",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"Conclave CSCA-XX 2025 key fingerprint (SHA-256) "
		"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
	};
	modules_t m = { 0, 0, NULL };
	unsigned w, h, x, y, i, n;
	char *qr = NULL;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(clv_fp_qr(texts[i], &qr, &w, &h), 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(qr);
		/* a QR is 17 + 4v modules square, plus 2 quiet modules each side;
		 * each cell row holds two module rows */
		CU_ASSERT(w >= 21 + 4 && w <= 177 + 4);
		CU_ASSERT_EQUAL((w - 4 - 17) % 4, 0);
		CU_ASSERT_EQUAL(h, (w + 1) / 2);
		if (parse_blocks(qr, w, h, &m) == 0) {
			/* quiet zone: two module rows and columns on each side light */
			for (n = 0, y = 0; y < m.h; y++)
				for (x = 0; x < m.w; x++)
					if (x < 2 || y < 2 || x >= w - 2 || y >= w - 2)
						n += module(&m, x, y);
			CU_ASSERT_EQUAL(n, 0);
			/* finder patterns: dark 7x7 ring corners at (2,2), (w-3,2), (2,w-3) */
			CU_ASSERT(module(&m, 2, 2) && module(&m, 8, 2) && module(&m, 2, 8) &&
			    module(&m, 8, 8) && !module(&m, 3, 3) && module(&m, 4, 4));
			CU_ASSERT(module(&m, w - 3, 2) && module(&m, w - 9, 8));
			CU_ASSERT(module(&m, 2, w - 3) && module(&m, 8, w - 9));
			/* separators: light just inside the finder patterns' edges */
			CU_ASSERT(!module(&m, 9, 2) && !module(&m, 2, 9));
		}
		free(m.dark);
		m.dark = NULL;
		free(qr);
		qr = NULL;
	}
}

static void
test_qr_sha256_fits_beside_text(void)
{
	unsigned char md[32];
	unsigned w, h, wl, hl, i, k;
	char *qr = NULL, *qrl = NULL, upper[65];

	for (i = 0; i < sizeof(sha256_hex) / sizeof(sha256_hex[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(unhex(sha256_hex[i], md, sizeof(md)), 32);
		CU_ASSERT_EQUAL_FATAL(clv_fp_qr_hex(md, sizeof(md), &qr, &w, &h), 0);
		CU_ASSERT_EQUAL_FATAL(clv_fp_qr(sha256_hex[i], &qrl, &wl, &hl), 0);
		printf("\n    SHA-256 %.8s...: upper-case hex %u x %u cells, lower-case %u x %u",
		    sha256_hex[i], w, h, wl, hl);
		/* version 4 or less with the quiet zone: 37 x 19 */
		CU_ASSERT(w <= 37);
		CU_ASSERT(h <= 19);
		CU_ASSERT(w <= wl);
		for (k = 0; k < 64; k++)
			upper[k] = (char)(sha256_hex[i][k] >= 'a' ? sha256_hex[i][k] - 'a' + 'A' :
			    sha256_hex[i][k]);
		upper[64] = '\0';
		check_qr_scans(upper, qr, w, h);
		check_qr_scans(sha256_hex[i], qrl, wl, hl);
		free(qr);
		free(qrl);
		qr = qrl = NULL;
	}
	/* the empty digest's lower-case hex is 8-bit data: version 5 */
	CU_ASSERT_EQUAL_FATAL(clv_fp_qr(sha256_hex[0], &qrl, &wl, &hl), 0);
	CU_ASSERT_EQUAL(wl, 41);
	CU_ASSERT_EQUAL(hl, 21);
	free(qrl);
}

static void
test_qr_scans_back(void)
{
	static const char *const texts[] = {
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"Ba7816Bf",
		"https://example.org/csca?key=CSCA-XX-2025&sha256=ba7816bf8f01cfea414140de5da",
		"stairway souvenir flytrap recipe adrift upcoming artist positive",
		"1234567890",
	};
	unsigned w, h, i;
	char *qr = NULL;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(clv_fp_qr(texts[i], &qr, &w, &h), 0);
		check_qr_scans(texts[i], qr, w, h);
		free(qr);
		qr = NULL;
	}
}

static void
test_qr_refusals(void)
{
	char *qr = (char *)"not touched";
	unsigned w = 7, h = 7;
	char *big;

	CU_ASSERT_EQUAL(clv_fp_qr(NULL, &qr, &w, &h), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NULL(qr);
	CU_ASSERT_EQUAL(w, 0);
	CU_ASSERT_EQUAL(h, 0);
	CU_ASSERT_EQUAL(clv_fp_qr("", &qr, &w, &h), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NULL(qr);
	CU_ASSERT_EQUAL(clv_fp_qr("x", NULL, &w, &h), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_fp_qr_hex(NULL, 32, &qr, &w, &h), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_fp_qr_hex((const unsigned char *)"x", 0, &qr, &w, &h),
	    CLV_E_INVALID_ARG);

	/* more than version 40-M holds (2331 bytes) */
	big = malloc(4000);
	CU_ASSERT_FATAL(big != NULL);
	memset(big, 'x', 3999);
	big[3999] = '\0';
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_DEBUG);
	CU_ASSERT_EQUAL(clv_fp_qr(big, &qr, &w, &h), CLV_E_INVALID_ARG);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_PTR_NULL(qr);
	free(big);

	/* width and height may be left out */
	CU_ASSERT_EQUAL(clv_fp_qr("x", &qr, NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(qr);
	free(qr);
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "vector to words", test_vector_to_words },
		{ "vector from words", test_vector_from_words },
		{ "every byte round-trips at both parities", test_every_byte_round_trips },
		{ "the word lists are sound", test_lists_are_sound },
		{ "words buffer", test_words_buffer },
		{ "decode refuses an unknown word", test_decode_refuses_unknown_word },
		{ "decode refuses a word of the wrong list", test_decode_refuses_wrong_parity },
		{ "decode refuses too many words", test_decode_refuses_too_many },
		{ "QR half-block shape", test_qr_shape },
		{ "QR of a SHA-256 fits beside text", test_qr_sha256_fits_beside_text },
		{ "QR scans back (zbarimg)", test_qr_scans_back },
		{ "QR refusals", test_qr_refusals },
		{ NULL, NULL },
	};
	return clv_unit_run("fingerprint", tests);
}
