# Shared helpers for the shell tests: each test gets its own temporary
# directory and, when it needs one, its own SoftHSM token store.
set -eu

: "${CONCLAVE:?CONCLAVE must name the conclave binary (make check sets it)}"
: "${top_srcdir:?top_srcdir must be set (make check sets it)}"

T=$(mktemp -d "${TMPDIR:-/tmp}/conclave-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
failures=0
passes=0

ok() { passes=$((passes + 1)); echo "ok - $*"; }
not_ok() { failures=$((failures + 1)); echo "not ok - $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# check DESCRIPTION COMMAND...: the command must succeed
check() {
	_desc=$1; shift
	if "$@" >"$T/last.out" 2>&1; then ok "$_desc"; else not_ok "$_desc"; sed 's/^/    /' "$T/last.out"; fi
}

# refuse DESCRIPTION PATTERN COMMAND...: the command must fail and say PATTERN
refuse() {
	_desc=$1; _pat=$2; shift 2
	if "$@" >"$T/last.out" 2>&1; then
		not_ok "$_desc (succeeded)"; sed 's/^/    /' "$T/last.out"
	elif grep -Eq -- "$_pat" "$T/last.out"; then
		ok "$_desc"
	else
		not_ok "$_desc (no '$_pat' in the message)"; sed 's/^/    /' "$T/last.out"
	fi
}

# has DESCRIPTION PATTERN FILE: FILE contains PATTERN (extended regex)
has() {
	if grep -Eq -- "$2" "$3"; then ok "$1"; else not_ok "$1 (no '$2')"; sed 's/^/    /' "$3" | head -40; fi
}

finish() {
	echo "$passes passed, $failures failed"
	[ "$failures" -eq 0 ]
}

# A working copy of the shipped csca-init script and template in dir $1,
# so a test can change the template without touching the tree.
ceremony_copy() {
	mkdir -p "$1"
	cp "$top_srcdir/ceremony-scripts/csca-init.ceremony" "$1/"
	cp "$top_srcdir/templates/csca.tmpl" "$1/"
}

# set_key DIR KEY VALUE: replace (or add) a template line
set_key() {
	if grep -q "^$2 *=" "$1/csca.tmpl"; then
		sed -i "s|^$2 *=.*|$2 = $3|" "$1/csca.tmpl"
	else
		echo "$2 = $3" >>"$1/csca.tmpl"
	fi
}
del_key() { sed -i "/^$2 *=/d" "$1/csca.tmpl"; }

# answers FILE [PRESENT [MEDIA]]: roles, three passphrase officers, a 2-of-3
# rehearsal quorum, who presents shares at a quorum login (default alice, bob),
# and, for production runs, MEDIA/<officer> as each officer's medium.
answers() {
	cat >"$1" <<EOA
[confirm]
administrator = Test Administrator
officer = Test Officer
witness = Test Witness

[officer alice]
name = Alice Test
seal = passphrase
passphrase = alice secret words

[officer bob]
name = Bob Test
seal = passphrase
passphrase = bob secret words

[officer carol]
name = Carol Test
seal = passphrase
passphrase = carol secret words

[rehearsal]
threshold = 2

[quorum]
present = ${2:-alice, bob}
EOA
	if [ -n "${3:-}" ]; then
		for o in alice bob carol; do
			sed -i "/^\[officer $o\]/a share_dir = $3/$o" "$1"
		done
	fi
	chmod 600 "$1"
}

# A SoftHSM token store of this test's own (an empty one with just its free
# slot, or with one token initialised by softhsm2-util: softhsm_token LABEL PIN).
softhsm_store() {
	mkdir -p "$T/tokens"
	cat >"$T/softhsm2.conf" <<EOC
directories.tokendir = $T/tokens
objectstore.backend = file
log.level = ERROR
EOC
	SOFTHSM2_CONF="$T/softhsm2.conf"
	export SOFTHSM2_CONF
}
softhsm_token() {
	softhsm_store
	softhsm2-util --init-token --free --label "$1" --so-pin 87654321 --pin "$2" >/dev/null
}

# token_init DIR LABEL M M_SO N ANSWERS: the token-init ceremony in production
# mode on this test's SoftHSM store, its store DIR/store.db, outputs DIR/init.
token_init() {
	mkdir -p "$1"
	sed -e "s/^label = .*/label = $2/" -e "s/^threshold = .*/threshold = $3/" \
	    -e "s/^so_threshold = .*/so_threshold = $4/" -e "s/^officers = .*/officers = $5/" \
	    "$top_srcdir/ceremony-scripts/token-init.ceremony" >"$1/token-init.ceremony"
	"$CONCLAVE" run --store "$1/store.db" --answers "$6" --out "$1/init" \
	    "$1/token-init.ceremony"
}

# login_ceremony FILE: a script that only opens the token with a quorum and
# closes it again, for tests of who can log in
login_ceremony() {
	cat >"$1" <<'EOC'
[ceremony]
name = login-check
title = Open the token with a quorum, then close it
[roles]
administrator = 1
officer = 1
witness = 1
[step check-token]
action = check-token
title = Check the token
[step login]
action = quorum-login
title = Quorum login
[step logout]
action = logout
title = Log out
EOC
}
