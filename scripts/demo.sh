#!/usr/bin/env bash
# make demo: the main job on built-in defaults.  First nginx with the
# article's configuration (ports moved to free ones): wsctl check starts
# it, spawns the two echo backends its upstream names, checks it, prints
# the table and writes the reports.  Then the same checks against
# wsctl proxy standing in nginx's place.  DEMO_FLAGS replaces --quick
# (DEMO_FLAGS= make demo runs the 65 s idle checks too).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${DEMO_OUT:-demo}
flags=${DEMO_FLAGS---quick}
mkdir -p "$out"

port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

listen=$(port) b1=$(port) b2=$(port)
sed -e "s/@LISTEN@/$listen/; s/@BACKEND1@/$b1/; s/@BACKEND2@/$b2/" \
	fixtures/nginx/article.conf.in >"$out/nginx.conf"
echo "== nginx with the article's config ($out/nginx.conf) on 127.0.0.1:$listen,"
echo "   upstream localhost:$b1 and localhost:$b2 (wsctl echo, spawned by the checker)"
echo
./wsctl check --nginx-conf "$out/nginx.conf" --start-nginx $flags \
	--report "$out/report.json" --junit "$out/junit.xml"
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
echo "== wsctl proxy in nginx's place on 127.0.0.1:$listen, the same two backends"
echo
./wsctl check --backends "spawn:127.0.0.1:$b1,127.0.0.1:$b2" \
	--balance round-robin --read-timeout 300s $flags \
	--report "$out/report-proxy.json" --junit "$out/junit-proxy.xml" \
	"ws://127.0.0.1:$listen/"
rc_proxy=$?

echo
echo "reports: $out/report.json and $out/junit.xml (nginx),"
echo "         $out/report-proxy.json and $out/junit-proxy.xml (wsctl proxy)"
[ $rc_nginx -eq 0 ] && [ $rc_proxy -eq 0 ]
