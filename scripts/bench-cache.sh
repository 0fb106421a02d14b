#!/usr/bin/env bash
# Benchmark: a job cache of MB megabytes in FILES files through the executor (in-process and through the gateway)
# against `zip -r` + `aws s3 cp` and `aws s3 cp` + `unzip`, all against one S3 server: s3proxy on a filesystem, in a
# JVM of its own. The runner side runs under -Xmx128m, so a large cache also checks that memory stays bounded.
# Usage: scripts/bench-cache.sh [MB] [FILES]      (defaults: 500 20000; starts a private dockerd like test.sh)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
# shellcheck source=scripts/test-env.sh
source "$repo_root/scripts/test-env.sh"
for tool in zip unzip; do
  command -v "$tool" >/dev/null || apt-get install -y -qq "$tool" >/dev/null
done
command -v aws >/dev/null || apt-get install -y -qq awscli >/dev/null
classpath_file="$(mktemp)"
work="$(mktemp -d)"
mvn -B -q -ntp -Dstyle.color=never -pl docker-executor -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$classpath_file" -Dmdep.includeScope=test >/dev/null
classpath="docker-executor/target/test-classes:docker-executor/target/classes:$(cat "$classpath_file")"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID="AKIDCACHEBENCH" AWS_SECRET_ACCESS_KEY="cache-bench-$RANDOM$RANDOM" AWS_DEFAULT_REGION=us-east-1
mkdir -p "$work/s3/bench"
cat > "$work/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$AWS_ACCESS_KEY_ID
s3proxy.credential=$AWS_SECRET_ACCESS_KEY
jclouds.provider=filesystem-nio2
jclouds.filesystem.basedir=$work/s3
# s3proxy refuses signed, non-chunked bodies over 128 MiB by default; Cellar takes 5 GiB
s3proxy.v4-max-non-chunked-request-size=6000000000
CONF
printf '<configuration><root level="WARN"/></configuration>\n' > "$work/quiet.xml"
java -Dlogback.configurationFile="$work/quiet.xml" -cp "$classpath" org.gaul.s3proxy.Main \
  --properties "$work/s3proxy.conf" > "$work/s3proxy.log" 2>&1 &
s3_pid=$!
bench_cleanup() {
  kill "$s3_pid" 2>/dev/null || true
  rm -rf "$work" "$classpath_file"
  _cr_cleanup # test-env.sh's own: stops the private engine if it started one
}
trap bench_cleanup EXIT
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.2
done
cr_run java -Xmx128m -Dlogback.configurationFile="$work/quiet.xml" -cp "$classpath" \
  org.cleverrunner.docker.CacheBenchmark "${1:-500}" "${2:-20000}" "http://127.0.0.1:$port"
