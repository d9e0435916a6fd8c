#!/bin/sh
# CSCA rekey: a new CSCA key and certificate, the link certificate signed by
# the old key (NameChange when the name changes), DS certificates under the
# old and the new CSCA; openssl and certtool verify each chain, the link
# under the old CSCA.  The old key signs no link after its
# PrivateKeyUsagePeriod.
. "$top_srcdir/tests/shell/lib.sh"

softhsm_store
answers "$T/answers" "alice, bob" "$T/media"
# with_labels FILE LINE...: the answers with a [labels] section of those lines
with_labels() {
	_f=$1; shift
	{ cat "$T/answers"; echo '[labels]'; for l in "$@"; do echo "$l"; done; } >"$_f"
	chmod 600 "$_f"
}
with_labels "$T/a" "csca = UT-CSCA-1"
token_init "$T/tok" rk-tok 2 2 3 "$T/answers" >"$T/init.log" 2>&1 || { cat "$T/init.log"; fail "token-init"; }
DB=$T/tok/store.db
# named curves so that OpenSSL 3 verifies below the root (error 94 otherwise)
# and certtool reads the keys
ceremony_copy "$T/c"
set_key "$T/c" key.explicit_parameters no
set_key "$T/c" key.curve P-384
"$CONCLAVE" run --token label:rk-tok --store "$DB" --answers "$T/a" --out "$T/csca1" \
	"$T/c/csca-init.ceremony" >"$T/csca1.log" 2>&1 || { cat "$T/csca1.log"; fail "csca-init"; }

# ds_certs OUT CSCA_DIR LABEL TEMPLATE: two DS certificates under that CSCA
ds_certs() {
	mkdir -p "$1.s/ds-requests"
	cp "$top_srcdir/ceremony-scripts/ds-certs.ceremony" "$top_srcdir/templates/ds.tmpl" "$1.s/"
	cp "$4" "$1.s/csca.tmpl"
	cp "$2" "$1.s/csca.der"
	sed -i 's/^key.curve = .*/key.curve = P-256/; s/^key.explicit_parameters = .*/key.explicit_parameters = no/' "$1.s/ds.tmpl"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-subj "/C=UT/O=Utopia Passport Office/CN=Document Signer $(basename "$1")" \
		-out "$1.s/ds-requests/r.csr" 2>/dev/null
	with_labels "$1.a" "csca = $3"
	"$CONCLAVE" run --token label:rk-tok --store "$DB" --answers "$1.a" --out "$1" \
		"$1.s/ds-certs.ceremony" >"$1.log" 2>&1
}
ds_certs "$T/ds-old" "$T/csca1/csca.der" UT-CSCA-1 "$T/c/csca.tmpl" ||
	{ tail -15 "$T/ds-old.log"; fail "DS certificate under the first CSCA"; }

# the rekey, with a new name
R=$T/rk
mkdir -p "$R"
cp "$top_srcdir/ceremony-scripts/csca-rekey.ceremony" "$T/c/csca.tmpl" "$R/"
cp "$T/csca1/csca.der" "$R/csca.der"
sed 's/^subject.common_name = .*/subject.common_name = CSCA Utopia 2027/' "$T/c/csca.tmpl" >"$R/csca-new.tmpl"
grep -q '^subject.common_name = CSCA Utopia 2027' "$R/csca-new.tmpl" || fail "csca-new.tmpl: no common name to change"
with_labels "$T/a1" "csca = UT-CSCA-1" "csca-new = UT-CSCA-2"
if "$CONCLAVE" run --token label:rk-tok --store "$DB" --answers "$T/a1" --out "$T/rk-out" \
    "$R/csca-rekey.ceremony" >"$T/rk.log" 2>&1; then
	ok "the rekey ceremony completes"
else
	not_ok "the rekey ceremony completes"; tail -15 "$T/rk.log" | sed 's/^/    /'; finish; exit 1
fi
O=$T/rk-out
check "the new CSCA certificate is self-signed and verifies (openssl)" \
	openssl verify -CAfile "$O/csca-new.pem" "$O/csca-new.pem"
check "the link verifies under the old CSCA (openssl verify)" \
	openssl verify -CAfile "$T/csca1/csca.pem" "$O/csca-link.pem"
refuse "the link does not verify under the new CSCA" 'error|fail' \
	openssl verify -CAfile "$O/csca-new.pem" "$O/csca-link.pem"
certtool --verify --load-ca-certificate "$T/csca1/csca.pem" --infile "$O/csca-link.pem" \
	>"$T/certtool-link.log" 2>&1 || true
has "the link verifies under the old CSCA (certtool --verify)" 'Chain verification output: Verified' "$T/certtool-link.log"
openssl x509 -in "$O/csca-link.pem" -noout -text >"$T/link.txt"
openssl x509 -in "$O/csca-new.pem" -noout -text >"$T/new.txt"
has "the link carries NameChange (2.23.136.1.1.6.1)" '2\.23\.136\.1\.1\.6\.1' "$T/link.txt"
if grep -q '2\.23\.136\.1\.1\.6\.1' "$T/new.txt"; then not_ok "no NameChange in the self-signed certificate"
else ok "no NameChange in the self-signed certificate"; fi
has "the link's subject is the new name" 'Subject: .*CN ?= ?CSCA Utopia 2027' "$T/link.txt"
iss=$(openssl x509 -in "$O/csca-link.pem" -noout -issuer -nameopt RFC2253)
old=$(openssl x509 -in "$T/csca1/csca.pem" -noout -subject -nameopt RFC2253)
[ "${iss#issuer=}" = "${old#subject=}" ] && ok "the link's issuer is the old CSCA's subject" ||
	not_ok "the link's issuer is the old CSCA's subject ($iss / $old)"
aki=$(grep -A1 'Authority Key Identifier' "$T/link.txt" | tail -1 | tr -d ' ')
ski_old=$(openssl x509 -in "$T/csca1/csca.pem" -noout -text | grep -A1 'Subject Key Identifier' | tail -1 | tr -d ' ')
ski_new=$(grep -A1 'Subject Key Identifier' "$T/new.txt" | tail -1 | tr -d ' ')
ski_link=$(grep -A1 'Subject Key Identifier' "$T/link.txt" | tail -1 | tr -d ' ')
[ -n "$aki" ] && [ "$aki" = "$ski_old" ] && ok "the link's AKI is the old CSCA's SKI" || not_ok "the link's AKI is the old CSCA's SKI ($aki / $ski_old)"
[ "$ski_link" = "$ski_new" ] && ok "the link certifies the new key (same SKI)" || not_ok "the link certifies the new key"
pk_new=$(openssl x509 -in "$O/csca-new.pem" -noout -pubkey | sha256sum)
pk_link=$(openssl x509 -in "$O/csca-link.pem" -noout -pubkey | sha256sum)
[ "$pk_new" = "$pk_link" ] && ok "the link carries the new key" || not_ok "the link carries the new key"
has "the link has the CSCA key usage" 'Certificate Sign, CRL Sign' "$T/link.txt"
has "the link is a CA with pathlen 0" 'CA:TRUE, pathlen:0' "$T/link.txt"
na_link=$(openssl x509 -in "$O/csca-link.pem" -noout -enddate | cut -d= -f2)
na_old=$(openssl x509 -in "$T/csca1/csca.pem" -noout -enddate | cut -d= -f2)
[ "$(date -d "$na_link" +%s)" -le "$(date -d "$na_old" +%s)" ] && ok "the link ends no later than the old CSCA certificate" ||
	not_ok "the link ends no later than the old CSCA certificate ($na_link / $na_old)"
has "the link is signed as the old key signs (ECDSA with SHA-384 here)" 'Signature Algorithm: ecdsa-with-SHA384' "$T/link.txt"
check "the new key's first CRL verifies under the new CSCA" sh -c "openssl crl -in '$O/csca-new-crl.pem' -CAfile '$O/csca-new.pem' -noout 2>&1 | grep -q 'verify OK'"
check "the old key's next CRL verifies under the old CSCA" sh -c "openssl crl -in '$O/csca-old-crl.pem' -CAfile '$T/csca1/csca.pem' -noout 2>&1 | grep -q 'verify OK'"
check "the rekey transcript verifies" "$CONCLAVE" transcript verify "$O"

# DS certificates on both sides of the rekey
ds_certs "$T/ds-new" "$O/csca-new.der" UT-CSCA-2 "$R/csca-new.tmpl" &&
	ok "a DS certificate under the new CSCA" || { not_ok "a DS certificate under the new CSCA"; tail -15 "$T/ds-new.log"; }
check "old DS under the old CSCA (openssl verify)" openssl verify -CAfile "$T/csca1/csca.pem" "$T/ds-old/ds-1.pem"
check "new DS under the new CSCA (openssl verify)" openssl verify -CAfile "$O/csca-new.pem" "$T/ds-new/ds-1.pem"
refuse "new DS does not verify under the old CSCA" 'error|fail' openssl verify -CAfile "$T/csca1/csca.pem" "$T/ds-new/ds-1.pem"
certtool --verify --load-ca-certificate "$O/csca-new.pem" --infile "$T/ds-new/ds-1.pem" >"$T/certtool-ds.log" 2>&1 || true
has "new DS under the new CSCA (certtool --verify)" 'Chain verification output: Verified' "$T/certtool-ds.log"

# a second rekey that keeps the name: no NameChange
R2=$T/rk2
mkdir -p "$R2"
cp "$top_srcdir/ceremony-scripts/csca-rekey.ceremony" "$R2/"
cp "$R/csca-new.tmpl" "$R2/csca.tmpl"
cp "$R/csca-new.tmpl" "$R2/csca-new.tmpl"
cp "$O/csca-new.der" "$R2/csca.der"
with_labels "$T/a2" "csca = UT-CSCA-2" "csca-new = UT-CSCA-3"
if "$CONCLAVE" run --token label:rk-tok --store "$DB" --answers "$T/a2" --out "$T/rk2-out" \
    "$R2/csca-rekey.ceremony" >"$T/rk2.log" 2>&1; then
	ok "a rekey that keeps the name completes"
	openssl x509 -in "$T/rk2-out/csca-link.pem" -noout -text >"$T/link2.txt"
	if grep -q '2\.23\.136\.1\.1\.6\.1' "$T/link2.txt"; then not_ok "a link that keeps the name has no NameChange"
	else ok "a link that keeps the name has no NameChange"; fi
	check "that link verifies under the second CSCA" openssl verify -CAfile "$O/csca-new.pem" "$T/rk2-out/csca-link.pem"
else
	not_ok "a rekey that keeps the name completes"; tail -15 "$T/rk2.log" | sed 's/^/    /'
fi

# the old key's PrivateKeyUsagePeriod (3 years) is over four years on:
# it signs no link, and nothing is signed
R3=$T/rk3
cp -r "$R" "$R3"
with_labels "$T/a3" "csca = UT-CSCA-1" "csca-new = UT-CSCA-4"
refuse "four years on, the old key signs no link (PrivateKeyUsagePeriod)" \
	"may sign certificates from .* to .* \(its PrivateKeyUsagePeriod\)" \
	faketime -f +1500d "$CONCLAVE" run --token label:rk-tok --store "$DB" --answers "$T/a3" \
	--out "$T/rk3-out" "$R3/csca-rekey.ceremony"
if [ -e "$T/rk3-out/csca-link.der" ]; then not_ok "no link was signed"; else ok "no link was signed"; fi

finish
