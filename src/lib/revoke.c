/*
 * The revocation list given to a CRL ceremony (revoke.h).  Only its syntax is
 * checked here; whether the key issued each serial, and when, is the
 * engine's business with the store.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "revoke.h"
#include "util.h"

#define MAX_REVOCATIONS 1024

/* "5A:3F:0C" or "5a3f0c" -> "5a3f0c", leading zeros dropped. */
static int
parse_serial(const char *in, char out[41])
{
	size_t n = 0;
	const char *p;

	for (p = in; *p != '\0'; p++) {
		char c = *p;

		if (c == ':')
			continue;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		if (n == 0 && c == '0' && p[1] != '\0')
			continue;
		if (n >= 40)
			return -1;
		out[n++] = c;
	}
	if (n == 0) {
		if (strchr(in, '0') == NULL)
			return -1;
		out[n++] = '0';
	}
	out[n] = '\0';
	return 0;
}

/* "2026-11-20" (midnight UTC) or "2026-11-20T10:30:00Z". */
static int
parse_date(const char *s, time_t *out)
{
	char full[32];

	if (strlen(s) == 10) {
		snprintf(full, sizeof(full), "%sT00:00:00Z", s);
		return clv_time_parse(full, out);
	}
	return clv_time_parse(s, out);
}

int
clv_revocations_load(const char *path, clv_revocation_t **out, size_t *n, clv_diag_t *diag)
{
	clv_conf_t *c = NULL;
	clv_revocation_t *v = NULL;
	clv_conf_entry_t *date, *reason;
	size_t count = 0, i, j;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = clv_conf_load(path, &c, diag)) != 0)
		return r;
	if (c->sections[0].n_entries > 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: '%s' outside a [revoke SERIAL] "
		    "section", path, c->sections[0].entries[0].line, c->sections[0].entries[0].key);
		goto out;
	}
	if (c->n_sections - 1 > MAX_REVOCATIONS) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: more than %d revocations", path,
		    MAX_REVOCATIONS);
		goto out;
	}
	if (c->n_sections > 1 && (v = calloc(c->n_sections - 1, sizeof(*v))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	for (i = 1; i < c->n_sections; i++) {
		clv_conf_section_t *sec = &c->sections[i];
		clv_revocation_t *rv = &v[count];

		if (strcmp(sec->name, "revoke") != 0) {
			r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: section [%s]: expected "
			    "[revoke SERIAL]", path, sec->line, sec->name);
			goto out;
		}
		if (parse_serial(sec->arg, rv->serial_hex) != 0) {
			r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [revoke %s]: the serial must be "
			    "a certificate serial number in hex (at most 20 octets)", path, sec->line,
			    sec->arg);
			goto out;
		}
		for (j = 0; j < count; j++)
			if (strcmp(v[j].serial_hex, rv->serial_hex) == 0) {
				r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: serial %s is listed "
				    "twice", path, sec->line, rv->serial_hex);
				goto out;
			}
		date = clv_conf_get(sec, "date");
		reason = clv_conf_get(sec, "reason");
		if (date == NULL || parse_date(date->value, &rv->revoked) != 0) {
			r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [revoke %s]: date: expected "
			    "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)%s", path,
			    date ? date->line : sec->line, sec->arg, date ? "" : "; it is missing");
			goto out;
		}
		if (reason == NULL || reason->value[0] == '\0' ||
		    strlen(reason->value) >= sizeof(rv->reason)) {
			r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [revoke %s]: reason: expected "
			    "a few words for the record (1 to %zu characters)", path,
			    reason ? reason->line : sec->line, sec->arg, sizeof(rv->reason) - 1);
			goto out;
		}
		snprintf(rv->reason, sizeof(rv->reason), "%s", reason->value);
		count++;
	}
	if ((r = clv_conf_check_unused(c, CLV_E_FORMAT, diag)) != 0)
		goto out;
	*out = v;
	*n = count;
	v = NULL;
out:
	free(v);
	clv_conf_free(c);
	return r;
}
