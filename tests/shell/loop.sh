#!/bin/sh
# The whole air-gap loop on one machine (conclave-bundle(5)): a DS host
# makes its key and a request bundle; the ceremony imports it (verified
# against the pinned host key) and exports the DS certificate bundle; the
# host imports that and holds a certificate openssl verifies to the CSCA.
# Then the tamper cases, on both sides: each refused with its reason, and
# the store's tables unchanged (the audit trail records the refusal).
. "$top_srcdir/tests/shell/lib.sh"

softhsm_store
answers "$T/answers" "alice, bob" "$T/media"
{ cat "$T/answers"; printf '[labels]\ncsca = UT-CSCA-LOOP\n'; } >"$T/a"; chmod 600 "$T/a"
token_init "$T/tok" loop-tok 2 2 3 "$T/answers" >"$T/init.log" 2>&1 || { cat "$T/init.log"; fail "token-init"; }
DB=$T/tok/store.db
ceremony_copy "$T/c"
set_key "$T/c" key.explicit_parameters no
set_key "$T/c" key.curve P-384
"$CONCLAVE" run --token label:loop-tok --store "$DB" --answers "$T/a" --out "$T/csca" \
	"$T/c/csca-init.ceremony" >"$T/csca.log" 2>&1 || { cat "$T/csca.log"; fail "csca-init"; }
serial=$(awk '/^token:/ {for (i = 1; i <= NF; i++) if ($i == "serial") print $(i + 1)}' "$T/csca/summary.txt")
[ -n "$serial" ] || fail "no token serial in summary.txt"
ME=ceremony:$serial

# the DS host: its own token, store and bundle-signing key; the ceremony key pinned
softhsm2-util --init-token --free --label ds1-tok --so-pin 87654321 --pin 24681357 >/dev/null
printf '24681357' >"$T/host.pin"; chmod 600 "$T/host.pin"
HDB=$T/host/host.db
mkdir -p "$T/host"
host() { "$CONCLAVE" host "$@" --store "$HDB" --token label:ds1-tok --pin-file "$T/host.pin" --name ds1; }
check "the DS host is set up: bundle key made, ceremony key pinned" \
	host init --producer "$ME" --producer-key "$T/csca/ceremony-key.pem" --out "$T/host/ds1-bundle.pem"
check "the ceremony pins the host's key" \
	"$CONCLAVE" pin --store "$DB" --producer host:ds1 --key "$T/host/ds1-bundle.pem"
refuse "a producer is pinned once" 'already pinned' \
	"$CONCLAVE" pin --store "$DB" --producer host:ds1 --key "$T/csca/ceremony-key.pem"
request() {
	host request --to "${2:-$ME}" --country UT --organization "Utopia Passport Office" \
		--common-name "Document Signer ds1" --curve P-256 --out "$1" ${3:-}
}
check "the host makes a DS key and a request bundle" request "$T/media/req-1"
has "the request bundle is signed and verified on the medium" 'csr-request\), sequence 1' "$T/last.out"
csr=$(ls "$T/media/req-1"/*.csr)
check "openssl accepts the request's proof of possession" \
	sh -c "openssl req -inform DER -in '$csr' -verify -noout 2>&1 | grep -q 'verify OK'"
pkcs11-tool --module "$CLV_TEST_PKCS11_MODULE" --token-label ds1-tok --login --pin 24681357 -O \
	>"$T/objects.txt" 2>/dev/null || true
grep -A8 'Private Key Object' "$T/objects.txt" | grep -E 'label|Access' >"$T/priv.txt" || true
has "the DS key is on the host's token, sensitive and never extractable" 'never extractable' "$T/priv.txt"

# the ceremony signs the requests of the bundle
S=$T/s
mkdir -p "$S"
cp "$top_srcdir/ceremony-scripts/ds-certs.ceremony" "$T/c/csca.tmpl" "$top_srcdir/templates/ds.tmpl" "$S/"
sed -i 's/^key.curve = .*/key.curve = P-256/; s/^key.explicit_parameters = .*/key.explicit_parameters = no/' "$S/ds.tmpl"
cp "$T/csca/csca.der" "$S/csca.der"
dump() { for t in keys objects bundles pins revocations share_sets; do sqlite3 "$1" ".dump $t"; done; }
ds_run() { # DIR OUT: the ds-certs ceremony on the bundle in DIR
	rm -rf "$S/ds-requests"; cp -r "$1" "$S/ds-requests"
	"$CONCLAVE" run --token label:loop-tok --store "$DB" --answers "$T/a" --out "$2" "$S/ds-certs.ceremony"
}
if ds_run "$T/media/req-1" "$T/ds" >"$T/ds.log" 2>&1; then ok "the ceremony issues the DS certificate of the request bundle"
else not_ok "the ceremony issues the DS certificate of the request bundle"; tail -15 "$T/ds.log" | sed 's/^/    /'; finish; exit 1; fi
has "the bundle was verified before it was read" "bundle .* from host:ds1, sequence 1: signature, sizes and hashes verified" "$T/ds.log"
"$CONCLAVE" audit show --store "$DB" >"$T/audit.txt"
has "the import is in the audit trail" 'bundle-imported.*host:ds1' "$T/audit.txt"
B=$T/ds/bundle-ds-hosts
check "the DS certificate bundle is there" test -f "$B/MANIFEST.sig"

# host-side tamper cases: refused with the reason, the host store's tables unchanged
dump "$HDB" >"$T/host-before"
tamper() { # DESC PATTERN: import the copy in $T/t, which the caller has altered
	refuse "$1" "$2" host import --out "$T/host/certs-x" "$T/t"
	dump "$HDB" >"$T/host-after"
	if cmp -s "$T/host-before" "$T/host-after" && [ ! -e "$T/host/certs-x" ]; then
		ok "$1: the host store is unchanged, nothing written"
	else not_ok "$1: the host store is unchanged, nothing written"; fi
	rm -rf "$T/t"
}
flip() { python3 -c "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[int(sys.argv[2])%len(b)]^=1; open(p,'wb').write(b)" "$1" "$2"; }
fresh() { rm -rf "$T/t"; cp -r "$B" "$T/t"; }
fresh; flip "$T/t/MANIFEST" 40
tamper "a flipped byte in the MANIFEST is refused" 'MANIFEST'
fresh; flip "$T/t/MANIFEST.sig" 20
tamper "a flipped byte in the signature is refused" 'MANIFEST.sig|signature'
fresh; flip "$T/t/ds-1.der" 100
tamper "a flipped byte in the DS certificate is refused" 'ds-1.der: sha256: expected'
fresh; flip "$T/t/csca.der" 7
tamper "a flipped byte in the CSCA certificate is refused" 'csca.der: sha256: expected'
fresh; echo extra >"$T/t/notes.txt"
tamper "an added file is refused" "notes.txt' is not listed"
fresh; rm "$T/t/csca-crl.der" 2>/dev/null || rm "$T/t/csca.der"
tamper "a removed file is refused" 'missing|not found|no such'
fresh; mv "$T/t/ds-1.der" "$T/t/ds-9.der"
tamper "a renamed file is refused" 'ds-9.der|ds-1.der'
# the host imports the certificate
check "the host imports the DS certificate bundle" host import --out "$T/host/certs-1" "$B"
has "it found the certificate of its key" 'Document Signer ds1 for key ds1-ds-1' "$T/last.out"
check "the DS host holds a certificate openssl verifies to the CSCA" \
	openssl verify -CAfile "$T/csca/csca.pem" "$T/host/certs-1/ds1-ds-1.pem"
check "and to the CSCA certificate that came in the bundle" \
	openssl verify -CAfile "$T/host/certs-1/csca.der.pem" "$T/host/certs-1/ds1-ds-1.pem"
k1=$(openssl x509 -in "$T/host/certs-1/ds1-ds-1.pem" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum)
k2=$(openssl req -inform DER -in "$csr" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum)
[ "$k1" = "$k2" ] && ok "the certificate certifies the host's key" || not_ok "the certificate certifies the host's key"

tamper_replay() {
	dump "$HDB" >"$T/host-before"
	refuse "a replayed bundle is refused" 'already seen|replay' host import --out "$T/host/certs-x" "$B"
	dump "$HDB" >"$T/host-after"
	cmp -s "$T/host-before" "$T/host-after" && ok "a replayed bundle: the host store is unchanged" ||
		not_ok "a replayed bundle: the host store is unchanged"
}
tamper_replay
refuse "a bundle for another recipient is refused" "recipient" \
	host import --recipient host:ds2 --out "$T/host/certs-x" "$B"

# ceremony-side cases: refused before anything is signed, the store's tables unchanged
dump "$DB" >"$T/cer-before"
ceremony_refused() { # DESC PATTERN BUNDLE
	refuse "$1" "$2" ds_run "$3" "$T/dsx-$4"
	dump "$DB" >"$T/cer-after"
	if cmp -s "$T/cer-before" "$T/cer-after" && ! ls "$T/dsx-$4"/ds-*.der >/dev/null 2>&1; then
		ok "$1: the ceremony store is unchanged, nothing signed"
	else not_ok "$1: the ceremony store is unchanged, nothing signed"; diff "$T/cer-before" "$T/cer-after" | head -5; fi
}
ceremony_refused "the ceremony refuses a replayed request bundle" 'already seen|replay' "$T/media/req-1" replay
check "the host makes a second request" request "$T/media/req-2"
cp -r "$T/media/req-2" "$T/req-2t"; flip "$T/req-2t/$(basename "$(ls "$T/req-2t"/*.csr)")" 50
ceremony_refused "the ceremony refuses a request bundle with a flipped byte" 'sha256: expected .*altered' "$T/req-2t" flip
check "the host makes a request for another ceremony" request "$T/media/req-3" ceremony:SOMEONE-ELSE
ceremony_refused "the ceremony refuses a bundle for another recipient" 'recipient' "$T/media/req-3" other
check "the host makes a rehearsal request" request "$T/media/req-4" "$ME" --rehearsal
ceremony_refused "the production ceremony refuses a rehearsal bundle" 'rehearsal' "$T/media/req-4" rehearsal
mkdir -p "$T/unpinned"
cp -r "$T/media/req-2" "$T/unpinned/b"; sed -i 's/^producer = host:ds1$/producer = host:ds7/' "$T/unpinned/b/MANIFEST"
ceremony_refused "the ceremony refuses a producer it has not pinned" 'host:ds7|pinned' "$T/unpinned/b" unpinned
# the good second request still goes through
if ds_run "$T/media/req-2" "$T/ds2" >"$T/ds2.log" 2>&1; then ok "the second request bundle is then signed"
else not_ok "the second request bundle is then signed"; tail -8 "$T/ds2.log" | sed 's/^/    /'; fi

# a request with an existing --out is refused before any key is made
nkeys=$(sqlite3 "$HDB" "SELECT count(*) FROM keys")
refuse "a request bundle over an existing directory is refused" 'exists: a bundle is written to a new directory' \
	request "$T/media/req-2"
[ "$(sqlite3 "$HDB" "SELECT count(*) FROM keys")" = "$nkeys" ] &&
	ok "and no DS key was made for it" || not_ok "and no DS key was made for it"

# interrupted batches: killed (SIGKILL from gdb) once the first of two DS
# certificates is written, and just before the first is signed; resumed,
# each request gets exactly one certificate, the journal's serial reused
check "the host makes a bundle of a third request" request "$T/media/req-5"
check "and of a fourth" request "$T/media/req-6"
mkdir -p "$T/two"; cp -r "$T/media/req-5" "$T/two/"
kill_at() { # POINT OUT BUNDLE
	rm -rf "$S/ds-requests"; cp -r "$3" "$S/ds-requests"
	gdb -q -batch -ex 'set breakpoint pending on' \
		-ex "break clv_engine_checkpoint if \$_streq(name, \"$1\")" -ex run -ex kill \
		--args "$CONCLAVE" run --token label:loop-tok --store "$DB" --answers "$T/a" --out "$2" \
		"$S/ds-certs.ceremony" >"$2.gdb" 2>&1
	grep -q "Breakpoint 1, clv_engine_checkpoint" "$2.gdb"
}
resume_ds() { "$CONCLAVE" run --resume --token label:loop-tok --store "$DB" --answers "$T/a" \
	--out "$1" "$S/ds-certs.ceremony"; }
certs_for() { # the store's certificates for the DS subject of host key $1
	sqlite3 "$DB" "SELECT count(*) FROM objects WHERE kind = 'certificate' AND subject LIKE '%Document Signer ds1%'"; }
before=$(certs_for)
if kill_at written-cert "$T/dsk1" "$T/media/req-5"; then ok "killed after the first DS certificate was written"
else not_ok "killed after the first DS certificate was written"; fi
if resume_ds "$T/dsk1" >"$T/dsk1.log" 2>&1; then ok "the interrupted DS batch resumes"
else not_ok "the interrupted DS batch resumes"; tail -8 "$T/dsk1.log" | sed 's/^/    /'; fi
has "the certificate issued before the interruption is taken over" 'taken over, not issued again' "$T/dsk1.log"
[ "$(certs_for)" -eq "$((before + 1))" ] && ok "one certificate for the request, not two" ||
	not_ok "one certificate for the request, not two ($before before, $(certs_for) after)"
before=$(certs_for)
if kill_at intent-sign-ds "$T/dsk2" "$T/media/req-6"; then ok "killed just before a DS certificate is signed"
else not_ok "killed just before a DS certificate is signed"; fi
drawn=$(grep -a 'intent-sign-ds\|action=issue-ds' "$T/dsk2/transcript.log" | grep -o 'serial=[0-9a-f]*' | head -1)
if resume_ds "$T/dsk2" >"$T/dsk2.log" 2>&1; then ok "that batch resumes too"
else not_ok "that batch resumes too"; tail -8 "$T/dsk2.log" | sed 's/^/    /'; fi
issued=$(openssl x509 -in "$T/dsk2/ds-1.der" -inform DER -noout -serial | tr 'A-F' 'a-f' | sed 's/serial=0*/serial=/')
[ -n "$drawn" ] && [ "$(echo "$drawn" | sed 's/serial=0*/serial=/')" = "$issued" ] &&
	ok "the serial drawn before the interruption is the one issued" ||
	not_ok "the serial drawn before the interruption is the one issued ($drawn / $issued)"
[ "$(certs_for)" -eq "$((before + 1))" ] && ok "and one certificate again" || not_ok "and one certificate again"
# a resumed run takes up its own bundle again, never another one already used
check "the host makes a fifth request" request "$T/media/req-7"
kill_at intent-sign-ds "$T/dsk3" "$T/media/req-7" || not_ok "killed before signing the fifth"
rm -rf "$S/ds-requests"; cp -r "$T/media/req-5" "$S/ds-requests"
refuse "a resumed run refuses a bundle another run imported" 'already seen|replay' \
	"$CONCLAVE" run --resume --token label:loop-tok --store "$DB" --answers "$T/a" --out "$T/dsk3" "$S/ds-certs.ceremony"

finish
