#!/bin/sh
# The audit trail of a ceremony verifies, and a tampered trail is caught and
# the first broken record named.
. "$top_srcdir/tests/shell/lib.sh"

answers "$T/answers"
ceremony_copy "$T/s"
"$CONCLAVE" run -q --rehearsal --answers "$T/answers" --out "$T/out" "$T/s/csca-init.ceremony" \
	>/dev/null 2>&1 || fail "rehearsal"
db=$T/out/rehearsal-store.db

check "an untouched trail verifies" "$CONCLAVE" audit verify --store "$db"
has "verify reports the record count and head" 'records, chain intact' "$T/last.out"
"$CONCLAVE" audit show --store "$db" >"$T/trail"
for ev in ceremony-started token-initialized token-checked step-confirmed login key-generated \
    cert-issued crl-issued output-written witness-ack logout ceremony-finished; do
	has "the trail records $ev" "$ev" "$T/trail"
done
has "confirmations name the person" 'officer=Test Officer' "$T/trail"
has "records are stamped rehearsal" 'rehearsal' "$T/trail"

# direct tampering, as someone with the file would do it
tamper() {
	cp "$db" "$T/t.db"
	sqlite3 "$T/t.db" "$(sqlite3 "$T/t.db" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type='trigger' AND tbl_name='audit'") $1"
}
tamper "UPDATE audit SET detail = 'nothing happened' WHERE seq = 5;"
refuse "a changed record is found and named" 'BROKEN at record 5' \
	"$CONCLAVE" audit verify --store "$T/t.db"
tamper "DELETE FROM audit WHERE seq = 7;"
refuse "a removed record is found and named" 'record 7 missing|BROKEN at record [78]' \
	"$CONCLAVE" audit verify --store "$T/t.db"
tamper "UPDATE audit SET time = time + 3600 WHERE seq = 3;"
refuse "a changed time is found" 'BROKEN at record 3' "$CONCLAVE" audit verify --store "$T/t.db"
refuse "the trail cannot be edited through SQL" 'prohibited|abort|append-only|not allowed|constraint' \
	sqlite3 "$db" "UPDATE audit SET detail = 'x' WHERE seq = 2;"
check "after the refused edit the trail still verifies" "$CONCLAVE" audit verify --store "$db"
refuse "a missing store is refused by name" 'nosuch.db' "$CONCLAVE" audit verify --store "$T/nosuch.db"

finish
