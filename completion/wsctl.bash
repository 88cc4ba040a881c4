# bash completion for wsctl: sub-commands, each one's options (read from
# its --help, so they never drift), check ids and sections for --only and
# --skip (from wsctl check --list), files where an option takes one.
_wsctl() {
	local cur prev cmd words
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "check echo connect proxy bench help --help --version" -- "$cur"))
		return
	fi
	cmd=${COMP_WORDS[1]}
	case $cmd in
	check|echo|connect|proxy|bench) ;;
	help) COMPREPLY=($(compgen -W "check echo connect proxy bench" -- "$cur")); return ;;
	*) COMPREPLY=(); return ;;	# a command wsctl does not have: nothing
	esac
	case $prev in
	--only|--skip)
		local ids sections
		ids=$("${COMP_WORDS[0]}" check --list 2>/dev/null | cut -d' ' -f1)
		sections=$(printf '%s\n' $ids | cut -d. -f1 | sort -u)
		# after a comma, complete the last item of the list
		local pre=${cur%,*} last=${cur##*,}
		[ "$pre" = "$cur" ] && pre= || pre="$pre,"
		COMPREPLY=($(compgen -P "$pre" -W "$ids $sections" -- "$last"))
		return ;;
	--nginx-conf|--proxy-config|--report|--junit|--ca|--tls-cert|--tls-key|\
	--cert|--key|--config|-c|--access-log|--pid-file|--hdr-log)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--proxy) COMPREPLY=($(compgen -W "nginx haproxy caddy apache" -- "$cur")); return ;;
	--balance|-b) COMPREPLY=($(compgen -W "round-robin ip-hash least-conn" -- "$cur")); return ;;
	--format) COMPREPLY=($(compgen -W "table json" -- "$cur")); return ;;
	--export) COMPREPLY=($(compgen -W "artillery" -- "$cur")); return ;;
	--color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		words=$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null |
			grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' | tr -d ' ,' | sort -u)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
	fi
}
complete -o default -F _wsctl wsctl
