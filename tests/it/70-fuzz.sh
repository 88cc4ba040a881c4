# The libFuzzer harnesses in fuzz/ (built by make test, with clang): each
# runs over its seed corpus, then fuzzes for a few seconds.  A broken
# contract or a sanitizer report fails it; `make fuzz` runs them longer.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$TESTS/.." && pwd)
FZ=$ROOT/build-fuzz
secs=${FUZZ_TEST_SECS:-3}
# the harnesses that need a file make it under TMPDIR and remove it
export TMPDIR=$OUT/fuzz-tmp
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"

for bin in "$FZ"/fuzz_*; do
	name=${bin##*/fuzz_}
	seeds=("$ROOT/fuzz/corpus/$name"/*)
	log=$OUT/fuzz-$name.log
	if "$bin" "${seeds[@]}" >"$log" 2>&1; then
		ok "fuzz_$name: every seed (${#seeds[@]}) keeps the contract"
	else
		notok "fuzz_$name: every seed keeps the contract" "$(grep -m1 -E 'contract broken|ERROR' "$log")"
	fi
	work=$OUT/fuzz-corpus-$name
	rm -rf "$work"
	mkdir -p "$work"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$OUT/fuzz-$name-" "$work" "$ROOT/fuzz/corpus/$name" \
		>"$log" 2>&1; then
		ok "fuzz_$name: ${secs}s of fuzzing, no finding ($(grep -o 'cov: [0-9]*' "$log" | tail -n1))"
	else
		notok "fuzz_$name: ${secs}s of fuzzing" "$(grep -m1 -E 'contract broken|ERROR' "$log")"
	fi
done
[ -e "$FZ/fuzz_http" ] || notok "fuzz harnesses built" "none in $FZ"
expect_eq "the harnesses leave nothing under TMPDIR" "$(ls -A "$TMPDIR")" ""
