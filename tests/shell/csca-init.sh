#!/bin/sh
# The csca-init rehearsal for every curve and RSA, checked by tools we did
# not write: openssl x509/verify/crl, certtool where it can parse the key.
. "$top_srcdir/tests/shell/lib.sh"

answers "$T/answers"

# rehearse NAME: runs the ceremony in $T/NAME (script+template) into $T/NAME/out
rehearse() {
	"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$T/$1/out" \
		"$T/$1/csca-init.ceremony" >"$T/$1.log" 2>&1
}

profile_checks() {
	n=$1; out=$T/$n/out
	openssl x509 -in "$out/csca.pem" -noout -text >"$T/$n.text" 2>&1 ||
		{ not_ok "$n: openssl x509 -text parses csca.pem"; return; }
	has "$n: v3" 'Version: 3 \(0x2\)' "$T/$n.text"
	grep -A1 'X509v3 Key Usage: critical' "$T/$n.text" >"$T/$n.ku" || true
	has "$n: keyUsage critical keyCertSign+cRLSign" '^ *Certificate Sign, CRL Sign$' "$T/$n.ku"
	grep -A1 'X509v3 Basic Constraints: critical' "$T/$n.text" >"$T/$n.bc" || true
	has "$n: basicConstraints critical CA pathlen 0" 'CA:TRUE, pathlen:0' "$T/$n.bc"
	has "$n: subjectKeyIdentifier" 'X509v3 Subject Key Identifier' "$T/$n.text"
	has "$n: privateKeyUsagePeriod" 'Private Key Usage Period' "$T/$n.text"
	grep -A1 'Subject Alternative Name' "$T/$n.text" >"$T/$n.san" || true
	has "$n: SAN DirName L=UTO" 'DirName:/L=UTO' "$T/$n.san"
	grep -A1 'Issuer Alternative Name' "$T/$n.text" >"$T/$n.ian" || true
	has "$n: IAN DirName L=UTO" 'DirName:/L=UTO' "$T/$n.ian"
	has "$n: CRL distribution point" 'URI:https://pkd.example.invalid/CRLs/UTO.crl' "$T/$n.text"
	has "$n: subject C=UT PrintableString, REHEARSAL stamp" \
		'Subject: C = UT, O = Utopia Passport Office, CN = REHEARSAL CSCA Utopia' "$T/$n.text"
	openssl asn1parse -in "$out/csca.pem" >"$T/$n.asn1"
	has "$n: countryName is a PrintableString" 'countryName *$' "$T/$n.asn1"
	grep -A1 'countryName' "$T/$n.asn1" | grep -q 'PRINTABLESTRING *:UT' &&
		ok "$n: C=UT encoded as PrintableString" || not_ok "$n: C=UT encoded as PrintableString"
	has "$n: UTCTime validity" 'UTCTIME' "$T/$n.asn1"
	check "$n: openssl verify -CAfile csca.pem csca.pem" \
		openssl verify -CAfile "$out/csca.pem" "$out/csca.pem"
	check "$n: openssl crl verifies the CRL under csca.pem" \
		sh -c "openssl crl -in '$out/csca-crl.pem' -CAfile '$out/csca.pem' -noout 2>&1 | grep -q 'verify OK'"
	openssl crl -in "$out/csca-crl.pem" -noout -text >"$T/$n.crl" 2>&1
	has "$n: CRL v2" 'Version 2 \(0x1\)' "$T/$n.crl"
	grep -A1 'X509v3 CRL Number' "$T/$n.crl" | grep -q '^ *1$' &&
		ok "$n: CRL number 1" || not_ok "$n: CRL number 1"
	has "$n: CRL AKI" 'Authority Key Identifier' "$T/$n.crl"
	has "$n: CRL empty" 'No Revoked Certificates' "$T/$n.crl"
	check "$n: SHA256SUMS match the outputs" sh -c "cd '$out' && sha256sum -c SHA256SUMS"
	has "$n: PEM marked REHEARSAL" '^REHEARSAL' "$out/csca.pem"
	check "$n: audit trail verifies" "$CONCLAVE" audit verify --store "$out/rehearsal-store.db"
}

# name curve explicit hash [padding]
run_case() {
	n=$1
	ceremony_copy "$T/$n"
	if [ "$2" = rsa ]; then
		set_key "$T/$n" key.algorithm rsa
		del_key "$T/$n" key.curve
		del_key "$T/$n" key.explicit_parameters
		set_key "$T/$n" key.rsa_bits "$(echo "$n" | sed 's/^rsa\([0-9]*\).*/\1/')"
		set_key "$T/$n" signature.rsa_padding "$5"
	else
		set_key "$T/$n" key.curve "$2"
		set_key "$T/$n" key.explicit_parameters "$3"
	fi
	set_key "$T/$n" signature.hash "$4"
	if rehearse "$n"; then
		ok "$n: rehearsal ceremony completes"
		profile_checks "$n"
	else
		not_ok "$n: rehearsal ceremony completes"
		sed 's/^/    /' "$T/$n.log"
	fi
}

run_case bp256-explicit brainpoolP256r1 yes sha256
run_case bp384-explicit brainpoolP384r1 yes sha384
run_case bp512-explicit brainpoolP512r1 yes sha512
run_case p256-explicit P-256 yes sha256
run_case p256-named P-256 no sha256
run_case p384-explicit P-384 yes sha384
run_case p521-explicit P-521 yes sha512
run_case rsa3072-pkcs1 rsa - sha256 pkcs1
run_case rsa3072-pss rsa - sha256 pss
run_case rsa4096-pss rsa - sha512 pss

# what the explicit and named encodings look like to openssl
has "explicit parameters are explicit" 'Field Type: prime-field' "$T/bp384-explicit.text"
has "explicit parameters carry the cofactor" 'Cofactor: *1' "$T/bp384-explicit.text"
has "named curve is named" 'ASN1 OID: prime256v1' "$T/p256-named.text"
has "RSA-PSS signature" 'rsassaPss' "$T/rsa3072-pss.text"

# certtool parses named-curve and RSA keys (not explicit parameters: GnuTLS cannot)
for n in p256-named rsa3072-pkcs1; do
	check "$n: certtool verifies the self-signed certificate" \
		sh -c "certtool --verify --load-ca-certificate '$T/$n/out/csca.pem' --infile '$T/$n/out/csca.pem' 2>&1 | grep -q 'Chain verification output: Verified'"
	check "$n: certtool verifies the CRL" \
		sh -c "certtool --verify-crl --load-ca-certificate '$T/$n/out/csca.pem' --infile '$T/$n/out/csca-crl.pem' 2>&1 | grep -q 'Verification output: Verified'"
done

# the console's own reading of what it made
check "conclave show reads the certificate back and verifies it" \
	sh -c "'$CONCLAVE' show '$T/bp512-explicit/out/csca.der' | grep -q 'self-signature: verified'"

# a validity reaching past 2049 is written as GeneralizedTime
ceremony_copy "$T/gentime"
set_key "$T/gentime" validity 25y
set_key "$T/gentime" validity.max 25y
if CONCLAVE_REHEARSAL_TIME=2030-01-01T00:00:00Z rehearse gentime; then
	openssl asn1parse -in "$T/gentime/out/csca.pem" >"$T/gentime.asn1"
	has "notBefore 2030 is UTCTime" 'UTCTIME *:300101000000Z' "$T/gentime.asn1"
	has "notAfter 2055 is GeneralizedTime" 'GENERALIZEDTIME *:20550101000000Z' "$T/gentime.asn1"
	check "pinned-clock certificate verifies" \
		openssl verify -attime 1893456000 -CAfile "$T/gentime/out/csca.pem" "$T/gentime/out/csca.pem"
else
	not_ok "rehearsal with a pinned 2030 clock"; sed 's/^/    /' "$T/gentime.log"
fi
refuse "the test clock is refused outside rehearsals" 'only with --rehearsal' \
	env CONCLAVE_REHEARSAL_TIME=2030-01-01T00:00:00Z "$CONCLAVE" run --answers "$T/answers" \
	--out "$T/x" --store "$T/x.db" "$T/gentime/csca-init.ceremony"

finish
