#!/usr/bin/env bash
# The project's main job on embedded defaults: builds the CLI, then runs sample jobs through the GitLab runner
# protocol against an in-process fake GitLab on loopback (no Docker, no network needed beyond Maven Central for the
# first build). Extra arguments go to `clever-runner demo` (e.g. --quiet).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
command -v mvn >/dev/null 2>&1 || { echo "[demo] ERROR: mvn not found on PATH" >&2; exit 1; }
command -v java >/dev/null 2>&1 || { echo "[demo] ERROR: java not found on PATH" >&2; exit 1; }
echo "[demo] building runner-cli (mvn -B -q -ntp -DskipTests -pl runner-cli -am package)" >&2
mvn -B -q -ntp -Dstyle.color=never -DskipTests -pl runner-cli -am package
exec java -jar runner-cli/target/clever-runner.jar demo "$@"
