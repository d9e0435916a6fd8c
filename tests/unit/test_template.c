/* Unit tests: certificate templates and durations (template.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "template.h"
#include "unit.h"
#include "x509.h"

static char tmp_dir[64];
static char tmp_path[128];

/* The smallest valid template; line numbers matter to the tests. */
static const char *const base_lines[] = {
	"profile = csca",                       /* 1 */
	"subject.country = UT",                 /* 2 */
	"subject.common_name = CSCA Utopia",    /* 3 */
	"key.algorithm = ec",                   /* 4 */
	"key.curve = brainpoolP256r1",          /* 5 */
	"signature.hash = sha256",              /* 6 */
	"validity = 15y",                       /* 7 */
	"validity.max = 15y3m",                 /* 8 */
	NULL,
};

/* The smallest valid Master List Signer template. */
static const char *const signer_lines[] = {
	"profile = mls",                                        /* 1 */
	"subject.country = UT",                                 /* 2 */
	"subject.common_name = Master List Signer Utopia",      /* 3 */
	"key.algorithm = ec",                                   /* 4 */
	"key.curve = brainpoolP256r1",                          /* 5 */
	"signature.hash = sha256",                              /* 6 */
	"validity = 3y",                                        /* 7 */
	"validity.max = 5y",                                    /* 8 */
	"ext.key_usage = critical, digitalSignature",           /* 9 */
	"ext.extended_key_usage = critical, 2.23.136.1.1.3",    /* 10 */
	NULL,
};

/* The smallest valid Document Signer template. */
static const char *const ds_lines[] = {
	"profile = ds",                                         /* 1 */
	"subject.country = UT",                                 /* 2 */
	"key.algorithm = ec",                                   /* 3 */
	"key.curve = brainpoolP256r1",                          /* 4 */
	"signature.hash = sha384",                              /* 5 */
	"private_key_usage_period = 3m",                        /* 6 */
	"document_validity = 10y",                              /* 7 */
	"validity.max = 10y3m",                                 /* 8 */
	"ext.key_usage = critical, digitalSignature",           /* 9 */
	"ext.authority_key_identifier = yes",                   /* 10 */
	"ext.subject_alt_name = dirname:L=UTO",                 /* 11 */
	"ext.issuer_alt_name = dirname:L=UTO",                  /* 12 */
	"ext.crl_distribution_points = https://pkd.ut/UTO.crl", /* 13 */
	"ext.document_types = P",                               /* 14 */
	NULL,
};

static const char *
data_path(const char *rel, char *buf, size_t len)
{
	const char *d = getenv("CLV_TEST_DATA");

	if (d == NULL || *d == '\0') {
		fprintf(stderr, "CLV_TEST_DATA is not set (make check sets it)\n");
		exit(2);
	}
	snprintf(buf, len, "%s/%s", d, rel);
	return buf;
}

/*
 * Writes the base template to tmp_path with the line of key replaced by
 * line (NULL: by a comment, so later line numbers stay), then extra lines.
 */
static const char *
make_tmpl_from(const char *const *lines, const char *key, const char *line,
    const char *extra)
{
	FILE *f = fopen(tmp_path, "w");
	size_t i, kl = key != NULL ? strlen(key) : 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (i = 0; lines[i] != NULL; i++) {
		if (key != NULL && strncmp(lines[i], key, kl) == 0 && lines[i][kl] == ' ')
			fprintf(f, "%s\n", line != NULL ? line : "# removed");
		else
			fprintf(f, "%s\n", lines[i]);
	}
	if (extra != NULL)
		fputs(extra, f);
	fclose(f);
	return tmp_path;
}

static const char *
make_tmpl(const char *key, const char *line, const char *extra)
{
	return make_tmpl_from(base_lines, key, line, extra);
}

/* Loads path expecting code, a diag starting with "path:line:" (line 0:
 * "path: ") and containing want. */
static void
expect_error(const char *path, int code, unsigned line, const char *want)
{
	clv_template_t t;
	clv_diag_t d = { "" };
	char prefix[192];
	int r = clv_template_load(path, &t, &d);
	int ok;

	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	ok = r == code && strncmp(d.msg, prefix, strlen(prefix)) == 0 &&
	    (want == NULL || strstr(d.msg, want) != NULL);
	if (!ok)
		fprintf(stderr, "\n  got %d '%s'\n  expected %d '%s...%s'\n", r, d.msg, code,
		    prefix, want != NULL ? want : "");
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(t.profile[0], '\0');
}

static void
expect_tmpl_error(const char *key, const char *line, const char *extra,
    unsigned at, const char *want)
{
	expect_error(make_tmpl(key, line, extra), CLV_E_TEMPLATE, at, want);
}

static int
load_ok(const char *path, clv_template_t *t)
{
	clv_diag_t d = { "" };
	int r = clv_template_load(path, t, &d);

	if (r != 0)
		fprintf(stderr, "\n  unexpected %d: %s\n", r, d.msg);
	CU_ASSERT_EQUAL(r, 0);
	return r;
}

/* ---- valid templates ------------------------------------------------------- */

static void
test_ec_fixture(void)
{
	clv_template_t t;
	char path[512];

	if (load_ok(data_path("templates/csca-ec.tmpl", path, sizeof(path)), &t) != 0)
		return;
	CU_ASSERT_STRING_EQUAL(t.path, path);
	CU_ASSERT_STRING_EQUAL(t.profile, "csca");
	CU_ASSERT_STRING_EQUAL(t.country, "UT");
	CU_ASSERT_STRING_EQUAL(t.organization, "Utopia Passport Office");
	CU_ASSERT_STRING_EQUAL(t.org_unit, "Ministry of the Interior");
	CU_ASSERT_STRING_EQUAL(t.common_name, "CSCA Utopia");
	CU_ASSERT_STRING_EQUAL(t.serial_number, "001");
	CU_ASSERT_EQUAL(t.key.type, CLV_KEY_EC);
	CU_ASSERT_EQUAL(t.key.curve, CLV_CURVE_BP384R1);
	CU_ASSERT_EQUAL(t.key.rsa_bits, 0);
	CU_ASSERT_EQUAL(t.explicit_params, 1);
	CU_ASSERT_EQUAL(t.hash, CLV_HASH_SHA384);
	CU_ASSERT_EQUAL(t.rsa_pss, 0);
	CU_ASSERT_EQUAL(t.validity.years, 15);
	CU_ASSERT_EQUAL(t.validity.months, 3);
	CU_ASSERT_EQUAL(t.validity.days, 0);
	CU_ASSERT_EQUAL(t.validity_max.years, 15);
	CU_ASSERT_EQUAL(t.validity_max.months, 3);
	CU_ASSERT_EQUAL(t.pkup, 1);
	CU_ASSERT_EQUAL(t.key_usage_period.years, 5);
	CU_ASSERT_EQUAL(t.key_usage_period.months, 0);
	CU_ASSERT_EQUAL(t.crl_next_update.days, 30);
	CU_ASSERT_EQUAL(t.crl_next_update.months, 0);
	CU_ASSERT_EQUAL(t.ku_present, 1);
	CU_ASSERT_EQUAL(t.ku_critical, 1);
	CU_ASSERT_EQUAL(t.key_usage, CLV_KU_KEY_CERT_SIGN | CLV_KU_CRL_SIGN);
	CU_ASSERT_EQUAL(t.bc_present, 1);
	CU_ASSERT_EQUAL(t.bc_critical, 1);
	CU_ASSERT_EQUAL(t.bc_ca, 1);
	CU_ASSERT_EQUAL(t.bc_path_len, 0);
	CU_ASSERT_EQUAL(t.ski, 1);
	CU_ASSERT_EQUAL(t.aki, 0);
	CU_ASSERT_EQUAL(t.san, 1);
	CU_ASSERT_EQUAL(t.ian, 1);
	CU_ASSERT_STRING_EQUAL(t.alt_locality, "UTO");
	CU_ASSERT_STRING_EQUAL(t.alt_state, "");
	CU_ASSERT_EQUAL_FATAL(t.n_crl_dp, 2);
	CU_ASSERT_STRING_EQUAL(t.crl_dp[0], "https://pkd.example.ut/crl/UTO.crl");
	/* the commas of the LDAP DN stay in the URI */
	CU_ASSERT_STRING_EQUAL(t.crl_dp[1],
	    "ldap://ldap.example.ut/cn=CRL,o=Utopia?certificateRevocationList");
	CU_ASSERT_EQUAL(t.n_eku, 0);
	CU_ASSERT_EQUAL(t.eku_critical, 0);
	CU_ASSERT_EQUAL_FATAL(t.n_policy, 2);
	CU_ASSERT_STRING_EQUAL(t.policy[0], "1.3.6.1.4.1.99999.1.1");
	CU_ASSERT_STRING_EQUAL(t.policy[1], "2.999.7");
}

static void
test_rsa_fixture(void)
{
	clv_template_t t;
	char path[512];

	if (load_ok(data_path("templates/csca-rsa.tmpl", path, sizeof(path)), &t) != 0)
		return;
	CU_ASSERT_STRING_EQUAL(t.common_name, "CSCA Utopia RSA");
	CU_ASSERT_STRING_EQUAL(t.organization, "");
	CU_ASSERT_STRING_EQUAL(t.org_unit, "");
	CU_ASSERT_STRING_EQUAL(t.serial_number, "");
	CU_ASSERT_EQUAL(t.key.type, CLV_KEY_RSA);
	CU_ASSERT_EQUAL(t.key.rsa_bits, 4096);
	CU_ASSERT_EQUAL(t.key.curve, CLV_CURVE_NONE);
	CU_ASSERT_EQUAL(t.explicit_params, 0);
	CU_ASSERT_EQUAL(t.hash, CLV_HASH_SHA512);
	CU_ASSERT_EQUAL(t.rsa_pss, 1);
	CU_ASSERT_EQUAL(t.validity.days, 5478);
	CU_ASSERT_EQUAL(t.validity.years, 0);
	CU_ASSERT_EQUAL(t.pkup, 0);
	CU_ASSERT(clv_duration_is_zero(&t.key_usage_period));
	/* default CRL interval */
	CU_ASSERT_EQUAL(t.crl_next_update.days, 90);
	CU_ASSERT_EQUAL(t.ku_present, 1);
	CU_ASSERT_EQUAL(t.ku_critical, 0);
	CU_ASSERT_EQUAL(t.key_usage, CLV_KU_KEY_CERT_SIGN | CLV_KU_CRL_SIGN);
	CU_ASSERT_EQUAL(t.bc_present, 1);
	CU_ASSERT_EQUAL(t.bc_ca, 1);
	CU_ASSERT_EQUAL(t.bc_path_len, -1);
	CU_ASSERT_EQUAL(t.ski, 0);
	CU_ASSERT_EQUAL(t.aki, 0);
	CU_ASSERT_EQUAL(t.san, 1);
	CU_ASSERT_EQUAL(t.ian, 0);
	CU_ASSERT_STRING_EQUAL(t.alt_locality, "CHN");
	CU_ASSERT_STRING_EQUAL(t.alt_state, "HKG");
	CU_ASSERT_EQUAL(t.n_crl_dp, 0);
	CU_ASSERT_EQUAL_FATAL(t.n_eku, 1);
	CU_ASSERT_EQUAL(t.eku_critical, 1);
	CU_ASSERT_STRING_EQUAL(t.eku[0], "2.23.136.1.1.3");
	CU_ASSERT_EQUAL(t.n_policy, 0);
}

static void
test_defaults(void)
{
	clv_template_t t;

	if (load_ok(make_tmpl(NULL, NULL, NULL), &t) != 0)
		return;
	CU_ASSERT_EQUAL(t.key.curve, CLV_CURVE_BP256R1);
	CU_ASSERT_EQUAL(t.explicit_params, 1);
	CU_ASSERT_EQUAL(t.crl_next_update.days, 90);
	CU_ASSERT_EQUAL(t.pkup, 0);
	CU_ASSERT_EQUAL(t.ku_present, 0);
	CU_ASSERT_EQUAL(t.bc_present, 0);
	CU_ASSERT_EQUAL(t.bc_path_len, -1);
	CU_ASSERT_EQUAL(t.san, 0);
	CU_ASSERT_EQUAL(t.ian, 0);

	if (load_ok(make_tmpl("key.curve", "key.curve = P-521",
	    "key.explicit_parameters = no\ncrl.next_update = 2m\n"), &t) != 0)
		return;
	CU_ASSERT_EQUAL(t.key.curve, CLV_CURVE_P521);
	CU_ASSERT_EQUAL(t.explicit_params, 0);
	CU_ASSERT_EQUAL(t.crl_next_update.months, 2);

	/* IAN alone sets the alternative names too */
	if (load_ok(make_tmpl(NULL, NULL, "ext.issuer_alt_name = dirname:L=D\n"), &t) != 0)
		return;
	CU_ASSERT_EQUAL(t.san, 0);
	CU_ASSERT_EQUAL(t.ian, 1);
	CU_ASSERT_STRING_EQUAL(t.alt_locality, "D");
}

/* ---- errors, each with file and line ------------------------------------------ */

static void
test_unknown_key(void)
{
	expect_tmpl_error(NULL, NULL, "# ok\nsubject.email = csca@example.ut\n", 10,
	    "unknown key 'subject.email'");
	expect_tmpl_error("key.curve", "key.curv = P-256", NULL, 5,
	    "unknown key 'key.curv'");
	expect_tmpl_error(NULL, NULL, "[extensions]\n", 9, "section");
}

static void
test_duplicate_key(void)
{
	expect_tmpl_error(NULL, NULL, "validity = 10y\n", 9, "line 7");
	expect_tmpl_error(NULL, NULL, "validity = 10y\n", 9, "duplicate key 'validity'");
}

static void
test_country(void)
{
	expect_tmpl_error("subject.country", "subject.country = ut", NULL, 2,
	    "subject.country: 'ut' must be upper case");
	expect_tmpl_error("subject.country", "subject.country = Ut", NULL, 2,
	    "upper case");
	expect_tmpl_error("subject.country", "subject.country = UTO", NULL, 2,
	    "expected two upper-case letters");
	expect_tmpl_error("subject.country", "subject.country = U1", NULL, 2,
	    "expected two upper-case letters");
}

static void
test_bad_curve(void)
{
	char want[256];

	snprintf(want, sizeof(want), "%s:5: key.curve: expected one of P-256, P-384, "
	    "P-521, brainpoolP256r1, brainpoolP384r1, brainpoolP512r1, got 'P-999'",
	    tmp_path);
	expect_tmpl_error("key.curve", "key.curve = P-999", NULL, 5, want);
	/* known, but for verification only */
	expect_tmpl_error("key.curve", "key.curve = brainpoolP224r1", NULL, 5,
	    "got 'brainpoolP224r1'");
}

static void
write_file(const char *text)
{
	FILE *f = fopen(tmp_path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void
test_validity_exceeds_max(void)
{
	expect_tmpl_error("validity", "validity = 16y", NULL, 7,
	    "validity: 16y exceeds validity.max 15y3m (line 8)");
	expect_tmpl_error("validity", "validity = 15y3m1d", NULL, 7, "exceeds");
}

static void
test_validity_in_days(void)
{
	static const char head[] =
	    "profile = csca\nsubject.country = UT\nsubject.common_name = X\n"
	    "key.algorithm = ec\nkey.curve = P-256\nsignature.hash = sha256\n";
	char text[512];
	clv_template_t t;

	/* 15 years hold 3 or 4 leap days: 5479d exceeds 15y for some start */
	snprintf(text, sizeof(text), "%svalidity.max = 15y\nvalidity = 5479d\n", head);
	write_file(text);
	expect_error(tmp_path, CLV_E_TEMPLATE, 8,
	    "validity: 5479d exceeds validity.max 15y (line 7)");
	snprintf(text, sizeof(text), "%svalidity.max = 15y\nvalidity = 5478d\n", head);
	write_file(text);
	CU_ASSERT_EQUAL(load_ok(tmp_path, &t), 0);
}

static void
test_missing_required(void)
{
	static const char *const required[] = {
		"profile", "subject.country", "subject.common_name", "key.algorithm",
		"signature.hash", "validity", "validity.max", NULL,
	};
	char want[64];
	size_t i;

	for (i = 0; required[i] != NULL; i++) {
		snprintf(want, sizeof(want), "missing required key '%s'", required[i]);
		expect_tmpl_error(required[i], NULL, NULL, 0, want);
	}
}

static void
test_crl_next_update(void)
{
	clv_template_t t;

	expect_tmpl_error(NULL, NULL, "crl.next_update = 91d\n", 9,
	    "crl.next_update: 91d exceeds 90d");
	/* three months are 92 days for some start dates */
	expect_tmpl_error(NULL, NULL, "crl.next_update = 3m\n", 9, "exceeds 90d");
	CU_ASSERT_EQUAL(load_ok(make_tmpl(NULL, NULL, "crl.next_update = 90d\n"), &t), 0);
	CU_ASSERT_EQUAL(t.crl_next_update.days, 90);
}

static void
test_bad_duration(void)
{
	static const char *const bad[] = {
		"validity = 15y3", "validity = 3m2y", "validity = 15 y", "validity =",
		"validity = y", "validity = 1w", "validity = 0y", "validity = -1y", NULL,
	};
	size_t i;

	for (i = 0; bad[i] != NULL; i++)
		expect_tmpl_error("validity", bad[i], NULL, 7, "validity: ");
	expect_tmpl_error("validity", "validity = 15y3", NULL, 7,
	    "expected a duration such as 15y3m");
	expect_tmpl_error(NULL, NULL, "private_key_usage_period = 5 years\n", 9,
	    "private_key_usage_period: expected a duration");
}

static void
test_curve_with_rsa(void)
{
	/* key.algorithm = rsa on line 4, key.curve still on line 5 */
	expect_tmpl_error("key.algorithm", "key.algorithm = rsa", NULL, 5,
	    "key.curve: not allowed with key.algorithm = rsa (line 4)");
}

static void
test_algorithm_consistency(void)
{
	/* rsa, no curve, no bits */
	write_file("profile = csca\nsubject.country = UT\nsubject.common_name = X\n"
	    "key.algorithm = rsa\nsignature.hash = sha256\n"
	    "validity = 1y\nvalidity.max = 1y\n");
	expect_error(tmp_path, CLV_E_TEMPLATE, 4,
	    "key.algorithm: rsa needs key.rsa_bits");

	expect_tmpl_error("key.curve", NULL, NULL, 4,
	    "key.algorithm: ec needs key.curve");
	expect_tmpl_error(NULL, NULL, "key.rsa_bits = 4096\n", 9,
	    "key.rsa_bits: not allowed with key.algorithm = ec (line 4)");
	expect_tmpl_error(NULL, NULL, "signature.rsa_padding = pss\n", 9,
	    "not allowed with key.algorithm = ec");
	expect_tmpl_error("key.curve", "key.rsa_bits = 3072",
	    "# x\n", 5, "not allowed with key.algorithm = ec");
	expect_tmpl_error("key.algorithm", "key.algorithm = dsa", NULL, 4,
	    "key.algorithm: expected one of ec, rsa, got 'dsa'");
}

static void
test_bad_values(void)
{
	static const struct {
		const char *key, *line, *extra;
		unsigned at;
		const char *want;
	} cases[] = {
		{ "profile", "profile = sod", NULL, 1,
		    "profile: expected one of csca, mls, dls, ds, cvca, dv, got 'sod'" },
		{ "signature.hash", "signature.hash = sha1", NULL, 6,
		    "expected one of sha256, sha384, sha512, got 'sha1'" },
		{ "subject.common_name", "subject.common_name =", NULL, 3, "expected 1 to 64" },
		{ NULL, NULL, "subject.serial_number = A&B\n", 9, "PrintableString" },
		{ NULL, NULL, "key.explicit_parameters = maybe\n", 9,
		    "expected one of yes, no, got 'maybe'" },
		{ NULL, NULL, "private_key_usage_period = 16y\n", 9,
		    "private_key_usage_period: 16y exceeds validity 15y (line 7)" },
		{ NULL, NULL, "ext.key_usage = critical, keyCertSign, signEverything\n", 9,
		    "got 'signEverything'" },
		{ NULL, NULL, "ext.key_usage = keyCertSign, critical\n", 9,
		    "'critical' must be the first item" },
		{ NULL, NULL, "ext.key_usage = keyCertSign, keyCertSign\n", 9, "twice" },
		{ NULL, NULL, "ext.key_usage = critical\n", 9, "at least one" },
		{ NULL, NULL, "ext.key_usage = keyCertSign,,cRLSign\n", 9, "empty" },
		{ NULL, NULL, "ext.basic_constraints = critical, pathlen:0\n", 9,
		    "pathlen needs 'ca'" },
		{ NULL, NULL, "ext.basic_constraints = critical, ca, pathlen:x\n", 9,
		    "pathlen:N" },
		{ NULL, NULL, "ext.basic_constraints = none\n", 9, "got 'none'" },
		{ NULL, NULL, "ext.subject_key_identifier = true\n", 9,
		    "ext.subject_key_identifier: expected one of yes, no" },
		{ NULL, NULL, "ext.subject_alt_name = dirname:L=uto\n", 9, "upper-case" },
		{ NULL, NULL, "ext.subject_alt_name = dirname:L=UTOP\n", 9, "1 to 3" },
		{ NULL, NULL, "ext.subject_alt_name = email:csca@example.ut\n", 9,
		    "expected 'dirname:L=<ICAO code>" },
		{ NULL, NULL, "ext.subject_alt_name = dirname:ST=HKG\n", 9,
		    "expected 'dirname:L=" },
		{ NULL, NULL,
		    "ext.subject_alt_name = dirname:L=UTO\n"
		    "ext.issuer_alt_name = dirname:L=UTO,ST=UTO\n", 10,
		    "ext.issuer_alt_name: 'dirname:L=UTO,ST=UTO' differs from "
		    "ext.subject_alt_name 'dirname:L=UTO' (line 9)" },
		{ NULL, NULL, "ext.crl_distribution_points = ftp://x.ut/a.crl\n", 9,
		    "expected http://, https:// or ldap://" },
		{ NULL, NULL, "ext.crl_distribution_points = http://\n", 9,
		    "expected http://" },
		{ NULL, NULL, "ext.crl_distribution_points = http://a.ut/x y.crl\n", 9,
		    "character 0x20" },
		{ NULL, NULL, "ext.crl_distribution_points = http://a/1, http://a/2, "
		    "http://a/3, http://a/4, http://a/5\n", 9, "at most 4 URIs" },
		{ NULL, NULL, "ext.extended_key_usage = critical, 2.23.x\n", 9,
		    "expected a dotted-decimal OID" },
		{ NULL, NULL, "ext.extended_key_usage = 3.1\n", 9, "got '3.1'" },
		{ NULL, NULL, "ext.extended_key_usage = 1.40\n", 9, "got '1.40'" },
		{ NULL, NULL, "ext.extended_key_usage = 1.02.3\n", 9, "got '1.02.3'" },
		{ NULL, NULL, "ext.extended_key_usage = 1\n", 9, "got '1'" },
		{ NULL, NULL, "ext.certificate_policies = critical, 1.2.3\n", 9,
		    "got 'critical'" },
		{ NULL, NULL, "ext.certificate_policies = 1.2.1, 1.2.2, 1.2.3, 1.2.4, 1.2.5\n",
		    9, "at most 4 OIDs" },
		{ NULL, NULL, "ext.certificate_policies = 1.2.3, 1.2.3\n", 9, "twice" },
		{ NULL, NULL, NULL, 0, NULL },
	};
	size_t i;

	for (i = 0; cases[i].want != NULL; i++)
		expect_tmpl_error(cases[i].key, cases[i].line, cases[i].extra, cases[i].at,
		    cases[i].want);
}

static void
test_file_errors(void)
{
	clv_template_t t;
	clv_diag_t d = { "" };
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/absent.tmpl", tmp_dir);
	CU_ASSERT_EQUAL(clv_template_load(path, &t, &d), CLV_E_FILE_NOT_FOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, path));

	/* lexer errors come back as template errors, still with file:line */
	f = fopen(tmp_path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite("profile = csca\nsubject.country = U\0T\n", 1, 37, f);
	fclose(f);
	expect_error(tmp_path, CLV_E_TEMPLATE, 2, "NUL");
	CU_ASSERT_EQUAL(clv_template_load(NULL, &t, &d), CLV_E_INVALID_ARG);
}

/* ---- list signer profiles (mls, dls) ------------------------------------------ */

static const char *
shipped_path(const char *name, char *buf, size_t len)
{
	const char *top = getenv("top_srcdir");

	snprintf(buf, len, "%s/templates/%s", top != NULL ? top : ".", name);
	return buf;
}

static void
test_shipped_signer_templates(void)
{
	clv_template_t t;
	char path[512];

	if (load_ok(shipped_path("mls.tmpl", path, sizeof(path)), &t) != 0)
		return;
	CU_ASSERT_STRING_EQUAL(t.profile, "mls");
	CU_ASSERT_EQUAL(t.profile_id, CLV_PROFILE_MLS);
	CU_ASSERT_STRING_EQUAL(clv_template_signer_eku(&t), "2.23.136.1.1.3");
	CU_ASSERT_STRING_EQUAL(t.country, "UT");
	CU_ASSERT_STRING_EQUAL(t.organization, "Utopia Passport Office");
	CU_ASSERT_STRING_EQUAL(t.common_name, "Master List Signer Utopia");
	CU_ASSERT_EQUAL(t.key.type, CLV_KEY_EC);
	CU_ASSERT_EQUAL(t.key.curve, CLV_CURVE_BP256R1);
	CU_ASSERT_EQUAL(t.explicit_params, 1);
	CU_ASSERT_EQUAL(t.hash, CLV_HASH_SHA256);
	CU_ASSERT_EQUAL(t.pkup, 1);
	CU_ASSERT_EQUAL(t.key_usage_period.years, 1);
	CU_ASSERT_EQUAL(t.validity.years, 3);
	CU_ASSERT_EQUAL(t.validity_max.years, 5);
	CU_ASSERT_EQUAL(t.ku_present, 1);
	CU_ASSERT_EQUAL(t.ku_critical, 1);
	CU_ASSERT_EQUAL(t.key_usage, CLV_KU_DIGITAL_SIGNATURE);
	CU_ASSERT_EQUAL(t.bc_present, 0);
	CU_ASSERT_EQUAL(t.eku_critical, 1);
	CU_ASSERT_EQUAL_FATAL(t.n_eku, 1);
	CU_ASSERT_STRING_EQUAL(t.eku[0], CLV_OID_EKU_MLS);
	CU_ASSERT_EQUAL(t.aki, 1);
	CU_ASSERT_EQUAL(t.ski, 1);
	CU_ASSERT_EQUAL(t.san, 1);
	CU_ASSERT_EQUAL(t.ian, 1);
	CU_ASSERT_STRING_EQUAL(t.alt_locality, "UTO");
	CU_ASSERT_EQUAL(t.n_crl_dp, 1);

	if (load_ok(shipped_path("dls.tmpl", path, sizeof(path)), &t) != 0)
		return;
	CU_ASSERT_STRING_EQUAL(t.profile, "dls");
	CU_ASSERT_EQUAL(t.profile_id, CLV_PROFILE_DLS);
	CU_ASSERT_STRING_EQUAL(clv_template_signer_eku(&t), "2.23.136.1.1.8");
	CU_ASSERT_STRING_EQUAL(t.common_name, "Deviation List Signer Utopia");
	CU_ASSERT_EQUAL(t.key_usage, CLV_KU_DIGITAL_SIGNATURE);
	CU_ASSERT_EQUAL(t.bc_present, 0);
	CU_ASSERT_EQUAL_FATAL(t.n_eku, 1);
	CU_ASSERT_STRING_EQUAL(t.eku[0], CLV_OID_EKU_DLS);

	/* the CSCA profile has no signer EKU */
	if (load_ok(shipped_path("csca.tmpl", path, sizeof(path)), &t) != 0)
		return;
	CU_ASSERT_EQUAL(t.profile_id, CLV_PROFILE_CSCA);
	CU_ASSERT_PTR_NULL(clv_template_signer_eku(&t));
	CU_ASSERT_PTR_NULL(clv_template_signer_eku(NULL));
}

static void
test_smallest_signer_templates(void)
{
	clv_template_t t;

	if (load_ok(make_tmpl_from(signer_lines, NULL, NULL, NULL), &t) != 0)
		return;
	CU_ASSERT_EQUAL(t.profile_id, CLV_PROFILE_MLS);
	CU_ASSERT_EQUAL(t.pkup, 0);
	CU_ASSERT_EQUAL(t.aki, 0);
	CU_ASSERT_EQUAL(t.bc_present, 0);
	CU_ASSERT_EQUAL(t.bc_path_len, -1);
	/* the same with dls and its own purpose */
	write_file("profile = dls\nsubject.country = UT\nsubject.common_name = DLS\n"
	    "key.algorithm = rsa\nkey.rsa_bits = 3072\nsignature.hash = sha384\n"
	    "validity = 3y\nvalidity.max = 3y\n"
	    "ext.extended_key_usage = critical, 2.23.136.1.1.8\n"
	    "ext.key_usage = critical, digitalSignature\n");
	if (load_ok(tmp_path, &t) != 0)
		return;
	CU_ASSERT_EQUAL(t.profile_id, CLV_PROFILE_DLS);
	CU_ASSERT_STRING_EQUAL(t.eku[0], CLV_OID_EKU_DLS);
	CU_ASSERT_EQUAL(t.key.rsa_bits, 3072);
}

static void
expect_signer_error(const char *key, const char *line, const char *extra, unsigned at,
    const char *want)
{
	expect_error(make_tmpl_from(signer_lines, key, line, extra), CLV_E_TEMPLATE, at, want);
}

static void
test_signer_refusals(void)
{
	/* Table 6: BasicConstraints x */
	expect_signer_error(NULL, NULL, "ext.basic_constraints = critical, ca, pathlen:0\n", 11,
	    "ext.basic_constraints: not allowed with profile = mls (line 1)");
	expect_signer_error(NULL, NULL, "# x\next.basic_constraints = ca\n", 12,
	    "forbids BasicConstraints");
	/* ExtendedKeyUsage m/c with exactly the profile's OID */
	expect_signer_error("ext.extended_key_usage", NULL, NULL, 1,
	    "profile: mls needs ext.extended_key_usage = critical, 2.23.136.1.1.3");
	expect_signer_error("ext.extended_key_usage",
	    "ext.extended_key_usage = 2.23.136.1.1.3", NULL, 10,
	    "ext.extended_key_usage: must be critical with profile = mls (line 1)");
	expect_signer_error("ext.extended_key_usage",
	    "ext.extended_key_usage = critical, 2.23.136.1.1.8", NULL, 10,
	    "ext.extended_key_usage: profile = mls (line 1) needs exactly 2.23.136.1.1.3 "
	    "(id-icao-cscaMasterListSigningKey), got 'critical, 2.23.136.1.1.8'");
	expect_signer_error("ext.extended_key_usage",
	    "ext.extended_key_usage = critical, 2.23.136.1.1.3, 1.3.6.1.5.5.7.3.4", NULL, 10,
	    "needs exactly 2.23.136.1.1.3");
	expect_signer_error("profile", "profile = dls", NULL, 10,
	    "profile = dls (line 1) needs exactly 2.23.136.1.1.8 "
	    "(id-icao-DeviationListSigningKey)");
	expect_signer_error("profile", "profile = dls", NULL, 10, "got 'critical, 2.23.136.1.1.3'");
	/* KeyUsage m/c digitalSignature only */
	expect_signer_error("ext.key_usage", NULL, NULL, 1,
	    "profile: mls needs ext.key_usage = critical, digitalSignature");
	expect_signer_error("ext.key_usage", "ext.key_usage = digitalSignature", NULL, 9,
	    "ext.key_usage: profile = mls (line 1) needs exactly 'critical, digitalSignature', "
	    "got 'digitalSignature'");
	expect_signer_error("ext.key_usage",
	    "ext.key_usage = critical, digitalSignature, keyCertSign", NULL, 9,
	    "needs exactly 'critical, digitalSignature'");
	expect_signer_error("ext.key_usage", "ext.key_usage = critical, cRLSign", NULL, 9,
	    "got 'critical, cRLSign'");
	/* a list signer key signs no CRLs */
	expect_signer_error(NULL, NULL, "crl.next_update = 30d\n", 11,
	    "crl.next_update: not allowed with profile = mls (line 1)");
	/* the subject country as for a CSCA */
	expect_signer_error("subject.country", NULL, NULL, 0,
	    "missing required key 'subject.country'");
	expect_signer_error("subject.country", "subject.country = ut", NULL, 2,
	    "must be upper case");
	/* the generic rules still come first */
	expect_signer_error("validity", "validity = 6y", NULL, 7,
	    "validity: 6y exceeds validity.max 5y (line 8)");
}

/* ---- Document Signer profile (ds) ---------------------------------------------- */

/* ---- EAC profiles ------------------------------------------------------------ */

static const char *const cvca_lines[] = {
	"profile = cvca",
	"subject.country = UT",
	"holder.mnemonic = CVCAEP",
	"holder.sequence = 00001",
	"key.algorithm = ec",
	"key.curve = brainpoolP256r1",
	"signature.hash = sha256",
	"validity = 3y",
	"validity.max = 3y",
	"chat.rights = dg3, dg4",
	NULL,
};

static const char *const dv_lines[] = {
	"profile = dv",
	"dv.roles = domestic, foreign",
	"chat.rights = dg3",
	"validity = 3m",
	"validity.max = 3m",
	NULL,
};

static void
test_shipped_cv_templates(void)
{
	clv_template_t t;
	char path[512];

	if (load_ok(shipped_path("cvca.tmpl", path, sizeof(path)), &t) != 0)
		return;
	CU_ASSERT_EQUAL(t.profile_id, CLV_PROFILE_CVCA);
	CU_ASSERT_STRING_EQUAL(t.country, "UT");
	CU_ASSERT_STRING_EQUAL(t.cv_mnemonic, "CVCAEP");
	CU_ASSERT_STRING_EQUAL(t.cv_sequence, "00001");
	CU_ASSERT_EQUAL(t.key.curve, CLV_CURVE_BP256R1);
	CU_ASSERT_EQUAL(t.explicit_params, 1);
	CU_ASSERT_EQUAL(t.hash, CLV_HASH_SHA256);
	CU_ASSERT_EQUAL(t.cv_rights, CLV_CV_RIGHT_DG3 | CLV_CV_RIGHT_DG4);
	CU_ASSERT_EQUAL(t.validity.years, 3);
	if (load_ok(shipped_path("dv.tmpl", path, sizeof(path)), &t) != 0)
		return;
	CU_ASSERT_EQUAL(t.profile_id, CLV_PROFILE_DV);
	CU_ASSERT(t.cv_domestic && t.cv_foreign);
	CU_ASSERT_EQUAL(t.validity.months, 3);
	CU_ASSERT_EQUAL(t.cv_rights, CLV_CV_RIGHT_DG3 | CLV_CV_RIGHT_DG4);
}

static void
test_cv_template_errors(void)
{
	clv_template_t t;

	CU_ASSERT_EQUAL(load_ok(make_tmpl_from(cvca_lines, NULL, NULL, NULL), &t), 0);
	CU_ASSERT_EQUAL(load_ok(make_tmpl_from(dv_lines, NULL, NULL, NULL), &t), 0);
	CU_ASSERT(t.cv_domestic && t.cv_foreign && t.cv_rights == CLV_CV_RIGHT_DG3);
	/* EU certificate policy for EAC: CVCA 6 months to 3 years, DV 3 months */
	expect_error(make_tmpl_from(cvca_lines, "validity.max", "validity.max = 4y", NULL),
	    CLV_E_TEMPLATE, 9, "exceeds 3y, the most the EU certificate policy");
	expect_error(make_tmpl_from(cvca_lines, "validity", "validity = 3m", NULL),
	    CLV_E_TEMPLATE, 8, "shorter than 6m");
	expect_error(make_tmpl_from(dv_lines, "validity.max", "validity.max = 6m", NULL),
	    CLV_E_TEMPLATE, 5, "exceeds 3m");
	/* the CHR: a 5-character sequence number, a short mnemonic */
	expect_error(make_tmpl_from(cvca_lines, "holder.sequence", "holder.sequence = 001", NULL),
	    CLV_E_TEMPLATE, 4, "expected 5 characters A-Z or 0-9");
	expect_error(make_tmpl_from(cvca_lines, "holder.mnemonic",
	    "holder.mnemonic = MUCHTOOLONG", NULL), CLV_E_TEMPLATE, 3, "at most 9 characters");
	expect_error(make_tmpl_from(cvca_lines, "chat.rights", "chat.rights = dg3, dg5", NULL),
	    CLV_E_TEMPLATE, 10, "'dg5': expected a list of dg3, dg4");
	expect_error(make_tmpl_from(cvca_lines, "holder.sequence", NULL, NULL), CLV_E_TEMPLATE,
	    0, "missing required key 'holder.sequence'");
	expect_error(make_tmpl_from(dv_lines, "dv.roles", "dv.roles = both", NULL),
	    CLV_E_TEMPLATE, 2, "'both': expected a list of domestic, foreign");
	/* X.509 keys in an EAC profile and the other way round */
	expect_error(make_tmpl_from(cvca_lines, NULL, NULL, "subject.common_name = CVCA\n"),
	    CLV_E_TEMPLATE, 11, "not used with profile = cvca");
	expect_error(make_tmpl_from(dv_lines, NULL, NULL, "key.curve = P-256\n"),
	    CLV_E_TEMPLATE, 6, "not used with profile = dv");
	expect_error(make_tmpl(NULL, NULL, "chat.rights = dg3\n"), CLV_E_TEMPLATE, 9,
	    "only with profile = cvca or dv");
}

static void
test_shipped_ds_template(void)
{
	clv_template_t t;
	char path[512];

	if (load_ok(shipped_path("ds.tmpl", path, sizeof(path)), &t) != 0)
		return;
	CU_ASSERT_STRING_EQUAL(t.profile, "ds");
	CU_ASSERT_EQUAL(t.profile_id, CLV_PROFILE_DS);
	CU_ASSERT_PTR_NULL(clv_template_signer_eku(&t));
	CU_ASSERT_STRING_EQUAL(t.country, "UT");
	CU_ASSERT_STRING_EQUAL(t.common_name, "");
	CU_ASSERT_EQUAL(t.key.type, CLV_KEY_EC);
	CU_ASSERT_EQUAL(t.key.curve, CLV_CURVE_BP256R1);
	CU_ASSERT_EQUAL(t.explicit_params, 1);
	CU_ASSERT_EQUAL(t.hash, CLV_HASH_SHA384);
	CU_ASSERT_EQUAL(t.pkup, 1);
	CU_ASSERT_EQUAL(t.key_usage_period.years, 0);
	CU_ASSERT_EQUAL(t.key_usage_period.months, 3);
	CU_ASSERT_EQUAL(t.key_usage_period_max.months, 3);
	CU_ASSERT_EQUAL(t.document_validity.years, 10);
	CU_ASSERT_EQUAL(t.document_validity.months, 0);
	CU_ASSERT_EQUAL(t.validity.years, 10);
	CU_ASSERT_EQUAL(t.validity.months, 3);
	CU_ASSERT_EQUAL(t.validity_max.years, 10);
	CU_ASSERT_EQUAL(t.validity_max.months, 3);
	CU_ASSERT_EQUAL(t.ku_critical, 1);
	CU_ASSERT_EQUAL(t.key_usage, CLV_KU_DIGITAL_SIGNATURE);
	CU_ASSERT_EQUAL(t.bc_present, 0);
	CU_ASSERT_EQUAL(t.n_eku, 0);
	CU_ASSERT_EQUAL(t.aki, 1);
	CU_ASSERT_EQUAL(t.ski, 1);
	CU_ASSERT_EQUAL(t.san, 1);
	CU_ASSERT_EQUAL(t.ian, 1);
	CU_ASSERT_EQUAL(t.n_crl_dp, 1);
	CU_ASSERT_EQUAL_FATAL(t.n_doc_types, 1);
	CU_ASSERT_STRING_EQUAL(t.doc_types[0], "P");
}

static void
test_smallest_ds_template(void)
{
	clv_template_t t;

	if (load_ok(make_tmpl_from(ds_lines, NULL, NULL, NULL), &t) != 0)
		return;
	CU_ASSERT_EQUAL(t.profile_id, CLV_PROFILE_DS);
	CU_ASSERT_EQUAL(t.ski, 0);
	/* several types, in the template's order */
	if (load_ok(make_tmpl_from(ds_lines, "ext.document_types",
	    "ext.document_types = ID, P, AC", NULL), &t) != 0)
		return;
	CU_ASSERT_EQUAL_FATAL(t.n_doc_types, 3);
	CU_ASSERT_STRING_EQUAL(t.doc_types[0], "ID");
	CU_ASSERT_STRING_EQUAL(t.doc_types[1], "P");
	CU_ASSERT_STRING_EQUAL(t.doc_types[2], "AC");
	/* a longer usage period only where the template says so */
	expect_error(make_tmpl_from(ds_lines, "private_key_usage_period",
	    "private_key_usage_period = 4m", "ds.max_usage_period = 6m\n"), CLV_E_TEMPLATE, 8,
	    "validity.max: 10y3m is shorter than private_key_usage_period 4m");
	write_file("profile = ds\nsubject.country = UT\nkey.algorithm = rsa\n"
	    "key.rsa_bits = 3072\nsignature.hash = sha256\nprivate_key_usage_period = 4m\n"
	    "ds.max_usage_period = 6m\ndocument_validity = 5y\nvalidity.max = 5y4m\n"
	    "ext.key_usage = critical, digitalSignature\next.authority_key_identifier = yes\n"
	    "ext.subject_alt_name = dirname:L=UTO\next.issuer_alt_name = dirname:L=UTO\n"
	    "ext.crl_distribution_points = ldap://pkd.ut/cn=CRL,o=UT\n"
	    "ext.document_types = ID\n");
	if (load_ok(tmp_path, &t) != 0)
		return;
	CU_ASSERT_EQUAL(t.key_usage_period.months, 4);
	CU_ASSERT_EQUAL(t.key_usage_period_max.months, 6);
	CU_ASSERT_EQUAL(t.validity.years, 5);
	CU_ASSERT_EQUAL(t.validity.months, 4);
	CU_ASSERT_EQUAL(t.key.rsa_bits, 3072);
	/* 3 months can be 89 days: 90d exceeds 3m, 89d does not */
	expect_error(make_tmpl_from(ds_lines, "private_key_usage_period",
	    "private_key_usage_period = 90d", NULL), CLV_E_TEMPLATE, 6, "exceeds 3m");
	if (load_ok(make_tmpl_from(ds_lines, "private_key_usage_period",
	    "private_key_usage_period = 89d", NULL), &t) != 0)
		return;
	CU_ASSERT_EQUAL(t.key_usage_period.days, 89);
}

static void
expect_ds_error(const char *key, const char *line, const char *extra, unsigned at,
    const char *want)
{
	expect_error(make_tmpl_from(ds_lines, key, line, extra), CLV_E_TEMPLATE, at, want);
}

static void
test_ds_refusals(void)
{
	/* DocumentTypeList m */
	expect_ds_error("ext.document_types", NULL, NULL, 1,
	    "profile: ds needs ext.document_types");
	expect_ds_error("ext.document_types", "ext.document_types = p", NULL, 14,
	    "ext.document_types: expected document types of 1 or 2 upper-case letters");
	expect_ds_error("ext.document_types", "ext.document_types = PPP", NULL, 14,
	    "got 'PPP'");
	expect_ds_error("ext.document_types", "ext.document_types = P<", NULL, 14,
	    "got 'P<'");
	expect_ds_error("ext.document_types", "ext.document_types = P, ID, P", NULL, 14,
	    "'P' given twice");
	expect_ds_error("ext.document_types", "ext.document_types = P,,ID", NULL, 14, "empty");
	/* ExtendedKeyUsage and BasicConstraints x */
	expect_ds_error(NULL, NULL, "ext.extended_key_usage = critical, 2.23.136.1.1.3\n", 15,
	    "ext.extended_key_usage: not allowed with profile = ds (line 1): "
	    "Doc 9303-12 Table 6 forbids ExtendedKeyUsage");
	expect_ds_error(NULL, NULL, "ext.basic_constraints = critical, ca, pathlen:0\n", 15,
	    "ext.basic_constraints: not allowed with profile = ds (line 1)");
	/* PrivateKeyUsagePeriod m, at most 3m unless ds.max_usage_period allows more */
	expect_ds_error("private_key_usage_period", "private_key_usage_period = 3m1d", NULL, 6,
	    "private_key_usage_period: 3m1d exceeds 3m, the usage period Doc 9303-12 "
	    "recommends");
	expect_ds_error("private_key_usage_period", "private_key_usage_period = 1y", NULL, 6,
	    "1y exceeds 3m");
	expect_ds_error("private_key_usage_period", "private_key_usage_period = 4m",
	    "ds.max_usage_period = 2m\n", 6,
	    "private_key_usage_period: 4m exceeds ds.max_usage_period 2m (line 15)");
	expect_ds_error("private_key_usage_period", NULL, NULL, 1,
	    "profile: ds needs private_key_usage_period");
	expect_ds_error("document_validity", NULL, NULL, 1, "profile: ds needs document_validity");
	expect_ds_error("document_validity", "document_validity = 10", NULL, 7,
	    "document_validity: expected a duration");
	/* the certificate's validity is computed, and must fit validity.max */
	expect_ds_error(NULL, NULL, "validity = 10y3m\n", 15,
	    "validity: not allowed with profile = ds (line 1)");
	expect_ds_error("validity.max", "validity.max = 10y", NULL, 8,
	    "validity.max: 10y is shorter than private_key_usage_period 3m (line 6) + "
	    "document_validity 10y (line 7)");
	/* the subject is the request's */
	expect_ds_error(NULL, NULL, "subject.common_name = DS Utopia\n", 15,
	    "subject.common_name: not allowed with profile = ds (line 1): a Document "
	    "Signer's subject comes from its request");
	expect_ds_error(NULL, NULL, "subject.organization = Utopia\n", 15, "not allowed");
	/* KeyUsage m/c digitalSignature; AKI, SAN, IAN, CRL DP m */
	expect_ds_error("ext.key_usage", "ext.key_usage = critical, digitalSignature, "
	    "nonRepudiation", NULL, 9, "needs exactly 'critical, digitalSignature'");
	expect_ds_error("ext.key_usage", NULL, NULL, 1, "ds needs ext.key_usage");
	expect_ds_error("ext.authority_key_identifier", NULL, NULL, 1,
	    "ds needs ext.authority_key_identifier = yes");
	expect_ds_error("ext.authority_key_identifier", "ext.authority_key_identifier = no",
	    NULL, 10, "ext.authority_key_identifier: ds needs");
	expect_ds_error("ext.issuer_alt_name", NULL, NULL, 1, "ext.issuer_alt_name");
	expect_ds_error("ext.crl_distribution_points", NULL, NULL, 1,
	    "ds needs ext.crl_distribution_points");
	expect_ds_error(NULL, NULL, "crl.next_update = 30d\n", 15, "signs no CRLs");
	/* the country policy as for a CSCA */
	expect_ds_error("subject.country", "subject.country = ut", NULL, 2, "must be upper case");
	/* the ds keys belong to ds only */
	expect_signer_error(NULL, NULL, "ext.document_types = P\n", 11,
	    "ext.document_types: only with profile = ds, not mls (line 1)");
	expect_tmpl_error(NULL, NULL, "document_validity = 10y\n", 9,
	    "document_validity: only with profile = ds, not csca (line 1)");
	expect_tmpl_error(NULL, NULL, "ds.max_usage_period = 3m\n", 9, "only with profile = ds");
	/* a CSCA still needs its common name and validity */
	expect_tmpl_error("subject.common_name", NULL, NULL, 0,
	    "missing required key 'subject.common_name'");
	expect_tmpl_error("validity", NULL, NULL, 0, "missing required key 'validity'");
}

/* ---- durations ----------------------------------------------------------- */

static time_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

static void
test_duration_parse(void)
{
	static const struct {
		const char *s;
		int y, m, d;
	} good[] = {
		{ "15y3m", 15, 3, 0 }, { "90d", 0, 0, 90 }, { "3y", 3, 0, 0 },
		{ "1y2m3d", 1, 2, 3 }, { "10y45d", 10, 0, 45 }, { "0d", 0, 0, 0 },
		{ "007m", 0, 7, 0 }, { "99999d", 0, 0, 99999 }, { NULL, 0, 0, 0 },
	};
	static const char *const bad[] = {
		"", "y", "3", "3m2y", "3y3y", "1d1m", "-1d", "+1d", "3w", "3 y", " 3y",
		"3y ", "3Y", "100000d", "1y2", "1.5y", NULL,
	};
	clv_duration_t d;
	size_t i;

	for (i = 0; good[i].s != NULL; i++) {
		CU_ASSERT_EQUAL(clv_duration_parse(good[i].s, &d), 0);
		CU_ASSERT_EQUAL(d.years, good[i].y);
		CU_ASSERT_EQUAL(d.months, good[i].m);
		CU_ASSERT_EQUAL(d.days, good[i].d);
	}
	for (i = 0; bad[i] != NULL; i++) {
		d.years = 7;
		if (clv_duration_parse(bad[i], &d) != CLV_E_FORMAT)
			fprintf(stderr, "\n  '%s' parsed\n", bad[i]);
		CU_ASSERT_EQUAL(clv_duration_parse(bad[i], &d), CLV_E_FORMAT);
		CU_ASSERT(clv_duration_is_zero(&d));
	}
	CU_ASSERT_EQUAL(clv_duration_parse(NULL, &d), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_duration_parse("1y", NULL), CLV_E_INVALID_ARG);
}

static void
test_duration_add(void)
{
	static const struct {
		int y, mo, d;           /* start, 12:34:56 UTC */
		const char *dur;
		int ey, emo, ed;        /* expected end, same time of day */
	} cases[] = {
		{ 2024, 1, 31, "1m", 2024, 2, 29 },     /* leap year: clamp to Feb 29 */
		{ 2023, 1, 31, "1m", 2023, 2, 28 },     /* clamp to Feb 28 */
		{ 2100, 1, 31, "1m", 2100, 2, 28 },     /* 2100 is not a leap year */
		{ 2000, 1, 31, "1m", 2000, 2, 29 },     /* 2000 is */
		{ 2024, 2, 29, "1y", 2025, 2, 28 },
		{ 2024, 2, 29, "4y", 2028, 2, 29 },
		{ 2025, 3, 31, "1m", 2025, 4, 30 },
		{ 2025, 1, 31, "1m1d", 2025, 3, 1 },    /* clamp first, then days */
		{ 2025, 12, 15, "1m", 2026, 1, 15 },    /* into the next year */
		{ 2025, 11, 30, "3m", 2026, 2, 28 },
		{ 2025, 1, 1, "90d", 2025, 4, 1 },
		{ 2024, 1, 1, "90d", 2024, 3, 31 },
		{ 2026, 1, 31, "15y3m", 2041, 4, 30 },
		{ 2026, 8, 31, "15y6m", 2042, 2, 28 },
		{ 2025, 6, 15, "0d", 2025, 6, 15 },
		{ 2025, 12, 31, "1d", 2026, 1, 1 },
		{ 0, 0, 0, NULL, 0, 0, 0 },
	};
	clv_duration_t d;
	time_t got, want;
	size_t i;

	for (i = 0; cases[i].dur != NULL; i++) {
		CU_ASSERT_EQUAL_FATAL(clv_duration_parse(cases[i].dur, &d), 0);
		got = clv_duration_add(utc(cases[i].y, cases[i].mo, cases[i].d, 12, 34, 56),
		    &d);
		want = utc(cases[i].ey, cases[i].emo, cases[i].ed, 12, 34, 56);
		if (got != want)
			fprintf(stderr, "\n  %04d-%02d-%02d + %s: got %lld, want %lld\n",
			    cases[i].y, cases[i].mo, cases[i].d, cases[i].dur,
			    (long long)got, (long long)want);
		CU_ASSERT_EQUAL(got, want);
	}
	d.years = -1;
	d.months = d.days = 0;
	CU_ASSERT_EQUAL(clv_duration_add(utc(2025, 1, 1, 0, 0, 0), &d), (time_t)-1);
}

static void
test_duration_compare(void)
{
	static const struct {
		const char *a, *b;
		int exceeds;
	} cases[] = {
		{ "15y", "15y3m", 0 }, { "15y3m", "15y3m", 0 }, { "15y3m", "15y", 1 },
		{ "15y3m1d", "15y3m", 1 }, { "366d", "1y", 1 }, { "365d", "1y", 0 },
		{ "1y", "365d", 1 }, { "1y", "366d", 0 }, { "3m", "90d", 1 },
		{ "89d", "3m", 0 }, { "90d", "3m", 1 }, { "2m", "90d", 0 },
		{ "5478d", "15y", 0 }, { "5479d", "15y", 1 }, { "1m", "28d", 1 },
		{ "1m", "31d", 0 }, { NULL, NULL, 0 },
	};
	clv_duration_t a, b;
	size_t i;

	for (i = 0; cases[i].a != NULL; i++) {
		CU_ASSERT_EQUAL_FATAL(clv_duration_parse(cases[i].a, &a), 0);
		CU_ASSERT_EQUAL_FATAL(clv_duration_parse(cases[i].b, &b), 0);
		if (clv_duration_exceeds(&a, &b) != cases[i].exceeds)
			fprintf(stderr, "\n  %s exceeds %s: expected %d\n", cases[i].a,
			    cases[i].b, cases[i].exceeds);
		CU_ASSERT_EQUAL(clv_duration_exceeds(&a, &b), cases[i].exceeds);
	}
	CU_ASSERT(clv_duration_is_zero(NULL));
	CU_ASSERT_EQUAL(clv_duration_parse("0y0m0d", &a), 0);
	CU_ASSERT(clv_duration_is_zero(&a));
	CU_ASSERT_EQUAL(clv_duration_parse("1d", &a), 0);
	CU_ASSERT(!clv_duration_is_zero(&a));
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "EC fixture fills every field", test_ec_fixture },
		{ "RSA fixture and defaults", test_rsa_fixture },
		{ "defaults of the smallest template", test_defaults },
		{ "unknown key", test_unknown_key },
		{ "duplicate key names both lines", test_duplicate_key },
		{ "country code upper case", test_country },
		{ "bad curve lists the curves", test_bad_curve },
		{ "validity exceeds validity.max", test_validity_exceeds_max },
		{ "validity in days against years", test_validity_in_days },
		{ "missing required key", test_missing_required },
		{ "crl.next_update at most 90d", test_crl_next_update },
		{ "bad durations", test_bad_duration },
		{ "curve on an rsa template", test_curve_with_rsa },
		{ "key algorithm consistency", test_algorithm_consistency },
		{ "bad values of every other key", test_bad_values },
		{ "file errors", test_file_errors },
		{ "shipped mls and dls templates", test_shipped_signer_templates },
		{ "smallest signer templates", test_smallest_signer_templates },
		{ "signer profiles: BC, KU, EKU refused with file:line",
		    test_signer_refusals },
		{ "shipped ds template", test_shipped_ds_template },
		{ "shipped cvca and dv templates", test_shipped_cv_templates },
		{ "cvca and dv template errors", test_cv_template_errors },
		{ "smallest ds template, several types, longer usage period",
		    test_smallest_ds_template },
		{ "ds profile refusals with file:line", test_ds_refusals },
		{ "duration parse", test_duration_parse },
		{ "duration add: month ends and leap years", test_duration_add },
		{ "duration compare", test_duration_compare },
		{ NULL, NULL },
	};
	int r;

	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/clv-test-tmpl-XXXXXX");
	if (mkdtemp(tmp_dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(tmp_path, sizeof(tmp_path), "%s/t.tmpl", tmp_dir);
	r = clv_unit_run("template", tests);
	unlink(tmp_path);
	rmdir(tmp_dir);
	return r;
}
