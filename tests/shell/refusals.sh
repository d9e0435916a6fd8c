#!/bin/sh
# What conclave must refuse, each with a message naming the input and what
# was expected, and without writing or signing anything it should not.
. "$top_srcdir/tests/shell/lib.sh"

answers "$T/answers"
S=$T/s
ceremony_copy "$S"

digest_dir() { (cd "$1" && find . -type f ! -name '*.db*' -exec sha256sum {} + | sort); }

# -- outputs are never overwritten -----------------------------------------
"$CONCLAVE" run -q --rehearsal --answers "$T/answers" --out "$T/out1" "$S/csca-init.ceremony" \
	>/dev/null 2>&1 || fail "first rehearsal"
digest_dir "$T/out1" >"$T/out1.before"
refuse "an existing output is refused before anything runs" \
	'csca.der: output of step .certificate. already exists; outputs are never overwritten' \
	"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$T/out1" "$S/csca-init.ceremony"
digest_dir "$T/out1" >"$T/out1.after"
check "the existing outputs are unchanged" cmp "$T/out1.before" "$T/out1.after"
if grep -q 'generating' "$T/last.out"; then not_ok "no key generated when an output exists"
else ok "no key generated when an output exists"; fi

# -- production: a token of our own, its PINs dealt 2 of 3 by token-init ------
softhsm_store
answers "$T/prod.answers" "alice, bob" "$T/media"
{ cat "$T/prod.answers"; printf '[labels]\ncsca = UT-CSCA-2026\n'; } >"$T/label.answers"
chmod 600 "$T/label.answers"
token_init "$T/prod" prod 2 2 3 "$T/prod.answers" >"$T/init.log" 2>&1 ||
	{ cat "$T/init.log"; fail "token-init"; }
DB=$T/prod/store.db

# a plain PIN login on a quorum token: nobody knows its PIN
sed 's/^action = quorum-login$/action = login/' "$S/csca-init.ceremony" >"$S/pin-login.ceremony"
printf '99999999\n' >"$T/badpin"; chmod 600 "$T/badpin"
{ cat "$T/prod.answers"; printf '[login]\npin_file = badpin\n'; } >"$T/bad.answers"
chmod 600 "$T/bad.answers"
refuse "a wrong PIN is refused" "login to token 'prod' failed: PIN incorrect" \
	"$CONCLAVE" run --token label:prod --store "$DB" --answers "$T/bad.answers" \
	--out "$T/bad" "$S/pin-login.ceremony"
if [ -e "$T/bad/csca.der" ]; then not_ok "nothing issued after a wrong PIN"
else ok "nothing issued after a wrong PIN"; fi
"$CONCLAVE" audit show --store "$DB" >"$T/prod.audit"
has "the failed login is in the audit trail" 'login-failed' "$T/prod.audit"
chmod 644 "$T/badpin"
refuse "a PIN file readable by others is refused" 'expected no group or other access' \
	"$CONCLAVE" run --token label:prod --store "$DB" --answers "$T/bad.answers" \
	--out "$T/bad2" "$S/pin-login.ceremony"
chmod 644 "$T/label.answers"
refuse "a passphrase in an answers file others can read is refused in production" \
	'needs the file to have no group or other access' \
	"$CONCLAVE" run --token label:prod --store "$DB" --answers "$T/label.answers" \
	--out "$T/bad3" "$S/csca-init.ceremony"
chmod 600 "$T/label.answers"

check "a production ceremony on a token picked by label, opened by a 2-of-3 quorum" \
	"$CONCLAVE" run --token label:prod --store "$DB" --answers "$T/label.answers" \
	--out "$T/prod1" "$S/csca-init.ceremony"
check "production outputs verify" openssl verify -CAfile "$T/prod1/csca.pem" "$T/prod1/csca.pem"
if grep -q REHEARSAL "$T/prod1/csca.pem" || openssl x509 -in "$T/prod1/csca.pem" -noout -subject | grep -q REHEARSAL
then not_ok "production outputs carry no REHEARSAL stamp"
else ok "production outputs carry no REHEARSAL stamp"; fi

refuse "an existing key label on the token is refused" \
	"a key labelled 'UT-CSCA-2026' already exists on token 'prod'" \
	"$CONCLAVE" run --token label:prod --store "$DB" --answers "$T/label.answers" \
	--out "$T/prod2" "$S/csca-init.ceremony"
# a second token kept in the same store: the store remembers the label
answers "$T/prod-b.answers" "alice, bob" "$T/media-b"
{ cat "$T/prod-b.answers"; printf '[labels]\ncsca = UT-CSCA-2026\n'; } >"$T/label-b.answers"
chmod 600 "$T/label-b.answers"
mkdir -p "$T/prod-b"
sed -e 's/^label = .*/label = prod-b/' "$top_srcdir/ceremony-scripts/token-init.ceremony" \
	>"$T/prod-b/token-init.ceremony"
"$CONCLAVE" run --store "$DB" --answers "$T/prod-b.answers" --out "$T/prod-b/init" \
	"$T/prod-b/token-init.ceremony" >"$T/init-b.log" 2>&1 || { cat "$T/init-b.log"; fail "token-init b"; }
refuse "a key label the store knows is refused on another token" \
	"store already knows a key labelled 'UT-CSCA-2026'" \
	"$CONCLAVE" run --token label:prod-b --store "$DB" --answers "$T/label-b.answers" \
	--out "$T/prod3" "$S/csca-init.ceremony"
if [ -e "$T/prod2/csca.der" ] || [ -e "$T/prod3/csca.der" ]; then
	not_ok "nothing issued when the label exists"
else ok "nothing issued when the label exists"; fi
refuse "an unknown token is refused, naming the tokens present" "token.*not found|no initialised token" \
	"$CONCLAVE" run --token label:nosuch --store "$DB" --answers "$T/prod.answers" \
	--out "$T/prod4" "$S/csca-init.ceremony"
has "the refusal lists the token that is there" "prod" "$T/last.out"
refuse "--rehearsal with --store is refused" '--rehearsal makes its own throwaway' \
	"$CONCLAVE" run --rehearsal --store "$DB" --answers "$T/answers" --out "$T/r" \
	"$S/csca-init.ceremony"
refuse "--rehearsal with --token is refused" '--rehearsal makes its own throwaway' \
	"$CONCLAVE" run --rehearsal --token label:prod --answers "$T/answers" --out "$T/r" \
	"$S/csca-init.ceremony"
refuse "a production run without a store is refused" 'needs the store' \
	"$CONCLAVE" run --token label:prod --answers "$T/prod.answers" --out "$T/r" \
	"$S/csca-init.ceremony"

# -- lints refuse before anything is signed ---------------------------------
lint_case() {
	name=$1; pat=$2; shift 2
	d=$T/lint-$name
	ceremony_copy "$d"
	"$@" "$d"
	refuse "lint refuses: $name" "$pat" \
		"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$d/out" "$d/csca-init.ceremony"
	if [ -e "$d/out/csca.der" ]; then not_ok "nothing signed: $name"
	else ok "nothing signed: $name"; fi
	"$CONCLAVE" audit show --store "$d/out/rehearsal-store.db" >"$d/audit" 2>&1 || true
	has "the refusal is in the audit trail: $name" 'lint-refused' "$d/audit"
}
no_ku() { del_key "$1" ext.key_usage; }
pathlen1() { set_key "$1" ext.basic_constraints 'critical, ca, pathlen:1'; }
too_long() { sed -i 's/^output = csca$/output = csca\nvalidity = 20y/' "$1/csca-init.ceremony"; }
no_pkup() { del_key "$1" private_key_usage_period; }
ku_noncrit() { set_key "$1" ext.key_usage 'keyCertSign, cRLSign'; }
named() { set_key "$1" key.explicit_parameters no; }
eku() { set_key "$1" ext.extended_key_usage '2.23.136.1.1.3'; }
lint_case "missing keyUsage" 'ku-missing: keyUsage extension is missing' no_ku
lint_case "wrong pathLen" 'bc-pathlen: basicConstraints pathLenConstraint must be 0' pathlen1
lint_case "validity past the template's limit" "validity-limit: validity .* exceeds the template's limit" too_long
lint_case "missing privateKeyUsagePeriod" 'pkup-missing' no_pkup
lint_case "non-critical keyUsage" 'ku-criticality: keyUsage must be critical' ku_noncrit
lint_case "extendedKeyUsage in a CSCA" 'ext-forbidden: extendedKeyUsage' eku

# a named curve where the template does not ask for explicit parameters is allowed
# (some states' PKDs want named curves); the lint checks the template is followed.

# -- malformed inputs name the file and line --------------------------------
d=$T/bad-template; ceremony_copy "$d"
echo 'subject.colour = blue' >>"$d/csca.tmpl"
line=$(wc -l <"$d/csca.tmpl")
refuse "an unknown template key names file and line" "csca.tmpl:$line: .*subject.colour" \
	"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$d/out" "$d/csca-init.ceremony"
d=$T/lower; ceremony_copy "$d"; set_key "$d" subject.country ut
line=$(grep -n '^subject.country' "$d/csca.tmpl" | cut -d: -f1)
refuse "a lowercase country names file and line" "csca.tmpl:$line: .*(upper|UPPER)" \
	"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$d/out" "$d/csca-init.ceremony"
d=$T/dup; ceremony_copy "$d"; echo 'key.curve = P-256' >>"$d/csca.tmpl"
refuse "a duplicate template key names both lines" "csca.tmpl:[0-9]+.*(twice|duplicate|again|already)" \
	"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$d/out" "$d/csca-init.ceremony"
d=$T/bad-script; ceremony_copy "$d"
sed -i 's/^action = generate-key$/action = generate-keys/' "$d/csca-init.ceremony"
line=$(grep -n '^action = generate-keys' "$d/csca-init.ceremony" | cut -d: -f1)
refuse "an unknown action names file and line" "csca-init.ceremony:$line: .*generate-keys" \
	"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$d/out" "$d/csca-init.ceremony"
d=$T/bad-script2; ceremony_copy "$d"
sed -i 's/^output = csca-crl$/output = ..\/csca-crl/' "$d/csca-init.ceremony"
refuse "an output path outside the output directory is refused" "csca-init.ceremony:[0-9]+: .*output" \
	"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$d/out" "$d/csca-init.ceremony"

# -- answers ------------------------------------------------------------------
printf '[confirm]\nadministrator = A\nofficer = B\nwitnes = C\n' >"$T/typo.answers"
refuse "an answer for a role the script lacks is refused" 'typo.answers:4: \[confirm\] witnes' \
	"$CONCLAVE" run --rehearsal --answers "$T/typo.answers" --out "$T/typo" "$S/csca-init.ceremony"
grep -v '^witness = ' "$T/answers" >"$T/nowitness.answers"
refuse "a step whose role nobody confirms stops the ceremony" "the witness did not confirm" \
	"$CONCLAVE" run --rehearsal --answers "$T/nowitness.answers" --out "$T/nowit" "$S/csca-init.ceremony"
"$CONCLAVE" audit show --store "$T/nowit/rehearsal-store.db" >"$T/nowit.audit"
has "the unconfirmed step aborts the ceremony in the audit trail" 'ceremony-aborted' "$T/nowit.audit"
printf '[sign]\nx = y\n' >"$T/section.answers"
refuse "an unknown answers section is refused" 'section.answers:1: unknown section \[sign\]' \
	"$CONCLAVE" run --rehearsal --answers "$T/section.answers" --out "$T/sec" "$S/csca-init.ceremony"

finish
