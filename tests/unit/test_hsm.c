/*
 * Unit tests: hsm.  Every test makes its own SoftHSMv2 token store in a
 * mkdtemp directory, points SOFTHSM2_CONF at it before loading the module
 * (SoftHSM reads it at C_Initialize) and removes it afterwards.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gcrypt.h>
#include <p11-kit/uri.h>

#include "hsm.h"
#include "unit.h"
#include "verify.h"

#define SO_PIN   "so-pin-31415"
#define USER_PIN "user-pin-27182"

#define CLV_UNIT_STORE_NAME "hsm"
#include "softhsm.h"

static clv_secret_t *
secret(const char *text)
{
	clv_secret_t *s = NULL;
	size_t len = strlen(text);

	CU_ASSERT_FATAL(clv_secret_new(len + 1, &s) == 0);
	CU_ASSERT_FATAL(s != NULL && s->cap >= len);
	memcpy(s->p, text, len);
	s->len = len;
	return s;
}

/* Opens the module and initialises a token labelled label (selected, not
 * logged in). */
static clv_hsm_t *
token_init(const char *label)
{
	clv_secret_t *so = secret(SO_PIN), *user = secret(USER_PIN);
	clv_hsm_t *h = NULL;
	clv_diag_t d = { "" };

	CU_ASSERT_FATAL(clv_hsm_open(module_path(), &h, &d) == 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_init_token(h, label, so, user, &d), 0);
	clv_secret_free(so);
	clv_secret_free(user);
	return h;
}

static void
login(clv_hsm_t *h)
{
	clv_secret_t *pin = secret(USER_PIN);

	CU_ASSERT_EQUAL_FATAL(clv_hsm_login(h, pin), 0);
	clv_secret_free(pin);
}

/* A fresh store with one token, logged in. */
static clv_hsm_t *
token_new(const char *label)
{
	clv_hsm_t *h;

	store_new();
	h = token_init(label);
	login(h);
	return h;
}

static void
token_done(clv_hsm_t *h)
{
	clv_hsm_close(h);
	store_remove();
}

/* Debug log captured to check what is (and is not) logged. */
static char logbuf[16384];

static void
log_capture(int level, const char *func, int line, const char *msg, void *ctx)
{
	size_t used = strlen(logbuf);

	snprintf(logbuf + used, sizeof(logbuf) - used, "%s:%d: %s\n", func, line, msg);
}

static void
log_quiet(int level, const char *func, int line, const char *msg, void *ctx)
{
}

static const unsigned char tbs[] = "to be signed: a CSCA certificate's TBSCertificate";

/* Signs tbs with label and checks the signature with clv_verify, and that a
 * changed message does not verify. */
static void
sign_and_verify(clv_hsm_t *h, const char *label, const clv_pubkey_t *pub,
    const clv_sigalg_t *alg)
{
	clv_buf_t sig = { NULL, 0 };
	unsigned char other[sizeof(tbs)];

	clv_sigalg_t v = *alg;

	/* salt_len 0 asks for the default, the hash length: the verifier is
	 * told that length explicitly, so the default is what is checked */
	if (v.pss && v.salt_len == 0)
		v.salt_len = (unsigned)clv_hash_len(v.hash);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_sign(h, label, alg, tbs, sizeof(tbs), &sig), 0);
	CU_ASSERT(sig.len > 0);
	CU_ASSERT_EQUAL(clv_verify(pub, &v, tbs, sizeof(tbs), sig.data, sig.len), 0);
	memcpy(other, tbs, sizeof(tbs));
	other[0] ^= 1;
	CU_ASSERT_EQUAL(clv_verify(pub, &v, other, sizeof(other), sig.data, sig.len),
	    CLV_E_SIG_INVALID);
	clv_buf_free(&sig);
}

/* Generated private key: sensitive, non-extractable, CKA_ID = key id;
 * public key read back by label equals the generated one. */
static void
check_generated(clv_hsm_t *h, const char *label, const clv_pubkey_t *pub)
{
	clv_hsm_key_attrs_t ka;
	clv_pubkey_t *back = NULL;
	unsigned char kid[20];
	int exists = 0;

	CU_ASSERT_EQUAL_FATAL(clv_hsm_key_attrs(h, label, &ka), 0);
	CU_ASSERT_EQUAL(ka.sensitive, 1);
	CU_ASSERT_EQUAL(ka.extractable, 0);
	CU_ASSERT_EQUAL(ka.always_sensitive, 1);
	CU_ASSERT_EQUAL(ka.never_extractable, 1);
	CU_ASSERT_EQUAL(ka.sign, 1);
	CU_ASSERT_EQUAL(ka.derive, 0);
	/* a CA key signs and nothing else */
	CU_ASSERT_EQUAL(ka.decrypt, 0);
	CU_ASSERT_EQUAL(ka.unwrap, 0);
	CU_ASSERT_EQUAL(ka.sign_recover, 0);
	CU_ASSERT_EQUAL(ka.token, 1);
	CU_ASSERT_EQUAL(ka.is_private, 1);
	CU_ASSERT_EQUAL_FATAL(clv_pubkey_key_id(pub, kid), 0);
	CU_ASSERT_EQUAL(ka.id_len, 20);
	CU_ASSERT(memcmp(ka.id, kid, 20) == 0);

	CU_ASSERT_EQUAL_FATAL(clv_hsm_pubkey(h, label, &back), 0);
	CU_ASSERT(clv_pubkey_is_equal(pub, back) == 1);
	clv_pubkey_free(back);

	CU_ASSERT_EQUAL(clv_hsm_label_exists(h, label, &exists), 0);
	CU_ASSERT_EQUAL(exists, 1);
}

/* ---- tests ----------------------------------------------------------------- */

static void
test_open_missing_module(void)
{
	clv_hsm_t *h = (clv_hsm_t *)&h;
	clv_diag_t d = { "" };

	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT_EQUAL(clv_hsm_open("/nonexistent/libclv-no-such-module.so", &h, &d),
	    CLV_E_P11_MODULE);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_PTR_NULL(h);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "/nonexistent/libclv-no-such-module.so"));
	clv_hsm_close(NULL);
}

static void
test_select_label_serial_uri(void)
{
	clv_hsm_t *h;
	clv_token_info_t ti, ti2;
	clv_diag_t d = { "" };
	char spec[64];
	P11KitUri *uri;

	store_new();
	h = token_init("alpha");
	CU_ASSERT_EQUAL_FATAL(clv_hsm_token_info(h, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.label, "alpha");
	CU_ASSERT(strlen(ti.serial) > 0);
	CU_ASSERT(ti.serial[strlen(ti.serial) - 1] != ' ');
	CU_ASSERT(ti.initialized);
	CU_ASSERT(ti.user_pin_initialized);
	CU_ASSERT(strncmp(ti.uri, "pkcs11:", 7) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(ti.uri, "token=alpha"));
	CU_ASSERT_PTR_NOT_NULL(strstr(ti.uri, ti.serial));
	/* the URI is well-formed RFC 7512 and names this token */
	CU_ASSERT_FATAL((uri = p11_kit_uri_new()) != NULL);
	CU_ASSERT_EQUAL(p11_kit_uri_parse(ti.uri, P11_KIT_URI_FOR_TOKEN, uri), P11_KIT_URI_OK);
	p11_kit_uri_free(uri);
	clv_hsm_close(h);

	/* a new process-like open finds the token again three ways */
	CU_ASSERT_EQUAL_FATAL(clv_hsm_open(module_path(), &h, &d), 0);
	CU_ASSERT_EQUAL(clv_hsm_select(h, "label:alpha", &d), 0);
	CU_ASSERT_EQUAL(clv_hsm_token_info(h, &ti2), 0);
	CU_ASSERT_STRING_EQUAL(ti2.serial, ti.serial);
	snprintf(spec, sizeof(spec), "serial:%s", ti.serial);
	CU_ASSERT_EQUAL(clv_hsm_select(h, spec, &d), 0);
	CU_ASSERT_EQUAL(clv_hsm_token_info(h, &ti2), 0);
	CU_ASSERT_STRING_EQUAL(ti2.label, "alpha");
	CU_ASSERT_EQUAL(clv_hsm_select(h, ti.uri, &d), 0);
	CU_ASSERT_EQUAL(clv_hsm_token_info(h, &ti2), 0);
	CU_ASSERT_STRING_EQUAL(ti2.serial, ti.serial);
	CU_ASSERT_STRING_EQUAL(ti2.uri, ti.uri);
	CU_ASSERT_EQUAL(clv_hsm_select(h, "pkcs11:token=alpha", &d), 0);
	login(h);
	clv_hsm_close(h);
	store_remove();
}

static void
test_select_not_found(void)
{
	clv_hsm_t *h;
	clv_token_info_t ti;
	clv_diag_t d = { "" };

	store_new();
	h = token_init("alpha");
	clv_hsm_close(h);
	/* reopened, SoftHSM offers a fresh uninitialised token beside alpha */
	CU_ASSERT_EQUAL_FATAL(clv_hsm_open(module_path(), &h, &d), 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_select(h, "label:alpha", &d), 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_token_info(h, &ti), 0);

	/* exact match after trimming: a prefix is not the label */
	CU_ASSERT_EQUAL(clv_hsm_select(h, "label:alph", &d), CLV_E_TOKEN_NOT_FOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "label:alph"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "'alpha'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, ti.serial));
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_hsm_select(h, "serial:0000000000000000", &d),
	    CLV_E_TOKEN_NOT_FOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, ti.serial));
	CU_ASSERT_EQUAL(clv_hsm_select(h, "pkcs11:token=beta", &d), CLV_E_TOKEN_NOT_FOUND);
	CU_ASSERT_EQUAL(clv_hsm_select(h, "pkcs11:token=alpha;manufacturer=Nobody", &d),
	    CLV_E_TOKEN_NOT_FOUND);
	/* uninitialised tokens never match, even an empty label */
	CU_ASSERT_EQUAL(clv_hsm_select(h, "label:", &d), CLV_E_TOKEN_NOT_FOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "uninitialised"));
	/* never by slot number; malformed URI */
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_hsm_select(h, "slot:0", &d), CLV_E_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "slot:0"));
	CU_ASSERT_EQUAL(clv_hsm_select(h, "pkcs11:token=%zz", &d), CLV_E_FORMAT);
	CU_ASSERT_EQUAL(clv_hsm_select(h, "pkcs11:slot-id=0", &d), CLV_E_FORMAT);
	CU_ASSERT_EQUAL(clv_hsm_select(h, "pkcs11:token=alpha?pin-value=secret-pin", &d),
	    CLV_E_FORMAT);
	CU_ASSERT_PTR_NULL(strstr(d.msg, "secret-pin"));
	/* a failed select leaves the previous token selected */
	CU_ASSERT_EQUAL(clv_hsm_token_info(h, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.label, "alpha");
	token_done(h);
}

static void
test_select_ambiguous(void)
{
	clv_hsm_t *h;
	clv_token_info_t a, b;
	clv_diag_t d = { "" };
	char spec[64];

	store_new();
	/* SoftHSM offers a new empty slot only at C_Initialize: reopen */
	h = token_init("dup");
	CU_ASSERT_EQUAL_FATAL(clv_hsm_token_info(h, &a), 0);
	clv_hsm_close(h);
	h = token_init("dup");
	CU_ASSERT_EQUAL_FATAL(clv_hsm_token_info(h, &b), 0);
	CU_ASSERT_STRING_NOT_EQUAL(a.serial, b.serial);
	clv_hsm_close(h);

	CU_ASSERT_EQUAL_FATAL(clv_hsm_open(module_path(), &h, &d), 0);
	CU_ASSERT_EQUAL(clv_hsm_select(h, "label:dup", &d), CLV_E_TOKEN_AMBIGUOUS);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, a.serial));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, b.serial));
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_hsm_select(h, "pkcs11:token=dup", &d), CLV_E_TOKEN_AMBIGUOUS);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, a.serial));
	/* nothing selected after the failures */
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT_EQUAL(clv_hsm_token_info(h, &a), CLV_E_USAGE);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	snprintf(spec, sizeof(spec), "serial:%s", b.serial);
	CU_ASSERT_EQUAL(clv_hsm_select(h, spec, &d), 0);
	CU_ASSERT_EQUAL(clv_hsm_token_info(h, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.serial, b.serial);
	token_done(h);
}

static void
test_init_token(void)
{
	clv_secret_t *so = secret(SO_PIN), *user = secret(USER_PIN), *shortpin = secret("12");
	clv_hsm_t *h = NULL;
	clv_token_info_t a, b;
	clv_diag_t d = { "" };
	char spec[64];

	store_new();
	CU_ASSERT_EQUAL_FATAL(clv_hsm_open(module_path(), &h, &d), 0);
	CU_ASSERT_EQUAL(clv_hsm_init_token(h, "a-label-that-is-33-octets-long-xx", so,
	    user, &d), CLV_E_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "32"));
	CU_ASSERT_EQUAL(clv_hsm_init_token(h, "", so, user, &d), CLV_E_INVALID_ARG);
	/* SoftHSM wants SO PINs of 4 to 255 octets: the CKR_ name reaches the diag */
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT(clv_hsm_init_token(h, "short", shortpin, user, &d) < 0);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "C_InitToken"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "CKR_"));
	/* a 32-octet label fills the field exactly */
	CU_ASSERT_EQUAL_FATAL(clv_hsm_init_token(h, "a-label-that-is-32-octets-long-x", so,
	    user, &d), 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_token_info(h, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.label, "a-label-that-is-32-octets-long-x");
	CU_ASSERT_EQUAL_FATAL(clv_hsm_init_token(h, "second", so, user, &d), 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_token_info(h, &b), 0);
	CU_ASSERT_STRING_EQUAL(b.label, "second");
	CU_ASSERT(b.user_pin_initialized);
	CU_ASSERT_STRING_NOT_EQUAL(a.serial, b.serial);
	/* the user PIN set by init works on the first token too */
	snprintf(spec, sizeof(spec), "serial:%s", a.serial);
	CU_ASSERT_EQUAL(clv_hsm_select(h, spec, &d), 0);
	login(h);
	clv_secret_free(so);
	clv_secret_free(user);
	clv_secret_free(shortpin);
	token_done(h);
}

static void
test_login_wrong_pin(void)
{
	clv_hsm_t *h;
	clv_secret_t *bad = secret("not-the-pin-4711");

	store_new();
	h = token_init("pins");
	logbuf[0] = '\0';
	clv_log_set_handler(log_capture, NULL, CLV_LOG_DEBUG);
	CU_ASSERT_EQUAL(clv_hsm_login(h, bad), CLV_E_PIN_INCORRECT);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	/* the CK_RV is logged by name and value, the PIN never */
	CU_ASSERT_PTR_NOT_NULL(strstr(logbuf, "CKR_PIN_INCORRECT"));
	CU_ASSERT_PTR_NOT_NULL(strstr(logbuf, "0x000000a0"));
	CU_ASSERT_PTR_NULL(strstr(logbuf, "not-the-pin-4711"));
	CU_ASSERT_PTR_NULL(strstr(logbuf, USER_PIN));
	CU_ASSERT_PTR_NULL(strstr(logbuf, SO_PIN));
	login(h);
	CU_ASSERT_EQUAL(clv_hsm_logout(h), 0);
	CU_ASSERT_EQUAL(clv_hsm_logout(h), 0);
	clv_secret_free(bad);
	token_done(h);
}

static void
test_not_logged_in(void)
{
	clv_hsm_t *h;
	clv_keyspec_t ks = { CLV_KEY_EC, CLV_CURVE_P256, 0 };
	clv_sigalg_t alg = { CLV_KEY_EC, CLV_HASH_SHA256, 0, CLV_HASH_NONE, 0 };
	clv_pubkey_t *pub = (clv_pubkey_t *)&pub;
	clv_hsm_key_attrs_t ka;
	clv_buf_t sig = { NULL, 0 };
	clv_diag_t d = { "" };
	unsigned char rnd[16];

	store_new();
	h = token_init("nologin");
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT_EQUAL(clv_hsm_generate(h, "k", &ks, &pub, &d), CLV_E_NOT_LOGGED_IN);
	CU_ASSERT_PTR_NULL(pub);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "'k'"));
	CU_ASSERT_EQUAL(clv_hsm_sign(h, "k", &alg, tbs, sizeof(tbs), &sig),
	    CLV_E_NOT_LOGGED_IN);
	CU_ASSERT_EQUAL(clv_hsm_key_attrs(h, "k", &ka), CLV_E_NOT_LOGGED_IN);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	/* the RNG needs no login */
	CU_ASSERT_EQUAL(clv_hsm_random(h, rnd, sizeof(rnd)), 0);

	login(h);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_generate(h, "k", &ks, &pub, &d), 0);
	CU_ASSERT_EQUAL(clv_hsm_logout(h), 0);
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT_EQUAL(clv_hsm_sign(h, "k", &alg, tbs, sizeof(tbs), &sig),
	    CLV_E_NOT_LOGGED_IN);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_PTR_NULL(sig.data);
	clv_pubkey_free(pub);
	token_done(h);
}

static void
test_no_token_selected(void)
{
	clv_hsm_t *h;
	clv_diag_t d = { "" };
	clv_secret_t *pin = secret(USER_PIN);
	unsigned char buf[4];
	int exists;

	store_new();
	/* NULL: the module configure found (SoftHSMv2) */
	CU_ASSERT_EQUAL_FATAL(clv_hsm_open(NULL, &h, &d), 0);
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT_EQUAL(clv_hsm_login(h, pin), CLV_E_USAGE);
	CU_ASSERT_EQUAL(clv_hsm_random(h, buf, sizeof(buf)), CLV_E_USAGE);
	CU_ASSERT_EQUAL(clv_hsm_label_exists(h, "x", &exists), CLV_E_USAGE);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	clv_secret_free(pin);
	token_done(h);
}

static void
test_generate_ec_curves(void)
{
	static const struct {
		clv_curve_t curve;
		clv_hash_alg_t hash;
		const char *label;
	} cases[] = {
		{ CLV_CURVE_P256, CLV_HASH_SHA256, "ec-p256" },
		{ CLV_CURVE_P384, CLV_HASH_SHA384, "ec-p384" },
		{ CLV_CURVE_P521, CLV_HASH_SHA512, "ec-p521" },
		{ CLV_CURVE_BP256R1, CLV_HASH_SHA256, "ec-bp256" },
		{ CLV_CURVE_BP384R1, CLV_HASH_SHA384, "ec-bp384" },
		{ CLV_CURVE_BP512R1, CLV_HASH_SHA512, "ec-bp512" },
	};
	clv_hsm_t *h;
	clv_pubkey_t *pub;
	clv_diag_t d = { "" };
	clv_buf_t sig = { NULL, 0 }, raw = { NULL, 0 };
	size_t i;

	h = token_new("ec-curves");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		clv_keyspec_t ks = { CLV_KEY_EC, cases[i].curve, 0 };
		clv_sigalg_t alg = { CLV_KEY_EC, cases[i].hash, 0, CLV_HASH_NONE, 0 };
		const clv_curve_info_t *ci = clv_curve_by_id(cases[i].curve);

		pub = NULL;
		CU_ASSERT_EQUAL_FATAL(clv_hsm_generate(h, cases[i].label, &ks, &pub, &d), 0);
		CU_ASSERT_EQUAL(pub->type, CLV_KEY_EC);
		CU_ASSERT_EQUAL(pub->curve, cases[i].curve);
		CU_ASSERT_EQUAL(pub->ec_point.len, 1 + 2 * ci->field_bytes);
		check_generated(h, cases[i].label, pub);
		sign_and_verify(h, cases[i].label, pub, &alg);
		/* r||s of the curve's size inside the Ecdsa-Sig-Value */
		CU_ASSERT_EQUAL_FATAL(clv_hsm_sign(h, cases[i].label, &alg, tbs, sizeof(tbs),
		    &sig), 0);
		CU_ASSERT_EQUAL(clv_ecdsa_sig_to_raw(sig.data, sig.len, ci->field_bytes,
		    &raw), 0);
		CU_ASSERT_EQUAL(raw.len, 2 * ci->field_bytes);
		clv_buf_free(&sig);
		clv_buf_free(&raw);
		clv_pubkey_free(pub);
	}
	token_done(h);
}

static void
test_generate_refusals(void)
{
	clv_hsm_t *h;
	clv_keyspec_t ks = { CLV_KEY_EC, CLV_CURVE_P256, 0 };
	clv_keyspec_t p224 = { CLV_KEY_EC, CLV_CURVE_P224, 0 };
	clv_keyspec_t rsa2048 = { CLV_KEY_RSA, CLV_CURVE_NONE, 2048 };
	clv_pubkey_t *pub = NULL, *again = (clv_pubkey_t *)&again, *back = NULL;
	clv_diag_t d = { "" };
	int exists = 1;

	h = token_new("refusals");
	CU_ASSERT_EQUAL(clv_hsm_label_exists(h, "csca-2026", &exists), 0);
	CU_ASSERT_EQUAL(exists, 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_generate(h, "csca-2026", &ks, &pub, &d), 0);
	/* the same label again: refused, the first key untouched */
	CU_ASSERT_EQUAL(clv_hsm_generate(h, "csca-2026", &ks, &again, &d), CLV_E_KEY_EXISTS);
	CU_ASSERT_PTR_NULL(again);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "'csca-2026'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "'refusals'"));
	CU_ASSERT_EQUAL(clv_hsm_pubkey(h, "csca-2026", &back), 0);
	CU_ASSERT(clv_pubkey_is_equal(pub, back) == 1);
	/* curves only verified, never generated; RSA sizes other than 3072/4096 */
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_hsm_generate(h, "p224", &p224, NULL, &d), CLV_E_UNSUPPORTED_CURVE);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "P-224"));
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_hsm_generate(h, "r2048", &rsa2048, NULL, &d), CLV_E_UNSUPPORTED_ALG);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "2048"));
	CU_ASSERT_EQUAL(clv_hsm_label_exists(h, "p224", &exists), 0);
	CU_ASSERT_EQUAL(exists, 0);
	clv_pubkey_free(pub);
	clv_pubkey_free(back);
	token_done(h);
}

static void
test_generate_rsa3072(void)
{
	clv_hsm_t *h;
	clv_keyspec_t ks = { CLV_KEY_RSA, CLV_CURVE_NONE, 3072 };
	clv_sigalg_t pkcs1 = { CLV_KEY_RSA, CLV_HASH_SHA256, 0, CLV_HASH_NONE, 0 };
	clv_sigalg_t pss = { CLV_KEY_RSA, CLV_HASH_SHA256, 1, CLV_HASH_NONE, 0 };
	clv_sigalg_t pss512 = { CLV_KEY_RSA, CLV_HASH_SHA512, 1, CLV_HASH_SHA512, 64 };
	clv_sigalg_t pss_salt20 = { CLV_KEY_RSA, CLV_HASH_SHA256, 1, CLV_HASH_SHA256, 20 };
	clv_sigalg_t ecdsa = { CLV_KEY_EC, CLV_HASH_SHA256, 0, CLV_HASH_NONE, 0 };
	static const unsigned char e[] = { 0x01, 0x00, 0x01 };
	clv_pubkey_t *pub = NULL;
	clv_buf_t sig = { NULL, 0 }, sig2 = { NULL, 0 };
	clv_diag_t d = { "" };

	h = token_new("rsa");
	CU_ASSERT_EQUAL_FATAL(clv_hsm_generate(h, "rsa-3072", &ks, &pub, &d), 0);
	CU_ASSERT_EQUAL(pub->type, CLV_KEY_RSA);
	CU_ASSERT_EQUAL(pub->rsa_n.len, 384);
	CU_ASSERT(pub->rsa_n.data[0] & 0x80);
	CU_ASSERT_EQUAL(pub->rsa_e.len, 3);
	CU_ASSERT(pub->rsa_e.len == 3 && memcmp(pub->rsa_e.data, e, 3) == 0);
	check_generated(h, "rsa-3072", pub);
	sign_and_verify(h, "rsa-3072", pub, &pkcs1);
	sign_and_verify(h, "rsa-3072", pub, &pss);
	sign_and_verify(h, "rsa-3072", pub, &pss512);
	sign_and_verify(h, "rsa-3072", pub, &pss_salt20);
	/* PKCS#1 v1.5 is deterministic, PSS is salted */
	CU_ASSERT_EQUAL(clv_hsm_sign(h, "rsa-3072", &pkcs1, tbs, sizeof(tbs), &sig), 0);
	CU_ASSERT_EQUAL(clv_hsm_sign(h, "rsa-3072", &pkcs1, tbs, sizeof(tbs), &sig2), 0);
	CU_ASSERT(sig.len == 384 && sig2.len == 384 && memcmp(sig.data, sig2.data, 384) == 0);
	CU_ASSERT_EQUAL(clv_hsm_sign(h, "rsa-3072", &pss, tbs, sizeof(tbs), &sig), 0);
	CU_ASSERT_EQUAL(clv_hsm_sign(h, "rsa-3072", &pss, tbs, sizeof(tbs), &sig2), 0);
	CU_ASSERT(sig.len == 384 && sig2.len == 384 && memcmp(sig.data, sig2.data, 384) != 0);
	/* an ECDSA algorithm with an RSA key */
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT_EQUAL(clv_hsm_sign(h, "rsa-3072", &ecdsa, tbs, sizeof(tbs), &sig),
	    CLV_E_KEY_MISMATCH);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	clv_buf_free(&sig);
	clv_buf_free(&sig2);
	clv_pubkey_free(pub);
	token_done(h);
}

static void
test_generate_rsa4096(void)
{
	clv_hsm_t *h;
	clv_keyspec_t ks = { CLV_KEY_RSA, CLV_CURVE_NONE, 4096 };
	clv_sigalg_t pss = { CLV_KEY_RSA, CLV_HASH_SHA384, 1, CLV_HASH_NONE, 0 };
	clv_pubkey_t *pub = NULL;
	clv_diag_t d = { "" };

	h = token_new("rsa4096");
	CU_ASSERT_EQUAL_FATAL(clv_hsm_generate(h, "rsa-4096", &ks, &pub, &d), 0);
	CU_ASSERT_EQUAL(pub->rsa_n.len, 512);
	check_generated(h, "rsa-4096", pub);
	sign_and_verify(h, "rsa-4096", pub, &pss);
	clv_pubkey_free(pub);
	token_done(h);
}

static void
test_sign_missing_label(void)
{
	clv_hsm_t *h;
	clv_sigalg_t alg = { CLV_KEY_EC, CLV_HASH_SHA256, 0, CLV_HASH_NONE, 0 };
	clv_buf_t sig = { NULL, 0 };
	clv_pubkey_t *pub = (clv_pubkey_t *)&pub;
	clv_hsm_key_attrs_t ka;
	int exists = 1;

	h = token_new("missing");
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT_EQUAL(clv_hsm_sign(h, "no-such-key", &alg, tbs, sizeof(tbs), &sig),
	    CLV_E_KEY_NOT_FOUND);
	CU_ASSERT_EQUAL(clv_hsm_pubkey(h, "no-such-key", &pub), CLV_E_KEY_NOT_FOUND);
	CU_ASSERT_PTR_NULL(pub);
	CU_ASSERT_EQUAL(clv_hsm_key_attrs(h, "no-such-key", &ka), CLV_E_KEY_NOT_FOUND);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_EQUAL(clv_hsm_label_exists(h, "no-such-key", &exists), 0);
	CU_ASSERT_EQUAL(exists, 0);
	token_done(h);
}

static void
test_key_uri(void)
{
	clv_hsm_t *h;
	clv_keyspec_t ks = { CLV_KEY_EC, CLV_CURVE_BP256R1, 0 };
	clv_token_info_t ti;
	clv_diag_t d = { "" };
	char uri[512], small[16];
	P11KitUri *u;
	CK_ATTRIBUTE *a;

	h = token_new("uri-token");
	CU_ASSERT_EQUAL_FATAL(clv_hsm_generate(h, "csca key 2026", &ks, NULL, &d), 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_token_info(h, &ti), 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_key_uri(h, "csca key 2026", uri, sizeof(uri)), 0);
	CU_ASSERT(strncmp(uri, "pkcs11:", 7) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(uri, "token=uri-token"));
	CU_ASSERT_PTR_NOT_NULL(strstr(uri, ti.serial));
	CU_ASSERT_PTR_NOT_NULL(strstr(uri, "object=csca%20key%202026"));
	CU_ASSERT_PTR_NOT_NULL(strstr(uri, "type=private"));
	/* parses back to the same label and class */
	CU_ASSERT_FATAL((u = p11_kit_uri_new()) != NULL);
	CU_ASSERT_EQUAL_FATAL(p11_kit_uri_parse(uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, u),
	    P11_KIT_URI_OK);
	a = p11_kit_uri_get_attribute(u, CKA_LABEL);
	CU_ASSERT(a != NULL && a->ulValueLen == 13 && memcmp(a->pValue, "csca key 2026", 13) == 0);
	a = p11_kit_uri_get_attribute(u, CKA_CLASS);
	CU_ASSERT(a != NULL && a->ulValueLen == sizeof(CK_OBJECT_CLASS) &&
	    *(CK_OBJECT_CLASS *)a->pValue == CKO_PRIVATE_KEY);
	p11_kit_uri_free(u);
	/* the key URI also selects its token */
	CU_ASSERT_EQUAL(clv_hsm_select(h, uri, &d), 0);
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT_EQUAL(clv_hsm_key_uri(h, "csca key 2026", small, sizeof(small)),
	    CLV_E_INVALID_ARG);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	token_done(h);
}

static void
test_serial_and_random(void)
{
	clv_hsm_t *h;
	unsigned char a[20], b[20], one[1], r1[32], r2[32];
	int i;

	h = token_new("rng");
	CU_ASSERT_EQUAL(clv_hsm_serial(h, 20, a), 0);
	CU_ASSERT_EQUAL(clv_hsm_serial(h, 20, b), 0);
	CU_ASSERT(a[0] >= 0x01 && a[0] <= 0x7f);
	CU_ASSERT(b[0] >= 0x01 && b[0] <= 0x7f);
	CU_ASSERT(memcmp(a, b, 20) != 0);
	/* one-octet serials hit the retry path (1 in 128 draws has 0 first) */
	for (i = 0; i < 400; i++) {
		CU_ASSERT_EQUAL_FATAL(clv_hsm_serial(h, 1, one), 0);
		CU_ASSERT_FATAL(one[0] >= 0x01 && one[0] <= 0x7f);
	}
	CU_ASSERT_EQUAL(clv_hsm_serial(h, 0, a), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_hsm_serial(h, 21, a), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_hsm_random(h, r1, sizeof(r1)), 0);
	CU_ASSERT_EQUAL(clv_hsm_random(h, r2, sizeof(r2)), 0);
	CU_ASSERT(memcmp(r1, r2, sizeof(r1)) != 0);
	CU_ASSERT_EQUAL(clv_hsm_random(h, r1, 0), 0);
	token_done(h);
}

static void
test_decode_ec_point(void)
{
	unsigned char raw[1 + 2 * 32], der[2 + sizeof(raw)];
	unsigned char raw521[1 + 2 * 66], der521[3 + sizeof(raw521)], junk[sizeof(der) + 1];
	clv_buf_t out = { NULL, 0 };
	size_t i;

	raw[0] = 0x04;
	for (i = 1; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 7);
	der[0] = 0x04;
	der[1] = sizeof(raw);
	memcpy(der + 2, raw, sizeof(raw));
	raw521[0] = 0x04;
	for (i = 1; i < sizeof(raw521); i++)
		raw521[i] = (unsigned char)(0xff - i);
	der521[0] = 0x04;
	der521[1] = 0x81;                       /* long form: 133 octets */
	der521[2] = sizeof(raw521);
	memcpy(der521 + 3, raw521, sizeof(raw521));

	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	/* raw 04||X||Y, as some tokens return it */
	CU_ASSERT_EQUAL(clv_hsm_decode_ec_point(CLV_CURVE_P256, raw, sizeof(raw), &out), 0);
	CU_ASSERT(out.len == sizeof(raw) && memcmp(out.data, raw, sizeof(raw)) == 0);
	clv_buf_free(&out);
	/* DER OCTET STRING wrapping it, as SoftHSM returns it */
	CU_ASSERT_EQUAL(clv_hsm_decode_ec_point(CLV_CURVE_BP256R1, der, sizeof(der), &out), 0);
	CU_ASSERT(out.len == sizeof(raw) && memcmp(out.data, raw, sizeof(raw)) == 0);
	clv_buf_free(&out);
	CU_ASSERT_EQUAL(clv_hsm_decode_ec_point(CLV_CURVE_P521, der521, sizeof(der521),
	    &out), 0);
	CU_ASSERT(out.len == sizeof(raw521) && memcmp(out.data, raw521, sizeof(raw521)) == 0);
	clv_buf_free(&out);
	CU_ASSERT_EQUAL(clv_hsm_decode_ec_point(CLV_CURVE_P521, raw521, sizeof(raw521),
	    &out), 0);
	clv_buf_free(&out);

	/* a point of another curve's size */
	CU_ASSERT_EQUAL(clv_hsm_decode_ec_point(CLV_CURVE_P384, raw, sizeof(raw), &out),
	    CLV_E_FORMAT);
	CU_ASSERT_EQUAL(clv_hsm_decode_ec_point(CLV_CURVE_P384, der, sizeof(der), &out),
	    CLV_E_FORMAT);
	/* compressed point, raw and wrapped */
	raw[0] = 0x02;
	CU_ASSERT_EQUAL(clv_hsm_decode_ec_point(CLV_CURVE_P256, raw, 33, &out), CLV_E_FORMAT);
	CU_ASSERT_EQUAL(clv_hsm_decode_ec_point(CLV_CURVE_P256, raw, sizeof(raw), &out),
	    CLV_E_FORMAT);
	der[2] = 0x03;
	CU_ASSERT_EQUAL(clv_hsm_decode_ec_point(CLV_CURVE_P256, der, sizeof(der), &out),
	    CLV_E_FORMAT);
	der[2] = 0x04;
	/* trailing octet after the OCTET STRING; truncated; wrong tag */
	memcpy(junk, der, sizeof(der));
	junk[sizeof(der)] = 0;
	CU_ASSERT_EQUAL(clv_hsm_decode_ec_point(CLV_CURVE_P256, junk, sizeof(junk), &out),
	    CLV_E_FORMAT);
	CU_ASSERT_EQUAL(clv_hsm_decode_ec_point(CLV_CURVE_P256, der, sizeof(der) - 1, &out),
	    CLV_E_FORMAT);
	der[0] = 0x03;
	CU_ASSERT_EQUAL(clv_hsm_decode_ec_point(CLV_CURVE_P256, der, sizeof(der), &out),
	    CLV_E_FORMAT);
	CU_ASSERT_EQUAL(clv_hsm_decode_ec_point(CLV_CURVE_P256, der, 0, &out), CLV_E_FORMAT);
	CU_ASSERT_EQUAL(clv_hsm_decode_ec_point(CLV_CURVE_NONE, raw, sizeof(raw), &out),
	    CLV_E_UNSUPPORTED_CURVE);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_PTR_NULL(out.data);
}

/* ---- SO login, PIN changes, officer-card keys ------------------------------ */

static void
test_login_so_set_pin(void)
{
	clv_secret_t *so = secret(SO_PIN), *user = secret(USER_PIN);
	clv_secret_t *new_user = secret("user-pin-new-16180");
	clv_secret_t *new_so = secret("so-pin-new-14142");
	clv_secret_t *bad = secret("not-the-pin-4711");
	clv_keyspec_t ks = { CLV_KEY_EC, CLV_CURVE_P256, 0 };
	clv_diag_t d = { "" };
	clv_hsm_t *h;

	store_new();
	h = token_init("pins");
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	/* no login: C_SetPIN is not left to the token's choice */
	CU_ASSERT_EQUAL(clv_hsm_set_pin(h, user, new_user), CLV_E_NOT_LOGGED_IN);
	CU_ASSERT_EQUAL(clv_hsm_login_so(h, bad), CLV_E_PIN_INCORRECT);
	CU_ASSERT_EQUAL(clv_hsm_login_so(h, user), CLV_E_PIN_INCORRECT);
	CU_ASSERT_EQUAL(clv_hsm_login_so(h, NULL), CLV_E_INVALID_ARG);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);

	/* user: a wrong old PIN changes nothing; the right one does */
	login(h);
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT_EQUAL(clv_hsm_set_pin(h, bad, new_user), CLV_E_PIN_INCORRECT);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_EQUAL(clv_hsm_set_pin(h, user, NULL), CLV_E_INVALID_ARG);
	logbuf[0] = '\0';
	clv_log_set_handler(log_capture, NULL, CLV_LOG_DEBUG);
	CU_ASSERT_EQUAL(clv_hsm_set_pin(h, user, new_user), 0);
	CU_ASSERT_EQUAL(clv_hsm_logout(h), 0);
	CU_ASSERT_EQUAL(clv_hsm_login(h, user), CLV_E_PIN_INCORRECT);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_PTR_NULL(strstr(logbuf, USER_PIN));
	CU_ASSERT_PTR_NULL(strstr(logbuf, "user-pin-new-16180"));
	CU_ASSERT_EQUAL(clv_hsm_login(h, new_user), 0);
	CU_ASSERT_EQUAL(clv_hsm_logout(h), 0);

	/* SO: key operations refused while the SO is logged in, user login too */
	CU_ASSERT_EQUAL_FATAL(clv_hsm_login_so(h, so), 0);
	CU_ASSERT_EQUAL(clv_hsm_login_so(h, so), 0);
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT_EQUAL(clv_hsm_generate(h, "k", &ks, NULL, &d), CLV_E_NOT_LOGGED_IN);
	CU_ASSERT_EQUAL(clv_hsm_generate_ecdh(h, "k", CLV_CURVE_P256, NULL, &d),
	    CLV_E_NOT_LOGGED_IN);
	CU_ASSERT(clv_hsm_login(h, new_user) < 0);
	/* the SO PIN changes in the SO's login; the user PIN stays */
	CU_ASSERT_EQUAL(clv_hsm_set_pin(h, bad, new_so), CLV_E_PIN_INCORRECT);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_EQUAL(clv_hsm_set_pin(h, so, new_so), 0);
	CU_ASSERT_EQUAL(clv_hsm_logout(h), 0);
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT_EQUAL(clv_hsm_login_so(h, so), CLV_E_PIN_INCORRECT);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_EQUAL(clv_hsm_login_so(h, new_so), 0);
	CU_ASSERT_EQUAL(clv_hsm_logout(h), 0);
	CU_ASSERT_EQUAL(clv_hsm_login(h, new_user), 0);
	/* closing a logged-in handle logs out: a new one starts logged out */
	clv_hsm_close(h);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_open(module_path(), &h, &d), 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_select(h, "label:pins", &d), 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_login_so(h, new_so), 0);
	clv_hsm_close(h);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_open(module_path(), &h, &d), 0);
	CU_ASSERT_EQUAL_FATAL(clv_hsm_select(h, "label:pins", &d), 0);
	CU_ASSERT_EQUAL(clv_hsm_login(h, new_user), 0);
	clv_secret_free(so);
	clv_secret_free(user);
	clv_secret_free(new_user);
	clv_secret_free(new_so);
	clv_secret_free(bad);
	token_done(h);
}

static void
test_generate_ecdh(void)
{
	static const clv_curve_t curves[] = { CLV_CURVE_P256, CLV_CURVE_BP256R1 };
	static const char *const labels[] = { "officer-p256", "officer-bp256" };
	clv_keyspec_t ks = { CLV_KEY_EC, CLV_CURVE_P256, 0 };
	clv_sigalg_t alg = { CLV_KEY_EC, CLV_HASH_SHA256, 0, CLV_HASH_NONE, 0 };
	clv_pubkey_t *pub = NULL, *back = NULL, *again = (clv_pubkey_t *)&again;
	clv_hsm_key_attrs_t ka;
	clv_buf_t sig = { NULL, 0 };
	clv_diag_t d = { "" };
	unsigned char kid[20];
	clv_hsm_t *h;
	size_t i;
	int exists = 0;

	h = token_new("card-a");
	for (i = 0; i < 2; i++) {
		pub = NULL;
		CU_ASSERT_EQUAL_FATAL(clv_hsm_generate_ecdh(h, labels[i], curves[i], &pub,
		    &d), 0);
		CU_ASSERT_EQUAL(pub->type, CLV_KEY_EC);
		CU_ASSERT_EQUAL(pub->curve, curves[i]);
		CU_ASSERT_EQUAL_FATAL(clv_hsm_key_attrs(h, labels[i], &ka), 0);
		CU_ASSERT_EQUAL(ka.derive, 1);
		CU_ASSERT_EQUAL(ka.sign, 0);
		CU_ASSERT_EQUAL(ka.sensitive, 1);
		CU_ASSERT_EQUAL(ka.extractable, 0);
		CU_ASSERT_EQUAL(ka.always_sensitive, 1);
		CU_ASSERT_EQUAL(ka.never_extractable, 1);
		CU_ASSERT_EQUAL(ka.token, 1);
		CU_ASSERT_EQUAL(ka.is_private, 1);
		CU_ASSERT_EQUAL_FATAL(clv_pubkey_key_id(pub, kid), 0);
		CU_ASSERT(ka.id_len == 20 && memcmp(ka.id, kid, 20) == 0);
		/* a derive key does not sign */
		clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
		CU_ASSERT(clv_hsm_sign(h, labels[i], &alg, tbs, sizeof(tbs), &sig) < 0);
		clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
		CU_ASSERT_PTR_NULL(sig.data);
		clv_pubkey_free(pub);
	}
	/* an existing label is refused, whichever kind of key holds it */
	CU_ASSERT_EQUAL(clv_hsm_generate_ecdh(h, "officer-p256", CLV_CURVE_P256, &again, &d),
	    CLV_E_KEY_EXISTS);
	CU_ASSERT_PTR_NULL(again);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "'officer-p256'"));
	CU_ASSERT_EQUAL_FATAL(clv_hsm_generate(h, "csca", &ks, NULL, &d), 0);
	CU_ASSERT_EQUAL(clv_hsm_generate_ecdh(h, "csca", CLV_CURVE_P256, NULL, &d),
	    CLV_E_KEY_EXISTS);
	CU_ASSERT_EQUAL(clv_hsm_generate(h, "officer-bp256", &ks, NULL, &d), CLV_E_KEY_EXISTS);
	/* the signing key does not derive */
	CU_ASSERT_EQUAL_FATAL(clv_hsm_key_attrs(h, "csca", &ka), 0);
	CU_ASSERT_EQUAL(ka.derive, 0);
	CU_ASSERT_EQUAL(ka.sign, 1);
	/* curves keys are never generated on; no label */
	clv_diag_clear(&d);
	CU_ASSERT_EQUAL(clv_hsm_generate_ecdh(h, "p224", CLV_CURVE_P224, NULL, &d),
	    CLV_E_UNSUPPORTED_CURVE);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "P-224"));
	CU_ASSERT_EQUAL(clv_hsm_generate_ecdh(h, "", CLV_CURVE_P256, NULL, &d),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_hsm_label_exists(h, "p224", &exists), 0);
	CU_ASSERT_EQUAL(exists, 0);
	/* the public key is readable without the card's PIN */
	CU_ASSERT_EQUAL(clv_hsm_logout(h), 0);
	CU_ASSERT_EQUAL(clv_hsm_pubkey(h, "officer-bp256", &back), 0);
	CU_ASSERT(back != NULL && back->curve == CLV_CURVE_BP256R1);
	clv_pubkey_free(back);
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT_EQUAL(clv_hsm_generate_ecdh(h, "late", CLV_CURVE_P256, NULL, &d),
	    CLV_E_NOT_LOGGED_IN);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	token_done(h);
}

/* libgcrypt's side of ECDH: a fresh key pair (d, Q) on the curve; *z is
 * x(d * peer) computed by gcry_pk_encrypt with d as the scalar. */
static void
gcry_ecdh(const clv_curve_info_t *ci, const clv_pubkey_t *peer, clv_buf_t *q,
    unsigned char *z)
{
	gcry_sexp_t parms = NULL, key = NULL, tok = NULL, pk = NULL, data = NULL, res = NULL;
	gcry_mpi_t dmpi = NULL;
	const char *p;
	size_t n;

	clv_gcry_init();
	CU_ASSERT_FATAL(gcry_sexp_build(&parms, NULL, "(genkey (ecc (curve %s)))",
	    ci->gcry_name) == 0);
	CU_ASSERT_FATAL(gcry_pk_genkey(&key, parms) == 0);
	CU_ASSERT_FATAL((tok = gcry_sexp_find_token(key, "q", 0)) != NULL);
	CU_ASSERT_FATAL((p = gcry_sexp_nth_data(tok, 1, &n)) != NULL);
	CU_ASSERT_EQUAL_FATAL(n, 1 + 2 * ci->field_bytes);
	CU_ASSERT_EQUAL_FATAL(clv_buf_set(q, p, n), 0);
	gcry_sexp_release(tok);
	CU_ASSERT_FATAL((tok = gcry_sexp_find_token(key, "d", 0)) != NULL);
	CU_ASSERT_FATAL((dmpi = gcry_sexp_nth_mpi(tok, 1, GCRYMPI_FMT_USG)) != NULL);
	CU_ASSERT_FATAL(gcry_sexp_build(&pk, NULL, "(public-key (ecc (curve %s) (q %b)))",
	    ci->gcry_name, (int)peer->ec_point.len, peer->ec_point.data) == 0);
	CU_ASSERT_FATAL(gcry_sexp_build(&data, NULL, "(data (flags raw) (value %m))",
	    dmpi) == 0);
	CU_ASSERT_FATAL(gcry_pk_encrypt(&res, data, pk) == 0);
	gcry_sexp_release(tok);
	CU_ASSERT_FATAL((tok = gcry_sexp_find_token(res, "s", 0)) != NULL);
	CU_ASSERT_FATAL((p = gcry_sexp_nth_data(tok, 1, &n)) != NULL);
	CU_ASSERT_EQUAL_FATAL(n, 1 + 2 * ci->field_bytes);
	memcpy(z, p + 1, ci->field_bytes);
	gcry_mpi_release(dmpi);
	gcry_sexp_release(tok);
	gcry_sexp_release(res);
	gcry_sexp_release(data);
	gcry_sexp_release(pk);
	gcry_sexp_release(key);
	gcry_sexp_release(parms);
}

static void
test_ecdh(void)
{
	static const clv_curve_t curves[] = { CLV_CURVE_P256, CLV_CURVE_BP256R1,
	    CLV_CURVE_P384, CLV_CURVE_P521 };
	clv_keyspec_t ks = { CLV_KEY_EC, CLV_CURVE_P256, 0 };
	clv_secret_t *z = NULL, *z2 = NULL;
	clv_pubkey_t *pub = NULL;
	clv_buf_t q = { NULL, 0 }, q2 = { NULL, 0 };
	clv_diag_t d = { "" };
	unsigned char want[66];
	char label[32];
	clv_hsm_t *h;
	size_t i;

	h = token_new("card-ecdh");
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
		const clv_curve_info_t *ci = clv_curve_by_id(curves[i]);

		snprintf(label, sizeof(label), "officer-%s", ci->name);
		pub = NULL;
		CU_ASSERT_EQUAL_FATAL(clv_hsm_generate_ecdh(h, label, curves[i], &pub, &d), 0);
		gcry_ecdh(ci, pub, &q, want);
		CU_ASSERT_EQUAL_FATAL(clv_hsm_ecdh(h, label, q.data, q.len, &z), 0);
		CU_ASSERT_EQUAL(z->len, ci->field_bytes);
		CU_ASSERT(z->len == ci->field_bytes && memcmp(z->p, want, z->len) == 0);
		CU_ASSERT(z->cap >= z->len);
		/* another peer, another secret */
		gcry_ecdh(ci, pub, &q2, want);
		CU_ASSERT_EQUAL_FATAL(clv_hsm_ecdh(h, label, q2.data, q2.len, &z2), 0);
		CU_ASSERT(memcmp(z2->p, want, z2->len) == 0);
		CU_ASSERT(memcmp(z->p, z2->p, z->len) != 0);
		clv_secret_free(z);
		clv_secret_free(z2);
		z = z2 = NULL;

		clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
		/* a point of the wrong size or compressed: refused before the token */
		z = (clv_secret_t *)&z;
		CU_ASSERT_EQUAL(clv_hsm_ecdh(h, label, q.data, q.len - 1, &z), CLV_E_FORMAT);
		CU_ASSERT_PTR_NULL(z);
		q.data[0] = 0x02;
		CU_ASSERT_EQUAL(clv_hsm_ecdh(h, label, q.data, q.len, &z), CLV_E_FORMAT);
		q.data[0] = 0x04;
		/* a point off the curve: the token refuses */
		q.data[q.len - 1] ^= 1;
		CU_ASSERT(clv_hsm_ecdh(h, label, q.data, q.len, &z) < 0);
		CU_ASSERT_PTR_NULL(z);
		clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
		clv_buf_free(&q);
		clv_buf_free(&q2);
		clv_pubkey_free(pub);
	}

	/* a signing key does not derive; a missing key; no login */
	CU_ASSERT_EQUAL_FATAL(clv_hsm_generate(h, "csca", &ks, &pub, &d), 0);
	gcry_ecdh(clv_curve_by_id(CLV_CURVE_P256), pub, &q, want);
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT(clv_hsm_ecdh(h, "csca", q.data, q.len, &z) < 0);
	CU_ASSERT_PTR_NULL(z);
	CU_ASSERT_EQUAL(clv_hsm_ecdh(h, "no-such-key", q.data, q.len, &z),
	    CLV_E_KEY_NOT_FOUND);
	CU_ASSERT_EQUAL(clv_hsm_ecdh(h, "officer-P-256", NULL, q.len, &z), CLV_E_INVALID_ARG);
	CU_ASSERT_EQUAL(clv_hsm_logout(h), 0);
	CU_ASSERT_EQUAL(clv_hsm_ecdh(h, "officer-P-256", q.data, q.len, &z),
	    CLV_E_NOT_LOGGED_IN);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	CU_ASSERT_PTR_NULL(z);
	clv_buf_free(&q);
	clv_pubkey_free(pub);
	token_done(h);
}

static void
test_card_identity(void)
{
	clv_hsm_t *h;
	clv_token_info_t ti;
	clv_diag_t d = { "" };
	char id[256], want[256], small[24];

	h = token_new("officer card A");
	CU_ASSERT_EQUAL_FATAL(clv_hsm_token_info(h, &ti), 0);
	snprintf(want, sizeof(want), "serial=%s;label=officer card A;key=officer-key",
	    ti.serial);
	CU_ASSERT_EQUAL(clv_hsm_card_identity(h, "officer-key", id, sizeof(id)), 0);
	CU_ASSERT_STRING_EQUAL(id, want);
	/* formatted, not looked up: no login needed */
	CU_ASSERT_EQUAL(clv_hsm_logout(h), 0);
	CU_ASSERT_EQUAL(clv_hsm_card_identity(h, "officer-key", id, sizeof(id)), 0);
	CU_ASSERT_STRING_EQUAL(id, want);
	clv_log_set_handler(log_quiet, NULL, CLV_LOG_ERROR);
	CU_ASSERT_EQUAL(clv_hsm_card_identity(h, "officer-key", small, sizeof(small)),
	    CLV_E_INVALID_ARG);
	CU_ASSERT_STRING_EQUAL(small, "");
	CU_ASSERT_EQUAL(clv_hsm_card_identity(h, "", id, sizeof(id)), CLV_E_INVALID_ARG);
	clv_hsm_close(h);
	/* nothing selected */
	CU_ASSERT_EQUAL_FATAL(clv_hsm_open(module_path(), &h, &d), 0);
	CU_ASSERT_EQUAL(clv_hsm_card_identity(h, "officer-key", id, sizeof(id)), CLV_E_USAGE);
	clv_log_set_handler(NULL, NULL, CLV_LOG_WARN);
	token_done(h);
}

int
main(void)
{
	static const clv_unit_test_t tests[] = {
		{ "open a missing module", test_open_missing_module },
		{ "select by label, serial and URI", test_select_label_serial_uri },
		{ "select: no match lists the tokens", test_select_not_found },
		{ "select: two tokens with one label", test_select_ambiguous },
		{ "init token", test_init_token },
		{ "wrong PIN", test_login_wrong_pin },
		{ "operations before login", test_not_logged_in },
		{ "operations before select", test_no_token_selected },
		{ "generate on the six curves, sign, verify", test_generate_ec_curves },
		{ "generate refusals", test_generate_refusals },
		{ "RSA 3072: PKCS#1 v1.5 and PSS", test_generate_rsa3072 },
		{ "RSA 4096", test_generate_rsa4096 },
		{ "sign with a missing label", test_sign_missing_label },
		{ "key URI", test_key_uri },
		{ "serials and random", test_serial_and_random },
		{ "CKA_EC_POINT raw and wrapped", test_decode_ec_point },
		{ "SO login and PIN changes", test_login_so_set_pin },
		{ "officer-card ECDH keys", test_generate_ecdh },
		{ "ECDH agrees with libgcrypt", test_ecdh },
		{ "card identity", test_card_identity },
		{ NULL, NULL },
	};
	return clv_unit_run("hsm", tests);
}
