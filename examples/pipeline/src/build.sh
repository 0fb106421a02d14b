#!/bin/sh
# Writes the "application" the build job publishes as an artifact.
set -e
out="$1"
mkdir -p .build-cache
runs=$(cat .build-cache/runs 2>/dev/null || echo 0)
runs=$((runs + 1))
echo "$runs" > .build-cache/runs
{
  echo "$GREETING"
  echo "built from $CI_COMMIT_SHA on ${CI_COMMIT_REF_NAME}"
  echo "sources: $(ls src | tr '\n' ' ')"
} > "$out"
echo "build number $runs (kept in the cache between exec runs)"
