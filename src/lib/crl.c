/*
 * CRLs as others made them: lenient parsing, verification.
 *
 * Like certificates, a CRL is kept byte for byte and its TBSCertList located
 * in it.  Tolerated: a signature algorithm we do not know (sigalg_known 0),
 * CRL entry extensions (reasonCode in the Canadian CRL), AKI with issuer and
 * serial besides the keyIdentifier (Macao).  Refused: malformed DER,
 * trailing bytes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtasn1.h>

#include "der.h"
#include "verify.h"
#include "x509.h"

#define OID_CRL_NUMBER "2.5.29.20"
#define OID_AKI        "2.5.29.35"

static int
crl_outer_tlv(const unsigned char *der, size_t len, clv_diag_t *diag)
{
	unsigned char cls;
	unsigned long tag;
	int taglen = 0, lenlen = 0;
	long clen;
	size_t total;

	if (len < 2 || len > (1u << 30) || der[0] != 0x30 ||
	    asn1_get_tag_der(der, (int)len, &cls, &taglen, &tag) != ASN1_SUCCESS)
		return clv_diag_set(diag, CLV_E_DER, "CRL: does not start with a SEQUENCE");
	clen = asn1_get_length_der(der + taglen, (int)len - taglen, &lenlen);
	if (clen < 0)
		return clv_diag_set(diag, CLV_E_DER,
		    "CRL: outer SEQUENCE length is indefinite or exceeds the %zu bytes given",
		    len);
	total = (size_t)taglen + (size_t)lenlen + (size_t)clen;
	if (total != len)
		return clv_diag_set(diag, CLV_E_DER, "CRL: %zu trailing bytes after the CRL",
		    len - total);
	return 0;
}

static int
crl_span(asn1_node n, const clv_buf_t *der, const char *name, size_t *off, size_t *len)
{
	size_t s = 0, e = 0;
	int r;

	if ((r = clv_der_span(n, der->data, der->len, name, &s, &e)) != 0)
		return r;
	if (e <= s || e > der->len)
		return CLV_E_DER;
	*off = s;
	*len = e - s;
	return 0;
}

static int
read_crl_extensions(clv_crl_t *c, asn1_node n, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL, count = 0, ret, i;
	char path[96], oid[64];
	clv_buf_t v = { NULL, 0 };
	asn1_node num = NULL;

	ret = asn1_number_of_elements(n, "tbsCertList.crlExtensions", &count);
	if (ret == ASN1_ELEMENT_NOT_FOUND || count <= 0)
		return 0;
	if (ret != ASN1_SUCCESS)
		return clv_diag_set(diag, CLV_E_DER, "CRL: crlExtensions: %s",
		    asn1_strerror(ret));
	for (i = 1; i <= count; i++) {
		snprintf(path, sizeof(path), "tbsCertList.crlExtensions.?%d.extnID", i);
		if (clv_der_read_oid(n, path, oid, sizeof(oid)) != 0) {
			r = clv_diag_set(diag, CLV_E_DER, "CRL: extension %d: unreadable extnID",
			    i);
			goto out;
		}
		snprintf(path, sizeof(path), "tbsCertList.crlExtensions.?%d.extnValue", i);
		if ((r = clv_der_read(n, path, &v)) != 0) {
			if (r != CLV_E_NOMEM)
				r = clv_diag_set(diag, CLV_E_DER,
				    "CRL: extension %s: unreadable extnValue", oid);
			goto out;
		}
		if (strcmp(oid, OID_CRL_NUMBER) == 0) {
			if (c->has_crl_number) {
				r = clv_diag_set(diag, CLV_E_DER, "CRL: cRLNumber appears twice");
				goto out;
			}
			if (clv_der_decode("CRLNumber", v.data, v.len, &num, "cRLNumber",
			    NULL) != 0 || (r = clv_der_read(num, "", &c->crl_number)) != 0 ||
			    c->crl_number.len == 0) {
				r = clv_diag_set(diag, CLV_E_DER,
				    "CRL: cRLNumber: expected an INTEGER");
				goto out;
			}
			clv_der_free(&num);
			c->has_crl_number = 1;
		} else if (strcmp(oid, OID_AKI) == 0) {
			if (c->has_aki) {
				r = clv_diag_set(diag, CLV_E_DER,
				    "CRL: authorityKeyIdentifier appears twice");
				goto out;
			}
			if (clv_x509_aki_keyid(v.data, v.len, &c->aki) != 0) {
				r = clv_diag_set(diag, CLV_E_DER,
				    "CRL: authorityKeyIdentifier: malformed value");
				goto out;
			}
			c->has_aki = c->aki.data != NULL;
		}
		clv_buf_free(&v);
	}
	r = 0;
out:
	clv_der_free(&num);
	clv_buf_free(&v);
	return r;
}

static int
read_revoked(clv_crl_t *c, asn1_node n, clv_diag_t *diag)
{
	int count = 0, ret, r;
	char path[96];
	size_t i;

	ret = asn1_number_of_elements(n, "tbsCertList.revokedCertificates", &count);
	if (ret == ASN1_ELEMENT_NOT_FOUND || count <= 0)
		return 0;
	if (ret != ASN1_SUCCESS)
		return clv_diag_set(diag, CLV_E_DER, "CRL: revokedCertificates: %s",
		    asn1_strerror(ret));
	if ((c->revoked_serials = calloc((size_t)count, sizeof(*c->revoked_serials))) ==
	    NULL || (c->revocation_dates = calloc((size_t)count,
	    sizeof(*c->revocation_dates))) == NULL)
		return CLV_E_NOMEM;
	for (i = 0; i < (size_t)count; i++) {
		c->n_revoked = i + 1;
		snprintf(path, sizeof(path),
		    "tbsCertList.revokedCertificates.?%zu.userCertificate", i + 1);
		if ((r = clv_der_read(n, path, &c->revoked_serials[i])) != 0 ||
		    c->revoked_serials[i].len == 0) {
			if (r == CLV_E_NOMEM)
				return r;
			return clv_diag_set(diag, CLV_E_DER,
			    "CRL: revoked entry %zu: unreadable userCertificate", i + 1);
		}
		snprintf(path, sizeof(path),
		    "tbsCertList.revokedCertificates.?%zu.revocationDate", i + 1);
		if (clv_der_read_time(n, path, &c->revocation_dates[i]) != 0)
			return clv_diag_set(diag, CLV_E_DER,
			    "CRL: revoked entry %zu: revocationDate: expected UTCTime or "
			    "GeneralizedTime", i + 1);
	}
	return 0;
}

int
clv_crl_parse(const unsigned char *der, size_t len, clv_crl_t **out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL, bits = 0, ret, vlen = 0;
	clv_crl_t *c = NULL;
	asn1_node n = NULL;
	long version = 0;
	size_t off = 0, slen = 0;

	if (der == NULL || out == NULL)
		return CLV_E_INVALID_ARG;
	*out = NULL;
	if ((r = crl_outer_tlv(der, len, diag)) != 0)
		goto out;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	if ((r = clv_buf_set(&c->der, der, len)) != 0)
		goto out;
	if ((r = clv_der_decode("CertificateList", c->der.data, c->der.len, &n, "CRL",
	    diag)) != 0)
		goto out;
	if (crl_span(n, &c->der, "tbsCertList", &c->tbs_off, &c->tbs_len) != 0) {
		r = clv_diag_set(diag, CLV_E_DER, "CRL: cannot locate tbsCertList");
		goto out;
	}
	if (crl_span(n, &c->der, "signatureAlgorithm", &off, &slen) != 0) {
		r = clv_diag_set(diag, CLV_E_DER, "CRL: cannot locate signatureAlgorithm");
		goto out;
	}
	if ((r = clv_buf_set(&c->sigalg_der, c->der.data + off, slen)) != 0)
		goto out;
	r = clv_sigalg_decode(c->sigalg_der.data, c->sigalg_der.len, &c->sigalg, NULL);
	if (r == CLV_E_NOMEM)
		goto out;
	c->sigalg_known = r == 0 && c->sigalg.hash != CLV_HASH_NONE;
	if ((r = clv_der_read_bits(n, "signature", &c->signature, &bits)) != 0) {
		if (r != CLV_E_NOMEM)
			r = clv_diag_set(diag, CLV_E_DER, "CRL: unreadable signature");
		goto out;
	}
	/* RFC 5280 5.1.1.2: the signed copy must name the same algorithm */
	if (crl_span(n, &c->der, "tbsCertList.signature", &off, &slen) != 0 ||
	    !clv_x509_same_sigalg(c->der.data + off, slen, c->sigalg_der.data,
	    c->sigalg_der.len)) {
		r = clv_diag_set(diag, CLV_E_DER,
		    "CRL: tbsCertList.signature differs from signatureAlgorithm");
		goto out;
	}

	ret = asn1_read_value(n, "tbsCertList.version", NULL, &vlen);
	if (ret == ASN1_ELEMENT_NOT_FOUND || ret == ASN1_VALUE_NOT_FOUND) {
		c->version = 1;
	} else if (clv_der_read_int(n, "tbsCertList.version", &version) != 0 ||
	    version < 0 || version > 1) {
		r = clv_diag_set(diag, CLV_E_DER, "CRL: version: expected v1 or v2");
		goto out;
	} else {
		c->version = (int)version + 1;
	}

	if (crl_span(n, &c->der, "tbsCertList.issuer", &off, &slen) != 0) {
		r = clv_diag_set(diag, CLV_E_DER, "CRL: cannot locate the issuer");
		goto out;
	}
	if ((r = clv_buf_set(&c->issuer_der, c->der.data + off, slen)) != 0)
		goto out;
	r = clv_name_to_text(c->issuer_der.data, c->issuer_der.len, c->issuer,
	    sizeof(c->issuer));
	if (r != 0 && r != CLV_E_INVALID_ARG) {   /* INVALID_ARG: text shortened */
		r = clv_diag_set(diag, CLV_E_DER, "CRL: issuer: malformed Name");
		goto out;
	}

	if (clv_der_read_time(n, "tbsCertList.thisUpdate", &c->this_update) != 0) {
		r = clv_diag_set(diag, CLV_E_DER,
		    "CRL: thisUpdate: expected UTCTime or GeneralizedTime");
		goto out;
	}
	c->next_update = 0;
	vlen = 0;
	ret = asn1_read_value(n, "tbsCertList.nextUpdate", NULL, &vlen);
	if (ret != ASN1_ELEMENT_NOT_FOUND && ret != ASN1_VALUE_NOT_FOUND &&
	    clv_der_read_time(n, "tbsCertList.nextUpdate", &c->next_update) != 0) {
		r = clv_diag_set(diag, CLV_E_DER,
		    "CRL: nextUpdate: expected UTCTime or GeneralizedTime");
		goto out;
	}

	if ((r = read_revoked(c, n, diag)) != 0)
		goto out;
	if ((r = read_crl_extensions(c, n, diag)) != 0)
		goto out;

	*out = c;
	c = NULL;
	r = 0;
out:
	clv_der_free(&n);
	clv_crl_free(c);
	return r;
}

void
clv_crl_free(clv_crl_t *c)
{
	size_t i;

	if (c == NULL)
		return;
	clv_buf_free(&c->der);
	clv_buf_free(&c->sigalg_der);
	clv_buf_free(&c->signature);
	clv_buf_free(&c->issuer_der);
	clv_buf_free(&c->crl_number);
	clv_buf_free(&c->aki);
	if (c->revoked_serials != NULL)
		for (i = 0; i < c->n_revoked; i++)
			clv_buf_free(&c->revoked_serials[i]);
	free(c->revoked_serials);
	free(c->revocation_dates);
	free(c);
}

int
clv_crl_verify(const clv_crl_t *crl, const clv_pubkey_t *issuer_key)
{
	if (crl == NULL || issuer_key == NULL)
		return CLV_E_INVALID_ARG;
	if (!crl->sigalg_known)
		return CLV_E_UNSUPPORTED_ALG;
	if (crl->tbs_off + crl->tbs_len > crl->der.len)
		return CLV_E_INTERNAL;
	return clv_verify(issuer_key, &crl->sigalg, crl->der.data + crl->tbs_off,
	    crl->tbs_len, crl->signature.data, crl->signature.len);
}
