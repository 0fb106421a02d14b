#!/usr/bin/env bash
# A throw-away single-node Ceph cluster with a radosgw (Ceph's S3 gateway, what Clever Cloud's Cellar
# runs), for tests that want a real RGW rather than s3proxy.
#
#   scripts/rgw-env.sh start <dir>   installs what is missing (Debian's ceph-mon, ceph-osd, radosgw),
#                                    starts one monitor, one memstore OSD and radosgw with everything
#                                    under <dir> (created; must not exist or be empty), on free
#                                    loopback ports, waits until S3 answers a signed request, and
#                                    prints on stdout:
#                                      export CLEVER_RUNNER_TEST_RGW_ENDPOINT=http://127.0.0.1:PORT
#                                      export CLEVER_RUNNER_TEST_RGW_ACCESS_KEY=...
#                                      export CLEVER_RUNNER_TEST_RGW_SECRET_KEY=...
#                                    (so `eval "$(scripts/rgw-env.sh start DIR)"` works). On failure
#                                    it stops what it started, keeps the logs and exits non-zero.
#   scripts/rgw-env.sh stop <dir>    stops the daemons started in <dir> (radosgw, then the OSD, then
#                                    the monitor: SIGTERM each, SIGKILL after 10 s; ~2 s each) and
#                                    removes <dir>. Safe to repeat; nothing outside <dir> is left.
#
# Seen on Debian 12 (ceph 16.2.15), 2 cores: install 64 packages, 58 MiB download, 257 MiB
# installed, 15-30 s; start 2.5-3.5 s (5-9 s with both cores busy); ~125 MiB RSS; stop ~6 s.
# S3 clients must send x-amz-content-sha256 (curl 7.88's --aws-sigv4 does not by itself: pass
# -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD'), and path-style addressing (no rgw dns name is set).
#
# No systemd, no block device, no mgr: the OSD keeps its objects in memory (osd objectstore =
# memstore, 1 GiB by default), pools have size 1. Needs root (or passwordless sudo) only to install.
# Knobs:
#   CLEVER_RUNNER_NO_RGW_INSTALL=1    never run apt-get; fail if the packages are missing
#   CLEVER_RUNNER_RGW_START_TIMEOUT   seconds to wait for each daemon (default 60)
#   CLEVER_RUNNER_RGW_MEMSTORE_BYTES  size of the OSD's in-memory store (default 1073741824)
set -euo pipefail

_rgw_log() { printf '[rgw-env] %s\n' "$*" >&2; }
_rgw_die() {
  printf '[rgw-env] ERROR: %s\n' "$*" >&2
  exit 1
}

_rgw_as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    _rgw_die "need root (or passwordless sudo) to run: $*"
  fi
}

_rgw_install() {
  local missing=() cmd
  for cmd in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool curl; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ ${CLEVER_RUNNER_NO_RGW_INSTALL:-0} == 1 ]]; then
    _rgw_die "missing ${missing[*]} (CLEVER_RUNNER_NO_RGW_INSTALL=1, so not installing ceph-mon ceph-osd radosgw)"
  fi
  command -v apt-get >/dev/null 2>&1 || _rgw_die "missing ${missing[*]} and no apt-get to install them"
  _rgw_log "installing ceph-mon ceph-osd radosgw curl with apt-get (missing: ${missing[*]})"
  _rgw_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || _rgw_die "apt-get update failed"
  # Keep the packages' own services from starting (there is usually no systemd anyway).
  local policy=/usr/sbin/policy-rc.d added_policy="" ok=1
  if [[ ! -e $policy ]]; then
    _rgw_as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy" && added_policy=1
  fi
  _rgw_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    ceph-mon ceph-osd radosgw curl >&2 || ok=""
  [[ -n $added_policy ]] && _rgw_as_root rm -f "$policy"
  [[ -n $ok ]] || _rgw_die "apt-get install ceph-mon ceph-osd radosgw curl failed"
}

# A free TCP port on 127.0.0.1 (bound then released; the daemons bind it right after).
_rgw_free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

_rgw_random() { # $1 length, $2 tr character set
  local out=""
  while [[ ${#out} -lt $1 ]]; do
    out+=$(head -c 256 /dev/urandom | LC_ALL=C tr -dc "$2")
  done
  printf '%s' "${out:0:$1}"
}

# Waits until "${@:2}" succeeds, up to CLEVER_RUNNER_RGW_START_TIMEOUT seconds; $1 names it.
_rgw_wait() {
  local what=$1 deadline=$((SECONDS + ${CLEVER_RUNNER_RGW_START_TIMEOUT:-60}))
  shift
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      _rgw_log "timed out waiting for $what; logs in $_rgw_dir/log"
      return 1
    fi
    sleep 0.2
  done
}

_rgw_ceph() { timeout 20 ceph -c "$_rgw_dir/ceph.conf" "$@"; }

_rgw_osd_up() { _rgw_ceph osd dump 2>/dev/null | grep -q '^osd\.0 up  *in '; }

# A signed ListBuckets. curl 7.88 (Debian 12) does not send x-amz-content-sha256 by itself, and RGW
# then refuses the signature (SignatureDoesNotMatch); with the header given, curl signs it.
_rgw_s3_answers() {
  curl -sf -o /dev/null --max-time 5 --aws-sigv4 "aws:amz:us-east-1:s3" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' --user "$_rgw_access:$_rgw_secret" \
    "http://127.0.0.1:$_rgw_port/"
}

_rgw_start_failed() {
  _rgw_log "start failed; stopping what was started (logs kept in $_rgw_dir/log; '$0 stop $_rgw_dir' removes them)"
  _rgw_kill_all
  local f
  for f in "$_rgw_dir"/log/{mon.a,osd.0,client.rgw}.log; do
    [[ -s $f ]] && { printf '==> %s <==\n' "$f"; tail -n 8 "$f"; } >&2
  done
  return 0
}

_rgw_start() {
  _rgw_install
  if [[ -e $_rgw_dir ]] && [[ -n $(ls -A "$_rgw_dir") ]]; then
    _rgw_die "$_rgw_dir exists and is not empty (stop it first: $0 stop $_rgw_dir)"
  fi
  mkdir -p "$_rgw_dir"
  _rgw_dir=$(cd "$_rgw_dir" && pwd)
  local d=$_rgw_dir
  mkdir -p "$d/run" "$d/log" "$d/mon/ceph-a" "$d/osd/ceph-0" "$d/rgw"
  # From here on, a failure or an interrupt stops whatever was started (logs are kept in $d/log).
  trap '_rgw_start_failed' EXIT
  trap 'exit 130' INT TERM

  local fsid mon_port
  fsid=$(cat /proc/sys/kernel/random/uuid)
  mon_port=$(_rgw_free_port)
  _rgw_port=$(_rgw_free_port)
  while [[ $_rgw_port == "$mon_port" ]]; do _rgw_port=$(_rgw_free_port); done
  cat >"$d/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public network = 127.0.0.0/8
ms bind msgr1 = false
ms bind ipv6 = false
keyring = $d/keyring
run dir = $d/run
admin socket = $d/run/\$name.asok
pid file = $d/run/\$name.pid
log file = $d/log/\$name.log
mon cluster log file = $d/log/cluster.log
crash dir = $d/crash
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
auth allow insecure global id reclaim = false
mon data avail warn = 1
mon data avail crit = 0
[mon]
mon data = $d/mon/\$cluster-\$id
# One proposal per 0.1 s instead of 1 s: radosgw creates its pools one osdmap epoch at a time.
paxos propose interval = 0.1
[osd]
osd data = $d/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = ${CLEVER_RUNNER_RGW_MEMSTORE_BYTES:-1073741824}
osd max object name len = 460
osd max object namespace len = 64
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$_rgw_port
rgw data = $d/rgw
rgw enable usage log = false
EOF

  # Keys for the monitor, the admin client, the OSD and the gateway; the monitor imports them all.
  local kr=$d/keyring
  ceph-authtool "$kr" --create-keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$kr" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$kr" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd' >/dev/null
  ceph-authtool "$kr" --gen-key -n client.rgw --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$d/monmap" >/dev/null
  ceph-mon -c "$d/ceph.conf" --mkfs -i a --monmap "$d/monmap" --keyring "$kr" 2>>"$d/log/mon.a.stderr" \
    || _rgw_die "ceph-mon --mkfs failed: $(tail -n 5 "$d/log/mon.a.stderr")"
  ceph-mon -c "$d/ceph.conf" -i a 2>>"$d/log/mon.a.stderr"
  _rgw_log "monitor started on 127.0.0.1:$mon_port (${SECONDS}s)"
  _rgw_wait "the monitor" _rgw_ceph mon stat

  local osd_uuid
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  [[ $(_rgw_ceph osd new "$osd_uuid" 0) == 0 ]] || _rgw_die "ceph osd new did not give osd.0"
  ceph-osd -c "$d/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1 \
    || _rgw_die "ceph-osd --mkfs failed: $(tail -n 5 "$d/log/osd.0.log")"
  ceph-osd -c "$d/ceph.conf" -i 0 2>>"$d/log/osd.0.stderr"
  _rgw_wait "osd.0 to be up" _rgw_osd_up
  _rgw_log "osd.0 up (${SECONDS}s)"

  _rgw_access=$(_rgw_random 20 'A-Z0-9')
  _rgw_secret=$(_rgw_random 40 'A-Za-z0-9')
  radosgw -c "$d/ceph.conf" -n client.rgw 2>>"$d/log/client.rgw.stderr"
  # The user is made once the gateway has created its pools (realm, zone, period).
  _rgw_wait "radosgw to answer on 127.0.0.1:$_rgw_port" \
    curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$_rgw_port/"
  timeout 60 radosgw-admin -c "$d/ceph.conf" user create --uid=clever-runner-test \
    --display-name="clever-runner tests" --access-key="$_rgw_access" --secret-key="$_rgw_secret" \
    >"$d/log/user.json"
  _rgw_log "radosgw answering, user created (${SECONDS}s)"
  _rgw_wait "a signed S3 request to succeed" _rgw_s3_answers
  trap - EXIT INT TERM

  printf 'CLEVER_RUNNER_TEST_RGW_ENDPOINT=http://127.0.0.1:%s\nCLEVER_RUNNER_TEST_RGW_ACCESS_KEY=%s\nCLEVER_RUNNER_TEST_RGW_SECRET_KEY=%s\n' \
    "$_rgw_port" "$_rgw_access" "$_rgw_secret" >"$d/env"
  _rgw_log "RGW ready at http://127.0.0.1:$_rgw_port after ${SECONDS}s (data under $d)"
  sed 's/^/export /' "$d/env"
}

# The pids of daemons started in $_rgw_dir: from their pid files, and any process whose command
# line names this directory's ceph.conf (in case a pid file was not written yet).
_rgw_pids() {
  local f pid
  for f in "$_rgw_dir"/run/*.pid; do
    [[ -f $f ]] || continue
    pid=$(cat "$f" 2>/dev/null) || continue
    [[ $pid =~ ^[0-9]+$ ]] && [[ -d /proc/$pid ]] && echo "$pid"
  done
  pgrep -f -- "-c $_rgw_dir/ceph.conf" || true
}

# Stops one daemon by its pid file: SIGTERM, SIGKILL after 10 s.
_rgw_stop_daemon() {
  local f=$_rgw_dir/run/$1.pid pid deadline
  [[ -f $f ]] || return 0
  pid=$(cat "$f" 2>/dev/null) || return 0
  [[ $pid =~ ^[0-9]+$ ]] && [[ -d /proc/$pid ]] || return 0
  grep -qF -- "$_rgw_dir/ceph.conf" "/proc/$pid/cmdline" 2>/dev/null || return 0 # not ours (pid reused)
  kill -TERM "$pid" 2>/dev/null || return 0
  deadline=$((SECONDS + 10))
  while [[ -d /proc/$pid ]]; do
    if ((SECONDS >= deadline)); then
      _rgw_log "killing $1 (pid $pid, still running 10 s after SIGTERM)"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      return 0
    fi
    sleep 0.1
  done
}

_rgw_kill_all() {
  # Gateway first, then the OSD, then the monitor: each needs the next one to shut down quickly.
  local n pids
  for n in client.rgw osd.0 mon.a; do _rgw_stop_daemon "$n"; done
  # Anything left (a daemon that had not written its pid file yet, a stuck radosgw-admin).
  mapfile -t pids < <(_rgw_pids | sort -u)
  if [[ ${#pids[@]} -gt 0 ]]; then
    kill -KILL "${pids[@]}" 2>/dev/null || true
    sleep 0.5
  fi
}

_rgw_stop() {
  [[ -d $_rgw_dir ]] || return 0
  _rgw_dir=$(cd "$_rgw_dir" && pwd)
  [[ -f $_rgw_dir/ceph.conf ]] || _rgw_die "$_rgw_dir has no ceph.conf: not a directory made by $0 start; not removing it"
  _rgw_kill_all
  [[ -z $(_rgw_pids) ]] || _rgw_die "daemons still running from $_rgw_dir: $(_rgw_pids | sort -u | tr '\n' ' ')"
  rm -rf "$_rgw_dir"
  _rgw_log "stopped; removed $_rgw_dir"
}

[[ $# -eq 2 ]] || _rgw_die "usage: $0 start|stop <dir>"
_rgw_dir=$2
_rgw_port="" _rgw_access="" _rgw_secret=""
case $1 in
start) _rgw_start ;;
stop) _rgw_stop ;;
*) _rgw_die "usage: $0 start|stop <dir>" ;;
esac
