#!/bin/sh
# Bundles that cross the air gap: csca-init exports the CSCA certificate and
# the CRL for the DS hosts as a signed bundle on its output medium, verified
# after writing; a host verifies it against the pinned ceremony key, and a
# tampered, replayed, misaddressed or rehearsal-in-production bundle is
# refused with its reason, leaving the bundle as it was.
. "$top_srcdir/tests/shell/lib.sh"

answers "$T/answers"
ceremony_copy "$T/s"
"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$T/out" "$T/s/csca-init.ceremony" \
	>"$T/run.log" 2>&1 || { cat "$T/run.log"; fail "rehearsal"; }
B=$T/out/bundle-ds-hosts
has "the bundle is written, read back and verified by the ceremony" 'sequence 1, verified on the medium' "$T/run.log"
has "the administrator confirmed the medium" 'medium .* confirmed by Test Administrator' "$T/run.log"
serial=$(awk '/^token:/ {for (i = 1; i <= NF; i++) if ($i == "serial") print $(i + 1)}' "$T/out/summary.txt")
KEY=$T/out/ceremony-key.pem
verify() {
	"$CONCLAVE" bundle verify "$1" --producer "ceremony:$serial" --key "$KEY" \
		--recipient "${2:-ds-hosts}" --purpose "${3:-ds-certificates}" ${4:-}
}
check "the DS host verifies it against the pinned ceremony key" verify "$B" ds-hosts ds-certificates --rehearsal
has "it lists the CSCA certificate and the CRL" 'csca.der \(certificate' "$T/last.out"
has "with the CRL" 'csca-crl.der \(crl' "$T/last.out"
refuse "a rehearsal bundle is refused in production" 'rehearsal' verify "$B"
refuse "a bundle for another recipient is refused" 'recipient' verify "$B" pkd ds-certificates --rehearsal
refuse "a bundle for another purpose is refused" 'purpose' verify "$B" ds-hosts pkd-publication --rehearsal
refuse "a replayed bundle is refused" 'sequence 1.*(already|seen|replay)|replay' \
	verify "$B" ds-hosts ds-certificates "--rehearsal --last-seen 1"
"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$T/out2" "$T/s/csca-init.ceremony" \
	>/dev/null 2>&1 || fail "second rehearsal"
refuse "another ceremony's key does not verify it" 'signature|key' \
	"$CONCLAVE" bundle verify "$B" --producer "ceremony:$serial" --key "$T/out2/ceremony-key.pem" \
	--recipient ds-hosts --purpose ds-certificates --rehearsal
tamper() { rm -rf "$T/t"; cp -r "$B" "$T/t"; chmod -R u+w "$T/t"; }
tamper; printf '\001' | dd of="$T/t/csca.der" bs=1 seek=50 conv=notrunc 2>/dev/null
refuse "a flipped byte in an artifact is refused, naming it" 'csca.der' verify "$T/t" ds-hosts ds-certificates --rehearsal
tamper; sed -i 's/sequence = 1/sequence = 2/' "$T/t/MANIFEST"
refuse "an edited manifest is refused (signature)" 'signature' verify "$T/t" ds-hosts ds-certificates --rehearsal
tamper; echo extra >"$T/t/extra.der"
refuse "an added file is refused, naming it" 'extra.der' verify "$T/t" ds-hosts ds-certificates --rehearsal
tamper; rm "$T/t/csca-crl.der"
refuse "a removed file is refused, naming it" 'csca-crl.der' verify "$T/t" ds-hosts ds-certificates --rehearsal
tamper; mv "$T/t/csca.der" "$T/t/csca2.der"
refuse "a renamed file is refused" 'csca.der|csca2.der' verify "$T/t" ds-hosts ds-certificates --rehearsal
check "the original bundle still verifies after all that" verify "$B" ds-hosts ds-certificates --rehearsal
check "the transcript records the export" grep -q 'bundle-exported' "$T/out/transcript.log"

finish
