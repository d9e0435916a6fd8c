/*
 * conclave: the offline ceremony console.
 *
 *   conclave run [--rehearsal] [--resume] --answers FILE --out DIR [--store FILE]
 *                [--token SPEC] [--module PATH] [--templates DIR] SCRIPT
 *   conclave console [--rehearsal] [--resume] [--answers FILE] --out DIR
 *                [--store FILE] [--token SPEC] [--module PATH] [--templates DIR] SCRIPT
 *   conclave audit verify --store FILE
 *   conclave audit show --store FILE
 *   conclave show FILE
 *
 * PINs never come on the command line: production logins read them from the
 * file the answers name (quorum login replaces that in a later release).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "hsm.h"
#include "pubkey.h"
#include "console.h"
#include "engine.h"
#include "store.h"
#include "transcript.h"
#include "bundle.h"
#include "cms.h"
#include "cvc.h"
#include "lint.h"
#include "util.h"
#include "x509.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: conclave run [--rehearsal] [--resume] --answers FILE --out DIR [--store FILE]\n"
	    "                    [--token SPEC] [--module PATH] [--templates DIR] SCRIPT\n"
	    "       conclave console [--rehearsal] [--resume] [--answers FILE] --out DIR\n"
	    "                    [--store FILE] [--token SPEC] [--module PATH] [--templates DIR]\n"
	    "                    SCRIPT\n"
	    "       conclave audit verify --store FILE\n"
	    "       conclave audit show --store FILE\n"
	    "       conclave show FILE [--anchor CSCA]\n"
	    "       conclave cvc print FILE [--issuer CERT] [--cvca CERT]\n"
	    "       conclave transcript verify DIR [--key PEM]\n"
	    "       conclave bundle verify DIR --producer ID --key PEM --recipient ID --purpose P\n"
	    "                              [--last-seen N] [--rehearsal]\n"
	    "       conclave pin --store FILE --producer ID --key PEM [--rehearsal]\n"
	    "       conclave host init --store FILE --token SPEC --pin-file FILE --name NAME\n"
	    "                          --producer ID --producer-key PEM --out PEM\n"
	    "       conclave host request --store FILE --token SPEC --pin-file FILE --name NAME\n"
	    "                          --to ID --country CC --common-name CN [--organization O]\n"
	    "                          [--curve CURVE] [--rehearsal] --out DIR\n"
	    "       conclave host request ... --to ID --cv-request FILE --out DIR\n"
	    "       conclave host import --store FILE --token SPEC --pin-file FILE --name NAME\n"
	    "                          [--recipient ID] [--purpose P] [--rehearsal] --out DIR\n"
	    "                          BUNDLE\n"
	    "       conclave card enroll --token SPEC --key LABEL --pin-file FILE\n"
	    "                            [--module PATH] [--curve CURVE]\n"
	    "       conclave version\n"
	    "See conclave(1).\n");
}

static time_t pinned_time;

/* conclave run (batch, console == 0) and conclave console: the same options
 * and the same engine. */
static int
cmd_run(int argc, char **argv, int console)
{
	static const struct option longopts[] = {
		{ "rehearsal", no_argument, NULL, 'r' },
		{ "answers", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },
		{ "store", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' },
		{ "module", required_argument, NULL, 'm' },
		{ "templates", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "resume", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	clv_engine_opts_t opts;
	clv_engine_ui_t ui;
	clv_clock_t clock;
	clv_diag_t diag;
	batch_t b;
	const char *answers = NULL, *fake, *cmd = console ? "conclave console" : "conclave run";
	int c, r, quiet = 0;

	memset(&opts, 0, sizeof(opts));
	memset(&diag, 0, sizeof(diag));
	opts.templates_dir = CLV_DATADIR "/templates";
	optind = 1;
	while ((c = getopt_long(argc, argv, "ra:o:s:t:m:T:qR", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': opts.rehearsal = 1; break;
		case 'a': answers = optarg; break;
		case 'o': opts.out_dir = optarg; break;
		case 's': opts.store_path = optarg; break;
		case 't': opts.token_spec = optarg; break;
		case 'm': opts.module_path = optarg; break;
		case 'T': opts.templates_dir = optarg; break;
		case 'q':
			if (console) {
				usage(stderr);
				return 2;
			}
			quiet = 1;
			break;
		case 'R': opts.resume = 1; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || (answers == NULL && !console) || opts.out_dir == NULL) {
		fprintf(stderr, "%s: expected %s--out DIR and one SCRIPT\n", cmd,
		    console ? "" : "--answers FILE, ");
		usage(stderr);
		return 2;
	}
	if (opts.rehearsal && (opts.token_spec != NULL || opts.module_path != NULL ||
	    opts.store_path != NULL)) {
		fprintf(stderr, "%s: --rehearsal makes its own throwaway SoftHSM token "
		    "and keeps its records in the output directory; --token, --module and --store "
		    "are for production ceremonies\n", cmd);
		return 2;
	}
	opts.script_path = argv[optind];
	/* Tests pin the clock; only ever for rehearsals, which nobody can mistake
	 * for production. */
	if ((fake = getenv("CONCLAVE_REHEARSAL_TIME")) != NULL) {
		if (!opts.rehearsal) {
			fprintf(stderr, "%s: CONCLAVE_REHEARSAL_TIME is honoured only "
			    "with --rehearsal\n", cmd);
			return 2;
		}
		if (clv_time_parse(fake, &pinned_time) != 0) {
			fprintf(stderr, "%s: CONCLAVE_REHEARSAL_TIME '%s': expected "
			    "YYYY-MM-DDTHH:MM:SSZ\n", cmd, fake);
			return 2;
		}
		clv_clock_fixed(&clock, &pinned_time);
		opts.clock = &clock;
	}
	memset(&b, 0, sizeof(b));
	if (answers != NULL) {
		if ((r = batch_load(&b, answers, &diag)) != 0) {
			fprintf(stderr, "conclave: %s\n", diag.msg[0] ? diag.msg : clv_strerror(r));
			return 1;
		}
		/* the console prints nothing on the screen it draws */
		b.quiet = quiet || console;
		b.rehearsal = opts.rehearsal;
		if ((r = batch_check(&b, opts.script_path, &diag)) != 0) {
			fprintf(stderr, "conclave: %s\n", diag.msg[0] ? diag.msg : clv_strerror(r));
			batch_free(&b);
			return 1;
		}
	}
	if (console) {
		r = tui_run(&opts, answers != NULL ? &b : NULL, &diag);
	} else {
		batch_ui(&ui);
		r = clv_engine_run(&opts, &ui, &b, &diag);
	}
	if (answers != NULL)
		batch_free(&b);
	if (console && r == CLV_E_USAGE) {
		fprintf(stderr, "%s: %s\n", cmd, diag.msg[0] ? diag.msg : clv_strerror(r));
		return 2;
	}
	if (r != 0) {
		fprintf(stderr, "conclave: ceremony stopped: %s\n",
		    diag.msg[0] ? diag.msg : clv_strerror(r));
		return 1;
	}
	printf("%sceremony complete; outputs in %s\n", opts.rehearsal ? "REHEARSAL " : "",
	    opts.out_dir);
	return 0;
}

static int
cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *store_path = NULL, *what;
	clv_store_t *s = NULL;
	clv_diag_t diag;
	int64_t count = 0, bad = 0, seq = 0;
	unsigned char head[32];
	char hex[65];
	int c, r;

	memset(&diag, 0, sizeof(diag));
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	what = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "s:", longopts, NULL)) != -1) {
		if (c == 's')
			store_path = optarg;
		else {
			usage(stderr);
			return 2;
		}
	}
	if (store_path == NULL || optind != argc ||
	    (strcmp(what, "verify") != 0 && strcmp(what, "show") != 0)) {
		usage(stderr);
		return 2;
	}
	if ((r = clv_store_open(store_path, 0, &s, &diag)) != 0) {
		fprintf(stderr, "conclave: %s\n", diag.msg[0] ? diag.msg : clv_strerror(r));
		return 1;
	}
	if (strcmp(what, "show") == 0) {
		r = clv_audit_dump(s, stdout);
		clv_store_close(s);
		return r == 0 ? 0 : 1;
	}
	r = clv_audit_verify(s, &count, &bad, &diag);
	if (r == 0 && clv_audit_head(s, &seq, head) == 0) {
		clv_hex(head, 32, hex);
		printf("audit trail of %s: %lld records, chain intact\nhead: record %lld, "
		    "SHA-256 %s\n", store_path, (long long)count, (long long)seq, hex);
	} else if (r == CLV_E_AUDIT_CHAIN) {
		printf("audit trail of %s: BROKEN at record %lld\n%s\n", store_path,
		    (long long)bad, diag.msg);
	} else {
		fprintf(stderr, "conclave: %s\n", diag.msg[0] ? diag.msg : clv_strerror(r));
	}
	clv_store_close(s);
	return r == 0 ? 0 : 1;
}

/* conclave card enroll: an officer's card gets the EC key their shares are
 * sealed to (cards that generate keys on-card; SoftHSM stands in for tests). */
static int
cmd_card(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "token", required_argument, NULL, 't' },
		{ "key", required_argument, NULL, 'k' },
		{ "module", required_argument, NULL, 'm' },
		{ "curve", required_argument, NULL, 'c' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *token = NULL, *key = NULL, *module = NULL, *curve = "P-256", *pin_file = NULL;
	const clv_curve_info_t *ci;
	clv_secret_t *pin = NULL;
	clv_pubkey_t *pub = NULL;
	clv_hsm_t *h = NULL;
	clv_diag_t diag;
	char id[512], desc[64];
	unsigned char kid[20];
	char hex[64];
	int c, r = 1;

	memset(&diag, 0, sizeof(diag));
	if (argc < 2 || strcmp(argv[1], "enroll") != 0) {
		usage(stderr);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "t:k:m:c:p:", longopts, NULL)) != -1) {
		switch (c) {
		case 't': token = optarg; break;
		case 'k': key = optarg; break;
		case 'm': module = optarg; break;
		case 'c': curve = optarg; break;
		case 'p': pin_file = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || token == NULL || key == NULL || pin_file == NULL) {
		fprintf(stderr, "conclave card enroll: expected --token SPEC --key LABEL "
		    "--pin-file FILE\n");
		return 2;
	}
	if ((ci = clv_curve_by_name(curve)) == NULL || !ci->generate) {
		fprintf(stderr, "conclave card enroll: --curve '%s': expected P-256, P-384, P-521, "
		    "brainpoolP256r1, brainpoolP384r1 or brainpoolP512r1\n", curve);
		return 2;
	}
	if (clv_secret_read_file(pin_file, &pin, &diag) != 0 ||
	    clv_hsm_open(module, &h, &diag) != 0 ||
	    clv_hsm_select(h, token, &diag) != 0)
		goto out;
	if ((r = clv_hsm_login(h, pin)) != 0) {
		snprintf(diag.msg, sizeof(diag.msg), "card '%s': login refused: %s", token,
		    clv_strerror(r));
		goto out;
	}
	if (clv_hsm_generate_ecdh(h, key, ci->id, &pub, &diag) != 0 ||
	    clv_hsm_card_identity(h, key, id, sizeof(id)) != 0 ||
	    clv_pubkey_key_id(pub, kid) != 0)
		goto out;
	clv_pubkey_describe(pub, desc, sizeof(desc));
	clv_hex_colon(kid, sizeof(kid), hex);
	printf("card enrolled: %s\n  key: %s, derive only, sensitive, never leaves the card\n"
	    "  key id: %s\n", id, desc, hex);
	r = 0;
out:
	if (r != 0)
		fprintf(stderr, "conclave: %s\n", diag.msg[0] ? diag.msg : "card enrolment failed");
	clv_pubkey_free(pub);
	clv_secret_free(pin);
	clv_hsm_close(h);
	return r == 0 ? 0 : 1;
}

/* conclave transcript verify DIR [--key PEM]: offline, names the first problem. */
static int
cmd_transcript(int argc, char **argv)
{
	clv_transcript_report_t rep;
	clv_pubkey_t *key = NULL;
	clv_buf_t raw = { NULL, 0 }, der = { NULL, 0 };
	clv_diag_t diag;
	char hex[65];
	const char *dir, *keyfile = NULL;
	int r;

	memset(&diag, 0, sizeof(diag));
	if (argc == 5 && strcmp(argv[3], "--key") == 0)
		keyfile = argv[4];
	else if (argc != 3) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "verify") != 0) {
		usage(stderr);
		return 2;
	}
	dir = argv[2];
	if (keyfile != NULL && (clv_file_read(keyfile, 1 << 16, &raw, &diag) != 0 ||
	    clv_pem_or_der(raw.data, raw.len, "PUBLIC KEY", &der) != 0 ||
	    clv_pubkey_from_spki(der.data, der.len, &key, &diag) != 0)) {
		fprintf(stderr, "conclave: --key %s: %s\n", keyfile,
		    diag.msg[0] ? diag.msg : "not a public key (PEM or DER SubjectPublicKeyInfo)");
		r = 1;
		goto out;
	}
	r = clv_transcript_verify(dir, key, &rep, &diag);
	if (r == 0) {
		clv_hex(rep.head, 32, hex);
		printf("transcript of %s: %llu records, chain intact, %u outputs match, closed and "
		    "signed\nhead SHA-256 %s\nceremony key SHA-256 %s%s\n", dir,
		    (unsigned long long)rep.records, rep.outputs_checked, hex, rep.key_fingerprint,
		    keyfile ? " (the key given)" : " (compare with the token's, shown at its "
		    "initialisation)");
	} else {
		printf("transcript of %s: FAILED\n%s\n", dir, diag.msg);
	}
out:
	clv_pubkey_free(key);
	clv_buf_free(&raw);
	clv_buf_free(&der);
	return r == 0 ? 0 : 1;
}

/* conclave bundle verify DIR --producer ID --key PEM --recipient ID --purpose P
 *                        [--last-seen N] [--rehearsal] */
static int
cmd_bundle(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "producer", required_argument, NULL, 'p' },
		{ "key", required_argument, NULL, 'k' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "purpose", required_argument, NULL, 'u' },
		{ "last-seen", required_argument, NULL, 'l' },
		{ "rehearsal", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *producer = NULL, *keyfile = NULL, *recipient = NULL, *purpose = NULL;
	clv_buf_t raw = { NULL, 0 }, der = { NULL, 0 };
	clv_pubkey_t *key = NULL;
	clv_bundle_pin_t pin;
	clv_bundle_expect_t ex;
	clv_bundle_t *b = NULL;
	clv_diag_t diag;
	unsigned long long last = 0;
	char hex[65];
	size_t i;
	int c, r = 1, rehearsal = 0;

	memset(&diag, 0, sizeof(diag));
	if (argc < 3 || strcmp(argv[1], "verify") != 0) {
		usage(stderr);
		return 2;
	}
	optind = 3;
	while ((c = getopt_long(argc, argv, "p:k:r:u:l:R", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': producer = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'r': recipient = optarg; break;
		case 'u': purpose = optarg; break;
		case 'l': last = strtoull(optarg, NULL, 10); break;
		case 'R': rehearsal = 1; break;
		default: usage(stderr); return 2;
		}
	}
	if (producer == NULL || keyfile == NULL || recipient == NULL || purpose == NULL ||
	    clv_bundle_purpose_by_name(purpose) == 0) {
		fprintf(stderr, "conclave bundle verify: expected --producer ID --key PEM "
		    "--recipient ID --purpose (ds-certificates|pkd-publication|csr-request|"
		    "cv-request|cv-certificates)\n");
		return 2;
	}
	if (clv_file_read(keyfile, 1 << 16, &raw, &diag) != 0 ||
	    clv_pem_or_der(raw.data, raw.len, "PUBLIC KEY", &der) != 0 ||
	    clv_pubkey_from_spki(der.data, der.len, &key, &diag) != 0) {
		fprintf(stderr, "conclave: --key %s: %s\n", keyfile,
		    diag.msg[0] ? diag.msg : "not a public key");
		goto out;
	}
	pin.producer = producer;
	pin.key = key;
	memset(&ex, 0, sizeof(ex));
	ex.recipient = recipient;
	ex.purpose = clv_bundle_purpose_by_name(purpose);
	ex.production = !rehearsal;
	ex.pins = &pin;
	ex.n_pins = 1;
	ex.last_seen = last;
	if (clv_bundle_verify(argv[2], &ex, &b, &diag) != 0) {
		printf("bundle %s: REFUSED\n%s\n", argv[2], diag.msg);
		goto out;
	}
	clv_hex(b->manifest_sha256, 32, hex);
	printf("bundle %s: verified: from %s to %s, %s, sequence %llu%s, MANIFEST SHA-256 %s\n",
	    argv[2], b->header.producer, b->header.recipient,
	    clv_bundle_purpose_name(b->header.purpose), (unsigned long long)b->header.sequence,
	    b->header.rehearsal ? ", REHEARSAL" : "", hex);
	for (i = 0; i < b->n_artifacts; i++) {
		clv_hex(b->artifacts[i].sha256, 32, hex);
		printf("  %s  %s (%s, %zu bytes)\n", hex, b->artifacts[i].name,
		    clv_artifact_type_name(b->artifacts[i].type), b->artifacts[i].len);
	}
	r = 0;
out:
	clv_bundle_free(b);
	clv_pubkey_free(key);
	clv_buf_free(&raw);
	clv_buf_free(&der);
	return r;
}

/*
 * conclave show for a Master List or a Deviation List: the signature checked
 * under the embedded signer certificate and, with an anchor (the CSCA
 * certificate), the signer certificate under it; then the contents.
 */
static int
show_list(const char *path, const clv_buf_t *der, const char *anchor_file)
{
	clv_buf_t raw = { NULL, 0 }, anchor = { NULL, 0 }, *certs = NULL;
	clv_cms_verify_opts_t vo;
	clv_cms_t *cms = NULL;
	clv_cert_t *c = NULL;
	clv_dl_t *dl = NULL;
	clv_diag_t diag;
	char when[21], quirks[256], hex[128];
	unsigned char sha[32];
	size_t n = 0, i;
	int r, is_ml;

	memset(&diag, 0, sizeof(diag));
	memset(&vo, 0, sizeof(vo));
	if (anchor_file != NULL) {
		if ((r = clv_file_read(anchor_file, 1 << 20, &raw, &diag)) != 0 ||
		    (r = clv_pem_or_der(raw.data, raw.len, "CERTIFICATE", &anchor)) != 0) {
			fprintf(stderr, "conclave: --anchor %s: %s\n", anchor_file,
			    diag.msg[0] ? diag.msg : "not a certificate (DER or PEM)");
			goto out;
		}
		vo.anchors = &anchor;
		vo.n_anchors = 1;
	} else
		vo.flags = CLV_CMS_VERIFY_UNANCHORED;
	r = clv_cms_verify(der->data, der->len, path, &vo, &cms, &diag);
	if (r != 0) {
		printf("list %s: DOES NOT VERIFY\n  %s\n", path, diag.msg);
		goto out;
	}
	is_ml = strcmp(cms->econtent_type, CLV_OID_ICAO_MASTER_LIST) == 0;
	clv_sha256(der->data, der->len, sha);
	clv_hex_colon(sha, 32, hex);
	clv_time_format(cms->signing_time, when);
	clv_cms_quirks_describe(cms->quirks, quirks, sizeof(quirks));
	if (clv_cert_parse(cms->signer_cert.data, cms->signer_cert.len, &c, &diag) != 0)
		c = NULL;
	printf("%s %s\n  eContentType: %s\n  signer: %s\n  signingTime: %s\n"
	    "  signature: verified under the signer certificate%s\n  departures: %s\n"
	    "  SHA-256: %s\n", is_ml ? "CSCA Master List" : strcmp(cms->econtent_type,
	    CLV_OID_ICAO_DEVIATION_LIST) == 0 ? "Deviation List" : "CMS SignedData", path,
	    cms->econtent_type, c ? c->subject : "?", cms->has_signing_time ? when : "absent",
	    anchor_file ? (cms->anchored ? ", which the anchor issued" : "") :
	    " (no anchor given: not trusted yet)", quirks, hex);
	if (is_ml && clv_cms_ml_parse(cms->econtent.data, cms->econtent.len, path, &certs, &n,
	    &diag) == 0) {
		printf("  certificates: %zu\n", n);
		for (i = 0; i < n; i++) {
			clv_cert_t *e = NULL;

			if (clv_cert_parse(certs[i].data, certs[i].len, &e, NULL) == 0)
				printf("    %s%s\n", e->subject, clv_cert_is_link(e) ? " (link)" : "");
			else
				printf("    (certificate %zu unreadable)\n", i + 1);
			clv_cert_free(e);
		}
	} else if (!is_ml && clv_cms_dl_parse(cms->econtent.data, cms->econtent.len, path, &dl,
	    &diag) == 0) {
		printf("  deviations: %zu\n", dl->n_deviations);
		for (i = 0; i < dl->n_deviations; i++)
			printf("    %s%s%s\n", dl->deviations[i].descriptions[0].deviation_type,
			    dl->deviations[i].descriptions[0].description ? ": " : "",
			    dl->deviations[i].descriptions[0].description ?
			    dl->deviations[i].descriptions[0].description : "");
	} else if (diag.msg[0]) {
		printf("  content: %s\n", diag.msg);
		r = CLV_E_FORMAT;
	}
out:
	clv_cms_certs_free(certs, n);
	clv_cms_dl_free(dl);
	clv_cert_free(c);
	clv_cms_free(cms);
	clv_buf_free(&raw);
	clv_buf_free(&anchor);
	return r == 0 ? 0 : 1;
}

/* Reads a CV object (certificate or request) from a file. */
static int
cvc_load(const char *path, clv_cvc_t **out)
{
	clv_buf_t raw = { NULL, 0 };
	clv_diag_t diag;
	int r;

	memset(&diag, 0, sizeof(diag));
	if ((r = clv_file_read(path, 1 << 20, &raw, &diag)) == 0)
		r = clv_cvc_parse(raw.data, raw.len, path, out, &diag);
	clv_buf_free(&raw);
	if (r != 0)
		fprintf(stderr, "conclave: %s\n", diag.msg);
	return r;
}

/*
 * conclave cvc print FILE [--issuer CERT] [--cvca CERT]: prints a CV
 * certificate or request; checks a request's inner signature with its own
 * key, and with --issuer the certificate's signature (or an authenticated
 * request's outer one) and the issuance lints; --cvca gives the domain
 * parameters when the issuer's key has none (a DV signing a terminal).
 */
static int
cmd_cvc(int argc, char **argv)
{
	clv_cvc_t *c = NULL, *issuer = NULL, *cvca = NULL;
	const char *issuer_file = NULL, *cvca_file = NULL;
	const clv_cvc_key_t *domain;
	clv_lint_result_t lr;
	clv_diag_t diag;
	char text[4096];
	int i, r = 1, bad = 0;

	memset(&diag, 0, sizeof(diag));
	if (argc < 3 || strcmp(argv[1], "print") != 0) {
		usage(stderr);
		return 2;
	}
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--issuer") == 0 && i + 1 < argc)
			issuer_file = argv[++i];
		else if (strcmp(argv[i], "--cvca") == 0 && i + 1 < argc)
			cvca_file = argv[++i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (cvc_load(argv[2], &c) != 0 ||
	    (issuer_file != NULL && cvc_load(issuer_file, &issuer) != 0) ||
	    (cvca_file != NULL && cvc_load(cvca_file, &cvca) != 0))
		goto out;
	clv_cvc_print(stdout, c);
	domain = cvca != NULL ? &cvca->key : issuer != NULL ? &issuer->key : NULL;
	if (c->kind != CLV_CVC_CERT) {
		if (clv_cvc_verify(c, &c->key, NULL, &diag) == 0)
			printf("inner signature (proof of possession): verified\n");
		else {
			printf("inner signature: DOES NOT VERIFY: %s\n", diag.msg);
			bad = 1;
		}
	}
	if (issuer != NULL && c->kind == CLV_CVC_AUTH_REQUEST) {
		if (clv_cvc_verify_outer(c, &issuer->key, domain, &diag) == 0)
			printf("outer signature: verified with %s\n", issuer->chr);
		else {
			printf("outer signature: DOES NOT VERIFY: %s\n", diag.msg);
			bad = 1;
		}
	} else if (issuer != NULL && c->kind == CLV_CVC_CERT) {
		if (clv_cvc_verify(c, &issuer->key, domain, &diag) == 0)
			printf("signature: verified with %s\n", issuer->chr);
		else {
			printf("signature: DOES NOT VERIFY: %s\n", diag.msg);
			bad = 1;
		}
		if (clv_cvc_lint_issued(issuer, c, &lr) == 0)
			printf("issuance lints: clean\n");
		else {
			clv_lint_format(&lr, text, sizeof(text));
			printf("issuance lints: %s\n", text);
			bad = 1;
		}
	} else if (c->kind == CLV_CVC_CERT && clv_cvc_is_self_signed(c)) {
		if (clv_cvc_verify(c, &c->key, NULL, &diag) == 0)
			printf("self-signature: verified\n");
		else {
			printf("self-signature: DOES NOT VERIFY: %s\n", diag.msg);
			bad = 1;
		}
	}
	r = bad;
out:
	clv_cvc_free(c);
	clv_cvc_free(issuer);
	clv_cvc_free(cvca);
	return r;
}

static int
cmd_show(int argc, char **argv)
{
	clv_buf_t raw = { NULL, 0 }, der = { NULL, 0 };
	clv_cert_t *cert = NULL;
	clv_crl_t *crl = NULL;
	clv_diag_t diag, d2;
	char nb[21], na[21], alg[64], key[64], hex[128];
	unsigned char sha[32];
	int r;

	memset(&diag, 0, sizeof(diag));
	memset(&d2, 0, sizeof(d2));
	if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--anchor") == 0)) {
		usage(stderr);
		return 2;
	}
	if ((r = clv_file_read(argv[1], 64 << 20, &raw, &diag)) != 0) {
		fprintf(stderr, "conclave: %s\n", diag.msg);
		return 1;
	}
	if (clv_pem_or_der(raw.data, raw.len, "CMS", &der) == 0) {
		clv_cms_t *probe = NULL;

		/* a SignedData: a Master List or a Deviation List */
		if (clv_cms_parse(der.data, der.len, argv[1], &probe, NULL) == 0) {
			clv_cms_free(probe);
			r = show_list(argv[1], &der, argc == 4 ? argv[3] : NULL);
			clv_buf_free(&raw);
			clv_buf_free(&der);
			return r;
		}
		clv_buf_free(&der);
	}
	if (clv_pem_or_der(raw.data, raw.len, "CERTIFICATE", &der) != 0 &&
	    clv_pem_or_der(raw.data, raw.len, "X509 CRL", &der) != 0) {
		fprintf(stderr, "conclave: %s: neither DER nor PEM (CERTIFICATE, X509 CRL)\n",
		    argv[1]);
		clv_buf_free(&raw);
		return 1;
	}
	clv_sha256(der.data, der.len, sha);
	clv_hex_colon(sha, 32, hex);
	if (clv_cert_parse(der.data, der.len, &cert, &diag) == 0) {
		clv_time_format(cert->not_before, nb);
		clv_time_format(cert->not_after, na);
		clv_sigalg_describe(&cert->sigalg, alg, sizeof(alg));
		if (cert->pubkey)
			clv_pubkey_describe(cert->pubkey, key, sizeof(key));
		else
			snprintf(key, sizeof(key), "unsupported");
		printf("certificate %s\n  subject: %s\n  issuer:  %s\n  valid:   %s to %s\n"
		    "  key:     %s%s\n  signature: %s\n  link certificate: %s\n  SHA-256: %s\n",
		    argv[1], cert->subject, cert->issuer, nb, na, key,
		    cert->pubkey && cert->pubkey->explicit_params ? " (explicit parameters)" : "",
		    cert->sigalg_known ? alg : "unknown",
		    clv_cert_is_link(cert) ? "yes" : "no", hex);
		if (clv_cert_is_self_signed(cert) && cert->pubkey != NULL)
			printf("  self-signature: %s\n", clv_cert_verify(cert, cert->pubkey) == 0 ?
			    "verified" : "DOES NOT VERIFY");
		r = 0;
	} else if (clv_crl_parse(der.data, der.len, &crl, &d2) == 0) {
		clv_time_format(crl->this_update, nb);
		clv_time_format(crl->next_update, na);
		printf("CRL %s\n  issuer: %s\n  thisUpdate: %s\n  nextUpdate: %s\n"
		    "  revoked: %zu\n  SHA-256: %s\n", argv[1], crl->issuer, nb,
		    crl->next_update ? na : "absent", crl->n_revoked, hex);
		r = 0;
	} else {
		fprintf(stderr, "conclave: %s: not a certificate (%s) nor a CRL (%s)\n", argv[1],
		    diag.msg, d2.msg);
		r = 1;
	}
	clv_cert_free(cert);
	clv_crl_free(crl);
	clv_buf_free(&raw);
	clv_buf_free(&der);
	return r;
}

int
main(int argc, char **argv)
{
	if (clv_harden_process() != 0)
		fprintf(stderr, "conclave: warning: cannot disable core dumps\n");
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1, 0);
	if (strcmp(argv[1], "console") == 0)
		return cmd_run(argc - 1, argv + 1, 1);
	if (strcmp(argv[1], "audit") == 0)
		return cmd_audit(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return cmd_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "card") == 0)
		return cmd_card(argc - 1, argv + 1);
	if (strcmp(argv[1], "transcript") == 0)
		return cmd_transcript(argc - 1, argv + 1);
	if (strcmp(argv[1], "bundle") == 0)
		return cmd_bundle(argc - 1, argv + 1);
	if (strcmp(argv[1], "cvc") == 0)
		return cmd_cvc(argc - 1, argv + 1);
	if (strcmp(argv[1], "pin") == 0)
		return cmd_pin(argc - 1, argv + 1);
	if (strcmp(argv[1], "host") == 0)
		return cmd_host(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("conclave %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "conclave: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
