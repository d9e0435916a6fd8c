/*
 * The ceremony transcript: one line per event, each line chained to the one
 * before by SHA-256, appended and fsync'ed as the ceremony goes, and closed
 * by the token's ceremony key signing the head.  See conclave-transcript(5).
 *
 * A line:
 *   SEQ TAB TIME TAB EVENT TAB actors=.. TAB key=.. TAB object=.. TAB
 *   result=.. TAB detail=.. TAB prev=HEX TAB hash=HEX NL
 * Values escape backslash, tab and newline as \\, \t and \n.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sigalg.h"
#include "transcript.h"
#include "verify.h"

#define MAX_TRANSCRIPT (16u << 20)

struct clv_transcript {
	char dir[PATH_MAX];
	int fd;
	uint64_t seq;               /* of the last record */
	unsigned char head[32];
	int closed;
};

static void
escape(FILE *fp, const char *s)
{
	for (; s != NULL && *s; s++) {
		if (*s == '\\')
			fputs("\\\\", fp);
		else if (*s == '\t')
			fputs("\\t", fp);
		else if (*s == '\n')
			fputs("\\n", fp);
		else if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
}

/* The hashed text of a record (no trailing tab). */
static int
record_text(uint64_t seq, time_t t, const clv_transcript_event_t *ev, clv_buf_t *out)
{
	char ts[21], hex[65] = "";
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return CLV_E_NOMEM;
	clv_time_format(t, ts);
	if (ev->object_sha256 != NULL)
		clv_hex(ev->object_sha256, 32, hex);
	fprintf(fp, "%llu\t%s\t", (unsigned long long)seq, ts);
	escape(fp, ev->event);
	fputs("\tactors=", fp);
	escape(fp, ev->actors);
	fputs("\tkey=", fp);
	escape(fp, ev->key_uri);
	fprintf(fp, "\tobject=%s\tresult=", hex);
	escape(fp, ev->result ? ev->result : "ok");
	fputs("\tdetail=", fp);
	escape(fp, ev->detail);
	if (fclose(fp) != 0) {
		free(buf);
		return CLV_E_NOMEM;
	}
	out->data = (unsigned char *)buf;
	out->len = len;
	return 0;
}

static void
chain(const unsigned char prev[32], const unsigned char *text, size_t len, unsigned char out[32])
{
	unsigned char *p = malloc(32 + len);

	if (p == NULL) {
		memset(out, 0, 32);
		return;
	}
	memcpy(p, prev, 32);
	memcpy(p + 32, text, len);
	clv_sha256(p, 32 + len, out);
	free(p);
}

static int
write_all(int fd, const void *data, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, (const char *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return CLV_E_IO;
		done += (size_t)n;
	}
	return fsync(fd) == 0 ? 0 : CLV_E_IO;
}

static int
append_record(clv_transcript_t *t, uint64_t seq, time_t now, const clv_transcript_event_t *ev)
{
	clv_buf_t text = { NULL, 0 };
	unsigned char hash[32], prev[32];
	char ph[65], hh[65], tail[160];
	int r;

	if (seq == 0)
		memset(prev, 0, sizeof(prev));
	else
		memcpy(prev, t->head, 32);
	if ((r = record_text(seq, now, ev, &text)) != 0)
		return r;
	chain(prev, text.data, text.len, hash);
	clv_hex(prev, 32, ph);
	clv_hex(hash, 32, hh);
	snprintf(tail, sizeof(tail), "\tprev=%s\thash=%s\n", ph, hh);
	/* one write of the whole line keeps the file line-atomic on a crash at
	 * any but the last byte; a torn last line is reported by verify */
	{
		unsigned char *line = malloc(text.len + strlen(tail));
		if (line == NULL) {
			clv_buf_free(&text);
			return CLV_E_NOMEM;
		}
		memcpy(line, text.data, text.len);
		memcpy(line + text.len, tail, strlen(tail));
		r = write_all(t->fd, line, text.len + strlen(tail));
		free(line);
	}
	clv_buf_free(&text);
	if (r != 0) {
		clv_error("transcript: write failed: %s", strerror(errno));
		return CLV_E_IO;
	}
	memcpy(t->head, hash, 32);
	t->seq = seq;
	return 0;
}

int
clv_transcript_create(const char *dir, const char *ceremony_id, const char *script_path,
    const unsigned char script_sha256[32], int rehearsal, time_t now,
    clv_transcript_t **out, clv_diag_t *diag)
{
	clv_transcript_t *t = NULL;
	clv_transcript_event_t ev;
	char path[PATH_MAX], detail[PATH_MAX + 256];
	int r;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return CLV_E_NOMEM;
	snprintf(t->dir, sizeof(t->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/%s", dir, CLV_TRANSCRIPT_FILE);
	t->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (t->fd < 0) {
		r = clv_diag_set(diag, errno == EEXIST ? CLV_E_OUTPUT_EXISTS : CLV_E_IO,
		    "%s: %s", path, errno == EEXIST ? "a transcript already exists here; "
		    "outputs are never overwritten" : strerror(errno));
		free(t);
		return r;
	}
	memset(&ev, 0, sizeof(ev));
	ev.event = "transcript-opened";
	ev.object_sha256 = script_sha256;
	snprintf(detail, sizeof(detail), "conclave transcript format 1; ceremony %s; script %s%s",
	    ceremony_id, script_path, rehearsal ? "; REHEARSAL" : "");
	ev.detail = detail;
	if ((r = append_record(t, 0, now, &ev)) != 0) {
		clv_transcript_free(t);
		return clv_diag_set(diag, r, "%s: cannot write", path);
	}
	*out = t;
	return 0;
}

/* ---- reading ------------------------------------------------------------------ */

typedef struct line_view {
	uint64_t seq;
	char event[64];
	char object[65];
	char detail[PATH_MAX + 512];
	unsigned char prev[32], hash[32];
	const char *text;           /* hashed part */
	size_t text_len;
} line_view_t;

static int
unhex32(const char *s, size_t len, unsigned char out[32])
{
	clv_buf_t b = { NULL, 0 };
	char tmp[65];

	if (len != 64)
		return -1;
	memcpy(tmp, s, 64);
	tmp[64] = '\0';
	if (clv_unhex(tmp, &b) != 0 || b.len != 32) {
		clv_buf_free(&b);
		return -1;
	}
	memcpy(out, b.data, 32);
	clv_buf_free(&b);
	return 0;
}

/* Field n (0-based, tab-separated) of text; its value after "name=" if given. */
static int
field(const char *text, size_t len, unsigned n, const char *name, char *out, size_t outlen)
{
	const char *p = text, *end = text + len, *f;
	size_t l, nl = name ? strlen(name) : 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		if ((p = memchr(p, '\t', (size_t)(end - p))) == NULL)
			return -1;
		p++;
	}
	f = memchr(p, '\t', (size_t)(end - p));
	l = (size_t)((f ? f : end) - p);
	if (name != NULL) {
		if (l < nl + 1 || memcmp(p, name, nl) != 0 || p[nl] != '=')
			return -1;
		p += nl + 1;
		l -= nl + 1;
	}
	if (l >= outlen)
		l = outlen - 1;
	memcpy(out, p, l);
	out[l] = '\0';
	return 0;
}

static int
parse_line(const char *line, size_t len, unsigned lineno, line_view_t *v, clv_diag_t *diag)
{
	const char *prev = NULL, *p;
	char num[32];
	char *end;

	memset(v, 0, sizeof(*v));
	for (p = line; p + 6 <= line + len; p++)
		if (memcmp(p, "\tprev=", 6) == 0)
			prev = p;
	if (prev == NULL || (size_t)(line + len - prev) != 6 + 64 + 6 + 64 ||
	    memcmp(prev + 70, "\thash=", 6) != 0 || unhex32(prev + 6, 64, v->prev) != 0 ||
	    unhex32(prev + 76, 64, v->hash) != 0)
		return clv_diag_set(diag, CLV_E_INTEGRITY, "transcript line %u: no prev= and hash= "
		    "fields at its end (torn or altered line)", lineno);
	v->text = line;
	v->text_len = (size_t)(prev - line);
	if (field(line, v->text_len, 0, NULL, num, sizeof(num)) != 0)
		return clv_diag_set(diag, CLV_E_INTEGRITY, "transcript line %u: no sequence number",
		    lineno);
	v->seq = strtoull(num, &end, 10);
	if (*end != '\0' || num[0] == '\0' ||
	    field(line, v->text_len, 2, NULL, v->event, sizeof(v->event)) != 0 ||
	    field(line, v->text_len, 5, "object", v->object, sizeof(v->object)) != 0 ||
	    field(line, v->text_len, 7, "detail", v->detail, sizeof(v->detail)) != 0)
		return clv_diag_set(diag, CLV_E_INTEGRITY, "transcript line %u: malformed fields",
		    lineno);
	return 0;
}

typedef int line_fn(void *ctx, const line_view_t *v, unsigned lineno, clv_diag_t *diag);

/* Walks and checks the chain of DIR's transcript, calling fn for each line. */
static int
walk(const char *dir, line_fn *fn, void *ctx, uint64_t *last_seq, unsigned char head[32],
    int *closed, clv_diag_t *diag)
{
	char path[PATH_MAX];
	clv_buf_t b = { NULL, 0 };
	unsigned char prev[32], h[32];
	const char *p, *nl;
	line_view_t *v = NULL;
	unsigned lineno = 0;
	uint64_t expect = 0;
	int r;

	*closed = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, CLV_TRANSCRIPT_FILE);
	if ((r = clv_file_read(path, MAX_TRANSCRIPT, &b, diag)) != 0)
		return r;
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		clv_buf_free(&b);
		return CLV_E_NOMEM;
	}
	memset(prev, 0, sizeof(prev));
	for (p = (const char *)b.data; p < (const char *)b.data + b.len; p = nl + 1) {
		lineno++;
		nl = memchr(p, '\n', (size_t)((const char *)b.data + b.len - p));
		if (nl == NULL) {
			r = clv_diag_set(diag, CLV_E_INTEGRITY, "%s: line %u is torn (no end of line): "
			    "the ceremony was interrupted while writing it", path, lineno);
			goto out;
		}
		if ((r = parse_line(p, (size_t)(nl - p), lineno, v, diag)) != 0)
			goto out;
		if (*closed) {
			r = clv_diag_set(diag, CLV_E_INTEGRITY, "%s: line %u (record %llu) follows "
			    "the close of the transcript: added after signing", path, lineno,
			    (unsigned long long)v->seq);
			goto out;
		}
		if (v->seq != expect) {
			r = clv_diag_set(diag, CLV_E_INTEGRITY, "%s: line %u: record %llu where record "
			    "%llu was due: %s", path, lineno, (unsigned long long)v->seq,
			    (unsigned long long)expect, v->seq > expect ? "a record was removed" :
			    "a record was inserted or repeated");
			goto out;
		}
		if (memcmp(v->prev, prev, 32) != 0) {
			r = clv_diag_set(diag, CLV_E_INTEGRITY, "%s: line %u (record %llu, %s): its "
			    "link to the previous record is broken", path, lineno,
			    (unsigned long long)v->seq, v->event);
			goto out;
		}
		chain(prev, (const unsigned char *)v->text, v->text_len, h);
		if (memcmp(h, v->hash, 32) != 0) {
			r = clv_diag_set(diag, CLV_E_INTEGRITY, "%s: line %u (record %llu, %s): its "
			    "contents do not match its hash: the event was changed", path, lineno,
			    (unsigned long long)v->seq, v->event);
			goto out;
		}
		if (fn != NULL && (r = fn(ctx, v, lineno, diag)) != 0)
			goto out;
		memcpy(prev, h, 32);
		if (strcmp(v->event, "transcript-closed") == 0)
			*closed = 1;
		expect++;
	}
	if (lineno == 0) {
		r = clv_diag_set(diag, CLV_E_INTEGRITY, "%s: empty transcript", path);
		goto out;
	}
	*last_seq = expect - 1;
	memcpy(head, prev, 32);
	r = 0;
out:
	free(v);
	clv_buf_free(&b);
	return r;
}

typedef struct records_ctx {
	clv_transcript_record_fn *fn;
	void *ctx;
} records_ctx_t;

static int
records_line(void *ctx, const line_view_t *v, unsigned lineno, clv_diag_t *diag)
{
	records_ctx_t *rc = ctx;
	clv_transcript_record_t rec;

	rec.seq = v->seq;
	rec.event = v->event;
	rec.object = v->object;
	rec.detail = v->detail;
	return rc->fn(rc->ctx, &rec);
}

int
clv_transcript_records(const char *dir, clv_transcript_record_fn *fn, void *ctx,
    clv_diag_t *diag)
{
	records_ctx_t rc = { fn, ctx };
	unsigned char head[32];
	uint64_t seq;
	int closed;

	return walk(dir, records_line, &rc, &seq, head, &closed, diag);
}

int
clv_transcript_open(const char *dir, clv_transcript_t **out, clv_diag_t *diag)
{
	clv_transcript_t *t = NULL;
	char path[PATH_MAX];
	int r, closed = 0;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return CLV_E_NOMEM;
	snprintf(t->dir, sizeof(t->dir), "%s", dir);
	t->fd = -1;
	if ((r = walk(dir, NULL, NULL, &t->seq, t->head, &closed, diag)) != 0)
		goto out;
	if (closed) {
		r = clv_diag_set(diag, CLV_E_POLICY, "%s: the transcript is closed; the ceremony "
		    "has ended", dir);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, CLV_TRANSCRIPT_FILE);
	if ((t->fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		r = clv_diag_set(diag, CLV_E_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	*out = t;
	t = NULL;
	r = 0;
out:
	clv_transcript_free(t);
	return r;
}

int
clv_transcript_repair(const char *dir, size_t *dropped, clv_diag_t *diag)
{
	char path[PATH_MAX];
	clv_buf_t b = { NULL, 0 };
	size_t keep, total;
	int r, fd;

	*dropped = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, CLV_TRANSCRIPT_FILE);
	if ((r = clv_file_read(path, MAX_TRANSCRIPT, &b, diag)) != 0)
		return r;
	total = b.len;
	for (keep = b.len; keep > 0 && b.data[keep - 1] != '\n'; keep--)
		;
	clv_buf_free(&b);
	if (keep == 0)
		return clv_diag_set(diag, CLV_E_INTEGRITY, "%s: no complete record", path);
	if (keep == total)
		return 0;
	/* a power loss cut the last line: it never reached the medium whole */
	if ((fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return clv_diag_set(diag, CLV_E_IO, "%s: %s", path, strerror(errno));
	r = ftruncate(fd, (off_t)keep) == 0 && fsync(fd) == 0 ? 0 : CLV_E_IO;
	close(fd);
	if (r != 0)
		return clv_diag_set(diag, r, "%s: cannot drop the torn last line", path);
	*dropped = total - keep;
	return 0;
}

int
clv_transcript_append(clv_transcript_t *t, time_t now, const clv_transcript_event_t *ev)
{
	if (t == NULL || ev == NULL || ev->event == NULL)
		return CLV_E_INVALID_ARG;
	if (t->closed)
		return CLV_E_POLICY;
	return append_record(t, t->seq + 1, now, ev);
}

void
clv_transcript_head(const clv_transcript_t *t, unsigned char head[32], uint64_t *seq)
{
	memcpy(head, t->head, 32);
	if (seq != NULL)
		*seq = t->seq;
}

int
clv_transcript_is_closed(const clv_transcript_t *t)
{
	return t != NULL && t->closed;
}

int
clv_transcript_signed_text(const unsigned char head[32], uint64_t seq, clv_buf_t *out)
{
	char text[128], hex[65];

	clv_hex(head, 32, hex);
	snprintf(text, sizeof(text), "conclave transcript head %llu %s", (unsigned long long)seq,
	    hex);
	return clv_buf_set(out, text, strlen(text));
}

int
clv_transcript_close(clv_transcript_t *t, time_t now, const clv_buf_t *signature,
    const clv_pubkey_t *key, clv_diag_t *diag)
{
	char path[PATH_MAX];
	clv_buf_t spki = { NULL, 0 }, pem = { NULL, 0 };
	int r;

	if (t == NULL || signature == NULL || key == NULL || !t->closed)
		return CLV_E_INVALID_ARG;
	snprintf(path, sizeof(path), "%s/%s", t->dir, CLV_TRANSCRIPT_SIG);
	if ((r = clv_file_write_new(path, signature->data, signature->len, 0644, diag)) != 0)
		return r;
	if ((r = clv_pubkey_to_spki(key, 0, &spki)) != 0 ||
	    (r = clv_pem_encode("PUBLIC KEY", spki.data, spki.len, &pem)) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/%s", t->dir, CLV_TRANSCRIPT_KEY);
	r = clv_file_write_new(path, pem.data, pem.len, 0644, diag);
	(void)now;
out:
	clv_buf_free(&spki);
	clv_buf_free(&pem);
	return r;
}

/* The closing record itself; the signature over the new head follows. */
int
clv_transcript_seal(clv_transcript_t *t, time_t now, const char *detail)
{
	clv_transcript_event_t ev;
	int r;

	memset(&ev, 0, sizeof(ev));
	ev.event = "transcript-closed";
	ev.result = "ok";
	ev.detail = detail;
	if ((r = clv_transcript_append(t, now, &ev)) == 0)
		t->closed = 1;
	return r;
}

void
clv_transcript_free(clv_transcript_t *t)
{
	if (t == NULL)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

/* ---- verification ------------------------------------------------------------ */

typedef struct verify_ctx {
	const char *dir;
	unsigned outputs;
} verify_ctx_t;

static int
check_output(void *ctx, const line_view_t *v, unsigned lineno, clv_diag_t *diag)
{
	verify_ctx_t *vc = ctx;
	char path[PATH_MAX], hex[65];
	const char *base;
	clv_buf_t b = { NULL, 0 };
	unsigned char sha[32];
	int r;

	if (strcmp(v->event, "output-written") != 0)
		return 0;
	base = strrchr(v->detail, '/') ? strrchr(v->detail, '/') + 1 : v->detail;
	snprintf(path, sizeof(path), "%s/%s", vc->dir, base);
	if ((r = clv_file_read(path, 64u << 20, &b, NULL)) != 0)
		return clv_diag_set(diag, CLV_E_INTEGRITY, "output %s (transcript line %u): missing "
		    "from %s", base, lineno, vc->dir);
	clv_sha256(b.data, b.len, sha);
	clv_buf_free(&b);
	clv_hex(sha, 32, hex);
	if (strcmp(hex, v->object) != 0)
		return clv_diag_set(diag, CLV_E_INTEGRITY, "output %s: SHA-256 %s, but the transcript "
		    "(line %u) recorded %s: the file was changed", base, hex, lineno, v->object);
	vc->outputs++;
	return 0;
}

int
clv_transcript_verify(const char *dir, const clv_pubkey_t *key,
    clv_transcript_report_t *report, clv_diag_t *diag)
{
	verify_ctx_t vc = { dir, 0 };
	clv_sigalg_t alg = { CLV_KEY_EC, CLV_HASH_SHA256, 0, CLV_HASH_NONE, 0 };
	clv_pubkey_t *file_key = NULL;
	clv_buf_t sig = { NULL, 0 }, raw = { NULL, 0 }, der = { NULL, 0 }, text = { NULL, 0 };
	clv_buf_t spki = { NULL, 0 };
	unsigned char fp[32];
	char path[PATH_MAX];
	int r, closed = 0;

	memset(report, 0, sizeof(*report));
	if ((r = walk(dir, check_output, &vc, &report->records, report->head, &closed, diag)) != 0)
		goto out;
	report->records += 1;
	report->outputs_checked = vc.outputs;
	report->closed = closed;
	if (!closed) {
		r = clv_diag_set(diag, CLV_E_INTEGRITY, "%s: the transcript was never closed and "
		    "signed: the ceremony did not finish (or its end was cut off)", dir);
		goto out;
	}
	if (key == NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, CLV_TRANSCRIPT_KEY);
		if ((r = clv_file_read(path, 1 << 16, &raw, diag)) != 0 ||
		    (r = clv_pem_or_der(raw.data, raw.len, "PUBLIC KEY", &der)) != 0 ||
		    (r = clv_pubkey_from_spki(der.data, der.len, &file_key, diag)) != 0) {
			r = clv_diag_set(diag, CLV_E_INTEGRITY, "%s: no readable ceremony key", path);
			goto out;
		}
		key = file_key;
	}
	if ((r = clv_pubkey_to_spki(key, 0, &spki)) == 0) {
		clv_sha256(spki.data, spki.len, fp);
		clv_hex_colon(fp, 32, report->key_fingerprint);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, CLV_TRANSCRIPT_SIG);
	if ((r = clv_file_read(path, 1 << 12, &sig, diag)) != 0) {
		r = clv_diag_set(diag, CLV_E_INTEGRITY, "%s: the transcript's signature is missing",
		    path);
		goto out;
	}
	if ((r = clv_transcript_signed_text(report->head, report->records - 1, &text)) != 0)
		goto out;
	if ((r = clv_verify(key, &alg, text.data, text.len, sig.data, sig.len)) != 0) {
		r = clv_diag_set(diag, CLV_E_SIG_INVALID, "%s: the signature over the transcript "
		    "head does not verify with the ceremony key %s", path, report->key_fingerprint);
		goto out;
	}
	r = 0;
out:
	clv_pubkey_free(file_key);
	clv_buf_free(&sig);
	clv_buf_free(&raw);
	clv_buf_free(&der);
	clv_buf_free(&text);
	clv_buf_free(&spki);
	return r;
}
