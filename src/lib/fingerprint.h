/*
 * Fingerprints people can check: a digest as PGP words (read aloud by the
 * witnesses) and as a QR code drawn with terminal half-blocks.
 */
#ifndef CLV_FINGERPRINT_H
#define CLV_FINGERPRINT_H

#include "clv.h"

/*
 * The PGP word list rendering of len bytes: byte i uses the even list
 * (two syllables) when i is even and the odd list (three syllables) when i is
 * odd, words separated by single spaces.  out gets at most outlen bytes
 * (12 * len is always enough).
 */
int clv_fp_words(const unsigned char *data, size_t len, char *out, size_t outlen);
/* The word for byte b at position pos (even/odd list). */
const char *clv_fp_word(unsigned char b, size_t pos);
/* Back from words to bytes (case-insensitive); CLV_E_FORMAT naming the word. */
int clv_fp_words_decode(const char *words, unsigned char *out, size_t max, size_t *len,
    clv_diag_t *diag);

/*
 * A QR code of text (libqrencode, error correction level M, 8-bit mode), as
 * lines of UTF-8 half-block characters (U+2580 upper, U+2584 lower, U+2588
 * full, space) two modules per character cell vertically, with a quiet zone
 * of 2 modules; dark modules drawn as blocks (for a dark-on-light terminal
 * the caller may invert).  out is a NUL-terminated block of lines each ending
 * in '\n'; *width and *height are the size in character cells.
 */
int clv_fp_qr(const char *text, char **out, unsigned *width, unsigned *height);

#endif
