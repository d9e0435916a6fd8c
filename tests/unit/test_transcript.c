/* Unit tests: transcript.c -- chain, close and signature, offline verification. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gcrypt.h>

#include "sigalg.h"
#include "transcript.h"
#include "unit.h"
#include "util.h"

static char dir[PATH_MAX];
static gcry_sexp_t skey, skey2;
static clv_pubkey_t *pub, *pub2;

static int
make_key(gcry_sexp_t *sk, clv_pubkey_t **pk)
{
	gcry_sexp_t spec = NULL, pair = NULL, q = NULL;
	const char *data;
	size_t len = 0;
	int r = -1;

	clv_gcry_init();
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

/* ECDSA-SHA256 over text with sk, as Ecdsa-Sig-Value DER. */
static int
sign(gcry_sexp_t sk, const clv_buf_t *text, clv_buf_t *sig)
{
	unsigned char h[CLV_HASH_MAX], rs[64];
	gcry_sexp_t data = NULL, res = NULL, rr = NULL, ss = NULL;
	const char *v;
	size_t l;
	int r = -1;

	clv_sha256(text->data, text->len, h);
	if (gcry_sexp_build(&data, NULL, "(data (flags raw) (value %b))", 32, h) != 0)
		return -1;
	if (gcry_pk_sign(&res, data, sk) == 0 && (rr = gcry_sexp_find_token(res, "r", 0)) &&
	    (ss = gcry_sexp_find_token(res, "s", 0))) {
		memset(rs, 0, sizeof(rs));
		v = gcry_sexp_nth_data(rr, 1, &l);
		memcpy(rs + 32 - (l > 32 ? 32 : l), v + (l > 32 ? l - 32 : 0), l > 32 ? 32 : l);
		v = gcry_sexp_nth_data(ss, 1, &l);
		memcpy(rs + 64 - (l > 32 ? 32 : l), v + (l > 32 ? l - 32 : 0), l > 32 ? 32 : l);
		r = clv_ecdsa_sig_from_raw(rs, 64, sig);
	}
	gcry_sexp_release(data);
	gcry_sexp_release(res);
	gcry_sexp_release(rr);
	gcry_sexp_release(ss);
	return r;
}

static void
path_in(char *out, size_t len, const char *sub, const char *name)
{
	snprintf(out, len, "%s/%s/%s", dir, sub, name);
}

/* A closed transcript in dir/sub with an output file it records. */
static void
make_ceremony(const char *sub, int close)
{
	clv_transcript_t *t = NULL;
	clv_transcript_event_t ev;
	unsigned char sha[32], head[32];
	char d[PATH_MAX], p[PATH_MAX];
	clv_buf_t text = { NULL, 0 }, sig = { NULL, 0 };
	uint64_t seq;
	int i;

	snprintf(d, sizeof(d), "%s/%s", dir, sub);
	CU_ASSERT_FATAL(mkdir(d, 0700) == 0);
	clv_sha256("script", 6, sha);
	CU_ASSERT_EQUAL_FATAL(clv_transcript_create(d, "test-ceremony", "/x/csca-init.ceremony",
	    sha, 1, 1795000000, &t, NULL), 0);
	/* a second one in the same place is refused */
	{
		clv_transcript_t *t2 = NULL;
		clv_diag_t diag;
		CU_ASSERT_EQUAL(clv_transcript_create(d, "x", "y", sha, 0, 0, &t2, &diag),
		    CLV_E_OUTPUT_EXISTS);
		CU_ASSERT_PTR_NULL(t2);
	}
	path_in(p, sizeof(p), sub, "csca.der");
	CU_ASSERT_EQUAL_FATAL(clv_file_write_new(p, "certificate bytes", 17, 0644, NULL), 0);
	clv_sha256("certificate bytes", 17, sha);
	for (i = 0; i < 5; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.event = i == 3 ? "output-written" : "step-done";
		ev.actors = "officer=Alice\tTest";  /* a tab, escaped */
		ev.detail = i == 3 ? p : "line one\nline two";
		ev.object_sha256 = i == 3 ? sha : NULL;
		ev.result = "ok";
		CU_ASSERT_EQUAL(clv_transcript_append(t, 1795000000 + i, &ev), 0);
	}
	if (close) {
		CU_ASSERT_EQUAL(clv_transcript_seal(t, 1795000100, "closed"), 0);
		CU_ASSERT(clv_transcript_is_closed(t));
		memset(&ev, 0, sizeof(ev));
		ev.event = "step-done";
		CU_ASSERT_EQUAL(clv_transcript_append(t, 1795000101, &ev), CLV_E_POLICY);
		clv_transcript_head(t, head, &seq);
		CU_ASSERT_EQUAL(seq, 6);
		CU_ASSERT_EQUAL_FATAL(clv_transcript_signed_text(head, seq, &text), 0);
		CU_ASSERT_EQUAL_FATAL(sign(skey, &text, &sig), 0);
		CU_ASSERT_EQUAL(clv_transcript_close(t, 1795000100, &sig, pub, NULL), 0);
	}
	clv_transcript_free(t);
	clv_buf_free(&text);
	clv_buf_free(&sig);
}

static int
verify(const char *sub, const clv_pubkey_t *key, clv_diag_t *d)
{
	char p[PATH_MAX];
	clv_transcript_report_t rep;

	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	memset(d, 0, sizeof(*d));
	return clv_transcript_verify(p, key, &rep, d);
}

static void
test_good_transcript_verifies(void)
{
	char p[PATH_MAX];
	clv_transcript_report_t rep;
	clv_diag_t d;

	make_ceremony("good", 1);
	snprintf(p, sizeof(p), "%s/good", dir);
	CU_ASSERT_EQUAL(clv_transcript_verify(p, NULL, &rep, &d), 0);
	CU_ASSERT_EQUAL(rep.records, 7);
	CU_ASSERT_EQUAL(rep.outputs_checked, 1);
	CU_ASSERT(rep.closed);
	CU_ASSERT_EQUAL(clv_transcript_verify(p, pub, &rep, &d), 0);
	/* another key: the signature is named */
	CU_ASSERT_EQUAL(clv_transcript_verify(p, pub2, &rep, &d), CLV_E_SIG_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "signature over the transcript head"));
}

/* Rewrites one line of dir/sub/transcript.log through fn. */
static void
edit(const char *sub, const char *sed)
{
	char cmd[PATH_MAX * 2];

	snprintf(cmd, sizeof(cmd), "sed -i '%s' '%s/%s/transcript.log'", sed, dir, sub);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void
copy(const char *from, const char *to)
{
	char cmd[PATH_MAX * 2];

	snprintf(cmd, sizeof(cmd), "cp -r '%s/%s' '%s/%s'", dir, from, dir, to);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void
test_changed_event_named(void)
{
	clv_diag_t d;

	copy("good", "changed");
	edit("changed", "3s/line one/line 1/");
	CU_ASSERT_EQUAL(verify("changed", NULL, &d), CLV_E_INTEGRITY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "line 3 (record 2, step-done)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "event was changed"));
}

static void
test_removed_event_named(void)
{
	clv_diag_t d;

	copy("good", "removed");
	edit("removed", "3d");
	CU_ASSERT_EQUAL(verify("removed", NULL, &d), CLV_E_INTEGRITY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "record 3 where record 2 was due"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "removed"));
}

static void
test_changed_output_named(void)
{
	char cmd[PATH_MAX * 2];
	clv_diag_t d;

	copy("good", "output");
	snprintf(cmd, sizeof(cmd), "chmod u+w '%s/output/csca.der' && printf X >> '%s/output/csca.der'",
	    dir, dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	CU_ASSERT_EQUAL(verify("output", NULL, &d), CLV_E_INTEGRITY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "output csca.der"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "file was changed"));
}

static void
test_wrong_signature_named(void)
{
	char cmd[PATH_MAX * 2];
	clv_diag_t d;

	copy("good", "sig");
	snprintf(cmd, sizeof(cmd), "chmod u+w '%s/sig/transcript.sig' && "
	    "printf '\\060\\006\\002\\001\\001\\002\\001\\001' > '%s/sig/transcript.sig.new' && "
	    "mv '%s/sig/transcript.sig.new' '%s/sig/transcript.sig'", dir, dir, dir, dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	CU_ASSERT_EQUAL(verify("sig", NULL, &d), CLV_E_SIG_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "does not verify"));
}

static void
test_added_after_close_and_torn(void)
{
	char cmd[PATH_MAX * 2];
	clv_diag_t d;

	copy("good", "added");
	edit("added", "$p");
	CU_ASSERT_EQUAL(verify("added", NULL, &d), CLV_E_INTEGRITY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "follows the close"));
	copy("good", "torn");
	snprintf(cmd, sizeof(cmd), "truncate -s -10 '%s/torn/transcript.log'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	CU_ASSERT_EQUAL(verify("torn", NULL, &d), CLV_E_INTEGRITY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "torn"));
}

static void
test_unclosed_and_reopened(void)
{
	char p[PATH_MAX];
	clv_transcript_t *t = NULL;
	clv_transcript_event_t ev;
	clv_diag_t d;
	uint64_t seq = 0;
	unsigned char head[32];

	make_ceremony("open", 0);
	CU_ASSERT_EQUAL(verify("open", NULL, &d), CLV_E_INTEGRITY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "never closed"));
	/* resumption continues the same chain */
	snprintf(p, sizeof(p), "%s/open", dir);
	CU_ASSERT_EQUAL_FATAL(clv_transcript_open(p, &t, &d), 0);
	clv_transcript_head(t, head, &seq);
	CU_ASSERT_EQUAL(seq, 5);
	memset(&ev, 0, sizeof(ev));
	ev.event = "ceremony-resumed";
	CU_ASSERT_EQUAL(clv_transcript_append(t, 1795000200, &ev), 0);
	clv_transcript_free(t);
	CU_ASSERT_EQUAL(verify("open", NULL, &d), CLV_E_INTEGRITY);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "never closed"));   /* chain fine, just open */
	/* a closed one cannot be reopened */
	snprintf(p, sizeof(p), "%s/good", dir);
	CU_ASSERT_EQUAL(clv_transcript_open(p, &t, &d), CLV_E_POLICY);
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "a closed transcript verifies; another key does not", test_good_transcript_verifies },
		{ "a changed event is named", test_changed_event_named },
		{ "a removed event is named", test_removed_event_named },
		{ "a changed output file is named", test_changed_output_named },
		{ "a wrong signature is named", test_wrong_signature_named },
		{ "a record after the close, a torn line", test_added_after_close_and_torn },
		{ "unclosed, and reopened to resume", test_unclosed_and_reopened },
		{ NULL, NULL },
	};
	char cmd[PATH_MAX + 16];
	int r;

	snprintf(dir, sizeof(dir), "%s/clv-transcript-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL || make_key(&skey, &pub) != 0 || make_key(&skey2, &pub2) != 0) {
		fprintf(stderr, "cannot set up\n");
		return 2;
	}
	r = clv_unit_run("transcript", tests);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	clv_pubkey_free(pub);
	clv_pubkey_free(pub2);
	gcry_sexp_release(skey);
	gcry_sexp_release(skey2);
	return r;
}
