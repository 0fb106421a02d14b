#!/usr/bin/env bash
# The runner-protocol demo: examples' ProtocolDemo registers a runner on the testkit's in-process fake GitLab
# (real HTTP on loopback), takes two sample jobs with long polling, runs their scripts with the local sh, patches
# their logs and reports their final states, then checks GitLab's copy of each log. No Docker needed.
# Run on the reactor's classes (nothing installed in ~/.m2). `scripts/protocol-demo.sh --quiet`: the summary only.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
command -v mvn >/dev/null 2>&1 || { echo "[protocol-demo] ERROR: mvn not found on PATH" >&2; exit 1; }
exec mvn -B -q -ntp -Dstyle.color=never -DskipTests -pl examples -am package -Pprotocol-demo "-Ddemo.args=${*:-}"
