/* Unit tests: pubkey (curves, SubjectPublicKeyInfo) and sigalg. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gcrypt.h>

#include "der.h"
#include "pubkey.h"
#include "sigalg.h"
#include "util.h"
#include "unit.h"

static const clv_curve_t all_curves[] = {
	CLV_CURVE_P256, CLV_CURVE_P384, CLV_CURVE_P521, CLV_CURVE_BP256R1,
	CLV_CURVE_BP384R1, CLV_CURVE_BP512R1, CLV_CURVE_P224, CLV_CURVE_BP224R1,
	CLV_CURVE_BP320R1, CLV_CURVE_P192, CLV_CURVE_BP192R1,
};
#define NCURVES (sizeof(all_curves) / sizeof(all_curves[0]))

static char tmpdir[64];

static void
gcry_setup(void)
{
	if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
		gcry_check_version(NULL);
		gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
		gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	}
}

static const char *
tmp_dir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "%s/clv-pubkey-XXXXXX",
		    base != NULL && strlen(base) < 40 ? base : "/tmp");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			exit(2);
		}
	}
	return tmpdir;
}

static void
tmp_cleanup(void)
{
	char path[512];
	DIR *d;
	struct dirent *e;

	if (tmpdir[0] == '\0' || (d = opendir(tmpdir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmpdir);
}

static int
write_file(const char *name, const clv_buf_t *b, char *path, size_t pathlen)
{
	FILE *f;
	int ok;

	snprintf(path, pathlen, "%s/%s", tmp_dir(), name);
	unlink(path);
	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	ok = fwrite(b->data, 1, b->len, f) == b->len;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

static int
read_file(const char *path, clv_buf_t *out)
{
	clv_diag_t d;

	return clv_file_read(path, 1 << 20, out, &d);
}

static int
buf_eq(const clv_buf_t *b, const unsigned char *x, size_t len)
{
	return b->len == len && memcmp(b->data, x, len) == 0;
}

/* A fresh public point on the curve, from libgcrypt. */
static void
gen_point(const clv_curve_info_t *ci, clv_buf_t *out)
{
	gcry_sexp_t parms = NULL, key = NULL, q = NULL;
	const char *d;
	size_t len;
	char spec[128];

	gcry_setup();
	out->data = NULL;
	out->len = 0;
	snprintf(spec, sizeof(spec), "(genkey(ecc(curve \"%s\")))", ci->gcry_name);
	CU_ASSERT_FATAL(gcry_sexp_new(&parms, spec, 0, 1) == 0);
	CU_ASSERT_FATAL(gcry_pk_genkey(&key, parms) == 0);
	CU_ASSERT_FATAL((q = gcry_sexp_find_token(key, "q", 0)) != NULL);
	CU_ASSERT_FATAL((d = gcry_sexp_nth_data(q, 1, &len)) != NULL);
	CU_ASSERT_FATAL(clv_buf_set(out, d, len) == 0);
	gcry_sexp_release(q);
	gcry_sexp_release(key);
	gcry_sexp_release(parms);
}

/* ---- curves ---- */

static void
test_curve_table(void)
{
	const clv_curve_info_t *ci;
	size_t i, ngen = 0;

	for (i = 0; i < NCURVES; i++) {
		CU_ASSERT_FATAL((ci = clv_curve_by_id(all_curves[i])) != NULL);
		CU_ASSERT(ci->id == all_curves[i]);
		CU_ASSERT(clv_curve_by_name(ci->name) == ci);
		CU_ASSERT(clv_curve_by_oid(ci->oid) == ci);
		CU_ASSERT(clv_curve_by_name(ci->gcry_name) == ci);
		ngen += ci->generate ? 1 : 0;
	}
	CU_ASSERT(ngen == 6);
	CU_ASSERT(clv_curve_by_id(CLV_CURVE_P224)->generate == 0);
	CU_ASSERT(clv_curve_by_id(CLV_CURVE_BP256R1)->generate == 1);
	CU_ASSERT(clv_curve_by_id(CLV_CURVE_NONE) == NULL);
	CU_ASSERT(clv_curve_by_id((clv_curve_t)99) == NULL);

	CU_ASSERT(clv_curve_by_name("P-256")->id == CLV_CURVE_P256);
	CU_ASSERT(clv_curve_by_name("p-256")->id == CLV_CURVE_P256);
	CU_ASSERT(clv_curve_by_name("secp256r1")->id == CLV_CURVE_P256);
	CU_ASSERT(clv_curve_by_name("PRIME256V1")->id == CLV_CURVE_P256);
	CU_ASSERT(clv_curve_by_name("nistp256")->id == CLV_CURVE_P256);
	CU_ASSERT(clv_curve_by_name("secp384r1")->id == CLV_CURVE_P384);
	CU_ASSERT(clv_curve_by_name("secp521r1")->id == CLV_CURVE_P521);
	CU_ASSERT(clv_curve_by_name("BrainpoolP512R1")->id == CLV_CURVE_BP512R1);
	CU_ASSERT(clv_curve_by_name("brainpoolP320r1")->id == CLV_CURVE_BP320R1);
	CU_ASSERT(clv_curve_by_name("curve25519") == NULL);
	CU_ASSERT(clv_curve_by_name("") == NULL);
	CU_ASSERT(clv_curve_by_name(NULL) == NULL);

	CU_ASSERT(clv_curve_by_oid("1.2.840.10045.3.1.7")->id == CLV_CURVE_P256);
	CU_ASSERT(clv_curve_by_oid("1.3.132.0.34")->id == CLV_CURVE_P384);
	CU_ASSERT(clv_curve_by_oid("1.3.132.0.35")->id == CLV_CURVE_P521);
	CU_ASSERT(clv_curve_by_oid("1.3.132.0.33")->id == CLV_CURVE_P224);
	CU_ASSERT(clv_curve_by_oid("1.2.840.10045.3.1.1")->id == CLV_CURVE_P192);
	CU_ASSERT(clv_curve_by_oid("1.3.36.3.3.2.8.1.1.3")->id == CLV_CURVE_BP192R1);
	CU_ASSERT(clv_curve_by_oid("1.3.36.3.3.2.8.1.1.5")->id == CLV_CURVE_BP224R1);
	CU_ASSERT(clv_curve_by_oid("1.3.36.3.3.2.8.1.1.7")->id == CLV_CURVE_BP256R1);
	CU_ASSERT(clv_curve_by_oid("1.3.36.3.3.2.8.1.1.9")->id == CLV_CURVE_BP320R1);
	CU_ASSERT(clv_curve_by_oid("1.3.36.3.3.2.8.1.1.11")->id == CLV_CURVE_BP384R1);
	CU_ASSERT(clv_curve_by_oid("1.3.36.3.3.2.8.1.1.13")->id == CLV_CURVE_BP512R1);
	CU_ASSERT(clv_curve_by_oid("1.3.36.3.3.2.8.1.1.14") == NULL);
}

/* ---- EC keys ---- */

static void
test_ec_new_domain(void)
{
	const clv_curve_info_t *ci;
	clv_pubkey_t *k = NULL;
	clv_buf_t pt;
	size_t i;

	for (i = 0; i < NCURVES; i++) {
		ci = clv_curve_by_id(all_curves[i]);
		gen_point(ci, &pt);
		CU_ASSERT_FATAL(clv_pubkey_new_ec(ci->id, pt.data, pt.len, &k) == 0);
		CU_ASSERT(k->type == CLV_KEY_EC);
		CU_ASSERT(k->curve == ci->id);
		CU_ASSERT(k->explicit_params == 0);
		CU_ASSERT(k->p.len == ci->field_bytes && k->p.data[0] != 0);
		CU_ASSERT(k->a.len == ci->field_bytes);
		CU_ASSERT(k->b.len == ci->field_bytes);
		CU_ASSERT(k->g.len == 2 * ci->field_bytes + 1 && k->g.data[0] == 0x04);
		CU_ASSERT(k->n.len == ci->field_bytes || k->n.len == ci->field_bytes - 1 ||
		    /* P-521's order has 521 bits like p */ k->n.len == 66);
		CU_ASSERT(k->h.len == 1 && k->h.data[0] == 1);
		CU_ASSERT(buf_eq(&k->ec_point, pt.data, pt.len));
		clv_pubkey_free(k);
		k = NULL;
		clv_buf_free(&pt);
	}
	/* P-256 a = p - 3: checks the parameters really come from the curve. */
	ci = clv_curve_by_id(CLV_CURVE_P256);
	gen_point(ci, &pt);
	CU_ASSERT_FATAL(clv_pubkey_new_ec(ci->id, pt.data, pt.len, &k) == 0);
	CU_ASSERT(memcmp(k->p.data, k->a.data, 31) == 0 &&
	    k->p.data[31] - k->a.data[31] == 3);
	clv_pubkey_free(k);
	k = NULL;

	/* Wrong length, compressed, no point, unknown curve. */
	CU_ASSERT(clv_pubkey_new_ec(ci->id, pt.data, pt.len - 1, &k) == CLV_E_FORMAT);
	CU_ASSERT(k == NULL);
	pt.data[0] = 0x02;
	CU_ASSERT(clv_pubkey_new_ec(ci->id, pt.data, 33, &k) == CLV_E_FORMAT);
	pt.data[0] = 0x04;
	CU_ASSERT(clv_pubkey_new_ec(ci->id, NULL, 65, &k) == CLV_E_FORMAT);
	CU_ASSERT(clv_pubkey_new_ec(CLV_CURVE_NONE, pt.data, pt.len, &k) ==
	    CLV_E_UNSUPPORTED_CURVE);
	/* A point off the curve. */
	pt.data[64] ^= 0x01;
	CU_ASSERT(clv_pubkey_new_ec(ci->id, pt.data, pt.len, &k) == CLV_E_FORMAT);
	CU_ASSERT(k == NULL);
	clv_buf_free(&pt);
	clv_pubkey_free(NULL);
}

static void
test_ec_spki_roundtrip_all_curves(void)
{
	const clv_curve_info_t *ci;
	clv_pubkey_t *k = NULL, *kn = NULL, *ke = NULL;
	clv_buf_t pt, named, expl, again;
	clv_diag_t diag;
	char desc[64], expect[64];
	size_t i;

	for (i = 0; i < NCURVES; i++) {
		ci = clv_curve_by_id(all_curves[i]);
		gen_point(ci, &pt);
		CU_ASSERT_FATAL(clv_pubkey_new_ec(ci->id, pt.data, pt.len, &k) == 0);
		CU_ASSERT_FATAL(clv_pubkey_to_spki(k, 0, &named) == 0);
		CU_ASSERT_FATAL(clv_pubkey_to_spki(k, 1, &expl) == 0);
		CU_ASSERT(expl.len > named.len + 3 * ci->field_bytes);

		CU_ASSERT_FATAL(clv_pubkey_from_spki(named.data, named.len, &kn, &diag) == 0);
		CU_ASSERT(kn->type == CLV_KEY_EC);
		CU_ASSERT(kn->curve == ci->id);
		CU_ASSERT(kn->explicit_params == 0);
		CU_ASSERT(buf_eq(&kn->ec_point, pt.data, pt.len));
		CU_ASSERT(clv_pubkey_is_equal(k, kn) == 1);

		if (clv_pubkey_from_spki(expl.data, expl.len, &ke, &diag) != 0) {
			fprintf(stderr, "%s explicit: %s\n", ci->name, diag.msg);
			CU_FAIL_FATAL("explicit SPKI does not parse");
		}
		CU_ASSERT(ke->curve == ci->id);
		CU_ASSERT(ke->explicit_params == 1);
		CU_ASSERT(buf_eq(&ke->ec_point, pt.data, pt.len));
		CU_ASSERT(clv_pubkey_is_equal(k, ke) == 1);
		CU_ASSERT(clv_pubkey_is_equal(kn, ke) == 1);

		/* Re-encoding is stable in both forms. */
		CU_ASSERT_FATAL(clv_pubkey_to_spki(ke, 1, &again) == 0);
		CU_ASSERT(again.len == expl.len && memcmp(again.data, expl.data, expl.len) == 0);
		clv_buf_free(&again);
		CU_ASSERT_FATAL(clv_pubkey_to_spki(ke, 0, &again) == 0);
		CU_ASSERT(again.len == named.len &&
		    memcmp(again.data, named.data, named.len) == 0);
		clv_buf_free(&again);

		clv_pubkey_describe(ke, desc, sizeof(desc));
		snprintf(expect, sizeof(expect), "EC %s", ci->name);
		CU_ASSERT_STRING_EQUAL(desc, expect);

		clv_pubkey_free(k);
		clv_pubkey_free(kn);
		clv_pubkey_free(ke);
		k = kn = ke = NULL;
		clv_buf_free(&named);
		clv_buf_free(&expl);
		clv_buf_free(&pt);
	}
}

/* Exact bytes of a named P-256 SPKI (RFC 5480 layout). */
static void
test_ec_spki_named_bytes(void)
{
	static const unsigned char prefix[] = {
		0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02,
		0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03,
		0x42, 0x00,
	};
	clv_pubkey_t *k = NULL;
	clv_buf_t pt, spki;
	unsigned char kid[20], sha1[20];

	gen_point(clv_curve_by_id(CLV_CURVE_P256), &pt);
	CU_ASSERT_FATAL(clv_pubkey_new_ec(CLV_CURVE_P256, pt.data, pt.len, &k) == 0);
	CU_ASSERT_FATAL(clv_pubkey_to_spki(k, 0, &spki) == 0);
	CU_ASSERT(spki.len == sizeof(prefix) + 65);
	CU_ASSERT(memcmp(spki.data, prefix, sizeof(prefix)) == 0);
	CU_ASSERT(memcmp(spki.data + sizeof(prefix), pt.data, 65) == 0);

	/* Key identifier: SHA-1 of the point. */
	CU_ASSERT(clv_pubkey_key_id(k, kid) == 0);
	gcry_md_hash_buffer(GCRY_MD_SHA1, sha1, pt.data, pt.len);
	CU_ASSERT(memcmp(kid, sha1, 20) == 0);
	clv_pubkey_free(k);
	clv_buf_free(&spki);
	clv_buf_free(&pt);
}

/* OpenSSL reads our explicit SPKIs, recognises the curve, and writes the
 * same named SPKI as we do. */
static void
test_ec_spki_openssl(void)
{
	static const clv_curve_t check[] = {
		CLV_CURVE_P256, CLV_CURVE_BP256R1, CLV_CURVE_BP512R1, CLV_CURVE_P521,
		CLV_CURVE_BP224R1,
	};
	const clv_curve_info_t *ci;
	clv_pubkey_t *k = NULL;
	clv_buf_t pt, named, expl, conv;
	char pexpl[128], pconv[160], cmd[512];
	size_t i;

	for (i = 0; i < sizeof(check) / sizeof(check[0]); i++) {
		ci = clv_curve_by_id(check[i]);
		gen_point(ci, &pt);
		CU_ASSERT_FATAL(clv_pubkey_new_ec(ci->id, pt.data, pt.len, &k) == 0);
		CU_ASSERT_FATAL(clv_pubkey_to_spki(k, 0, &named) == 0);
		CU_ASSERT_FATAL(clv_pubkey_to_spki(k, 1, &expl) == 0);
		CU_ASSERT_FATAL(write_file("explicit.der", &expl, pexpl, sizeof(pexpl)) == 0);
		snprintf(cmd, sizeof(cmd), "openssl pkey -pubin -inform DER -in '%s' -text "
		    "-noout 2>/dev/null | grep -q 'Field Type: prime-field'", pexpl);
		CU_ASSERT(system(cmd) == 0);
		snprintf(cmd, sizeof(cmd), "openssl pkey -pubin -inform DER -in '%s' -text "
		    "-noout 2>/dev/null | grep -q 'Cofactor:  1'", pexpl);
		CU_ASSERT(system(cmd) == 0);
		snprintf(pconv, sizeof(pconv), "%s/named.der", tmp_dir());
		unlink(pconv);
		snprintf(cmd, sizeof(cmd), "openssl ec -pubin -inform DER -in '%s' "
		    "-param_enc named_curve -outform DER -out '%s' 2>/dev/null", pexpl, pconv);
		CU_ASSERT(system(cmd) == 0);
		if (read_file(pconv, &conv) == 0) {
			CU_ASSERT(conv.len == named.len &&
			    memcmp(conv.data, named.data, named.len) == 0);
			clv_buf_free(&conv);
		} else {
			CU_FAIL("openssl did not convert the explicit SPKI");
		}
		unlink(pconv);
		unlink(pexpl);
		clv_pubkey_free(k);
		k = NULL;
		clv_buf_free(&named);
		clv_buf_free(&expl);
		clv_buf_free(&pt);
	}
}

/* SPKI { id-ecPublicKey, namedCurve oid } with the given point. */
static void
make_named_spki(const char *alg_oid, const char *curve_oid, const clv_buf_t *pt,
    clv_buf_t *out)
{
	asn1_node ecp = NULL, spki = NULL;
	clv_buf_t params;

	CU_ASSERT_FATAL(clv_der_new("ECParameters", &ecp) == 0);
	CU_ASSERT_FATAL(clv_der_write_str(ecp, "", "namedCurve") == 0);
	CU_ASSERT_FATAL(clv_der_write_str(ecp, "namedCurve", curve_oid) == 0);
	CU_ASSERT_FATAL(clv_der_encode(ecp, "", &params) == 0);
	CU_ASSERT_FATAL(clv_der_new("SubjectPublicKeyInfo", &spki) == 0);
	CU_ASSERT_FATAL(clv_der_write_str(spki, "algorithm.algorithm", alg_oid) == 0);
	CU_ASSERT_FATAL(clv_der_write_der(spki, "algorithm.parameters", params.data,
	    params.len) == 0);
	CU_ASSERT_FATAL(clv_der_write(spki, "subjectPublicKey", pt->data,
	    (int)pt->len * 8) == 0);
	CU_ASSERT_FATAL(clv_der_encode(spki, "", out) == 0);
	clv_buf_free(&params);
	clv_der_free(&ecp);
	clv_der_free(&spki);
}

static void
test_ec_spki_refused(void)
{
	clv_pubkey_t *k = NULL;
	clv_buf_t pt, spki;
	clv_diag_t diag;

	gen_point(clv_curve_by_id(CLV_CURVE_P256), &pt);

	/* Unknown named curve: refused, naming the OID. */
	make_named_spki("1.2.840.10045.2.1", "1.3.132.0.10", &pt, &spki);
	clv_diag_clear(&diag);
	CU_ASSERT(clv_pubkey_from_spki(spki.data, spki.len, &k, &diag) ==
	    CLV_E_UNSUPPORTED_CURVE);
	CU_ASSERT(k == NULL);
	CU_ASSERT(strstr(diag.msg, "1.3.132.0.10") != NULL);
	clv_buf_free(&spki);

	/* Unknown key algorithm (DSA): refused, naming the OID. */
	make_named_spki("1.2.840.10040.4.1", "1.2.840.10045.3.1.7", &pt, &spki);
	clv_diag_clear(&diag);
	CU_ASSERT(clv_pubkey_from_spki(spki.data, spki.len, &k, &diag) ==
	    CLV_E_UNSUPPORTED_ALG);
	CU_ASSERT(strstr(diag.msg, "1.2.840.10040.4.1") != NULL);
	clv_buf_free(&spki);

	/* Point of a P-384 length on P-256. */
	pt.len -= 1;
	make_named_spki("1.2.840.10045.2.1", "1.2.840.10045.3.1.7", &pt, &spki);
	clv_diag_clear(&diag);
	CU_ASSERT(clv_pubkey_from_spki(spki.data, spki.len, &k, &diag) == CLV_E_FORMAT);
	CU_ASSERT(strstr(diag.msg, "64 octets") != NULL);
	clv_buf_free(&spki);
	pt.len += 1;

	/* Point off the curve. */
	pt.data[40] ^= 0x10;
	make_named_spki("1.2.840.10045.2.1", "1.2.840.10045.3.1.7", &pt, &spki);
	clv_diag_clear(&diag);
	CU_ASSERT(clv_pubkey_from_spki(spki.data, spki.len, &k, &diag) == CLV_E_FORMAT);
	CU_ASSERT(strstr(diag.msg, "not on the curve") != NULL);
	clv_buf_free(&spki);
	pt.data[40] ^= 0x10;

	/* A corrupt unused-bits octet in the BIT STRING (8, 0x7F, 0xFF): refused,
	 * and read without overrunning the buffer (libtasn1 computes the bit
	 * length from it). */
	make_named_spki("1.2.840.10045.2.1", "1.2.840.10045.3.1.7", &pt, &spki);
	CU_ASSERT_FATAL(spki.len == 91 && spki.data[23] == 0x03 && spki.data[25] == 0x00);
	spki.data[25] = 0x08;
	CU_ASSERT(clv_pubkey_from_spki(spki.data, spki.len, &k, &diag) < 0);
	spki.data[25] = 0x7F;
	CU_ASSERT(clv_pubkey_from_spki(spki.data, spki.len, &k, &diag) < 0);
	spki.data[25] = 0xFF;
	CU_ASSERT(clv_pubkey_from_spki(spki.data, spki.len, &k, &diag) < 0);
	CU_ASSERT(k == NULL);
	clv_buf_free(&spki);

	/* Not DER at all, and trailing garbage. */
	CU_ASSERT(clv_pubkey_from_spki(pt.data, pt.len, &k, &diag) == CLV_E_DER);
	make_named_spki("1.2.840.10045.2.1", "1.2.840.10045.3.1.7", &pt, &spki);
	CU_ASSERT(clv_pubkey_from_spki(spki.data, spki.len, &k, &diag) == 0);
	clv_pubkey_free(k);
	k = NULL;
	CU_ASSERT(clv_pubkey_from_spki(spki.data, spki.len - 1, &k, &diag) == CLV_E_DER);
	CU_ASSERT(k == NULL);
	clv_buf_free(&spki);
	clv_buf_free(&pt);
}

/* Compressed points: decompressed where libgcrypt can (p = 3 mod 4, as
 * P-256 and brainpoolP256r1), refused where it cannot (P-224). */
static void
test_ec_compressed_point(void)
{
	static const clv_curve_t curves[] = { CLV_CURVE_P256, CLV_CURVE_BP256R1 };
	const clv_curve_info_t *ci;
	clv_pubkey_t *k = NULL;
	clv_buf_t pt = { NULL, 0 }, cpt = { NULL, 0 }, spki = { NULL, 0 };
	clv_diag_t diag;
	size_t i, fb;

	for (i = 0; i < 2; i++) {
		ci = clv_curve_by_id(curves[i]);
		fb = ci->field_bytes;
		gen_point(ci, &pt);
		CU_ASSERT_FATAL(clv_buf_set(&cpt, pt.data, fb + 1) == 0);
		cpt.data[0] = (pt.data[2 * fb] & 1) ? 0x03 : 0x02;
		make_named_spki("1.2.840.10045.2.1", ci->oid, &cpt, &spki);
		CU_ASSERT_FATAL(clv_pubkey_from_spki(spki.data, spki.len, &k, &diag) == 0);
		CU_ASSERT(buf_eq(&k->ec_point, pt.data, pt.len));
		clv_pubkey_free(k);
		k = NULL;
		clv_buf_free(&spki);
		/* The wrong parity gives the other point, which is on the curve too. */
		cpt.data[0] ^= 0x01;
		make_named_spki("1.2.840.10045.2.1", ci->oid, &cpt, &spki);
		CU_ASSERT_FATAL(clv_pubkey_from_spki(spki.data, spki.len, &k, &diag) == 0);
		CU_ASSERT(memcmp(k->ec_point.data, pt.data, fb + 1) == 0);
		CU_ASSERT(memcmp(k->ec_point.data + 1 + fb, pt.data + 1 + fb, fb) != 0);
		clv_pubkey_free(k);
		k = NULL;
		clv_buf_free(&spki);
		clv_buf_free(&cpt);
		clv_buf_free(&pt);
	}
	ci = clv_curve_by_id(CLV_CURVE_P224);
	gen_point(ci, &pt);
	CU_ASSERT_FATAL(clv_buf_set(&cpt, pt.data, 29) == 0);
	cpt.data[0] = 0x02;
	make_named_spki("1.2.840.10045.2.1", ci->oid, &cpt, &spki);
	clv_diag_clear(&diag);
	CU_ASSERT(clv_pubkey_from_spki(spki.data, spki.len, &k, &diag) == CLV_E_FORMAT);
	CU_ASSERT(strstr(diag.msg, "compressed EC points are not supported") != NULL);
	CU_ASSERT(k == NULL);
	clv_buf_free(&spki);
	clv_buf_free(&cpt);
	clv_buf_free(&pt);
}

/* Explicit parameters that match no known curve: still a usable key. */
static void
test_ec_explicit_unknown_curve(void)
{
	const clv_curve_info_t *ci = clv_curve_by_id(CLV_CURVE_BP256R1);
	clv_pubkey_t *k = NULL, *k2 = NULL, *k3 = NULL;
	clv_buf_t pt, expl, again, named;
	clv_diag_t diag;
	char desc[64];

	gen_point(ci, &pt);
	CU_ASSERT_FATAL(clv_pubkey_new_ec(ci->id, pt.data, pt.len, &k) == 0);
	/* Another order (a different domain, the curve equation unchanged). */
	k->n.data[k->n.len - 1] ^= 0x02;
	k->curve = CLV_CURVE_NONE;
	CU_ASSERT_FATAL(clv_pubkey_to_spki(k, 1, &expl) == 0);
	CU_ASSERT(clv_pubkey_to_spki(k, 0, &named) == CLV_E_UNSUPPORTED_CURVE);
	if (clv_pubkey_from_spki(expl.data, expl.len, &k2, &diag) != 0) {
		fprintf(stderr, "%s\n", diag.msg);
		CU_FAIL_FATAL("explicit unknown curve does not parse");
	}
	CU_ASSERT(k2->curve == CLV_CURVE_NONE);
	CU_ASSERT(k2->explicit_params == 1);
	CU_ASSERT(buf_eq(&k2->ec_point, pt.data, pt.len));
	CU_ASSERT(buf_eq(&k2->n, k->n.data, k->n.len));
	CU_ASSERT(buf_eq(&k2->p, k->p.data, k->p.len));
	CU_ASSERT(clv_pubkey_is_equal(k, k2) == 1);
	clv_pubkey_describe(k2, desc, sizeof(desc));
	CU_ASSERT_STRING_EQUAL(desc, "EC explicit 256-bit prime curve");
	CU_ASSERT_FATAL(clv_pubkey_to_spki(k2, 1, &again) == 0);
	CU_ASSERT(again.len == expl.len && memcmp(again.data, expl.data, expl.len) == 0);
	clv_buf_free(&again);

	/* A base point off the curve is refused. */
	k->g.data[k->g.len - 1] ^= 0x01;
	CU_ASSERT_FATAL(clv_pubkey_to_spki(k, 1, &again) == 0);
	clv_diag_clear(&diag);
	CU_ASSERT(clv_pubkey_from_spki(again.data, again.len, &k3, &diag) == CLV_E_FORMAT);
	CU_ASSERT(k3 == NULL);
	CU_ASSERT(strstr(diag.msg, "base point") != NULL);
	clv_buf_free(&again);

	/* Not equal to the same point on the real brainpoolP256r1. */
	clv_pubkey_free(k);
	CU_ASSERT_FATAL(clv_pubkey_new_ec(ci->id, pt.data, pt.len, &k) == 0);
	CU_ASSERT(clv_pubkey_is_equal(k, k2) == 0);

	clv_pubkey_free(k);
	clv_pubkey_free(k2);
	clv_buf_free(&expl);
	clv_buf_free(&pt);
}

/* ---- RSA keys ---- */

static void
test_rsa_spki(void)
{
	static const unsigned char spki_prefix[] = {
		0x30, 0x82, 0x01, 0x22, 0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
		0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0F, 0x00,
		0x30, 0x82, 0x01, 0x0A, 0x02, 0x82, 0x01, 0x01, 0x00,
	};
	static const unsigned char spki_suffix[] = { 0x02, 0x03, 0x01, 0x00, 0x01 };
	unsigned char n[258], e[] = { 0x00, 0x01, 0x00, 0x01 }, kid[20], sha1[20];
	clv_pubkey_t *k = NULL, *k2 = NULL;
	clv_buf_t spki, pt;
	clv_diag_t diag;
	char desc[32];
	size_t i;

	/* Two leading zeros, then a 2048-bit odd modulus with the top bit set. */
	n[0] = n[1] = 0;
	for (i = 2; i < sizeof(n); i++)
		n[i] = (unsigned char)(i * 37 + 11);
	n[2] |= 0x80;
	n[sizeof(n) - 1] |= 1;
	CU_ASSERT_FATAL(clv_pubkey_new_rsa(n, sizeof(n), e, sizeof(e), &k) == 0);
	CU_ASSERT(k->type == CLV_KEY_RSA);
	CU_ASSERT(buf_eq(&k->rsa_n, n + 2, 256));
	CU_ASSERT(buf_eq(&k->rsa_e, e + 1, 3));
	clv_pubkey_describe(k, desc, sizeof(desc));
	CU_ASSERT_STRING_EQUAL(desc, "RSA 2048");

	CU_ASSERT_FATAL(clv_pubkey_to_spki(k, 1, &spki) == 0);
	CU_ASSERT(spki.len == sizeof(spki_prefix) + 256 + sizeof(spki_suffix));
	CU_ASSERT(memcmp(spki.data, spki_prefix, sizeof(spki_prefix)) == 0);
	CU_ASSERT(memcmp(spki.data + sizeof(spki_prefix), n + 2, 256) == 0);
	CU_ASSERT(memcmp(spki.data + sizeof(spki_prefix) + 256, spki_suffix,
	    sizeof(spki_suffix)) == 0);

	CU_ASSERT_FATAL(clv_pubkey_from_spki(spki.data, spki.len, &k2, &diag) == 0);
	CU_ASSERT(k2->type == CLV_KEY_RSA);
	CU_ASSERT(clv_pubkey_is_equal(k, k2) == 1);

	/* Key identifier: SHA-1 of the RSAPublicKey (the BIT STRING value). */
	CU_ASSERT(clv_pubkey_key_id(k2, kid) == 0);
	gcry_md_hash_buffer(GCRY_MD_SHA1, sha1, spki.data + 24, spki.len - 24);
	CU_ASSERT(memcmp(kid, sha1, 20) == 0);
	clv_pubkey_free(k2);
	k2 = NULL;

	/* Different exponent: not equal; EC vs RSA: not equal. */
	e[3] = 0x03;
	CU_ASSERT_FATAL(clv_pubkey_new_rsa(n, sizeof(n), e, sizeof(e), &k2) == 0);
	CU_ASSERT(clv_pubkey_is_equal(k, k2) == 0);
	clv_pubkey_free(k2);
	k2 = NULL;
	gen_point(clv_curve_by_id(CLV_CURVE_P256), &pt);
	CU_ASSERT_FATAL(clv_pubkey_new_ec(CLV_CURVE_P256, pt.data, pt.len, &k2) == 0);
	CU_ASSERT(clv_pubkey_is_equal(k, k2) == 0);
	CU_ASSERT(clv_pubkey_is_equal(k, NULL) == 0);
	clv_pubkey_free(k2);
	k2 = NULL;
	clv_buf_free(&pt);

	/* rsaEncryption without the NULL parameter. */
	{
		unsigned char v[sizeof(spki_prefix) + 256 + 5];

		memcpy(v, spki.data, spki.len);
		v[3] -= 2;      /* outer length */
		v[5] -= 2;      /* AlgorithmIdentifier length */
		memmove(v + 17, v + 19, spki.len - 19);
		CU_ASSERT_FATAL(clv_pubkey_from_spki(v, spki.len - 2, &k2, &diag) == 0);
		CU_ASSERT(clv_pubkey_is_equal(k, k2) == 1);
		clv_pubkey_free(k2);
		k2 = NULL;

		/* An RSASSA-PSS key OID: read as RSA. */
		memcpy(v, spki.data, spki.len);
		v[16] = 0x0A;
		CU_ASSERT_FATAL(clv_pubkey_from_spki(v, spki.len, &k2, &diag) == 0);
		CU_ASSERT(k2->type == CLV_KEY_RSA);
		CU_ASSERT(clv_pubkey_is_equal(k, k2) == 1);
		clv_pubkey_free(k2);
		k2 = NULL;

		/* rsaEncryption with a parameter other than NULL: refused. */
		memcpy(v, spki.data, spki.len);
		v[17] = 0x04;   /* empty OCTET STRING instead of NULL */
		CU_ASSERT(clv_pubkey_from_spki(v, spki.len, &k2, &diag) == CLV_E_FORMAT);
		CU_ASSERT(k2 == NULL);
	}

	CU_ASSERT(clv_pubkey_new_rsa(n, 0, e, sizeof(e), &k2) == CLV_E_INVALID_ARG);
	memset(n, 0, sizeof(n));
	CU_ASSERT(clv_pubkey_new_rsa(n, sizeof(n), e, sizeof(e), &k2) == CLV_E_INVALID_ARG);
	CU_ASSERT(k2 == NULL);
	clv_pubkey_free(k);
	clv_buf_free(&spki);
}

/* OpenSSL reads our RSA SPKI and writes it back unchanged. */
static void
test_rsa_spki_openssl(void)
{
	gcry_sexp_t parms = NULL, key = NULL, l = NULL;
	clv_pubkey_t *k = NULL;
	clv_buf_t spki, conv;
	const char *d;
	size_t nlen;
	char pin[128], pout[160], cmd[512];
	unsigned char e[] = { 0x01, 0x00, 0x01 };

	gcry_setup();
	CU_ASSERT_FATAL(gcry_sexp_new(&parms, "(genkey(rsa(nbits 4:1024)))", 0, 1) == 0);
	CU_ASSERT_FATAL(gcry_pk_genkey(&key, parms) == 0);
	CU_ASSERT_FATAL((l = gcry_sexp_find_token(key, "n", 0)) != NULL);
	CU_ASSERT_FATAL((d = gcry_sexp_nth_data(l, 1, &nlen)) != NULL);
	CU_ASSERT_FATAL(clv_pubkey_new_rsa((const unsigned char *)d, nlen, e, 3, &k) == 0);
	CU_ASSERT_FATAL(clv_pubkey_to_spki(k, 0, &spki) == 0);
	CU_ASSERT_FATAL(write_file("rsa.der", &spki, pin, sizeof(pin)) == 0);
	snprintf(pout, sizeof(pout), "%s/rsa-out.der", tmp_dir());
	unlink(pout);
	snprintf(cmd, sizeof(cmd), "openssl pkey -pubin -inform DER -in '%s' -outform DER "
	    "-out '%s' 2>/dev/null", pin, pout);
	CU_ASSERT(system(cmd) == 0);
	if (read_file(pout, &conv) == 0) {
		CU_ASSERT(conv.len == spki.len && memcmp(conv.data, spki.data, spki.len) == 0);
		clv_buf_free(&conv);
	} else {
		CU_FAIL("openssl did not read the RSA SPKI");
	}
	unlink(pin);
	unlink(pout);
	clv_pubkey_free(k);
	clv_buf_free(&spki);
	gcry_sexp_release(l);
	gcry_sexp_release(key);
	gcry_sexp_release(parms);
}

/* ---- signature algorithms ---- */

static void
check_sigalg_bytes(const clv_sigalg_t *alg, const unsigned char *der, size_t len)
{
	clv_buf_t b;

	CU_ASSERT_FATAL(clv_sigalg_encode(alg, &b) == 0);
	CU_ASSERT(buf_eq(&b, der, len));
	clv_buf_free(&b);
}

static void
test_sigalg_exact_der(void)
{
	static const unsigned char rsa256[] = {
		0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01,
		0x0B, 0x05, 0x00,
	};
	static const unsigned char ecdsa256[] = {
		0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02,
	};
	/* RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32: the form of the PSS
	 * objects in the ICAO test data and of OpenSSL. */
	static const unsigned char pss256[] = {
		0x30, 0x41, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01,
		0x0A, 0x30, 0x34, 0xA0, 0x0F, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48,
		0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xA1, 0x1C, 0x30, 0x1A,
		0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08, 0x30,
		0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
		0x05, 0x00, 0xA2, 0x03, 0x02, 0x01, 0x20,
	};
	clv_sigalg_t a;

	memset(&a, 0, sizeof(a));
	a.key = CLV_KEY_RSA;
	a.hash = CLV_HASH_SHA256;
	check_sigalg_bytes(&a, rsa256, sizeof(rsa256));
	a.key = CLV_KEY_EC;
	check_sigalg_bytes(&a, ecdsa256, sizeof(ecdsa256));
	a.key = CLV_KEY_RSA;
	a.pss = 1;
	check_sigalg_bytes(&a, pss256, sizeof(pss256));
	a.mgf_hash = CLV_HASH_SHA256;
	a.salt_len = 32;
	check_sigalg_bytes(&a, pss256, sizeof(pss256));
}

static void
test_sigalg_roundtrip(void)
{
	static const clv_hash_alg_t hashes[] = {
		CLV_HASH_SHA224, CLV_HASH_SHA256, CLV_HASH_SHA384, CLV_HASH_SHA512,
	};
	clv_sigalg_t a, b;
	clv_buf_t der;
	clv_diag_t diag;
	size_t i;
	int form;

	for (i = 0; i < 4; i++) {
		for (form = 0; form < 4; form++) {
			memset(&a, 0, sizeof(a));
			a.hash = hashes[i];
			a.key = form == 0 ? CLV_KEY_EC : CLV_KEY_RSA;
			a.pss = form >= 2;
			if (form == 3) {
				/* PSS with a salt of 20 (the DEFAULT, so omitted) and
				 * another MGF1 hash. */
				a.salt_len = 20;
				a.mgf_hash = CLV_HASH_SHA512;
			}
			CU_ASSERT_FATAL(clv_sigalg_encode(&a, &der) == 0);
			CU_ASSERT_FATAL(clv_sigalg_decode(der.data, der.len, &b, &diag) == 0);
			CU_ASSERT(b.key == a.key);
			CU_ASSERT(b.hash == a.hash);
			CU_ASSERT(b.pss == a.pss);
			if (form == 2) {
				CU_ASSERT(b.mgf_hash == a.hash);
				CU_ASSERT(b.salt_len == clv_hash_len(a.hash));
			}
			if (form == 3) {
				CU_ASSERT(b.mgf_hash == CLV_HASH_SHA512);
				CU_ASSERT(b.salt_len == 20);
				/* No saltLength element: [2] does not appear. */
				CU_ASSERT(memchr(der.data, 0xA2, der.len) == NULL);
			}
			clv_buf_free(&der);
		}
	}
}

static void
test_sigalg_sha1_refused(void)
{
	static const unsigned char ecdsa_sha1[] = {
		0x30, 0x09, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x01,
	};
	static const unsigned char rsa_sha1[] = {
		0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01,
		0x05, 0x05, 0x00,
	};
	clv_sigalg_t a;
	clv_buf_t der = { NULL, 0 };
	clv_diag_t diag;

	memset(&a, 0, sizeof(a));
	a.key = CLV_KEY_EC;
	a.hash = CLV_HASH_SHA1;
	CU_ASSERT(clv_sigalg_encode(&a, &der) == CLV_E_UNSUPPORTED_ALG);
	CU_ASSERT(der.data == NULL);
	a.key = CLV_KEY_RSA;
	CU_ASSERT(clv_sigalg_encode(&a, &der) == CLV_E_UNSUPPORTED_ALG);
	a.pss = 1;
	CU_ASSERT(clv_sigalg_encode(&a, &der) == CLV_E_UNSUPPORTED_ALG);
	a.hash = CLV_HASH_SHA256;
	a.mgf_hash = CLV_HASH_SHA1;
	CU_ASSERT(clv_sigalg_encode(&a, &der) == CLV_E_UNSUPPORTED_ALG);
	/* Other invalid requests. */
	a.mgf_hash = CLV_HASH_NONE;
	a.key = CLV_KEY_EC;
	CU_ASSERT(clv_sigalg_encode(&a, &der) == CLV_E_INVALID_ARG);
	a.pss = 0;
	a.hash = CLV_HASH_NONE;
	CU_ASSERT(clv_sigalg_encode(&a, &der) == CLV_E_INVALID_ARG);

	/* SHA-1 still decodes. */
	CU_ASSERT(clv_sigalg_decode(ecdsa_sha1, sizeof(ecdsa_sha1), &a, &diag) == 0);
	CU_ASSERT(a.key == CLV_KEY_EC && a.hash == CLV_HASH_SHA1 && !a.pss);
	CU_ASSERT(clv_sigalg_decode(rsa_sha1, sizeof(rsa_sha1), &a, &diag) == 0);
	CU_ASSERT(a.key == CLV_KEY_RSA && a.hash == CLV_HASH_SHA1 && !a.pss);
}

static void
test_sigalg_decode_variants(void)
{
	/* ecdsa-with-SHA512 with NULL: the German CSCA CRL. */
	static const unsigned char ecdsa512_null[] = {
		0x30, 0x0C, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x04,
		0x05, 0x00,
	};
	static const unsigned char ecdsa384[] = {
		0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03,
	};
	/* ecdsa-with-SHA256 with an INTEGER parameter: refused. */
	static const unsigned char ecdsa256_int[] = {
		0x30, 0x0D, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02,
		0x02, 0x01, 0x00,
	};
	/* sha512WithRSAEncryption without NULL. */
	static const unsigned char rsa512_absent[] = {
		0x30, 0x0B, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01,
		0x0D,
	};
	static const unsigned char rsa224_null[] = {
		0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01,
		0x0E, 0x05, 0x00,
	};
	/* RSASSA-PSS without parameters, and with an empty SEQUENCE. */
	static const unsigned char pss_absent[] = {
		0x30, 0x0B, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01,
		0x0A,
	};
	static const unsigned char pss_empty[] = {
		0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01,
		0x0A, 0x30, 0x00,
	};
	/* RSASSA-PSS { sha384 without NULL, MGF1 default, salt 48 }. */
	static const unsigned char pss_hash_only[] = {
		0x30, 0x21, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01,
		0x0A, 0x30, 0x14, 0xA0, 0x0D, 0x30, 0x0B, 0x06, 0x09, 0x60, 0x86, 0x48,
		0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0xA2, 0x03, 0x02, 0x01, 0x30,
	};
	/* RSASSA-PSS { trailerField 2 }: refused. */
	static const unsigned char pss_trailer2[] = {
		0x30, 0x12, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01,
		0x0A, 0x30, 0x05, 0xA3, 0x03, 0x02, 0x01, 0x02,
	};
	/* id-dsa-with-sha256 2.16.840.1.101.3.4.3.2: unknown. */
	static const unsigned char dsa256[] = {
		0x30, 0x0B, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03,
		0x02,
	};
	/* rsaEncryption as a CMS signatureAlgorithm. */
	static const unsigned char rsa_enc[] = {
		0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01,
		0x01, 0x05, 0x00,
	};
	clv_sigalg_t a;
	clv_diag_t diag;
	char desc[64];

	CU_ASSERT(clv_sigalg_decode(ecdsa512_null, sizeof(ecdsa512_null), &a, &diag) == 0);
	CU_ASSERT(a.key == CLV_KEY_EC && a.hash == CLV_HASH_SHA512);
	CU_ASSERT(clv_sigalg_decode(ecdsa384, sizeof(ecdsa384), &a, &diag) == 0);
	CU_ASSERT(a.key == CLV_KEY_EC && a.hash == CLV_HASH_SHA384);
	CU_ASSERT(clv_sigalg_decode(ecdsa256_int, sizeof(ecdsa256_int), &a, &diag) ==
	    CLV_E_FORMAT);
	CU_ASSERT(a.key == CLV_KEY_NONE);
	CU_ASSERT(clv_sigalg_decode(rsa512_absent, sizeof(rsa512_absent), &a, &diag) == 0);
	CU_ASSERT(a.key == CLV_KEY_RSA && a.hash == CLV_HASH_SHA512 && !a.pss);
	CU_ASSERT(clv_sigalg_decode(rsa224_null, sizeof(rsa224_null), &a, &diag) == 0);
	CU_ASSERT(a.key == CLV_KEY_RSA && a.hash == CLV_HASH_SHA224);

	CU_ASSERT(clv_sigalg_decode(pss_absent, sizeof(pss_absent), &a, &diag) == 0);
	CU_ASSERT(a.key == CLV_KEY_RSA && a.pss && a.hash == CLV_HASH_SHA1 &&
	    a.mgf_hash == CLV_HASH_SHA1 && a.salt_len == 20);
	memset(&a, 0, sizeof(a));
	CU_ASSERT(clv_sigalg_decode(pss_empty, sizeof(pss_empty), &a, &diag) == 0);
	CU_ASSERT(a.key == CLV_KEY_RSA && a.pss && a.hash == CLV_HASH_SHA1 &&
	    a.mgf_hash == CLV_HASH_SHA1 && a.salt_len == 20);
	clv_sigalg_describe(&a, desc, sizeof(desc));
	CU_ASSERT_STRING_EQUAL(desc, "RSASSA-PSS/SHA-1");
	CU_ASSERT(clv_sigalg_decode(pss_hash_only, sizeof(pss_hash_only), &a, &diag) == 0);
	CU_ASSERT(a.pss && a.hash == CLV_HASH_SHA384 && a.mgf_hash == CLV_HASH_SHA1 &&
	    a.salt_len == 48);
	clv_diag_clear(&diag);
	CU_ASSERT(clv_sigalg_decode(pss_trailer2, sizeof(pss_trailer2), &a, &diag) ==
	    CLV_E_UNSUPPORTED_ALG);
	CU_ASSERT(strstr(diag.msg, "trailerField") != NULL);

	clv_diag_clear(&diag);
	CU_ASSERT(clv_sigalg_decode(dsa256, sizeof(dsa256), &a, &diag) ==
	    CLV_E_UNSUPPORTED_ALG);
	CU_ASSERT(strstr(diag.msg, "2.16.840.1.101.3.4.3.2") != NULL);

	CU_ASSERT(clv_sigalg_decode(rsa_enc, sizeof(rsa_enc), &a, &diag) == 0);
	CU_ASSERT(a.key == CLV_KEY_RSA && a.hash == CLV_HASH_NONE && !a.pss);

	CU_ASSERT(clv_sigalg_decode(rsa_enc, sizeof(rsa_enc) - 1, &a, &diag) == CLV_E_DER);
}

static void
test_sigalg_describe(void)
{
	clv_sigalg_t a;
	char d[64];

	memset(&a, 0, sizeof(a));
	a.key = CLV_KEY_EC;
	a.hash = CLV_HASH_SHA256;
	clv_sigalg_describe(&a, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "ecdsa-with-SHA256");
	a.key = CLV_KEY_RSA;
	a.hash = CLV_HASH_SHA384;
	clv_sigalg_describe(&a, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "sha384WithRSAEncryption");
	a.pss = 1;
	a.hash = CLV_HASH_SHA256;
	clv_sigalg_describe(&a, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "RSASSA-PSS/SHA-256");
	a.mgf_hash = CLV_HASH_SHA256;
	a.salt_len = 32;
	clv_sigalg_describe(&a, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "RSASSA-PSS/SHA-256");
	a.hash = CLV_HASH_SHA512;
	clv_sigalg_describe(&a, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "RSASSA-PSS/SHA-512/MGF1-SHA-256/salt 32");
}

static void
test_hash_algid(void)
{
	static const unsigned char sha256_absent[] = {
		0x30, 0x0B, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
	};
	static const unsigned char sha256_null[] = {
		0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
		0x05, 0x00,
	};
	clv_buf_t b;
	clv_hash_alg_t h;
	clv_diag_t diag;

	CU_ASSERT_STRING_EQUAL(clv_sigalg_hash_oid(CLV_HASH_SHA1), "1.3.14.3.2.26");
	CU_ASSERT_STRING_EQUAL(clv_sigalg_hash_oid(CLV_HASH_SHA224), "2.16.840.1.101.3.4.2.4");
	CU_ASSERT(clv_sigalg_hash_oid(CLV_HASH_NONE) == NULL);
	CU_ASSERT(clv_sigalg_hash_by_oid("2.16.840.1.101.3.4.2.3") == CLV_HASH_SHA512);
	CU_ASSERT(clv_sigalg_hash_by_oid("1.2.840.113549.2.5") == CLV_HASH_NONE);

	CU_ASSERT_FATAL(clv_sigalg_hash_encode(CLV_HASH_SHA256, 0, &b) == 0);
	CU_ASSERT(buf_eq(&b, sha256_absent, sizeof(sha256_absent)));
	clv_buf_free(&b);
	CU_ASSERT_FATAL(clv_sigalg_hash_encode(CLV_HASH_SHA256, 1, &b) == 0);
	CU_ASSERT(buf_eq(&b, sha256_null, sizeof(sha256_null)));
	clv_buf_free(&b);
	CU_ASSERT(clv_sigalg_hash_decode(sha256_absent, sizeof(sha256_absent), &h, &diag) == 0);
	CU_ASSERT(h == CLV_HASH_SHA256);
	h = CLV_HASH_NONE;
	CU_ASSERT(clv_sigalg_hash_decode(sha256_null, sizeof(sha256_null), &h, &diag) == 0);
	CU_ASSERT(h == CLV_HASH_SHA256);
}

static void
test_digestinfo(void)
{
	static const unsigned char p256[] = {
		0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
		0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
	};
	static const unsigned char p384[] = {
		0x30, 0x41, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
		0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
	};
	static const unsigned char p512[] = {
		0x30, 0x51, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
		0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40,
	};
	static const unsigned char p1[] = {
		0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x05,
		0x00, 0x04, 0x14,
	};
	unsigned char h[CLV_HASH_MAX];
	clv_buf_t b;

	memset(h, 0xA5, sizeof(h));
	CU_ASSERT_FATAL(clv_digestinfo_encode(CLV_HASH_SHA256, h, &b) == 0);
	CU_ASSERT(b.len == sizeof(p256) + 32 && memcmp(b.data, p256, sizeof(p256)) == 0);
	CU_ASSERT(memcmp(b.data + sizeof(p256), h, 32) == 0);
	clv_buf_free(&b);
	CU_ASSERT_FATAL(clv_digestinfo_encode(CLV_HASH_SHA384, h, &b) == 0);
	CU_ASSERT(b.len == sizeof(p384) + 48 && memcmp(b.data, p384, sizeof(p384)) == 0);
	clv_buf_free(&b);
	CU_ASSERT_FATAL(clv_digestinfo_encode(CLV_HASH_SHA512, h, &b) == 0);
	CU_ASSERT(b.len == sizeof(p512) + 64 && memcmp(b.data, p512, sizeof(p512)) == 0);
	clv_buf_free(&b);
	CU_ASSERT_FATAL(clv_digestinfo_encode(CLV_HASH_SHA1, h, &b) == 0);
	CU_ASSERT(b.len == sizeof(p1) + 20 && memcmp(b.data, p1, sizeof(p1)) == 0);
	clv_buf_free(&b);
	CU_ASSERT(clv_digestinfo_encode(CLV_HASH_NONE, h, &b) == CLV_E_INVALID_ARG);
	CU_ASSERT(clv_digestinfo_encode(CLV_HASH_SHA256, NULL, &b) == CLV_E_INVALID_ARG);
}

/* ---- ECDSA signature forms ---- */

static void
test_ecdsa_sig_forms(void)
{
	unsigned char rs[64], bad[2];
	clv_buf_t der, raw;
	size_t i;

	/* r with the top bit set, s with three leading zero octets. */
	for (i = 0; i < 32; i++) {
		rs[i] = (unsigned char)(0x80 + i);
		rs[32 + i] = (unsigned char)(i < 3 ? 0 : i);
	}
	CU_ASSERT_FATAL(clv_ecdsa_sig_from_raw(rs, 64, &der) == 0);
	/* 30 L 02 21 00 r(32) 02 1D s(29) */
	CU_ASSERT(der.len == 2 + 2 + 33 + 2 + 29);
	CU_ASSERT(der.data[0] == 0x30 && der.data[1] == der.len - 2);
	CU_ASSERT(der.data[2] == 0x02 && der.data[3] == 0x21 && der.data[4] == 0x00);
	CU_ASSERT(memcmp(der.data + 5, rs, 32) == 0);
	CU_ASSERT(der.data[37] == 0x02 && der.data[38] == 0x1D);
	CU_ASSERT(memcmp(der.data + 39, rs + 35, 29) == 0);
	CU_ASSERT_FATAL(clv_ecdsa_sig_to_raw(der.data, der.len, 32, &raw) == 0);
	CU_ASSERT(buf_eq(&raw, rs, 64));
	clv_buf_free(&raw);
	/* Same signature in a wider field: left-padded. */
	CU_ASSERT_FATAL(clv_ecdsa_sig_to_raw(der.data, der.len, 48, &raw) == 0);
	CU_ASSERT(raw.len == 96 && raw.data[0] == 0 && memcmp(raw.data + 16, rs, 32) == 0 &&
	    memcmp(raw.data + 48 + 16, rs + 32, 32) == 0);
	clv_buf_free(&raw);
	/* Too long for a 28-octet field. */
	CU_ASSERT(clv_ecdsa_sig_to_raw(der.data, der.len, 28, &raw) == CLV_E_FORMAT);
	CU_ASSERT(raw.data == NULL);
	clv_buf_free(&der);

	/* r with leading zeros and then a top-bit octet: 00 00 80 .. */
	rs[0] = 0;
	rs[1] = 0;
	rs[2] = 0x80;
	CU_ASSERT_FATAL(clv_ecdsa_sig_from_raw(rs, 64, &der) == 0);
	CU_ASSERT(der.data[3] == 0x1F && der.data[4] == 0x00 && der.data[5] == 0x80);
	CU_ASSERT_FATAL(clv_ecdsa_sig_to_raw(der.data, der.len, 32, &raw) == 0);
	CU_ASSERT(buf_eq(&raw, rs, 64));
	clv_buf_free(&raw);
	clv_buf_free(&der);

	/* P-521: 66-octet halves. */
	{
		unsigned char rs521[132];

		for (i = 0; i < sizeof(rs521); i++)
			rs521[i] = (unsigned char)(i * 7 + 1);
		rs521[0] = 0x01;
		rs521[66] = 0x00;
		CU_ASSERT_FATAL(clv_ecdsa_sig_from_raw(rs521, sizeof(rs521), &der) == 0);
		CU_ASSERT_FATAL(clv_ecdsa_sig_to_raw(der.data, der.len, 66, &raw) == 0);
		CU_ASSERT(buf_eq(&raw, rs521, sizeof(rs521)));
		clv_buf_free(&raw);
		clv_buf_free(&der);
	}

	/* A negative r: 30 06 02 01 80 02 01 01. */
	{
		static const unsigned char neg[] = { 0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01 };

		CU_ASSERT(clv_ecdsa_sig_to_raw(neg, sizeof(neg), 32, &raw) == CLV_E_FORMAT);
		CU_ASSERT(clv_ecdsa_sig_to_raw(neg, 3, 32, &raw) == CLV_E_DER);
	}
	CU_ASSERT(clv_ecdsa_sig_from_raw(rs, 63, &der) == CLV_E_INVALID_ARG);
	CU_ASSERT(clv_ecdsa_sig_from_raw(bad, 0, &der) == CLV_E_INVALID_ARG);
}

/* ---- real data ---- */

static int
cert_spki(const char *path, clv_buf_t *spki, clv_buf_t *ski)
{
	clv_buf_t der = { NULL, 0 }, extder = { NULL, 0 }, oct = { NULL, 0 };
	asn1_node cert = NULL, skin = NULL;
	clv_diag_t diag;
	char name[128], oid[64];
	int i, r;

	spki->data = NULL;
	spki->len = 0;
	if (ski != NULL) {
		ski->data = NULL;
		ski->len = 0;
	}
	if ((r = read_file(path, &der)) != 0)
		return r;
	if ((r = clv_der_decode("Certificate", der.data, der.len, &cert, path, &diag)) != 0) {
		fprintf(stderr, "%s\n", diag.msg);
		goto out;
	}
	if ((r = clv_der_read_der(cert, "tbsCertificate.subjectPublicKeyInfo", spki)) != 0)
		goto out;
	for (i = 1; ski != NULL; i++) {
		snprintf(name, sizeof(name), "tbsCertificate.extensions.?%d.extnID", i);
		if (clv_der_read_oid(cert, name, oid, sizeof(oid)) != 0)
			break;
		if (strcmp(oid, "2.5.29.14") != 0)
			continue;
		snprintf(name, sizeof(name), "tbsCertificate.extensions.?%d.extnValue", i);
		if ((r = clv_der_read(cert, name, &extder)) != 0 ||
		    (r = clv_der_decode("SubjectKeyIdentifier", extder.data, extder.len,
		    &skin, "SKI", &diag)) != 0 ||
		    (r = clv_der_read(skin, "", &oct)) != 0)
			goto out;
		*ski = oct;
		oct.data = NULL;
		break;
	}
	r = 0;
out:
	clv_buf_free(&der);
	clv_buf_free(&extder);
	clv_buf_free(&oct);
	clv_der_free(&cert);
	clv_der_free(&skin);
	return r;
}

static void
test_real_german_csca(void)
{
	char path[512], desc[64];
	clv_buf_t spki, ski, again;
	clv_pubkey_t *k = NULL;
	clv_diag_t diag;
	unsigned char kid[20];

	snprintf(path, sizeof(path), "%s/icao/certs/DE/csca-germany_05-2019_self_signed.cer",
	    clv_unit_interop_dir());
	CU_ASSERT_FATAL(cert_spki(path, &spki, &ski) == 0);
	if (clv_pubkey_from_spki(spki.data, spki.len, &k, &diag) != 0) {
		fprintf(stderr, "%s\n", diag.msg);
		CU_FAIL_FATAL("German CSCA key does not parse");
	}
	CU_ASSERT(k->type == CLV_KEY_EC);
	CU_ASSERT(k->curve == CLV_CURVE_BP512R1);
	CU_ASSERT(k->explicit_params == 1);
	CU_ASSERT(k->ec_point.len == 129 && k->ec_point.data[0] == 0x04);
	CU_ASSERT(k->h.len == 1 && k->h.data[0] == 1);
	clv_pubkey_describe(k, desc, sizeof(desc));
	CU_ASSERT_STRING_EQUAL(desc, "EC brainpoolP512r1");
	/* The certificate's SKI is RFC 5280 method 1. */
	CU_ASSERT(clv_pubkey_key_id(k, kid) == 0);
	CU_ASSERT(ski.len == 20 && memcmp(ski.data, kid, 20) == 0);
	/* Our explicit encoding is byte for byte the German one. */
	CU_ASSERT_FATAL(clv_pubkey_to_spki(k, 1, &again) == 0);
	CU_ASSERT(again.len == spki.len && memcmp(again.data, spki.data, spki.len) == 0);
	clv_buf_free(&again);
	clv_pubkey_free(k);
	clv_buf_free(&spki);
	clv_buf_free(&ski);
}

/* Every certificate in the interop certs/ directory: key parses, its
 * re-encoding parses to the same key. */
static void
test_real_certs(void)
{
	static const char *files[] = {
		"DE/csca-germany_05-2019_link.cer", "DE/csca-germany_05-2019_self_signed.cer",
		"ICAO/ICAO-csca.der", "ICAO/ICAO-link.der", "IT/CSCA00.cer", "IT/CSCA01.cer",
		"IT/CSCA04.cer", "IT/CSCA05.cer", "ME/20201022_CA_ME_046f.cer",
		"NL/CSCA_NL_180621-310630_selfsigned.cer", "NL/CSCA_NL_link_180424-300302.cer",
	};
	char path[512], desc[64];
	clv_buf_t spki, again;
	clv_pubkey_t *k = NULL, *k2 = NULL;
	clv_diag_t diag;
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/icao/certs/%s", clv_unit_interop_dir(), files[i]);
		CU_ASSERT_FATAL(cert_spki(path, &spki, NULL) == 0);
		if (clv_pubkey_from_spki(spki.data, spki.len, &k, &diag) != 0) {
			fprintf(stderr, "%s: %s\n", files[i], diag.msg);
			CU_FAIL("real key does not parse");
			clv_buf_free(&spki);
			continue;
		}
		clv_pubkey_describe(k, desc, sizeof(desc));
		if (k->type == CLV_KEY_EC)
			CU_ASSERT(k->curve != CLV_CURVE_NONE);
		CU_ASSERT_FATAL(clv_pubkey_to_spki(k, k->explicit_params, &again) == 0);
		CU_ASSERT_FATAL(clv_pubkey_from_spki(again.data, again.len, &k2, &diag) == 0);
		CU_ASSERT(clv_pubkey_is_equal(k, k2) == 1);
		clv_pubkey_free(k);
		clv_pubkey_free(k2);
		k = k2 = NULL;
		clv_buf_free(&again);
		clv_buf_free(&spki);
	}
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "curve table and spellings", test_curve_table },
		{ "EC key from a point: domain from libgcrypt", test_ec_new_domain },
		{ "EC SPKI named and explicit round trip, all curves",
		  test_ec_spki_roundtrip_all_curves },
		{ "EC SPKI named: exact bytes and key id", test_ec_spki_named_bytes },
		{ "EC SPKI explicit: OpenSSL reads it and names the curve", test_ec_spki_openssl },
		{ "EC SPKI refused: unknown curve OID, algorithm, bad point",
		  test_ec_spki_refused },
		{ "EC compressed points", test_ec_compressed_point },
		{ "EC explicit parameters of no known curve", test_ec_explicit_unknown_curve },
		{ "RSA SPKI round trip and variants", test_rsa_spki },
		{ "RSA SPKI: OpenSSL writes it back unchanged", test_rsa_spki_openssl },
		{ "sigalg exact DER", test_sigalg_exact_der },
		{ "sigalg round trip, all algorithms", test_sigalg_roundtrip },
		{ "sigalg SHA-1 decoded, never encoded", test_sigalg_sha1_refused },
		{ "sigalg lenient decoding and refusals", test_sigalg_decode_variants },
		{ "sigalg describe", test_sigalg_describe },
		{ "hash AlgorithmIdentifiers", test_hash_algid },
		{ "DigestInfo bytes", test_digestinfo },
		{ "ECDSA r||s <-> Ecdsa-Sig-Value", test_ecdsa_sig_forms },
		{ "real German CSCA: explicit brainpoolP512r1", test_real_german_csca },
		{ "real CSCA certificates", test_real_certs },
		{ NULL, NULL },
	};
	int rc;

	(void)clv_unit_interop_dir();   /* no data: fail at once, saying where it was looked for */
	rc = clv_unit_run("pubkey", tests);
	tmp_cleanup();
	return rc;
}
