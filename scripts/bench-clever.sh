#!/usr/bin/env bash
# Benchmark: job acquired -> first script line on a simulated Clever Cloud VM with boot time B, and the
# provisioner's own overhead. Uses the local Docker Engine behind the gateway (like test.sh, it starts one if needed).
# Usage: scripts/bench-clever.sh [boot time in ms] [jobs]
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
  org.cleverrunner.cli.CleverCloudBenchmark "${1:-3000}" "${2:-5}"
rm -f "$classpath_file"
