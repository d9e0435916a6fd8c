/*
 * The deviation file of a Deviation List ceremony (deviation.h): read,
 * checked field by field, and turned into the DeviationList structure that
 * cms.c encodes.  Parameters are encoded with libtasn1 (INTEGER).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "der.h"
#include "deviation.h"
#include "util.h"
#include "x509.h"

#define MAX_DEVIATIONS 256
#define MAX_NUMBERS 1024

/* Doc 9303-12 Table 19: deviation types under 2.23.136.1.1.7 and what their
 * parameter is. */
enum { PARAM_NONE, PARAM_DATAGROUP, PARAM_MRZ_FIELD };
static const struct {
	const char *name, *oid;
	int param;
} types[] = {
	{ "DSSignature", "2.23.136.1.1.7.1.1", PARAM_NONE },
	{ "DSEncoding", "2.23.136.1.1.7.1.2", PARAM_NONE },
	{ "CSCAEncoding", "2.23.136.1.1.7.1.3", PARAM_NONE },
	{ "AAKeyCompromised", "2.23.136.1.1.7.1.4", PARAM_NONE },
	{ "DGMalformed", "2.23.136.1.1.7.2.1", PARAM_DATAGROUP },
	{ "DGHashWrong", "2.23.136.1.1.7.2.2", PARAM_DATAGROUP },
	{ "SODSignatureWrong", "2.23.136.1.1.7.2.3", PARAM_NONE },
	{ "COMInconsistent", "2.23.136.1.1.7.2.4", PARAM_NONE },
	{ "MRZWrongData", "2.23.136.1.1.7.3.1", PARAM_MRZ_FIELD },
	{ "MRZWrongCheckDigit", "2.23.136.1.1.7.3.2", PARAM_MRZ_FIELD },
	{ "Chip", "2.23.136.1.1.7.4", PARAM_NONE },
	{ "NationalUse", "2.23.136.1.1.7.5", PARAM_NONE },
};

static const char *const mrz_fields[] = {
	"generic", "documentCode", "issuingState", "personName", "documentNumber",
	"nationality", "dateOfBirth", "sex", "dateOfExpiry", "optionalData",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* PrintableString characters (X.680). */
static int
is_printable(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || strchr(" '()+,-./:=?", *s) != NULL))
			return 0;
	return 1;
}

/* One INTEGER, DER, through libtasn1. */
static int
encode_integer(long v, clv_buf_t *out)
{
	asn1_node n = NULL;
	unsigned char be[2] = { (unsigned char)(v >> 8), (unsigned char)v };
	int r;

	if ((r = clv_der_new("CRLNumber", &n)) == 0 &&
	    (r = clv_der_write_uint(n, "", be, sizeof(be))) == 0)
		r = clv_der_encode(n, "", out);
	clv_der_free(&n);
	return r;
}

static int
parse_day(const char *s, time_t *out)
{
	char full[32];

	if (strlen(s) != 10)
		return -1;
	snprintf(full, sizeof(full), "%sT00:00:00Z", s);
	return clv_time_parse(full, out);
}

/* "C01X00T47, C01X00T48" */
static int
split_numbers(const char *v, clv_dl_documents_t *doc)
{
	const char *p = v, *end;
	char item[64];

	while (*p) {
		while (*p == ' ')
			p++;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) >= sizeof(item) || end == p)
			return -1;
		snprintf(item, sizeof(item), "%.*s", (int)(end - p), p);
		while (item[0] && item[strlen(item) - 1] == ' ')
			item[strlen(item) - 1] = '\0';
		if (item[0] == '\0' || !is_printable(item) ||
		    doc->n_document_numbers >= MAX_NUMBERS)
			return -1;
		if ((doc->document_numbers[doc->n_document_numbers] = strdup(item)) == NULL)
			return -1;
		doc->n_document_numbers++;
		p = *end ? end + 1 : end;
	}
	return doc->n_document_numbers > 0 ? 0 : -1;
}

static int
load_one(const char *path, const char *dir, clv_conf_section_t *sec, clv_dl_deviation_t *dv,
    clv_diag_t *diag)
{
	clv_conf_entry_t *type, *dg, *mrz, *desc, *dt, *dsc, *fi, *li, *nums;
	clv_dl_documents_t *doc = &dv->documents;
	clv_dl_description_t *d;
	char file[PATH_MAX];
	size_t i, t;
	long v;
	char *end;
	int r;



	if ((dv->descriptions = calloc(1, sizeof(*dv->descriptions))) == NULL)
		return CLV_E_NOMEM;
	dv->n_descriptions = 1;
	d = &dv->descriptions[0];
	type = clv_conf_get(sec, "type");
	dg = clv_conf_get(sec, "datagroup");
	mrz = clv_conf_get(sec, "mrz_field");
	desc = clv_conf_get(sec, "description");
	dt = clv_conf_get(sec, "document_type");
	dsc = clv_conf_get(sec, "dsc");
	fi = clv_conf_get(sec, "first_issued");
	li = clv_conf_get(sec, "last_issued");
	nums = clv_conf_get(sec, "document_numbers");

	for (t = 0; type != NULL && t < N_OF(types); t++)
		if (strcmp(type->value, types[t].name) == 0 || strcmp(type->value, types[t].oid) == 0)
			break;
	if (type == NULL || t == N_OF(types))
		return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [deviation %s]: type: expected a "
		    "deviation type of Doc 9303-12 Table 19 (DGHashWrong, MRZWrongData, "
		    "DSSignature, ... or its OID under 2.23.136.1.1.7)%s", path,
		    type ? type->line : sec->line, sec->arg, type ? "" : "; it is missing");
	snprintf(d->deviation_type, sizeof(d->deviation_type), "%s", types[t].oid);
	if (dg != NULL && types[t].param != PARAM_DATAGROUP)
		return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [deviation %s]: datagroup: type %s "
		    "takes no data group", path, dg->line, sec->arg, types[t].name);
	if (mrz != NULL && types[t].param != PARAM_MRZ_FIELD)
		return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [deviation %s]: mrz_field: type %s "
		    "takes no MRZ field", path, mrz->line, sec->arg, types[t].name);
	if (types[t].param == PARAM_DATAGROUP) {
		if (dg == NULL)
			return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [deviation %s]: type %s needs "
			    "datagroup = 1..16, sod or com", path, sec->line, sec->arg, types[t].name);
		if (strcmp(dg->value, "sod") == 0)
			v = 20;
		else if (strcmp(dg->value, "com") == 0)
			v = 21;
		else if ((v = strtol(dg->value, &end, 10)) < 1 || v > 16 || *end != '\0' ||
		    dg->value[0] == '\0')
			return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [deviation %s]: datagroup: "
			    "expected 1..16, sod or com, got '%s'", path, dg->line, sec->arg,
			    dg->value);
		if ((r = encode_integer(v, &d->parameters)) != 0)
			return r;
	}
	if (types[t].param == PARAM_MRZ_FIELD) {
		for (i = 0; mrz != NULL && i < N_OF(mrz_fields); i++)
			if (strcmp(mrz->value, mrz_fields[i]) == 0)
				break;
		if (mrz == NULL || i == N_OF(mrz_fields))
			return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [deviation %s]: mrz_field: "
			    "expected documentCode, issuingState, personName, documentNumber, "
			    "nationality, dateOfBirth, sex, dateOfExpiry, optionalData or generic",
			    path, mrz ? mrz->line : sec->line, sec->arg);
		if ((r = encode_integer((long)i, &d->parameters)) != 0)
			return r;
	}
	if (desc != NULL) {
		if (desc->value[0] == '\0' || !is_printable(desc->value))
			return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [deviation %s]: description: "
			    "expected PrintableString characters (letters, digits, space and "
			    "'()+,-./:=?)", path, desc->line, sec->arg);
		if ((d->description = strdup(desc->value)) == NULL)
			return CLV_E_NOMEM;
	}
	if (dt != NULL) {
		if (strlen(dt->value) != 2 || dt->value[0] < 'A' || dt->value[0] > 'Z' ||
		    dt->value[1] < 'A' || dt->value[1] > 'Z')
			return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [deviation %s]: "
			    "document_type: expected the two upper-case letters of the MRZ "
			    "document code (Doc 9303-12 Table 19: SIZE(2))", path, dt->line, sec->arg);
		memcpy(doc->document_type, dt->value, 3);
	}
	if (dsc != NULL) {
		clv_buf_t raw = { NULL, 0 }, der = { NULL, 0 };
		clv_cert_t *c = NULL;
		clv_diag_t d2;

		if (dsc->value[0] == '/')
			snprintf(file, sizeof(file), "%s", dsc->value);
		else
			snprintf(file, sizeof(file), "%s/%s", dir, dsc->value);
		memset(&d2, 0, sizeof(d2));
		r = clv_file_read(file, 1 << 20, &raw, &d2);
		if (r == 0 && (r = clv_pem_or_der(raw.data, raw.len, "CERTIFICATE", &der)) == 0)
			r = clv_cert_parse(der.data, der.len, &c, &d2);
		clv_buf_free(&raw);
		clv_buf_free(&der);
		if (r != 0)
			return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [deviation %s]: dsc: %s: "
			    "expected the Document Signer's certificate (DER or PEM)%s%s", path,
			    dsc->line, sec->arg, file, d2.msg[0] ? ": " : "", d2.msg);
		doc->dsc_kind = CLV_DL_DSC_ISSUER_SERIAL;
		r = clv_buf_set(&doc->dsc_issuer, c->issuer_der.data, c->issuer_der.len);
		if (r == 0)
			r = clv_buf_set(&doc->dsc_serial, c->serial.data, c->serial.len);
		clv_cert_free(c);
		if (r != 0)
			return r;
	}
	if ((fi == NULL) != (li == NULL))
		return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [deviation %s]: first_issued and "
		    "last_issued go together", path, (fi ? fi : li)->line, sec->arg);
	if (fi != NULL) {
		if (parse_day(fi->value, &doc->first_issued) != 0 ||
		    parse_day(li->value, &doc->last_issued) != 0 ||
		    doc->last_issued < doc->first_issued)
			return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [deviation %s]: "
			    "first_issued/last_issued: expected two days YYYY-MM-DD, the first "
			    "not after the last", path, fi->line, sec->arg);
		doc->has_issuing_period = 1;
	}
	if (nums != NULL) {
		if ((doc->document_numbers = calloc(MAX_NUMBERS, sizeof(char *))) == NULL)
			return CLV_E_NOMEM;
		if (split_numbers(nums->value, doc) != 0)
			return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [deviation %s]: "
			    "document_numbers: expected document numbers separated by commas "
			    "(PrintableString, at most %d)", path, nums->line, sec->arg, MAX_NUMBERS);
	}
	if (dt == NULL && dsc == NULL && fi == NULL && nums == NULL)
		return clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: [deviation %s]: names no documents: "
		    "expected at least one of document_type, dsc, first_issued/last_issued, "
		    "document_numbers", path, sec->line, sec->arg);
	return 0;
}

int
clv_deviations_load(const char *path, const char *dir, clv_dl_t **out, clv_diag_t *diag)
{
	clv_conf_t *c = NULL;
	clv_dl_t *dl = NULL;
	size_t i;
	int r;

	*out = NULL;
	if ((r = clv_conf_load(path, &c, diag)) != 0)
		return r;
	if (c->sections[0].n_entries > 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: '%s' outside a [deviation NAME] "
		    "section", path, c->sections[0].entries[0].line, c->sections[0].entries[0].key);
		goto out;
	}
	if (c->n_sections < 2 || c->n_sections - 1 > MAX_DEVIATIONS) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: expected 1 to %d [deviation NAME] "
		    "sections", path, MAX_DEVIATIONS);
		goto out;
	}
	if ((dl = calloc(1, sizeof(*dl))) == NULL ||
	    (dl->deviations = calloc(c->n_sections - 1, sizeof(*dl->deviations))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	for (i = 1; i < c->n_sections; i++) {
		if (strcmp(c->sections[i].name, "deviation") != 0 || c->sections[i].arg[0] == '\0') {
			r = clv_diag_set(diag, CLV_E_FORMAT, "%s:%u: section [%s]: expected "
			    "[deviation NAME]", path, c->sections[i].line, c->sections[i].name);
			goto out;
		}
		dl->n_deviations = i;
		if ((r = load_one(path, dir, &c->sections[i], &dl->deviations[i - 1], diag)) != 0)
			goto out;
	}
	if ((r = clv_conf_check_unused(c, CLV_E_FORMAT, diag)) != 0)
		goto out;
	*out = dl;
	dl = NULL;
out:
	clv_cms_dl_free(dl);
	clv_conf_free(c);
	return r;
}
