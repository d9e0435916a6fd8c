#!/bin/sh
# EAC ceremonies (BSI TR-03110-3, TR-03129): the CVCA's self-signed, link and
# DV CV certificates, checked with openpace's cvc-print (which exits 0 even
# when it does not verify: the exact line "certificate verified" is what
# counts) and with our codec; DV requests from our test DVCA (cvreq.py),
# from the EAC interop set and signed the other way round by cvc-create;
# every refusal with its TR-03129 result code and nothing signed.
. "$top_srcdir/tests/shell/lib.sh"

E=${CLV_INTEROP_DIR:?}/eac
cvreq() { python3 "$top_srcdir/tests/shell/cvreq.py" "$@"; }
# verified CERT ISSUER... : cvc-print with a trust directory of the issuers,
# each named by its CHR as cvc-print looks them up
verified() {
	_c=$1; shift
	rm -rf "$T/trust"; mkdir -p "$T/trust"
	for _i in "$@"; do cp "$_i" "$T/trust/$(cvc_chr "$_i")"; done
	cvc-print --cvc-dir="$T/trust" --cvc="$_c" 2>&1 | grep -qx 'certificate verified'
}
cvc_chr() { "$CONCLAVE" cvc print "$1" | awk '/^  CHR: / {print $2; exit}'; }

# a rehearsal of the initial CVCA ceremony
answers "$T/answers"
mkdir -p "$T/r"
cp "$top_srcdir/ceremony-scripts/cvca-init.ceremony" "$top_srcdir/templates/cvca.tmpl" "$T/r/"
if "$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$T/rh" "$T/r/cvca-init.ceremony" \
    >"$T/rh.log" 2>&1; then ok "the CVCA rehearsal completes"
else not_ok "the CVCA rehearsal completes"; tail -15 "$T/rh.log" | sed 's/^/    /'; finish; exit 1; fi
check "cvc-print: certificate verified (our self-signed CVCA)" verified "$T/rh/cvca.cvcert" "$T/rh/cvca.cvcert"
"$CONCLAVE" cvc print "$T/rh/cvca.cvcert" >"$T/rh.txt"
has "it is self-signed and verifies in our codec" 'self-signature: verified' "$T/rh.txt"
has "with full domain parameters (brainpoolP256r1)" 'Domain parameters: brainpoolP256r1' "$T/rh.txt"
has "role CVCA, reading DG3 and DG4" 'relative authorization: c3|Relative authorization: c3' "$T/rh.txt"
has "CHR from the template" 'CHR: UTCVCAEP00001' "$T/rh.txt"
check "its transcript verifies" "$CONCLAVE" transcript verify "$T/rh"
# a NIST curve works the same way
sed -i 's/^key.curve = .*/key.curve = P-256/' "$T/r/cvca.tmpl"
if "$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$T/rh256" "$T/r/cvca-init.ceremony" \
    >"$T/rh256.log" 2>&1; then
	check "cvc-print: certificate verified (a P-256 CVCA)" verified "$T/rh256/cvca.cvcert" "$T/rh256/cvca.cvcert"
else not_ok "a P-256 CVCA rehearsal"; tail -8 "$T/rh256.log" | sed 's/^/    /'; fi

# production on a test token: CVCA ZZCVCAIS00001, the CA the interop
# set's countersigned foreign request is addressed to
softhsm_store
answers "$T/answers" "alice, bob" "$T/media"
token_init "$T/tok" cv-tok 2 2 3 "$T/answers" >"$T/init.log" 2>&1 || { cat "$T/init.log"; fail "token-init"; }
DB=$T/tok/store.db
labels() { _f=$1; shift; { cat "$T/answers"; echo '[labels]'; for l in "$@"; do echo "$l"; done; } >"$_f"; chmod 600 "$_f"; }
C=$T/c
mkdir -p "$C"
cp "$top_srcdir/ceremony-scripts/cvca-init.ceremony" "$C/"
sed -e 's/^subject.country = .*/subject.country = ZZ/' -e 's/^holder.mnemonic = .*/holder.mnemonic = CVCAIS/' \
	"$top_srcdir/templates/cvca.tmpl" >"$C/cvca.tmpl"
labels "$T/a1" "cvca = ZZ-CVCA-1"
"$CONCLAVE" run --token label:cv-tok --store "$DB" --answers "$T/a1" --out "$T/cvca1" \
	"$C/cvca-init.ceremony" >"$T/cvca1.log" 2>&1 || { tail -20 "$T/cvca1.log"; fail "cvca-init"; }
CVCA=$T/cvca1/cvca.cvcert
check "cvc-print: certificate verified (production CVCA ZZCVCAIS00001)" verified "$CVCA" "$CVCA"

# DV requests: a domestic one from our test DVCA, and the interop set's
# foreign initial request countersigned by its own CVCA (UTISCVCA00001)
D=$T/d
mkdir -p "$D/dv-requests" "$D/foreign-cvcas"
cp "$top_srcdir/ceremony-scripts/cvca-dv.ceremony" "$C/cvca.tmpl" "$top_srcdir/templates/dv.tmpl" "$D/"
cp "$CVCA" "$D/cvca.cvcert"
cvreq --key "$T/dom1.pkcs8" --chr ZZDVDOM00001 --car ZZCVCAIS00001 "$D/dv-requests/1-domestic.cvreq"
cp "$E/generated/UTISDVCAOF00002.initial-foreign.countersigned.cvreq" "$D/dv-requests/2-foreign.cvreq"
cp "$E/scsh/UTISCVCA_UTISCVCA00001.selfsigned.cvcert" "$D/foreign-cvcas/"
dv_run() { "$CONCLAVE" run --token label:cv-tok --store "$DB" --answers "$T/a1" --out "$1" "$D/cvca-dv.ceremony"; }
if dv_run "$T/dv1" >"$T/dv1.log" 2>&1; then ok "the DV ceremony signs both requests"
else not_ok "the DV ceremony signs both requests"; tail -15 "$T/dv1.log" | sed 's/^/    /'; fi
has "the batch is listed first, the countersignature named" 'request 2: UTISDVCAOF00002, foreign DV, .*outer signature by UTISCVCA00001' "$T/dv1.log"
check "cvc-print: certificate verified (domestic DV under our CVCA)" verified "$T/dv1/dv-1.cvcert" "$CVCA"
check "cvc-print: certificate verified (foreign DV under our CVCA)" verified "$T/dv1/dv-2.cvcert" "$CVCA"
"$CONCLAVE" cvc print "$T/dv1/dv-1.cvcert" --issuer "$CVCA" >"$T/dv1.txt" 2>&1 || true
has "our codec verifies the DV certificate" 'signature: verified with ZZCVCAIS00001' "$T/dv1.txt"
has "the issuance lints are clean (role, rights, expiry)" 'issuance lints: clean' "$T/dv1.txt"
has "a domestic DV (official)" 'role DV \(official domestic\)|DV \(official' "$T/dv1.txt"
if grep -q 'Domain parameters: brainpool' "$T/dv1.txt"; then not_ok "the DV certificate carries no domain parameters"
else ok "the DV certificate carries no domain parameters"; fi
"$CONCLAVE" cvc print "$T/dv1/dv-2.cvcert" --issuer "$CVCA" >"$T/dv2.txt" 2>&1 || true
has "the countersigned one is a foreign DV" 'DV \(non-official|foreign' "$T/dv2.txt"
ced=$(awk '/Effective date:/ {print $3}' "$T/dv1.txt"); cxd=$(awk '/Expiration date:/ {print $3}' "$T/dv1.txt")
days=$(( ($(date -d "$cxd" +%s) - $(date -d "$ced" +%s)) / 86400 ))
[ "$days" -le 92 ] && [ "$days" -ge 89 ] && ok "the DV is valid 3 months ($ced to $cxd)" || not_ok "the DV is valid 3 months ($ced to $cxd)"
check "the DV transcript verifies" "$CONCLAVE" transcript verify "$T/dv1"

# a renewal, signed outside with the DV's current key
rm -f "$D/dv-requests"/*
cvreq --key "$T/dom2.pkcs8" --chr ZZDVDOM00002 --car ZZCVCAIS00001 --outer-key "$T/dom1.pkcs8" \
	--outer-car ZZDVDOM00001 "$D/dv-requests/renewal.cvreq"
if dv_run "$T/dv2" >"$T/dv2.log" 2>&1; then ok "a renewal signed with the DV's current certificate is signed"
else not_ok "a renewal signed with the DV's current certificate is signed"; tail -8 "$T/dv2.log" | sed 's/^/    /'; fi
check "cvc-print: certificate verified (the renewed DV)" verified "$T/dv2/dv-1.cvcert" "$CVCA"

# the domestic DVCA host sends its request in a signed cv-request bundle and
# takes the DV certificate back in the ceremony's cv-certificates bundle
serial=$(awk '/^token:/ {for (i = 1; i <= NF; i++) if ($i == "serial") print $(i + 1)}' "$T/cvca1/summary.txt")
softhsm2-util --init-token --free --label dvca-tok --so-pin 87654321 --pin 13572468 >/dev/null
printf '13572468' >"$T/dvca.pin"; chmod 600 "$T/dvca.pin"
mkdir -p "$T/dvca"
dvca() { "$CONCLAVE" host "$@" --store "$T/dvca/host.db" --token label:dvca-tok --pin-file "$T/dvca.pin" --name dvca; }
check "the DVCA host is set up" dvca init --producer "ceremony:$serial" \
	--producer-key "$T/cvca1/ceremony-key.pem" --out "$T/dvca/bundle-key.pem"
check "the ceremony pins the DVCA host's key" "$CONCLAVE" pin --store "$DB" --producer host:dvca \
	--key "$T/dvca/bundle-key.pem"
cvreq --key "$T/domb.pkcs8" --chr ZZDVDOM00005 --car ZZCVCAIS00001 "$T/dvca/ZZDVDOM00005.cvreq"
check "the DVCA host bundles its CV request" dvca request --to "ceremony:$serial" \
	--cv-request "$T/dvca/ZZDVDOM00005.cvreq" --out "$T/dvca/req-1"
rm -rf "$D/dv-requests"; cp -r "$T/dvca/req-1" "$D/dv-requests"
if dv_run "$T/dvb" >"$T/dvb.log" 2>&1; then ok "the DV ceremony signs the request of the bundle"
else not_ok "the DV ceremony signs the request of the bundle"; tail -10 "$T/dvb.log" | sed 's/^/    /'; fi
has "the bundle was verified against the pinned host key first" 'bundle .*from host:dvca' "$T/dvb.log"
check "the DVCA host imports the cv-certificates bundle" dvca import --recipient spoc \
	--purpose cv-certificates --out "$T/dvca/certs" "$T/dvb/bundle-spoc"
check "cvc-print: certificate verified (the DV certificate the DVCA host received)" \
	verified "$T/dvca/certs/dv-1.cvcert" "$T/dvca/certs/cvca.cvcert"
rm -rf "$D/dv-requests"; cp -r "$T/dvca/req-1" "$D/dv-requests"
refuse "a replayed cv-request bundle is refused" 'already seen|replay' dv_run "$T/dvb2"
rm -rf "$D/dv-requests"; mkdir -p "$D/dv-requests"

# a DV batch killed once its first certificate is written resumes: the
# first is taken over, the second signed, each CHR certified once
rm -rf "$D/dv-requests"; mkdir -p "$D/dv-requests"
cvreq --key "$T/k6.pkcs8" --chr ZZDVDOM00006 --car ZZCVCAIS00001 "$D/dv-requests/a.cvreq"
cvreq --key "$T/k7.pkcs8" --chr ZZDVDOM00007 --car ZZCVCAIS00001 "$D/dv-requests/b.cvreq"
gdb -q -batch -ex 'set breakpoint pending on' \
	-ex 'break clv_engine_checkpoint if $_streq(name, "written-cert")' -ex run -ex kill \
	--args "$CONCLAVE" run --token label:cv-tok --store "$DB" --answers "$T/a1" --out "$T/dvk" \
	"$D/cvca-dv.ceremony" >"$T/dvk.gdb" 2>&1
grep -q "Breakpoint 1, clv_engine_checkpoint" "$T/dvk.gdb" && ok "the DV batch was killed after its first certificate" ||
	not_ok "the DV batch was killed after its first certificate"
if "$CONCLAVE" run --resume --token label:cv-tok --store "$DB" --answers "$T/a1" --out "$T/dvk" \
    "$D/cvca-dv.ceremony" >"$T/dvk.log" 2>&1; then ok "the interrupted DV batch resumes"
else not_ok "the interrupted DV batch resumes"; tail -8 "$T/dvk.log" | sed 's/^/    /'; fi
has "the DV certificate issued before the interruption is taken over" 'ZZDVDOM00006.*taken over|taken over, not issued again' "$T/dvk.log"
n6=$(sqlite3 "$DB" "SELECT count(*) FROM objects WHERE subject = 'CHR=ZZDVDOM00006'")
n7=$(sqlite3 "$DB" "SELECT count(*) FROM objects WHERE subject = 'CHR=ZZDVDOM00007'")
[ "$n6$n7" = 11 ] && ok "each CHR certified once" || not_ok "each CHR certified once ($n6, $n7)"
check "cvc-print: certificate verified (the DV signed after the resumption)" verified "$T/dvk/dv-2.cvcert" "$CVCA"
rm -rf "$D/dv-requests"; mkdir -p "$D/dv-requests"

# refusals, each with its TR-03129 result code; nothing signed
dv_refused() { # DESC CODE FILE...
	_d=$1; _c=$2; shift 2
	rm -f "$D/dv-requests"/*
	for _f in "$@"; do cp "$_f" "$D/dv-requests/"; done
	refuse "$_d" "$_c" dv_run "$T/dvx"
	if ls "$T/dvx"/dv-*.cvcert >/dev/null 2>&1; then not_ok "$_d: nothing signed"; else ok "$_d: nothing signed"; fi
	rm -rf "$T/dvx"
}
cvreq --key "$T/bad.pkcs8" --chr ZZDVBAD00001 --car ZZCVCAIS00001 "$T/bad-inner.cvreq"
python3 -c "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[-3]^=1; open(p,'wb').write(b)" "$T/bad-inner.cvreq"
dv_refused "a broken inner signature" 'bad-inner.cvreq: failure_inner_signature' "$T/bad-inner.cvreq"
cvreq --key "$T/x.pkcs8" --chr ZZDVREN00009 --car ZZCVCAIS00001 --outer-key "$T/bad.pkcs8" \
	--outer-car ZZDVDOM00001 "$T/bad-outer.cvreq"
dv_refused "a renewal signed with another key than the DV's" 'bad-outer.cvreq: failure_outer_signature' "$T/bad-outer.cvreq"
cvreq --key "$T/z.pkcs8" --chr ZZDVOTHER00002 --car ZZCVCAIS00001 --outer-key "$T/dom1.pkcs8" \
	--outer-car ZZDVDOM00001 "$T/other-dv.cvreq"
dv_refused "a DV signing a renewal for another DV's name" 'other-dv.cvreq: failure_outer_signature: ZZDVOTHER00002 is not a renewal of ZZDVDOM00001' "$T/other-dv.cvreq"
cvreq --key "$T/y.pkcs8" --chr ZZDVREN00008 --car ZZCVCAIS00001 --outer-key "$T/bad.pkcs8" \
	--outer-car ZZDVUNK00001 "$T/unknown-outer.cvreq"
dv_refused "an outer CAR this CVCA does not know" 'unknown-outer.cvreq: failure_outer_signature: outer CAR ZZDVUNK00001 names no certificate' "$T/unknown-outer.cvreq"
dv_refused "a request naming another CA" 'UTISDVCAOD00002.inner.cvreq: failure_request_not_accepted: the request names CA UTISCVCA00001' \
	"$E/generated/UTISDVCAOD00002.inner.cvreq"
dv_refused "a key on other domain parameters (brainpoolP224r1)" 'REQ_18102010.csr: failure_domain_parameters' \
	"$E/bc-java/REQ_18102010.csr"
dv_refused "a certificate given as a request" 'ZZDVISDOM00001.cvcert: failure_syntax' "$E/generated/ZZDVISDOM00001.cvcert"
printf 'not a CV request' >"$T/junk.cvreq"
dv_refused "bytes that are no CV request" 'junk.cvreq: failure_syntax' "$T/junk.cvreq"
cvreq --key "$T/dom1.pkcs8" --chr ZZDVDOM00001 --car ZZCVCAIS00001 "$T/again.cvreq"
dv_refused "a CHR this CVCA key has certified already" 'again.cvreq: failure_request_not_accepted: CHR ZZDVDOM00001 is already certified' "$T/again.cvreq"
mv "$D/foreign-cvcas" "$D/foreign-away"; mkdir "$D/foreign-cvcas"
dv_refused "a countersignature by a CVCA not given to the ceremony" 'countersigned.cvreq: failure_outer_signature: outer CAR UTISCVCA00001 names no certificate' \
	"$E/generated/UTISDVCAOF00002.initial-foreign.countersigned.cvreq"
rm -rf "$D/foreign-cvcas"; mv "$D/foreign-away" "$D/foreign-cvcas"
# one bad request in a batch stops the good one too
cvreq --key "$T/dom3.pkcs8" --chr ZZDVDOM00003 --car ZZCVCAIS00001 "$T/good.cvreq"
dv_refused "one refusal stops the whole batch" 'bad-inner.cvreq: failure_inner_signature' "$T/good.cvreq" "$T/bad-inner.cvreq"
# a DV renewal whose current certificate has expired: four months on
cvreq --key "$T/dom4.pkcs8" --chr ZZDVDOM00004 --car ZZCVCAIS00001 --outer-key "$T/dom1.pkcs8" \
	--outer-car ZZDVDOM00001 "$T/late.cvreq"
rm -f "$D/dv-requests"/*; cp "$T/late.cvreq" "$D/dv-requests/"
refuse "a renewal signed with an expired DV certificate" 'late.cvreq: failure_expired' \
	faketime -f +120d "$CONCLAVE" run --token label:cv-tok --store "$DB" --answers "$T/a1" --out "$T/dvlate" "$D/cvca-dv.ceremony"

# rekey: the link signed by the old key, with full domain parameters
K=$T/k
mkdir -p "$K"
cp "$top_srcdir/ceremony-scripts/cvca-rekey.ceremony" "$C/cvca.tmpl" "$K/"
# the new key signs with SHA-384: the link is still signed as the old key signs
sed -e 's/^holder.sequence = .*/holder.sequence = 00002/' -e 's/^signature.hash = .*/signature.hash = sha384/' \
	"$C/cvca.tmpl" >"$K/cvca-new.tmpl"
cp "$CVCA" "$K/cvca.cvcert"
labels "$T/a2" "cvca = ZZ-CVCA-1" "cvca-new = ZZ-CVCA-2"
if "$CONCLAVE" run --token label:cv-tok --store "$DB" --answers "$T/a2" --out "$T/rk" \
    "$K/cvca-rekey.ceremony" >"$T/rk.log" 2>&1; then ok "the CVCA rekey completes"
else not_ok "the CVCA rekey completes"; tail -15 "$T/rk.log" | sed 's/^/    /'; fi
check "cvc-print: certificate verified (the link under the old CVCA)" verified "$T/rk/cvca-link.cvcert" "$CVCA"
check "cvc-print: certificate verified (the new self-signed CVCA)" verified "$T/rk/cvca-new.cvcert" "$T/rk/cvca-new.cvcert"
"$CONCLAVE" cvc print "$T/rk/cvca-link.cvcert" --issuer "$CVCA" >"$T/link.txt" 2>&1 || true
has "the link: CAR the old CVCA, CHR the new" 'CHR: ZZCVCAIS00002' "$T/link.txt"
has "the link carries full domain parameters" 'Domain parameters: brainpoolP256r1' "$T/link.txt"
has "our codec verifies the link with the old key" 'signature: verified with ZZCVCAIS00001' "$T/link.txt"
has "the link certifies the new key's algorithm (id-TA-ECDSA-SHA-384)" 'Public key: id-TA-ECDSA-SHA-384' "$T/link.txt"
check "the rekey transcript verifies" "$CONCLAVE" transcript verify "$T/rk"
check "the DVCA host imports the rekey's bundle (old, new and link CVCA certificates)" \
	dvca import --recipient spoc --purpose cv-certificates --out "$T/dvca/rekey" "$T/rk/bundle-spoc"
# a CVCA certificate altered on its way in is not used
python3 -c "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); i=b.find(b'ZZCVCAIS00001'); b[i+12]=ord('9'); open(p,'wb').write(b)" "$D/cvca.cvcert"
cvreq --key "$T/t.pkcs8" --chr ZZDVDOM00008 --car ZZCVCAIS00001 "$D/dv-requests/t.cvreq"
refuse "an altered CVCA certificate is not used" 'is neither a self-signed CVCA certificate that verifies nor one the store recorded' \
	dv_run "$T/dvt"
cp "$CVCA" "$D/cvca.cvcert"

# the other way round: cvc-create, acting as a foreign CVCA (the interop
# set's ZZCVCAIS00001 test key), signs one of our test DVCA's requests; our
# codec verifies what it made
cvreq --key "$T/f.pkcs8" --chr UTDVFOR00007 --car ZZCVCAIS00001 "$T/ours.cvreq"
(cd "$T" && cvc-create --csr="$T/ours.cvreq" --role=dv_foreign --type=is --read-dg3 --read-dg4 \
	--scheme=ECDSA_SHA_256 --expires="$(date -u -d '+60 days' +%y%m%d)" \
	--sign-with="$E/generated/ZZCVCAIS00001.pkcs8" --out-cert="$T/by-cvc-create.cvcert" \
	>"$T/cvc-create.log" 2>&1) || { cat "$T/cvc-create.log"; not_ok "cvc-create signs our request"; }
"$CONCLAVE" cvc print "$T/by-cvc-create.cvcert" --issuer "$E/generated/ZZCVCAIS00001.cvcert" >"$T/bycc.txt" 2>&1 || true
has "our codec verifies the DV certificate cvc-create made from our request" \
	'signature: verified with ZZCVCAIS00001' "$T/bycc.txt"
has "and it passes our issuance lints" 'issuance lints: clean' "$T/bycc.txt"
check "cvc-print: certificate verified (cvc-create's DV, as a cross-check)" \
	verified "$T/by-cvc-create.cvcert" "$E/generated/ZZCVCAIS00001.cvcert"

finish
