# The command line itself: version, help generated from the command table,
# usage errors, and --help agreeing with docs/<command>.md byte for byte.
. "$(dirname "$0")/../lib.sh"
DOCS=$TESTS/../docs

out=$("$WSCTL" --version)
expect_match "version" "$out" '^wsctl [0-9]+\.[0-9]+\.[0-9]+$'

"$WSCTL" >/dev/null 2>"$OUT/cli-noargs.err"
expect_eq "no arguments exit 2" "$?" 2

"$WSCTL" frobnicate >/dev/null 2>"$OUT/cli-unknown.err"
rc=$?
expect_eq "unknown command exit 2" "$rc" 2
expect_eq "unknown command named on one line" \
	"$(head -n1 "$OUT/cli-unknown.err")" "wsctl: unknown command 'frobnicate'"
expect_match "unknown command hint" "$(sed -n 2p "$OUT/cli-unknown.err")" "wsctl help"

# every command in the generated list has a docs page that matches --help
cmds=$("$WSCTL" help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1}' | grep -v '^help$')
[ -n "$cmds" ] && ok "help lists commands" || notok "help lists commands" "none found"
for c in $cmds; do
	doc=$DOCS/$c.md
	if [ ! -f "$doc" ]; then
		notok "docs/$c.md exists"
		continue
	fi
	want=$(awk '/^## Usage/ {u=1; next} u && /^```/ {if (f) exit; f=1; next} f {print}' "$doc")
	got=$("$WSCTL" "$c" --help)
	if [ "$got" == "$want" ]; then
		ok "$c --help matches docs/$c.md"
	else
		notok "$c --help matches docs/$c.md" "$(diff <(echo "$want") <(echo "$got") | head -5 | tr '\n' ' ')"
	fi
	expect_eq "help $c equals $c --help" "$("$WSCTL" help "$c")" "$got"

	"$WSCTL" "$c" --no-such-option >/dev/null 2>"$OUT/cli-$c-badopt.err"
	rc=$?
	expect_eq "$c bad option exit 2" "$rc" 2
	expect_eq "$c bad option named" "$(head -n1 "$OUT/cli-$c-badopt.err")" \
		"wsctl $c: unknown option '--no-such-option'"
	expect_eq "$c bad option hint" "$(sed -n 2p "$OUT/cli-$c-badopt.err")" \
		"try 'wsctl $c --help'"
done
