#!/usr/bin/env bash
# The project's main job on embedded defaults: builds the CLI, then runs the `build` job of the sample pipeline
# examples/pipeline/.gitlab-ci.yml with `clever-runner exec` on local Docker, through the same engine path
# (HostedRun: local-docker provisioner, docker executor) as real jobs, without any GitLab.
# scripts/test-env.sh provides the engine: $DOCKER_HOST or /var/run/docker.sock when they answer, else a private
# dockerd it starts (and stops on exit), and the local image clever-runner/busybox (no registry needed).
# Extra arguments go to `clever-runner exec` (e.g. `scripts/demo.sh test`, `scripts/demo.sh lint`); the default
# job is build. The protocol demo against a fake GitLab is scripts/protocol-demo.sh.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
command -v mvn >/dev/null 2>&1 || { echo "[demo] ERROR: mvn not found on PATH" >&2; exit 1; }
command -v java >/dev/null 2>&1 || { echo "[demo] ERROR: java not found on PATH" >&2; exit 1; }
echo "[demo] building runner-cli (mvn -B -q -ntp -DskipTests -pl runner-cli -am package)" >&2
mvn -B -q -ntp -Dstyle.color=never -DskipTests -pl runner-cli -am package

# Exports DOCKER_HOST; its EXIT trap stops a private engine it started.
export CLEVER_RUNNER_NO_RGW=1 # the demo keeps its caches on disk: no S3 server needed
# shellcheck source=scripts/test-env.sh
source "$repo_root/scripts/test-env.sh"

args=("$@")
[[ ${#args[@]} -gt 0 ]] || args=(build)
cd "$repo_root/examples/pipeline"   # the project directory: artifacts land in ./clever-runner-artifacts (ignored)
echo "[demo] (cd examples/pipeline && java -jar ../../runner-cli/target/clever-runner.jar exec ${args[*]})" >&2
rc=0
cr_run java -jar "$repo_root/runner-cli/target/clever-runner.jar" exec "${args[@]}" || rc=$?
if [[ $rc -eq 0 && -f clever-runner-artifacts/build/out/app.txt ]]; then
  echo "[demo] artifact examples/pipeline/clever-runner-artifacts/build/out/app.txt:" >&2
  sed 's/^/[demo]   /' clever-runner-artifacts/build/out/app.txt >&2
fi
exit "$rc"
