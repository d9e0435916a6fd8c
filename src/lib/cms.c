/*
 * CMS SignedData (RFC 5652) for ICAO Doc 9303: CSCA Master Lists and
 * Deviation Lists, built, signed, read and verified.
 *
 * Every structure is built on src/lib/asn1/clv-cms.asn through libtasn1,
 * which encodes DER and sorts each SET OF (certificates, certList,
 * signedAttrs) as DER requires.  What we emit follows Doc 9303-12 §9/§10
 * and RFC 5652 strictly: digest AlgorithmIdentifiers without parameters,
 * PKCS#1 signature AlgorithmIdentifiers with NULL, sid by subjectKeyIdentifier,
 * signedAttrs contentType, signingTime, messageDigest.
 *
 * What we read is taken as real lists have it: sid of either kind,
 * digestAlgorithm with NULL, rsaEncryption as signatureAlgorithm, SHA-1, an
 * RSA DigestInfo without NULL (accepted by clv_verify; recognised here so it
 * can be reported and refused in strict mode), extra signed attributes.
 * The signature is checked over signedAttrs exactly as received, re-tagged
 * SET OF (RFC 5652 5.4), never over a re-encoding.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>
#include <libtasn1.h>

#include "cms.h"
#include "der.h"
#include "verify.h"
#include "x509.h"

#define OID_ATTR_CONTENT_TYPE   "1.2.840.113549.1.9.3"
#define OID_ATTR_MESSAGE_DIGEST "1.2.840.113549.1.9.4"
#define OID_ATTR_SIGNING_TIME   "1.2.840.113549.1.9.5"

#define SI "content.signerInfos.?1"

extern const asn1_static_node clv_cms_asn1_tab[];

static clv_der_module_t module = { clv_cms_asn1_tab, "CLV-CMS", NULL, 0 };

/* New empty structure of "CLV-CMS.<type>". */
static int
cms_new(const char *type, asn1_node *out)
{
	return clv_der_module_new(&module, type, out);
}

/* Length of the TLV at der (tag, length and contents); 0 if it is not
 * one or does not fit in len. */
static size_t
tlv_length(const unsigned char *der, size_t len)
{
	unsigned char cls;
	unsigned long tag;
	int taglen = 0, lenlen = 0;
	long clen;

	if (der == NULL || len == 0 || len > (1u << 30))
		return 0;
	if (asn1_get_tag_der(der, (int)len, &cls, &taglen, &tag) != ASN1_SUCCESS)
		return 0;
	clen = asn1_get_length_der(der + taglen, (int)len - taglen, &lenlen);
	if (clen < 0 || (size_t)taglen + (size_t)lenlen + (size_t)clen > len)
		return 0;
	return (size_t)taglen + (size_t)lenlen + (size_t)clen;
}

/* Decodes der as CLV-CMS.<type>; nothing may follow it.  what and field
 * name the input in diag. */
static int
cms_decode(const char *type, const unsigned char *der, size_t len, asn1_node *out,
    const char *what, const char *field, clv_diag_t *diag)
{
	char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
	asn1_node n = NULL;
	size_t tlv;
	int r = CLV_E_INTERNAL, ret, ilen;

	*out = NULL;
	if (der == NULL || len == 0 || len > (1u << 30)) {
		r = clv_diag_set(diag, CLV_E_DER, "%s: %s: empty or oversized (%zu bytes)",
		    what, field, len);
		goto out;
	}
	if ((tlv = tlv_length(der, len)) > 0 && tlv < len) {
		r = clv_diag_set(diag, CLV_E_DER, "%s: %s: %zu trailing bytes after the %s",
		    what, field, len - tlv, type);
		goto out;
	}
	if ((r = cms_new(type, &n)) != 0)
		goto out;
	ilen = (int)len;
	if ((ret = asn1_der_decoding2(&n, der, &ilen, 0, err)) != ASN1_SUCCESS) {
		clv_debug("asn1_der_decoding2(%s): %s: %s", type, asn1_strerror(ret), err);
		r = clv_diag_set(diag, CLV_E_DER, "%s: %s: not a valid %s: %s%s%s", what, field,
		    type, asn1_strerror(ret), err[0] ? ": " : "", err);
		goto out;
	}
	if ((size_t)ilen != len) {
		r = clv_diag_set(diag, CLV_E_DER, "%s: %s: %zu trailing bytes after the %s",
		    what, field, len - (size_t)ilen, type);
		goto out;
	}
	*out = n;
	n = NULL;
	r = 0;
out:
	clv_der_free(&n);
	return r;
}

/* Decodes der as CLV-CMS.<type> and copies it into dst at dst_name. */
static int
copy_der_into(asn1_node dst, const char *dst_name, const char *type,
    const unsigned char *der, size_t len)
{
	asn1_node src = NULL;
	int r, ret;

	if ((r = cms_decode(type, der, len, &src, "internal", type, NULL)) != 0)
		return r;
	ret = asn1_copy_node(dst, dst_name, src, "");
	clv_der_free(&src);
	if (ret != ASN1_SUCCESS) {
		clv_error("asn1_copy_node(%s): %s", dst_name, asn1_strerror(ret));
		return CLV_E_DER;
	}
	return 0;
}

static int
buf_eq(const clv_buf_t *a, const clv_buf_t *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static int
count_elements(asn1_node n, const char *name, size_t *out)
{
	int cnt = 0, ret;

	*out = 0;
	if (asn1_find_node(n, name) == NULL)
		return 0;
	if ((ret = asn1_number_of_elements(n, name, &cnt)) != ASN1_SUCCESS) {
		if (ret == ASN1_ELEMENT_NOT_FOUND)
			return 0;
		clv_debug("asn1_number_of_elements(%s): %s", name, asn1_strerror(ret));
		return CLV_E_DER;
	}
	*out = (size_t)cnt;
	return 0;
}

/* PrintableString characters (X.680 41.4). */
static int
is_printable(const char *s)
{
	static const char extra[] = " '()+,-./:=?";

	for (; *s != '\0'; s++) {
		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9'))
			continue;
		if (strchr(extra, *s) == NULL)
			return 0;
	}
	return 1;
}

/* A dotted OID with at least two arcs, the first 0..2. */
static int
is_oid(const char *s)
{
	size_t arcs = 0, digits = 0;

	if (s == NULL || s[0] < '0' || s[0] > '2' || s[1] != '.')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (digits == 0)
				return 0;
			arcs++;
			digits = 0;
		} else if (*s >= '0' && *s <= '9') {
			if (digits == 0 && *s == '0' && s[1] >= '0' && s[1] <= '9')
				return 0;       /* leading zero */
			if (++digits > 18)
				return 0;
		} else {
			return 0;
		}
	}
	return digits > 0 && arcs >= 1;
}

/* One complete DER TLV, nothing after it. */
static int
is_one_tlv(const unsigned char *der, size_t len)
{
	return tlv_length(der, len) == len && len > 0;
}

static void
hex_prefix(const clv_buf_t *b, char *out, size_t outlen)
{
	char tmp[2 * 20 + 1];
	size_t n = b->len > 20 ? 20 : b->len;

	clv_hex(b->data, n, tmp);
	snprintf(out, outlen, "%s%s", tmp, b->len > 20 ? "..." : "");
}

void
clv_cms_certs_free(clv_buf_t *certs, size_t n)
{
	size_t i;

	if (certs == NULL)
		return;
	for (i = 0; i < n; i++)
		clv_buf_free(&certs[i]);
	free(certs);
}

/* ---- CscaMasterList -------------------------------------------------------- */

int
clv_cms_ml_content(const clv_buf_t *certs, size_t n, clv_buf_t *out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	asn1_node ml = NULL;
	clv_cert_t *c = NULL;
	clv_diag_t d;
	size_t i, j;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (certs == NULL && n > 0)
		return CLV_E_INVALID_ARG;
	if (n == 0) {
		r = clv_diag_set(diag, CLV_E_INVALID_ARG,
		    "Master List: certList: no certificates (at least the state's CSCA expected)");
		goto out;
	}
	for (i = 0; i < n; i++) {
		clv_diag_clear(&d);
		if (certs[i].data == NULL || certs[i].len == 0) {
			r = clv_diag_set(diag, CLV_E_INVALID_ARG,
			    "Master List: certificate %zu: empty", i + 1);
			goto out;
		}
		if ((r = clv_cert_parse(certs[i].data, certs[i].len, &c, &d)) != 0) {
			r = clv_diag_set(diag, r, "Master List: certificate %zu: %s", i + 1, d.msg);
			goto out;
		}
		clv_cert_free(c);
		c = NULL;
		for (j = 0; j < i; j++) {
			if (buf_eq(&certs[i], &certs[j])) {
				r = clv_diag_set(diag, CLV_E_INVALID_ARG,
				    "Master List: certificate %zu repeats certificate %zu", i + 1,
				    j + 1);
				goto out;
			}
		}
	}
	if ((r = cms_new("CscaMasterList", &ml)) != 0 ||
	    (r = clv_der_write(ml, "version", "0", 0)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((r = clv_der_write(ml, "certList", "NEW", 1)) != 0 ||
		    (r = clv_der_write_der(ml, "certList.?LAST", certs[i].data, certs[i].len)) != 0)
			goto out;
	}
	r = clv_der_encode(ml, "", out);
out:
	clv_cert_free(c);
	clv_der_free(&ml);
	return r;
}

int
clv_cms_ml_parse(const unsigned char *der, size_t len, const char *what, clv_buf_t **certs,
    size_t *n, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	asn1_node ml = NULL;
	clv_buf_t *list = NULL;
	size_t cnt = 0, i;
	long version = -1;
	char name[64];

	if (certs == NULL || n == NULL)
		return CLV_E_INVALID_ARG;
	*certs = NULL;
	*n = 0;
	if (what == NULL)
		what = "Master List";
	if ((r = cms_decode("CscaMasterList", der, len, &ml, what, "eContent", diag)) != 0)
		goto out;
	if (clv_der_read_int(ml, "version", &version) != 0 || version != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s: CscaMasterList version %ld, expected v0 (0)", what, version);
		goto out;
	}
	if ((r = count_elements(ml, "certList", &cnt)) != 0)
		goto out;
	if (cnt > 0 && (list = calloc(cnt, sizeof(*list))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	for (i = 0; i < cnt; i++) {
		snprintf(name, sizeof(name), "certList.?%zu", i + 1);
		if ((r = clv_der_read(ml, name, &list[i])) != 0) {
			r = clv_diag_set(diag, r, "%s: certList: element %zu unreadable", what,
			    i + 1);
			goto out;
		}
	}
	*certs = list;
	*n = cnt;
	list = NULL;
	r = 0;
out:
	clv_cms_certs_free(list, cnt);
	clv_der_free(&ml);
	return r;
}

/* ---- DeviationList ----------------------------------------------------- */

static int
write_optional_tlv(asn1_node n, const char *name, const clv_buf_t *v, const char *where,
    const char *field, clv_diag_t *diag)
{
	if (v->len == 0)
		return clv_der_write(n, name, NULL, 0);
	if (!is_one_tlv(v->data, v->len))
		return clv_diag_set(diag, CLV_E_INVALID_ARG,
		    "%s: %s: not one DER value (tag, length, contents)", where, field);
	return clv_der_write_der(n, name, v->data, v->len);
}

static int
dl_write_documents(asn1_node n, const char *base, const clv_dl_t *dl,
    const clv_dl_documents_t *doc, const char *where, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	char name[256];
	const char *dsc = NULL;
	size_t i;

	snprintf(name, sizeof(name), "%s.documentType", base);
	if (doc->document_type[0] == '\0') {
		r = clv_der_write(n, name, NULL, 0);
	} else if (strlen(doc->document_type) != 2 || !is_printable(doc->document_type)) {
		r = clv_diag_set(diag, CLV_E_INVALID_ARG,
		    "%s: documentType \"%s\": two PrintableString characters expected", where,
		    doc->document_type);
	} else {
		r = clv_der_write_str(n, name, doc->document_type);
	}
	if (r != 0)
		return r;

	snprintf(name, sizeof(name), "%s.dscIdentifier", base);
	switch (doc->dsc_kind) {
	case CLV_DL_DSC_NONE:
		if ((r = clv_der_write(n, name, NULL, 0)) != 0)
			return r;
		break;
	case CLV_DL_DSC_ISSUER_SERIAL:
		dsc = "issuerAndSerialNumber";
		if (!is_one_tlv(doc->dsc_issuer.data, doc->dsc_issuer.len) ||
		    doc->dsc_issuer.data[0] != 0x30)
			return clv_diag_set(diag, CLV_E_INVALID_ARG,
			    "%s: dscIdentifier: issuer: a DER Name (SEQUENCE) expected", where);
		if (doc->dsc_serial.len == 0 || doc->dsc_serial.len > 20)
			return clv_diag_set(diag, CLV_E_INVALID_ARG,
			    "%s: dscIdentifier: serial number of %zu octets, 1 to 20 expected",
			    where, doc->dsc_serial.len);
		if ((r = clv_der_write_str(n, name, dsc)) != 0)
			return r;
		snprintf(name, sizeof(name), "%s.dscIdentifier.%s.issuer", base, dsc);
		if ((r = clv_der_write_der(n, name, doc->dsc_issuer.data,
		    doc->dsc_issuer.len)) != 0)
			return r;
		snprintf(name, sizeof(name), "%s.dscIdentifier.%s.serialNumber", base, dsc);
		if ((r = clv_der_write_uint(n, name, doc->dsc_serial.data,
		    doc->dsc_serial.len)) != 0)
			return r;
		break;
	case CLV_DL_DSC_SKI:
	case CLV_DL_DSC_CERT_DIGEST:
		if (doc->dsc_kind == CLV_DL_DSC_SKI) {
			dsc = "subjectKeyIdentifier";
			if (doc->dsc_id.len == 0 || doc->dsc_id.len > 64)
				return clv_diag_set(diag, CLV_E_INVALID_ARG,
				    "%s: dscIdentifier: key identifier of %zu octets, 1 to 64 "
				    "expected", where, doc->dsc_id.len);
		} else {
			dsc = "certificateDigest";
			if (dl->digest_alg == CLV_HASH_NONE)
				return clv_diag_set(diag, CLV_E_INVALID_ARG,
				    "%s: dscIdentifier: a certificateDigest needs the list's "
				    "digestAlg", where);
			if (doc->dsc_id.len != clv_hash_len(dl->digest_alg))
				return clv_diag_set(diag, CLV_E_INVALID_ARG,
				    "%s: dscIdentifier: certificateDigest of %zu octets, %zu "
				    "expected for %s", where, doc->dsc_id.len,
				    clv_hash_len(dl->digest_alg), clv_hash_name(dl->digest_alg));
		}
		if ((r = clv_der_write_str(n, name, dsc)) != 0)
			return r;
		snprintf(name, sizeof(name), "%s.dscIdentifier.%s", base, dsc);
		if ((r = clv_der_write(n, name, doc->dsc_id.data, (int)doc->dsc_id.len)) != 0)
			return r;
		break;
	default:
		return clv_diag_set(diag, CLV_E_INVALID_ARG,
		    "%s: dscIdentifier: unknown kind %d", where, (int)doc->dsc_kind);
	}

	snprintf(name, sizeof(name), "%s.issuingDate", base);
	if (!doc->has_issuing_period) {
		if ((r = clv_der_write(n, name, NULL, 0)) != 0)
			return r;
	} else {
		if (doc->first_issued > doc->last_issued)
			return clv_diag_set(diag, CLV_E_INVALID_ARG,
			    "%s: issuingDate: firstIssued after lastIssued", where);
		snprintf(name, sizeof(name), "%s.issuingDate.firstIssued", base);
		if ((r = clv_der_write_gentime(n, name, doc->first_issued)) != 0)
			return r;
		snprintf(name, sizeof(name), "%s.issuingDate.lastIssued", base);
		if ((r = clv_der_write_gentime(n, name, doc->last_issued)) != 0)
			return r;
	}

	snprintf(name, sizeof(name), "%s.documentNumbers", base);
	if (doc->n_document_numbers == 0)
		return clv_der_write(n, name, NULL, 0);
	if (doc->document_numbers == NULL)
		return CLV_E_INVALID_ARG;
	for (i = 0; i < doc->n_document_numbers; i++) {
		const char *num = doc->document_numbers[i];

		if (num == NULL || num[0] == '\0' || !is_printable(num))
			return clv_diag_set(diag, CLV_E_INVALID_ARG,
			    "%s: documentNumbers: number %zu: a PrintableString expected", where,
			    i + 1);
		snprintf(name, sizeof(name), "%s.documentNumbers", base);
		if ((r = clv_der_write(n, name, "NEW", 1)) != 0)
			return r;
		snprintf(name, sizeof(name), "%s.documentNumbers.?LAST", base);
		if ((r = clv_der_write_str(n, name, num)) != 0)
			return r;
	}
	return 0;
}

static int
dl_write_description(asn1_node n, const char *base, const clv_dl_description_t *dd,
    const char *where, clv_diag_t *diag)
{
	int r;
	char name[256];

	snprintf(name, sizeof(name), "%s.description", base);
	if (dd->description == NULL) {
		r = clv_der_write(n, name, NULL, 0);
	} else if (dd->description[0] == '\0' || !is_printable(dd->description)) {
		r = clv_diag_set(diag, CLV_E_INVALID_ARG,
		    "%s: description: a non-empty PrintableString expected (letters, digits, "
		    "space and '()+,-./:=?)", where);
	} else {
		r = clv_der_write_str(n, name, dd->description);
	}
	if (r != 0)
		return r;
	if (!is_oid(dd->deviation_type))
		return clv_diag_set(diag, CLV_E_INVALID_ARG,
		    "%s: deviationType \"%s\": a dotted OID expected (e.g. 2.23.136.1.1.7.2.2)",
		    where, dd->deviation_type);
	snprintf(name, sizeof(name), "%s.deviationType", base);
	if ((r = clv_der_write_str(n, name, dd->deviation_type)) != 0)
		return r;
	snprintf(name, sizeof(name), "%s.parameters", base);
	if ((r = write_optional_tlv(n, name, &dd->parameters, where, "parameters", diag)) != 0)
		return r;
	snprintf(name, sizeof(name), "%s.nationalUse", base);
	return write_optional_tlv(n, name, &dd->national_use, where, "nationalUse", diag);
}

int
clv_cms_dl_content(const clv_dl_t *dl, clv_buf_t *out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	asn1_node n = NULL;
	char base[128], dbase[160], where[96];
	size_t i, j;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (dl == NULL || (dl->deviations == NULL && dl->n_deviations > 0))
		return CLV_E_INVALID_ARG;
	if (dl->version != 0) {
		r = clv_diag_set(diag, CLV_E_INVALID_ARG,
		    "Deviation List: version %d, only v0 (0) exists", dl->version);
		goto out;
	}
	if ((r = cms_new("DeviationList", &n)) != 0 ||
	    (r = clv_der_write(n, "version", "0", 0)) != 0)
		goto out;
	if (dl->digest_alg == CLV_HASH_NONE) {
		r = clv_der_write(n, "digestAlg", NULL, 0);
	} else if (clv_sigalg_hash_oid(dl->digest_alg) == NULL ||
	    dl->digest_alg == CLV_HASH_SHA1) {
		r = clv_diag_set(diag, CLV_E_UNSUPPORTED_ALG,
		    "Deviation List: digestAlg: SHA-224, SHA-256, SHA-384 or SHA-512 expected");
	} else if ((r = clv_der_write_str(n, "digestAlg.algorithm",
	    clv_sigalg_hash_oid(dl->digest_alg))) == 0) {
		r = clv_der_write(n, "digestAlg.parameters", NULL, 0);
	}
	if (r != 0)
		goto out;
	/* an empty SET OF is written by naming no element */
	if (dl->n_deviations == 0 && (r = clv_der_write(n, "deviations", NULL, 0)) != 0)
		goto out;
	for (i = 0; i < dl->n_deviations; i++) {
		const clv_dl_deviation_t *dv = &dl->deviations[i];

		snprintf(base, sizeof(base), "deviations.?%zu", i + 1);
		snprintf(where, sizeof(where), "Deviation List: deviation %zu", i + 1);
		if ((r = clv_der_write(n, "deviations", "NEW", 1)) != 0)
			goto out;
		snprintf(dbase, sizeof(dbase), "%s.documents", base);
		if ((r = dl_write_documents(n, dbase, dl, &dv->documents, where, diag)) != 0)
			goto out;
		if (dv->n_descriptions == 0 || dv->descriptions == NULL) {
			r = clv_diag_set(diag, CLV_E_INVALID_ARG,
			    "%s: no descriptions (at least one expected)", where);
			goto out;
		}
		for (j = 0; j < dv->n_descriptions; j++) {
			char dwhere[128];

			snprintf(dbase, sizeof(dbase), "%s.descriptions", base);
			if ((r = clv_der_write(n, dbase, "NEW", 1)) != 0)
				goto out;
			snprintf(dbase, sizeof(dbase), "%s.descriptions.?%zu", base, j + 1);
			snprintf(dwhere, sizeof(dwhere), "%s: description %zu", where, j + 1);
			if ((r = dl_write_description(n, dbase, &dv->descriptions[j], dwhere,
			    diag)) != 0)
				goto out;
		}
	}
	r = clv_der_encode(n, "", out);
out:
	clv_der_free(&n);
	return r;
}

static void
dl_documents_clear(clv_dl_documents_t *doc)
{
	size_t i;

	clv_buf_free(&doc->dsc_issuer);
	clv_buf_free(&doc->dsc_serial);
	clv_buf_free(&doc->dsc_id);
	if (doc->document_numbers != NULL) {
		for (i = 0; i < doc->n_document_numbers; i++)
			free(doc->document_numbers[i]);
		free(doc->document_numbers);
	}
}

void
clv_cms_dl_free(clv_dl_t *dl)
{
	size_t i, j;

	if (dl == NULL)
		return;
	for (i = 0; dl->deviations != NULL && i < dl->n_deviations; i++) {
		clv_dl_deviation_t *dv = &dl->deviations[i];

		dl_documents_clear(&dv->documents);
		for (j = 0; dv->descriptions != NULL && j < dv->n_descriptions; j++) {
			free(dv->descriptions[j].description);
			clv_buf_free(&dv->descriptions[j].parameters);
			clv_buf_free(&dv->descriptions[j].national_use);
		}
		free(dv->descriptions);
	}
	free(dl->deviations);
	free(dl);
}

/* Reads a string element as a NUL-terminated heap string. */
static int
read_string(asn1_node n, const char *name, char **out)
{
	clv_buf_t b = { NULL, 0 };
	int r;

	*out = NULL;
	if ((r = clv_der_read(n, name, &b)) != 0)
		return r;
	if (memchr(b.data, '\0', b.len) != NULL) {
		clv_buf_free(&b);
		return CLV_E_FORMAT;
	}
	*out = (char *)b.data;      /* clv_der_read NUL-terminates */
	return 0;
}

static int
dl_read_documents(asn1_node n, const char *base, clv_dl_documents_t *doc, const char *where,
    clv_diag_t *diag)
{
	int r;
	char name[256], choice[64], *s = NULL;
	int clen = sizeof(choice);
	size_t cnt, i;

	snprintf(name, sizeof(name), "%s.documentType", base);
	if (asn1_find_node(n, name) != NULL) {
		if ((r = read_string(n, name, &s)) != 0 || strlen(s) != 2) {
			free(s);
			return clv_diag_set(diag, CLV_E_FORMAT,
			    "%s: documentType: two characters expected", where);
		}
		memcpy(doc->document_type, s, 3);
		free(s);
	}
	snprintf(name, sizeof(name), "%s.dscIdentifier", base);
	if (asn1_find_node(n, name) != NULL &&
	    asn1_read_value(n, name, choice, &clen) == ASN1_SUCCESS) {
		if (strcmp(choice, "issuerAndSerialNumber") == 0) {
			doc->dsc_kind = CLV_DL_DSC_ISSUER_SERIAL;
			snprintf(name, sizeof(name), "%s.dscIdentifier.%s.issuer", base, choice);
			if ((r = clv_der_read(n, name, &doc->dsc_issuer)) != 0)
				return r;
			snprintf(name, sizeof(name), "%s.dscIdentifier.%s.serialNumber", base,
			    choice);
			if ((r = clv_der_read(n, name, &doc->dsc_serial)) != 0)
				return r;
		} else {
			doc->dsc_kind = strcmp(choice, "subjectKeyIdentifier") == 0 ?
			    CLV_DL_DSC_SKI : CLV_DL_DSC_CERT_DIGEST;
			snprintf(name, sizeof(name), "%s.dscIdentifier.%s", base, choice);
			if ((r = clv_der_read(n, name, &doc->dsc_id)) != 0)
				return r;
		}
	}
	snprintf(name, sizeof(name), "%s.issuingDate", base);
	if (asn1_find_node(n, name) != NULL) {
		doc->has_issuing_period = 1;
		snprintf(name, sizeof(name), "%s.issuingDate.firstIssued", base);
		if (clv_der_read_gentime(n, name, &doc->first_issued) != 0)
			return clv_diag_set(diag, CLV_E_FORMAT,
			    "%s: issuingDate: firstIssued: a GeneralizedTime expected", where);
		snprintf(name, sizeof(name), "%s.issuingDate.lastIssued", base);
		if (clv_der_read_gentime(n, name, &doc->last_issued) != 0)
			return clv_diag_set(diag, CLV_E_FORMAT,
			    "%s: issuingDate: lastIssued: a GeneralizedTime expected", where);
	}
	snprintf(name, sizeof(name), "%s.documentNumbers", base);
	if ((r = count_elements(n, name, &cnt)) != 0)
		return r;
	if (cnt > 0) {
		if ((doc->document_numbers = calloc(cnt, sizeof(char *))) == NULL)
			return CLV_E_NOMEM;
		doc->n_document_numbers = cnt;
		for (i = 0; i < cnt; i++) {
			snprintf(name, sizeof(name), "%s.documentNumbers.?%zu", base, i + 1);
			if ((r = read_string(n, name, &doc->document_numbers[i])) != 0)
				return clv_diag_set(diag, CLV_E_FORMAT,
				    "%s: documentNumbers: number %zu unreadable", where, i + 1);
		}
	}
	return 0;
}

static int
dl_read_description(asn1_node n, const char *base, clv_dl_description_t *dd,
    const char *where, clv_diag_t *diag)
{
	int r;
	char name[256];

	snprintf(name, sizeof(name), "%s.description", base);
	if (asn1_find_node(n, name) != NULL && (r = read_string(n, name,
	    &dd->description)) != 0)
		return clv_diag_set(diag, CLV_E_FORMAT, "%s: description unreadable", where);
	snprintf(name, sizeof(name), "%s.deviationType", base);
	if (clv_der_read_oid(n, name, dd->deviation_type, sizeof(dd->deviation_type)) != 0)
		return clv_diag_set(diag, CLV_E_FORMAT, "%s: deviationType unreadable", where);
	snprintf(name, sizeof(name), "%s.parameters", base);
	if (asn1_find_node(n, name) != NULL && (r = clv_der_read(n, name,
	    &dd->parameters)) != 0)
		return r;
	snprintf(name, sizeof(name), "%s.nationalUse", base);
	if (asn1_find_node(n, name) != NULL && (r = clv_der_read(n, name,
	    &dd->national_use)) != 0)
		return r;
	return 0;
}

int
clv_cms_dl_parse(const unsigned char *der, size_t len, const char *what, clv_dl_t **out,
    clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	asn1_node n = NULL;
	clv_dl_t *dl = NULL;
	clv_buf_t alg = { NULL, 0 };
	char base[64], dbase[96], where[160], dwhere[192];
	size_t cnt = 0, dcnt, i, j;
	long version = -1;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if (what == NULL)
		what = "Deviation List";
	if ((r = cms_decode("DeviationList", der, len, &n, what, "eContent", diag)) != 0)
		goto out;
	if ((dl = calloc(1, sizeof(*dl))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	if (clv_der_read_int(n, "version", &version) != 0 || version != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s: DeviationList version %ld, expected v0 (0)", what, version);
		goto out;
	}
	if (asn1_find_node(n, "digestAlg") != NULL) {
		clv_diag_t d;

		clv_diag_clear(&d);
		if ((r = clv_der_read_der(n, "digestAlg", &alg)) != 0)
			goto out;
		if ((r = clv_sigalg_hash_decode(alg.data, alg.len, &dl->digest_alg, &d)) != 0) {
			r = clv_diag_set(diag, r, "%s: digestAlg: %s", what, d.msg);
			goto out;
		}
	}
	if ((r = count_elements(n, "deviations", &cnt)) != 0)
		goto out;
	if (cnt > 0 && (dl->deviations = calloc(cnt, sizeof(*dl->deviations))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	dl->n_deviations = cnt;
	for (i = 0; i < cnt; i++) {
		clv_dl_deviation_t *dv = &dl->deviations[i];

		snprintf(base, sizeof(base), "deviations.?%zu", i + 1);
		snprintf(where, sizeof(where), "%s: deviation %zu", what, i + 1);
		snprintf(dbase, sizeof(dbase), "%s.documents", base);
		if ((r = dl_read_documents(n, dbase, &dv->documents, where, diag)) != 0)
			goto out;
		snprintf(dbase, sizeof(dbase), "%s.descriptions", base);
		if ((r = count_elements(n, dbase, &dcnt)) != 0)
			goto out;
		if (dcnt > 0 && (dv->descriptions = calloc(dcnt,
		    sizeof(*dv->descriptions))) == NULL) {
			r = CLV_E_NOMEM;
			goto out;
		}
		dv->n_descriptions = dcnt;
		for (j = 0; j < dcnt; j++) {
			snprintf(dbase, sizeof(dbase), "%s.descriptions.?%zu", base, j + 1);
			snprintf(dwhere, sizeof(dwhere), "%s: description %zu", where, j + 1);
			if ((r = dl_read_description(n, dbase, &dv->descriptions[j], dwhere,
			    diag)) != 0)
				goto out;
		}
	}
	*out = dl;
	dl = NULL;
	r = 0;
out:
	clv_buf_free(&alg);
	clv_cms_dl_free(dl);
	clv_der_free(&n);
	return r;
}

/* ---- Signing ----------------------------------------------------------- */

/* Writes a hash AlgorithmIdentifier without parameters (RFC 5754 2, Doc 9303). */
static int
write_digest_alg(asn1_node n, const char *name, clv_hash_alg_t hash)
{
	char sub[128];
	int r;

	snprintf(sub, sizeof(sub), "%s.algorithm", name);
	if ((r = clv_der_write_str(n, sub, clv_sigalg_hash_oid(hash))) != 0)
		return r;
	snprintf(sub, sizeof(sub), "%s.parameters", name);
	return clv_der_write(n, sub, NULL, 0);
}

/* Adds one signed attribute, built as its typed form, to SI.signedAttrs. */
static int
add_signed_attr(asn1_node ci, const char *type, const char *oid, const void *value,
    size_t vlen, time_t t)
{
	int r = CLV_E_INTERNAL;
	asn1_node a = NULL;
	clv_buf_t der = { NULL, 0 };

	if ((r = cms_new(type, &a)) != 0 ||
	    (r = clv_der_write_str(a, "attrType", oid)) != 0 ||
	    (r = clv_der_write(a, "attrValues", "NEW", 1)) != 0)
		goto out;
	if (value != NULL)
		r = clv_der_write(a, "attrValues.?LAST", value, (int)vlen);
	else
		r = clv_der_write_time(a, "attrValues.?LAST", t);
	if (r != 0 || (r = clv_der_encode(a, "", &der)) != 0)
		goto out;
	if ((r = clv_der_write(ci, SI ".signedAttrs", "NEW", 1)) != 0 ||
	    (r = copy_der_into(ci, SI ".signedAttrs.?LAST", "Attribute", der.data,
	    der.len)) != 0)
		goto out;
	r = 0;
out:
	clv_buf_free(&der);
	clv_der_free(&a);
	return r;
}

/* Parses the signer's and the extra certificates; checks what can be checked
 * before signing.  *ski_out points into signer->ski or *cert_out. */
static int
sign_check_signer(const clv_cms_signer_t *signer, clv_hash_alg_t digest,
    clv_cert_t **cert_out, const clv_buf_t **ski_out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	clv_cert_t *cert = NULL, *x = NULL;
	clv_diag_t d;
	char desc[64];
	size_t i, j;

	*cert_out = NULL;
	*ski_out = NULL;
	if (digest == CLV_HASH_SHA1 || clv_sigalg_hash_oid(digest) == NULL) {
		r = clv_diag_set(diag, CLV_E_UNSUPPORTED_ALG,
		    "SignerInfo: digest algorithm: SHA-224, SHA-256, SHA-384 or SHA-512 "
		    "expected");
		goto out;
	}
	if (digest != signer->sigalg.hash) {
		clv_sigalg_describe(&signer->sigalg, desc, sizeof(desc));
		r = clv_diag_set(diag, CLV_E_INVALID_ARG,
		    "SignerInfo: digest algorithm %s differs from the hash of %s: verifiers "
		    "disagree on such lists, use the same hash", clv_hash_name(digest), desc);
		goto out;
	}
	if (signer->signing_time <= 0) {
		r = clv_diag_set(diag, CLV_E_INVALID_ARG, "SignerInfo: no signing time");
		goto out;
	}
	clv_diag_clear(&d);
	if ((r = clv_cert_parse(signer->cert->data, signer->cert->len, &cert, &d)) != 0) {
		r = clv_diag_set(diag, r, "signer certificate: %s", d.msg);
		goto out;
	}
	if (cert->pubkey == NULL || cert->pubkey->type != signer->sigalg.key) {
		clv_sigalg_describe(&signer->sigalg, desc, sizeof(desc));
		r = clv_diag_set(diag, CLV_E_KEY_MISMATCH,
		    "signer certificate %s: its key cannot make %s signatures", cert->subject,
		    desc);
		goto out;
	}
	if (signer->ski != NULL) {
		if (signer->ski->len == 0 || (cert->has_ski && !buf_eq(signer->ski,
		    &cert->ski))) {
			r = clv_diag_set(diag, CLV_E_INVALID_ARG,
			    "signer certificate %s: the given key identifier is not the "
			    "certificate's subjectKeyIdentifier", cert->subject);
			goto out;
		}
		*ski_out = signer->ski;
	} else if (cert->has_ski && cert->ski.len > 0) {
		*ski_out = &cert->ski;
	} else {
		r = clv_diag_set(diag, CLV_E_INVALID_ARG,
		    "signer certificate %s: no subjectKeyIdentifier extension, and no key "
		    "identifier given for the sid", cert->subject);
		goto out;
	}
	if (signer->extra_certs == NULL && signer->n_extra_certs > 0) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	for (i = 0; i < signer->n_extra_certs; i++) {
		const clv_buf_t *e = &signer->extra_certs[i];

		clv_diag_clear(&d);
		if (e->data == NULL || (r = clv_cert_parse(e->data, e->len, &x, &d)) != 0) {
			r = clv_diag_set(diag, r ? r : CLV_E_INVALID_ARG,
			    "certificates: extra certificate %zu: %s", i + 1, d.msg);
			goto out;
		}
		clv_cert_free(x);
		x = NULL;
		if (buf_eq(e, signer->cert)) {
			r = clv_diag_set(diag, CLV_E_INVALID_ARG,
			    "certificates: extra certificate %zu is the signer certificate", i + 1);
			goto out;
		}
		for (j = 0; j < i; j++) {
			if (buf_eq(e, &signer->extra_certs[j])) {
				r = clv_diag_set(diag, CLV_E_INVALID_ARG,
				    "certificates: extra certificate %zu repeats %zu", i + 1, j + 1);
				goto out;
			}
		}
	}
	*cert_out = cert;
	cert = NULL;
	r = 0;
out:
	clv_cert_free(x);
	clv_cert_free(cert);
	return r;
}

int
clv_cms_sign(const char *econtent_type, const unsigned char *econtent, size_t len,
    const clv_cms_signer_t *signer, clv_buf_t *out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	asn1_node ci = NULL;
	clv_cert_t *cert = NULL;
	const clv_buf_t *ski = NULL;
	clv_buf_t algder = { NULL, 0 }, attrs = { NULL, 0 }, sig = { NULL, 0 };
	clv_buf_t der = { NULL, 0 };
	clv_cms_t *check = NULL;
	clv_cms_verify_opts_t vo;
	clv_diag_t d;
	unsigned char md[CLV_HASH_MAX];
	clv_hash_alg_t digest;
	size_t i;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (econtent_type == NULL || econtent == NULL || len == 0 || len > (1u << 30) ||
	    signer == NULL || signer->cert == NULL || signer->cert->data == NULL ||
	    signer->sign == NULL)
		return CLV_E_INVALID_ARG;
	if (!is_oid(econtent_type)) {
		r = clv_diag_set(diag, CLV_E_INVALID_ARG,
		    "eContentType \"%s\": a dotted OID expected", econtent_type);
		goto out;
	}
	digest = signer->digest != CLV_HASH_NONE ? signer->digest : signer->sigalg.hash;
	if ((r = sign_check_signer(signer, digest, &cert, &ski, diag)) != 0)
		goto out;
	if ((r = clv_hash(digest, econtent, len, md)) != 0)
		goto out;
	if ((r = clv_sigalg_encode(&signer->sigalg, &algder)) != 0) {
		r = clv_diag_set(diag, r, "SignerInfo: signatureAlgorithm: cannot encode it");
		goto out;
	}

	if ((r = cms_new("ContentInfo", &ci)) != 0 ||
	    (r = clv_der_write_str(ci, "contentType", CLV_OID_CMS_SIGNED_DATA)) != 0 ||
	    (r = clv_der_write(ci, "content.version", "3", 0)) != 0 ||
	    (r = clv_der_write(ci, "content.digestAlgorithms", "NEW", 1)) != 0 ||
	    (r = write_digest_alg(ci, "content.digestAlgorithms.?LAST", digest)) != 0 ||
	    (r = clv_der_write_str(ci, "content.encapContentInfo.eContentType",
	    econtent_type)) != 0 ||
	    (r = clv_der_write(ci, "content.encapContentInfo.eContent", econtent,
	    (int)len)) != 0)
		goto out;
	if ((r = clv_der_write(ci, "content.certificates", "NEW", 1)) != 0 ||
	    (r = clv_der_write_der(ci, "content.certificates.?LAST", signer->cert->data,
	    signer->cert->len)) != 0)
		goto out;
	for (i = 0; i < signer->n_extra_certs; i++) {
		if ((r = clv_der_write(ci, "content.certificates", "NEW", 1)) != 0 ||
		    (r = clv_der_write_der(ci, "content.certificates.?LAST",
		    signer->extra_certs[i].data, signer->extra_certs[i].len)) != 0)
			goto out;
	}
	if ((r = clv_der_write(ci, "content.crls", NULL, 0)) != 0 ||
	    (r = clv_der_write(ci, "content.signerInfos", "NEW", 1)) != 0 ||
	    (r = clv_der_write(ci, SI ".version", "3", 0)) != 0 ||
	    (r = clv_der_write_str(ci, SI ".sid", "subjectKeyIdentifier")) != 0 ||
	    (r = clv_der_write(ci, SI ".sid.subjectKeyIdentifier", ski->data,
	    (int)ski->len)) != 0 ||
	    (r = write_digest_alg(ci, SI ".digestAlgorithm", digest)) != 0 ||
	    (r = copy_der_into(ci, SI ".signatureAlgorithm", "AlgorithmIdentifier",
	    algder.data, algder.len)) != 0 ||
	    (r = clv_der_write(ci, SI ".unsignedAttrs", NULL, 0)) != 0)
		goto out;
	if ((r = add_signed_attr(ci, "ContentTypeAttribute", OID_ATTR_CONTENT_TYPE,
	    econtent_type, strlen(econtent_type), 0)) != 0 ||
	    (r = add_signed_attr(ci, "SigningTimeAttribute", OID_ATTR_SIGNING_TIME, NULL, 0,
	    signer->signing_time)) != 0 ||
	    (r = add_signed_attr(ci, "MessageDigestAttribute", OID_ATTR_MESSAGE_DIGEST, md,
	    clv_hash_len(digest), 0)) != 0)
		goto out;

	/* RFC 5652 5.4: the signature covers DER(signedAttrs) with the SET OF
	 * tag, not the [0] IMPLICIT one it has inside the SignerInfo. */
	if ((r = clv_der_encode(ci, SI ".signedAttrs", &attrs)) != 0)
		goto out;
	if (attrs.len < 2 || attrs.data[0] != 0xa0) {
		clv_error("signedAttrs encoded with tag %02x", attrs.len ? attrs.data[0] : 0);
		r = CLV_E_INTERNAL;
		goto out;
	}
	attrs.data[0] = 0x31;
	if ((r = signer->sign(signer->sign_ctx, &signer->sigalg, attrs.data, attrs.len,
	    &sig)) != 0) {
		r = clv_diag_set(diag, r, "SignerInfo: signing signedAttrs failed: %s",
		    clv_strerror(r));
		goto out;
	}
	if (sig.data == NULL || sig.len == 0) {
		r = clv_diag_set(diag, CLV_E_CRYPTO, "SignerInfo: the signer returned no signature");
		goto out;
	}
	if ((r = clv_der_write(ci, SI ".signature", sig.data, (int)sig.len)) != 0 ||
	    (r = clv_der_encode(ci, "", &der)) != 0)
		goto out;

	/* What we hand out must verify under the certificate we name. */
	memset(&vo, 0, sizeof(vo));
	vo.econtent_type = econtent_type;
	vo.signer_cert = signer->cert;
	vo.flags = CLV_CMS_VERIFY_STRICT;
	clv_diag_clear(&d);
	if ((r = clv_cms_verify(der.data, der.len, "signed list", &vo, &check, &d)) != 0) {
		if (r == CLV_E_SIG_INVALID)
			r = clv_diag_set(diag, CLV_E_KEY_MISMATCH,
			    "the signature does not verify under signer certificate %s: the key "
			    "that signed is not this certificate's (%s)", cert->subject, d.msg);
		else
			r = clv_diag_set(diag, r, "the signed list does not verify: %s", d.msg);
		goto out;
	}
	if (check->quirks != 0 || clv_der_check_strict(der.data, der.len, NULL, NULL) != 0) {
		clv_error("our SignedData is not strict DER (quirks %#x)", check->quirks);
		r = CLV_E_INTERNAL;
		goto out;
	}
	*out = der;
	der.data = NULL;
	der.len = 0;
	r = 0;
out:
	explicit_bzero(md, sizeof(md));
	clv_cms_free(check);
	clv_buf_free(&der);
	clv_buf_free(&sig);
	clv_buf_free(&attrs);
	clv_buf_free(&algder);
	clv_cert_free(cert);
	clv_der_free(&ci);
	return r;
}

/* ---- Reading ----------------------------------------------------------- */

void
clv_cms_quirks_describe(unsigned quirks, char *out, size_t outlen)
{
	static const struct {
		unsigned bit;
		const char *text;
	} q[] = {
		{ CLV_CMS_QUIRK_DIGEST_ALG_NULL, "digestAlgorithm with NULL parameters" },
		{ CLV_CMS_QUIRK_DIGESTINFO_NO_NULL,
		    "RSA DigestInfo without the NULL parameter" },
		{ CLV_CMS_QUIRK_SHA1, "SHA-1" },
		{ CLV_CMS_QUIRK_NOT_DER, "not DER" },
	};
	size_t i, o = 0;
	int n;

	if (out == NULL || outlen == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		if (!(quirks & q[i].bit))
			continue;
		n = snprintf(out + o, outlen - o, "%s%s", o ? ", " : "", q[i].text);
		if (n < 0 || (size_t)n >= outlen - o)
			return;
		o += (size_t)n;
	}
	if (o == 0)
		snprintf(out, outlen, "none");
}

void
clv_cms_free(clv_cms_t *c)
{
	if (c == NULL)
		return;
	clv_buf_free(&c->econtent);
	clv_cms_certs_free(c->certs, c->n_certs);
	clv_buf_free(&c->sid_ski);
	clv_buf_free(&c->sid_issuer);
	clv_buf_free(&c->sid_serial);
	clv_buf_free(&c->sigalg_der);
	clv_buf_free(&c->signed_attrs);
	clv_buf_free(&c->message_digest);
	clv_buf_free(&c->signature);
	clv_buf_free(&c->signer_cert);
	free(c);
}

/* Reads signed attribute i (1-based) of SI into c. */
static int
read_signed_attr(asn1_node ci, size_t i, clv_cms_t *c, unsigned *seen, const char *what,
    clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	asn1_node a = NULL;
	clv_buf_t der = { NULL, 0 };
	char name[96], oid[64];
	const char *type;
	unsigned bit;
	size_t nvals = 0;

	snprintf(name, sizeof(name), SI ".signedAttrs.?%zu.attrType", i);
	if (clv_der_read_oid(ci, name, oid, sizeof(oid)) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: signedAttrs: attribute %zu unreadable",
		    what, i);
		goto out;
	}
	if (strcmp(oid, OID_ATTR_CONTENT_TYPE) == 0) {
		type = "ContentTypeAttribute";
		bit = 1;
	} else if (strcmp(oid, OID_ATTR_MESSAGE_DIGEST) == 0) {
		type = "MessageDigestAttribute";
		bit = 2;
	} else if (strcmp(oid, OID_ATTR_SIGNING_TIME) == 0) {
		type = "SigningTimeAttribute";
		bit = 4;
	} else {
		r = 0;      /* CMSAlgorithmProtection and others: not needed to verify */
		goto out;
	}
	if (*seen & bit) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s: signedAttrs: attribute %s appears twice (RFC 5652 11)", what, oid);
		goto out;
	}
	*seen |= bit;
	snprintf(name, sizeof(name), SI ".signedAttrs.?%zu", i);
	if ((r = clv_der_read_der(ci, name, &der)) != 0)
		goto out;
	if ((r = cms_decode(type, der.data, der.len, &a, what, type, diag)) != 0)
		goto out;
	if ((r = count_elements(a, "attrValues", &nvals)) != 0 || nvals != 1) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s: signedAttrs: %s has %zu values, exactly one expected (RFC 5652 11)",
		    what, oid, nvals);
		goto out;
	}
	if (bit == 1)
		r = clv_der_read_oid(a, "attrValues.?1", c->content_type_attr,
		    sizeof(c->content_type_attr));
	else if (bit == 2)
		r = clv_der_read(a, "attrValues.?1", &c->message_digest);
	else if ((r = clv_der_read_time(a, "attrValues.?1", &c->signing_time)) == 0)
		c->has_signing_time = 1;
	if (r != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: signedAttrs: %s value unreadable",
		    what, oid);
		goto out;
	}
	r = 0;
out:
	clv_buf_free(&der);
	clv_der_free(&a);
	return r;
}

/* sid, digestAlgorithm, signatureAlgorithm, signature, signedAttrs. */
static int
read_signer_info(asn1_node ci, const unsigned char *der, size_t len, clv_cms_t *c,
    const char *what, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	clv_buf_t alg = { NULL, 0 }, params = { NULL, 0 };
	clv_diag_t d;
	char choice[64];
	int clen = sizeof(choice);
	long v = 0;
	size_t s = 0, e = 0, cnt = 0, i;
	unsigned seen = 0;

	if (clv_der_read_int(ci, SI ".version", &v) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: SignerInfo: version unreadable", what);
		goto out;
	}
	c->signer_version = (int)v;
	if (asn1_read_value(ci, SI ".sid", choice, &clen) != ASN1_SUCCESS) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: SignerInfo: sid unreadable", what);
		goto out;
	}
	if (strcmp(choice, "subjectKeyIdentifier") == 0) {
		if ((r = clv_der_read(ci, SI ".sid.subjectKeyIdentifier", &c->sid_ski)) != 0)
			goto out;
		if (v != 3) {
			r = clv_diag_set(diag, CLV_E_FORMAT,
			    "%s: SignerInfo version %ld with a subjectKeyIdentifier sid, 3 "
			    "expected (RFC 5652 5.3)", what, v);
			goto out;
		}
	} else {
		if ((r = clv_der_read(ci, SI ".sid.issuerAndSerialNumber.issuer",
		    &c->sid_issuer)) != 0 ||
		    (r = clv_der_read(ci, SI ".sid.issuerAndSerialNumber.serialNumber",
		    &c->sid_serial)) != 0)
			goto out;
		if (v != 1) {
			r = clv_diag_set(diag, CLV_E_FORMAT,
			    "%s: SignerInfo version %ld with an issuerAndSerialNumber sid, 1 "
			    "expected (RFC 5652 5.3)", what, v);
			goto out;
		}
	}

	clv_diag_clear(&d);
	if ((r = clv_der_read_der(ci, SI ".digestAlgorithm", &alg)) != 0)
		goto out;
	if ((r = clv_sigalg_hash_decode(alg.data, alg.len, &c->digest_alg, &d)) != 0) {
		r = clv_diag_set(diag, CLV_E_UNSUPPORTED_ALG, "%s: SignerInfo: digestAlgorithm: %s",
		    what, d.msg);
		goto out;
	}
	if (asn1_find_node(ci, SI ".digestAlgorithm.parameters") != NULL &&
	    clv_der_read(ci, SI ".digestAlgorithm.parameters", &params) == 0 &&
	    params.len > 0)
		c->quirks |= CLV_CMS_QUIRK_DIGEST_ALG_NULL;
	if (c->digest_alg == CLV_HASH_SHA1)
		c->quirks |= CLV_CMS_QUIRK_SHA1;

	clv_diag_clear(&d);
	if ((r = clv_der_read_der(ci, SI ".signatureAlgorithm", &c->sigalg_der)) != 0)
		goto out;
	if ((r = clv_sigalg_decode(c->sigalg_der.data, c->sigalg_der.len, &c->sigalg,
	    &d)) != 0) {
		r = clv_diag_set(diag, CLV_E_UNSUPPORTED_ALG,
		    "%s: SignerInfo: signatureAlgorithm: %s", what, d.msg);
		goto out;
	}
	if (c->sigalg.hash == CLV_HASH_NONE)
		c->sigalg.hash = c->digest_alg;     /* rsaEncryption: RFC 3370 3.2 */
	if (c->sigalg.hash == CLV_HASH_SHA1 || (c->sigalg.pss &&
	    c->sigalg.mgf_hash == CLV_HASH_SHA1))
		c->quirks |= CLV_CMS_QUIRK_SHA1;
	if ((r = clv_der_read(ci, SI ".signature", &c->signature)) != 0 ||
	    c->signature.len == 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: SignerInfo: no signature", what);
		goto out;
	}

	/* signedAttrs exactly as received, re-tagged SET OF */
	if (asn1_find_node(ci, SI ".signedAttrs") == NULL ||
	    clv_der_span(ci, der, len, SI ".signedAttrs", &s, &e) != 0 || e <= s + 1) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s: SignerInfo: no signedAttrs (Doc 9303 requires them)", what);
		goto out;
	}
	if (der[s] != 0xa0) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s: SignerInfo: signedAttrs with tag %02x, [0] (a0) expected", what, der[s]);
		goto out;
	}
	if ((r = clv_buf_set(&c->signed_attrs, der + s, e - s)) != 0)
		goto out;
	c->signed_attrs.data[0] = 0x31;
	if ((r = count_elements(ci, SI ".signedAttrs", &cnt)) != 0)
		goto out;
	for (i = 1; i <= cnt; i++)
		if ((r = read_signed_attr(ci, i, c, &seen, what, diag)) != 0)
			goto out;
	if (!(seen & 1) || !(seen & 2)) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s: signedAttrs: no %s attribute (RFC 5652 5.3 requires it)", what,
		    !(seen & 1) ? "contentType" : "messageDigest");
		goto out;
	}
	r = 0;
out:
	clv_buf_free(&params);
	clv_buf_free(&alg);
	return r;
}

int
clv_cms_parse(const unsigned char *der, size_t len, const char *what, clv_cms_t **out,
    clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	asn1_node ci = NULL;
	clv_cms_t *c = NULL;
	char oid[64], name[64];
	size_t cnt = 0, i, bad = 0;
	long v = 0;
	const char *why = "";

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if (der == NULL)
		return CLV_E_INVALID_ARG;
	if (what == NULL)
		what = "CMS SignedData";
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return CLV_E_NOMEM;
	if ((r = cms_decode("ContentInfo", der, len, &ci, what, "ContentInfo", diag)) != 0)
		goto out;
	if (clv_der_check_strict(der, len, &bad, &why) != 0) {
		clv_debug("%s: not DER at offset %zu: %s", what, bad, why);
		c->quirks |= CLV_CMS_QUIRK_NOT_DER;
	}
	if (clv_der_read_oid(ci, "contentType", oid, sizeof(oid)) != 0 ||
	    strcmp(oid, CLV_OID_CMS_SIGNED_DATA) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s: contentType %s, signedData (" CLV_OID_CMS_SIGNED_DATA ") expected",
		    what, oid);
		goto out;
	}
	if (clv_der_read_int(ci, "content.version", &v) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: SignedData: version unreadable", what);
		goto out;
	}
	c->version = (int)v;
	if (clv_der_read_oid(ci, "content.encapContentInfo.eContentType", c->econtent_type,
	    sizeof(c->econtent_type)) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: eContentType unreadable", what);
		goto out;
	}
	if (asn1_find_node(ci, "content.encapContentInfo.eContent") == NULL ||
	    clv_der_read(ci, "content.encapContentInfo.eContent", &c->econtent) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s: no eContent (detached content is not used by Doc 9303)", what);
		goto out;
	}
	if ((r = count_elements(ci, "content.certificates", &cnt)) != 0)
		goto out;
	if (cnt > 0 && (c->certs = calloc(cnt, sizeof(*c->certs))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	c->n_certs = cnt;
	for (i = 0; i < cnt; i++) {
		snprintf(name, sizeof(name), "content.certificates.?%zu", i + 1);
		if ((r = clv_der_read(ci, name, &c->certs[i])) != 0)
			goto out;
	}
	if ((r = count_elements(ci, "content.signerInfos", &cnt)) != 0)
		goto out;
	if (cnt != 1) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s: %zu SignerInfos, exactly one expected (Doc 9303)", what, cnt);
		goto out;
	}
	if ((r = read_signer_info(ci, der, len, c, what, diag)) != 0)
		goto out;
	*out = c;
	c = NULL;
	r = 0;
out:
	clv_cms_free(c);
	clv_der_free(&ci);
	return r;
}

/* ---- Verifying --------------------------------------------------------- */

/* 1 if the SignerInfo's sid names cert. */
static int
sid_names(const clv_cms_t *c, const clv_cert_t *cert)
{
	unsigned char kid[20];
	clv_buf_t k = { kid, sizeof(kid) };

	if (c->sid_ski.len > 0) {
		if (cert->has_ski)
			return buf_eq(&c->sid_ski, &cert->ski);
		return cert->pubkey != NULL && clv_pubkey_key_id(cert->pubkey, kid) == 0 &&
		    buf_eq(&c->sid_ski, &k);
	}
	return buf_eq(&c->sid_issuer, &cert->issuer_der) &&
	    buf_eq(&c->sid_serial, &cert->serial);
}

static void
sid_describe(const clv_cms_t *c, char *out, size_t outlen)
{
	char hex[48], issuer[256], serial[48];

	if (c->sid_ski.len > 0) {
		hex_prefix(&c->sid_ski, hex, sizeof(hex));
		snprintf(out, outlen, "subjectKeyIdentifier %s", hex);
		return;
	}
	if (clv_name_to_text(c->sid_issuer.data, c->sid_issuer.len, issuer,
	    sizeof(issuer)) == CLV_E_DER)
		snprintf(issuer, sizeof(issuer), "(unreadable Name)");
	hex_prefix(&c->sid_serial, serial, sizeof(serial));
	snprintf(out, outlen, "issuer %s, serial %s", issuer, serial);
}

/*
 * 1 in *standard if the RSA PKCS#1 v1.5 signature holds the standard
 * DigestInfo (with NULL), checked by libgcrypt's own PKCS#1 encoding.
 * Called after clv_verify accepted the signature in one of the two forms.
 */
static int
pkcs1_is_standard(const clv_pubkey_t *key, clv_hash_alg_t hash, const unsigned char *data,
    size_t len, const unsigned char *sig, size_t siglen, int *standard)
{
	int r = CLV_E_INTERNAL;
	gcry_sexp_t s_key = NULL, s_data = NULL, s_sig = NULL;
	gcry_error_t err;
	unsigned char digest[CLV_HASH_MAX];
	const unsigned char *np = key->rsa_n.data;
	size_t nlen = key->rsa_n.len;
	const char *hname;

	*standard = 0;
	while (nlen > 0 && np[0] == 0) {
		np++;
		nlen--;
	}
	if ((hname = gcry_md_algo_name(clv_hash_gcry_algo(hash))) == NULL || nlen == 0) {
		r = CLV_E_UNSUPPORTED_ALG;
		goto out;
	}
	if ((r = clv_hash(hash, data, len, digest)) != 0)
		goto out;
	if ((err = gcry_sexp_build(&s_key, NULL, "(public-key (rsa (n %b)(e %b)))",
	    (int)nlen, np, (int)key->rsa_e.len, key->rsa_e.data)) != 0 ||
	    (err = gcry_sexp_build(&s_data, NULL, "(data (flags pkcs1)(hash %s %b))", hname,
	    (int)clv_hash_len(hash), digest)) != 0 ||
	    (err = gcry_sexp_build(&s_sig, NULL, "(sig-val (rsa (s %b)))", (int)siglen,
	    sig)) != 0) {
		clv_error("gcry_sexp_build: %s", gcry_strerror(err));
		r = CLV_E_CRYPTO;
		goto out;
	}
	err = gcry_pk_verify(s_sig, s_data, s_key);
	if (err != 0 && gcry_err_code(err) != GPG_ERR_BAD_SIGNATURE) {
		clv_debug("gcry_pk_verify: %s", gcry_strerror(err));
		r = CLV_E_CRYPTO;
		goto out;
	}
	*standard = err == 0;
	r = 0;
out:
	explicit_bzero(digest, sizeof(digest));
	gcry_sexp_release(s_key);
	gcry_sexp_release(s_data);
	gcry_sexp_release(s_sig);
	return r;
}

/* Finds the signer certificate: the trusted one given, or in certificates. */
static int
find_signer(const clv_cms_t *c, const clv_cms_verify_opts_t *opts, clv_cert_t **out,
    const char *what, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;
	clv_cert_t *cert = NULL;
	clv_diag_t d;
	char sid[400];
	size_t i;

	*out = NULL;
	sid_describe(c, sid, sizeof(sid));
	if (opts->signer_cert != NULL) {
		clv_diag_clear(&d);
		if (opts->signer_cert->data == NULL || (r = clv_cert_parse(opts->signer_cert->data,
		    opts->signer_cert->len, &cert, &d)) != 0) {
			r = clv_diag_set(diag, r ? r : CLV_E_INVALID_ARG,
			    "trusted signer certificate: %s", d.msg);
			goto out;
		}
		if (!sid_names(c, cert)) {
			r = clv_diag_set(diag, CLV_E_FORMAT,
			    "%s: the SignerInfo names %s, not the trusted signer certificate %s",
			    what, sid, cert->subject);
			goto out;
		}
		*out = cert;
		cert = NULL;
		r = 0;
		goto out;
	}
	for (i = 0; i < c->n_certs; i++) {
		clv_diag_clear(&d);
		if (clv_cert_parse(c->certs[i].data, c->certs[i].len, &cert, &d) != 0) {
			clv_debug("%s: certificates: element %zu skipped: %s", what, i + 1, d.msg);
			continue;
		}
		if (sid_names(c, cert)) {
			*out = cert;
			cert = NULL;
			r = 0;
			goto out;
		}
		clv_cert_free(cert);
		cert = NULL;
	}
	r = clv_diag_set(diag, CLV_E_FORMAT,
	    "%s: no certificate in SignedData.certificates (%zu) matches the SignerInfo's %s",
	    what, c->n_certs, sid);
out:
	clv_cert_free(cert);
	return r;
}

/* The signer certificate is an anchor or is issued by one. */
static int
check_anchored(const clv_cert_t *signer, const clv_cms_verify_opts_t *opts,
    size_t *index, const char *what, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL, vr;
	clv_cert_t *a = NULL;
	clv_diag_t d;
	size_t i, tried = 0;
	char last[512] = "";

	for (i = 0; i < opts->n_anchors; i++) {
		const clv_buf_t *ab = &opts->anchors[i];

		clv_diag_clear(&d);
		if (ab->data == NULL || (r = clv_cert_parse(ab->data, ab->len, &a, &d)) != 0) {
			r = clv_diag_set(diag, r ? r : CLV_E_INVALID_ARG, "trust anchor %zu: %s",
			    i + 1, d.msg);
			goto out;
		}
		if (buf_eq(ab, &signer->der)) {
			*index = i;
			r = 0;
			goto out;
		}
		if ((buf_eq(&a->subject_der, &signer->issuer_der) || (signer->has_aki &&
		    a->has_ski && buf_eq(&signer->aki, &a->ski))) && a->pubkey != NULL) {
			tried++;
			if ((vr = clv_cert_verify(signer, a->pubkey)) == 0) {
				*index = i;
				r = 0;
				goto out;
			}
			clv_debug("%s: signer certificate under anchor %zu: %s", what, i + 1,
			    clv_strerror(vr));
			snprintf(last, sizeof(last), "%s", a->subject);
		}
		clv_cert_free(a);
		a = NULL;
	}
	if (tried > 0)
		r = clv_diag_set(diag, CLV_E_SIG_INVALID,
		    "%s: signer certificate %s: its signature does not verify under trust "
		    "anchor %s", what, signer->subject, last);
	else
		r = clv_diag_set(diag, CLV_E_POLICY,
		    "%s: signer certificate %s (issuer %s) is not issued by any of the %zu "
		    "trust anchors", what, signer->subject, signer->issuer, opts->n_anchors);
out:
	clv_cert_free(a);
	return r;
}

int
clv_cms_verify(const unsigned char *der, size_t len, const char *what,
    const clv_cms_verify_opts_t *opts, clv_cms_t **out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL, standard = 1;
	clv_cms_t *c = NULL;
	clv_cert_t *signer = NULL;
	unsigned char md[CLV_HASH_MAX];
	char desc[64], qd[128];
	size_t mdlen;

	if (out != NULL)
		*out = NULL;
	if (der == NULL || opts == NULL || (opts->anchors == NULL && opts->n_anchors > 0))
		return CLV_E_INVALID_ARG;
	if (what == NULL)
		what = "CMS SignedData";
	if (opts->signer_cert == NULL && opts->n_anchors == 0 &&
	    !(opts->flags & CLV_CMS_VERIFY_UNANCHORED)) {
		r = clv_diag_set(diag, CLV_E_INVALID_ARG,
		    "%s: no trust anchor and no trusted signer certificate to verify against",
		    what);
		goto out;
	}
	if ((r = clv_cms_parse(der, len, what, &c, diag)) != 0)
		goto out;
	if (opts->econtent_type != NULL && strcmp(opts->econtent_type, c->econtent_type) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: eContentType %s, %s expected", what,
		    c->econtent_type, opts->econtent_type);
		goto out;
	}
	if ((opts->flags & CLV_CMS_VERIFY_STRICT) &&
	    (c->quirks & (CLV_CMS_QUIRK_SHA1 | CLV_CMS_QUIRK_NOT_DER))) {
		clv_cms_quirks_describe(c->quirks & (CLV_CMS_QUIRK_SHA1 | CLV_CMS_QUIRK_NOT_DER),
		    qd, sizeof(qd));
		r = clv_diag_set(diag, CLV_E_POLICY, "%s: %s: refused in strict mode", what, qd);
		goto out;
	}

	/* the signer and whether it is trusted */
	if ((r = find_signer(c, opts, &signer, what, diag)) != 0)
		goto out;
	if (opts->signer_cert != NULL) {
		c->anchored = 1;
	} else if (opts->n_anchors > 0) {
		if ((r = check_anchored(signer, opts, &c->anchor_index, what, diag)) != 0)
			goto out;
		c->anchored = 1;
	}

	/* the signed attributes against the content */
	if (strcmp(c->content_type_attr, c->econtent_type) != 0) {
		r = clv_diag_set(diag, CLV_E_INTEGRITY,
		    "%s: the contentType signed attribute (%s) differs from eContentType (%s)",
		    what, c->content_type_attr, c->econtent_type);
		goto out;
	}
	mdlen = clv_hash_len(c->digest_alg);
	if ((r = clv_hash(c->digest_alg, c->econtent.data, c->econtent.len, md)) != 0)
		goto out;
	if (c->message_digest.len != mdlen || memcmp(md, c->message_digest.data, mdlen) != 0) {
		r = clv_diag_set(diag, CLV_E_INTEGRITY,
		    "%s: messageDigest does not match the %s digest of eContent: the content "
		    "is not what was signed", what, clv_hash_name(c->digest_alg));
		goto out;
	}
	if (!c->has_signing_time && (strcmp(c->econtent_type, CLV_OID_ICAO_MASTER_LIST) == 0 ||
	    strcmp(c->econtent_type, CLV_OID_ICAO_DEVIATION_LIST) == 0)) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s: signedAttrs: no signingTime (Doc 9303-12 requires it in Master and "
		    "Deviation Lists)", what);
		goto out;
	}

	/* the signer certificate's fitness to sign this */
	if (signer->has_key_usage && !(signer->key_usage &
	    (CLV_KU_DIGITAL_SIGNATURE | CLV_KU_NON_REPUDIATION))) {
		r = clv_diag_set(diag, CLV_E_POLICY,
		    "%s: signer certificate %s: keyUsage lacks digitalSignature", what,
		    signer->subject);
		goto out;
	}
	if (c->has_signing_time && (c->signing_time < signer->not_before ||
	    c->signing_time > signer->not_after)) {
		char st[21], nb[21], na[21];

		clv_time_format(c->signing_time, st);
		clv_time_format(signer->not_before, nb);
		clv_time_format(signer->not_after, na);
		r = clv_diag_set(diag, CLV_E_POLICY,
		    "%s: signingTime %s is outside the validity of signer certificate %s "
		    "(%s to %s)", what, st, signer->subject, nb, na);
		goto out;
	}

	/* the signature */
	clv_sigalg_describe(&c->sigalg, desc, sizeof(desc));
	if (signer->pubkey == NULL || signer->pubkey->type != c->sigalg.key) {
		r = clv_diag_set(diag, CLV_E_KEY_MISMATCH,
		    "%s: signatureAlgorithm %s does not fit the key of signer certificate %s",
		    what, desc, signer->subject);
		goto out;
	}
	r = clv_verify(signer->pubkey, &c->sigalg, c->signed_attrs.data, c->signed_attrs.len,
	    c->signature.data, c->signature.len);
	if (r == CLV_E_SIG_INVALID) {
		r = clv_diag_set(diag, r,
		    "%s: the %s signature over signedAttrs does not verify under signer "
		    "certificate %s", what, desc, signer->subject);
		goto out;
	}
	if (r != 0) {
		r = clv_diag_set(diag, r, "%s: verifying the %s signature: %s", what, desc,
		    clv_strerror(r));
		goto out;
	}
	if (c->sigalg.key == CLV_KEY_RSA && !c->sigalg.pss) {
		if ((r = pkcs1_is_standard(signer->pubkey, c->sigalg.hash, c->signed_attrs.data,
		    c->signed_attrs.len, c->signature.data, c->signature.len,
		    &standard)) != 0)
			goto out;
		if (!standard) {
			c->quirks |= CLV_CMS_QUIRK_DIGESTINFO_NO_NULL;
			clv_info("%s: RSA PKCS#1 v1.5 signature with a DigestInfo lacking the "
			    "NULL parameter", what);
			if (opts->flags & CLV_CMS_VERIFY_STRICT) {
				r = clv_diag_set(diag, CLV_E_SIG_INVALID,
				    "%s: the RSA PKCS#1 v1.5 signature's DigestInfo lacks the NULL "
				    "parameter of its %s AlgorithmIdentifier (RFC 8017 9.2 note 1; "
				    "the ICAO Master List Jan 2021 fault): refused in strict mode",
				    what, clv_hash_name(c->sigalg.hash));
				goto out;
			}
		}
	}
	if ((r = clv_buf_set(&c->signer_cert, signer->der.data, signer->der.len)) != 0)
		goto out;
	if (out != NULL) {
		*out = c;
		c = NULL;
	}
	r = 0;
out:
	explicit_bzero(md, sizeof(md));
	clv_cert_free(signer);
	clv_cms_free(c);
	return r;
}
