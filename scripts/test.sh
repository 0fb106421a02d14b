#!/usr/bin/env bash
# Runs clever-runner's whole test suite: unit tests (surefire) and integration tests (failsafe)
# against a real Docker Engine. Extra arguments go to Maven, e.g.
#   scripts/test.sh -pl docker-executor
#   scripts/test.sh -Dit.test=DockerEngineIT -pl docker-executor
# Exits with Maven's exit code. A private dockerd started by scripts/test-env.sh is stopped on exit.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

command -v mvn >/dev/null 2>&1 || { echo "[test] ERROR: mvn not found on PATH" >&2; exit 1; }
command -v java >/dev/null 2>&1 || { echo "[test] ERROR: java not found on PATH" >&2; exit 1; }

# Exports DOCKER_HOST; fails (non-zero) when no engine can be had. Its EXIT trap stops the engine.
# shellcheck source=scripts/test-env.sh
source "$repo_root/scripts/test-env.sh"

echo "[test] mvn -B -ntp verify $* (DOCKER_HOST=$DOCKER_HOST)" >&2
rc=0
cr_run mvn -B -ntp -Dsurefire.printSummary=true -Dstyle.color=never verify "$@" || rc=$?
echo "[test] maven exit code: $rc" >&2
exit "$rc"
