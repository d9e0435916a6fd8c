/* Unit tests: ceremony scripts (script.c). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "script.h"
#include "unit.h"

static char tmp_dir[64];
static char tmp_path[128];

/* The head of every generated script: ceremony, roles (lines 1-6) and the
 * check-token and login steps keys need (lines 7-12); steps start at 13. */
static const char head[] =
    "[ceremony]\n"                  /* 1 */
    "name = t\n"                    /* 2 */
    "title = T\n"                   /* 3 */
    "[roles]\n"                     /* 4 */
    "officer = 1\n"                 /* 5 */
    "witness = 1\n";                /* 6 */
static const char prefix[] =
    "[ceremony]\n"                  /* 1 */
    "name = t\n"                    /* 2 */
    "title = T\n"                   /* 3 */
    "[roles]\n"                     /* 4 */
    "officer = 1\n"                 /* 5 */
    "witness = 1\n"                 /* 6 */
    "[step prefix-check]\n"         /* 7 */
    "action = check-token\n"        /* 8 */
    "title = C\n"                   /* 9 */
    "[step prefix-login]\n"         /* 10 */
    "action = login\n"              /* 11 */
    "title = L\n";                  /* 12 */

/* A generate-key step of 5 lines generating key k. */
#define GEN(id, key) \
    "[step " id "]\naction = generate-key\ntitle = G\nkey = " key "\ntemplate = t.tmpl\n"
/* An issue-self-signed step of 6 lines. */
#define SELF(id, key, out) \
    "[step " id "]\naction = issue-self-signed\ntitle = S\nkey = " key "\n" \
    "template = t.tmpl\noutput = " out "\n"

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

static void
write_script(const char *first, const char *steps)
{
	FILE *f = fopen(tmp_path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(first, f);
	fputs(steps, f);
	fclose(f);
}

/* Loads path expecting code and a diag starting "path:line: " (line 0:
 * "path: ") that contains want. */
static void
expect_error_at(const char *path, int code, unsigned line, const char *want)
{
	clv_script_t *s = (clv_script_t *)1;
	clv_diag_t d = { "" };
	char pre[192];
	int r = clv_script_load(path, &s, &d), ok;

	if (line > 0)
		snprintf(pre, sizeof(pre), "%s:%u: ", path, line);
	else
		snprintf(pre, sizeof(pre), "%s: ", path);
	ok = r == code && strncmp(d.msg, pre, strlen(pre)) == 0 &&
	    (want == NULL || strstr(d.msg, want) != NULL);
	if (!ok)
		fprintf(stderr, "\n  got %d '%s'\n  expected %d '%s...%s'\n", r, d.msg, code,
		    pre, want != NULL ? want : "");
	CU_ASSERT(ok);
	CU_ASSERT_PTR_NULL(s);
}

/* The prefix, then steps; expects CLV_E_SCRIPT at line. */
static void
expect_steps_error(const char *steps, unsigned line, const char *want)
{
	write_script(prefix, steps);
	expect_error_at(tmp_path, CLV_E_SCRIPT, line, want);
}

static clv_script_t *
load_ok(const char *path)
{
	clv_script_t *s = NULL;
	clv_diag_t d = { "" };
	int r = clv_script_load(path, &s, &d);

	if (r != 0)
		fprintf(stderr, "\n  unexpected %d: %s\n", r, d.msg);
	CU_ASSERT_EQUAL(r, 0);
	return s;
}

static void
test_fixture(void)
{
	static const struct {
		const char *id;
		clv_action_t action;
		const char *confirm;
		size_t n_params;
		unsigned line;
	} want[] = {
		{ "check", CLV_ACT_CHECK_TOKEN, "", 0, 13 },
		{ "login", CLV_ACT_LOGIN, "officer", 0, 17 },
		{ "keygen", CLV_ACT_GENERATE_KEY, "officer", 3, 22 },
		{ "certificate", CLV_ACT_ISSUE_SELF_SIGNED, "officer", 4, 30 },
		{ "first-crl", CLV_ACT_ISSUE_CRL, "", 4, 39 },
		{ "fingerprints", CLV_ACT_SHOW_FINGERPRINTS, "", 0, 47 },
		/* a witness-ack is confirmed by its role (default witness) */
		{ "ack", CLV_ACT_WITNESS_ACK, "witness", 0, 51 },
		{ "admin-ack", CLV_ACT_WITNESS_ACK, "administrator", 1, 55 },
		{ "logout", CLV_ACT_LOGOUT, "", 0, 60 },
	};
	char path[512], dir[512];
	clv_script_t *s;
	const clv_script_step_t *st;
	size_t i;

	s = load_ok(data_path("scripts/csca-init.ceremony", path, sizeof(path)));
	if (s == NULL)
		return;
	data_path("scripts", dir, sizeof(dir));
	CU_ASSERT_STRING_EQUAL(s->path, path);
	CU_ASSERT_STRING_EQUAL(s->dir, dir);
	CU_ASSERT_STRING_EQUAL(s->name, "csca-init");
	CU_ASSERT_STRING_EQUAL(s->title, "Utopia CSCA: initial key and certificate");
	CU_ASSERT_EQUAL_FATAL(s->n_roles, 3);
	CU_ASSERT_STRING_EQUAL(s->roles[0].name, "administrator");
	CU_ASSERT_EQUAL(s->roles[0].min, 1);
	CU_ASSERT_STRING_EQUAL(s->roles[1].name, "officer");
	CU_ASSERT_EQUAL(s->roles[1].min, 2);
	CU_ASSERT_STRING_EQUAL(s->roles[2].name, "witness");
	CU_ASSERT_EQUAL(s->roles[2].min, 1);

	CU_ASSERT_EQUAL_FATAL(s->n_steps, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < s->n_steps; i++) {
		st = &s->steps[i];
		CU_ASSERT_STRING_EQUAL(st->id, want[i].id);
		CU_ASSERT_EQUAL(st->action, want[i].action);
		CU_ASSERT_STRING_EQUAL(st->confirm, want[i].confirm);
		CU_ASSERT_EQUAL(st->n_params, want[i].n_params);
		CU_ASSERT_EQUAL(st->line, want[i].line);
		CU_ASSERT(st->title[0] != '\0');
	}
	st = &s->steps[2];
	CU_ASSERT_STRING_EQUAL(st->title, "Generate the CSCA key pair");
	CU_ASSERT_STRING_EQUAL(clv_script_param(st, "key"), "csca-2026");
	CU_ASSERT_STRING_EQUAL(clv_script_param(st, "template"), "csca-ec.tmpl");
	CU_ASSERT_STRING_EQUAL(clv_script_param(st, "label"), "UT CSCA 2026");
	CU_ASSERT_PTR_NULL(clv_script_param(st, "action"));
	CU_ASSERT_PTR_NULL(clv_script_param(st, "title"));
	CU_ASSERT_PTR_NULL(clv_script_param(st, "output"));
	CU_ASSERT_STRING_EQUAL(st->params[0].key, "key");
	CU_ASSERT_EQUAL(st->params[0].line, 26);
	st = &s->steps[3];
	CU_ASSERT_STRING_EQUAL(clv_script_param(st, "output"), "csca-2026");
	CU_ASSERT_STRING_EQUAL(clv_script_param(st, "validity"), "15y3m");
	st = &s->steps[4];
	CU_ASSERT_STRING_EQUAL(clv_script_param(st, "cert"), "csca-2026");
	CU_ASSERT_STRING_EQUAL(clv_script_param(st, "next_update"), "90d");
	CU_ASSERT_STRING_EQUAL(clv_script_param(&s->steps[7], "role"), "administrator");
	CU_ASSERT_PTR_NULL(clv_script_param(NULL, "key"));
	clv_script_free(s);
	clv_script_free(NULL);
}

static void
test_dir(void)
{
	char cwd[PATH_MAX];
	clv_script_t *s;

	write_script(head, "[step a]\naction = show-fingerprints\ntitle = F\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));
	CU_ASSERT_EQUAL_FATAL(chdir(tmp_dir), 0);
	s = load_ok("t.ceremony");
	if (s != NULL) {
		CU_ASSERT_STRING_EQUAL(s->dir, ".");
		CU_ASSERT_STRING_EQUAL(s->path, "t.ceremony");
		CU_ASSERT_EQUAL(s->n_steps, 1);
	}
	clv_script_free(s);
	CU_ASSERT_EQUAL(chdir(cwd), 0);
	s = load_ok(tmp_path);
	if (s != NULL)
		CU_ASSERT_STRING_EQUAL(s->dir, tmp_dir);
	clv_script_free(s);
}

static void
test_actions(void)
{
	static const char *const names[] = {
		"check-token", "login", "generate-key", "issue-self-signed", "issue-crl",
		"show-fingerprints", "witness-ack", "logout", NULL,
	};
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		CU_ASSERT_EQUAL(clv_action_by_name(names[i]), (clv_action_t)(i + 1));
		CU_ASSERT_STRING_EQUAL(clv_action_name((clv_action_t)(i + 1)), names[i]);
	}
	CU_ASSERT_EQUAL(clv_action_by_name("Login"), CLV_ACT_NONE);
	CU_ASSERT_EQUAL(clv_action_by_name("none"), CLV_ACT_NONE);
	CU_ASSERT_EQUAL(clv_action_by_name(NULL), CLV_ACT_NONE);
	CU_ASSERT_PTR_NOT_NULL(clv_action_name((clv_action_t)99));
}

static void
test_unknown_action(void)
{
	expect_steps_error("[step a]\naction = frobnicate\ntitle = x\n", 14,
	    "step 'a': unknown action 'frobnicate' (expected one of: check-token, login, "
	    "generate-key, issue-self-signed, issue-crl, show-fingerprints, witness-ack, "
	    "logout, init-token, quorum-login, reshare, clock-check, close-transcript, "
	    "issue-cert, sign-master-list, use-key, issue-ds, sign-deviation-list, issue-cvca, issue-cv-link, sign-dv-requests, issue-link, export-bundle)");
}

static void
test_unknown_parameter(void)
{
	char want[256];

	snprintf(want, sizeof(want), "%s:17: step 'gen': unknown parameter 'curve' for "
	    "action 'generate-key' (expected: key, template, label)", tmp_path);
	expect_steps_error("[step gen]\naction = generate-key\ntitle = G\nkey = k\n"
	    "curve = P-256\ntemplate = t.tmpl\n", 17, want);
	expect_steps_error("[step a]\naction = login\ntitle = L\nkey = k\n", 16,
	    "unknown parameter 'key' for action 'login' (expected: none)");
	expect_steps_error(GEN("gen", "k") "[step crl]\naction = issue-crl\ntitle = C\n"
	    "validity = 1y\n", 21,
	    "(expected: key, cert, output, next_update, revocations)");
}

static void
test_missing_parameter(void)
{
	expect_steps_error("[step gen]\naction = generate-key\ntitle = G\nkey = k\n", 13,
	    "step 'gen': action 'generate-key' needs parameter 'template'");
	expect_steps_error(GEN("gen", "k") "[step cert]\naction = issue-self-signed\n"
	    "title = S\nkey = k\ntemplate = t.tmpl\n", 18,
	    "action 'issue-self-signed' needs parameter 'output'");
	expect_steps_error("[step a]\ntitle = L\n", 13, "step 'a': missing required key 'action'");
	expect_steps_error("[step a]\naction = login\n", 13,
	    "step 'a': missing required key 'title'");
	expect_steps_error("[step a]\naction = login\ntitle =\n", 15, "title");
}

static void
test_confirm_role(void)
{
	expect_steps_error("[step a]\naction = login\ntitle = L\nconfirm = auditor\n", 16,
	    "step 'a': confirm role 'auditor' is not declared in [roles]");
}

static void
test_duplicate_step(void)
{
	expect_steps_error("[step a]\naction = login\ntitle = L\n"
	    "[step b]\naction = logout\ntitle = O\n"
	    "[step a]\naction = logout\ntitle = O\n", 19, "first at line 13");
}

static void
test_references(void)
{
	/* key never generated */
	expect_steps_error(SELF("cert", "k", "c"), 16,
	    "step 'cert': key 'k' is not generated by an earlier generate-key step");
	/* generated only later */
	expect_steps_error(SELF("cert", "k", "c") GEN("gen", "k"), 16, "key 'k'");
	/* generated twice */
	expect_steps_error(GEN("a", "k") GEN("b", "k"), 21,
	    "step 'b': key 'k' is already generated by step 'a' (line 13)");
	/* cert never issued */
	expect_steps_error(GEN("gen", "k") "[step crl]\naction = issue-crl\ntitle = C\n"
	    "key = k\ncert = c\noutput = crl\n", 22,
	    "step 'crl': cert 'c' is not the output of an earlier issue-self-signed, issue-cvca or use-key step");
	/* cert names a CRL, not a certificate */
	expect_steps_error(GEN("gen", "k") SELF("cert", "k", "c")
	    "[step crl]\naction = issue-crl\ntitle = C\nkey = k\ncert = c\noutput = crl\n"
	    "[step crl2]\naction = issue-crl\ntitle = C\nkey = k\ncert = crl\noutput = crl2\n",
	    34, "cert 'crl' is not the output");
	/* CRL signed with another key than the certificate's */
	expect_steps_error(GEN("gen", "k") GEN("gen2", "k2") SELF("cert", "k", "c")
	    "[step crl]\naction = issue-crl\ntitle = C\nkey = k2\ncert = c\noutput = crl\n",
	    33, "cert 'c' is issued with key 'k'");
	/* the same output twice */
	expect_steps_error(GEN("gen", "k") SELF("a", "k", "c") SELF("b", "k", "c"), 29,
	    "output 'c' is already written by step 'a' (line 18)");
	/* two keys with one HSM label */
	expect_steps_error(GEN("a", "k") GEN("b", "k2") "label = k\n", 23,
	    "label 'k' is already used by step 'a'");
}

static void
test_bad_output(void)
{
	static const char *const bad[] = { "../x", "a/b", ".hidden", "/abs", "a b", NULL };
	char steps[512];
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		snprintf(steps, sizeof(steps), GEN("gen", "k") SELF("cert", "k", "%s"), bad[i]);
		expect_steps_error(steps, 23, "output: expected a plain file name");
	}
	write_script(prefix, GEN("gen", "k") SELF("cert", "k", "ok-name_1.v2"));
	clv_script_free(load_ok(tmp_path));
}

static void
test_bad_values(void)
{
	expect_steps_error(GEN("gen", "k") SELF("cert", "k", "c") "validity = 15 years\n",
	    24, "validity: expected a duration");
	expect_steps_error(GEN("gen", "k") SELF("cert", "k", "c")
	    "[step crl]\naction = issue-crl\ntitle = C\nkey = k\ncert = c\noutput = crl\n"
	    "next_update = 91d\n", 30, "next_update: '91d' exceeds 90d");
	expect_steps_error("[step gen]\naction = generate-key\ntitle = G\nkey = ../k\n"
	    "template = t\n", 16, "key: expected a key name");
	expect_steps_error("[step w]\naction = witness-ack\ntitle = W\nrole = auditor\n", 16,
	    "step 'w': role 'auditor' is not declared in [roles]");
	expect_steps_error("[step Gen]\naction = login\ntitle = L\n", 13, "step id 'Gen'");
}

static void
test_step_order(void)
{
	write_script(head, GEN("gen", "k"));
	expect_error_at(tmp_path, CLV_E_SCRIPT, 7,
	    "step 'gen': generate-key needs a login step before it");
	write_script(head, "[step in]\naction = login\ntitle = L\n");
	expect_error_at(tmp_path, CLV_E_SCRIPT, 7,
	    "step 'in': login needs a check-token or init-token step before it");
	write_script(head, "[step out]\naction = logout\ntitle = O\n");
	expect_error_at(tmp_path, CLV_E_SCRIPT, 7, "logout needs a login step");
	expect_steps_error("[step in]\naction = login\ntitle = L\n", 13,
	    "step 'in': already logged in");
	expect_steps_error("[step out]\naction = logout\ntitle = O\n" GEN("gen", "k"), 16,
	    "step 'gen': generate-key needs a login step before it");
	/* logout, then a new login: fine */
	write_script(prefix, "[step out]\naction = logout\ntitle = O\n"
	    "[step in]\naction = login\ntitle = L\n" GEN("gen", "k"));
	clv_script_free(load_ok(tmp_path));
}

static void
test_witness_default_role(void)
{
	clv_script_t *s;

	write_script("[ceremony]\nname = t\ntitle = T\n[roles]\nofficer = 1\n",
	    "[step w]\naction = witness-ack\ntitle = W\n");
	expect_error_at(tmp_path, CLV_E_SCRIPT, 6,
	    "witness-ack without role= needs a 'witness' role");
	/* confirm= names the acknowledging role when role= is absent */
	write_script("[ceremony]\nname = t\ntitle = T\n[roles]\nofficer = 1\n",
	    "[step w]\naction = witness-ack\ntitle = W\nconfirm = officer\n");
	s = load_ok(tmp_path);
	if (s != NULL)
		CU_ASSERT_STRING_EQUAL(s->steps[0].confirm, "officer");
	clv_script_free(s);
	expect_steps_error("[step w]\naction = witness-ack\ntitle = W\nconfirm = officer\n"
	    "role = witness\n", 17, "role 'witness' differs from confirm 'officer'");
}

static void
test_structure_errors(void)
{
	static const char login[] = "[step a]\naction = login\ntitle = L\n";

	expect_steps_error("[stage a]\naction = login\ntitle = L\n", 13,
	    "unknown section [stage]");
	expect_steps_error("[step]\naction = login\ntitle = L\n", 13, "[step ID]");
	write_script(head, "");
	expect_error_at(tmp_path, CLV_E_SCRIPT, 0, "no [step ID] sections");
	write_script("owner = me\n", prefix);
	expect_error_at(tmp_path, CLV_E_SCRIPT, 1, "key 'owner' outside any section");
	write_script("[roles]\nofficer = 1\n", login);
	expect_error_at(tmp_path, CLV_E_SCRIPT, 0, "missing [ceremony] section");
	write_script("[ceremony]\nname = t\ntitle = T\n", login);
	expect_error_at(tmp_path, CLV_E_SCRIPT, 0, "missing [roles] section");
	write_script("[ceremony]\nname = T\ntitle = T\n[roles]\nofficer = 1\n", login);
	expect_error_at(tmp_path, CLV_E_SCRIPT, 2, "name: expected lower-case");
	write_script("[ceremony]\nname = t\ntitle = T\nversion = 2\n[roles]\nofficer = 1\n",
	    login);
	expect_error_at(tmp_path, CLV_E_SCRIPT, 4, "unknown key 'version'");
	write_script("[ceremony]\nname = t\n[roles]\nofficer = 1\n", login);
	expect_error_at(tmp_path, CLV_E_SCRIPT, 1, "missing required key 'title'");
	write_script("[ceremony]\nname = t\ntitle = T\n[roles]\nofficer = 0\n", login);
	expect_error_at(tmp_path, CLV_E_SCRIPT, 5, "1 to 16, got '0'");
	write_script("[ceremony]\nname = t\ntitle = T\n[roles]\nofficer = 17\n", login);
	expect_error_at(tmp_path, CLV_E_SCRIPT, 5, "1 to 16, got '17'");
	write_script("[ceremony]\nname = t\ntitle = T\n[roles]\nofficer = one\n", login);
	expect_error_at(tmp_path, CLV_E_SCRIPT, 5, "got 'one'");
	write_script("[ceremony]\nname = t\ntitle = T\n[roles]\nofficer_2 = 1\n", login);
	expect_error_at(tmp_path, CLV_E_SCRIPT, 5, "role 'officer_2'");
	write_script("[ceremony]\nname = t\ntitle = T\n[roles]\n", login);
	expect_error_at(tmp_path, CLV_E_SCRIPT, 4, "declares no role");
	/* lexer errors come back as script errors with file:line */
	expect_steps_error("[step a]\naction = login\ntitle = L\ntitle = M\n", 16,
	    "duplicate key 'title' (first given at line 15)");
}

static void
test_step_limit(void)
{
	char *steps;
	size_t i, n = 0, cap = 64 * 64;

	steps = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(steps);
	steps[0] = '\0';
	for (i = 0; i < CLV_SCRIPT_MAX_STEPS; i++)
		n += (size_t)snprintf(steps + n, cap - n, "[step s%zu]\naction = "
		    "show-fingerprints\ntitle = F\n", i);
	write_script(head, steps);
	clv_script_free(load_ok(tmp_path));
	snprintf(steps + n, cap - n, "[step last]\naction = logout\ntitle = O\n");
	/* step 65 begins at line 7 + 64 * 3 */
	write_script(head, steps);
	expect_error_at(tmp_path, CLV_E_SCRIPT, 7 + 3 * CLV_SCRIPT_MAX_STEPS,
	    "more than 64 steps");
	free(steps);
}

static void
test_file_errors(void)
{
	clv_script_t *s = (clv_script_t *)1;
	clv_diag_t d = { "" };
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/absent.ceremony", tmp_dir);
	CU_ASSERT_EQUAL(clv_script_load(path, &s, &d), CLV_E_FILE_NOT_FOUND);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, path));
	f = fopen(tmp_path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite("[ceremony]\nname = \0\n", 1, 20, f);
	fclose(f);
	expect_error_at(tmp_path, CLV_E_SCRIPT, 2, "NUL");
	CU_ASSERT_EQUAL(clv_script_load(NULL, &s, &d), CLV_E_INVALID_ARG);
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "fixture: roles, steps in order, parameters", test_fixture },
		{ "dir is the script's directory", test_dir },
		{ "action names", test_actions },
		{ "unknown action", test_unknown_action },
		{ "unknown parameter lists the expected ones", test_unknown_parameter },
		{ "missing required parameter", test_missing_parameter },
		{ "undeclared confirm role", test_confirm_role },
		{ "duplicate step id", test_duplicate_step },
		{ "references to keys, certificates, outputs", test_references },
		{ "output must be a plain basename", test_bad_output },
		{ "bad parameter values", test_bad_values },
		{ "token and login before keys", test_step_order },
		{ "witness-ack default role", test_witness_default_role },
		{ "sections, ceremony and roles errors", test_structure_errors },
		{ "at most 64 steps", test_step_limit },
		{ "file errors", test_file_errors },
		{ NULL, NULL },
	};
	int r;

	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/clv-test-script-XXXXXX");
	if (mkdtemp(tmp_dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(tmp_path, sizeof(tmp_path), "%s/t.ceremony", tmp_dir);
	r = clv_unit_run("script", tests);
	unlink(tmp_path);
	rmdir(tmp_dir);
	return r;
}
