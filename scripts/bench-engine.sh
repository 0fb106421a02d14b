#!/usr/bin/env bash
# Benchmark of the engine: job pickup latency with long polling, and heap/threads with many jobs at once
# (simulated provisioner and executor, fake GitLab in-process; no Docker needed).
# Usage: scripts/bench-engine.sh [pickup samples] [parallel jobs]
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
classpath_file="$(mktemp)"
trap 'rm -f "$classpath_file"' EXIT
mvn -B -q -ntp -Dstyle.color=never -pl runner-core -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$classpath_file" -Dmdep.includeScope=test >/dev/null
java -Xmx256m -cp "runner-core/target/test-classes:runner-core/target/classes:$(cat "$classpath_file")" \
  -Dlogback.configurationFile=/dev/null org.cleverrunner.core.EngineBenchmark "${1:-50}" "${2:-200}" 2>/dev/null
