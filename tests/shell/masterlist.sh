#!/bin/sh
# A CSCA with a Master List Signer and the first Master List, rehearsed and
# checked with OpenSSL: the MLS certificate chains to the CSCA with its
# critical EKU 2.23.136.1.1.3, and the Master List is CMS SignedData
# (eContentType 2.23.136.1.1.2, signed attributes contentType, signingTime,
# messageDigest) that openssl cms -verify accepts with the CSCA as anchor.
. "$top_srcdir/tests/shell/lib.sh"

answers "$T/answers"
S=$T/s
mkdir -p "$S/foreign-cscas"
cp "$top_srcdir/ceremony-scripts/csca-mls.ceremony" "$S/"
cp "$top_srcdir/templates/csca.tmpl" "$top_srcdir/templates/mls.tmpl" "$S/"
# a real foreign CSCA to list beside our own
interop=${CLV_INTEROP_DIR:?}
cp "$interop/icao/certs/NL/CSCA_NL_180621-310630_selfsigned.cer" "$S/foreign-cscas/"
if "$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$T/out" "$S/csca-mls.ceremony" \
    >"$T/run.log" 2>&1; then
	ok "the CSCA + MLS + Master List rehearsal completes"
else
	not_ok "the CSCA + MLS + Master List rehearsal completes"; sed 's/^/    /' "$T/run.log"
	finish; exit 1
fi
check "the explicit-parameter MLS (the template's default) verifies in the transcript" \
	"$CONCLAVE" transcript verify "$T/out"
# OpenSSL 3 refuses a non-root certificate whose key has explicit EC
# parameters (X509 error 94; openssl/openssl#20117), so the independent
# checks below use named curves for the CSCA and the MLS (the engine itself
# verified each signature after signing, explicit parameters or not)
for f in mls.tmpl csca.tmpl; do
	sed -i 's/^key.explicit_parameters = .*/key.explicit_parameters = no/' "$S/$f"
	grep -q '^key.explicit_parameters' "$S/$f" || echo 'key.explicit_parameters = no' >>"$S/$f"
done
"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$T/named" "$S/csca-mls.ceremony" \
	>"$T/named.log" 2>&1 || { sed 's/^/    /' "$T/named.log"; fail "named-curve MLS rehearsal"; }
O=$T/named
check "the MLS certificate chains to the CSCA" openssl verify -CAfile "$O/csca.pem" "$O/mls.pem"
# certtool reads the named-curve keys only when they are NIST curves
# (GnuTLS has no brainpool): P-384 and P-256 for this check
for f in mls.tmpl csca.tmpl; do sed -i 's/^key.curve = .*/key.curve = P-384/' "$S/$f"; done
sed -i 's/^key.curve = .*/key.curve = P-256/' "$S/mls.tmpl"
"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$T/nist" "$S/csca-mls.ceremony" \
	>"$T/nist.log" 2>&1 || { sed 's/^/    /' "$T/nist.log"; fail "NIST-curve MLS rehearsal"; }
certtool --verify --load-ca-certificate "$T/nist/csca.pem" --infile "$T/nist/mls.pem" \
	>"$T/certtool-mls.log" 2>&1 || true
has "certtool agrees: the MLS chains to the CSCA" 'Chain verification output: Verified' "$T/certtool-mls.log"
certtool -i --infile "$T/nist/mls.pem" 2>&1 | grep -A1 'Key Purpose (critical):' >"$T/certtool-mls-i.log" || true
has "certtool reads the MLS extended key usage 2.23.136.1.1.3 as critical" \
	'2\.23\.136\.1\.1\.3' "$T/certtool-mls-i.log"
openssl x509 -in "$O/mls.pem" -noout -text >"$T/mls.txt"
grep -A1 'X509v3 Extended Key Usage: critical' "$T/mls.txt" >"$T/eku" || true
has "the MLS carries the critical EKU 2.23.136.1.1.3" '2\.23\.136\.1\.1\.3' "$T/eku"
grep -A1 'X509v3 Key Usage: critical' "$T/mls.txt" >"$T/ku" || true
has "the MLS key usage is digitalSignature only" '^ *Digital Signature$' "$T/ku"
if grep -q 'Basic Constraints' "$T/mls.txt"; then not_ok "the MLS has no basicConstraints"
else ok "the MLS has no basicConstraints"; fi
has "the MLS has an AKI" 'Authority Key Identifier' "$T/mls.txt"
check "openssl cms -verify accepts the Master List with the CSCA as anchor" \
	sh -c "openssl cms -verify -inform DER -in '$O/masterlist.der' -CAfile '$O/csca.pem' -purpose any -out /dev/null 2>&1 | grep -q 'Verification successful'"
refuse "and refuses it without the CSCA" 'unable to get local issuer|Verify error|verify error|verification failure' \
	sh -c "openssl cms -verify -inform DER -in '$O/masterlist.der' -CAfile '$O/mls.pem' -purpose any -out /dev/null 2>&1; exit 1"
openssl cms -cmsout -print -inform DER -in "$O/masterlist.der" >"$T/ml.txt" 2>&1
has "eContentType is 2.23.136.1.1.2" 'eContentType: (undefined|.*)?\(?2\.23\.136\.1\.1\.2' "$T/ml.txt"
has "signed attribute contentType" 'contentType' "$T/ml.txt"
has "signed attribute signingTime" 'signingTime' "$T/ml.txt"
has "signed attribute messageDigest" 'messageDigest' "$T/ml.txt"
has "the signer is identified by subjectKeyIdentifier" 'd.subjectKeyIdentifier|subjectKeyIdentifier:' "$T/ml.txt"
# the content: our CSCA and the foreign one
openssl cms -verify -inform DER -in "$O/masterlist.der" -CAfile "$O/csca.pem" -purpose any \
	-out "$T/content.der" >/dev/null 2>&1
openssl asn1parse -inform DER -in "$T/content.der" >"$T/content.txt" 2>&1
n=$(grep -c 'd=2 .* cons: SEQUENCE' "$T/content.txt" || true)
[ "$n" -eq 2 ] && ok "the certList holds our CSCA and the foreign one" ||
	not_ok "the certList holds our CSCA and the foreign one ($n)"
"$CONCLAVE" show "$O/masterlist.der" --anchor "$O/csca.pem" >"$T/show.txt" 2>&1 || true
has "our Master List parser reads our Master List" '^CSCA Master List ' "$T/show.txt"
has "and verifies it to the CSCA" 'verified under the signer certificate, which the anchor issued' "$T/show.txt"
has "it lists both CSCA certificates" 'certificates: 2' "$T/show.txt"
has "with no departure from the standards" 'departures: none' "$T/show.txt"
refuse "under another CSCA it does not verify" 'DOES NOT VERIFY' \
	sh -c "'$CONCLAVE' show '$O/masterlist.der' --anchor '$interop/icao/certs/NL/CSCA_NL_180621-310630_selfsigned.cer'; exit 1"
"$CONCLAVE" show "$interop/icao/masterlists/ICAO_ML_Jan2021.ml" >"$T/icao.txt" 2>&1 || true
has "the ICAO Jan-2021 list is reported for its DigestInfo without NULL" \
	'departures: .*RSA DigestInfo without the NULL parameter' "$T/icao.txt"
has "and its 284 certificates are read" 'certificates: 284' "$T/icao.txt"
check "the transcript verifies and covers the Master List" "$CONCLAVE" transcript verify "$O"
has "the transcript records the Master List" 'master-list-signed' "$O/transcript.log"

# a non-CA certificate in the include directory is refused by name
cp "$O/mls.pem" "$S/foreign-cscas/not-a-csca.pem"
refuse "a non-CA certificate among the foreign CSCAs is refused by name" \
	'not-a-csca.pem .*not a CA certificate' \
	"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$T/out3" "$S/csca-mls.ceremony"

finish
