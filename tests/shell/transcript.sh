#!/bin/sh
# The ceremony transcript: closed and signed by the token's ceremony key,
# exported with the outputs, verified offline; a changed event, a removed
# event, a changed output file and a wrong signature are each found and named.
. "$top_srcdir/tests/shell/lib.sh"

answers "$T/answers"
ceremony_copy "$T/s"
for n in a b; do
	"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$T/$n" "$T/s/csca-init.ceremony" \
		>"$T/$n.log" 2>&1 || { cat "$T/$n.log"; fail "rehearsal $n"; }
done
has "the clock check is the first step, confirmed by the administrator" \
	'machine clock .* UTC, confirmed by administrator Test Administrator' "$T/a.log"
has "the transcript head is shown as words" 'transcript head SHA-256 [0-9a-f]{64}' "$T/a.log"
grep -A1 'transcript head SHA-256' "$T/a.log" | grep -qE 'words: ([A-Za-z]+ ){31}[A-Za-z]+$' &&
	ok "32 PGP words for the head" || not_ok "32 PGP words for the head"
check "the transcript verifies" "$CONCLAVE" transcript verify "$T/a"
has "it checks the outputs it records" 'records, chain intact, 4 outputs match, closed and signed' \
	"$T/last.out"
check "SHA256SUMS covers the transcript and its signature" \
	sh -c "grep -q 'transcript.log' '$T/a/SHA256SUMS' && grep -q 'transcript.sig' '$T/a/SHA256SUMS' && cd '$T/a' && sha256sum -c SHA256SUMS"
for ev in transcript-opened ceremony-started clock-checked token-checked quorum-login \
    share-accepted key-generated cert-issued crl-issued output-written witness-ack \
    transcript-closed; do
	grep -q "	$ev	" "$T/a/transcript.log" && ok "the transcript records $ev" ||
		not_ok "the transcript records $ev"
done
check "the key given explicitly is used" \
	"$CONCLAVE" transcript verify "$T/a" --key "$T/a/ceremony-key.pem"
refuse "another ceremony's key does not verify it" 'does not verify with the ceremony key' \
	"$CONCLAVE" transcript verify "$T/a" --key "$T/b/ceremony-key.pem"

tampered() { rm -rf "$T/t"; cp -r "$T/a" "$T/t"; chmod -R u+w "$T/t"; }
tampered
line=$(grep -n '	cert-issued	' "$T/t/transcript.log" | cut -d: -f1)
sed -i "${line}s/self-signed certificate/SELF-SIGNED certificate/" "$T/t/transcript.log"
refuse "a changed event is found and named" "line $line \\(record [0-9]+, cert-issued\\).*changed" \
	"$CONCLAVE" transcript verify "$T/t"
tampered
line=$(grep -n '	witness-ack	' "$T/t/transcript.log" | cut -d: -f1)
sed -i "${line}d" "$T/t/transcript.log"
refuse "a removed event is found and named" "line $line: record [0-9]+ where record [0-9]+ was due: a record was removed" \
	"$CONCLAVE" transcript verify "$T/t"
tampered
printf '\001' | dd of="$T/t/csca.der" bs=1 seek=100 conv=notrunc 2>/dev/null
refuse "a changed output file is found and named" 'output csca.der: SHA-256 .* the file was changed' \
	"$CONCLAVE" transcript verify "$T/t"
tampered
cp "$T/b/transcript.sig" "$T/t/transcript.sig"
refuse "a wrong signature is found and named" 'transcript.sig: the signature over the transcript head does not verify' \
	"$CONCLAVE" transcript verify "$T/t"
tampered
head -n -3 "$T/a/transcript.log" >"$T/t/transcript.log"
refuse "a transcript cut short is found" 'never closed' "$CONCLAVE" transcript verify "$T/t"

finish
