#!/bin/sh
# M-of-N quorum login, production mode on a SoftHSM store of the test's own:
# any M shares open the token, M-1 never do; a wrong, foreign or repeated
# share is refused with its officer named; the SO PIN needs at least as many
# officers as the user PIN; shares sealed to cards (SoftHSM tokens standing in
# for officers' cards); no secret reaches the store, the trail, the logs, argv
# or the environment.
. "$top_srcdir/tests/shell/lib.sh"

softhsm_store
MOD=${CLV_TEST_PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}

login_ceremony "$T/login.ceremony"
sed 's/^action = quorum-login$/action = quorum-login\npurpose = so-pin/' \
	"$T/login.ceremony" >"$T/so-login.ceremony"

# login TOKEN STORE ANSWERS PRESENT [so]: a quorum login with these presenters
login() {
	sed "s/^present = .*/present = $4/; s/^so_present = .*/so_present = $4/" "$3" >"$T/l.answers"
	grep -q '^so_present' "$T/l.answers" || sed -i "/^\[quorum\]/a so_present = $4" "$T/l.answers"
	chmod 600 "$T/l.answers"
	"$CONCLAVE" run --token "label:$1" --store "$2" --answers "$T/l.answers" \
		--out "$T/out-$(date +%s%N)" "$T/${5:-}login.ceremony"
}

# ---- 2-of-3, SO PIN 3-of-3 ---------------------------------------------------
answers "$T/a23" "alice, bob" "$T/m23"
if token_init "$T/t23" t23 2 3 3 "$T/a23" >"$T/init23.log" 2>&1; then
	ok "token-init deals a 2-of-3 user PIN and a 3-of-3 SO PIN"
else
	not_ok "token-init 2-of-3"; sed 's/^/    /' "$T/init23.log"; finish; exit 1
fi
has "every share was opened again before the ceremony went on" 'opened again from their medium' \
	"$T/init23.log"
"$CONCLAVE" audit show --store "$T/t23/store.db" >"$T/trail23"
n=$(grep -c 'share-verified' "$T/trail23")
[ "$n" -eq 6 ] && ok "six shares verified (3 user, 3 SO)" || not_ok "six shares verified ($n)"
ls "$T"/m23/*/ >/dev/null 2>&1 && [ "$(ls "$T"/m23/alice | wc -l)" -eq 2 ] &&
	ok "each officer's medium holds their user and SO share" ||
	not_ok "each officer's medium holds their user and SO share"

DB=$T/t23/store.db
for pair in "alice, bob" "alice, carol" "bob, carol" "carol, alice"; do
	check "2-of-3 logs in with $pair" login t23 "$DB" "$T/a23" "$pair"
done
has "the login names who took part" 'quorum 2 of 2: Alice Test, Carol Test|quorum 2 of 2: Carol Test, Alice Test' "$T/last.out"
refuse "one share of 2 never logs in" 'quorum not reached: 1 of 2' login t23 "$DB" "$T/a23" "alice"
refuse "the same officer twice counts once" 'quorum not reached: 1 of 2' \
	login t23 "$DB" "$T/a23" "bob, bob"
has "the repeated share is refused by name" "officer 'Bob Test' \(bob\) has already presented" "$T/last.out"
check "a repeat is refused and the next officer completes the quorum" \
	login t23 "$DB" "$T/a23" "bob, bob, carol"

# one flipped byte in Bob's sealed share
cp -r "$T/m23" "$T/m23-flip"
f=$(ls "$T"/m23-flip/bob/*user-pin*.share)
python3 - "$f" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
i = b.rindex(b'ciphertext = ') + len(b'ciphertext = ') + 10
b[i] = ord('0') if b[i] != ord('0') else ord('1')
open(p, 'wb').write(bytes(b))
EOF
sed "s|$T/m23/|$T/m23-flip/|" "$T/a23" >"$T/a23-flip"
refuse "a share with one flipped byte is refused, its officer named" \
	"share refused: .*officer 'Bob Test' \(bob\) does not open" \
	login t23 "$DB" "$T/a23-flip" "bob, alice"
check "the others still log in after the refusal" login t23 "$DB" "$T/a23-flip" "bob, alice, carol"
"$CONCLAVE" audit show --store "$DB" >"$T/trail23"
has "the refusal is in the trail with the officer" 'share-refused.*officer=Bob Test' "$T/trail23"

# Carol's share carried by Bob
cp -r "$T/m23" "$T/m23-swap"
rm "$T"/m23-swap/bob/*user-pin*.share
cp "$T"/m23-swap/carol/*user-pin*.share "$T/m23-swap/bob/"
sed "s|$T/m23/|$T/m23-swap/|" "$T/a23" >"$T/a23-swap"
refuse "an officer cannot present another officer's share" \
	"belongs to officer 'Carol Test' \(carol\), not to 'Bob Test'" \
	login t23 "$DB" "$T/a23-swap" "bob, alice"
sed "s/^passphrase = bob secret words$/passphrase = not bob/" "$T/a23" >"$T/a23-pass"
refuse "a wrong passphrase is refused, the officer named" \
	"officer 'Bob Test' \(bob\) does not open" login t23 "$DB" "$T/a23-pass" "bob, alice"

# the SO PIN: 3 of 3, so 2 (the user threshold) cannot rebuild it
refuse "2 shares do not rebuild a 3-of-3 SO PIN" 'quorum not reached: 2 of 3 so-pin' \
	login t23 "$DB" "$T/a23" "alice, bob" so-
check "3 shares log in as SO" login t23 "$DB" "$T/a23" "alice, bob, carol" so-
has "the SO login is reported as such" 'logged in to .t23. as security officer' "$T/last.out"
refuse "so_threshold below threshold is refused when the script is read" \
	'so_threshold 1 is below threshold 2|so_threshold: expected a number from 2' \
	token_init "$T/tbad" tbad 2 1 3 "$T/a23"

# ---- 3-of-5 with two officers on cards ------------------------------------------
for o in dave erin; do
	softhsm2-util --init-token --free --label "$o-card" --so-pin 55667788 --pin "${o}pin1" >/dev/null
	printf '%spin1\n' "$o" >"$T/$o.pin"; chmod 600 "$T/$o.pin"
	check "conclave card enroll makes $o's derive-only card key" \
		"$CONCLAVE" card enroll --token "label:$o-card" --key "$o-key" --pin-file "$T/$o.pin"
done
has "enrolment names the card" 'serial=.*label=erin-card;key=erin-key' "$T/last.out"
answers "$T/a35" "alice, bob, dave" "$T/m35"
for o in dave erin; do
	cat >>"$T/a35" <<EOF

[officer $o]
name = $(echo "$o" | sed 's/./\U&/') Card
seal = card
card = label:$o-card
card_key = $o-key
card_pin_file = $o.pin
share_dir = $T/m35/$o
EOF
done
if token_init "$T/t35" t35 3 3 5 "$T/a35" >"$T/init35.log" 2>&1; then
	ok "token-init deals 3-of-5 with two shares sealed to cards"
else
	not_ok "token-init 3-of-5"; sed 's/^/    /' "$T/init35.log"
fi
has "card shares are sealed to the card" 'sealed to their card' "$T/init35.log"
DB35=$T/t35/store.db
for trio in "alice, bob, carol" "alice, dave, erin" "bob, carol, dave" "carol, erin, alice" \
    "dave, erin, bob"; do
	check "3-of-5 logs in with $trio" login t35 "$DB35" "$T/a35" "$trio"
done
refuse "two of a 3-of-5 never log in" 'quorum not reached: 2 of 3' \
	login t35 "$DB35" "$T/a35" "dave, erin"
# Dave's share presented with Erin's card
cp -r "$T/m35" "$T/m35-card"
rm "$T"/m35-card/erin/*user-pin*.share
cp "$T"/m35-card/dave/*user-pin*.share "$T/m35-card/erin/"
sed "s|$T/m35/|$T/m35-card/|" "$T/a35" >"$T/a35-card"
refuse "a share sealed to Dave's card is refused when Erin presents it" \
	"belongs to officer 'Dave Card' \(dave\), not to 'Erin Card'" \
	login t35 "$DB35" "$T/a35-card" "erin, alice"
# Erin's file, opened with Dave's card
sed "/^\[officer erin\]/,/^share_dir/ s/^card = .*/card = label:dave-card/; /^\[officer erin\]/,/^share_dir/ s/^card_key = .*/card_key = dave-key/; /^\[officer erin\]/,/^share_dir/ s/^card_pin_file = .*/card_pin_file = dave.pin/" \
	"$T/a35" >"$T/a35-other"
refuse "a share sealed to Erin's card does not open with Dave's card" \
	"Erin Card.*(is not hers|does not open)|presented card .* is not" \
	login t35 "$DB35" "$T/a35-other" "erin, alice"
printf 'wrongpin\n' >"$T/bad.pin"; chmod 600 "$T/bad.pin"
sed "/^\[officer dave\]/,/^share_dir/ s/^card_pin_file = .*/card_pin_file = bad.pin/" \
	"$T/a35" >"$T/a35-pin"
refuse "a wrong card PIN is refused, the officer named" "officer 'Dave Card' \(dave\).*PIN" \
	login t35 "$DB35" "$T/a35-pin" "dave, alice"

# ---- no secret anywhere it must not be ---------------------------------------------
# argv and environment of a running ceremony, stopped at its sealing checkpoint
answers "$T/a-env" "alice, bob" "$T/m-env"
mkdir -p "$T/tenv"
sed -e 's/^label = .*/label = tenv/' "$top_srcdir/ceremony-scripts/token-init.ceremony" \
	>"$T/tenv/token-init.ceremony"
gdb -q -batch -ex 'set breakpoint pending on' \
	-ex 'break clv_engine_checkpoint' -ex run \
	-ex "shell cat /proc/\$(pgrep -n -x conclave)/cmdline /proc/\$(pgrep -n -x conclave)/environ > '$T/procinfo'" \
	-ex kill --args "$CONCLAVE" run --store "$T/tenv/store.db" --answers "$T/a-env" \
	--out "$T/tenv/init" "$T/tenv/token-init.ceremony" >"$T/gdb.log" 2>&1
[ -s "$T/procinfo" ] && ok "argv and environment read at the sealing checkpoint" ||
	not_ok "argv and environment read at the sealing checkpoint"
# every place a secret must never be: stores, trails, logs, outputs, media
# descriptors, argv and environment
cat "$T"/*.log "$T/last.out" "$T/procinfo" >"$T/everything" 2>/dev/null
for db in "$T"/t*/store.db; do
	sqlite3 "$db" .dump >>"$T/everything"
	"$CONCLAVE" audit show --store "$db" >>"$T/everything"
done
cat "$T"/out-*/* >>"$T/everything" 2>/dev/null || true
leaks=0
for secret in "alice secret words" "bob secret words" "carol secret words" davepin1 erinpin1; do
	grep -aq -- "$secret" "$T/everything" && { leaks=1; echo "    found: $secret"; }
done
[ $leaks -eq 0 ] && ok "no passphrase or card PIN in stores, trails, logs, outputs, argv, environment" ||
	not_ok "no passphrase or card PIN in stores, trails, logs, outputs, argv, environment"
# the token PIN is unknown to the test: no 64-hex string found anywhere opens the token
check "the login probe works (a known PIN opens Dave's card)" \
	pkcs11-tool --module "$MOD" --token-label dave-card --login --pin davepin1 --list-objects
grep -aoE '[0-9a-f]{64}' "$T/everything" | sort -u >"$T/candidates"
opened=0
while read -r cand; do
	if pkcs11-tool --module "$MOD" --token-label t23 --login --pin "$cand" --list-objects \
	    >/dev/null 2>&1; then
		opened=1
	fi
done <"$T/candidates"
[ $opened -eq 0 ] && ok "none of the $(wc -l <"$T/candidates") hex strings in them logs in to the token" ||
	not_ok "a string found in the store, trail or logs logs in to the token"
# and a share's bytes never appear: the sealed files are the only copies
if grep -aq 'ciphertext' "$T/everything"; then not_ok "no sealed share outside the media"
else ok "no sealed share outside the media"; fi

finish
