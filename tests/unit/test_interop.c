/*
 * Unit tests: certificates, CRLs and signatures of real national PKIs
 * (CLV_INTEROP_DIR/icao, described in its MANIFEST.tsv and in
 * docs/standards/icao-9303.md).  Every certificate is parsed, every
 * self-signed one and every link or signer whose issuer is present is
 * verified, and the known quirks are asserted one by one.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "sigalg.h"
#include "unit.h"
#include "util.h"
#include "verify.h"
#include "x509.h"

#define DAY 86400

typedef struct loaded {
	char rel[160];          /* path under icao/ */
	clv_cert_t *cert;
} loaded_t;

#define MAX_CERTS 64
static loaded_t certs[MAX_CERTS];
static size_t ncerts;

/* Certificates from Master List certLists (issuers not shipped as files). */
static clv_cert_t **ml_certs;
static size_t n_ml_certs;

static void
icao_path(const char *rel, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/icao/%s", clv_unit_interop_dir(), rel);
}

static int
read_rel(const char *rel, clv_buf_t *out)
{
	char path[512];
	clv_diag_t d;

	icao_path(rel, path, sizeof(path));
	return clv_file_read(path, 4u << 20, out, &d);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lists the regular files of icao/<dir> (sorted) matching suffix (or any). */
static size_t
list_dir(const char *dir, const char *suffix, char names[][160], size_t max)
{
	char path[512];
	DIR *d;
	struct dirent *e;
	char *sorted[MAX_CERTS];
	char tmp[MAX_CERTS][160];
	size_t n = 0, i, sl = suffix ? strlen(suffix) : 0;

	icao_path(dir, path, sizeof(path));
	d = opendir(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((e = readdir(d)) != NULL && n < max && n < MAX_CERTS) {
		size_t l = strlen(e->d_name);

		if (e->d_name[0] == '.' || e->d_type == DT_DIR)
			continue;
		if (sl > 0 && (l < sl || strcmp(e->d_name + l - sl, suffix) != 0))
			continue;
		snprintf(tmp[n], sizeof(tmp[n]), "%s/%s", dir, e->d_name);
		sorted[n] = tmp[n];
		n++;
	}
	closedir(d);
	qsort(sorted, n, sizeof(sorted[0]), by_name);
	for (i = 0; i < n; i++)
		snprintf(names[i], 160, "%s", sorted[i]);
	return n;
}

static void
load_cert(const char *rel)
{
	clv_buf_t b = { NULL, 0 };
	clv_diag_t d;
	clv_cert_t *c = NULL;
	int r;

	CU_ASSERT_FATAL(ncerts < MAX_CERTS);
	CU_ASSERT_EQUAL_FATAL(read_rel(rel, &b), 0);
	clv_diag_clear(&d);
	r = clv_cert_parse(b.data, b.len, &c, &d);
	if (r != 0)
		fprintf(stderr, "\n%s: %s (%s)\n", rel, clv_strerror(r), d.msg);
	CU_ASSERT_EQUAL(r, 0);
	if (r == 0) {
		/* kept byte for byte */
		CU_ASSERT_EQUAL(c->der.len, b.len);
		CU_ASSERT(memcmp(c->der.data, b.data, b.len) == 0);
		snprintf(certs[ncerts].rel, sizeof(certs[ncerts].rel), "%s", rel);
		certs[ncerts].cert = c;
		ncerts++;
	}
	clv_buf_free(&b);
}

static clv_cert_t *
cert(const char *rel)
{
	size_t i;

	for (i = 0; i < ncerts; i++)
		if (strcmp(certs[i].rel, rel) == 0)
			return certs[i].cert;
	return NULL;
}

static int
same_buf(const clv_buf_t *a, const clv_buf_t *b)
{
	return a->len == b->len && a->len > 0 && memcmp(a->data, b->data, a->len) == 0;
}

/* A certificate other than c whose SKI equals c's AKI: files first, then
 * the Master List certificates. */
static clv_cert_t *
issuer_by_aki(const clv_cert_t *c)
{
	size_t i;

	if (!c->has_aki)
		return NULL;
	for (i = 0; i < ncerts; i++)
		if (certs[i].cert != c && certs[i].cert->has_ski &&
		    same_buf(&certs[i].cert->ski, &c->aki))
			return certs[i].cert;
	for (i = 0; i < n_ml_certs; i++)
		if (ml_certs[i]->has_ski && same_buf(&ml_certs[i]->ski, &c->aki) &&
		    !same_buf(&ml_certs[i]->der, &c->der))
			return ml_certs[i];
	return NULL;
}

/* ---- a minimal TLV walker for the CMS Master Lists -------------------------- */

typedef struct tlv {
	unsigned char tag;
	const unsigned char *start;     /* the whole TLV */
	size_t total;
	const unsigned char *val;
	size_t len;
} tlv_t;

static int
tlv_at(const unsigned char *p, size_t avail, tlv_t *t)
{
	size_t hdr = 2, len, i, nl;

	if (avail < 2)
		return -1;
	t->tag = p[0];
	len = p[1];
	if (len & 0x80) {
		nl = len & 0x7f;
		if (nl == 0 || nl > 4 || avail < 2 + nl)
			return -1;
		for (len = 0, i = 0; i < nl; i++)
			len = len << 8 | p[2 + i];
		hdr += nl;
	}
	if (len > avail - hdr)
		return -1;
	t->start = p;
	t->val = p + hdr;
	t->len = len;
	t->total = hdr + len;
	return 0;
}

/* The children of a constructed value. */
static size_t
tlv_children(const tlv_t *parent, tlv_t *out, size_t max)
{
	const unsigned char *p = parent->val, *end = parent->val + parent->len;
	size_t n = 0;

	while (p < end && n < max) {
		if (tlv_at(p, (size_t)(end - p), &out[n]) != 0)
			return 0;
		p += out[n].total;
		n++;
	}
	return p == end ? n : 0;
}

/* SignedData of a ContentInfo. */
static int
cms_signed_data(const clv_buf_t *ml, tlv_t *sd)
{
	tlv_t ci, kids[4];

	if (tlv_at(ml->data, ml->len, &ci) != 0 || ci.tag != 0x30)
		return -1;
	if (tlv_children(&ci, kids, 4) != 2 || kids[1].tag != 0xa0)
		return -1;
	return tlv_at(kids[1].val, kids[1].len, sd) == 0 && sd->tag == 0x30 ? 0 : -1;
}

/* The certificates of a Master List's certList, as TLVs inside ml. */
static size_t
ml_cert_list(const clv_buf_t *ml, tlv_t *each, size_t max)
{
	tlv_t sd, kids[8], eci[2], wrap, oct, list[2];
	size_t nk;

	CU_ASSERT_EQUAL_FATAL(cms_signed_data(ml, &sd), 0);
	nk = tlv_children(&sd, kids, 8);
	CU_ASSERT_FATAL(nk >= 4 && kids[2].tag == 0x30);
	CU_ASSERT_EQUAL_FATAL(tlv_children(&kids[2], eci, 2), 2);
	CU_ASSERT_FATAL(eci[1].tag == 0xa0 && tlv_at(eci[1].val, eci[1].len, &wrap) == 0);
	CU_ASSERT_FATAL(wrap.tag == 0x04 && tlv_at(wrap.val, wrap.len, &oct) == 0);
	CU_ASSERT_FATAL(oct.tag == 0x30 && tlv_children(&oct, list, 2) == 2);
	CU_ASSERT_FATAL(list[1].tag == 0x31);
	return tlv_children(&list[1], each, max);
}

#define ML_MAX 1024

/* Parses every certificate of a Master List's certList into ml_certs. */
static size_t
load_masterlist(const char *rel)
{
	clv_buf_t b = { NULL, 0 };
	tlv_t *each = NULL;
	size_t i, n, parsed = 0;
	clv_diag_t d;
	clv_cert_t *c, **grown;
	int r;

	CU_ASSERT_EQUAL_FATAL(read_rel(rel, &b), 0);
	each = calloc(ML_MAX, sizeof(*each));
	CU_ASSERT_PTR_NOT_NULL_FATAL(each);
	n = ml_cert_list(&b, each, ML_MAX);
	CU_ASSERT_FATAL(n > 0);
	grown = realloc(ml_certs, (n_ml_certs + n) * sizeof(*ml_certs));
	CU_ASSERT_PTR_NOT_NULL_FATAL(grown);
	ml_certs = grown;
	for (i = 0; i < n; i++) {
		c = NULL;
		clv_diag_clear(&d);
		r = clv_cert_parse(each[i].start, each[i].total, &c, &d);
		if (r != 0) {
			fprintf(stderr, "\n%s certList[%zu]: %s (%s)\n", rel, i,
			    clv_strerror(r), d.msg);
			continue;
		}
		ml_certs[n_ml_certs++] = c;
		parsed++;
	}
	CU_ASSERT_EQUAL(parsed, n);
	free(each);
	clv_buf_free(&b);
	return parsed;
}

/* ---- tests ---------------------------------------------------------------------- */

static void
test_parse_every_certificate(void)
{
	static const char *dirs[] = { "certs/DE", "certs/ICAO", "certs/IT", "certs/ME",
	    "certs/NL", "port-py-server/certs", "port-py-server/crls/issuers" };
	char names[MAX_CERTS][160];
	size_t i, j, n, total = 0;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		n = list_dir(dirs[i], NULL, names, MAX_CERTS);
		CU_ASSERT(n > 0);
		for (j = 0; j < n; j++)
			load_cert(names[j]);
		total += n;
	}
	/* 11 under certs/, 18 port-py-server certs, 4 CRL issuers */
	CU_ASSERT_EQUAL(total, 33);
	CU_ASSERT_EQUAL(ncerts, 33);
	for (i = 0; i < ncerts; i++) {
		clv_cert_t *c = certs[i].cert;

		CU_ASSERT_EQUAL(c->version, 3);
		CU_ASSERT(c->sigalg_known);
		CU_ASSERT_PTR_NOT_NULL(c->pubkey);
		CU_ASSERT(c->tbs_off > 0 && c->tbs_off + c->tbs_len < c->der.len);
		CU_ASSERT(c->not_before < c->not_after);
		CU_ASSERT(c->serial.len > 0 && c->signature.len > 0);
		CU_ASSERT(c->issuer[0] != '\0' && c->subject[0] != '\0');
		CU_ASSERT(c->n_exts > 0);
	}
}

static void
test_self_signed_verify(void)
{
	size_t i, n = 0;

	for (i = 0; i < ncerts; i++) {
		clv_cert_t *c = certs[i].cert;
		int r;

		if (!clv_cert_is_self_signed(c))
			continue;
		n++;
		CU_ASSERT_FALSE(clv_cert_is_link(c));
		CU_ASSERT_PTR_NOT_NULL_FATAL(c->pubkey);
		r = clv_cert_verify(c, c->pubkey);
		if (r != 0)
			fprintf(stderr, "\n%s: self-signature: %s\n", certs[i].rel,
			    clv_strerror(r));
		CU_ASSERT_EQUAL(r, 0);
	}
	/* DE 2019, UN, IT x4, NL; CA, CH, DE x3, ES x2, FR, IT x2, SI, US; CN x3, GB */
	CU_ASSERT_EQUAL(n, 23);
	/* the 2012 Spanish CSCA has no AKI at all */
	CU_ASSERT_PTR_NOT_NULL_FATAL(cert("port-py-server/certs/"
	    "csca_es_187cea1e2397dd6b4ffd64cbf777094c.cer"));
	CU_ASSERT_FALSE(cert("port-py-server/certs/"
	    "csca_es_187cea1e2397dd6b4ffd64cbf777094c.cer")->has_aki);
	CU_ASSERT_TRUE(clv_cert_is_self_signed(cert("port-py-server/certs/"
	    "csca_es_187cea1e2397dd6b4ffd64cbf777094c.cer")));
}

static void
test_masterlist_certificates(void)
{
	size_t i, n, self = 0, links = 0;

	/* every certificate of these lists parses leniently */
	n = load_masterlist("masterlists/ICAO_ML_Jan2021.ml");
	CU_ASSERT_EQUAL(n, 284);
	n = load_masterlist("masterlists/NL_MASTERLIST_20191217.mls");
	CU_ASSERT_EQUAL(n, 281);
	n = load_masterlist("masterlists/20210315_DEMasterList.ml");
	CU_ASSERT_EQUAL(n, 423);
	/* these three each hold a CSCA whose explicit curve writes a 48-octet
	 * field element in 49 octets (leading zero): parsed since pubkey.c
	 * drops the extra zero */
	n = load_masterlist("masterlists/DE_ML_2024-12-19-10-09-11.ml");
	CU_ASSERT_EQUAL(n, 551);
	n = load_masterlist("masterlists/DE_ML_2025-08-14-07-41-09.ml");
	CU_ASSERT_EQUAL(n, 571);
	n = load_masterlist("masterlists/IT_CSCAMasterList_2025-09.ml");
	CU_ASSERT_EQUAL(n, 620);

	/* and every self-signed one and every link (issuer found by AKI) verifies */
	for (i = 0; i < n_ml_certs; i++) {
		clv_cert_t *c = ml_certs[i], *iss;
		int r;

		CU_ASSERT_TRUE(c->sigalg_known);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c->pubkey);
		if (clv_cert_is_self_signed(c)) {
			self++;
			iss = c;
		} else if (clv_cert_is_link(c)) {
			links++;
			iss = issuer_by_aki(c);
			CU_ASSERT_PTR_NOT_NULL(iss);
			if (iss == NULL)
				continue;
		} else {
			continue;
		}
		r = clv_cert_verify(c, iss->pubkey);
		if (r != 0)
			fprintf(stderr, "\n%s: %s\n", c->subject, clv_strerror(r));
		CU_ASSERT_EQUAL(r, 0);
	}
	CU_ASSERT(self > 1800);
	CU_ASSERT(links > 700);
}

/* Lithuanian CSCA links in the Italian list: a bare SKI without its OCTET
 * STRING, left undecoded; the certificate still parses and verifies. */
static void
test_malformed_ski_tolerated(void)
{
	clv_buf_t b = { NULL, 0 };
	tlv_t *each = NULL;
	clv_cert_t *c = NULL;
	const clv_ext_t *e;
	clv_diag_t d;
	size_t n;

	CU_ASSERT_EQUAL_FATAL(read_rel("masterlists/IT_CSCAMasterList_2025-09.ml", &b), 0);
	each = calloc(ML_MAX, sizeof(*each));
	CU_ASSERT_PTR_NOT_NULL_FATAL(each);
	n = ml_cert_list(&b, each, ML_MAX);
	CU_ASSERT_FATAL(n > 2);
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL_FATAL(clv_cert_parse(each[0].start, each[0].total, &c, &d), 0);
	CU_ASSERT_STRING_EQUAL(c->subject, "C=LT,O=ADIC under MoI,CN=CSCA,serialNumber=003");
	CU_ASSERT_FALSE(c->has_ski);
	e = clv_cert_ext(c, "2.5.29.14");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->value.len, 20);     /* the identifier itself, untagged */
	CU_ASSERT_EQUAL(c->key_usage, CLV_KU_KEY_CERT_SIGN | CLV_KU_CRL_SIGN);
	CU_ASSERT_EQUAL(c->path_len, 1);
	CU_ASSERT_PTR_NOT_NULL(c->pubkey);
	clv_cert_free(c);
	free(each);
	clv_buf_free(&b);
}

static void
check_link(const char *rel, const char *issuer_rel)
{
	clv_cert_t *l = cert(rel), *iss;
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_TRUE(clv_cert_is_link(l));
	CU_ASSERT_FALSE(clv_cert_is_self_signed(l));
	iss = issuer_by_aki(l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(iss);
	if (issuer_rel != NULL)
		CU_ASSERT_PTR_EQUAL(iss, cert(issuer_rel));
	CU_ASSERT_PTR_NOT_NULL_FATAL(iss->pubkey);
	r = clv_cert_verify(l, iss->pubkey);
	if (r != 0)
		fprintf(stderr, "\n%s: link signature: %s\n", rel, clv_strerror(r));
	CU_ASSERT_EQUAL(r, 0);
	/* and not under its own (new) key */
	CU_ASSERT_EQUAL(clv_cert_verify(l, l->pubkey), CLV_E_SIG_INVALID);
}

static void
test_links(void)
{
	size_t i, nlinks = 0;

	check_link("certs/DE/csca-germany_05-2019_link.cer",
	    "port-py-server/certs/csca_de_3e8.cer");
	check_link("port-py-server/certs/lcsca_de_9d.cer", "port-py-server/certs/csca_de_1.cer");
	check_link("port-py-server/certs/lcsca_es_672ef8b92d6ba81c59673b5c8dbcc2cc.cer",
	    "port-py-server/certs/csca_es_187cea1e2397dd6b4ffd64cbf777094c.cer");
	check_link("port-py-server/certs/lcsca_it_419cc9e4468248c.cer",
	    "port-py-server/certs/csca_it_12f2438f96f2ec10.cer");
	/* the previous Dutch CSCA (serialNumber=5) is only in the Master Lists */
	check_link("certs/NL/CSCA_NL_link_180424-300302.cer", NULL);

	for (i = 0; i < ncerts; i++)
		nlinks += clv_cert_is_link(certs[i].cert) ? 1 : 0;
	CU_ASSERT_EQUAL(nlinks, 5);
}

static void
check_signer(const char *rel, const char *issuer_rel)
{
	clv_cert_t *s = cert(rel), *iss = cert(issuer_rel);
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(iss);
	CU_ASSERT_FALSE(clv_cert_is_link(s));
	CU_ASSERT_FALSE(clv_cert_is_self_signed(s));
	CU_ASSERT_TRUE(s->has_aki && iss->has_ski && same_buf(&s->aki, &iss->ski));
	CU_ASSERT(same_buf(&s->issuer_der, &iss->subject_der));
	r = clv_cert_verify(s, iss->pubkey);
	if (r != 0)
		fprintf(stderr, "\n%s: signature: %s\n", rel, clv_strerror(r));
	CU_ASSERT_EQUAL(r, 0);
}

static void
test_signers(void)
{
	clv_cert_t *hjp;

	check_signer("certs/ICAO/ICAO-link.der", "certs/ICAO/ICAO-csca.der");
	check_signer("port-py-server/certs/dsc_de_0130846f2b3e.cer",
	    "port-py-server/certs/csca_de_0130846f22c2.der");
	check_signer("port-py-server/certs/dsc_si_448833b8.cer",
	    "port-py-server/certs/csca_si_448831f1.cer");
	check_signer("certs/ME/20201022_CA_ME_046f.cer",
	    "certs/DE/csca-germany_05-2019_self_signed.cer");

	/* a signer under the wrong CSCA */
	CU_ASSERT_EQUAL(clv_cert_verify(cert("port-py-server/certs/dsc_si_448833b8.cer"),
	    cert("port-py-server/certs/csca_us_4e32d006.cer")->pubkey), CLV_E_SIG_INVALID);
	/* RSA-signed certificate under an EC key */
	CU_ASSERT_EQUAL(clv_cert_verify(cert("port-py-server/certs/dsc_si_448833b8.cer"),
	    cert("port-py-server/certs/csca_ch_7b.cer")->pubkey), CLV_E_KEY_MISMATCH);
	/* the HJP test CSCA is not in the data */
	hjp = cert("port-py-server/certs/dsc_de_0142fd5cf927.cer");
	CU_ASSERT_PTR_NOT_NULL_FATAL(hjp);
	CU_ASSERT_PTR_NULL(issuer_by_aki(hjp));
}

static void
test_explicit_parameters(void)
{
	static const struct {
		const char *rel;
		clv_curve_t curve;
	} ec[] = {
		{ "certs/DE/csca-germany_05-2019_self_signed.cer", CLV_CURVE_BP512R1 },
		{ "certs/DE/csca-germany_05-2019_link.cer", CLV_CURVE_BP512R1 },
		{ "certs/ME/20201022_CA_ME_046f.cer", CLV_CURVE_BP256R1 },
		{ "port-py-server/certs/csca_ch_7b.cer", CLV_CURVE_BP384R1 },
		{ "port-py-server/certs/csca_de_1.cer", CLV_CURVE_BP384R1 },
		{ "port-py-server/certs/csca_de_3e8.cer", CLV_CURVE_BP384R1 },
		{ "port-py-server/certs/lcsca_de_9d.cer", CLV_CURVE_BP384R1 },
		{ "port-py-server/crls/issuers/csca_cn_hongkong_for_crl_3d2e24fd5f.der",
		    CLV_CURVE_BP384R1 },
		{ "port-py-server/crls/issuers/csca_gb_for_crl_85824ab57b.der", CLV_CURVE_P384 },
	};
	size_t i, n_ec = 0;

	for (i = 0; i < sizeof(ec) / sizeof(ec[0]); i++) {
		clv_cert_t *c = cert(ec[i].rel);

		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c->pubkey);
		CU_ASSERT_EQUAL(c->pubkey->type, CLV_KEY_EC);
		CU_ASSERT_TRUE(c->pubkey->explicit_params);
		CU_ASSERT_EQUAL(c->pubkey->curve, ec[i].curve);
	}
	/* every EC key in the files has explicit parameters */
	for (i = 0; i < ncerts; i++)
		if (certs[i].cert->pubkey->type == CLV_KEY_EC) {
			n_ec++;
			CU_ASSERT_TRUE(certs[i].cert->pubkey->explicit_params);
		}
	CU_ASSERT_EQUAL(n_ec, sizeof(ec) / sizeof(ec[0]));
	/* DE 2019: ECDSA-SHA512 self-signature, ECDSA-SHA384 on the link (old key) */
	CU_ASSERT_EQUAL(cert(ec[0].rel)->sigalg.hash, CLV_HASH_SHA512);
	CU_ASSERT_EQUAL(cert(ec[0].rel)->sigalg.key, CLV_KEY_EC);
	CU_ASSERT_EQUAL(cert(ec[1].rel)->sigalg.hash, CLV_HASH_SHA384);
}

static void
test_quirks(void)
{
	clv_cert_t *it = cert("port-py-server/certs/lcsca_it_419cc9e4468248c.cer");
	clv_cert_t *si = cert("port-py-server/certs/csca_si_448831f1.cer");
	clv_cert_t *dsi = cert("port-py-server/certs/dsc_si_448833b8.cer");
	clv_cert_t *de = cert("certs/DE/csca-germany_05-2019_link.cer");
	clv_cert_t *pss = cert("port-py-server/certs/csca_ca_4942cd00.cer");
	const clv_ext_t *nc;
	static const char *name_change[] = { "certs/DE/csca-germany_05-2019_link.cer",
	    "port-py-server/certs/lcsca_de_9d.cer",
	    "port-py-server/certs/lcsca_es_672ef8b92d6ba81c59673b5c8dbcc2cc.cer",
	    "certs/NL/CSCA_NL_link_180424-300302.cer" };
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	CU_ASSERT_PTR_NOT_NULL_FATAL(si);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dsi);
	CU_ASSERT_PTR_NOT_NULL_FATAL(de);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pss);

	/* Italy: a link with identical issuer and subject DNs */
	CU_ASSERT(same_buf(&it->issuer_der, &it->subject_der));
	CU_ASSERT_STRING_EQUAL(it->issuer, it->subject);
	CU_ASSERT_TRUE(clv_cert_is_link(it));
	CU_ASSERT_FALSE(clv_cert_is_self_signed(it));
	CU_ASSERT_FALSE(it->has_name_change);

	/* NameChange 05 00 on the links that change the name */
	for (i = 0; i < sizeof(name_change) / sizeof(name_change[0]); i++) {
		clv_cert_t *c = cert(name_change[i]);

		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		CU_ASSERT_TRUE(c->has_name_change);
		nc = clv_cert_ext(c, "2.23.136.1.1.6.1");
		CU_ASSERT_PTR_NOT_NULL_FATAL(nc);
		CU_ASSERT_FALSE(nc->critical);
		CU_ASSERT_EQUAL(nc->value.len, 2);
		CU_ASSERT(nc->value.data[0] == 0x05 && nc->value.data[1] == 0x00);
	}
	CU_ASSERT_STRING_EQUAL(de->issuer,
	    "C=DE,O=bund,OU=bsi,serialNumber=103,CN=csca-germany");
	CU_ASSERT_STRING_EQUAL(de->subject, "C=DE,O=bund,OU=bsi,CN=csca-germany");
	CU_ASSERT_FALSE(cert("port-py-server/certs/csca_us_4e32d006.cer")->has_name_change);
	CU_ASSERT_PTR_NULL(clv_cert_ext(cert("port-py-server/certs/csca_us_4e32d006.cer"),
	    "2.23.136.1.1.6.1"));

	/* Slovenia: lower-case country kept as encoded */
	CU_ASSERT_STRING_EQUAL(si->subject_country, "si");
	CU_ASSERT_STRING_EQUAL(dsi->subject_country, "si");
	CU_ASSERT_STRING_EQUAL(si->subject, "C=si,O=state-institutions,OU=e-passport,"
	    "CN=CSCA-Slovenia");
	CU_ASSERT_STRING_EQUAL(cert("certs/IT/CSCA04.cer")->subject_country, "IT");
	/* 8-octet key identifiers */
	CU_ASSERT_EQUAL(si->ski.len, 8);
	CU_ASSERT(same_buf(&dsi->aki, &si->ski));

	/* RSASSA-PSS parameters */
	CU_ASSERT_TRUE(pss->sigalg.pss);
	CU_ASSERT_EQUAL(pss->sigalg.hash, CLV_HASH_SHA256);
	CU_ASSERT_EQUAL(pss->sigalg.salt_len, 32);
	CU_ASSERT_TRUE(cert("certs/IT/CSCA04.cer")->sigalg.pss);
	CU_ASSERT_EQUAL(cert("certs/IT/CSCA04.cer")->sigalg.hash, CLV_HASH_SHA512);
}

static void
test_extensions(void)
{
	clv_cert_t *de = cert("certs/DE/csca-germany_05-2019_self_signed.cer");
	clv_cert_t *mls = cert("certs/ICAO/ICAO-link.der");
	clv_cert_t *dsi = cert("port-py-server/certs/dsc_si_448833b8.cer");
	clv_cert_t *me = cert("certs/ME/20201022_CA_ME_046f.cer");
	const clv_ext_t *e;
	static const unsigned char eku_mls[] = { 0x30, 0x08, 0x06, 0x06, 0x67, 0x81, 0x08,
	    0x01, 0x01, 0x03 };
	static const unsigned char de_ski[] = { 0x74, 0x1a, 0x44, 0xad, 0x4b, 0xd7, 0xb6,
	    0xfc, 0xd5, 0xba, 0xee, 0xf1, 0x1e, 0x82, 0x7e, 0x58, 0xa5, 0x98, 0x1c, 0x24 };
	static const char *no_pkup[] = { "port-py-server/certs/"
	    "csca_es_187cea1e2397dd6b4ffd64cbf777094c.cer", "certs/IT/CSCA00.cer",
	    "port-py-server/certs/csca_it_12f2438f96f2ec10.cer",
	    "port-py-server/certs/dsc_de_0130846f2b3e.cer",
	    "port-py-server/certs/dsc_de_0142fd5cf927.cer" };
	size_t i, n_csca = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(de);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mls);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dsi);
	CU_ASSERT_PTR_NOT_NULL_FATAL(me);

	/* every CSCA (self-signed or link): keyCertSign + cRLSign critical, cA, pathlen 0 */
	for (i = 0; i < ncerts; i++) {
		clv_cert_t *c = certs[i].cert;

		if (!clv_cert_is_self_signed(c) && !clv_cert_is_link(c))
			continue;
		n_csca++;
		CU_ASSERT_TRUE(c->has_key_usage);
		CU_ASSERT_EQUAL(c->key_usage, CLV_KU_KEY_CERT_SIGN | CLV_KU_CRL_SIGN);
		CU_ASSERT_TRUE(clv_cert_ext(c, "2.5.29.15") != NULL &&
		    clv_cert_ext(c, "2.5.29.15")->critical);
		CU_ASSERT_TRUE(c->has_basic_constraints);
		CU_ASSERT_TRUE(c->is_ca);
		CU_ASSERT_EQUAL(c->path_len, 0);
		CU_ASSERT_TRUE(clv_cert_ext(c, "2.5.29.19") != NULL &&
		    clv_cert_ext(c, "2.5.29.19")->critical);
		CU_ASSERT_TRUE(c->has_ski);
	}
	CU_ASSERT_EQUAL(n_csca, 28);

	/* signers: digitalSignature only, no basicConstraints */
	CU_ASSERT_EQUAL(dsi->key_usage, CLV_KU_DIGITAL_SIGNATURE);
	CU_ASSERT_FALSE(dsi->has_basic_constraints);
	CU_ASSERT_FALSE(dsi->is_ca);
	CU_ASSERT_EQUAL(dsi->path_len, -1);
	CU_ASSERT_EQUAL(mls->key_usage, CLV_KU_DIGITAL_SIGNATURE);
	/* the MLS: critical EKU id-icao-cscaMasterListSigningKey */
	e = clv_cert_ext(mls, "2.5.29.37");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_TRUE(e->critical);
	CU_ASSERT_EQUAL(e->value.len, sizeof(eku_mls));
	CU_ASSERT(memcmp(e->value.data, eku_mls, sizeof(eku_mls)) == 0);
	/* ME: neither keyUsage nor basicConstraints nor SKI */
	CU_ASSERT_FALSE(me->has_key_usage);
	CU_ASSERT_FALSE(me->has_basic_constraints);
	CU_ASSERT_FALSE(me->has_ski);
	CU_ASSERT_TRUE(me->has_aki);

	/* DE 2019: SKI, PKUP 2019-05-20T09:26:22Z .. 2022-07-20T23:59:59Z, validity */
	CU_ASSERT_EQUAL(de->ski.len, sizeof(de_ski));
	CU_ASSERT(memcmp(de->ski.data, de_ski, sizeof(de_ski)) == 0);
	CU_ASSERT_TRUE(de->has_pkup);
	CU_ASSERT_EQUAL(de->pkup_not_before, 1558344382);
	CU_ASSERT_EQUAL(de->pkup_not_after, 1658361599);
	CU_ASSERT_EQUAL(de->not_before, 1558344382);     /* 2019-05-20T09:26:22Z */
	CU_ASSERT_EQUAL(de->not_after, 1992556799);      /* 2033-02-20T23:59:59Z */
	CU_ASSERT_EQUAL(de->serial.len, 2);
	CU_ASSERT(de->serial.data[0] == 0x04 && de->serial.data[1] == 0x4d);
	CU_ASSERT_TRUE(de->has_name_change);
	/* SI DSC PKUP 2014-05-08T08:01:41Z .. 2014-08-05T22:00:00Z */
	CU_ASSERT_TRUE(dsi->has_pkup);
	CU_ASSERT_EQUAL(dsi->pkup_not_before, 1399536101);
	CU_ASSERT_EQUAL(dsi->pkup_not_after, 1407276000);
	for (i = 0; i < sizeof(no_pkup) / sizeof(no_pkup[0]); i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(cert(no_pkup[i]));
		CU_ASSERT_FALSE(cert(no_pkup[i])->has_pkup);
	}
	/* names with several OUs, in encoded order */
	CU_ASSERT_STRING_EQUAL(cert("port-py-server/certs/csca_us_4e32d006.cer")->issuer,
	    "C=US,O=U.S. Government,OU=Department of State,OU=MRTD,"
	    "OU=Certification Authorities,OU=U.S. Department of State MRTD CA");
	CU_ASSERT_STRING_EQUAL(cert("certs/IT/CSCA00.cer")->subject,
	    "C=IT,O=MINISTERO DELL'INTERNO,OU=PE,CN=CERTIFICATION AUTHORITY");
}

/* The ICAO Master List SignerInfo: PKCS#1 v1.5 with a DigestInfo lacking NULL. */
static void
test_icao_masterlist_digestinfo_without_null(void)
{
	clv_buf_t ml = { NULL, 0 }, attrs = { NULL, 0 };
	tlv_t sd, kids[8], sis[2], si[8], sig = { 0 }, sattr = { 0 };
	size_t nk, ns, i;
	clv_cert_t *mls = cert("certs/ICAO/ICAO-link.der");
	clv_sigalg_t alg;
	unsigned char dg[CLV_HASH_MAX];
	gcry_sexp_t s_key = NULL, s_data = NULL, s_sig = NULL;
	gcry_error_t err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mls);
	CU_ASSERT_EQUAL_FATAL(read_rel("masterlists/ICAO_ML_Jan2021.ml", &ml), 0);
	CU_ASSERT_EQUAL_FATAL(cms_signed_data(&ml, &sd), 0);
	nk = tlv_children(&sd, kids, 8);
	CU_ASSERT_FATAL(nk >= 4 && kids[nk - 1].tag == 0x31);
	CU_ASSERT_EQUAL_FATAL(tlv_children(&kids[nk - 1], sis, 2), 1);
	ns = tlv_children(&sis[0], si, 8);
	CU_ASSERT_FATAL(ns >= 5);
	for (i = 0; i < ns; i++) {
		if (si[i].tag == 0xa0)
			sattr = si[i];
		if (si[i].tag == 0x04)
			sig = si[i];
	}
	CU_ASSERT_FATAL(sattr.start != NULL && sig.start != NULL);
	/* the signature covers the signed attributes re-tagged as SET OF */
	CU_ASSERT_EQUAL_FATAL(clv_buf_set(&attrs, sattr.start, sattr.total), 0);
	attrs.data[0] = 0x31;

	memset(&alg, 0, sizeof(alg));
	alg.key = CLV_KEY_RSA;
	alg.hash = CLV_HASH_SHA256;
	CU_ASSERT_EQUAL(clv_verify(mls->pubkey, &alg, attrs.data, attrs.len, sig.val,
	    sig.len), 0);
	/* one changed octet of the signed attributes breaks it */
	attrs.data[attrs.len - 1] ^= 0x01;
	CU_ASSERT_EQUAL(clv_verify(mls->pubkey, &alg, attrs.data, attrs.len, sig.val,
	    sig.len), CLV_E_SIG_INVALID);
	attrs.data[attrs.len - 1] ^= 0x01;

	/* a strict PKCS#1 v1.5 verifier (libgcrypt's pkcs1 flag) refuses it */
	CU_ASSERT_EQUAL_FATAL(clv_hash(CLV_HASH_SHA256, attrs.data, attrs.len, dg), 0);
	err = gcry_sexp_build(&s_key, NULL, "(public-key (rsa (n %b)(e %b)))",
	    (int)mls->pubkey->rsa_n.len, mls->pubkey->rsa_n.data,
	    (int)mls->pubkey->rsa_e.len, mls->pubkey->rsa_e.data);
	CU_ASSERT_EQUAL_FATAL(err, 0);
	CU_ASSERT_EQUAL_FATAL(gcry_sexp_build(&s_data, NULL,
	    "(data (flags pkcs1)(hash sha256 %b))", 32, dg), 0);
	CU_ASSERT_EQUAL_FATAL(gcry_sexp_build(&s_sig, NULL, "(sig-val (rsa (s %b)))",
	    (int)sig.len, sig.val), 0);
	CU_ASSERT_EQUAL(gcry_err_code(gcry_pk_verify(s_sig, s_data, s_key)),
	    GPG_ERR_BAD_SIGNATURE);

	gcry_sexp_release(s_key);
	gcry_sexp_release(s_data);
	gcry_sexp_release(s_sig);
	clv_buf_free(&attrs);
	clv_buf_free(&ml);
}

static void
test_crls(void)
{
	static const struct {
		const char *file;
		long days;          /* whole days between thisUpdate and nextUpdate */
		size_t revoked;
		clv_hash_alg_t hash;
		int pss;
	} exp[] = {
		{ "crl_ca_fp_277f80576b.crl", 90, 18, CLV_HASH_SHA256, 1 },
		{ "crl_cn_fp_3d2e24fd5f.crl", 90, 0, CLV_HASH_SHA384, 0 },   /* Hong Kong */
		{ "crl_cn_fp_7235893e75.crl", 92, 0, CLV_HASH_SHA256, 1 },   /* Macao */
		{ "crl_cn_fp_814acc723b.crl", 90, 3, CLV_HASH_SHA256, 0 },   /* China */
		{ "crl_de_fp_e421c6cf21.crl", 89, 0, CLV_HASH_SHA512, 0 },
		{ "crl_gb_fp_85824ab57b.crl", 92, 423, CLV_HASH_SHA256, 0 },
		{ "crl_us_fp_ec0ddb2ee9.crl", 30, 0, CLV_HASH_SHA256, 0 },
	};
	char names[MAX_CERTS][160];
	size_t n, i, j, k;

	n = list_dir("port-py-server/crls", ".crl", names, MAX_CERTS);
	CU_ASSERT_EQUAL(n, sizeof(exp) / sizeof(exp[0]));
	for (i = 0; i < n; i++) {
		clv_buf_t b = { NULL, 0 }, ext = { NULL, 0 };
		clv_crl_t *crl = NULL;
		clv_cert_t *iss = NULL;
		clv_diag_t d;
		int r;

		CU_ASSERT_EQUAL_FATAL(read_rel(names[i], &b), 0);
		clv_diag_clear(&d);
		r = clv_crl_parse(b.data, b.len, &crl, &d);
		if (r != 0)
			fprintf(stderr, "\n%s: %s (%s)\n", names[i], clv_strerror(r), d.msg);
		CU_ASSERT_EQUAL_FATAL(r, 0);
		for (k = 0; k < sizeof(exp) / sizeof(exp[0]); k++)
			if (strstr(names[i], exp[k].file) != NULL)
				break;
		CU_ASSERT_FATAL(k < sizeof(exp) / sizeof(exp[0]));

		CU_ASSERT_EQUAL(crl->version, 2);
		CU_ASSERT_TRUE(crl->sigalg_known);
		CU_ASSERT_EQUAL(crl->sigalg.hash, exp[k].hash);
		CU_ASSERT_EQUAL(crl->sigalg.pss, exp[k].pss);
		CU_ASSERT_TRUE(crl->has_crl_number);
		CU_ASSERT(crl->crl_number.len > 0);
		CU_ASSERT_TRUE(crl->has_aki);
		CU_ASSERT(crl->next_update > crl->this_update);
		CU_ASSERT_EQUAL((crl->next_update - crl->this_update) / DAY, exp[k].days);
		CU_ASSERT_EQUAL(crl->n_revoked, exp[k].revoked);
		for (j = 0; j < crl->n_revoked; j++) {
			CU_ASSERT(crl->revoked_serials[j].len > 0);
			CU_ASSERT(crl->revocation_dates[j] > 0 &&
			    crl->revocation_dates[j] <= crl->this_update);
		}

		/* the issuing CSCA: SKI = AKI and subject = issuer */
		for (j = 0; j < ncerts; j++)
			if (certs[j].cert->has_ski && same_buf(&certs[j].cert->ski, &crl->aki) &&
			    same_buf(&certs[j].cert->subject_der, &crl->issuer_der)) {
				iss = certs[j].cert;
				break;
			}
		CU_ASSERT_PTR_NOT_NULL(iss);
		if (iss != NULL) {
			CU_ASSERT_STRING_EQUAL(crl->issuer, iss->subject);
			r = clv_crl_verify(crl, iss->pubkey);
			if (r != 0)
				fprintf(stderr, "\n%s: signature: %s\n", names[i],
				    clv_strerror(r));
			CU_ASSERT_EQUAL(r, 0);
			/* one octet of the signature changed */
			crl->signature.data[crl->signature.len - 2] ^= 0x01;
			CU_ASSERT_EQUAL(clv_crl_verify(crl, iss->pubkey), CLV_E_SIG_INVALID);
		}

		if (strstr(names[i], "crl_de_") != NULL) {
			/* ecdsa-with-SHA512 with a NULL parameter, accepted */
			CU_ASSERT_EQUAL(crl->sigalg.key, CLV_KEY_EC);
			CU_ASSERT(crl->sigalg_der.len > 2 &&
			    crl->sigalg_der.data[crl->sigalg_der.len - 2] == 0x05 &&
			    crl->sigalg_der.data[crl->sigalg_der.len - 1] == 0x00);
			/* the 2019 CSCA (self-signed or its link: same name, same key) */
			CU_ASSERT_PTR_NOT_NULL_FATAL(iss);
			CU_ASSERT_TRUE(clv_pubkey_is_equal(iss->pubkey,
			    cert("certs/DE/csca-germany_05-2019_self_signed.cer")->pubkey));
			CU_ASSERT_STRING_EQUAL(crl->issuer, "C=DE,O=bund,OU=bsi,CN=csca-germany");
		}

		clv_crl_free(crl);
		crl = NULL;

		/* truncated and extended copies are refused */
		clv_diag_clear(&d);
		CU_ASSERT_EQUAL(clv_crl_parse(b.data, b.len - 1, &crl, &d), CLV_E_DER);
		CU_ASSERT_PTR_NULL(crl);
		CU_ASSERT(d.msg[0] != '\0');
		CU_ASSERT_FATAL((ext.data = malloc(b.len + 1)) != NULL);
		memcpy(ext.data, b.data, b.len);
		ext.data[b.len] = 0x00;
		ext.len = b.len + 1;
		CU_ASSERT_EQUAL(clv_crl_parse(ext.data, ext.len, &crl, NULL), CLV_E_DER);
		CU_ASSERT_PTR_NULL(crl);
		clv_buf_free(&ext);
		clv_buf_free(&b);
	}
}

/* ---- synthetic certificates and names ------------------------------------------- */

/* openssl req -x509 -newkey ed25519 -subj "/C=UT/CN=Ed25519 fixture" -days 36500 */
static const char ed25519_cert_hex[] =
	    "3082016530820117a003020102021419650a26b56050132e1c0ce127aefd356ebb3b5830"
	    "0506032b65703027310b30090603550406130255543118301606035504030c0f45643235"
	    "35313920666978747572653020170d3236313132353232303131395a180f323132363131"
	    "30313232303131395a3027310b30090603550406130255543118301606035504030c0f45"
	    "6432353531392066697874757265302a300506032b6570032100338698a46d1a38f9a6fb"
	    "80eec18537c00b6ee9305d9586d4bc730bf99a241e33a3533051301d0603551d0e041604"
	    "140e67ef3309104899c01dcc4b3897a8ee147d4b9c301f0603551d230418301680140e67"
	    "ef3309104899c01dcc4b3897a8ee147d4b9c300f0603551d130101ff040530030101ff30"
	    "0506032b6570034100d0ab78541dfd5f41f6a5a88f2734ccfe4e67da721e8f1e935c42f1"
	    "c3903f3c02a8d2f3d94d6344c452fe3dd2e5f30fa1c6058dcba67ac7abe64fa7fb3d128e"
	    "0b";

/* A v1 certificate (no version field, no extensions), P-256, notAfter 2126
 * as GeneralizedTime; openssl x509 -req -signkey, subject O="Org, Inc." */
static const char v1_cert_hex[] =
	    "308201683082010f0214043c0e77555cc32696c63a8969bc241c689efedf300a06082a86"
	    "48ce3d0403023036310b300906035504061302555431123010060355040a0c094f72672c"
	    "20496e632e3113301106035504030c0a763120666978747572653020170d323631313235"
	    "3232303131395a180f32313236313130313232303131395a3036310b3009060355040613"
	    "02555431123010060355040a0c094f72672c20496e632e3113301106035504030c0a7631"
	    "20666978747572653059301306072a8648ce3d020106082a8648ce3d030107034200046b"
	    "28eaa10dd2bb789d58aae730a374f1a6bd1eef2f6dbd7cc37910249406c62b0bba5bbfd1"
	    "76bae21bf67971d74bbb5085f1eeaaa98a05c987666883bdd70b38300a06082a8648ce3d"
	    "0403020347003044022067e6a1fa3b45b78405f9568570a26ed505bd3d0d88196a634f70"
	    "bf1cb869a93502200497d385eb50e1566d5cf0c67d83d2a890df25f66ebda69a4727c97c"
	    "6bf64e4f";

static void
test_unsupported_algorithms_and_v1(void)
{
	clv_buf_t der = { NULL, 0 };
	clv_cert_t *c = NULL;
	time_t t;

	/* Ed25519: neither the key nor the signature algorithm is supported */
	CU_ASSERT_EQUAL_FATAL(clv_unhex(ed25519_cert_hex, &der), 0);
	CU_ASSERT_EQUAL_FATAL(clv_cert_parse(der.data, der.len, &c, NULL), 0);
	CU_ASSERT_FALSE(c->sigalg_known);
	CU_ASSERT_PTR_NULL(c->pubkey);
	CU_ASSERT(c->spki_der.len == 44);
	CU_ASSERT_STRING_EQUAL(c->subject, "C=UT,CN=Ed25519 fixture");
	CU_ASSERT_STRING_EQUAL(c->subject_country, "UT");
	CU_ASSERT_TRUE(clv_cert_is_self_signed(c));
	CU_ASSERT_TRUE(c->is_ca);
	CU_ASSERT_EQUAL(c->path_len, -1);
	CU_ASSERT_EQUAL(clv_cert_verify(c, cert("port-py-server/certs/csca_ch_7b.cer")->pubkey),
	    CLV_E_UNSUPPORTED_ALG);
	clv_cert_free(c);
	c = NULL;
	clv_buf_free(&der);

	CU_ASSERT_EQUAL_FATAL(clv_unhex(v1_cert_hex, &der), 0);
	CU_ASSERT_EQUAL_FATAL(clv_cert_parse(der.data, der.len, &c, NULL), 0);
	CU_ASSERT_EQUAL(c->version, 1);
	CU_ASSERT_EQUAL(c->n_exts, 0);
	CU_ASSERT_FALSE(c->has_ski || c->has_aki || c->has_key_usage ||
	    c->has_basic_constraints);
	CU_ASSERT_STRING_EQUAL(c->subject, "C=UT,O=Org\\, Inc.,CN=v1 fixture");
	CU_ASSERT_EQUAL_FATAL(clv_time_parse("2126-11-01T22:01:19Z", &t), 0);
	CU_ASSERT_EQUAL(c->not_after, t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->pubkey);
	CU_ASSERT_EQUAL(c->pubkey->curve, CLV_CURVE_P256);
	CU_ASSERT_FALSE(c->pubkey->explicit_params);
	CU_ASSERT_TRUE(clv_cert_is_self_signed(c));
	CU_ASSERT_FALSE(clv_cert_is_link(c));
	CU_ASSERT_EQUAL(clv_cert_verify(c, c->pubkey), 0);
	clv_cert_free(c);
	clv_buf_free(&der);
}

static void
name_text_case(const char *hex, const char *expect)
{
	clv_buf_t der = { NULL, 0 };
	char out[256];

	CU_ASSERT_EQUAL_FATAL(clv_unhex(hex, &der), 0);
	CU_ASSERT_EQUAL(clv_name_to_text(der.data, der.len, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, expect);
	clv_buf_free(&der);
}

static void
test_name_text(void)
{
	clv_buf_t der = { NULL, 0 };
	char small[12];

	/* UTF8String with RFC 4514 specials */
	name_text_case("30123110300e06035504030c0720612c622b6320",
	    "CN=\\ a\\,b\\+c\\ ");
	/* BMPString */
	name_text_case("301c310b3009060355040613025554310d300b060355040a1e0400dc20ac",
	    "C=UT,O=\xc3\x9c\xe2\x82\xac");
	/* UniversalString */
	name_text_case("300f310d300b06035504031c04000003a9",
	    "CN=\xce\xa9");
	/* TeletexString read as Latin-1 */
	name_text_case("300f310d300b060355040a1404436166e9",
	    "O=Caf\xc3\xa9");
	/* multi-valued RDN */
	name_text_case("301631143008060355040313017830080603550404130179",
	    "CN=x+SN=y");
	/* serialNumber, emailAddress */
	name_text_case("3021310b30090603550405130234323112301006092a864886f70d0109011603614062",
	    "serialNumber=42,emailAddress=a@b");
	/* unknown type, non-string value */
	name_text_case("300c310a300806032a0304020105",
	    "1.2.3.4=#020105");
	/* control character */
	name_text_case("300e310c300a06035504030c03610162",
	    "CN=a\\01b");
	/* empty Name */
	name_text_case("3000",
	    "");

	/* too small an output: shortened with "...", reported */
	CU_ASSERT_EQUAL_FATAL(clv_unhex("301b3119301706035504030c10"
	    "6162636465666768696a6b6c6d6e6f70", &der), 0);
	CU_ASSERT_EQUAL(clv_name_to_text(der.data, der.len, small, sizeof(small)),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_STRING_EQUAL(small, "CN=abcde...");
	/* not a Name */
	CU_ASSERT_EQUAL(clv_name_to_text(der.data, der.len - 1, small, sizeof(small)),
	    CLV_E_DER);
	clv_buf_free(&der);
}

static void
test_tampered_certificates(void)
{
	static const char *rels[] = { "port-py-server/certs/csca_si_448831f1.cer",
	    "certs/DE/csca-germany_05-2019_self_signed.cer",
	    "port-py-server/certs/csca_ca_4942cd00.cer" };
	size_t i, cuts[4], j;

	for (i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		clv_cert_t *orig = cert(rels[i]), *c = NULL;
		unsigned char *copy;
		const unsigned char *p;
		size_t len, sub;
		clv_diag_t d;

		CU_ASSERT_PTR_NOT_NULL_FATAL(orig);
		len = orig->der.len;
		copy = malloc(len + 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(copy);

		/* one signature octet flipped: parses, does not verify */
		memcpy(copy, orig->der.data, len);
		copy[len - 3] ^= 0x01;
		CU_ASSERT_EQUAL_FATAL(clv_cert_parse(copy, len, &c, NULL), 0);
		CU_ASSERT_EQUAL(clv_cert_verify(c, orig->pubkey), CLV_E_SIG_INVALID);
		clv_cert_free(c);
		c = NULL;

		/* one TBS octet flipped (a letter of the subject's last value) */
		memcpy(copy, orig->der.data, len);
		CU_ASSERT_FATAL(orig->subject_der.len > 4);
		/* the subject follows the issuer (identical in a self-signed one) */
		p = memmem(orig->der.data + orig->tbs_off, orig->tbs_len, orig->issuer_der.data,
		    orig->issuer_der.len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		p += orig->issuer_der.len;
		p = memmem(p, (size_t)(orig->der.data + orig->tbs_off + orig->tbs_len - p),
		    orig->subject_der.data, orig->subject_der.len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		sub = (size_t)(p - orig->der.data);
		copy[sub + orig->subject_der.len - 1] ^= 0x20;
		CU_ASSERT_EQUAL_FATAL(clv_cert_parse(copy, len, &c, NULL), 0);
		CU_ASSERT_STRING_NOT_EQUAL(c->subject, orig->subject);
		CU_ASSERT_STRING_EQUAL(c->issuer, orig->issuer);
		CU_ASSERT_EQUAL(clv_cert_verify(c, orig->pubkey), CLV_E_SIG_INVALID);
		clv_cert_free(c);
		c = NULL;

		/* the unsigned outer signatureAlgorithm changed: no longer the signed one */
		memcpy(copy, orig->der.data, len);
		sub = orig->tbs_off + orig->tbs_len;
		CU_ASSERT_FATAL(memcmp(copy + sub, orig->sigalg_der.data,
		    orig->sigalg_der.len) == 0);
		copy[sub + 3 + orig->sigalg_der.data[3]] ^= 0x01;    /* last OID octet */
		clv_diag_clear(&d);
		CU_ASSERT_EQUAL(clv_cert_parse(copy, len, &c, &d), CLV_E_DER);
		CU_ASSERT_PTR_NULL(c);
		CU_ASSERT(strstr(d.msg, "signatureAlgorithm") != NULL);

		/* the original still verifies */
		CU_ASSERT_EQUAL(clv_cert_verify(orig, orig->pubkey), 0);

		/* truncated */
		cuts[0] = 1;
		cuts[1] = 10;
		cuts[2] = len / 2;
		cuts[3] = len - 1;
		for (j = 0; j < 4; j++) {
			clv_diag_clear(&d);
			CU_ASSERT_EQUAL(clv_cert_parse(orig->der.data, cuts[j], &c, &d),
			    CLV_E_DER);
			CU_ASSERT_PTR_NULL(c);
			CU_ASSERT(d.msg[0] != '\0');
		}
		/* a trailing octet */
		memcpy(copy, orig->der.data, len);
		copy[len] = 0x00;
		clv_diag_clear(&d);
		CU_ASSERT_EQUAL(clv_cert_parse(copy, len + 1, &c, &d), CLV_E_DER);
		CU_ASSERT_PTR_NULL(c);
		CU_ASSERT(strstr(d.msg, "trailing") != NULL);
		/* the inner length broken: tbsCertificate claims one octet more */
		memcpy(copy, orig->der.data, len);
		copy[orig->tbs_off + 3] ^= 0x01;
		CU_ASSERT_EQUAL(clv_cert_parse(copy, len, &c, NULL), CLV_E_DER);
		CU_ASSERT_PTR_NULL(c);
		free(copy);
	}
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "parse every certificate", test_parse_every_certificate },
		{ "self-signed CSCAs verify", test_self_signed_verify },
		{ "Master List certificates parse and verify", test_masterlist_certificates },
		{ "malformed SKI tolerated", test_malformed_ski_tolerated },
		{ "link certificates", test_links },
		{ "signers under their CSCA", test_signers },
		{ "explicit EC parameters identified", test_explicit_parameters },
		{ "quirks: Italian link, NameChange, C=si, PSS", test_quirks },
		{ "extensions", test_extensions },
		{ "ICAO Master List: DigestInfo without NULL",
		    test_icao_masterlist_digestinfo_without_null },
		{ "CRLs", test_crls },
		{ "unsupported algorithms, v1 certificate", test_unsupported_algorithms_and_v1 },
		{ "names as text", test_name_text },
		{ "tampered and truncated certificates", test_tampered_certificates },
		{ NULL, NULL },
	};
	size_t i;
	int rc;

	(void)clv_unit_interop_dir();   /* no data: fail at once, saying where it was looked for */
	rc = clv_unit_run("interop", tests);
	for (i = 0; i < ncerts; i++)
		clv_cert_free(certs[i].cert);
	for (i = 0; i < n_ml_certs; i++)
		clv_cert_free(ml_certs[i]);
	free(ml_certs);
	return rc;
}
