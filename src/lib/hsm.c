/*
 * The HSM through PKCS#11.  p11-kit loads the module (managed mode, so it
 * calls C_Initialize with CKF_OS_LOCKING_OK and tolerates other users of the
 * same module in the process).  Every CK_RV is translated here, at the edge,
 * and logged with its CKR_ name; nothing outside this file sees PKCS#11 types.
 *
 * PINs are passed to the token straight from their locked clv_secret_t
 * buffers: they are never copied and never logged.
 *
 * CKA_ID of a generated pair: the pair is generated with a random temporary
 * CKA_ID (the key id is only known once the public key exists), then both
 * objects get CKA_ID = the RFC 5280 method-1 key id (SHA-1 of the public key)
 * by C_SetAttributeValue, so the token object and the certificate's
 * subjectKeyIdentifier agree.  A pair that cannot be finished (CKA_ID not
 * settable, CKA_SENSITIVE/CKA_EXTRACTABLE not honoured, public key unreadable)
 * is destroyed again before the error is returned: a half-made key must not
 * keep its label.
 *
 * Officer cards: an ECDH key (CKA_DERIVE, never CKA_SIGN) whose derived
 * secret comes back as a session CKK_GENERIC_SECRET that is read into locked
 * memory and destroyed at once; that secret, not the card's key, is what
 * leaves the token.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#include "der.h"
#include "hsm.h"

struct clv_hsm {
	CK_FUNCTION_LIST *mod;
	char *path;                 /* module path, for diagnostics */
	int initialized;            /* p11_kit_module_initialize succeeded */
	int selected;               /* a token is selected and session is open */
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session;
	CK_TOKEN_INFO token;        /* as read when selected */
	int logged_in;              /* we did C_Login (user or SO) on session */
};

/* ---- CK_RV at the edge ------------------------------------------------- */

#define RV_NAME(x) { x, #x }
static const struct {
	CK_RV rv;
	const char *name;
} rv_names[] = {
	RV_NAME(CKR_OK), RV_NAME(CKR_CANCEL), RV_NAME(CKR_HOST_MEMORY),
	RV_NAME(CKR_SLOT_ID_INVALID), RV_NAME(CKR_GENERAL_ERROR),
	RV_NAME(CKR_FUNCTION_FAILED), RV_NAME(CKR_ARGUMENTS_BAD),
	RV_NAME(CKR_NO_EVENT), RV_NAME(CKR_NEED_TO_CREATE_THREADS),
	RV_NAME(CKR_CANT_LOCK), RV_NAME(CKR_ATTRIBUTE_READ_ONLY),
	RV_NAME(CKR_ATTRIBUTE_SENSITIVE), RV_NAME(CKR_ATTRIBUTE_TYPE_INVALID),
	RV_NAME(CKR_ATTRIBUTE_VALUE_INVALID), RV_NAME(CKR_ACTION_PROHIBITED),
	RV_NAME(CKR_DATA_INVALID), RV_NAME(CKR_DATA_LEN_RANGE),
	RV_NAME(CKR_DEVICE_ERROR), RV_NAME(CKR_DEVICE_MEMORY),
	RV_NAME(CKR_DEVICE_REMOVED), RV_NAME(CKR_FUNCTION_CANCELED),
	RV_NAME(CKR_FUNCTION_NOT_PARALLEL), RV_NAME(CKR_FUNCTION_NOT_SUPPORTED),
	RV_NAME(CKR_KEY_HANDLE_INVALID), RV_NAME(CKR_KEY_SIZE_RANGE),
	RV_NAME(CKR_KEY_TYPE_INCONSISTENT), RV_NAME(CKR_KEY_FUNCTION_NOT_PERMITTED),
	RV_NAME(CKR_KEY_UNEXTRACTABLE), RV_NAME(CKR_MECHANISM_INVALID),
	RV_NAME(CKR_MECHANISM_PARAM_INVALID), RV_NAME(CKR_OBJECT_HANDLE_INVALID),
	RV_NAME(CKR_OPERATION_ACTIVE), RV_NAME(CKR_OPERATION_NOT_INITIALIZED),
	RV_NAME(CKR_PIN_INCORRECT), RV_NAME(CKR_PIN_INVALID),
	RV_NAME(CKR_PIN_LEN_RANGE), RV_NAME(CKR_PIN_EXPIRED),
	RV_NAME(CKR_PIN_LOCKED), RV_NAME(CKR_SESSION_CLOSED),
	RV_NAME(CKR_SESSION_COUNT), RV_NAME(CKR_SESSION_HANDLE_INVALID),
	RV_NAME(CKR_SESSION_PARALLEL_NOT_SUPPORTED), RV_NAME(CKR_SESSION_READ_ONLY),
	RV_NAME(CKR_SESSION_EXISTS), RV_NAME(CKR_SESSION_READ_ONLY_EXISTS),
	RV_NAME(CKR_SESSION_READ_WRITE_SO_EXISTS), RV_NAME(CKR_SIGNATURE_INVALID),
	RV_NAME(CKR_SIGNATURE_LEN_RANGE), RV_NAME(CKR_TEMPLATE_INCOMPLETE),
	RV_NAME(CKR_TEMPLATE_INCONSISTENT), RV_NAME(CKR_TOKEN_NOT_PRESENT),
	RV_NAME(CKR_TOKEN_NOT_RECOGNIZED), RV_NAME(CKR_TOKEN_WRITE_PROTECTED),
	RV_NAME(CKR_USER_ALREADY_LOGGED_IN), RV_NAME(CKR_USER_NOT_LOGGED_IN),
	RV_NAME(CKR_USER_PIN_NOT_INITIALIZED), RV_NAME(CKR_USER_TYPE_INVALID),
	RV_NAME(CKR_USER_ANOTHER_ALREADY_LOGGED_IN), RV_NAME(CKR_USER_TOO_MANY_TYPES),
	RV_NAME(CKR_RANDOM_SEED_NOT_SUPPORTED), RV_NAME(CKR_RANDOM_NO_RNG),
	RV_NAME(CKR_DOMAIN_PARAMS_INVALID), RV_NAME(CKR_CURVE_NOT_SUPPORTED),
	RV_NAME(CKR_BUFFER_TOO_SMALL), RV_NAME(CKR_INFORMATION_SENSITIVE),
	RV_NAME(CKR_CRYPTOKI_NOT_INITIALIZED), RV_NAME(CKR_CRYPTOKI_ALREADY_INITIALIZED),
	RV_NAME(CKR_MUTEX_BAD), RV_NAME(CKR_MUTEX_NOT_LOCKED),
	RV_NAME(CKR_FIPS_SELF_TEST_FAILED), RV_NAME(CKR_LIBRARY_LOAD_FAILED),
	RV_NAME(CKR_PIN_TOO_WEAK), RV_NAME(CKR_PUBLIC_KEY_INVALID),
	RV_NAME(CKR_FUNCTION_REJECTED),
};
#undef RV_NAME

static const char *
rv_name(CK_RV rv)
{
	size_t i;

	for (i = 0; i < sizeof(rv_names) / sizeof(rv_names[0]); i++)
		if (rv_names[i].rv == rv)
			return rv_names[i].name;
	return rv >= CKR_VENDOR_DEFINED ? "CKR_VENDOR_DEFINED" : "CKR_?";
}

static int
rv_code(CK_RV rv)
{
	switch (rv) {
	case CKR_OK:
		return 0;
	case CKR_PIN_INCORRECT:
		return CLV_E_PIN_INCORRECT;
	case CKR_PIN_LOCKED:
		return CLV_E_PIN_LOCKED;
	case CKR_USER_NOT_LOGGED_IN:
		return CLV_E_NOT_LOGGED_IN;
	case CKR_MECHANISM_INVALID:
		return CLV_E_P11_MECHANISM;
	case CKR_HOST_MEMORY:
		return CLV_E_NOMEM;
	default:
		return CLV_E_PKCS11;
	}
}

/* Logs "call: CKR_NAME (0x...)" at the caller's function and line and
 * returns the CLV_E_* code for rv. */
static int
rv_fail(CK_RV rv, const char *call, const char *func, int line)
{
	clv_log_msg(CLV_LOG_ERROR, func, line, "%s: %s (0x%08lx)", call, rv_name(rv),
	    (unsigned long)rv);
	return rv_code(rv);
}
#define P11_FAIL(rv, call) rv_fail((rv), (call), __func__, __LINE__)

/* ---- small helpers --------------------------------------------------------- */

/* A blank-padded CK_TOKEN_INFO field as a C string (out holds n + 1). */
static void
field_str(const CK_UTF8CHAR *f, size_t n, char *out)
{
	memcpy(out, f, n);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\0'))
		out[--n] = '\0';
}

static int
need_session(const clv_hsm_t *h)
{
	if (h == NULL || h->mod == NULL)
		return CLV_E_INVALID_ARG;
	if (!h->selected) {
		clv_error("no token selected (clv_hsm_select first)");
		return CLV_E_USAGE;
	}
	return 0;
}

/* The session's own state says whether the user is logged in (another
 * session of this process may have logged in for us). */
static int
need_login(clv_hsm_t *h)
{
	CK_SESSION_INFO si;
	CK_RV rv;
	int r;

	if ((r = need_session(h)) != 0)
		return r;
	if ((rv = h->mod->C_GetSessionInfo(h->session, &si)) != CKR_OK)
		return P11_FAIL(rv, "C_GetSessionInfo");
	if (si.state != CKS_RW_USER_FUNCTIONS && si.state != CKS_RO_USER_FUNCTIONS) {
		clv_error("token is not logged in as user (session state %lu)",
		    (unsigned long)si.state);
		return CLV_E_NOT_LOGGED_IN;
	}
	return 0;
}

/* Logged in as user or as SO (C_SetPIN changes that login's PIN). */
static int
need_any_login(clv_hsm_t *h, int *so)
{
	CK_SESSION_INFO si;
	CK_RV rv;
	int r;

	*so = 0;
	if ((r = need_session(h)) != 0)
		return r;
	if ((rv = h->mod->C_GetSessionInfo(h->session, &si)) != CKR_OK)
		return P11_FAIL(rv, "C_GetSessionInfo");
	switch (si.state) {
	case CKS_RW_USER_FUNCTIONS:
	case CKS_RO_USER_FUNCTIONS:
		return 0;
	case CKS_RW_SO_FUNCTIONS:
		*so = 1;
		return 0;
	default:
		clv_error("token is not logged in (session state %lu)",
		    (unsigned long)si.state);
		return CLV_E_NOT_LOGGED_IN;
	}
}

static int
secret_ok(const clv_secret_t *s)
{
	return s != NULL && s->p != NULL && s->len > 0;
}

/* Reads one attribute with the two-call size query. */
static int
get_attr(clv_hsm_t *h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, clv_buf_t *out)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	unsigned char *p = NULL;
	CK_RV rv;
	int r = CLV_E_INTERNAL;

	if ((rv = h->mod->C_GetAttributeValue(h->session, obj, &a, 1)) != CKR_OK) {
		r = P11_FAIL(rv, "C_GetAttributeValue (size)");
		goto out;
	}
	if (a.ulValueLen == (CK_ULONG)-1) {
		clv_error("attribute 0x%lx unavailable", (unsigned long)type);
		r = CLV_E_PKCS11;
		goto out;
	}
	if ((p = malloc(a.ulValueLen ? a.ulValueLen : 1)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	a.pValue = p;
	if ((rv = h->mod->C_GetAttributeValue(h->session, obj, &a, 1)) != CKR_OK) {
		r = P11_FAIL(rv, "C_GetAttributeValue");
		goto out;
	}
	clv_buf_free(out);
	out->data = p;
	out->len = a.ulValueLen;
	p = NULL;
	r = 0;
out:
	free(p);
	return r;
}

static int
get_bool(clv_hsm_t *h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, int *out)
{
	CK_BBOOL v = CK_FALSE;
	CK_ATTRIBUTE a = { type, &v, sizeof(v) };
	CK_RV rv;

	*out = -1;
	rv = h->mod->C_GetAttributeValue(h->session, obj, &a, 1);
	if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE)
		return 0;       /* -1: the token does not say */
	if (rv != CKR_OK)
		return P11_FAIL(rv, "C_GetAttributeValue");
	*out = v == CK_TRUE;
	return 0;
}

/*
 * Finds objects with CKA_LABEL = label and, unless cls is (CK_ULONG)-1,
 * CKA_CLASS = cls.  At most max handles are returned, *n counts them (so
 * max = 2 tells zero, one and "more than one" apart).
 */
static int
find_objects(clv_hsm_t *h, CK_OBJECT_CLASS cls, const char *label,
    CK_OBJECT_HANDLE *found, CK_ULONG max, CK_ULONG *n)
{
	CK_ATTRIBUTE tmpl[2];
	CK_ULONG ntmpl = 0;
	CK_RV rv;
	int r = CLV_E_INTERNAL;

	*n = 0;
	tmpl[ntmpl].type = CKA_LABEL;
	tmpl[ntmpl].pValue = (void *)label;
	tmpl[ntmpl].ulValueLen = strlen(label);
	ntmpl++;
	if (cls != (CK_OBJECT_CLASS)-1) {
		tmpl[ntmpl].type = CKA_CLASS;
		tmpl[ntmpl].pValue = &cls;
		tmpl[ntmpl].ulValueLen = sizeof(cls);
		ntmpl++;
	}
	if ((rv = h->mod->C_FindObjectsInit(h->session, tmpl, ntmpl)) != CKR_OK) {
		r = P11_FAIL(rv, "C_FindObjectsInit");
		goto out;
	}
	rv = h->mod->C_FindObjects(h->session, found, max, n);
	if (rv != CKR_OK) {
		r = P11_FAIL(rv, "C_FindObjects");
		h->mod->C_FindObjectsFinal(h->session);
		goto out;
	}
	if ((rv = h->mod->C_FindObjectsFinal(h->session)) != CKR_OK) {
		r = P11_FAIL(rv, "C_FindObjectsFinal");
		goto out;
	}
	r = 0;
out:
	return r;
}

/* Exactly one object of class cls labelled label. */
static int
find_one(clv_hsm_t *h, CK_OBJECT_CLASS cls, const char *label, CK_OBJECT_HANDLE *out)
{
	CK_OBJECT_HANDLE found[2];
	CK_ULONG n = 0;
	int r;

	if ((r = find_objects(h, cls, label, found, 2, &n)) != 0)
		return r;
	if (n == 0) {
		clv_error("no %s key labelled '%s' on the token",
		    cls == CKO_PRIVATE_KEY ? "private" : "public", label);
		return CLV_E_KEY_NOT_FOUND;
	}
	if (n > 1) {
		clv_error("more than one %s key labelled '%s' on the token",
		    cls == CKO_PRIVATE_KEY ? "private" : "public", label);
		return CLV_E_KEY_EXISTS;
	}
	*out = found[0];
	return 0;
}

/* ---- curves: CKA_EC_PARAMS <-> clv_curve_t ---------------------------------- */

/* DER of ECParameters { namedCurve OID }. */
static int
ec_params_encode(clv_curve_t curve, clv_buf_t *out)
{
	const clv_curve_info_t *ci;
	asn1_node n = NULL;
	int r = CLV_E_INTERNAL;

	if ((ci = clv_curve_by_id(curve)) == NULL || ci->oid == NULL) {
		r = CLV_E_UNSUPPORTED_CURVE;
		goto out;
	}
	if ((r = clv_der_new("ECParameters", &n)) != 0)
		goto out;
	if ((r = clv_der_write(n, "", "namedCurve", 1)) != 0)
		goto out;
	if ((r = clv_der_write_str(n, "namedCurve", ci->oid)) != 0)
		goto out;
	if ((r = clv_der_encode(n, "", out)) != 0)
		goto out;
	r = 0;
out:
	clv_der_free(&n);
	return r;
}

static int
ec_params_decode(const clv_buf_t *params, clv_curve_t *curve)
{
	const clv_curve_info_t *ci;
	asn1_node n = NULL;
	char oid[128];
	int r = CLV_E_INTERNAL;

	*curve = CLV_CURVE_NONE;
	if ((r = clv_der_decode("ECParameters", params->data, params->len, &n,
	    "CKA_EC_PARAMS", NULL)) != 0)
		goto out;
	if ((r = clv_der_read_oid(n, "namedCurve", oid, sizeof(oid))) != 0) {
		clv_error("CKA_EC_PARAMS is not a namedCurve");
		r = CLV_E_UNSUPPORTED_CURVE;
		goto out;
	}
	if ((ci = clv_curve_by_oid(oid)) == NULL) {
		clv_error("CKA_EC_PARAMS: unknown curve %s", oid);
		r = CLV_E_UNSUPPORTED_CURVE;
		goto out;
	}
	*curve = ci->id;
	r = 0;
out:
	clv_der_free(&n);
	return r;
}

int
clv_hsm_decode_ec_point(clv_curve_t curve, const unsigned char *in, size_t len,
    clv_buf_t *out)
{
	const clv_curve_info_t *ci;
	const unsigned char *p = in;
	unsigned int plen = 0;
	size_t want;
	int r = CLV_E_INTERNAL;

	if (in == NULL || out == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if ((ci = clv_curve_by_id(curve)) == NULL || ci->field_bytes == 0) {
		r = CLV_E_UNSUPPORTED_CURVE;
		goto out;
	}
	want = 1 + 2 * ci->field_bytes;
	/* A raw point has exactly want octets; the DER OCTET STRING wrapping
	 * it has a tag and length in front, so the lengths never collide. */
	if (len == want) {
		p = in;
		plen = (unsigned int)len;
	} else {
		if (len > 0xffff || asn1_decode_simple_der(ASN1_ETYPE_OCTET_STRING, in,
		    (unsigned int)len, &p, &plen) != ASN1_SUCCESS) {
			clv_error("CKA_EC_POINT: %zu octets, neither a raw %s point (%zu) "
			    "nor an OCTET STRING", len, ci->name, want);
			r = CLV_E_FORMAT;
			goto out;
		}
		/* asn1_decode_simple_der tolerates trailing octets: insist on
		 * the whole buffer being the OCTET STRING. */
		if ((size_t)(p - in) + plen != len) {
			clv_error("CKA_EC_POINT: trailing data after the OCTET STRING");
			r = CLV_E_FORMAT;
			goto out;
		}
	}
	if (plen != want || p[0] != 0x04) {
		clv_error("CKA_EC_POINT: not an uncompressed %s point (%u octets, "
		    "first 0x%02x)", ci->name, plen, plen ? p[0] : 0);
		r = CLV_E_FORMAT;
		goto out;
	}
	if ((r = clv_buf_set(out, p, plen)) != 0)
		goto out;
	r = 0;
out:
	return r;
}

/* Strips leading zero octets of a big-endian unsigned integer (keeps one). */
static void
strip_zeros(const clv_buf_t *b, const unsigned char **p, size_t *len)
{
	*p = b->data;
	*len = b->len;
	while (*len > 1 && (*p)[0] == 0) {
		(*p)++;
		(*len)--;
	}
}

static int
read_pubkey(clv_hsm_t *h, CK_OBJECT_HANDLE obj, clv_pubkey_t **out)
{
	CK_KEY_TYPE kt = (CK_KEY_TYPE)-1;
	CK_ATTRIBUTE a = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	clv_buf_t x = { NULL, 0 }, y = { NULL, 0 }, point = { NULL, 0 };
	const unsigned char *np, *ep;
	size_t nlen, elen;
	clv_curve_t curve;
	CK_RV rv;
	int r = CLV_E_INTERNAL;

	*out = NULL;
	if ((rv = h->mod->C_GetAttributeValue(h->session, obj, &a, 1)) != CKR_OK) {
		r = P11_FAIL(rv, "C_GetAttributeValue (CKA_KEY_TYPE)");
		goto out;
	}
	if (kt == CKK_EC) {
		if ((r = get_attr(h, obj, CKA_EC_PARAMS, &x)) != 0)
			goto out;
		if ((r = ec_params_decode(&x, &curve)) != 0)
			goto out;
		if ((r = get_attr(h, obj, CKA_EC_POINT, &y)) != 0)
			goto out;
		if ((r = clv_hsm_decode_ec_point(curve, y.data, y.len, &point)) != 0)
			goto out;
		if ((r = clv_pubkey_new_ec(curve, point.data, point.len, out)) != 0)
			goto out;
	} else if (kt == CKK_RSA) {
		if ((r = get_attr(h, obj, CKA_MODULUS, &x)) != 0)
			goto out;
		if ((r = get_attr(h, obj, CKA_PUBLIC_EXPONENT, &y)) != 0)
			goto out;
		if (x.len == 0 || y.len == 0) {
			clv_error("RSA public key with empty modulus or exponent");
			r = CLV_E_PKCS11;
			goto out;
		}
		strip_zeros(&x, &np, &nlen);
		strip_zeros(&y, &ep, &elen);
		if ((r = clv_pubkey_new_rsa(np, nlen, ep, elen, out)) != 0)
			goto out;
	} else {
		clv_error("key type 0x%lx is neither EC nor RSA", (unsigned long)kt);
		r = CLV_E_UNSUPPORTED_ALG;
		goto out;
	}
	r = 0;
out:
	clv_buf_free(&x);
	clv_buf_free(&y);
	clv_buf_free(&point);
	return r;
}

/* ---- module ---------------------------------------------------------------- */

int
clv_hsm_open(const char *module_path, clv_hsm_t **out, clv_diag_t *diag)
{
	clv_hsm_t *h = NULL;
	const char *msg;
	CK_RV rv;
	int r = CLV_E_INTERNAL;

	if (out == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	*out = NULL;
	if (module_path == NULL || *module_path == '\0')
		module_path = CLV_DEFAULT_PKCS11_MODULE;
	if ((h = calloc(1, sizeof(*h))) == NULL || (h->path = strdup(module_path)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	if ((h->mod = p11_kit_module_load(module_path, 0)) == NULL) {
		msg = p11_kit_message();
		clv_error("p11_kit_module_load(%s): %s", module_path, msg ? msg : "failed");
		r = clv_diag_set(diag, CLV_E_P11_MODULE,
		    "PKCS#11 module '%s': cannot be loaded (%s)", module_path,
		    msg ? msg : "unknown reason");
		goto out;
	}
	if ((rv = p11_kit_module_initialize(h->mod)) != CKR_OK) {
		P11_FAIL(rv, "p11_kit_module_initialize");
		r = clv_diag_set(diag, CLV_E_P11_MODULE,
		    "PKCS#11 module '%s': C_Initialize failed with %s", module_path,
		    rv_name(rv));
		goto out;
	}
	h->initialized = 1;
	*out = h;
	h = NULL;
	r = 0;
out:
	clv_hsm_close(h);
	return r;
}

static void
close_session(clv_hsm_t *h)
{
	CK_RV rv;

	if (!h->selected)
		return;
	if (h->logged_in && (rv = h->mod->C_Logout(h->session)) != CKR_OK &&
	    rv != CKR_USER_NOT_LOGGED_IN)
		P11_FAIL(rv, "C_Logout");
	h->logged_in = 0;
	if ((rv = h->mod->C_CloseSession(h->session)) != CKR_OK)
		P11_FAIL(rv, "C_CloseSession");
	h->selected = 0;
	h->session = CK_INVALID_HANDLE;
}

void
clv_hsm_close(clv_hsm_t *h)
{
	CK_RV rv;

	if (h == NULL)
		return;
	if (h->mod != NULL) {
		close_session(h);
		if (h->initialized && (rv = p11_kit_module_finalize(h->mod)) != CKR_OK)
			P11_FAIL(rv, "p11_kit_module_finalize");
		p11_kit_module_release(h->mod);
	}
	free(h->path);
	explicit_bzero(h, sizeof(*h));
	free(h);
}

/* ---- tokens ---------------------------------------------------------------- */

/* All slots with a token present (caller frees *slots). */
static int
list_slots(clv_hsm_t *h, CK_SLOT_ID **slots, CK_ULONG *n)
{
	CK_SLOT_ID *s = NULL;
	CK_ULONG cnt = 0;
	CK_RV rv;
	int r = CLV_E_INTERNAL;

	*slots = NULL;
	*n = 0;
	for (;;) {
		if ((rv = h->mod->C_GetSlotList(CK_TRUE, NULL, &cnt)) != CKR_OK) {
			r = P11_FAIL(rv, "C_GetSlotList (size)");
			goto out;
		}
		free(s);
		if ((s = calloc(cnt ? cnt : 1, sizeof(*s))) == NULL) {
			r = CLV_E_NOMEM;
			goto out;
		}
		rv = h->mod->C_GetSlotList(CK_TRUE, s, &cnt);
		if (rv == CKR_BUFFER_TOO_SMALL)
			continue;       /* a token arrived in between */
		if (rv != CKR_OK) {
			r = P11_FAIL(rv, "C_GetSlotList");
			goto out;
		}
		break;
	}
	*slots = s;
	*n = cnt;
	s = NULL;
	r = 0;
out:
	free(s);
	return r;
}

/* Appends "'label' (serial S)" of ti to list (bounded, comma separated). */
static void
list_append(char *list, size_t size, const CK_TOKEN_INFO *ti)
{
	char label[33], serial[17];
	size_t used = strlen(list);

	if (used >= size - 1)
		return;
	field_str(ti->label, sizeof(ti->label), label);
	field_str(ti->serialNumber, sizeof(ti->serialNumber), serial);
	if (ti->flags & CKF_TOKEN_INITIALIZED)
		snprintf(list + used, size - used, "%s'%s' (serial %s)",
		    used ? ", " : "", label, serial);
	else
		snprintf(list + used, size - used, "%san uninitialised token",
		    used ? ", " : "");
}

enum spec_kind { SPEC_URI, SPEC_LABEL, SPEC_SERIAL };

static int
token_matches(enum spec_kind kind, const char *value, P11KitUri *uri,
    const CK_TOKEN_INFO *ti)
{
	char field[33];

	if (!(ti->flags & CKF_TOKEN_INITIALIZED))
		return 0;
	switch (kind) {
	case SPEC_URI:
		return p11_kit_uri_match_token_info(uri, ti);
	case SPEC_LABEL:
		field_str(ti->label, sizeof(ti->label), field);
		return strcmp(field, value) == 0;
	case SPEC_SERIAL:
		field_str(ti->serialNumber, sizeof(ti->serialNumber), field);
		return strcmp(field, value) == 0;
	}
	return 0;
}

int
clv_hsm_select(clv_hsm_t *h, const char *spec, clv_diag_t *diag)
{
	P11KitUri *uri = NULL;
	CK_SLOT_ID *slots = NULL, match_slot = 0;
	CK_ULONG nslots = 0, i;
	CK_TOKEN_INFO ti, match_ti;
	CK_INFO mi;
	enum spec_kind kind;
	const char *value = NULL;
	char present[700] = "", matched[700] = "";
	unsigned nmatch = 0;
	int module_ok = 1, ur;
	CK_RV rv;
	int r = CLV_E_INTERNAL;

	if (h == NULL || h->mod == NULL || spec == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if (strncmp(spec, "pkcs11:", 7) == 0) {
		kind = SPEC_URI;
		if ((uri = p11_kit_uri_new()) == NULL) {
			r = CLV_E_NOMEM;
			goto out;
		}
		/* Parsed as an object URI so that a key's URI selects its
		 * token (object attributes are ignored here); slot
		 * attributes stay unrecognised and are refused. */
		ur = p11_kit_uri_parse(spec, P11_KIT_URI_FOR_OBJECT_ON_TOKEN_AND_MODULE, uri);
		if (ur != P11_KIT_URI_OK) {
			r = clv_diag_set(diag, CLV_E_FORMAT, "token URI '%s': %s", spec,
			    p11_kit_uri_message(ur));
			goto out;
		}
		if (p11_kit_uri_any_unrecognized(uri)) {
			r = clv_diag_set(diag, CLV_E_FORMAT, "token URI '%s': unrecognised "
			    "attribute (expected token, serial, manufacturer, model, "
			    "library-*; never slot-*)", spec);
			goto out;
		}
		if (p11_kit_uri_get_pin_value(uri) != NULL ||
		    p11_kit_uri_get_pin_source(uri) != NULL) {
			r = clv_diag_set(diag, CLV_E_FORMAT, "token URI: carries a PIN "
			    "(pin-value/pin-source); PINs are never given in URIs");
			goto out;
		}
		if ((rv = h->mod->C_GetInfo(&mi)) != CKR_OK) {
			r = P11_FAIL(rv, "C_GetInfo");
			goto out;
		}
		module_ok = p11_kit_uri_match_module_info(uri, &mi);
	} else if (strncmp(spec, "label:", 6) == 0) {
		kind = SPEC_LABEL;
		value = spec + 6;
	} else if (strncmp(spec, "serial:", 7) == 0) {
		kind = SPEC_SERIAL;
		value = spec + 7;
	} else {
		r = clv_diag_set(diag, CLV_E_USAGE, "token '%s': expected a pkcs11: URI, "
		    "label:NAME or serial:NUMBER (tokens are never chosen by slot)", spec);
		goto out;
	}

	if ((r = list_slots(h, &slots, &nslots)) != 0)
		goto out;
	for (i = 0; i < nslots; i++) {
		if ((rv = h->mod->C_GetTokenInfo(slots[i], &ti)) != CKR_OK) {
			P11_FAIL(rv, "C_GetTokenInfo");
			continue;
		}
		list_append(present, sizeof(present), &ti);
		if (!module_ok || !token_matches(kind, value, uri, &ti))
			continue;
		list_append(matched, sizeof(matched), &ti);
		if (nmatch++ == 0) {
			match_slot = slots[i];
			match_ti = ti;
		}
	}
	if (nmatch == 0) {
		r = clv_diag_set(diag, CLV_E_TOKEN_NOT_FOUND, "token '%s': no initialised "
		    "token matches in '%s'; present: %s", spec, h->path,
		    present[0] ? present : "none");
		goto out;
	}
	if (nmatch > 1) {
		r = clv_diag_set(diag, CLV_E_TOKEN_AMBIGUOUS, "token '%s': %u tokens "
		    "match: %s; choose one by serial:NUMBER", spec, nmatch, matched);
		goto out;
	}

	close_session(h);
	if ((rv = h->mod->C_OpenSession(match_slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
	    NULL, NULL, &h->session)) != CKR_OK) {
		r = clv_diag_set(diag, P11_FAIL(rv, "C_OpenSession"),
		    "token '%s': cannot open a read-write session (%s)", spec, rv_name(rv));
		goto out;
	}
	h->selected = 1;
	h->slot = match_slot;
	h->token = match_ti;
	r = 0;
out:
	if (uri != NULL)
		p11_kit_uri_free(uri);
	free(slots);
	return r;
}

/* A URI of the selected token, with the attributes of tmpl if any. */
static int
format_uri(clv_hsm_t *h, CK_ATTRIBUTE *attrs, CK_ULONG nattrs, char *out,
    size_t outlen)
{
	P11KitUri *uri = NULL;
	char *s = NULL;
	int ur, r = CLV_E_INTERNAL;

	if ((uri = p11_kit_uri_new()) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	memcpy(p11_kit_uri_get_token_info(uri), &h->token, sizeof(h->token));
	if (nattrs > 0 && p11_kit_uri_set_attributes(uri, attrs, nattrs) != P11_KIT_URI_OK) {
		r = CLV_E_NOMEM;
		goto out;
	}
	ur = p11_kit_uri_format(uri, nattrs > 0 ? P11_KIT_URI_FOR_OBJECT_ON_TOKEN :
	    P11_KIT_URI_FOR_TOKEN, &s);
	if (ur != P11_KIT_URI_OK) {
		clv_error("p11_kit_uri_format: %s", p11_kit_uri_message(ur));
		r = CLV_E_INTERNAL;
		goto out;
	}
	if (strlen(s) >= outlen) {
		clv_error("PKCS#11 URI of %zu characters does not fit %zu", strlen(s),
		    outlen);
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	memcpy(out, s, strlen(s) + 1);
	r = 0;
out:
	free(s);
	if (uri != NULL)
		p11_kit_uri_free(uri);
	return r;
}

int
clv_hsm_token_info(clv_hsm_t *h, clv_token_info_t *out)
{
	CK_TOKEN_INFO ti;
	CK_RV rv;
	int r = CLV_E_INTERNAL;

	if (out == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	memset(out, 0, sizeof(*out));
	if ((r = need_session(h)) != 0)
		goto out;
	/* Fresh flags (PIN counters, user PIN initialised). */
	if ((rv = h->mod->C_GetTokenInfo(h->slot, &ti)) != CKR_OK) {
		r = P11_FAIL(rv, "C_GetTokenInfo");
		goto out;
	}
	h->token = ti;
	field_str(ti.label, sizeof(ti.label), out->label);
	field_str(ti.serialNumber, sizeof(ti.serialNumber), out->serial);
	field_str(ti.manufacturerID, sizeof(ti.manufacturerID), out->manufacturer);
	field_str(ti.model, sizeof(ti.model), out->model);
	out->initialized = (ti.flags & CKF_TOKEN_INITIALIZED) != 0;
	out->user_pin_initialized = (ti.flags & CKF_USER_PIN_INITIALIZED) != 0;
	if ((r = format_uri(h, NULL, 0, out->uri, sizeof(out->uri))) != 0)
		goto out;
	r = 0;
out:
	return r;
}

int
clv_hsm_init_token(clv_hsm_t *h, const char *label, const clv_secret_t *so_pin,
    const clv_secret_t *user_pin, clv_diag_t *diag)
{
	CK_SLOT_ID *slots = NULL, slot = 0;
	CK_ULONG nslots = 0, i;
	CK_TOKEN_INFO ti;
	CK_UTF8CHAR padded[32];
	char present[700] = "", serial[17], spec[7 + 17];
	int found = 0, so_in = 0;
	size_t llen;
	CK_RV rv;
	int r = CLV_E_INTERNAL;

	if (h == NULL || h->mod == NULL || label == NULL || !secret_ok(so_pin) ||
	    !secret_ok(user_pin)) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if ((llen = strlen(label)) == 0 || llen > sizeof(padded)) {
		r = clv_diag_set(diag, CLV_E_INVALID_ARG, "token label '%s': expected 1 "
		    "to 32 octets", label);
		goto out;
	}
	memset(padded, ' ', sizeof(padded));
	memcpy(padded, label, llen);

	close_session(h);
	if ((r = list_slots(h, &slots, &nslots)) != 0)
		goto out;
	for (i = 0; i < nslots; i++) {
		if ((rv = h->mod->C_GetTokenInfo(slots[i], &ti)) != CKR_OK) {
			P11_FAIL(rv, "C_GetTokenInfo");
			continue;
		}
		list_append(present, sizeof(present), &ti);
		if (!found && !(ti.flags & CKF_TOKEN_INITIALIZED)) {
			slot = slots[i];
			found = 1;
		}
	}
	if (!found) {
		r = clv_diag_set(diag, CLV_E_TOKEN_NOT_FOUND, "'%s' has no uninitialised "
		    "token to initialise as '%s'; present: %s", h->path, label,
		    present[0] ? present : "none");
		goto out;
	}
	if ((rv = h->mod->C_InitToken(slot, so_pin->p, (CK_ULONG)so_pin->len,
	    padded)) != CKR_OK) {
		r = clv_diag_set(diag, P11_FAIL(rv, "C_InitToken"), "initialising token "
		    "'%s': C_InitToken failed with %s", label, rv_name(rv));
		goto out;
	}
	if ((rv = h->mod->C_GetTokenInfo(slot, &ti)) != CKR_OK) {
		r = P11_FAIL(rv, "C_GetTokenInfo");
		goto out;
	}
	field_str(ti.serialNumber, sizeof(ti.serialNumber), serial);
	clv_info("initialised token '%s' serial %s", label, serial);

	/* SoftHSM renumbers slots once a token is initialised: find it
	 * again by serial (this opens the session on the current slot). */
	snprintf(spec, sizeof(spec), "serial:%s", serial);
	if ((r = clv_hsm_select(h, spec, diag)) != 0)
		goto out;
	if ((rv = h->mod->C_Login(h->session, CKU_SO, so_pin->p,
	    (CK_ULONG)so_pin->len)) != CKR_OK) {
		r = clv_diag_set(diag, P11_FAIL(rv, "C_Login (SO)"), "token '%s': SO "
		    "login failed with %s", label, rv_name(rv));
		goto out;
	}
	so_in = 1;
	if ((rv = h->mod->C_InitPIN(h->session, user_pin->p,
	    (CK_ULONG)user_pin->len)) != CKR_OK) {
		r = clv_diag_set(diag, P11_FAIL(rv, "C_InitPIN"), "token '%s': setting "
		    "the user PIN failed with %s", label, rv_name(rv));
		goto out;
	}
	r = 0;
out:
	if (so_in && (rv = h->mod->C_Logout(h->session)) != CKR_OK) {
		P11_FAIL(rv, "C_Logout (SO)");
		if (r == 0)
			r = rv_code(rv);
	}
	free(slots);
	return r;
}

/* ---- login ----------------------------------------------------------------- */

/* C_Login as user or SO; "already logged in" is success (a shared session). */
static int
login_as(clv_hsm_t *h, const clv_secret_t *pin, CK_USER_TYPE who)
{
	const char *call = who == CKU_SO ? "C_Login (SO)" : "C_Login";
	CK_RV rv;
	int r;

	if (!secret_ok(pin))
		return CLV_E_INVALID_ARG;
	if ((r = need_session(h)) != 0)
		return r;
	rv = h->mod->C_Login(h->session, who, pin->p, (CK_ULONG)pin->len);
	if (rv == CKR_USER_ALREADY_LOGGED_IN)
		clv_debug("%s: already logged in", call);
	else if (rv != CKR_OK)
		return P11_FAIL(rv, call);
	h->logged_in = 1;
	return 0;
}

int
clv_hsm_login(clv_hsm_t *h, const clv_secret_t *pin)
{
	return login_as(h, pin, CKU_USER);
}

int
clv_hsm_login_so(clv_hsm_t *h, const clv_secret_t *pin)
{
	return login_as(h, pin, CKU_SO);
}

int
clv_hsm_set_pin(clv_hsm_t *h, const clv_secret_t *old_pin, const clv_secret_t *new_pin)
{
	int so = 0;
	CK_RV rv;
	int r = CLV_E_INTERNAL;

	if (!secret_ok(old_pin) || !secret_ok(new_pin)) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if ((r = need_any_login(h, &so)) != 0)
		goto out;
	if ((rv = h->mod->C_SetPIN(h->session, old_pin->p, (CK_ULONG)old_pin->len,
	    new_pin->p, (CK_ULONG)new_pin->len)) != CKR_OK) {
		r = P11_FAIL(rv, so ? "C_SetPIN (SO)" : "C_SetPIN (user)");
		goto out;
	}
	clv_info("changed the %s PIN", so ? "SO" : "user");
	r = 0;
out:
	return r;
}

int
clv_hsm_logout(clv_hsm_t *h)
{
	CK_RV rv;
	int r = CLV_E_INTERNAL;

	if ((r = need_session(h)) != 0)
		goto out;
	rv = h->mod->C_Logout(h->session);
	h->logged_in = 0;
	if (rv != CKR_OK && rv != CKR_USER_NOT_LOGGED_IN) {
		r = P11_FAIL(rv, "C_Logout");
		goto out;
	}
	r = 0;
out:
	return r;
}

/* ---- keys ------------------------------------------------------------------ */

int
clv_hsm_label_exists(clv_hsm_t *h, const char *label, int *exists)
{
	CK_OBJECT_HANDLE found[1];
	CK_ULONG n = 0;
	int r = CLV_E_INTERNAL;

	if (exists == NULL || label == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	*exists = 0;
	if ((r = need_session(h)) != 0)
		goto out;
	if ((r = find_objects(h, (CK_OBJECT_CLASS)-1, label, found, 1, &n)) != 0)
		goto out;
	*exists = n > 0;
	r = 0;
out:
	return r;
}

static int
key_flags(clv_hsm_t *h, CK_OBJECT_HANDLE priv, clv_hsm_key_attrs_t *out)
{
	clv_buf_t id = { NULL, 0 };
	int r = CLV_E_INTERNAL;

	memset(out, 0, sizeof(*out));
	if ((r = get_bool(h, priv, CKA_SENSITIVE, &out->sensitive)) != 0 ||
	    (r = get_bool(h, priv, CKA_EXTRACTABLE, &out->extractable)) != 0 ||
	    (r = get_bool(h, priv, CKA_ALWAYS_SENSITIVE, &out->always_sensitive)) != 0 ||
	    (r = get_bool(h, priv, CKA_NEVER_EXTRACTABLE, &out->never_extractable)) != 0 ||
	    (r = get_bool(h, priv, CKA_SIGN, &out->sign)) != 0 ||
	    (r = get_bool(h, priv, CKA_DERIVE, &out->derive)) != 0 ||
	    (r = get_bool(h, priv, CKA_DECRYPT, &out->decrypt)) != 0 ||
	    (r = get_bool(h, priv, CKA_UNWRAP, &out->unwrap)) != 0 ||
	    (r = get_bool(h, priv, CKA_SIGN_RECOVER, &out->sign_recover)) != 0 ||
	    (r = get_bool(h, priv, CKA_TOKEN, &out->token)) != 0 ||
	    (r = get_bool(h, priv, CKA_PRIVATE, &out->is_private)) != 0)
		goto out;
	if ((r = get_attr(h, priv, CKA_ID, &id)) != 0)
		goto out;
	if (id.len > sizeof(out->id)) {
		clv_error("CKA_ID of %zu octets", id.len);
		r = CLV_E_PKCS11;
		goto out;
	}
	memcpy(out->id, id.data, id.len);
	out->id_len = id.len;
	r = 0;
out:
	clv_buf_free(&id);
	return r;
}

int
clv_hsm_key_attrs(clv_hsm_t *h, const char *label, clv_hsm_key_attrs_t *out)
{
	CK_OBJECT_HANDLE priv;
	int r = CLV_E_INTERNAL;

	if (label == NULL || out == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	memset(out, 0, sizeof(*out));
	if ((r = need_login(h)) != 0)
		goto out;
	if ((r = find_one(h, CKO_PRIVATE_KEY, label, &priv)) != 0)
		goto out;
	if ((r = key_flags(h, priv, out)) != 0)
		goto out;
	r = 0;
out:
	return r;
}

static int
check_keyspec(const clv_keyspec_t *spec, clv_diag_t *diag)
{
	const clv_curve_info_t *ci;

	switch (spec->type) {
	case CLV_KEY_EC:
		ci = clv_curve_by_id(spec->curve);
		if (ci == NULL || !ci->generate)
			return clv_diag_set(diag, CLV_E_UNSUPPORTED_CURVE, "key spec: curve "
			    "%s is not one that keys are generated on (P-256, P-384, P-521, "
			    "brainpoolP256r1, brainpoolP384r1, brainpoolP512r1)",
			    ci != NULL ? ci->name : "(unknown)");
		return 0;
	case CLV_KEY_RSA:
		if (spec->rsa_bits != 3072 && spec->rsa_bits != 4096)
			return clv_diag_set(diag, CLV_E_UNSUPPORTED_ALG, "key spec: RSA "
			    "modulus of %u bits; expected 3072 or 4096", spec->rsa_bits);
		return 0;
	default:
		return clv_diag_set(diag, CLV_E_UNSUPPORTED_ALG, "key spec: key type %d; "
		    "expected EC or RSA", (int)spec->type);
	}
}

static void
destroy_pair(clv_hsm_t *h, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv)
{
	CK_RV rv;

	if ((rv = h->mod->C_DestroyObject(h->session, priv)) != CKR_OK)
		P11_FAIL(rv, "C_DestroyObject (private key)");
	if ((rv = h->mod->C_DestroyObject(h->session, pub)) != CKR_OK)
		P11_FAIL(rv, "C_DestroyObject (public key)");
}

/* What a generated pair is for: a signing key (CA keys) or an officer
 * card's ECDH key. */
enum key_usage { USAGE_SIGN, USAGE_DERIVE };

static int
generate_pair(clv_hsm_t *h, const char *label, const clv_keyspec_t *spec,
    enum key_usage usage, clv_pubkey_t **pub_out, clv_diag_t *diag)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BBOOL sign = usage == USAGE_SIGN ? CK_TRUE : CK_FALSE;
	CK_BBOOL derive = usage == USAGE_DERIVE ? CK_TRUE : CK_FALSE;
	CK_ULONG bits = 0;
	CK_BYTE e65537[] = { 0x01, 0x00, 0x01 };
	unsigned char tmp_id[20], key_id[20];
	CK_MECHANISM mech = { 0, NULL, 0 };
	CK_ATTRIBUTE pub_t[12], priv_t[14], set_id = { CKA_ID, key_id, sizeof(key_id) };
	CK_ULONG npub = 0, npriv = 0;
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
	clv_buf_t params = { NULL, 0 };
	clv_pubkey_t *k = NULL;
	clv_hsm_key_attrs_t ka;
	char token[33];
	int exists = 0, generated = 0;
	CK_RV rv;
	int r = CLV_E_INTERNAL;

	if ((r = check_keyspec(spec, diag)) != 0)
		goto out;
	if ((r = need_login(h)) != 0) {
		clv_diag_set(diag, r, "generating key '%s': not logged in to the token", label);
		goto out;
	}
	field_str(h->token.label, sizeof(h->token.label), token);
	if ((r = clv_hsm_label_exists(h, label, &exists)) != 0)
		goto out;
	if (exists) {
		r = clv_diag_set(diag, CLV_E_KEY_EXISTS, "key label '%s' already exists on "
		    "token '%s'; labels are never reused", label, token);
		goto out;
	}
	if ((r = clv_hsm_random(h, tmp_id, sizeof(tmp_id))) != 0)
		goto out;

	pub_t[npub++] = (CK_ATTRIBUTE){ CKA_TOKEN, &yes, sizeof(yes) };
	pub_t[npub++] = (CK_ATTRIBUTE){ CKA_VERIFY, &sign, sizeof(sign) };
	pub_t[npub++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	pub_t[npub++] = (CK_ATTRIBUTE){ CKA_ID, tmp_id, sizeof(tmp_id) };
	/* public keys are readable before login: a share is sealed to a card's
	 * key without its PIN, share sets are checked against the ceremony key
	 * before the quorum logs in */
	pub_t[npub++] = (CK_ATTRIBUTE){ CKA_PRIVATE, &no, sizeof(no) };
	/* a CA key signs and does nothing else (nor a card key but derive) */
	pub_t[npub++] = (CK_ATTRIBUTE){ CKA_ENCRYPT, &no, sizeof(no) };
	pub_t[npub++] = (CK_ATTRIBUTE){ CKA_WRAP, &no, sizeof(no) };
	priv_t[npriv++] = (CK_ATTRIBUTE){ CKA_DECRYPT, &no, sizeof(no) };
	priv_t[npriv++] = (CK_ATTRIBUTE){ CKA_UNWRAP, &no, sizeof(no) };
	priv_t[npriv++] = (CK_ATTRIBUTE){ CKA_SIGN_RECOVER, &no, sizeof(no) };
	priv_t[npriv++] = (CK_ATTRIBUTE){ CKA_TOKEN, &yes, sizeof(yes) };
	priv_t[npriv++] = (CK_ATTRIBUTE){ CKA_PRIVATE, &yes, sizeof(yes) };
	priv_t[npriv++] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &yes, sizeof(yes) };
	priv_t[npriv++] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, &no, sizeof(no) };
	priv_t[npriv++] = (CK_ATTRIBUTE){ CKA_SIGN, &sign, sizeof(sign) };
	priv_t[npriv++] = (CK_ATTRIBUTE){ CKA_DERIVE, &derive, sizeof(derive) };
	priv_t[npriv++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	priv_t[npriv++] = (CK_ATTRIBUTE){ CKA_ID, tmp_id, sizeof(tmp_id) };
	if (spec->type == CLV_KEY_EC) {
		if ((r = ec_params_encode(spec->curve, &params)) != 0)
			goto out;
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		pub_t[npub++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, params.data, params.len };
	} else {
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		bits = spec->rsa_bits;
		pub_t[npub++] = (CK_ATTRIBUTE){ CKA_MODULUS_BITS, &bits, sizeof(bits) };
		pub_t[npub++] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, e65537, sizeof(e65537) };
	}

	rv = h->mod->C_GenerateKeyPair(h->session, &mech, pub_t, npub, priv_t, npriv,
	    &pub, &priv);
	if (rv != CKR_OK) {
		r = clv_diag_set(diag, P11_FAIL(rv, "C_GenerateKeyPair"), "generating key "
		    "'%s' on token '%s': C_GenerateKeyPair failed with %s", label, token,
		    rv_name(rv));
		goto out;
	}
	generated = 1;

	if ((r = read_pubkey(h, pub, &k)) != 0) {
		clv_diag_set(diag, r, "generated key '%s' on token '%s': public key "
		    "cannot be read back (%s); the pair was destroyed", label, token,
		    clv_strerror(r));
		goto out;
	}
	if ((r = clv_pubkey_key_id(k, key_id)) != 0)
		goto out;
	if ((rv = h->mod->C_SetAttributeValue(h->session, priv, &set_id, 1)) != CKR_OK ||
	    (rv = h->mod->C_SetAttributeValue(h->session, pub, &set_id, 1)) != CKR_OK) {
		r = clv_diag_set(diag, P11_FAIL(rv, "C_SetAttributeValue (CKA_ID)"),
		    "generated key '%s' on token '%s': setting CKA_ID to the key id "
		    "failed with %s; the pair was destroyed", label, token, rv_name(rv));
		goto out;
	}
	if ((r = key_flags(h, priv, &ka)) != 0)
		goto out;
	if (ka.sensitive != 1 || ka.extractable != 0) {
		clv_error("token left private key '%s' CKA_SENSITIVE=%d CKA_EXTRACTABLE=%d",
		    label, ka.sensitive, ka.extractable);
		r = clv_diag_set(diag, CLV_E_PKCS11, "generated key '%s' on token '%s': "
		    "the token did not keep the private key sensitive and non-extractable "
		    "(CKA_SENSITIVE=%d, CKA_EXTRACTABLE=%d; -1 = not reported); the pair "
		    "was destroyed", label, token, ka.sensitive, ka.extractable);
		goto out;
	}
	if (usage == USAGE_DERIVE && (ka.derive != 1 || ka.sign == 1)) {
		clv_error("token left ECDH key '%s' CKA_DERIVE=%d CKA_SIGN=%d", label,
		    ka.derive, ka.sign);
		r = clv_diag_set(diag, CLV_E_PKCS11, "generated key '%s' on token '%s': "
		    "the token did not make a key for derivation only (CKA_DERIVE=%d, "
		    "CKA_SIGN=%d; -1 = not reported); the pair was destroyed", label,
		    token, ka.derive, ka.sign);
		goto out;
	}
	clv_info("generated %s key pair '%s' on token '%s'",
	    usage == USAGE_DERIVE ? "ECDH" : "signing", label, token);
	if (pub_out != NULL) {
		*pub_out = k;
		k = NULL;
	}
	generated = 0;
	r = 0;
out:
	if (generated)
		destroy_pair(h, pub, priv);
	clv_pubkey_free(k);
	clv_buf_free(&params);
	return r;
}

int
clv_hsm_generate(clv_hsm_t *h, const char *label, const clv_keyspec_t *spec,
    clv_pubkey_t **pub_out, clv_diag_t *diag)
{
	int r = CLV_E_INTERNAL;

	if (pub_out != NULL)
		*pub_out = NULL;
	if (label == NULL || *label == '\0' || spec == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if ((r = generate_pair(h, label, spec, USAGE_SIGN, pub_out, diag)) != 0)
		goto out;
	r = 0;
out:
	return r;
}

int
clv_hsm_generate_ecdh(clv_hsm_t *h, const char *label, clv_curve_t curve,
    clv_pubkey_t **pub_out, clv_diag_t *diag)
{
	clv_keyspec_t spec = { CLV_KEY_EC, curve, 0 };
	int r = CLV_E_INTERNAL;

	if (pub_out != NULL)
		*pub_out = NULL;
	if (label == NULL || *label == '\0') {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if ((r = generate_pair(h, label, &spec, USAGE_DERIVE, pub_out, diag)) != 0)
		goto out;
	r = 0;
out:
	return r;
}

/* ---- officer cards: ECDH and identity ---------------------------------------- */

int
clv_hsm_ecdh(clv_hsm_t *h, const char *label, const unsigned char *peer_point,
    size_t len, clv_secret_t **shared)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE gen = CKK_GENERIC_SECRET, kt = (CK_KEY_TYPE)-1;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG value_len = 0;
	CK_ATTRIBUTE kt_attr = { CKA_KEY_TYPE, &kt, sizeof(kt) }, value;
	CK_ATTRIBUTE tmpl[6];
	CK_ECDH1_DERIVE_PARAMS params;
	CK_MECHANISM mech = { CKM_ECDH1_DERIVE, &params, sizeof(params) };
	CK_OBJECT_HANDLE priv, derived = CK_INVALID_HANDLE;
	const clv_curve_info_t *ci;
	clv_buf_t ecp = { NULL, 0 };
	clv_secret_t *s = NULL;
	clv_curve_t curve;
	CK_RV rv;
	int r = CLV_E_INTERNAL;

	if (shared != NULL)
		*shared = NULL;
	if (label == NULL || peer_point == NULL || shared == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if ((r = need_login(h)) != 0)
		goto out;
	if ((r = find_one(h, CKO_PRIVATE_KEY, label, &priv)) != 0)
		goto out;
	if ((rv = h->mod->C_GetAttributeValue(h->session, priv, &kt_attr, 1)) != CKR_OK) {
		r = P11_FAIL(rv, "C_GetAttributeValue (CKA_KEY_TYPE)");
		goto out;
	}
	if (kt != CKK_EC) {
		clv_error("key '%s' (CKK 0x%lx) is not an EC key", label, (unsigned long)kt);
		r = CLV_E_KEY_MISMATCH;
		goto out;
	}
	if ((r = get_attr(h, priv, CKA_EC_PARAMS, &ecp)) != 0)
		goto out;
	if ((r = ec_params_decode(&ecp, &curve)) != 0)
		goto out;
	if ((ci = clv_curve_by_id(curve)) == NULL || ci->field_bytes == 0) {
		r = CLV_E_UNSUPPORTED_CURVE;
		goto out;
	}
	if (len != 1 + 2 * ci->field_bytes || peer_point[0] != 0x04) {
		clv_error("ECDH with '%s' (%s): peer point of %zu octets starting 0x%02x; "
		    "expected an uncompressed point of %zu", label, ci->name, len,
		    len > 0 ? peer_point[0] : 0, 1 + 2 * ci->field_bytes);
		r = CLV_E_FORMAT;
		goto out;
	}
	if ((r = clv_secret_new(ci->field_bytes, &s)) != 0)
		goto out;

	params.kdf = CKD_NULL;
	params.ulSharedDataLen = 0;
	params.pSharedData = NULL;
	params.ulPublicDataLen = (CK_ULONG)len;
	params.pPublicData = (CK_BYTE_PTR)peer_point;
	value_len = (CK_ULONG)ci->field_bytes;
	tmpl[0] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	tmpl[1] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &gen, sizeof(gen) };
	tmpl[2] = (CK_ATTRIBUTE){ CKA_TOKEN, &no, sizeof(no) };
	tmpl[3] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &no, sizeof(no) };
	tmpl[4] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, &yes, sizeof(yes) };
	tmpl[5] = (CK_ATTRIBUTE){ CKA_VALUE_LEN, &value_len, sizeof(value_len) };
	if ((rv = h->mod->C_DeriveKey(h->session, &mech, priv, tmpl, 6,
	    &derived)) != CKR_OK) {
		r = P11_FAIL(rv, "C_DeriveKey (CKM_ECDH1_DERIVE)");
		derived = CK_INVALID_HANDLE;
		goto out;
	}
	value = (CK_ATTRIBUTE){ CKA_VALUE, s->p, (CK_ULONG)s->cap };
	if ((rv = h->mod->C_GetAttributeValue(h->session, derived, &value, 1)) != CKR_OK) {
		r = P11_FAIL(rv, "C_GetAttributeValue (CKA_VALUE of the derived secret)");
		goto out;
	}
	if (value.ulValueLen != (CK_ULONG)ci->field_bytes) {
		clv_error("ECDH with '%s': derived secret of %lu octets, expected %zu",
		    label, (unsigned long)value.ulValueLen, ci->field_bytes);
		r = CLV_E_PKCS11;
		goto out;
	}
	s->len = ci->field_bytes;
	*shared = s;
	s = NULL;
	r = 0;
out:
	if (derived != CK_INVALID_HANDLE &&
	    (rv = h->mod->C_DestroyObject(h->session, derived)) != CKR_OK) {
		P11_FAIL(rv, "C_DestroyObject (derived secret)");
		if (r == 0) {
			/* the secret is still in a session object: do not hand
			 * it out as if all went well */
			clv_secret_free(*shared);
			*shared = NULL;
			r = rv_code(rv);
		}
	}
	clv_secret_free(s);
	clv_buf_free(&ecp);
	return r;
}

int
clv_hsm_card_identity(clv_hsm_t *h, const char *key_label, char *out, size_t outlen)
{
	char label[33], serial[17];
	int n, r = CLV_E_INTERNAL;

	if (key_label == NULL || *key_label == '\0' || out == NULL || outlen == 0) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	out[0] = '\0';
	if ((r = need_session(h)) != 0)
		goto out;
	field_str(h->token.serialNumber, sizeof(h->token.serialNumber), serial);
	field_str(h->token.label, sizeof(h->token.label), label);
	n = snprintf(out, outlen, "serial=%s;label=%s;key=%s", serial, label, key_label);
	if (n < 0 || (size_t)n >= outlen) {
		clv_error("card identity of %d characters does not fit %zu", n, outlen);
		out[0] = '\0';
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	r = 0;
out:
	return r;
}

int
clv_hsm_pubkey(clv_hsm_t *h, const char *label, clv_pubkey_t **out)
{
	CK_OBJECT_HANDLE pub;
	int r = CLV_E_INTERNAL;

	if (out == NULL || label == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	*out = NULL;
	if ((r = need_session(h)) != 0)
		goto out;
	if ((r = find_one(h, CKO_PUBLIC_KEY, label, &pub)) != 0)
		goto out;
	if ((r = read_pubkey(h, pub, out)) != 0)
		goto out;
	r = 0;
out:
	return r;
}

int
clv_hsm_key_uri(clv_hsm_t *h, const char *label, char *out, size_t outlen)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE attrs[2];
	int r = CLV_E_INTERNAL;

	if (label == NULL || *label == '\0' || out == NULL || outlen == 0) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	out[0] = '\0';
	if ((r = need_session(h)) != 0)
		goto out;
	attrs[0] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	attrs[1] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	if ((r = format_uri(h, attrs, 2, out, outlen)) != 0)
		goto out;
	r = 0;
out:
	return r;
}

/* ---- signing --------------------------------------------------------------- */

static CK_MECHANISM_TYPE
ckm_hash(clv_hash_alg_t a)
{
	switch (a) {
	case CLV_HASH_SHA1: return CKM_SHA_1;
	case CLV_HASH_SHA224: return CKM_SHA224;
	case CLV_HASH_SHA256: return CKM_SHA256;
	case CLV_HASH_SHA384: return CKM_SHA384;
	case CLV_HASH_SHA512: return CKM_SHA512;
	default: return (CK_MECHANISM_TYPE)-1;
	}
}

static CK_RSA_PKCS_MGF_TYPE
ckg_mgf(clv_hash_alg_t a)
{
	switch (a) {
	case CLV_HASH_SHA1: return CKG_MGF1_SHA1;
	case CLV_HASH_SHA224: return CKG_MGF1_SHA224;
	case CLV_HASH_SHA256: return CKG_MGF1_SHA256;
	case CLV_HASH_SHA384: return CKG_MGF1_SHA384;
	case CLV_HASH_SHA512: return CKG_MGF1_SHA512;
	default: return (CK_RSA_PKCS_MGF_TYPE)-1;
	}
}

int
clv_hsm_sign(clv_hsm_t *h, const char *label, const clv_sigalg_t *alg,
    const unsigned char *data, size_t len, clv_buf_t *sig_out)
{
	unsigned char digest[CLV_HASH_MAX];
	size_t dlen;
	clv_buf_t di = { NULL, 0 }, raw = { NULL, 0 };
	CK_OBJECT_HANDLE priv;
	CK_KEY_TYPE kt = (CK_KEY_TYPE)-1;
	CK_ATTRIBUTE kt_attr = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	CK_RSA_PKCS_PSS_PARAMS pss;
	CK_MECHANISM mech = { 0, NULL, 0 };
	clv_hash_alg_t mgf_hash;
	unsigned char *in;
	CK_ULONG inlen, siglen = 0;
	CK_RV rv;
	int r = CLV_E_INTERNAL;

	if (label == NULL || alg == NULL || (data == NULL && len > 0) || sig_out == NULL) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if ((dlen = clv_hash_len(alg->hash)) == 0 || ckm_hash(alg->hash) ==
	    (CK_MECHANISM_TYPE)-1) {
		clv_error("signature hash %d unsupported", (int)alg->hash);
		r = CLV_E_UNSUPPORTED_ALG;
		goto out;
	}
	if (alg->key != CLV_KEY_EC && alg->key != CLV_KEY_RSA) {
		r = CLV_E_UNSUPPORTED_ALG;
		goto out;
	}
	if ((r = need_login(h)) != 0)
		goto out;
	if ((r = find_one(h, CKO_PRIVATE_KEY, label, &priv)) != 0)
		goto out;
	if ((rv = h->mod->C_GetAttributeValue(h->session, priv, &kt_attr, 1)) != CKR_OK) {
		r = P11_FAIL(rv, "C_GetAttributeValue (CKA_KEY_TYPE)");
		goto out;
	}
	if ((alg->key == CLV_KEY_EC && kt != CKK_EC) ||
	    (alg->key == CLV_KEY_RSA && kt != CKK_RSA)) {
		clv_error("key '%s' (CKK 0x%lx) does not fit the %s signature algorithm",
		    label, (unsigned long)kt, alg->key == CLV_KEY_EC ? "ECDSA" : "RSA");
		r = CLV_E_KEY_MISMATCH;
		goto out;
	}
	if ((r = clv_hash(alg->hash, data, len, digest)) != 0)
		goto out;
	in = digest;
	inlen = dlen;
	if (alg->key == CLV_KEY_EC) {
		mech.mechanism = CKM_ECDSA;
	} else if (!alg->pss) {
		mech.mechanism = CKM_RSA_PKCS;
		if ((r = clv_digestinfo_encode(alg->hash, digest, &di)) != 0)
			goto out;
		in = di.data;
		inlen = di.len;
	} else {
		mgf_hash = alg->mgf_hash != CLV_HASH_NONE ? alg->mgf_hash : alg->hash;
		if (ckg_mgf(mgf_hash) == (CK_RSA_PKCS_MGF_TYPE)-1) {
			r = CLV_E_UNSUPPORTED_ALG;
			goto out;
		}
		pss.hashAlg = ckm_hash(alg->hash);
		pss.mgf = ckg_mgf(mgf_hash);
		pss.sLen = alg->salt_len != 0 ? alg->salt_len : dlen;
		mech.mechanism = CKM_RSA_PKCS_PSS;
		mech.pParameter = &pss;
		mech.ulParameterLen = sizeof(pss);
	}

	if ((rv = h->mod->C_SignInit(h->session, &mech, priv)) != CKR_OK) {
		r = P11_FAIL(rv, "C_SignInit");
		goto out;
	}
	if ((rv = h->mod->C_Sign(h->session, in, inlen, NULL, &siglen)) != CKR_OK) {
		r = P11_FAIL(rv, "C_Sign (size)");
		goto out;
	}
	if ((raw.data = malloc(siglen ? siglen : 1)) == NULL) {
		r = CLV_E_NOMEM;
		goto out;
	}
	if ((rv = h->mod->C_Sign(h->session, in, inlen, raw.data, &siglen)) != CKR_OK) {
		r = P11_FAIL(rv, "C_Sign");
		goto out;
	}
	raw.len = siglen;
	if (alg->key == CLV_KEY_EC) {
		if ((r = clv_ecdsa_sig_from_raw(raw.data, raw.len, sig_out)) != 0)
			goto out;
	} else {
		clv_buf_free(sig_out);
		*sig_out = raw;
		raw.data = NULL;
		raw.len = 0;
	}
	r = 0;
out:
	explicit_bzero(digest, sizeof(digest));
	clv_buf_free(&di);
	clv_buf_free(&raw);
	return r;
}

/* ---- random ---------------------------------------------------------------- */

int
clv_hsm_random(clv_hsm_t *h, unsigned char *buf, size_t len)
{
	CK_RV rv;
	int r = CLV_E_INTERNAL;

	if (buf == NULL && len > 0) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	if ((r = need_session(h)) != 0)
		goto out;
	if (len > 0 && (rv = h->mod->C_GenerateRandom(h->session, buf,
	    (CK_ULONG)len)) != CKR_OK) {
		P11_FAIL(rv, "C_GenerateRandom");
		r = CLV_E_RANDOM;
		goto out;
	}
	r = 0;
out:
	return r;
}

int
clv_hsm_serial(clv_hsm_t *h, size_t len, unsigned char *out)
{
	int tries, r = CLV_E_INTERNAL;

	if (out == NULL || len < 1 || len > 20) {
		r = CLV_E_INVALID_ARG;
		goto out;
	}
	/* First octet 0x01..0x7f: positive, and exactly len octets when
	 * DER-encoded (no leading zero to drop).  A token RNG that keeps
	 * giving zero first octets (1 in 128 per try) is broken. */
	for (tries = 0; tries < 64; tries++) {
		if ((r = clv_hsm_random(h, out, len)) != 0)
			goto out;
		out[0] &= 0x7f;
		if (out[0] != 0) {
			r = 0;
			goto out;
		}
	}
	clv_error("token RNG gave a zero first octet %d times", tries);
	r = CLV_E_RANDOM;
out:
	return r;
}
