/*
 * Signature algorithms: AlgorithmIdentifiers for ECDSA (RFC 5758), PKCS#1
 * v1.5 and RSASSA-PSS (RFC 4055, RFC 8017), DigestInfo, and the two forms of
 * an ECDSA signature (PKCS#11 r||s and X9.62 Ecdsa-Sig-Value).
 *
 * We emit one form and read all the forms real data has:
 * - ECDSA: parameters absent (RFC 5758 3.2); NULL is accepted on input (the
 *   German CSCA CRL has it).
 * - PKCS#1 v1.5: NULL parameters (RFC 4055 5); absent accepted on input.
 * - RSASSA-PSS: explicit RSASSA-PSS-params.  Its hash AlgorithmIdentifiers
 *   (hashAlgorithm and the MGF1 parameter) carry NULL parameters, as RFC 4055
 *   2.1 defines sha256Identifier etc. "when a NULL parameter MUST be present",
 *   as OpenSSL writes them and as the PSS objects in the ICAO test data have
 *   them.  trailerField is always the default and therefore omitted; a
 *   saltLength of 20 is the default and omitted too (DER).
 * SHA-1 algorithms decode (historic objects) but are never encoded.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"
#include "sigalg.h"

#define OID_RSA_ENCRYPTION "1.2.840.113549.1.1.1"
#define OID_RSASSA_PSS     "1.2.840.113549.1.1.10"
#define OID_MGF1           "1.2.840.113549.1.1.8"

#define WHAT "signature algorithm"

static const struct {
	clv_hash_alg_t hash;
	const char *oid;
} hash_oids[] = {
	{ CLV_HASH_SHA1, "1.3.14.3.2.26" },
	{ CLV_HASH_SHA224, "2.16.840.1.101.3.4.2.4" },
	{ CLV_HASH_SHA256, "2.16.840.1.101.3.4.2.1" },
	{ CLV_HASH_SHA384, "2.16.840.1.101.3.4.2.2" },
	{ CLV_HASH_SHA512, "2.16.840.1.101.3.4.2.3" },
};

static const struct {
	clv_key_type_t key;
	clv_hash_alg_t hash;
	const char *oid;
	const char *name;
} sig_oids[] = {
	{ CLV_KEY_EC, CLV_HASH_SHA1, "1.2.840.10045.4.1", "ecdsa-with-SHA1" },
	{ CLV_KEY_EC, CLV_HASH_SHA224, "1.2.840.10045.4.3.1", "ecdsa-with-SHA224" },
	{ CLV_KEY_EC, CLV_HASH_SHA256, "1.2.840.10045.4.3.2", "ecdsa-with-SHA256" },
	{ CLV_KEY_EC, CLV_HASH_SHA384, "1.2.840.10045.4.3.3", "ecdsa-with-SHA384" },
	{ CLV_KEY_EC, CLV_HASH_SHA512, "1.2.840.10045.4.3.4", "ecdsa-with-SHA512" },
	{ CLV_KEY_RSA, CLV_HASH_SHA1, "1.2.840.113549.1.1.5", "sha1WithRSAEncryption" },
	{ CLV_KEY_RSA, CLV_HASH_SHA224, "1.2.840.113549.1.1.14", "sha224WithRSAEncryption" },
	{ CLV_KEY_RSA, CLV_HASH_SHA256, "1.2.840.113549.1.1.11", "sha256WithRSAEncryption" },
	{ CLV_KEY_RSA, CLV_HASH_SHA384, "1.2.840.113549.1.1.12", "sha384WithRSAEncryption" },
	{ CLV_KEY_RSA, CLV_HASH_SHA512, "1.2.840.113549.1.1.13", "sha512WithRSAEncryption" },
};

#define NSIGS (sizeof(sig_oids) / sizeof(sig_oids[0]))

const char *
clv_sigalg_hash_oid(clv_hash_alg_t hash)
{
	size_t i;

	for (i = 0; i < sizeof(hash_oids) / sizeof(hash_oids[0]); i++)
		if (hash_oids[i].hash == hash)
			return hash_oids[i].oid;
	return NULL;
}

clv_hash_alg_t
clv_sigalg_hash_by_oid(const char *oid)
{
	size_t i;

	if (oid == NULL)
		return CLV_HASH_NONE;
	for (i = 0; i < sizeof(hash_oids) / sizeof(hash_oids[0]); i++)
		if (strcmp(hash_oids[i].oid, oid) == 0)
			return hash_oids[i].hash;
	return CLV_HASH_NONE;
}

/* DER of NULL, built from the module's only NULL type. */
static int
der_null(clv_buf_t *out)
{
	asn1_node n = NULL;
	int r;

	if ((r = clv_der_new("NameChange", &n)) != 0)
		return r;
	r = clv_der_encode(n, "", out);
	clv_der_free(&n);
	return r;
}

static int
is_der_null(const clv_buf_t *b)
{
	return b->len == 2 && b->data[0] == 0x05 && b->data[1] == 0x00;
}

/* Writes the parameters element: NULL, or removes the OPTIONAL element. */
static int
write_params(asn1_node n, const char *name, int null_params)
{
	clv_buf_t nul = { NULL, 0 };
	int r;

	if (!null_params)
		return clv_der_write(n, name, NULL, 0);
	if ((r = der_null(&nul)) == 0)
		r = clv_der_write_der(n, name, nul.data, nul.len);
	clv_buf_free(&nul);
	return r;
}

int
clv_sigalg_hash_encode(clv_hash_alg_t hash, int null_params, clv_buf_t *out)
{
	asn1_node n = NULL;
	const char *oid;
	int r = CLV_E_INTERNAL;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if ((oid = clv_sigalg_hash_oid(hash)) == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = clv_der_new("AlgorithmIdentifier", &n)) != 0 ||
	    (r = clv_der_write_str(n, "algorithm", oid)) != 0 ||
	    (r = write_params(n, "parameters", null_params)) != 0)
		goto out;
	r = clv_der_encode(n, "", out);
out:
	clv_der_free(&n);
	return r;
}

/* Reads the optional parameters of an AlgorithmIdentifier at prefix
 * ("" or "hashAlgorithm."); empty when absent. */
static int
read_params(asn1_node n, const char *name, clv_buf_t *out)
{
	out->data = NULL;
	out->len = 0;
	if (asn1_find_node(n, name) == NULL)
		return 0;
	return clv_der_read(n, name, out);
}

/* The hash of an AlgorithmIdentifier element (prefix names it); parameters
 * NULL or absent. */
static int
read_hash_algid(asn1_node n, const char *prefix, const char *what,
    clv_hash_alg_t *out, clv_diag_t *diag)
{
	clv_buf_t params = { NULL, 0 };
	char name[128], oid[128];
	int r = CLV_E_INTERNAL;

	*out = CLV_HASH_NONE;
	snprintf(name, sizeof(name), "%salgorithm", prefix);
	if (clv_der_read_oid(n, name, oid, sizeof(oid)) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: cannot read the hash algorithm", what);
		goto out;
	}
	if ((*out = clv_sigalg_hash_by_oid(oid)) == CLV_HASH_NONE) {
		r = clv_diag_set(diag, CLV_E_UNSUPPORTED_ALG,
		    "%s: unsupported hash algorithm OID %s", what, oid);
		goto out;
	}
	snprintf(name, sizeof(name), "%sparameters", prefix);
	if ((r = read_params(n, name, &params)) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: cannot read the hash parameters", what);
		goto out;
	}
	if (params.len != 0 && !is_der_null(&params)) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    "%s: hash %s parameters must be NULL or absent", what, oid);
		goto out;
	}
	r = 0;
out:
	if (r != 0)
		*out = CLV_HASH_NONE;
	clv_buf_free(&params);
	return r;
}

int
clv_sigalg_hash_decode(const unsigned char *der, size_t len, clv_hash_alg_t *out,
    clv_diag_t *diag)
{
	asn1_node n = NULL;
	int r;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	*out = CLV_HASH_NONE;
	if (der == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = clv_der_decode("AlgorithmIdentifier", der, len, &n,
	    "hash algorithm", diag)) == 0)
		r = read_hash_algid(n, "", "hash algorithm", out, diag);
	clv_der_free(&n);
	return r;
}

static int
encode_pss_params(const clv_sigalg_t *alg, clv_hash_alg_t mgf_hash, unsigned salt,
    clv_buf_t *out)
{
	asn1_node n = NULL;
	clv_buf_t mgf_param = { NULL, 0 }, nul = { NULL, 0 };
	unsigned char sb[4];
	int r = CLV_E_INTERNAL;

	sb[0] = (unsigned char)(salt >> 24);
	sb[1] = (unsigned char)(salt >> 16);
	sb[2] = (unsigned char)(salt >> 8);
	sb[3] = (unsigned char)salt;
	if ((r = clv_sigalg_hash_encode(mgf_hash, 1, &mgf_param)) != 0 ||
	    (r = der_null(&nul)) != 0)
		goto out;
	if ((r = clv_der_new("RSASSA-PSS-params", &n)) != 0 ||
	    (r = clv_der_write_str(n, "hashAlgorithm.algorithm",
	    clv_sigalg_hash_oid(alg->hash))) != 0 ||
	    (r = clv_der_write_der(n, "hashAlgorithm.parameters", nul.data, nul.len)) != 0 ||
	    (r = clv_der_write_str(n, "maskGenAlgorithm.algorithm", OID_MGF1)) != 0 ||
	    (r = clv_der_write_der(n, "maskGenAlgorithm.parameters", mgf_param.data,
	    mgf_param.len)) != 0)
		goto out;
	/* saltLength DEFAULT 20: a DER encoder omits the default; libtasn1 does
	 * so when the value written equals it.  trailerField stays at its
	 * default (1) and is omitted. */
	if ((r = clv_der_write_uint(n, "saltLength", sb, sizeof(sb))) != 0)
		goto out;
	r = clv_der_encode(n, "", out);
out:
	clv_buf_free(&mgf_param);
	clv_buf_free(&nul);
	clv_der_free(&n);
	return r;
}

int
clv_sigalg_encode(const clv_sigalg_t *alg, clv_buf_t *out)
{
	asn1_node n = NULL;
	clv_buf_t params = { NULL, 0 };
	clv_hash_alg_t mgf_hash;
	unsigned salt;
	size_t i;
	int r = CLV_E_INTERNAL;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (alg == NULL || clv_sigalg_hash_oid(alg->hash) == NULL)
		return CLV_E_INVALID_ARG;
	if (alg->key != CLV_KEY_EC && alg->key != CLV_KEY_RSA)
		return CLV_E_INVALID_ARG;
	if (alg->pss && alg->key != CLV_KEY_RSA)
		return CLV_E_INVALID_ARG;
	mgf_hash = alg->mgf_hash != CLV_HASH_NONE ? alg->mgf_hash : alg->hash;
	salt = alg->salt_len != 0 ? alg->salt_len : (unsigned)clv_hash_len(alg->hash);
	if (alg->hash == CLV_HASH_SHA1 || (alg->pss && mgf_hash == CLV_HASH_SHA1)) {
		clv_error("refusing to sign with SHA-1");
		return CLV_E_UNSUPPORTED_ALG;
	}
	if (alg->pss && clv_sigalg_hash_oid(mgf_hash) == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = clv_der_new("AlgorithmIdentifier", &n)) != 0)
		goto out;
	if (alg->pss) {
		if ((r = encode_pss_params(alg, mgf_hash, salt, &params)) != 0 ||
		    (r = clv_der_write_str(n, "algorithm", OID_RSASSA_PSS)) != 0 ||
		    (r = clv_der_write_der(n, "parameters", params.data, params.len)) != 0)
			goto out;
	} else {
		for (i = 0; i < NSIGS; i++)
			if (sig_oids[i].key == alg->key && sig_oids[i].hash == alg->hash)
				break;
		if (i == NSIGS) {
			r = CLV_E_INVALID_ARG;
			goto out;
		}
		if ((r = clv_der_write_str(n, "algorithm", sig_oids[i].oid)) != 0 ||
		    (r = write_params(n, "parameters", alg->key == CLV_KEY_RSA)) != 0)
			goto out;
	}
	r = clv_der_encode(n, "", out);
out:
	clv_buf_free(&params);
	clv_der_free(&n);
	return r;
}

static int
decode_pss_params(const clv_buf_t *params, clv_sigalg_t *out, clv_diag_t *diag)
{
	asn1_node n = NULL, mgfp = NULL;
	clv_buf_t mgf_der = { NULL, 0 };
	char oid[128];
	long v;
	int r = CLV_E_INTERNAL;

	/* RFC 8017 A.2.3 defaults. */
	out->key = CLV_KEY_RSA;
	out->pss = 1;
	out->hash = CLV_HASH_SHA1;
	out->mgf_hash = CLV_HASH_SHA1;
	out->salt_len = 20;
	if (params->len == 0) {
		r = 0;
		goto out;
	}
	if ((r = clv_der_decode("RSASSA-PSS-params", params->data, params->len, &n,
	    WHAT " RSASSA-PSS-params", diag)) != 0)
		goto out;
	if (asn1_find_node(n, "hashAlgorithm") != NULL &&
	    (r = read_hash_algid(n, "hashAlgorithm.", WHAT " RSASSA-PSS hashAlgorithm",
	    &out->hash, diag)) != 0)
		goto out;
	if (asn1_find_node(n, "maskGenAlgorithm") != NULL) {
		if (clv_der_read_oid(n, "maskGenAlgorithm.algorithm", oid, sizeof(oid)) != 0) {
			r = clv_diag_set(diag, CLV_E_FORMAT,
			    WHAT ": cannot read RSASSA-PSS maskGenAlgorithm");
			goto out;
		}
		if (strcmp(oid, OID_MGF1) != 0) {
			r = clv_diag_set(diag, CLV_E_UNSUPPORTED_ALG,
			    WHAT ": unsupported mask generation function OID %s", oid);
			goto out;
		}
		if ((r = read_params(n, "maskGenAlgorithm.parameters", &mgf_der)) != 0 ||
		    mgf_der.len == 0) {
			r = clv_diag_set(diag, CLV_E_FORMAT,
			    WHAT ": MGF1 without its hash algorithm");
			goto out;
		}
		if ((r = clv_der_decode("AlgorithmIdentifier", mgf_der.data, mgf_der.len,
		    &mgfp, WHAT " MGF1 parameters", diag)) != 0 ||
		    (r = read_hash_algid(mgfp, "", WHAT " MGF1 hash", &out->mgf_hash,
		    diag)) != 0)
			goto out;
	}
	/* DEFAULT elements: libtasn1 reads back the default when the node is
	 * kept, and drops the node in some decodings; both mean the default. */
	if (asn1_find_node(n, "saltLength") != NULL) {
		if (clv_der_read_int(n, "saltLength", &v) != 0 || v < 0 || v > 0xffff) {
			r = clv_diag_set(diag, CLV_E_FORMAT,
			    WHAT ": invalid RSASSA-PSS saltLength");
			goto out;
		}
		out->salt_len = (unsigned)v;
	}
	if (asn1_find_node(n, "trailerField") != NULL &&
	    (clv_der_read_int(n, "trailerField", &v) != 0 || v != 1)) {
		r = clv_diag_set(diag, CLV_E_UNSUPPORTED_ALG,
		    WHAT ": RSASSA-PSS trailerField must be 1 (0xBC)");
		goto out;
	}
	r = 0;
out:
	clv_buf_free(&mgf_der);
	clv_der_free(&mgfp);
	clv_der_free(&n);
	return r;
}

int
clv_sigalg_decode(const unsigned char *der, size_t len, clv_sigalg_t *out,
    clv_diag_t *diag)
{
	asn1_node n = NULL;
	clv_buf_t params = { NULL, 0 };
	char oid[128];
	size_t i;
	int r = CLV_E_INTERNAL;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	if (der == NULL)
		return CLV_E_INVALID_ARG;
	if ((r = clv_der_decode("AlgorithmIdentifier", der, len, &n, WHAT, diag)) != 0)
		goto out;
	if (clv_der_read_oid(n, "algorithm", oid, sizeof(oid)) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": cannot read the algorithm OID");
		goto out;
	}
	if ((r = read_params(n, "parameters", &params)) != 0) {
		r = clv_diag_set(diag, CLV_E_FORMAT, WHAT ": cannot read the parameters");
		goto out;
	}
	if (strcmp(oid, OID_RSASSA_PSS) == 0) {
		r = decode_pss_params(&params, out, diag);
		goto out;
	}
	for (i = 0; i < NSIGS; i++)
		if (strcmp(sig_oids[i].oid, oid) == 0)
			break;
	if (i < NSIGS) {
		out->key = sig_oids[i].key;
		out->hash = sig_oids[i].hash;
	} else if (strcmp(oid, OID_RSA_ENCRYPTION) == 0) {
		/* CMS SignerInfo often names the key algorithm only (RFC 3370 3.2);
		 * the hash is the SignerInfo's digestAlgorithm. */
		out->key = CLV_KEY_RSA;
		out->hash = CLV_HASH_NONE;
	} else {
		r = clv_diag_set(diag, CLV_E_UNSUPPORTED_ALG,
		    WHAT ": unsupported algorithm OID %s", oid);
		goto out;
	}
	/* ECDSA: absent (RFC 5758) or NULL (seen); PKCS#1: NULL or absent. */
	if (params.len != 0 && !is_der_null(&params)) {
		r = clv_diag_set(diag, CLV_E_FORMAT,
		    WHAT ": %s parameters must be NULL or absent", oid);
		goto out;
	}
	r = 0;
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	clv_buf_free(&params);
	clv_der_free(&n);
	return r;
}

void
clv_sigalg_describe(const clv_sigalg_t *alg, char *out, size_t outlen)
{
	clv_hash_alg_t mgf;
	unsigned salt;
	size_t i;

	if (out == NULL || outlen == 0)
		return;
	if (alg == NULL) {
		snprintf(out, outlen, "no algorithm");
		return;
	}
	if (alg->key == CLV_KEY_RSA && alg->pss) {
		mgf = alg->mgf_hash != CLV_HASH_NONE ? alg->mgf_hash : alg->hash;
		salt = alg->salt_len != 0 ? alg->salt_len : (unsigned)clv_hash_len(alg->hash);
		if (mgf == alg->hash && salt == clv_hash_len(alg->hash))
			snprintf(out, outlen, "RSASSA-PSS/%s", clv_hash_name(alg->hash));
		else
			snprintf(out, outlen, "RSASSA-PSS/%s/MGF1-%s/salt %u",
			    clv_hash_name(alg->hash), clv_hash_name(mgf), salt);
		return;
	}
	if (alg->key == CLV_KEY_RSA && alg->hash == CLV_HASH_NONE) {
		snprintf(out, outlen, "rsaEncryption");
		return;
	}
	for (i = 0; i < NSIGS; i++)
		if (sig_oids[i].key == alg->key && sig_oids[i].hash == alg->hash) {
			snprintf(out, outlen, "%s", sig_oids[i].name);
			return;
		}
	snprintf(out, outlen, "unknown algorithm");
}

int
clv_digestinfo_encode(clv_hash_alg_t hash, const unsigned char *digest, clv_buf_t *out)
{
	asn1_node n = NULL;
	const char *oid;
	size_t hlen;
	int r = CLV_E_INTERNAL;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (digest == NULL || (oid = clv_sigalg_hash_oid(hash)) == NULL ||
	    (hlen = clv_hash_len(hash)) == 0)
		return CLV_E_INVALID_ARG;
	if ((r = clv_der_new("DigestInfo", &n)) != 0 ||
	    (r = clv_der_write_str(n, "digestAlgorithm.algorithm", oid)) != 0 ||
	    (r = write_params(n, "digestAlgorithm.parameters", 1)) != 0 ||
	    (r = clv_der_write(n, "digest", digest, (int)hlen)) != 0)
		goto out;
	r = clv_der_encode(n, "", out);
out:
	clv_der_free(&n);
	return r;
}

int
clv_ecdsa_sig_from_raw(const unsigned char *rs, size_t len, clv_buf_t *out)
{
	asn1_node n = NULL;
	size_t half;
	int r = CLV_E_INTERNAL;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (rs == NULL || len == 0 || len % 2 != 0 || len > 2 * 1024)
		return CLV_E_INVALID_ARG;
	half = len / 2;
	if ((r = clv_der_new("Ecdsa-Sig-Value", &n)) != 0 ||
	    (r = clv_der_write_uint(n, "r", rs, half)) != 0 ||
	    (r = clv_der_write_uint(n, "s", rs + half, half)) != 0)
		goto out;
	r = clv_der_encode(n, "", out);
out:
	clv_der_free(&n);
	return r;
}

/* Writes the magnitude of the INTEGER at name, left-padded, into dst[fb]. */
static int
read_sig_int(asn1_node n, const char *name, unsigned char *dst, size_t fb)
{
	clv_buf_t v = { NULL, 0 };
	const unsigned char *p;
	size_t len;
	int r = CLV_E_INTERNAL;

	if ((r = clv_der_read(n, name, &v)) != 0 || v.len == 0) {
		r = CLV_E_FORMAT;
		goto out;
	}
	if (v.data[0] & 0x80) {
		clv_debug("Ecdsa-Sig-Value: %s is negative", name);
		r = CLV_E_FORMAT;
		goto out;
	}
	p = v.data;
	len = v.len;
	while (len > 0 && p[0] == 0) {
		p++;
		len--;
	}
	if (len > fb) {
		clv_debug("Ecdsa-Sig-Value: %s has %zu octets, the field %zu", name, len, fb);
		r = CLV_E_FORMAT;
		goto out;
	}
	memset(dst, 0, fb - len);
	memcpy(dst + (fb - len), p, len);
	r = 0;
out:
	clv_buf_free(&v);
	return r;
}

int
clv_ecdsa_sig_to_raw(const unsigned char *der, size_t len, size_t field_bytes,
    clv_buf_t *out)
{
	asn1_node n = NULL;
	unsigned char *raw = NULL;
	clv_diag_t diag;
	int r = CLV_E_INTERNAL;

	if (out == NULL)
		return CLV_E_INVALID_ARG;
	out->data = NULL;
	out->len = 0;
	if (der == NULL || field_bytes == 0 || field_bytes > 1024)
		return CLV_E_INVALID_ARG;
	clv_diag_clear(&diag);
	if ((r = clv_der_decode("Ecdsa-Sig-Value", der, len, &n, "ECDSA signature",
	    &diag)) != 0) {
		clv_debug("%s", diag.msg);
		goto out;
	}
	if ((raw = malloc(2 * field_bytes)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	if ((r = read_sig_int(n, "r", raw, field_bytes)) != 0 ||
	    (r = read_sig_int(n, "s", raw + field_bytes, field_bytes)) != 0)
		goto out;
	out->data = raw;
	out->len = 2 * field_bytes;
	raw = NULL;
	r = 0;
out:
	free(raw);
	clv_der_free(&n);
	return r;
}
