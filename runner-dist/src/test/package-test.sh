#!/usr/bin/env bash
# The Debian package's test, run by runner-dist's `mvn verify` (profile deb): installs target/clever-runner_*.deb on
# this machine with dpkg -i, checks the launcher through /usr/bin, the service user, the CDS archives postinst made,
# the unit (systemd-analyze verify; systemctl start/stop too when systemd runs), starts `clever-runner run` as the
# unit does (user clever-runner, the launcher's flags) against an unreachable GitLab, checks `status`, reloads it
# with SIGHUP and stops it with SIGQUIT as systemd would (to the launcher, which passes them on), then purges the package and checks that nothing is left. The purge runs whatever happens (trap).
# Needs root (dpkg -i); as another user it says so and passes nothing. Arguments: the Maven version, target/.
set -euo pipefail
version="$1" target="$2"
deb="$target/clever-runner_${version//-/\~}_all.deb"
passed=0 failed=0
log() { echo "[package-test] $*"; }
check() { # check DESCRIPTION COMMAND...: one assertion
  local what="$1"; shift
  if "$@"; then passed=$((passed + 1)); log "ok: $what"; else failed=$((failed + 1)); log "FAILED: $what"; fi
}

if [[ $(id -u) -ne 0 ]]; then
  log "skipped: installing a .deb needs root (this is $(id -un))"
  exit 0
fi
[[ -f $deb ]] || { log "ERROR: $deb not built"; exit 1; }
# one package test at a time on this machine: they install the same package
exec 9>/run/lock/clever-runner-package-test.lock
flock -w 600 9 || { log "ERROR: another package test holds /run/lock/clever-runner-package-test.lock"; exit 1; }
if dpkg-query -W -f '${Status}' clever-runner 2>/dev/null | grep -q installed; then
  log "ERROR: a clever-runner package is already installed here; this test would replace and purge it"
  exit 1
fi

work="$(mktemp -d)"
runner_pid=""
cleanup() {
  if [[ -n $runner_pid ]] && kill -0 "$runner_pid" 2>/dev/null; then kill -KILL "$runner_pid" || true; fi
  pkill -KILL -u clever-runner 2>/dev/null || true # the launcher's JVM too, so that purge can remove the user
  dpkg --purge clever-runner >"$work/purge.log" 2>&1 || { log "purge failed:"; cat "$work/purge.log"; }
  rm -rf "$work"
}
trap cleanup EXIT

log "dpkg -i $deb"
dpkg -i "$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log"; log "ERROR: dpkg -i failed"; exit 1; }

as_runner() { # the unit's User= and Group=, with the service's environment
  setpriv --reuid clever-runner --regid clever-runner --init-groups \
    env -i PATH=/usr/bin:/bin HOME=/var/lib/clever-runner LANG=C.UTF-8 "$@"
}
check "/usr/bin/clever-runner --version names $version and the build's revision" \
  bash -c "/usr/bin/clever-runner --version | grep -Eqx 'clever-runner $version \(([0-9a-f]{8}|unknown)\)'"
check "the service user runs it too" bash -c "$(declare -f as_runner); as_runner clever-runner --version | grep -q '^Java 17'"
check "system user clever-runner with home /var/lib/clever-runner" \
  bash -c "getent passwd clever-runner | awk -F: '\$3 < 1000 && \$6 == \"/var/lib/clever-runner\"' | grep -q ."
if getent group docker >/dev/null; then
  check "clever-runner is in group docker (the engine's socket)" bash -c "id -nG clever-runner | grep -qw docker"
fi
check "/etc/clever-runner is the service user's, 0700" \
  bash -c "[[ \$(stat -c '%U %a' /etc/clever-runner) == 'clever-runner 700' ]]"
check "config.toml is a conffile" bash -c "dpkg-query -W -f '\${Conffiles}' clever-runner | grep -q /etc/clever-runner/config.toml"
check "postinst made the CDS archives of exec and the other commands" \
  bash -c "ls /var/cache/clever-runner/exec-*.jsa /var/cache/clever-runner/cli-*.jsa >/dev/null"
check "the service user's --version maps the system archive (writes none of its own)" \
  bash -c "$(declare -f as_runner); as_runner clever-runner --version >/dev/null && [[ ! -e /var/lib/clever-runner/.cache/clever-runner/cds ]]"
if command -v systemd-analyze >/dev/null; then
  # it works without a running systemd: it parses the unit and checks its ExecStart and its user
  check "systemd-analyze verify clever-runner.service" \
    bash -c "systemd-analyze verify /lib/systemd/system/clever-runner.service >'$work/verify.log' 2>&1 \
      && [[ ! -s '$work/verify.log' ]] || { cat '$work/verify.log'; false; }"
else
  log "no systemd-analyze here (Debian's systemd package): the unit is not verified"
fi
unit=/lib/systemd/system/clever-runner.service
check "the unit stops with SIGQUIT (graceful)" grep -qx 'KillSignal=SIGQUIT' "$unit"
# shellcheck disable=SC2016 # $MAINPID is systemd's, literally in the unit
check "the unit reloads with SIGHUP" grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit"
check "the unit runs as clever-runner" grep -qx 'User=clever-runner' "$unit"

# `run` as the unit starts it: an unreachable GitLab (a closed loopback port) is only a warning, so it runs
port=$(( 20000 + RANDOM % 20000 ))
config="$work/config.toml"
install -d -o clever-runner -g clever-runner -m 0700 "$work"
cat >"$config" <<TOML
concurrent = 1
journal = "$work/journal.json"
[metrics]
listen = "127.0.0.1:$port"
[[runners]]
name = "package-test"
url = "http://127.0.0.1:9"
token = "glrt-package-test-token"
executor = "docker"
provisioner = "local-docker"
TOML
chown clever-runner:clever-runner "$config"
chmod 0600 "$config"
# not through as_runner: a simple command in the background is exec'd, so $! is the launcher, as systemd's MAINPID
# is; the signals a service starts with at their defaults (a background job of this script ignores SIGINT and
# SIGQUIT, nohup SIGHUP, which the launcher could then not take)
setpriv --reuid clever-runner --regid clever-runner --init-groups env -i --default-signal=INT,QUIT,HUP PATH=/usr/bin:/bin \
  HOME=/var/lib/clever-runner LANG=C.UTF-8 CLEVER_RUNNER_CONFIG="$config" /usr/bin/clever-runner run \
  >"$work/run.log" 2>&1 &
runner_pid=$!
up=0
for _ in $(seq 1 60); do
  if as_runner clever-runner status --config "$config" >/dev/null 2>&1; then up=1; break; fi
  kill -0 "$runner_pid" 2>/dev/null || break
  sleep 0.5
done
check "clever-runner run starts as the service user; status says so" test "$up" -eq 1
jvm_pid="$(pgrep -P "$runner_pid" java || true)"
check "the JVM of run is the launcher's child, without -Xrs (which would take every signal from the runner)" \
  bash -c "[[ -n '$jvm_pid' ]] && ! tr '\0' ' ' </proc/$jvm_pid/cmdline | grep -q -- ' -Xrs '"
health() { # GET /health without curl, which a minimal Debian lacks
  local status
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  read -r _ status _ <&3 || true
  exec 3<&-
  [[ $status == 200 ]]
}
check "/health answers 200 on the metrics listener" health
check "the unreachable GitLab is a warning naming it" grep -q "127.0.0.1:9" "$work/run.log"
# systemctl reload: SIGHUP to the main process
kill -HUP "$runner_pid"
for _ in $(seq 1 20); do grep -q "reloaded (SIGHUP)" "$work/run.log" && break; sleep 0.5; done
check "SIGHUP to the launcher reloads the config" grep -q "reloaded (SIGHUP)" "$work/run.log"
# systemctl stop: the unit's KillSignal, SIGQUIT, to the main process only (KillMode=mixed)
kill -QUIT "$runner_pid"
rc=0
for _ in $(seq 1 60); do kill -0 "$runner_pid" 2>/dev/null || break; sleep 0.5; done
wait "$runner_pid" || rc=$?
runner_pid=""
check "SIGQUIT to the launcher is the graceful stop, exit 0 (exit $rc)" \
  bash -c "[[ $rc -eq 0 ]] && grep -q 'graceful stop' '$work/run.log'"
check "status says it is stopped" bash -c "$(declare -f as_runner); ! as_runner clever-runner status --config '$config' >/dev/null 2>&1"

if [[ -d /run/systemd/system ]]; then
  check "systemctl start/stop clever-runner" bash -c "systemctl start clever-runner && sleep 2 && systemctl stop clever-runner"
else
  log "systemd is not running here (PID 1 is $(cat /proc/1/comm)): the unit was checked with systemd-analyze verify only"
fi

log "dpkg --purge clever-runner"
dpkg --purge clever-runner >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; log "ERROR: purge failed"; }
check "purge leaves no file, user or archive" bash -c "[[ ! -e /usr/bin/clever-runner && ! -e /usr/share/clever-runner \
  && ! -e /etc/clever-runner && ! -e /var/lib/clever-runner && ! -e /var/cache/clever-runner ]] && ! getent passwd clever-runner >/dev/null \
  && ! getent group clever-runner >/dev/null"

if [[ $failed -gt 0 ]]; then
  log "run.log:"; sed 's/^/  /' "$work/run.log" 2>/dev/null || true
fi
echo "package-test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
