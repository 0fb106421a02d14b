#!/usr/bin/env bash
# Benchmark: a trivial job through DockerExecutor against a bare `docker run --rm`, on the same engine.
# Usage: scripts/bench-executor.sh [rounds]   (starts a private dockerd when none is reachable, like test.sh)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export CLEVER_RUNNER_NO_RGW=1 # no cache store in this benchmark
# shellcheck source=scripts/test-env.sh
source "$repo_root/scripts/test-env.sh"
classpath_file="$(mktemp)"
# one reactor build: compiles what the harness needs; the last module written (docker-executor) wins the file
mvn -B -q -ntp -Dstyle.color=never -pl docker-executor -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$classpath_file" -Dmdep.includeScope=test >/dev/null
cr_run java -cp "docker-executor/target/test-classes:docker-executor/target/classes:$(cat "$classpath_file")" \
  org.cleverrunner.docker.TrivialJobBenchmark "${1:-15}"
rm -f "$classpath_file"
