#!/usr/bin/env bash
# Benchmark: a job cache of MB megabytes in FILES files through the executor (in-process and through the gateway)
# against `zip -r` + `aws s3 cp` and `aws s3 cp` + `unzip`, all against one S3 server: Ceph RGW (Cellar's engine,
# its own single-node cluster from scripts/rgw-env.sh), or s3proxy with BENCH_S3=s3proxy. The runner side runs under
# -Xmx128m (BENCH_HEAP to change it), so a large cache also checks that memory stays bounded.
# Usage: scripts/bench-cache.sh [MB] [FILES]      (defaults: 500 20000; starts a private dockerd like test.sh)
#
# Everything the benchmark writes (the trees, both sides' archives, the Engine's volumes, the S3 server's data) is on
# a tmpfs of its own, with a private dockerd whose data root is there too: the figures then measure the work of
# each side, not this machine's disk, whose write-back makes the same run vary threefold. BENCH_DISK=1 keeps the
# disk (under /tmp, with the engine the test scripts find).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export CLEVER_RUNNER_NO_RGW=1 # this benchmark starts a larger RGW of its own
bench_root=""
if [[ -z ${BENCH_DISK:-} ]]; then
  bench_root=$(mktemp -d /tmp/clever-runner-bench.XXXXXX)
  # the tree, two archives and two extracted copies on each side, and the S3 server's objects
  mount -t tmpfs -o size=$(( ${1:-500} * 12 + 2048 ))m clever-runner-bench "$bench_root"
  # called by test-env.sh's clean-up, which every exit from here on runs, once its engine has stopped
  _cr_after_cleanup() {
    umount "$bench_root" && rmdir "$bench_root"
  }
  trap _cr_after_cleanup EXIT
  export CLEVER_RUNNER_PRIVATE_DOCKERD="$bench_root" TMPDIR="$bench_root"
  # overlay2 needs upper directories that not every kernel offers on tmpfs; the images here are one busybox
  export CLEVER_RUNNER_DOCKERD_ARGS="${CLEVER_RUNNER_DOCKERD_ARGS:-} --storage-driver vfs"
fi
# shellcheck source=scripts/test-env.sh
source "$repo_root/scripts/test-env.sh"
for tool in zip unzip; do
  command -v "$tool" >/dev/null || apt-get install -y -qq "$tool" >/dev/null
done
command -v aws >/dev/null || apt-get install -y -qq awscli >/dev/null
classpath_file="$(mktemp)"
work="$(mktemp -d)"
java_tmp="-Djava.io.tmpdir=${TMPDIR:-/tmp}"
mvn -B -q -ntp -Dstyle.color=never -pl docker-executor -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$classpath_file" -Dmdep.includeScope=test >/dev/null
classpath="docker-executor/target/test-classes:docker-executor/target/classes:$(cat "$classpath_file")"
# the S3 server: Ceph RGW itself (Cellar's engine, scripts/rgw-env.sh), or s3proxy on a filesystem in a JVM of
# its own with BENCH_S3=s3proxy (it buffers each signed upload in its heap to check the payload's hash)
export AWS_DEFAULT_REGION=us-east-1
printf '<configuration><appender name="E" class="ch.qos.logback.core.ConsoleAppender"><encoder><pattern>%%d{HH:mm:ss.SSS} %%logger{0} %%msg%%n</pattern></encoder></appender><logger name="org.cleverrunner.docker" level="${BENCH_LOG:-WARN}"/><root level="WARN"><appender-ref ref="E"/></root></configuration>\n' > "$work/quiet.xml"
s3_pid=""
rgw_dir=""
bench_cleanup() {
  [[ -n $s3_pid ]] && kill "$s3_pid" 2>/dev/null
  [[ -n $rgw_dir ]] && "$repo_root/scripts/rgw-env.sh" stop "$rgw_dir" >/dev/null 2>&1
  rm -rf "$work" "$classpath_file"
  _cr_cleanup # test-env.sh's own: stops what it started (and unmounts the tmpfs)
}
trap bench_cleanup EXIT
if [[ ${BENCH_S3:-rgw} == s3proxy ]]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  export AWS_ACCESS_KEY_ID="AKIDCACHEBENCH" AWS_SECRET_ACCESS_KEY="cache-bench-$RANDOM$RANDOM"
  mkdir -p "$work/s3/bench"
  cat > "$work/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$AWS_ACCESS_KEY_ID
s3proxy.credential=$AWS_SECRET_ACCESS_KEY
jclouds.provider=filesystem-nio2
jclouds.filesystem.basedir=$work/s3
s3proxy.v4-max-non-chunked-request-size=6000000000
CONF
  java "$java_tmp" -Dlogback.configurationFile="$work/quiet.xml" -cp "$classpath" org.gaul.s3proxy.Main \
    --properties "$work/s3proxy.conf" > "$work/s3proxy.log" 2>&1 &
  s3_pid=$!
  endpoint="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$endpoint/" && break
    sleep 0.2
  done
else
  rgw_dir="$work/rgw"
  # room for the baseline's archive and ours, twice over
  memstore=$(( (${1:-500} * 3 + 512) * 1024 * 1024 ))
  eval "$(CLEVER_RUNNER_RGW_MEMSTORE_BYTES=$memstore "$repo_root/scripts/rgw-env.sh" start "$rgw_dir")"
  export AWS_ACCESS_KEY_ID="$CLEVER_RUNNER_TEST_RGW_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$CLEVER_RUNNER_TEST_RGW_SECRET_KEY"
  endpoint="$CLEVER_RUNNER_TEST_RGW_ENDPOINT"
  aws --endpoint-url "$endpoint" s3 mb s3://bench >/dev/null
fi
cr_run java -Xmx"${BENCH_HEAP:-128m}" "$java_tmp" ${BENCH_JAVA_OPTS:-} -Dlogback.configurationFile="$work/quiet.xml" -cp "$classpath" \
  org.cleverrunner.docker.CacheBenchmark "${1:-500}" "${2:-20000}" "$endpoint"
