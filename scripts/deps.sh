#!/usr/bin/env bash
# Install what wsctl needs to build and test, and nothing else: the Debian
# packages that are missing, then the pinned npm packages in tests/.
# Idempotent and non-interactive; quick when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential pkg-config libwebsockets-dev libwebsockets-evlib-uv
      libcjson-dev libcurl4-openssl-dev libssl-dev libnghttp2-dev zlib1g-dev openssl
      liburing-dev linux-perf nginx-light haproxy squid varnish caddy apache2
      curl python3 python3-jsonschema procps iproute2 valgrind man-db bsdextrautils
      clang libclang-rt-14-dev debhelper lintian fakeroot chromium fonts-dejavu-core)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
# node and npm may come from elsewhere (nodesource); take Debian's only if absent
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	# proxies' packages start their service on port 80 when they can:
	# the host is not ours, so nothing starts (policy-rc.d, invoke-rc.d's
	# hook), unless the host already has a policy of its own
	guard=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
		$sudo chmod 755 /usr/sbin/policy-rc.d
		guard=1
	fi
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	[ -z "$guard" ] || $sudo rm -f /usr/sbin/policy-rc.d
fi

# npm: exact versions from tests/package-lock.json; reinstall only when it changed
stamp=tests/node_modules/.wsctl-lock
if [ ! -f "$stamp" ] || ! cmp -s tests/package-lock.json "$stamp"; then
	echo "deps: npm ci in tests/" >&2
	# no install scripts: one of Artillery's would download a browser from
	# outside npm, and none of the packages needs one
	(cd tests && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
	cp tests/package-lock.json "$stamp"
fi
