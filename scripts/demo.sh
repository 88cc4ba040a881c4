#!/usr/bin/env bash
# make demo: the main job on built-in defaults.  First nginx with the
# article's configuration exactly as the article prints it (listen 80, a
# log under /var/log/nginx, upstream localhost:8010 and :8011): wsctl
# check runs it in its sandbox (loopback ports, stand-in backends, paths
# in a temporary prefix, timeouts divided by 30), lists what it changed,
# checks it, prints the table and writes the reports.  Then the same
# checks against wsctl proxy standing in nginx's place, with --quick
# (DEMO_FLAGS= make demo waits the 65 s idle checks there too).  A check
# that fails is the demo's finding, not its failure: it exits 0 when both
# runs ran, 2 when one could not (wsctl check's setup errors).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${DEMO_OUT:-demo}
flags=${DEMO_FLAGS---quick}
mkdir -p "$out"

port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

echo "== nginx with the article's config (fixtures/nginx/article.conf), in wsctl's sandbox"
echo
./wsctl check --nginx-conf fixtures/nginx/article.conf --start-nginx -v \
	--report "$out/report.json" --junit "$out/junit.xml" --html "$out/report.html"
rc_nginx=$?

listen=$(port) b1=$(port) b2=$(port)
./wsctl proxy -q --listen "127.0.0.1:$listen" --upstream "127.0.0.1:$b1" \
	--upstream "127.0.0.1:$b2" --read-timeout 300s >/dev/null &
proxy=$!
trap 'kill $proxy 2>/dev/null' EXIT
for _ in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$listen") 2>/dev/null && break
	sleep 0.1
done
echo
echo "== wsctl proxy in nginx's place on 127.0.0.1:$listen, two wsctl echo backends"
echo
./wsctl check --backends "spawn:127.0.0.1:$b1,127.0.0.1:$b2" \
	--balance round-robin --read-timeout 300s --reload-cmd "kill -HUP $proxy" $flags \
	--report "$out/report-proxy.json" --junit "$out/junit-proxy.xml" \
	"ws://127.0.0.1:$listen/"
rc_proxy=$?

echo
echo "reports: $out/report.json, $out/junit.xml and $out/report.html (nginx),"
echo "         $out/report-proxy.json and $out/junit-proxy.xml (wsctl proxy)"
[ $rc_nginx -le 1 ] && [ $rc_proxy -le 1 ] || exit 2
