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
/*
 * Back from words to bytes (case-insensitive); CLV_E_FORMAT naming the word.
 * Words are separated by any run of white space.  The word at position i
 * (counted from 0) must come from the list of i's parity: a word of the other
 * list there means a word was dropped, added or swapped, and is refused with
 * the word and its position (counted from 1 in the message).  More than max
 * words is CLV_E_FORMAT too.  *len is the number of bytes decoded (0 on
 * failure); no words at all decode to 0 bytes.
 */
int clv_fp_words_decode(const char *words, unsigned char *out, size_t max, size_t *len,
    clv_diag_t *diag);

/*
 * A QR code of text (libqrencode, error correction level M, case-sensitive;
 * runs of digits and of QR alphanumeric characters get their compact modes,
 * everything else 8-bit mode, so any UTF-8 text is encoded byte for byte), as
 * lines of UTF-8 half-block characters (U+2580 upper, U+2584 lower, U+2588
 * full, space) two modules per character cell vertically, with a quiet zone
 * of 2 modules; dark modules drawn as blocks, which is right as it is on a
 * dark-on-light terminal; on a light-on-dark one the blocks come out light,
 * so the caller draws the whole block in reverse video (A_REVERSE) to keep
 * dark modules dark and the quiet zone light.  out is a NUL-terminated block of lines each ending
 * in '\n'; *width and *height are the size in character cells.
 */
int clv_fp_qr(const char *text, char **out, unsigned *width, unsigned *height);

/*
 * The QR code (as clv_fp_qr) of len bytes written as UPPER-case hex.  Upper-
 * case hex digits are QR alphanumeric characters, which libqrencode packs
 * 5.5 bits each: a SHA-256 (64 digits) fits version 4, 37 x 19 cells with
 * the quiet zone, beside text on an 80x24 screen.  The same digest in lower-
 * case hex is 8-bit data and usually needs version 5, 41 x 21 cells.
 */
int clv_fp_qr_hex(const unsigned char *data, size_t len, char **out, unsigned *width,
    unsigned *height);

#endif
