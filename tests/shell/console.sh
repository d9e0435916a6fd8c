#!/bin/sh
# The full-screen console, driven under tmux like a person at the keyboard:
# a csca-init rehearsal with a 2-of-3 quorum and a witness, asserting what
# the screens show (banner, step states, roster, quorum progress, QR code,
# SHA-256 and PGP words), a resize, the help screen, an exception; then the
# outputs are checked as the batch tests check them.
. "$top_srcdir/tests/shell/lib.sh"

command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 77; }
locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' || { echo "SKIP: no C.UTF-8 locale"; exit 77; }

# our own server (socket and configuration): dead panes stay, with their status
printf 'set -g remain-on-exit on\nset -g status off\n' >"$T/tmux.conf"
TM="tmux -f $T/tmux.conf -S $T/tmux.sock"
trap '$TM kill-server >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
ANSWERS=$top_srcdir/ceremony-scripts/csca-init.rehearsal-answers
SCRIPT=$top_srcdir/ceremony-scripts/csca-init.ceremony
SESSION=console

# start NAME ARGS...: conclave console ARGS in a detached 80x24 tmux session;
# its pid goes to $T/NAME.pid, its exit status to $T/NAME.exit, stderr to
# $T/NAME.err
start() {
	_name=$1; shift
	rm -f "$T/$_name.pid" "$T/$_name.exit"
	{
		echo '#!/bin/sh'
		printf "sh -c 'echo \$\$ >\"\$0\"; exec \"\$@\"' \"%s\" " "$T/$_name.pid"
		printf 'env LANG=C.UTF-8 LC_ALL=C.UTF-8 '
		[ -n "${SOFTHSM2_CONF:-}" ] && printf 'SOFTHSM2_CONF="%s" ' "$SOFTHSM2_CONF"
		[ "$1" = --rehearsal ] && printf 'CONCLAVE_REHEARSAL_TIME=2026-11-25T12:00:00Z '
		printf '"%s" console' "$CONCLAVE"
		for _a in "$@"; do printf ' "%s"' "$_a"; done
		printf ' 2>"%s"\n' "$T/$_name.err"
		printf 'echo $? >"%s"\n' "$T/$_name.exit"
	} >"$T/$_name.sh"
	chmod +x "$T/$_name.sh"
	current=$_name
	$TM new-session -d -s "$SESSION" -x 80 -y 24 "$T/$_name.sh"
}

screen() { $TM capture-pane -p -t "$SESSION" 2>/dev/null; }
keys() { $TM send-keys -t "$SESSION" "$@"; }
text() { $TM send-keys -t "$SESSION" -l "$1"; }

# wait_for REGEX [SECONDS]: polls the screen until it shows REGEX
wait_for() {
	_n=$(( ${2:-20} * 20 ))
	while [ "$_n" -gt 0 ]; do
		screen >"$T/screen" || true
		if grep -Eq -- "$1" "$T/screen"; then
			settle
			grep -Eq -- "$1" "$T/screen" && return 0
		fi
		sleep 0.05
		_n=$((_n - 1))
	done
	not_ok "the screen shows '$1' (timed out)"
	sed 's/^/    | /' "$T/screen"
	[ -f "$T/$current.err" ] && sed 's/^/    stderr: /' "$T/$current.err"
	finish
	exit 1
}
# settle: captures until two captures in a row agree (not one taken mid-redraw)
settle() {
	_k=40
	while [ "$_k" -gt 0 ]; do
		sleep 0.05
		screen >"$T/screen.2" || true
		cmp -s "$T/screen" "$T/screen.2" && return 0
		mv "$T/screen.2" "$T/screen"
		_k=$((_k - 1))
	done
}
# gone REGEX: polls until the screen no longer shows REGEX
gone() {
	_n=400
	while [ "$_n" -gt 0 ]; do
		screen >"$T/screen" || true
		grep -Eq -- "$1" "$T/screen" || return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	not_ok "the screen stops showing '$1' (timed out)"
	sed 's/^/    | /' "$T/screen"
	finish
	exit 1
}
# shows DESCRIPTION REGEX: the last screen captured shows REGEX
shows() { has "$1" "$2" "$T/screen"; }
lacks() {
	if grep -Eq -- "$2" "$T/screen"; then not_ok "$1"; sed 's/^/    | /' "$T/screen"
	else ok "$1"; fi
}
# wait_exit: the program ends; prints its exit status and closes the session
wait_exit() {
	_n=400
	while [ ! -s "$T/$current.exit" ] && [ "$_n" -gt 0 ]; do sleep 0.05; _n=$((_n - 1)); done
	cat "$T/$current.exit" 2>/dev/null || echo none
	$TM kill-session -t "$SESSION" 2>/dev/null || true
}

# the officers' passphrases: the rehearsal answers', or lib.sh's answers()
officers=rehearsal
passphrase() {
	if [ "$officers" = rehearsal ]; then
		case $1 in
		alice) echo "correct horse battery staple" ;;
		bob) echo "tr0ub4dor and three" ;;
		carol) echo "the quick brown fox" ;;
		esac
	else
		echo "$1 secret words"
	fi
}

# type_secret: the prompt names the officer; their passphrase is typed, one
# '*' per character appears and nothing else of it
secrets_typed=0
type_secret() {
	_id=$(sed -n 's/.*Officer [^(]*(\([a-z0-9-]*\)): passphrase.*/\1/p' "$T/screen" | head -1)
	_p=$(passphrase "$_id")
	[ -n "$_p" ] || { not_ok "a passphrase prompt names an enrolled officer"; sed 's/^/    | /' "$T/screen"; finish; exit 1; }
	text "$_p"
	_stars=$(printf '%s' "$_p" | sed 's/./*/g' | sed 's/\*/\\*/g')
	wait_for "Passphrase: $_stars\$"
	if grep -qF -- "$_p" "$T/screen"; then secret_shown=1; fi
	keys Enter
	gone "Passphrase: \\*"
	secrets_typed=$((secrets_typed + 1))
}

# ---- an exception: the administrator says the clock is wrong ------------------------
start exc --rehearsal --answers "$ANSWERS" --out "$T/exc" "$SCRIPT"
wait_for 'Clock check'
shows "REHEARSAL banner on the clock check" '^ REHEARSAL - throwaway token'
shows "the clock check shows the pinned UTC time" '2026-11-25T12:00:0[0-9]Z'
shows "the time is drawn big" '██'
keys Escape
wait_for 'Abort the ceremony\?'
ok "Esc asks before aborting"
keys n
gone 'Abort the ceremony'
keys n
wait_for 'Exception in step clock'
shows "the exception screen says what was expected" 'Expected:'
shows "and what happened" "did not confirm the machine's time"
keys Enter
wait_for 'a decision must be recorded'
ok "an empty decision is refused"
text "clock to be set from the GPS receiver, ceremony restarted"
keys Enter
wait_for 'Ceremony stopped'
keys Enter
st=$(wait_exit)
[ "$st" = 1 ] && ok "a stopped ceremony exits 1" || not_ok "a stopped ceremony exits 1 (got $st)"
has "the decision is recorded in the transcript" \
	'exception.*decided: clock to be set from the GPS receiver, ceremony restarted' "$T/exc/transcript.log"
has "and the refused clock" 'clock-checked.*refused' "$T/exc/transcript.log"

# ---- the whole csca-init rehearsal ------------------------------------------------
out=$T/out
secret_shown=0
start main --rehearsal --answers "$ANSWERS" --out "$out" "$SCRIPT"
wait_for 'Clock check'
keys y
wait_for 'administrator: Rehearsal Administrator'
ok "the administrator's name is pre-filled from [confirm]"
keys Enter
wait_for 'Confirmation by administrator'
shows "REHEARSAL banner on the main screen" '^ REHEARSAL - throwaway token'
shows "the clock step is done" '\[x\] clock'
shows "check-token is the current step" '\[>\] check-token'
shows "later steps are pending" '\[ \] transcript'
shows "the current step is described" 'Step 2 of 11: check-token'
shows "its plan is shown" 'Check the HSM and the token \[check-token\]'
shows "the roster names the administrator who confirmed the clock" \
	'^ administrator +Rehearsal Administrator'
shows "the enrolled officers are listed" 'carol +Carol Rehearsal'
keys Enter

# the throwaway token's PINs are dealt to the three officers: each types their
# passphrase to seal their share and again to open it back
while :; do
	wait_for 'Officer .*: passphrase|Confirmation by officer' 60
	grep -q 'Confirmation by officer' "$T/screen" && break
	type_secret
done
[ "$secrets_typed" -eq 12 ] && ok "12 passphrases dealt and checked (2 PINs x 3 officers x seal, open)" ||
	not_ok "12 passphrases dealt and checked (got $secrets_typed)"
shows "check-token is done" '\[x\] check-token'
shows "login is the current step" '\[>\] login'

# the officer confirming is not the one in the answers file
keys C-u
text "Olga Officer"
keys Enter
wait_for 'Who presents the next user-pin share'
shows "quorum entry before any share" 'user-pin: no share presented yet'
shows "every enrolled officer can be chosen" '> alice +Alice Rehearsal'
keys Enter
wait_for 'Officer Alice Rehearsal \(alice\): passphrase'
shows "the roster shows who is presenting" 'alice +Alice Rehearsal +presenting'
type_secret
wait_for 'Quorum login, user-pin: 1 of 2 presented: Alice Rehearsal'
ok "quorum progress 1 of 2 names Alice"
shows "the roster counts 1 of 2" 'Officers: user-pin quorum 1 of 2'
shows "alice is marked presented" 'alice +Alice Rehearsal +presented'
shows "the choice moves past alice" '> bob'
keys c
wait_for '> carol +Carol Rehearsal'
ok "typing an id chooses the officer"
keys Enter
wait_for 'Officer Carol Rehearsal \(carol\): passphrase'
type_secret
wait_for 'Confirmation by officer'
shows "the roster counts 2 of 2" 'Officers: user-pin quorum 2 of 2'
shows "carol is marked presented" 'carol +Carol Rehearsal +presented'
lacks "bob is not" 'bob +Bob Rehearsal +presented'
shows "the login names both officers" 'logged in to .* by Alice Rehearsal, Carol'
shows "the roster has the officer who confirmed" '^ officer +Olga Officer'
shows "login is done" '\[x\] login'
shows "the next confirmation is pre-filled with the last officer" 'officer: Olga Officer'
keys Enter                                      # generate
wait_for 'Step 5 of 11: certificate'
wait_for 'Confirmation by officer'
shows "the plan names the outputs it writes" "writes .*/csca.der"
keys Enter                                      # certificate
wait_for 'Step 6 of 11: crl'
wait_for 'Confirmation by officer'
keys Enter                                      # crl
wait_for 'Fingerprint: key '
keys Enter
wait_for 'Fingerprint: certificate csca.der'
shows "REHEARSAL banner on the fingerprint screen" '^ REHEARSAL - throwaway token'
shows "a QR code drawn with half blocks" '[▀▄█]'
cp "$T/screen" "$T/fp-cert"
keys '?'
wait_for 'Keys'
shows "? opens the help screen" 'F1, \?'
keys x
wait_for 'Fingerprint: certificate csca.der'
ok "any key leaves the help screen"
keys Enter
wait_for 'Fingerprint: crl csca-crl.der'
keys Enter
wait_for 'Witness acknowledgement by witness'
shows "every step so far is done" '\[x\] fingerprints'

# resize: too small, then back
$TM resize-window -t "$SESSION" -x 60 -y 20
wait_for 'terminal too small, need 80x24'
ok "60x20 shows the too-small notice"
keys x                                          # dropped: nobody types blind
$TM resize-window -t "$SESSION" -x 80 -y 24
wait_for 'Witness acknowledgement by witness'
ok "80x24 redraws the screen"
shows "the field is as it was" 'witness: Rehearsal Witness$'
keys F1
wait_for 'Keys'
ok "F1 opens the help in a text field"
keys Enter
wait_for 'Witness acknowledgement by witness'
keys C-u
text "Wendy Witness"
keys Enter
# the bundle for the DS hosts: the step, then the medium, each confirmed
wait_for '\[>\] bundle'
wait_for 'Confirmation by administrator'
keys Enter
sleep 0.3
wait_for 'Confirmation by administrator'
keys Enter
wait_for 'Transcript head'
cp "$T/screen" "$T/fp-head"
keys Enter
wait_for 'Ceremony complete'
shows "every step is done" '\[x\] logout'
lacks "no step failed" '\[!\]'
shows "the roster names the witness who typed their name" '^ witness +Wendy Witness'
keys Enter
st=$(wait_exit)
[ "$st" = 0 ] && ok "the console exits 0" || { not_ok "the console exits 0 (got $st)"; cat "$T/main.err"; }
[ "$secret_shown" = 0 ] && ok "no passphrase was ever drawn" || not_ok "no passphrase was ever drawn"

# ---- what the fingerprint screen showed ------------------------------------------
hex=$(grep -oE '([0-9A-F]{2}:){7}[0-9A-F]{2}' "$T/fp-cert" | tr '\n' ':' | sed 's/:$//' | tr 'A-F' 'a-f' | tr -d ':')
want=$(sha256sum "$out/csca.der" | cut -d' ' -f1)
[ "$hex" = "$want" ] && ok "the SHA-256 shown is csca.der's" || not_ok "the SHA-256 shown is csca.der's ($hex, want $want)"
# the QR code as drawn: half blocks back to modules, scanned by zbarimg
if command -v zbarimg >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
	python3 - "$T/fp-cert" "$T/qr.pgm" <<'EOP'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
w = lines[2].index("SHA-256") - 3          # the words column starts 2 after the QR
rows = []
for l in lines[2:2 + (w + 1) // 2]:        # the QR starts under the title, at column 1
    seg = l[1:1 + w].ljust(w)
    rows.append([c in "\u2580\u2588" for c in seg])
    rows.append([c in "\u2584\u2588" for c in seg])
s, q = 6, 4
W, H = (w + 2 * q) * s, (len(rows) + 2 * q) * s
px = [[255] * W for _ in range(H)]
for y, r in enumerate(rows):
    for x, dark in enumerate(r):
        if dark:
            for dy in range(s):
                px[(y + q) * s + dy][(x + q) * s:(x + q + 1) * s] = [0] * s
with open(sys.argv[2], "w") as f:
    f.write("P2\n%d %d\n255\n" % (W, H))
    f.writelines(" ".join(map(str, r)) + "\n" for r in px)
EOP
	dec=$(zbarimg -q --raw "$T/qr.pgm" 2>/dev/null || true)
	[ "$dec" = "$want" ] && ok "the QR code on the screen scans as csca.der's SHA-256" ||
		not_ok "the QR code on the screen scans as csca.der's SHA-256 (got '$dec')"
else
	echo "# no zbarimg or python3: the QR code is not scanned"
fi
sed -n '/PGP words, read aloud/,/Compare with/p' "$T/fp-cert" | sed '1d;$d' |
	grep -oE '[A-Za-z]+' >"$T/words.screen"
[ "$(wc -l <"$T/words.screen")" -eq 32 ] && ok "32 PGP words are shown" ||
	{ not_ok "32 PGP words are shown"; cat "$T/words.screen"; }
sed -n '/^certificate csca.der$/,/^$/p' "$out/fingerprints.txt" | sed -n '/PGP words:/,$p' |
	sed '1d' | grep -oE '[A-Za-z]+' >"$T/words.file"
cmp -s "$T/words.screen" "$T/words.file" && ok "fingerprints.txt has the words shown" ||
	{ not_ok "fingerprints.txt has the words shown"; diff "$T/words.screen" "$T/words.file" | head; }
has "fingerprints.txt has the SHA-256 of csca.der" \
	"^  SHA-256: $(sha256sum "$out/csca.der" | cut -d' ' -f1 | tr 'a-f' 'A-F' | sed 's/../&:/g;s/:$//')\$" \
	"$out/fingerprints.txt"
has "fingerprints.txt is marked REHEARSAL" '^REHEARSAL' "$out/fingerprints.txt"
[ "$(grep -c 'SHA-256:' "$out/fingerprints.txt")" -eq 4 ] &&
	ok "fingerprints.txt: key, certificate, CRL and transcript head" ||
	not_ok "fingerprints.txt: key, certificate, CRL and transcript head"
check "the transcript verifies" "$CONCLAVE" transcript verify "$out"
head=$(sed -n 's/^head SHA-256 //p' "$T/last.out")
shown=$(grep -oE '([0-9A-F]{2}:){7}[0-9A-F]{2}' "$T/fp-head" | tr -d ':\n' | tr 'A-F' 'a-f')
[ -n "$head" ] && [ "$shown" = "$head" ] && ok "the transcript head shown is the one that verifies" ||
	not_ok "the transcript head shown is the one that verifies ($shown, want $head)"

# ---- the outputs, as the batch tests check them -------------------------------------
check "openssl verify -CAfile csca.pem csca.pem" openssl verify -CAfile "$out/csca.pem" "$out/csca.pem"
check "openssl crl verifies the CRL under csca.pem" \
	sh -c "openssl crl -in '$out/csca-crl.pem' -CAfile '$out/csca.pem' -noout 2>&1 | grep -q 'verify OK'"
openssl x509 -in "$out/csca.pem" -noout -subject >"$T/subject" 2>&1
has "the certificate is stamped REHEARSAL" 'CN = REHEARSAL CSCA' "$T/subject"
check "SHA256SUMS match the outputs" sh -c "cd '$out' && sha256sum -c SHA256SUMS"
check "the audit trail verifies" "$CONCLAVE" audit verify --store "$out/rehearsal-store.db"
"$CONCLAVE" audit show --store "$out/rehearsal-store.db" >"$T/audit" 2>&1
has "the audit trail records the officer typed at the console" 'officer=Olga Officer' "$T/audit"
has "and the witness" 'witness=Wendy Witness' "$T/audit"
has "the transcript records the witness acknowledgement" 'witness-ack.*Wendy Witness' "$out/transcript.log"
has "and the shares accepted from alice and carol" 'share-accepted.*Alice Rehearsal' "$out/transcript.log"
leak=0
for o in alice bob carol; do
	grep -rqF -- "$(passphrase $o)" "$out" "$T/main.err" "$T/exc" && leak=1
done
[ "$leak" = 0 ] && ok "no passphrase in any output, record or message" ||
	not_ok "no passphrase in any output, record or message"

# ---- production: killed at a prompt, the console offers to resume --------------------
officers=test
softhsm_store
answers "$T/panswers" "alice, bob" "$T/media"
token_init "$T/tok" console-tok 2 2 3 "$T/panswers" >"$T/init.log" 2>&1 ||
	{ cat "$T/init.log"; fail "token-init"; }
{ cat "$T/panswers"; printf '[labels]\ncsca = CSCA-CONSOLE-1\n'; } >"$T/pa"
chmod 600 "$T/pa"
pout=$T/pout
set -- --token label:console-tok --store "$T/tok/store.db" --answers "$T/pa" --out "$pout" "$SCRIPT"

# login: the officers of the [quorum] list present, alice then bob
login() {
	wait_for 'Confirmation by officer'
	keys Enter
	wait_for 'Who presents the next user-pin share'
	keys Enter
	wait_for 'Officer Alice Test \(alice\): passphrase'
	type_secret
	wait_for 'user-pin: 1 of 2 presented: Alice Test'
	keys b Enter
	wait_for 'Officer Bob Test \(bob\): passphrase'
	type_secret
}

start prod1 "$@"
wait_for 'Clock check'
lacks "no REHEARSAL banner in production" 'REHEARSAL'
keys y
wait_for 'administrator: Test Administrator'
keys Enter
wait_for 'Confirmation by administrator'
keys Enter
login
wait_for 'Step 4 of 11: generate'
wait_for 'Confirmation by officer'
keys Enter
wait_for 'Step 5 of 11: certificate'
wait_for 'Confirmation by officer'
shows "the key was generated" "generate done: key 'CSCA-CONSOLE-1'"
kill -9 "$(cat "$T/prod1.pid")"
[ "$(wait_exit)" = 137 ] && ok "killed with SIGKILL at the certificate's confirmation" ||
	not_ok "killed with SIGKILL at the certificate's confirmation"

start prod2 "$@"
wait_for 'A ceremony was interrupted in'
shows "the resume screen names the last step done" '^ Last step done: generate$'
keys y
wait_for 'Clock check'
keys y
wait_for 'administrator: Test Administrator'
keys Enter
wait_for 'Confirmation by administrator'
keys Enter
login
wait_for 'Step 4 of 11: generate'
wait_for 'Confirmation by officer'
keys Enter
wait_for 'Step 5 of 11: certificate'
wait_for 'Confirmation by officer'
shows "the key of the interrupted run is taken over" "from the interrupted run|^ interrupted run$"
keys Enter
wait_for 'Step 6 of 11: crl'
wait_for 'Confirmation by officer'
keys Enter
for f in 'Fingerprint: key ' 'Fingerprint: certificate' 'Fingerprint: crl'; do
	wait_for "$f"
	keys Enter
done
wait_for 'Witness acknowledgement by witness'
keys Enter
# the bundle step and its medium, each confirmed by the administrator
wait_for '\[>\] bundle'
wait_for 'Confirmation by administrator'
keys Enter
sleep 0.3
wait_for 'Confirmation by administrator'
keys Enter
wait_for 'Transcript head'
keys Enter
wait_for 'Ceremony complete'
keys Enter
st=$(wait_exit)
[ "$st" = 0 ] && ok "the resumed ceremony completes" || { not_ok "the resumed ceremony completes (exit $st)"; cat "$T/prod2.err"; }
check "the resumed transcript verifies" "$CONCLAVE" transcript verify "$pout"
grep -q '	ceremony-interrupted	' "$pout/transcript.log" && grep -q '	ceremony-resumed	' "$pout/transcript.log" &&
	ok "the transcript records the interruption" || not_ok "the transcript records the interruption"
[ "$(sqlite3 "$T/tok/store.db" "SELECT count(*) FROM keys WHERE label = 'CSCA-CONSOLE-1'")" = 1 ] &&
	ok "one CSCA key" || not_ok "one CSCA key"
check "the certificate verifies" openssl verify -CAfile "$pout/csca.pem" "$pout/csca.pem"
check "the CRL verifies" sh -c "openssl crl -in '$pout/csca-crl.pem' -CAfile '$pout/csca.pem' -noout 2>&1 | grep -q 'verify OK'"
[ "$(grep -c 'SHA-256:' "$pout/fingerprints.txt")" -eq 4 ] && ok "fingerprints.txt of the resumed run" ||
	not_ok "fingerprints.txt of the resumed run"

finish
