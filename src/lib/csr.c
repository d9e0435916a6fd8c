/*
 * PKCS#10 certification requests (RFC 2986).  As with certificates, the
 * request is kept byte for byte and its parts located with
 * asn1_der_decoding_startEnd, so the proof of possession is checked over
 * exactly the bytes the requester signed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtasn1.h>

#include "csr.h"
#include "der.h"
#include "util.h"
#include "verify.h"
#include "x509.h"

#define OID_COUNTRY "2.5.4.6"

/* Upper bound on a request (a 4096-bit RSA request is under 2 KiB). */
#define CSR_MAX_LEN (64u * 1024u)

static int
copy_span(asn1_node n, const clv_buf_t *der, const char *name, clv_buf_t *out)
{
	size_t s = 0, e = 0;
	int r;

	if ((r = clv_der_span(n, der->data, der->len, name, &s, &e)) != 0)
		return r;
	if (e <= s || e > der->len)
		return CLV_E_DER;
	return clv_buf_set(out, der->data + s, e - s);
}

/* The string octets of the first countryName of a Name, as encoded. */
static int
name_country(const clv_buf_t *name, char *out, size_t outlen)
{
	asn1_node n = NULL;
	clv_buf_t v = { NULL, 0 };
	char path[96], oid[64];
	unsigned char cls;
	unsigned long tag;
	int r = CLV_E_INTERNAL, nrdn = 0, taglen = 0, lenlen = 0, i, j;
	long clen;
	size_t k;

	out[0] = '\0';
	if ((r = clv_der_decode("Name", name->data, name->len, &n, "Name", NULL)) != 0)
		goto out;
	if (asn1_number_of_elements(n, "rdnSequence", &nrdn) != ASN1_SUCCESS)
		nrdn = 0;
	for (i = 1; i <= nrdn; i++) {
		for (j = 1;; j++) {
			snprintf(path, sizeof(path), "rdnSequence.?%d.?%d.type", i, j);
			if (clv_der_read_oid(n, path, oid, sizeof(oid)) != 0)
				break;
			if (strcmp(oid, OID_COUNTRY) != 0)
				continue;
			snprintf(path, sizeof(path), "rdnSequence.?%d.?%d.value", i, j);
			if ((r = clv_der_read(n, path, &v)) != 0)
				goto out;
			if (asn1_get_tag_der(v.data, (int)v.len, &cls, &taglen, &tag) !=
			    ASN1_SUCCESS || (clen = asn1_get_length_der(v.data + taglen,
			    (int)v.len - taglen, &lenlen)) < 0 ||
			    (size_t)taglen + (size_t)lenlen + (size_t)clen != v.len) {
				r = CLV_E_DER;
				goto out;
			}
			for (k = 0; k < (size_t)clen && k + 1 < outlen; k++) {
				unsigned char ch = v.data[taglen + lenlen + k];

				out[k] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
			}
			out[k] = '\0';
			r = 0;
			goto out;
		}
	}
	r = 0;
out:
	clv_buf_free(&v);
	clv_der_free(&n);
	return r;
}

int
clv_csr_parse(const unsigned char *in, size_t len, const char *what, clv_csr_t **out,
    clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL, bits = 0, count = 0;
	clv_csr_t *c = NULL;
	asn1_node n = NULL;
	unsigned char cls;
	unsigned long tag;
	int taglen = 0, lenlen = 0;
	long version = -1, clen;
	size_t s = 0, e = 0;
	clv_diag_t kd;

	if (in == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if (what == NULL)
		what = "certification request";
	if (len == 0 || len > CSR_MAX_LEN) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: %zu bytes is not a certification "
		    "request (at most %u)", what, len, CSR_MAX_LEN);
		goto out;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	snprintf(c->what, sizeof(c->what), "%s", what);
	if ((r = clv_pem_or_der(in, len, "CERTIFICATE REQUEST", &c->der)) != 0) {
		if (r == CLV_E_PEM)
			r = clv_diag_set(diag, CLV_E_PEM, "%s: neither DER nor PEM with "
			    "-----BEGIN CERTIFICATE REQUEST-----", what);
		goto out;
	}
	/* the outer TLV must cover the input exactly */
	if (c->der.len < 2 || asn1_get_tag_der(c->der.data, (int)c->der.len, &cls, &taglen,
	    &tag) != ASN1_SUCCESS || c->der.data[0] != 0x30 ||
	    (clen = asn1_get_length_der(c->der.data + taglen, (int)c->der.len - taglen,
	    &lenlen)) < 0 || (size_t)taglen + (size_t)lenlen + (size_t)clen > c->der.len) {
		r = clv_diag_set(diag, CLV_E_DER, "%s: not a DER SEQUENCE (truncated, "
		    "indefinite length or another type)", what);
		goto out;
	}
	if ((size_t)taglen + (size_t)lenlen + (size_t)clen < c->der.len) {
		r = clv_diag_set(diag, CLV_E_DER, "%s: %zu trailing bytes after the request",
		    what, c->der.len - ((size_t)taglen + (size_t)lenlen + (size_t)clen));
		goto out;
	}
	if ((r = clv_der_decode("CertificationRequest", c->der.data, c->der.len, &n, what,
	    diag)) != 0)
		goto out;
	if (clv_der_span(n, c->der.data, c->der.len, "certificationRequestInfo", &s, &e) != 0 ||
	    e <= s) {
		r = clv_diag_set(diag, CLV_E_DER, "%s: cannot locate certificationRequestInfo",
		    what);
		goto out;
	}
	c->info_off = s;
	c->info_len = e - s;

	if (clv_der_read_int(n, "certificationRequestInfo.version", &version) != 0 ||
	    version != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: version: expected 0 (v1), got %ld",
		    what, version);
		goto out;
	}
	c->version = 0;

	if ((r = copy_span(n, &c->der, "certificationRequestInfo.subject",
	    &c->subject_der)) != 0) {
		if (r != CLV_E_NOMEM)
			r = clv_diag_set(diag, CLV_E_DER, "%s: cannot locate subject", what);
		goto out;
	}
	r = clv_name_to_text(c->subject_der.data, c->subject_der.len, c->subject,
	    sizeof(c->subject));
	if (r == CLV_E_INVALID_ARG)   /* the text was shortened: still a Name */
		r = 0;
	if (r == 0)
		r = name_country(&c->subject_der, c->subject_country,
		    sizeof(c->subject_country));
	if (r != 0) {
		if (r != CLV_E_NOMEM)
			r = clv_diag_set(diag, CLV_E_DER, "%s: subject: malformed Name", what);
		goto out;
	}

	if ((r = copy_span(n, &c->der, "certificationRequestInfo.subjectPKInfo",
	    &c->spki_der)) != 0) {
		if (r != CLV_E_NOMEM)
			r = clv_diag_set(diag, CLV_E_DER, "%s: cannot locate subjectPKInfo", what);
		goto out;
	}
	clv_diag_clear(&kd);
	if ((r = clv_pubkey_from_spki(c->spki_der.data, c->spki_der.len, &c->pubkey,
	    &kd)) != 0) {
		clv_debug("%s: clv_pubkey_from_spki: %s (%s)", what, clv_strerror(r), kd.msg);
		if (r != CLV_E_NOMEM)
			r = clv_diag_set(diag, r, "%s: subjectPKInfo: %s", what,
			    kd.msg[0] ? kd.msg : "key not supported");
		goto out;
	}

	if (asn1_number_of_elements(n, "certificationRequestInfo.attributes", &count) ==
	    ASN1_SUCCESS && count > 0)
		c->n_attributes = (size_t)count;

	if ((r = copy_span(n, &c->der, "signatureAlgorithm", &c->sigalg_der)) != 0) {
		if (r != CLV_E_NOMEM)
			r = clv_diag_set(diag, CLV_E_DER, "%s: cannot locate signatureAlgorithm",
			    what);
		goto out;
	}
	clv_diag_clear(&kd);
	r = clv_sigalg_decode(c->sigalg_der.data, c->sigalg_der.len, &c->sigalg, &kd);
	if (r == CLV_E_NOMEM)
		goto out;
	/* rsaEncryption alone names no hash: no signature we could check */
	if (r != 0 || c->sigalg.hash == CLV_HASH_NONE) {
		clv_debug("%s: clv_sigalg_decode: %s (%s)", what, clv_strerror(r), kd.msg);
		r = clv_diag_set(diag, CLV_E_UNSUPPORTED_ALG, "%s: signatureAlgorithm: %s",
		    what, r != 0 && kd.msg[0] ? kd.msg :
		    "expected ECDSA, RSA PKCS#1 v1.5 or RSASSA-PSS with SHA-2");
		goto out;
	}
	if (c->sigalg.key != c->pubkey->type) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: signatureAlgorithm: a %s signature "
		    "with an %s key", what, c->sigalg.key == CLV_KEY_EC ? "ECDSA" : "RSA",
		    c->pubkey->type == CLV_KEY_EC ? "EC" : "RSA");
		goto out;
	}
	if ((r = clv_der_read_bits(n, "signature", &c->signature, &bits)) != 0 ||
	    bits % 8 != 0 || c->signature.len == 0) {
		if (r != CLV_E_NOMEM)
			r = clv_diag_set(diag, CLV_E_DER, "%s: signature: expected a BIT STRING "
			    "of whole octets", what);
		goto out;
	}

	*out = c;
	c = NULL;
	r = 0;
out:
	clv_der_free(&n);
	clv_csr_free(c);
	return r;
}

int
clv_csr_verify_pop(const clv_csr_t *csr)
{
	if (csr == NULL || csr->pubkey == NULL)
		return CLV_E_INVALID_ARG;
	if (csr->info_len == 0 || csr->info_off + csr->info_len > csr->der.len)
		return CLV_E_INTERNAL;
	return clv_verify(csr->pubkey, &csr->sigalg, csr->der.data + csr->info_off,
	    csr->info_len, csr->signature.data, csr->signature.len);
}

void
clv_csr_free(clv_csr_t *csr)
{
	if (csr == NULL)
		return;
	clv_buf_free(&csr->der);
	clv_buf_free(&csr->subject_der);
	clv_buf_free(&csr->spki_der);
	clv_pubkey_free(csr->pubkey);
	clv_buf_free(&csr->sigalg_der);
	clv_buf_free(&csr->signature);
	free(csr);
}
