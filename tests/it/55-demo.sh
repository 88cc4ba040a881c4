# make demo, the main job on its built-in default, keeps working: nginx
# with the article's config as printed (listen 80, /var/log/nginx) runs a
# full run in the sandbox, which lists its changes, and fails only
# upgrade.h2c (its Upgrade $http_upgrade), blamed with its fix; wsctl
# proxy passes, and the reports are written.
. "$(dirname "$0")/../lib.sh"
cd "$TESTS/.." || exit 1
DEMO_OUT=$OUT/demo bash scripts/demo.sh >"$OUT/demo.out" 2>&1
expect_eq "demo: exit 0" "$?" 0
expect_eq "demo: nginx, a full run, one failure" \
	"$(grep -c '^54 checks: 49 passed, 1 failed, 4 skipped, 0 errors' "$OUT/demo.out")" 1
expect_match "demo: ... upgrade.h2c, on the article's Upgrade line, with the map" \
	"$(grep -A2 '^root causes:' "$OUT/demo.out" | tr '\n' ' ')" \
	"article.conf:36: proxy_set_header Upgrade \\\$http_upgrade +fix: map \\\$http_upgrade \\\$ws_upgrade"
expect_eq "demo: wsctl proxy, --quick, nothing failed" \
	"$(grep -c '^54 checks: 47 passed, 0 failed, 7 skipped, 0 errors' "$OUT/demo.out")" 1
expect_match "demo: the sandbox's changes are shown" "$(cat "$OUT/demo.out")" \
	"article.conf:22: listen 80 -> 127\.0\.0\.1:[0-9]+.*article.conf:25: access_log /var/log/nginx/yourdomain.log -> "
for f in report.json junit.xml report.html report-proxy.json junit-proxy.xml; do
	check "demo: $f written" test -s "$OUT/demo/$f"
done
