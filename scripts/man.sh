#!/bin/sh
# man.sh WSCTL CMD: print the man page of `wsctl CMD`, or of wsctl itself
# when CMD is "wsctl", made from its --help (the one source of what the
# options are; docs/CMD.md holds the same text, tests/it/00-cli.sh keeps
# them equal).  Sections of the help ("Output:") become .SS, option
# lines .TP, the rest paragraphs.
set -eu
wsctl=$1 cmd=$2
version=$("$wsctl" --version | sed 's/^wsctl //')
if [ "$cmd" = wsctl ]; then
	name=wsctl
	summary="test WebSocket reverse proxies, and stand in for them"
	"$wsctl" --help >"${TMPDIR:-/tmp}/wsctl-man.$$"
else
	name=wsctl-$cmd
	summary=$("$wsctl" --help | awk -v c="$cmd" '$1 == c { $1 = ""; sub(/^ +/, ""); print; exit }')
	"$wsctl" "$cmd" --help >"${TMPDIR:-/tmp}/wsctl-man.$$"
fi
trap 'rm -f "${TMPDIR:-/tmp}/wsctl-man.$$"' EXIT

upper=$(echo "$name" | tr a-z A-Z)
printf '.TH %s 1 "" "wsctl %s" "wsctl manual"\n' "$upper" "$version"
printf '.SH NAME\n%s \\- %s\n' "$name" "$summary"
awk '
function esc(s) {
	gsub(/\\/, "\\e", s)
	if (s ~ /^[.\047]/) s = "\\&" s
	return s
}
function opt(s) { gsub(/-/, "\\-", s); return "\\fB" s "\\fR" }
BEGIN { state = "synopsis"; print ".SH SYNOPSIS"; print ".nf" }
state == "synopsis" {
	if ($0 == "") { print ".fi"; print ".SH DESCRIPTION"; state = "body"; next }
	sub(/^usage: /, ""); sub(/^       /, "")
	print esc($0); next
}
/^$/ { print ".PP"; inopt = 0; next }
/^[A-Za-z][^ ]*( [^ ]+)*:$/ { print ".SS " esc(substr($0, 1, length($0) - 1)); inopt = 0; next }
/^                 / { sub(/^ +/, ""); print esc($0); next }
/^  +-/ || /^  [A-Z]+ / || /^  [a-z]+  / {
	# an option (or an argument, or a command): its words, then 2+ spaces
	line = $0; sub(/^ +/, "", line)
	if (match(line, /  +/)) { head = substr(line, 1, RSTART - 1); rest = substr(line, RSTART + RLENGTH) }
	else { head = line; rest = "" }
	print ".TP"; print opt(esc(head)); if (rest != "") print esc(rest)
	inopt = 1; next
}
{ inopt = 0; sub(/^ +/, ""); print esc($0) }
' "${TMPDIR:-/tmp}/wsctl-man.$$"
printf '.SH EXIT STATUS\n0 ok, 1 a check or the run failed, 2 usage or setup error.\n'
if [ "$cmd" = wsctl ]; then
	printf '.SH SEE ALSO\n\\fBwsctl-check\\fR(1), \\fBwsctl-echo\\fR(1), \\fBwsctl-connect\\fR(1), \\fBwsctl-proxy\\fR(1), \\fBwsctl-bench\\fR(1)\n'
else
	printf '.SH SEE ALSO\n\\fBwsctl\\fR(1); docs/%s.md in the source\n' "$cmd"
fi
