/*
 * The full-screen console: the same ceremony engine as batch mode, led step
 * by step on an ncursesw screen that everyone in the room can follow.
 *
 * Screens: the main screen (the script's steps and their state, the current
 * step and its plan, the roster of roles and officers, a log) with a prompt
 * at its foot for confirmations, officers' secrets and quorum entry; full
 * screens for fingerprints (QR code, SHA-256, PGP words), the clock check
 * and exceptions; a help screen.  A REHEARSAL banner tops every screen of a
 * rehearsal.  Every screen is redrawn from the state below on a resize, and
 * a terminal smaller than 80x24 gets a one-line notice instead.
 *
 * Secrets typed here go straight from the keyboard into locked memory
 * (clv_secret_t) and are never drawn (one '*' per character) nor logged.
 * endwin() is called on every way out: the normal one, exit(), and the
 * signals that end the process.
 */
#include "config.h"

#define NCURSES_WIDECHAR 1

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "conf.h"
#include "console.h"
#include "engine.h"
#include "fingerprint.h"
#include "script.h"
#include "transcript.h"
#include "util.h"

#define MIN_COLS 80
#define MIN_LINES 24
#define LOG_MAX 256
#define LOG_LEN 512
#define FIELD_MAX 512
#define MAX_NAMES 4
#define SECRET_CAP 1024
#define WRAP_MAX 64

typedef enum step_state {
	S_PENDING = 0,
	S_CURRENT,
	S_DONE,
	S_FAILED,
} step_state_t;

typedef enum tui_screen {
	SC_MAIN = 0,        /* steps, current step, roster, log */
	SC_CONFIRM,         /* main + a name field */
	SC_SECRET,          /* main + a secret field (no echo) */
	SC_QUORUM,          /* main + who presents the next share */
	SC_FINGERPRINT,     /* QR, hex and words */
	SC_CLOCK,           /* the UTC time, big */
	SC_EXCEPTION,       /* expected, happened, decision */
	SC_DONE,            /* main + how it ended */
	SC_RESUME,          /* an interrupted ceremony: resume it? */
} screen_t;

/* what next_key returns */
enum {
	K_CHAR = 1,
	K_ENTER,
	K_BACKSPACE,
	K_KILL,
	K_UP,
	K_DOWN,
	K_ABORT,
	K_TIMEOUT,
};

/* how next_key reads printable keys */
enum {
	KF_KEYS = 0,        /* '?' help, 'q' abort */
	KF_TEXT = 1,        /* every printable key is text; F1 help, Esc abort */
	KF_ID = 2,          /* like text, but '?' is help (ids are [a-z0-9-]) */
};

typedef struct layout {
	int header_y;
	int upper_y, upper_h;
	int roster_y, roster_h;
	int bottom_y, bottom_h;     /* heading row included */
	int status_y;
	int left_w;
} layout_t;

struct tui {
	const clv_engine_opts_t *opts;
	batch_t *answers;               /* NULL: everything is typed */
	clv_engine_ui_t batch;          /* answers-file readers (officers, labels, ...) */
	clv_script_t *script;
	unsigned char state[CLV_SCRIPT_MAX_STEPS];
	size_t cur;
	int have_cur;
	char plan[2048];

	/* the roster: who confirmed, per role of the script */
	char who[CLV_SCRIPT_MAX_ROLES][MAX_NAMES][128];
	size_t n_who[CLV_SCRIPT_MAX_ROLES];
	char other_who[MAX_NAMES][160];     /* roles the script does not declare */
	size_t n_other_who;
	clv_officer_t officers[CLV_QUORUM_MAX_SHARES];
	size_t n_officers;
	char q_purpose[16];
	clv_quorum_progress_t q;
	int q_seen;
	char presenting[32];            /* officer id typing a secret now */

	/* the log pane: a ring of the last LOG_MAX messages */
	char log[LOG_MAX][LOG_LEN];
	unsigned char log_kind[LOG_MAX];
	size_t log_n;

	/* a long step's progress bar */
	char prog_what[128];
	unsigned prog_permille;
	int prog_on;

	/* the screen and its prompt */
	screen_t screen;
	int help, asking_abort, aborted, utf8, colors, curses_on;
	char d_title[512];
	char d_text[1024];
	char d_label[64];
	char field[FIELD_MAX];
	size_t field_len;
	size_t secret_chars;
	size_t sel;
	char typed[32];
	char notice[256];

	/* fingerprint screen */
	char fp_title[300];
	char fp_colon[100];
	char fp_words[512];
	char *qr;
	unsigned qr_w, qr_h;

	/* clock check */
	time_t clock_now;
	struct timespec clock_t0;
	int clock_stage;
	char clock_role[32];

	/* exception */
	char ex_expected[1024];
	char ex_happened[1024];

	/* the end */
	char done_msg[1200];
	int done_ok;

	/* fingerprints.txt: 0 not yet, 1 created, 2 the interrupted run's (appended
	 * to after a note), -1 could not be created */
	int fp_file;

	/* stderr while the screen is on */
	int saved_stderr, err_fd;
};

/* ---- the terminal is always given back -------------------------------------- */

static volatile sig_atomic_t curses_live;

static void
restore_terminal(void)
{
	if (curses_live) {
		curses_live = 0;
		endwin();
	}
}

static void
fatal_signal(int sig)
{
	/* endwin() is not async-signal-safe, but the process ends here and a
	 * terminal left in raw mode without echo is worse */
	restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
catch_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT,
	    SIGFPE, SIGILL };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void
release_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT,
	    SIGFPE, SIGILL };
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

/* ---- text ------------------------------------------------------------------ */

/* UTF-8 (or the locale's encoding) to wide characters; bytes that do not
 * decode become '?', control characters a space: nothing from a message
 * can reach the terminal as an escape sequence. */
static size_t
to_wide(const char *s, wchar_t *out, size_t max)
{
	mbstate_t st;
	size_t n = 0, k;
	wchar_t wc;

	memset(&st, 0, sizeof(st));
	while (*s != '\0' && n + 1 < max) {
		k = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof(st));
			wc = L'?';
			k = 1;
		}
		if (wc == L'\n')
			;
		else if (wc < 0x20 || wc == 0x7f || (wc >= 0x80 && wc < 0xa0))
			wc = L' ';
		out[n++] = wc;
		s += k;
	}
	out[n] = L'\0';
	return n;
}

static int
wc_width(wchar_t c)
{
	int w = wcwidth(c);

	return w < 0 ? 1 : w;
}

/* Splits ws into lines of at most w columns, breaking at spaces where it
 * can and at '\n' always; returns the number of lines (at most max). */
static int
wrap(const wchar_t *ws, size_t n, int w, size_t *start, size_t *len, int max)
{
	size_t i = 0, j, space, end, next;
	int lines = 0, col;

	if (w < 1)
		return 0;
	while (i < n && lines < max) {
		j = i;
		col = 0;
		space = (size_t)-1;
		while (j < n && ws[j] != L'\n') {
			int cw = wc_width(ws[j]);
			if (col + cw > w)
				break;
			if (ws[j] == L' ')
				space = j;
			col += cw;
			j++;
		}
		if (j < n && ws[j] == L'\n') {
			end = j;
			next = j + 1;
		} else if (j < n && space != (size_t)-1 && space > i) {
			end = space;
			next = space + 1;
		} else if (j == i) {
			end = i + 1;            /* one character wider than the pane */
			next = i + 1;
		} else {
			end = j;
			next = j;
		}
		start[lines] = i;
		len[lines] = end - i;
		lines++;
		i = next;
		while (i < n && ws[i] == L' ' && i != end)
			i++;
	}
	return lines;
}

/* Draws at most w columns of s at y, x. */
static void
put(int y, int x, int w, const char *s, attr_t a)
{
	wchar_t ws[1024];
	size_t n, i;
	int col = 0;

	if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + w > COLS)
		w = COLS - x;
	n = to_wide(s, ws, sizeof(ws) / sizeof(ws[0]));
	for (i = 0; i < n; i++) {
		if (ws[i] == L'\n')
			ws[i] = L' ';
		if (col + wc_width(ws[i]) > w)
			break;
		col += wc_width(ws[i]);
	}
	attron(a);
	mvaddnwstr(y, x, ws, (int)i);
	attroff(a);
}

/* Draws s word-wrapped in w columns from y, at most maxl lines; returns the
 * lines used. */
static int
put_wrapped(int y, int x, int w, int maxl, const char *s, attr_t a)
{
	wchar_t ws[4096];
	size_t start[WRAP_MAX], len[WRAP_MAX], n;
	int lines, i;

	if (maxl <= 0 || w <= 0)
		return 0;
	n = to_wide(s, ws, sizeof(ws) / sizeof(ws[0]));
	lines = wrap(ws, n, w, start, len, maxl < WRAP_MAX ? maxl : WRAP_MAX);
	attron(a);
	for (i = 0; i < lines; i++)
		if (y + i >= 0 && y + i < LINES)
			mvaddnwstr(y + i, x, ws + start[i], (int)len[i]);
	attroff(a);
	return lines;
}

static int
count_wrapped(int w, const char *s)
{
	wchar_t ws[4096];
	size_t start[WRAP_MAX], len[WRAP_MAX], n;

	n = to_wide(s, ws, sizeof(ws) / sizeof(ws[0]));
	return wrap(ws, n, w, start, len, WRAP_MAX);
}

static void
hline_title(int y, const char *title, attr_t a)
{
	int x;

	if (y < 0 || y >= LINES)
		return;
	mvhline(y, 0, ACS_HLINE, COLS);
	if (title != NULL && title[0] != '\0') {
		char buf[600];
		snprintf(buf, sizeof(buf), " %s ", title);
		x = 1;
		put(y, x, COLS - 2, buf, a);
	}
}

static const char *
dash(tui_t *t)
{
	return t->utf8 ? "\xe2\x80\x94" : "-";
}

/* ---- state ------------------------------------------------------------------ */

static void
log_add(tui_t *t, clv_msg_kind_t kind, const char *text)
{
	size_t i = t->log_n % LOG_MAX;

	snprintf(t->log[i], LOG_LEN, "%s", text);
	t->log_kind[i] = (unsigned char)kind;
	t->log_n++;
}

static void
add_who(tui_t *t, const char *role, const char *name)
{
	size_t i, k;

	for (i = 0; i < t->script->n_roles; i++) {
		if (strcmp(t->script->roles[i].name, role) != 0)
			continue;
		for (k = 0; k < t->n_who[i]; k++)
			if (strcmp(t->who[i][k], name) == 0)
				return;
		if (t->n_who[i] < MAX_NAMES)
			snprintf(t->who[i][t->n_who[i]++], 128, "%s", name);
		return;
	}
	for (k = 0; k < t->n_other_who; k++)
		if (strncmp(t->other_who[k], role, strlen(role)) == 0 &&
		    strcmp(t->other_who[k] + strlen(role), name) == 0)
			return;
	if (t->n_other_who < MAX_NAMES)
		snprintf(t->other_who[t->n_other_who++], 160, "%s%s", role, name);
}

static const char *
last_who(tui_t *t, const char *role)
{
	size_t i;

	for (i = 0; i < t->script->n_roles; i++)
		if (strcmp(t->script->roles[i].name, role) == 0 && t->n_who[i] > 0)
			return t->who[i][t->n_who[i] - 1];
	return NULL;
}

static const char *
answer(tui_t *t, const char *section_name, const char *key)
{
	size_t i;

	if (t->answers == NULL || t->answers->answers == NULL)
		return NULL;
	for (i = 0; i < t->answers->answers->n_sections; i++) {
		clv_conf_section_t *s = &t->answers->answers->sections[i];
		clv_conf_entry_t *e;
		if (strcmp(s->name, section_name) != 0 || s->arg[0] != '\0')
			continue;
		if ((e = clv_conf_get(s, key)) != NULL && e->value[0] != '\0')
			return e->value;
	}
	return NULL;
}

static int
officer_presented(tui_t *t, size_t i)
{
	unsigned k;

	if (!t->q_seen)
		return 0;
	for (k = 0; k < t->q.have && k < CLV_QUORUM_MAX_SHARES; k++)
		if (strcmp(t->q.officers[k], t->officers[i].name) == 0)
			return 1;
	return 0;
}

static void
field_set(tui_t *t, const char *s)
{
	snprintf(t->field, sizeof(t->field), "%s", s ? s : "");
	t->field_len = strlen(t->field);
}

/* ---- layout and drawing ----------------------------------------------------- */

static int
too_small(void)
{
	return COLS < MIN_COLS || LINES < MIN_LINES;
}

static void
layout(tui_t *t, layout_t *L)
{
	int extra = LINES - MIN_LINES, need, avail, want;
	size_t rows = t->script->n_roles + (t->n_other_who > 0 ? 1 : 0);

	if (rows < t->n_officers)
		rows = t->n_officers;
	L->header_y = t->opts->rehearsal ? 1 : 0;
	L->upper_y = L->header_y + 1;
	L->status_y = LINES - 1;
	avail = L->status_y - L->upper_y;
	need = 1 + (int)rows;
	L->roster_h = need < 2 ? 2 : need;
	if (L->roster_h > 4 + extra / 3)
		L->roster_h = 4 + extra / 3;
	/* the steps and the plan first, what is left to the log */
	want = t->script->n_steps + 1 > 12 ? (int)t->script->n_steps + 1 : 12;
	L->bottom_h = avail - L->roster_h - want;
	if (L->bottom_h < 7)
		L->bottom_h = 7;
	L->upper_h = avail - L->roster_h - L->bottom_h;
	L->roster_y = L->upper_y + L->upper_h;
	L->bottom_y = L->roster_y + L->roster_h;
	L->left_w = 26 + (COLS - MIN_COLS) / 4;
}

static void
draw_banner(tui_t *t)
{
	const char *text = " REHEARSAL - throwaway token, every output stamped REHEARSAL, "
	    "not for production ";
	int x;

	if (!t->opts->rehearsal)
		return;
	attron(A_REVERSE | A_BOLD);
	mvhline(0, 0, ' ', COLS);
	x = (COLS - (int)strlen(text)) / 2;
	if (x < 0) {
		text = " REHEARSAL ";
		x = (COLS - (int)strlen(text)) / 2;
	}
	mvaddnstr(0, x < 0 ? 0 : x, text, COLS);
	attroff(A_REVERSE | A_BOLD);
}

static void
draw_header(tui_t *t, const layout_t *L)
{
	char buf[512], right[64] = "";

	snprintf(buf, sizeof(buf), "conclave %s %s: %s", dash(t), t->script->name,
	    t->script->title);
	if (t->have_cur)
		snprintf(right, sizeof(right), "step %zu of %zu", t->cur + 1, t->script->n_steps);
	put(L->header_y, 1, COLS - 2 - (int)strlen(right) - 2, buf, A_BOLD);
	put(L->header_y, COLS - 1 - (int)strlen(right), (int)strlen(right), right, A_BOLD);
}

static void
draw_status(tui_t *t, const char *hints)
{
	attron(A_REVERSE);
	mvhline(LINES - 1, 0, ' ', COLS);
	attroff(A_REVERSE);
	put(LINES - 1, 1, COLS - 2, hints, A_REVERSE);
}

static void
draw_steps(tui_t *t, const layout_t *L)
{
	static const char *const mark[] = { "[ ]", "[>]", "[x]", "[!]" };
	size_t i, first = 0, rows = L->upper_h > 0 ? (size_t)L->upper_h : 0;
	char buf[128];

	if (rows == 0)
		return;
	if (t->have_cur && t->cur >= rows)
		first = t->cur - rows + 1;
	for (i = first; i < t->script->n_steps && i - first < rows; i++) {
		attr_t a = A_NORMAL;
		if (t->state[i] == S_CURRENT)
			a = A_BOLD;
		else if (t->state[i] == S_FAILED)
			a = A_BOLD | (t->colors ? COLOR_PAIR(2) : 0);
		snprintf(buf, sizeof(buf), "%s %s", mark[t->state[i]], t->script->steps[i].id);
		put(L->upper_y + (int)(i - first), 1, L->left_w - 2, buf, a);
	}
	mvvline(L->upper_y, L->left_w - 1, ACS_VLINE, L->upper_h);
}

static void
draw_current(tui_t *t, const layout_t *L)
{
	const clv_script_step_t *st;
	int x = L->left_w + 1, w = COLS - x - 1, y = L->upper_y, end = L->upper_y + L->upper_h;
	char buf[1024], seg[2048], *p, *next;

	if (!t->have_cur) {
		put(y, x, w, "Starting the ceremony", A_BOLD);
		return;
	}
	st = &t->script->steps[t->cur];
	snprintf(buf, sizeof(buf), "Step %zu of %zu: %s", t->cur + 1, t->script->n_steps, st->id);
	put(y++, x, w, buf, A_BOLD);
	y += put_wrapped(y, x, w, end - y, st->title, A_NORMAL);
	snprintf(buf, sizeof(buf), "Action: %s    Confirmed by: %s", clv_action_name(st->action),
	    st->confirm[0] ? st->confirm : clv_script_param(st, "role") != NULL ?
	    clv_script_param(st, "role") : dash(t));
	if (y < end)
		put(y++, x, w, buf, A_NORMAL);
	if (y < end)
		put(y++, x, w, "Plan:", A_BOLD);
	/* the engine's plan, one "; "-separated part a line */
	snprintf(seg, sizeof(seg), "%s", t->plan);
	for (p = seg; p != NULL && y < end; p = next) {
		next = strstr(p, "; ");
		if (next != NULL) {
			*next = '\0';
			next += 2;
		}
		y += put_wrapped(y, x + 2, w - 2, end - y, p, A_NORMAL);
	}
}

static void
draw_roster(tui_t *t, const layout_t *L)
{
	int half = COLS / 2, y, rows = L->roster_h - 1;
	char buf[512], head[160];
	size_t i, k;

	hline_title(L->roster_y, "Roster: roles", A_BOLD);
	if (t->q_seen && t->q.need > 0)
		snprintf(head, sizeof(head), " Officers: %s quorum %u of %u ", t->q_purpose,
		    t->q.have, t->q.need);
	else if (t->q_seen)
		snprintf(head, sizeof(head), " Officers: %s quorum, none presented yet ",
		    t->q_purpose);
	else
		snprintf(head, sizeof(head), " Officers: %zu enrolled ", t->n_officers);
	put(L->roster_y, half, COLS - half - 1, head, A_BOLD);
	y = L->roster_y + 1;
	for (i = 0; i < t->script->n_roles && (int)i < rows; i++) {
		size_t used;
		used = (size_t)snprintf(buf, sizeof(buf), "%-14s", t->script->roles[i].name);
		if (t->n_who[i] == 0)
			snprintf(buf + used, sizeof(buf) - used, "%s", dash(t));
		for (k = 0; k < t->n_who[i] && used < sizeof(buf); k++)
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", k ? ", " : "",
			    t->who[i][k]);
		put(y + (int)i, 1, half - 2, buf, t->n_who[i] ? A_NORMAL : A_DIM);
	}
	if (t->n_other_who > 0 && (int)i < rows) {
		size_t used = 0;
		buf[0] = '\0';
		for (k = 0; k < t->n_other_who && used < sizeof(buf); k++)
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", k ? ", " : "",
			    t->other_who[k]);
		put(y + (int)i, 1, half - 2, buf, A_NORMAL);
	}
	for (i = 0; i < t->n_officers && (int)i < rows; i++) {
		const char *what = "";
		attr_t a = A_NORMAL;
		if (officer_presented(t, i)) {
			what = "presented";
			a = A_BOLD;
		} else if (strcmp(t->presenting, t->officers[i].id) == 0) {
			what = "presenting";
			a = A_BOLD;
		}
		snprintf(buf, sizeof(buf), "%-8.8s %-18.18s %s", t->officers[i].id,
		    t->officers[i].name, what);
		put(y + (int)i, half + 1, COLS - half - 2, buf, a);
	}
	if (t->n_officers > (size_t)rows && rows > 0) {
		snprintf(buf, sizeof(buf), "+%zu more", t->n_officers - (size_t)rows + 1);
		put(y + rows - 1, half + 1, COLS - half - 2, buf, A_DIM);
	}
}

/* The log in rows y .. y+h-1, newest at the bottom. */
static void
draw_log(tui_t *t, int y, int h)
{
	size_t k, count = t->log_n < LOG_MAX ? t->log_n : LOG_MAX;
	int row = y + h, n;

	for (k = 0; k < count && row > y; k++) {
		size_t i = (t->log_n - 1 - k) % LOG_MAX;
		attr_t a = A_NORMAL;
		int lines;
		char line[LOG_LEN + 8];
		if (t->colors) {
			if (t->log_kind[i] == CLV_MSG_WARN)
				a = COLOR_PAIR(1);
			else if (t->log_kind[i] == CLV_MSG_ERROR)
				a = COLOR_PAIR(2) | A_BOLD;
			else if (t->log_kind[i] == CLV_MSG_OUTPUT)
				a = COLOR_PAIR(3);
		} else if (t->log_kind[i] == CLV_MSG_ERROR) {
			a = A_BOLD;
		}
		snprintf(line, sizeof(line), "%s", t->log[i]);
		lines = count_wrapped(COLS - 2, line);
		n = row - lines;
		if (n < y) {
			/* only the tail of the oldest visible message fits */
			wchar_t ws[LOG_LEN + 8];
			size_t start[WRAP_MAX], len[WRAP_MAX], wn = to_wide(line, ws, LOG_LEN + 8);
			int skip = y - n, j;
			lines = wrap(ws, wn, COLS - 2, start, len, WRAP_MAX);
			attron(a);
			for (j = skip; j < lines; j++)
				mvaddnwstr(y + j - skip, 1, ws + start[j], (int)len[j]);
			attroff(a);
			break;
		}
		put_wrapped(n, 1, COLS - 2, lines, line, a);
		row = n;
	}
}

static void
draw_field(tui_t *t, int y, const char *label, int secret)
{
	char buf[FIELD_MAX + 80];
	int x, w;
	size_t i;

	put(y, 1, COLS - 2, label, A_BOLD);
	x = 1 + (int)strlen(label) + 1;
	w = COLS - x - 2;
	if (secret) {
		size_t n = t->secret_chars < sizeof(buf) - 1 ? t->secret_chars : sizeof(buf) - 1;
		for (i = 0; i < n; i++)
			buf[i] = '*';
		buf[n] = '\0';
		if ((int)n > w)
			memmove(buf, buf + n - (size_t)w, (size_t)w + 1);
		put(y, x, w, buf, A_NORMAL);
		move(y, x + (int)strlen(buf));
		return;
	} else {
		/* the tail of the field when it is longer than the row */
		wchar_t ws[FIELD_MAX + 1];
		size_t n = to_wide(t->field, ws, FIELD_MAX + 1), s = 0;
		int col = 0;
		for (i = n; i > 0; i--) {
			if (col + wc_width(ws[i - 1]) > w - 1)
				break;
			col += wc_width(ws[i - 1]);
		}
		s = i;
		attron(A_UNDERLINE);
		mvhline(y, x, ' ', w);
		mvaddnwstr(y, x, ws + s, (int)(n - s));
		attroff(A_UNDERLINE);
		move(y, x + col);
	}
}

static void
draw_bottom(tui_t *t, const layout_t *L)
{
	int y = L->bottom_y + 1, h = L->bottom_h - 1, used = 0;
	char buf[1200];

	switch (t->screen) {
	case SC_CONFIRM:
	case SC_SECRET:
		hline_title(L->bottom_y, t->d_title, A_BOLD | A_REVERSE);
		used = 1 + count_wrapped(COLS - 2, t->d_text);
		if (used > h - 1)
			used = h - 1;
		draw_log(t, y, h - used - 1);
		put_wrapped(y + h - used - 1, 1, COLS - 2, used - 1, t->d_text, A_NORMAL);
		if (t->notice[0])
			put(y + h - 2, 1, COLS - 2, t->notice, A_BOLD);
		draw_field(t, y + h - 1, t->d_label, t->screen == SC_SECRET);
		return;
	case SC_QUORUM: {
		size_t n = t->n_officers + 1, first = 0, i;
		int rows = h - 2;
		hline_title(L->bottom_y, t->d_title, A_BOLD | A_REVERSE);
		put_wrapped(y, 1, COLS - 2, 1, t->d_text, A_NORMAL);
		if (rows < 1)
			rows = 1;
		if (t->sel >= (size_t)rows)
			first = t->sel - (size_t)rows + 1;
		for (i = first; i < n && (int)(i - first) < rows; i++) {
			attr_t a = i == t->sel ? A_REVERSE : A_NORMAL;
			if (i < t->n_officers)
				snprintf(buf, sizeof(buf), "%s %-10s %-28.28s %s", i == t->sel ? ">" : " ",
				    t->officers[i].id, t->officers[i].name,
				    officer_presented(t, i) ? "presented" :
				    t->officers[i].seal == CLV_SEAL_CARD ? "(card)" : "(passphrase)");
			else
				snprintf(buf, sizeof(buf), "%s nobody else presents (stop the login)",
				    i == t->sel ? ">" : " ");
			put(y + 1 + (int)(i - first), 1, COLS - 2, buf, a);
		}
		if (t->notice[0])
			snprintf(buf, sizeof(buf), "%s", t->notice);
		else
			snprintf(buf, sizeof(buf), "id: %s", t->typed);
		put(y + h - 1, 1, COLS - 2, buf, t->notice[0] ? A_BOLD : A_NORMAL);
		return;
	}
	case SC_DONE:
		hline_title(L->bottom_y, t->done_ok ? "Ceremony complete" : "Ceremony stopped",
		    A_BOLD | A_REVERSE);
		used = count_wrapped(COLS - 2, t->done_msg);
		if (used > h)
			used = h;
		draw_log(t, y, h - used);
		put_wrapped(y + h - used, 1, COLS - 2, used, t->done_msg,
		    A_BOLD | (t->colors ? COLOR_PAIR(t->done_ok ? 3 : 2) : 0));
		return;
	default:
		break;
	}
	hline_title(L->bottom_y, "Log", A_BOLD);
	if (t->prog_on && h > 1) {
		int bar = COLS - 2 - 30, fill, i;
		char pct[16];
		if (bar < 10)
			bar = 10;
		fill = (int)((long)bar * t->prog_permille / 1000);
		put(y, 1, 24, t->prog_what, A_BOLD);
		mvaddch(y, 26, '[');
		for (i = 0; i < bar; i++)
			mvaddch(y, 27 + i, i < fill ? (chtype)('#' | A_REVERSE) : (chtype)'.');
		snprintf(pct, sizeof(pct), "] %3u%%", t->prog_permille / 10);
		put(y, 27 + bar, 7, pct, A_NORMAL);
		y++;
		h--;
	}
	draw_log(t, y, h);
}

static void
draw_main(tui_t *t)
{
	layout_t L;

	layout(t, &L);
	draw_header(t, &L);
	draw_steps(t, &L);
	draw_current(t, &L);
	draw_roster(t, &L);
	draw_bottom(t, &L);
}

/* the fingerprint as bytes from "AB:CD:..." or "abcd..." */
static int
fp_bytes(const char *s, unsigned char out[32])
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s == ':' || *s == ' ')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			return CLV_E_FORMAT;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == 32)
			return CLV_E_FORMAT;
		out[n++] = (unsigned char)(hi << 4 | v);
		hi = -1;
	}
	return n == 32 && hi < 0 ? 0 : CLV_E_FORMAT;
}

static void
draw_qr(tui_t *t, int y, int x)
{
	const char *p = t->qr, *nl;
	attr_t a = t->colors ? COLOR_PAIR(4) : A_REVERSE;
	char line[1024];
	int row = 0;

	while (p != NULL && *p != '\0' && y + row < LINES - 1) {
		size_t n;
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		if (!t->utf8) {
			/* no half blocks: a rough picture, not one to scan */
			char ascii[1024];
			size_t i = 0, o = 0;
			while (line[i] != '\0' && o + 1 < sizeof(ascii)) {
				if ((unsigned char)line[i] == 0xe2 && line[i + 1] && line[i + 2]) {
					unsigned c = (unsigned char)line[i + 2];
					ascii[o++] = c == 0x80 ? '"' : c == 0x84 ? ',' : '#';
					i += 3;
				} else {
					ascii[o++] = line[i++];
				}
			}
			ascii[o] = '\0';
			snprintf(line, sizeof(line), "%s", ascii);
		}
		put(y + row, x, COLS - x, line, a);
		row++;
		p = nl ? nl + 1 : NULL;
	}
}

static void
draw_fingerprint(tui_t *t)
{
	int top = t->opts->rehearsal ? 1 : 0, y, x, w, avail = LINES - 1 - (top + 1);
	char words[512], *tok, *save = NULL, line[128], buf[200];
	size_t col = 0, i;
	int show_qr = t->qr != NULL && (int)t->qr_h <= avail && (int)t->qr_w + 2 + 37 <= COLS;

	put(top, 1, COLS - 2, t->fp_title, A_BOLD);
	y = top + 1;
	if (show_qr) {
		draw_qr(t, y, 1);
		x = (int)t->qr_w + 3;
	} else {
		x = 1;
		put(y++, x, COLS - 2, t->qr == NULL ? "(no QR code)" :
		    "(the QR code needs a larger terminal)", A_DIM);
	}
	w = COLS - x - 1;
	put(y++, x, w, "SHA-256", A_BOLD);
	for (i = 0; i < 4; i++) {
		snprintf(buf, sizeof(buf), "%.23s", t->fp_colon + i * 24);
		put(y++, x, w, buf, A_NORMAL);
	}
	y++;
	put(y++, x, w, "PGP words, read aloud in order:", A_BOLD);
	snprintf(words, sizeof(words), "%s", t->fp_words);
	line[0] = '\0';
	for (tok = strtok_r(words, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		size_t used = strlen(line);
		snprintf(line + used, sizeof(line) - used, "%-12s", tok);
		if (++col % 3 == 0) {
			put(y++, x, w, line, A_NORMAL);
			line[0] = '\0';
		}
	}
	if (line[0] != '\0')
		put(y++, x, w, line, A_NORMAL);
	if (y + 1 < LINES - 1)
		put_wrapped(y + 1, x, w, LINES - 2 - y, "Compare with the copy the witnesses hold; "
		    "then press Enter.", A_DIM);
}

/* big digits for the clock, 3x5 */
static const char *const big_font[11][5] = {
	{ "###", "# #", "# #", "# #", "###" }, { " # ", "## ", " # ", " # ", "###" },
	{ "###", "  #", "###", "#  ", "###" }, { "###", "  #", "###", "  #", "###" },
	{ "# #", "# #", "###", "  #", "  #" }, { "###", "#  ", "###", "  #", "###" },
	{ "###", "#  ", "###", "# #", "###" }, { "###", "  #", "  #", "  #", "  #" },
	{ "###", "# #", "###", "# #", "###" }, { "###", "# #", "###", "  #", "###" },
	{ " ", "#", " ", "#", " " },
};

static time_t
clock_shown(tui_t *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return t->clock_now + (now.tv_sec - t->clock_t0.tv_sec);
}

static void
draw_clock(tui_t *t)
{
	int top = t->opts->rehearsal ? 1 : 0, y = top, row, x0, x;
	time_t now = clock_shown(t);
	struct tm tm;
	char hms[16], buf[256], iso[21];
	const char *block = t->utf8 ? "\xe2\x96\x88\xe2\x96\x88" : "##";
	size_t i;

	gmtime_r(&now, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	clv_time_format(now, iso);
	put(y++, 1, COLS - 2, "Clock check", A_BOLD);
	y++;
	put_wrapped(y, 1, COLS - 2, 2, "The machine's clock in UTC. Every time in the outputs "
	    "and the records comes from it.", A_NORMAL);
	y += 2;
	x0 = (COLS - 56) / 2;
	for (row = 0; row < 5; row++) {
		x = x0;
		for (i = 0; hms[i] != '\0'; i++) {
			int g = hms[i] == ':' ? 10 : hms[i] - '0', k;
			const char *pat = big_font[g][row];
			for (k = 0; pat[k] != '\0'; k++, x += 2)
				if (pat[k] == '#')
					put(y + row, x, 2, block, A_BOLD);
			x += 2;
		}
	}
	y += 6;
	strftime(buf, sizeof(buf), "%A %d %B %Y, UTC", &tm);
	put(y++, (COLS - (int)strlen(buf)) / 2, COLS - 2, buf, A_BOLD);
	put(y++, (COLS - (int)strlen(iso)) / 2, COLS - 2, iso, A_NORMAL);
	y++;
	put_wrapped(y, 1, COLS - 2, 2, "Compare it with the agreed source of time (the "
	    "ceremony's reference clock) to the minute.", A_NORMAL);
	y += 2;
	if (t->clock_stage == 0) {
		snprintf(buf, sizeof(buf), "Is it right?  y = yes   n = no, the clock is wrong");
		put(y + 1, 1, COLS - 2, buf, A_BOLD);
	} else {
		snprintf(buf, sizeof(buf), "%s: type your name and press Enter to confirm the time",
		    t->clock_role);
		put(y, 1, COLS - 2, buf, A_BOLD);
		if (t->notice[0])
			put(y + 1, 1, COLS - 2, t->notice, A_BOLD);
		draw_field(t, LINES - 2, t->d_label, 0);
	}
}

static void
draw_exception(tui_t *t)
{
	int top = t->opts->rehearsal ? 1 : 0, y = top, field_y = LINES - 3;
	char buf[FIELD_MAX + 64];

	y += put_wrapped(y, 1, COLS - 2, 2, t->d_title, A_BOLD | (t->colors ? COLOR_PAIR(2) : 0));
	y++;
	put(y++, 1, COLS - 2, "Expected:", A_BOLD);
	y += put_wrapped(y, 3, COLS - 4, (field_y - y) / 2 - 1, t->ex_expected, A_NORMAL);
	y++;
	put(y++, 1, COLS - 2, "What happened:", A_BOLD);
	y += put_wrapped(y, 3, COLS - 4, field_y - 2 - y, t->ex_happened, A_NORMAL);
	put(field_y - 1, 1, COLS - 2, "What was decided (recorded in the transcript):", A_BOLD);
	snprintf(buf, sizeof(buf), "%s", t->notice);
	if (t->notice[0])
		put(field_y, 1, COLS - 2, buf, A_BOLD);
	draw_field(t, field_y + 1, t->d_label, 0);
}

static void
draw_resume(tui_t *t)
{
	int top = t->opts->rehearsal ? 1 : 0, y = top;

	put(y++, 1, COLS - 2, t->d_title, A_BOLD);
	y++;
	y += put_wrapped(y, 1, COLS - 2, LINES - 4 - y, t->d_text, A_NORMAL);
	put(y + 1, 1, COLS - 2, "Resume it?  y = resume where it stopped   n = do not", A_BOLD);
}

static const char *const help_text[] = {
	"Keys",
	"  F1, ?      this help (in a text field only F1)",
	"  Enter      confirm what the screen asks: a name, a passphrase, a choice",
	"  Backspace  delete a character;  Ctrl-U  clear the field",
	"  Up, Down   choose an officer at quorum entry (or type the officer's id)",
	"  Esc, q     abort the ceremony (asks first; in a text field only Esc)",
	"",
	"Screens",
	"  Main: the steps ([ ] pending, [>] current, [x] done, [!] failed), the",
	"    current step and its plan (what it does, its inputs, the files it",
	"    writes), the roster (who confirmed each role, which officers presented",
	"    shares) and a log.",
	"  Confirmation: the step's role types their name and presses Enter; an empty",
	"    name declines, which stops the ceremony. The name goes into the records.",
	"  Quorum entry: the officer who presents the next share picks themselves, then",
	"    types their passphrase or card PIN: nothing is shown, one * per key.",
	"  Fingerprint: a QR code, the SHA-256 and its PGP words, read aloud for the",
	"    witnesses; every fingerprint is also written to fingerprints.txt.",
	"  Clock check: the UTC time; confirm it against the agreed source.",
	"  Exception: what was expected, what happened, and what was decided.",
	"  Resume: a ceremony interrupted in the output directory is continued where",
	"    it stopped: nothing is issued twice, the interruption is recorded.",
	NULL,
};

static void
draw_help(tui_t *t)
{
	int top = t->opts->rehearsal ? 1 : 0, y, i;

	for (y = top; y < LINES - 1; y++)
		mvhline(y, 0, ' ', COLS);
	put(top, 1, COLS - 2, "Help", A_BOLD | A_REVERSE);
	for (i = 0, y = top + 1; help_text[i] != NULL && y < LINES - 1; i++, y++)
		put(y, 1, COLS - 2, help_text[i], help_text[i][0] != ' ' ? A_BOLD : A_NORMAL);
}

static void
draw_abort_box(void)
{
	static const char *const lines[] = {
		"Abort the ceremony?",
		"The engine stops here; nothing already written is removed.",
		"y = abort    n = go on",
	};
	int w = 64, h = 5, y0 = (LINES - h) / 2, x0 = (COLS - w) / 2, i;

	for (i = 0; i < h; i++)
		mvhline(y0 + i, x0, ' ', w);
	mvhline(y0, x0, ACS_HLINE, w);
	mvhline(y0 + h - 1, x0, ACS_HLINE, w);
	for (i = 0; i < 3; i++)
		put(y0 + 1 + i, x0 + 2, w - 4, lines[i], i == 0 ? A_BOLD : A_NORMAL);
}

static const char *
hints(tui_t *t)
{
	if (t->help)
		return "Any key: back";
	if (t->asking_abort)
		return "y: abort the ceremony   n: go on";
	switch (t->screen) {
	case SC_CONFIRM:
		return "Enter: confirm   Ctrl-U: clear   Esc: abort   F1: help";
	case SC_SECRET:
		return "Enter: done   Backspace: delete   Esc: abort   F1: help   (nothing is shown)";
	case SC_QUORUM:
		return "Up/Down or type the id: choose   Enter: present   Esc: abort   F1/?: help";
	case SC_FINGERPRINT:
		return "Enter: read aloud and compared   F1/?: help   q: abort";
	case SC_CLOCK:
		return t->clock_stage == 0 ? "y: right   n: wrong   F1/?: help   q: abort" :
		    "Enter: confirm   Esc: abort   F1: help";
	case SC_EXCEPTION:
		return "Enter: record the decision   F1: help";
	case SC_DONE:
		return "Enter: leave the console";
	case SC_RESUME:
		return "y: resume   n: do not   F1/?: help   q: abort";
	default:
		return "Working, please wait";
	}
}

static void
draw(tui_t *t)
{
	char buf[64];

	if (!t->curses_on)
		return;
	erase();
	curs_set(0);
	if (too_small()) {
		snprintf(buf, sizeof(buf), "terminal too small, need %dx%d", MIN_COLS, MIN_LINES);
		mvaddnstr(0, 0, buf, COLS);
		if (t->opts->rehearsal && LINES > 1)
			mvaddnstr(1, 0, "REHEARSAL", COLS);
		refresh();
		return;
	}
	draw_banner(t);
	if (t->help) {
		draw_help(t);
	} else {
		switch (t->screen) {
		case SC_FINGERPRINT:
			draw_fingerprint(t);
			break;
		case SC_CLOCK:
			draw_clock(t);
			break;
		case SC_EXCEPTION:
			draw_exception(t);
			break;
		case SC_RESUME:
			draw_resume(t);
			break;
		default:
			draw_main(t);
			break;
		}
	}
	if (t->asking_abort)
		draw_abort_box();
	draw_status(t, hints(t));
	if (!t->help && !t->asking_abort && (t->screen == SC_CONFIRM ||
	    t->screen == SC_SECRET || t->screen == SC_EXCEPTION ||
	    (t->screen == SC_CLOCK && t->clock_stage == 1))) {
		/* the cursor in the field: draw it last */
		layout_t L;
		layout(t, &L);
		if (t->screen == SC_EXCEPTION)
			draw_field(t, LINES - 2, t->d_label, 0);
		else if (t->screen == SC_CLOCK)
			draw_field(t, LINES - 2, t->d_label, 0);
		else
			draw_field(t, L.bottom_y + L.bottom_h - 1, t->d_label,
			    t->screen == SC_SECRET);
		curs_set(1);
	}
	refresh();
}

/* ---- keys ------------------------------------------------------------------- */

/* Waits for y or n (redrawing on resize); 1 for y. */
static int
ask_abort(tui_t *t)
{
	wint_t c;
	int k;

	t->asking_abort = 1;
	for (;;) {
		draw(t);
		k = get_wch(&c);
		if (k == KEY_CODE_YES && c == KEY_RESIZE)
			continue;
		if (k != OK)
			continue;
		if (c == 'y' || c == 'Y') {
			t->asking_abort = 0;
			t->aborted = 1;
			log_add(t, CLV_MSG_ERROR, "the ceremony was aborted at the console");
			return 1;
		}
		if (c == 'n' || c == 'N' || c == 27) {
			t->asking_abort = 0;
			draw(t);
			return 0;
		}
	}
}

static void
show_help(tui_t *t)
{
	wint_t c;
	int k;

	t->help = 1;
	for (;;) {
		draw(t);
		k = get_wch(&c);
		if (k == KEY_CODE_YES && c == KEY_RESIZE)
			continue;
		if (k == ERR)
			continue;
		break;
	}
	c = 0;
	t->help = 0;
	draw(t);
}

/*
 * The next key for a screen: resizes redraw, help and abort are handled
 * here; while the terminal is too small every other key is dropped (nobody
 * types blind).  *wc gets a printable character for K_CHAR.
 */
static int
next_key(tui_t *t, int flags, wint_t *wc)
{
	wint_t c = 0;
	int k;

	for (;;) {
		k = get_wch(&c);
		if (k == ERR)
			return K_TIMEOUT;
		if (k == KEY_CODE_YES) {
			if (c == KEY_RESIZE) {
				draw(t);
				continue;
			}
			if (too_small())
				continue;
			switch (c) {
			case KEY_F(1):
				show_help(t);
				continue;
			case KEY_ENTER:
				return K_ENTER;
			case KEY_BACKSPACE:
			case KEY_DC:
				return K_BACKSPACE;
			case KEY_UP:
				return K_UP;
			case KEY_DOWN:
				return K_DOWN;
			default:
				continue;
			}
		}
		if (too_small())
			continue;
		switch (c) {
		case '\r':
		case '\n':
			return K_ENTER;
		case 127:
		case 8:
			return K_BACKSPACE;
		case 21:                /* Ctrl-U */
			return K_KILL;
		case 3:                 /* Ctrl-C */
		case 27:                /* Esc */
			if (ask_abort(t))
				return K_ABORT;
			continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f)
			continue;
		if (c == '?' && flags != KF_TEXT) {
			show_help(t);
			continue;
		}
		if (c == 'q' && flags == KF_KEYS) {
			if (ask_abort(t))
				return K_ABORT;
			continue;
		}
		*wc = c;
		c = 0;
		return K_CHAR;
	}
}

/* Appends a character to the (UTF-8) text field. */
static void
field_add(tui_t *t, wint_t wc)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n;

	memset(&st, 0, sizeof(st));
	n = wcrtomb(mb, (wchar_t)wc, &st);
	if (n == (size_t)-1 || t->field_len + n >= sizeof(t->field)) {
		beep();
		return;
	}
	memcpy(t->field + t->field_len, mb, n);
	t->field_len += n;
	t->field[t->field_len] = '\0';
}

/* Removes the last character (not byte) of buf[0..*len). */
static void
utf8_backspace(unsigned char *buf, size_t *len)
{
	size_t n = *len;

	if (n == 0)
		return;
	n--;
	while (n > 0 && (buf[n] & 0xc0) == 0x80)
		n--;
	explicit_bzero(buf + n, *len - n);
	*len = n;
}

/* A line of text in t->field; 0 on Enter, CLV_E_NOT_CONFIRMED on abort. */
static int
edit_field(tui_t *t, int flags)
{
	wint_t wc = 0;
	size_t n;

	for (;;) {
		draw(t);
		switch (next_key(t, flags, &wc)) {
		case K_ENTER:
			t->notice[0] = '\0';
			return 0;
		case K_ABORT:
			return CLV_E_NOT_CONFIRMED;
		case K_BACKSPACE:
			n = t->field_len;
			utf8_backspace((unsigned char *)t->field, &n);
			t->field_len = n;
			t->field[n] = '\0';
			break;
		case K_KILL:
			field_set(t, "");
			break;
		case K_CHAR:
			t->notice[0] = '\0';
			field_add(t, wc);
			break;
		default:
			break;
		}
	}
}

/* A secret typed into s (locked memory): nothing drawn but '*'s. */
static int
edit_secret(tui_t *t, clv_secret_t *s)
{
	wint_t wc = 0;
	mbstate_t st;
	size_t n;

	t->secret_chars = 0;
	for (;;) {
		draw(t);
		switch (next_key(t, KF_TEXT, &wc)) {
		case K_ENTER:
			return 0;
		case K_ABORT:
			explicit_bzero(s->p, s->cap);
			s->len = 0;
			t->secret_chars = 0;
			return CLV_E_NOT_CONFIRMED;
		case K_BACKSPACE:
			if (t->secret_chars > 0) {
				utf8_backspace(s->p, &s->len);
				t->secret_chars--;
			}
			break;
		case K_KILL:
			explicit_bzero(s->p, s->cap);
			s->len = 0;
			t->secret_chars = 0;
			break;
		case K_CHAR:
			/* straight into the locked buffer */
			memset(&st, 0, sizeof(st));
			if (s->cap - s->len < MB_CUR_MAX + 1) {
				beep();
				break;
			}
			n = wcrtomb((char *)s->p + s->len, (wchar_t)wc, &st);
			wc = 0;
			if (n == (size_t)-1) {
				beep();
				break;
			}
			s->len += n;
			t->secret_chars++;
			break;
		default:
			break;
		}
	}
}

static void
trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	if (i > 0)
		memmove(s, s + i, n - i + 1);
}

/* ---- fingerprints.txt ------------------------------------------------------- */

static void
fp_record(tui_t *t, const char *what, const char *colon, const char *words)
{
	char path[PATH_MAX], *buf = NULL, *tok, *save = NULL, wcopy[512];
	size_t len = 0;
	FILE *m = NULL;
	clv_diag_t d;
	int fd = -1, k = 0;

	memset(&d, 0, sizeof(d));
	if (t->fp_file < 0 || (m = open_memstream(&buf, &len)) == NULL)
		return;
	if (t->fp_file == 2) {
		char now[21];
		clv_time_format(t->opts->clock != NULL ? clv_clock_now(t->opts->clock) : time(NULL),
		    now);
		fprintf(m, "\n(the ceremony was interrupted and resumed at %s)\n", now);
		t->fp_file = 1;
	} else if (t->fp_file == 0) {
		char now[21];
		clv_time_format(t->opts->clock != NULL ? clv_clock_now(t->opts->clock) : time(NULL),
		    now);
		fprintf(m, "%sConclave fingerprints: %s (%s)\nscript: %s\nwritten at the console "
		    "from %s\n", t->opts->rehearsal ? "REHEARSAL - NOT FOR PRODUCTION\n" : "",
		    t->script->name, t->script->title, t->opts->script_path, now);
	}
	fprintf(m, "\n%s\n  SHA-256: %s\n  PGP words:", what, colon);
	snprintf(wcopy, sizeof(wcopy), "%s", words);
	for (tok = strtok_r(wcopy, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save))
		fprintf(m, "%s %s", k++ % 8 == 0 ? "\n   " : "", tok);
	fprintf(m, "\n");
	fclose(m);
	snprintf(path, sizeof(path), "%s/fingerprints.txt", t->opts->out_dir);
	if (t->fp_file == 0) {
		if (clv_file_write_new(path, buf, len, 0644, &d) == 0) {
			t->fp_file = 1;
		} else {
			t->fp_file = -1;
			log_add(t, CLV_MSG_ERROR, d.msg[0] ? d.msg : "cannot write fingerprints.txt");
		}
	} else {
		ssize_t w = -1;
		if ((fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
			w = write(fd, buf, len);
			if (fsync(fd) != 0)
				w = -1;
			close(fd);
		}
		if (w != (ssize_t)len) {
			t->fp_file = -1;
			snprintf(wcopy, sizeof(wcopy), "%s: cannot append: %s", path, strerror(errno));
			log_add(t, CLV_MSG_ERROR, wcopy);
		}
	}
	free(buf);
}

/* The fingerprint screen: QR, hex, words; waits for Enter. */
static void
show_fingerprint(tui_t *t, const char *title, const char *record_as, const char *hex_any)
{
	unsigned char b[32];
	char hex[65];
	wint_t wc;
	int k;

	free(t->qr);
	t->qr = NULL;
	t->qr_w = t->qr_h = 0;
	snprintf(t->fp_title, sizeof(t->fp_title), "%s", title);
	if (fp_bytes(hex_any, b) != 0) {
		snprintf(t->fp_title, sizeof(t->fp_title), "%s: not a SHA-256 (%.80s)", title,
		    hex_any);
		log_add(t, CLV_MSG_ERROR, t->fp_title);
		draw(t);
		return;
	}
	clv_hex_colon(b, 32, t->fp_colon);
	clv_hex(b, 32, hex);
	if (clv_fp_words(b, 32, t->fp_words, sizeof(t->fp_words)) != 0)
		snprintf(t->fp_words, sizeof(t->fp_words), "(no words)");
	if (clv_fp_qr(hex, &t->qr, &t->qr_w, &t->qr_h) != 0) {
		t->qr = NULL;
		t->qr_w = t->qr_h = 0;
	}
	fp_record(t, record_as, t->fp_colon, t->fp_words);
	if (t->aborted)
		return;
	t->screen = SC_FINGERPRINT;
	flushinp();
	for (;;) {
		draw(t);
		k = next_key(t, KF_KEYS, &wc);
		if (k == K_ENTER || k == K_ABORT)
			break;
	}
	t->screen = SC_MAIN;
	draw(t);
}

/* ---- the engine's callbacks --------------------------------------------------- */

static int
tui_confirm(void *ctx, const clv_script_step_t *step, const char *role, char *who,
    size_t wholen)
{
	tui_t *t = ctx;
	const char *pre;
	char buf[600];
	int r;

	who[0] = '\0';
	if (t->aborted)
		return CLV_E_NOT_CONFIRMED;
	if ((pre = last_who(t, role)) == NULL)
		pre = answer(t, "confirm", role);
	field_set(t, pre);
	t->notice[0] = '\0';
	t->screen = SC_CONFIRM;
	flushinp();                 /* nothing typed before the question answers it */
	if (step->action == CLV_ACT_WITNESS_ACK) {
		snprintf(t->d_title, sizeof(t->d_title), "Witness acknowledgement by %s", role);
		snprintf(t->d_text, sizeof(t->d_text), "%s. The %s types their name and presses "
		    "Enter to record it; an empty name declines.", step->title, role);
	} else {
		snprintf(t->d_title, sizeof(t->d_title), "Confirmation by %s", role);
		snprintf(t->d_text, sizeof(t->d_text), "Step %s: read the plan above. The %s types "
		    "their name and presses Enter to confirm; an empty name declines.", step->id,
		    role);
	}
	snprintf(t->d_label, sizeof(t->d_label), "%s:", role);
	r = edit_field(t, KF_TEXT);
	t->screen = SC_MAIN;
	trim(t->field);
	if (r != 0 || t->field[0] == '\0') {
		snprintf(buf, sizeof(buf), "step %s: the %s did not confirm", step->id, role);
		log_add(t, CLV_MSG_WARN, buf);
		field_set(t, "");
		draw(t);
		return CLV_E_NOT_CONFIRMED;
	}
	snprintf(who, wholen, "%s", t->field);
	add_who(t, role, t->field);
	snprintf(buf, sizeof(buf), "%s confirmed by %s %s", step->id, role, t->field);
	log_add(t, CLV_MSG_INFO, buf);
	field_set(t, "");
	draw(t);
	return 0;
}

static int
ask_secret(tui_t *t, const char *title, const char *text, const char *label,
    clv_secret_t **out)
{
	clv_secret_t *s = NULL;
	int r = CLV_E_INTERNAL;

	*out = NULL;
	if (t->aborted)
		return CLV_E_NOT_CONFIRMED;
	if ((r = clv_secret_new(SECRET_CAP, &s)) != 0)
		goto out;
	snprintf(t->d_title, sizeof(t->d_title), "%s", title);
	snprintf(t->d_text, sizeof(t->d_text), "%s", text);
	snprintf(t->d_label, sizeof(t->d_label), "%s", label);
	t->notice[0] = '\0';
	t->screen = SC_SECRET;
	flushinp();
	if ((r = edit_secret(t, s)) != 0)
		goto out;
	if (s->len == 0) {
		log_add(t, CLV_MSG_WARN, "nothing was typed: declined");
		r = CLV_E_NOT_CONFIRMED;
		goto out;
	}
	*out = s;
	s = NULL;
	r = 0;
out:
	t->secret_chars = 0;
	t->screen = SC_MAIN;
	clv_secret_free(s);
	draw(t);
	return r;
}

static int
tui_pin(void *ctx, const char *token_label, clv_secret_t **out)
{
	tui_t *t = ctx;
	char title[300];

	snprintf(title, sizeof(title), "Token '%s': user PIN", token_label);
	return ask_secret(t, title, "Type the token's user PIN and press Enter. Nothing you "
	    "type is shown or recorded; one * per key.", "PIN:", out);
}

static const char *
tui_key_label(void *ctx, const char *key_name)
{
	tui_t *t = ctx;

	return t->answers != NULL ? t->batch.key_label(t->answers, key_name) : NULL;
}

static void
tui_step_begin(void *ctx, size_t index, size_t total, const clv_script_step_t *step,
    const char *plan)
{
	tui_t *t = ctx;

	if (index < CLV_SCRIPT_MAX_STEPS) {
		t->cur = index;
		t->have_cur = 1;
		t->state[index] = S_CURRENT;
	}
	snprintf(t->plan, sizeof(t->plan), "%s", plan);
	t->prog_on = 0;
	t->screen = SC_MAIN;
	draw(t);
}

static void
tui_step_end(void *ctx, const clv_script_step_t *step, int result, const char *summary)
{
	tui_t *t = ctx;
	char buf[LOG_LEN];

	if (t->have_cur)
		t->state[t->cur] = result == 0 ? S_DONE : S_FAILED;
	t->prog_on = 0;
	if (result == 0)
		snprintf(buf, sizeof(buf), "%s done: %s", step->id, summary[0] ? summary : "ok");
	else
		snprintf(buf, sizeof(buf), "%s FAILED: %s", step->id, summary);
	log_add(t, result == 0 ? CLV_MSG_INFO : CLV_MSG_ERROR, buf);
	t->presenting[0] = '\0';
	draw(t);
}

static void
tui_message(void *ctx, clv_msg_kind_t kind, const char *text)
{
	tui_t *t = ctx;

	log_add(t, kind, text);
	draw(t);
}

static void
tui_fingerprint(void *ctx, const char *what, const char *sha256_colon)
{
	tui_t *t = ctx;
	char title[300];

	snprintf(title, sizeof(title), "Fingerprint: %s", what);
	show_fingerprint(t, title, what, sha256_colon);
}

static int
tui_officer(void *ctx, size_t i, clv_officer_t *out)
{
	tui_t *t = ctx;

	memset(out, 0, sizeof(*out));
	if (i >= t->n_officers)
		return CLV_E_DB_NOT_FOUND;
	*out = t->officers[i];
	return 0;
}

static int
tui_officer_secret(void *ctx, const clv_officer_t *o, const char *what, clv_secret_t **out)
{
	tui_t *t = ctx;
	char title[300], text[600], label[64];
	int r;

	snprintf(t->presenting, sizeof(t->presenting), "%s", o->id);
	snprintf(title, sizeof(title), "Officer %s (%s): %s", o->name, o->id, what);
	snprintf(text, sizeof(text), "%s, type your %s and press Enter. Nothing you type is "
	    "shown or recorded; one * per key.", o->name, what);
	snprintf(label, sizeof(label), "%s:", strcmp(what, "passphrase") == 0 ? "Passphrase" :
	    strcmp(what, "card PIN") == 0 ? "Card PIN" : what);
	r = ask_secret(t, title, text, label, out);
	t->presenting[0] = '\0';
	return r;
}

static void
quorum_title(tui_t *t, const char *purpose, const clv_quorum_progress_t *p)
{
	char names[1024] = "";
	size_t used = 0;
	unsigned i;

	for (i = 0; i < p->have && i < CLV_QUORUM_MAX_SHARES && used < sizeof(names); i++)
		used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "",
		    p->officers[i]);
	if (p->need > 0)
		snprintf(t->d_title, sizeof(t->d_title), "Quorum login, %s: %u of %u presented%s%s",
		    purpose, p->have, p->need, p->have ? ": " : "", names);
	else
		snprintf(t->d_title, sizeof(t->d_title), "Quorum login, %s: no share presented yet",
		    purpose);
}

static int
tui_next_share(void *ctx, const char *purpose, unsigned attempt,
    const clv_quorum_progress_t *p, char *id, size_t idlen)
{
	tui_t *t = ctx;
	char buf[300];
	wint_t wc = 0;
	size_t i, n;
	int k;

	id[0] = '\0';
	if (t->aborted)
		return CLV_E_NOT_CONFIRMED;
	snprintf(t->q_purpose, sizeof(t->q_purpose), "%s", purpose);
	t->q = *p;
	t->q_seen = 1;
	quorum_title(t, purpose, p);
	snprintf(t->d_text, sizeof(t->d_text), "Who presents the next %s share?%s", purpose,
	    attempt > p->have ? " (a share was refused: see the log)" : "");
	t->typed[0] = '\0';
	t->notice[0] = '\0';
	for (t->sel = 0; t->sel < t->n_officers && officer_presented(t, t->sel); t->sel++)
		;
	t->screen = SC_QUORUM;
	flushinp();
	for (;;) {
		draw(t);
		k = next_key(t, KF_ID, &wc);
		if (k != K_TIMEOUT)
			t->notice[0] = '\0';
		switch (k) {
		case K_ABORT:
			t->screen = SC_MAIN;
			draw(t);
			return CLV_E_NOT_CONFIRMED;
		case K_UP:
			if (t->sel > 0)
				t->sel--;
			t->typed[0] = '\0';
			break;
		case K_DOWN:
			if (t->sel < t->n_officers)
				t->sel++;
			t->typed[0] = '\0';
			break;
		case K_BACKSPACE:
		case K_KILL:
			n = strlen(t->typed);
			if (n > 0)
				t->typed[k == K_KILL ? 0 : n - 1] = '\0';
			break;
		case K_CHAR:
			n = strlen(t->typed);
			if (wc > 0x7f || n + 1 >= sizeof(t->typed)) {
				beep();
				break;
			}
			t->typed[n] = (char)wc;
			t->typed[n + 1] = '\0';
			for (i = 0; i < t->n_officers; i++)
				if (strncmp(t->officers[i].id, t->typed, n + 1) == 0)
					break;
			if (i < t->n_officers) {
				t->sel = i;
			} else {
				snprintf(t->notice, sizeof(t->notice), "no enrolled officer's id starts "
				    "with '%s'", t->typed);
				t->typed[n] = '\0';
				beep();
			}
			break;
		case K_ENTER:
			if (t->sel >= t->n_officers) {
				snprintf(buf, sizeof(buf), "%s quorum: nobody else presents", purpose);
				log_add(t, CLV_MSG_WARN, buf);
				t->screen = SC_MAIN;
				draw(t);
				return CLV_E_NOT_CONFIRMED;
			}
			if (officer_presented(t, t->sel)) {
				snprintf(t->notice, sizeof(t->notice), "%s has presented a share already",
				    t->officers[t->sel].name);
				beep();
				break;
			}
			snprintf(id, idlen, "%s", t->officers[t->sel].id);
			snprintf(buf, sizeof(buf), "%s presents a %s share", t->officers[t->sel].name,
			    purpose);
			log_add(t, CLV_MSG_INFO, buf);
			t->screen = SC_MAIN;
			draw(t);
			return 0;
		default:
			break;
		}
	}
}

static void
tui_quorum_progress(void *ctx, const char *purpose, const clv_quorum_progress_t *p)
{
	tui_t *t = ctx;

	snprintf(t->q_purpose, sizeof(t->q_purpose), "%s", purpose);
	t->q = *p;
	t->q_seen = 1;
	t->presenting[0] = '\0';
	quorum_title(t, purpose, p);
	log_add(t, CLV_MSG_INFO, t->d_title);
	draw(t);
}

static int
tui_roster(void *ctx, const char *purpose, char ids[][32], size_t max, size_t *n)
{
	tui_t *t = ctx;

	*n = 0;
	if (t->answers == NULL) {
		log_add(t, CLV_MSG_ERROR, "a re-share takes its new roster from [reshare] in the "
		    "answers file: start the console with --answers");
		draw(t);
		return CLV_E_ANSWERS;
	}
	return t->batch.roster(t->answers, purpose, ids, max, n);
}

static void
tui_rehearsal_quorum(void *ctx, unsigned *threshold, unsigned *so_threshold)
{
	tui_t *t = ctx;

	if (t->answers != NULL)
		t->batch.rehearsal_quorum(t->answers, threshold, so_threshold);
}

static int
tui_clock_check(void *ctx, const char *role, time_t now, char *who, size_t wholen)
{
	tui_t *t = ctx;
	const char *pre;
	char buf[300], iso[21];
	wint_t wc = 0;
	int k, r = CLV_E_NOT_CONFIRMED;

	who[0] = '\0';
	if (t->aborted)
		return CLV_E_NOT_CONFIRMED;
	t->clock_now = now;
	clock_gettime(CLOCK_MONOTONIC, &t->clock_t0);
	t->clock_stage = 0;
	snprintf(t->clock_role, sizeof(t->clock_role), "%s", role);
	snprintf(t->d_label, sizeof(t->d_label), "%s:", role);
	if ((pre = last_who(t, role)) == NULL)
		pre = answer(t, "confirm", role);
	field_set(t, pre);
	t->notice[0] = '\0';
	t->screen = SC_CLOCK;
	flushinp();
	timeout(250);
	for (;;) {
		draw(t);
		if (t->clock_stage == 0) {
			k = next_key(t, KF_KEYS, &wc);
			if (k == K_ABORT)
				break;
			if (k == K_CHAR && (wc == 'n' || wc == 'N')) {
				clv_time_format(now, iso);
				snprintf(buf, sizeof(buf), "clock check: the %s says the clock (%s) is "
				    "wrong", role, iso);
				log_add(t, CLV_MSG_ERROR, buf);
				break;
			}
			if (k == K_CHAR && (wc == 'y' || wc == 'Y'))
				t->clock_stage = 1;
			continue;
		}
		k = next_key(t, KF_TEXT, &wc);
		if (k == K_ABORT)
			break;
		if (k == K_BACKSPACE) {
			size_t n = t->field_len;
			utf8_backspace((unsigned char *)t->field, &n);
			t->field_len = n;
			t->field[n] = '\0';
		} else if (k == K_KILL) {
			field_set(t, "");
		} else if (k == K_CHAR) {
			t->notice[0] = '\0';
			field_add(t, wc);
		} else if (k == K_ENTER) {
			trim(t->field);
			if (t->field[0] == '\0') {
				snprintf(t->notice, sizeof(t->notice), "type your name, or Esc to abort");
				continue;
			}
			snprintf(who, wholen, "%s", t->field);
			add_who(t, role, t->field);
			clv_time_format(now, iso);
			snprintf(buf, sizeof(buf), "clock %s confirmed by %s %s", iso, role, t->field);
			log_add(t, CLV_MSG_INFO, buf);
			r = 0;
			break;
		}
	}
	timeout(-1);
	field_set(t, "");
	t->notice[0] = '\0';
	t->screen = SC_MAIN;
	draw(t);
	return r;
}

static int
tui_exception(void *ctx, const clv_script_step_t *step, const char *expected,
    const char *happened, char *decision, size_t declen)
{
	tui_t *t = ctx;
	char buf[LOG_LEN];
	wint_t wc = 0;
	int k;

	decision[0] = '\0';
	if (step != NULL)
		snprintf(t->d_title, sizeof(t->d_title), "Exception in step %s: %s", step->id,
		    step->title);
	else
		snprintf(t->d_title, sizeof(t->d_title), "Exception");
	snprintf(t->ex_expected, sizeof(t->ex_expected), "%s", expected ? expected : "");
	snprintf(t->ex_happened, sizeof(t->ex_happened), "%s", happened ? happened : "");
	snprintf(t->d_label, sizeof(t->d_label), "Decision:");
	field_set(t, "");
	t->notice[0] = '\0';
	t->screen = SC_EXCEPTION;
	if (t->aborted) {
		snprintf(decision, declen, "the console was aborted before a decision was recorded");
		t->screen = SC_MAIN;
		return 0;
	}
	flushinp();
	for (;;) {
		draw(t);
		/* the decision must be recorded: Esc does not leave this screen */
		k = next_key(t, KF_TEXT, &wc);
		if (k == K_ABORT) {
			t->aborted = 1;
			snprintf(t->notice, sizeof(t->notice), "the ceremony stops: record what was "
			    "decided, then Enter");
			continue;
		}
		if (k == K_BACKSPACE) {
			size_t n = t->field_len;
			utf8_backspace((unsigned char *)t->field, &n);
			t->field_len = n;
			t->field[n] = '\0';
		} else if (k == K_KILL) {
			field_set(t, "");
		} else if (k == K_CHAR) {
			t->notice[0] = '\0';
			field_add(t, wc);
		} else if (k == K_ENTER) {
			trim(t->field);
			if (t->field[0] != '\0')
				break;
			snprintf(t->notice, sizeof(t->notice), "a decision must be recorded");
			beep();
		}
	}
	snprintf(decision, declen, "%s", t->field);
	snprintf(buf, sizeof(buf), "exception in %s: %s; decided: %s", step ? step->id : "-",
	    t->ex_happened, t->field);
	log_add(t, CLV_MSG_WARN, buf);
	field_set(t, "");
	t->screen = SC_MAIN;
	draw(t);
	return 0;
}

static void
tui_progress(void *ctx, const char *what, unsigned permille)
{
	tui_t *t = ctx;
	wint_t c;

	snprintf(t->prog_what, sizeof(t->prog_what), "%s", what);
	t->prog_permille = permille > 1000 ? 1000 : permille;
	t->prog_on = 1;
	/* a resize while the engine works is taken now; keys stay queued */
	timeout(0);
	for (;;) {
		int k = get_wch(&c);
		if (k == KEY_CODE_YES && c == KEY_RESIZE)
			continue;
		if (k == KEY_CODE_YES)
			ungetch((int)c);
		else if (k == OK)
			unget_wch((wchar_t)c);
		break;
	}
	timeout(-1);
	draw(t);
}

static void
tui_transcript_head(void *ctx, const char *sha256_hex)
{
	tui_t *t = ctx;

	show_fingerprint(t, "Transcript head", "transcript head", sha256_hex);
}

static void
tui_ui(clv_engine_ui_t *ui)
{
	memset(ui, 0, sizeof(*ui));
	ui->confirm = tui_confirm;
	ui->pin = tui_pin;
	ui->key_label = tui_key_label;
	ui->step_begin = tui_step_begin;
	ui->step_end = tui_step_end;
	ui->message = tui_message;
	ui->fingerprint = tui_fingerprint;
	ui->officer = tui_officer;
	ui->officer_secret = tui_officer_secret;
	ui->next_share = tui_next_share;
	ui->quorum_progress = tui_quorum_progress;
	ui->roster = tui_roster;
	ui->rehearsal_quorum = tui_rehearsal_quorum;
	ui->clock_check = tui_clock_check;
	ui->exception = tui_exception;
	ui->progress = tui_progress;
	ui->transcript_head = tui_transcript_head;
}

/* ---- start and end -------------------------------------------------------------- */

/* stderr goes to a memory file while the screen is on (libraries must not
 * write over it) and is replayed on the terminal afterwards. */
static void
stderr_capture(tui_t *t)
{
	t->saved_stderr = -1;
	t->err_fd = memfd_create("conclave-stderr", MFD_CLOEXEC);
	if (t->err_fd < 0)
		return;
	fflush(stderr);
	if ((t->saved_stderr = dup(STDERR_FILENO)) < 0 || dup2(t->err_fd, STDERR_FILENO) < 0) {
		if (t->saved_stderr >= 0)
			close(t->saved_stderr);
		t->saved_stderr = -1;
		close(t->err_fd);
		t->err_fd = -1;
	}
}

static void
stderr_release(tui_t *t)
{
	char buf[4096];
	ssize_t n;

	if (t->saved_stderr < 0)
		return;
	fflush(stderr);
	dup2(t->saved_stderr, STDERR_FILENO);
	close(t->saved_stderr);
	t->saved_stderr = -1;
	if (lseek(t->err_fd, 0, SEEK_SET) == 0)
		while ((n = read(t->err_fd, buf, sizeof(buf))) > 0)
			if (write(STDERR_FILENO, buf, (size_t)n) != n)
				break;
	close(t->err_fd);
	t->err_fd = -1;
}

static int
curses_start(tui_t *t)
{
	static int registered;

	if (!registered) {
		atexit(restore_terminal);
		registered = 1;
	}
	catch_signals();
	if (initscr() == NULL)
		return CLV_E_IO;
	curses_live = 1;
	t->curses_on = 1;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(1, COLOR_YELLOW, -1);
		init_pair(2, COLOR_RED, -1);
		init_pair(3, COLOR_GREEN, -1);
		init_pair(4, COLOR_BLACK, COLOR_WHITE);
		t->colors = 1;
	}
	return 0;
}

static void
curses_stop(tui_t *t)
{
	if (!t->curses_on)
		return;
	t->curses_on = 0;
	restore_terminal();
	release_signals();
}

/* what an interrupted transcript says, for the resume screen */
typedef struct resume_info {
	uint64_t records;
	char last_step[64];
	char started[256];
} resume_info_t;

static int
resume_scan(void *ctx, const clv_transcript_record_t *rec)
{
	resume_info_t *ri = ctx;
	const char *colon;

	ri->records = rec->seq + 1;
	if (strcmp(rec->event, "step-done") == 0 && (colon = strchr(rec->detail, ':')) != NULL)
		snprintf(ri->last_step, sizeof(ri->last_step), "%.*s",
		    (int)(colon - rec->detail), rec->detail);
	else if (strcmp(rec->event, "transcript-opened") == 0)
		snprintf(ri->started, sizeof(ri->started), "%s", rec->detail);
	return 0;
}

/*
 * An unclosed transcript in the output directory is a ceremony that was
 * interrupted: the console offers to resume it (1) rather than have the
 * engine refuse.  Rehearsals are not resumed (their token is gone).
 */
static int
offer_resume(tui_t *t)
{
	clv_transcript_t *tr = NULL;
	resume_info_t ri;
	clv_diag_t d;
	char path[PATH_MAX];
	wint_t wc = 0;
	int k;

	memset(&ri, 0, sizeof(ri));
	memset(&d, 0, sizeof(d));
	snprintf(path, sizeof(path), "%s/%s", t->opts->out_dir, CLV_TRANSCRIPT_FILE);
	if (t->opts->rehearsal || t->opts->resume || !clv_file_exists(path))
		return 0;
	if (clv_transcript_open(t->opts->out_dir, &tr, &d) != 0)
		return 0;               /* closed, or not one to continue: the engine says why */
	clv_transcript_free(tr);
	if (clv_transcript_records(t->opts->out_dir, resume_scan, &ri, &d) != 0)
		return 0;
	snprintf(t->d_title, sizeof(t->d_title), "A ceremony was interrupted in %s",
	    t->opts->out_dir);
	snprintf(t->d_text, sizeof(t->d_text), "Its transcript has %llu records and was not "
	    "closed.\nLast step done: %s\n\n%s\n\nResuming continues it where it stopped: "
	    "what was done is taken over, not done again; the interruption is recorded in the "
	    "transcript. The steps still to do are confirmed again.",
	    (unsigned long long)ri.records, ri.last_step[0] ? ri.last_step : "none",
	    ri.started);
	t->screen = SC_RESUME;
	flushinp();
	for (;;) {
		draw(t);
		k = next_key(t, KF_KEYS, &wc);
		if (k == K_ABORT)
			break;
		if (k == K_CHAR && (wc == 'y' || wc == 'Y')) {
			log_add(t, CLV_MSG_WARN, "resuming the interrupted ceremony");
			t->screen = SC_MAIN;
			return 1;
		}
		if (k == K_CHAR && (wc == 'n' || wc == 'N'))
			break;
	}
	t->screen = SC_MAIN;
	return 0;
}

int
tui_run(const clv_engine_opts_t *opts, batch_t *answers, clv_diag_t *diag)
{
	clv_engine_opts_t eo = *opts;
	clv_engine_ui_t ui;
	tui_t *t = NULL;
	wint_t wc;
	size_t i;
	int r = CLV_E_INTERNAL, k;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return clv_diag_set(diag, CLV_E_USAGE, "the console needs a terminal on its input "
		    "and output; for a ceremony from an answers file use conclave run");
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return CLV_E_NOMEM;
	t->opts = &eo;
	t->answers = answers;
	t->saved_stderr = -1;
	t->err_fd = -1;
	batch_ui(&t->batch);
	if ((r = clv_script_load(opts->script_path, &t->script, diag)) != 0)
		goto out;
	/* officers are enrolled by the answers file: read them all before the
	 * screen starts, so a mistake there is an ordinary error message */
	for (i = 0; answers != NULL && i <= CLV_QUORUM_MAX_SHARES; i++) {
		clv_officer_t off;
		r = t->batch.officer(answers, i, &off);
		if (r == CLV_E_DB_NOT_FOUND)
			break;
		if (r != 0) {
			r = clv_diag_set(diag, r, "%s: officer %zu cannot be enrolled",
			    answers->answers->path, i + 1);
			goto out;
		}
		if (i == CLV_QUORUM_MAX_SHARES) {
			r = clv_diag_set(diag, CLV_E_POLICY, "%s: more than %d officers enrolled",
			    answers->answers->path, CLV_QUORUM_MAX_SHARES);
			goto out;
		}
		t->officers[t->n_officers++] = off;
	}
	setlocale(LC_CTYPE, "");
	t->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	stderr_capture(t);
	if ((r = curses_start(t)) != 0) {
		r = clv_diag_set(diag, r, "cannot start the screen (TERM=%s)",
		    getenv("TERM") ? getenv("TERM") : "unset");
		goto out;
	}
	log_add(t, CLV_MSG_INFO, answers != NULL ? "answers file: names pre-filled from "
	    "[confirm], officers from [officer]; every name is confirmed here" :
	    "no answers file: every name is typed here");
	draw(t);
	if (offer_resume(t))
		eo.resume = 1;
	if (eo.resume) {
		char fpath[PATH_MAX];
		snprintf(fpath, sizeof(fpath), "%s/fingerprints.txt", eo.out_dir);
		if (clv_file_exists(fpath))
			t->fp_file = 2;
	}
	if (t->aborted) {
		r = clv_diag_set(diag, CLV_E_NOT_CONFIRMED, "aborted at the console");
		goto out;
	}
	tui_ui(&ui);
	r = clv_engine_run(&eo, &ui, t, diag);

	/* how it ended, until Enter */
	t->done_ok = r == 0;
	if (r == 0)
		snprintf(t->done_msg, sizeof(t->done_msg), "%sCeremony complete; outputs in %s. "
		    "Press Enter to leave.", opts->rehearsal ? "REHEARSAL " : "", opts->out_dir);
	else
		snprintf(t->done_msg, sizeof(t->done_msg), "Ceremony stopped: %s. Press Enter to "
		    "leave.", diag != NULL && diag->msg[0] ? diag->msg : clv_strerror(r));
	t->screen = SC_DONE;
	t->prog_on = 0;
	t->asking_abort = 0;
	flushinp();
	for (;;) {
		draw(t);
		k = get_wch(&wc);
		if (k == OK && (wc == '\r' || wc == '\n' || wc == 'q'))
			break;
		if (k == KEY_CODE_YES && wc == KEY_ENTER)
			break;
	}
out:
	if (t != NULL) {
		curses_stop(t);
		stderr_release(t);
		clv_script_free(t->script);
		free(t->qr);
		explicit_bzero(t, sizeof(*t));
		free(t);
	}
	return r;
}
