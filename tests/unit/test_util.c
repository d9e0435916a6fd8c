/* Unit tests: util.c (files, secrets, hashes, hex, PEM, clock). */
#include "config.h"

#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "util.h"

static char dir[PATH_MAX];

static void
mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "%s/clv-util-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

static void
path_in(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void
test_sha256_known_vector(void)
{
	unsigned char h[CLV_HASH_MAX];
	char hex[65];

	CU_ASSERT_EQUAL(clv_sha256("abc", 3, h), 0);
	clv_hex(h, 32, hex);
	CU_ASSERT_STRING_EQUAL(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CU_ASSERT_EQUAL(clv_hash_len(CLV_HASH_SHA384), 48);
	CU_ASSERT_EQUAL(clv_hash_len(CLV_HASH_SHA512), 64);
	CU_ASSERT_EQUAL(clv_hash_len((clv_hash_alg_t)99), 0);
	CU_ASSERT_EQUAL(clv_hash((clv_hash_alg_t)99, "a", 1, h), CLV_E_INVALID_ARG);
}

static void
test_hex_roundtrip_and_errors(void)
{
	const unsigned char in[] = { 0x00, 0xab, 0xff, 0x10 };
	char hex[9], colon[12];
	clv_buf_t b = { NULL, 0 };

	clv_hex(in, sizeof(in), hex);
	CU_ASSERT_STRING_EQUAL(hex, "00abff10");
	clv_hex_colon(in, sizeof(in), colon);
	CU_ASSERT_STRING_EQUAL(colon, "00:AB:FF:10");
	CU_ASSERT_EQUAL(clv_unhex("00:AB:ff:10", &b), 0);
	CU_ASSERT_EQUAL(b.len, 4);
	CU_ASSERT(memcmp(b.data, in, 4) == 0);
	clv_buf_free(&b);
	CU_ASSERT_EQUAL(clv_unhex("abc", &b), CLV_E_FORMAT);
	CU_ASSERT_EQUAL(clv_unhex("zz", &b), CLV_E_FORMAT);
	CU_ASSERT_PTR_NULL(b.data);
}

static void
test_output_never_overwritten(void)
{
	char p[PATH_MAX], link[PATH_MAX];
	clv_buf_t b = { NULL, 0 };
	clv_diag_t d;
	struct stat st;

	path_in(p, sizeof(p), "out.der");
	CU_ASSERT_EQUAL(clv_file_write_new(p, "first", 5, 0644, &d), 0);
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0644 & ~0);
	CU_ASSERT_EQUAL(clv_file_write_new(p, "second", 6, 0644, &d), CLV_E_OUTPUT_EXISTS);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "out.der"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "never overwritten"));
	CU_ASSERT_EQUAL(clv_file_read(p, 100, &b, &d), 0);
	CU_ASSERT_EQUAL(b.len, 5);
	CU_ASSERT(memcmp(b.data, "first", 5) == 0);
	clv_buf_free(&b);
	/* a dangling symlink is not followed */
	path_in(link, sizeof(link), "link.der");
	CU_ASSERT_EQUAL(symlink("/tmp/clv-nonexistent-target", link), 0);
	CU_ASSERT_NOT_EQUAL(clv_file_write_new(link, "x", 1, 0644, &d), 0);
	CU_ASSERT_EQUAL(access("/tmp/clv-nonexistent-target", F_OK), -1);
	/* a directory that does not exist names the path */
	path_in(p, sizeof(p), "nodir/out.der");
	CU_ASSERT_EQUAL(clv_file_write_new(p, "x", 1, 0644, &d), CLV_E_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "nodir/out.der"));
}

static void
test_file_read_limits(void)
{
	char p[PATH_MAX];
	clv_buf_t b = { NULL, 0 };
	clv_diag_t d;

	path_in(p, sizeof(p), "big");
	CU_ASSERT_EQUAL(clv_file_write_new(p, "0123456789", 10, 0600, NULL), 0);
	CU_ASSERT_EQUAL(clv_file_read(p, 9, &b, &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "at most 9"));
	path_in(p, sizeof(p), "missing");
	CU_ASSERT_EQUAL(clv_file_read(p, 9, &b, &d), CLV_E_FILE_NOT_FOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "missing"));
}

static void
test_secret_file(void)
{
	char p[PATH_MAX];
	clv_secret_t *s = NULL;
	clv_diag_t d;

	path_in(p, sizeof(p), "pin");
	CU_ASSERT_EQUAL(clv_file_write_new(p, "12345678\n", 9, 0600, NULL), 0);
	CU_ASSERT_EQUAL(clv_secret_read_file(p, &s, &d), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->len, 8);
	CU_ASSERT(memcmp(s->p, "12345678", 8) == 0);
	clv_secret_free(s);
	s = NULL;

	CU_ASSERT_EQUAL(chmod(p, 0640), 0);
	CU_ASSERT_EQUAL(clv_secret_read_file(p, &s, &d), CLV_E_POLICY);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "chmod 600"));

	path_in(p, sizeof(p), "emptypin");
	CU_ASSERT_EQUAL(clv_file_write_new(p, "\n", 1, 0600, NULL), 0);
	CU_ASSERT_EQUAL(clv_secret_read_file(p, &s, &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "empty"));
	clv_secret_free(NULL);
}

static void
test_secret_random_text(void)
{
	clv_secret_t *a = NULL, *b = NULL;
	size_t i;

	CU_ASSERT_EQUAL(clv_secret_random_text(24, &a), 0);
	CU_ASSERT_EQUAL(clv_secret_random_text(24, &b), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(a->len, 24);
	for (i = 0; i < a->len; i++)
		CU_ASSERT_PTR_NOT_NULL(strchr("23456789ABCDEFGHJKLMNPQRSTUVWXYZ", a->p[i]));
	CU_ASSERT(memcmp(a->p, b->p, 24) != 0);
	clv_secret_free(a);
	clv_secret_free(b);
	CU_ASSERT_EQUAL(clv_secret_random_text(0, &a), CLV_E_INVALID_ARG);
}

static void
test_pem_roundtrip(void)
{
	const unsigned char der[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	clv_buf_t pem = { NULL, 0 }, back = { NULL, 0 };

	CU_ASSERT_EQUAL(clv_pem_encode("CERTIFICATE", der, sizeof(der), &pem), 0);
	CU_ASSERT_PTR_NOT_NULL(memmem(pem.data, pem.len, "-----BEGIN CERTIFICATE-----", 27));
	CU_ASSERT_EQUAL(clv_pem_or_der(pem.data, pem.len, "CERTIFICATE", &back), 0);
	CU_ASSERT_EQUAL(back.len, sizeof(der));
	CU_ASSERT(memcmp(back.data, der, sizeof(der)) == 0);
	clv_buf_free(&back);
	CU_ASSERT_EQUAL(clv_pem_or_der(pem.data, pem.len, "X509 CRL", &back), CLV_E_PEM);
	clv_buf_free(&pem);
	CU_ASSERT_EQUAL(clv_pem_or_der(der, sizeof(der), "CERTIFICATE", &back), 0);
	CU_ASSERT_EQUAL(back.len, sizeof(der));
	clv_buf_free(&back);
}

static void
test_clock_and_time(void)
{
	clv_clock_t c;
	time_t pinned = 1893456000, t = 0;   /* 2030-01-01 */
	char s[21];

	clv_clock_fixed(&c, &pinned);
	CU_ASSERT_EQUAL(clv_clock_now(&c), 1893456000);
	pinned += 10;
	CU_ASSERT_EQUAL(clv_clock_now(&c), 1893456010);
	clv_time_format(1893456000, s);
	CU_ASSERT_STRING_EQUAL(s, "2030-01-01T00:00:00Z");
	CU_ASSERT_EQUAL(clv_time_parse("2030-01-01T00:00:00Z", &t), 0);
	CU_ASSERT_EQUAL(t, 1893456000);
	CU_ASSERT_EQUAL(clv_time_parse("2030-01-01", &t), 0);
	CU_ASSERT_EQUAL(t, 1893456000);
	CU_ASSERT_EQUAL(clv_time_parse("01/01/2030", &t), CLV_E_FORMAT);
	clv_clock_system(&c);
	CU_ASSERT(clv_clock_now(&c) > 1700000000);
}

static void
test_strerror_is_total(void)
{
	CU_ASSERT_STRING_EQUAL(clv_strerror(CLV_E_PIN_INCORRECT), "PIN incorrect");
	CU_ASSERT_STRING_EQUAL(clv_strerror(CLV_E_OUTPUT_EXISTS), "output already exists");
	CU_ASSERT_STRING_EQUAL(clv_strerror(-12345), "unknown error");
	/* the numbered blocks are stable */
	CU_ASSERT_EQUAL(CLV_E_PKCS11, -400);
	CU_ASSERT_EQUAL(CLV_E_DB, -500);
	CU_ASSERT_EQUAL(CLV_E_LINT, -801);
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "sha256 known vector", test_sha256_known_vector },
		{ "hex round trip and errors", test_hex_roundtrip_and_errors },
		{ "outputs are never overwritten", test_output_never_overwritten },
		{ "file read limits", test_file_read_limits },
		{ "secret file: mode, newline, empty", test_secret_file },
		{ "random PIN text", test_secret_random_text },
		{ "PEM round trip", test_pem_roundtrip },
		{ "clock and time", test_clock_and_time },
		{ "strerror", test_strerror_is_total },
		{ NULL, NULL },
	};
	char cmd[PATH_MAX + 16];
	int r;

	mkdir_tmp();
	r = clv_unit_run("util", tests);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return r;
}
