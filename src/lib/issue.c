/*
 * Building TBSCertificate and TBSCertList from a template, and wrapping a
 * signature around them.  Strict DER throughout: libtasn1 encodes, DEFAULT
 * values are never written, INTEGERs are minimal, times follow RFC 5280.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"
#include "issue.h"
#include "util.h"
#include "x509.h"

#define OID_COUNTRY        "2.5.4.6"
#define OID_ORGANIZATION   "2.5.4.10"
#define OID_ORG_UNIT       "2.5.4.11"
#define OID_COMMON_NAME    "2.5.4.3"
#define OID_SERIAL_NUMBER  "2.5.4.5"
#define OID_LOCALITY       "2.5.4.7"
#define OID_STATE          "2.5.4.8"

#define OID_EXT_SKI        "2.5.29.14"
#define OID_EXT_KU         "2.5.29.15"
#define OID_EXT_PKUP       "2.5.29.16"
#define OID_EXT_SAN        "2.5.29.17"
#define OID_EXT_IAN        "2.5.29.18"
#define OID_EXT_BC         "2.5.29.19"
#define OID_EXT_CRL_NUMBER "2.5.29.20"
#define OID_EXT_CRLDP      "2.5.29.31"
#define OID_EXT_POLICIES   "2.5.29.32"
#define OID_EXT_AKI        "2.5.29.35"
#define OID_EXT_EKU        "2.5.29.37"
#define OID_EXT_DOC_TYPES  "2.23.136.1.1.6.2"   /* Doc 9303-12 documentTypeList */
#define OID_EXT_NAME_CHANGE "2.23.136.1.1.6.1"  /* Doc 9303-12 nameChange */

/* PrintableString when the value allows it (X.520), UTF8String otherwise. */
static int
is_printable(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (strchr(" '()+,-./:=?", c) == NULL)
			return 0;
	}
	return 1;
}

/* DER of a string value (tag + length + content) for an ANY field. */
static int
string_der(unsigned etype, const char *value, clv_buf_t *out)
{
	unsigned char tl[ASN1_MAX_TL_SIZE];
	unsigned tl_len = sizeof(tl);
	size_t vlen = strlen(value);
	int ret;

	out->data = NULL;
	out->len = 0;
	ret = asn1_encode_simple_der(etype, (const unsigned char *)value, (unsigned)vlen,
	    tl, &tl_len);
	if (ret != ASN1_SUCCESS) {
		clv_error("asn1_encode_simple_der: %s", asn1_strerror(ret));
		return CLV_E_DER;
	}
	if ((out->data = malloc(tl_len + vlen)) == NULL)
		return CLV_E_NOMEM;
	memcpy(out->data, tl, tl_len);
	memcpy(out->data + tl_len, value, vlen);
	out->len = tl_len + vlen;
	return 0;
}

/* Appends one single-valued RDN to the RDNSequence at path. */
static int
add_rdn(asn1_node n, const char *path, const char *oid, unsigned etype, const char *value)
{
	char p[256];
	clv_buf_t v = { NULL, 0 };
	int r;

	if ((r = clv_der_write(n, path, "NEW", 1)) != 0)
		return r;
	snprintf(p, sizeof(p), "%s.?LAST", path);
	if ((r = clv_der_write(n, p, "NEW", 1)) != 0)
		return r;
	snprintf(p, sizeof(p), "%s.?LAST.?LAST.type", path);
	if ((r = clv_der_write_str(n, p, oid)) != 0)
		return r;
	if ((r = string_der(etype, value, &v)) != 0)
		return r;
	snprintf(p, sizeof(p), "%s.?LAST.?LAST.value", path);
	r = clv_der_write_der(n, p, v.data, v.len);
	clv_buf_free(&v);
	return r;
}

static unsigned
dirstring_type(const char *s)
{
	return is_printable(s) ? ASN1_ETYPE_PRINTABLE_STRING : ASN1_ETYPE_UTF8_STRING;
}

int
clv_issue_name(const clv_template_t *t, int rehearsal, clv_buf_t *out)
{
	asn1_node n = NULL;
	char cn[160];
	int r = CLV_E_INTERNAL;

	if (t == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if ((r = clv_der_new("Name", &n)) != 0)
		goto out;
	if ((r = clv_der_write_str(n, "", "rdnSequence")) != 0)
		goto out;
	/* countryName and serialNumber are PrintableString (Doc 9303-12 Table 5) */
	if ((r = add_rdn(n, "rdnSequence", OID_COUNTRY, ASN1_ETYPE_PRINTABLE_STRING,
	    t->country)) != 0)
		goto out;
	if (t->organization[0] != '\0' && (r = add_rdn(n, "rdnSequence", OID_ORGANIZATION,
	    dirstring_type(t->organization), t->organization)) != 0)
		goto out;
	if (t->org_unit[0] != '\0' && (r = add_rdn(n, "rdnSequence", OID_ORG_UNIT,
	    dirstring_type(t->org_unit), t->org_unit)) != 0)
		goto out;
	if (t->serial_number[0] != '\0' && (r = add_rdn(n, "rdnSequence", OID_SERIAL_NUMBER,
	    ASN1_ETYPE_PRINTABLE_STRING, t->serial_number)) != 0)
		goto out;
	/* ub-common-name is 64: a rehearsal stamp shortens the name, never the
	 * stamp, and never in the middle of a UTF-8 character */
	snprintf(cn, sizeof(cn), "%s%s", rehearsal ? "REHEARSAL " : "", t->common_name);
	if (strlen(cn) > 64) {
		size_t cut = 64;
		while (cut > 0 && ((unsigned char)cn[cut] & 0xc0) == 0x80)
			cut--;
		cn[cut] = '\0';
	}
	if ((r = add_rdn(n, "rdnSequence", OID_COMMON_NAME, dirstring_type(cn), cn)) != 0)
		goto out;
	r = clv_der_encode(n, "", out);
out:
	clv_der_free(&n);
	return r;
}

int
clv_issue_sigalg(const clv_template_t *t, const clv_pubkey_t *signer, clv_sigalg_t *out)
{
	if (t == NULL || signer == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	out->key = signer->type;
	out->hash = t->hash;
	if (signer->type == CLV_KEY_RSA && t->rsa_pss) {
		out->pss = 1;
		out->mgf_hash = t->hash;
		out->salt_len = (unsigned)clv_hash_len(t->hash);
	}
	return 0;
}

/* Appends Extension { extnID, critical, extnValue } to the Extensions at path. */
static int
add_ext(asn1_node n, const char *path, const char *oid, int critical, const clv_buf_t *value)
{
	char p[256];
	int r;

	if ((r = clv_der_write(n, path, "NEW", 1)) != 0)
		return r;
	snprintf(p, sizeof(p), "%s.?LAST.extnID", path);
	if ((r = clv_der_write_str(n, p, oid)) != 0)
		return r;
	snprintf(p, sizeof(p), "%s.?LAST.critical", path);
	/* libtasn1 leaves a value equal to its DEFAULT (FALSE) out of the DER */
	if ((r = clv_der_write_str(n, p, critical ? "TRUE" : "FALSE")) != 0)
		return r;
	snprintf(p, sizeof(p), "%s.?LAST.extnValue", path);
	return clv_der_write(n, p, value->data, (int)value->len);
}

static int
encode_key_usage(unsigned ku, clv_buf_t *out)
{
	asn1_node n = NULL;
	unsigned char bits[2] = { 0, 0 };
	int i, nbits = 0, r;

	for (i = 0; i < 9; i++) {
		if (ku & (1u << i)) {
			bits[i / 8] |= (unsigned char)(0x80 >> (i % 8));
			nbits = i + 1;  /* DER: no trailing zero bits */
		}
	}
	if (nbits == 0)
		return CLV_E_INVALID_ARG;
	if ((r = clv_der_new("KeyUsage", &n)) != 0)
		return r;
	if ((r = clv_der_write(n, "", bits, nbits)) == 0)
		r = clv_der_encode(n, "", out);
	clv_der_free(&n);
	return r;
}

static int
encode_basic_constraints(int ca, int path_len, clv_buf_t *out)
{
	asn1_node n = NULL;
	char num[16];
	int r;

	if ((r = clv_der_new("BasicConstraints", &n)) != 0)
		return r;
	if ((r = clv_der_write_str(n, "cA", ca ? "TRUE" : "FALSE")) != 0)
		goto out;
	if (path_len >= 0) {
		snprintf(num, sizeof(num), "%d", path_len);
		r = clv_der_write(n, "pathLenConstraint", num, 0);
	} else {
		r = clv_der_write(n, "pathLenConstraint", NULL, 0);
	}
	if (r == 0)
		r = clv_der_encode(n, "", out);
out:
	clv_der_free(&n);
	return r;
}

static int
encode_octets(const char *type, const unsigned char *data, size_t len, clv_buf_t *out)
{
	asn1_node n = NULL;
	int r;

	if ((r = clv_der_new(type, &n)) != 0)
		return r;
	if ((r = clv_der_write(n, "", data, (int)len)) == 0)
		r = clv_der_encode(n, "", out);
	clv_der_free(&n);
	return r;
}

static int
encode_aki(const unsigned char *key_id, size_t len, clv_buf_t *out)
{
	asn1_node n = NULL;
	int r;

	if ((r = clv_der_new("AuthorityKeyIdentifier", &n)) != 0)
		return r;
	if ((r = clv_der_write(n, "keyIdentifier", key_id, (int)len)) != 0)
		goto out;
	if ((r = clv_der_write(n, "authorityCertIssuer", NULL, 0)) != 0)
		goto out;
	if ((r = clv_der_write(n, "authorityCertSerialNumber", NULL, 0)) != 0)
		goto out;
	r = clv_der_encode(n, "", out);
out:
	clv_der_free(&n);
	return r;
}

static int
encode_pkup(time_t not_before, time_t not_after, clv_buf_t *out)
{
	asn1_node n = NULL;
	int r;

	if ((r = clv_der_new("PrivateKeyUsagePeriod", &n)) != 0)
		return r;
	if ((r = clv_der_write_gentime(n, "notBefore", not_before)) != 0)
		goto out;
	if ((r = clv_der_write_gentime(n, "notAfter", not_after)) != 0)
		goto out;
	r = clv_der_encode(n, "", out);
out:
	clv_der_free(&n);
	return r;
}

/* GeneralNames with one directoryName: L=<ICAO code>[, ST=<code>] (Doc 9303-12 7.1.1.2). */
static int
encode_alt_dirname(const clv_template_t *t, clv_buf_t *out)
{
	asn1_node n = NULL;
	int r;

	if ((r = clv_der_new("GeneralNames", &n)) != 0)
		return r;
	if ((r = clv_der_write(n, "", "NEW", 1)) != 0)
		goto out;
	if ((r = clv_der_write_str(n, "?LAST", "directoryName")) != 0)
		goto out;
	if ((r = add_rdn(n, "?LAST.directoryName", OID_LOCALITY, ASN1_ETYPE_PRINTABLE_STRING,
	    t->alt_locality)) != 0)
		goto out;
	if (t->alt_state[0] != '\0' && (r = add_rdn(n, "?LAST.directoryName", OID_STATE,
	    ASN1_ETYPE_PRINTABLE_STRING, t->alt_state)) != 0)
		goto out;
	r = clv_der_encode(n, "", out);
out:
	clv_der_free(&n);
	return r;
}

static int
encode_crldp(const clv_template_t *t, clv_buf_t *out)
{
	asn1_node n = NULL;
	size_t i;
	int r = 0;

	if ((r = clv_der_new("CRLDistributionPoints", &n)) != 0)
		return r;
	for (i = 0; i < t->n_crl_dp && r == 0; i++) {
		if ((r = clv_der_write(n, "", "NEW", 1)) != 0)
			break;
		if ((r = clv_der_write_str(n, "?LAST.distributionPoint", "fullName")) != 0)
			break;
		if ((r = clv_der_write(n, "?LAST.distributionPoint.fullName", "NEW", 1)) != 0)
			break;
		if ((r = clv_der_write_str(n, "?LAST.distributionPoint.fullName.?LAST",
		    "uniformResourceIdentifier")) != 0)
			break;
		if ((r = clv_der_write_str(n,
		    "?LAST.distributionPoint.fullName.?LAST.uniformResourceIdentifier",
		    t->crl_dp[i])) != 0)
			break;
		if ((r = clv_der_write(n, "?LAST.reasons", NULL, 0)) != 0)
			break;
		r = clv_der_write(n, "?LAST.cRLIssuer", NULL, 0);
	}
	if (r == 0)
		r = clv_der_encode(n, "", out);
	clv_der_free(&n);
	return r;
}

static int
encode_oid_list(const char *type, char oids[][64], size_t count, int policies, clv_buf_t *out)
{
	asn1_node n = NULL;
	size_t i;
	int r = 0;

	if ((r = clv_der_new(type, &n)) != 0)
		return r;
	for (i = 0; i < count && r == 0; i++) {
		if ((r = clv_der_write(n, "", "NEW", 1)) != 0)
			break;
		if (policies) {
			if ((r = clv_der_write_str(n, "?LAST.policyIdentifier", oids[i])) != 0)
				break;
			r = clv_der_write(n, "?LAST.policyQualifiers", NULL, 0);
		} else {
			r = clv_der_write_str(n, "?LAST", oids[i]);
		}
	}
	if (r == 0)
		r = clv_der_encode(n, "", out);
	clv_der_free(&n);
	return r;
}

/*
 * DocumentTypeListSyntax ::= SEQUENCE { version 0, docTypeList SET OF
 * PrintableString }.  libtasn1 sorts the SET OF into DER order.
 */
static int
encode_doc_types(const clv_template_t *t, clv_buf_t *out)
{
	asn1_node n = NULL;
	size_t i;
	int r;

	if (t->n_doc_types == 0)
		return CLV_E_INVALID_ARG;
	if ((r = clv_der_new("DocumentTypeListSyntax", &n)) != 0)
		return r;
	if ((r = clv_der_write(n, "version", "0", 0)) != 0)
		goto out;
	for (i = 0; i < t->n_doc_types; i++) {
		if ((r = clv_der_write(n, "docTypeList", "NEW", 1)) != 0 ||
		    (r = clv_der_write(n, "docTypeList.?LAST", t->doc_types[i],
		    (int)strlen(t->doc_types[i]))) != 0)
			goto out;
	}
	r = clv_der_encode(n, "", out);
out:
	clv_der_free(&n);
	return r;
}

/* Writes the SPKI DER into the TBS by decoding it into its own node and copying. */
static int
copy_der_into(asn1_node dst, const char *dst_name, const char *type, const clv_buf_t *der)
{
	asn1_node src = NULL;
	int r, ret;

	if ((r = clv_der_decode(type, der->data, der->len, &src, type, NULL)) != 0)
		return r;
	ret = asn1_copy_node(dst, dst_name, src, "");
	clv_der_free(&src);
	if (ret != ASN1_SUCCESS) {
		clv_error("asn1_copy_node(%s): %s", dst_name, asn1_strerror(ret));
		return CLV_E_DER;
	}
	return 0;
}

int
clv_issue_tbs_cert(const clv_cert_request_t *req, clv_buf_t *out)
{
	const clv_template_t *t;
	asn1_node n = NULL;
	clv_buf_t subject = { NULL, 0 }, spki = { NULL, 0 }, alg = { NULL, 0 };
	clv_buf_t v = { NULL, 0 };
	clv_duration_t validity;
	unsigned char ski[20], aki[20];
	time_t not_after;
	int r = CLV_E_INTERNAL;
	const char *E = "tbsCertificate.extensions";

	if (req == NULL || out == NULL || req->tmpl == NULL || req->subject_key == NULL ||
	    req->issuer_key == NULL || req->serial == NULL || req->serial_len == 0 ||
	    req->serial_len > 20)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	t = req->tmpl;
	if (t->profile_id == CLV_PROFILE_DS && req->subject_name == NULL)
		return CLV_E_INVALID_ARG;
	validity = clv_duration_is_zero(&req->validity) ? t->validity : req->validity;
	if (t->profile_id == CLV_PROFILE_DS && clv_duration_is_zero(&req->validity)) {
		/* Doc 9303-12: the usage period, then the longest document validity */
		not_after = clv_duration_add(req->not_before, &t->key_usage_period);
		if (not_after != (time_t)-1)
			not_after = clv_duration_add(not_after, &t->document_validity);
	} else
		not_after = clv_duration_add(req->not_before, &validity);
	if (req->not_after != 0)
		not_after = req->not_after;
	if (req->link && (t->profile_id != CLV_PROFILE_CSCA || req->issuer_name == NULL))
		return CLV_E_INVALID_ARG;
	if (not_after == (time_t)-1 || not_after <= req->not_before)
		return CLV_E_INVALID_ARG;

	if ((r = clv_der_new("Certificate", &n)) != 0)
		goto out;
	if ((r = clv_der_write(n, "tbsCertificate.version", "2", 0)) != 0)  /* v3 */
		goto out;
	if ((r = clv_der_write_uint(n, "tbsCertificate.serialNumber", req->serial,
	    req->serial_len)) != 0)
		goto out;
	if ((r = clv_sigalg_encode(&req->sigalg, &alg)) != 0)
		goto out;
	if ((r = copy_der_into(n, "tbsCertificate.signature", "AlgorithmIdentifier", &alg)) != 0)
		goto out;
	if (req->subject_name != NULL)
		r = clv_buf_set(&subject, req->subject_name->data, req->subject_name->len);
	else
		r = clv_issue_name(t, req->rehearsal, &subject);
	if (r != 0)
		goto out;
	if ((r = copy_der_into(n, "tbsCertificate.issuer", "Name",
	    req->issuer_name != NULL ? req->issuer_name : &subject)) != 0)
		goto out;
	if ((r = copy_der_into(n, "tbsCertificate.subject", "Name", &subject)) != 0)
		goto out;
	if ((r = clv_der_write_time(n, "tbsCertificate.validity.notBefore", req->not_before)) != 0)
		goto out;
	if ((r = clv_der_write_time(n, "tbsCertificate.validity.notAfter", not_after)) != 0)
		goto out;
	if ((r = clv_pubkey_to_spki(req->subject_key,
	    req->subject_key->type == CLV_KEY_EC && t->explicit_params, &spki)) != 0)
		goto out;
	if ((r = copy_der_into(n, "tbsCertificate.subjectPublicKeyInfo",
	    "SubjectPublicKeyInfo", &spki)) != 0)
		goto out;
	if ((r = clv_der_write(n, "tbsCertificate.issuerUniqueID", NULL, 0)) != 0)
		goto out;
	if ((r = clv_der_write(n, "tbsCertificate.subjectUniqueID", NULL, 0)) != 0)
		goto out;

	/* extensions, in the order of Doc 9303-12 Table 6 */
	if ((r = clv_pubkey_key_id(req->subject_key, ski)) != 0 ||
	    (r = clv_pubkey_key_id(req->issuer_key, aki)) != 0)
		goto out;
	if (t->aki || req->link) {
		if ((r = encode_aki(aki, sizeof(aki), &v)) != 0 ||
		    (r = add_ext(n, E, OID_EXT_AKI, 0, &v)) != 0)
			goto out;
		clv_buf_free(&v);
	}
	if (t->ski) {
		if ((r = encode_octets("SubjectKeyIdentifier", ski, sizeof(ski), &v)) != 0 ||
		    (r = add_ext(n, E, OID_EXT_SKI, 0, &v)) != 0)
			goto out;
		clv_buf_free(&v);
	}
	if (t->ku_present) {
		if ((r = encode_key_usage(t->key_usage, &v)) != 0 ||
		    (r = add_ext(n, E, OID_EXT_KU, t->ku_critical, &v)) != 0)
			goto out;
		clv_buf_free(&v);
	}
	if (t->pkup) {
		time_t pkup_end = req->pkup_not_after != 0 ? req->pkup_not_after :
		    clv_duration_add(req->not_before, &t->key_usage_period);
		if ((r = encode_pkup(req->not_before, pkup_end, &v)) != 0 ||
		    (r = add_ext(n, E, OID_EXT_PKUP, 0, &v)) != 0)
			goto out;
		clv_buf_free(&v);
	}
	if (t->n_policy > 0) {
		if ((r = encode_oid_list("CertificatePolicies", (char (*)[64])t->policy,
		    t->n_policy, 1, &v)) != 0 ||
		    (r = add_ext(n, E, OID_EXT_POLICIES, 0, &v)) != 0)
			goto out;
		clv_buf_free(&v);
	}
	if (t->san) {
		if ((r = encode_alt_dirname(t, &v)) != 0 ||
		    (r = add_ext(n, E, OID_EXT_SAN, 0, &v)) != 0)
			goto out;
		clv_buf_free(&v);
	}
	if (t->ian) {
		if ((r = encode_alt_dirname(t, &v)) != 0 ||
		    (r = add_ext(n, E, OID_EXT_IAN, 0, &v)) != 0)
			goto out;
		clv_buf_free(&v);
	}
	if (t->bc_present) {
		if ((r = encode_basic_constraints(t->bc_ca, t->bc_path_len, &v)) != 0 ||
		    (r = add_ext(n, E, OID_EXT_BC, t->bc_critical, &v)) != 0)
			goto out;
		clv_buf_free(&v);
	}
	if (t->n_eku > 0) {
		if ((r = encode_oid_list("ExtKeyUsageSyntax", (char (*)[64])t->eku, t->n_eku, 0,
		    &v)) != 0 || (r = add_ext(n, E, OID_EXT_EKU, t->eku_critical, &v)) != 0)
			goto out;
		clv_buf_free(&v);
	}
	if (t->n_crl_dp > 0) {
		if ((r = encode_crldp(t, &v)) != 0 ||
		    (r = add_ext(n, E, OID_EXT_CRLDP, 0, &v)) != 0)
			goto out;
		clv_buf_free(&v);
	}
	if (req->link && (req->issuer_name->len != subject.len ||
	    memcmp(req->issuer_name->data, subject.data, subject.len) != 0)) {
		static const unsigned char null_der[] = { 0x05, 0x00 };

		if ((r = clv_buf_set(&v, null_der, sizeof(null_der))) != 0 ||
		    (r = add_ext(n, E, OID_EXT_NAME_CHANGE, 0, &v)) != 0)
			goto out;
		clv_buf_free(&v);
	}
	if (t->profile_id == CLV_PROFILE_DS && t->n_doc_types > 0) {
		if ((r = encode_doc_types(t, &v)) != 0 ||
		    (r = add_ext(n, E, OID_EXT_DOC_TYPES, 0, &v)) != 0)
			goto out;
		clv_buf_free(&v);
	}
	r = clv_der_encode(n, "tbsCertificate", out);
out:
	clv_buf_free(&v);
	clv_buf_free(&subject);
	clv_buf_free(&spki);
	clv_buf_free(&alg);
	clv_der_free(&n);
	return r;
}

/* Wraps tbs (a TBSCertificate or TBSCertList) with its algorithm and signature. */
static int
wrap_signed(const char *type, const char *tbs_name, const clv_buf_t *tbs,
    const clv_sigalg_t *alg, const clv_buf_t *sig, clv_buf_t *out)
{
	asn1_node n = NULL, t = NULL;
	clv_buf_t algder = { NULL, 0 };
	char tbs_type[32];
	int r, ret;

	if (tbs == NULL || alg == NULL || sig == NULL || out == NULL || sig->len > (1u << 20))
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	snprintf(tbs_type, sizeof(tbs_type), "%s", strcmp(type, "Certificate") == 0 ?
	    "TBSCertificate" : strcmp(type, "CertificationRequest") == 0 ?
	    "CertificationRequestInfo" : "TBSCertList");
	if ((r = clv_der_new(type, &n)) != 0)
		goto out;
	if ((r = clv_der_decode(tbs_type, tbs->data, tbs->len, &t, tbs_type, NULL)) != 0)
		goto out;
	if ((ret = asn1_copy_node(n, tbs_name, t, "")) != ASN1_SUCCESS) {
		clv_error("asn1_copy_node: %s", asn1_strerror(ret));
		r = CLV_E_DER;
		goto out;
	}
	if ((r = clv_sigalg_encode(alg, &algder)) != 0)
		goto out;
	if ((r = copy_der_into(n, "signatureAlgorithm", "AlgorithmIdentifier", &algder)) != 0)
		goto out;
	if ((r = clv_der_write(n, "signature", sig->data, (int)(sig->len * 8))) != 0)
		goto out;
	r = clv_der_encode(n, "", out);
out:
	clv_buf_free(&algder);
	clv_der_free(&t);
	clv_der_free(&n);
	return r;
}

int
clv_issue_cert(const clv_buf_t *tbs, const clv_sigalg_t *alg, const clv_buf_t *sig,
    clv_buf_t *out)
{
	return wrap_signed("Certificate", "tbsCertificate", tbs, alg, sig, out);
}

int
clv_issue_tbs_crl(const clv_crl_request_t *req, clv_buf_t *out)
{
	asn1_node n = NULL;
	clv_buf_t alg = { NULL, 0 }, v = { NULL, 0 };
	const char *E = "tbsCertList.crlExtensions";
	size_t i;
	int r = CLV_E_INTERNAL;

	if (req == NULL || out == NULL || req->issuer_name == NULL || req->issuer_key_id == NULL ||
	    req->crl_number == NULL || req->crl_number_len == 0 || req->crl_number_len > 20 ||
	    req->next_update <= req->this_update)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if ((r = clv_der_new("CertificateList", &n)) != 0)
		goto out;
	if ((r = clv_der_write(n, "tbsCertList.version", "1", 0)) != 0)  /* v2 */
		goto out;
	if ((r = clv_sigalg_encode(&req->sigalg, &alg)) != 0)
		goto out;
	if ((r = copy_der_into(n, "tbsCertList.signature", "AlgorithmIdentifier", &alg)) != 0)
		goto out;
	if ((r = copy_der_into(n, "tbsCertList.issuer", "Name", req->issuer_name)) != 0)
		goto out;
	if ((r = clv_der_write_time(n, "tbsCertList.thisUpdate", req->this_update)) != 0)
		goto out;
	if ((r = clv_der_write_time(n, "tbsCertList.nextUpdate", req->next_update)) != 0)
		goto out;
	if (req->n_revoked == 0) {
		/* an empty list is omitted, as in every real empty CSCA CRL */
		if ((r = clv_der_write(n, "tbsCertList.revokedCertificates", NULL, 0)) != 0)
			goto out;
	}
	for (i = 0; i < req->n_revoked; i++) {
		if ((r = clv_der_write(n, "tbsCertList.revokedCertificates", "NEW", 1)) != 0 ||
		    (r = clv_der_write_uint(n, "tbsCertList.revokedCertificates.?LAST.userCertificate",
		    req->revoked_serials[i].data, req->revoked_serials[i].len)) != 0 ||
		    (r = clv_der_write_time(n,
		    "tbsCertList.revokedCertificates.?LAST.revocationDate",
		    req->revocation_dates[i])) != 0 ||
		    (r = clv_der_write(n,
		    "tbsCertList.revokedCertificates.?LAST.crlEntryExtensions", NULL, 0)) != 0)
			goto out;
	}
	if ((r = encode_aki(req->issuer_key_id->data, req->issuer_key_id->len, &v)) != 0 ||
	    (r = add_ext(n, E, OID_EXT_AKI, 0, &v)) != 0)
		goto out;
	clv_buf_free(&v);
	{
		asn1_node num = NULL;
		if ((r = clv_der_new("CRLNumber", &num)) != 0)
			goto out;
		r = clv_der_write_uint(num, "", req->crl_number, req->crl_number_len);
		if (r == 0)
			r = clv_der_encode(num, "", &v);
		clv_der_free(&num);
		if (r != 0 || (r = add_ext(n, E, OID_EXT_CRL_NUMBER, 0, &v)) != 0)
			goto out;
		clv_buf_free(&v);
	}
	r = clv_der_encode(n, "tbsCertList", out);
out:
	clv_buf_free(&v);
	clv_buf_free(&alg);
	clv_der_free(&n);
	return r;
}

int
clv_issue_crl(const clv_buf_t *tbs, const clv_sigalg_t *alg, const clv_buf_t *sig,
    clv_buf_t *out)
{
	return wrap_signed("CertificateList", "tbsCertList", tbs, alg, sig, out);
}

int
clv_issue_csr_info(const clv_buf_t *subject, const clv_pubkey_t *key, int explicit_params,
    clv_buf_t *out)
{
	asn1_node n = NULL;
	clv_buf_t spki = { NULL, 0 };
	int r;

	if (subject == NULL || key == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if ((r = clv_der_new("CertificationRequest", &n)) != 0)
		goto out;
	if ((r = clv_der_write(n, "certificationRequestInfo.version", "0", 0)) != 0 ||
	    (r = copy_der_into(n, "certificationRequestInfo.subject", "Name", subject)) != 0 ||
	    (r = clv_pubkey_to_spki(key, key->type == CLV_KEY_EC && explicit_params, &spki)) != 0 ||
	    (r = copy_der_into(n, "certificationRequestInfo.subjectPKInfo",
	    "SubjectPublicKeyInfo", &spki)) != 0)
		goto out;
	/* attributes present and empty (RFC 2986: [0] is not optional): what the
	 * certificate says comes from the CSCA's template */
	r = clv_der_encode(n, "certificationRequestInfo", out);
out:
	clv_buf_free(&spki);
	clv_der_free(&n);
	return r;
}

int
clv_issue_csr(const clv_buf_t *info, const clv_sigalg_t *alg, const clv_buf_t *sig,
    clv_buf_t *out)
{
	return wrap_signed("CertificationRequest", "certificationRequestInfo", info, alg, sig, out);
}
