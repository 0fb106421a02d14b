#!/usr/bin/env bash
# Makes a Docker Engine available for clever-runner's tests and builds the small local test images.
#
#   source scripts/test-env.sh          # in a bash script: exports DOCKER_HOST; a private engine
#                                       # started here is stopped when that script exits (EXIT trap)
#   scripts/test-env.sh CMD [ARGS...]   # runs CMD with DOCKER_HOST exported, then stops what it started
#   scripts/test-env.sh                 # sets up, checks, reports and stops again (a self-check)
#
# Engine, in order of preference:
#   1. $DOCKER_HOST, if set and answering;
#   2. unix:///var/run/docker.sock, if answering;
#   3. a private dockerd (Debian's docker.io, installed with apt-get when missing) started with
#      --iptables=false --bridge=none on a socket in a fresh /tmp/clever-runner-docker.XXXXXX
#      directory (data root, exec root, pid file and log live there too; dockerd starts its own
#      managed containerd under that exec root). It is stopped and the directory removed on exit.
# If none of these gives an engine, this script fails with the reason; it never skips silently.
#
# Also, when missing: git, mercurial and mercurial-evolve (hg's topic extension), which the source
# fetcher's tests run against real repositories served on loopback.
#
# Then, only when missing: clever-runner/busybox:latest (also tagged busybox:latest) imported from
# Debian's busybox-static, verified by `echo ok` and by two containers talking by network alias.
#
# Knobs (mostly for testing this script):
#   CLEVER_RUNNER_NO_DOCKER_INSTALL=1  never run apt-get; fail if docker.io/busybox-static are missing
#   CLEVER_RUNNER_DOCKERD=path         dockerd binary to start (default: dockerd)
#   CLEVER_RUNNER_DOCKERD_ARGS="..."   extra dockerd flags (e.g. --storage-driver vfs)
#   CLEVER_RUNNER_PRIVATE_DOCKERD=DIR  always start the private dockerd, its directory under DIR (say, a tmpfs
#                                      of a benchmark); DOCKER_HOST and /var/run/docker.sock are not used
#   CLEVER_RUNNER_DOCKER_START_TIMEOUT seconds to wait for the private dockerd (default 60)
#   CLEVER_RUNNER_SKIP_ENV_CHECK=1     skip the run/network verification (images are still built)
#   CLEVER_RUNNER_LOG_DIR=dir          where the private dockerd's log is kept after exit
#                                      (default: <repo>/.test-env)
set -euo pipefail

_cr_repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_cr_started_pid=""
_cr_private_dir=""
_cr_created_run_containerd=""

_cr_log() { printf '[test-env] %s\n' "$*" >&2; }
_cr_die() {
  printf '[test-env] ERROR: %s\n' "$*" >&2
  exit 1
}

_cr_as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    _cr_die "need root (or passwordless sudo) to run: $*"
  fi
}

# Installs Debian packages that provide the given commands/files, unless they are all present.
_cr_apt_install() {
  if [[ ${CLEVER_RUNNER_NO_DOCKER_INSTALL:-0} == 1 ]]; then
    _cr_die "missing packages: $* (CLEVER_RUNNER_NO_DOCKER_INSTALL=1, so not installing them)"
  fi
  command -v apt-get >/dev/null 2>&1 || _cr_die "missing packages: $* and no apt-get to install them (Debian/Ubuntu expected)"
  _cr_log "installing $* with apt-get"
  _cr_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 \
    || _cr_die "apt-get update failed; cannot install $*"
  # Keep the package's own service (a system dockerd) from starting during the install: these
  # scripts start the engine they need themselves, and stop it afterwards.
  local policy=/usr/sbin/policy-rc.d added_policy=""
  if [[ ! -e $policy ]]; then
    _cr_as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy" && added_policy=1
  fi
  local ok=1
  _cr_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 || ok=""
  if [[ -n $added_policy ]]; then
    _cr_as_root rm -f "$policy"
  fi
  [[ -n $ok ]] || _cr_die "apt-get install $* failed"
}

# True when the engine named by $1 (a DOCKER_HOST value) answers.
_cr_engine_answers() {
  DOCKER_HOST="$1" timeout 15 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

_cr_cleanup() {
  local rc=$?
  set +e
  if [[ -n $_cr_rgw_dir ]]; then
    "$_cr_repo_root/scripts/rgw-env.sh" stop "$_cr_rgw_dir" >/dev/null 2>&1
    _cr_rgw_dir=""
  fi
  local registry
  for registry in "${_cr_registry_pids[@]}"; do
    kill -TERM "$registry" 2>/dev/null
    wait "$registry" 2>/dev/null
  done
  _cr_registry_pids=()
  if [[ -n $_cr_registry_certs && -d $_cr_registry_certs ]]; then
    rm -rf "$_cr_registry_certs"
    _cr_registry_certs=""
  fi
  if [[ -n $_cr_registry_dir && -d $_cr_registry_dir ]]; then
    rm -rf "$_cr_registry_dir"
    _cr_registry_dir=""
  fi
  if [[ -n $_cr_started_pid ]]; then
    _cr_log "stopping private dockerd (pid $_cr_started_pid)"
    # our own engine: kill what the tests left running right away instead of a graceful stop each
    local leftovers
    leftovers=$(DOCKER_HOST="unix://$_cr_private_dir/docker.sock" timeout 10 docker ps -q 2>/dev/null)
    if [[ -n $leftovers ]]; then
      DOCKER_HOST="unix://$_cr_private_dir/docker.sock" timeout 30 docker rm -f $leftovers >/dev/null 2>&1
    fi
    kill -TERM "$_cr_started_pid" 2>/dev/null
    local i
    for ((i = 0; i < 150; i++)); do # 30 s; dockerd's own --shutdown-timeout is 5 s
      kill -0 "$_cr_started_pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$_cr_started_pid" 2>/dev/null; then
      _cr_log "dockerd did not stop in 30 s; killing it"
      kill -KILL "$_cr_started_pid" 2>/dev/null
    fi
    wait "$_cr_started_pid" 2>/dev/null
    # dockerd stops its managed containerd itself; anything still running from our private
    # directory (containerd, shims) after a forced stop is ours, and only ours, to kill.
    local pids
    pids=$(pgrep -f -- "$_cr_private_dir/" 2>/dev/null)
    if [[ -n $pids ]]; then
      _cr_log "killing leftover processes of the private engine: $(echo $pids)"
      kill -KILL $pids 2>/dev/null
      sleep 0.5
    fi
    _cr_started_pid=""
  fi
  if [[ -n $_cr_private_dir && -d $_cr_private_dir ]]; then
    # unmount whatever is left under the private directory (deepest first), then remove it
    awk -v d="$_cr_private_dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
      while read -r m; do umount -l "$m" 2>/dev/null; done
    if [[ -f $_cr_private_dir/dockerd.log ]]; then
      local log_dir=${CLEVER_RUNNER_LOG_DIR:-$_cr_repo_root/.test-env}
      mkdir -p "$log_dir" 2>/dev/null && cp "$_cr_private_dir/dockerd.log" "$log_dir/dockerd.log" 2>/dev/null
    fi
    rm -rf "$_cr_private_dir"
    _cr_private_dir=""
  fi
  if [[ -n $_cr_created_run_containerd ]]; then
    rmdir /run/containerd/s /run/containerd 2>/dev/null
  fi
  # a script that sourced this one may have more to undo once the engine is gone (bench-cache.sh's tmpfs)
  if declare -F _cr_after_cleanup >/dev/null; then
    _cr_after_cleanup
  fi
  return $rc
}

_cr_start_private_dockerd() {
  local dockerd=${CLEVER_RUNNER_DOCKERD:-dockerd}
  if ! command -v "$dockerd" >/dev/null 2>&1; then
    if [[ -z ${CLEVER_RUNNER_DOCKERD:-} ]]; then
      _cr_log "no Docker Engine reachable (DOCKER_HOST=${DOCKER_HOST:-unset}, /var/run/docker.sock) and no dockerd installed"
      _cr_apt_install docker.io
    fi
    command -v "$dockerd" >/dev/null 2>&1 \
      || _cr_die "no Docker Engine reachable (DOCKER_HOST=${DOCKER_HOST:-unset}, /var/run/docker.sock) and cannot start one: '$dockerd' not found"
  fi
  [[ $(id -u) -eq 0 ]] || _cr_die "no Docker Engine reachable and starting a private dockerd needs root (running as uid $(id -u)); start Docker or set DOCKER_HOST"

  [[ -e /run/containerd ]] || _cr_created_run_containerd=1
  # Unix socket paths are limited to 108 bytes: keep the directory short, under /tmp.
  _cr_private_dir=$(mktemp -d "${CLEVER_RUNNER_PRIVATE_DOCKERD:-/tmp}/clever-runner-docker.XXXXXX")
  local d=$_cr_private_dir
  trap _cr_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  _cr_log "starting private dockerd in $d"
  # shellcheck disable=SC2086 # CLEVER_RUNNER_DOCKERD_ARGS is a list of flags
  "$dockerd" --iptables=false --bridge=none \
    --host "unix://$d/docker.sock" --data-root "$d/data" --exec-root "$d/exec" \
    --pidfile "$d/docker.pid" --shutdown-timeout 5 ${CLEVER_RUNNER_DOCKERD_ARGS:-} \
    </dev/null >"$d/dockerd.log" 2>&1 &
  _cr_started_pid=$!

  local timeout=${CLEVER_RUNNER_DOCKER_START_TIMEOUT:-60} start=$SECONDS
  until _cr_engine_answers "unix://$d/docker.sock"; do
    if ! kill -0 "$_cr_started_pid" 2>/dev/null; then
      tail -n 30 "$d/dockerd.log" >&2 || true
      _cr_started_pid=""
      _cr_die "private dockerd exited during startup (log above)"
    fi
    if ((SECONDS - start >= timeout)); then
      tail -n 30 "$d/dockerd.log" >&2 || true
      _cr_die "private dockerd did not answer within ${timeout} s (log above)"
    fi
    sleep 0.3
  done
  export DOCKER_HOST="unix://$d/docker.sock"
  _cr_log "private dockerd answers at $DOCKER_HOST after $((SECONDS - start)) s"
}

_cr_ensure_engine() {
  if ! command -v docker >/dev/null 2>&1; then
    _cr_apt_install docker.io
    command -v docker >/dev/null 2>&1 || _cr_die "docker CLI still missing after installing docker.io"
  fi
  if [[ -n ${CLEVER_RUNNER_PRIVATE_DOCKERD:-} ]]; then
    _cr_start_private_dockerd
    return
  fi
  if [[ -n ${DOCKER_HOST:-} ]]; then
    if _cr_engine_answers "$DOCKER_HOST"; then
      _cr_log "using the engine at DOCKER_HOST=$DOCKER_HOST"
      export DOCKER_HOST
      return
    fi
    _cr_log "DOCKER_HOST=$DOCKER_HOST does not answer; looking further"
  fi
  if [[ -S /var/run/docker.sock ]] && _cr_engine_answers unix:///var/run/docker.sock; then
    export DOCKER_HOST=unix:///var/run/docker.sock
    _cr_log "using the engine at $DOCKER_HOST"
    return
  fi
  _cr_start_private_dockerd
}

# git and hg (with evolve's topic extension) for the source fetcher and its tests.
_cr_ensure_vcs_tools() {
  local missing=()
  command -v git >/dev/null 2>&1 || missing+=(git)
  command -v hg >/dev/null 2>&1 || missing+=(mercurial)
  if ! HGRCPATH= hg --config extensions.topic= topic --help >/dev/null 2>&1; then
    missing+=(mercurial-evolve)
  fi
  if ((${#missing[@]} > 0)); then
    _cr_apt_install "${missing[@]}"
  fi
  HGRCPATH= hg --config extensions.topic= topic --help >/dev/null 2>&1 \
    || _cr_die "hg with the topic extension is still unavailable after installing ${missing[*]}"
}

_cr_image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

_cr_build_busybox_image() {
  local image=clever-runner/busybox:latest
  if ! _cr_image_exists "$image"; then
    if ! dpkg -s busybox-static >/dev/null 2>&1; then
      _cr_apt_install busybox-static
    fi
    local bb
    bb=$(dpkg -L busybox-static | grep -m1 '/bin/busybox$') || _cr_die "busybox-static ships no /bin/busybox?"
    local work
    work=$(mktemp -d /tmp/clever-runner-image.XXXXXX)
    # the image tree is built in a subshell so that its removal cannot be skipped
    (
      set -euo pipefail
      trap 'rm -rf "$work"' EXIT
      local r=$work/rootfs
      mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var/tmp,home,proc,sys,dev}
      chmod 1777 "$r/tmp" "$r/var/tmp"
      chmod 700 "$r/root"
      cp "$bb" "$r/bin/busybox"
      local applet
      for applet in $("$bb" --list); do
        [[ $applet == busybox ]] || ln -s busybox "$r/bin/$applet"
      done
      ln -s ../../bin/env "$r/usr/bin/env"
      printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$r/etc/passwd"
      printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'nobody:x:65534:' >"$r/etc/group"
      tar -C "$r" --numeric-owner --owner=0 --group=0 -cf - . |
        docker import \
          --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
          --change 'CMD ["sh"]' \
          --change 'LABEL org.cleverrunner.test-image=busybox' \
          --message "clever-runner test image from Debian busybox-static" \
          - "$image" >/dev/null
    ) || _cr_die "building $image failed"
    _cr_log "built $image from $bb"
  fi
  # plain name for tests, unless the engine already has a (real) busybox
  if ! _cr_image_exists busybox:latest; then
    docker tag "$image" busybox:latest
  fi
}

_cr_verify_engine() {
  local out
  out=$(docker run --rm clever-runner/busybox:latest echo ok 2>&1) || _cr_die "cannot run a container: $out"
  [[ $out == ok ]] || _cr_die "unexpected output from 'docker run clever-runner/busybox echo ok': $out"

  local net=cr-envcheck-$$ srv=cr-envcheck-srv-$$ rc=0
  docker network create "$net" >/dev/null || _cr_die "cannot create a user-defined network"
  if docker run -d --name "$srv" --network "$net" --network-alias envcheck-web clever-runner/busybox:latest \
    sh -c 'mkdir -p /www && echo network-ok >/www/index.html && exec httpd -f -p 8080 -h /www' >/dev/null; then
    out=$(docker run --rm --network "$net" clever-runner/busybox:latest sh -c \
      'for i in $(seq 1 50); do wget -qO- http://envcheck-web:8080/ && exit 0; sleep 0.2; done; exit 1' 2>&1) || rc=$?
  else
    out="cannot start the httpd container"
    rc=1
  fi
  docker rm -f "$srv" >/dev/null 2>&1 || true
  docker network rm "$net" >/dev/null 2>&1 || true
  [[ $rc -eq 0 && $out == network-ok ]] || _cr_die "containers cannot reach each other by alias on a user-defined network: $out"
}

# Runs a command and returns its exit code; INT/TERM received meanwhile are passed on to it, and
# the EXIT trap (which stops the private engine) runs as soon as it has ended, not after.
cr_run() {
  local child rc=0
  "$@" <&0 &
  child=$!
  trap 'kill -INT $child 2>/dev/null; wait $child; exit 130' INT
  trap 'kill -TERM $child 2>/dev/null; wait $child; exit 143' TERM
  wait "$child" || rc=$?
  trap 'exit 130' INT
  trap 'exit 143' TERM
  return "$rc"
}

_cr_registry_pids=()
_cr_registry_dir=""
_cr_registry_certs=""

# A free TCP port on an address (by trying to connect: nothing answers there).
_cr_free_port() {
  local addr=$1 port i
  for ((i = 0; i < 50; i++)); do
    port=$((40000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null || break
  done
  printf '%s' "$port"
}

# Serves one docker-registry (htpasswd auth, optional TLS) under $_cr_registry_dir/NAME on ADDR:PORT and pushes the
# test image to it as ADDR:PORT/test/busybox:1. Arguments: NAME ADDR PORT [CERT KEY].
_cr_serve_registry() {
  local name=$1 addr=$2 port=$3 cert=${4:-} key=${5:-} i
  local dir="$_cr_registry_dir/$name"
  mkdir -p "$dir"
  {
    printf '%s\n' "version: 0.1" "log:" "  level: warn" "storage:" "  filesystem:" "    rootdirectory: $dir/data" \
      "http:" "  addr: $addr:$port"
    [[ -n $cert ]] && printf '%s\n' "  tls:" "    certificate: $cert" "    key: $key"
    printf '%s\n' "auth:" "  htpasswd:" "    realm: clever-runner-tests" "    path: $_cr_registry_dir/htpasswd"
  } > "$dir/config.yml"
  docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 &
  local pid=$!
  _cr_registry_pids+=("$pid")
  for ((i = 0; i < 100; i++)); do
    (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || _cr_die "the $name test registry did not start: $(tail -5 "$dir/registry.log")"
    sleep 0.1
  done
  local image="$addr:$port/test/busybox:1" config="$_cr_registry_dir/docker-config"
  # a private docker config, so that the login touches nothing of the user's
  mkdir -p "$config"
  printf '%s' "$CLEVER_RUNNER_TEST_REGISTRY_PASSWORD" | DOCKER_CONFIG=$config docker login \
    -u "$CLEVER_RUNNER_TEST_REGISTRY_USER" --password-stdin "$addr:$port" >/dev/null 2>"$dir/login.err" \
    || _cr_die "cannot log in to the $name test registry at $addr:$port: $(tail -2 "$dir/login.err")"
  docker tag clever-runner/busybox:latest "$image" >/dev/null
  DOCKER_CONFIG=$config timeout 120 docker push "$image" >/dev/null 2>&1 \
    || _cr_die "cannot push $image to the $name test registry"
  docker rmi "$image" >/dev/null 2>&1 || true
}

# An address of this machine that is not loopback: the Engine trusts any certificate on 127.0.0.0/8 (an insecure
# registry by default), so a TLS registry is only checked against its CA on another address.
_cr_outer_address() {
  local addr
  for addr in $(hostname -I 2>/dev/null); do
    [[ $addr == 127.* || $addr == *:* ]] && continue
    printf '%s' "$addr"
    return 0
  done
  return 1
}

# The test registries (Debian's docker-registry, htpasswd authentication, holding the test image as
# HOST:PORT/test/busybox:1) for the tests of pulls and registry credentials:
# - on loopback over HTTP: CLEVER_RUNNER_TEST_REGISTRY, CLEVER_RUNNER_TEST_REGISTRY_USER,
#   CLEVER_RUNNER_TEST_REGISTRY_PASSWORD and its access log CLEVER_RUNNER_TEST_REGISTRY_LOG;
# - over TLS with a certificate from a CA made here, which the Engine trusts through /etc/docker/certs.d (removed
#   again at exit): CLEVER_RUNNER_TEST_TLS_REGISTRY and the CA, CLEVER_RUNNER_TEST_TLS_REGISTRY_CA.
_cr_start_registry() {
  command -v docker-registry >/dev/null 2>&1 || _cr_apt_install docker-registry
  command -v htpasswd >/dev/null 2>&1 || _cr_apt_install apache2-utils
  command -v openssl >/dev/null 2>&1 || _cr_apt_install openssl
  trap _cr_cleanup EXIT
  _cr_registry_dir=$(mktemp -d /tmp/clever-runner-registry.XXXXXX)
  export CLEVER_RUNNER_TEST_REGISTRY_USER=clever-runner
  CLEVER_RUNNER_TEST_REGISTRY_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
  export CLEVER_RUNNER_TEST_REGISTRY_PASSWORD
  htpasswd -Bbn "$CLEVER_RUNNER_TEST_REGISTRY_USER" "$CLEVER_RUNNER_TEST_REGISTRY_PASSWORD" \
    > "$_cr_registry_dir/htpasswd" 2>/dev/null || _cr_die "htpasswd failed"

  local port
  port=$(_cr_free_port 127.0.0.1)
  _cr_serve_registry plain 127.0.0.1 "$port"
  export CLEVER_RUNNER_TEST_REGISTRY="127.0.0.1:$port"
  # its access log: tests check which requests a pull policy makes
  export CLEVER_RUNNER_TEST_REGISTRY_LOG="$_cr_registry_dir/plain/registry.log"
  _cr_log "test registry at 127.0.0.1:$port (htpasswd auth) holds 127.0.0.1:$port/test/busybox:1"

  local addr tls="$_cr_registry_dir/tls"
  addr=$(_cr_outer_address) || _cr_die "this machine has no IPv4 address but loopback, which the TLS test registry" \
    "needs (the Engine skips certificate checks on loopback registries)"
  port=$(_cr_free_port "$addr")
  mkdir -p "$tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=clever-runner test CA" \
    -keyout "$tls/ca.key" -out "$tls/ca.crt" >/dev/null 2>&1 || _cr_die "openssl could not make the test CA"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$addr" -keyout "$tls/server.key" -out "$tls/server.csr" \
    >/dev/null 2>&1 || _cr_die "openssl could not make the registry's key"
  printf 'subjectAltName=IP:%s\n' "$addr" > "$tls/san.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
    -extfile "$tls/san.ext" -out "$tls/server.crt" >/dev/null 2>&1 || _cr_die "openssl could not sign the certificate"
  _cr_registry_certs="/etc/docker/certs.d/$addr:$port"
  mkdir -p "$_cr_registry_certs" && cp "$tls/ca.crt" "$_cr_registry_certs/ca.crt" \
    || _cr_die "cannot write $_cr_registry_certs (the Engine reads registry CAs there)"
  _cr_serve_registry tls "$addr" "$port" "$tls/server.crt" "$tls/server.key"
  export CLEVER_RUNNER_TEST_TLS_REGISTRY="$addr:$port"
  export CLEVER_RUNNER_TEST_TLS_REGISTRY_CA="$tls/ca.crt"
  _cr_log "TLS test registry at $addr:$port (CA in $_cr_registry_certs) holds $addr:$port/test/busybox:1"
}

_cr_rgw_dir=""

# Ceph's S3 gateway itself (what Cellar runs), a single-node cluster of scripts/rgw-env.sh, for the cache tests
# that check the RGW's own rules. Exports CLEVER_RUNNER_TEST_RGW_ENDPOINT, _ACCESS_KEY and _SECRET_KEY.
_cr_start_rgw() {
  # benchmarks that start a larger one of their own say so; the tests need it and fail without it
  [[ ${CLEVER_RUNNER_NO_RGW:-0} == 1 ]] && return 0
  _cr_rgw_dir=$(mktemp -u /tmp/clever-runner-rgw.XXXXXX)
  trap _cr_cleanup EXIT
  local exports
  exports=$("$_cr_repo_root/scripts/rgw-env.sh" start "$_cr_rgw_dir") || _cr_die "Ceph RGW did not start"
  eval "$exports"
  _cr_log "Ceph RGW at $CLEVER_RUNNER_TEST_RGW_ENDPOINT"
}

cr_test_env_setup() {
  local start=$SECONDS
  _cr_ensure_vcs_tools
  _cr_ensure_engine
  _cr_build_busybox_image
  _cr_start_registry
  _cr_start_rgw
  if [[ ${CLEVER_RUNNER_SKIP_ENV_CHECK:-0} != 1 ]]; then
    _cr_verify_engine
  fi
  _cr_log "Docker Engine ready at DOCKER_HOST=$DOCKER_HOST ($((SECONDS - start)) s)"
}

if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
  # sourced: the caller keeps DOCKER_HOST; our EXIT trap stops the private engine when it exits
  cr_test_env_setup
else
  cr_test_env_setup
  if [[ $# -gt 0 ]]; then
    rc=0
    cr_run "$@" || rc=$?
    exit "$rc"
  fi
  docker version --format 'engine {{.Server.Version}} (API {{.Server.APIVersion}}), client {{.Client.Version}}' >&2
fi
