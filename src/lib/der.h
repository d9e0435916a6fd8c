/* DER through libtasn1: the compiled modules in src/lib/asn1/ and helpers. */
#ifndef CLV_DER_H
#define CLV_DER_H

#include <libtasn1.h>

#include "clv.h"

/* A compiled ASN.1 module of src/lib/asn1/ (asn1Parser's table) and the
 * definitions parsed from it on first use. */
typedef struct clv_der_module {
	const asn1_static_node *tab;
	const char *name;           /* its module name: "CLV-CMS" */
	asn1_node defs;
	int status;                 /* 0 not built yet, 1 built, -1 failed */
} clv_der_module_t;

/* New empty structure of "<module>.<type>" (thread-safe). */
int clv_der_module_new(clv_der_module_t *m, const char *type, asn1_node *out);

/* The parsed definitions of src/lib/asn1/clv-pkix.asn (read-only once built). */
asn1_node clv_der_defs(void);

/* New empty structure of "CLV-PKIX.<type>". */
int clv_der_new(const char *type, asn1_node *out);
/* Strict DER encoding of element name ("" = whole structure). */
int clv_der_encode(asn1_node n, const char *name, clv_buf_t *out);
/* Decodes der as CLV-PKIX.<type>; what names the input for the diagnostic. */
int clv_der_decode(const char *type, const unsigned char *der, size_t len,
    asn1_node *out, const char *what, clv_diag_t *diag);
void clv_der_free(asn1_node *n);

/* Writes: thin wrappers over asn1_write_value that log the element name. */
int clv_der_write(asn1_node n, const char *name, const void *value, int len);
int clv_der_write_str(asn1_node n, const char *name, const char *s);
/* A non-negative INTEGER from big-endian magnitude bytes (minimal encoding). */
int clv_der_write_uint(asn1_node n, const char *name, const unsigned char *be, size_t len);
/* Time CHOICE: utcTime through 2049, generalTime from 2050, always Z and seconds. */
int clv_der_write_time(asn1_node n, const char *name, time_t t);
/* A GeneralizedTime (PrivateKeyUsagePeriod uses it whatever the year). */
int clv_der_write_gentime(asn1_node n, const char *name, time_t t);
/* Copies the DER of an already encoded value into an ANY / nested element. */
int clv_der_write_der(asn1_node n, const char *name, const unsigned char *der, size_t len);

/* Reads. */
int clv_der_read(asn1_node n, const char *name, clv_buf_t *out);
int clv_der_read_oid(asn1_node n, const char *name, char *out, size_t outlen);
int clv_der_read_int(asn1_node n, const char *name, long *out);
/* Reads a Time CHOICE (utcTime or generalTime) at name. */
int clv_der_read_time(asn1_node n, const char *name, time_t *out);
/* A bare GeneralizedTime element (no CHOICE). */
int clv_der_read_gentime(asn1_node n, const char *name, time_t *out);
/* DER of element name, re-encoded from the tree. */
int clv_der_read_der(asn1_node n, const char *name, clv_buf_t *out);
/* Byte offsets of element name inside the original encoding: [start, end). */
int clv_der_span(asn1_node n, const unsigned char *der, size_t len,
    const char *name, size_t *start, size_t *end);

/* BIT STRING helpers: read the bit string value as bytes and bit length. */
int clv_der_read_bits(asn1_node n, const char *name, clv_buf_t *out, int *bits);

/*
 * DER's rules libtasn1 does not check when decoding (shortest lengths,
 * primitive strings, shortest INTEGERs, BOOLEAN 00/FF, BIT STRING unused
 * bits).  CLV_E_DER with the offset of the first offending TLV and why.
 */
int clv_der_check_strict(const unsigned char *der, size_t len, size_t *bad_offset,
    const char **why);

#endif
