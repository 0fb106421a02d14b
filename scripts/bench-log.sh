#!/usr/bin/env bash
# Benchmark: a job printing 100 MB (or $1 MB) through DockerExecutor + JobTrace; prints MB/s and the peak heap.
# Runs with -Xmx64m to show the log streams in bounded memory. Usage: scripts/bench-log.sh [megabytes]
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export CLEVER_RUNNER_NO_RGW=1 # no cache store in this benchmark
# shellcheck source=scripts/test-env.sh
source "$repo_root/scripts/test-env.sh"
classpath_file="$(mktemp)"
mvn -B -q -ntp ${MAVEN_OFFLINE:+-o} -Dstyle.color=never -pl docker-executor -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$classpath_file" -Dmdep.includeScope=test >/dev/null
cr_run java -Xmx64m -cp "docker-executor/target/test-classes:docker-executor/target/classes:$(cat "$classpath_file")" \
  org.cleverrunner.docker.LogThroughputBenchmark "${1:-100}"
rm -f "$classpath_file"
