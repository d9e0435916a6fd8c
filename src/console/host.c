/*
 * conclave host and conclave pin: the online side of the air gap, small
 * enough to rehearse the whole loop on one machine (conclave(1)).
 *
 *   conclave pin --store FILE --producer ID --key PEM [--rehearsal]
 *   conclave host init --store FILE --token SPEC --pin-file FILE --name NAME
 *                      --producer ID --producer-key PEM --out PEM [--module PATH]
 *   conclave host request --store FILE --token SPEC --pin-file FILE --name NAME
 *                      --to ID --country CC --organization O --common-name CN
 *                      --out DIR [--curve CURVE] [--rehearsal] [--module PATH]
 *   conclave host import --store FILE --token SPEC --pin-file FILE --name NAME
 *                      --out DIR [--recipient ID] [--rehearsal] [--module PATH] BUNDLE
 *
 * A host keeps its own store (keys, bundles seen and sent, pins, audit
 * trail) and its own keys in its own token: the bundle-signing key made by
 * init, a Document Signer key made by each request.  The PIN comes from a
 * file (mode 600), never from the command line.
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "bundle.h"
#include "bundle_store.h"
#include "console.h"
#include "csr.h"
#include "cvc.h"
#include "hsm.h"
#include "issue.h"
#include "pubkey.h"
#include "store.h"
#include "template.h"
#include "util.h"
#include "x509.h"

#define MAX_HOST_CERTS 64
#define MAX_DS_KEYS 4096

typedef struct host {
	const char *store_path, *token, *pin_file, *name, *module, *out;
	clv_store_t *store;
	clv_hsm_t *hsm;
	clv_token_info_t tok;
	clv_clock_t clock;
	char producer[80];          /* "host:NAME" */
	char bundle_label[96];      /* the bundle-signing key's label */
	int rehearsal;
} host_t;

static int
host_audit(host_t *h, clv_audit_event_t ev, const char *uri, const unsigned char *sha,
    const char *detail)
{
	clv_audit_entry_t a;

	memset(&a, 0, sizeof(a));
	a.event = ev;
	a.ceremony = h->producer[0] ? h->producer : "conclave pin";
	a.key_uri = uri;
	a.object_sha256 = sha;
	a.result = "ok";
	a.detail = detail;
	a.rehearsal = h->rehearsal;
	return clv_audit_append(h->store, &h->clock, &a);
}

/* The store (created when create), and the token logged in with the PIN file. */
static int
host_open(host_t *h, int create, int token, clv_diag_t *diag)
{
	clv_secret_t *pin = NULL;
	int r;

	clv_clock_system(&h->clock);
	if (h->name != NULL) {
		snprintf(h->producer, sizeof(h->producer), "host:%s", h->name);
		snprintf(h->bundle_label, sizeof(h->bundle_label), "%s-bundle", h->name);
	}
	if ((r = clv_store_open(h->store_path, create, &h->store, diag)) != 0 || !token)
		return r;
	if ((r = clv_secret_read_file(h->pin_file, &pin, diag)) != 0 ||
	    (r = clv_hsm_open(h->module, &h->hsm, diag)) != 0 ||
	    (r = clv_hsm_select(h->hsm, h->token, diag)) != 0 ||
	    (r = clv_hsm_token_info(h->hsm, &h->tok)) != 0)
		goto out;
	if ((r = clv_hsm_login(h->hsm, pin)) != 0)
		r = clv_diag_set(diag, r, "token '%s': login refused: %s", h->token,
		    clv_strerror(r));
out:
	clv_secret_free(pin);
	return r;
}

static void
host_close(host_t *h)
{
	if (h->hsm != NULL)
		clv_hsm_logout(h->hsm);
	clv_hsm_close(h->hsm);
	clv_store_close(h->store);
}

static int
read_pubkey(const char *path, clv_pubkey_t **out, clv_diag_t *diag)
{
	clv_buf_t raw = { NULL, 0 }, der = { NULL, 0 };
	int r;

	if ((r = clv_file_read(path, 1 << 16, &raw, diag)) == 0 &&
	    (r = clv_pem_or_der(raw.data, raw.len, "PUBLIC KEY", &der)) == 0)
		r = clv_pubkey_from_spki(der.data, der.len, out, diag);
	else if (r == 0)
		r = clv_diag_set(diag, r, "%s: expected a public key (PEM PUBLIC KEY or DER)", path);
	clv_buf_free(&raw);
	clv_buf_free(&der);
	return r;
}

/* Generates a key on the host's token and records it in the host's store. */
static int
host_new_key(host_t *h, const char *label, const clv_keyspec_t *spec, const char *what,
    clv_pubkey_t **pub, clv_diag_t *diag)
{
	clv_key_record_t rec;
	clv_buf_t spki = { NULL, 0 };
	char desc[64], detail[512];
	int r;

	if ((r = clv_hsm_generate(h->hsm, label, spec, pub, diag)) != 0)
		return r;
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.label, sizeof(rec.label), "%s", label);
	if ((r = clv_hsm_key_uri(h->hsm, label, rec.uri, sizeof(rec.uri))) != 0)
		return clv_diag_set(diag, r, "key '%s': no PKCS#11 URI", label);
	snprintf(rec.token_serial, sizeof(rec.token_serial), "%s", h->tok.serial);
	clv_pubkey_describe(*pub, desc, sizeof(desc));
	snprintf(rec.algorithm, sizeof(rec.algorithm), "%s", desc);
	snprintf(rec.state, sizeof(rec.state), "generated");
	rec.created = clv_clock_now(&h->clock);
	if ((r = clv_pubkey_to_spki(*pub, 0, &spki)) != 0)
		return r;
	clv_sha256(spki.data, spki.len, rec.spki_sha256);
	clv_buf_free(&spki);
	rec.rehearsal = h->rehearsal;
	snprintf(detail, sizeof(detail), "%s: %s, made on token %s", what, desc, h->tok.label);
	if ((r = clv_store_begin(h->store)) != 0)
		return r;
	if ((r = clv_store_key_add(h->store, &rec, NULL)) != 0 ||
	    (r = host_audit(h, CLV_EV_KEY_GENERATED, rec.uri, rec.spki_sha256, detail)) != 0 ||
	    (r = clv_store_commit(h->store)) != 0) {
		clv_store_rollback(h->store);
		return clv_diag_set(diag, r, "%s: cannot record key '%s'", h->store_path, label);
	}
	return 0;
}

/* conclave pin: a producer this store accepts bundles from. */
int
cmd_pin(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "producer", required_argument, NULL, 'p' },
		{ "key", required_argument, NULL, 'k' },
		{ "rehearsal", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *producer = NULL, *keyfile = NULL;
	clv_pubkey_t *key = NULL;
	clv_buf_t spki = { NULL, 0 };
	unsigned char sha[32];
	char hex[100], detail[512];
	clv_diag_t diag;
	host_t h;
	int c, r = 1;

	memset(&h, 0, sizeof(h));
	memset(&diag, 0, sizeof(diag));
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:p:k:R", longopts, NULL)) != -1) {
		switch (c) {
		case 's': h.store_path = optarg; break;
		case 'p': producer = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'R': h.rehearsal = 1; break;
		default: return 2;
		}
	}
	if (optind != argc || h.store_path == NULL || producer == NULL || keyfile == NULL) {
		fprintf(stderr, "conclave pin: expected --store FILE --producer ID --key PEM\n");
		return 2;
	}
	if (host_open(&h, 1, 0, &diag) != 0 || read_pubkey(keyfile, &key, &diag) != 0 ||
	    clv_pubkey_to_spki(key, 0, &spki) != 0)
		goto out;
	clv_sha256(spki.data, spki.len, sha);
	clv_hex_colon(sha, 32, hex);
	snprintf(detail, sizeof(detail), "producer %s pinned: key SHA-256 %s (from %s)", producer,
	    hex, keyfile);
	if (clv_store_begin(h.store) != 0)
		goto out;
	if (clv_bundle_pin(h.store, producer, key, clv_clock_now(&h.clock), h.rehearsal,
	    &diag) != 0 || host_audit(&h, CLV_EV_PRODUCER_PINNED, NULL, sha, detail) != 0 ||
	    clv_store_commit(h.store) != 0) {
		clv_store_rollback(h.store);
		goto out;
	}
	printf("%s\n", detail);
	r = 0;
out:
	if (r != 0)
		fprintf(stderr, "conclave pin: %s\n", diag.msg[0] ? diag.msg : "failed");
	clv_buf_free(&spki);
	clv_pubkey_free(key);
	host_close(&h);
	return r;
}

static int
host_init(host_t *h, const char *producer, const char *producer_key, clv_diag_t *diag)
{
	clv_keyspec_t spec = { CLV_KEY_EC, CLV_CURVE_P256, 0 };
	clv_pubkey_t *pub = NULL, *ck = NULL;
	clv_buf_t spki = { NULL, 0 }, pem = { NULL, 0 };
	unsigned char sha[32];
	char hex[100], detail[512];
	int r;

	if ((r = read_pubkey(producer_key, &ck, diag)) != 0)
		return r;
	if ((r = host_new_key(h, h->bundle_label, &spec, "bundle-signing key", &pub, diag)) != 0)
		goto out;
	if ((r = clv_store_key_set_state(h->store, h->bundle_label, "active")) != 0)
		goto out;
	if ((r = clv_pubkey_to_spki(ck, 0, &spki)) != 0)
		goto out;
	clv_sha256(spki.data, spki.len, sha);
	clv_hex_colon(sha, 32, hex);
	snprintf(detail, sizeof(detail), "producer %s pinned: key SHA-256 %s", producer, hex);
	if ((r = clv_store_begin(h->store)) != 0)
		goto out;
	if ((r = clv_bundle_pin(h->store, producer, ck, clv_clock_now(&h->clock), h->rehearsal,
	    diag)) != 0 || (r = host_audit(h, CLV_EV_PRODUCER_PINNED, NULL, sha, detail)) != 0 ||
	    (r = clv_store_commit(h->store)) != 0) {
		clv_store_rollback(h->store);
		goto out;
	}
	clv_buf_free(&spki);
	if ((r = clv_pubkey_to_spki(pub, 0, &spki)) != 0 ||
	    (r = clv_pem_encode("PUBLIC KEY", spki.data, spki.len, &pem)) != 0 ||
	    (r = clv_file_write_new(h->out, pem.data, pem.len, 0644, diag)) != 0)
		goto out;
	clv_sha256(spki.data, spki.len, sha);
	clv_hex_colon(sha, 32, hex);
	printf("host %s: bundle-signing key '%s' made on token %s\n  key SHA-256 %s\n"
	    "  written to %s: pin it at the ceremony (conclave pin --producer %s)\n"
	    "  %s\n", h->producer, h->bundle_label, h->tok.label, hex, h->out, h->producer, detail);
out:
	clv_buf_free(&spki);
	clv_buf_free(&pem);
	clv_pubkey_free(pub);
	clv_pubkey_free(ck);
	return r;
}


/* hsm signing in the shape bundles want */
typedef struct host_signer {
	clv_hsm_t *hsm;
	const char *label;
} host_signer_t;

static int
host_sign(void *ctx, const clv_sigalg_t *alg, const unsigned char *data, size_t len,
    clv_buf_t *sig)
{
	host_signer_t *s = ctx;

	return clv_hsm_sign(s->hsm, s->label, alg, data, len, sig);
}

/* Exports one artifact in a bundle for to, signed with the host's bundle key,
 * and records it; what describes the artifact for the audit trail. */
static int
host_export(host_t *h, const char *to, clv_bundle_purpose_t purpose,
    const clv_bundle_artifact_t *art, const char *what, clv_diag_t *diag)
{
	clv_bundle_header_t hdr;
	clv_bundle_signer_t signer;
	clv_pubkey_t *bkey = NULL;
	host_signer_t hs;
	unsigned char msha[32];
	char hex[65], detail[768];
	uint64_t last = 0;
	int r;

	if ((r = clv_store_bundle_last(h->store, "export", h->producer, to, &last)) != 0)
		return r;
	if ((r = clv_hsm_pubkey(h->hsm, h->bundle_label, &bkey)) != 0)
		return clv_diag_set(diag, r, "token %s has no bundle-signing key '%s': run conclave "
		    "host init first", h->tok.label, h->bundle_label);
	memset(&hdr, 0, sizeof(hdr));
	hdr.producer = h->producer;
	hdr.recipient = to;
	hdr.purpose = purpose;
	hdr.sequence = last + 1;
	hdr.created = clv_clock_now(&h->clock);
	hdr.rehearsal = h->rehearsal;
	memset(&signer, 0, sizeof(signer));
	hs.hsm = h->hsm;
	hs.label = h->bundle_label;
	signer.sign = host_sign;
	signer.ctx = &hs;
	signer.alg.key = CLV_KEY_EC;
	signer.alg.hash = CLV_HASH_SHA256;
	signer.key = bkey;
	if ((r = clv_bundle_export(h->out, &hdr, art, 1, &signer, msha, diag)) != 0)
		goto out;
	clv_hex(msha, 32, hex);
	snprintf(detail, sizeof(detail), "bundle %s for %s (%s), sequence %llu: %s, MANIFEST "
	    "SHA-256 %s", h->out, to, clv_bundle_purpose_name(purpose),
	    (unsigned long long)hdr.sequence, what, hex);
	if ((r = clv_store_begin(h->store)) != 0)
		goto out;
	if ((r = clv_store_bundle_add(h->store, "export", h->producer, to,
	    clv_bundle_purpose_name(purpose), hdr.sequence, msha, hdr.created,
	    h->rehearsal)) != 0 ||
	    (r = host_audit(h, CLV_EV_BUNDLE_EXPORTED, NULL, msha, detail)) != 0 ||
	    (r = clv_store_commit(h->store)) != 0) {
		clv_store_rollback(h->store);
		r = clv_diag_set(diag, r, "%s: cannot record the bundle", h->store_path);
		goto out;
	}
	printf("%s\n", detail);
out:
	clv_pubkey_free(bkey);
	return r;
}

/* A DVCA host: a CV request it holds, in a cv-request bundle for the CVCA. */
static int
host_request_cv(host_t *h, const char *to, const char *file, clv_diag_t *diag)
{
	clv_bundle_artifact_t art;
	clv_buf_t raw = { NULL, 0 };
	clv_cvc_t *c = NULL;
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	char what[256];
	int r;

	if ((r = clv_file_read(file, 1 << 16, &raw, diag)) != 0 ||
	    (r = clv_cvc_parse(raw.data, raw.len, file, &c, diag)) != 0)
		goto out;
	if (c->kind == CLV_CVC_CERT) {
		r = clv_diag_set(diag, CLV_E_FORMAT, "%s: a CV certificate, not a request", file);
		goto out;
	}
	if ((r = clv_cvc_verify(c, &c->key, NULL, diag)) != 0) {
		r = clv_diag_set(diag, r, "%s: its inner signature does not verify with its own "
		    "key", file);
		goto out;
	}
	memset(&art, 0, sizeof(art));
	art.name = base;
	art.type = CLV_ARTIFACT_CV_REQUEST;
	art.data = raw.data;
	art.len = raw.len;
	snprintf(what, sizeof(what), "CV request %s for %s", base, c->chr);
	r = host_export(h, to, CLV_BUNDLE_CV_REQUEST, &art, what, diag);
out:
	clv_cvc_free(c);
	clv_buf_free(&raw);
	return r;
}

static int
host_request(host_t *h, const char *to, const clv_template_t *subj, const char *curve,
    clv_diag_t *diag)
{
	const clv_curve_info_t *ci = clv_curve_by_name(curve);
	clv_keyspec_t spec = { CLV_KEY_EC, CLV_CURVE_NONE, 0 };
	clv_pubkey_t *pub = NULL;
	clv_buf_t name = { NULL, 0 }, info = { NULL, 0 }, sig = { NULL, 0 }, csr = { NULL, 0 };
	clv_csr_t *check = NULL;
	clv_sigalg_t alg;
	clv_bundle_artifact_t art;
	char label[128], aname[160], detail[768];
	int r;

	if (ci == NULL || !ci->generate)
		return clv_diag_set(diag, CLV_E_INVALID_ARG, "--curve '%s': expected P-256, P-384, "
		    "P-521, brainpoolP256r1, brainpoolP384r1 or brainpoolP512r1", curve);
	spec.curve = ci->id;
	if (clv_file_exists(h->out))
		return clv_diag_set(diag, CLV_E_OUTPUT_EXISTS, "%s exists: a bundle is written to a "
		    "new directory; nothing was made", h->out);
	{
		/* DS keys are NAME-ds-1, NAME-ds-2, ...: the next one the store does not know */
		clv_key_record_t rec;
		unsigned k;

		for (k = 1; k <= MAX_DS_KEYS; k++) {
			snprintf(label, sizeof(label), "%s-ds-%u", h->name, k);
			if (clv_store_key_find(h->store, label, &rec) != 0)
				break;
		}
		if (k > MAX_DS_KEYS)
			return clv_diag_set(diag, CLV_E_POLICY, "host %s has made %d DS keys; no more",
			    h->name, MAX_DS_KEYS);
	}
	if ((r = clv_issue_name(subj, 0, &name)) != 0) {
		r = clv_diag_set(diag, r, "the subject name cannot be encoded");
		goto out;
	}
	if ((r = host_new_key(h, label, &spec, "Document Signer key", &pub, diag)) != 0)
		goto out;
	/* PKCS#10 signed by the new key itself: its proof of possession */
	memset(&alg, 0, sizeof(alg));
	alg.key = CLV_KEY_EC;
	alg.hash = ci->field_bytes > 48 ? CLV_HASH_SHA512 : ci->field_bytes > 32 ?
	    CLV_HASH_SHA384 : CLV_HASH_SHA256;
	if ((r = clv_issue_csr_info(&name, pub, 0, &info)) != 0 ||
	    (r = clv_hsm_sign(h->hsm, label, &alg, info.data, info.len, &sig)) != 0 ||
	    (r = clv_issue_csr(&info, &alg, &sig, &csr)) != 0) {
		r = clv_diag_set(diag, r, "cannot make the request for key '%s'", label);
		goto out;
	}
	if ((r = clv_csr_parse(csr.data, csr.len, label, &check, diag)) != 0 ||
	    (r = clv_csr_verify_pop(check)) != 0) {
		r = clv_diag_set(diag, r ? r : CLV_E_INTERNAL, "the request made for '%s' does not "
		    "verify with its own key", label);
		goto out;
	}
	snprintf(aname, sizeof(aname), "%s.csr", label);
	memset(&art, 0, sizeof(art));
	art.name = aname;
	art.type = CLV_ARTIFACT_CSR;
	art.data = csr.data;
	art.len = csr.len;
	snprintf(detail, sizeof(detail), "request %s for %s", aname, check->subject);
	r = host_export(h, to, CLV_BUNDLE_CSR_REQUEST, &art, detail, diag);
out:
	clv_csr_free(check);
	clv_buf_free(&name);
	clv_buf_free(&info);
	clv_buf_free(&sig);
	clv_buf_free(&csr);
	clv_pubkey_free(pub);
	return r;
}

/* Takes back what write_import wrote: the import did not happen. */
static void
remove_import(const char *dir, char names[][160], size_t n)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Writes the certificates and CRLs of the import under a fresh directory. */
static int
write_import(const char *dir, char names[][160], const clv_buf_t *ders, const char **labels,
    size_t n, clv_diag_t *diag)
{
	clv_buf_t pem = { NULL, 0 };
	char path[PATH_MAX];
	size_t i;
	int r;

	if (mkdir(dir, 0755) != 0)
		return clv_diag_set(diag, CLV_E_OUTPUT_EXISTS, "%s: cannot create it (it must not "
		    "exist yet: outputs are never overwritten)", dir);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (labels[i] == NULL)  /* binary, as received (CV certificates) */
			r = clv_file_write_new(path, ders[i].data, ders[i].len, 0644, diag);
		else if ((r = clv_pem_encode(labels[i], ders[i].data, ders[i].len, &pem)) == 0)
			r = clv_file_write_new(path, pem.data, pem.len, 0644, diag);
		if (r != 0) {
			clv_buf_free(&pem);
			remove_import(dir, names, i);
			return r;
		}
		clv_buf_free(&pem);
	}
	return 0;
}

/*
 * All or nothing: the files under a fresh directory, then in one store
 * transaction the keys certified (activated), the bundle seen and the audit
 * record; a failed commit takes the files back.  detail (what was imported)
 * gets the bundle's identity appended.
 */
static int
commit_import(host_t *h, const clv_bundle_t *b, const char *bdir, char names[][160],
    const clv_buf_t *ders, const char **labels, size_t n, char keys[][128], size_t n_keys,
    char *detail, size_t detail_len, clv_diag_t *diag)
{
	size_t i, used = strlen(detail);
	char hex[65];
	int r;

	clv_hex(b->manifest_sha256, 32, hex);
	snprintf(detail + used, used < detail_len ? detail_len - used : 0, "; bundle %s from %s, "
	    "sequence %llu, MANIFEST SHA-256 %s", bdir, b->header.producer,
	    (unsigned long long)b->header.sequence, hex);
	if ((r = write_import(h->out, names, ders, labels, n, diag)) != 0)
		return r;
	if ((r = clv_store_begin(h->store)) != 0)
		return r;
	for (i = 0; i < n_keys && r == 0; i++)
		r = clv_store_key_set_state(h->store, keys[i], "active");
	if (r != 0 || (r = clv_bundle_record_import(h->store, b, h->rehearsal)) != 0 ||
	    (r = host_audit(h, CLV_EV_BUNDLE_IMPORTED, NULL, b->manifest_sha256, detail)) != 0 ||
	    (r = clv_store_commit(h->store)) != 0) {
		clv_store_rollback(h->store);
		remove_import(h->out, names, n);
		return clv_diag_set(diag, r, "%s: cannot record the import; nothing was imported",
		    h->store_path);
	}
	printf("imported: %s\n  written to %s\n", detail, h->out);
	return 0;
}

/*
 * A cv-certificates bundle for a DVCA or SPOC host: every CV certificate
 * verified -- a CVCA certificate by itself or, a link, by the CVCA it names;
 * a DV certificate by the bundle's CVCA certificate whose CHR is its CAR,
 * with that CVCA's domain parameters -- then written as received.
 */
static int
host_import_cv(host_t *h, const clv_bundle_t *b, const char *bdir, clv_diag_t *diag)
{
	clv_cvc_t *c[MAX_HOST_CERTS];
	clv_buf_t ders[MAX_HOST_CERTS];
	const char *labels[MAX_HOST_CERTS];
	char names[MAX_HOST_CERTS][160], detail[2048] = "";
	size_t i, j, n = b->n_artifacts, used = 0;
	clv_diag_t dg;
	int r = 0;

	memset(&dg, 0, sizeof(dg));
	memset(c, 0, sizeof(c));
	memset(ders, 0, sizeof(ders));
	for (i = 0; i < n && r == 0; i++) {
		if (b->artifacts[i].type != CLV_ARTIFACT_CV_CERTIFICATE)
			r = clv_diag_set(diag, CLV_E_POLICY, "%s: %s is a %s; expected CV "
			    "certificates only", bdir, b->artifacts[i].name,
			    clv_artifact_type_name(b->artifacts[i].type));
		else
			r = clv_cvc_parse(b->artifacts[i].data, b->artifacts[i].len,
			    b->artifacts[i].name, &c[i], diag);
	}
	for (i = 0; i < n && r == 0; i++) {
		const clv_cvc_t *issuer = NULL, *domain = NULL;

		for (j = 0; j < n; j++)
			if (c[j]->chat.role == CLV_CVC_ROLE_CVCA && strcmp(c[j]->chr, c[i]->car) == 0)
				issuer = c[j];
		if (clv_cvc_is_self_signed(c[i]))
			issuer = c[i];
		if (issuer == NULL) {
			r = clv_diag_set(diag, CLV_E_POLICY, "%s: %s (CHR %s): its issuer %s is not in "
			    "the bundle", bdir, b->artifacts[i].name, c[i]->chr, c[i]->car);
			break;
		}
		domain = issuer->key.has_domain ? issuer : NULL;
		if ((r = clv_cvc_verify(c[i], &issuer->key, domain ? &domain->key : NULL,
		    &dg)) != 0) {
			r = clv_diag_set(diag, r, "%s: %s (CHR %s) does not verify under %s: %s", bdir,
			    b->artifacts[i].name, c[i]->chr, issuer->chr, dg.msg);
			break;
		}
		snprintf(names[i], sizeof(names[i]), "%s", b->artifacts[i].name);
		labels[i] = NULL;
		(void)clv_buf_set(&ders[i], b->artifacts[i].data, b->artifacts[i].len);
		used += (size_t)snprintf(detail + used, used < sizeof(detail) ? sizeof(detail) - used :
		    0, "%s%s (CAR %s)", used ? "; " : "", c[i]->chr, c[i]->car);
	}
	if (r != 0)
		goto out;
	r = commit_import(h, b, bdir, names, ders, labels, n, NULL, 0, detail, sizeof(detail),
	    diag);
out:
	for (i = 0; i < MAX_HOST_CERTS; i++) {
		clv_cvc_free(c[i]);
		clv_buf_free(&ders[i]);
	}
	return r;
}

static int
host_import(host_t *h, const char *bdir, const char *recipient, clv_bundle_purpose_t purpose,
    clv_diag_t *diag)
{
	clv_bundle_t *b = NULL;
	clv_cert_t *certs[MAX_HOST_CERTS];
	clv_buf_t ders[MAX_HOST_CERTS];
	const char *pem_labels[MAX_HOST_CERTS];
	char names[MAX_HOST_CERTS][160], detail[2048] = "", ours[MAX_HOST_CERTS][128];
	const clv_cert_t *csca = NULL;
	size_t i, j, n = 0, n_ours = 0, used = 0;
	int r;

	memset(certs, 0, sizeof(certs));
	memset(ders, 0, sizeof(ders));
	if ((r = clv_bundle_verify_stored(h->store, bdir, recipient, purpose,
	    !h->rehearsal, NULL, 0, &b, diag)) != 0)
		return r;
	if (purpose == CLV_BUNDLE_CV_CERTIFICATES) {
		r = b->n_artifacts > MAX_HOST_CERTS ? clv_diag_set(diag, CLV_E_POLICY, "%s: more "
		    "than %d artifacts", bdir, MAX_HOST_CERTS) : host_import_cv(h, b, bdir, diag);
		clv_bundle_free(b);
		return r;
	}
	if (b->n_artifacts > MAX_HOST_CERTS) {
		r = clv_diag_set(diag, CLV_E_POLICY, "%s: more than %d artifacts", bdir,
		    MAX_HOST_CERTS);
		goto out;
	}
	/* the CSCA certificate first: the DS certificates must chain to it */
	for (i = 0; i < b->n_artifacts; i++) {
		const clv_bundle_artifact_t *a = &b->artifacts[i];

		if ((r = clv_buf_set(&ders[i], a->data, a->len)) != 0)
			goto out;
		snprintf(names[i], sizeof(names[i]), "%s.pem", a->name);
		if (a->type == CLV_ARTIFACT_CRL) {
			pem_labels[i] = "X509 CRL";
			continue;
		}
		pem_labels[i] = "CERTIFICATE";
		if (a->type != CLV_ARTIFACT_CERTIFICATE) {
			r = clv_diag_set(diag, CLV_E_POLICY, "%s: %s is a %s; a DS host takes "
			    "certificates and CRLs only", bdir, a->name, clv_artifact_type_name(a->type));
			goto out;
		}
		if ((r = clv_cert_parse(a->data, a->len, &certs[i], diag)) != 0)
			goto out;
		if (clv_cert_is_self_signed(certs[i]) && certs[i]->is_ca)
			csca = certs[i];
	}
	n = b->n_artifacts;
	if (csca == NULL) {
		r = clv_diag_set(diag, CLV_E_POLICY, "%s: no self-signed CSCA certificate in the "
		    "bundle to chain the DS certificates to", bdir);
		goto out;
	}
	for (i = 0; i < n; i++) {
		clv_key_record_t rec;
		clv_buf_t spki = { NULL, 0 };
		unsigned char sha[32];

		if (certs[i] == NULL || certs[i] == csca || certs[i]->is_ca ||
		    certs[i]->pubkey == NULL)
			continue;
		if (clv_pubkey_to_spki(certs[i]->pubkey, 0, &spki) != 0)
			continue;
		clv_sha256(spki.data, spki.len, sha);
		clv_buf_free(&spki);
		/* ours: the key is one this host made for a request */
		for (j = 1; j <= MAX_DS_KEYS; j++) {
			char label[128];

			snprintf(label, sizeof(label), "%s-ds-%zu", h->name, j);
			if (clv_store_key_find(h->store, label, &rec) != 0)
				break;
			if (memcmp(rec.spki_sha256, sha, 32) != 0)
				continue;
			if (certs[i]->issuer_der.len != csca->subject_der.len ||
			    memcmp(certs[i]->issuer_der.data, csca->subject_der.data,
			    csca->subject_der.len) != 0 ||
			    clv_cert_verify(certs[i], csca->pubkey) != 0) {
				r = clv_diag_set(diag, CLV_E_SIG_INVALID, "%s: %s certifies key '%s' but "
				    "does not verify under the CSCA %s", bdir, b->artifacts[i].name,
				    label, csca->subject);
				goto out;
			}
			snprintf(ours[n_ours++], sizeof(ours[0]), "%s", label);
			snprintf(names[i], sizeof(names[i]), "%s.pem", label);
			used += (size_t)snprintf(detail + used, used < sizeof(detail) ?
			    sizeof(detail) - used : 0, "%s%s for key %s", used ? "; " : "",
			    certs[i]->subject, label);
			break;
		}
	}
	if (n_ours == 0) {
		r = clv_diag_set(diag, CLV_E_POLICY, "%s: no certificate in the bundle certifies a "
		    "key of host %s; nothing imported", bdir, h->name);
		goto out;
	}
	r = commit_import(h, b, bdir, names, ders, pem_labels, n, ours, n_ours, detail,
	    sizeof(detail), diag);
out:
	for (i = 0; i < MAX_HOST_CERTS; i++) {
		clv_cert_free(certs[i]);
		clv_buf_free(&ders[i]);
	}
	clv_bundle_free(b);
	return r;
}

int
cmd_host(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "module", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "producer", required_argument, NULL, 'P' },
		{ "producer-key", required_argument, NULL, 'K' },
		{ "to", required_argument, NULL, 'T' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "country", required_argument, NULL, 'C' },
		{ "organization", required_argument, NULL, 'O' },
		{ "common-name", required_argument, NULL, 'N' },
		{ "curve", required_argument, NULL, 'c' },
		{ "rehearsal", no_argument, NULL, 'R' },
		{ "cv-request", required_argument, NULL, 'V' },
		{ "purpose", required_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cv_request = NULL, *purpose = "ds-certificates";
	const char *what, *producer = NULL, *producer_key = NULL, *to = NULL;
	const char *recipient = "ds-hosts", *curve = "brainpoolP256r1";
	const char *country = NULL, *org = NULL, *cn = NULL;
	clv_template_t subj;
	clv_diag_t diag;
	host_t h;
	int c, r = 2;

	memset(&h, 0, sizeof(h));
	memset(&diag, 0, sizeof(diag));
	if (argc < 2) {
		fprintf(stderr, "conclave host: expected init, request or import (conclave(1))\n");
		return 2;
	}
	what = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "s:t:p:n:m:o:P:K:T:r:C:O:N:c:RV:U:", longopts, NULL)) != -1) {
		switch (c) {
		case 's': h.store_path = optarg; break;
		case 't': h.token = optarg; break;
		case 'p': h.pin_file = optarg; break;
		case 'n': h.name = optarg; break;
		case 'm': h.module = optarg; break;
		case 'o': h.out = optarg; break;
		case 'P': producer = optarg; break;
		case 'K': producer_key = optarg; break;
		case 'T': to = optarg; break;
		case 'r': recipient = optarg; break;
		case 'C': country = optarg; break;
		case 'O': org = optarg; break;
		case 'N': cn = optarg; break;
		case 'c': curve = optarg; break;
		case 'R': h.rehearsal = 1; break;
		case 'V': cv_request = optarg; break;
		case 'U': purpose = optarg; break;
		default: return 2;
		}
	}
	if (h.store_path == NULL || h.token == NULL || h.pin_file == NULL || h.name == NULL ||
	    h.out == NULL || strspn(h.name, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	    strlen(h.name) || h.name[0] == '\0' || strlen(h.name) > 32) {
		fprintf(stderr, "conclave host %s: expected --store FILE --token SPEC --pin-file "
		    "FILE --name NAME (a-z, 0-9, '-') --out PATH\n", what);
		return 2;
	}
	if (strcmp(what, "init") == 0) {
		if (producer == NULL || producer_key == NULL || optind != argc) {
			fprintf(stderr, "conclave host init: expected --producer ID --producer-key "
			    "PEM (the ceremony's producer name and key)\n");
			return 2;
		}
		if ((r = host_open(&h, 1, 1, &diag)) == 0)
			r = host_init(&h, producer, producer_key, &diag);
	} else if (strcmp(what, "request") == 0 && cv_request != NULL) {
		if (to == NULL || optind != argc) {
			fprintf(stderr, "conclave host request: expected --to ID --cv-request FILE\n");
			return 2;
		}
		if ((r = host_open(&h, 0, 1, &diag)) == 0)
			r = host_request_cv(&h, to, cv_request, &diag);
	} else if (strcmp(what, "request") == 0) {
		if (to == NULL || country == NULL || cn == NULL || optind != argc ||
		    strlen(country) != 2 || strlen(cn) >= sizeof(subj.common_name) ||
		    (org != NULL && strlen(org) >= sizeof(subj.organization))) {
			fprintf(stderr, "conclave host request: expected --to ID --country CC "
			    "--common-name CN [--organization O]\n");
			return 2;
		}
		memset(&subj, 0, sizeof(subj));
		snprintf(subj.country, sizeof(subj.country), "%s", country);
		snprintf(subj.organization, sizeof(subj.organization), "%s", org ? org : "");
		snprintf(subj.common_name, sizeof(subj.common_name), "%s", cn);
		if ((r = host_open(&h, 0, 1, &diag)) == 0)
			r = host_request(&h, to, &subj, curve, &diag);
	} else if (strcmp(what, "import") == 0) {
		if (optind + 1 != argc) {
			fprintf(stderr, "conclave host import: expected the bundle directory\n");
			return 2;
		}
		if (clv_bundle_purpose_by_name(purpose) != CLV_BUNDLE_DS_CERTIFICATES &&
		    clv_bundle_purpose_by_name(purpose) != CLV_BUNDLE_CV_CERTIFICATES) {
			fprintf(stderr, "conclave host import: --purpose: expected ds-certificates or "
			    "cv-certificates, got '%s'\n", purpose);
			return 2;
		}
		if ((r = host_open(&h, 0, 1, &diag)) == 0)
			r = host_import(&h, argv[optind], recipient,
			    clv_bundle_purpose_by_name(purpose), &diag);
	} else {
		fprintf(stderr, "conclave host: unknown command '%s' (init, request, import)\n", what);
		return 2;
	}
	if (r != 0)
		fprintf(stderr, "conclave host %s: %s\n", what, diag.msg[0] ? diag.msg :
		    clv_strerror(r));
	host_close(&h);
	return r == 0 ? 0 : 1;
}
