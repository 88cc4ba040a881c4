# make demo, the main job on its built-in default, keeps working: nginx
# with the article's config and wsctl proxy both pass, and the reports
# are written.
. "$(dirname "$0")/../lib.sh"
cd "$TESTS/.." || exit 1
DEMO_OUT=$OUT/demo bash scripts/demo.sh >"$OUT/demo.out" 2>&1
expect_eq "demo: exit 0" "$?" 0
expect_eq "demo: two tables, nothing failed" \
	"$(grep -c '^29 checks: 26 passed, 0 failed, 3 skipped, 0 errors' "$OUT/demo.out")" 2
for f in report.json junit.xml report-proxy.json junit-proxy.xml; do
	check "demo: $f written" test -s "$OUT/demo/$f"
done
