/*
 * Fingerprints people can check: a digest as PGP words, and as a QR code
 * drawn with terminal half-blocks.
 *
 * The PGP word list was made by Patrick Juola and Philip Zimmermann (1995)
 * for PGPfone, whose sources are under the MIT licence; the lists are public
 * data.  The tables below were taken from the copy in the IANA root KSK
 * ceremony tools, github.com/iana-org/dnssec-keytools-legacy,
 * common/sha2wordlist.h (Copyright (c) 2009 Kirei AB, under a permissive
 * ISC/BSD-style licence), and checked word for word against a second published
 * copy and against the published vector in tests/unit/test_fingerprint.c.
 * They are the PGPfone original, including its quirks, which other copies
 * sometimes "correct" and which then no longer interoperate:
 *   - even 0x17 is "banjo" (some copies say "basalt");
 *   - odd 0x09 "applicant" comes before odd 0x0A "Apollo" (not alphabetical);
 *   - the capitals of the original are kept ("Algol", "Pandora", "Wichita").
 * Decoding compares case-insensitively, so the capitals only affect display.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "fingerprint.h"

#define WORD_MAX        11      /* longest word: "belowground", "performance" */
#define QUIET           2       /* quiet zone, modules on each side */
#define SEPARATORS      " \t\r\n\v\f"
#define QUOTE_MAX       32      /* bytes of a bad word quoted in a message */

/* UTF-8 half blocks: a character cell holds two modules, one above the other. */
#define GLYPH_FULL      "\xe2\x96\x88"  /* U+2588 both dark */
#define GLYPH_UPPER     "\xe2\x96\x80"  /* U+2580 upper dark */
#define GLYPH_LOWER     "\xe2\x96\x84"  /* U+2584 lower dark */
#define GLYPH_LEN       3

/* Two syllables: bytes at even positions (0, 2, 4, ...). */
static const char *const even_words[256] = {
	/* 00 */ "aardvark", "absurd", "accrue", "acme",
	/* 04 */ "adrift", "adult", "afflict", "ahead",
	/* 08 */ "aimless", "Algol", "allow", "alone",
	/* 0C */ "ammo", "ancient", "apple", "artist",
	/* 10 */ "assume", "Athens", "atlas", "Aztec",
	/* 14 */ "baboon", "backfield", "backward", "banjo",
	/* 18 */ "beaming", "bedlamp", "beehive", "beeswax",
	/* 1C */ "befriend", "Belfast", "berserk", "billiard",
	/* 20 */ "bison", "blackjack", "blockade", "blowtorch",
	/* 24 */ "bluebird", "bombast", "bookshelf", "brackish",
	/* 28 */ "breadline", "breakup", "brickyard", "briefcase",
	/* 2C */ "Burbank", "button", "buzzard", "cement",
	/* 30 */ "chairlift", "chatter", "checkup", "chisel",
	/* 34 */ "choking", "chopper", "Christmas", "clamshell",
	/* 38 */ "classic", "classroom", "cleanup", "clockwork",
	/* 3C */ "cobra", "commence", "concert", "cowbell",
	/* 40 */ "crackdown", "cranky", "crowfoot", "crucial",
	/* 44 */ "crumpled", "crusade", "cubic", "dashboard",
	/* 48 */ "deadbolt", "deckhand", "dogsled", "dragnet",
	/* 4C */ "drainage", "dreadful", "drifter", "dropper",
	/* 50 */ "drumbeat", "drunken", "Dupont", "dwelling",
	/* 54 */ "eating", "edict", "egghead", "eightball",
	/* 58 */ "endorse", "endow", "enlist", "erase",
	/* 5C */ "escape", "exceed", "eyeglass", "eyetooth",
	/* 60 */ "facial", "fallout", "flagpole", "flatfoot",
	/* 64 */ "flytrap", "fracture", "framework", "freedom",
	/* 68 */ "frighten", "gazelle", "Geiger", "glitter",
	/* 6C */ "glucose", "goggles", "goldfish", "gremlin",
	/* 70 */ "guidance", "hamlet", "highchair", "hockey",
	/* 74 */ "indoors", "indulge", "inverse", "involve",
	/* 78 */ "island", "jawbone", "keyboard", "kickoff",
	/* 7C */ "kiwi", "klaxon", "locale", "lockup",
	/* 80 */ "merit", "minnow", "miser", "Mohawk",
	/* 84 */ "mural", "music", "necklace", "Neptune",
	/* 88 */ "newborn", "nightbird", "Oakland", "obtuse",
	/* 8C */ "offload", "optic", "orca", "payday",
	/* 90 */ "peachy", "pheasant", "physique", "playhouse",
	/* 94 */ "Pluto", "preclude", "prefer", "preshrunk",
	/* 98 */ "printer", "prowler", "pupil", "puppy",
	/* 9C */ "python", "quadrant", "quiver", "quota",
	/* A0 */ "ragtime", "ratchet", "rebirth", "reform",
	/* A4 */ "regain", "reindeer", "rematch", "repay",
	/* A8 */ "retouch", "revenge", "reward", "rhythm",
	/* AC */ "ribcage", "ringbolt", "robust", "rocker",
	/* B0 */ "ruffled", "sailboat", "sawdust", "scallion",
	/* B4 */ "scenic", "scorecard", "Scotland", "seabird",
	/* B8 */ "select", "sentence", "shadow", "shamrock",
	/* BC */ "showgirl", "skullcap", "skydive", "slingshot",
	/* C0 */ "slowdown", "snapline", "snapshot", "snowcap",
	/* C4 */ "snowslide", "solo", "southward", "soybean",
	/* C8 */ "spaniel", "spearhead", "spellbind", "spheroid",
	/* CC */ "spigot", "spindle", "spyglass", "stagehand",
	/* D0 */ "stagnate", "stairway", "standard", "stapler",
	/* D4 */ "steamship", "sterling", "stockman", "stopwatch",
	/* D8 */ "stormy", "sugar", "surmount", "suspense",
	/* DC */ "sweatband", "swelter", "tactics", "talon",
	/* E0 */ "tapeworm", "tempest", "tiger", "tissue",
	/* E4 */ "tonic", "topmost", "tracker", "transit",
	/* E8 */ "trauma", "treadmill", "Trojan", "trouble",
	/* EC */ "tumor", "tunnel", "tycoon", "uncut",
	/* F0 */ "unearth", "unwind", "uproot", "upset",
	/* F4 */ "upshot", "vapor", "village", "virus",
	/* F8 */ "Vulcan", "waffle", "wallet", "watchword",
	/* FC */ "wayside", "willow", "woodlark", "Zulu",
};

/* Three syllables: bytes at odd positions (1, 3, 5, ...). */
static const char *const odd_words[256] = {
	/* 00 */ "adroitness", "adviser", "aftermath", "aggregate",
	/* 04 */ "alkali", "almighty", "amulet", "amusement",
	/* 08 */ "antenna", "applicant", "Apollo", "armistice",
	/* 0C */ "article", "asteroid", "Atlantic", "atmosphere",
	/* 10 */ "autopsy", "Babylon", "backwater", "barbecue",
	/* 14 */ "belowground", "bifocals", "bodyguard", "bookseller",
	/* 18 */ "borderline", "bottomless", "Bradbury", "bravado",
	/* 1C */ "Brazilian", "breakaway", "Burlington", "businessman",
	/* 20 */ "butterfat", "Camelot", "candidate", "cannonball",
	/* 24 */ "Capricorn", "caravan", "caretaker", "celebrate",
	/* 28 */ "cellulose", "certify", "chambermaid", "Cherokee",
	/* 2C */ "Chicago", "clergyman", "coherence", "combustion",
	/* 30 */ "commando", "company", "component", "concurrent",
	/* 34 */ "confidence", "conformist", "congregate", "consensus",
	/* 38 */ "consulting", "corporate", "corrosion", "councilman",
	/* 3C */ "crossover", "crucifix", "cumbersome", "customer",
	/* 40 */ "Dakota", "decadence", "December", "decimal",
	/* 44 */ "designing", "detector", "detergent", "determine",
	/* 48 */ "dictator", "dinosaur", "direction", "disable",
	/* 4C */ "disbelief", "disruptive", "distortion", "document",
	/* 50 */ "embezzle", "enchanting", "enrollment", "enterprise",
	/* 54 */ "equation", "equipment", "escapade", "Eskimo",
	/* 58 */ "everyday", "examine", "existence", "exodus",
	/* 5C */ "fascinate", "filament", "finicky", "forever",
	/* 60 */ "fortitude", "frequency", "gadgetry", "Galveston",
	/* 64 */ "getaway", "glossary", "gossamer", "graduate",
	/* 68 */ "gravity", "guitarist", "hamburger", "Hamilton",
	/* 6C */ "handiwork", "hazardous", "headwaters", "hemisphere",
	/* 70 */ "hesitate", "hideaway", "holiness", "hurricane",
	/* 74 */ "hydraulic", "impartial", "impetus", "inception",
	/* 78 */ "indigo", "inertia", "infancy", "inferno",
	/* 7C */ "informant", "insincere", "insurgent", "integrate",
	/* 80 */ "intention", "inventive", "Istanbul", "Jamaica",
	/* 84 */ "Jupiter", "leprosy", "letterhead", "liberty",
	/* 88 */ "maritime", "matchmaker", "maverick", "Medusa",
	/* 8C */ "megaton", "microscope", "microwave", "midsummer",
	/* 90 */ "millionaire", "miracle", "misnomer", "molasses",
	/* 94 */ "molecule", "Montana", "monument", "mosquito",
	/* 98 */ "narrative", "nebula", "newsletter", "Norwegian",
	/* 9C */ "October", "Ohio", "onlooker", "opulent",
	/* A0 */ "Orlando", "outfielder", "Pacific", "pandemic",
	/* A4 */ "Pandora", "paperweight", "paragon", "paragraph",
	/* A8 */ "paramount", "passenger", "pedigree", "Pegasus",
	/* AC */ "penetrate", "perceptive", "performance", "pharmacy",
	/* B0 */ "phonetic", "photograph", "pioneer", "pocketful",
	/* B4 */ "politeness", "positive", "potato", "processor",
	/* B8 */ "provincial", "proximate", "puberty", "publisher",
	/* BC */ "pyramid", "quantity", "racketeer", "rebellion",
	/* C0 */ "recipe", "recover", "repellent", "replica",
	/* C4 */ "reproduce", "resistor", "responsive", "retraction",
	/* C8 */ "retrieval", "retrospect", "revenue", "revival",
	/* CC */ "revolver", "sandalwood", "sardonic", "Saturday",
	/* D0 */ "savagery", "scavenger", "sensation", "sociable",
	/* D4 */ "souvenir", "specialist", "speculate", "stethoscope",
	/* D8 */ "stupendous", "supportive", "surrender", "suspicious",
	/* DC */ "sympathy", "tambourine", "telephone", "therapist",
	/* E0 */ "tobacco", "tolerance", "tomorrow", "torpedo",
	/* E4 */ "tradition", "travesty", "trombonist", "truncated",
	/* E8 */ "typewriter", "ultimate", "undaunted", "underfoot",
	/* EC */ "unicorn", "unify", "universe", "unravel",
	/* F0 */ "upcoming", "vacancy", "vagabond", "vertigo",
	/* F4 */ "Virginia", "visitor", "vocalist", "voyager",
	/* F8 */ "warranty", "Waterloo", "whimsical", "Wichita",
	/* FC */ "Wilmington", "Wyoming", "yesteryear", "Yucatan",
};

const char *
clv_fp_word(unsigned char b, size_t pos)
{
	return pos % 2 == 0 ? even_words[b] : odd_words[b];
}

int
clv_fp_words(const unsigned char *data, size_t len, char *out, size_t outlen)
{
	int r = CLV_E_INTERNAL;
	size_t i, used = 0, wlen, need;
	const char *w;

	if (out == NULL || outlen == 0 || (data == NULL && len > 0)) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	out[0] = '\0';
	for (i = 0; i < len; i++) {
		w = clv_fp_word(data[i], i);
		wlen = strlen(w);
		need = (i > 0 ? 1 : 0) + wlen + 1;
		if (need > outlen - used) {
			clv_error("the words of %zu bytes do not fit in %zu bytes", len, outlen);
			r = CLV_E_INVALID_ARG;
			goto out;
		}
		if (i > 0)
			out[used++] = ' ';
		memcpy(out + used, w, wlen);
		used += wlen;
		out[used] = '\0';
	}
	r = 0;
out:
	if (r != 0 && out != NULL && outlen > 0)
		out[0] = '\0';
	return r;
}

/* ASCII lower case, whatever the locale (a Turkish one folds 'I' otherwise). */
static unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* The byte whose word in list is w[0..n), case-insensitively; -1 if none. */
static int
word_index(const char *const list[256], const char *w, size_t n)
{
	size_t i, j;

	if (n == 0 || n > WORD_MAX)
		return -1;
	for (i = 0; i < 256; i++) {
		for (j = 0; j < n; j++)
			if (list[i][j] == '\0' || ascii_lower((unsigned char)list[i][j]) !=
			    ascii_lower((unsigned char)w[j]))
				break;
		if (j == n && list[i][n] == '\0')
			return (int)i;
	}
	return -1;
}

/* w[0..n) fit to quote in a message: at most QUOTE_MAX bytes, non-printable
 * bytes as '?', "..." when cut. */
static void
quote_word(const char *w, size_t n, char buf[QUOTE_MAX + 4])
{
	size_t i, k = n > QUOTE_MAX ? QUOTE_MAX : n;

	for (i = 0; i < k; i++) {
		unsigned char c = (unsigned char)w[i];

		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (k < n) {
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	buf[k] = '\0';
}

int
clv_fp_words_decode(const char *words, unsigned char *out, size_t max, size_t *len,
    clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	const char *p, *const *list, *const *other;
	char quoted[QUOTE_MAX + 4];
	size_t n = 0, wlen;
	int b;

	if (len != NULL)
		*len = 0;
	if (words == NULL || len == NULL || (out == NULL && max > 0)) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	for (p = words;; p += wlen) {
		p += strspn(p, SEPARATORS);
		if (*p == '\0')
			break;
		wlen = strcspn(p, SEPARATORS);
		quote_word(p, wlen, quoted);
		if (n == max) {
			r = clv_diag_set(diag, CLV_E_FORMAT, "fingerprint words: word %zu \"%s\" is "
			    "one too many: expected at most %zu words", n + 1, quoted, max);
			goto out;
		}
		list = n % 2 == 0 ? even_words : odd_words;
		other = n % 2 == 0 ? odd_words : even_words;
		if ((b = word_index(list, p, wlen)) < 0) {
			if (word_index(other, p, wlen) >= 0)
				r = clv_diag_set(diag, CLV_E_FORMAT, "fingerprint words: word %zu \"%s\" "
				    "is a %s word where a %s word belongs: a word was dropped, added "
				    "or swapped at or before it", n + 1, quoted,
				    n % 2 == 0 ? "three-syllable (odd)" : "two-syllable (even)",
				    n % 2 == 0 ? "two-syllable (even)" : "three-syllable (odd)");
			else
				r = clv_diag_set(diag, CLV_E_FORMAT, "fingerprint words: word %zu "
				    "\"%s\" is not in the PGP word list", n + 1, quoted);
			goto out;
		}
		out[n++] = (unsigned char)b;
	}
	*len = n;
	r = 0;
out:
	return r;
}

/* Whether module (x, y) is dark; coordinates include the quiet zone. */
static int
module_dark(const QRcode *qr, int x, int y)
{
	x -= QUIET;
	y -= QUIET;
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 0;
	return qr->data[(size_t)y * (size_t)qr->width + (size_t)x] & 1;
}

/* The half-block text of qr. */
static int
render(const QRcode *qr, char **out, unsigned *width, unsigned *height)
{
	int r = CLV_E_INTERNAL;
	int size = qr->width + 2 * QUIET, rows = (size + 1) / 2, x, y;
	char *text = NULL, *p;
	const char *g;

	*out = NULL;
	if ((text = malloc((size_t)rows * ((size_t)size * GLYPH_LEN + 1) + 1)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	p = text;
	for (y = 0; y < size; y += 2) {
		for (x = 0; x < size; x++) {
			int up = module_dark(qr, x, y), down = module_dark(qr, x, y + 1);

			if (!up && !down) {
				*p++ = ' ';
				continue;
			}
			g = up && down ? GLYPH_FULL : up ? GLYPH_UPPER : GLYPH_LOWER;
			memcpy(p, g, GLYPH_LEN);
			p += GLYPH_LEN;
		}
		*p++ = '\n';
	}
	*p = '\0';
	*width = (unsigned)size;
	*height = (unsigned)rows;
	*out = text;
	text = NULL;
	r = 0;
out:
	free(text);
	return r;
}

int
clv_fp_qr(const char *text, char **out, unsigned *width, unsigned *height)
{
	int r = CLV_E_INTERNAL, e;
	QRcode *qr = NULL;
	unsigned w = 0, h = 0;

	if (out != NULL)
		*out = NULL;
	if (width != NULL)
		*width = 0;
	if (height != NULL)
		*height = 0;
	if (text == NULL || out == NULL || *text == '\0') {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	/* QR_MODE_8: bytes outside the numeric and alphanumeric sets go as they
	 * are (not as Shift-JIS Kanji); 1: case-sensitive. */
	errno = 0;
	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) == NULL) {
		e = errno;
		clv_error("QRcode_encodeString (%zu bytes): %s", strlen(text), strerror(e));
		r = e == ENOMEM ? CLV_E_NOMEM : e == ERANGE || e == EINVAL ?
		    CLV_E_INVALID_ARG : CLV_E_INTERNAL;
		goto out;
	}
	if ((r = render(qr, out, &w, &h)) != 0)
		goto out;
	clv_debug("QR version %d, %d modules, %u x %u cells", qr->version, qr->width, w, h);
	if (width != NULL)
		*width = w;
	if (height != NULL)
		*height = h;
	r = 0;
out:
	QRcode_free(qr);
	return r;
}

int
clv_fp_qr_hex(const unsigned char *data, size_t len, char **out, unsigned *width,
    unsigned *height)
{
	static const char digits[] = "0123456789ABCDEF";
	int r = CLV_E_INTERNAL;
	char *hex = NULL;
	size_t i;

	if (out != NULL)
		*out = NULL;
	if (data == NULL || len == 0 || len > (SIZE_MAX - 1) / 2 || out == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if ((hex = malloc(2 * len + 1)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[data[i] >> 4];
		hex[2 * i + 1] = digits[data[i] & 0x0f];
	}
	hex[2 * len] = '\0';
	r = clv_fp_qr(hex, out, width, height);
out:
	free(hex);
	return r;
}
