#!/usr/bin/env bash
# make demo: the main job on a built-in default.  nginx runs with the
# article's configuration (ports moved to free ones), wsctl check spawns
# the two echo backends the upstream names, checks the proxy, prints the
# table and writes the reports.  DEMO_FLAGS replaces --quick (for example
# DEMO_FLAGS= make demo runs the 65 s idle check too).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${DEMO_OUT:-demo}
mkdir -p "$out"

port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
listen=$(port) b1=$(port) b2=$(port)
sed -e "s/@LISTEN@/$listen/; s/@BACKEND1@/$b1/; s/@BACKEND2@/$b2/" \
	fixtures/nginx/article.conf.in >"$out/nginx.conf"

echo "nginx with the article's config ($out/nginx.conf): listening on 127.0.0.1:$listen,"
echo "upstream localhost:$b1 and localhost:$b2 (wsctl echo, spawned by the checker)"
echo
./wsctl check --nginx-conf "$out/nginx.conf" --start-nginx ${DEMO_FLAGS---quick} \
	--report "$out/report.json" --junit "$out/junit.xml"
rc=$?
echo
echo "reports: $out/report.json (JSON), $out/junit.xml (JUnit); exit status $rc"
exit $rc
