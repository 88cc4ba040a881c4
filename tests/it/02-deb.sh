# The Debian package, built from a copy of the tree with Debian's tools
# (dpkg-buildpackage -b -us -uc, debhelper), clean under lintian, its
# dependencies the runtime libraries only, installable (apt-get's
# simulation: the host is not changed), and what it holds works.
. "$(dirname "$0")/../lib.sh"
# nothing of wsctl's own memory here: the ASan pass has nothing to add
[ -n "${PREFIX:-}" ] && { ok "the package: plain build only"; exit 0; }
REPO=$TESTS/..
DEB=$OUT/deb
rm -rf "$DEB"
mkdir -p "$DEB/wsctl"
# the tree as git has it (tracked, and new files not ignored)
(cd "$REPO" && git ls-files -co --exclude-standard | grep -v '^tests/node_modules/' |
	tar -cf - -T -) | tar -xf - -C "$DEB/wsctl"
(cd "$DEB/wsctl" && dpkg-buildpackage -b -us -uc) >"$OUT/deb-build.log" 2>&1
expect_eq "dpkg-buildpackage -b -us -uc: exit 0" "$?" 0
pkg=$(ls "$DEB"/wsctl_*_*.deb 2>/dev/null | head -n1)
expect_match "... a wsctl_VERSION_ARCH.deb" "$pkg" "/wsctl_[0-9.]+_[a-z0-9]+\.deb$"

lintian --fail-on error,warning "$DEB"/wsctl_*.changes >"$OUT/deb-lintian.log" 2>&1
expect_eq "lintian: no errors, no warnings" "$?/$(grep -c '^[EW]:' "$OUT/deb-lintian.log")" "0/0"

deps=$(dpkg-deb -f "$pkg" Depends)
expect_match "Depends: the runtime libraries" "$deps" "libwebsockets17.*|libcjson1"
expect_eq "... and no -dev package" "$(tr ',' '\n' <<<"$deps" | grep -c -- '-dev')" 0
apt-get install -s -q "$pkg" >"$OUT/deb-apt.log" 2>&1
expect_eq "apt-get install ./wsctl_*.deb resolves (simulated)" "$?" 0

dpkg-deb -x "$pkg" "$DEB/root"
expect_eq "its wsctl runs" "$("$DEB/root/usr/bin/wsctl" --version)" "$("$WSCTL" --version)"
expect_eq "six man pages, two completions" \
	"$(cd "$DEB/root/usr/share" && find man/man1 bash-completion/completions \
		zsh/vendor-completions -type f | wc -l)" 8
rm -rf "$DEB"
