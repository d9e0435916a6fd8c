/* Unit tests: bundle.c -- export, verification, tampering, interrupted exports. */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gcrypt.h>

#include "bundle.h"
#include "sigalg.h"
#include "unit.h"
#include "util.h"

#define PRODUCER "ceremony:UT-CSCA"
#define RECIPIENT "host:ds1"

static char dir[PATH_MAX];
static gcry_sexp_t skey, skey2, rsa_skey;
static clv_pubkey_t *pub, *pub2, *rsa_pub;

/* ---- keys and signing ---- */

static int
make_ec_key(gcry_sexp_t *sk, clv_pubkey_t **pk)
{
	gcry_sexp_t spec = NULL, pair = NULL, q = NULL;
	const char *data;
	size_t len = 0;
	int r = -1;

	if (gcry_sexp_build(&spec, NULL, "(genkey (ecc (curve \"NIST P-256\")))") != 0)
		return -1;
	if (gcry_pk_genkey(&pair, spec) == 0 &&
	    (q = gcry_sexp_find_token(pair, "q", 0)) != NULL &&
	    (data = gcry_sexp_nth_data(q, 1, &len)) != NULL &&
	    clv_pubkey_new_ec(CLV_CURVE_P256, (const unsigned char *)data, len, pk) == 0) {
		*sk = gcry_sexp_find_token(pair, "private-key", 0);
		r = 0;
	}
	gcry_sexp_release(q);
	gcry_sexp_release(pair);
	gcry_sexp_release(spec);
	return r;
}

static int
make_rsa_key(gcry_sexp_t *sk, clv_pubkey_t **pk)
{
	gcry_sexp_t spec = NULL, pair = NULL, n = NULL, e = NULL;
	const char *nd, *ed;
	size_t nl = 0, el = 0;
	int r = -1;

	if (gcry_sexp_build(&spec, NULL, "(genkey (rsa (nbits 4:2048)))") != 0)
		return -1;
	if (gcry_pk_genkey(&pair, spec) == 0 &&
	    (n = gcry_sexp_find_token(pair, "n", 0)) != NULL &&
	    (e = gcry_sexp_find_token(pair, "e", 0)) != NULL &&
	    (nd = gcry_sexp_nth_data(n, 1, &nl)) != NULL &&
	    (ed = gcry_sexp_nth_data(e, 1, &el)) != NULL) {
		while (nl > 0 && *nd == 0) {
			nd++;
			nl--;
		}
		while (el > 0 && *ed == 0) {
			ed++;
			el--;
		}
		if (clv_pubkey_new_rsa((const unsigned char *)nd, nl, (const unsigned char *)ed,
		    el, pk) == 0) {
			*sk = gcry_sexp_find_token(pair, "private-key", 0);
			r = 0;
		}
	}
	gcry_sexp_release(n);
	gcry_sexp_release(e);
	gcry_sexp_release(pair);
	gcry_sexp_release(spec);
	return r;
}

/* Copies the value of token name in res right-aligned into out[len]. */
static int
mpi_fixed(gcry_sexp_t res, const char *name, unsigned char *out, size_t len)
{
	gcry_sexp_t t = gcry_sexp_find_token(res, name, 0);
	const char *v;
	size_t l = 0;

	if (t == NULL || (v = gcry_sexp_nth_data(t, 1, &l)) == NULL) {
		gcry_sexp_release(t);
		return -1;
	}
	while (l > len && *v == 0) {
		v++;
		l--;
	}
	if (l > len) {
		gcry_sexp_release(t);
		return -1;
	}
	memset(out, 0, len - l);
	memcpy(out + len - l, v, l);
	gcry_sexp_release(t);
	return 0;
}

/* The sign callback of the tests: ctx is a gcry_sexp_t private key. */
static int
test_sign(void *ctx, const clv_sigalg_t *alg, const unsigned char *data, size_t len,
    clv_buf_t *sig)
{
	gcry_sexp_t sk = *(gcry_sexp_t *)ctx, d = NULL, res = NULL;
	unsigned char h[CLV_HASH_MAX], raw[512];
	size_t hl = clv_hash_len(alg->hash);
	const char *hn = gcry_md_algo_name(clv_hash_gcry_algo(alg->hash));
	int r = CLV_E_CRYPTO;
	char lhn[16];
	size_t i;

	for (i = 0; hn[i] != '\0' && i < sizeof(lhn) - 1; i++)
		lhn[i] = (char)(hn[i] >= 'A' && hn[i] <= 'Z' ? hn[i] - 'A' + 'a' : hn[i]);
	lhn[i] = '\0';
	if (clv_hash(alg->hash, data, len, h) != 0)
		return CLV_E_CRYPTO;
	if (alg->key == CLV_KEY_EC) {
		if (gcry_sexp_build(&d, NULL, "(data (flags raw) (value %b))", (int)hl, h) != 0)
			goto out;
		if (gcry_pk_sign(&res, d, sk) != 0 || mpi_fixed(res, "r", raw, 32) != 0 ||
		    mpi_fixed(res, "s", raw + 32, 32) != 0)
			goto out;
		r = clv_ecdsa_sig_from_raw(raw, 64, sig);
	} else {
		if (alg->pss)
			gcry_sexp_build(&d, NULL, "(data (flags pss) (hash %s %b) (salt-length %u))",
			    lhn, (int)hl, h, alg->salt_len);
		else
			gcry_sexp_build(&d, NULL, "(data (flags pkcs1) (hash %s %b))", lhn, (int)hl, h);
		if (d == NULL || gcry_pk_sign(&res, d, sk) != 0 || mpi_fixed(res, "s", raw, 256) != 0)
			goto out;
		r = clv_buf_set(sig, raw, 256);
	}
out:
	gcry_sexp_release(d);
	gcry_sexp_release(res);
	return r;
}

static int
failing_sign(void *ctx, const clv_sigalg_t *alg, const unsigned char *data, size_t len,
    clv_buf_t *sig)
{
	(void)ctx;
	(void)alg;
	(void)data;
	(void)len;
	(void)sig;
	return CLV_E_PKCS11;
}

static clv_bundle_signer_t
signer_of(gcry_sexp_t *sk, const clv_pubkey_t *pk)
{
	clv_bundle_signer_t s;

	memset(&s, 0, sizeof(s));
	s.sign = test_sign;
	s.ctx = sk;
	s.alg.key = pk->type;
	s.alg.hash = CLV_HASH_SHA256;
	s.key = pk;
	return s;
}

/* ---- fixtures ---- */

static const unsigned char ds1[] = "0\x82 DS certificate one (stand-in DER)";
static const unsigned char ds2[] = "0\x82 DS certificate two (stand-in DER), a little longer";
static const unsigned char crl[] = "0\x82 CRL of Utopia (stand-in DER)";

static clv_bundle_artifact_t arts[3];

static void
init_artifacts(void)
{
	memset(arts, 0, sizeof(arts));
	arts[0].name = "ds1.cer";
	arts[0].type = CLV_ARTIFACT_CERTIFICATE;
	arts[0].data = ds1;
	arts[0].len = sizeof(ds1) - 1;
	arts[1].name = "ds2.cer";
	arts[1].type = CLV_ARTIFACT_CERTIFICATE;
	arts[1].data = ds2;
	arts[1].len = sizeof(ds2) - 1;
	arts[2].name = "UT-CSCA_2026-11-25.crl";
	arts[2].type = CLV_ARTIFACT_CRL;
	arts[2].data = crl;
	arts[2].len = sizeof(crl) - 1;
}

static clv_bundle_header_t
header(void)
{
	clv_bundle_header_t h;

	memset(&h, 0, sizeof(h));
	h.producer = PRODUCER;
	h.recipient = RECIPIENT;
	h.purpose = CLV_BUNDLE_DS_CERTIFICATES;
	h.sequence = 7;
	h.created = 1795000000;
	h.rehearsal = 0;
	return h;
}

static void
path_of(char *out, size_t len, const char *sub)
{
	snprintf(out, len, "%s/%s", dir, sub);
}

/* Exports the standard bundle (header h) to dir/sub, signed with sk/pk. */
static int
export_as(const char *sub, const clv_bundle_header_t *h, gcry_sexp_t *sk,
    const clv_pubkey_t *pk, clv_diag_t *d)
{
	char p[PATH_MAX];
	clv_bundle_signer_t s = signer_of(sk, pk);

	path_of(p, sizeof(p), sub);
	memset(d, 0, sizeof(*d));
	init_artifacts();
	return clv_bundle_export(p, h, arts, 3, &s, NULL, d);
}

static void
export_good(const char *sub)
{
	clv_bundle_header_t h = header();
	clv_diag_t d;

	CU_ASSERT_EQUAL_FATAL(export_as(sub, &h, &skey, pub, &d), 0);
}

static clv_bundle_pin_t pins[2];

static clv_bundle_expect_t
expect(void)
{
	clv_bundle_expect_t e;

	pins[0].producer = "host:pkd";
	pins[0].key = pub2;
	pins[1].producer = PRODUCER;
	pins[1].key = pub;
	memset(&e, 0, sizeof(e));
	e.recipient = RECIPIENT;
	e.purpose = CLV_BUNDLE_DS_CERTIFICATES;
	e.production = 1;
	e.pins = pins;
	e.n_pins = 2;
	e.last_seen = 6;
	return e;
}

static int
verify_with(const char *sub, const clv_bundle_expect_t *e, clv_diag_t *d)
{
	char p[PATH_MAX];
	clv_bundle_t *b = (clv_bundle_t *)1;
	int r;

	path_of(p, sizeof(p), sub);
	memset(d, 0, sizeof(*d));
	r = clv_bundle_verify(p, e, &b, d);
	if (r != 0)
		CU_ASSERT_PTR_NULL(b);
	clv_bundle_free(b);
	return r;
}

static int
verify(const char *sub, clv_diag_t *d)
{
	clv_bundle_expect_t e = expect();

	return verify_with(sub, &e, d);
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs a shell command built from fmt; it must succeed. */
static void
run(const char *fmt, ...)
{
	char cmd[PATH_MAX * 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void
copy(const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];

	path_of(a, sizeof(a), from);
	path_of(b, sizeof(b), to);
	run("cp -r '%s' '%s'", a, b);
}

static void
flip(const char *sub, const char *file, long off)
{
	char p[PATH_MAX + 64];
	FILE *f;
	int c;

	snprintf(p, sizeof(p), "%s/%s/%s", dir, sub, file);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f = fopen(p, "r+b"));
	CU_ASSERT_EQUAL(fseek(f, off, SEEK_SET), 0);
	c = fgetc(f);
	CU_ASSERT_EQUAL(fseek(f, off, SEEK_SET), 0);
	fputc(c ^ 0x01, f);
	fclose(f);
}

static long
file_size(const char *sub, const char *file)
{
	char p[PATH_MAX + 64];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s/%s", dir, sub, file);
	if (stat(p, &st) != 0)
		return -1;
	return (long)st.st_size;
}

static int
contains(const clv_diag_t *d, const char *s)
{
	if (strstr(d->msg, s) != NULL)
		return 1;
	fprintf(stderr, "\n  diag '%s' lacks '%s'\n", d->msg, s);
	return 0;
}

/* Replaces MANIFEST of dir/sub with text and signs it again with sk. */
static void
rewrite_signed(const char *sub, const char *text, gcry_sexp_t *sk)
{
	char p[PATH_MAX + 64];
	clv_sigalg_t alg;
	clv_buf_t sig = { NULL, 0 };

	memset(&alg, 0, sizeof(alg));
	alg.key = CLV_KEY_EC;
	alg.hash = CLV_HASH_SHA256;
	snprintf(p, sizeof(p), "%s/%s/MANIFEST", dir, sub);
	CU_ASSERT_EQUAL(unlink(p), 0);
	CU_ASSERT_EQUAL(clv_file_write_new(p, text, strlen(text), 0644, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(test_sign(sk, &alg, (const unsigned char *)text, strlen(text),
	    &sig), 0);
	snprintf(p, sizeof(p), "%s/%s/MANIFEST.sig", dir, sub);
	CU_ASSERT_EQUAL(unlink(p), 0);
	CU_ASSERT_EQUAL(clv_file_write_new(p, sig.data, sig.len, 0644, NULL), 0);
	clv_buf_free(&sig);
}

/* The MANIFEST of dir/sub as text (caller frees). */
static char *
manifest_of(const char *sub)
{
	char p[PATH_MAX + 64];
	clv_buf_t b = { NULL, 0 };

	snprintf(p, sizeof(p), "%s/%s/MANIFEST", dir, sub);
	if (clv_file_read(p, 1 << 20, &b, NULL) != 0)
		return NULL;
	return (char *)b.data;
}

/* Replaces the first occurrence of from by to in s (to no longer than from + 64). */
static char *
replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
	char *out;

	if (at == NULL || (out = malloc(n)) == NULL)
		return NULL;
	snprintf(out, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	return out;
}

/* Entries of dir/sub, as one space-separated sorted string. */
static void
listing(const char *sub, char *out, size_t len)
{
	char p[PATH_MAX], cmd[PATH_MAX + 64];
	FILE *f;
	size_t n;

	path_of(p, sizeof(p), sub);
	snprintf(cmd, sizeof(cmd), "ls -A '%s' | sort | tr '\\n' ' '", p);
	out[0] = '\0';
	if ((f = popen(cmd, "r")) == NULL)
		return;
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	pclose(f);
}

/* ---- tests ---- */

static void
test_round_trip(void)
{
	char p[PATH_MAX], hex[65], fp[65], expected[4096];
	clv_bundle_header_t h = header();
	clv_bundle_signer_t s = signer_of(&skey, pub);
	clv_bundle_expect_t e = expect();
	clv_bundle_t *b = NULL;
	unsigned char msha[32], sha[32], kfp[32];
	clv_buf_t m = { NULL, 0 };
	clv_diag_t d;
	char *text;
	size_t i, used;

	path_of(p, sizeof(p), "rt");
	init_artifacts();
	CU_ASSERT_EQUAL_FATAL(clv_bundle_export(p, &h, arts, 3, &s, msha, &d), 0);
	CU_ASSERT_EQUAL_FATAL(clv_bundle_verify(p, &e, &b, &d), 0);
	CU_ASSERT_STRING_EQUAL(b->header.producer, PRODUCER);
	CU_ASSERT_STRING_EQUAL(b->header.recipient, RECIPIENT);
	CU_ASSERT_EQUAL(b->header.purpose, CLV_BUNDLE_DS_CERTIFICATES);
	CU_ASSERT_EQUAL(b->header.sequence, 7);
	CU_ASSERT_EQUAL(b->header.created, 1795000000);
	CU_ASSERT_EQUAL(b->header.rehearsal, 0);
	CU_ASSERT_EQUAL_FATAL(b->n_artifacts, 3);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_STRING_EQUAL(b->artifacts[i].name, arts[i].name);
		CU_ASSERT_EQUAL(b->artifacts[i].type, arts[i].type);
		CU_ASSERT_EQUAL_FATAL(b->artifacts[i].len, arts[i].len);
		CU_ASSERT(memcmp(b->artifacts[i].data, arts[i].data, arts[i].len) == 0);
		clv_sha256(arts[i].data, arts[i].len, sha);
		CU_ASSERT(memcmp(b->artifacts[i].sha256, sha, 32) == 0);
	}
	CU_ASSERT_EQUAL(clv_bundle_key_fingerprint(pub, kfp), 0);
	CU_ASSERT(memcmp(b->signer_sha256, kfp, 32) == 0);
	CU_ASSERT(memcmp(b->manifest_sha256, msha, 32) == 0);
	clv_bundle_free(b);
	b = NULL;

	/* the manifest is exactly the text conclave-bundle(5) describes */
	snprintf(p, sizeof(p), "%s/rt/MANIFEST", dir);
	CU_ASSERT_EQUAL_FATAL(clv_file_read(p, 1 << 20, &m, NULL), 0);
	clv_sha256(m.data, m.len, sha);
	CU_ASSERT(memcmp(sha, msha, 32) == 0);
	clv_hex(kfp, 32, fp);
	used = (size_t)snprintf(expected, sizeof(expected),
	    "[bundle]\nformat = 1\nproducer = ceremony:UT-CSCA\nrecipient = host:ds1\n"
	    "purpose = ds-certificates\nsequence = 7\ncreated = 2026-11-18T11:06:40Z\n"
	    "rehearsal = no\nsignature = ecdsa-sha256\nsigner_key_sha256 = %s\n", fp);
	for (i = 0; i < 3; i++) {
		clv_sha256(arts[i].data, arts[i].len, sha);
		clv_hex(sha, 32, hex);
		used += (size_t)snprintf(expected + used, sizeof(expected) - used,
		    "\n[artifact %s]\ntype = %s\nsize = %zu\nsha256 = %s\n", arts[i].name,
		    i == 2 ? "crl" : "certificate", arts[i].len, hex);
	}
	text = (char *)m.data;
	CU_ASSERT_STRING_EQUAL(text, expected);
	clv_buf_free(&m);

	/* nothing else is left beside it */
	listing("", expected, sizeof(expected));
	CU_ASSERT_PTR_NULL(strstr(expected, ".partial-"));
	listing("rt", expected, sizeof(expected));
	CU_ASSERT_STRING_EQUAL(expected, "MANIFEST MANIFEST.sig UT-CSCA_2026-11-25.crl ds1.cer "
	    "ds2.cer ");
}

static void
test_rsa_signers(void)
{
	static const struct { int pss; clv_hash_alg_t hash; const char *sub, *name; } c[] = {
		{ 0, CLV_HASH_SHA256, "rsa-pkcs1", "signature = rsa-pkcs1-sha256\n" },
		{ 1, CLV_HASH_SHA384, "rsa-pss", "signature = rsa-pss-sha384\n" },
	};
	clv_bundle_header_t h = header();
	clv_bundle_signer_t s = signer_of(&rsa_skey, rsa_pub);
	clv_bundle_expect_t e = expect();
	clv_bundle_pin_t rpin = { PRODUCER, NULL };
	char p[PATH_MAX], *text;
	clv_diag_t d;
	size_t i;

	rpin.key = rsa_pub;
	e.pins = &rpin;
	e.n_pins = 1;
	for (i = 0; i < 2; i++) {
		s.alg.pss = c[i].pss;
		s.alg.hash = c[i].hash;
		path_of(p, sizeof(p), c[i].sub);
		init_artifacts();
		CU_ASSERT_EQUAL(clv_bundle_export(p, &h, arts, 3, &s, NULL, &d), 0);
		CU_ASSERT_EQUAL(verify_with(c[i].sub, &e, &d), 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(text = manifest_of(c[i].sub));
		CU_ASSERT_PTR_NOT_NULL(strstr(text, c[i].name));
		free(text);
	}
	/* the RSA key is not the EC key pinned for the producer */
	CU_ASSERT_EQUAL(verify("rsa-pss", &d), CLV_E_KEY_MISMATCH);
	/* an algorithm that does not go with the key is refused before signing */
	s.alg.key = CLV_KEY_EC;
	s.alg.pss = 0;
	path_of(p, sizeof(p), "rsa-as-ec");
	CU_ASSERT_EQUAL(clv_bundle_export(p, &h, arts, 3, &s, NULL, &d), CLV_E_UNSUPPORTED_ALG);
	s.alg.key = CLV_KEY_RSA;
	s.alg.hash = CLV_HASH_SHA1;
	CU_ASSERT_EQUAL(clv_bundle_export(p, &h, arts, 3, &s, NULL, &d), CLV_E_UNSUPPORTED_ALG);
	CU_ASSERT_FALSE(clv_file_exists(p));
}

static void
test_flipped_manifest_byte(void)
{
	clv_diag_t d;
	long n, i;
	char *text, *at;
	int r, bad = 0;

	export_good("fm");
	n = file_size("fm", "MANIFEST");
	CU_ASSERT_FATAL(n > 100);
	/* every byte position of the manifest */
	copy("fm", "fm-x");
	for (i = 0; i < n; i++) {
		flip("fm-x", "MANIFEST", i);
		r = verify("fm-x", &d);
		/* the signature fails, or the producer or signer key it names is
		 * not the pinned one (MANIFEST lines 3 and 10) */
		if (!(r == CLV_E_SIG_INVALID ||
		    (r == CLV_E_POLICY && strstr(d.msg, "MANIFEST:3: producer:") != NULL) ||
		    (r == CLV_E_KEY_MISMATCH && strstr(d.msg, "MANIFEST:10: signer_key_sha256")))) {
			fprintf(stderr, "\n  byte %ld: %d %s\n", i, r, d.msg);
			bad++;
		}
		flip("fm-x", "MANIFEST", i);
	}
	CU_ASSERT_EQUAL(verify("fm-x", &d), 0);
	CU_ASSERT_EQUAL(bad, 0);
	/* a digit of the sequence number: the signature names the cause */
	CU_ASSERT_PTR_NOT_NULL_FATAL(text = manifest_of("fm"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(at = strstr(text, "sequence = 7"));
	copy("fm", "fm-seq");
	flip("fm-seq", "MANIFEST", (long)(at - text) + 11);
	CU_ASSERT_EQUAL(verify("fm-seq", &d), CLV_E_SIG_INVALID);
	CU_ASSERT(contains(&d, "MANIFEST.sig: the signature over MANIFEST does not verify"));
	CU_ASSERT(contains(&d, "producer 'ceremony:UT-CSCA'"));
	/* a byte of an artifact's listed hash */
	at = strstr(text, "\nsha256 = ");
	copy("fm", "fm-hash");
	flip("fm-hash", "MANIFEST", (long)(at - text) + 13);
	CU_ASSERT_EQUAL(verify("fm-hash", &d), CLV_E_SIG_INVALID);
	/* the last byte (the final newline) */
	copy("fm", "fm-last");
	flip("fm-last", "MANIFEST", n - 1);
	CU_ASSERT_EQUAL(verify("fm-last", &d), CLV_E_SIG_INVALID);
	free(text);
}

static void
test_flipped_signature_byte(void)
{
	clv_diag_t d;
	long n, i;
	int other = 0;

	export_good("fs");
	n = file_size("fs", "MANIFEST.sig");
	CU_ASSERT_FATAL(n > 60);
	copy("fs", "fs-x");
	for (i = 0; i < n; i++) {
		flip("fs-x", "MANIFEST.sig", i);
		if (verify("fs-x", &d) != CLV_E_SIG_INVALID)
			other++;
		flip("fs-x", "MANIFEST.sig", i);
	}
	CU_ASSERT_EQUAL(other, 0);
	flip("fs-x", "MANIFEST.sig", n / 2);
	CU_ASSERT_EQUAL(verify("fs-x", &d), CLV_E_SIG_INVALID);
	CU_ASSERT(contains(&d, "does not verify with the key pinned for producer"));
	/* a truncated or empty signature */
	copy("fs", "fs-empty");
	run("truncate -s 0 '%s/%s/MANIFEST.sig'", dir, "fs-empty");
	CU_ASSERT_EQUAL(verify("fs-empty", &d), CLV_E_SIG_INVALID);
}

static void
test_flipped_artifact_byte(void)
{
	clv_diag_t d;
	char msg[256];
	size_t i;

	export_good("fa");
	init_artifacts();
	for (i = 0; i < 3; i++) {
		copy("fa", "fa-x");
		flip("fa-x", arts[i].name, (long)arts[i].len / 2);
		CU_ASSERT_EQUAL(verify("fa-x", &d), CLV_E_INTEGRITY);
		snprintf(msg, sizeof(msg), "fa-x/%s: sha256: expected ", arts[i].name);
		CU_ASSERT(contains(&d, msg));
		CU_ASSERT(contains(&d, "the artifact was altered"));
		run("rm -rf '%s/%s'", dir, "fa-x");
	}
	/* a byte added or cut: the size is named, expected vs got */
	copy("fa", "fa-long");
	run("printf x >> '%s/%s/ds2.cer'", dir, "fa-long");
	CU_ASSERT_EQUAL(verify("fa-long", &d), CLV_E_INTEGRITY);
	snprintf(msg, sizeof(msg), "fa-long/ds2.cer: size: expected %zu bytes (MANIFEST line 17), "
	    "got %zu", arts[1].len, arts[1].len + 1);
	CU_ASSERT(contains(&d, msg));
	copy("fa", "fa-short");
	run("truncate -s 3 '%s/%s/ds1.cer'", dir, "fa-short");
	CU_ASSERT_EQUAL(verify("fa-short", &d), CLV_E_INTEGRITY);
	CU_ASSERT(contains(&d, "ds1.cer: size: expected"));
}

static void
test_added_removed_renamed(void)
{
	clv_diag_t d;
	char p[PATH_MAX];

	export_good("ar");
	/* added */
	copy("ar", "ar-add");
	run("printf 'extra' > '%s/%s/README.txt'", dir, "ar-add");
	CU_ASSERT_EQUAL(verify("ar-add", &d), CLV_E_INTEGRITY);
	CU_ASSERT(contains(&d, "'README.txt' is not listed in MANIFEST: a file was added"));
	/* a hidden file (a desktop's .DS_Store) is an added file too */
	copy("ar", "ar-hidden");
	run("printf 'x' > '%s/%s/.DS_Store'", dir, "ar-hidden");
	CU_ASSERT_EQUAL(verify("ar-hidden", &d), CLV_E_INTEGRITY);
	CU_ASSERT(contains(&d, "'.DS_Store' is not listed"));
	/* a directory added */
	copy("ar", "ar-dir");
	run("mkdir '%s/%s/sub'", dir, "ar-dir");
	CU_ASSERT_EQUAL(verify("ar-dir", &d), CLV_E_INTEGRITY);
	CU_ASSERT(contains(&d, "'sub' is not listed in MANIFEST: a non-regular file was added"));
	/* removed */
	copy("ar", "ar-rm");
	run("rm '%s/%s/ds2.cer'", dir, "ar-rm");
	CU_ASSERT_EQUAL(verify("ar-rm", &d), CLV_E_INTEGRITY);
	CU_ASSERT(contains(&d, "artifact 'ds2.cer' listed in MANIFEST (line 17) is missing"));
	/* renamed */
	copy("ar", "ar-mv");
	run("mv '%s/ar-mv/ds1.cer' '%s/ar-mv/ds1.der'", dir, dir);
	path_of(p, sizeof(p), "ar-mv/ds1.der");
	CU_ASSERT_FATAL(clv_file_exists(p));
	CU_ASSERT_EQUAL(verify("ar-mv", &d), CLV_E_INTEGRITY);
	CU_ASSERT(contains(&d, "'ds1.cer' was renamed to 'ds1.der'"));
	/* renamed and changed: still named, as one missing and one added */
	copy("ar", "ar-mv2");
	run("mv '%s/ar-mv2/ds1.cer' '%s/ar-mv2/x.cer'", dir, dir);
	flip("ar-mv2", "x.cer", 0);
	CU_ASSERT_EQUAL(verify("ar-mv2", &d), CLV_E_INTEGRITY);
	CU_ASSERT(contains(&d, "'ds1.cer' listed in MANIFEST (line 12) is missing"));
	CU_ASSERT(contains(&d, "'x.cer' is not listed"));
	/* an artifact replaced by a symbolic link to the same bytes */
	copy("ar", "ar-link");
	run("mv '%s/ar-link/ds1.cer' '%s/ds1-elsewhere.cer'", dir, dir);
	run("ln -s '%s/ds1-elsewhere.cer' '%s/ar-link/ds1.cer'", dir, dir);
	CU_ASSERT_EQUAL(verify("ar-link", &d), CLV_E_INTEGRITY);
	CU_ASSERT(contains(&d, "ds1.cer: listed in MANIFEST as an artifact, but not a regular "
	    "file"));
}

static void
test_header_refusals(void)
{
	clv_bundle_header_t h;
	clv_bundle_expect_t e;
	clv_diag_t d;

	export_good("hd");
	/* replayed: the same sequence again, and an older one */
	e = expect();
	e.last_seen = 7;
	CU_ASSERT_EQUAL(verify_with("hd", &e, &d), CLV_E_POLICY);
	CU_ASSERT(contains(&d, "MANIFEST:6: sequence: 7 was already seen: expected more than 7, "
	    "the last accepted from 'ceremony:UT-CSCA' to 'host:ds1'"));
	e.last_seen = 100;
	CU_ASSERT_EQUAL(verify_with("hd", &e, &d), CLV_E_POLICY);
	e.last_seen = 6;
	CU_ASSERT_EQUAL(verify_with("hd", &e, &d), 0);
	/* another recipient */
	e = expect();
	e.recipient = "host:ds2";
	CU_ASSERT_EQUAL(verify_with("hd", &e, &d), CLV_E_POLICY);
	CU_ASSERT(contains(&d, "recipient: the bundle is for 'host:ds1', expected 'host:ds2'"));
	/* the wrong purpose for this step */
	e = expect();
	e.purpose = CLV_BUNDLE_PKD_PUBLICATION;
	CU_ASSERT_EQUAL(verify_with("hd", &e, &d), CLV_E_POLICY);
	CU_ASSERT(contains(&d, "purpose: the bundle is a ds-certificates bundle, this step "
	    "expects pkd-publication"));
	/* an unknown producer */
	e = expect();
	e.n_pins = 1;
	CU_ASSERT_EQUAL(verify_with("hd", &e, &d), CLV_E_POLICY);
	CU_ASSERT(contains(&d, "producer: 'ceremony:UT-CSCA' is not a producer whose key is "
	    "pinned here (pinned: 'host:pkd')"));
	e.n_pins = 0;
	CU_ASSERT_EQUAL(verify_with("hd", &e, &d), CLV_E_POLICY);
	CU_ASSERT(contains(&d, "(pinned: none)"));

	/* a rehearsal bundle: refused in production, accepted in a rehearsal */
	h = header();
	h.rehearsal = 1;
	CU_ASSERT_EQUAL_FATAL(export_as("hd-reh", &h, &skey, pub, &d), 0);
	e = expect();
	CU_ASSERT_EQUAL(verify_with("hd-reh", &e, &d), CLV_E_REHEARSAL);
	CU_ASSERT(contains(&d, "MANIFEST:8: rehearsal: the bundle was made in a rehearsal"));
	e.production = 0;
	CU_ASSERT_EQUAL(verify_with("hd-reh", &e, &d), 0);
}

/* last_seen through a callback: records what it was asked. */
static char asked[128];

static int
last_seen_cb(void *ctx, const char *producer, const char *recipient, uint64_t *last)
{
	snprintf(asked, sizeof(asked), "%s>%s", producer, recipient);
	*last = *(uint64_t *)ctx;
	return 0;
}

static int
last_seen_fails(void *ctx, const char *producer, const char *recipient, uint64_t *last)
{
	(void)ctx;
	(void)producer;
	(void)recipient;
	(void)last;
	return CLV_E_DB;
}

static void
test_replay_callback(void)
{
	clv_bundle_expect_t e = expect();
	uint64_t last = 7;
	clv_diag_t d;

	export_good("cb");
	e.last_seen = 0;        /* ignored when there is a callback */
	e.last_seen_fn = last_seen_cb;
	e.last_seen_ctx = &last;
	CU_ASSERT_EQUAL(verify_with("cb", &e, &d), CLV_E_POLICY);
	CU_ASSERT_STRING_EQUAL(asked, PRODUCER ">" RECIPIENT);
	last = 6;
	CU_ASSERT_EQUAL(verify_with("cb", &e, &d), 0);
	e.last_seen_fn = last_seen_fails;
	CU_ASSERT_EQUAL(verify_with("cb", &e, &d), CLV_E_DB);
	CU_ASSERT(contains(&d, "cannot look up the last sequence number"));
}

static void
test_producer_key_not_pinned(void)
{
	clv_bundle_header_t h = header();
	clv_diag_t d;
	char fp1[65], fp2[65], *text, *edited;
	unsigned char k1[32], k2[32];

	/* signed by another key in the name of the pinned producer */
	CU_ASSERT_EQUAL_FATAL(export_as("kp", &h, &skey2, pub2, &d), 0);
	CU_ASSERT_EQUAL(verify("kp", &d), CLV_E_KEY_MISMATCH);
	clv_bundle_key_fingerprint(pub, k1);
	clv_bundle_key_fingerprint(pub2, k2);
	clv_hex(k1, 32, fp1);
	clv_hex(k2, 32, fp2);
	CU_ASSERT(contains(&d, "signer_key_sha256: the bundle is signed by key"));
	CU_ASSERT(contains(&d, fp2));
	CU_ASSERT(contains(&d, fp1));
	/* the same, claiming the pinned key's fingerprint: the signature fails */
	CU_ASSERT_PTR_NOT_NULL_FATAL(text = manifest_of("kp"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(edited = replace(text, fp2, fp1));
	rewrite_signed("kp", edited, &skey2);
	CU_ASSERT_EQUAL(verify("kp", &d), CLV_E_SIG_INVALID);
	free(text);
	free(edited);
}

static void
test_signed_but_malformed(void)
{
	clv_diag_t d;
	char *text, *edited;

	/* signed with the right key, but not in the canonical form */
	export_good("mf");
	CU_ASSERT_PTR_NOT_NULL_FATAL(text = manifest_of("mf"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(edited = replace(text, "sequence = 7", "sequence =  7"));
	copy("mf", "mf-space");
	rewrite_signed("mf-space", edited, &skey);
	CU_ASSERT_EQUAL(verify("mf-space", &d), CLV_E_FORMAT);
	CU_ASSERT(contains(&d, "MANIFEST:6: not in the canonical form of conclave-bundle(5): "
	    "expected 'sequence = 7'"));
	free(edited);
	/* an unknown key */
	CU_ASSERT_PTR_NOT_NULL_FATAL(edited = replace(text, "rehearsal = no\n",
	    "rehearsal = no\ncomment = hello\n"));
	copy("mf", "mf-key");
	rewrite_signed("mf-key", edited, &skey);
	CU_ASSERT_EQUAL(verify("mf-key", &d), CLV_E_FORMAT);
	CU_ASSERT(contains(&d, "unknown key 'comment'"));
	free(edited);
	/* a type the purpose does not carry */
	CU_ASSERT_PTR_NOT_NULL_FATAL(edited = replace(text, "type = crl", "type = csr"));
	copy("mf", "mf-type");
	rewrite_signed("mf-type", edited, &skey);
	CU_ASSERT_EQUAL(verify("mf-type", &d), CLV_E_FORMAT);
	CU_ASSERT(contains(&d, "type: a ds-certificates bundle carries certificate, crl, other, "
	    "not csr"));
	free(edited);
	/* sequence 0 */
	CU_ASSERT_PTR_NOT_NULL_FATAL(edited = replace(text, "sequence = 7", "sequence = 0"));
	copy("mf", "mf-seq");
	rewrite_signed("mf-seq", edited, &skey);
	CU_ASSERT_EQUAL(verify("mf-seq", &d), CLV_E_FORMAT);
	CU_ASSERT(contains(&d, "sequence: expected a whole number from 1"));
	free(edited);
	free(text);
}

static void
test_unfinished_never_verifies(void)
{
	clv_diag_t d;

	export_good("uf");
	/* a complete bundle under a partial name */
	copy("uf", "uf.partial-0123456789ab");
	CU_ASSERT_EQUAL(verify("uf.partial-0123456789ab", &d), CLV_E_INTEGRITY);
	CU_ASSERT(contains(&d, "marks an unfinished export"));
	/* no signature */
	copy("uf", "uf-nosig");
	run("rm '%s/%s/MANIFEST.sig'", dir, "uf-nosig");
	CU_ASSERT_EQUAL(verify("uf-nosig", &d), CLV_E_INTEGRITY);
	CU_ASSERT(contains(&d, "no MANIFEST.sig: the export did not finish"));
	/* no manifest */
	copy("uf", "uf-noman");
	run("rm '%s/%s/MANIFEST'", dir, "uf-noman");
	CU_ASSERT_EQUAL(verify("uf-noman", &d), CLV_E_INTEGRITY);
	CU_ASSERT(contains(&d, "no MANIFEST:"));
	/* not there at all */
	CU_ASSERT_EQUAL(verify("uf-absent", &d), CLV_E_FILE_NOT_FOUND);
}

static void
test_export_refuses_existing_target(void)
{
	clv_bundle_header_t h = header();
	clv_diag_t d;
	char before[1024], after[1024], p[PATH_MAX];

	run("mkdir '%s/%s'", dir, "ex");
	run("mkdir '%s/ex/%s'", dir, "taken");
	run("printf 'precious' > '%s/ex/%s/keep'", dir, "taken");
	listing("ex", before, sizeof(before));
	CU_ASSERT_EQUAL(export_as("ex/taken", &h, &skey, pub, &d), CLV_E_OUTPUT_EXISTS);
	CU_ASSERT(contains(&d, "already exists; outputs are never overwritten"));
	listing("ex", after, sizeof(after));
	CU_ASSERT_STRING_EQUAL(before, after);
	listing("ex/taken", after, sizeof(after));
	CU_ASSERT_STRING_EQUAL(after, "keep ");
	CU_ASSERT_EQUAL(file_size("ex/taken", "keep"), 8);
	/* an empty directory and a plain file are never replaced either */
	run("mkdir '%s/ex/%s'", dir, "empty");
	CU_ASSERT_EQUAL(export_as("ex/empty", &h, &skey, pub, &d), CLV_E_OUTPUT_EXISTS);
	run("printf 'x' > '%s/ex/%s'", dir, "file");
	CU_ASSERT_EQUAL(export_as("ex/file", &h, &skey, pub, &d), CLV_E_OUTPUT_EXISTS);
	run("ln -s '%s/ex/nowhere' '%s/ex/dangling'", dir, dir);
	CU_ASSERT_EQUAL(export_as("ex/dangling", &h, &skey, pub, &d), CLV_E_OUTPUT_EXISTS);
	listing("ex", after, sizeof(after));
	CU_ASSERT_STRING_EQUAL(after, "dangling empty file taken ");
	/* exporting twice to one name: the second is refused */
	CU_ASSERT_EQUAL(export_as("ex/once", &h, &skey, pub, &d), 0);
	h.sequence = 8;
	CU_ASSERT_EQUAL(export_as("ex/once/", &h, &skey, pub, &d), CLV_E_OUTPUT_EXISTS);
	CU_ASSERT_EQUAL(verify("ex/once", &d), 0);
	path_of(p, sizeof(p), "ex/once.partial-x");
	CU_ASSERT_FALSE(clv_file_exists(p));
}

static void
test_export_refuses_bad_input(void)
{
	clv_bundle_header_t h = header();
	clv_bundle_signer_t s = signer_of(&skey, pub);
	clv_bundle_artifact_t a[2];
	clv_diag_t d;
	char p[PATH_MAX], l[1024];
	static const char *const bad_names[] = {
		"MANIFEST", "manifest.txt", "MANIFEST.sig", ".hidden", "a/b", "..", "",
		"sp ace", "caf\xc3\xa9", NULL,
	};
	size_t i;

	run("mkdir '%s/%s'", dir, "bad");
	path_of(p, sizeof(p), "bad/b");
	memset(a, 0, sizeof(a));
	a[0].name = "x.cer";
	a[0].type = CLV_ARTIFACT_CERTIFICATE;
	a[0].data = ds1;
	a[0].len = 4;
	a[1] = a[0];
	for (i = 0; bad_names[i] != NULL; i++) {
		a[1].name = bad_names[i];
		CU_ASSERT_EQUAL(clv_bundle_export(p, &h, a, 2, &s, NULL, &d), CLV_E_INVALID_ARG);
	}
	CU_ASSERT(contains(&d, "artifact name"));
	a[1].name = "X.CER";        /* same name on a FAT medium */
	CU_ASSERT_EQUAL(clv_bundle_export(p, &h, a, 2, &s, NULL, &d), CLV_E_INVALID_ARG);
	CU_ASSERT(contains(&d, "repeats 'x.cer'"));
	a[1].name = "r.csr";
	a[1].type = CLV_ARTIFACT_CSR;
	CU_ASSERT_EQUAL(clv_bundle_export(p, &h, a, 2, &s, NULL, &d), CLV_E_INVALID_ARG);
	CU_ASSERT(contains(&d, "type csr: a ds-certificates bundle carries certificate, crl, "
	    "other"));
	a[1].type = CLV_ARTIFACT_OTHER;
	h.sequence = 0;
	CU_ASSERT_EQUAL(clv_bundle_export(p, &h, a, 2, &s, NULL, &d), CLV_E_INVALID_ARG);
	h = header();
	h.producer = "ceremony UT";
	CU_ASSERT_EQUAL(clv_bundle_export(p, &h, a, 2, &s, NULL, &d), CLV_E_INVALID_ARG);
	CU_ASSERT(contains(&d, "bundle producer"));
	h = header();
	h.purpose = CLV_BUNDLE_PURPOSE_NONE;
	CU_ASSERT_EQUAL(clv_bundle_export(p, &h, a, 2, &s, NULL, &d), CLV_E_INVALID_ARG);
	h = header();
	CU_ASSERT_EQUAL(clv_bundle_export(p, &h, a, 0, &s, NULL, &d), CLV_E_INVALID_ARG);
	path_of(p, sizeof(p), "bad/b.partial-1");
	CU_ASSERT_EQUAL(clv_bundle_export(p, &h, a, 2, &s, NULL, &d), CLV_E_INVALID_ARG);
	CU_ASSERT(contains(&d, "may not contain '.partial-'"));
	path_of(p, sizeof(p), "bad/b");
	/* a signing key that does not go with the public key: nothing is written */
	s.ctx = &skey2;
	CU_ASSERT_EQUAL(clv_bundle_export(p, &h, a, 2, &s, NULL, &d), CLV_E_KEY_MISMATCH);
	CU_ASSERT(contains(&d, "are not a pair"));
	/* a signer that fails (the HSM): nothing is written */
	s.sign = failing_sign;
	CU_ASSERT_EQUAL(clv_bundle_export(p, &h, a, 2, &s, NULL, &d), CLV_E_PKCS11);
	CU_ASSERT(contains(&d, "cannot sign the manifest"));
	listing("bad", l, sizeof(l));
	CU_ASSERT_STRING_EQUAL(l, "");
	/* the good one, for contrast */
	s = signer_of(&skey, pub);
	CU_ASSERT_EQUAL(clv_bundle_export(p, &h, a, 2, &s, NULL, &d), 0);
}

/* ---- interrupted exports ---- */

typedef struct crash_at {
	int target;                 /* stop at the n-th hook call (1-based) */
	int calls;
	char point[32];
	int kill;                   /* SIGKILL the process instead of returning */
} crash_at_t;

static int
crash_hook(void *ctx, const char *point, const char *path)
{
	crash_at_t *c = ctx;

	(void)path;
	if (++c->calls != c->target)
		return 0;
	snprintf(c->point, sizeof(c->point), "%s", point);
	if (c->kill)
		raise(SIGKILL);
	return 1;
}

/*
 * After an export died: the target exists only if the rename happened, and
 * then it is whole and verifies.  Before that, the .partial- directory never
 * verifies under its own name; copied to a clean name, it verifies only if
 * MANIFEST.sig was written (and then it is whole), never before.
 */
static void
check_leftover(const char *sub, int after_rename, int sig_written, int *partials)
{
	char p[PATH_MAX], parent[PATH_MAX], name[PATH_MAX], clean[PATH_MAX];
	clv_diag_t d;
	DIR *dd;
	struct dirent *de;
	int r;

	path_of(p, sizeof(p), sub);
	r = verify(sub, &d);
	CU_ASSERT_EQUAL(r, after_rename ? 0 : CLV_E_FILE_NOT_FOUND);
	*partials = 0;
	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(p, '/') - p), p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dd = opendir(parent));
	while ((de = readdir(dd)) != NULL) {
		if (strstr(de->d_name, ".partial-") == NULL)
			continue;
		(*partials)++;
		snprintf(name, sizeof(name), "%.*s/%s", (int)(strrchr(sub, '/') - sub), sub,
		    de->d_name);
		CU_ASSERT_EQUAL(verify(name, &d), CLV_E_INTEGRITY);
		CU_ASSERT(contains(&d, "marks an unfinished export"));
		snprintf(clean, sizeof(clean), "%s-renamed", sub);
		copy(name, clean);
		r = verify(clean, &d);
		if (sig_written)
			CU_ASSERT_EQUAL(r, 0);
		if (!sig_written) {
			CU_ASSERT_EQUAL(r, CLV_E_INTEGRITY);
			CU_ASSERT(contains(&d, "no MANIFEST.sig: the export did not finish"));
		}
		run("rm -rf '%s/%s'", dir, clean);
	}
	closedir(dd);
}

static void
test_interrupted_export(void)
{
	static const char *const points[] = {
		"partial-created", "artifact-written", "artifact-written", "artifact-written",
		"manifest-written", "signature-written", "partial-synced", "renamed",
		"parent-synced",
	};
	clv_bundle_header_t h = header();
	clv_bundle_signer_t s = signer_of(&skey, pub);
	char sub[64], p[PATH_MAX], msg[128];
	crash_at_t c;
	pid_t pid;
	int status, i, partials, r;
	clv_diag_t d;

	init_artifacts();
	for (i = 0; i < (int)(sizeof(points) / sizeof(points[0])); i++) {
		/* killed (-9) at the point, in a child */
		snprintf(sub, sizeof(sub), "kill%d", i);
		run("mkdir '%s/%s'", dir, sub);
		snprintf(sub, sizeof(sub), "kill%d/out", i);
		path_of(p, sizeof(p), sub);
		memset(&c, 0, sizeof(c));
		c.target = i + 1;
		c.kill = 1;
		fflush(NULL);
		CU_ASSERT_FATAL((pid = fork()) >= 0);
		if (pid == 0) {
			clv_bundle_export_hooked(p, &h, arts, 3, &s, NULL, crash_hook, &c, NULL);
			_exit(3);       /* the hook did not fire */
		}
		CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
		CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		check_leftover(sub, i >= 7, i >= 5, &partials);
		CU_ASSERT_EQUAL(partials, i >= 7 ? 0 : 1);

		/* stopped at the point in this process: the same, and it says so */
		snprintf(sub, sizeof(sub), "stop%d", i);
		run("mkdir '%s/%s'", dir, sub);
		snprintf(sub, sizeof(sub), "stop%d/out", i);
		path_of(p, sizeof(p), sub);
		memset(&c, 0, sizeof(c));
		c.target = i + 1;
		r = clv_bundle_export_hooked(p, &h, arts, 3, &s, NULL, crash_hook, &c, &d);
		CU_ASSERT_EQUAL(r, CLV_E_INTERNAL);
		snprintf(msg, sizeof(msg), "%s", points[i]);
		CU_ASSERT_STRING_EQUAL(c.point, msg);
		check_leftover(sub, i >= 7, i >= 5, &partials);
		CU_ASSERT_EQUAL(partials, i >= 7 ? 0 : 1);
	}
	/* and one more hook call than there are points: the export runs through */
	run("mkdir '%s/%s'", dir, "stopall");
	path_of(p, sizeof(p), "stopall/out");
	memset(&c, 0, sizeof(c));
	c.target = 100;
	CU_ASSERT_EQUAL(clv_bundle_export_hooked(p, &h, arts, 3, &s, NULL, crash_hook, &c, &d), 0);
	CU_ASSERT_EQUAL(c.calls, 9);
}

/* Alters the renamed bundle before the read-back: the export fails and moves it aside. */
static int
tamper_hook(void *ctx, const char *point, const char *path)
{
	char p[PATH_MAX + 16];
	FILE *f;

	(void)ctx;
	if (strcmp(point, "parent-synced") != 0)
		return 0;
	snprintf(p, sizeof(p), "%s/ds2.cer", path);
	if ((f = fopen(p, "r+b")) != NULL) {
		fputc('!', f);
		fclose(f);
	}
	return 0;
}

/* Takes the next artifact's name in the partial directory: its write fails. */
static int
squat_hook(void *ctx, const char *point, const char *path)
{
	char p[PATH_MAX + 16];
	const char *slash;

	(void)ctx;
	if (strcmp(point, "artifact-written") != 0 || strstr(path, "ds1.cer") == NULL)
		return 0;
	slash = strrchr(path, '/');
	snprintf(p, sizeof(p), "%.*s/ds2.cer", (int)(slash - path), path);
	return clv_file_write_new(p, "squat", 5, 0644, NULL) == 0 ? 0 : 1;
}

static void
test_failed_exports_leave_nothing_that_verifies(void)
{
	clv_bundle_header_t h = header();
	clv_bundle_signer_t s = signer_of(&skey, pub);
	char p[PATH_MAX], l[1024], *sp;
	clv_diag_t d;

	init_artifacts();
	run("mkdir '%s/%s'", dir, "rb");
	path_of(p, sizeof(p), "rb/out");
	CU_ASSERT_EQUAL(clv_bundle_export_hooked(p, &h, arts, 3, &s, NULL, tamper_hook, NULL, &d),
	    CLV_E_INTEGRITY);
	CU_ASSERT(contains(&d, "written, but it does not read back"));
	CU_ASSERT(contains(&d, "ds2.cer: sha256: expected"));
	CU_ASSERT_FALSE(clv_file_exists(p));
	listing("rb", l, sizeof(l));
	CU_ASSERT_PTR_NOT_NULL_FATAL(sp = strstr(l, "out.partial-"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sp, "-unverified "));
	*strchr(sp, ' ') = '\0';
	snprintf(p, sizeof(p), "rb/%s", sp);
	CU_ASSERT_EQUAL(verify(p, &d), CLV_E_INTEGRITY);

	/* a write that fails half-way: the partial directory is removed */
	run("mkdir '%s/%s'", dir, "sq");
	path_of(p, sizeof(p), "sq/out");
	CU_ASSERT_EQUAL(clv_bundle_export_hooked(p, &h, arts, 3, &s, NULL, squat_hook, NULL, &d),
	    CLV_E_OUTPUT_EXISTS);
	listing("sq", l, sizeof(l));
	CU_ASSERT_STRING_EQUAL(l, "");
}

static void
test_names(void)
{
	size_t i;

	for (i = 1; i <= 5; i++)
		CU_ASSERT_EQUAL(clv_bundle_purpose_by_name(clv_bundle_purpose_name(
		    (clv_bundle_purpose_t)i)), i);
	for (i = 1; i <= 8; i++)
		CU_ASSERT_EQUAL(clv_artifact_type_by_name(clv_artifact_type_name(
		    (clv_artifact_type_t)i)), i);
	CU_ASSERT_STRING_EQUAL(clv_bundle_purpose_name(CLV_BUNDLE_CSR_REQUEST), "csr-request");
	CU_ASSERT_STRING_EQUAL(clv_artifact_type_name(CLV_ARTIFACT_MASTER_LIST), "master-list");
	CU_ASSERT_PTR_NULL(clv_bundle_purpose_name((clv_bundle_purpose_t)6));
	CU_ASSERT_PTR_NULL(clv_artifact_type_name((clv_artifact_type_t)9));
	CU_ASSERT_EQUAL(clv_bundle_purpose_by_name("DS-certificates"), CLV_BUNDLE_PURPOSE_NONE);
	CU_ASSERT_EQUAL(clv_artifact_type_by_name(NULL), CLV_ARTIFACT_NONE);
	CU_ASSERT(clv_bundle_type_is_allowed(CLV_BUNDLE_CSR_REQUEST, CLV_ARTIFACT_CSR));
	CU_ASSERT(!clv_bundle_type_is_allowed(CLV_BUNDLE_CSR_REQUEST, CLV_ARTIFACT_CERTIFICATE));
	CU_ASSERT(clv_bundle_type_is_allowed(CLV_BUNDLE_PKD_PUBLICATION, CLV_ARTIFACT_MASTER_LIST));
	CU_ASSERT(!clv_bundle_type_is_allowed(CLV_BUNDLE_DS_CERTIFICATES,
	    CLV_ARTIFACT_MASTER_LIST));
	CU_ASSERT(clv_bundle_type_is_allowed(CLV_BUNDLE_CV_CERTIFICATES, CLV_ARTIFACT_OTHER));
	CU_ASSERT(!clv_bundle_type_is_allowed(CLV_BUNDLE_PURPOSE_NONE, CLV_ARTIFACT_OTHER));
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "names of purposes and types", test_names },
		{ "export then verify: header, artifacts, manifest text", test_round_trip },
		{ "RSA PKCS#1 and PSS signers", test_rsa_signers },
		{ "a flipped byte in MANIFEST is refused", test_flipped_manifest_byte },
		{ "a flipped byte in MANIFEST.sig is refused", test_flipped_signature_byte },
		{ "a flipped byte in each artifact names it", test_flipped_artifact_byte },
		{ "added, removed, renamed files", test_added_removed_renamed },
		{ "replay, recipient, purpose, producer, rehearsal", test_header_refusals },
		{ "replays through the last-seen callback", test_replay_callback },
		{ "a producer key that is not the pinned one", test_producer_key_not_pinned },
		{ "signed but malformed manifests", test_signed_but_malformed },
		{ "unfinished exports never verify", test_unfinished_never_verifies },
		{ "export refuses an existing target", test_export_refuses_existing_target },
		{ "export refuses bad input before writing", test_export_refuses_bad_input },
		{ "an export killed at each point never leaves a bundle that verifies",
		    test_interrupted_export },
		{ "failed exports leave nothing that verifies",
		    test_failed_exports_leave_nothing_that_verifies },
		{ NULL, NULL },
	};
	char cmd[PATH_MAX + 16];
	int r;

	clv_gcry_init();
	snprintf(dir, sizeof(dir), "%s/clv-bundle-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") :
	    "/tmp");
	if (mkdtemp(dir) == NULL || make_ec_key(&skey, &pub) != 0 ||
	    make_ec_key(&skey2, &pub2) != 0 || make_rsa_key(&rsa_skey, &rsa_pub) != 0) {
		fprintf(stderr, "cannot set up\n");
		return 2;
	}
	r = clv_unit_run("bundle", tests);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	clv_pubkey_free(pub);
	clv_pubkey_free(pub2);
	clv_pubkey_free(rsa_pub);
	gcry_sexp_release(skey);
	gcry_sexp_release(skey2);
	gcry_sexp_release(rsa_skey);
	return r;
}
