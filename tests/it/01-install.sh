# make install / uninstall (GNU's PREFIX and DESTDIR), the man pages made
# from --help, and the bash completion, as a user gets them.
. "$(dirname "$0")/../lib.sh"
REPO=$TESTS/..
ROOT=$OUT/install-root
rm -rf "$ROOT"

make -s -C "$REPO" install PREFIX=/usr DESTDIR="$ROOT" >"$OUT/install.log" 2>&1
expect_eq "make install PREFIX=/usr DESTDIR=...: exit 0" "$?" 0
expect_eq "... the binary, six man pages, two completions" \
	"$(cd "$ROOT" && find . -type f | sort | paste -sd' ')" \
	"./usr/bin/wsctl ./usr/share/bash-completion/completions/wsctl ./usr/share/man/man1/wsctl-bench.1 ./usr/share/man/man1/wsctl-check.1 ./usr/share/man/man1/wsctl-connect.1 ./usr/share/man/man1/wsctl-echo.1 ./usr/share/man/man1/wsctl-proxy.1 ./usr/share/man/man1/wsctl.1 ./usr/share/zsh/site-functions/_wsctl"
expect_eq "the installed wsctl runs" "$("$ROOT/usr/bin/wsctl" --version)" \
	"$("$WSCTL" --version)"

# every option --help names is in the man page, which man renders cleanly
for c in check echo connect proxy bench; do
	page=$ROOT/usr/share/man/man1/wsctl-$c.1
	text=$(MANWIDTH=100 man -l "$page" 2>"$OUT/man-$c.err" | col -b)
	missing=
	for o in $("$WSCTL" "$c" --help | grep -oE -- '(^|[ ,])--[a-z][a-z0-9-]*' | tr -d ' ,' | sort -u); do
		grep -qF -- "$o" <<<"$text" || missing="$missing $o"
	done
	expect_eq "man wsctl-$c: every option of --help" "$missing" ""
	expect_eq "man wsctl-$c: no warnings from man" "$(cat "$OUT/man-$c.err")" ""
	expect_match "man wsctl-$c: NAME says what it is" "$text" \
		"wsctl-$c - [a-z]"
done

# bash completion: commands, options, check ids and sections, and nothing
# for a command wsctl does not have
comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _wsctl
		printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$ROOT/usr/share/bash-completion/completions/wsctl" "$WSCTL" "$@" | paste -sd' '
}
expect_eq "complete a command" "$(comp ch)" "check"
expect_match "complete check's options" "$(comp check --proxy-)" "^--proxy-config$"
expect_eq "complete --only with a section's ids" \
	"$(comp check --only 'frames.t')" "frames.text"
expect_eq "... after a comma, the list kept" \
	"$(comp check --only 'frames.text,handshake.st')" "frames.text,handshake.status-101"
expect_eq "... a bare section too" "$(comp check --only fram)" \
	"$("$WSCTL" check --list --only frames | cut -d' ' -f1 | paste -sd' ') frames"
expect_eq "complete bench --export's format" "$(comp bench --export a)" "artillery"
expect_eq "an unknown command: nothing" "$(comp nosuch --o)" ""

make -s -C "$REPO" uninstall PREFIX=/usr DESTDIR="$ROOT" >>"$OUT/install.log" 2>&1
expect_eq "make uninstall: nothing left" "$(find "$ROOT" -type f | wc -l)" 0
