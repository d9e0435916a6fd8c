#!/bin/sh
# The routine CSCA CRL ceremony on the key an earlier ceremony made: strictly
# increasing CRL numbers, nextUpdate within 90 days, verified by OpenSSL; a
# certificate that is not the key's, or a label the store does not know, is
# refused.
. "$top_srcdir/tests/shell/lib.sh"

softhsm_store
answers "$T/answers" "alice, bob" "$T/media"
{ cat "$T/answers"; printf '[labels]\ncsca = UT-CSCA-CRL\n'; } >"$T/a"
chmod 600 "$T/a"
token_init "$T/tok" crl-tok 2 2 3 "$T/answers" >"$T/init.log" 2>&1 || { cat "$T/init.log"; fail "token-init"; }
DB=$T/tok/store.db
"$CONCLAVE" run --token label:crl-tok --store "$DB" --answers "$T/a" --out "$T/init-csca" \
	"$top_srcdir/ceremony-scripts/csca-init.ceremony" >"$T/csca.log" 2>&1 ||
	{ cat "$T/csca.log"; fail "csca-init"; }
S=$T/s
mkdir -p "$S"
cp "$top_srcdir/ceremony-scripts/csca-crl.ceremony" "$top_srcdir/templates/csca.tmpl" "$S/"
cp "$T/init-csca/csca.der" "$S/csca.der"
for n in 2 3; do
	if "$CONCLAVE" run --token label:crl-tok --store "$DB" --answers "$T/a" --out "$T/crl$n" \
	    "$S/csca-crl.ceremony" >"$T/crl$n.log" 2>&1; then
		ok "routine CRL ceremony $n completes"
	else
		not_ok "routine CRL ceremony $n completes"; tail -5 "$T/crl$n.log" | sed 's/^/    /'
		continue
	fi
	check "CRL $n verifies under the CSCA" sh -c "openssl crl -in '$T/crl$n/csca-crl.pem' -CAfile '$T/init-csca/csca.pem' -noout 2>&1 | grep -q 'verify OK'"
	openssl crl -in "$T/crl$n/csca-crl.pem" -noout -text >"$T/crl$n.txt"
	grep -A1 'X509v3 CRL Number' "$T/crl$n.txt" | grep -q "^ *$n\$" &&
		ok "its CRL number is $n (csca-init issued 1)" || not_ok "its CRL number is $n"
	check "its transcript verifies" "$CONCLAVE" transcript verify "$T/crl$n"
done
if [ ! -e "$T/crl2/csca.der" ]; then ok "the CSCA certificate brought in is not written again"
else not_ok "the CSCA certificate brought in is not written again"; fi
# another certificate than the key's
cp "$T/init-csca/csca-crl.der" "$S/csca.der"
refuse "a file that is not the key's certificate is refused" 'not a certificate|certifies another key' \
	"$CONCLAVE" run --token label:crl-tok --store "$DB" --answers "$T/a" --out "$T/bad1" \
	"$S/csca-crl.ceremony"
# the key's certificate, altered (its name): no longer self-signed, not the
# store's -- not used
cp "$T/init-csca/csca.der" "$S/csca.der"
python3 -c "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); i=b.find(b'Utopia'); b[i+1]=ord('x'); open(p,'wb').write(b)" "$S/csca.der"
refuse "an altered CSCA certificate is not used" 'neither a self-signed certificate that verifies nor one the store recorded' \
	"$CONCLAVE" run --token label:crl-tok --store "$DB" --answers "$T/a" --out "$T/bad0" \
	"$S/csca-crl.ceremony"
cp "$T/init-csca/csca.der" "$S/csca.der"
sed 's/^csca = UT-CSCA-CRL$/csca = NO-SUCH-KEY/' "$T/a" >"$T/b"; chmod 600 "$T/b"
refuse "a label the store does not know is refused" "the store knows no key labelled 'NO-SUCH-KEY'" \
	"$CONCLAVE" run --token label:crl-tok --store "$DB" --answers "$T/b" --out "$T/bad2" \
	"$S/csca-crl.ceremony"

finish
