/* Unit tests: the line format lexer (conf.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "unit.h"

static clv_conf_t *
parse_ok(const char *text)
{
	clv_conf_t *c = NULL;
	clv_diag_t d = { "" };
	int r = clv_conf_parse("t.conf", text, strlen(text), &c, &d);

	if (r != 0)
		fprintf(stderr, "unexpected error %d: %s\n", r, d.msg);
	CU_ASSERT_EQUAL(r, 0);
	return c;
}

/* Parses text (len bytes) expecting CLV_E_FORMAT with diag starting "t.conf:LINE:"
 * and containing want (if not NULL). */
static void
expect_error(const char *text, size_t len, unsigned line, const char *want)
{
	clv_conf_t *c = (clv_conf_t *)1;
	clv_diag_t d = { "" };
	char prefix[32];
	int r = clv_conf_parse("t.conf", text, len, &c, &d);

	snprintf(prefix, sizeof(prefix), "t.conf:%u:", line);
	CU_ASSERT_EQUAL(r, CLV_E_FORMAT);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_EQUAL(strncmp(d.msg, prefix, strlen(prefix)), 0);
	if (want != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, want));
	if (strncmp(d.msg, prefix, strlen(prefix)) != 0 ||
	    (want != NULL && strstr(d.msg, want) == NULL))
		fprintf(stderr, "diag '%s', expected '%s' and '%s'\n", d.msg, prefix,
		    want != NULL ? want : "");
}

static void
test_sections_and_entries(void)
{
	static const char text[] =
	    "# a comment\n"                     /* 1 */
	    "top = level\n"                     /* 2 */
	    "\n"                                /* 3 */
	    "   # indented comment\n"           /* 4 */
	    "[ceremony]\n"                      /* 5 */
	    "name = csca-init\n"                /* 6 */
	    "\ttitle   =   Step #3 of 4  \t\n"  /* 7 */
	    "[step gen-key]\n"                  /* 8 */
	    "key=csca\n"                        /* 9 */
	    "empty =\n"                         /* 10 */
	    "[ step  other ]\n"                 /* 11 */
	    "key = other\n";                    /* 12 */
	clv_conf_t *c = parse_ok(text);

	if (c == NULL)
		return;
	CU_ASSERT_STRING_EQUAL(c->path, "t.conf");
	CU_ASSERT_EQUAL_FATAL(c->n_sections, 4);
	CU_ASSERT_STRING_EQUAL(c->sections[0].name, "");
	CU_ASSERT_STRING_EQUAL(c->sections[0].arg, "");
	CU_ASSERT_EQUAL_FATAL(c->sections[0].n_entries, 1);
	CU_ASSERT_STRING_EQUAL(c->sections[0].entries[0].key, "top");
	CU_ASSERT_STRING_EQUAL(c->sections[0].entries[0].value, "level");
	CU_ASSERT_EQUAL(c->sections[0].entries[0].line, 2);

	CU_ASSERT_STRING_EQUAL(c->sections[1].name, "ceremony");
	CU_ASSERT_STRING_EQUAL(c->sections[1].arg, "");
	CU_ASSERT_EQUAL(c->sections[1].line, 5);
	CU_ASSERT_EQUAL_FATAL(c->sections[1].n_entries, 2);
	CU_ASSERT_STRING_EQUAL(c->sections[1].entries[1].key, "title");
	CU_ASSERT_STRING_EQUAL(c->sections[1].entries[1].value, "Step #3 of 4");
	CU_ASSERT_EQUAL(c->sections[1].entries[1].line, 7);

	CU_ASSERT_STRING_EQUAL(c->sections[2].name, "step");
	CU_ASSERT_STRING_EQUAL(c->sections[2].arg, "gen-key");
	CU_ASSERT_EQUAL(c->sections[2].line, 8);
	CU_ASSERT_EQUAL_FATAL(c->sections[2].n_entries, 2);
	CU_ASSERT_STRING_EQUAL(c->sections[2].entries[0].value, "csca");
	CU_ASSERT_STRING_EQUAL(c->sections[2].entries[1].key, "empty");
	CU_ASSERT_STRING_EQUAL(c->sections[2].entries[1].value, "");

	/* same name, other argument; same key in another section */
	CU_ASSERT_STRING_EQUAL(c->sections[3].name, "step");
	CU_ASSERT_STRING_EQUAL(c->sections[3].arg, "other");
	CU_ASSERT_EQUAL_FATAL(c->sections[3].n_entries, 1);
	CU_ASSERT_STRING_EQUAL(c->sections[3].entries[0].value, "other");
	CU_ASSERT_EQUAL(c->sections[3].entries[0].line, 12);
	clv_conf_free(c);
}

static void
test_no_root_entries(void)
{
	clv_conf_t *c = parse_ok("");

	if (c == NULL)
		return;
	CU_ASSERT_EQUAL(c->n_sections, 1);
	CU_ASSERT_EQUAL(c->sections[0].n_entries, 0);
	clv_conf_free(c);
}

static void
test_quoting(void)
{
	static const char text[] =
	    "a = \"  padded  \"\n"
	    "b = \"say \\\"hi\\\" \\\\ done\"   \n"
	    "c = \"\"\n"
	    "d = \"# not a comment\"\n"
	    "e = unquoted \"inner\" quotes\n"
	    "f = \"a = b\"\n";
	clv_conf_t *c = parse_ok(text);
	clv_conf_section_t *s;

	if (c == NULL)
		return;
	s = &c->sections[0];
	CU_ASSERT_EQUAL_FATAL(s->n_entries, 6);
	CU_ASSERT_STRING_EQUAL(s->entries[0].value, "  padded  ");
	CU_ASSERT_STRING_EQUAL(s->entries[1].value, "say \"hi\" \\ done");
	CU_ASSERT_STRING_EQUAL(s->entries[2].value, "");
	CU_ASSERT_STRING_EQUAL(s->entries[3].value, "# not a comment");
	CU_ASSERT_STRING_EQUAL(s->entries[4].value, "unquoted \"inner\" quotes");
	CU_ASSERT_STRING_EQUAL(s->entries[5].value, "a = b");
	clv_conf_free(c);
}

static void
test_quoting_errors(void)
{
	static const char unterminated[] = "a = 1\nb = \"open\n";
	static const char bad_escape[] = "a = \"x\\ny\"\n";
	static const char after_quote[] = "\n\na = \"x\" y\n";

	expect_error(unterminated, strlen(unterminated), 2, "unterminated");
	expect_error(bad_escape, strlen(bad_escape), 1, "escape");
	expect_error(after_quote, strlen(after_quote), 3, "after the closing quote");
}

static void
test_crlf_and_bom(void)
{
	static const char text[] = "\xef\xbb\xbf" "a = 1\r\n[s x]\r\nb = \"two\"\r\n";
	clv_conf_t *c = parse_ok(text);

	if (c == NULL)
		return;
	CU_ASSERT_EQUAL_FATAL(c->n_sections, 2);
	CU_ASSERT_STRING_EQUAL(c->sections[0].entries[0].key, "a");
	CU_ASSERT_STRING_EQUAL(c->sections[0].entries[0].value, "1");
	CU_ASSERT_STRING_EQUAL(c->sections[1].arg, "x");
	CU_ASSERT_STRING_EQUAL(c->sections[1].entries[0].value, "two");
	CU_ASSERT_EQUAL(c->sections[1].entries[0].line, 3);
	clv_conf_free(c);
}

static void
test_utf8(void)
{
	static const char ok[] = "title = Z\xc3\xbcrich \xe2\x82\xac \xf0\x9f\x94\x91\n";
	static const char bad_byte[] = "a = 1\nb = caf\xe9\n";
	static const char overlong[] = "a = \xc0\x80\n";
	static const char surrogate[] = "a = 1\n\nb = \xed\xa0\x80\n";
	static const char truncated[] = "a = \xe2\x82";
	clv_conf_t *c = parse_ok(ok);

	if (c != NULL) {
		CU_ASSERT_STRING_EQUAL(c->sections[0].entries[0].value,
		    "Z\xc3\xbcrich \xe2\x82\xac \xf0\x9f\x94\x91");
		clv_conf_free(c);
	}
	expect_error(bad_byte, strlen(bad_byte), 2, "UTF-8");
	expect_error(overlong, strlen(overlong), 1, "UTF-8");
	expect_error(surrogate, strlen(surrogate), 3, "UTF-8");
	expect_error(truncated, strlen(truncated), 1, "UTF-8");
}

static void
test_nul_and_control(void)
{
	static const char nul[] = "a = 1\nb = x\0y\n";
	static const char esc[] = "a = \x1b[31m\n";
	static const char lone_cr[] = "a = 1\rb = 2\n";

	expect_error(nul, sizeof(nul) - 1, 2, "NUL");
	expect_error(esc, strlen(esc), 1, "control character 0x1b");
	expect_error(lone_cr, strlen(lone_cr), 1, "control character 0x0d");
}

static void
test_line_length(void)
{
	char *text;
	clv_conf_t *c = NULL;
	size_t n;

	/* "a = " + value: exactly 4096 bytes is fine, 4097 is not */
	n = 4096;
	text = malloc(2 * n + 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	memcpy(text, "a = ", 4);
	memset(text + 4, 'x', n - 4);
	text[n] = '\n';
	text[n + 1] = '\0';
	c = parse_ok(text);
	if (c != NULL)
		CU_ASSERT_EQUAL(strlen(c->sections[0].entries[0].value), n - 4);
	clv_conf_free(c);

	memcpy(text, "# c\nb = ", 8);
	memset(text + 8, 'y', n - 3);
	text[n + 5] = '\n';
	expect_error(text, n + 6, 2, "4096");
	free(text);
}

static void
test_duplicates(void)
{
	static const char dup_key[] =
	    "[s]\n"
	    "a = 1\n"
	    "b = 2\n"
	    "a = 3\n";
	static const char dup_section[] =
	    "[step one]\n"
	    "a = 1\n"
	    "[step two]\n"
	    "[step one]\n";
	static const char dup_plain[] = "[roles]\n[x]\n[roles]\n";

	expect_error(dup_key, strlen(dup_key), 4, "line 2");
	expect_error(dup_key, strlen(dup_key), 4, "'a'");
	expect_error(dup_section, strlen(dup_section), 4, "line 1");
	expect_error(dup_section, strlen(dup_section), 4, "[step one]");
	expect_error(dup_plain, strlen(dup_plain), 3, "line 1");
}

static void
test_syntax_errors(void)
{
	static const struct {
		const char *text;
		unsigned line;
	} cases[] = {
		{ "a = 1\njust words\n", 2 },
		{ "= value\n", 1 },
		{ "1key = v\n", 1 },
		{ "key: v\n", 1 },
		{ "[open\n", 1 },
		{ "a = 1\n[]\n", 2 },
		{ "[a b c]\n", 1 },
		{ "[a] trailing\n", 1 },
		{ "[a \"q\"]\n", 1 },
		{ "[1a]\n", 1 },
		{ NULL, 0 },
	};
	size_t i;

	for (i = 0; cases[i].text != NULL; i++)
		expect_error(cases[i].text, strlen(cases[i].text), cases[i].line, NULL);
}

static void
test_get_and_unused(void)
{
	static const char text[] =
	    "[s]\n"
	    "known = 1\n"
	    "[t x]\n"
	    "other = 2\n"
	    "typo = 3\n";
	clv_conf_t *c = parse_ok(text);
	clv_conf_entry_t *e;
	clv_diag_t d = { "" };

	if (c == NULL)
		return;
	CU_ASSERT_PTR_NULL(clv_conf_get(&c->sections[1], "missing"));
	CU_ASSERT_PTR_NULL(clv_conf_get(NULL, "known"));
	e = clv_conf_get(&c->sections[1], "known");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->value, "1");
	CU_ASSERT_EQUAL(e->used, 1);
	CU_ASSERT_PTR_NOT_NULL(clv_conf_get(&c->sections[2], "other"));
	CU_ASSERT_EQUAL(clv_conf_check_unused(c, CLV_E_SCRIPT, &d), CLV_E_SCRIPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "t.conf:5: unknown key 'typo'"));
	CU_ASSERT_PTR_NOT_NULL(clv_conf_get(&c->sections[2], "typo"));
	CU_ASSERT_EQUAL(clv_conf_check_unused(c, CLV_E_SCRIPT, &d), 0);
	clv_conf_free(c);
	clv_conf_free(NULL);
}

static void
test_load(void)
{
	char dir[] = "/tmp/clv-test-conf-XXXXXX", path[64];
	clv_conf_t *c = NULL;
	clv_diag_t d = { "" };
	FILE *f;
	long i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	CU_ASSERT_EQUAL(clv_conf_load(path, &c, &d), CLV_E_FILE_NOT_FOUND);
	CU_ASSERT_PTR_NULL(c);

	snprintf(path, sizeof(path), "%s/ok.conf", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("# x\n[s]\nk = v\nk = w\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(clv_conf_load(path, &c, &d), CLV_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, ":4:"));
	unlink(path);

	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("[s]\nk = v\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(clv_conf_load(path, &c, &d), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->path, path);
	CU_ASSERT_STRING_EQUAL(c->sections[1].entries[0].value, "v");
	clv_conf_free(c);
	c = NULL;
	unlink(path);

	/* more than 1 MiB of comments */
	snprintf(path, sizeof(path), "%s/big.conf", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (i = 0; i < 1024 * 1024 / 32; i++)
		fprintf(f, "# %060ld\n", i);
	fclose(f);
	CU_ASSERT_NOT_EQUAL(clv_conf_load(path, &c, &d), 0);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, path));
	unlink(path);
	rmdir(dir);
}

static void
test_parse_size_limit(void)
{
	size_t n = 1024 * 1024 + 1;
	char *text = malloc(n);
	clv_conf_t *c = NULL;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (i = 0; i < n; i++)
		text[i] = (i % 64 == 63) ? '\n' : '#';
	CU_ASSERT_EQUAL(clv_conf_parse("t.conf", text, n, &c, NULL), CLV_E_FORMAT);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_EQUAL(clv_conf_parse("t.conf", text, n - 1, &c, NULL), 0);
	clv_conf_free(c);
	free(text);
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "sections and entries with lines", test_sections_and_entries },
		{ "empty input has only the root section", test_no_root_entries },
		{ "quoted values and escapes", test_quoting },
		{ "quoting errors", test_quoting_errors },
		{ "CRLF line ends and byte order mark", test_crlf_and_bom },
		{ "UTF-8 accepted, invalid UTF-8 refused", test_utf8 },
		{ "NUL and control characters refused", test_nul_and_control },
		{ "lines up to 4096 bytes", test_line_length },
		{ "duplicate key and section name both lines", test_duplicates },
		{ "malformed lines", test_syntax_errors },
		{ "get marks used, check_unused names the rest", test_get_and_unused },
		{ "load from file", test_load },
		{ "1 MiB limit", test_parse_size_limit },
		{ NULL, NULL },
	};
	return clv_unit_run("conf", tests);
}
