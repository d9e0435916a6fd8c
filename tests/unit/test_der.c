/* Unit tests: der.c (libtasn1 helpers) and the strict DER we emit. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "der.h"
#include "unit.h"

static int
encode_int(const unsigned char *be, size_t len, clv_buf_t *out)
{
	asn1_node n = NULL;
	int r;

	if ((r = clv_der_new("CertificateSerialNumber", &n)) != 0)
		return r;
	if ((r = clv_der_write_uint(n, "", be, len)) == 0)
		r = clv_der_encode(n, "", out);
	clv_der_free(&n);
	return r;
}

static void
test_uint_minimal_positive(void)
{
	const unsigned char high[] = { 0x80, 0x01 };
	const unsigned char padded[] = { 0x00, 0x00, 0x7f };
	const unsigned char zero[] = { 0x00, 0x00 };
	clv_buf_t b = { NULL, 0 };

	CU_ASSERT_EQUAL_FATAL(encode_int(high, sizeof(high), &b), 0);
	/* top bit set: a 00 octet keeps it positive */
	CU_ASSERT_EQUAL(b.len, 5);
	CU_ASSERT(memcmp(b.data, "\x02\x03\x00\x80\x01", 5) == 0);
	clv_buf_free(&b);
	CU_ASSERT_EQUAL_FATAL(encode_int(padded, sizeof(padded), &b), 0);
	/* leading zero octets are dropped */
	CU_ASSERT_EQUAL(b.len, 3);
	CU_ASSERT(memcmp(b.data, "\x02\x01\x7f", 3) == 0);
	clv_buf_free(&b);
	CU_ASSERT_EQUAL_FATAL(encode_int(zero, sizeof(zero), &b), 0);
	CU_ASSERT(b.len == 3 && memcmp(b.data, "\x02\x01\x00", 3) == 0);
	clv_buf_free(&b);
}

static int
encode_validity(time_t nb, time_t na, clv_buf_t *out)
{
	asn1_node n = NULL;
	int r;

	if ((r = clv_der_new("Validity", &n)) != 0)
		return r;
	if ((r = clv_der_write_time(n, "notBefore", nb)) == 0 &&
	    (r = clv_der_write_time(n, "notAfter", na)) == 0)
		r = clv_der_encode(n, "", out);
	clv_der_free(&n);
	return r;
}

static void
test_time_choice_2049_2050(void)
{
	/* 2049-12-31T23:59:59Z and 2050-01-01T00:00:00Z */
	const time_t last_utc = 2524607999, first_gen = 2524608000;
	clv_buf_t b = { NULL, 0 };
	asn1_node n = NULL;
	time_t t1 = 0, t2 = 0;

	CU_ASSERT_EQUAL_FATAL(encode_validity(last_utc, first_gen, &b), 0);
	/* UTCTime (17) 13 octets, then GeneralizedTime (18) 15 octets */
	CU_ASSERT_PTR_NOT_NULL(memmem(b.data, b.len, "\x17\x0d" "491231235959Z", 15));
	CU_ASSERT_PTR_NOT_NULL(memmem(b.data, b.len, "\x18\x0f" "20500101000000Z", 17));
	CU_ASSERT_EQUAL(clv_der_decode("Validity", b.data, b.len, &n, "validity", NULL), 0);
	CU_ASSERT_EQUAL(clv_der_read_time(n, "notBefore", &t1), 0);
	CU_ASSERT_EQUAL(clv_der_read_time(n, "notAfter", &t2), 0);
	CU_ASSERT_EQUAL(t1, last_utc);
	CU_ASSERT_EQUAL(t2, first_gen);
	clv_der_free(&n);
	clv_buf_free(&b);
}

static void
test_decode_errors_name_the_input(void)
{
	const unsigned char good[] = { 0x02, 0x01, 0x05 };
	const unsigned char trailing[] = { 0x02, 0x01, 0x05, 0x00 };
	const unsigned char garbage[] = { 0x04, 0x01, 0x05 };
	asn1_node n = NULL;
	clv_diag_t d;
	long v = 0;

	CU_ASSERT_EQUAL(clv_der_decode("CRLNumber", good, sizeof(good), &n, "crl.der", &d), 0);
	CU_ASSERT_EQUAL(clv_der_read_int(n, "", &v), 0);
	CU_ASSERT_EQUAL(v, 5);
	clv_der_free(&n);
	CU_ASSERT_EQUAL(clv_der_decode("CRLNumber", trailing, sizeof(trailing), &n, "crl.der", &d),
	    CLV_E_DER);
	CU_ASSERT_PTR_NULL(n);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "crl.der"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "not a valid CRLNumber"));
	CU_ASSERT_EQUAL(clv_der_decode("CRLNumber", garbage, sizeof(garbage), &n, "x.der", &d),
	    CLV_E_DER);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "x.der"));
	CU_ASSERT_EQUAL(clv_der_decode("CRLNumber", good, 0, &n, "empty", &d), CLV_E_DER);
}

static void
test_span_of_tbs(void)
{
	/* SEQUENCE { INTEGER 5, INTEGER 7 } as RSAPublicKey: the second element's span */
	const unsigned char der[] = { 0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07 };
	asn1_node n = NULL;
	size_t s = 0, e = 0;

	CU_ASSERT_EQUAL_FATAL(clv_der_decode("RSAPublicKey", der, sizeof(der), &n, NULL, NULL), 0);
	CU_ASSERT_EQUAL(clv_der_span(n, der, sizeof(der), "publicExponent", &s, &e), 0);
	CU_ASSERT_EQUAL(s, 5);
	CU_ASSERT_EQUAL(e, 8);
	CU_ASSERT_EQUAL(clv_der_span(n, der, sizeof(der), "nosuch", &s, &e), CLV_E_DER);
	clv_der_free(&n);
}

static void
test_key_usage_bits_are_der(void)
{
	/* keyCertSign (5) + cRLSign (6): 03 02 01 06, no trailing zero bits */
	asn1_node n = NULL;
	clv_buf_t b = { NULL, 0 };
	unsigned char bits[1] = { 0x06 };

	CU_ASSERT_EQUAL_FATAL(clv_der_new("KeyUsage", &n), 0);
	CU_ASSERT_EQUAL(clv_der_write(n, "", bits, 7), 0);
	CU_ASSERT_EQUAL(clv_der_encode(n, "", &b), 0);
	CU_ASSERT(b.len == 4 && memcmp(b.data, "\x03\x02\x01\x06", 4) == 0);
	clv_buf_free(&b);
	clv_der_free(&n);
}

static void
test_default_false_not_encoded(void)
{
	/* Extension with critical FALSE: DER leaves the DEFAULT out */
	asn1_node n = NULL;
	clv_buf_t b = { NULL, 0 };

	CU_ASSERT_EQUAL_FATAL(clv_der_new("Extension", &n), 0);
	CU_ASSERT_EQUAL(clv_der_write_str(n, "extnID", "2.5.29.14"), 0);
	CU_ASSERT_EQUAL(clv_der_write_str(n, "critical", "FALSE"), 0);
	CU_ASSERT_EQUAL(clv_der_write(n, "extnValue", "\x04\x00", 2), 0);
	CU_ASSERT_EQUAL(clv_der_encode(n, "", &b), 0);
	CU_ASSERT(b.len == 11 && memcmp(b.data, "\x30\x09\x06\x03\x55\x1d\x0e\x04\x02\x04\x00",
	    11) == 0);
	clv_buf_free(&b);
	clv_der_free(&n);
}

static void
test_bit_string_unused_bits_checked(void)
{
	/* unused-bits octet 9 is not DER: refused, never read past the buffer */
	const unsigned char bad[] = { 0x03, 0x02, 0x09, 0x06 };
	const unsigned char good[] = { 0x03, 0x02, 0x01, 0x06 };
	asn1_node n = NULL;
	clv_buf_t b = { NULL, 0 };
	int bits = 0;

	if (clv_der_decode("KeyUsage", bad, sizeof(bad), &n, NULL, NULL) == 0) {
		CU_ASSERT_EQUAL(clv_der_read_bits(n, "", &b, &bits), CLV_E_DER);
		CU_ASSERT_PTR_NULL(b.data);
		clv_der_free(&n);
	}
	CU_ASSERT_EQUAL_FATAL(clv_der_decode("KeyUsage", good, sizeof(good), &n, NULL, NULL), 0);
	CU_ASSERT_EQUAL(clv_der_read_bits(n, "", &b, &bits), 0);
	CU_ASSERT_EQUAL(bits, 7);
	CU_ASSERT(b.len == 1 && b.data[0] == 0x06);
	clv_buf_free(&b);
	CU_ASSERT_EQUAL(clv_der_read(n, "", &b), 0);
	CU_ASSERT(b.len == 1 && b.data[0] == 0x06);
	clv_buf_free(&b);
	clv_der_free(&n);
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "INTEGER minimal and positive", test_uint_minimal_positive },
		{ "UTCTime through 2049, GeneralizedTime from 2050", test_time_choice_2049_2050 },
		{ "decode errors name the input", test_decode_errors_name_the_input },
		{ "span of an element", test_span_of_tbs },
		{ "keyUsage bits are DER", test_key_usage_bits_are_der },
		{ "DEFAULT FALSE not encoded", test_default_false_not_encoded },
		{ "BIT STRING unused bits checked", test_bit_string_unused_bits_checked },
		{ NULL, NULL },
	};
	return clv_unit_run("der", tests);
}
