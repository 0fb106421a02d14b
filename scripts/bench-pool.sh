#!/usr/bin/env bash
# Benchmark: a burst of jobs of one project against a warm pool of idle VMs on the Clever Cloud simulator with
# boot time B: each job's wait for its host, the VMs made, and those left when the runner stops.
# Usage: scripts/bench-pool.sh [boot time in ms] [jobs] [idle VMs]
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export CLEVER_RUNNER_NO_RGW=1 # no cache store in this benchmark
# shellcheck source=scripts/test-env.sh
source "$repo_root/scripts/test-env.sh"
classpath_file="$(mktemp)"
mvn -B -q -ntp -Dstyle.color=never -pl runner-cli -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$classpath_file" -Dmdep.includeScope=test >/dev/null
cr_run java -cp "runner-cli/target/test-classes:runner-cli/target/classes:$(cat "$classpath_file")" \
  org.cleverrunner.cli.WarmPoolBenchmark "${1:-20000}" "${2:-20}" "${3:-4}"
rm -f "$classpath_file"
