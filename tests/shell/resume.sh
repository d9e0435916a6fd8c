#!/bin/sh
# Crash-safe resumption: csca-init is killed (SIGKILL, from gdb) at each of
# its journal points and resumed with --resume: every time it ends with
# exactly one CSCA key, one certificate and one CRL, no serial reused or lost,
# and a transcript that verifies and records the interruption.
. "$top_srcdir/tests/shell/lib.sh"

softhsm_store
MOD=${CLV_TEST_PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
answers "$T/answers" "alice, bob" "$T/media"
token_init "$T/tok" resume-tok 2 2 3 "$T/answers" >"$T/init.log" 2>&1 ||
	{ cat "$T/init.log"; fail "token-init"; }
DB=$T/tok/store.db
q() { sqlite3 "$DB" "$1"; }

n=0
for point in intent-generate result-generate recorded-generate \
    intent-sign-cert result-sign-cert txn-cert recorded-cert written-cert \
    intent-sign-crl result-sign-crl txn-crl recorded-crl written-crl; do
	n=$((n + 1))
	label="CSCA-R$n"
	{ cat "$T/answers"; printf '[labels]\ncsca = %s\n' "$label"; } >"$T/a$n"
	chmod 600 "$T/a$n"
	out=$T/out$n
	gdb -q -batch -ex 'set breakpoint pending on' \
		-ex "break clv_engine_checkpoint if \$_streq(name, \"$point\")" -ex run -ex kill \
		--args "$CONCLAVE" run --token label:resume-tok --store "$DB" --answers "$T/a$n" \
		--out "$out" "$top_srcdir/ceremony-scripts/csca-init.ceremony" >"$T/gdb$n" 2>&1
	if grep -q "Breakpoint 1, clv_engine_checkpoint" "$T/gdb$n"; then
		ok "$point: killed there"
	else
		not_ok "$point: killed there"; tail -20 "$T/gdb$n" | sed 's/^/    /'; continue
	fi
	refuse "$point: a plain rerun refuses and points to --resume" 'interrupted here: run the same command again with --resume' \
		"$CONCLAVE" run --token label:resume-tok --store "$DB" --answers "$T/a$n" \
		--out "$out" "$top_srcdir/ceremony-scripts/csca-init.ceremony"
	if "$CONCLAVE" run --resume --token label:resume-tok --store "$DB" --answers "$T/a$n" \
	    --out "$out" "$top_srcdir/ceremony-scripts/csca-init.ceremony" >"$T/resume$n" 2>&1; then
		ok "$point: the resumed ceremony completes"
	else
		not_ok "$point: the resumed ceremony completes"; tail -15 "$T/resume$n" | sed 's/^/    /'
		continue
	fi
	keys=$(q "SELECT count(*) FROM keys WHERE label = '$label'")
	certs=$(q "SELECT count(*) FROM objects WHERE kind = 'certificate' AND issuer_label = '$label'")
	crls=$(q "SELECT count(*) FROM objects WHERE kind = 'crl' AND issuer_label = '$label'")
	ontoken=$(pkcs11-tool --module "$MOD" --token-label resume-tok --list-objects --type pubkey 2>/dev/null |
		grep -c "label: *$label\$" || true)
	if [ "$keys$certs$crls$ontoken" = 1111 ]; then
		ok "$point: one key (store and token), one certificate, one CRL"
	else
		not_ok "$point: one key, one certificate, one CRL (store keys $keys, certs $certs, CRLs $crls, token keys $ontoken)"
	fi
	# the transcript tells of each issue once: an event of a store
	# transaction the crash rolled back is never in it
	ci=$(grep -ac '	cert-issued	' "$out/transcript.log" || true)
	cr=$(grep -ac '	crl-issued	' "$out/transcript.log" || true)
	if [ "$ci$cr" = 11 ]; then
		ok "$point: the transcript tells of one certificate and one CRL"
	else
		not_ok "$point: the transcript tells of one certificate and one CRL (cert-issued $ci, crl-issued $cr)"
	fi
	# the serial drawn before the crash is the one issued: none lost, none reused
	drawn=$(grep -a '	intent	' "$out/transcript.log" | grep -o 'serial=[0-9a-f]*' | sort -u)
	issued=$(openssl x509 -in "$out/csca.der" -inform DER -noout -serial | tr 'A-F' 'a-f' | sed 's/serial=0*/serial=/')
	drawn_n=$(printf '%s\n' "$drawn" | grep -c serial= || true)
	if [ "$drawn_n" -eq 1 ] && [ "$(echo "$drawn" | sed 's/serial=0*/serial=/')" = "$issued" ]; then
		ok "$point: the serial drawn once is the serial issued"
	else
		not_ok "$point: the serial drawn once is the serial issued (drawn: $drawn; issued: $issued)"
	fi
	check "$point: the certificate verifies" openssl verify -CAfile "$out/csca.pem" "$out/csca.pem"
	check "$point: the CRL verifies" sh -c "openssl crl -in '$out/csca-crl.pem' -CAfile '$out/csca.pem' -noout 2>&1 | grep -q 'verify OK'"
	check "$point: the transcript verifies" "$CONCLAVE" transcript verify "$out"
	grep -q '	ceremony-interrupted	' "$out/transcript.log" && grep -q '	ceremony-resumed	' "$out/transcript.log" &&
		ok "$point: the transcript records the interruption" ||
		not_ok "$point: the transcript records the interruption"
done
has "a key generated but not recorded is adopted by its label" 'found on the token by its label and adopted' "$T/resume2"

# a public key planted under the label after the crash (no PIN needed for
# that) is not adopted: its private key must prove to be the pair
label=CSCA-PLANTED
{ cat "$T/answers"; printf '[labels]\ncsca = %s\n' "$label"; } >"$T/ap"; chmod 600 "$T/ap"
gdb -q -batch -ex 'set breakpoint pending on' \
	-ex 'break clv_engine_checkpoint if $_streq(name, "intent-generate")' -ex run -ex kill \
	--args "$CONCLAVE" run --token label:resume-tok --store "$DB" --answers "$T/ap" \
	--out "$T/planted" "$top_srcdir/ceremony-scripts/csca-init.ceremony" >"$T/gdbp" 2>&1
openssl ecparam -name brainpoolP384r1 -genkey -noout -out "$T/evil.pem" 2>/dev/null
openssl ec -in "$T/evil.pem" -pubout -outform DER -out "$T/evil.der" 2>/dev/null
pkcs11-tool --module "$MOD" --token-label resume-tok --write-object "$T/evil.der" \
	--type pubkey --label "$label" >"$T/plant.log" 2>&1 || cat "$T/plant.log"
refuse "a planted public key is not adopted on resume" 'no private key that is sensitive|not the pair' \
	"$CONCLAVE" run --resume --token label:resume-tok --store "$DB" --answers "$T/ap" \
	--out "$T/planted" "$top_srcdir/ceremony-scripts/csca-init.ceremony"
if [ -e "$T/planted/csca.der" ]; then not_ok "nothing is certified for the planted key"
else ok "nothing is certified for the planted key"; fi
has "a certificate signed but not recorded is signed again with its serial" 'signing it now with the same serial' "$T/resume5"
has "a recorded certificate is taken over, not issued again" 'taken over, not issued again' "$T/resume7"
# the transcript is only a journal: an edited intent (re-chained, so the
# chain still holds) or another script is not followed
{ cat "$T/answers"; printf '[labels]\ncsca = CSCA-EDIT\n'; } >"$T/ae"; chmod 600 "$T/ae"
gdb -q -batch -ex 'set breakpoint pending on' \
	-ex 'break clv_engine_checkpoint if $_streq(name, "intent-sign-cert")' -ex run -ex kill \
	--args "$CONCLAVE" run --token label:resume-tok --store "$DB" --answers "$T/ae" \
	--out "$T/edit" "$top_srcdir/ceremony-scripts/csca-init.ceremony" >"$T/gdbe" 2>&1
python3 - "$T/edit/transcript.log" <<'EOP'
import hashlib, re, sys
p = sys.argv[1]
lines = open(p, 'rb').read().split(b'\n')[:-1]
prev = bytes(32)
out = []
for l in lines:
    text = l[:l.index(b'\tprev=')]
    if b'\tintent\t' in text and b'serial=' in text:
        text = re.sub(rb'when=[0-9]+', b'when=946684800', text)
    h = hashlib.sha256(prev + text).digest()
    out.append(text + b'\tprev=' + prev.hex().encode() + b'\thash=' + h.hex().encode())
    prev = h
open(p, 'wb').write(b'\n'.join(out) + b'\n')
EOP
refuse "an edited journal time (chain recomputed) is not followed" 'not within the week before now' \
	"$CONCLAVE" run --resume --token label:resume-tok --store "$DB" --answers "$T/ae" \
	--out "$T/edit" "$top_srcdir/ceremony-scripts/csca-init.ceremony"
sed 's/^title = Initial CSCA key.*/title = Something else/' "$top_srcdir/ceremony-scripts/csca-init.ceremony" \
	>"$T/other.ceremony"
cp "$top_srcdir/templates/csca.tmpl" "$T/"
refuse "another script does not resume it" 'ran another script' \
	"$CONCLAVE" run --resume --token label:resume-tok --store "$DB" --answers "$T/ae" \
	--out "$T/edit" "$T/other.ceremony"
if [ -e "$T/edit/csca.der" ]; then not_ok "nothing was issued from the edited journal"
else ok "nothing was issued from the edited journal"; fi

# a power loss that cuts the transcript's last line: the torn line is dropped
{ cat "$T/answers"; printf '[labels]\ncsca = CSCA-TORN\n'; } >"$T/at"; chmod 600 "$T/at"
gdb -q -batch -ex 'set breakpoint pending on' \
	-ex 'break clv_engine_checkpoint if $_streq(name, "recorded-cert")' -ex run -ex kill \
	--args "$CONCLAVE" run --token label:resume-tok --store "$DB" --answers "$T/at" \
	--out "$T/torn" "$top_srcdir/ceremony-scripts/csca-init.ceremony" >"$T/gdbt" 2>&1
truncate -s -40 "$T/torn/transcript.log"
check "a transcript with a torn last line resumes" \
	"$CONCLAVE" run --resume --token label:resume-tok --store "$DB" --answers "$T/at" \
	--out "$T/torn" "$top_srcdir/ceremony-scripts/csca-init.ceremony"
check "and then verifies" "$CONCLAVE" transcript verify "$T/torn"
grep -q 'torn last line, cut by the interruption, was dropped' "$T/torn/transcript.log" &&
	ok "the dropped line is recorded" || not_ok "the dropped line is recorded"

# a Master List signed before the interruption is taken over, not signed again
{ cat "$T/answers"; printf '[labels]\ncsca = CSCA-ML\nmls = MLS-ML\n'; } >"$T/am"; chmod 600 "$T/am"
mkdir -p "$T/mlscript/foreign-cscas"
cp "$top_srcdir/ceremony-scripts/csca-mls.ceremony" "$top_srcdir/templates/csca.tmpl" \
	"$top_srcdir/templates/mls.tmpl" "$T/mlscript/"
gdb -q -batch -ex 'set breakpoint pending on' \
	-ex 'break clv_engine_checkpoint if $_streq(name, "intent-sign-crl")' -ex run -ex kill \
	--args "$CONCLAVE" run --token label:resume-tok --store "$DB" --answers "$T/am" \
	--out "$T/ml" "$T/mlscript/csca-mls.ceremony" >"$T/gdbm" 2>&1
sha_before=$(sha256sum "$T/ml/masterlist.der" | cut -d' ' -f1)
check "a ceremony killed after its Master List resumes" \
	"$CONCLAVE" run --resume --token label:resume-tok --store "$DB" --answers "$T/am" \
	--out "$T/ml" "$T/mlscript/csca-mls.ceremony"
[ "$(sha256sum "$T/ml/masterlist.der" | cut -d' ' -f1)" = "$sha_before" ] &&
	ok "the Master List is the one signed before the interruption" ||
	not_ok "the Master List is the one signed before the interruption"
n=$(grep -c '	master-list-signed	' "$T/ml/transcript.log" || true)
[ "$n" -eq 1 ] && ok "it was signed once" || not_ok "it was signed once ($n)"
check "its transcript verifies" "$CONCLAVE" transcript verify "$T/ml"

check "the store's audit trail verifies" "$CONCLAVE" audit verify --store "$DB"

finish
