#!/usr/bin/env bash
# Builds target/clever-runner_<version>_all.deb with dpkg-deb (no debhelper, no jdeb): called by runner-dist's
# Maven build when dpkg-deb is there. Arguments: the Maven version, the runnable jar, the module's directory.
set -euo pipefail
version="$1" jar="$2" module="$3"
src="$module/src"
target="$module/target"
# 0.1.0-SNAPSHOT is 0.1.0~SNAPSHOT for dpkg: a tilde sorts before the release
deb_version="${version//-/\~}"
root="$target/deb-root"
rm -rf "$root"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/clever-runner/bin" "$root/usr/share/clever-runner/lib" \
  "$root/usr/share/doc/clever-runner" "$root/etc/clever-runner" "$root/lib/systemd/system"
install -m 0755 "$src/bin/clever-runner" "$root/usr/share/clever-runner/bin/clever-runner"
install -m 0644 "$jar" "$root/usr/share/clever-runner/lib/clever-runner.jar"
ln -s ../share/clever-runner/bin/clever-runner "$root/usr/bin/clever-runner"
install -m 0600 "$src/config/config.toml" "$root/etc/clever-runner/config.toml"
install -m 0644 "$src/systemd/clever-runner.service" "$root/lib/systemd/system/clever-runner.service"
install -m 0644 "$module/../README.md" "$root/usr/share/doc/clever-runner/README.md"
install -m 0644 "$src/deb/conffiles" "$root/DEBIAN/conffiles"
install -m 0755 "$src/deb/postinst" "$src/deb/prerm" "$src/deb/postrm" "$root/DEBIAN/"
size_kb="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s/@VERSION@/$deb_version/" -e "s/@SIZE@/$size_kb/" "$src/deb/control" > "$root/DEBIAN/control"
out="$target/clever-runner_${deb_version}_all.deb"
# the jar is already compressed: gzip level 1 saves seconds that xz would spend for nothing
dpkg-deb --root-owner-group -Zgzip -z1 --build "$root" "$out" >/dev/null
echo "[runner-dist] built $out"
