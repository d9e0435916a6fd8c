#!/bin/sh
# Document Signer certificates from PKCS#10 requests made by openssl on the
# DS hosts, issued by the CSCA key an earlier ceremony made: the whole batch
# is checked first and one bad request stops it before anything is signed;
# the certificates carry the DS profile and openssl verify chains them to
# the CSCA.
. "$top_srcdir/tests/shell/lib.sh"

softhsm_store
answers "$T/answers" "alice, bob" "$T/media"
{ cat "$T/answers"; printf '[labels]\ncsca = UT-CSCA-DS\n'; } >"$T/a"; chmod 600 "$T/a"
token_init "$T/tok" ds-tok 2 2 3 "$T/answers" >"$T/init.log" 2>&1 || { cat "$T/init.log"; fail "token-init"; }
DB=$T/tok/store.db
# named curves, so that OpenSSL 3 can verify the chain (it refuses explicit
# EC parameters below the root: error 94); a NIST curve for the CSCA here so
# that certtool (GnuTLS has no brainpool) can check the chain as well -- the
# brainpool CSCA signing a subordinate is checked by openssl in masterlist.sh
ceremony_copy "$T/c"
set_key "$T/c" key.explicit_parameters no
set_key "$T/c" key.curve P-384
"$CONCLAVE" run --token label:ds-tok --store "$DB" --answers "$T/a" --out "$T/csca" \
	"$T/c/csca-init.ceremony" >"$T/csca.log" 2>&1 || { cat "$T/csca.log"; fail "csca-init"; }
S=$T/s
mkdir -p "$S/ds-requests"
cp "$top_srcdir/ceremony-scripts/ds-certs.ceremony" "$T/c/csca.tmpl" "$top_srcdir/templates/ds.tmpl" "$S/"
sed -i 's/^key.curve = .*/key.curve = P-256/; s/^key.explicit_parameters = .*/key.explicit_parameters = no/' "$S/ds.tmpl"
cp "$T/csca/csca.der" "$S/csca.der"
for h in ds1 ds2; do
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$h.key" \
		-subj "/C=UT/O=Utopia Passport Office/CN=Document Signer $h" -out "$S/ds-requests/$h.csr" 2>/dev/null
done
if "$CONCLAVE" run --token label:ds-tok --store "$DB" --answers "$T/a" --out "$T/out" \
    "$S/ds-certs.ceremony" >"$T/run.log" 2>&1; then
	ok "the DS ceremony issues a certificate per request"
else
	not_ok "the DS ceremony issues a certificate per request"; tail -15 "$T/run.log" | sed 's/^/    /'
fi
has "the batch is listed before signing" 'request 2: C=UT,O=Utopia Passport Office,CN=Document Signer ds2' "$T/run.log"
for n in 1 2; do
	check "ds-$n chains to the CSCA (openssl verify)" \
		openssl verify -CAfile "$T/csca/csca.pem" "$T/out/ds-$n.pem"
	certtool --verify --load-ca-certificate "$T/csca/csca.pem" --infile "$T/out/ds-$n.pem" \
		>"$T/certtool-$n.log" 2>&1 || true
	has "ds-$n chains to the CSCA (certtool --verify)" 'Chain verification output: Verified' "$T/certtool-$n.log"
done
certtool -i --infile "$T/out/ds-1.pem" >"$T/certtool-i.log" 2>&1 || true
check "certtool reads the DS key usage as critical digitalSignature" \
	sh -c "grep -A1 'Key Usage (critical):' '$T/certtool-i.log' | grep -q 'Digital signature'"
check "certtool reads no certificate signing in the DS key usage" \
	sh -c "! grep -A3 'Key Usage (critical):' '$T/certtool-i.log' | grep -q 'Certificate signing'"
openssl x509 -in "$T/out/ds-1.pem" -noout -text >"$T/ds1.txt"
grep -A1 'X509v3 Key Usage: critical' "$T/ds1.txt" | grep -q 'Digital Signature' &&
	ok "keyUsage digitalSignature, critical" || not_ok "keyUsage digitalSignature, critical"
has "PrivateKeyUsagePeriod" 'Private Key Usage Period' "$T/ds1.txt"
has "DocumentTypeList (2.23.136.1.1.6.2)" '2\.23\.136\.1\.1\.6\.2' "$T/ds1.txt"
has "AKI" 'Authority Key Identifier' "$T/ds1.txt"
if grep -q 'Basic Constraints' "$T/ds1.txt"; then not_ok "no basicConstraints"; else ok "no basicConstraints"; fi
k1=$(openssl pkey -in "$T/ds1.key" -pubout -outform DER | sha256sum | cut -d' ' -f1)
c1=$(openssl x509 -in "$T/out/ds-1.pem" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
[ "$k1" = "$c1" ] && ok "ds-1 certifies the key of its request" || not_ok "ds-1 certifies the key of its request"
check "the transcript verifies" "$CONCLAVE" transcript verify "$T/out"

# one bad request stops the batch: nothing is signed
cp -r "$S" "$T/s2"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/x.key" \
	-subj "/C=DE/CN=Document Signer foreign" -out "$T/s2/ds-requests/x-foreign.csr" 2>/dev/null
refuse "a request from outside the country is refused, naming it" 'x-foreign.csr: subject .* is outside the country UT' \
	"$CONCLAVE" run --token label:ds-tok --store "$DB" --answers "$T/a" --out "$T/out2" "$T/s2/ds-certs.ceremony"
if ls "$T/out2"/ds-*.der >/dev/null 2>&1; then not_ok "nothing was signed"; else ok "nothing was signed"; fi
rm "$T/s2/ds-requests/x-foreign.csr"
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/r.key" -subj "/C=UT/CN=DS rsa" \
	-out "$T/s2/ds-requests/y-rsa.csr" 2>/dev/null
refuse "a key type the policy forbids is refused" 'y-rsa.csr: a key type the policy forbids' \
	"$CONCLAVE" run --token label:ds-tok --store "$DB" --answers "$T/a" --out "$T/out3" "$T/s2/ds-certs.ceremony"
rm "$T/s2/ds-requests/y-rsa.csr"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$T/p384.key" \
	-subj "/C=UT/CN=DS p384" -out "$T/s2/ds-requests/z-p384.csr" 2>/dev/null
refuse "a request for a curve the policy forbids is refused, naming the curve expected" \
	'z-p384.csr: a key type the policy forbids: expected P-256' \
	"$CONCLAVE" run --token label:ds-tok --store "$DB" --answers "$T/a" --out "$T/out5" "$T/s2/ds-certs.ceremony"
if ls "$T/out5"/ds-*.der >/dev/null 2>&1; then not_ok "nothing was signed for the batch"; else ok "nothing was signed for the batch"; fi
rm "$T/s2/ds-requests/z-p384.csr"
python3 - "$T/s2/ds-requests/ds1.csr" <<'EOP'
import sys, base64
p = sys.argv[1]
t = open(p).read().split('\n')
body = base64.b64decode(''.join(l for l in t if l and not l.startswith('-----')))
b = bytearray(body); b[-5] ^= 1
enc = base64.b64encode(bytes(b)).decode()
open(p, 'w').write('-----BEGIN CERTIFICATE REQUEST-----\n' + '\n'.join(enc[i:i+64] for i in range(0, len(enc), 64)) + '\n-----END CERTIFICATE REQUEST-----\n')
EOP
refuse "a request whose signature fails is refused (no proof of possession)" 'ds1.csr: its signature does not verify' \
	"$CONCLAVE" run --token label:ds-tok --store "$DB" --answers "$T/a" --out "$T/out4" "$T/s2/ds-certs.ceremony"

# revocation: ds-1 revoked by serial in the next CRL, which openssl then
# enforces; later CRLs keep listing it; bad lists sign nothing
R=$T/r
mkdir -p "$R"
cp "$top_srcdir/ceremony-scripts/csca-revoke.ceremony" "$top_srcdir/ceremony-scripts/csca-crl.ceremony" \
	"$T/c/csca.tmpl" "$R/"
cp "$T/csca/csca.der" "$R/csca.der"
s1=$(openssl x509 -in "$T/out/ds-1.pem" -noout -serial | cut -d= -f2)
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '# lost on the DS host\n[revoke %s]\ndate = %s\nreason = DS host 1 lost its key\n' "$s1" "$now" \
	>"$R/revocations.conf"
if "$CONCLAVE" run --token label:ds-tok --store "$DB" --answers "$T/a" --out "$T/rev" \
    "$R/csca-revoke.ceremony" >"$T/rev.log" 2>&1; then
	ok "the revocation ceremony signs a CRL"
else
	not_ok "the revocation ceremony signs a CRL"; tail -15 "$T/rev.log" | sed 's/^/    /'
fi
has "the revocation is listed before signing" "revoking serial $(echo "$s1" | tr A-F a-f | sed 's/^0*//') .*Document Signer ds1" "$T/rev.log"
check "the CRL verifies under the CSCA" sh -c "openssl crl -in '$T/rev/csca-crl.pem' -CAfile '$T/csca/csca.pem' -noout 2>&1 | grep -q 'verify OK'"
openssl crl -in "$T/rev/csca-crl.pem" -noout -text >"$T/rev.txt"
has "the CRL lists ds-1's serial" "Serial Number: 0*$s1" "$T/rev.txt"
if grep -q 'CRL entry extensions' "$T/rev.txt"; then not_ok "no CRL entry extensions (Doc 9303-12)"; else ok "no CRL entry extensions (Doc 9303-12)"; fi
refuse "openssl verify -crl_check refuses ds-1 as revoked" 'certificate revoked' \
	openssl verify -crl_check -CAfile "$T/csca/csca.pem" -CRLfile "$T/rev/csca-crl.pem" "$T/out/ds-1.pem"
check "openssl verify -crl_check accepts ds-2" \
	openssl verify -crl_check -CAfile "$T/csca/csca.pem" -CRLfile "$T/rev/csca-crl.pem" "$T/out/ds-2.pem"
"$CONCLAVE" audit show --store "$DB" >"$T/rev-audit.txt" 2>&1
has "the audit trail records the revocation with its reason" 'certificate-revoked.*DS host 1 lost its key' "$T/rev-audit.txt"
check "the revocation ceremony's transcript verifies" "$CONCLAVE" transcript verify "$T/rev"
ls "$T/rev/bundle-ds" "$T/rev/bundle-pkd" >/dev/null 2>&1 && ok "the CRL goes out in bundles for the DS hosts and the PKD" ||
	not_ok "the CRL goes out in bundles for the DS hosts and the PKD"

rev_refused() {
	refuse "$1" "$2" "$CONCLAVE" run --token label:ds-tok --store "$DB" --answers "$T/a" \
		--out "$T/rev-$3" "$R/csca-revoke.ceremony"
	if [ -e "$T/rev-$3/csca-crl.der" ]; then not_ok "$1: nothing signed"; else ok "$1: nothing signed"; fi
}
rev_refused "a serial already revoked is refused" "already revoked as of" again
s2=$(openssl x509 -in "$T/out/ds-2.pem" -noout -serial | cut -d= -f2)
printf '[revoke 0BADC0FFEE]\ndate = %s\nreason = typo\n' "$now" >"$R/revocations.conf"
rev_refused "an unknown serial is refused" "\[revoke badc0ffee\]: the key 'UT-CSCA-DS' issued no certificate with this serial" unknown
printf '[revoke %s]\ndate = 2099-01-01\nreason = early\n' "$s2" >"$R/revocations.conf"
rev_refused "a revocation dated after thisUpdate is refused" "date 2099-01-01T00:00:00Z is after the CRL's thisUpdate" future
printf '[revoke %s]\ndate = 2020-01-01\nreason = before its time\n' "$s2" >"$R/revocations.conf"
rev_refused "a revocation dated before the certificate is refused" "is before the certificate's notBefore" past
printf '[revoke %s]\ndate = %s\n' "$s2" "$now" >"$R/revocations.conf"
rev_refused "a revocation without a reason is refused, naming the line" "revocations.conf:1: \[revoke $s2\]: reason: expected" noreason
printf '[revoke %s]\ndate = 20/11/2026\nreason = x\n' "$s2" >"$R/revocations.conf"
rev_refused "a malformed date is refused, naming the line" "revocations.conf:2: .*date: expected YYYY-MM-DD" baddate
# the next routine CRL still lists ds-1
if "$CONCLAVE" run --token label:ds-tok --store "$DB" --answers "$T/a" --out "$T/crl-next" \
    "$R/csca-crl.ceremony" >"$T/crl-next.log" 2>&1; then
	openssl crl -in "$T/crl-next/csca-crl.pem" -noout -text >"$T/crl-next.txt"
	has "the next routine CRL still lists ds-1" "Serial Number: 0*$s1" "$T/crl-next.txt"
	n1=$(openssl crl -in "$T/rev/csca-crl.pem" -noout -crlnumber | cut -d= -f2)
	n2=$(openssl crl -in "$T/crl-next/csca-crl.pem" -noout -crlnumber | cut -d= -f2)
	[ "$(printf %d "$n2")" -eq "$(( $(printf %d "$n1") + 1 ))" ] && ok "the refused runs spent no CRL number ($n1 then $n2)" ||
		not_ok "the refused runs spent no CRL number ($n1 then $n2)"
else
	not_ok "the next routine CRL"; tail -15 "$T/crl-next.log" | sed 's/^/    /'
fi

# a Deviation List Signer and a Deviation List naming ds-2 (named curves so
# that openssl and certtool check the DLS too)
D=$T/dl
mkdir -p "$D"
cp "$top_srcdir/ceremony-scripts/csca-dls.ceremony" "$T/c/csca.tmpl" "$top_srcdir/templates/dls.tmpl" "$D/"
sed -i 's/^key.curve = .*/key.curve = P-256/; s/^key.explicit_parameters = .*/key.explicit_parameters = no/' "$D/dls.tmpl"
cp "$T/csca/csca.der" "$D/csca.der"
cp "$T/out/ds-2.pem" "$D/ds-2.pem"
cat >"$D/deviations.conf" <<EOD
# DG12 hash wrong in personalisation batch 17
[deviation batch-17]
type = DGHashWrong
datagroup = 12
description = DG12 hash wrong in batch 17
document_type = PO
dsc = ds-2.pem
first_issued = 2026-01-05
last_issued = 2026-02-20
document_numbers = C01X00T47, C01X00T48

[deviation mrz]
type = MRZWrongCheckDigit
mrz_field = dateOfBirth
document_numbers = C01X00T49
EOD
{ cat "$T/answers"; printf '[labels]\ncsca = UT-CSCA-DS\ndls = UT-DLS-1\n'; } >"$T/adl"; chmod 600 "$T/adl"
if "$CONCLAVE" run --token label:ds-tok --store "$DB" --answers "$T/adl" --out "$T/dl-out" \
    "$D/csca-dls.ceremony" >"$T/dl.log" 2>&1; then
	ok "the Deviation List ceremony completes"
else
	not_ok "the Deviation List ceremony completes"; tail -15 "$T/dl.log" | sed 's/^/    /'
fi
has "the deviations are listed before signing" 'deviation 1: 2\.23\.136\.1\.1\.7\.2\.2, DG12 hash wrong in batch 17' "$T/dl.log"
check "the DLS chains to the CSCA (openssl verify)" openssl verify -CAfile "$T/csca/csca.pem" "$T/dl-out/dls.pem"
certtool --verify --load-ca-certificate "$T/csca/csca.pem" --infile "$T/dl-out/dls.pem" >"$T/certtool-dls.log" 2>&1 || true
has "the DLS chains to the CSCA (certtool --verify)" 'Chain verification output: Verified' "$T/certtool-dls.log"
openssl x509 -in "$T/dl-out/dls.pem" -noout -text >"$T/dls.txt"
grep -A1 'X509v3 Extended Key Usage: critical' "$T/dls.txt" >"$T/dls-eku" || true
has "the DLS carries the critical EKU 2.23.136.1.1.8" '2\.23\.136\.1\.1\.8' "$T/dls-eku"
check "openssl cms -verify accepts the Deviation List with the CSCA as anchor" \
	sh -c "openssl cms -verify -inform DER -in '$T/dl-out/deviationlist.der' -CAfile '$T/csca/csca.pem' -purpose any -out '$T/dl-content.der' 2>&1 | grep -q 'Verification successful'"
openssl cms -cmsout -print -inform DER -in "$T/dl-out/deviationlist.der" >"$T/dl.txt" 2>&1
has "its eContentType is 2.23.136.1.1.7" 'eContentType: (undefined|.*)?\(?2\.23\.136\.1\.1\.7\)' "$T/dl.txt"
has "signed attribute contentType" 'object: contentType' "$T/dl.txt"
has "signed attribute signingTime" 'object: signingTime' "$T/dl.txt"
has "signed attribute messageDigest" 'object: messageDigest' "$T/dl.txt"
openssl asn1parse -inform DER -in "$T/dl-content.der" >"$T/dl-asn1.txt" 2>&1
has "the content names DGHashWrong" ':2\.23\.136\.1\.1\.7\.2\.2' "$T/dl-asn1.txt"
has "the content names MRZWrongCheckDigit" ':2\.23\.136\.1\.1\.7\.3\.2' "$T/dl-asn1.txt"
has "the content carries the document numbers" 'C01X00T48' "$T/dl-asn1.txt"
ds2_serial=$(openssl x509 -in "$T/out/ds-2.pem" -noout -serial | cut -d= -f2)
has "the content names ds-2 by issuer and serial" "INTEGER *:$ds2_serial" "$T/dl-asn1.txt"
"$CONCLAVE" show "$T/dl-out/deviationlist.der" --anchor "$T/csca/csca.pem" >"$T/dl-show.txt" 2>&1 || true
has "our parser reads our Deviation List and verifies it to the CSCA" \
	'^Deviation List .*' "$T/dl-show.txt"
has "it lists both deviations" 'deviations: 2' "$T/dl-show.txt"
has "anchored in the CSCA" 'which the anchor issued' "$T/dl-show.txt"
check "the Deviation List transcript verifies" "$CONCLAVE" transcript verify "$T/dl-out"
# bad deviation files: refused with file, line and field; nothing signed
dl_refused() {
	{ cat "$T/answers"; printf '[labels]\ncsca = UT-CSCA-DS\ndls = UT-DLS-%s\n' "$3"; } >"$T/adl-$3"; chmod 600 "$T/adl-$3"
	refuse "$1" "$2" "$CONCLAVE" run --token label:ds-tok --store "$DB" --answers "$T/adl-$3" \
		--out "$T/dl-$3" "$D/csca-dls.ceremony"
	if [ -e "$T/dl-$3/deviationlist.der" ]; then not_ok "$1: nothing signed"; else ok "$1: nothing signed"; fi
}
printf '[deviation x]\ntype = DGHashWrong\ndocument_type = PO\n' >"$D/deviations.conf"
dl_refused "a data-group deviation without its data group is refused" 'deviations.conf:1: \[deviation x\]: type DGHashWrong needs datagroup' nodg
printf '[deviation x]\ntype = LostPassport\ndocument_type = PO\n' >"$D/deviations.conf"
dl_refused "an unknown deviation type is refused" 'deviations.conf:2: \[deviation x\]: type: expected a deviation type' type
printf '[deviation x]\ntype = DGMalformed\ndatagroup = 2\n' >"$D/deviations.conf"
dl_refused "a deviation naming no documents is refused" 'names no documents' nodocs
cp "$T/csca/csca.der" "$D/other.der"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/o.key" -subj "/C=UT/CN=Not our CSCA" \
	-days 30 -out "$D/other.pem" 2>/dev/null
printf '[deviation x]\ntype = DSSignature\ndsc = other.pem\n' >"$D/deviations.conf"
dl_refused "a DS certificate of another CSCA is refused" 'dsc: the Document Signer certificate was not issued by the CSCA' foreign

finish
