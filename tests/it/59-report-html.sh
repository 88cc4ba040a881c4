# wsctl check --html: one self-contained page, rendered in headless
# Chromium (Debian's chromium): the verdict, the root cause with its line
# and fix, each check with expected and observed, the evidence folded,
# the spread over the backends as bars; and no request leaves the page
# (Chromium's own net log says so, and says so of a page that does make
# one).
. "$(dirname "$0")/../lib.sh"
FIX=$TESTS/../fixtures

# render FILE: the page's DOM after Chromium rendered it, into FILE.dom,
# and its net log into FILE.net; nothing resolves, so nothing leaves
render() {
	rm -rf "$OUT/chromium-profile"
	timeout 60 chromium --headless=new --no-sandbox --disable-gpu \
		--disable-dev-shm-usage --no-first-run \
		--user-data-dir="$OUT/chromium-profile" \
		--disable-background-networking --disable-component-update \
		--disable-sync --disable-default-apps --disable-domain-reliability \
		--host-resolver-rules='MAP * ~NOTFOUND' \
		--log-net-log="$1.net" --net-log-capture-mode=Everything \
		"${@:2}" --dump-dom "file://$1" >"$1.dom" 2>"$1.err"
}

# page_requests FILE: the URLs the page itself asked for (Chromium's own
# background requests have no origin)
page_requests() {
	/usr/bin/python3 - "$1.net" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
names = {v: k for k, v in d["constants"]["logEventTypes"].items()}
for e in d.get("events", []):
    p = e.get("params", {})
    if names.get(e["type"]) == "URL_REQUEST_START_JOB" and \
       p.get("initiator") != "not an origin" and not p.get("url", "file:").startswith("file:"):
        print(p["url"])
PY
}

"$WSCTL" check --proxy-config "$FIX/haproxy/real/no-real-ip.cfg" --start --quick \
	--skip 'diff.*,capacity.tunnels,concurrency.parallel' --name edge \
	--html "$OUT/report.html" >"$OUT/html.table" 2>&1
expect_eq "a run with a failure, --html: exit 1" "$?" 1
render "$OUT/report.html"
expect_eq "Chromium rendered it" "$?" 0
text=$(/usr/bin/python3 -c "
import html.parser, sys
class T(html.parser.HTMLParser):
    out, skip = [], 0
    def handle_starttag(self, tag, a): self.skip += tag == 'style'
    def handle_endtag(self, tag): self.skip -= tag == 'style'
    def handle_data(self, d):
        if not self.skip: self.out.append(d)
t = T(); t.feed(open(sys.argv[1]).read()); print(' '.join(' '.join(t.out).split()))" "$OUT/report.html.dom")
expect_match "the verdict first" "$text" "^wsctl check: edge wsctl check ws://localhost/ws/ from .*no-real-ip\.cfg; .* FAIL : [0-9]+ checks, [0-9]+ passed, 2 failed"
expect_match "the root cause: its line, its fix" "$text" \
	"Root causes .*no-real-ip\.cfg:27: backend ws_back: no X-Real-IP set fix: http-request set-header X-Real-IP %\[src\]"
expect_match "each check with expected and observed" "$text" \
	"headers\.x-real-ip fail expected 127\.0\.0\.1 observed no X-Real-IP"
expect_match "the spread over the backends" "$text" \
	"distribution\.balance pass .* app1:3000 [0-9]+ app2:3000 [0-9]+"
expect_eq "the evidence folded: details, none open" \
	"$(grep -c '<details>' "$OUT/report.html.dom")/$(grep -c '<details open' "$OUT/report.html.dom")" \
	"$(grep -c '<details>' "$OUT/report.html")/0"
expect_eq "no script, no stylesheet or image fetched" \
	"$(grep -ciE '<script|<link|<img|src=|url\(' "$OUT/report.html")" 0
expect_eq "no request left the page" "$(page_requests "$OUT/report.html")" ""

# the net log does see a page's request: one image from loopback
printf '<html><body><img src="http://127.0.0.1:%s/x.png"></body></html>\n' \
	"$(free_port)" >"$OUT/fetching.html"
render "$OUT/fetching.html"
expect_match "... and a page that fetches is caught" \
	"$(page_requests "$OUT/fetching.html")" "^http://127\.0\.0\.1:[0-9]+/x\.png$"
