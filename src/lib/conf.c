/*
 * The line format shared by templates, ceremony scripts and answers files
 * (see conf.h): comments, [section argument] headers, key = value entries.
 *
 * The lexer is strict on purpose: these files drive key ceremonies, so a
 * stray byte, a repeated key or an overlong line is an error naming file and
 * line, never something to guess about.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "util.h"

#define CONF_MAX_FILE (1024 * 1024)
#define CONF_MAX_LINE 4096

typedef struct conf_builder {
	clv_conf_t *c;
	size_t cap_sections;
	size_t cap_entries;         /* of the current (last) section */
} conf_builder_t;

static int
is_blank(int ch)
{
	return ch == ' ' || ch == '\t';
}

static int
is_name_char(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
}

static int
is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/*
 * Length of the well-formed UTF-8 sequence at p (at most n bytes), 0 if it
 * is not one: no overlong forms, no surrogates, nothing above U+10FFFF.
 */
static size_t
utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t need, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < need)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need;
}

/* Checks the raw bytes of one line (without its line end). */
static int
check_line_bytes(const char *path, unsigned line, const unsigned char *p, size_t n,
    clv_diag_t *diag)
{
	size_t i = 0, k;

	while (i < n) {
		if (p[i] == '\0')
			return clv_diag_set(diag, CLV_E_FORMAT,
			    "%s:%u: NUL byte at column %zu", path, line, i + 1);
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return clv_diag_set(diag, CLV_E_FORMAT,
			    "%s:%u: control character 0x%02x at column %zu",
			    path, line, p[i], i + 1);
		if ((k = utf8_seq_len(p + i, n - i)) == 0)
			return clv_diag_set(diag, CLV_E_FORMAT,
			    "%s:%u: invalid UTF-8 at column %zu", path, line, i + 1);
		i += k;
	}
	return 0;
}

static int
add_section(conf_builder_t *b, const char *name, size_t name_len, const char *arg,
    size_t arg_len, unsigned line)
{
	int r = CLV_E_INTERNAL;
	clv_conf_t *c = b->c;
	clv_conf_section_t *ns, *s;
	char *n = NULL, *a = NULL;
	size_t cap;

	if ((n = strndup(name, name_len)) == NULL ||
	    (a = strndup(arg, arg_len)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	if (c->n_sections == b->cap_sections) {
		cap = b->cap_sections == 0 ? 8 : b->cap_sections * 2;
		if ((ns = reallocarray(c->sections, cap, sizeof(*ns))) == NULL) {
			r = CLV_E_NOMEM;
			goto out;
		}
		c->sections = ns;
		b->cap_sections = cap;
	}
	s = &c->sections[c->n_sections++];
	memset(s, 0, sizeof(*s));
	s->name = n;
	s->arg = a;
	s->line = line;
	n = a = NULL;
	b->cap_entries = 0;
	r = 0;
out:
	free(n);
	free(a);
	return r;
}

static int
add_entry(conf_builder_t *b, const char *key, size_t key_len, const char *value,
    size_t value_len, unsigned line)
{
	int r = CLV_E_INTERNAL;
	clv_conf_section_t *s = &b->c->sections[b->c->n_sections - 1];
	clv_conf_entry_t *ne, *e;
	char *k = NULL, *v = NULL;
	size_t cap;

	if ((k = strndup(key, key_len)) == NULL ||
	    (v = strndup(value, value_len)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	if (s->n_entries == b->cap_entries) {
		cap = b->cap_entries == 0 ? 8 : b->cap_entries * 2;
		if ((ne = reallocarray(s->entries, cap, sizeof(*ne))) == NULL) {
			r = CLV_E_NOMEM;
			goto out;
		}
		s->entries = ne;
		b->cap_entries = cap;
	}
	e = &s->entries[s->n_entries++];
	memset(e, 0, sizeof(*e));
	e->key = k;
	e->value = v;
	e->line = line;
	k = v = NULL;
	r = 0;
out:
	free(k);
	free(v);
	return r;
}

static int
parse_section(conf_builder_t *b, char *p, unsigned line, clv_diag_t *diag)
{
	const char *path = b->c->path;
	char *name, *arg, *end;
	size_t name_len, arg_len = 0, i;
	const clv_conf_section_t *s;

	/* p points at '[' and the line has no trailing blanks */
	if ((end = strchr(p, ']')) == NULL || end[1] != '\0')
		goto malformed;
	*end = '\0';
	name = p + 1;
	while (is_blank(*name))
		name++;
	for (name_len = 0; is_name_char(name[name_len]); name_len++)
		;
	if (name_len == 0 || !is_alpha(name[0]))
		goto malformed;
	arg = name + name_len;
	if (*arg != '\0' && !is_blank(*arg))
		goto malformed;
	while (is_blank(*arg))
		arg++;
	for (arg_len = 0; arg[arg_len] != '\0' && !is_blank(arg[arg_len]); arg_len++)
		if (arg[arg_len] == '[' || arg[arg_len] == '"')
			goto malformed;
	for (i = arg_len; arg[i] != '\0'; i++)
		if (!is_blank(arg[i]))
			goto malformed;

	for (i = 1; i < b->c->n_sections; i++) {
		s = &b->c->sections[i];
		if (strlen(s->name) == name_len && memcmp(s->name, name, name_len) == 0 &&
		    strlen(s->arg) == arg_len && memcmp(s->arg, arg, arg_len) == 0)
			return clv_diag_set(diag, CLV_E_FORMAT,
			    "%s:%u: section [%.*s%s%.*s] repeated (first at line %u)",
			    path, line, (int)name_len, name, arg_len ? " " : "",
			    (int)arg_len, arg, s->line);
	}
	return add_section(b, name, name_len, arg, arg_len, line);
malformed:
	return clv_diag_set(diag, CLV_E_FORMAT,
	    "%s:%u: malformed section header, expected '[name]' or '[name argument]'",
	    path, line);
}

static int
parse_entry(conf_builder_t *b, char *p, unsigned line, clv_diag_t *diag)
{
	const char *path = b->c->path;
	const clv_conf_section_t *s = &b->c->sections[b->c->n_sections - 1];
	char *key = p, *v, *w;
	size_t key_len, i;

	for (key_len = 0; is_name_char(key[key_len]); key_len++)
		;
	v = key + key_len;
	while (is_blank(*v))
		v++;
	if (key_len == 0 || !is_alpha(key[0]) || *v != '=')
		return clv_diag_set(diag, CLV_E_FORMAT,
		    "%s:%u: expected 'key = value', '[section]' or a '#' comment",
		    path, line);
	v++;
	while (is_blank(*v))
		v++;

	for (i = 0; i < s->n_entries; i++)
		if (strlen(s->entries[i].key) == key_len &&
		    memcmp(s->entries[i].key, key, key_len) == 0)
			return clv_diag_set(diag, CLV_E_FORMAT,
			    "%s:%u: duplicate key '%.*s' (first given at line %u)",
			    path, line, (int)key_len, key, s->entries[i].line);

	if (*v != '"')
		return add_entry(b, key, key_len, v, strlen(v), line);

	/* quoted: unescape in place; w trails the reader */
	w = v;
	for (p = v + 1; *p != '"'; p++) {
		if (*p == '\0')
			return clv_diag_set(diag, CLV_E_FORMAT,
			    "%s:%u: unterminated quoted value", path, line);
		if (*p == '\\') {
			p++;
			if (*p != '"' && *p != '\\')
				return clv_diag_set(diag, CLV_E_FORMAT,
				    "%s:%u: unknown escape in quoted value, expected "
				    "\\\" or \\\\", path, line);
		}
		*w++ = *p;
	}
	for (p++; *p != '\0'; p++)
		if (!is_blank(*p))
			return clv_diag_set(diag, CLV_E_FORMAT,
			    "%s:%u: text after the closing quote", path, line);
	return add_entry(b, key, key_len, v, (size_t)(w - v), line);
}

int
clv_conf_parse(const char *path, const char *text, size_t len, clv_conf_t **out,
    clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	conf_builder_t b = { NULL, 0, 0 };
	const unsigned char *u = (const unsigned char *)text;
	const char *nl;
	char lb[CONF_MAX_LINE + 1], *p;
	size_t pos = 0, end, n;
	unsigned line = 1;

	if (out == NULL || (text == NULL && len > 0))
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if (path == NULL)
		path = "<input>";
	if ((b.c = calloc(1, sizeof(*b.c))) == NULL ||
	    (b.c->path = strdup(path)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	if (len > CONF_MAX_FILE) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: %zu bytes, expected at most %d",
		    path, len, CONF_MAX_FILE);
		goto out;
	}
	/* sections[0] always exists: the entries before any [section] */
	if ((r = add_section(&b, "", 0, "", 0, 0)) != 0)
		goto out;
	/* a UTF-8 byte order mark some editors write */
	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
		pos = 3;

	while (pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		end = nl != NULL ? (size_t)(nl - text) : len;
		n = end - pos;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (n > CONF_MAX_LINE) {
			r = clv_diag_set(diag, CLV_E_FORMAT,
			    "%s:%u: line of %zu bytes, expected at most %d",
			    path, line, n, CONF_MAX_LINE);
			goto out;
		}
		if ((r = check_line_bytes(path, line, u + pos, n, diag)) != 0)
			goto out;
		memcpy(lb, text + pos, n);
		lb[n] = '\0';
		while (n > 0 && is_blank(lb[n - 1]))
			lb[--n] = '\0';
		p = lb;
		while (is_blank(*p))
			p++;
		if (*p == '\0' || *p == '#')
			r = 0;
		else if (*p == '[')
			r = parse_section(&b, p, line, diag);
		else
			r = parse_entry(&b, p, line, diag);
		if (r != 0)
			goto out;
		pos = end + 1;
		line++;
	}
	*out = b.c;
	b.c = NULL;
	r = 0;
out:
	clv_conf_free(b.c);
	return r;
}

int
clv_conf_load(const char *path, clv_conf_t **out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	clv_buf_t buf = { NULL, 0 };

	if (out == NULL || path == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if ((r = clv_file_read(path, CONF_MAX_FILE, &buf, diag)) != 0)
		goto out;
	r = clv_conf_parse(path, (const char *)buf.data, buf.len, out, diag);
out:
	clv_buf_free(&buf);
	return r;
}

void
clv_conf_free(clv_conf_t *c)
{
	size_t i, j;
	clv_conf_section_t *s;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_sections; i++) {
		s = &c->sections[i];
		for (j = 0; j < s->n_entries; j++) {
			free(s->entries[j].key);
			free(s->entries[j].value);
		}
		free(s->entries);
		free(s->name);
		free(s->arg);
	}
	free(c->sections);
	free(c->path);
	free(c);
}

clv_conf_entry_t *
clv_conf_get(clv_conf_section_t *sec, const char *key)
{
	size_t i;

	if (sec == NULL || key == NULL)
		return NULL;
	for (i = 0; i < sec->n_entries; i++)
		if (strcmp(sec->entries[i].key, key) == 0) {
			sec->entries[i].used = 1;
			return &sec->entries[i];
		}
	return NULL;
}

int
clv_conf_check_unused(const clv_conf_t *c, int code, clv_diag_t *diag)
{
	size_t i, j;
	const clv_conf_section_t *s;

	if (c == NULL)
		return CLV_E_INVALID_ARG;
	for (i = 0; i < c->n_sections; i++) {
		s = &c->sections[i];
		for (j = 0; j < s->n_entries; j++) {
			if (s->entries[j].used)
				continue;
			if (s->name[0] == '\0')
				return clv_diag_set(diag, code, "%s:%u: unknown key '%s'",
				    c->path, s->entries[j].line, s->entries[j].key);
			return clv_diag_set(diag, code, "%s:%u: unknown key '%s' in [%s%s%s]",
			    c->path, s->entries[j].line, s->entries[j].key, s->name,
			    s->arg[0] ? " " : "", s->arg);
		}
	}
	return 0;
}
