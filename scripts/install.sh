#!/usr/bin/env bash
# Installs clever-runner on this Debian machine: builds the Debian package (runner-dist, without tests) and installs
# it with apt, which brings its dependencies (a Java 17 runtime, adduser; docker.io is recommended). Then:
#   sudo -u clever-runner clever-runner register --url https://gitlab.example.com --token glrt-...
#   systemctl start clever-runner
# Remove with `apt-get remove clever-runner` (`purge` also removes the service user, its config and state).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
command -v mvn >/dev/null 2>&1 || { echo "[install] ERROR: mvn not found on PATH" >&2; exit 1; }
command -v dpkg-deb >/dev/null 2>&1 || { echo "[install] ERROR: dpkg-deb not found: a Debian system is needed" >&2; exit 1; }
echo "[install] building the package (mvn -B -q -ntp -DskipTests -pl runner-dist -am package)" >&2
mvn -B -q -ntp -Dstyle.color=never -DskipTests -pl runner-dist -am package
version="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)"
deb="$repo_root/runner-dist/target/clever-runner_${version//-/\~}_all.deb"
[[ -f $deb ]] || { echo "[install] ERROR: $deb was not built" >&2; exit 1; }
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
echo "[install] ${sudo[*]} apt-get install -y $deb" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$deb"
/usr/bin/clever-runner --version
