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
# page_text FILE: the rendered page's text, on one line
page_text() {
	/usr/bin/python3 -c "
import html.parser, sys
class T(html.parser.HTMLParser):
    out, skip = [], 0
    def handle_starttag(self, tag, a): self.skip += tag == 'style'
    def handle_endtag(self, tag): self.skip -= tag == 'style'
    def handle_data(self, d):
        if not self.skip: self.out.append(d)
t = T(); t.feed(open(sys.argv[1]).read()); print(' '.join(' '.join(t.out).split()))" "$1"
}
text=$(page_text "$OUT/report.html.dom")
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

# the timeout checks' timeline and the histograms of what was timed: nginx
# closes an idle tunnel after its 30 s read timeout (2 s at 1/15)
sed 's/proxy_read_timeout 300s;/proxy_read_timeout 30s;/' "$FIX/nginx/article.conf" \
	>"$OUT/short-timeout.conf"
"$WSCTL" check --nginx-conf "$OUT/short-timeout.conf" --start-nginx \
	--only 'timeout.idle,timeout.idle-close,concurrency.parallel' \
	--html "$OUT/timeline.html" >"$OUT/timeline.table" 2>&1
expect_eq "a 30 s read timeout: timeout.idle fails, exit 1" "$?" 1
render "$OUT/timeline.html"
text=$(page_text "$OUT/timeline.html.dom")
expect_match "the timeline: open, then closed, at the read timeout" "$text" \
	"timeout\.idle fail .* open [0-9.]+s, then closed; the read timeout: [0-9.]+s \(measured at 1/[0-9]+ of the config's times\)"
expect_match "... and for timeout.idle-close" "$text" \
	"timeout\.idle-close pass .* open [0-9.]+s, then closed; the read timeout: [0-9.]+s"
expect_eq "... drawn: a close mark and a read-timeout mark each" \
	"$(grep -o 'class="mark close"' "$OUT/timeline.html.dom" | wc -l)/$(grep -o 'class="mark want"' "$OUT/timeline.html.dom" | wc -l)" "2/2"
expect_match "the handshakes' and round trips' histograms" "$text" \
	"concurrency\.parallel pass .* handshakes: 200, p50 [0-9.]+ms, p99 [0-9.]+ms, max [0-9.]+ms .* round trips: 200, p50 [0-9.]+ms"
expect_eq "... 20 columns each" "$(grep -o '<div class="chart">' "$OUT/timeline.html.dom" | wc -l)" 2
expect_eq "... and still no request left the page" "$(page_requests "$OUT/timeline.html")" ""

# wsctl bench --html: the latency histogram and the rate second by second
start_echo bench-echo -q --listen 127.0.0.1:0 || exit 1
"$WSCTL" bench -q -d 2s -c 4 --html "$OUT/bench.html" "ws://127.0.0.1:${PORTS[0]}/" \
	>"$OUT/bench-html.out" 2>&1
expect_eq "bench --html: exit 0" "$?" 0
render "$OUT/bench.html"
text=$(page_text "$OUT/bench.html.dom")
expect_match "bench page: the verdict" "$text" "^wsctl bench: ws://127\.0\.0\.1:[0-9]+/ wsctl bench .* echo mode, 4 connections, [0-9.]+s PASS : [0-9]+ handshakes, [0-9]+ messages, 0 errors"
expect_match "... the round trips' histogram, on a log scale" "$text" \
	"round trips: [0-9]+, p50 [0-9.]+(us|ms), p99 [0-9.]+(us|ms), max [0-9.]+(us|ms|s) \(log scale\)"
expect_match "... and the rate over time" "$text" "round trips a second"
expect_eq "... its columns: 30 for each histogram, one a second" \
	"$(python3 -c "
import re, sys
d = open(sys.argv[1]).read()
print([len(re.findall(r'<div style=\"height', c)) for c in re.findall(r'<div class=\"chart\">(.*?)</div>\n', d, re.S)])" "$OUT/bench.html")" \
	"[30, 30, 2]"
expect_eq "... and no request left it" "$(page_requests "$OUT/bench.html")" ""
"$WSCTL" bench -q -d 1s --html /nonexistent/b.html "ws://127.0.0.1:${PORTS[0]}/" >/dev/null 2>"$OUT/bench-html.err"
expect_eq "bench --html to a directory that is not there: exit 1, one line" \
	"$?:$(cat "$OUT/bench-html.err")" "1:wsctl bench: cannot write '/nonexistent/b.html': No such file or directory"
